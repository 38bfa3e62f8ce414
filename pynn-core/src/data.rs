//! Recorded data in Neo's shape: a [`Block`] per population (or assembly),
//! one [`Segment`] per run between resets, [`SpikeTrain`]s per cell (ms) and
//! [`AnalogSignal`]s per variable (samples x cells).
//!
//! As in PyNN, analog signals include the sample at the start of the segment
//! (t = 0) and at its end, so `run(100)` at dt 0.1 gives 1001 samples.

use crate::backend::RawRecording;
use std::collections::{BTreeMap, BTreeSet};

/// The spikes of one cell in one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeTrain {
    /// Index of the cell in its population.
    pub source_index: usize,
    /// Label of the population.
    pub source_population: String,
    /// Spike times (ms), sorted.
    pub times: Vec<f64>,
    /// Start of the recording (ms).
    pub t_start: f64,
    /// End of the recording (ms).
    pub t_stop: f64,
}

/// Regularly sampled values of one variable for several cells.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalogSignal {
    /// Variable name (`"v"`, ...).
    pub name: String,
    /// Unit (`"mV"`, `"nA"`, `"uS"`).
    pub units: String,
    /// Time of the first sample (ms).
    pub t_start: f64,
    /// Sampling interval (ms).
    pub sampling_period: f64,
    /// Index in the population of each column.
    pub channel_index: Vec<usize>,
    /// Row-major samples: `n_samples() x channel_index.len()`.
    pub data: Vec<f64>,
}

impl AnalogSignal {
    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        if self.channel_index.is_empty() { 0 } else { self.data.len() / self.channel_index.len() }
    }
    /// Sample times (ms).
    pub fn times(&self) -> Vec<f64> {
        (0..self.n_samples()).map(|k| self.t_start + k as f64 * self.sampling_period).collect()
    }
    /// The trace of the cell in column `column`.
    pub fn column(&self, column: usize) -> Vec<f64> {
        let n = self.channel_index.len();
        self.data.iter().skip(column).step_by(n.max(1)).copied().collect()
    }
    /// The trace of the cell with population index `index`, if recorded.
    pub fn trace(&self, index: usize) -> Option<Vec<f64>> {
        self.channel_index.iter().position(|i| *i == index).map(|c| self.column(c))
    }
}

/// The data of one run between resets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Segment {
    /// `"segment000"`, `"segment001"`, ...
    pub name: String,
    /// One train per recorded cell, by population index.
    pub spiketrains: Vec<SpikeTrain>,
    /// One signal per recorded variable.
    pub analogsignals: Vec<AnalogSignal>,
}

impl Segment {
    /// The signal of variable `name`, if recorded.
    pub fn signal(&self, name: &str) -> Option<&AnalogSignal> {
        self.analogsignals.iter().find(|s| s.name == name)
    }
    /// The spike train of the cell with population index `index`.
    pub fn spiketrain(&self, index: usize) -> Option<&SpikeTrain> {
        self.spiketrains.iter().find(|s| s.source_index == index)
    }
}

/// All data recorded from a population (or assembly).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    /// Population label.
    pub name: String,
    /// Segments, oldest first; the last one is the segment in progress.
    pub segments: Vec<Segment>,
    /// Annotations (`size`, `simulator`, `dt`, `seed`, `cell_type`, ...).
    pub annotations: BTreeMap<String, String>,
}

/// Accumulates one population's raw recordings of the segment in progress.
#[derive(Debug, Clone, Default)]
pub(crate) struct SegmentAccumulator {
    pub spikes: BTreeMap<u32, Vec<u64>>,
    /// Per cell, parallel to `spikes`: each spike's offset before the end
    /// of its step (ms; 0 for spikes on the grid).
    pub offsets: BTreeMap<u32, Vec<f64>>,
    /// Per recorded (variable, cells): the drained chunks in time order,
    /// kept apart (appending moves them, allocates nothing large) and
    /// joined into the copy [`SegmentAccumulator::to_segment`] returns.
    pub signals: Vec<Vec<crate::backend::RawSignal>>,
}

impl SegmentAccumulator {
    /// Appends a backend's drained data (the samples are moved, not copied).
    pub fn append(&mut self, raw: RawRecording) {
        for (k, (cell, step)) in raw.spikes.into_iter().enumerate() {
            self.spikes.entry(cell).or_default().push(step);
            self.offsets.entry(cell).or_default().push(raw.offsets.get(k).copied().unwrap_or(0.0));
        }
        for sig in raw.signals {
            match self.signals.iter_mut().find(|g| g[0].name == sig.name && g[0].cells == sig.cells) {
                Some(group) => group.push(sig),
                None => self.signals.push(vec![sig]),
            }
        }
    }

