//! `STDPMechanism`: a timing dependence combined with a weight dependence.
//!
//! | timing dependence | weight dependence | model followed |
//! |---|---|---|
//! | [`SpikePairRule`] | any of the four | NEST's `stdp_synapse`: Additive `mu = (0, 0)`, Multiplicative `(1, 1)`, AdditivePotentiationMultiplicativeDepression `(0, 1)`, Gutig its own `(mu_plus, mu_minus)` |
//! | [`Vogels2011Rule`] | [`AdditiveWeightDependence`] | NEST's `vogels_sprekeler_synapse` |
//!
//! Weights are bounded in magnitude: `w_min <= |weight| <= w_max`; the
//! sign is PyNN's (negative for current-based inhibitory synapses). Only
//! `dendritic_delay_fraction = 1` is supported (as in PyNN's NEST backend):
//! the plasticity rule sees the pre-synaptic spike at once and the
//! post-synaptic spike after the whole delay.

use super::{
    AdditivePotentiationMultiplicativeDepression, AdditiveWeightDependence, GutigWeightDependence,
    MultiplicativeWeightDependence, SpikePairRule, SynapseContext, SynapseType, Vogels2011Rule, check_all, homogeneous,
};
use crate::backend::{SynapseColumns, SynapseKind};
use crate::error::{Error, Result};
use crate::parameters::Value;

/// How the weight change depends on spike timing.
#[derive(Debug, Clone)]
pub enum TimingDependence {
    /// Pair-based STDP.
    SpikePair(SpikePairRule),
    /// Inhibitory plasticity of Vogels et al. (2011).
    Vogels2011(Vogels2011Rule),
}

impl From<SpikePairRule> for TimingDependence {
    fn from(r: SpikePairRule) -> Self {
        TimingDependence::SpikePair(r)
    }
}

impl From<Vogels2011Rule> for TimingDependence {
    fn from(r: Vogels2011Rule) -> Self {
        TimingDependence::Vogels2011(r)
    }
}

/// How the weight change depends on the current weight.
#[derive(Debug, Clone)]
pub enum WeightDependence {
    /// Independent of the weight.
    Additive(AdditiveWeightDependence),
    /// Proportional to the distance to the bound.
    Multiplicative(MultiplicativeWeightDependence),
    /// Additive potentiation, multiplicative depression.
    AdditivePotentiationMultiplicativeDepression(AdditivePotentiationMultiplicativeDepression),
    /// Gütig et al. (2003), with exponents.
    Gutig(GutigWeightDependence),
}

impl From<AdditiveWeightDependence> for WeightDependence {
    fn from(w: AdditiveWeightDependence) -> Self {
        WeightDependence::Additive(w)
    }
}
impl From<MultiplicativeWeightDependence> for WeightDependence {
    fn from(w: MultiplicativeWeightDependence) -> Self {
        WeightDependence::Multiplicative(w)
    }
}
impl From<AdditivePotentiationMultiplicativeDepression> for WeightDependence {
    fn from(w: AdditivePotentiationMultiplicativeDepression) -> Self {
        WeightDependence::AdditivePotentiationMultiplicativeDepression(w)
    }
}
impl From<GutigWeightDependence> for WeightDependence {
    fn from(w: GutigWeightDependence) -> Self {
        WeightDependence::Gutig(w)
    }
}

impl WeightDependence {
    /// PyNN's class name.
    pub fn name(&self) -> &'static str {
        match self {
            WeightDependence::Additive(_) => "AdditiveWeightDependence",
            WeightDependence::Multiplicative(_) => "MultiplicativeWeightDependence",
            WeightDependence::AdditivePotentiationMultiplicativeDepression(_) => {
                "AdditivePotentiationMultiplicativeDepression"
            }
            WeightDependence::Gutig(_) => "GutigWeightDependence",
        }
    }

    /// `w_min`, `w_max`, `mu_plus`, `mu_minus` (NEST's exponents).
    fn columns(&self) -> [(&'static str, Value); 4] {
        let fixed = |w_min: &Value, w_max: &Value, mu_plus: f64, mu_minus: f64| {
            [
                ("w_min", w_min.clone()),
                ("w_max", w_max.clone()),
                ("mu_plus", Value::Scalar(mu_plus)),
                ("mu_minus", Value::Scalar(mu_minus)),
            ]
        };
        match self {
            WeightDependence::Additive(w) => fixed(&w.w_min, &w.w_max, 0.0, 0.0),
            WeightDependence::Multiplicative(w) => fixed(&w.w_min, &w.w_max, 1.0, 1.0),
            WeightDependence::AdditivePotentiationMultiplicativeDepression(w) => fixed(&w.w_min, &w.w_max, 0.0, 1.0),
            WeightDependence::Gutig(w) => [
                ("w_min", w.w_min.clone()),
                ("w_max", w.w_max.clone()),
                ("mu_plus", w.mu_plus.clone()),
                ("mu_minus", w.mu_minus.clone()),
            ],
        }
    }
}

