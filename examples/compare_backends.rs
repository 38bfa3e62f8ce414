//! One model on every backend, side by side: a table of the differences in
//! spike counts, spike times and membrane potential against a reference
//! backend (NEST by default).
//!
//! ```text
//! cargo run --release --example compare_backends -- --model IF_cond_exp
//! cargo run --release --example compare_backends -- --model all --backends native,nest,neuron,neuron-mpi2,brian2
//! ```
//!
//! The model: `--cells` cells of the chosen standard type, cell `i` driven
//! by a constant current rising with `i` (the first cells stay below
//! threshold), plus two `SpikeSourceArray`s (regular and irregular trains)
//! connected all-to-all through the excitatory and the inhibitory receptor
//! with delays of 1.0 and 2.3 ms. Spikes and `v` of every cell are recorded
//! for `--tstop` ms at dt 0.1 ms. Every backend receives the same explicit
//! network.
//!
//! Columns: spike counts (all cells) on the backend and on the reference;
//! `cells =`: cells whose spike count equals the reference's; `max |dt|`:
//! the largest difference between corresponding spike times of cells with
//! equal counts (ms); `v RMS`: the root mean square difference of `v`
//! excluding 2 ms after any spike of either simulator (mV); `max |dv|` the
//! same, largest. A backend that cannot run the model, or is not installed,
//! prints its error instead.

mod support;

use clap::Parser;
use pynn::backends::neuron::NeuronOptions;
use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::prelude::*;
use support::BackendChoice;

#[derive(Parser, Debug)]
#[command(about = "One model on every backend: spike and membrane-potential differences against a reference")]
struct Args {
    /// Standard cell type, or `all`.
    #[arg(long, default_value = "IF_cond_exp")]
    model: String,
    /// Backends to run, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "native,nest,neuron,brian2")]
    backends: Vec<BackendChoice>,
    /// The backend the others are compared with.
    #[arg(long, value_enum, default_value = "nest")]
    reference: BackendChoice,
    /// Number of cells.
    #[arg(long, default_value_t = 6)]
    cells: usize,
    /// Simulated time (ms).
    #[arg(long, default_value_t = 300.0)]
    tstop: f64,
}

