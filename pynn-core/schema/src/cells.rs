//! The tables of PyNN's standard cell types, one [`CellTable`] each, named
//! like the Rust type of `pynn-core` that implements it
//! (`cells::IF_curr_exp` describes `pynn_core::IF_curr_exp`).
//!
//! Values are PyNN 0.13's (`pyNN/standardmodels/cells.py`,
//! `default_parameters` and `default_initial_values`), in PyNN's units; each
//! model's equations and references are documented on its `pynn-core` type.
#![allow(non_upper_case_globals)]

use crate::spec::{Domain, ParamSpec, RecordableSpec, str_eq};

/// Everything the library and the `network!` macro know about one cell type
/// before any instance exists (what `pynn_core::CellType`'s constants say).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellTable {
    /// PyNN's name (e.g. `"IF_curr_exp"`), also the Rust type's name.
    pub name: &'static str,
    /// Parameters, in the order of the Rust struct's fields.
    pub parameters: &'static [ParamSpec],
    /// State variables that have initial values (`initialize`), with defaults.
    pub state: &'static [ParamSpec],
    /// Recordable variables, `"spikes"` first.
    pub recordables: &'static [RecordableSpec],
    /// Receptor types (`["excitatory", "inhibitory"]`; empty for sources).
    pub receptors: &'static [&'static str],
    /// Synaptic weights are conductances (uS) rather than currents (nA) or
    /// voltage jumps (mV).
    pub conductance_based: bool,
    /// Current sources can be injected.
    pub injectable: bool,
    /// Unit of a synaptic weight onto this cell type: `"uS"`
    /// (conductance-based), `"nA"` (current-based), `"mV"` (a jump of the
    /// membrane potential: `IF_curr_delta`, `Izhikevich`). Spike sources
    /// take no connections; theirs is `"nA"`.
    pub weight_unit: &'static str,
}

