//! Spatial and non-spatial connectors between populations on 2-D grids,
//! after PyNN 0.13's `examples/connections.py` (which builds the same
//! excitatory/inhibitory projections with one connector after another and
//! draws their connection matrices). Here two populations of 400
//! `IF_cond_exp` cells each, `exc` and `inh`, lie on the same 20 x 20
//! `Grid2D` (spacing 1), and four projections use four connectors:
//!
//! - `exc -> inh`: `DistanceDependentProbabilityConnector` with
//!   p(d) = exp(-d / 2) (d in grid units);
//! - `exc -> exc`: `AllToAllConnector` without self-connections;
//! - `inh -> exc`: `FixedProbabilityConnector(0.1)`;
//! - `inh -> inh`: `FixedNumberPreConnector(3)`.
//!
//! ```text
//! cargo run --release --example connections -- --plot docs/gallery/connections.png
//! ```
//!
//! Prints each projection's connection count against its expectation, and
//! saves each projection in PyNN's list format (`Projection::save`) to
//! `OUT/connections-native-PROJECTION.txt`. The figure shows the targets of
//! the centre cell on the grid, the measured connection probability against
//! distance with p(d), and part of the connection matrix.

mod support;

use pynn::prelude::*;
use pynn::space::{Grid2D, Structure};
use std::path::Path;
use support::OutputArgs;

/// Grid side (cells per row and per column).
pub const SIDE: usize = 20;
/// Length constant of the distance-dependent probability (grid units).
pub const LAMBDA: f64 = 2.0;
/// Probability of the fixed-probability projection.
pub const P_FIXED: f64 = 0.1;
/// Presynaptic cells per cell of the fixed-number projection.
pub const N_PRE: usize = 3;

/// The probability of the distance-dependent projection at distance `d`.
pub fn p_of_d(d: f64) -> f64 {
    (-d / LAMBDA).exp()
}

/// What the example builds: cell positions and the (pre, post) pairs of each
/// projection, named.
pub struct Built {
    /// Positions of the cells of either population (they share the grid).
    pub positions: Vec<[f64; 3]>,
    /// (projection label, connector, its (pre, post) pairs).
    pub projections: Vec<ProjectionPairs>,
}

/// One projection of [`Built`]: its label, its connector's name and its
/// (pre, post) pairs.
pub type ProjectionPairs = (&'static str, &'static str, Vec<(usize, usize)>);

/// The command line: `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "Four connectors between two 20 x 20 grids of cells, with a picture of the connectivity (PyNN connections.py)",
    seed: "98765",
    out_help: "Directory for the connection lists (connections-native-PROJECTION.txt)",
    seed_help: "Session seed (the random connectors)",
    plot_help: "Draw the connectivity into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: OutputArgs = GALLERY.parse();
    support::run(|| try_main(&args))
}

/// Builds the populations and projections in a native session with `seed`;
/// saves each projection to `out` if given.
pub fn build(seed: u64, out: Option<&Path>) -> Result<Built> {
    let sim = Sim::<Native>::setup(Setup { seed, ..Setup::default() })?;
    let grid = Structure::Grid2D(Grid2D::default());
    let n = SIDE * SIDE;
    let exc = Population::with_structure(&sim, n, IF_cond_exp::default(), grid.clone(), Some("exc"))?;
    let inh = Population::with_structure(&sim, n, IF_cond_exp::default(), grid, Some("inh"))?;
    let syn = || StaticSynapse::new(0.001, 1.0);
    let ddpc = DistanceDependentProbabilityConnector::new(p_of_d);
    let all = AllToAllConnector { allow_self_connections: false };
    let fixed = FixedProbabilityConnector::new(P_FIXED);
    let number = FixedNumberPreConnector::new(N_PRE);
    let prjs = [
        (
            "exc_inh",
            "DistanceDependentProbabilityConnector",
            Projection::new(&exc, &inh, &ddpc, syn(), Some("excitatory"))?,
        ),
        ("exc_exc", "AllToAllConnector", Projection::new(&exc, &exc, &all, syn(), Some("excitatory"))?),
        ("inh_exc", "FixedProbabilityConnector", Projection::new(&inh, &exc, &fixed, syn(), Some("inhibitory"))?),
        ("inh_inh", "FixedNumberPreConnector", Projection::new(&inh, &inh, &number, syn(), Some("inhibitory"))?),
    ];
    let mut projections = Vec::new();
    for (label, connector, prj) in &prjs {
        if let Some(dir) = out {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            prj.save(&["weight", "delay"], dir.join(format!("connections-native-{label}.txt")))?;
        }
        let pairs = prj.get_list("weight")?.into_iter().map(|(i, j, _)| (i, j)).collect();
        projections.push((*label, *connector, pairs));
    }
    let positions = exc.positions();
    sim.end()?;
    Ok(Built { positions, projections })
}

