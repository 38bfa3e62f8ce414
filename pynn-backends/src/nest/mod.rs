//! The NEST backend: runs a pynn-rs model in NEST 3 (PyNEST), driven as a
//! Python process.
//!
//! # Shape
//!
//! * **One Python process per session** runs `driver.py` (embedded in this
//!   crate, written to a temporary work directory). The interpreter is
//!   `$PYNN_PYTHON`, else `.venv/bin/python` of the workspace root, else
//!   `python3` ([`find_python`]). Without Python or NEST, `setup` fails with
//!   an error naming the install command ([`INSTALL_HINT`]).
//! * **Protocol**: one JSON command per line on the driver's stdin, one JSON
//!   answer per line on its stdout; connection lists and recorded data travel
//!   as `.npy` files. A Python/NEST exception comes back as
//!   `Error::Backend { backend: "NEST", message }` with NEST's own message.
//! * **The network is mirrored in Rust** (populations with their current
//!   parameter and initial-value tables, connections with their current
//!   weights and delays, current sources, recording plans) and built in
//!   NEST at the first `run_until`. NEST 3 has no `ResetNetwork`, so
//!   `reset()` rebuilds the network in a fresh kernel from the mirror at the
//!   next run: the segment after a reset equals the first one, Poisson
//!   trains included (same seed, same construction order). Changes made
//!   after the network is built (`set`, `initialize`, weights, delays,
//!   current sources, new projections or populations, recording) are sent at
//!   once and kept in the mirror.
//! * **Translation** of names and units is the table of [`translate`]; the
//!   timing conventions are PyNN 0.13's (see `driver.py`): spike sources are
//!   generators feeding `parrot_neuron`s, device times are shifted by
//!   `-min_delay`, inhibitory conductance weights are negated.
//! * **Results** come back in steps: spikes at the step of their time,
//!   samples at `t = 0` and every sampling interval, the end time included.
//!
//! # Known differences from the native engine
//!
//! * NEST hands recorded events over one `min_delay` slice late; reading
//!   data advances the kernel by up to `min_delay + dt` beyond the current
//!   time (as PyNN does at every run). Changes made after reading data
//!   mid-simulation therefore take effect up to that much later than on the
//!   native engine; changes between runs without reading data in between
//!   take effect at the same step.
//! * Current sources act from `start` (seen in `v` at `start + dt`) as on
//!   the other backends, also when they start before `min_delay + dt` or
//!   are injected or changed between runs: what NEST's generators cannot
//!   deliver in time goes through the targets' `I_e` (see
//!   `send_early_current`); a NEST model by name without `I_e`
//!   cannot take such a current (a clear error).
//!   AC and noisy sources are sent as `step_current_generator`s with the
//!   core's per-step samples, so they inject exactly the native values.
//! * `GIF_cond_exp`'s escape noise is drawn by NEST's `gif_cond_exp` from
//!   NEST's own random generator (seeded from the session seed), not from
//!   pynn-rs's streams: with noise, its spikes differ from those of the
//!   other backends, with the same statistics
//!   (`escape_noise_on_nest_is_nests_own_with_the_native_statistics`).
//! * Weights and delays read back (`get_synaptic`) are the mirror's values:
//!   what was sent to NEST, in PyNN units, delays rounded to the time step.
//! * The random spike sources (`SpikeSourcePoisson`,
//!   `SpikeSourcePoissonRefractory`, `SpikeSourceGamma`,
//!   `SpikeSourceInhGamma`) send the native kernels' trains (stepped in
//!   Rust, `Renewal`) to `spike_generator`s, so their spikes are the
//!   native engine's, after `set` and `reset` too; their spikes are
//!   recorded in Rust from those trains. A source spike NEST cannot send
//!   through its parrot (at or before `min_delay`, or within `min_delay`
//!   after new trains between runs; `SpikeSourceArray` too) goes through a
//!   direct generator connected to the targets of the source's static
//!   projections (`driver.py`); plastic projections cannot take such a
//!   spike (an error naming the projection). A source's spikes in the first
//!   `min_delay` after a run's end take the direct path as well (random
//!   sources' trains are sent again before every run; a SpikeSourceArray's
//!   when it has such a spike), so that a `set` between runs replaces them
//!   as on native (a parrot's generator would already have fired them); for
//!   a source with plastic projections they stay on the parrot path, and a
//!   `set` between runs takes effect `min_delay` late. Trains changed after reading data mid-simulation
//!   (the look-ahead above) reach NEST only from the kernel's time on.
//!
//! # Precise spike times
//!
//! Under `spike_precision = "off_grid"` the integrate-and-fire models run
//! as NEST's `iaf_psc_*_ps` ([`translate::precise_model`]), and a
//! SpikeSourceArray's times are kept exactly: `spike_generator`s with
//! `precise_times = true` feeding `parrot_neuron_ps`, each spike sent as
//! (step, offset) by the rule of the native engine (`precise_stamp`), so
//! an input at 10.03 ms with delay 1 ms arrives at 11.03 ms. The random
//! sources stay on the grid (plain generators and parrots), as on the
//! native engine, whose draws they replay. Plastic synapses onto precise
//! cells are NEST's own: `stdp_synapse` takes the pre-synaptic spike at
//! its time stamp (the end of its step, `e.get_stamp()` in
//! `models/stdp_synapse.h`, the offset ignored) and the post-synaptic
//! spike at its precise time (`ArchivingNode::set_spiketime` subtracts the
//! offset, `nestkernel/archiving_node.cpp`).
//!
//! # Weights and synaptic state over time
//!
//! `Projection::record_weights(interval)` works as PyNN's weight recorder
//! (a callback reading `Projection.get("weight")`, run by `run_until`
//! between stretches of simulation: `examples/simple_STDP.py`,
//! `pyNN/common/control.py`): `run` stops the kernel at every sample time
//! `s` (repeated `Simulate`, which the driver already uses for every run
//! and drain: NEST's results do not depend on where a run is cut, tested
//! bit for bit) and reads the connections' `weight` and state
//! (`tsodyks_synapse`'s `u`, `x`, `y`, `quantal_stp_synapse`'s `u`, `a`)
//! with `GetStatus`, as `get_values` does after a run. NEST applies a
//! pre-synaptic spike to its synapse when it delivers the spike, at the
//! start of the `min_delay` slice after the one the spike was emitted in
//! (`SimulationManager::update_`, nestkernel/simulation_manager.cpp:
//! "deliver only at beginning of slice"); so the read runs the kernel one
//! step past `s`, and `s` must be the end of a slice: the interval must be
//! a multiple of `min_delay` (else `Error::Unsupported`; with the default
//! `min_delay = dt` every interval is). Each sample then holds every
//! spike emitted up to and including `s` and none after, which is the
//! native engine's rule. The state is the value the latest spike left (u
//! after facilitation, x and y after release; NEST updates it only when a
//! spike is sent), again as native samples it, so the histories agree to
//! rounding (`tests/tm_state.rs`, `tests/plasticity.rs`); the
//! multi-quantal draws are NEST's own (`tests/stochastic_synapses.rs`:
//! exact where the state is certain, else statistically). The kernel
//! runs one step ahead of the core's time after a sample, as after
//! reading data (above).
//!
//! # NEST models by name
//!
//! A user-defined cell type with [`NestCell::NEST_MODEL`] runs that NEST
//! model with NEST's own parameter, state and recordable names and units
//! (PyNN's `nest.native_cell_type`); see [`NestCell`].

mod gap;
pub mod translate;

pub use crate::external::process::{INSTALL_HINT, find_python};

use crate::external::backend::{External, Pop, Proj, restore_synapse_parameter, set_synapse_parameter, set_tm_state};
use crate::external::mirror::{self, SynapticUpdate};
use crate::external::process::{Driver, DriverSpec};
use crate::external::protocol::{self, Request, SignalRequest};
use crate::external::replay::{self, Renewal};
use crate::external::{Launcher, Simulator};

