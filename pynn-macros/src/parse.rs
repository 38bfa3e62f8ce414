//! Tokens to [`crate::ast`]. Parsing only: no name resolution, no units, no
//! code. A statement with a syntax error is skipped up to its `;` and
//! parsing continues, so that all syntax errors are reported at once.

use crate::ast::*;
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Result, Token, Visibility, bracketed, parenthesized, token};

impl Parse for Network {
    fn parse(input: ParseStream) -> Result<Self> {
        let attrs = Attribute::parse_outer(input)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Token![struct]) {
            return Err(input.error(
                "expected `struct NAME;` first: `network!` expands into a struct named here, e.g. `pub struct Va;`",
            ));
        }
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![;]>()?;
        let mut items = Vec::new();
        let mut syntax_errors = Vec::new();
        while !input.is_empty() {
            // Each statement is parsed from its own tokens, so that a syntax
            // error in one (even inside a group) does not stop the others.
            let tokens = statement_tokens(input)?;
            parse_statements(tokens.into_iter().collect(), &mut items, &mut syntax_errors);
        }
        Ok(Network { attrs, vis, name, items, syntax_errors })
    }
}

/// The tokens of the next statement: up to and including the next
/// top-level `;`, or `setup { ... }` with an optional `;`.
fn statement_tokens(input: ParseStream) -> Result<TokenStream> {
    let mut out = TokenStream::new();
    let is_setup = input.fork().call(Attribute::parse_outer).is_ok() && {
        let f = input.fork();
        let _ = f.call(Attribute::parse_outer);
        f.call(Ident::parse_any).map(|i| i == "setup" || i == "backend").unwrap_or(false) && f.peek(token::Brace)
    };
    if is_setup {
        for _ in 0..Attribute::parse_outer(&input.fork())?.len() {
            out.extend([input.parse::<TokenTree>()?, input.parse::<TokenTree>()?]);
        }
        out.extend([input.parse::<TokenTree>()?, input.parse::<TokenTree>()?]);
        if input.peek(Token![;]) {
            out.extend([input.parse::<TokenTree>()?]);
        }
        return Ok(out);
    }
    while !input.is_empty() {
        let end = input.peek(Token![;]);
        out.extend([input.parse::<TokenTree>()?]);
        if end {
            break;
        }
    }
    Ok(out)
}

/// The statement keywords, where a statement missing its `;` is split.
const KEYWORDS: &[&str] = &["setup", "pop", "connect", "inject", "record", "backend"];

/// Parses the tokens of one statement. When they do not parse, a missing
/// `;` is looked for: before a statement keyword inside them (two
/// statements run together) or at their end (the last statement); the
/// statement(s) are then kept and the error points at the token that
/// should be followed by `;`, so that no statement is lost to it.
fn parse_statements(mut rest: Vec<TokenTree>, items: &mut Vec<Item>, errors: &mut Vec<syn::Error>) {
    let parse = |t: &[TokenTree]| syn::parse::Parser::parse2(parse_item, t.iter().cloned().collect());
    let with_semi = |t: &[TokenTree]| {
        let mut v = t.to_vec();
        let mut semi = proc_macro2::Punct::new(';', proc_macro2::Spacing::Alone);
        semi.set_span(t.last().map_or_else(proc_macro2::Span::call_site, TokenTree::span));
        v.push(TokenTree::Punct(semi));
        v
    };
    let missing = |t: &TokenTree, next: Option<&TokenTree>| {
        let after = match next {
            Some(n) => format!(" (before `{n}`)"),
            None => " (the last statement needs one too)".to_string(),
        };
        let span = match t {
            TokenTree::Group(g) => g.span_close(),
            t => t.span(),
        };
        syn::Error::new(span, format!("expected `;` after this statement{after}"))
    };
    'statements: loop {
        let first_error = match parse(&rest) {
            Ok(item) => return items.push(item),
            Err(e) => e,
        };
        // Split points: a keyword at top level, preceded by its attributes.
        for k in 1..rest.len() {
            let TokenTree::Ident(id) = &rest[k] else { continue };
            if !KEYWORDS.iter().any(|kw| id == kw) {
                continue;
            }
            let mut start = k;
            while start >= 2
                && matches!(&rest[start - 2], TokenTree::Punct(p) if p.as_char() == '#')
                && matches!(&rest[start - 1], TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Bracket)
            {
                start -= 2;
            }
            if start == 0 || matches!(&rest[start - 1], TokenTree::Punct(p) if p.as_char() == ';') {
                continue;
            }
            let head = &rest[..start];
            let is_setup = matches!(&head[0], TokenTree::Ident(i) if i == "setup" || i == "backend");
            let parsed = if is_setup { parse(head) } else { parse(&with_semi(head)) };
            if let Ok(item) = parsed {
                items.push(item);
                if !is_setup {
                    errors.push(missing(&rest[start - 1], Some(&rest[k])));
                }
                rest = rest.split_off(start);
                continue 'statements;
            }
        }
        let ends_with_semi = matches!(rest.last(), Some(TokenTree::Punct(p)) if p.as_char() == ';');
        if !ends_with_semi
            && let Some(last) = rest.last()
            && let Ok(item) = parse(&with_semi(&rest))
        {
            items.push(item);
            errors.push(missing(last, None));
            return;
        }
        return errors.push(first_error);
    }
}

