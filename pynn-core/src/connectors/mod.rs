//! Connectors: rules that choose which pre-synaptic cells connect to which
//! post-synaptic cells, with PyNN 0.13's names and arguments. One connector
//! per file; adding a connector is adding a file that implements
//! [`Connector`] and one `mod`/`pub use` line here.
//!
//! Connectors run in the core, never in a backend, and draw only from the
//! projection's keyed streams ([`ConnectContext::rng`]): each row (a
//! pre-synaptic cell, or a post-synaptic cell for
//! [`FixedNumberPreConnector`]) has a sub-stream of its own, rows are
//! generated in parallel with rayon ([`ConnectContext::rows`]) and
//! concatenated in row order. The result therefore depends on the seed and
//! the projection alone, never on the number of threads.

use crate::error::{Error, Result};
use crate::random::SimRng;
use crate::space::{Position, Space};
use rayon::prelude::*;
use std::collections::HashMap;

mod all_to_all;
mod array;
mod clone;
mod displacement_dependent;
mod distance_dependent;
mod fixed_number;
mod fixed_probability;
mod fixed_total_number;
mod from_file;
mod from_list;
mod index_based;
mod one_to_one;
mod small_world;
#[cfg(test)]
mod tests;

pub use all_to_all::AllToAllConnector;
pub use array::ArrayConnector;
pub use clone::CloneConnector;
pub use displacement_dependent::DisplacementDependentProbabilityConnector;
pub use distance_dependent::DistanceDependentProbabilityConnector;
pub use fixed_number::{FixedNumberPostConnector, FixedNumberPreConnector, Number};
pub use fixed_probability::FixedProbabilityConnector;
pub use fixed_total_number::FixedTotalNumberConnector;
pub use from_file::{FromFileConnector, read_connection_file};
pub use from_list::FromListConnector;
pub use index_based::IndexBasedProbabilityConnector;
pub use one_to_one::OneToOneConnector;
pub use small_world::SmallWorldConnector;

/// What a connector sees of a projection.
pub struct ConnectContext<'a> {
    /// Global index of each pre-synaptic cell, in the pre selection's order.
    pub pre: &'a [u32],
    /// Global index of each post-synaptic cell, in the post selection's order.
    pub post: &'a [u32],
    /// Position of each pre-synaptic cell.
    pub pre_positions: &'a [Position],
    /// Position of each post-synaptic cell.
    pub post_positions: &'a [Position],
    /// The projection's space (how distances are measured).
    pub space: &'a Space,
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

    /// Distance between pre position `i` and post position `j` in the
    /// projection's space.
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        self.space.distance(self.pre_positions[i], self.post_positions[j])
    }

    /// Displacement from pre position `i` to post position `j` (post minus
    /// pre, in the projection's space).
    pub fn displacement(&self, i: usize, j: usize) -> Position {
        self.space.displacement(self.pre_positions[i], self.post_positions[j])
    }

    /// For each pre position, the post position of the same cell, if the
    /// post side contains it (selections hold each cell at most once).
    pub fn self_partner_of_pre(&self) -> Vec<Option<u32>> {
        partner(self.pre, self.post)
    }

    /// For each post position, the pre position of the same cell, if any.
    pub fn self_partner_of_post(&self) -> Vec<Option<u32>> {
        partner(self.post, self.pre)
    }

    /// Runs `row(r, rng)` for every row `r < n_rows` in parallel, each with
    /// its own sub-stream `rng(purpose, r)`, and returns the results in row
    /// order (the first error in row order, if any).
    pub fn rows<T: Send>(
        &self,
        n_rows: usize,
        purpose: &str,
        row: impl Fn(usize, &mut SimRng) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        (0..n_rows).into_par_iter().with_min_len(16).map(|r| row(r, &mut self.rng(purpose, r as u64))).collect()
    }

    /// Runs `row(r, rng)` for every row `r` in `range`, in turn (no
    /// parallelism of its own: the caller runs ranges in parallel), each
    /// with its own sub-stream `rng(purpose, r)`: the same rows as
    /// [`ConnectContext::rows`], concatenated in row order into
    /// (row, partner) lists. Stops at the first error.
    pub fn rows_in(
        &self,
        range: std::ops::Range<usize>,
        purpose: &str,
        mut row: impl FnMut(usize, &mut SimRng) -> Result<Vec<u32>>,
    ) -> Result<(Vec<u32>, Vec<u32>)> {
        let (mut rows, mut partners) = (Vec::new(), Vec::new());
        for r in range {
            let v = row(r, &mut self.rng(purpose, r as u64))?;
            crate::memory::try_reserve(&mut rows, &self.object, || format!("{} connections", v.len()), v.len())?;
            crate::memory::try_reserve(&mut partners, &self.object, || format!("{} connections", v.len()), v.len())?;
            rows.extend(std::iter::repeat_n(r as u32, v.len()));
            partners.extend(v);
        }
        Ok((rows, partners))
    }

    /// An error about this projection's connector.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Connection { object: self.object.to_string(), message: message.into() }
    }
}

