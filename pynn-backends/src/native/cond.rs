//! Native kernels of the conductance-based leaky integrate-and-fire models
//! `IF_cond_exp` (NEST `iaf_cond_exp`) and `IF_cond_alpha` (`iaf_cond_alpha`).
//!
//! Each follows NEST 3.10's `update()` of the same model (`models/iaf_cond_*.cpp`):
//! the state is integrated over the step with the adaptive RKF45 of
//! [`super::rkf45`] (tolerance 1e-3, NEST's units: mV, nS, pF, pA), with the
//! membrane potential frozen while refractory and entering the currents
//! bounded above by `v_thresh`; then
//! * `IF_cond_exp`: input conductance is added, then refractoriness and the
//!   threshold are handled;
//! * `IF_cond_alpha`: refractoriness and the threshold are handled, then the
//!   input is added to the conductance derivative (scaled by `e / tau_syn` so
//!   that a weight is the peak conductance).
//!
//! `IF_cond_exp` and `IF_cond_alpha` integrate eight cells at a time in
//! vector lanes ([`Rkf45::first_step_lanes`], right-hand sides written once
//! over [`Real`]); the result is the scalar stepper's bit for bit (tests at
//! the end of this file).

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

/// The `Kernel` methods of a model that is a `CondState` (field `.0`) with
/// its conductances at the given positions.
macro_rules! delegate_to_cond_state {
    ($model:literal, $g_exc:literal, $g_inh:literal) => {
        fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
            self.0.set_params(self::params(params, self.0.dt));
            Ok(())
        }

        fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
            self.0.initialize($model, name, cells, values, $g_exc, $g_inh)
        }

        fn reset(&mut self) {
            self.0.reset();
        }

        fn variable(&self, name: &str) -> Option<usize> {
            variable(name)
        }

        fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
            self.0.read(var, cells, out, $g_exc, $g_inh);
        }
    };
}

fn variable(name: &str) -> Option<usize> {
    ["v", "gsyn_exc", "gsyn_inh"].iter().position(|v| *v == name)
}

/// Native kernel of [`IF_cond_exp`] (and [`IF_facets_hardware1`]): state
/// `(v, g_exc, g_inh)`, integrated with NEST's RKF45 or, when the session
/// asks for [`OdeSolver::Rk4`], with the vectorised fixed-step update of
/// `Rk4Exp` (private, below).
pub struct IafCondExp {
    s: CondState<3>,
    /// The live state and constants of the RK4 update, when chosen (the
    /// initial values and parameters stay in `s`).
    rk4: Option<Rk4Exp>,
}

impl IafCondExp {
    fn new(s: CondState<3>) -> Self {
        IafCondExp { s, rk4: None }
    }
}

impl NativeCell for IF_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(IafCondExp::new(CondState::new(params, initial, ctx.dt, 1, 2))))
    }
}

