//! Native kernels of the conductance-based leaky integrate-and-fire models
//! `IF_cond_exp` (NEST `iaf_cond_exp`) and `IF_cond_alpha` (`iaf_cond_alpha`).
//!
//! Each follows NEST 3.10's `update()` of the same model (`models/iaf_cond_*.cpp`):
//! the state is integrated over the step with the membrane potential frozen
//! while refractory and entering the currents bounded above by `v_thresh`;
//! then
//! * `IF_cond_exp`: input conductance is added, then refractoriness and the
//!   threshold are handled;
//! * `IF_cond_alpha`: refractoriness and the threshold are handled, then the
//!   input is added to the conductance derivative (scaled by `e / tau_syn` so
//!   that a weight is the peak conductance).
//!
//! # Integration ([`OdeSolver`])
//!
//! * [`OdeSolver::Rkf45`]: NEST's adaptive RKF45 of [`super::rkf45`]
//!   (tolerance 1e-3, NEST's units: mV, nS, pF, pA), eight cells at a time
//!   in vector lanes ([`Rkf45::first_step_lanes`], right-hand sides written
//!   once over [`Real`]); the result is the scalar stepper's bit for bit
//!   (tests at the end of this file), and NEST's trajectories to rounding.
//! * [`OdeSolver::Rk4`]: the conductances integrated exactly over the step
//!   (they are linear and independent of `v`), and one classic RK4 step of
//!   the membrane equation `v' = a(t) - b(t) min(v, v_th)`, with
//!   `a = (I + g_L E_L + g_e(t) E_e + g_i(t) E_i) / C`,
//!   `b = (g_L + g_e(t) + g_i(t)) / C` (`FixedStep`, private).
//! * [`OdeSolver::Auto`] (the default): `Rk4` for each cell and step where
//!   the a-priori estimate below bounds RK4's local error of `v` by
//!   `GUARD_EPS` = 1e-3 mV, NEST's absolute tolerance (the error NEST's
//!   control accepts in a sub-step); NEST's RKF45 for that cell over that
//!   step otherwise, starting from the cell's own carried step size (as
//!   NEST's `IntegrationStep_`). No step is thus less accurate than NEST's
//!   error control allows.
//!
//! `Rk4` and `Auto` share one vectorised pass (`FixedStep`, private): it
//! integrates `w = v - E_ex`, so that `dw/dt = a - b min(w, w_th)` has the
//! excitatory conductance in `b` only, and every coefficient of a stage is
//! a fused multiply-add with constants divided by `C_m` once
//! ([`f64::mul_add`]: correctly rounded, so every vector width gives the
//! same bits, tested); refractoriness is the step at which it ends (no
//! store per cell and step); only values that change are stored (masked
//! stores in the vector loop); cells go in blocks of 128, and only a block
//! with a spike or a rejected cell is scanned afterwards.
//!
//! ## The guard's estimate
//!
//! Below threshold, `v' = a(t) - b(t) v` is linear in `v`, and every
//! coefficient is a constant plus exponentials `g_j(t) = g_j e^{-r_j t}`
//! (`r_j = 1 / tau_syn`). Let `D = b(t_k) + max_j r_j` (the conductances
//! only decay, so `b(t_k)` is `b`'s largest value over the step) and
//! `T = |v'(t_k)| + sum_j g_j |E_j - v| / C`. Each time derivative of a
//! coefficient multiplies term `j` by `-r_j`, so `|a^(m) - b^(m) v| <=
//! D^m T` and `|b^(m)| <= D^(m+1)`; differentiating `v' = a - b v` and
//! inducting gives `|v^(k)| <= c_k D^(k-1) T` with `c_k` the Bell numbers
//! (1, 2, 5, 15, 52), and the elementary differentials of order 5 that
//! make RK4's local error (Hairer, Nørsett & Wanner, *Solving ODEs I*,
//! §II.2-3) are bounded the same way: the local error is `O(h^5 D^4 T)`.
//! For constant coefficients it is exactly `|e^z - R(z)| |v - v_inf| <=
//! |z|^5 / 120 |v - v_inf|` (`z = -b h`, `R` RK4's stability polynomial).
//! The guard requires
//!
//! `x = h D <= 1` (the asymptotic regime, well inside RK4's stability
//! interval |z| < 2.78) and `h^5 D^4 T / GUARD_K <= GUARD_EPS`, `GUARD_K = 20`.
//!
//! The constant is measured, not derived: the unit test
//! `guard_bounds_the_rk4_local_error` compares RK4's actual local error
//! with a converged reference over thousands of random cells and states
//! (all with `h D <= 1`, conductances up to 2000 nS) and asserts that it is
//! at most half the estimate (observed: at most 0.2 of it for
//! `IF_cond_exp`, 0.08 for `IF_cond_alpha`). For `IF_cond_alpha`,
//! `g(t) = (g + dg t) e^{-r t}` has `|g^(m)| <= r^m (|g| + m tau |dg|)`,
//! so `g_j` above stands for `|g_j| + 4 tau_j |dg_j|` (the fourth
//! derivative is the highest that enters) in both `D` and `T`. Refractory
//! cells pass (their `v` is held, their conductances are exact). Where `v`
//! crosses `v_th` within a step the right-hand side has a kink and the
//! estimate does not hold; the cell then fires (if `v(t_k+1) >= v_th`) and
//! `v` is reset, so the error only decides whether the crossing is seen.
//! A NaN in the state fails the guard and goes to RKF45.
//!
//! For the Vogels–Abbott COBA network (`h = 0.1`, 200 pF, `r = 0.2/ms`,
//! `v` near -55 mV) the estimate passes up to `g_i` of about 380 nS
//! (computed from the formula). Counted (`va_coba`, default seed): 26 216
//! of the 4·10^7 cell-steps of the first second take RKF45 (0.07 %),
//! 28 411 in five seconds: nearly all in the synchronous start, when
//! inhibitory conductances reach several hundred nS.

use super::OdeSolver;
use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::{Block, LANES, Lanes, Rkf45, System, block_get, block_set};
use super::simd::{Col, Real, V8, bits, dispatch, uniform};
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, IF_cond_alpha, IF_cond_exp, IF_cond_exp_gsfa_grr, IF_facets_hardware1, Result};

/// NEST's absolute tolerance for these models (`gsl_odeiv_control_y_new(1e-3, 0)`).
const EPS_ABS: f64 = 1e-3;

/// Per-cell constants in NEST's units.
#[derive(Debug, Clone, Copy)]
struct CondParams {
    v_th: f64,
    v_reset: f64,
    e_l: f64,
    g_l: f64,
    c_m: f64,
    e_ex: f64,
    e_in: f64,
    tau_e: f64,
    tau_i: f64,
    i_e: f64,
    refrac: u32,
    /// Alpha models: `e / tau_syn`, scaling of input into `dg`.
    psc_e: f64,
    psc_i: f64,
}

fn params(p: &ParamTable, dt: f64) -> Vec<CondParams> {
    if p.position("g_leak").is_some() {
        return facets_params(p, dt);
    }
    let col = |n: &str| p.scalar(n);
    (0..p.size())
        .map(|i| {
            let (cm, tau_m) = (col("cm")[i], col("tau_m")[i]);
            let (te, ti) = (col("tau_syn_E")[i], col("tau_syn_I")[i]);
            CondParams {
                v_th: col("v_thresh")[i],
                v_reset: col("v_reset")[i],
                e_l: col("v_rest")[i],
                // PyNN -> NEST: g_L = cm / tau_m * 1000 (nS), C_m = cm * 1000 (pF).
                g_l: cm / tau_m * 1000.0,
                c_m: cm * 1000.0,
                e_ex: col("e_rev_E")[i],
                e_in: col("e_rev_I")[i],
                tau_e: te,
                tau_i: ti,
                i_e: col("i_offset")[i] * 1000.0,
                refrac: refractory_steps(col("tau_refrac")[i], dt),
                psc_e: std::f64::consts::E / te,
                psc_i: std::f64::consts::E / ti,
            }
        })
        .collect()
}

/// `IF_facets_hardware1`: NEST `iaf_cond_exp` with PyNN's fixed values
/// `C_m = 200 pF`, `t_ref = 1 ms`, `E_ex = 0 mV`, `I_e = 0`, and `g_leak`
/// given in nS (PyNN 0.13 `pyNN/nest/standardmodels/cells.py`).
fn facets_params(p: &ParamTable, dt: f64) -> Vec<CondParams> {
    let col = |n: &str| p.scalar(n);
    (0..p.size())
        .map(|i| CondParams {
            v_th: col("v_thresh")[i],
            v_reset: col("v_reset")[i],
            e_l: col("v_rest")[i],
            g_l: col("g_leak")[i],
            c_m: 200.0,
            e_ex: 0.0,
            e_in: col("e_rev_I")[i],
            tau_e: col("tau_syn_E")[i],
            tau_i: col("tau_syn_I")[i],
            i_e: 0.0,
            refrac: refractory_steps(1.0, dt),
            psc_e: std::f64::consts::E / col("tau_syn_E")[i],
            psc_i: std::f64::consts::E / col("tau_syn_I")[i],
        })
        .collect()
}

/// The parameters of [`LANES`] cells as the lane right-hand sides read
/// them (the fields of [`CondParams`] they use).
#[derive(Clone, Copy)]
struct Params8 {
    v_reset: V8,
    v_th: V8,
    e_l: V8,
    g_l: V8,
    c_m: V8,
    e_ex: V8,
    e_in: V8,
    tau_e: V8,
    tau_i: V8,
    i_e: V8,
}

impl Params8 {
    /// The parameters of cells `p[0..LANES]`.
    fn of(p: &[CondParams; LANES]) -> Self {
        let col = |f: fn(&CondParams) -> f64| V8(p.each_ref().map(f));
        Params8 {
            v_reset: col(|p| p.v_reset),
            v_th: col(|p| p.v_th),
            e_l: col(|p| p.e_l),
            g_l: col(|p| p.g_l),
            c_m: col(|p| p.c_m),
            e_ex: col(|p| p.e_ex),
            e_in: col(|p| p.e_in),
            tau_e: col(|p| p.tau_e),
            tau_i: col(|p| p.tau_i),
            i_e: col(|p| p.i_e),
        }
    }
}

/// The lanes' view of the parameters, derived from [`CondParams`]: one set
/// for a homogeneous population (kept in registers across the blocks), or
/// one [`Params8`] per block of [`LANES`] cells (read without a gather).
enum LaneParams {
    Uniform(Box<Params8>),
    Blocks(Vec<Params8>),
}

