//! Native kernels of the spike sources `SpikeSourceArray` and
//! `SpikeSourcePoisson`.

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};
use pynn_core::{Error, Result, SpikeSourceArray, SpikeSourcePoisson};
use rand::RngExt;
use rand_distr::Distribution;

/// Mean spike count per step from which a Poisson source draws counts per
/// step rather than spike times.
pub const DENSE_LAMBDA: f64 = 0.5;

/// Native kernel of [`SpikeSourceArray`]: one time-ordered list of
/// `(step, cell)` events and a cursor.
pub struct ArrayKernel {
    dt: f64,
    events: Vec<(u64, u32)>,
    cursor: usize,
    now: u64,
}

impl ArrayKernel {
    fn load(&mut self, params: &ParamTable) {
        let dt = self.dt;
        self.events = params
            .sequence("spike_times")
            .iter()
            .enumerate()
            .flat_map(|(c, times)| times.iter().map(move |t| ((t / dt).round() as u64, c as u32)))
            .collect();
        self.events.sort_unstable();
        // Times in the past (already simulated) are ignored, as in PyNN.
        let now = self.now;
        self.cursor = self.events.partition_point(|(s, _)| *s <= now && now > 0);
    }
}

impl NativeCell for SpikeSourceArray {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let mut k = ArrayKernel { dt: ctx.dt, events: Vec::new(), cursor: 0, now: 0 };
        k.load(params);
        Ok(Box::new(k))
    }
}

