use super::{ConnectContext, Connector, ConnectorOutput, PostRanges, RowSide};
use crate::error::{Error, Result};
use crate::random::{RandomDistribution, SimRng};
use rand::RngExt;

/// The number of connections per cell of [`FixedNumberPreConnector`] and
/// [`FixedNumberPostConnector`]: fixed, or drawn per cell from a
/// distribution (values must be whole numbers >= 0).
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// The same number for every cell.
    Fixed(usize),
    /// Drawn for each cell from its row's stream.
    Random(RandomDistribution),
}

impl From<usize> for Number {
    fn from(n: usize) -> Self {
        Number::Fixed(n)
    }
}
impl From<RandomDistribution> for Number {
    fn from(d: RandomDistribution) -> Self {
        Number::Random(d)
    }
}

impl Number {
    fn draw(&self, rng: &mut SimRng, ctx: &ConnectContext<'_>, connector: &str) -> Result<usize> {
        match self {
            Number::Fixed(n) => Ok(*n),
            Number::Random(d) => {
                let x = d.sample_n(rng, 1)?[0];
                if x >= 0.0 && x.fract() == 0.0 && x < u32::MAX as f64 {
                    Ok(x as usize)
                } else {
                    Err(Error::invalid_value(
                        ctx.object,
                        format!("{connector} n"),
                        x,
                        "whole numbers >= 0 from the distribution",
                    ))
                }
            }
        }
    }
}

/// Draws `n` of the `m_total` positions of the other side, skipping
/// `exclude` (the cell itself, when self-connections are not allowed).
/// With replacement: `n` independent uniform draws over the allowed cells
/// (PyNN's redraw of self-connections gives the same distribution). Without:
/// a uniformly random `n`-subset, sorted; `n` must not exceed the number of
/// allowed cells.
pub(crate) fn draw_partners(
    n: usize,
    m_total: usize,
    exclude: Option<u32>,
    with_replacement: bool,
    rng: &mut SimRng,
    ctx: &ConnectContext<'_>,
    at: impl Fn() -> String,
) -> Result<Vec<u32>> {
    let invalid = |m: String| ctx.error(format!("{}: {m}", at()));
    let m = m_total - usize::from(exclude.is_some());
    let map = |k: usize| -> u32 {
        let k = k as u32;
        match exclude {
            Some(e) if k >= e => k + 1,
            _ => k,
        }
    };
    if with_replacement {
        if n > 0 && m == 0 {
            return Err(invalid(format!("cannot draw {n} connections: no allowed partner cell")));
        }
        // `n` may come from a distribution: reserved fallibly.
        let mut v = crate::memory::try_with_capacity(&ctx.object, || format!("{n} connections of {}", at()), n)?;
        v.extend((0..n).map(|_| map(rng.random_range(0..m))));
        Ok(v)
    } else {
        if n > m {
            return Err(invalid(format!(
                "n = {n} is larger than the {m} cells available without replacement{}; use with_replacement = true or a smaller n",
                if exclude.is_some() { " (self-connections excluded)" } else { "" }
            )));
        }
        let mut v: Vec<u32> = rand::seq::index::sample(rng, m, n).into_iter().map(map).collect();
        v.sort_unstable();
        Ok(v)
    }
}

/// Each post-synaptic cell receives exactly `n` connections (PyNN's
/// `FixedNumberPreConnector`; NEST's `fixed_indegree`).
///
/// Post cell `j` draws its pre-synaptic partners from sub-stream `j`.
/// Without replacement `n` must not exceed the number of pre-synaptic cells
/// (PyNN instead repeats the whole population `n / n_pre` times); with
/// replacement the same pre cell may be drawn several times (multapses).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedNumberPreConnector {
    /// Connections per post-synaptic cell.
    pub n: Number,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
    /// Whether a pre cell may be drawn more than once. Default `false`.
    pub with_replacement: bool,
}

impl FixedNumberPreConnector {
    /// `n` per post cell, without replacement, self-connections allowed.
    pub fn new(n: impl Into<Number>) -> Self {
        FixedNumberPreConnector { n: n.into(), allow_self_connections: true, with_replacement: false }
    }
}

impl Connector for FixedNumberPreConnector {
    fn name(&self) -> &'static str {
        "FixedNumberPreConnector"
    }

    fn expected_connections(&self, _: usize, n_post: usize) -> Option<u64> {
        match self.n {
            Number::Fixed(n) => Some((n as u64).saturating_mul(n_post as u64)),
            Number::Random(_) => None,
        }
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let partners = if self.allow_self_connections { None } else { Some(ctx.self_partner_of_post()) };
        let n_pre = ctx.pre.len();
        let rows = ctx.rows(ctx.post.len(), "connect", |j, rng| {
            let n = self.n.draw(rng, ctx, self.name())?;
            let exclude = partners.as_ref().and_then(|p| p[j]);
            draw_partners(n, n_pre, exclude, self.with_replacement, rng, ctx, || {
                format!("{} (post cell {j})", self.name())
            })
        })?;
        ConnectorOutput::try_from_rows(rows, RowSide::Post, ctx.object)
    }

    fn by_post<'a>(&'a self, ctx: &'a ConnectContext<'_>) -> Option<Result<PostRanges<'a>>> {
        // Post cell `j` draws from sub-stream `j` alone, exactly as in
        // `connect`; rows are concatenated in post order, as there.
        let partners = if self.allow_self_connections { None } else { Some(ctx.self_partner_of_post()) };
        let n_pre = ctx.pre.len();
        Some(Ok(Box::new(move |posts| {
            let (post, pre) = ctx.rows_in(posts, "connect", |j, rng| {
                let n = self.n.draw(rng, ctx, self.name())?;
                let exclude = partners.as_ref().and_then(|p| p[j]);
                draw_partners(n, n_pre, exclude, self.with_replacement, rng, ctx, || {
                    format!("{} (post cell {j})", self.name())
                })
            })?;
            Ok((pre, post))
        })))
    }
}

/// Each pre-synaptic cell makes exactly `n` connections (PyNN's
/// `FixedNumberPostConnector`; NEST's `fixed_outdegree`).
///
/// Pre cell `i` draws its post-synaptic partners from sub-stream `i`; the
/// rules are those of [`FixedNumberPreConnector`] with the sides swapped.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedNumberPostConnector {
    /// Connections per pre-synaptic cell.
    pub n: Number,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
    /// Whether a post cell may be drawn more than once. Default `false`.
    pub with_replacement: bool,
}

impl FixedNumberPostConnector {
    /// `n` per pre cell, without replacement, self-connections allowed.
    pub fn new(n: impl Into<Number>) -> Self {
        FixedNumberPostConnector { n: n.into(), allow_self_connections: true, with_replacement: false }
    }
}

impl Connector for FixedNumberPostConnector {
    fn name(&self) -> &'static str {
        "FixedNumberPostConnector"
    }

    fn expected_connections(&self, n_pre: usize, _: usize) -> Option<u64> {
        match self.n {
            Number::Fixed(n) => Some((n as u64).saturating_mul(n_pre as u64)),
            Number::Random(_) => None,
        }
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let partners = if self.allow_self_connections { None } else { Some(ctx.self_partner_of_pre()) };
        let n_post = ctx.post.len();
        let rows = ctx.rows(ctx.pre.len(), "connect", |i, rng| {
            let n = self.n.draw(rng, ctx, self.name())?;
            let exclude = partners.as_ref().and_then(|p| p[i]);
            draw_partners(n, n_post, exclude, self.with_replacement, rng, ctx, || {
                format!("{} (pre cell {i})", self.name())
            })
        })?;
        ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
    }
}
