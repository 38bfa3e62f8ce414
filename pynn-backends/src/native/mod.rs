//! The native engine: pynn-rs's own simulator, the default backend.
//!
//! # Shape
//!
//! * **Clock-driven**, fixed time step `dt`; time is an integer step count.
//!   Step `k` advances every cell from `t_k = k dt` to `t_k+1`; a spike
//!   detected in step `k` carries the time `t_k+1` (NEST's on-grid
//!   convention); a spike with time `t_s` and delay `d` is added to the
//!   target's input at `t_s + d`, i.e. in the step that ends there.
//! * **Shards** (`shard.rs`). Every population is cut into shards of
//!   [`shard_cells`]`(n)` consecutive cells (the last one shorter), a power
//!   of two between 256 and [`SHARD_CELLS`] that depends only on the
//!   population sizes, never on the number of threads. A shard owns
//!   everything its cells need: a kernel built over its cells' parameters
//!   ([`kernel::BuildContext::first_cell`] keys random streams by the cell's
//!   index in the population, so the streams do not depend on the cut), its
//!   ring buffers, and the synapse rows of every projection *into* its cells.
//!   State is struct-of-arrays per shard, one monomorphised update loop per
//!   cell type ([`kernel::Kernel`]).
//! * **Communication in slices** of at most `min_delay` (`delivery.rs`):
//!   within a slice no spike can reach any cell. One parallel task per shard
//!   and slice first delivers the previous slice's spikes into its own ring
//!   buffers (no locks: only the shard writes there), then advances its
//!   cells through the slice. Each shard sums its input in a fixed order
//!   (projection, then spike time, then source cell, then row order), so
//!   results are bit-identical for any number of threads. Ring buffers per
//!   shard and receptor hold `max_delay + min_delay + 1` slots of one value
//!   per cell. Slices lie on one grid from time 0 whatever the runs'
//!   lengths: a run ending within a slice holds its spikes until the next
//!   run finishes it (`boundary.rs`).
//! * **Synapses in compressed rows** (`rows.rs`) per (projection, target
//!   shard), by pre-synaptic cell: `u32` row pointers, target as a `u16`
//!   index within the shard, weight and delay each stored as one value for
//!   the whole projection, a `u8` index into a per-projection palette of at
//!   most 256 exact values, or one value per synapse (f64 weight, u16 delay
//!   in steps), whichever is smallest: lossless, so results are those of the
//!   plain layout. Receptor type per projection.
//! * **Plastic synapses** ([`plastic`]) keep their own rows and per-synapse
//!   state. When a network has any, each slice starts with the delivery of
//!   the previous slice's spikes: the static rows (one task per shard), then
//!   the plastic projections serially in creation order, writing into the
//!   ring buffers of their targets' shards (the sink in `delivery.rs`); then
//!   the shards advance in parallel. Networks without plastic synapses keep
//!   the single fused task per shard.
//! * **Delays** are rounded to the nearest step once, when connecting.
//!   Refractory periods are converted as NEST does ([`propagators::refractory_steps`]).
//!
//! This file holds the [`Native`] backend itself: its state and the
//! [`Backend`] and [`Supports`] implementations, which hand the work to the
//! files above.

pub mod adex;
pub mod cond;
pub mod gif;
pub mod hh;
pub mod izhikevich;
pub mod kernel;
pub mod lif;
pub mod options;
pub mod plastic;
pub mod point;
pub mod precise;
pub mod propagators;
pub mod renewal;
pub mod rkf45;
pub mod simd;
pub mod sources;
mod stochastic;

mod boundary;
mod delivery;
pub mod gap;
mod rows;
mod shard;
mod team;

pub use options::{NativeOptions, OdeSolver};
pub use rows::SynapseMemory;
pub use shard::{SHARD_CELLS, shard_cells};

use kernel::NativeCell;
use pynn_core::backend::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, Result};
use rows::Proj;
use shard::{Current, Pop, Shard, ShardSignal, Spikes, sub_table};

const NAME: &str = "native";

fn err(message: impl Into<String>) -> Error {
    Error::Backend { backend: NAME, message: message.into() }
}