/// The driver script (run by the session's Python process).
pub const DRIVER: &str = include_str!("driver.py");

const SPEC: DriverSpec = DriverSpec { backend: "NEST", simulator: "NEST", script: DRIVER, tag: "nest" };

/// The NEST backend. Select it with `Sim::<Nest>::setup(...)`.
pub type Nest = External<NestSim>;

/// NEST as seen by the external layer: its own state of a session.
pub struct NestSim {
    /// MPI ranks NEST runs on.
    ranks: usize,
    /// Per current source sampled by the core (AC, noisy): the first step
    /// whose sample has not been sent to NEST yet.
    sampled_hi: Vec<u64>,
    /// Resets so far: NEST's own random numbers (GIF's escape noise) are
    /// seeded per trial, so a trial after `reset` draws afresh, as on the
    /// native engine, instead of repeating the first.
    trial: u64,
    /// tau_minus of post-synaptic cells of STDP / Vogels projections.
    tau_minus: std::collections::HashMap<u32, f64>,
    /// Weight (and synaptic state) samples of the projections recorded
    /// with `record_weights`.
    weight_recs: std::collections::BTreeMap<ProjId, WeightRec>,
}

/// Weights and synaptic state of a plastic projection by PyNN name, in
/// list order (weights in PyNN units).
type PlasticValues = Vec<(&'static str, Vec<f64>)>;

/// The samples of one projection's weights and synaptic state
/// (`record_weights`), in the layout of [`RawWeights`].
#[derive(Debug, Default)]
struct WeightRec {
    /// Steps between samples (a multiple of `min_delay`).
    interval: u64,
    /// The next sample's step.
    next: u64,
    /// Whether sampling goes on (`stop_recording_weights` stops it).
    active: bool,
    /// Step of each sample.
    steps: Vec<u64>,
    /// Weights: one row per sample, one column per connection.
    weights: Vec<f64>,
    /// Each of [`state_names`] in the same layout.
    state: PlasticValues,
}

impl WeightRec {
    /// Appends the sample of step `s`.
    fn push(&mut self, s: u64, values: PlasticValues) {
        self.steps.push(s);
        for (name, v) in values {
            if name == "weight" {
                self.weights.extend(v);
            } else if let Some((_, col)) = self.state.iter_mut().find(|(n, _)| *n == name) {
                col.extend(v);
            } else {
                self.state.push((name, v));
            }
        }
        self.next = s + self.interval;
    }
}

/// The synaptic state of a plastic synapse model that NEST's `GetStatus`
/// shows, by its PyNN name (the same as NEST's): `tsodyks_synapse`'s `u`,
/// `x`, `y`, `quantal_stp_synapse`'s `u`, `a`; none for the others.
fn state_names(kind: &SynapseKind) -> &'static [&'static str] {
    match kind {
        SynapseKind::TsodyksMarkram(_) => &["u", "x", "y"],
        SynapseKind::MultiQuantal { .. } => &["u", "a"],
        _ => &[],
    }
}

pub(crate) fn err(message: impl Into<String>) -> Error {
    NestSim::err(message)
}
use pynn_core::backend::*;
use pynn_core::cells::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};
use serde_json::{Map, Value as Json, json};
use translate::{Kind, NestModel};

/// NEST's part of a population.
pub struct NestPop {
    /// Renewal sources: the native kernel generating the trains.
    renewal: Option<Renewal>,
    /// NEST models used by name: receptor name -> NEST's `receptor_types`
    /// port (receptors not listed are routed by the sign of the weight).
    ports: Vec<(&'static str, usize)>,
    model: &'static NestModel,
}

/// NEST's part of a projection.
pub struct NestProj {
    inhibitory: bool,
    /// NEST receptor port of composed neurons (receptor index + 1).
    port: Option<usize>,
    post_model: &'static NestModel,
}

/// Options of the NEST backend (`Sim::<Nest>::setup_with(setup, options)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestOptions {
    /// MPI ranks (default 1). More than one needs a NEST built with MPI
    /// (`nest.build_info['have_mpi']`; the PyPI wheel has none: a clear
    /// error). Threads (`Setup::threads`) need no MPI.
    pub ranks: usize,
    /// How the ranks are started (default `mpirun` on this host).
    pub launcher: Launcher,
}

impl Default for NestOptions {
    fn default() -> Self {
        NestOptions { ranks: 1, launcher: Launcher::default() }
    }
}

fn floats(v: &[f64], factor: f64) -> Json {
    Json::from(v.iter().map(|x| if factor == 1.0 { *x } else { x * factor }).collect::<Vec<f64>>())
}

impl External<NestSim> {
    /// The number of MPI ranks NEST runs on.
    pub fn ranks(&self) -> usize {
        self.sim.ranks
    }

    /// NEST's version (e.g. `"3.10.0"`).
    pub fn nest_version(&self) -> &str {
        &self.version
    }

    /// The parameters of population `pop` as the driver wants them.
    fn parameter_fields(&self, pop: PopId) -> Result<(Option<Json>, Option<Json>)> {
        let p = self.pop(pop)?;
        Ok(match p.model.kind {
            Kind::Neuron | Kind::Stimulator => {
                let native = p.model.translate_parameters(|n| p.params.column(n).and_then(Column::as_scalar));
                let mut params: Map<String, Json> =
                    native.into_iter().map(|(k, v)| (k.to_string(), floats(&v, 1.0))).collect();
                for (k, v) in p.model.translate_sequences(|n| p.params.column(n).and_then(Column::as_sequence)) {
                    params.insert(k.to_string(), json!(v));
                }
                for (k, v) in p.model.translate_ports(|n| p.params.column(n).and_then(Column::as_scalar)) {
                    params.insert(k.to_string(), json!(v));
                }
                (Some(Json::Object(params)), None)
            }
            Kind::SpikeArray => match self.precise_spikes(pop, 0)? {
                // spike_precision "off_grid": precise generators and parrots
                // (driver.py), each step with its offset.
                Some((steps, offsets)) => {
                    (Some(json!({"precise": true, "spike_offsets": offsets})), Some(json!(steps)))
                }
                None => (None, Some(json!(self.spike_steps(pop, 0)?))),
            },
            Kind::Renewal => {
                // The trains generated so far (the early ones are made at
                // build, see `setup_request`); the rest come with each run
                // (`send_trains`).
                let trains = p.renewal.as_ref().map(|r| r.trains.clone()).unwrap_or_default();
                (None, Some(json!(trains)))
            }
        })
    }

    /// Under `spike_precision = "off_grid"`, a SpikeSourceArray's spikes
    /// from step `from` on as NEST's precise `spike_generator` takes them:
    /// per cell the time stamps (the step whose end is at or after the
    /// time) and, parallel, the offsets (ms before the stamp's end); see
    /// [`precise_stamp`]. `None` on the grid.
    fn precise_spikes(&self, pop: PopId, from: u64) -> Result<Option<PreciseTrains>> {
        if self.cfg.spike_precision != pynn_core::SpikePrecision::OffGrid {
            return Ok(None);
        }
        let dt = self.cfg.timestep;
        let (mut steps, mut offsets) = (Vec::new(), Vec::new());
        for train in self.pop(pop)?.params.sequence("spike_times") {
            let (s, o): (Vec<u64>, Vec<f64>) =
                train.iter().map(|t| precise_stamp(*t, dt)).filter(|(s, _)| *s >= from).unzip();
            steps.push(s);
            offsets.push(o);
        }
        Ok(Some((steps, offsets)))
    }

