//! The interface between the simulator-neutral core and a backend.
//!
//! The core owns the model description (populations and their parameter
//! tables, which cells are recorded, current sources) and generates every
//! random value and every connection; a backend receives that explicit
//! network and runs it. Cells are addressed by global index: each population
//! occupies the contiguous range `offset .. offset + size`, in creation order.

use crate::cells::{CellType, CellTypeInfo, Composition};
use crate::electrodes::CurrentSourceSpec;
use crate::error::Result;
use crate::parameters::ParamTable;

/// Identifier of a population within a session (creation order).
pub type PopId = usize;
/// Identifier of a projection within a session (creation order).
pub type ProjId = usize;
/// Identifier of a current source within a session (creation order).
pub type SourceId = usize;

/// Validated session settings (see `Sim::setup`).
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Integration time step (ms).
    pub timestep: f64,
    /// Smallest synaptic delay (ms); the communication interval.
    pub min_delay: f64,
    /// Largest synaptic delay (ms).
    pub max_delay: f64,
    /// Session seed of every random stream.
    pub seed: u64,
    /// Worker threads for backends that use them (0: all cores).
    pub threads: usize,
    /// Where spike times may lie ([`Setup::spike_precision`](crate::Setup::spike_precision)).
    pub spike_precision: crate::sim::SpikePrecision,
}

impl SimConfig {
    /// `min_delay` in steps.
    pub fn min_delay_steps(&self) -> u64 {
        (self.min_delay / self.timestep).round() as u64
    }
    /// `max_delay` in steps.
    pub fn max_delay_steps(&self) -> u64 {
        (self.max_delay / self.timestep).round() as u64
    }
}

/// What a backend needs to create a population.
#[derive(Debug, Clone)]
pub struct PopulationSpec<'a> {
    /// Identifier.
    pub id: PopId,
    /// Label (for messages).
    pub label: &'a str,
    /// Global index of the first cell.
    pub offset: usize,
    /// Number of cells.
    pub size: usize,
    /// The cell type's schema.
    pub cell_type: CellTypeInfo,
    /// Per-cell parameter values (PyNN units).
    pub parameters: &'a ParamTable,
    /// Per-cell initial values of the state variables (PyNN units).
    pub initial_values: &'a ParamTable,
    /// What the schema does not say, for composed types: a `PointNeuron`'s
    /// neuron kind and receptors ([`CellType::composition`]).
    pub composition: Option<Composition>,
}

/// Which receptor of the post-synaptic cells a projection targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receptor {
    /// Index into the post-synaptic cell type's receptor list.
    pub index: usize,
    /// Its name.
    pub name: &'static str,
}

/// The synapse model of a projection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SynapseKind {
    /// Fixed weight and delay.
    Static,
    /// Short-term depression and facilitation as NEST's `tsodyks_synapse`
    /// (what PyNN 0.13's NEST backend maps `TsodyksMarkramSynapse` to).
    /// Columns: `U`, `tau_rec`, `tau_facil`, `tau_psc` (the post-synaptic
    /// cell's synaptic time constant, ms) and the initial state `u`, `x`, `y`.
    TsodyksMarkram(SynapseColumns),
    /// Pair-based STDP with all-to-all pairing, as NEST's `stdp_synapse`
    /// (weight dependence through `mu_plus`/`mu_minus`, bounds
    /// `[w_min, w_max]` on the weight's magnitude). Columns: `tau_plus`,
    /// `A_plus`, `A_minus`, `w_min`, `w_max`, `mu_plus`, `mu_minus`.
    SpikePairStdp {
        /// Time constant of the post-synaptic trace (ms), one per projection.
        tau_minus: f64,
        /// Sign of every weight (`-1` for current-based inhibitory synapses).
        sign: f64,
        /// Per-connection parameters.
        columns: SynapseColumns,
    },
    /// Inhibitory plasticity of Vogels et al. (2011), as NEST's
    /// `vogels_sprekeler_synapse`. Columns: `eta`, `rho` (Hz), `w_min`, `w_max`.
    Vogels2011 {
        /// Time constant of both traces (ms), one per projection.
        tau: f64,
        /// Sign of every weight (`-1` for current-based inhibitory synapses).
        sign: f64,
        /// Per-connection parameters.
        columns: SynapseColumns,
    },
    /// A gap junction (`ElectricalSynapse`): each connection of weight `g`
    /// (uS) injects `g (v_pre - v_post)` into the post-synaptic cell and
    /// the opposite current into the pre-synaptic one; no delay, no
    /// receptor (the projection's is ignored).
    Gap,
    /// Each spike transmitted with probability `p`, as NEST's
    /// `bernoulli_synapse` (`synapses::stochastic`). Columns: `p`.
    SimpleStochastic {
        /// Key of the release draws (`synapses::stochastic::release_key`).
        key: u64,
        /// Per-connection parameters.
        columns: SynapseColumns,
    },
    /// One release site with stochastic recovery and release (Fuhrmann et
    /// al. 2002, `synapses::stochastic`). Columns: `U`, `tau_rec`, `tau_facil`.
    StochasticTsodyksMarkram {
        /// Key of the release draws.
        key: u64,
        /// Per-connection parameters.
        columns: SynapseColumns,
    },
    /// `n` quantal release sites, as NEST's `quantal_stp_synapse`
    /// (`synapses::stochastic`). Columns: `U`, `n`, `tau_rec`, `tau_facil`.
    MultiQuantal {
        /// Key of the release draws.
        key: u64,
        /// Per-connection parameters.
        columns: SynapseColumns,
    },
}