/// Euclidean distance of two positions.
pub fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
}

/// Expected number of connections of the distance-dependent projection
/// and its standard deviation: the sum of p(d) and of p(d)(1 - p(d)) over
/// all pairs (independent Bernoulli draws).
pub fn ddpc_expectation(positions: &[[f64; 3]]) -> (f64, f64) {
    let (mut mean, mut var) = (0.0, 0.0);
    for a in positions {
        for b in positions {
            let p = p_of_d(distance(*a, *b));
            mean += p;
            var += p * (1.0 - p);
        }
    }
    (mean, var.sqrt())
}

fn try_main(args: &OutputArgs) -> Result<()> {
    let built = build(args.seed, Some(&args.out))?;
    let n = (SIDE * SIDE) as f64;
    let (dd_mean, dd_sd) = ddpc_expectation(&built.positions);
    let expected = [
        format!("{dd_mean:.0} +- {dd_sd:.0}"),
        format!("{} exactly", n * (n - 1.0)),
        format!("{:.0} +- {:.0}", n * n * P_FIXED, (n * n * P_FIXED * (1.0 - P_FIXED)).sqrt()),
        format!("{} exactly", n * N_PRE as f64),
    ];
    println!("connectors between two {SIDE} x {SIDE} grids (seed {})", args.seed);
    for ((label, connector, pairs), e) in built.projections.iter().zip(expected) {
        println!("  {label}  {connector:<38} {:>6} connections (expected {e})", pairs.len());
    }
    println!("  lists        {}/connections-native-*.txt", args.out.display());
    if let Some(path) = &args.plot {
        plot(&built, args.seed, path)?;
    }
    Ok(())
}

/// The grid with the targets of its centre cell, the measured connection
/// probability at each distance with p(d), and the connection matrix of
/// the first 100 x 100 cells, all of the distance-dependent projection.
#[cfg(feature = "plot")]
fn plot(built: &Built, seed: u64, path: &Path) -> Result<()> {
    let pos = &built.positions;
    let pairs = &built.projections[0].2;
    let centre = (SIDE / 2) * SIDE + SIDE / 2;
    let xy = |i: usize| (pos[i][0], pos[i][1]);
    let targets: Vec<(f64, f64)> = pairs.iter().filter(|(i, _)| *i == centre).map(|(_, j)| xy(*j)).collect();
    let grid: Vec<(f64, f64)> = (0..pos.len()).map(xy).collect();
    let title = format!("targets of exc cell {centre} ({} cells)", targets.len());
    let picture = vec![
        ("inh cells".to_string(), grid),
        (format!("targets of exc cell {centre}"), targets),
        (format!("exc cell {centre}"), vec![xy(centre)]),
    ];
    // Measured probability at each distance up to 10 that occurs on the grid:
    // connections / pairs at that distance.
    let mut at: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
    let key = |d: f64| (d * 1e6).round() as u64;
    for a in pos {
        for b in pos {
            let d = distance(*a, *b);
            if d <= 10.0 {
                at.entry(key(d)).or_default().0 += 1.0;
            }
        }
    }
    for (i, j) in pairs {
        if let Some(e) = at.get_mut(&key(distance(pos[*i], pos[*j]))) {
            e.1 += 1.0;
        }
    }
    let measured: Vec<(f64, f64)> = at.iter().map(|(k, (n, c))| (*k as f64 * 1e-6, c / n)).collect();
    let exact: Vec<(f64, f64)> = (0..=100).map(|k| k as f64 * 0.1).map(|d| (d, p_of_d(d))).collect();
    let matrix: Vec<(f64, f64)> =
        pairs.iter().filter(|(i, j)| *i < 100 && *j < 100).map(|(i, j)| (*j as f64, *i as f64)).collect();
    let fig = pynn::plot::Figure::new(format!("Distance-dependent connections, p(d) = exp(-d/{LAMBDA}), seed {seed}"))
        .scatter(&title, "x (grid units)", "y (grid units)", picture)?
        .lines(
            "exc -> inh: connection probability against distance",
            "distance d (grid units)",
            "probability",
            vec![("measured".into(), measured), (format!("p(d) = exp(-d/{LAMBDA})"), exact)],
        )?
        .scatter(
            "exc -> inh connection matrix, cells 0-99",
            "post (inh) index",
            "pre (exc) index",
            vec![("connection".into(), matrix)],
        )?;
    fig.save(path, (900, 1300))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Built, _: u64, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
