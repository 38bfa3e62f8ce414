//! The parts of `network!` beyond the standard cell types: PyNN's composed
//! `PointNeuron` (a `LIF` or `AdExp` membrane with named receptors), cell
//! types the macro has no table for (user-defined ones and simulator-native
//! models, written `<Type>`), and the `backend { ... }` block of backend
//! options. Parsing helpers, checks and code generation for these live here,
//! so that `parse`, `validate` and `expand` only call in.
//!
//! * A `PointNeuron` population gets a cell table built at compile time from
//!   its composition (the same names pynn-core's `PointNeuron::info` builds:
//!   `"AMPA.tau_syn"`, recordable `"AMPA.gsyn"`, receptors sorted by name),
//!   so recording, receptors and weights are checked like a standard cell's.
//! * A `<Type>` population's parameters become a struct literal with the
//!   user's identifiers as field names (a misspelt one is rustc's error on
//!   that token); a number with a unit becomes a constant evaluated against
//!   the type's own table (`CellType::PARAMETERS`), whose failure is a
//!   compile error on the value.

use crate::ast::*;
use crate::expand::{f64_tokens, number_in, p, value_in};
use crate::schema;
use crate::tables::{CellTable, Domain, ParamSpec, RecordableSpec};
use crate::validate::{Ctxt, check_assignments, check_relations, hint, number_tokens, written};
use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, Result, Token};

// ------------------------------------------------------------------ parsing

/// `CellType` or `<path::Type>` (a type the macro has no table for).
pub fn parse_cell_type(input: ParseStream) -> Result<(Ident, Option<syn::Path>)> {
    if input.peek(Token![<]) {
        input.parse::<Token![<]>()?;
        let path: syn::Path = input.parse()?;
        if !input.peek(Token![>]) {
            return Err(input.error("expected `>` after the cell type, e.g. `pop cells = <Qif>(5);`"));
        }
        input.parse::<Token![>]>()?;
        let last = path.segments.last().map(|s| s.ident.clone()).ok_or_else(|| input.error("expected a type"))?;
        Ok((last, Some(path)))
    } else {
        Ok((Ident::parse_any(input)?, None))
    }
}

/// A recorded variable: `v`, or `AMPA.gsyn` (a receptor's variable of a
/// `PointNeuron`), the receptor pushed onto `receptors` (`None` for a plain
/// name).
pub fn parse_variable(input: ParseStream, receptors: &mut Vec<Option<Ident>>) -> Result<Ident> {
    let first = Ident::parse_any(input)?;
    if input.peek(Token![.]) && !input.peek(Token![..]) {
        input.parse::<Token![.]>()?;
        let var = Ident::parse_any(input)?;
        receptors.push(Some(first));
        Ok(var)
    } else {
        receptors.push(None);
        Ok(first)
    }
}

/// The name of the `k`-th variable of a `record` statement
/// (`"AMPA.gsyn"` for a dotted one).
pub fn var_name(r: &Record, k: usize) -> String {
    match r.receptors.get(k) {
        Some(Some(receptor)) => format!("{receptor}.{}", r.vars[k]),
        _ => r.vars[k].to_string(),
    }
}

