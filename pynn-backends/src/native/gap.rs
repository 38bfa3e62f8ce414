//! Gap junctions (`ElectricalSynapse`, [`SynapseKind::Gap`](pynn_core::backend::SynapseKind::Gap)) on the native
//! engine.
//!
//! A junction of conductance `g` (uS) between cells `a` (pre) and `b`
//! (post) injects `g (v_a - v_b)` (nA) into `b` and the opposite into `a`.
//! With junctions present the engine's slices are the relaxation windows:
//! `min_delay`, at most `wfr_comm_interval` = 1 ms, when every coupled
//! cell is relaxed (as NEST's), and one step when any coupled cell is
//! explicit (it needs every step's potentials); networks without
//! junctions keep their `min_delay` slices. Chemical spikes are delivered
//! per slice as without junctions (their delays are at least `min_delay`,
//! so they still arrive at their step; tested against one-step slices and
//! NEST). Everything below runs between slices: the sums on the calling
//! thread in a fixed order (coupled cells sorted, junctions in projection
//! creation order, then list order), the independent trials of one
//! relaxation iteration per shard on the pool when there are many;
//! results are bit-identical for any thread count.
//!
//! # Waveform relaxation (kernels with a [`GapCell`] side: `HH_cond_exp`)
//!
//! What NEST 3.10 does for its gap-capable models (`gap_junction`
//! connections into `hh_cond_beta_gap_traub` or `hh_psc_alpha_gap`, the
//! only models of NEST 3.10 that handle `GapJunctionEvent`: `models/`),
//! which the engine reproduces window for window:
//!
//! * `nestkernel/simulation_manager.cpp`, `update_()`: before each
//!   `min_delay` slice every WFR node runs `wfr_update` over the whole
//!   slice (a run ending within a slice still relaxes the whole slice),
//!   the gap events (one set of coefficients per step of the slice) are
//!   exchanged, and this repeats until no node reports a change above
//!   `wfr_tol` (1e-4 mV) at any step of the slice, or `wfr_max_iterations`
//!   (15) iterations are done (NEST then logs a warning and goes on). Then
//!   the ordinary update commits the slice. Gap connections have no delay
//!   but count as one of `wfr_comm_interval` (1 ms) in NEST's `min_delay`
//!   (`nestkernel/connector_model_impl.h`), so the window is `min_delay`
//!   capped at 1 ms; PyNN's default `min_delay` is one step.
//! * `models/hh_cond_beta_gap_traub.cpp`, `update_()` and `wfr_update` (in
//!   the header): an iteration integrates the cell through the slice from
//!   its saved state (restored afterwards; the adaptive step size
//!   `IntegrationStep_` is not restored), with the injected current held at
//!   the slice's first value (`B_.I_stim_` is only updated by the
//!   committing update) and the synaptic input of each step added
//!   (`get_value_wfr_update`), and sends for each step the cubic Hermite
//!   coefficients of its own potential in the step's fraction `s`: `c0 =
//!   v_i`, `c1 = hf_i`, `c2 = -3 v_i + 3 v_i+1 - 2 hf_i - hf_i+1`, `c3 = 2
//!   v_i - 2 v_i+1 + hf_i + hf_i+1`, `hf = dt dv/dt` evaluated with the
//!   cell's right-hand side at the step's start and end. It reports a
//!   change when `|v_i+1 - v_i+1(previous iteration)| > wfr_tol` at any
//!   step; the previous values are reset to 0 by every committing update,
//!   so at least two iterations run. The interpolation order is NEST's
//!   default `wfr_interpolation_order` 3 (cubic).
//! * `handle(GapJunctionEvent)`: a cell sums `g` over its junctions and `g`
//!   times each partner's coefficients; its right-hand side
//!   (`hh_cond_beta_gap_traub_dynamics`) adds the junction current `-(sum g)
//!   v + sum g (c0 + c1 s + c2 s^2 + c3 s^3)` with the coefficients of the
//!   current step (`B_.lag_`): its own potential implicit, the partners' as
//!   the previous iteration's cubics.
//! * The committing update integrates with the coefficients of the last
//!   iteration and sends constant coefficients (`c0` = its potential at the
//!   end of the slice, for every step), which the first iteration of the
//!   next slice uses.
//!
//! Here `Native::apply_gaps` runs those iterations before each slice (the
//! trials are [`GapCell::trial`], which restore the cell's state and keep
//! the step size as NEST does; the injected current is the slice's first
//! step's, summed from the same current sources in the same order as the
//! shard sums them; the synaptic input is read from the shard's rings,
//! into which the previous slice's spikes are delivered first), then hands
//! each coupled cell its junction of the last iteration for every step of
//! the slice ([`GapCell::set_junction`]), which the kernel's ordinary steps
//! commit. A run that ends within a slice relaxes the whole window, as
//! NEST does, and commits its part; the next run finishes the window with
//! the junctions of that relaxation (`boundary.rs`), so runs split
//! anywhere equal one run bit for bit. A junction created or set between
//! runs ends the open window there: the next run relaxes a new one from
//! that step to the grid.
//!
//! # Explicit scheme (every other cell type)
//!
//! A coupled cell whose kernel has no [`GapCell`] side (e.g. the
//! integrate-and-fire models, which NEST cannot couple) is coupled
//! explicitly: one snapshot of `v` before every step, and the cell
//! receives the sum of its junction currents from the snapshot as an
//! injected current held through the step, like a current source; its
//! kernel integrates it with its usual method. Its relaxed partners see it
//! as a constant curve at its start value, so a junction between the two
//! kinds is explicit in both directions; junctions between relaxed cells
//! are relaxed.
//!
//! # Accuracy
//!
//! Waveform relaxation converges to the coupled solution in which each
//! cell sees its partners' potentials as cubic Hermite curves through the
//! converged step ends and slopes: fourth-order in `dt` for the
//! interpolation, to `wfr_tol` = 1e-4 mV per iteration. Measured against
//! NEST (`tests/gap_junctions.rs`, two `HH_cond_exp` cells, 0.3 nA into
//! one, `g` = 0.01 uS, six spikes): the spike times equal NEST's on the
//! 0.1 ms grid at `min_delay` 0.1, 0.5 and 1 ms, and the traces agree to
//! 1.1e-5, 4.7e-7 and 3.0e-7 mV (the driven cell; the other below 1e-7
//! mV). Relaxing step by step at `min_delay` 1 ms instead (what the engine
//! did before it followed NEST's windows) is not the same computation: the
//! iterations stop at `wfr_tol` from different first guesses, and the
//! spikes' upstrokes amplify the difference to 1.6 mV (same spike times),
//! so the engine relaxes the windows NEST relaxes. A trial carries the
//! adaptive step size on from the previous one (as NEST), so while cells
//! spike, RKF45's error (1e-3 mV) can keep a window from settling within
//! `wfr_tol`: such windows are committed after 15 iterations and counted
//! ([`Native::wfr_unconverged_steps`]; 7 of 80 in the 900-cell test
//! network at 1 ms).
//!
//! The explicit scheme is first-order in `dt` for transients: measured on
//! two coupled `IF_curr_exp` cells below threshold against the pair's
//! exact solution (g = 0.05 uS, as much as the leak, 0.5 nA), the largest
//! error is 3.1e-3 mV at dt = 0.1 ms and 3.07e-4 mV at dt = 0.01 ms; the
//! estimate `g dt / C` of the voltage difference's change per step bounds
//! it (0.5 % of 3.3 mV here). It is stable while `2 g dt / C < 2` for a
//! pair. Steady states are exact under both schemes (with constant
//! potentials the held current is the true one; the `IF_curr_exp` pair's
//! analytic ratio `g / (g_L + g)` is reached to 1e-9 mV). NEURON's and
//! Brian2's drivers (`neuron/gap.rs`, `brian2/gap.rs`) use the explicit
//! scheme for every cell type, NEURON also across MPI ranks.

