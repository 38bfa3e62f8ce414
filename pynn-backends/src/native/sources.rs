//! Native kernels of the spike sources `SpikeSourceArray` and
//! `SpikeSourcePoisson`.

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};
use pynn_core::{Error, Result, SpikeSourceArray, SpikeSourcePoisson};
use rand::{Rng, RngExt};
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
    rngs: Vec<SimRng>,
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
/// each cell's generator state is then loaded once per block instead of
/// once per step (the states of thousands of cells do not fit in cache).
/// The draws of each cell are those of the step-by-step order, so a train
/// does not depend on the block length; only after `set` or `reset` the
/// draws of the unused rest of a block are skipped.
const COUNT_BLOCK: u64 = 16;

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
        for i in 0..n {
            // The generator states (some 300 bytes each, thousands of them)
            // come from beyond the core's caches: fetch the one two cells
            // ahead while this one draws (a hint without effect on results).
            if let Some(ahead) = self.rngs.get(i + 2) {
                prefetch_bytes(ahead);
            }
            if !self.dense[i] {
                continue;
            }
            let whole = t_begin >= self.start[i] && t_end <= self.stop[i];
            match self.tables.get(self.table_of[i] as usize) {
                // Every step of the block inside the window, counts from the
                // table: the same draws as `dense_count`, without its checks.
                // `rng.random::<f64>()` is `(next_u64() >> 11) * 2^-53`
                // (rand's `StandardUniform`), so the 53-bit integer drawn
                // here is the same uniform number, compared in integers.
                Some(t) if whole => {
                    let rng = &mut self.rngs[i];
                    let mut bits = [0u64; COUNT_BLOCK as usize];
                    bits.iter_mut().for_each(|b| *b = rng.next_u64() >> 11);
                    for (j, m) in bits.into_iter().enumerate() {
                        let c = u32::try_from(t.count_bits(m)).unwrap_or(u32::MAX);
                        put_count(&mut self.counts, &mut self.big, j * n + i, c);
                    }
                }
                _ => {
                    for j in 0..COUNT_BLOCK {
                        let c = self.dense_count(i, k + j);
                        self.put(j as usize * n + i, c);
                    }
                }
            }
        }
        self.block_start = k;
        self.block_len = COUNT_BLOCK;
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

/// Asks the CPU to bring every cache line of `x` into cache (a hint
/// without effect on results).
#[inline(always)]
fn prefetch_bytes<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = (x as *const T).cast::<i8>();
        for k in (0..std::mem::size_of::<T>()).step_by(64) {
            // SAFETY: a prefetch has no architectural effect; `p + k` lies
            // inside `x`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(k)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
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
        CountTable { lambda, cdf, thr, guide, last_p: p }
    }
}

/// 2^53: the number of values of rand's uniform `f64` in `[0, 1)`.
const TWO53: f64 = (1u64 << 53) as f64;

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
    use super::{CountTable, GUIDE_BITS, TWO53};
    use pynn_core::CellType;
    use pynn_core::SpikeSourcePoisson;
    use pynn_core::parameters::{Column, ParamTable};

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
        let (digest, total, entries) = mixed_run();
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
