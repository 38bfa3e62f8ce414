use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Leaky integrate-and-fire neuron with fixed threshold and delta-shaped
/// synaptic input: each input spike makes the membrane potential jump by the
/// weight (PyNN `IF_curr_delta`; NEST `iaf_psc_delta`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = cm (v_rest - v) / tau_m + i_offset + i_inj(t)
/// v -> v + w_k   at the arrival time of each input spike k
/// ```
///
/// Weights are voltage jumps in mV (PyNN's convention for this model):
/// excitatory `w >= 0`, inhibitory `w <= 0`.
///
/// # Spike and reset
///
/// When `v >= v_thresh` at the end of a step, a spike is emitted with the
/// time of the end of that step, `v` is set to `v_reset` and held there for
/// `round(tau_refrac / dt)` steps. Input spikes arriving during the
/// refractory period are discarded (NEST's default `refractory_input = false`).
///
/// # Integration
///
/// Exact integration: `v` relaxes with propagator `exp(-dt/tau_m)`; the
/// current drive enters with `tau_m/cm (1 - exp(-dt/tau_m))`.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `v_rest` | -65.0 | mV | resting membrane potential |
/// | `cm` | 1.0 | nF | membrane capacitance |
/// | `tau_m` | 20.0 | ms | membrane time constant |
/// | `tau_refrac` | 0.1 | ms | refractory period |
/// | `i_offset` | 0.0 | nA | constant injected current |
/// | `v_reset` | -65.0 | mV | membrane potential after a spike |
/// | `v_thresh` | -50.0 | mV | spike threshold |
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV. Recordables: `spikes`, `v`.
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `IF_curr_delta`.
/// - NEST 3.10, `models/iaf_psc_delta.h`.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, PartialEq)]
pub struct IF_curr_delta {
    /// Resting membrane potential (mV).
    pub v_rest: f64,
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Spike threshold (mV).
    pub v_thresh: f64,
}

scalar_cell_type!(IF_curr_delta { v_rest, cm, tau_m, tau_refrac, i_offset, v_reset, v_thresh });

impl CellType for IF_curr_delta {
    standard_cell_consts!(IF_curr_delta);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
