//! Parameter values, parameter schemas and per-cell parameter tables.
//!
//! A parameter is given as any [`Value`] (a scalar, a per-cell array, a
//! random distribution, a function of the cell index, or a sequence for
//! array-valued parameters such as `spike_times`) and stored resolved, one
//! value per cell, in a [`ParamTable`] in PyNN's units.

use crate::error::{Error, Result};
use crate::random::{RandomDistribution, SimRng};
use std::fmt;
use std::sync::Arc;

/// A value given for a parameter, initial value or synaptic attribute.
#[derive(Clone)]
pub enum Value {
    /// The same number for every cell / connection.
    Scalar(f64),
    /// One number per cell (population parameters) or per connection /
    /// per (pre, post) pair (synaptic attributes). For a sequence-valued
    /// parameter (e.g. `spike_times`) an array is one sequence for every cell.
    Array(Vec<f64>),
    /// Values drawn from a distribution with the session's keyed streams.
    Random(RandomDistribution),
    /// A function of the cell index (population parameters) or of the
    /// distance between pre- and post-synaptic cell (synaptic attributes).
    Function(Arc<dyn Fn(f64) -> f64 + Send + Sync>),
    /// One sequence per cell, for sequence-valued parameters.
    Sequences(Vec<Vec<f64>>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar(x) => write!(f, "{x}"),
            Value::Array(a) => write!(f, "array of {} values", a.len()),
            Value::Random(r) => write!(f, "RandomDistribution({})", r.name()),
            Value::Function(_) => write!(f, "function"),
            Value::Sequences(s) => write!(f, "{} sequences", s.len()),
        }
    }
}

impl Value {
    /// A function value.
    pub fn function(f: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        Value::Function(Arc::new(f))
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Scalar(x)
    }
}
impl From<i32> for Value {
    fn from(x: i32) -> Self {
        Value::Scalar(f64::from(x))
    }
}
impl From<Vec<f64>> for Value {
    fn from(x: Vec<f64>) -> Self {
        Value::Array(x)
    }
}
impl From<&[f64]> for Value {
    fn from(x: &[f64]) -> Self {
        Value::Array(x.to_vec())
    }
}
impl<const N: usize> From<[f64; N]> for Value {
    fn from(x: [f64; N]) -> Self {
        Value::Array(x.to_vec())
    }
}
impl From<Vec<Vec<f64>>> for Value {
    fn from(x: Vec<Vec<f64>>) -> Self {
        Value::Sequences(x)
    }
}
impl From<RandomDistribution> for Value {
    fn from(x: RandomDistribution) -> Self {
        Value::Random(x)
    }
}

/// The schema types live in the dependency-free crate `pynn-schema`, shared
/// with the `network!` macro; they are re-exported here, at their usual paths.
pub use pynn_schema::{Domain, ParamKind, ParamSpec};

/// The resolved values of one parameter for a set of cells.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// One number per cell.
    Scalar(Vec<f64>),
    /// One sequence per cell.
    Sequence(Vec<Vec<f64>>),
}

impl Column {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            Column::Scalar(v) => v.len(),
            Column::Sequence(v) => v.len(),
        }
    }
    /// True if there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The numbers, if this is a scalar column.
    pub fn as_scalar(&self) -> Option<&[f64]> {
        match self {
            Column::Scalar(v) => Some(v),
            Column::Sequence(_) => None,
        }
    }
    /// The sequences, if this is a sequence column.
    pub fn as_sequence(&self) -> Option<&[Vec<f64>]> {
        match self {
            Column::Sequence(v) => Some(v),
            Column::Scalar(_) => None,
        }
    }
}

/// Resolves a [`Value`] for the cells at `indices` (indices in the parent
/// population; functions are called with the index).
///
/// `rng` is called at most once, only for random values.
pub fn resolve(
    value: &Value,
    spec: &ParamSpec,
    object: &dyn fmt::Display,
    indices: &[usize],
    rng: &mut dyn FnMut(&RandomDistribution) -> SimRng,
) -> Result<Column> {
    let n = indices.len();
    let col = match (spec.kind, value) {
        (ParamKind::Scalar, Value::Scalar(x)) => Column::Scalar(vec![*x; n]),
        (ParamKind::Scalar, Value::Array(a)) => {
            if a.len() != n {
                return Err(Error::LengthMismatch {
                    object: object.to_string(),
                    what: format!("array for `{}`", spec.name),
                    expected: n,
                    found: a.len(),
                });
            }
            Column::Scalar(a.clone())
        }
        (ParamKind::Scalar, Value::Random(d)) => Column::Scalar(d.sample_n(&mut rng(d), n)?),
        (ParamKind::Scalar, Value::Function(f)) => Column::Scalar(indices.iter().map(|i| f(*i as f64)).collect()),
        (ParamKind::Sequence, Value::Array(a)) => Column::Sequence(vec![a.clone(); n]),
        (ParamKind::Sequence, Value::Sequences(s)) => {
            if s.len() != n {
                return Err(Error::LengthMismatch {
                    object: object.to_string(),
                    what: format!("list of sequences for `{}`", spec.name),
                    expected: n,
                    found: s.len(),
                });
            }
            Column::Sequence(s.clone())
        }
        (ParamKind::Scalar, Value::Sequences(_)) => {
            return Err(Error::invalid_value(object, spec.name, format!("{value:?}"), spec.domain.describe()));
        }
        (ParamKind::Sequence, other) => {
            return Err(Error::invalid_value(
                object,
                spec.name,
                format!("{other:?}"),
                "a sequence (array) for every cell, or one sequence per cell",
            ));
        }
    };
    check_column(&col, spec, object, indices)?;
    Ok(col)
}

