//! The step response of a Hodgkin–Huxley cell (`HH_cond_exp`, NEST's
//! `hh_cond_exp_traub`) with the parameters of PyNN 0.13's
//! `examples/HH_cond_exp2.py` (gbar_Na 20 uS, gbar_K 6 uS, g_leak 0.01 uS,
//! cm 0.2 nF, v_offset -63 mV, E_Na 50 mV, E_K -90 mV, E_leak -65 mV,
//! v initialised at -64 mV). Where PyNN's example drives one cell with a
//! constant `i_offset` of 1 nA for 20 ms, we give two cells a current step
//! (`DCSource` from 100 to 400 ms): 1 nA, which makes the cell fire
//! repetitively, and 0.01 nA, which only shifts the potential to a new
//! plateau (the slowest time constant at rest is ~23 ms: the cell settles
//! before the step and long before its end); time step
//! 0.01 ms, 500 ms.
//!
//! ```text
//! cargo run --release --example hh_cond_exp -- --plot docs/gallery/hh_cond_exp.png
//! cargo run --release --example hh_cond_exp -- --backend nest
//! ```
//!
//! Prints the spike count of each cell and the potential before and at the
//! end of the step; writes `v` and the spikes to
//! `OUT/hh_cond_exp-BACKEND.npz` (+ `.json`). `tests/gallery.rs` checks
//! both against NEST 3.10.

mod support;

use pynn::prelude::*;
use std::path::Path;
use support::CommonArgs;

network! {
    /// Two HH cells, one current step each.
    struct HhStep;

    setup { timestep = 0.01 ms, min_delay = 0.1 ms }

    pop cells = HH_cond_exp(2) {
        gbar_Na = 20 uS, gbar_K = 6 uS, g_leak = 0.01 uS, cm = 0.2 nF, v_offset = -63 mV,
        e_rev_Na = 50 mV, e_rev_K = -90 mV, e_rev_leak = -65 mV, e_rev_E = 0 mV, e_rev_I = -80 mV,
        tau_syn_E = 0.2 ms, tau_syn_I = 2 ms,
    } init { v = -64 mV };

    inject strong = dc(amplitude = 1 nA, start = 100 ms, stop = 400 ms) into cells[0..1];
    inject weak = dc(amplitude = 0.01 nA, start = 100 ms, stop = 400 ms) into cells[1..2];

    record cells: spikes, v;
}

/// Simulated time (ms).
pub const T_STOP: f64 = 500.0;
/// Start and end of the current step (ms).
pub const STEP: (f64, f64) = (100.0, 400.0);

/// The command line: `--backend`, `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "Step response of an HH_cond_exp cell: 1 nA (spikes) and 0.01 nA (plateau) steps (PyNN HH_cond_exp2.py)",
    seed: "1",
    out_help: "Directory for the results (hh_cond_exp-BACKEND.npz + .json)",
    seed_help: "Session seed (the model has no random part; recorded in the results)",
    plot_help: "Draw the membrane potentials into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: CommonArgs = GALLERY.parse();
    support::run_on_backend!(args.backend, main_on(&args))
}

/// Builds and runs the model on `B`; returns the open session and the
/// recorded block of the two cells.
pub fn simulate<B>(seed: u64) -> Result<(Sim<B>, Block)>
where
    B: pynn::Backend + pynn::Supports<pynn::HH_cond_exp>,
{
    let sim = Sim::<B>::setup(Setup { seed, ..HhStep::<B>::setup() })?;
    let net = HhStep::<B>::build(&sim)?;
    sim.run(T_STOP)?;
    let block = net.cells.get_data()?;
    Ok((sim, block))
}

/// Mean of cell `col`'s potential over `[t0, t1)` (mV).
pub fn mean_v(block: &Block, col: usize, t0: f64, t1: f64) -> f64 {
    let v = block.segments[0].signal("v").expect("v is recorded");
    let pts: Vec<f64> =
        v.times().into_iter().zip(v.column(col)).filter(|(t, _)| (t0..t1).contains(t)).map(|(_, v)| v).collect();
    pts.iter().sum::<f64>() / pts.len() as f64
}

fn main_on<B>(args: &CommonArgs) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<pynn::HH_cond_exp>,
{
    let (sim, block) = simulate::<B>(args.seed)?;
    println!("HH_cond_exp step response on {} (dt 0.01 ms, step {}-{} ms)", B::NAME, STEP.0, STEP.1);
    for (col, amp) in [(0, 1.0), (1, 0.01)] {
        let train = &block.segments[0].spiketrains[col];
        println!(
            "  cell {col} ({amp} nA): {:>2} spikes; mean v {:.3} mV before the step (90-100 ms), {:.3} mV at its end (390-400 ms)",
            train.times.len(),
            mean_v(&block, col, STEP.0 - 10.0, STEP.0),
            mean_v(&block, col, STEP.1 - 10.0, STEP.1)
        );
    }
    args.finish(&sim, std::slice::from_ref(&block), "hh_cond_exp", |path| plot(&block, path))
}

/// The two cells' potentials, one panel each.
#[cfg(feature = "plot")]
fn plot(block: &Block, path: &Path) -> Result<()> {
    let seg = &block.segments[0];
    let v = seg
        .signal("v")
        .ok_or_else(|| Error::invalid_value("hh_cond_exp plot", "v", "not recorded", "a run recording v"))?;
    let times = v.times();
    let mut fig = pynn::plot::Figure::new("HH_cond_exp: current steps 100-400 ms").provenance(block);
    for (col, title) in [(0, "step of 1 nA: repetitive firing"), (1, "step of 0.01 nA: a new plateau")] {
        let points = times.iter().copied().zip(v.column(col)).collect();
        fig = fig.lines(title, "time (ms)", "v (mV)", vec![(format!("cell {col}"), points)])?;
    }
    fig.save(path, (900, 600))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
