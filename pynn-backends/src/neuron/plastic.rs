//! Plastic synapses on the NEURON backend: `TsodyksMarkramSynapse`,
//! `STDPMechanism` (SpikePairRule with every weight dependence) and
//! `Vogels2011Rule`, with NEST 3.10's semantics.
//!
//! # How
//!
//! The update rules are the native engine's (`native/plastic.rs`, itself
//! NEST's `tsodyks_synapse`, `stdp_synapse` and `vogels_sprekeler_synapse`
//! step for step, tested against NEST in `tests/plasticity.rs`); NEURON
//! integrates the cells. A plastic projection has no NetCons: the run is
//! cut into `min_delay` slices (as NEST communicates); after each slice the
//! driver hands back the spikes of the cells that are pre- or
//! post-synaptic to a plastic projection (`plastic_run` in `driver.py`),
//! the rules turn them into weighted events exactly when NEST's synapses
//! would (post spikes enter the histories first, then each pre spike, in
//! order of step then cell, updates its synapses at its spike time), and
//! each event (target, receptor, arrival step `s + d`, weight) is
//! scheduled in NEURON with `NetCon.event` at `(s + d - 1) dt + dt/4 - EPS`,
//! the time at which a static NetCon of delay `d` delivers a spike stamped
//! `s` (see `driver.py`). Every arrival lies in a later slice (`d >=
//! min_delay`), so nothing is late.
//!
//! Because the rules see the same spike steps as NEST's (NEURON gives
//! NEST's spike steps, `tests/neuron_backend.rs`), the weights are the
//! native engine's, bit for bit: within 1e-9 relative of NEST's
//! (`tests/neuron_plasticity.rs`). The input of a plastic event enters the
//! cell's synaptic buffer in NEURON's event order rather than the native
//! ring buffer's summation order, so `v` may differ from native's by
//! rounding (~1e-15 mV).
//!
//! # Cost
//!
//! One driver round trip per `min_delay` slice while plastic projections
//! exist (about 0.1-0.3 ms each): long runs with `min_delay = dt` pay it
//! every step. Under MPI (several ranks, `NeuronOptions::ranks`) the spikes are gathered to rank 0
//! each slice and the events broadcast with the next command.

use super::{Neuron, err};
use crate::external::protocol::{Request, RunInputs};
use crate::native::plastic::{Plastic, Sink};
use pynn_core::backend::{Connections, ProjId, ProjectionSpec, RawWeights};
use pynn_core::{Error, Result};
use serde_json::json;

/// One weighted input for NEURON, in the mechanism's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Event {
    /// Global index of the target cell.
    pub target: u32,
    /// Receptor index (the NetCon's `weight[1]`).
    pub receptor: usize,
    /// Step whose tick adds the input (NEST: spike stamp + delay).
    pub arrival: u64,
    /// Weight in the mechanism's units (PyNN weight x the model's factor).
    pub weight: f64,
}

struct Collect<'a> {
    factor: f64,
    out: &'a mut Vec<Event>,
}

impl Sink for Collect<'_> {
    fn add(&mut self, receptor: usize, cell: u32, arrival: u64, w: f64) {
        self.out.push(Event { target: cell, receptor, arrival, weight: w * self.factor });
    }
}

/// The plastic projections of a NEURON session and the events they have
/// produced that NEURON has not been given yet.
#[derive(Default)]
pub(super) struct PlasticSet {
    projs: Vec<(ProjId, Plastic, f64)>,
    /// Events waiting for the next slice.
    events: Vec<Event>,
}

impl PlasticSet {
    /// True if the session has plastic projections.
    pub(super) fn is_active(&self) -> bool {
        !self.projs.is_empty()
    }

    /// Whether `proj` is plastic.
    pub(super) fn contains(&self, proj: ProjId) -> bool {
        self.projs.iter().any(|(id, _, _)| *id == proj)
    }