impl CellTable {
    /// The parameter called `name`.
    pub const fn parameter(&self, name: &str) -> Option<&'static ParamSpec> {
        let p = self.parameters;
        let mut i = 0;
        while i < p.len() {
            if str_eq(p[i].name, name) {
                return Some(&p[i]);
            }
            i += 1;
        }
        None
    }

    /// The default of parameter `name`.
    ///
    /// # Panics
    /// If `name` is not a parameter (at compile time when evaluated in a
    /// constant, which is how `pynn-core` uses it).
    pub const fn default_of(&self, name: &str) -> f64 {
        match self.parameter(name) {
            Some(p) => p.default,
            None => panic!("no such parameter in this cell table"),
        }
    }

    /// Whether `names` are exactly the parameters' names, in order (checks a
    /// Rust struct's fields against its table at compile time).
    pub const fn parameters_are(&self, names: &[&str]) -> bool {
        let p = self.parameters;
        if p.len() != names.len() {
            return false;
        }
        let mut i = 0;
        while i < p.len() {
            if !str_eq(p[i].name, names[i]) {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// Every standard cell type, in the order of
/// [`for_each_standard_cell!`](crate::for_each_standard_cell).
pub const STANDARD_CELL_TYPES: &[&CellTable] = {
    macro_rules! list {
        ($($name:ident),*) => { &[$(&$name),*] };
    }
    crate::for_each_standard_cell!(list)
};

/// The standard cell type called `name`.
pub fn cell_table(name: &str) -> Option<&'static CellTable> {
    STANDARD_CELL_TYPES.iter().copied().find(|c| c.name == name)
}

const SPIKES: RecordableSpec = RecordableSpec { name: "spikes", unit: "ms" };
const V: RecordableSpec = RecordableSpec { name: "v", unit: "mV" };
const EXC_INH: &[&str] = &["excitatory", "inhibitory"];
const fn rec(name: &'static str, unit: &'static str) -> RecordableSpec {
    RecordableSpec { name, unit }
}

/// Entries shared by the leaky integrate-and-fire models (PyNN's `IF_*`
/// defaults), one constant per parameter or state variable, named after it.
pub mod lif {
    use crate::spec::{Domain, ParamSpec};

    /// `v_rest`, -65 mV.
    pub const V_REST: ParamSpec =
        ParamSpec::scalar("v_rest", -65.0, "mV", Domain::Finite, "resting membrane potential");
    /// `cm`, 1 nF.
    pub const CM: ParamSpec = ParamSpec::scalar("cm", 1.0, "nF", Domain::Positive, "membrane capacitance");
    /// `tau_m`, 20 ms.
    pub const TAU_M: ParamSpec = ParamSpec::scalar("tau_m", 20.0, "ms", Domain::Positive, "membrane time constant");
    /// `tau_refrac`, 0.1 ms.
    pub const TAU_REFRAC: ParamSpec =
        ParamSpec::scalar("tau_refrac", 0.1, "ms", Domain::NonNegative, "refractory period");
    /// `i_offset`, 0 nA.
    pub const I_OFFSET: ParamSpec =
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, "constant injected current");
    /// `v_reset`, -65 mV.
    pub const V_RESET: ParamSpec =
        ParamSpec::scalar("v_reset", -65.0, "mV", Domain::Finite, "membrane potential after a spike");
    /// `v_thresh`, -50 mV.
    pub const V_THRESH: ParamSpec = ParamSpec::scalar("v_thresh", -50.0, "mV", Domain::Finite, "spike threshold");

    /// State `v`, -65 mV.
    pub const V: ParamSpec = ParamSpec::scalar("v", -65.0, "mV", Domain::Finite, "membrane potential");
    /// State `isyn_exc`, 0 nA.
    pub const ISYN_EXC: ParamSpec =
        ParamSpec::scalar("isyn_exc", 0.0, "nA", Domain::Finite, "excitatory synaptic current");
    /// State `isyn_inh`, 0 nA.
    pub const ISYN_INH: ParamSpec =
        ParamSpec::scalar("isyn_inh", 0.0, "nA", Domain::Finite, "inhibitory synaptic current");
}

/// Entries shared by the conductance-based models.
pub mod cond {
    use crate::spec::{Domain, ParamSpec, RecordableSpec};

    /// `e_rev_E`, 0 mV.
    pub const E_REV_E: ParamSpec =
        ParamSpec::scalar("e_rev_E", 0.0, "mV", Domain::Finite, "excitatory reversal potential");
    /// `e_rev_I`, -70 mV.
    pub const E_REV_I: ParamSpec =
        ParamSpec::scalar("e_rev_I", -70.0, "mV", Domain::Finite, "inhibitory reversal potential");
    /// State `gsyn_exc`, 0 uS.
    pub const GSYN_EXC: ParamSpec =
        ParamSpec::scalar("gsyn_exc", 0.0, "uS", Domain::Finite, "excitatory synaptic conductance");
    /// State `gsyn_inh`, 0 uS.
    pub const GSYN_INH: ParamSpec =
        ParamSpec::scalar("gsyn_inh", 0.0, "uS", Domain::Finite, "inhibitory synaptic conductance");
    /// `spikes`, `v`, `gsyn_exc`, `gsyn_inh`.
    pub const RECORDABLES: &[RecordableSpec] = &[
        RecordableSpec { name: "spikes", unit: "ms" },
        RecordableSpec { name: "v", unit: "mV" },
        RecordableSpec { name: "gsyn_exc", unit: "uS" },
        RecordableSpec { name: "gsyn_inh", unit: "uS" },
    ];
}

/// Entries of the adaptive exponential models (PyNN's EIF defaults).
pub mod adex {
    use crate::spec::{Domain, ParamSpec, RecordableSpec};

    /// `cm`, 0.281 nF.
    pub const CM: ParamSpec = ParamSpec::scalar("cm", 0.281, "nF", Domain::Positive, "membrane capacitance");
    /// `tau_refrac`, 0.1 ms.
    pub const TAU_REFRAC: ParamSpec =
        ParamSpec::scalar("tau_refrac", 0.1, "ms", Domain::NonNegative, "refractory period");
    /// `v_spike`, -40 mV.
    pub const V_SPIKE: ParamSpec =
        ParamSpec::scalar("v_spike", -40.0, "mV", Domain::Finite, "spike detection threshold");
    /// `v_reset`, -70.6 mV.
    pub const V_RESET: ParamSpec = ParamSpec::scalar("v_reset", -70.6, "mV", Domain::Finite, "reset potential");
    /// `v_rest`, -70.6 mV.
    pub const V_REST: ParamSpec = ParamSpec::scalar("v_rest", -70.6, "mV", Domain::Finite, "resting potential");
    /// `tau_m`, 9.3667 ms.
    pub const TAU_M: ParamSpec = ParamSpec::scalar("tau_m", 9.3667, "ms", Domain::Positive, "membrane time constant");
    /// `i_offset`, 0 nA.
    pub const I_OFFSET: ParamSpec =
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, "constant injected current");
    /// `a`, 4 nS.
    pub const A: ParamSpec = ParamSpec::scalar("a", 4.0, "nS", Domain::Finite, "sub-threshold adaptation");
    /// `b`, 0.0805 nA.
    pub const B: ParamSpec = ParamSpec::scalar("b", 0.0805, "nA", Domain::Finite, "spike-triggered adaptation");
    /// `delta_T`, 2 mV.
    pub const DELTA_T: ParamSpec = ParamSpec::scalar("delta_T", 2.0, "mV", Domain::NonNegative, "slope factor");
    /// `tau_w`, 144 ms.
    pub const TAU_W: ParamSpec = ParamSpec::scalar("tau_w", 144.0, "ms", Domain::Positive, "adaptation time constant");
    /// `v_thresh`, -50.4 mV.
    pub const V_THRESH: ParamSpec =
        ParamSpec::scalar("v_thresh", -50.4, "mV", Domain::Finite, "spike initiation threshold");
    /// `tau_syn_E`, 5 ms.
    pub const TAU_SYN_E: ParamSpec =
        ParamSpec::scalar("tau_syn_E", 5.0, "ms", Domain::Positive, "excitatory synaptic time constant");
    /// `e_rev_I`, -80 mV.
    pub const E_REV_I: ParamSpec =
        ParamSpec::scalar("e_rev_I", -80.0, "mV", Domain::Finite, "inhibitory reversal potential");
    /// `tau_syn_I`, 5 ms.
    pub const TAU_SYN_I: ParamSpec =
        ParamSpec::scalar("tau_syn_I", 5.0, "ms", Domain::Positive, "inhibitory synaptic time constant");
    /// State `v`, -70.6 mV.
    pub const V: ParamSpec = ParamSpec::scalar("v", -70.6, "mV", Domain::Finite, "membrane potential");
    /// State `w`, 0 nA.
    pub const W: ParamSpec = ParamSpec::scalar("w", 0.0, "nA", Domain::Finite, "adaptation current");
    /// `spikes`, `v`, `w`, `gsyn_exc`, `gsyn_inh`.
    pub const RECORDABLES: &[RecordableSpec] = &[
        RecordableSpec { name: "spikes", unit: "ms" },
        RecordableSpec { name: "v", unit: "mV" },
        RecordableSpec { name: "w", unit: "nA" },
        RecordableSpec { name: "gsyn_exc", unit: "uS" },
        RecordableSpec { name: "gsyn_inh", unit: "uS" },
    ];
}

