//! What `network!` knows about the object API: cell types, connectors,
//! synapse types, current sources, random distributions, setup keys and
//! units, as plain tables.
//!
//! Adding a cell type, connector, synapse type or current source to the
//! macro is adding an entry here (plus, for connectors and synapse types, a
//! constructor function of the same name in `pynn::__private`). The cell
//! table mirrors `pynn_core::CellType::{NAME, PARAMETERS, STATE,
//! RECORDABLES, RECEPTORS, CONDUCTANCE_BASED, INJECTABLE}`; the facade's test
//! `tests/macro_schema.rs` includes this file and checks that the two agree,
//! so they cannot drift.
//!
//! This file must stay free of dependencies (no syn, no quote): it is also
//! compiled into that test with `#[path]`.

/// A physical dimension, with PyNN's unit for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// ms
    Time,
    /// mV
    Voltage,
    /// nA
    Current,
    /// nF
    Capacitance,
    /// uS
    Conductance,
    /// Hz
    Rate,
    /// mV/ms (Izhikevich's `d` and `u`; no unit is accepted after a
    /// number, write it bare).
    VoltageRate,
    /// um (positions and extents of population structures).
    Length,
    /// No unit (probabilities, counts, seeds).
    Dimensionless,
}

impl Dim {
    /// PyNN's unit for this dimension (`""` when dimensionless).
    pub const fn unit(self) -> &'static str {
        match self {
            Dim::Time => "ms",
            Dim::Voltage => "mV",
            Dim::Current => "nA",
            Dim::Capacitance => "nF",
            Dim::Conductance => "uS",
            Dim::Rate => "Hz",
            Dim::VoltageRate => "mV/ms",
            Dim::Length => "um",
            Dim::Dimensionless => "",
        }
    }

    /// `a time`, for messages (with the unit: [`Dim::describe_in`]).
    pub const fn noun(self) -> &'static str {
        match self {
            Dim::Time => "a time",
            Dim::Voltage => "a voltage",
            Dim::Current => "a current",
            Dim::Capacitance => "a capacitance",
            Dim::Conductance => "a conductance",
            Dim::Rate => "a rate",
            Dim::VoltageRate => "a rate of change of voltage",
            Dim::Length => "a length",
            Dim::Dimensionless => "dimensionless",
        }
    }

    /// `a conductance (nS)`: this dimension in a given unit, for messages.
    pub fn describe_in(self, unit: &str) -> String {
        if unit.is_empty() { self.noun().to_string() } else { format!("{} ({unit})", self.noun()) }
    }

    /// `a time (ms)`, for messages.
    pub const fn describe(self) -> &'static str {
        match self {
            Dim::Time => "a time (ms)",
            Dim::Voltage => "a voltage (mV)",
            Dim::Current => "a current (nA)",
            Dim::Capacitance => "a capacitance (nF)",
            Dim::Conductance => "a conductance (uS)",
            Dim::Rate => "a rate (Hz)",
            Dim::VoltageRate => "a rate of change of voltage (mV/ms)",
            Dim::Length => "a length (um)",
            Dim::Dimensionless => "dimensionless",
        }
    }
}

/// A unit the macro accepts after a number, with its factor to PyNN's unit.
#[derive(Debug, Clone, Copy)]
pub struct Unit {
    /// As written (`nS`).
    pub name: &'static str,
    /// Its dimension.
    pub dim: Dim,
    /// Multiply by this to get PyNN's unit (`nS` -> `uS`: 1e-3).
    pub factor: f64,
}

const fn unit(name: &'static str, dim: Dim, factor: f64) -> Unit {
    Unit { name, dim, factor }
}

/// Every accepted unit. PyNN's own units have factor 1.
pub const UNITS: &[Unit] = &[
    unit("ms", Dim::Time, 1.0),
    unit("s", Dim::Time, 1e3),
    unit("mV", Dim::Voltage, 1.0),
    unit("uV", Dim::Voltage, 1e-3),
    unit("V", Dim::Voltage, 1e3),
    unit("nA", Dim::Current, 1.0),
    unit("pA", Dim::Current, 1e-3),
    unit("uA", Dim::Current, 1e3),
    unit("nF", Dim::Capacitance, 1.0),
    unit("pF", Dim::Capacitance, 1e-3),
    unit("uF", Dim::Capacitance, 1e3),
    unit("uS", Dim::Conductance, 1.0),
    unit("nS", Dim::Conductance, 1e-3),
    unit("mS", Dim::Conductance, 1e3),
    unit("Hz", Dim::Rate, 1.0),
    unit("kHz", Dim::Rate, 1e3),
    unit("um", Dim::Length, 1.0),
    unit("nm", Dim::Length, 1e-3),
    unit("mm", Dim::Length, 1e3),
];

