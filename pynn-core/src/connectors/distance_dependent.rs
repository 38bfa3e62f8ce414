use super::{ConnectContext, Connector, ConnectorOutput, RowSide, check_probability};
use crate::error::Result;
use rand::RngExt;
use std::sync::Arc;

/// Row-parallel Bernoulli connection with probability `p(i, j)`: row `i`
/// draws one uniform number per post cell from sub-stream `i` and connects
/// where it is `< p(i, j)`. Probabilities outside [0, 1] (or NaN) are errors.
pub(crate) fn probability_rows(
    ctx: &ConnectContext<'_>,
    connector: &str,
    allow_self_connections: bool,
    p: impl Fn(usize, usize) -> f64 + Sync,
) -> Result<ConnectorOutput> {
    let n_post = ctx.post.len();
    let rows = ctx.rows(ctx.pre.len(), "connect", |i, rng| {
        let mut row = Vec::new();
        for j in 0..n_post {
            let u: f64 = rng.random();
            let pij = check_probability(ctx, connector, p(i, j), || format!("for pre cell {i}, post cell {j}"))?;
            if u < pij && (allow_self_connections || !ctx.is_self(i, j)) {
                row.push(j as u32);
            }
        }
        Ok(row)
    })?;
    ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
}

/// Connects each pair with a probability that is a function of the distance
/// between the cells in the projection's [`Space`](crate::space::Space)
/// (PyNN's `DistanceDependentProbabilityConnector`, with a Rust closure
/// instead of PyNN's expression string in `d`).
///
/// ```
/// # use pynn_core::connectors::DistanceDependentProbabilityConnector;
/// let c = DistanceDependentProbabilityConnector::new(|d| (-d / 5.0).exp());
/// ```
#[derive(Clone)]
pub struct DistanceDependentProbabilityConnector {
    /// Probability as a function of distance; must return values in [0, 1].
    pub d_expression: Arc<dyn Fn(f64) -> f64 + Send + Sync>,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
}

impl std::fmt::Debug for DistanceDependentProbabilityConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DistanceDependentProbabilityConnector(allow_self_connections={})", self.allow_self_connections)
    }
}

impl DistanceDependentProbabilityConnector {
    /// Probability `d_expression(d)`, self-connections allowed.
    pub fn new(d_expression: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Self {
        DistanceDependentProbabilityConnector { d_expression: Arc::new(d_expression), allow_self_connections: true }
    }
}

impl Connector for DistanceDependentProbabilityConnector {
    fn name(&self) -> &'static str {
        "DistanceDependentProbabilityConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        probability_rows(ctx, self.name(), self.allow_self_connections, |i, j| (self.d_expression)(ctx.distance(i, j)))
    }
}
