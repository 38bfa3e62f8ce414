//! Semantic checks of a parsed network against [`crate::schema`]. Errors
//! are accumulated in a [`Ctxt`] and reported all at once; nothing here
//! emits code.
//!
//! Rule for bare numbers: a number without a unit is in PyNN's unit for the
//! quantity it sets (ms, mV, nA, nF, uS, Hz), as in a PyNN script. A number
//! with a unit must have a unit of the right dimension, and is converted to
//! PyNN's unit at compile time (`4 nS` -> `0.004` uS). Dimensionless
//! quantities (probabilities, sizes, seeds) take no unit.

use crate::ast::*;
use crate::schema::{self, Arg, ArgKind, CallSchema, CellTable, Dim, ParamKind, ParamSpec};
use crate::tables::closest;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::collections::BTreeMap;
use syn::Ident;

/// Collects diagnostics; [`Ctxt::check`] combines them into one error.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
    /// Named projections declared before the statement being checked.
    projections_before: Vec<String>,
    /// All named projections.
    projections_all: Vec<String>,
    /// The time step (ms), when the `setup` block gives it as a literal
    /// (or leaves it at its default).
    timestep: Option<f64>,
    /// The smallest delay (ms): `min_delay` as for `timestep`.
    min_delay: Option<f64>,
}

impl Ctxt {
    /// An error at `span`.
    pub fn error(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, msg));
    }
    /// An error covering `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, msg));
    }
    /// Adds a parse error.
    pub fn push(&mut self, e: syn::Error) {
        self.errors.push(e);
    }
    /// All errors combined, if there were any.
    pub fn check(self) -> Result<(), syn::Error> {
        let mut it = self.errors.into_iter();
        match it.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in it {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}

/// `; did you mean `x`?` or `; expected one of: a, b, c`.
pub(crate) fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(name, candidates.clone()) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => {
            let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            if all.is_empty() { String::new() } else { format!("; expected one of {}", all.join(", ")) }
        }
    }
}

/// A defined population, as the checks need it.
struct PopInfo<'a> {
    cell: Option<&'static CellTable>,
    size: Option<usize>,
    _decl: &'a Pop,
}

