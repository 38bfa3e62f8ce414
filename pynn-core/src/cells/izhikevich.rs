use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Izhikevich's simple spiking neuron (PyNN `Izhikevich`; NEST `izhikevich`).
///
/// # Equations
///
/// ```text
/// dv/dt = 0.04 v^2 + 5 v + 140 - u + I
/// du/dt = a (b v - u)
/// ```
///
/// with `v` in mV, `t` in ms and `I = 1000 (i_offset + i_inj)`: the model's
/// current unit is mV/ms, and PyNN maps 1 nA to 1000 of it (a membrane
/// capacitance of 1 pF), as NEST's and NEURON's implementations do.
/// Synaptic input is a jump of `v` by the weight (mV): excitatory weights
/// >= 0, inhibitory <= 0.
///
/// # Spike and reset
///
/// When `v >= 30 mV` at the end of a step, a spike is emitted with the time
/// of the end of that step, `v` is set to `c` and `u` increased by `d`. No
/// refractory period.
///
/// # Integration
///
/// Forward Euler with step `dt` on both variables from the values at the
/// start of the step, input jumps added in the same step (NEST's
/// `consistent_integration = true`, its default).
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `a` | 0.02 | 1/ms | time scale of the recovery variable |
/// | `b` | 0.2 | 1/ms | sensitivity of the recovery variable |
/// | `c` | -65.0 | mV | reset potential |
/// | `d` | 2.0 | mV/ms | increment of `u` at a spike |
/// | `i_offset` | 0.0 | nA | constant injected current |
///
/// # State variables (initial values)
///
/// `v` = -70.0 mV, `u` = -14.0 mV/ms. Recordables: `spikes`, `v`, `u`.
///
/// # References
///
/// - Izhikevich EM (2003) Simple model of spiking neurons. IEEE Trans Neural
///   Netw 14:1569–1572.
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `Izhikevich`.
/// - NEST 3.10, `models/izhikevich.h` and `.cpp`.
#[derive(Debug, Clone, PartialEq)]
pub struct Izhikevich {
    /// Time scale of the recovery variable (1/ms).
    pub a: f64,
    /// Sensitivity of the recovery variable (1/ms).
    pub b: f64,
    /// Reset potential (mV).
    pub c: f64,
    /// Increment of the recovery variable at a spike (mV/ms).
    pub d: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
}

scalar_cell_type!(Izhikevich { a, b, c, d, i_offset });

impl CellType for Izhikevich {
    standard_cell_consts!(Izhikevich);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
