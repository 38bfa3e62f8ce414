//! Standard cell types with PyNN's names, parameters, units and defaults.
//!
//! One cell type per file. Each type is a plain struct whose fields are its
//! parameters in PyNN's units, with PyNN's defaults in `Default`, so that
//! `IF_curr_exp { tau_m: 10.0, ..Default::default() }` reads like PyNN's
//! `IF_curr_exp(tau_m=10.0)`. The schema constants of [`CellType`] describe
//! the parameters, initial values and recordables to the rest of the library
//! and to every backend.

use crate::parameters::{Column, ParamSpec, ParamTable, Value};

mod eif_cond_alpha_isfa_ista;
mod eif_cond_exp_isfa_ista;
mod gif_cond_exp;
mod hh_cond_exp;
mod if_cond_alpha;
mod if_cond_exp;
mod if_cond_exp_gsfa_grr;
mod if_curr_alpha;
mod if_curr_delta;
mod if_curr_exp;
mod if_facets_hardware1;
mod izhikevich;
mod point_neuron;
mod spike_source_array;
mod spike_source_gamma;
mod spike_source_inh_gamma;
mod spike_source_poisson;
mod spike_source_poisson_refractory;

pub use eif_cond_alpha_isfa_ista::EIF_cond_alpha_isfa_ista;
pub use eif_cond_exp_isfa_ista::EIF_cond_exp_isfa_ista;
pub use gif_cond_exp::GIF_cond_exp;
pub use hh_cond_exp::HH_cond_exp;
pub use if_cond_alpha::IF_cond_alpha;
pub use if_cond_exp::IF_cond_exp;
pub use if_cond_exp_gsfa_grr::IF_cond_exp_gsfa_grr;
pub use if_curr_alpha::IF_curr_alpha;
pub use if_curr_delta::IF_curr_delta;
pub use if_curr_exp::IF_curr_exp;
pub use if_facets_hardware1::IF_facets_hardware1;
pub use izhikevich::Izhikevich;
pub(crate) use point_neuron::composition_of;
pub use point_neuron::{
    AdExp, AlphaPSR, BetaPSR, Composition, CondAlphaPostSynapticResponse, CondBetaPostSynapticResponse,
    CondExpPostSynapticResponse, CurrExpPostSynapticResponse, ExpPSR, LIF, Neuron, NeuronKind, PointNeuron,
    PostSynapticResponse, PsrKind,
};
pub use spike_source_array::SpikeSourceArray;
pub use spike_source_gamma::SpikeSourceGamma;
pub use spike_source_inh_gamma::SpikeSourceInhGamma;
pub use spike_source_poisson::SpikeSourcePoisson;
pub use spike_source_poisson_refractory::SpikeSourcePoissonRefractory;

/// The tables of the standard cell types, one constant per type, named
/// like the type (`tables::IF_curr_exp`), from the dependency-free crate
/// `pynn-schema` that the `network!` macro reads too.
pub use pynn_schema::cells as tables;
pub use pynn_schema::{CellTable, RecordableSpec, STANDARD_CELL_TYPES, cell_table, for_each_standard_cell};

