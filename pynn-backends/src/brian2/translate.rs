//! The translation table of the Brian2 backend: for every standard cell type,
//! the Brian2 equations, threshold, reset, refractoriness, integration
//! method, the PyNN parameter -> Brian2 variable/unit mapping, the state
//! variables and what an incoming spike does on each receptor. The driver
//! (`driver.py`) knows none of this: it receives a row of this table and
//! builds a `NeuronGroup` from it.
//!
//! Conventions that make Brian2 step like NEST (see the module docs of
//! [`super`] for the timing argument):
//!
//! * Units are PyNN's (mV, ms, nA, nF, uS) as Brian2 quantities; NEST-only
//!   units (pA, pF, nS) never appear. `cm` is a Brian2 unit name, so the
//!   capacitance is `c_m`.
//! * Refractoriness: NEST clamps `v` during `R` steps after the spike step
//!   (`R` = `tau_refrac` rounded to 1 µs then up to whole steps,
//!   `native::propagators::refractory_steps`); Brian2's `refractory` counts
//!   from the spike step itself, so `t_ref = (R + 1) dt`
//!   ([`Rule::Refractory`]). Per-cell values (PyNN's Brian2 backend needs a
//!   homogeneous `tau_refrac`).
//! * Each receptor has its own variable and time constant (PyNN 0.13's
//!   Brian2 `IF_curr_alpha` uses `tau_syn_E` for the inhibitory synapse).
//! * Current sources act through `i_inj`, a per-cell variable the driver
//!   sets at the start of every step from the samples the core computes; it
//!   is not a state variable, so a reset never loses it (PyNN 0.13's
//!   Brian2 backend loses current inputs after reset).
//! * AdEx spikes at `v_spike` (PyNN 0.13's Brian2 backend uses
//!   `v_thresh + 5 delta_T`), and `v` is capped at `v_spike` (NEST) inside
//!   the exponential so that a step overshooting the peak stays finite.
//! * Linear models use Brian2's `exact` method (the matrix exponential of
//!   the linear system, as NEST's propagators); the others `rk4` at the
//!   simulation time step (NEST integrates them with adaptive RKF45).

use pynn_core::cells::{CellType, Composition, NeuronKind, PsrKind};

/// How a population of a model is built in Brian2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `NeuronGroup` from the row's equations.
    Neuron,
    /// A `SpikeGeneratorGroup` (SpikeSourceArray).
    SpikeArray,
    /// A `SpikeGeneratorGroup` fed with the native engine's trains before
    /// each run (SpikeSourcePoisson and the renewal sources
    /// SpikeSourcePoissonRefractory, SpikeSourceGamma, SpikeSourceInhGamma).
    Poisson,
}

/// How one PyNN parameter becomes a Brian2 variable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Same value, Brian2 variable `name` with unit `unit`.
    Unit(&'static str, &'static str),
    /// A refractory period (ms) -> Brian2's `t_ref = (R + 1) dt`.
    Refractory(&'static str),
    /// A synaptic time constant of a model integrated with `exact`:
    /// Brian2's symbolic solution divides by `tau_m - tau_syn` (exponential
    /// synapses) or its square (alpha), so a value within a relative `sep`
    /// of the same cell's `tau_m` is moved to `tau_m (1 + sep)`. The error
    /// is the perturbation (`sep`, relative, in the synaptic part of `v`)
    /// plus the cancellation `1e-16 / (sep dt / tau_m)^k` (`k` = 1, 2):
    /// `sep` = 1e-7 (exp) and 1e-4 (alpha) balance both at `dt / tau_m` ~
    /// 0.01.
    TauSyn(&'static str, f64),
    /// NEST's `beta_normalization_factor` (1/ms) of the time constants
    /// named `(tau_rise, tau_decay)`, into Brian2 variable `name`
    /// (`PointNeuron`'s `CondBeta` receptors).
    BetaNorm(&'static str, &'static str, &'static str),
    /// Used only by the translation of other parameters (spike sources).
    Special,
}

/// Relative separation of `tau_syn` from `tau_m` kept for `exact` models
/// with exponential synapses.
pub const TAU_SEPARATION: f64 = 1e-7;
/// The same for alpha synapses.
pub const TAU_SEPARATION_ALPHA: f64 = 1e-4;

/// A PyNN state variable or recordable and its Brian2 counterpart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Var {
    /// PyNN's name.
    pub pynn: &'static str,
    /// Brian2's name.
    pub brian: &'static str,
    /// Brian2 unit of the PyNN value (e.g. `"mV"`, `"uS"`, `"1"`).
    pub unit: &'static str,
}

/// One row of the table: a PyNN cell type in Brian2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Brian2Model {
    /// PyNN's name.
    pub pynn: &'static str,
    /// How it is built.
    pub kind: Kind,
    /// Brian2 model equations (parameters included).
    pub equations: &'static str,
    /// Threshold condition (`None`: no spikes).
    pub threshold: &'static str,
    /// Reset statements.
    pub reset: &'static str,
    /// Whether the group has Brian2 refractoriness (`refractory = "t_ref"`).
    pub refractory: bool,
    /// Integration method.
    pub method: &'static str,
    /// PyNN parameter -> Brian2 variable.
    pub params: &'static [(&'static str, Rule)],
    /// Brian2 parameters with fixed values (name, value, unit).
    pub fixed: &'static [(&'static str, f64, &'static str)],
    /// Refractory period fixed by the model (ms), if it has no parameter.
    pub fixed_refractory: Option<f64>,
    /// State variables (initial values) and recordables.
    pub vars: &'static [Var],
    /// Receptor -> `on_pre` statement (the weight is `w_syn`).
    pub receptors: &'static [(&'static str, &'static str)],
    /// Brian2 unit of the weight `w_syn` (PyNN's weight unit).
    pub weight_unit: &'static str,
    /// Statements run at the start of every step (before integration).
    pub before_step: &'static str,
    /// Integration sub-steps per time step (1: the group runs at `dt`). With
    /// `n > 1` the group's clock is `dt / n`, its threshold must hold only
    /// in the last sub-step of a step (`int(t/dt + 0.5) % n_sub == n_sub -
    /// 1`, `n_sub` a parameter set by the driver), and its receptors must
    /// collect the input (which the driver delivers after the first
    /// sub-step of the arrival step) in variables that `after_step` adds in
    /// the last sub-step, at NEST's step boundary (see `HH_cond_exp`).
    pub substeps: u32,
    /// Statements run after integration, before the synaptic input (of a
    /// sub-stepped model: after every sub-step).
    pub after_step: &'static str,
    /// Escape noise (`GIF_cond_exp`): the driver decides each step which
    /// cells fire from the uniform numbers the Rust side sends (see
    /// [`gif_model`]); the threshold reads the decision (`fire`).
    pub escape: bool,
    /// Adaptation elements (`GIF_cond_exp`): per kernel, the PyNN
    /// parameters of time constants and jumps, the Brian2 variable prefix
    /// and the jump unit; the number of elements is fixed per population.
    pub elements: &'static [Elements],
}

/// A sum of exponentially decaying elements, each jumping at a spike
/// (NEST `gif_cond_exp`'s `stc` and `sfa`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elements {
    /// PyNN sequence of time constants (ms).
    pub tau: &'static str,
    /// PyNN sequence of jumps.
    pub amp: &'static str,
    /// Brian2 prefix of the elements (`eta_0`, ...) and their factors.
    pub prefix: &'static str,
    /// Unit of the jumps (Brian2 name).
    pub unit: &'static str,
}

