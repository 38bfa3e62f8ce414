//! How the shards of a slice are shared among the worker threads: by a
//! fork-join per slice ([`Team::run`]) or by persistent workers that hand
//! the slices on among themselves ([`Relay`], `Native::run_relay`).
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
//! those times: 0.520 and 0.523 s, half the total plus 0.3 %).
//!
//! [`Team::run`] is one fork-join on the pool per slice: its workers take
//! the shards in that order. It serves the slices that have serial work
//! between them (plastic projections, gap junctions) and small networks.
//! With `Native::set_relay` (off by default: not yet measured faster on
//! the project's shared machine), every other run of slices goes to a
//! [`Relay`]: the pool's threads
//! stay in one job for the whole run and each claims shards of the open
//! slice, its own share first (the same shards every slice, dealt
//! largest first as above, so that their state stays in its core's cache),
//! then the others' from their small end; whoever finishes a slice's last
//! shard opens the next. A fork-join costs about as much as a slice of
//! Vogels-Abbott CUBA (2 steps of 4000 cells, 10 us); the relay's hand-over
//! is a few atomic operations. Like the fork-join, and unlike a barrier that
//! every worker must reach, a worker that is asleep or descheduled holds
//! nobody up unless it holds a shard: the others take the rest. (A team of
//! workers that each went through every slice, meeting at a spinning
//! barrier, made Vogels-Abbott CUBA on 2 threads 10-15x slower than the
//! fork-join on the project's shared, loaded 2-core machine: whenever a
//! worker lost its processor, the other waited for it at the next slice.)
//! A worker with nothing to claim spins briefly, then yields, then parks
//! (bounded), so that a waiter does not starve the worker it waits for.
//! And since slices shared by two threads advance only while both have a
//! processor, the relay counts the slices in which a worker waited for the
//! holder of a shard longer than it worked itself; when they are many, one
//! worker runs the next slices alone for a while (measured: Vogels-Abbott
//! CUBA on 2 threads beside two busy loops took 3x the one-thread time with
//! the fork-join, 1.1-1.3x with the relay). A panic in a task stops every
//! worker and comes back as the run's error.
//!
//! Results do not depend on which worker runs a shard: each shard runs the
//! same code on the same input, its own ring buffers and every shard's
//! spikes of the previous slice.

use super::delivery::PARALLEL_WORK;
use super::shard::{Shard, Spikes};
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
    /// Whether runs of slices may go to a [`Relay`] (`Native::set_relay`).
    pub(super) relay: bool,
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

/// How long a worker without a shard to take spins on the slice's state
/// before it yields its processor: about a slice of Vogels-Abbott CUBA on
/// two threads, so that on an idle machine the wait for the other worker's
/// last shard never leaves user space.
const SPIN: Duration = Duration::from_micros(20);

/// How long it then yields (`sched_yield`) before it parks: the shard
/// holder may be waiting for this very processor on a loaded machine.
const YIELD: Duration = Duration::from_micros(50);

/// The longest a parked worker sleeps before it looks again (a bound, not
/// the usual wake-up: the worker that opens a slice unparks it).
const PARK: Duration = Duration::from_millis(1);

/// A worker that found nothing to claim in this many slices in a row
/// (the others claimed every shard: it has no processor of its own, or
/// came late every time) looks again only every [`PARK`], without being
/// woken at each slice: on a machine where the workers share a processor,
/// waking it at every slice would make the working one pay for a system
/// call and give its processor to a waiter.
const IDLE: u64 = 8;

/// A worker that waited this much longer for the end of a slice than it
/// worked in the slice counts a stall: the slice took longer than if it
/// had run every shard itself, a sign that the holder of the last shard
/// lost its processor.
const STALL: Duration = Duration::from_micros(50);

/// Slices over which stalls are counted: when at least a quarter of them
/// stalled, the next [`SOLO`] slices run on one worker.
const WINDOW: u64 = 64;

/// Slices run by one worker (the others parked) after a window of stalls,
/// at most, and for at most [`SOLO_TIME`], before the workers share slices
/// again and count anew. On a loaded machine, slices shared by two
/// threads advance only while both have a processor; one thread alone
/// advances whenever it has one.
const SOLO: u64 = 2048;

