//! How the shards of a slice are shared among the worker threads
//! ([`Team`]): each worker takes the next shard from a list ordered by
//! estimated cost, largest first, until none is left.
//!
//! A parallel iterator over the shards splits the list in halves and
//! steals by halves, in the list's order, which can leave a large shard
//! for last. Brunel NE = 10 000 has nine shards: 4096, 4096 and 1808
//! excitatory cells, 2048 and 452 inhibitory, and 4096, 4096, 4096 and
//! 212 Poisson sources of its drive, which cost about as much per cell
//! (measured per shard with `brunel --thread-balance`, 300 ms: 0.139,
//! 0.135, 0.067, 0.085, 0.039, 0.188, 0.190, 0.189 and 0.011 s of
//! processor time). Taken largest first, one at a time, the last shards
//! taken are the small ones, so the workers finish close together (with
//! those times: 0.520 and 0.523 s, half the total plus 0.3 %). The slice
//! stays one fork-join on the pool, so a worker that is asleep or
//! descheduled holds nobody up unless it
//! holds a shard: the others take the rest. (A team of workers that each went
//! through every slice, meeting at a spinning barrier, avoids the
//! fork-join per slice, but made Vogels-Abbott CUBA on 2 threads 10-15x
//! slower than the fork-join on the project's shared, loaded 2-core
//! machine: whenever a worker lost its processor, the other waited for it
//! at the next slice.)
//!
//! Results do not depend on which worker runs a shard: each shard runs the
//! same code on the same input, its own ring buffers and every shard's
//! spikes of the previous slice.

use super::shard::{Shard, Spikes};
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The processor time the calling thread has used so far (Linux's
/// per-thread CPU clock; elsewhere the wall clock since a fixed instant):
/// unlike wall-clock time, it does not grow while the thread waits for a
/// processor on a loaded machine.
fn thread_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        #[repr(C)]
        struct Timespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        unsafe extern "C" {
            fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
        }
        /// `CLOCK_THREAD_CPUTIME_ID` (linux/time.h).
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec (64-bit time on the
        // Linux targets std supports with 64-bit pointers); the call has no
        // other effect.
        if cfg!(target_pointer_width = "64") && unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// The estimated cost of a shard per slice of `steps` steps: its cell
/// updates. A heuristic that only balances the load, never changes a
/// result. Measured per shard on Brunel NE = 10 000 (`brunel
/// --thread-balance`, 300 ms): about 11 ns per cell and step for the
/// neurons, their delivery of 1251 synapses per cell at 32 Hz included,
/// and 15 ns for the Poisson drive, which has no incoming synapses; a term
/// for the incoming synapses (one in eight) put the drive last and left
/// one worker 15 % over half the total.
fn cost(sh: &Shard, steps: u64) -> u64 {
    sh.size as u64 * steps.max(1)
}

/// The order in which the shards of a slice are taken, given their
/// estimated costs ([`cost`]): largest first, ties by index.
fn order(costs: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].cmp(&costs[a]).then(a.cmp(&b)));
    order
}

/// The sharing of the shards among the worker threads, and the optional
/// measure of each worker's busy time.
#[derive(Default)]
pub(super) struct Team {
    /// Shards in the order they are taken ([`order`]).
    order: Vec<usize>,
    /// Whether [`Team::run`] measures each worker's busy time.
    pub(super) timing: bool,
    /// Per worker (the pool's thread index): processor time spent on shards.
    pub(super) busy: Vec<Duration>,
    /// Per shard: processor time spent on it in parallel slices.
    pub(super) shard_busy: Vec<Duration>,
}

impl Team {
    /// Orders the shards for the slices of `steps` steps to come (called
    /// at the start of every run: the costs change with the projections).
    pub(super) fn plan(&mut self, shards: &[Shard], steps: u64) {
        let costs: Vec<u64> = shards.iter().map(|sh| cost(sh, steps)).collect();
        self.order = order(&costs);
    }

    /// Runs `task` once for every shard and its spike buffer, on the
    /// threads of `pool` (from inside it), each worker taking the next
    /// shard in [`order`] until none is left.
    pub(super) fn run<F>(&mut self, pool: &rayon::ThreadPool, shards: &mut [Shard], out: &mut [Spikes], task: F)
    where
        F: Fn(&mut Shard, &mut Spikes) + Sync,
    {
        let n = shards.len();
        if self.order.len() != n {
            self.order = (0..n).collect();
        }
        // Each slot is taken once (the counter), so the locks are never
        // contended; they make the sharing checkable by the compiler.
        let slots: Vec<Mutex<(&mut Shard, &mut Spikes)>> = shards.iter_mut().zip(out).map(Mutex::new).collect();
        let threads = pool.current_num_threads().min(n);
        let (next, order) = (AtomicUsize::new(0), &self.order);
        let counters = |k: usize| -> Vec<AtomicU64> {
            if self.timing { (0..k).map(|_| AtomicU64::new(0)).collect() } else { Vec::new() }
        };
        let (busy, per_shard) = (counters(pool.current_num_threads()), counters(n));
        (0..threads).into_par_iter().with_max_len(1).for_each(|_| {
            let t0 = (!busy.is_empty()).then(thread_time);
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&s) = order.get(k) else { break };
                if let Ok(mut slot) = slots[s].lock() {
                    let (sh, out) = &mut *slot;
                    let t = t0.map(|_| thread_time());
                    task(sh, out);
                    if let (Some(t), Some(c)) = (t, per_shard.get(s)) {
                        c.fetch_add((thread_time() - t).as_nanos() as u64, Ordering::Relaxed);
                    }
                }
            }
            if let (Some(t0), Some(i)) = (t0, rayon::current_thread_index()) {
                let spent = (thread_time() - t0).as_nanos() as u64;
                busy.get(i).map(|b| b.fetch_add(spent, Ordering::Relaxed));
            }
        });
        for (sums, counts) in [(&mut self.busy, busy), (&mut self.shard_busy, per_shard)] {
            sums.resize(sums.len().max(counts.len()), Duration::ZERO);
            for (sum, c) in sums.iter_mut().zip(counts) {
                *sum += Duration::from_nanos(c.into_inner());
            }
        }
    }
}

