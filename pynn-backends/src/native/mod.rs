//! The native engine: pynn-rs's own simulator, the default backend.
//!
//! # Shape
//!
//! * **Clock-driven**, fixed time step `dt`; time is an integer step count.
//!   Step `k` advances every cell from `t_k = k dt` to `t_k+1`; a spike
//!   detected in step `k` carries the time `t_k+1` (NEST's on-grid
//!   convention); a spike with time `t_s` and delay `d` is added to the
//!   target's input at `t_s + d`, i.e. in the step that ends there.
//! * **Shards.** Every population is cut into shards of [`shard_cells`]`(n)`
//!   consecutive cells (the last one shorter): about half the population,
//!   a power of two between 256 and [`SHARD_CELLS`]. The
//!   boundaries depend only on the population sizes, never on the number of
//!   threads. A shard owns
//!   everything its cells need: a kernel built over its cells' parameters
//!   ([`kernel::BuildContext::first_cell`] keys random streams by the cell's
//!   index in the population, so the streams do not depend on the cut), its
//!   ring buffers, and the synapse rows of every projection *into* its cells.
//! * **Communication in slices** of at most `min_delay`: within a slice no
//!   spike can reach any cell. One parallel task per shard and slice first
//!   delivers the previous slice's spikes into its own ring buffers (no
//!   locks: only the shard writes there), then advances its cells through
//!   the slice. Each shard sums its input in a fixed order (projection, then
//!   spike time, then source cell, then row order), so results are
//!   bit-identical for any number of threads.
//! * **State as struct-of-arrays** per shard, one monomorphised update
//!   loop per cell type ([`kernel::Kernel`]).
//! * **Synapses in compressed rows** per (projection, target shard), by
//!   pre-synaptic cell: `u32` row pointers, target as a `u16` index within
//!   the shard, weight and delay each stored as one value for the whole
//!   projection, as a `u8` index into a per-projection palette of at most 256
//!   exact values, or one value per synapse (f64 weight, u16 delay in steps),
//!   whichever is smallest: lossless, so results are those of the plain
//!   layout. Receptor type per projection.
//! * **Plastic synapses** ([`plastic`]) keep their own rows and per-synapse
//!   state. When a network has any, each slice starts with the delivery of
//!   the previous slice's spikes: the static rows (one task per shard), then
//!   the plastic projections serially in creation order, writing into the
//!   ring buffers of their targets' shards; then the shards advance in
//!   parallel. The summation order into each ring slot is thus fixed, and
//!   networks without plastic synapses keep the single fused task per shard.
//! * **Ring buffers** per shard and receptor: `max_delay + min_delay + 1`
//!   slots of one value per cell.
//! * **Delays** are rounded to the nearest step once, when connecting.
//!   Refractory periods are converted as NEST does ([`propagators::refractory_steps`]).

pub mod adex;
pub mod cond;
pub mod gif;
pub mod hh;
pub mod izhikevich;
pub mod kernel;
pub mod lif;
pub mod options;
pub mod plastic;
pub mod point;
pub mod propagators;
pub mod renewal;
pub mod rkf45;
pub mod simd;
pub mod sources;

pub use options::{NativeOptions, OdeSolver};

use kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::backend::*;
use pynn_core::cells::CellTypeInfo;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};
use rayon::prelude::*;

const NAME: &str = "native";

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

/// Neuron-steps per slice from which shards advance in parallel.
const PARALLEL_WORK: u64 = 4_000;

/// Receptor slices passed to a kernel without allocating.
const STACK_RECEPTORS: usize = 8;

fn err(message: impl Into<String>) -> Error {
    Error::Backend { backend: NAME, message: message.into() }
}

// ------------------------------------------------------------ synapse store

/// Per-synapse values stored losslessly in the smallest of three layouts.
#[derive(Debug, Clone)]
enum Values<T> {
    /// Every synapse has this value.
    Same(T),
    /// `palette[index[s]]`.
    Palette(std::sync::Arc<Vec<T>>, Vec<u8>),
    /// One value per synapse.
    Each(Vec<T>),
}

/// The exact layout chosen for a projection's values (per projection, so
/// that every shard shares the palette).
enum Layout<T> {
    Same(T),
    Palette(std::sync::Arc<Vec<T>>, std::collections::HashMap<u64, u8>),
    Each,
}

trait Bits: Copy {
    fn bits(self) -> u64;
}
impl Bits for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
}
impl Bits for u16 {
    fn bits(self) -> u64 {
        u64::from(self)
    }
}

impl<T: Bits> Layout<T> {
    /// Chooses the smallest layout of `values` (compared by bit pattern:
    /// lossless): one value, a palette (one index byte per synapse plus
    /// the palette) when it is smaller than one value per synapse, else
    /// one value per synapse.
    fn of(values: &[T]) -> Self {
        let Some(&first) = values.first() else { return Layout::Each };
        if values.iter().all(|v| v.bits() == first.bits()) {
            return Layout::Same(first);
        }
        let mut map = std::collections::HashMap::new();
        let mut palette = Vec::new();
        for v in values {
            if let std::collections::hash_map::Entry::Vacant(e) = map.entry(v.bits()) {
                if palette.len() == 256 {
                    return Layout::Each;
                }
                e.insert(palette.len() as u8);
                palette.push(*v);
            }
        }
        if values.len() + palette.len() * std::mem::size_of::<T>() >= std::mem::size_of_val(values) {
            return Layout::Each;
        }
        Layout::Palette(std::sync::Arc::new(palette), map)
    }

    fn empty(&self, capacity: usize) -> Values<T> {
        match self {
            Layout::Same(v) => Values::Same(*v),
            Layout::Palette(p, _) => Values::Palette(p.clone(), Vec::with_capacity(capacity)),
            Layout::Each => Values::Each(Vec::with_capacity(capacity)),
        }
    }
}