/// `backend { native(ode_solver = rk4), nest(ranks = 2) }` (after the
/// keyword; an optional `;` follows).
pub fn parse_backends(input: ParseStream, keyword: Ident) -> Result<Backends> {
    let content;
    syn::braced!(content in input);
    let mut entries = Vec::new();
    while !content.is_empty() {
        entries.push(crate::parse::parse_call(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok(Backends { keyword, entries })
}

// ------------------------------------------------------------ PointNeuron

/// A component of a `PointNeuron`: its name in `network!`, other accepted
/// names, its Rust type in `pynn::__private`, and its parameters in the
/// order of the Rust struct's fields.
struct Component {
    name: &'static str,
    aliases: &'static [&'static str],
    rust: &'static str,
    params: &'static [ParamSpec],
    /// For receptors: conductance-based (weights in uS) or not (nA).
    conductance: bool,
}

use crate::tables::cells::{adex, lif};

/// The neuron components: PyNN's `LIF` and `AdExp` (pynn-core's
/// `cells::point_neuron::{LIF, AdExp}`, whose parameter tables these are).
const NEURONS: &[Component] = &[
    Component {
        name: "LIF",
        aliases: &[],
        rust: "LIF",
        params: &[lif::CM, lif::TAU_REFRAC, lif::V_RESET, lif::V_REST, lif::TAU_M, lif::I_OFFSET, lif::V_THRESH],
        conductance: false,
    },
    Component {
        name: "AdExp",
        aliases: &[],
        rust: "AdExp",
        params: &[
            adex::CM,
            adex::TAU_REFRAC,
            adex::V_SPIKE,
            adex::V_RESET,
            adex::V_REST,
            adex::TAU_M,
            adex::I_OFFSET,
            adex::A,
            adex::B,
            adex::DELTA_T,
            adex::TAU_W,
            adex::V_THRESH,
        ],
        conductance: false,
    },
];

const TAU_SYN: ParamSpec = ParamSpec::scalar("tau_syn", 5.0, "ms", Domain::Positive, "time constant");
const E_SYN: ParamSpec = ParamSpec::scalar("e_syn", 0.0, "mV", Domain::Finite, "reversal potential");

/// The post-synaptic responses, with the defaults, units and domains of
/// pynn-core's `cells::point_neuron::PsrKind::specs` (PyNN 0.13
/// `pyNN/standardmodels/receptors.py`).
const RECEPTORS: &[Component] = &[
    Component {
        name: "CurrExp",
        aliases: &["CurrExpPostSynapticResponse"],
        rust: "CurrExpPostSynapticResponse",
        params: &[ParamSpec::scalar("tau_syn", 5.0, "ms", Domain::Positive, "decay time constant")],
        conductance: false,
    },
    Component {
        name: "CondExp",
        aliases: &["ExpPSR", "CondExpPostSynapticResponse"],
        rust: "CondExpPostSynapticResponse",
        params: &[E_SYN, TAU_SYN],
        conductance: true,
    },
    Component {
        name: "CondAlpha",
        aliases: &["AlphaPSR", "CondAlphaPostSynapticResponse"],
        rust: "CondAlphaPostSynapticResponse",
        params: &[E_SYN, TAU_SYN],
        conductance: true,
    },
    Component {
        name: "CondBeta",
        aliases: &["BetaPSR", "CondBetaPostSynapticResponse"],
        rust: "CondBetaPostSynapticResponse",
        params: &[
            E_SYN,
            ParamSpec::scalar("tau_rise", 0.2, "ms", Domain::Positive, "rise time constant"),
            ParamSpec::scalar("tau_decay", 1.7, "ms", Domain::Positive, "decay time constant"),
        ],
        conductance: true,
    },
];

fn component(table: &'static [Component], name: &str) -> Option<&'static Component> {
    table.iter().find(|c| c.name == name || c.aliases.contains(&name))
}

/// Whether `pop` is a `PointNeuron` composition.
pub fn is_point_neuron(pop: &Pop) -> bool {
    pop.user.is_none() && pop.cell == "PointNeuron"
}

/// A `PointNeuron`'s composition as written: the neuron and the receptors
/// (name, component, arguments as assignments), receptors sorted by name.
struct Composition<'a> {
    /// `neuron = ...` was written (known or not).
    neuron_given: bool,
    neuron: Option<(&'a Call, &'static Component, Vec<Assign>)>,
    receptors: Vec<(&'a Ident, &'a Call, &'static Component, Vec<Assign>)>,
}

/// The arguments of a component call as assignments (unnamed ones are
/// reported and skipped).
fn assignments(cx: &mut Ctxt, call: &Call, comp: &Component) -> Vec<Assign> {
    let mut out = Vec::new();
    for a in &call.args {
        match &a.name {
            Some(name) => out.push(Assign { name: name.clone(), value: a.value.clone() }),
            None => cx.error(
                a.value.span(),
                format!(
                    "name the parameter of `{}`: e.g. `{}({} = ...)`",
                    comp.name,
                    call.name,
                    comp.params.first().map_or("tau_syn", |p| p.name)
                ),
            ),
        }
    }
    out
}

/// Reads (and checks) the composition of a `PointNeuron` population.
fn composition<'a>(cx: &mut Ctxt, pop: &'a Pop) -> Composition<'a> {
    let mut out = Composition { neuron_given: false, neuron: None, receptors: Vec::new() };
    let all_receptors = || RECEPTORS.iter().flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()));
    for a in &pop.params {
        let is_neuron = a.name == "neuron";
        let Value::Random(call) = &a.value else {
            let example = if is_neuron { "neuron = AdExp(tau_m = 10 ms)" } else { "AMPA = CondAlpha(tau_syn = 1 ms)" };
            cx.error(a.value.span(), format!("`{}` of a `PointNeuron` is a component: write e.g. `{example}`", a.name));
            continue;
        };
        let name = call.name.to_string();
        if is_neuron {
            out.neuron_given = true;
            match component(NEURONS, &name) {
                None => cx.error(
                    call.name.span(),
                    format!(
                        "unknown neuron component `{name}` of a `PointNeuron`{}",
                        hint(&name, NEURONS.iter().map(|c| c.name))
                    ),
                ),
                Some(comp) => {
                    if out.neuron.is_some() {
                        cx.error(a.name.span(), "`neuron` is given twice");
                    }
                    let args = assignments(cx, call, comp);
                    out.neuron = Some((call, comp, args));
                }
            }
            continue;
        }
        match component(RECEPTORS, &name) {
            None => {
                let h = match component(NEURONS, &name) {
                    Some(_) => format!("; a neuron component is written `neuron = {name}(...)`"),
                    None => hint(&name, all_receptors()),
                };
                cx.error(
                    call.name.span(),
                    format!("unknown post-synaptic response `{name}` of receptor `{}`{h}", a.name),
                );
            }
            Some(comp) => {
                if out.receptors.iter().any(|(n, ..)| **n == a.name) {
                    cx.error(
                        a.name.span(),
                        format!("receptor `{}` is defined twice; names of receptors must be unique", a.name),
                    );
                    continue;
                }
                let args = assignments(cx, call, comp);
                out.receptors.push((&a.name, call, comp, args));
            }
        }
    }
    out.receptors.sort_by_key(|(n, ..)| n.to_string());
    out
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Checks a `PointNeuron` population's composition and returns its cell
/// table (pynn-core's `PointNeuron::info` for the same composition), or
/// `None` if the composition has errors.
pub fn point_neuron(cx: &mut Ctxt, pop: &Pop) -> Option<&'static CellTable> {
    let comp = composition(cx, pop);
    let mut ok = true;
    let Some((ncall, neuron, nargs)) = &comp.neuron else {
        if comp.neuron_given {
            return None;
        }
        cx.error(
            pop.cell.span(),
            "a `PointNeuron` needs its neuron component: `{ neuron = LIF(...) | AdExp(...), AMPA = CondAlpha(...), ... }`",
        );
        return None;
    };
    check_assignments(cx, nargs, neuron.params, neuron.name, "parameter");
    let table: &'static CellTable = Box::leak(Box::new(CellTable {
        name: neuron.name,
        parameters: neuron.params,
        state: &[],
        recordables: &[],
        receptors: &[],
        conductance_based: false,
        injectable: true,
        weight_unit: "nA",
    }));
    check_relations(cx, nargs, table);
    if comp.receptors.is_empty() {
        cx.error(
            ncall.name.span(),
            "a `PointNeuron` needs at least one named receptor, e.g. `AMPA = CondAlpha(tau_syn = 1 ms)`",
        );
        return None;
    }
    for (name, _, c, args) in &comp.receptors {
        check_assignments(cx, args, c.params, &format!("{name} = {}", c.name), "parameter");
    }
    let (first, _, first_comp, _) = &comp.receptors[0];
    let conductance = first_comp.conductance;
    for (name, call, c, _) in &comp.receptors {
        if c.conductance != conductance {
            // pynn-core's words (`PointNeuron::new`).
            cx.error(
                call.name.span(),
                format!(
                    "`PointNeuron`: invalid value {} for `receptor {name}`; receptors of one family only: cannot mix conductance-based and current-based receptors ({first} is {})",
                    c.name, first_comp.name
                ),
            );
            ok = false;
        }
    }
    if ok && neuron.name == "AdExp" && !conductance {
        cx.error(
            ncall.name.span(),
            "`PointNeuron`: `AdExp` with current-based receptors (`CurrExp`) has no model on any backend (nor in PyNN); use conductance receptors (`CondExp`, `CondAlpha`, `CondBeta`) or `LIF`",
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let mut parameters = neuron.params.to_vec();
    let mut state = vec![lif::V];
    let mut recordables = vec![RecordableSpec { name: "spikes", unit: "ms" }, RecordableSpec { name: "v", unit: "mV" }];
    if neuron.name == "AdExp" {
        state = vec![adex::V, adex::W];
        recordables.push(RecordableSpec { name: "w", unit: "nA" });
    }
    for (name, _, c, _) in &comp.receptors {
        for p in c.params {
            parameters.push(ParamSpec { name: leak_str(format!("{name}.{}", p.name)), ..*p });
        }
        let (var, unit) = if conductance { ("gsyn", "uS") } else { ("isyn", "nA") };
        let var = leak_str(format!("{name}.{var}"));
        state.push(ParamSpec::scalar(var, 0.0, unit, Domain::Finite, "synaptic state"));
        recordables.push(RecordableSpec { name: var, unit });
    }
    Some(Box::leak(Box::new(CellTable {
        name: "PointNeuron",
        parameters: leak(parameters),
        state: leak(state),
        recordables: leak(recordables),
        receptors: leak(comp.receptors.iter().map(|(n, ..)| leak_str(n.to_string())).collect()),
        conductance_based: conductance,
        injectable: true,
        weight_unit: if conductance { "uS" } else { "nA" },
    })))
}

/// A component's struct literal: literal numbers and Rust expressions as
/// fields, the rest (distributions, per-cell arrays) returned as `set`
/// calls on the population under `prefix` (`"AMPA."` for a receptor).
fn component_literal(
    comp: &Component,
    args: &[Assign],
    prefix: &str,
    later: &mut Vec<(String, TokenStream)>,
) -> TokenStream {
    let p = p();
    let ty = Ident::new(comp.rust, proc_macro2::Span::call_site());
    let mut fields = Vec::new();
    for a in args {
        let Some(spec) = comp.params.iter().find(|s| a.name == s.name) else { continue };
        let scale = schema::unit_scale(spec.unit);
        let field = &a.name;
        match &a.value {
            Value::Number(_) => {
                let v = number_in(&a.value, scale);
                fields.push(quote!(#field: #v,));
            }
            Value::Rust { .. } => {
                let v = number_in(&a.value, scale);
                fields.push(quote!(#field: #v,));
            }
            v => later.push((format!("{prefix}{}", a.name), value_in(v, scale))),
        }
    }
    quote!(#p::#ty { #(#fields)* ..::core::default::Default::default() })
}

// ------------------------------------------------------------ user types

/// Checks what the macro can check of a `<Type>` population: distributions
/// for its parameters carry no units (the macro does not know the type's
/// units; the rest is checked by rustc and by constants evaluated against
/// the type's table).
pub fn check_user(cx: &mut Ctxt, pop: &Pop) {
    fn no_units(cx: &mut Ctxt, v: &Value, ty: &Ident, name: &Ident) {
        match v {
            Value::Number(n) if n.unit.is_some() => cx.spanned(
                number_tokens(n),
                format!(
                    "a distribution or per-cell list for `{name}` of `{ty}` (a type `network!` has no table for) is written in the type's own unit, without units: write `{}`",
                    n.value
                ),
            ),
            Value::Random(c) => c.args.iter().for_each(|a| no_units(cx, &a.value, ty, name)),
            Value::Array { elems, .. } => elems.iter().for_each(|e| no_units(cx, e, ty, name)),
            _ => {}
        }
    }
    for a in pop.params.iter().chain(&pop.init) {
        match &a.value {
            Value::Random(_) => no_units(cx, &a.value, &pop.cell, &a.name),
            Value::Array { elems, .. } if elems.iter().any(|e| matches!(e, Value::Array { .. })) => {
                no_units(cx, &a.value, &pop.cell, &a.name)
            }
            _ => {}
        }
    }
}

/// Which table of a user's `CellType` a name is looked up in (the values
/// of `pynn::__private::user::{PARAMETER, STATE, RECORDABLE, RECEPTOR}`).
#[derive(Clone, Copy)]
enum Table {
    Parameter = 0,
    State = 1,
    Recordable = 2,
    Receptor = 3,
}

impl Table {
    fn what(self) -> &'static str {
        match self {
            Table::Parameter => "parameter",
            Table::State => "state variable",
            Table::Recordable => "recordable",
            Table::Receptor => "receptor type",
        }
    }
    fn list(self) -> &'static str {
        match self {
            Table::Parameter => "PARAMETERS",
            Table::State => "STATE",
            Table::Recordable => "RECORDABLES",
            Table::Receptor => "RECEPTORS",
        }
    }
}

/// A constant that fails to compile, with a message on `span`, unless the
/// user's type `ty` lists `name` in `table`.
fn user_lookup(ty: &syn::Path, table: Table, name: &str, span: proc_macro2::Span, checks: &mut Checks) -> TokenStream {
    let p = p();
    let t = table as u8;
    let tyname = ty.to_token_stream().to_string().replace(' ', "");
    let msg =
        format!("`{tyname}` has no {} `{name}`: it is not in `<{tyname} as CellType>::{}`", table.what(), table.list());
    let call = respan(quote!(#p::user::lookup::<#ty>(#t, #name, #msg)), span);
    checks.push(call.clone());
    quote_spanned!(span=> const { #call })
}

/// `tokens` with every token (and group) spanned at `span`: rustc reports
/// a failed constant at the span of the call expression, which must lie
/// on the user's token (a mix of spans falls back to the whole macro).
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            proc_macro2::TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                proc_macro2::TokenTree::Group(group)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// Calls of `pynn::__private::user` functions, each also evaluated in a
/// free constant (`const _: () = ...;` next to the struct): a constant
/// inside the generic `build` is only evaluated when `build` is
/// instantiated, which `cargo check` and a crate that never calls it skip.
pub type Checks = Vec<TokenStream>;

/// The free constants evaluating `checks` (each spanned on its token).
pub fn check_items(checks: &Checks) -> TokenStream {
    let items = checks.iter().map(|c| quote!(const _: () = { let _ = #c; };));
    quote!(#(#items)*)
}

/// A number for a parameter or state variable `name` of the user's type
/// `ty`: bare, a float literal; with a unit, a constant evaluated against
/// the type's table (the value converted to the entry's unit, or a compile
/// error if the unit is of another dimension).
fn user_number(ty: &syn::Path, table: Table, name: &Ident, v: &Value, checks: &mut Checks) -> TokenStream {
    let p = p();
    let t = table as u8;
    let tyname = ty.to_token_stream().to_string().replace(' ', "");
    let key = name.to_string();
    match v {
        Value::Number(n) => {
            let Some(unit) = n.unit.as_ref().and_then(|u| schema::unit_named(&u.to_string())) else {
                let lit = Literal::f64_unsuffixed(n.value.abs());
                let lit = if n.value < 0.0 { quote_spanned!(n.span=> -#lit) } else { quote_spanned!(n.span=> #lit) };
                if matches!(table, Table::Parameter) {
                    return lit;
                }
                let lookup = user_lookup(ty, table, &key, name.span(), checks);
                return quote_spanned!(n.span=> { let _ = #lookup; #lit });
            };
            let options = schema::UNITS.iter().filter(|u| u.dim == unit.dim).map(|u| {
                let x = f64_tokens(crate::expand::convert(n.value, unit.factor / u.factor));
                let name = u.name;
                quote!((#name, #x))
            });
            let msg = format!(
                "`{tyname}`: `{key} = {}` is {}, but `<{tyname} as CellType>::{}` gives `{key}` a unit of another dimension",
                written(n),
                unit.dim.noun(),
                table.list()
            );
            let call = respan(quote!(#p::user::convert::<#ty>(#t, #key, &[#(#options),*], #msg)), n.span);
            checks.push(call.clone());
            quote_spanned!(n.span=> const { #call })
        }
        Value::Rust { expr, span, unit } => {
            let Some(unit) = unit.as_ref().and_then(|u| schema::unit_named(&u.to_string())) else {
                return quote_spanned!(*span=> (#expr));
            };
            let options = schema::UNITS.iter().filter(|u| u.dim == unit.dim).map(|u| {
                let x = f64_tokens(unit.factor / u.factor);
                let name = u.name;
                quote!((#name, #x))
            });
            let msg = format!(
                "`{tyname}`: `{key}` in {} is {}, but `<{tyname} as CellType>::{}` gives `{key}` a unit of another dimension",
                unit.name,
                unit.dim.noun(),
                table.list()
            );
            let call = respan(quote!(#p::user::convert::<#ty>(#t, #key, &[#(#options),*], #msg)), *span);
            checks.push(call.clone());
            quote_spanned!(*span=> { let __x: f64 = #expr; __x * const { #call } })
        }
        Value::Array { elems, .. } if !elems.iter().any(|e| matches!(e, Value::Array { .. })) => {
            let e: Vec<TokenStream> = elems.iter().map(|e| user_number(ty, table, name, e, checks)).collect();
            quote!(::std::vec![#(#e),*])
        }
        _ => quote!(0.0),
    }
}

// ------------------------------------------------------------ expansion

/// The field type's cell type for a `PointNeuron` or `<Type>` population.
pub fn cell_type_tokens(pop: &Pop) -> Option<TokenStream> {
    let p = p();
    if let Some(path) = &pop.user {
        return Some(quote!(#path));
    }
    if is_point_neuron(pop) {
        let id = Ident::new("PointNeuron", pop.cell.span());
        return Some(quote!(#p::#id));
    }
    None
}

/// The statements creating a `PointNeuron` or `<Type>` population (with its
/// `set` and `initialize` calls), and the `Supports` bound of its type
/// (added to `bounds` once); `None` for a standard cell type.
pub fn expand_pop(pop: &Pop, bounds: &mut Vec<TokenStream>, checks: &mut Checks) -> Option<TokenStream> {
    let p = p();
    let ty = cell_type_tokens(pop)?;
    let bound = quote_spanned!(pop.cell.span()=> #p::Supports<#ty>);
    if !bounds.iter().any(|b| b.to_string() == bound.to_string()) {
        bounds.push(bound);
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
    let structure = match &pop.structure {
        Some(s) => crate::expand::constructor(s, schema::STRUCTURES, "structure"),
        None => quote!(::core::default::Default::default()),
    };
    let mut later: Vec<TokenStream> = Vec::new();
    let cell = if let Some(path) = &pop.user {
        let mut fields = Vec::new();
        for a in &pop.params {
            let field = &a.name;
            match &a.value {
                Value::Number(_) | Value::Rust { .. } => {
                    let v = user_number(path, Table::Parameter, field, &a.value, checks);
                    fields.push(quote_spanned!(field.span()=> #field: #v,));
                }
                Value::Array { elems, .. } if !elems.iter().any(|e| matches!(e, Value::Array { .. })) => {
                    // One value per cell, each converted like a number.
                    let key = field.to_string();
                    let check = user_lookup(path, Table::Parameter, &key, field.span(), checks);
                    let v = user_number(path, Table::Parameter, field, &a.value, checks);
                    later.push(quote!(let _ = #check; #var.set(#key, #p::Value::Array(#v))?;));
                }
                v => {
                    let key = field.to_string();
                    let check = user_lookup(path, Table::Parameter, &key, field.span(), checks);
                    let v = value_in(v, 1.0);
                    later.push(quote!(let _ = #check; #var.set(#key, #v)?;));
                }
            }
        }
        for a in &pop.init {
            let key = a.name.to_string();
            let check = user_lookup(path, Table::State, &key, a.name.span(), checks);
            let v = match &a.value {
                Value::Number(_) | Value::Rust { unit: Some(_), .. } => {
                    let x = user_number(path, Table::State, &a.name, &a.value, checks);
                    quote!(#p::Value::Scalar(#x))
                }
                v => value_in(v, 1.0),
            };
            later.push(quote!(let _ = #check; #var.initialize(#key, #v)?;));
        }
        quote_spanned!(path.segments.last().map_or_else(proc_macro2::Span::call_site, |s| s.ident.span())=> #path { #(#fields)* ..::core::default::Default::default() })
    } else {
        let mut cx = Ctxt::default();
        let comp = composition(&mut cx, pop);
        let Some((_, neuron, nargs)) = &comp.neuron else { return Some(quote!()) };
        let mut sets = Vec::new();
        let n = component_literal(neuron, nargs, "", &mut sets);
        let receptors: Vec<TokenStream> = comp
            .receptors
            .iter()
            .map(|(name, _, c, args)| {
                let r = component_literal(c, args, &format!("{name}."), &mut sets);
                let name = name.to_string();
                quote!((#name, #p::PostSynapticResponse::from(#r)))
            })
            .collect();
        for (key, v) in sets {
            later.push(quote!(#var.set(#key, #v)?;));
        }
        let table = point_neuron(&mut cx, pop);
        for a in &pop.init {
            let key = a.name.to_string();
            let scale = table
                .and_then(|t| t.state.iter().find(|s| a.name == s.name))
                .map_or(1.0, |s| schema::unit_scale(s.unit));
            let v = value_in(&a.value, scale);
            later.push(quote!(#var.initialize(#key, #v)?;));
        }
        quote!(#p::PointNeuron::new(#n, [#(#receptors),*])?)
    };
    Some(quote_spanned! {pop.cell.span()=>
        let #var = #p::Population::<#ty, B>::with_structure(
            sim,
            #size,
            #cell,
            #structure,
            ::core::option::Option::Some(#label),
        )?;
        #(#later)*
    })
}

/// The user's type of population `name`, if it is a `<Type>` population.
fn user_type<'a>(net: &'a Network, name: &Ident) -> Option<&'a syn::Path> {
    net.items.iter().find_map(|i| match i {
        Item::Pop(p) if p.name == *name => p.user.as_ref(),
        _ => None,
    })
}

/// Compile-time checks of a `record` statement's variables on `<Type>`
/// populations (against `CellType::RECORDABLES`).
pub fn user_record_checks(net: &Network, r: &Record, checks: &mut Checks) -> TokenStream {
    let mut out = TokenStream::new();
    for part in &r.cells.parts {
        let Some(ty) = user_type(net, &part.pop) else { continue };
        for (k, var) in r.vars.iter().enumerate() {
            let check = user_lookup(ty, Table::Recordable, &var_name(r, k), var.span(), checks);
            out.extend(quote!(let _ = #check;));
        }
    }
    out
}

/// Compile-time check of a projection's receptor on `<Type>` post-synaptic
/// populations (against `CellType::RECEPTORS`).
pub fn user_receptor_checks(net: &Network, c: &Connect, checks: &mut Checks) -> TokenStream {
    let mut out = TokenStream::new();
    let Some(receptor) = &c.receptor else { return out };
    for part in &c.post.parts {
        let Some(ty) = user_type(net, &part.pop) else { continue };
        let check = user_lookup(ty, Table::Receptor, &receptor.to_string(), receptor.span(), checks);
        out.extend(quote!(let _ = #check;));
    }
    out
}

// ------------------------------------------------------------ backend options

/// A backend of the `backend { ... }` block: its name, its options type in
/// `pynn::__private`, and its options (name, what it takes).
struct BackendSchema {
    name: &'static str,
    options: &'static str,
    keys: &'static [(&'static str, OptionKind)],
}

#[derive(Clone, Copy)]
enum OptionKind {
    /// One of these words, each a variant of this enum in `pynn::__private`.
    Choice(&'static str, &'static [(&'static str, &'static str)]),
    /// A number of MPI ranks: an integer >= 1.
    Ranks,
    /// A Rust expression (`{ Launcher::srun() }`).
    Expr(&'static str),
}

const BACKENDS: &[BackendSchema] = &[
    BackendSchema {
        name: "native",
        options: "NativeOptions",
        keys: &[(
            "ode_solver",
            OptionKind::Choice("OdeSolver", &[("auto", "Auto"), ("rkf45", "Rkf45"), ("rk4", "Rk4")]),
        )],
    },
    BackendSchema {
        name: "brian2",
        options: "Brian2Options",
        keys: &[("target", OptionKind::Choice("CodeTarget", &[("numpy", "Numpy"), ("cython", "Cython")]))],
    },
    BackendSchema {
        name: "nest",
        options: "NestOptions",
        keys: &[("ranks", OptionKind::Ranks), ("launcher", OptionKind::Expr("{ Launcher::mpirun() }"))],
    },
    BackendSchema {
        name: "neuron",
        options: "NeuronOptions",
        keys: &[("ranks", OptionKind::Ranks), ("launcher", OptionKind::Expr("{ Launcher::srun() }"))],
    },
];

/// Checks a `backend { ... }` block (`count`: blocks seen so far).
pub fn check_backends(cx: &mut Ctxt, b: &Backends, count: &mut usize) {
    *count += 1;
    if *count > 1 {
        cx.error(b.keyword.span(), "only one `backend` block is allowed");
    }
    let mut seen: Vec<String> = Vec::new();
    for call in &b.entries {
        let name = call.name.to_string();
        let Some(schema) = BACKENDS.iter().find(|s| s.name == name) else {
            cx.error(
                call.name.span(),
                format!("unknown backend `{name}`{}", hint(&name, BACKENDS.iter().map(|s| s.name))),
            );
            continue;
        };
        if seen.contains(&name) {
            cx.error(call.name.span(), format!("the options of `{name}` are given twice"));
        }
        seen.push(name.clone());
        let mut keys_seen: Vec<String> = Vec::new();
        for a in &call.args {
            let Some(key) = &a.name else {
                cx.error(a.value.span(), format!("name the option: `{name}({} = ...)`", schema.keys[0].0));
                continue;
            };
            let k = key.to_string();
            let Some((_, kind)) = schema.keys.iter().find(|(n, _)| *n == k) else {
                cx.error(
                    key.span(),
                    format!(
                        "unknown option `{k}` of backend `{name}` ({}){}",
                        schema.options,
                        hint(&k, schema.keys.iter().map(|(n, _)| *n))
                    ),
                );
                continue;
            };
            if keys_seen.contains(&k) {
                cx.error(key.span(), format!("`{k}` is given twice"));
            }
            keys_seen.push(k.clone());
            match (kind, &a.value) {
                (OptionKind::Choice(_, words), Value::Rust { expr, unit: None, span }) => {
                    let w = expr.to_string();
                    if !words.iter().any(|(x, _)| *x == w) {
                        let all: Vec<String> = words.iter().map(|(x, _)| format!("`{x}`")).collect();
                        cx.error(
                            *span,
                            format!("invalid value `{w}` for `{k}` of backend `{name}`; expected {}", all.join(" or ")),
                        );
                    }
                }
                (OptionKind::Choice(_, words), v) => {
                    let all: Vec<String> = words.iter().map(|(x, _)| format!("`{x}`")).collect();
                    cx.error(v.span(), format!("`{k}` of backend `{name}` is {}", all.join(" or ")));
                }
                (OptionKind::Ranks, Value::Number(n)) if n.is_int && n.unit.is_none() && n.value >= 1.0 => {}
                (OptionKind::Ranks, Value::Rust { unit: None, .. }) => {}
                (OptionKind::Ranks, v) => cx.error(
                    v.span(),
                    format!(
                        "`ranks` of backend `{name}` is a number of MPI processes: a whole number >= 1 without a unit"
                    ),
                ),
                (OptionKind::Expr(_), Value::Rust { unit: None, .. }) => {}
                (OptionKind::Expr(example), v) => cx.error(
                    v.span(),
                    format!("`{k}` of backend `{name}` is a Rust expression in braces, e.g. `{k} = {example}`"),
                ),
            }
        }
    }
}

/// The `backend { ... }` block, if any.
pub fn backends(net: &Network) -> Option<&Backends> {
    net.items.iter().find_map(|i| if let Item::Backend(b) = i { Some(b) } else { None })
}

/// `fn options() -> B::Options` of a network with a `backend` block.
pub fn options_fn(b: &Backends) -> TokenStream {
    let p = p();
    let mut per_backend = Vec::new();
    for schema in BACKENDS {
        let field = Ident::new(schema.name, proc_macro2::Span::call_site());
        let ty = Ident::new(schema.options, proc_macro2::Span::call_site());
        let mut sets = Vec::new();
        for call in b.entries.iter().filter(|c| c.name == schema.name) {
            for a in &call.args {
                let Some(key) = &a.name else { continue };
                let Some((_, kind)) = schema.keys.iter().find(|(n, _)| key == n) else { continue };
                let v = match (kind, &a.value) {
                    (OptionKind::Choice(enum_name, words), Value::Rust { expr, .. }) => {
                        let w = expr.to_string();
                        let Some((_, variant)) = words.iter().find(|(x, _)| *x == w) else { continue };
                        let e = Ident::new(enum_name, proc_macro2::Span::call_site());
                        let v = Ident::new(variant, proc_macro2::Span::call_site());
                        quote!(#p::#e::#v)
                    }
                    (OptionKind::Ranks, Value::Number(n)) => {
                        let l = Literal::usize_unsuffixed(n.value as usize);
                        quote!(#l)
                    }
                    (_, Value::Rust { expr, span, .. }) => quote_spanned!(*span=> (#expr)),
                    _ => continue,
                };
                sets.push(quote!(#key: #v,));
            }
        }
        per_backend.push(quote!(#field: #p::#ty { #(#sets)* ..::core::default::Default::default() },));
    }
    quote! {
        /// The backend options of the `backend { ... }` block (the
        /// backend's defaults for the rest):
        /// `Sim::setup_with(Self::setup(), Self::options())`.
        pub fn options() -> <B as #p::Backend>::Options {
            <B as #p::BackendOptions>::pick(#p::Options { #(#per_backend)* })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ast, validate};
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

    /// The table built for a composition has pynn-core's names and order
    /// (`PointNeuron::info`; its test `schema_follows_the_composition`).
    #[test]
    fn point_neuron_table_follows_the_core() {
        let net: ast::Network = syn::parse2(quote! {
            struct N;
            pop n = PointNeuron(1) {
                neuron = AdExp(tau_m = 10 ms),
                NMDA = AlphaPSR(tau_syn = 20 ms),
                AMPA = CondAlpha(),
                GABAA = CondAlpha(e_syn = -70 mV),
            };
        })
        .expect("parses");
        let ast::Item::Pop(pop) = &net.items[0] else { panic!("a pop") };
        let mut cx = validate::Ctxt::default();
        let table = super::point_neuron(&mut cx, pop).expect("a valid composition");
        assert!(cx.check().is_ok());
        assert_eq!(table.receptors, ["AMPA", "GABAA", "NMDA"]);
        assert!(table.conductance_based);
        assert_eq!(table.weight_unit, "uS");
        let names: Vec<&str> = table.parameters.iter().map(|p| p.name).collect();
        assert_eq!(names[..2], ["cm", "tau_refrac"]);
        assert_eq!(
            names[12..],
            ["AMPA.e_syn", "AMPA.tau_syn", "GABAA.e_syn", "GABAA.tau_syn", "NMDA.e_syn", "NMDA.tau_syn"]
        );
        let rec: Vec<&str> = table.recordables.iter().map(|r| r.name).collect();
        assert_eq!(rec, ["spikes", "v", "w", "AMPA.gsyn", "GABAA.gsyn", "NMDA.gsyn"]);
        let state: Vec<&str> = table.state.iter().map(|s| s.name).collect();
        assert_eq!(state, ["v", "w", "AMPA.gsyn", "GABAA.gsyn", "NMDA.gsyn"]);
    }

    #[test]
    fn compositions_are_checked() {
        let e = errors(quote! {
            struct N;
            pop a = PointNeuron(1) { neuron = AdExp(), fast = CurrExp() };
            pop b = PointNeuron(1) { neuron = LIF(v_reset = -40 mV), x = CondExp(), x = CondExp() };
            pop c = PointNeuron(1) { neuron = LIF(), x = CondExp(12 ms) };
            pop d = PointNeuron(1) { neuron = LIF() };
            pop e = PointNeuron(1) { neuron = Izhikevich(), x = CondExp() };
        });
        assert_eq!(e.len(), 6, "{e:#?}");
        assert!(e[0].contains("`AdExp` with current-based receptors"), "{}", e[0]);
        assert!(e[1].contains("receptor `x` is defined twice"), "{}", e[1]);
        assert!(e[2].contains("v_reset must be below v_thresh"), "{}", e[2]);
        assert!(e[3].contains("name the parameter of `CondExp`"), "{}", e[3]);
        assert!(e[4].contains("at least one named receptor"), "{}", e[4]);
        assert!(e[5].contains("unknown neuron component `Izhikevich`"), "{}", e[5]);
    }

    #[test]
    fn user_types_expand_to_struct_literals_and_constants() {
        let input = quote! {
            struct N;
            pop q = <models::Qif>(5) { tau_m = 20, i_offset = 200 pA } init { v = -60 mV };
            record q: v;
        };
        assert_eq!(errors(input.clone()), Vec::<String>::new());
        let out = crate::network2(input).to_string();
        assert!(out.contains("models :: Qif { tau_m : 20.0 ,"), "{out}");
        // 200 pA in each current unit the table may give, exactly.
        assert!(out.contains("(\"nA\" , 0.2f64) , (\"pA\" , 200f64) , (\"uA\" , 0.0002f64)"), "{out}");
        // Evaluated as free constants (also by `cargo check`).
        assert!(
            out.contains(
                "const _ : () = { let _ = :: pynn :: __private :: user :: lookup :: < models :: Qif > (2u8 , \"v\""
            ),
            "{out}"
        );
        assert!(out.contains("Supports < models :: Qif >"), "{out}");
    }

    #[test]
    fn backend_options_are_checked_and_expanded() {
        let e = errors(quote! {
            struct N;
            backend { native(ode_solver = rk4) }
            backend { nest(ranks = 2.5 ms), neuron(launcher = "mpirun") }
        });
        assert_eq!(e.len(), 3, "{e:#?}");
        assert!(e[0].contains("only one `backend` block"), "{}", e[0]);
        assert!(e[1].contains("a whole number >= 1"), "{}", e[1]);
        assert!(e[2].contains("a Rust expression in braces"), "{}", e[2]);
        let out = crate::network2(quote! {
            struct N;
            backend { native(ode_solver = rk4), nest(ranks = 3) }
            pop c = IF_cond_exp(1);
        })
        .to_string();
        assert!(out.contains("ode_solver : :: pynn :: __private :: OdeSolver :: Rk4"), "{out}");
        assert!(out.contains("ranks : 3"), "{out}");
        assert!(out.contains("setup_with (Self :: setup () , Self :: options ())"), "{out}");
    }
}
