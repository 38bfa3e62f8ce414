use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Leaky integrate-and-fire neuron with fixed threshold and decaying-
/// exponential post-synaptic currents (PyNN `IF_curr_exp`; NEST `iaf_psc_exp`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = cm (v_rest - v) / tau_m + I_syn(t) + i_offset + i_inj(t)
/// I_syn(t) = sum_k w_k exp(-(t - t_k) / tau_syn)   for t > t_k
/// ```
///
/// with `tau_syn = tau_syn_E` for excitatory and `tau_syn_I` for inhibitory
/// inputs; a weight `w` (nA) is the jump of the synaptic current.
///
/// # Spike and reset
///
/// When `v >= v_thresh` at the end of a step, a spike is emitted with the
/// time of the end of that step, `v` is set to `v_reset` and held there for
/// `round(tau_refrac / dt)` steps; synaptic currents keep evolving.
///
/// # Integration
///
/// Exact integration with constant propagators (Rotter & Diesmann 1999),
/// including NEST's guard for `tau_m ≈ tau_syn`.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `v_rest` | -65.0 | mV | resting membrane potential |
/// | `cm` | 1.0 | nF | membrane capacitance |
/// | `tau_m` | 20.0 | ms | membrane time constant |
/// | `tau_refrac` | 0.1 | ms | refractory period |
/// | `tau_syn_E` | 5.0 | ms | decay time of excitatory synaptic current |
/// | `tau_syn_I` | 5.0 | ms | decay time of inhibitory synaptic current |
/// | `i_offset` | 0.0 | nA | constant injected current |
/// | `v_reset` | -65.0 | mV | membrane potential after a spike |
/// | `v_thresh` | -50.0 | mV | spike threshold |
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV, `isyn_exc` = 0.0 nA, `isyn_inh` = 0.0 nA.
/// Recordables: `spikes`, `v`, `isyn_exc`, `isyn_inh`.
/// Receptor types: `excitatory` (weights >= 0), `inhibitory` (weights <= 0).
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `IF_curr_exp`.
/// - NEST 3.10, `models/iaf_psc_exp.h`.
/// - Rotter S, Diesmann M (1999) Biol Cybern 81:381–402.
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct IF_curr_exp {
    /// Resting membrane potential (mV).
    pub v_rest: f64,
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_E: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_I: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Spike threshold (mV).
    pub v_thresh: f64,
}

scalar_cell_type!(IF_curr_exp { v_rest, cm, tau_m, tau_refrac, tau_syn_E, tau_syn_I, i_offset, v_reset, v_thresh });

impl CellType for IF_curr_exp {
    standard_cell_consts!(IF_curr_exp);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