/// Checks `net`, reporting every problem into `cx`.
pub fn validate(net: &Network, cx: &mut Ctxt) {
    for e in &net.syntax_errors {
        cx.push(e.clone());
    }
    check_finite(cx, net);
    (cx.timestep, cx.min_delay) = setup_times(net);
    let mut pops: BTreeMap<String, PopInfo<'_>> = BTreeMap::new();
    let mut fields: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut field = |cx: &mut Ctxt, name: &Ident, kind: &'static str| {
        let key = name.to_string();
        if key == "sim" {
            cx.error(name.span(), "the name `sim` is reserved (it is the argument of `build`); choose another name");
        } else if let Some(prev) = fields.get(&key) {
            let what = if *prev == kind {
                format!("{kind} `{key}` is defined twice")
            } else {
                format!("`{key}` is already the name of a {prev}")
            };
            cx.error(
                name.span(),
                format!("{what}; names of populations, projections and current sources must be unique"),
            );
            return false;
        } else {
            fields.insert(key, kind);
        }
        true
    };

    cx.projections_all = net
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Connect(c) => c.name.as_ref().map(|n| n.to_string()),
            _ => None,
        })
        .collect();

    // Populations first: statements may refer to populations defined later.
    let mut total_cells = 0.0;
    for item in &net.items {
        if let Item::Pop(p) = item {
            let cell = if p.user.is_some() {
                crate::models::check_user(cx, p);
                None
            } else if crate::models::is_point_neuron(p) {
                crate::models::point_neuron(cx, p)
            } else {
                schema::cell_type(&p.cell.to_string())
            };
            if cell.is_none() && p.user.is_none() && !crate::models::is_point_neuron(p) {
                let name = p.cell.to_string();
                cx.error(
                    p.cell.span(),
                    format!("unknown cell type `{name}`{}", hint(&name, schema::CELL_TYPES.iter().map(|c| c.name))),
                );
            }
            let size = check_size(cx, &p.size);
            // The literal sizes so far, against the session's limit.
            total_cells += size.unwrap_or(0) as f64;
            if let (Some(_), Value::Number(n)) = (size, &p.size)
                && total_cells > MAX_CELLS
            {
                cx.spanned(
                    &n.tokens,
                    format!("the populations up to this one have {total_cells} cells; a network has at most {} cells (32-bit cell indices)", u32::MAX),
                );
            }
            if field(cx, &p.name, "population") {
                pops.insert(p.name.to_string(), PopInfo { cell, size, _decl: p });
            }
            if let Some(s) = &p.structure
                && let Some((_, args)) = bind(cx, s, schema::STRUCTURES, "structure")
            {
                check_args(cx, &s.name.to_string(), &args, None);
            }
            if let Some(cell) = cell {
                if !crate::models::is_point_neuron(p) {
                    check_assignments(cx, &p.params, cell.parameters, cell.name, "parameter");
                    check_relations(cx, &p.params, cell);
                }
                check_assignments(cx, &p.init, cell.state, cell.name, "state variable (initial value)");
            }
        }
    }

    let mut setups = 0;
    let mut backend_blocks = 0;
    for item in &net.items {
        match item {
            Item::Pop(_) => {}
            Item::Backend(b) => crate::models::check_backends(cx, b, &mut backend_blocks),
            Item::Setup(s) => {
                setups += 1;
                if setups > 1 {
                    cx.error(s.keyword.span(), "only one `setup` block is allowed");
                }
                check_setup(cx, s);
            }
            Item::Connect(c) => {
                if let Some(n) = &c.name {
                    field(cx, n, "projection");
                }
                check_connect(cx, c, &pops);
                if let Some(n) = &c.name {
                    cx.projections_before.push(n.to_string());
                }
            }
            Item::Inject(i) => {
                if let Some(n) = &i.name {
                    field(cx, n, "current source");
                }
                let targets = resolve_cells(cx, &i.target, &pops);
                for (part, cell) in &targets {
                    if !cell.injectable {
                        cx.error(
                            part.pop.span(),
                            format!(
                                "`{}` cells cannot receive injected current (population `{}`)",
                                cell.name, part.pop
                            ),
                        );
                    }
                }
                if let Some((schema, args)) = bind(cx, &i.source, schema::SOURCES, "current source") {
                    check_args(cx, &i.source.name.to_string(), &args, None);
                    check_source(cx, schema, &args);
                }
            }
            Item::Record(r) => {
                if let Some(proj) = recorded_projection(r, &pops, cx) {
                    for var in &r.vars {
                        if var != "weight" {
                            cx.error(
                                var.span(),
                                format!(
                                    "`{proj}` is a projection: it records `weight` (its synaptic weights), not `{var}`"
                                ),
                            );
                        }
                    }
                    if r.every.is_none() {
                        cx.error(
                            proj.span(),
                            format!(
                                "recording the weights of projection `{proj}` needs a sampling interval, e.g. `record {proj}: weight every 1 ms;`"
                            ),
                        );
                    }
                }
                let parts = if recorded_projection(r, &pops, cx).is_some() {
                    Vec::new()
                } else {
                    resolve_cells(cx, &r.cells, &pops)
                };
                for (k, var) in r.vars.iter().enumerate() {
                    let v = crate::models::var_name(r, k);
                    for (part, cell) in &parts {
                        if !cell.recordables.iter().any(|x| x.name == v) {
                            cx.error(
                                var.span(),
                                format!(
                                    "`{}` cells (population `{}`) cannot record `{v}`{}",
                                    cell.name,
                                    part.pop,
                                    match closest(&v, cell.recordables.iter().map(|x| x.name)) {
                                        Some(c) => format!("; did you mean `{c}`?"),
                                        None => format!(
                                            "; they record {}",
                                            cell.recordables
                                                .iter()
                                                .map(|x| format!("`{}`", x.name))
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        ),
                                    }
                                ),
                            );
                            break;
                        }
                    }
                }
                if let Some(every) = &r.every {
                    check_value(cx, every, &Expect::Number(Dim::Time, "ms"), "`every`");
                    if let Value::Number(n) = every
                        && n.value <= 0.0
                    {
                        cx.spanned(number_tokens(n), "the sampling interval must be positive");
                    } else if let Value::Number(n) = every
                        && let Some(dt) = cx.timestep
                        && !whole_steps(in_pynn_unit(n), dt)
                    {
                        cx.spanned(
                            number_tokens(n),
                            format!(
                                "sampling_interval {} must be a positive multiple of the time step ({} ms)",
                                written(n),
                                fmt(dt)
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The projection of `record NAME: weight ...`: a named projection that is
/// not also a population, written alone without a selection.
fn recorded_projection<'r>(r: &'r Record, pops: &BTreeMap<String, PopInfo<'_>>, cx: &Ctxt) -> Option<&'r Ident> {
    match r.cells.parts.as_slice() {
        [part] if part.index.is_none() => {
            let name = part.pop.to_string();
            (!pops.contains_key(&name) && cx.projections_all.contains(&name)).then_some(&part.pop)
        }
        _ => None,
    }
}

/// The largest population: a session holds at most `u32::MAX` cells
/// (32-bit global indices; `pynn_core::memory::MAX_CELLS`, which refuses
/// the same at run time). Integers up to 2^53 parse to `f64` exactly, so
/// the comparison is exact at this bound.
const MAX_CELLS: f64 = u32::MAX as f64;

fn check_size(cx: &mut Ctxt, v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) if n.is_int && n.unit.is_none() && n.value > MAX_CELLS => {
            cx.spanned(
                &n.tokens,
                format!("a population has at most {} cells (32-bit cell indices; the whole network too)", u32::MAX),
            );
            None
        }
        Value::Number(n) if n.is_int && n.unit.is_none() && n.value >= 1.0 => Some(n.value as usize),
        Value::Rust { unit: None, .. } => None,
        other => {
            cx.error(other.span(), "the size of a population must be a positive integer (a number of cells)");
            None
        }
    }
}

pub(crate) fn check_assignments(cx: &mut Ctxt, list: &[Assign], specs: &[ParamSpec], cell: &str, what: &str) {
    let mut seen: Vec<String> = Vec::new();
    for a in list {
        let name = a.name.to_string();
        match specs.iter().find(|s| s.name == name) {
            None => {
                let h = hint(&name, specs.iter().map(|s| s.name));
                cx.error(a.name.span(), format!("`{cell}` has no {what} `{name}`{h}"));
            }
            Some(spec) => {
                if seen.contains(&name) {
                    cx.error(a.name.span(), format!("`{name}` is given twice"));
                }
                seen.push(name.clone());
                check_value(cx, &a.value, &Expect::Param(*spec), &format!("`{name}`"));
                check_domain(cx, &a.value, spec, cell);
            }
        }
    }
}

/// The rule of `spec.domain` (the one pynn-core applies when the
/// population is created) on literal values: a number, one per cell, or a
/// literal sequence (or one per cell).
fn check_domain(cx: &mut Ctxt, v: &Value, spec: &ParamSpec, cell: &str) {
    let scale = schema::unit_scale(spec.unit);
    let bad = |cx: &mut Ctxt, tokens: TokenStream, shown: String| {
        cx.spanned(tokens, format!("`{cell}`: invalid value {shown} for `{}`; {}", spec.name, spec.domain.describe()));
    };
    match (spec.kind, v) {
        (ParamKind::Scalar, Value::Number(n)) => {
            let x = convert_in(n, scale);
            if x.is_finite() && !spec.domain.check_scalar(x) {
                bad(cx, number_tokens(n), written(n));
            }
        }
        (ParamKind::Scalar, Value::Array { elems, .. }) => {
            for e in elems {
                check_domain(cx, e, spec, cell);
            }
        }
        (ParamKind::Sequence, Value::Array { elems, span }) => {
            if elems.iter().all(|e| matches!(e, Value::Array { .. })) && !elems.is_empty() {
                for e in elems {
                    check_domain(cx, e, spec, cell);
                }
                return;
            }
            let nums: Option<Vec<&Number>> =
                elems.iter().map(|e| if let Value::Number(n) = e { Some(n) } else { None }).collect();
            if let Some(nums) = nums {
                let xs: Vec<f64> = nums.iter().map(|n| convert_in(n, scale)).collect();
                if xs.iter().all(|x| x.is_finite()) && !spec.domain.check_sequence(&xs) {
                    let shown = format!("[{}]", nums.iter().map(|n| written(n)).collect::<Vec<_>>().join(", "));
                    cx.error(
                        *span,
                        format!("`{cell}`: invalid value {shown} for `{}`; {}", spec.name, spec.domain.describe()),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A literal scalar parameter in PyNN's unit, if written as a number.
fn literal_param<'a>(list: &'a [Assign], name: &str, scale: f64) -> Option<(f64, &'a Number)> {
    list.iter().find(|a| a.name == name).and_then(|a| match &a.value {
        Value::Number(n) => Some((convert_in(n, scale), n)),
        _ => None,
    })
}

/// The relations between parameters that pynn-core checks when a
/// population is created (`cells::check_parameter_relations`):
/// `v_reset` below `v_spike` (when the type has one) or below `v_thresh`.
/// Checked when at least one of the two is a literal and the other is a
/// literal or its default.
pub(crate) fn check_relations(cx: &mut Ctxt, params: &[Assign], cell: &'static CellTable) {
    let value = |name: &str| -> Option<(f64, Option<&Number>)> {
        let spec = cell.parameters.iter().find(|s| s.name == name)?;
        match params.iter().find(|a| a.name == name) {
            None => Some((spec.default, None)),
            Some(_) => literal_param(params, name, schema::unit_scale(spec.unit)).map(|(x, n)| (x, Some(n))),
        }
    };
    let upper = if cell.parameters.iter().any(|s| s.name == "v_spike") { "v_spike" } else { "v_thresh" };
    if let (Some((r, rn)), Some((t, tn))) = (value("v_reset"), value(upper))
        && (rn.is_some() || tn.is_some())
        && r.is_finite()
        && t.is_finite()
        && !(r < t)
    {
        let tokens = match (rn, tn) {
            (Some(n), _) | (None, Some(n)) => number_tokens(n),
            (None, None) => return,
        };
        cx.spanned(
            tokens,
            format!(
                "`{}`: invalid value {} mV for `v_reset`; v_reset must be below {upper} ({} mV{})",
                cell.name,
                fmt(r),
                fmt(t),
                if tn.is_none() { ", its default" } else { "" }
            ),
        );
    }
}

/// The start and stop of a current source (pynn-core's
/// `CurrentSourceSpec::validate`: `0 <= start <= stop`), and the `dt` of a
/// noisy source, a whole number of time steps (`validate_for`).
fn check_source(cx: &mut Ctxt, schema: &CallSchema, args: &[(&'static Arg, Option<&Value>)]) {
    let num = |name: &str| {
        args.iter().find(|(a, _)| a.name == name).and_then(|(a, v)| match v {
            Some(Value::Number(n)) => Some((in_pynn_unit(n), Some(n))),
            Some(_) => None,
            None => a.default.and_then(|d| d.parse::<f64>().ok()).map(|x| (x, None)),
        })
    };
    if let (Some((start, sn)), Some((stop, en))) = (num("start"), num("stop"))
        && !(start >= 0.0 && stop >= start)
        && let Some(n) = if start < 0.0 { sn } else { en.or(sn) }
    {
        cx.spanned(
            number_tokens(n),
            format!(
                "{}: invalid value ({}, {}) for `start, stop`; 0 <= start <= stop (ms)",
                schema.pynn,
                fmt(start),
                fmt(stop)
            ),
        );
    }
    if let (Some((dt, Some(n))), Some(step)) = (num("dt"), cx.timestep)
        && dt > 0.0
        && !whole_steps(dt, step)
    {
        cx.spanned(
            number_tokens(n),
            format!(
                "{}: invalid value {} for `dt`; a whole multiple of the simulation time step ({} ms)",
                schema.pynn,
                written(n),
                fmt(step)
            ),
        );
    }
}

/// Whether `x` is a whole number (>= 1) of steps `dt`, with pynn-core's
/// tolerance.
fn whole_steps(x: f64, dt: f64) -> bool {
    let n = x / dt;
    n.round() >= 1.0 && (n - n.round()).abs() <= 1e-9 * n.max(1.0)
}

/// A number as pynn-core's messages show it (`fmt_num`: the shortest
/// form that reads back as the same `f64`).
fn fmt(x: f64) -> String {
    format!("{x}")
}

/// A number as written, unit included: `-20 ms`.
pub(crate) fn written(n: &Number) -> String {
    match &n.unit {
        Some(u) => format!("{} {u}", fmt(n.value)),
        None => fmt(n.value),
    }
}

/// A number converted to PyNN's unit of its dimension (ms, mV, nA, ...).
fn in_pynn_unit(n: &Number) -> f64 {
    convert_in(n, 1.0)
}

/// A number converted to a unit of factor `scale` (see
/// [`schema::unit_scale`]); a bare number is already in it.
fn convert_in(n: &Number, scale: f64) -> f64 {
    match n.unit.as_ref().and_then(|u| schema::unit_named(&u.to_string())) {
        Some(u) => crate::expand::convert(n.value, u.factor / scale),
        None => n.value,
    }
}

/// The time step and `min_delay` the network runs with, in ms, when the
/// `setup` block writes them as literals or leaves them at their defaults
/// (`Setup::default()`: 0.1 ms each); `None` for a Rust expression. A
/// `min_delay` written as an expression is at least the time step
/// (`Setup::validate`), so delays are then checked against that.
fn setup_times(net: &Network) -> (Option<f64>, Option<f64>) {
    let mut out = (Some(0.1), Some(0.1));
    let mut min_delay_expr = false;
    for item in &net.items {
        if let Item::Setup(s) = item {
            for a in &s.entries {
                let x = match &a.value {
                    Value::Number(n) if in_pynn_unit(n) > 0.0 && in_pynn_unit(n).is_finite() => Some(in_pynn_unit(n)),
                    _ => None,
                };
                match a.name.to_string().as_str() {
                    "timestep" => out.0 = x,
                    "min_delay" => {
                        out.1 = x;
                        min_delay_expr = x.is_none();
                    }
                    _ => {}
                }
            }
        }
    }
    if min_delay_expr {
        out.1 = out.0;
    }
    out
}

/// Every number literal must be a finite `f64` (`1e400` is not): the
/// expansion could not write it, and no rule could hold for it.
fn check_finite(cx: &mut Ctxt, net: &Network) {
    fn value(cx: &mut Ctxt, v: &Value) {
        match v {
            Value::Number(n) if !n.value.is_finite() => cx.spanned(
                number_tokens(n),
                format!(
                    "the number `{}` is too large: a number must be a finite `f64` (at most about 1.8e308)",
                    n.tokens.to_string().replace(' ', "")
                ),
            ),
            Value::Array { elems, .. } | Value::Tuple { elems, .. } => elems.iter().for_each(|e| value(cx, e)),
            Value::Random(c) => call(cx, c),
            _ => {}
        }
    }
    fn call(cx: &mut Ctxt, c: &Call) {
        c.args.iter().for_each(|a| value(cx, &a.value));
    }
    for item in &net.items {
        match item {
            Item::Setup(s) => s.entries.iter().for_each(|a| value(cx, &a.value)),
            Item::Pop(p) => {
                value(cx, &p.size);
                if let Some(s) = &p.structure {
                    call(cx, s);
                }
                p.params.iter().chain(&p.init).for_each(|a| value(cx, &a.value));
            }
            Item::Connect(c) => {
                call(cx, &c.connector);
                if let Some(s) = &c.synapse {
                    call(cx, s);
                }
                if let Some((_, init)) = &c.init {
                    init.iter().for_each(|a| value(cx, &a.value));
                }
            }
            Item::Inject(i) => call(cx, &i.source),
            Item::Record(r) => {
                if let Some(e) = &r.every {
                    value(cx, e);
                }
            }
            Item::Backend(b) => b.entries.iter().for_each(|c| call(cx, c)),
        }
    }
}

fn check_setup(cx: &mut Ctxt, s: &Setup) {
    let mut seen: Vec<String> = Vec::new();
    for a in &s.entries {
        let name = a.name.to_string();
        match schema::SETUP.iter().find(|k| k.name == name) {
            None => cx.error(
                a.name.span(),
                format!("unknown setup option `{name}`{}", hint(&name, schema::SETUP.iter().map(|k| k.name))),
            ),
            Some(k) => {
                if seen.contains(&name) {
                    cx.error(a.name.span(), format!("`{name}` is given twice"));
                }
                seen.push(name.clone());
                check_value(cx, &a.value, &Expect::from_arg(k.kind, None), &format!("`{name}`"));
                if let (ArgKind::Number(_), Value::Number(n)) = (k.kind, &a.value)
                    && n.value <= 0.0
                {
                    cx.spanned(number_tokens(n), format!("`{name}` must be positive"));
                }
                if let (ArgKind::Int, Value::Number(n)) = (k.kind, &a.value)
                    && n.is_int
                    && n.value < 0.0
                {
                    cx.spanned(
                        &n.tokens,
                        format!("invalid setup: {name} = {}; {name} is a whole number >= 0", written(n)),
                    );
                }
            }
        }
    }
}

/// The post-synaptic side of a projection, for weight checks.
#[derive(Clone, Copy)]
pub struct WeightRule {
    dim: Dim,
    /// `Some(true)`: weights >= 0; `Some(false)`: weights <= 0.
    non_negative: Option<bool>,
    why: &'static str,
}

/// The number of cells of a cells expression, when every part has a
/// literal size and selection.
fn cells_size(cells: &Cells, pops: &BTreeMap<String, PopInfo<'_>>) -> Option<usize> {
    let lit = |e: &Option<syn::Expr>| match e {
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. })) => i.base10_parse::<usize>().ok(),
        _ => None,
    };
    let mut total = 0;
    for part in &cells.parts {
        let size = pops.get(&part.pop.to_string())?.size?;
        total += match &part.index {
            None => size,
            Some(Index::Range { start, end, .. }) => {
                let s = if start.is_some() { lit(start)? } else { 0 };
                let e = if end.is_some() { lit(end)? } else { size };
                e.checked_sub(s)?
            }
            Some(Index::One(_)) => 1,
            Some(Index::Expr(syn::Expr::Array(a))) => a.elems.len(),
            Some(Index::Expr(_)) => return None,
        };
    }
    Some(total)
}

/// Connector rules that need the sizes of both sides: `from_list`
/// indices within them, and `fixed_number_pre/post`/`fixed_total_number`
/// without replacement asking for at most the cells (pairs) available
/// (pynn-core's `connectors::fixed_number`, same wording).
fn check_connector_sizes(
    cx: &mut Ctxt,
    c: &Connect,
    args: &[(&'static Arg, Option<&Value>)],
    pops: &BTreeMap<String, PopInfo<'_>>,
) {
    let (pre, post) = (cells_size(&c.pre, pops), cells_size(&c.post, pops));
    let arg = |name: &str| args.iter().find(|(a, _)| a.name == name).and_then(|(_, v)| *v);
    let name = c.connector.name.to_string();
    match name.as_str() {
        "from_list" => {
            let Some(Value::Array { elems, .. }) = arg("conn_list") else { return };
            for e in elems {
                let Value::Tuple { elems: t, .. } = e else { continue };
                for (k, side, size) in [(0, "pre", pre), (1, "post", post)] {
                    if let (Some(Value::Number(n)), Some(size)) = (t.get(k), size)
                        && n.is_int
                        && n.value >= size as f64
                    {
                        cx.spanned(
                            &n.tokens,
                            format!(
                                "the {side}-synaptic index {} is out of range: the {side}-synaptic side has {size} cells (0 to {})",
                                n.value,
                                size.saturating_sub(1)
                            ),
                        );
                    }
                }
            }
        }
        "fixed_number_pre" | "fixed_number_post" | "fixed_total_number" => {
            let replacement = match arg("with_replacement") {
                Some(Value::Bool(b)) => b.value,
                Some(_) => return,
                None => name == "fixed_total_number",
            };
            let m = match name.as_str() {
                "fixed_number_pre" => pre,
                "fixed_number_post" => post,
                _ => pre.zip(post).and_then(|(a, b)| a.checked_mul(b)),
            };
            if let (false, Some(Value::Number(n)), Some(m)) = (replacement, arg("n"), m)
                && n.is_int
                && n.value > m as f64
            {
                let what = if name == "fixed_total_number" { "allowed (pre, post) pairs" } else { "cells available" };
                cx.spanned(
                    &n.tokens,
                    format!(
                        "`{name}`: n = {} is larger than the {m} {what} without replacement; use with_replacement = true or a smaller n",
                        n.value
                    ),
                );
            }
        }
        _ => {}
    }
}

fn check_connect(cx: &mut Ctxt, c: &Connect, pops: &BTreeMap<String, PopInfo<'_>>) {
    resolve_cells(cx, &c.pre, pops);
    let post = resolve_cells(cx, &c.post, pops);
    let mut rule = None;
    let post_ok: Vec<&(&CellsPart, &'static CellTable)> =
        post.iter().filter(|(_, cell)| !cell.receptors.is_empty()).collect();
    for (part, cell) in post.iter().filter(|(_, cell)| cell.receptors.is_empty()) {
        cx.error(
            part.pop.span(),
            format!("`{}` cells have no receptors and cannot be post-synaptic (population `{}`)", cell.name, part.pop),
        );
    }
    if let Some((_, first)) = post_ok.first() {
        if post_ok.iter().any(|(_, c)| {
            c.conductance_based != first.conductance_based || schema::weight_dim(c) != schema::weight_dim(first)
        }) {
            cx.spanned(
                c.post.parts.iter().map(|p| p.pop.clone()).collect::<Vec<_>>().iter().fold(
                    TokenStream::new(),
                    |mut t, i| {
                        i.to_tokens(&mut t);
                        t
                    },
                ),
                "post-synaptic cells mix cell types whose weights have different units; a projection needs one kind",
            );
        } else {
            let receptor = c.receptor.as_ref().map(|r| r.to_string());
            if let (Some(r), Some(ident)) = (&receptor, &c.receptor) {
                for (part, cell) in &post_ok {
                    if !cell.receptors.contains(&r.as_str()) {
                        cx.error(
                            ident.span(),
                            format!(
                                "`{}` cells (population `{}`) have no receptor type `{r}`{}",
                                cell.name,
                                part.pop,
                                hint(r, cell.receptors.iter().copied())
                            ),
                        );
                        break;
                    }
                }
            }
            let (non_negative, why) = if first.conductance_based {
                (
                    Some(true),
                    "conductance-based synapses need weights >= 0 (a conductance; inhibition comes from the reversal potential `e_rev_I`)",
                )
            } else {
                match receptor.as_deref() {
                    Some("inhibitory") => (
                        Some(false),
                        "inhibitory synapses onto current-based cells need weights <= 0 (PyNN's sign rule)",
                    ),
                    Some("excitatory") => (
                        Some(true),
                        "excitatory synapses onto current-based cells need weights >= 0 (PyNN's sign rule)",
                    ),
                    _ => (None, ""),
                }
            };
            rule = Some(WeightRule { dim: schema::weight_dim(first), non_negative, why });
        }
    }
    if let Some((_, args)) = bind(cx, &c.connector, schema::CONNECTORS, "connector") {
        check_args(cx, &c.connector.name.to_string(), &args, rule);
        check_connector_sizes(cx, c, &args, pops);
    }
    let mut state_of: Option<(&'static str, &'static [ParamSpec])> = Some(("StaticSynapse", &[]));
    if let Some(s) = &c.synapse {
        state_of = None;
        if let Some((schema, args)) = bind(cx, s, schema::SYNAPSES, "synapse type") {
            check_args(cx, &s.name.to_string(), &args, rule);
            check_table(cx, schema, &args);
            if schema.name == "stdp" {
                check_stdp(cx, &args);
            }
            state_of = Some((schema.pynn, schema::synapse_table(schema.pynn).map_or(&[], |t| t.state)));
        }
    }
    if let (Some((_, init)), Some((name, state))) = (&c.init, state_of) {
        check_assignments(cx, init, state, name, "state variable (initial value)");
        // Tsodyks–Markram's resources: recovered plus active <= 1, with the
        // table's defaults for the one not written (as pynn-core checks).
        if let (Some(x), Some(y)) = (state.iter().find(|p| p.name == "x"), state.iter().find(|p| p.name == "y")) {
            let lit = |p: &ParamSpec| match init.iter().find(|a| a.name == p.name).map(|a| &a.value) {
                Some(Value::Number(n)) => Some((n.value, Some(n))),
                Some(_) => None,
                None => Some((p.default, None)),
            };
            if let (Some((xv, xn)), Some((yv, yn))) = (lit(x), lit(y))
                && xv + yv > 1.0
                && let Some(n) = yn.or(xn)
            {
                cx.spanned(
                    number_tokens(n),
                    format!(
                        "`{name}`: invalid value {} for `x + y`; recovered plus active resources <= 1",
                        fmt(xv + yv)
                    ),
                );
            }
        }
    }
}

/// The rule of each parameter's `Domain` in the `pynn-schema` table of a
/// synapse type or STDP part, on literal values (as `pynn-core` applies it
/// when the projection is created). Parameters in the weight's unit are
/// magnitudes, whose sign `check_value` has checked.
fn check_table(cx: &mut Ctxt, call: &CallSchema, args: &[(&'static Arg, Option<&Value>)]) {
    let Some(table) = schema::synapse_table(call.pynn) else { return };
    for (arg, value) in args {
        let (Some(v), Some(spec)) = (value, table.parameter(arg.name)) else { continue };
        if spec.unit != crate::tables::synapses::WEIGHT_UNIT {
            check_domain(cx, v, spec, table.name);
        } else if let Value::Number(n) = v
            && n.value < 0.0
        {
            // pynn-core's words (`STDPMechanism`): the unit is the weight's,
            // whose dimension `check_value` has checked.
            let allowed = if spec.name == "eta" { "a learning rate >= 0" } else { "a weight magnitude >= 0" };
            cx.spanned(
                number_tokens(n),
                format!("`{}`: invalid value {} for `{}`; {allowed}", table.name, written(n), spec.name),
            );
        }
    }
}

/// The rules `STDPMechanism` applies when the projection is created
/// (`pynn-core/src/synapses/stdp.rs`), on literal values, with its words.
fn check_stdp(cx: &mut Ctxt, args: &[(&'static Arg, Option<&Value>)]) {
    let get = |name: &str| args.iter().find(|(a, _)| a.name == name).and_then(|(_, v)| *v);
    if let Some(Value::Number(n)) = get("dendritic_delay_fraction")
        && n.unit.is_none()
        && n.value != 1.0
    {
        let allowed = if (0.0..=1.0).contains(&n.value) {
            "1: as PyNN's NEST backend, the native engine takes the whole delay as dendritic"
        } else {
            "a fraction in [0, 1]; only 1 (the whole delay dendritic) is supported"
        };
        cx.spanned(
            number_tokens(n),
            format!("`STDPMechanism`: invalid value {} for `dendritic_delay_fraction`; {allowed}", written(n)),
        );
    }
    let Some(Value::Random(wd)) = get("weight_dependence") else { return };
    let Some(wd_schema) = schema::call(schema::WEIGHT_DEPENDENCES, &wd.name.to_string()) else { return };
    if let Some(Value::Random(td)) = get("timing_dependence")
        && td.name == "vogels2011"
        && wd_schema.name != "additive"
    {
        cx.error(
            wd.name.span(),
            format!(
                "`STDPMechanism`: invalid value {} for `weight_dependence`; AdditiveWeightDependence \
                 (Vogels2011Rule bounds the weight additively, as NEST's vogels_sprekeler_synapse): write `additive(...)`",
                wd_schema.pynn
            ),
        );
    }
    // A literal weight against literal (or default) bounds, all in PyNN's unit.
    let Some(Value::Number(w)) = get("weight") else { return };
    let table = schema::synapse_table(wd_schema.pynn);
    let mut cxq = Ctxt::default();
    let Some((_, wd_args)) = bind(&mut cxq, wd, schema::WEIGHT_DEPENDENCES, "weight dependence") else { return };
    let bound = |name: &str| -> Option<f64> {
        match wd_args.iter().find(|(a, _)| a.name == name).and_then(|(_, v)| *v) {
            Some(Value::Number(n)) => Some(in_pynn_unit(n)),
            Some(_) => None,
            None => table.and_then(|t| t.parameter(name)).map(|p| p.default),
        }
    };
    let (Some(lo), Some(hi)) = (bound("w_min"), bound("w_max")) else { return };
    let x = in_pynn_unit(w).abs();
    if lo <= hi && (x < lo || x > hi) {
        cx.spanned(
            number_tokens(w),
            format!(
                "`STDPMechanism`: invalid value {} for `weight`; a weight whose magnitude lies in [w_min, w_max] = [{}, {}] of the {}",
                written(w),
                fmt(lo),
                fmt(hi),
                wd_schema.pynn
            ),
        );
    }
}

/// Marks the [`WeightRule`] of a magnitude measured like the weight
/// (`w_min`, `w_max`, `eta`): messages name the argument, not "the weight".
const MAGNITUDE: &str = "a magnitude in the unit of the weight";

/// Resolves the populations of a cells expression; returns the parts whose
/// cell type is known.
fn resolve_cells<'c>(
    cx: &mut Ctxt,
    cells: &'c Cells,
    pops: &BTreeMap<String, PopInfo<'_>>,
) -> Vec<(&'c CellsPart, &'static CellTable)> {
    let mut out = Vec::new();
    for part in &cells.parts {
        let name = part.pop.to_string();
        match pops.get(&name) {
            None => cx.error(
                part.pop.span(),
                format!("no population named `{name}`{}", hint(&name, pops.keys().map(String::as_str))),
            ),
            Some(info) => {
                let negative: Vec<&syn::Expr> = match &part.index {
                    Some(Index::One(e)) => vec![e],
                    Some(Index::Range { start, end, .. }) => start.iter().chain(end).collect(),
                    _ => Vec::new(),
                };
                for e in negative {
                    if let syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) = e {
                        let last = match info.size {
                            Some(size) => format!("from 0 to {} (the last is `{name}[{}]`)", size - 1, size - 1),
                            None => "from 0".to_string(),
                        };
                        cx.spanned(
                            e,
                            format!(
                                "negative index `-{}` into `{name}`: cells are numbered {last}; PyNN's negative indices are not supported",
                                expr.to_token_stream()
                            ),
                        );
                    }
                }
                if let (Some(size), Some(Index::Range { start, end, span })) = (info.size, &part.index) {
                    let lit = |e: &Option<syn::Expr>| match e {
                        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. })) => {
                            i.base10_parse::<usize>().ok()
                        }
                        _ => None,
                    };
                    let (s, e) = (lit(start), lit(end));
                    if let Some(e) = e
                        && e > size
                    {
                        cx.error(*span, format!("`{name}` has {size} cells; the range ends at {e}"));
                    }
                    match (s, e) {
                        (Some(s), Some(e)) if s > e => {
                            cx.error(*span, format!("reversed range: {s}..{e} (the start must not exceed the end)"))
                        }
                        (Some(s), Some(e)) if s == e => {
                            cx.error(*span, format!("empty range: {s}..{e} selects no cell"))
                        }
                        // A start at or past the end of the population selects
                        // nothing (or, with a larger end, fails at run time).
                        (Some(s), None) if s >= size => cx.error(
                            *span,
                            format!("`{name}` has {size} cells; the range starts at {s} and selects no cell"),
                        ),
                        _ => {}
                    }
                }
                if let (Some(size), Some(Index::One(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. })))) =
                    (info.size, &part.index)
                    && let Ok(k) = i.base10_parse::<usize>()
                    && k >= size
                {
                    cx.error(i.span(), format!("`{name}` has {size} cells; index {k} is out of range"));
                }
                if let Some(cell) = info.cell {
                    out.push((part, cell));
                }
            }
        }
    }
    out
}

/// Each schema argument of a call with the value given for it (if any).
type Bound<'a> = (&'static CallSchema, Vec<(&'static Arg, Option<&'a Value>)>);

/// Matches a call's arguments to its schema: returns each schema argument
/// with the value given for it (if any).
pub fn bind<'a>(cx: &mut Ctxt, call: &'a Call, table: &'static [CallSchema], what: &str) -> Option<Bound<'a>> {
    let name = call.name.to_string();
    let Some(schema) = schema::call(table, &name) else {
        let h = match table.iter().find(|c| c.pynn == name) {
            Some(c) => format!("; in `network!` PyNN's `{}` is written `{}`", c.pynn, c.name),
            None => hint(&name, table.iter().map(|c| c.name)),
        };
        cx.error(call.name.span(), format!("unknown {what} `{name}`{h}"));
        return None;
    };
    let mut given: Vec<Option<&Value>> = vec![None; schema.args.len()];
    let mut positional = 0;
    let mut ok = true;
    for a in &call.args {
        let k = match &a.name {
            None => {
                positional += 1;
                if positional > schema.args.len() {
                    cx.error(
                        a.value.span(),
                        format!(
                            "`{name}` takes {} argument{}",
                            schema.args.len(),
                            if schema.args.len() == 1 { "" } else { "s" }
                        ),
                    );
                    ok = false;
                    continue;
                }
                positional - 1
            }
            Some(n) => {
                let s = n.to_string();
                match schema.args.iter().position(|x| x.name == s || x.aliases.contains(&s.as_str())) {
                    Some(k) => k,
                    None => {
                        let h = hint(&s, schema.args.iter().map(|x| x.name));
                        cx.error(n.span(), format!("`{name}` has no argument `{s}`{h}"));
                        ok = false;
                        continue;
                    }
                }
            }
        };
        if given[k].is_some() {
            cx.error(a.value.span(), format!("argument `{}` of `{name}` is given twice", schema.args[k].name));
            ok = false;
        }
        given[k] = Some(&a.value);
    }
    for (k, arg) in schema.args.iter().enumerate() {
        if given[k].is_none() && arg.default.is_none() && ok {
            cx.error(call.span, format!("`{name}` needs argument `{}`", arg.name));
        }
    }
    Some((schema, schema.args.iter().zip(given).collect()))
}

fn check_args(cx: &mut Ctxt, call: &str, args: &[(&'static Arg, Option<&Value>)], rule: Option<WeightRule>) {
    for (arg, value) in args {
        if let Some(v) = value {
            check_value(cx, v, &Expect::from_arg(arg.kind, rule), &format!("`{}`", arg.name));
            check_not_negative(cx, call, arg, v);
        }
    }
}

/// Integer arguments are counts (`usize`/`u64` in the object API), except
/// the bounds of `uniform_int`: a negative literal is refused here rather
/// than by rustc over the whole invocation.
fn check_not_negative(cx: &mut Ctxt, call: &str, arg: &Arg, v: &Value) {
    if let (ArgKind::Int | ArgKind::OptionalInt, Value::Number(n)) = (arg.kind, v)
        && n.is_int
        && n.value < 0.0
    {
        cx.spanned(
            &n.tokens,
            format!("`{call}`: invalid value {} for `{}`; a whole number >= 0", written(n), arg.name),
        );
    }
}

/// What a value must be.
#[derive(Clone, Copy)]
enum Expect {
    Param(ParamSpec),
    Number(Dim, &'static str),
    Probability,
    Bool,
    Int,
    Sequence(Dim),
    Weight(Option<WeightRule>),
    Delay,
    ConnectionList(Option<WeightRule>),
    Count,
    Function(&'static str),
    BoolMatrix,
    File,
    Projection,
    FillOrder,
    Shape,
    Position,
    /// A call of one of these tables (a timing or weight dependence), its
    /// weights checked by the rule.
    Nested(&'static [CallSchema], &'static str, Option<WeightRule>),
}

impl Expect {
    fn from_arg(kind: ArgKind, rule: Option<WeightRule>) -> Expect {
        match kind {
            ArgKind::Number(d) => Expect::Number(d, d.unit()),
            ArgKind::Probability => Expect::Probability,
            ArgKind::Bool => Expect::Bool,
            ArgKind::Int => Expect::Int,
            ArgKind::Sequence(d) => Expect::Sequence(d),
            ArgKind::Weight => Expect::Weight(rule),
            ArgKind::Delay => Expect::Delay,
            ArgKind::ConnectionList => Expect::ConnectionList(rule),
            ArgKind::SameAsTarget => Expect::Number(Dim::Dimensionless, ""),
            ArgKind::Count => Expect::Count,
            ArgKind::OptionalInt => Expect::Int,
            ArgKind::Function(example) => Expect::Function(example),
            ArgKind::BoolMatrix => Expect::BoolMatrix,
            ArgKind::File => Expect::File,
            ArgKind::Projection => Expect::Projection,
            ArgKind::FillOrder => Expect::FillOrder,
            ArgKind::Shape => Expect::Shape,
            ArgKind::Position => Expect::Position,
            ArgKind::Timing => Expect::Nested(schema::TIMING_DEPENDENCES, "timing dependence", rule),
            ArgKind::WeightDependence => Expect::Nested(schema::WEIGHT_DEPENDENCES, "weight dependence", rule),
            // The unit of the weight; the sign is the table's rule (`check_table`).
            ArgKind::WeightMagnitude => {
                Expect::Weight(rule.map(|r| WeightRule { non_negative: None, why: MAGNITUDE, ..r }))
            }
        }
    }
}

pub(crate) fn number_tokens(n: &Number) -> TokenStream {
    let mut t = n.tokens.clone();
    if let Some(u) = &n.unit {
        u.to_tokens(&mut t);
    }
    t
}

/// Checks a unit against a dimension; returns false if it was wrong.
fn check_unit(cx: &mut Ctxt, unit: &Option<Ident>, dim: Dim, in_unit: &str, what: &str) -> bool {
    let Some(u) = unit else { return true };
    let name = u.to_string();
    match schema::unit_named(&name) {
        None => {
            cx.error(u.span(), format!("unknown unit `{name}`{}", hint(&name, schema::UNITS.iter().map(|u| u.name))));
            false
        }
        Some(_) if dim == Dim::Dimensionless => {
            cx.error(u.span(), format!("{what} is dimensionless; remove the unit `{name}`"));
            false
        }
        Some(unit) if unit.dim != dim => {
            let bare = if schema::UNITS.iter().any(|u| u.dim == dim) {
                String::new()
            } else {
                format!("; write the number without a unit (it is in {in_unit})")
            };
            cx.error(
                u.span(),
                format!(
                    "wrong unit for {what}: expected {}, found `{name}`, which is {}{bare}",
                    dim.describe_in(in_unit),
                    unit.dim.describe()
                ),
            );
            false
        }
        Some(_) => true,
    }
}

fn check_value(cx: &mut Ctxt, v: &Value, expect: &Expect, what: &str) {
    match *expect {
        Expect::Param(p) => match (p.kind, v) {
            (ParamKind::Scalar, Value::Array { elems, .. }) => {
                for e in elems {
                    check_value(cx, e, &Expect::Number(schema::dim_of(p.unit), p.unit), what);
                }
            }
            (ParamKind::Scalar, Value::Random(call)) => check_random(cx, call, schema::dim_of(p.unit), p.unit, what),
            (ParamKind::Scalar, _) => check_value(cx, v, &Expect::Number(schema::dim_of(p.unit), p.unit), what),
            (ParamKind::Sequence, Value::Array { elems, .. }) => {
                for e in elems {
                    match e {
                        Value::Array { elems, .. } => {
                            for x in elems {
                                check_value(cx, x, &Expect::Number(schema::dim_of(p.unit), p.unit), what);
                            }
                        }
                        e => check_value(cx, e, &Expect::Number(schema::dim_of(p.unit), p.unit), what),
                    }
                }
            }
            (ParamKind::Sequence, Value::Rust { unit, .. }) => {
                check_unit(cx, unit, schema::dim_of(p.unit), p.unit, what);
            }
            (ParamKind::Sequence, other) => cx.error(
                other.span(),
                format!("{what} is a sequence: write a list such as `{}`", example_list(p.unit)),
            ),
        },
        Expect::Number(dim, in_unit) => match v {
            Value::Number(n) => {
                check_unit(cx, &n.unit, dim, in_unit, what);
            }
            Value::Rust { unit, .. } => {
                check_unit(cx, unit, dim, in_unit, what);
            }
            other => cx.error(
                other.span(),
                format!("{what} must be a number ({})", dim.describe_in(in_unit)),
            ),
        },
        Expect::Probability => match v {
            Value::Number(n) => {
                if check_unit(cx, &n.unit, Dim::Dimensionless, "", what)
                    && !(0.0..=1.0).contains(&n.value)
                {
                    cx.spanned(
                        &n.tokens,
                        format!(
                            "{what} is a probability and must lie in [0, 1], found {}",
                            n.value
                        ),
                    );
                }
            }
            Value::Rust { unit, .. } => {
                check_unit(cx, unit, Dim::Dimensionless, "", what);
            }
            other => cx.error(
                other.span(),
                format!("{what} must be a probability in [0, 1]"),
            ),
        },
        Expect::Bool => {
            if !matches!(v, Value::Bool(_) | Value::Rust { unit: None, .. }) {
                cx.error(v.span(), format!("{what} must be `true` or `false`"));
            }
        }
        Expect::Count => match v {
            Value::Number(n) if n.unit.is_some() => {
                check_unit(cx, &n.unit, Dim::Dimensionless, "", what);
            }
            Value::Number(n) if n.value < 0.0 || !n.is_int => cx.spanned(
                &n.tokens,
                format!("{what} is a number of connections and must be a whole number >= 0"),
            ),
            Value::Number(_) => {}
            Value::Random(call) => check_random(cx, call, Dim::Dimensionless, "", what),
            Value::Rust { unit: None, .. } => {}
            other => cx.error(
                other.span(),
                format!(
                    "{what} is a number of connections: a whole number >= 0 without a unit, or a distribution such as `binomial(n = 10, p = 0.5)`"
                ),
            ),
        },
        Expect::Function(example) => match v {
            Value::Rust { unit: None, .. } => {}
            Value::Str(s) => cx.error(
                s.span(),
                format!(
                    "{what} is a Rust function, not PyNN's string expression: write a closure in braces, e.g. `{example}`"
                ),
            ),
            other => cx.error(
                other.span(),
                format!("{what} is a Rust function: write a closure in braces, e.g. `{example}`"),
            ),
        },
        Expect::BoolMatrix => match v {
            Value::Array { elems, .. } => {
                let mut width = None;
                for row in elems {
                    match row {
                        Value::Array { elems: r, span } => {
                            if *width.get_or_insert(r.len()) != r.len() {
                                cx.error(*span, "every row of the connection matrix must have the same length");
                            }
                            for x in r {
                                check_value(cx, x, &Expect::Bool, "an entry of the connection matrix");
                            }
                        }
                        other => cx.error(
                            other.span(),
                            "expected a row `[true, false, ...]` (one row per pre-synaptic cell)",
                        ),
                    }
                }
            }
            Value::Rust { unit: None, .. } => {}
            other => cx.error(
                other.span(),
                format!("{what} is a boolean matrix: `[[true, false], [false, true]]` or `{{ expr }}`"),
            ),
        },
        Expect::File => {
            if !matches!(v, Value::Str(_) | Value::Rust { unit: None, .. }) {
                cx.error(v.span(), format!("{what} is a file name: write `\"path\"` or `{{ expr }}`"));
            }
        }
        Expect::Projection => match v {
            Value::Rust { expr, unit: None, span } => {
                let name = expr.to_string();
                if cx.projections_before.contains(&name) {
                } else if cx.projections_all.contains(&name) {
                    cx.error(
                        *span,
                        format!("projection `{name}` is declared after this one; declare the projection it clones first"),
                    );
                } else {
                    let all = cx.projections_before.clone();
                    cx.error(
                        *span,
                        format!(
                            "no projection named `{name}`{}",
                            if all.is_empty() {
                                "; name the projection to clone, e.g. `connect ee = exc -> exc ...;`".to_string()
                            } else {
                                hint(&name, all.iter().map(String::as_str))
                            }
                        ),
                    );
                }
            }
            other => cx.error(
                other.span(),
                format!("{what} is the name of a projection declared earlier, e.g. `clone(ee)`"),
            ),
        },
        Expect::FillOrder => match v {
            Value::Rust { expr, unit: None, .. }
                if matches!(expr.to_string().as_str(), "sequential" | "random") => {}
            other => cx.error(
                other.span(),
                format!("{what} is `sequential` or `random`"),
            ),
        },
        Expect::Nested(table, kind, rule) => match v {
            Value::Random(call) => {
                if let Some((schema, args)) = bind(cx, call, table, kind) {
                    check_args(cx, &call.name.to_string(), &args, rule);
                    check_table(cx, schema, &args);
                }
            }
            other => cx.error(
                other.span(),
                format!(
                    "{what} is a {kind}: {}",
                    table.iter().map(|c| format!("`{}(...)`", c.name)).collect::<Vec<_>>().join(", ")
                ),
            ),
        },
        Expect::Shape => match v {
            Value::Random(call) => {
                if let Some((_, args)) = bind(cx, call, schema::SHAPES, "shape") {
                    check_args(cx, &call.name.to_string(), &args, None);
                }
            }
            other => cx.error(
                other.span(),
                format!(
                    "{what} is a shape: `cuboid(width = 100 um, height = 100 um, depth = 10 um)` or `sphere(radius = 50 um)`"
                ),
            ),
        },
        Expect::Position => match v {
            Value::Tuple { elems, .. } | Value::Array { elems, .. } if elems.len() == 3 => {
                for e in elems {
                    check_value(cx, e, &Expect::Number(Dim::Length, "um"), what);
                }
            }
            other => cx.error(
                other.span(),
                format!("{what} is a point `(x, y, z)` in um, e.g. `(0 um, 0 um, 100 um)`"),
            ),
        },
        Expect::Int => match v {
            Value::Number(n) if n.is_int && n.unit.is_none() => {}
            Value::Rust { unit: None, .. } => {}
            other => cx.error(
                other.span(),
                format!("{what} must be an integer without a unit"),
            ),
        },
        Expect::Sequence(dim) => match v {
            Value::Array { elems, .. } => {
                for e in elems {
                    check_value(cx, e, &Expect::Number(dim, dim.unit()), what);
                }
            }
            Value::Rust { unit, .. } => {
                check_unit(cx, unit, dim, dim.unit(), what);
            }
            other => cx.error(
                other.span(),
                format!("{what} is a sequence: write a list such as `{}`", example_list(dim.unit())),
            ),
        },
        Expect::Weight(rule) => {
            let Some(rule) = rule else { return };
            let label = if rule.why == MAGNITUDE { what } else { "the weight" };
            match v {
                Value::Number(n) => {
                    if check_unit(cx, &n.unit, rule.dim, rule.dim.unit(), label)
                        && let Some(non_negative) = rule.non_negative
                        && ((non_negative && n.value < 0.0) || (!non_negative && n.value > 0.0))
                    {
                        cx.spanned(
                            number_tokens(n),
                            format!("wrong sign of the weight: {}", rule.why),
                        );
                    }
                }
                Value::Random(call) => check_random(cx, call, rule.dim, rule.dim.unit(), label),
                Value::Array { elems, .. } => {
                    for e in elems {
                        check_value(cx, e, expect, what);
                    }
                }
                Value::Rust { unit, .. } => {
                    check_unit(cx, unit, rule.dim, rule.dim.unit(), label);
                }
                other => cx.error(other.span(), format!("{label} must be a number ({})", rule.dim.describe())),
            }
        }
        Expect::Delay => match v {
            Value::Number(n) => {
                if check_unit(cx, &n.unit, Dim::Time, "ms", "the delay") && n.value <= 0.0 {
                    cx.spanned(
                        number_tokens(n),
                        format!("a delay must be positive, found {} ms", n.value),
                    );
                } else if let Some(min) = cx.min_delay
                    && n.unit.as_ref().is_none_or(|u| schema::unit_named(&u.to_string()).is_some())
                    && in_pynn_unit(n) < min * (1.0 - 1e-9)
                {
                    cx.spanned(
                        number_tokens(n),
                        format!(
                            "invalid value {} for the delay; a delay must be >= min_delay ({} ms; set a smaller `min_delay` in `setup`, a whole number of time steps)",
                            written(n),
                            fmt(min)
                        ),
                    );
                }
            }
            Value::Random(call) => check_random(cx, call, Dim::Time, "ms", "the delay"),
            Value::Array { elems, .. } => {
                for e in elems {
                    check_value(cx, e, expect, what);
                }
            }
            Value::Rust { unit, .. } => {
                check_unit(cx, unit, Dim::Time, "ms", "the delay");
            }
            other => cx.error(other.span(), "the delay must be a time (ms)"),
        },
        Expect::ConnectionList(rule) => match v {
            Value::Array { elems, .. } => {
                let mut arity = None;
                for e in elems {
                    match e {
                        Value::Tuple { elems: t, span } if (2..=4).contains(&t.len()) => {
                            if *arity.get_or_insert(t.len()) != t.len() {
                                cx.error(*span, "every entry of a connection list must have the same length");
                            }
                            check_value(cx, &t[0], &Expect::Int, "a pre-synaptic index");
                            check_value(cx, &t[1], &Expect::Int, "a post-synaptic index");
                            for (x, side) in [(&t[0], "pre"), (&t[1], "post")] {
                                if let Value::Number(n) = x
                                    && n.is_int
                                    && n.value < 0.0
                                {
                                    cx.spanned(
                                        &n.tokens,
                                        format!(
                                            "`from_list`: negative {side}-synaptic index {}; cells are numbered from 0",
                                            written(n)
                                        ),
                                    );
                                }
                            }
                            if let Some(w) = t.get(2) {
                                check_value(cx, w, &Expect::Weight(rule), what);
                            }
                            if let Some(d) = t.get(3) {
                                check_value(cx, d, &Expect::Delay, what);
                            }
                        }
                        other => cx.error(
                            other.span(),
                            "expected a connection `(pre, post)`, `(pre, post, weight)` or `(pre, post, weight, delay)`",
                        ),
                    }
                }
            }
            Value::Rust { unit: None, .. } => {}
            other => cx.error(other.span(), "a connection list is `[(pre, post), ...]`"),
        },
    }
}

/// `[10 ms, 20 ms]`, or `[1, 2]` without a unit.
fn example_list(unit: &str) -> String {
    if unit.is_empty() { "[1, 2]".to_string() } else { format!("[10 {unit}, 20 {unit}]") }
}

fn check_random(cx: &mut Ctxt, call: &Call, dim: Dim, in_unit: &'static str, what: &str) {
    if let Some((_, args)) = bind(cx, call, schema::DISTRIBUTIONS, "random distribution") {
        for (arg, value) in &args {
            if let Some(v) = value {
                let e = match arg.kind {
                    ArgKind::SameAsTarget => Expect::Number(dim, in_unit),
                    k => Expect::from_arg(k, None),
                };
                check_value(cx, v, &e, &format!("`{}` of {what}", arg.name));
                if call.name != "uniform_int" {
                    check_not_negative(cx, &call.name.to_string(), arg, v);
                }
            }
        }
        check_distribution(cx, call, &args);
    }
}

/// The literal rules of pynn-core's `RandomDistribution::validate`:
/// `low <= high` and `sigma >= 0` (same wording).
fn check_distribution(cx: &mut Ctxt, call: &Call, args: &[(&'static Arg, Option<&Value>)]) {
    let name = call.name.to_string();
    let num = |arg: &str| {
        args.iter().find(|(a, _)| a.name == arg).and_then(|(_, v)| match v {
            Some(Value::Number(n)) if n.value.is_finite() => Some(n),
            _ => None,
        })
    };
    if let Some(n) = num("sigma")
        && n.value < 0.0
    {
        cx.spanned(
            number_tokens(n),
            format!("RandomDistribution {name}: invalid value {} for `sigma`; a finite number >= 0", written(n)),
        );
    }
    if let (Some(lo), Some(hi)) = (num("low"), num("high")) {
        let (l, h) = (in_pynn_unit(lo), in_pynn_unit(hi));
        let ok = if name == "uniform_int" { l < h } else { l <= h };
        if !ok {
            cx.error(
                call.span,
                format!(
                    "RandomDistribution {name}: invalid value ({}, {}) for `low, high`; low {} high",
                    written(lo),
                    written(hi),
                    if name == "uniform_int" { "<" } else { "<=" }
                ),
            );
        }
    }
}
