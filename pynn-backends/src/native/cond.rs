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

use super::OdeSolver;
use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::Rkf45;
use super::simd::{Col, dispatch, uniform};
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

/// Shared state handling of both models: `N` state components with `v`
/// first; conductances at `G_EXC`, `G_INH` (nS).
struct CondState<const N: usize> {
    dt: f64,
    p: Vec<CondParams>,
    y: Vec<[f64; N]>,
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
        CondState { dt, p: self::params(params, dt), y: init.clone(), step: vec![dt; n], r: vec![0; n], init }
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
            self.y[*c][k] = v * scale;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.y.clone_from(&self.init);
        self.step.iter_mut().for_each(|s| *s = self.dt);
        self.r.iter_mut().for_each(|r| *r = 0);
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>, g_exc: usize, g_inh: usize) {
        match var {
            0 => out.extend(cells.iter().map(|c| self.y[*c][0])),
            1 => out.extend(cells.iter().map(|c| self.y[*c][g_exc] * 1e-3)),
            _ => out.extend(cells.iter().map(|c| self.y[*c][g_inh] * 1e-3)),
        }
    }
}

/// The `Kernel` methods of a model that is a `CondState` (field `.0`) with
/// its conductances at the given positions.
macro_rules! delegate_to_cond_state {
    ($model:literal, $g_exc:literal, $g_inh:literal) => {
        fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
            self.0.p = self::params(params, self.0.dt);
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
        let solver = Rkf45::<3>::absolute(EPS_ABS);
        for i in 0..s.y.len() {
            let p = s.p[i];
            let refractory = s.r[i] > 0;
            let i_stim = cur[i] * 1000.0;
            solver.advance(&mut s.y[i], s.dt, &mut s.step[i], |y, f| {
                let v = if refractory { p.v_reset } else { y[0].min(p.v_th) };
                let i_syn = y[1] * (v - p.e_ex) + y[2] * (v - p.e_in);
                let i_l = p.g_l * (v - p.e_l);
                f[0] = if refractory { 0.0 } else { (-i_l + i_stim + p.i_e - i_syn) / p.c_m };
                f[1] = -y[1] / p.tau_e;
                f[2] = -y[2] / p.tau_i;
            });
            let y = &mut s.y[i];
            y[1] += ex[i] * 1000.0;
            y[2] += inh[i] * 1000.0;
            if s.r[i] > 0 {
                s.r[i] -= 1;
                y[0] = p.v_reset;
            } else if y[0] >= p.v_th {
                s.r[i] = p.refrac;
                y[0] = p.v_reset;
                spikes.push((i as u32, input.step + 1));
            }
        }
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
                k.load(&self.s.y, &self.s.r);
                Some(k)
            }
        };
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.s.p = self::params(params, self.s.dt);
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
            k.load(&self.s.y, &self.s.r);
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
    fn load(&mut self, y: &[[f64; 3]], r: &[u32]) {
        for (i, y) in y.iter().enumerate() {
            (self.v[i], self.ge[i], self.gi[i]) = (y[0], y[1], y[2]);
        }
        self.r.iter_mut().zip(r).for_each(|(x, r)| *x = f64::from(*r));
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
        let solver = Rkf45::<5>::absolute(EPS_ABS);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        for i in 0..s.y.len() {
            let p = s.p[i];
            let refractory = s.r[i] > 0;
            let i_stim = cur[i] * 1000.0;
            solver.advance(&mut s.y[i], s.dt, &mut s.step[i], |y, f| {
                let v = if refractory { p.v_reset } else { y[0].min(p.v_th) };
                let i_syn = y[2] * (v - p.e_ex) + y[4] * (v - p.e_in);
                let i_l = p.g_l * (v - p.e_l);
                f[0] = if refractory { 0.0 } else { (-i_l - i_syn + i_stim + p.i_e) / p.c_m };
                f[1] = -y[1] / p.tau_e;
                f[2] = y[1] - y[2] / p.tau_e;
                f[3] = -y[3] / p.tau_i;
                f[4] = y[3] - y[4] / p.tau_i;
            });
            let y = &mut s.y[i];
            if s.r[i] > 0 {
                s.r[i] -= 1;
                y[0] = p.v_reset;
            } else if y[0] >= p.v_th {
                s.r[i] = p.refrac;
                y[0] = p.v_reset;
                spikes.push((i as u32, input.step + 1));
            }
            y[1] += ex[i] * 1000.0 * p.psc_e;
            y[3] += inh[i] * 1000.0 * p.psc_i;
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
        for i in 0..s.y.len() {
            s.init[i][3] = gs[i];
            s.init[i][4] = gr[i];
        }
        s.y.clone_from(&s.init);
        Ok(Box::new(IafCondExpSfaRr { s, a: sfa_rr(params) }))
    }
}

impl Kernel for IafCondExpSfaRr {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let s = &mut self.s;
        let solver = Rkf45::<5>::absolute(EPS_ABS);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        for i in 0..s.y.len() {
            let (p, q) = (s.p[i], self.a[i]);
            let refractory = s.r[i] > 0;
            let i_stim = cur[i] * 1000.0;
            solver.advance(&mut s.y[i], s.dt, &mut s.step[i], |y, f| {
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
            let y = &mut s.y[i];
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
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.s.p = self::params(params, self.s.dt);
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
            self.s.y[*c][k] = *v;
        }
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
            3 => out.extend(cells.iter().map(|c| self.s.y[*c][3])),
            4 => out.extend(cells.iter().map(|c| self.s.y[*c][4])),
            _ => self.s.read(var, cells, out, 1, 2),
        }
    }
}
