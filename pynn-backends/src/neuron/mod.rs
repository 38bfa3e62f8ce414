//! The NEURON backend: runs a pynn-rs model in NEURON 9, driven as a Python
//! process (optionally several, under MPI).
//!
//! # Shape
//!
//! * **Mechanisms of our own** (`nmodl/*.mod`, embedded with `include_str!`):
//!   `PynnIafCurr` (IF_curr_exp/alpha/delta), `PynnIzhikevich`,
//!   `PynnOdeCell` (IF_cond_exp/alpha, IF_cond_exp_gsfa_grr,
//!   IF_facets_hardware1, EIF_cond_exp/alpha_isfa_ista, HH_cond_exp),
//!   `PynnGif` (GIF_cond_exp), `PynnPointNeuron` (PyNN's composed
//!   `PointNeuron`: LIF + CurrExp receptors, LIF or AdExp + any mix of
//!   CondExp/CondAlpha/CondBeta receptors, up to 8, as `native/point.rs`;
//!   a connection's receptor is the NetCon's `weight[1]`) and
//!   `PynnSpikeSource`; `pynn_rkf45.inc` holds the C the ODE mechanisms
//!   share (GSL's RKF45; ChaCha8 for GIF's noise). They are compiled with the `nrnivmodl` next to the
//!   interpreter on first use, into a cache directory keyed by a hash of the
//!   sources (`$PYNN_NEURON_CACHE`, else `~/.cache/pynn-rs/`, else the
//!   temporary directory), and loaded with `h.nrn_load_dll`.
//! * **Cells are ARTIFICIAL_CELLs integrated on the time grid** with NEST's
//!   update (exact propagators for the current-based IF cells, NEST's Euler
//!   step for Izhikevich, GSL's adaptive RKF45 with NEST's tolerances and
//!   spike rules for the others, in C inside the NMODL file): each cell
//!   advances by one step per self-event, the event of step `k` being
//!   delivered at `t_k + dt/4` (absolute times, no drift) and sending the
//!   spikes found in it; NetCons have delay `d - 1e-9 ms`, so a spike's
//!   input arrives just before the tick of the step in which NEST adds it,
//!   never in a tie with it. Fixed step (`h.dt` = timestep), CVode off.
//!   See `driver.py` for the timing rules.
//! * **One Python process per session** (`driver.py`), or `ranks`
//!   processes under a launcher ([`NeuronOptions`]: `mpirun`, or `srun` in
//!   the batch system's allocation, or a hostfile): rank 0 talks to Rust
//!   and broadcasts every command (`ParallelContext.py_broadcast`), cells
//!   are distributed round-robin (`pc.set_gid2node(gid, gid % ranks)`),
//!   spikes and samples are gathered to rank 0; the results are those of
//!   one process, bit for bit.
//! * **The network is mirrored in Rust** and built in NEURON at the first
//!   run; `reset()` rebuilds it (fresh gids) from the mirror at the next run
//!   and `finitialize` applies the initial values, so the segment after a
//!   reset equals the first. Changes after the build are sent at once.
//! * **Spike sources** (every standard one) are generated in Rust by the
//!   native engine's kernels from the session's keyed streams, run by run,
//!   and emitted by `PynnSpikeSource` at the same steps: Poisson and gamma
//!   trains are spike for spike the native engine's. Spikes at `t = 0` are
//!   delivered by the source's NetCons themselves (see `driver.py`).
//! * **Current sources** (DC, step, AC, noisy): the values per step are
//!   [`CurrentSourceSpec::sample`](pynn_core::electrodes::CurrentSourceSpec::sample)'s (so noise equals the core's); runs are
//!   cut at the steps where a cell's total current changes and the new value
//!   is set between `psolve` calls.
//! * **Results** come back in steps, as from the other backends.
//!
//! # Known differences
//!
//! * PyNN 0.13's NEURON backend lacks IF_curr_delta and its GIF/gsfa cells
//!   misbehave; here every standard cell type and `PointNeuron` runs, with
//!   NEST's spike times (`tests/neuron_backend.rs`: all 37 reference
//!   scenarios and the 6 PointNeuron ones, identical spike steps,
//!   |v - v_NEST| <= 3e-8 mV).
//! * PyNN 0.13's NEURON `GIF_cond_exp` never spikes; `PynnGif` is NEST's
//!   `gif_cond_exp` (as `native/gif.rs`) and its escape noise reads the
//!   native kernel's ChaCha8 streams by position, so for the same seed it
//!   spikes exactly as the native engine, across `reset()` too
//!   (`gif_escape_noise_gives_the_native_spikes`). At most 10 elements per
//!   adaptation kernel (a clear error beyond).
//! * Plastic synapses (Tsodyks–Markram, STDP, Vogels 2011) follow NEST
//!   3.10's rules as the native engine implements them, applied in Rust
//!   between `min_delay` slices to the spikes NEURON produces (see
//!   `neuron/plastic.rs`); their weights equal native's.
//! * Populations and projections may be added after a run (PyNN allows
//!   it): new cells start from their initial values at the current step
//!   (`init_state()` and a start event, see `driver.py`), as on the native
//!   engine. NEURON 9 cannot add instances of a mechanism type that had
//!   none at the first `finitialize`, so one dummy of each of ours exists
//!   from setup on; a user-defined mechanism (`NeuronCell::MECHANISM`)
//!   first used after a run is a clear error (create it before, or
//!   `reset()`). Our mechanisms keep scalar RANGE variables only (NEURON
//!   9's SaveState, used when a recording starts between runs, rejects
//!   RANGE arrays).
//! * Spikes are recorded for every cell and filtered by the recording plan
//!   in force when they are read.