    /// NEST state values of `variable` (PyNN values given).
    fn state_value(&self, pop: PopId, variable: &str, values: &[f64]) -> Result<(&'static str, Json)> {
        let p = self.pop(pop)?;
        let var = p.model.var(variable).ok_or_else(|| {
            Error::unknown_name(
                format!("population \"{}\"", p.label),
                "state variable",
                variable,
                p.model.vars.iter().map(|v| v.pynn),
            )
        })?;
        let default = p.initial.specs().iter().find(|s| s.name == variable).map_or(0.0, |s| s.default);
        if let Some(x) = values.iter().find(|x| !var.settable && **x != default) {
            return Err(Error::invalid_value(
                format!("population \"{}\" on NEST", p.label),
                variable,
                x,
                format!("{default} (NEST's {} cannot set `{}`)", p.model.nest, var.nest),
            ));
        }
        Ok((var.nest, floats(values, var.factor)))
    }

    /// Reads the plastic projections' weights (and Tsodyks–Markram state)
    /// back from NEST, every pre-synaptic spike up to the current time
    /// delivered.
    fn read_plastic_state(&mut self) -> Result<()> {
        let ids: Vec<ProjId> = (0..self.projs.len())
            .filter(|p| !matches!(self.projs[*p].synapse, SynapseKind::Static | SynapseKind::Gap))
            .collect();
        for (id, values) in self.read_state(&ids)? {
            self.projs[id].current = values;
        }
        Ok(())
    }

