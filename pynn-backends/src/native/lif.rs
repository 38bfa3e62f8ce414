//! Native kernels of the current-based leaky integrate-and-fire models:
//! `IF_curr_alpha` (NEST `iaf_psc_alpha`), `IF_curr_exp` (`iaf_psc_exp`) and
//! `IF_curr_delta` (`iaf_psc_delta`).
//!
//! Each follows NEST 3.10's update of the same model step for step
//! (`models/iaf_psc_*.cpp`, `update()`), so that spike times are identical
//! and membrane traces agree to rounding:
//!
//! 1. unless refractory, the membrane potential (stored relative to
//!    `v_rest`) is advanced with the propagators, using the synaptic state
//!    and injected current at the start of the step; otherwise the
//!    refractory counter is decremented;
//! 2. synaptic currents are advanced, then the input arriving at the end of
//!    the step is added;
//! 3. if `v >= v_thresh`, the cell spikes (time stamp: end of the step),
//!    `v` is set to `v_reset` and the counter to `refractory_steps`.
//!
//! For `IF_curr_delta`, input is a voltage jump added in step 1 and input
//! arriving during the refractory period is discarded.
//!
//! `IF_curr_exp` and `IF_curr_delta` keep NEST's refractory counter as the
//! step at which it reaches zero (`Refractory`): the same steps are
//! refractory, and the update loop reads it without writing it back.

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::{p31, p32, refractory_steps};
use super::simd::{Col, dispatch, uniform};
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, IF_curr_alpha, IF_curr_delta, IF_curr_exp, Result};

/// Parameters shared by the three models, per cell, derived for one dt.
#[derive(Debug, Clone, Default)]
struct Common {
    v_rest: Vec<f64>,
    theta: Vec<f64>,
    v_reset: Vec<f64>,
    i_offset: Vec<f64>,
    refrac: Vec<u32>,
    p22: Vec<f64>,
    p20: Vec<f64>,
}

impl Common {
    fn new(p: &ParamTable, dt: f64) -> Self {
        let v_rest = p.scalar("v_rest").to_vec();
        let rel = |name: &str| p.scalar(name).iter().zip(&v_rest).map(|(x, e)| x - e).collect::<Vec<_>>();
        let (tau_m, cm) = (p.scalar("tau_m"), p.scalar("cm"));
        Common {
            theta: rel("v_thresh"),
            v_reset: rel("v_reset"),
            i_offset: p.scalar("i_offset").to_vec(),
            refrac: p.scalar("tau_refrac").iter().map(|t| refractory_steps(*t, dt)).collect(),
            p22: tau_m.iter().map(|t| (-dt / t).exp()).collect(),
            // NEST: P20 = -tau_m / C * expm1(-h / tau_m)
            p20: tau_m.iter().zip(cm).map(|(t, c)| -t / c * (-dt / t).exp_m1()).collect(),
            v_rest,
        }
    }
}

fn unknown_state(model: &str, name: &str, allowed: &[&str]) -> Error {
    Error::unknown_name(format!("native {model}"), "state variable", name, allowed.iter().copied())
}

/// Stores `values` at `cells` in `dst`.
fn scatter(dst: &mut [f64], cells: &[usize], values: &[f64]) {
    for (c, v) in cells.iter().zip(values) {
        dst[*c] = *v;
    }
}

/// Shifts relative potentials when `v_rest` changes, so that the absolute
/// membrane potential is unchanged (as NEST does when `E_L` is set).
fn rebase(y: &mut [f64], old: &[f64], new: &[f64]) {
    for ((y, o), n) in y.iter_mut().zip(old).zip(new) {
        *y += o - n;
    }
}

/// Cells per block of the vectorised updates. A block is advanced (steps 1
/// and 2) and then, only if one of its cells reached its threshold, scanned
/// for spikes (step 3) while it is still in the L1 cache: one pass over the
/// state instead of an update pass and a threshold pass over the whole
/// shard. Spikes come out in cell order, as from two passes. 64 cells are
/// eight AVX-512 vectors; with VA CUBA's two spikes per step among 4000
/// cells, about 2 blocks in 60 are scanned.
const BLOCK: usize = 64;

/// The refractory state of a kernel's cells: per cell, the step (counted
/// from `epoch`) from which it integrates again.
///
/// NEST counts a refractory cell's remaining steps down by one per step
/// and integrates when the count is zero (`models/iaf_psc_exp.cpp`,
/// `update()`): a cell that spikes in step `k` with a refractory period of
/// `R` steps is held through steps `k + 1 ..= k + R`. Storing `k + 1 + R`
/// instead marks the same steps (those before it) without a store per cell
/// and step: the update loop only reads it.
#[derive(Debug, Clone, Default)]
struct Refractory {
    /// Per cell: the first step, counted from `epoch`, that is not refractory.
    until: Vec<u32>,
    /// The step that `until` counts from.
    epoch: u64,
}

impl Refractory {
    fn new(n: usize) -> Self {
        Refractory { until: vec![0; n], epoch: 0 }
    }

    /// Step `step` counted from the epoch. The epoch moves up to `step`
    /// (and every `until` down with it) once the count reaches 2^31, so
    /// that counts and ends (`now + 1 + R`, saturating) fit in a `u32`; a
    /// refractory period of more than 2^31 steps (60 hours at 0.1 ms) is
    /// shortened to what fits.
    fn now(&mut self, step: u64) -> u32 {
        match step.checked_sub(self.epoch) {
            Some(k) if k < 1 << 31 => k as u32,
            Some(k) => {
                let shift = k.min(u64::from(u32::MAX)) as u32;
                self.until.iter_mut().for_each(|u| *u = u.saturating_sub(shift));
                self.epoch = step;
                0
            }
            // Only before the first step after a reset (which clears
            // `until`): nothing is refractory.
            None => {
                self.until.iter_mut().for_each(|u| *u = 0);
                self.epoch = step;
                0
            }
        }
    }

