//! What `network!` knows about the object API: cell types, connectors,
//! synapse types, current sources, random distributions, setup keys and
//! units, as plain tables.
//!
//! The cell types are not written here: they are `pynn-core`'s own tables,
//! read from the dependency-free crate `pynn-schema` (`crate::tables`), so
//! the macro and the library cannot disagree about a parameter's name,
//! order, unit or kind. This file adds what only the macro needs: the
//! dimension of each unit ([`dim_of`]) and the units accepted after a
//! number. Adding a connector, synapse type or current source to the macro
//! is adding an entry here plus a constructor function of the same name in
//! `pynn::__private`.
//!
//! This file must stay free of syn and quote: the facade's test
//! `tests/macro_schema.rs` compiles it with `#[path]` (with `crate::tables`
//! pointing at `pynn::core::schema`) to check the source table against the
//! core's current sources.

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

pub use crate::tables::{CellTable, ParamKind, ParamSpec, STANDARD_CELL_TYPES as CELL_TYPES};

/// The dimension of a quantity the core's tables give in `unit`: PyNN's
/// units and the other [`UNITS`], plus `1/ms` (a rate: Izhikevich's `a`,
/// `b`), `mV/ms` (Izhikevich's `d`, `u`) and `""` (dimensionless). Every
/// unit of the standard cell tables is one of these (a unit test checks).
pub fn dim_of(unit: &str) -> Dim {
    match unit {
        "1/ms" => Dim::Rate,
        "mV/ms" => Dim::VoltageRate,
        _ => unit_named(unit).map_or(Dim::Dimensionless, |u| u.dim),
    }
}

/// The dimension of a synaptic weight onto cells of type `cell`.
pub fn weight_dim(cell: &CellTable) -> Dim {
    dim_of(cell.weight_unit)
}

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
    /// A timing dependence of [`TIMING_DEPENDENCES`], e.g.
    /// `spike_pair(tau_plus = 20 ms, ...)`.
    Timing,
    /// A weight dependence of [`WEIGHT_DEPENDENCES`], e.g.
    /// `additive(w_min = 0 nA, w_max = 0.02 nA)`.
    WeightDependence,
    /// A magnitude in the unit of the synaptic weight (nA, uS or mV by the
    /// post-synaptic cell type), >= 0: the bounds of a weight dependence,
    /// the learning rate of `vogels2011`.
    WeightMagnitude,
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

/// The kind of an argument that sets a parameter of a `pynn-schema`
/// synapse table, from the parameter's unit (a unit this function does
/// not know fails the build: the tables are constants).
const fn table_kind(unit: &str) -> ArgKind {
    use crate::tables::str_eq;
    if str_eq(unit, crate::tables::synapses::WEIGHT_UNIT) {
        ArgKind::WeightMagnitude
    } else if str_eq(unit, "ms") {
        ArgKind::Number(Dim::Time)
    } else if str_eq(unit, "Hz") {
        ArgKind::Number(Dim::Rate)
    } else if unit.is_empty() {
        ArgKind::Number(Dim::Dimensionless)
    } else {
        panic!("a synapse table parameter in a unit network! does not know")
    }
}

/// The arguments of a synapse type, timing or weight dependence that has a
/// `pynn-schema` table: the table's parameters in order (defaults from the
/// table, [`TABLE`]), then `tail`. The tables are the one source of the
/// names, their order and their units; this derives the macro's view.
const fn table_args<const N: usize>(table: &crate::tables::SynapseTable, tail: &[Arg]) -> [Arg; N] {
    let params = table.parameters;
    assert!(N == params.len() + tail.len(), "argument count of a synapse table");
    let mut out = [arg("", ArgKind::Bool, None); N];
    let mut i = 0;
    while i < params.len() {
        out[i] = arg(params[i].name, table_kind(params[i].unit), TABLE);
        i += 1;
    }
    while i < N {
        out[i] = tail[i - params.len()];
        i += 1;
    }
    out
}