/// Per-connection values of a synapse type's parameters, in list order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynapseColumns(pub Vec<(&'static str, Vec<f64>)>);

impl SynapseColumns {
    /// The column named `name`.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_slice())
    }
}

/// Weights of a projection sampled over time (`Projection::record_weights`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawWeights {
    /// Step of each sample.
    pub steps: Vec<u64>,
    /// Row-major samples: one row per step, one column per connection (list order).
    pub data: Vec<f64>,
}

/// What a backend needs to create a projection.
#[derive(Debug, Clone)]
pub struct ProjectionSpec<'a> {
    /// Identifier.
    pub id: ProjId,
    /// Label (for messages).
    pub label: &'a str,
    /// Receptor type on the post-synaptic side.
    pub receptor: Receptor,
    /// Synapse model.
    pub synapse: SynapseKind,
}

/// An explicit set of connections, sorted by pre-synaptic cell (stable: the
/// order of a connector's output is kept within a row). This order is the
/// order of `Projection::get` in list form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connections {
    /// Global index of each pre-synaptic cell.
    pub pre: Vec<u32>,
    /// Global index of each post-synaptic cell.
    pub post: Vec<u32>,
    /// Weights in PyNN units (nA, uS, or mV for delta synapses).
    pub weight: Vec<f64>,
    /// Delays (ms), already validated to lie in `[min_delay, max_delay]`.
    pub delay: Vec<f64>,
}

impl Connections {
    /// Number of connections.
    pub fn len(&self) -> usize {
        self.pre.len()
    }
    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.pre.is_empty()
    }
}

/// The connections of a static projection with one weight and one delay,
/// generated on demand for ranges of post-synaptic cells instead of as one
/// list ([`Backend::connect_streamed`]): a backend that packs them as they
/// come never holds the whole list (issue 17: Brunel's construction peaked
/// at ~33 bytes per synapse with the list, against 2 in the engine's rows).
///
/// Post-synaptic positions index [`ConnectionSource::post`], whose global
/// indices are strictly increasing, so a range of positions is a range of
/// cells. Generating a range draws only from the sub-streams of its cells:
/// any cut into ranges, in any order or in parallel, gives the same
/// connections, and sorting their concatenation by pre-synaptic cell
/// (stable) gives exactly the list [`Backend::connect`] would receive.
pub struct ConnectionSource<'a> {
    /// Global index of each pre-synaptic position.
    pub pre: &'a [u32],
    /// Global index of each post-synaptic position (strictly increasing).
    pub post: &'a [u32],
    /// The weight of every connection (PyNN units).
    pub weight: f64,
    /// The delay of every connection (ms), validated.
    pub delay: f64,
    /// The connections onto a range of post positions, as (pre position,
    /// post position) lists in the connector's order.
    pub(crate) generate: &'a RangeGenerator<'a>,
}

/// Generates the (pre position, post position) lists of a range of post
/// positions ([`ConnectionSource`]).
pub(crate) type RangeGenerator<'a> = dyn Fn(std::ops::Range<usize>) -> Result<(Vec<u32>, Vec<u32>)> + Sync + 'a;