    fn get(&self, proj: ProjId) -> Option<&Plastic> {
        self.projs.iter().find(|(id, _, _)| *id == proj).map(|(_, p, _)| p)
    }

    fn get_mut(&mut self, proj: ProjId) -> Option<&mut Plastic> {
        self.projs.iter_mut().find(|(id, _, _)| *id == proj).map(|(_, p, _)| p)
    }

    /// Global indices (sorted) of every cell pre- or post-synaptic to a
    /// plastic projection.
    pub(super) fn watched(&self) -> Vec<u32> {
        let mut cells: Vec<u32> = Vec::new();
        for (_, p, _) in &self.projs {
            let (pre, post) = p.connections();
            cells.extend(pre);
            cells.extend(post);
        }
        cells.sort_unstable();
        cells.dedup();
        cells
    }

    /// Back to time 0: initial weights and state, no history, no events.
    pub(super) fn reset(&mut self) {
        self.projs.iter_mut().for_each(|(_, p, _)| p.reset());
        self.events.clear();
    }
}

impl Neuron {
    /// A plastic projection: kept in Rust (`PlasticSet`), no NetCons.
    pub(super) fn connect_plastic(&mut self, spec: &ProjectionSpec<'_>, c: &Connections, factor: f64) -> Result<()> {
        if c.pre.windows(2).any(|w| w[0] > w[1]) {
            return Err(err(format!("projection \"{}\": connections not sorted by pre-synaptic cell", spec.label)));
        }
        let dt = self.cfg.timestep;
        let (pre_lo, pre_hi) = match (c.pre.first(), c.pre.last()) {
            (Some(lo), Some(hi)) => (*lo, *hi + 1),
            _ => (0, 0),
        };
        let mut row_ptr = vec![0usize; (pre_hi - pre_lo) as usize + 1];
        for p in &c.pre {
            row_ptr[(p - pre_lo) as usize + 1] += 1;
        }
        for i in 1..row_ptr.len() {
            row_ptr[i] += row_ptr[i - 1];
        }
        let mut delay = Vec::with_capacity(c.delay.len());
        for d in &c.delay {
            let steps = (d / dt).round();
            if !(1.0..=f64::from(u16::MAX)).contains(&steps) {
                return Err(Error::invalid_value(
                    format!("projection \"{}\" on NEURON", spec.label),
                    "delay",
                    d,
                    format!("1 to {} time steps", u16::MAX),
                ));
            }
            delay.push(steps as u16);
        }
        let keep = self.cfg.max_delay_steps() + self.cfg.min_delay_steps().max(1);
        let p = Plastic::new(
            spec.id,
            &spec.synapse,
            spec.receptor.index,
            pre_lo,
            row_ptr,
            c.post.clone(),
            &c.weight,
            delay,
            dt,
            keep,
        )?
        .ok_or_else(|| {
            Error::unsupported(
                "NEURON",
                format!("synapse model {:?} (projection \"{}\")", spec.synapse, spec.label),
                "use a synapse type this backend implements, or another backend",
            )
        })?;
        self.sim.plastic.projs.push((spec.id, p, factor));
        Ok(())
    }

    /// `get` of a plastic projection's attribute (PyNN units), if `proj`
    /// is plastic.
    pub(super) fn plastic_get(&self, proj: ProjId, name: &str) -> Option<Result<Vec<f64>>> {
        self.sim.plastic.get(proj).map(|p| p.get(name, self.cfg.timestep))
    }

    /// `set` of `weight` or `delay` of a plastic projection, if `proj` is
    /// plastic (the mirror's connection list follows).
    pub(super) fn plastic_set(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        let dt = self.cfg.timestep;
        let p = self.sim.plastic.get_mut(proj)?;
        Some(p.set(name, values, dt))
    }

    pub(super) fn plastic_initialize(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let p = self
            .sim
            .plastic
            .get_mut(proj)
            .ok_or_else(|| err(format!("projection {proj}: static synapses have no state `{name}`")))?;
        p.initialize(name, values)
    }