/// A spike-timing-dependent synapse (PyNN's `STDPMechanism`).
#[derive(Debug, Clone)]
pub struct STDPMechanism {
    /// The timing dependence.
    pub timing_dependence: TimingDependence,
    /// The weight dependence.
    pub weight_dependence: WeightDependence,
    /// Initial weight (nA or uS). Default 0.
    pub weight: Value,
    /// Delay (ms); `None`: `min_delay`.
    pub delay: Option<Value>,
    /// Fraction of the delay that is dendritic; only 1 is supported.
    pub dendritic_delay_fraction: f64,
}

impl STDPMechanism {
    /// A mechanism with weight 0, delay `min_delay` and the whole delay
    /// dendritic; set `weight` and `delay` with [`STDPMechanism::with`].
    pub fn new(timing_dependence: impl Into<TimingDependence>, weight_dependence: impl Into<WeightDependence>) -> Self {
        STDPMechanism {
            timing_dependence: timing_dependence.into(),
            weight_dependence: weight_dependence.into(),
            weight: Value::Scalar(0.0),
            delay: None,
            dendritic_delay_fraction: 1.0,
        }
    }

    /// The same mechanism with the given initial weight and delay.
    pub fn with(mut self, weight: impl Into<Value>, delay: impl Into<Value>) -> Self {
        self.weight = weight.into();
        self.delay = Some(delay.into());
        self
    }
}

