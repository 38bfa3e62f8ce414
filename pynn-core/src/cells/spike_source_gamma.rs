use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// A spike source emitting a gamma renewal process (PyNN `SpikeSourceGamma`;
/// NEST `gamma_sup_generator` with one component process).
///
/// # Definition
///
/// Inter-spike intervals are independent and gamma distributed,
///
/// ```text
/// ISI ~ Gamma(shape = alpha, scale = 1000 / beta ms)
/// mean ISI = 1000 alpha / beta ms,   rate = beta / alpha Hz,   CV = 1 / sqrt(alpha)
/// ```
///
/// The process is started in equilibrium at the beginning of its window:
/// the first interval follows the forward-recurrence distribution
/// (`U * L` with `U ~ Uniform(0, 1)` and the length-biased interval
/// `L ~ Gamma(alpha + 1, 1000 / beta)`), so the rate is `beta / alpha` from
/// the start on, as for NEST's `gamma_sup_generator`.
///
/// Spike times are on the time grid: a spike of the continuous-time process
/// in step `(t_k, t_k+1]` is emitted with time `t_k+1`. Active in
/// `(start, start + duration]`. Each cell draws from its own stream, keyed
/// by (session seed, population, `"gamma"`, cell). Parameters may change
/// between runs; the process then restarts (in equilibrium) at the current
/// time.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `alpha` | 2.0 | — | shape of the ISI distribution (> 0) |
/// | `beta` | 1.0 | Hz | rate parameter (inverse scale) of the ISI distribution; `beta / alpha` at most [`MAX_SOURCE_RATE`](super::MAX_SOURCE_RATE) |
/// | `start` | 0.0 | ms | start of the active window |
/// | `duration` | 1e10 | ms | length of the active window |
///
/// Recordables: `spikes`. No receptor types, no initial values.
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `SpikeSourceGamma`
///   (NEST translation: `gamma_shape = alpha`, `rate = beta / alpha`).
/// - NEST 3.10, `models/gamma_sup_generator.h`.
/// - Cox DR (1962) *Renewal Theory*, §5.2 (equilibrium renewal process).
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeSourceGamma {
    /// Shape (dimensionless).
    pub alpha: f64,
    /// Rate parameter (Hz).
    pub beta: f64,
    /// Start of activity (ms).
    pub start: f64,
    /// Duration of activity (ms).
    pub duration: f64,
}

scalar_cell_type!(SpikeSourceGamma { alpha, beta, start, duration });

impl CellType for SpikeSourceGamma {
    standard_cell_consts!(SpikeSourceGamma);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
