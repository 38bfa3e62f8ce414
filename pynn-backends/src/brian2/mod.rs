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
//! * **Gap junctions** (`ElectricalSynapse`): the native engine's explicit
//!   scheme, run by the driver at the start of every step through `i_inj`
//!   (see `gap.rs`).
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

mod gap;
pub mod plastic;
pub mod translate;

pub use crate::external::process::{INSTALL_HINT, find_python};

use crate::external::Simulator;
use crate::external::backend::{External, Pop, set_tm_state};
use crate::external::mirror::{self, SynapticUpdate};
use crate::external::process::{self, Driver, DriverSpec};
use crate::external::protocol::{self, Request, SignalRequest};
use crate::external::replay::{self, EscapeNoise};
use crate::native::kernel::{Kernel, NativeCell};
use pynn_core::backend::*;
use pynn_core::cells::*;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};
use serde_json::{Map, Value as Json, json};
use translate::{Brian2Model, Kind, Var};

/// The driver script (run by the session's Python process).
pub const DRIVER: &str = include_str!("driver.py");

const SPEC: DriverSpec = DriverSpec { backend: "Brian2", simulator: "Brian2", script: DRIVER, tag: "brian2" };

/// Largest number of (step x cell) current samples sent for one run chunk.
const STIMULUS_CHUNK: usize = 2_000_000;

pub(crate) fn err(message: impl Into<String>) -> Error {
    Brian2Sim::err(message)
}

/// The Brian2 backend. Select it with `Sim::<Brian2>::setup(...)`.
pub type Brian2 = External<Brian2Sim>;

/// Brian2 as seen by the external layer: its own state of a session (the
/// code-generation target). Driver processes released by `end()` go to the
/// layer's pool and are reused by the next `setup` in the same program:
/// Brian2's import (about 2 s) and its in-process cache of state updaters
/// (the symbolic solution of `exact` models) are paid once. A pooled
/// process that finds its stdin closed at exit deletes its work directory
/// itself.
pub struct Brian2Sim {
    target: String,
    /// The synaptic state of each recording projection, sampled with its
    /// weights ([`plastic::state_names`]): per sample, each variable's
    /// values in turn (list order).
    state: std::collections::BTreeMap<ProjId, Vec<f64>>,
}

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

/// Brian2's part of a population.
pub struct Brian2Pop {
    /// `GIF_cond_exp`: escape noise fed from the native kernel's streams.
    escape: Option<EscapeNoise>,
    /// Number of adaptation elements per kernel (models with elements).
    elements: Vec<usize>,
    /// For `SpikeSourcePoisson`: the native engine's generator, whose
    /// trains are sent to Brian2 as explicit spikes before each run.
    poisson: Option<Box<dyn Kernel>>,
    model: PopModel,
}

/// Brian2's part of a projection.
pub struct Brian2Proj {
    /// Ring slots of a plastic projection: its largest delay in steps at
    /// creation (see [`plastic`]).
    ring: usize,
    /// Weight recording interval (steps), if recording.
    rec: Option<u64>,
    /// Weight samples taken since recording started or the last reset.
    samples: RawWeights,
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

impl External<Brian2Sim> {
    /// Brian2's version (e.g. `"2.9.0"`).
    pub fn brian2_version(&self) -> &str {
        &self.version
    }

    /// The code generation target in use (`"numpy"` or `"cython"`).
    pub fn target(&self) -> &str {
        &self.sim.target
    }

    /// The parameters of population `pop` as the driver wants them:
    /// `(params, spike_steps)`.
    fn parameter_fields(&self, pop: PopId) -> Result<(Option<Json>, Option<Json>)> {
        let p = self.pop(pop)?;
        let model = p.model.0;
        Ok(match model.kind {
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
                (Some(Json::Object(params)), None)
            }
            Kind::SpikeArray => (None, Some(json!(self.spike_steps(pop, 0)?))),
            // The trains come with each run (`send_poisson`).
            Kind::Poisson => (None, Some(json!(vec![Vec::<u64>::new(); p.size]))),
        })
    }