/// The longest a worker runs slices alone ([`SOLO`]): about 2000 slices of
/// Vogels-Abbott CUBA, 8 of Brunel NE = 10 000, whose long slices would
/// otherwise stay on one worker for seconds after a burst of load.
const SOLO_TIME: Duration = Duration::from_millis(20);

/// The hand-over of a run of slices among persistent workers
/// ([`Relay::run`]).
///
/// Every worker claims shards of the open slice, its own ones first (its
/// [`homes`] list: the same shards every slice, so that their state stays
/// in its core's cache), then the others' from the back of their lists
/// (the small ones), until none is left; the worker that finishes a
/// slice's last shard opens the next slice. A worker that finds every
/// shard of the slice claimed waits for the next one: it spins for
/// [`SPIN`], yields for [`YIELD`], then parks (at most [`PARK`] at a time).
/// No worker waits for another one unless that one holds a shard of the
/// open slice: a worker that is descheduled between shards, or never
/// starts, holds nobody up, the others take its shards. (The spinning
/// barrier that the module doc tells about waited for every worker at every
/// slice.) When waits for a shard's holder keep making slices slower than
/// one worker would be ([`STALL`], [`WINDOW`]), one worker runs the next
/// [`SOLO`] slices alone.
struct Relay<'a> {
    /// Per worker: the shards it claims, in turn ([`homes`]).
    prefs: &'a [Vec<usize>],
    /// Shards per slice.
    n: u64,
    /// Slices of the run.
    slices: u64,
    /// The open slice.
    state: AtomicU64,
    /// Per shard: the slices it has been claimed for (it is free in the
    /// open slice `i` while this is `i`).
    claimed: Vec<AtomicU64>,
    /// Shard tasks finished in all (slice `i` is complete at `(i + 1) n`).
    done: AtomicU64,
    /// Slices before this one are run by `soloist` alone; `solos`
    /// counts the periods of it.
    solo_until: AtomicU64,
    soloist: AtomicUsize,
    solos: AtomicU64,
    /// Stalls counted in the current window of slices.
    stalls: AtomicU64,
    /// Set when a task panicked: every worker stops.
    failed: AtomicBool,
    /// The first panic's payload.
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    /// Parked workers, to be unparked when a slice opens; `parked` is
    /// its length, read without the lock.
    sleepers: Mutex<Vec<std::thread::Thread>>,
    parked: AtomicUsize,
    /// Per worker (the pool's thread index, when timing): processor time
    /// on shards; per shard: the same.
    busy: Vec<AtomicU64>,
    per_shard: Vec<AtomicU64>,
}

/// The shards each of `workers` claims in turn: its own share first (the
/// shards in `order` dealt to the least loaded worker by `costs`, largest
/// first, as [`order`] alone would share them on an idle machine), then
/// every other worker's share from its end.
fn homes(costs: &[u64], order: &[usize], workers: usize) -> Vec<Vec<usize>> {
    let workers = workers.max(1);
    let (mut own, mut load) = (vec![Vec::new(); workers], vec![0u64; workers]);
    for &s in order {
        let w = (0..workers).min_by_key(|&w| (load[w], w)).unwrap_or(0);
        load[w] += costs.get(s).copied().unwrap_or(0);
        own[w].push(s);
    }
    (0..workers)
        .map(|w| {
            let mut list = own[w].clone();
            for v in (w + 1..workers).chain(0..w) {
                list.extend(own[v].iter().rev());
            }
            list
        })
        .collect()
}

impl<'a> Relay<'a> {
    fn new(prefs: &'a [Vec<usize>], n: usize, slices: u64, timing: bool, threads: usize) -> Self {
        let counters = |k: usize| -> Vec<AtomicU64> { (0..k).map(|_| AtomicU64::new(0)).collect() };
        Relay {
            prefs,
            n: n as u64,
            slices,
            state: AtomicU64::new(0),
            claimed: counters(n),
            done: AtomicU64::new(0),
            solo_until: AtomicU64::new(0),
            soloist: AtomicUsize::new(0),
            solos: AtomicU64::new(0),
            stalls: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            panic: Mutex::new(None),
            sleepers: Mutex::new(Vec::new()),
            parked: AtomicUsize::new(0),
            busy: if timing { counters(threads) } else { Vec::new() },
            per_shard: if timing { counters(n) } else { Vec::new() },
        }
    }

