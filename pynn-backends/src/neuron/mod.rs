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
//! * **One Python process per session** (`driver.py`), or `NP` processes
//!   under `mpirun` for `Neuron<NP>`: rank 0 talks to Rust and broadcasts
//!   every command (`ParallelContext.py_broadcast`), cells are distributed
//!   round-robin (`pc.set_gid2node(gid, gid % NP)`), spikes and samples are
//!   gathered to rank 0.
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

pub use crate::pyproc::{INSTALL_HINT, find_python};

use crate::native::kernel::{BuildContext, Kernel, NativeCell, StepInput};
use crate::pyproc::{Driver, DriverSpec};
use pynn_core::backend::*;
use pynn_core::cells::Composition;
use pynn_core::cells::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::random::{ObjectKind, Streams};
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

/// The file a program name (`mpirun`) or path (`/usr/bin/mpirun`) runs:
/// a path as given, a name searched in `PATH`; `None` if no such file.
fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
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

/// The NEURON backend. Select it with `Sim::<Neuron>::setup(...)`; `NP > 1`
/// runs NEURON under `mpirun -np NP` (`Sim::<Neuron<2>>`).
pub struct Neuron<const NP: usize = 1> {
    cfg: SimConfig,
    lib: PathBuf,
    driver: Option<Driver>,
    version: String,
    built: bool,
    step: u64,
    pops: Vec<PopMirror>,
    projs: Vec<ProjMirror>,
    currents: Vec<Option<(CurrentSourceSpec, Vec<u32>)>>,
    last_current: BTreeMap<u32, f64>,
    owner: Vec<u32>,
    /// Plastic projections (`plastic.rs`).
    plastic: plastic::PlasticSet,
}

impl<const NP: usize> std::fmt::Debug for Neuron<NP> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Neuron({} populations, {} projections, NEURON {}, {NP} processes)",
            self.pops.len(),
            self.projs.len(),
            self.version
        )
    }
}

impl<const NP: usize> Neuron<NP> {
    /// NEURON's version (e.g. `"9.0.2"`).
    pub fn neuron_version(&self) -> &str {
        &self.version
    }

