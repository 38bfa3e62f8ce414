//! Checks of the constructs for space, seeded distributions, `from_list`
//! columns, recording of current sources and recording to files. A child
//! module of `validate`, so it uses its helpers and message wording; the
//! rules are those of the object API (`pynn_core::space::Space::validate`,
//! `RandomDistribution::with_seed`, `FromListConnector::from_rows`,
//! `CurrentSourceHandle::record`, `Sim::record_to_file`), applied to
//! literal values.

use super::*;

/// PyNN's axis names (`pynn_core::space::Space::with_axes`).
const AXES: [&str; 7] = ["x", "y", "z", "xy", "yz", "xz", "xyz"];

/// `space(axes = "xy", periodic_boundaries = (...), scale_factor = 1,
/// offset = (0 um, 0 um, 0 um))` of a projection.
pub(super) fn check_space(cx: &mut Ctxt, call: &Call) {
    let Some((_, args)) = bind(cx, call, schema::SPACE, "space") else { return };
    for (arg, v) in args {
        let Some(v) = v else { continue };
        match arg.name {
            "axes" => match v {
                Value::Str(s) if !AXES.contains(&s.value().as_str()) => {
                    let name = s.value();
                    cx.error(
                        s.span(),
                        format!(
                            "Space: unknown axes `{name}`{}; allowed: {}",
                            match closest(&name, AXES) {
                                Some(c) => format!(" (did you mean `{c}`?)"),
                                None => String::new(),
                            },
                            AXES.join(", ")
                        ),
                    );
                }
                Value::Str(_) | Value::Rust { unit: None, .. } => {}
                other => cx.error(other.span(), "`axes` is a string of axis names, e.g. `\"xy\"`"),
            },
            "periodic_boundaries" => check_boundaries(cx, v),
            "scale_factor" => {
                check_value(cx, v, &Expect::Number(Dim::Dimensionless, ""), "`scale_factor`");
                if let Value::Number(n) = v
                    && n.unit.is_none()
                    && n.value <= 0.0
                {
                    cx.spanned(
                        number_tokens(n),
                        format!("Space: invalid value {} for `scale_factor`; a finite number > 0", written(n)),
                    );
                }
            }
            _ => check_value(cx, v, &Expect::Position, "`offset`"),
        }
    }
}

/// `((0 um, 100 um), None, None)`: per axis `None` or `(min, max)`, max > min.
fn check_boundaries(cx: &mut Ctxt, v: &Value) {
    const SHAPE: &str = "`periodic_boundaries` is one entry per axis (x, y, z), each `None` or `(min, max)` in um, e.g. `((0 um, 100 um), (0 um, 100 um), None)`";
    match v {
        Value::Tuple { elems, .. } | Value::Array { elems, .. } if elems.len() == 3 => {
            for e in elems {
                match e {
                    Value::Rust { expr, unit: None, .. } if expr.to_string() == "None" => {}
                    Value::Tuple { elems: b, span } | Value::Array { elems: b, span } if b.len() == 2 => {
                        for x in b {
                            check_value(cx, x, &Expect::Number(Dim::Length, "um"), "a periodic boundary");
                        }
                        if let (Value::Number(lo), Value::Number(hi)) = (&b[0], &b[1])
                            && in_pynn_unit(hi) <= in_pynn_unit(lo)
                        {
                            cx.error(
                                *span,
                                format!(
                                    "Space: invalid value ({}, {}) for `periodic_boundaries`; finite (min, max) with max > min",
                                    written(lo),
                                    written(hi)
                                ),
                            );
                        }
                    }
                    other => cx.error(other.span(), SHAPE),
                }
            }
        }
        Value::Rust { unit: None, .. } => {}
        other => cx.error(other.span(), SHAPE),
    }
}

/// `seed = 42` of a distribution: a whole number >= 0, given once.
pub(super) fn check_seed(cx: &mut Ctxt, call: &Call) {
    let seed = &schema::DISTRIBUTION_SEED;
    let mut seen = false;
    for a in call.args.iter().filter(|a| a.name.as_ref().is_some_and(|n| *n == seed.name)) {
        if seen {
            cx.error(a.value.span(), format!("argument `seed` of `{}` is given twice", call.name));
        }
        seen = true;
        check_value(cx, &a.value, &Expect::Int, "`seed`");
        check_not_negative(cx, &call.name.to_string(), seed, &a.value);
    }
}