use super::{Native, err};
use pynn_core::backend::{Connections, ProjId, ProjectionSpec};
use pynn_core::{Error, Result};

/// One gap-junction projection: its connections in list order.
pub(super) struct GapProj {
    pub(super) id: ProjId,
    pre: Vec<u32>,
    post: Vec<u32>,
    weight: Vec<f64>,
    /// The delays the core gave (its `min_delay`); junctions do not use
    /// them, they are read back as every backend reads them.
    delay: Vec<f64>,
}

/// NEST's default `wfr_tol` (mV): an iteration that changes no coupled
/// cell's end-of-step potential by more than this ends the relaxation.
pub const WFR_TOL: f64 = 1e-4;

/// Coupled cells from which the trials of an iteration run on the pool's
/// threads (fewer: on the calling thread; the results are the same).
const PARALLEL_TRIALS: usize = 64;

/// NEST's default `wfr_comm_interval` (ms): the longest relaxation window
/// (`nestkernel/simulation_manager.cpp`; gap connections count as a delay
/// of this length in NEST's `min_delay`, `connector_model_impl.h`).
pub const WFR_COMM_INTERVAL: f64 = 1.0;

/// NEST's default `wfr_max_iterations`.
pub const WFR_MAX_ITERATIONS: usize = 15;

