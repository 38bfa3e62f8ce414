//! A composed neuron (PyNN's `PointNeuron`): an adaptive exponential
//! integrate-and-fire membrane with three named receptors of different time
//! courses and reversal potentials (after PyNN's `multi_synapse.py`). Three
//! spike sources fire at 30, 60 and 90 ms onto AMPA, NMDA and GABAA; the
//! example prints each receptor's conductance peak and the membrane's
//! response, on the native engine or on NEST (`aeif_cond_alpha_multisynapse`).
//!
//! The network is written twice: with the object API (the default) and with
//! `network!` (`--macro`), where the composition is
//! `pop neuron = PointNeuron(1) { neuron = AdExp(...), AMPA = CondAlpha(...), ... }`
//! and a projection names its receptor after the synapse (`... AMPA;`);
//! both give the same traces.
//!
//! ```text
//! cargo run --release --example multi_synapse -- --backend native
//! cargo run --release --example multi_synapse -- --backend nest
//! cargo run --release --example multi_synapse -- --backend native --macro
//! ```

mod support;

use clap::{Parser, ValueEnum};
use pynn::core::{Backend, Supports};
use pynn::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "An AdExp neuron with AMPA, NMDA and GABAA receptors (PyNN's PointNeuron), on native or NEST")]
struct Args {
    /// Simulator to run on.
    #[arg(long, value_enum, default_value = "native")]
    backend: Choice,
    /// Directory for the results (multi_synapse-BACKEND.npz + .json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Draw the three receptor conductances and the membrane potential into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Build the network with `network!` (the same network, the same traces).
    #[arg(long = "macro")]
    use_macro: bool,
}

network! {
    /// The network of `simulate`, in `network!`: receptors named in the
    /// composition, projections onto a receptor by its name.
    struct MultiSynapse;

    setup { timestep = 0.1 ms }

    pop neuron = PointNeuron(1) {
        neuron = AdExp(tau_m = 10 ms, v_rest = -60 mV),
        AMPA = CondAlpha(tau_syn = 1 ms, e_syn = 0 mV),
        NMDA = CondAlpha(tau_syn = 20 ms, e_syn = 0 mV),
        GABAA = CondAlpha(tau_syn = 1.5 ms, e_syn = -70 mV),
    } init { v = -60 mV };
    pop sources = SpikeSourceArray(3) { spike_times = [[30 ms], [60 ms], [90 ms]] };

    connect sources -> neuron from_list([(0, 0, 0.01 uS, 1 ms)]) AMPA;
    connect sources -> neuron from_list([(1, 0, 2 nS, 1 ms)]) NMDA;
    connect sources -> neuron from_list([(2, 0, 0.02 uS, 1 ms)]) GABAA;

    record neuron: v, AMPA.gsyn, NMDA.gsyn, GABAA.gsyn;
}

/// The simulators that have a multi-synapse AdExp neuron.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Choice {
    /// pynn-rs's own engine.
    Native,
    /// NEST 3 (`aeif_cond_alpha_multisynapse`) through PyNEST.
    Nest,
}

fn simulate<B: Backend + Supports<PointNeuron> + Supports<SpikeSourceArray>>(args: &Args) -> Result<()> {
    if args.use_macro {
        let (sim, net) = MultiSynapse::<B>::setup_and_build()?;
        println!("receptor types: {:?}", net.neuron.receptor_types());
        return report(args, &sim, &net.neuron);
    }
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, ..Setup::default() })?;
    let cell = PointNeuron::new(
        AdExp { tau_m: 10.0, v_rest: -60.0, ..Default::default() },
        [
            ("AMPA", AlphaPSR { tau_syn: 1.0, e_syn: 0.0 }),
            ("NMDA", AlphaPSR { tau_syn: 20.0, e_syn: 0.0 }),
            ("GABAA", AlphaPSR { tau_syn: 1.5, e_syn: -70.0 }),
        ],
    )?;
    let neuron = Population::<PointNeuron, B>::with_label(&sim, 1, cell, Some("neuron"))?;
    neuron.initialize("v", -60.0)?;
    println!("receptor types: {:?}", neuron.receptor_types());
    println!("GABAA.e_syn = {:?} mV", neuron.get("GABAA.e_syn")?);

    let sources = Population::<SpikeSourceArray, B>::new(&sim, 3, SpikeSourceArray::default())?;
    sources.set("spike_times", vec![vec![30.0], vec![60.0], vec![90.0]])?;
    for (k, (receptor, weight)) in [("AMPA", 0.01), ("NMDA", 0.002), ("GABAA", 0.02)].into_iter().enumerate() {
        let conn = FromListConnector::with_weights_and_delays(vec![(k, 0, weight, 1.0)]);
        Projection::new(&sources, &neuron, &conn, StaticSynapse::default(), Some(receptor))?;
    }
    neuron.record(["v", "AMPA.gsyn", "NMDA.gsyn", "GABAA.gsyn"], None)?;
    report(args, &sim, &neuron)
}

/// Runs 200 ms, prints the conductance peaks and the range of `v`, and
/// writes the data.
fn report<B: Backend>(args: &Args, sim: &Sim<B>, neuron: &Population<PointNeuron, B>) -> Result<()> {
    sim.run(200.0)?;

    let block = neuron.get_data()?;
    let seg = &block.segments[0];
    for name in ["AMPA.gsyn", "NMDA.gsyn", "GABAA.gsyn"] {
        let g = seg.signal(name).unwrap().column(0);
        let (k, peak) = g.iter().enumerate().fold((0, 0.0), |a, (k, x)| if *x > a.1 { (k, *x) } else { a });
        println!("{name:>11}: peak {peak:.5} uS at {:.1} ms", k as f64 * 0.1);
    }
    let v = seg.signal("v").unwrap().column(0);
    let (vmin, vmax) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    println!("v: {vmin:.3} .. {vmax:.3} mV on {}", B::NAME);
    let tag = args.backend.to_possible_value().map_or_else(String::new, |v| v.get_name().to_string());
    let stem = args.out.join(format!("multi_synapse-{tag}"));
    neuron.write_data(&stem)?;
    println!("data written to {}.npz (+ .json)", stem.display());
    if let Some(path) = &args.plot {
        plot(&block, path)?;
    }
    sim.end()
}

/// The conductance of each receptor and the membrane potential.
#[cfg(feature = "plot")]
fn plot(block: &Block, path: &Path) -> Result<()> {
    let seg = &block.segments[0];
    let mut fig = pynn::plot::Figure::new("multi_synapse").provenance(block);
    for name in ["AMPA.gsyn", "NMDA.gsyn", "GABAA.gsyn", "v"] {
        fig = fig.signal(seg, name, None)?;
    }
    support::save_figure(&fig, path)
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    support::run(|| match args.backend {
        Choice::Native => simulate::<Native>(&args),
        Choice::Nest => simulate::<Nest>(&args),
    })
}
