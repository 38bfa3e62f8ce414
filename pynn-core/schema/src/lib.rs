//! The model tables of pynn-rs, written once: what the standard cell types
//! and synapse types are called, their parameters (name, default, unit, allowed values,
//! meaning), state variables, recordables and receptors, and the "did you
//! mean" suggestion for a misspelt name.
//!
//! Two crates read these tables: `pynn-core`, whose `CellType`
//! implementations take their constants from here (and which re-exports
//! [`ParamSpec`], [`Domain`], [`ParamKind`] and [`RecordableSpec`] at their
//! usual paths, `pynn_core::parameters` and `pynn_core::cells`), and
//! `pynn-macros`, whose `network!` checks parameter names, units and
//! recordables against them at compile time.
//!
//! Why a crate of its own: a proc-macro crate is compiled for the host, so
//! if `pynn-macros` depended on `pynn-core` it would compile `pynn-core` and
//! everything it pulls (rand, rayon, serde, npyz, zip, ...) a second time.
//! This crate has no dependencies and is `no_std` (with `alloc`, for
//! [`closest`]), so both sides share the same data at no build cost.
//!
//! The Rust structs of the cell types (`IF_curr_exp { tau_m, .. }`) stay in
//! `pynn-core`; a compile-time assertion there checks that a struct's fields
//! are its table's parameters, in order.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

pub mod cells;
mod spec;
mod suggest;
pub mod synapses;

pub use cells::{CellTable, STANDARD_CELL_TYPES, cell_table};
pub use spec::{Domain, ParamKind, ParamSpec, RecordableSpec, str_eq};
pub use suggest::{closest, edit_distance};
pub use synapses::{SynapseTable, synapse_table};

/// Calls `callback! { A, B, ... }` with the names of the 17 standard cell
/// types, in the order of [`STANDARD_CELL_TYPES`]: the one place the list is
/// written.
///
/// Each name is both the Rust type of `pynn-core` (`pynn_core::IF_curr_exp`)
/// and its table here (`pynn_schema::cells::IF_curr_exp`). Tokens after the
/// callback are passed first: `for_each_standard_cell!(impls, PointNeuron)`
/// calls `impls! { PointNeuron, IF_curr_alpha, ... }`.
///
/// ```
/// macro_rules! count {
///     ($($t:ident),*) => { [$(stringify!($t)),*].len() };
/// }
/// assert_eq!(pynn_schema::for_each_standard_cell!(count), 17);
/// ```
#[macro_export]
macro_rules! for_each_standard_cell {
    ($callback:ident $(, $extra:tt)* $(,)?) => {
        $callback! {
            $($extra,)*
            IF_curr_alpha,
            IF_curr_exp,
            IF_curr_delta,
            IF_cond_exp,
            IF_cond_alpha,
            IF_cond_exp_gsfa_grr,
            IF_facets_hardware1,
            EIF_cond_exp_isfa_ista,
            EIF_cond_alpha_isfa_ista,
            HH_cond_exp,
            Izhikevich,
            GIF_cond_exp,
            SpikeSourceArray,
            SpikeSourcePoisson,
            SpikeSourcePoissonRefractory,
            SpikeSourceGamma,
            SpikeSourceInhGamma
        }
    };
}

#[cfg(test)]
mod tests {
    use super::STANDARD_CELL_TYPES;

    macro_rules! names {
        ($($t:ident),*) => { [$(stringify!($t)),*] };
    }

    #[test]
    fn the_list_is_the_tables_and_extra_tokens_come_first() {
        let n = for_each_standard_cell!(names, PointNeuron);
        assert_eq!(n.len(), 18);
        assert_eq!(n[0], "PointNeuron");
        assert!(n[1..].iter().zip(STANDARD_CELL_TYPES).all(|(a, b)| *a == b.name));
        assert!(for_each_standard_cell!(names).iter().zip(&n[1..]).all(|(a, b)| a == b));
    }
}
