//! The translation table of the NEST backend: PyNN model, parameter and
//! variable names and units to NEST's, in one place.
//!
//! Follows PyNN 0.13's NEST backend (`pyNN/nest/standardmodels/cells.py`,
//! re-implemented and verified in `tests/data/nest_reference.py`): currents
//! nA -> pA (x1000), capacitances nF -> pF (x1000), conductances uS -> nS
//! (x1000), the leak conductance of conductance-based models derived as
//! `g_L = cm / tau_m * 1000` (nS), synaptic weights x1000 (for voltage-jump
//! synapses x1000 x 1e-3, as PyNN does), inhibitory conductance weights
//! negated (NEST routes a connection by the sign of its weight).

use pynn_core::cells::{CellType, Composition, NeuronKind, PsrKind};
use std::sync::Mutex;

/// How a population of a model is built in NEST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A neuron model.
    Neuron,
    /// A NEST spike-emitting device used by name (`poisson_generator`,
    /// `sinusoidal_poisson_generator`, ...) -> `parrot_neuron`, as PyNN's
    /// `native_cell_type` builds it; its parameters are the device's, in
    /// NEST's units and times (the parrot re-emits its spikes `min_delay`
    /// later).
    Stimulator,
    /// `spike_generator` -> `parrot_neuron` (SpikeSourceArray).
    SpikeArray,
    /// `spike_generator` -> `parrot_neuron` fed with the trains of the
    /// native engine's kernel (random sources: SpikeSourcePoisson,
    /// SpikeSourcePoissonRefractory, SpikeSourceGamma, SpikeSourceInhGamma),
    /// so that their spikes are the native engine's.
    Renewal,
}

/// How one PyNN parameter becomes a NEST parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// `nest = pynn * factor`.
    Scale(&'static str, f64),
    /// PyNN's `tau_m` of a conductance-based model: `g_L = cm / tau_m * 1000`
    /// (nS), from the same cell's `cm` (nF).
    LeakFromCm,
    /// Used only by the translation of other parameters (e.g. spike sources).
    Special,
    /// A sequence parameter: `nest[j] = pynn[j] * factor` for every element
    /// (GIF_cond_exp's `tau_eta`, `a_eta`, ...).
    SequenceScale(&'static str, f64),
    /// A receptor parameter of a composed neuron (`"GABAA.e_syn"`): element
    /// `port` (0-based) of NEST's per-port list `nest` (`E_rev`), times `factor`.
    Port(&'static str, usize, f64),
}

/// A PyNN state variable or recordable and its NEST counterpart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Var {
    /// PyNN's name.
    pub pynn: &'static str,
    /// NEST's name.
    pub nest: &'static str,
    /// `nest = pynn * factor`.
    pub factor: f64,
    /// Whether NEST lets the state be set (`I_syn_ex` of `iaf_psc_*`, and
    /// `g_ex` of `hh_cond_exp_traub`, cannot; a non-zero initial value is
    /// then an error).
    pub settable: bool,
}

/// How synaptic weights are translated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightRule {
    /// `nest = pynn * scale * extra` (PyNN's own order of operations):
    /// 1000 for the standard models (nA -> pA, uS -> nS), 1 for NEST models
    /// used by name, whose weights are in NEST's units.
    pub scale: f64,
    /// Second factor (1e-3 for PyNN's voltage-jump synapses).
    pub extra: f64,
    /// Inhibitory weights are negated (conductance-based models).
    pub negate_inhibitory: bool,
}

/// One row of the table: a PyNN cell type on NEST.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NestModel {
    /// PyNN's name.
    pub pynn: &'static str,
    /// NEST model (for spike sources: the generator).
    pub nest: &'static str,
    /// How it is built.
    pub kind: Kind,
    /// PyNN parameter -> NEST parameter.
    pub params: &'static [(&'static str, Rule)],
    /// NEST parameters with fixed values (always sent).
    pub fixed: &'static [(&'static str, f64)],
    /// State variables (initial values) and recordables.
    pub vars: &'static [Var],
    /// Synaptic weights.
    pub weight: WeightRule,
}

const fn v(pynn: &'static str, nest: &'static str, factor: f64) -> Var {
    Var { pynn, nest, factor, settable: true }
}
const fn fixed_var(pynn: &'static str, nest: &'static str, factor: f64) -> Var {
    Var { pynn, nest, factor, settable: false }
}

const CURRENT: WeightRule = WeightRule { scale: 1000.0, extra: 1.0, negate_inhibitory: false };
const JUMP: WeightRule = WeightRule { scale: 1000.0, extra: 1e-3, negate_inhibitory: false };
const CONDUCTANCE: WeightRule = WeightRule { scale: 1000.0, extra: 1.0, negate_inhibitory: true };

use Rule::{LeakFromCm, Scale};

