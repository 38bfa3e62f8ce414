//! Native kernels of the adaptive exponential integrate-and-fire models
//! `EIF_cond_exp_isfa_ista` (NEST `aeif_cond_exp`) and
//! `EIF_cond_alpha_isfa_ista` (`aeif_cond_alpha`).
//!
//! Each follows NEST 3.10's `update()` (`models/aeif_cond_*.cpp`): the state
//! is integrated with the adaptive RKF45 of [`super::rkf45`] under NEST's
//! control (`gsl_odeiv_control_yp_new(1e-6, 1e-6)`), in NEST's units (mV, nS,
//! pF, pA); after every sub-step, a refractory cell is clamped at `v_reset`
//! and a cell reaching `v_spike` (or `v_thresh` if `delta_T = 0`) spikes:
//! `v = v_reset`, `w += b`, refractory for `tau_refrac` (counted from the
//! next step). After the step the refractory counter is decremented and the
//! input is added (to the conductance, or to its derivative scaled by
//! `e / tau_syn` for the alpha model).

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::{Block, Control, LANES, Lanes, Rkf45, System, block_get, block_set, control};
use super::simd::{Real, V8, bits, dispatch};
use pynn_core::parameters::ParamTable;
use pynn_core::{EIF_cond_alpha_isfa_ista, EIF_cond_exp_isfa_ista, Error, Result};

/// NEST's default `gsl_error_tol` for the aeif models.
const GSL_ERROR_TOL: f64 = 1e-6;

#[derive(Debug, Clone, Copy)]
pub(crate) struct AdexParams {
    v_peak: f64,
    /// Spike detection: `v_peak`, or `v_th` when `delta_T = 0`.
    v_detect: f64,
    v_reset: f64,
    e_l: f64,
    g_l: f64,
    c_m: f64,
    e_ex: f64,
    e_in: f64,
    tau_e: f64,
    tau_i: f64,
    i_e: f64,
    a: f64,
    b: f64,
    delta_t: f64,
    tau_w: f64,
    v_th: f64,
    refrac: u32,
    g0_e: f64,
    g0_i: f64,
}

fn params(p: &ParamTable, dt: f64) -> Vec<AdexParams> {
    let col = |n: &str| p.scalar(n);
    (0..p.size())
        .map(|i| {
            let (cm, tau_m) = (col("cm")[i], col("tau_m")[i]);
            let (te, ti) = (col("tau_syn_E")[i], col("tau_syn_I")[i]);
            let delta_t = col("delta_T")[i];
            AdexParams {
                v_peak: col("v_spike")[i],
                v_detect: if delta_t > 0.0 { col("v_spike")[i] } else { col("v_thresh")[i] },
                v_reset: col("v_reset")[i],
                e_l: col("v_rest")[i],
                // PyNN -> NEST: g_L = cm / tau_m * 1000 nS, C_m = cm * 1000 pF,
                // b nA -> pA, a stays in nS, I_e nA -> pA.
                g_l: cm / tau_m * 1000.0,
                c_m: cm * 1000.0,
                e_ex: col("e_rev_E")[i],
                e_in: col("e_rev_I")[i],
                tau_e: te,
                tau_i: ti,
                i_e: col("i_offset")[i] * 1000.0,
                a: col("a")[i],
                b: col("b")[i] * 1000.0,
                delta_t,
                tau_w: col("tau_w")[i],
                v_th: col("v_thresh")[i],
                refrac: refractory_steps(col("tau_refrac")[i], dt),
                g0_e: std::f64::consts::E / te,
                g0_i: std::f64::consts::E / ti,
            }
        })
        .collect()
}

/// One cell's (`T = f64`) or [`LANES`] cells' (`T = V8`) constants of the
/// right-hand side during a step.
#[derive(Clone, Copy)]
pub(crate) struct Consts<T: Real> {
    v_peak: T,
    v_reset: T,
    e_l: T,
    g_l: T,
    c_m: T,
    e_ex: T,
    e_in: T,
    tau_e: T,
    tau_i: T,
    i_e: T,
    a: T,
    delta_t: T,
    tau_w: T,
    v_th: T,
    /// Injected current (pA).
    i_stim: T,
    /// Refractory: `v` held at `v_reset`, `dv/dt = 0` ([`Real::Bits`]).
    refractory: T::Bits,
    /// `delta_T == 0`: no exponential term ([`Real::Bits`]).
    no_spike_term: T::Bits,
}

impl Consts<f64> {
    #[inline(always)]
    fn of(p: &AdexParams, refractory: bool, i_stim: f64) -> Self {
        Consts {
            v_peak: p.v_peak,
            v_reset: p.v_reset,
            e_l: p.e_l,
            g_l: p.g_l,
            c_m: p.c_m,
            e_ex: p.e_ex,
            e_in: p.e_in,
            tau_e: p.tau_e,
            tau_i: p.tau_i,
            i_e: p.i_e,
            a: p.a,
            delta_t: p.delta_t,
            tau_w: p.tau_w,
            v_th: p.v_th,
            i_stim,
            refractory: bits(refractory),
            no_spike_term: bits(p.delta_t == 0.0),
        }
    }
}

/// The parameters of [`LANES`] consecutive cells as the lanes read them:
/// [`Consts<V8>`] without the per-step current and refractory mask, the
/// rule after each sub-step and the input scales.
#[derive(Clone, Copy)]
pub(crate) struct Params8 {
    rhs: Consts<V8>,
    rule: Rule8,
    g0_e: Lanes,
    g0_i: Lanes,
}

impl Params8 {
    /// The parameters of cells `p[0..LANES]`.
    fn of(p: &[AdexParams]) -> Self {
        Self::gather(std::array::from_fn(|l| &p[l]))
    }

