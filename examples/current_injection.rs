//! The four standard current sources, one per cell, the protocol of PyNN
//! 0.13's `examples/current_injection.py`: four `IF_curr_exp` cells
//! (v_thresh -55 mV, tau_refrac 5 ms, tau_m 10 ms, other parameters PyNN's
//! defaults: cm 1 nF, v_rest -65 mV, so 1 nA moves the steady state by
//! 10 mV) receive a `DCSource` (0.5 nA, 50-400 ms), a `StepCurrentSource`
//! (0.4, 0.6, -0.2, 0.2 nA from 50, 210, 250, 410 ms), an `ACSource`
//! (0.1 nA offset, 0.2 nA amplitude, 10 Hz, phase 180 degrees, 50-450 ms)
//! and a `NoisyCurrentSource` (mean 0.5 nA, sd 0.2 nA, new value every ms,
//! 50-450 ms); 500 ms at dt 0.1 ms. No cell reaches threshold: each
//! membrane potential is its current low-pass filtered with tau_m.
//!
//! ```text
//! cargo run --release --example current_injection -- --plot docs/gallery/current_injection.png
//! cargo run --release --example current_injection -- --backend nest
//! ```
//!
//! Prints the potential of each cell at a few times, and writes `v` to
//! `OUT/current_injection-BACKEND.npz` (+ `.json`).

mod support;

use pynn::prelude::*;
use std::path::Path;
use support::CommonArgs;

network! {
    /// Four cells, one current source each.
    struct CurrentInjection;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms }

    pop cells = IF_curr_exp(4) { v_thresh = -55 mV, tau_refrac = 5 ms, tau_m = 10 ms };

    inject dc = dc(amplitude = 0.5 nA, start = 50 ms, stop = 400 ms) into cells[0..1];
    inject steps = step(times = [50 ms, 210 ms, 250 ms, 410 ms], amplitudes = [0.4 nA, 0.6 nA, -0.2 nA, 0.2 nA]) into cells[1..2];
    inject ac = ac(amplitude = 0.2 nA, offset = 0.1 nA, frequency = 10 Hz, phase = 180, start = 50 ms, stop = 450 ms) into cells[2..3];
    inject noise = noisy(mean = 0.5 nA, stdev = 0.2 nA, dt = 1 ms, start = 50 ms, stop = 450 ms) into cells[3..4];

    record cells: spikes, v;
}

/// Simulated time (ms).
pub const T_STOP: f64 = 500.0;
/// The source of each cell, in order.
pub const SOURCES: [&str; 4] = ["DCSource", "StepCurrentSource", "ACSource", "NoisyCurrentSource"];

/// The command line: `--backend`, `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "The four standard current sources into four IF_curr_exp cells (PyNN current_injection.py)",
    seed: "1",
    out_help: "Directory for the results (current_injection-BACKEND.npz + .json)",
    seed_help: "Session seed (the noise of the NoisyCurrentSource)",
    plot_help: "Draw the membrane potentials into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: CommonArgs = GALLERY.parse();
    support::run_on_backend!(args.backend, main_on(&args))
}

/// Builds and runs the model on `B`; returns the open session and the
/// recorded block of the four cells.
pub fn simulate<B>(seed: u64) -> Result<(Sim<B>, Block)>
where
    B: pynn::Backend + pynn::Supports<IF_curr_exp>,
{
    let sim = Sim::<B>::setup(Setup { seed, ..CurrentInjection::<B>::setup() })?;
    let net = CurrentInjection::<B>::build(&sim)?;
    sim.run(T_STOP)?;
    let block = net.cells.get_data()?;
    Ok((sim, block))
}

/// Cell `col`'s potential at the sample nearest to `t` (mV).
pub fn v_at(block: &Block, col: usize, t: f64) -> f64 {
    let v = block.segments[0].signal("v").expect("v is recorded");
    let k = ((t - v.t_start) / v.sampling_period).round() as usize;
    v.column(col)[k]
}

fn main_on<B>(args: &CommonArgs) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<IF_curr_exp>,
{
    let (sim, block) = simulate::<B>(args.seed)?;
    println!("current injection on {} (4 IF_curr_exp cells, tau_m 10 ms, R 10 MOhm)", B::NAME);
    let times = [40.0, 200.0, 240.0, 400.0, 449.0];
    println!("  {:<19} {}", "v (mV) at t (ms) =", times.map(|t| format!("{t:>8}")).join(""));
    for (col, name) in SOURCES.iter().enumerate() {
        println!("  {name:<19} {}", times.map(|t| format!("{:>8.3}", v_at(&block, col, t))).join(""));
    }
    let spikes: usize = block.segments[0].spiketrains.iter().map(|s| s.times.len()).sum();
    println!("  spikes: {spikes} (all sources stay below threshold)");
    args.finish(&sim, std::slice::from_ref(&block), "current_injection", |path| plot(&block, path))
}

/// One panel per source: the potential of its cell.
#[cfg(feature = "plot")]
fn plot(block: &Block, path: &Path) -> Result<()> {
    let seg = &block.segments[0];
    let v = seg
        .signal("v")
        .ok_or_else(|| Error::invalid_value("current_injection plot", "v", "not recorded", "a run recording v"))?;
    let times = v.times();
    let mut fig = pynn::plot::Figure::new("Current injection: four IF_curr_exp cells").provenance(block);
    let titles = [
        "DCSource 0.5 nA, 50-400 ms",
        "StepCurrentSource 0.4, 0.6, -0.2, 0.2 nA at 50, 210, 250, 410 ms",
        "ACSource 0.1 + 0.2 sin nA, 10 Hz, phase 180 deg, 50-450 ms",
        "NoisyCurrentSource mean 0.5 nA, sd 0.2 nA, dt 1 ms, 50-450 ms",
    ];
    for (col, title) in titles.iter().enumerate() {
        let points = times.iter().copied().zip(v.column(col)).collect();
        fig = fig.lines(title, "time (ms)", "v (mV)", vec![(SOURCES[col].to_string(), points)])?;
    }
    fig.save(path, (900, 1000))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