impl LaneParams {
    /// Blocks of `p`, the last padded with copies of the last cell.
    fn new(p: &[CondParams]) -> Self {
        let same = |a: &CondParams, b: &CondParams| {
            let key = |p: &CondParams| {
                [p.v_reset, p.v_th, p.e_l, p.g_l, p.c_m, p.e_ex, p.e_in, p.tau_e, p.tau_i, p.i_e].map(f64::to_bits)
            };
            key(a) == key(b)
        };
        match p.first() {
            Some(first) if p.iter().all(|q| same(q, first)) => {
                LaneParams::Uniform(Box::new(Params8::of(&[*first; LANES])))
            }
            _ => LaneParams::Blocks(
                (0..p.len().div_ceil(LANES))
                    .map(|b| Params8::of(&std::array::from_fn(|l| p[(b * LANES + l).min(p.len() - 1)])))
                    .collect(),
            ),
        }
    }
}

/// How the lanes read the parameters of block `b`: [`Params8`] itself for
/// a homogeneous population, a slice of them otherwise.
trait BlockParams: Copy {
    fn block(self, b: usize) -> Params8;
}

impl BlockParams for Params8 {
    #[inline(always)]
    fn block(self, _b: usize) -> Params8 {
        self
    }
}

impl BlockParams for &[Params8] {
    #[inline(always)]
    fn block(self, b: usize) -> Params8 {
        self[b]
    }
}

/// The parameters of the threshold rule, one column each (see
/// [`CondState::threshold`]).
struct Threshold {
    v_th: Vec<f64>,
    v_reset: Vec<f64>,
    refrac: Vec<u32>,
}

impl Threshold {
    fn new(p: &[CondParams]) -> Self {
        Threshold {
            v_th: p.iter().map(|p| p.v_th).collect(),
            v_reset: p.iter().map(|p| p.v_reset).collect(),
            refrac: p.iter().map(|p| p.refrac).collect(),
        }
    }
}

/// The threshold rule for the cells of one block (`v` their potentials,
/// the other slices as long); returns the lanes that fired, one bit each.
#[inline(always)]
fn threshold_lanes(v: &mut [f64], r: &mut [u32], v_th: &[f64], v_reset: &[f64], refrac: &[u32]) -> u32 {
    let m = v.len();
    let (r, v_th, v_reset, refrac) = (&mut r[..m], &v_th[..m], &v_reset[..m], &refrac[..m]);
    let mut fired = 0;
    for l in 0..m {
        let ri = r[l];
        let fire = (ri == 0) & (v[l] >= v_th[l]);
        v[l] = if (ri != 0) | fire { v_reset[l] } else { v[l] };
        r[l] = if fire { refrac[l] } else { ri.saturating_sub(1) };
        fired |= u32::from(fire) << l;
    }
    fired
}

/// Shared state handling of the models: `N` state components with `v`
/// first; conductances at `G_EXC`, `G_INH` (nS). The state is kept in
/// [`Block`]s of [`LANES`] cells, the lanes' own layout; the lanes of the
/// last block past the last cell hold a copy of the last cell (they are
/// integrated, never read).
struct CondState<const N: usize> {
    dt: f64,
    /// Number of cells.
    n: usize,
    p: Vec<CondParams>,
    lanes: LaneParams,
    /// The threshold rule's parameters, one column each.
    th: Threshold,
    y: Vec<Block<N>>,
    /// Carried step size per lane of `y`.
    step: Vec<f64>,
    r: Vec<u32>,
    init: Vec<[f64; N]>,
}

impl<const N: usize> CondState<N> {
    fn new(params: &ParamTable, initial: &ParamTable, dt: f64, g_exc: usize, g_inh: usize) -> Self {
        let n = params.size();
        let (v, ge, gi) = (initial.scalar("v"), initial.scalar("gsyn_exc"), initial.scalar("gsyn_inh"));
        let init: Vec<[f64; N]> = (0..n)
            .map(|i| {
                let mut s = [0.0; N];
                s[0] = v[i];
                s[g_exc] = ge[i] * 1000.0;
                s[g_inh] = gi[i] * 1000.0;
                s
            })
            .collect();
        let p = self::params(params, dt);
        let blocks = n.div_ceil(LANES);
        let mut s = CondState {
            dt,
            n,
            lanes: LaneParams::new(&p),
            th: Threshold::new(&p),
            p,
            y: vec![[[0.0; LANES]; N]; blocks],
            step: vec![dt; blocks * LANES],
            r: vec![0; n],
            init,
        };
        s.load_init();
        s
    }

    /// Sets the parameters (and the lanes' copy of them).
    fn set_params(&mut self, p: Vec<CondParams>) {
        self.lanes = LaneParams::new(&p);
        self.th = Threshold::new(&p);
        self.p = p;
    }

    /// NEST's rule after the integration of a step (`iaf_cond_*::update`):
    /// a refractory cell is held at `v_reset` and counts down, another
    /// fires at `v >= v_th` (`v_reset`, refractory count `refrac`, a spike
    /// at the end of step `step`). Branch-free over each block of
    /// [`LANES`] cells (which cells are refractory is not predictable).
    fn threshold(&mut self, step: u64, spikes: &mut SpikeOut) {
        let n = self.n;
        let th = &self.th;
        for (b, y) in self.y.iter_mut().enumerate() {
            let i0 = b * LANES;
            let fired = if i0 + LANES <= n {
                let k = i0..i0 + LANES;
                threshold_lanes(
                    &mut y[0],
                    &mut self.r[k.clone()],
                    &th.v_th[k.clone()],
                    &th.v_reset[k.clone()],
                    &th.refrac[k],
                )
            } else {
                let k = i0..n;
                threshold_lanes(
                    &mut y[0][..n - i0],
                    &mut self.r[k.clone()],
                    &th.v_th[k.clone()],
                    &th.v_reset[k.clone()],
                    &th.refrac[k],
                )
            };
            if fired != 0 {
                for l in 0..LANES {
                    if fired & (1 << l) != 0 {
                        spikes.push(((i0 + l) as u32, step + 1));
                    }
                }
            }
        }
    }

    /// The state of every cell (and the padding lanes) from `init`.
    fn load_init(&mut self) {
        for i in 0..self.y.len() * LANES {
            if let Some(last) = self.init.len().checked_sub(1) {
                block_set(&mut self.y, i, self.init[i.min(last)]);
            }
        }
    }

    /// The state of cell `i`.
    #[inline(always)]
    fn get(&self, i: usize) -> [f64; N] {
        block_get(&self.y, i)
    }

    fn initialize(
        &mut self,
        model: &str,
        name: &str,
        cells: &[usize],
        values: &[f64],
        g_exc: usize,
        g_inh: usize,
    ) -> Result<()> {
        let (k, scale) = match name {
            "v" => (0, 1.0),
            "gsyn_exc" => (g_exc, 1000.0),
            "gsyn_inh" => (g_inh, 1000.0),
            _ => {
                return Err(Error::unknown_name(
                    format!("native {model}"),
                    "state variable",
                    name,
                    ["v", "gsyn_exc", "gsyn_inh"],
                ));
            }
        };
        for (c, v) in cells.iter().zip(values) {
            self.init[*c][k] = v * scale;
        }
        self.set_component(k, cells, values.iter().map(|v| v * scale));
        Ok(())
    }

    /// Sets component `k` of the state of `cells` to `values` (and
    /// refreshes the padding lanes, copies of the last cell).
    fn set_component(&mut self, k: usize, cells: &[usize], values: impl Iterator<Item = f64>) {
        for (&c, v) in cells.iter().zip(values) {
            let mut y = self.get(c);
            y[k] = v;
            block_set(&mut self.y, c, y);
        }
        if let Some(last) = self.n.checked_sub(1) {
            let y = self.get(last);
            for i in self.n..self.y.len() * LANES {
                block_set(&mut self.y, i, y);
            }
        }
    }

    fn reset(&mut self) {
        self.load_init();
        self.step.iter_mut().for_each(|s| *s = self.dt);
        self.r.iter_mut().for_each(|r| *r = 0);
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>, g_exc: usize, g_inh: usize) {
        match var {
            0 => out.extend(cells.iter().map(|c| self.get(*c)[0])),
            1 => out.extend(cells.iter().map(|c| self.get(*c)[g_exc] * 1e-3)),
            _ => out.extend(cells.iter().map(|c| self.get(*c)[g_inh] * 1e-3)),
        }
    }
}

/// Runs `$integrate` (`integrate_exp` or `integrate_alpha`) on the
/// [`CondState`] `$s` with the injected currents `$cur` (nA), monomorphised
/// for its kind of [`LaneParams`].
macro_rules! integrate_state {
    ($integrate:ident, $s:expr, $cur:expr) => {{
        let CondState { dt, n, p, lanes, y, step, r, .. } = $s;
        let (h, n, cur) = (*dt, *n, $cur);
        match lanes {
            LaneParams::Uniform(q) => $integrate(RkfIo { h, sys: CondSystem { p, lanes: **q, r, cur, n }, y, step }),
            LaneParams::Blocks(q) => $integrate(RkfIo { h, sys: CondSystem { p, lanes: &q[..], r, cur, n }, y, step }),
        }
    }};
}

fn variable(name: &str) -> Option<usize> {
    ["v", "gsyn_exc", "gsyn_inh"].iter().position(|v| *v == name)
}

/// The state of an `IF_cond_exp` (`N = 3`: `v, g_exc, g_inh`) or
/// `IF_cond_alpha` (`N = 5`: `v, dg_exc, g_exc, dg_inh, g_inh`) kernel and
/// how it is advanced: NEST's RKF45 on `s` when `fast` is `None`
/// ([`OdeSolver::Rkf45`]), otherwise the fixed-step update of [`FixedStep`]
/// ([`OdeSolver::Auto`], [`OdeSolver::Rk4`]), which then holds the live
/// state (the initial values and parameters stay in `s`).
struct CondKernel<const N: usize> {
    s: CondState<N>,
    fast: Option<FixedStep>,
}

impl<const N: usize> CondKernel<N> {
    const ALPHA: bool = N == 5;
    const G_EXC: usize = if N == 5 { 2 } else { 1 };
    const G_INH: usize = if N == 5 { 4 } else { 2 };
    const MODEL: &'static str = if N == 5 { "IF_cond_alpha" } else { "IF_cond_exp" };

    fn new(params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
        CondKernel { s: CondState::new(params, initial, dt, Self::G_EXC, Self::G_INH), fast: None }
    }

    /// The fixed-step update of one step, if chosen (`false`: RKF45 is);
    /// `cur` is `None` when no current is injected.
    fn step_fast(
        &mut self,
        step: u64,
        ex: &mut [f64],
        inh: &mut [f64],
        cur: Option<&[f64]>,
        spikes: &mut SpikeOut,
    ) -> bool {
        let Some(k) = &mut self.fast else { return false };
        k.update(step, ex, inh, cur, &self.s.p, spikes);
        true
    }

