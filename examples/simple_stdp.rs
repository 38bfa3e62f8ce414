//! A very simple example of STDP, a port of PyNN's `examples/simple_STDP.py`
//! (same protocol, our own code).
//!
//! One post-synaptic neuron is driven to fire every 100 ms. Sixty
//! pre-synaptic neurons fire with the same period, neuron `j` shifted by
//! `j - 30` ms, through additive STDP synapses so weak that they do not move
//! the post-synaptic spikes. The final weight of each synapse against the
//! pre/post time difference traces the STDP window: potentiation when the
//! pre-synaptic spike (seen after the 3 ms dendritic delay) leads, depression
//! when it lags.
//!
//! ```text
//! cargo run --release --example simple_stdp
//! ```

use pynn::prelude::*;

fn main() -> Result<()> {
    let firing_period = 100.0; // ms
    let n = 60; // pre-synaptic neurons
    let delta_t = 1.0; // ms between neighbouring pre-synaptic neurons
    let t_stop = 10.0 * firing_period + n as f64 * delta_t;
    let delay = 3.0; // ms

    let sim = Sim::<Native>::setup(Setup { timestep: 0.01, min_delay: delay, max_delay: delay, ..Setup::default() })?;

    // Pre-synaptic neuron j fires at period + (j - n/2) delta_t, + k period.
    let trains: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            let first = firing_period + (j as f64 - (n / 2) as f64) * delta_t;
            (0..).map(|k| first + k as f64 * firing_period).take_while(|t| *t < t_stop).collect()
        })
        .collect();
    let pre = Population::with_label(&sim, n, SpikeSourceArray::default(), Some("presynaptic"))?;
    pre.set("spike_times", trains)?;
    let post = Population::with_label(
        &sim,
        1,
        IF_cond_exp {
            tau_m: 10.0,
            v_thresh: -50.0,
            v_reset: -60.0,
            v_rest: -60.0,
            cm: 1.0,
            tau_refrac: firing_period / 2.0, // long refractory period: no bursts
            ..Default::default()
        },
        Some("postsynaptic"),
    )?;
    post.initialize("v", -60.0)?;
    // The driver makes the post-synaptic neuron fire just after multiples of the period.
    let driver = Population::with_label(&sim, 1, SpikeSourceArray::default(), Some("driver"))?;
    let drive: Vec<f64> =
        (0..).map(|k| firing_period - delay + k as f64 * firing_period).take_while(|t| *t < t_stop).collect();
    driver.set("spike_times", vec![drive])?;

    // Very small weights, so that the synapses do not perturb the post-synaptic firing.
    let stdp = STDPMechanism::new(
        SpikePairRule::new(20.0, 20.0, 0.01, 0.012), // tau_plus, tau_minus (ms), A_plus, A_minus
        AdditiveWeightDependence::new(0.0, 1e-7),
    )
    .with(5e-8, delay);
    let connections = Projection::new(&pre, &post, &AllToAllConnector::default(), stdp, None)?;
    Projection::new(&driver, &post, &OneToOneConnector, StaticSynapse::new(10.0, delay), None)?;

    post.record(["spikes", "v"], None)?;
    connections.record_weights(1.0)?;
    sim.run(t_stop)?;

    let data = post.get_data()?;
    let spikes = &data.segments[0].spiketrains[0].times;
    println!("Post-synaptic spike times (ms): {spikes:?}");
    let history = connections.weight_history()?;
    println!("Weights sampled every 1 ms: {} samples x {} synapses", history.times.len(), history.connections);
    let final_weights = connections.get_values("weight")?;
    println!("\n t_post - t_pre (ms)   final weight (nA)   change");
    for (j, w) in final_weights.iter().enumerate() {
        // Neuron j leads the post-synaptic spike by (n/2 - j) delta_t.
        let dt = ((n / 2) as f64 - j as f64) * delta_t;
        println!("{dt:>18.1}   {w:>17.4e}   {:>+7.1}%", (w / 5e-8 - 1.0) * 100.0);
    }
    let potentiated = final_weights.iter().filter(|w| **w > 5e-8).count();
    println!("\n{potentiated} of {n} synapses potentiated, {} depressed", n - potentiated);
    println!(
        "(the whole 3 ms delay is dendritic: a pre-synaptic spike up to 3 ms after the post-synaptic one still counts as leading)"
    );
    sim.end()
}