const fn var(pynn: &'static str, brian: &'static str, unit: &'static str) -> Var {
    Var { pynn, brian, unit }
}

use Rule::{Refractory, TauSyn, Unit};

const IF_CURR_EXP_EQ: &str = "
dv/dt = (v_rest - v)/tau_m + (i_syn_e + i_syn_i + i_offset + i_inj)/c_m : volt (unless refractory)
di_syn_e/dt = -i_syn_e/tau_syn_E : amp
di_syn_i/dt = -i_syn_i/tau_syn_I : amp
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
i_inj : amp
";

const IF_CURR_ALPHA_EQ: &str = "
dv/dt = (v_rest - v)/tau_m + (i_syn_e + i_syn_i + i_offset + i_inj)/c_m : volt (unless refractory)
di_syn_e/dt = (x_e - i_syn_e)/tau_syn_E : amp
dx_e/dt = -x_e/tau_syn_E : amp
di_syn_i/dt = (x_i - i_syn_i)/tau_syn_I : amp
dx_i/dt = -x_i/tau_syn_I : amp
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
i_inj : amp
";

const IF_CURR_DELTA_EQ: &str = "
dv/dt = (v_rest - v)/tau_m + (i_offset + i_inj)/c_m : volt (unless refractory)
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
i_inj : amp
";

/// NEST's `iaf_cond_*` use `min(v, V_th)` in the currents.
const IF_COND_EXP_EQ: &str = "
dv/dt = (g_leak*(v_rest - v_c) + g_e*(e_rev_E - v_c) + g_i*(e_rev_I - v_c) + i_offset + i_inj)/c_m : volt (unless refractory)
v_c = v - clip(v - v_thresh, 0*mV, inf*mV) : volt
g_leak = c_m/tau_m : siemens
dg_e/dt = -g_e/tau_syn_E : siemens
dg_i/dt = -g_i/tau_syn_I : siemens
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
e_rev_E : volt
e_rev_I : volt
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
i_inj : amp
";

const IF_COND_ALPHA_EQ: &str = "
dv/dt = (g_leak*(v_rest - v_c) + g_e*(e_rev_E - v_c) + g_i*(e_rev_I - v_c) + i_offset + i_inj)/c_m : volt (unless refractory)
v_c = v - clip(v - v_thresh, 0*mV, inf*mV) : volt
g_leak = c_m/tau_m : siemens
dg_e/dt = (y_e - g_e)/tau_syn_E : siemens
dy_e/dt = -y_e/tau_syn_E : siemens
dg_i/dt = (y_i - g_i)/tau_syn_I : siemens
dy_i/dt = -y_i/tau_syn_I : siemens
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
e_rev_E : volt
e_rev_I : volt
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
i_inj : amp
";

const FACETS_EQ: &str = "
dv/dt = (g_leak*(v_rest - v_c) + g_e*(e_rev_E - v_c) + g_i*(e_rev_I - v_c) + i_offset + i_inj)/c_m : volt (unless refractory)
v_c = v - clip(v - v_thresh, 0*mV, inf*mV) : volt
dg_e/dt = -g_e/tau_syn_E : siemens
dg_i/dt = -g_i/tau_syn_I : siemens
g_leak : siemens
v_rest : volt
c_m : farad
tau_syn_E : second
tau_syn_I : second
e_rev_E : volt
e_rev_I : volt
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
i_inj : amp
";

const GSFA_GRR_EQ: &str = "
dv/dt = (g_leak*(v_rest - v_c) + g_e*(e_rev_E - v_c) + g_i*(e_rev_I - v_c) + g_s*(e_rev_sfa - v_c) + g_r*(e_rev_rr - v_c) + i_offset + i_inj)/c_m : volt (unless refractory)
v_c = v - clip(v - v_thresh, 0*mV, inf*mV) : volt
g_leak = c_m/tau_m : siemens
dg_e/dt = -g_e/tau_syn_E : siemens
dg_i/dt = -g_i/tau_syn_I : siemens
dg_s/dt = -g_s/tau_sfa : siemens
dg_r/dt = -g_r/tau_rr : siemens
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
e_rev_E : volt
e_rev_I : volt
i_offset : amp
v_reset : volt
v_thresh : volt
t_ref : second
tau_sfa : second
e_rev_sfa : volt
q_sfa : siemens
tau_rr : second
e_rev_rr : volt
q_rr : siemens
i_inj : amp
";

/// NEST's `aeif_cond_*`: `min(v, V_peak)` in the currents.
const ADEX_EXP_EQ: &str = "
dv/dt = (g_leak*(v_rest - v_c) + g_leak*delta_T*exp((v_c - v_thresh)/delta_T) + g_e*(e_rev_E - v_c) + g_i*(e_rev_I - v_c) - w + i_offset + i_inj)/c_m : volt (unless refractory)
dw/dt = (a*(v_c - v_rest) - w)/tau_w : amp
v_c = v - clip(v - v_spike, 0*mV, inf*mV) : volt
g_leak = c_m/tau_m : siemens
dg_e/dt = -g_e/tau_syn_E : siemens
dg_i/dt = -g_i/tau_syn_I : siemens
c_m : farad
t_ref : second
v_spike : volt
v_reset : volt
v_rest : volt
tau_m : second
i_offset : amp
a : siemens
b : amp
delta_T : volt
tau_w : second
v_thresh : volt
e_rev_E : volt
tau_syn_E : second
e_rev_I : volt
tau_syn_I : second
i_inj : amp
";

const ADEX_ALPHA_EQ: &str = "
dv/dt = (g_leak*(v_rest - v_c) + g_leak*delta_T*exp((v_c - v_thresh)/delta_T) + g_e*(e_rev_E - v_c) + g_i*(e_rev_I - v_c) - w + i_offset + i_inj)/c_m : volt (unless refractory)
dw/dt = (a*(v_c - v_rest) - w)/tau_w : amp
v_c = v - clip(v - v_spike, 0*mV, inf*mV) : volt
g_leak = c_m/tau_m : siemens
dg_e/dt = (y_e - g_e)/tau_syn_E : siemens
dy_e/dt = -y_e/tau_syn_E : siemens
dg_i/dt = (y_i - g_i)/tau_syn_I : siemens
dy_i/dt = -y_i/tau_syn_I : siemens
c_m : farad
t_ref : second
v_spike : volt
v_reset : volt
v_rest : volt
tau_m : second
i_offset : amp
a : siemens
b : amp
delta_T : volt
tau_w : second
v_thresh : volt
e_rev_E : volt
tau_syn_E : second
e_rev_I : volt
tau_syn_I : second
i_inj : amp
";