fn partner(a: &[u32], b: &[u32]) -> Vec<Option<u32>> {
    let pos: HashMap<u32, u32> = b.iter().enumerate().map(|(k, g)| (*g, k as u32)).collect();
    a.iter().map(|g| pos.get(g).copied()).collect()
}

/// Which side the rows of [`ConnectorOutput::from_rows`] belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSide {
    /// Row `r` is pre position `r`; its entries are post positions.
    Pre,
    /// Row `r` is post position `r`; its entries are pre positions.
    Post,
}

/// The connections a connector chose, as positions in the pre and post
/// selections (in any order: the projection orders them by pre-synaptic
/// cell, stably); optionally with per-connection weights, delays and other
/// synaptic attributes (which then override the synapse type's).
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
    /// Other per-connection synaptic attributes (e.g. `U` of a
    /// Tsodyks-Markram synapse), by name.
    pub columns: Vec<(String, Vec<f64>)>,
}

impl ConnectorOutput {
    /// Connections from rows of partner positions, concatenated in row order.
    pub fn from_rows(rows: Vec<Vec<u32>>, side: RowSide) -> Self {
        let n: usize = rows.iter().map(Vec::len).sum();
        let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (r, row) in rows.into_iter().enumerate() {
            a.extend(std::iter::repeat_n(r as u32, row.len()));
            b.extend(row);
        }
        match side {
            RowSide::Pre => ConnectorOutput { pre: a, post: b, ..Default::default() },
            RowSide::Post => ConnectorOutput { pre: b, post: a, ..Default::default() },
        }
    }

    /// As [`ConnectorOutput::from_rows`], with the concatenated lists
    /// allocated fallibly: an [`Error::Memory`] naming `object` if they
    /// cannot be.
    pub fn try_from_rows(rows: Vec<Vec<u32>>, side: RowSide, object: &str) -> Result<Self> {
        let n: usize = rows.iter().map(Vec::len).sum();
        let what = || format!("{n} connections");
        let mut a = crate::memory::try_with_capacity(&object, what, n)?;
        let mut b = crate::memory::try_with_capacity(&object, what, n)?;
        for (r, row) in rows.into_iter().enumerate() {
            a.extend(std::iter::repeat_n(r as u32, row.len()));
            b.extend(row);
        }
        Ok(match side {
            RowSide::Pre => ConnectorOutput { pre: a, post: b, ..Default::default() },
            RowSide::Post => ConnectorOutput { pre: b, post: a, ..Default::default() },
        })
    }

    /// Number of connections.
    pub fn len(&self) -> usize {
        self.pre.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.pre.is_empty()
    }
}

/// Connections onto a range of post positions, as (pre position, post
/// position) lists ([`Connector::by_post`]).
pub type PostRanges<'a> = Box<dyn Fn(std::ops::Range<usize>) -> Result<(Vec<u32>, Vec<u32>)> + Sync + 'a>;

/// A connection rule (PyNN's `Connector`).
pub trait Connector {
    /// PyNN's class name (for messages).
    fn name(&self) -> &'static str;
    /// Chooses the connections.
    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput>;
    /// How many connections [`Connector::connect`] will make between
    /// `n_pre` and `n_post` cells (the expected number for random rules),
    /// if known without generating them: the projection refuses a request
    /// that cannot fit in memory before it is generated
    /// ([`crate::memory`]). `None` (the default): checked after generation.
    fn expected_connections(&self, n_pre: usize, n_post: usize) -> Option<u64> {
        let _ = (n_pre, n_post);
        None
    }
    /// For rules that can generate the connections onto any range of post
    /// cells on their own (partners drawn from each post cell's own
    /// sub-stream, no draws at all, or draws at known positions of each
    /// row's sub-stream, as [`FixedProbabilityConnector`]'s): a generator
    /// of the connections onto any range of post positions, set up once (or the error [`Connector::connect`]
    /// would return); `None` (the default) for the other rules. Contract:
    /// for any cut of `0..n_post` into ranges, the concatenated results
    /// hold the connections of [`Connector::connect`], and the connections
    /// of each pre-synaptic cell in the same order. The projection then
    /// builds its rows range by range, in parallel
    /// ([`crate::backend::Backend::connect_streamed`]), without holding the
    /// whole list.
    fn by_post<'a>(&'a self, ctx: &'a ConnectContext<'_>) -> Option<Result<PostRanges<'a>>> {
        let _ = ctx;
        None
    }
}

/// Checks a probability returned by a user function.
pub(crate) fn check_probability(
    ctx: &ConnectContext<'_>,
    connector: &str,
    p: f64,
    at: impl FnOnce() -> String,
) -> Result<f64> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(ctx.error(format!(
            "{connector}: the probability function returned {p} {}; probabilities must lie in [0, 1]",
            at()
        )))
    }
}
