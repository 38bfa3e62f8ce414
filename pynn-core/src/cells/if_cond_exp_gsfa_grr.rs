use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Leaky integrate-and-fire neuron with spike-frequency adaptation and
/// relative refractoriness (two spike-triggered conductances) and
/// decaying-exponential post-synaptic conductances (PyNN `IF_cond_exp_gsfa_grr`; NEST `iaf_cond_exp_sfa_rr`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = cm (v_rest - v) / tau_m + g_exc(t) (e_rev_E - v) + g_inh(t) (e_rev_I - v)
///            + g_s(t) (e_rev_sfa - v) + g_r(t) (e_rev_rr - v) + i_offset + i_inj(t)
/// dg_s/dt = -g_s / tau_sfa,  dg_r/dt = -g_r / tau_rr,  at a spike g_s += q_sfa, g_r += q_rr
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
/// | `tau_sfa` | 100.0 | ms | time constant of spike-frequency adaptation |
/// | `e_rev_sfa` | -75.0 | mV | reversal potential of spike-frequency adaptation |
/// | `q_sfa` | 15.0 | nS | increment of `g_s` at a spike |
/// | `tau_rr` | 2.0 | ms | time constant of relative refractoriness |
/// | `e_rev_rr` | -75.0 | mV | reversal potential of relative refractoriness |
/// | `q_rr` | 3000.0 | nS | increment of `g_r` at a spike |
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV, `g_r` = `g_s` = 0.0 nS, `gsyn_exc` = `gsyn_inh` = 0.0 uS.
/// Recordables: `spikes`, `v`, `g_r`, `g_s` (nS), `gsyn_exc`, `gsyn_inh`.
/// PyNN 0.13 cannot create this model on NEST (`KeyError: 'g_r'`); it is
/// NEST's `iaf_cond_exp_sfa_rr` that this implementation follows.
/// Receptor types: `excitatory`, `inhibitory` (weights >= 0, uS).
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `IF_cond_exp_gsfa_grr`.
/// - NEST 3.10, `models/iaf_cond_exp_sfa_rr.h` and `.cpp`.
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct IF_cond_exp_gsfa_grr {
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
    /// Time constant of spike-frequency adaptation (ms).
    pub tau_sfa: f64,
    /// Reversal potential of spike-frequency adaptation (mV).
    pub e_rev_sfa: f64,
    /// Increment of the adaptation conductance at a spike (nS).
    pub q_sfa: f64,
    /// Time constant of relative refractoriness (ms).
    pub tau_rr: f64,
    /// Reversal potential of relative refractoriness (mV).
    pub e_rev_rr: f64,
    /// Increment of the refractory conductance at a spike (nS).
    pub q_rr: f64,
}

scalar_cell_type!(IF_cond_exp_gsfa_grr {
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
    i_offset,
    tau_sfa,
    e_rev_sfa,
    q_sfa,
    tau_rr,
    e_rev_rr,
    q_rr
});

impl CellType for IF_cond_exp_gsfa_grr {
    standard_cell_consts!(IF_cond_exp_gsfa_grr);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
