//! Code generation for a validated network (and the fallback expansion for
//! a network with errors). No diagnostics are produced here.
//!
//! # Expansion order
//!
//! `build` creates objects in this order, which fixes their ids and so the
//! keyed random streams they draw from (seed, object id, purpose, n-th draw):
//!
//! 1. populations, in declaration order; for each: create it with its
//!    literal parameters, then `set` each non-literal parameter (random
//!    distributions, per-cell arrays, Rust expressions) and then
//!    `initialize` each `init` value, in the order written;
//! 2. projections, in declaration order;
//! 3. current sources, in declaration order;
//! 4. recording, in declaration order.
//!
//! Population and projection ids each count from 0 in their own kind, and
//! random draws are keyed per object, so this is the same network as an
//! object-API script that creates its populations and its projections in
//! the same order (whatever it does in between).

use crate::ast::*;
use crate::schema::{self, ArgKind, CallSchema, ParamKind};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

pub(crate) fn p() -> TokenStream {
    quote!(::pynn::__private)
}

/// An `f64` literal (negative values as `-` and a literal). A value that
/// is not finite (a conversion past `f64::MAX`; literals that overflow
/// are refused by `validate`) becomes `f64::INFINITY` or `f64::NAN`, which
/// the object API refuses when `build` runs.
pub(crate) fn f64_tokens(x: f64) -> TokenStream {
    if x.is_nan() {
        return quote!(::core::f64::NAN);
    }
    if x.is_infinite() {
        return if x < 0.0 { quote!(-::core::f64::INFINITY) } else { quote!(::core::f64::INFINITY) };
    }
    let lit = Literal::f64_suffixed(x.abs());
    if x < 0.0 { quote!(-#lit) } else { quote!(#lit) }
}

/// The factor from a written unit to the target's unit, whose own factor
/// (to PyNN's unit of its dimension) is `scale` (see [`schema::unit_scale`]).
fn factor(unit: &Option<Ident>, scale: f64) -> f64 {
    unit.as_ref().and_then(|u| schema::unit_named(&u.to_string())).map_or(1.0, |u| u.factor / scale)
}

/// `x * f` for a power of ten `f`, computed by shifting the decimal
/// exponent: `51 nS` is exactly the `f64` of the literal `0.051` (while
/// `51.0 * 1e-3` is `0.051000000000000004`).
pub(crate) fn convert(x: f64, f: f64) -> f64 {
    if f == 1.0 || x == 0.0 || !x.is_finite() {
        return x * f;
    }
    let e = f.log10().round() as i32;
    if 10f64.powi(e) != f && (10f64.powi(e) - f).abs() > f * 1e-12 {
        return x * f;
    }
    let s = format!("{x:e}");
    match s.split_once('e') {
        Some((m, ex)) => match ex.parse::<i32>() {
            Ok(ex) => format!("{m}e{}", ex + e).parse().unwrap_or(x * f),
            Err(_) => x * f,
        },
        None => x * f,
    }
}

/// A number in PyNN's unit, as `f64`.
fn number(v: &Value) -> TokenStream {
    number_in(v, 1.0)
}

/// A number in a unit of factor `scale`, as `f64` (a bare number is taken
/// as already in that unit).
pub(crate) fn number_in(v: &Value, scale: f64) -> TokenStream {
    match v {
        Value::Number(n) => f64_tokens(convert(n.value, factor(&n.unit, scale))),
        Value::Rust { expr, span, unit } => {
            let f = factor(unit, scale);
            if f == 1.0 {
                quote_spanned!(*span=> (#expr))
            } else if f < 1.0 && (1.0 / f).fract() == 0.0 {
                // Dividing by 1000 rounds once, as the literal `4e-3` does;
                // multiplying by 0.001 (inexact) could differ in the last bit.
                let d = f64_tokens(1.0 / f);
                quote_spanned!(*span=> { let __x: f64 = #expr; __x / #d })
            } else {
                let f = f64_tokens(f);
                quote_spanned!(*span=> { let __x: f64 = #expr; __x * #f })
            }
        }
        _ => quote!(0.0f64),
    }
}

/// A `Vec<f64>` (or, for a Rust expression, the expression as written).
fn sequence(v: &Value) -> TokenStream {
    sequence_in(v, 1.0)
}

fn sequence_in(v: &Value, scale: f64) -> TokenStream {
    match v {
        Value::Array { elems, .. } => {
            let e = elems.iter().map(|e| number_in(e, scale));
            quote!(::std::vec![#(#e),*])
        }
        Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
        _ => quote!(::std::vec::Vec::new()),
    }
}

/// A `pynn::Value`.
fn value(v: &Value) -> TokenStream {
    value_in(v, 1.0)
}

/// A `pynn::Value` for a target in a unit of factor `scale`.
pub(crate) fn value_in(v: &Value, scale: f64) -> TokenStream {
    let p = p();
    match v {
        Value::Number(_) => {
            let x = number_in(v, scale);
            quote!(#p::Value::Scalar(#x))
        }
        Value::Array { elems, .. } if elems.iter().any(|e| matches!(e, Value::Array { .. })) => {
            let e = elems.iter().map(|e| sequence_in(e, scale));
            quote!(#p::Value::Sequences(::std::vec![#(#e),*]))
        }
        Value::Array { .. } => {
            let s = sequence_in(v, scale);
            quote!(#p::Value::Array(#s))
        }
        Value::Random(call) => {
            let d = distribution(call, scale);
            quote!(#p::Value::Random(#d))
        }
        Value::Rust { expr, span, unit } if factor(unit, scale) == 1.0 => {
            quote_spanned!(*span=> <#p::Value as ::core::convert::From<_>>::from(#expr))
        }
        Value::Rust { .. } => {
            let x = number_in(v, scale);
            quote!(#p::Value::Scalar(#x))
        }
        _ => quote!(#p::Value::Scalar(0.0)),
    }
}

fn int(v: &Value) -> TokenStream {
    match v {
        Value::Number(n) => {
            let lit = Literal::i128_unsuffixed(n.value.abs() as i128);
            if n.value < 0.0 { quote!(-#lit) } else { quote!(#lit) }
        }
        Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
        _ => quote!(0),
    }
}

/// Matches call arguments to the schema (already validated).
fn args<'a>(call: &'a Call, schema: &CallSchema) -> Vec<Option<&'a Value>> {
    let mut given = vec![None; schema.args.len()];
    let mut positional = 0;
    for a in &call.args {
        let k = match &a.name {
            None => {
                positional += 1;
                positional - 1
            }
            Some(n) => {
                let s = n.to_string();
                schema.args.iter().position(|x| x.name == s || x.aliases.contains(&s.as_str())).unwrap_or(usize::MAX)
            }
        };
        if let Some(slot) = given.get_mut(k) {
            *slot = Some(&a.value);
        }
    }
    given
}

/// The Rust arguments of a call, in constructor order, defaults filled in.
fn call_args(call: &Call, schema: &CallSchema) -> Vec<TokenStream> {
    call_args_in(call, schema, 1.0)
}

/// As [`call_args`], arguments of kind `SameAsTarget` in a unit of factor
/// `scale`.
fn call_args_in(call: &Call, schema: &CallSchema, scale: f64) -> Vec<TokenStream> {
    schema
        .args
        .iter()
        .zip(args(call, schema))
        .map(|(arg, v)| match v {
            None if arg.default == schema::TABLE => {
                let table = schema::synapse_table(schema.pynn);
                f64_tokens(table.and_then(|t| t.parameter(arg.name)).map_or(0.0, |p| p.default))
            }
            None => arg.default.unwrap_or("0.0").parse().unwrap_or_default(),
            Some(v) => match arg.kind {
                ArgKind::Number(_) | ArgKind::Probability => number(v),
                ArgKind::SameAsTarget => number_in(v, scale),
                ArgKind::Int => int(v),
                ArgKind::Bool => match v {
                    Value::Bool(b) => quote!(#b),
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                    _ => quote!(true),
                },
                ArgKind::Sequence(_) => sequence(v),
                ArgKind::Weight | ArgKind::WeightMagnitude => value(v),
                ArgKind::Timing => match v {
                    Value::Random(call) => constructor(call, schema::TIMING_DEPENDENCES, "timing"),
                    _ => quote!(()),
                },
                ArgKind::WeightDependence => match v {
                    Value::Random(call) => constructor(call, schema::WEIGHT_DEPENDENCES, "weight"),
                    _ => quote!(()),
                },
                ArgKind::Delay => {
                    let d = value(v);
                    quote!(::core::option::Option::Some(#d))
                }
                ArgKind::Count => match v {
                    Value::Number(_) => int(v),
                    Value::Random(call) => distribution(call, 1.0),
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                    _ => quote!(0usize),
                },
                ArgKind::OptionalInt => {
                    let i = int(v);
                    quote!(::core::option::Option::Some(#i))
                }
                ArgKind::Function(_) | ArgKind::File => match v {
                    Value::Str(s) => quote!(#s),
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                    _ => quote!(()),
                },
                ArgKind::FillOrder => match v {
                    Value::Rust { expr, .. } if expr.to_string() == "random" => {
                        let p = p();
                        quote!(#p::FillOrder::Random)
                    }
                    _ => {
                        let p = p();
                        quote!(#p::FillOrder::Sequential)
                    }
                },
                ArgKind::Shape => match v {
                    Value::Random(call) => constructor(call, schema::SHAPES, "shape"),
                    _ => quote!(()),
                },
                ArgKind::Position => match v {
                    Value::Tuple { elems, .. } | Value::Array { elems, .. } => {
                        let e = elems.iter().map(number);
                        quote!([#(#e),*])
                    }
                    _ => quote!([0.0f64; 3]),
                },
                ArgKind::Projection => match v {
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> &#expr),
                    _ => quote!(()),
                },
                ArgKind::BoolMatrix => match v {
                    Value::Array { elems, .. } => {
                        let rows = elems.iter().map(|r| match r {
                            Value::Array { elems, .. } => {
                                let x = elems.iter().map(|b| match b {
                                    Value::Bool(b) => quote!(#b),
                                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                                    _ => quote!(false),
                                });
                                quote!(::std::vec![#(#x),*])
                            }
                            _ => quote!(::std::vec::Vec::new()),
                        });
                        quote!(::std::vec![#(#rows),*])
                    }
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                    _ => quote!(::std::vec::Vec::new()),
                },
                ArgKind::ConnectionList => match v {
                    Value::Array { elems, .. } => {
                        let entries = elems.iter().map(|e| match e {
                            Value::Tuple { elems: t, .. } => {
                                let (i, j) = (int(&t[0]), int(&t[1]));
                                let rest = t[2..].iter().map(number);
                                quote!((#i, #j #(, #rest)*))
                            }
                            _ => quote!(),
                        });
                        quote!(::std::vec![#(#entries),*])
                    }
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                    _ => quote!(::std::vec::Vec::<(usize, usize)>::new()),
                },
            },
        })
        .collect()
}

fn distribution(call: &Call, scale: f64) -> TokenStream {
    let p = p();
    let Some(schema) = schema::call(schema::DISTRIBUTIONS, &call.name.to_string()) else {
        return quote!();
    };
    let name = &call.name;
    let a = call_args_in(call, schema, scale);
    quote!(#p::RandomDistribution::#name(#(#a),*))
}

/// A constructor call `pynn::__private::<module>::<name>(args)`.
pub(crate) fn constructor(call: &Call, table: &'static [CallSchema], module: &str) -> TokenStream {
    let p = p();
    let Some(schema) = schema::call(table, &call.name.to_string()) else {
        return quote!();
    };
    let module = format_ident!("{}", module);
    let name = Ident::new_raw(schema.name, call.name.span());
    let a = call_args(call, schema);
    quote_spanned!(call.span=> #p::#module::#name(#(#a),*))
}

/// A cells expression as a value (population, view or assembly).
fn cells(c: &Cells) -> TokenStream {
    let p = p();
    let part = |part: &CellsPart| {
        let pop = &part.pop;
        match &part.index {
            None => quote!(#pop),
            Some(Index::Range { start, end, span }) => {
                let s = start.as_ref().map_or(quote!(0), |e| quote!(#e));
                let e = end.as_ref().map_or(quote!(#pop.size()), |e| quote!(#e));
                quote_spanned!(*span=> #pop.view((#s)..(#e))?)
            }
            Some(Index::One(e)) => quote!(#pop.cell(#e)?),
            Some(Index::Expr(syn::Expr::Block(b))) => {
                // `{ K }` as the argument itself (no `unused_braces`),
                // every token spanned on the user's braces.
                let span = b.span();
                let arg = match b.block.stmts.as_slice() {
                    [syn::Stmt::Expr(e, None)] => quote!(#e),
                    _ => quote!(#b),
                };
                quote_spanned!(span=> ::pynn::__private::Select::select(#arg, &*#pop)?)
            }
            Some(Index::Expr(e)) => quote!(#pop.view(#e)?),
        }
    };
    if c.parts.len() == 1 {
        part(&c.parts[0])
    } else {
        let parts = c.parts.iter().map(part);
        quote!(#p::Assembly::new(&[#(&#parts as &dyn #p::Cells<B>),*])?)
    }
}

fn doc(text: String) -> TokenStream {
    quote!(#[doc = #text])
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn doc_attrs(attrs: &[syn::Attribute]) -> Vec<&syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).collect()
}

struct Field {
    name: Ident,
    ty: TokenStream,
    doc: TokenStream,
}

/// The fields of the struct; unknown cell types become `Unresolved` and
/// duplicate names are skipped (for the fallback).
fn fields(net: &Network) -> Vec<Field> {
    let p = p();
    let mut out: Vec<Field> = Vec::new();
    let mut push = |f: Field| {
        if !out.iter().any(|g| g.name == f.name) {
            out.push(f);
        }
    };
    for item in &net.items {
        match item {
            Item::Pop(pop) => {
                let cell = match schema::cell_type(&pop.cell.to_string()) {
                    _ if crate::models::cell_type_tokens(pop).is_some() => {
                        crate::models::cell_type_tokens(pop).unwrap_or_default()
                    }
                    Some(c) => {
                        let id = Ident::new(c.name, pop.cell.span());
                        quote!(#p::#id)
                    }
                    None => quote!(#p::Unresolved),
                };
                let d = if has_doc(&pop.attrs) {
                    let a = doc_attrs(&pop.attrs);
                    quote!(#(#a)*)
                } else {
                    doc(format!("Population `{}` ({}).", pop.name, pop.cell))
                };
                push(Field { name: pop.name.clone(), ty: quote!(#p::Population<#cell, B>), doc: d });
            }
            Item::Connect(c) => {
                if let Some(n) = &c.name {
                    let d = if has_doc(&c.attrs) {
                        let a = doc_attrs(&c.attrs);
                        quote!(#(#a)*)
                    } else {
                        doc(format!("Projection `{n}`."))
                    };
                    push(Field { name: n.clone(), ty: quote!(#p::Projection<B>), doc: d });
                }
            }
            Item::Inject(i) => {
                if let Some(n) = &i.name {
                    let d = if has_doc(&i.attrs) {
                        let a = doc_attrs(&i.attrs);
                        quote!(#(#a)*)
                    } else {
                        doc(format!("Current source `{n}` ({}).", i.source.name))
                    };
                    push(Field { name: n.clone(), ty: quote!(#p::CurrentSourceHandle<B>), doc: d });
                }
            }
            _ => {}
        }
    }
    out
}

fn struct_def(net: &Network, fields: &[Field]) -> TokenStream {
    let p = p();
    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let default_doc = if has_doc(attrs) {
        quote!()
    } else {
        doc(format!(
            "The network `{name}`, generated by `network!`: one field per named population, projection and current source."
        ))
    };
    let f = fields.iter().map(|f| {
        let (n, ty, d) = (&f.name, &f.ty, &f.doc);
        quote!(#d pub #n: #ty,)
    });
    let phantom = if fields.is_empty() {
        quote!(#[doc(hidden)] pub __backend: ::core::marker::PhantomData<fn() -> B>,)
    } else {
        quote!()
    };
    quote! {
        #default_doc
        #(#attrs)*
        #vis struct #name<B: #p::Backend> {
            #(#f)*
            #phantom
        }
    }
}

fn setup_fn(net: &Network) -> TokenStream {
    let p = p();
    let mut entries = Vec::new();
    for item in &net.items {
        if let Item::Setup(s) = item {
            for a in &s.entries {
                let key = &a.name;
                let v = match schema::SETUP.iter().find(|k| *key == k.name).map(|k| k.kind) {
                    Some(ArgKind::Int) => int(&a.value),
                    _ => number(&a.value),
                };
                entries.push(quote!(#key: #v,));
            }
        }
    }
    quote! {
        /// The session settings of the `setup` block (PyNN's defaults for
        /// the rest): `Sim::setup(Self::setup())`.
        pub fn setup() -> #p::Setup {
            #p::Setup { #(#entries)* ..::core::default::Default::default() }
        }
    }
}

/// The expansion of a network that passed validation.
pub fn expand(net: &Network) -> TokenStream {
    let p = p();
    let name = &net.name;
    let fields = fields(net);
    let def = struct_def(net, &fields);
    let setup = setup_fn(net);

    let mut bounds: Vec<TokenStream> = Vec::new();
    let mut seen_cells: Vec<&str> = Vec::new();
    let (mut pops, mut projs, mut sources, mut records) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut pop_names, mut projection_names) = (Vec::new(), Vec::new());
    let mut checks = crate::models::Checks::new();
    for item in &net.items {
        match item {
            Item::Pop(p) => pop_names.push(p.name.to_string()),
            Item::Connect(Connect { name: Some(n), .. }) => projection_names.push(n.to_string()),
            _ => {}
        }
    }
    for item in &net.items {
        match item {
            Item::Pop(pop) => {
                if let Some(code) = crate::models::expand_pop(pop, &mut bounds, &mut checks) {
                    pops.push(code);
                    continue;
                }
                let Some(cell) = schema::cell_type(&pop.cell.to_string()) else {
                    continue;
                };
                let ty = Ident::new(cell.name, pop.cell.span());
                if !seen_cells.contains(&cell.name) {
                    seen_cells.push(cell.name);
                    bounds.push(quote_spanned!(pop.cell.span()=> ::pynn::__private::Supports<::pynn::__private::#ty>));
                }
                let var = &pop.name;
                let size = match &pop.size {
                    Value::Number(n) => {
                        let l = Literal::usize_unsuffixed(n.value as usize);
                        quote!(#l)
                    }
                    Value::Rust { expr, span, .. } => quote_spanned!(*span=> (#expr)),
                    _ => quote!(1),
                };
                let label = pop.label.as_ref().map_or_else(|| var.to_string(), |l| l.value());
                let mut literal = Vec::new();
                let mut later = Vec::new();
                for a in &pop.params {
                    let Some(spec) = cell.parameters.iter().find(|s| a.name == s.name) else {
                        continue;
                    };
                    let field = &a.name;
                    let scale = schema::unit_scale(spec.unit);
                    match (spec.kind, &a.value) {
                        (ParamKind::Scalar, Value::Number(_)) => {
                            let v = number_in(&a.value, scale);
                            literal.push(quote!(#field: #v,));
                        }
                        (ParamKind::Sequence, Value::Array { elems, .. })
                            if !elems.iter().any(|e| matches!(e, Value::Array { .. })) =>
                        {
                            let v = sequence_in(&a.value, scale);
                            literal.push(quote!(#field: #v,));
                        }
                        _ => {
                            let key = field.to_string();
                            let v = value_in(&a.value, scale);
                            later.push(quote!(#var.set(#key, #v)?;));
                        }
                    }
                }
                for a in &pop.init {
                    let key = a.name.to_string();
                    let scale =
                        cell.state.iter().find(|s| a.name == s.name).map_or(1.0, |s| schema::unit_scale(s.unit));
                    let v = value_in(&a.value, scale);
                    later.push(quote!(#var.initialize(#key, #v)?;));
                }
                let structure = match &pop.structure {
                    Some(s) => constructor(s, schema::STRUCTURES, "structure"),
                    None => quote!(::core::default::Default::default()),
                };
                pops.push(quote_spanned! {pop.cell.span()=>
                    let #var = #p::Population::<#p::#ty, B>::with_structure(
                        sim,
                        #size,
                        #p::#ty { #(#literal)* ..::core::default::Default::default() },
                        #structure,
                        ::core::option::Option::Some(#label),
                    )?;
                });
                pops.extend(later);
            }
            Item::Connect(c) => {
                let (pre, post) = (cells(&c.pre), cells(&c.post));
                let connector = constructor(&c.connector, schema::CONNECTORS, "connector");
                let mut synapse = match &c.synapse {
                    Some(s) => constructor(s, schema::SYNAPSES, "synapse"),
                    None => quote!(#p::synapse::r#static(0.0, ::core::option::Option::None)),
                };
                if let Some((_, init)) = &c.init {
                    // Initial state as fields of the synapse type, set before
                    // the projection is created.
                    let set = init.iter().map(|a| {
                        let (field, v) = (&a.name, value(&a.value));
                        quote!(__synapse.#field = ::core::convert::Into::into(#v);)
                    });
                    synapse = quote!({ let mut __synapse = #synapse; #(#set)* __synapse });
                }
                let receptor = match &c.receptor {
                    Some(r) => {
                        let r = r.to_string();
                        quote!(::core::option::Option::Some(#r))
                    }
                    None => quote!(::core::option::Option::None),
                };
                let label = match &c.name {
                    Some(n) => {
                        let n = n.to_string();
                        quote!(::core::option::Option::Some(#n))
                    }
                    None => quote!(::core::option::Option::None),
                };
                let var = c.name.clone().unwrap_or_else(|| Ident::new("_", Span::call_site()));
                projs.push(crate::models::user_receptor_checks(net, c, &mut checks));
                projs.push(quote_spanned! {c.keyword.span()=>
                    let #var = #p::Projection::with_label(&#pre, &#post, &(#connector?), #synapse, #receptor, #label)?;
                });
            }
            Item::Inject(i) => {
                let target = cells(&i.target);
                let source = constructor(&i.source, schema::SOURCES, "source");
                let var = i.name.clone().unwrap_or_else(|| Ident::new("_", Span::call_site()));
                sources.push(quote!(let #var = #target.inject(#source)?;));
            }
            Item::Record(r) => {
                if let [part] = r.cells.parts.as_slice()
                    && part.index.is_none()
                    && projection_names.contains(&part.pop.to_string())
                    && !pop_names.contains(&part.pop.to_string())
                {
                    let proj = &part.pop;
                    let every = r.every.as_ref().map_or_else(|| quote!(0.0), number);
                    records.push(quote!(#proj.record_weights(#every)?;));
                    continue;
                }
                let target = cells(&r.cells);
                records.push(crate::models::user_record_checks(net, r, &mut checks));
                let vars = (0..r.vars.len()).map(|k| crate::models::var_name(r, k));
                let every = match &r.every {
                    Some(v) => {
                        let x = number(v);
                        quote!(::core::option::Option::Some(#x))
                    }
                    None => quote!(::core::option::Option::None),
                };
                records.push(quote!(#target.record([#(#vars),*], #every)?;));
            }
            Item::Setup(_) | Item::Backend(_) => {}
        }
    }
    let names = fields.iter().map(|f| &f.name);
    let phantom = if fields.is_empty() { quote!(__backend: ::core::marker::PhantomData,) } else { quote!() };
    let (options, new_sim) = match crate::models::backends(net) {
        Some(b) => {
            let f = crate::models::options_fn(b);
            bounds.push(quote!(#p::BackendOptions));
            (
                quote!(impl<B: #p::Backend + #p::BackendOptions> #name<B> { #f }),
                quote!(#p::Sim::<B>::setup_with(Self::setup(), Self::options())?),
            )
        }
        None => (quote!(), quote!(#p::Sim::<B>::setup(Self::setup())?)),
    };
    let checks = crate::models::check_items(&checks);
    quote! {
        #def
        #checks

        impl<B: #p::Backend> #name<B> {
            #setup
        }

        #options

        impl<B> #name<B>
        where
            B: #p::Backend #(+ #bounds)*,
        {
            /// Builds the network in session `sim`: populations, then
            /// projections, current sources and recording, each in the order
            /// written (see `network!` for why the order matters).
            #[allow(clippy::all, unused_variables, unused_parens)]
            pub fn build(sim: &#p::Sim<B>) -> #p::Result<Self> {
                #(#pops)*
                #(#projs)*
                #(#sources)*
                #(#records)*
                ::core::result::Result::Ok(Self { #(#names,)* #phantom })
            }

            /// A new session with [`Self::setup`] and the network built in it.
            pub fn setup_and_build() -> #p::Result<(#p::Sim<B>, Self)> {
                let sim = #new_sim;
                let net = Self::build(&sim)?;
                ::core::result::Result::Ok((sim, net))
            }
        }
    }
}

/// The expansion of a network with errors: the errors, and a struct with the
/// same fields and methods whose bodies are never run, so that code using
/// the network gets no secondary errors.
pub fn fallback(net: &Network, errors: syn::Error) -> TokenStream {
    let p = p();
    let name = &net.name;
    let fields = fields(net);
    let def = struct_def(net, &fields);
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #def

        #[allow(unused_variables, unreachable_code)]
        impl<B: #p::Backend> #name<B> {
            /// Unavailable: the network has errors.
            pub fn setup() -> #p::Setup {
                ::core::unreachable!()
            }
            /// Unavailable: the network has errors.
            pub fn build(sim: &#p::Sim<B>) -> #p::Result<Self> {
                ::core::unreachable!()
            }
            /// Unavailable: the network has errors.
            pub fn setup_and_build() -> #p::Result<(#p::Sim<B>, Self)> {
                ::core::unreachable!()
            }
        }
    }
}
