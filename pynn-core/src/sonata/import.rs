//! Reading a SONATA circuit into a session.
//!
//! [`Circuit::open`] reads a circuit config (or a simulation config, whose
//! `network` key or inline `networks` names the circuit) with the node and
//! edge files it names, and checks everything it reads; [`Circuit::build`]
//! makes ordinary populations and projections of a session on any backend
//! ([`SonataBackend`]); [`Network::run`] runs to the simulation config's
//! `tstop`.
//!
//! What is read (SONATA_DEVELOPER_GUIDE.md of github:AllenInstitute/sonata;
//! PyNN's reader pyNN/serialization/sonata.py for the PyNN conventions):
//!
//! - **Nodes**: `/nodes/<population>/node_type_id`, `node_group_id`,
//!   `node_group_index`, `node_id` (optional; default `0..n`), and in each
//!   group `dynamics_params/<name>` and the positions `x`, `y`, `z`. The
//!   node types CSV gives `model_type`, `model_template`, parameters as
//!   columns and `dynamics_params`, a JSON file in the circuit's
//!   `components.point_neuron_models_dir`. Later sources override earlier
//!   ones: CSV column, JSON file, HDF5 `dynamics_params`. CSV columns that
//!   are not parameters (`pop_name`, ...) are annotations and ignored.
//! - **Cell types**: `model_type` `point_neuron` (or `point_process`) with
//!   `model_template` `pynn:<StandardCell>` (PyNN's names and units) or
//!   `nest:<model>` for the NEST models that are a PyNN cell (`iaf_psc_alpha`
//!   -> `IF_curr_alpha`, `iaf_psc_exp`, `iaf_cond_exp`, `iaf_cond_alpha`;
//!   NEST's names, units and defaults, translated); `virtual` nodes become
//!   `SpikeSourceArray`s fed by the simulation config's spike inputs. Nodes
//!   of one population with different cell types become one population of
//!   the session per cell type.
//! - **Edges**: `/edges/<population>/source_node_id` and `target_node_id`
//!   (attribute `node_population`), `edge_type_id`, `edge_group_id`,
//!   `edge_group_index`; per group `syn_weight`, `delay`, `nsyns`,
//!   `dynamics_params/{weight,delay}`; the edge types CSV's `syn_weight`,
//!   `weight`, `delay`, `nsyns`, `receptor_type`, `model_template` and
//!   `dynamics_params` (JSON in `components.synaptic_models_dir`). The weight
//!   is `syn_weight` (or `weight`) times `nsyns` when given (as BMTK's
//!   PointNet). Onto `nest:` cells weights are NEST's (pA, nS; negative:
//!   inhibitory) and are converted (nA, uS). The receptor is the edge type's
//!   `receptor_type`, else the weight's sign. Every edge becomes one
//!   connection of a list-defined projection (one per source and target
//!   cell type and receptor).
//! - **Simulation config**: `run.dt`, `run.tstop`; `inputs` of
//!   `input_type` `spikes` (module `h5`/`sonata`: `/spikes/<population>/
//!   timestamps`, `node_ids`) onto virtual nodes; `reports`
//!   (`cells`, `variable_name`) are recorded; spikes of every non-virtual
//!   node are recorded (as SONATA requires); `output.output_dir`,
//!   `output.spikes_file` are kept for writers.
//!
//! Refused with [`Error::Unsupported`]: multicompartment nodes
//! (`biophysical`, `single_compartment`), other templates and NEST models,
//! plastic or non-static synapse templates, current-clamp and other input
//! types, node sets other than a whole population. Refused with
//! [`Error::Format`] naming the file and dataset (or CSV line, JSON key):
//! missing datasets, wrong element types, lengths that disagree, type ids
//! absent from the CSV, group indices past a group's datasets, edges whose
//! node ids are not in the population they name.

mod config;
mod nest;
mod types_csv;

use super::h5::{H5File, format_error};
use crate::backend::Backend;
use crate::connectors::FromListConnector;
use crate::error::{Error, Result};
use crate::parameters::Value;
use crate::population::Population;
use crate::projection::{Projection, StaticSynapse};
use crate::schema::{ParamKind, cells::cell_table};
use crate::sim::{Setup, Sim};
use crate::{Assembly, Supports};
use config::Config;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use types_csv::TypesTable;

macro_rules! sonata_backend {
    ($($t:ident),*) => {
        /// A backend that supports every standard cell type, so that any
        /// circuit's `pynn:` cells can be built on it (the native engine,
        /// NEST, NEURON and Brian2 all do).
        pub trait SonataBackend: Backend $(+ Supports<crate::cells::$t>)* {}
        impl<B: Backend $(+ Supports<crate::cells::$t>)*> SonataBackend for B {}

        /// Creates a population of the standard cell type `name`.
        fn create_part<B: SonataBackend>(sim: &Sim<B>, part: &NodePart, label: &str) -> Result<Assembly<B>> {
            match part.cell_type {
                $(stringify!($t) => make::<crate::cells::$t, B>(sim, part, label),)*
                other => Err(Error::unsupported("pynn-rs", format!("cell type `{other}`"), "a PyNN standard cell type")),
            }
        }
    };
}
crate::for_each_standard_cell!(sonata_backend);

fn make<C: crate::CellType + Default, B: Backend + Supports<C>>(
    sim: &Sim<B>,
    part: &NodePart,
    label: &str,
) -> Result<Assembly<B>> {
    let pop = Population::with_label(sim, part.nodes.len(), C::default(), Some(label))?;
    let values: Vec<(&str, Value)> =
        part.parameters.iter().map(|(n, v)| (n.as_str(), Value::Array(v.clone()))).collect();
    if !values.is_empty() {
        pop.set_many(&values)?;
    }
    if let Some(times) = &part.spike_times {
        pop.set("spike_times", Value::Sequences(times.clone()))?;
    }
    if let Some(v) = &part.initial_v {
        pop.initialize("v", Value::Array(v.clone()))?;
    }
    if let Some(p) = &part.positions {
        pop.set_positions(p)?;
    }
    Assembly::new(&[&pop])
}