/// The [`CallSchema`] of a table with the arguments `args` (from
/// [`table_args`]): `network!`'s name is the table's `short`, PyNN's its
/// `name`.
const fn table_call(table: &crate::tables::SynapseTable, args: &'static [Arg]) -> CallSchema {
    CallSchema { name: table.short, pynn: table.name, args }
}

/// Weight and delay, the last arguments of every synapse type.
const WEIGHT_DELAY: &[Arg] =
    &[arg("weight", ArgKind::Weight, Some("0.0")), arg("delay", ArgKind::Delay, Some("::core::option::Option::None"))];

mod derived {
    //! The argument lists derived from the `pynn-schema` tables.
    use super::{Arg, WEIGHT_DELAY, table_args};
    use crate::tables::synapses as t;

    const fn n(table: &crate::tables::SynapseTable, tail: &[Arg]) -> usize {
        table.parameters.len() + tail.len()
    }
    pub const TM: [Arg; n(&t::TsodyksMarkramSynapse, WEIGHT_DELAY)] =
        table_args(&t::TsodyksMarkramSynapse, WEIGHT_DELAY);
    pub const SIMPLE: [Arg; n(&t::SimpleStochasticSynapse, WEIGHT_DELAY)] =
        table_args(&t::SimpleStochasticSynapse, WEIGHT_DELAY);
    pub const STP: [Arg; n(&t::StochasticTsodyksMarkramSynapse, WEIGHT_DELAY)] =
        table_args(&t::StochasticTsodyksMarkramSynapse, WEIGHT_DELAY);
    pub const MQ: [Arg; n(&t::MultiQuantalSynapse, WEIGHT_DELAY)] = table_args(&t::MultiQuantalSynapse, WEIGHT_DELAY);
    pub const SPIKE_PAIR: [Arg; n(&t::SpikePairRule, &[])] = table_args(&t::SpikePairRule, &[]);
    pub const VOGELS: [Arg; n(&t::Vogels2011Rule, &[])] = table_args(&t::Vogels2011Rule, &[]);
    pub const ADDITIVE: [Arg; n(&t::AdditiveWeightDependence, &[])] = table_args(&t::AdditiveWeightDependence, &[]);
    pub const MULTIPLICATIVE: [Arg; n(&t::MultiplicativeWeightDependence, &[])] =
        table_args(&t::MultiplicativeWeightDependence, &[]);
    pub const ADD_MULT: [Arg; n(&t::AdditivePotentiationMultiplicativeDepression, &[])] =
        table_args(&t::AdditivePotentiationMultiplicativeDepression, &[]);
    pub const GUTIG: [Arg; n(&t::GutigWeightDependence, &[])] = table_args(&t::GutigWeightDependence, &[]);
}

/// Synapse types: `pynn::__private::synapse::<name>(args...)`; a missing
/// delay means the session's `min_delay`. Those with a `pynn-schema`
/// table take their names and arguments from it ([`table_args`]).
pub const SYNAPSES: &[CallSchema] = {
    use crate::tables::synapses as t;
    &[
        CallSchema { name: "static", pynn: "StaticSynapse", args: WEIGHT_DELAY },
        table_call(&t::TsodyksMarkramSynapse, &derived::TM),
        table_call(&t::SimpleStochasticSynapse, &derived::SIMPLE),
        table_call(&t::StochasticTsodyksMarkramSynapse, &derived::STP),
        table_call(&t::MultiQuantalSynapse, &derived::MQ),
        CallSchema {
            name: "stdp",
            pynn: "STDPMechanism",
            args: &[
                arg("timing_dependence", ArgKind::Timing, None),
                arg("weight_dependence", ArgKind::WeightDependence, None),
                arg("weight", ArgKind::Weight, Some("0.0")),
                arg("delay", ArgKind::Delay, Some("::core::option::Option::None")),
                arg("dendritic_delay_fraction", ArgKind::Number(Dim::Dimensionless), Some("1.0")),
            ],
        },
    ]
};

