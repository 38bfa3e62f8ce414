use super::{ConnectContext, Connector, ConnectorOutput};
use crate::error::{Error, Result};

/// Connections given explicitly as (pre position, post position) pairs,
/// optionally with a weight and a delay each (PyNN's `FromListConnector`).
///
/// Connections keep the list's order within each pre-synaptic row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FromListConnector {
    conns: Vec<(usize, usize)>,
    weights: Option<Vec<f64>>,
    delays: Option<Vec<f64>>,
}

impl FromListConnector {
    /// Pairs only: weights and delays come from the synapse type.
    pub fn new(conns: Vec<(usize, usize)>) -> Self {
        FromListConnector { conns, weights: None, delays: None }
    }

    /// Pairs with a weight and a delay each (`(i, j, weight, delay)`).
    pub fn with_weights_and_delays(conns: Vec<(usize, usize, f64, f64)>) -> Self {
        FromListConnector {
            conns: conns.iter().map(|c| (c.0, c.1)).collect(),
            weights: Some(conns.iter().map(|c| c.2).collect()),
            delays: Some(conns.iter().map(|c| c.3).collect()),
        }
    }

    /// Pairs with a weight each (`(i, j, weight)`); delays from the synapse type.
    pub fn with_weights(conns: Vec<(usize, usize, f64)>) -> Self {
        FromListConnector {
            conns: conns.iter().map(|c| (c.0, c.1)).collect(),
            weights: Some(conns.iter().map(|c| c.2).collect()),
            delays: None,
        }
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
                        object: format!("{}: FromListConnector entry {k} ({side})", ctx.object),
                        index: idx,
                        size,
                    });
                }
            }
        }
        let mut order: Vec<usize> = (0..self.conns.len()).collect();
        order.sort_by_key(|k| self.conns[*k].0);
        Ok(ConnectorOutput {
            pre: order.iter().map(|k| self.conns[*k].0 as u32).collect(),
            post: order.iter().map(|k| self.conns[*k].1 as u32).collect(),
            weight: self.weights.as_ref().map(|w| order.iter().map(|k| w[*k]).collect()),
            delay: self.delays.as_ref().map(|d| order.iter().map(|k| d[*k]).collect()),
        })
    }
}
