//! A first model: 20 Poisson spike sources drive 10 leaky integrate-and-fire
//! neurons through excitatory synapses; the neurons inhibit each other.
//!
//! ```text
//! cargo run --release --example simple_network
//! ```

mod support;

use pynn::prelude::*;

fn main() -> std::process::ExitCode {
    support::run(try_main)
}

fn try_main() -> Result<()> {
    // A session on the native engine: 0.1 ms time step, delays 0.1-10 ms.
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: 1, ..Setup::default() })?;

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
    let v = data.segments[0].signal("v").expect("v was recorded");
    println!(
        "v: {} samples x {} cells, cell 0 ends at {:.2} mV",
        v.n_samples(),
        v.channel_index.len(),
        v.column(0).last().unwrap()
    );
    cells.write_data("out/simple_network")?;
    println!("data written to out/simple_network.npz (+ .json)");
    sim.end()
}