impl Kernel for IafCondExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let s = &mut self.s;
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        if let Some(k) = &mut self.rk4 {
            let n = k.v.len();
            let (mut e, mut i) = (ex[..n].to_vec(), inh[..n].to_vec());
            k.update(input.step, &mut e, &mut i, cur, spikes);
            return;
        }
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

    fn step_clearing(
        &mut self,
        step: u64,
        synaptic: &mut [&mut [f64]],
        current: &[f64],
        spikes: &mut SpikeOut,
    ) -> bool {
        let (Some(k), [ex, inh]) = (&mut self.rk4, synaptic) else { return false };
        k.update(step, ex, inh, current, spikes);
        true
    }

    fn set_ode_solver(&mut self, solver: OdeSolver) {
        self.rk4 = match solver {
            OdeSolver::Rkf45 => None,
            OdeSolver::Rk4 => {
                let mut k = Rk4Exp::new(self.s.dt, &self.s.p);
                k.load(&self.s);
                Some(k)
            }
        };
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.s.set_params(self::params(params, self.s.dt));
        if let Some(k) = &mut self.rk4 {
            k.derive(&self.s.p);
        }
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        self.s.initialize("IF_cond_exp", name, cells, values, 1, 2)?;
        if let Some(k) = &mut self.rk4 {
            let (dst, scale) = match name {
                "v" => (&mut k.v, 1.0),
                "gsyn_exc" => (&mut k.ge, 1000.0),
                _ => (&mut k.gi, 1000.0),
            };
            for (c, v) in cells.iter().zip(values) {
                dst[*c] = v * scale;
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.s.reset();
        if let Some(k) = &mut self.rk4 {
            k.load(&self.s);
        }
    }

    fn variable(&self, name: &str) -> Option<usize> {
        variable(name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match &self.rk4 {
            None => self.s.read(var, cells, out, 1, 2),
            Some(k) => match var {
                0 => out.extend(cells.iter().map(|c| k.v[*c])),
                1 => out.extend(cells.iter().map(|c| k.ge[*c] * 1e-3)),
                _ => out.extend(cells.iter().map(|c| k.gi[*c] * 1e-3)),
            },
        }
    }
}

/// The per-cell constants of the RK4 update of `IF_cond_exp` (NEST's units).
#[derive(Clone, Copy)]
struct Rk4Cols<C> {
    v_th: C,
    v_reset: C,
    e_l: C,
    g_l: C,
    /// `1 / C_m` (1/pF).
    inv_c: C,
    e_ex: C,
    e_in: C,
    i_e: C,
    /// Conductance decay over half a step and a whole step.
    half_e: C,
    full_e: C,
    half_i: C,
    full_i: C,
}

/// What the RK4 update of `IF_cond_exp` writes and reads.
struct Rk4Io<'a> {
    h: f64,
    v: &'a mut [f64],
    ge: &'a mut [f64],
    gi: &'a mut [f64],
    r: &'a mut [f64],
    fired: &'a mut [u8],
    refrac: &'a [f64],
    ex: &'a mut [f64],
    inh: &'a mut [f64],
    cur: &'a [f64],
}

/// [`OdeSolver::Rk4`] for `IF_cond_exp`: struct-of-arrays state in NEST's
/// units (mV, nS), per-cell constants (or one set for a homogeneous
/// shard).
///
/// Over a step `[t_k, t_k + h]` the conductances are exact exponentials,
/// `g(t_k + s) = g(t_k) exp(-s / tau)`, so the membrane equation
/// `C dV/dt = -g_L (V' - E_L) - g_e(t) (V' - E_e) - g_i(t) (V' - E_i) + I_e + I`
/// with `V' = min(V, V_th)` (NEST's bound) is a scalar ODE with known
/// coefficients, advanced by one classic RK4 step (stages at `t_k`,
/// `t_k + h/2` twice and `t_k + h`; Butcher 2016, *Numerical Methods for
/// ODEs*, §23). Then, as NEST's `iaf_cond_exp::update`: the input
/// conductances arriving at `t_k+1` are added; a refractory cell is held at
/// `V_reset` and counts down; otherwise `V >= V_th` is a spike.
struct Rk4Exp {
    h: f64,
    cols: Rk4Cols<Vec<f64>>,
    refrac: Vec<f64>,
    uniform: Option<Rk4Cols<f64>>,
    v: Vec<f64>,
    ge: Vec<f64>,
    gi: Vec<f64>,
    r: Vec<f64>,
    fired: Vec<u8>,
}

impl Rk4Exp {
    fn new(h: f64, p: &[CondParams]) -> Self {
        let n = p.len();
        let z = || vec![0.0; n];
        let cols = Rk4Cols {
            v_th: z(),
            v_reset: z(),
            e_l: z(),
            g_l: z(),
            inv_c: z(),
            e_ex: z(),
            e_in: z(),
            i_e: z(),
            half_e: z(),
            full_e: z(),
            half_i: z(),
            full_i: z(),
        };
        let mut k = Rk4Exp {
            h,
            cols,
            refrac: vec![0.0; n],
            uniform: None,
            v: z(),
            ge: z(),
            gi: z(),
            r: vec![0.0; n],
            fired: vec![0; n],
        };
        k.derive(p);
        k
    }

    fn derive(&mut self, p: &[CondParams]) {
        let h = self.h;
        let c = &mut self.cols;
        let get = |f: fn(&CondParams) -> f64| p.iter().map(f).collect::<Vec<f64>>();
        c.v_th = get(|p| p.v_th);
        c.v_reset = get(|p| p.v_reset);
        c.e_l = get(|p| p.e_l);
        c.g_l = get(|p| p.g_l);
        c.inv_c = get(|p| 1.0 / p.c_m);
        c.e_ex = get(|p| p.e_ex);
        c.e_in = get(|p| p.e_in);
        c.i_e = get(|p| p.i_e);
        c.half_e = p.iter().map(|p| (-0.5 * h / p.tau_e).exp()).collect();
        c.full_e = p.iter().map(|p| (-h / p.tau_e).exp()).collect();
        c.half_i = p.iter().map(|p| (-0.5 * h / p.tau_i).exp()).collect();
        c.full_i = p.iter().map(|p| (-h / p.tau_i).exp()).collect();
        self.refrac = p.iter().map(|p| f64::from(p.refrac)).collect();
        self.uniform = (|| {
            Some(Rk4Cols {
                v_th: uniform(&c.v_th)?,
                v_reset: uniform(&c.v_reset)?,
                e_l: uniform(&c.e_l)?,
                g_l: uniform(&c.g_l)?,
                inv_c: uniform(&c.inv_c)?,
                e_ex: uniform(&c.e_ex)?,
                e_in: uniform(&c.e_in)?,
                i_e: uniform(&c.i_e)?,
                half_e: uniform(&c.half_e)?,
                full_e: uniform(&c.full_e)?,
                half_i: uniform(&c.half_i)?,
                full_i: uniform(&c.full_i)?,
            })
        })();
    }

    /// Takes the state `(v, g_exc, g_inh)` and refractory counts.
    fn load(&mut self, s: &CondState<3>) {
        for i in 0..s.n {
            [self.v[i], self.ge[i], self.gi[i]] = s.get(i);
        }
        self.r.iter_mut().zip(&s.r).for_each(|(x, r)| *x = f64::from(*r));
    }

    /// One step; the input is zeroed once read.
    fn update(&mut self, step: u64, ex: &mut [f64], inh: &mut [f64], cur: &[f64], spikes: &mut SpikeOut) {
        let n = self.v.len();
        let io = Rk4Io {
            h: self.h,
            v: &mut self.v,
            ge: &mut self.ge,
            gi: &mut self.gi,
            r: &mut self.r,
            fired: &mut self.fired,
            refrac: &self.refrac,
            ex: &mut ex[..n],
            inh: &mut inh[..n],
            cur: &cur[..n],
        };
        let c = &self.cols;
        let any = match self.uniform {
            Some(p) => rk4_update(p, io),
            None => rk4_update(
                Rk4Cols {
                    v_th: &c.v_th[..],
                    v_reset: &c.v_reset,
                    e_l: &c.e_l,
                    g_l: &c.g_l,
                    inv_c: &c.inv_c,
                    e_ex: &c.e_ex,
                    e_in: &c.e_in,
                    i_e: &c.i_e,
                    half_e: &c.half_e,
                    full_e: &c.full_e,
                    half_i: &c.half_i,
                    full_i: &c.full_i,
                },
                io,
            ),
        };
        if any {
            // Eight flags at a time: most chunks hold no spike.
            for (j, chunk) in self.fired.chunks(8).enumerate() {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                if u64::from_ne_bytes(word) == 0 {
                    continue;
                }
                for (i, f) in chunk.iter().enumerate() {
                    if *f != 0 {
                        spikes.push(((8 * j + i) as u32, step + 1));
                    }
                }
            }
        }
    }
}

/// One RK4 step of every cell (see [`Rk4Exp`]); returns whether any cell
/// fired (marked in `fired`). Branch-free, so that it vectorises.
#[inline(always)]
fn rk4_body<C: Col>(p: Rk4Cols<C>, s: Rk4Io<'_>) -> bool {
    let n = s.v.len();
    let (v, ge, gi, r, fired) = (s.v, &mut s.ge[..n], &mut s.gi[..n], &mut s.r[..n], &mut s.fired[..n]);
    let (refrac, ex, inh, cur) = (&s.refrac[..n], &mut s.ex[..n], &mut s.inh[..n], &s.cur[..n]);
    let (v_th, v_reset, e_l, g_l) = (p.v_th.prefix(n), p.v_reset.prefix(n), p.e_l.prefix(n), p.g_l.prefix(n));
    let (inv_c, e_ex, e_in, i_e) = (p.inv_c.prefix(n), p.e_ex.prefix(n), p.e_in.prefix(n), p.i_e.prefix(n));
    let (half_e, full_e) = (p.half_e.prefix(n), p.full_e.prefix(n));
    let (half_i, full_i) = (p.half_i.prefix(n), p.full_i.prefix(n));
    let (h, h2, h6) = (s.h, 0.5 * s.h, s.h / 6.0);
    let mut any = false;
    for i in 0..n {
        let (th, el, gl, ic, ee, ei) = (v_th.at(i), e_l.at(i), g_l.at(i), inv_c.at(i), e_ex.at(i), e_in.at(i));
        let i0 = i_e.at(i) + cur[i] * 1000.0;
        // dV/dt = (I - g_L (V' - E_L) - g_e (V' - E_e) - g_i (V' - E_i)) / C
        //       = a - b V'  with  a = (I + g_L E_L + g_e E_e + g_i E_i) / C,
        //                          b = (g_L + g_e + g_i) / C  at the stage's time.
        let ab = |ge: f64, gi: f64| ((i0 + gl * el + ge * ee + gi * ei) * ic, (gl + ge + gi) * ic);
        let dv = |(a, b): (f64, f64), v: f64| a - b * if v < th { v } else { th };
        let (ge0, gi0) = (ge[i], gi[i]);
        let (ge_f, gi_f) = (ge0 * full_e.at(i), gi0 * full_i.at(i));
        let (s0, sh, sf) = (ab(ge0, gi0), ab(ge0 * half_e.at(i), gi0 * half_i.at(i)), ab(ge_f, gi_f));
        let v0 = v[i];
        let k1 = dv(s0, v0);
        let k2 = dv(sh, v0 + h2 * k1);
        let k3 = dv(sh, v0 + h2 * k2);
        let k4 = dv(sf, v0 + h * k3);
        let vn = v0 + h6 * (k1 + 2.0 * (k2 + k3) + k4);
        ge[i] = ge_f + ex[i] * 1000.0;
        gi[i] = gi_f + inh[i] * 1000.0;
        ex[i] = 0.0;
        inh[i] = 0.0;
        let ri = r[i];
        let fire = (ri == 0.0) & (vn >= th);
        v[i] = if (ri != 0.0) | fire { v_reset.at(i) } else { vn };
        r[i] = if fire {
            refrac[i]
        } else if ri > 0.0 {
            ri - 1.0
        } else {
            0.0
        };
        fired[i] = u8::from(fire);
        any |= fire;
    }
    any
}

dispatch! {
    fn rk4_update<C: Col>(p: Rk4Cols<C>, s: Rk4Io<'_>) -> bool = rk4_body;
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

/// Native kernel of [`IF_cond_alpha`]: state `(v, dg_exc, g_exc, dg_inh, g_inh)`.
pub struct IafCondAlpha(CondState<5>);

impl NativeCell for IF_cond_alpha {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(IafCondAlpha(CondState::new(params, initial, ctx.dt, 2, 4))))
    }
}

impl Kernel for IafCondAlpha {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let s = &mut self.0;
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
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

    delegate_to_cond_state!("IF_cond_alpha", 2, 4);
}

impl NativeCell for IF_facets_hardware1 {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(IafCondExp::new(CondState::new(params, initial, ctx.dt, 1, 2))))
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
    use crate::native::simd;

    /// Runs `case` once per instruction set this CPU has
    /// ([`simd::with_isa_limit`]): the lanes must equal the scalar path at
    /// every width.
    fn at_every_width(case: impl Fn()) {
        for isa in simd::available() {
            eprintln!("instruction set {isa:?}");
            simd::with_isa_limit(isa, &case);
        }
    }

    /// xorshift64*, uniform in `[lo, hi)`.
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
}
