//! Native kernel of `GIF_cond_exp` (NEST `gif_cond_exp`).
//!
//! Follows NEST 3.10's `gif_cond_exp::update()` (`models/gif_cond_exp.cpp`)
//! step for step, in NEST's units (mV, nS, pF, pA):
//!
//! 1. the spike-triggered current `stc` (PyNN `i_eta`) and the threshold
//!    `sfa = V_T_star + sum of elements` (PyNN `v_t`) are summed from their
//!    elements, then every element decays by `exp(-dt / tau)` (exact);
//! 2. `(V, g_ex, g_in)` is integrated over the step by the adaptive RKF45
//!    (`gsl_odeiv_control_y_new(gsl_error_tol = 1e-3, 0)`), `stc` constant;
//!    while refractory `V` enters the currents as `V_reset` and does not move;
//! 3. the step's synaptic input is added to the conductances;
//! 4. a non-refractory cell spikes with probability
//!    `1 - exp(-lambda dt)`, `lambda = lambda_0 exp((V - sfa) / Delta_V)`
//!    (one uniform number drawn only when `lambda > 0`); a spike adds
//!    `q_stc`/`q_sfa` to the elements and starts `t_ref` steps of
//!    refractoriness; a refractory cell counts down and is set to `V_reset`.
//!
//! Step 2 runs for all cells first, its common case (one accepted RKF45
//! step of size `dt`) [`LANES`] cells at once ([`Rkf45::integrate_blocks`],
//! the state kept in the lanes' [`Block`] layout), bit-identical to the
//! scalar stepper; steps 1, 3 and 4 stay per cell, so
//! every cell draws its numbers in the same order as before.
//!
//! The uniform numbers come from one ChaCha8 stream per cell keyed by
//! (session seed, population, `"gif"`), sub-stream = index of the cell in the
//! population (not in the engine's shard: [`BuildContext::first_cell`]), so
//! results depend neither on the thread count nor on how the engine cuts the
//! population; the streams continue across `reset()`
//! (a repeated trial sees fresh noise, as with the Poisson sources).

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::{Block, LANES, Lanes, Rkf45, System, block_get, block_set};
use super::simd::{Real, V8, bits, dispatch};
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};
use pynn_core::{Error, GIF_cond_exp, Result};
use rand::RngExt;

/// NEST's default `gsl_error_tol` for `gif_cond_exp`.
const GSL_ERROR_TOL: f64 = 1e-3;

/// Per-cell constants in NEST's units.
#[derive(Debug, Clone)]
struct GifParams {
    g_l: f64,
    e_l: f64,
    v_reset: f64,
    delta_v: f64,
    v_t_star: f64,
    /// Escape rate at threshold (1/ms).
    lambda_0: f64,
    e_ex: f64,
    e_in: f64,
    tau_e: f64,
    tau_i: f64,
    c_m: f64,
    i_e: f64,
    refrac: u32,
    /// Per element: decay factor over one step and jump (pA).
    p_stc: Vec<f64>,
    q_stc: Vec<f64>,
    /// Per element: decay factor over one step and jump (mV).
    p_sfa: Vec<f64>,
    q_sfa: Vec<f64>,
}