/// The gap-junction side of a kernel: what waveform relaxation needs from
/// a cell model (see the module doc). Units are PyNN's: mV, nA, uS.
pub trait GapCell {
    /// Integrates cell `cell` through the coming steps of a relaxation
    /// window, one per entry of `c`, from its current state, and restores
    /// the state afterwards (NEST's `wfr_update`; the adaptive step size is
    /// kept), with `current` (nA) injected throughout (NEST holds the
    /// current of the window's first step in its trials), the synaptic
    /// input arriving at the end of each step (`syn[lag * R + r]`, the
    /// kernel's `R` receptors in ring order, PyNN units) added as the
    /// ordinary step adds it, and in step `lag` the junction current
    /// `-g v + c[lag][0] + c[lag][1] s + c[lag][2] s^2 + c[lag][3] s^3`
    /// (nA; `s` the fraction of the step elapsed). Writes `[v, dt v', v_end,
    /// dt v'_end]` (mV) of each step into `out[lag]`, the derivatives from
    /// the cell's right-hand side with that junction current.
    fn trial(&mut self, cell: usize, current: f64, syn: &[f64], g: f64, c: &[[f64; 4]], out: &mut [[f64; 4]]);
    /// Sets the junction currents (as in [`GapCell::trial`]) of `cell` for
    /// the kernel's steps `first..first + c.len()`.
    fn set_junction(&mut self, cell: usize, first: u64, g: f64, c: &[[f64; 4]]);
    /// Forgets every junction (the cells take injected current only).
    fn clear_junctions(&mut self);
}

/// Every gap junction of a session and what a step needs to apply them.
#[derive(Default)]
pub(super) struct Gaps {
    pub(super) projs: Vec<GapProj>,
    /// The coupled cells (global indices, sorted, distinct).
    cells: Vec<u32>,
    /// Per shard with coupled cells: (shard, kernel variable of `v`, cells
    /// within the shard, their positions in `cells`).
    reads: Vec<(usize, usize, Vec<usize>, Vec<usize>)>,
    /// Per junction of `projs` in order: the positions in `cells` of its
    /// two cells.
    pairs: Vec<(usize, usize)>,
    /// Per shard: its entry in `reads`, if it has coupled cells.
    group: Vec<Option<usize>>,
    /// Per coupled cell: true when its kernel has a [`GapCell`] side
    /// (waveform relaxation), false for the explicit scheme.
    relaxed: Vec<bool>,
    /// Snapshot of `v` of `cells` and their junction currents (nA).
    v: Vec<f64>,
    current: Vec<f64>,
    /// Waveform relaxation over a window of `lags` steps, per coupled cell
    /// `k`: the injected current (nA); per cell and step (`k * lags +
    /// lag`): the cubic of its potential over the step (mV) and its
    /// end-of-step potential in the previous iteration; per cell its
    /// junction (total conductance, and coefficients per step); the
    /// synaptic input arriving in the window (per cell, `lag * R + r`).
    lags: usize,
    inj: Vec<f64>,
    wave: Vec<[f64; 4]>,
    last: Vec<f64>,
    g: Vec<f64>,
    coef: Vec<[f64; 4]>,
    syn: Vec<Vec<f64>>,
    /// Steps whose relaxation stopped at [`WFR_MAX_ITERATIONS`] without
    /// converging ([`Native::wfr_unconverged_steps`]).
    unconverged: u64,
}