mod gap;
pub mod mechanisms;
mod plastic;
pub mod translate;

pub use mechanisms::{MECHANISMS, compiled_mechanisms};

pub use crate::external::process::{INSTALL_HINT, find_python};

use crate::external::backend::{External, Pop};
use crate::external::mirror::{self, SynapticUpdate};
use crate::external::process::{Driver, DriverSpec};
use crate::external::protocol::{self, Request, RunInputs, SignalRequest};
use crate::external::replay;
use crate::external::{Launcher, Simulator};
use crate::native::kernel::{BuildContext, Kernel, NativeCell};
use pynn_core::backend::*;
use pynn_core::cells::Composition;
use pynn_core::cells::*;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use translate::{Kind, NeuronModel};

/// The driver script (run by the session's Python process(es)).
pub const DRIVER: &str = include_str!("driver.py");

const SPEC: DriverSpec = DriverSpec { backend: "NEURON", simulator: "NEURON", script: DRIVER, tag: "neuron" };

/// The NEURON backend. Select it with `Sim::<Neuron>::setup(...)`; on
/// several MPI ranks with `Sim::<Neuron>::setup_with(setup, NeuronOptions {
/// ranks: 2, ..Default::default() })`.
pub type Neuron = External<NeuronSim>;

/// NEURON as seen by the external layer: its own state of a session.
pub struct NeuronSim {
    /// The compiled mechanisms.
    lib: PathBuf,
    /// MPI ranks.
    ranks: usize,
    /// The injected current of each cell at the end of the last run.
    last_current: BTreeMap<u32, f64>,
    /// Plastic projections (`plastic.rs`).
    plastic: plastic::PlasticSet,
}

/// Options of the NEURON backend (`Sim::<Neuron>::setup_with(setup, options)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeuronOptions {
    /// MPI ranks (default 1: one process, no MPI). With more, `min_delay`
    /// must be at least 2 time steps.
    pub ranks: usize,
    /// How the ranks are started (default `mpirun` on this host, or
    /// `$PYNN_MPIRUN`); [`Launcher::srun`] uses the batch system's allocation,
    /// [`Launcher::mpirun_with_hostfile`] spreads the ranks over machines.
    pub launcher: Launcher,
}

impl Default for NeuronOptions {
    fn default() -> Self {
        NeuronOptions { ranks: 1, launcher: Launcher::default() }
    }
}

fn err(message: impl Into<String>) -> Error {
    NeuronSim::err(message)
}

