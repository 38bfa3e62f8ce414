//! The random spike sources of the external backends, stepped in Rust by
//! the native engine's kernels: their trains go to the simulator as spike
//! trains, so Poisson and gamma spikes are the native engine's spike for
//! spike on every backend, after `set` and `reset` too.

use crate::native::kernel::{BuildContext, Kernel, NativeCell, StepInput};
use pynn_core::Result;
use pynn_core::backend::{PopId, PopulationSpec, SimConfig};
use pynn_core::cells::*;
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};

/// How a source's native kernel is made.
pub(crate) type BuildFn = fn(&ParamTable, &ParamTable, &BuildContext) -> Result<Box<dyn Kernel>>;

/// The native kernel's constructor of a standard random spike source
/// (Poisson, Poisson with refractoriness, gamma, inhomogeneous gamma).
pub(crate) fn random_source(cell_type: &str) -> Option<BuildFn> {
    Some(match cell_type {
        "SpikeSourcePoisson" => <SpikeSourcePoisson as NativeCell>::build,
        "SpikeSourcePoissonRefractory" => <SpikeSourcePoissonRefractory as NativeCell>::build,
        "SpikeSourceGamma" => <SpikeSourceGamma as NativeCell>::build,
        "SpikeSourceInhGamma" => <SpikeSourceInhGamma as NativeCell>::build,
        _ => return None,
    })
}

/// The build context of population `pop`'s kernel: the same streams as on
/// the native engine (seed, population).
pub(crate) fn context(cfg: &SimConfig, pop: PopId, label: &str) -> BuildContext {
    BuildContext {
        dt: cfg.timestep,
        seed: cfg.seed,
        population: pop,
        first_cell: 0,
        label: label.to_string(),
        composition: None,
    }
}

/// Steps a source kernel of `n` cells over steps `a..b`; returns its spikes
/// (cell in the population, step), those stamped 0 first when `a == 0` and
/// `initial`.
pub(crate) fn step_source(kernel: &mut dyn Kernel, n: usize, a: u64, b: u64, initial: bool) -> Vec<(u32, u64)> {
    let current = vec![0.0; n];
    let mut out = Vec::new();
    if a == 0 && initial {
        kernel.initial_spikes(&mut out);
    }
    for step in a..b {
        kernel.step(&StepInput { step, synaptic: &[], current: &current }, &mut out);
    }
    out
}

/// The stream of `GIF_cond_exp`'s escape noise of population `pop`:
/// `(seed, population, "gif")`, sub-stream = cell (as `native/gif.rs`).
pub(crate) fn gif_stream(seed: u64, pop: PopId) -> SimRng {
    Streams::new(seed).rng(ObjectKind::Population, pop as u64, "gif", 0)
}

/// One step of the history of a renewal source's kernel.
enum Action {
    /// Stepped up to this step.
    To(u64),
    Set(ParamTable),
    Reset,
}

/// A renewal spike source (SpikeSourcePoissonRefractory, SpikeSourceGamma,
/// SpikeSourceInhGamma): the native engine's kernel, stepped in Rust, whose
/// trains go to NEST's `spike_generator`s. The kernel runs ahead of the
/// simulation (NEST's look-ahead when data is read); a change (`set`,
/// `reset`) replays the history up to the current step from a fresh kernel,
/// so its random streams are where the native engine's are.
pub(crate) struct Renewal {
    build: BuildFn,
    params: ParamTable,
    initial: ParamTable,
    ctx: BuildContext,
    log: Vec<Action>,
    kernel: Box<dyn Kernel>,
    /// The step the kernel has been stepped to.
    at: u64,
    /// Spike steps per cell in the current segment.
    pub trains: Vec<Vec<u64>>,
    /// Recording history of the segment: from (after) this step on, the
    /// spikes of these cells (sorted) are recorded. The trains are known
    /// here, so the spikes are recorded in Rust, not by NEST (some of them
    /// reach the targets through NEST's direct generators, not the parrots).
    recorded: Vec<(u64, Vec<usize>)>,
    /// Spikes up to this step have been drained.
    drained: u64,
}

impl Renewal {
    pub fn new(build: BuildFn, spec: &PopulationSpec<'_>, ctx: BuildContext) -> Result<Self> {
        let kernel = build(spec.parameters, spec.initial_values, &ctx)?;
        Ok(Renewal {
            build,
            params: spec.parameters.clone(),
            initial: spec.initial_values.clone(),
            ctx,
            log: Vec::new(),
            kernel,
            at: 0,
            trains: vec![Vec::new(); spec.size],
            recorded: Vec::new(),
            drained: 0,
        })
    }

