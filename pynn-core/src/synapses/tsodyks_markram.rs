//! `TsodyksMarkramSynapse`: short-term depression and facilitation.
//!
//! # Model
//!
//! Tsodyks, Uziel and Markram (2000), as NEST's `tsodyks_synapse` (the
//! model PyNN 0.13's NEST backend maps this type to,
//! `pyNN/nest/standardmodels/synapses.py`): resources are recovered (`x`),
//! active (`y`, decaying with the post-synaptic cell's synaptic time
//! constant `tau_psc`) or inactive (`1 - x - y`, recovering with `tau_rec`);
//! the utilisation `u` decays with `tau_facil` (0: no facilitation, `u`
//! restarts from 0 at each spike). At a pre-synaptic spike, after
//! propagating the state exactly from the previous spike:
//! `u += U (1 - u)`, then the synapse transmits `weight * u * x`, then
//! `x -= u x`, `y += u x`.
//!
//! `tau_psc` is the post-synaptic cell's `tau_syn_E` or `tau_syn_I` (by
//! receptor type), as PyNN's NEST backend sets it
//! (`pyNN/nest/projections.py`); cell types without it cannot be the
//! target of this synapse.
//!
//! # Parameters (PyNN's defaults)
//!
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `weight` | 0 | nA / uS | maximal efficacy |
//! | `delay` | `min_delay` | ms | |
//! | `U` | 0.5 | | use parameter, in (0, 1] |
//! | `tau_rec` | 100 | ms | recovery time constant, > 0 |
//! | `tau_facil` | 0 | ms | facilitation time constant, >= 0 |
//!
//! # State (initial values)
//!
//! | name | default | meaning |
//! |---|---|---|
//! | `u` | 0 | utilisation (PyNN's only initial value) |
//! | `x` | 1 | recovered fraction (NEST's) |
//! | `y` | 0 | active fraction (NEST's), `x + y <= 1` |

use super::{SynapseContext, SynapseType, check_table};
use crate::backend::{SynapseColumns, SynapseKind};
use crate::error::{Error, Result};
use crate::parameters::Value;

/// Synapse with Tsodyks–Markram short-term depression and facilitation.
#[allow(non_snake_case)]
#[derive(Debug, Clone)]
pub struct TsodyksMarkramSynapse {
    /// Weight (nA or uS). Default 0.
    pub weight: Value,
    /// Delay (ms); `None`: `min_delay`.
    pub delay: Option<Value>,
    /// Use parameter, in (0, 1]. Default 0.5.
    pub U: Value,
    /// Depression (recovery) time constant (ms). Default 100.
    pub tau_rec: Value,
    /// Facilitation time constant (ms); 0: none. Default 0.
    pub tau_facil: Value,
    /// Initial utilisation. Default 0.
    pub u: Value,
    /// Initial recovered fraction. Default 1.
    pub x: Value,
    /// Initial active fraction. Default 0.
    pub y: Value,
}

impl Default for TsodyksMarkramSynapse {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::TsodyksMarkramSynapse;
        TsodyksMarkramSynapse {
            weight: Value::Scalar(0.0),
            delay: None,
            U: Value::Scalar(T.default_of("U")),
            tau_rec: Value::Scalar(T.default_of("tau_rec")),
            tau_facil: Value::Scalar(T.default_of("tau_facil")),
            u: Value::Scalar(T.default_of("u")),
            x: Value::Scalar(T.default_of("x")),
            y: Value::Scalar(T.default_of("y")),
        }
    }
}

impl TsodyksMarkramSynapse {
    /// A synapse with the given parameters and PyNN's initial state.
    #[allow(non_snake_case)]
    pub fn new(
        weight: impl Into<Value>,
        delay: impl Into<Value>,
        U: impl Into<Value>,
        tau_rec: impl Into<Value>,
        tau_facil: impl Into<Value>,
    ) -> Self {
        TsodyksMarkramSynapse {
            weight: weight.into(),
            delay: Some(delay.into()),
            U: U.into(),
            tau_rec: tau_rec.into(),
            tau_facil: tau_facil.into(),
            ..Default::default()
        }
    }
}

impl SynapseType for TsodyksMarkramSynapse {
    fn name(&self) -> &'static str {
        "TsodyksMarkramSynapse"
    }
    fn weight(&self) -> &Value {
        &self.weight
    }
    fn delay(&self) -> Option<&Value> {
        self.delay.as_ref()
    }
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("U", self.U.clone()),
            ("tau_rec", self.tau_rec.clone()),
            ("tau_facil", self.tau_facil.clone()),
            ("u", self.u.clone()),
            ("x", self.x.clone()),
            ("y", self.y.clone()),
        ]
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["U", "tau_rec", "tau_facil", "tau_psc", "u", "x", "y"]
    }
    fn state_variables(&self) -> &'static [&'static str] {
        &["u", "x", "y"]
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        let me = self.name();
        // The allowed values are the table's (`pynn_schema::synapses`, which
        // `network!` checks literals against).
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::TsodyksMarkramSynapse;
        check_table(ctx, me, &T, &["U", "tau_rec", "tau_facil", "u", "x", "y"])?;
        let (x, y) = (ctx.column("x"), ctx.column("y"));
        if let Some(k) = (0..x.len()).find(|k| x[*k] + y[*k] > 1.0) {
            return Err(Error::invalid_value(
                format!("{} ({me})", ctx.object),
                "x + y",
                x[k] + y[k],
                "recovered plus active resources <= 1",
            ));
        }
        let param = format!("tau_syn_{}", if ctx.receptor == "inhibitory" { "I" } else { "E" });
        let tau_psc = (ctx.post_parameter)(&param).ok_or_else(|| Error::Connection {
            object: ctx.object.to_string(),
            message: format!(
                "{me} takes its PSC time constant from the post-synaptic cells' `{param}` (as PyNN's NEST backend); \
                 these cells have none"
            ),
        })?;
        let mut columns = SynapseColumns::default();
        for (n, v) in ctx.columns {
            columns.0.push((n, v.clone()));
        }
        columns.0.push(("tau_psc", tau_psc));
        Ok(SynapseKind::TsodyksMarkram(columns))
    }
}