/// Per-cell constants of the cells of `p`, the first being cell `first` of
/// the population (for messages).
fn params(p: &ParamTable, dt: f64, label: &str, first: usize) -> Result<Vec<GifParams>> {
    let col = |n: &str| p.scalar(n);
    let seq = |n: &str| p.sequence(n);
    (0..p.size())
        .map(|i| {
            let (tau_eta, a_eta) = (&seq("tau_eta")[i], &seq("a_eta")[i]);
            let (tau_gamma, a_gamma) = (&seq("tau_gamma")[i], &seq("a_gamma")[i]);
            for (t, a, tn, an) in [(tau_eta, a_eta, "tau_eta", "a_eta"), (tau_gamma, a_gamma, "tau_gamma", "a_gamma")] {
                if t.len() != a.len() {
                    return Err(Error::invalid_value(
                        format!("population \"{label}\" (GIF_cond_exp), cell {}", first + i),
                        an,
                        format!("{a:?}"),
                        format!("a sequence as long as `{tn}` ({} values)", t.len()),
                    ));
                }
            }
            let (cm, tau_m) = (col("cm")[i], col("tau_m")[i]);
            Ok(GifParams {
                // PyNN -> NEST (pyNN/nest/standardmodels/cells.py, GIF_cond_exp):
                // g_L = cm / tau_m * 1000 nS, C_m = cm * 1000 pF, I_e and q_stc
                // nA -> pA; lambda_0 is given in 1/s (Hz) and used per ms.
                g_l: cm / tau_m * 1000.0,
                e_l: col("v_rest")[i],
                v_reset: col("v_reset")[i],
                delta_v: col("delta_v")[i],
                v_t_star: col("v_t_star")[i],
                lambda_0: col("lambda0")[i] / 1000.0,
                e_ex: col("e_rev_E")[i],
                e_in: col("e_rev_I")[i],
                tau_e: col("tau_syn_E")[i],
                tau_i: col("tau_syn_I")[i],
                c_m: cm * 1000.0,
                i_e: col("i_offset")[i] * 1000.0,
                refrac: refractory_steps(col("tau_refrac")[i], dt),
                p_stc: tau_eta.iter().map(|t| (-dt / t).exp()).collect(),
                q_stc: a_eta.iter().map(|a| a * 1000.0).collect(),
                p_sfa: tau_gamma.iter().map(|t| (-dt / t).exp()).collect(),
                q_sfa: a_gamma.clone(),
            })
        })
        .collect()
}

/// One cell's (`T = f64`) or [`LANES`] cells' (`T = V8`) constants of the
/// right-hand side during a step.
#[derive(Clone, Copy)]
struct Consts<T: Real> {
    v_reset: T,
    e_l: T,
    g_l: T,
    c_m: T,
    e_ex: T,
    e_in: T,
    tau_e: T,
    tau_i: T,
    i_e: T,
    /// Injected current (pA).
    i_stim: T,
    /// The spike-triggered current of the step (pA).
    stc: T,
    /// Refractory: `V` enters as `V_reset` and does not move ([`Real::Bits`]).
    refractory: T::Bits,
}

/// NEST's `gif_cond_exp_dynamics`: state `(V, g_ex, g_in)`; while
/// refractory `V` enters the currents as `V_reset` and does not move.
#[inline(always)]
fn dynamics<T: Real>(p: &Consts<T>, y: &[T; 3], f: &mut [T; 3]) {
    let v = T::blend(p.refractory, p.v_reset, y[0]);
    let i_syn = y[1] * (v - p.e_ex) + y[2] * (v - p.e_in);
    let i_l = p.g_l * (v - p.e_l);
    f[0] = T::blend(p.refractory, T::splat(0.0), (-i_l + p.i_stim + p.i_e - i_syn - p.stc) / p.c_m);
    f[1] = -y[1] / p.tau_e;
    f[2] = -y[2] / p.tau_i;
}

/// The parameters of [`LANES`] consecutive cells as the lanes read them
/// ([`Consts<V8>`] without the per-step values).
fn params8(p: &[GifParams]) -> Consts<V8> {
    let col = |f: fn(&GifParams) -> f64| V8(std::array::from_fn(|l| f(&p[l])));
    Consts {
        v_reset: col(|p| p.v_reset),
        e_l: col(|p| p.e_l),
        g_l: col(|p| p.g_l),
        c_m: col(|p| p.c_m),
        e_ex: col(|p| p.e_ex),
        e_in: col(|p| p.e_in),
        tau_e: col(|p| p.tau_e),
        tau_i: col(|p| p.tau_i),
        i_e: col(|p| p.i_e),
        i_stim: V8([0.0; LANES]),
        stc: V8([0.0; LANES]),
        refractory: [0; LANES],
    }
}

/// The lanes' parameters, one [`params8`] per block of [`LANES`] cells, the
/// last padded with copies of the last cell.
fn lane_params(p: &[GifParams]) -> Vec<Consts<V8>> {
    (0..p.len().div_ceil(LANES))
        .map(|b| {
            let q: Vec<GifParams> = (0..LANES).map(|l| p[(b * LANES + l).min(p.len() - 1)].clone()).collect();
            params8(&q)
        })
        .collect()
}

