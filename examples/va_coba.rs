//! The Vogels–Abbott COBA benchmark (Brette et al. 2007, benchmark 1) as in
//! PyNN's `examples/VAbenchmarks.py`: 4000 `IF_cond_exp` cells (80 %
//! excitatory, 20 % inhibitory), all four projections
//! `FixedProbabilityConnector(0.02)` (self-connections allowed), delay
//! 0.2 ms, conductances 4 nS (excitatory) and 51 nS (inhibitory), reversal
//! potentials 0 and -80 mV, `v_rest = -60 mV`, initial potentials uniform in
//! [-60, -50) mV; activity is started by 20 Poisson sources (100 Hz for the
//! first 50 ms) connected with probability 0.01 and weight 0.1 uS.
//!
//! ```text
//! cargo run --release --example va_coba -- --backend native --out out
//! ```
//!
//! Prints build time, run time, peak memory, synapse count and the spike
//! count and mean rate per population, and writes all spikes and the
//! membrane potential of two excitatory cells to `OUT/va_coba-BACKEND.npz` (+ `.json`).
//! Integration: the native default (`--ode-solver auto`): RK4 on `v` with
//! exact conductances wherever an error bound keeps it within NEST's
//! tolerance (most steps here, not all), NEST's RKF45 elsewhere; `--ode-solver
//! rkf45` reproduces NEST's `iaf_cond_exp` trajectories (see
//! `tests/nest_agreement.rs`), `rk4` is the unguarded update. With `--backend brian2` the same
//! network and Poisson trains run in Brian2 (`rk4`): at the default seed
//! 13.99 / 14.13 Hz against native RKF45's 13.74 / 13.65 Hz (the default,
//! auto: 13.31 / 13.51 Hz; native RKF45 over seeds
//! 1-6: 13.3-15.7 Hz excitatory when the activity survives).

mod support;

use pynn::backends::neuron::NeuronOptions;
use pynn::prelude::*;
use std::time::Instant;
use support::{Args, BackendChoice};

fn main() -> std::process::ExitCode {
    support::run(try_main)
}

fn try_main() -> Result<()> {
    let args = Args::parse_with_about("Vogels-Abbott COBA benchmark (PyNN VAbenchmarks.py): 4000 IF_cond_exp cells");
    match args.backend {
        BackendChoice::Native => run::<Native>(&args, NativeOptions { ode_solver: args.ode_solver.into() }),
        BackendChoice::Nest => run::<Nest>(&args, Default::default()),
        BackendChoice::Brian2 => run::<Brian2>(&args, Default::default()),
        BackendChoice::Neuron => run::<Neuron>(&args, Default::default()),
        BackendChoice::NeuronMpi2 => run::<Neuron>(&args, NeuronOptions { ranks: 2, ..Default::default() }),
    }
}

fn run<B>(args: &Args, options: B::Options) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<IF_cond_exp> + pynn::Supports<SpikeSourcePoisson>,
{
    let t0 = Instant::now();
    let sim = Sim::<B>::setup_with(
        Setup {
            timestep: 0.1,
            min_delay: 0.2,
            max_delay: 1.0,
            seed: args.seed,
            threads: args.threads,
            ..Setup::default()
        },
        options,
    )?;

    let cell = IF_cond_exp {
        tau_m: 20.0,
        cm: 0.2,
        v_rest: -60.0,
        v_thresh: -50.0,
        v_reset: -60.0,
        tau_refrac: 5.0,
        tau_syn_E: 5.0,
        tau_syn_I: 10.0,
        e_rev_E: 0.0,
        e_rev_I: -80.0,
        i_offset: 0.0,
    };
    // Weights: conductances 4 nS and 51 nS, in uS.
    let (w_exc, w_inh) = (4e-3, 51e-3);
    let (exc, inh, mut n_syn) = support::va_network(&sim, cell, w_exc, w_inh)?;
    // External drive: 20 Poisson sources, 100 Hz during the first 50 ms.
    let stim = Population::<SpikeSourcePoisson, B>::with_label(
        &sim,
        20,
        SpikeSourcePoisson { rate: 100.0, duration: 50.0, ..Default::default() },
        Some("stim"),
    )?;
    let ext = FixedProbabilityConnector::new(0.01);
    for post in [&exc, &inh] {
        let prj = Projection::new(&stim, post, &ext, StaticSynapse::new(0.1, 0.2), Some("excitatory"))?;
        n_syn += prj.size();
    }
    let build = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    sim.run(args.tstop)?;
    let run = t1.elapsed().as_secs_f64();

    support::print_times::<B>("VA COBA", args, build, run, n_syn);
    support::report_and_write(
        &sim,
        &[&exc, &inh],
        args.tstop,
        &args.out,
        &format!("va_coba-{}", args.backend.tag()),
        "Vogels-Abbott COBA (PyNN VAbenchmarks.py)",
    )?;
    if let Some(path) = &args.plot {
        support::plot_va(&exc, "Vogels-Abbott COBA: excitatory cells", path)?;
    }
    sim.end()
}
