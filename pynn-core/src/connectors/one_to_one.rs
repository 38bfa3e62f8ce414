use super::{ConnectContext, Connector, ConnectorOutput};
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
        let n = ctx.pre.len() as u32;
        Ok(ConnectorOutput { pre: (0..n).collect(), post: (0..n).collect(), ..Default::default() })
    }
}