fn check_column(col: &Column, spec: &ParamSpec, object: &dyn fmt::Display, indices: &[usize]) -> Result<()> {
    match col {
        Column::Scalar(v) => {
            if let Some((k, x)) = v.iter().enumerate().find(|(_, x)| !spec.domain.check_scalar(**x)) {
                return Err(Error::invalid_value(
                    format!("{object}, cell {}", indices.get(k).copied().unwrap_or(k)),
                    spec.name,
                    crate::error::fmt_num(*x),
                    spec.domain.describe(),
                ));
            }
        }
        Column::Sequence(v) => {
            if let Some((k, s)) = v.iter().enumerate().find(|(_, s)| !spec.domain.check_sequence(s)) {
                return Err(Error::invalid_value(
                    format!("{object}, cell {}", indices.get(k).copied().unwrap_or(k)),
                    spec.name,
                    format!("{s:?}"),
                    spec.domain.describe(),
                ));
            }
        }
    }
    Ok(())
}

/// Per-cell values of every parameter (or state variable) of a population,
/// in PyNN's units, in the order of the model's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamTable {
    specs: &'static [ParamSpec],
    columns: Vec<Column>,
    size: usize,
}

impl ParamTable {
    /// A table of `size` cells holding every default value of `specs`.
    pub fn defaults(specs: &'static [ParamSpec], size: usize) -> Self {
        let columns = specs
            .iter()
            .map(|s| match s.kind {
                ParamKind::Scalar => Column::Scalar(vec![s.default; size]),
                ParamKind::Sequence => Column::Sequence(vec![Vec::new(); size]),
            })
            .collect();
        ParamTable { specs, columns, size }
    }

    /// The schema.
    pub fn specs(&self) -> &'static [ParamSpec] {
        self.specs
    }

    /// Number of cells.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Position of `name` in the schema.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }

    /// The column of `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.position(name).map(|k| &self.columns[k])
    }

    /// The per-cell numbers of scalar parameter `name`.
    ///
    /// # Panics
    /// If `name` is not a scalar parameter of the schema (a programming error
    /// in a backend, never a user input).
    pub fn scalar(&self, name: &str) -> &[f64] {
        self.column(name)
            .and_then(Column::as_scalar)
            .unwrap_or_else(|| panic!("`{name}` is not a scalar parameter of this schema"))
    }

    /// The per-cell sequences of sequence parameter `name`.
    ///
    /// # Panics
    /// If `name` is not a sequence parameter of the schema.
    pub fn sequence(&self, name: &str) -> &[Vec<f64>] {
        self.column(name)
            .and_then(Column::as_sequence)
            .unwrap_or_else(|| panic!("`{name}` is not a sequence parameter of this schema"))
    }

    /// Writes resolved values for the cells at `indices`.
    pub fn assign(&mut self, name: &str, indices: &[usize], values: Column) {
        let Some(k) = self.position(name) else { return };
        match (&mut self.columns[k], values) {
            (Column::Scalar(dst), Column::Scalar(src)) => {
                for (i, v) in indices.iter().zip(src) {
                    dst[*i] = v;
                }
            }
            (Column::Sequence(dst), Column::Sequence(src)) => {
                for (i, v) in indices.iter().zip(src) {
                    dst[*i] = v;
                }
            }
            _ => {}
        }
    }

    /// Looks up `name`, with a helpful error if it is not in the schema.
    pub fn spec(&self, name: &str, object: &dyn fmt::Display, kind: &'static str) -> Result<&'static ParamSpec> {
        self.specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| Error::unknown_name(object, kind, name, self.specs.iter().map(|s| s.name)))
    }
}
