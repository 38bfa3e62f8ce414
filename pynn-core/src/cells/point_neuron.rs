//! PyNN's composed point neuron (PyNN 0.11+): a neuron component (`LIF` or
//! `AdExp`) with any number of named post-synaptic receptors.
//!
//! Unlike the standard cell types, whose schema is a set of constants, a
//! `PointNeuron`'s parameters (`"GABAA.e_syn"`), state variables, recordables
//! (`"AMPA.gsyn"`) and receptor types depend on its composition, so its
//! schema is built at run time ([`CellType::info`]): once per distinct
//! composition (neuron kind and receptor names and kinds), then kept for the
//! rest of the program (the schema types hold `&'static` data; a program
//! creates a handful of compositions, each costing a few hundred bytes).

use super::{CellType, CellTypeInfo, RecordableSpec, adex, lif};
use crate::error::{Error, Result};
use crate::parameters::{Domain, ParamSpec, Value};
use std::sync::Mutex;

/// Leaky integrate-and-fire neuron component of a [`PointNeuron`] (PyNN
/// `LIF`; PyNN 0.13 `pyNN/standardmodels/cells.py`): the membrane of
/// `IF_curr_exp` / `IF_cond_exp` without its synapses.
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `cm` | 1.0 | nF | membrane capacitance |
/// | `tau_refrac` | 0.1 | ms | refractory period |
/// | `v_reset` | -65.0 | mV | reset potential |
/// | `v_rest` | -65.0 | mV | resting potential |
/// | `tau_m` | 20.0 | ms | membrane time constant |
/// | `i_offset` | 0.0 | nA | constant injected current |
/// | `v_thresh` | -50.0 | mV | spike threshold |
///
/// State: `v` = -65.0 mV. Recordables: `spikes`, `v`.
#[derive(Debug, Clone, PartialEq)]
pub struct LIF {
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
    /// Spike threshold (mV).
    pub v_thresh: f64,
}

const LIF_SPECS: &[ParamSpec] =
    &[lif::CM, lif::TAU_REFRAC, lif::V_RESET, lif::V_REST, lif::TAU_M, lif::I_OFFSET, lif::V_THRESH];

impl Default for LIF {
    fn default() -> Self {
        LIF { cm: 1.0, tau_refrac: 0.1, v_reset: -65.0, v_rest: -65.0, tau_m: 20.0, i_offset: 0.0, v_thresh: -50.0 }
    }
}

/// Adaptive exponential integrate-and-fire neuron component of a
/// [`PointNeuron`] (PyNN `AdExp`): the membrane and adaptation of
/// `EIF_cond_alpha_isfa_ista` without its synapses, with the same defaults
/// (`cm` 0.281 nF, `tau_refrac` 0.1 ms, `v_spike` -40 mV, `v_reset` -70.6 mV,
/// `v_rest` -70.6 mV, `tau_m` 9.3667 ms, `i_offset` 0 nA, `a` 4 nS,
/// `b` 0.0805 nA, `delta_T` 2 mV, `tau_w` 144 ms, `v_thresh` -50.4 mV).
///
/// State: `v` = -70.6 mV, `w` = 0 nA. Recordables: `spikes`, `v`, `w`.
#[allow(non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct AdExp {
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Spike detection threshold (mV).
    pub v_spike: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
    /// Sub-threshold adaptation (nS).
    pub a: f64,
    /// Spike-triggered adaptation (nA).
    pub b: f64,
    /// Slope factor (mV).
    pub delta_T: f64,
    /// Adaptation time constant (ms).
    pub tau_w: f64,
    /// Spike initiation threshold (mV).
    pub v_thresh: f64,
}

const ADEX_SPECS: &[ParamSpec] = &[
    adex::CM,
    adex::TAU_REFRAC,
    adex::V_SPIKE,
    adex::V_RESET,
    adex::V_REST,
    adex::TAU_M,
    adex::I_OFFSET,
    adex::A,
    adex::B,
    adex::DELTA_T,
    adex::TAU_W,
    adex::V_THRESH,
];

