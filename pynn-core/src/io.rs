//! Writing recorded data that Python opens in one line.
//!
//! [`write_blocks`] writes two files next to each other:
//!
//! * `NAME.npz`: a NumPy archive (`numpy.load("NAME.npz")`) with, for each
//!   population label `P` (non-alphanumeric characters replaced by `_`) and
//!   segment number `K` (`seg000`, `seg001`, ... one per run between resets):
//!   - `P.segK.spike_index` (int64): population index of each spike's cell,
//!   - `P.segK.spike_times` (float64, ms): the spike times, sorted by cell
//!     then time,
//!   - `P.segK.VAR` (float64, shape `samples x cells`): each analog variable
//!     (`v` in mV, ...), with samples at `t_start + k * sampling_period`,
//!     including both the first and the last time of the segment,
//!   - `P.segK.VAR.channel_index` (int64): population index of each column,
//!   - `P.segK.VAR.times` (float64, ms): the sample times.
//! * `NAME.json`: a sidecar with the provenance (`simulator`,
//!   `simulator_version` (`"3.10.0"` for NEST; `null` where the backend
//!   does not say, see [`crate::Backend::simulator_version`]), `dt`,
//!   `min_delay`, `max_delay`, `seed`, `t_stop`, `pynn_rs_version`) and, per
//!   population, its label, key prefix, size, cell type, the units of each
//!   variable, and per segment `t_start`, `t_stop`, `sampling_period` and the
//!   recorded cells.
//!
//! ```python
//! import numpy as np, json
//! d = np.load("out/va_cuba-native.npz"); meta = json.load(open("out/va_cuba-native.json"))
//! v = d["exc.seg000.v"]            # samples x cells, mV
//! ```
//!
//! [`save_population`] and [`load_population`] (PyNN's
//! `pyNN.utility.save_population`/`load_population`, as JSON instead of a
//! pickle `shelve`) save a population's cell type, parameters, initial
//! values, positions and spikes, and rebuild it.
//!
//! # Neo and Elephant
//!
//! The pure-Python reader `pynn-core/python/pynn_neo.py` (numpy, quantities
//! and neo; [`NEO_READER`] holds its text, [`write_neo_reader`] writes it
//! into a directory of your choice) turns the two files into `neo.Block`s,
//! one per population, as PyNN's `get_data()` returns them: segments,
//! `SpikeTrain`s with `t_start`/`t_stop` (ms), `AnalogSignal`s with their
//! `quantities` units, `t_start`, `sampling_period` and the array
//! annotation `channel_index`, and the label, size, cell type and
//! provenance as block annotations. From the repository root:
//!
//! ```python
//! import sys; sys.path.insert(0, "pynn-core/python"); import pynn_neo
//! block = pynn_neo.read_block("out/va_cuba-native", "exc")     # or pynn_neo.read(path): every population
//! from elephant.statistics import mean_firing_rate, cv, isi
//! rates = [mean_firing_rate(st) for st in block.segments[0].spiketrains]
//! ```
//!
//! [`crate::stats`] computes the same statistics in Rust
//! (`tests/neo_elephant.rs` compares the two). Neo's own file formats were
//! not chosen: NIX needs the `nixio` and `h5py` packages on the Python side
//! and HDF5 on the Rust side; the MATLAB and pickle formats are not meant
//! for exchange.

