//! Shards: the cut of every population into runs of consecutive cells
//! ([`shard_cells`]), each with its own kernel, ring buffers, incoming
//! synapse rows, injected currents and recordings; a shard advancing its
//! cells through a slice and the spikes it emits ([`Spikes`]); the
//! populations' bookkeeping ([`Pop`]); building a population's shards;
//! merging the shards' samples into whole-population signals.

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::rows::Rows;
use super::{Native, err};
use pynn_core::Result;
use pynn_core::backend::*;
use pynn_core::cells::CellTypeInfo;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};

/// Largest number of cells per shard (at most 65 536, so that targets fit in
/// a `u16`).
pub const SHARD_CELLS: usize = 4096;

/// Number of cells per shard of a population of `n` cells (the last shard
/// may be shorter): `n / 2` rounded up to a power of two, within
/// `[256, SHARD_CELLS]`. It depends on `n` only, so results do not depend on
/// the thread count (nor on the cut: each shard sums its input in global
/// source order). Larger shards mean fewer (and longer) synapse rows per
/// spike to visit during delivery, whose first loads miss the cache (VA
/// COBA: 15 % faster than with quarters); two per population keep two
/// threads busy, and populations above 8192 cells have more.
pub fn shard_cells(n: usize) -> usize {
    n.div_ceil(2).next_power_of_two().clamp(256, SHARD_CELLS)
}

/// Receptor slices passed to a kernel without allocating.
pub(super) const STACK_RECEPTORS: usize = 8;

/// One recorded analog variable, restricted to a shard's cells.
pub(super) struct ShardSignal {
    pub(super) var: usize,
    /// Recorded cells of this shard (indices within the shard).
    pub(super) cells: Vec<usize>,
    /// Position of each in the population's list of recorded cells.
    pub(super) pos: Vec<usize>,
    pub(super) steps: Vec<u64>,
    pub(super) data: Vec<f64>,
}

/// A run of consecutive cells of one population and everything they need.
pub(super) struct Shard {
    /// Global index of the first cell.
    pub(super) lo: usize,
    /// Index of the first cell in its population.
    pub(super) first: usize,
    pub(super) size: usize,
    pub(super) kernel: Box<dyn Kernel>,
    /// Per receptor: `ring_len * size` input sums.
    pub(super) ring: Vec<Vec<f64>>,
    /// Static synapse rows into this shard, in projection order.
    ///
    /// Non-static (plastic) projections keep their own storage
    /// ([`plastic::Plastic`], in `Native::plastic`) and are delivered
    /// serially after every shard has delivered its static rows
    /// ([`Native::deliver_pending`]), writing through [`Rings`].
    pub(super) incoming: Vec<Rows>,
    /// Current sources injecting into this shard: (source, cells within the shard).
    pub(super) inject: Vec<(usize, Vec<u32>)>,
    pub(super) current: Vec<f64>,
    /// Whether `current` holds only zeros (no current source nor gap
    /// junction wrote it since it was cleared).
    pub(super) current_zero: bool,
    /// Gap-junction current of each cell for the next step (nA; empty
    /// when no cell of the shard is coupled), set by `gap.rs`.
    pub(super) gap: Vec<f64>,
    pub(super) spike_mask: Vec<bool>,
    /// Whether any cell of `spike_mask` is set (set with it).
    pub(super) records_spikes: bool,
    pub(super) signals: Vec<ShardSignal>,
    pub(super) interval: u64,
    pub(super) last_sample: Option<u64>,
    /// Recorded spikes (cell within the shard, step) not yet drained.
    pub(super) rec_spikes: Vec<(u32, u64)>,
    /// Their offsets (ms before the step's end), parallel, for shards of
    /// precise kernels; empty on the grid (offset 0).
    pub(super) rec_offs: Vec<f64>,
    /// The spikes of one call of `delivery::deliver_same`, reused.
    pub(super) batch: Vec<super::delivery::Batched>,
}