/// Factor of a parameter's unit to its dimension's PyNN unit: `nS` is
/// `1e-3` (of uS), `1/ms` is `1e3` (of Hz); PyNN's own units are 1. A number
/// written with unit `u` for a parameter in unit `pu` is multiplied by
/// `u.factor / unit_scale(pu)`.
pub fn unit_scale(unit: &str) -> f64 {
    match unit {
        "1/ms" => 1e3,
        _ => unit_named(unit).map_or(1.0, |u| u.factor),
    }
}

/// A scalar (one number per cell) or a sequence (e.g. spike times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One number.
    Scalar,
    /// A sequence of numbers.
    Sequence,
}

/// A named quantity: a cell parameter, state variable or recordable.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// PyNN's name (also the Rust field name).
    pub name: &'static str,
    /// Its dimension.
    pub dim: Dim,
    /// Scalar or sequence.
    pub kind: Kind,
    /// The core's unit for it (usually `dim.unit()`; `nS` for some
    /// conductances, `1/ms` for Izhikevich's `a` and `b`).
    pub unit: &'static str,
}

const fn p(name: &'static str, dim: Dim) -> Param {
    Param { name, dim, kind: Kind::Scalar, unit: dim.unit() }
}

/// A scalar in a unit other than its dimension's PyNN unit.
const fn pu(name: &'static str, dim: Dim, unit: &'static str) -> Param {
    Param { name, dim, kind: Kind::Scalar, unit }
}

const fn seq(name: &'static str, dim: Dim) -> Param {
    Param { name, dim, kind: Kind::Sequence, unit: dim.unit() }
}

/// A sequence in a unit other than its dimension's PyNN unit.
const fn sequ(name: &'static str, dim: Dim, unit: &'static str) -> Param {
    Param { name, dim, kind: Kind::Sequence, unit }
}

/// A cell type, as `pynn_core::CellType` describes it.
#[derive(Debug, Clone, Copy)]
pub struct CellSchema {
    /// PyNN's name, also the type's name in `pynn::__private`.
    pub name: &'static str,
    /// Parameters (fields of the Rust struct), in schema order.
    pub parameters: &'static [Param],
    /// State variables with initial values.
    pub state: &'static [Param],
    /// Recordable variables, `spikes` first.
    pub recordables: &'static [Param],
    /// Receptor types.
    pub receptors: &'static [&'static str],
    /// Weights are conductances (uS).
    pub conductance_based: bool,
    /// Current sources can be injected.
    pub injectable: bool,
    /// Dimension of a synaptic weight onto this cell type.
    pub weight: Dim,
}

const LIF: &[Param] = &[
    p("v_rest", Dim::Voltage),
    p("cm", Dim::Capacitance),
    p("tau_m", Dim::Time),
    p("tau_refrac", Dim::Time),
    p("tau_syn_E", Dim::Time),
    p("tau_syn_I", Dim::Time),
    p("i_offset", Dim::Current),
    p("v_reset", Dim::Voltage),
    p("v_thresh", Dim::Voltage),
];
const LIF_DELTA: &[Param] = &[
    p("v_rest", Dim::Voltage),
    p("cm", Dim::Capacitance),
    p("tau_m", Dim::Time),
    p("tau_refrac", Dim::Time),
    p("i_offset", Dim::Current),
    p("v_reset", Dim::Voltage),
    p("v_thresh", Dim::Voltage),
];
const CURR_STATE: &[Param] = &[p("v", Dim::Voltage), p("isyn_exc", Dim::Current), p("isyn_inh", Dim::Current)];
const CURR_RECORDABLES: &[Param] =
    &[p("spikes", Dim::Time), p("v", Dim::Voltage), p("isyn_exc", Dim::Current), p("isyn_inh", Dim::Current)];
