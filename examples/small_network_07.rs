//! PyNN 0.7's `examples/small_network.py` ported line by line with PyNN
//! 0.7's own names (`set_weights`, `set_delays`, `record_v`,
//! `print_spikes`, `print_v`; see `docs/pynn07.md`): 5 IF_curr_alpha
//! cells, each driven by a spike source firing the same 50 Hz Poisson
//! train through all-to-all connections (weight 0.2 nA, delay 1 ms), for
//! 1 s. Writes PyNN 0.7's text files `small_network_native.ras` (spikes)
//! and `small_network_native.v` (membrane potential) and prints the mean
//! firing rate.
//!
//! ```text
//! cargo run --release --example small_network_07 -- --out Results
//! ```

use clap::Parser;
use pynn::prelude::*;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "PyNN 0.7's small_network.py with PyNN 0.7's names: 5 IF_curr_alpha cells driven by a 50 Hz train")]
struct Args {
    /// Directory for the results (`small_network_native.ras`, `.v`).
    #[arg(long, default_value = "Results")]
    out: PathBuf,
}

/// The input train: exponential inter-spike intervals of mean
/// `1000 / rate` ms, accumulated (the script's
/// `numpy.add.accumulate(numpy.random.exponential(...))`; a SplitMix64
/// stream with the script's seed 26278342 stands in for NumPy's
/// Mersenne Twister, so the times differ from PyNN's, not their law).
fn poisson_train(rate: f64, number: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64 // in (0, 1)
    };
    let mut t = 0.0;
    (0..number)
        .map(|_| {
            t += -(1000.0 / rate) * uniform().ln();
            // SpikeSourceArray times lie on the time grid (0.1 ms).
            (t * 10.0).round() / 10.0
        })
        .collect()
}

fn main() -> Result<()> {
    let args = Args::parse();

    // === Define parameters ===
    let n = 5; // number of cells
    let w = 0.2; // synaptic weight (nA)
    let cell_params = IF_curr_alpha {
        tau_m: 20.0,
        tau_syn_E: 2.0,
        tau_syn_I: 4.0,
        tau_refrac: 2.0,
        v_rest: 0.0,
        v_reset: 0.0,
        v_thresh: 20.0,
        cm: 0.5,
        ..Default::default()
    };
    let dt = 0.1; // (ms)
    let syn_delay = 1.0; // (ms)
    let input_rate = 50.0; // (Hz)
    let simtime = 1000.0; // (ms)

    // === Build the network ===
    let sim = Sim::<Native>::setup(Setup { timestep: dt, min_delay: dt, max_delay: syn_delay, ..Setup::default() })?;
    let cells = Population::with_label(&sim, n, cell_params, Some("cells"))?;

    let number = (2.0 * simtime * input_rate / 1000.0) as usize;
    let mut spike_times = poisson_train(input_rate, number, 26278342);
    spike_times.dedup(); // two intervals under 0.05 ms can round to one grid time
    assert!(spike_times.last().copied().unwrap_or(0.0) > simtime);
    let spike_source = Population::new(&sim, n, SpikeSourceArray::default())?;
    spike_source.set("spike_times", vec![spike_times; n])?;

    cells.record("spikes", None)?; // 0.7: cells.record()
    cells.record_v()?;

    let input_conns =
        Projection::new(&spike_source, &cells, &AllToAllConnector::new(), StaticSynapse::default(), None)?;
    input_conns.set_weights(w)?; // 0.7: setWeights
    input_conns.set_delays(syn_delay)?; // 0.7: setDelays

    // === Run simulation ===
    cells.initialize("v", 0.0)?; // (mV)
    sim.run(simtime)?;

    let ras = args.out.join("small_network_native.ras");
    let v = args.out.join("small_network_native.v");
    cells.print_spikes(&ras)?; // 0.7: printSpikes
    cells.print_v(&v)?;
    println!("Mean firing rate: {} Hz", cells.mean_spike_count()? * 1000.0 / simtime); // 0.7: meanSpikeCount
    println!("wrote {} and {}", ras.display(), v.display());

    // === Clean up and quit ===
    sim.end()
}
