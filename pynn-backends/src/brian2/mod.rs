//! The Brian2 backend: runs a pynn-rs model in Brian2 2.9 (runtime mode),
//! driven as a Python process.
//!
//! # Shape
//!
//! * **One Python process per session** runs `driver.py` (embedded, written
//!   to a temporary work directory), found as for NEST ([`find_python`]).
//!   Without Python or Brian2, `setup` fails with an error naming the install
//!   command ([`INSTALL_HINT`]). A Brian2 exception comes back as
//!   `Error::Backend { backend: "Brian2", message }` with Brian2's message.
//! * **Code generation target**: runtime `numpy` by default: no compiler, no
//!   compilation delay, so a test scenario builds in about a second. Choose
//!   [`CodeTarget::Cython`] in [`Brian2Options`] for large networks
//!   (compiled once per model into Brian2's cache). `cpp_standalone` is not used: it cannot continue
//!   after a run, set values between runs or reset.
//! * **The network is mirrored in Rust** (as in [`crate::nest`]) and built in
//!   Brian2 at the first `run_until`; `reset()` rebuilds it at the next run,
//!   so the segment after a reset repeats the first (except Poisson
//!   sources, which draw a fresh trial as on native). Changes after the
//!   build are sent at once.
//! * **Models**: one `NeuronGroup` per population from the row of
//!   [`translate::MODELS`] (equations, threshold, reset, refractoriness,
//!   method, parameter names and units), one `Synapses` object per
//!   projection and pair of populations with the projection's explicit
//!   connections, weights and delays. A user's own cell type runs from its
//!   own Brian2 equations by implementing [`Brian2Cell`] (PyNN's
//!   `native_cell_type`). `GIF_cond_exp` and PyNN's composed `PointNeuron`
//!   get equations built per population: one variable per adaptation
//!   element ([`translate::gif_model`]) or per receptor
//!   ([`translate::point_neuron_model`]: LIF + CurrExp `exact`, LIF or
//!   AdExp + CondExp/CondAlpha/CondBeta `rk4`, NEST's multisynapse models).
//! * **Plastic synapses** (`TsodyksMarkramSynapse`, `STDPMechanism` with
//!   `SpikePairRule` and every weight dependence through NEST's
//!   `mu_plus`/`mu_minus`, `Vogels2011Rule`) follow NEST 3.10's
//!   `tsodyks_synapse`, `stdp_synapse` and `vogels_sprekeler_synapse` as the
//!   native engine does: three pathways per `Synapses` object (update at the
//!   spike, transmission at arrival from a ring of weights in flight,
//!   post-synaptic spikes at `t_post + d`), see [`plastic`]. The weights
//!   (and `u`, `x`, `y`) are read back after every run;
//!   `Projection::record_weights` samples them in the driver. (PyNN 0.13's
//!   Brian2 STDP is always additive.)
//! * **GIF escape noise**: the driver decides each step which cells fire
//!   (NEST's `u < -expm1(-lambda dt)`, drawn only for non-refractory cells
//!   with `lambda > 0`) from uniform numbers the Rust side takes from the
//!   native kernel's streams (`(seed, population, "gif")`, sub-stream =
//!   cell) and sends before each run; the numbers Brian2 used are dropped
//!   after it, so the spikes are the native engine's for the same seed.
//! * **Inputs**: `SpikeSourceArray` is a `SpikeGeneratorGroup` (exact
//!   times); `SpikeSourcePoisson` and the renewal sources
//!   (`SpikeSourcePoissonRefractory`, `SpikeSourceGamma`,
//!   `SpikeSourceInhGamma`) are one too, fed before each run with the
//!   trains of the native engine's generator (same keyed streams, stepped
//!   in Rust): the inputs are identical to the native engine's, spike for
//!   spike, also after `set` and `reset` (fresh trains per trial, as on
//!   native). Current sources
//!   (DC, step, AC, noisy) are sampled by the core
//!   (`CurrentSourceSpec::sample`, one value per step, the noise values of
//!   the session's keyed stream) and sent before each run; the driver sets
//!   `i_inj` at the start of every step. Every backend injects the same
//!   values, and `source.record()` is exact.
//!
//! # Timing (why spike times agree with NEST's)
//!
//! Brian2's step at `t_j = j dt` is: integrate to `t_j+1` ("groups"),
//! threshold ("thresholds"), synaptic effects ("synapses"), reset ("resets"),
//! and labels a spike of that step `t_j`. NEST labels the same spike
//! `t_j+1` (the end of the step in which the threshold was crossed). So:
//! spike times read back are `(j + 1) dt`; spike sources emit a spike of time
//! `s dt` in step `s - 1`; pathways run `before_thresholds` with Brian2 delay
//! `(D - 1) dt` for a delay of `D` steps: the spike of step `j` reaches the
//! target in step `j + D`, after its integration and before its threshold,
//! which is where NEST adds the ring-buffer input of arrival time
//! `t_j+1 + D dt` (a delta synapse can make the target fire in that step, as
//! in NEST); an exponential/alpha current or conductance starts to move `v`
//! one step later, as in NEST. Samples are taken at the end of every step
//! (the state at `t_j+1`, after reset and input), plus the state at the
//! start of recording. Refractoriness: see [`translate`].
//!
//! Since a spike is pushed in the step after the one it was emitted in, the
//! spikes of a run's last step must survive the end of the run, which
//! Brian2's thresholder clears: the driver keeps the count and puts it
//! back (`keep_spikes` in `driver.py`), so a run split into several calls
//! (or into the driver's chunks of Poisson trains) is the same as one run
//! (`tests/recurrent_identity.rs`, `tests/brian2_backend.rs`).
//!
//! # Known differences from NEST (measured in `tests/brian2_backend.rs`)
//!
//! * Linear models (`IF_curr_*`) use Brian2's `exact` method, the same
//!   propagators as NEST up to rounding: identical spikes. Where
//!   `tau_syn = tau_m`, Brian2's symbolic solution divides by zero; the
//!   synaptic time constant is moved by a relative 1e-7 (error of that
//!   order in `v`).
//! * Conductance-based and AdEx models use `rk4` at the simulation step,
//!   `HH_cond_exp` at a tenth of it (NEST: adaptive RKF45 with spike
//!   detection after every sub-step); their traces differ by the
//!   fixed-step truncation error and a spike can move by a step where the
//!   threshold is crossed within that error. Measured
//!   (`tests/brian2_backend.rs`): AdEx spikes come late, never early: 3 of
//!   the 10 DC spikes of the NEST scenarios by one step, up to two steps
//!   within 300 ms of DC; HH and the other conductance models: none. The
//!   cause is not rk4's error but the reset at the end of the step: NEST
//!   resets at the crossing inside the step, while in Brian2 the cell keeps
//!   integrating past the spike until the step's end (`v` capped at
//!   `v_spike` in the currents, `w` driven by it). (Brian2's adaptive GSL methods run only
//!   with the cython target and the GSL library:
//!   brian2/stateupdaters/GSL.py.) The
//!   sub-stepped HH takes its synaptic input at the end of the arrival
//!   step's last sub-step, NEST's step boundary (`translate::HH_INPUT`'s
//!   doc). Izhikevich
//!   is forward Euler in both. `GIF_cond_exp` and the conductance-based
//!   `PointNeuron`s: rk4 as well.
//! * A spike at `t = 0` belongs to Brian2's step -1: it is emitted by a
//!   group of its own with a custom event in step 0, after the integration,
//!   whose pathways (delay `(D - 1) dt`, before the thresholds) bring it to
//!   the targets at `0 + d` as NEST's rule and the native engine do; it is
//!   recorded at `t = 0`. Not from a source with plastic projections (an
//!   error). Spike times set between runs that fall before the next step
//!   are dropped.
//! * Plastic synapses: a delay set between runs cannot exceed the largest
//!   delay the projection was created with (the ring of weights in flight
//!   has one slot per step of it); a weight set between runs drops the
//!   facilitation of post-synaptic spikes since the last pre-synaptic one
//!   (NEST would apply it to the new weight); no plastic synapses onto or
//!   from sub-stepped models (`HH_cond_exp`) or from sources that emit
//!   several spikes of one cell in one step (a clear error).
//! * Synaptic delays are whole steps (rounded, as on every backend).
//! * A weight or delay set between runs also applies to spikes already in
//!   flight (Brian2 reads them when a spike arrives; NEST and the native
//!   engine when it is emitted).
//! * Refractoriness is Brian2's (`lastspike` + `t_ref`): a `tau_refrac`
//!   changed while a cell is refractory also changes the period in progress
//!   (NEST and the native engine keep the running count).