impl Gaps {
    /// True when the session has no junctions.
    pub(super) fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn find(&self, id: ProjId) -> Option<&GapProj> {
        self.projs.iter().find(|p| p.id == id)
    }

    /// Every cell's total junction conductance and, per step of the
    /// window, the sum of conductance times partner's cubic, from `wave`
    /// (junctions in order).
    fn sum_junctions(&mut self) {
        let l = self.lags;
        self.g.iter_mut().for_each(|g| *g = 0.0);
        self.coef.iter_mut().for_each(|c| *c = [0.0; 4]);
        let weights = self.projs.iter().flat_map(|p| p.weight.iter());
        for (&(a, b), &w) in self.pairs.iter().zip(weights) {
            self.g[a] += w;
            self.g[b] += w;
            for lag in 0..l {
                let (wa, wb) = (self.wave[a * l + lag], self.wave[b * l + lag]);
                for q in 0..4 {
                    self.coef[b * l + lag][q] += w * wa[q];
                    self.coef[a * l + lag][q] += w * wb[q];
                }
            }
        }
    }

    /// The length of the engine's slices (steps) with these junctions:
    /// `min_delay` (NEST's WFR interval), at most `wfr_comm_interval` (1 ms,
    /// [`WFR_COMM_INTERVAL`]) when any cell is relaxed, and one step when
    /// any coupled cell is explicit (its current needs every step's `v`).
    pub(super) fn slice(&self, min_delay: u64, dt: f64) -> u64 {
        if self.cells.is_empty() {
            min_delay
        } else if self.relaxed.contains(&false) {
            1
        } else {
            min_delay.min(((WFR_COMM_INTERVAL / dt).round() as u64).max(1)).max(1)
        }
    }
}

impl Native {
    /// The number of relaxation windows (slices: one step at PyNN's
    /// default `min_delay`, see the module doc) so far whose gap-junction
    /// waveform relaxation stopped at [`WFR_MAX_ITERATIONS`] without every
    /// end-of-step potential settling within [`WFR_TOL`]. NEST logs a
    /// warning and commits such an interval; the native engine commits it
    /// too, writes one line on stderr the first time, and counts it here,
    /// so a program can check that its coupled network converged (0 means
    /// it always did).
    pub fn wfr_unconverged_steps(&self) -> u64 {
        self.gaps.unconverged
    }