    /// The parameters of cells `p` (one per lane).
    #[inline(always)]
    fn gather(p: [&AdexParams; LANES]) -> Self {
        let col = |f: fn(&AdexParams) -> f64| -> Lanes { std::array::from_fn(|l| f(p[l])) };
        let v8 = |f: fn(&AdexParams) -> f64| V8(col(f));
        let rules: [Rule; LANES] = std::array::from_fn(|l| <ExpLayout as Family<4>>::rule(p[l]));
        Params8 {
            rhs: Consts {
                v_peak: v8(|p| p.v_peak),
                v_reset: v8(|p| p.v_reset),
                e_l: v8(|p| p.e_l),
                g_l: v8(|p| p.g_l),
                c_m: v8(|p| p.c_m),
                e_ex: v8(|p| p.e_ex),
                e_in: v8(|p| p.e_in),
                tau_e: v8(|p| p.tau_e),
                tau_i: v8(|p| p.tau_i),
                i_e: v8(|p| p.i_e),
                a: v8(|p| p.a),
                delta_t: v8(|p| p.delta_t),
                tau_w: v8(|p| p.tau_w),
                v_th: v8(|p| p.v_th),
                i_stim: V8([0.0; LANES]),
                refractory: [0; LANES],
                no_spike_term: std::array::from_fn(|l| bits(p[l].delta_t == 0.0)),
            },
            rule: Rule8::of(&rules),
            g0_e: col(|p| p.g0_e),
            g0_i: col(|p| p.g0_i),
        }
    }
}

/// Layout of the state vector of one model.
pub(crate) trait Layout<const N: usize>: Send + 'static {
    const MODEL: &'static str;
    const G_EXC: usize;
    const G_INH: usize;
    const W: usize;
    fn dynamics<T: Real>(p: &Consts<T>, y: &[T; N], f: &mut [T; N]);
    /// Adds the step's input (pA) to lane `l` of a block.
    fn add_input(q: &Params8, y: &mut Block<N>, l: usize, ex: f64, inh: f64);
}

/// NEST's `aeif_cond_*_dynamics` for the membrane and adaptation: `(dv, dw)`.
#[inline(always)]
fn membrane<T: Real>(p: &Consts<T>, v_raw: T, g_ex: T, g_in: T, w: T) -> (T, T) {
    let v = T::blend(p.refractory, p.v_reset, v_raw.min(p.v_peak));
    let i_syn = g_ex * (v - p.e_ex) + g_in * (v - p.e_in);
    let i_spike = T::blend(
        p.no_spike_term,
        T::splat(0.0),
        p.g_l * p.delta_t * ((v - p.v_th) / p.delta_t).exp_unless(p.no_spike_term),
    );
    let dv =
        T::blend(p.refractory, T::splat(0.0), (-p.g_l * (v - p.e_l) + i_spike - i_syn - w + p.i_e + p.i_stim) / p.c_m);
    let dw = (p.a * (v - p.e_l) - w) / p.tau_w;
    (dv, dw)
}

struct ExpLayout;
impl Layout<4> for ExpLayout {
    const MODEL: &'static str = "EIF_cond_exp_isfa_ista";
    const G_EXC: usize = 1;
    const G_INH: usize = 2;
    const W: usize = 3;
    #[inline(always)]
    fn dynamics<T: Real>(p: &Consts<T>, y: &[T; 4], f: &mut [T; 4]) {
        let (dv, dw) = membrane(p, y[0], y[1], y[2], y[3]);
        f[0] = dv;
        f[1] = -y[1] / p.tau_e;
        f[2] = -y[2] / p.tau_i;
        f[3] = dw;
    }
    #[inline(always)]
    fn add_input(_: &Params8, y: &mut Block<4>, l: usize, ex: f64, inh: f64) {
        y[1][l] += ex;
        y[2][l] += inh;
    }
}

struct AlphaLayout;
impl Layout<6> for AlphaLayout {
    const MODEL: &'static str = "EIF_cond_alpha_isfa_ista";
    const G_EXC: usize = 2;
    const G_INH: usize = 4;
    const W: usize = 5;
    #[inline(always)]
    fn dynamics<T: Real>(p: &Consts<T>, y: &[T; 6], f: &mut [T; 6]) {
        let (dv, dw) = membrane(p, y[0], y[2], y[4], y[5]);
        f[0] = dv;
        f[1] = -y[1] / p.tau_e;
        f[2] = y[1] - y[2] / p.tau_e;
        f[3] = -y[3] / p.tau_i;
        f[4] = y[3] - y[4] / p.tau_i;
        f[5] = dw;
    }
    #[inline(always)]
    fn add_input(q: &Params8, y: &mut Block<6>, l: usize, ex: f64, inh: f64) {
        y[1][l] += ex * q.g0_e[l];
        y[3][l] += inh * q.g0_i[l];
    }
}

/// The constants of NEST's rule after every sub-step of an AdEx-like
/// model ([`after_substep`]), for one cell.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rule {
    /// Spike detection: `v_peak`, or `v_th` when `delta_T = 0`.
    pub v_detect: f64,
    pub v_reset: f64,
    /// Spike-triggered adaptation (pA).
    pub b: f64,
    /// Refractory period (steps).
    pub refrac: u32,
}

/// [`Rule`] for the [`LANES`] cells of a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule8 {
    pub v_detect: Lanes,
    pub v_reset: Lanes,
    pub b: Lanes,
    /// Refractory count set by a spike: `refrac + 1` (the `+1` compensates
    /// the decrement after the step, as NEST), or 0.
    pub refrac1: [u32; LANES],
}

impl Rule8 {
    /// The rules of cells `r[0..LANES]`.
    pub fn of(r: &[Rule]) -> Self {
        Rule8 {
            v_detect: std::array::from_fn(|l| r[l].v_detect),
            v_reset: std::array::from_fn(|l| r[l].v_reset),
            b: std::array::from_fn(|l| r[l].b),
            refrac1: std::array::from_fn(|l| if r[l].refrac > 0 { r[l].refrac + 1 } else { 0 }),
        }
    }
}

