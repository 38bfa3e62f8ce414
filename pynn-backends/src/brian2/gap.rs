//! Gap junctions (`ElectricalSynapse`) on Brian2.
//!
//! The explicit scheme (the native engine's for cell types without
//! waveform relaxation, `native/gap.rs`; for `HH_cond_exp` the native
//! engine and NEST relax the waveforms, and this driver differs from them
//! by the explicit scheme's first-order error, bounded in
//! `tests/gap_junctions.rs`), run by the driver (`driver.py`,
//! `apply_gaps`): in the network operation that sets
//! the current sources' values at the start of every step ("before_groups",
//! before any integration, also of sub-stepped models such as
//! `HH_cond_exp`), the driver reads the membrane potential `v` of every
//! coupled cell, sums the junction currents `g (v_pre - v_post)` into
//! `post` and the opposite into `pre` (projection then list order), and
//! sets each coupled cell's `i_inj` to its current sources' value plus its
//! junction current, held through the step (and all its sub-steps). No
//! cell equation changes: every translated cell type with a membrane
//! potential `v` and an injected current `i_inj` can be coupled. A
//! Brian2 `Synapses` object with a summed variable would be evaluated in
//! the "groups" slot with the state of every sub-step, which is not the
//! native scheme; the network operation is plain Python and works with the
//! numpy and cython targets alike.
//!
//! Conductances are uS (PyNN), sent as they are and converted to siemens
//! by the driver; `set("weight")` between runs replaces them, `delay` is
//! not settable (junctions have none).

use super::{Brian2, Brian2Proj, Kind};
use crate::external::protocol::Request;
use pynn_core::backend::{Connections, ProjId, ProjectionSpec};
use pynn_core::{Error, Result};
use serde_json::json;

impl Brian2 {
    /// Checks a gap-junction projection: every coupled cell of a neuron
    /// model with a membrane potential `v` (Brian2 variable `v`, mV) and an
    /// injected current `i_inj`.
    pub(super) fn gap_projection(&mut self, spec: &ProjectionSpec<'_>, c: &Connections) -> Result<Brian2Proj> {
        for g in c.pre.iter().chain(&c.post) {
            let owner = self.cells.owner(*g).ok_or_else(|| super::err(format!("cell {g} does not exist")))?;
            let p = &self.pops[owner];
            let m = p.model;
            let couplable = m.0.kind == Kind::Neuron && m.injectable() && m.0.var("v").is_some_and(|v| v.brian == "v");
            if !couplable {
                return Err(Error::unsupported(
                    "Brian2",
                    format!(
                        "gap junctions (ElectricalSynapse, projection \"{}\") on cells of type {} (population \"{}\")",
                        spec.label,
                        m.name(),
                        p.label
                    ),
                    "couple cell types with a membrane potential `v` and an injected current `i_inj` (not spike \
                     sources), or use the native engine",
                ));
            }
        }
        Ok(Brian2Proj { ring: 1, rec: None, samples: Default::default() })
    }

    /// Sends a gap-junction projection: its connections and conductances
    /// (uS) in list order.
    pub(super) fn send_gap(&mut self, proj: ProjId) -> Result<()> {
        let pr = &self.projs[proj];
        let (pre, post, weight) = (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.weight.clone());
        let d = self.driver()?;
        let (pre, post, weight) =
            (d.write_npy("pre", &pre)?, d.write_npy("post", &post)?, d.write_npy("weight", &weight)?);
        d.request(&Request::Connect {
            proj,
            pre,
            post,
            weight,
            delay: None,
            delay_steps: None,
            receptor_type: None,
            synapse: Some(json!({"model": "gap"})),
            receptor: None,
            on_pre: None,
            weight_unit: None,
            plastic: None,
        })
        .map(drop)
    }

    /// Checks a `set` on a gap projection: only `weight`, conductances
    /// finite and >= 0 uS.
    pub(super) fn check_gap_set(&self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let label = &self.projs[proj].label;
        if name != "weight" {
            return Err(Error::unsupported(
                "Brian2",
                format!("setting `{name}` of gap-junction projection \"{label}\""),
                "gap junctions have no delay; set `weight` (the conductance, uS)",
            ));
        }
        if let Some(w) = values.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(Error::invalid_value(
                format!("projection \"{label}\" (ElectricalSynapse) on Brian2"),
                "weight",
                w,
                "a conductance >= 0 uS",
            ));
        }
        Ok(())
    }
}
