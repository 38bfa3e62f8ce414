//! The `network!` macro's tables (pynn-macros/src/schema.rs) agree with
//! pynn-core. The cell types are one table (crate `pynn-schema`, read by
//! both), so what is left to check is that every `CellType` of the core is
//! one the macro knows, with the constants of that table, that the macro
//! knows the dimension of every unit in it, and that the macro's
//! current-source table matches the core's sources.

// schema.rs names the shared tables `crate::tables`, as in pynn-macros.
use pynn::core::schema as tables;

#[allow(dead_code, unused_imports)]
#[path = "../pynn-macros/src/schema.rs"]
mod schema;

use pynn::core::cells::{CellType, CellTypeInfo};
use pynn::prelude::*;

fn check<C: CellType>() {
    let entry = schema::cell_type(C::NAME).unwrap_or_else(|| panic!("network! does not know cell type {}", C::NAME));
    let core = CellTypeInfo::of::<C>();
    assert_eq!(entry.parameters, core.parameters, "{}: PARAMETERS", C::NAME);
    assert_eq!(entry.state, core.state, "{}: STATE", C::NAME);
    assert_eq!(entry.recordables, core.recordables, "{}: RECORDABLES", C::NAME);
    assert_eq!(entry.receptors, C::RECEPTORS, "{}: RECEPTORS", C::NAME);
    assert_eq!(entry.conductance_based, C::CONDUCTANCE_BASED, "{}: CONDUCTANCE_BASED", C::NAME);
    assert_eq!(entry.injectable, C::INJECTABLE, "{}: INJECTABLE", C::NAME);
    if C::CONDUCTANCE_BASED {
        assert_eq!(schema::weight_dim(entry), schema::Dim::Conductance, "{}: weight unit", C::NAME);
    }
    // Each unit of the core is the unit of the dimension the macro checks
    // against, up to the factor `unit_scale` applies.
    let units = entry.parameters.iter().chain(entry.state).map(|p| (p.name, p.unit));
    for (name, unit) in units.chain(entry.recordables.iter().map(|r| (r.name, r.unit))) {
        let dim = schema::dim_of(unit);
        let scale = schema::unit_scale(unit);
        let known = unit == dim.unit()
            || schema::UNITS.iter().any(|u| u.name == unit && u.dim == dim)
            || (unit == "1/ms" && dim == schema::Dim::Rate && scale == 1e3);
        assert!(known, "{}.{name}: unit {unit} is not {dim:?}", C::NAME);
    }
}

macro_rules! check_all {
    ($($t:ty),* $(,)?) => {{
        $(check::<$t>();)*
        vec![$(<$t as CellType>::NAME),*]
    }};
}

#[test]
fn macro_cell_table_matches_core() {
    let checked = pynn::core::for_each_standard_cell!(check_all);
    assert_eq!(checked.len(), 17);
    // Every entry of the macro's table is one of the types checked above.
    for entry in schema::CELL_TYPES {
        assert!(checked.contains(&entry.name), "{} is in the macro's table but not checked here", entry.name);
    }
}

#[test]
fn units_are_pynn_units() {
    for u in schema::UNITS {
        if u.factor == 1.0 {
            assert_eq!(u.name, u.dim.unit(), "unit with factor 1 must be PyNN's");
        }
    }
}

/// The defaults of the macro's current-source table, parsed as numbers.
fn defaults(name: &str) -> Vec<f64> {
    let entry = schema::call(schema::SOURCES, name).unwrap();
    entry.args.iter().map(|a| a.default.unwrap_or("0").parse().unwrap()).collect()
}

#[test]
fn macro_source_table_matches_core() {
    use pynn::__private::source;
    use pynn::core::CurrentSource;
    let names: Vec<&str> = schema::SOURCES.iter().map(|s| s.pynn).collect();
    assert_eq!(names, [DCSource::NAME, StepCurrentSource::NAME, ACSource::NAME, NoisyCurrentSource::NAME]);
    // Arguments in constructor order, defaults PyNN's (the core's `Default`).
    let d = defaults("dc");
    assert_eq!(source::dc(d[0], d[1], d[2]), DCSource::default());
    let d = defaults("ac");
    assert_eq!(source::ac(d[0], d[1], d[2], d[3], d[4], d[5]), ACSource::default());
    let d = defaults("noisy");
    assert_eq!(source::noisy(d[0], d[1], d[2], d[3], d[4]), NoisyCurrentSource::default());
    let arg_names =
        |n: &str| -> Vec<&str> { schema::call(schema::SOURCES, n).unwrap().args.iter().map(|a| a.name).collect() };
    assert_eq!(arg_names("ac"), ["amplitude", "offset", "frequency", "phase", "start", "stop"]);
    assert_eq!(arg_names("noisy"), ["mean", "stdev", "dt", "start", "stop"]);
}
