use super::{ConnectContext, Connector, ConnectorOutput};
use crate::backend::Backend;
use crate::error::Result;
use crate::projection::Projection;

/// The connectivity of an existing projection (PyNN's `CloneConnector`):
/// the same (pre, post) pairs, each once (PyNN uses the reference's
/// connection mask, so multapses become single connections), with the new
/// projection's own synaptic values. Pre and post must be the same cells,
/// in the same order, as the reference's.
#[derive(Debug, Clone, PartialEq)]
pub struct CloneConnector {
    reference: String,
    pre: Vec<u32>,
    post: Vec<u32>,
    pairs: Vec<(u32, u32)>,
}

impl CloneConnector {
    /// Copies the connectivity of `reference_projection` now.
    pub fn new<B: Backend>(reference_projection: &Projection<B>) -> Result<Self> {
        let (pre, post, mut pairs) = reference_projection.connectivity()?;
        pairs.sort_unstable();
        pairs.dedup();
        Ok(CloneConnector { reference: reference_projection.label().to_string(), pre, post, pairs })
    }
}

impl Connector for CloneConnector {
    fn name(&self) -> &'static str {
        "CloneConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        if ctx.pre != self.pre.as_slice() || ctx.post != self.post.as_slice() {
            return Err(ctx.error(format!(
                "CloneConnector: pre and post must be the same cells as those of the reference projection \"{}\"",
                self.reference
            )));
        }
        Ok(ConnectorOutput {
            pre: self.pairs.iter().map(|p| p.0).collect(),
            post: self.pairs.iter().map(|p| p.1).collect(),
            ..Default::default()
        })
    }
}