/// NEST's `hh_cond_exp_traub` (rates in 1/ms of `u = (v - v_offset)/mV`).
const HH_EQ: &str = "
n_sub : 1 (shared, constant)
dv/dt = (-gbar_Na*m_act**3*h_inact*(v - e_rev_Na) - gbar_K*n_act**4*(v - e_rev_K) - g_leak*(v - e_rev_leak) - g_e*(v - e_rev_E) - g_i*(v - e_rev_I) + i_offset + i_inj)/c_m : volt
u_hh = (v - v_offset)/mV : 1
dm_act/dt = (0.32*(13 - u_hh)/(exp((13 - u_hh)/4) - 1)*(1 - m_act) - 0.28*(u_hh - 40)/(exp((u_hh - 40)/5) - 1)*m_act)/ms : 1
dh_inact/dt = (0.128*exp((17 - u_hh)/18)*(1 - h_inact) - 4/(1 + exp((40 - u_hh)/5))*h_inact)/ms : 1
dn_act/dt = (0.032*(15 - u_hh)/(exp((15 - u_hh)/5) - 1)*(1 - n_act) - 0.5*exp((10 - u_hh)/40)*n_act)/ms : 1
dg_e/dt = -g_e/tau_syn_E : siemens
dg_i/dt = -g_i/tau_syn_I : siemens
pend_e : siemens
pend_i : siemens
v_start : volt
gbar_Na : siemens
gbar_K : siemens
g_leak : siemens
c_m : farad
v_offset : volt
e_rev_Na : volt
e_rev_K : volt
e_rev_leak : volt
e_rev_E : volt
e_rev_I : volt
tau_syn_E : second
tau_syn_I : second
i_offset : amp
t_ref : second
i_inj : amp
";

/// NEST's `izhikevich` (forward Euler, `I` in pA read as mV/ms).
const IZHIKEVICH_EQ: &str = "
dv/dt = (0.04*v**2/mV + 5*v + 140*mV)/ms - u + (i_offset + i_inj)*(mV/ms/pA) : volt
du/dt = a*(b*v - u) : volt/second
a : 1/second
b : 1/second
c : volt
d : volt/second
i_offset : amp
i_inj : amp
";

/// NEST's `gif_cond_exp` (`models/gif_cond_exp.h`): the spike-triggered
/// current `i_eta` (NEST `stc`) and the threshold `v_t` (NEST `sfa`) are
/// set at the start of every step from their elements ([`gif_model`]);
/// while refractory `v` does not move and is set to `v_reset` after the
/// integration (NEST: `V_reset` at the end of every refractory step, no
/// reset at the spike itself). `v` is not marked `(unless refractory)`:
/// Brian2 would then drop every write to it while refractory, the clamp
/// included; `int(not_refractory)` freezes it instead.
const GIF_EQ: &str = "
dv/dt = int(not_refractory)*(g_leak*(v_rest - v) - g_e*(v - e_rev_E) - g_i*(v - e_rev_I) + i_offset + i_inj - i_eta)/c_m : volt
g_leak = c_m/tau_m : siemens
dg_e/dt = -g_e/tau_syn_E : siemens
dg_i/dt = -g_i/tau_syn_I : siemens
i_eta : amp
v_t : volt
fire : 1
v_rest : volt
tau_m : second
c_m : farad
tau_syn_E : second
tau_syn_I : second
e_rev_E : volt
e_rev_I : volt
i_offset : amp
v_reset : volt
t_ref : second
delta_v : volt
v_t_star : volt
lambda0 : 1/second
i_inj : amp
";

const GIF: &[(&str, Rule)] = &[
    ("v_rest", Unit("v_rest", "mV")),
    ("cm", Unit("c_m", "nF")),
    ("tau_m", Unit("tau_m", "ms")),
    ("tau_refrac", Refractory("t_ref")),
    ("tau_syn_E", Unit("tau_syn_E", "ms")),
    ("tau_syn_I", Unit("tau_syn_I", "ms")),
    ("e_rev_E", Unit("e_rev_E", "mV")),
    ("e_rev_I", Unit("e_rev_I", "mV")),
    ("v_reset", Unit("v_reset", "mV")),
    ("i_offset", Unit("i_offset", "nA")),
    ("delta_v", Unit("delta_v", "mV")),
    ("v_t_star", Unit("v_t_star", "mV")),
    ("lambda0", Unit("lambda0", "Hz")),
    ("tau_eta", Rule::Special),
    ("tau_gamma", Rule::Special),
    ("a_eta", Rule::Special),
    ("a_gamma", Rule::Special),
];

const GIF_ELEMENTS: &[Elements] = &[
    Elements { tau: "tau_eta", amp: "a_eta", prefix: "eta", unit: "nA" },
    Elements { tau: "tau_gamma", amp: "a_gamma", prefix: "gamma", unit: "mV" },
];

const LIF_CURR: &[(&str, Rule)] = &[
    ("v_rest", Unit("v_rest", "mV")),
    ("cm", Unit("c_m", "nF")),
    ("tau_m", Unit("tau_m", "ms")),
    ("tau_refrac", Refractory("t_ref")),
    ("tau_syn_E", TauSyn("tau_syn_E", TAU_SEPARATION)),
    ("tau_syn_I", TauSyn("tau_syn_I", TAU_SEPARATION)),
    ("i_offset", Unit("i_offset", "nA")),
    ("v_reset", Unit("v_reset", "mV")),
    ("v_thresh", Unit("v_thresh", "mV")),
];
const LIF_CURR_ALPHA: &[(&str, Rule)] = &[
    ("v_rest", Unit("v_rest", "mV")),
    ("cm", Unit("c_m", "nF")),
    ("tau_m", Unit("tau_m", "ms")),
    ("tau_refrac", Refractory("t_ref")),
    ("tau_syn_E", TauSyn("tau_syn_E", TAU_SEPARATION_ALPHA)),
    ("tau_syn_I", TauSyn("tau_syn_I", TAU_SEPARATION_ALPHA)),
    ("i_offset", Unit("i_offset", "nA")),
    ("v_reset", Unit("v_reset", "mV")),
    ("v_thresh", Unit("v_thresh", "mV")),
];
const LIF_COND: &[(&str, Rule)] = &[
    ("v_rest", Unit("v_rest", "mV")),
    ("cm", Unit("c_m", "nF")),
    ("tau_m", Unit("tau_m", "ms")),
    ("tau_refrac", Refractory("t_ref")),
    ("tau_syn_E", Unit("tau_syn_E", "ms")),
    ("tau_syn_I", Unit("tau_syn_I", "ms")),
    ("e_rev_E", Unit("e_rev_E", "mV")),
    ("e_rev_I", Unit("e_rev_I", "mV")),
    ("i_offset", Unit("i_offset", "nA")),
    ("v_reset", Unit("v_reset", "mV")),
    ("v_thresh", Unit("v_thresh", "mV")),
];
const GSFA_GRR: &[(&str, Rule)] = &[
    ("v_rest", Unit("v_rest", "mV")),
    ("cm", Unit("c_m", "nF")),
    ("tau_m", Unit("tau_m", "ms")),
    ("tau_refrac", Refractory("t_ref")),
    ("tau_syn_E", Unit("tau_syn_E", "ms")),
    ("tau_syn_I", Unit("tau_syn_I", "ms")),
    ("e_rev_E", Unit("e_rev_E", "mV")),
    ("e_rev_I", Unit("e_rev_I", "mV")),
    ("i_offset", Unit("i_offset", "nA")),
    ("v_reset", Unit("v_reset", "mV")),
    ("v_thresh", Unit("v_thresh", "mV")),
    ("tau_sfa", Unit("tau_sfa", "ms")),
    ("e_rev_sfa", Unit("e_rev_sfa", "mV")),
    ("q_sfa", Unit("q_sfa", "nS")),
    ("tau_rr", Unit("tau_rr", "ms")),
    ("e_rev_rr", Unit("e_rev_rr", "mV")),
    ("q_rr", Unit("q_rr", "nS")),
];
const ADEX: &[(&str, Rule)] = &[
    ("cm", Unit("c_m", "nF")),
    ("tau_refrac", Refractory("t_ref")),
    ("v_spike", Unit("v_spike", "mV")),
    ("v_reset", Unit("v_reset", "mV")),
    ("v_rest", Unit("v_rest", "mV")),
    ("tau_m", Unit("tau_m", "ms")),
    ("i_offset", Unit("i_offset", "nA")),
    ("a", Unit("a", "nS")),
    ("b", Unit("b", "nA")),
    ("delta_T", Unit("delta_T", "mV")),
    ("tau_w", Unit("tau_w", "ms")),
    ("v_thresh", Unit("v_thresh", "mV")),
    ("e_rev_E", Unit("e_rev_E", "mV")),
    ("tau_syn_E", Unit("tau_syn_E", "ms")),
    ("e_rev_I", Unit("e_rev_I", "mV")),
    ("tau_syn_I", Unit("tau_syn_I", "ms")),
];
const HH: &[(&str, Rule)] = &[
    ("gbar_Na", Unit("gbar_Na", "uS")),
    ("gbar_K", Unit("gbar_K", "uS")),
    ("g_leak", Unit("g_leak", "uS")),
    ("cm", Unit("c_m", "nF")),
    ("v_offset", Unit("v_offset", "mV")),
    ("e_rev_Na", Unit("e_rev_Na", "mV")),
    ("e_rev_K", Unit("e_rev_K", "mV")),
    ("e_rev_leak", Unit("e_rev_leak", "mV")),
    ("e_rev_E", Unit("e_rev_E", "mV")),
    ("e_rev_I", Unit("e_rev_I", "mV")),
    ("tau_syn_E", Unit("tau_syn_E", "ms")),
    ("tau_syn_I", Unit("tau_syn_I", "ms")),
    ("i_offset", Unit("i_offset", "nA")),
];
const FACETS: &[(&str, Rule)] = &[
    ("g_leak", Unit("g_leak", "nS")),
    ("tau_syn_E", Unit("tau_syn_E", "ms")),
    ("tau_syn_I", Unit("tau_syn_I", "ms")),
    ("v_reset", Unit("v_reset", "mV")),
    ("e_rev_I", Unit("e_rev_I", "mV")),
    ("v_rest", Unit("v_rest", "mV")),
    ("v_thresh", Unit("v_thresh", "mV")),
];
const IZHIKEVICH: &[(&str, Rule)] = &[
    ("a", Unit("a", "1/ms")),
    ("b", Unit("b", "1/ms")),
    ("c", Unit("c", "mV")),
    ("d", Unit("d", "mV/ms")),
    ("i_offset", Unit("i_offset", "nA")),
];