    /// Back to time 0, no cell refractory.
    fn reset(&mut self) {
        self.until.iter_mut().for_each(|u| *u = 0);
        self.epoch = 0;
    }
}

/// Step 3 of the update, what it reads and where its spikes go.
struct Fire<'a> {
    theta: &'a [f64],
    reset: &'a [f64],
    refrac: &'a [u32],
    /// The step being computed, counted from the [`Refractory`] epoch.
    now: u32,
    /// Time stamp of the spikes (the step after the one being computed).
    stamp: u64,
    spikes: &'a mut SpikeOut,
}

/// Step 3 of the update for the cells `first..first + y.len()` (their
/// potentials `y` and [`Refractory::until`]): cells at or above threshold
/// spike, are reset and become refractory.
#[inline(always)]
fn threshold(y: &mut [f64], until: &mut [u32], first: usize, f: &mut Fire<'_>) {
    let n = y.len();
    let (until, theta) = (&mut until[..n], &f.theta[first..first + n]);
    let (reset, refrac) = (&f.reset[first..first + n], &f.refrac[first..first + n]);
    for i in 0..n {
        if y[i] >= theta[i] {
            until[i] = f.now.saturating_add(1).saturating_add(refrac[i]);
            y[i] = reset[i];
            f.spikes.push(((first + i) as u32, f.stamp));
        }
    }
}

/// `by_blocks!(y, until, f, |lo, hi, y, until| block)`: evaluates `block`
/// (steps 1 and 2 of the cells `lo..hi`, given their potentials `y` and
/// [`Refractory::until`]; whether one reached its threshold) for each
/// [`BLOCK`] of cells in turn, then [`threshold`] on the block if it has a
/// cell at threshold. The block loop of both models. A macro, not a
/// function taking a closure: a closure is compiled as a function of its
/// own, without the caller's `#[target_feature]`s (`simd.rs`), and was
/// not inlined (the update ran at the baseline width).
macro_rules! by_blocks {
    ($y:expr, $until:expr, $f:expr, |$lo:ident, $hi:ident, $yb:ident, $ub:ident| $block:expr) => {{
        let (y, until, f): (&mut [f64], &mut [u32], &mut Fire<'_>) = ($y, $until, $f);
        let n = y.len();
        let mut $lo = 0;
        while $lo < n {
            let $hi = ($lo + BLOCK).min(n);
            let ($yb, $ub) = (&mut y[$lo..$hi], &mut until[$lo..$hi]);
            if $block {
                threshold($yb, $ub, $lo, f);
            }
            $lo = $hi;
        }
    }};
}

/// `initialize`, `variable` and `read` of the models with state
/// `y` (v - v_rest), `i_ex`, `i_in` and initial values `init_v`, `init_ex`,
/// `init_in`.
macro_rules! current_based_state_methods {
    ($model:literal) => {
        fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
            match name {
                "v" => {
                    scatter(&mut self.init_v, cells, values);
                    for (c, v) in cells.iter().zip(values) {
                        self.y[*c] = v - self.c.v_rest[*c];
                    }
                }
                "isyn_exc" => {
                    scatter(&mut self.init_ex, cells, values);
                    scatter(&mut self.i_ex, cells, values);
                }
                "isyn_inh" => {
                    scatter(&mut self.init_in, cells, values);
                    scatter(&mut self.i_in, cells, values);
                }
                _ => return Err(unknown_state($model, name, &["v", "isyn_exc", "isyn_inh"])),
            }
            Ok(())
        }

        fn variable(&self, name: &str) -> Option<usize> {
            ["v", "isyn_exc", "isyn_inh"].iter().position(|v| *v == name)
        }

        fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
            match var {
                0 => out.extend(cells.iter().map(|c| self.y[*c] + self.c.v_rest[*c])),
                1 => out.extend(cells.iter().map(|c| self.i_ex[*c])),
                _ => out.extend(cells.iter().map(|c| self.i_in[*c])),
            }
        }
    };
}

/// `step_clearing` and `step_clearing_no_current` of the models whose
/// `update(step, ex, inh, current, spikes)` reads and zeroes the two input
/// slots (`current`: `None` when none is injected).
macro_rules! clearing_methods {
    () => {
        fn step_clearing(
            &mut self,
            step: u64,
            synaptic: &mut [&mut [f64]],
            current: &[f64],
            spikes: &mut SpikeOut,
        ) -> bool {
            let [ex, inh] = synaptic else { return false };
            self.update(step, ex, inh, Some(current), spikes);
            true
        }

        fn step_clearing_no_current(
            &mut self,
            step: u64,
            synaptic: &mut [&mut [f64]],
            _zeros: &[f64],
            spikes: &mut SpikeOut,
        ) -> bool {
            let [ex, inh] = synaptic else { return false };
            self.update(step, ex, inh, None, spikes);
            true
        }
    };
}

// ---------------------------------------------------------------- IF_curr_exp

/// Native kernel of [`IF_curr_exp`].
pub struct IafPscExp {
    dt: f64,
    c: Common,
    p11_ex: Vec<f64>,
    p11_in: Vec<f64>,
    p21_ex: Vec<f64>,
    p21_in: Vec<f64>,
    y: Vec<f64>,
    i_ex: Vec<f64>,
    i_in: Vec<f64>,
    r: Refractory,
    init_v: Vec<f64>,
    init_ex: Vec<f64>,
    init_in: Vec<f64>,
    /// The propagators when every cell of the shard shares them.
    uniform: Option<ExpCols<f64>>,
    /// Copies of the input for [`Kernel::step`] (which may not clear it).
    scratch_ex: Vec<f64>,
    scratch_in: Vec<f64>,
}

/// The per-cell columns of the `IF_curr_exp` update.
#[derive(Clone, Copy)]
struct ExpCols<C> {
    p22: C,
    p20: C,
    ie: C,
    p11e: C,
    p11i: C,
    p21e: C,
    p21i: C,
    theta: C,
}

