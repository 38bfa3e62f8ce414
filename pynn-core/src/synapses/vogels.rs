//! `Vogels2011Rule`: inhibitory plasticity of Vogels, Sprekeler, Zenke,
//! Clopath and Gerstner (2011), Science 334:1569, as NEST's
//! `vogels_sprekeler_synapse` (`models/vogels_sprekeler_synapse.h`).
//!
//! Symmetric: each synapse keeps a pre-synaptic trace and each
//! post-synaptic cell a trace, both `+1` per spike and decaying with `tau`.
//! A pre-synaptic spike at `t` (delay `d` taken as dendritic) first adds
//! `eta * pre trace` for every post-synaptic spike since the previous pre
//! spike (as `stdp_synapse`), then `eta * post trace(t - d)`, then
//! subtracts `alpha * eta` with `alpha = 2 rho tau` (rho in Hz, tau in s:
//! `alpha = 2 * rho * tau / 1000` with tau in ms; NEST's default
//! `alpha = 0.12` is rho = 3 Hz, tau = 20 ms). The weight magnitude stays
//! in `[w_min, w_max]` of the [`super::AdditiveWeightDependence`] it is
//! combined with (NEST: `[0, Wmax]`).
//!
//! | name | default | unit |
//! |---|---|---|
//! | `tau` | 20 | ms (one value per projection: also the post-synaptic trace's) |
//! | `eta` | 1e-10 | learning rate, nA / uS per unit trace |
//! | `rho` | 3 | Hz, target rate |

use crate::parameters::Value;

/// Vogels et al. (2011) timing dependence.
#[derive(Debug, Clone)]
pub struct Vogels2011Rule {
    /// Time constant of both traces (ms). Default 20.
    pub tau: Value,
    /// Learning rate (weight units). Default 1e-10.
    pub eta: Value,
    /// Target post-synaptic rate (Hz). Default 3.
    pub rho: Value,
}

impl Default for Vogels2011Rule {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::Vogels2011Rule;
        Vogels2011Rule {
            tau: Value::Scalar(T.default_of("tau")),
            eta: Value::Scalar(T.default_of("eta")),
            rho: Value::Scalar(T.default_of("rho")),
        }
    }
}

impl Vogels2011Rule {
    /// Time constant, learning rate and target rate.
    pub fn new(tau: impl Into<Value>, eta: impl Into<Value>, rho: impl Into<Value>) -> Self {
        Vogels2011Rule { tau: tau.into(), eta: eta.into(), rho: rho.into() }
    }
}
