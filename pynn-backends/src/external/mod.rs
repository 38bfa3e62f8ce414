//! The layer the external simulators (NEST, NEURON, Brian2) share.
//!
//! Each external backend keeps a mirror of the network in Rust, drives its
//! simulator as a Python child process with one request per line, replays
//! the random spike sources with the native engine's kernels, and may run
//! on several MPI ranks. What does not depend on the simulator lives here,
//! once:
//!
//! * [`backend`]: [`External`], the one implementation of `Backend` over
//!   a [`Simulator`]: the mirror of the network, the run clock, the
//!   rebuild after `reset()`, ids, rollback, recording and weights;
//! * [`process`]: the child process (interpreter discovery, the work
//!   directory with the driver script, deadlines and liveness, `.npy`
//!   transfer, a small pool of idle processes for reuse);
//! * [`protocol`]: the typed requests (serde) and the typed replies shared
//!   by the three drivers, with the same JSON as the drivers read;
//! * [`mirror`]: the bookkeeping of the mirror: cell ownership, one
//!   missing-parameter error, one rollback path for changes the simulator
//!   refuses, weight/delay updates;
//! * [`replay`]: the random sources stepped by the native kernels (their
//!   trains go to the simulator as spike trains);
//! * `Link`: the connection of a backend to its process (the `end()`
//!   state, requests, the shared decoding of recorded data);
//! * [`Launcher`]: how several ranks are started (`mpirun`, `srun`,
//!   with a hostfile or the batch system's allocation).
//!
//! A simulator is a [`Simulator`]: its name, driver and options, its own
//! part of the mirror, and the hooks where it differs (translation of a
//! population or projection into its `create`/`connect` requests, its
//! timing rules in `run`, the names of recorded signals). Its backend
//! (`nest::Nest`, `neuron::Neuron`, `brian2::Brian2`) is `External` of it
//! and keeps only what is its own: the translation table, the commands
//! only its driver has. Adding a cell model or a synapse type to an
//! external simulator is a row of its translation table and, where the
//! driver has no handler for it yet, one handler in the driver.

pub mod backend;
pub mod mirror;
pub mod process;
pub mod protocol;
pub mod replay;

pub use backend::External;
use backend::Pop;
use mirror::SynapticUpdate;
use process::{Driver, DriverSpec};
use protocol::{DrainReply, Request, SignalRequest};
use pynn_core::backend::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, Result};
use serde_json::Value as Json;
use std::path::PathBuf;