const CURR_VARS: &[Var] = &[var("v", "v", "mV"), var("isyn_exc", "i_syn_e", "nA"), var("isyn_inh", "i_syn_i", "nA")];
const COND_VARS: &[Var] = &[var("v", "v", "mV"), var("gsyn_exc", "g_e", "uS"), var("gsyn_inh", "g_i", "uS")];
const ADEX_VARS: &[Var] =
    &[var("v", "v", "mV"), var("w", "w", "nA"), var("gsyn_exc", "g_e", "uS"), var("gsyn_inh", "g_i", "uS")];
const GSFA_VARS: &[Var] = &[
    var("v", "v", "mV"),
    var("g_r", "g_r", "nS"),
    var("g_s", "g_s", "nS"),
    var("gsyn_exc", "g_e", "uS"),
    var("gsyn_inh", "g_i", "uS"),
];
const HH_VARS: &[Var] = &[
    var("v", "v", "mV"),
    var("gsyn_exc", "g_e", "uS"),
    var("gsyn_inh", "g_i", "uS"),
    var("h", "h_inact", "1"),
    var("m", "m_act", "1"),
    var("n", "n_act", "1"),
];

/// `e`: the alpha kernel `w t/tau e^(1 - t/tau)` is `y += e w` feeding
/// `dg/dt = (y - g)/tau` (NEST's `e / tau_syn` initial derivative).
const CURR_EXP_SYN: &[(&str, &str)] =
    &[("excitatory", "i_syn_e_post += w_syn"), ("inhibitory", "i_syn_i_post += w_syn")];
const CURR_ALPHA_SYN: &[(&str, &str)] =
    &[("excitatory", "x_e_post += 2.718281828459045*w_syn"), ("inhibitory", "x_i_post += 2.718281828459045*w_syn")];
/// NEST's `iaf_psc_delta` drops input arriving while refractory.
const DELTA_SYN: &[(&str, &str)] = &[
    ("excitatory", "v_post += w_syn*int(not_refractory_post)"),
    ("inhibitory", "v_post += w_syn*int(not_refractory_post)"),
];
const COND_EXP_SYN: &[(&str, &str)] = &[("excitatory", "g_e_post += w_syn"), ("inhibitory", "g_i_post += w_syn")];
/// `HH_cond_exp` (sub-stepped): the input waits in `pend_*` for the end of
/// the step ([`HH_INPUT`]).
const HH_SYN: &[(&str, &str)] = &[("excitatory", "pend_e_post += w_syn"), ("inhibitory", "pend_i_post += w_syn")];
/// `HH_cond_exp`'s per-sub-step statement: in the last sub-step of a step
/// (after its integration, before the threshold) the conductances take the
/// input that arrived in the step, as NEST's `hh_cond_exp_traub` adds the
/// ring buffers' values after integrating the step
/// (models/hh_cond_exp_traub.cpp, `update`); the driver delivers the input
/// after the step's first sub-step, so without the wait it would enter one
/// sub-step (dt / 10) late.
const HH_INPUT: &str = "last_sub = int(int(t/dt + 0.5) % n_sub == n_sub - 1)
g_e += pend_e*last_sub
g_i += pend_i*last_sub
pend_e = pend_e*(1 - last_sub)
pend_i = pend_i*(1 - last_sub)";
const COND_ALPHA_SYN: &[(&str, &str)] =
    &[("excitatory", "y_e_post += 2.718281828459045*w_syn"), ("inhibitory", "y_i_post += 2.718281828459045*w_syn")];
const JUMP_SYN: &[(&str, &str)] = &[("excitatory", "v_post += w_syn"), ("inhibitory", "v_post += w_syn")];

const LIF_THRESHOLD: &str = "v >= v_thresh";
const LIF_RESET: &str = "v = v_reset";

#[allow(clippy::too_many_arguments)]
const fn neuron(
    pynn: &'static str,
    equations: &'static str,
    method: &'static str,
    params: &'static [(&'static str, Rule)],
    vars: &'static [Var],
    receptors: &'static [(&'static str, &'static str)],
    weight_unit: &'static str,
) -> Brian2Model {
    Brian2Model {
        pynn,
        kind: Kind::Neuron,
        equations,
        threshold: LIF_THRESHOLD,
        reset: LIF_RESET,
        refractory: true,
        method,
        params,
        fixed: &[],
        fixed_refractory: None,
        vars,
        receptors,
        weight_unit,
        before_step: "",
        substeps: 1,
        after_step: "",
        escape: false,
        elements: &[],
    }
}

