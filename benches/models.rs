//! The survey of issue 17: every conductance-based and nonlinear model on
//! the native engine against NEST 3.10, one thread each.
//!
//! Per model: 1000 cells with PyNN's default parameters, each driven by its
//! own `SpikeSourcePoisson` (2000 Hz, one-to-one, delay 1 ms, excitatory
//! weight below: 0.004 uS, except IF_cond_alpha 0.01 uS and Izhikevich
//! 3.0, with which those cells fire, 26 and 38 Hz, where 0.004 and 0.5 left
//! them silent and timed only the subthreshold path), 1000 ms at dt 0.1 ms,
//! spikes recorded. The same network is
//! built through the object API on `Native` and on `Nest` (the project's
//! NEST backend: PyNEST 3.10 in a child process, translated as PyNN's NEST
//! backend does, `local_num_threads` 1), so both simulate the same
//! parameters; the time is `sim.run(1000.0)` alone (NEST's includes one
//! request to the child process, milliseconds). Prints one line per model:
//! native s, NEST s, NEST/native, and both mean rates (they differ only by
//! the Poisson trains, which each simulator draws itself).
//!
//! ```text
//! PYNN_PYTHON=.venv/bin/python cargo bench --bench models [-- MODEL ...]
//! cargo bench --bench models -- --native-only [MODEL ...]
//! ```
//!
//! `--native-only` times the native engine alone (for before/after
//! comparisons of a kernel, e.g. under `perf stat`), without NEST. With
//! `PYNN_MODELS_OUT=DIR` set, each model's native recording is written to
//! `DIR/TYPE.npz` (for comparing the results of two builds with `cmp`).
//!
//! Without `--bench` on the command line (`cargo test --benches`) it runs
//! 50 cells for 20 ms on the native engine only, as a smoke test.

use pynn::prelude::*;
use pynn::{Backend, CellType, Supports};
use std::time::Instant;

/// Input rate (Hz) of each cell's Poisson source.
const RATE: f64 = 2000.0;

/// Builds the network on `B` and returns (run seconds, mean rate Hz).
fn run<C, B>(cell: C, weight: f64, receptor: Option<&str>, n: usize, tstop: f64) -> Result<(f64, f64)>
where
    C: CellType + Clone,
    B: Backend + Supports<C> + Supports<SpikeSourcePoisson>,
{
    let sim = Sim::<B>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 2.0,
        seed: 7,
        threads: 1,
        ..Setup::default()
    })?;
    let cells = Population::<C, B>::new(&sim, n, cell)?;
    let src =
        Population::<SpikeSourcePoisson, B>::new(&sim, n, SpikeSourcePoisson { rate: RATE, ..Default::default() })?;
    Projection::new(
        &src,
        &cells,
        &OneToOneConnector,
        StaticSynapse::new(weight, 1.0),
        receptor.or(Some("excitatory")),
    )?;
    cells.record(["spikes"], None)?;
    let t0 = Instant::now();
    sim.run(tstop)?;
    let secs = t0.elapsed().as_secs_f64();
    let rate = cells.mean_spike_count()? * 1000.0 / tstop;
    if let Some(dir) = std::env::var_os("PYNN_MODELS_OUT").filter(|_| B::NAME == "native") {
        let name = std::any::type_name::<C>().rsplit("::").next().unwrap_or("model");
        cells.write_data(std::path::Path::new(&dir).join(format!("{name}.npz")))?;
    }
    sim.end()?;
    Ok((secs, rate))
}

/// One model on both simulators; prints its line.
fn model<C>(name: &str, cell: C, weight: f64, receptor: Option<&str>, full: bool, nest: bool) -> Result<()>
where
    C: CellType + Clone,
    Native: Supports<C>,
    Nest: Supports<C>,
{
    let (n, tstop) = if full { (1000, 1000.0) } else { (50, 20.0) };
    let (tn, rn) = run::<C, Native>(cell.clone(), weight, receptor, n, tstop)?;
    if !full || !nest {
        let note = if full { "native only" } else { "smoke run" };
        println!("{name:<26} native {tn:.3} s  rate {rn:.1} Hz ({note})");
        return Ok(());
    }
    let (tx, rx) = run::<C, Nest>(cell, weight, receptor, n, tstop)?;
    println!(
        "{name:<26} native {tn:7.3} s  NEST {tx:7.3} s  NEST/native {:6.1}  rates {rn:6.1} / {rx:6.1} Hz",
        tx / tn
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let nest = !args.iter().any(|a| a == "--native-only");
    let chosen: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let want = |m: &str| chosen.is_empty() || chosen.iter().any(|c| c.as_str() == m);
    if want("IF_cond_exp") {
        model("IF_cond_exp", IF_cond_exp::default(), 0.004, None, full, nest)?;
    }
    if want("IF_cond_alpha") {
        model("IF_cond_alpha", IF_cond_alpha::default(), 0.01, None, full, nest)?;
    }
    if want("EIF_cond_exp_isfa_ista") {
        model("EIF_cond_exp_isfa_ista", EIF_cond_exp_isfa_ista::default(), 0.004, None, full, nest)?;
    }
    if want("EIF_cond_alpha_isfa_ista") {
        model("EIF_cond_alpha_isfa_ista", EIF_cond_alpha_isfa_ista::default(), 0.004, None, full, nest)?;
    }
    if want("HH_cond_exp") {
        model("HH_cond_exp", HH_cond_exp::default(), 0.004, None, full, nest)?;
    }
    if want("Izhikevich") {
        model("Izhikevich", Izhikevich::default(), 3.0, None, full, nest)?;
    }
    if want("GIF_cond_exp") {
        model("GIF_cond_exp", GIF_cond_exp::default(), 0.004, None, full, nest)?;
    }
    if want("PointNeuron") {
        let cell = PointNeuron::new(
            AdExp::default(),
            [("AMPA", AlphaPSR { tau_syn: 5.0, e_syn: 0.0 }), ("GABA", AlphaPSR { tau_syn: 5.0, e_syn: -80.0 })],
        )?;
        model("PointNeuron(AdExp, alpha)", cell, 0.004, Some("AMPA"), full, nest)?;
    }
    Ok(())
}