    fn step_clearing(
        &mut self,
        step: u64,
        synaptic: &mut [&mut [f64]],
        cur: Option<&[f64]>,
        spikes: &mut SpikeOut,
    ) -> bool {
        match synaptic {
            [ex, inh] => self.step_fast(step, ex, inh, cur, spikes),
            _ => false,
        }
    }

    fn set_ode_solver(&mut self, solver: OdeSolver) {
        self.fast = match solver {
            OdeSolver::Rkf45 => None,
            OdeSolver::Rk4 | OdeSolver::Auto => {
                let mut k = FixedStep::new(self.s.dt, &self.s.p, Self::ALPHA, solver == OdeSolver::Auto);
                k.load(&self.s);
                Some(k)
            }
        };
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.s.set_params(self::params(params, self.s.dt));
        if let Some(k) = &mut self.fast {
            k.derive(&self.s.p);
        }
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        self.s.initialize(Self::MODEL, name, cells, values, Self::G_EXC, Self::G_INH)?;
        if let Some(k) = &mut self.fast {
            for (&c, &v) in cells.iter().zip(values) {
                match name {
                    "v" => k.set_v(c, v),
                    "gsyn_exc" => k.ge[c] = v * 1000.0,
                    _ => k.gi[c] = v * 1000.0,
                }
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.s.reset();
        if let Some(k) = &mut self.fast {
            k.load(&self.s);
        }
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match &self.fast {
            None => self.s.read(var, cells, out, Self::G_EXC, Self::G_INH),
            Some(k) => match var {
                0 => out.extend(cells.iter().map(|c| k.v(*c))),
                1 => out.extend(cells.iter().map(|c| k.ge[*c] * 1e-3)),
                _ => out.extend(cells.iter().map(|c| k.gi[*c] * 1e-3)),
            },
        }
    }
}

/// The `Kernel` methods the two models share (all but `step`), delegated
/// to the [`CondKernel`] in field `.0`.
macro_rules! delegate_to_cond_kernel {
    () => {
        fn step_clearing(
            &mut self,
            step: u64,
            synaptic: &mut [&mut [f64]],
            current: &[f64],
            spikes: &mut SpikeOut,
        ) -> bool {
            self.0.step_clearing(step, synaptic, Some(current), spikes)
        }

        fn step_clearing_no_current(
            &mut self,
            step: u64,
            synaptic: &mut [&mut [f64]],
            _zeros: &[f64],
            spikes: &mut SpikeOut,
        ) -> bool {
            self.0.step_clearing(step, synaptic, None, spikes)
        }

        fn set_ode_solver(&mut self, solver: OdeSolver) {
            self.0.set_ode_solver(solver);
        }

        fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
            self.0.set_parameters(params)
        }

        fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
            self.0.initialize(name, cells, values)
        }

        fn reset(&mut self) {
            self.0.reset();
        }

        fn variable(&self, name: &str) -> Option<usize> {
            variable(name)
        }

        fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
            self.0.read(var, cells, out);
        }
    };
}

/// Native kernel of [`IF_cond_exp`] (and [`IF_facets_hardware1`]): state
/// `(v, g_exc, g_inh)`, advanced by the session's [`OdeSolver`]: the
/// guarded fixed-step update (`FixedStep`, private; the default), plain
/// RK4, or NEST's RKF45 (see the module doc).
pub struct IafCondExp(CondKernel<3>);

impl NativeCell for IF_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(IafCondExp(CondKernel::new(params, initial, ctx.dt))))
    }
}

impl Kernel for IafCondExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        if self.0.fast.is_some() {
            let (mut e, mut i) = (ex.to_vec(), inh.to_vec());
            self.0.step_fast(input.step, &mut e, &mut i, Some(cur), spikes);
            return;
        }
        let s = &mut self.0.s;
        integrate_state!(integrate_exp, s, cur);
        let n = s.n;
        let (ex, inh) = (&ex[..n], &inh[..n]);
        for (b, y) in s.y.iter_mut().enumerate() {
            let i0 = b * LANES;
            for l in 0..LANES.min(n - i0) {
                y[1][l] += ex[i0 + l] * 1000.0;
                y[2][l] += inh[i0 + l] * 1000.0;
            }
        }
        s.threshold(input.step, spikes);
    }

    delegate_to_cond_kernel!();
}

/// Native kernel of [`IF_cond_alpha`]: state `(v, dg_exc, g_exc, dg_inh,
/// g_inh)`, advanced as [`IafCondExp`] is.
pub struct IafCondAlpha(CondKernel<5>);

impl NativeCell for IF_cond_alpha {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(IafCondAlpha(CondKernel::new(params, initial, ctx.dt))))
    }
}

impl Kernel for IafCondAlpha {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        if self.0.fast.is_some() {
            let (mut e, mut i) = (ex.to_vec(), inh.to_vec());
            self.0.step_fast(input.step, &mut e, &mut i, Some(cur), spikes);
            return;
        }
        let s = &mut self.0.s;
        integrate_state!(integrate_alpha, s, cur);
        s.threshold(input.step, spikes);
        let n = s.n;
        let (ex, inh, p) = (&ex[..n], &inh[..n], &s.p[..n]);
        for (b, y) in s.y.iter_mut().enumerate() {
            let i0 = b * LANES;
            for l in 0..LANES.min(n - i0) {
                let (i, p) = (i0 + l, &p[i0 + l]);
                y[1][l] += ex[i] * 1000.0 * p.psc_e;
                y[3][l] += inh[i] * 1000.0 * p.psc_i;
            }
        }
    }

    delegate_to_cond_kernel!();
}

/// The per-cell constants of the fixed-step update, in the coordinates it
/// integrates: `w = v - E_ex` (mV) and rates divided by `C_m` once (see
/// [`FixedStep`]).
#[derive(Clone, Copy)]
struct Rk4Cols<C> {
    /// `v_th - E_ex`, `v_reset - E_ex` (mV).
    th: C,
    reset: C,
    /// `(I_e + g_L (E_L - E_ex)) / C_m` (mV/ms): `dw/dt` at `w = 0`
    /// without synaptic conductance or injected current.
    a_l: C,
    /// `1000 / C_m`: mV/ms per nA of injected current.
    a_cur: C,
    /// `(E_in - E_ex) / C_m` (mV/(ms nS)).
    a_in: C,
    /// `(E_in - E_ex) half_i / C_m`: `a_in` for the half-step's decayed
    /// inhibitory conductance (`IF_cond_exp`).
    a_in_half: C,
    /// `g_L / C_m` (1/ms).
    b_l: C,
    /// `1 / C_m` (1/pF).
    inv_c: C,
    /// `half_e / C_m`, `half_i / C_m` (`IF_cond_exp`'s half-step rates).
    b_half_e: C,
    b_half_i: C,
    /// `E_in - E_ex` (mV), for the guard.
    d_in: C,
    /// Conductance decay over half a step and a whole step.
    half_e: C,
    full_e: C,
    half_i: C,
    full_i: C,
    /// `4 tau_syn` (ms): `IF_cond_alpha`'s bound `|g| + 4 tau |dg|`.
    tau4_e: C,
    tau4_i: C,
    /// `1000 e / tau_syn`: `IF_cond_alpha`'s input (uS) into `dg` (nS/ms).
    psc_e: C,
    psc_i: C,
    /// `h max(1 / tau_syn_E, 1 / tau_syn_I)`: the guard's share of the
    /// fastest conductance rate.
    h_rate: C,
    /// Refractory period in steps.
    refrac: C,
}

/// Every column of [`Rk4Cols`], for code that treats them alike.
macro_rules! rk4_cols {
    ($m:ident!($($a:tt)*)) => {
        $m!($($a)* th, reset, a_l, a_cur, a_in, a_in_half, b_l, inv_c, b_half_e, b_half_i, d_in,
            half_e, full_e, half_i, full_i, tau4_e, tau4_i, psc_e, psc_i, h_rate, refrac)
    };
}

impl Rk4Cols<Vec<f64>> {
    /// The columns of cells `p` for step `h`.
    fn of(p: &[CondParams], h: f64) -> Self {
        let col = |f: &dyn Fn(&CondParams) -> f64| p.iter().map(f).collect::<Vec<f64>>();
        Rk4Cols {
            th: col(&|p| p.v_th - p.e_ex),
            reset: col(&|p| p.v_reset - p.e_ex),
            a_l: col(&|p| (p.i_e + p.g_l * (p.e_l - p.e_ex)) / p.c_m),
            a_cur: col(&|p| 1000.0 / p.c_m),
            a_in: col(&|p| (p.e_in - p.e_ex) / p.c_m),
            a_in_half: col(&|p| (p.e_in - p.e_ex) * (-0.5 * h / p.tau_i).exp() / p.c_m),
            b_l: col(&|p| p.g_l / p.c_m),
            inv_c: col(&|p| 1.0 / p.c_m),
            b_half_e: col(&|p| (-0.5 * h / p.tau_e).exp() / p.c_m),
            b_half_i: col(&|p| (-0.5 * h / p.tau_i).exp() / p.c_m),
            d_in: col(&|p| p.e_in - p.e_ex),
            half_e: col(&|p| (-0.5 * h / p.tau_e).exp()),
            full_e: col(&|p| (-h / p.tau_e).exp()),
            half_i: col(&|p| (-0.5 * h / p.tau_i).exp()),
            full_i: col(&|p| (-h / p.tau_i).exp()),
            tau4_e: col(&|p| 4.0 * p.tau_e),
            tau4_i: col(&|p| 4.0 * p.tau_i),
            psc_e: col(&|p| 1000.0 * p.psc_e),
            psc_i: col(&|p| 1000.0 * p.psc_i),
            h_rate: col(&|p| h * (1.0 / p.tau_e).max(1.0 / p.tau_i)),
            refrac: col(&|p| f64::from(p.refrac)),
        }
    }

    /// The columns as slices.
    fn view(&self) -> Rk4Cols<&[f64]> {
        macro_rules! view {
            ($s:ident, $($f:ident),*) => { Rk4Cols { $($f: &$s.$f[..]),* } };
        }
        rk4_cols!(view!(self,))
    }

    /// One value per column when every cell has the same.
    fn uniform(&self) -> Option<Rk4Cols<f64>> {
        macro_rules! uni {
            ($s:ident, $($f:ident),*) => { Rk4Cols { $($f: uniform(&$s.$f)?),* } };
        }
        Some(rk4_cols!(uni!(self,)))
    }
}

