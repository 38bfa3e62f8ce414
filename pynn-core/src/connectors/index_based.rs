use super::distance_dependent::probability_rows;
use super::{ConnectContext, Connector, ConnectorOutput};
use crate::error::Result;
use std::sync::Arc;

/// Connects pre position `i` to post position `j` with probability
/// `index_expression(i, j)` (PyNN's `IndexBasedProbabilityConnector`).
#[derive(Clone)]
pub struct IndexBasedProbabilityConnector {
    /// Probability as a function of (pre position, post position); must
    /// return values in [0, 1].
    pub index_expression: Arc<dyn Fn(usize, usize) -> f64 + Send + Sync>,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
}

impl std::fmt::Debug for IndexBasedProbabilityConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IndexBasedProbabilityConnector(allow_self_connections={})", self.allow_self_connections)
    }
}

impl IndexBasedProbabilityConnector {
    /// Probability `index_expression(i, j)`, self-connections allowed.
    pub fn new(index_expression: impl Fn(usize, usize) -> f64 + Send + Sync + 'static) -> Self {
        IndexBasedProbabilityConnector { index_expression: Arc::new(index_expression), allow_self_connections: true }
    }
}

impl Connector for IndexBasedProbabilityConnector {
    fn name(&self) -> &'static str {
        "IndexBasedProbabilityConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        probability_rows(ctx, self.name(), self.allow_self_connections, |i, j| (self.index_expression)(i, j))
    }
}
