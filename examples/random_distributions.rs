//! The standard random distributions, the protocol of PyNN 0.13's
//! `examples/random_distributions.py`: 100 000 values each of
//! `uniform(-65, -55)`, `gamma(k = 2, theta = 0.5)`, `normal(mu = -1,
//! sigma = 0.5)`, `exponential(beta = 10)` and `normal_clipped(mu = 0.5,
//! sigma = 0.5, low = 0, high = 10)`, each drawn from its own stream of the
//! session seed (the streams that give parameter and initial values), shown
//! as a 100-bin histogram over PyNN's x range with the expected counts of
//! the exact density over it. PyNN's example compares several generators
//! (NumPy, GSL, NEURON's); pynn-rs has one, ChaCha8 keyed streams.
//!
//! ```text
//! cargo run --release --example random_distributions -- --plot docs/gallery/random_distributions.png
//! ```
//!
//! Prints each distribution's sample mean and standard deviation against
//! the exact ones, and writes the values to
//! `OUT/random_distributions-native.npz` (+ `.json`), one signal per
//! distribution.

mod support;

use pynn::core::random::{ObjectKind, Streams};
use pynn::prelude::*;
use std::f64::consts::PI;
use std::path::Path;
use support::OutputArgs;

/// Number of values per distribution, as in PyNN's example.
pub const N: usize = 100_000;

/// One distribution of the example: name, distribution, PyNN's x range,
/// exact mean, exact standard deviation, exact density.
pub struct Case {
    /// The distribution with its parameters, as written in the figure.
    pub label: &'static str,
    /// The distribution.
    pub dist: RandomDistribution,
    /// The x range of the histogram (PyNN's example's).
    pub range: (f64, f64),
    /// Exact mean.
    pub mean: f64,
    /// Exact standard deviation.
    pub sd: f64,
    /// Exact probability density.
    pub pdf: fn(f64) -> f64,
}

/// Standard normal density.
fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

/// P(Z > -1) for a standard normal Z: the mass that `normal_clipped(0.5,
/// 0.5, 0, 10)` keeps (the upper bound, 19 sd away, removes nothing).
const KEPT: f64 = 0.841_344_746_068_542_9;

/// The five cases of PyNN's example, with exact moments: uniform
/// ((a+b)/2, (b-a)/sqrt 12), gamma (k theta, sqrt(k) theta), normal,
/// exponential (beta, beta), and the normal truncated below at
/// alpha = (0 - 0.5)/0.5 = -1 (mean mu + sigma phi(alpha)/Z, variance
/// sigma^2 (1 + alpha phi(alpha)/Z - (phi(alpha)/Z)^2), Z = 1 - Phi(alpha)).
pub fn cases() -> Vec<Case> {
    let lam = phi(-1.0) / KEPT;
    vec![
        Case {
            label: "uniform(low -65, high -55)",
            dist: RandomDistribution::uniform(-65.0, -55.0),
            range: (-65.0, -55.0),
            mean: -60.0,
            sd: 10.0 / 12f64.sqrt(),
            pdf: |x| if (-65.0..-55.0).contains(&x) { 0.1 } else { 0.0 },
        },
        Case {
            label: "gamma(k 2, theta 0.5)",
            dist: RandomDistribution::gamma(2.0, 0.5),
            range: (0.0, 5.0),
            mean: 1.0,
            sd: 2f64.sqrt() * 0.5,
            pdf: |x| if x > 0.0 { 4.0 * x * (-2.0 * x).exp() } else { 0.0 },
        },
        Case {
            label: "normal(mu -1, sigma 0.5)",
            dist: RandomDistribution::normal(-1.0, 0.5),
            range: (-3.0, 1.0),
            mean: -1.0,
            sd: 0.5,
            pdf: |x| phi((x + 1.0) / 0.5) / 0.5,
        },
        Case {
            label: "exponential(beta 10)",
            dist: RandomDistribution::exponential(10.0),
            range: (0.0, 50.0),
            mean: 10.0,
            sd: 10.0,
            pdf: |x| if x >= 0.0 { (-x / 10.0).exp() / 10.0 } else { 0.0 },
        },
        Case {
            label: "normal_clipped(mu 0.5, sigma 0.5, low 0, high 10)",
            dist: RandomDistribution::normal_clipped(0.5, 0.5, 0.0, 10.0),
            range: (-0.5, 3.0),
            mean: 0.5 + 0.5 * lam,
            sd: 0.5 * (1.0 - lam - lam * lam).sqrt(),
            pdf: |x| if (0.0..=10.0).contains(&x) { phi((x - 0.5) / 0.5) / 0.5 / KEPT } else { 0.0 },
        },
    ]
}