/// Which fixed-step update a dispatched kernel is compiled for: its
/// parameter columns, whether the guard of [`OdeSolver::Auto`] is on and
/// whether an injected current is read.
trait Variant {
    /// The parameter columns ([`Col`]).
    type C: Col;
    /// The guard is on ([`OdeSolver::Auto`]; off: [`OdeSolver::Rk4`]).
    const GUARD: bool;
    /// Some cell has an injected current this step.
    const CURRENT: bool;
}

/// The [`Variant`] with columns `C`, guard `G` and current `I`.
struct Var<C, const G: bool, const I: bool>(std::marker::PhantomData<C>);

impl<C: Col, const G: bool, const I: bool> Variant for Var<C, G, I> {
    type C = C;
    const GUARD: bool = G;
    const CURRENT: bool = I;
}

/// Cells per block of the fixed-step update: the vector pass reports
/// whether a block has a spike or a cell the guard rejects, and only such
/// blocks are scanned ([`settle_block`]).
const BLOCK: usize = 128;

/// `min(y, th)` as NEST bounds `v` in the currents (`y < th ? y : th`:
/// one vector instruction, `minpd`'s own rule).
#[inline(always)]
fn clamp(y: f64, th: f64) -> f64 {
    if y < th { y } else { th }
}

/// One classic RK4 step of `dw/dt = a - b min(w, th)` from `w0` with the
/// coefficients `[a, b]` at the start, middle and end of the step
/// (`h2 = h / 2`, `h6 = h / 6`); returns `w(t_k + h)` and the first stage
/// (`dw/dt` at `t_k`, which the guard reads). Every product and sum that
/// can is one fused multiply-add.
#[inline(always)]
fn rk4_cell(w0: f64, th: f64, c: [[f64; 2]; 3], h: f64, h2: f64, h6: f64) -> (f64, f64) {
    let [[a0, b0], [ah, bh], [af, bf]] = c;
    let k1 = (-b0).mul_add(clamp(w0, th), a0);
    let k2 = (-bh).mul_add(clamp(h2.mul_add(k1, w0), th), ah);
    let k3 = (-bh).mul_add(clamp(h2.mul_add(k2, w0), th), ah);
    let k4 = (-bf).mul_add(clamp(h.mul_add(k3, w0), th), af);
    let mid = k2 + k3;
    (h6.mul_add((mid + mid) + (k1 + k4), w0), k1)
}

/// The guard of [`OdeSolver::Auto`] for one cell (module doc): `x = h D
/// <= 1` and `x^4 h T <= GUARD_K eps`, given `b` (the largest membrane
/// rate over the step), `h_rate` (`h` times the fastest conductance rate),
/// `t` (`T`) and `limit = GUARD_K eps / h`. A NaN fails.
#[inline(always)]
fn guard_cell(b: f64, h: f64, h_rate: f64, t: f64, limit: f64) -> bool {
    let x = b.mul_add(h, h_rate);
    let x2 = x * x;
    (x <= 1.0) & (x2 * x2 * t <= limit)
}

/// The vector pass over the cells `lo..hi` of `s` (see [`FixedStep`]):
/// every cell the guard accepts is advanced, its input cleared; a cell it
/// rejects keeps its state and input and gets `until = NaN` (the mark
/// [`settle_block`] looks for); a cell that fires gets `until` = minus
/// the step its refractoriness ends. Branch-free, so that it vectorises. Returns
/// whether any cell fired or was rejected.
#[inline(always)]
fn block_pass<K: Variant, const ALPHA: bool>(p: &Rk4Cols<K::C>, s: &mut Rk4Io<'_>, lo: usize, hi: usize) -> bool {
    let m = hi - lo;
    let (w, ge, gi, until) = (&mut s.w[lo..hi], &mut s.ge[lo..hi], &mut s.gi[lo..hi], &mut s.until[lo..hi]);
    let (ex, inh) = (&mut s.ex[lo..hi], &mut s.inh[lo..hi]);
    let cur = if K::CURRENT { &s.cur[lo..hi] } else { &[][..] };
    let (dge, dgi) = if ALPHA { (&mut s.dge[lo..hi], &mut s.dgi[lo..hi]) } else { (&mut [][..], &mut [][..]) };
    let c = |f: fn(&Rk4Cols<K::C>) -> K::C| f(p).window(lo, hi);
    let (th, reset, a_l, a_cur, a_in) = (c(|p| p.th), c(|p| p.reset), c(|p| p.a_l), c(|p| p.a_cur), c(|p| p.a_in));
    let (a_in_half, b_l, inv_c, b_half_e) = (c(|p| p.a_in_half), c(|p| p.b_l), c(|p| p.inv_c), c(|p| p.b_half_e));
    let (b_half_i, d_in, half_e, full_e) = (c(|p| p.b_half_i), c(|p| p.d_in), c(|p| p.half_e), c(|p| p.full_e));
    let (half_i, full_i, tau4_e, tau4_i) = (c(|p| p.half_i), c(|p| p.full_i), c(|p| p.tau4_e), c(|p| p.tau4_i));
    let (psc_e, psc_i, h_rate, refrac) = (c(|p| p.psc_e), c(|p| p.psc_i), c(|p| p.h_rate), c(|p| p.refrac));
    let (h, h2, h6) = (s.h, 0.5 * s.h, s.h / 6.0);
    let (now, limit) = (s.step as f64, GUARD_K * s.eps / s.h);
    let now1 = now + 1.0;
    let mut any = false;
    for i in 0..m {
        let (ic, bl, ain, th) = (inv_c.at(i), b_l.at(i), a_in.at(i), th.at(i));
        let a = if K::CURRENT { cur[i].mul_add(a_cur.at(i), a_l.at(i)) } else { a_l.at(i) };
        let (w0, ge0, gi0, u0) = (w[i], ge[i], gi[i], until[i]);
        let (fe, fi) = (full_e.at(i), full_i.at(i));
        // dw/dt = a - b w: the excitatory term g_e (E_ex - v) = -g_e w is
        // all in b, so a holds the inhibitory conductance only.
        let (coef, ge_n, gi_n, dge_n, dgi_n, gbe, gbi);
        if ALPHA {
            let (dge0, dgi0) = (dge[i], dgi[i]);
            // g(s) = (g0 + dg0 s) exp(-s / tau), dg(s) = dg0 exp(-s / tau).
            let (ge_h, gi_h) = (dge0.mul_add(h2, ge0) * half_e.at(i), dgi0.mul_add(h2, gi0) * half_i.at(i));
            let (ge_f, gi_f) = (dge0.mul_add(h, ge0) * fe, dgi0.mul_add(h, gi0) * fi);
            coef = [
                [gi0.mul_add(ain, a), (ge0 + gi0).mul_add(ic, bl)],
                [gi_h.mul_add(ain, a), (ge_h + gi_h).mul_add(ic, bl)],
                [gi_f.mul_add(ain, a), (ge_f + gi_f).mul_add(ic, bl)],
            ];
            (ge_n, gi_n) = (ge_f, gi_f);
            dge_n = ex[i].mul_add(psc_e.at(i), dge0 * fe);
            dgi_n = inh[i].mul_add(psc_i.at(i), dgi0 * fi);
            // |g| + 4 tau |dg| bounds the conductance over the step and
            // scales its first four derivatives (module doc).
            gbe = dge0.abs().mul_add(tau4_e.at(i), ge0.abs());
            gbi = dgi0.abs().mul_add(tau4_i.at(i), gi0.abs());
        } else {
            let (ge_f, gi_f) = (ge0 * fe, gi0 * fi);
            let bh = ge0.mul_add(b_half_e.at(i), gi0.mul_add(b_half_i.at(i), bl));
            coef = [
                [gi0.mul_add(ain, a), (ge0 + gi0).mul_add(ic, bl)],
                [gi0.mul_add(a_in_half.at(i), a), bh],
                [gi_f.mul_add(ain, a), (ge_f + gi_f).mul_add(ic, bl)],
            ];
            ge_n = ex[i].mul_add(1000.0, ge_f);
            gi_n = inh[i].mul_add(1000.0, gi_f);
            (dge_n, dgi_n) = (0.0, 0.0);
            (gbe, gbi) = (ge0.abs(), gi0.abs());
        }
        let (wn, k1) = rk4_cell(w0, th, coef, h, h2, h6);
        let refr = now < u0;
        let ok = !K::GUARD || {
            // T = |dv/dt| + (g_e |E_ex - v| + g_i |E_in - v|) / C_m and D
            // from b at the start of the step (the conductances decay; for
            // IF_cond_alpha, g stands for |g| + 4 tau |dg|).
            let t = gbe.mul_add(w0.abs(), gbi * (d_in.at(i) - w0).abs()).mul_add(ic, k1.abs());
            let b = if ALPHA { (gbe + gbi).mul_add(ic, bl) } else { coef[0][1].abs() };
            guard_cell(b, h, h_rate.at(i), t, limit)
        };
        let bad = !(refr | ok);
        let above = wn >= th;
        let fire = !refr & above & !bad;
        // Only what changes is stored: a rejected cell keeps its state and
        // input (written as conditional stores, so that the vector loop
        // uses masked stores instead of storing unchanged values back).
        if !bad {
            w[i] = if refr | above { reset.at(i) } else { wn };
            ge[i] = ge_n;
            gi[i] = gi_n;
            if ALPHA {
                dge[i] = dge_n;
                dgi[i] = dgi_n;
            }
            ex[i] = 0.0;
            inh[i] = 0.0;
        }
        // A spike of this step is marked by the negated end of its
        // refractoriness, made positive by `settle_block` in this step:
        // telling it from an earlier spike by the value alone would fail
        // once `tau_refrac` has been shortened during a period under way.
        // A rejected cell is marked NaN. Otherwise `until` is unchanged.
        if bad | fire {
            until[i] = if bad { f64::NAN } else { -(now1 + refrac.at(i)) };
        }
        any |= fire | bad;
    }
    any
}

/// What the fixed-step update reads and writes: the state columns
/// (`dge`, `dgi` empty for `IF_cond_exp`), the input of the `n` cells
/// (zeroed once read), and what the fallback needs.
struct Rk4Io<'a> {
    h: f64,
    /// The guard's bound (mV), [`GUARD_EPS`].
    eps: f64,
    /// The step being computed.
    step: u64,
    n: usize,
    w: &'a mut [f64],
    ge: &'a mut [f64],
    gi: &'a mut [f64],
    dge: &'a mut [f64],
    dgi: &'a mut [f64],
    until: &'a mut [f64],
    ex: &'a mut [f64],
    inh: &'a mut [f64],
    /// Injected current (nA); empty when none is injected.
    cur: &'a [f64],
    /// The cells' parameters and carried RKF45 step sizes (the fallback's).
    p: &'a [CondParams],
    rkf_step: &'a mut [f64],
    fallbacks: &'a mut u64,
    spikes: &'a mut SpikeOut,
}

