//! Run boundaries: slices stay on one grid from time 0 whatever the runs'
//! lengths.
//!
//! Slices are the steps `k slice .. (k + 1) slice` (`slice` is
//! `min_delay`, or the gap-junction window, `gap.rs`). A run that ends
//! within a slice stops there and leaves it *open*: the spikes of its
//! steps so far stay in `Native::pending`, not delivered, and the next run
//! first advances the cells through the rest of the slice (without
//! delivering anything: the slice's input was delivered when it began; a
//! relaxed gap-junction window was relaxed whole then), appends their
//! spikes, and delivers the whole slice at its end as one uninterrupted
//! run does. A cell sums the inputs arriving in one step in delivery order
//! (static rows by projection, then plastic projections, per slice), so
//! delivering a slice in two parts could change sums by rounding; held,
//! `run(a); run(b)` equals `run(a + b)` bit for bit. NEST does the same
//! (`nestkernel/simulation_manager.cpp`, `update_()`: events are gathered
//! only at the end of a `min_delay` slice and delivered only at the start
//! of one; `advance_time_()` resumes a partial slice where it stopped).
//!
//! What a run ending within a slice leaves visible:
//!
//! * recorded spikes and signals: complete up to the end of the run (the
//!   shards record them as they are emitted, `Shard::advance`);
//! * plastic projections: they process the spikes of the open slice at the
//!   end of the run (weights, synaptic state, weight samples up to the
//!   run's end, as before), but the ring-buffer additions they make are
//!   kept ([`Held`]) and made when the slice is delivered, each projection's
//!   before its share of the rest of the slice: the order of one run.
//!   (A pre-synaptic spike reads the post-synaptic history only up to its
//!   time minus its delay, at least `min_delay`, so the later post spikes
//!   of the slice, which enter the history afterwards here and before in
//!   one run, are never read by it.)
//!
//! Changes to synapses between runs ([`Native::close_slice`]: a
//! projection created, weights, delays or synaptic state set) first
//! deliver the open slice's spikes so far with the synapses they were
//! emitted under: a spike keeps the delay and weight in force when it was
//! emitted, and a projection created at time `t` carries nothing emitted
//! before `t` (tests/run_boundaries.rs pins both). The rest of that slice
//! is then a slice of its own (the next run's first slice, ending on the
//! grid). Such a run differs from one without the change anyway, so the
//! sums' order there is free.

use super::shard::Spikes;
use super::{Native, plastic};

/// One ring-buffer addition of a plastic projection, as
/// [`plastic::Sink::add_at`] takes it: receptor, global cell, arrival step,
/// offset (ms), weight.
type Add = (usize, u32, u64, f64, f64);

/// The ring-buffer additions of the plastic projections for the spikes of
/// the open slice up to step `seen`, one list per projection (creation
/// order), not yet made ([`Native::hold_plastic`]).
pub(super) struct Held {
    /// The plastic projections have processed the pending spikes with a
    /// time stamp up to this step.
    pub(super) seen: u64,
    pub(super) adds: Vec<Vec<Add>>,
}

/// A sink that keeps the additions instead of making them.
struct Keep<'a>(&'a mut Vec<Add>);

impl plastic::Sink for Keep<'_> {
    fn add(&mut self, receptor: usize, cell: u32, arrival: u64, w: f64) {
        self.0.push((receptor, cell, arrival, 0.0, w));
    }

    fn add_at(&mut self, receptor: usize, cell: u32, arrival: u64, offset: f64, w: f64) {
        self.0.push((receptor, cell, arrival, offset, w));
    }
}

impl Held {
    /// Makes projection `p`'s kept additions into `sink`, in their order.
    pub(super) fn replay(&self, p: usize, sink: &mut impl plastic::Sink) {
        for &(receptor, cell, arrival, offset, w) in self.adds.get(p).map_or(&[][..], Vec::as_slice) {
            sink.add_at(receptor, cell, arrival, offset, w);
        }
    }
}