    /// Brian2 name, unit and values of state variable `variable`.
    fn state_value(&self, pop: PopId, variable: &str, values: &[f64]) -> Result<(String, Json)> {
        let p = self.pop(pop)?;
        let (name, unit) = p.model.var(variable).ok_or_else(|| {
            Error::unknown_name(format!("population \"{}\"", p.label), "state variable", variable, p.model.var_names())
        })?;
        Ok((name, json!([unit, values])))
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

    /// `Projection::set` of a parameter (not weight or delay) of a plastic
    /// or stochastic projection: checked and computed by
    /// [`plastic::set_parameter`], kept in the mirror (a rebuild after
    /// `reset()` uses it), and, once built, written to the Brian2
    /// variables it changes (`SetVars`, list order), which the next
    /// pre-synaptic spike reads.
    fn set_parameter(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let (on_pre, unit) = self.synapse_of(proj)?;
        let pr = &self.projs[proj];
        let object = format!("Brian2 projection \"{}\"", pr.label);
        let model = (on_pre.as_str(), unit.as_str(), pr.conns.weight.as_slice(), pr.ring);
        let (kind, changed) = plastic::set_parameter(&pr.synapse, &object, name, values, model)?;
        if self.built && !pr.conns.is_empty() && !changed.is_empty() {
            let d = self.link.driver()?;
            let mut vars = Map::new();
            for (var, unit, v) in &changed {
                vars.insert(var.clone(), json!([unit, d.write_npy("par", v)?]));
            }
            d.request(&Request::SetVars { proj, vars })?;
        }
        let pr = &mut self.projs[proj];
        pr.synapse = kind;
        pr.current.retain(|(n, _)| *n != name);
        Ok(())
    }

    /// Reads the plastic projections' state back after a run: every update
    /// of pre-synaptic spikes up to the current time is done (the `update`
    /// pathway runs in the spike's own step), plus the weight samples.
    fn read_plastic_state(&mut self) -> Result<()> {
        let mut vars = Map::new();
        for (id, pr) in self.projs.iter().enumerate() {
            if pr.plastic() && !matches!(pr.synapse, SynapseKind::Gap) && !pr.conns.is_empty() {
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
        let a = d.request(&Request::PlasticState { projs: None, names: None, vars: Some(vars) })?;
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
                // Each sample: the weights, then each state variable
                // (`plastic::record_vars`).
                let n = pr.conns.len();
                let row = n * (1 + plastic::state_names(&pr.synapse).len());
                if data.len() != steps.len() * row {
                    return Err(err(format!(
                        "projection {id}: {} recorded values for {} samples of {row}",
                        data.len(),
                        steps.len()
                    )));
                }
                pr.sim.samples.steps.extend(steps.iter().map(|s| *s as u64));
                for sample in data.chunks(row.max(1)) {
                    pr.sim.samples.data.extend(sample[..n].iter().map(|x| x * sign));
                    self.sim.state.entry(id).or_default().extend_from_slice(&sample[n..]);
                }
            }
        }
        Ok(())
    }

    /// Sends the current samples of steps `first .. last` to the driver.
    fn send_stimulus(&mut self, first: u64, last: u64) -> Result<()> {
        let per_cell = self.summed_currents(first, last);
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
            let Some(kernel) = self.pops[pop].sim.poisson.as_mut() else { continue };
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
            let Some(noise) = self.pops[pop].sim.escape.as_mut() else { continue };
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
            if let Some(noise) = self.pops[pop].sim.escape.as_mut() {
                noise.consume(&used);
            }
        }
        Ok(())
    }

    /// Resolves a population's model (a `PointNeuron`'s composition, a
    /// GIF's number of elements), checks it, and adds the population.
    fn create(&mut self, spec: &PopulationSpec<'_>, model: PopModel) -> Result<()> {
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
        let elements = element_counts(model.0, spec.parameters, spec.label, None)?;
        let model =
            if model.0.elements.is_empty() { model } else { PopModel(translate::gif_model(model.0, &elements)) };
        let escape = model.0.escape.then(|| EscapeNoise::new(self.cfg.seed, spec.id, spec.size));
        self.admit(spec, Brian2Pop { escape, elements, poisson, model })
    }
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

impl Simulator for Brian2Sim {
    const NAME: &'static str = "Brian2";
    const SPEC: DriverSpec = SPEC;
    type Options = Brian2Options;
    type Pop = Brian2Pop;
    type Proj = Brian2Proj;

    fn start(_config: &SimConfig, options: &Brian2Options) -> Result<(Self, Driver, String)> {
        let target = options.target.name().to_string();
        let (driver, hello) = match process::from_pool(SPEC) {
            Some(reused) => reused,
            None => Driver::start(&find_python(), SPEC)?,
        };
        let version = protocol::hello(&hello).brian2_version.unwrap_or_else(|| "?".into());
        Ok((Brian2Sim { target, state: Default::default() }, driver, version))
    }