use crate::backend::{Backend, Supports};
use crate::cells::{
    AdExp, CellType, CondAlphaPostSynapticResponse, CondBetaPostSynapticResponse, CondExpPostSynapticResponse,
    CurrExpPostSynapticResponse, LIF, Neuron, NeuronKind, PointNeuron, PostSynapticResponse, PsrKind, SpikeSourceArray,
};
use crate::data::Block;
use crate::error::{Error, Result};
use crate::parameters::{ParamKind, Value};
use crate::population::{Population, PopulationView};
use crate::sim::Sim;
use npyz::WriterBuilder;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The key prefix of a population label in the archive.
pub fn key_of(label: &str) -> String {
    label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

fn paths(path: &Path) -> (PathBuf, PathBuf) {
    let base = if path.extension().is_some_and(|e| e == "npz" || e == "json") {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let mut npz = base.clone().into_os_string();
    npz.push(".npz");
    let mut js = base.into_os_string();
    js.push(".json");
    (PathBuf::from(npz), PathBuf::from(js))
}

/// The `.npz` container: a zip archive of `.npy` entries, stored (not
/// compressed), as `numpy.savez` writes it. Only `zip`'s stored method is
/// compiled in (no default features): no deflate, bzip2, zstd or crypto.
type Npz = zip::ZipWriter<std::io::BufWriter<std::fs::File>>;

/// Adds the array `name` (entry `name.npy`, which `numpy.load` lists as
/// `name`) with the given C-order shape.
fn add<T: npyz::AutoSerialize>(
    w: &mut Npz,
    name: &str,
    shape: &[u64],
    data: impl IntoIterator<Item = T>,
) -> std::io::Result<()> {
    let opts = zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file(npyz::npz::file_name_from_array_name(name), opts)?;
    let mut a = npyz::WriteOptions::new().default_dtype().shape(shape).writer(&mut *w).begin_nd()?;
    a.extend(data)?;
    a.finish()
}

/// An error unless `path` names a file: not empty, not ending with a path
/// separator, not `.` or `..`, not an existing directory. (`write_data("")`
/// would otherwise write the hidden files `.npz` and `.json`, and
/// `write_data("dir/")` the files `dir/.npz` and `dir/.json`.)
pub fn check_file_path(path: &Path, call: &str) -> Result<()> {
    let text = path.to_string_lossy();
    let bad = |why: &str| {
        Err(Error::invalid_value(
            call,
            "path",
            format!("{text:?} ({why})"),
            "a file name, optionally in a directory, such as \"out/run1\"",
        ))
    };
    if text.is_empty() {
        return bad("empty");
    }
    if text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) {
        return bad("a directory: it ends with a path separator");
    }
    match path.file_name() {
        None => bad("no file name"),
        Some(_) if path.is_dir() => bad("an existing directory"),
        Some(_) => Ok(()),
    }
}

/// Writes blocks as `PATH.npz` + `PATH.json` (see the module documentation);
/// returns the two paths.
pub fn write_blocks(path: &Path, blocks: &[Block], provenance: &BTreeMap<String, Json>) -> Result<(PathBuf, PathBuf)> {
    check_file_path(path, "write_data")?;
    let (npz, js) = paths(path);
    if let Some(dir) = npz.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let file = std::fs::File::create(&npz).map_err(|e| Error::io(&npz, e))?;
    let mut w: Npz = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let mut pops = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for block in blocks {
        let mut key = key_of(&block.name);
        while !used.insert(key.clone()) {
            key.push('_');
        }
        let mut segs = Vec::new();
        let mut units = serde_json::Map::new();
        for (k, seg) in block.segments.iter().enumerate() {
            let p = format!("{key}.seg{k:03}");
            let (mut idx, mut times) = (Vec::new(), Vec::new());
            for st in &seg.spiketrains {
                idx.extend(std::iter::repeat_n(st.source_index as i64, st.times.len()));
                times.extend_from_slice(&st.times);
            }
            let io = |e| Error::io(&npz, e);
            add(&mut w, &format!("{p}.spike_index"), &[idx.len() as u64], idx).map_err(io)?;
            add(&mut w, &format!("{p}.spike_times"), &[times.len() as u64], times).map_err(io)?;
            let mut signals = serde_json::Map::new();
            for sig in &seg.analogsignals {
                let shape = [sig.n_samples() as u64, sig.channel_index.len() as u64];
                add(&mut w, &format!("{p}.{}", sig.name), &shape, sig.data.iter().copied()).map_err(io)?;
                let ci: Vec<i64> = sig.channel_index.iter().map(|c| *c as i64).collect();
                add(&mut w, &format!("{p}.{}.channel_index", sig.name), &[ci.len() as u64], ci).map_err(io)?;
                add(&mut w, &format!("{p}.{}.times", sig.name), &[sig.n_samples() as u64], sig.times()).map_err(io)?;
                units.insert(sig.name.clone(), json!(sig.units));
                signals.insert(
                    sig.name.clone(),
                    json!({"t_start": sig.t_start, "sampling_period": sig.sampling_period,
                           "n_samples": sig.n_samples(), "channel_index": sig.channel_index}),
                );
            }
            let (t_start, t_stop) = seg.spiketrains.first().map(|s| (s.t_start, s.t_stop)).unwrap_or((0.0, f64::NAN));
            segs.push(json!({
                "name": seg.name,
                "key": p,
                "t_start": t_start,
                "t_stop": if t_stop.is_nan() { Json::Null } else { json!(t_stop) },
                "spike_recorded_cells": seg.spiketrains.iter().map(|s| s.source_index).collect::<Vec<_>>(),
                "signals": signals,
            }));
        }
        units.insert("spikes".into(), json!("ms"));
        pops.push(json!({
            "label": block.name,
            "key": key,
            "annotations": block.annotations,
            "units": units,
            "segments": segs,
        }));
    }
    let mut file = w.finish().map_err(|e| Error::io(&npz, e))?;
    std::io::Write::flush(&mut file).map_err(|e| Error::io(&npz, e))?;
    let meta = json!({
        "format": "pynn-rs npz v1",
        "provenance": provenance,
        "populations": pops,
    });
    let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::io(&js, e))?;
    std::fs::write(&js, text).map_err(|e| Error::io(&js, e))?;
    Ok((npz, js))
}

