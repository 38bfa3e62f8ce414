use super::{ConnectContext, Connector, ConnectorOutput, PostRanges, RowSide};
use crate::error::Result;

/// Connects every pre-synaptic cell to every post-synaptic cell
/// (PyNN's `AllToAllConnector`).
///
/// With `allow_self_connections = false`, a cell is not connected to itself
/// (when pre and post selections share cells). Nothing is drawn, so any
/// range of post cells can be generated on its own ([`Connector::by_post`],
/// streamed construction).
#[derive(Debug, Clone, PartialEq)]
pub struct AllToAllConnector {
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
}

impl Default for AllToAllConnector {
    fn default() -> Self {
        AllToAllConnector { allow_self_connections: true }
    }
}

impl AllToAllConnector {
    /// All-to-all, self-connections allowed.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Connector for AllToAllConnector {
    fn name(&self) -> &'static str {
        "AllToAllConnector"
    }

    fn expected_connections(&self, n_pre: usize, n_post: usize) -> Option<u64> {
        Some((n_pre as u64).saturating_mul(n_post as u64))
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let n_post = ctx.post.len() as u32;
        let rows = ctx.rows(ctx.pre.len(), "connect", |i, _| {
            Ok((0..n_post).filter(|j| self.allow_self_connections || !ctx.is_self(i, *j as usize)).collect())
        })?;
        ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
    }

    fn by_post<'a>(&'a self, ctx: &'a ConnectContext<'_>) -> Option<Result<PostRanges<'a>>> {
        let n_pre = ctx.pre.len();
        Some(Ok(Box::new(move |posts: std::ops::Range<usize>| {
            // Pre-major, posts in increasing order: `connect`'s order
            // restricted to these posts.
            let n = n_pre.saturating_mul(posts.len());
            let what = || format!("{n} connections ({})", self.name());
            let mut pre: Vec<u32> = crate::memory::try_with_capacity(&ctx.object, what, n)?;
            let mut post: Vec<u32> = crate::memory::try_with_capacity(&ctx.object, what, n)?;
            for i in 0..n_pre {
                for j in posts.clone() {
                    if self.allow_self_connections || !ctx.is_self(i, j) {
                        pre.push(i as u32);
                        post.push(j as u32);
                    }
                }
            }
            Ok((pre, post))
        })))
    }
}