const SPIKES: &[Param] = &[p("spikes", Dim::Time)];

/// A spike source: no state, records `spikes`, no receptors.
const fn source(name: &'static str, parameters: &'static [Param]) -> CellSchema {
    CellSchema {
        name,
        parameters,
        state: &[],
        recordables: SPIKES,
        receptors: &[],
        conductance_based: false,
        injectable: false,
        weight: Dim::Current,
    }
}
const EXC_INH: &[&str] = &["excitatory", "inhibitory"];

/// `IF_cond_exp`, `IF_cond_alpha` (schema order of the core).
const LIF_COND: &[Param] = &[
    p("v_rest", Dim::Voltage),
    p("cm", Dim::Capacitance),
    p("tau_m", Dim::Time),
    p("tau_refrac", Dim::Time),
    p("tau_syn_E", Dim::Time),
    p("tau_syn_I", Dim::Time),
    p("e_rev_E", Dim::Voltage),
    p("e_rev_I", Dim::Voltage),
    p("v_thresh", Dim::Voltage),
    p("v_reset", Dim::Voltage),
    p("i_offset", Dim::Current),
];
const COND_STATE: &[Param] = &[p("v", Dim::Voltage), p("gsyn_exc", Dim::Conductance), p("gsyn_inh", Dim::Conductance)];
const COND_RECORDABLES: &[Param] =
    &[p("spikes", Dim::Time), p("v", Dim::Voltage), p("gsyn_exc", Dim::Conductance), p("gsyn_inh", Dim::Conductance)];
/// The adaptive exponential models (`EIF_cond_*_isfa_ista`).
const ADEX: &[Param] = &[
    p("cm", Dim::Capacitance),
    p("tau_refrac", Dim::Time),
    p("v_spike", Dim::Voltage),
    p("v_reset", Dim::Voltage),
    p("v_rest", Dim::Voltage),
    p("tau_m", Dim::Time),
    p("i_offset", Dim::Current),
    pu("a", Dim::Conductance, "nS"),
    p("b", Dim::Current),
    p("delta_T", Dim::Voltage),
    p("tau_w", Dim::Time),
    p("v_thresh", Dim::Voltage),
    p("e_rev_E", Dim::Voltage),
    p("tau_syn_E", Dim::Time),
    p("e_rev_I", Dim::Voltage),
    p("tau_syn_I", Dim::Time),
];
const ADEX_STATE: &[Param] =
    &[p("v", Dim::Voltage), p("w", Dim::Current), p("gsyn_exc", Dim::Conductance), p("gsyn_inh", Dim::Conductance)];
const ADEX_RECORDABLES: &[Param] = &[
    p("spikes", Dim::Time),
    p("v", Dim::Voltage),
    p("w", Dim::Current),
    p("gsyn_exc", Dim::Conductance),
    p("gsyn_inh", Dim::Conductance),
];

/// A conductance-based cell type with receptors `excitatory`, `inhibitory`.
const fn cond(
    name: &'static str,
    parameters: &'static [Param],
    state: &'static [Param],
    recordables: &'static [Param],
) -> CellSchema {
    CellSchema {
        name,
        parameters,
        state,
        recordables,
        receptors: EXC_INH,
        conductance_based: true,
        injectable: true,
        weight: Dim::Conductance,
    }
}