/// How a population's cells are made in NEURON.
#[derive(Debug, Clone, Copy)]
enum Model {
    /// A row of the translation table.
    Table(&'static NeuronModel),
    /// A NEURON mechanism by name (user-defined cell type, [`NeuronCell::MECHANISM`]):
    /// parameters, state variables and recordables under their PyNN names.
    Native(&'static str),
    /// PyNN's composed `PointNeuron` (`PynnPointNeuron`, [`translate::point`]);
    /// the composition is the population's `comp`.
    Point,
}

/// NEURON's part of a population.
pub struct NeuronPop {
    model: Model,
    source: Option<Box<dyn Kernel>>,
    /// GIF_cond_exp: uniform numbers each cell has drawn from its stream in
    /// earlier segments (the streams continue across `reset()`, as native's).
    draws: Vec<f64>,
    /// The composition of a `PointNeuron` population.
    comp: Option<Composition>,
}

impl NeuronPop {
    /// (live variable, factor) of recordable `name`.
    fn recorded_var(&self, name: &str) -> Option<(String, f64)> {
        match self.model {
            Model::Table(m) => m.var(name).map(|v| (v.nrn.to_string(), v.factor)),
            Model::Point => self.comp.as_ref().and_then(|c| translate::point::var(c, name)).map(|(v, _, f)| (v, f)),
            Model::Native(_) => Some((name.to_string(), 1.0)),
        }
    }
}

/// NEURON's part of a projection.
pub struct NeuronProj {
    /// PyNN weight -> the mechanism's units.
    factor: f64,
}

impl Neuron {
    /// The number of MPI ranks NEURON runs on.
    pub fn ranks(&self) -> usize {
        self.sim.ranks
    }

    /// NEURON's version (e.g. `"9.0.2"`).
    pub fn neuron_version(&self) -> &str {
        &self.version
    }

    fn params_json(&self, pop: PopId) -> Result<Map<String, Json>> {
        let p = self.pop(pop)?;
        let dt = self.cfg.timestep;
        let list: Vec<(String, Vec<f64>)> = match p.model {
            Model::Table(m) => {
                m.translate_parameters(&p.params, dt).into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            }
            Model::Point => translate::point::parameters(self.comp(pop)?, &p.params, dt),
            Model::Native(_) => p
                .params
                .specs()
                .iter()
                .filter_map(|s| {
                    p.params.column(s.name).and_then(Column::as_scalar).map(|v| (s.name.to_string(), v.to_vec()))
                })
                .collect(),
        };
        Ok(list.into_iter().map(|(k, v)| (k, json!(v))).collect())
    }

    /// (mechanism parameter of the initial value, live variable, factor).
    fn state_names(&self, pop: PopId, variable: &str) -> Result<(String, String, f64)> {
        let p = self.pop(pop)?;
        match p.model {
            Model::Table(m) => {
                let v = m.var(variable).ok_or_else(|| {
                    Error::unknown_name(
                        format!("population \"{}\" on NEURON", p.label),
                        "state variable",
                        variable,
                        m.vars.iter().map(|v| v.pynn),
                    )
                })?;
                Ok((v.init.to_string(), v.nrn.to_string(), v.factor))
            }
            Model::Point => {
                let comp = self.comp(pop)?;
                let (live, init, f) = translate::point::var(comp, variable).ok_or_else(|| {
                    Error::unknown_name(
                        format!("population \"{}\" on NEURON", p.label),
                        "state variable",
                        variable,
                        translate::point::names(comp).iter().map(String::as_str),
                    )
                })?;
                Ok((init, live, f))
            }
            Model::Native(_) => Ok((String::new(), variable.to_string(), 1.0)),
        }
    }

    fn comp(&self, pop: PopId) -> Result<&Composition> {
        self.pop(pop)?.comp.as_ref().ok_or_else(|| err(format!("population {pop} has no PointNeuron composition")))
    }

    fn create(
        &mut self,
        spec: &PopulationSpec<'_>,
        model: Model,
        comp: Option<Composition>,
        source: Option<Box<dyn Kernel>>,
    ) -> Result<()> {
        self.admit(spec, NeuronPop { model, source, draws: vec![0.0; spec.size], comp })
    }

    /// The spike sources' spikes of steps `a..b` (global cell, step), from
    /// the native kernels.
    fn source_spikes(&mut self, a: u64, b: u64) -> Result<(Vec<i64>, Vec<i64>)> {
        let (mut cells, mut steps) = (Vec::new(), Vec::new());
        for p in &mut self.pops {
            let size = p.size;
            let Some(kernel) = p.sim.source.as_mut() else { continue };
            // time stamp 0: the driver delivers them through the sources'
            // NetCons directly (see driver.py, cmd_run)
            for (c, s) in replay::step_source(kernel.as_mut(), size, a, b, true) {
                cells.push((p.offset + c as usize) as i64);
                steps.push(s as i64);
            }
        }
        Ok((cells, steps))
    }

    /// The injected current changes in steps `a..b`: (steps, counts, cells, values).
    #[allow(clippy::type_complexity)]
    fn current_changes(&mut self, a: u64, b: u64) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<f64>) {
        let n = (b - a) as usize;
        let mut total = self.summed_currents(a, b);
        for cell in self.sim.last_current.keys() {
            total.entry(*cell).or_insert_with(|| vec![0.0; n]);
        }
        let mut changes: BTreeMap<u64, Vec<(u32, f64)>> = BTreeMap::new();
        for (cell, row) in &total {
            let mut last = self.sim.last_current.get(cell).copied().unwrap_or(0.0);
            for (k, x) in row.iter().enumerate() {
                if *x != last {
                    changes.entry(a + k as u64).or_default().push((*cell, *x));
                    last = *x;
                }
            }
            self.sim.last_current.insert(*cell, last);
        }
        let (mut steps, mut counts, mut cells, mut values) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (s, list) in changes {
            steps.push(s as i64);
            counts.push(list.len() as i64);
            for (c, x) in list {
                cells.push(i64::from(c));
                values.push(x);
            }
        }
        (steps, counts, cells, values)
    }
}

impl Simulator for NeuronSim {
    const NAME: &'static str = "NEURON";
    const SPEC: DriverSpec = SPEC;
    type Options = NeuronOptions;
    type Pop = NeuronPop;
    type Proj = NeuronProj;

