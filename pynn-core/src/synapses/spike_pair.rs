//! `SpikePairRule`: pair-based STDP timing dependence, all-to-all pairing
//! (Song and Abbott; NEST's `stdp_synapse`).
//!
//! Each synapse keeps a pre-synaptic trace `K+` (`+1` per pre-synaptic
//! spike, decaying with `tau_plus`); each post-synaptic cell a trace `K-`
//! (`+1` per spike, decaying with `tau_minus`). With the whole delay `d`
//! taken as dendritic (`dendritic_delay_fraction = 1`), a pre-synaptic
//! spike at `t` first potentiates for every post-synaptic spike `t_j` with
//! `t_last - d < t_j <= t - d` using `K+(t_j + d)`, then depresses using
//! `K-(t - d)` (post spikes strictly before `t - d`); the weight change
//! itself comes from the weight dependence.
//!
//! | name | default | unit |
//! |---|---|---|
//! | `tau_plus` | 20 | ms |
//! | `tau_minus` | 20 | ms (one value per projection: a property of the post-synaptic trace, as in NEST) |
//! | `A_plus` | 0.01 | amplitude of potentiation, >= 0 |
//! | `A_minus` | 0.01 | amplitude of depression, >= 0 |

use crate::parameters::Value;

/// Pair-based STDP timing dependence.
#[allow(non_snake_case)]
#[derive(Debug, Clone)]
pub struct SpikePairRule {
    /// Time constant of potentiation (ms). Default 20.
    pub tau_plus: Value,
    /// Time constant of depression (ms). Default 20.
    pub tau_minus: Value,
    /// Amplitude of potentiation. Default 0.01.
    pub A_plus: Value,
    /// Amplitude of depression. Default 0.01.
    pub A_minus: Value,
}

impl Default for SpikePairRule {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::SpikePairRule;
        SpikePairRule {
            tau_plus: Value::Scalar(T.default_of("tau_plus")),
            tau_minus: Value::Scalar(T.default_of("tau_minus")),
            A_plus: Value::Scalar(T.default_of("A_plus")),
            A_minus: Value::Scalar(T.default_of("A_minus")),
        }
    }
}

impl SpikePairRule {
    /// Time constants and amplitudes.
    #[allow(non_snake_case)]
    pub fn new(
        tau_plus: impl Into<Value>,
        tau_minus: impl Into<Value>,
        A_plus: impl Into<Value>,
        A_minus: impl Into<Value>,
    ) -> Self {
        SpikePairRule {
            tau_plus: tau_plus.into(),
            tau_minus: tau_minus.into(),
            A_plus: A_plus.into(),
            A_minus: A_minus.into(),
        }
    }
}