/// What the shared layer needs to know of one external simulator: its
/// name, driver and options, its own part of the mirror, and the hooks
/// where simulators really differ. [`External`] implements `Backend` once
/// over it. The hooks take the whole backend (`External<Self>`): the
/// simulator reads the shared mirror and its own state (`b.sim`).
pub trait Simulator: Sized + Send + 'static {
    /// The backend's name in errors (`"NEST"`, `"NEURON"`, `"Brian2"`).
    const NAME: &'static str;
    /// Its driver process.
    const SPEC: DriverSpec;
    /// The backend's options (`Sim::<B>::setup_with(setup, options)`).
    type Options: Default + Clone + std::fmt::Debug + Send + 'static;
    /// The simulator's own state of a population (its model, replayed
    /// sources).
    type Pop: Send;
    /// The simulator's own state of a projection.
    type Proj: Send;

    /// An `Error::Backend` of this simulator.
    fn err(message: impl Into<String>) -> Error {
        Error::Backend { backend: Self::NAME, message: message.into() }
    }

    /// Starts the driver (checking the options): the simulator's state,
    /// the driver and the simulator's version.
    fn start(config: &SimConfig, options: &Self::Options) -> Result<(Self, Driver, String)>;

    /// Gives back a driver at `end()` (default: stopped; Brian2's go to
    /// the pool).
    fn release(driver: Driver) {
        drop(driver);
    }

    /// The `setup` request that starts a fresh network (at each build;
    /// may prepare the replayed sources).
    fn setup_request(b: &mut External<Self>) -> Result<Request>;

    /// The `create` request of population `pop`.
    fn create(b: &External<Self>, pop: PopId) -> Result<Request>;

    /// Checks a new population's values (after it joined the mirror).
    fn check_population(b: &External<Self>, pop: PopId) -> Result<()> {
        let _ = (b, pop);
        Ok(())
    }

    /// Checks new parameters of `pop` before the mirror takes them.
    fn check_parameters(b: &External<Self>, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let _ = (b, pop, parameters);
        Ok(())
    }

    /// Passes the mirror's new parameters of `pop` on (to the simulator
    /// if built, or to a replayed source); an error puts the old ones back.
    fn send_parameters(b: &mut External<Self>, pop: PopId, parameters: &ParamTable) -> Result<()>;

    /// Checks new initial values of `variable` and gives the request that
    /// sets them in a built network (`None`: nothing to send).
    fn state_request(
        b: &mut External<Self>,
        pop: PopId,
        variable: &str,
        cells: &[usize],
        values: &[f64],
    ) -> Result<Option<Request>>;

    /// The simulator's part of a new projection (connections checked and
    /// delays rounded).
    fn projection(b: &mut External<Self>, spec: &ProjectionSpec<'_>, conns: &Connections) -> Result<Self::Proj>;

    /// Checks a new projection (after it joined the mirror).
    fn check_projection(b: &mut External<Self>, proj: ProjId) -> Result<()> {
        let _ = (b, proj);
        Ok(())
    }

    /// Sends projection `proj` to the simulator (`connect` and what goes
    /// with it).
    fn send_connect(b: &mut External<Self>, proj: ProjId) -> Result<()>;

    /// After the populations and projections of a build (current sources,
    /// plastic rules).
    fn built(b: &mut External<Self>) -> Result<()> {
        let _ = b;
        Ok(())
    }

    /// A simulator's own `get` of projection attributes (`None`: the
    /// mirror's).
    fn synaptic(b: &External<Self>, proj: ProjId, name: &str) -> Option<Result<Vec<f64>>> {
        let _ = (b, proj, name);
        None
    }

    /// A simulator's own `set` of projection attributes (`None`: the
    /// mirror's weight/delay update).
    fn set_plastic(b: &mut External<Self>, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        let _ = (b, proj, name, values);
        None
    }

    /// Checks and sends (if built) a weight or delay update; the mirror
    /// takes it after.
    fn send_synaptic(
        b: &mut External<Self>,
        proj: ProjId,
        name: &str,
        values: &[f64],
        update: &SynapticUpdate,
    ) -> Result<()>;

    /// `initialize_synaptic` (default: not supported).
    fn initialize_synaptic(b: &mut External<Self>, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let _ = (b, values);
        Err(Error::unsupported(
            Self::NAME,
            format!("setting synaptic state `{name}` of projection {proj}"),
            "set it through the synapse type's parameters at creation, or use a backend that supports it",
        ))
    }

    /// `record_weights` (default: not supported).
    fn record_weights(b: &mut External<Self>, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let _ = (b, interval_steps);
        Err(Error::unsupported(
            Self::NAME,
            format!("recording weights of projection {proj}"),
            "read them after a run with `Projection::get_values(\"weight\")`, or use a backend that supports it",
        ))
    }

    /// `recorded_weights` (default: not supported).
    fn recorded_weights(b: &External<Self>, proj: ProjId) -> Result<RawWeights> {
        let _ = b;
        Err(Error::unsupported(
            Self::NAME,
            format!("recording weights of projection {proj}"),
            "read them after a run with `Projection::get_values(\"weight\")`, or use a backend that supports it",
        ))
    }

    /// `recorded_synaptic_state` (default: not supported).
    fn recorded_synaptic_state(b: &External<Self>, proj: ProjId, name: &str) -> Result<RawWeights> {
        let _ = b;
        Err(Error::unsupported(
            Self::NAME,
            format!("recording synaptic state `{name}` of projection {proj}"),
            "read it after each run with `Projection::get_values`, or use the native or NEURON backend",
        ))
    }

    /// Whether a population of this kind can receive current source `id`.
    fn check_injectable(pop: &Pop<Self::Pop>, id: SourceId) -> Result<()> {
        let _ = (pop, id);
        Ok(())
    }

    /// After current source `id` changed (`old`: what it was).
    fn current_changed(b: &mut External<Self>, id: SourceId, old: Option<(CurrentSourceSpec, Vec<u32>)>) -> Result<()> {
        let _ = (b, id, old);
        Ok(())
    }

    /// The signal request of recordable `name` of `pop` (its `cells` are
    /// filled in), `None` if it cannot be recorded.
    fn signal(b: &External<Self>, pop: PopId, name: &str) -> Option<SignalRequest>;

    /// The PyNN name of a drained signal (the driver's variable and name)
    /// and the factor its data are divided by.
    fn signal_name(pop: &Pop<Self::Pop>, var: &str, name: Option<&str>) -> Result<(String, f64)>;

    /// Whether `pop` is recorded in Rust (a replayed source whose trains
    /// the simulator does not record).
    fn records_in_rust(pop: &Pop<Self::Pop>) -> bool {
        let _ = pop;
        false
    }

    /// Records a population recorded in Rust.
    fn record_in_rust(b: &mut External<Self>, pop: PopId, plan: &RecordingPlan) {
        let _ = (b, pop, plan);
    }

    /// Drains a population recorded in Rust.
    fn drain_in_rust(b: &mut External<Self>, pop: PopId) -> RawRecording {
        let _ = (b, pop);
        RawRecording::default()
    }

    /// Runs the built network to `step` (and sets `b.step`).
    fn run(b: &mut External<Self>, step: u64) -> Result<()>;

    /// Before the mirror forgets the run (`reset()`).
    fn reset(b: &mut External<Self>) -> Result<()> {
        let _ = b;
        Ok(())
    }
}

