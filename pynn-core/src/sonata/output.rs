//! Recorded data as SONATA output files: spikes and reports.
//!
//! * [`write_spikes`]: `/spikes/<pop>/timestamps` (float64, ms, attribute
//!   `units = "ms"`) and `/spikes/<pop>/node_ids` (uint64: the cell's
//!   index in its population), sorted by time (then node id; the group's
//!   attribute `sorting` is the enum value `by_time`), one group
//!   per block (named after the block's population label, as
//!   [`crate::sonata::export::sonata_name`] writes it).
//! * [`write_report`]: `/report/<pop>/data` (float32 as the guide says,
//!   or float64 on request: [`ReportDtype`]; `frames x cells`,
//!   attribute `units`, `variable_name`) and `/report/<pop>/mapping/`
//!   `node_ids` (uint64), `index_pointers` (uint64, `0..=cells`: one
//!   element per cell), `element_ids` (uint32, zeros: the soma) and
//!   `time` (`[t_start, t_stop, dt]` in ms, `t_stop` exclusive, so that
//!   `(t_stop - t_start) / dt` is the number of frames; attribute `units`).
//!   Our signals hold a sample at both ends of a run, so a run of 100 ms at
//!   dt 0.1 gives 1001 frames and `t_stop` 100.1.
//! * [`write_outputs`]: the files a session's `simulation_config.json`
//!   (written by [`crate::sonata::export::export`]) names, from the
//!   segment in progress: `spikes.h5` for every population whose spikes
//!   are recorded and one `<pop>_<var>.h5` report per recorded variable.
//!
//! Layout from the SONATA developer guide (github:AllenInstitute/sonata
//! `docs/SONATA_DEVELOPER_GUIDE.md`, "Output file formats").

use crate::backend::Backend;
use crate::data::Block;
use crate::error::{Error, Result};
use crate::sim::Sim;
use crate::sonata::export::{dataset, dataset2, h5err, sonata_name, string_attr};
use hdf5_metno as hdf5;
use std::path::{Path, PathBuf};

fn create(path: &Path) -> Result<hdf5::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    hdf5::File::create(path).map_err(h5err(path))
}

/// The `sorting` attribute of a spike population, an HDF5 enum as the
/// guide defines it (`none` 0, `by_id` 1, `by_time` 2; libsonata reads it
/// as `SpikePopulation.sorting`).
#[derive(hdf5::H5Type, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i8)]
enum Sorting {
    #[hdf5(rename = "none")]
    _None = 0,
    #[hdf5(rename = "by_id")]
    _ById = 1,
    #[hdf5(rename = "by_time")]
    ByTime = 2,
}

/// Writes `/spikes/<pop>/{timestamps,node_ids}` for each `(pop, spikes)`,
/// spikes as `(node id, time in ms)` sorted by time (attribute
/// `sorting = by_time`).
pub(crate) fn write_spike_table(path: &Path, pops: &[(&str, &[(u64, f64)])]) -> Result<()> {
    let file = create(path)?;
    let e = h5err(path);
    let root = file.create_group("spikes").map_err(&e)?;
    for (name, spikes) in pops {
        let g = root.create_group(name).map_err(&e)?;
        g.new_attr::<Sorting>().create("sorting").and_then(|a| a.write_scalar(&Sorting::ByTime)).map_err(&e)?;
        let times: Vec<f64> = spikes.iter().map(|s| s.1).collect();
        let ids: Vec<u64> = spikes.iter().map(|s| s.0).collect();
        dataset(&g, "timestamps", &times, path)?;
        let ds = g.dataset("timestamps").map_err(&e)?;
        string_attr(&ds, "units", "ms", path)?;
        dataset(&g, "node_ids", &ids, path)?;
    }
    Ok(())
}

fn segment_of<'a>(block: &'a Block, segment: usize, call: &str) -> Result<&'a crate::data::Segment> {
    block.segments.get(segment).ok_or_else(|| {
        Error::invalid_value(
            call,
            "segment",
            segment,
            format!("a segment of population \"{}\": 0 to {}", block.name, block.segments.len().saturating_sub(1)),
        )
    })
}

/// Writes the spikes of segment `segment` of each block (one population
/// each, as `Population::get_data` returns them) as a SONATA spike file
/// (see the module documentation). Two blocks of the same population
/// label are an error.
pub fn write_spikes(path: impl AsRef<Path>, blocks: &[&Block], segment: usize) -> Result<()> {
    let path = path.as_ref();
    crate::io::check_file_path(path, "sonata::write_spikes")?;
    let mut tables = Vec::with_capacity(blocks.len());
    let mut names = std::collections::BTreeSet::new();
    for block in blocks {
        let seg = segment_of(block, segment, "sonata::write_spikes")?;
        let name = sonata_name(&block.name);
        if !names.insert(name.clone()) {
            return Err(Error::invalid_value(
                "sonata::write_spikes",
                "blocks",
                format!("two blocks of population \"{}\"", block.name),
                "one block per population",
            ));
        }
        let mut s: Vec<(u64, f64)> = Vec::new();
        for train in &seg.spiketrains {
            s.extend(train.times.iter().map(|t| (train.source_index as u64, *t)));
        }
        s.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        tables.push((name, s));
    }
    let refs: Vec<(&str, &[(u64, f64)])> = tables.iter().map(|(n, s)| (n.as_str(), s.as_slice())).collect();
    write_spike_table(path, &refs)
}