/// The right-hand side of every cell of a kernel during one step.
struct GifSystem<'a> {
    p: &'a [GifParams],
    lanes: &'a [Consts<V8>],
    r: &'a [u32],
    /// Injected currents (nA).
    cur: &'a [f64],
    stc: &'a [f64],
    /// Number of cells: the lanes past it get no current, no `stc`, and
    /// are not refractory.
    n: usize,
}

impl System<3> for GifSystem<'_> {
    type Chunk = Consts<V8>;

    #[inline(always)]
    fn chunk(&self, i0: usize) -> Consts<V8> {
        let mut c = self.lanes[i0 / LANES];
        let m = LANES.min(self.n - i0);
        let (r, cur, stc) = (&self.r[i0..i0 + m], &self.cur[i0..i0 + m], &self.stc[i0..i0 + m]);
        for l in 0..m {
            c.i_stim.0[l] = cur[l] * 1000.0;
            c.stc.0[l] = stc[l];
            c.refractory[l] = bits(r[l] > 0);
        }
        c
    }

    #[inline(always)]
    fn lanes(&self, c: &Consts<V8>, y: &[Lanes; 3], f: &mut [Lanes; 3]) {
        let mut d = [V8([0.0; LANES]); 3];
        dynamics(c, &y.map(V8), &mut d);
        for k in 0..3 {
            f[k] = d[k].0;
        }
    }

    #[inline(always)]
    fn cell(&self, i: usize, y: &[f64; 3], f: &mut [f64; 3]) {
        let p = &self.p[i];
        let c = Consts {
            v_reset: p.v_reset,
            e_l: p.e_l,
            g_l: p.g_l,
            c_m: p.c_m,
            e_ex: p.e_ex,
            e_in: p.e_in,
            tau_e: p.tau_e,
            tau_i: p.tau_i,
            i_e: p.i_e,
            i_stim: self.cur[i] * 1000.0,
            stc: self.stc[i],
            refractory: bits(self.r[i] > 0),
        };
        dynamics(&c, y, f);
    }
}

/// What the integration of one step reads and writes.
struct GifIo<'a> {
    h: f64,
    sys: GifSystem<'a>,
    y: &'a mut [Block<3>],
    step: &'a mut [f64],
}

/// Integrates every cell over one step ([`Rkf45::integrate_blocks`]).
#[inline(always)]
fn integrate_body(io: GifIo<'_>) {
    let n = io.sys.n;
    Rkf45::<3>::absolute(GSL_ERROR_TOL).integrate_blocks(&io.sys, io.h, io.y, io.step, n);
}

dispatch! {
    fn integrate(io: GifIo<'_>) -> () = integrate_body;
}

/// Native kernel of [`GIF_cond_exp`]: state `(V, g_ex, g_in)` per cell plus
/// the adaptation elements.
pub struct GifCondExp {
    dt: f64,
    label: String,
    /// Index in the population of the first cell.
    first: usize,
    p: Vec<GifParams>,
    /// The lanes' parameters, per block.
    lanes: Vec<Consts<V8>>,
    /// `(V, g_ex, g_in)` in [`Block`]s of [`LANES`] cells; the lanes past
    /// the last cell hold copies of it (integrated, never read).
    y: Vec<Block<3>>,
    /// Carried step size, per lane of `y`.
    step: Vec<f64>,
    r: Vec<u32>,
    stc_elems: Vec<Vec<f64>>,
    sfa_elems: Vec<Vec<f64>>,
    /// Current `stc` (pA) and `sfa` (mV), as last summed.
    stc: Vec<f64>,
    sfa: Vec<f64>,
    rngs: Vec<SimRng>,
    init: Vec<[f64; 5]>,
}

impl NativeCell for GIF_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(GifCondExp::new(params, initial, ctx)?))
    }
}