/// A model of the AdEx family as [`step_blocks`] advances it: state `N`
/// components with `v` first and the adaptation current at `W`, integrated
/// by NEST's RKF45 with the derivative control (`gsl_error_tol` 1e-6), with
/// [`after_substep`] after every sub-step. The input is added by the
/// kernel after the step.
pub(crate) trait Family<const N: usize>: Send + 'static {
    /// The constants of one cell.
    type Cell: Copy;
    /// The constants of the [`LANES`] cells of a block.
    type Block: Copy;
    /// Index of the adaptation current `w` in the state.
    const ADAPTATION: usize;
    /// Fewest lanes of a block with a carried step of at least `dt` for
    /// which [`step_blocks`] tries the block's first sub-step (below it,
    /// every lane takes the scalar path at once).
    const MIN_BLOCK_LANES: usize = 1;
    /// The rule of a cell.
    fn rule(c: &Self::Cell) -> Rule;
    /// The rules of a block.
    fn rule8(b: &Self::Block) -> &Rule8;
    /// The constants of a block of the cells `c` (one per lane), as far
    /// as [`Family::block_rhs`] reads them.
    fn gather(c: [&Self::Cell; LANES]) -> Self::Block;
    /// Marks lane `l` of `b` idle: its derivatives are not read, so
    /// [`Family::block_rhs`] may skip its costly terms (`exp`).
    fn idle(b: &mut Self::Block, l: usize);
    /// The derivatives of one cell at `y`.
    fn cell_rhs(c: &Self::Cell, refractory: bool, i_stim: f64, y: &[f64; N], f: &mut [f64; N]);
    /// The derivatives of a block at `y` (lane by lane the operations of
    /// [`Family::cell_rhs`]); `refractory` as [`Real::Bits`].
    fn block_rhs(b: &Self::Block, refractory: &[u64; LANES], i_stim: &Lanes, y: &Block<N>, f: &mut Block<N>);
}

impl<L: Layout<N>, const N: usize> Family<N> for L {
    type Cell = AdexParams;
    type Block = Params8;
    const ADAPTATION: usize = L::W;
    #[inline(always)]
    fn rule(p: &AdexParams) -> Rule {
        Rule { v_detect: p.v_detect, v_reset: p.v_reset, b: p.b, refrac: p.refrac }
    }
    #[inline(always)]
    fn rule8(b: &Params8) -> &Rule8 {
        &b.rule
    }
    #[inline(always)]
    fn gather(c: [&AdexParams; LANES]) -> Params8 {
        Params8::gather(c)
    }
    #[inline(always)]
    fn idle(b: &mut Params8, l: usize) {
        b.rhs.no_spike_term[l] = u64::MAX;
    }
    #[inline(always)]
    fn cell_rhs(p: &AdexParams, refractory: bool, i_stim: f64, y: &[f64; N], f: &mut [f64; N]) {
        L::dynamics(&Consts::of(p, refractory, i_stim), y, f)
    }
    #[inline(always)]
    fn block_rhs(b: &Params8, refractory: &[u64; LANES], i_stim: &Lanes, y: &Block<N>, f: &mut Block<N>) {
        let mut c = b.rhs;
        c.i_stim = V8(*i_stim);
        c.refractory = *refractory;
        let mut d = [V8([0.0; LANES]); N];
        L::dynamics(&c, &y.map(V8), &mut d);
        for k in 0..N {
            f[k] = d[k].0;
        }
    }
}

/// The right-hand side of the cells of a kernel during the first sub-step
/// of a step (every lane, padding included, is a cell here).
struct FamilySystem<'a, M: Family<N>, const N: usize> {
    cells: &'a [M::Cell],
    blocks: &'a [M::Block],
    r: &'a [u32],
    /// Injected current per lane (pA).
    i_stim: &'a [f64],
}

impl<'a, M: Family<N>, const N: usize> System<N> for FamilySystem<'a, M, N> {
    type Chunk = (&'a M::Block, [u64; LANES], Lanes);

    #[inline(always)]
    fn chunk(&self, i0: usize) -> Self::Chunk {
        let (r, cur) = (&self.r[i0..i0 + LANES], &self.i_stim[i0..i0 + LANES]);
        let (mut refractory, mut i_stim) = ([0; LANES], [0.0; LANES]);
        for l in 0..LANES {
            i_stim[l] = cur[l];
            refractory[l] = bits(r[l] > 0);
        }
        (&self.blocks[i0 / LANES], refractory, i_stim)
    }

    #[inline(always)]
    fn lanes(&self, c: &Self::Chunk, y: &[Lanes; N], f: &mut [Lanes; N]) {
        M::block_rhs(c.0, &c.1, &c.2, y, f);
    }

    #[inline(always)]
    fn cell(&self, i: usize, y: &[f64; N], f: &mut [f64; N]) {
        M::cell_rhs(&self.cells[i], self.r[i] > 0, self.i_stim[i], y, f);
    }
}

/// NEST's rule after every sub-step: a refractory cell is held at
/// `v_reset`; another reaching `v_detect` spikes (`v_reset`, `w += b`,
/// refractory). Returns whether it spiked.
#[inline(always)]
fn after_substep<const N: usize>(p: &Rule, w: usize, y: &mut [f64; N], r: &mut u32) -> bool {
    if *r > 0 {
        y[0] = p.v_reset;
    } else if y[0] >= p.v_detect {
        y[0] = p.v_reset;
        y[w] += p.b;
        // +1 compensates the decrement after the step (NEST).
        *r = if p.refrac > 0 { p.refrac + 1 } else { 0 };
        return true;
    }
    false
}

/// Cell `c` from time `t` to the end of the step `h` by the scalar
/// stepper (NEST's loop of `gsl_odeiv_evolve_apply` calls, each followed
/// by [`after_substep`]), `step` the size of its next attempt; returns its
/// number of spikes.
#[inline(always)]
fn scalar_rest<M: Family<N>, const N: usize>(
    c: &M::Cell,
    i_stim: f64,
    h: f64,
    mut t: f64,
    y: &mut [f64; N],
    step: &mut f64,
    r: &mut u32,
) -> u32 {
    let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
    let rule = M::rule(c);
    let mut spikes = 0;
    while t < h {
        let refractory = *r > 0;
        solver.apply(y, &mut t, h, step, &|y: &[f64; N], f: &mut [f64; N]| M::cell_rhs(c, refractory, i_stim, y, f));
        spikes += u32::from(after_substep(&rule, M::ADAPTATION, y, r));
    }
    spikes
}

/// Scratch of [`step_blocks`]: the lanes whose first sub-step the block
/// pass declined, to be stepped together by [`step_fallen`].
#[derive(Debug, Default)]
pub(crate) struct Fallen {
    /// Lane index of each declined lane, ascending.
    lanes: Vec<u32>,
    /// Number of spikes of each (as `lanes`).
    counts: Vec<u32>,
    /// The block pass's spikes, while they are merged with the declined
    /// lanes'.
    spikes: SpikeOut,
}

/// What one step of a [`Family`] kernel reads and writes (per lane: padded
/// to whole blocks).
pub(crate) struct StepIo<'a, C, B, const N: usize> {
    pub h: f64,
    /// Number of cells (the lanes past it are padding).
    pub n: usize,
    /// Index of the step (spikes are stamped `step + 1`).
    pub index: u64,
    pub cells: &'a [C],
    pub blocks: &'a [B],
    /// Injected current per lane (pA).
    pub i_stim: &'a [f64],
    pub r: &'a mut [u32],
    pub y: &'a mut [Block<N>],
    pub step: &'a mut [f64],
    pub spikes: &'a mut SpikeOut,
    /// Scratch, kept between steps to avoid allocations.
    pub fallen: &'a mut Fallen,
}

