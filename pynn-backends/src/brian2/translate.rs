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

use pynn_core::cells::CellType;

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
    /// 1`, `n_sub` a parameter set by the driver), and input reaches it one
    /// sub-step after the step boundary (see `driver.py`).
    pub substeps: u32,
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
        ..neuron("HH_cond_exp", HH_EQ, "rk4", HH, HH_VARS, COND_EXP_SYN, "uS")
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
                Rule::Special => {}
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
        covers::<IF_curr_alpha>();
        covers::<IF_curr_exp>();
        covers::<IF_curr_delta>();
        covers::<IF_cond_exp>();
        covers::<IF_cond_alpha>();
        covers::<IF_cond_exp_gsfa_grr>();
        covers::<IF_facets_hardware1>();
        covers::<EIF_cond_exp_isfa_ista>();
        covers::<EIF_cond_alpha_isfa_ista>();
        covers::<HH_cond_exp>();
        covers::<Izhikevich>();
        covers::<SpikeSourceArray>();
        covers::<SpikeSourcePoisson>();
        covers::<SpikeSourcePoissonRefractory>();
        covers::<SpikeSourceGamma>();
        covers::<SpikeSourceInhGamma>();
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
    fn separate_receptors() {
        let a = model("IF_curr_alpha").unwrap();
        assert!(a.on_pre("inhibitory").unwrap().contains("x_i_post"));
        assert!(a.equations.contains("dx_i/dt = -x_i/tau_syn_I"));
        assert_eq!(model("IF_cond_exp").unwrap().on_pre("inhibitory"), Some("g_i_post += w_syn"));
        assert_eq!(model("EIF_cond_exp_isfa_ista").unwrap().threshold, "v >= v_spike");
        assert_eq!(model("IF_curr_delta").unwrap().weight_unit, "mV");
    }
}
