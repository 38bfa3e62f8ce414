//! Your own cell type on the native engine, used exactly like a standard one.
//!
//! A quadratic integrate-and-fire neuron,
//!
//! ```text
//! tau_m dv/dt = (v - v_rest)(v - v_crit) / delta_v + R I,   R = tau_m / cm
//! v >= v_peak  ->  spike, v = v_reset
//! ```
//!
//! integrated with forward Euler. Two traits make it a model:
//! [`pynn::CellType`] (its PyNN-style schema: parameters with defaults and
//! units, initial values, recordables, receptors) and
//! [`pynn::backends::native::kernel::NativeCell`] (how the native engine builds
//! its struct-of-arrays state and advances it one step).
//!
//! ```text
//! cargo run --release --example custom_model -- --plot custom_model.png
//! ```

mod support;

use clap::Parser;
use pynn::CellType;
use pynn::backends::native::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::{Domain, ParamSpec, ParamTable};
use pynn::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "A user-defined cell type (quadratic integrate-and-fire) on the native engine")]
struct Args {
    /// Session seed (connectivity and Poisson spikes).
    #[arg(long, default_value_t = 3)]
    seed: u64,
    /// Directory for the results (custom_model-native.npz + .json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Draw the spike raster and membrane potentials into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

/// Quadratic integrate-and-fire neuron with current-based exponential synapses.
#[derive(Debug, Clone, PartialEq)]
struct Qif {
    tau_m: f64,
    cm: f64,
    v_rest: f64,
    v_crit: f64,
    delta_v: f64,
    v_peak: f64,
    v_reset: f64,
    tau_syn: f64,
    i_offset: f64,
}

impl Default for Qif {
    fn default() -> Self {
        Qif {
            tau_m: 10.0,
            cm: 0.25,
            v_rest: -65.0,
            v_crit: -50.0,
            delta_v: 15.0,
            v_peak: 0.0,
            v_reset: -70.0,
            tau_syn: 2.0,
            i_offset: 0.0,
        }
    }
}

impl CellType for Qif {
    const NAME: &'static str = "Qif";
    const PARAMETERS: &'static [ParamSpec] = &[
        ParamSpec::scalar("tau_m", 10.0, "ms", Domain::Positive, "membrane time constant"),
        ParamSpec::scalar("cm", 0.25, "nF", Domain::Positive, "membrane capacitance"),
        ParamSpec::scalar("v_rest", -65.0, "mV", Domain::Finite, "resting potential"),
        ParamSpec::scalar("v_crit", -50.0, "mV", Domain::Finite, "critical potential"),
        ParamSpec::scalar("delta_v", 15.0, "mV", Domain::Positive, "sharpness of spike initiation"),
        ParamSpec::scalar("v_peak", 0.0, "mV", Domain::Finite, "spike cut-off"),
        ParamSpec::scalar("v_reset", -70.0, "mV", Domain::Finite, "reset potential"),
        ParamSpec::scalar("tau_syn", 2.0, "ms", Domain::Positive, "synaptic time constant"),
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, "constant injected current"),
    ];
    const STATE: &'static [ParamSpec] = &[
        ParamSpec::scalar("v", -65.0, "mV", Domain::Finite, "membrane potential"),
        ParamSpec::scalar("isyn", 0.0, "nA", Domain::Finite, "synaptic current"),
    ];
    const RECORDABLES: &'static [RecordableSpec] = &[
        RecordableSpec { name: "spikes", unit: "ms" },
        RecordableSpec { name: "v", unit: "mV" },
        RecordableSpec { name: "isyn", unit: "nA" },
    ];
    const RECEPTORS: &'static [&'static str] = &["excitatory", "inhibitory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;

    fn parameter_values(&self) -> Vec<Value> {
        [
            self.tau_m,
            self.cm,
            self.v_rest,
            self.v_crit,
            self.delta_v,
            self.v_peak,
            self.v_reset,
            self.tau_syn,
            self.i_offset,
        ]
        .into_iter()
        .map(Value::Scalar)
        .collect()
    }
}