/// A population as the engine sees it: where its cells and shards are.
pub(super) struct Pop {
    /// Global index of the first cell.
    pub(super) offset: usize,
    /// Cells per shard.
    pub(super) shard_cells: usize,
    pub(super) label: String,
    /// Global indices of its shards.
    pub(super) shards: std::ops::Range<usize>,
    /// Names and cells of the recorded analog variables.
    pub(super) signal_plan: Vec<(String, Vec<usize>)>,
    /// Samples of earlier recording plans, not yet drained.
    pub(super) done: Vec<RawSignal>,
}

impl Pop {
    /// Global index of the shard holding the population's cell `local`
    /// (the one place this is computed: shards have the population's own
    /// [`shard_cells`], not [`SHARD_CELLS`]).
    #[inline]
    pub(super) fn shard_of_local(&self, local: usize) -> usize {
        self.shards.start + local / self.shard_cells
    }
}

/// A current source and the global cells it injects into.
pub(super) struct Current {
    pub(super) spec: CurrentSourceSpec,
    pub(super) targets: Vec<u32>,
}

/// The cells `lo..lo + n` of a parameter table.
pub(super) fn sub_table(t: &ParamTable, lo: usize, n: usize) -> ParamTable {
    if lo == 0 && n == t.size() {
        return t.clone();
    }
    let mut s = ParamTable::defaults(t.specs(), n);
    let idx: Vec<usize> = (0..n).collect();
    for spec in t.specs() {
        match t.column(spec.name) {
            Some(Column::Scalar(v)) => s.assign(spec.name, &idx, Column::Scalar(v[lo..lo + n].to_vec())),
            Some(Column::Sequence(v)) => s.assign(spec.name, &idx, Column::Sequence(v[lo..lo + n].to_vec())),
            None => {}
        }
    }
    s
}

/// Spikes emitted by one shard during a slice.
#[derive(Default)]
pub(super) struct Spikes {
    /// `(cell within the shard, step of the spike time)`, in time order and,
    /// within a step, in cell order.
    pub(super) list: SpikeOut,
    /// `list[bounds[j]..bounds[j + 1]]` were emitted in the slice's step `j`.
    pub(super) bounds: Vec<usize>,
    /// `mult[k]`: how many spikes the cell of `list[k]` emitted in its step
    /// (closed steps hold each cell once).
    pub(super) mult: Vec<u32>,
    /// Offsets of the spikes of `list` (ms before the end of their step),
    /// parallel to it, for shards of precise kernels (`precise.rs`);
    /// empty otherwise (offset 0).
    pub(super) offs: Vec<f64>,
    /// `cell[k] == list[k].0` for the closed steps, in 16 bits (a shard
    /// has at most [`SHARD_CELLS`] cells): what delivery reads, 2 bytes
    /// per entry instead of the list's 16 (Brunel's Poisson drive closes
    /// about 10 000 entries per step, read again one slice later).
    pub(super) cell: Vec<u16>,
    /// `stamp[j]`: the time stamp of the spikes of the slice's step `j`
    /// (that of its first entry, 0 if it has none; all spikes of a step
    /// share it).
    pub(super) stamp: Vec<u64>,
}

