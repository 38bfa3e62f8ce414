//! Brunel's (2000) sparsely connected network of excitatory and inhibitory
//! `IF_curr_delta` neurons, as NEST's `brunel_delta_nest.py` defines it:
//! tau_m 20 ms, threshold 20 mV, reset and rest 0 mV, refractory 2 ms
//! (input during refractoriness discarded), J = 0.1 mV, g = 5, delay 1.5 ms,
//! fixed in-degree CE = 0.1 NE and CI = 0.1 NI drawn with replacement
//! (autapses allowed), and an independent Poisson drive per neuron at
//! eta * nu_th * CE with eta = 2. g = 5, eta = 2 is the point Brunel (2000)
//! shows as asynchronous irregular (his Fig. 8C); whether a run is there is
//! measured, not assumed: the summary names the regime from the run's own
//! statistics ([`regime`]).
//!
//! ```text
//! cargo run --release --example brunel -- --ne 10000      # 15.6 M synapses, ~32 Hz in NEST
//! cargo run --release --example brunel -- --ne 2000       # scaled down 5x (epsilon 0.1 kept)
//! ```
//!
//! Prints build and simulation times, peak memory, synapse count, the mean
//! rates (NEST 3.10, run with `compare_peers` on this project's machine:
//! 32 Hz for NE = 10 000, 52.6 Hz for NE = 2000) and the regime.
//!
//! Reference: N. Brunel (2000), Dynamics of sparsely connected networks of
//! excitatory and inhibitory spiking neurons, J. Comput. Neurosci. 8:183-208.

mod support;

use clap::Parser;
use pynn::prelude::*;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Brunel (2000) balanced network, NEST's brunel_delta_nest.py definition")]
struct Args {
    /// Number of excitatory neurons (NI = NE / 4, CE = NE / 10, CI = NI / 10);
    /// 80000 builds 10^5 cells and 10^9 synapses (about 2.3 GB in all).
    #[arg(long, default_value_t = 10_000)]
    ne: usize,
    /// Session seed.
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Simulated time (ms).
    #[arg(long, default_value_t = 1000.0)]
    tstop: f64,
    /// Directory for the results (brunel-native.npz + .json).
    #[arg(long, default_value = "out")]
    out: std::path::PathBuf,
    /// Draw the raster and population rate into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<std::path::PathBuf>,
    /// Print each worker thread's processor time on shards during the run
    /// (the load balance, which wall-clock times on a busy machine cannot show).
    #[arg(long)]
    thread_balance: bool,
    /// Run the slices on the native engine's relay of persistent workers
    /// instead of a fork-join per slice (`Native::set_relay`).
    #[arg(long)]
    relay: bool,
}

fn main() -> std::process::ExitCode {
    support::run(try_main)
}

fn try_main() -> Result<()> {
    let args = Args::parse();
    let t0 = Instant::now();
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 1.5,
        max_delay: 1.5,
        seed: args.seed,
        threads: args.threads,
        ..Setup::default()
    })?;
    let (ne, ni) = (args.ne, args.ne / 4);
    let (ce, ci) = (ne / 10, ni / 10);
    let (j, g, eta, delay, tau_m, theta) = (0.1, 5.0, 2.0, 1.5, 20.0, 20.0);
    let cell =
        IF_curr_delta { tau_m, cm: 0.25, v_rest: 0.0, v_reset: 0.0, v_thresh: theta, tau_refrac: 2.0, i_offset: 0.0 };
    let exc = Population::with_label(&sim, ne, cell.clone(), Some("exc"))?;
    let inh = Population::with_label(&sim, ni, cell, Some("inh"))?;
    exc.initialize("v", 0.0)?;
    inh.initialize("v", 0.0)?;
    let all = Assembly::new(&[&exc, &inh])?;
    let mut n_syn = 0;
    for (pre, n, w, receptor) in [(&exc, ce, j, "excitatory"), (&inh, ci, -g * j, "inhibitory")] {
        let connector = FixedNumberPreConnector { n: n.into(), allow_self_connections: true, with_replacement: true };
        n_syn += Projection::new(pre, &all, &connector, StaticSynapse::new(w, delay), Some(receptor))?.size();
    }
    // External drive: nu_ext = eta * nu_th * CE, nu_th = theta / (J CE tau_m).
    let nu_ext_hz = eta * theta / (j * ce as f64 * tau_m) * ce as f64 * 1000.0;
    let drive = Population::with_label(
        &sim,
        ne + ni,
        SpikeSourcePoisson { rate: nu_ext_hz, ..Default::default() },
        Some("drive"),
    )?;
    Projection::new(&drive, &all, &OneToOneConnector, StaticSynapse::new(j, delay), Some("excitatory"))?;
    exc.record("spikes", None)?;
    inh.record("spikes", None)?;
    let build = t0.elapsed().as_secs_f64();

    sim.with_backend(|b| {
        b.set_thread_timing(args.thread_balance);
        b.set_relay(args.relay);
    });
    let sched = if args.thread_balance { support::sched_times() } else { Vec::new() };
    let t1 = Instant::now();
    sim.run(args.tstop)?;
    let run = t1.elapsed().as_secs_f64();
    let sched_after = if args.thread_balance { support::sched_times() } else { Vec::new() };

    println!(
        "Brunel NE = {ne}, NI = {ni}, CE = {ce}, CI = {ci}, drive {nu_ext_hz:.0} Hz per cell (seed {})",
        args.seed
    );
    println!("  build time   {build:.3} s   ({n_syn} recurrent synapses)");
    println!("  run time     {run:.3} s   ({} ms simulated)", args.tstop);
    let mem = sim.with_backend(|b| b.synapse_memory());
    println!(
        "  synapses     {} in {:.1} bytes each (engine rows)",
        mem.synapses,
        mem.bytes as f64 / mem.synapses as f64
    );
    if let Some(line) = support::peak_memory_line() {
        println!("  peak memory  {line}");
    }
    if args.thread_balance {
        let busy = sim.with_backend(|b| b.thread_busy().to_vec());
        for (t, b) in busy.iter().enumerate() {
            println!("  thread {t}     busy {:.3} s (processor time on shards)", b.as_secs_f64());
        }
        let shards = sim.with_backend(|b| b.shard_busy().to_vec());
        let list: Vec<String> = shards.iter().map(|b| format!("{:.3}", b.as_secs_f64())).collect();
        println!("  shards       busy {} s", list.join(", "));
        support::print_sched(&sched, &sched_after, run);
    }
    support::report_and_write(
        &sim,
        &[&exc, &inh],
        args.tstop,
        &args.out,
        "brunel-native",
        "Brunel 2000 (NEST brunel_delta_nest.py)",
    )?;
    let trains: Vec<pynn::core::SpikeTrain> =
        [exc.get_data()?, inh.get_data()?].into_iter().flat_map(|b| b.segments[0].spiketrains.clone()).collect();
    println!("  regime       {}", regime(&trains, args.tstop)?);
    if let Some(path) = &args.plot {
        support::plot_brunel(&exc, &format!("Brunel 2000, NE = {ne}, NI = {ni}: excitatory cells"), path)?;
    }
    sim.end()
}