impl Default for AdExp {
    fn default() -> Self {
        AdExp {
            cm: 0.281,
            tau_refrac: 0.1,
            v_spike: -40.0,
            v_reset: -70.6,
            v_rest: -70.6,
            tau_m: 9.3667,
            i_offset: 0.0,
            a: 4.0,
            b: 0.0805,
            delta_T: 2.0,
            tau_w: 144.0,
            v_thresh: -50.4,
        }
    }
}

/// The neuron component of a [`PointNeuron`].
#[derive(Debug, Clone, PartialEq)]
pub enum Neuron {
    /// Leaky integrate-and-fire.
    LIF(LIF),
    /// Adaptive exponential integrate-and-fire.
    AdExp(AdExp),
}

impl From<LIF> for Neuron {
    fn from(x: LIF) -> Self {
        Neuron::LIF(x)
    }
}
impl From<AdExp> for Neuron {
    fn from(x: AdExp) -> Self {
        Neuron::AdExp(x)
    }
}

/// Exponentially decaying synaptic current (PyNN
/// `CurrExpPostSynapticResponse`): a weight (nA) jumps the current, which
/// decays with `tau_syn` (default 5 ms). State/recordable `isyn` (nA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurrExpPostSynapticResponse {
    /// Decay time constant (ms).
    pub tau_syn: f64,
}

/// Exponentially decaying synaptic conductance (PyNN
/// `CondExpPostSynapticResponse`, alias `ExpPSR`): a weight (uS) jumps the
/// conductance, which decays with `tau_syn` (default 5 ms); reversal
/// potential `e_syn` (default 0 mV). State/recordable `gsyn` (uS).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CondExpPostSynapticResponse {
    /// Reversal potential (mV).
    pub e_syn: f64,
    /// Decay time constant (ms).
    pub tau_syn: f64,
}

/// Alpha-shaped synaptic conductance (PyNN `CondAlphaPostSynapticResponse`,
/// alias `AlphaPSR`): a weight (uS) is the peak conductance, reached
/// `tau_syn` (default 5 ms) after arrival; reversal potential `e_syn`
/// (default 0 mV). State/recordable `gsyn` (uS).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CondAlphaPostSynapticResponse {
    /// Reversal potential (mV).
    pub e_syn: f64,
    /// Time constant (ms).
    pub tau_syn: f64,
}

/// Beta-shaped (difference of exponentials) synaptic conductance (PyNN
/// `CondBetaPostSynapticResponse`, alias `BetaPSR`): a weight (uS) is the
/// peak conductance; rise `tau_rise` (default 0.2 ms), decay `tau_decay`
/// (default 1.7 ms), reversal potential `e_syn` (default 0 mV).
/// State/recordable `gsyn` (uS).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CondBetaPostSynapticResponse {
    /// Reversal potential (mV).
    pub e_syn: f64,
    /// Rise time constant (ms).
    pub tau_rise: f64,
    /// Decay time constant (ms).
    pub tau_decay: f64,
}

impl Default for CurrExpPostSynapticResponse {
    fn default() -> Self {
        CurrExpPostSynapticResponse { tau_syn: 5.0 }
    }
}
impl Default for CondExpPostSynapticResponse {
    fn default() -> Self {
        CondExpPostSynapticResponse { e_syn: 0.0, tau_syn: 5.0 }
    }
}
impl Default for CondAlphaPostSynapticResponse {
    fn default() -> Self {
        CondAlphaPostSynapticResponse { e_syn: 0.0, tau_syn: 5.0 }
    }
}
impl Default for CondBetaPostSynapticResponse {
    fn default() -> Self {
        CondBetaPostSynapticResponse { e_syn: 0.0, tau_rise: 0.2, tau_decay: 1.7 }
    }
}