impl Kernel for ArrayKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let stamp = input.step + 1;
        while let Some(&(s, c)) = self.events.get(self.cursor) {
            if s > stamp {
                break;
            }
            if s == stamp {
                spikes.push((c, s));
            }
            self.cursor += 1;
        }
        self.now = stamp;
    }

    fn initial_spikes(&mut self, spikes: &mut SpikeOut) {
        while let Some(&(0, c)) = self.events.get(self.cursor) {
            spikes.push((c, 0));
            self.cursor += 1;
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.load(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, _: &[usize], _: &[f64]) -> Result<()> {
        Err(Error::unknown_name("native SpikeSourceArray", "state variable", name, []))
    }

    fn reset(&mut self) {
        self.now = 0;
        self.cursor = 0;
    }

    fn variable(&self, _name: &str) -> Option<usize> {
        None
    }

    fn read(&self, _: usize, _: &[usize], _: &mut Vec<f64>) {}
}

/// Native kernel of [`SpikeSourcePoisson`].
///
/// Each cell draws from its own stream (ChaCha8 keyed by session seed,
/// population and `"poisson"`, sub-stream = index of the cell in the
/// population). A spike at continuous time `t` in `(t_k, t_k+1]` is emitted
/// with time `t_k+1`, so the count per step is Poisson with mean
/// `lambda = rate * dt / 1000`, as NEST's `poisson_generator` draws it. Two
/// exact ways to draw the same process, chosen per cell by its rate:
///
/// * `lambda < DENSE_LAMBDA` (e.g. below 5 kHz at dt = 0.1 ms): the time of
///   the next spike, with exponential intervals; a step without a spike
///   costs one comparison.
/// * otherwise (e.g. Brunel's 20 kHz drive): the count of each step drawn
///   directly (inversion of the Poisson distribution function from one
///   uniform number for `lambda < 30`, `rand_distr::Poisson` above), one
///   draw per step instead of one per spike. Steps partly outside
///   `(start, start + duration]` use the mean of the part inside.
///
/// The dense cells with `lambda < 30` ("lane cells") draw the counts of a
/// block of 16 steps wholly inside their windows many
/// streams at once: their generators are then not the
/// `ChaCha8Rng`s of `rngs` but a position in the stream each, and the
/// ChaCha blocks of 4, 8 or 16 cells are computed side by side in vector
/// lanes. The draws are the generators' own, in the same order.
pub struct PoissonKernel {
    dt: f64,
    rate: Vec<f64>,
    /// Per cell: true if it draws counts per step.
    dense: Vec<bool>,
    /// Per cell: `exp(-lambda)` for a whole step (dense cells).
    exp_neg: Vec<f64>,
    /// Per cell: index in `tables` of its whole-step distribution (dense cells
    /// with `lambda < 30`).
    table_of: Vec<u32>,
    /// Distribution functions `P(X <= k)` of the distinct whole-step means.
    tables: Vec<CountTable>,
    start: Vec<f64>,
    stop: Vec<f64>,
    next: Vec<f64>,
    /// Per cell: its generator, the state of its stream, except for lane
    /// cells (see `lane`), whose entry only draws the counts the lanes do
    /// not (set to `wpos` before, read back after).
    rngs: Vec<SimRng>,
    /// Per cell: true for a lane cell (dense, with a table in `tables`):
    /// the state of its stream is `wpos`, not its entry of `rngs`.
    lane: Vec<bool>,
    /// Per cell: the position (in 32-bit words) of a lane cell's next draw
    /// in its stream (stale for the other cells). Eight bytes a cell: the
    /// ~300 bytes of a generator, thousands of them, are not streamed
    /// through the caches once per block.
    wpos: Vec<u64>,
    /// The lane cells, in cell order.
    lane_cells: Vec<u32>,
    /// The dense cells that are not lane cells, in cell order.
    slow_cells: Vec<u32>,
    /// The latest start and the earliest end of the lane cells' windows: a
    /// block inside both lies inside the window of every lane cell.
    lanes_start: f64,
    lanes_stop: f64,
    /// Whether every lane cell's position is on a ChaCha block boundary
    /// (a multiple of 16 words), as [`draw_lanes`] requires. A lane cell
    /// draws one 64-bit number (two words) per step and a block has 16
    /// steps, so this holds from the cell's first block on.
    lanes_aligned: bool,
    /// Scratch lists of a block that is not inside every lane cell's
    /// window: the lane cells drawn by the lanes, and the other dense cells.
    scratch_lanes: Vec<u32>,
    scratch_slow: Vec<u32>,
    /// The key of the population's streams as ChaCha's eight key words
    /// (the generators' seed, little-endian words).
    key: [u32; 8],
    /// The stream of cell 0 (cell `i` draws from stream `stream0 + i`).
    stream0: u64,
    now: u64,
    /// Whether any cell is dense.
    any_dense: bool,
    /// Whether every cell is dense.
    all_dense: bool,
    /// Counts of the dense cells for the steps `block_start ..
    /// block_start + block_len`, step-major (`[step][cell]`), one byte per
    /// count: [`BIG`] stands for a count of `BIG` or more,
    /// stored in `big` (a few hundred kB per block for Brunel's 12 500
    /// cells stay in the core's cache, four times as many bytes would not).
    counts: Vec<u8>,
    /// `(position in counts, count)` of the counts of [`BIG`] or more of
    /// the block, in the order drawn.
    big: Vec<(usize, u32)>,
    block_start: u64,
    block_len: u64,
}

/// Stores count `c` at position `pos` of a block's `counts` (see
/// [`PoissonKernel::counts`]).
#[inline(always)]
fn put_count(counts: &mut [u8], big: &mut Vec<(usize, u32)>, pos: usize, c: u32) {
    if c < u32::from(BIG) {
        counts[pos] = c as u8;
    } else {
        counts[pos] = BIG;
        big.push((pos, c));
    }
}

/// The byte of [`PoissonKernel::counts`] that stands for a larger count.
const BIG: u8 = u8::MAX;

/// Steps whose counts a dense Poisson source draws at once, cell by cell:
/// each cell's stream state is then loaded once per block instead of
/// once per step (the states of thousands of cells do not fit in cache).
/// The draws of each cell are those of the step-by-step order, so a train
/// does not depend on the block length; only after `set` or `reset` the
/// draws of the unused rest of a block are skipped. A lane cell draws the
/// block from two ChaCha blocks of its stream (8 draws of 64 bits each).
const COUNT_BLOCK: u64 = 16;

/// ChaCha blocks (16 words, 8 draws) of a lane cell's stream per block of
/// counts.
const CHACHA_PER_BLOCK: u64 = COUNT_BLOCK / 8;

impl PoissonKernel {
    /// The count of dense cell `i` in step `k` (from `t_k` to `t_k+1`).
    #[inline]
    fn dense_count(&mut self, i: usize, k: u64) -> u32 {
        let t_end = (k + 1) as f64 * self.dt;
        let t_begin = k as f64 * self.dt;
        let (start, stop) = (self.start[i], self.stop[i]);
        let n = if t_begin >= start && t_end <= stop {
            self.count_whole(i)
        } else {
            let len = t_end.min(stop) - t_begin.max(start);
            if len <= 0.0 {
                return 0;
            }
            let lambda = self.rate[i] * len / 1000.0;
            self.count(i, lambda, (-lambda).exp())
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Draws the counts of every dense cell for [`COUNT_BLOCK`] steps from `k`.
    fn fill_block(&mut self, k: u64) {
        let n = self.rate.len();
        self.counts.resize(n * COUNT_BLOCK as usize, 0);
        self.big.clear();
        let (t_begin, t_end) = (k as f64 * self.dt, (k + COUNT_BLOCK) as f64 * self.dt);
        let mut lanes = std::mem::take(&mut self.scratch_lanes);
        let mut slow = std::mem::take(&mut self.scratch_slow);
        // Nearly always (Brunel's drive: every block) the block lies inside
        // every lane cell's window: the lists made at `load` serve.
        let quick = self.lanes_aligned && t_begin >= self.lanes_start && t_end <= self.lanes_stop;
        if quick {
            std::mem::swap(&mut lanes, &mut self.lane_cells);
            std::mem::swap(&mut slow, &mut self.slow_cells);
        } else {
            lanes.clear();
            slow.clear();
            for i in 0..n {
                if !self.dense[i] {
                    continue;
                }
                let whole = t_begin >= self.start[i] && t_end <= self.stop[i];
                if self.lane[i] && whole && self.wpos[i].is_multiple_of(16) {
                    lanes.push(i as u32);
                } else {
                    slow.push(i as u32);
                }
            }
        }
        draw_lanes(LaneFill {
            key: &self.key,
            stream0: self.stream0,
            cells: &lanes,
            wpos: &mut self.wpos,
            tables: &self.tables,
            table_of: &self.table_of,
            counts: &mut self.counts,
            n,
            big: &mut self.big,
        });
        for &i in &slow {
            self.draw_slow(i as usize, k);
        }
        if quick {
            std::mem::swap(&mut lanes, &mut self.lane_cells);
            std::mem::swap(&mut slow, &mut self.slow_cells);
        }
        self.scratch_lanes = lanes;
        self.scratch_slow = slow;
        self.block_start = k;
        self.block_len = COUNT_BLOCK;
    }

    /// Draws the counts of dense cell `i` for [`COUNT_BLOCK`] steps from
    /// `k` with its own generator (a block partly outside its window, a
    /// mean beyond the tables), brought to the stream position of a lane
    /// cell before and read back after.
    fn draw_slow(&mut self, i: usize, k: u64) {
        let n = self.rate.len();
        if self.lane[i] {
            self.rngs[i].set_word_pos(u128::from(self.wpos[i]));
        }
        for j in 0..COUNT_BLOCK {
            let c = self.dense_count(i, k + j);
            self.put(j as usize * n + i, c);
        }
        if self.lane[i] {
            // Positions stay far below 2^64 words (2^57 blocks).
            self.wpos[i] = self.rngs[i].get_word_pos() as u64;
            self.lanes_aligned &= self.wpos[i].is_multiple_of(16);
        }
    }

    /// Stores count `c` at position `pos` of the block.
    #[inline(always)]
    fn put(&mut self, pos: usize, c: u32) {
        put_count(&mut self.counts, &mut self.big, pos, c);
    }

    /// The count at position `pos` of the block.
    #[inline(always)]
    fn count_at(&self, pos: usize) -> u32 {
        match self.counts[pos] {
            BIG => self.big_count(pos),
            c => u32::from(c),
        }
    }

    /// A count of [`BIG`] or more (rare: the mean is below 30 where it is
    /// drawn from a table).
    #[cold]
    fn big_count(&self, pos: usize) -> u32 {
        self.big.iter().find(|(p, _)| *p == pos).map_or(u32::from(BIG), |(_, c)| *c)
    }

    fn draw(&mut self, i: usize, from: f64) {
        let r = self.rate[i];
        self.next[i] = if r > 0.0 {
            let e: f64 = self.rngs[i].sample(rand_distr::Exp1);
            from + e * 1000.0 / r
        } else {
            f64::INFINITY
        };
    }

    fn restart(&mut self) {
        self.block_len = 0;
        self.any_dense = self.dense.iter().any(|d| *d);
        self.all_dense = self.dense.iter().all(|d| *d);
        let now = self.now as f64 * self.dt;
        for i in 0..self.rate.len() {
            if self.dense[i] {
                self.next[i] = f64::INFINITY;
                continue;
            }
            let from = now.max(self.start[i]);
            self.draw(i, from);
        }
    }

    fn load(&mut self, p: &ParamTable) {
        self.rate = p.scalar("rate").to_vec();
        self.start = p.scalar("start").to_vec();
        self.stop = p.scalar("start").iter().zip(p.scalar("duration")).map(|(s, d)| s + d).collect();
        let dt = self.dt;
        self.dense = self.rate.iter().map(|r| r * dt / 1000.0 >= DENSE_LAMBDA).collect();
        self.exp_neg = self.rate.iter().map(|r| (-r * dt / 1000.0).exp()).collect();
        self.tables.clear();
        let mut index = std::collections::HashMap::new();
        self.table_of = self
            .rate
            .iter()
            .zip(&self.dense)
            .map(|(r, dense)| {
                let lambda = r * dt / 1000.0;
                if !dense || lambda >= 30.0 {
                    return u32::MAX;
                }
                *index.entry(lambda.to_bits()).or_insert_with(|| {
                    self.tables.push(CountTable::new(lambda));
                    self.tables.len() as u32 - 1
                })
            })
            .collect();
        // A cell that becomes a lane cell takes its generator's position; one
        // that stops being one gives its position back to its generator.
        let n = self.rate.len();
        let lane: Vec<bool> =
            (0..n).map(|i| self.dense[i] && (self.table_of[i] as usize) < self.tables.len()).collect();
        for (i, &now) in lane.iter().enumerate() {
            let was = self.lane.get(i).copied().unwrap_or(false);
            if now && !was {
                self.wpos[i] = self.rngs[i].get_word_pos() as u64;
            } else if was && !now {
                self.rngs[i].set_word_pos(u128::from(self.wpos[i]));
            }
        }
        self.lane = lane;
        self.lane_cells = (0..n as u32).filter(|&i| self.lane[i as usize]).collect();
        self.slow_cells = (0..n as u32).filter(|&i| self.dense[i as usize] && !self.lane[i as usize]).collect();
        let lane_cells = self.lane_cells.iter().map(|&i| i as usize);
        self.lanes_start = lane_cells.clone().map(|i| self.start[i]).fold(f64::NEG_INFINITY, f64::max);
        self.lanes_stop = lane_cells.clone().map(|i| self.stop[i]).fold(f64::INFINITY, f64::min);
        self.lanes_aligned = lane_cells.into_iter().all(|i| self.wpos[i].is_multiple_of(16));
    }

    /// A whole-step Poisson count of cell `i` from its table.
    #[inline]
    fn count_whole(&mut self, i: usize) -> u64 {
        let Some(t) = self.tables.get(self.table_of[i] as usize) else {
            return self.count(i, self.rate[i] * self.dt / 1000.0, self.exp_neg[i]);
        };
        let u: f64 = self.rngs[i].random();
        t.count(u)
    }

    /// A Poisson count of mean `lambda` (`exp_neg = exp(-lambda)`) from cell `i`'s stream.
    fn count(&mut self, i: usize, lambda: f64, exp_neg: f64) -> u64 {
        let rng = &mut self.rngs[i];
        if lambda < 30.0 {
            // Inversion: the smallest k with u < P(X <= k).
            let u: f64 = rng.random();
            let (mut k, mut p) = (0u64, exp_neg);
            let mut cdf = p;
            while u >= cdf {
                k += 1;
                p *= lambda / k as f64;
                if p == 0.0 {
                    break;
                }
                cdf += p;
            }
            k
        } else {
            rand_distr::Poisson::new(lambda).map(|d| d.sample(rng) as u64).unwrap_or(0)
        }
    }
}

/// Appends `n` copies of `spike` to `spikes`. Counts up to 4 (nearly all
/// counts of the dense sources, whose mean is at most a few) are written
/// without a data-dependent branch (random counts would defeat branch
/// prediction): 4 copies go to the spare capacity, the length grows by `n`.
#[inline]
fn emit(spikes: &mut SpikeOut, spike: (u32, u64), n: usize) {
    if n > 4 {
        spikes.extend(std::iter::repeat_n(spike, n));
        return;
    }
    spikes.reserve(4);
    let len = spikes.len();
    for slot in &mut spikes.spare_capacity_mut()[..4] {
        slot.write(spike);
    }
    // SAFETY: `reserve(4)` guarantees capacity for `len + 4` elements and
    // the 4 slots after `len` were just initialised; `n <= 4`.
    unsafe { spikes.set_len(len + n) };
}

/// Bits of a uniform number's 53-bit integer that index the guide table
/// of [`CountTable`] (1024 buckets: with a mean count of a few, nearly
/// every bucket holds no table entry, and a draw costs one look-up and one
/// comparison).
const GUIDE_BITS: u32 = 10;

/// The distribution function of a Poisson count, tabulated with the
/// recurrence of the inversion in [`PoissonKernel::count`] (so the table
/// gives the same counts), up to `1 - 1e-15`.
///
/// A uniform number `u` of rand's `StandardUniform` is `m * 2^-53` for a
/// 53-bit integer `m`, so `cdf[k] <= u` exactly when `thr[k] <= m` with
/// `thr[k] = ceil(cdf[k] * 2^53)` (scaling by a power of two is exact):
/// the search runs on integers, on the draw's bits, with the counts of the
/// floating-point comparison.
struct CountTable {
    lambda: f64,
    cdf: Vec<f64>,
    /// `ceil(cdf[k] * 2^53)`.
    thr: Vec<u64>,
    /// `guide[g]`: the number of entries of `thr` that are `<= g << (53 -
    /// GUIDE_BITS)` (Chen and Asau's guide table; Devroye 1986,
    /// *Non-Uniform Random Variate Generation*, §III.2.4).
    guide: Vec<u16>,
    /// `direct[g]`: the count of every draw whose 53-bit integer has `g`
    /// as its top [`DIRECT_BITS`] bits, if they all have the same count
    /// (below [`SEARCH`] and inside the table), else [`SEARCH`]: one
    /// look-up per draw instead of a search in nearly every case (a guide
    /// table whose entries are final).
    direct: Box<[u8; 1 << DIRECT_BITS]>,
    /// `P(X = k)` for the last tabulated `k`.
    last_p: f64,
}

impl CountTable {
    /// The count drawn by the uniform number `u` in `[0, 1)`: the smallest
    /// `k` with `u < P(X <= k)`.
    #[inline]
    fn count(&self, u: f64) -> u64 {
        // `u * 2^53` is exact and below 2^53; an integer for every `u` of
        // rand's uniform `f64`, then the integer search applies.
        let x = u * TWO53;
        let m = x as u64;
        if m as f64 == x {
            return self.count_bits(m);
        }
        // Another `u`: the guide entry of its bucket (entries at most the
        // bucket's lower end are at most `u`), then the floating-point table.
        let mut k = usize::from(self.guide[(m >> (53 - GUIDE_BITS)) as usize]);
        while k < self.cdf.len() && self.cdf[k] <= u {
            k += 1;
        }
        if k < self.cdf.len() { k as u64 } else { self.beyond(u) }
    }

    /// The count drawn by the uniform number `m * 2^-53` (`m < 2^53`), as
    /// [`CountTable::count`] of that number.
    #[inline]
    fn count_bits(&self, m: u64) -> u64 {
        let k = self.search(m);
        // `m as f64 / 2^53` is exact: the `f64` rand makes of the same bits.
        if k < self.thr.len() { k as u64 } else { self.beyond(m as f64 / TWO53) }
    }

    /// The number of entries of `thr` that are `<= m`.
    #[inline(always)]
    fn search(&self, m: u64) -> usize {
        // The number of entries <= m (the table is non-decreasing): start
        // from the guide entry of m's bucket, which counts the entries <=
        // the bucket's lower end, and step over the few left in the bucket.
        let mut k = usize::from(self.guide[(m >> (53 - GUIDE_BITS)) as usize]);
        while k < self.thr.len() && self.thr[k] <= m {
            k += 1;
        }
        k
    }

    /// The count of `u` beyond the table (probability < 1e-15): the same
    /// recurrence continued.
    #[cold]
    fn beyond(&self, u: f64) -> u64 {
        let (mut k, mut p, mut cdf) = (self.cdf.len() as u64 - 1, self.last_p, self.cdf[self.cdf.len() - 1]);
        while u >= cdf {
            k += 1;
            p *= self.lambda / k as f64;
            if p == 0.0 {
                break;
            }
            cdf += p;
        }
        k
    }

    fn new(lambda: f64) -> Self {
        let mut p = (-lambda).exp();
        let mut cdf = vec![p];
        let mut k = 0u64;
        while cdf[cdf.len() - 1] < 1.0 - 1e-15 && cdf.len() < 200 {
            k += 1;
            p *= lambda / k as f64;
            if p == 0.0 {
                break;
            }
            let next = cdf[cdf.len() - 1] + p;
            cdf.push(next);
        }
        // `cdf * 2^53 < 2^53 + 1` is an exact f64; its ceiling fits in u64.
        let thr: Vec<u64> = cdf.iter().map(|c| (c * TWO53).ceil() as u64).collect();
        let guide =
            (0..1u64 << GUIDE_BITS).map(|g| thr.partition_point(|t| *t <= g << (53 - GUIDE_BITS)) as u16).collect();
        // The count is non-decreasing in the draw: a bucket's draws share a
        // count when its first and last draw do.
        let mut direct = Box::new([SEARCH; 1 << DIRECT_BITS]);
        for (g, d) in direct.iter_mut().enumerate() {
            let shift = 53 - DIRECT_BITS;
            let first = thr.partition_point(|t| *t <= (g as u64) << shift);
            let last = thr.partition_point(|t| *t < ((g as u64) + 1) << shift);
            if first == last && first < thr.len() && first < usize::from(SEARCH) {
                *d = first as u8;
            }
        }
        CountTable { lambda, cdf, thr, guide, direct, last_p: p }
    }
}

/// 2^53: the number of values of rand's uniform `f64` in `[0, 1)`.
const TWO53: f64 = (1u64 << 53) as f64;

/// Bits of a draw's top that index [`CountTable::direct`] (4096 one-byte
/// entries, in the core's first-level cache; at a mean of 2 per step, 9
/// of the 4096 buckets hold a threshold).
const DIRECT_BITS: u32 = 12;

/// The entry of [`CountTable::direct`] for a bucket whose draws do not all
/// give the same count (the count is then searched).
const SEARCH: u8 = u8::MAX;

/// The counts of one block of lane cells (see [`draw_lanes`]) and what
/// they are drawn from.
struct LaneFill<'a> {
    /// The streams' key (ChaCha's key words).
    key: &'a [u32; 8],
    /// The stream of cell 0.
    stream0: u64,
    /// The cells to draw: lane cells whose window holds the whole block
    /// and whose position is on a ChaCha block boundary.
    cells: &'a [u32],
    /// Per cell: its position in its stream (words), advanced by the block.
    wpos: &'a mut [u64],
    tables: &'a [CountTable],
    table_of: &'a [u32],
    /// The block's counts (see [`PoissonKernel::counts`]), `n` cells a step.
    counts: &'a mut [u8],
    n: usize,
    /// The block's counts of [`BIG`] or more.
    big: &'a mut Vec<(usize, u32)>,
}

/// Draws the counts of a block for `f.cells`, 4, 8 or 16 streams at
/// once, with the widest vector instructions the CPU has (the same draws
/// at every width: integer operations only).
fn draw_lanes(f: LaneFill<'_>) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        fn wider(f: LaneFill<'_>) {
            draw_lanes_of::<16, lanes::Avx512>(f);
        }
        #[target_feature(enable = "avx2")]
        fn wide(f: LaneFill<'_>) {
            draw_lanes_of::<8, lanes::Avx2>(f);
        }
        if super::simd::avx512() {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { wider(f) };
        }
        if super::simd::avx2() {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { wide(f) };
        }
    }
    draw_lanes_of::<4, lanes::Plain<4>>(f);
}

