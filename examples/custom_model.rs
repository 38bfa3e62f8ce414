//! Your own cell type on the native engine, used exactly like a standard one.
//!
//! A quadratic integrate-and-fire neuron (examples/qif/mod.rs),
//!
//! ```text
//! tau_m dv/dt = (v - v_rest)(v - v_crit) / delta_v + R I,   R = tau_m / cm
//! v >= v_peak  ->  spike, v = v_reset
//! ```
//!
//! integrated with forward Euler. Two traits make it a model:
//! [`pynn::CellType`] (its PyNN-style schema: parameters with defaults and
//! units, initial values, recordables, receptors) and
//! [`pynn::backends::native::kernel::NativeCell`] (how the native engine builds
//! its struct-of-arrays state and advances it one step).
//!
//! The network is written twice: with the object API (the default) and with
//! `network!` (`--macro`), where the type is named in angle brackets,
//! `pop cells = <Qif>(5) { ... }`; both give the same spikes.
//!
//! ```text
//! cargo run --release --example custom_model -- --plot custom_model.png
//! cargo run --release --example custom_model -- --macro
//! ```

mod qif;
mod support;

use clap::Parser;
use pynn::prelude::*;
use qif::Qif;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "A user-defined cell type (quadratic integrate-and-fire) on the native engine")]
struct Args {
    /// Session seed (connectivity and Poisson spikes).
    #[arg(long, default_value_t = 3)]
    seed: u64,
    /// Directory for the results (custom_model-native.npz + .json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Draw the spike raster and membrane potentials into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Build the network with `network!` (the same network, the same spikes).
    #[arg(long = "macro")]
    use_macro: bool,
}

network! {
    /// The network of `simulate`, in `network!`: the user's type in angle
    /// brackets, its parameters as the struct's fields (a misspelt one is
    /// rustc's error), units converted against `Qif::PARAMETERS`.
    struct QifNet;

    setup { timestep = 0.05 ms }

    pop input = SpikeSourcePoisson(50) { rate = 20 Hz };
    pop cells = <Qif>(5, label = "qif") { i_offset = [0 nA, 200 pA, 0.4 nA, 0.6 nA, 0.8 nA] };

    connect input -> cells fixed_probability(p = 0.3) static(weight = 0.05 nA, delay = 1 ms) excitatory;

    record cells: spikes, v every 0.5 ms;
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    support::run(|| simulate(&args))
}

fn simulate(args: &Args) -> Result<()> {
    if args.use_macro {
        let sim = Sim::<Native>::setup(Setup { seed: args.seed, ..QifNet::<Native>::setup() })?;
        let net = QifNet::build(&sim)?;
        return report(args, &sim, &net.cells);
    }
    let sim = Sim::<Native>::setup(Setup { timestep: 0.05, seed: args.seed, ..Setup::default() })?;
    let input = Population::<SpikeSourcePoisson, Native>::new(
        &sim,
        50,
        SpikeSourcePoisson { rate: 20.0, ..Default::default() },
    )?;
    // The custom type is used exactly like a standard one.
    let cells = Population::with_label(&sim, 5, Qif::default(), Some("qif"))?;
    cells.set("i_offset", vec![0.0, 0.2, 0.4, 0.6, 0.8])?;
    Projection::new(
        &input,
        &cells,
        &FixedProbabilityConnector::new(0.3),
        StaticSynapse::new(0.05, 1.0),
        Some("excitatory"),
    )?;
    cells.record(["spikes", "v"], Some(0.5))?;
    report(args, &sim, &cells)
}

/// Runs 500 ms, prints the spike counts and writes the data.
fn report(args: &Args, sim: &Sim<Native>, cells: &Population<Qif, Native>) -> Result<()> {
    sim.run(500.0)?;
    for (cell, count) in cells.get_spike_counts()? {
        println!("qif cell {cell}: i_offset {:.1} nA, {count} spikes", cells.get("i_offset")?[cell]);
    }
    let data = cells.get_data()?;
    let v = data.segments[0].signal("v").cloned().expect("v was recorded");
    println!("v recorded every {} ms: {} samples x {} cells", v.sampling_period, v.n_samples(), v.channel_index.len());
    let stem = args.out.join("custom_model-native");
    cells.write_data(&stem)?;
    println!("data written to {}.npz (+ .json)", stem.display());
    if let Some(path) = &args.plot {
        plot(&data, path)?;
    }
    sim.end()
}

/// The spike raster and the membrane potentials of the five cells.
#[cfg(feature = "plot")]
fn plot(data: &Block, path: &Path) -> Result<()> {
    let seg = &data.segments[0];
    let fig =
        pynn::plot::Figure::new("custom_model (QIF)").provenance(data).raster(seg, None)?.signal(seg, "v", None)?;
    support::save_figure(&fig, path)
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
