use super::{CellType, RecordableSpec, cond};
use crate::parameters::{Domain, ParamSpec, Value};

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

super::scalar_cell_type!(IF_facets_hardware1 {
    g_leak: ParamSpec::scalar("g_leak", 40.0, "nS", Domain::Positive, "leak conductance"),
    tau_syn_E: ParamSpec::scalar("tau_syn_E", 30.0, "ms", Domain::Positive, "excitatory synaptic time constant"),
    tau_syn_I: ParamSpec::scalar("tau_syn_I", 30.0, "ms", Domain::Positive, "inhibitory synaptic time constant"),
    v_reset: ParamSpec::scalar("v_reset", -80.0, "mV", Domain::Finite, "reset potential"),
    e_rev_I: ParamSpec::scalar("e_rev_I", -80.0, "mV", Domain::Finite, "inhibitory reversal potential"),
    v_rest: ParamSpec::scalar("v_rest", -65.0, "mV", Domain::Finite, "resting potential"),
    v_thresh: ParamSpec::scalar("v_thresh", -55.0, "mV", Domain::Finite, "spike threshold"),
});

impl CellType for IF_facets_hardware1 {
    const NAME: &'static str = "IF_facets_hardware1";
    const PARAMETERS: &'static [ParamSpec] = Self::SPECS;
    const STATE: &'static [ParamSpec] = &[super::lif::V, cond::GSYN_EXC, cond::GSYN_INH];
    const RECORDABLES: &'static [RecordableSpec] = cond::RECORDABLES;
    const RECEPTORS: &'static [&'static str] = &["excitatory", "inhibitory"];
    const CONDUCTANCE_BASED: bool = true;
    const INJECTABLE: bool = true;

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