/// Spike times and `v` trace of every cell.
struct Traces {
    spikes: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

const DT: f64 = 0.1;

/// Weights per receptor and the current range that takes the cells from
/// below threshold to regular firing, in the model's own units.
struct Drive {
    w_exc: f64,
    w_inh: f64,
    i_min: f64,
    i_max: f64,
}

fn drive(model: &str) -> Option<Drive> {
    let d = |w_exc, w_inh, i_min, i_max| Some(Drive { w_exc, w_inh, i_min, i_max });
    match model {
        "IF_curr_alpha" | "IF_curr_exp" => d(0.3, -0.2, 0.0, 2.0),
        "IF_curr_delta" => d(2.0, -1.5, 0.0, 2.0),
        "IF_cond_alpha" | "IF_cond_exp" | "IF_cond_exp_gsfa_grr" => d(0.01, 0.02, 0.0, 2.0),
        "IF_facets_hardware1" => d(0.01, 0.02, 0.0, 0.0),
        "EIF_cond_alpha_isfa_ista" | "EIF_cond_exp_isfa_ista" => d(0.01, 0.02, 0.0, 1.5),
        "HH_cond_exp" => d(0.01, 0.02, 0.0, 1.0),
        "Izhikevich" => d(5.0, -3.0, 0.0, 0.015),
        _ => None,
    }
}

const MODELS: [&str; 11] = [
    "IF_curr_alpha",
    "IF_curr_exp",
    "IF_curr_delta",
    "IF_cond_alpha",
    "IF_cond_exp",
    "IF_cond_exp_gsfa_grr",
    "IF_facets_hardware1",
    "EIF_cond_alpha_isfa_ista",
    "EIF_cond_exp_isfa_ista",
    "HH_cond_exp",
    "Izhikevich",
];

fn simulate<C, B>(args: &Args, model: &str, options: B::Options) -> Result<Traces>
where
    C: pynn::CellType + Default,
    B: Backend + Supports<C> + Supports<SpikeSourceArray>,
{
    let drive = drive(model).expect("known model");
    let sim =
        Sim::<B>::setup_with(Setup { timestep: DT, min_delay: 0.1, max_delay: 10.0, ..Setup::default() }, options)?;
    let n = args.cells;
    let cells = Population::<C, B>::new(&sim, n, C::default())?;
    if drive.i_max > 0.0 {
        let span = drive.i_max - drive.i_min;
        let amps: Vec<f64> = (0..n).map(|i| drive.i_min + span * i as f64 / (n.max(2) - 1) as f64).collect();
        for (i, a) in amps.iter().enumerate() {
            cells.view(i..i + 1)?.inject(DCSource { amplitude: *a, start: 20.0, stop: args.tstop })?;
        }
    }
    let regular: Vec<f64> = (1..).map(|k| 10.0 + 12.5 * k as f64).take_while(|t| *t < args.tstop).collect();
    // Intervals 3.1 .. 16.9 ms in a fixed irregular order, times on the grid.
    let irregular: Vec<f64> = (1..)
        .scan(5.0, |t, k: i32| {
            *t += 3.1 + 2.3 * f64::from(k * k % 7);
            Some((*t / DT).round() * DT)
        })
        .take_while(|t| *t < args.tstop)
        .collect();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 2, SpikeSourceArray::default())?;
    src.set("spike_times", vec![regular, irregular])?;
    Projection::new(&src, &cells, &AllToAllConnector::new(), StaticSynapse::new(drive.w_exc, 1.0), Some("excitatory"))?;
    Projection::new(&src, &cells, &AllToAllConnector::new(), StaticSynapse::new(drive.w_inh, 2.3), Some("inhibitory"))?;
    cells.record(["spikes", "v"], None)?;
    sim.run(args.tstop)?;
    let block = cells.get_data()?;
    sim.end()?;
    let seg = &block.segments[0];
    let v = seg.signal("v").expect("v recorded");
    Ok(Traces {
        spikes: (0..n).map(|i| seg.spiketrain(i).map(|s| s.times.clone()).unwrap_or_default()).collect(),
        v: (0..n).map(|i| v.column(i)).collect(),
    })
}

fn on_backend<B>(args: &Args, model: &str, options: B::Options) -> Result<Traces>
where
    B: Backend
        + Supports<IF_curr_alpha>
        + Supports<IF_curr_exp>
        + Supports<IF_curr_delta>
        + Supports<IF_cond_alpha>
        + Supports<IF_cond_exp>
        + Supports<IF_cond_exp_gsfa_grr>
        + Supports<IF_facets_hardware1>
        + Supports<EIF_cond_alpha_isfa_ista>
        + Supports<EIF_cond_exp_isfa_ista>
        + Supports<HH_cond_exp>
        + Supports<Izhikevich>
        + Supports<SpikeSourceArray>,
{
    match model {
        "IF_curr_alpha" => simulate::<IF_curr_alpha, B>(args, model, options),
        "IF_curr_exp" => simulate::<IF_curr_exp, B>(args, model, options),
        "IF_curr_delta" => simulate::<IF_curr_delta, B>(args, model, options),
        "IF_cond_alpha" => simulate::<IF_cond_alpha, B>(args, model, options),
        "IF_cond_exp" => simulate::<IF_cond_exp, B>(args, model, options),
        "IF_cond_exp_gsfa_grr" => simulate::<IF_cond_exp_gsfa_grr, B>(args, model, options),
        "IF_facets_hardware1" => simulate::<IF_facets_hardware1, B>(args, model, options),
        "EIF_cond_alpha_isfa_ista" => simulate::<EIF_cond_alpha_isfa_ista, B>(args, model, options),
        "EIF_cond_exp_isfa_ista" => simulate::<EIF_cond_exp_isfa_ista, B>(args, model, options),
        "HH_cond_exp" => simulate::<HH_cond_exp, B>(args, model, options),
        "Izhikevich" => simulate::<Izhikevich, B>(args, model, options),
        other => Err(Error::Backend { backend: B::NAME, message: format!("no comparison scenario for {other}") }),
    }
}