/// A SONATA circuit and (when given) its simulation config, read and
/// checked, not yet built into a session.
#[derive(Debug, Clone)]
pub struct Circuit {
    config: PathBuf,
    populations: Vec<NodePopulation>,
    edges: Vec<EdgePopulation>,
    run: RunConfig,
}

/// One SONATA node population.
#[derive(Debug, Clone)]
pub struct NodePopulation {
    /// Its name (the group under `/nodes`).
    pub name: String,
    /// The nodes file it was read from.
    pub file: PathBuf,
    /// `node_id` of each node, in file order.
    pub node_ids: Vec<u64>,
    /// One part per cell type, in order of first appearance.
    pub parts: Vec<NodePart>,
    /// Whether every node is virtual (a spike source).
    pub virtual_nodes: bool,
    /// (part, index in part) of each node.
    placement: Vec<(usize, usize)>,
    index_of: HashMap<u64, usize>,
}

/// The nodes of one population with one cell type: a population of the
/// session.
#[derive(Debug, Clone)]
pub struct NodePart {
    /// The PyNN standard cell type (`SpikeSourceArray` for virtual nodes).
    pub cell_type: &'static str,
    /// The template as the file gives it (`pynn:IF_cond_exp`,
    /// `nest:iaf_psc_alpha`, `virtual`).
    pub template: String,
    /// Conductance-based synapses.
    pub conductance: bool,
    /// Whether the parameters came in NEST's units (`nest:` templates):
    /// weights onto these cells are then pA or nS.
    pub nest_units: bool,
    /// Index in the node population of each cell.
    pub nodes: Vec<usize>,
    /// Parameter values per cell (PyNN names and units).
    pub parameters: Vec<(String, Vec<f64>)>,
    /// Initial membrane potential per cell (NEST's `V_m`), if given.
    pub initial_v: Option<Vec<f64>>,
    /// Positions `[x, y, z]` per cell, if the group has them.
    pub positions: Option<Vec<[f64; 3]>>,
    /// Spike times per cell (ms) from the simulation config's inputs.
    pub spike_times: Option<Vec<Vec<f64>>>,
}

/// One SONATA edge population, resolved to node indices.
#[derive(Debug, Clone)]
pub struct EdgePopulation {
    /// Its name (the group under `/edges`).
    pub name: String,
    /// The edges file it was read from.
    pub file: PathBuf,
    /// Source node population.
    pub source: String,
    /// Target node population.
    pub target: String,
    /// Index in the source population of each edge's source.
    pub source_index: Vec<usize>,
    /// Index in the target population of each edge's target.
    pub target_index: Vec<usize>,
    /// Weights (PyNN units: nA or uS).
    pub weight: Vec<f64>,
    /// Delays (ms).
    pub delay: Vec<f64>,
    /// Receptor of each edge (`"excitatory"`, `"inhibitory"`, ...).
    pub receptor: Vec<String>,
}

/// The parts of the simulation config pynn-rs reads.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// The simulation config, if one was given.
    pub file: Option<PathBuf>,
    /// Time step (ms); 0.1 without a simulation config.
    pub dt: f64,
    /// Duration (ms); `None` without a simulation config.
    pub tstop: Option<f64>,
    /// Reports: (name, node population, variable).
    pub reports: Vec<(String, String, String)>,
    /// `output.output_dir`, if given.
    pub output_dir: Option<PathBuf>,
    /// `output.spikes_file` (resolved against `output_dir`), if given.
    pub spikes_file: Option<PathBuf>,
}