    fn release(driver: Driver) {
        process::to_pool(driver);
    }

    fn setup_request(b: &mut Brian2) -> Result<Request> {
        let mut setup = protocol::setup(b.cfg.timestep);
        if let Request::Setup { seed, target, .. } = &mut setup {
            (*seed, *target) = (Some(b.cfg.seed % (1 << 32)), Some(b.sim.target.clone()));
        }
        Ok(setup)
    }

    fn create(b: &Brian2, pop: PopId) -> Result<Request> {
        let p = b.pop(pop)?;
        let (params, spike_steps) = b.parameter_fields(pop)?;
        let mut state = Map::new();
        for spec in p.initial.specs() {
            let (name, values) = b.state_value(pop, spec.name, p.initial.scalar(spec.name))?;
            state.insert(name, values);
        }
        let m = p.model.0;
        let model = json!({
            "equations": m.equations, "threshold": m.threshold, "reset": m.reset,
            "refractory": m.refractory, "method": m.method, "before_step": m.before_step,
            "substeps": m.substeps, "after_step": m.after_step, "escape": m.escape,
        });
        let kind = match m.kind {
            Kind::Neuron => "neuron",
            Kind::SpikeArray | Kind::Poisson => "array",
        };
        Ok(Request::Create {
            pop,
            offset: p.offset,
            n: p.size,
            kind: kind.into(),
            model: Some(model),
            mechanism: None,
            params,
            spike_steps,
            state,
            live_state: None,
        })
    }