/// The native backend. Select it with `Sim::<Native>::setup(...)`.
pub struct Native {
    cfg: SimConfig,
    options: NativeOptions,
    dt: f64,
    min_delay: u64,
    /// Slots of the ring buffers: `max_delay + min_delay + 1` as set up, or
    /// fewer when no synapse needs them all ([`Native::fit_rings`]).
    ring_len: u64,
    /// The longest delay (steps) of the static synapses, while known
    /// (cleared when synapses are added or their delays set).
    static_delay: Option<u64>,
    step: u64,
    started: bool,
    pops: Vec<Pop>,
    shards: Vec<Shard>,
    /// Spikes of the last slice, not yet delivered (one entry per shard).
    pending: Vec<Spikes>,
    /// End step of the slice whose spikes are pending (0 for the initial
    /// spikes), while plastic projections still have to see them.
    pending_upto: Option<u64>,
    /// Spike buffers for the slice being computed.
    next: Vec<Spikes>,
    /// End step of the slice the last run ended within: its spikes so far
    /// are `pending`, held until it is finished (`boundary.rs`).
    open: Option<u64>,
    /// The plastic projections' additions for the held spikes (`boundary.rs`).
    held: Option<boundary::Held>,
    /// Global index of each shard's first cell, and one past the last shard.
    shard_lo: Vec<usize>,
    projs: Vec<Proj>,
    currents: Vec<Option<Current>>,
    owner: Vec<u32>,
    pool: std::sync::Arc<rayon::ThreadPool>,
    /// Plastic projections (their `projs` entry is empty), creation order.
    plastic: Vec<plastic::Plastic>,
    /// Gap junctions (`gap.rs`); their `projs` entry is empty.
    gaps: gap::Gaps,
    /// How the shards of a slice are shared among the threads.
    team: team::Team,
    /// Set when a worker thread panicked during a run: every later run
    /// fails with this message.
    broken: Option<String>,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Native({} populations in {} shards, {} projections, step {})",
            self.pops.len(),
            self.shards.len(),
            self.projs.len(),
            self.step
        )
    }
}

impl Native {
    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Sizes the ring buffers for the run to come: `d + min_delay + 1`
    /// slots for the longest delay `d` of the static synapses (a network
    /// whose delays are all shorter than `max_delay` sweeps fewer slots
    /// through the cache: VA CUBA, 0.2 ms delays under a `max_delay` of
    /// 1 ms, reads 5 slots instead of 13), never fewer than the inputs
    /// already waiting need; the full `max_delay + min_delay + 1` with
    /// plastic projections or precise cells (whose own storage counts in
    /// those slots). Each waiting input keeps its arrival step, so results
    /// do not change.
    fn fit_rings(&mut self) -> Result<()> {
        let full = self.cfg.max_delay_steps() + self.cfg.min_delay_steps() + 1;
        let precise = self.shards.iter_mut().any(|sh| sh.kernel.precise().is_some());
        let mut len = if !self.plastic.is_empty() || precise {
            full
        } else {
            let d = *self.static_delay.get_or_insert_with(|| {
                let mut d = 0u64;
                for rows in self.shards.iter().flat_map(|sh| &sh.incoming) {
                    let most = match &rows.delay {
                        rows::Values::Same(x) => *x,
                        rows::Values::Palette(p, _) => p.iter().copied().max().unwrap_or(0),
                        rows::Values::Each(v) => v.iter().copied().max().unwrap_or(0),
                    };
                    d = d.max(u64::from(most));
                }
                d
            });
            d + self.min_delay + 1
        };
        let old = self.ring_len;
        if len == old {
            return Ok(());
        }
        // Slot of arrival step `step + k` (k = 1 .. old - 1) may hold input;
        // the slot of `step` was consumed.
        let slot = |k: u64, l: u64| ((self.step + k) % l) as usize;
        if len < old {
            for k in (len..old).rev() {
                let waiting = self.shards.iter().any(|sh| {
                    let n = sh.size;
                    sh.ring.iter().any(|r| r[slot(k, old) * n..(slot(k, old) + 1) * n].iter().any(|x| x.to_bits() != 0))
                });
                if waiting {
                    len = k + 1;
                    break;
                }
            }
        }
        if len == old {
            return Ok(());
        }
        for sh in &mut self.shards {
            let n = sh.size;
            for r in &mut sh.ring {
                let what = || format!("ring buffers of {len} slots");
                let mut new = pynn_core::memory::try_vec(&"the native engine", what, len as usize * n, 0.0)?;
                for k in 1..old.min(len) {
                    let (a, b) = (slot(k, old) * n, slot(k, len) * n);
                    new[b..b + n].copy_from_slice(&r[a..a + n]);
                }
                *r = new;
            }
        }
        self.ring_len = len;
        Ok(())
    }