/// The command line: `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "Histograms of 100 000 values of each standard random distribution (PyNN random_distributions.py)",
    seed: "984527",
    out_help: "Directory for the values (random_distributions-native.npz + .json)",
    seed_help: "Session seed (one stream per distribution)",
    plot_help: "Draw the histograms into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: OutputArgs = GALLERY.parse();
    support::run(|| try_main(&args))
}

/// `N` values of each case, case `k` from the stream (population `k`,
/// "random_distributions") of `seed`.
pub fn draw(seed: u64, cases: &[Case]) -> Result<Vec<Vec<f64>>> {
    let streams = Streams::new(seed);
    cases
        .iter()
        .enumerate()
        .map(|(k, c)| c.dist.sample_n(&mut streams.rng(ObjectKind::Population, k as u64, "random_distributions", 0), N))
        .collect()
}

/// Mean and standard deviation (n - 1 in the denominator) of `x`.
pub fn moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn try_main(args: &OutputArgs) -> Result<()> {
    let cases = cases();
    let values = draw(args.seed, &cases)?;
    println!("random distributions, {N} values each (seed {})", args.seed);
    println!("  {:<52} {:>9} {:>9} {:>9} {:>9}", "distribution", "mean", "exact", "sd", "exact");
    for (c, x) in cases.iter().zip(&values) {
        let (m, s) = moments(x);
        println!("  {:<52} {m:>9.4} {:>9.4} {s:>9.4} {:>9.4}", c.label, c.mean, c.sd);
    }
    write(args, &cases, &values)?;
    if let Some(path) = &args.plot {
        plot(&cases, &values, args.seed, path)?;
    }
    Ok(())
}

/// Writes the values as one block, one signal (one channel) per distribution.
fn write(args: &OutputArgs, cases: &[Case], values: &[Vec<f64>]) -> Result<()> {
    let names = ["uniform", "gamma", "normal", "exponential", "normal_clipped"];
    let analogsignals = names
        .iter()
        .zip(values)
        .map(|(name, x)| pynn::core::AnalogSignal {
            name: name.to_string(),
            units: "dimensionless".into(),
            t_start: 0.0,
            sampling_period: 1.0,
            channel_index: vec![0],
            data: x.clone(),
        })
        .collect();
    let segment = pynn::core::Segment { name: "segment000".into(), spiketrains: Vec::new(), analogsignals };
    let block = Block { name: "samples".into(), segments: vec![segment], annotations: Default::default() };
    let provenance = [
        ("seed", serde_json::json!(args.seed)),
        ("n", serde_json::json!(N)),
        ("distributions", serde_json::json!(cases.iter().map(|c| c.label).collect::<Vec<_>>())),
        ("model", serde_json::json!("random_distributions")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (npz, json) =
        pynn::core::io::write_blocks(&args.out.join("random_distributions-native"), &[block], &provenance)?;
    println!("  data         {} + {}", npz.display(), json.display());
    Ok(())
}

/// One histogram panel per distribution, the expected counts over it.
#[cfg(feature = "plot")]
fn plot(cases: &[Case], values: &[Vec<f64>], seed: u64, path: &Path) -> Result<()> {
    let title = format!("Standard random distributions, {N} values each (seed {seed})");
    let mut fig = pynn::plot::Figure::new(title);
    for (c, x) in cases.iter().zip(values) {
        let pdf = c.pdf;
        fig = fig.histogram(c.label, "value (dimensionless)", x, c.range.0..c.range.1, 100, Some(&pdf))?;
    }
    fig.save(path, (900, 1300))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &[Case], _: &[Vec<f64>], _: u64, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