    /// Runs `task(i, s)` for every slice `i < slices` and shard `s`, on
    /// the calling thread and up to `pool`'s other threads (from inside
    /// it): all of slice `i` finishes before any of slice `i + 1` starts
    /// (acquire/release through `done` and `state`), each `(i, s)` runs
    /// exactly once. A panicking task stops every worker; its payload is
    /// the error.
    fn run<F>(&self, pool: &rayon::ThreadPool, task: &F) -> std::result::Result<(), Box<dyn std::any::Any + Send>>
    where
        F: Fn(u64, usize) + Sync,
    {
        let helpers = pool.current_num_threads().min(self.prefs.len()).saturating_sub(1);
        if self.slices > 0 && self.n > 0 {
            // The helpers are jobs on the pool: one that starts late finds
            // the work done (or claimed) and returns at once; one that
            // never starts is run, as an empty job, by this thread when
            // the scope ends.
            rayon::scope(|scope| {
                for _ in 0..helpers {
                    scope.spawn(|_| self.work(task));
                }
                self.work(task);
            });
        }
        match self.panic.lock().map(|mut p| p.take()) {
            Ok(Some(payload)) => Err(payload),
            Ok(None) => Ok(()),
            Err(poisoned) => Err(Box::new(format!("{poisoned}"))),
        }
    }

