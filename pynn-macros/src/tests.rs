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
    let pop = out
        .find("Population :: < :: pynn :: __private :: IF_curr_exp , B > :: with_label")
        .expect("population");
    let prj = out.find("Projection :: with_label").expect("projection");
    assert!(pop < prj);
    // 4 pA converted to nA at compile time; bare/ms numbers kept.
    assert!(out.contains("0.004f64"), "{out}");
    assert!(out.contains("fixed_probability (0.02f64 , true)"), "{out}");
    assert!(!out.contains("compile_error"));
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
        out.contains(
            "pub a : :: pynn :: __private :: Population < :: pynn :: __private :: Unresolved , B >"
        ),
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
    assert_eq!(net.items.len(), 1);
}

#[test]
fn closest_names() {
    assert_eq!(validate::closest("tau_mem", ["tau_m", "cm"]), Some("tau_m"));
    assert_eq!(validate::closest("xyz", ["tau_m", "cm"]), None);
    let _ = expand::expand; // expand is exercised through network2 above
}
