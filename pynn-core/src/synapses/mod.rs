//! Synapse types: how a connection transmits spikes and, for the plastic
//! ones, how its weight or efficacy changes.
//!
//! Every type has PyNN 0.13's name, parameters, units and defaults
//! (`pyNN/standardmodels/synapses.py`). Parameters are [`Value`]s: a
//! scalar, one value per connection, an `n_pre x n_post` array, a random
//! distribution or a function of distance, resolved per connection by the
//! core (same network on every backend). [`crate::Projection::new`] accepts
//! any [`SynapseType`].
//!
//! Names, defaults, units and allowed values of the parameters are written
//! once, in [`pynn_schema::synapses`], which the `network!` macro reads too.
//!
//! | type | NEST model it follows |
//! |---|---|
//! | [`StaticSynapse`] | `static_synapse` |
//! | [`TsodyksMarkramSynapse`] | `tsodyks_synapse` (PyNN 0.13's NEST mapping) |
//! | [`STDPMechanism`] with [`SpikePairRule`] | `stdp_synapse` (`mu_plus`/`mu_minus` from the weight dependence) |
//! | [`STDPMechanism`] with [`Vogels2011Rule`] | `vogels_sprekeler_synapse` |
//! | [`ElectricalSynapse`] | `gap_junction` (gap-capable models only) |
//! | [`SimpleStochasticSynapse`] | `bernoulli_synapse` |
//! | [`StochasticTsodyksMarkramSynapse`] | PyNN's NEST extension `stochastic_stp_synapse` (not in NEST itself) |
//! | [`MultiQuantalSynapse`] | `quantal_stp_synapse` |

mod additive;
mod additive_multiplicative;
mod gap;
mod gutig;
mod multiplicative;
mod spike_pair;
mod stdp;
pub mod stochastic;
mod tsodyks_markram;
mod vogels;

pub use crate::projection::StaticSynapse;
pub use additive::AdditiveWeightDependence;
pub use additive_multiplicative::AdditivePotentiationMultiplicativeDepression;
pub use gap::ElectricalSynapse;
pub use gutig::GutigWeightDependence;
pub use multiplicative::MultiplicativeWeightDependence;
pub use spike_pair::SpikePairRule;
pub use stdp::{STDPMechanism, TimingDependence, WeightDependence};
pub use stochastic::{MultiQuantalSynapse, SimpleStochasticSynapse, StochasticTsodyksMarkramSynapse};
pub use tsodyks_markram::TsodyksMarkramSynapse;
pub use vogels::Vogels2011Rule;

use crate::backend::SynapseKind;
use crate::error::{Error, Result};
use crate::parameters::Value;

/// What a synapse type's [`SynapseType::kind`] sees of the projection being
/// created. Every slice is per connection, in list order.
pub struct SynapseContext<'a> {
    /// The projection, for messages (`projection "label"`).
    pub object: &'a str,
    /// Receptor type of the post-synaptic side (`"excitatory"`, ...).
    pub receptor: &'a str,
    /// Whether the post-synaptic cells are conductance-based.
    pub conductance: bool,
    /// Weights (PyNN units, signed by PyNN's rule).
    pub weight: &'a [f64],
    /// The values of [`SynapseType::parameters`], same order.
    pub columns: &'a [(&'static str, Vec<f64>)],
    /// A parameter of each connection's post-synaptic cell (e.g.
    /// `"tau_syn_E"`), `None` if that cell type has no such parameter.
    pub post_parameter: &'a dyn Fn(&str) -> Option<Vec<f64>>,
    /// Key of the projection's release draws (stochastic synapses:
    /// [`stochastic::release_key`]), from the session seed and projection id.
    pub stream: u64,
}

impl SynapseContext<'_> {
    /// The resolved column `name` (one of the type's parameters).
    pub fn column(&self, name: &str) -> &[f64] {
        self.columns.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }

    /// The sign of every weight under PyNN's rule: `-1` for current-based
    /// inhibitory synapses, `+1` otherwise.
    pub fn sign(&self) -> f64 {
        if !self.conductance && self.receptor == "inhibitory" { -1.0 } else { 1.0 }
    }
}