impl Spikes {
    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.bounds.clear();
        self.bounds.push(0);
        self.mult.clear();
        self.offs.clear();
        self.cell.clear();
        self.stamp.clear();
    }

    /// Closes the current step (its spikes are `list[bounds.last()..]`, in
    /// cell order): repeated spikes of one cell (high-rate Poisson sources)
    /// become one entry with its multiplicity, so that delivery reads each
    /// cell once.
    pub(super) fn end_step(&mut self) {
        let from = *self.bounds.last().unwrap_or(&0);
        // Precise spikes keep one entry each (their offsets differ).
        let precise = !self.offs.is_empty() && self.offs.len() == self.list.len();
        // A counted kernel (`Kernel::step_counted`) gave one entry and one
        // count per spiking cell: nothing to merge, and no scan for it.
        let counted = self.mult.len() == self.list.len();
        if !precise && !counted && self.list[from..].windows(2).any(|w| w[0].0 == w[1].0) {
            let (mut i, mut out) = (from, from);
            while i < self.list.len() {
                let m = run_length(&self.list, i);
                self.list[out] = self.list[i];
                self.mult.push(m as u32);
                out += 1;
                i += m;
            }
            self.list.truncate(out);
        } else {
            self.mult.resize(self.list.len(), 1);
        }
        // Cells fit in 16 bits: a shard has at most SHARD_CELLS <= 65 536.
        self.cell.extend(self.list[from..].iter().map(|e| e.0 as u16));
        self.stamp.push(self.list.get(from).map_or(0, |e| e.1));
        self.bounds.push(self.list.len());
    }

    /// The entries of step `j` whose cell lies in `first..last`, as a range
    /// of positions in `list`, `cell` and `mult` (binary searches over
    /// `cell`: cells are sorted).
    #[inline]
    pub(super) fn range(&self, j: usize, first: u32, last: u32) -> std::ops::Range<usize> {
        let (a, b) = (self.bounds[j], self.bounds[j + 1]);
        let cell = &self.cell[a..b];
        let lo = cell.partition_point(|&c| u32::from(c) < first);
        let hi = lo + cell[lo..].partition_point(|&c| u32::from(c) < last);
        a + lo..a + hi
    }
}

/// How many entries from `list[i]` on belong to the same cell (the list is
/// sorted by cell). Up to 8 are counted without a data-dependent branch:
/// the counts of high-rate Poisson sources are random and would defeat
/// branch prediction.
#[inline(always)]
pub(super) fn run_length(list: &[(u32, u64)], i: usize) -> usize {
    let c = list[i].0;
    let mut m = 1;
    if i + 8 <= list.len() {
        m += list[i + 1..i + 8].iter().map(|e| usize::from(e.0 == c)).sum::<usize>();
        if m < 8 {
            return m;
        }
    }
    while i + m < list.len() && list[i + m].0 == c {
        m += 1;
    }
    m
}

