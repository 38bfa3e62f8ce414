//! Build benchmark: the Brunel (2000) balanced network at the size of NEST's
//! `brunel_delta_nest.py` / hpc benchmark scale used in PyNN's complaints
//! about slow construction: 12,500 `IF_curr_delta` cells (NE = 10,000
//! excitatory, NI = 2,500 inhibitory), every cell receiving exactly
//! CE = 1000 excitatory and CI = 250 inhibitory connections
//! (`FixedNumberPreConnector`, with replacement, no autapses), J = 0.1 mV,
//! g = 5 (inhibitory weight -0.5 mV), delay 1.5 ms: 15,625,000 synapses.
//!
//! ```text
//! cargo run --release --example brunel_build -- --threads 0
//! ```
//!
//! Prints the time to create the populations and the two projections
//! (connectivity drawn in pynn-core, handed to the native engine) and the
//! synapse count. The PyNN 0.13 / NEST 3.10 reference of the same build is
//! `examples/nest/brunel_build_pynn_nest.py`.

mod support;

use clap::Parser;
use pynn::prelude::*;

use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Time the construction of a 12,500-cell Brunel network")]
struct Args {
    /// Session seed.
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Worker threads for construction and the engine (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Number of repetitions (the minimum and all times are printed).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
}

fn build(args: &Args) -> Result<(f64, usize)> {
    let t0 = Instant::now();
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 5.0,
        seed: args.seed,
        threads: args.threads,
        ..Setup::default()
    })?;
    let (ne, ni) = (10_000, 2_500);
    let (ce, ci) = (1_000, 250);
    let (j, g, delay) = (0.1, 5.0, 1.5);
    // Brunel (2000) model A parameters as in NEST's brunel_delta_nest.py
    // (theta = 20 mV, V_reset = 10 mV, tau_m = 20 ms, t_ref = 2 ms).
    let cell = IF_curr_delta {
        tau_m: 20.0,
        cm: 0.25,
        v_rest: 0.0,
        v_reset: 10.0,
        v_thresh: 20.0,
        tau_refrac: 2.0,
        i_offset: 0.0,
    };
    let exc = Population::with_label(&sim, ne, cell.clone(), Some("exc"))?;
    let inh = Population::with_label(&sim, ni, cell, Some("inh"))?;
    let all = Assembly::new(&[&exc, &inh])?;
    let mut n_syn = 0;
    for (pre, n, w, receptor) in [(&exc, ce, j, "excitatory"), (&inh, ci, -g * j, "inhibitory")] {
        let connector = FixedNumberPreConnector { n: n.into(), allow_self_connections: false, with_replacement: true };
        let prj = Projection::new(pre, &all, &connector, StaticSynapse::new(w, delay), Some(receptor))?;
        n_syn += prj.size();
    }
    let t = t0.elapsed().as_secs_f64();
    sim.end()?;
    Ok((t, n_syn))
}

fn main() -> std::process::ExitCode {
    support::run(try_main)
}

fn try_main() -> Result<()> {
    let args = Args::parse();
    let mut times = Vec::new();
    let mut n_syn = 0;
    for _ in 0..args.repeat.max(1) {
        let (t, n) = build(&args)?;
        times.push(t);
        n_syn = n;
    }
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "Brunel build on native ({} threads requested, {} available, seed {})",
        args.threads,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.seed
    );
    println!("  12500 IF_curr_delta cells, {n_syn} synapses");
    println!("  build time   {best:.3} s (min of {}: {times:.3?})", times.len());
    Ok(())
}