impl<C: Col> ExpCols<C> {
    #[inline(always)]
    fn block(self, lo: usize, hi: usize) -> Self {
        let b = |c: C| c.window(lo, hi);
        ExpCols {
            p22: b(self.p22),
            p20: b(self.p20),
            ie: b(self.ie),
            p11e: b(self.p11e),
            p11i: b(self.p11i),
            p21e: b(self.p21e),
            p21i: b(self.p21i),
            theta: b(self.theta),
        }
    }
}

/// The state and input the `IF_curr_exp` update writes and reads
/// (`until`: [`Refractory::until`]; `cur`: `None` when no current is
/// injected).
struct ExpState<'a> {
    y: &'a mut [f64],
    iex: &'a mut [f64],
    iin: &'a mut [f64],
    until: &'a mut [u32],
    ex: &'a mut [f64],
    inh: &'a mut [f64],
    cur: Option<&'a [f64]>,
}

/// Steps 1 and 2 of the module doc for the cells of one block, zeroing the
/// input once read; returns whether any cell reached its threshold. A cell
/// is refractory while `now < until` ([`Refractory`]). `cur` is the
/// injected current, or the constant 0.0 when there is none (the same
/// `ie + 0.0`, without a load per cell).
/// Branch-free (selects), so that the loop vectorises; the same
/// floating-point operations as NEST's `iaf_psc_exp::update`, in the same
/// order. The slices are separate arguments (not fields of [`ExpState`]):
/// inlined, they stay known not to overlap, so the vectorised loop needs no
/// run-time overlap checks, which would cost more than a block's work.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn exp_block<C: Col, K: Col>(
    p: ExpCols<C>,
    cur: K,
    now: u32,
    y: &mut [f64],
    iex: &mut [f64],
    iin: &mut [f64],
    until: &[u32],
    ex: &mut [f64],
    inh: &mut [f64],
) -> bool {
    let n = y.len();
    let (iex, iin, until) = (&mut iex[..n], &mut iin[..n], &until[..n]);
    let (ex, inh, cur) = (&mut ex[..n], &mut inh[..n], cur.prefix(n));
    let (p22, p20, ie, p11e) = (p.p22.prefix(n), p.p20.prefix(n), p.ie.prefix(n), p.p11e.prefix(n));
    let (p11i, p21e, p21i, theta) = (p.p11i.prefix(n), p.p21e.prefix(n), p.p21i.prefix(n), p.theta.prefix(n));
    let mut any = false;
    for i in 0..n {
        let v = y[i] * p22.at(i) + iex[i] * p21e.at(i) + iin[i] * p21i.at(i) + (ie.at(i) + cur.at(i)) * p20.at(i);
        let v = if until[i] <= now { v } else { y[i] };
        y[i] = v;
        iex[i] = iex[i] * p11e.at(i) + ex[i];
        iin[i] = iin[i] * p11i.at(i) + inh[i];
        ex[i] = 0.0;
        inh[i] = 0.0;
        any |= v >= theta.at(i);
    }
    any
}

/// One step of every cell ([`by_blocks!`] over [`exp_block`]), with the
/// injected current `cur` (a column, or 0.0).
#[inline(always)]
fn exp_blocks<C: Col, K: Col>(p: ExpCols<C>, cur: K, s: ExpState<'_>, f: &mut Fire<'_>) {
    let ExpState { y, iex, iin, until, ex, inh, .. } = s;
    let now = f.now;
    by_blocks!(y, until, f, |lo, hi, y, until| {
        let (iex, iin, ex, inh) = (&mut iex[lo..hi], &mut iin[lo..hi], &mut ex[lo..hi], &mut inh[lo..hi]);
        exp_block(p.block(lo, hi), cur.window(lo, hi), now, y, iex, iin, until, ex, inh)
    });
}

/// [`exp_blocks`] with the current read from memory only when there is one.
#[inline(always)]
fn exp_body<C: Col>(p: ExpCols<C>, s: ExpState<'_>, mut f: Fire<'_>) {
    match s.cur {
        Some(cur) => exp_blocks(p, cur, s, &mut f),
        None => exp_blocks(p, 0.0, s, &mut f),
    }
}

dispatch! {
    fn exp_update<C: Col>(p: ExpCols<C>, s: ExpState<'_>, f: Fire<'_>) -> () = exp_body;
}

impl IafPscExp {
    fn derive(&mut self, p: &ParamTable) {
        let dt = self.dt;
        let c = Common::new(p, dt);
        let (tau_m, cm) = (p.scalar("tau_m"), p.scalar("cm"));
        let (te, ti) = (p.scalar("tau_syn_E"), p.scalar("tau_syn_I"));
        self.p11_ex = te.iter().map(|t| (-dt / t).exp()).collect();
        self.p11_in = ti.iter().map(|t| (-dt / t).exp()).collect();
        self.p21_ex = (0..cm.len()).map(|i| p32(te[i], tau_m[i], cm[i], dt)).collect();
        self.p21_in = (0..cm.len()).map(|i| p32(ti[i], tau_m[i], cm[i], dt)).collect();
        if !self.c.v_rest.is_empty() {
            rebase(&mut self.y, &self.c.v_rest, &c.v_rest);
        }
        self.uniform = (|| {
            Some(ExpCols {
                p22: uniform(&c.p22)?,
                p20: uniform(&c.p20)?,
                ie: uniform(&c.i_offset)?,
                p11e: uniform(&self.p11_ex)?,
                p11i: uniform(&self.p11_in)?,
                p21e: uniform(&self.p21_ex)?,
                p21i: uniform(&self.p21_in)?,
                theta: uniform(&c.theta)?,
            })
        })();
        self.c = c;
    }
}