/// A cell type: the schema of a neuron model or spike source.
///
/// Implemented by the standard models of this crate and by users' own models
/// (a model also needs an implementation per backend, e.g. the native
/// engine's `NativeCell`).
pub trait CellType: Clone + Send + Sync + 'static {
    /// PyNN's name (e.g. `"IF_curr_exp"`).
    const NAME: &'static str;
    /// Parameters: names, defaults, units, domains.
    const PARAMETERS: &'static [ParamSpec];
    /// State variables that have initial values (`initialize`), with defaults.
    const STATE: &'static [ParamSpec];
    /// Recordable variables, `"spikes"` included.
    const RECORDABLES: &'static [RecordableSpec];
    /// Receptor types (`["excitatory", "inhibitory"]`; empty for sources).
    const RECEPTORS: &'static [&'static str];
    /// Synaptic weights are conductances (uS) rather than currents (nA) or
    /// voltage jumps (mV).
    const CONDUCTANCE_BASED: bool;
    /// Whether current sources can be injected.
    const INJECTABLE: bool;

    /// The parameter values held by this instance, in the order of
    /// [`CellType::PARAMETERS`].
    fn parameter_values(&self) -> Vec<Value>;

    /// The schema of this instance. The constants above, except for cell
    /// types whose schema depends on their value (e.g. `PointNeuron`, whose
    /// parameters and receptors depend on its composition).
    fn info(&self) -> CellTypeInfo {
        CellTypeInfo::of::<Self>()
    }

    /// What a backend needs beyond the schema to build this instance: for a
    /// `PointNeuron`, its composition (neuron kind, receptors and their
    /// kinds); `None` for every type whose schema says all.
    fn composition(&self) -> Option<Composition> {
        None
    }
}

/// Run-time description of a cell type (what [`CellType`] says, as a value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellTypeInfo {
    /// PyNN's name.
    pub name: &'static str,
    /// Parameter schema.
    pub parameters: &'static [ParamSpec],
    /// State-variable schema.
    pub state: &'static [ParamSpec],
    /// Recordables.
    pub recordables: &'static [RecordableSpec],
    /// Receptor types.
    pub receptors: &'static [&'static str],
    /// Weights are conductances.
    pub conductance_based: bool,
    /// Current sources can be injected.
    pub injectable: bool,
}

impl CellTypeInfo {
    /// The description of `C`.
    pub fn of<C: CellType>() -> Self {
        CellTypeInfo {
            name: C::NAME,
            parameters: C::PARAMETERS,
            state: C::STATE,
            recordables: C::RECORDABLES,
            receptors: C::RECEPTORS,
            conductance_based: C::CONDUCTANCE_BASED,
            injectable: C::INJECTABLE,
        }
    }

    /// Unit of a recordable.
    pub fn unit_of(&self, variable: &str) -> Option<&'static str> {
        self.recordables.iter().find(|r| r.name == variable).map(|r| r.unit)
    }
}

/// The largest mean rate of a random spike source, in Hz (1 MHz: a
/// thousand times a neuron's highest rates, fifty times the summed drive of
/// a Brunel network's external population).
pub const MAX_SOURCE_RATE: f64 = 1e6;