    /// The weights (PyNN units) and synaptic state ([`state_names`]) of
    /// plastic projections `ids` as NEST's `GetStatus` shows them, in list
    /// order, with every pre-synaptic spike emitted up to the core's time
    /// delivered (`cmd_plastic_state` runs the kernel past the `min_delay`
    /// slice holding that time).
    fn read_state(&mut self, ids: &[ProjId]) -> Result<Vec<(ProjId, PlasticValues)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut names = Map::new();
        for id in ids {
            let mut n = vec!["weight"];
            n.extend(state_names(&self.projs[*id].synapse));
            names.insert(id.to_string(), json!(n));
        }
        let d = self.driver()?;
        let a = d.request(&Request::PlasticState { projs: Some(ids.to_vec()), names: Some(names), vars: None })?;
        let mut read = Vec::new();
        for id in ids {
            let mut values = Vec::new();
            if let Some(files) = a["state"][id.to_string()].as_object() {
                for (name, file) in files {
                    let (_, v) = d.read_npy::<f64>(file)?;
                    values.push((name.clone(), v));
                }
            }
            read.push((*id, values));
        }
        let mut out = Vec::new();
        for (id, values) in read {
            let pr = &self.projs[id];
            let factor = pr.post_model.translate_weight(1.0, pr.inhibitory);
            let known = state_names(&pr.synapse);
            let mut columns: PlasticValues = Vec::new();
            for (name, v) in values {
                if name == "weight" {
                    columns.push(("weight", v.into_iter().map(|w| w / factor).collect()));
                } else if let Some(n) = known.iter().find(|n| **n == name) {
                    columns.push((n, v));
                }
            }
            out.push((id, columns));
        }
        Ok(out)
    }

    /// Takes the weight samples ([`Simulator::record_weights`]) due up to
    /// `step`: for each sample step `s` (a multiple of `min_delay`, checked
    /// when recording starts), the kernel is run to `s` and the state read
    /// as after a run (`read_state`: the kernel one step past `s`, so that
    /// NEST has delivered the pre-synaptic spikes of the slice ending at
    /// `s` and none later). PyNN's way of sampling weights on any simulator
    /// (a callback reading `Projection.get("weight")` between runs to the
    /// sample times, `examples/simple_STDP.py`, `run_until` with
    /// `callbacks` in `pyNN/common/control.py`), done inside `run`.
    fn take_weight_samples(&mut self, step: u64) -> Result<()> {
        let mut due = std::collections::BTreeMap::<u64, Vec<ProjId>>::new();
        for (id, r) in &self.sim.weight_recs {
            if !r.active {
                continue;
            }
            let mut s = r.next;
            while s <= step {
                due.entry(s).or_default().push(*id);
                s += r.interval;
            }
        }
        for (s, ids) in due {
            self.link.request(&protocol::run(s))?;
            for (id, values) in self.read_state(&ids)? {
                // Cannot fail: `ids` are keys of `weight_recs`, collected above.
                let r = self.sim.weight_recs.get_mut(&id).expect("due projections are recorded");
                r.push(s, values);
            }
        }
        Ok(())
    }

    /// The part of a current source's change NEST's generators cannot deliver
    /// in time. A generator connected with delay `min_delay` (PyNN's device
    /// times shifted by `-min_delay`) reaches the cells `min_delay + dt`
    /// after the kernel's time at the earliest (measured on NEST 3.10: a
    /// `dc_generator` with start `S >= dt`, stop `P` acts in the steps
    /// `[S + min_delay, P + min_delay)`, one with `start = 0` as with
    /// `start = dt`), while the native engine applies a source from its
    /// start (a change from the current time), first seen in `v` one step
    /// later. So for the steps `k` in `[from, from + 2 min_delay + 2)` the
    /// driver receives `new(k) - old(k)` per target (pA; `old`: the source
    /// as NEST had it, none at the network's build) and adds it to the
    /// targets' `I_e` during the steps from the kernel's time up to
    /// `min_delay` after it (`driver.py`, `cmd_early_current`); later steps
    /// are the generator's.
    fn send_early_current(
        &mut self,
        old: Option<&(CurrentSourceSpec, Vec<u32>)>,
        new: &(CurrentSourceSpec, Vec<u32>),
        from: u64,
    ) -> Result<()> {
        let dt = self.cfg.timestep;
        let upto = from + 2 * self.cfg.min_delay_steps().max(1) + 2;
        let mut now = Vec::new();
        new.0.sample(dt, from, upto, &mut now);
        let mut before = vec![0.0; now.len()];
        if let Some((spec, _)) = old {
            before.clear();
            spec.sample(dt, from, upto, &mut before);
        }
        let old_targets: &[u32] = old.map(|(_, t)| t.as_slice()).unwrap_or(&[]);
        let (kept, added): (Vec<u32>, Vec<u32>) = new.1.iter().partition(|t| old_targets.binary_search(t).is_ok());
        let mut groups = Vec::new();
        let changed: Vec<f64> = now.iter().zip(&before).map(|(a, b)| (a - b) * 1000.0).collect();
        if !kept.is_empty() && changed.iter().any(|x| *x != 0.0) {
            groups.push(json!({"targets": kept, "values": changed}));
        }
        let fresh: Vec<f64> = now.iter().map(|a| a * 1000.0).collect();
        if !added.is_empty() && fresh.iter().any(|x| *x != 0.0) {
            groups.push(json!({"targets": added, "values": fresh}));
        }
        if groups.is_empty() {
            return Ok(());
        }
        self.link.request(&Request::EarlyCurrent { from, groups })?;
        Ok(())
    }

    /// Steps the renewal sources' kernels to the steps NEST can reach before
    /// the next run (as [`Nest::send_samples`]) and sends their trains from
    /// the last run's step on (the driver drops the spikes NEST has passed).
    fn send_trains(&mut self, step: u64) -> Result<()> {
        let hi = step + 2 * self.cfg.min_delay_steps().max(1) + 4;
        let from = self.step;
        let mut cmds = Vec::new();
        for (pop, p) in self.pops.iter_mut().enumerate() {
            let Some(r) = p.renewal.as_mut() else { continue };
            r.to(step);
            r.advance(hi);
            let steps: Vec<Vec<u64>> =
                r.trains.iter().map(|t| t.iter().copied().filter(|s| *s >= from).collect()).collect();
            // run_end: the spikes just after it go through the direct
            // generators, so that a `set` between runs can still change them.
            cmds.push(protocol::set_trains(pop, &steps, Some(step)));
        }
        // SpikeSourceArray: sent again, with the run's end, only when a spike
        // falls within min_delay after it (so that a `set` between runs can
        // still replace it, as on native).
        let (dt, md) = (self.cfg.timestep, self.cfg.min_delay_steps().max(1));
        for (pop, p) in self.pops.iter().enumerate() {
            if p.model.kind != Kind::SpikeArray {
                continue;
            }
            if let Some((steps, offsets)) = self.precise_spikes(pop, from)? {
                if steps.iter().flatten().any(|s| *s > step && *s <= step + md) {
                    let params = Some(json!({"precise": true, "spike_offsets": offsets}));
                    let spike_steps = Some(json!(steps));
                    cmds.push(Request::SetParams { pop, params, spike_steps, run_end: Some(step) });
                }
                continue;
            }
            let steps: Vec<Vec<u64>> = p
                .params
                .sequence("spike_times")
                .iter()
                .map(|t| t.iter().map(|x| (x / dt).round().max(0.0) as u64).filter(|s| *s >= from).collect())
                .collect();
            if steps.iter().flatten().any(|s| *s > step && *s <= step + md) {
                cmds.push(protocol::set_trains(pop, &steps, Some(step)));
            }
        }
        for cmd in cmds {
            self.link.request(&cmd)?;
        }
        Ok(())
    }

    /// Sends the samples of the core-sampled current sources up to (at
    /// least) the steps the kernel can reach before the next run: reading
    /// data advances the kernel by up to `min_delay + dt` beyond `step`, and
    /// device times are shifted by `-min_delay`. Each chunk starts a few
    /// steps before the previous end, so the driver's collapse of times
    /// before the kernel's time onto it keeps the value in effect.
    fn send_samples(&mut self, step: u64) -> Result<()> {
        let md = self.cfg.min_delay_steps().max(1);
        let hi = step + 2 * md + 4;
        let dt = self.cfg.timestep;
        for id in 0..self.currents.len() {
            let Some((spec, targets)) = &self.currents[id] else { continue };
            if !sampled(spec) || self.sim.sampled_hi.get(id).copied().unwrap_or(0) >= hi {
                continue;
            }
            let sent = self.sim.sampled_hi[id];
            let lo = if sent == 0 { 0 } else { sent.saturating_sub(2 * md + 8) };
            let mut buf = Vec::new();
            spec.sample(dt, lo, hi, &mut buf);
            let (mut times, mut values) = (Vec::new(), Vec::new());
            for (i, v) in buf.iter().enumerate() {
                if i == 0 || *v != buf[i - 1] {
                    times.push((lo + i as u64) as f64 * dt);
                    values.push(v * 1000.0);
                }
            }
            let targets = targets.clone();
            let d = self.driver()?;
            let cmd = Request::Current {
                id,
                kind: "step".into(),
                amplitude: None,
                start: None,
                stop: None,
                times: Some(json!(d.write_npy("times", &times)?)),
                amplitudes: Some(json!(d.write_npy("amplitudes", &values)?)),
                targets,
            };
            d.request(&cmd)?;
            self.sim.sampled_hi[id] = hi;
        }
        Ok(())
    }

    /// Asks NEST about a model used by name: that it exists and is a
    /// neuron, that it takes the cell type's parameters and state variables
    /// (NEST's own check, on a copy of the model), that it records the
    /// cell type's recordables; returns the NEST ports of the cell type's
    /// receptors.
    fn check_native(
        &mut self,
        spec: &PopulationSpec<'_>,
        model: &'static NestModel,
    ) -> Result<(Vec<(&'static str, usize)>, Kind)> {
        let object =
            format!("population \"{}\" of cell type {} (NEST model `{}`)", spec.label, spec.cell_type.name, model.nest);
        let mut params = Map::new();
        if spec.size > 0 {
            let native = model.translate_parameters(|n| spec.parameters.column(n).and_then(Column::as_scalar));
            for (k, v) in native {
                params.insert(k.to_string(), json!(v[0]));
            }
            for (k, v) in model.translate_sequences(|n| spec.parameters.column(n).and_then(Column::as_sequence)) {
                params.insert(k.to_string(), json!(v[0]));
            }
            for s in spec.initial_values.specs() {
                params.insert(s.name.to_string(), json!(spec.initial_values.scalar(s.name)[0]));
            }
        }
        let info =
            self.link.request(&Request::ModelInfo { model: model.nest.into(), params }).map_err(|e| match e {
                Error::Backend { backend, message } => {
                    Error::Backend { backend, message: format!("{object}: {message}") }
                }
                other => other,
            })?;
        let kind = if info["element_type"].as_str() == Some("stimulator") { Kind::Stimulator } else { Kind::Neuron };
        let recordables: Vec<&str> =
            info["recordables"].as_array().map(|a| a.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
        for r in spec.cell_type.recordables.iter().filter(|r| r.name != "spikes") {
            if !recordables.contains(&r.name) {
                return Err(Error::unknown_name(
                    object.clone(),
                    "recordable (NEST's `recordables`)",
                    r.name,
                    recordables.iter().copied(),
                ));
            }
        }
        let types = info["receptor_types"].as_object().cloned().unwrap_or_default();
        let mut ports = Vec::new();
        for r in spec.cell_type.receptors {
            match types.get(*r).and_then(Json::as_u64) {
                Some(port) => ports.push((*r, port as usize)),
                None if types.is_empty() && ["excitatory", "inhibitory"].contains(r) => {}
                None => {
                    let allowed: Vec<String> = if types.is_empty() {
                        vec!["excitatory".into(), "inhibitory".into()]
                    } else {
                        types.keys().cloned().collect()
                    };
                    return Err(Error::unknown_name(
                        object,
                        "receptor type (NEST's `receptor_types`, or excitatory/inhibitory for one-port models)",
                        r,
                        allowed.iter().map(String::as_str),
                    ));
                }
            }
        }
        Ok((ports, kind))
    }

    fn create(&mut self, spec: &PopulationSpec<'_>, native: Option<&'static str>) -> Result<()> {
        let mut model = if let Some(name) = native {
            translate::native_model(&spec.cell_type, name, Kind::Neuron)
        } else if spec.cell_type.name == "PointNeuron" {
            let comp = spec.composition.clone().ok_or_else(|| err("PointNeuron population without its composition"))?;
            translate::point_neuron_model(&comp).map_err(err)?
        } else {
            translate::model(spec.cell_type.name)
                .ok_or_else(|| err(format!("{} has no NEST translation", spec.cell_type.name)))?
        };
        if spec.id != self.pops.len() || spec.offset != self.cells.len() {
            return Err(err("populations must be created in order"));
        }
        if native.is_none() && matches!(model.kind, Kind::Neuron | Kind::Stimulator) {
            let needed = mirror::needed_by_row(spec.cell_type.name, model.params.iter().map(|(n, _)| *n));
            mirror::require_parameters("NEST", spec.label, spec.cell_type.name, spec.parameters, needed)?;
        }
        let ports = match native {
            Some(name) => {
                let (ports, kind) = self.check_native(spec, model)?;
                model = translate::native_model(&spec.cell_type, name, kind);
                ports
            }
            None => Vec::new(),
        };
        let renewal = if model.kind == Kind::Renewal {
            let build = replay::random_source(spec.cell_type.name)
                .ok_or_else(|| err(format!("{} is not a random spike source", spec.cell_type.name)))?;
            Some(Renewal::new(build, spec, replay::context(&self.cfg, spec.id, spec.label))?)
        } else {
            None
        };
        self.admit(spec, NestPop { renewal, ports, model })
    }

    /// NEST state values of `variable` (PyNN values given) and whether NEST
    /// can set it.
    fn settable_state(&self, pop: PopId, variable: &str, values: &[f64]) -> Result<(&'static str, Json, bool)> {
        let (name, native) = self.state_value(pop, variable, values)?;
        let settable = self.pop(pop)?.model.var(variable).is_some_and(|v| v.settable);
        Ok((name, native, settable))
    }
}

/// Spike steps per cell and their offsets (ms), parallel.
type PreciseTrains = (Vec<Vec<u64>>, Vec<Vec<f64>>);

/// A spike time `t` (ms) under `spike_precision = "off_grid"` as
/// `(stamp, offset)`: time `stamp * dt - offset`, offset in `[0, dt)`, the
/// stamp the end of the step holding `t` (`ceil(t / dt)`, NEST's
/// `Time::ms_stamp`, nestkernel/nest_time.cpp). A time within `1e-12`
/// (relative) of a grid point is that grid point, offset 0: the native
/// engine's rule for its precise SpikeSourceArray
/// (pynn-backends/src/native/precise.rs, `PreciseArray`), so that both
/// backends emit the same spike in the same step.
fn precise_stamp(t: f64, dt: f64) -> (u64, f64) {
    let r = (t / dt).round();
    let stamp = if (t - r * dt).abs() <= 1e-12 * dt.max(t.abs()) { r } else { (t / dt).ceil() };
    let offset = (stamp * dt - t).max(0.0);
    (stamp.max(0.0) as u64, if offset >= dt { 0.0 } else { offset })
}

/// Current sources NEST has no device for with the core's exact values
/// (AC, noisy) are sent as `step_current_generator`s with the core's
/// per-step samples (`CurrentSourceSpec::sample`), in chunks ahead of the
/// kernel (see `send_samples`).
fn sampled(spec: &CurrentSourceSpec) -> bool {
    !matches!(spec, CurrentSourceSpec::Dc { .. } | CurrentSourceSpec::Step { .. })
}

/// The `current` request of a DC or step source (pA).
fn current_command(id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<Request> {
    let targets = targets.to_vec();
    Ok(match spec {
        CurrentSourceSpec::Dc { amplitude, start, stop } => Request::Current {
            id,
            kind: "dc".into(),
            amplitude: Some(amplitude * 1000.0),
            start: Some(*start),
            stop: Some(*stop),
            times: None,
            amplitudes: None,
            targets,
        },
        CurrentSourceSpec::Step { times, amplitudes } => Request::Current {
            id,
            kind: "step".into(),
            amplitude: None,
            start: None,
            stop: None,
            times: Some(json!(times)),
            amplitudes: Some(json!(amplitudes.iter().map(|a| a * 1000.0).collect::<Vec<f64>>())),
            targets,
        },
        other => return Err(err(format!("{} is sent as samples on NEST", other.name()))),
    })
}

impl Simulator for NestSim {
    const NAME: &'static str = "NEST";
    const SPEC: DriverSpec = SPEC;
    type Options = NestOptions;
    type Pop = NestPop;
    type Proj = NestProj;

    fn start(config: &SimConfig, options: &NestOptions) -> Result<(Self, Driver, String)> {
        crate::external::check_ranks("NEST", options.ranks, config)?;
        let python = find_python();
        let (mut driver, hello) = Driver::start(&python, SPEC)?;
        let hello = protocol::hello(&hello);
        let version = hello.nest_version.clone().unwrap_or_else(|| "?".into());
        if options.ranks > 1 {
            if !hello.have_mpi {
                return Err(err(format!(
                    "{} MPI ranks asked for, but this NEST {version} (interpreter `{}`) was built without MPI \
                     (nest.build_info['have_mpi'] = False; the PyPI wheel has none). Build NEST with \
                     -Dwith-mpi=ON (or install a conda-forge/distribution NEST with MPI) and point PYNN_PYTHON \
                     to it, or use one rank (NestOptions {{ ranks: 1, .. }}); NEST's threads \
                     (Setup::threads) need no MPI",
                    options.ranks,
                    python.display()
                )));
            }
            // NEST with MPI (not available here, the path is untested): the
            // driver runs on every rank under the launcher.
            options.launcher.check("NEST", options.ranks)?;
            drop(driver);
            let (d, _) = Driver::start_with(&python, SPEC, &options.launcher.command(options.ranks))?;
            driver = d;
        }
        let sim = NestSim {
            ranks: options.ranks,
            sampled_hi: Vec::new(),
            trial: 0,
            tau_minus: std::collections::HashMap::new(),
            weight_recs: std::collections::BTreeMap::new(),
        };
        Ok((sim, driver, version))
    }

    fn setup_request(b: &mut Nest) -> Result<Request> {
        let c = &b.cfg;
        // NEST takes seeds in [1, 2^31 - 1]; trial 0 keeps the session seed.
        let s = c.seed.wrapping_add(b.sim.trial.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let seed = if (1..1 << 31).contains(&s) { s } else { s % ((1 << 31) - 1) + 1 };
        let md = c.min_delay_steps().max(1);
        let setup = protocol::setup(c.timestep).nest(c.min_delay, c.max_delay, md, seed, c.threads.max(1));
        // The spikes NEST cannot emit from a parrot (at or before
        // min_delay) must be known when the network is made: they go
        // straight from spike generators to the targets (driver.py).
        let early = md + 2;
        for p in &mut b.pops {
            if let Some(r) = p.sim.renewal.as_mut() {
                r.advance(early);
            }
        }
        Ok(setup)
    }

    fn create(b: &Nest, pop: PopId) -> Result<Request> {
        let p = b.pop(pop)?;
        let (params, spike_steps) = b.parameter_fields(pop)?;
        let mut state = Map::new();
        for spec in p.initial.specs() {
            let (name, values, settable) = b.settable_state(pop, spec.name, p.initial.scalar(spec.name))?;
            if settable {
                state.insert(name.to_string(), values);
            }
        }
        let kind = match p.model.kind {
            Kind::Neuron => "neuron",
            Kind::Stimulator => "stimulator",
            Kind::SpikeArray | Kind::Renewal => "array",
        };
        Ok(Request::Create {
            pop,
            offset: p.offset,
            n: p.size,
            kind: kind.into(),
            // spike_precision "off_grid": NEST's precise models (translate.rs).
            model: Some(json!(match b.cfg.spike_precision {
                pynn_core::SpikePrecision::OffGrid => translate::precise_model(p.model.nest),
                pynn_core::SpikePrecision::OnGrid => p.model.nest,
            })),
            mechanism: None,
            params,
            spike_steps,
            state,
            live_state: None,
        })
    }

    fn send_parameters(b: &mut Nest, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let step = b.step;
        if let Some(r) = b.pops[pop].sim.renewal.as_mut() {
            // Restarts the process at the current time, as on native.
            r.set(step, parameters)?;
            return if b.built { b.send_trains(step) } else { Ok(()) };
        }
        if b.built {
            let (params, spike_steps) = b.parameter_fields(pop)?;
            b.link.request(&Request::SetParams { pop, params, spike_steps, run_end: None })?;
        }
        Ok(())
    }

    fn state_request(
        b: &mut Nest,
        pop: PopId,
        variable: &str,
        cells: &[usize],
        values: &[f64],
    ) -> Result<Option<Request>> {
        let (name, native, settable) = b.settable_state(pop, variable, values)?;
        let state = [(name.to_string(), native)].into_iter().collect();
        Ok(settable.then(|| Request::SetState { pop, cells: cells.to_vec(), state, live: None }))
    }

    fn projection(b: &mut Nest, spec: &ProjectionSpec<'_>, c: &Connections) -> Result<NestProj> {
        if matches!(spec.synapse, SynapseKind::Gap) {
            return gap::projection(b, spec, c);
        }
        check_plastic(spec)?;
        let Some(first) = c.post.first() else {
            // An empty projection: nothing to send, but keep the id.
            let model = translate::model("IF_curr_exp").expect("table row");
            return Ok(NestProj { inhibitory: false, port: None, post_model: model });
        };
        let owner = b.cells.owner(*first).ok_or_else(|| err(format!("post-synaptic cell {first} does not exist")))?;
        let post_model = b.pops[owner].model;
        let port = if post_model.pynn == "PointNeuron" {
            Some(spec.receptor.index + 1)
        } else {
            // NEST models by name: the port of a named receptor.
            b.pops[owner].ports.iter().find(|(n, _)| *n == spec.receptor.name).map(|(_, p)| *p)
        };
        if let Some(tau) = trace_tau(&spec.synapse) {
            // NEST keeps tau_minus on the post-synaptic neuron: one value per cell.
            for t in &c.post {
                if let Some(other) = b.sim.tau_minus.insert(*t, tau).filter(|o| *o != tau) {
                    return Err(err(format!(
                        "projection \"{}\": post-synaptic cell {t} already has tau_minus = {other} ms from another \
                         plastic projection; NEST keeps one per neuron (here {tau} ms)",
                        spec.label
                    )));
                }
            }
        }
        Ok(NestProj { inhibitory: spec.receptor.name == "inhibitory" && port.is_none(), port, post_model })
    }

    fn send_connect(b: &mut Nest, proj: ProjId) -> Result<()> {
        if matches!(b.projs[proj].synapse, SynapseKind::Gap) {
            return gap::send_connect(b, proj);
        }
        let pr = &b.projs[proj];
        let weight: Vec<f64> =
            pr.conns.weight.iter().map(|w| pr.post_model.translate_weight(*w, pr.inhibitory)).collect();
        let (pre, post, delay) = (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.delay.clone());
        let port = pr.port;
        let synapse = plastic_command(pr)?;
        let d = b.driver()?;
        let (pre, post) = (d.write_npy("pre", &pre)?, d.write_npy("post", &post)?);
        let (weight, delay) = (d.write_npy("weight", &weight)?, d.write_npy("delay", &delay)?);
        d.request(&Request::Connect {
            proj,
            pre,
            post,
            weight,
            delay: Some(delay),
            delay_steps: None,
            receptor_type: port,
            synapse,
            receptor: None,
            on_pre: None,
            weight_unit: None,
            plastic: None,
        })
        .map(drop)
    }

    fn built(b: &mut Nest) -> Result<()> {
        b.sim.sampled_hi.resize(b.currents.len(), 0);
        for id in 0..b.currents.len() {
            if let Some((spec, targets)) = &b.currents[id] {
                if sampled(spec) {
                    b.sim.sampled_hi[id] = 0;
                    continue;
                }
                let cmd = current_command(id, spec, targets)?;
                b.link.request(&cmd)?;
            }
        }
        for id in 0..b.currents.len() {
            if let Some(new) = b.currents[id].clone() {
                b.send_early_current(None, &new, 0)?;
            }
        }
        Ok(())
    }

    fn send_synaptic(b: &mut Nest, proj: ProjId, name: &str, _values: &[f64], update: &SynapticUpdate) -> Result<()> {
        let p = &b.projs[proj];
        let native: Vec<f64> = match update {
            SynapticUpdate::Weight(w) => w.iter().map(|w| p.post_model.translate_weight(*w, p.inhibitory)).collect(),
            SynapticUpdate::Delay(d) => d.clone(),
        };
        if b.built && !native.is_empty() {
            let d = b.driver()?;
            let values = d.write_npy(name, &native)?;
            d.request(&Request::SetSynaptic { proj, name: name.into(), values })?;
        }
        Ok(())
    }

    fn set_plastic(b: &mut Nest, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        let p = &b.projs[proj];
        let trace = matches!(
            (&p.synapse, name),
            (SynapseKind::SpikePairStdp { .. }, "tau_minus") | (SynapseKind::Vogels2011 { .. }, "tau")
        );
        if trace {
            return Some(Err(Error::unsupported(
                "NEST",
                format!("changing `{name}` of projection \"{}\" after it is made", p.label),
                "NEST keeps this time constant on the post-synaptic neurons (their `tau_minus`), shared by every \
                 plastic projection onto them: give it when making the projection, or use the native backend",
            )));
        }
        if matches!(name, "weight" | "delay") || p.columns().and_then(|c| c.get(name)).is_none() {
            return None;
        }
        Some(set_nest_parameter(b, proj, name, values))
    }

    fn initialize_synaptic(b: &mut Nest, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        set_tm_state(b, proj, name, values)?;
        if b.built && !values.is_empty() {
            let d = b.driver()?;
            let file = d.write_npy(name, values)?;
            d.request(&Request::SetSynaptic { proj, name: name.into(), values: file })?;
        }
        Ok(())
    }

    fn current_changed(b: &mut Nest, id: SourceId, old: Option<(CurrentSourceSpec, Vec<u32>)>) -> Result<()> {
        if b.sim.sampled_hi.len() <= id {
            b.sim.sampled_hi.resize(id + 1, 0);
        }
        let new = b.currents[id].clone().ok_or_else(|| err(format!("no current source {id}")))?;
        if sampled(&new.0) {
            b.sim.sampled_hi[id] = 0;
            if b.built {
                b.send_samples(b.step)?;
            }
        } else {
            let cmd = current_command(id, &new.0, &new.1)?;
            if b.built {
                b.link.request(&cmd)?;
            }
        }
        if b.built {
            b.send_early_current(old.as_ref(), &new, b.step)?;
        }
        Ok(())
    }

    fn signal(b: &Nest, pop: PopId, name: &str) -> Option<SignalRequest> {
        let var = b.pops.get(pop)?.model.var(name)?;
        Some(SignalRequest { name: None, var: var.nest.into(), unit: None, cells: Vec::new() })
    }

    fn signal_name(p: &Pop<NestPop>, var: &str, _name: Option<&str>) -> Result<(String, f64)> {
        let v = p.model.vars.iter().find(|v| v.nest == var).ok_or_else(|| err(format!("unexpected variable {var}")))?;
        Ok((v.pynn.to_string(), v.factor))
    }

    fn records_in_rust(p: &Pop<NestPop>) -> bool {
        p.renewal.is_some()
    }

    fn record_in_rust(b: &mut Nest, pop: PopId, plan: &RecordingPlan) {
        let step = b.step;
        if let Some(r) = b.pops[pop].sim.renewal.as_mut() {
            // Recorded in Rust (see `Renewal::drain`).
            r.record(step, &plan.spikes);
        }
    }

    fn drain_in_rust(b: &mut Nest, pop: PopId) -> RawRecording {
        let step = b.step;
        let spikes = b.pops[pop].sim.renewal.as_mut().map(|r| r.drain(step)).unwrap_or_default();
        RawRecording { spikes, offsets: Vec::new(), signals: Vec::new() }
    }

    fn run(b: &mut Nest, step: u64) -> Result<()> {
        b.send_samples(step)?;
        b.send_trains(step)?;
        b.take_weight_samples(step)?;
        b.link.request(&protocol::run(step))?;
        b.step = step;
        b.read_plastic_state()
    }

    /// Samples the weights (and state) every `interval_steps`, which must
    /// be a multiple of `min_delay` on NEST (else `Error::Unsupported`):
    /// see `take_weight_samples`.
    fn record_weights(b: &mut Nest, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let p = b.proj(proj)?;
        check_recordable(proj, p)?;
        let Some(interval) = interval_steps else {
            if let Some(r) = b.sim.weight_recs.get_mut(&proj) {
                r.active = false;
            }
            return Ok(());
        };
        let (dt, md) = (b.cfg.timestep, b.cfg.min_delay_steps().max(1));
        // Steps in ms without the binary rounding of `k * dt` (3 x 0.1).
        let ms = |k: u64| (k as f64 * dt * 1e9).round() / 1e9;
        if interval == 0 || interval % md != 0 {
            return Err(Error::unsupported(
                "NEST",
                format!(
                    "recording weights of projection \"{}\" every {} ms (`sampling_interval`)",
                    p.label,
                    ms(interval)
                ),
                format!(
                    "on NEST the sampling interval must be a multiple of min_delay ({} ms): NEST applies \
                     pre-synaptic spikes to its synapses once per min_delay slice, so their state is exact only at \
                     slice ends. Use a multiple of min_delay (or a min_delay that divides the interval), or the \
                     native, NEURON or Brian2 backend",
                    ms(md)
                ),
            ));
        }
        let next = b.step.div_ceil(interval) * interval;
        let r = b.sim.weight_recs.entry(proj).or_default();
        r.interval = interval;
        r.next = next;
        r.active = true;
        Ok(())
    }

    fn recorded_weights(b: &Nest, proj: ProjId) -> Result<RawWeights> {
        check_recordable(proj, b.proj(proj)?)?;
        Ok(b.sim
            .weight_recs
            .get(&proj)
            .map(|r| RawWeights { steps: r.steps.clone(), data: r.weights.clone() })
            .unwrap_or_default())
    }

    fn recorded_synaptic_state(b: &Nest, proj: ProjId, name: &str) -> Result<RawWeights> {
        let p = b.proj(proj)?;
        let names = state_names(&p.synapse);
        if !names.contains(&name) {
            return Err(Error::unknown_name(
                format!("NEST projection \"{}\"", p.label),
                "synaptic state variable",
                name,
                names.iter().copied(),
            ));
        }
        Ok(b.sim
            .weight_recs
            .get(&proj)
            .map(|r| RawWeights {
                steps: r.steps.clone(),
                data: r.state.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default(),
            })
            .unwrap_or_default())
    }

    fn reset(b: &mut Nest) -> Result<()> {
        // Weight samples start again at t = 0 (as on native).
        for r in b.sim.weight_recs.values_mut() {
            *r = WeightRec { interval: r.interval, active: r.active, ..WeightRec::default() };
        }
        // Rebuilt from the mirror at the next run (NEST 3 has no ResetNetwork).
        b.sim.trial += 1;
        let step = b.step;
        for p in &mut b.pops {
            if let Some(r) = p.sim.renewal.as_mut() {
                r.reset(step)?;
            }
        }
        Ok(())
    }
}

/// The error for recording the weights of a projection whose weights do
/// not change (static synapses, gap junctions), as on native.
fn check_recordable(proj: ProjId, p: &Proj<NestProj>) -> Result<()> {
    match p.synapse {
        SynapseKind::Static | SynapseKind::Gap => Err(err(format!(
            "projection {proj} (\"{}\") has static synapses: its weights do not change, there is nothing to sample",
            p.label
        ))),
        _ => Ok(()),
    }
}

/// The time constant NEST keeps on the post-synaptic neuron (`tau_minus`)
/// for a plastic synapse model.
fn trace_tau(kind: &SynapseKind) -> Option<f64> {
    match kind {
        SynapseKind::SpikePairStdp { tau_minus, .. } => Some(*tau_minus),
        SynapseKind::Vogels2011 { tau, .. } => Some(*tau),
        _ => None,
    }
}

/// Sets parameter `name` of a plastic projection after it is made: the
/// mirror's column (kept for a rebuild after `reset()`), checked as at
/// creation, and, once the network is built, NEST's parameters it
/// translates to (`SetStatus` on the connections, list order): `tau_fac`
/// for `tau_facil`, `lambda` and `alpha` for `A_plus`, `alpha` for
/// `A_minus` and `rho`, `Wmax` for `w_max`, the same name otherwise.
fn set_nest_parameter(b: &mut Nest, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
    let old = set_synapse_parameter(b, proj, name, values)?;
    let checked =
        check_plastic_kind(&b.projs[proj].label, &b.projs[proj].synapse).and_then(|()| plastic_command(&b.projs[proj]));
    let command = match checked {
        Ok(c) => c,
        Err(e) => {
            restore_synapse_parameter(b, proj, name, old);
            return Err(e);
        }
    };
    let keys: Vec<&str> = match name {
        "tau_facil" => vec!["tau_fac"],
        "A_plus" => vec!["lambda", "alpha"],
        "A_minus" | "rho" => vec!["alpha"],
        "w_max" => vec!["Wmax"],
        // 0 on NEST (checked above): nothing to send.
        "w_min" => vec![],
        other => vec![other],
    };
    if b.built && !values.is_empty() {
        let command = command.ok_or_else(|| err(format!("projection {proj} is not plastic")))?;
        let d = b.driver()?;
        for key in keys {
            let column: Vec<f64> = command["params"][key]
                .as_array()
                .ok_or_else(|| err(format!("NEST parameter `{key}` missing for `{name}`")))?
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect();
            let file = d.write_npy(key, &column)?;
            d.request(&Request::SetSynaptic { proj, name: key.into(), values: file })?;
        }
    }
    Ok(())
}

/// What NEST's models cannot express: a lower weight bound, depression
/// without potentiation (NEST's `alpha = A_minus / A_plus`).
fn check_plastic(spec: &ProjectionSpec<'_>) -> Result<()> {
    if let SynapseKind::StochasticTsodyksMarkram { .. } = spec.synapse {
        return Err(Error::unsupported(
            "NEST",
            format!("StochasticTsodyksMarkramSynapse (projection \"{}\")", spec.label),
            "PyNN 0.13 maps it to `stochastic_stp_synapse` (pyNN/nest/standardmodels/synapses.py), a model of \
             PyNN's own NEST extension module `pynn_extensions` (C++ compiled against NEST when pyNN.nest is \
             imported, pyNN/nest/simulator.py), which NEST 3.10's distribution does not include: use the native \
             engine, NEURON or Brian2, or the similar MultiQuantalSynapse with n = 1 (NEST's quantal_stp_synapse)",
        ));
    }
    check_plastic_kind(spec.label, &spec.synapse)
}

/// [`check_plastic`] of a projection's label and synapse model.
fn check_plastic_kind(label: &str, synapse: &SynapseKind) -> Result<()> {
    let columns = match synapse {
        SynapseKind::SpikePairStdp { columns, .. } | SynapseKind::Vogels2011 { columns, .. } => columns,
        _ => return Ok(()),
    };
    let object = format!("projection \"{label}\" on NEST");
    if let Some(w) = columns.get("w_min").and_then(|c| c.iter().find(|w| **w != 0.0)) {
        return Err(Error::invalid_value(
            object,
            "w_min",
            w,
            "0: NEST's stdp and vogels_sprekeler synapses bound weights at 0",
        ));
    }
    if let (Some(ap), Some(am)) = (columns.get("A_plus"), columns.get("A_minus"))
        && let Some(k) = (0..ap.len()).find(|k| ap[*k] == 0.0 && am[*k] != 0.0)
    {
        return Err(Error::invalid_value(
            object,
            "A_plus",
            ap[k],
            "> 0 when A_minus > 0: NEST scales depression by A_plus (alpha = A_minus / A_plus)",
        ));
    }
    Ok(())
}

/// The `synapse` field of a plastic projection's `connect` command: NEST
/// model and per-connection parameters in NEST's names and units (weights
/// pA/nS with PyNN's sign rule, as `translate_weight`).
fn plastic_command(pr: &Proj<NestProj>) -> Result<Option<Json>> {
    let col = |c: &SynapseColumns, n: &str| -> Result<Vec<f64>> {
        c.get(n).map(<[f64]>::to_vec).ok_or_else(|| err(format!("synapse column `{n}` missing")))
    };
    let w = |x: f64| pr.post_model.translate_weight(x, pr.inhibitory);
    let (model, params, tau_minus) = match &pr.synapse {
        SynapseKind::Static => return Ok(None),
        SynapseKind::TsodyksMarkram(c) => (
            "tsodyks_synapse",
            json!({
                "U": col(c, "U")?, "tau_rec": col(c, "tau_rec")?, "tau_fac": col(c, "tau_facil")?,
                "tau_psc": col(c, "tau_psc")?, "u": col(c, "u")?, "x": col(c, "x")?, "y": col(c, "y")?,
            }),
            None,
        ),
        SynapseKind::SpikePairStdp { tau_minus, sign, columns: c } => {
            let (ap, am) = (col(c, "A_plus")?, col(c, "A_minus")?);
            let alpha: Vec<f64> = ap.iter().zip(&am).map(|(p, m)| if *p == 0.0 { 0.0 } else { m / p }).collect();
            let wmax: Vec<f64> = col(c, "w_max")?.iter().map(|x| w(sign * x)).collect();
            let p = json!({
                "tau_plus": col(c, "tau_plus")?, "lambda": ap, "alpha": alpha,
                "mu_plus": col(c, "mu_plus")?, "mu_minus": col(c, "mu_minus")?, "Wmax": wmax,
            });
            ("stdp_synapse", p, Some(*tau_minus))
        }
        SynapseKind::Vogels2011 { tau, sign, columns: c } => {
            let taus = col(c, "tau")?;
            let alpha: Vec<f64> = col(c, "rho")?.iter().zip(&taus).map(|(r, t)| 2.0 * r * t / 1000.0).collect();
            let eta: Vec<f64> = col(c, "eta")?.iter().map(|e| w(*e).abs()).collect();
            let wmax: Vec<f64> = col(c, "w_max")?.iter().map(|x| w(sign * x)).collect();
            let p = json!({"tau": taus, "eta": eta, "alpha": alpha, "Wmax": wmax});
            ("vogels_sprekeler_synapse", p, Some(*tau))
        }
        // bernoulli_synapse and quantal_stp_synapse draw from NEST's own
        // generator: statistical agreement only (tests/stochastic_synapses.rs).
        SynapseKind::SimpleStochastic { columns: c, .. } => {
            ("bernoulli_synapse", json!({"p_transmit": col(c, "p")?}), None)
        }
        SynapseKind::MultiQuantal { columns: c, .. } => {
            // `u` starts at U and all `n` sites are available (NEST's
            // constructor sets them from its default U and n only).
            let (u, n) = (col(c, "U")?, col(c, "n")?);
            let p = json!({"U": u, "u": u, "n": n, "a": n, "tau_rec": col(c, "tau_rec")?,
                           "tau_fac": col(c, "tau_facil")?});
            ("quantal_stp_synapse", p, None)
        }
        other => {
            return Err(Error::unsupported(
                "NEST",
                format!("synapse model {other:?}"),
                "use a synapse type this backend implements, or another backend",
            ));
        }
    };
    Ok(Some(json!({"model": model, "params": params, "tau_minus": tau_minus})))
}

/// A cell type the NEST backend can simulate.
///
/// Standard types are translated by [`translate::MODELS`]. A user-defined
/// [`CellType`] runs any NEST neuron model, or spike-emitting device
/// (`poisson_generator`, `sinusoidal_poisson_generator`, ...: built as
/// device -> `parrot_neuron`, spikes re-emitted `min_delay` after the
/// device's time, as PyNN does; its only recordable is `spikes`), by its
/// NEST name (PyNN's
/// `nest.native_cell_type`; the analogue of `NeuronCell::MECHANISM` and
/// `Brian2Cell::brian2_model`): set [`NestCell::NEST_MODEL`] and give the
/// cell type NEST's own names and units: its parameters and state variables
/// are NEST parameters (`C_m` pF, `I_e` pA, `V_th` mV, ...), its
/// recordables NEST's `recordables` (`V_m`, `w`, ...) and its receptors
/// either NEST's `receptor_types` (multi-port models, e.g.
/// `"soma_exc"` of `iaf_cond_alpha_mc`) or `"excitatory"`/`"inhibitory"`
/// for one-port models, which NEST routes by the sign of the weight.
/// Weights are in NEST's units (pA for current-based, nS for
/// conductance-based, mV for delta synapses); PyNN's sign rule applies
/// (inhibitory current weights <= 0; conductance weights >= 0, negated for
/// NEST on the `"inhibitory"` receptor of a conductance-based one-port
/// model). Defaults of parameters the cell type does not list are NEST's.
/// At creation NEST is asked whether the model exists, is a neuron or a
/// device that can drive a parrot, and takes the parameters and state
/// values (on a copy of the model); its refusal comes back as
/// `Error::Backend` with NEST's message.
///
/// ```ignore
/// impl NestCell for MyAdExpDelta { const NEST_MODEL: Option<&'static str> = Some("aeif_psc_delta"); }
/// ```
#[diagnostic::on_unimplemented(
    message = "the NEST backend cannot simulate `{Self}` cells: `{Self}` does not implement `NestCell`",
    label = "no NEST model for `{Self}`",
    note = "implement `pynn::backends::nest::NestCell` for `{Self}`, naming the NEST model that runs it (`const NEST_MODEL: Option<&'static str> = Some(\"...\")`)"
)]
pub trait NestCell: CellType {
    /// The NEST model of a user-defined cell type (`None`: a standard type,
    /// looked up in the translation table).
    const NEST_MODEL: Option<&'static str> = None;
}

macro_rules! nest_cells {
    ($($t:ty),* $(,)?) => { $(impl NestCell for $t {})* };
}
pynn_core::for_each_standard_cell!(nest_cells, PointNeuron);

impl<C: NestCell> Supports<C> for Nest {
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
        self.create(spec, C::NEST_MODEL)
    }
}