impl ConnectionSource<'_> {
    /// The connections onto post positions `posts`, as global (pre, post)
    /// indices in the connector's order (not sorted by pre-synaptic cell;
    /// the order among the connections of one pre-synaptic cell is the
    /// list order).
    pub fn chunk(&self, posts: std::ops::Range<usize>) -> Result<(Vec<u32>, Vec<u32>)> {
        let (mut pre, mut post) = (self.generate)(posts)?;
        for i in &mut pre {
            *i = self.pre[*i as usize];
        }
        for j in &mut post {
            *j = self.post[*j as usize];
        }
        Ok((pre, post))
    }

    /// The whole list, as [`Backend::connect`] receives it (sorted by
    /// pre-synaptic cell, stable; weights and delays filled in).
    pub fn collect(&self) -> Result<Connections> {
        let (pre, post) = (self.generate)(0..self.post.len())?;
        let n = pre.len();
        let (c, _) = crate::projection::sort_by_pre(
            &pre,
            &post,
            self.pre,
            self.post,
            vec![self.weight; n],
            vec![self.delay; n],
            Vec::new(),
        );
        Ok(c)
    }
}

/// Which variables of which cells a backend records, and how often.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordingPlan {
    /// Cells (population indices, sorted) whose spikes are recorded.
    pub spikes: Vec<usize>,
    /// Analog variables and the cells (sorted) recorded for each.
    pub signals: Vec<(String, Vec<usize>)>,
    /// Sampling interval of the analog variables, in steps (>= 1).
    pub interval_steps: u64,
}

impl RecordingPlan {
    /// True if nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.spikes.is_empty() && self.signals.iter().all(|(_, c)| c.is_empty())
    }
}

/// Data recorded by a backend since the last drain, for one population.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRecording {
    /// Spikes as (population index, step of the spike time), in time order.
    pub spikes: Vec<(u32, u64)>,
    /// Precise spike times: per entry of `spikes`, how long before the end
    /// of its step (ms, in `[0, dt)`) the spike occurred, so that its time
    /// is `step * dt - offset` (NEST's offset convention). Empty when every
    /// spike is on the grid.
    pub offsets: Vec<f64>,
    /// For each recorded analog variable: name, cells, the steps at which
    /// samples were taken, and the samples (row-major: one row per step, one
    /// column per cell).
    pub signals: Vec<RawSignal>,
}

/// Samples of one analog variable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSignal {
    /// Variable name.
    pub name: String,
    /// Recorded cells (population indices).
    pub cells: Vec<usize>,
    /// Step of each sample.
    pub steps: Vec<u64>,
    /// Row-major samples (`steps.len() x cells.len()`).
    pub data: Vec<f64>,
}

