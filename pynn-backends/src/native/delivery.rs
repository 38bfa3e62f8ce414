//! Spike delivery: the spikes that the shards emitted in a slice, delivered
//! through the static rows into each shard's ring buffers (one loop per
//! storage layout); the ring buffers as the sink of the plastic projections
//! ([`Rings`]); and the slice loop that delivers, then advances every shard
//! (in parallel when worth it).

use super::rows::{Rows, Values};
use super::shard::{Pop, Shard, Spikes};
use super::{Native, plastic};
use rayon::prelude::*;

/// Neuron-steps per slice from which shards advance in parallel.
pub(super) const PARALLEL_WORK: u64 = 4_000;

// ------------------------------------------------------------ shards

impl Shard {
    /// Adds the spikes of `spikes` (one entry per shard of the network) to
    /// this shard's ring buffers.
    pub(super) fn deliver(&mut self, spikes: &[Spikes], shard_lo: &[usize], ring_len: u64) {
        // Precise cells (spike_precision "off_grid") queue events with their offsets.
        if let Some(q) = self.kernel.precise().and_then(|p| p.queue()) {
            return super::precise::deliver(q, &self.incoming, spikes, shard_lo, ring_len);
        }
        let n = self.size;
        let n_steps = spikes.first().map_or(0, |s| s.bounds.len().saturating_sub(1));
        for rows in &self.incoming {
            let ring = self.ring[rows.receptor].as_mut_slice();
            let args = (ring, n, ring_len, spikes, shard_lo, n_steps);
            // One loop per storage layout, so that the inner loop has no branch on it.
            match (&rows.weight, &rows.delay) {
                (Values::Same(w), Values::Same(d)) => deliver_same(args, rows, *w, *d, &mut self.batch),
                (w, Values::Same(d)) => deliver_rows::<true>(args, rows, |s| w.get(s), |_| *d),
                (w, d) => deliver_rows::<false>(args, rows, |s| w.get(s), |s| d.get(s)),
            }
        }
    }
}

/// Write access to every shard's ring buffers by global cell index, for
/// the serial delivery of plastic projections.
pub(super) struct Rings<'a> {
    pub(super) shards: &'a mut [Shard],
    pub(super) pops: &'a [Pop],
    pub(super) owner: &'a [u32],
    pub(super) ring_len: u64,
    /// Whether any shard runs a precise kernel (`precise.rs`); otherwise
    /// every target is a grid ring buffer and no kernel is asked.
    pub(super) precise: bool,
}

impl plastic::Sink for Rings<'_> {
    /// Adds `w` to the input of global cell `cell`, receptor `receptor`,
    /// arriving at step `arrival` (the slot consumed by the step that ends there).
    #[inline]
    fn add(&mut self, receptor: usize, cell: u32, arrival: u64, w: f64) {
        self.add_at(receptor, cell, arrival, 0.0, w);
    }

    /// As [`Rings::add`]; a precise target (`precise.rs`) queues the weight
    /// at `offset` instead, grid targets ignore the offset.
    #[inline]
    fn add_at(&mut self, receptor: usize, cell: u32, arrival: u64, offset: f64, w: f64) {
        let p = &self.pops[self.owner[cell as usize] as usize];
        let local = cell as usize - p.offset;
        let sh = &mut self.shards[p.shard_of_local(local)];
        let i = local - sh.first;
        if self.precise
            && let Some(q) = sh.kernel.precise().and_then(|k| k.queue())
        {
            return super::precise::push_plastic(q, self.ring_len, arrival, i as u32, receptor, offset, w);
        }
        let slot = (arrival % self.ring_len) as usize;
        sh.ring[receptor][slot * sh.size + i] += w;
    }
}