    /// Values the Brian2 equations cannot take.
    fn check_population(b: &Brian2, pop: PopId) -> Result<()> {
        let p = b.pop(pop)?;
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

    fn check_parameters(b: &Brian2, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let p = b.pop(pop)?;
        element_counts(p.model.0, parameters, &p.label, Some(&p.elements)).map(drop)
    }

    fn send_parameters(b: &mut Brian2, pop: PopId, parameters: &ParamTable) -> Result<()> {
        Self::check_population(b, pop)?;
        if let Some(kernel) = b.pops[pop].sim.poisson.as_mut() {
            // Restarts the process at the current time, as on native.
            return kernel.set_parameters(parameters);
        }
        if b.built {
            let (params, spike_steps) = b.parameter_fields(pop)?;
            b.link.request(&Request::SetParams { pop, params, spike_steps, run_end: None })?;
        }
        Ok(())
    }

    fn state_request(
        b: &mut Brian2,
        pop: PopId,
        variable: &str,
        cells: &[usize],
        values: &[f64],
    ) -> Result<Option<Request>> {
        let (name, native) = b.state_value(pop, variable, values)?;
        let state = [(name, native)].into_iter().collect();
        Ok(Some(Request::SetState { pop, cells: cells.to_vec(), state, live: None }))
    }

    fn projection(b: &mut Brian2, spec: &ProjectionSpec<'_>, c: &Connections) -> Result<Brian2Proj> {
        match spec.synapse {
            SynapseKind::Gap => return b.gap_projection(spec, c), // gap.rs
            SynapseKind::Static
            | SynapseKind::TsodyksMarkram(_)
            | SynapseKind::SpikePairStdp { .. }
            | SynapseKind::Vogels2011 { .. } => {}
            // Their release draws are numpy functions of the driver.
            SynapseKind::SimpleStochastic { .. }
            | SynapseKind::StochasticTsodyksMarkram { .. }
            | SynapseKind::MultiQuantal { .. } => {
                if b.sim.target != "numpy" {
                    return Err(Error::unsupported(
                        "Brian2",
                        format!("stochastic synapses with the {} target (projection \"{}\")", b.sim.target, spec.label),
                        "use Brian2's numpy target (Brian2Options::default()), or the native engine or NEURON",
                    ));
                }
            }
            ref other => {
                return Err(Error::unsupported(
                    "Brian2",
                    format!("synapse model {other:?} (projection \"{}\")", spec.label),
                    "use a synapse type this backend implements, or another backend",
                ));
            }
        }
        let dt = b.cfg.timestep;
        let ring = c.delay.iter().map(|d| ((d / dt).round() as usize).max(1)).max().unwrap_or(1);
        Ok(Brian2Proj { ring, rec: None, samples: RawWeights::default() })
    }

    fn check_projection(b: &mut Brian2, proj: ProjId) -> Result<()> {
        if matches!(b.projs[proj].synapse, SynapseKind::Gap) {
            return Ok(());
        }
        // Checks the plastic description before the first run.
        let (on_pre, unit) = b.synapse_of(proj)?;
        let pr = &b.projs[proj];
        plastic::plastic_model(&pr.synapse, &on_pre, &unit, &pr.conns.weight, pr.ring).map(drop)
    }

    fn send_connect(b: &mut Brian2, proj: ProjId) -> Result<()> {
        if b.projs[proj].conns.is_empty() {
            return Ok(());
        }
        if matches!(b.projs[proj].synapse, SynapseKind::Gap) {
            return b.send_gap(proj);
        }
        let (on_pre, weight_unit) = b.synapse_of(proj)?;
        let dt = b.cfg.timestep;
        let pr = &b.projs[proj];
        let delay: Vec<i64> = pr.conns.delay.iter().map(|d| ((d / dt).round() as i64).max(1)).collect();
        let (pre, post, weight) = (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.weight.clone());
        let model = plastic::plastic_model(&pr.synapse, &on_pre, &weight_unit, &weight, pr.ring)?;
        let (rec, var) = (pr.rec, Some(plastic::record_vars(&pr.synapse)).filter(|v| !v.is_empty()));
        let d = b.driver()?;
        let (pre, post) = (d.write_npy("pre", &pre)?, d.write_npy("post", &post)?);
        let (weight, delay) = (d.write_npy("weight", &weight)?, d.write_npy("delay", &delay)?);
        let plastic = match model {
            Some(m) => {
                let mut values = Map::new();
                for (name, unit, v) in &m.values {
                    values.insert(name.clone(), json!([unit, d.write_npy("syn", v)?]));
                }
                Some(json!({
                    "model": m.model, "update": m.update, "transmit": m.transmit, "backprop": m.backprop,
                    "values": values,
                }))
            }
            None => None,
        };
        d.request(&Request::Connect {
            proj,
            pre,
            post,
            weight,
            delay: None,
            delay_steps: Some(delay),
            receptor_type: None,
            synapse: None,
            receptor: None,
            on_pre: Some(on_pre),
            weight_unit: Some(weight_unit),
            plastic,
        })?;
        if let (Some(interval), Some(var)) = (rec, var) {
            d.request(&Request::RecordWeights { proj, var: var.to_string(), interval: Some(interval) })?;
        }
        Ok(())
    }

    fn send_synaptic(b: &mut Brian2, proj: ProjId, name: &str, values: &[f64], update: &SynapticUpdate) -> Result<()> {
        let gap = matches!(b.projs[proj].synapse, SynapseKind::Gap);
        if gap {
            b.check_gap_set(proj, name, values)?;
        }
        let dt = b.cfg.timestep;
        let p = &b.projs[proj];
        let native: Vec<f64> = match update {
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
        if p.plastic() && !gap && name == "weight" {
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
        if b.built && !native.is_empty() {
            let d = b.driver()?;
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
        Ok(())
    }

    fn initialize_synaptic(b: &mut Brian2, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        if plastic::state_names(&b.projs[proj].synapse).iter().any(|v| v.0 == name)
            && !matches!(b.projs[proj].synapse, SynapseKind::TsodyksMarkram(_))
        {
            return Err(Error::unsupported(
                "Brian2",
                format!("setting state `{name}` of the stochastic synapses of projection \"{}\"", b.projs[proj].label),
                "their state starts from the model's initial values; read it with `Projection::get_values` \
                 or record it with `Projection::state_history`",
            ));
        }
        set_tm_state(b, proj, name, values)?;
        let var = plastic::tm_state(name).ok_or_else(|| {
            Error::unknown_name(
                format!("Brian2 projection \"{}\"", b.projs[proj].label),
                "state variable",
                name,
                ["u", "x", "y"],
            )
        })?;
        if b.built && !values.is_empty() {
            let d = b.driver()?;
            let file = d.write_npy(name, values)?;
            let vars = [(var.to_string(), json!(["1", file]))].into_iter().collect();
            d.request(&Request::SetVars { proj, vars })?;
        }
        Ok(())
    }

    fn record_weights(b: &mut Brian2, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let built = b.built;
        let p = &mut b.projs[proj];
        if !p.plastic() || matches!(p.synapse, SynapseKind::Gap) {
            return Err(err(format!(
                "projection \"{}\": its synapses are static; only plastic weights can be recorded",
                p.label
            )));
        }
        p.sim.rec = interval_steps.map(|i| i.max(1));
        let var = plastic::record_vars(&p.synapse);
        if built && !p.conns.is_empty() {
            b.link.request(&Request::RecordWeights { proj, var, interval: interval_steps })?;
        }
        Ok(())
    }

    fn recorded_weights(b: &Brian2, proj: ProjId) -> Result<RawWeights> {
        Ok(b.proj(proj)?.samples.clone())
    }

    fn recorded_synaptic_state(b: &Brian2, proj: ProjId, name: &str) -> Result<RawWeights> {
        let p = b.proj(proj)?;
        let names = plastic::state_names(&p.synapse);
        let which = names.iter().position(|v| v.0 == name).ok_or_else(|| {
            Error::unknown_name(
                format!("Brian2 projection \"{}\"", p.label),
                "state variable",
                name,
                names.iter().map(|v| v.0),
            )
        })?;
        let n = p.conns.len();
        let state = b.sim.state.get(&proj).map_or(&[][..], |v| v.as_slice());
        let data = state.chunks((n * names.len()).max(1)).flat_map(|c| c[which * n..(which + 1) * n].to_vec());
        Ok(RawWeights { steps: p.sim.samples.steps.clone(), data: data.collect() })
    }

    fn synaptic(b: &Brian2, proj: ProjId, name: &str) -> Option<Result<Vec<f64>>> {
        let p = b.projs.get(proj)?;
        // The state read after the last run comes first (`current`).
        if p.current.iter().any(|(n, _)| *n == name) {
            return None;
        }
        plastic::stochastic_attribute(&p.synapse, name, p.conns.len()).map(Ok)
    }

    fn set_plastic(b: &mut Brian2, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        let p = b.projs.get(proj)?;
        if matches!(name, "weight" | "delay") || !p.plastic() || matches!(p.synapse, SynapseKind::Gap) {
            return None;
        }
        Some(b.set_parameter(proj, name, values))
    }

    fn check_injectable(p: &Pop<Brian2Pop>, _id: SourceId) -> Result<()> {
        if p.model.injectable() {
            return Ok(());
        }
        Err(err(format!(
            "{} (population \"{}\") cannot receive current on Brian2 (no `i_inj : amp` variable)",
            p.model.name(),
            p.label
        )))
    }

    fn signal(b: &Brian2, pop: PopId, name: &str) -> Option<SignalRequest> {
        let (var, unit) = b.pops.get(pop)?.model.var(name)?;
        Some(SignalRequest { name: None, var, unit: Some(unit), cells: Vec::new() })
    }

    fn signal_name(p: &Pop<Brian2Pop>, var: &str, _name: Option<&str>) -> Result<(String, f64)> {
        let name = p.model.pynn_of(var).ok_or_else(|| err(format!("unexpected variable {var}")))?;
        Ok((name, 1.0))
    }

    fn run(b: &mut Brian2, step: u64) -> Result<()> {
        let injected: usize = b.currents.iter().flatten().map(|(_, t)| t.len()).sum();
        let poisson: usize = b.pops.iter().filter(|p| p.poisson.is_some()).map(|p| p.size).sum();
        let escape: usize = b.pops.iter().filter(|p| p.escape.is_some()).map(|p| p.size).sum();
        let load = injected.max(poisson).max(escape);
        let chunk = STIMULUS_CHUNK.checked_div(load).map_or(u64::MAX, |c| c.max(1) as u64);
        while b.step < step {
            let next = step.min(b.step.saturating_add(chunk));
            if injected > 0 {
                b.send_stimulus(b.step, next)?;
            }
            if poisson > 0 {
                b.send_poisson(b.step, next)?;
            }
            if escape > 0 {
                b.send_escape((next - b.step) as usize)?;
            }
            b.link.request(&protocol::run(next))?;
            b.step = next;
            if escape > 0 {
                b.take_escape()?;
            }
        }
        b.read_plastic_state()
    }

    fn reset(b: &mut Brian2) -> Result<()> {
        for p in &mut b.projs {
            p.sim.samples = RawWeights::default();
        }
        b.sim.state.clear();
        for p in &mut b.pops {
            if let Some(k) = p.sim.poisson.as_mut() {
                k.reset();
            }
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
