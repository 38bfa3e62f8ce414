//! The native engine: pynn-rs's own simulator, the default backend.
//!
//! # Shape
//!
//! * **Clock-driven**, fixed time step `dt`; time is an integer step count.
//!   Step `k` advances every cell from `t_k = k dt` to `t_k+1`; a spike
//!   detected in step `k` carries the time `t_k+1` (NEST's on-grid
//!   convention); a spike with time `t_s` and delay `d` is added to the
//!   target's input at `t_s + d`, i.e. in the step that ends there.
//! * **Communication in slices** of at most `min_delay`: within a slice no
//!   spike can reach any cell, so populations advance the whole slice
//!   independently (in parallel, one rayon task per population), then the
//!   slice's spikes are delivered. The delivery order (projection, then spike
//!   time, then source) is fixed, so results do not depend on the number of
//!   threads.
//! * **State as struct-of-arrays** per population, one monomorphised update
//!   loop per cell type ([`kernel::Kernel`]).
//! * **Synapses in compressed rows** per projection, by pre-synaptic cell:
//!   target index (u32), weight (f64), delay in steps (u16); receptor type
//!   per projection.
//! * **Ring buffers** per population and receptor: `max_delay + min_delay + 1`
//!   slots of one value per cell.
//! * **Delays** are rounded to the nearest step once, when connecting.
//!   Refractory periods are converted as NEST does ([`propagators::refractory_steps`]).

pub mod adex;
pub mod cond;
pub mod gif;
pub mod hh;
pub mod izhikevich;
pub mod kernel;
pub mod lif;
pub mod plastic;
pub mod point;
pub mod propagators;
pub mod renewal;
pub mod rkf45;
pub mod sources;

use kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::backend::*;
use pynn_core::cells::CellTypeInfo;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, Result};
use rayon::prelude::*;

const NAME: &str = "native";

/// Neuron-steps per slice from which populations advance in parallel.
const PARALLEL_WORK: u64 = 100_000;

fn err(message: impl Into<String>) -> Error {
    Error::Backend { backend: NAME, message: message.into() }
}

struct Pop {
    offset: usize,
    size: usize,
    label: String,
    kernel: Box<dyn Kernel>,
    /// Per receptor: `ring_len * size` input sums.
    ring: Vec<Vec<f64>>,
    /// Current sources injecting into this population: (source, local cells).
    inject: Vec<(usize, Vec<u32>)>,
    current: Vec<f64>,
    spike_mask: Vec<bool>,
    signals: Vec<(usize, Vec<usize>)>,
    signal_names: Vec<String>,
    interval: u64,
    last_sample: Option<u64>,
    /// Recorded spikes (local cell, step) not yet drained.
    rec_spikes: Vec<(u32, u64)>,
    /// Sample buffers, aligned with `signals`.
    bufs: Vec<RawSignal>,
    /// Samples of earlier recording plans, not yet drained.
    done: Vec<RawSignal>,
    out: SpikeOut,
}

struct Proj {
    receptor: usize,
    pre_lo: u32,
    /// `row_ptr[s - pre_lo] .. row_ptr[s - pre_lo + 1]` are the synapses of source `s`.
    row_ptr: Vec<usize>,
    target: Vec<u32>,
    weight: Vec<f64>,
    delay: Vec<u16>,
}

struct Current {
    spec: CurrentSourceSpec,
    targets: Vec<u32>,
}

/// The native backend. Select it with `Sim::<Native>::setup(...)`.
pub struct Native {
    cfg: SimConfig,
    dt: f64,
    min_delay: u64,
    ring_len: u64,
    step: u64,
    started: bool,
    pops: Vec<Pop>,
    projs: Vec<Proj>,
    currents: Vec<Option<Current>>,
    owner: Vec<u32>,
    pool: std::sync::Arc<rayon::ThreadPool>,
    /// Plastic projections (their `projs` entry is empty), creation order.
    plastic: Vec<plastic::Plastic>,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Native({} populations, {} projections, step {})", self.pops.len(), self.projs.len(), self.step)
    }
}

/// Memory held by the engine's synapse storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseMemory {
    /// Number of synapses.
    pub synapses: usize,
    /// Bytes used by synapse rows (targets, weights, delays, row pointers).
    pub bytes: usize,
}

impl Native {
    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Bytes of synapse storage.
    pub fn synapse_memory(&self) -> SynapseMemory {
        let mut m = SynapseMemory { synapses: 0, bytes: 0 };
        for p in &self.projs {
            m.synapses += p.target.len();
            m.bytes += p.target.len() * (4 + 8 + 2) + p.row_ptr.len() * std::mem::size_of::<usize>();
        }
        for p in &self.plastic {
            m.synapses += p.len();
            m.bytes += p.bytes();
        }
        m
    }