impl SynapseType for STDPMechanism {
    fn name(&self) -> &'static str {
        "STDPMechanism"
    }
    fn weight(&self) -> &Value {
        &self.weight
    }
    fn delay(&self) -> Option<&Value> {
        self.delay.as_ref()
    }
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        let mut p = match &self.timing_dependence {
            TimingDependence::SpikePair(r) => vec![
                ("tau_plus", r.tau_plus.clone()),
                ("tau_minus", r.tau_minus.clone()),
                ("A_plus", r.A_plus.clone()),
                ("A_minus", r.A_minus.clone()),
            ],
            TimingDependence::Vogels2011(r) => {
                vec![("tau", r.tau.clone()), ("eta", r.eta.clone()), ("rho", r.rho.clone())]
            }
        };
        p.extend(self.weight_dependence.columns());
        p
    }
    fn attributes(&self) -> &'static [&'static str] {
        match self.timing_dependence {
            TimingDependence::SpikePair(_) => {
                &["tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max", "mu_plus", "mu_minus"]
            }
            TimingDependence::Vogels2011(_) => &["tau", "eta", "rho", "w_min", "w_max"],
        }
    }
    fn state_variables(&self) -> &'static [&'static str] {
        &[]
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        let me = self.name();
        let object = format!("{} ({me})", ctx.object);
        let f = self.dendritic_delay_fraction;
        if (0.0..1.0).contains(&f) {
            // Valid PyNN, not supported here: its own error kind.
            return Err(Error::unsupported(
                "pynn-rs",
                format!("{object}: dendritic_delay_fraction = {f}"),
                "use 1 (the whole delay dendritic, as PyNN's NEST backend does)",
            ));
        }
        if f != 1.0 {
            let allowed = "a fraction in [0, 1]; only 1 (the whole delay dendritic) is supported";
            return Err(Error::invalid_value(object, "dendritic_delay_fraction", f, allowed));
        }
        // The allowed values are the tables' (`pynn_schema::synapses`, which
        // `network!` checks literals against); the words are this type's.
        let ok = |table: pynn_schema::SynapseTable, name: &str| {
            let domain = table.parameter(name).map(|p| p.domain);
            move |v: f64| domain.is_some_and(|d| d.check_scalar(v))
        };
        use pynn_schema::synapses::{AdditiveWeightDependence as Bounds, GutigWeightDependence as Gutig};
        use pynn_schema::synapses::{SpikePairRule as Pair, Vogels2011Rule as Vogels};
        let (w_min, w_max) = (ctx.column("w_min"), ctx.column("w_max"));
        check_all(ctx, me, "w_min", w_min, ok(Bounds, "w_min"), "a weight magnitude >= 0")?;
        check_all(ctx, me, "w_max", w_max, ok(Bounds, "w_max"), "a weight magnitude >= 0")?;
        if let Some(k) = (0..w_min.len()).find(|k| w_min[*k] > w_max[*k]) {
            return Err(Error::invalid_value(
                object,
                "w_min",
                w_min[k],
                format!("w_min <= w_max (w_max = {})", w_max[k]),
            ));
        }
        if let Some(k) = (0..ctx.weight.len()).find(|k| {
            let w = ctx.weight[*k].abs();
            w < w_min[*k] || w > w_max[*k]
        }) {
            return Err(Error::invalid_value(
                object,
                "weight",
                ctx.weight[k],
                format!(
                    "a weight whose magnitude lies in [w_min, w_max] = [{}, {}] of the {}",
                    w_min[k],
                    w_max[k],
                    self.weight_dependence.name()
                ),
            ));
        }
        let columns =
            |names: &[&'static str]| SynapseColumns(names.iter().map(|n| (*n, ctx.column(n).to_vec())).collect());
        match &self.timing_dependence {
            TimingDependence::SpikePair(_) => {
                check_all(ctx, me, "tau_plus", ctx.column("tau_plus"), ok(Pair, "tau_plus"), "a time constant > 0 ms")?;
                check_all(
                    ctx,
                    me,
                    "tau_minus",
                    ctx.column("tau_minus"),
                    ok(Pair, "tau_minus"),
                    "a time constant > 0 ms",
                )?;
                check_all(ctx, me, "A_plus", ctx.column("A_plus"), ok(Pair, "A_plus"), "an amplitude >= 0")?;
                check_all(ctx, me, "A_minus", ctx.column("A_minus"), ok(Pair, "A_minus"), "an amplitude >= 0")?;
                check_all(ctx, me, "mu_plus", ctx.column("mu_plus"), ok(Gutig, "mu_plus"), "an exponent >= 0")?;
                check_all(ctx, me, "mu_minus", ctx.column("mu_minus"), ok(Gutig, "mu_minus"), "an exponent >= 0")?;
                let tau_minus =
                    homogeneous(ctx, me, "tau_minus", "it is the time constant of the post-synaptic trace")?;
                Ok(SynapseKind::SpikePairStdp {
                    tau_minus: tau_minus.unwrap_or(20.0),
                    sign: ctx.sign(),
                    columns: columns(&["tau_plus", "A_plus", "A_minus", "w_min", "w_max", "mu_plus", "mu_minus"]),
                })
            }
            TimingDependence::Vogels2011(_) => {
                if !matches!(self.weight_dependence, WeightDependence::Additive(_)) {
                    return Err(Error::invalid_value(
                        object,
                        "weight_dependence",
                        self.weight_dependence.name(),
                        "AdditiveWeightDependence (Vogels2011Rule bounds the weight additively, as NEST's \
                         vogels_sprekeler_synapse)",
                    ));
                }
                check_all(ctx, me, "tau", ctx.column("tau"), ok(Vogels, "tau"), "a time constant > 0 ms")?;
                check_all(ctx, me, "eta", ctx.column("eta"), ok(Vogels, "eta"), "a learning rate >= 0")?;
                check_all(ctx, me, "rho", ctx.column("rho"), ok(Vogels, "rho"), "a target rate >= 0 Hz")?;
                let tau = homogeneous(ctx, me, "tau", "it is also the time constant of the post-synaptic trace")?;
                Ok(SynapseKind::Vogels2011 {
                    tau: tau.unwrap_or(20.0),
                    sign: ctx.sign(),
                    columns: columns(&["tau", "eta", "rho", "w_min", "w_max"]),
                })
            }
        }
    }
}