const fn source(pynn: &'static str, kind: Kind, params: &'static [(&'static str, Rule)]) -> Brian2Model {
    Brian2Model {
        pynn,
        kind,
        equations: "",
        threshold: "",
        reset: "",
        refractory: false,
        method: "",
        params,
        fixed: &[],
        fixed_refractory: None,
        vars: &[],
        receptors: &[],
        weight_unit: "nA",
        before_step: "",
        substeps: 1,
        after_step: "",
        escape: false,
        elements: &[],
    }
}

/// The table: every standard cell type of pynn-core in Brian2 2.9.
pub const MODELS: &[Brian2Model] = &[
    neuron("IF_curr_alpha", IF_CURR_ALPHA_EQ, "exact", LIF_CURR_ALPHA, CURR_VARS, CURR_ALPHA_SYN, "nA"),
    neuron("IF_curr_exp", IF_CURR_EXP_EQ, "exact", LIF_CURR, CURR_VARS, CURR_EXP_SYN, "nA"),
    neuron("IF_curr_delta", IF_CURR_DELTA_EQ, "exact", LIF_CURR, &[var("v", "v", "mV")], DELTA_SYN, "mV"),
    neuron("IF_cond_exp", IF_COND_EXP_EQ, "rk4", LIF_COND, COND_VARS, COND_EXP_SYN, "uS"),
    neuron("IF_cond_alpha", IF_COND_ALPHA_EQ, "rk4", LIF_COND, COND_VARS, COND_ALPHA_SYN, "uS"),
    Brian2Model {
        reset: "v = v_reset; g_s += q_sfa; g_r += q_rr",
        ..neuron("IF_cond_exp_gsfa_grr", GSFA_GRR_EQ, "rk4", GSFA_GRR, GSFA_VARS, COND_EXP_SYN, "uS")
    },
    Brian2Model {
        // PyNN: cm 0.2 nF, tau_refrac 1 ms, e_rev_E 0 mV, i_offset 0 (fixed by the hardware).
        fixed: &[("c_m", 0.2, "nF"), ("e_rev_E", 0.0, "mV"), ("i_offset", 0.0, "nA")],
        fixed_refractory: Some(1.0),
        ..neuron("IF_facets_hardware1", FACETS_EQ, "rk4", FACETS, COND_VARS, COND_EXP_SYN, "uS")
    },
    Brian2Model {
        threshold: "v >= v_spike",
        reset: "v = v_reset; w += b",
        ..neuron("EIF_cond_exp_isfa_ista", ADEX_EXP_EQ, "rk4", ADEX, ADEX_VARS, COND_EXP_SYN, "uS")
    },
    Brian2Model {
        threshold: "v >= v_spike",
        reset: "v = v_reset; w += b",
        ..neuron("EIF_cond_alpha_isfa_ista", ADEX_ALPHA_EQ, "rk4", ADEX, ADEX_VARS, COND_ALPHA_SYN, "uS")
    },
    Brian2Model {
        // No reset; a spike when v has peaked above v_offset + 30 mV, with
        // NEST's 2 ms dead time (hh_cond_exp_traub's t_ref).
        // rk4 at dt/10: the sodium current makes the system stiff (time
        // constant cm / gbar_Na = 0.01 ms), beyond rk4's stability at dt.
        threshold: "v >= v_offset + 30*mV and v_start > v and int(t/dt + 0.5) % n_sub == n_sub - 1",
        reset: "",
        fixed_refractory: Some(2.0),
        before_step: "v_start = v",
        substeps: 10,
        after_step: HH_INPUT,
        ..neuron("HH_cond_exp", HH_EQ, "rk4", HH, HH_VARS, HH_SYN, "uS")
    },
    Brian2Model {
        threshold: "v >= 30*mV",
        reset: "v = c; u += d",
        refractory: false,
        ..neuron(
            "Izhikevich",
            IZHIKEVICH_EQ,
            "euler",
            IZHIKEVICH,
            &[var("v", "v", "mV"), var("u", "u", "mV/ms")],
            JUMP_SYN,
            "mV",
        )
    },
    Brian2Model {
        // The escape decision of the driver; no reset of v at the spike.
        threshold: "fire > 0.5",
        reset: "",
        after_step: "v = v_reset*(1 - int(not_refractory)) + v*int(not_refractory)",
        escape: true,
        elements: GIF_ELEMENTS,
        ..neuron(
            "GIF_cond_exp",
            GIF_EQ,
            "rk4",
            GIF,
            &[
                var("v", "v", "mV"),
                var("gsyn_exc", "g_e", "uS"),
                var("gsyn_inh", "g_i", "uS"),
                var("i_eta", "i_eta", "nA"),
                var("v_t", "v_t", "mV"),
            ],
            COND_EXP_SYN,
            "uS",
        )
    },
    // Its model depends on the composition: `point_neuron_model`.
    neuron("PointNeuron", "", "exact", &[], &[], &[], "nA"),
    source("SpikeSourceArray", Kind::SpikeArray, &[("spike_times", Rule::Special)]),
    source(
        "SpikeSourcePoisson",
        Kind::Poisson,
        &[("rate", Rule::Special), ("start", Rule::Special), ("duration", Rule::Special)],
    ),
    source(
        "SpikeSourcePoissonRefractory",
        Kind::Poisson,
        &[
            ("rate", Rule::Special),
            ("tau_refrac", Rule::Special),
            ("start", Rule::Special),
            ("duration", Rule::Special),
        ],
    ),
    source(
        "SpikeSourceGamma",
        Kind::Poisson,
        &[("alpha", Rule::Special), ("beta", Rule::Special), ("start", Rule::Special), ("duration", Rule::Special)],
    ),
    source(
        "SpikeSourceInhGamma",
        Kind::Poisson,
        &[
            ("a", Rule::Special),
            ("b", Rule::Special),
            ("tbins", Rule::Special),
            ("start", Rule::Special),
            ("duration", Rule::Special),
        ],
    ),
];

/// The row of PyNN cell type `pynn`, if the Brian2 backend supports it.
pub fn model(pynn: &str) -> Option<&'static Brian2Model> {
    MODELS.iter().find(|m| m.pynn == pynn)
}

/// The model of a population of `base` (a row with [`Elements`]) whose
/// kernels have `counts[k]` elements: the row's equations with one
/// variable, decay factor and jump per element, the statements that sum
/// and decay them at the start of every step (NEST sums, then decays:
/// `gif_cond_exp::update`) and the jumps at a spike. One model per distinct
/// `(base, counts)` is built and kept for the program's lifetime.
pub fn gif_model(base: &'static Brian2Model, counts: &[usize]) -> &'static Brian2Model {
    type Registry = std::collections::HashMap<(String, Vec<usize>), &'static Brian2Model>;
    static MODELS: std::sync::Mutex<Option<Registry>> = std::sync::Mutex::new(None);
    let key = (base.pynn.to_string(), counts.to_vec());
    let mut guard = MODELS.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(Default::default);
    if let Some(m) = map.get(&key) {
        return m;
    }
    let mut eqs = base.equations.to_string();
    let mut before = Vec::new();
    let mut reset = Vec::new();
    for (el, n) in base.elements.iter().zip(counts) {
        let dim = if el.unit == "mV" { "volt" } else { "amp" };
        let mut sum = Vec::new();
        for k in 0..*n {
            let (x, p, q) =
                (format!("{}_{k}", el.prefix), format!("{}_p_{k}", el.prefix), format!("{}_q_{k}", el.prefix));
            eqs.push_str(&format!("{x} : {dim}\n{p} : 1\n{q} : {dim}\n"));
            sum.push(x.clone());
            reset.push(format!("{x} += {q}"));
        }
        let zero = format!("0*{}", el.unit);
        let total = if sum.is_empty() { zero } else { sum.join(" + ") };
        // i_eta = sum of eta_k; v_t = v_t_star + sum of gamma_k.
        let target = if el.prefix == "eta" { format!("i_eta = {total}") } else { format!("v_t = v_t_star + {total}") };
        before.push(target);
        for x in &sum {
            before.push(format!("{x} = {x}*{}_p_{}", el.prefix, &x[el.prefix.len() + 1..]));
        }
    }
    let model: &'static Brian2Model = Box::leak(Box::new(Brian2Model {
        equations: Box::leak(eqs.into_boxed_str()),
        before_step: Box::leak(before.join("\n").into_boxed_str()),
        reset: Box::leak(reset.join("\n").into_boxed_str()),
        ..*base
    }));
    map.insert(key, model);
    model
}