    fn plastic_mut(&mut self, id: ProjId) -> Option<&mut plastic::Plastic> {
        self.plastic.iter_mut().find(|p| p.id == id)
    }

    fn plastic_ref(&self, id: ProjId) -> Option<&plastic::Plastic> {
        self.plastic.iter().find(|p| p.id == id)
    }

    /// Plastic projections after the static ones: post spikes enter the
    /// histories, then pre spikes are delivered (see `plastic.rs`).
    fn deliver_plastic(&mut self, spikes: &[(u32, u64)], upto: u64) {
        for p in &mut self.plastic {
            p.deliver(spikes, upto, &mut self.pops, &self.owner, self.ring_len);
        }
    }

    fn proj(&self, id: ProjId) -> Result<&Proj> {
        self.projs.get(id).ok_or_else(|| err(format!("no projection {id}")))
    }

    fn rebuild_injection(&mut self) {
        for p in &mut self.pops {
            p.inject.clear();
        }
        for (s, cur) in self.currents.iter().enumerate() {
            let Some(cur) = cur else { continue };
            for (pi, p) in self.pops.iter_mut().enumerate() {
                let _ = pi;
                let lo = p.offset as u32;
                let hi = (p.offset + p.size) as u32;
                let cells: Vec<u32> = cur.targets.iter().filter(|t| **t >= lo && **t < hi).map(|t| t - lo).collect();
                if !cells.is_empty() {
                    p.inject.push((s, cells));
                }
            }
        }
    }

    fn deliver(&mut self, spikes: &[(u32, u64)]) {
        let ring_len = self.ring_len;
        for proj in &self.projs {
            let n_rows = proj.row_ptr.len() - 1;
            for &(src, stamp) in spikes {
                let Some(row) = src.checked_sub(proj.pre_lo).map(|r| r as usize).filter(|r| *r < n_rows) else {
                    continue;
                };
                for s in proj.row_ptr[row]..proj.row_ptr[row + 1] {
                    let t = proj.target[s] as usize;
                    let pop = &mut self.pops[self.owner[t] as usize];
                    let slot = ((stamp + u64::from(proj.delay[s])) % ring_len) as usize;
                    pop.ring[proj.receptor][slot * pop.size + (t - pop.offset)] += proj.weight[s];
                }
            }
        }
    }

    fn run_slice(&mut self, a: u64, b: u64) {
        let dt = self.dt;
        let ring_len = self.ring_len;
        // Current-source values for the slice, computed once per source.
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(self.currents.len());
        for cur in &self.currents {
            let mut v = Vec::new();
            if let Some(cur) = cur {
                cur.spec.sample(dt, a, b, &mut v);
            }
            values.push(v);
        }
        let values = &values;
        let work: u64 = self.pops.iter().map(|p| p.size as u64).sum::<u64>() * (b - a);
        let advance = |p: &mut Pop| {
            p.out.clear();
            for k in a..b {
                if p.last_sample != Some(k) && k % p.interval == 0 && !p.signals.is_empty() {
                    sample(p, k);
                }
                if !p.inject.is_empty() {
                    p.current.iter_mut().for_each(|c| *c = 0.0);
                }
                for (s, cells) in &p.inject {
                    let x = values[*s][(k - a) as usize];
                    for c in cells {
                        p.current[*c as usize] += x;
                    }
                }
                let slot = ((k + 1) % ring_len) as usize;
                let n = p.size;
                let before = p.out.len();
                {
                    let inputs: Vec<&[f64]> = p.ring.iter().map(|r| &r[slot * n..(slot + 1) * n]).collect();
                    let input = StepInput { step: k, synaptic: &inputs, current: &p.current };
                    p.kernel.step(&input, &mut p.out);
                }
                for r in &mut p.ring {
                    r[slot * n..(slot + 1) * n].iter_mut().for_each(|x| *x = 0.0);
                }
                for &(c, s) in &p.out[before..] {
                    if p.spike_mask[c as usize] {
                        p.rec_spikes.push((c, s));
                    }
                }
                if (k + 1) % p.interval == 0 && !p.signals.is_empty() {
                    sample(p, k + 1);
                }
            }
        };
        // Populations are independent within a slice; below ~10^5
        // neuron-steps a parallel split costs more than it saves.
        if work >= PARALLEL_WORK && self.pool.current_num_threads() > 1 {
            self.pops.par_iter_mut().for_each(advance);
        } else {
            self.pops.iter_mut().for_each(advance);
        }
        let mut spikes: Vec<(u32, u64)> = Vec::new();
        for p in &self.pops {
            spikes.extend(p.out.iter().map(|(c, s)| (p.offset as u32 + c, *s)));
        }
        spikes.sort_by_key(|(c, s)| (*s, *c));
        self.deliver(&spikes);
        self.deliver_plastic(&spikes, b);
    }
}