impl Circuit {
    /// Reads a circuit config, or a simulation config that names its
    /// circuit (`network`) or holds it (`networks`), with every file they
    /// name.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let top = Config::read(path)?;
        let (circuit, sim_cfg) = if top.get("run").is_some() {
            let circuit = match top.get("network") {
                Some(Json::String(n)) => Config::read(&top.resolve(n))?,
                Some(other) => return Err(top.error("network", format!("is {other}; a file name is required"))),
                None if top.get("networks").is_some() => Config::read(path)?,
                None => return Err(top.error("network", "missing: a simulation config names its circuit config")),
            };
            (circuit, Some(top))
        } else {
            (top, None)
        };
        let mut populations = Vec::new();
        let nodes = circuit.get("networks.nodes").ok_or_else(|| circuit.error("networks.nodes", "missing"))?;
        let nodes = nodes.as_array().ok_or_else(|| circuit.error("networks.nodes", "must be a list"))?;
        for (i, entry) in nodes.iter().enumerate() {
            let at = format!("networks.nodes[{i}]");
            let file = circuit.resolve(&circuit.string(entry, "nodes_file", &at)?);
            let types = circuit.resolve(&circuit.string(entry, "node_types_file", &at)?);
            let types = TypesTable::read(&types, "node_type_id")?;
            let h5 = H5File::open(&file)?;
            for name in h5.members("/nodes")? {
                if populations.iter().any(|p: &NodePopulation| p.name == name) {
                    return Err(h5.error(&format!("/nodes/{name}"), "a node population of this name was read before"));
                }
                populations.push(read_nodes(&h5, &name, &types, &circuit)?);
            }
        }
        let mut edges = Vec::new();
        if let Some(list) = circuit.get("networks.edges") {
            let list = list.as_array().ok_or_else(|| circuit.error("networks.edges", "must be a list"))?;
            for (i, entry) in list.iter().enumerate() {
                let at = format!("networks.edges[{i}]");
                let file = circuit.resolve(&circuit.string(entry, "edges_file", &at)?);
                let types = circuit.resolve(&circuit.string(entry, "edge_types_file", &at)?);
                let types = TypesTable::read(&types, "edge_type_id")?;
                let h5 = H5File::open(&file)?;
                for name in h5.members("/edges")? {
                    edges.push(read_edges(&h5, &name, &types, &circuit, &populations)?);
                }
            }
        }
        let run = match sim_cfg {
            Some(s) => read_simulation(&s, &mut populations)?,
            None => RunConfig { dt: 0.1, ..RunConfig::default() },
        };
        Ok(Circuit { config: path.to_path_buf(), populations, edges, run })
    }

    /// The config file this circuit was read from.
    pub fn config_file(&self) -> &Path {
        &self.config
    }

    /// The node populations, in the order of the circuit config.
    pub fn populations(&self) -> &[NodePopulation] {
        &self.populations
    }

    /// The edge populations, in the order of the circuit config.
    pub fn edges(&self) -> &[EdgePopulation] {
        &self.edges
    }

    /// What the simulation config says (defaults without one).
    pub fn run_config(&self) -> &RunConfig {
        &self.run
    }

    /// A [`Setup`] for this circuit: `timestep` = `run.dt`, `min_delay` the
    /// smallest edge delay (at least `dt`), `max_delay` the largest.
    pub fn setup(&self) -> Setup {
        let dt = self.run.dt;
        let delays = self.edges.iter().flat_map(|e| e.delay.iter().copied());
        let (lo, hi) = delays.fold((f64::INFINITY, 0.0f64), |(lo, hi), d| (lo.min(d), hi.max(d)));
        let min_delay = if lo.is_finite() { lo.max(dt) } else { dt };
        Setup { timestep: dt, min_delay, max_delay: hi.max(min_delay), ..Setup::default() }
    }

    /// Creates the circuit's populations and projections in `sim`, and
    /// records what the simulation config asks (spikes of every
    /// non-virtual node, the reports' variables).
    pub fn build<B: SonataBackend>(&self, sim: &Sim<B>) -> Result<Network<B>> {
        let mut pops = Vec::new();
        for p in &self.populations {
            let mut parts = Vec::new();
            for part in &p.parts {
                let label = if p.parts.len() == 1 { p.name.clone() } else { format!("{}[{}]", p.name, part.cell_type) };
                let a = create_part(sim, part, &label)?;
                if !p.virtual_nodes && part.cell_type != "SpikeSourceArray" {
                    a.record("spikes", None)?;
                }
                parts.push(a);
            }
            pops.push(ImportedPopulation { name: p.name.clone(), parts, nodes: p.clone() });
        }
        for (_, pop, var) in &self.run.reports {
            // Unreachable on any file: `read_run` takes each report's population
            // name from `self.populations`, which `build` has just made one by one.
            let p = pops.iter().find(|p| &p.name == pop).expect("checked when read");
            for a in &p.parts {
                a.record(var.as_str(), None)?;
            }
        }
        let mut projections = Vec::new();
        for e in &self.edges {
            // Unreachable on any file: edge files are read against the loaded node
            // populations (`read_edges` names them from `node_population`, or errors).
            let src = pops.iter().position(|p| p.name == e.source).expect("checked when read");
            let tgt = pops.iter().position(|p| p.name == e.target).expect("checked when read");
            // One projection per (source part, target part, receptor), edges in file order.
            let mut groups: BTreeMap<(usize, usize, &str), ConnList> = BTreeMap::new();
            let mut order = Vec::new();
            for k in 0..e.weight.len() {
                let (sp, si) = self.populations[src].placement[e.source_index[k]];
                let (tp, ti) = self.populations[tgt].placement[e.target_index[k]];
                let key = (sp, tp, e.receptor[k].as_str());
                if !groups.contains_key(&key) {
                    order.push(key);
                }
                groups.entry(key).or_default().push((si, ti, e.weight[k], e.delay[k]));
            }
            let mut list = Vec::new();
            for key in order {
                let conns = groups.remove(&key).unwrap_or_default();
                let label = if groups.is_empty() && list.is_empty() {
                    e.name.clone()
                } else {
                    format!("{}[{}]", e.name, list.len())
                };
                let connector = FromListConnector::with_weights_and_delays(conns);
                let proj = Projection::with_label(
                    &pops[src].parts[key.0],
                    &pops[tgt].parts[key.1],
                    &connector,
                    StaticSynapse::default(),
                    Some(key.2),
                    Some(&label),
                )?;
                list.push(proj);
            }
            projections.push((e.name.clone(), list));
        }
        Ok(Network { sim: sim.clone(), populations: pops, projections, tstop: self.run.tstop })
    }
}

/// A circuit built into a session ([`Circuit::build`]).
pub struct Network<B: Backend> {
    sim: Sim<B>,
    populations: Vec<ImportedPopulation<B>>,
    projections: Vec<(String, Vec<Projection<B>>)>,
    tstop: Option<f64>,
}

/// A node population in a session: one assembly per cell type.
pub struct ImportedPopulation<B: Backend> {
    name: String,
    parts: Vec<Assembly<B>>,
    nodes: NodePopulation,
}

impl<B: Backend> ImportedPopulation<B> {
    /// The node population's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Number of nodes.
    pub fn size(&self) -> usize {
        self.nodes.node_ids.len()
    }
    /// `node_id` of each node, in file order.
    pub fn node_ids(&self) -> &[u64] {
        &self.nodes.node_ids
    }
    /// The session's populations (as assemblies), one per cell type, in
    /// the order of [`NodePopulation::parts`].
    pub fn parts(&self) -> &[Assembly<B>] {
        &self.parts
    }
    /// What was read for this population.
    pub fn description(&self) -> &NodePopulation {
        &self.nodes
    }
    /// The spike times (ms) of each node, in file order, from the last
    /// recorded segment; empty for nodes not recorded.
    pub fn spike_times(&self) -> Result<Vec<Vec<f64>>> {
        let mut per_part = Vec::new();
        for a in &self.parts {
            let block = a.get_data()?;
            let mut trains = vec![Vec::new(); a.size()];
            if let Some(seg) = block.segments.last() {
                for st in &seg.spiketrains {
                    if let Some(t) = trains.get_mut(st.source_index) {
                        *t = st.times.clone();
                    }
                }
            }
            per_part.push(trains);
        }
        Ok(self.nodes.placement.iter().map(|&(p, i)| std::mem::take(&mut per_part[p][i])).collect())
    }
}

