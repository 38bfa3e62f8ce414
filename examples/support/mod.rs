//! Helpers shared by the examples: the benchmarks' command line
//! ([`Args`]), the gallery's ([`CommonArgs`], [`Gallery`]) and its backend
//! dispatch ([`run_on_backend!`]), result files, reports and figures.
#![allow(dead_code)] // each example uses part of this module

use clap::{Parser, ValueEnum};
use pynn::prelude::*;
use std::path::{Path, PathBuf};

/// Which simulator runs the model.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackendChoice {
    /// pynn-rs's own engine.
    Native,
    /// NEST 3 through PyNEST (needs the Python environment, see README).
    Nest,
    /// Brian2 2.9 (runtime numpy code generation; `Brian2Options` selects
    /// compiled Cython code), needs the Python environment.
    Brian2,
    /// NEURON 9 with pynn-rs's NMODL mechanisms (needs the Python environment).
    Neuron,
    /// NEURON under `mpirun -np 2` (needs openmpi).
    NeuronMpi2,
}

impl BackendChoice {
    /// The `--backend` value (`native`, `nest`, `brian2`, `neuron`,
    /// `neuron-mpi2`), the second half of the result file names.
    pub fn tag(self) -> String {
        self.to_possible_value().map_or_else(|| format!("{self:?}").to_lowercase(), |v| v.get_name().to_string())
    }
}

/// Command line of the benchmark examples.
#[derive(Parser, Debug)]
pub struct Args {
    /// Simulator to run on.
    #[arg(long, value_enum, default_value = "native")]
    pub backend: BackendChoice,
    /// Directory for the results (MODEL-BACKEND.npz + MODEL-BACKEND.json).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Session seed (connectivity and initial potentials).
    #[arg(long, default_value_t = 98765)]
    pub seed: u64,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Simulated time (ms).
    #[arg(long, default_value_t = 1000.0)]
    pub tstop: f64,
    /// Integration of the conductance-based cells on the native engine:
    /// `auto` (the engine's default: RK4 where its error bound is below
    /// NEST's tolerance, RKF45 elsewhere), `rkf45` (NEST's adaptive RKF45,
    /// trajectories equal to NEST's) or `rk4` (fixed-step RK4 with exact
    /// conductance decay, unguarded).
    #[arg(long, value_enum, default_value = "auto")]
    pub ode_solver: SolverChoice,
    /// Draw the figure of the run into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// PyNN's `spike_precision`: `on_grid` or `off_grid` (precise spike
    /// times; va_cuba reads it).
    #[arg(long, default_value = "on_grid")]
    pub spike_precision: String,
}