/// A conductance-based model with receptors `excitatory`, `inhibitory`.
const fn conductance(
    name: &'static str,
    parameters: &'static [ParamSpec],
    state: &'static [ParamSpec],
    recordables: &'static [RecordableSpec],
) -> CellTable {
    CellTable {
        name,
        parameters,
        state,
        recordables,
        receptors: EXC_INH,
        conductance_based: true,
        injectable: true,
        weight_unit: "uS",
    }
}

/// A current-based (or, with `weight_unit` `"mV"`, voltage-jump) model with
/// receptors `excitatory`, `inhibitory`.
const fn current(
    name: &'static str,
    parameters: &'static [ParamSpec],
    state: &'static [ParamSpec],
    recordables: &'static [RecordableSpec],
    weight_unit: &'static str,
) -> CellTable {
    CellTable {
        name,
        parameters,
        state,
        recordables,
        receptors: EXC_INH,
        conductance_based: false,
        injectable: true,
        weight_unit,
    }
}

/// A spike source: no state, records `spikes`, no receptors, no injection.
const fn source(name: &'static str, parameters: &'static [ParamSpec]) -> CellTable {
    CellTable {
        name,
        parameters,
        state: &[],
        recordables: &[SPIKES],
        receptors: &[],
        conductance_based: false,
        injectable: false,
        weight_unit: "nA",
    }
}