    fn start(config: &SimConfig, options: &NeuronOptions) -> Result<(Self, Driver, String)> {
        let ranks = options.ranks;
        crate::external::check_ranks("NEURON", ranks, config)?;
        let python = find_python();
        if ranks > 1 {
            options.launcher.check("NEURON", ranks)?;
        }
        let (driver, hello) = Driver::start_with(&python, SPEC, &options.launcher.command(ranks))?;
        let hello = protocol::hello(&hello);
        let nhost = hello.nhost.unwrap_or(1);
        if nhost != ranks {
            return Err(err(format!(
                "NEURON runs on {nhost} process(es) instead of {ranks}: its MPI support did not start (is openmpi \
                 installed? `apt-get install openmpi-bin libopenmpi-dev`)"
            )));
        }
        let lib = compiled_mechanisms(&python)?;
        let version = hello.version.unwrap_or_else(|| "?".into());
        let sim = NeuronSim { lib, ranks, last_current: BTreeMap::new(), plastic: plastic::PlasticSet::default() };
        Ok((sim, driver, version))
    }

    fn setup_request(b: &mut Neuron) -> Result<Request> {
        let lib = b.sim.lib.to_string_lossy().into_owned();
        let mut setup = protocol::setup(b.cfg.timestep);
        if let Request::Setup { min_delay, lib: l, .. } = &mut setup {
            (*min_delay, *l) = (Some(b.cfg.min_delay), Some(lib));
        }
        Ok(setup)
    }