/// One step of every cell of a [`Family`] kernel but its input, block by
/// block: the first sub-step of all [`LANES`] cells at once
/// ([`Rkf45::first_step_block`]); a block whose lanes all take their whole
/// step in it gets [`after_substep`] branch-free; the lanes it declines
/// (a rejected or shortened step, a carried step below `h`) are gathered
/// from all blocks and advanced from their state at the start of the step
/// by [`step_fallen`], eight at a time in the lanes. Then the refractory
/// counts go down. Each cell performs the scalar kernel's operations in
/// the same order, so the result is bit for bit the scalar kernel's;
/// spikes are pushed in cell order.
#[inline(always)]
pub(crate) fn step_blocks<M: Family<N>, const N: usize>(io: StepIo<'_, M::Cell, M::Block, N>) {
    let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
    let StepIo { h, n, index, cells, blocks, i_stim, r, y, step, spikes, fallen } = io;
    let m = y.len() * LANES;
    let (cells, i_stim, r, step) = (&cells[..m], &i_stim[..m], &mut r[..m], &mut step[..m]);
    fallen.lanes.clear();
    let first_spike = spikes.len();
    for (b, yb) in y.iter_mut().enumerate() {
        let i0 = b * LANES;
        let q = M::rule8(&blocks[b]);
        let sys = FamilySystem::<M, N> { cells, blocks, r, i_stim };
        // Cannot fail: the slices are LANES long.
        let steps: &mut Lanes = (&mut step[i0..i0 + LANES]).try_into().expect("a block has LANES lanes");
        // A lane whose carried step is below `h` cannot take its step
        // whole: with fewer than `M::MIN_BLOCK_LANES` lanes that can, the
        // block attempt is skipped and every lane takes the other path
        // (the same operations, so the same bits).
        let (y1, ok) = if steps.iter().filter(|s| **s >= h).count() >= M::MIN_BLOCK_LANES.max(1) {
            solver.first_step_block(&sys, i0, yb, h, steps)
        } else {
            (*yb, [0; LANES])
        };
        // Cannot fail: as above.
        let rb: &mut [u32; LANES] = (&mut r[i0..i0 + LANES]).try_into().expect("a block has LANES lanes");
        let mut count = [0u32; LANES];
        if ok.iter().fold(u64::MAX, |a, o| a & o) == u64::MAX {
            *yb = y1;
            *steps = [h; LANES];
            for l in 0..LANES {
                let (ri, v, w) = (rb[l], yb[0][l], yb[M::ADAPTATION][l]);
                let fire = (ri == 0) & (v >= q.v_detect[l]);
                yb[0][l] = if (ri != 0) | fire { q.v_reset[l] } else { v };
                yb[M::ADAPTATION][l] = if fire { w + q.b[l] } else { w };
                rb[l] = if fire { q.refrac1[l] } else { ri }.saturating_sub(1);
                count[l] = u32::from(fire);
            }
        } else {
            for l in 0..LANES {
                let i = i0 + l;
                if ok[l] != 0 {
                    let mut yi: [f64; N] = std::array::from_fn(|c| y1[c][l]);
                    steps[l] = h;
                    count[l] = u32::from(after_substep(&M::rule(&cells[i]), M::ADAPTATION, &mut yi, &mut rb[l]));
                    for c in 0..N {
                        yb[c][l] = yi[c];
                    }
                    rb[l] = rb[l].saturating_sub(1);
                } else {
                    fallen.lanes.push(i as u32);
                }
            }
        }
        for (l, &c) in count.iter().enumerate().take(LANES.min(n - i0)) {
            for _ in 0..c {
                spikes.push(((i0 + l) as u32, index + 1));
            }
        }
    }
    if fallen.lanes.is_empty() {
        return;
    }
    fallen.counts.clear();
    fallen.counts.resize(fallen.lanes.len(), 0);
    step_fallen::<M, N>(&solver, h, cells, i_stim, y, r, step, &fallen.lanes, &mut fallen.counts);
    // Merge the declined lanes' spikes into the block pass's, both in
    // cell order.
    fallen.spikes.clear();
    fallen.spikes.extend(spikes.drain(first_spike..));
    let mut done = fallen.spikes.iter().copied().peekable();
    for (&i, &c) in fallen.lanes.iter().zip(&fallen.counts) {
        if c == 0 || i as usize >= n {
            continue;
        }
        while let Some(s) = done.next_if(|s| s.0 < i) {
            spikes.push(s);
        }
        for _ in 0..c {
            spikes.push((i, index + 1));
        }
    }
    spikes.extend(done);
}

