//! Native kernel of `HH_cond_exp`, step for step as NEST 3.10's
//! `hh_cond_exp_traub` (`models/hh_cond_exp_traub.cpp`, `update()`): RKF45
//! over the step (absolute tolerance 1e-3, NEST's units), input conductance
//! added, then a spike is registered when `v >= v_offset + 30 mV` and `v` is
//! below its value at the start of the step, unless within the dead time.
//!
//! The integration of a step runs for all cells first, its common case (one
//! accepted RKF45 step of size `dt`) [`LANES`] cells at once
//! ([`Rkf45::integrate_blocks`], the state kept in the lanes' [`Block`]
//! layout, the right-hand side written once over [`Real`]; the six gating
//! exponentials are libm's `exp` lane by lane); a lane that needs more
//! sub-steps is redone by the scalar stepper from the step's start, so the
//! result is the scalar stepper's bit for bit at every instruction set.
//! Input and spike detection follow per cell.
//!
//! A cell with gap junctions under waveform relaxation ([`super::gap`])
//! integrates its step with the junction current of NEST's
//! `hh_cond_beta_gap_traub` (`models/hh_cond_beta_gap_traub.cpp`,
//! `hh_cond_beta_gap_traub_dynamics`): `-g v + c0 + c1 s + c2 s^2 + c3 s^3`,
//! `s` the fraction of the step elapsed, in the membrane equation; the
//! coefficients are per step of the relaxation window (one `min_delay`
//! slice, see [`super::gap`]). While a kernel has junctions, its cells are
//! integrated one at a time by the scalar stepper.

use super::gap::GapCell;
use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::{Block, LANES, Lanes, Rkf45, System, block_get, block_set};
use super::simd::{Real, V8, dispatch};
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, HH_cond_exp, Result};

/// NEST's default dead time after a spike (`t_ref`, ms).
const T_REF: f64 = 2.0;

/// The constants of the right-hand side in NEST's units (nS, pF, mV, pA),
/// of one cell (`R = f64`) or of [`LANES`] cells (`R = V8`).
#[derive(Debug, Clone, Copy)]
struct Consts<R> {
    g_na: R,
    g_k: R,
    g_l: R,
    c_m: R,
    v_t: R,
    e_na: R,
    e_k: R,
    e_l: R,
    e_ex: R,
    e_in: R,
    tau_e: R,
    tau_i: R,
    i_e: R,
    /// The step's injected current (pA; with the junction current on the
    /// gap path); 0 in the stored parameters.
    i_stim: R,
}

/// One cell's constants.
type HhParams = Consts<f64>;

fn hh_params(p: &ParamTable) -> Vec<HhParams> {
    let col = |n: &str| p.scalar(n);
    (0..p.size())
        .map(|i| HhParams {
            // PyNN -> NEST: conductances uS -> nS, cm nF -> pF, currents nA -> pA.
            g_na: col("gbar_Na")[i] * 1000.0,
            g_k: col("gbar_K")[i] * 1000.0,
            g_l: col("g_leak")[i] * 1000.0,
            c_m: col("cm")[i] * 1000.0,
            v_t: col("v_offset")[i],
            e_na: col("e_rev_Na")[i],
            e_k: col("e_rev_K")[i],
            e_l: col("e_rev_leak")[i],
            e_ex: col("e_rev_E")[i],
            e_in: col("e_rev_I")[i],
            tau_e: col("tau_syn_E")[i],
            tau_i: col("tau_syn_I")[i],
            i_e: col("i_offset")[i] * 1000.0,
            i_stim: 0.0,
        })
        .collect()
}

/// The lanes' constants, one per block of [`LANES`] cells, the last padded
/// with copies of the last cell.
fn lane_params(p: &[HhParams]) -> Vec<Consts<V8>> {
    (0..p.len().div_ceil(LANES))
        .map(|b| {
            let q = |l: usize| &p[(b * LANES + l).min(p.len() - 1)];
            let col = |f: fn(&HhParams) -> f64| V8(std::array::from_fn(|l| f(q(l))));
            Consts {
                g_na: col(|p| p.g_na),
                g_k: col(|p| p.g_k),
                g_l: col(|p| p.g_l),
                c_m: col(|p| p.c_m),
                v_t: col(|p| p.v_t),
                e_na: col(|p| p.e_na),
                e_k: col(|p| p.e_k),
                e_l: col(|p| p.e_l),
                e_ex: col(|p| p.e_ex),
                e_in: col(|p| p.e_in),
                tau_e: col(|p| p.tau_e),
                tau_i: col(|p| p.tau_i),
                i_e: col(|p| p.i_e),
                i_stim: V8([0.0; LANES]),
            }
        })
        .collect()
}

