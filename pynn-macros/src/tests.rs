//! Unit tests on `proc_macro2` tokens: parse, validate and expand without
//! `proc_macro`.

use crate::{ast, expand, validate};
use quote::quote;

fn errors(input: proc_macro2::TokenStream) -> Vec<String> {
    let net: ast::Network = syn::parse2(input).expect("parses");
    let mut cx = validate::Ctxt::default();
    validate::validate(&net, &mut cx);
    match cx.check() {
        Ok(()) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn valid_network_has_no_errors_and_expands_in_order() {
    let input = quote! {
        pub struct Va;
        setup { timestep = 0.1 ms, seed = 1 }
        connect ee = exc -> exc fixed_probability(p = 0.02) static(weight = 4 pA, delay = 1 ms) excitatory;
        pop exc = IF_curr_exp(10) { tau_m = 20 ms } init { v = uniform(-60 mV, -50 mV) };
        record exc[0..2]: v every 1 ms;
    };
    assert_eq!(errors(input.clone()), Vec::<String>::new());
    let out = crate::network2(input).to_string();
    // Populations are created before projections, whatever the source order.
    let pop =
        out.find("Population :: < :: pynn :: __private :: IF_curr_exp , B > :: with_structure").expect("population");
    let prj = out.find("Projection :: with_label").expect("projection");
    assert!(pop < prj);
    // 4 pA converted to nA at compile time; bare/ms numbers kept.
    assert!(out.contains("0.004f64"), "{out}");
    assert!(out.contains("fixed_probability (0.02f64 , true)"), "{out}");
    assert!(!out.contains("compile_error"));
}

#[test]
fn structures_convert_lengths_to_um_and_check_arguments() {
    let input = quote! {
        struct N;
        pop a = IF_curr_exp(16, structure = grid2d(dx = 0.01 mm, dy = 20, fill_order = random));
        pop b = IF_curr_exp(8, structure = random(sphere(radius = 50 um), origin = (1 mm, 0 um, 0)));
    };
    assert_eq!(errors(input.clone()), Vec::<String>::new());
    let out = crate::network2(input).to_string();
    assert!(
        out.contains("r#grid2d (1.0 , 10f64 , 20f64 , 0.0 , 0.0 , 0.0 , :: pynn :: __private :: FillOrder :: Random)"),
        "{out}"
    );
    assert!(
        out.contains("r#random (:: pynn :: __private :: shape :: r#sphere (50f64) , [1000f64 , 0f64 , 0f64])"),
        "{out}"
    );
    let e = errors(quote! {
        struct N;
        pop a = IF_curr_exp(4, structure = grid2d(dxx = 1 um, dy = 1 ms, fill_order = diagonal));
        pop b = IF_curr_exp(4, structure = random(cube(1 um)));
        pop c = IF_curr_exp(4, structure = Grid3D());
        pop d = IF_curr_exp(4, structure = random(cuboid(width = 1 um, height = 1 um)));
    });
    assert_eq!(e.len(), 6, "{e:#?}");
    assert!(e[0].contains("did you mean `dx`"), "{e:#?}");
    assert!(e[1].contains("expected a length (um), found `ms`"), "{e:#?}");
    assert!(e[2].contains("`sequential` or `random`"), "{e:#?}");
    assert!(e[3].contains("unknown shape `cube`"), "{e:#?}");
    assert!(e[4].contains("PyNN's `Grid3D` is written `grid3d`"), "{e:#?}");
    assert!(e[5].contains("needs argument `depth`"), "{e:#?}");
}

#[test]
fn errors_are_accumulated() {
    let e = errors(quote! {
        struct N;
        pop a = IF_curr_exp(10) { tau_mm = 1 ms, cm = 1 ms };
        connect a -> a + b fixed_probability(p = 2) static(weight = -1 nA, delay = 0 ms) excitatory;
        record a: vv;
    });
    assert_eq!(e.len(), 7, "{e:#?}");
    assert!(e[0].contains("did you mean `tau_m`"));
    assert!(e.iter().any(|m| m.contains("no population named `b`")));
    assert!(e.iter().any(|m| m.contains("must lie in [0, 1]")));
    assert!(e.iter().any(|m| m.contains("wrong sign")));
    assert!(e.iter().any(|m| m.contains("delay must be positive")));
    assert!(e.iter().any(|m| m.contains("cannot record `vv`")));
}

#[test]
fn fallback_keeps_the_struct() {
    let out = crate::network2(quote! {
        struct N;
        pop a = IF_cur_exp(10);
    })
    .to_string();
    assert!(out.contains("compile_error"));
    assert!(
        out.contains("pub a : :: pynn :: __private :: Population < :: pynn :: __private :: Unresolved , B >"),
        "{out}"
    );
}

#[test]
fn syntax_errors_do_not_stop_other_statements() {
    let net: ast::Network = syn::parse2(quote! {
        struct N;
        pop a = IF_curr_exp(10) { tau_m: 1 };
        pop b = IF_curr_exp(10);
        record b spikes;
    })
    .expect("header parses");
    assert_eq!(net.syntax_errors.len(), 2);
    // `pop b` parsed; `pop a` is kept as the name it declares (so that
    // statements naming it get no "no population named ..." error).
    assert_eq!(net.items.iter().filter(|i| matches!(i, ast::Item::Pop(_))).count(), 1);
    let broken: Vec<String> = net
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Broken(b) => {
                Some(format!("{} {} {:?}", b.keyword, b.name, b.cell.as_ref().map(|c| c.to_string())))
            }
            _ => None,
        })
        .collect();
    assert_eq!(broken, ["pop a Some(\"IF_curr_exp\")"]);
}