/// A backend's connection to its driver process: `None` after `end()`.
pub(crate) struct Link {
    name: &'static str,
    driver: Option<Driver>,
}

impl Link {
    /// A connection of simulator `name` to a started driver.
    pub fn new(name: &'static str, driver: Driver) -> Self {
        Link { name, driver: Some(driver) }
    }

    /// The driver, or the error that `end()` was called.
    pub fn driver(&mut self) -> Result<&mut Driver> {
        let name = self.name;
        self.driver.as_mut().ok_or_else(|| Error::Backend {
            backend: name,
            message: format!("end() was called; the {name} process has stopped"),
        })
    }

    /// Sends a typed request; returns the driver's answer.
    pub fn request(&mut self, request: &Request) -> Result<Json> {
        self.driver()?.request(request)
    }

    /// Whether the process stopped (killed, crashed, timed out): it has
    /// nothing more to give; what was read before stays in the core.
    pub fn stopped(&self) -> bool {
        self.driver.as_ref().is_some_and(|d| d.stopped().is_some())
    }

    /// Takes the driver out (`end()`).
    pub fn take(&mut self) -> Option<Driver> {
        self.driver.take()
    }

    /// Drains population `pop`'s recorded data (`drain`): spikes, and the
    /// signals, each renamed and rescaled by `signal` (the driver's variable
    /// and name -> the PyNN name and the factor to divide the data by).
    pub fn drain(
        &mut self,
        pop: PopId,
        signal: impl Fn(&str, Option<&str>) -> Result<(String, f64)>,
    ) -> Result<RawRecording> {
        let d = self.driver()?;
        let answer = d.request(&Request::Drain { pop })?;
        let reply: DrainReply = protocol::reply(d, "drain", answer)?;
        let (Some(cells), Some(steps)) = (&reply.spike_cells, &reply.spike_steps) else {
            return Ok(RawRecording::default());
        };
        let (_, cells) = d.read_npy_file::<i64>(cells)?;
        let (_, steps) = d.read_npy_file::<i64>(steps)?;
        let spikes = cells.iter().zip(&steps).map(|(c, s)| (*c as u32, *s as u64)).collect();
        let mut signals = Vec::new();
        for s in &reply.signals {
            let (name, f) = signal(s.var.as_deref().unwrap_or(""), s.name.as_deref())?;
            let (_, steps) = d.read_npy_file::<i64>(&s.steps)?;
            let (_, data) = d.read_npy_file::<f64>(&s.data)?;
            signals.push(RawSignal {
                name,
                cells: s.cells.clone(),
                steps: steps.iter().map(|s| *s as u64).collect(),
                data: data.into_iter().map(|x| if f == 1.0 { x } else { x / f }).collect(),
            });
        }
        let offsets = match &reply.spike_offsets {
            Some(f) => d.read_npy_file::<f64>(f)?.1,
            None => Vec::new(),
        };
        Ok(RawRecording { spikes, offsets, signals })
    }
}

/// How several ranks of a simulator are started: the program and its
/// arguments before the Python interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launcher {
    /// Open MPI's (or MPICH's) `mpirun`: `PROGRAM [--allow-run-as-root
    /// --oversubscribe for Open MPI] -np N ARGS... python driver.py`. `args`
    /// may hold `--hostfile FILE` (or `-H host1,host2`) to spread the ranks
    /// over several machines.
    Mpirun {
        /// The program: a name on `PATH` or a path (default `mpirun`, or
        /// `$PYNN_MPIRUN` when set).
        program: String,
        /// Extra arguments (e.g. `["--hostfile", "hosts.txt"]`).
        args: Vec<String>,
    },
    /// Slurm's `srun -n N ARGS... python driver.py`: without host arguments
    /// it uses the batch system's allocation (run inside `salloc`/`sbatch`).
    Srun {
        /// The program (default `srun`).
        program: String,
        /// Extra arguments (e.g. `["--mpi=pmix"]`).
        args: Vec<String>,
    },
}