/// A synapse type a [`crate::Projection`] can be created with.
pub trait SynapseType: std::fmt::Debug {
    /// PyNN's class name (for messages).
    fn name(&self) -> &'static str;
    /// The weight.
    fn weight(&self) -> &Value;
    /// The delay; `None` means the session's `min_delay`.
    fn delay(&self) -> Option<&Value>;
    /// Parameters besides weight and delay, resolved per connection by the
    /// core, in a fixed order.
    fn parameters(&self) -> Vec<(&'static str, Value)>;
    /// Attribute names `Projection::get` accepts (besides `weight`, `delay`).
    fn attributes(&self) -> &'static [&'static str];
    /// State variables: recorded by `Projection::state_history`, set by
    /// `Projection::initialize` where the type allows it (the stochastic
    /// types' state is read-only: the backends refuse it).
    fn state_variables(&self) -> &'static [&'static str];
    /// Validates the resolved values and describes the synapse model for
    /// the backend.
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind>;
}

impl SynapseType for StaticSynapse {
    fn name(&self) -> &'static str {
        "StaticSynapse"
    }
    fn weight(&self) -> &Value {
        &self.weight
    }
    fn delay(&self) -> Option<&Value> {
        self.delay.as_ref()
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
    fn kind(&self, _: &SynapseContext<'_>) -> Result<SynapseKind> {
        Ok(SynapseKind::Static)
    }
}

/// A boxed synapse type (chosen at run time) is a synapse type.
impl<S: SynapseType + ?Sized> SynapseType for Box<S> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn weight(&self) -> &Value {
        (**self).weight()
    }
    fn delay(&self) -> Option<&Value> {
        (**self).delay()
    }
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        (**self).parameters()
    }
    fn attributes(&self) -> &'static [&'static str] {
        (**self).attributes()
    }
    fn state_variables(&self) -> &'static [&'static str] {
        (**self).state_variables()
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        (**self).kind(ctx)
    }
}

/// Checks every value of `name` with `ok`; the error names the synapse
/// type, the parameter, the first bad value and `allowed`.
pub(crate) fn check_all(
    ctx: &SynapseContext<'_>,
    synapse: &str,
    name: &str,
    values: &[f64],
    ok: impl Fn(f64) -> bool,
    allowed: &str,
) -> Result<()> {
    match values.iter().find(|v| !v.is_finite() || !ok(**v)) {
        Some(v) => Err(Error::invalid_value(format!("{} ({synapse})", ctx.object), name, v, allowed)),
        None => Ok(()),
    }
}

/// Checks every value of the columns `names` (parameters or state
/// variables of `table`) against the table's domain; the error names the
/// synapse type, the parameter, the first bad value and the domain with
/// the table's unit and meaning. The one place the types with a table
/// (`pynn_schema::synapses`) check their values against it.
pub(crate) fn check_table(
    ctx: &SynapseContext<'_>,
    synapse: &str,
    table: &pynn_schema::SynapseTable,
    names: &[&str],
) -> Result<()> {
    for name in names {
        let Some(spec) = table.parameter(name).or(table.state_variable(name)) else { continue };
        check_all(ctx, synapse, name, ctx.column(name), |v| spec.domain.check_scalar(v), &allowed(spec))?;
    }
    Ok(())
}

/// What a table's parameter allows, for messages: the domain, the unit
/// and the meaning (`a number > 0 ms (recovery time constant)`).
pub(crate) fn allowed(spec: &pynn_schema::ParamSpec) -> String {
    let unit = if spec.unit.is_empty() { String::new() } else { format!(" {}", spec.unit) };
    format!("{}{unit} ({})", spec.domain.describe(), spec.doc)
}

/// The one value of a parameter that must be the same for every connection
/// (a property of the post-synaptic trace); `None` for an empty projection.
pub(crate) fn homogeneous(ctx: &SynapseContext<'_>, synapse: &str, name: &str, why: &str) -> Result<Option<f64>> {
    let v = ctx.column(name);
    match v.first() {
        None => Ok(None),
        Some(first) => match v.iter().find(|x| x.to_bits() != first.to_bits()) {
            None => Ok(Some(*first)),
            Some(other) => Err(Error::invalid_value(
                format!("{} ({synapse})", ctx.object),
                name,
                other,
                format!("the same value for every connection ({why}); found {first} and {other}"),
            )),
        },
    }
}