impl NativeCell for IF_curr_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let n = params.size();
        let mut k = IafPscExp {
            dt: ctx.dt,
            c: Common::default(),
            p11_ex: vec![],
            p11_in: vec![],
            p21_ex: vec![],
            p21_in: vec![],
            y: vec![0.0; n],
            i_ex: vec![0.0; n],
            i_in: vec![0.0; n],
            r: Refractory::new(n),
            init_v: initial.scalar("v").to_vec(),
            init_ex: initial.scalar("isyn_exc").to_vec(),
            init_in: initial.scalar("isyn_inh").to_vec(),
            uniform: None,
            scratch_ex: vec![0.0; n],
            scratch_in: vec![0.0; n],
        };
        k.derive(params);
        k.reset();
        Ok(Box::new(k))
    }
}

impl IafPscExp {
    /// One step; the excitatory and inhibitory input are zeroed once read;
    /// `cur` is `None` when no current is injected.
    fn update(&mut self, step: u64, ex: &mut [f64], inh: &mut [f64], cur: Option<&[f64]>, spikes: &mut SpikeOut) {
        let n = self.y.len();
        let now = self.r.now(step);
        let s = ExpState {
            y: &mut self.y,
            iex: &mut self.i_ex,
            iin: &mut self.i_in,
            until: &mut self.r.until,
            ex: &mut ex[..n],
            inh: &mut inh[..n],
            cur: cur.map(|c| &c[..n]),
        };
        let c = &self.c;
        let f = Fire { theta: &c.theta, reset: &c.v_reset, refrac: &c.refrac, now, stamp: step + 1, spikes };
        match self.uniform {
            Some(p) => exp_update(p, s, f),
            None => exp_update(
                ExpCols {
                    p22: &c.p22[..],
                    p20: &c.p20,
                    ie: &c.i_offset,
                    p11e: &self.p11_ex,
                    p11i: &self.p11_in,
                    p21e: &self.p21_ex,
                    p21i: &self.p21_in,
                    theta: &c.theta,
                },
                s,
                f,
            ),
        }
    }
}

impl Kernel for IafPscExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let mut ex = std::mem::take(&mut self.scratch_ex);
        let mut inh = std::mem::take(&mut self.scratch_in);
        let n = self.y.len();
        ex.clone_from_slice(&input.synaptic[0][..n]);
        inh.clone_from_slice(&input.synaptic[1][..n]);
        self.update(input.step, &mut ex, &mut inh, Some(input.current), spikes);
        (self.scratch_ex, self.scratch_in) = (ex, inh);
    }

    clearing_methods!();

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params);
        Ok(())
    }

    current_based_state_methods!("IF_curr_exp");

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.c.v_rest[i];
        }
        self.i_ex.clone_from(&self.init_ex);
        self.i_in.clone_from(&self.init_in);
        self.r.reset();
    }
}

// -------------------------------------------------------------- IF_curr_alpha

/// Native kernel of [`IF_curr_alpha`].
pub struct IafPscAlpha {
    dt: f64,
    c: Common,
    p11_ex: Vec<f64>,
    p11_in: Vec<f64>,
    p31_ex: Vec<f64>,
    p32_ex: Vec<f64>,
    p31_in: Vec<f64>,
    p32_in: Vec<f64>,
    epsc0: Vec<f64>,
    ipsc0: Vec<f64>,
    expm1_tm: Vec<f64>,
    y: Vec<f64>,
    di_ex: Vec<f64>,
    i_ex: Vec<f64>,
    di_in: Vec<f64>,
    i_in: Vec<f64>,
    r: Vec<u32>,
    init_v: Vec<f64>,
    init_ex: Vec<f64>,
    init_in: Vec<f64>,
}

impl IafPscAlpha {
    fn derive(&mut self, p: &ParamTable) {
        let dt = self.dt;
        let c = Common::new(p, dt);
        let (tau_m, cm) = (p.scalar("tau_m"), p.scalar("cm"));
        let (te, ti) = (p.scalar("tau_syn_E"), p.scalar("tau_syn_I"));
        let n = cm.len();
        self.p11_ex = te.iter().map(|t| (-dt / t).exp()).collect();
        self.p11_in = ti.iter().map(|t| (-dt / t).exp()).collect();
        self.p31_ex = (0..n).map(|i| p31(te[i], tau_m[i], cm[i], dt)).collect();
        self.p32_ex = (0..n).map(|i| p32(te[i], tau_m[i], cm[i], dt)).collect();
        self.p31_in = (0..n).map(|i| p31(ti[i], tau_m[i], cm[i], dt)).collect();
        self.p32_in = (0..n).map(|i| p32(ti[i], tau_m[i], cm[i], dt)).collect();
        // NEST: EPSCInitialValue = e / tau_syn, so that a weight w gives a
        // current peaking at w, tau_syn after arrival.
        self.epsc0 = te.iter().map(|t| std::f64::consts::E / t).collect();
        self.ipsc0 = ti.iter().map(|t| std::f64::consts::E / t).collect();
        self.expm1_tm = tau_m.iter().map(|t| (-dt / t).exp_m1()).collect();
        if !self.c.v_rest.is_empty() {
            rebase(&mut self.y, &self.c.v_rest, &c.v_rest);
        }
        self.c = c;
    }
}

impl NativeCell for IF_curr_alpha {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let n = params.size();
        let z = || vec![0.0; n];
        let mut k = IafPscAlpha {
            dt: ctx.dt,
            c: Common::default(),
            p11_ex: z(),
            p11_in: z(),
            p31_ex: z(),
            p32_ex: z(),
            p31_in: z(),
            p32_in: z(),
            epsc0: z(),
            ipsc0: z(),
            expm1_tm: z(),
            y: z(),
            di_ex: z(),
            i_ex: z(),
            di_in: z(),
            i_in: z(),
            r: vec![0; n],
            init_v: initial.scalar("v").to_vec(),
            init_ex: initial.scalar("isyn_exc").to_vec(),
            init_in: initial.scalar("isyn_inh").to_vec(),
        };
        k.derive(params);
        k.reset();
        Ok(Box::new(k))
    }
}