/// Every cell type the macro knows.
pub const CELL_TYPES: &[CellSchema] = &[
    CellSchema {
        name: "IF_curr_alpha",
        parameters: LIF,
        state: CURR_STATE,
        recordables: CURR_RECORDABLES,
        receptors: EXC_INH,
        conductance_based: false,
        injectable: true,
        weight: Dim::Current,
    },
    CellSchema {
        name: "IF_curr_exp",
        parameters: LIF,
        state: CURR_STATE,
        recordables: CURR_RECORDABLES,
        receptors: EXC_INH,
        conductance_based: false,
        injectable: true,
        weight: Dim::Current,
    },
    CellSchema {
        name: "IF_curr_delta",
        parameters: LIF_DELTA,
        state: &[p("v", Dim::Voltage)],
        recordables: &[p("spikes", Dim::Time), p("v", Dim::Voltage)],
        receptors: EXC_INH,
        conductance_based: false,
        injectable: true,
        // A delta synapse's weight is the jump of the membrane potential.
        weight: Dim::Voltage,
    },
    cond("IF_cond_exp", LIF_COND, COND_STATE, COND_RECORDABLES),
    cond("IF_cond_alpha", LIF_COND, COND_STATE, COND_RECORDABLES),
    cond(
        "IF_cond_exp_gsfa_grr",
        &[
            p("v_rest", Dim::Voltage),
            p("cm", Dim::Capacitance),
            p("tau_m", Dim::Time),
            p("tau_refrac", Dim::Time),
            p("tau_syn_E", Dim::Time),
            p("tau_syn_I", Dim::Time),
            p("e_rev_E", Dim::Voltage),
            p("e_rev_I", Dim::Voltage),
            p("v_thresh", Dim::Voltage),
            p("v_reset", Dim::Voltage),
            p("i_offset", Dim::Current),
            p("tau_sfa", Dim::Time),
            p("e_rev_sfa", Dim::Voltage),
            pu("q_sfa", Dim::Conductance, "nS"),
            p("tau_rr", Dim::Time),
            p("e_rev_rr", Dim::Voltage),
            pu("q_rr", Dim::Conductance, "nS"),
        ],
        &[
            p("v", Dim::Voltage),
            pu("g_r", Dim::Conductance, "nS"),
            pu("g_s", Dim::Conductance, "nS"),
            p("gsyn_exc", Dim::Conductance),
            p("gsyn_inh", Dim::Conductance),
        ],
        &[
            p("spikes", Dim::Time),
            p("v", Dim::Voltage),
            pu("g_r", Dim::Conductance, "nS"),
            pu("g_s", Dim::Conductance, "nS"),
            p("gsyn_exc", Dim::Conductance),
            p("gsyn_inh", Dim::Conductance),
        ],
    ),
    cond(
        "IF_facets_hardware1",
        &[
            pu("g_leak", Dim::Conductance, "nS"),
            p("tau_syn_E", Dim::Time),
            p("tau_syn_I", Dim::Time),
            p("v_reset", Dim::Voltage),
            p("e_rev_I", Dim::Voltage),
            p("v_rest", Dim::Voltage),
            p("v_thresh", Dim::Voltage),
        ],
        COND_STATE,
        COND_RECORDABLES,
    ),
    cond("EIF_cond_exp_isfa_ista", ADEX, ADEX_STATE, ADEX_RECORDABLES),
    cond("EIF_cond_alpha_isfa_ista", ADEX, ADEX_STATE, ADEX_RECORDABLES),
    cond(
        "HH_cond_exp",
        &[
            p("gbar_Na", Dim::Conductance),
            p("gbar_K", Dim::Conductance),
            p("g_leak", Dim::Conductance),
            p("cm", Dim::Capacitance),
            p("v_offset", Dim::Voltage),
            p("e_rev_Na", Dim::Voltage),
            p("e_rev_K", Dim::Voltage),
            p("e_rev_leak", Dim::Voltage),
            p("e_rev_E", Dim::Voltage),
            p("e_rev_I", Dim::Voltage),
            p("tau_syn_E", Dim::Time),
            p("tau_syn_I", Dim::Time),
            p("i_offset", Dim::Current),
        ],
        &[
            p("v", Dim::Voltage),
            p("gsyn_exc", Dim::Conductance),
            p("gsyn_inh", Dim::Conductance),
            p("h", Dim::Dimensionless),
            p("m", Dim::Dimensionless),
            p("n", Dim::Dimensionless),
        ],
        &[
            p("spikes", Dim::Time),
            p("v", Dim::Voltage),
            p("gsyn_exc", Dim::Conductance),
            p("gsyn_inh", Dim::Conductance),
            p("m", Dim::Dimensionless),
            p("h", Dim::Dimensionless),
            p("n", Dim::Dimensionless),
        ],
    ),
    CellSchema {
        name: "Izhikevich",
        parameters: &[
            pu("a", Dim::Rate, "1/ms"),
            pu("b", Dim::Rate, "1/ms"),
            p("c", Dim::Voltage),
            p("d", Dim::VoltageRate),
            p("i_offset", Dim::Current),
        ],
        state: &[p("v", Dim::Voltage), p("u", Dim::VoltageRate)],
        recordables: &[p("spikes", Dim::Time), p("v", Dim::Voltage), p("u", Dim::VoltageRate)],
        receptors: EXC_INH,
        conductance_based: false,
        injectable: true,
        // As IF_curr_delta: a weight is a jump of the membrane potential.
        weight: Dim::Voltage,
    },
    cond(
        "GIF_cond_exp",
        &[
            p("v_rest", Dim::Voltage),
            p("cm", Dim::Capacitance),
            p("tau_m", Dim::Time),
            p("tau_refrac", Dim::Time),
            p("tau_syn_E", Dim::Time),
            p("tau_syn_I", Dim::Time),
            p("e_rev_E", Dim::Voltage),
            p("e_rev_I", Dim::Voltage),
            p("v_reset", Dim::Voltage),
            p("i_offset", Dim::Current),
            p("delta_v", Dim::Voltage),
            p("v_t_star", Dim::Voltage),
            p("lambda0", Dim::Rate),
            seq("tau_eta", Dim::Time),
            seq("tau_gamma", Dim::Time),
            seq("a_eta", Dim::Current),
            seq("a_gamma", Dim::Voltage),
        ],
        &[
            p("v", Dim::Voltage),
            p("v_t", Dim::Voltage),
            p("i_eta", Dim::Current),
            p("gsyn_exc", Dim::Conductance),
            p("gsyn_inh", Dim::Conductance),
        ],
        &[
            p("spikes", Dim::Time),
            p("v", Dim::Voltage),
            p("gsyn_exc", Dim::Conductance),
            p("gsyn_inh", Dim::Conductance),
            p("i_eta", Dim::Current),
            p("v_t", Dim::Voltage),
        ],
    ),
    CellSchema {
        name: "SpikeSourceArray",
        parameters: &[seq("spike_times", Dim::Time)],
        state: &[],
        recordables: SPIKES,
        receptors: &[],
        conductance_based: false,
        injectable: false,
        weight: Dim::Current,
    },
    CellSchema {
        name: "SpikeSourcePoisson",
        parameters: &[p("rate", Dim::Rate), p("start", Dim::Time), p("duration", Dim::Time)],
        state: &[],
        recordables: SPIKES,
        receptors: &[],
        conductance_based: false,
        injectable: false,
        weight: Dim::Current,
    },
    source(
        "SpikeSourcePoissonRefractory",
        &[p("rate", Dim::Rate), p("tau_refrac", Dim::Time), p("start", Dim::Time), p("duration", Dim::Time)],
    ),
    source(
        "SpikeSourceGamma",
        &[p("alpha", Dim::Dimensionless), p("beta", Dim::Rate), p("start", Dim::Time), p("duration", Dim::Time)],
    ),
    source(
        "SpikeSourceInhGamma",
        &[
            seq("a", Dim::Dimensionless),
            // PyNN gives the scales in seconds: a bare number is in s.
            sequ("b", Dim::Time, "s"),
            seq("tbins", Dim::Time),
            p("start", Dim::Time),
            p("duration", Dim::Time),
        ],
    ),
];

