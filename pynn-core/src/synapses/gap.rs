//! `ElectricalSynapse`: gap junctions, a bidirectional conductance between
//! the membranes of two cells.
//!
//! # Model
//!
//! PyNN 0.13's `ElectricalSynapse` (`pyNN/standardmodels/synapses.py`:
//! one parameter, `weight`, the junction's conductance in uS; no delay).
//! A connection `pre -> post` of weight `g` is one junction: it injects
//!
//! ```text
//! I_post = g (v_pre - v_post)      I_pre = g (v_post - v_pre) = -I_post
//! ```
//!
//! (nA, with uS and mV), so one projection couples both cells
//! symmetrically, as PyNN's NEURON backend does (`pyNN/neuron/projections.py`
//! creates both halves of each junction) and NEST's `gap_junction` with
//! `make_symmetric`. Two cells connected twice (`a -> b` and `b -> a`)
//! have two junctions, i.e. twice the conductance.
//!
//! The receptor type of the projection plays no part: the junction is not
//! a synaptic receptor (PyNN's NEURON backend names it
//! `"source_section.gap"`; here any receptor the post-synaptic cells have
//! is accepted and ignored). Weights must be >= 0 (a conductance).
//!
//! # Backends
//!
//! | backend | how |
//! |---|---|
//! | native | junction currents from the voltages at the start of each step, held through the step (explicit coupling); both cells any type with a membrane potential `v` that takes injected current |
//! | NEURON | the native scheme, run by the driver (our cells are ARTIFICIAL_CELLs: no section for NEURON's own gap junctions); one process |
//! | NEST | `gap_junction` (waveform relaxation) between cells of NEST's gap-capable models (`hh_psc_alpha_gap`, `hh_cond_beta_gap_traub`; `HH_cond_exp` runs as the latter) |
//! | Brian2 | not supported (`Error::Unsupported`) |
//!
//! # Parameters
//!
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `weight` | 0 | uS | conductance of the junction, >= 0 |

use super::{SynapseContext, SynapseType, check_all};
use crate::backend::SynapseKind;
use crate::error::Result;
use crate::parameters::Value;

/// A gap junction: a bidirectional conductance between two cells (PyNN's
/// `ElectricalSynapse`).
#[derive(Debug, Clone)]
pub struct ElectricalSynapse {
    /// Conductance of the junction (uS), >= 0. Default 0.
    pub weight: Value,
}

impl Default for ElectricalSynapse {
    fn default() -> Self {
        ElectricalSynapse { weight: Value::Scalar(0.0) }
    }
}

impl ElectricalSynapse {
    /// A junction of conductance `weight` (uS).
    pub fn new(weight: impl Into<Value>) -> Self {
        ElectricalSynapse { weight: weight.into() }
    }
}

impl SynapseType for ElectricalSynapse {
    fn name(&self) -> &'static str {
        "ElectricalSynapse"
    }
    fn weight(&self) -> &Value {
        &self.weight
    }
    fn delay(&self) -> Option<&Value> {
        // No delay: the core fills in min_delay, which backends ignore.
        None
    }
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        Vec::new()
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn state_variables(&self) -> &'static [&'static str] {
        &[]
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        check_all(ctx, self.name(), "weight", ctx.weight, |w| w >= 0.0, "a conductance >= 0 uS")?;
        Ok(SynapseKind::Gap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(weight: &'a [f64], post: &'a dyn Fn(&str) -> Option<Vec<f64>>) -> SynapseContext<'a> {
        SynapseContext {
            object: "projection \"a→b\"",
            receptor: "excitatory",
            conductance: false,
            weight,
            columns: &[],
            post_parameter: post,
            stream: 0,
        }
    }

    #[test]
    fn weights_are_conductances() {
        let post = |_: &str| None;
        assert_eq!(ElectricalSynapse::new(0.01).kind(&ctx(&[0.0, 0.01], &post)).unwrap(), SynapseKind::Gap);
        let e = ElectricalSynapse::new(-0.01).kind(&ctx(&[0.01, -0.01], &post)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("ElectricalSynapse") && msg.contains("weight") && msg.contains(">= 0"), "{msg}");
        assert!(ElectricalSynapse::new(f64::NAN).kind(&ctx(&[f64::NAN], &post)).is_err());
    }
}