impl Spikes {
    /// Appends the steps of `other` (spikes of the steps that follow).
    fn append(&mut self, other: &Spikes) {
        let base = self.list.len();
        self.list.extend_from_slice(&other.list);
        self.bounds.extend(other.bounds.iter().skip(1).map(|b| b + base));
        self.mult.extend_from_slice(&other.mult);
        self.offs.extend_from_slice(&other.offs);
        self.cell.extend_from_slice(&other.cell);
        self.stamp.extend_from_slice(&other.stamp);
    }

    /// Closes empty steps until there are `steps` (the shards of a
    /// population created while a slice was open have none for its first
    /// part; delivery reads every shard's steps by index).
    fn pad_steps(&mut self, steps: usize) {
        while self.bounds.len() <= steps {
            self.end_step();
        }
    }
}

impl Native {
    /// Advances through the next slice, or through the rest of the open
    /// one, at most to `step`; a slice not finished stays open.
    pub(super) fn next_slice(&mut self, step: u64, slice: u64) {
        let a = self.step;
        let (end, resume) = match self.open.take() {
            Some(end) => (end, true),
            None => ((a / slice + 1) * slice, false),
        };
        let b = end.min(step);
        if resume {
            self.resume_slice(a, b);
        } else {
            if !self.gaps.is_empty() {
                self.apply_gaps(slice);
            }
            self.run_slice(a, b);
        }
        self.step = b;
        if b < end {
            self.open = Some(end);
        }
    }

    /// Advances the shards through steps `a..b` of the open slice without
    /// delivering anything, and appends their spikes to the slice's.
    fn resume_slice(&mut self, a: u64, b: u64) {
        let empty = || {
            let mut s = Spikes::default();
            s.clear();
            s
        };
        let nothing: Vec<Spikes> = self.shards.iter().map(|_| empty()).collect();
        let held = std::mem::replace(&mut self.pending, nothing);
        let upto = self.pending_upto.take();
        // Delivers nothing (no spikes, and plastic projections are told
        // nothing), advances into `next`, then swaps it into `pending`.
        self.run_slice(a, b);
        let part = std::mem::replace(&mut self.pending, held);
        let steps = self.pending.iter().map(|s| s.bounds.len() - 1).max().unwrap_or(0);
        for (h, p) in self.pending.iter_mut().zip(&part) {
            h.pad_steps(steps);
            h.append(p);
        }
        self.next = part;
        debug_assert!(upto.is_some_and(|u| u == a));
        self.pending_upto = Some(b);
    }

    /// The end of a run: the spikes of a finished slice are delivered (so
    /// that changes between runs act on later spikes only); those of an
    /// open slice are held, and the plastic projections process them now
    /// ([`Native::hold_plastic`]).
    pub(super) fn end_run(&mut self) {
        if self.open.is_none() {
            self.deliver_pending();
        } else {
            self.hold_plastic();
        }
    }

    /// Lets every plastic projection process the pending spikes it has
    /// not seen (of the open slice, up to the current step), keeping its
    /// ring-buffer additions for the slice's delivery ([`Held`]).
    fn hold_plastic(&mut self) {
        if self.plastic.is_empty() {
            return;
        }
        let (spikes, offs) = self.pending_global();
        let n = self.plastic.len();
        let mut held = self.held.take().unwrap_or_else(|| Held { seen: 0, adds: vec![Vec::new(); n] });
        let from = spikes.partition_point(|s| s.1 <= held.seen);
        let offs = offs.get(from..).unwrap_or(&[]);
        let upto = self.step;
        for (p, adds) in self.plastic.iter_mut().zip(&mut held.adds) {
            p.deliver_offsets(&spikes[from..], offs, upto, &mut Keep(adds));
        }
        held.seen = upto;
        self.held = Some(held);
    }

    /// Delivers the spikes of the open slice so far, with the synapses as
    /// they are, and ends the slice there (called before the synapses
    /// change between runs: see the module doc).
    pub(super) fn close_slice(&mut self) {
        if self.open.take().is_some() {
            let pool = std::sync::Arc::clone(&self.pool);
            pool.install(|| self.deliver_pending());
        }
    }
}
