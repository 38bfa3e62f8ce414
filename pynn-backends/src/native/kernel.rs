//! The interface between the native engine and a cell model.
//!
//! A cell model owns the state of a set of cells (a shard of a population:
//! see [`BuildContext::first_cell`]) as struct-of-arrays and advances every
//! cell by one time step per call (one monomorphised loop per model; the
//! engine calls it through one virtual call per shard and step, never per
//! cell). Different shards may be advanced on different threads.

use super::OdeSolver;
use pynn_core::Result;
use pynn_core::cells::CellType;
use pynn_core::cells::Composition;
use pynn_core::parameters::ParamTable;

/// What a kernel sees during one time step `k` (from `t_k = k dt` to `t_k+1`).
pub struct StepInput<'a> {
    /// Index of the step.
    pub step: u64,
    /// Per receptor, per cell: the sum of the weights of the spikes arriving
    /// at `t_k+1` (PyNN units).
    pub synaptic: &'a [&'a [f64]],
    /// Per cell: the injected current during the step (nA), from current sources.
    pub current: &'a [f64],
}

/// Spikes emitted during a step: `(cell, step of the spike time)`.
///
/// Neurons emit at `step + 1` (the end of the step in which the threshold was
/// crossed, NEST's on-grid convention).
pub type SpikeOut = Vec<(u32, u64)>;

/// A population's state and dynamics on the native engine.
pub trait Kernel: Send {
    /// Advances every cell by one step.
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut);
    /// Advances every cell by one step like [`Kernel::step`] and sets every
    /// element of `synaptic` (the engine's ring-buffer slots, one slice per
    /// receptor) to zero after reading it, in the same pass over the cells.
    /// Returns `false`, touching nothing, if the kernel does not implement
    /// it (the default): the engine then calls [`Kernel::step`] and clears
    /// the slots itself. Worth implementing for cheap updates, whose cost a
    /// second pass over the input would otherwise dominate.
    fn step_clearing(
        &mut self,
        _step: u64,
        _synaptic: &mut [&mut [f64]],
        _current: &[f64],
        _spikes: &mut SpikeOut,
    ) -> bool {
        false
    }
    /// [`Kernel::step_clearing`] for a step in which no current is injected
    /// into any cell: `zeros` holds a zero per cell, which a kernel may use
    /// as the current or skip reading (a load per cell and step less). The
    /// default passes it to [`Kernel::step_clearing`].
    fn step_clearing_no_current(
        &mut self,
        step: u64,
        synaptic: &mut [&mut [f64]],
        zeros: &[f64],
        spikes: &mut SpikeOut,
    ) -> bool {
        self.step_clearing(step, synaptic, zeros, spikes)
    }
    /// Advances every cell by one step like [`Kernel::step`], writing each
    /// cell that spikes once, with its number of spikes in the step pushed
    /// to `mult` (parallel to `spikes`). Returns `false`, touching nothing,
    /// if the kernel does not implement it (the default): the engine then
    /// calls [`Kernel::step`]. For sources that emit several spikes per
    /// cell and step (high-rate Poisson sources).
    fn step_counted(&mut self, _step: u64, _spikes: &mut SpikeOut, _mult: &mut Vec<u32>) -> bool {
        false
    }
    /// Chooses the integration method of models that offer more than one
    /// (the session's [`OdeSolver`]); called once after the kernel is built.
    /// The default ignores it.
    fn set_ode_solver(&mut self, _solver: OdeSolver) {}
    /// The kernel's precise-spike-time side (`spike_precision = "off_grid"`,
    /// [`super::precise`]); `None` (the default) for grid kernels.
    fn precise(&mut self) -> Option<&mut dyn super::precise::Precise> {
        None
    }
    /// The kernel's gap-junction side (waveform relaxation, [`super::gap`]);
    /// `None` (the default) for kernels that take junction currents as an
    /// injected current held through the step.
    fn gap(&mut self) -> Option<&mut dyn super::gap::GapCell> {
        None
    }
    /// Spikes with time stamp 0 (before the first step), emitted once when a
    /// run starts at time 0. Only spike sources have any.
    fn initial_spikes(&mut self, _spikes: &mut SpikeOut) {}
    /// New parameter values (propagators are recomputed).
    fn set_parameters(&mut self, params: &ParamTable) -> Result<()>;
    /// Sets state variable `name` of `cells` now and as its value after reset.
    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()>;
    /// Back to the initial values at time 0.
    fn reset(&mut self);
    /// Index of a recordable analog variable.
    fn variable(&self, name: &str) -> Option<usize>;
    /// Appends the current value of variable `var` of `cells` to `out`.
    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>);
}

/// A cell type the native engine can simulate: how to build its kernel.
///
/// Implemented for every standard model; implement it for your own
/// [`CellType`] to use it on the native backend like a standard one.
#[diagnostic::on_unimplemented(
    message = "the native engine cannot simulate `{Self}` cells: `{Self}` does not implement `NativeCell`",
    label = "no native kernel for `{Self}`",
    note = "implement `pynn::backends::native::kernel::NativeCell` for `{Self}` (how to build its kernel: examples/custom_model.rs shows one), or run it on a backend that knows it"
)]
pub trait NativeCell: CellType {
    /// Builds the kernel of a population.
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>>;
}

/// What a kernel may need to know when it is built.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// Time step (ms).
    pub dt: f64,
    /// Session seed (for spike sources' random streams).
    pub seed: u64,
    /// Population identifier (key of its random streams).
    pub population: usize,
    /// Population label (for messages).
    pub label: String,
    /// Index in the population of the kernel's first cell. The engine builds
    /// one kernel per shard (see [`super::shard_cells`]), over the
    /// shard's rows of the parameter tables; a kernel that keys random
    /// streams by cell must use `first_cell + i` for its cell `i`, so that the
    /// streams are those of the whole population.
    pub first_cell: usize,
    /// A composed type's composition (a `PointNeuron`'s neuron and
    /// receptors), from [`PopulationSpec::composition`](pynn_core::backend::PopulationSpec::composition).
    pub composition: Option<Composition>,
}

/// Checks that `params` and `initial` hold every parameter and state
/// variable of `C`'s schema, each of the kind `C` reads (number or
/// sequence). Every standard model's [`NativeCell::build`] calls it first,
/// so that a user's cell type whose own `build` hands its tables to a
/// standard model (`<IF_curr_exp as NativeCell>::build(...)`) with a
/// smaller schema gets an error naming what is missing, not a panic in
/// the kernel.
pub fn check_tables<C: CellType>(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<()> {
    use pynn_core::parameters::ParamKind;
    let tables = [(C::PARAMETERS, params, "parameter"), (C::STATE, initial, "state variable")];
    for (specs, table, what) in tables {
        for spec in specs {
            let found = table.column(spec.name).map(|c| match spec.kind {
                ParamKind::Scalar => c.as_scalar().is_some(),
                ParamKind::Sequence => c.as_sequence().is_some(),
            });
            if found != Some(true) {
                let have = if found.is_none() { "missing" } else { "of the wrong kind" };
                return Err(pynn_core::Error::invalid_value(
                    format!("population \"{}\" on the native engine", ctx.label),
                    spec.name,
                    have,
                    format!(
                        "the native {} model reads its {what} `{}` ({}): the cell type's schema must have it",
                        C::NAME,
                        spec.name,
                        if spec.kind == ParamKind::Scalar { "a number per cell" } else { "a sequence per cell" }
                    ),
                ));
            }
        }
    }
    Ok(())
}
