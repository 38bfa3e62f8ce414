use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// A spike source emitting a Poisson process with dead time
/// (PyNN `SpikeSourcePoissonRefractory`; NEST `ppd_sup_generator` with one
/// component process).
///
/// # Definition
///
/// A renewal process whose inter-spike intervals are
///
/// ```text
/// ISI = tau_refrac + X,   X ~ Exponential(mean 1000/rate - tau_refrac)   (ms)
/// ```
///
/// so the mean rate is `rate` whatever the dead time, and
/// `rate * tau_refrac < 1000` is required (the dead time must be shorter
/// than the mean interval). The process is started in equilibrium at the
/// beginning of its window (the first spike follows the forward-recurrence
/// distribution: uniform on `[0, tau_refrac)` with probability
/// `tau_refrac / mean ISI`, else `tau_refrac + X`), so the rate is `rate`
/// from the first millisecond on, as for NEST's `ppd_sup_generator`.
///
/// Spike times are on the time grid: a spike of the continuous-time process
/// in step `(t_k, t_k+1]` is emitted with time `t_k+1` (as
/// `SpikeSourcePoisson`). Active in `(start, start + duration]`. Each cell
/// draws from its own stream, keyed by (session seed, population,
/// `"poisson_refractory"`, cell). Parameters may change between runs; the
/// process then restarts (in equilibrium) at the current time.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `rate` | 1.0 | Hz | mean firing rate (at most [`MAX_SOURCE_RATE`](super::MAX_SOURCE_RATE), 1 MHz) |
/// | `tau_refrac` | 0.0 | ms | dead time after each spike |
/// | `start` | 0.0 | ms | start of the active window |
/// | `duration` | 1e10 | ms | length of the active window |
///
/// Recordables: `spikes`. No receptor types, no initial values.
///
/// # References
///
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `SpikeSourcePoissonRefractory`.
/// - NEST 3.10, `models/ppd_sup_generator.h`.
/// - Deger M, Helias M, Boucsein C, Rotter S (2012) Statistical properties of
///   superimposed stationary spike trains. J Comput Neurosci 32:443–463.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeSourcePoissonRefractory {
    /// Mean rate (Hz).
    pub rate: f64,
    /// Dead time (ms).
    pub tau_refrac: f64,
    /// Start of activity (ms).
    pub start: f64,
    /// Duration of activity (ms).
    pub duration: f64,
}

scalar_cell_type!(SpikeSourcePoissonRefractory { rate, tau_refrac, start, duration });

impl CellType for SpikeSourcePoissonRefractory {
    standard_cell_consts!(SpikeSourcePoissonRefractory);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