impl<B: Backend> Network<B> {
    /// The session.
    pub fn sim(&self) -> &Sim<B> {
        &self.sim
    }
    /// The node populations, in the circuit's order.
    pub fn populations(&self) -> &[ImportedPopulation<B>] {
        &self.populations
    }
    /// The node population called `name`.
    pub fn population(&self, name: &str) -> Result<&ImportedPopulation<B>> {
        self.populations.iter().find(|p| p.name == name).ok_or_else(|| {
            Error::unknown_name(
                "SONATA network",
                "node population",
                name,
                self.populations.iter().map(|p| p.name.as_str()),
            )
        })
    }
    /// The projections made from edge population `name` (one per source
    /// and target cell type and receptor).
    pub fn projections(&self, name: &str) -> Result<&[Projection<B>]> {
        self.projections.iter().find(|(n, _)| n == name).map(|(_, p)| p.as_slice()).ok_or_else(|| {
            Error::unknown_name(
                "SONATA network",
                "edge population",
                name,
                self.projections.iter().map(|(n, _)| n.as_str()),
            )
        })
    }
    /// Names of the edge populations, in the circuit's order.
    pub fn edge_populations(&self) -> Vec<&str> {
        self.projections.iter().map(|(n, _)| n.as_str()).collect()
    }
    /// Runs to the simulation config's `tstop`; an error without one.
    pub fn run(&self) -> Result<f64> {
        let t = self.tstop.ok_or_else(|| Error::State {
            object: "SONATA network".into(),
            message: "no simulation config (run.tstop) was read; call `sim().run(t)`".into(),
        })?;
        self.sim.run(t)
    }
}