const CURR_STATE: &[ParamSpec] = &[lif::V, lif::ISYN_EXC, lif::ISYN_INH];
const CURR_RECORDABLES: &[RecordableSpec] = &[SPIKES, V, rec("isyn_exc", "nA"), rec("isyn_inh", "nA")];
const COND_STATE: &[ParamSpec] = &[lif::V, cond::GSYN_EXC, cond::GSYN_INH];
const ADEX_STATE: &[ParamSpec] = &[adex::V, adex::W, cond::GSYN_EXC, cond::GSYN_INH];
const START: ParamSpec = ParamSpec::scalar("start", 0.0, "ms", Domain::NonNegative, "start of the active window");
const DURATION: ParamSpec =
    ParamSpec::scalar("duration", 1e10, "ms", Domain::NonNegative, "length of the active window");
const RATE: ParamSpec = ParamSpec::scalar("rate", 1.0, "Hz", Domain::NonNegative, "mean firing rate");

const fn tau_syn(name: &'static str, default: f64, doc: &'static str) -> ParamSpec {
    ParamSpec::scalar(name, default, "ms", Domain::Positive, doc)
}

/// `IF_curr_alpha`: LIF with alpha-function post-synaptic currents.
pub const IF_curr_alpha: CellTable = current(
    "IF_curr_alpha",
    &[
        lif::V_REST,
        lif::CM,
        lif::TAU_M,
        lif::TAU_REFRAC,
        tau_syn("tau_syn_E", 0.5, "rise time of the excitatory synaptic alpha function"),
        tau_syn("tau_syn_I", 0.5, "rise time of the inhibitory synaptic alpha function"),
        lif::I_OFFSET,
        lif::V_RESET,
        lif::V_THRESH,
    ],
    CURR_STATE,
    CURR_RECORDABLES,
    "nA",
);

/// `IF_curr_exp`: LIF with decaying-exponential post-synaptic currents.
pub const IF_curr_exp: CellTable = current(
    "IF_curr_exp",
    &[
        lif::V_REST,
        lif::CM,
        lif::TAU_M,
        lif::TAU_REFRAC,
        tau_syn("tau_syn_E", 5.0, "decay time of the excitatory synaptic current"),
        tau_syn("tau_syn_I", 5.0, "decay time of the inhibitory synaptic current"),
        lif::I_OFFSET,
        lif::V_RESET,
        lif::V_THRESH,
    ],
    CURR_STATE,
    CURR_RECORDABLES,
    "nA",
);

/// `IF_curr_delta`: LIF whose synaptic input is a jump of the membrane
/// potential (the weight, in mV).
pub const IF_curr_delta: CellTable = current(
    "IF_curr_delta",
    &[lif::V_REST, lif::CM, lif::TAU_M, lif::TAU_REFRAC, lif::I_OFFSET, lif::V_RESET, lif::V_THRESH],
    &[lif::V],
    &[SPIKES, V],
    "mV",
);

/// `IF_cond_exp`: LIF with decaying-exponential synaptic conductances.
pub const IF_cond_exp: CellTable = conductance(
    "IF_cond_exp",
    &[
        lif::V_REST,
        lif::CM,
        lif::TAU_M,
        lif::TAU_REFRAC,
        tau_syn("tau_syn_E", 5.0, "decay time of the excitatory synaptic conductance"),
        tau_syn("tau_syn_I", 5.0, "decay time of the inhibitory synaptic conductance"),
        cond::E_REV_E,
        cond::E_REV_I,
        lif::V_THRESH,
        lif::V_RESET,
        lif::I_OFFSET,
    ],
    COND_STATE,
    cond::RECORDABLES,
);

/// `IF_cond_alpha`: LIF with alpha-function synaptic conductances.
pub const IF_cond_alpha: CellTable = conductance(
    "IF_cond_alpha",
    &[
        lif::V_REST,
        lif::CM,
        lif::TAU_M,
        lif::TAU_REFRAC,
        tau_syn("tau_syn_E", 0.3, "rise time of the excitatory synaptic alpha function"),
        tau_syn("tau_syn_I", 0.5, "rise time of the inhibitory synaptic alpha function"),
        cond::E_REV_E,
        cond::E_REV_I,
        lif::V_THRESH,
        lif::V_RESET,
        lif::I_OFFSET,
    ],
    COND_STATE,
    cond::RECORDABLES,
);