/// Checks the rules that tie parameters of one cell together, for every
/// cell of `params` (per-cell arrays and random values included, after
/// resolution), before any backend sees them. The rules follow from the
/// parameter names, so every standard model with a reset and a threshold
/// (and `PointNeuron`) is covered:
///
/// * with `v_spike` (the adaptive exponential models; NEST 3.10,
///   `models/aeif_cond_alpha.cpp`, `Parameters_::set`): `v_reset < v_spike`,
///   `v_spike >= v_thresh`, and, for `delta_T > 0`,
///   `(v_spike - v_thresh) / delta_T < ln(f64::MAX / 1e20)` (NEST's guard
///   against overflow of the exponential at spike time). `v_reset` may
///   exceed `v_thresh` there (bursting AdEx regimes);
/// * otherwise with `v_reset` and `v_thresh` (IF_*, IF_cond_exp_gsfa_grr,
///   IF_facets_hardware1, PointNeuron LIF; NEST's `iaf_*`: "Reset potential
///   must be smaller than threshold."): `v_reset < v_thresh`.
///
/// GIF_cond_exp (`v_reset`, `v_t_star`) has no such rule: its threshold is
/// an escape rate, and NEST's `gif_cond_exp.cpp` sets none; Izhikevich and
/// HH_cond_exp have no reset/threshold pair.
///
/// The random spike sources' mean rate (`rate` of the Poisson sources,
/// `beta / alpha` of `SpikeSourceGamma`) is at most [`MAX_SOURCE_RATE`]:
/// beyond it the count of spikes per step (and the memory to hold them)
/// grows without use, and far beyond it the Poisson sampler's range ends.
pub(crate) fn check_parameter_relations(params: &ParamTable, object: &str) -> crate::error::Result<()> {
    use crate::error::{Error, fmt_num};
    let col = |name: &str| params.column(name).and_then(Column::as_scalar);
    let fail = |i: usize, name: &str, x: f64, allowed: String| {
        Err(Error::invalid_value(format!("{object}, cell {i}"), name, fmt_num(x), allowed))
    };
    if let Some(rate) = col("rate") {
        for (i, r) in rate.iter().enumerate() {
            if !(*r <= MAX_SOURCE_RATE) {
                return fail(i, "rate", *r, format!("a rate from 0 to {} Hz", fmt_num(MAX_SOURCE_RATE)));
            }
        }
    }
    if let (Some(alpha), Some(beta)) = (col("alpha"), col("beta")) {
        for (i, (a, b)) in alpha.iter().zip(beta).enumerate() {
            if !(b / a <= MAX_SOURCE_RATE) {
                return fail(
                    i,
                    "beta",
                    *b,
                    format!(
                        "beta / alpha (the mean rate) from 0 to {} Hz (alpha = {})",
                        fmt_num(MAX_SOURCE_RATE),
                        fmt_num(*a)
                    ),
                );
            }
        }
    }
    if let (Some(v_spike), Some(v_reset)) = (col("v_spike"), col("v_reset")) {
        for (i, (s, r)) in v_spike.iter().zip(v_reset).enumerate() {
            if !(r < s) {
                return fail(i, "v_reset", *r, format!("v_reset must be below v_spike ({} mV)", fmt_num(*s)));
            }
        }
        if let Some(v_thresh) = col("v_thresh") {
            for (i, (s, t)) in v_spike.iter().zip(v_thresh).enumerate() {
                if !(s >= t) {
                    return fail(i, "v_spike", *s, format!("v_spike must be >= v_thresh ({} mV)", fmt_num(*t)));
                }
            }
            if let Some(delta_t) = col("delta_T") {
                let max_arg = (f64::MAX / 1e20).ln();
                for (i, ((s, t), d)) in v_spike.iter().zip(v_thresh).zip(delta_t).enumerate() {
                    if *d > 0.0 && !((s - t) / d < max_arg) {
                        return fail(
                            i,
                            "delta_T",
                            *d,
                            format!(
                                "(v_spike - v_thresh) / delta_T must be < {max_arg:.1} so that the exponential term stays finite at the spike (v_spike = {} mV, v_thresh = {} mV)",
                                fmt_num(*s),
                                fmt_num(*t)
                            ),
                        );
                    }
                }
            }
        }
    } else if let (Some(v_reset), Some(v_thresh)) = (col("v_reset"), col("v_thresh")) {
        for (i, (r, t)) in v_reset.iter().zip(v_thresh).enumerate() {
            if !(r < t) {
                return fail(i, "v_reset", *r, format!("v_reset must be below v_thresh ({} mV)", fmt_num(*t)));
            }
        }
    }
    Ok(())
}

// Entries shared by several models (also used by `PointNeuron`).
pub(crate) use pynn_schema::cells::{adex, lif};

/// Implements `Default` (the table's defaults) and the parameter values
/// for a standard cell type whose fields are exactly the scalar parameters
/// of its table (`tables::$ty`), in order: checked at compile time.
macro_rules! scalar_cell_type {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        const _: () = assert!(
            ::pynn_schema::cells::$ty.parameters_are(&[$(stringify!($field)),*]),
            concat!("the fields of `", stringify!($ty), "` are not the parameters of its table, in order"),
        );
        impl Default for $ty {
            fn default() -> Self {
                const DEFAULT: $ty = $ty { $($field: ::pynn_schema::cells::$ty.default_of(stringify!($field))),* };
                DEFAULT
            }
        }
        impl $ty {
            fn values(&self) -> Vec<$crate::parameters::Value> {
                vec![$($crate::parameters::Value::Scalar(self.$field)),*]
            }
        }
    };
}
pub(crate) use scalar_cell_type;