/// One step of every cell of `s`: [`block_pass`] over blocks of [`BLOCK`]
/// cells, then [`settle_block`] for a block with a spike or a rejected
/// cell (a few blocks per step).
#[inline(always)]
fn fixed_step_body<K: Variant, const ALPHA: bool>(p: Rk4Cols<K::C>, mut s: Rk4Io<'_>) {
    let n = s.n;
    let mut lo = 0;
    while lo < n {
        let hi = (lo + BLOCK).min(n);
        if block_pass::<K, ALPHA>(&p, &mut s, lo, hi) {
            settle_block(&mut s, ALPHA, lo, hi);
        }
        lo = hi;
    }
}

/// The cells `lo..hi` after [`block_pass`], in the order of the cells: a
/// rejected cell (`until` NaN) is advanced by [`fallback`]; a cell whose
/// `until` is negative fired in this step (its refractoriness ends at
/// `-until`, stored positive here). Pushes the spikes.
///
/// `until` is read eight cells at a time into a bitmask of the cells that
/// are not `>= 0` (a vector compare without branches per cell): a block
/// that [`block_pass`] reports has only a few such cells among its
/// [`BLOCK`].
#[inline(never)]
fn settle_block(s: &mut Rk4Io<'_>, alpha: bool, lo: usize, hi: usize) {
    const G: usize = 8;
    let mut g0 = lo;
    while g0 < hi {
        let g1 = (g0 + G).min(hi);
        let mut marked = 0u32;
        if g1 - g0 == G {
            // Cannot fail: `g1 - g0 == G` was just checked (the array
            // type lets the compiler vectorise the compare).
            let u: &[f64; G] = s.until[g0..g1].try_into().expect("a group of G cells");
            for (l, u) in u.iter().enumerate() {
                // Negative or NaN.
                marked |= u32::from(!(*u >= 0.0)) << l;
            }
        } else {
            for (l, u) in s.until[g0..g1].iter().enumerate() {
                marked |= u32::from(!(*u >= 0.0)) << l;
            }
        }
        while marked != 0 {
            let i = g0 + marked.trailing_zeros() as usize;
            marked &= marked - 1;
            let u = s.until[i];
            let fired = if u.is_nan() {
                *s.fallbacks += 1;
                fallback(s, alpha, i)
            } else {
                s.until[i] = -u;
                true
            };
            if fired {
                s.spikes.push((i as u32, s.step + 1));
            }
        }
        g0 = g1;
    }
}

/// Advances cell `i` (left as it was by [`block_pass`]; not refractory)
/// over the step with NEST's RKF45 from its carried step size, and NEST's
/// update order; clears its input; returns whether it fired.
fn fallback(s: &mut Rk4Io<'_>, alpha: bool, i: usize) -> bool {
    let q = &s.p[i];
    let cur = s.cur.get(i).copied().unwrap_or(0.0);
    let c = consts_of(q, cur * 1000.0, false);
    let (h, step) = (s.h, &mut s.rkf_step[i]);
    let (ex, inh) = (std::mem::take(&mut s.ex[i]), std::mem::take(&mut s.inh[i]));
    let v0 = s.w[i] + q.e_ex;
    let v = if alpha {
        let mut y = [v0, s.dge[i], s.ge[i], s.dgi[i], s.gi[i]];
        Rkf45::<5>::absolute(EPS_ABS).advance(&mut y, h, step, |a, f| *f = alpha_rhs(&c, *a));
        s.dge[i] = y[1] + ex * 1000.0 * q.psc_e;
        s.ge[i] = y[2];
        s.dgi[i] = y[3] + inh * 1000.0 * q.psc_i;
        s.gi[i] = y[4];
        y[0]
    } else {
        let mut y = [v0, s.ge[i], s.gi[i]];
        Rkf45::<3>::absolute(EPS_ABS).advance(&mut y, h, step, |a, f| *f = exp_rhs(&c, *a));
        s.ge[i] = y[1] + ex * 1000.0;
        s.gi[i] = y[2] + inh * 1000.0;
        y[0]
    };
    let fire = v >= q.v_th;
    s.w[i] = if fire { q.v_reset } else { v } - q.e_ex;
    s.until[i] = if fire { s.step as f64 + 1.0 + f64::from(q.refrac) } else { 0.0 };
    fire
}

/// [`fixed_step_body`] for `IF_cond_exp`.
#[inline(always)]
fn rk4_exp_body<K: Variant>(p: Rk4Cols<K::C>, s: Rk4Io<'_>) {
    fixed_step_body::<K, false>(p, s);
}

/// [`fixed_step_body`] for `IF_cond_alpha`.
#[inline(always)]
fn rk4_alpha_body<K: Variant>(p: Rk4Cols<K::C>, s: Rk4Io<'_>) {
    fixed_step_body::<K, true>(p, s);
}

dispatch! {
    fn rk4_exp<K: Variant>(p: Rk4Cols<K::C>, s: Rk4Io<'_>) -> () = rk4_exp_body;
}

dispatch! {
    fn rk4_alpha<K: Variant>(p: Rk4Cols<K::C>, s: Rk4Io<'_>) -> () = rk4_alpha_body;
}

/// The bound (mV) the guard of [`OdeSolver::Auto`] puts on RK4's local
/// error of `v` per step: NEST's absolute tolerance for these models
/// ([`EPS_ABS`], the error its control accepts per sub-step). See the
/// module doc.
const GUARD_EPS: f64 = EPS_ABS;

/// The constant of the guard's error estimate `h^5 D^4 T / GUARD_K`
/// (module doc): measured, so that the actual error is at most half the
/// estimate (`guard_bounds_the_rk4_local_error`).
const GUARD_K: f64 = 20.0;

/// [`OdeSolver::Auto`] and [`OdeSolver::Rk4`] for `IF_cond_exp` and
/// `IF_cond_alpha`: struct-of-arrays state in NEST's units (mV, nS), per-cell
/// constants (or one set for a homogeneous shard).
///
/// Over a step `[t_k, t_k + h]` the conductances are integrated exactly
/// (`IF_cond_exp`: `g(t_k + s) = g(t_k) exp(-s / tau)`; `IF_cond_alpha`:
/// `dg(t_k + s) = dg(t_k) exp(-s / tau)`, `g(t_k + s) = (g(t_k) + dg(t_k) s)
/// exp(-s / tau)`, the solution of NEST's `dg' = -dg / tau`,
/// `g' = dg - g / tau`), so the membrane equation
/// `C dV/dt = -g_L (V' - E_L) - g_e(t) (V' - E_e) - g_i(t) (V' - E_i) + I_e + I`
/// with `V' = min(V, V_th)` (NEST's bound) is a scalar ODE with known
/// coefficients, advanced by one classic RK4 step (stages at `t_k`,
/// `t_k + h/2` twice and `t_k + h`; Butcher 2016, *Numerical Methods for
/// ODEs*, §23). It is integrated as `w = V - E_e`:
/// `dw/dt = a - b min(w, V_th - E_e)` with `b = (g_L + g_e + g_i) / C`
/// and `a = (I_e + I + g_L (E_L - E_e) + g_i (E_i - E_e)) / C`, so that
/// `a` holds one conductance, and every product and sum of a stage is
/// one fused multiply-add. Then NEST's order of `iaf_cond_exp::update`
/// (input added, then refractoriness and threshold) or
/// `iaf_cond_alpha::update` (refractoriness and threshold, then input
/// into `dg`).
///
/// Refractoriness is stored as the step at which it ends (`until`, as
/// `lif.rs` does): NEST counts a refractory cell's steps down by one per
/// step; a cell that spikes in step `k` with `R` refractory steps is held
/// through steps `k + 1 ..= k + R`, i.e. while the step's index is below
/// `k + 1 + R`, written once at the spike.
///
/// With the guard on ([`OdeSolver::Auto`]), a cell whose a-priori bound
/// on RK4's local error exceeds [`GUARD_EPS`] is advanced over that step
/// by NEST's RKF45 instead ([`fallback`]), from its state at the start of
/// the step and with its own carried step size.
struct FixedStep {
    h: f64,
    /// The guard of [`OdeSolver::Auto`] is on.
    guarded: bool,
    /// `IF_cond_alpha` (else `IF_cond_exp`).
    alpha: bool,
    /// Number of cells.
    n: usize,
    cols: Rk4Cols<Vec<f64>>,
    uniform: Option<Rk4Cols<f64>>,
    /// `E_ex` per cell: `v = w + E_ex`.
    e_ex: Vec<f64>,
    /// `v - E_ex` (mV).
    w: Vec<f64>,
    ge: Vec<f64>,
    gi: Vec<f64>,
    /// `IF_cond_alpha`'s conductance derivatives (empty for `IF_cond_exp`).
    dge: Vec<f64>,
    dgi: Vec<f64>,
    /// The step from which each cell is no longer refractory.
    until: Vec<f64>,
    /// Carried RKF45 step size per cell (NEST's `IntegrationStep_`), used
    /// and updated only by the fallback.
    step: Vec<f64>,
    /// Cell-steps advanced by the fallback since the kernel was built.
    fallbacks: u64,
}

impl FixedStep {
    fn new(h: f64, p: &[CondParams], alpha: bool, guarded: bool) -> Self {
        let n = p.len();
        let z = || vec![0.0; n];
        let d = if alpha { z() } else { Vec::new() };
        let cols = Rk4Cols::of(p, h);
        let mut k = FixedStep {
            h,
            guarded,
            alpha,
            n,
            uniform: cols.uniform(),
            cols,
            e_ex: p.iter().map(|p| p.e_ex).collect(),
            w: z(),
            ge: z(),
            gi: z(),
            dge: d.clone(),
            dgi: d,
            until: z(),
            step: vec![h; n],
            fallbacks: 0,
        };
        k.derive(p);
        k
    }

    /// New parameters: the columns, and `w` re-based on the new `E_ex`.
    fn derive(&mut self, p: &[CondParams]) {
        self.cols = Rk4Cols::of(p, self.h);
        self.uniform = self.cols.uniform();
        for (i, q) in p.iter().enumerate() {
            let v = self.v(i);
            self.e_ex[i] = q.e_ex;
            self.set_v(i, v);
        }
    }

    /// The membrane potential of cell `i` (mV).
    fn v(&self, i: usize) -> f64 {
        self.w[i] + self.e_ex[i]
    }

    /// Sets the membrane potential of cell `i` (mV).
    fn set_v(&mut self, i: usize, v: f64) {
        self.w[i] = v - self.e_ex[i];
    }

    /// Takes the state and refractory counts of `s` (at time 0: a count
    /// `r` ends at step `r`) and its carried RKF45 step sizes.
    fn load<const N: usize>(&mut self, s: &CondState<N>) {
        for i in 0..s.n {
            let y = s.get(i);
            self.set_v(i, y[0]);
            if self.alpha {
                [self.dge[i], self.ge[i], self.dgi[i], self.gi[i]] = [y[1], y[2], y[3], y[4]];
            } else {
                [self.ge[i], self.gi[i]] = [y[1], y[2]];
            }
            self.step[i] = s.step[i];
            self.until[i] = f64::from(s.r[i]);
        }
    }

    /// One step; the input is zeroed once read. `cur` is `None` when no
    /// current is injected into any cell. `p` are the cells' parameters
    /// (read by the fallback).
    fn update(
        &mut self,
        step: u64,
        ex: &mut [f64],
        inh: &mut [f64],
        cur: Option<&[f64]>,
        p: &[CondParams],
        spikes: &mut SpikeOut,
    ) {
        let n = self.n;
        let io = Rk4Io {
            h: self.h,
            eps: GUARD_EPS,
            step,
            n,
            w: &mut self.w,
            ge: &mut self.ge,
            gi: &mut self.gi,
            dge: &mut self.dge,
            dgi: &mut self.dgi,
            until: &mut self.until,
            ex: &mut ex[..n],
            inh: &mut inh[..n],
            cur: cur.map_or(&[][..], |c| &c[..n]),
            p: &p[..n],
            rkf_step: &mut self.step,
            fallbacks: &mut self.fallbacks,
            spikes,
        };
        macro_rules! run {
            ($f:ident, $g:literal, $i:literal) => {
                match &self.uniform {
                    Some(u) => $f::<Var<f64, $g, $i>>(*u, io),
                    None => $f::<Var<&[f64], $g, $i>>(self.cols.view(), io),
                }
            };
        }
        match (self.alpha, self.guarded, cur.is_some()) {
            (false, false, false) => run!(rk4_exp, false, false),
            (false, false, true) => run!(rk4_exp, false, true),
            (false, true, false) => run!(rk4_exp, true, false),
            (false, true, true) => run!(rk4_exp, true, true),
            (true, false, false) => run!(rk4_alpha, false, false),
            (true, false, true) => run!(rk4_alpha, false, true),
            (true, true, false) => run!(rk4_alpha, true, false),
            (true, true, true) => run!(rk4_alpha, true, true),
        }
    }
}

/// The constants of NEST's right-hand side for one cell (`i_stim` in pA).
fn consts_of(p: &CondParams, i_stim: f64, refractory: bool) -> Consts<f64> {
    Consts {
        v_reset: p.v_reset,
        v_th: p.v_th,
        e_l: p.e_l,
        g_l: p.g_l,
        c_m: p.c_m,
        e_ex: p.e_ex,
        e_in: p.e_in,
        tau_e: p.tau_e,
        tau_i: p.tau_i,
        i_e: p.i_e,
        i_stim,
        refractory: bits(refractory),
    }
}

/// What the RKF45 integration of a step reads and writes.
struct RkfIo<'a, P, const N: usize> {
    h: f64,
    sys: CondSystem<'a, P>,
    y: &'a mut [Block<N>],
    step: &'a mut [f64],
}

/// The constants of the right-hand side during a step, for one cell
/// (`T = f64`) or [`LANES`] cells (`T = V8`).
#[derive(Clone, Copy)]
struct Consts<T: Real> {
    v_reset: T,
    v_th: T,
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
    /// Refractory: `v` held at `v_reset`, `dv/dt = 0` ([`Real::Bits`]).
    refractory: T::Bits,
}

/// The cells' parameters (per cell, and as the lanes read them),
/// refractory counts and injected currents (nA) of `n` cells.
struct CondSystem<'a, P> {
    p: &'a [CondParams],
    lanes: P,
    r: &'a [u32],
    cur: &'a [f64],
    n: usize,
}

