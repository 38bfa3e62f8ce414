//! Gap junctions (`ElectricalSynapse`, [`SynapseKind::Gap`]) on the native
//! engine.
//!
//! # Coupling scheme
//!
//! A junction of conductance `g` (uS) between cells `a` (pre) and `b`
//! (post) injects `g (v_a - v_b)` (nA) into `b` and the opposite into `a`.
//! The engine solves it explicitly: before every step it takes one snapshot
//! of the membrane potential of every coupled cell (all shards stand at the
//! same step), sums the junction currents in a fixed order (projection
//! creation order, then list order), and each cell receives its sum as an
//! injected current held through the step, like a current source. Every
//! kernel then integrates its own cell with its usual method. The snapshot
//! and the sums do not depend on how cells are cut into shards or on the
//! thread count, so results stay bit-identical for any number of threads.
//!
//! With junctions present the engine advances in slices of one step (the
//! snapshot must be fresh at every step); networks without junctions keep
//! their `min_delay` slices.
//!
//! # Accuracy
//!
//! Holding the junction current over a step is first-order in `dt` for
//! transients: the error of each step is about `g dt / C` of the voltage
//! difference's change (`C` the membrane capacitance). For `HH_cond_exp`
//! (`cm` = 0.2 nF), `g` = 0.01 uS and `dt` = 0.1 ms this is 0.5 %, and
//! the explicit scheme is stable while `2 g dt / C < 2` for a pair (`g <
//! 2 uS` there). Steady states are exact: with constant voltages the held
//! current is the true one. NEST solves its gap junctions by waveform
//! relaxation (iterated to `wfr_tol` = 1e-4 mV, cubic interpolation of the
//! partner's voltage within the step) and NEURON implicitly in the cell's
//! own voltage with the partner's from the start of the step; the tests
//! (`tests/gap_junctions.rs`) give the differences measured against both.

use super::{Native, err};
use pynn_core::backend::{Connections, ProjId, ProjectionSpec};
use pynn_core::{Error, Result};

/// One gap-junction projection: its connections in list order.
pub(super) struct GapProj {
    pub(super) id: ProjId,
    pre: Vec<u32>,
    post: Vec<u32>,
    weight: Vec<f64>,
    /// The delays the core gave (its `min_delay`); junctions do not use
    /// them, they are read back as every backend reads them.
    delay: Vec<f64>,
}

/// Every gap junction of a session and what a step needs to apply them.
#[derive(Default)]
pub(super) struct Gaps {
    pub(super) projs: Vec<GapProj>,
    /// The coupled cells (global indices, sorted, distinct).
    cells: Vec<u32>,
    /// Per shard with coupled cells: (shard, kernel variable of `v`, cells
    /// within the shard, their positions in `cells`).
    reads: Vec<(usize, usize, Vec<usize>, Vec<usize>)>,
    /// Snapshot of `v` of `cells` and their junction currents (nA).
    v: Vec<f64>,
    current: Vec<f64>,
}

impl Gaps {
    /// True when the session has no junctions.
    pub(super) fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn find(&self, id: ProjId) -> Option<&GapProj> {
        self.projs.iter().find(|p| p.id == id)
    }
}

