use super::{ConnectContext, Connector, ConnectorOutput};
use crate::error::{Error, Result};

/// Connections given explicitly as (pre position, post position) pairs,
/// optionally with per-connection values of synaptic attributes (PyNN's
/// `FromListConnector`). Duplicates are allowed (multapses).
///
/// ```
/// # use pynn_core::connectors::FromListConnector;
/// let c = FromListConnector::from_rows(
///     &[vec![0.0, 1.0, 0.5, 1.5], vec![2.0, 0.0, 0.25, 2.0]],
///     Some(&["weight", "delay"]),
/// )?;
/// assert_eq!(c.column_names(), vec!["weight", "delay"]);
/// # Ok::<(), pynn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FromListConnector {
    conns: Vec<(usize, usize)>,
    columns: Vec<(String, Vec<f64>)>,
}

impl FromListConnector {
    /// Pairs only: weights and delays come from the synapse type.
    pub fn new(conns: Vec<(usize, usize)>) -> Self {
        FromListConnector { conns, columns: Vec::new() }
    }

    /// Pairs with a weight and a delay each (`(i, j, weight, delay)`).
    pub fn with_weights_and_delays(conns: Vec<(usize, usize, f64, f64)>) -> Self {
        FromListConnector {
            conns: conns.iter().map(|c| (c.0, c.1)).collect(),
            columns: vec![
                ("weight".into(), conns.iter().map(|c| c.2).collect()),
                ("delay".into(), conns.iter().map(|c| c.3).collect()),
            ],
        }
    }

    /// Pairs with a weight each (`(i, j, weight)`); delays from the synapse type.
    pub fn with_weights(conns: Vec<(usize, usize, f64)>) -> Self {
        FromListConnector {
            conns: conns.iter().map(|c| (c.0, c.1)).collect(),
            columns: vec![("weight".into(), conns.iter().map(|c| c.2).collect())],
        }
    }

    /// PyNN's `FromListConnector(conn_list, column_names)`: rows
    /// `(i, j, p1, ..., pn)` with `i`, `j` whole numbers >= 0. With
    /// `column_names = None`, rows of 2 values carry no attribute and rows
    /// of 4 values are `(i, j, weight, delay)`, as in PyNN.
    pub fn from_rows(conn_list: &[Vec<f64>], column_names: Option<&[&str]>) -> Result<Self> {
        let object = "FromListConnector";
        let width = conn_list.first().map_or(2, Vec::len);
        let names: Vec<String> = match column_names {
            Some(n) => n.iter().map(|s| s.to_string()).collect(),
            None => match width {
                2 => Vec::new(),
                4 => vec!["weight".into(), "delay".into()],
                w => {
                    return Err(Error::invalid_value(
                        object,
                        "conn_list",
                        format!("rows of {w} values"),
                        "rows of 2 (i, j) or 4 (i, j, weight, delay) values, or give column_names",
                    ));
                }
            },
        };
        for (k, n) in names.iter().enumerate() {
            if n == "i" || n == "j" || names[..k].contains(n) {
                return Err(Error::invalid_value(
                    object,
                    "column_names",
                    n,
                    "distinct attribute names other than i and j",
                ));
            }
        }
        let mut conns = Vec::with_capacity(conn_list.len());
        let mut columns: Vec<(String, Vec<f64>)> =
            names.into_iter().map(|n| (n, Vec::with_capacity(conn_list.len()))).collect();
        for (r, row) in conn_list.iter().enumerate() {
            if row.len() != 2 + columns.len() {
                return Err(Error::LengthMismatch {
                    object: format!("{object} row {r}"),
                    what: "row (i, j and one value per column)".into(),
                    expected: 2 + columns.len(),
                    found: row.len(),
                });
            }
            let idx = |x: f64, side: &str| -> Result<usize> {
                if x >= 0.0 && x.fract() == 0.0 && x < u32::MAX as f64 {
                    Ok(x as usize)
                } else {
                    Err(Error::invalid_value(
                        format!("{object} row {r}"),
                        side,
                        x,
                        "a cell position: a whole number >= 0",
                    ))
                }
            };
            conns.push((idx(row[0], "i")?, idx(row[1], "j")?));
            for (c, col) in columns.iter_mut().enumerate() {
                col.1.push(row[2 + c]);
            }
        }
        Ok(FromListConnector { conns, columns })
    }

    /// The (pre, post) position pairs.
    pub fn conns(&self) -> &[(usize, usize)] {
        &self.conns
    }

    /// Names of the per-connection attribute columns.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.0.as_str()).collect()
    }

    /// Values of column `name`, if present.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find(|c| c.0 == name).map(|c| c.1.as_slice())
    }
}

impl Connector for FromListConnector {
    fn name(&self) -> &'static str {
        "FromListConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        for (k, (i, j)) in self.conns.iter().enumerate() {
            for (idx, size, side) in [(*i, ctx.pre.len(), "pre"), (*j, ctx.post.len(), "post")] {
                if idx >= size {
                    return Err(Error::IndexOutOfRange {
                        object: format!("{}: {} entry {k} ({side})", ctx.object, self.name()),
                        index: idx,
                        size,
                    });
                }
            }
        }
        let mut out = ConnectorOutput {
            pre: self.conns.iter().map(|c| c.0 as u32).collect(),
            post: self.conns.iter().map(|c| c.1 as u32).collect(),
            ..Default::default()
        };
        for (name, values) in &self.columns {
            match name.as_str() {
                "weight" => out.weight = Some(values.clone()),
                "delay" => out.delay = Some(values.clone()),
                _ => out.columns.push((name.clone(), values.clone())),
            }
        }
        Ok(out)
    }
}