impl Shard {
    /// Advances the shard's cells through steps `a..b`, writing their spikes to `out`.
    pub(super) fn advance(&mut self, a: u64, b: u64, ring_len: u64, values: &[Vec<f64>], out: &mut Spikes) {
        out.clear();
        let n = self.size;
        for k in a..b {
            if self.last_sample != Some(k) && k % self.interval == 0 && !self.signals.is_empty() {
                self.sample(k);
            }
            let no_current = self.inject.is_empty() && self.gap.is_empty();
            if no_current && !self.current_zero {
                self.current.iter_mut().for_each(|c| *c = 0.0);
                self.current_zero = true;
            }
            if !no_current {
                self.current_zero = false;
                self.current.iter_mut().for_each(|c| *c = 0.0);
                for (s, cells) in &self.inject {
                    let x = values[*s][(k - a) as usize];
                    for c in cells {
                        self.current[*c as usize] += x;
                    }
                }
                if !self.gap.is_empty() {
                    self.current.iter_mut().zip(&self.gap).for_each(|(c, g)| *c += g);
                }
            }
            let slot = ((k + 1) % ring_len) as usize;
            let before = out.list.len();
            if let Some(p) = self.kernel.precise() {
                // Precise kernels (spike_precision "off_grid", precise.rs).
                p.step(k, &self.current, &mut out.list, &mut out.offs);
                for (&(c, s), &o) in out.list[before..].iter().zip(&out.offs[before..]) {
                    if self.spike_mask[c as usize] {
                        self.rec_spikes.push((c, s));
                        self.rec_offs.push(o);
                    }
                }
                out.end_step();
                if (k + 1) % self.interval == 0 && !self.signals.is_empty() {
                    self.sample(k + 1);
                }
                continue;
            }
            let n_rec = self.ring.len();
            let cleared = n_rec <= STACK_RECEPTORS && {
                let mut slots: [&mut [f64]; STACK_RECEPTORS] = Default::default();
                for (r, ring) in self.ring.iter_mut().enumerate() {
                    slots[r] = &mut ring[slot * n..(slot + 1) * n];
                }
                let slots = &mut slots[..n_rec];
                if no_current {
                    self.kernel.step_clearing_no_current(k, slots, &self.current, &mut out.list)
                } else {
                    self.kernel.step_clearing(k, slots, &self.current, &mut out.list)
                }
            };
            if !cleared {
                let mut stack: [&[f64]; STACK_RECEPTORS] = [&[]; STACK_RECEPTORS];
                let heap: Vec<&[f64]>;
                let synaptic: &[&[f64]] = if n_rec <= STACK_RECEPTORS {
                    for (r, ring) in self.ring.iter().enumerate() {
                        stack[r] = &ring[slot * n..(slot + 1) * n];
                    }
                    &stack[..n_rec]
                } else {
                    heap = self.ring.iter().map(|r| &r[slot * n..(slot + 1) * n]).collect();
                    &heap
                };
                let input = StepInput { step: k, synaptic, current: &self.current };
                if !self.kernel.step_counted(k, &mut out.list, &mut out.mult) {
                    self.kernel.step(&input, &mut out.list);
                }
                for r in &mut self.ring {
                    r[slot * n..(slot + 1) * n].fill(0.0);
                }
            }
            // Unrecorded shards skip the loop (Brunel's Poisson shards list
            // every cell in every step).
            let emitted = if self.records_spikes { &out.list[before..] } else { &[] };
            for (i, &(c, s)) in emitted.iter().enumerate() {
                if self.spike_mask[c as usize] {
                    // Counted kernels (`Kernel::step_counted`) gave each cell's count.
                    let m = out.mult.get(before + i).map_or(1, |m| *m as usize);
                    self.rec_spikes.extend(std::iter::repeat_n((c, s), m));
                }
            }
            out.end_step();
            if (k + 1) % self.interval == 0 && !self.signals.is_empty() {
                self.sample(k + 1);
            }
        }
    }

    pub(super) fn sample(&mut self, step: u64) {
        self.last_sample = Some(step);
        for sig in &mut self.signals {
            sig.steps.push(step);
            self.kernel.read(sig.var, &sig.cells, &mut sig.data);
        }
    }
}

impl Native {
    pub(super) fn pop(&self, id: PopId) -> Result<&Pop> {
        self.pops.get(id).ok_or_else(|| err(format!("no population {id}")))
    }

    /// The shard holding global cell `g`.
    pub(super) fn shard_of(&self, g: usize) -> usize {
        let p = &self.pops[self.owner[g] as usize];
        p.shard_of_local(g - p.offset)
    }

    pub(super) fn rebuild_injection(&mut self) {
        for sh in &mut self.shards {
            sh.inject.clear();
        }
        for (s, cur) in self.currents.iter().enumerate() {
            let Some(cur) = cur else { continue };
            for sh in &mut self.shards {
                let lo = sh.lo as u32;
                let hi = (sh.lo + sh.size) as u32;
                let cells: Vec<u32> = cur.targets.iter().filter(|t| **t >= lo && **t < hi).map(|t| t - lo).collect();
                if !cells.is_empty() {
                    sh.inject.push((s, cells));
                }
            }
        }
    }

