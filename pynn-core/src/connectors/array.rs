use super::{ConnectContext, Connector, ConnectorOutput, RowSide};
use crate::error::{Error, Result};

/// Connections given as a boolean `n_pre x n_post` matrix (PyNN's
/// `ArrayConnector`): `array[i][j]` connects pre position `i` to post
/// position `j`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayConnector {
    /// The adjacency matrix, one row per pre-synaptic cell.
    pub array: Vec<Vec<bool>>,
}

impl ArrayConnector {
    /// From an adjacency matrix.
    pub fn new(array: Vec<Vec<bool>>) -> Self {
        ArrayConnector { array }
    }
}

impl Connector for ArrayConnector {
    fn name(&self) -> &'static str {
        "ArrayConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let (n_pre, n_post) = (ctx.pre.len(), ctx.post.len());
        if self.array.len() != n_pre {
            return Err(Error::LengthMismatch {
                object: ctx.object.to_string(),
                what: "ArrayConnector rows (one per pre-synaptic cell)".into(),
                expected: n_pre,
                found: self.array.len(),
            });
        }
        if let Some((i, r)) = self.array.iter().enumerate().find(|(_, r)| r.len() != n_post) {
            return Err(Error::LengthMismatch {
                object: ctx.object.to_string(),
                what: format!("ArrayConnector row {i} (one entry per post-synaptic cell)"),
                expected: n_post,
                found: r.len(),
            });
        }
        let rows = self
            .array
            .iter()
            .map(|r| r.iter().enumerate().filter(|(_, b)| **b).map(|(j, _)| j as u32).collect())
            .collect();
        ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
    }
}