/// Default of an argument whose default is the `pynn-schema` table's (the
/// synapse types' parameters: `pynn_schema::synapses`).
pub const TABLE: Option<&str> = Some("");

/// The `pynn-schema` table of a synapse type, timing or weight dependence,
/// by PyNN's class name.
pub fn synapse_table(pynn: &str) -> Option<&'static crate::tables::SynapseTable> {
    crate::tables::synapse_table(pynn)
}

/// Timing dependences of `stdp(...)`: `pynn::__private::timing::<name>(args...)`,
/// from their tables.
pub const TIMING_DEPENDENCES: &[CallSchema] = {
    use crate::tables::synapses as t;
    &[table_call(&t::SpikePairRule, &derived::SPIKE_PAIR), table_call(&t::Vogels2011Rule, &derived::VOGELS)]
};

/// Weight dependences of `stdp(...)`: `pynn::__private::weight::<name>(args...)`,
/// from their tables.
pub const WEIGHT_DEPENDENCES: &[CallSchema] = {
    use crate::tables::synapses as t;
    &[
        table_call(&t::AdditiveWeightDependence, &derived::ADDITIVE),
        table_call(&t::MultiplicativeWeightDependence, &derived::MULTIPLICATIVE),
        table_call(&t::AdditivePotentiationMultiplicativeDepression, &derived::ADD_MULT),
        table_call(&t::GutigWeightDependence, &derived::GUTIG),
    ]
};

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
    CallSchema {
        name: "poisson",
        pynn: "poisson",
        args: &[Arg { name: "lambda", aliases: &["lambda_"], kind: ONE, default: None }],
    },
    CallSchema {
        name: "binomial",
        pynn: "binomial",
        args: &[
            arg("n", ArgKind::Int, None),
            Arg { name: "p", aliases: &[], kind: ArgKind::Probability, default: None },
        ],
    },
    // Angles in radians, dimensionless as in PyNN.
    CallSchema { name: "vonmises", pynn: "vonmises", args: &[arg("mu", ONE, None), arg("kappa", ONE, None)] },
];

/// The extra argument every distribution takes: `seed = 42` gives it a
/// stream of its own (`RandomDistribution::with_seed`, PyNN's
/// `rng=NumpyRNG(seed=42)`) instead of the session's keyed streams.
pub const DISTRIBUTION_SEED: Arg = arg("seed", ArgKind::Int, None);

/// Keys of the `setup { ... }` block (fields of `pynn::Setup`).
pub const SETUP: &[Arg] = &[
    arg("timestep", ArgKind::Number(Dim::Time), None),
    arg("min_delay", ArgKind::Number(Dim::Time), None),
    arg("max_delay", ArgKind::Number(Dim::Time), None),
    arg("seed", ArgKind::Int, None),
    arg("threads", ArgKind::Int, None),
];

/// The cell type called `name`.
pub fn cell_type(name: &str) -> Option<&'static CellTable> {
    crate::tables::cell_table(name)
}

/// The entry called `name` in `table`.
pub fn call(table: &'static [CallSchema], name: &str) -> Option<&'static CallSchema> {
    table.iter().find(|c| c.name == name)
}

/// The unit called `name`.
pub fn unit_named(name: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.name == name)
}

/// `space(...)` of a projection (PyNN's `Space`): `pynn::__private::space(args...)`.
/// Its arguments are checked and expanded by `check_extras`/`expand_extras`
/// (the kinds here are what the values are, for reference).
pub const SPACE: &[CallSchema] = &[CallSchema {
    name: "space",
    pynn: "Space",
    args: &[
        arg("axes", ArgKind::File, Some("\"xyz\"")),
        arg("periodic_boundaries", ArgKind::Position, Some("[None, None, None]")),
        arg("scale_factor", ArgKind::Number(Dim::Dimensionless), Some("1.0")),
        arg("offset", ArgKind::Position, Some("[0.0, 0.0, 0.0]")),
    ],
}];