impl<T: Bits + Default> Values<T> {
    #[inline(always)]
    fn get(&self, s: usize) -> T {
        match self {
            Values::Same(v) => *v,
            Values::Palette(p, i) => p[i[s] as usize],
            Values::Each(v) => v[s],
        }
    }

    /// Writes `v` at position `s` (the vectors are pre-sized), given the
    /// layout the values were chosen with.
    #[inline]
    fn put(&mut self, layout: &Layout<T>, s: usize, v: T) {
        match (self, layout) {
            (Values::Palette(_, i), Layout::Palette(_, map)) => i[s] = map[&v.bits()],
            (Values::Each(e), _) => e[s] = v,
            _ => {}
        }
    }

    fn resize(&mut self, n: usize) {
        match self {
            Values::Same(_) => {}
            Values::Palette(_, i) => i.resize(n, 0),
            Values::Each(e) => e.resize(n, T::default()),
        }
    }

    /// Bytes of the per-synapse values (palette indices or values); the
    /// palette, shared by every shard of the projection, is counted by
    /// [`Values::palette_bytes`], once per projection.
    fn bytes(&self) -> usize {
        match self {
            Values::Same(_) => 0,
            Values::Palette(_, i) => i.len(),
            Values::Each(e) => e.len() * std::mem::size_of::<T>(),
        }
    }

    /// Bytes of the palette, if any.
    fn palette_bytes(&self) -> usize {
        match self {
            Values::Palette(p, _) => p.len() * std::mem::size_of::<T>(),
            _ => 0,
        }
    }
}

/// The static synapses of one projection into one shard, in rows by
/// pre-synaptic cell.
struct Rows {
    receptor: usize,
    /// Global index of the first pre-synaptic cell with a row here.
    pre_lo: u32,
    /// One past the last.
    pre_hi: u32,
    /// Shards that hold the cells `pre_lo..pre_hi` (global shard indices).
    src: std::ops::Range<usize>,
    /// `row_ptr[g - pre_lo] .. row_ptr[g - pre_lo + 1]` are the synapses of cell `g`.
    row_ptr: Vec<u32>,
    /// Target cell, index within the shard.
    target: Vec<u16>,
    weight: Values<f64>,
    delay: Values<u16>,
    /// Every row holds one synapse and the targets are consecutive
    /// (`target[g - pre_lo] = target[0] + g - pre_lo`: a one-to-one
    /// projection between aligned ranges, such as a Poisson drive):
    /// delivery then needs no row lookup.
    diagonal: bool,
}

impl Rows {
    /// Whether the rows are [`Rows::diagonal`].
    fn is_diagonal(&self) -> bool {
        let n = self.target.len();
        n == (self.pre_hi - self.pre_lo) as usize
            && self.row_ptr.iter().enumerate().all(|(k, p)| *p as usize == k)
            && self.target.iter().enumerate().all(|(k, t)| *t as usize == self.target[0] as usize + k)
    }

    fn len(&self) -> usize {
        self.target.len()
    }

    fn bytes(&self) -> usize {
        self.row_ptr.len() * 4 + self.target.len() * 2 + self.weight.bytes() + self.delay.bytes()
    }

    /// The synapses of global pre-synaptic cell `g`.
    fn row(&self, g: u32) -> std::ops::Range<usize> {
        if g < self.pre_lo || g >= self.pre_hi {
            return 0..0;
        }
        let r = (g - self.pre_lo) as usize;
        self.row_ptr[r] as usize..self.row_ptr[r + 1] as usize
    }
}

// ------------------------------------------------------------ shards

/// Spikes emitted by one shard during a slice.
#[derive(Default)]
struct Spikes {
    /// `(cell within the shard, step of the spike time)`, in time order and,
    /// within a step, in cell order.
    list: SpikeOut,
    /// `list[bounds[j]..bounds[j + 1]]` were emitted in the slice's step `j`.
    bounds: Vec<usize>,
    /// `mult[k]`: how many spikes the cell of `list[k]` emitted in its step
    /// (closed steps hold each cell once).
    mult: Vec<u32>,
}

impl Spikes {
    fn clear(&mut self) {
        self.list.clear();
        self.bounds.clear();
        self.bounds.push(0);
        self.mult.clear();
    }