/// (pre, post, weight, delay) of the connections of one projection.
type ConnList = Vec<(usize, usize, f64, f64)>;
/// Per edge group: (what: weight, delay or nsyns; dataset; values).
type GroupColumns = Vec<(&'static str, String, Vec<f64>)>;

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

/// The cell type of one node type row: (PyNN cell, template, NEST model).
fn cell_kind(
    row: &types_csv::TypeRow,
    line: usize,
    table: &TypesTable,
) -> Result<(&'static str, String, Option<&'static nest::NestModel>)> {
    let at = |col: &str| format!("line {line}, column {col}");
    let model_type = row
        .get("model_type")
        .ok_or_else(|| format_error(&table.path, &at("model_type"), "missing; point_neuron or virtual expected"))?;
    match model_type.as_str() {
        "virtual" => Ok(("SpikeSourceArray", "virtual".into(), None)),
        "point_neuron" | "point_process" => {
            let t = row
                .get("model_template")
                .ok_or_else(|| format_error(&table.path, &at("model_template"), "missing for a point_neuron"))?;
            let (prefix, name) = t.split_once(':').unwrap_or(("", t.as_str()));
            match prefix.to_ascii_lowercase().as_str() {
                "pynn" => match cell_table(name) {
                    Some(c) => Ok((c.name, t.clone(), None)),
                    None => Err(Error::unsupported(
                        "pynn-rs",
                        format!("model_template `{t}` ({}, {})", table.path.display(), at("model_template")),
                        format!(
                            "pynn: templates name a PyNN standard cell type: {}",
                            crate::schema::cells::STANDARD_CELL_TYPES
                                .iter()
                                .map(|c| c.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                },
                "nest" => match nest::model(name) {
                    Some(m) => Ok((m.pynn, t.clone(), Some(m))),
                    None => Err(Error::unsupported(
                        "pynn-rs",
                        format!("NEST model `{name}` ({}, {})", table.path.display(), at("model_template")),
                        format!(
                            "nest: templates may name the NEST models that are PyNN standard cells: {}",
                            nest::MODELS.iter().map(|m| m.nest).collect::<Vec<_>>().join(", ")
                        ),
                    )),
                },
                _ => Err(Error::unsupported(
                    "pynn-rs",
                    format!("model_template `{t}` ({}, {})", table.path.display(), at("model_template")),
                    "use pynn:<StandardCell> or nest:<model>",
                )),
            }
        }
        other => Err(Error::unsupported(
            "pynn-rs",
            format!("model_type `{other}` ({}, {})", table.path.display(), at("model_type")),
            "pynn-rs runs point neurons: model_type point_neuron or virtual (multicompartment biophysical nodes are not supported)",
        )),
    }
}

/// A JSON dynamics_params file as name -> number.
fn read_json_params(path: &Path) -> Result<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let j: Json = serde_json::from_str(&text).map_err(|e| format_error(path, "/", format!("not valid JSON ({e})")))?;
    let o = j.as_object().ok_or_else(|| format_error(path, "/", "dynamics_params must be a JSON object"))?;
    o.iter()
        .map(|(k, v)| match v.as_f64() {
            Some(x) => Ok((k.clone(), x)),
            None => Err(format_error(path, k, format!("is {v}; a number is required"))),
        })
        .collect()
}

/// Checks that `name` is a parameter of a node part; the allowed names for
/// the message.
fn check_param(name: &str, cell: &'static str, nest: Option<&nest::NestModel>) -> std::result::Result<(), String> {
    let allowed: Vec<&str> = match nest {
        Some(m) => m.defaults.iter().map(|(n, _)| *n).collect(),
        None => cell_table(cell)
            .map(|c| c.parameters.iter().filter(|p| p.kind == ParamKind::Scalar).map(|p| p.name).collect())
            .unwrap_or_default(),
    };
    if allowed.contains(&name) {
        Ok(())
    } else {
        let model = nest.map(|m| m.nest).unwrap_or(cell);
        Err(format!("`{name}` is not a parameter of {model}; allowed: {}", allowed.join(", ")))
    }
}

fn read_nodes(h5: &H5File, name: &str, types: &TypesTable, circuit: &Config) -> Result<NodePopulation> {
    let base = format!("/nodes/{name}");
    let type_ids = h5.read_ids(&format!("{base}/node_type_id"))?;
    let n = type_ids.len();
    if n == 0 {
        return Err(h5.error(&format!("{base}/node_type_id"), "is empty; a population has at least one node"));
    }
    let check_len = |what: &str, len: usize| -> Result<()> {
        if len != n {
            Err(h5.error(&format!("{base}/{what}"), format!("has {len} values; node_type_id has {n}")))
        } else {
            Ok(())
        }
    };
    let node_ids = if h5.exists(&format!("{base}/node_id")) {
        let ids = h5.read_ids(&format!("{base}/node_id"))?;
        check_len("node_id", ids.len())?;
        ids
    } else {
        (0..n as u64).collect()
    };
    let mut index_of = HashMap::with_capacity(n);
    for (i, id) in node_ids.iter().enumerate() {
        if index_of.insert(*id, i).is_some() {
            return Err(h5.error(&format!("{base}/node_id"), format!("node id {id} appears twice")));
        }
    }
    let group_ids = h5.read_ids(&format!("{base}/node_group_id"))?;
    check_len("node_group_id", group_ids.len())?;
    let group_index = h5.read_ids(&format!("{base}/node_group_index"))?;
    check_len("node_group_index", group_index.len())?;

    // Per group: dynamics_params columns and positions, read once.
    struct Group {
        params: Vec<(String, Vec<f64>)>,
        xyz: Option<[Vec<f64>; 3]>,
        len: usize,
    }
    let mut groups: BTreeMap<u64, Group> = BTreeMap::new();
    for &g in &group_ids {
        if groups.contains_key(&g) {
            continue;
        }
        let gp = format!("{base}/{g}");
        let members = h5.members(&gp)?;
        let mut params = Vec::new();
        if members.iter().any(|m| m == "dynamics_params") {
            for p in h5.members(&format!("{gp}/dynamics_params"))? {
                params.push((p.clone(), h5.read_f64(&format!("{gp}/dynamics_params/{p}"))?));
            }
        }
        let has = |c: &str| members.iter().any(|m| m == c);
        let xyz = if has("x") || has("y") || has("z") {
            Some([h5.read_f64(&format!("{gp}/x"))?, h5.read_f64(&format!("{gp}/y"))?, h5.read_f64(&format!("{gp}/z"))?])
        } else {
            None
        };
        let lens: Vec<usize> =
            params.iter().map(|(_, v)| v.len()).chain(xyz.iter().flat_map(|a| a.iter().map(Vec::len))).collect();
        let len = lens.iter().copied().min().unwrap_or(usize::MAX);
        groups.insert(g, Group { params, xyz, len });
    }

    let point_dir =
        circuit.get("components.point_neuron_models_dir").and_then(Json::as_str).map(|d| circuit.resolve(d));
    let mut json_cache: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    let mut parts: Vec<NodePart> = Vec::new();
    let mut nest_of: Vec<Option<&'static nest::NestModel>> = Vec::new();
    // Parameter values per part: name -> per-cell value (None: default).
    let mut values: Vec<BTreeMap<String, Vec<Option<f64>>>> = Vec::new();
    let mut positions: Vec<Vec<Option<[f64; 3]>>> = Vec::new();
    let mut placement = Vec::with_capacity(n);
    let mut kinds: HashMap<u64, (&'static str, String, Option<&'static nest::NestModel>)> = HashMap::new();
    for i in 0..n {
        let t = type_ids[i];
        let (line, row) = types.row(t, &h5.path, &format!("{base}/node_type_id"))?;
        let kind = match kinds.get(&t) {
            Some(k) => k.clone(),
            None => {
                let k = cell_kind(row, *line, types)?;
                kinds.insert(t, k.clone());
                k
            }
        };
        let p = match parts.iter().position(|p| p.template == kind.1) {
            Some(p) => p,
            None => {
                parts.push(NodePart {
                    cell_type: kind.0,
                    template: kind.1.clone(),
                    conductance: cell_table(kind.0).is_some_and(|c| c.conductance_based),
                    nest_units: kind.2.is_some(),
                    nodes: Vec::new(),
                    parameters: Vec::new(),
                    initial_v: None,
                    positions: None,
                    spike_times: None,
                });
                nest_of.push(kind.2);
                values.push(BTreeMap::new());
                positions.push(Vec::new());
                parts.len() - 1
            }
        };
        let k = parts[p].nodes.len();
        parts[p].nodes.push(i);
        placement.push((p, k));
        let set = |name: &str, x: f64, values: &mut BTreeMap<String, Vec<Option<f64>>>| {
            let col = values.entry(name.to_string()).or_default();
            col.resize(k + 1, None);
            col[k] = Some(x);
        };
        let virtual_node = kind.1 == "virtual";
        // CSV columns that are parameters.
        if !virtual_node {
            for (col, v) in row {
                if check_param(col, kind.0, kind.2).is_ok() {
                    let x = number(v).ok_or_else(|| {
                        format_error(
                            &types.path,
                            &format!("line {line}, column {col}"),
                            format!("`{v}` is not a number"),
                        )
                    })?;
                    set(col, x, &mut values[p]);
                }
            }
            // The JSON file named by the dynamics_params column.
            if let Some(file) = row.get("dynamics_params") {
                let path = match &point_dir {
                    Some(d) => d.join(file),
                    None => {
                        return Err(circuit.error(
                            "components.point_neuron_models_dir",
                            format!(
                                "missing; node type {t} of {} names dynamics_params file `{file}`",
                                types.path.display()
                            ),
                        ));
                    }
                };
                if !json_cache.contains_key(file) {
                    json_cache.insert(file.clone(), read_json_params(&path)?);
                }
                for (name, x) in &json_cache[file] {
                    check_param(name, kind.0, kind.2).map_err(|m| format_error(&path, name, m))?;
                    set(name, *x, &mut values[p]);
                }
            }
        }
        // HDF5 dynamics_params and positions of the node's group.
        let g = group_ids[i];
        let gi = group_index[i] as usize;
        let group = &groups[&g];
        if gi >= group.len && group.len != usize::MAX {
            return Err(h5.error(
                &format!("{base}/node_group_index"),
                format!("node {i} has index {gi} into group {g}, whose datasets have {} values", group.len),
            ));
        }
        if !virtual_node {
            for (name, col) in &group.params {
                check_param(name, kind.0, kind.2)
                    .map_err(|m| h5.error(&format!("{base}/{g}/dynamics_params/{name}"), m))?;
                set(name, col[gi], &mut values[p]);
            }
        }
        let pos = group.xyz.as_ref().map(|[x, y, z]| [x[gi], y[gi], z[gi]]);
        positions[p].push(pos);
    }

    // Fill defaults and translate NEST's parameters.
    for (p, part) in parts.iter_mut().enumerate() {
        let m = part.nodes.len();
        let mut cols = std::mem::take(&mut values[p]);
        for c in cols.values_mut() {
            c.resize(m, None);
        }
        if let Some(model) = nest_of[p] {
            let mut out: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
            let mut v0 = Vec::with_capacity(m);
            for k in 0..m {
                let get = |name: &str| {
                    cols.get(name).and_then(|c| c[k]).unwrap_or_else(|| {
                        model.defaults.iter().find(|(n, _)| *n == name).map(|(_, d)| *d).unwrap_or(f64::NAN)
                    })
                };
                let (params, v) = nest::to_pynn(model, &get);
                for (name, x) in params {
                    out.entry(name).or_default().push(x);
                }
                v0.push(v);
            }
            part.parameters = out.into_iter().map(|(n, v)| (n.to_string(), v)).collect();
            part.initial_v = Some(v0);
        } else if part.cell_type != "SpikeSourceArray" {
            // Unreachable: `cell_type` comes from `cell_kind`, which accepts only the
            // names of the standard cell table (anything else is an error there).
            let table = cell_table(part.cell_type).expect("a standard cell");
            for (name, col) in cols {
                let default = table.parameters.iter().find(|s| s.name == name).map(|s| s.default).unwrap_or(f64::NAN);
                part.parameters.push((name, col.into_iter().map(|x| x.unwrap_or(default)).collect()));
            }
        }
        if positions[p].iter().all(Option::is_some) {
            // Every entry is `Some`: tested on the line above.
            part.positions = Some(positions[p].iter().map(|x| x.expect("checked")).collect());
        }
    }
    let virtual_nodes = parts.iter().all(|p| p.template == "virtual");
    Ok(NodePopulation {
        name: name.to_string(),
        file: h5.path.clone(),
        node_ids,
        parts,
        virtual_nodes,
        placement,
        index_of,
    })
}

fn read_edges(
    h5: &H5File,
    name: &str,
    types: &TypesTable,
    circuit: &Config,
    populations: &[NodePopulation],
) -> Result<EdgePopulation> {
    let base = format!("/edges/{name}");
    let ends = ["source_node_id", "target_node_id"];
    let mut pops = Vec::new();
    let mut ids = Vec::new();
    for end in ends {
        let ds = format!("{base}/{end}");
        let v = h5.read_ids(&ds)?;
        let pop_name = h5
            .string_attr(&ds, "node_population")?
            .ok_or_else(|| h5.error(&ds, "missing attribute `node_population`"))?;
        let pop = populations.iter().find(|p| p.name == pop_name).ok_or_else(|| {
            h5.error(
                &format!("{ds} (attribute `node_population`)"),
                format!(
                    "`{pop_name}` is not a node population of the circuit; node populations: {}",
                    populations.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        pops.push(pop);
        ids.push((ds, v));
    }
    let m = ids[0].1.len();
    let check_len = |what: &str, len: usize| -> Result<()> {
        if len != m {
            Err(h5.error(&format!("{base}/{what}"), format!("has {len} values; source_node_id has {m}")))
        } else {
            Ok(())
        }
    };
    check_len("target_node_id", ids[1].1.len())?;
    let mut index = Vec::new();
    for ((ds, v), pop) in ids.iter().zip(&pops) {
        let mut idx = Vec::with_capacity(m);
        for (k, id) in v.iter().enumerate() {
            match pop.index_of.get(id) {
                Some(i) => idx.push(*i),
                None => {
                    let (lo, hi) = (
                        pop.node_ids.iter().min().copied().unwrap_or(0),
                        pop.node_ids.iter().max().copied().unwrap_or(0),
                    );
                    return Err(h5.error(
                        ds,
                        format!(
                            "edge {k} names node {id}, which is not in population `{}` ({} nodes, ids {lo}..={hi})",
                            pop.name,
                            pop.node_ids.len()
                        ),
                    ));
                }
            }
        }
        index.push(idx);
    }
    let type_ids = h5.read_ids(&format!("{base}/edge_type_id"))?;
    check_len("edge_type_id", type_ids.len())?;
    let group_ids = h5.read_ids(&format!("{base}/edge_group_id"))?;
    check_len("edge_group_id", group_ids.len())?;
    let group_index = h5.read_ids(&format!("{base}/edge_group_index"))?;
    check_len("edge_group_index", group_index.len())?;

    // Per group: the datasets that give weight, delay, nsyns.
    let mut groups: BTreeMap<u64, GroupColumns> = BTreeMap::new();
    for &g in &group_ids {
        if groups.contains_key(&g) {
            continue;
        }
        let gp = format!("{base}/{g}");
        let members = h5.members(&gp)?;
        let mut cols = Vec::new();
        let dp: Vec<String> = if members.iter().any(|x| x == "dynamics_params") {
            h5.members(&format!("{gp}/dynamics_params"))?
        } else {
            Vec::new()
        };
        for (what, names) in [("weight", ["weight", "syn_weight"]), ("delay", ["delay", "delay"])] {
            for n in names {
                if dp.iter().any(|x| x == n) {
                    let ds = format!("{gp}/dynamics_params/{n}");
                    cols.push((what, ds.clone(), h5.read_f64(&ds)?));
                }
            }
            for n in names {
                if members.iter().any(|x| x == n) {
                    let ds = format!("{gp}/{n}");
                    cols.push((what, ds.clone(), h5.read_f64(&ds)?));
                }
            }
        }
        if members.iter().any(|x| x == "nsyns") {
            let ds = format!("{gp}/nsyns");
            cols.push(("nsyns", ds.clone(), h5.read_f64(&ds)?));
        }
        groups.insert(g, cols);
    }

    let syn_dir = circuit.get("components.synaptic_models_dir").and_then(Json::as_str).map(|d| circuit.resolve(d));
    // Per edge type: (weight, delay, nsyns, receptor) from the CSV and JSON.
    type TypeInfo = (Option<f64>, Option<f64>, Option<f64>, Option<String>);
    let mut type_info: HashMap<u64, TypeInfo> = HashMap::new();
    let (mut weight, mut delay, mut receptor) = (Vec::with_capacity(m), Vec::with_capacity(m), Vec::with_capacity(m));
    let target = pops[1];
    for k in 0..m {
        let t = type_ids[k];
        if let std::collections::hash_map::Entry::Vacant(slot) = type_info.entry(t) {
            let (line, row) = types.row(t, &h5.path, &format!("{base}/edge_type_id"))?;
            let at = |c: &str| format!("line {line}, column {c}");
            if let Some(tpl) = row.get("model_template") {
                let ok = ["pynn:StaticSynapse", "nest:static_synapse", "static_synapse", "StaticSynapse"];
                if !ok.iter().any(|o| o.eq_ignore_ascii_case(tpl)) {
                    return Err(Error::unsupported(
                        "pynn-rs",
                        format!("synapse model_template `{tpl}` ({}, {})", types.path.display(), at("model_template")),
                        "SONATA import reads static synapses (pynn:StaticSynapse, nest:static_synapse)",
                    ));
                }
            }
            let num = |c: &str| -> Result<Option<f64>> {
                row.get(c)
                    .map(|v| {
                        number(v).ok_or_else(|| format_error(&types.path, &at(c), format!("`{v}` is not a number")))
                    })
                    .transpose()
            };
            let mut w = num("weight")?.or(num("syn_weight")?);
            let mut d = num("delay")?;
            let ns = num("nsyns")?;
            if let Some(file) = row.get("dynamics_params") {
                let path = match &syn_dir {
                    Some(dir) => dir.join(file),
                    None => {
                        return Err(circuit.error(
                            "components.synaptic_models_dir",
                            format!(
                                "missing; edge type {t} of {} names dynamics_params file `{file}`",
                                types.path.display()
                            ),
                        ));
                    }
                };
                for (name, x) in read_json_params(&path)? {
                    match name.as_str() {
                        "weight" | "syn_weight" => w = Some(x),
                        "delay" => d = Some(x),
                        // Other synapse parameters of a static synapse (e.g.
                        // BMTK's `level_of_detail`) carry nothing for us.
                        _ => {}
                    }
                }
            }
            let rec = row.get("receptor_type").cloned();
            slot.insert((w, d, ns, rec));
        }
        let (tw, td, tn, trec) = &type_info[&t];
        let g = group_ids[k];
        let gi = group_index[k] as usize;
        let (mut w, mut d, mut ns) = (*tw, *td, *tn);
        for (what, ds, col) in &groups[&g] {
            let x = *col.get(gi).ok_or_else(|| {
                h5.error(
                    &format!("{base}/edge_group_index"),
                    format!("edge {k} has index {gi} into group {g}, but {ds} has {} values", col.len()),
                )
            })?;
            match *what {
                "weight" => w = Some(x),
                "delay" => d = Some(x),
                _ => ns = Some(x),
            }
        }
        let w = w.ok_or_else(|| {
            h5.error(
                &format!("{base}/{g}/syn_weight"),
                format!(
                    "missing: edge {k} (type {t}) has no weight here, in {base}/{g}/dynamics_params, nor in {}",
                    types.path.display()
                ),
            )
        })?;
        let d = d.ok_or_else(|| {
            h5.error(
                &format!("{base}/{g}/delay"),
                format!(
                    "missing: edge {k} (type {t}) has no delay here, in {base}/{g}/dynamics_params, nor in {}",
                    types.path.display()
                ),
            )
        })?;
        let mut w = w * ns.unwrap_or(1.0);
        let part = &target.parts[target.placement[index[1][k]].0];
        let rec = match trec {
            Some(r) => r.clone(),
            None if w < 0.0 => "inhibitory".into(),
            None => "excitatory".into(),
        };
        if part.nest_units {
            w /= 1000.0; // pA -> nA, nS -> uS
        }
        if part.conductance {
            w = w.abs(); // NEST's inhibitory conductances are negative; PyNN's positive
        }
        weight.push(w);
        delay.push(d);
        receptor.push(rec);
    }
    // `index` has exactly two entries: the loop above runs over the
    // (source, target) pair of id datasets and returns early on any error.
    let target_index = index.pop().expect("two ends");
    let source_index = index.pop().expect("two ends");
    Ok(EdgePopulation {
        name: name.to_string(),
        file: h5.path.clone(),
        source: pops[0].name.clone(),
        target: pops[1].name.clone(),
        source_index,
        target_index,
        weight,
        delay,
        receptor,
    })
}

/// The node population a node set names: a population's own name, or an
/// entry of `node_sets_file` with only `population`.
fn node_set_population(s: &Config, set: &str, at: &str, populations: &[NodePopulation]) -> Result<usize> {
    if let Some(i) = populations.iter().position(|p| p.name == set) {
        return Ok(i);
    }
    if let Some(Json::String(f)) = s.get("node_sets_file") {
        let path = s.resolve(f);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let j: Json =
            serde_json::from_str(&text).map_err(|e| format_error(&path, "/", format!("not valid JSON ({e})")))?;
        if let Some(def) = j.get(set) {
            let only_pop =
                def.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("population")).and_then(Json::as_str);
            return match only_pop.and_then(|p| populations.iter().position(|q| q.name == p)) {
                Some(i) => Ok(i),
                None => Err(Error::unsupported(
                    "pynn-rs",
                    format!("node set `{set}` = {def} ({})", path.display()),
                    "node sets that are a whole node population ({\"population\": name})",
                )),
            };
        }
    }
    Err(s.error(
        at,
        format!(
            "node set `{set}` is neither a node population ({}) nor in node_sets_file",
            populations.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    ))
}

fn read_simulation(s: &Config, populations: &mut [NodePopulation]) -> Result<RunConfig> {
    let dt = s.number("run.dt")?;
    let tstop = s.number("run.tstop")?;
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(s.error("run.dt", format!("is {dt}; a positive time step (ms) is required")));
    }
    if !(tstop >= 0.0 && tstop.is_finite()) {
        return Err(s.error("run.tstop", format!("is {tstop}; a finite time >= 0 (ms) is required")));
    }
    if let Some(inputs) = s.get("inputs") {
        let inputs = inputs.as_object().ok_or_else(|| s.error("inputs", "must be an object"))?;
        for (name, inp) in inputs {
            let at = format!("inputs.{name}");
            let kind = s.string(inp, "input_type", &at)?;
            if kind != "spikes" {
                return Err(Error::unsupported(
                    "pynn-rs",
                    format!("input_type `{kind}` ({}, {at})", s.path.display()),
                    "SONATA import reads spike inputs (input_type spikes) onto virtual nodes",
                ));
            }
            let module = s.string(inp, "module", &at)?;
            if !["h5", "sonata", "hdf5"].contains(&module.as_str()) {
                return Err(Error::unsupported(
                    "pynn-rs",
                    format!("spike input module `{module}` ({}, {at}.module)", s.path.display()),
                    "SONATA spike files (module h5 or sonata)",
                ));
            }
            let file = s.resolve(&s.string(inp, "input_file", &at)?);
            let set = s.string(inp, "node_set", &at)?;
            let p = node_set_population(s, &set, &format!("{at}.node_set"), populations)?;
            let pop = &mut populations[p];
            if !pop.virtual_nodes {
                return Err(Error::unsupported(
                    "pynn-rs",
                    format!("spike input `{name}` into population `{}`, which has non-virtual nodes", pop.name),
                    "spike inputs drive virtual nodes",
                ));
            }
            let h5 = H5File::open(&file)?;
            let groups = h5.members("/spikes")?;
            let g = if groups.iter().any(|x| x == &pop.name) {
                format!("/spikes/{}", pop.name)
            } else if groups.len() == 1 && h5.exists(&format!("/spikes/{}/timestamps", groups[0])) {
                format!("/spikes/{}", groups[0])
            } else {
                return Err(h5.error(
                    &format!("/spikes/{}", pop.name),
                    format!("missing group (spike file groups: {})", groups.join(", ")),
                ));
            };
            let times = h5.read_f64(&format!("{g}/timestamps"))?;
            let ids_ds =
                if h5.exists(&format!("{g}/node_ids")) { format!("{g}/node_ids") } else { format!("{g}/gids") };
            let ids = h5.read_ids(&ids_ds)?;
            if ids.len() != times.len() {
                return Err(h5.error(&ids_ds, format!("has {} values; timestamps has {}", ids.len(), times.len())));
            }
            let mut trains: Vec<Vec<Vec<f64>>> = pop.parts.iter().map(|q| vec![Vec::new(); q.nodes.len()]).collect();
            for (k, (id, t)) in ids.iter().zip(&times).enumerate() {
                let i = *pop.index_of.get(id).ok_or_else(|| {
                    h5.error(&ids_ds, format!("spike {k} names node {id}, which is not in population `{}`", pop.name))
                })?;
                if !t.is_finite() || *t < 0.0 {
                    return Err(h5.error(
                        &format!("{g}/timestamps"),
                        format!("spike {k} at {t}; times are finite and >= 0 (ms)"),
                    ));
                }
                let (q, j) = pop.placement[i];
                trains[q][j].push(*t);
            }
            for (part, mut tr) in pop.parts.iter_mut().zip(trains) {
                for t in &mut tr {
                    t.sort_by(f64::total_cmp);
                }
                part.spike_times = Some(tr);
            }
        }
    }
    let mut reports = Vec::new();
    if let Some(r) = s.get("reports") {
        let r = r.as_object().ok_or_else(|| s.error("reports", "must be an object"))?;
        for (name, rep) in r {
            let at = format!("reports.{name}");
            let cells = s.string(rep, "cells", &at)?;
            let var = s.string(rep, "variable_name", &at)?;
            let p = node_set_population(s, &cells, &format!("{at}.cells"), populations)?;
            reports.push((name.clone(), populations[p].name.clone(), var));
        }
    }
    let output_dir = s.get("output.output_dir").and_then(Json::as_str).map(|d| s.resolve(d));
    let spikes_file = s.get("output.spikes_file").and_then(Json::as_str).map(|f| match &output_dir {
        Some(d) if Path::new(f).is_relative() => d.join(f),
        _ => s.resolve(f),
    });
    Ok(RunConfig { file: Some(s.path.clone()), dt, tstop: Some(tstop), reports, output_dir, spikes_file })
}
