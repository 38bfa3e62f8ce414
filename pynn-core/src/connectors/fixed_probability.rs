use super::{ConnectContext, Connector, ConnectorOutput, RowSide};
use crate::error::{Error, Result};
use rand::RngExt;

/// Connects each (pre, post) pair independently with probability `p_connect`
/// (PyNN's `FixedProbabilityConnector`; NEST's `pairwise_bernoulli`).
///
/// Row `i` (pre position `i`) draws from sub-stream `i` of the projection's
/// `"connect"` stream: one uniform number per post cell, in order, so the
/// result does not depend on how rows are spread over threads.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedProbabilityConnector {
    /// Connection probability, in [0, 1].
    pub p_connect: f64,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
}

impl FixedProbabilityConnector {
    /// Probability `p_connect`, self-connections allowed.
    pub fn new(p_connect: f64) -> Self {
        FixedProbabilityConnector { p_connect, allow_self_connections: true }
    }
}

impl Connector for FixedProbabilityConnector {
    fn name(&self) -> &'static str {
        "FixedProbabilityConnector"
    }

    fn expected_connections(&self, n_pre: usize, n_post: usize) -> Option<u64> {
        // An invalid probability is reported by `connect`.
        (0.0..=1.0)
            .contains(&self.p_connect)
            .then(|| (self.p_connect * n_pre as f64 * n_post as f64).min(u64::MAX as f64) as u64)
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let p = self.p_connect;
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::invalid_value(ctx.object, "p_connect", p, "a probability in [0, 1]"));
        }
        let n_post = ctx.post.len();
        let rows = ctx.rows(ctx.pre.len(), "connect", |i, rng| {
            let mut row = Vec::with_capacity((p * n_post as f64 * 1.1) as usize + 4);
            for j in 0..n_post {
                let u: f64 = rng.random();
                if u < p && (self.allow_self_connections || !ctx.is_self(i, j)) {
                    row.push(j as u32);
                }
            }
            Ok(row)
        })?;
        ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
    }
}