impl Kernel for IafPscAlpha {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh) = (input.synaptic[0], input.synaptic[1]);
        let c = &self.c;
        let dt = self.dt;
        for i in 0..self.y.len() {
            if self.r[i] == 0 {
                self.y[i] = c.p20[i] * (input.current[i] + c.i_offset[i])
                    + self.p31_ex[i] * self.di_ex[i]
                    + self.p32_ex[i] * self.i_ex[i]
                    + self.p31_in[i] * self.di_in[i]
                    + self.p32_in[i] * self.i_in[i]
                    + self.expm1_tm[i] * self.y[i]
                    + self.y[i];
            } else {
                self.r[i] -= 1;
            }
            // I <- P21 dI + P22 I with P21 = h P11, P22 = P11.
            self.i_ex[i] = dt * self.p11_ex[i] * self.di_ex[i] + self.p11_ex[i] * self.i_ex[i];
            self.di_ex[i] = self.di_ex[i] * self.p11_ex[i] + self.epsc0[i] * ex[i];
            self.i_in[i] = dt * self.p11_in[i] * self.di_in[i] + self.p11_in[i] * self.i_in[i];
            self.di_in[i] = self.di_in[i] * self.p11_in[i] + self.ipsc0[i] * inh[i];
            if self.y[i] >= c.theta[i] {
                self.r[i] = c.refrac[i];
                self.y[i] = c.v_reset[i];
                spikes.push((i as u32, input.step + 1));
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params);
        Ok(())
    }

    current_based_state_methods!("IF_curr_alpha");

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.c.v_rest[i];
        }
        self.i_ex.clone_from(&self.init_ex);
        self.i_in.clone_from(&self.init_in);
        self.di_ex.iter_mut().for_each(|x| *x = 0.0);
        self.di_in.iter_mut().for_each(|x| *x = 0.0);
        self.r.iter_mut().for_each(|r| *r = 0);
    }
}

// -------------------------------------------------------------- IF_curr_delta

/// Native kernel of [`IF_curr_delta`].
pub struct IafPscDelta {
    dt: f64,
    c: Common,
    y: Vec<f64>,
    r: Refractory,
    init_v: Vec<f64>,
    /// The propagators when every cell of the shard shares them.
    uniform: Option<DeltaCols<f64>>,
}

impl NativeCell for IF_curr_delta {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let n = params.size();
        let mut k = IafPscDelta {
            dt: ctx.dt,
            c: Common::default(),
            y: vec![0.0; n],
            r: Refractory::new(n),
            init_v: initial.scalar("v").to_vec(),
            uniform: None,
        };
        k.derive(Common::new(params, ctx.dt));
        k.reset();
        Ok(Box::new(k))
    }
}

/// The per-cell columns of the `IF_curr_delta` update.
#[derive(Clone, Copy)]
struct DeltaCols<C> {
    p22: C,
    p20: C,
    ie: C,
    theta: C,
}

/// The state and input the `IF_curr_delta` update writes and reads (as
/// in [`ExpState`]).
struct DeltaState<'a> {
    y: &'a mut [f64],
    until: &'a mut [u32],
    ex: &'a mut [f64],
    inh: &'a mut [f64],
    cur: Option<&'a [f64]>,
}

impl<C: Col> DeltaCols<C> {
    #[inline(always)]
    fn block(self, lo: usize, hi: usize) -> Self {
        let b = |c: C| c.window(lo, hi);
        DeltaCols { p22: b(self.p22), p20: b(self.p20), ie: b(self.ie), theta: b(self.theta) }
    }
}

/// Steps 1 and 2 for the cells of one block, zeroing the input once read;
/// returns whether any cell reached its threshold. Branch-free, so that it
/// vectorises; separate slice arguments, `until` and `cur` as in
/// [`exp_block`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn delta_block<C: Col, K: Col>(
    p: DeltaCols<C>,
    cur: K,
    now: u32,
    y: &mut [f64],
    until: &[u32],
    ex: &mut [f64],
    inh: &mut [f64],
) -> bool {
    let n = y.len();
    let (until, ex, inh, cur) = (&until[..n], &mut ex[..n], &mut inh[..n], cur.prefix(n));
    let (p22, p20, ie, theta) = (p.p22.prefix(n), p.p20.prefix(n), p.ie.prefix(n), p.theta.prefix(n));
    let mut any = false;
    for i in 0..n {
        // NEST: V = P30 (y0 + I_e) + P33 V + (input spikes, mV); input
        // arriving during the refractory period is discarded
        // (refractory_input = false).
        let v = p20.at(i) * (cur.at(i) + ie.at(i)) + p22.at(i) * y[i] + (ex[i] + inh[i]);
        let v = if until[i] <= now { v } else { y[i] };
        y[i] = v;
        ex[i] = 0.0;
        inh[i] = 0.0;
        any |= v >= theta.at(i);
    }
    any
}

/// One step of every cell ([`by_blocks!`] over [`delta_block`]), with the
/// injected current `cur` (a column, or 0.0).
#[inline(always)]
fn delta_blocks<C: Col, K: Col>(p: DeltaCols<C>, cur: K, s: DeltaState<'_>, f: &mut Fire<'_>) {
    let DeltaState { y, until, ex, inh, .. } = s;
    let now = f.now;
    by_blocks!(y, until, f, |lo, hi, y, until| {
        delta_block(p.block(lo, hi), cur.window(lo, hi), now, y, until, &mut ex[lo..hi], &mut inh[lo..hi])
    });
}

/// [`delta_blocks`] with the current read from memory only when there is one.
#[inline(always)]
fn delta_body<C: Col>(p: DeltaCols<C>, s: DeltaState<'_>, mut f: Fire<'_>) {
    match s.cur {
        Some(cur) => delta_blocks(p, cur, s, &mut f),
        None => delta_blocks(p, 0.0, s, &mut f),
    }
}

dispatch! {
    fn delta_update<C: Col>(p: DeltaCols<C>, s: DeltaState<'_>, f: Fire<'_>) -> () = delta_body;
}