#[test]
fn closest_names() {
    assert_eq!(crate::tables::closest("tau_mem", ["tau_m", "cm"]), Some("tau_m"));
    assert_eq!(crate::tables::closest("xyz", ["tau_m", "cm"]), None);
    let _ = expand::expand; // expand is exercised through network2 above
}

#[test]
fn units_convert_to_each_parameters_own_unit() {
    let out = crate::network2(quote! {
        struct N;
        pop a = IF_cond_exp_gsfa_grr(2) { q_sfa = 0.015 uS, q_rr = 3000 } init { g_r = 2 nS };
        pop b = EIF_cond_exp_isfa_ista(2) { a = 0.004 uS, b = 80 pA };
        pop c = Izhikevich(2) { a = 20 Hz, d = 8 } init { u = uniform(-15, -13) };
        connect a -> b all_to_all() static(weight = 4 nS) excitatory;
        connect c -> c all_to_all() static(weight = 0.5 mV) excitatory;
        record b: w, gsyn_exc;
        record c: u;
    })
    .to_string();
    assert!(!out.contains("compile_error"), "{out}");
    assert!(out.contains("q_sfa : 15f64"), "{out}"); // 0.015 uS in nS
    assert!(out.contains("q_rr : 3000f64"), "{out}"); // bare: the core's unit
    assert!(out.contains("\"g_r\" , :: pynn :: __private :: Value :: Scalar (2f64)"), "{out}");
    assert!(out.contains("a : 4f64"), "{out}"); // 0.004 uS in nS
    assert!(out.contains("b : 0.08f64"), "{out}");
    assert!(out.contains("a : 0.02f64"), "{out}"); // 20 Hz in 1/ms
    assert!(out.contains("0.004f64"), "{out}"); // the weight, in uS
}

