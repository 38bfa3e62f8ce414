//! Every standard cell type side by side under constant current, the
//! protocol of PyNN 0.13's `examples/cell_type_demonstration.py`: one cell
//! each of `IF_curr_exp` (i_offset 1 nA), `HH_cond_exp` (0.2 nA),
//! `EIF_cond_exp_isfa_ista` (AdEx, 1 nA), `IF_cond_exp_gsfa_grr` (2 nA) and
//! `Izhikevich` (0.01 nA), all other parameters PyNN's defaults; time step
//! 0.01 ms, 100 ms. Recorded: `v` of all, the adaptation current `w` of the
//! AdEx cell and the recovery variable `u` of the Izhikevich cell.
//!
//! ```text
//! cargo run --release --example cell_type_demonstration -- --plot docs/gallery/cell_type_demonstration.png
//! cargo run --release --example cell_type_demonstration -- --backend nest
//! ```
//!
//! Prints each type's spike count and first spike time; writes every
//! population's data to `OUT/cell_type_demonstration-BACKEND.npz` (+ `.json`).

mod support;

use pynn::prelude::*;
use std::path::Path;
use support::CommonArgs;

network! {
    /// One cell of each type, each with its own constant current.
    struct CellTypes;

    setup { timestep = 0.01 ms, min_delay = 1 ms }

    pop cuba_exp = IF_curr_exp(1, label = "IF_curr_exp") { i_offset = 1 nA };
    pop hh = HH_cond_exp(1, label = "HH_cond_exp") { i_offset = 0.2 nA };
    pop adexp = EIF_cond_exp_isfa_ista(1, label = "EIF_cond_exp_isfa_ista") { i_offset = 1 nA };
    pop adapt = IF_cond_exp_gsfa_grr(1, label = "IF_cond_exp_gsfa_grr") { i_offset = 2 nA };
    pop izh = Izhikevich(1, label = "Izhikevich") { i_offset = 0.01 nA };

    record cuba_exp + hh + adexp + adapt + izh: spikes, v;
    record adexp: w;
    record izh: u;
}

/// Simulated time (ms).
pub const T_STOP: f64 = 100.0;

/// The command line: `--backend`, `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "One cell of every standard type under constant current (PyNN cell_type_demonstration.py)",
    seed: "1",
    out_help: "Directory for the results (cell_type_demonstration-BACKEND.npz + .json)",
    seed_help: "Session seed (the model has no random part; recorded in the results)",
    plot_help: "Draw the potentials, w and u into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: CommonArgs = GALLERY.parse();
    support::run_on_backend!(args.backend, main_on(&args))
}

/// What the five cell types need of a backend.
pub trait AllTypes:
    pynn::Backend
    + pynn::Supports<IF_curr_exp>
    + pynn::Supports<pynn::HH_cond_exp>
    + pynn::Supports<pynn::EIF_cond_exp_isfa_ista>
    + pynn::Supports<pynn::IF_cond_exp_gsfa_grr>
    + pynn::Supports<pynn::Izhikevich>
{
}

impl<B> AllTypes for B where
    B: pynn::Backend
        + pynn::Supports<IF_curr_exp>
        + pynn::Supports<pynn::HH_cond_exp>
        + pynn::Supports<pynn::EIF_cond_exp_isfa_ista>
        + pynn::Supports<pynn::IF_cond_exp_gsfa_grr>
        + pynn::Supports<pynn::Izhikevich>
{
}

/// Builds and runs the model on `B`; returns the open session and one
/// block per cell type, in the order of [`CellTypes`]'s populations.
pub fn simulate<B: AllTypes>(seed: u64) -> Result<(Sim<B>, Vec<Block>)> {
    let sim = Sim::<B>::setup(Setup { seed, ..CellTypes::<B>::setup() })?;
    let net = CellTypes::<B>::build(&sim)?;
    sim.run(T_STOP)?;
    let blocks = vec![
        net.cuba_exp.get_data()?,
        net.hh.get_data()?,
        net.adexp.get_data()?,
        net.adapt.get_data()?,
        net.izh.get_data()?,
    ];
    Ok((sim, blocks))
}

fn main_on<B: AllTypes>(args: &CommonArgs) -> Result<()> {
    let (sim, blocks) = simulate::<B>(args.seed)?;
    println!("standard cell types on {} (dt 0.01 ms, {T_STOP} ms)", B::NAME);
    for block in &blocks {
        let train = &block.segments[0].spiketrains[0];
        let first = train.times.first().map_or("-".to_string(), |t| format!("{t:.2} ms"));
        println!("  {:<24} {:>3} spikes, first at {first}", block.name, train.times.len());
    }
    args.finish(&sim, &blocks, "cell_type_demonstration", |path| plot(&blocks, path))
}

/// The first column of signal `name` of a block as (t, value) points, and its units.
#[cfg(feature = "plot")]
fn trace(block: &Block, name: &str) -> Result<(Vec<(f64, f64)>, String)> {
    let sig = block.segments[0].signal(name).ok_or_else(|| {
        Error::invalid_value(format!("population {:?}", block.name), name, "not recorded", "a recorded signal")
    })?;
    Ok((sig.times().into_iter().zip(sig.column(0)).collect(), sig.units.clone()))
}

/// One panel per cell type (its `v`), plus `w` of the AdEx cell and `u` of
/// the Izhikevich cell.
#[cfg(feature = "plot")]
fn plot(blocks: &[Block], path: &Path) -> Result<()> {
    let mut fig = pynn::plot::Figure::new("Standard cell types under constant current").provenance(&blocks[0]);
    let currents = ["1 nA", "0.2 nA", "1 nA", "2 nA", "0.01 nA"];
    for (block, i) in blocks.iter().zip(currents) {
        let (points, units) = trace(block, "v")?;
        let title = format!("{}, i_offset {i}", block.name);
        fig = fig.lines(&title, "time (ms)", &format!("v ({units})"), vec![("v".into(), points)])?;
        for extra in ["w", "u"] {
            if block.segments[0].signal(extra).is_some() {
                let (points, units) = trace(block, extra)?;
                let title = format!("{}: {extra}", block.name);
                fig = fig.lines(&title, "time (ms)", &format!("{extra} ({units})"), vec![(extra.into(), points)])?;
            }
        }
    }
    fig.save(path, (900, 1400))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &[Block], path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