/// The text of the Python reader `pynn_neo.py` (see the module
/// documentation), which turns the files [`write_blocks`] writes into
/// `neo.Block`s.
pub const NEO_READER: &str = include_str!("../python/pynn_neo.py");

/// Writes the Python reader as `dir/pynn_neo.py` (creating `dir` if
/// needed) and returns its path; then, in Python,
/// `import sys; sys.path.insert(0, DIR); import pynn_neo`.
pub fn write_neo_reader(dir: impl AsRef<Path>) -> Result<PathBuf> {
    let dir = dir.as_ref();
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let path = dir.join("pynn_neo.py");
    std::fs::write(&path, NEO_READER).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// The format name [`save_population`] writes and [`load_population`]
/// accepts.
pub const POPULATION_FORMAT: &str = "pynn-rs population v1";

/// Saves a population (or view) to `path` as JSON, PyNN's
/// `pyNN.utility.save_population` without pickle: the label, size, cell
/// type, every parameter's value per cell (sequences such as
/// `spike_times` as lists), every state variable's initial value per cell,
/// the positions, and the spike times recorded in the current segment
/// (`spike_times`, one list per cell; empty lists if spikes are not
/// recorded), and for a [`PointNeuron`] its composition (`composition`:
/// the neuron component and each receptor's name and kind, PyNN's class
/// names). [`load_population`] ([`load_point_neuron`] for a
/// `PointNeuron`) rebuilds the population;
/// [`load_spike_source`] replays its spikes, as PyNN's `load_population`
/// does.
///
/// ```json
/// {"format": "pynn-rs population v1", "pynn_rs_version": "0.1.0", "label": "exc",
///  "composition": {"neuron": "AdExp", "receptors": [["AMPA", "CondAlphaPostSynapticResponse"]]},
///  "cell_type": "IF_curr_exp", "size": 2,
///  "parameters": {"tau_m": [20.0, 20.0], ...}, "initial_values": {"v": [-65.0, -65.0], ...},
///  "positions": [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], "spike_times": [[], [12.3]]}
/// ```
pub fn save_population<C: CellType, B: Backend>(
    population: &PopulationView<C, B>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    check_file_path(path, "save_population")?;
    let info = population.sim.lock().pops[population.pop].info;
    let mut parameters = serde_json::Map::new();
    for spec in info.parameters {
        let v = match spec.kind {
            ParamKind::Scalar => json!(population.get(spec.name)?),
            ParamKind::Sequence => json!(population.get_sequences(spec.name)?),
        };
        parameters.insert(spec.name.into(), v);
    }
    let mut initial = serde_json::Map::new();
    for spec in info.state {
        initial.insert(spec.name.into(), json!(population.get_initial_values(spec.name)?));
    }
    let mut spikes = vec![Vec::new(); population.size()];
    if info.recordables.iter().any(|r| r.name == "spikes") {
        let block = population.get_data_of("spikes")?;
        if let Some(seg) = block.segments.last() {
            for st in &seg.spiketrains {
                if let Some(k) = population.indices().iter().position(|i| *i == st.source_index) {
                    spikes[k] = st.times.clone();
                }
            }
        }
    }
    let mut doc = json!({
        "format": POPULATION_FORMAT,
        "pynn_rs_version": crate::VERSION,
        "label": population.label(),
        "cell_type": info.name,
        "size": population.size(),
        "parameters": parameters,
        "initial_values": initial,
        "positions": population.positions(),
        "spike_times": spikes,
    });
    if let Some(c) = crate::cells::composition_of(&info) {
        let neuron = match c.neuron {
            NeuronKind::LIF => "LIF",
            NeuronKind::AdExp => "AdExp",
        };
        let receptors: Vec<Json> = c.receptors.iter().map(|(n, k)| json!([n, psr_name(*k)])).collect();
        doc["composition"] = json!({"neuron": neuron, "receptors": receptors});
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::io(path, e))?;
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// A file written by [`save_population`], read and checked.
struct SavedPopulation {
    label: String,
    cell_type: String,
    size: usize,
    doc: Json,
}

fn read_population(path: &Path) -> Result<SavedPopulation> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |what: String| Error::Io { path: path.display().to_string(), message: what };
    let doc: Json = serde_json::from_str(&text).map_err(|e| bad(format!("not a saved population: {e}")))?;
    if doc["format"] != POPULATION_FORMAT {
        return Err(bad(format!("format {} is not \"{POPULATION_FORMAT}\"", doc["format"])));
    }
    let label = doc["label"].as_str().ok_or_else(|| bad("no `label`".into()))?.to_string();
    let cell_type = doc["cell_type"].as_str().ok_or_else(|| bad("no `cell_type`".into()))?.to_string();
    let size = doc["size"].as_u64().ok_or_else(|| bad("no `size`".into()))? as usize;
    Ok(SavedPopulation { label, cell_type, size, doc })
}

/// Values per cell of the entry `key` (`node`): numbers (scalar) or lists
/// of numbers (sequence), `size` of them.
fn saved_value(path: &Path, node: &Json, key: &str, size: usize, sequence: bool) -> Result<Value> {
    let bad = |what: String| Error::Io { path: path.display().to_string(), message: format!("{key}: {what}") };
    let items = node.as_array().ok_or_else(|| bad("missing or not a list".into()))?;
    if items.len() != size {
        return Err(bad(format!("{} values for {size} cells", items.len())));
    }
    let num = |x: &Json| x.as_f64().ok_or_else(|| bad(format!("{x} is not a number")));
    if sequence {
        let seqs = items
            .iter()
            .map(|s| {
                s.as_array().ok_or_else(|| bad(format!("{s} is not a list"))).and_then(|s| s.iter().map(num).collect())
            })
            .collect::<Result<Vec<Vec<f64>>>>()?;
        Ok(Value::Sequences(seqs))
    } else {
        Ok(Value::Array(items.iter().map(num).collect::<Result<_>>()?))
    }
}

fn saved_positions(path: &Path, doc: &Json, size: usize) -> Result<Vec<crate::space::Position>> {
    let bad = |what: String| Error::Io { path: path.display().to_string(), message: format!("positions: {what}") };
    let items = doc["positions"].as_array().ok_or_else(|| bad("missing or not a list".into()))?;
    if items.len() != size {
        return Err(bad(format!("{} positions for {size} cells", items.len())));
    }
    items
        .iter()
        .map(|p| {
            let xyz: Vec<f64> = p.as_array().map(|a| a.iter().filter_map(Json::as_f64).collect()).unwrap_or_default();
            <[f64; 3]>::try_from(xyz).map_err(|_| bad(format!("{p} is not [x, y, z]")))
        })
        .collect()
}

/// Rebuilds a population saved by [`save_population`] in session `sim`:
/// same label, size, parameters, initial values and positions. `C` must
/// be the saved cell type (an [`Error::InvalidValue`] naming both
/// otherwise); values are checked as `set` and `initialize` check them.
pub fn load_population<C: CellType + Default, B: Supports<C>>(
    sim: &Sim<B>,
    path: impl AsRef<Path>,
) -> Result<Population<C, B>> {
    let path = path.as_ref();
    let saved = read_population(path)?;
    if saved.cell_type != C::NAME {
        let how = if saved.cell_type == PointNeuron::NAME {
            "load it with `load_point_neuron`".to_string()
        } else {
            format!("load it as `{}`", saved.cell_type)
        };
        return Err(Error::invalid_value(
            format!("load_population({})", path.display()),
            "cell_type",
            &saved.cell_type,
            format!("{} (the type asked for); {how}", C::NAME),
        ));
    }
    let pop = Population::with_label(sim, saved.size, C::default(), Some(&saved.label))?;
    fill_population(sim, &pop, &saved, path)?;
    Ok(pop)
}

/// [`load_population`] for a [`PointNeuron`] population: the composition
/// saved with it (neuron component, receptor names and kinds) is rebuilt
/// first, then parameters, initial values and positions as for every type.
/// A file of another cell type, or without a valid composition, is an
/// error naming the file and what it holds.
pub fn load_point_neuron<B: Supports<PointNeuron>>(
    sim: &Sim<B>,
    path: impl AsRef<Path>,
) -> Result<Population<PointNeuron, B>> {
    let path = path.as_ref();
    let saved = read_population(path)?;
    let object = format!("load_point_neuron({})", path.display());
    if saved.cell_type != PointNeuron::NAME {
        return Err(Error::invalid_value(
            object,
            "cell_type",
            &saved.cell_type,
            format!("PointNeuron; load it with `load_population::<{}, _>`", saved.cell_type),
        ));
    }
    let c = &saved.doc["composition"];
    let neuron: Neuron = match c["neuron"].as_str() {
        Some("LIF") => LIF::default().into(),
        Some("AdExp") => AdExp::default().into(),
        _ => return Err(Error::invalid_value(object, "composition.neuron", &c["neuron"], "\"LIF\" or \"AdExp\"")),
    };
    let mut receptors: Vec<(String, PostSynapticResponse)> = Vec::new();
    for r in c["receptors"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let (Some(name), Some(kind)) = (r[0].as_str(), r[1].as_str()) else {
            return Err(Error::invalid_value(&object, "composition.receptors", r, "[name, kind] pairs"));
        };
        let psr: PostSynapticResponse = match kind {
            "CurrExpPostSynapticResponse" => CurrExpPostSynapticResponse::default().into(),
            "CondExpPostSynapticResponse" => CondExpPostSynapticResponse::default().into(),
            "CondAlphaPostSynapticResponse" => CondAlphaPostSynapticResponse::default().into(),
            "CondBetaPostSynapticResponse" => CondBetaPostSynapticResponse::default().into(),
            other => {
                return Err(Error::invalid_value(
                    &object,
                    format!("composition.receptors ({name})"),
                    other,
                    [PsrKind::CurrExp, PsrKind::CondExp, PsrKind::CondAlpha, PsrKind::CondBeta]
                        .map(psr_name)
                        .join(", "),
                ));
            }
        };
        receptors.push((name.to_string(), psr));
    }
    // An empty or inconsistent list is PointNeuron::new's error.
    let cell = PointNeuron::new(neuron, receptors)?;
    let pop = Population::with_label(sim, saved.size, cell, Some(&saved.label))?;
    fill_population(sim, &pop, &saved, path)?;
    Ok(pop)
}

/// PyNN's class name of a post-synaptic response kind.
fn psr_name(k: PsrKind) -> &'static str {
    match k {
        PsrKind::CurrExp => "CurrExpPostSynapticResponse",
        PsrKind::CondExp => "CondExpPostSynapticResponse",
        PsrKind::CondAlpha => "CondAlphaPostSynapticResponse",
        PsrKind::CondBeta => "CondBetaPostSynapticResponse",
    }
}