#[cfg(test)]
thread_local! {
    // Passes of `step_fallen` with every lane live (the tests check
    // that they exercise the batches).
    static FULL_PASSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Live lanes of [`step_fallen`] at or below which, when no declined lane
/// is waiting, the rest finishes in the scalar stepper (a pass costs the
/// eight lanes' right-hand sides however few are live).
const TAIL_LANES: usize = 2;

/// The whole step of each lane in `lanes` (lane indices, as in `y`,
/// `step`, `r`), from its state at the start of the step: the scalar
/// stepper's loop of [`Rkf45::apply`] calls, each followed by
/// [`after_substep`], then the refractory countdown; `counts` receives
/// the number of spikes of each. The lanes run eight at a time, one per
/// vector lane, each with its own time, step size and attempts
/// ([`Rkf45::attempt_block`], the decisions by [`control`] per lane); a
/// vector lane whose cell has finished its step takes the next one. Each
/// cell goes through the operations of the scalar stepper in the same
/// order, so the result is its bit for bit: a sub-step that starts where
/// the last one ended with the state and refractoriness it left (the rule
/// after it changed nothing) takes the derivative the last attempt
/// evaluated there as its first (`dydt_out` as `dydt_in`: the same
/// function of the same values), and when no declined lane is waiting
/// and at most [`TAIL_LANES`] are live, they finish in the scalar stepper
/// ([`scalar_rest`]: an `apply` restarted with the size of the next
/// attempt makes the same attempts as the retries it replaces).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn step_fallen<M: Family<N>, const N: usize>(
    solver: &Rkf45<N>,
    h: f64,
    cells: &[M::Cell],
    i_stim: &[f64],
    y: &mut [Block<N>],
    r: &mut [u32],
    step: &mut [f64],
    lanes: &[u32],
    counts: &mut [u32],
) {
    const FREE: usize = usize::MAX;
    // Per vector lane: the entry of `lanes` it runs (FREE: none), its
    // cell, the state at the start of the sub-step and its derivative,
    // the time, the size of the next attempt, the refractory count, the
    // spikes so far, the refractory mask and current of the sub-step.
    let mut slot = [FREE; LANES];
    let mut cell = [lanes[0] as usize; LANES];
    let z = [[0.0; LANES]; N];
    let (mut y0, mut k1) = (z, z);
    let (mut t, mut h0) = ([0.0; LANES], [0.0; LANES]);
    let (mut rr, mut spikes) = ([0u32; LANES], [0u32; LANES]);
    let (mut refractory, mut cur) = ([0u64; LANES], [0.0; LANES]);
    // The lanes starting a sub-step (their `k1` is evaluated).
    let mut starts = [false; LANES];
    let mut consts = M::gather(std::array::from_fn(|l| &cells[cell[l]]));
    let mut next = 0;
    // `dydt_out` can stand for `dydt_in` only if it is computed.
    let reuse = solver.a_dydt != 0.0;
    loop {
        let mut refilled = false;
        for l in 0..LANES {
            if slot[l] == FREE && next < lanes.len() {
                let i = lanes[next] as usize;
                (slot[l], cell[l]) = (next, i);
                next += 1;
                let yi = block_get(y, i);
                for c in 0..N {
                    y0[c][l] = yi[c];
                }
                (t[l], h0[l], rr[l], spikes[l], cur[l]) = (0.0, step[i], r[i], 0, i_stim[i]);
                starts[l] = true;
                refilled = true;
            }
        }
        if slot.iter().all(|s| *s == FREE) {
            return;
        }
        if refilled {
            consts = M::gather(std::array::from_fn(|l| &cells[cell[l]]));
            for (l, s) in slot.iter().enumerate() {
                if *s == FREE {
                    M::idle(&mut consts, l);
                }
            }
        }
        if starts.iter().any(|s| *s) {
            for l in 0..LANES {
                if starts[l] {
                    refractory[l] = bits(rr[l] > 0);
                }
            }
            let mut d = z;
            M::block_rhs(&consts, &refractory, &cur, &y0, &mut d);
            for c in 0..N {
                for l in 0..LANES {
                    if starts[l] {
                        k1[c][l] = d[c][l];
                    }
                }
            }
            starts = [false; LANES];
        }
        // `apply`'s clipping of the attempt to the end of the interval.
        let mut last = [false; LANES];
        for l in 0..LANES {
            let rest = h - t[l];
            last[l] = h0[l] > rest;
            if last[l] {
                h0[l] = rest;
            }
        }
        let f = |a: &Block<N>, d: &mut Block<N>| M::block_rhs(&consts, &refractory, &cur, a, d);
        let (y1, yp, rmax) = solver.attempt_block(f, &y0, &k1, &h0);
        #[cfg(test)]
        FULL_PASSES.with(|p| p.set(p.get() + u64::from(slot.iter().all(|s| *s != FREE))));
        for l in 0..LANES {
            if slot[l] == FREE {
                continue;
            }
            match control(rmax[l], h0[l], last[l], t[l], h) {
                Control::Retry(h_dec) => h0[l] = h_dec,
                Control::Accept { t: t_new, step: h_next } => {
                    let mut yl: [f64; N] = std::array::from_fn(|c| y1[c][l]);
                    (t[l], h0[l]) = (t_new, h_next);
                    let rule = M::rule(&cells[cell[l]]);
                    let was_refractory = rr[l] > 0;
                    spikes[l] += u32::from(after_substep(&rule, M::ADAPTATION, &mut yl, &mut rr[l]));
                    let same =
                        reuse && was_refractory == (rr[l] > 0) && (0..N).all(|c| yl[c].to_bits() == y1[c][l].to_bits());
                    for c in 0..N {
                        y0[c][l] = yl[c];
                        if same {
                            k1[c][l] = yp[c][l];
                        }
                    }
                    if t[l] < h {
                        starts[l] = !same;
                    } else {
                        let i = cell[l];
                        block_set(y, i, yl);
                        (step[i], r[i]) = (h_next, rr[l].saturating_sub(1));
                        counts[slot[l]] = spikes[l];
                        slot[l] = FREE;
                        M::idle(&mut consts, l);
                    }
                }
            }
        }
        // The tail: few live lanes and none waiting go scalar.
        let live = slot.iter().filter(|s| **s != FREE).count();
        if next == lanes.len() && live <= TAIL_LANES {
            for l in 0..LANES {
                if slot[l] == FREE {
                    continue;
                }
                let i = cell[l];
                let mut yl: [f64; N] = std::array::from_fn(|c| y0[c][l]);
                let (mut st, mut ri) = (h0[l], rr[l]);
                let n_spikes = scalar_rest::<M, N>(&cells[i], cur[l], h, t[l], &mut yl, &mut st, &mut ri);
                block_set(y, i, yl);
                (step[i], r[i]) = (st, ri.saturating_sub(1));
                counts[slot[l]] = spikes[l] + n_spikes;
            }
            return;
        }
    }
}