/// A simulator that can run a pynn-rs model.
///
/// Dispatch is static (`Sim<B: Backend>`); a backend that supports a cell
/// type also implements [`Supports`] for it.
pub trait Backend: Send + Sized + 'static {
    /// Name used in messages and data annotations (`"native"`, `"NEST"`, ...).
    const NAME: &'static str;

    /// What this backend lets a user choose beyond [`SimConfig`], which
    /// every backend shares: the native engine's ODE solver, Brian2's
    /// code-generation target, NEURON's MPI ranks and launcher. A value of
    /// it goes to [`Sim::setup_with`](crate::Sim::setup_with);
    /// [`Sim::setup`](crate::Sim::setup) uses `Default`.
    type Options: Default + Clone + std::fmt::Debug + Send + 'static;

    /// Starts the backend for a validated configuration and its own options.
    fn setup(config: &SimConfig, options: &Self::Options) -> Result<Self>;
    /// New parameter values for a whole population (after `set`).
    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()>;
    /// Sets state variable `variable` of `cells` now and as their value after
    /// `reset()` (PyNN's `initialize`).
    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()>;
    /// Creates a projection with explicit connections.
    fn connect(&mut self, spec: &ProjectionSpec<'_>, connections: Connections) -> Result<()>;
    /// The pre- and post-synaptic global indices of a projection's
    /// connections, in list order.
    fn connections(&self, proj: ProjId) -> Result<(Vec<u32>, Vec<u32>)>;
    /// Current values of synaptic attribute `name` (`"weight"`, `"delay"`),
    /// in list order, PyNN units.
    fn get_synaptic(&self, proj: ProjId, name: &str) -> Result<Vec<f64>>;
    /// Sets synaptic attribute `name` for every connection, in list order.
    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()>;
    /// Creates or updates current source `id`, injected into `targets`
    /// (global cell indices). Called again with the full target list and
    /// parameters whenever either changes.
    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()>;
    /// What to record from a population (replaces the previous plan).
    fn set_recording(&mut self, pop: PopId, plan: &RecordingPlan) -> Result<()>;
    /// Advances the simulation to time step `step` (> current step).
    fn run_until(&mut self, step: u64) -> Result<()>;
    /// Returns to time 0 with every state variable at its initial value;
    /// structure, parameters and recording plans are kept. Recorded data not
    /// yet drained is discarded, so the core drains first.
    fn reset(&mut self) -> Result<()>;
    /// Takes the data recorded for `pop` since the last drain.
    fn drain_recording(&mut self, pop: PopId) -> Result<RawRecording>;
    /// Releases the simulator's resources.
    fn end(&mut self) -> Result<()>;

    /// Creates a static projection of one weight and one delay from a
    /// source that generates its connections in ranges of post-synaptic
    /// cells, and returns how many there are. The default collects the
    /// whole list ([`ConnectionSource::collect`]) and calls
    /// [`Backend::connect`]; a backend that packs ranges as they come
    /// (the native engine: one range per target shard, in parallel) never
    /// holds the list.
    fn connect_streamed(&mut self, spec: &ProjectionSpec<'_>, source: &ConnectionSource<'_>) -> Result<usize> {
        let c = source.collect()?;
        let n = c.len();
        self.connect(spec, c)?;
        Ok(n)
    }
    /// Bytes per connection [`Backend::connect_streamed`] needs at most,
    /// including its transient buffers, if it packs ranges as they come;
    /// `None` (the default) when it collects the whole list. The core
    /// checks a streamed projection's memory against this estimate.
    fn streamed_connection_bytes(&self) -> Option<u64> {
        None
    }

    /// Sets state variable `name` of a plastic projection's synapses (list
    /// order) now and as their value after `reset()`.
    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let _ = values;
        Err(crate::Error::unsupported(
            Self::NAME,
            format!("setting synaptic state `{name}` of projection {proj}"),
            "set it through the synapse type's parameters at creation, or use a backend that supports it",
        ))
    }
    /// Starts (interval in steps >= 1) or stops (`None`) sampling the
    /// weights of projection `proj`; samples are taken at multiples of the
    /// interval and hold every update of pre-synaptic spikes emitted up to
    /// and including the sample's time.
    fn record_weights(&mut self, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let _ = interval_steps;
        Err(crate::Error::unsupported(
            Self::NAME,
            format!("recording weights of projection {proj}"),
            "read them after a run with `Projection::get_values(\"weight\")`, or use a backend that supports it",
        ))
    }
    /// The weight samples of `proj` taken since recording started or the
    /// last `reset()`.
    fn recorded_weights(&self, proj: ProjId) -> Result<RawWeights> {
        Err(crate::Error::unsupported(
            Self::NAME,
            format!("recording weights of projection {proj}"),
            "read them after a run with `Projection::get_values(\"weight\")`, or use a backend that supports it",
        ))
    }
    /// The samples of synaptic state variable `name` (Tsodyks–Markram `u`,
    /// `x`, `y`) of `proj`, taken at the weight samples' steps (see
    /// [`Backend::record_weights`]), in the same layout.
    fn recorded_synaptic_state(&self, proj: ProjId, name: &str) -> Result<RawWeights> {
        Err(crate::Error::unsupported(
            Self::NAME,
            format!("recording synaptic state `{name}` of projection {proj}"),
            "read it after a run with `Projection::get_values`, or use a backend that supports it",
        ))
    }
    /// The version of the simulator behind this backend (`"3.10.0"` for
    /// NEST), written into the provenance of data files as
    /// `simulator_version`; `None` (the default) when it is not known.
    /// The external backends learn it from their driver's hello.
    fn simulator_version(&self) -> Option<String> {
        None
    }
}

/// A backend able to simulate cell type `C`.
#[diagnostic::on_unimplemented(
    message = "backend `{Self}` cannot simulate `{C}` cells",
    label = "`{Self}` does not implement `Supports<{C}>`",
    note = "each backend lists the cell types it supports (`Supports<C>` impls); use another backend or cell type, or add the bound `{Self}: Supports<{C}>` to a generic function"
)]
pub trait Supports<C: CellType>: Backend {
    /// Creates a population of `C` cells.
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()>;
}