    fn create(b: &Neuron, pop: PopId) -> Result<Request> {
        let p = b.pop(pop)?;
        let mut init = Map::new();
        let mut live = Map::new();
        for spec in p.initial.specs() {
            let (init_name, var, f) = b.state_names(pop, spec.name)?;
            let values: Vec<f64> = p.initial.scalar(spec.name).iter().map(|x| x * f).collect();
            if init_name.is_empty() {
                live.insert(var, json!(values));
            } else {
                init.insert(init_name, json!(values));
            }
        }
        let (mechanism, kind) = match p.model {
            Model::Table(m) => (m.mechanism, if m.kind == Kind::Source { "source" } else { "cell" }),
            Model::Point => (translate::point::MECHANISM, "cell"),
            Model::Native(name) => (name, "cell"),
        };
        let mut params = if kind == "source" { Map::new() } else { b.params_json(pop)? };
        if mechanism == "PynnGif" {
            // The escape noise reads the native kernel's streams by position
            // (nmodl/pynn_rkf45.inc): key of (seed, population, "gif"),
            // stream = the cell's index in the population (native/gif.rs).
            let key = replay::gif_stream(b.cfg.seed, pop).get_seed();
            for (j, w) in key.chunks(4).enumerate() {
                let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                params.insert(format!("key_{j}"), json!(vec![f64::from(word); p.size]));
            }
            params.insert("stream".into(), json!((0..p.size).map(|i| i as f64).collect::<Vec<_>>()));
            params.insert("ndraw0".into(), json!(p.draws));
        }
        Ok(Request::Create {
            pop,
            offset: p.offset,
            n: p.size,
            kind: kind.into(),
            model: None,
            mechanism: Some(mechanism.into()),
            params: Some(Json::Object(params)),
            spike_steps: None,
            state: init,
            live_state: Some(live),
        })
    }

    fn check_parameters(b: &Neuron, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let p = b.pop(pop)?;
        match p.model {
            Model::Table(m) => m.check(parameters, &p.label),
            _ => Ok(()),
        }
    }

    fn send_parameters(b: &mut Neuron, pop: PopId, parameters: &ParamTable) -> Result<()> {
        if let Some(k) = b.pops[pop].sim.source.as_mut() {
            return k.set_parameters(parameters);
        }
        if b.built {
            let params = Some(Json::Object(b.params_json(pop)?));
            b.link.request(&Request::SetParams { pop, params, spike_steps: None, run_end: None })?;
        }
        Ok(())
    }

    fn state_request(
        b: &mut Neuron,
        pop: PopId,
        variable: &str,
        cells: &[usize],
        values: &[f64],
    ) -> Result<Option<Request>> {
        let (init, live, f) = b.state_names(pop, variable)?;
        if let Some(k) = b.pops[pop].sim.source.as_mut() {
            k.initialize(variable, cells, values)?;
        }
        let native: Vec<f64> = values.iter().map(|x| x * f).collect();
        let mut init_map = Map::new();
        if !init.is_empty() {
            init_map.insert(init, json!(native.clone()));
        }
        let live = [(live, json!(native))].into_iter().collect();
        Ok(Some(Request::SetState { pop, cells: cells.to_vec(), state: init_map, live: Some(live) }))
    }

    fn projection(b: &mut Neuron, spec: &ProjectionSpec<'_>, c: &Connections) -> Result<NeuronProj> {
        if matches!(spec.synapse, SynapseKind::Gap) {
            return b.gap_projection(spec, c); // gap.rs
        }
        let factor = match c.post.first().and_then(|t| b.cells.owner(*t)).map(|o| &b.pops[o].sim) {
            Some(NeuronPop { model: Model::Table(m), .. }) => m.weight_factor,
            Some(NeuronPop { model: Model::Point, comp: Some(comp), .. }) => translate::point::weight_factor(comp),
            _ => 1.0,
        };
        if !matches!(spec.synapse, SynapseKind::Static) {
            b.connect_plastic(spec, c, factor)?;
            if b.built {
                b.plastic_setup()?;
            }
        }
        Ok(NeuronProj { factor })
    }

