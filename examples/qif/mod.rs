//! The quadratic integrate-and-fire cell type of examples/custom_model.rs
//! (a user-defined `CellType` with its native kernel), in its own file so
//! that tests/macro_models.rs uses the same model.
//!
//! ```text
//! tau_m dv/dt = (v - v_rest)(v - v_crit) / delta_v + R I,   R = tau_m / cm
//! v >= v_peak  ->  spike, v = v_reset
//! ```
//!
//! integrated with forward Euler.

use pynn::CellType;
use pynn::backends::native::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::{Domain, ParamSpec, ParamTable};
use pynn::prelude::*;

/// Quadratic integrate-and-fire neuron with current-based exponential synapses.
#[derive(Debug, Clone, PartialEq)]
pub struct Qif {
    pub tau_m: f64,
    pub cm: f64,
    pub v_rest: f64,
    pub v_crit: f64,
    pub delta_v: f64,
    pub v_peak: f64,
    pub v_reset: f64,
    pub tau_syn: f64,
    pub i_offset: f64,
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