impl<P: BlockParams> CondSystem<'_, P> {
    #[inline(always)]
    fn consts(&self, i: usize) -> Consts<f64> {
        let p = &self.p[i];
        Consts {
            v_reset: p.v_reset,
            v_th: p.v_th,
            e_l: p.e_l,
            g_l: p.g_l,
            c_m: p.c_m,
            e_ex: p.e_ex,
            e_in: p.e_in,
            tau_e: p.tau_e,
            tau_i: p.tau_i,
            i_e: p.i_e,
            i_stim: self.cur[i] * 1000.0,
            refractory: bits(self.r[i] > 0),
        }
    }

    /// The constants of cells `i0 .. i0 + LANES` (a block): the lanes past
    /// the last cell get no current and are not refractory.
    #[inline(always)]
    fn chunk(&self, i0: usize) -> Consts<V8> {
        let q = self.lanes.block(i0 / LANES);
        let (mut i_stim, mut refractory) = ([0.0; LANES], [0; LANES]);
        if i0 + LANES <= self.n {
            let (r, cur) = (&self.r[i0..i0 + LANES], &self.cur[i0..i0 + LANES]);
            for l in 0..LANES {
                i_stim[l] = cur[l] * 1000.0;
                refractory[l] = bits(r[l] > 0);
            }
        } else {
            for l in 0..self.n - i0 {
                i_stim[l] = self.cur[i0 + l] * 1000.0;
                refractory[l] = bits(self.r[i0 + l] > 0);
            }
        }
        Consts {
            v_reset: q.v_reset,
            v_th: q.v_th,
            e_l: q.e_l,
            g_l: q.g_l,
            c_m: q.c_m,
            e_ex: q.e_ex,
            e_in: q.e_in,
            tau_e: q.tau_e,
            tau_i: q.tau_i,
            i_e: q.i_e,
            i_stim: V8(i_stim),
            refractory,
        }
    }
}

/// NEST's `iaf_cond_exp_dynamics`: state `(v, g_exc, g_inh)`.
#[inline(always)]
fn exp_rhs<T: Real>(p: &Consts<T>, y: [T; 3]) -> [T; 3] {
    let v = T::blend(p.refractory, p.v_reset, y[0].min(p.v_th));
    let i_syn = y[1] * (v - p.e_ex) + y[2] * (v - p.e_in);
    let i_l = p.g_l * (v - p.e_l);
    let dv = T::blend(p.refractory, T::splat(0.0), (-i_l + p.i_stim + p.i_e - i_syn) / p.c_m);
    [dv, -y[1] / p.tau_e, -y[2] / p.tau_i]
}

/// NEST's `iaf_cond_alpha_dynamics`: state `(v, dg_exc, g_exc, dg_inh, g_inh)`.
#[inline(always)]
fn alpha_rhs<T: Real>(p: &Consts<T>, y: [T; 5]) -> [T; 5] {
    let v = T::blend(p.refractory, p.v_reset, y[0].min(p.v_th));
    let i_syn = y[2] * (v - p.e_ex) + y[4] * (v - p.e_in);
    let i_l = p.g_l * (v - p.e_l);
    let dv = T::blend(p.refractory, T::splat(0.0), (-i_l - i_syn + p.i_stim + p.i_e) / p.c_m);
    [dv, -y[1] / p.tau_e, y[1] - y[2] / p.tau_e, -y[3] / p.tau_i, y[3] - y[4] / p.tau_i]
}

/// Implements [`System`] for a [`CondSystem`] wrapper with a right-hand side.
macro_rules! cond_system {
    ($name:ident, $n:literal, $rhs:ident) => {
        /// [`CondSystem`] with one of the right-hand sides above.
        struct $name<'a, P>(CondSystem<'a, P>);

        impl<P: BlockParams> System<$n> for $name<'_, P> {
            type Chunk = Consts<V8>;

            #[inline(always)]
            fn chunk(&self, i0: usize) -> Consts<V8> {
                self.0.chunk(i0)
            }

            #[inline(always)]
            fn lanes(&self, c: &Consts<V8>, y: &[Lanes; $n], f: &mut [Lanes; $n]) {
                let d = $rhs(c, y.map(V8));
                for k in 0..$n {
                    f[k] = d[k].0;
                }
            }

            #[inline(always)]
            fn cell(&self, i: usize, y: &[f64; $n], f: &mut [f64; $n]) {
                *f = $rhs(&self.0.consts(i), *y);
            }
        }
    };
}

cond_system!(ExpSystem, 3, exp_rhs);
cond_system!(AlphaSystem, 5, alpha_rhs);

/// Integrates every cell of `io` over one step with NEST's RKF45
/// ([`Rkf45::integrate_blocks`]: [`LANES`] cells at a time, the scalar
/// stepper for any lane that needs more than one step of size `h`), for
/// `IF_cond_exp`.
#[inline(always)]
fn integrate_exp_body<P: BlockParams>(io: RkfIo<'_, P, 3>) {
    let n = io.sys.n;
    Rkf45::<3>::absolute(EPS_ABS).integrate_blocks(&ExpSystem(io.sys), io.h, io.y, io.step, n);
}

/// As [`integrate_exp_body`], for `IF_cond_alpha`.
#[inline(always)]
fn integrate_alpha_body<P: BlockParams>(io: RkfIo<'_, P, 5>) {
    let n = io.sys.n;
    Rkf45::<5>::absolute(EPS_ABS).integrate_blocks(&AlphaSystem(io.sys), io.h, io.y, io.step, n);
}

dispatch! {
    fn integrate_exp<P: BlockParams>(io: RkfIo<'_, P, 3>) -> () = integrate_exp_body;
}

dispatch! {
    fn integrate_alpha<P: BlockParams>(io: RkfIo<'_, P, 5>) -> () = integrate_alpha_body;
}

impl NativeCell for IF_facets_hardware1 {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(IafCondExp(CondKernel::new(params, initial, ctx.dt))))
    }
}

/// Spike-frequency adaptation and relative refractoriness of
/// `IF_cond_exp_gsfa_grr`, NEST's units (nS, ms, mV).
#[derive(Debug, Clone, Copy)]
struct SfaRr {
    tau_sfa: f64,
    e_sfa: f64,
    q_sfa: f64,
    tau_rr: f64,
    e_rr: f64,
    q_rr: f64,
}

fn sfa_rr(p: &ParamTable) -> Vec<SfaRr> {
    let col = |n: &str| p.scalar(n);
    (0..p.size())
        .map(|i| SfaRr {
            tau_sfa: col("tau_sfa")[i],
            e_sfa: col("e_rev_sfa")[i],
            q_sfa: col("q_sfa")[i],
            tau_rr: col("tau_rr")[i],
            e_rr: col("e_rev_rr")[i],
            q_rr: col("q_rr")[i],
        })
        .collect()
}