pub mod plastic;
pub mod translate;

pub use crate::external::process::{INSTALL_HINT, find_python};

use crate::external::mirror::{self, Cells, SynapticUpdate};
use crate::external::process::{self, Driver, DriverSpec};
use crate::external::protocol::{self, Request, SignalRequest};
use crate::external::replay;
use crate::external::{Link, Simulator};

/// The driver script (run by the session's Python process).
pub const DRIVER: &str = include_str!("driver.py");

const SPEC: DriverSpec = DriverSpec { backend: "Brian2", simulator: "Brian2", script: DRIVER, tag: "brian2" };

/// Brian2 as seen by the external layer. Driver processes released by
/// `end()` go to the layer's pool and are reused by the next `setup` in the
/// same program: Brian2's import (about 2 s) and its in-process cache of
/// state updaters (the symbolic solution of `exact` models) are paid once.
/// A pooled process that finds its stdin closed at exit deletes its work
/// directory itself.
pub struct Brian2Sim;

impl Simulator for Brian2Sim {
    const NAME: &'static str = "Brian2";
    const SPEC: DriverSpec = SPEC;
}

/// Largest number of (step x cell) current samples sent for one run chunk.
const STIMULUS_CHUNK: usize = 2_000_000;

pub(crate) fn err(message: impl Into<String>) -> Error {
    Error::Backend { backend: "Brian2", message: message.into() }
}
use crate::native::kernel::{Kernel, NativeCell};
use pynn_core::backend::*;
use pynn_core::cells::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};
use serde_json::{Map, Value as Json, json};
use translate::{Brian2Model, Kind, Var};

/// The model of a population: a row of the table or the user's own.
#[derive(Clone, Copy)]
struct PopModel(&'static Brian2Model);

impl PopModel {
    fn name(&self) -> &str {
        self.0.pynn
    }
    fn var(&self, name: &str) -> Option<(String, String)> {
        self.0.var(name).map(|v: &Var| (v.brian.to_string(), v.unit.to_string()))
    }
    fn var_names(&self) -> impl Iterator<Item = &'static str> {
        self.0.vars.iter().map(|v| v.pynn)
    }
    fn pynn_of(&self, brian: &str) -> Option<String> {
        self.0.vars.iter().find(|v| v.brian == brian).map(|v| v.pynn.to_string())
    }
    fn on_pre(&self, receptor: &str) -> Option<(String, String)> {
        self.0.on_pre(receptor).map(|c| (c.to_string(), self.0.weight_unit.to_string()))
    }
    fn injectable(&self) -> bool {
        self.0.kind == Kind::Neuron && self.0.equations.lines().any(|l| l.trim().starts_with("i_inj :"))
    }
}

/// The escape noise of a `GIF_cond_exp` population: per cell the native
/// kernel's stream (`(seed, population, "gif")`, sub-stream = cell, as
/// `native/gif.rs`) and the numbers drawn from it not yet used by Brian2.
struct EscapeNoise {
    rngs: Vec<pynn_core::random::SimRng>,
    pending: Vec<std::collections::VecDeque<f64>>,
}

