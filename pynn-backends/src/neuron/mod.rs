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
//!   [`CurrentSourceSpec::sample`]'s (so noise equals the core's); runs are
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

mod plastic;
pub mod translate;

pub use crate::external::process::{INSTALL_HINT, find_python};

use crate::external::mirror::{self, Cells, SynapticUpdate};
use crate::external::process::{Driver, DriverSpec};
use crate::external::protocol::{self, Request, SignalRequest};
use crate::external::replay;
use crate::external::{Launcher, Link, Simulator};
use crate::native::kernel::{BuildContext, Kernel, NativeCell};
use pynn_core::backend::*;
use pynn_core::cells::Composition;
use pynn_core::cells::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use translate::{Kind, NeuronModel};

/// The driver script (run by the session's Python process(es)).
pub const DRIVER: &str = include_str!("driver.py");

/// The NMODL sources compiled on first use (file name, text).
pub const MECHANISMS: &[(&str, &str)] = &[
    ("pynn_iaf_curr.mod", include_str!("nmodl/pynn_iaf_curr.mod")),
    ("pynn_izhikevich.mod", include_str!("nmodl/pynn_izhikevich.mod")),
    ("pynn_ode.mod", include_str!("nmodl/pynn_ode.mod")),
    ("pynn_spike_source.mod", include_str!("nmodl/pynn_spike_source.mod")),
    ("pynn_gif.mod", include_str!("nmodl/pynn_gif.mod")),
    ("pynn_point.mod", include_str!("nmodl/pynn_point.mod")),
    // C helpers (RKF45, ChaCha8) included by the mechanisms above (NMODL `INCLUDE`)
    ("pynn_rkf45.inc", include_str!("nmodl/pynn_rkf45.inc")),
];

const SPEC: DriverSpec = DriverSpec { backend: "NEURON", simulator: "NEURON", script: DRIVER, tag: "neuron" };

/// NEURON as seen by the external layer.
pub struct NeuronSim;

impl Simulator for NeuronSim {
    const NAME: &'static str = "NEURON";
    const SPEC: DriverSpec = SPEC;
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
    Error::Backend { backend: "NEURON", message: message.into() }
}