/// Whether `connector` is `from_list(conn_list, column_names = [...])`.
pub(super) fn has_columns(connector: &Call) -> bool {
    connector.name == "from_list"
        && (connector.args.len() > 1
            || connector.args.iter().any(|a| a.name.as_ref().is_some_and(|n| n == "column_names")))
}

/// `from_list([(i, j, a, b, ...)], column_names = [a, b, ...])`: PyNN's
/// `FromListConnector(conn_list, column_names)`. Each column is `weight`,
/// `delay` or a parameter of the synapse type; every row has 2 + one
/// value per column; indices are checked against literal sizes.
pub(super) fn check_columns(
    cx: &mut Ctxt,
    c: &Connect,
    rule: Option<WeightRule>,
    pops: &BTreeMap<String, PopInfo<'_>>,
) {
    let call = &c.connector;
    let (mut list, mut names) = (None, None);
    let mut positional = 0;
    for a in &call.args {
        let slot = match a.name.as_ref().map(|n| n.to_string()) {
            None => {
                positional += 1;
                positional - 1
            }
            Some(n) if n == "conn_list" => 0,
            Some(n) if n == "column_names" => 1,
            Some(n) => {
                cx.error(
                    a.name.as_ref().map_or(a.value.span(), |i| i.span()),
                    format!("`from_list` has no argument `{n}`; expected one of `conn_list`, `column_names`"),
                );
                continue;
            }
        };
        let target = match slot {
            0 => &mut list,
            1 => &mut names,
            _ => {
                cx.error(a.value.span(), "`from_list` takes 2 arguments");
                continue;
            }
        };
        if target.is_some() {
            let n = if slot == 0 { "conn_list" } else { "column_names" };
            cx.error(a.value.span(), format!("argument `{n}` of `from_list` is given twice"));
        }
        *target = Some(&a.value);
    }
    let Some(list) = list else {
        return cx.error(call.span, "`from_list` needs argument `conn_list`");
    };
    // The synapse type's per-connection attributes.
    let synapse = match &c.synapse {
        None => Some(schema::call(schema::SYNAPSES, "static").expect("static is listed")),
        Some(s) => schema::call(schema::SYNAPSES, &s.name.to_string()),
    };
    let table = synapse.and_then(|s| schema::synapse_table(s.pynn));
    let mut allowed = vec!["weight", "delay"];
    allowed.extend(table.iter().flat_map(|t| t.parameters.iter().map(|p| p.name)));
    let mut columns: Vec<Option<Expect>> = Vec::new();
    let mut written_names: Vec<String> = Vec::new();
    match names {
        Some(Value::Array { elems, .. }) => {
            for e in elems {
                let (name, span) = match e {
                    Value::Rust { expr, span, unit: None } => (expr.to_string(), *span),
                    Value::Str(s) => (s.value(), s.span()),
                    other => {
                        cx.error(other.span(), "a column name is an attribute of the synapse, e.g. `weight`");
                        continue;
                    }
                };
                let known = synapse.is_none() || allowed.contains(&name.as_str());
                if written_names.contains(&name) {
                    cx.error(span, format!("column `{name}` is given twice"));
                } else if !known {
                    cx.error(
                        span,
                        format!(
                            "`{}` has no attribute `{name}` for a `from_list` column{}",
                            synapse.map_or("the synapse type", |s| s.name),
                            hint(&name, allowed.iter().copied())
                        ),
                    );
                }
                // No checks of the values of an unknown column (one error).
                columns.push(match name.as_str() {
                    _ if !known => None,
                    "weight" => Some(Expect::Weight(rule)),
                    "delay" => Some(Expect::Delay),
                    n => table.and_then(|t| t.parameter(n)).map(|spec| Expect::Param(*spec)),
                });
                written_names.push(name);
            }
        }
        Some(other) => {
            return cx.error(other.span(), "`column_names` is a list of attributes, e.g. `[weight, delay, U]`");
        }
        None => {}
    }
    let Value::Array { elems, .. } = list else {
        if !matches!(list, Value::Rust { unit: None, .. }) {
            cx.error(list.span(), "a connection list is `[(pre, post, ...), ...]`");
        }
        return;
    };
    for e in elems {
        let Value::Tuple { elems: t, span } = e else {
            cx.error(e.span(), "expected a connection `(pre, post, ...)`, one value per column after the indices");
            continue;
        };
        if t.len() != 2 + columns.len() {
            cx.error(
                *span,
                format!(
                    "this connection has {} values; with column_names = [{}] each is `(pre, post{})`",
                    t.len(),
                    written_names.join(", "),
                    written_names.iter().map(|n| format!(", {n}")).collect::<String>()
                ),
            );
            continue;
        }
        for (x, side) in [(&t[0], "pre"), (&t[1], "post")] {
            check_value(cx, x, &Expect::Int, &format!("a {side}-synaptic index"));
            if let Value::Number(n) = x
                && n.is_int
                && n.value < 0.0
            {
                cx.spanned(
                    &n.tokens,
                    format!("`from_list`: negative {side}-synaptic index {}; cells are numbered from 0", written(n)),
                );
            }
        }
        for ((x, expect), name) in t[2..].iter().zip(&columns).zip(&written_names) {
            let Some(expect) = expect else { continue };
            match x {
                Value::Number(_) | Value::Rust { .. } => {
                    check_value(cx, x, expect, &format!("`{name}`"));
                    if let (Expect::Param(spec), Some(table)) = (expect, table) {
                        check_domain(cx, x, spec, table.name);
                    }
                }
                other => cx.error(other.span(), format!("a value of column `{name}` is a number")),
            }
        }
    }
    let list_arg = &schema::call(schema::CONNECTORS, "from_list").expect("from_list is listed").args[0];
    check_connector_sizes(cx, c, &[(list_arg, Some(list))], pops);
}