impl EscapeNoise {
    fn new(seed: u64, pop: PopId, n: usize) -> Self {
        let base = replay::gif_stream(seed, pop);
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
    fn table(&mut self, rows: usize) -> Vec<f64> {
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

    /// Forgets the numbers Brian2 used (`used[i]` of cell `i`).
    fn consume(&mut self, used: &[i64]) {
        for (p, u) in self.pending.iter_mut().zip(used) {
            p.drain(..(*u as usize).min(p.len()));
        }
    }
}

struct PopMirror {
    /// `GIF_cond_exp`: escape noise fed from the native kernel's streams.
    escape: Option<EscapeNoise>,
    /// Number of adaptation elements per kernel (models with elements).
    elements: Vec<usize>,
    /// For `SpikeSourcePoisson`: the native engine's generator, whose
    /// trains are sent to Brian2 as explicit spikes before each run.
    poisson: Option<Box<dyn Kernel>>,
    model: PopModel,
    label: String,
    offset: usize,
    size: usize,
    params: ParamTable,
    initial: ParamTable,
    plan: RecordingPlan,
}

struct ProjMirror {
    label: String,
    receptor: String,
    conns: Connections,
    /// Synapse model (plastic ones carry their per-connection parameters
    /// and initial state).
    synapse: SynapseKind,
    /// Ring slots of a plastic projection: its largest delay in steps at
    /// creation (see [`plastic`]).
    ring: usize,
    /// Plastic state read back after the last run (PyNN names and units).
    current: Vec<(&'static str, Vec<f64>)>,
    /// Weight recording interval (steps), if recording.
    rec: Option<u64>,
    /// Weight samples taken since recording started or the last reset.
    samples: RawWeights,
}

impl ProjMirror {
    fn plastic(&self) -> bool {
        !matches!(self.synapse, SynapseKind::Static)
    }
}

/// Brian2's code-generation target for the runtime mode (Brian2's
/// `prefs.codegen.target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeTarget {
    /// Vectorised numpy code: no compiler, no compilation delay (default).
    #[default]
    Numpy,
    /// Cython, compiled once per model into Brian2's cache: faster runs of
    /// large networks, a compiler needed.
    Cython,
}

impl CodeTarget {
    /// Brian2's name for the target.
    pub fn name(self) -> &'static str {
        match self {
            CodeTarget::Numpy => "numpy",
            CodeTarget::Cython => "cython",
        }
    }
}

/// Options of the Brian2 backend (`Sim::<Brian2>::setup_with(setup, options)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Brian2Options {
    /// The code-generation target (default numpy).
    pub target: CodeTarget,
}

/// The Brian2 backend. Select it with `Sim::<Brian2>::setup(...)`.
pub struct Brian2 {
    cfg: SimConfig,
    link: Link,
    version: String,
    target: String,
    built: bool,
    step: u64,
    pops: Vec<PopMirror>,
    projs: Vec<ProjMirror>,
    currents: Vec<Option<(CurrentSourceSpec, Vec<u32>)>>,
    cells: Cells,
}

impl std::fmt::Debug for Brian2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Brian2({} populations, {} projections, Brian2 {})", self.pops.len(), self.projs.len(), self.version)
    }
}

impl Brian2 {
    /// Brian2's version (e.g. `"2.9.0"`).
    pub fn brian2_version(&self) -> &str {
        &self.version
    }

    /// The code generation target in use (`"numpy"` or `"cython"`).
    pub fn target(&self) -> &str {
        &self.target
    }

    fn driver(&mut self) -> Result<&mut Driver> {
        self.link.driver()
    }

    fn pop(&self, pop: PopId) -> Result<&PopMirror> {
        self.pops.get(pop).ok_or_else(|| err(format!("no population {pop}")))
    }

    fn steps(&self, t: f64) -> u64 {
        (t / self.cfg.timestep).round().max(0.0) as u64
    }

    /// The parameters of population `pop` as the driver wants them.
    fn parameter_fields(&self, pop: PopId) -> Result<Map<String, Json>> {
        let p = self.pop(pop)?;
        let mut m = Map::new();
        let model = p.model.0;
        match model.kind {
            Kind::Neuron => {
                let mut params = Map::new();
                for (k, u, v) in
                    model.translate_parameters(|n| p.params.column(n).and_then(Column::as_scalar), self.cfg.timestep)
                {
                    params.insert(k.to_string(), json!([u, v]));
                }
                for (k, u, v) in
                    translate::element_values(model, &p.elements, |n| p.params.sequence(n), self.cfg.timestep)
                {
                    params.insert(k, json!([u, v]));
                }
                m.insert("params".into(), Json::Object(params));
            }
            Kind::SpikeArray => {
                let steps: Vec<Vec<u64>> = p
                    .params
                    .sequence("spike_times")
                    .iter()
                    .map(|s| s.iter().map(|t| self.steps(*t)).collect())
                    .collect();
                m.insert("spike_steps".into(), json!(steps));
            }
            Kind::Poisson => {
                // The trains come with each run (`send_poisson`).
                m.insert("spike_steps".into(), json!(vec![Vec::<u64>::new(); p.size]));
            }
        }
        Ok(m)
    }

    /// Brian2 name, unit and values of state variable `variable`.
    fn state_value(&self, pop: PopId, variable: &str, values: &[f64]) -> Result<(String, Json)> {
        let p = self.pop(pop)?;
        let (name, unit) = p.model.var(variable).ok_or_else(|| {
            Error::unknown_name(format!("population \"{}\"", p.label), "state variable", variable, p.model.var_names())
        })?;
        Ok((name, json!([unit, values])))
    }

