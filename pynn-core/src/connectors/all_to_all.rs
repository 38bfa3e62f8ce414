use super::{ConnectContext, Connector, ConnectorOutput};
use crate::error::Result;

/// Connects every pre-synaptic cell to every post-synaptic cell
/// (PyNN's `AllToAllConnector`).
///
/// With `allow_self_connections = false`, a cell is not connected to itself
/// (when pre and post selections share cells).
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

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        let mut out = ConnectorOutput::default();
        for i in 0..ctx.pre.len() {
            for j in 0..ctx.post.len() {
                if self.allow_self_connections || !ctx.is_self(i, j) {
                    out.pre.push(i as u32);
                    out.post.push(j as u32);
                }
            }
        }
        Ok(out)
    }
}
