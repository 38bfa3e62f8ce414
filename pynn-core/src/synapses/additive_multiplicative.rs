//! `AdditivePotentiationMultiplicativeDepression`: Fixed potentiation, depression proportional to `w - w_min`.
//!
//! In NEST's normalised form (`models/stdp_synapse.h`), with
//! `n = (|w| - w_min) / (w_max - w_min)`: potentiation `n += A_plus K+`, depression `n -= A_minus n K-`. The new weight is clipped to
//! `[w_min, w_max]`. NEST's `stdp_synapse` with `mu_plus = 0`,
//! `mu_minus = 1` (PyNN 0.13's NEST mapping), generalised to `w_min != 0`.
//!
//! | name | default | unit |
//! |---|---|---|
//! | `w_min` | 0 | nA / uS (magnitude) |
//! | `w_max` | 1 | nA / uS (magnitude) |

use crate::parameters::Value;

/// Fixed potentiation, depression proportional to `w - w_min`.
#[derive(Debug, Clone)]
pub struct AdditivePotentiationMultiplicativeDepression {
    /// Smallest weight magnitude. Default 0.
    pub w_min: Value,
    /// Largest weight magnitude. Default 1.
    pub w_max: Value,
}

impl Default for AdditivePotentiationMultiplicativeDepression {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::AdditivePotentiationMultiplicativeDepression;
        AdditivePotentiationMultiplicativeDepression {
            w_min: Value::Scalar(T.default_of("w_min")),
            w_max: Value::Scalar(T.default_of("w_max")),
        }
    }
}

impl AdditivePotentiationMultiplicativeDepression {
    /// Bounds `[w_min, w_max]`.
    pub fn new(w_min: impl Into<Value>, w_max: impl Into<Value>) -> Self {
        AdditivePotentiationMultiplicativeDepression { w_min: w_min.into(), w_max: w_max.into() }
    }
}