/// Adds the spikes of every step to `ring` through the rows of one
/// projection: in step order, then source cell order, then row order. A
/// cell emitting `m` spikes in one step (a Poisson source at a high rate) is
/// delivered once with `m` times the weight, as NEST delivers an event of
/// multiplicity `m`.
#[inline(always)]
pub(super) fn deliver_rows<const SAME_DELAY: bool>(
    (ring, n, ring_len, spikes, shard_lo, n_steps): (&mut [f64], usize, u64, &[Spikes], &[usize], usize),
    rows: &Rows,
    weight: impl Fn(usize) -> f64,
    delay: impl Fn(usize) -> u16,
) {
    let len = ring_len as usize;
    let wrap = |slot: usize| if slot >= len { slot - len } else { slot };
    for j in 0..n_steps {
        for src in rows.src.clone() {
            let sp = &spikes[src];
            // Only the source cells with rows here: a source shard may feed
            // several target shards, each holding the rows of part of it.
            let lo = shard_lo[src] as u32;
            let first = rows.pre_lo.saturating_sub(lo);
            let last = rows.pre_hi.saturating_sub(lo);
            let at = sp.range(j, first, last);
            if at.is_empty() {
                continue;
            }
            // All spikes of a step share their time stamp.
            let base = (sp.stamp[j] % ring_len) as usize;
            for (&c, &m) in sp.cell[at.clone()].iter().zip(&sp.mult[at]) {
                let range = rows.row(lo + u32::from(c));
                let targets = &rows.target[range.clone()];
                // `w * 1.0 == w` exactly, so single spikes are unaffected.
                let scale = f64::from(m);
                if SAME_DELAY {
                    let slot = wrap(base + usize::from(delay(0)));
                    let buf = &mut ring[slot * n..(slot + 1) * n];
                    for (s, &t) in range.zip(targets) {
                        buf[t as usize] += weight(s) * scale;
                    }
                } else {
                    for (s, &t) in range.zip(targets) {
                        let slot = wrap(base + usize::from(delay(s)));
                        ring[slot * n + t as usize] += weight(s) * scale;
                    }
                }
            }
        }
    }
}

/// The entries of step `j` of `sp` whose cell lies in `first..last`, as
/// [`Spikes::range`] finds them, without its binary searches when every
/// entry of the step qualifies (the common case: a projection from the
/// whole source population).
#[inline(always)]
fn step_range(sp: &Spikes, j: usize, first: u32, last: u32) -> std::ops::Range<usize> {
    let (a, b) = (sp.bounds[j], sp.bounds[j + 1]);
    if first == 0 && (a == b || u32::from(sp.cell[b - 1]) < last) { a..b } else { sp.range(j, first, last) }
}

/// One source spike to deliver through a row of [`Rows`]: the row, the
/// ring slot it adds to and the spike's multiplicity. [`deliver_same`]
/// lists the spikes of a call first, so that it can prefetch the rows of
/// spikes a few places ahead even when each step and source shard has only
/// one or two (VA COBA: about 1.3 spikes per population and step).
#[derive(Clone, Copy)]
pub(super) struct Batched {
    /// Row index `g - pre_lo` of the source cell `g`.
    row: u32,
    /// Ring slot the row's weights are added to.
    slot: u32,
    /// Multiplicity of the spike.
    mult: u32,
}

/// How many spikes ahead [`deliver_same`] asks for a row's pointers
/// (`row_ptr`), and for its targets (half as far: they need the pointers).
const AHEAD_PTR: usize = 4;
const AHEAD_TARGETS: usize = 2;