/// The element values of a population of a model with [`Elements`]: per
/// element `k < counts[i]` the decay factor over one step
/// `exp(-dt / tau_k)` and the jump, padded with zeros (an element that
/// never jumps stays 0). `get(name)` gives the per-cell sequences.
pub fn element_values<'a>(
    model: &Brian2Model,
    counts: &[usize],
    get: impl Fn(&str) -> &'a [Vec<f64>],
    dt: f64,
) -> Vec<(String, &'static str, Vec<f64>)> {
    let mut out = Vec::new();
    for (el, n) in model.elements.iter().zip(counts) {
        let (taus, amps) = (get(el.tau), get(el.amp));
        for k in 0..*n {
            let p = taus.iter().map(|t| t.get(k).map_or(0.0, |t| (-dt / t).exp())).collect();
            let q = amps.iter().map(|a| a.get(k).copied().unwrap_or(0.0)).collect();
            out.push((format!("{}_p_{k}", el.prefix), "1", p));
            out.push((format!("{}_q_{k}", el.prefix), el.unit, q));
        }
    }
    out
}

/// NEST's `beta_normalization_factor` (`libnestutil/beta_normalization_factor.h`,
/// as `native/point.rs`): the factor (1/ms) that makes the peak of the beta
/// conductance equal the weight; `e / tau_decay` when the time constants
/// coincide (the alpha function).
pub fn beta_normalization(tau_rise: f64, tau_decay: f64) -> f64 {
    let diff = tau_decay - tau_rise;
    let mut peak = 0.0;
    if diff.abs() > f64::EPSILON {
        let t_peak = tau_decay * tau_rise * (tau_decay / tau_rise).ln() / diff;
        peak = (-t_peak / tau_decay).exp() - (-t_peak / tau_rise).exp();
    }
    if peak.abs() < f64::EPSILON { std::f64::consts::E / tau_decay } else { (1.0 / tau_rise - 1.0 / tau_decay) / peak }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The Brian2 model of PyNN's composed `PointNeuron` of composition `comp`
/// (built once per distinct composition and kept for the program's
/// lifetime; receptor `k` in receptor order has variables `i_k` / `g_k`):
///
/// * `LIF` + `CurrExp` receptors: the `IF_curr_exp` membrane with one
///   current per receptor, `exact` (NEST `iaf_psc_exp_multisynapse`; a
///   `tau_syn` equal to `tau_m` is separated as for `IF_curr_exp`);
/// * `LIF` + conductance receptors: the `IF_cond_exp` membrane (`v` bounded
///   by `v_thresh` in the currents, NEST `iaf_cond_exp`), `rk4`;
/// * `AdExp` + conductance receptors: the `EIF_cond_*_isfa_ista` membrane
///   (NEST `aeif_cond_{alpha,beta}_multisynapse`), `rk4`;
/// * receptors: `CurrExp` `i += w`, `CondExp` `g += w`, `CondAlpha`
///   `y += e w` into `dg/dt = (y - g)/tau`, `CondBeta` `h += g0 w` into
///   `dh/dt = -h/tau_rise`, `dg/dt = h - g/tau_decay` with NEST's
///   normalisation `g0` ([`beta_normalization`]), as the native kernels.
///
/// `AdExp` with current receptors, and a mix of current and conductance
/// receptors, are errors (neither NEST nor PyNN has them).
pub fn point_neuron_model(comp: &Composition) -> Result<&'static Brian2Model, String> {
    type Registry = std::collections::HashMap<Composition, &'static Brian2Model>;
    static MODELS: std::sync::Mutex<Option<Registry>> = std::sync::Mutex::new(None);
    let mut guard = MODELS.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(Default::default);
    if let Some(m) = map.get(comp) {
        return Ok(m);
    }
    let current = comp.receptors.iter().all(|(_, k)| *k == PsrKind::CurrExp);
    let conductance = comp.receptors.iter().all(|(_, k)| *k != PsrKind::CurrExp);
    if !current && !conductance {
        return Err("PointNeuron: current- and conductance-based receptors cannot be mixed".into());
    }
    if comp.neuron == NeuronKind::AdExp && current && !comp.receptors.is_empty() {
        return Err("PointNeuron: AdExp takes conductance-based receptors (CondExp, CondAlpha, CondBeta) only".into());
    }
    let adex = comp.neuron == NeuronKind::AdExp;
    let mut eqs = String::new();
    let mut params: Vec<(&'static str, Rule)> = if adex { ADEX[..12].to_vec() } else { LIF_POINT.to_vec() };
    let mut vars = vec![var("v", "v", "mV")];
    if adex {
        vars.push(var("w", "w", "nA"));
    }
    let mut receptors = Vec::new();
    let mut sum = Vec::new();
    for (k, (name, kind)) in comp.receptors.iter().enumerate() {
        let p = |x: &str| leak(format!("{name}.{x}"));
        let b = |x: &str| leak(format!("{x}_{k}"));
        match kind {
            PsrKind::CurrExp => {
                eqs.push_str(&format!("di_{k}/dt = -i_{k}/tau_syn_{k} : amp\ntau_syn_{k} : second\n"));
                params.push((p("tau_syn"), TauSyn(b("tau_syn"), TAU_SEPARATION)));
                vars.push(var(p("isyn"), b("i"), "nA"));
                receptors.push((*name, leak(format!("i_{k}_post += w_syn"))));
                sum.push(format!("i_{k}"));
                continue;
            }
            PsrKind::CondExp => {
                eqs.push_str(&format!("dg_{k}/dt = -g_{k}/tau_syn_{k} : siemens\ntau_syn_{k} : second\n"));
                params.push((p("tau_syn"), Unit(b("tau_syn"), "ms")));
                receptors.push((*name, leak(format!("g_{k}_post += w_syn"))));
            }
            PsrKind::CondAlpha => {
                eqs.push_str(&format!(
                    "dg_{k}/dt = (y_{k} - g_{k})/tau_syn_{k} : siemens\ndy_{k}/dt = -y_{k}/tau_syn_{k} : siemens\n\
                     tau_syn_{k} : second\n"
                ));
                params.push((p("tau_syn"), Unit(b("tau_syn"), "ms")));
                receptors.push((*name, leak(format!("y_{k}_post += 2.718281828459045*w_syn"))));
            }
            PsrKind::CondBeta => {
                eqs.push_str(&format!(
                    "dg_{k}/dt = h_{k} - g_{k}/tau_decay_{k} : siemens\ndh_{k}/dt = -h_{k}/tau_rise_{k} : siemens/second\n\
                     tau_rise_{k} : second\ntau_decay_{k} : second\nbeta_{k} : 1/second\n"
                ));
                params.push((p("tau_rise"), Unit(b("tau_rise"), "ms")));
                params.push((p("tau_decay"), Unit(b("tau_decay"), "ms")));
                params.push(("", Rule::BetaNorm(b("beta"), p("tau_rise"), p("tau_decay"))));
                receptors.push((*name, leak(format!("h_{k}_post += beta_{k}_post*w_syn"))));
            }
        }
        eqs.push_str(&format!("e_syn_{k} : volt\n"));
        params.push((p("e_syn"), Unit(b("e_syn"), "mV")));
        vars.push(var(p("gsyn"), b("g"), "uS"));
        sum.push(format!("g_{k}*(e_syn_{k} - v_c)"));
    }
    let total = if sum.is_empty() { "0*amp".to_string() } else { sum.join(" + ") };
    let (membrane, method, threshold, reset) = if current {
        (
            format!(
                "dv/dt = (v_rest - v)/tau_m + ({total} + i_offset + i_inj)/c_m : volt (unless refractory)\n\
                 v_rest : volt\ntau_m : second\nc_m : farad\ni_offset : amp\nv_reset : volt\nv_thresh : volt\n\
                 t_ref : second\ni_inj : amp\n"
            ),
            "exact",
            LIF_THRESHOLD,
            LIF_RESET,
        )
    } else if !adex {
        (
            format!(
                "dv/dt = (g_leak*(v_rest - v_c) + {total} + i_offset + i_inj)/c_m : volt (unless refractory)\n\
                 v_c = v - clip(v - v_thresh, 0*mV, inf*mV) : volt\ng_leak = c_m/tau_m : siemens\n\
                 v_rest : volt\ntau_m : second\nc_m : farad\ni_offset : amp\nv_reset : volt\nv_thresh : volt\n\
                 t_ref : second\ni_inj : amp\n"
            ),
            "rk4",
            LIF_THRESHOLD,
            LIF_RESET,
        )
    } else {
        (
            format!(
                "dv/dt = (g_leak*(v_rest - v_c) + g_leak*delta_T*exp((v_c - v_thresh)/delta_T) + {total} - w + \
                 i_offset + i_inj)/c_m : volt (unless refractory)\n\
                 dw/dt = (a*(v_c - v_rest) - w)/tau_w : amp\n\
                 v_c = v - clip(v - v_spike, 0*mV, inf*mV) : volt\ng_leak = c_m/tau_m : siemens\n\
                 c_m : farad\nt_ref : second\nv_spike : volt\nv_reset : volt\nv_rest : volt\ntau_m : second\n\
                 i_offset : amp\na : siemens\nb : amp\ndelta_T : volt\ntau_w : second\nv_thresh : volt\ni_inj : amp\n"
            ),
            "rk4",
            "v >= v_spike",
            "v = v_reset; w += b",
        )
    };
    let model: &'static Brian2Model = Box::leak(Box::new(Brian2Model {
        pynn: "PointNeuron",
        equations: leak(membrane + &eqs),
        threshold,
        reset,
        method,
        params: Box::leak(params.into_boxed_slice()),
        vars: Box::leak(vars.into_boxed_slice()),
        receptors: Box::leak(receptors.into_boxed_slice()),
        weight_unit: if current { "nA" } else { "uS" },
        ..Brian2Model::NEURON
    }));
    map.insert(comp.clone(), model);
    Ok(model)
}