fn sample(p: &mut Pop, step: u64) {
    p.last_sample = Some(step);
    for (k, (var, cells)) in p.signals.iter().enumerate() {
        let sig = &mut p.bufs[k];
        sig.steps.push(step);
        p.kernel.read(*var, cells, &mut sig.data);
    }
}

impl Backend for Native {
    const NAME: &'static str = NAME;

    fn setup(config: &SimConfig) -> Result<Self> {
        let max_steps = config.max_delay_steps();
        if max_steps > u64::from(u16::MAX) {
            return Err(Error::InvalidSetup {
                parameter: "max_delay",
                value: config.max_delay,
                allowed: format!(
                    "the native engine stores delays in at most {} steps ({} ms at this time step)",
                    u16::MAX,
                    f64::from(u16::MAX) * config.timestep
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
            dt: config.timestep,
            min_delay: config.min_delay_steps().max(1),
            ring_len: max_steps + config.min_delay_steps() + 1,
            step: 0,
            started: false,
            pops: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            owner: Vec::new(),
            pool: std::sync::Arc::new(pool),
            plastic: Vec::new(),
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?.kernel.set_parameters(parameters)
    }

    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        self.pops
            .get_mut(pop)
            .ok_or_else(|| err(format!("no population {pop}")))?
            .kernel
            .initialize(variable, cells, values)
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, c: Connections) -> Result<()> {
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        let n = c.len();
        let (pre_lo, pre_hi) = match (c.pre.first(), c.pre.last()) {
            (Some(lo), Some(hi)) => (*lo, *hi + 1),
            _ => (0, 0),
        };
        if c.pre.windows(2).any(|w| w[0] > w[1]) {
            return Err(err("connections must be sorted by pre-synaptic cell"));
        }
        let mut row_ptr = vec![0usize; (pre_hi - pre_lo) as usize + 1];
        for p in &c.pre {
            row_ptr[(p - pre_lo) as usize + 1] += 1;
        }
        for i in 1..row_ptr.len() {
            row_ptr[i] += row_ptr[i - 1];
        }
        let delay = c.delay.iter().map(|d| (d / self.dt).round() as u16).collect();
        if let Some(t) = c.post.iter().find(|t| **t as usize >= self.owner.len()) {
            return Err(err(format!("post-synaptic cell {t} does not exist")));
        }
        debug_assert_eq!(n, c.post.len());
        if !matches!(spec.synapse, SynapseKind::Static) {
            let keep = self.cfg.max_delay_steps() + self.min_delay;
            let (target, weight) = (c.post, c.weight);
            let p = plastic::Plastic::new(
                spec.id,
                &spec.synapse,
                spec.receptor.index,
                pre_lo,
                row_ptr,
                target,
                &weight,
                delay,
                self.dt,
                keep,
            )?
            .ok_or_else(|| err(format!("synapse model {:?} is not supported", spec.synapse)))?;
            self.plastic.push(p);
            let empty =
                Proj { receptor: 0, pre_lo: 0, row_ptr: vec![0], target: vec![], weight: vec![], delay: vec![] };
            self.projs.push(empty);
            return Ok(());
        }
        self.projs.push(Proj {
            receptor: spec.receptor.index,
            pre_lo,
            row_ptr,
            target: c.post,
            weight: c.weight,
            delay,
        });
        Ok(())
    }

    fn connections(&self, proj: ProjId) -> Result<(Vec<u32>, Vec<u32>)> {
        if let Some(p) = self.plastic_ref(proj) {
            return Ok(p.connections());
        }
        let p = self.proj(proj)?;
        let mut pre = Vec::with_capacity(p.target.len());
        for r in 0..p.row_ptr.len() - 1 {
            pre.extend(std::iter::repeat_n(p.pre_lo + r as u32, p.row_ptr[r + 1] - p.row_ptr[r]));
        }
        Ok((pre, p.target.clone()))
    }

    fn get_synaptic(&self, proj: ProjId, name: &str) -> Result<Vec<f64>> {
        if let Some(p) = self.plastic_ref(proj) {
            return p.get(name, self.dt);
        }
        let p = self.proj(proj)?;
        match name {
            "weight" => Ok(p.weight.clone()),
            "delay" => Ok(p.delay.iter().map(|d| f64::from(*d) * self.dt).collect()),
            _ => Err(Error::unknown_name("native projection", "attribute", name, ["weight", "delay"])),
        }
    }

    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
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
        let p = self.projs.get_mut(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if values.len() != p.target.len() {
            return Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.target.len(),
                found: values.len(),
            });
        }
        match name {
            "weight" => p.weight.copy_from_slice(values),
            "delay" => p.delay = values.iter().map(|d| (d / dt).round() as u16).collect(),
            _ => return Err(Error::unknown_name("native projection", "attribute", name, ["weight", "delay"])),
        }
        Ok(())
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
        let p = self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?;
        p.spike_mask = vec![false; p.size];
        for c in &plan.spikes {
            p.spike_mask[*c] = true;
        }
        let mut signals = Vec::new();
        for (name, cells) in &plan.signals {
            let var = p.kernel.variable(name).ok_or_else(|| Error::Recording {
                object: format!("population \"{}\"", p.label),
                message: format!("`{name}` cannot be recorded on the native engine"),
            })?;
            signals.push((var, cells.clone()));
        }
        let names: Vec<String> = plan.signals.iter().map(|(n, _)| n.clone()).collect();
        let same = names == p.signal_names && signals.iter().map(|s| &s.1).eq(p.signals.iter().map(|s| &s.1));
        if !same {
            // Samples taken under the previous plan wait for the next drain.
            let old = std::mem::take(&mut p.bufs);
            p.done.extend(old.into_iter().filter(|o| !o.steps.is_empty()));
            p.bufs = plan
                .signals
                .iter()
                .map(|(n, c)| RawSignal { name: n.clone(), cells: c.clone(), steps: vec![], data: vec![] })
                .collect();
            p.last_sample = None;
        }
        p.signals = signals;
        p.signal_names = names;
        p.interval = plan.interval_steps.max(1);
        Ok(())
    }

    fn run_until(&mut self, step: u64) -> Result<()> {
        if !self.started && self.step == 0 {
            let mut initial = Vec::new();
            for p in &mut self.pops {
                let mut out = SpikeOut::new();
                p.kernel.initial_spikes(&mut out);
                for &(c, s) in &out {
                    if p.spike_mask[c as usize] {
                        p.rec_spikes.push((c, s));
                    }
                }
                initial.extend(out.iter().map(|(c, s)| (p.offset as u32 + c, *s)));
            }
            self.deliver(&initial);
            self.deliver_plastic(&initial, 0);
            self.started = true;
        }
        let pool = std::sync::Arc::clone(&self.pool);
        pool.install(|| {
            while self.step < step {
                let b = (self.step + self.min_delay).min(step);
                self.run_slice(self.step, b);
                self.step = b;
            }
        });
        // The sample at the end time (if on the sampling grid) was taken in
        // the last step; signals of a run ending off-grid end earlier.
        Ok(())
    }

    fn reset(&mut self) -> Result<()> {
        self.step = 0;
        self.started = false;
        self.plastic.iter_mut().for_each(plastic::Plastic::reset);
        for p in &mut self.pops {
            p.kernel.reset();
            for r in &mut p.ring {
                r.iter_mut().for_each(|x| *x = 0.0);
            }
            p.rec_spikes.clear();
            p.done.clear();
            for b in &mut p.bufs {
                b.steps.clear();
                b.data.clear();
            }
            p.last_sample = None;
        }
        Ok(())
    }

    fn drain_recording(&mut self, pop: PopId) -> Result<RawRecording> {
        let p = self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?;
        let mut signals = std::mem::take(&mut p.done);
        for b in &mut p.bufs {
            if !b.steps.is_empty() {
                signals.push(RawSignal {
                    name: b.name.clone(),
                    cells: b.cells.clone(),
                    steps: std::mem::take(&mut b.steps),
                    data: std::mem::take(&mut b.data),
                });
            }
        }
        Ok(RawRecording { spikes: std::mem::take(&mut p.rec_spikes), signals })
    }

    fn end(&mut self) -> Result<()> {
        Ok(())
    }

    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
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
}

impl<C: NativeCell> Supports<C> for Native {
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
        if spec.id != self.pops.len() || spec.offset != self.owner.len() {
            return Err(err("populations must be created in order"));
        }
        let ctx = BuildContext { dt: self.dt, seed: self.cfg.seed, population: spec.id, label: spec.label.to_string() };
        let kernel = C::build(spec.parameters, spec.initial_values, &ctx)?;
        let info: CellTypeInfo = spec.cell_type;
        let n = spec.size;
        self.owner.extend(std::iter::repeat_n(spec.id as u32, n));
        self.pops.push(Pop {
            offset: spec.offset,
            size: n,
            label: spec.label.to_string(),
            kernel,
            ring: vec![vec![0.0; self.ring_len as usize * n]; info.receptors.len()],
            inject: Vec::new(),
            current: vec![0.0; n],
            spike_mask: vec![false; n],
            signals: Vec::new(),
            signal_names: Vec::new(),
            interval: 1,
            last_sample: None,
            rec_spikes: Vec::new(),
            bufs: Vec::new(),
            done: Vec::new(),
            out: SpikeOut::new(),
        });
        self.rebuild_injection();
        Ok(())
    }
}