    fn send_connect(b: &mut Neuron, proj: ProjId) -> Result<()> {
        if matches!(b.projs[proj].synapse, SynapseKind::Gap) {
            return b.send_gap(proj);
        }
        if b.sim.plastic.contains(proj) {
            return Ok(()); // no NetCons: events from plastic.rs
        }
        let pr = &b.projs[proj];
        let weight: Vec<f64> = pr.conns.weight.iter().map(|w| w * pr.factor).collect();
        let (pre, post, delay, receptor) =
            (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.delay.clone(), pr.receptor_index);
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
            receptor_type: None,
            synapse: None,
            receptor: Some(receptor),
            on_pre: None,
            weight_unit: None,
            plastic: None,
        })
        .map(drop)
    }

    fn built(b: &mut Neuron) -> Result<()> {
        if b.sim.plastic.is_active() { b.plastic_setup() } else { Ok(()) }
    }

    fn synaptic(b: &Neuron, proj: ProjId, name: &str) -> Option<Result<Vec<f64>>> {
        b.plastic_get(proj, name)
    }

    fn set_plastic(b: &mut Neuron, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        b.plastic_set(proj, name, values)
    }

    fn send_synaptic(b: &mut Neuron, proj: ProjId, name: &str, _values: &[f64], update: &SynapticUpdate) -> Result<()> {
        let factor = b.projs[proj].factor;
        let native: Vec<f64> = match update {
            SynapticUpdate::Weight(w) => w.iter().map(|w| w * factor).collect(),
            SynapticUpdate::Delay(d) => d.clone(),
        };
        if b.built && !native.is_empty() {
            let d = b.driver()?;
            let values = d.write_npy(name, &native)?;
            d.request(&Request::SetSynaptic { proj, name: name.into(), values })?;
        }
        Ok(())
    }

    fn initialize_synaptic(b: &mut Neuron, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        b.plastic_initialize(proj, name, values)
    }

    fn record_weights(b: &mut Neuron, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        b.plastic_record(proj, interval_steps)
    }

    fn recorded_synaptic_state(b: &Neuron, proj: ProjId, name: &str) -> Result<RawWeights> {
        b.plastic_recorded_state(proj, name)
    }

    fn recorded_weights(b: &Neuron, proj: ProjId) -> Result<RawWeights> {
        b.plastic_recorded(proj)
    }

    fn check_injectable(p: &Pop<NeuronPop>, id: SourceId) -> Result<()> {
        if p.source.is_none() {
            return Ok(());
        }
        Err(err(format!(
            "current source {id}: population \"{}\" is a spike source, not a neuron of this session",
            p.label
        )))
    }

    fn signal(b: &Neuron, pop: PopId, name: &str) -> Option<SignalRequest> {
        let (var, _) = b.pops.get(pop)?.recorded_var(name)?;
        Some(SignalRequest { name: Some(name.to_string()), var, unit: None, cells: Vec::new() })
    }

    fn signal_name(p: &Pop<NeuronPop>, _var: &str, name: Option<&str>) -> Result<(String, f64)> {
        let name = name.unwrap_or("");
        Ok((name.to_string(), p.recorded_var(name).map_or(1.0, |(_, f)| f)))
    }

    fn run(b: &mut Neuron, step: u64) -> Result<()> {
        if b.sim.plastic.is_active() {
            return b.run_plastic(step);
        }
        let a = b.step;
        let (src_cells, src_steps) = b.source_spikes(a, step)?;
        let (cur_steps, counts, cells, values) = b.current_changes(a, step);
        let d = b.driver()?;
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
        d.request(&Request::Run { step, inputs })?;
        b.step = step;
        Ok(())
    }

    fn reset(b: &mut Neuron) -> Result<()> {
        if b.built {
            for pop in 0..b.pops.len() {
                if matches!(b.pops[pop].model, Model::Table(m) if m.mechanism == "PynnGif") {
                    let a = b.link.request(&Request::Get { pop, var: "ndraw".into() })?;
                    let draws: Vec<f64> =
                        a["values"].as_array().map(|v| v.iter().filter_map(Json::as_f64).collect()).unwrap_or_default();
                    if draws.len() != b.pops[pop].size {
                        return Err(err(format!("population {pop}: {} draw counts read back", draws.len())));
                    }
                    b.pops[pop].sim.draws = draws;
                }
            }
            b.link.request(&Request::Reset)?;
        }
        b.sim.last_current.clear();
        b.sim.plastic.reset();
        for p in &mut b.pops {
            if let Some(k) = p.sim.source.as_mut() {
                k.reset();
            }
        }
        Ok(())
    }
}