impl Default for Launcher {
    /// `mpirun` (or `$PYNN_MPIRUN`) on this host.
    fn default() -> Self {
        let program = std::env::var("PYNN_MPIRUN").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "mpirun".into());
        Launcher::Mpirun { program, args: Vec::new() }
    }
}

impl Launcher {
    /// `mpirun` with a hostfile: the ranks go to the machines it lists.
    pub fn mpirun_with_hostfile(hostfile: impl Into<String>) -> Self {
        Launcher::Mpirun { program: "mpirun".into(), args: vec!["--hostfile".into(), hostfile.into()] }
    }

    /// `srun` in the batch system's allocation.
    pub fn srun() -> Self {
        Launcher::Srun { program: "srun".into(), args: Vec::new() }
    }

    /// The launcher's program.
    pub fn program(&self) -> &str {
        match self {
            Launcher::Mpirun { program, .. } | Launcher::Srun { program, .. } => program,
        }
    }

    /// The words before the interpreter for `ranks` ranks (none for one rank:
    /// the interpreter runs directly).
    pub fn command(&self, ranks: usize) -> Vec<String> {
        if ranks <= 1 {
            return Vec::new();
        }
        match self {
            Launcher::Mpirun { program, args } => {
                let mut w = vec![program.clone()];
                if open_mpi(program) {
                    w.extend(["--allow-run-as-root".into(), "--oversubscribe".into()]);
                }
                w.extend(["-np".into(), ranks.to_string()]);
                w.extend(args.iter().cloned());
                w
            }
            Launcher::Srun { program, args } => {
                let mut w = vec![program.clone(), "-n".into(), ranks.to_string()];
                w.extend(args.iter().cloned());
                w
            }
        }
    }

    /// Checks that the program exists; the error names the backend, the
    /// ranks, the program and what to do.
    pub fn check(&self, backend: &'static str, ranks: usize) -> Result<()> {
        let program = self.program();
        if find_program(program).is_some() {
            return Ok(());
        }
        Err(Error::Backend {
            backend,
            message: format!(
                "{ranks} ranks run {backend} under the launcher `{program}` (the options' `launcher`; its \
                 default program is $PYNN_MPIRUN, else `mpirun` on PATH), which is not found{}. Install Open MPI \
                 (`apt-get install openmpi-bin libopenmpi-dev`), give the launcher's path in the options' \
                 `launcher` (or set PYNN_MPIRUN), or use one rank",
                if program.contains('/') { "" } else { " on PATH" }
            ),
        })
    }
}

/// Whether `program` is Open MPI's `mpirun` (which refuses root and more
/// ranks than cores without these flags); MPICH's takes neither.
fn open_mpi(program: &str) -> bool {
    let Some(path) = find_program(program) else { return true };
    let real = std::fs::canonicalize(&path).unwrap_or(path);
    let name = real.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.contains("mpich") && !name.contains("hydra")
}

/// The file a program name (`mpirun`) or path (`/usr/bin/mpirun`) runs:
/// a path as given, a name searched in `PATH`; `None` if no such file.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// The error for a number of ranks below 1 or a `min_delay` too short for
/// MPI spike exchange.
pub(crate) fn check_ranks(backend: &'static str, ranks: usize, cfg: &pynn_core::backend::SimConfig) -> Result<()> {
    if ranks == 0 {
        return Err(Error::invalid_value(
            format!("{backend} options"),
            "ranks",
            0,
            "at least 1 (the number of MPI processes)",
        ));
    }
    if ranks > 1 && cfg.min_delay_steps() < 2 {
        return Err(Error::invalid_value(
            format!("Setup for {backend} on {ranks} MPI ranks"),
            "min_delay",
            cfg.min_delay,
            format!(
                ">= 2 timesteps ({} ms): {backend} exchanges spikes between processes every min_delay and needs \
                 it longer than dt",
                2.0 * cfg.timestep
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launchers_build_their_command_lines() {
        let l = Launcher::Srun { program: "srun".into(), args: vec!["--mpi=pmix".into()] };
        assert_eq!(l.command(3), ["srun", "-n", "3", "--mpi=pmix"]);
        assert!(l.command(1).is_empty());
        let m = Launcher::Mpirun { program: "/nonexistent/mpirun".into(), args: vec!["--hostfile".into(), "h".into()] };
        let w = m.command(2);
        assert_eq!(w[0], "/nonexistent/mpirun");
        assert!(w.ends_with(&["-np".into(), "2".into(), "--hostfile".into(), "h".into()]), "{w:?}");
        let e = m.check("NEURON", 2).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/mpirun") && e.contains("not found") && e.contains("launcher"), "{e}");
    }
}