// State layout: v, m, h, n, g_exc, g_inh.
const STATE: [&str; 6] = ["v", "m", "h", "n", "gsyn_exc", "gsyn_inh"];

/// The six gating exponentials of [`rhs`], evaluated together: for the
/// lanes, all 48 arguments are stored once and libm's `exp` runs over them
/// in one loop (rather than extracting and re-inserting lanes around every
/// call, with the vector registers spilled at each).
trait Exp6: Real {
    /// `exp` of each argument (libm's, as [`f64::exp`]).
    fn exp6(a: [Self; 6]) -> [Self; 6];
}

impl Exp6 for f64 {
    #[inline(always)]
    fn exp6(a: [f64; 6]) -> [f64; 6] {
        a.map(f64::exp)
    }
}

impl Exp6 for V8 {
    #[inline(always)]
    fn exp6(a: [V8; 6]) -> [V8; 6] {
        let mut x: [Lanes; 6] = a.map(|v| v.0);
        for v in x.as_flattened_mut() {
            *v = v.exp();
        }
        x.map(V8)
    }
}

/// NEST's `hh_cond_exp_traub_dynamics`, written once for one cell and for
/// the lanes: every operation of [`V8`] is the `f64` one lane by lane, so
/// each lane gets the scalar bits.
#[inline(always)]
fn rhs<R: Exp6>(p: &Consts<R>, y: &[R; 6], f: &mut [R; 6]) {
    let k = R::splat;
    let (v, m, h, n) = (y[0], y[1], y[2], y[3]);
    let i_na = p.g_na * m * m * m * h * (v - p.e_na);
    let i_k = p.g_k * n * n * n * n * (v - p.e_k);
    let i_l = p.g_l * (v - p.e_l);
    let i_syn = y[4] * (v - p.e_ex) + y[5] * (v - p.e_in);
    f[0] = (-i_na - i_k - i_l - i_syn + p.i_stim + p.i_e) / p.c_m;
    let u = v - p.v_t;
    let [e_an, e_bn, e_am, e_bm, e_ah, e_bh] = R::exp6([
        (k(15.0) - u) / k(5.0),
        (k(10.0) - u) / k(40.0),
        (k(13.0) - u) / k(4.0),
        (u - k(40.0)) / k(5.0),
        (k(17.0) - u) / k(18.0),
        (k(40.0) - u) / k(5.0),
    ]);
    let alpha_n = k(0.032) * (k(15.0) - u) / (e_an - k(1.0));
    let beta_n = k(0.5) * e_bn;
    let alpha_m = k(0.32) * (k(13.0) - u) / (e_am - k(1.0));
    let beta_m = k(0.28) * (u - k(40.0)) / (e_bm - k(1.0));
    let alpha_h = k(0.128) * e_ah;
    let beta_h = k(4.0) / (k(1.0) + e_bh);
    f[1] = alpha_m - (alpha_m + beta_m) * m;
    f[2] = alpha_h - (alpha_h + beta_h) * h;
    f[3] = alpha_n - (alpha_n + beta_n) * n;
    f[4] = -y[4] / p.tau_e;
    f[5] = -y[5] / p.tau_i;
}

/// The right-hand side of one cell with injected current `i_stim` (pA).
#[inline(always)]
fn dynamics(p: &HhParams, i_stim: f64, y: &[f64; 6], f: &mut [f64; 6]) {
    rhs(&Consts { i_stim, ..*p }, y, f);
}

/// The right-hand side of every cell of a kernel during one step.
struct HhSystem<'a> {
    p: &'a [HhParams],
    lanes: &'a [Consts<V8>],
    /// Injected currents (nA).
    cur: &'a [f64],
    /// Number of cells: the lanes past it get no current.
    n: usize,
}