/// A cell type the NEURON backend can create.
///
/// Standard types are translated by [`translate::MODELS`] (those without a
/// row fail at creation with a clear error). A user-defined [`CellType`]
/// runs a NEURON mechanism of that name (PyNN's `native_cell_type`
/// analogue, minimal form): set [`NeuronCell::MECHANISM`]; its parameters,
/// state variables and recordables are the mechanism's RANGE variables under
/// the same names (state values are set after `finitialize`), and a
/// connection's weight is the NetCon's `weight[0]` (`weight[1]`, if the
/// mechanism's NET_RECEIVE has a second argument, is the receptor index).
#[diagnostic::on_unimplemented(
    message = "the NEURON backend cannot simulate `{Self}` cells: `{Self}` does not implement `NeuronCell`",
    label = "no NEURON mechanism for `{Self}`",
    note = "implement `pynn::backends::neuron::NeuronCell` for `{Self}`, naming its NMODL mechanism (`const MECHANISM: Option<&'static str> = Some(\"...\")`)"
)]
pub trait NeuronCell: CellType {
    /// The NEURON mechanism of a user-defined cell type (`None`: a standard
    /// type, looked up in the translation table).
    const MECHANISM: Option<&'static str> = None;

    /// The Rust generator of a spike source's trains (standard sources).
    fn source_kernel(
        _params: &ParamTable,
        _initial: &ParamTable,
        _ctx: &BuildContext,
    ) -> Option<Result<Box<dyn Kernel>>> {
        None
    }
}

/// Every standard type: the spike sources (not injectable) generate their
/// trains with the native kernels; the neurons are NEURON mechanisms.
macro_rules! neuron_cells {
    ($($t:ty),* $(,)?) => { $(
        impl NeuronCell for $t {
            fn source_kernel(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Option<Result<Box<dyn Kernel>>> {
                (!<$t as CellType>::INJECTABLE).then(|| <$t as NativeCell>::build(params, initial, ctx))
            }
        }
    )* };
}
pynn_core::for_each_standard_cell!(neuron_cells);
impl NeuronCell for PointNeuron {}

impl<C: NeuronCell> Supports<C> for Neuron {
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
        let mut comp = None;
        let model = match C::MECHANISM {
            Some(name) => Model::Native(name),
            None if C::NAME == "PointNeuron" => {
                let c = spec.composition.clone().ok_or_else(|| {
                    err(format!("population \"{}\": a PointNeuron without its composition", spec.label))
                })?;
                translate::point::check(&c, spec.label)?;
                comp = Some(c);
                Model::Point
            }
            None => {
                let m = translate::model(C::NAME).ok_or_else(|| {
                    err(format!(
                        "{} has no NEURON mechanism in pynn-rs yet (supported: {})",
                        C::NAME,
                        translate::MODELS.iter().map(|m| m.pynn).collect::<Vec<_>>().join(", ")
                    ))
                })?;
                // Every parameter the mechanism's translation reads (and
                // GIF's kernels) must be in the cell type's schema.
                let mut needed = mirror::names_read(spec.size.max(1), |get| {
                    (m.params)(get, self.cfg.timestep);
                });
                if m.sequences.is_some() {
                    needed.extend(["tau_eta", "a_eta", "tau_gamma", "a_gamma"].map(String::from));
                }
                let needed = needed.iter().map(String::as_str);
                mirror::require_parameters("NEURON", spec.label, C::NAME, spec.parameters, needed)?;
                m.check(spec.parameters, spec.label)?;
                Model::Table(m)
            }
        };
        let ctx = replay::context(&self.cfg, spec.id, spec.label);
        let source = C::source_kernel(spec.parameters, spec.initial_values, &ctx).transpose()?;
        self.create(spec, model, comp, source)
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
        assert!(text.contains(INSTALL_HINT) && text.contains("NEURON"), "{text}");
    }

    #[test]
    fn interpreter_without_neuron_names_the_install_command() {
        // The system Python, unless NEURON is installed there.
        let Ok(out) = std::process::Command::new("python3").args(["-c", "import neuron"]).output() else { return };
        if out.status.success() {
            return;
        }
        let Err(e) = Driver::start(Path::new("python3"), SPEC) else { panic!("started without NEURON") };
        let text = e.to_string();
        assert!(text.contains("cannot import NEURON") && text.contains(INSTALL_HINT), "{text}");
    }
}
