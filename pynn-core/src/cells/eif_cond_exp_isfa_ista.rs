use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Adaptive exponential integrate-and-fire neuron (AdEx; Brette & Gerstner
/// 2005) with spike-triggered and sub-threshold adaptation and decaying-exponential
/// synaptic conductances (PyNN `EIF_cond_exp_isfa_ista`; NEST `aeif_cond_exp`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = g_L (v_rest - v) + g_L delta_T exp((v - v_thresh) / delta_T)
///            + g_exc(t) (e_rev_E - v) + g_inh(t) (e_rev_I - v) - w + i_offset + i_inj(t)
/// tau_w dw/dt = a (v - v_rest) - w
/// g_syn(t) = sum_k w_k exp(-(t - t_k) / tau_syn)   for t > t_k
/// ```
///
/// with `g_L = cm / tau_m`. While integrating, `v` enters the currents
/// bounded above by `v_spike`.
///
/// # Spike and reset
///
/// When `v >= v_spike` (or `v >= v_thresh` if `delta_T = 0`) after any
/// integration sub-step, a spike is emitted with the time of the end of the
/// current step, `v` is set to `v_reset`, `w` is increased by `b`, and `v` is
/// clamped at `v_reset` for `tau_refrac` (as NEST's `aeif_cond_exp`).
///
/// # Integration
///
/// Adaptive Runge–Kutta–Fehlberg 4(5) per cell, with NEST's control
/// (`gsl_error_tol` = 1e-6 on state and derivative), spike detection after
/// every sub-step.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `cm` | 0.281 | nF | membrane capacitance |
/// | `tau_refrac` | 0.1 | ms | refractory period |
/// | `v_spike` | -40.0 | mV | spike detection threshold |
/// | `v_reset` | -70.6 | mV | reset potential |
/// | `v_rest` | -70.6 | mV | resting potential (leak reversal) |
/// | `tau_m` | 9.3667 | ms | membrane time constant |
/// | `i_offset` | 0.0 | nA | constant injected current |
/// | `a` | 4.0 | nS | sub-threshold adaptation |
/// | `b` | 0.0805 | nA | spike-triggered adaptation |
/// | `delta_T` | 2.0 | mV | slope factor |
/// | `tau_w` | 144.0 | ms | adaptation time constant |
/// | `v_thresh` | -50.4 | mV | spike initiation threshold |
/// | `e_rev_E` | 0.0 | mV | excitatory reversal potential |
/// | `tau_syn_E` | 5.0 | ms | excitatory synaptic time constant |
/// | `e_rev_I` | -80.0 | mV | inhibitory reversal potential |
/// | `tau_syn_I` | 5.0 | ms | inhibitory synaptic time constant |
///
/// # State variables (initial values)
///
/// `v` = -70.6 mV, `w` = 0.0 nA, `gsyn_exc` = 0.0 uS, `gsyn_inh` = 0.0 uS.
/// Recordables: `spikes`, `v`, `w`, `gsyn_exc`, `gsyn_inh`.
///
/// # References
///
/// - Brette R, Gerstner W (2005) Adaptive exponential integrate-and-fire model
///   as an effective description of neuronal activity. J Neurophysiol 94:3637–3642.
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `EIF_cond_exp_isfa_ista`.
/// - NEST 3.10, `models/aeif_cond_exp.h` and `.cpp`.
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct EIF_cond_exp_isfa_ista {
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Spike detection threshold (mV).
    pub v_spike: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
    /// Sub-threshold adaptation (nS).
    pub a: f64,
    /// Spike-triggered adaptation (nA).
    pub b: f64,
    /// Slope factor (mV).
    pub delta_T: f64,
    /// Adaptation time constant (ms).
    pub tau_w: f64,
    /// Spike initiation threshold (mV).
    pub v_thresh: f64,
    /// Excitatory reversal potential (mV).
    pub e_rev_E: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_E: f64,
    /// Inhibitory reversal potential (mV).
    pub e_rev_I: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_I: f64,
}

scalar_cell_type!(EIF_cond_exp_isfa_ista {
    cm,
    tau_refrac,
    v_spike,
    v_reset,
    v_rest,
    tau_m,
    i_offset,
    a,
    b,
    delta_T,
    tau_w,
    v_thresh,
    e_rev_E,
    tau_syn_E,
    e_rev_I,
    tau_syn_I
});

impl CellType for EIF_cond_exp_isfa_ista {
    standard_cell_consts!(EIF_cond_exp_isfa_ista);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
