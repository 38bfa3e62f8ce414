//! The `network!` macro's schema table (pynn-macros/src/schema.rs) agrees
//! with pynn-core's `CellType` constants for every cell type, so the two
//! cannot drift: a cell type added to one must be added to the other.

#[allow(dead_code)]
#[path = "../pynn-macros/src/schema.rs"]
mod schema;

use pynn::core::cells::CellType;
use pynn::core::parameters::ParamKind;
use pynn::prelude::*;

fn check<C: CellType>() {
    let entry = schema::cell_type(C::NAME).unwrap_or_else(|| panic!("network! does not know cell type {}", C::NAME));
    let core_params: Vec<(&str, &str, bool)> =
        C::PARAMETERS.iter().map(|p| (p.name, p.unit, matches!(p.kind, ParamKind::Sequence))).collect();
    let macro_params: Vec<(&str, &str, bool)> =
        entry.parameters.iter().map(|p| (p.name, p.unit, p.kind == schema::Kind::Sequence)).collect();
    assert_eq!(macro_params, core_params, "{}: PARAMETERS", C::NAME);
    let core_state: Vec<(&str, &str)> = C::STATE.iter().map(|p| (p.name, p.unit)).collect();
    let macro_state: Vec<(&str, &str)> = entry.state.iter().map(|p| (p.name, p.unit)).collect();
    assert_eq!(macro_state, core_state, "{}: STATE", C::NAME);
    let core_rec: Vec<(&str, &str)> = C::RECORDABLES.iter().map(|r| (r.name, r.unit)).collect();
    let macro_rec: Vec<(&str, &str)> = entry.recordables.iter().map(|r| (r.name, r.unit)).collect();
    assert_eq!(macro_rec, core_rec, "{}: RECORDABLES", C::NAME);
    assert_eq!(entry.receptors, C::RECEPTORS, "{}: RECEPTORS", C::NAME);
    assert_eq!(entry.conductance_based, C::CONDUCTANCE_BASED, "{}: CONDUCTANCE_BASED", C::NAME);
    assert_eq!(entry.injectable, C::INJECTABLE, "{}: INJECTABLE", C::NAME);
    if C::CONDUCTANCE_BASED {
        assert_eq!(entry.weight, schema::Dim::Conductance, "{}: weight unit", C::NAME);
    }
    // Each unit of the core is the unit of the dimension the macro checks
    // against, up to the factor `unit_scale` applies.
    for p in entry.parameters.iter().chain(entry.state).chain(entry.recordables) {
        let scale = schema::unit_scale(p.unit);
        let known = p.unit == p.dim.unit()
            || schema::UNITS.iter().any(|u| u.name == p.unit && u.dim == p.dim)
            || (p.unit == "1/ms" && p.dim == schema::Dim::Rate && scale == 1e3);
        assert!(known, "{}.{}: unit {} is not {:?}", C::NAME, p.name, p.unit, p.dim);
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
    let checked = check_all!(
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
        SpikeSourceArray,
        SpikeSourcePoisson,
        SpikeSourcePoissonRefractory,
        SpikeSourceGamma,
        SpikeSourceInhGamma,
        GIF_cond_exp,
    );
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