/// [`draw_lanes`] with `L` streams a vector: for each group of `L` cells,
/// the [`CHACHA_PER_BLOCK`] ChaCha blocks of their streams at their
/// positions, then the count of each 64-bit draw (words `2j`, `2j + 1` of
/// a block: `next_u64`'s order) from the cell's table: one look-up in
/// [`CountTable::direct`] by the draw's top bits, a search only where the
/// bucket holds a threshold. The draw's 53 bits `m` are those of
/// `rng.random::<f64>() = m 2^-53` (see [`CountTable`]), so the counts are
/// those of [`PoissonKernel::dense_count`].
#[inline(always)]
fn draw_lanes_of<const L: usize, W: lanes::Word<L>>(f: LaneFill<'_>) {
    let LaneFill { key, stream0, cells, wpos, tables, table_of, counts, n, big } = f;
    let mut out = [[0u32; L]; 16];
    for group in cells.chunks(L) {
        let (mut counter, mut stream) = ([0u64; L], [0u64; L]);
        let first = &tables[table_of[group[0] as usize] as usize];
        let mut table = [first; L];
        // Lanes past the end of a short group repeat its last cell (their
        // draws are not used).
        for l in 0..L {
            let i = group[l.min(group.len() - 1)] as usize;
            counter[l] = wpos[i] / 16;
            stream[l] = stream0 + i as u64;
            table[l] = &tables[table_of[i] as usize];
        }
        let same = group.iter().all(|&i| table_of[i as usize] == table_of[group[0] as usize]);
        for b in 0..CHACHA_PER_BLOCK as usize {
            lanes::blocks::<L, W>(key, &counter, &stream, &mut out);
            // One table for the whole group (a homogeneous population):
            // its direct table is then not looked up per lane.
            if same {
                counts_of_draws(&out, group, 8 * b * n, n, |_| first, counts, big);
            } else {
                counts_of_draws(&out, group, 8 * b * n, n, |l| table[l], counts, big);
            }
            counter.iter_mut().for_each(|c| *c = c.wrapping_add(1));
        }
        for &i in group {
            wpos[i as usize] += 2 * COUNT_BLOCK;
        }
    }
}

