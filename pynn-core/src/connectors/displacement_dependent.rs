use super::distance_dependent::probability_rows;
use super::{ConnectContext, Connector, ConnectorOutput};
use crate::error::Result;
use crate::space::Position;
use std::sync::Arc;

/// Connects each pair with a probability that is a function of the
/// displacement `[dx, dy, dz]` from the pre- to the post-synaptic cell in
/// the projection's [`Space`](crate::space::Space) (PyNN's
/// `DisplacementDependentProbabilityConnector`).
///
/// The displacement is signed (post minus pre, nearest periodic image, 0 on
/// axes the space ignores); PyNN 0.13 passes its absolute value per axis,
/// so a function of `|dx|, |dy|, |dz|` gives PyNN's result.
#[derive(Clone)]
pub struct DisplacementDependentProbabilityConnector {
    /// Probability as a function of the displacement; values in [0, 1].
    pub disp_function: Arc<dyn Fn(Position) -> f64 + Send + Sync>,
    /// Whether a cell may connect to itself. Default `true`.
    pub allow_self_connections: bool,
}

impl std::fmt::Debug for DisplacementDependentProbabilityConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DisplacementDependentProbabilityConnector(allow_self_connections={})", self.allow_self_connections)
    }
}

impl DisplacementDependentProbabilityConnector {
    /// Probability `disp_function([dx, dy, dz])`, self-connections allowed.
    pub fn new(disp_function: impl Fn(Position) -> f64 + Send + Sync + 'static) -> Self {
        DisplacementDependentProbabilityConnector {
            disp_function: Arc::new(disp_function),
            allow_self_connections: true,
        }
    }
}

impl Connector for DisplacementDependentProbabilityConnector {
    fn name(&self) -> &'static str {
        "DisplacementDependentProbabilityConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        probability_rows(ctx, self.name(), self.allow_self_connections, |i, j| {
            (self.disp_function)(ctx.displacement(i, j))
        })
    }
}
