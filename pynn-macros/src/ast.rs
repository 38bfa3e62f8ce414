//! The syntax tree of a `network!` invocation. Every node keeps the user's
//! tokens (identifiers, literals, groups), so every diagnostic points at
//! the smallest offending token.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, Ident, LitStr, Visibility};

/// A whole invocation.
pub struct Network {
    /// Attributes (doc comments, derives) on the struct.
    pub attrs: Vec<Attribute>,
    /// Visibility of the struct.
    pub vis: Visibility,
    /// Name of the generated struct.
    pub name: Ident,
    /// The statements, in source order.
    pub items: Vec<Item>,
    /// Syntax errors of statements that were skipped (parsing resumes at
    /// the next `;`, so that several mistakes are reported at once).
    pub syntax_errors: Vec<syn::Error>,
}

/// One statement.
pub enum Item {
    /// `setup { ... }`
    Setup(Setup),
    /// `pop NAME = CellType(size) { params } init { values };`
    Pop(Pop),
    /// `connect [NAME =] PRE -> POST connector(...) synapse(...) [receptor];`
    Connect(Connect),
    /// `inject [NAME =] source(...) into CELLS;`
    Inject(Inject),
    /// `record CELLS: var, var [every T];` (or `record PROJECTION: weight
    /// every T;`)
    Record(Record),
    /// `backend { native(ode_solver = rk4), nest(ranks = 2), ... }`
    Backend(Backends),
}

/// `backend { native(...), brian2(...), nest(...), neuron(...) }`: the
/// options of each backend (`Backend::Options`), checked in
/// [`crate::models`].
pub struct Backends {
    /// The `backend` keyword.
    pub keyword: Ident,
    /// One call per backend.
    pub entries: Vec<Call>,
}

/// `setup { key = value, ... }`
pub struct Setup {
    /// The `setup` keyword.
    pub keyword: Ident,
    /// Assignments.
    pub entries: Vec<Assign>,
}

/// `name = value`
#[derive(Clone)]
pub struct Assign {
    /// The name.
    pub name: Ident,
    /// The value.
    pub value: Value,
}

/// `pop NAME = CellType(size, label = "...") { params } init { values };`
pub struct Pop {
    /// Doc comments, copied onto the field.
    pub attrs: Vec<Attribute>,
    /// Name (a field of the struct, a local in `build`).
    pub name: Ident,
    /// Cell type.
    pub cell: Ident,
    /// Number of cells.
    pub size: Value,
    /// Label (default: the name).
    pub label: Option<LitStr>,
    /// `structure = grid2d(...)` (default: PyNN's `Line`).
    pub structure: Option<Call>,
    /// Parameters.
    pub params: Vec<Assign>,
    /// Initial values.
    pub init: Vec<Assign>,
    /// A Rust type named in angle brackets (`<Qif>`, `<models::MyCell>`): a
    /// user-defined or simulator-native cell type the macro has no table
    /// for (`cell` is then its last segment).
    pub user: Option<syn::Path>,
}

/// `connect [NAME =] PRE -> POST connector(...) [synapse(...) [init { ... }]] [receptor];`
pub struct Connect {
    /// Doc comments.
    pub attrs: Vec<Attribute>,
    /// Name, if the projection is kept as a field.
    pub name: Option<Ident>,
    /// The `connect` keyword (span of the statement).
    pub keyword: Ident,
    /// Pre-synaptic cells.
    pub pre: Cells,
    /// Post-synaptic cells.
    pub post: Cells,
    /// Connector.
    pub connector: Call,
    /// Synapse type (default `static()`).
    pub synapse: Option<Call>,
    /// Initial values of the synapses' state (`init { u = 0.5 }`), with the
    /// `init` keyword.
    pub init: Option<(Ident, Vec<Assign>)>,
    /// Receptor type (default: chosen from the sign of the weights).
    pub receptor: Option<Ident>,
}