    fn driver(&mut self) -> Result<&mut Driver> {
        self.driver.as_mut().ok_or_else(|| err("end() was called; the NEURON process has stopped"))
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
            let key = Streams::new(self.cfg.seed).rng(ObjectKind::Population, pop as u64, "gif", 0).get_seed();
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

    fn record_command(&self, pop: PopId) -> Result<Json> {
        let p = self.pop(pop)?;
        let mut signals = Vec::new();
        for (name, cells) in &p.plan.signals {
            let var = self.recorded_var(pop, name).map(|(v, _)| v).ok_or_else(|| Error::Recording {
                object: format!("population \"{}\"", p.label),
                message: format!("`{name}` cannot be recorded on NEURON"),
            })?;
            signals.push(json!({"name": name, "var": var, "cells": cells}));
        }
        Ok(json!({
            "cmd": "record", "pop": pop, "spikes": p.plan.spikes, "signals": signals,
            "interval_steps": p.plan.interval_steps.max(1),
        }))
    }

    fn build(&mut self) -> Result<()> {
        let lib = self.lib.to_string_lossy().into_owned();
        let c = &self.cfg;
        let setup = json!({"cmd": "setup", "dt": c.timestep, "min_delay": c.min_delay, "lib": lib});
        self.driver()?.call(setup)?;
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
                self.driver()?.call(cmd)?;
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
        if spec.id != self.pops.len() || spec.offset != self.owner.len() {
            return Err(err("populations must be created in order"));
        }
        self.owner.extend(std::iter::repeat_n(spec.id as u32, spec.size));
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
                self.owner.truncate(spec.offset);
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
            let mut out = Vec::new();
            if a == 0 {
                // time stamp 0: the driver delivers them through the
                // sources' NetCons directly (see driver.py, cmd_run)
                kernel.initial_spikes(&mut out);
            }
            for k in a..b {
                kernel.step(&StepInput { step: k, synaptic: &[], current: &[] }, &mut out);
            }
            for (c, s) in out {
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

impl<const NP: usize> Backend for Neuron<NP> {
    const NAME: &'static str = "NEURON";
    type Options = ();

    fn setup(config: &SimConfig, _: &()) -> Result<Self> {
        if NP == 0 {
            return Err(err("Neuron<0>: the number of processes must be at least 1"));
        }
        if NP > 1 && config.min_delay_steps() < 2 {
            return Err(Error::invalid_value(
                format!("Setup for Neuron<{NP}> (MPI)"),
                "min_delay",
                config.min_delay,
                format!(
                    ">= 2 timesteps ({} ms): NEURON exchanges spikes between processes every min_delay and \
                     needs it longer than dt",
                    2.0 * config.timestep
                ),
            ));
        }
        let python = find_python();
        let launcher: Vec<String> = if NP > 1 {
            let mpirun = std::env::var("PYNN_MPIRUN").unwrap_or_else(|_| "mpirun".into());
            if find_program(&mpirun).is_none() {
                return Err(err(format!(
                    "Neuron<{NP}> runs NEURON on {NP} MPI processes with the launcher `{mpirun}` ($PYNN_MPIRUN, \
                     else `mpirun` on PATH), which is not found{}. Install Open MPI (`apt-get install \
                     openmpi-bin libopenmpi-dev`), set PYNN_MPIRUN to the launcher's path, or use `Neuron` (one \
                     process)",
                    if mpirun.contains('/') { "" } else { " on PATH" }
                )));
            }
            vec![mpirun, "--allow-run-as-root".into(), "--oversubscribe".into(), "-np".into(), NP.to_string()]
        } else {
            Vec::new()
        };
        let (driver, hello) = Driver::start_with(&python, SPEC, &launcher)?;
        let nhost = hello["nhost"].as_u64().unwrap_or(1) as usize;
        if nhost != NP {
            return Err(err(format!(
                "NEURON runs on {nhost} process(es) instead of {NP}: its MPI support did not start (is openmpi \
                 installed? `apt-get install openmpi-bin libopenmpi-dev`)"
            )));
        }
        let lib = compiled_mechanisms(&python)?;
        let version = hello["version"].as_str().unwrap_or("?").to_string();
        Ok(Neuron {
            cfg: config.clone(),
            lib,
            driver: Some(driver),
            version,
            built: false,
            step: 0,
            pops: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            last_current: BTreeMap::new(),
            owner: Vec::new(),
            plastic: plastic::PlasticSet::default(),
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let p = self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?;
        if let Model::Table(m) = p.model {
            m.check(parameters, &p.label)?;
        }
        p.params = parameters.clone();
        if let Some(k) = p.source.as_mut() {
            return k.set_parameters(parameters);
        }
        if self.built {
            let params = self.params_json(pop)?;
            self.driver()?.call(json!({"cmd": "set_params", "pop": pop, "params": params}))?;
        }
        Ok(())
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
                init_map.insert(init, json!(native));
            }
            let cmd =
                json!({"cmd": "set_state", "pop": pop, "cells": cells, "state": init_map, "live": {live: native}});
            self.driver()?.call(cmd)?;
        }
        Ok(())
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, mut c: Connections) -> Result<()> {
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        if let Some(t) = c.post.iter().find(|t| **t as usize >= self.owner.len()) {
            return Err(err(format!("post-synaptic cell {t} does not exist")));
        }
        let factor = match c.post.first().map(|t| &self.pops[self.owner[*t as usize] as usize]) {
            Some(PopMirror { model: Model::Table(m), .. }) => m.weight_factor,
            Some(PopMirror { model: Model::Point, comp: Some(comp), .. }) => translate::point::weight_factor(comp),
            _ => 1.0,
        };
        let dt = self.cfg.timestep;
        c.delay.iter_mut().for_each(|d| *d = (*d / dt).round() * dt);
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
        let dt = self.cfg.timestep;
        let p = self.projs.get_mut(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if values.len() != p.conns.len() {
            return Err(Error::LengthMismatch {
                object: "NEURON projection".into(),
                what: name.into(),
                expected: p.conns.len(),
                found: values.len(),
            });
        }
        if let Some(res) = self.plastic_set(proj, name, values) {
            return res;
        }
        let p = &self.projs[proj];
        let (native, mirror): (Vec<f64>, Vec<f64>) = match name {
            "weight" => (values.iter().map(|w| w * p.factor).collect(), values.to_vec()),
            "delay" => {
                let d: Vec<f64> = values.iter().map(|d| (d / dt).round() * dt).collect();
                (d.clone(), d)
            }
            _ => return Err(Error::unknown_name("NEURON projection", "attribute", name, ["weight", "delay"])),
        };
        if self.built && !native.is_empty() {
            let d = self.driver()?;
            let file = d.write_npy(name, &native)?;
            d.call(json!({"cmd": "set_synaptic", "proj": proj, "name": name, "values": file}))?;
        }
        let p = &mut self.projs[proj];
        match name {
            "weight" => p.conns.weight = mirror,
            _ => p.conns.delay = mirror,
        }
        Ok(())
    }

    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()> {
        if let Some(t) = targets
            .iter()
            .find(|t| self.owner.get(**t as usize).is_none_or(|o| self.pops[*o as usize].source.is_some()))
        {
            return Err(err(format!("current source {id}: cell {t} is not a neuron of this session")));
        }
        if self.currents.len() <= id {
            self.currents.resize_with(id + 1, || None);
        }
        self.currents[id] = Some((spec.clone(), targets.to_vec()));
        Ok(())
    }

    fn set_recording(&mut self, pop: PopId, plan: &RecordingPlan) -> Result<()> {
        let old = std::mem::replace(
            &mut self.pops.get_mut(pop).ok_or_else(|| err(format!("no population {pop}")))?.plan,
            plan.clone(),
        );
        let cmd = match self.record_command(pop) {
            Ok(c) => c,
            Err(e) => {
                self.pops[pop].plan = old;
                return Err(e);
            }
        };
        if self.built {
            self.driver()?.call(cmd)?;
        }
        Ok(())
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
        let (cur_steps, counts, cells, values) = self.current_changes(a, step);
        let d = self.driver()?;
        let mut cmd = json!({"cmd": "run", "step": step});
        if !src_cells.is_empty() {
            cmd["src_cells"] = json!(d.write_npy("src_cells", &src_cells)?);
            cmd["src_steps"] = json!(d.write_npy("src_steps", &src_steps)?);
        }
        if !cur_steps.is_empty() {
            cmd["cur_steps"] = json!(d.write_npy("cur_steps", &cur_steps)?);
            cmd["cur_counts"] = json!(d.write_npy("cur_counts", &counts)?);
            cmd["cur_cells"] = json!(d.write_npy("cur_cells", &cells)?);
            cmd["cur_values"] = json!(d.write_npy("cur_values", &values)?);
        }
        d.call(cmd)?;
        self.step = step;
        Ok(())
    }

    fn reset(&mut self) -> Result<()> {
        // Rebuilt from the mirror at the next run.
        if self.built {
            for pop in 0..self.pops.len() {
                if matches!(self.pops[pop].model, Model::Table(m) if m.mechanism == "PynnGif") {
                    let a = self.driver()?.call(json!({"cmd": "get", "pop": pop, "var": "ndraw"}))?;
                    let draws: Vec<f64> =
                        a["values"].as_array().map(|v| v.iter().filter_map(Json::as_f64).collect()).unwrap_or_default();
                    if draws.len() != self.pops[pop].size {
                        return Err(err(format!("population {pop}: {} draw counts read back", draws.len())));
                    }
                    self.pops[pop].draws = draws;
                }
            }
            self.driver()?.call(json!({"cmd": "reset"}))?;
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
        // give; what was read before stays in the core (pyproc.rs).
        if !self.built || self.driver.as_ref().is_some_and(|d| d.stopped().is_some()) {
            return Ok(RawRecording::default());
        }
        let d = self.driver()?;
        let a = d.call(json!({"cmd": "drain", "pop": pop}))?;
        if a["spike_cells"].is_null() {
            return Ok(RawRecording::default());
        }
        let (_, cells) = d.read_npy::<i64>(&a["spike_cells"])?;
        let (_, steps) = d.read_npy::<i64>(&a["spike_steps"])?;
        let spikes = cells.iter().zip(&steps).map(|(c, s)| (*c as u32, *s as u64)).collect();
        let mut signals = Vec::new();
        for s in a["signals"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let name = s["name"].as_str().unwrap_or("").to_string();
            let (_, steps) = d.read_npy::<i64>(&s["steps"])?;
            let (_, data) = d.read_npy::<f64>(&s["data"])?;
            let cells: Vec<usize> = s["cells"]
                .as_array()
                .map(|a| a.iter().filter_map(|c| c.as_u64()).map(|c| c as usize).collect())
                .unwrap_or_default();
            signals.push(RawSignal { name, cells, steps: steps.iter().map(|s| *s as u64).collect(), data });
        }
        for s in &mut signals {
            let f = self.recorded_var(pop, &s.name).map_or(1.0, |(_, f)| f);
            if f != 1.0 {
                s.data.iter_mut().for_each(|x| *x /= f);
            }
        }
        Ok(RawRecording { spikes, signals })
    }

    fn end(&mut self) -> Result<()> {
        self.driver = None;
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

macro_rules! neuron_cells {
    ($($t:ty),* $(,)?) => { $(impl NeuronCell for $t {})* };
}
neuron_cells!(
    IF_curr_alpha,
    IF_curr_exp,
    IF_curr_delta,
    IF_cond_exp,
    IF_cond_alpha,
    IF_cond_exp_gsfa_grr,
    IF_facets_hardware1,
    EIF_cond_exp_isfa_ista,
    EIF_cond_alpha_isfa_ista,
    HH_cond_exp,
    Izhikevich,
    GIF_cond_exp,
    PointNeuron,
);

macro_rules! neuron_sources {
    ($($t:ty),* $(,)?) => { $(
        impl NeuronCell for $t {
            fn source_kernel(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Option<Result<Box<dyn Kernel>>> {
                Some(<$t as NativeCell>::build(params, initial, ctx))
            }
        }
    )* };
}
neuron_sources!(
    SpikeSourceArray,
    SpikeSourcePoisson,
    SpikeSourcePoissonRefractory,
    SpikeSourceGamma,
    SpikeSourceInhGamma
);

impl<C: NeuronCell, const NP: usize> Supports<C> for Neuron<NP> {
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
                m.check(spec.parameters, spec.label)?;
                Model::Table(m)
            }
        };
        let ctx = BuildContext {
            dt: self.cfg.timestep,
            seed: self.cfg.seed,
            population: spec.id,
            first_cell: 0,
            label: spec.label.to_string(),
            composition: None,
        };
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
