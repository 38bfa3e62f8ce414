use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// The leaky integrate-and-fire neuron of the FACETS wafer-scale hardware
/// (PyNN `IF_facets_hardware1`; on NEST: `iaf_cond_exp` with the hardware's
/// fixed values).
///
/// # Equations
///
/// As [`super::IF_cond_exp`], with the fixed values of PyNN's definition:
/// membrane capacitance 0.2 nF, refractory period 1 ms, excitatory reversal
/// potential 0 mV, no offset current; the leak is given as a conductance.
///
/// ```text
/// 0.2 nF dv/dt = g_leak (v_rest - v) + g_exc(t) (0 - v) + g_inh(t) (e_rev_I - v) + i_inj(t)
/// ```
///
/// # Integration
///
/// Adaptive RKF45 as `IF_cond_exp`.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `g_leak` | 40.0 | nS | leak conductance |
/// | `tau_syn_E` | 30.0 | ms | excitatory synaptic time constant |
/// | `tau_syn_I` | 30.0 | ms | inhibitory synaptic time constant |
/// | `v_reset` | -80.0 | mV | reset potential |
/// | `e_rev_I` | -80.0 | mV | inhibitory reversal potential |
/// | `v_rest` | -65.0 | mV | resting potential |
/// | `v_thresh` | -55.0 | mV | spike threshold |
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV, `gsyn_exc` = `gsyn_inh` = 0.0 uS.
/// Recordables: `spikes`, `v`, `gsyn_exc`, `gsyn_inh`.
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `IF_facets_hardware1`,
///   and `pyNN/nest/standardmodels/cells.py` (fixed values).
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct IF_facets_hardware1 {
    /// Leak conductance (nS).
    pub g_leak: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_E: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_I: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Inhibitory reversal potential (mV).
    pub e_rev_I: f64,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Spike threshold (mV).
    pub v_thresh: f64,
}

scalar_cell_type!(IF_facets_hardware1 { g_leak, tau_syn_E, tau_syn_I, v_reset, e_rev_I, v_rest, v_thresh });

impl CellType for IF_facets_hardware1 {
    standard_cell_consts!(IF_facets_hardware1);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