    /// Builds the Neo-shaped segment.
    #[allow(clippy::too_many_arguments)]
    pub fn to_segment(
        &self,
        name: String,
        label: &str,
        dt: f64,
        t_stop_step: u64,
        spike_cells: &[usize],
        units: &dyn Fn(&str) -> &'static str,
        filter: &dyn Fn(&str) -> bool,
    ) -> crate::Result<Segment> {
        let t_stop = t_stop_step as f64 * dt;
        let mut spiketrains = Vec::new();
        if filter("spikes") {
            let mut cells: Vec<usize> = spike_cells.to_vec();
            cells.extend(self.spikes.keys().map(|c| *c as usize));
            cells.sort_unstable();
            cells.dedup();
            for c in cells {
                let offsets = self.offsets.get(&(c as u32));
                let times = self
                    .spikes
                    .get(&(c as u32))
                    .map(|s| {
                        s.iter()
                            .enumerate()
                            .map(|(j, k)| *k as f64 * dt - offsets.and_then(|o| o.get(j)).copied().unwrap_or(0.0))
                            .collect()
                    })
                    .unwrap_or_default();
                spiketrains.push(SpikeTrain {
                    source_index: c,
                    source_population: label.to_string(),
                    times,
                    t_start: 0.0,
                    t_stop,
                });
            }
        }
        let mut analogsignals = Vec::new();
        for group in &self.signals {
            let s = &group[0];
            let mut steps = group.iter().flat_map(|c| c.steps.iter());
            let (Some(s0), s1) = (steps.next(), steps.next()) else { continue };
            if !filter(&s.name) {
                continue;
            }
            let period = s1.map_or(dt, |s1| (s1 - s0) as f64 * dt);
            // The copy handed to the user is reserved fallibly; on refusal
            // the accumulated samples stay as they are.
            let n: usize = group.iter().map(|c| c.data.len()).sum();
            let what = || format!("a copy of the {} samples of `{}`", n / s.cells.len().max(1), s.name);
            let mut data = crate::memory::try_with_capacity(&format!("population \"{label}\""), what, n)?;
            for c in group {
                data.extend_from_slice(&c.data);
            }
            analogsignals.push(AnalogSignal {
                name: s.name.clone(),
                units: units(&s.name).to_string(),
                t_start: *s0 as f64 * dt,
                sampling_period: period,
                channel_index: s.cells.clone(),
                data,
            });
        }
        Ok(Segment { name, spiketrains, analogsignals })
    }
}

/// Keeps only the cells at `indices` (population indices) in a block.
pub(crate) fn restrict_block(mut block: Block, indices: &[usize]) -> Block {
    let size: usize = block.annotations.get("size").and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
    if indices.len() == size {
        return block;
    }
    let keep: BTreeSet<usize> = indices.iter().copied().collect();
    for seg in &mut block.segments {
        seg.spiketrains.retain(|s| keep.contains(&s.source_index));
        for sig in &mut seg.analogsignals {
            restrict_signal(sig, &keep);
        }
    }
    block
}

/// Keeps only the columns of the cells in `keep` in a signal.
fn restrict_signal(sig: &mut AnalogSignal, keep: &BTreeSet<usize>) {
    let n = sig.channel_index.len();
    let cols: Vec<usize> = (0..n).filter(|c| keep.contains(&sig.channel_index[*c])).collect();
    if cols.len() == n {
        return;
    }
    let rows = sig.n_samples();
    let mut data = Vec::with_capacity(rows * cols.len());
    for r in 0..rows {
        data.extend(cols.iter().map(|c| sig.data[r * n + c]));
    }
    sig.channel_index = cols.iter().map(|c| sig.channel_index[*c]).collect();
    sig.data = data;
}

/// A copy of a segment with only the variables that `keep` accepts.
pub(crate) fn filter_segment(s: &Segment, keep: &dyn Fn(&str) -> bool) -> Segment {
    Segment {
        name: s.name.clone(),
        spiketrains: if keep("spikes") { s.spiketrains.clone() } else { Vec::new() },
        analogsignals: s.analogsignals.iter().filter(|a| keep(&a.name)).cloned().collect(),
    }
}

/// Merges the blocks of the parts of an assembly into one block:
/// `blocks[k]` holds the cells `parts[k]` (population indices, sorted) of
/// its population; spike trains and signal columns are then indexed by
/// position in the assembly (PyNN's convention).
pub(crate) fn merge_blocks(label: &str, blocks: Vec<Block>, parts: &[&[usize]]) -> Block {
    let n_seg = blocks.iter().map(|b| b.segments.len()).max().unwrap_or(0);
    let mut out = Block { name: label.to_string(), segments: Vec::new(), annotations: BTreeMap::new() };
    if let Some(b) = blocks.first() {
        out.annotations = b.annotations.clone();
    }
    out.annotations.insert("size".into(), parts.iter().map(|c| c.len()).sum::<usize>().to_string());
    out.annotations.insert("label".into(), label.to_string());
    for k in 0..n_seg {
        let mut seg = Segment { name: format!("segment{k:03}"), ..Default::default() };
        let mut offset = 0;
        for (b, cells) in blocks.iter().zip(parts) {
            let pos = |idx: usize| offset + cells.binary_search(&idx).unwrap_or(0);
            if let Some(s) = b.segments.get(k) {
                for st in &s.spiketrains {
                    let mut st = st.clone();
                    st.source_index = pos(st.source_index);
                    seg.spiketrains.push(st);
                }
                for sig in &s.analogsignals {
                    let mapped: Vec<usize> = sig.channel_index.iter().map(|i| pos(*i)).collect();
                    match seg.analogsignals.iter_mut().find(|a| a.name == sig.name && a.n_samples() == sig.n_samples())
                    {
                        Some(acc) => {
                            let (na, nb, rows) = (acc.channel_index.len(), mapped.len(), sig.n_samples());
                            let mut data = Vec::with_capacity(rows * (na + nb));
                            for r in 0..rows {
                                data.extend_from_slice(&acc.data[r * na..(r + 1) * na]);
                                data.extend_from_slice(&sig.data[r * nb..(r + 1) * nb]);
                            }
                            acc.data = data;
                            acc.channel_index.extend(mapped);
                        }
                        None => {
                            let mut s2 = sig.clone();
                            s2.channel_index = mapped;
                            seg.analogsignals.push(s2);
                        }
                    }
                }
            }
            offset += cells.len();
        }
        out.segments.push(seg);
    }
    out
}