impl System<6> for HhSystem<'_> {
    type Chunk = Consts<V8>;

    #[inline(always)]
    fn chunk(&self, i0: usize) -> Consts<V8> {
        let mut c = self.lanes[i0 / LANES];
        let m = LANES.min(self.n - i0);
        for (l, x) in self.cur[i0..i0 + m].iter().enumerate() {
            c.i_stim.0[l] = x * 1000.0;
        }
        c
    }

    #[inline(always)]
    fn lanes(&self, c: &Consts<V8>, y: &[Lanes; 6], f: &mut [Lanes; 6]) {
        let mut d = [V8([0.0; LANES]); 6];
        rhs(c, &y.map(V8), &mut d);
        for k in 0..6 {
            f[k] = d[k].0;
        }
    }

    #[inline(always)]
    fn cell(&self, i: usize, y: &[f64; 6], f: &mut [f64; 6]) {
        dynamics(&self.p[i], self.cur[i] * 1000.0, y, f);
    }
}

/// What the integration of one step reads and writes.
struct HhIo<'a> {
    h: f64,
    sys: HhSystem<'a>,
    y: &'a mut [Block<6>],
    step: &'a mut [f64],
}

/// Integrates every cell over one step ([`Rkf45::integrate_blocks`]).
#[inline(always)]
fn integrate_body(io: HhIo<'_>) {
    let n = io.sys.n;
    Rkf45::<6>::absolute(1e-3).integrate_blocks(&io.sys, io.h, io.y, io.step, n);
}

dispatch! {
    fn integrate(io: HhIo<'_>) -> () = integrate_body;
}

/// The membrane equation with a junction current `j` (pA from `-g v + c0 +
/// c1 s + ...`, nS and pA) and the time within the step as `y[6]` (its
/// derivative 1: the stepper integrates it exactly and its error estimate
/// is zero, so the step control sees only the cell's own variables).
#[inline]
fn dynamics_gap(p: &HhParams, i_stim: f64, j: &Junction, dt: f64, y: &[f64; 7], f: &mut [f64; 7]) {
    let s = y[6] / dt;
    let gap = -j.0 * y[0] + j.1[0] + j.1[1] * s + j.1[2] * s * s + j.1[3] * s * s * s;
    let (mut y6, mut f6) = ([0.0; 6], [0.0; 6]);
    y6.copy_from_slice(&y[..6]);
    dynamics(p, i_stim + gap, &y6, &mut f6);
    f[..6].copy_from_slice(&f6);
    f[6] = 1.0;
}

/// A coupled cell's junction for one step: total conductance (nS) and the
/// coefficients of `sum_j g_j v_j(s)` (pA).
type Junction = (f64, [f64; 4]);

/// Integrates `y` over one step of `dt` with junction `j` (the adaptive
/// step size `step` carried on, as NEST's `IntegrationStep_`).
fn advance_gap(p: &HhParams, i_stim: f64, j: &Junction, dt: f64, y: &mut [f64; 6], step: &mut f64) {
    let solver = Rkf45::<7>::absolute(1e-3);
    let mut y7 = [y[0], y[1], y[2], y[3], y[4], y[5], 0.0];
    let mut t = 0.0;
    let f = |y: &[f64; 7], f: &mut [f64; 7]| dynamics_gap(p, i_stim, j, dt, y, f);
    while t < dt {
        y7[6] = t;
        solver.apply(&mut y7, &mut t, dt, step, &f);
    }
    y.copy_from_slice(&y7[..6]);
}

/// `dt v'` of state `y` at fraction `s` of the step with junction `j`.
fn dt_dvdt(p: &HhParams, i_stim: f64, j: &Junction, dt: f64, y: &[f64; 6], s: f64) -> f64 {
    let y7 = [y[0], y[1], y[2], y[3], y[4], y[5], s * dt];
    let mut f = [0.0; 7];
    dynamics_gap(p, i_stim, j, dt, &y7, &mut f);
    dt * f[0]
}

/// Native kernel of [`HH_cond_exp`].
pub struct HhKernel {
    dt: f64,
    refrac: u32,
    p: Vec<HhParams>,
    /// The lanes' constants, per block.
    lanes: Vec<Consts<V8>>,
    /// `(v, m, h, n, g_exc, g_inh)` in [`Block`]s of [`LANES`] cells; the
    /// lanes past the last cell hold copies of it (integrated, never read).
    y: Vec<Block<6>>,
    /// Carried step size, per lane of `y`.
    step: Vec<f64>,
    r: Vec<u32>,
    init: Vec<[f64; 6]>,
    /// Scratch: every cell's `v` at the start of the step.
    v_old: Vec<f64>,
    /// The junctions of the coming relaxation window (`None`: no cell of
    /// the kernel has one).
    junction: Option<Window>,
}

/// The junctions of the cells of a kernel over one waveform-relaxation
/// window: steps `first..first + lags`.
struct Window {
    first: u64,
    lags: usize,
    /// Per cell: coupled under waveform relaxation.
    on: Vec<bool>,
    /// Per cell: total junction conductance (nS).
    g: Vec<f64>,
    /// Per cell and step of the window (`cell * lags + lag`): the
    /// coefficients of `sum_j g_j v_j(s)` (pA).
    c: Vec<[f64; 4]>,
}

impl NativeCell for HH_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(HhKernel::new(params, initial, ctx)))
    }
}

