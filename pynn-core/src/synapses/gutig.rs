//! `GutigWeightDependence`: potentiation proportional to
//! `(w_max - w)^mu_plus`, depression to `(w - w_min)^mu_minus`
//! (Gütig et al. 2003).
//!
//! In NEST's normalised form (`models/stdp_synapse.h`), with
//! `n = (|w| - w_min) / (w_max - w_min)`: potentiation
//! `n += A_plus (1 - n)^mu_plus K+`, depression `n -= A_minus n^mu_minus K-`,
//! clipped to `[w_min, w_max]`. Unlike PyNN 0.13's NEST backend (which
//! leaves NEST's `mu_plus = mu_minus = 1`), `mu_plus` and `mu_minus` are
//! honoured.
//!
//! | name | default | unit |
//! |---|---|---|
//! | `w_min` | 0 | nA / uS (magnitude) |
//! | `w_max` | 1 | nA / uS (magnitude) |
//! | `mu_plus` | 0.5 | exponent of potentiation, >= 0 |
//! | `mu_minus` | 0.5 | exponent of depression, >= 0 |

use crate::parameters::Value;

/// Weight dependence of Gütig et al. (2003).
#[derive(Debug, Clone)]
pub struct GutigWeightDependence {
    /// Smallest weight magnitude. Default 0.
    pub w_min: Value,
    /// Largest weight magnitude. Default 1.
    pub w_max: Value,
    /// Exponent of potentiation. Default 0.5.
    pub mu_plus: Value,
    /// Exponent of depression. Default 0.5.
    pub mu_minus: Value,
}

impl Default for GutigWeightDependence {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::GutigWeightDependence;
        GutigWeightDependence {
            w_min: Value::Scalar(T.default_of("w_min")),
            w_max: Value::Scalar(T.default_of("w_max")),
            mu_plus: Value::Scalar(T.default_of("mu_plus")),
            mu_minus: Value::Scalar(T.default_of("mu_minus")),
        }
    }
}

impl GutigWeightDependence {
    /// Bounds and exponents.
    pub fn new(
        w_min: impl Into<Value>,
        w_max: impl Into<Value>,
        mu_plus: impl Into<Value>,
        mu_minus: impl Into<Value>,
    ) -> Self {
        GutigWeightDependence {
            w_min: w_min.into(),
            w_max: w_max.into(),
            mu_plus: mu_plus.into(),
            mu_minus: mu_minus.into(),
        }
    }
}