/// `record SOURCE: i;`: the current of a named current source. Returns
/// whether `r` records a source.
pub(super) fn check_record_source(cx: &mut Ctxt, r: &Record, pops: &BTreeMap<String, PopInfo<'_>>) -> bool {
    let source = match r.cells.parts.as_slice() {
        [part] if part.index.is_none() => {
            let name = part.pop.to_string();
            if pops.contains_key(&name) || !cx.sources_all.contains(&name) {
                return false;
            }
            &part.pop
        }
        _ => return false,
    };
    for var in r.vars.iter().filter(|v| *v != "i") {
        cx.error(
            var.span(),
            format!("`{source}` is a current source: it records `i` (the injected current, nA), not `{var}`"),
        );
    }
    if let Some(every) = &r.every {
        cx.error(
            every.span(),
            format!("the current of source `{source}` is recorded at every time step; remove `every`"),
        );
    }
    if let Some((kw, _)) = &r.file {
        cx.error(
            kw.span(),
            format!(
                "the current of source `{source}` cannot be written with `to`; read it with `net.{source}.get_data()`"
            ),
        );
    }
    true
}

/// `record CELLS: vars to "file.npz";`: a file name (or `{ expr }`); not
/// for the weights of a projection.
pub(super) fn check_record_file(cx: &mut Ctxt, r: &Record, projection: bool) {
    let Some((kw, file)) = &r.file else { return };
    if projection {
        return cx.error(
            kw.span(),
            "the weights of a projection cannot be written with `to`; read them with `weight_history()`",
        );
    }
    check_value(cx, file, &Expect::File, "the file of `to`");
    if let Value::Str(s) = file
        && s.value().is_empty()
    {
        cx.error(s.span(), "the file name is empty");
    }
}