    fn create_command(&self, pop: PopId) -> Result<Json> {
        let p = self.pop(pop)?;
        let mut c = self.parameter_fields(pop)?;
        let mut state = Map::new();
        for spec in p.initial.specs() {
            let (name, values) = self.state_value(pop, spec.name, p.initial.scalar(spec.name))?;
            state.insert(name, values);
        }
        let m = p.model.0;
        let kind = m.kind;
        let model = json!({
            "equations": m.equations, "threshold": m.threshold, "reset": m.reset,
            "refractory": m.refractory, "method": m.method, "before_step": m.before_step,
            "substeps": m.substeps, "after_step": m.after_step, "escape": m.escape,
        });
        let kind = match kind {
            Kind::Neuron => "neuron",
            Kind::SpikeArray | Kind::Poisson => "array",
        };
        c.insert("cmd".into(), json!("create"));
        c.insert("pop".into(), json!(pop));
        c.insert("offset".into(), json!(p.offset));
        c.insert("n".into(), json!(p.size));
        c.insert("kind".into(), json!(kind));
        c.insert("model".into(), model);
        c.insert("state".into(), Json::Object(state));
        Ok(Json::Object(c))
    }

    /// The `on_pre` statement and weight unit of a projection.
    fn synapse_of(&self, proj: ProjId) -> Result<(String, String)> {
        let pr = &self.projs[proj];
        let Some(first) = pr.conns.post.first() else { return Ok((String::new(), "nA".into())) };
        let owner = self.cells.owner(*first).ok_or_else(|| err(format!("cell {first} does not exist")))?;
        let p = &self.pops[owner];
        p.model.on_pre(&pr.receptor).ok_or_else(|| {
            err(format!(
                "{} (population \"{}\") has no receptor \"{}\" on Brian2",
                p.model.name(),
                p.label,
                pr.receptor
            ))
        })
    }

    fn send_connect(&mut self, proj: ProjId) -> Result<()> {
        if self.projs[proj].conns.is_empty() {
            return Ok(());
        }
        let (on_pre, weight_unit) = self.synapse_of(proj)?;
        let dt = self.cfg.timestep;
        let pr = &self.projs[proj];
        let delay: Vec<i64> = pr.conns.delay.iter().map(|d| ((d / dt).round() as i64).max(1)).collect();
        let (pre, post, weight) = (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.weight.clone());
        let model = plastic::plastic_model(&pr.synapse, &on_pre, &weight_unit, &weight, pr.ring)?;
        let (rec, var) = (pr.rec, plastic::state_vars(&pr.synapse).first().map(|v| v.1));
        let d = self.driver()?;
        let mut cmd = json!({
            "cmd": "connect", "proj": proj, "on_pre": on_pre, "weight_unit": weight_unit,
            "pre": d.write_npy("pre", &pre)?, "post": d.write_npy("post", &post)?,
            "weight": d.write_npy("weight", &weight)?, "delay_steps": d.write_npy("delay", &delay)?,
        });
        if let Some(m) = model {
            let mut values = Map::new();
            for (name, unit, v) in &m.values {
                values.insert(name.clone(), json!([unit, d.write_npy("syn", v)?]));
            }
            cmd["plastic"] = json!({
                "model": m.model, "update": m.update, "transmit": m.transmit, "backprop": m.backprop,
                "values": values,
            });
        }
        d.call(cmd)?;
        if let (Some(interval), Some(var)) = (rec, var) {
            d.request(&Request::RecordWeights { proj, var: var.to_string(), interval: Some(interval) })?;
        }
        Ok(())
    }

    /// Reads the plastic projections' state back after a run: every update
    /// of pre-synaptic spikes up to the current time is done (the `update`
    /// pathway runs in the spike's own step), plus the weight samples.
    fn read_plastic_state(&mut self) -> Result<()> {
        let mut vars = Map::new();
        for (id, pr) in self.projs.iter().enumerate() {
            if pr.plastic() && !pr.conns.is_empty() {
                let names: Vec<&str> = plastic::state_vars(&pr.synapse).iter().map(|v| v.1).collect();
                vars.insert(id.to_string(), json!(names));
            }
        }
        if vars.is_empty() {
            return Ok(());
        }
        let kinds: Vec<(ProjId, Vec<plastic::StateVar>)> = vars
            .keys()
            .filter_map(|k| k.parse::<ProjId>().ok())
            .map(|id| (id, plastic::state_vars(&self.projs[id].synapse)))
            .collect();
        let d = self.driver()?;
        let a = d.call(json!({"cmd": "plastic_state", "vars": vars}))?;
        let mut read = Vec::new();
        for (id, names) in kinds {
            let entry = &a["state"][id.to_string()];
            let mut values = Vec::new();
            for (pynn, brian, factor) in names {
                let (_, v) = d.read_npy::<f64>(&entry[brian])?;
                values.push((pynn, v.into_iter().map(|x| x * factor).collect::<Vec<f64>>()));
            }
            let samples = if entry.get("_steps").is_some() {
                let (_, steps) = d.read_npy::<i64>(&entry["_steps"])?;
                let (_, data) = d.read_npy::<f64>(&entry["_data"])?;
                Some((steps, data))
            } else {
                None
            };
            read.push((id, values, samples));
        }
        for (id, values, samples) in read {
            let pr = &mut self.projs[id];
            let sign = plastic::state_vars(&pr.synapse).first().map_or(1.0, |v| v.2);
            pr.current = values;
            if let Some((steps, data)) = samples {
                pr.samples.steps.extend(steps.iter().map(|s| *s as u64));
                pr.samples.data.extend(data.into_iter().map(|x| x * sign));
            }
        }
        Ok(())
    }

    fn record_command(&self, pop: PopId) -> Result<Request> {
        let p = self.pop(pop)?;
        let mut signals = Vec::new();
        for (name, cells) in &p.plan.signals {
            let (var, unit) = p.model.var(name).ok_or_else(|| Error::Recording {
                object: format!("population \"{}\"", p.label),
                message: format!("`{name}` cannot be recorded on Brian2"),
            })?;
            signals.push(SignalRequest { name: None, var, unit: Some(unit), cells: cells.clone() });
        }
        Ok(Request::Record {
            pop,
            spikes: p.plan.spikes.clone(),
            signals,
            interval_steps: p.plan.interval_steps.max(1),
        })
    }