impl HhKernel {
    fn new(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Self {
        let n = params.size();
        let col = |name: &str| initial.scalar(name);
        let init: Vec<[f64; 6]> = (0..n)
            .map(|i| {
                [
                    col("v")[i],
                    col("m")[i],
                    col("h")[i],
                    col("n")[i],
                    col("gsyn_exc")[i] * 1000.0,
                    col("gsyn_inh")[i] * 1000.0,
                ]
            })
            .collect();
        let p = hh_params(params);
        let blocks = n.div_ceil(LANES);
        let mut k = HhKernel {
            dt: ctx.dt,
            refrac: refractory_steps(T_REF, ctx.dt),
            lanes: lane_params(&p),
            p,
            y: vec![[[0.0; LANES]; 6]; blocks],
            step: vec![ctx.dt; blocks * LANES],
            r: vec![0; n],
            init,
            v_old: vec![0.0; n],
            junction: None,
        };
        k.reset();
        k
    }
}

impl Kernel for HhKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let n = self.r.len();
        for i in 0..n {
            self.v_old[i] = self.y[i / LANES][0][i % LANES];
        }
        if let Some(w) = self.junction.as_ref() {
            // Cells one at a time, those with a junction on its path.
            let solver = Rkf45::<6>::absolute(1e-3);
            for i in 0..n {
                let p = self.p[i];
                let i_stim = cur[i] * 1000.0;
                let mut y = block_get(&self.y, i);
                if w.on[i] {
                    // Steps past the window (none: the engine relaxes every
                    // slice before running it) would keep its last curve.
                    let lag = (input.step.saturating_sub(w.first) as usize).min(w.lags - 1);
                    let j = (w.g[i], w.c[i * w.lags + lag]);
                    advance_gap(&p, i_stim, &j, self.dt, &mut y, &mut self.step[i]);
                } else {
                    solver.advance(&mut y, self.dt, &mut self.step[i], |y, f| dynamics(&p, i_stim, y, f));
                }
                block_set(&mut self.y, i, y);
            }
        } else {
            let sys = HhSystem { p: &self.p, lanes: &self.lanes, cur: &cur[..n], n };
            integrate(HhIo { h: self.dt, sys, y: &mut self.y, step: &mut self.step });
        }
        for i in 0..n {
            let (y, l) = (&mut self.y[i / LANES], i % LANES);
            y[4][l] += ex[i] * 1000.0;
            y[5][l] += inh[i] * 1000.0;
            if self.r[i] > 0 {
                self.r[i] -= 1;
            } else if y[0][l] >= self.p[i].v_t + 30.0 && self.v_old[i] > y[0][l] {
                self.r[i] = self.refrac;
                spikes.push((i as u32, input.step + 1));
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.p = hh_params(params);
        self.lanes = lane_params(&self.p);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let k = STATE
            .iter()
            .position(|s| *s == name)
            .ok_or_else(|| Error::unknown_name("native HH_cond_exp", "state variable", name, STATE))?;
        let scale = if k >= 4 { 1000.0 } else { 1.0 };
        for (c, x) in cells.iter().zip(values) {
            self.init[*c][k] = x * scale;
            let mut y = block_get(&self.y, *c);
            y[k] = x * scale;
            block_set(&mut self.y, *c, y);
        }
        Ok(())
    }

    fn reset(&mut self) {
        // The padding lanes of the last block: copies of the last cell.
        for i in 0..self.y.len() * LANES {
            block_set(&mut self.y, i, self.init[i.min(self.init.len() - 1)]);
        }
        self.step.iter_mut().for_each(|s| *s = self.dt);
        self.r.iter_mut().for_each(|r| *r = 0);
        self.junction = None;
    }

    fn gap(&mut self) -> Option<&mut dyn GapCell> {
        Some(self)
    }

    fn variable(&self, name: &str) -> Option<usize> {
        STATE.iter().position(|s| *s == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let scale = if var >= 4 { 1e-3 } else { 1.0 };
        out.extend(cells.iter().map(|c| self.y[*c / LANES][var][*c % LANES] * scale));
    }
}

impl GapCell for HhKernel {
    fn trial(&mut self, cell: usize, current: f64, syn: &[f64], g: f64, c: &[[f64; 4]], out: &mut [[f64; 4]]) {
        let p = self.p[cell];
        let i_stim = current * 1000.0;
        let mut y = block_get(&self.y, cell);
        for (lag, (cl, o)) in c.iter().zip(out.iter_mut()).enumerate() {
            let j = (g * 1000.0, cl.map(|x| x * 1000.0));
            let v0 = y[0];
            let hf0 = dt_dvdt(&p, i_stim, &j, self.dt, &y, 0.0);
            advance_gap(&p, i_stim, &j, self.dt, &mut y, &mut self.step[cell]);
            // The end slope before this step's synaptic input: the curve
            // covers the step, the conductance jumps at its end (NEST's
            // beta synapse of `hh_cond_beta_gap_traub` moves `dg`, which
            // leaves `v'` unchanged too).
            let hf1 = dt_dvdt(&p, i_stim, &j, self.dt, &y, 1.0);
            // The input arriving at this step (NEST: `get_value_wfr_update`).
            y[4] += syn.get(2 * lag).copied().unwrap_or(0.0) * 1000.0;
            y[5] += syn.get(2 * lag + 1).copied().unwrap_or(0.0) * 1000.0;
            *o = [v0, hf0, y[0], hf1];
        }
    }

    fn set_junction(&mut self, cell: usize, first: u64, g: f64, c: &[[f64; 4]]) {
        let n = self.r.len();
        let lags = c.len().max(1);
        let w = self.junction.get_or_insert_with(|| Window {
            first,
            lags,
            on: vec![false; n],
            g: vec![0.0; n],
            c: vec![[0.0; 4]; n * lags],
        });
        if w.lags != lags {
            w.lags = lags;
            w.c.resize(n * lags, [0.0; 4]);
        }
        w.first = first;
        w.on[cell] = true;
        w.g[cell] = g * 1000.0;
        for (dst, src) in w.c[cell * lags..(cell + 1) * lags].iter_mut().zip(c) {
            *dst = src.map(|x| x * 1000.0);
        }
    }

    fn clear_junctions(&mut self) {
        self.junction = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::simd;
    use pynn_core::cells::CellType;

    /// A small deterministic generator (xorshift64*), uniform in `[lo, hi)`.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self, lo: f64, hi: f64) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let u = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
            lo + (hi - lo) * u
        }
    }

    /// The right-hand side as written before the lane path (one cell,
    /// `f64`), the oracle of [`rhs`].
    fn reference_rhs(p: &HhParams, i_stim: f64, y: &[f64; 6], f: &mut [f64; 6]) {
        let (v, m, h, n) = (y[0], y[1], y[2], y[3]);
        let i_na = p.g_na * m * m * m * h * (v - p.e_na);
        let i_k = p.g_k * n * n * n * n * (v - p.e_k);
        let i_l = p.g_l * (v - p.e_l);
        let i_syn = y[4] * (v - p.e_ex) + y[5] * (v - p.e_in);
        f[0] = (-i_na - i_k - i_l - i_syn + i_stim + p.i_e) / p.c_m;
        let u = v - p.v_t;
        let alpha_n = 0.032 * (15.0 - u) / (((15.0 - u) / 5.0).exp() - 1.0);
        let beta_n = 0.5 * ((10.0 - u) / 40.0).exp();
        let alpha_m = 0.32 * (13.0 - u) / (((13.0 - u) / 4.0).exp() - 1.0);
        let beta_m = 0.28 * (u - 40.0) / (((u - 40.0) / 5.0).exp() - 1.0);
        let alpha_h = 0.128 * ((17.0 - u) / 18.0).exp();
        let beta_h = 4.0 / (1.0 + ((40.0 - u) / 5.0).exp());
        f[1] = alpha_m - (alpha_m + beta_m) * m;
        f[2] = alpha_h - (alpha_h + beta_h) * h;
        f[3] = alpha_n - (alpha_n + beta_n) * n;
        f[4] = -y[4] / p.tau_e;
        f[5] = -y[5] / p.tau_i;
    }

    #[test]
    fn hh_lanes_equal_the_scalar_kernel_bit_for_bit() {
        for isa in simd::available() {
            eprintln!("instruction set {isa:?}");
            simd::with_isa_limit(isa, || hh_lanes_case(isa));
        }
    }

    /// One kernel of 21 cells (two blocks of 8 through the lanes, a block
    /// of 5 cells and 3 padding lanes) against the step as written before
    /// the lane path (per cell: scalar RKF45 over the reference right-hand
    /// side, input, spike test), 1500 steps of 0.1 ms with random
    /// currents, leaks, capacitances and conductance kicks: spikes (cell,
    /// step), the state, carried step sizes and refractory counts must be
    /// identical bit for bit after every step.
    fn hh_lanes_case(isa: simd::Isa) {
        let (n, h) = (21, 0.1);
        let params = ParamTable::defaults(HH_cond_exp::PARAMETERS, n);
        let initial = ParamTable::defaults(HH_cond_exp::STATE, n);
        let ctx = BuildContext { dt: h, seed: 1, population: 0, label: "hh".into(), first_cell: 0, composition: None };
        let mut k = HhKernel::new(&params, &initial, &ctx);
        let mut g = Gen(0x4848_0000_1234_5678);
        for i in 0..n {
            k.p[i].i_e = g.next(-100.0, 400.0);
            k.p[i].g_l *= g.next(0.5, 2.0);
            k.p[i].c_m = g.next(50.0, 400.0);
            let mut y = block_get(&k.y, i);
            y[0] = g.next(-75.0, -55.0);
            block_set(&mut k.y, i, y);
        }
        k.lanes = lane_params(&k.p);
        let p = k.p.clone();
        let mut y: Vec<[f64; 6]> = (0..n).map(|i| block_get(&k.y, i)).collect();
        let (mut st, mut r) = (k.step.clone(), k.r.clone());
        let solver = Rkf45::<6>::absolute(1e-3);
        let (mut fallback, mut one_step, mut n_spikes) = (0, 0, 0);
        for step in 0..1500u64 {
            let kick = |g: &mut Gen, p: f64| if g.next(0.0, 1.0) < p { g.next(0.0, 0.2) } else { 0.0 };
            let ex: Vec<f64> = (0..n).map(|_| kick(&mut g, 0.05)).collect();
            let inh: Vec<f64> = (0..n).map(|_| kick(&mut g, 0.03)).collect();
            let cur: Vec<f64> = (0..n).map(|_| g.next(0.0, 1.5)).collect();
            let mut out = SpikeOut::new();
            k.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let (q, i_stim, u_old) = (&p[i], cur[i] * 1000.0, y[i][0]);
                let f = |a: &[f64; 6], b: &mut [f64; 6]| reference_rhs(q, i_stim, a, b);
                let (mut t, mut calls) = (0.0, 0);
                while t < h {
                    solver.apply(&mut y[i], &mut t, h, &mut st[i], &f);
                    calls += 1;
                }
                if i < 16 {
                    one_step += usize::from(calls == 1);
                    fallback += usize::from(calls > 1);
                }
                y[i][4] += ex[i] * 1000.0;
                y[i][5] += inh[i] * 1000.0;
                if r[i] > 0 {
                    r[i] -= 1;
                } else if y[i][0] >= q.v_t + 30.0 && u_old > y[i][0] {
                    r[i] = k.refrac;
                    expected.push((i as u32, step + 1));
                }
                assert_eq!(
                    block_get(&k.y, i).map(f64::to_bits),
                    y[i].map(f64::to_bits),
                    "{isa:?} step {step} cell {i}"
                );
                assert_eq!((k.step[i].to_bits(), k.r[i]), (st[i].to_bits(), r[i]), "{isa:?} step {step} cell {i}");
            }
            assert_eq!(out, expected, "{isa:?} step {step}");
            n_spikes += out.len();
        }
        eprintln!("{isa:?}: {one_step} lane cell steps, {fallback} scalar fallbacks, {n_spikes} spikes");
        // The lanes took most cell steps of the full blocks, the scalar
        // fallback many (spikes need sub-steps), and most cells spiked
        // repeatedly.
        assert!(one_step > 16 * 1500 / 2, "{isa:?}: {one_step} single-step cell steps in the lane blocks");
        assert!(fallback > 500, "{isa:?}: {fallback} cell steps needed the scalar fallback");
        assert!(n_spikes > 200, "{isa:?}: {n_spikes} spikes");
    }
}
