//! `AdditiveWeightDependence`: The weight change does not depend on the weight.
//!
//! In NEST's normalised form (`models/stdp_synapse.h`), with
//! `n = (|w| - w_min) / (w_max - w_min)`: potentiation `n += A_plus K+`, depression `n -= A_minus K-`. The new weight is clipped to
//! `[w_min, w_max]`. NEST's `stdp_synapse` with `mu_plus = 0`,
//! `mu_minus = 0` (PyNN 0.13's NEST mapping), generalised to `w_min != 0`.
//!
//! | name | default | unit |
//! |---|---|---|
//! | `w_min` | 0 | nA / uS (magnitude) |
//! | `w_max` | 1 | nA / uS (magnitude) |

use crate::parameters::Value;

/// The weight change does not depend on the weight.
#[derive(Debug, Clone)]
pub struct AdditiveWeightDependence {
    /// Smallest weight magnitude. Default 0.
    pub w_min: Value,
    /// Largest weight magnitude. Default 1.
    pub w_max: Value,
}

impl Default for AdditiveWeightDependence {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::AdditiveWeightDependence;
        AdditiveWeightDependence {
            w_min: Value::Scalar(T.default_of("w_min")),
            w_max: Value::Scalar(T.default_of("w_max")),
        }
    }
}

impl AdditiveWeightDependence {
    /// Bounds `[w_min, w_max]`.
    pub fn new(w_min: impl Into<Value>, w_max: impl Into<Value>) -> Self {
        AdditiveWeightDependence { w_min: w_min.into(), w_max: w_max.into() }
    }
}