/// PyNN's alias of [`CondExpPostSynapticResponse`].
pub type ExpPSR = CondExpPostSynapticResponse;
/// PyNN's alias of [`CondAlphaPostSynapticResponse`].
pub type AlphaPSR = CondAlphaPostSynapticResponse;
/// PyNN's alias of [`CondBetaPostSynapticResponse`].
pub type BetaPSR = CondBetaPostSynapticResponse;

/// A post-synaptic response component of a [`PointNeuron`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PostSynapticResponse {
    /// Exponential current.
    CurrExp(CurrExpPostSynapticResponse),
    /// Exponential conductance.
    CondExp(CondExpPostSynapticResponse),
    /// Alpha conductance.
    CondAlpha(CondAlphaPostSynapticResponse),
    /// Beta conductance.
    CondBeta(CondBetaPostSynapticResponse),
}

macro_rules! psr_from {
    ($($t:ident => $v:ident),*) => {$(
        impl From<$t> for PostSynapticResponse {
            fn from(x: $t) -> Self {
                PostSynapticResponse::$v(x)
            }
        }
    )*};
}
psr_from!(CurrExpPostSynapticResponse => CurrExp, CondExpPostSynapticResponse => CondExp,
    CondAlphaPostSynapticResponse => CondAlpha, CondBetaPostSynapticResponse => CondBeta);

/// The kind of a neuron component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeuronKind {
    /// [`LIF`].
    LIF,
    /// [`AdExp`].
    AdExp,
}

/// The kind of a post-synaptic response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PsrKind {
    /// [`CurrExpPostSynapticResponse`].
    CurrExp,
    /// [`CondExpPostSynapticResponse`].
    CondExp,
    /// [`CondAlphaPostSynapticResponse`].
    CondAlpha,
    /// [`CondBetaPostSynapticResponse`].
    CondBeta,
}

impl PsrKind {
    /// Whether weights are conductances.
    pub fn conductance_based(self) -> bool {
        self != PsrKind::CurrExp
    }
    fn specs(self) -> &'static [(&'static str, f64, &'static str, Domain, &'static str)] {
        match self {
            PsrKind::CurrExp => &[("tau_syn", 5.0, "ms", Domain::Positive, "decay time constant")],
            PsrKind::CondExp | PsrKind::CondAlpha => &[
                ("e_syn", 0.0, "mV", Domain::Finite, "reversal potential"),
                ("tau_syn", 5.0, "ms", Domain::Positive, "time constant"),
            ],
            PsrKind::CondBeta => &[
                ("e_syn", 0.0, "mV", Domain::Finite, "reversal potential"),
                ("tau_rise", 0.2, "ms", Domain::Positive, "rise time constant"),
                ("tau_decay", 1.7, "ms", Domain::Positive, "decay time constant"),
            ],
        }
    }
}

impl PostSynapticResponse {
    /// Its kind.
    pub fn kind(&self) -> PsrKind {
        match self {
            PostSynapticResponse::CurrExp(_) => PsrKind::CurrExp,
            PostSynapticResponse::CondExp(_) => PsrKind::CondExp,
            PostSynapticResponse::CondAlpha(_) => PsrKind::CondAlpha,
            PostSynapticResponse::CondBeta(_) => PsrKind::CondBeta,
        }
    }
    fn values(&self) -> Vec<f64> {
        match *self {
            PostSynapticResponse::CurrExp(p) => vec![p.tau_syn],
            PostSynapticResponse::CondExp(p) => vec![p.e_syn, p.tau_syn],
            PostSynapticResponse::CondAlpha(p) => vec![p.e_syn, p.tau_syn],
            PostSynapticResponse::CondBeta(p) => vec![p.e_syn, p.tau_rise, p.tau_decay],
        }
    }
}

/// What a [`PointNeuron`] is made of: the neuron kind and its receptors
/// (name and kind) in receptor order (sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Composition {
    /// The neuron component.
    pub neuron: NeuronKind,
    /// Receptor names and kinds, sorted by name.
    pub receptors: Vec<(&'static str, PsrKind)>,
}