    /// Claims a free shard of slice `i` for worker `me`, in its order.
    fn claim(&self, me: usize, i: u64) -> Option<usize> {
        self.prefs[me].iter().copied().find(|&s| {
            let c = &self.claimed[s];
            c.load(Ordering::Relaxed) == i && c.compare_exchange(i, i + 1, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        })
    }

    /// One worker: claims shards of the open slice until the run ends.
    fn work<F: Fn(u64, usize) + Sync>(&self, task: &F) {
        let me = rayon::current_thread_index().unwrap_or(0) % self.prefs.len().max(1);
        let timing = !self.busy.is_empty();
        let mut spent = Duration::ZERO;
        // Wall-clock time worked in slice `worked.0`.
        let mut worked = (u64::MAX, Duration::ZERO);
        // When this worker started running slices alone.
        let mut solo_since = Instant::now();
        // Slices in a row in which it claimed nothing, and the last one.
        let (mut idle, mut last_idle) = (0u64, u64::MAX);
        loop {
            let i = self.state.load(Ordering::Acquire);
            if i >= self.slices || self.failed.load(Ordering::Relaxed) {
                break;
            }
            if i < self.solo_until.load(Ordering::Relaxed) && self.soloist.load(Ordering::Relaxed) != me {
                std::thread::park_timeout(PARK);
                continue;
            }
            let Some(shard) = self.claim(me, i) else {
                if worked.0 != i && last_idle != i {
                    (idle, last_idle) = (idle + 1, i);
                }
                if idle >= IDLE {
                    std::thread::park_timeout(PARK);
                    continue;
                }
                let t = Instant::now();
                self.wait(i);
                let own = if worked.0 == i { worked.1 } else { Duration::ZERO };
                if t.elapsed() > own + STALL {
                    self.stalls.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            };
            idle = 0;
            let (t, wall) = (timing.then(thread_time), Instant::now());
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task(i, shard)));
            if worked.0 != i {
                worked = (i, Duration::ZERO);
            }
            worked.1 += wall.elapsed();
            if let Some(t) = t {
                let d = thread_time() - t;
                spent += d;
                self.per_shard[shard].fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
            }
            if let Err(payload) = ran {
                if let Ok(mut p) = self.panic.lock() {
                    p.get_or_insert(payload);
                }
                self.failed.store(true, Ordering::SeqCst);
                self.wake();
                break;
            }
            if self.done.fetch_add(1, Ordering::AcqRel) + 1 == (i + 1) * self.n {
                // The slice's last shard: open the next slice.
                let next = i + 1;
                let solo_until = self.solo_until.load(Ordering::Relaxed);
                if next < solo_until && solo_since.elapsed() > SOLO_TIME {
                    // Alone long enough: share the slices again (from a
                    // window boundary, so that the next window is whole).
                    let end = next.next_multiple_of(WINDOW);
                    self.solo_until.store(end, Ordering::Relaxed);
                } else if next.is_multiple_of(WINDOW)
                    && next >= solo_until
                    && self.stalls.swap(0, Ordering::Relaxed) * 4 >= WINDOW
                {
                    self.soloist.store(me, Ordering::Relaxed);
                    self.solo_until.store(next + SOLO, Ordering::Relaxed);
                    self.solos.fetch_add(1, Ordering::Relaxed);
                    solo_since = Instant::now();
                }
                self.state.store(next, Ordering::SeqCst);
                self.wake();
            }
        }
        if let (true, Some(w)) = (timing, rayon::current_thread_index()) {
            self.busy.get(w).map(|b| b.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed));
        }
    }

    /// Waits until the open slice is no longer `i` (or a task failed):
    /// spins, then yields, then parks.
    fn wait(&self, i: u64) {
        let moved = || self.state.load(Ordering::SeqCst) != i || self.failed.load(Ordering::SeqCst);
        let t0 = Instant::now();
        while t0.elapsed() < SPIN {
            for _ in 0..16 {
                std::hint::spin_loop();
            }
            if moved() {
                return;
            }
        }
        while t0.elapsed() < SPIN + YIELD {
            std::thread::yield_now();
            if moved() {
                return;
            }
        }
        let me = std::thread::current();
        if let Ok(mut list) = self.sleepers.lock() {
            if !list.iter().any(|t| t.id() == me.id()) {
                list.push(me);
            }
            self.parked.store(list.len(), Ordering::SeqCst);
        }
        // Either the opener sees `parked` > 0 and unparks this thread, or
        // this load sees the new state (both sides SeqCst); the timeout
        // bounds the wait whatever happens.
        if !moved() {
            std::thread::park_timeout(PARK);
        }
    }

    /// Unparks the parked workers (a slice opened, or a task failed).
    fn wake(&self) {
        if self.parked.load(Ordering::SeqCst) == 0 {
            return;
        }
        let list = match self.sleepers.lock() {
            Ok(mut list) => {
                self.parked.store(0, Ordering::SeqCst);
                std::mem::take(&mut *list)
            }
            Err(_) => return,
        };
        list.iter().for_each(std::thread::Thread::unpark);
    }

    /// Adds the measured times to `team`'s totals.
    fn account(self, team: &mut Team) {
        for (sums, counts) in [(&mut team.busy, self.busy), (&mut team.shard_busy, self.per_shard)] {
            sums.resize(sums.len().max(counts.len()), Duration::ZERO);
            for (sum, c) in sums.iter_mut().zip(counts) {
                *sum += Duration::from_nanos(c.into_inner());
            }
        }
    }
}

/// Current-source values computed at once for the slices of one relay run
/// (sources x steps): beyond it, a run of slices is cut into several relay
/// runs (one fork-join each).
const VALUES: u64 = 1 << 16;

/// Access, shared among the workers of a relay run, to the shards and the
/// two spike buffers: slice `i` reads `bufs[i % 2]` (the spikes of slice
/// `i - 1`, of every shard) and writes `bufs[(i + 1) % 2][s]` for its
/// shard `s`.
struct Cells<'a> {
    shards: *mut Shard,
    bufs: [*mut Spikes; 2],
    n: usize,
    _borrow: std::marker::PhantomData<&'a mut [Shard]>,
}

// SAFETY: `Cells` hands out the shards and buffers it borrows to one
// worker at a time under the relay's protocol ([`Cells::get`]); shards and
// spike buffers are `Send` (the fork-join of `Team::run` moves them too).
unsafe impl Sync for Cells<'_> {}