/// The counts of the 8 draws of a ChaCha block of each cell of `group`
/// (`out`, lane `l` for cell `group[l]`, of `table(l)`), at the rows
/// `first_row / n ..` of `counts`: one look-up in the direct table by the
/// draw's top bits, a search only where the bucket holds a threshold.
#[inline(always)]
fn counts_of_draws<'t, const L: usize>(
    out: &[[u32; L]; 16],
    group: &[u32],
    first_row: usize,
    n: usize,
    table: impl Fn(usize) -> &'t CountTable,
    counts: &mut [u8],
    big: &mut Vec<(usize, u32)>,
) {
    for j in 0..8 {
        let row = first_row + j * n;
        for (l, &i) in group.iter().enumerate() {
            let hi = out[2 * j + 1][l];
            let pos = row + i as usize;
            let t = table(l);
            match t.direct[(hi >> (32 - DIRECT_BITS)) as usize] {
                SEARCH => {
                    let m = ((u64::from(hi) << 32) | u64::from(out[2 * j][l])) >> 11;
                    let c = u32::try_from(t.count_bits(m)).unwrap_or(u32::MAX);
                    put_count(counts, big, pos, c);
                }
                c => counts[pos] = c,
            }
        }
    }
}

/// ChaCha8 keystream blocks of several streams of one key at once, one
/// stream per vector lane: word `w` of the state is an array of `L` lanes,
/// lane `l` belonging to stream `l` ("vertical" vectors, so the diagonal
/// rounds need no shuffles).
///
/// The block function is ChaCha's (D. J. Bernstein, *ChaCha, a variant of
/// Salsa20*, 2008; the quarter round and the state as in RFC 8439,
/// sections 2.1 to 2.3) with 8 rounds and the state layout of
/// `rand_chacha`'s `ChaCha8Rng` (its documentation): words 0-3 the
/// constant "expand 32-byte k", 4-11 the key (the generator's seed as
/// little-endian words), 12-13 the 64-bit block counter, 14-15 the 64-bit
/// stream, low word first. Word `p` of a stream's output is word `p % 16`
/// of its block `p / 16`, and `next_u64` joins two consecutive words, the
/// first as the low half. The test `lanes_equal_the_generator` checks the
/// blocks against `ChaCha8Rng` at every width.
mod lanes {
    /// "expand 32-byte k", as four little-endian words.
    const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

    /// One state word of `L` streams, in a vector register.
    pub(super) trait Word<const L: usize>: Copy {
        /// `x` in every lane.
        fn splat(x: u32) -> Self;
        /// The lanes `x`.
        fn load(x: &[u32; L]) -> Self;
        /// Lane-wise wrapping addition.
        fn add(self, o: Self) -> Self;
        /// Lane-wise `(self ^ o) <<< R` (`R` one of 16, 12, 8, 7).
        fn xor_rotl<const R: u32>(self, o: Self) -> Self;
        /// Writes the lanes to `out`.
        fn store(self, out: &mut [u32; L]);
    }

    /// Plain lanes (any target; the baseline's width).
    #[derive(Clone, Copy)]
    pub(super) struct Plain<const L: usize>([u32; L]);

    impl<const L: usize> Word<L> for Plain<L> {
        #[inline(always)]
        fn splat(x: u32) -> Self {
            Plain([x; L])
        }
        #[inline(always)]
        fn load(x: &[u32; L]) -> Self {
            Plain(*x)
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            Plain(std::array::from_fn(|l| self.0[l].wrapping_add(o.0[l])))
        }
        #[inline(always)]
        fn xor_rotl<const R: u32>(self, o: Self) -> Self {
            Plain(std::array::from_fn(|l| (self.0[l] ^ o.0[l]).rotate_left(R)))
        }
        #[inline(always)]
        fn store(self, out: &mut [u32; L]) {
            *out = self.0;
        }
    }

    #[cfg(target_arch = "x86_64")]
    pub(super) use x86::{Avx2, Avx512};

    /// The vector words of AVX2 (8 lanes) and AVX-512F (16 lanes). Their
    /// values are made only inside functions compiled with the feature and
    /// called after the CPU was seen to have it (`draw_lanes`), which is
    /// what makes the intrinsics below sound.
    #[cfg(target_arch = "x86_64")]
    mod x86 {
        use super::Word;
        use std::arch::x86_64::*;

        /// Eight lanes in an AVX2 register.
        #[derive(Clone, Copy)]
        pub(in super::super) struct Avx2(__m256i);

        impl Word<8> for Avx2 {
            #[inline(always)]
            fn splat(x: u32) -> Self {
                // SAFETY: an `Avx2` exists only where AVX2 runs (see the module).
                Avx2(unsafe { _mm256_set1_epi32(x as i32) })
            }
            #[inline(always)]
            fn load(x: &[u32; 8]) -> Self {
                // SAFETY: as `splat`; `x` holds 32 readable bytes.
                Avx2(unsafe { _mm256_loadu_si256(x.as_ptr().cast()) })
            }
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                // SAFETY: as `splat`.
                Avx2(unsafe { _mm256_add_epi32(self.0, o.0) })
            }
            #[inline(always)]
            fn xor_rotl<const R: u32>(self, o: Self) -> Self {
                // SAFETY: as `splat`.
                unsafe {
                    let x = _mm256_xor_si256(self.0, o.0);
                    // Rotations by whole bytes permute each word's bytes.
                    let bytes = |i: [i8; 4]| {
                        let w = |k: i8| [i[0] + 4 * k, i[1] + 4 * k, i[2] + 4 * k, i[3] + 4 * k];
                        let q = [w(0), w(1), w(2), w(3)].concat();
                        _mm256_setr_epi8(
                            q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11], q[12], q[13],
                            q[14], q[15], q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11],
                            q[12], q[13], q[14], q[15],
                        )
                    };
                    Avx2(match R {
                        16 => _mm256_shuffle_epi8(x, bytes([2, 3, 0, 1])),
                        8 => _mm256_shuffle_epi8(x, bytes([3, 0, 1, 2])),
                        12 => _mm256_or_si256(_mm256_slli_epi32::<12>(x), _mm256_srli_epi32::<20>(x)),
                        _ => _mm256_or_si256(_mm256_slli_epi32::<7>(x), _mm256_srli_epi32::<25>(x)),
                    })
                }
            }
            #[inline(always)]
            fn store(self, out: &mut [u32; 8]) {
                // SAFETY: as `splat`; `out` holds 32 writable bytes.
                unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), self.0) }
            }
        }

        /// Sixteen lanes in an AVX-512 register.
        #[derive(Clone, Copy)]
        pub(in super::super) struct Avx512(__m512i);

        impl Word<16> for Avx512 {
            #[inline(always)]
            fn splat(x: u32) -> Self {
                // SAFETY: an `Avx512` exists only where AVX-512F runs (see the module).
                Avx512(unsafe { _mm512_set1_epi32(x as i32) })
            }
            #[inline(always)]
            fn load(x: &[u32; 16]) -> Self {
                // SAFETY: as `splat`; `x` holds 64 readable bytes.
                Avx512(unsafe { _mm512_loadu_si512(x.as_ptr().cast()) })
            }
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                // SAFETY: as `splat`.
                Avx512(unsafe { _mm512_add_epi32(self.0, o.0) })
            }
            #[inline(always)]
            fn xor_rotl<const R: u32>(self, o: Self) -> Self {
                // SAFETY: as `splat`.
                unsafe {
                    let x = _mm512_xor_si512(self.0, o.0);
                    Avx512(match R {
                        16 => _mm512_rol_epi32::<16>(x),
                        12 => _mm512_rol_epi32::<12>(x),
                        8 => _mm512_rol_epi32::<8>(x),
                        _ => _mm512_rol_epi32::<7>(x),
                    })
                }
            }
            #[inline(always)]
            fn store(self, out: &mut [u32; 16]) {
                // SAFETY: as `splat`; `out` holds 64 writable bytes.
                unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), self.0) }
            }
        }
    }

    /// ChaCha's quarter round on four state words.
    macro_rules! quarter {
        ($a:ident, $b:ident, $c:ident, $d:ident) => {
            $a = $a.add($b);
            $d = $d.xor_rotl::<16>($a);
            $c = $c.add($d);
            $b = $b.xor_rotl::<12>($c);
            $a = $a.add($b);
            $d = $d.xor_rotl::<8>($a);
            $c = $c.add($d);
            $b = $b.xor_rotl::<7>($c);
        };
    }

    /// The ChaCha8 block `counter[l]` of stream `stream[l]` under `key`,
    /// for every lane `l`: `out[w][l]` is its word `w`.
    #[inline(always)]
    pub(super) fn blocks<const L: usize, W: Word<L>>(
        key: &[u32; 8],
        counter: &[u64; L],
        stream: &[u64; L],
        out: &mut [[u32; L]; 16],
    ) {
        let (mut c0, mut c1, mut s0, mut s1) = ([0u32; L], [0u32; L], [0u32; L], [0u32; L]);
        for l in 0..L {
            c0[l] = counter[l] as u32;
            c1[l] = (counter[l] >> 32) as u32;
            s0[l] = stream[l] as u32;
            s1[l] = (stream[l] >> 32) as u32;
        }
        let input: [W; 16] = [
            W::splat(SIGMA[0]),
            W::splat(SIGMA[1]),
            W::splat(SIGMA[2]),
            W::splat(SIGMA[3]),
            W::splat(key[0]),
            W::splat(key[1]),
            W::splat(key[2]),
            W::splat(key[3]),
            W::splat(key[4]),
            W::splat(key[5]),
            W::splat(key[6]),
            W::splat(key[7]),
            W::load(&c0),
            W::load(&c1),
            W::load(&s0),
            W::load(&s1),
        ];
        let [mut x0, mut x1, mut x2, mut x3, mut x4, mut x5, mut x6, mut x7] =
            [input[0], input[1], input[2], input[3], input[4], input[5], input[6], input[7]];
        let [mut x8, mut x9, mut x10, mut x11, mut x12, mut x13, mut x14, mut x15] =
            [input[8], input[9], input[10], input[11], input[12], input[13], input[14], input[15]];
        // Eight rounds: four double rounds of a column and a diagonal round.
        for _ in 0..4 {
            quarter!(x0, x4, x8, x12);
            quarter!(x1, x5, x9, x13);
            quarter!(x2, x6, x10, x14);
            quarter!(x3, x7, x11, x15);
            quarter!(x0, x5, x10, x15);
            quarter!(x1, x6, x11, x12);
            quarter!(x2, x7, x8, x13);
            quarter!(x3, x4, x9, x14);
        }
        let x = [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15];
        for w in 0..16 {
            x[w].add(input[w]).store(&mut out[w]);
        }
    }
}