/// The membrane parameters of a `LIF` `PointNeuron` (PyNN's `LIF`).
const LIF_POINT: &[(&str, Rule)] = &[
    ("cm", Unit("c_m", "nF")),
    ("tau_refrac", Refractory("t_ref")),
    ("v_reset", Unit("v_reset", "mV")),
    ("v_rest", Unit("v_rest", "mV")),
    ("tau_m", Unit("tau_m", "ms")),
    ("i_offset", Unit("i_offset", "nA")),
    ("v_thresh", Unit("v_thresh", "mV")),
];

/// The row of cell type `C`, if the Brian2 backend supports it.
pub fn model_of<C: CellType>() -> Option<&'static Brian2Model> {
    model(C::NAME)
}

/// NEST's refractory steps: `t_ref` rounded to the nearest tic (1 µs), then
/// up to whole steps of `h` (the native engine's rule).
pub fn refractory_steps(t_ref: f64, h: f64) -> u64 {
    let tics = (t_ref * 1000.0 + 0.5).floor();
    let per_step = (h * 1000.0 + 0.5).floor();
    (tics / per_step).ceil().max(0.0) as u64
}

/// One Brian2 parameter of a population: name, unit, one value per cell.
pub type Translated = (&'static str, &'static str, Vec<f64>);

impl Brian2Model {
    /// A neuron model with nothing in it, for struct-update syntax in a
    /// user's own row (`Brian2Model { pynn: "Mine", equations: ..., ..Brian2Model::NEURON }`):
    /// threshold `v >= v_thresh`, reset `v = v_reset`, refractoriness,
    /// no parameters, variables or receptors, one sub-step.
    pub const NEURON: Brian2Model = neuron("", "", "exact", &[], &[], &[], "nA");