impl Args {
    /// Parses the command line, with `about` as the first line of `--help`
    /// (the examples share these options but not their description).
    pub fn parse_with_about(about: &'static str) -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().about(about).get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// `--out`, `--seed` and `--plot`: the options every gallery example has
/// (`izhikevich`, `hh_cond_exp`, `connections`, ...); their defaults and
/// help texts are the example's own ([`Gallery`]).
#[derive(clap::Args, Debug)]
pub struct OutputArgs {
    /// Directory for the results.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Session seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Draw the figure of the run into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// Command line of the gallery examples that run on any backend:
/// `--backend` and the [`OutputArgs`] (reached through `Deref`:
/// `args.out`, `args.seed`, `args.plot`).
#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Simulator to run on (native, nest, brian2, neuron).
    #[arg(long, value_enum, default_value = "native")]
    pub backend: BackendChoice,
    /// The output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl std::ops::Deref for CommonArgs {
    type Target = OutputArgs;
    fn deref(&self) -> &OutputArgs {
        &self.output
    }
}

impl CommonArgs {
    /// `MODEL-BACKEND`: the stem of the result files (e.g.
    /// `izhikevich-nest`), so that runs on different backends do not
    /// overwrite each other.
    pub fn result_name(&self, model: &str) -> String {
        format!("{model}-{}", self.backend.tag())
    }

    /// The end of a gallery run: writes `blocks` to
    /// `OUT/MODEL-BACKEND.npz` (+ `.json`, [`write_results`]), draws the
    /// figure with `plot` if `--plot FILE` was given, and ends the session.
    pub fn finish<B: pynn::Backend>(
        &self,
        sim: &Sim<B>,
        blocks: &[Block],
        model: &str,
        plot: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<()> {
        write_results(sim, blocks, &self.out, &self.result_name(model), model)?;
        if let Some(path) = &self.plot {
            plot(path)?;
        }
        sim.end()
    }
}

/// What one gallery example says on its command line: the first line of
/// `--help`, the default seed and the help of `--out`, `--seed` and
/// `--plot` (without a final full stop, as clap shows doc comments).
#[derive(Debug, Clone, Copy)]
pub struct Gallery {
    /// The first line of `--help`.
    pub about: &'static str,
    /// The default of `--seed`.
    pub seed: &'static str,
    /// Help of `--out`.
    pub out_help: &'static str,
    /// Help of `--seed`.
    pub seed_help: &'static str,
    /// Help of `--plot`.
    pub plot_help: &'static str,
}

impl Gallery {
    /// Parses the command line into `A` ([`CommonArgs`] or
    /// [`OutputArgs`]) with this example's texts and default seed.
    pub fn parse<A: clap::Args + clap::FromArgMatches>(&self) -> A {
        let command = A::augment_args(clap::Command::new(env!("CARGO_PKG_NAME")))
            .about(self.about)
            .mut_arg("out", |a| a.help(self.out_help))
            .mut_arg("seed", |a| a.default_value(self.seed).help(self.seed_help))
            .mut_arg("plot", |a| a.help(self.plot_help));
        A::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
    }
}

/// Runs `$f::<B>($args...)` on the backend `$choice` (a [`BackendChoice`])
/// names, through [`run`]: the dispatch of every example's `main`
/// (`neuron-mpi2` runs on `Neuron`; the MPI launch is the caller's).
#[allow(unused_macros)] // examples without `--backend` do not use it
macro_rules! run_on_backend {
    ($choice:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        support::run(|| match $choice {
            support::BackendChoice::Native => $f::<Native>($($arg),*),
            support::BackendChoice::Nest => $f::<Nest>($($arg),*),
            support::BackendChoice::Brian2 => $f::<Brian2>($($arg),*),
            support::BackendChoice::Neuron | support::BackendChoice::NeuronMpi2 => $f::<Neuron>($($arg),*),
        })
    };
}
#[allow(unused_imports)]
pub(crate) use run_on_backend;

/// `--ode-solver` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SolverChoice {
    /// [`OdeSolver::Auto`].
    Auto,
    /// [`OdeSolver::Rkf45`].
    Rkf45,
    /// [`OdeSolver::Rk4`].
    Rk4,
}

impl From<SolverChoice> for OdeSolver {
    fn from(c: SolverChoice) -> Self {
        match c {
            SolverChoice::Auto => OdeSolver::Auto,
            SolverChoice::Rkf45 => OdeSolver::Rkf45,
            SolverChoice::Rk4 => OdeSolver::Rk4,
        }
    }
}

/// Runs the body of an example and turns its outcome into the exit status:
/// an error is printed on stderr with `Display` (a `main` returning `Result`
/// would print it with `Debug`, escaping the quotes of the pip command in the
/// missing-simulator message) and the process exits with status 1.
pub fn run(body: impl FnOnce() -> Result<()>) -> std::process::ExitCode {
    match body() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The "peak memory" line of a summary: the peak resident memory of this
/// process plus that of the simulator processes an external backend
/// started (alive until `end()`), e.g. `287 MiB (this process 21.0 MiB +
/// 2 child processes 266 MiB)`; `None` without `/proc`.
pub fn peak_memory_line() -> Option<String> {
    let p = pynn::memory::peak_memory()?;
    let f = pynn::memory::format_bytes;
    Some(if p.processes == 0 {
        f(p.own)
    } else {
        let s = if p.processes == 1 { "" } else { "es" };
        format!("{} (this process {} + {} child process{s} {})", f(p.total()), f(p.own), p.processes, f(p.children))
    })
}

/// Prints spike count and mean rate of each population and writes all blocks
/// to `out/name.npz` (+ `.json`); `name` is `MODEL-BACKEND` (e.g.
/// `va_cuba-nest`), so that runs on different backends do not overwrite
/// each other.
pub fn report_and_write<B: pynn::Backend>(
    sim: &Sim<B>,
    pops: &[&dyn PopulationData],
    tstop: f64,
    out: &Path,
    name: &str,
    model: &str,
) -> Result<()> {
    let mut blocks = Vec::new();
    for pop in pops {
        let block = pop.data()?;
        let seg = &block.segments[0];
        let spikes: usize = seg.spiketrains.iter().map(|s| s.times.len()).sum();
        let (rate, cv) = rate_and_cv(seg, pop.cells(), tstop);
        println!(
            "  {:<4} {:>5} cells  {spikes:>7} spikes  mean rate {rate:.2} Hz  CV(ISI) {cv:.3}",
            block.name,
            pop.cells()
        );
        blocks.push(block);
    }
    write_results(sim, &blocks, out, name, model)
}

/// Writes `blocks` to `out/name.npz` (+ `.json`, with the run's simulator,
/// time step, seed, end time and `model`) and prints the paths; `name` is
/// `MODEL-BACKEND`.
pub fn write_results<B: pynn::Backend>(
    sim: &Sim<B>,
    blocks: &[Block],
    out: &Path,
    name: &str,
    model: &str,
) -> Result<()> {
    let provenance = [
        ("simulator", serde_json::json!(B::NAME)),
        ("dt", serde_json::json!(sim.get_time_step())),
        ("seed", serde_json::json!(sim.seed())),
        ("t_stop", serde_json::json!(sim.get_current_time())),
        ("model", serde_json::json!(model)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (npz, json) = pynn::core::io::write_blocks(&out.join(name), blocks, &provenance)?;
    println!("  data         {} + {}", npz.display(), json.display());
    Ok(())
}

/// Mean firing rate (Hz) of the `cells` cells of a segment over `tstop` ms
/// and the mean CV of their inter-spike intervals over the cells with at
/// least two spikes (NaN if none), both from [`pynn::core::stats`] (Elephant's
/// definitions). A cell recorded without spikes counts with rate 0.
pub fn rate_and_cv(seg: &pynn::core::Segment, cells: usize, tstop: f64) -> (f64, f64) {
    let rates: f64 =
        seg.spiketrains.iter().map(|st| pynn::core::stats::mean_rate(&st.times, 0.0, tstop).unwrap_or(0.0)).sum();
    let cvs: Vec<f64> = seg.spiketrains.iter().map(|st| st.cv_isi()).filter(|cv| cv.is_finite()).collect();
    let cv = if cvs.is_empty() { f64::NAN } else { cvs.iter().sum::<f64>() / cvs.len() as f64 };
    (rates / cells.max(1) as f64, cv)
}

/// What the report needs of a population, whatever its cell type.
pub trait PopulationData {
    /// Its recorded data.
    fn data(&self) -> Result<Block>;
    /// Its size.
    fn cells(&self) -> usize;
}

impl<C: pynn::CellType, B: pynn::Backend> PopulationData for Population<C, B> {
    fn data(&self) -> Result<Block> {
        self.get_data()
    }
    fn cells(&self) -> usize {
        self.size()
    }
}

/// The excitatory and inhibitory populations of [`va_network`] and its
/// synapse count.
pub type VaNetwork<C, B> = (Population<C, B>, Population<C, B>, usize);

/// The Vogels–Abbott network shared by the CUBA and COBA benchmarks (PyNN's
/// `VAbenchmarks.py`): 3200 excitatory and 800 inhibitory cells of `cell`,
/// initial potentials uniform in [-60, -50) mV, the four projections
/// `FixedProbabilityConnector(0.02)` with delay 0.2 ms (excitatory weight
/// `w_exc`, inhibitory `w_inh`), spikes of every cell and `v` of two
/// excitatory cells recorded. Returns the populations and the synapse count.
pub fn va_network<C, B>(sim: &Sim<B>, cell: C, w_exc: f64, w_inh: f64) -> Result<VaNetwork<C, B>>
where
    C: pynn::CellType,
    B: pynn::Backend + pynn::Supports<C>,
{
    let exc = Population::<C, B>::with_label(sim, 3200, cell.clone(), Some("exc"))?;
    let inh = Population::<C, B>::with_label(sim, 800, cell, Some("inh"))?;
    let v_init = RandomDistribution::uniform(-60.0, -50.0);
    exc.initialize("v", v_init.clone())?;
    inh.initialize("v", v_init)?;
    let connector = FixedProbabilityConnector::new(0.02);
    let mut n_syn = 0;
    for (pre, w, receptor) in [(&exc, w_exc, "excitatory"), (&inh, w_inh, "inhibitory")] {
        for post in [&exc, &inh] {
            n_syn += Projection::new(pre, post, &connector, StaticSynapse::new(w, 0.2), Some(receptor))?.size();
        }
    }
    exc.record("spikes", None)?;
    inh.record("spikes", None)?;
    exc.view(0..2)?.record("v", None)?;
    Ok((exc, inh, n_syn))
}

/// Prints the timing lines of a benchmark run.
pub fn print_times<B: pynn::Backend>(model: &str, args: &Args, build: f64, run: f64, n_syn: usize) {
    println!("{model} on {} ({} threads requested, seed {})", B::NAME, args.threads, args.seed);
    println!("  build time   {build:.3} s   ({n_syn} synapses)");
    println!("  run time     {run:.3} s   ({} ms simulated)", args.tstop);
    if let Some(line) = peak_memory_line() {
        println!("  peak memory  {line}");
    }
}

/// Draws the figure of the Vogels–Abbott benchmarks (PyNN's
/// `VAbenchmarks.py` plots): the spike raster of the first 100 excitatory
/// cells and the membrane potential of the two recorded ones, with the
/// run's provenance, into `path` (`.png` or `.svg`, 1000 x 800 pixels).
#[cfg(feature = "plot")]
pub fn plot_va<C: pynn::CellType, B: pynn::Backend>(exc: &Population<C, B>, title: &str, path: &Path) -> Result<()> {
    let block = exc.get_data()?;
    let seg = &block.segments[0];
    let fig = pynn::plot::Figure::new(title).provenance(&block).raster(seg, Some(0..100))?.signal(seg, "v", None)?;
    save_figure(&fig, path)
}

/// Draws the figure of the Brunel network: the spike raster of the first
/// 100 excitatory cells and the rate of all excitatory cells in 5 ms bins,
/// into `path` (`.png` or `.svg`, 1000 x 800 pixels).
#[cfg(feature = "plot")]
pub fn plot_brunel<C: pynn::CellType, B: pynn::Backend>(
    exc: &Population<C, B>,
    title: &str,
    path: &Path,
) -> Result<()> {
    let block = exc.get_data()?;
    let seg = &block.segments[0];
    let fig = pynn::plot::Figure::new(title).provenance(&block).raster(seg, Some(0..100))?.rate_histogram(seg, 5.0)?;
    save_figure(&fig, path)
}

/// Saves a figure at 1000 x 800 pixels and prints its path.
#[cfg(feature = "plot")]
pub fn save_figure(fig: &pynn::plot::Figure, path: &Path) -> Result<()> {
    fig.save(path, (1000, 800))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// The error of `--plot FILE` in a build without the `plot` feature.
pub fn plot_unavailable(path: &Path) -> pynn::Error {
    pynn::Error::invalid_value(
        "--plot",
        "FILE",
        path.display(),
        "no figure: this build has the cargo feature `plot` off (build with --features plot)",
    )
}

/// `--plot` in a build without the `plot` feature: an error saying so.
#[cfg(not(feature = "plot"))]
pub fn plot_va<C: pynn::CellType, B: pynn::Backend>(_: &Population<C, B>, _: &str, path: &Path) -> Result<()> {
    Err(plot_unavailable(path))
}

/// `--plot` in a build without the `plot` feature: an error saying so.
#[cfg(not(feature = "plot"))]
pub fn plot_brunel<C: pynn::CellType, B: pynn::Backend>(
    exc: &Population<C, B>,
    title: &str,
    path: &Path,
) -> Result<()> {
    plot_va(exc, title, path)
}

/// Processor time and time spent waiting for a processor (ns) of each
/// thread of this process so far, by thread id, from Linux's
/// `/proc/self/task/TID/schedstat` (empty elsewhere): against the run's
/// wall-clock time, what the thread balance lines cannot tell, the time
/// spent outside the shards (waiting at the end of each slice) and on a
/// loaded machine the time the threads were denied a processor.
pub fn sched_times() -> Vec<(u64, u64, u64)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|s| s.parse::<u64>().ok()) else { continue };
        let Ok(text) = std::fs::read_to_string(entry.path().join("schedstat")) else { continue };
        let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().unwrap_or(0));
        out.push((tid, fields.next().unwrap_or(0), fields.next().unwrap_or(0)));
    }
    out
}

/// Prints the processor time and the wait for a processor of the threads
/// between the snapshots `before` and `after` ([`sched_times`]) of a run of
/// `wall` seconds.
pub fn print_sched(before: &[(u64, u64, u64)], after: &[(u64, u64, u64)], wall: f64) {
    let (mut cpu, mut wait) = (Vec::new(), 0u64);
    for &(tid, c, w) in after {
        let (c0, w0) = before.iter().find(|b| b.0 == tid).map_or((0, 0), |b| (b.1, b.2));
        if c > c0 {
            cpu.push((c - c0) as f64 * 1e-9);
            wait += w.saturating_sub(w0);
        }
    }
    cpu.sort_by(|a, b| b.total_cmp(a));
    let list: Vec<String> = cpu.iter().map(|c| format!("{c:.3}")).collect();
    println!(
        "  run cpu      {:.3} s in all (threads {} s) in {wall:.3} s; {:.3} s waiting for a processor",
        cpu.iter().sum::<f64>(),
        list.join(", "),
        wait as f64 * 1e-9
    );
}