/// What an argument of a connector, synapse type, current source or random
/// distribution holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArgKind {
    /// A number of this dimension (`f64`).
    Number(Dim),
    /// A probability: dimensionless, a literal must lie in [0, 1].
    Probability,
    /// `true` or `false`.
    Bool,
    /// An integer (`i64` or `u64` as the constructor takes it).
    Int,
    /// A sequence of numbers of this dimension (`Vec<f64>`).
    Sequence(Dim),
    /// A synaptic weight (dimension and sign rule from the post-synaptic
    /// cell type and receptor).
    Weight,
    /// A synaptic delay (ms, a literal must be > 0).
    Delay,
    /// A connection list: `[(i, j), ...]`, `[(i, j, weight), ...]` or
    /// `[(i, j, weight, delay), ...]`.
    ConnectionList,
    /// A number of the dimension of the parameter a distribution is for.
    SameAsTarget,
    /// A number of connections: an integer >= 0 or a random distribution
    /// (`pynn::connectors::Number`).
    Count,
    /// An optional integer (`Option<usize>`; default `None`).
    OptionalInt,
    /// A Rust function written as `{ closure }` (or a path to a function);
    /// the text is an example for messages.
    Function(&'static str),
    /// A boolean matrix `[[true, false], ...]` (`Vec<Vec<bool>>`).
    BoolMatrix,
    /// A file name: `"path"` or `{ expr }` (`impl AsRef<Path>`).
    File,
    /// The name of a projection declared earlier in the same network.
    Projection,
    /// `sequential` or `random` (`pynn::space::FillOrder`).
    FillOrder,
    /// A shape of [`SHAPES`], e.g. `sphere(radius = 100 um)`.
    Shape,
    /// A point `(x, y, z)` in um (`[f64; 3]`).
    Position,
}

