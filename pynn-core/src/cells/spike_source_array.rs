use super::{CellType, standard_cell_consts};
use crate::parameters::Value;

/// A spike source emitting spikes at given times (PyNN `SpikeSourceArray`;
/// NEST `spike_generator`).
///
/// # Behaviour
///
/// Each cell emits one spike at each time of its `spike_times`. Times are
/// rounded to the time grid (`round(t / dt)` steps); two times in the same
/// step give two spikes. Times must be non-decreasing and >= 0 (PyNN raises
/// for an unsorted train, test_issue511). Setting `spike_times` between runs
/// replaces the train; times already in the past are ignored.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `spike_times` | `[]` | ms | spike times (a sequence per cell) |
///
/// Recordables: `spikes`. No receptor types, no initial values.
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `SpikeSourceArray`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpikeSourceArray {
    /// Spike times (ms), the same for every cell of a population created
    /// from this value; use `Population::set` for one train per cell.
    pub spike_times: Vec<f64>,
}

impl CellType for SpikeSourceArray {
    standard_cell_consts!(SpikeSourceArray);

    fn parameter_values(&self) -> Vec<Value> {
        vec![Value::Array(self.spike_times.clone())]
    }
}
