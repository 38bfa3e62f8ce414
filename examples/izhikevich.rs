//! Three Izhikevich cells (a = 0.02, b = 0.2, c = -65 mV, d = 6) with three
//! kinds of drive, the protocol of PyNN 0.13's `examples/Izhikevich.py`:
//! cell 0 a constant `i_offset` of 0.014 nA, cell 1 a train of 41 input
//! spikes (10 to 50 ms, one per ms, weight 3 mV, delay 1 ms), cell 2 a
//! `DCSource` of 0.014 nA from 2 to 92 ms; time step 0.01 ms, 100 ms.
//!
//! ```text
//! cargo run --release --example izhikevich -- --plot docs/gallery/izhikevich.png
//! cargo run --release --example izhikevich -- --backend nest
//! ```
//!
//! Prints each cell's spike count and first spike time, and writes `v` and
//! the spikes to `OUT/izhikevich-BACKEND.npz` (+ `.json`). The native
//! engine integrates the model with NEST's forward Euler scheme; the spike
//! times are checked against NEST 3.10 in `tests/gallery.rs`.

mod support;

use pynn::prelude::*;
use std::path::Path;
use support::CommonArgs;

network! {
    /// The three cells, the input spike train and the current step.
    struct Izhikevich3;

    setup { timestep = 0.01 ms, min_delay = 1 ms }

    pop neurons = Izhikevich(3) { a = 0.02, b = 0.2, c = -65 mV, d = 6 } init { v = -70 mV, u = -14 };
    pop source = SpikeSourceArray(1) { spike_times = { (10..=50).map(f64::from).collect::<Vec<f64>>() } };

    connect source -> neurons[1..2] one_to_one() static(weight = 3 mV, delay = 1 ms) excitatory;
    inject dc(amplitude = 0.014 nA, start = 2 ms, stop = 92 ms) into neurons[2..3];

    record neurons: spikes, v;
}

/// Simulated time (ms), as in PyNN's example.
pub const T_STOP: f64 = 100.0;

/// The command line: `--backend`, `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "Three Izhikevich cells under i_offset, input spikes and a current step (PyNN Izhikevich.py)",
    seed: "1",
    out_help: "Directory for the results (izhikevich-BACKEND.npz + .json)",
    seed_help: "Session seed (the model has no random part; recorded in the results)",
    plot_help: "Draw the membrane potentials into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: CommonArgs = GALLERY.parse();
    support::run_on_backend!(args.backend, main_on(&args))
}

/// Builds and runs the model on `B` with session seed `seed`; returns the
/// session (still open) and the recorded block of the three cells.
pub fn simulate<B>(seed: u64) -> Result<(Sim<B>, Block)>
where
    B: pynn::Backend + pynn::Supports<pynn::Izhikevich> + pynn::Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { seed, ..Izhikevich3::<B>::setup() })?;
    let net = Izhikevich3::<B>::build(&sim)?;
    // Per-cell i_offset = [0.014, 0, 0] nA (the macro sets one value per population).
    net.neurons.view(0..1)?.set("i_offset", 0.014)?;
    sim.run(T_STOP)?;
    let block = net.neurons.get_data()?;
    Ok((sim, block))
}

fn main_on<B>(args: &CommonArgs) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<pynn::Izhikevich> + pynn::Supports<SpikeSourceArray>,
{
    let (sim, block) = simulate::<B>(args.seed)?;
    println!("Izhikevich cells on {} (dt 0.01 ms, {T_STOP} ms)", B::NAME);
    let drive = ["i_offset 0.014 nA", "41 input spikes", "DC 0.014 nA 2-92 ms"];
    for (train, what) in block.segments[0].spiketrains.iter().zip(drive) {
        let first = train.times.first().map_or("-".to_string(), |t| format!("{t:.2} ms"));
        println!("  cell {} ({what:<19}) {:>3} spikes, first at {first}", train.source_index, train.times.len());
    }
    args.finish(&sim, std::slice::from_ref(&block), "izhikevich", |path| plot(&block, path))
}

/// One panel per cell: its membrane potential, titled with its drive.
#[cfg(feature = "plot")]
fn plot(block: &Block, path: &Path) -> Result<()> {
    let seg = &block.segments[0];
    let v = seg
        .signal("v")
        .ok_or_else(|| Error::invalid_value("izhikevich plot", "v", "not recorded", "a run recording v"))?;
    let times = v.times();
    let mut fig = pynn::plot::Figure::new("Izhikevich cells (a 0.02, b 0.2, c -65 mV, d 6)").provenance(block);
    let titles = [
        "cell 0: i_offset 0.014 nA",
        "cell 1: 41 input spikes of 3 mV, 10-50 ms",
        "cell 2: DCSource 0.014 nA, 2-92 ms",
    ];
    for (col, title) in titles.iter().enumerate() {
        let points = times.iter().copied().zip(v.column(col)).collect();
        fig = fig.lines(title, "time (ms)", "v (mV)", vec![(format!("cell {col}"), points)])?;
    }
    fig.save(path, (900, 800))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
