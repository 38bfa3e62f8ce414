//! Writing a session as a SONATA circuit, simulation config and outputs.
//!
//! [`export`] writes, into a directory, what a session holds now:
//!
//! * `circuit_config.json`: manifest (`$BASE_DIR` is the directory's
//!   absolute path), components directories (no `target_simulator`:
//!   libsonata accepts only NEURON simulators there),
//!   and one `networks.nodes` / `networks.edges` entry per file below.
//! * `networks/nodes_<pop>.h5` + `networks/node_types_<pop>.csv`, one
//!   node population per population, named after its label (characters
//!   other than ASCII letters, digits, `_` and `-` become `_`, `→` becomes
//!   `-`, as PyNN's `asciify`; a repeated name gets a suffix `_2`, `_3`, ...).
//!   Datasets `/nodes/<pop>/node_id` (0..n, PyNN's importer reads it),
//!   `node_type_id` (the population's index), `node_group_id` (0),
//!   `node_group_index` (0..n), and in group `0`: `x`, `y`, `z`
//!   (positions), `dynamics_params/<name>` for each parameter whose value
//!   differs between cells (PyNN's units; a parameter with one value for
//!   every cell is a column of the CSV instead, as PyNN writes it), and
//!   `initial_values/<name>` (a pynn-rs addition: the initial value of each
//!   state variable per cell; other readers ignore it). The CSV
//!   (space-separated) has `node_type_id`, `model_type` (`point_neuron`,
//!   or `virtual` for spike sources), `model_template` (`pynn:<cell
//!   type>`, as PyNN's `export_to_sonata` with `target="PyNN"`) and the
//!   uniform parameters, `NONE` where the value is in the HDF5 file.
//! * `networks/edges_<proj>.h5` + `networks/edge_types_<proj>.csv`, one
//!   edge population per projection and pair of (pre, post) populations
//!   it joins (a projection between assemblies becomes several, named
//!   `<proj>-<pre>-<post>`). Datasets `source_node_id` / `target_node_id`
//!   (uint64, index in the node population, attribute `node_population`),
//!   `edge_type_id`, `edge_group_id` (0), `edge_group_index`, group `0`
//!   with `syn_weight` (PyNN units: nA, uS, or mV for delta synapses;
//!   inhibitory current-based weights negative, as PyNN), `delay` (ms) and
//!   `dynamics_params/` with `delay` and the synapse type's parameters
//!   (`U`, `tau_rec`, `tau_facil` of `TsodyksMarkramSynapse`), one value
//!   per edge; and the `indices/source_to_target` and
//!   `indices/target_to_source` tables (`node_id_to_ranges`,
//!   `range_to_edge_id`). The CSV has `edge_type_id`, `model_template`
//!   (`pynn:StaticSynapse`, `pynn:TsodyksMarkramSynapse`) and
//!   `receptor_type` (`excitatory`, `inhibitory`). Edges are in the
//!   projection's list order (`Projection::get_list`).
//! * `inputs/<pop>_spikes.h5`: the spikes of each spike source population
//!   (`/spikes/<pop>/timestamps` in ms and `node_ids`, by time): a
//!   `SpikeSourceArray`'s `spike_times` up to `tstop`, a random source's
//!   spikes realised by the run so far (they must be recorded for every
//!   cell, and `tstop` must not exceed the current time).
//! * `node_sets.json`: one node set per population (`{"population": name}`)
//!   and one per recorded variable (`<pop>_<var>`, with its `node_id`s).
//! * `simulation_config.json`: `run` (`tstop`: the time run so far or
//!   [`ExportOptions::tstop`]; `dt`; `random_seed`: the session seed),
//!   `inputs` (`input_type: "spikes"`, `module: "synapse_replay"`, the file
//!   as both `input_file` (BMTK, PyNN) and `spike_file` (libsonata),
//!   `node_set`, `delay` 0, `duration` tstop; one per spike source),
//!   `output` (`output_dir` `$BASE_DIR/output`, `spikes_file`
//!   `spikes.h5`, `spikes_sort_order` `by_time`), `reports` (one per
//!   recorded analog variable and population: `cells`, `variable_name`,
//!   `module: "membrane_report"`, `type: "compartment"`, `sections:
//!   "soma"`, `file_name` `<pop>_<var>.h5`, `dt` the sampling interval,
//!   `start_time`, `end_time`) and `node_sets_file`. libsonata's
//!   `SimulationConfig` reads it. PyNN's own `SimulationPlan` does not
//!   replay it: it reads spike inputs in the pre-1.0 layout
//!   (`/spikes/gids`) and only from module `h5`.
//!
//! [`crate::sonata::output::write_outputs`] writes the recorded data of a run as
//! the SONATA output files this config names.
//!
//! Refused with [`Error::Unsupported`] naming the object, before anything
//! is written: `PointNeuron` populations (no PyNN template), projections
//! with STDP or Vogels 2011 plasticity (PyNN's SONATA import takes no
//! weight-dependence or timing-dependence components), current sources
//! (not written), random spike sources whose spikes are not recorded for
//! every cell or not known up to `tstop`. Connections are written
//! explicitly, so every connector (spatial ones included) is exported.
//!
//! Format facts from the SONATA developer guide
//! (github:AllenInstitute/sonata `docs/SONATA_DEVELOPER_GUIDE.md`); the
//! layout, names and conventions PyNN's reader expects from
//! github:NeuralEnsemble/PyNN `pyNN/serialization/sonata.py`
//! (`export_to_sonata`, `import_from_sonata`).