const LIF_CURR: &[(&str, Rule)] = &[
    ("v_rest", Scale("E_L", 1.0)),
    ("cm", Scale("C_m", 1000.0)),
    ("tau_m", Scale("tau_m", 1.0)),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("v_thresh", Scale("V_th", 1.0)),
];
const LIF_COND: &[(&str, Rule)] = &[
    ("v_rest", Scale("E_L", 1.0)),
    ("cm", Scale("C_m", 1000.0)),
    ("tau_m", LeakFromCm),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
    ("e_rev_E", Scale("E_ex", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("v_thresh", Scale("V_th", 1.0)),
];
const GSFA_GRR: &[(&str, Rule)] = &[
    ("v_rest", Scale("E_L", 1.0)),
    ("cm", Scale("C_m", 1000.0)),
    ("tau_m", LeakFromCm),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
    ("e_rev_E", Scale("E_ex", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("v_thresh", Scale("V_th", 1.0)),
    ("tau_sfa", Scale("tau_sfa", 1.0)),
    ("e_rev_sfa", Scale("E_sfa", 1.0)),
    ("q_sfa", Scale("q_sfa", 1.0)),
    ("tau_rr", Scale("tau_rr", 1.0)),
    ("e_rev_rr", Scale("E_rr", 1.0)),
    ("q_rr", Scale("q_rr", 1.0)),
];
const ADEX: &[(&str, Rule)] = &[
    ("cm", Scale("C_m", 1000.0)),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("v_spike", Scale("V_peak", 1.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("v_rest", Scale("E_L", 1.0)),
    ("tau_m", LeakFromCm),
    ("i_offset", Scale("I_e", 1000.0)),
    ("a", Scale("a", 1.0)),
    ("b", Scale("b", 1000.0)),
    ("delta_T", Scale("Delta_T", 1.0)),
    ("tau_w", Scale("tau_w", 1.0)),
    ("v_thresh", Scale("V_th", 1.0)),
    ("e_rev_E", Scale("E_ex", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
];
const HH: &[(&str, Rule)] = &[
    ("gbar_Na", Scale("g_Na", 1000.0)),
    ("gbar_K", Scale("g_K", 1000.0)),
    ("g_leak", Scale("g_L", 1000.0)),
    ("cm", Scale("C_m", 1000.0)),
    ("v_offset", Scale("V_T", 1.0)),
    ("e_rev_Na", Scale("E_Na", 1.0)),
    ("e_rev_K", Scale("E_K", 1.0)),
    ("e_rev_leak", Scale("E_L", 1.0)),
    ("e_rev_E", Scale("E_ex", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
];
const FACETS: &[(&str, Rule)] = &[
    ("g_leak", Scale("g_L", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("v_rest", Scale("E_L", 1.0)),
    ("v_thresh", Scale("V_th", 1.0)),
];
const IZHIKEVICH: &[(&str, Rule)] = &[
    ("a", Scale("a", 1.0)),
    ("b", Scale("b", 1.0)),
    ("c", Scale("c", 1.0)),
    ("d", Scale("d", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
];

const CURR_VARS: &[Var] =
    &[v("v", "V_m", 1.0), fixed_var("isyn_exc", "I_syn_ex", 1000.0), fixed_var("isyn_inh", "I_syn_in", 1000.0)];
const COND_VARS: &[Var] = &[v("v", "V_m", 1.0), v("gsyn_exc", "g_ex", 1000.0), v("gsyn_inh", "g_in", 1000.0)];
const ADEX_VARS: &[Var] =
    &[v("v", "V_m", 1.0), v("w", "w", 1000.0), v("gsyn_exc", "g_ex", 1000.0), v("gsyn_inh", "g_in", 1000.0)];
const GSFA_VARS: &[Var] = &[
    v("v", "V_m", 1.0),
    v("g_r", "g_rr", 1.0),
    v("g_s", "g_sfa", 1.0),
    v("gsyn_exc", "g_ex", 1000.0),
    v("gsyn_inh", "g_in", 1000.0),
];
const HH_VARS: &[Var] = &[
    v("v", "V_m", 1.0),
    fixed_var("gsyn_exc", "g_ex", 1000.0),
    fixed_var("gsyn_inh", "g_in", 1000.0),
    v("h", "Inact_h", 1.0),
    v("m", "Act_m", 1.0),
    v("n", "Act_n", 1.0),
];

/// PyNN 0.13 `pyNN/nest/standardmodels/cells.py`, class `GIF_cond_exp`
/// (`lambda0` Hz is NEST's `lambda_0` in 1/s; `a_eta` nA -> `q_stc` pA).
const GIF: &[(&str, Rule)] = &[
    ("v_rest", Scale("E_L", 1.0)),
    ("cm", Scale("C_m", 1000.0)),
    ("tau_m", LeakFromCm),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("tau_syn_E", Scale("tau_syn_ex", 1.0)),
    ("tau_syn_I", Scale("tau_syn_in", 1.0)),
    ("e_rev_E", Scale("E_ex", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
    ("delta_v", Scale("Delta_V", 1.0)),
    ("v_t_star", Scale("V_T_star", 1.0)),
    ("lambda0", Scale("lambda_0", 1.0)),
    ("tau_eta", Rule::SequenceScale("tau_stc", 1.0)),
    ("tau_gamma", Rule::SequenceScale("tau_sfa", 1.0)),
    ("a_eta", Rule::SequenceScale("q_stc", 1000.0)),
    ("a_gamma", Rule::SequenceScale("q_sfa", 1.0)),
];
/// NEST cannot set `I_stc` and `E_sfa` (sums of the adaptation elements).
const GIF_VARS: &[Var] = &[
    v("v", "V_m", 1.0),
    fixed_var("v_t", "E_sfa", 1.0),
    fixed_var("i_eta", "I_stc", 1000.0),
    v("gsyn_exc", "g_ex", 1000.0),
    v("gsyn_inh", "g_in", 1000.0),
];

const fn neuron(
    pynn: &'static str,
    nest: &'static str,
    params: &'static [(&'static str, Rule)],
    vars: &'static [Var],
    weight: WeightRule,
) -> NestModel {
    NestModel { pynn, nest, kind: Kind::Neuron, params, fixed: &[], vars, weight }
}

/// NEST 3.10's neuron models that take `gap_junction` connections
/// (`node_uses_wfr`; asked of NEST 3.10.0: `hh_psc_alpha_gap`,
/// `hh_cond_beta_gap_traub`; `hh_cond_exp_traub`, PyNN's model of
/// `HH_cond_exp`, is not among them).
pub const GAP_MODELS: &[&str] = &["hh_psc_alpha_gap", "hh_cond_beta_gap_traub"];

/// `HH_cond_exp` on NEST's gap-capable `hh_cond_beta_gap_traub`, used for
/// populations that take part in gap junctions: the same membrane and
/// channel equations as `hh_cond_exp_traub` (Traub's rates with `V_T`, the
/// same spike rule and dead time; `models/hh_cond_beta_gap_traub.h`), but
/// beta-shaped synaptic conductances: `tau_decay` is PyNN's `tau_syn`, and
/// the rise time is fixed at [`GAP_TAU_RISE`], so that a spike's
/// conductance follows the exponential `HH_cond_exp` prescribes to within
/// `tau_rise / tau_syn` (0.5 % at the default `tau_syn_E` of 0.2 ms).
pub static HH_GAP: NestModel = NestModel {
    pynn: "HH_cond_exp",
    nest: "hh_cond_beta_gap_traub",
    kind: Kind::Neuron,
    params: HH_BETA,
    fixed: &[("tau_rise_ex", GAP_TAU_RISE), ("tau_rise_in", GAP_TAU_RISE)],
    vars: HH_VARS,
    weight: CONDUCTANCE,
};

/// The synaptic rise time of [`HH_GAP`] (ms).
pub const GAP_TAU_RISE: f64 = 1e-3;

const HH_BETA: &[(&str, Rule)] = &[
    ("gbar_Na", Scale("g_Na", 1000.0)),
    ("gbar_K", Scale("g_K", 1000.0)),
    ("g_leak", Scale("g_L", 1000.0)),
    ("cm", Scale("C_m", 1000.0)),
    ("v_offset", Scale("V_T", 1.0)),
    ("e_rev_Na", Scale("E_Na", 1.0)),
    ("e_rev_K", Scale("E_K", 1.0)),
    ("e_rev_leak", Scale("E_L", 1.0)),
    ("e_rev_E", Scale("E_ex", 1.0)),
    ("e_rev_I", Scale("E_in", 1.0)),
    ("tau_syn_E", Scale("tau_decay_ex", 1.0)),
    ("tau_syn_I", Scale("tau_decay_in", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
];

/// The table: every standard cell type of pynn-core on NEST 3.10.
pub const MODELS: &[NestModel] = &[
    neuron("IF_curr_alpha", "iaf_psc_alpha", LIF_CURR, CURR_VARS, CURRENT),
    neuron("IF_curr_exp", "iaf_psc_exp", LIF_CURR, CURR_VARS, CURRENT),
    neuron("IF_curr_delta", "iaf_psc_delta", LIF_CURR, &[v("v", "V_m", 1.0)], JUMP),
    neuron("IF_cond_exp", "iaf_cond_exp", LIF_COND, COND_VARS, CONDUCTANCE),
    neuron("IF_cond_alpha", "iaf_cond_alpha", LIF_COND, COND_VARS, CONDUCTANCE),
    // PyNN 0.13 maps this to iaf_cond_exp_sfa_rr but fails to create it
    // (KeyError: 'g_r'); the state names are NEST's g_rr and g_sfa.
    neuron("IF_cond_exp_gsfa_grr", "iaf_cond_exp_sfa_rr", GSFA_GRR, GSFA_VARS, CONDUCTANCE),
    NestModel {
        pynn: "IF_facets_hardware1",
        nest: "iaf_cond_exp",
        kind: Kind::Neuron,
        params: FACETS,
        // PyNN: C_m 0.2 nF, t_ref 1 ms, E_ex 0 mV, I_e 0 (fixed by the hardware).
        fixed: &[("C_m", 200.0), ("t_ref", 1.0), ("E_ex", 0.0), ("I_e", 0.0)],
        vars: COND_VARS,
        weight: CONDUCTANCE,
    },
    neuron("EIF_cond_exp_isfa_ista", "aeif_cond_exp", ADEX, ADEX_VARS, CONDUCTANCE),
    neuron("EIF_cond_alpha_isfa_ista", "aeif_cond_alpha", ADEX, ADEX_VARS, CONDUCTANCE),
    neuron("HH_cond_exp", "hh_cond_exp_traub", HH, HH_VARS, CONDUCTANCE),
    neuron("Izhikevich", "izhikevich", IZHIKEVICH, &[v("v", "V_m", 1.0), v("u", "U_m", 1.0)], JUMP),
    neuron("GIF_cond_exp", "gif_cond_exp", GIF, GIF_VARS, CONDUCTANCE),
    NestModel {
        pynn: "SpikeSourceArray",
        nest: "spike_generator",
        kind: Kind::SpikeArray,
        params: &[("spike_times", Rule::Special)],
        fixed: &[],
        vars: &[],
        weight: CURRENT,
    },
    NestModel {
        pynn: "SpikeSourcePoisson",
        nest: "spike_generator",
        kind: Kind::Renewal,
        params: &[("rate", Rule::Special), ("start", Rule::Special), ("duration", Rule::Special)],
        fixed: &[],
        vars: &[],
        weight: CURRENT,
    },
    NestModel {
        pynn: "SpikeSourcePoissonRefractory",
        nest: "spike_generator",
        kind: Kind::Renewal,
        params: &[
            ("rate", Rule::Special),
            ("tau_refrac", Rule::Special),
            ("start", Rule::Special),
            ("duration", Rule::Special),
        ],
        fixed: &[],
        vars: &[],
        weight: CURRENT,
    },
    NestModel {
        pynn: "SpikeSourceGamma",
        nest: "spike_generator",
        kind: Kind::Renewal,
        params: &[
            ("alpha", Rule::Special),
            ("beta", Rule::Special),
            ("start", Rule::Special),
            ("duration", Rule::Special),
        ],
        fixed: &[],
        vars: &[],
        weight: CURRENT,
    },
    NestModel {
        pynn: "SpikeSourceInhGamma",
        nest: "spike_generator",
        kind: Kind::Renewal,
        params: &[
            ("a", Rule::Special),
            ("b", Rule::Special),
            ("tbins", Rule::Special),
            ("start", Rule::Special),
            ("duration", Rule::Special),
        ],
        fixed: &[],
        vars: &[],
        weight: CURRENT,
    },
];

/// The NEST model of a population under `spike_precision = "off_grid"`:
/// the precise (`*_ps`) variant of the grid integrate-and-fire models, as
/// pyNN.nest chooses it (PyNN 0.13 `pyNN/nest/standardmodels/cells.py`:
/// IF_curr_alpha/exp/delta -> `iaf_psc_alpha_ps`, `iaf_psc_exp_ps`,
/// `iaf_psc_delta_ps` when `spike_precision == "off_grid"`); every other
/// model is unchanged (NEST delivers spikes to it on the grid).
pub fn precise_model(nest: &'static str) -> &'static str {
    match nest {
        "iaf_psc_alpha" => "iaf_psc_alpha_ps",
        "iaf_psc_exp" => "iaf_psc_exp_ps",
        "iaf_psc_delta" => "iaf_psc_delta_ps",
        other => other,
    }
}

/// The row of PyNN cell type `pynn`, if NEST supports it.
pub fn model(pynn: &str) -> Option<&'static NestModel> {
    MODELS.iter().find(|m| m.pynn == pynn)
}

/// The row of cell type `C`, if NEST supports it.
pub fn model_of<C: CellType>() -> Option<&'static NestModel> {
    model(C::NAME)
}

impl NestModel {
    /// The NEST parameters (name, one value per cell) of a population whose
    /// PyNN parameters are given by `get(name)`.
    pub fn translate_parameters<'a>(&self, get: impl Fn(&str) -> Option<&'a [f64]>) -> Vec<(&'static str, Vec<f64>)> {
        let mut out: Vec<(&'static str, Vec<f64>)> = Vec::new();
        for (name, rule) in self.params {
            let Some(values) = get(name) else { continue };
            match rule {
                Scale(nest, f) => out.push((nest, values.iter().map(|x| if *f == 1.0 { *x } else { x * f }).collect())),
                LeakFromCm => {
                    let cm = get("cm").expect("conductance-based model without cm");
                    out.push(("g_L", cm.iter().zip(values).map(|(c, t)| c / t * 1000.0).collect()));
                }
                Rule::Special | Rule::SequenceScale(..) | Rule::Port(..) => {}
            }
        }
        if let Some(n) = out.first().map(|(_, v)| v.len()) {
            for (name, x) in self.fixed {
                out.retain(|(k, _)| k != name);
                out.push((name, vec![*x; n]));
            }
        }
        out
    }

    /// The NEST sequence parameters (name, one sequence per cell) of a
    /// population whose PyNN sequence parameters are given by `get(name)`.
    pub fn translate_sequences<'a>(
        &self,
        get: impl Fn(&str) -> Option<&'a [Vec<f64>]>,
    ) -> Vec<(&'static str, Vec<Vec<f64>>)> {
        let mut out = Vec::new();
        for (name, rule) in self.params {
            if let (Rule::SequenceScale(nest, f), Some(values)) = (rule, get(name)) {
                out.push((*nest, values.iter().map(|s| s.iter().map(|x| x * f).collect()).collect()));
            }
        }
        out
    }

    /// The per-port NEST parameters of a composed neuron (name, per cell the
    /// list over ports), from the PyNN receptor parameters given by `get(name)`.
    pub fn translate_ports<'a>(&self, get: impl Fn(&str) -> Option<&'a [f64]>) -> Vec<(&'static str, Vec<Vec<f64>>)> {
        let mut out: Vec<(&'static str, Vec<Vec<f64>>)> = Vec::new();
        for (name, rule) in self.params {
            let (Rule::Port(nest, port, f), Some(values)) = (rule, get(name)) else { continue };
            let k = match out.iter().position(|(n, _)| n == nest) {
                Some(k) => k,
                None => {
                    out.push((*nest, vec![Vec::new(); values.len()]));
                    out.len() - 1
                }
            };
            for (cell, x) in out[k].1.iter_mut().zip(values) {
                if cell.len() <= *port {
                    cell.resize(port + 1, 0.0);
                }
                cell[*port] = x * f;
            }
        }
        out
    }

    /// The variable `pynn` (state or recordable).
    pub fn var(&self, pynn: &str) -> Option<&'static Var> {
        self.vars.iter().find(|v| v.pynn == pynn)
    }

    /// NEST weight of a PyNN weight on receptor `inhibitory` or not.
    pub fn translate_weight(&self, w: f64, inhibitory: bool) -> f64 {
        let w = if self.weight.negate_inhibitory && inhibitory { -w } else { w };
        let w = if self.weight.scale == 1.0 { w } else { w * self.weight.scale };
        if self.weight.extra == 1.0 { w } else { w * self.weight.extra }
    }
}

/// NEST model name, neuron parameter rules and per-receptor rules (PyNN
/// name, NEST name, factor) of a PointNeuron composition.
type PointTranslation = (&'static str, &'static [(&'static str, Rule)], &'static [(&'static str, &'static str, f64)]);

/// PyNN 0.13's choice of NEST model for a composed neuron
/// (`pyNN/nest/standardmodels/cells.py`, `PointNeuron.possible_models`: the
/// model common to the neuron and every receptor): LIF + CurrExp ->
/// `iaf_psc_exp_multisynapse`, AdExp + CondAlpha ->
/// `aeif_cond_alpha_multisynapse`, AdExp + CondBeta ->
/// `aeif_cond_beta_multisynapse`. Other compositions have none (PyNN raises
/// `NoModelAvailableError`). Rows are built once per composition and kept.
pub fn point_neuron_model(comp: &Composition) -> Result<&'static NestModel, String> {
    static ROWS: Mutex<Vec<(Composition, &'static NestModel)>> = Mutex::new(Vec::new());
    let mut rows = ROWS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, m)) = rows.iter().find(|(c, _)| c == comp) {
        return Ok(m);
    }
    let kinds: Vec<PsrKind> = comp.receptors.iter().map(|(_, k)| *k).collect();
    let all = |k: PsrKind| kinds.iter().all(|x| *x == k);
    let (nest, neuron, psr): PointTranslation = match comp.neuron {
        NeuronKind::LIF if all(PsrKind::CurrExp) => {
            ("iaf_psc_exp_multisynapse", POINT_LIF, &[("tau_syn", "tau_syn", 1.0)])
        }
        NeuronKind::AdExp if all(PsrKind::CondAlpha) => {
            ("aeif_cond_alpha_multisynapse", POINT_ADEX, &[("e_syn", "E_rev", 1.0), ("tau_syn", "tau_syn", 1.0)])
        }
        NeuronKind::AdExp if all(PsrKind::CondBeta) => (
            "aeif_cond_beta_multisynapse",
            POINT_ADEX,
            &[("e_syn", "E_rev", 1.0), ("tau_rise", "tau_rise", 1.0), ("tau_decay", "tau_decay", 1.0)],
        ),
        _ => {
            return Err(format!(
                "NEST has no model for PointNeuron({:?}) with receptors {:?} (PyNN's NEST backend supports \
                     LIF + CurrExp, AdExp + CondAlpha and AdExp + CondBeta, one receptor kind per neuron)",
                comp.neuron, kinds
            ));
        }
    };
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut params: Vec<(&'static str, Rule)> = neuron.to_vec();
    let mut vars: Vec<Var> = vec![v("v", "V_m", 1.0)];
    if comp.neuron == NeuronKind::AdExp {
        vars.push(v("w", "w", 1000.0));
    }
    for (port, (name, _)) in comp.receptors.iter().enumerate() {
        for (p, n, f) in psr {
            params.push((leak(format!("{name}.{p}")), Rule::Port(n, port, *f)));
        }
        // Recordable per port (NEST 3.10: `I_syn_1`, `g_1`, ...); NEST does
        // not let them be set.
        let (var, nest_var) = if comp.neuron == NeuronKind::LIF { ("isyn", "I_syn") } else { ("gsyn", "g") };
        vars.push(fixed_var(leak(format!("{name}.{var}")), leak(format!("{nest_var}_{}", port + 1)), 1000.0));
    }
    let weight = if comp.neuron == NeuronKind::LIF {
        CURRENT
    } else {
        WeightRule { scale: 1000.0, extra: 1.0, negate_inhibitory: false }
    };
    let row: &'static NestModel = Box::leak(Box::new(NestModel {
        pynn: "PointNeuron",
        nest,
        kind: Kind::Neuron,
        params: Box::leak(params.into_boxed_slice()),
        fixed: &[],
        vars: Box::leak(vars.into_boxed_slice()),
        weight,
    }));
    rows.push((comp.clone(), row));
    Ok(row)
}

/// The row of a NEST model used by name (PyNN's `native_cell_type`,
/// [`crate::nest::NestCell::NEST_MODEL`]): the cell type's parameters, state
/// variables and recordables are NEST's, under NEST's names and in NEST's
/// units, so every rule is the identity (sequence parameters are sent as
/// one list per cell); weights are NEST's too (pA, nS or mV), inhibitory
/// ones negated for conductance-based types (NEST routes a connection of a
/// one-port model by the sign of its weight, as PyNN's NEST backend does).
/// Rows are built once per (cell type, NEST model) and kept.
pub fn native_model(info: &pynn_core::cells::CellTypeInfo, nest: &'static str, kind: Kind) -> &'static NestModel {
    type Key = (&'static str, &'static str, Kind);
    static ROWS: Mutex<Vec<(Key, &'static NestModel)>> = Mutex::new(Vec::new());
    let mut rows = ROWS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, m)) = rows.iter().find(|(k, _)| *k == (info.name, nest, kind)) {
        return m;
    }
    let params: Vec<(&'static str, Rule)> = info
        .parameters
        .iter()
        .map(|p| match p.kind {
            pynn_core::parameters::ParamKind::Scalar => (p.name, Scale(p.name, 1.0)),
            _ => (p.name, Rule::SequenceScale(p.name, 1.0)),
        })
        .collect();
    let mut vars: Vec<Var> = info.state.iter().map(|s| v(s.name, s.name, 1.0)).collect();
    for r in info.recordables.iter().filter(|r| r.name != "spikes") {
        if !vars.iter().any(|x| x.pynn == r.name) {
            vars.push(v(r.name, r.name, 1.0));
        }
    }
    let row: &'static NestModel = Box::leak(Box::new(NestModel {
        pynn: info.name,
        nest,
        kind,
        params: Box::leak(params.into_boxed_slice()),
        fixed: &[],
        vars: Box::leak(vars.into_boxed_slice()),
        weight: WeightRule { scale: 1.0, extra: 1.0, negate_inhibitory: info.conductance_based },
    }));
    rows.push(((info.name, nest, kind), row));
    row
}

/// PyNN 0.13 `pyNN/nest/standardmodels/cells.py`, class `LIF`.
const POINT_LIF: &[(&str, Rule)] = &[
    ("cm", Scale("C_m", 1000.0)),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("v_rest", Scale("E_L", 1.0)),
    ("tau_m", Scale("tau_m", 1.0)),
    ("i_offset", Scale("I_e", 1000.0)),
    ("v_thresh", Scale("V_th", 1.0)),
];
/// PyNN 0.13 `pyNN/nest/standardmodels/cells.py`, class `AdExp`.
const POINT_ADEX: &[(&str, Rule)] = &[
    ("cm", Scale("C_m", 1000.0)),
    ("tau_refrac", Scale("t_ref", 1.0)),
    ("v_spike", Scale("V_peak", 1.0)),
    ("v_reset", Scale("V_reset", 1.0)),
    ("v_rest", Scale("E_L", 1.0)),
    ("tau_m", LeakFromCm),
    ("i_offset", Scale("I_e", 1000.0)),
    ("a", Scale("a", 1.0)),
    ("b", Scale("b", 1000.0)),
    ("delta_T", Scale("Delta_T", 1.0)),
    ("tau_w", Scale("tau_w", 1.0)),
    ("v_thresh", Scale("V_th", 1.0)),
];

#[cfg(test)]
mod tests {
    use super::*;
    use pynn_core::cells::*;
    use pynn_core::parameters::ParamTable;

    fn covers<C: CellType>() {
        let m = model_of::<C>().unwrap_or_else(|| panic!("{} missing", C::NAME));
        for p in C::PARAMETERS {
            assert!(m.params.iter().any(|(n, _)| *n == p.name), "{}.{} has no translation", C::NAME, p.name);
        }
        for s in C::STATE {
            assert!(m.var(s.name).is_some(), "{} state {} has no translation", C::NAME, s.name);
        }
        for r in C::RECORDABLES.iter().filter(|r| r.name != "spikes") {
            assert!(m.var(r.name).is_some(), "{} recordable {} has no translation", C::NAME, r.name);
        }
    }

    #[test]
    fn every_standard_type_is_fully_translated() {
        macro_rules! all {
            ($($t:ident),*) => { $(covers::<$t>();)* };
        }
        pynn_core::for_each_standard_cell!(all);
    }

    fn translate<C: CellType>() -> Vec<(&'static str, f64)> {
        let t = ParamTable::defaults(C::PARAMETERS, 1);
        let m = model_of::<C>().unwrap();
        m.translate_parameters(|n| t.column(n).and_then(|c| c.as_scalar()))
            .into_iter()
            .map(|(k, v)| (k, v[0]))
            .collect()
    }

    #[test]
    fn pynn_defaults_in_nest_units() {
        // PyNN 0.13 pyNN/nest/standardmodels/cells.py: IF_curr_alpha -> iaf_psc_alpha.
        assert_eq!(
            translate::<IF_curr_alpha>(),
            vec![
                ("E_L", -65.0),
                ("C_m", 1000.0),
                ("tau_m", 20.0),
                ("t_ref", 0.1),
                ("tau_syn_ex", 0.5),
                ("tau_syn_in", 0.5),
                ("I_e", 0.0),
                ("V_reset", -65.0),
                ("V_th", -50.0)
            ]
        );
        let c = translate::<IF_cond_exp>();
        assert!(c.contains(&("g_L", 50.0)), "g_L = cm / tau_m * 1000 = 1 / 20 * 1000: {c:?}");
        assert!(!c.iter().any(|(k, _)| *k == "tau_m"));
        let e = translate::<EIF_cond_exp_isfa_ista>();
        assert!(e.contains(&("b", 80.5)) && e.contains(&("C_m", 281.0)) && e.contains(&("V_peak", -40.0)), "{e:?}");
        let f = translate::<IF_facets_hardware1>();
        assert!(f.contains(&("g_L", 40.0)) && f.contains(&("C_m", 200.0)) && f.contains(&("t_ref", 1.0)), "{f:?}");
        let h = translate::<HH_cond_exp>();
        assert!(h.contains(&("g_Na", 20000.0)) && h.contains(&("V_T", -63.0)) && h.contains(&("C_m", 200.0)), "{h:?}");
        let g = translate::<GIF_cond_exp>();
        assert!(
            g.contains(&("g_L", 50.0)) && g.contains(&("lambda_0", 1.0)) && g.contains(&("V_T_star", -48.0)),
            "{g:?}"
        );
        let gif = model("GIF_cond_exp").unwrap();
        let col = pynn_core::parameters::Column::Sequence(vec![vec![0.1, 0.2]]);
        let q = gif.translate_sequences(|n| (n == "a_eta").then(|| col.as_sequence().unwrap()));
        assert_eq!(q, vec![("q_stc", vec![vec![100.0, 200.0]])], "a_eta nA -> q_stc pA");
        let i = translate::<Izhikevich>();
        assert_eq!(i, vec![("a", 0.02), ("b", 0.2), ("c", -65.0), ("d", 2.0), ("I_e", 0.0)]);
    }

    #[test]
    fn point_neuron_rows() {
        use pynn_core::cells::{AlphaPSR, LIF, PointNeuron};
        let cell = PointNeuron::new(
            pynn_core::cells::AdExp::default(),
            [("NMDA", AlphaPSR { e_syn: 0.0, tau_syn: 20.0 }), ("GABAA", AlphaPSR { e_syn: -70.0, tau_syn: 1.5 })],
        )
        .unwrap();
        let m = point_neuron_model(&cell.composition()).unwrap();
        assert_eq!(m.nest, "aeif_cond_alpha_multisynapse");
        assert_eq!(m.var("GABAA.gsyn").unwrap().nest, "g_1", "ports follow the sorted names");
        assert_eq!(m.var("NMDA.gsyn").unwrap().nest, "g_2");
        let info = cell.info();
        let t = ParamTable::defaults(info.parameters, 1);
        let mut t = t;
        t.assign("GABAA.e_syn", &[0], pynn_core::parameters::Column::Scalar(vec![-70.0]));
        t.assign("NMDA.tau_syn", &[0], pynn_core::parameters::Column::Scalar(vec![20.0]));
        t.assign("GABAA.tau_syn", &[0], pynn_core::parameters::Column::Scalar(vec![1.5]));
        let ports = m.translate_ports(|n| t.column(n).and_then(|c| c.as_scalar()));
        assert_eq!(ports, vec![("E_rev", vec![vec![-70.0, 0.0]]), ("tau_syn", vec![vec![1.5, 20.0]])]);
        let lif_cond = PointNeuron::new(LIF::default(), [("AMPA", AlphaPSR::default())]).unwrap();
        assert!(point_neuron_model(&lif_cond.composition()).unwrap_err().contains("NEST has no model"));
    }

    #[test]
    fn nest_models_by_name_pass_names_and_units_through() {
        use pynn_core::cells::{CellTypeInfo, RecordableSpec};
        use pynn_core::parameters::{Domain, ParamSpec};
        static P: [ParamSpec; 2] = [
            ParamSpec::scalar("C_m", 250.0, "pF", Domain::Positive, ""),
            ParamSpec::sequence("tau_syn", "ms", Domain::Positive, ""),
        ];
        static S: [ParamSpec; 1] = [ParamSpec::scalar("V_m", -70.0, "mV", Domain::Finite, "")];
        static R: [RecordableSpec; 3] = [
            RecordableSpec { name: "spikes", unit: "ms" },
            RecordableSpec { name: "V_m", unit: "mV" },
            RecordableSpec { name: "g_ex", unit: "nS" },
        ];
        let info = CellTypeInfo {
            name: "MyCond",
            parameters: &P,
            state: &S,
            recordables: &R,
            receptors: &["excitatory", "inhibitory"],
            conductance_based: true,
            injectable: true,
        };
        let m = native_model(&info, "aeif_cond_exp", Kind::Neuron);
        assert!(std::ptr::eq(m, native_model(&info, "aeif_cond_exp", Kind::Neuron)), "one row per (type, model)");
        assert_eq!((m.pynn, m.nest, m.kind), ("MyCond", "aeif_cond_exp", Kind::Neuron));
        let t = ParamTable::defaults(&P, 1);
        let native = m.translate_parameters(|n| t.column(n).and_then(|c| c.as_scalar()));
        assert_eq!(native, vec![("C_m", vec![250.0])], "identity, NEST's unit");
        assert_eq!(m.params[1], ("tau_syn", Rule::SequenceScale("tau_syn", 1.0)));
        assert_eq!(m.var("V_m").unwrap().nest, "V_m");
        assert_eq!(m.var("g_ex").unwrap().factor, 1.0);
        assert!(m.var("spikes").is_none());
        // Weights in NEST's units; inhibitory conductances negated (one-port routing).
        assert_eq!(m.translate_weight(0.3, false), 0.3);
        assert_eq!(m.translate_weight(0.3, true), -0.3);
    }

    #[test]
    fn weights_and_variables() {
        let a = model("IF_curr_alpha").unwrap();
        assert_eq!(a.translate_weight(-0.5, true), -500.0);
        let c = model("IF_cond_exp").unwrap();
        assert_eq!(c.translate_weight(0.01, true), -10.0);
        assert_eq!(c.translate_weight(0.01, false), 10.0);
        assert_eq!(model("IF_curr_delta").unwrap().translate_weight(2.0, false), 2.0);
        assert_eq!(c.var("gsyn_inh").unwrap().nest, "g_in");
        assert_eq!(model("EIF_cond_alpha_isfa_ista").unwrap().var("w").unwrap().factor, 1000.0);
        assert!(!a.var("isyn_exc").unwrap().settable);
        assert_eq!(model("HH_cond_exp").unwrap().nest, "hh_cond_exp_traub");
        assert_eq!(model("IF_cond_exp_gsfa_grr").unwrap().var("g_r").unwrap().nest, "g_rr");
    }
}