    /// Moves the samples of a population's shards into whole-population signals.
    pub(super) fn merge_samples(&mut self, pop: PopId) -> Result<Vec<RawSignal>> {
        let p = &self.pops[pop];
        let object = format!("population \"{}\" on the native engine", p.label);
        // Every merged buffer is allocated (fallibly) before any sample
        // moves, so that a refusal leaves the samples where they were.
        let mut out = Vec::new();
        for (k, (name, cells)) in p.signal_plan.iter().enumerate() {
            let steps = self.shards[p.shards.start].signals.get(k).map(|s| s.steps.clone()).unwrap_or_default();
            if steps.is_empty() {
                continue;
            }
            let width = cells.len();
            let what = || format!("the {} samples of `{name}` of {width} cells", steps.len());
            let data = pynn_core::memory::try_vec(&object, what, steps.len() * width, 0.0)?;
            out.push((k, RawSignal { name: name.clone(), cells: cells.clone(), steps, data }));
        }
        for (k, merged) in &mut out {
            let width = merged.cells.len();
            for s in p.shards.clone() {
                let sig = &mut self.shards[s].signals[*k];
                let local = sig.cells.len();
                for row in 0..merged.steps.len() {
                    for (j, pos) in sig.pos.iter().enumerate() {
                        merged.data[row * width + pos] = sig.data[row * local + j];
                    }
                }
                // Freed, not kept for reuse: the next run reserves its own.
                sig.steps = Vec::new();
                sig.data = Vec::new();
            }
        }
        Ok(out.into_iter().map(|(_, m)| m).collect())
    }

    /// Reserves, fallibly, the room for the samples of a run to `step` in
    /// every shard's recording buffers (exactly for a first run after a
    /// drain, so that a long run's buffers do not double; amortised for
    /// successive short runs).
    pub(super) fn reserve_samples(&mut self, step: u64) -> Result<()> {
        for p in &self.pops {
            for sh in &mut self.shards[p.shards.clone()] {
                let samples = (step.saturating_sub(self.step) / sh.interval.max(1) + 1) as usize;
                for sig in &mut sh.signals {
                    let object = || format!("population \"{}\" on the native engine", p.label);
                    let what = || format!("{samples} samples of {} cells", sig.cells.len());
                    let n = samples.saturating_mul(sig.cells.len());
                    pynn_core::memory::try_reserve(&mut sig.data, &object(), what, n)?;
                    pynn_core::memory::try_reserve(&mut sig.steps, &object(), what, samples)?;
                }
            }
        }
        Ok(())
    }