/// [`deliver_rows`] for a projection whose synapses share one weight and
/// one delay: the scaled weight is computed once per source spike. The
/// spikes are listed in `batch` first (in the order [`deliver_rows`]
/// delivers them, so every ring element receives its additions in the same
/// order) and then delivered with prefetches a few spikes ahead.
#[inline(always)]
pub(super) fn deliver_same(
    (ring, n, ring_len, spikes, shard_lo, n_steps): (&mut [f64], usize, u64, &[Spikes], &[usize], usize),
    rows: &Rows,
    w: f64,
    d: u16,
    batch: &mut Vec<Batched>,
) {
    let len = ring_len as usize;
    // Every target indexes a slot of `n` cells (checked once here, so that
    // the loop over synapses needs no bounds check).
    assert!(rows.span <= n, "rows reach target {} in a shard of {n} cells", rows.span);
    let (row_ptr, targets) = (rows.row_ptr.as_slice(), rows.target.as_slice());
    batch.clear();
    for j in 0..n_steps {
        for src in rows.src.clone() {
            let sp = &spikes[src];
            let lo = shard_lo[src] as u32;
            let first = rows.pre_lo.saturating_sub(lo);
            let last = rows.pre_hi.saturating_sub(lo);
            let at = step_range(sp, j, first, last);
            if at.is_empty() {
                continue;
            }
            let slot = (sp.stamp[j] % ring_len) as usize + usize::from(d);
            let slot = if slot >= len { slot - len } else { slot };
            let (cells, mult) = (&sp.cell[at.clone()], &sp.mult[at]);
            if rows.diagonal {
                let buf = &mut ring[slot * n..(slot + 1) * n];
                // Source cell `lo + c` reaches `target[0] + lo + c - pre_lo`.
                // (`c >= pre_lo - lo` here, so the index is not negative,
                // and `c < pre_hi - lo`, so it is below `span`.)
                let shift = rows.target[0] as isize + lo as isize - rows.pre_lo as isize;
                for (&c, &m) in cells.iter().zip(mult) {
                    let t = (shift + c as isize) as usize;
                    debug_assert!(t < rows.span);
                    // SAFETY: `t < rows.span <= n == buf.len()` (above).
                    unsafe { *buf.get_unchecked_mut(t) += w * f64::from(m) };
                }
                continue;
            }
            // The cells of `list` lie in `first..last`, so their rows
            // `lo + c - pre_lo` lie in `0..pre_hi - pre_lo`.
            batch.extend(cells.iter().zip(mult).map(|(&c, &m)| Batched {
                row: lo + u32::from(c) - rows.pre_lo,
                slot: slot as u32,
                mult: m,
            }));
        }
    }
    let row_of = |r: u32| row_ptr[r as usize] as usize..row_ptr[r as usize + 1] as usize;
    // The rows of different spikes lie in different places in memory, and
    // the hardware prefetcher does not follow the jumps between them.
    for b in batch.iter().take(AHEAD_PTR) {
        prefetch_at(&row_ptr[b.row as usize]);
    }
    for b in batch.iter().take(AHEAD_TARGETS) {
        prefetch(&targets[row_of(b.row)]);
    }
    for (i, b) in batch.iter().enumerate() {
        if let Some(next) = batch.get(i + AHEAD_TARGETS) {
            prefetch(&targets[row_of(next.row)]);
        }
        if let Some(next) = batch.get(i + AHEAD_PTR) {
            prefetch_at(&row_ptr[next.row as usize]);
        }
        let slot = b.slot as usize;
        let buf = &mut ring[slot * n..(slot + 1) * n];
        // The same product as `w * m` per synapse, computed once.
        let ws = w * f64::from(b.mult);
        for &t in &targets[row_of(b.row)] {
            // SAFETY: `t < rows.span <= n == buf.len()` (asserted above).
            unsafe { *buf.get_unchecked_mut(usize::from(t)) += ws };
        }
    }
}

/// Asks the CPU to bring the cache line of `x` into cache (a hint without
/// effect on results).
#[inline(always)]
fn prefetch_at<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch has no architectural effect.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Targets of a row [`prefetch`] asks for (16 cache lines).
const PREFETCH_TARGETS: usize = 512;

