use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// A spike source emitting a homogeneous Poisson spike train
/// (PyNN `SpikeSourcePoisson`; NEST `poisson_generator`).
///
/// # Behaviour
///
/// Active in the window `(start, start + duration]`: in every time step
/// `(t, t + dt]` inside it, the number of spikes is drawn from a Poisson
/// distribution of mean `rate * dt / 1000`, and each spike carries the time
/// of the end of the step (NEST's on-grid convention). Each cell has its own
/// random stream keyed by (session seed, population, cell), so trains do not
/// depend on the number of threads. `rate`, `start` and `duration` may be
/// changed between runs. After `reset()` the streams continue, so repeated
/// trials see fresh noise.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `rate` | 1.0 | Hz | mean firing rate (at most [`MAX_SOURCE_RATE`](super::MAX_SOURCE_RATE), 1 MHz) |
/// | `start` | 0.0 | ms | start of the active window |
/// | `duration` | 1e10 | ms | length of the active window |
///
/// Recordables: `spikes`. No receptor types, no initial values.
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `SpikeSourcePoisson`.
/// - NEST 3.10, `models/poisson_generator.h`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeSourcePoisson {
    /// Mean rate (Hz).
    pub rate: f64,
    /// Start of activity (ms).
    pub start: f64,
    /// Duration of activity (ms).
    pub duration: f64,
}

scalar_cell_type!(SpikeSourcePoisson { rate, start, duration });

impl CellType for SpikeSourcePoisson {
    standard_cell_consts!(SpikeSourcePoisson);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