    fn plastic_mut(&mut self, id: ProjId) -> Option<&mut plastic::Plastic> {
        self.plastic.iter_mut().find(|p| p.id == id)
    }

    fn plastic_ref(&self, id: ProjId) -> Option<&plastic::Plastic> {
        self.plastic.iter().find(|p| p.id == id)
    }
}

impl Backend for Native {
    const NAME: &'static str = NAME;
    type Options = NativeOptions;

    /// The native engine is part of pynn-rs: its version is [`pynn_core::VERSION`].
    fn simulator_version(&self) -> Option<String> {
        Some(pynn_core::VERSION.into())
    }

    fn setup(config: &SimConfig, options: &NativeOptions) -> Result<Self> {
        let max_steps = config.max_delay_steps();
        if max_steps > u64::from(u16::MAX) {
            return Err(Error::InvalidSetup {
                parameter: "max_delay",
                value: config.max_delay,
                allowed: format!(
                    "the native engine stores delays in at most {} steps ({} ms at this time step)",
                    u16::MAX,
                    pynn_core::fmt_num(f64::from(u16::MAX) * config.timestep)
                ),
            });
        }
        let mut builder = rayon::ThreadPoolBuilder::new();
        if config.threads > 0 {
            builder = builder.num_threads(config.threads);
        }
        let pool = builder.build().map_err(|e| err(format!("cannot start worker threads: {e}")))?;
        Ok(Native {
            cfg: config.clone(),
            options: *options,
            dt: config.timestep,
            min_delay: config.min_delay_steps().max(1),
            ring_len: max_steps + config.min_delay_steps() + 1,
            static_delay: None,
            step: 0,
            started: false,
            pops: Vec::new(),
            shards: Vec::new(),
            pending: Vec::new(),
            pending_upto: None,
            next: Vec::new(),
            open: None,
            held: None,
            shard_lo: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            owner: Vec::new(),
            pool: std::sync::Arc::new(pool),
            plastic: Vec::new(),
            gaps: gap::Gaps::default(),
            team: team::Team::default(),
            broken: None,
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let range = self.pop(pop)?.shards.clone();
        for sh in &mut self.shards[range] {
            sh.kernel.set_parameters(&sub_table(parameters, sh.first, sh.size))?;
        }
        Ok(())
    }

    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let range = self.pop(pop)?.shards.clone();
        let first = range.start;
        let mut per: Vec<(Vec<usize>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); range.len()];
        for (c, v) in cells.iter().zip(values) {
            let k = self.pops[pop].shard_of_local(*c) - first;
            if let Some(slot) = per.get_mut(k) {
                slot.0.push(c - self.shards[first + k].first);
                slot.1.push(*v);
            }
        }
        for (k, (cs, vs)) in per.iter().enumerate() {
            // Every shard is told (even with no cells), so that an unknown
            // variable is an error whichever cells are named.
            self.shards[first + k].kernel.initialize(variable, cs, vs)?;
        }
        Ok(())
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, c: Connections) -> Result<()> {
        self.close_slice();
        self.static_delay = None;
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        if c.pre.windows(2).any(|w| w[0] > w[1]) {
            return Err(err("connections must be sorted by pre-synaptic cell"));
        }
        if let Some(t) = c.post.iter().find(|t| **t as usize >= self.owner.len()) {
            return Err(err(format!("post-synaptic cell {t} does not exist")));
        }
        if let Some(g) = c.pre.last().filter(|g| **g as usize >= self.owner.len()) {
            return Err(err(format!("pre-synaptic cell {g} does not exist")));
        }
        let (pre_lo, pre_hi) = match (c.pre.first(), c.pre.last()) {
            (Some(lo), Some(hi)) => (*lo, *hi + 1),
            _ => (0, 0),
        };
        if matches!(spec.synapse, SynapseKind::Gap) {
            self.connect_gap(spec, c)?;
            self.projs.push(Proj { parts: Vec::new(), pre_lo: 0, pre_hi: 0, n: 0, perm: None });
            return Ok(());
        }
        let receptor = spec.receptor.index;
        let dt = self.dt;
        let steps = |d: &f64| (d / dt).round() as u16;
        let uniform_delay = c.delay.first().filter(|d0| c.delay.iter().all(|d| d.to_bits() == d0.to_bits()));
        // One value for the whole projection when every delay is the same.
        let delay: Vec<u16> = match uniform_delay {
            Some(d0) if matches!(spec.synapse, SynapseKind::Static) => vec![steps(d0)],
            _ => c.delay.iter().map(steps).collect(),
        };
        if !matches!(spec.synapse, SynapseKind::Static) {
            // Every plastic and stochastic synapse onto precise cells
            // follows NEST (`plastic.rs`: pre at its grid stamp, post at
            // its precise time, the weight at the pre offset).
            // Plastic synapses keep their own rows (plastic.rs) and an empty
            // static projection under the same id.
            let mut last = usize::MAX;
            for t in &c.post {
                let s = self.shard_of(*t as usize);
                if s != last && receptor >= self.shards[s].ring.len() {
                    return Err(err(format!("receptor {receptor} does not exist on the post-synaptic cells")));
                }
                last = s;
            }
            let mut row_ptr = vec![0usize; (pre_hi - pre_lo) as usize + 1];
            for p in &c.pre {
                row_ptr[(p - pre_lo) as usize + 1] += 1;
            }
            for i in 1..row_ptr.len() {
                row_ptr[i] += row_ptr[i - 1];
            }
            let keep = self.cfg.max_delay_steps() + self.min_delay;
            let (target, weight) = (c.post, c.weight);
            let p = plastic::Plastic::new(
                spec.id,
                &spec.synapse,
                receptor,
                pre_lo,
                row_ptr,
                target,
                &weight,
                delay,
                dt,
                keep,
            )?
            .ok_or_else(|| {
                Error::unsupported(
                    "native",
                    format!("synapse model {:?} (projection \"{}\")", spec.synapse, spec.label),
                    "use a synapse type this backend implements",
                )
            })?;
            self.plastic.push(p);
            self.projs.push(Proj { parts: Vec::new(), pre_lo: 0, pre_hi: 0, n: 0, perm: None });
            return Ok(());
        }
        self.connect_static(spec, c, delay, (pre_lo, pre_hi))
    }

