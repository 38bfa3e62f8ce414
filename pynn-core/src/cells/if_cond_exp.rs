use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Leaky integrate-and-fire neuron with fixed threshold and decaying-exponential
/// post-synaptic conductances (PyNN `IF_cond_exp`; NEST `iaf_cond_exp`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = cm (v_rest - v) / tau_m + g_exc(t) (e_rev_E - v) + g_inh(t) (e_rev_I - v)
///            + i_offset + i_inj(t)
/// g_syn(t) = sum_k w_k exp(-(t - t_k) / tau_syn)   for t > t_k
/// ```
///
/// with `tau_syn = tau_syn_E` for excitatory and `tau_syn_I` for inhibitory
/// inputs; a weight `w` (uS) is the jump of the conductance. Weights are positive for both receptor types.
///
/// # Spike and reset
///
/// When `v >= v_thresh` at the end of a step, a spike is emitted with the
/// time of the end of that step, `v` is set to `v_reset` and clamped there
/// for `tau_refrac` (rounded up to whole steps, as NEST); conductances keep
/// evolving. While integrating, `v` enters the currents bounded above by
/// `v_thresh`, as in NEST.
///
/// # Integration
///
/// Adaptive Runge–Kutta–Fehlberg 4(5) per cell with absolute tolerance 1e-3
/// (in NEST's units: mV, nS), the algorithm NEST runs through GSL, so that
/// trajectories agree with NEST's to rounding.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `v_rest` | -65.0 | mV | resting membrane potential |
/// | `cm` | 1.0 | nF | membrane capacitance |
/// | `tau_m` | 20.0 | ms | membrane time constant |
/// | `tau_refrac` | 0.1 | ms | refractory period |
/// | `tau_syn_E` | 5.0 | ms | decay time of the excitatory synaptic conductance |
/// | `tau_syn_I` | 5.0 | ms | decay time of the inhibitory synaptic conductance |
/// | `e_rev_E` | 0.0 | mV | excitatory reversal potential |
/// | `e_rev_I` | -70.0 | mV | inhibitory reversal potential |
/// | `v_thresh` | -50.0 | mV | spike threshold |
/// | `v_reset` | -65.0 | mV | membrane potential after a spike |
/// | `i_offset` | 0.0 | nA | constant injected current |
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV, `gsyn_exc` = 0.0 uS, `gsyn_inh` = 0.0 uS.
/// Recordables: `spikes`, `v`, `gsyn_exc`, `gsyn_inh`.
/// Receptor types: `excitatory`, `inhibitory` (weights >= 0, uS).
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `IF_cond_exp`.
/// - NEST 3.10, `models/iaf_cond_exp.h` and `.cpp`.
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct IF_cond_exp {
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
    /// Excitatory reversal potential (mV).
    pub e_rev_E: f64,
    /// Inhibitory reversal potential (mV).
    pub e_rev_I: f64,
    /// Spike threshold (mV).
    pub v_thresh: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
}

scalar_cell_type!(IF_cond_exp {
    v_rest,
    cm,
    tau_m,
    tau_refrac,
    tau_syn_E,
    tau_syn_I,
    e_rev_E,
    e_rev_I,
    v_thresh,
    v_reset,
    i_offset
});

impl CellType for IF_cond_exp {
    standard_cell_consts!(IF_cond_exp);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
