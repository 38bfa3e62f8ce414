//! The simulation session: `setup`, `run`, `reset`, `end` and the state
//! queries of PyNN, over a statically chosen backend.

use crate::backend::{Backend, PopId, RecordingPlan, SimConfig};
use crate::cells::CellTypeInfo;
use crate::data::{Block, Segment, SegmentAccumulator, filter_segment, restrict_block};
use crate::electrodes::CurrentSourceSpec;
use crate::error::{Error, Result, fmt_num};
use crate::parameters::ParamTable;
use crate::random::{ObjectKind, SimRng, Streams};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// Arguments of [`Sim::setup`], with PyNN's defaults.
///
/// ```
/// # use pynn_core::Setup;
/// let s = Setup { timestep: 0.1, min_delay: 0.2, ..Setup::default() };
/// assert_eq!(s.max_delay, 10.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// Integration time step (ms). Default 0.1.
    pub timestep: f64,
    /// Smallest synaptic delay (ms), >= timestep. Default 0.1.
    pub min_delay: f64,
    /// Largest synaptic delay (ms), >= min_delay. Default 10.0.
    pub max_delay: f64,
    /// Seed of every random stream of the session. Default 42 (as PyNN's NEST
    /// backend's `rng_seed`).
    pub seed: u64,
    /// Worker threads for backends that use them; 0 means all cores. At
    /// most [`Setup::MAX_THREADS`].
    pub threads: usize,
    /// Show progress on stderr when it is a terminal: a bar while
    /// [`Sim::run`] runs (simulated time, wall time, real-time factor,
    /// ETA) and a spinner for a population or projection that takes longer
    /// than a second to build. Default true; output that is not a terminal
    /// never shows it. Ours: PyNN's `setup` has no such argument. The
    /// backends never see it (it is not in [`SimConfig`]).
    pub progress: bool,
    /// PyNN's `spike_precision` (pyNN.nest's `setup` argument, values
    /// `"on_grid"` / `"off_grid"`, parsed by [`SpikePrecision`]'s `FromStr`).
    /// Default [`SpikePrecision::OnGrid`] on every backend, although
    /// pyNN.nest defaults to `"off_grid"`: on-grid keeps the native
    /// engine's fused, vectorised kernels and spike-for-spike identity with
    /// NEST's grid models (the contract of every existing scenario), and a
    /// script asks for precise times explicitly.
    pub spike_precision: SpikePrecision,
}

/// Where spike times may lie (PyNN's `spike_precision`).
///
/// * `OnGrid`: every spike at a multiple of the time step (the end of the
///   step in which the threshold was crossed), as NEST's grid models.
/// * `OffGrid`: `IF_curr_exp`, `IF_curr_alpha` and `IF_curr_delta` cells
///   spike at their exact threshold-crossing time within the step and
///   receive spikes at their exact arrival time (NEST's `iaf_psc_*_ps`,
///   Morrison et al. 2007, Hanuschkin et al. 2010); `SpikeSourceArray`
///   times are kept exactly. Other cell types stay on the grid and receive
///   spikes on the grid, as NEST's non-precise models do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpikePrecision {
    /// Spike times on the time grid (pyNN `"on_grid"`).
    #[default]
    OnGrid,
    /// Precise spike times (pyNN `"off_grid"`).
    OffGrid,
}

impl SpikePrecision {
    /// PyNN's name of the value (`"on_grid"` or `"off_grid"`).
    pub fn name(self) -> &'static str {
        match self {
            SpikePrecision::OnGrid => "on_grid",
            SpikePrecision::OffGrid => "off_grid",
        }
    }
}

impl std::fmt::Display for SpikePrecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SpikePrecision {
    type Err = Error;
    /// Parses PyNN's values `"on_grid"` and `"off_grid"`; anything else is
    /// an [`Error::InvalidValue`] naming both.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "on_grid" => Ok(SpikePrecision::OnGrid),
            "off_grid" => Ok(SpikePrecision::OffGrid),
            _ => {
                Err(Error::invalid_value("setup", "spike_precision", format!("\"{s}\""), "\"on_grid\" or \"off_grid\""))
            }
        }
    }
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            timestep: 0.1,
            min_delay: 0.1,
            max_delay: 10.0,
            seed: 42,
            threads: 0,
            progress: true,
            spike_precision: SpikePrecision::OnGrid,
        }
    }
}