/// Irregular firing: mean CV of the inter-spike intervals at least this
/// (halfway between periodic firing, CV 0, and a Poisson process, CV 1;
/// Brunel (2000) calls "irregular" firing close to Poisson, "regular"
/// firing close to periodic).
const CV_IRREGULAR: f64 = 0.5;

/// Synchronous activity: Fano factor of the population spike count in
/// [`BIN`] bins above this. Brunel's (2000) asynchronous states have a
/// stationary global activity whose only fluctuations are those of a finite
/// number of independent neurons, a Fano factor near 1 (at most 1 for
/// Poisson-like or more regular trains); an oscillating global activity
/// adds variance that grows with the number of cells. 10 is this example's
/// choice, an order of magnitude above the asynchronous level.
const FANO_SYNCHRONOUS: f64 = 10.0;

/// Bin of the population spike count (ms): shorter than the period of the
/// fast global oscillations of Brunel's synchronous irregular state
/// (about 180 Hz, 5.5 ms).
const BIN: f64 = 1.0;

/// The onset transient left out of the statistics (ms): every cell starts
/// at v = 0 together.
const TRANSIENT: f64 = 100.0;

/// Names the regime of `trains` (all cells, run of `tstop` ms) in Brunel's
/// (2000) classes, synchronous or asynchronous by the population-count
/// Fano factor ([`FANO_SYNCHRONOUS`]) and regular or irregular by the mean
/// CV(ISI) ([`CV_IRREGULAR`]), over `[TRANSIENT, tstop)` (the whole run if
/// shorter than twice that), with the numbers and thresholds.
fn regime(trains: &[pynn::core::SpikeTrain], tstop: f64) -> Result<String> {
    let t0 = if tstop >= 2.0 * TRANSIENT { TRANSIENT } else { 0.0 };
    if tstop - t0 < BIN {
        return Ok(format!("not named: the run ({tstop} ms) is shorter than one {BIN} ms bin"));
    }
    let counts = pynn::core::stats::population_rate_histogram(trains, BIN, t0, tstop)?.counts;
    let n = counts.len().max(1) as f64;
    let mean = counts.iter().sum::<u64>() as f64 / n;
    let var = counts.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / n;
    let fano = var / mean;
    let cvs: Vec<f64> = trains
        .iter()
        .map(|st| {
            let times: Vec<f64> = st.times.iter().copied().filter(|&t| t >= t0).collect();
            pynn::core::stats::cv_isi(&times)
        })
        .filter(|cv| cv.is_finite())
        .collect();
    let cv = cvs.iter().sum::<f64>() / cvs.len() as f64;
    if !(fano.is_finite() && cv.is_finite()) {
        return Ok(format!("not named: too few spikes after {t0} ms for the statistics"));
    }
    let (sync, s) = if fano > FANO_SYNCHRONOUS { ("synchronous", 'S') } else { ("asynchronous", 'A') };
    let (reg, r) = if cv >= CV_IRREGULAR { ("irregular", 'I') } else { ("regular", 'R') };
    Ok(format!(
        "{sync} {reg} ({s}{r}, Brunel 2000): population-count Fano factor {fano:.1} in {BIN} ms bins \
         (synchronous above {FANO_SYNCHRONOUS}), mean CV(ISI) {cv:.2} (irregular from {CV_IRREGULAR}), from {t0} ms"
    ))
}