impl GifCondExp {
    fn new(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Self> {
        let n = params.size();
        let p = self::params(params, ctx.dt, &ctx.label, ctx.first_cell)?;
        let col = |name: &str| initial.scalar(name);
        let init: Vec<[f64; 5]> = (0..n)
            .map(|i| {
                [
                    col("v")[i],
                    col("gsyn_exc")[i] * 1000.0,
                    col("gsyn_inh")[i] * 1000.0,
                    col("i_eta")[i] * 1000.0,
                    col("v_t")[i],
                ]
            })
            .collect();
        let base = Streams::new(ctx.seed).rng(ObjectKind::Population, ctx.population as u64, "gif", 0);
        let rngs = (0..n)
            .map(|i| {
                let mut r = base.clone();
                r.set_stream((ctx.first_cell + i) as u64);
                r
            })
            .collect();
        let mut k = GifCondExp {
            dt: ctx.dt,
            label: ctx.label.clone(),
            first: ctx.first_cell,
            stc_elems: p.iter().map(|q| vec![0.0; q.p_stc.len()]).collect(),
            sfa_elems: p.iter().map(|q| vec![0.0; q.p_sfa.len()]).collect(),
            lanes: lane_params(&p),
            p,
            y: vec![[[0.0; LANES]; 3]; n.div_ceil(LANES)],
            step: vec![ctx.dt; n.div_ceil(LANES) * LANES],
            r: vec![0; n],
            stc: vec![0.0; n],
            sfa: vec![0.0; n],
            rngs,
            init,
        };
        k.reset();
        Ok(k)
    }
}

const VARIABLES: [&str; 5] = ["v", "gsyn_exc", "gsyn_inh", "i_eta", "v_t"];

impl Kernel for GifCondExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let h = self.dt;
        let n = self.r.len();
        for i in 0..n {
            let p = &self.p[i];
            // 1. Adaptation: sum, then decay (exact).
            let mut stc = 0.0;
            for (e, d) in self.stc_elems[i].iter_mut().zip(&p.p_stc) {
                stc += *e;
                *e *= d;
            }
            let mut sfa = p.v_t_star;
            for (e, d) in self.sfa_elems[i].iter_mut().zip(&p.p_sfa) {
                sfa += *e;
                *e *= d;
            }
            self.stc[i] = stc;
            self.sfa[i] = sfa;
        }
        // 2. Membrane and conductances, `stc` constant.
        let sys = GifSystem { p: &self.p, lanes: &self.lanes, r: &self.r, cur: &cur[..n], stc: &self.stc, n };
        integrate(GifIo { h, sys, y: &mut self.y, step: &mut self.step });
        for i in 0..n {
            let p = &self.p[i];
            let sfa = self.sfa[i];
            // 3. Synaptic input.
            let (y, l) = (&mut self.y[i / LANES], i % LANES);
            y[1][l] += ex[i] * 1000.0;
            y[2][l] += inh[i] * 1000.0;
            // 4. Escape noise, or refractoriness.
            if self.r[i] == 0 {
                let lambda = p.lambda_0 * ((y[0][l] - sfa) / p.delta_v).exp();
                if lambda > 0.0 {
                    let u: f64 = self.rngs[i].random();
                    if u < -(-lambda * h).exp_m1() {
                        for (e, q) in self.stc_elems[i].iter_mut().zip(&p.q_stc) {
                            *e += q;
                        }
                        for (e, q) in self.sfa_elems[i].iter_mut().zip(&p.q_sfa) {
                            *e += q;
                        }
                        self.r[i] = p.refrac;
                        spikes.push((i as u32, input.step + 1));
                    }
                }
            } else {
                self.r[i] -= 1;
                y[0][l] = p.v_reset;
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.p = self::params(params, self.dt, &self.label, self.first)?;
        self.lanes = lane_params(&self.p);
        // As NEST's pre_run_hook: element vectors keep their values, resized.
        for (i, p) in self.p.iter().enumerate() {
            self.stc_elems[i].resize(p.p_stc.len(), 0.0);
            self.sfa_elems[i].resize(p.p_sfa.len(), 0.0);
        }
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let Some(k) = VARIABLES.iter().position(|v| *v == name) else {
            return Err(Error::unknown_name("native GIF_cond_exp", "state variable", name, VARIABLES));
        };
        let scale = if matches!(k, 1..=3) { 1000.0 } else { 1.0 };
        for (c, v) in cells.iter().zip(values) {
            self.init[*c][k] = v * scale;
            match k {
                0..=2 => {
                    let mut y = block_get(&self.y, *c);
                    y[k] = v * scale;
                    block_set(&mut self.y, *c, y);
                }
                3 => self.stc[*c] = v * scale,
                _ => self.sfa[*c] = v * scale,
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        // The padding lanes of the last block: copies of the last cell.
        for i in 0..self.y.len() * LANES {
            let s = self.init[i.min(self.init.len() - 1)];
            block_set(&mut self.y, i, [s[0], s[1], s[2]]);
        }
        for i in 0..self.init.len() {
            let s = self.init[i];
            self.stc[i] = s[3];
            self.sfa[i] = s[4];
            self.stc_elems[i].iter_mut().for_each(|e| *e = 0.0);
            self.sfa_elems[i].iter_mut().for_each(|e| *e = 0.0);
        }
        self.step.iter_mut().for_each(|s| *s = self.dt);
        self.r.iter_mut().for_each(|r| *r = 0);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        VARIABLES.iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match var {
            0..=2 => {
                let scale = if var == 0 { 1.0 } else { 1e-3 };
                out.extend(cells.iter().map(|c| block_get(&self.y, *c)[var] * scale));
            }
            3 => out.extend(cells.iter().map(|c| self.stc[*c] * 1e-3)),
            _ => out.extend(cells.iter().map(|c| self.sfa[*c])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::rkf45::testing::{Gen, at_every_width, random_input};

    use pynn_core::cells::CellType;

    fn build(n: usize, first_cell: usize) -> Box<dyn Kernel> {
        let params = ParamTable::defaults(GIF_cond_exp::PARAMETERS, n);
        let initial = ParamTable::defaults(GIF_cond_exp::STATE, n);
        let ctx = BuildContext { dt: 0.1, seed: 7, population: 3, label: "gif".into(), first_cell, composition: None };
        <GIF_cond_exp as NativeCell>::build(&params, &initial, &ctx).expect("defaults are valid")
    }

    /// Runs kernels covering consecutive cells under a 1 nA drive; spikes as
    /// (population cell, step).
    fn run(mut parts: Vec<(usize, Box<dyn Kernel>, usize)>) -> Vec<(u32, u64)> {
        let mut all = Vec::new();
        for step in 0..1000 {
            for (first, k, n) in &mut parts {
                let zero = vec![0.0; *n];
                let current = vec![1.0; *n];
                let synaptic: [&[f64]; 2] = [&zero, &zero];
                let mut out = SpikeOut::new();
                k.step(&StepInput { step, synaptic: &synaptic, current: &current }, &mut out);
                all.extend(out.iter().map(|&(c, s)| (*first as u32 + c, s)));
            }
        }
        all.sort_by_key(|&(c, s)| (s, c));
        all
    }

    #[test]
    fn gif_lanes_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(gif_lanes_case);
    }

    fn gif_lanes_case() {
        // One kernel of 21 cells (two blocks of 8 through the lanes, a
        // block of 5 cells and 3 padding lanes) against the step as written before the lane
        // path (per cell: adaptation, scalar RKF45 with the right-hand side
        // below, input, escape draw), over 800 steps with random currents,
        // leaks and large conductance kicks: spikes (cell, step), the RKF45
        // state, step sizes, refractory counts, stc and sfa must be
        // identical bit for bit after every step.
        let (n, h) = (21, 0.1);
        let params = ParamTable::defaults(GIF_cond_exp::PARAMETERS, n);
        let initial = ParamTable::defaults(GIF_cond_exp::STATE, n);
        let ctx =
            BuildContext { dt: h, seed: 11, population: 0, label: "gif".into(), first_cell: 0, composition: None };
        let mut k = GifCondExp::new(&params, &initial, &ctx).unwrap();
        let mut g = Gen(0x6166_1234_5678_9abc);
        for i in 0..n {
            k.p[i].i_e = g.next(-100.0, 300.0);
            k.p[i].g_l *= g.next(0.5, 2.0);
            // A small capacitance makes the kicks stiff enough for sub-steps.
            k.p[i].c_m = g.next(20.0, 300.0);
            let mut v = block_get(&k.y, i);
            v[0] = g.next(-70.0, -50.0);
            block_set(&mut k.y, i, v);
        }
        k.lanes = lane_params(&k.p);
        let p = k.p.clone();
        let (mut y, mut st, mut r): (Vec<[f64; 3]>, _, _) =
            ((0..n).map(|i| block_get(&k.y, i)).collect(), k.step.clone(), k.r.clone());
        let (mut stc_e, mut sfa_e, mut rngs) = (k.stc_elems.clone(), k.sfa_elems.clone(), k.rngs.clone());
        let solver = Rkf45::<3>::absolute(GSL_ERROR_TOL);
        let (mut substeps, mut one_step, mut n_spikes) = (0, 0, 0);
        for step in 0..800u64 {
            let [ex, inh, cur] = random_input(&mut g, n, 0.05, 0.03, 2.0, 1.2);
            let mut out = SpikeOut::new();
            k.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let q = &p[i];
                let mut stc = 0.0;
                for (e, d) in stc_e[i].iter_mut().zip(&q.p_stc) {
                    stc += *e;
                    *e *= d;
                }
                let mut sfa = q.v_t_star;
                for (e, d) in sfa_e[i].iter_mut().zip(&q.p_sfa) {
                    sfa += *e;
                    *e *= d;
                }
                let (refractory, i_stim) = (r[i] > 0, cur[i] * 1000.0);
                let rhs = |y: &[f64; 3], f: &mut [f64; 3]| {
                    let v = if refractory { q.v_reset } else { y[0] };
                    let i_syn = y[1] * (v - q.e_ex) + y[2] * (v - q.e_in);
                    let i_l = q.g_l * (v - q.e_l);
                    f[0] = if refractory { 0.0 } else { (-i_l + i_stim + q.i_e - i_syn - stc) / q.c_m };
                    f[1] = -y[1] / q.tau_e;
                    f[2] = -y[2] / q.tau_i;
                };
                let (mut t, mut calls) = (0.0, 0);
                while t < h {
                    solver.apply(&mut y[i], &mut t, h, &mut st[i], &rhs);
                    calls += 1;
                }
                substeps += calls;
                one_step += usize::from(calls == 1 && i < 16);
                y[i][1] += ex[i] * 1000.0;
                y[i][2] += inh[i] * 1000.0;
                if r[i] == 0 {
                    let lambda = q.lambda_0 * ((y[i][0] - sfa) / q.delta_v).exp();
                    if lambda > 0.0 {
                        let u: f64 = rngs[i].random();
                        if u < -(-lambda * h).exp_m1() {
                            stc_e[i].iter_mut().zip(&q.q_stc).for_each(|(e, q)| *e += q);
                            sfa_e[i].iter_mut().zip(&q.q_sfa).for_each(|(e, q)| *e += q);
                            r[i] = q.refrac;
                            expected.push((i as u32, step + 1));
                        }
                    }
                } else {
                    r[i] -= 1;
                    y[i][0] = q.v_reset;
                }
                assert_eq!(block_get(&k.y, i).map(f64::to_bits), y[i].map(f64::to_bits), "step {step}, cell {i}");
                assert_eq!((k.step[i].to_bits(), k.r[i]), (st[i].to_bits(), r[i]), "step {step}, cell {i}");
                assert_eq!((k.stc[i].to_bits(), k.sfa[i].to_bits()), (stc.to_bits(), sfa.to_bits()), "step {step}");
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        // The lanes took most steps, the scalar fallback many, and cells spiked.
        assert!(one_step > 16 * 800 / 2, "{one_step} single-step cell steps in the lane chunks");
        assert!(substeps > n * 800 + 300, "{substeps} sub-steps: the scalar fallback was not exercised");
        assert!(n_spikes > 100, "{n_spikes} spikes");
    }

    #[test]
    fn escape_noise_is_keyed_by_population_cell_not_by_shard() {
        let whole = run(vec![(0, build(1030, 0), 1030)]);
        let cut = run(vec![(0, build(512, 0), 512), (512, build(512, 512), 512), (1024, build(6, 1024), 6)]);
        assert!(whole.len() > 1000, "{} spikes", whole.len());
        assert_eq!(whole, cut);
    }
}