/// The rules `Structure::generate_positions` applies when `build` runs, on
/// literal values: a grid's aspect ratios fit the literal size (PyNN's
/// `Grid2D`/`Grid3D` rule, pynn-core's wording), a random structure's box
/// extents and sphere radius are >= 0.
pub(super) fn check_structure(
    cx: &mut Ctxt,
    call: &Call,
    args: &[(&'static Arg, Option<&Value>)],
    size: Option<usize>,
) {
    let get = |name: &str| args.iter().find(|(a, _)| a.name == name).and_then(|(_, v)| *v);
    // A literal number (in PyNN's unit), the default when not given.
    let lit = |name: &str, default: f64| match get(name) {
        None => Some((default, None)),
        Some(Value::Number(n)) if n.value.is_finite() => Some((in_pynn_unit(n), Some(n))),
        Some(_) => None,
    };
    let at = |cx: &mut Ctxt, n: Option<&Number>, msg: String| match n {
        Some(n) => cx.spanned(number_tokens(n), msg),
        None => cx.error(call.span, msg),
    };
    match call.name.to_string().as_str() {
        "grid2d" => {
            let (Some((ar, tok)), Some(n)) = (lit("aspect_ratio", 1.0), size) else { return };
            let nx = (n as f64 * ar).sqrt();
            let nxr = nx.round();
            if !(ar > 0.0) || (nx - nxr).abs() > 1e-9 * nx.max(1.0) || nxr < 1.0 || n % (nxr as usize) != 0 {
                at(
                    cx,
                    tok,
                    format!(
                        "Grid2D: invalid value {} for n = {n} for `aspect_ratio`; sqrt(n * aspect_ratio) must be a whole number dividing n",
                        fmt(ar)
                    ),
                );
            }
        }
        "grid3d" => {
            let (Some((a, ta)), Some((b, tb)), Some(n)) =
                (lit("aspect_ratio_xy", 1.0), lit("aspect_ratio_xz", 1.0), size)
            else {
                return;
            };
            let tok = ta.or(tb);
            if !(a > 0.0 && b > 0.0) {
                return at(
                    cx,
                    tok,
                    format!("Grid3D: invalid value ({}, {}) for `aspect_ratios`; both > 0", fmt(a), fmt(b)),
                );
            }
            let nx = (n as f64 * a * b).cbrt().round();
            let (ny, nz) = ((nx / a).round(), (nx / b).round());
            if (nx * ny * nz) as usize != n {
                at(
                    cx,
                    tok,
                    format!(
                        "Grid3D: invalid value ({}, {}) for n = {n} for `aspect_ratios`; nx * ny * nz must equal n (got {nx} x {ny} x {nz})",
                        fmt(a),
                        fmt(b)
                    ),
                );
            }
        }
        "random" => {
            let Some(Value::Random(shape)) = get("boundary") else { return };
            for a in &shape.args {
                if let Value::Number(n) = &a.value
                    && n.value < 0.0
                {
                    let what = match (&a.name, shape.name.to_string().as_str()) {
                        (Some(name), _) => name.to_string(),
                        (None, "sphere") => "radius".to_string(),
                        (None, _) => "width, height, depth".to_string(),
                    };
                    let allowed = if shape.name == "sphere" { "a finite radius >= 0" } else { "finite extents >= 0" };
                    cx.spanned(
                        number_tokens(n),
                        format!("RandomStructure: invalid value {} for `{what}`; {allowed}", written(n)),
                    );
                }
            }
        }
        _ => {}
    }
}

/// The rest of `RandomDistribution::validate`'s rules on literal
/// parameters (`check_distribution` has `sigma` and the bounds): `kappa >= 0`
/// (`vonmises`), `beta`, `k`, `theta`, `lambda` > 0 and lognormal
/// `mu < 709` (exp(mu) finite), in the core's wording.
pub(super) fn check_distribution_domain(cx: &mut Ctxt, call: &Call, args: &[(&'static Arg, Option<&Value>)]) {
    let name = call.name.to_string();
    for (arg, v) in args {
        let Some(Value::Number(n)) = v else { continue };
        if !n.value.is_finite() {
            continue;
        }
        let allowed = match (name.as_str(), arg.name) {
            ("vonmises", "kappa") if n.value < 0.0 => "a finite number >= 0",
            ("exponential", "beta") | ("gamma", "k" | "theta") | ("poisson", "lambda") if n.value <= 0.0 => {
                "a finite number > 0"
            }
            ("lognormal", "mu") if n.value >= 709.0 => "a finite number < 709 (exp(mu) must be finite)",
            _ => continue,
        };
        cx.spanned(
            number_tokens(n),
            format!("RandomDistribution {name}: invalid value {} for `{}`; {allowed}", written(n), arg.name),
        );
    }
}