use crate::backend::Backend;
use crate::error::{Error, Result, fmt_num};
use crate::parameters::Column;
use crate::sim::Sim;
use hdf5_metno as hdf5;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What [`export`] writes beyond the session itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportOptions {
    /// `run.tstop` of the simulation config (ms); `None`: the time run so
    /// far, or 0 before any run.
    pub tstop: Option<f64>,
    /// Replace the files of an earlier export in the directory. Without
    /// it, a directory that already holds a `circuit_config.json` is an
    /// error.
    pub overwrite: bool,
}

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// `<dir>/circuit_config.json`.
    pub circuit_config: PathBuf,
    /// `<dir>/simulation_config.json`.
    pub simulation_config: PathBuf,
    /// SONATA name of each population's node population (session order).
    pub node_populations: Vec<String>,
    /// SONATA names of each projection's edge populations (session order).
    pub edge_populations: Vec<Vec<String>>,
}

/// An HDF5 failure as an [`Error::Io`] naming the file.
pub(crate) fn h5err(path: &Path) -> impl Fn(hdf5::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

/// A one-dimensional dataset `name` in `group`.
pub(crate) fn dataset<T: hdf5::H5Type>(group: &hdf5::Group, name: &str, data: &[T], path: &Path) -> Result<()> {
    group.new_dataset_builder().with_data(data).create(name).map_err(h5err(path))?;
    Ok(())
}

/// A two-dimensional dataset (`rows x cols`, row-major `data`).
pub(crate) fn dataset2<T: hdf5::H5Type>(
    group: &hdf5::Group,
    name: &str,
    rows: usize,
    cols: usize,
    data: &[T],
    path: &Path,
) -> Result<hdf5::Dataset> {
    let ds = group.new_dataset::<T>().shape((rows, cols)).create(name).map_err(h5err(path))?;
    if !data.is_empty() {
        ds.write_raw(data).map_err(h5err(path))?;
    }
    Ok(ds)
}

/// A variable-length UTF-8 string attribute.
pub(crate) fn string_attr(loc: &hdf5::Location, name: &str, value: &str, path: &Path) -> Result<()> {
    let v: hdf5::types::VarLenUnicode =
        value.parse().map_err(|e| Error::io(path, format!("attribute {name}={value:?}: {e:?}")))?;
    loc.new_attr::<hdf5::types::VarLenUnicode>().create(name).and_then(|a| a.write_scalar(&v)).map_err(h5err(path))
}

/// A name safe as an HDF5 group and a file name: `→` becomes `-` (as
/// PyNN's `asciify`), other characters outside `[A-Za-z0-9_-]` become `_`.
pub fn sonata_name(label: &str) -> String {
    let s: String = label
        .chars()
        .map(|c| match c {
            '→' => '-',
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => c,
            _ => '_',
        })
        .collect();
    if s.is_empty() { "_".into() } else { s }
}

fn unique(name: String, used: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut k = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{name}_{k}");
        k += 1;
    }
    candidate
}