impl<'a> Cells<'a> {
    fn new(shards: &'a mut [Shard], pending: &'a mut [Spikes], next: &'a mut [Spikes]) -> Self {
        assert!(pending.len() == shards.len() && next.len() == shards.len(), "one spike buffer per shard");
        Cells {
            n: shards.len(),
            shards: shards.as_mut_ptr(),
            bufs: [pending.as_mut_ptr(), next.as_mut_ptr()],
            _borrow: std::marker::PhantomData,
        }
    }

    /// Shard `s`, the spikes of slice `i - 1` and shard `s`'s buffer for
    /// the spikes of slice `i`.
    ///
    /// # Safety
    /// Only from the task `(i, s)` of a [`Relay`] run: each task runs
    /// once, alone on its shard and its output buffer, and every task of
    /// slice `i - 1` (the writers of `bufs[i % 2]`, and the readers of
    /// `bufs[(i + 1) % 2]`) has finished before any task of slice `i`
    /// starts, with a happens-before edge ([`Relay::run`]).
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self, i: u64, s: usize) -> (&mut Shard, &[Spikes], &mut Spikes) {
        assert!(s < self.n);
        let (input, output) = (self.bufs[(i % 2) as usize], self.bufs[((i + 1) % 2) as usize]);
        // SAFETY: `s < n`, the three pointers cover `n` live elements
        // (borrowed for `'a`), `input` and `output` are different buffers,
        // and the caller's contract excludes any other access to shard `s`,
        // to `output[s]`, and any write to `input`, while these live.
        unsafe { (&mut *self.shards.add(s), std::slice::from_raw_parts(input, self.n), &mut *output.add(s)) }
    }
}

impl super::Native {
    /// Whether the slices of `slice` steps run on a [`Relay`]: several
    /// threads and shards, enough cell steps per slice
    /// ([`PARALLEL_WORK`]), and nothing between slices (plastic
    /// projections and gap junctions have their own serial steps there).
    pub(super) fn relay_fits(&self, slice: u64) -> bool {
        self.team.relay
            && self.plastic.is_empty()
            && self.gaps.is_empty()
            && self.pool.current_num_threads() > 1
            && self.shards.len() > 1
            && self.owner.len() as u64 * slice >= PARALLEL_WORK
    }

    /// Advances to `step` in slices of `slice` steps on a [`Relay`] of
    /// the pool's threads (from inside the pool): the same tasks as the
    /// slice loop of `delivery.rs` (each shard delivers the previous
    /// slice's spikes, then advances), so the same results, without a
    /// fork-join per slice. `Err` holds the payload of a task's panic.
    pub(super) fn run_relay(
        &mut self,
        step: u64,
        slice: u64,
    ) -> std::result::Result<(), Box<dyn std::any::Any + Send>> {
        let threads = self.pool.current_num_threads();
        if self.team.order.len() != self.shards.len() {
            self.team.order = (0..self.shards.len()).collect();
        }
        let costs: Vec<u64> = self.shards.iter().map(|sh| cost(sh, slice)).collect();
        let n_shards = self.shards.len();
        let prefs = homes(&costs, &self.team.order, threads.min(n_shards));
        let sources = self.currents.iter().flatten().count() as u64;
        while self.step < step {
            let a0 = self.step;
            let left = (step - a0).div_ceil(slice);
            let slices = if sources == 0 { left } else { (VALUES / (sources * slice)).clamp(1, left) };
            let bounds = |i: u64| ((a0 + i * slice).min(step), (a0 + (i + 1) * slice).min(step));
            // Current-source values per slice and source (empty for a
            // removed source), as the slice loop computes them.
            let values: Vec<Vec<Vec<f64>>> = (0..slices)
                .map(|i| {
                    let (a, b) = bounds(i);
                    let sample = |cur: &Option<super::shard::Current>| {
                        let mut v = Vec::new();
                        if let Some(cur) = cur {
                            cur.spec.sample(self.dt, a, b, &mut v);
                        }
                        v
                    };
                    self.currents.iter().map(sample).collect()
                })
                .collect();
            let cells = Cells::new(&mut self.shards, &mut self.pending, &mut self.next);
            let (shard_lo, ring_len) = (&self.shard_lo, self.ring_len);
            let task = |i: u64, s: usize| {
                let (a, b) = bounds(i);
                // SAFETY: called by the relay as task (i, s).
                let (sh, input, out) = unsafe { cells.get(i, s) };
                sh.deliver(input, shard_lo, ring_len);
                sh.advance(a, b, ring_len, &values[i as usize], out);
            };
            let relay = Relay::new(&prefs, n_shards, slices, self.team.timing, threads);
            let ran = relay.run(&self.pool, &task);
            relay.account(&mut self.team);
            ran?;
            // The last slice (`slices - 1`) wrote `bufs[slices % 2]`.
            if slices % 2 == 1 {
                std::mem::swap(&mut self.pending, &mut self.next);
            }
            self.step = bounds(slices - 1).1;
            self.pending_upto = Some(self.step);
        }
        Ok(())
    }