/// `IF_cond_exp_gsfa_grr`: `IF_cond_exp` with spike-frequency adaptation
/// and relative refractoriness.
pub const IF_cond_exp_gsfa_grr: CellTable = conductance(
    "IF_cond_exp_gsfa_grr",
    &[
        lif::V_REST,
        lif::CM,
        lif::TAU_M,
        lif::TAU_REFRAC,
        tau_syn("tau_syn_E", 5.0, "decay time of the excitatory synaptic conductance"),
        tau_syn("tau_syn_I", 5.0, "decay time of the inhibitory synaptic conductance"),
        cond::E_REV_E,
        cond::E_REV_I,
        lif::V_THRESH,
        lif::V_RESET,
        lif::I_OFFSET,
        tau_syn("tau_sfa", 100.0, "time constant of spike-frequency adaptation"),
        ParamSpec::scalar("e_rev_sfa", -75.0, "mV", Domain::Finite, "reversal potential of spike-frequency adaptation"),
        ParamSpec::scalar("q_sfa", 15.0, "nS", Domain::Finite, "increment of g_s at a spike"),
        tau_syn("tau_rr", 2.0, "time constant of relative refractoriness"),
        ParamSpec::scalar("e_rev_rr", -75.0, "mV", Domain::Finite, "reversal potential of relative refractoriness"),
        ParamSpec::scalar("q_rr", 3000.0, "nS", Domain::Finite, "increment of g_r at a spike"),
    ],
    &[
        lif::V,
        ParamSpec::scalar("g_r", 0.0, "nS", Domain::Finite, "relative-refractoriness conductance"),
        ParamSpec::scalar("g_s", 0.0, "nS", Domain::Finite, "spike-frequency-adaptation conductance"),
        cond::GSYN_EXC,
        cond::GSYN_INH,
    ],
    &[SPIKES, V, rec("g_r", "nS"), rec("g_s", "nS"), rec("gsyn_exc", "uS"), rec("gsyn_inh", "uS")],
);

/// `IF_facets_hardware1`: the FACETS hardware's LIF (NEST `iaf_cond_exp`
/// with fixed values).
pub const IF_facets_hardware1: CellTable = conductance(
    "IF_facets_hardware1",
    &[
        ParamSpec::scalar("g_leak", 40.0, "nS", Domain::Positive, "leak conductance"),
        tau_syn("tau_syn_E", 30.0, "excitatory synaptic time constant"),
        tau_syn("tau_syn_I", 30.0, "inhibitory synaptic time constant"),
        ParamSpec::scalar("v_reset", -80.0, "mV", Domain::Finite, "reset potential"),
        ParamSpec::scalar("e_rev_I", -80.0, "mV", Domain::Finite, "inhibitory reversal potential"),
        ParamSpec::scalar("v_rest", -65.0, "mV", Domain::Finite, "resting potential"),
        ParamSpec::scalar("v_thresh", -55.0, "mV", Domain::Finite, "spike threshold"),
    ],
    COND_STATE,
    cond::RECORDABLES,
);

const ADEX_PARAMETERS: &[ParamSpec] = &[
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
    cond::E_REV_E,
    adex::TAU_SYN_E,
    adex::E_REV_I,
    adex::TAU_SYN_I,
];

/// `EIF_cond_exp_isfa_ista`: AdEx with decaying-exponential conductances.
pub const EIF_cond_exp_isfa_ista: CellTable =
    conductance("EIF_cond_exp_isfa_ista", ADEX_PARAMETERS, ADEX_STATE, adex::RECORDABLES);

/// `EIF_cond_alpha_isfa_ista`: AdEx with alpha-function conductances.
pub const EIF_cond_alpha_isfa_ista: CellTable =
    conductance("EIF_cond_alpha_isfa_ista", ADEX_PARAMETERS, ADEX_STATE, adex::RECORDABLES);