impl NativeCell for SpikeSourcePoisson {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let n = params.size();
        let base = Streams::new(ctx.seed).rng(ObjectKind::Population, ctx.population as u64, "poisson", 0);
        let rngs = (0..n)
            .map(|i| {
                let mut r = base.clone();
                r.set_stream((ctx.first_cell + i) as u64);
                r
            })
            .collect();
        let seed = base.get_seed();
        let key = std::array::from_fn(|w| {
            u32::from_le_bytes([seed[4 * w], seed[4 * w + 1], seed[4 * w + 2], seed[4 * w + 3]])
        });
        let mut k = PoissonKernel {
            dt: ctx.dt,
            rate: vec![],
            dense: vec![],
            exp_neg: vec![],
            table_of: vec![],
            tables: vec![],
            start: vec![],
            stop: vec![],
            next: vec![0.0; n],
            rngs,
            lane: Vec::new(),
            wpos: vec![0; n],
            lane_cells: Vec::new(),
            slow_cells: Vec::new(),
            lanes_start: 0.0,
            lanes_stop: 0.0,
            lanes_aligned: false,
            scratch_lanes: Vec::new(),
            scratch_slow: Vec::new(),
            key,
            stream0: ctx.first_cell as u64,
            now: 0,
            any_dense: false,
            all_dense: false,
            counts: Vec::new(),
            big: Vec::new(),
            block_start: 0,
            block_len: 0,
        };
        k.load(params);
        k.restart();
        Ok(Box::new(k))
    }
}

impl Kernel for PoissonKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let k = input.step;
        let stamp = k + 1;
        let t_end = stamp as f64 * self.dt;
        let n = self.next.len();
        if self.any_dense && !(self.block_start <= k && k < self.block_start + self.block_len) {
            self.fill_block(k);
        }
        let row = (k.wrapping_sub(self.block_start) as usize).min(COUNT_BLOCK as usize - 1) * n;
        for i in 0..n {
            if self.dense[i] {
                emit(spikes, (i as u32, stamp), self.count_at(row + i) as usize);
                continue;
            }
            while self.next[i] <= t_end {
                let t = self.next[i];
                if t > self.start[i] && t <= self.stop[i] {
                    spikes.push((i as u32, stamp));
                }
                if t > self.stop[i] {
                    self.next[i] = f64::INFINITY;
                } else {
                    self.draw(i, t);
                }
            }
        }
        self.now = stamp;
    }

    /// [`Kernel::step`] with one entry per spiking cell and its count in
    /// `mult`: the same draws in the same order, without writing (then
    /// merging) one entry per spike.
    fn step_counted(&mut self, k: u64, spikes: &mut SpikeOut, mult: &mut Vec<u32>) -> bool {
        let stamp = k + 1;
        let t_end = stamp as f64 * self.dt;
        let n = self.next.len();
        if self.any_dense && !(self.block_start <= k && k < self.block_start + self.block_len) {
            self.fill_block(k);
        }
        let row = (k.wrapping_sub(self.block_start) as usize).min(COUNT_BLOCK as usize - 1) * n;
        if self.all_dense {
            // Every cell is written, and kept if its count is not 0: no
            // data-dependent branch on the random counts.
            let counts = &self.counts[row..row + n];
            let big = |i: usize| self.big_count(row + i);
            spikes.reserve(n);
            mult.reserve(n);
            let (len, mlen) = (spikes.len(), mult.len());
            let (out, out_m) = (&mut spikes.spare_capacity_mut()[..n], &mut mult.spare_capacity_mut()[..n]);
            let mut at = 0;
            for (i, &c) in counts.iter().enumerate() {
                let c = if c == BIG { big(i) } else { u32::from(c) };
                // `at <= i < n`.
                out[at].write((i as u32, stamp));
                out_m[at].write(c);
                at += usize::from(c > 0);
            }
            // SAFETY: the first `at` spare slots of both were written above
            // (`at <= n`, and both have room for `n` more after `reserve`).
            unsafe {
                spikes.set_len(len + at);
                mult.set_len(mlen + at);
            }
        } else {
            for i in 0..n {
                let c = if self.dense[i] {
                    self.count_at(row + i)
                } else {
                    let mut c = 0u32;
                    while self.next[i] <= t_end {
                        let t = self.next[i];
                        if t > self.start[i] && t <= self.stop[i] {
                            c = c.saturating_add(1);
                        }
                        if t > self.stop[i] {
                            self.next[i] = f64::INFINITY;
                        } else {
                            self.draw(i, t);
                        }
                    }
                    c
                };
                if c > 0 {
                    spikes.push((i as u32, stamp));
                    mult.push(c);
                }
            }
        }
        self.now = stamp;
        true
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.load(params);
        self.restart();
        Ok(())
    }

    fn initialize(&mut self, name: &str, _: &[usize], _: &[f64]) -> Result<()> {
        Err(Error::unknown_name("native SpikeSourcePoisson", "state variable", name, []))
    }

    fn reset(&mut self) {
        // The streams continue: a repeated trial sees fresh noise.
        self.now = 0;
        self.restart();
    }

    fn variable(&self, _name: &str) -> Option<usize> {
        None
    }

    fn read(&self, _: usize, _: &[usize], _: &mut Vec<f64>) {}
}

#[cfg(test)]
mod tests {
    use super::super::kernel::{BuildContext, NativeCell, SpikeOut, StepInput};
    use super::{CountTable, DIRECT_BITS, GUIDE_BITS, SEARCH, TWO53, lanes};
    use crate::native::simd;
    use pynn_core::CellType;
    use pynn_core::SpikeSourcePoisson;
    use pynn_core::parameters::{Column, ParamTable};
    use pynn_core::random::{ObjectKind, SimRng, Streams};
    use rand::Rng;

