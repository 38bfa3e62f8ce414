//! What `network!` expansions of composed neurons, user-defined cell types
//! and `backend { ... }` blocks name (re-exported from `pynn::__private`;
//! not public API).
//!
//! * The `PointNeuron` components, constructed as struct literals.
//! * [`user`]: constant functions evaluated at compile time against a
//!   user's `CellType` tables, so that a name or unit the macro cannot
//!   check (it has no table for the type) is still a compile error on the
//!   user's token.
//! * [`BackendOptions`]: picks the backend's own options out of the
//!   `backend { ... }` block.

pub use pynn_backends::brian2::{Brian2, Brian2Options, CodeTarget};
pub use pynn_backends::native::{Native, NativeOptions, OdeSolver};
pub use pynn_backends::nest::{Nest, NestOptions};
pub use pynn_backends::neuron::{Neuron, NeuronOptions};
use pynn_core::Backend;
pub use pynn_core::cells::{
    AdExp, CondAlphaPostSynapticResponse, CondBetaPostSynapticResponse, CondExpPostSynapticResponse,
    CurrExpPostSynapticResponse, LIF, PointNeuron, PostSynapticResponse,
};

/// Compile-time lookups in a user's `CellType` tables. Called in `const`
/// blocks: a failed lookup panics during constant evaluation, which rustc
/// reports as a compile error (with `message`) on the block, which the
/// macro spans on the user's token.
pub mod user {
    use pynn_core::cells::CellType;
    use pynn_core::schema::str_eq;

    /// `CellType::PARAMETERS`.
    pub const PARAMETER: u8 = 0;
    /// `CellType::STATE`.
    pub const STATE: u8 = 1;
    /// `CellType::RECORDABLES`.
    pub const RECORDABLE: u8 = 2;
    /// `CellType::RECEPTORS`.
    pub const RECEPTOR: u8 = 3;

    /// The unit of `name` in table `table` of `C` (`""` for recordables
    /// without one and receptors), or `None` if it is not listed.
    const fn unit_of<C: CellType>(table: u8, name: &str) -> Option<&'static str> {
        let specs = match table {
            PARAMETER => C::PARAMETERS,
            STATE => C::STATE,
            RECORDABLE => {
                let r = C::RECORDABLES;
                let mut i = 0;
                while i < r.len() {
                    if str_eq(r[i].name, name) {
                        return Some(r[i].unit);
                    }
                    i += 1;
                }
                return None;
            }
            _ => {
                let r = C::RECEPTORS;
                let mut i = 0;
                while i < r.len() {
                    if str_eq(r[i], name) {
                        return Some("");
                    }
                    i += 1;
                }
                return None;
            }
        };
        let mut i = 0;
        while i < specs.len() {
            if str_eq(specs[i].name, name) {
                return Some(specs[i].unit);
            }
            i += 1;
        }
        // A struct field `c_m` for the table's `C_m` (Rust's snake case for
        // a simulator's own names).
        let mut i = 0;
        while i < specs.len() {
            if eq_ignore_case(specs[i].name, name) {
                return Some(specs[i].unit);
            }
            i += 1;
        }
        None
    }

    /// ASCII case-insensitive equality, usable in constants.
    const fn eq_ignore_case(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if !a[i].eq_ignore_ascii_case(&b[i]) {
                return false;
            }
            i += 1;
        }
        true
    }

    /// Fails (with `message`) unless `C` lists `name` in `table`.
    pub const fn lookup<C: CellType>(table: u8, name: &str, message: &'static str) {
        if unit_of::<C>(table, name).is_none() {
            panic!("{}", message);
        }
    }

    /// The value for `name` in the unit `C`'s table gives it: `options`
    /// holds the value in each unit of the dimension it was written in.
    /// Fails (with `message`) if its unit is none of them.
    ///
    /// A name the table does not list is converted to PyNN's unit of the
    /// dimension (`options[0]`) without failing: a parameter is the
    /// struct's field, whose misspelling rustc reports on the same token,
    /// and a state variable is looked up by [`lookup`] as well.
    pub const fn convert<C: CellType>(table: u8, name: &str, options: &[(&str, f64)], message: &'static str) -> f64 {
        let Some(unit) = unit_of::<C>(table, name) else {
            if options.is_empty() {
                panic!("{}", message)
            }
            return options[0].1;
        };
        let mut i = 0;
        while i < options.len() {
            if str_eq(options[i].0, unit) {
                return options[i].1;
            }
            i += 1;
        }
        panic!("{}", message)
    }
}

/// The options of every backend a `backend { ... }` block can set (each
/// the backend's default where the block says nothing).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `native(...)`
    pub native: NativeOptions,
    /// `brian2(...)`
    pub brian2: Brian2Options,
    /// `nest(...)`
    pub nest: NestOptions,
    /// `neuron(...)`
    pub neuron: NeuronOptions,
}

/// A backend whose options a `backend { ... }` block can set.
#[diagnostic::on_unimplemented(
    message = "a `backend {{ ... }}` block has no options for backend `{Self}`",
    label = "not one of Native, Brian2, Nest, Neuron",
    note = "`backend {{ ... }}` sets the options of `Native`, `Brian2`, `Nest` and `Neuron`; with another backend, call `Sim::setup_with(Net::setup(), options)` and `Net::build`"
)]
pub trait BackendOptions: Backend {
    /// This backend's options out of all.
    fn pick(all: Options) -> Self::Options;
}

impl BackendOptions for Native {
    fn pick(all: Options) -> NativeOptions {
        all.native
    }
}
impl BackendOptions for Brian2 {
    fn pick(all: Options) -> Brian2Options {
        all.brian2
    }
}
impl BackendOptions for Nest {
    fn pick(all: Options) -> NestOptions {
        all.nest
    }
}
impl BackendOptions for Neuron {
    fn pick(all: Options) -> NeuronOptions {
        all.neuron
    }
}
