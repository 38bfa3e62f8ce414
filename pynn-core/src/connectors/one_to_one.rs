use super::{ConnectContext, Connector, ConnectorOutput, PostRanges};
use crate::error::{Error, Result};

/// Connects the i-th pre-synaptic cell to the i-th post-synaptic cell
/// (PyNN's `OneToOneConnector`); both sides must have the same size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OneToOneConnector;

impl Connector for OneToOneConnector {
    fn name(&self) -> &'static str {
        "OneToOneConnector"
    }

    fn expected_connections(&self, n_pre: usize, n_post: usize) -> Option<u64> {
        Some(n_pre.min(n_post) as u64)
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        check_sizes(ctx)?;
        let n = ctx.pre.len() as u32;
        Ok(ConnectorOutput { pre: (0..n).collect(), post: (0..n).collect(), ..Default::default() })
    }

    fn by_post<'a>(&'a self, ctx: &'a ConnectContext<'_>) -> Option<Result<PostRanges<'a>>> {
        if let Err(e) = check_sizes(ctx) {
            return Some(Err(e));
        }
        Some(Ok(Box::new(|posts| {
            let r = posts.start as u32..posts.end as u32;
            Ok((r.clone().collect(), r.collect()))
        })))
    }
}

fn check_sizes(ctx: &ConnectContext<'_>) -> Result<()> {
    if ctx.pre.len() != ctx.post.len() {
        return Err(Error::Connection {
            object: ctx.object.to_string(),
            message: format!(
                "OneToOneConnector needs pre and post of equal size, got {} and {}",
                ctx.pre.len(),
                ctx.post.len()
            ),
        });
    }
    Ok(())
}