    /// Builds the shards of a new population of cell type `C` (the
    /// [`Supports::create_population`] of every native cell type).
    pub(super) fn add_population<C: NativeCell>(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
        if spec.id != self.pops.len() || spec.offset != self.owner.len() {
            return Err(err("populations must be created in order"));
        }
        let info: CellTypeInfo = spec.cell_type;
        let n = spec.size;
        // The engine's state per cell, estimated before allocating it
        // (pynn_core::memory): ring buffers (`ring_len` slots per receptor),
        // the kernel's parameters and state and their per-shard copy (two
        // f64 each), injected current, spike mask and owner.
        let object = format!("population \"{}\" ({}) on the native engine", spec.label, info.name);
        let ring_cell = pynn_core::memory::bytes(&[self.ring_len, info.receptors.len() as u64, 8]);
        let kernel_cell = ((info.parameters.len() + info.state.len()) as u64) * 16 + 8 + 1 + 4;
        let per_cell = pynn_core::memory::sum(&[ring_cell, Some(kernel_cell)]);
        let total = per_cell.and_then(|b| pynn_core::memory::bytes(&[b, n as u64]));
        pynn_core::memory::ensure(
            &object,
            || format!("{n} cells with {} ring-buffer slots per receptor", self.ring_len),
            total,
        )?;
        let per_shard = shard_cells(n);
        let n_shards = n.div_ceil(per_shard).max(1);
        let first_shard = self.shards.len();
        let mut shards = Vec::with_capacity(n_shards);
        for k in 0..n_shards {
            let first = k * per_shard;
            let size = per_shard.min(n - first.min(n));
            let ctx = BuildContext {
                dt: self.dt,
                seed: self.cfg.seed,
                population: spec.id,
                label: spec.label.to_string(),
                first_cell: first,
                composition: spec.composition.clone(),
            };
            let (params, initial) =
                (sub_table(spec.parameters, first, size), sub_table(spec.initial_values, first, size));
            let precise = match self.cfg.spike_precision {
                pynn_core::SpikePrecision::OffGrid => super::precise::build(info.name, &params, &initial, &ctx)?,
                pynn_core::SpikePrecision::OnGrid => None,
            };
            let mut kernel = match precise {
                Some(k) => k,
                None => C::build(&params, &initial, &ctx)?,
            };
            kernel.set_ode_solver(self.options.ode_solver);
            shards.push(Shard {
                lo: spec.offset + first,
                first,
                size,
                kernel,
                ring: (0..info.receptors.len())
                    // No overflow: the estimate above bounds ring_len x n x 8.
                    .map(|_| {
                        pynn_core::memory::try_vec(
                            &object,
                            || "ring buffers".into(),
                            self.ring_len as usize * size,
                            0.0,
                        )
                    })
                    .collect::<Result<_>>()?,
                incoming: Vec::new(),
                inject: Vec::new(),
                current: vec![0.0; size],
                current_zero: true,
                gap: Vec::new(),
                spike_mask: vec![false; size],
                records_spikes: false,
                signals: Vec::new(),
                interval: 1,
                last_sample: None,
                rec_spikes: Vec::new(),
                rec_offs: Vec::new(),
                batch: Vec::new(),
            });
        }
        for sh in shards {
            self.shard_lo.push(sh.lo);
            self.shards.push(sh);
            let mut s = Spikes::default();
            s.clear();
            self.pending.push(s);
            let mut s = Spikes::default();
            s.clear();
            self.next.push(s);
        }
        self.owner.extend(std::iter::repeat_n(spec.id as u32, n));
        self.pops.push(Pop {
            offset: spec.offset,
            shard_cells: per_shard,
            label: spec.label.to_string(),
            shards: first_shard..self.shards.len(),
            signal_plan: Vec::new(),
            done: Vec::new(),
        });
        self.rebuild_injection();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Spikes;

    fn closed() -> Spikes {
        let mut s = Spikes::default();
        s.clear();
        s
    }

    /// A step of single spikes, a step with a cell repeated (merged into
    /// one entry with its multiplicity), an empty step and a counted step
    /// (a count per entry already, as `Kernel::step_counted` writes it):
    /// `cell`, `stamp`, `mult` and `bounds` must describe exactly these
    /// entries, and `range` must find the cells of a window in each step.
    #[test]
    fn closed_steps_keep_cells_stamps_and_counts() {
        let mut s = closed();
        s.list.extend([(3, 7), (9, 7), (4000, 7)]);
        s.end_step();
        s.list.extend([(1, 8), (5, 8), (5, 8), (5, 8), (6, 8)]);
        s.end_step();
        s.end_step();
        s.list.extend([(2, 10), (2000, 10)]);
        s.mult.extend([4, 1]);
        s.end_step();
        assert_eq!(s.bounds, [0, 3, 6, 6, 8]);
        assert_eq!(s.cell, [3, 9, 4000, 1, 5, 6, 2, 2000]);
        assert_eq!(s.stamp, [7, 8, 0, 10]);
        assert_eq!(s.mult, [1, 1, 1, 1, 3, 1, 4, 1]);
        assert_eq!(
            s.list.iter().map(|e| e.0).collect::<Vec<_>>(),
            s.cell.iter().map(|&c| u32::from(c)).collect::<Vec<_>>()
        );
        // Cells in 4..4001 of step 0: 9 and 4000 (positions 1, 2).
        assert_eq!(s.range(0, 4, 4001), 1..3);
        assert_eq!(s.range(1, 5, 6), 4..5);
        assert_eq!(s.range(2, 0, u32::MAX), 6..6);
        assert_eq!(s.range(3, 3, 2000), 7..7);
        s.clear();
        assert!(s.cell.is_empty() && s.stamp.is_empty() && s.mult.is_empty() && s.bounds == [0]);
    }
}

/// Sizes and indices of the shards and of their closed spike steps across
/// their boundaries: cells stored in 16 bits, shards of every size up to
/// [`SHARD_CELLS`], every cell of a full shard firing in one step, time
/// stamps past 2^16 and 2^32 (proptest; a failing case is printed whole).
#[cfg(test)]
mod boundary_tests {
    use super::{SHARD_CELLS, Spikes, shard_cells};
    use proptest::prelude::*;