    /// Closes the current step (its spikes are `list[bounds.last()..]`, in
    /// cell order): repeated spikes of one cell (high-rate Poisson sources)
    /// become one entry with its multiplicity, so that delivery reads each
    /// cell once.
    fn end_step(&mut self) {
        let from = *self.bounds.last().unwrap_or(&0);
        if self.list[from..].windows(2).any(|w| w[0].0 == w[1].0) {
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
        self.bounds.push(self.list.len());
    }

    /// The entries of step `j` whose cell lies in `first..last`, as a range
    /// of positions in `list` and `mult` (binary searches: cells are sorted).
    #[inline]
    fn range(&self, j: usize, first: u32, last: u32) -> std::ops::Range<usize> {
        let (a, b) = (self.bounds[j], self.bounds[j + 1]);
        let list = &self.list[a..b];
        let lo = list.partition_point(|e| e.0 < first);
        let hi = lo + list[lo..].partition_point(|e| e.0 < last);
        a + lo..a + hi
    }
}

/// One recorded analog variable, restricted to a shard's cells.
struct ShardSignal {
    var: usize,
    /// Recorded cells of this shard (indices within the shard).
    cells: Vec<usize>,
    /// Position of each in the population's list of recorded cells.
    pos: Vec<usize>,
    steps: Vec<u64>,
    data: Vec<f64>,
}

struct Shard {
    /// Global index of the first cell.
    lo: usize,
    /// Index of the first cell in its population.
    first: usize,
    size: usize,
    kernel: Box<dyn Kernel>,
    /// Per receptor: `ring_len * size` input sums.
    ring: Vec<Vec<f64>>,
    /// Static synapse rows into this shard, in projection order.
    ///
    /// Non-static (plastic) projections keep their own storage
    /// ([`plastic::Plastic`], in `Native::plastic`) and are delivered
    /// serially after every shard has delivered its static rows
    /// ([`Native::deliver_pending`]), writing through [`Rings`].
    incoming: Vec<Rows>,
    /// Current sources injecting into this shard: (source, cells within the shard).
    inject: Vec<(usize, Vec<u32>)>,
    current: Vec<f64>,
    spike_mask: Vec<bool>,
    signals: Vec<ShardSignal>,
    interval: u64,
    last_sample: Option<u64>,
    /// Recorded spikes (cell within the shard, step) not yet drained.
    rec_spikes: Vec<(u32, u64)>,
}

struct Pop {
    /// Global index of the first cell.
    offset: usize,
    /// Cells per shard.
    shard_cells: usize,
    label: String,
    /// Global indices of its shards.
    shards: std::ops::Range<usize>,
    /// Names and cells of the recorded analog variables.
    signal_plan: Vec<(String, Vec<usize>)>,
    /// Samples of earlier recording plans, not yet drained.
    done: Vec<RawSignal>,
}

struct Proj {
    /// `(shard, position in its incoming list)` of each part, in shard order.
    parts: Vec<(usize, usize)>,
    pre_lo: u32,
    pre_hi: u32,
    n: usize,
    /// Position in the connection list of each synapse in canonical order
    /// (pre-synaptic cell, then shard, then row order), when the two differ.
    perm: Option<Vec<u32>>,
}

impl Pop {
    /// Global index of the shard holding the population's cell `local`
    /// (the one place this is computed: shards have the population's own
    /// [`shard_cells`], not [`SHARD_CELLS`]).
    #[inline]
    fn shard_of_local(&self, local: usize) -> usize {
        self.shards.start + local / self.shard_cells
    }
}

struct Current {
    spec: CurrentSourceSpec,
    targets: Vec<u32>,
}

/// The native backend. Select it with `Sim::<Native>::setup(...)`.
pub struct Native {
    cfg: SimConfig,
    options: NativeOptions,
    dt: f64,
    min_delay: u64,
    ring_len: u64,
    step: u64,
    started: bool,
    pops: Vec<Pop>,
    shards: Vec<Shard>,
    /// Spikes of the last slice, not yet delivered (one entry per shard).
    pending: Vec<Spikes>,
    /// End step of the slice whose spikes are pending (0 for the initial
    /// spikes), while plastic projections still have to see them.
    pending_upto: Option<u64>,
    /// Spike buffers for the slice being computed.
    next: Vec<Spikes>,
    /// Global index of each shard's first cell, and one past the last shard.
    shard_lo: Vec<usize>,
    projs: Vec<Proj>,
    currents: Vec<Option<Current>>,
    owner: Vec<u32>,
    pool: std::sync::Arc<rayon::ThreadPool>,
    /// Plastic projections (their `projs` entry is empty), creation order.
    plastic: Vec<plastic::Plastic>,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Native({} populations in {} shards, {} projections, step {})",
            self.pops.len(),
            self.shards.len(),
            self.projs.len(),
            self.step
        )
    }
}

/// Memory held by the engine's synapse storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseMemory {
    /// Number of synapses.
    pub synapses: usize,
    /// Bytes used by synapse rows (targets, weights, delays, row pointers,
    /// palettes and order permutations).
    pub bytes: usize,
}

/// The cells `lo..lo + n` of a parameter table.
fn sub_table(t: &ParamTable, lo: usize, n: usize) -> ParamTable {
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

impl Shard {
    /// Adds the spikes of `spikes` (one entry per shard of the network) to
    /// this shard's ring buffers.
    fn deliver(&mut self, spikes: &[Spikes], shard_lo: &[usize], ring_len: u64) {
        let n = self.size;
        let n_steps = spikes.first().map_or(0, |s| s.bounds.len().saturating_sub(1));
        for rows in &self.incoming {
            let ring = self.ring[rows.receptor].as_mut_slice();
            let args = (ring, n, ring_len, spikes, shard_lo, n_steps);
            // One loop per storage layout, so that the inner loop has no branch on it.
            match (&rows.weight, &rows.delay) {
                (Values::Same(w), Values::Same(d)) => deliver_same(args, rows, *w, *d),
                (w, Values::Same(d)) => deliver_rows::<true>(args, rows, |s| w.get(s), |_| *d),
                (w, d) => deliver_rows::<false>(args, rows, |s| w.get(s), |s| d.get(s)),
            }
        }
    }

    /// Advances the shard's cells through steps `a..b`, writing their spikes to `out`.
    fn advance(&mut self, a: u64, b: u64, ring_len: u64, values: &[Vec<f64>], out: &mut Spikes) {
        out.clear();
        let n = self.size;
        for k in a..b {
            if self.last_sample != Some(k) && k % self.interval == 0 && !self.signals.is_empty() {
                self.sample(k);
            }
            if !self.inject.is_empty() {
                self.current.iter_mut().for_each(|c| *c = 0.0);
                for (s, cells) in &self.inject {
                    let x = values[*s][(k - a) as usize];
                    for c in cells {
                        self.current[*c as usize] += x;
                    }
                }
            }
            let slot = ((k + 1) % ring_len) as usize;
            let before = out.list.len();
            let n_rec = self.ring.len();
            let cleared = n_rec <= STACK_RECEPTORS && {
                let mut slots: [&mut [f64]; STACK_RECEPTORS] = Default::default();
                for (r, ring) in self.ring.iter_mut().enumerate() {
                    slots[r] = &mut ring[slot * n..(slot + 1) * n];
                }
                self.kernel.step_clearing(k, &mut slots[..n_rec], &self.current, &mut out.list)
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
                self.kernel.step(&input, &mut out.list);
                for r in &mut self.ring {
                    r[slot * n..(slot + 1) * n].fill(0.0);
                }
            }
            for &(c, s) in &out.list[before..] {
                if self.spike_mask[c as usize] {
                    self.rec_spikes.push((c, s));
                }
            }
            out.end_step();
            if (k + 1) % self.interval == 0 && !self.signals.is_empty() {
                self.sample(k + 1);
            }
        }
    }

    fn sample(&mut self, step: u64) {
        self.last_sample = Some(step);
        for sig in &mut self.signals {
            sig.steps.push(step);
            self.kernel.read(sig.var, &sig.cells, &mut sig.data);
        }
    }
}

/// Write access to every shard's ring buffers by global cell index, for
/// the serial delivery of plastic projections.
struct Rings<'a> {
    shards: &'a mut [Shard],
    pops: &'a [Pop],
    owner: &'a [u32],
    ring_len: u64,
}