/// The population's state, struct-of-arrays.
struct QifKernel {
    dt: f64,
    p: ParamTable,
    v: Vec<f64>,
    isyn: Vec<f64>,
    init: (Vec<f64>, Vec<f64>),
}

impl NativeCell for Qif {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        let init = (initial.scalar("v").to_vec(), initial.scalar("isyn").to_vec());
        Ok(Box::new(QifKernel { dt: ctx.dt, p: params.clone(), v: init.0.clone(), isyn: init.1.clone(), init }))
    }
}

impl Kernel for QifKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let p = &self.p;
        let (tau_m, cm, v_rest, v_crit) = (p.scalar("tau_m"), p.scalar("cm"), p.scalar("v_rest"), p.scalar("v_crit"));
        let (delta_v, v_peak, v_reset) = (p.scalar("delta_v"), p.scalar("v_peak"), p.scalar("v_reset"));
        let (tau_syn, i_offset) = (p.scalar("tau_syn"), p.scalar("i_offset"));
        for i in 0..self.v.len() {
            let i_total = self.isyn[i] + i_offset[i] + input.current[i];
            let dv = ((self.v[i] - v_rest[i]) * (self.v[i] - v_crit[i]) / delta_v[i] + tau_m[i] / cm[i] * i_total)
                / tau_m[i];
            self.v[i] += self.dt * dv;
            self.isyn[i] += -self.dt * self.isyn[i] / tau_syn[i] + input.synaptic[0][i] + input.synaptic[1][i];
            if self.v[i] >= v_peak[i] {
                self.v[i] = v_reset[i];
                spikes.push((i as u32, input.step + 1));
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.p = params.clone();
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (state, init) = match name {
            "v" => (&mut self.v, &mut self.init.0),
            "isyn" => (&mut self.isyn, &mut self.init.1),
            _ => return Err(Error::unknown_name("Qif", "state variable", name, ["v", "isyn"])),
        };
        for (c, x) in cells.iter().zip(values) {
            state[*c] = *x;
            init[*c] = *x;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.v.clone_from(&self.init.0);
        self.isyn.clone_from(&self.init.1);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        ["v", "isyn"].iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let s = if var == 0 { &self.v } else { &self.isyn };
        out.extend(cells.iter().map(|c| s[*c]));
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    support::run(|| simulate(&args))
}

fn simulate(args: &Args) -> Result<()> {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.05, seed: args.seed, ..Setup::default() })?;
    let input = Population::<SpikeSourcePoisson, Native>::new(
        &sim,
        50,
        SpikeSourcePoisson { rate: 20.0, ..Default::default() },
    )?;
    // The custom type is used exactly like a standard one.
    let cells = Population::with_label(&sim, 5, Qif::default(), Some("qif"))?;
    cells.set("i_offset", vec![0.0, 0.2, 0.4, 0.6, 0.8])?;
    Projection::new(
        &input,
        &cells,
        &FixedProbabilityConnector::new(0.3),
        StaticSynapse::new(0.05, 1.0),
        Some("excitatory"),
    )?;
    cells.record(["spikes", "v"], Some(0.5))?;
    sim.run(500.0)?;
    for (cell, count) in cells.get_spike_counts()? {
        println!("qif cell {cell}: i_offset {:.1} nA, {count} spikes", cells.get("i_offset")?[cell]);
    }
    let data = cells.get_data()?;
    let v = data.segments[0].signal("v").cloned().expect("v was recorded");
    println!("v recorded every {} ms: {} samples x {} cells", v.sampling_period, v.n_samples(), v.channel_index.len());
    let stem = args.out.join("custom_model-native");
    cells.write_data(&stem)?;
    println!("data written to {}.npz (+ .json)", stem.display());
    if let Some(path) = &args.plot {
        plot(&data, path)?;
    }
    sim.end()
}

/// The spike raster and the membrane potentials of the five cells.
#[cfg(feature = "plot")]
fn plot(data: &Block, path: &Path) -> Result<()> {
    let seg = &data.segments[0];
    let fig =
        pynn::plot::Figure::new("custom_model (QIF)").provenance(data).raster(seg, None)?.signal(seg, "v", None)?;
    support::save_figure(&fig, path)
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
