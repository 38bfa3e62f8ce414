//! The Vogels–Abbott CUBA benchmark (Brette et al. 2007, benchmark 2) as in
//! PyNN's `examples/VAbenchmarks.py`: 4000 `IF_curr_exp` cells (80 %
//! excitatory, 20 % inhibitory), all four projections
//! `FixedProbabilityConnector(0.02)` (self-connections allowed), delay
//! 0.2 ms, weights from the COBA conductances at `v_mean = -60 mV`
//! (0.27 nS x 60 mV = 0.0162 nA, 4.5 nS x -20 mV = -0.09 nA). There is no
//! external input: `v_rest = -49 mV` lies above `v_thresh = -50 mV`, and the
//! initial potentials are uniform in [-60, -50) mV.
//!
//! ```text
//! cargo run --release --example va_cuba -- --backend native --out out
//! cargo run --release --example va_cuba -- --backend nest --out out
//! ```
//!
//! Prints build time, run time, peak memory, synapse count and the spike
//! count and mean rate per population, and writes all spikes and the
//! membrane potential of two excitatory cells to `OUT/va_cuba.npz` (+ `.json`).
//! The NEST reference of the same model is `examples/nest/va_cuba_pynn_nest.py`
//! (NEST 3.10, on-grid `iaf_psc_exp`: 5.30–5.93 Hz excitatory over 5 seeds).

mod support;

use clap::{Parser, ValueEnum};
use pynn::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BackendChoice {
    /// pynn-rs's own engine.
    Native,
    /// NEST 3 through PyNEST (needs the Python environment, see README).
    Nest,
}

#[derive(Parser, Debug)]
#[command(about = "Vogels-Abbott CUBA benchmark (PyNN's VAbenchmarks.py)")]
struct Args {
    /// Simulator to run on.
    #[arg(long, value_enum, default_value = "native")]
    backend: BackendChoice,
    /// Directory for the results (va_cuba.npz + va_cuba.json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Session seed (connectivity and initial potentials).
    #[arg(long, default_value_t = 98765)]
    seed: u64,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Simulated time (ms).
    #[arg(long, default_value_t = 1000.0)]
    tstop: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    match args.backend {
        BackendChoice::Native => run::<Native>(&args),
        BackendChoice::Nest => run::<Nest>(&args),
    }
}

fn run<B>(args: &Args) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<IF_curr_exp>,
{
    let t0 = Instant::now();
    let sim = Sim::<B>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.2,
        max_delay: 1.0,
        seed: args.seed,
        threads: args.threads,
    })?;

    let (n_exc, n_inh) = (3200, 800);
    let cell = IF_curr_exp {
        tau_m: 20.0,
        cm: 0.2,
        v_rest: -49.0,
        v_thresh: -50.0,
        v_reset: -60.0,
        tau_refrac: 5.0,
        tau_syn_E: 5.0,
        tau_syn_I: 10.0,
        i_offset: 0.0,
    };
    let exc = Population::with_label(&sim, n_exc, cell.clone(), Some("exc"))?;
    let inh = Population::with_label(&sim, n_inh, cell, Some("inh"))?;
    let v_init = RandomDistribution::uniform(-60.0, -50.0);
    exc.initialize("v", v_init.clone())?;
    inh.initialize("v", v_init)?;

    // Weights: conductances 0.27 nS / 4.5 nS times the driving force at
    // v_mean = -60 mV (E_exc = 0 mV, E_inh = -80 mV), in nA.
    let (w_exc, w_inh, delay) = (1e-3 * 0.27 * 60.0, 1e-3 * 4.5 * -20.0, 0.2);
    let connector = FixedProbabilityConnector::new(0.02);
    let mut n_syn = 0;
    for (pre, w, receptor) in [(&exc, w_exc, "excitatory"), (&inh, w_inh, "inhibitory")] {
        for post in [&exc, &inh] {
            let prj = Projection::new(pre, post, &connector, StaticSynapse::new(w, delay), Some(receptor))?;
            n_syn += prj.size();
        }
    }
    exc.record("spikes", None)?;
    inh.record("spikes", None)?;
    exc.view(0..2)?.record("v", None)?;
    let build = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    sim.run(args.tstop)?;
    let run = t1.elapsed().as_secs_f64();

    println!("VA CUBA on {} ({} threads requested, seed {})", B::NAME, args.threads, args.seed);
    println!("  build time   {build:.3} s   ({n_syn} synapses)");
    println!("  run time     {run:.3} s   ({} ms simulated)", args.tstop);
    if let Some(mib) = support::peak_memory_mib() {
        println!("  peak memory  {mib:.1} MiB");
    }
    support::report_and_write(&sim, &[&exc, &inh], args.tstop, &args.out, "va_cuba", "Vogels-Abbott CUBA (PyNN VAbenchmarks.py)")?;
    sim.end()
}