/// [`step_blocks`] compiled for the widest vector unit the CPU has.
trait StepBlocks<const N: usize> {
    fn run(io: StepIo<'_, AdexParams, Params8, N>);
}

macro_rules! step_blocks_for {
    ($layout:ty, $n:literal, $body:ident, $name:ident) => {
        #[inline(always)]
        fn $body(io: StepIo<'_, AdexParams, Params8, $n>) -> () {
            step_blocks::<$layout, $n>(io)
        }
        dispatch! {
            fn $name(io: StepIo<'_, AdexParams, Params8, $n>) -> () = $body;
        }
        impl StepBlocks<$n> for $layout {
            fn run(io: StepIo<'_, AdexParams, Params8, $n>) {
                $name(io)
            }
        }
    };
}

step_blocks_for!(ExpLayout, 4, step_blocks_exp_body, step_blocks_exp);
step_blocks_for!(AlphaLayout, 6, step_blocks_alpha_body, step_blocks_alpha);

/// Where an AdEx-family kernel keeps its cells' integration states: one
/// array per cell (`Vec<[f64; N]>`, the scalar kernels) or [`Block`]s of
/// [`LANES`] cells (`Vec<Block<N>>`).
pub(crate) trait StateRows<const N: usize> {
    /// Every state from `init` (one per cell; the lanes of the last block
    /// past the last cell, if any, take copies of the last cell's).
    fn load(&mut self, init: &[[f64; N]]);
    /// Sets component `k` of cell `i` to `x`.
    fn set(&mut self, i: usize, k: usize, x: f64);
}

impl<const N: usize> StateRows<N> for Vec<[f64; N]> {
    fn load(&mut self, init: &[[f64; N]]) {
        self.clear();
        self.extend_from_slice(init);
    }
    fn set(&mut self, i: usize, k: usize, x: f64) {
        self[i][k] = x;
    }
}

impl<const N: usize> StateRows<N> for Vec<Block<N>> {
    fn load(&mut self, init: &[[f64; N]]) {
        if let Some(&last) = init.last() {
            for i in 0..self.len() * LANES {
                block_set(self, i, init.get(i).copied().unwrap_or(last));
            }
        }
    }
    fn set(&mut self, i: usize, k: usize, x: f64) {
        self[i / LANES][k][i % LANES] = x;
    }
}

/// The integration state of an AdEx-family kernel (the AdEx models and the
/// AdExp `PointNeuron`s, block or scalar), with what `initialize` and
/// `reset` do to it.
pub(crate) struct AdexState<S, const N: usize> {
    /// The states (see [`StateRows`]).
    pub y: S,
    /// Carried RKF45 step size, per cell (or per lane).
    pub step: Vec<f64>,
    /// Refractory count, per cell (or per lane).
    pub r: Vec<u32>,
    /// The initial state of every cell, restored by [`AdexState::reset`].
    pub init: Vec<[f64; N]>,
}

impl<S: StateRows<N>, const N: usize> AdexState<S, N> {
    /// The state `y` (sized: `len` cells or lanes) loaded from `init`, step
    /// sizes `dt`, nothing refractory.
    pub fn new(mut y: S, len: usize, init: Vec<[f64; N]>, dt: f64) -> Self {
        y.load(&init);
        AdexState { y, step: vec![dt; len], r: vec![0; len], init }
    }

    /// Sets component `k` of `cells` to `values` times `scale`, in the
    /// current state and in the initial one.
    pub fn initialize(&mut self, k: usize, scale: f64, cells: &[usize], values: &[f64]) {
        for (c, v) in cells.iter().zip(values) {
            self.init[*c][k] = v * scale;
            self.y.set(*c, k, v * scale);
        }
    }

    /// Back to the initial state, step sizes `dt`, nothing refractory.
    pub fn reset(&mut self, dt: f64) {
        self.y.load(&self.init);
        self.step.fill(dt);
        self.r.fill(0);
    }
}

/// Native kernel of the AdEx models, for a state layout `L` of size `N`.
/// The state is kept in [`Block`]s of [`LANES`] cells, the lanes' own
/// layout; the lanes of the last block past the last cell (padding) are
/// simulated as copies of the last cell without input, never read.
pub(crate) struct AdexKernel<L: Layout<N>, const N: usize> {
    dt: f64,
    /// Number of cells.
    n: usize,
    /// Per lane (padding: copies of the last cell's).
    p: Vec<AdexParams>,
    /// Per block.
    lanes: Vec<Params8>,
    /// Per lane.
    s: AdexState<Vec<Block<N>>, N>,
    /// Scratch: the step's injected current per lane (pA; padding 0).
    i_stim: Vec<f64>,
    /// Scratch of [`step_blocks`].
    fallen: Fallen,
    _layout: std::marker::PhantomData<L>,
}

impl<L: Layout<N>, const N: usize> AdexKernel<L, N> {
    fn new(params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
        let n = params.size();
        let (v, w) = (initial.scalar("v"), initial.scalar("w"));
        let (ge, gi) = (initial.scalar("gsyn_exc"), initial.scalar("gsyn_inh"));
        let init: Vec<[f64; N]> = (0..n)
            .map(|i| {
                let mut s = [0.0; N];
                s[0] = v[i];
                s[L::G_EXC] = ge[i] * 1000.0;
                s[L::G_INH] = gi[i] * 1000.0;
                s[L::W] = w[i] * 1000.0;
                s
            })
            .collect();
        let m = n.div_ceil(LANES) * LANES;
        let mut k = AdexKernel {
            dt,
            n,
            p: vec![],
            lanes: vec![],
            s: AdexState::new(vec![[[0.0; LANES]; N]; m / LANES], m, init, dt),
            i_stim: vec![0.0; m],
            fallen: Fallen::default(),
            _layout: std::marker::PhantomData,
        };
        k.set_params(self::params(params, dt));
        k
    }

    /// Sets the parameters: per lane, padded with copies of the last cell's,
    /// and per block.
    fn set_params(&mut self, mut p: Vec<AdexParams>) {
        if let Some(&last) = p.last() {
            p.resize(self.s.y.len() * LANES, last);
        }
        self.lanes = p.chunks_exact(LANES).map(Params8::of).collect();
        self.p = p;
    }
}

impl<L: Layout<N> + StepBlocks<N>, const N: usize> Kernel for AdexKernel<L, N> {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let n = self.n;
        for (s, c) in self.i_stim.iter_mut().zip(&cur[..n]) {
            *s = c * 1000.0;
        }
        L::run(StepIo {
            h: self.dt,
            n,
            index: input.step,
            cells: &self.p,
            blocks: &self.lanes,
            i_stim: &self.i_stim,
            r: &mut self.s.r,
            y: &mut self.s.y,
            step: &mut self.s.step,
            spikes,
            fallen: &mut self.fallen,
        });
        let (ex, inh) = (&ex[..n], &inh[..n]);
        for (b, (yb, q)) in self.s.y.iter_mut().zip(&self.lanes).enumerate() {
            let i0 = b * LANES;
            for l in 0..LANES.min(n - i0) {
                L::add_input(q, yb, l, ex[i0 + l] * 1000.0, inh[i0 + l] * 1000.0);
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.set_params(self::params(params, self.dt));
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (k, scale) = match name {
            "v" => (0, 1.0),
            "w" => (L::W, 1000.0),
            "gsyn_exc" => (L::G_EXC, 1000.0),
            "gsyn_inh" => (L::G_INH, 1000.0),
            _ => {
                return Err(Error::unknown_name(
                    format!("native {}", L::MODEL),
                    "state variable",
                    name,
                    ["v", "w", "gsyn_exc", "gsyn_inh"],
                ));
            }
        };
        self.s.initialize(k, scale, cells, values);
        Ok(())
    }

    fn reset(&mut self) {
        self.s.reset(self.dt);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        ["v", "w", "gsyn_exc", "gsyn_inh"].iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let (k, scale) = match var {
            0 => (0, 1.0),
            1 => (L::W, 1e-3),
            2 => (L::G_EXC, 1e-3),
            _ => (L::G_INH, 1e-3),
        };
        out.extend(cells.iter().map(|c| block_get(&self.s.y, *c)[k] * scale));
    }
}

impl NativeCell for EIF_cond_exp_isfa_ista {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(AdexKernel::<ExpLayout, 4>::new(params, initial, ctx.dt)))
    }
}

impl NativeCell for EIF_cond_alpha_isfa_ista {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(AdexKernel::<AlphaLayout, 6>::new(params, initial, ctx.dt)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::rkf45::testing::{Gen, at_every_width, random_input};

    use pynn_core::cells::CellType;
    use pynn_core::parameters::Column;

    fn build<C: NativeCell>(v: &[f64]) -> Box<dyn Kernel> {
        let n = v.len();
        let params = ParamTable::defaults(C::PARAMETERS, n);
        let mut init = ParamTable::defaults(C::STATE, n);
        init.assign("v", &(0..n).collect::<Vec<_>>(), Column::Scalar(v.to_vec()));
        let ctx = BuildContext { dt: 0.1, seed: 1, population: 0, label: "t".into(), first_cell: 0, composition: None };
        C::build(&params, &init, &ctx).unwrap()
    }

    /// One kernel of 21 cells (two chunks of 8 through the vector lanes, a
    /// scalar tail of 5) against 21 kernels of one cell each (never the
    /// lanes: fewer cells than a chunk), over 3000 steps with random
    /// conductance input and injected current strong enough for spikes,
    /// refractoriness and sub-steps. Spikes (cell, step) and every state
    /// variable must be identical bit for bit after every step.
    fn lanes_equal_single_cells<C: NativeCell>() {
        let n = 21;
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let v: Vec<f64> = (0..n).map(|_| -70.0 + 20.0 * next()).collect();
        let mut all = build::<C>(&v);
        let mut single: Vec<_> = v.iter().map(|v| build::<C>(&[*v])).collect();
        let (mut n_spikes, vars) = (0, ["v", "w", "gsyn_exc", "gsyn_inh"].map(|x| all.variable(x).unwrap()));
        for step in 0..3000u64 {
            let ex: Vec<f64> = (0..n).map(|_| if next() < 0.3 { 0.05 * next() } else { 0.0 }).collect();
            let inh: Vec<f64> = (0..n).map(|_| if next() < 0.1 { 0.05 * next() } else { 0.0 }).collect();
            let cur: Vec<f64> = (0..n).map(|_| 0.6 * next()).collect();
            let mut out = Vec::new();
            all.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = Vec::new();
            for (i, k) in single.iter_mut().enumerate() {
                let mut o = Vec::new();
                k.step(&StepInput { step, synaptic: &[&ex[i..=i], &inh[i..=i]], current: &cur[i..=i] }, &mut o);
                expected.extend(o.into_iter().map(|(_, s)| (i as u32, s)));
                for var in vars {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    all.read(var, &[i], &mut a);
                    k.read(var, &[0], &mut b);
                    assert_eq!(a[0].to_bits(), b[0].to_bits(), "step {step}, cell {i}, variable {var}");
                }
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        assert!(n_spikes > 100, "{n_spikes} spikes: the scenario must exercise spikes and resets");
    }

    /// The kernel as it was before the lanes (per cell: the scalar RKF45
    /// loop with the rule after each sub-step, the countdown, the input),
    /// against the block kernel: `n` cells (21: two full blocks, one of 5
    /// cells and 3 padding lanes) with random parameters (two cells with
    /// `delta_T = 0`, a seventh with `tau_refrac = 0`, so that a cell can
    /// spike twice in a step), random conductance kicks and currents,
    /// `steps` steps. Spikes, state, carried step sizes and refractory
    /// counts must be identical bit for bit after every step; the scenario
    /// must exercise spikes, refractoriness, adaptation and the declined
    /// lanes (more than 1000 cell steps of more than one sub-step), and
    /// with `n >= 100` the batches of declined lanes with all eight lanes
    /// live (more than 100 passes). The bounds hold for `n * steps` near
    /// 63 000 and are well below what the scenario gives (printed).
    fn blocks_equal_the_scalar_stepper<L: Layout<N> + StepBlocks<N>, const N: usize, C: CellType>(
        n: usize,
        steps: u64,
    ) {
        let h = 0.1;
        let full_before = FULL_PASSES.with(|p| p.get());
        let mut g = Gen(0x5eed_0000_ade5_0001 ^ N as u64);
        let mut params = ParamTable::defaults(C::PARAMETERS, n);
        let all: Vec<usize> = (0..n).collect();
        let mut set = |name: &str, f: &mut dyn FnMut(usize, &mut Gen) -> f64| {
            let col = (0..n).map(|i| f(i, &mut g)).collect();
            params.assign(name, &all, Column::Scalar(col));
        };
        set("a", &mut |_, g| g.next(0.0, 8.0));
        set("b", &mut |_, g| g.next(0.0, 0.1));
        set("tau_w", &mut |_, g| g.next(30.0, 300.0));
        set("delta_T", &mut |i, g| if i == 3 || i == 17 { 0.0 } else { g.next(0.5, 3.0) });
        set("tau_refrac", &mut |i, g| if i % 7 == 2 { 0.0 } else { g.next(0.1, 3.0) });
        set("cm", &mut |_, g| g.next(0.05, 0.4));
        set("i_offset", &mut |_, g| g.next(0.0, 0.5));
        let mut init = ParamTable::defaults(C::STATE, n);
        init.assign("v", &all, Column::Scalar((0..n).map(|_| g.next(-70.0, -50.0)).collect()));
        let mut k = AdexKernel::<L, N>::new(&params, &init, h);
        let p = self::params(&params, h);
        let mut y: Vec<[f64; N]> = (0..n).map(|i| block_get(&k.s.y, i)).collect();
        let (mut st, mut r) = (vec![h; n], vec![0u32; n]);
        let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
        let (mut n_spikes, mut doubles, mut fallbacks, mut refractory, mut w_max) = (0, 0, 0, 0, 0.0f64);
        for step in 0..steps {
            let [ex, inh, cur] = random_input(&mut g, n, 0.3, 0.1, 0.08, 0.8);
            let mut out = SpikeOut::new();
            k.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let q = &p[i];
                let i_stim = cur[i] * 1000.0;
                let (mut t, mut calls, mut fired) = (0.0, 0, 0);
                while t < h {
                    let c = Consts::of(q, r[i] > 0, i_stim);
                    solver.apply(&mut y[i], &mut t, h, &mut st[i], &|a: &[f64; N], f: &mut [f64; N]| {
                        L::dynamics(&c, a, f)
                    });
                    calls += 1;
                    if r[i] > 0 {
                        y[i][0] = q.v_reset;
                    } else if y[i][0] >= q.v_detect {
                        y[i][0] = q.v_reset;
                        y[i][L::W] += q.b;
                        r[i] = if q.refrac > 0 { q.refrac + 1 } else { 0 };
                        expected.push((i as u32, step + 1));
                        fired += 1;
                    }
                }
                if r[i] > 0 {
                    r[i] -= 1;
                    refractory += 1;
                }
                let (e, f) = (ex[i] * 1000.0, inh[i] * 1000.0);
                if N == 4 {
                    y[i][1] += e;
                    y[i][2] += f;
                } else {
                    y[i][1] += e * q.g0_e;
                    y[i][3] += f * q.g0_i;
                }
                fallbacks += usize::from(calls > 1);
                doubles += usize::from(fired > 1);
                w_max = w_max.max(y[i][L::W].abs());
                let got = block_get(&k.s.y, i);
                assert_eq!(
                    got.map(f64::to_bits),
                    y[i].map(f64::to_bits),
                    "step {step}, cell {i}: {got:?} vs {:?}",
                    y[i]
                );
                assert_eq!((k.s.step[i].to_bits(), k.s.r[i]), (st[i].to_bits(), r[i]), "step {step}, cell {i}");
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        let full = FULL_PASSES.with(|p| p.get()) - full_before;
        eprintln!(
            "{n_spikes} spikes, {doubles} double, {fallbacks} fallbacks, {refractory} refractory, |w| <= {w_max}, \
             {full} full batch passes"
        );
        if n >= 100 {
            assert!(full > 100, "{full} passes of full batches of declined lanes");
        }
        assert!(n_spikes > 500, "{n_spikes} spikes");
        assert!(doubles > 0, "no cell spiked twice in a step");
        assert!(fallbacks > 1000, "{fallbacks} cell steps through the scalar fallback");
        assert!(refractory > 5000, "{refractory} refractory cell steps");
        assert!(w_max > 50.0, "adaptation current at most {w_max} pA");
    }

    #[test]
    fn adex_exp_blocks_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_equal_the_scalar_stepper::<ExpLayout, 4, EIF_cond_exp_isfa_ista>(21, 3000));
    }

    #[test]
    fn adex_exp_batches_of_declined_lanes_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_equal_the_scalar_stepper::<ExpLayout, 4, EIF_cond_exp_isfa_ista>(203, 310));
    }

    #[test]
    fn adex_alpha_batches_of_declined_lanes_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_equal_the_scalar_stepper::<AlphaLayout, 6, EIF_cond_alpha_isfa_ista>(203, 310));
    }

    #[test]
    fn adex_alpha_blocks_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_equal_the_scalar_stepper::<AlphaLayout, 6, EIF_cond_alpha_isfa_ista>(21, 3000));
    }

    #[test]
    fn adex_exp_lanes_equal_single_cells_bit_for_bit() {
        at_every_width(lanes_equal_single_cells::<EIF_cond_exp_isfa_ista>);
    }

    #[test]
    fn adex_alpha_lanes_equal_single_cells_bit_for_bit() {
        at_every_width(lanes_equal_single_cells::<EIF_cond_alpha_isfa_ista>);
    }
}
