use super::{ConnectContext, Connector, ConnectorOutput, PostRanges, RowSide};
use crate::error::{Error, Result};
use rand::RngExt;

/// Connects each (pre, post) pair independently with probability `p_connect`
/// (PyNN's `FixedProbabilityConnector`; NEST's `pairwise_bernoulli`).
///
/// Row `i` (pre position `i`) draws from sub-stream `i` of the projection's
/// `"connect"` stream: one uniform number per post cell, in order, so the
/// result does not depend on how rows are spread over threads. Each uniform
/// number is one 64-bit output of the sub-stream (two ChaCha words), so the
/// number of pair (`i`, `j`) sits at word `2 j` of sub-stream `i`: any range
/// of post cells can be generated on its own by seeking there
/// ([`Connector::by_post`], streamed construction), with the same result.
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
        let p = self.checked_p(ctx)?;
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

    fn by_post<'a>(&'a self, ctx: &'a ConnectContext<'_>) -> Option<Result<PostRanges<'a>>> {
        let p = match self.checked_p(ctx) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let n_pre = ctx.pre.len();
        // The stream's key is derived once; each row is a copy of it moved
        // to sub-stream `i`.
        let base = ctx.rng("connect", 0);
        Some(Ok(Box::new(move |posts: std::ops::Range<usize>| {
            // Pre-major, posts in increasing order within each row: the
            // order of `connect`'s list restricted to these posts.
            let expected = (p * n_pre as f64 * posts.len() as f64 * 1.1) as usize + 16;
            let what = || format!("~{expected} connections ({})", self.name());
            let mut pre: Vec<u32> = crate::memory::try_with_capacity(&ctx.object, what, expected)?;
            let mut post: Vec<u32> = crate::memory::try_with_capacity(&ctx.object, what, expected)?;
            for i in 0..n_pre {
                let mut rng = base.clone();
                rng.set_stream(i as u64);
                // Uniform number `j` of row `i` is the 64-bit output at
                // word `2 j` (rand 0.10's `f64`: `(u64 >> 11) * 2^-53`).
                rng.set_word_pos(2 * posts.start as u128);
                for j in posts.clone() {
                    let u: f64 = rng.random();
                    if u < p && (self.allow_self_connections || !ctx.is_self(i, j)) {
                        pre.push(i as u32);
                        post.push(j as u32);
                    }
                }
            }
            Ok((pre, post))
        })))
    }
}

impl FixedProbabilityConnector {
    fn checked_p(&self, ctx: &ConnectContext<'_>) -> Result<f64> {
        let p = self.p_connect;
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::invalid_value(ctx.object, "p_connect", p, "a probability in [0, 1]"));
        }
        Ok(p)
    }
}
