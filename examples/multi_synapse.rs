//! A composed neuron (PyNN's `PointNeuron`): an adaptive exponential
//! integrate-and-fire membrane with three named receptors of different time
//! courses and reversal potentials (after PyNN's `multi_synapse.py`). Three
//! spike sources fire at 30, 60 and 90 ms onto AMPA, NMDA and GABAA; the
//! example prints each receptor's conductance peak and the membrane's
//! response, on the native engine or on NEST (`aeif_cond_alpha_multisynapse`).
//!
//! ```text
//! cargo run --release --example multi_synapse -- --backend native
//! cargo run --release --example multi_synapse -- --backend nest
//! ```

mod support;

use pynn::core::{Backend, Supports};
use pynn::prelude::*;

fn run<B: Backend + Supports<PointNeuron> + Supports<SpikeSourceArray>>() -> Result<()> {
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
    sim.end()
}

fn main() -> std::process::ExitCode {
    support::run(try_main)
}

fn try_main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.iter().position(|a| a == "--backend").and_then(|i| args.get(i + 1)).map_or("native", |s| s);
    match backend {
        "native" => run::<Native>(),
        "nest" => run::<Nest>(),
        other => {
            eprintln!("unknown backend {other}: use native or nest");
            std::process::exit(2)
        }
    }
}