fn keyword(input: ParseStream) -> Result<Ident> {
    Ident::parse_any(input)
}

fn peek_named(input: ParseStream) -> bool {
    input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) && !input.peek2(Token![=>])
}

fn parse_item(input: ParseStream) -> Result<Item> {
    let attrs = Attribute::parse_outer(input)?;
    let kw = keyword(input).map_err(|e| {
        syn::Error::new(e.span(), "expected a statement: `setup`, `pop`, `connect`, `inject` or `record`")
    })?;
    match kw.to_string().as_str() {
        "setup" => {
            let content;
            syn::braced!(content in input);
            let entries = parse_assignments(&content)?;
            if input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
            }
            Ok(Item::Setup(Setup { keyword: kw, entries }))
        }
        "pop" => parse_pop(input, attrs).map(Item::Pop),
        "connect" => parse_connect(input, attrs, kw).map(Item::Connect),
        "inject" => parse_inject(input, attrs).map(Item::Inject),
        "record" => parse_record(input).map(Item::Record),
        "backend" => crate::models::parse_backends(input, kw).map(Item::Backend),
        _ => Err(syn::Error::new(
            kw.span(),
            format!("unknown statement `{kw}`; expected `setup`, `pop`, `connect`, `inject` or `record`"),
        )),
    }
}

fn parse_assignments(input: ParseStream) -> Result<Vec<Assign>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let name = Ident::parse_any(input)?;
        if !input.peek(Token![=]) {
            return Err(input.error(format!("expected `=`: write `{name} = value`")));
        }
        input.parse::<Token![=]>()?;
        let value = parse_value(input)?;
        out.push(Assign { name, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

fn parse_pop(input: ParseStream, attrs: Vec<Attribute>) -> Result<Pop> {
    let name: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let (cell, user) = crate::models::parse_cell_type(input)?;
    let content;
    parenthesized!(content in input);
    let size = parse_value(&content)?;
    let mut label = None;
    let mut structure = None;
    while content.peek(Token![,]) {
        content.parse::<Token![,]>()?;
        if content.is_empty() {
            break;
        }
        let key = Ident::parse_any(&content)?;
        if key == "label" {
            content.parse::<Token![=]>()?;
            label = Some(content.parse::<LitStr>()?);
        } else if key == "structure" {
            content.parse::<Token![=]>()?;
            structure = Some(parse_call(&content)?);
        } else {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown population option `{key}`; expected `label = \"...\"` or `structure = grid2d(...)`"),
            ));
        }
    }
    if !content.is_empty() {
        return Err(content.error("expected `,` or `)`"));
    }
    let mut params = Vec::new();
    if input.peek(token::Brace) {
        let block;
        syn::braced!(block in input);
        params = parse_assignments(&block)?;
    }
    let mut init = Vec::new();
    if input.peek(Ident::peek_any) && input.fork().call(Ident::parse_any)? == "init" {
        Ident::parse_any(input)?;
        let block;
        syn::braced!(block in input);
        init = parse_assignments(&block)?;
    }
    input.parse::<Token![;]>()?;
    Ok(Pop { attrs, name, cell, size, label, structure, params, init, user })
}