/// The constants of [`CellType`] for a standard cell type, from its table
/// (`tables::$ty`).
macro_rules! standard_cell_consts {
    ($ty:ident) => {
        const NAME: &'static str = ::pynn_schema::cells::$ty.name;
        const PARAMETERS: &'static [$crate::parameters::ParamSpec] = ::pynn_schema::cells::$ty.parameters;
        const STATE: &'static [$crate::parameters::ParamSpec] = ::pynn_schema::cells::$ty.state;
        const RECORDABLES: &'static [$crate::cells::RecordableSpec] = ::pynn_schema::cells::$ty.recordables;
        const RECEPTORS: &'static [&'static str] = ::pynn_schema::cells::$ty.receptors;
        const CONDUCTANCE_BASED: bool = ::pynn_schema::cells::$ty.conductance_based;
        const INJECTABLE: bool = ::pynn_schema::cells::$ty.injectable;
    };
}
pub(crate) use standard_cell_consts;

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_is_consistent<C: CellType + Default>() {
        let values = C::default().parameter_values();
        assert_eq!(values.len(), C::PARAMETERS.len(), "{}", C::NAME);
        for (v, s) in values.iter().zip(C::PARAMETERS) {
            if let Value::Scalar(x) = v {
                assert_eq!(*x, s.default, "{}.{}", C::NAME, s.name);
            }
        }
        assert_eq!(C::RECORDABLES[0].name, "spikes");
    }

    /// Each standard type's constants are its table, and its defaults and
    /// parameter values follow the table's order.
    fn matches_table<C: CellType + Default>(table: &CellTable) {
        let info = CellTypeInfo::of::<C>();
        assert_eq!(
            (info.name, info.parameters, info.state, info.recordables, info.receptors),
            (table.name, table.parameters, table.state, table.recordables, table.receptors)
        );
        assert_eq!((info.conductance_based, info.injectable), (table.conductance_based, table.injectable));
        assert_eq!(cell_table(C::NAME), Some(table));
    }

    #[test]
    fn schemas_match_defaults() {
        macro_rules! check {
            ($($t:ident),*) => {$(
                schema_is_consistent::<$t>();
                matches_table::<$t>(&tables::$t);
            )*};
        }
        for_each_standard_cell!(check);
    }

    #[test]
    fn pynn_defaults() {
        // PyNN 0.13 pyNN/standardmodels/cells.py, IF_curr_alpha.default_parameters.
        let c = IF_curr_alpha::default();
        assert_eq!((c.v_rest, c.cm, c.tau_m, c.tau_refrac), (-65.0, 1.0, 20.0, 0.1));
        assert_eq!((c.tau_syn_E, c.tau_syn_I, c.i_offset, c.v_reset, c.v_thresh), (0.5, 0.5, 0.0, -65.0, -50.0));
        let e = IF_curr_exp::default();
        assert_eq!((e.tau_syn_E, e.tau_syn_I), (5.0, 5.0));
        let p = SpikeSourcePoisson::default();
        assert_eq!((p.rate, p.start, p.duration), (1.0, 0.0, 1e10));
        let r = SpikeSourcePoissonRefractory::default();
        assert_eq!((r.rate, r.tau_refrac, r.start, r.duration), (1.0, 0.0, 0.0, 1e10));
        let g = SpikeSourceGamma::default();
        assert_eq!((g.alpha, g.beta, g.start, g.duration), (2.0, 1.0, 0.0, 1e10));
        let h = SpikeSourceInhGamma::default();
        assert_eq!((h.a, h.b, h.tbins, h.start, h.duration), (vec![1.0], vec![1.0], vec![0.0], 0.0, 1e10));
    }
}