/// An argument: name, what it holds, and its default (Rust tokens; `None`:
/// required).
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// PyNN's name.
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// What it holds.
    pub kind: ArgKind,
    /// Default as Rust source, or `None` if required.
    pub default: Option<&'static str>,
}

const fn arg(name: &'static str, kind: ArgKind, default: Option<&'static str>) -> Arg {
    Arg { name, aliases: &[], kind, default }
}

/// A connector, synapse type, current source or distribution: the name used
/// in `network!` and its arguments in the order of its constructor.
#[derive(Debug, Clone, Copy)]
pub struct CallSchema {
    /// Name in `network!` (and of the constructor function in `pynn::__private`).
    pub name: &'static str,
    /// PyNN's class name (for messages and docs).
    pub pynn: &'static str,
    /// Arguments, in constructor order.
    pub args: &'static [Arg],
}

/// Connectors: `pynn::__private::connector::<name>(args...)`.
pub const CONNECTORS: &[CallSchema] = &[
    CallSchema {
        name: "all_to_all",
        pynn: "AllToAllConnector",
        args: &[arg("allow_self_connections", ArgKind::Bool, Some("true"))],
    },
    CallSchema { name: "one_to_one", pynn: "OneToOneConnector", args: &[] },
    CallSchema {
        name: "fixed_probability",
        pynn: "FixedProbabilityConnector",
        args: &[
            Arg { name: "p_connect", aliases: &["p"], kind: ArgKind::Probability, default: None },
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
        ],
    },
    CallSchema {
        name: "from_list",
        pynn: "FromListConnector",
        args: &[arg("conn_list", ArgKind::ConnectionList, None)],
    },
    CallSchema {
        name: "fixed_number_pre",
        pynn: "FixedNumberPreConnector",
        args: &[
            arg("n", ArgKind::Count, None),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
            arg("with_replacement", ArgKind::Bool, Some("false")),
        ],
    },
    CallSchema {
        name: "fixed_number_post",
        pynn: "FixedNumberPostConnector",
        args: &[
            arg("n", ArgKind::Count, None),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
            arg("with_replacement", ArgKind::Bool, Some("false")),
        ],
    },
    CallSchema {
        name: "fixed_total_number",
        pynn: "FixedTotalNumberConnector",
        args: &[
            arg("n", ArgKind::Int, None),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
            arg("with_replacement", ArgKind::Bool, Some("true")),
        ],
    },
    CallSchema {
        name: "distance_dependent_probability",
        pynn: "DistanceDependentProbabilityConnector",
        args: &[
            arg("d_expression", ArgKind::Function("{ |d| (-d / 100.0).exp() }"), None),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
        ],
    },
    CallSchema {
        name: "displacement_dependent_probability",
        pynn: "DisplacementDependentProbabilityConnector",
        args: &[
            arg(
                "disp_function",
                ArgKind::Function(
                    "{ |[dx, dy, _dz]: [f64; 3]| if dx.abs() < 1.5 && dy.abs() < 1.5 { 1.0 } else { 0.0 } }",
                ),
                None,
            ),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
        ],
    },
    CallSchema {
        name: "index_based_probability",
        pynn: "IndexBasedProbabilityConnector",
        args: &[
            arg("index_expression", ArgKind::Function("{ |i, j| if i == j { 0.0 } else { 0.5 } }"), None),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
        ],
    },
    CallSchema {
        name: "small_world",
        pynn: "SmallWorldConnector",
        args: &[
            arg("degree", ArgKind::Number(Dim::Dimensionless), None),
            arg("rewiring", ArgKind::Probability, None),
            arg("allow_self_connections", ArgKind::Bool, Some("true")),
            arg("n_connections", ArgKind::OptionalInt, Some("::core::option::Option::None")),
        ],
    },
    CallSchema { name: "array", pynn: "ArrayConnector", args: &[arg("array", ArgKind::BoolMatrix, None)] },
    CallSchema { name: "from_file", pynn: "FromFileConnector", args: &[arg("file", ArgKind::File, None)] },
    CallSchema {
        name: "clone",
        pynn: "CloneConnector",
        args: &[arg("reference_projection", ArgKind::Projection, None)],
    },
];