    /// Sends the current samples of steps `first .. last` to the driver.
    fn send_stimulus(&mut self, first: u64, last: u64) -> Result<()> {
        let dt = self.cfg.timestep;
        // cell -> summed samples
        let mut per_cell: std::collections::BTreeMap<u32, Vec<f64>> = std::collections::BTreeMap::new();
        let mut buf = Vec::new();
        for (spec, targets) in self.currents.iter().flatten() {
            spec.sample(dt, first, last, &mut buf);
            for t in targets {
                let acc = per_cell.entry(*t).or_insert_with(|| vec![0.0; (last - first) as usize]);
                acc.iter_mut().zip(&buf).for_each(|(a, b)| *a += b);
            }
        }
        let mut by_pop: std::collections::BTreeMap<usize, Vec<(usize, Vec<f64>)>> = std::collections::BTreeMap::new();
        for (cell, samples) in per_cell {
            let pop = self.cells.owner(cell).ok_or_else(|| err(format!("cell {cell} does not exist")))?;
            let local = cell as usize - self.pops[pop].offset;
            by_pop.entry(pop).or_default().push((local, samples));
        }
        for (pop, cols) in by_pop {
            let rows = (last - first) as usize;
            let mut data = Vec::with_capacity(rows * cols.len());
            for r in 0..rows {
                data.extend(cols.iter().map(|(_, s)| s[r]));
            }
            let cells: Vec<usize> = cols.iter().map(|(c, _)| *c).collect();
            let d = self.driver()?;
            let file = d.write_npy("stim", &data)?;
            d.request(&Request::Stimulus { pop, cells, first, data: file })?;
        }
        Ok(())
    }

    /// Steps the native Poisson generators over `first .. last` and sends
    /// their spikes to the driver.
    fn send_poisson(&mut self, first: u64, last: u64) -> Result<()> {
        let mut out = Vec::new();
        for pop in 0..self.pops.len() {
            let size = self.pops[pop].size;
            let Some(kernel) = self.pops[pop].poisson.as_mut() else { continue };
            let spikes = replay::step_source(kernel.as_mut(), size, first, last, false);
            let mut steps = vec![Vec::new(); size];
            for (cell, stamp) in spikes {
                steps[cell as usize].push(stamp);
            }
            out.push(protocol::set_trains(pop, &steps, None));
        }
        for cmd in out {
            self.link.request(&cmd)?;
        }
        Ok(())
    }

    /// Sends every escape-noise population its next `rows` numbers per cell.
    fn send_escape(&mut self, rows: usize) -> Result<()> {
        for pop in 0..self.pops.len() {
            let Some(noise) = self.pops[pop].escape.as_mut() else { continue };
            let table = noise.table(rows);
            let d = self.driver()?;
            let file = d.write_npy("draws", &table)?;
            d.request(&Request::EscapeDraws { pop, rows, data: file })?;
        }
        Ok(())
    }

    /// Drops the numbers the escape-noise populations used in the last run.
    fn take_escape(&mut self) -> Result<()> {
        for pop in 0..self.pops.len() {
            if self.pops[pop].escape.is_none() {
                continue;
            }
            let d = self.driver()?;
            let a = d.request(&Request::EscapeUsed { pop })?;
            let (_, used) = d.read_npy::<i64>(&a["used"])?;
            if let Some(noise) = self.pops[pop].escape.as_mut() {
                noise.consume(&used);
            }
        }
        Ok(())
    }

    /// Builds the whole network in a fresh Brian2 network.
    fn build(&mut self) -> Result<()> {
        let c = &self.cfg;
        let mut setup = protocol::setup(c.timestep);
        if let Request::Setup { seed, target, .. } = &mut setup {
            (*seed, *target) = (Some(c.seed % (1 << 32)), Some(self.target.clone()));
        }
        self.link.request(&setup)?;
        self.step = 0;
        for pop in 0..self.pops.len() {
            let cmd = self.create_command(pop)?;
            self.driver()?.call(cmd)?;
        }
        for proj in 0..self.projs.len() {
            self.send_connect(proj)?;
        }
        for pop in 0..self.pops.len() {
            if !self.pops[pop].plan.is_empty() {
                let cmd = self.record_command(pop)?;
                self.link.request(&cmd)?;
            }
        }
        self.built = true;
        Ok(())
    }

    fn create(&mut self, spec: &PopulationSpec<'_>, model: PopModel) -> Result<()> {
        if spec.id != self.pops.len() || spec.offset != self.cells.len() {
            return Err(err("populations must be created in order"));
        }
        if model.0.kind == Kind::Neuron {
            let m = model.0;
            let row = m.params.iter().map(|(n, _)| *n).chain(m.elements.iter().flat_map(|e| [e.tau, e.amp]));
            let needed = mirror::needed_by_row(spec.cell_type.name, row);
            mirror::require_parameters("Brian2", spec.label, spec.cell_type.name, spec.parameters, needed)?;
        }
        let poisson = if model.0.kind == Kind::Poisson {
            let build = replay::random_source(spec.cell_type.name).unwrap_or(<SpikeSourcePoisson as NativeCell>::build);
            let ctx = replay::context(&self.cfg, spec.id, spec.label);
            Some(build(spec.parameters, spec.initial_values, &ctx)?)
        } else {
            None
        };
        let model = if model.0.pynn == "PointNeuron" {
            let comp = spec
                .composition
                .clone()
                .ok_or_else(|| err(format!("population \"{}\": a PointNeuron without its composition", spec.label)))?;
            PopModel(translate::point_neuron_model(&comp).map_err(|m| {
                Error::invalid_value(
                    format!("population \"{}\" on Brian2", spec.label),
                    "receptors",
                    format!("{:?}", comp.receptors),
                    m,
                )
            })?)
        } else {
            model
        };
        let elements = Self::element_counts(model.0, spec.parameters, spec.label, None)?;
        let model =
            if model.0.elements.is_empty() { model } else { PopModel(translate::gif_model(model.0, &elements)) };
        let escape = model.0.escape.then(|| EscapeNoise::new(self.cfg.seed, spec.id, spec.size));
        self.cells.admit("Brian2", spec, self.pops.len())?;
        self.pops.push(PopMirror {
            escape,
            elements,
            poisson,
            model,
            label: spec.label.to_string(),
            offset: spec.offset,
            size: spec.size,
            params: spec.parameters.clone(),
            initial: spec.initial_values.clone(),
            plan: RecordingPlan { interval_steps: 1, ..RecordingPlan::default() },
        });
        let res = self.check_population(spec.id);
        let res = res.and_then(|_| {
            if self.built {
                let cmd = self.create_command(spec.id)?;
                self.driver()?.call(cmd).map(drop)
            } else {
                Ok(())
            }
        });
        if let Err(e) = res {
            self.pops.pop();
            self.cells.retract(spec);
            return Err(e);
        }
        Ok(())
    }

