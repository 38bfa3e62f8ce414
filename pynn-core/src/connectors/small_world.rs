use super::{ConnectContext, Connector, ConnectorOutput, RowSide};
use crate::error::{Error, Result};
use rand::RngExt;

/// A small-world network (PyNN's `SmallWorldConnector`, whose `connect` PyNN
/// 0.13 never implemented; this follows PyNN 0.7.3's and Watts & Strogatz,
/// 1998): each pre-synaptic cell is first connected to every post cell
/// within distance `degree` in the projection's space (its local
/// neighbourhood); then each of these connections is rewired, with
/// probability `rewiring`, to a post cell drawn uniformly at random.
///
/// With `n_connections = Some(n)`, each pre cell keeps a random `n` of its
/// local connections (before rewiring); it is an error if a cell has fewer.
/// Self-connections, if not allowed, are excluded both locally and when
/// rewiring. Pre cell `i` draws from sub-stream `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallWorldConnector {
    /// Radius of the local neighbourhood (distance in the projection's space).
    pub degree: f64,
    /// Probability of rewiring each local connection, in [0, 1].
    pub rewiring: f64,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
    /// Local connections kept per pre cell; `None`: all.
    pub n_connections: Option<usize>,
}

impl SmallWorldConnector {
    /// Neighbourhood radius `degree`, rewiring probability `rewiring`.
    pub fn new(degree: f64, rewiring: f64) -> Self {
        SmallWorldConnector { degree, rewiring, allow_self_connections: true, n_connections: None }
    }
}

impl Connector for SmallWorldConnector {
    fn name(&self) -> &'static str {
        "SmallWorldConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        if !(0.0..=1.0).contains(&self.rewiring) {
            return Err(Error::invalid_value(ctx.object, "rewiring", self.rewiring, "a probability in [0, 1]"));
        }
        if !(self.degree >= 0.0) {
            return Err(Error::invalid_value(ctx.object, "degree", self.degree, "a distance >= 0"));
        }
        let n_post = ctx.post.len();
        let partners = if self.allow_self_connections { None } else { Some(ctx.self_partner_of_pre()) };
        let rows = ctx.rows(ctx.pre.len(), "connect", |i, rng| {
            let exclude = partners.as_ref().and_then(|p| p[i]);
            let mut local: Vec<u32> = (0..n_post as u32)
                .filter(|j| Some(*j) != exclude && ctx.distance(i, *j as usize) <= self.degree)
                .collect();
            if let Some(n) = self.n_connections {
                if n > local.len() {
                    return Err(ctx.error(format!(
                        "SmallWorldConnector: pre cell {i} has {} cells within degree {}, fewer than n_connections = {n}",
                        local.len(),
                        self.degree
                    )));
                }
                let pick = rand::seq::index::sample(rng, local.len(), n).into_vec();
                let mut kept: Vec<u32> = pick.into_iter().map(|k| local[k]).collect();
                kept.sort_unstable();
                local = kept;
            }
            let m = n_post - usize::from(exclude.is_some());
            for t in local.iter_mut() {
                if rng.random::<f64>() < self.rewiring && m > 0 {
                    let k = rng.random_range(0..m) as u32;
                    *t = match exclude {
                        Some(e) if k >= e => k + 1,
                        _ => k,
                    };
                }
            }
            Ok(local)
        })?;
        ConnectorOutput::try_from_rows(rows, RowSide::Pre, ctx.object)
    }
}