impl Setup {
    /// Largest number of worker threads `threads` may ask for: far more
    /// than any machine's cores, and few enough that starting them is quick
    /// (100 000 threads took minutes to spawn).
    pub const MAX_THREADS: usize = 1024;

    /// Checks PyNN's validity rules and returns the configuration.
    pub fn validate(&self) -> Result<SimConfig> {
        let err = |parameter, value, allowed: String| Err(Error::InvalidSetup { parameter, value, allowed });
        if !(self.timestep > 0.0) || !self.timestep.is_finite() {
            return err("timestep", self.timestep, "the time step must be a positive number of ms".into());
        }
        if !(self.min_delay >= self.timestep * (1.0 - 1e-9)) || !self.min_delay.is_finite() {
            return err(
                "min_delay",
                self.min_delay,
                format!("min_delay must be finite and >= timestep ({} ms)", fmt_num(self.timestep)),
            );
        }
        if !(self.max_delay >= self.min_delay) || !self.max_delay.is_finite() {
            return err(
                "max_delay",
                self.max_delay,
                format!("max_delay must be finite and >= min_delay ({} ms)", fmt_num(self.min_delay)),
            );
        }
        for (name, v) in [("min_delay", self.min_delay), ("max_delay", self.max_delay)] {
            let steps = v / self.timestep;
            if (steps - steps.round()).abs() > 1e-9 * steps.max(1.0) {
                return err(
                    name,
                    v,
                    format!("delays must be a whole number of time steps ({} ms)", fmt_num(self.timestep)),
                );
            }
        }
        if self.threads > Self::MAX_THREADS {
            return err(
                "threads",
                self.threads as f64,
                format!("at most {} worker threads (0 means one per core)", Self::MAX_THREADS),
            );
        }
        Ok(SimConfig {
            timestep: self.timestep,
            min_delay: self.min_delay,
            max_delay: self.max_delay,
            seed: self.seed,
            threads: self.threads,
            spike_precision: self.spike_precision,
        })
    }
}

/// Cells of one or more populations, in a fixed order: what a population,
/// a view or an assembly denotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub(crate) parts: Vec<(PopId, Arc<Vec<usize>>)>,
}

impl Selection {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|(_, c)| c.len()).sum()
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `(population, index in population)` of every cell, in order.
    pub fn cells(&self) -> impl Iterator<Item = (PopId, usize)> + '_ {
        self.parts.iter().flat_map(|(p, c)| c.iter().map(move |i| (*p, *i)))
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct RecordingState {
    pub spikes: BTreeSet<usize>,
    pub signals: BTreeMap<String, BTreeSet<usize>>,
    pub interval_steps: Option<u64>,
}

impl RecordingState {
    pub fn plan(&self) -> RecordingPlan {
        RecordingPlan {
            spikes: self.spikes.iter().copied().collect(),
            signals: self.signals.iter().map(|(k, v)| (k.clone(), v.iter().copied().collect())).collect(),
            interval_steps: self.interval_steps.unwrap_or(1),
        }
    }
}

pub(crate) struct PopRecord {
    pub label: String,
    pub info: CellTypeInfo,
    pub offset: usize,
    pub size: usize,
    pub params: ParamTable,
    pub initial: ParamTable,
    /// Position of each cell (from the population's structure).
    pub positions: Vec<crate::space::Position>,
    pub recording: RecordingState,
    pub segments: Vec<Segment>,
    pub current: SegmentAccumulator,
}

impl PopRecord {
    pub fn describe(&self) -> String {
        format!("population \"{}\" ({})", self.label, self.info.name)
    }
}

/// What the core keeps of a projection (the connections live in the backend).
#[allow(dead_code)] // read by `describe()`/`save()` of later issues
pub(crate) struct ProjRecord {
    pub label: String,
    pub pre: Selection,
    pub post: Selection,
    pub size: usize,
    /// Interval (steps) at which the weights are sampled, while recorded.
    pub weight_interval: Option<u64>,
    /// The synapse type's name (`"StaticSynapse"`, ...) and the receptor
    /// type targeted, for writers that describe the projection (SONATA).
    pub synapse_type: &'static str,
    /// See `synapse_type`.
    pub receptor: &'static str,
}