    /// FNV-1a over little-endian words (a digest of a spike sequence).
    fn fnv(h: &mut u64, x: u64) {
        for b in x.to_le_bytes() {
            *h ^= u64::from(b);
            *h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Parameters of 37 sources (not a multiple of any lane count): dense
    /// cells at several means (2 per step as Brunel's drive, 0.5 at the
    /// dense limit, 1.2345, 40 beyond the tables), sparse cells at 1 kHz
    /// and 0 Hz, windows that start or end inside a step and inside a block
    /// of counts. `shift` varies the rates for a `set`.
    fn mixed(shift: usize) -> ParamTable {
        let n = 37;
        let mut p = ParamTable::defaults(SpikeSourcePoisson::PARAMETERS, n);
        let rates = [20_000.0, 5_000.0, 12_345.0, 400_000.0, 1_000.0, 0.0, 20_000.0];
        let rate: Vec<f64> = (0..n).map(|i| rates[(i + shift) % rates.len()]).collect();
        let start: Vec<f64> = (0..n).map(|i| if i % 5 == 1 { 1.05 + 0.1 * i as f64 } else { 0.0 }).collect();
        let duration: Vec<f64> = (0..n).map(|i| if i % 4 == 2 { 3.33 + 0.2 * i as f64 } else { 1e9 }).collect();
        let idx: Vec<usize> = (0..n).collect();
        p.assign("rate", &idx, Column::Scalar(rate));
        p.assign("start", &idx, Column::Scalar(start));
        p.assign("duration", &idx, Column::Scalar(duration));
        p
    }

    /// The spikes of the mixed sources through `step_counted` (100 steps),
    /// a `set` of other rates (60 steps), `reset` and the one-entry-per-spike
    /// `step` (70 steps), reduced to counts and a digest of (cell, time
    /// stamp, count) in order.
    fn mixed_run() -> (u64, u64, u64) {
        let params = mixed(0);
        let init = ParamTable::defaults(SpikeSourcePoisson::STATE, params.size());
        let ctx =
            BuildContext { dt: 0.1, seed: 2026, population: 3, label: "t".into(), first_cell: 5, composition: None };
        let mut k = SpikeSourcePoisson::build(&params, &init, &ctx).expect("kernel");
        let (mut h, mut total, mut entries) = (0xcbf2_9ce4_8422_2325u64, 0u64, 0u64);
        let (mut out, mut mult) = (SpikeOut::new(), Vec::new());
        for step in 0..160u64 {
            if step == 100 {
                k.set_parameters(&mixed(3)).expect("set");
            }
            out.clear();
            mult.clear();
            assert!(k.step_counted(step, &mut out, &mut mult));
            for (&(c, s), &m) in out.iter().zip(&mult) {
                assert!(m > 0, "an entry without a spike");
                fnv(&mut h, u64::from(c));
                fnv(&mut h, s);
                fnv(&mut h, u64::from(m));
                total += u64::from(m);
                entries += 1;
            }
        }
        k.reset();
        let current = vec![0.0; params.size()];
        for step in 0..70u64 {
            out.clear();
            k.step(&StepInput { step, synaptic: &[], current: &current }, &mut out);
            for &(c, s) in &out {
                fnv(&mut h, u64::from(c));
                fnv(&mut h, s);
                total += 1;
            }
        }
        (h, total, entries)
    }

    /// The mixed sources give the spikes recorded from `main` before the
    /// dense cells' counts were drawn several streams at once (issue 17):
    /// every draw of every stream is the one of the cell's own generator,
    /// in the same order, also across `set` and `reset`. The totals are
    /// checked against their expectation first (so that a digest of an
    /// empty run could not pass): 160 steps of the `step_counted` part and
    /// 70 of the `step` part at the cells' means.
    #[test]
    fn mixed_sources_draw_the_recorded_spikes() {
        // The same at every vector width the lanes are compiled for.
        let runs: Vec<_> = simd::available().into_iter().map(|isa| simd::with_isa_limit(isa, mixed_run)).collect();
        assert!(runs.windows(2).all(|w| w[0] == w[1]), "{runs:?}");
        let (digest, total, entries) = runs[0];
        // Expected spikes: the mean of every step's part inside each
        // cell's window, 100 steps of `mixed(0)`, then 60 + 70 of `mixed(3)`.
        let mean = |p: &ParamTable, steps: std::ops::Range<u64>| -> f64 {
            let (rate, start, dur) = (p.scalar("rate"), p.scalar("start"), p.scalar("duration"));
            let mut m = 0.0;
            for i in 0..p.size() {
                for k in steps.clone() {
                    let (a, b) = (k as f64 * 0.1, (k + 1) as f64 * 0.1);
                    let len = b.min(start[i] + dur[i]) - a.max(start[i]);
                    m += rate[i] * len.max(0.0) / 1000.0;
                }
            }
            m
        };
        let expected = mean(&mixed(0), 0..100) + mean(&mixed(3), 100..160) + mean(&mixed(3), 0..70);
        // Poisson: within 5 standard deviations of the mean.
        let bound = 5.0 * expected.sqrt();
        eprintln!(
            "mixed Poisson sources: digest {digest:#018x}, {total} spikes (expected {expected:.0} +- {bound:.0}), \
             {entries} counted entries"
        );
        assert!((total as f64 - expected).abs() < bound, "{total} spikes, expected {expected}");
        assert_eq!((digest, total, entries), (0xfdfd_bf2c_a6ea_ed5b, 49_538, 2767));
    }

    /// The lanes compute the blocks `ChaCha8Rng` outputs: the same 64-bit
    /// draws (low word first) for streams far apart and block counters
    /// across a 32-bit carry, with plain words of 4, 8 and 16 lanes and
    /// with the AVX2 and AVX-512F words where the CPU runs them.
    #[test]
    fn lanes_equal_the_generator() {
        #[inline(always)]
        fn check<const L: usize, W: lanes::Word<L>>(base: &SimRng) {
            let key: [u32; 8] = std::array::from_fn(|w| {
                let s = base.get_seed();
                u32::from_le_bytes([s[4 * w], s[4 * w + 1], s[4 * w + 2], s[4 * w + 3]])
            });
            let counter: [u64; L] =
                std::array::from_fn(|l| [0, 1, 7, (1 << 32) - 1, 1 << 32, 12_345][l % 6] + l as u64);
            let stream: [u64; L] = std::array::from_fn(|l| [0, 1, 12_499, u64::MAX, 1 << 40][l % 5] ^ (l as u64) << 3);
            let mut out = [[0u32; L]; 16];
            lanes::blocks::<L, W>(&key, &counter, &stream, &mut out);
            for l in 0..L {
                let mut r = base.clone();
                r.set_stream(stream[l]);
                r.set_word_pos(u128::from(counter[l]) * 16);
                for j in 0..8 {
                    let x = r.next_u64();
                    let lanes = (u64::from(out[2 * j + 1][l]) << 32) | u64::from(out[2 * j][l]);
                    assert_eq!(lanes, x, "width {L}, lane {l}, draw {j}");
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn avx2(base: &SimRng) {
            check::<8, lanes::Avx2>(base);
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        fn avx512(base: &SimRng) {
            check::<16, lanes::Avx512>(base);
        }
        for seed in [1, 12345] {
            let base = Streams::new(seed).rng(ObjectKind::Population, 4, "poisson", 0);
            check::<4, lanes::Plain<4>>(&base);
            check::<8, lanes::Plain<8>>(&base);
            check::<16, lanes::Plain<16>>(&base);
            #[cfg(target_arch = "x86_64")]
            {
                if simd::avx2() {
                    // SAFETY: the CPU runs AVX2 (checked just above).
                    unsafe { avx2(&base) };
                }
                if simd::avx512() {
                    // SAFETY: the CPU runs AVX-512F (checked just above).
                    unsafe { avx512(&base) };
                }
            }
        }
    }

    /// The direct look-up gives the count of the search wherever it gives
    /// one: at both ends of every bucket, next to every threshold, and at
    /// spread draws; and it answers for nearly every draw (at most 2 % of
    /// the buckets hold a threshold for the means the lanes draw at).
    #[test]
    fn direct_table_equals_search() {
        for lambda in [0.5, 1.0, 2.0, 7.3, 29.9] {
            let t = CountTable::new(lambda);
            let shift = 53 - DIRECT_BITS;
            let mut ms: Vec<u64> =
                (0..1u64 << DIRECT_BITS).flat_map(|g| [g << shift, ((g + 1) << shift) - 1]).collect();
            for &th in &t.thr {
                ms.extend([th.saturating_sub(1), th, th + 1].into_iter().filter(|m| *m < 1 << 53));
            }
            ms.extend((0..100_000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11));
            let mut answered = 0;
            for &m in &ms {
                let d = t.direct[(m >> shift) as usize];
                if d != SEARCH {
                    assert_eq!(u64::from(d), t.count_bits(m), "lambda {lambda}, m {m}");
                    answered += 1;
                }
            }
            let searched = t.direct.iter().filter(|d| **d == SEARCH).count();
            eprintln!("lambda {lambda}: {searched} of {} buckets searched", t.direct.len());
            assert!(searched * 50 <= t.direct.len(), "lambda {lambda}: {searched} buckets searched");
            assert!(answered * 10 >= ms.len() * 9, "lambda {lambda}: {answered} of {}", ms.len());
        }
    }

    /// The guide-table search gives the count of the plain inversion (the
    /// smallest `k` with `u < P(X <= k)`) for every `u`, including `u` equal
    /// to a table entry, a bucket boundary, 0 and the largest f64 below 1;
    /// and so does the integer search on a draw's 53 bits, the engine's path.
    #[test]
    fn guide_table_count_equals_linear_inversion() {
        for lambda in [0.5, 1.0, 2.0, 7.3, 29.9] {
            let t = CountTable::new(lambda);
            let linear = |u: f64| t.cdf.iter().take_while(|c| **c <= u).count() as u64;
            let mut us: Vec<f64> = (0..100_000).map(|i| i as f64 / 100_000.0).collect();
            us.extend(t.cdf.iter().copied().filter(|c| *c < 1.0));
            us.extend(t.cdf.iter().map(|c| c.next_down()).filter(|c| *c >= 0.0));
            us.extend((0..1024).map(|g| g as f64 / 1024.0));
            us.push(1.0f64.next_down());
            for u in us {
                let expected = linear(u);
                if (expected as usize) < t.cdf.len() {
                    assert_eq!(t.count(u), expected, "lambda {lambda}, u {u}");
                }
            }
            // The integer search on a draw's 53 bits `m` (the uniform number
            // `m 2^-53`), at and next to every threshold, at the bucket
            // boundaries and at both ends.
            let mut ms: Vec<u64> = vec![0, (1 << 53) - 1];
            for &th in &t.thr {
                ms.extend([th.saturating_sub(1), th, th + 1].into_iter().filter(|m| *m < 1 << 53));
            }
            ms.extend((0..1u64 << GUIDE_BITS).map(|g| g << (53 - GUIDE_BITS)));
            ms.extend((0..100_000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11));
            for m in ms {
                let u = m as f64 / TWO53;
                let expected = linear(u);
                if (expected as usize) < t.cdf.len() {
                    assert_eq!(t.count_bits(m), expected, "lambda {lambda}, m {m}");
                    assert_eq!(t.count(u), expected, "lambda {lambda}, u {u}");
                }
            }
        }
    }
}

/// The Poisson kernel against a reference written here without any of its
/// fast paths (no lanes, no tables, no byte counts): one `ChaCha8Rng` per
/// cell, each count drawn by the plain inversion (or `rand_distr::Poisson`
/// at a mean of 30 and more) in step order, the blocks of [`COUNT_BLOCK`]
/// steps kept only where the kernel's contract names them (the draws of a
/// block's unused rest are skipped after `set` and `reset`). Counts must
/// agree exactly, step by step, through `step` and `step_counted` mixed,
/// at every vector width this CPU runs.
#[cfg(test)]
mod reference_tests {
    use super::super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
    use super::{COUNT_BLOCK, DENSE_LAMBDA};
    use crate::native::simd;
    use proptest::prelude::*;
    use pynn_core::parameters::{Column, ParamTable};
    use pynn_core::random::{ObjectKind, SimRng, Streams};
    use pynn_core::{CellType, SpikeSourcePoisson};
    use rand::RngExt;
    use rand_distr::Distribution;

    /// Rates, starts and durations of the sources (one entry per cell).
    #[derive(Clone, Debug)]
    struct Params {
        rate: Vec<f64>,
        start: Vec<f64>,
        duration: Vec<f64>,
    }

    impl Params {
        fn table(&self) -> ParamTable {
            let n = self.rate.len();
            let mut p = ParamTable::defaults(SpikeSourcePoisson::PARAMETERS, n);
            let idx: Vec<usize> = (0..n).collect();
            p.assign("rate", &idx, Column::Scalar(self.rate.clone()));
            p.assign("start", &idx, Column::Scalar(self.start.clone()));
            p.assign("duration", &idx, Column::Scalar(self.duration.clone()));
            p
        }
    }

    /// The reference generator (see the module).
    struct Reference {
        dt: f64,
        p: Params,
        rngs: Vec<SimRng>,
        /// Time of the next spike of a sparse cell (ms).
        next: Vec<f64>,
        /// Per cell: the counts of the current block's steps.
        counts: Vec<[u32; COUNT_BLOCK as usize]>,
        /// First step of the current block (none after `set` or `reset`).
        block: Option<u64>,
        now: u64,
    }

    impl Reference {
        fn new(p: &Params, dt: f64, seed: u64, population: usize, first_cell: usize) -> Self {
            let base = Streams::new(seed).rng(ObjectKind::Population, population as u64, "poisson", 0);
            let rngs = (0..p.rate.len())
                .map(|i| {
                    let mut r = base.clone();
                    r.set_stream((first_cell + i) as u64);
                    r
                })
                .collect();
            let n = p.rate.len();
            let mut r =
                Reference { dt, p: p.clone(), rngs, next: vec![0.0; n], counts: vec![[0; 16]; n], block: None, now: 0 };
            r.restart();
            r
        }

        fn dense(&self, i: usize) -> bool {
            self.p.rate[i] * self.dt / 1000.0 >= DENSE_LAMBDA
        }

        fn stop(&self, i: usize) -> f64 {
            self.p.start[i] + self.p.duration[i]
        }

        fn restart(&mut self) {
            self.block = None;
            for i in 0..self.p.rate.len() {
                self.next[i] = f64::INFINITY;
                if !self.dense(i) {
                    let from = (self.now as f64 * self.dt).max(self.p.start[i]);
                    self.draw(i, from);
                }
            }
        }

        fn set(&mut self, p: &Params) {
            self.p = p.clone();
            self.restart();
        }

        fn reset(&mut self) {
            self.now = 0;
            self.restart();
        }

        /// The next spike time of sparse cell `i` after `from`.
        fn draw(&mut self, i: usize, from: f64) {
            let r = self.p.rate[i];
            self.next[i] = if r > 0.0 {
                let e: f64 = self.rngs[i].sample(rand_distr::Exp1);
                from + e * 1000.0 / r
            } else {
                f64::INFINITY
            };
        }

        /// A Poisson count of mean `lambda`: the smallest `k` with
        /// `u < P(X <= k)`, the distribution function summed term by term.
        fn count(&mut self, i: usize, lambda: f64) -> u32 {
            let rng = &mut self.rngs[i];
            let k = if lambda < 30.0 {
                let u: f64 = rng.random();
                let (mut k, mut p) = (0u64, (-lambda).exp());
                let mut cdf = p;
                while u >= cdf {
                    k += 1;
                    p *= lambda / k as f64;
                    if p == 0.0 {
                        break;
                    }
                    cdf += p;
                }
                k
            } else {
                rand_distr::Poisson::new(lambda).map(|d| d.sample(rng) as u64).unwrap_or(0)
            };
            u32::try_from(k).unwrap_or(u32::MAX)
        }

        /// The count of dense cell `i` in step `k`: the mean of the part
        /// of the step inside its window, no draw if there is none.
        fn dense_count(&mut self, i: usize, k: u64) -> u32 {
            let (t_begin, t_end) = (k as f64 * self.dt, (k + 1) as f64 * self.dt);
            let len = t_end.min(self.stop(i)) - t_begin.max(self.p.start[i]);
            if len <= 0.0 {
                return 0;
            }
            let whole = t_begin >= self.p.start[i] && t_end <= self.stop(i);
            let lambda = if whole { self.p.rate[i] * self.dt / 1000.0 } else { self.p.rate[i] * len / 1000.0 };
            self.count(i, lambda)
        }

        /// `(cell, count)` of the cells that fire in step `k`, in cell order.
        fn step(&mut self, k: u64) -> Vec<(u32, u32)> {
            let n = self.p.rate.len();
            let any_dense = (0..n).any(|i| self.dense(i));
            let inside = self.block.is_some_and(|b| b <= k && k < b + COUNT_BLOCK);
            if any_dense && !inside {
                for i in 0..n {
                    if !self.dense(i) {
                        continue;
                    }
                    for j in 0..COUNT_BLOCK {
                        self.counts[i][j as usize] = self.dense_count(i, k + j);
                    }
                }
                self.block = Some(k);
            }
            let t_end = (k + 1) as f64 * self.dt;
            let mut out = Vec::new();
            for i in 0..n {
                let c = if self.dense(i) {
                    self.counts[i][(k - self.block.unwrap_or(k)) as usize]
                } else {
                    let mut c = 0u32;
                    while self.next[i] <= t_end {
                        let t = self.next[i];
                        if t > self.p.start[i] && t <= self.stop(i) {
                            c += 1;
                        }
                        if t > self.stop(i) {
                            self.next[i] = f64::INFINITY;
                        } else {
                            self.draw(i, t);
                        }
                    }
                    c
                };
                if c > 0 {
                    out.push((i as u32, c));
                }
            }
            self.now = k + 1;
            out
        }
    }

    /// What happens before a phase of steps.
    #[derive(Clone, Debug)]
    enum Change {
        /// Nothing (the kernel just goes on).
        None,
        /// New parameters (`set`).
        Set(Params),
        /// Back to time 0 (`reset`), the streams going on.
        Reset,
    }

    /// One case: the sources, then phases of steps each after a change,
    /// and which steps go through `step_counted` (bit `k % 64` of `mode`).
    #[derive(Clone, Debug)]
    struct Case {
        dt: f64,
        seed: u64,
        first_cell: usize,
        params: Params,
        phases: Vec<(Change, u64)>,
        mode: u64,
    }

    /// The kernel's `(cell, count)` of step `k`, through `step_counted` or
    /// through `step` (one entry per spike, counted here).
    fn kernel_step(k: &mut dyn Kernel, step: u64, counted: bool, n: usize) -> Vec<(u32, u32)> {
        let (mut out, mut mult) = (SpikeOut::new(), Vec::new());
        if counted {
            assert!(k.step_counted(step, &mut out, &mut mult));
            assert_eq!(out.len(), mult.len());
        } else {
            let current = vec![0.0; n];
            k.step(&StepInput { step, synaptic: &[], current: &current }, &mut out);
            mult = vec![1; out.len()];
        }
        let mut got: Vec<(u32, u32)> = Vec::new();
        for (&(c, s), &m) in out.iter().zip(&mult) {
            assert_eq!(s, step + 1, "the time stamp of step {step}");
            assert!(m > 0, "an entry without a spike");
            match got.last_mut() {
                Some(last) if last.0 == c => last.1 += m,
                _ => {
                    assert!(got.last().is_none_or(|l| l.0 < c), "cells out of order in step {step}");
                    got.push((c, m));
                }
            }
        }
        got
    }

    /// Runs `case` through the kernel and the reference; returns the first
    /// difference, if any, and the number of spikes.
    fn run_case(case: &Case) -> Result<u64, String> {
        let n = case.params.rate.len();
        let init = ParamTable::defaults(SpikeSourcePoisson::STATE, n);
        let ctx = BuildContext {
            dt: case.dt,
            seed: case.seed,
            population: 2,
            label: "p".into(),
            first_cell: case.first_cell,
            composition: None,
        };
        let mut k = SpikeSourcePoisson::build(&case.params.table(), &init, &ctx).map_err(|e| e.to_string())?;
        let mut r = Reference::new(&case.params, case.dt, case.seed, 2, case.first_cell);
        let (mut step, mut spikes) = (0u64, 0u64);
        for (phase, (change, steps)) in case.phases.iter().enumerate() {
            match change {
                Change::None => {}
                Change::Set(p) => {
                    k.set_parameters(&p.table()).map_err(|e| e.to_string())?;
                    r.set(p);
                }
                Change::Reset => {
                    k.reset();
                    r.reset();
                    step = 0;
                }
            }
            for _ in 0..*steps {
                let counted = case.mode >> (step % 64) & 1 == 1;
                let (got, want) = (kernel_step(k.as_mut(), step, counted, n), r.step(step));
                if got != want {
                    return Err(format!("phase {phase}, step {step} (counted {counted}): {got:?} != {want:?}"));
                }
                spikes += want.iter().map(|e| u64::from(e.1)).sum::<u64>();
                step += 1;
            }
        }
        Ok(spikes)
    }

    /// Runs `case` at every vector width this CPU runs.
    fn check(case: &Case) -> Result<u64, String> {
        let mut spikes = 0;
        for isa in simd::available() {
            spikes = simd::with_isa_limit(isa, || run_case(case)).map_err(|e| format!("{isa:?}: {e}"))?;
        }
        Ok(spikes)
    }

    /// Rates at every edge of the kernel's paths, at dt = 0.1 ms: 0, tiny,
    /// just below and at the dense limit (a mean of 0.5 per step), Brunel's
    /// 20 kHz, just below and at the end of the tables (a mean of 30),
    /// means of 300 (counts of 255 and more, kept outside the count
    /// bytes), and any rate up to 60 kHz.
    fn arb_rate() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(1e-3),
            Just(4_999.999),
            Just(5_000.0),
            Just(20_000.0),
            Just(20_000.0),
            Just(299_999.0),
            Just(300_000.0),
            Just(3_000_000.0),
            0.0..60_000.0f64,
        ]
    }

    /// Starts and durations on step boundaries (multiples of 0.1 ms, not
    /// all exact in binary), inside steps, or none.
    fn arb_time(none: f64) -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(none),
            (0..48u32).prop_map(|k| f64::from(k) * 0.1),
            (0..4_800u32).prop_map(|x| f64::from(x) * 0.001),
        ]
    }

    fn arb_params(n: usize) -> impl Strategy<Value = Params> {
        (
            proptest::collection::vec(arb_rate(), n),
            proptest::collection::vec(arb_time(0.0), n),
            proptest::collection::vec(arb_time(1e9), n),
        )
            .prop_map(|(rate, start, duration)| Params { rate, start, duration })
    }

    fn arb_case() -> impl Strategy<Value = Case> {
        // 1 to 40 cells: groups of 4, 8 and 16 lanes full and short.
        (1..=40usize, prop_oneof![Just(0usize), 0..20_000usize], any::<u64>(), any::<u64>()).prop_flat_map(
            |(n, first_cell, seed, mode)| {
                let change = prop_oneof![Just(Change::None), Just(Change::Reset), arb_params(n).prop_map(Change::Set),];
                (prop_oneof![Just(0.1), Just(0.25)], arb_params(n), proptest::collection::vec((change, 0..70u64), 1..4))
                    .prop_map(move |(dt, params, phases)| Case { dt, seed, first_cell, params, phases, mode })
            },
        )
    }

    proptest! {
        // 256 cases (under 2 s in the test build), no failure file: a
        // failing case is printed whole.
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Random sources, windows, changes and step modes: the kernel's
        /// counts are the reference's, step by step.
        #[test]
        fn poisson_counts_equal_the_reference(case in arb_case()) {
            check(&case).map_err(TestCaseError::fail)?;
        }
    }

    /// The edges one by one: 17 cells (a group of 16 lanes and one more)
    /// at each rate edge, windows that open and close inside a step and
    /// inside a block, for 70 000 steps (past 2^16, so that stream
    /// positions and time stamps pass 16 bits), then a `set` inside a
    /// block, a `reset`, and a run from 0 again. The spike total must be
    /// the expected one within 5 standard deviations (so that agreement on
    /// silent sources could not pass).
    #[test]
    fn poisson_edges_equal_the_reference_past_two_to_the_sixteen_steps() {
        let n = 17;
        let rates = [0.0, 1e-3, 4_999.999, 5_000.0, 20_000.0, 299_999.0, 300_000.0, 3_000_000.0, 12_345.0];
        let rate: Vec<f64> = (0..n).map(|i| rates[i % rates.len()]).collect();
        // Cells 9..17 have windows: starts at a step's middle, at a
        // block's middle, stops in step 65 540 (past 2^16).
        let start: Vec<f64> = (0..n).map(|i| if i >= 9 { 0.05 + 0.7 * (i - 9) as f64 } else { 0.0 }).collect();
        let duration: Vec<f64> = (0..n).map(|i| if i >= 13 { 6_554.03 - start[i] } else { 1e9 }).collect();
        let params = Params { rate, start, duration };
        let mut later = params.clone();
        later.rate.rotate_left(4);
        let case = Case {
            dt: 0.1,
            seed: 7,
            first_cell: 4096,
            params: params.clone(),
            phases: vec![(Change::None, 70_007), (Change::Set(later.clone()), 100), (Change::Reset, 50)],
            mode: 0x5555_0000_ffff_0f0f,
        };
        let spikes = check(&case).unwrap_or_else(|e| panic!("{e}"));
        let mean = |p: &Params, steps: std::ops::Range<u64>| -> f64 {
            let mut m = 0.0;
            for i in 0..n {
                let stop = p.start[i] + p.duration[i];
                let (a, b) = (steps.start as f64 * 0.1, steps.end as f64 * 0.1);
                m += p.rate[i] * (b.min(stop) - a.max(p.start[i])).max(0.0) / 1000.0;
            }
            m
        };
        let expected = mean(&params, 0..70_007) + mean(&later, 70_007..70_107) + mean(&later, 0..50);
        let bound = 5.0 * expected.sqrt();
        assert!((spikes as f64 - expected).abs() < bound, "{spikes} spikes, expected {expected} +- {bound}");
    }
}