/// Sets the saved parameters, initial values and positions of a freshly
/// created population (its cell type's schema decides which).
fn fill_population<C: CellType, B: Supports<C>>(
    sim: &Sim<B>,
    pop: &Population<C, B>,
    saved: &SavedPopulation,
    path: &Path,
) -> Result<()> {
    let info = sim.lock().pops[pop.pop].info;
    let mut values = Vec::with_capacity(info.parameters.len());
    for spec in info.parameters {
        let seq = spec.kind == ParamKind::Sequence;
        values.push((
            spec.name,
            saved_value(
                path,
                &saved.doc["parameters"][spec.name],
                &format!("parameters.{}", spec.name),
                saved.size,
                seq,
            )?,
        ));
    }
    pop.set_many(&values)?;
    for spec in info.state {
        pop.initialize(
            spec.name,
            saved_value(
                path,
                &saved.doc["initial_values"][spec.name],
                &format!("initial_values.{}", spec.name),
                saved.size,
                false,
            )?,
        )?;
    }
    pop.set_positions(&saved_positions(path, &saved.doc, saved.size)?)
}

/// PyNN's `pyNN.utility.load_population`: a [`SpikeSourceArray`]
/// population with the label, size and positions of a population saved by
/// [`save_population`], each cell emitting the spikes its saved cell
/// fired (`spike_times`).
pub fn load_spike_source<B: Supports<SpikeSourceArray>>(
    sim: &Sim<B>,
    path: impl AsRef<Path>,
) -> Result<Population<SpikeSourceArray, B>> {
    let path = path.as_ref();
    let saved = read_population(path)?;
    let pop = Population::with_label(sim, saved.size, SpikeSourceArray::default(), Some(&saved.label))?;
    pop.set("spike_times", saved_value(path, &saved.doc["spike_times"], "spike_times", saved.size, true)?)?;
    pop.set_positions(&saved_positions(path, &saved.doc, saved.size)?)?;
    Ok(pop)
}

#[cfg(test)]
mod container_tests {
    /// A full disk is an error, not a silently truncated archive: the zip's
    /// last bytes (its central directory) sit in the write buffer until the
    /// end, and were lost without an error when the buffer was dropped
    /// unflushed. `/dev/full` fails every write with ENOSPC.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("pynn-npz-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("out.npz");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/dev/full", &link).unwrap();
        let r = super::write_blocks(&dir.join("out"), &[], &Default::default());
        std::fs::remove_dir_all(&dir).unwrap();
        match r {
            Err(crate::Error::Io { path, message }) => {
                assert!(path.ends_with("out.npz") && message.contains("space"), "{path}: {message}")
            }
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }
}
