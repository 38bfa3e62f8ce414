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
///
/// Spikes are kept as the backend drained them (one chunk per drain, in
/// time order) and sorted into per-cell trains only when a segment is
/// built ([`SegmentAccumulator::to_segment`]): appending moves the chunk
/// and touches no spike, and building visits each spike once, into trains
/// allocated at their final length. Before, each appended spike went
/// through two per-cell map look-ups and two growing vectors (an offset
/// was stored for every spike, 0 on the grid): 3 % of Brunel's CPU time.
#[derive(Debug, Clone, Default)]
pub(crate) struct SegmentAccumulator {
    /// The drained spikes, one [`SpikeChunk`] per drain, oldest first.
    pub spikes: Vec<SpikeChunk>,
    /// Per recorded (variable, cells): the drained chunks in time order,
    /// kept apart (appending moves them, allocates nothing large) and
    /// joined into the copy [`SegmentAccumulator::to_segment`] returns.
    pub signals: Vec<Vec<crate::backend::RawSignal>>,
}

/// The spikes of one drain ([`RawRecording::spikes`] and
/// [`RawRecording::offsets`], moved).
#[derive(Debug, Clone, Default)]
pub(crate) struct SpikeChunk {
    /// (population index, step of the spike time), in time order.
    pub spikes: Vec<(u32, u64)>,
    /// Offset of each spike before the end of its step (ms); a spike
    /// without an entry (every spike when empty) is on the grid (0).
    pub offsets: Vec<f64>,
}

impl SegmentAccumulator {
    /// Appends a backend's drained data (the spikes and samples are moved,
    /// not copied).
    pub fn append(&mut self, raw: RawRecording) {
        if !raw.spikes.is_empty() {
            self.spikes.push(SpikeChunk { spikes: raw.spikes, offsets: raw.offsets });
        }
        for sig in raw.signals {
            match self.signals.iter_mut().find(|g| g[0].name == sig.name && g[0].cells == sig.cells) {
                Some(group) => group.push(sig),
                None => self.signals.push(vec![sig]),
            }
        }
    }

    /// The spike trains of the cells in `spike_cells` (recorded now) and of
    /// every cell with a spike in the segment, by population index: each
    /// cell's spikes in drain order (time order), at `step * dt - offset`.
    fn spiketrains(&self, label: &str, dt: f64, t_stop: f64, spike_cells: &[usize]) -> Vec<SpikeTrain> {
        // Spikes per cell (counting pass), then one train per cell that
        // spikes or is recorded, each allocated at its length.
        let top = self.spikes.iter().flat_map(|c| c.spikes.iter().map(|s| s.0 as usize + 1)).max().unwrap_or(0);
        let top = top.max(spike_cells.iter().map(|c| c + 1).max().unwrap_or(0));
        let mut count = vec![0u32; top];
        for chunk in &self.spikes {
            for &(c, _) in &chunk.spikes {
                count[c as usize] += 1;
            }
        }
        let mut listed = vec![false; top];
        for &c in spike_cells {
            listed[c] = true;
        }
        // `slot[c]`: index of cell c's train in the result.
        let mut slot = vec![u32::MAX; top];
        let mut trains = Vec::new();
        for c in 0..top {
            if count[c] > 0 || listed[c] {
                slot[c] = trains.len() as u32;
                trains.push(SpikeTrain {
                    source_index: c,
                    source_population: label.to_string(),
                    times: Vec::with_capacity(count[c] as usize),
                    t_start: 0.0,
                    t_stop,
                });
            }
        }
        for chunk in &self.spikes {
            for (j, &(c, k)) in chunk.spikes.iter().enumerate() {
                let offset = chunk.offsets.get(j).copied().unwrap_or(0.0);
                trains[slot[c as usize] as usize].times.push(k as f64 * dt - offset);
            }
        }
        trains
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
        let spiketrains = if filter("spikes") { self.spiketrains(label, dt, t_stop, spike_cells) } else { Vec::new() };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::RawSignal;

    fn segment(acc: &SegmentAccumulator, dt: f64, spike_cells: &[usize]) -> Segment {
        acc.to_segment("segment000".into(), "p", dt, 100, spike_cells, &|_| "mV", &|_| true).expect("segment")
    }

    /// Two drains (on the grid, then precise) become per-cell trains in
    /// time order; recorded cells without spikes get empty trains; cells
    /// are in index order. Times are exact: `step * dt - offset` with
    /// dt = 0.5 and offsets that are binary fractions (no rounding).
    #[test]
    fn spikes_of_several_drains_become_trains_in_time_order() {
        let mut acc = SegmentAccumulator::default();
        acc.append(RawRecording { spikes: vec![(3, 1), (0, 2), (3, 2), (3, 5)], offsets: vec![], signals: vec![] });
        acc.append(RawRecording { spikes: vec![(0, 7), (3, 8)], offsets: vec![0.25, 0.125], signals: vec![] });
        // An empty drain adds nothing.
        acc.append(RawRecording::default());
        assert_eq!(acc.spikes.len(), 2);
        let seg = segment(&acc, 0.5, &[1, 3]);
        let got: Vec<(usize, Vec<f64>)> = seg.spiketrains.iter().map(|s| (s.source_index, s.times.clone())).collect();
        assert_eq!(got, vec![(0, vec![1.0, 3.25]), (1, vec![]), (3, vec![0.5, 1.0, 2.5, 3.875])]);
        assert!(seg.spiketrains.iter().all(|s| s.t_stop == 50.0 && s.source_population == "p"));
    }

    /// A drain's offsets shorter than its spikes count as 0 for the rest
    /// (as external backends may send), and filtering out "spikes" gives
    /// no trains while signals are still joined across drains.
    #[test]
    fn missing_offsets_are_on_the_grid_and_filters_apply() {
        let mut acc = SegmentAccumulator::default();
        let sig = |steps: Vec<u64>, data: Vec<f64>| RawSignal { name: "v".into(), cells: vec![2, 5], steps, data };
        acc.append(RawRecording {
            spikes: vec![(2, 4), (5, 4)],
            offsets: vec![0.5],
            signals: vec![sig(vec![0, 1], vec![1.0, 2.0, 3.0, 4.0])],
        });
        acc.append(RawRecording { spikes: vec![], offsets: vec![], signals: vec![sig(vec![2], vec![5.0, 6.0])] });
        let seg = segment(&acc, 1.0, &[]);
        assert_eq!(seg.spiketrains.len(), 2);
        assert_eq!(seg.spiketrains[0].times, vec![3.5]);
        assert_eq!(seg.spiketrains[1].times, vec![4.0]);
        let v = seg.signal("v").expect("v");
        assert_eq!(v.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!((v.t_start, v.sampling_period, v.n_samples()), (0.0, 1.0, 3));
        let no_spikes =
            acc.to_segment("s".into(), "p", 1.0, 3, &[2], &|_| "mV", &|v: &str| v != "spikes").expect("segment");
        assert!(no_spikes.spiketrains.is_empty());
        assert_eq!(no_spikes.analogsignals.len(), 1);
    }
}