    /// Creates a gap-junction projection (both cells of each connection
    /// must have a membrane potential `v` and take injected current).
    pub(super) fn connect_gap(&mut self, spec: &ProjectionSpec<'_>, c: Connections) -> Result<()> {
        for g in c.pre.iter().chain(&c.post) {
            let s = self.shard_of(*g as usize);
            if self.shards[s].kernel.variable("v").is_none() {
                let pop = &self.pops[self.owner[*g as usize] as usize];
                return Err(Error::unsupported(
                    "native",
                    format!(
                        "gap junctions (ElectricalSynapse, projection \"{}\") on cell {} of population \"{}\", \
                         which has no membrane potential `v`",
                        spec.label,
                        *g as usize - pop.offset,
                        pop.label
                    ),
                    "couple cells that have a membrane potential (spike sources cannot take gap junctions)",
                ));
            }
        }
        if let Some(w) = c.weight.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(Error::invalid_value(
                format!("projection \"{}\" (ElectricalSynapse)", spec.label),
                "weight",
                w,
                "a conductance >= 0 uS",
            ));
        }
        self.gaps.projs.push(GapProj { id: spec.id, pre: c.pre, post: c.post, weight: c.weight, delay: c.delay });
        self.rebuild_gaps();
        Ok(())
    }

    /// Recomputes the list of coupled cells and where their `v` is read.
    fn rebuild_gaps(&mut self) {
        let mut cells: Vec<u32> = self.gaps.projs.iter().flat_map(|p| p.pre.iter().chain(&p.post).copied()).collect();
        cells.sort_unstable();
        cells.dedup();
        let mut reads: Vec<(usize, usize, Vec<usize>, Vec<usize>)> = Vec::new();
        for (k, g) in cells.iter().enumerate() {
            let s = self.shard_of(*g as usize);
            let local = *g as usize - self.shards[s].lo;
            match reads.last_mut() {
                Some(r) if r.0 == s => {
                    r.2.push(local);
                    r.3.push(k);
                }
                _ => {
                    let var = self.shards[s].kernel.variable("v").unwrap_or(0);
                    reads.push((s, var, vec![local], vec![k]));
                }
            }
        }
        for sh in &mut self.shards {
            sh.gap = Vec::new();
        }
        for (s, _, _, _) in &reads {
            let size = self.shards[*s].size;
            self.shards[*s].gap = vec![0.0; size];
        }
        let n = cells.len();
        let at = |g: &u32| cells.binary_search(g).unwrap_or(0);
        self.gaps.pairs =
            self.gaps.projs.iter().flat_map(|p| p.pre.iter().zip(&p.post)).map(|(a, b)| (at(a), at(b))).collect();
        self.gaps.group = vec![None; self.shards.len()];
        for (i, (s, _, _, _)) in reads.iter().enumerate() {
            self.gaps.group[*s] = Some(i);
        }
        self.gaps.relaxed = vec![false; n];
        for (s, _, _, pos) in &reads {
            let relaxed = self.shards[*s].kernel.gap().is_some();
            pos.iter().for_each(|k| self.gaps.relaxed[*k] = relaxed);
        }
        for sh in &mut self.shards {
            if let Some(gc) = sh.kernel.gap() {
                gc.clear_junctions();
            }
        }
        self.gaps.v = vec![0.0; n];
        self.gaps.current = vec![0.0; n];
        self.gaps.lags = 0;
        self.gaps.inj = vec![0.0; n];
        self.gaps.g = vec![0.0; n];
        self.gaps.syn = vec![Vec::new(); n];
        self.gaps.cells = cells;
        self.gaps.reads = reads;
    }

    /// Prepares the junctions of the coming slice of `lags` steps from
    /// `self.step`: waveform relaxation over the slice for the cells whose
    /// kernel supports it, the explicit snapshot for the others (then the
    /// slice is one step; module doc).
    pub(super) fn apply_gaps(&mut self, lags: u64) {
        self.snapshot_v();
        self.apply_explicit();
        if self.gaps.relaxed.contains(&true) {
            // The trials see the synaptic input arriving within the window,
            // which the previous slice's spikes put into the rings (delays
            // are >= min_delay >= the window): deliver them now rather than
            // at the start of the slice (`run_slice` then finds nothing).
            self.deliver_pending();
            self.relax(lags.max(1) as usize);
        }
    }

    /// Reads `v` of every coupled cell into `gaps.v`.
    fn snapshot_v(&mut self) {
        let gaps = &mut self.gaps;
        let mut buf = Vec::new();
        for (s, var, locals, pos) in &gaps.reads {
            buf.clear();
            self.shards[*s].kernel.read(*var, locals, &mut buf);
            for (k, v) in pos.iter().zip(&buf) {
                gaps.v[*k] = *v;
            }
        }
    }

    /// The explicit scheme: junction currents from the snapshot, held
    /// through the step as injected current (zero for relaxed cells).
    fn apply_explicit(&mut self) {
        let gaps = &mut self.gaps;
        gaps.current.iter_mut().for_each(|i| *i = 0.0);
        let weights = gaps.projs.iter().flat_map(|p| p.weight.iter());
        for (&(a, b), g) in gaps.pairs.iter().zip(weights) {
            let i = g * (gaps.v[a] - gaps.v[b]);
            gaps.current[b] += i;
            gaps.current[a] -= i;
        }
        for (s, _, locals, pos) in &gaps.reads {
            let gap = &mut self.shards[*s].gap;
            for (c, k) in locals.iter().zip(pos) {
                gap[*c] = if gaps.relaxed[*k] { 0.0 } else { gaps.current[*k] };
            }
        }
    }

    /// The injected current of every coupled cell during step `self.step`
    /// (nA), summed source by source in the order the shard sums them
    /// (`shard.rs`, `advance`), so that the trials see the committed step's
    /// value bit for bit.
    fn injected_currents(&mut self) {
        let (k, dt) = (self.step, self.dt);
        let mut value: Vec<Option<f64>> = vec![None; self.currents.len()];
        let mut buf = Vec::new();
        self.gaps.inj.iter_mut().for_each(|i| *i = 0.0);
        for (s, _, locals, pos) in &self.gaps.reads {
            for (src, cells) in &self.shards[*s].inject {
                let x = match value.get(*src).copied().flatten() {
                    Some(x) => x,
                    None => {
                        let Some(Some(cur)) = self.currents.get(*src) else { continue };
                        cur.spec.sample(dt, k, k + 1, &mut buf);
                        let x = buf.first().copied().unwrap_or(0.0);
                        value[*src] = Some(x);
                        x
                    }
                };
                for c in cells {
                    if let Ok(i) = locals.binary_search(&(*c as usize)) {
                        self.gaps.inj[pos[i]] += x;
                    }
                }
            }
        }
    }

    /// The synaptic input arriving at each step of the window for every
    /// relaxed cell (`gaps.syn`), read from its shard's rings without
    /// clearing them (NEST's `get_value_wfr_update`): the increment of step
    /// `k` is in slot `(k + 1) % ring_len`, as `Shard::advance` reads it.
    fn window_input(&mut self, lags: usize) {
        let (first, ring_len) = (self.step, self.ring_len);
        for (s, _, locals, pos) in &self.gaps.reads {
            let sh = &self.shards[*s];
            let (n, r) = (sh.size, sh.ring.len());
            for (c, &k) in locals.iter().zip(pos) {
                let syn = &mut self.gaps.syn[k];
                syn.clear();
                if !self.gaps.relaxed[k] {
                    continue;
                }
                for lag in 0..lags as u64 {
                    let slot = ((first + lag + 1) % ring_len) as usize;
                    syn.extend(sh.ring.iter().map(|ring| ring[slot * n + c]));
                }
                debug_assert_eq!(syn.len(), lags * r);
            }
        }
    }

    /// Waveform relaxation over the coming `lags` steps (module doc):
    /// iterate the trials until no end-of-step potential of the window
    /// moves by more than [`WFR_TOL`] or [`WFR_MAX_ITERATIONS`] are done,
    /// then set every coupled cell's junction from the last iteration's
    /// waveforms.
    fn relax(&mut self, lags: usize) {
        self.injected_currents();
        self.window_input(lags);
        let first = self.step;
        let gaps = &mut self.gaps;
        let n = gaps.cells.len();
        if gaps.lags != lags {
            gaps.lags = lags;
            gaps.wave = vec![[0.0; 4]; n * lags];
            gaps.last = vec![0.0; n * lags];
            gaps.coef = vec![[0.0; 4]; n * lags];
        }
        // The committing update's constant extrapolation (every step of the
        // window at the potential the slice starts from), and the reset of
        // the previous end values to 0 (`hh_cond_beta_gap_traub.cpp`).
        for (k, v) in gaps.v.iter().enumerate() {
            gaps.wave[k * lags..(k + 1) * lags].iter_mut().for_each(|w| *w = [*v, 0.0, 0.0, 0.0]);
        }
        gaps.last.iter_mut().for_each(|l| *l = 0.0);
        // At the limit NEST warns and commits; so does this: the window is
        // counted, and the first one of a session is reported on stderr.
        let mut converged = false;
        let parallel = self.pool.current_num_threads() > 1 && gaps.cells.len() >= PARALLEL_TRIALS;
        for _ in 0..WFR_MAX_ITERATIONS {
            gaps.sum_junctions();
            // The trials of one iteration are independent (each reads the
            // previous iteration's curves): per shard on the pool when the
            // work is large, their results then applied in `cells` order,
            // so the outcome is the same for any thread count.
            let (reads, inj, g, coef, syn) = (&gaps.reads, &gaps.inj, &gaps.g, &gaps.coef, &gaps.syn);
            let trials = |s: usize, sh: &mut super::shard::Shard| -> Option<Vec<[f64; 4]>> {
                let (_, _, locals, pos) = &reads[gaps.group.get(s).copied().flatten()?];
                // (A cell without a `GapCell` side keeps its constant
                // curve, the start value: explicit in both directions.)
                let cell = sh.kernel.gap()?;
                let mut out = vec![[0.0; 4]; locals.len() * lags];
                for ((c, &k), o) in locals.iter().zip(pos).zip(out.chunks_mut(lags)) {
                    cell.trial(*c, inj[k], &syn[k], g[k], &coef[k * lags..(k + 1) * lags], o);
                }
                Some(out)
            };
            let results: Vec<Option<Vec<[f64; 4]>>> = if parallel {
                use rayon::prelude::*;
                self.shards.par_iter_mut().enumerate().map(|(s, sh)| trials(s, sh)).collect()
            } else {
                self.shards.iter_mut().enumerate().map(|(s, sh)| trials(s, sh)).collect()
            };
            let mut done = true;
            for (s, _, _, pos) in &gaps.reads {
                let Some(r) = &results[*s] else { continue };
                for (&k, r) in pos.iter().zip(r.chunks(lags)) {
                    for (lag, &[v0, hf0, v1, hf1]) in r.iter().enumerate() {
                        let i = k * lags + lag;
                        done &= (v1 - gaps.last[i]).abs() <= WFR_TOL;
                        gaps.last[i] = v1;
                        gaps.wave[i] =
                            [v0, hf0, -3.0 * v0 + 3.0 * v1 - 2.0 * hf0 - hf1, 2.0 * v0 - 2.0 * v1 + hf0 + hf1];
                    }
                }
            }
            if done {
                converged = true;
                break;
            }
        }
        if !converged {
            if gaps.unconverged == 0 {
                eprintln!(
                    "pynn native: gap-junction waveform relaxation did not reach {WFR_TOL} mV within \
                     {WFR_MAX_ITERATIONS} iterations; the slice is committed as NEST does (see \
                     Native::wfr_unconverged_steps)"
                );
            }
            gaps.unconverged += 1;
        }
        gaps.sum_junctions();
        for (s, _, locals, pos) in &gaps.reads {
            let Some(cell) = self.shards[*s].kernel.gap() else { continue };
            for (c, &k) in locals.iter().zip(pos) {
                cell.set_junction(*c, first, gaps.g[k], &gaps.coef[k * lags..(k + 1) * lags]);
            }
        }
    }

    /// The connections of a gap-junction projection, if `proj` is one.
    pub(super) fn gap_connections(&self, proj: ProjId) -> Option<(Vec<u32>, Vec<u32>)> {
        self.gaps.find(proj).map(|p| (p.pre.clone(), p.post.clone()))
    }

    /// `weight` or `delay` (unused by junctions) of a gap projection.
    pub(super) fn gap_get(&self, proj: ProjId, name: &str) -> Option<Result<Vec<f64>>> {
        let p = self.gaps.find(proj)?;
        Some(match name {
            "weight" => Ok(p.weight.clone()),
            "delay" => Ok(p.delay.clone()),
            _ => Err(Error::unknown_name("native gap-junction projection", "attribute", name, ["weight", "delay"])),
        })
    }

    /// Sets the conductances of a gap projection.
    pub(super) fn gap_set(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Option<Result<()>> {
        let p = self.gaps.projs.iter_mut().find(|p| p.id == proj)?;
        Some(if name != "weight" {
            Err(err(format!("projection {proj} holds gap junctions: `{name}` cannot be set (only `weight`)")))
        } else if values.len() != p.weight.len() {
            Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.weight.len(),
                found: values.len(),
            })
        } else if let Some(w) = values.iter().find(|w| !w.is_finite() || **w < 0.0) {
            Err(Error::invalid_value(
                format!("projection {proj} (ElectricalSynapse)"),
                "weight",
                w,
                "a conductance >= 0 uS",
            ))
        } else {
            p.weight.copy_from_slice(values);
            Ok(())
        })
    }
}