    /// Runs the slices on a relay of persistent workers instead of one
    /// fork-join per slice, where nothing happens between slices (no
    /// plastic projections, no gap junctions; `team.rs`). Off by default:
    /// on the project's shared 2-core machine it was measured slower than
    /// the fork-join for Vogels-Abbott CUBA on 2 threads (0.085-0.112 s
    /// against 0.056-0.078 s; one worker waited for a processor the whole
    /// run), level for Brunel; results are bit-identical either way.
    pub fn set_relay(&mut self, on: bool) {
        self.team.relay = on;
    }

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

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
    }

    #[test]
    fn relay_runs_every_task_once_and_slices_in_order() {
        // 5 shards of unequal cost, 300 slices, 2 and 3 workers: every
        // (slice, shard) runs once, and every task of a slice sees the
        // whole previous slice finished (the relay's promise that makes
        // the shared spike buffers safe).
        for threads in [2, 3] {
            let costs = [40u64, 10, 30, 20, 5];
            let o = order(&costs);
            let prefs = homes(&costs, &o, threads);
            let (n, slices) = (costs.len(), 300u64);
            let finished: Vec<AtomicU64> = (0..slices).map(|_| AtomicU64::new(0)).collect();
            let runs: Vec<Mutex<Vec<u64>>> = (0..n).map(|_| Mutex::new(Vec::new())).collect();
            let violations = AtomicUsize::new(0);
            let task = |i: u64, s: usize| {
                if i > 0 && finished[i as usize - 1].load(Ordering::Acquire) != n as u64 {
                    violations.fetch_add(1, Ordering::Relaxed);
                }
                // Some work of a shard's size, so that workers overlap.
                let mut x = 0u64;
                for k in 0..costs[s] * 50 {
                    x = std::hint::black_box(x.wrapping_add(k));
                }
                runs[s].lock().unwrap().push(i);
                finished[i as usize].fetch_add(1, Ordering::Release);
            };
            let p = pool(threads);
            let relay = Relay::new(&prefs, n, slices, true, threads);
            p.install(|| relay.run(&p, &task)).unwrap();
            assert_eq!(violations.load(Ordering::Relaxed), 0, "{threads} threads");
            for (s, r) in runs.iter().enumerate() {
                let r = r.lock().unwrap();
                assert_eq!(*r, (0..slices).collect::<Vec<_>>(), "shard {s}, {threads} threads");
            }
            assert_eq!(relay.done.load(Ordering::Relaxed), slices * n as u64);
        }
    }

    #[test]
    fn a_panicking_task_is_an_error_not_a_hang() {
        // Shard 2 panics in slice 40: the run returns the panic's payload
        // and every worker stops (the call returns; 20 s is a generous
        // bound for 40 slices of no work on a loaded machine). Slices
        // after 40 never start.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let prefs = homes(&[1, 1, 1, 1], &[0, 1, 2, 3], 2);
            let late = AtomicUsize::new(0);
            let task = |i: u64, s: usize| {
                if i == 40 && s == 2 {
                    panic!("shard 2 fails");
                }
                if i > 40 {
                    late.fetch_add(1, Ordering::Relaxed);
                }
            };
            let p = pool(2);
            let relay = Relay::new(&prefs, 4, 1000, false, 2);
            let r = p.install(|| relay.run(&p, &task));
            let message = r.err().and_then(|e| e.downcast_ref::<&str>().map(|m| m.to_string()));
            let _ = tx.send((message, late.load(Ordering::Relaxed)));
        });
        let (message, late) = rx.recv_timeout(Duration::from_secs(20)).expect("the relay returned");
        assert_eq!(message.as_deref(), Some("shard 2 fails"));
        assert_eq!(late, 0);
    }

    #[test]
    fn a_stalling_worker_hands_the_slices_to_one_worker() {
        // Shard 0 takes 2 ms in every slice, as if its holder lost its
        // processor, while the other shards take nothing: the other worker
        // waits 2 ms for every slice, far more than it works (`STALL`),
        // so after one window the slices run on one worker ([`SOLO`]),
        // and still every task runs once, in slice order.
        let prefs = homes(&[2, 1, 1, 1], &[0, 1, 2, 3], 2);
        let slices = 2 * WINDOW;
        let runs: Vec<Mutex<Vec<u64>>> = (0..4).map(|_| Mutex::new(Vec::new())).collect();
        // Per slice: a bit per worker that ran one of its shards.
        let workers: Vec<AtomicUsize> = (0..slices).map(|_| AtomicUsize::new(0)).collect();
        let task = |i: u64, s: usize| {
            if s == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
            workers[i as usize].fetch_or(1 << rayon::current_thread_index().unwrap_or(0), Ordering::Relaxed);
            runs[s].lock().unwrap().push(i);
        };
        let p = pool(2);
        let relay = Relay::new(&prefs, 4, slices, false, 2);
        p.install(|| relay.run(&p, &task)).unwrap();
        // On a loaded machine the second worker may not have had a
        // processor in the first window (then the first ran every slice
        // alone, and nobody waited): the hand-over is asserted when the two
        // shared at least half of the window's slices (then at least a
        // quarter stalled).
        let shared = workers[..WINDOW as usize].iter().filter(|w| w.load(Ordering::Relaxed) == 3).count();
        if shared >= WINDOW as usize / 2 {
            assert!(relay.solos.load(Ordering::Relaxed) >= 1, "{shared} slices shared");
            // Solo: one worker ran every shard of the next slices (5
            // slices of 2 ms, within `SOLO_TIME`); then at most `SOLO_TIME`
            // later, the second window's end (a window boundary), the
            // two shared the slices again.
            let next = &workers[WINDOW as usize..WINDOW as usize + 5];
            assert!(next.iter().all(|w| w.load(Ordering::Relaxed).count_ones() == 1));
            assert_eq!(relay.solo_until.load(Ordering::Relaxed), 2 * WINDOW);
        }
        for r in &runs {
            assert_eq!(*r.lock().unwrap(), (0..slices).collect::<Vec<_>>());
        }
    }

    #[test]
    fn homes_share_brunel_like_largest_first() {
        // Brunel's nine shards (measured costs, ms): each worker's own
        // share is what the one-at-a-time order deals it on an idle
        // machine (520 and 523 ms, as above), then the other's from its end.
        let cells = [4096u64, 4096, 1808, 2048, 452, 4096, 4096, 4096, 212];
        let measured = [139u64, 135, 67, 85, 39, 188, 190, 189, 11];
        let o = order(&cells);
        let h = homes(&measured, &o, 2);
        // Dealt largest first (cells) to the less loaded worker (ms):
        // 0 (139), 6 (190), 3, 2, 4 for 520 ms; 1, 5, 7, 8 for 523 ms.
        assert_eq!(o, [0, 1, 5, 6, 7, 3, 2, 4, 8]);
        assert_eq!(h, [vec![0, 6, 3, 2, 4, 8, 7, 5, 1], vec![1, 5, 7, 8, 4, 2, 3, 6, 0]]);
        let share = |own: &[usize]| own.iter().map(|&s| measured[s]).sum::<u64>();
        assert_eq!((share(&h[0][..5]), share(&h[1][..4])), (520, 523));
        // One worker: everything in order.
        assert_eq!(homes(&measured, &o, 1), vec![o.clone()]);
    }
}