pub(crate) struct SourceRecord {
    pub spec: CurrentSourceSpec,
    pub targets: Vec<u32>,
    /// Whether the injected current is recorded (`CurrentSourceHandle::record`).
    pub recording: bool,
    /// Recorded current (nA) at steps `0..recorded.len()` of the current segment.
    pub recorded: Vec<f64>,
}

impl SourceRecord {
    /// Appends the current at the steps `recorded.len()..upto`, from the
    /// description in force now.
    pub fn record_until(&mut self, dt: f64, upto: u64) {
        let from = self.recorded.len() as u64;
        if self.recording && upto > from {
            let mut out = Vec::new();
            self.spec.sample(dt, from, upto, &mut out);
            self.recorded.extend(out);
        }
    }
}

pub(crate) struct State<B: Backend> {
    pub config: SimConfig,
    /// [`Setup::progress`].
    pub progress: bool,
    pub backend: B,
    pub streams: Streams,
    pub step: u64,
    pub pops: Vec<PopRecord>,
    pub projs: Vec<ProjRecord>,
    pub sources: Vec<SourceRecord>,
    pub n_cells: usize,
    draws: HashMap<(ObjectKind, u64, String), u64>,
    pub segment_index: usize,
    pub ended: bool,
    pub files: Vec<(Vec<String>, Selection, PathBuf)>,
}

impl<B: Backend> State<B> {
    /// A fresh stream for (object, purpose); successive calls with the same
    /// key give successive, independent streams.
    pub fn rng(&mut self, kind: ObjectKind, id: u64, purpose: &str) -> SimRng {
        let draw = self.draws.entry((kind, id, purpose.to_string())).or_insert(0);
        let rng = self.streams.rng(kind, id, purpose, *draw);
        *draw += 1;
        rng
    }

    /// Whether progress is shown ([`crate::progress::enabled`]).
    pub fn progress_on(&self) -> bool {
        crate::progress::enabled(self.progress, crate::progress::stderr_is_terminal())
    }

    pub fn check_alive(&self) -> Result<()> {
        if self.ended {
            return Err(Error::State {
                object: "session".into(),
                message: "end() was called; call setup() for a new session".into(),
            });
        }
        Ok(())
    }

    pub fn now(&self) -> f64 {
        self.step as f64 * self.config.timestep
    }

    /// Moves everything the backend recorded for `pop` into the core.
    pub fn drain(&mut self, pop: PopId) -> Result<()> {
        let raw = self.backend.drain_recording(pop)?;
        self.pops[pop].current.append(raw);
        Ok(())
    }

    /// The Neo block of a population (finished segments and the one in progress).
    pub fn block(&mut self, pop: PopId, variables: Option<&[&str]>) -> Result<Block> {
        self.drain(pop)?;
        let dt = self.config.timestep;
        let step = self.step;
        let name = format!("segment{:03}", self.segment_index);
        let rec = &self.pops[pop];
        let filter = |v: &str| variables.is_none_or(|vs| vs.contains(&v));
        let info = rec.info;
        let units = move |v: &str| info.unit_of(v).unwrap_or("");
        let spike_cells: Vec<usize> = rec.recording.spikes.iter().copied().collect();
        let mut segments: Vec<Segment> = rec.segments.iter().map(|s| filter_segment(s, &filter)).collect();
        segments.push(rec.current.to_segment(name, &rec.label, dt, step, &spike_cells, &units, &filter)?);
        let mut annotations = BTreeMap::new();
        annotations.insert("size".into(), rec.size.to_string());
        annotations.insert("label".into(), rec.label.clone());
        annotations.insert("cell_type".into(), rec.info.name.to_string());
        annotations.insert("simulator".into(), B::NAME.to_string());
        annotations.insert("dt".into(), dt.to_string());
        annotations.insert("seed".into(), self.config.seed.to_string());
        annotations.insert("mpi_processes".into(), "1".into());
        Ok(Block { name: rec.label.clone(), segments, annotations })
    }