    fn connect_streamed(&mut self, spec: &ProjectionSpec<'_>, source: &ConnectionSource<'_>) -> Result<usize> {
        self.close_slice();
        self.static_delay = None;
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        if !matches!(spec.synapse, SynapseKind::Static) {
            let c = source.collect()?;
            let n = c.len();
            self.connect(spec, c)?;
            return Ok(n);
        }
        self.connect_streamed_static(spec, source)
    }

    fn streamed_connection_bytes(&self) -> Option<u64> {
        // 2 bytes of target per synapse in the rows, plus row pointers and
        // the ranges being packed (one per thread): 4 is a safe bound.
        Some(4)
    }

    fn connections(&self, proj: ProjId) -> Result<(Vec<u32>, Vec<u32>)> {
        if let Some(p) = self.plastic_ref(proj) {
            return Ok(p.connections());
        }
        if let Some(c) = self.gap_connections(proj) {
            return Ok(c);
        }
        let p = self.proj(proj)?;
        let mut pre = Vec::with_capacity(p.n);
        let mut post = Vec::with_capacity(p.n);
        self.for_each_canonical(p, |g, s, rows, i| {
            pre.push(g);
            post.push((self.shards[s].lo + rows.target[i] as usize) as u32);
        });
        Ok((Self::to_connection_order(p, pre), Self::to_connection_order(p, post)))
    }