/// Synapse types: `pynn::__private::synapse::<name>(args...)`; a missing
/// delay means the session's `min_delay`.
pub const SYNAPSES: &[CallSchema] = &[CallSchema {
    name: "static",
    pynn: "StaticSynapse",
    args: &[
        arg("weight", ArgKind::Weight, Some("0.0")),
        arg("delay", ArgKind::Delay, Some("::core::option::Option::None")),
    ],
}];

/// Current sources: `pynn::__private::source::<name>(args...)`.
pub const SOURCES: &[CallSchema] = &[
    CallSchema {
        name: "dc",
        pynn: "DCSource",
        args: &[
            arg("amplitude", ArgKind::Number(Dim::Current), Some("1.0")),
            arg("start", ArgKind::Number(Dim::Time), Some("0.0")),
            arg("stop", ArgKind::Number(Dim::Time), Some("1e12")),
        ],
    },
    CallSchema {
        name: "step",
        pynn: "StepCurrentSource",
        args: &[
            arg("times", ArgKind::Sequence(Dim::Time), None),
            arg("amplitudes", ArgKind::Sequence(Dim::Current), None),
        ],
    },
    CallSchema {
        name: "ac",
        pynn: "ACSource",
        args: &[
            arg("amplitude", ArgKind::Number(Dim::Current), Some("1.0")),
            arg("offset", ArgKind::Number(Dim::Current), Some("0.0")),
            arg("frequency", ArgKind::Number(Dim::Rate), Some("10.0")),
            // Degrees, as in PyNN.
            arg("phase", ArgKind::Number(Dim::Dimensionless), Some("0.0")),
            arg("start", ArgKind::Number(Dim::Time), Some("0.0")),
            arg("stop", ArgKind::Number(Dim::Time), Some("1e12")),
        ],
    },
    CallSchema {
        name: "noisy",
        pynn: "NoisyCurrentSource",
        args: &[
            arg("mean", ArgKind::Number(Dim::Current), Some("0.0")),
            arg("stdev", ArgKind::Number(Dim::Current), Some("1.0")),
            arg("dt", ArgKind::Number(Dim::Time), Some("0.1")),
            arg("start", ArgKind::Number(Dim::Time), Some("0.0")),
            arg("stop", ArgKind::Number(Dim::Time), Some("1e12")),
        ],
    },
];

const LEN: ArgKind = ArgKind::Number(Dim::Length);

/// Population structures (`pop x = Cell(n, structure = grid2d(...))`):
/// `pynn::__private::structure::<name>(args...)`, a `pynn::space::Structure`.
/// Lengths are in um, PyNN's unit.
pub const STRUCTURES: &[CallSchema] = &[
    CallSchema {
        name: "line",
        pynn: "Line",
        args: &[
            arg("dx", LEN, Some("1.0")),
            arg("x0", LEN, Some("0.0")),
            arg("y", LEN, Some("0.0")),
            arg("z", LEN, Some("0.0")),
        ],
    },
    CallSchema {
        name: "grid2d",
        pynn: "Grid2D",
        args: &[
            arg("aspect_ratio", ArgKind::Number(Dim::Dimensionless), Some("1.0")),
            arg("dx", LEN, Some("1.0")),
            arg("dy", LEN, Some("1.0")),
            arg("x0", LEN, Some("0.0")),
            arg("y0", LEN, Some("0.0")),
            arg("z", LEN, Some("0.0")),
            arg("fill_order", ArgKind::FillOrder, Some("::pynn::__private::FillOrder::Sequential")),
        ],
    },
    CallSchema {
        name: "grid3d",
        pynn: "Grid3D",
        args: &[
            Arg {
                name: "aspect_ratio_xy",
                aliases: &["aspect_ratioXY"],
                kind: ArgKind::Number(Dim::Dimensionless),
                default: Some("1.0"),
            },
            Arg {
                name: "aspect_ratio_xz",
                aliases: &["aspect_ratioXZ"],
                kind: ArgKind::Number(Dim::Dimensionless),
                default: Some("1.0"),
            },
            arg("dx", LEN, Some("1.0")),
            arg("dy", LEN, Some("1.0")),
            arg("dz", LEN, Some("1.0")),
            arg("x0", LEN, Some("0.0")),
            arg("y0", LEN, Some("0.0")),
            arg("z0", LEN, Some("0.0")),
            arg("fill_order", ArgKind::FillOrder, Some("::pynn::__private::FillOrder::Sequential")),
        ],
    },
    CallSchema {
        name: "random",
        pynn: "RandomStructure",
        args: &[arg("boundary", ArgKind::Shape, None), arg("origin", ArgKind::Position, Some("[0.0, 0.0, 0.0]"))],
    },
];