/// FNV-1a of the mechanism sources: the cache key of the compiled library.
fn sources_hash() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in MECHANISMS {
        for b in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn cache_root() -> PathBuf {
    if let Some(p) = std::env::var_os("PYNN_NEURON_CACHE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        Some(home) => Path::new(&home).join(".cache").join("pynn-rs"),
        None => std::env::temp_dir().join("pynn-rs-cache"),
    }
}

/// NEURON 9 puts the library in `<arch>/libnrnmech.so` (older versions in
/// `<arch>/.libs/`).
fn library_in(dir: &Path) -> PathBuf {
    let arch = dir.join(std::env::consts::ARCH);
    let old = arch.join(".libs").join("libnrnmech.so");
    if old.exists() { old } else { arch.join("libnrnmech.so") }
}

/// Compiles the project's mechanisms with `nrnivmodl` (next to `python`) if
/// the cache has no library for the current sources; returns the library.
///
/// Concurrent sessions compile in private directories and the first to
/// finish renames its directory into place.
pub fn compiled_mechanisms(python: &Path) -> Result<PathBuf> {
    compile_in(&cache_root(), python)
}

fn compile_in(root: &Path, python: &Path) -> Result<PathBuf> {
    let dir = root.join(format!("neuron-mechanisms-{:016x}", sources_hash()));
    let lib = library_in(&dir);
    if lib.exists() {
        return Ok(lib);
    }
    let parent = dir.parent().expect("cache dir has a parent");
    std::fs::create_dir_all(parent).map_err(|e| err(format!("cannot create {}: {e}", parent.display())))?;
    let tmp = parent.join(format!(
        "tmp-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    std::fs::create_dir_all(&tmp).map_err(|e| err(format!("cannot create {}: {e}", tmp.display())))?;
    for (name, text) in MECHANISMS {
        std::fs::write(tmp.join(name), text).map_err(|e| err(format!("cannot write {name}: {e}")))?;
    }
    let nrnivmodl = match python.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(bin) if bin.join("nrnivmodl").exists() => bin.join("nrnivmodl"),
        _ => PathBuf::from("nrnivmodl"),
    };
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(bin) = python.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut p = bin.as_os_str().to_owned();
        p.push(":");
        p.push(&path);
        path = p;
    }
    let mut command = std::process::Command::new(&nrnivmodl);
    command.current_dir(&tmp).env("PATH", path);
    let timeout = crate::pyproc::driver_timeout()?;
    let out =
        crate::pyproc::run_timed(&mut command, "NEURON", "compiling the NEURON mechanisms", timeout).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            match e {
                Error::Backend { message, .. } if message.starts_with("cannot run") => err(format!(
                    "{message}. Install NEURON with `{INSTALL_HINT}` in the workspace root, or set PYNN_PYTHON to \
                     an interpreter that has it"
                )),
                other => other,
            }
        })?;
    if !out.status.success() || !library_in(&tmp).exists() {
        let _ = std::fs::remove_dir_all(&tmp);
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        return Err(err(format!(
            "nrnivmodl failed ({}):\n{}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )));
    }
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another session got there first.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if lib.exists() { Ok(lib) } else { Err(err(format!("no compiled library at {}", lib.display()))) }
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

struct PopMirror {
    model: Model,
    label: String,
    offset: usize,
    size: usize,
    params: ParamTable,
    initial: ParamTable,
    plan: RecordingPlan,
    source: Option<Box<dyn Kernel>>,
    /// GIF_cond_exp: uniform numbers each cell has drawn from its stream in
    /// earlier segments (the streams continue across `reset()`, as native's).
    draws: Vec<f64>,
    /// The composition of a `PointNeuron` population.
    comp: Option<Composition>,
}

struct ProjMirror {
    receptor: usize,
    factor: f64,
    conns: Connections,
}

/// The NEURON backend. Select it with `Sim::<Neuron>::setup(...)`; on
/// several MPI ranks with `Sim::<Neuron>::setup_with(setup, NeuronOptions {
/// ranks: 2, ..Default::default() })`.
pub struct Neuron {
    cfg: SimConfig,
    lib: PathBuf,
    link: Link,
    /// MPI ranks.
    ranks: usize,
    version: String,
    built: bool,
    step: u64,
    pops: Vec<PopMirror>,
    projs: Vec<ProjMirror>,
    currents: Vec<Option<(CurrentSourceSpec, Vec<u32>)>>,
    last_current: BTreeMap<u32, f64>,
    cells: Cells,
    /// Plastic projections (`plastic.rs`).
    plastic: plastic::PlasticSet,
}

impl std::fmt::Debug for Neuron {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Neuron({} populations, {} projections, NEURON {}, {} processes)",
            self.pops.len(),
            self.projs.len(),
            self.version,
            self.ranks
        )
    }
}

impl Neuron {
    /// The number of MPI ranks NEURON runs on.
    pub fn ranks(&self) -> usize {
        self.ranks
    }

    /// NEURON's version (e.g. `"9.0.2"`).
    pub fn neuron_version(&self) -> &str {
        &self.version
    }

    fn driver(&mut self) -> Result<&mut Driver> {
        self.link.driver()
    }

    fn pop(&self, pop: PopId) -> Result<&PopMirror> {
        self.pops.get(pop).ok_or_else(|| err(format!("no population {pop}")))
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

    /// (live variable, factor) of recordable `name`.
    fn recorded_var(&self, pop: PopId, name: &str) -> Option<(String, f64)> {
        let p = self.pops.get(pop)?;
        match p.model {
            Model::Table(m) => m.var(name).map(|v| (v.nrn.to_string(), v.factor)),
            Model::Point => p.comp.as_ref().and_then(|c| translate::point::var(c, name)).map(|(v, _, f)| (v, f)),
            Model::Native(_) => Some((name.to_string(), 1.0)),
        }
    }

    fn create_command(&self, pop: PopId) -> Result<Json> {
        let p = self.pop(pop)?;
        let mut init = Map::new();
        let mut live = Map::new();
        for spec in p.initial.specs() {
            let (init_name, var, f) = self.state_names(pop, spec.name)?;
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
        let mut params = if kind == "source" { Map::new() } else { self.params_json(pop)? };
        if mechanism == "PynnGif" {
            // The escape noise reads the native kernel's streams by position
            // (nmodl/pynn_rkf45.inc): key of (seed, population, "gif"),
            // stream = the cell's index in the population (native/gif.rs).
            let key = replay::gif_stream(self.cfg.seed, pop).get_seed();
            for (j, w) in key.chunks(4).enumerate() {
                let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                params.insert(format!("key_{j}"), json!(vec![f64::from(word); p.size]));
            }
            params.insert("stream".into(), json!((0..p.size).map(|i| i as f64).collect::<Vec<_>>()));
            params.insert("ndraw0".into(), json!(p.draws));
        }
        Ok(json!({
            "cmd": "create", "pop": pop, "offset": p.offset, "n": p.size, "kind": kind,
            "mechanism": mechanism, "params": params, "state": init, "live_state": live,
        }))
    }

    fn send_connect(&mut self, proj: ProjId) -> Result<()> {
        if self.plastic.contains(proj) {
            return Ok(()); // no NetCons: events from plastic.rs
        }
        let pr = &self.projs[proj];
        let weight: Vec<f64> = pr.conns.weight.iter().map(|w| w * pr.factor).collect();
        let (pre, post, delay, receptor) =
            (pr.conns.pre.clone(), pr.conns.post.clone(), pr.conns.delay.clone(), pr.receptor);
        let d = self.driver()?;
        let cmd = json!({
            "cmd": "connect", "proj": proj, "receptor": receptor,
            "pre": d.write_npy("pre", &pre)?, "post": d.write_npy("post", &post)?,
            "weight": d.write_npy("weight", &weight)?, "delay": d.write_npy("delay", &delay)?,
        });
        d.call(cmd).map(drop)
    }

    fn record_command(&self, pop: PopId) -> Result<Request> {
        let p = self.pop(pop)?;
        let mut signals = Vec::new();
        for (name, cells) in &p.plan.signals {
            let var = self.recorded_var(pop, name).map(|(v, _)| v).ok_or_else(|| Error::Recording {
                object: format!("population \"{}\"", p.label),
                message: format!("`{name}` cannot be recorded on NEURON"),
            })?;
            signals.push(SignalRequest { name: Some(name.clone()), var, unit: None, cells: cells.clone() });
        }
        Ok(Request::Record {
            pop,
            spikes: p.plan.spikes.clone(),
            signals,
            interval_steps: p.plan.interval_steps.max(1),
        })
    }

    fn build(&mut self) -> Result<()> {
        let lib = self.lib.to_string_lossy().into_owned();
        let c = &self.cfg;
        let mut setup = protocol::setup(c.timestep);
        if let Request::Setup { min_delay, lib: l, .. } = &mut setup {
            (*min_delay, *l) = (Some(c.min_delay), Some(lib));
        }
        self.link.request(&setup)?;
        for pop in 0..self.pops.len() {
            let cmd = self.create_command(pop)?;
            self.driver()?.call(cmd)?;
        }
        for proj in 0..self.projs.len() {
            self.send_connect(proj)?;
        }
        if self.plastic.is_active() {
            self.plastic_setup()?;
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

    fn create(
        &mut self,
        spec: &PopulationSpec<'_>,
        model: Model,
        comp: Option<Composition>,
        source: Option<Box<dyn Kernel>>,
    ) -> Result<()> {
        self.cells.admit("NEURON", spec, self.pops.len())?;
        self.pops.push(PopMirror {
            model,
            label: spec.label.to_string(),
            offset: spec.offset,
            size: spec.size,
            params: spec.parameters.clone(),
            initial: spec.initial_values.clone(),
            plan: RecordingPlan { interval_steps: 1, ..RecordingPlan::default() },
            source,
            draws: vec![0.0; spec.size],
            comp,
        });
        if self.built {
            let res = self.create_command(spec.id).and_then(|c| self.driver()?.call(c));
            if let Err(e) = res {
                self.pops.pop();
                self.cells.retract(spec);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The spike sources' spikes of steps `a..b` (global cell, step), from
    /// the native kernels.
    fn source_spikes(&mut self, a: u64, b: u64) -> Result<(Vec<i64>, Vec<i64>)> {
        let (mut cells, mut steps) = (Vec::new(), Vec::new());
        for p in &mut self.pops {
            let Some(kernel) = p.source.as_mut() else { continue };
            // time stamp 0: the driver delivers them through the sources'
            // NetCons directly (see driver.py, cmd_run)
            for (c, s) in replay::step_source(kernel.as_mut(), p.size, a, b, true) {
                cells.push((p.offset + c as usize) as i64);
                steps.push(s as i64);
            }
        }
        Ok((cells, steps))
    }

    /// The injected current changes in steps `a..b`: (steps, counts, cells, values).
    #[allow(clippy::type_complexity)]
    fn current_changes(&mut self, a: u64, b: u64) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<f64>) {
        let dt = self.cfg.timestep;
        let n = (b - a) as usize;
        let mut total: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        let mut buf = Vec::new();
        for (spec, targets) in self.currents.iter().flatten() {
            spec.sample(dt, a, b, &mut buf);
            for t in targets {
                let row = total.entry(*t).or_insert_with(|| vec![0.0; n]);
                row.iter_mut().zip(&buf).for_each(|(r, x)| *r += x);
            }
        }
        for cell in self.last_current.keys() {
            total.entry(*cell).or_insert_with(|| vec![0.0; n]);
        }
        let mut changes: BTreeMap<u64, Vec<(u32, f64)>> = BTreeMap::new();
        for (cell, row) in &total {
            let mut last = self.last_current.get(cell).copied().unwrap_or(0.0);
            for (k, x) in row.iter().enumerate() {
                if *x != last {
                    changes.entry(a + k as u64).or_default().push((*cell, *x));
                    last = *x;
                }
            }
            self.last_current.insert(*cell, last);
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

impl Backend for Neuron {
    const NAME: &'static str = "NEURON";
    type Options = NeuronOptions;

    fn setup(config: &SimConfig, options: &NeuronOptions) -> Result<Self> {
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
        Ok(Neuron {
            cfg: config.clone(),
            lib,
            link: Link::new("NEURON", driver),
            ranks,
            version,
            built: false,
            step: 0,
            pops: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            last_current: BTreeMap::new(),
            cells: Cells::default(),
            plastic: plastic::PlasticSet::default(),
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let p = self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?;
        if let Model::Table(m) = p.model {
            m.check(parameters, &p.label)?;
        }
        // A change NEURON (or the source's kernel) refuses: the mirror keeps
        // what NEURON has.
        mirror::replace_or_restore(
            self,
            |s| &mut s.pops[pop].params,
            parameters.clone(),
            |s| {
                if let Some(k) = s.pops[pop].source.as_mut() {
                    return k.set_parameters(parameters);
                }
                if s.built {
                    let params = s.params_json(pop)?;
                    let params = Some(Json::Object(params));
                    s.link.request(&Request::SetParams { pop, params, spike_steps: None, run_end: None })?;
                }
                Ok(())
            },
        )
    }

    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (init, live, f) = self.state_names(pop, variable)?;
        if let Some(k) = self.pops[pop].source.as_mut() {
            k.initialize(variable, cells, values)?;
        }
        self.pops[pop].initial.assign(variable, cells, Column::Scalar(values.to_vec()));
        if self.built {
            let native: Vec<f64> = values.iter().map(|x| x * f).collect();
            let mut init_map = Map::new();
            if !init.is_empty() {
                init_map.insert(init, json!(native.clone()));
            }
            let live = [(live, json!(native))].into_iter().collect();
            self.link.request(&Request::SetState { pop, cells: cells.to_vec(), state: init_map, live: Some(live) })?;
        }
        Ok(())
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, mut c: Connections) -> Result<()> {
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        self.cells.check("NEURON", "post-synaptic", &c.post)?;
        let factor = match c.post.first().and_then(|t| self.cells.owner(*t)).map(|o| &self.pops[o]) {
            Some(PopMirror { model: Model::Table(m), .. }) => m.weight_factor,
            Some(PopMirror { model: Model::Point, comp: Some(comp), .. }) => translate::point::weight_factor(comp),
            _ => 1.0,
        };
        mirror::round_delays(&mut c, self.cfg.timestep);
        if !matches!(spec.synapse, SynapseKind::Static) {
            self.connect_plastic(spec, &c, factor)?;
            if self.built {
                self.plastic_setup()?;
            }
        }
        self.projs.push(ProjMirror { receptor: spec.receptor.index, factor, conns: c });
        if self.built
            && let Err(e) = self.send_connect(spec.id)
        {
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
        if let Some(values) = self.plastic_get(proj, name) {
            return values;
        }
        match name {
            "weight" => Ok(p.conns.weight.clone()),
            "delay" => Ok(p.conns.delay.clone()),
            _ => Err(Error::unknown_name("NEURON projection", "attribute", name, ["weight", "delay"])),
        }
    }

    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let p = self.projs.get(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if values.len() != p.conns.len() {
            // checked before the plastic projections' own names
            SynapticUpdate::new("NEURON", &p.conns, name, values, self.cfg.timestep)?;
        }
        if let Some(res) = self.plastic_set(proj, name, values) {
            return res;
        }
        let p = &self.projs[proj];
        let update = SynapticUpdate::new("NEURON", &p.conns, name, values, self.cfg.timestep)?;
        let native: Vec<f64> = match &update {
            SynapticUpdate::Weight(w) => w.iter().map(|w| w * p.factor).collect(),
            SynapticUpdate::Delay(d) => d.clone(),
        };
        if self.built && !native.is_empty() {
            let d = self.driver()?;
            let values = d.write_npy(name, &native)?;
            d.request(&Request::SetSynaptic { proj, name: name.into(), values })?;
        }
        update.store(&mut self.projs[proj].conns);
        Ok(())
    }

    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()> {
        if let Some(t) = targets.iter().find(|t| self.cells.owner(**t).is_none_or(|o| self.pops[o].source.is_some())) {
            return Err(err(format!("current source {id}: cell {t} is not a neuron of this session")));
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
        if self.plastic.is_active() {
            return self.run_plastic(step);
        }
        let a = self.step;
        let (src_cells, src_steps) = self.source_spikes(a, step)?;
        let (cur_steps_v, counts, cells, values) = self.current_changes(a, step);
        let d = self.driver()?;
        let mut cmd = protocol::run(step);
        if let Request::Run { src_cells: c, src_steps: s, cur_steps, cur_counts, cur_cells, cur_values, .. } = &mut cmd
        {
            if !src_cells.is_empty() {
                *c = Some(d.write_npy("src_cells", &src_cells)?);
                *s = Some(d.write_npy("src_steps", &src_steps)?);
            }
            if !cur_steps_v.is_empty() {
                *cur_steps = Some(d.write_npy("cur_steps", &cur_steps_v)?);
                *cur_counts = Some(d.write_npy("cur_counts", &counts)?);
                *cur_cells = Some(d.write_npy("cur_cells", &cells)?);
                *cur_values = Some(d.write_npy("cur_values", &values)?);
            }
        }
        d.request(&cmd)?;
        self.step = step;
        Ok(())
    }

    fn reset(&mut self) -> Result<()> {
        // Rebuilt from the mirror at the next run.
        if self.built {
            for pop in 0..self.pops.len() {
                if matches!(self.pops[pop].model, Model::Table(m) if m.mechanism == "PynnGif") {
                    let a = self.link.request(&Request::Get { pop, var: "ndraw".into() })?;
                    let draws: Vec<f64> =
                        a["values"].as_array().map(|v| v.iter().filter_map(Json::as_f64).collect()).unwrap_or_default();
                    if draws.len() != self.pops[pop].size {
                        return Err(err(format!("population {pop}: {} draw counts read back", draws.len())));
                    }
                    self.pops[pop].draws = draws;
                }
            }
            self.link.request(&Request::Reset)?;
        }
        self.built = false;
        self.step = 0;
        self.last_current.clear();
        self.plastic.reset();
        for p in &mut self.pops {
            if let Some(k) = p.source.as_mut() {
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
        let mut rec = self.link.drain(pop, |_, name| Ok((name.unwrap_or("").to_string(), 1.0)))?;
        for s in &mut rec.signals {
            let f = self.recorded_var(pop, &s.name).map_or(1.0, |(_, f)| f);
            if f != 1.0 {
                s.data.iter_mut().for_each(|x| *x /= f);
            }
        }
        Ok(rec)
    }

    fn end(&mut self) -> Result<()> {
        self.link.take();
        Ok(())
    }

    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        self.plastic_initialize(proj, name, values)
    }

    fn record_weights(&mut self, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        self.plastic_record(proj, interval_steps)
    }

    fn recorded_weights(&self, proj: ProjId) -> Result<RawWeights> {
        self.plastic_recorded(proj)
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

    #[test]
    fn missing_nrnivmodl_names_the_install_command() {
        let root = std::env::temp_dir().join(format!("pynn-neuron-nocache-{}", std::process::id()));
        let Err(e) = compile_in(&root, Path::new("/nonexistent/bin/python")) else { panic!("compiled") };
        let _ = std::fs::remove_dir_all(&root);
        assert!(e.to_string().contains(INSTALL_HINT), "{e}");
    }

    #[test]
    fn the_cache_key_depends_on_the_sources() {
        assert_eq!(sources_hash(), sources_hash());
        assert_eq!(MECHANISMS.len(), 7);
        let mods = MECHANISMS.iter().filter(|(name, _)| name.ends_with(".mod"));
        assert!(mods.clone().all(|(_, text)| text.contains("NEURON {")));
        // every INCLUDE names a file that is written next to the .mod files
        for (_, text) in mods {
            for line in text.lines().filter(|l| l.starts_with("INCLUDE")) {
                let file = line.trim_start_matches("INCLUDE").trim().trim_matches('"');
                assert!(MECHANISMS.iter().any(|(n, _)| *n == file), "{file}");
            }
        }
    }
}