    fn get_synaptic(&self, proj: ProjId, name: &str) -> Result<Vec<f64>> {
        if let Some(p) = self.plastic_ref(proj) {
            return p.get(name, self.dt);
        }
        if let Some(r) = self.gap_get(proj, name) {
            return r;
        }
        let p = self.proj(proj)?;
        let mut out = Vec::with_capacity(p.n);
        match name {
            "weight" => self.for_each_canonical(p, |_, _, rows, i| out.push(rows.weight.get(i))),
            "delay" => self.for_each_canonical(p, |_, _, rows, i| out.push(f64::from(rows.delay.get(i)) * self.dt)),
            _ => return Err(Error::unknown_name("native projection", "attribute", name, ["weight", "delay"])),
        }
        Ok(Self::to_connection_order(p, out))
    }

    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        // Spikes held in an open slice keep the values they were emitted under.
        self.close_slice();
        self.static_delay = None;
        let dt = self.dt;
        if let Some(p) = self.plastic_mut(proj) {
            if values.len() != p.len() {
                return Err(Error::LengthMismatch {
                    object: "native projection".into(),
                    what: name.into(),
                    expected: p.len(),
                    found: values.len(),
                });
            }
            return p.set(name, values, dt);
        }
        if let Some(r) = self.gap_set(proj, name, values) {
            return r;
        }
        self.set_static(proj, name, values)
    }

    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()> {
        if self.currents.len() <= id {
            self.currents.resize_with(id + 1, || None);
        }
        self.currents[id] = Some(Current { spec: spec.clone(), targets: targets.to_vec() });
        self.rebuild_injection();
        Ok(())
    }

    fn set_recording(&mut self, pop: PopId, plan: &RecordingPlan) -> Result<()> {
        let p = self.pop(pop)?;
        let range = p.shards.clone();
        let label = p.label.clone();
        let mut vars = Vec::new();
        for (name, _) in &plan.signals {
            let var = self.shards[range.start].kernel.variable(name).ok_or_else(|| Error::Recording {
                object: format!("population \"{label}\""),
                message: format!("`{name}` cannot be recorded on the native engine"),
            })?;
            vars.push(var);
        }
        let same = plan.signals == self.pops[pop].signal_plan;
        if !same {
            // Samples taken under the previous plan wait for the next drain.
            let old = self.merge_samples(pop)?;
            self.pops[pop].done.extend(old);
        }
        for sh in &mut self.shards[range] {
            sh.spike_mask.iter_mut().for_each(|m| *m = false);
            sh.records_spikes = false;
            for c in &plan.spikes {
                if *c >= sh.first && *c < sh.first + sh.size {
                    sh.spike_mask[c - sh.first] = true;
                    sh.records_spikes = true;
                }
            }
            if !same {
                sh.signals = plan
                    .signals
                    .iter()
                    .zip(&vars)
                    .map(|((_, cells), var)| {
                        let (mut local, mut pos) = (Vec::new(), Vec::new());
                        for (j, c) in cells.iter().enumerate() {
                            if *c >= sh.first && *c < sh.first + sh.size {
                                local.push(c - sh.first);
                                pos.push(j);
                            }
                        }
                        ShardSignal { var: *var, cells: local, pos, steps: vec![], data: vec![] }
                    })
                    .collect();
                sh.last_sample = None;
            }
            sh.interval = plan.interval_steps.max(1);
        }
        self.pops[pop].signal_plan = plan.signals.clone();
        Ok(())
    }

    fn run_until(&mut self, step: u64) -> Result<()> {
        self.reserve_samples(step)?;
        self.fit_rings()?;
        if !self.started && self.step == 0 {
            for (sh, pend) in self.shards.iter_mut().zip(&mut self.pending) {
                pend.clear();
                sh.kernel.initial_spikes(&mut pend.list);
                // Offsets are kept by precise shards only (0 here).
                let precise = sh.kernel.precise().is_some();
                for &(c, s) in &pend.list {
                    if sh.spike_mask[c as usize] {
                        sh.rec_spikes.push((c, s));
                        if precise {
                            sh.rec_offs.push(0.0);
                        }
                    }
                }
                pend.end_step();
            }
            // Delivered (static rows, then plastic projections) before the
            // first slice, as spikes of a slice ending at step 0.
            self.pending_upto = Some(0);
            self.started = true;
        }
        if let Some(message) = &self.broken {
            return Err(err(message.clone()));
        }
        let pool = std::sync::Arc::clone(&self.pool);
        let ran = pool.install(|| {
            // Gap junctions: slices of the relaxation window (gap.rs).
            let slice = self.gaps.slice(self.min_delay, self.dt);
            self.team.plan(&self.shards, slice);
            // Slices are `k slice .. (k + 1) slice` whatever the runs'
            // lengths (`boundary.rs`): first the rest of a slice the last
            // run ended within, or up to the grid.
            while self.step < step && (self.open.is_some() || !self.step.is_multiple_of(slice)) {
                self.next_slice(step, slice);
            }
            if self.relay_fits(slice) {
                // Persistent workers, no fork-join per slice (team.rs).
                self.run_relay(step, slice)?;
                if !self.step.is_multiple_of(slice) {
                    self.open = Some(self.step.next_multiple_of(slice));
                }
            }
            while self.step < step {
                self.next_slice(step, slice);
            }
            self.end_run();
            Ok::<(), Box<dyn std::any::Any + Send>>(())
        });
        if let Err(payload) = ran {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let message = format!(
                "a worker thread panicked near step {} ({what}); the engine's state is undefined, \
                 set up a new simulation",
                self.step
            );
            self.broken = Some(message.clone());
            return Err(err(message));
        }
        // The sample at the end time (if on the sampling grid) was taken in
        // the last step; signals of a run ending off-grid end earlier.
        Ok(())
    }

    fn reset(&mut self) -> Result<()> {
        self.step = 0;
        self.started = false;
        for sh in &mut self.shards {
            sh.kernel.reset();
            for r in &mut sh.ring {
                r.fill(0.0);
            }
            sh.rec_spikes.clear();
            sh.rec_offs.clear();
            for s in &mut sh.signals {
                s.steps.clear();
                s.data.clear();
            }
            sh.last_sample = None;
        }
        self.pending.iter_mut().for_each(Spikes::clear);
        self.pending_upto = None;
        self.open = None;
        self.held = None;
        self.plastic.iter_mut().for_each(plastic::Plastic::reset);
        for p in &mut self.pops {
            p.done.clear();
        }
        Ok(())
    }

    fn drain_recording(&mut self, pop: PopId) -> Result<RawRecording> {
        let range = self.pop(pop)?.shards.clone();
        let merged = self.merge_samples(pop)?;
        let mut signals = std::mem::take(&mut self.pops[pop].done);
        signals.extend(merged);
        // Allocated at their length: the core keeps these vectors as they
        // are until the segment is built (data.rs), and the shards' buffers
        // are freed (a later run grows its own).
        // Offsets are kept only where one is not 0 (precise shards).
        let shards = &mut self.shards[range];
        let n: usize = shards.iter().map(|sh| sh.rec_spikes.len()).sum();
        let precise = shards.iter().any(|sh| sh.rec_offs.iter().any(|o| *o != 0.0));
        let mut spikes = Vec::with_capacity(n);
        let mut offsets = Vec::with_capacity(if precise { n } else { 0 });
        for sh in shards {
            let first = sh.first as u32;
            spikes.extend(sh.rec_spikes.iter().map(|&(c, s)| (first + c, s)));
            if precise {
                offsets.extend_from_slice(&sh.rec_offs);
                offsets.resize(spikes.len(), 0.0);
            }
            sh.rec_spikes = Vec::new();
            sh.rec_offs = Vec::new();
        }
        if !precise {
            spikes.sort_by_key(|&(c, s)| (s, c));
        } else {
            // Precise spikes (spike_precision "off_grid"): sorted by time.
            let mut both: Vec<_> = spikes.into_iter().zip(offsets).collect();
            both.sort_by(|a, b| a.0.1.cmp(&b.0.1).then(b.1.total_cmp(&a.1)).then(a.0.0.cmp(&b.0.0)));
            (spikes, offsets) = both.into_iter().unzip();
        }
        Ok(RawRecording { spikes, offsets, signals })
    }

    fn end(&mut self) -> Result<()> {
        Ok(())
    }

    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        self.close_slice();
        match self.plastic_mut(proj) {
            Some(p) if values.len() == p.len() => p.initialize(name, values),
            Some(p) => Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.len(),
                found: values.len(),
            }),
            None => Err(err(format!("projection {proj} has static synapses: no state `{name}`"))),
        }
    }

    fn record_weights(&mut self, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let now = self.step;
        match self.plastic_mut(proj) {
            Some(p) => {
                p.record(interval_steps, now);
                Ok(())
            }
            None => Err(err(format!("projection {proj} has static synapses: its weights do not change"))),
        }
    }

    fn recorded_weights(&self, proj: ProjId) -> Result<RawWeights> {
        self.plastic_ref(proj)
            .map(plastic::Plastic::recorded)
            .ok_or_else(|| err(format!("projection {proj} has static synapses: its weights do not change")))
    }

    fn recorded_synaptic_state(&self, proj: ProjId, name: &str) -> Result<RawWeights> {
        self.plastic_ref(proj)
            .and_then(|p| p.recorded_state(name))
            .ok_or_else(|| err(format!("projection {proj} has no Tsodyks-Markram state `{name}` (u, x, y)")))
    }
}

impl<C: NativeCell> Supports<C> for Native {
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
        self.add_population::<C>(spec)
    }
}