fn parse_connect(input: ParseStream, attrs: Vec<Attribute>, keyword: Ident) -> Result<Connect> {
    let name = if peek_named(input) {
        let n: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        Some(n)
    } else {
        None
    };
    let pre = parse_cells(input)?;
    if !input.peek(Token![->]) {
        return Err(input.error("expected `->` between the pre- and post-synaptic cells"));
    }
    input.parse::<Token![->]>()?;
    let post = parse_cells(input)?;
    let connector = parse_call(input)?;
    let synapse =
        if input.peek(Ident::peek_any) && input.peek2(token::Paren) { Some(parse_call(input)?) } else { None };
    let init = if input.peek(Ident::peek_any) && input.peek2(token::Brace) {
        let kw = Ident::parse_any(input)?;
        if kw != "init" {
            return Err(syn::Error::new(
                kw.span(),
                "expected `init { ... }` (initial values of the synapses' state), a receptor type or `;`",
            ));
        }
        let block;
        syn::braced!(block in input);
        Some((kw, parse_assignments(&block)?))
    } else {
        None
    };
    let receptor = if input.peek(Ident::peek_any) { Some(Ident::parse_any(input)?) } else { None };
    input.parse::<Token![;]>()?;
    Ok(Connect { attrs, name, keyword, pre, post, connector, synapse, init, receptor })
}

fn parse_inject(input: ParseStream, attrs: Vec<Attribute>) -> Result<Inject> {
    let name = if peek_named(input) {
        let n: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        Some(n)
    } else {
        None
    };
    let source = parse_call(input)?;
    let into = Ident::parse_any(input)?;
    if into != "into" {
        return Err(syn::Error::new(
            into.span(),
            "expected `into`, e.g. `inject dc(amplitude = 1 nA) into exc[0..5];`",
        ));
    }
    let target = parse_cells(input)?;
    input.parse::<Token![;]>()?;
    Ok(Inject { attrs, name, source, target })
}

fn parse_record(input: ParseStream) -> Result<Record> {
    let cells = parse_cells(input)?;
    if !input.peek(Token![:]) {
        return Err(input.error("expected `:` and the variables to record, e.g. `record exc: spikes, v;`"));
    }
    input.parse::<Token![:]>()?;
    let mut receptors = Vec::new();
    let mut vars = vec![crate::models::parse_variable(input, &mut receptors)?];
    // A trailing comma is accepted, as in every other list.
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.peek(Token![;])
            || input.is_empty()
            || (input.peek(Ident::peek_any) && input.fork().call(Ident::parse_any)? == "every")
        {
            break;
        }
        vars.push(crate::models::parse_variable(input, &mut receptors)?);
    }
    let mut every = None;
    if input.peek(Ident::peek_any) {
        let kw = Ident::parse_any(input)?;
        if kw != "every" {
            return Err(syn::Error::new(kw.span(), "expected `,`, `every` or `;`"));
        }
        every = Some(parse_value(input)?);
    }
    input.parse::<Token![;]>()?;
    Ok(Record { cells, vars, every, receptors })
}

fn parse_cells(input: ParseStream) -> Result<Cells> {
    let mut parts = vec![parse_part(input)?];
    while input.peek(Token![+]) {
        input.parse::<Token![+]>()?;
        parts.push(parse_part(input)?);
    }
    Ok(Cells { parts })
}

fn parse_part(input: ParseStream) -> Result<CellsPart> {
    let pop: Ident = input.parse()?;
    let index = if input.peek(token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        let expr: syn::Expr = content.parse()?;
        Some(match expr {
            syn::Expr::Range(r) => {
                if let syn::RangeLimits::Closed(t) = r.limits {
                    return Err(syn::Error::new_spanned(t, "use a half-open range `a..b`, as in PyNN's slices"));
                }
                Index::Range { start: r.start.map(|e| *e), end: r.end.map(|e| *e), span: bracket.span.join() }
            }
            e @ (syn::Expr::Array(_) | syn::Expr::Block(_)) => Index::Expr(e),
            e => Index::One(e),
        })
    } else {
        None
    };
    Ok(CellsPart { pop, index })
}