/// `HH_cond_exp`: Hodgkin-Huxley (Traub) with exponential conductances.
pub const HH_cond_exp: CellTable = conductance(
    "HH_cond_exp",
    &[
        ParamSpec::scalar("gbar_Na", 20.0, "uS", Domain::NonNegative, "maximal sodium conductance"),
        ParamSpec::scalar("gbar_K", 6.0, "uS", Domain::NonNegative, "maximal potassium conductance"),
        ParamSpec::scalar("g_leak", 0.01, "uS", Domain::NonNegative, "leak conductance"),
        ParamSpec::scalar("cm", 0.2, "nF", Domain::Positive, "membrane capacitance"),
        ParamSpec::scalar("v_offset", -63.0, "mV", Domain::Finite, "offset of the rate functions"),
        ParamSpec::scalar("e_rev_Na", 50.0, "mV", Domain::Finite, "sodium reversal potential"),
        ParamSpec::scalar("e_rev_K", -90.0, "mV", Domain::Finite, "potassium reversal potential"),
        ParamSpec::scalar("e_rev_leak", -65.0, "mV", Domain::Finite, "leak reversal potential"),
        cond::E_REV_E,
        ParamSpec::scalar("e_rev_I", -80.0, "mV", Domain::Finite, "inhibitory reversal potential"),
        tau_syn("tau_syn_E", 0.2, "excitatory synaptic time constant"),
        tau_syn("tau_syn_I", 2.0, "inhibitory synaptic time constant"),
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, "constant injected current"),
    ],
    &[
        ParamSpec::scalar("v", -65.0, "mV", Domain::Finite, "membrane potential"),
        cond::GSYN_EXC,
        cond::GSYN_INH,
        ParamSpec::scalar("h", 1.0, "", Domain::Finite, "sodium inactivation"),
        ParamSpec::scalar("m", 0.0, "", Domain::Finite, "sodium activation"),
        ParamSpec::scalar("n", 0.0, "", Domain::Finite, "potassium activation"),
    ],
    &[SPIKES, V, rec("gsyn_exc", "uS"), rec("gsyn_inh", "uS"), rec("m", ""), rec("h", ""), rec("n", "")],
);

/// `Izhikevich`: Izhikevich (2003); a weight is a jump of `v` (mV).
pub const Izhikevich: CellTable = current(
    "Izhikevich",
    &[
        ParamSpec::scalar("a", 0.02, "1/ms", Domain::Finite, "time scale of the recovery variable"),
        ParamSpec::scalar("b", 0.2, "1/ms", Domain::Finite, "sensitivity of the recovery variable"),
        ParamSpec::scalar("c", -65.0, "mV", Domain::Finite, "reset potential"),
        ParamSpec::scalar("d", 2.0, "mV/ms", Domain::Finite, "increment of u at a spike"),
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, "constant injected current"),
    ],
    &[
        ParamSpec::scalar("v", -70.0, "mV", Domain::Finite, "membrane potential"),
        ParamSpec::scalar("u", -14.0, "mV/ms", Domain::Finite, "recovery variable"),
    ],
    &[SPIKES, V, rec("u", "mV/ms")],
    "mV",
);

/// `GIF_cond_exp`: generalised integrate-and-fire with escape noise,
/// spike-triggered current and moving threshold (Pozzorini et al. 2015).
/// Its sequence parameters' defaults (`[1, 10, 100]`, `[1, 1, 1]`) are
/// written on the `pynn-core` type: a table default is a number.
pub const GIF_cond_exp: CellTable = conductance(
    "GIF_cond_exp",
    &[
        lif::V_REST,
        lif::CM,
        lif::TAU_M,
        ParamSpec::scalar("tau_refrac", 4.0, "ms", Domain::NonNegative, "refractory period"),
        tau_syn("tau_syn_E", 5.0, "excitatory synaptic time constant"),
        tau_syn("tau_syn_I", 5.0, "inhibitory synaptic time constant"),
        cond::E_REV_E,
        cond::E_REV_I,
        lif::V_RESET,
        lif::I_OFFSET,
        ParamSpec::scalar("delta_v", 0.5, "mV", Domain::Positive, "threshold sharpness"),
        ParamSpec::scalar("v_t_star", -48.0, "mV", Domain::Finite, "threshold baseline"),
        ParamSpec::scalar("lambda0", 1.0, "Hz", Domain::NonNegative, "firing intensity at threshold"),
        ParamSpec::sequence("tau_eta", "ms", Domain::PositiveSequence, "time constants of the spike-triggered current"),
        ParamSpec::sequence("tau_gamma", "ms", Domain::PositiveSequence, "time constants of the moving threshold"),
        ParamSpec::sequence("a_eta", "nA", Domain::AnySequence, "jumps of the spike-triggered current"),
        ParamSpec::sequence("a_gamma", "mV", Domain::AnySequence, "jumps of the moving threshold"),
    ],
    &[
        lif::V,
        ParamSpec::scalar("v_t", -48.0, "mV", Domain::Finite, "moving threshold"),
        ParamSpec::scalar("i_eta", 0.0, "nA", Domain::Finite, "spike-triggered current"),
        cond::GSYN_EXC,
        cond::GSYN_INH,
    ],
    &[SPIKES, V, rec("gsyn_exc", "uS"), rec("gsyn_inh", "uS"), rec("i_eta", "nA"), rec("v_t", "mV")],
);

