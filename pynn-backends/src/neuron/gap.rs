//! Gap junctions (`ElectricalSynapse`) on NEURON.
//!
//! Every cell of this backend is one of our ARTIFICIAL_CELL mechanisms
//! (no section, no NEURON `v`), so NEURON's usual gap-junction path
//! (`ParallelContext.source_var`/`target_var` onto a point process in a
//! section, as PyNN's NEURON backend does) has nothing to attach to.
//! Instead the driver (`driver.py`, `apply_gaps`) advances one step per
//! `psolve` while junctions exist and, before each step, reads the
//! membrane potential of every coupled cell (its recordable `v`), sums the
//! junction currents `g (v_pre - v_post)` in connection order and sets each
//! cell's injected current `i_inj` to its current sources' value plus its
//! junction current: the explicit scheme, which the native engine
//! (`native/gap.rs`) runs for cell types without waveform relaxation
//! (`IF_curr_exp` and the like: the same trajectories up to the
//! mechanisms' own rounding). The native engine and NEST couple
//! `HH_cond_exp` by waveform relaxation; this driver stays explicit (the
//! mechanisms cannot re-run a step from a saved state with a time-varying
//! junction current), which differs from them by the explicit scheme's
//! first-order error (`tests/gap_junctions.rs` states the measured
//! bounds).
//!
//! Under MPI (`NeuronOptions::ranks` > 1) every rank reads the potentials of
//! its own coupled cells (cell `g` lives on rank `g % N`), the snapshots
//! are gathered on every rank (`ParallelContext.py_allgather`, once per
//! step, only the coupled cells' potentials), and every rank sums all
//! junction currents in the one-process order and sets those of its own
//! cells: the results equal the one-process run's bit for bit
//! (`tests/gap_junctions.rs`). NEURON's own `source_var`/`target_var`
//! transfer would need sections, which these cells do not have.

use super::{Model, Neuron, NeuronProj, err};
use crate::external::protocol::Request;
use pynn_core::backend::{Connections, ProjId, ProjectionSpec};
use pynn_core::{Error, Result};
use serde_json::json;

impl Neuron {
    /// Checks a gap-junction projection: every coupled cell a cell type of
    /// the table with a membrane potential `v` (any number of ranks).
    pub(super) fn gap_projection(&mut self, spec: &ProjectionSpec<'_>, c: &Connections) -> Result<NeuronProj> {
        for g in c.pre.iter().chain(&c.post) {
            self.gap_var(*g).map_err(|name| {
                Error::unsupported(
                    "NEURON",
                    format!("gap junctions (ElectricalSynapse, projection \"{}\") on cells of type {name}", spec.label),
                    "couple standard cell types with a membrane potential `v` (not spike sources, composed \
                     or mechanism-by-name types), or use the native engine",
                )
            })?;
        }
        Ok(NeuronProj { factor: 1.0 })
    }

    /// The mechanism variable of `v` of cell `g` and its factor, or the
    /// cell type's name when it has none this backend can couple.
    fn gap_var(&self, g: u32) -> std::result::Result<(&'static str, f64), &'static str> {
        let owner = self.cells.owner(g).ok_or("(no such cell)")?;
        let p = &self.pops[owner];
        match p.sim.model {
            Model::Table(m) if p.sim.source.is_none() => m.var("v").map(|v| (v.nrn, v.factor)).ok_or(m.pynn),
            Model::Table(m) => Err(m.pynn),
            Model::Native(mechanism) => Err(mechanism),
            Model::Point => Err("PointNeuron"),
        }
    }

    /// Sends a gap-junction projection: the connections, their
    /// conductances (uS = nA/mV) and where each cell's `v` is read.
    pub(super) fn send_gap(&mut self, proj: ProjId) -> Result<()> {
        let pr = &self.projs[proj];
        let (pre, post, weight) = (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.weight.clone());
        let var = |g: &u32| self.gap_var(*g).map_err(|n| err(format!("cell {g} ({n}) cannot take gap junctions")));
        let vpre: Vec<(&str, f64)> = pre.iter().map(var).collect::<Result<_>>()?;
        let vpost: Vec<(&str, f64)> = post.iter().map(var).collect::<Result<_>>()?;
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
            synapse: Some(json!({"model": "gap", "v_pre": vpre, "v_post": vpost})),
            receptor: None,
            on_pre: None,
            weight_unit: None,
            plastic: None,
        })
        .map(drop)
    }
}