    /// Estimates the memory the samples recorded by a run from the current
    /// step to `target` need, and refuses the run if it exceeds the memory
    /// available (memory.rs). Counted: every recorded analog signal
    /// (samples x cells x 8 bytes, twice: the backend's buffer and the copy
    /// merged into the core when the data are read), recorded currents of
    /// current sources (one `f64` per step) and sampled weights (samples x
    /// connections x 8). Spikes are not counted (their number is not known
    /// in advance). The error names the largest item and gives the total.
    fn check_recording_memory(&self, target: u64) -> Result<()> {
        let steps = target - self.step;
        // Samples at multiples of `interval` in (step, target], plus the
        // one at step 0 of a segment.
        let samples = |interval: u64| steps / interval.max(1) + 1;
        let mut items: Vec<(String, String, Option<u64>)> = Vec::new();
        for rec in &self.pops {
            let n = samples(rec.recording.interval_steps.unwrap_or(1));
            for (var, cells) in &rec.recording.signals {
                if cells.is_empty() {
                    continue;
                }
                let what = format!("the {n} samples of `{var}` of {} cells recorded by this run", cells.len());
                items.push((rec.describe(), what, crate::memory::bytes(&[n, cells.len() as u64, 8, 2])));
            }
        }
        for (id, _) in self.sources.iter().enumerate().filter(|(_, s)| s.recording) {
            let what = format!("the {steps} samples of its current recorded by this run");
            items.push((format!("current source {id}"), what, crate::memory::bytes(&[steps, 8])));
        }
        for p in &self.projs {
            if let Some(interval) = p.weight_interval {
                let n = samples(interval);
                let what = format!("the {n} samples of the weights of {} connections recorded by this run", p.size);
                items.push((format!("projection \"{}\"", p.label), what, crate::memory::bytes(&[n, p.size as u64, 8])));
            }
        }
        let total = crate::memory::sum(&items.iter().map(|i| i.2).collect::<Vec<_>>());
        let Some((object, what, _)) = items.iter().max_by_key(|i| i.2.unwrap_or(u64::MAX)) else {
            return Ok(());
        };
        let what = || match items.len() {
            1 => what.clone(),
            k => format!("{what} (with the {} other recorded items of the run)", k - 1),
        };
        crate::memory::ensure(object, what, total)
    }

    pub fn push_recording(&mut self, pop: PopId) -> Result<()> {
        let plan = self.pops[pop].recording.plan();
        self.backend.set_recording(pop, &plan)
    }

    fn finish_segment(&mut self) -> Result<()> {
        let dt = self.config.timestep;
        let name = format!("segment{:03}", self.segment_index);
        // Every segment is built (a fallible copy of the samples) before any
        // is committed, so that a refusal leaves every population as it was.
        let mut segments = Vec::with_capacity(self.pops.len());
        for pop in 0..self.pops.len() {
            self.drain(pop)?;
            let rec = &self.pops[pop];
            let info = rec.info;
            let units = move |v: &str| info.unit_of(v).unwrap_or("");
            let spike_cells: Vec<usize> = rec.recording.spikes.iter().copied().collect();
            segments.push(rec.current.to_segment(
                name.clone(),
                &rec.label,
                dt,
                self.step,
                &spike_cells,
                &units,
                &|_| true,
            )?);
        }
        for (rec, seg) in self.pops.iter_mut().zip(segments) {
            rec.segments.push(seg);
            rec.current = SegmentAccumulator::default();
        }
        self.segment_index += 1;
        Ok(())
    }
}

/// A simulation session over backend `B`.
///
/// Cheap to clone: clones share the same session, as do the populations and
/// projections created from it. This is PyNN's module-level state made
/// explicit.
///
/// ```
/// use pynn_core::{Setup, Sim};
/// # use pynn_core::testing::NullBackend as Native;
/// let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Setup::default() })?;
/// assert_eq!(sim.get_time_step(), 0.1);
/// sim.run(10.0)?;
/// assert!((sim.get_current_time() - 10.0).abs() < 1e-12);
/// # Ok::<(), pynn_core::Error>(())
/// ```
pub struct Sim<B: Backend> {
    pub(crate) inner: Arc<Mutex<State<B>>>,
}

impl<B: Backend> Clone for Sim<B> {
    fn clone(&self) -> Self {
        Sim { inner: Arc::clone(&self.inner) }
    }
}

impl<B: Backend> std::fmt::Debug for Sim<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sim<{}>", B::NAME)
    }
}

impl<B: Backend> Sim<B> {
    /// Starts a session (PyNN's `setup`): checks the arguments and starts
    /// the backend with its default options.
    pub fn setup(setup: Setup) -> Result<Self> {
        Self::setup_with(setup, B::Options::default())
    }