/// Native kernel of [`IF_cond_exp_gsfa_grr`] (NEST `iaf_cond_exp_sfa_rr`):
/// state `(v, g_exc, g_inh, g_sfa, g_rr)`; at a spike `g_sfa += q_sfa`,
/// `g_rr += q_rr`.
pub struct IafCondExpSfaRr {
    s: CondState<5>,
    a: Vec<SfaRr>,
}

impl NativeCell for IF_cond_exp_gsfa_grr {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let mut s = CondState::<5>::new(params, initial, ctx.dt, 1, 2);
        let (gs, gr) = (initial.scalar("g_s"), initial.scalar("g_r"));
        for i in 0..s.n {
            s.init[i][3] = gs[i];
            s.init[i][4] = gr[i];
        }
        s.load_init();
        Ok(Box::new(IafCondExpSfaRr { s, a: sfa_rr(params) }))
    }
}

impl Kernel for IafCondExpSfaRr {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let s = &mut self.s;
        let solver = Rkf45::<5>::absolute(EPS_ABS);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        for i in 0..s.n {
            let (p, q) = (s.p[i], self.a[i]);
            let refractory = s.r[i] > 0;
            let i_stim = cur[i] * 1000.0;
            let mut y = s.get(i);
            solver.advance(&mut y, s.dt, &mut s.step[i], |y, f| {
                let v = if refractory { p.v_reset } else { y[0].min(p.v_th) };
                let i_syn = y[1] * (v - p.e_ex) + y[2] * (v - p.e_in);
                let i_l = p.g_l * (v - p.e_l);
                let i_sfa = y[3] * (v - q.e_sfa);
                let i_rr = y[4] * (v - q.e_rr);
                f[0] = if refractory { 0.0 } else { (-i_l + i_stim + p.i_e - i_syn - i_sfa - i_rr) / p.c_m };
                f[1] = -y[1] / p.tau_e;
                f[2] = -y[2] / p.tau_i;
                f[3] = -y[3] / q.tau_sfa;
                f[4] = -y[4] / q.tau_rr;
            });
            y[1] += ex[i] * 1000.0;
            y[2] += inh[i] * 1000.0;
            if s.r[i] > 0 {
                s.r[i] -= 1;
                y[0] = p.v_reset;
            } else if y[0] >= p.v_th {
                s.r[i] = p.refrac;
                y[0] = p.v_reset;
                y[3] += q.q_sfa;
                y[4] += q.q_rr;
                spikes.push((i as u32, input.step + 1));
            }
            block_set(&mut s.y, i, y);
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.s.set_params(self::params(params, self.s.dt));
        self.a = sfa_rr(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let k = match name {
            "g_s" => 3,
            "g_r" => 4,
            _ => return self.s.initialize("IF_cond_exp_gsfa_grr", name, cells, values, 1, 2),
        };
        for (c, v) in cells.iter().zip(values) {
            self.s.init[*c][k] = *v;
        }
        self.s.set_component(k, cells, values.iter().copied());
        Ok(())
    }

    fn reset(&mut self) {
        self.s.reset();
    }

    fn variable(&self, name: &str) -> Option<usize> {
        ["v", "gsyn_exc", "gsyn_inh", "g_s", "g_r"].iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match var {
            3 => out.extend(cells.iter().map(|c| self.s.get(*c)[3])),
            4 => out.extend(cells.iter().map(|c| self.s.get(*c)[4])),
            _ => self.s.read(var, cells, out, 1, 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::rkf45::testing::{Gen, at_every_width, random_input};
    use crate::native::simd;

    fn random_params(g: &mut Gen, n: usize) -> Vec<CondParams> {
        (0..n)
            .map(|_| {
                let (te, ti) = (g.next(0.3, 10.0), g.next(0.3, 10.0));
                CondParams {
                    v_th: g.next(-55.0, -45.0),
                    v_reset: g.next(-70.0, -60.0),
                    e_l: g.next(-70.0, -60.0),
                    g_l: g.next(5.0, 30.0),
                    c_m: g.next(20.0, 300.0),
                    e_ex: 0.0,
                    e_in: -80.0,
                    tau_e: te,
                    tau_i: ti,
                    i_e: g.next(0.0, 400.0),
                    refrac: 20,
                    psc_e: std::f64::consts::E / te,
                    psc_i: std::f64::consts::E / ti,
                }
            })
            .collect()
    }

    /// Runs `lane` (the kernel's integration) and `scalar` (one
    /// `Rkf45::advance` per cell with the right-hand side as the kernels
    /// wrote it before the lane path) side by side over 400 steps of 21
    /// cells (two chunks of 8 and a scalar tail of 5), with random input
    /// kicks, refractory periods and injected currents, and asserts that
    /// every state component is bit-identical after every step.
    fn lane_path_equals_scalar<const N: usize>(
        lane: fn(&mut CondState<N>, &[f64]),
        scalar: fn(&CondParams, bool, f64, &[f64; N], &mut [f64; N]),
        kick: [usize; 2],
        uniform: bool,
    ) {
        let (n, h) = (21, 0.1);
        let mut g = Gen(0x5eed_1234_abcd_0001);
        let mut p = random_params(&mut g, n);
        if uniform {
            p = vec![p[0]; n];
        }
        let y: Vec<[f64; N]> = (0..n)
            .map(|_| std::array::from_fn(|c| if c == 0 { g.next(-70.0, -50.0) } else { g.next(0.0, 30.0) }))
            .collect();
        let mut yr = y.clone();
        let blocks = n.div_ceil(LANES);
        let mut st = CondState {
            dt: h,
            n,
            lanes: LaneParams::new(&p),
            th: Threshold::new(&p),
            p: p.clone(),
            y: vec![[[0.0; LANES]; N]; blocks],
            step: vec![h; blocks * LANES],
            r: vec![0; n],
            init: y,
        };
        assert_eq!(matches!(st.lanes, LaneParams::Uniform(_)), uniform);
        st.load_init();
        let mut step_r = vec![h; n];
        let solver = Rkf45::<N>::absolute(EPS_ABS);
        let mut substeps = 0;
        for k in 0..400 {
            let r: Vec<u32> = (0..n).map(|_| u32::from(g.next(0.0, 1.0) < 0.1)).collect();
            let cur: Vec<f64> = (0..n).map(|_| g.next(-0.2, 0.6)).collect();
            st.r.clone_from(&r);
            lane(&mut st, &cur);
            for i in 0..n {
                let (ri, c) = (r[i] > 0, cur[i] * 1000.0);
                let mut t = 0.0;
                while t < h {
                    solver.apply(&mut yr[i], &mut t, h, &mut step_r[i], &|a: &[f64; N], b: &mut [f64; N]| {
                        scalar(&p[i], ri, c, a, b)
                    });
                    substeps += 1;
                }
                let mut y = st.get(i);
                assert_eq!(y.map(f64::to_bits), yr[i].map(f64::to_bits), "step {k}, cell {i}");
                if g.next(0.0, 1.0) < 0.1 {
                    // Large conductance kicks force sub-steps and rejections.
                    let (de, di) = (g.next(0.0, 300.0), g.next(0.0, 600.0));
                    y[kick[0]] += de;
                    yr[i][kick[0]] += de;
                    y[kick[1]] += di;
                    yr[i][kick[1]] += di;
                    block_set(&mut st.y, i, y);
                }
            }
        }
        assert!(substeps > n * 400 + 50, "{substeps} sub-steps: the scalar fallback was not exercised");
    }

    fn exp_lanes(s: &mut CondState<3>, cur: &[f64]) {
        integrate_state!(integrate_exp, s, cur);
    }

    fn alpha_lanes(s: &mut CondState<5>, cur: &[f64]) {
        integrate_state!(integrate_alpha, s, cur);
    }

    /// NEST's `iaf_cond_exp` right-hand side, as the kernel wrote it before
    /// the lane path.
    fn exp_scalar(p: &CondParams, refractory: bool, i_stim: f64, y: &[f64; 3], f: &mut [f64; 3]) {
        let v = if refractory { p.v_reset } else { y[0].min(p.v_th) };
        let i_syn = y[1] * (v - p.e_ex) + y[2] * (v - p.e_in);
        let i_l = p.g_l * (v - p.e_l);
        f[0] = if refractory { 0.0 } else { (-i_l + i_stim + p.i_e - i_syn) / p.c_m };
        f[1] = -y[1] / p.tau_e;
        f[2] = -y[2] / p.tau_i;
    }

    #[test]
    fn cond_exp_lanes_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(|| lane_path_equals_scalar::<3>(exp_lanes, exp_scalar, [1, 2], false));
    }

    #[test]
    fn cond_exp_lanes_with_one_parameter_set_equal_the_scalar_kernel_bit_for_bit() {
        // A homogeneous population takes the other monomorphisation
        // (`LaneParams::Uniform`, parameters kept in registers).
        at_every_width(|| lane_path_equals_scalar::<3>(exp_lanes, exp_scalar, [1, 2], true));
    }

    /// NEST's `iaf_cond_alpha` right-hand side, as the kernel wrote it
    /// before the lane path.
    fn alpha_scalar(p: &CondParams, refractory: bool, i_stim: f64, y: &[f64; 5], f: &mut [f64; 5]) {
        let v = if refractory { p.v_reset } else { y[0].min(p.v_th) };
        let i_syn = y[2] * (v - p.e_ex) + y[4] * (v - p.e_in);
        let i_l = p.g_l * (v - p.e_l);
        f[0] = if refractory { 0.0 } else { (-i_l - i_syn + i_stim + p.i_e) / p.c_m };
        f[1] = -y[1] / p.tau_e;
        f[2] = y[1] - y[2] / p.tau_e;
        f[3] = -y[3] / p.tau_i;
        f[4] = y[3] - y[4] / p.tau_i;
    }

    #[test]
    fn cond_alpha_lanes_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(|| lane_path_equals_scalar::<5>(alpha_lanes, alpha_scalar, [1, 3], false));
    }

    #[test]
    fn cond_alpha_lanes_with_one_parameter_set_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(|| lane_path_equals_scalar::<5>(alpha_lanes, alpha_scalar, [1, 3], true));
    }

    /// One step of
    /// `v' = (I_e - g_L (v - E_L) - g_e(t) (v - E_e) - g_i(t) (v - E_i)) / C` (below threshold) with the exact conductances
    /// `g(t) = (g + dg t) exp(-t / tau)`, by 2000 RK4 sub-steps: converged to
    /// rounding (error about (h D / 2000)^5 relative).
    fn reference_step(p: &CondParams, h: f64, v0: f64, g: [f64; 4]) -> f64 {
        let [ge, dge, gi, dgi] = g;
        let gt = |t: f64| ((ge + dge * t) * (-t / p.tau_e).exp(), (gi + dgi * t) * (-t / p.tau_i).exp());
        let f = |t: f64, v: f64| {
            let (a, b) = gt(t);
            (p.i_e - p.g_l * (v - p.e_l) - a * (v - p.e_ex) - b * (v - p.e_in)) / p.c_m
        };
        let (m, mut v) = (2000, v0);
        let dt = h / m as f64;
        for k in 0..m {
            let t = k as f64 * dt;
            let k1 = f(t, v);
            let k2 = f(t + dt / 2.0, v + dt / 2.0 * k1);
            let k3 = f(t + dt / 2.0, v + dt / 2.0 * k2);
            let k4 = f(t + dt, v + dt * k3);
            v += dt / 6.0 * (k1 + 2.0 * (k2 + k3) + k4);
        }
        v
    }

    #[test]
    fn guard_bounds_the_rk4_local_error() {
        // Random cells and states (conductances up to 2000 nS, alpha
        // derivatives up to 2000 nS / tau, steps 0.05-0.2 ms): wherever the
        // guard's regime holds (h D <= 1), the unguarded update's error of
        // v over one step is at most half the guard's estimate
        // h^5 D^4 T / GUARD_K (module doc), plus 1e-11 mV for rounding (the
        // estimate vanishes as the state approaches equilibrium, rounding
        // does not).
        let mut g = Gen(0x6a09_e667_f3bc_c908);
        let (mut worst, mut cases) = ([0.0f64; 2], [0usize; 2]);
        for alpha in [false, true] {
            for _ in 0..6000 {
                let h = [0.05, 0.1, 0.2][(g.next(0.0, 3.0) as usize).min(2)];
                let p = random_params(&mut g, 1)[0];
                let v0 = g.next(-85.0, p.v_th);
                let cube = |g: &mut Gen, scale: f64| g.next(0.0, 1.0).powi(3) * scale;
                let (ge, gi) = (cube(&mut g, 2000.0), cube(&mut g, 2000.0));
                let (dge, dgi) =
                    if alpha { (cube(&mut g, 2000.0) / p.tau_e, cube(&mut g, 2000.0) / p.tau_i) } else { (0.0, 0.0) };
                // The bound, written out again from the module doc.
                let (gbe, gbi) = (ge + 4.0 * p.tau_e * dge, gi + 4.0 * p.tau_i * dgi);
                let d = (p.g_l + gbe + gbi) / p.c_m + (1.0 / p.tau_e).max(1.0 / p.tau_i);
                let f0 = (p.i_e - p.g_l * (v0 - p.e_l) - ge * (v0 - p.e_ex) - gi * (v0 - p.e_in)) / p.c_m;
                let t = f0.abs() + (gbe * (p.e_ex - v0).abs() + gbi * (p.e_in - v0).abs()) / p.c_m;
                if h * d > 1.0 {
                    continue;
                }
                let bound = h.powi(5) * d.powi(4) * t;
                let mut k = FixedStep::new(h, &[p], alpha, false);
                k.set_v(0, v0);
                (k.ge[0], k.gi[0]) = (ge, gi);
                if alpha {
                    (k.dge[0], k.dgi[0]) = (dge, dgi);
                }
                let mut spikes = Vec::new();
                k.update(0, &mut [0.0], &mut [0.0], Some(&[0.0]), &[p], &mut spikes);
                let exact = reference_step(&p, h, v0, [ge, dge, gi, dgi]);
                if !spikes.is_empty() || exact >= p.v_th {
                    continue; // the threshold's kink (module doc)
                }
                let estimate = bound / GUARD_K;
                let ratio = (k.v(0) - exact).abs() / (estimate + 1e-11);
                assert!(ratio <= 0.5, "alpha {alpha}: error {} vs estimate {estimate}", (k.v(0) - exact).abs());
                worst[usize::from(alpha)] = worst[usize::from(alpha)].max(ratio);
                cases[usize::from(alpha)] += 1;
            }
        }
        eprintln!(
            "error / estimate at most {:.3} (IF_cond_exp), {:.3} (IF_cond_alpha); {cases:?} cases",
            worst[0], worst[1]
        );
        assert!(cases[0] > 2000 && cases[1] > 500, "{cases:?}");
    }

    /// Runs the fixed-step update of 21 random cells (two blocks and a
    /// tail of 5) for 400 steps with random input: small excitatory kicks,
    /// rare inhibitory kicks of up to 0.4 uS (which send cells to RKF45 when
    /// guarded), and, if `current`, a random injected current (0-0.6 nA). Returns the
    /// bits of every state component of every cell after every step, the
    /// spikes and the number of fallbacks.
    fn fixed_step_trace(alpha: bool, guarded: bool, uniform: bool, current: bool) -> (Vec<u64>, SpikeOut, u64) {
        let (n, h) = (21, 0.1);
        let mut g = Gen(0x0c0b_a15a_11ce_0010);
        let mut p = random_params(&mut g, n);
        if uniform {
            // A cell that fires regularly on its own.
            let (tau_e, tau_i, e) = (5.0, 10.0, std::f64::consts::E);
            p = vec![
                CondParams { i_e: 350.0, c_m: 100.0, tau_e, tau_i, psc_e: e / tau_e, psc_i: e / tau_i, ..p[0] };
                n
            ];
        }
        let mut k = FixedStep::new(h, &p, alpha, guarded);
        assert_eq!(k.uniform.is_some(), uniform);
        for i in 0..n {
            k.set_v(i, g.next(-70.0, -50.0));
            (k.ge[i], k.gi[i]) = (g.next(0.0, 30.0), g.next(0.0, 60.0));
            if alpha {
                (k.dge[i], k.dgi[i]) = (g.next(0.0, 10.0), g.next(0.0, 10.0));
            }
        }
        let (mut trace, mut spikes) = (Vec::new(), Vec::new());
        for step in 0..400 {
            let [mut ex, mut inh, cur] = random_input(&mut g, n, 0.2, 0.01, 0.4, 0.6);
            // Excitatory kicks of up to 0.05 uS (one kick size is drawn for both).
            ex.iter_mut().for_each(|x| *x *= 0.125);
            k.update(step, &mut ex, &mut inh, current.then_some(&cur[..]), &p, &mut spikes);
            assert!(ex.iter().chain(&inh).all(|x| *x == 0.0), "the input is cleared");
            for i in 0..n {
                let d = if alpha { [k.dge[i], k.dgi[i]] } else { [0.0; 2] };
                trace.extend([k.v(i), k.ge[i], k.gi[i], d[0], d[1], k.until[i]].map(f64::to_bits));
            }
        }
        (trace, spikes, k.fallbacks)
    }

    #[test]
    fn fixed_step_is_bit_identical_at_every_width() {
        // The vector pass uses fused multiply-adds: the baseline target
        // calls libm's (correctly rounded) fma, AVX2 and AVX-512 use the
        // instruction; all must give the same bits, spikes and fallbacks.
        for case in 0..16 {
            let [alpha, guarded, uniform, current] = [0, 1, 2, 3].map(|b| case & (1 << b) != 0);
            let what = format!("alpha {alpha}, guarded {guarded}, uniform {uniform}, current {current}");
            let base = simd::with_isa_limit(simd::Isa::Base, || fixed_step_trace(alpha, guarded, uniform, current));
            for isa in simd::available() {
                let t = simd::with_isa_limit(isa, || fixed_step_trace(alpha, guarded, uniform, current));
                assert!(t.0 == base.0, "{what}: state differs at {isa:?}");
                assert_eq!(t.1, base.1, "{what}: spikes at {isa:?}");
                assert_eq!(t.2, base.2, "{what}: fallbacks at {isa:?}");
            }
            eprintln!("{what}: {} spikes, {} fallbacks", base.1.len(), base.2);
            // The trace covers spikes (and so refractoriness), and the
            // guarded update's RKF45 fallback.
            assert!(base.1.len() >= 200, "{what}: {} spikes", base.1.len());
            assert!(!guarded || base.2 >= 200, "{what}: {} fallbacks", base.2);
        }
        eprintln!("widths compared: {:?}", simd::available());
    }

    #[test]
    fn guarded_update_takes_rkf45_exactly_where_the_bound_fails() {
        // Two IF_cond_exp cells, one mild (VA COBA-like) and one stiff
        // (800 nS onto 50 pF: h b = 1.6): the guarded update advances the
        // first by RK4 (equal to the unguarded update) and the second by
        // NEST's RKF45 (equal to `Rkf45::advance` from the same state, bit
        // for bit), and counts one fallback.
        for alpha in [false, true] {
            let base = CondParams {
                v_th: -50.0,
                v_reset: -60.0,
                e_l: -60.0,
                g_l: 10.0,
                c_m: 200.0,
                e_ex: 0.0,
                e_in: -80.0,
                tau_e: 5.0,
                tau_i: 10.0,
                i_e: 0.0,
                refrac: 50,
                psc_e: std::f64::consts::E / 5.0,
                psc_i: std::f64::consts::E / 10.0,
            };
            let p = [base, CondParams { c_m: 50.0, ..base }];
            let (h, state) = (0.1, [(-55.0, 20.0, 30.0), (-58.0, 10.0, 800.0)]);
            let run = |guarded: bool| {
                let mut k = FixedStep::new(h, &p, alpha, guarded);
                for (i, (v, ge, gi)) in state.into_iter().enumerate() {
                    k.set_v(i, v);
                    (k.ge[i], k.gi[i]) = (ge, gi);
                }
                let mut spikes = Vec::new();
                k.update(0, &mut [0.0; 2], &mut [0.0; 2], Some(&[0.0; 2]), &p, &mut spikes);
                k
            };
            let (guarded, plain) = (run(true), run(false));
            assert_eq!(guarded.fallbacks, 1, "alpha {alpha}");
            assert_eq!(guarded.v(0).to_bits(), plain.v(0).to_bits(), "alpha {alpha}: the mild cell takes RK4");
            let c = consts_of(&p[1], 0.0, false);
            // A fresh carried step size (the first step of a run).
            let mut step = h;
            let v = if alpha {
                let mut y = [state[1].0, 0.0, state[1].1, 0.0, state[1].2];
                Rkf45::<5>::absolute(EPS_ABS).advance(&mut y, h, &mut step, |a, f| *f = alpha_rhs(&c, *a));
                y[0]
            } else {
                let mut y = [state[1].0, state[1].1, state[1].2];
                Rkf45::<3>::absolute(EPS_ABS).advance(&mut y, h, &mut step, |a, f| *f = exp_rhs(&c, *a));
                y[0]
            };
            assert_eq!(guarded.v(1).to_bits(), v.to_bits(), "alpha {alpha}: the stiff cell takes RKF45");
            assert!((plain.v(1) - v).abs() > 1e-3, "alpha {alpha}: plain RK4 is off by more than NEST's tolerance");
        }
    }
}