fn run(choice: BackendChoice, args: &Args, model: &str) -> Result<Traces> {
    match choice {
        BackendChoice::Native => on_backend::<Native>(args, model, Default::default()),
        BackendChoice::Nest => on_backend::<Nest>(args, model, Default::default()),
        BackendChoice::Brian2 => on_backend::<Brian2>(args, model, Default::default()),
        BackendChoice::Neuron => on_backend::<Neuron>(args, model, Default::default()),
        BackendChoice::NeuronMpi2 => {
            on_backend::<Neuron>(args, model, NeuronOptions { ranks: 2, ..Default::default() })
        }
    }
}

/// Differences of `t` against the reference `r`.
struct Diff {
    count: usize,
    ref_count: usize,
    equal_cells: usize,
    max_dt: f64,
    rms: f64,
    max_dv: f64,
}

fn diff(t: &Traces, r: &Traces) -> Diff {
    let mut d = Diff { count: 0, ref_count: 0, equal_cells: 0, max_dt: 0.0, rms: 0.0, max_dv: 0.0 };
    let (mut sum, mut samples) = (0.0, 0usize);
    for i in 0..r.spikes.len() {
        d.count += t.spikes[i].len();
        d.ref_count += r.spikes[i].len();
        if t.spikes[i].len() == r.spikes[i].len() {
            d.equal_cells += 1;
            for (a, b) in t.spikes[i].iter().zip(&r.spikes[i]) {
                d.max_dt = d.max_dt.max((a - b).abs());
            }
        }
        let near_spike =
            |time: f64| t.spikes[i].iter().chain(&r.spikes[i]).any(|s| time >= *s - DT / 2.0 && time < *s + 2.0);
        for (k, (a, b)) in t.v[i].iter().zip(&r.v[i]).enumerate() {
            if near_spike(k as f64 * DT) {
                continue;
            }
            let e = a - b;
            sum += e * e;
            samples += 1;
            d.max_dv = d.max_dv.max(e.abs());
        }
    }
    d.rms = if samples > 0 { (sum / samples as f64).sqrt() } else { 0.0 };
    d
}

fn main() {
    let args = Args::parse();
    let models: Vec<&str> = if args.model == "all" { MODELS.to_vec() } else { vec![args.model.as_str()] };
    if let Some(bad) = models.iter().find(|m| drive(m).is_none()) {
        eprintln!("unknown model {bad}; one of: all, {}", MODELS.join(", "));
        std::process::exit(2);
    }
    println!("reference: {:?}; {} cells, {} ms at dt {DT} ms", args.reference, args.cells, args.tstop);
    println!(
        "{:<26} {:<8} {:>7} {:>7} {:>8} {:>10} {:>10} {:>10}",
        "model", "backend", "spikes", "ref", "cells =", "max |dt|", "v RMS", "max |dv|"
    );
    for model in models {
        let reference = match run(args.reference, &args, model) {
            Ok(r) => r,
            Err(e) => {
                println!("{model:<26} reference {:?} failed: {e}", args.reference);
                continue;
            }
        };
        for &b in &args.backends {
            let same = std::mem::discriminant(&b) == std::mem::discriminant(&args.reference);
            let result = if same {
                Ok(Traces { spikes: reference.spikes.clone(), v: reference.v.clone() })
            } else {
                run(b, &args, model)
            };
            match result {
                Ok(t) => {
                    let d = diff(&t, &reference);
                    println!(
                        "{model:<26} {:<8} {:>7} {:>7} {:>5}/{:<2} {:>10.2e} {:>10.2e} {:>10.2e}",
                        format!("{b:?}").to_lowercase(),
                        d.count,
                        d.ref_count,
                        d.equal_cells,
                        args.cells,
                        d.max_dt,
                        d.rms,
                        d.max_dv
                    );
                }
                Err(e) => println!("{model:<26} {:<8} error: {e}", format!("{b:?}").to_lowercase()),
            }
        }
    }
}