    /// Starts a session with the backend's own options (for example the
    /// native engine's ODE solver or Brian2's code-generation target; see
    /// [`Backend::Options`]).
    pub fn setup_with(setup: Setup, options: B::Options) -> Result<Self> {
        let config = setup.validate()?;
        let backend = B::setup(&config, &options)?;
        Ok(Sim {
            inner: Arc::new(Mutex::new(State {
                streams: Streams::new(config.seed),
                progress: setup.progress,
                config,
                backend,
                step: 0,
                pops: Vec::new(),
                projs: Vec::new(),
                sources: Vec::new(),
                n_cells: 0,
                draws: HashMap::new(),
                segment_index: 0,
                ended: false,
                files: Vec::new(),
            })),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State<B>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn same_session(&self, other: &Sim<B>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Largest number of time steps a session can reach: 2^53, the last
    /// step count whose time `step * timestep` an `f64` holds exactly
    /// (at 0.1 ms, about 28 500 years of model time).
    pub const MAX_STEPS: u64 = 1 << 53;

    /// Advances the simulation by `simtime` ms; returns the new time.
    pub fn run(&self, simtime: f64) -> Result<f64> {
        let now = self.get_current_time();
        if !simtime.is_finite() {
            return Err(Error::invalid_value("Sim::run", "simtime", fmt_num(simtime), "a finite duration >= 0 ms"));
        }
        if !(simtime >= 0.0) {
            return Err(Error::TimeBackwards { now, requested: now + simtime });
        }
        self.run_until(now + simtime)
    }

    /// Alias of [`Sim::run`] (PyNN's `run_for`).
    pub fn run_for(&self, simtime: f64) -> Result<f64> {
        self.run(simtime)
    }

    /// Advances the simulation to time `t` ms (rounded to the time grid);
    /// returns the new time. Asking for a time earlier than the current one
    /// (by more than half a step) is an error.
    pub fn run_until(&self, t: f64) -> Result<f64> {
        self.run_until_with(t, None)
    }

    /// As [`Sim::run_until`], advancing the backend in chunks (as when the
    /// progress bar is shown) whatever stderr is, without drawing. For
    /// tests: the results must equal those of one call.
    #[doc(hidden)]
    pub fn run_until_in_chunks(&self, t: f64) -> Result<f64> {
        self.run_until_with(t, Some(false))
    }

    /// `chunks`: `None` chunks and draws when progress is on
    /// ([`State::progress_on`]); `Some(draw)` always chunks.
    fn run_until_with(&self, t: f64, chunks: Option<bool>) -> Result<f64> {
        let mut st = self.lock();
        st.check_alive()?;
        let dt = st.config.timestep;
        if !t.is_finite() {
            return Err(Error::invalid_value("Sim::run_until", "t", fmt_num(t), "a finite time in ms"));
        }
        if !(t >= st.now() - dt / 2.0) {
            return Err(Error::TimeBackwards { now: st.now(), requested: t });
        }
        let steps = (t / dt).round();
        if !(steps <= Self::MAX_STEPS as f64) {
            return Err(Error::invalid_value(
                "Sim::run_until",
                "t",
                format!("{} ms ({} steps of {} ms)", fmt_num(t), fmt_num(steps), fmt_num(dt)),
                format!(
                    "at most {} time steps ({} ms at this time step) in a session",
                    Self::MAX_STEPS,
                    fmt_num(Self::MAX_STEPS as f64 * dt)
                ),
            ));
        }
        let target = steps as u64;
        if target > st.step {
            // Refused before running (nothing recorded is lost) if the
            // samples this run would record cannot fit in memory.
            st.check_recording_memory(target)?;
            // The current of steps step..target comes from the descriptions
            // in force now, as the backend's does.
            for src in &mut st.sources {
                src.record_until(dt, target);
            }
            let bar = match chunks {
                Some(draw) => Some(draw),
                None => st.progress_on().then_some(true),
            };
            match bar {
                // Without a bar: one call, as if this module had no bar.
                None => st.backend.run_until(target)?,
                Some(draw) => {
                    let quantum = (st.config.min_delay / dt).round() as u64;
                    let mut p = crate::progress::RunProgress::new(st.step, target, quantum, dt, draw);
                    let mut now = st.step;
                    while now < target {
                        let end = p.next_end(now);
                        st.backend.run_until(end)?;
                        now = end;
                        st.step = now;
                        p.advanced(now);
                    }
                    p.finish();
                }
            }
            st.step = target;
        }
        Ok(st.now())
    }

    /// Returns to time 0 with every state variable at its initial value;
    /// structure, parameters and recording selections are kept, the data
    /// recorded so far becomes a finished segment and a new segment begins.
    pub fn reset(&self) -> Result<()> {
        let mut st = self.lock();
        st.check_alive()?;
        st.finish_segment()?;
        st.backend.reset()?;
        st.step = 0;
        // A new trial: recorded currents start again, noise gets fresh values.
        let trial = st.segment_index as u64;
        for id in 0..st.sources.len() {
            st.sources[id].recorded.clear();
            if let CurrentSourceSpec::Noisy { key, .. } = &mut st.sources[id].spec {
                key.trial = trial;
                let (spec, targets) = (st.sources[id].spec.clone(), st.sources[id].targets.clone());
                st.backend.set_current_source(id, &spec, &targets)?;
            }
        }
        Ok(())
    }

    /// Ends the session: writes the files registered with
    /// [`Sim::record_to_file`] and releases the backend. Data already
    /// recorded stays readable.
    pub fn end(&self) -> Result<()> {
        let files = {
            let mut st = self.lock();
            if st.ended {
                return Ok(());
            }
            std::mem::take(&mut st.files)
        };
        for (vars, sel, path) in files {
            let blocks = self.blocks_of(&sel, &vars)?;
            crate::io::write_blocks(&path, &blocks, &self.provenance())?;
        }
        let mut st = self.lock();
        st.backend.end()?;
        st.ended = true;
        Ok(())
    }

    /// Current simulation time (ms).
    pub fn get_current_time(&self) -> f64 {
        self.lock().now()
    }
    /// Integration time step (ms).
    pub fn get_time_step(&self) -> f64 {
        self.lock().config.timestep
    }
    /// Smallest allowed synaptic delay (ms).
    pub fn get_min_delay(&self) -> f64 {
        self.lock().config.min_delay
    }
    /// Largest allowed synaptic delay (ms).
    pub fn get_max_delay(&self) -> f64 {
        self.lock().config.max_delay
    }
    /// Number of MPI processes (1: the native engine runs in one process,
    /// with threads).
    pub fn num_processes(&self) -> usize {
        1
    }
    /// MPI rank of this process (0).
    pub fn rank(&self) -> usize {
        0
    }
    /// The session seed.
    pub fn seed(&self) -> u64 {
        self.lock().config.seed
    }
    /// The validated configuration.
    pub fn config(&self) -> SimConfig {
        self.lock().config.clone()
    }
    /// Runs `f` with exclusive access to the backend (for backend-specific
    /// queries, e.g. the native engine's memory statistics).
    pub fn with_backend<R>(&self, f: impl FnOnce(&mut B) -> R) -> R {
        f(&mut self.lock().backend)
    }

    /// Provenance written next to data files.
    pub(crate) fn provenance(&self) -> BTreeMap<String, serde_json::Value> {
        let st = self.lock();
        let mut m = BTreeMap::new();
        m.insert("simulator".into(), serde_json::json!(B::NAME));
        m.insert("dt".into(), serde_json::json!(st.config.timestep));
        m.insert("min_delay".into(), serde_json::json!(st.config.min_delay));
        m.insert("max_delay".into(), serde_json::json!(st.config.max_delay));
        m.insert("seed".into(), serde_json::json!(st.config.seed));
        m.insert("t_stop".into(), serde_json::json!(st.now()));
        m.insert("pynn_rs_version".into(), serde_json::json!(crate::VERSION));
        m.insert("simulator_version".into(), serde_json::json!(st.backend.simulator_version()));
        m
    }

    /// Blocks of every population part of a selection, restricted to its cells.
    pub(crate) fn blocks_of(&self, sel: &Selection, vars: &[String]) -> Result<Vec<Block>> {
        let vars: Vec<&str> = vars.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for (pop, cells) in &sel.parts {
            let block = self.lock().block(*pop, if vars.is_empty() { None } else { Some(&vars) })?;
            out.push(restrict_block(block, cells));
        }
        Ok(out)
    }
}