/// Element type of a report's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportDtype {
    /// float32, as the SONATA guide specifies and libsonata requires
    /// (`ElementReportReader` refuses anything else): each sample is the
    /// recorded value rounded to the nearest `f32`.
    #[default]
    Float32,
    /// float64: the recorded values exactly (h5py, BMTK and PyNN read it;
    /// libsonata does not).
    Float64,
}

/// Writes analog variable `variable` (`"v"`, `"gsyn_exc"`, ...) of segment
/// `segment` of each block as a SONATA report (see the module
/// documentation), samples as `dtype`. A block whose segment has no such
/// signal is an error naming the population and the variables it has.
pub fn write_report(
    path: impl AsRef<Path>,
    blocks: &[&Block],
    segment: usize,
    variable: &str,
    dtype: ReportDtype,
) -> Result<()> {
    let path = path.as_ref();
    crate::io::check_file_path(path, "sonata::write_report")?;
    let mut signals = Vec::with_capacity(blocks.len());
    for block in blocks {
        let seg = segment_of(block, segment, "sonata::write_report")?;
        let Some(sig) = seg.signal(variable) else {
            return Err(Error::unknown_name(
                format!("segment {segment} of population \"{}\"", block.name),
                "recorded variable",
                variable,
                seg.analogsignals.iter().map(|s| s.name.as_str()),
            ));
        };
        signals.push((sonata_name(&block.name), sig));
    }
    let file = create(path)?;
    let e = h5err(path);
    let root = file.create_group("report").map_err(&e)?;
    for (name, sig) in signals {
        let g = root.create_group(&name).map_err(&e)?;
        let (rows, cols) = (sig.n_samples(), sig.channel_index.len());
        let data = match dtype {
            ReportDtype::Float32 => {
                let narrow: Vec<f32> = sig.data.iter().map(|x| *x as f32).collect();
                dataset2(&g, "data", rows, cols, &narrow, path)?
            }
            ReportDtype::Float64 => dataset2(&g, "data", rows, cols, &sig.data, path)?,
        };
        string_attr(&data, "units", &sig.units, path)?;
        string_attr(&data, "variable_name", &sig.name, path)?;
        let m = g.create_group("mapping").map_err(&e)?;
        let ids: Vec<u64> = sig.channel_index.iter().map(|i| *i as u64).collect();
        dataset(&m, "node_ids", &ids, path)?;
        let pointers: Vec<u64> = (0..=cols as u64).collect();
        dataset(&m, "index_pointers", &pointers, path)?;
        dataset(&m, "element_ids", &vec![0u32; cols], path)?;
        let t_stop = sig.t_start + rows as f64 * sig.sampling_period;
        dataset(&m, "time", &[sig.t_start, t_stop, sig.sampling_period], path)?;
        let ds = m.dataset("time").map_err(&e)?;
        string_attr(&ds, "units", "ms", path)?;
    }
    Ok(())
}

/// Writes the segment in progress of every population as the SONATA
/// outputs [`crate::sonata::export::export`]'s simulation config names,
/// into `dir` (its `output/` directory, or any other): `spikes.h5` (every
/// population with recorded spikes, spike sources included) and
/// `<pop>_<var>.h5` per recorded analog variable. Returns the paths
/// written.
pub fn write_outputs<B: Backend>(sim: &Sim<B>, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let blocks = {
        let mut st = sim.lock();
        let mut blocks = Vec::with_capacity(st.pops.len());
        for p in 0..st.pops.len() {
            let spikes = !st.pops[p].recording.spikes.is_empty();
            let vars: Vec<String> =
                st.pops[p].recording.signals.iter().filter(|(_, c)| !c.is_empty()).map(|(k, _)| k.clone()).collect();
            if spikes || !vars.is_empty() {
                blocks.push((st.block(p, None)?, spikes, vars));
            }
        }
        blocks
    };
    let mut written = Vec::new();
    let with_spikes: Vec<&Block> = blocks.iter().filter(|b| b.1).map(|b| &b.0).collect();
    if !with_spikes.is_empty() {
        let path = dir.join("spikes.h5");
        let last = |b: &Block| b.segments.len() - 1;
        // Every block's segment in progress is its last one.
        let k = last(with_spikes[0]);
        if with_spikes.iter().all(|b| last(b) == k) {
            write_spikes(&path, &with_spikes, k)?;
        } else {
            return Err(Error::State {
                object: "session".into(),
                message: "populations hold different numbers of segments".into(),
            });
        }
        written.push(path);
    }
    for (block, _, vars) in &blocks {
        for var in vars {
            let path = dir.join(format!("{}_{var}.h5", sonata_name(&block.name)));
            write_report(&path, &[block], block.segments.len() - 1, var, ReportDtype::Float32)?;
            written.push(path);
        }
    }
    Ok(written)
}
