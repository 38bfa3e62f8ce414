//! A very simple example of STDP, a port of PyNN's `examples/simple_STDP.py`
//! (same protocol, our own code), written with `network!`.
//!
//! One post-synaptic neuron is driven to fire every 100 ms. Sixty
//! pre-synaptic neurons fire with the same period, neuron `j` shifted by
//! `j - 30` ms, through additive STDP synapses so weak that they do not move
//! the post-synaptic spikes. The final weight of each synapse against the
//! pre/post time difference traces the STDP window: potentiation when the
//! pre-synaptic spike (seen after the 3 ms dendritic delay) leads, depression
//! when it lags. (`tests/macro_plasticity.rs` checks that this network gives
//! exactly the spikes and weights of the same model in the object API.)
//!
//! ```text
//! cargo run --release --example simple_stdp -- --plot simple_stdp.png
//! ```

mod support;

use clap::Parser;
use pynn::core::WeightHistory;
use pynn::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "PyNN's simple_STDP.py: the STDP window traced by 60 plastic synapses (native engine)")]
struct Args {
    /// Directory for the results (simple_stdp-native.npz + .json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Draw the weights over time and the post-synaptic potential into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

const FIRING_PERIOD: f64 = 100.0; // ms
const N: usize = 60; // pre-synaptic neurons
const DELTA_T: f64 = 1.0; // ms between neighbouring pre-synaptic neurons
const DELAY: f64 = 3.0; // ms
const T_STOP: f64 = 10.0 * FIRING_PERIOD + N as f64 * DELTA_T;

/// Pre-synaptic neuron j fires at period + (j - n/2) delta_t, + k period.
fn pre_trains() -> Vec<Vec<f64>> {
    (0..N)
        .map(|j| {
            let first = FIRING_PERIOD + (j as f64 - (N / 2) as f64) * DELTA_T;
            (0..).map(|k| first + k as f64 * FIRING_PERIOD).take_while(|t| *t < T_STOP).collect()
        })
        .collect()
}

/// The driver makes the post-synaptic neuron fire just after multiples of the period.
fn drive() -> Vec<Vec<f64>> {
    vec![(0..).map(|k| FIRING_PERIOD - DELAY + k as f64 * FIRING_PERIOD).take_while(|t| *t < T_STOP).collect()]
}

network! {
    /// PyNN's simple_STDP.py.
    struct SimpleStdp;

    setup { timestep = 0.01 ms, min_delay = 3 ms, max_delay = 3 ms }

    pop pre = SpikeSourceArray({ N }, label = "presynaptic") { spike_times = { pre_trains() } };
    /// A long refractory period: no bursts.
    pop post = IF_cond_exp(1, label = "postsynaptic") {
        tau_m = 10 ms, v_thresh = -50 mV, v_reset = -60 mV, v_rest = -60 mV, cm = 1 nF, tau_refrac = 50 ms,
    } init { v = -60 mV };
    pop driver = SpikeSourceArray(1, label = "driver") { spike_times = { drive() } };

    /// Very small weights, so that the synapses do not perturb the post-synaptic firing.
    connect connections = pre -> post all_to_all() stdp(
        timing_dependence = spike_pair(tau_plus = 20 ms, tau_minus = 20 ms, A_plus = 0.01, A_minus = 0.012),
        weight_dependence = additive(w_min = 0 uS, w_max = 1e-7 uS),
        weight = 5e-8 uS,
        delay = 3 ms,
    );
    connect driver -> post one_to_one() static(weight = 10 uS, delay = 3 ms);

    record post: spikes, v;
    record connections: weight every 1 ms;
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    support::run(|| simulate(&args))
}

fn simulate(args: &Args) -> Result<()> {
    let (sim, net) = SimpleStdp::<Native>::setup_and_build()?;
    sim.run(T_STOP)?;

    let data = net.post.get_data()?;
    let spikes = &data.segments[0].spiketrains[0].times;
    println!("Post-synaptic spike times (ms): {spikes:?}");
    let history = net.connections.weight_history()?;
    println!("Weights sampled every 1 ms: {} samples x {} synapses", history.times.len(), history.connections);
    let final_weights = net.connections.get_values("weight")?;
    println!("\n t_post - t_pre (ms)   final weight (uS)   change");
    for (j, w) in final_weights.iter().enumerate() {
        // Neuron j leads the post-synaptic spike by (n/2 - j) delta_t.
        let dt = ((N / 2) as f64 - j as f64) * DELTA_T;
        println!("{dt:>18.1}   {w:>17.4e}   {:>+7.1}%", (w / 5e-8 - 1.0) * 100.0);
    }
    let potentiated = final_weights.iter().filter(|w| **w > 5e-8).count();
    println!("\n{potentiated} of {N} synapses potentiated, {} depressed", N - potentiated);
    println!(
        "(the whole 3 ms delay is dendritic: a pre-synaptic spike up to 3 ms after the post-synaptic one still counts as leading)"
    );
    support::write_results(&sim, std::slice::from_ref(&data), &args.out, "simple_stdp-native", "PyNN simple_STDP.py")?;
    if let Some(path) = &args.plot {
        plot(&history, &data, path)?;
    }
    sim.end()
}

/// The synaptic weights over time (as PyNN's simple_STDP.py draws them) and
/// the post-synaptic membrane potential.
#[cfg(feature = "plot")]
fn plot(history: &WeightHistory, post: &Block, path: &Path) -> Result<()> {
    // In pS: the weights (5e-8 uS) are too small for the axis labels in uS.
    let in_ps = WeightHistory { weights: history.weights.iter().map(|w| w * 1e6).collect(), ..history.clone() };
    let fig = pynn::plot::Figure::new("simple_STDP").provenance(post).weights(&in_ps, "pS")?.signal(
        &post.segments[0],
        "v",
        None,
    )?;
    support::save_figure(&fig, path)
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &WeightHistory, _: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