pub(crate) fn parse_call(input: ParseStream) -> Result<Call> {
    let name = Ident::parse_any(input)?;
    let mut args = Vec::new();
    let mut span = name.span();
    if input.peek(token::Paren) {
        let content;
        let paren = parenthesized!(content in input);
        span = paren.span.join();
        while !content.is_empty() {
            let arg_name = if peek_named(&content) {
                let n = Ident::parse_any(&content)?;
                content.parse::<Token![=]>()?;
                Some(n)
            } else {
                None
            };
            let value = parse_value(&content)?;
            args.push(CallArg { name: arg_name, value });
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
    }
    Ok(Call { name, args, span })
}

/// Parses a value: a number with an optional unit, `true`/`false`, an
/// array, a tuple, a random distribution, `{ expr }` or a path.
pub fn parse_value(input: ParseStream) -> Result<Value> {
    if input.peek(Token![-]) || input.peek(syn::LitInt) || input.peek(syn::LitFloat) {
        let mut tokens = TokenStream::new();
        let neg = if input.peek(Token![-]) {
            let m: Token![-] = input.parse()?;
            m.to_tokens(&mut tokens);
            true
        } else {
            false
        };
        let lit: syn::Lit = input.parse()?;
        lit.to_tokens(&mut tokens);
        let (digits, suffix, is_int) = match &lit {
            syn::Lit::Int(i) => (i.base10_digits().to_string(), i.suffix().to_string(), true),
            syn::Lit::Float(f) => (f.base10_digits().to_string(), f.suffix().to_string(), false),
            _ => {
                return Err(syn::Error::new_spanned(&tokens, "expected a number after `-`"));
            }
        };
        if !suffix.is_empty() {
            return Err(syn::Error::new_spanned(
                &lit,
                format!("remove the suffix `{suffix}`: write a unit after the number instead, e.g. `20 ms`"),
            ));
        }
        let value: f64 = digits.parse().map_err(|_| syn::Error::new_spanned(&lit, "not a number"))?;
        let value = if neg { -value } else { value };
        let unit = parse_unit(input)?;
        return Ok(Value::Number(Number { value, is_int, span: lit.span(), tokens, unit }));
    }
    if input.peek(syn::LitBool) {
        return Ok(Value::Bool(input.parse()?));
    }
    if input.peek(LitStr) {
        return Ok(Value::Str(input.parse()?));
    }
    if input.peek(token::Bracket) {
        let content;
        let b = bracketed!(content in input);
        let elems = content.parse_terminated(parse_value, Token![,])?.into_iter().collect();
        return Ok(Value::Array { elems, span: b.span.join() });
    }
    if input.peek(token::Paren) {
        let content;
        let p = parenthesized!(content in input);
        let elems = content.parse_terminated(parse_value, Token![,])?.into_iter().collect();
        return Ok(Value::Tuple { elems, span: p.span.join() });
    }
    if input.peek(token::Brace) {
        let content;
        let b = syn::braced!(content in input);
        let expr: TokenStream = content.parse()?;
        let unit = parse_unit(input)?;
        return Ok(Value::Rust { expr, span: b.span.join(), unit });
    }
    if input.peek(Ident) && input.peek2(token::Paren) {
        return Ok(Value::Random(parse_call(input)?));
    }
    if input.peek(Ident) || input.peek(Token![::]) {
        let path: syn::Path = input.parse()?;
        let span = path.segments.last().map(|s| s.ident.span()).unwrap_or_else(proc_macro2::Span::call_site);
        let expr = path.to_token_stream();
        let unit = parse_unit(input)?;
        return Ok(Value::Rust { expr, span, unit });
    }
    Err(input.error(
        "expected a value: a number with a unit (`20 ms`), `true`/`false`, `[...]`, a distribution (`uniform(a, b)`) or `{ rust expression }`",
    ))
}

fn parse_unit(input: ParseStream) -> Result<Option<Ident>> {
    if input.peek(Ident) && !input.peek2(token::Paren) { Ok(Some(input.parse()?)) } else { Ok(None) }
}