#[test]
fn conductance_weights_are_checked() {
    let e = errors(quote! {
        struct N;
        pop a = IF_cond_exp(10);
        pop z = Izhikevich(10) { d = 2 mV };
        connect a -> a all_to_all() static(weight = 4 nA) excitatory;
        connect a -> a all_to_all() static(weight = -51 nS) inhibitory;
        connect z -> z all_to_all() static(weight = 1 nA);
        record z: w;
    });
    assert_eq!(e.len(), 5, "{e:#?}");
    assert!(e[0].contains("rate of change of voltage (mV/ms)"), "{e:#?}");
    assert!(e[1].contains("expected a conductance (uS), found `nA`"), "{e:#?}");
    assert!(e[2].contains("conductance-based synapses need weights >= 0"), "{e:#?}");
    assert!(e[3].contains("expected a voltage (mV)"), "{e:#?}");
    assert!(e[4].contains("cannot record `w`"), "{e:#?}");
}

#[test]
fn unit_conversion_is_exact() {
    assert_eq!(expand::convert(51.0, 1e-3), 51e-3);
    assert_eq!(expand::convert(4.0, 1e-3), 4e-3);
    assert_eq!(expand::convert(0.27, 1e-3), 0.27e-3);
    assert_eq!(expand::convert(-0.065, 1e3), -65.0);
    assert_eq!(expand::convert(0.1, 1.0), 0.1);
    assert_eq!(expand::convert(20.0, 1e-3), 0.02);
}

/// Every unit of the core's cell tables is one the macro knows the
/// dimension of (else its numbers would be taken as dimensionless), and
/// converting to it is the factor `unit_scale` applies.
#[test]
fn every_unit_of_the_cell_tables_is_known() {
    use crate::schema::{self, Dim};
    for c in schema::CELL_TYPES {
        let units = c.parameters.iter().chain(c.state).map(|p| (p.name, p.unit));
        for (name, unit) in units.chain(c.recordables.iter().map(|r| (r.name, r.unit))) {
            let dim = schema::dim_of(unit);
            let known = unit == dim.unit()
                || schema::UNITS.iter().any(|u| u.name == unit && u.dim == dim)
                || (unit == "1/ms" && dim == Dim::Rate && schema::unit_scale(unit) == 1e3);
            assert!(known, "{}.{name}: unit `{unit}` has no dimension in the macro", c.name);
        }
        let w = schema::weight_dim(c);
        assert!(matches!(w, Dim::Current | Dim::Conductance | Dim::Voltage), "{}: weight unit", c.name);
        assert_eq!(c.conductance_based, w == Dim::Conductance, "{}: weight unit", c.name);
    }
}

#[test]
fn missing_semicolons_keep_every_statement() {
    let input = quote! {
        struct Net;
        pop exc = IF_curr_exp(10)
        pop inh = IF_curr_exp(5);
        record exc + inh: spikes
    };
    let net: ast::Network = syn::parse2(input.clone()).expect("parses");
    assert_eq!(net.items.len(), 3);
    let errs = errors(input);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().all(|e| e.starts_with("expected `;` after this statement")), "{errs:?}");
}

#[test]
fn overflowing_numbers_are_errors_not_panics() {
    let input = quote! {
        struct Net;
        pop exc = IF_curr_exp(10) { tau_m = 1e400 ms };
    };
    let errs = errors(input.clone());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("too large"), "{errs:?}");
    // Expansion (fallback or not) does not panic on an infinite value.
    let out = crate::network2(input).to_string();
    assert!(out.contains("compile_error"));
    assert!(expand::convert(1e308, 1e3).is_infinite());
}

#[test]
fn min_delay_falls_back_to_the_timestep() {
    let input = quote! {
        struct Net;
        setup { timestep = 0.1 ms, min_delay = { 0.5 } }
        pop exc = IF_curr_exp(10);
        connect exc -> exc one_to_one() static(weight = 0.1 nA, delay = 0.05 ms);
        connect exc -> exc one_to_one() static(weight = 0.1 nA, delay = 0.2 ms);
    };
    let errs = errors(input);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("min_delay (0.1 ms"), "{errs:?}");
}