    /// The number of elements of each kernel of a model with adaptation
    /// elements (the longest sequence over the cells), checked against the
    /// population's model (`fixed`) after creation.
    fn element_counts(
        model: &Brian2Model,
        params: &ParamTable,
        label: &str,
        fixed: Option<&[usize]>,
    ) -> Result<Vec<usize>> {
        let mut counts = Vec::new();
        for (k, el) in model.elements.iter().enumerate() {
            let (taus, amps) = (params.sequence(el.tau), params.sequence(el.amp));
            for (i, (t, a)) in taus.iter().zip(amps).enumerate() {
                if t.len() != a.len() {
                    return Err(Error::invalid_value(
                        format!("population \"{label}\" ({}), cell {i}", model.pynn),
                        el.amp,
                        format!("{a:?}"),
                        format!("a sequence as long as `{}` ({} values)", el.tau, t.len()),
                    ));
                }
            }
            let n = taus.iter().map(Vec::len).max().unwrap_or(0);
            if let Some(f) = fixed.and_then(|f| f.get(k))
                && n > *f
            {
                return Err(Error::invalid_value(
                    format!("population \"{label}\" ({}) on Brian2", model.pynn),
                    el.tau,
                    format!("{n} elements"),
                    format!(
                        "at most the {f} elements the population was created with (its Brian2 equations have one \
                         variable per element)"
                    ),
                ));
            }
            counts.push(fixed.and_then(|f| f.get(k).copied()).unwrap_or(n));
        }
        Ok(counts)
    }

    /// Values the Brian2 equations cannot take.
    fn check_population(&self, pop: PopId) -> Result<()> {
        let p = self.pop(pop)?;
        let m = p.model.0;
        if (m.pynn.starts_with("EIF_") || m.pynn == "PointNeuron")
            && let Some(x) =
                p.params.column("delta_T").and_then(Column::as_scalar).and_then(|d| d.iter().find(|x| **x <= 0.0))
        {
            return Err(Error::invalid_value(
                format!("population \"{}\" on Brian2", p.label),
                "delta_T",
                x,
                "delta_T > 0 mV (the Brian2 equations divide by it)",
            ));
        }
        Ok(())
    }
}

impl Backend for Brian2 {
    const NAME: &'static str = "Brian2";
    type Options = Brian2Options;

