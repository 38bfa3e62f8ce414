use super::fixed_number::draw_partners;
use super::{ConnectContext, Connector, ConnectorOutput, RowSide};
use crate::error::Result;
use rand_distr::Distribution;

/// Exactly `n` connections in total (PyNN's `FixedTotalNumberConnector`;
/// NEST's `fixed_total_number`), honouring `with_replacement` and
/// `allow_self_connections` (which PyNN 0.13 ignores).
///
/// Algorithm: the number of connections of each pre-synaptic row is drawn
/// first, sequentially from one stream (`"connect-counts"`): with
/// replacement a multinomial split of `n` with row weights equal to the
/// row's allowed partners (sequential binomials), without replacement a
/// multivariate hypergeometric split (sequential hypergeometrics). Then
/// each row draws its partners from its own sub-stream, in parallel. Every
/// allowed pair is thus equally likely, and without replacement the result
/// is a uniformly random `n`-subset of the allowed pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedTotalNumberConnector {
    /// Total number of connections.
    pub n: usize,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
    /// Whether a pair may be drawn more than once. Default `true` (PyNN's default).
    pub with_replacement: bool,
}

impl FixedTotalNumberConnector {
    /// `n` connections, with replacement, self-connections allowed.
    pub fn new(n: usize) -> Self {
        FixedTotalNumberConnector { n, allow_self_connections: true, with_replacement: true }
    }
}

impl Connector for FixedTotalNumberConnector {
    fn name(&self) -> &'static str {
        "FixedTotalNumberConnector"
    }

    fn expected_connections(&self, _: usize, _: usize) -> Option<u64> {
        Some(self.n as u64)
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let n_post = ctx.post.len();
        let partners = if self.allow_self_connections { None } else { Some(ctx.self_partner_of_pre()) };
        let excl = |i: usize| partners.as_ref().and_then(|p| p[i]);
        let weights: Vec<u64> = (0..ctx.pre.len()).map(|i| (n_post - usize::from(excl(i).is_some())) as u64).collect();
        let total: u64 = weights.iter().sum();
        let n = self.n as u64;
        if n > 0 && total == 0 {
            return Err(ctx.error(format!("{}: no allowed (pre, post) pair for n = {n}", self.name())));
        }
        if !self.with_replacement && n > total {
            return Err(ctx.error(format!(
                "{}: n = {n} is larger than the {total} allowed (pre, post) pairs without replacement; use with_replacement = true or a smaller n",
                self.name()
            )));
        }
        let mut rng = ctx.rng("connect-counts", 0);
        let (mut left, mut rest) = (n, total);
        let mut counts = Vec::with_capacity(weights.len());
        for w in &weights {
            let c = if left == 0 || *w == 0 {
                0
            } else if *w == rest {
                left
            } else if self.with_replacement {
                rand_distr::Binomial::new(left, *w as f64 / rest as f64).expect("0 <= w/rest <= 1").sample(&mut rng)
            } else {
                rand_distr::Hypergeometric::new(rest, *w, left).expect("w <= rest, left <= rest").sample(&mut rng)
            };
            counts.push(c as usize);
            left -= c;
            rest -= w;
        }
        let rows = ctx.rows(ctx.pre.len(), "connect", |i, rng| {
            draw_partners(counts[i], n_post, excl(i), self.with_replacement, rng, ctx, || {
                format!("{} (pre cell {i})", self.name())
            })
        })?;
        ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
    }
}