impl plastic::Sink for Rings<'_> {
    /// Adds `w` to the input of global cell `cell`, receptor `receptor`,
    /// arriving at step `arrival` (the slot consumed by the step that ends there).
    #[inline]
    fn add(&mut self, receptor: usize, cell: u32, arrival: u64, w: f64) {
        let p = &self.pops[self.owner[cell as usize] as usize];
        let local = cell as usize - p.offset;
        let sh = &mut self.shards[p.shard_of_local(local)];
        let slot = (arrival % self.ring_len) as usize;
        sh.ring[receptor][slot * sh.size + (local - sh.first)] += w;
    }
}

/// Adds the spikes of every step to `ring` through the rows of one
/// projection: in step order, then source cell order, then row order. A
/// cell emitting `m` spikes in one step (a Poisson source at a high rate) is
/// delivered once with `m` times the weight, as NEST delivers an event of
/// multiplicity `m`.
#[inline(always)]
fn deliver_rows<const SAME_DELAY: bool>(
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
            let Some(&(_, stamp)) = sp.list.get(at.start).filter(|_| !at.is_empty()) else { continue };
            // All spikes of a step share their time stamp.
            let base = (stamp % ring_len) as usize;
            for (&(c, _), &m) in sp.list[at.clone()].iter().zip(&sp.mult[at]) {
                let range = rows.row(lo + c);
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

/// How many entries from `list[i]` on belong to the same cell (the list is
/// sorted by cell). Up to 8 are counted without a data-dependent branch:
/// the counts of high-rate Poisson sources are random and would defeat
/// branch prediction.
#[inline(always)]
fn run_length(list: &[(u32, u64)], i: usize) -> usize {
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

/// Asks the CPU to bring the first targets of the row of global cell `g`
/// into cache (a hint without effect on results: rows are read in their
/// own order afterwards, and the hardware prefetcher follows a row once
/// started, but not the jump from one row to the next).
#[inline(always)]
fn prefetch_row(rows: &Rows, g: u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let range = rows.row(g);
        let targets = &rows.target[range];
        // Up to four 64-byte lines (128 targets).
        for k in (0..targets.len().min(128)).step_by(32) {
            let p = targets[k..].as_ptr().cast::<i8>();
            // SAFETY: a prefetch has no architectural effect; `p` points
            // into `targets` anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (rows, g);
}

/// [`deliver_rows`] for a projection whose synapses share one weight and
/// one delay: the scaled weight is computed once per source spike.
#[inline(always)]
fn deliver_same(
    (ring, n, ring_len, spikes, shard_lo, n_steps): (&mut [f64], usize, u64, &[Spikes], &[usize], usize),
    rows: &Rows,
    w: f64,
    d: u16,
) {
    let len = ring_len as usize;
    for j in 0..n_steps {
        for src in rows.src.clone() {
            let sp = &spikes[src];
            let lo = shard_lo[src] as u32;
            let first = rows.pre_lo.saturating_sub(lo);
            let last = rows.pre_hi.saturating_sub(lo);
            let at = sp.range(j, first, last);
            let Some(&(_, stamp)) = sp.list.get(at.start).filter(|_| !at.is_empty()) else { continue };
            let slot = (stamp % ring_len) as usize + usize::from(d);
            let slot = if slot >= len { slot - len } else { slot };
            let buf = &mut ring[slot * n..(slot + 1) * n];
            let (list, mult) = (&sp.list[at.clone()], &sp.mult[at]);
            if rows.diagonal {
                // Source cell `lo + c` reaches `target[0] + lo + c - pre_lo`.
                // (`c >= pre_lo - lo` here, so the index is not negative.)
                let shift = rows.target[0] as isize + lo as isize - rows.pre_lo as isize;
                for (&(c, _), &m) in list.iter().zip(mult) {
                    buf[(shift + c as isize) as usize] += w * f64::from(m);
                }
                continue;
            }
            for (i, (&(c, _), &m)) in list.iter().zip(mult).enumerate() {
                // The next spike's row starts somewhere else in memory:
                // fetch its first lines while this row is delivered.
                if let Some(next) = list.get(i + 1) {
                    prefetch_row(rows, lo + next.0);
                }
                // The same product as `w * m` per synapse, computed once.
                let ws = w * f64::from(m);
                for &t in &rows.target[rows.row(lo + c)] {
                    buf[t as usize] += ws;
                }
            }
        }
    }
}

impl Native {
    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Bytes of synapse storage.
    pub fn synapse_memory(&self) -> SynapseMemory {
        let mut m = SynapseMemory { synapses: 0, bytes: 0 };
        for p in &self.projs {
            m.synapses += p.n;
            m.bytes += p.perm.as_ref().map_or(0, |v| v.len() * 4) + p.parts.len() * std::mem::size_of::<Rows>();
            for &(s, k) in &p.parts {
                m.bytes += self.shards[s].incoming[k].bytes();
            }
            // Palettes are per projection (one `Arc` shared by its parts).
            if let Some(&(s, k)) = p.parts.first() {
                let rows = &self.shards[s].incoming[k];
                m.bytes += rows.weight.palette_bytes() + rows.delay.palette_bytes();
            }
        }
        for p in &self.plastic {
            m.synapses += p.len();
            m.bytes += p.bytes();
        }
        m
    }

    fn plastic_mut(&mut self, id: ProjId) -> Option<&mut plastic::Plastic> {
        self.plastic.iter_mut().find(|p| p.id == id)
    }

    fn plastic_ref(&self, id: ProjId) -> Option<&plastic::Plastic> {
        self.plastic.iter().find(|p| p.id == id)
    }

    /// Plastic projections after the static ones: post spikes enter the
    /// histories, then pre spikes are delivered (see `plastic.rs`). Serial,
    /// in projection order; `spikes` are global `(cell, step)` sorted by
    /// step, then cell.
    fn deliver_plastic(&mut self, spikes: &[(u32, u64)], upto: u64) {
        let mut rings =
            Rings { shards: &mut self.shards, pops: &self.pops, owner: &self.owner, ring_len: self.ring_len };
        for p in &mut self.plastic {
            p.deliver(spikes, upto, &mut rings);
        }
    }

    /// The pending spikes as global `(cell, step)`, sorted by step, then cell.
    fn pending_global(&self) -> Vec<(u32, u64)> {
        let mut spikes: Vec<(u32, u64)> = Vec::with_capacity(self.pending.iter().map(|s| s.list.len()).sum());
        for (sp, &lo) in self.pending.iter().zip(&self.shard_lo) {
            for (&(c, s), &m) in sp.list.iter().zip(&sp.mult) {
                spikes.extend(std::iter::repeat_n((lo as u32 + c, s), m as usize));
            }
        }
        // Stable: repeated spikes of one cell in one step keep their order.
        spikes.sort_by_key(|&(c, s)| (s, c));
        spikes
    }

    fn proj(&self, id: ProjId) -> Result<&Proj> {
        self.projs.get(id).ok_or_else(|| err(format!("no projection {id}")))
    }

    fn pop(&self, id: PopId) -> Result<&Pop> {
        self.pops.get(id).ok_or_else(|| err(format!("no population {id}")))
    }

    /// The shard holding global cell `g`.
    fn shard_of(&self, g: usize) -> usize {
        let p = &self.pops[self.owner[g] as usize];
        p.shard_of_local(g - p.offset)
    }

    /// Visits the synapses of a projection in canonical order (pre-synaptic
    /// cell, then shard, then row order): `f(pre, shard, position in the shard's rows)`.
    fn for_each_canonical(&self, p: &Proj, mut f: impl FnMut(u32, usize, &Rows, usize)) {
        let parts: Vec<(usize, &Rows)> = p.parts.iter().map(|&(s, k)| (s, &self.shards[s].incoming[k])).collect();
        for g in p.pre_lo..p.pre_hi {
            for &(s, rows) in &parts {
                for i in rows.row(g) {
                    f(g, s, rows, i);
                }
            }
        }
    }

    /// Canonical-order values of a projection, back in connection order.
    fn to_connection_order<T: Copy + Default>(p: &Proj, canonical: Vec<T>) -> Vec<T> {
        match &p.perm {
            None => canonical,
            Some(perm) => {
                let mut out = vec![T::default(); canonical.len()];
                for (j, &i) in perm.iter().enumerate() {
                    out[i as usize] = canonical[j];
                }
                out
            }
        }
    }

    fn rebuild_injection(&mut self) {
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

    /// Delivers the pending spikes into every shard (in parallel when worth it).
    fn deliver_pending(&mut self) {
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
            let spikes = self.pending_global();
            self.deliver_plastic(&spikes, upto);
        }
        self.pending.iter_mut().for_each(Spikes::clear);
    }

    fn run_slice(&mut self, a: u64, b: u64) {
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
        let task = |(sh, out): (&mut Shard, &mut Spikes)| {
            sh.deliver(pending, shard_lo, ring_len);
            sh.advance(a, b, ring_len, values, out);
        };
        let work = self.owner.len() as u64 * (b - a) + pending.iter().map(|s| s.list.len() as u64).sum::<u64>();
        if work >= PARALLEL_WORK && self.pool.current_num_threads() > 1 && self.shards.len() > 1 {
            self.shards.par_iter_mut().zip(self.next.par_iter_mut()).with_max_len(1).for_each(task);
        } else {
            self.shards.iter_mut().zip(self.next.iter_mut()).for_each(task);
        }
        std::mem::swap(&mut self.pending, &mut self.next);
        self.pending_upto = Some(b);
    }

    /// Moves the samples of a population's shards into whole-population signals.
    fn merge_samples(&mut self, pop: PopId) -> Result<Vec<RawSignal>> {
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
    fn reserve_samples(&mut self, step: u64) -> Result<()> {
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
}

impl Backend for Native {
    const NAME: &'static str = NAME;
    type Options = NativeOptions;

    fn setup(config: &SimConfig, options: &NativeOptions) -> Result<Self> {
        let max_steps = config.max_delay_steps();
        if max_steps > u64::from(u16::MAX) {
            return Err(Error::InvalidSetup {
                parameter: "max_delay",
                value: config.max_delay,
                allowed: format!(
                    "the native engine stores delays in at most {} steps ({} ms at this time step)",
                    u16::MAX,
                    pynn_core::fmt_num(f64::from(u16::MAX) * config.timestep)
                ),
            });
        }
        let mut builder = rayon::ThreadPoolBuilder::new();
        if config.threads > 0 {
            builder = builder.num_threads(config.threads);
        }
        let pool = builder.build().map_err(|e| err(format!("cannot start worker threads: {e}")))?;
        Ok(Native {
            cfg: config.clone(),
            options: *options,
            dt: config.timestep,
            min_delay: config.min_delay_steps().max(1),
            ring_len: max_steps + config.min_delay_steps() + 1,
            step: 0,
            started: false,
            pops: Vec::new(),
            shards: Vec::new(),
            pending: Vec::new(),
            pending_upto: None,
            next: Vec::new(),
            shard_lo: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            owner: Vec::new(),
            pool: std::sync::Arc::new(pool),
            plastic: Vec::new(),
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        let range = self.pop(pop)?.shards.clone();
        for sh in &mut self.shards[range] {
            sh.kernel.set_parameters(&sub_table(parameters, sh.first, sh.size))?;
        }
        Ok(())
    }

    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let range = self.pop(pop)?.shards.clone();
        let first = range.start;
        let mut per: Vec<(Vec<usize>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); range.len()];
        for (c, v) in cells.iter().zip(values) {
            let k = self.pops[pop].shard_of_local(*c) - first;
            if let Some(slot) = per.get_mut(k) {
                slot.0.push(c - self.shards[first + k].first);
                slot.1.push(*v);
            }
        }
        for (k, (cs, vs)) in per.iter().enumerate() {
            // Every shard is told (even with no cells), so that an unknown
            // variable is an error whichever cells are named.
            self.shards[first + k].kernel.initialize(variable, cs, vs)?;
        }
        Ok(())
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, c: Connections) -> Result<()> {
        if spec.id != self.projs.len() {
            return Err(err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        let n = c.len();
        if c.pre.windows(2).any(|w| w[0] > w[1]) {
            return Err(err("connections must be sorted by pre-synaptic cell"));
        }
        if let Some(t) = c.post.iter().find(|t| **t as usize >= self.owner.len()) {
            return Err(err(format!("post-synaptic cell {t} does not exist")));
        }
        if let Some(g) = c.pre.last().filter(|g| **g as usize >= self.owner.len()) {
            return Err(err(format!("pre-synaptic cell {g} does not exist")));
        }
        let (pre_lo, pre_hi) = match (c.pre.first(), c.pre.last()) {
            (Some(lo), Some(hi)) => (*lo, *hi + 1),
            _ => (0, 0),
        };
        let receptor = spec.receptor.index;
        let dt = self.dt;
        let steps = |d: &f64| (d / dt).round() as u16;
        let uniform_delay = c.delay.first().filter(|d0| c.delay.iter().all(|d| d.to_bits() == d0.to_bits()));
        // One value for the whole projection when every delay is the same.
        let delay: Vec<u16> = match uniform_delay {
            Some(d0) if matches!(spec.synapse, SynapseKind::Static) => vec![steps(d0)],
            _ => c.delay.iter().map(steps).collect(),
        };
        if !matches!(spec.synapse, SynapseKind::Static) {
            // Plastic synapses keep their own rows (plastic.rs) and an empty
            // static projection under the same id.
            let mut last = usize::MAX;
            for t in &c.post {
                let s = self.shard_of(*t as usize);
                if s != last && receptor >= self.shards[s].ring.len() {
                    return Err(err(format!("receptor {receptor} does not exist on the post-synaptic cells")));
                }
                last = s;
            }
            let mut row_ptr = vec![0usize; (pre_hi - pre_lo) as usize + 1];
            for p in &c.pre {
                row_ptr[(p - pre_lo) as usize + 1] += 1;
            }
            for i in 1..row_ptr.len() {
                row_ptr[i] += row_ptr[i - 1];
            }
            let keep = self.cfg.max_delay_steps() + self.min_delay;
            let (target, weight) = (c.post, c.weight);
            let p = plastic::Plastic::new(
                spec.id,
                &spec.synapse,
                receptor,
                pre_lo,
                row_ptr,
                target,
                &weight,
                delay,
                dt,
                keep,
            )?
            .ok_or_else(|| err(format!("synapse model {:?} is not supported", spec.synapse)))?;
            self.plastic.push(p);
            self.projs.push(Proj { parts: Vec::new(), pre_lo: 0, pre_hi: 0, n: 0, perm: None });
            return Ok(());
        }
        let wl = Layout::of(&c.weight);
        let dl = Layout::of(&delay);
        // Shard of every cell of the network, looked up once per cell
        // rather than once per synapse.
        let cell_shard: Vec<u32> = (0..self.owner.len()).map(|g| self.shard_of(g) as u32).collect();
        // Buffers of one entry per synapse are reserved fallibly (the core
        // estimated the whole construction before generating it).
        let object = format!("projection \"{}\" on the native engine", spec.label);
        let mut shard: Vec<u32> = pynn_core::memory::try_with_capacity(&object, || format!("{n} synapses"), n)?;
        shard.extend(c.post.iter().map(|t| cell_shard[*t as usize]));
        // Synapses of one pre-synaptic cell must come shard by shard for the
        // canonical order to be the connection order; otherwise keep a permutation.
        let grouped = (1..n).all(|i| c.pre[i] != c.pre[i - 1] || shard[i] >= shard[i - 1]);
        let perm = if grouped {
            None
        } else {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&i| (c.pre[i as usize], shard[i as usize]));
            Some(order)
        };
        // Per shard: count and pre-synaptic range.
        let mut count: Vec<(usize, u32, u32)> = vec![(0, u32::MAX, 0); self.shards.len()];
        for i in 0..n {
            let e = &mut count[shard[i] as usize];
            e.0 += 1;
            e.1 = e.1.min(c.pre[i]);
            e.2 = e.2.max(c.pre[i] + 1);
        }
        let mut parts = Vec::new();
        // Position in `new_rows` of each shard's rows.
        let mut slot_of: Vec<u32> = vec![u32::MAX; self.shards.len()];
        let mut new_rows = Vec::new();
        for (s, &(cnt, lo, hi)) in count.iter().enumerate() {
            if cnt == 0 {
                continue;
            }
            if cnt > u32::MAX as usize {
                return Err(err(format!("more than {} synapses of one projection into one shard", u32::MAX)));
            }
            let sh = &self.shards[s];
            if receptor >= sh.ring.len() {
                return Err(err(format!("receptor {receptor} does not exist on the post-synaptic cells")));
            }
            let src_start = self.shard_lo.partition_point(|&x| x <= lo as usize) - 1;
            let src_end = self.shard_lo.partition_point(|&x| x < hi as usize);
            let mut weight = wl.empty(cnt);
            weight.resize(cnt);
            let mut dly = dl.empty(cnt);
            dly.resize(cnt);
            slot_of[s] = new_rows.len() as u32;
            new_rows.push(Rows {
                receptor,
                pre_lo: lo,
                pre_hi: hi,
                src: src_start..src_end.min(self.shards.len()),
                row_ptr: vec![0; (hi - lo) as usize + 1],
                target: pynn_core::memory::try_vec(&object, || format!("{cnt} synapses"), cnt, 0)?,
                weight,
                delay: dly,
                diagonal: false,
            });
            parts.push((s, self.shards[s].incoming.len()));
        }
        for i in 0..n {
            let r = &mut new_rows[slot_of[shard[i] as usize] as usize];
            r.row_ptr[(c.pre[i] - r.pre_lo) as usize + 1] += 1;
        }
        for r in &mut new_rows {
            for k in 1..r.row_ptr.len() {
                r.row_ptr[k] += r.row_ptr[k - 1];
            }
        }
        // Fill with the row pointers as cursors, in connection order (the
        // order within a row is kept), then shift them back.
        for i in 0..n {
            let r = &mut new_rows[slot_of[shard[i] as usize] as usize];
            let row = (c.pre[i] - r.pre_lo) as usize;
            let at = r.row_ptr[row] as usize;
            r.row_ptr[row] += 1;
            let sh = &self.shards[shard[i] as usize];
            r.target[at] = (c.post[i] as usize - sh.lo) as u16;
            if !matches!(wl, Layout::Same(_)) {
                r.weight.put(&wl, at, c.weight[i]);
            }
            if !matches!(dl, Layout::Same(_)) {
                r.delay.put(&dl, at, delay[i]);
            }
        }
        for r in &mut new_rows {
            for k in (1..r.row_ptr.len()).rev() {
                r.row_ptr[k] = r.row_ptr[k - 1];
            }
            r.row_ptr[0] = 0;
            r.diagonal = r.is_diagonal();
        }
        drop(c);
        for ((s, _), rows) in parts.iter().zip(new_rows) {
            self.shards[*s].incoming.push(rows);
        }
        self.projs.push(Proj { parts, pre_lo, pre_hi, n, perm });
        Ok(())
    }

    fn connections(&self, proj: ProjId) -> Result<(Vec<u32>, Vec<u32>)> {
        if let Some(p) = self.plastic_ref(proj) {
            return Ok(p.connections());
        }
        let p = self.proj(proj)?;
        let mut pre = Vec::with_capacity(p.n);
        let mut post = Vec::with_capacity(p.n);
        self.for_each_canonical(p, |g, s, rows, i| {
            pre.push(g);
            post.push((self.shards[s].lo + rows.target[i] as usize) as u32);
        });
        Ok((Self::to_connection_order(p, pre), Self::to_connection_order(p, post)))
    }

    fn get_synaptic(&self, proj: ProjId, name: &str) -> Result<Vec<f64>> {
        if let Some(p) = self.plastic_ref(proj) {
            return p.get(name, self.dt);
        }
        let p = self.proj(proj)?;
        let mut out = Vec::with_capacity(p.n);
        match name {
            "weight" => self.for_each_canonical(p, |_, _, rows, i| out.push(rows.weight.get(i))),
            "delay" => self.for_each_canonical(p, |_, _, rows, i| out.push(f64::from(rows.delay.get(i)) * self.dt)),
            _ => return Err(Error::unknown_name("native projection", "attribute", name, ["weight", "delay"])),
        }
        Ok(Self::to_connection_order(p, out))
    }

    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let dt = self.dt;
        if let Some(p) = self.plastic_mut(proj) {
            if values.len() != p.len() {
                return Err(Error::LengthMismatch {
                    object: "native projection".into(),
                    what: name.into(),
                    expected: p.len(),
                    found: values.len(),
                });
            }
            return p.set(name, values, dt);
        }
        let p = self.projs.get(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if values.len() != p.n {
            return Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.n,
                found: values.len(),
            });
        }
        if name != "weight" && name != "delay" {
            return Err(Error::unknown_name("native projection", "attribute", name, ["weight", "delay"]));
        }
        // Values in canonical order.
        let canonical: Vec<f64> = match &p.perm {
            None => values.to_vec(),
            Some(perm) => perm.iter().map(|&i| values[i as usize]).collect(),
        };
        // Canonical position of each (part, index in the part).
        let mut at: Vec<Vec<usize>> = p.parts.iter().map(|&(s, k)| vec![0; self.shards[s].incoming[k].len()]).collect();
        {
            let part_of: std::collections::HashMap<usize, usize> =
                p.parts.iter().enumerate().map(|(j, &(s, _))| (s, j)).collect();
            let mut j = 0;
            self.for_each_canonical(p, |_, s, _, i| {
                at[part_of[&s]][i] = j;
                j += 1;
            });
        }
        let parts = p.parts.clone();
        if name == "weight" {
            let layout = Layout::of(&canonical);
            for (&(s, k), pos) in parts.iter().zip(&at) {
                let rows = &mut self.shards[s].incoming[k];
                let mut w = layout.empty(pos.len());
                w.resize(pos.len());
                for (i, &j) in pos.iter().enumerate() {
                    w.put(&layout, i, canonical[j]);
                }
                rows.weight = w;
            }
        } else {
            let steps: Vec<u16> = canonical.iter().map(|d| (d / dt).round() as u16).collect();
            let layout = Layout::of(&steps);
            for (&(s, k), pos) in parts.iter().zip(&at) {
                let rows = &mut self.shards[s].incoming[k];
                let mut d = layout.empty(pos.len());
                d.resize(pos.len());
                for (i, &j) in pos.iter().enumerate() {
                    d.put(&layout, i, steps[j]);
                }
                rows.delay = d;
            }
        }
        Ok(())
    }

    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()> {
        if self.currents.len() <= id {
            self.currents.resize_with(id + 1, || None);
        }
        self.currents[id] = Some(Current { spec: spec.clone(), targets: targets.to_vec() });
        self.rebuild_injection();
        Ok(())
    }

    fn set_recording(&mut self, pop: PopId, plan: &RecordingPlan) -> Result<()> {
        let p = self.pop(pop)?;
        let range = p.shards.clone();
        let label = p.label.clone();
        let mut vars = Vec::new();
        for (name, _) in &plan.signals {
            let var = self.shards[range.start].kernel.variable(name).ok_or_else(|| Error::Recording {
                object: format!("population \"{label}\""),
                message: format!("`{name}` cannot be recorded on the native engine"),
            })?;
            vars.push(var);
        }
        let same = plan.signals == self.pops[pop].signal_plan;
        if !same {
            // Samples taken under the previous plan wait for the next drain.
            let old = self.merge_samples(pop)?;
            self.pops[pop].done.extend(old);
        }
        for sh in &mut self.shards[range] {
            sh.spike_mask.iter_mut().for_each(|m| *m = false);
            for c in &plan.spikes {
                if *c >= sh.first && *c < sh.first + sh.size {
                    sh.spike_mask[c - sh.first] = true;
                }
            }
            if !same {
                sh.signals = plan
                    .signals
                    .iter()
                    .zip(&vars)
                    .map(|((_, cells), var)| {
                        let (mut local, mut pos) = (Vec::new(), Vec::new());
                        for (j, c) in cells.iter().enumerate() {
                            if *c >= sh.first && *c < sh.first + sh.size {
                                local.push(c - sh.first);
                                pos.push(j);
                            }
                        }
                        ShardSignal { var: *var, cells: local, pos, steps: vec![], data: vec![] }
                    })
                    .collect();
                sh.last_sample = None;
            }
            sh.interval = plan.interval_steps.max(1);
        }
        self.pops[pop].signal_plan = plan.signals.clone();
        Ok(())
    }

    fn run_until(&mut self, step: u64) -> Result<()> {
        self.reserve_samples(step)?;
        if !self.started && self.step == 0 {
            for (sh, pend) in self.shards.iter_mut().zip(&mut self.pending) {
                pend.clear();
                sh.kernel.initial_spikes(&mut pend.list);
                for &(c, s) in &pend.list {
                    if sh.spike_mask[c as usize] {
                        sh.rec_spikes.push((c, s));
                    }
                }
                pend.end_step();
            }
            // Delivered (static rows, then plastic projections) before the
            // first slice, as spikes of a slice ending at step 0.
            self.pending_upto = Some(0);
            self.started = true;
        }
        let pool = std::sync::Arc::clone(&self.pool);
        pool.install(|| {
            while self.step < step {
                let b = (self.step + self.min_delay).min(step);
                self.run_slice(self.step, b);
                self.step = b;
            }
            self.deliver_pending();
        });
        // The sample at the end time (if on the sampling grid) was taken in
        // the last step; signals of a run ending off-grid end earlier.
        Ok(())
    }

    fn reset(&mut self) -> Result<()> {
        self.step = 0;
        self.started = false;
        for sh in &mut self.shards {
            sh.kernel.reset();
            for r in &mut sh.ring {
                r.fill(0.0);
            }
            sh.rec_spikes.clear();
            for s in &mut sh.signals {
                s.steps.clear();
                s.data.clear();
            }
            sh.last_sample = None;
        }
        self.pending.iter_mut().for_each(Spikes::clear);
        self.pending_upto = None;
        self.plastic.iter_mut().for_each(plastic::Plastic::reset);
        for p in &mut self.pops {
            p.done.clear();
        }
        Ok(())
    }

    fn drain_recording(&mut self, pop: PopId) -> Result<RawRecording> {
        let range = self.pop(pop)?.shards.clone();
        let merged = self.merge_samples(pop)?;
        let mut signals = std::mem::take(&mut self.pops[pop].done);
        signals.extend(merged);
        let mut spikes = Vec::new();
        for sh in &mut self.shards[range] {
            let first = sh.first as u32;
            spikes.extend(sh.rec_spikes.drain(..).map(|(c, s)| (first + c, s)));
        }
        spikes.sort_by_key(|&(c, s)| (s, c));
        Ok(RawRecording { spikes, signals })
    }

    fn end(&mut self) -> Result<()> {
        Ok(())
    }

    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        match self.plastic_mut(proj) {
            Some(p) if values.len() == p.len() => p.initialize(name, values),
            Some(p) => Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.len(),
                found: values.len(),
            }),
            None => Err(err(format!("projection {proj} has static synapses: no state `{name}`"))),
        }
    }

    fn record_weights(&mut self, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        let now = self.step;
        match self.plastic_mut(proj) {
            Some(p) => {
                p.record(interval_steps, now);
                Ok(())
            }
            None => Err(err(format!("projection {proj} has static synapses: its weights do not change"))),
        }
    }

    fn recorded_weights(&self, proj: ProjId) -> Result<RawWeights> {
        self.plastic_ref(proj)
            .map(plastic::Plastic::recorded)
            .ok_or_else(|| err(format!("projection {proj} has static synapses: its weights do not change")))
    }
}

impl<C: NativeCell> Supports<C> for Native {
    fn create_population(&mut self, spec: &PopulationSpec<'_>) -> Result<()> {
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
            let mut kernel =
                C::build(&sub_table(spec.parameters, first, size), &sub_table(spec.initial_values, first, size), &ctx)?;
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
                spike_mask: vec![false; size],
                signals: Vec::new(),
                interval: 1,
                last_sample: None,
                rec_spikes: Vec::new(),
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
