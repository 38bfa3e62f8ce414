//! Brunel's (2000) sparsely connected network of excitatory and inhibitory
//! `IF_curr_delta` neurons in the asynchronous irregular regime, as NEST's
//! `brunel_delta_nest.py` defines it: tau_m 20 ms, threshold 20 mV, reset
//! and rest 0 mV, refractory 2 ms (input during refractoriness discarded),
//! J = 0.1 mV, g = 5, delay 1.5 ms, fixed in-degree CE = 0.1 NE and
//! CI = 0.1 NI drawn with replacement (autapses allowed), and an independent
//! Poisson drive per neuron at eta * nu_th * CE with eta = 2.
//!
//! ```text
//! cargo run --release --example brunel -- --ne 10000      # 15.6 M synapses, ~32 Hz in NEST
//! cargo run --release --example brunel -- --ne 2000       # scaled down 5x (epsilon 0.1 kept)
//! ```
//!
//! Prints build and simulation times, peak memory, synapse count and the
//! mean rates (NEST 3.10 in shared/reference/peer-benchmarks.md: 32 Hz for
//! NE = 10 000, 52.6 Hz for NE = 2000).

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

    let t1 = Instant::now();
    sim.run(args.tstop)?;
    let run = t1.elapsed().as_secs_f64();

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
    if let Some(mib) = support::peak_memory_mib() {
        println!("  peak memory  {mib:.1} MiB");
    }
    support::report_and_write(
        &sim,
        &[&exc, &inh],
        args.tstop,
        &args.out,
        "brunel-native",
        "Brunel 2000 (NEST brunel_delta_nest.py)",
    )?;
    if let Some(path) = &args.plot {
        support::plot_brunel(&exc, &format!("Brunel 2000, NE = {ne}, NI = {ni}: excitatory cells"), path)?;
    }
    sim.end()
}