/// Shapes of a `random(...)` structure: `pynn::__private::shape::<name>(args...)`.
pub const SHAPES: &[CallSchema] = &[
    CallSchema {
        name: "cuboid",
        pynn: "Cuboid",
        args: &[arg("width", LEN, None), arg("height", LEN, None), arg("depth", LEN, None)],
    },
    CallSchema { name: "sphere", pynn: "Sphere", args: &[arg("radius", LEN, None)] },
];

const SAME: ArgKind = ArgKind::SameAsTarget;
const ONE: ArgKind = ArgKind::Number(Dim::Dimensionless);

/// Random distributions: `RandomDistribution::<name>(args...)`, PyNN's names.
pub const DISTRIBUTIONS: &[CallSchema] = &[
    CallSchema { name: "uniform", pynn: "uniform", args: &[arg("low", SAME, None), arg("high", SAME, None)] },
    CallSchema {
        name: "uniform_int",
        pynn: "uniform_int",
        args: &[arg("low", ArgKind::Int, None), arg("high", ArgKind::Int, None)],
    },
    CallSchema { name: "normal", pynn: "normal", args: &[arg("mu", SAME, None), arg("sigma", SAME, None)] },
    CallSchema {
        name: "normal_clipped",
        pynn: "normal_clipped",
        args: &[arg("mu", SAME, None), arg("sigma", SAME, None), arg("low", SAME, None), arg("high", SAME, None)],
    },
    CallSchema {
        name: "normal_clipped_to_boundary",
        pynn: "normal_clipped_to_boundary",
        args: &[arg("mu", SAME, None), arg("sigma", SAME, None), arg("low", SAME, None), arg("high", SAME, None)],
    },
    CallSchema { name: "lognormal", pynn: "lognormal", args: &[arg("mu", ONE, None), arg("sigma", ONE, None)] },
    CallSchema { name: "exponential", pynn: "exponential", args: &[arg("beta", SAME, None)] },
    CallSchema { name: "gamma", pynn: "gamma", args: &[arg("k", ONE, None), arg("theta", SAME, None)] },
    CallSchema { name: "poisson", pynn: "poisson", args: &[arg("lambda", ONE, None)] },
    CallSchema {
        name: "binomial",
        pynn: "binomial",
        args: &[
            arg("n", ArgKind::Int, None),
            Arg { name: "p", aliases: &[], kind: ArgKind::Probability, default: None },
        ],
    },
];

/// Keys of the `setup { ... }` block (fields of `pynn::Setup`).
pub const SETUP: &[Arg] = &[
    arg("timestep", ArgKind::Number(Dim::Time), None),
    arg("min_delay", ArgKind::Number(Dim::Time), None),
    arg("max_delay", ArgKind::Number(Dim::Time), None),
    arg("seed", ArgKind::Int, None),
    arg("threads", ArgKind::Int, None),
];

/// The cell type called `name`.
pub fn cell_type(name: &str) -> Option<&'static CellSchema> {
    CELL_TYPES.iter().find(|c| c.name == name)
}

/// The entry called `name` in `table`.
pub fn call(table: &'static [CallSchema], name: &str) -> Option<&'static CallSchema> {
    table.iter().find(|c| c.name == name)
}

/// The unit called `name`.
pub fn unit_named(name: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.name == name)
}