    /// A shard's cells must fit the 16-bit cells of [`Spikes::cell`] and
    /// the 16-bit targets of the rows: at most 2^16 cells, so that cell
    /// 65 535 is the largest index.
    const _: () = assert!(SHARD_CELLS <= 1 << 16);

    /// Population sizes at and around every power of two up to 2^20 and
    /// the 16-bit edge (65 535, 65 536, 65 537), each cut as `add_population`
    /// cuts it: shards of `shard_cells(n)` cells, at most `SHARD_CELLS`, a
    /// power of two, covering the cells exactly once with the last shard
    /// the only short one, and `Pop::shard_of_local`'s division landing
    /// each cell in the shard that holds it.
    #[test]
    fn every_population_size_is_cut_into_shards_of_at_most_shard_cells() {
        let mut sizes: Vec<usize> = vec![0, 1, 2, 3, 10_000, 12_500, 1_000_003, usize::MAX / 4];
        for b in 1..=20 {
            sizes.extend([(1usize << b) - 1, 1 << b, (1 << b) + 1]);
        }
        for n in sizes {
            let per = shard_cells(n);
            assert!(per.is_power_of_two() && (256..=SHARD_CELLS).contains(&per), "n {n}: {per} cells per shard");
            let shards = n.div_ceil(per).max(1);
            let sizes_of = |k: usize| per.min(n - (k * per).min(n));
            if n > 0 {
                // Every shard but the last is full (the size is a formula
                // of its index: checked at the first and the last two).
                let full =
                    [0, 1, shards.saturating_sub(3), shards.saturating_sub(2)].into_iter().filter(|&k| k + 1 < shards);
                assert!(full.into_iter().all(|k| sizes_of(k) == per), "n {n}: a short shard before the last");
                assert_eq!((shards - 1) * per + sizes_of(shards - 1), n, "n {n}");
                assert!(sizes_of(shards - 1) >= 1, "n {n}: an empty last shard");
                for local in [0, per - 1, per, n / 2, n - 1].into_iter().filter(|&l| l < n) {
                    let k = local / per;
                    assert!(k < shards && local >= k * per && local < k * per + sizes_of(k), "n {n}, cell {local}");
                }
            }
        }
    }

    /// One step of a shard's spikes as a kernel writes it: cells in
    /// order, each `count` times (`counted`: once, with the count in
    /// `mult`, as `Kernel::step_counted` writes it).
    #[derive(Clone, Debug)]
    struct Step {
        stamp: u64,
        counted: bool,
        fired: Vec<(u32, u32)>,
    }

    fn push(s: &mut Spikes, step: &Step) {
        for &(c, m) in &step.fired {
            if step.counted {
                s.list.push((c, step.stamp));
                s.mult.push(m);
            } else {
                s.list.extend(std::iter::repeat_n((c, step.stamp), m as usize));
            }
        }
        s.end_step();
    }