#[cfg(test)]
mod tests {
    use super::precise_stamp;

    #[test]
    fn precise_stamps_across_grid_boundaries() {
        for dt in [0.1, 0.01, 0.125, 1.0] {
            for k in 1..5000u64 {
                let grid = k as f64 * dt;
                // On the grid (as the user writes it, or as k * dt rounds):
                // that step, the offset 0 up to the rounding of k * dt
                // (e.g. 3 * 0.1 - 0.3 = 5.6e-17 ms, as on native).
                let written: f64 = format!("{grid:.6}").parse().unwrap();
                for t in [grid, written] {
                    let (s, o) = precise_stamp(t, dt);
                    assert!(s == k && o <= 1e-12 * t, "dt {dt} k {k}: {t} -> ({s}, {o})");
                }
                // Just before a grid point (by more than the 1e-12
                // relative snap): that step, the small offset; just after:
                // the next step, an offset just under dt (1e-11 ms: rounding
                // of times up to 5000 ms).
                let eps = 1e-6 * dt;
                let (s, o) = precise_stamp(grid - eps, dt);
                assert!(s == k && (o - eps).abs() < 1e-11, "dt {dt} k {k}: ({s}, {o})");
                let (s, o) = precise_stamp(grid + eps, dt);
                assert!(s == k + 1 && (o - (dt - eps)).abs() < 1e-11 && o < dt, "dt {dt} k {k}: ({s}, {o})");
                // Mid-step: the time is recovered from (stamp, offset).
                let t = grid + 0.37 * dt;
                let (s, o) = precise_stamp(t, dt);
                assert_eq!(s, k + 1);
                assert!((0.0..dt).contains(&o) && (s as f64 * dt - o - t).abs() < 1e-11, "dt {dt} k {k}");
            }
        }
    }
}