    /// The Brian2 parameters of a population whose PyNN parameters are given
    /// by `get(name)`, for time step `dt` (ms).
    pub fn translate_parameters<'a>(&self, get: impl Fn(&str) -> Option<&'a [f64]>, dt: f64) -> Vec<Translated> {
        let mut out: Vec<Translated> = Vec::new();
        let refrac = |t: f64| (refractory_steps(t, dt) + 1) as f64 * dt;
        for (name, rule) in self.params {
            let Some(values) = get(name) else { continue };
            match rule {
                Unit(b, unit) => out.push((b, unit, values.to_vec())),
                Refractory(b) => out.push((b, "ms", values.iter().map(|t| refrac(*t)).collect())),
                TauSyn(b, sep) => {
                    let tau_m = get("tau_m");
                    let moved = values
                        .iter()
                        .enumerate()
                        .map(|(i, ts)| match tau_m.and_then(|t| t.get(i)) {
                            Some(tm) if (ts - tm).abs() <= sep * tm.abs() => tm * (1.0 + sep),
                            _ => *ts,
                        })
                        .collect();
                    out.push((b, "ms", moved));
                }
                Rule::BetaNorm(..) => {}
                Rule::Special => {}
            }
        }
        for (_, rule) in self.params {
            if let Rule::BetaNorm(b, rise, decay) = rule
                && let (Some(r), Some(d)) = (get(rise), get(decay))
            {
                out.push((b, "1/ms", r.iter().zip(d).map(|(r, d)| beta_normalization(*r, *d)).collect()));
            }
        }
        if let Some(n) = out.first().map(|(_, _, v)| v.len()) {
            for (name, x, unit) in self.fixed {
                out.retain(|(k, _, _)| k != name);
                out.push((name, unit, vec![*x; n]));
            }
            if let Some(t) = self.fixed_refractory {
                out.push(("t_ref", "ms", vec![refrac(t); n]));
            }
        }
        out
    }

    /// The variable `pynn` (state or recordable).
    pub fn var(&self, pynn: &str) -> Option<&'static Var> {
        self.vars.iter().find(|v| v.pynn == pynn)
    }

    /// The `on_pre` statement of receptor `name`.
    pub fn on_pre(&self, receptor: &str) -> Option<&'static str> {
        self.receptors.iter().find(|(r, _)| *r == receptor).map(|(_, c)| *c)
    }
}

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
        for r in C::RECEPTORS {
            assert!(m.on_pre(r).is_some(), "{} receptor {r} has no on_pre", C::NAME);
        }
        if m.kind == Kind::Neuron {
            // Every translated parameter and state variable is declared in the equations.
            let declared = |name: &str| {
                m.equations.lines().any(|l| {
                    let l = l.trim();
                    l.starts_with(&format!("{name} :")) || l.starts_with(&format!("d{name}/dt ="))
                })
            };
            let t = ParamTable::defaults(C::PARAMETERS, 1);
            for (b, _, _) in m.translate_parameters(|n| t.column(n).and_then(|c| c.as_scalar()), 0.1) {
                assert!(declared(b), "{}: parameter {b} not declared", C::NAME);
            }
            for v in m.vars {
                assert!(declared(v.brian), "{}: variable {} not declared", C::NAME, v.brian);
            }
            assert!(declared("i_inj"), "{}: no i_inj", C::NAME);
        }
    }

    #[test]
    fn every_standard_type_is_fully_translated() {
        macro_rules! all {
            ($($t:ident),*) => { $(covers::<$t>();)* };
        }
        pynn_core::for_each_standard_cell!(all);
    }

    fn translate<C: CellType>(dt: f64) -> Vec<(&'static str, &'static str, f64)> {
        let t = ParamTable::defaults(C::PARAMETERS, 1);
        let m = model_of::<C>().unwrap();
        m.translate_parameters(|n| t.column(n).and_then(|c| c.as_scalar()), dt)
            .into_iter()
            .map(|(k, u, v)| (k, u, v[0]))
            .collect()
    }

    #[test]
    fn pynn_defaults_in_brian2_names_and_units() {
        let a = translate::<IF_curr_alpha>(0.1);
        assert!(a.contains(&("c_m", "nF", 1.0)) && a.contains(&("i_offset", "nA", 0.0)), "{a:?}");
        // tau_refrac 0.1 ms at dt 0.1: NEST clamps 1 step after the spike
        // step; Brian2 counts the spike step, so 2 steps.
        assert!(a.contains(&("t_ref", "ms", 0.2)), "{a:?}");
        // tau_syn 0.5 ms, tau_m 20 ms: unchanged; separate E and I constants.
        assert!(a.contains(&("tau_syn_E", "ms", 0.5)) && a.contains(&("tau_syn_I", "ms", 0.5)), "{a:?}");
        let f = translate::<IF_facets_hardware1>(0.1);
        assert!(f.contains(&("c_m", "nF", 0.2)) && f.contains(&("g_leak", "nS", 40.0)), "{f:?}");
        assert!(f.iter().any(|(k, u, v)| *k == "t_ref" && *u == "ms" && (v - 1.1).abs() < 1e-12), "{f:?}");
        let h = translate::<HH_cond_exp>(0.1);
        assert!(h.iter().any(|(k, _, v)| *k == "t_ref" && (v - 2.1).abs() < 1e-12), "{h:?}");
        let e = translate::<EIF_cond_exp_isfa_ista>(0.1);
        assert!(e.contains(&("b", "nA", 0.0805)) && e.contains(&("v_spike", "mV", -40.0)), "{e:?}");
        let i = translate::<Izhikevich>(0.1);
        assert_eq!(
            i,
            vec![
                ("a", "1/ms", 0.02),
                ("b", "1/ms", 0.2),
                ("c", "mV", -65.0),
                ("d", "mV/ms", 2.0),
                ("i_offset", "nA", 0.0)
            ]
        );
    }

    #[test]
    fn refractory_rounding_and_heterogeneous_values() {
        let m = model("IF_curr_exp").unwrap();
        let tr = [0.0, 0.1, 0.15, 2.0, 2.04];
        let tm = [20.0; 5];
        let out = m.translate_parameters(|n| if n == "tau_refrac" { Some(&tr) } else { Some(&tm) }, 0.1);
        let t_ref = &out.iter().find(|(k, _, _)| *k == "t_ref").unwrap().2;
        let want = [0.1, 0.2, 0.3, 2.1, 2.2];
        for (a, b) in t_ref.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{t_ref:?}");
        }
    }

    #[test]
    fn equal_time_constants_are_separated_for_exact_integration() {
        let m = model("IF_curr_exp").unwrap();
        let tau_m = [10.0, 10.0];
        let tau_s = [10.0, 5.0];
        let out = m.translate_parameters(|n| if n == "tau_m" { Some(&tau_m) } else { Some(&tau_s) }, 0.1);
        let ts = &out.iter().find(|(k, _, _)| *k == "tau_syn_E").unwrap().2;
        assert_eq!(ts[0], 10.0 * (1.0 + TAU_SEPARATION));
        assert_eq!(ts[1], 5.0);
    }

    #[test]
    fn gif_elements_become_variables_sums_and_jumps() {
        let base = model("GIF_cond_exp").unwrap();
        let m = gif_model(base, &[2, 1]);
        assert!(m.equations.contains("eta_1 : amp") && m.equations.contains("gamma_0 : volt"), "{}", m.equations);
        assert!(m.before_step.contains("i_eta = eta_0 + eta_1"), "{}", m.before_step);
        assert!(m.before_step.contains("v_t = v_t_star + gamma_0"), "{}", m.before_step);
        assert!(m.reset.contains("eta_1 += eta_q_1"), "{}", m.reset);
        // One model per composition.
        assert!(std::ptr::eq(m, gif_model(base, &[2, 1])));
        let taus = [vec![10.0, 20.0], vec![5.0]];
        let amps = [vec![0.1, 0.2], vec![0.3]];
        let get = |n: &str| -> &[Vec<f64>] { if n.starts_with("tau") { &taus } else { &amps } };
        let v = element_values(m, &[2, 1], get, 0.1);
        let eta_p_1 = &v.iter().find(|(k, _, _)| k == "eta_p_1").unwrap().2;
        // exp(-dt / tau) per cell; the shorter kernel is padded with 0.
        assert_eq!(eta_p_1, &vec![(-0.1f64 / 20.0).exp(), 0.0]);
    }

    #[test]
    fn separate_receptors() {
        let a = model("IF_curr_alpha").unwrap();
        assert!(a.on_pre("inhibitory").unwrap().contains("x_i_post"));
        assert!(a.equations.contains("dx_i/dt = -x_i/tau_syn_I"));
        assert_eq!(model("IF_cond_exp").unwrap().on_pre("inhibitory"), Some("g_i_post += w_syn"));
        assert_eq!(model("EIF_cond_exp_isfa_ista").unwrap().threshold, "v >= v_spike");
        assert_eq!(model("IF_curr_delta").unwrap().weight_unit, "mV");
    }
}