/// `node_id_to_ranges` and `range_to_edge_id` of SONATA's edge indices:
/// for each node (`0..n_nodes`), the runs of consecutive edge ids whose
/// `ids[edge]` is that node.
pub(crate) fn index_table(ids: &[u64], n_nodes: usize) -> (Vec<u64>, Vec<u64>) {
    let mut runs: Vec<Vec<(u64, u64)>> = vec![Vec::new(); n_nodes];
    let mut k = 0;
    while k < ids.len() {
        let mut end = k + 1;
        while end < ids.len() && ids[end] == ids[k] {
            end += 1;
        }
        runs[ids[k] as usize].push((k as u64, end as u64));
        k = end;
    }
    let (mut node_to_ranges, mut range_to_edge) = (Vec::with_capacity(2 * n_nodes), Vec::new());
    for r in runs {
        let start = (range_to_edge.len() / 2) as u64;
        for (a, b) in &r {
            range_to_edge.push(*a);
            range_to_edge.push(*b);
        }
        node_to_ranges.push(start);
        node_to_ranges.push(start + r.len() as u64);
    }
    (node_to_ranges, range_to_edge)
}

fn is_source(cell_type: &str) -> bool {
    cell_type.starts_with("SpikeSource")
}

/// A CSV field: numbers in Rust's shortest round-trip form, text quoted
/// when it holds a space or a quote.
fn csv_field(v: &Json) -> String {
    match v {
        Json::String(s) if s.contains([' ', '"']) => format!("\"{}\"", s.replace('"', "\"\"")),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_csv(path: &Path, header: &[String], row: &BTreeMap<String, Json>) -> Result<()> {
    let mut text = header.join(" ");
    text.push('\n');
    let fields: Vec<String> = header.iter().map(|h| csv_field(&row[h])).collect();
    text.push_str(&fields.join(" "));
    text.push('\n');
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// What is read from the session before anything is written.
struct PopOut {
    name: String,
    cell_type: &'static str,
    size: usize,
    offset: usize,
    /// Parameter columns (scalars only; sequences are spike times).
    params: Vec<(&'static str, Vec<f64>)>,
    initial: Vec<(&'static str, Vec<f64>)>,
    positions: Vec<[f64; 3]>,
    /// Spike inputs of a source: (node id, time), by time.
    spikes: Option<Vec<(u64, f64)>>,
    /// Recorded analog variables and their cells.
    signals: Vec<(String, Vec<usize>)>,
    /// Sampling interval of the recorded signals (ms).
    sampling: f64,
}

struct EdgePart {
    name: String,
    pre: usize,
    post: usize,
    source: Vec<u64>,
    target: Vec<u64>,
    weight: Vec<f64>,
    delay: Vec<f64>,
    columns: Vec<(&'static str, Vec<f64>)>,
}

struct ProjOut {
    label: String,
    synapse_type: &'static str,
    receptor: &'static str,
    parts: Vec<EdgePart>,
}

/// The synapse parameters written per edge for each synapse type
/// (PyNN's `default_parameters` of the type, weight and delay apart:
/// pyNN/standardmodels/synapses.py).
fn synapse_columns(synapse_type: &str) -> Option<&'static [&'static str]> {
    match synapse_type {
        "StaticSynapse" => Some(&[]),
        "TsodyksMarkramSynapse" => Some(&["U", "tau_rec", "tau_facil"]),
        _ => None,
    }
}

fn collect<B: Backend>(sim: &Sim<B>, tstop: f64) -> Result<(Vec<PopOut>, Vec<ProjOut>, f64)> {
    let mut st = sim.lock();
    st.check_alive()?;
    let dt = st.config.timestep;
    let now = st.now();
    if !st.sources.is_empty() {
        return Err(Error::unsupported(
            "pynn-rs",
            format!("SONATA export of a session with {} current source(s)", st.sources.len()),
            "export the network without current sources (SONATA's `current_clamp` input is not written)",
        ));
    }
    let mut used = BTreeSet::new();
    let mut pops = Vec::with_capacity(st.pops.len());
    for p in 0..st.pops.len() {
        let rec = &st.pops[p];
        let object = rec.describe();
        if rec.info.name == "PointNeuron" {
            return Err(Error::unsupported(
                "pynn-rs",
                format!("SONATA export of {object}"),
                "use a standard cell type: PyNN's SONATA templates (`pynn:<cell type>`) name standard cell types \
                 only, and a PointNeuron's composition has no template",
            ));
        }
        let mut params = Vec::new();
        let mut spike_times = None;
        for spec in rec.info.parameters {
            match rec.params.column(spec.name) {
                Some(Column::Scalar(v)) => params.push((spec.name, v.clone())),
                Some(Column::Sequence(s)) => spike_times = Some(s.clone()),
                None => {}
            }
        }
        let initial = rec
            .info
            .state
            .iter()
            .filter_map(|s| rec.initial.column(s.name).and_then(Column::as_scalar).map(|v| (s.name, v.to_vec())))
            .collect();
        let signals: Vec<(String, Vec<usize>)> = rec
            .recording
            .signals
            .iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(k, c)| (k.clone(), c.iter().copied().collect()))
            .collect();
        let sampling = rec.recording.interval_steps.unwrap_or(1) as f64 * dt;
        let (label, cell_type, size, offset) = (rec.label.clone(), rec.info.name, rec.size, rec.offset);
        let positions = rec.positions.clone();
        let all_recorded = rec.recording.spikes.len() == size;
        let spikes = if !is_source(cell_type) {
            None
        } else if let Some(times) = spike_times {
            let mut s: Vec<(u64, f64)> = times
                .iter()
                .enumerate()
                .flat_map(|(i, ts)| ts.iter().filter(|t| **t <= tstop).map(move |t| (i as u64, *t)))
                .collect();
            s.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            Some(s)
        } else {
            if !all_recorded || tstop > now + dt / 2.0 {
                let why = if !all_recorded {
                    format!("its spikes are recorded for {} of its {size} cells", rec.recording.spikes.len())
                } else {
                    format!("its spikes are known up to {} ms only (tstop {} ms)", fmt_num(now), fmt_num(tstop))
                };
                return Err(Error::unsupported(
                    "pynn-rs",
                    format!(
                        "SONATA export of {object}: a random source is written as the spikes it emitted, and {why}"
                    ),
                    "record its spikes (all cells) and run up to tstop before exporting, or export with a tstop \
                     no later than the current time",
                ));
            }
            let block = st.block(p, Some(&["spikes"]))?;
            let mut s = Vec::new();
            if let Some(seg) = block.segments.last() {
                for train in &seg.spiketrains {
                    s.extend(train.times.iter().filter(|t| **t <= tstop).map(|t| (train.source_index as u64, *t)));
                }
            }
            s.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            Some(s)
        };
        let name = unique(sonata_name(&label), &mut used);
        pops.push(PopOut { name, cell_type, size, offset, params, initial, positions, spikes, signals, sampling });
    }
    let pop_of = |g: u32| pops.iter().position(|p| (g as usize) >= p.offset && (g as usize) < p.offset + p.size);
    let mut used = BTreeSet::new();
    let mut projs = Vec::with_capacity(st.projs.len());
    for id in 0..st.projs.len() {
        let (label, synapse_type, receptor) =
            (st.projs[id].label.clone(), st.projs[id].synapse_type, st.projs[id].receptor);
        let object = format!("projection \"{label}\" ({synapse_type})");
        let Some(extra) = synapse_columns(synapse_type) else {
            return Err(Error::unsupported(
                "pynn-rs",
                format!("SONATA export of {object}"),
                "StaticSynapse or TsodyksMarkramSynapse (PyNN's SONATA import builds a synapse type from its \
                 parameters only, and STDPMechanism needs timing- and weight-dependence components)",
            ));
        };
        let (pre, post) = st.backend.connections(id)?;
        let weight = st.backend.get_synaptic(id, "weight")?;
        let delay = st.backend.get_synaptic(id, "delay")?;
        let mut columns = Vec::with_capacity(extra.len());
        for c in extra {
            columns.push((*c, st.backend.get_synaptic(id, c)?));
        }
        let mut parts: Vec<EdgePart> = Vec::new();
        for k in 0..pre.len() {
            let (Some(a), Some(b)) = (pop_of(pre[k]), pop_of(post[k])) else {
                return Err(Error::State {
                    object,
                    message: format!("connection {k} joins cells {} -> {} of no population", pre[k], post[k]),
                });
            };
            let part = match parts.iter().position(|q| q.pre == a && q.post == b) {
                Some(q) => q,
                None => {
                    parts.push(EdgePart {
                        name: String::new(),
                        pre: a,
                        post: b,
                        source: Vec::new(),
                        target: Vec::new(),
                        weight: Vec::new(),
                        delay: Vec::new(),
                        columns: extra.iter().map(|c| (*c, Vec::new())).collect(),
                    });
                    parts.len() - 1
                }
            };
            let q = &mut parts[part];
            q.source.push((pre[k] as usize - pops[a].offset) as u64);
            q.target.push((post[k] as usize - pops[b].offset) as u64);
            q.weight.push(weight[k]);
            q.delay.push(delay[k]);
            for (c, (_, v)) in q.columns.iter_mut().zip(&columns) {
                c.1.push(v[k]);
            }
        }
        let base = sonata_name(&label);
        let single = parts.len() <= 1;
        for q in &mut parts {
            let n = if single { base.clone() } else { format!("{base}-{}-{}", pops[q.pre].name, pops[q.post].name) };
            q.name = unique(n, &mut used);
        }
        projs.push(ProjOut { label, synapse_type, receptor, parts });
    }
    Ok((pops, projs, now))
}

/// Writes the session's network, spike inputs and recording setup as a
/// SONATA circuit and simulation config into `dir` (created if needed);
/// see the module documentation for what is written and what is refused.
///
/// ```no_run
/// # use pynn_core::{Sim, Setup, sonata};
/// # use pynn_core::testing::NullBackend as Native;
/// let sim = Sim::<Native>::setup(Setup::default())?;
/// // ... populations, projections, record, run ...
/// let out = sonata::export::export(&sim, "out/circuit", &sonata::export::ExportOptions::default())?;
/// println!("{}", out.circuit_config.display());
/// # Ok::<(), pynn_core::Error>(())
/// ```
pub fn export<B: Backend>(sim: &Sim<B>, dir: impl AsRef<Path>, options: &ExportOptions) -> Result<Exported> {
    let dir = dir.as_ref();
    let now = sim.get_current_time();
    let dt = sim.get_time_step();
    let seed = sim.seed();
    let tstop = match options.tstop {
        None => now,
        Some(t) if t.is_finite() && t >= 0.0 => t,
        Some(t) => {
            return Err(Error::invalid_value(
                "sonata::export",
                "ExportOptions::tstop",
                fmt_num(t),
                "a finite time >= 0 ms, or None for the time run so far",
            ));
        }
    };
    let (pops, projs, _) = collect(sim, tstop)?;
    if dir.as_os_str().is_empty() {
        return Err(Error::invalid_value("sonata::export", "dir", "\"\"", "a directory path"));
    }
    if dir.join("circuit_config.json").exists() && !options.overwrite {
        return Err(Error::invalid_value(
            "sonata::export",
            "dir",
            dir.display(),
            "a directory without an earlier export (or set ExportOptions::overwrite)",
        ));
    }
    let network = dir.join("networks");
    let inputs = dir.join("inputs");
    for d in [dir, &network, &inputs] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let base = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
    let base_str = base.to_string_lossy().to_string();

    let mut nodes_cfg = Vec::new();
    for (i, p) in pops.iter().enumerate() {
        write_nodes(&network, i, p)?;
        let model_type = if is_source(p.cell_type) { "virtual" } else { "point_neuron" };
        nodes_cfg.push(json!({
            "nodes_file": format!("$NETWORK_DIR/nodes_{}.h5", p.name),
            "node_types_file": format!("$NETWORK_DIR/node_types_{}.csv", p.name),
            "populations": {p.name.clone(): {"type": model_type}},
        }));
    }
    let mut edges_cfg = Vec::new();
    let mut type_id = 0usize;
    let mut files = BTreeSet::new();
    for pr in &projs {
        // A projection without connections has no edge population.
        if pr.parts.is_empty() {
            continue;
        }
        let file = unique(sonata_name(&pr.label), &mut files);
        write_edges(&network, &file, type_id, pr, &pops)?;
        type_id += 1;
        edges_cfg.push(json!({
            "edges_file": format!("$NETWORK_DIR/edges_{file}.h5"),
            "edge_types_file": format!("$NETWORK_DIR/edge_types_{file}.csv"),
            "populations": pr.parts.iter().map(|q| (q.name.clone(), json!({"type": "chemical"})))
                .collect::<serde_json::Map<_, _>>(),
        }));
    }
    // No `target_simulator`: libsonata accepts only NEURON and CORENEURON
    // there, and PyNN's importer reads `"NEST"` as NEST-native names
    // (`nest:spike_generator` for virtual nodes); without it PyNN warns and
    // reads `pynn:` templates.
    let circuit = json!({
        "manifest": {
            "$BASE_DIR": base_str,
            "$NETWORK_DIR": "$BASE_DIR/networks",
            "$COMPONENT_DIR": "$BASE_DIR/components",
        },
        "components": {
            "point_neuron_models_dir": "$COMPONENT_DIR/point_neuron_dynamics",
            "synaptic_models_dir": "$COMPONENT_DIR/synapse_dynamics",
        },
        "networks": {"nodes": nodes_cfg, "edges": edges_cfg},
    });

    // Node sets, spike inputs and reports.
    let mut node_sets = serde_json::Map::new();
    let mut input_cfg = serde_json::Map::new();
    let mut reports = serde_json::Map::new();
    for p in &pops {
        node_sets.insert(p.name.clone(), json!({"population": p.name}));
        if let Some(spikes) = &p.spikes {
            let file = inputs.join(format!("{}_spikes.h5", p.name));
            crate::sonata::output::write_spike_table(&file, &[(p.name.as_str(), spikes.as_slice())])?;
            input_cfg.insert(
                format!("{}_spikes", p.name),
                json!({
                    "input_type": "spikes",
                    "module": "synapse_replay",
                    "input_file": format!("$INPUT_DIR/{}_spikes.h5", p.name),
                    "spike_file": format!("$INPUT_DIR/{}_spikes.h5", p.name),
                    "node_set": p.name,
                    "delay": 0.0,
                    "duration": tstop,
                }),
            );
        }
        for (var, cells) in &p.signals {
            let set = format!("{}_{var}", p.name);
            node_sets.insert(set.clone(), json!({"population": p.name, "node_id": cells}));
            reports.insert(
                set.clone(),
                json!({
                    "cells": set,
                    "variable_name": var,
                    "module": "membrane_report",
                    "sections": "soma",
                    "type": "compartment",
                    "file_name": format!("{set}.h5"),
                    "dt": p.sampling,
                    "start_time": 0.0,
                    "end_time": tstop,
                }),
            );
        }
    }
    let simulation = json!({
        "manifest": {
            "$BASE_DIR": base_str,
            "$INPUT_DIR": "$BASE_DIR/inputs",
            "$OUTPUT_DIR": "$BASE_DIR/output",
        },
        "network": "$BASE_DIR/circuit_config.json",
        "run": {"tstop": tstop, "dt": dt, "random_seed": seed},
        "conditions": {},
        "inputs": input_cfg,
        "output": {
            "output_dir": "$OUTPUT_DIR",
            "spikes_file": "spikes.h5",
            "spikes_sort_order": "by_time",
        },
        "reports": reports,
        "node_sets_file": "$BASE_DIR/node_sets.json",
    });
    let write_json = |name: &str, v: &Json| -> Result<PathBuf> {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(v).map_err(|e| Error::io(&path, e))?;
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        Ok(path)
    };
    write_json("node_sets.json", &Json::Object(node_sets))?;
    let simulation_config = write_json("simulation_config.json", &simulation)?;
    let circuit_config = write_json("circuit_config.json", &circuit)?;
    Ok(Exported {
        circuit_config,
        simulation_config,
        node_populations: pops.iter().map(|p| p.name.clone()).collect(),
        edge_populations: projs.iter().map(|p| p.parts.iter().map(|q| q.name.clone()).collect()).collect(),
    })
}

/// `0x0A7A`, the magic number PyNN writes and checks
/// (pyNN/serialization/sonata.py, `MAGIC`).
const MAGIC: u32 = 0x0a7a;

fn write_nodes(network: &Path, type_id: usize, p: &PopOut) -> Result<()> {
    let path = network.join(format!("nodes_{}.h5", p.name));
    let e = h5err(&path);
    let file = hdf5::File::create(&path).map_err(&e)?;
    file.new_attr::<u32>().create("magic").and_then(|a| a.write_scalar(&MAGIC)).map_err(&e)?;
    file.new_attr::<u32>().shape(2).create("version").and_then(|a| a.write_raw(&[0u32, 1])).map_err(&e)?;
    let root = file.create_group("nodes").map_err(&e)?;
    let g = root.create_group(&p.name).map_err(&e)?;
    let n = p.size;
    let ids: Vec<u64> = (0..n as u64).collect();
    dataset(&g, "node_id", &ids, &path)?;
    dataset(&g, "node_type_id", &vec![type_id as u64; n], &path)?;
    dataset(&g, "node_group_id", &vec![0u32; n], &path)?;
    dataset(&g, "node_group_index", &ids, &path)?;
    let group = g.create_group("0").map_err(&e)?;
    for (k, axis) in ["x", "y", "z"].iter().enumerate() {
        let v: Vec<f64> = p.positions.iter().map(|q| q[k]).collect();
        dataset(&group, axis, &v, &path)?;
    }
    let mut row: BTreeMap<String, Json> = BTreeMap::new();
    row.insert("node_type_id".into(), json!(type_id));
    if is_source(p.cell_type) {
        row.insert("model_type".into(), json!("virtual"));
    } else {
        row.insert("model_type".into(), json!("point_neuron"));
        row.insert("model_template".into(), json!(format!("pynn:{}", p.cell_type)));
    }
    let dynamics = group.create_group("dynamics_params").map_err(&e)?;
    if !is_source(p.cell_type) {
        for (name, v) in &p.params {
            match v.first() {
                Some(x) if v.iter().all(|y| y.to_bits() == x.to_bits()) => {
                    row.insert((*name).into(), json!(x));
                }
                _ => {
                    row.insert((*name).into(), json!("NONE"));
                    dataset(&dynamics, name, v, &path)?;
                }
            }
        }
        let init = group.create_group("initial_values").map_err(&e)?;
        for (name, v) in &p.initial {
            dataset(&init, name, v, &path)?;
        }
    }
    let mut header: Vec<String> = vec!["node_type_id".into(), "model_type".into()];
    header.extend(row.keys().filter(|k| *k != "node_type_id" && *k != "model_type").cloned());
    write_csv(&network.join(format!("node_types_{}.csv", p.name)), &header, &row)
}

fn write_edges(network: &Path, file: &str, type_id: usize, pr: &ProjOut, pops: &[PopOut]) -> Result<()> {
    let path = network.join(format!("edges_{file}.h5"));
    let e = h5err(&path);
    let f = hdf5::File::create(&path).map_err(&e)?;
    f.new_attr::<u32>().create("magic").and_then(|a| a.write_scalar(&MAGIC)).map_err(&e)?;
    f.new_attr::<u32>().shape(2).create("version").and_then(|a| a.write_raw(&[0u32, 1])).map_err(&e)?;
    let root = f.create_group("edges").map_err(&e)?;
    for q in &pr.parts {
        let n = q.source.len();
        let g = root.create_group(&q.name).map_err(&e)?;
        dataset(&g, "source_node_id", &q.source, &path)?;
        dataset(&g, "target_node_id", &q.target, &path)?;
        let src = g.dataset("source_node_id").map_err(&e)?;
        string_attr(&src, "node_population", &pops[q.pre].name, &path)?;
        let tgt = g.dataset("target_node_id").map_err(&e)?;
        string_attr(&tgt, "node_population", &pops[q.post].name, &path)?;
        dataset(&g, "edge_type_id", &vec![type_id as u64; n], &path)?;
        dataset(&g, "edge_group_id", &vec![0u32; n], &path)?;
        let index: Vec<u64> = (0..n as u64).collect();
        dataset(&g, "edge_group_index", &index, &path)?;
        let group = g.create_group("0").map_err(&e)?;
        dataset(&group, "syn_weight", &q.weight, &path)?;
        dataset(&group, "delay", &q.delay, &path)?;
        let dynamics = group.create_group("dynamics_params").map_err(&e)?;
        dataset(&dynamics, "delay", &q.delay, &path)?;
        for (name, v) in &q.columns {
            dataset(&dynamics, name, v, &path)?;
        }
        let indices = g.create_group("indices").map_err(&e)?;
        for (name, ids, n_nodes) in
            [("source_to_target", &q.source, pops[q.pre].size), ("target_to_source", &q.target, pops[q.post].size)]
        {
            let ig = indices.create_group(name).map_err(&e)?;
            let (nodes, ranges) = index_table(ids, n_nodes);
            dataset2(&ig, "node_id_to_ranges", n_nodes, 2, &nodes, &path)?;
            dataset2(&ig, "range_to_edge_id", ranges.len() / 2, 2, &ranges, &path)?;
        }
    }
    let mut row: BTreeMap<String, Json> = BTreeMap::new();
    row.insert("edge_type_id".into(), json!(type_id));
    row.insert("model_template".into(), json!(format!("pynn:{}", pr.synapse_type)));
    row.insert("receptor_type".into(), json!(pr.receptor));
    let header: Vec<String> = ["edge_type_id", "model_template", "receptor_type"].map(String::from).to_vec();
    write_csv(&network.join(format!("edge_types_{file}.csv")), &header, &row)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of equal ids, per node: the tables libsonata reads.
    #[test]
    fn index_tables_list_each_nodes_runs() {
        // Edges: node 0 at 0..2, node 2 at 2, node 0 again at 3, node 1 at 4.
        let (nodes, ranges) = index_table(&[0, 0, 2, 0, 1], 4);
        assert_eq!(nodes, vec![0, 2, 2, 3, 3, 4, 4, 4]);
        assert_eq!(ranges, vec![0, 2, 3, 4, 4, 5, 2, 3]);
    }

    #[test]
    fn names_are_ascii_group_names() {
        assert_eq!(sonata_name("exc→inh"), "exc-inh");
        assert_eq!(sonata_name("a b/c"), "a_b_c");
        assert_eq!(sonata_name(""), "_");
    }
}