#[test]
fn synapse_arguments_are_the_pynn_schema_tables() {
    use crate::schema::{self, ArgKind, SYNAPSES, TABLE, TIMING_DEPENDENCES, WEIGHT_DEPENDENCES};
    use crate::tables::synapses::WEIGHT_UNIT;
    for call in SYNAPSES.iter().chain(TIMING_DEPENDENCES).chain(WEIGHT_DEPENDENCES) {
        let Some(table) = schema::synapse_table(call.pynn) else {
            assert!(call.name == "static" || call.name == "stdp", "{} has no table", call.name);
            continue;
        };
        if call.name != "stdp" && call.name != "static" {
            // The table's parameters, in order, are the arguments besides weight and delay.
            let names: Vec<&str> =
                call.args.iter().map(|a| a.name).filter(|n| *n != "weight" && *n != "delay").collect();
            let table_names: Vec<&str> = table.parameters.iter().map(|p| p.name).collect();
            assert_eq!(names, table_names, "{}", call.name);
            assert_eq!(table.short, call.name);
        }
        for arg in call.args {
            let Some(spec) = table.parameter(arg.name) else { continue };
            assert_eq!(arg.default, TABLE, "{}.{}: default from the table", call.name, arg.name);
            match arg.kind {
                ArgKind::WeightMagnitude => assert_eq!(spec.unit, WEIGHT_UNIT, "{}.{}", call.name, arg.name),
                ArgKind::Number(d) => assert!(d == schema::dim_of(spec.unit), "{}.{}", call.name, arg.name),
                _ => panic!("{}.{}: unexpected kind", call.name, arg.name),
            }
        }
    }
}

#[test]
fn stochastic_synapses_take_table_defaults_and_domains() {
    let input = quote! {
        struct N;
        pop exc = IF_curr_exp(10);
        connect a = exc -> exc all_to_all() multi_quantal(U = 0.3, n = 4) excitatory;
        connect b = exc -> exc all_to_all() stochastic_tsodyks_markram(tau_rec = 50 ms) excitatory;
        connect c = exc -> exc all_to_all() simple_stochastic(p = 0.2) excitatory;
    };
    assert_eq!(errors(input.clone()), Vec::<String>::new());
    let out = crate::network2(input).to_string();
    assert!(out.contains("r#multi_quantal (0.3f64 , 4f64 , 800f64 , 0f64"), "{out}");
    assert!(out.contains("r#stochastic_tsodyks_markram (0.5f64 , 50f64 , 0f64"), "{out}");
    assert!(out.contains("r#simple_stochastic (0.2f64"), "{out}");
    let errs = errors(quote! {
        struct N;
        pop exc = IF_curr_exp(10);
        connect c = exc -> exc all_to_all() simple_stochastic(p = 1.5) excitatory;
    });
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("1.5") && errs[0].contains("`p`"), "{errs:?}");
}

#[test]
fn plastic_synapses_expand_to_object_api_calls() {
    let input = quote! {
        struct N;
        pop exc = IF_curr_exp(10);
        connect ee = exc -> exc all_to_all()
            stdp(spike_pair(tau_plus = 10 ms), additive(w_max = 20 pA), weight = 10 pA) excitatory;
        connect tm = exc -> exc all_to_all() tsodyks_markram(U = 0.2) init { u = 0.2 } excitatory;
        record ee: weight every 10 ms;
    };
    assert_eq!(errors(input.clone()), Vec::<String>::new());
    let out = crate::network2(input).to_string();
    // Defaults come from pynn-schema's tables; units converted to nA.
    assert!(out.contains("timing :: r#spike_pair (10f64 , 20f64 , 0.01f64 , 0.01f64)"), "{out}");
    assert!(out.contains("weight :: r#additive (0f64 , :: pynn :: __private :: Value :: Scalar (0.02f64))"), "{out}");
    assert!(out.contains("r#tsodyks_markram (0.2f64 , 100f64 , 0f64"), "{out}");
    assert!(out.contains("__synapse . u ="), "{out}");
    assert!(out.contains("ee . record_weights (10f64)"), "{out}");
}
