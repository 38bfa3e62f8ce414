//! Code for the constructs `check_extras` validates: a projection's
//! `space(...)`, a distribution's `seed`, `from_list` with
//! `column_names`, recording a current source and recording to a file. A
//! child module of `expand`, using its helpers; each expands into the
//! object-API call a script would write.

use super::*;

/// `Space` for `space(axes, periodic_boundaries, scale_factor, offset)`:
/// `pynn::__private::space(...)?`.
pub(super) fn space(call: &Call) -> TokenStream {
    let p = p();
    let Some(schema) = schema::call(schema::SPACE, "space") else { return quote!() };
    let a: Vec<TokenStream> = schema
        .args
        .iter()
        .zip(args(call, schema))
        .map(|(arg, v)| match (arg.name, v) {
            ("axes", None) => quote!("xyz"),
            ("axes", Some(Value::Str(s))) => quote!(#s),
            ("periodic_boundaries", Some(Value::Tuple { elems, .. } | Value::Array { elems, .. })) => {
                let e = elems.iter().map(|e| match e {
                    Value::Tuple { elems: b, .. } | Value::Array { elems: b, .. } if b.len() == 2 => {
                        let (lo, hi) = (number(&b[0]), number(&b[1]));
                        quote!(::core::option::Option::Some((#lo, #hi)))
                    }
                    _ => quote!(::core::option::Option::None),
                });
                quote!([#(#e),*])
            }
            ("periodic_boundaries", None) => quote!([::core::option::Option::None; 3]),
            ("scale_factor", Some(v)) => number(v),
            ("scale_factor", None) => quote!(1.0f64),
            ("offset", Some(Value::Tuple { elems, .. } | Value::Array { elems, .. })) => {
                let e = elems.iter().map(number);
                quote!([#(#e),*])
            }
            ("offset", None) => quote!([0.0f64; 3]),
            (_, Some(Value::Rust { expr, span, .. })) => quote_spanned!(*span=> (#expr)),
            _ => quote!(()),
        })
        .collect();
    quote_spanned!(call.span=> #p::space(#(#a),*)?)
}

/// `.with_seed(seed)` when a distribution is given `seed = ...`.
pub(super) fn seed(call: &Call) -> TokenStream {
    match call.args.iter().find(|a| a.name.as_ref().is_some_and(|n| *n == schema::DISTRIBUTION_SEED.name)) {
        Some(a) => {
            let s = int(&a.value);
            quote!(.with_seed(#s))
        }
        None => quote!(),
    }
}

/// Whether `connector` is `from_list(conn_list, column_names = [...])`
/// (the same test as `check_extras::has_columns`).
pub(super) fn has_columns(connector: &Call) -> bool {
    connector.name == "from_list"
        && (connector.args.len() > 1
            || connector.args.iter().any(|a| a.name.as_ref().is_some_and(|n| n == "column_names")))
}

/// `from_list(conn_list, column_names = [...])`:
/// `pynn::__private::connector::from_rows(rows, &[names])`, each column
/// converted to the unit of its attribute.
pub(super) fn from_list_columns(c: &Connect) -> TokenStream {
    let p = p();
    let call = &c.connector;
    let (mut list, mut names) = (None, None);
    let mut positional = 0;
    for a in &call.args {
        match a.name.as_ref().map(|n| n.to_string()).as_deref() {
            None => {
                if positional == 0 {
                    list = Some(&a.value);
                } else {
                    names = Some(&a.value);
                }
                positional += 1;
            }
            Some("conn_list") => list = Some(&a.value),
            _ => names = Some(&a.value),
        }
    }
    let synapse = match &c.synapse {
        None => schema::call(schema::SYNAPSES, "static"),
        Some(s) => schema::call(schema::SYNAPSES, &s.name.to_string()),
    };
    let table = synapse.and_then(|s| schema::synapse_table(s.pynn));
    let columns: Vec<(String, f64)> = match names {
        Some(Value::Array { elems, .. }) => elems
            .iter()
            .map(|e| {
                let name = match e {
                    Value::Str(s) => s.value(),
                    Value::Rust { expr, .. } => expr.to_string(),
                    _ => String::new(),
                };
                let scale = table.and_then(|t| t.parameter(&name)).map_or(1.0, |spec| schema::unit_scale(spec.unit));
                (name, scale)
            })
            .collect(),
        _ => Vec::new(),
    };
    let rows = match list {
        Some(Value::Array { elems, .. }) => {
            let rows = elems.iter().map(|e| match e {
                Value::Tuple { elems: t, .. } => {
                    let (i, j) = (int(&t[0]), int(&t[1]));
                    let rest = t[2..].iter().zip(&columns).map(|(v, (_, scale))| number_in(v, *scale));
                    quote!(::std::vec![(#i) as f64, (#j) as f64 #(, #rest)*])
                }
                _ => quote!(::std::vec::Vec::new()),
            });
            quote!(::std::vec![#(#rows),*])
        }
        Some(Value::Rust { expr, span, .. }) => quote_spanned!(*span=> (#expr)),
        _ => quote!(::std::vec::Vec::new()),
    };
    let names = columns.iter().map(|(n, _)| n);
    quote!(#p::connector::from_rows(#rows, &[#(#names),*]))
}

/// The recording of `r` when it names a current source (`record kick: i;`):
/// `kick.record()?;`.
pub(super) fn record_source(r: &Record, sources: &[String]) -> Option<TokenStream> {
    match r.cells.parts.as_slice() {
        [part] if part.index.is_none() && sources.contains(&part.pop.to_string()) => {
            let s = &part.pop;
            Some(quote!(#s.record()?;))
        }
        _ => None,
    }
}

/// `sim.record_to_file(vars, &cells, file)?;` after `record` (which set the
/// sampling interval), for `record ... to "file"`.
pub(super) fn record_file(r: &Record, target: &TokenStream) -> TokenStream {
    let p = p();
    let Some((kw, file)) = &r.file else { return quote!() };
    let vars = r.vars.iter().map(|v| v.to_string());
    let file = match file {
        Value::Str(s) => quote!(#s),
        Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
        _ => quote!(""),
    };
    quote_spanned!(kw.span()=> #p::Sim::record_to_file(sim, [#(#vars),*], &#target, #file)?;)
}