impl IafPscDelta {
    /// One step; the input is zeroed once read; `cur` is `None` when no
    /// current is injected.
    fn update(&mut self, step: u64, ex: &mut [f64], inh: &mut [f64], cur: Option<&[f64]>, spikes: &mut SpikeOut) {
        let n = self.y.len();
        let now = self.r.now(step);
        let (ex, inh, cur) = (&mut ex[..n], &mut inh[..n], cur.map(|c| &c[..n]));
        let s = DeltaState { y: &mut self.y, until: &mut self.r.until, ex, inh, cur };
        let c = &self.c;
        let f = Fire { theta: &c.theta, reset: &c.v_reset, refrac: &c.refrac, now, stamp: step + 1, spikes };
        match self.uniform {
            Some(p) => delta_update(p, s, f),
            None => delta_update(DeltaCols { p22: &c.p22[..], p20: &c.p20, ie: &c.i_offset, theta: &c.theta }, s, f),
        }
    }

    fn derive(&mut self, c: Common) {
        if !self.c.v_rest.is_empty() {
            rebase(&mut self.y, &self.c.v_rest, &c.v_rest);
        }
        self.uniform = (|| {
            Some(DeltaCols {
                p22: uniform(&c.p22)?,
                p20: uniform(&c.p20)?,
                ie: uniform(&c.i_offset)?,
                theta: uniform(&c.theta)?,
            })
        })();
        self.c = c;
    }
}