    /// Records the spikes of `cells` from `step` on.
    pub fn record(&mut self, step: u64, cells: &[usize]) {
        self.recorded.push((step, cells.to_vec()));
    }

    /// The recorded spikes after the last drain up to `step`, in time order
    /// (then cell order), as the native engine records them: a plan set at
    /// step `k` takes the spikes stamped `k + 1` on.
    pub fn drain(&mut self, step: u64) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        for (cell, train) in self.trains.iter().enumerate() {
            for s in train.iter().copied().filter(|s| *s > self.drained && *s <= step) {
                let plan = self.recorded.iter().rposition(|(from, _)| *from < s);
                if plan.is_some_and(|k| self.recorded[k].1.binary_search(&cell).is_ok()) {
                    out.push((cell as u32, s));
                }
            }
        }
        out.sort_by_key(|(c, s)| (*s, *c));
        self.drained = self.drained.max(step);
        out
    }

    pub fn advance(&mut self, to: u64) {
        let current = vec![0.0; self.trains.len()];
        let mut spikes = Vec::new();
        for step in self.at..to {
            self.kernel.step(&StepInput { step, synaptic: &[], current: &current }, &mut spikes);
        }
        for (cell, stamp) in spikes {
            self.trains[cell as usize].push(stamp);
        }
        self.at = self.at.max(to);
    }

    pub fn to(&mut self, step: u64) {
        if let Some(Action::To(s)) = self.log.last_mut() {
            *s = step;
        } else {
            self.log.push(Action::To(step));
        }
    }

    /// Rebuilds the kernel and replays the history.
    fn replay(&mut self) -> Result<()> {
        self.kernel = (self.build)(&self.params, &self.initial, &self.ctx)?;
        self.at = 0;
        self.trains.iter_mut().for_each(Vec::clear);
        for i in 0..self.log.len() {
            match &self.log[i] {
                Action::To(s) => {
                    let s = *s;
                    self.advance(s);
                }
                Action::Set(p) => self.kernel.set_parameters(p)?,
                Action::Reset => {
                    self.kernel.reset();
                    self.at = 0;
                    self.trains.iter_mut().for_each(Vec::clear);
                }
            }
        }
        Ok(())
    }

    pub fn set(&mut self, step: u64, params: &ParamTable) -> Result<()> {
        self.to(step);
        self.log.push(Action::Set(params.clone()));
        self.replay()
    }

    pub fn reset(&mut self, step: u64) -> Result<()> {
        self.to(step);
        self.log.push(Action::Reset);
        let cells = self.recorded.last().map(|(_, c)| c.clone()).unwrap_or_default();
        self.recorded = vec![(0, cells)];
        self.drained = 0;
        self.replay()
    }
}

/// The escape noise of a `GIF_cond_exp` population: per cell the native
/// kernel's stream (`(seed, population, "gif")`, sub-stream = cell, as
/// `native/gif.rs`) and the numbers drawn from it not yet used by the simulator (Brian2 draws from a table of them).
pub(crate) struct EscapeNoise {
    rngs: Vec<SimRng>,
    pending: Vec<std::collections::VecDeque<f64>>,
}

impl EscapeNoise {
    pub fn new(seed: u64, pop: PopId, n: usize) -> Self {
        let base = gif_stream(seed, pop);
        let rngs = (0..n)
            .map(|i| {
                let mut r = base.clone();
                r.set_stream(i as u64);
                r
            })
            .collect();
        EscapeNoise { rngs, pending: vec![Default::default(); n] }
    }

    /// Row-major table of `rows` numbers per cell: the next ones of each
    /// cell's stream (a cell draws at most one per step).
    pub fn table(&mut self, rows: usize) -> Vec<f64> {
        use rand::RngExt;
        let n = self.rngs.len();
        for (rng, p) in self.rngs.iter_mut().zip(&mut self.pending) {
            while p.len() < rows {
                p.push_back(rng.random::<f64>());
            }
        }
        let mut out = Vec::with_capacity(rows * n);
        for r in 0..rows {
            out.extend(self.pending.iter().map(|p| p[r]));
        }
        out
    }

    /// Forgets the numbers the simulator used (`used[i]` of cell `i`).
    pub fn consume(&mut self, used: &[i64]) {
        for (p, u) in self.pending.iter_mut().zip(used) {
            p.drain(..(*u as usize).min(p.len()));
        }
    }
}