/// Asks the CPU to bring the first targets of a row into cache (a hint
/// without effect on results: rows are read in their own order afterwards,
/// and the hardware prefetcher follows a row once started, but not the
/// jump from one row to the next).
#[inline(always)]
fn prefetch(targets: &[u16]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // Up to sixteen 64-byte lines (512 targets): Brunel's rows (about
        // 410 targets per shard, 13 lines) whole. Against the first four
        // only: 3 % less processor time for `brunel --threads 1` (median
        // of 5 interleaved pairs on a loaded machine); the hardware
        // prefetcher starts late on rows this short.
        for k in (0..targets.len().min(PREFETCH_TARGETS)).step_by(32) {
            // SAFETY: a prefetch has no architectural effect; the pointer
            // points into `targets` anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(targets[k..].as_ptr().cast::<i8>()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = targets;
}

impl Native {
    /// Plastic projections after the static ones: post spikes enter the
    /// histories, then pre spikes are delivered (see `plastic.rs`). Serial,
    /// in projection order; `spikes` are global `(cell, step)` sorted by
    /// step, then cell; `offs` their offsets (empty: all on the grid).
    /// Spikes that the projections processed when a run ended within the
    /// slice (`boundary.rs`) are skipped, their kept additions made first.
    pub(super) fn deliver_plastic(&mut self, spikes: &[(u32, u64)], offs: &[f64], upto: u64) {
        let precise = !offs.is_empty() || self.shards.iter_mut().any(|sh| sh.kernel.precise().is_some());
        let held = self.held.take();
        let from = held.as_ref().map_or(0, |h| spikes.partition_point(|s| s.1 <= h.seen));
        let (spikes, offs) = (&spikes[from..], offs.get(from..).unwrap_or(&[]));
        let (shards, pops, owner, ring_len) = (&mut self.shards, &self.pops, &self.owner, self.ring_len);
        let mut rings = Rings { shards, pops, owner, ring_len, precise };
        for (k, p) in self.plastic.iter_mut().enumerate() {
            if let Some(h) = &held {
                h.replay(k, &mut rings);
            }
            p.deliver_offsets(spikes, offs, upto, &mut rings);
        }
    }

    /// The pending spikes as global `(cell, step)`, sorted by step, then
    /// cell, and their offsets (`precise.rs`; empty when no spike has one).
    pub(super) fn pending_global(&self) -> (Vec<(u32, u64)>, Vec<f64>) {
        let n = self.pending.iter().map(|s| s.list.len()).sum();
        let mut spikes: Vec<(u32, u64)> = Vec::with_capacity(n);
        let precise = self.pending.iter().any(|sp| !sp.offs.is_empty());
        if !precise {
            for (sp, &lo) in self.pending.iter().zip(&self.shard_lo) {
                for (&(c, s), &m) in sp.list.iter().zip(&sp.mult) {
                    spikes.extend(std::iter::repeat_n((lo as u32 + c, s), m as usize));
                }
            }
            // Stable: repeated spikes of one cell in one step keep their order.
            spikes.sort_by_key(|&(c, s)| (s, c));
            return (spikes, Vec::new());
        }
        let mut both: Vec<((u32, u64), f64)> = Vec::with_capacity(n);
        for (sp, &lo) in self.pending.iter().zip(&self.shard_lo) {
            for (k, (&(c, s), &m)) in sp.list.iter().zip(&sp.mult).enumerate() {
                let off = sp.offs.get(k).copied().unwrap_or(0.0);
                both.extend(std::iter::repeat_n(((lo as u32 + c, s), off), m as usize));
            }
        }
        // The same (stable) order as on the grid: offsets do not reorder.
        both.sort_by_key(|&((c, s), _)| (s, c));
        let offs = both.iter().map(|b| b.1).collect();
        spikes.extend(both.into_iter().map(|b| b.0));
        (spikes, offs)
    }

    /// Delivers the pending spikes into every shard (in parallel when worth it).
    pub(super) fn deliver_pending(&mut self) {
        let count: usize = self.pending.iter().map(|s| s.list.len()).sum();
        if count > 0 {
            let (pending, shard_lo, ring_len) = (&self.pending, &self.shard_lo, self.ring_len);
            if self.pool.current_num_threads() > 1 && count * self.shards.len() >= PARALLEL_WORK as usize {
                self.shards.par_iter_mut().for_each(|sh| sh.deliver(pending, shard_lo, ring_len));
            } else {
                self.shards.iter_mut().for_each(|sh| sh.deliver(pending, shard_lo, ring_len));
            }
        }
        if let Some(upto) = self.pending_upto.take()
            && !self.plastic.is_empty()
        {
            let (spikes, offs) = self.pending_global();
            self.deliver_plastic(&spikes, &offs, upto);
        }
        self.pending.iter_mut().for_each(Spikes::clear);
    }

    pub(super) fn run_slice(&mut self, a: u64, b: u64) {
        if !self.plastic.is_empty() {
            // Plastic projections see the previous slice's spikes after every
            // shard has delivered its static rows and before any shard
            // advances: deliver everything first (the shard tasks below then
            // find nothing pending). Without plastic projections, delivery
            // stays inside the one parallel task per shard.
            self.deliver_pending();
        }
        let dt = self.dt;
        let ring_len = self.ring_len;
        // Current-source values for the slice, computed once per source.
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(self.currents.len());
        for cur in &self.currents {
            let mut v = Vec::new();
            if let Some(cur) = cur {
                cur.spec.sample(dt, a, b, &mut v);
            }
            values.push(v);
        }
        let values = &values;
        let (pending, shard_lo) = (&self.pending, &self.shard_lo);
        let task = |sh: &mut Shard, out: &mut Spikes| {
            sh.deliver(pending, shard_lo, ring_len);
            sh.advance(a, b, ring_len, values, out);
        };
        let work = self.owner.len() as u64 * (b - a) + pending.iter().map(|s| s.list.len() as u64).sum::<u64>();
        if work >= PARALLEL_WORK && self.pool.current_num_threads() > 1 && self.shards.len() > 1 {
            // Largest shards first, one at a time (`team.rs`).
            self.team.run(&self.pool, &mut self.shards, &mut self.next, task);
        } else {
            self.shards.iter_mut().zip(self.next.iter_mut()).for_each(|(sh, out)| task(sh, out));
        }
        std::mem::swap(&mut self.pending, &mut self.next);
        self.pending_upto = Some(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed spikes of one source shard: `steps[j]` lists `(cell, count)`
    /// of step `j`, stamped `stamp0 + j`.
    fn spikes(stamp0: u64, steps: &[&[(u16, u32)]]) -> Spikes {
        let mut s = Spikes::default();
        s.clear();
        for (j, step) in steps.iter().enumerate() {
            for &(c, m) in step.iter() {
                s.list.push((u32::from(c), stamp0 + j as u64));
                s.mult.push(m);
            }
            s.end_step();
        }
        s
    }

    /// Two source shards (global cells 0..4 and 4..8) with a few spikes in
    /// each of two steps, one with multiplicity 3, through rows of one
    /// weight and one delay into a shard of 6 cells, the ring wrapping
    /// round (5 slots, stamps 3 and 4, delay 2): every ring element must
    /// hold exactly the weights of the synapses that reach it, and the
    /// spikes of both steps, listed before any is delivered, must land in
    /// their own slots.
    #[test]
    fn same_weight_rows_deliver_every_spike_to_its_slot() {
        // Rows of the source cells 1..7: cell g reaches `targets[g - 1]`.
        let targets: [&[u16]; 6] = [&[0, 2], &[5], &[], &[1, 2, 3], &[0], &[4, 5]];
        let mut row_ptr = vec![0u32];
        let mut target = Vec::new();
        for t in targets {
            target.extend_from_slice(t);
            row_ptr.push(target.len() as u32);
        }
        let rows = Rows {
            receptor: 0,
            pre_lo: 1,
            pre_hi: 7,
            src: 0..2,
            row_ptr,
            target,
            weight: Values::Same(0.25),
            delay: Values::Same(2),
            diagonal: false,
            span: 6,
        };
        // Shard 0 (cells 0..4): cells 1 and 3 (an empty row) in step 0,
        // cell 0 (no row) and cell 2 in step 1. Shard 1 (cells 4..8): cell
        // 0 (global 4) three times in step 0, cells 1 and 3 (global 5; 7,
        // beyond pre_hi) in step 1.
        let sp = [spikes(3, &[&[(1, 1), (3, 1)], &[(0, 1), (2, 1)]]), spikes(3, &[&[(0, 3)], &[(1, 1), (3, 1)]])];
        let (n, ring_len) = (6, 5u64);
        let mut ring = vec![0.0; ring_len as usize * n];
        let mut batch = Vec::new();
        deliver_same((&mut ring, n, ring_len, &sp, &[0, 4], 2), &rows, 0.25, 2, &mut batch);
        let mut want = vec![0.0; ring_len as usize * n];
        // Step 0 (stamp 3) arrives in slot (3 + 2) % 5 = 0: cell 1 -> 0, 2;
        // global 4, three times -> 1, 2, 3 (0.75 each).
        want[..4].copy_from_slice(&[0.25, 0.75, 1.0, 0.75]);
        // Step 1 (stamp 4) arrives in slot 1: cell 2 -> 5, global 5 -> 0.
        want[n] = 0.25;
        want[n + 5] = 0.25;
        assert_eq!(ring, want);
        assert_eq!(batch.len(), 5, "cells 1, 3 (an empty row), global 4, cell 2 and global 5");
    }
}

/// Delivery through each storage layout against a plain loop written here
/// (every spike of every step, source shard and cell in order, each
/// synapse of its row adding `weight * count` to the slot `(stamp +
/// delay) % ring_len`): the ring buffers must be equal bit for bit, with
/// source shards of up to 4096 cells (16-bit cells), windows of source
/// cells cutting shards anywhere, every cell of a shard firing in one
/// step, counts past 255, stamps past 2^32 (proptest; a failing case is
/// printed whole).
#[cfg(test)]
mod reference_tests {
    use super::super::rows::{Rows, Values};
    use super::super::shard::Spikes;
    use super::{deliver_rows, deliver_same};
    use proptest::prelude::*;

    /// A projection into one shard of `n` cells from the source shards
    /// `shard_size` (consecutive, from global cell `base`).
    #[derive(Clone, Debug)]
    struct Case {
        n: usize,
        ring_len: u64,
        base: u32,
        shard_size: Vec<u32>,
        pre_lo: u32,
        pre_hi: u32,
        /// Per pre-synaptic cell `pre_lo..pre_hi`: its targets.
        targets: Vec<Vec<u16>>,
        diagonal: bool,
        /// Per synapse (in row order): weight and delay, or one each.
        weights: Option<Vec<f64>>,
        delays: Option<Vec<u16>>,
        same: (f64, u16),
        /// Per source shard, per step: `(cell, count)` in cell order.
        spikes: Vec<Vec<Vec<(u32, u32)>>>,
        stamps: Vec<u64>,
    }

    fn rows_of(c: &Case) -> Rows {
        let mut row_ptr = vec![0u32];
        let mut target = Vec::new();
        for t in &c.targets {
            target.extend_from_slice(t);
            row_ptr.push(target.len() as u32);
        }
        let weight = c.weights.clone().map_or(Values::Same(c.same.0), Values::Each);
        let delay = c.delays.clone().map_or(Values::Same(c.same.1), Values::Each);
        let span = target.iter().max().map_or(0, |t| usize::from(*t) + 1);
        let mut rows = Rows {
            receptor: 0,
            pre_lo: c.pre_lo,
            pre_hi: c.pre_hi,
            src: 0..c.shard_size.len(),
            row_ptr,
            target,
            weight,
            delay,
            diagonal: false,
            span,
        };
        rows.diagonal = c.diagonal && rows.is_diagonal();
        rows
    }

    /// The spikes of each source shard, closed step by step as shards close them.
    fn spikes_of(c: &Case) -> Vec<Spikes> {
        c.spikes
            .iter()
            .map(|steps| {
                let mut s = Spikes::default();
                s.clear();
                for (j, fired) in steps.iter().enumerate() {
                    for &(cell, m) in fired {
                        s.list.push((cell, c.stamps[j]));
                        s.mult.push(m);
                    }
                    s.end_step();
                }
                s
            })
            .collect()
    }

    /// The plain loop (see the module).
    fn reference(c: &Case, rows: &Rows, shard_lo: &[usize]) -> Vec<f64> {
        let mut ring = vec![0.0; c.ring_len as usize * c.n];
        for (j, &stamp) in c.stamps.iter().enumerate() {
            for (src, steps) in c.spikes.iter().enumerate() {
                for &(cell, m) in &steps[j] {
                    let g = shard_lo[src] as u32 + cell;
                    if g < c.pre_lo || g >= c.pre_hi {
                        continue;
                    }
                    for s in rows.row(g) {
                        let w = rows.weight.get(s);
                        let d = u64::from(rows.delay.get(s));
                        let slot = ((stamp + d) % c.ring_len) as usize;
                        ring[slot * c.n + usize::from(rows.target[s])] += w * f64::from(m);
                    }
                }
            }
        }
        ring
    }

    fn check(c: &Case) -> Result<(), TestCaseError> {
        let rows = rows_of(c);
        let spikes = spikes_of(c);
        let shard_lo: Vec<usize> = c
            .shard_size
            .iter()
            .scan(c.base as usize, |lo, &s| {
                let at = *lo;
                *lo += s as usize;
                Some(at)
            })
            .collect();
        let want = reference(c, &rows, &shard_lo);
        let n_steps = c.stamps.len();
        let fresh = || vec![0.0; c.ring_len as usize * c.n];
        let mut layouts = Vec::new();
        let mut ring = fresh();
        let w = |s: usize| rows.weight.get(s);
        let d = |s: usize| rows.delay.get(s);
        deliver_rows::<false>((&mut ring, c.n, c.ring_len, &spikes, &shard_lo, n_steps), &rows, w, d);
        layouts.push(("rows", ring));
        if let Values::Same(d0) = rows.delay {
            let mut ring = fresh();
            deliver_rows::<true>((&mut ring, c.n, c.ring_len, &spikes, &shard_lo, n_steps), &rows, w, |_| d0);
            layouts.push(("rows, one delay", ring));
            if let Values::Same(w0) = rows.weight {
                let mut ring = fresh();
                deliver_same((&mut ring, c.n, c.ring_len, &spikes, &shard_lo, n_steps), &rows, w0, d0, &mut Vec::new());
                layouts.push((if rows.diagonal { "same, diagonal" } else { "same" }, ring));
            }
        }
        for (name, got) in layouts {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&want), "layout {}", name);
        }
        Ok(())
    }

    fn arb_case() -> impl Strategy<Value = Case> {
        let shard = prop_oneof![Just(1u32), Just(255), Just(4095), Just(4096), 1..=4096u32];
        (
            prop_oneof![Just(1usize), Just(4096), 1..=4096usize],
            2..24u64,
            prop_oneof![Just(0u32), 0..70_000u32],
            proptest::collection::vec(shard, 1..4),
            1..4usize,
            any::<bool>(),
        )
            .prop_flat_map(|(n, ring_len, base, shard_size, n_steps, diagonal)| {
                let total: u32 = shard_size.iter().sum();
                // The window starts in the first shard and ends in the last
                // (as `Rows::src` lists the shards holding it).
                let first = shard_size[0];
                let last_lo = total - shard_size[shard_size.len() - 1];
                (
                    Just((n, ring_len, base, shard_size.clone(), n_steps, diagonal)),
                    prop_oneof![Just(0u32), 0..first],
                    prop_oneof![Just(total), (last_lo + 1)..=total],
                    any::<u64>(),
                )
            })
            .prop_flat_map(|((n, ring_len, base, shard_size, n_steps, diagonal), lo, hi, seed)| {
                let (pre_lo, pre_hi) = (base + lo, base + hi.max(lo + 1));
                let rows = (pre_hi - pre_lo) as usize;
                let diagonal = diagonal && rows <= n;
                let row = proptest::collection::vec(0..n as u16, 0..4);
                let targets = if diagonal {
                    let t0 = (seed as usize % (n - rows + 1)) as u16;
                    Just((0..rows).map(|k| vec![t0 + k as u16]).collect::<Vec<_>>()).boxed()
                } else {
                    proptest::collection::vec(row, rows).boxed()
                };
                let step = |size: u32| {
                    prop_oneof![
                        1 => proptest::collection::vec(prop_oneof![3 => 1..=2u32, 1 => 250..=300u32], size as usize)
                            .prop_map(|m| m.into_iter().enumerate().map(|(c, m)| (c as u32, m)).collect::<Vec<_>>()),
                        3 => proptest::collection::btree_map(0..size, prop_oneof![3 => 1..=2u32, 1 => 250..=300u32], 0..30)
                            .prop_map(|m| m.into_iter().collect::<Vec<_>>()),
                    ]
                };
                let spikes: Vec<_> =
                    shard_size.iter().map(|&s| proptest::collection::vec(step(s), n_steps)).collect();
                let stamp = prop_oneof![0..1_000u64, (1u64 << 32) - 30..(1 << 32) + 30, u64::MAX - 1_000..u64::MAX - 30];
                (
                    Just((n, ring_len, base, shard_size, pre_lo, pre_hi, diagonal)),
                    targets,
                    proptest::option::of(-2.0..2.0f64),
                    any::<u64>(),
                    spikes,
                    stamp,
                )
            })
            .prop_map(|((n, ring_len, base, shard_size, pre_lo, pre_hi, diagonal), targets, w, pick, spikes, stamp0)| {
                let synapses: usize = targets.iter().map(Vec::len).sum();
                // Per-synapse values drawn from `pick` (a palette's worth
                // of distinct weights and delays), or one each.
                let mix = |s: usize| pick.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(s as u32 % 64);
                let weights = (pick & 1 == 0)
                    .then(|| (0..synapses).map(|s| (mix(s) % 1000) as f64 / 7.0 - 70.0).collect());
                let delays = (pick & 2 == 0).then(|| (0..synapses).map(|s| 1 + (mix(s) % (ring_len - 1)) as u16).collect());
                let same = (w.unwrap_or(0.3), 1 + (pick >> 8) as u16 % (ring_len as u16 - 1));
                let n_steps = spikes[0].len();
                let stamps = (0..n_steps as u64).map(|j| stamp0 + j).collect();
                Case { n, ring_len, base, shard_size, pre_lo, pre_hi, targets, diagonal, weights, delays, same, spikes, stamps }
            })
    }

    proptest! {
        // 256 cases (under a second in the test build).
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Random projections and spikes: every layout's delivery equals
        /// the plain loop bit for bit.
        #[test]
        fn every_layout_delivers_as_the_plain_loop(case in arb_case()) {
            check(&case)?;
        }
    }
}