impl Kernel for IafPscDelta {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let n = self.y.len();
        let mut ex = input.synaptic[0][..n].to_vec();
        let mut inh = input.synaptic[1][..n].to_vec();
        self.update(input.step, &mut ex, &mut inh, Some(input.current), spikes);
    }

    clearing_methods!();

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(Common::new(params, self.dt));
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        if name != "v" {
            return Err(unknown_state("IF_curr_delta", name, &["v"]));
        }
        scatter(&mut self.init_v, cells, values);
        for (c, v) in cells.iter().zip(values) {
            self.y[*c] = v - self.c.v_rest[*c];
        }
        Ok(())
    }

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.c.v_rest[i];
        }
        self.r.reset();
    }

    fn variable(&self, name: &str) -> Option<usize> {
        (name == "v").then_some(0)
    }

    fn read(&self, _var: usize, cells: &[usize], out: &mut Vec<f64>) {
        out.extend(cells.iter().map(|c| self.y[*c] + self.c.v_rest[*c]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::simd::{self, Isa};
    use pynn_core::cells::CellType;
    use pynn_core::parameters::Column;

    /// A xorshift stream of numbers in [0, 1) (test input only).
    fn stream(mut seed: u64) -> impl FnMut() -> f64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Parameter and state tables of `n` cells of `C`: PyNN's defaults, but
    /// with `v_rest` above `v_thresh` (so that cells fire on their own, as
    /// in VA CUBA), a 2 ms refractory period and, if `mixed`, every
    /// parameter varying from cell to cell (the kernels' per-cell columns
    /// instead of their shared constants).
    fn tables<C: CellType>(n: usize, mixed: bool, next: &mut impl FnMut() -> f64) -> (ParamTable, ParamTable) {
        let all: Vec<usize> = (0..n).collect();
        let mut p = ParamTable::defaults(C::PARAMETERS, n);
        let mut set = |name: &str, lo: f64, spread: f64, next: &mut dyn FnMut() -> f64| {
            let v = (0..n).map(|_| lo + if mixed { spread * next() } else { 0.0 }).collect();
            p.assign(name, &all, Column::Scalar(v));
        };
        set("tau_m", 20.0, 10.0, next);
        set("cm", 0.2, 0.3, next);
        set("v_rest", -49.0, 2.0, next);
        set("v_thresh", -50.0, 1.0, next);
        set("v_reset", -60.0, 5.0, next);
        set("tau_refrac", 2.0, 3.0, next);
        set("i_offset", 0.0, 0.1, next);
        set("tau_syn_E", 5.0, 2.0, next);
        set("tau_syn_I", 10.0, 2.0, next);
        let mut init = ParamTable::defaults(C::STATE, n);
        init.assign("v", &all, Column::Scalar((0..n).map(|_| -60.0 + 10.0 * next()).collect()));
        (p, init)
    }

    fn build<C: NativeCell>(p: &ParamTable, init: &ParamTable) -> Box<dyn Kernel> {
        let ctx = BuildContext { dt: 0.1, seed: 1, population: 0, label: "t".into(), first_cell: 0, composition: None };
        C::build(p, init, &ctx).unwrap()
    }

    /// One step's random synaptic input of `n` cells (excitatory,
    /// inhibitory): about a fifth of the cells get up to 0.5 nA (1 mV for
    /// `delta`) excitatory, a tenth as much inhibitory.
    fn random_input(n: usize, delta: bool, next: &mut impl FnMut() -> f64) -> (Vec<f64>, Vec<f64>) {
        let w = if delta { 1.0 } else { 0.5 };
        let ex = (0..n).map(|_| if next() < 0.2 { w * next() } else { 0.0 }).collect();
        let inh = (0..n).map(|_| if next() < 0.1 { -w * next() } else { 0.0 }).collect();
        (ex, inh)
    }

    /// Asserts that the variables `vars` (`v`, `isyn_exc`, `isyn_inh`) of
    /// every cell of `k` equal those of `reference` bit for bit.
    fn assert_state(k: &dyn Kernel, vars: &[usize], reference: &Reference, p: &ParamTable, ctx: &str) {
        let cells: Vec<usize> = (0..reference.y.len()).collect();
        for &var in vars {
            let mut got = Vec::new();
            k.read(var, &cells, &mut got);
            let want: Vec<f64> = match var {
                0 => reference.y.iter().zip(p.scalar("v_rest")).map(|(y, e)| y + e).collect(),
                1 => reference.iex.clone(),
                _ => reference.iin.clone(),
            };
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.to_bits(), w.to_bits(), "{ctx}: variable {var} of cell {i}");
            }
            assert_eq!(got.len(), want.len(), "{ctx}: variable {var}");
        }
    }

    /// NEST's `iaf_psc_exp::update` written out cell by cell (the order of
    /// the operations of `models/iaf_psc_exp.cpp`), with `v` relative to
    /// `v_rest`; or, if `delta`, `iaf_psc_delta::update`.
    struct Reference {
        delta: bool,
        prop: Vec<[f64; 6]>,
        theta: Vec<f64>,
        reset: Vec<f64>,
        ie: Vec<f64>,
        refrac: Vec<u32>,
        y: Vec<f64>,
        iex: Vec<f64>,
        iin: Vec<f64>,
        r: Vec<u32>,
    }

    impl Reference {
        fn new(delta: bool, p: &ParamTable, init: &ParamTable) -> Self {
            let dt = 0.1;
            let (tm, cm, el) = (p.scalar("tau_m"), p.scalar("cm"), p.scalar("v_rest"));
            let n = el.len();
            let rel = |name: &str| p.scalar(name).iter().zip(el).map(|(x, e)| x - e).collect::<Vec<_>>();
            // IF_curr_delta has no synaptic time constants (nor currents).
            let (te, ti) = if delta { (tm, tm) } else { (p.scalar("tau_syn_E"), p.scalar("tau_syn_I")) };
            Reference {
                delta,
                prop: (0..n)
                    .map(|i| {
                        [
                            (-dt / tm[i]).exp(),
                            -tm[i] / cm[i] * (-dt / tm[i]).exp_m1(),
                            (-dt / te[i]).exp(),
                            (-dt / ti[i]).exp(),
                            if delta { 0.0 } else { p32(te[i], tm[i], cm[i], dt) },
                            if delta { 0.0 } else { p32(ti[i], tm[i], cm[i], dt) },
                        ]
                    })
                    .collect(),
                theta: rel("v_thresh"),
                reset: rel("v_reset"),
                ie: p.scalar("i_offset").to_vec(),
                refrac: p.scalar("tau_refrac").iter().map(|t| refractory_steps(*t, dt)).collect(),
                y: init.scalar("v").iter().zip(el).map(|(v, e)| v - e).collect(),
                iex: vec![0.0; n],
                iin: vec![0.0; n],
                r: vec![0; n],
            }
        }

        fn step(&mut self, step: u64, ex: &[f64], inh: &[f64], cur: &[f64], out: &mut SpikeOut) {
            for i in 0..self.y.len() {
                let [p22, p20, p11e, p11i, p21e, p21i] = self.prop[i];
                if self.r[i] == 0 {
                    self.y[i] = if self.delta {
                        p20 * (cur[i] + self.ie[i]) + p22 * self.y[i] + (ex[i] + inh[i])
                    } else {
                        self.y[i] * p22 + self.iex[i] * p21e + self.iin[i] * p21i + (self.ie[i] + cur[i]) * p20
                    };
                } else {
                    self.r[i] -= 1;
                }
                if !self.delta {
                    self.iex[i] = self.iex[i] * p11e + ex[i];
                    self.iin[i] = self.iin[i] * p11i + inh[i];
                }
                if self.y[i] >= self.theta[i] {
                    self.r[i] = self.refrac[i];
                    self.y[i] = self.reset[i];
                    out.push((i as u32, step + 1));
                }
            }
        }
    }

    /// The kernel of `C` for 150 cells (two blocks of [`BLOCK`] and a
    /// part block of 22) against [`Reference`], over 3000 steps of random
    /// input strong enough for spikes in most steps, at every instruction
    /// set this CPU has, through both [`Kernel::step`] and
    /// [`Kernel::step_clearing`], with shared and with per-cell
    /// parameters. The spikes (cells, in order, and steps), the membrane
    /// potential and the synaptic currents must be identical bit for bit
    /// after every step, and the ring-buffer slots zeroed by
    /// `step_clearing`. A kernel that dropped a block's threshold test,
    /// numbered a block's cells from 0 or reordered its spikes fails. In
    /// the steps without injected current, every other clearing step goes
    /// through [`Kernel::step_clearing_no_current`] (no current read). The
    /// steps run from 0 and, once, across step 2^31, where
    /// [`Refractory`] moves its epoch: a refractory period cut or
    /// lengthened there changes the spikes.
    fn matches_reference<C: NativeCell>(delta: bool) {
        let n = 150;
        let runs = simd::available().into_iter().flat_map(|isa| [(isa, 0u64)]).chain([(Isa::Base, (1 << 31) - 1500)]);
        for (isa, first_step) in runs {
            for mixed in [false, true] {
                for clearing in [false, true] {
                    let mut next = stream(0x2545_f491_4f6c_dd1d);
                    let (p, init) = tables::<C>(n, mixed, &mut next);
                    let mut k = build::<C>(&p, &init);
                    let mut reference = Reference::new(delta, &p, &init);
                    let vars: Vec<usize> = ["v", "isyn_exc", "isyn_inh"].iter().filter_map(|v| k.variable(v)).collect();
                    let mut n_spikes = 0;
                    for step in first_step..first_step + 3000 {
                        let (mut ex, mut inh) = random_input(n, delta, &mut next);
                        let cur: Vec<f64> =
                            (0..n).map(|_| if step % 500 < 100 { 0.05 * next() } else { 0.0 }).collect();
                        let mut expected = Vec::new();
                        reference.step(step, &ex, &inh, &cur, &mut expected);
                        let mut out = Vec::new();
                        simd::with_isa_limit(isa, || {
                            let no_current = cur.iter().all(|c| c.to_bits() == 0) && step % 2 == 0;
                            if clearing && no_current {
                                let slots = &mut [&mut ex[..], &mut inh[..]];
                                assert!(k.step_clearing_no_current(step, slots, &cur, &mut out));
                                assert!(ex.iter().chain(&inh).all(|x| x.to_bits() == 0), "input slots not zeroed");
                            } else if clearing {
                                assert!(k.step_clearing(step, &mut [&mut ex[..], &mut inh[..]], &cur, &mut out));
                                assert!(ex.iter().chain(&inh).all(|x| x.to_bits() == 0), "input slots not zeroed");
                            } else {
                                k.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
                            }
                        });
                        let ctx = format!("{} {isa:?} mixed {mixed} clearing {clearing} step {step}", C::NAME);
                        assert_eq!(out, expected, "{ctx}: spikes");
                        n_spikes += out.len();
                        assert_state(k.as_ref(), &vars, &reference, &p, &ctx);
                    }
                    // Spikes in most steps, in every block (a test that
                    // saw none would prove nothing about the threshold).
                    assert!(n_spikes > 3000, "{} {isa:?}: only {n_spikes} spikes", C::NAME);
                }
            }
        }
    }

    /// `tau_refrac` set and `v` initialised while cells are refractory,
    /// around the step (2^31) where [`Refractory`] moves its epoch, then a
    /// reset and steps from 0 again, against [`Reference`] (NEST's count:
    /// the period under way keeps its length, later spikes take the new
    /// one; an initialised `v` is held until the period ends): spikes and
    /// every state variable bit for bit after every step. Both changes
    /// land on cells in every phase of their period (periods of 0.1-5 ms,
    /// most cells firing every few ms).
    fn changes_across_the_epoch<C: NativeCell>(delta: bool) {
        let n = 150;
        let all: Vec<usize> = (0..n).collect();
        for mixed in [false, true] {
            let mut next = stream(0x9e37_79b9_7f4a_7c15);
            let (p, init) = tables::<C>(n, mixed, &mut next);
            let mut k = build::<C>(&p, &init);
            let mut reference = Reference::new(delta, &p, &init);
            let vars: Vec<usize> = ["v", "isyn_exc", "isyn_inh"].iter().filter_map(|v| k.variable(v)).collect();
            let mut init_v = init.scalar("v").to_vec();
            let epoch = 1u64 << 31;
            let mut n_spikes = 0;
            let mut steps: Vec<u64> = (epoch - 600..epoch + 600).collect();
            steps.extend(0..300);
            for (j, &step) in steps.iter().enumerate() {
                if step == 0 && j > 0 {
                    // Back to the initial values (those `initialize` set)
                    // with the parameters in force.
                    k.reset();
                    let refrac = std::mem::take(&mut reference.refrac);
                    reference = Reference::new(delta, &p, &init);
                    reference.refrac = refrac;
                    let rest = p.scalar("v_rest");
                    reference.y = init_v.iter().zip(rest).map(|(v, e)| v - e).collect();
                }
                if step == epoch - 5 || step == epoch + 200 || step == 100 {
                    let mut p2 = p.clone();
                    let r: Vec<f64> = (0..n).map(|_| 0.1 + 4.9 * next()).collect();
                    reference.refrac = r.iter().map(|t| refractory_steps(*t, 0.1)).collect();
                    p2.assign("tau_refrac", &all, Column::Scalar(r));
                    k.set_parameters(&p2).unwrap();
                }
                if step == epoch || step == epoch + 3 || step == 150 {
                    let cells: Vec<usize> = (0..n).step_by(3).collect();
                    let v: Vec<f64> = cells.iter().map(|_| -58.0 + 6.0 * next()).collect();
                    k.initialize("v", &cells, &v).unwrap();
                    for (c, v) in cells.iter().zip(&v) {
                        reference.y[*c] = v - p.scalar("v_rest")[*c];
                        init_v[*c] = *v;
                    }
                }
                let (mut ex, mut inh) = random_input(n, delta, &mut next);
                let zeros = vec![0.0; n];
                let mut expected = Vec::new();
                reference.step(step, &ex, &inh, &zeros, &mut expected);
                let mut out = Vec::new();
                assert!(k.step_clearing_no_current(step, &mut [&mut ex[..], &mut inh[..]], &zeros, &mut out));
                let ctx = format!("{} mixed {mixed} step {step}", C::NAME);
                assert_eq!(out, expected, "{ctx}: spikes");
                n_spikes += out.len();
                assert_state(k.as_ref(), &vars, &reference, &p, &ctx);
            }
            assert!(n_spikes > 1500, "{}: only {n_spikes} spikes", C::NAME);
        }
    }

    #[test]
    fn if_curr_exp_changes_across_the_epoch_match_nest() {
        changes_across_the_epoch::<IF_curr_exp>(false);
    }

    #[test]
    fn if_curr_delta_changes_across_the_epoch_match_nest() {
        changes_across_the_epoch::<IF_curr_delta>(true);
    }

    /// The epoch of [`Refractory`] moves at 2^31 steps, keeping what is
    /// left of each refractory period: a cell that spiked 10 steps before
    /// with 50 steps of refractoriness is held 40 more steps, then free.
    #[test]
    fn refractory_epoch_keeps_the_remaining_steps() {
        let mut r = Refractory::new(2);
        let k = (1u64 << 31) - 10;
        assert_eq!(r.now(k), k as u32);
        r.until[0] = (k as u32).saturating_add(1).saturating_add(50); // spike in step k
        r.until[1] = 5; // free long ago
        let now = r.now(k + 10);
        assert_eq!((now, r.epoch), (0, k + 10));
        assert_eq!(r.until, vec![41, 0]);
        // Held in steps k + 11 ..= k + 50, free from k + 51 (as NEST's count).
        assert!(r.until[0] > r.now(k + 50) && r.until[0] <= r.now(k + 51));
        // A step before the epoch (only after a reset) frees every cell.
        assert_eq!(r.now(3), 0);
        assert_eq!((r.epoch, r.until[0]), (3, 0));
    }

    #[test]
    fn if_curr_exp_matches_nest_update_bit_for_bit() {
        matches_reference::<IF_curr_exp>(false);
    }

    #[test]
    fn if_curr_delta_matches_nest_update_bit_for_bit() {
        matches_reference::<IF_curr_delta>(true);
    }
}