impl Native {
    /// Creates a gap-junction projection (both cells of each connection
    /// must have a membrane potential `v` and take injected current).
    pub(super) fn connect_gap(&mut self, spec: &ProjectionSpec<'_>, c: Connections) -> Result<()> {
        for g in c.pre.iter().chain(&c.post) {
            let s = self.shard_of(*g as usize);
            if self.shards[s].kernel.variable("v").is_none() {
                let pop = &self.pops[self.owner[*g as usize] as usize];
                return Err(Error::unsupported(
                    "native",
                    format!(
                        "gap junctions (ElectricalSynapse, projection \"{}\") on cell {} of population \"{}\", \
                         which has no membrane potential `v`",
                        spec.label,
                        *g as usize - pop.offset,
                        pop.label
                    ),
                    "couple cells that have a membrane potential (spike sources cannot take gap junctions)",
                ));
            }
        }
        if let Some(w) = c.weight.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(Error::invalid_value(
                format!("projection \"{}\" (ElectricalSynapse)", spec.label),
                "weight",
                w,
                "a conductance >= 0 uS",
            ));
        }
        self.gaps.projs.push(GapProj { id: spec.id, pre: c.pre, post: c.post, weight: c.weight, delay: c.delay });
        self.rebuild_gaps();
        Ok(())
    }

    /// Recomputes the list of coupled cells and where their `v` is read.
    fn rebuild_gaps(&mut self) {
        let mut cells: Vec<u32> = self.gaps.projs.iter().flat_map(|p| p.pre.iter().chain(&p.post).copied()).collect();
        cells.sort_unstable();
        cells.dedup();
        let mut reads: Vec<(usize, usize, Vec<usize>, Vec<usize>)> = Vec::new();
        for (k, g) in cells.iter().enumerate() {
            let s = self.shard_of(*g as usize);
            let local = *g as usize - self.shards[s].lo;
            match reads.last_mut() {
                Some(r) if r.0 == s => {
                    r.2.push(local);
                    r.3.push(k);
                }
                _ => {
                    let var = self.shards[s].kernel.variable("v").unwrap_or(0);
                    reads.push((s, var, vec![local], vec![k]));
                }
            }
        }
        for sh in &mut self.shards {
            sh.gap = Vec::new();
        }
        for (s, _, _, _) in &reads {
            let size = self.shards[*s].size;
            self.shards[*s].gap = vec![0.0; size];
        }
        self.gaps.v = vec![0.0; cells.len()];
        self.gaps.current = vec![0.0; cells.len()];
        self.gaps.cells = cells;
        self.gaps.reads = reads;
    }

    /// Takes the snapshot of `v` and sets every coupled cell's junction
    /// current for the next step.
    pub(super) fn apply_gaps(&mut self) {
        let gaps = &mut self.gaps;
        let mut buf = Vec::new();
        for (s, var, locals, pos) in &gaps.reads {
            buf.clear();
            self.shards[*s].kernel.read(*var, locals, &mut buf);
            for (k, v) in pos.iter().zip(&buf) {
                gaps.v[*k] = *v;
            }
        }
        gaps.current.iter_mut().for_each(|i| *i = 0.0);
        let at = |cells: &[u32], g: u32| cells.binary_search(&g).unwrap_or(0);
        for p in &gaps.projs {
            for ((a, b), g) in p.pre.iter().zip(&p.post).zip(&p.weight) {
                let (ia, ib) = (at(&gaps.cells, *a), at(&gaps.cells, *b));
                let i = g * (gaps.v[ia] - gaps.v[ib]);
                gaps.current[ib] += i;
                gaps.current[ia] -= i;
            }
        }
        for (s, _, locals, pos) in &gaps.reads {
            let gap = &mut self.shards[*s].gap;
            for (c, k) in locals.iter().zip(pos) {
                gap[*c] = gaps.current[*k];
            }
        }
    }

    /// The connections of a gap-junction projection, if `proj` is one.
    pub(super) fn gap_connections(&self, proj: ProjId) -> Option<(Vec<u32>, Vec<u32>)> {
        self.gaps.find(proj).map(|p| (p.pre.clone(), p.post.clone()))
    }

    /// `weight` or `delay` (unused by junctions) of a gap projection.
    pub(super) fn gap_get(&self, proj: ProjId, name: &str) -> Option<Result<Vec<f64>>> {
        let p = self.gaps.find(proj)?;
        Some(match name {
            "weight" => Ok(p.weight.clone()),
            "delay" => Ok(p.delay.clone()),
            _ => Err(Error::unknown_name("native gap-junction projection", "attribute", name, ["weight", "delay"])),
        })
    }

    /// Sets the conductances of a gap projection.
    pub(super) fn gap_set(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        let p = self.gaps.projs.iter_mut().find(|p| p.id == proj)?;
        Some(if name != "weight" {
            Err(err(format!("projection {proj} holds gap junctions: `{name}` cannot be set (only `weight`)")))
        } else if values.len() != p.weight.len() {
            Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.weight.len(),
                found: values.len(),
            })
        } else if let Some(w) = values.iter().find(|w| !w.is_finite() || **w < 0.0) {
            Err(Error::invalid_value(
                format!("projection {proj} (ElectricalSynapse)"),
                "weight",
                w,
                "a conductance >= 0 uS",
            ))
        } else {
            p.weight.copy_from_slice(values);
            Ok(())
        })
    }
}