    pub(super) fn plastic_record(&mut self, proj: ProjId, interval: Option<u64>) -> Result<()> {
        let now = self.step;
        let p = self
            .sim
            .plastic
            .get_mut(proj)
            .ok_or_else(|| err(format!("projection {proj}: only plastic projections record their weights")))?;
        p.record(interval, now);
        Ok(())
    }

    pub(super) fn plastic_recorded(&self, proj: ProjId) -> Result<RawWeights> {
        self.sim
            .plastic
            .get(proj)
            .map(Plastic::recorded)
            .ok_or_else(|| err(format!("projection {proj}: only plastic projections record their weights")))
    }

    /// The samples of Tsodyks–Markram state `name`, taken with the weights.
    pub(super) fn plastic_recorded_state(&self, proj: ProjId, name: &str) -> Result<RawWeights> {
        self.sim
            .plastic
            .get(proj)
            .and_then(|p| p.recorded_state(name))
            .ok_or_else(|| err(format!("projection {proj} has no Tsodyks-Markram state `{name}` (u, x, y)")))
    }

    /// Tells the driver which cells' spikes the rules need (after a build).
    pub(super) fn plastic_setup(&mut self) -> Result<()> {
        let watched = self.sim.plastic.watched();
        self.driver()?.request(&Request::PlasticSetup { watch: json!(watched) }).map(drop)
    }

    /// `run_until` with plastic projections: `min_delay` slices; each slice
    /// gives NEURON the pending events, runs, and turns its spikes into new
    /// events.
    pub(super) fn run_plastic(&mut self, step: u64) -> Result<()> {
        let md = self.cfg.min_delay_steps().max(1);
        while self.step < step {
            let a = self.step;
            let b = step.min((a / md + 1) * md);
            let (src_cells, src_steps) = self.source_spikes(a, b)?;
            let (cur_steps, counts, cells, values) = self.current_changes(a, b);
            let events = std::mem::take(&mut self.sim.plastic.events);
            let d = self.driver()?;
            let mut inputs = RunInputs::default();
            if !src_cells.is_empty() {
                inputs.src_cells = Some(d.write_npy("src_cells", &src_cells)?);
                inputs.src_steps = Some(d.write_npy("src_steps", &src_steps)?);
            }
            if !cur_steps.is_empty() {
                inputs.cur_steps = Some(d.write_npy("cur_steps", &cur_steps)?);
                inputs.cur_counts = Some(d.write_npy("cur_counts", &counts)?);
                inputs.cur_cells = Some(d.write_npy("cur_cells", &cells)?);
                inputs.cur_values = Some(d.write_npy("cur_values", &values)?);
            }
            let answer = d.request(&Request::PlasticRun {
                step: b,
                ev_cells: events.iter().map(|e| e.target).collect(),
                ev_receptors: events.iter().map(|e| e.receptor).collect(),
                ev_steps: events.iter().map(|e| e.arrival).collect(),
                ev_weights: events.iter().map(|e| e.weight).collect(),
                inputs,
            })?;
            let list = |k: &str| -> Vec<u64> {
                answer[k].as_array().map(|a| a.iter().filter_map(|x| x.as_u64()).collect()).unwrap_or_default()
            };
            let (sc, ss) = (list("spike_cells"), list("spike_steps"));
            let mut spikes: Vec<(u32, u64)> = sc.iter().zip(&ss).map(|(c, s)| (*c as u32, *s)).collect();
            spikes.sort_by_key(|&(c, s)| (s, c));
            self.step = b;
            let mut out = Vec::new();
            for (_, p, factor) in &mut self.sim.plastic.projs {
                p.deliver(&spikes, b, &mut Collect { factor: *factor, out: &mut out });
            }
            if let Some(e) = out.iter().find(|e| e.arrival <= b) {
                return Err(err(format!("plastic event for cell {} arrives at step {} <= {b}", e.target, e.arrival)));
            }
            self.sim.plastic.events = out;
        }
        Ok(())
    }
}