    fn setup(config: &SimConfig, options: &Brian2Options) -> Result<Self> {
        let target = options.target.name().to_string();
        let (driver, hello) = match process::from_pool(SPEC) {
            Some(reused) => reused,
            None => Driver::start(&find_python(), SPEC)?,
        };
        let version = protocol::hello(&hello).brian2_version.unwrap_or_else(|| "?".into());
        Ok(Brian2 {
            cfg: config.clone(),
            link: Link::new("Brian2", driver),
            version,
            target,
            built: false,
            step: 0,
            pops: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            cells: Cells::default(),
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let p = self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?;
        Self::element_counts(p.model.0, parameters, &p.label, Some(&p.elements))?;
        // A value the model cannot take or Brian2 refuses: the mirror keeps
        // what Brian2 has.
        mirror::replace_or_restore(
            self,
            |s| &mut s.pops[pop].params,
            parameters.clone(),
            |s| {
                s.check_population(pop)?;
                if let Some(kernel) = s.pops[pop].poisson.as_mut() {
                    // Restarts the process at the current time, as on native.
                    return kernel.set_parameters(parameters);
                }
                if s.built {
                    let cmd = protocol::set_params(pop, s.parameter_fields(pop)?);
                    s.link.request(&cmd)?;
                }
                Ok(())
            },
        )
    }

    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (name, native) = self.state_value(pop, variable, values)?;
        self.pops[pop].initial.assign(variable, cells, Column::Scalar(values.to_vec()));
        if self.built {
            let state = [(name, native)].into_iter().collect();
            self.link.request(&Request::SetState { pop, cells: cells.to_vec(), state, live: None })?;
        }
        Ok(())
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, mut c: Connections) -> Result<()> {
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        self.cells.check("Brian2", "", &c.post)?;
        self.cells.check("Brian2", "", &c.pre)?;
        match spec.synapse {
            SynapseKind::Static
            | SynapseKind::TsodyksMarkram(_)
            | SynapseKind::SpikePairStdp { .. }
            | SynapseKind::Vogels2011 { .. } => {}
            ref other => {
                return Err(err(format!(
                    "projection \"{}\": synapse model {other:?} is not supported on Brian2",
                    spec.label
                )));
            }
        }
        let dt = self.cfg.timestep;
        c.delay.iter_mut().for_each(|d| *d = (*d / dt).round() * dt);
        let ring = c.delay.iter().map(|d| ((d / dt).round() as usize).max(1)).max().unwrap_or(1);
        self.projs.push(ProjMirror {
            label: spec.label.to_string(),
            receptor: spec.receptor.name.to_string(),
            conns: c,
            synapse: spec.synapse.clone(),
            ring,
            current: Vec::new(),
            rec: None,
            samples: RawWeights::default(),
        });
        let res = self.synapse_of(spec.id).and_then(|(on_pre, unit)| {
            let pr = &self.projs[spec.id];
            // Checks the plastic description before the first run.
            plastic::plastic_model(&pr.synapse, &on_pre, &unit, &pr.conns.weight, pr.ring)?;
            if self.built { self.send_connect(spec.id) } else { Ok(()) }
        });
        if let Err(e) = res {
            self.projs.pop();
            return Err(e);
        }
        Ok(())
    }

    fn connections(&self, proj: ProjId) -> Result<(Vec<u32>, Vec<u32>)> {
        let p = self.projs.get(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        Ok((p.conns.pre.clone(), p.conns.post.clone()))
    }

    fn get_synaptic(&self, proj: ProjId, name: &str) -> Result<Vec<f64>> {
        let p = self.projs.get(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if let Some((_, v)) = p.current.iter().find(|(n, _)| *n == name) {
            return Ok(v.clone());
        }
        let columns = match &p.synapse {
            SynapseKind::TsodyksMarkram(c) => Some(c),
            SynapseKind::SpikePairStdp { columns, .. } | SynapseKind::Vogels2011 { columns, .. } => Some(columns),
            _ => None,
        };
        if let Some(v) = columns.and_then(|c| c.get(name)) {
            return Ok(v.to_vec());
        }
        if let (SynapseKind::SpikePairStdp { tau_minus, .. }, "tau_minus") = (&p.synapse, name) {
            return Ok(vec![*tau_minus; p.conns.len()]);
        }
        match name {
            "weight" => Ok(p.conns.weight.clone()),
            "delay" => Ok(p.conns.delay.clone()),
            _ => {
                let mut names = vec!["weight", "delay"];
                names.extend(columns.iter().flat_map(|c| c.0.iter().map(|(n, _)| *n)));
                Err(Error::unknown_name(format!("Brian2 projection \"{}\"", p.label), "attribute", name, names))
            }
        }
    }

    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let dt = self.cfg.timestep;
        let p = self.projs.get_mut(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        let update = SynapticUpdate::new("Brian2", &p.conns, name, values, dt)?;
        let native: Vec<f64> = match &update {
            SynapticUpdate::Weight(w) => w.clone(),
            SynapticUpdate::Delay(_) => values.iter().map(|d| (d / dt).round().max(1.0)).collect(),
        };
        if p.plastic()
            && name == "delay"
            && let Some(d) = native.iter().find(|d| **d as usize > p.ring)
        {
            return Err(Error::invalid_value(
                format!("plastic projection \"{}\" on Brian2", p.label),
                "delay",
                d * dt,
                format!(
                    "at most the largest delay the projection was created with ({} ms): its ring of \
                     weights in flight has one slot per step of that delay",
                    p.ring as f64 * dt
                ),
            ));
        }
        let mut plastic_weights = Vec::new();
        if p.plastic() && name == "weight" {
            if let SynapseKind::SpikePairStdp { columns, .. } | SynapseKind::Vogels2011 { columns, .. } = &p.synapse {
                let (lo, hi) = (columns.get("w_min").unwrap_or(&[]), columns.get("w_max").unwrap_or(&[]));
                for (k, w) in values.iter().enumerate() {
                    let (a, b) = (lo.get(k).copied().unwrap_or(0.0), hi.get(k).copied().unwrap_or(f64::INFINITY));
                    if w.abs() < a || w.abs() > b {
                        return Err(Error::invalid_value(
                            format!("plastic projection \"{}\" on Brian2", p.label),
                            "weight",
                            w,
                            format!("a weight whose magnitude lies in [w_min, w_max] = [{a}, {b}]"),
                        ));
                    }
                }
            }
            plastic_weights = plastic::weight_vars(&p.synapse);
        }
        if self.built && !native.is_empty() {
            let d = self.driver()?;
            if plastic_weights.is_empty() {
                let values = d.write_npy(name, &native)?;
                d.request(&Request::SetSynaptic { proj, name: name.into(), values })?;
            } else {
                let mut vars = Map::new();
                for (var, factor) in &plastic_weights {
                    let v: Vec<f64> = native.iter().map(|w| w * factor).collect();
                    vars.insert(var.to_string(), json!(["1", d.write_npy("w", &v)?]));
                }
                d.request(&Request::SetVars { proj, vars })?;
            }
        }
        let p = &mut self.projs[proj];
        p.current.retain(|(n, _)| *n != name);
        update.store(&mut p.conns);
        Ok(())
    }

    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let built = self.built;
        let p = self.projs.get_mut(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        let label = p.label.clone();
        let SynapseKind::TsodyksMarkram(columns) = &mut p.synapse else {
            return Err(Error::unknown_name(format!("Brian2 projection \"{label}\""), "state variable", name, []));
        };
        let (Some(var), Some((_, col))) =
            (plastic::tm_state(name), columns.0.iter_mut().find(|(n, _)| *n == name && ["u", "x", "y"].contains(n)))
        else {
            return Err(Error::unknown_name(
                format!("Brian2 projection \"{label}\""),
                "state variable",
                name,
                ["u", "x", "y"],
            ));
        };
        if col.len() != values.len() {
            return Err(Error::LengthMismatch {
                object: format!("Brian2 projection \"{label}\""),
                what: name.into(),
                expected: col.len(),
                found: values.len(),
            });
        }
        col.copy_from_slice(values);
        p.current.retain(|(n, _)| *n != name);
        if built && !values.is_empty() {
            let d = self.driver()?;
            let file = d.write_npy(name, values)?;
            let vars = [(var.to_string(), json!(["1", file]))].into_iter().collect();
            d.request(&Request::SetVars { proj, vars })?;
        }
        Ok(())
    }

    fn record_weights(&mut self, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let built = self.built;
        let p = self.projs.get_mut(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if !p.plastic() {
            return Err(err(format!(
                "projection \"{}\": its synapses are static; only plastic weights can be recorded",
                p.label
            )));
        }
        p.rec = interval_steps.map(|i| i.max(1));
        let var = plastic::state_vars(&p.synapse).first().map(|v| v.1).unwrap_or("");
        if built && !p.conns.is_empty() {
            self.link.request(&Request::RecordWeights { proj, var: var.into(), interval: interval_steps })?;
        }
        Ok(())
    }

    fn recorded_weights(&self, proj: ProjId) -> Result<RawWeights> {
        let p = self.projs.get(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        Ok(p.samples.clone())
    }

    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()> {
        for t in targets {
            let pop = self.cells.owner(*t).ok_or_else(|| err(format!("cell {t} does not exist")))?;
            let p = &self.pops[pop];
            if !p.model.injectable() {
                return Err(err(format!(
                    "{} (population \"{}\") cannot receive current on Brian2 (no `i_inj : amp` variable)",
                    p.model.name(),
                    p.label
                )));
            }
        }
        if self.currents.len() <= id {
            self.currents.resize_with(id + 1, || None);
        }
        self.currents[id] = Some((spec.clone(), targets.to_vec()));
        Ok(())
    }

    fn set_recording(&mut self, pop: PopId, plan: &RecordingPlan) -> Result<()> {
        self.pop(pop)?;
        mirror::replace_or_restore(
            self,
            |s| &mut s.pops[pop].plan,
            plan.clone(),
            |s| {
                let cmd = s.record_command(pop)?;
                if s.built { s.link.request(&cmd).map(drop) } else { Ok(()) }
            },
        )
    }

    fn run_until(&mut self, step: u64) -> Result<()> {
        if !self.built {
            self.build()?;
        }
        let injected: usize = self.currents.iter().flatten().map(|(_, t)| t.len()).sum();
        let poisson: usize = self.pops.iter().filter(|p| p.poisson.is_some()).map(|p| p.size).sum();
        let escape: usize = self.pops.iter().filter(|p| p.escape.is_some()).map(|p| p.size).sum();
        let load = injected.max(poisson).max(escape);
        let chunk = STIMULUS_CHUNK.checked_div(load).map_or(u64::MAX, |c| c.max(1) as u64);
        while self.step < step {
            let next = step.min(self.step.saturating_add(chunk));
            if injected > 0 {
                self.send_stimulus(self.step, next)?;
            }
            if poisson > 0 {
                self.send_poisson(self.step, next)?;
            }
            if escape > 0 {
                self.send_escape((next - self.step) as usize)?;
            }
            self.link.request(&protocol::run(next))?;
            self.step = next;
            if escape > 0 {
                self.take_escape()?;
            }
        }
        self.read_plastic_state()
    }

    fn reset(&mut self) -> Result<()> {
        // Rebuilt from the mirror at the next run.
        self.built = false;
        self.step = 0;
        for p in &mut self.projs {
            p.current.clear();
            p.samples = RawWeights::default();
        }
        for p in &mut self.pops {
            if let Some(k) = p.poisson.as_mut() {
                k.reset();
            }
        }
        Ok(())
    }

    fn drain_recording(&mut self, pop: PopId) -> Result<RawRecording> {
        self.pop(pop)?;
        // A stopped process (killed, crashed, timed out) has nothing more to
        // give; what was read before stays in the core (external/process.rs).
        if !self.built || self.link.stopped() {
            return Ok(RawRecording::default());
        }
        let model = self.pops[pop].model;
        self.link.drain(pop, |var, _| {
            let name = model.pynn_of(var).ok_or_else(|| err(format!("unexpected variable {var}")))?;
            Ok((name, 1.0))
        })
    }

    fn end(&mut self) -> Result<()> {
        if let Some(d) = self.link.take() {
            process::to_pool(d);
        }
        Ok(())
    }
}

/// A cell type the Brian2 backend can simulate.
///
/// The standard types use their row of [`translate::MODELS`]. Your own cell
/// type (a [`CellType`] with its PyNN-style schema) runs on Brian2 once it
/// implements this trait with its own [`Brian2Model`]: Brian2 equations,
/// threshold, reset, method, its parameters' Brian2 names and units, its
/// state variables and receptors (PyNN's `native_cell_type` analogue;
/// `tests/brian2_backend.rs` has an example).
#[diagnostic::on_unimplemented(
    message = "the Brian2 backend cannot simulate `{Self}` cells: `{Self}` does not implement `Brian2Cell`",
    label = "no Brian2 equations for `{Self}`",
    note = "implement `pynn::backends::brian2::Brian2Cell` for `{Self}` (its Brian2 equations, threshold and reset)"
)]
pub trait Brian2Cell: CellType {
    /// The Brian2 description of this cell type.
    fn brian2_model() -> Option<&'static Brian2Model> {
        translate::model(Self::NAME)
    }
}

macro_rules! brian2_cells {
    ($($t:ty),* $(,)?) => { $(impl Brian2Cell for $t {})* };
}
pynn_core::for_each_standard_cell!(brian2_cells, PointNeuron);

impl<C: Brian2Cell> Supports<C> for Brian2 {
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
        let model =
            C::brian2_model().ok_or_else(|| err(format!("{} has no Brian2 translation", spec.cell_type.name)))?;
        self.create(spec, PopModel(model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn missing_interpreter_names_the_install_command() {
        let Err(e) = Driver::start(Path::new("/nonexistent/python"), SPEC) else { panic!("started") };
        let text = e.to_string();
        assert!(text.contains(INSTALL_HINT) && text.contains("Brian2"), "{text}");
    }

    #[test]
    fn interpreter_without_brian2_names_the_install_command() {
        // The system Python, unless Brian2 is installed there.
        let Ok(out) = std::process::Command::new("python3").args(["-c", "import brian2"]).output() else { return };
        if out.status.success() {
            return;
        }
        let Err(e) = Driver::start(Path::new("python3"), SPEC) else { panic!("started without Brian2") };
        let text = e.to_string();
        assert!(text.contains("cannot import Brian2") && text.contains(INSTALL_HINT), "{text}");
    }
}