/// `inject [NAME =] source(...) into CELLS;`
pub struct Inject {
    /// Doc comments.
    pub attrs: Vec<Attribute>,
    /// Name, if the source is kept as a field.
    pub name: Option<Ident>,
    /// The source.
    pub source: Call,
    /// Where it is injected.
    pub target: Cells,
}

/// `record CELLS: var, var [every T];`
pub struct Record {
    /// The cells.
    pub cells: Cells,
    /// Variables.
    pub vars: Vec<Ident>,
    /// Sampling interval of analog variables.
    pub every: Option<Value>,
    /// Per variable, the receptor of a dotted name (`AMPA.gsyn`: `AMPA`
    /// here, `gsyn` in `vars`).
    pub receptors: Vec<Option<Ident>>,
}

/// `a`, `a[0..10]`, `a[3]`, `a + b[0..5]`: a population, a view or an
/// assembly.
pub struct Cells {
    /// The parts, in order (one part: a population or a view).
    pub parts: Vec<CellsPart>,
}

/// One population or view of it.
pub struct CellsPart {
    /// The population.
    pub pop: Ident,
    /// The selection, if any.
    pub index: Option<Index>,
}

/// What `[...]` selects.
pub enum Index {
    /// `[a..b]`, `[a..]`, `[..b]`
    Range {
        /// Start (default 0).
        start: Option<syn::Expr>,
        /// End (exclusive; default: the size).
        end: Option<syn::Expr>,
        /// The brackets' span.
        span: Span,
    },
    /// `[i]`: one cell.
    One(syn::Expr),
    /// `[[i, j, k]]` or `[{expr}]`: a list or any `Into<Selector>`.
    Expr(syn::Expr),
}

/// `name(arg, name = arg, ...)`: a connector, synapse type, current source
/// or random distribution.
#[derive(Clone)]
pub struct Call {
    /// Its name.
    pub name: Ident,
    /// Arguments.
    pub args: Vec<CallArg>,
    /// Span of the parentheses (or the name when they are omitted).
    pub span: Span,
}

/// One argument of a [`Call`].
#[derive(Clone)]
pub struct CallArg {
    /// Name, if given as `name = value`.
    pub name: Option<Ident>,
    /// Value.
    pub value: Value,
}

/// A value.
#[derive(Clone)]
pub enum Value {
    /// `20`, `-60 mV`, `0.2 nF`: a number literal with an optional unit.
    Number(Number),
    /// `true`, `false`
    Bool(syn::LitBool),
    /// `"text"`: a file name.
    Str(LitStr),
    /// `[a, b, c]`
    Array {
        /// Elements.
        elems: Vec<Value>,
        /// The brackets.
        span: Span,
    },
    /// `(i, j, w, d)`: an entry of a connection list.
    Tuple {
        /// Elements.
        elems: Vec<Value>,
        /// The parentheses.
        span: Span,
    },
    /// `uniform(-60 mV, -50 mV)`: a random distribution.
    Random(Call),
    /// `{ rust expression }` or a path (a constant), with an optional unit.
    Rust {
        /// The expression.
        expr: TokenStream,
        /// Its span.
        span: Span,
        /// Unit written after it.
        unit: Option<Ident>,
    },
}

/// A number literal with an optional unit.
#[derive(Clone)]
pub struct Number {
    /// The value as written (sign included), before unit conversion.
    pub value: f64,
    /// Written as an integer literal.
    pub is_int: bool,
    /// The literal's span.
    pub span: Span,
    /// The minus sign (if any) and the literal, for diagnostics.
    pub tokens: TokenStream,
    /// The unit, if any.
    pub unit: Option<Ident>,
}

impl Value {
    /// Span of the whole value, for messages.
    pub fn span(&self) -> Span {
        match self {
            Value::Number(n) => n.span,
            Value::Bool(b) => b.span,
            Value::Str(s) => s.span(),
            Value::Array { span, .. } | Value::Tuple { span, .. } | Value::Rust { span, .. } => *span,
            Value::Random(c) => c.name.span(),
        }
    }
}