/// A composed point neuron (PyNN `PointNeuron(neuron, **receptors)`): a
/// [`LIF`] or [`AdExp`] membrane with any number of named receptors.
///
/// * Receptor types are the receptor names sorted (PyNN's
///   `receptor_types`); projections choose one by name.
/// * Parameters are the neuron's (`"tau_m"`) and the receptors', named
///   `"<receptor>.<parameter>"` (`"GABAA.e_syn"`).
/// * State variables and recordables: the neuron's (`v`; AdExp also `w`)
///   and per receptor `"<receptor>.isyn"` (nA, current receptors) or
///   `"<receptor>.gsyn"` (uS, conductance receptors).
/// * Current- and conductance-based receptors cannot be mixed (PyNN raises
///   the same error). PyNN's `locations` parameter of the receptors is
///   meaningless for a point neuron and not represented.
///
/// ```
/// use pynn_core::cells::{AdExp, AlphaPSR, PointNeuron};
/// let cell = PointNeuron::new(
///     AdExp { tau_m: 10.0, v_rest: -60.0, ..Default::default() },
///     [("AMPA", AlphaPSR { tau_syn: 1.0, e_syn: 0.0 }), ("GABAA", AlphaPSR { tau_syn: 1.5, e_syn: -70.0 })],
/// )
/// .unwrap();
/// assert_eq!(cell.receptor_names(), ["AMPA", "GABAA"]);
/// ```
///
/// On the native engine: LIF + CurrExp receptors are integrated exactly as
/// NEST's `iaf_psc_exp_multisynapse`; AdEx with conductance receptors
/// (CondAlpha, CondBeta, CondExp, mixed) with the adaptive RKF45 as NEST's
/// `aeif_cond_alpha_multisynapse` / `aeif_cond_beta_multisynapse`; LIF with
/// conductance receptors with the RKF45 and membrane of NEST's `iaf_cond_exp`
/// (NEST has no multi-receptor model for it, so PyNN's NEST backend refuses
/// it; its NEURON and Brian2 backends build it). AdEx with current
/// receptors is refused (PyNN has no model for it on any simulator).
#[derive(Debug, Clone, PartialEq)]
pub struct PointNeuron {
    neuron: Neuron,
    receptors: Vec<(String, PostSynapticResponse)>,
}