impl super::Native {
    /// Measures the processor time each worker thread spends on shards in
    /// the parallel slices (off by default: two clock reads per worker and
    /// slice). The totals are [`Native::thread_busy`](super::Native::thread_busy).
    pub fn set_thread_timing(&mut self, on: bool) {
        self.team.timing = on;
    }

    /// Per worker thread (the pool's thread index): the processor time spent
    /// delivering to and advancing shards in parallel slices since
    /// [`Native::set_thread_timing`](super::Native::set_thread_timing) was
    /// turned on (per-thread CPU clock on Linux, so that a loaded machine
    /// does not inflate it; empty when off or before a parallel slice).
    /// Busy times that differ tell a load imbalance that wall-clock times
    /// on a loaded machine cannot.
    pub fn thread_busy(&self) -> &[Duration] {
        &self.team.busy
    }

    /// Per shard (in creation order: populations, then cells), measured
    /// like [`Native::thread_busy`](super::Native::thread_busy): the
    /// processor time spent on it. Unlike the per-worker times, which on
    /// a loaded machine also tell which worker had a processor, these are
    /// the costs that the order of the shard scheduler (`team.rs`) balances.
    pub fn shard_busy(&self) -> &[Duration] {
        &self.team.shard_busy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loads of `threads` workers that each take the next shard in
    /// `order` when free, all equally fast (the shared counter's schedule
    /// on an otherwise idle machine).
    fn loads(costs: &[u64], order: &[usize], threads: usize) -> Vec<u64> {
        let mut load = vec![0u64; threads];
        for &s in order {
            let t = (0..threads).min_by_key(|&t| (load[t], t)).unwrap();
            load[t] += costs[s];
        }
        load
    }

    #[test]
    fn largest_first_balances_brunel_on_two_threads() {
        // Brunel NE = 10 000: shards of 4096, 4096, 1808 (exc) and 2048,
        // 452 (inh) cells, equal in-degree, so cost in proportion to cells.
        let costs = [4096u64, 4096, 1808, 2048, 452];
        let o = order(&costs);
        assert_eq!(o, [0, 1, 3, 2, 4]);
        let l = loads(&costs, &o, 2);
        // 6144 and 6356 cells: the slower worker within 2 % of half the
        // total (6250), where the halves of a parallel iterator
        // ([4096, 4096] against [1808, 2048, 452]) give 8192, 31 % over.
        assert_eq!(l.iter().max(), Some(&6356));
        assert!(*l.iter().max().unwrap() as f64 <= 1.02 * costs.iter().sum::<u64>() as f64 / 2.0);
        // Vogels-Abbott: 2048, 1152 (exc), 512, 288 (inh): 2048 / 1952.
        let costs = [2048u64, 1152, 512, 288];
        assert_eq!(loads(&costs, &order(&costs), 2), [2048, 1952]);
        // Brunel's nine shards (neurons, then the Poisson drive) ordered by
        // their cells, run for the processor times measured per shard
        // (ms, `brunel --thread-balance`, 300 ms): 520 and 523 ms, within
        // 1 % of half the total (521.5).
        let cells = [4096u64, 4096, 1808, 2048, 452, 4096, 4096, 4096, 212];
        let measured = [139u64, 135, 67, 85, 39, 188, 190, 189, 11];
        assert_eq!(loads(&measured, &order(&cells), 2), [520, 523]);
        // Ties keep the index order (the order depends on the costs only).
        assert_eq!(order(&[5, 7, 5, 7]), [1, 3, 0, 2]);
    }

    #[test]
    fn thread_time_grows_with_work_not_with_sleep() {
        // 30 ms of sleep cost (almost) no processor time; the Linux clock
        // is the thread's own, so the bound is generous for a loaded
        // machine (10 ms of CPU while sleeping would be a wrong clock).
        if !cfg!(target_os = "linux") {
            return;
        }
        let t0 = thread_time();
        std::thread::sleep(Duration::from_millis(30));
        let slept = thread_time() - t0;
        assert!(slept < Duration::from_millis(10), "{slept:?} of processor time while sleeping");
        let t1 = thread_time();
        let mut x = 1u64;
        while thread_time() - t1 < Duration::from_millis(5) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        assert!(thread_time() - t1 >= Duration::from_millis(5));
    }
}