    /// Checks the closed steps of `s` against the steps written: one entry
    /// per firing cell with its count, its cell in 16 bits equal to the
    /// list's, the step's stamp, and `range` finding exactly the cells of
    /// each window (a scan of the entries as the oracle).
    fn check(s: &Spikes, steps: &[Step], windows: &[(u32, u32)]) -> Result<(), TestCaseError> {
        prop_assert_eq!(s.bounds.len(), steps.len() + 1);
        prop_assert_eq!(s.stamp.len(), steps.len());
        prop_assert_eq!(s.cell.len(), s.list.len());
        prop_assert_eq!(s.mult.len(), s.list.len());
        for (j, step) in steps.iter().enumerate() {
            let (a, b) = (s.bounds[j], s.bounds[j + 1]);
            let got: Vec<(u32, u32)> = (a..b).map(|k| (s.list[k].0, s.mult[k])).collect();
            prop_assert_eq!(&got, &step.fired, "step {}", j);
            prop_assert!((a..b).all(|k| u32::from(s.cell[k]) == s.list[k].0 && s.list[k].1 == step.stamp));
            prop_assert_eq!(s.stamp[j], if a == b { 0 } else { step.stamp });
            for &(first, last) in windows {
                let want: Vec<usize> = (a..b).filter(|&k| (first..last).contains(&s.list[k].0)).collect();
                let r = s.range(j, first, last);
                prop_assert_eq!(r.clone().collect::<Vec<_>>(), want, "step {}, window {}..{}", j, first, last);
            }
        }
        Ok(())
    }

    /// A step of a shard of `size` cells: every cell firing (1 to 3 times),
    /// or a random subset, each 1 to 300 times (runs longer than the 8
    /// entries `run_length` counts without a branch, counts past 255).
    fn arb_step(size: u32) -> impl Strategy<Value = Step> {
        let count = prop_oneof![4 => 1..=3u32, 1 => 1..=300u32];
        let fired = prop_oneof![
            1 => proptest::collection::vec(1..=3u32, size as usize)
                .prop_map(|m| m.into_iter().enumerate().map(|(c, m)| (c as u32, m)).collect::<Vec<_>>()),
            3 => proptest::collection::btree_map(0..size, count, 0..40)
                .prop_map(|m| m.into_iter().collect::<Vec<_>>()),
        ];
        let stamp = prop_oneof![0..100u64, (1u64 << 16) - 2..(1 << 16) + 2, (1u64 << 32) - 2..(1 << 32) + 2];
        (stamp, any::<bool>(), fired).prop_map(|(stamp, counted, fired)| Step { stamp, counted, fired })
    }

    fn arb_shard() -> impl Strategy<Value = (u32, Vec<Step>, Vec<(u32, u32)>)> {
        let size = prop_oneof![Just(1u32), Just(255), Just(256), Just(4095), Just(SHARD_CELLS as u32), 1..=4096u32];
        size.prop_flat_map(|size| {
            let edge = prop_oneof![Just(0u32), Just(size - 1), Just(size), Just(u32::MAX), 0..=size];
            let windows = proptest::collection::vec((edge.clone(), edge), 1..6)
                .prop_map(|w| w.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect());
            (Just(size), proptest::collection::vec(arb_step(size), 1..6), windows)
        })
    }

    proptest! {
        // 256 cases (under a second in the test build).
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Random steps of shards of 1 to 4096 cells (cell 4095 stored in
        /// 16 bits), closed one by one and after a `clear`: the closed
        /// steps hold exactly the cells, counts and stamps written.
        #[test]
        fn closed_steps_hold_every_cell_count_and_stamp(case in arb_shard()) {
            let (_, steps, windows) = case;
            let mut s = Spikes::default();
            s.clear();
            for step in &steps {
                push(&mut s, step);
            }
            check(&s, &steps, &windows)?;
            // A slice later (the buffers cleared and reused).
            s.clear();
            for step in steps.iter().rev() {
                push(&mut s, step);
            }
            let rev: Vec<Step> = steps.iter().rev().cloned().collect();
            check(&s, &rev, &windows)?;
        }
    }
}