impl PointNeuron {
    /// Composes a neuron with named receptors (any order; kept sorted by name).
    pub fn new<S, R>(neuron: impl Into<Neuron>, receptors: impl IntoIterator<Item = (S, R)>) -> Result<Self>
    where
        S: Into<String>,
        R: Into<PostSynapticResponse>,
    {
        let mut receptors: Vec<(String, PostSynapticResponse)> =
            receptors.into_iter().map(|(s, r)| (s.into(), r.into())).collect();
        receptors.sort_by(|a, b| a.0.cmp(&b.0));
        let object = "PointNeuron";
        if receptors.is_empty() {
            return Err(Error::invalid_value(object, "receptors", "none", "at least one named receptor"));
        }
        for w in receptors.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(Error::invalid_value(object, "receptor name", &w[0].0, "names used once each"));
            }
        }
        if let Some((name, _)) =
            receptors.iter().find(|(n, _)| n.is_empty() || n.contains('.') || n.contains(char::is_whitespace))
        {
            return Err(Error::invalid_value(
                object,
                "receptor name",
                format!("{name:?}"),
                "a non-empty name without '.' or spaces",
            ));
        }
        let conductance = receptors[0].1.kind().conductance_based();
        if let Some((name, r)) = receptors.iter().find(|(_, r)| r.kind().conductance_based() != conductance) {
            return Err(Error::invalid_value(
                object,
                format!("receptor {name}"),
                format!("{:?}", r.kind()),
                format!(
                    "receptors of one family only: cannot mix conductance-based and current-based receptors ({} is {:?})",
                    receptors[0].0,
                    receptors[0].1.kind()
                ),
            ));
        }
        Ok(PointNeuron { neuron: neuron.into(), receptors })
    }

    /// The neuron component.
    pub fn neuron(&self) -> &Neuron {
        &self.neuron
    }

    /// Receptor names, sorted (PyNN's `receptor_types`).
    pub fn receptor_names(&self) -> Vec<&str> {
        self.receptors.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The composition (neuron kind, receptor names and kinds).
    pub fn composition(&self) -> Composition {
        self.schema().1
    }

    fn schema(&self) -> (CellTypeInfo, Composition) {
        let neuron = match self.neuron {
            Neuron::LIF(_) => NeuronKind::LIF,
            Neuron::AdExp(_) => NeuronKind::AdExp,
        };
        let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        let found = reg.iter().find(|(c, _)| {
            c.neuron == neuron
                && c.receptors.len() == self.receptors.len()
                && c.receptors.iter().zip(&self.receptors).all(|(a, b)| a.0 == b.0 && a.1 == b.1.kind())
        });
        if let Some((c, info)) = found {
            return (*info, c.clone());
        }
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let receptors: Vec<(&'static str, PsrKind)> =
            self.receptors.iter().map(|(n, r)| (leak(n.clone()), r.kind())).collect();
        let conductance = receptors[0].1.conductance_based();
        let (mut parameters, mut state, mut recordables) = match neuron {
            NeuronKind::LIF => (LIF_SPECS.to_vec(), vec![lif::V], vec![RecordableSpec { name: "v", unit: "mV" }]),
            NeuronKind::AdExp => (
                ADEX_SPECS.to_vec(),
                vec![adex::V, adex::W],
                vec![RecordableSpec { name: "v", unit: "mV" }, RecordableSpec { name: "w", unit: "nA" }],
            ),
        };
        recordables.insert(0, RecordableSpec { name: "spikes", unit: "ms" });
        for (name, kind) in &receptors {
            for (p, default, unit, domain, doc) in kind.specs() {
                parameters.push(ParamSpec::scalar(leak(format!("{name}.{p}")), *default, unit, *domain, doc));
            }
            let (var, unit, doc) =
                if conductance { ("gsyn", "uS", "synaptic conductance") } else { ("isyn", "nA", "synaptic current") };
            let var = leak(format!("{name}.{var}"));
            state.push(ParamSpec::scalar(var, 0.0, unit, Domain::Finite, doc));
            recordables.push(RecordableSpec { name: var, unit });
        }
        let info = CellTypeInfo {
            name: "PointNeuron",
            parameters: Box::leak(parameters.into_boxed_slice()),
            state: Box::leak(state.into_boxed_slice()),
            recordables: Box::leak(recordables.into_boxed_slice()),
            receptors: Box::leak(receptors.iter().map(|(n, _)| *n).collect::<Vec<_>>().into_boxed_slice()),
            conductance_based: conductance,
            injectable: true,
        };
        let c = Composition { neuron, receptors };
        reg.push((c.clone(), info));
        (info, c)
    }
}

/// The schema of every composition built so far, so that equal
/// compositions share one (its rows are `&'static`, as every cell type's).
/// A cache only: backends receive the composition itself with the
/// population ([`CellType::composition`]).
static REGISTRY: Mutex<Vec<(Composition, CellTypeInfo)>> = Mutex::new(Vec::new());

/// The composition whose schema is `info` (a `PointNeuron` population's),
/// for `io::save_population`; `None` for other cell types.
pub(crate) fn composition_of(info: &CellTypeInfo) -> Option<Composition> {
    let reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    reg.iter().find(|(_, i)| std::ptr::eq(i.parameters, info.parameters)).map(|(c, _)| c.clone())
}

impl CellType for PointNeuron {
    const NAME: &'static str = "PointNeuron";
    // The schema depends on the composition: see `info`.
    const PARAMETERS: &'static [ParamSpec] = &[];
    const STATE: &'static [ParamSpec] = &[];
    const RECORDABLES: &'static [RecordableSpec] = &[RecordableSpec { name: "spikes", unit: "ms" }];
    const RECEPTORS: &'static [&'static str] = &[];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;

    fn parameter_values(&self) -> Vec<Value> {
        let mut v: Vec<f64> = match &self.neuron {
            Neuron::LIF(n) => vec![n.cm, n.tau_refrac, n.v_reset, n.v_rest, n.tau_m, n.i_offset, n.v_thresh],
            Neuron::AdExp(n) => vec![
                n.cm,
                n.tau_refrac,
                n.v_spike,
                n.v_reset,
                n.v_rest,
                n.tau_m,
                n.i_offset,
                n.a,
                n.b,
                n.delta_T,
                n.tau_w,
                n.v_thresh,
            ],
        };
        for (_, r) in &self.receptors {
            v.extend(r.values());
        }
        v.into_iter().map(Value::Scalar).collect()
    }

    fn info(&self) -> CellTypeInfo {
        self.schema().0
    }

    fn composition(&self) -> Option<Composition> {
        Some(self.schema().1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_follows_the_composition() {
        let c = PointNeuron::new(
            AdExp { tau_m: 10.0, v_rest: -60.0, ..Default::default() },
            [
                ("NMDA", AlphaPSR { tau_syn: 20.0, e_syn: 0.0 }),
                ("AMPA", AlphaPSR { tau_syn: 1.0, e_syn: 0.0 }),
                ("GABAA", AlphaPSR { tau_syn: 1.5, e_syn: -70.0 }),
            ],
        )
        .unwrap();
        let info = c.info();
        assert_eq!(info.receptors, ["AMPA", "GABAA", "NMDA"]);
        assert!(info.conductance_based);
        let names: Vec<&str> = info.parameters.iter().map(|p| p.name).collect();
        assert_eq!(
            &names[12..],
            ["AMPA.e_syn", "AMPA.tau_syn", "GABAA.e_syn", "GABAA.tau_syn", "NMDA.e_syn", "NMDA.tau_syn"]
        );
        let values = c.parameter_values();
        assert_eq!(values.len(), info.parameters.len());
        assert!(matches!(values[5], Value::Scalar(x) if x == 10.0), "tau_m");
        assert!(matches!(values[14], Value::Scalar(x) if x == -70.0), "GABAA.e_syn");
        let rec: Vec<&str> = info.recordables.iter().map(|r| r.name).collect();
        assert_eq!(rec, ["spikes", "v", "w", "AMPA.gsyn", "GABAA.gsyn", "NMDA.gsyn"]);
        // The same composition shares its schema; the registry finds it back.
        let again = PointNeuron::new(
            AdExp::default(),
            [("AMPA", AlphaPSR::default()), ("GABAA", AlphaPSR::default()), ("NMDA", AlphaPSR::default())],
        )
        .unwrap();
        assert!(std::ptr::eq(again.info().parameters, info.parameters));
        // What backends receive with the population (no lookup by schema).
        assert_eq!(CellType::composition(&again), Some(c.composition()));
        assert_eq!(CellType::composition(&crate::IF_curr_exp::default()), None);
    }

    #[test]
    fn bad_compositions_are_refused() {
        let mixed = PointNeuron::new(
            LIF::default(),
            [
                ("a", PostSynapticResponse::from(CurrExpPostSynapticResponse::default())),
                ("b", PostSynapticResponse::from(ExpPSR::default())),
            ],
        );
        let e = mixed.unwrap_err().to_string();
        assert!(e.contains("cannot mix conductance-based and current-based"), "{e}");
        let none = PointNeuron::new(LIF::default(), Vec::<(String, AlphaPSR)>::new()).unwrap_err().to_string();
        assert!(none.contains("at least one named receptor"), "{none}");
        let dup = PointNeuron::new(LIF::default(), [("x", ExpPSR::default()), ("x", ExpPSR::default())]);
        assert!(dup.unwrap_err().to_string().contains("names used once each"));
        let dot = PointNeuron::new(LIF::default(), [("a.b", ExpPSR::default())]);
        assert!(dot.unwrap_err().to_string().contains("without '.'"));
    }
}