/// `SpikeSourceArray`: spikes at given times.
pub const SpikeSourceArray: CellTable =
    source("SpikeSourceArray", &[ParamSpec::sequence("spike_times", "ms", Domain::NonDecreasing, "spike times")]);

/// `SpikeSourcePoisson`: a Poisson process.
pub const SpikeSourcePoisson: CellTable = source("SpikeSourcePoisson", &[RATE, START, DURATION]);

/// `SpikeSourcePoissonRefractory`: a Poisson process with dead time.
pub const SpikeSourcePoissonRefractory: CellTable = source(
    "SpikeSourcePoissonRefractory",
    &[
        RATE,
        ParamSpec::scalar("tau_refrac", 0.0, "ms", Domain::NonNegative, "dead time after each spike"),
        START,
        DURATION,
    ],
);

/// `SpikeSourceGamma`: a gamma renewal process.
pub const SpikeSourceGamma: CellTable = source(
    "SpikeSourceGamma",
    &[
        ParamSpec::scalar("alpha", 2.0, "", Domain::Positive, "shape of the ISI distribution"),
        ParamSpec::scalar("beta", 1.0, "Hz", Domain::NonNegative, "rate parameter of the ISI distribution"),
        START,
        DURATION,
    ],
);

/// `SpikeSourceInhGamma`: a gamma process with piecewise-constant shape and
/// scale (PyNN gives the scales `b` in seconds). Its sequences' defaults
/// (`a = [1]`, `b = [1]`, `tbins = [0]`) are written on the `pynn-core` type.
pub const SpikeSourceInhGamma: CellTable = source(
    "SpikeSourceInhGamma",
    &[
        ParamSpec::sequence("a", "", Domain::AnySequence, "shape per bin"),
        ParamSpec::sequence("b", "s", Domain::AnySequence, "scale per bin"),
        ParamSpec::sequence("tbins", "ms", Domain::Increasing, "start time of each bin"),
        START,
        DURATION,
    ],
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_well_formed() {
        assert_eq!(STANDARD_CELL_TYPES.len(), 17);
        for (k, c) in STANDARD_CELL_TYPES.iter().enumerate() {
            assert!(STANDARD_CELL_TYPES[..k].iter().all(|d| d.name != c.name), "{} twice", c.name);
            assert_eq!(c.recordables[0], SPIKES, "{}", c.name);
            assert_eq!(c.receptors.is_empty(), !c.injectable, "{}", c.name);
            if c.conductance_based {
                assert_eq!(c.weight_unit, "uS", "{}", c.name);
            }
            for (k, p) in c.parameters.iter().enumerate() {
                assert!(c.parameters[..k].iter().all(|q| q.name != p.name), "{}.{} twice", c.name, p.name);
                assert!(p.domain.check_scalar(p.default), "{}.{}", c.name, p.name);
            }
            assert_eq!(cell_table(c.name), Some(*c));
        }
        assert_eq!(cell_table("IF_curr_exp").and_then(|c| c.parameter("tau_m")), Some(&lif::TAU_M));
        assert!(IF_curr_exp.parameters_are(&[
            "v_rest",
            "cm",
            "tau_m",
            "tau_refrac",
            "tau_syn_E",
            "tau_syn_I",
            "i_offset",
            "v_reset",
            "v_thresh"
        ]));
        assert!(!IF_curr_exp.parameters_are(&["cm", "v_rest"]));
        assert_eq!(IF_curr_exp.default_of("tau_syn_E"), 5.0);
    }
}
