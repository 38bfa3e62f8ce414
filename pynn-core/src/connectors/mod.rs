//! Connectors: rules that choose which pre-synaptic cells connect to which
//! post-synaptic cells. One connector per file; adding a connector is adding
//! a file that implements [`Connector`] and one `mod`/`pub use` line here.
//!
//! Connectors run in the core, never in a backend, and draw only from the
//! projection's keyed streams ([`ConnectContext::rng`]), one sub-stream per
//! pre-synaptic row, so the result depends on the seed and the projection
//! alone.

use crate::error::Result;
use crate::random::SimRng;

mod all_to_all;
mod fixed_probability;
mod from_list;
mod one_to_one;

pub use all_to_all::AllToAllConnector;
pub use fixed_probability::FixedProbabilityConnector;
pub use from_list::FromListConnector;
pub use one_to_one::OneToOneConnector;

/// What a connector sees of a projection.
pub struct ConnectContext<'a> {
    /// Global index of each pre-synaptic cell, in the pre selection's order.
    pub pre: &'a [u32],
    /// Global index of each post-synaptic cell, in the post selection's order.
    pub post: &'a [u32],
    /// Description of the projection, for messages.
    pub object: &'a str,
    pub(crate) streams: crate::random::Streams,
    pub(crate) projection: u64,
}

impl ConnectContext<'_> {
    /// The random stream for `purpose` and sub-stream `row` (e.g. the
    /// pre-synaptic position): the same for any thread count.
    pub fn rng(&self, purpose: &str, row: u64) -> SimRng {
        let mut rng = self.streams.rng(crate::random::ObjectKind::Projection, self.projection, purpose, 0);
        rng.set_stream(row);
        rng
    }

    /// Whether connecting pre position `i` to post position `j` would connect
    /// a cell to itself.
    pub fn is_self(&self, i: usize, j: usize) -> bool {
        self.pre[i] == self.post[j]
    }
}

/// The connections a connector chose, as positions in the pre and post
/// selections, sorted by pre position; optionally with per-connection
/// weights and delays (which then override the synapse type's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectorOutput {
    /// Pre-synaptic positions.
    pub pre: Vec<u32>,
    /// Post-synaptic positions.
    pub post: Vec<u32>,
    /// Per-connection weights, if the connector provides them.
    pub weight: Option<Vec<f64>>,
    /// Per-connection delays, if the connector provides them.
    pub delay: Option<Vec<f64>>,
}

/// A connection rule (PyNN's `Connector`).
pub trait Connector {
    /// PyNN's class name (for messages).
    fn name(&self) -> &'static str;
    /// Chooses the connections.
    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput>;
}
