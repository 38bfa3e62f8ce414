//! A first model: 20 Poisson spike sources drive 10 leaky integrate-and-fire
//! neurons through excitatory synapses; the neurons inhibit each other.
//!
//! ```text
//! cargo run --release --example simple_network -- --plot simple_network.png
//! ```

mod support;

use clap::Parser;
use pynn::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "20 Poisson sources drive 10 mutually inhibiting IF_curr_alpha cells (native engine)")]
struct Args {
    /// Session seed (connectivity, Poisson spikes, initial potentials).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for the results (simple_network-native.npz + .json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Draw the spike raster and membrane potentials into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    support::run(|| simulate(&args))
}

fn simulate(args: &Args) -> Result<()> {
    // A session on the native engine: 0.1 ms time step, delays 0.1-10 ms.
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: args.seed, ..Setup::default() })?;

    // Populations: PyNN's standard models, PyNN's parameter names and units.
    let input =
        Population::with_label(&sim, 20, SpikeSourcePoisson { rate: 40.0, ..Default::default() }, Some("input"))?;
    let cells = Population::with_label(
        &sim,
        10,
        IF_curr_alpha { tau_syn_E: 2.0, tau_syn_I: 5.0, ..Default::default() },
        Some("cells"),
    )?;
    cells.initialize("v", RandomDistribution::uniform(-65.0, -55.0))?;

    // Projections: a connector, a synapse type and a receptor type.
    Projection::new(
        &input,
        &cells,
        &FixedProbabilityConnector::new(0.5),
        StaticSynapse::new(1.2, 1.0),
        Some("excitatory"),
    )?;
    let inhibition = AllToAllConnector { allow_self_connections: false };
    Projection::new(&cells, &cells, &inhibition, StaticSynapse::new(-0.3, 2.0), Some("inhibitory"))?;

    // A current step into the first three cells.
    cells.view(0..3)?.inject(StepCurrentSource { times: vec![200.0, 400.0], amplitudes: vec![0.4, 0.0] })?;

    cells.record(["spikes", "v"], None)?;
    sim.run(500.0)?;

    let data = cells.get_data()?;
    for train in &data.segments[0].spiketrains {
        println!(
            "cell {:>2}: {:>3} spikes, first at {:?} ms",
            train.source_index,
            train.times.len(),
            train.times.first()
        );
    }
    println!("mean spike count: {:.1}", cells.mean_spike_count()?);
    let (rate, cv) = support::rate_and_cv(&data.segments[0], cells.size(), 500.0);
    println!("mean rate: {rate:.2} Hz, mean CV(ISI): {cv:.3}");
    let v = data.segments[0].signal("v").expect("v was recorded");
    println!(
        "v: {} samples x {} cells, cell 0 ends at {:.2} mV",
        v.n_samples(),
        v.channel_index.len(),
        v.column(0).last().unwrap()
    );
    let stem = args.out.join("simple_network-native");
    cells.write_data(&stem)?;
    println!("data written to {}.npz (+ .json)", stem.display());
    if let Some(path) = &args.plot {
        plot(&data, path)?;
    }
    sim.end()
}

/// The spike raster and the membrane potentials of the ten cells.
#[cfg(feature = "plot")]
fn plot(data: &Block, path: &Path) -> Result<()> {
    let seg = &data.segments[0];
    let fig = pynn::plot::Figure::new("simple_network").provenance(data).raster(seg, None)?.signal(seg, "v", None)?;
    support::save_figure(&fig, path)
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
