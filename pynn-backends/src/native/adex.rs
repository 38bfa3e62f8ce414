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
use super::rkf45::Rkf45;
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

/// Layout of the state vector of one model.
pub(crate) trait Layout<const N: usize>: Send + 'static {
    const MODEL: &'static str;
    const G_EXC: usize;
    const G_INH: usize;
    const W: usize;
    fn dynamics(p: &AdexParams, refractory: bool, i_stim: f64, y: &[f64; N], f: &mut [f64; N]);
    fn add_input(p: &AdexParams, y: &mut [f64; N], ex: f64, inh: f64);
}

#[inline]
fn membrane(p: &AdexParams, refractory: bool, i_stim: f64, v_raw: f64, g_ex: f64, g_in: f64, w: f64) -> (f64, f64) {
    let v = if refractory { p.v_reset } else { v_raw.min(p.v_peak) };
    let i_syn = g_ex * (v - p.e_ex) + g_in * (v - p.e_in);
    let i_spike = if p.delta_t == 0.0 { 0.0 } else { p.g_l * p.delta_t * ((v - p.v_th) / p.delta_t).exp() };
    let dv = if refractory { 0.0 } else { (-p.g_l * (v - p.e_l) + i_spike - i_syn - w + p.i_e + i_stim) / p.c_m };
    let dw = (p.a * (v - p.e_l) - w) / p.tau_w;
    (dv, dw)
}

struct ExpLayout;
impl Layout<4> for ExpLayout {
    const MODEL: &'static str = "EIF_cond_exp_isfa_ista";
    const G_EXC: usize = 1;
    const G_INH: usize = 2;
    const W: usize = 3;
    #[inline]
    fn dynamics(p: &AdexParams, refractory: bool, i_stim: f64, y: &[f64; 4], f: &mut [f64; 4]) {
        let (dv, dw) = membrane(p, refractory, i_stim, y[0], y[1], y[2], y[3]);
        f[0] = dv;
        f[1] = -y[1] / p.tau_e;
        f[2] = -y[2] / p.tau_i;
        f[3] = dw;
    }
    #[inline]
    fn add_input(_: &AdexParams, y: &mut [f64; 4], ex: f64, inh: f64) {
        y[1] += ex;
        y[2] += inh;
    }
}

struct AlphaLayout;
impl Layout<6> for AlphaLayout {
    const MODEL: &'static str = "EIF_cond_alpha_isfa_ista";
    const G_EXC: usize = 2;
    const G_INH: usize = 4;
    const W: usize = 5;
    #[inline]
    fn dynamics(p: &AdexParams, refractory: bool, i_stim: f64, y: &[f64; 6], f: &mut [f64; 6]) {
        let (dv, dw) = membrane(p, refractory, i_stim, y[0], y[2], y[4], y[5]);
        f[0] = dv;
        f[1] = -y[1] / p.tau_e;
        f[2] = y[1] - y[2] / p.tau_e;
        f[3] = -y[3] / p.tau_i;
        f[4] = y[3] - y[4] / p.tau_i;
        f[5] = dw;
    }
    #[inline]
    fn add_input(p: &AdexParams, y: &mut [f64; 6], ex: f64, inh: f64) {
        y[1] += ex * p.g0_e;
        y[3] += inh * p.g0_i;
    }
}

/// Native kernel of the AdEx models, for a state layout `L` of size `N`.
pub(crate) struct AdexKernel<L: Layout<N>, const N: usize> {
    dt: f64,
    p: Vec<AdexParams>,
    y: Vec<[f64; N]>,
    step: Vec<f64>,
    r: Vec<u32>,
    init: Vec<[f64; N]>,
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
        AdexKernel {
            dt,
            p: self::params(params, dt),
            y: init.clone(),
            step: vec![dt; n],
            r: vec![0; n],
            init,
            _layout: std::marker::PhantomData,
        }
    }
}

impl<L: Layout<N>, const N: usize> Kernel for AdexKernel<L, N> {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let h = self.dt;
        for i in 0..self.y.len() {
            let p = self.p[i];
            let i_stim = cur[i] * 1000.0;
            let mut t = 0.0;
            while t < h {
                let refractory = self.r[i] > 0;
                solver.apply(&mut self.y[i], &mut t, h, &mut self.step[i], &|y: &[f64; N], f: &mut [f64; N]| {
                    L::dynamics(&p, refractory, i_stim, y, f)
                });
                let y = &mut self.y[i];
                if self.r[i] > 0 {
                    y[0] = p.v_reset;
                } else if y[0] >= p.v_detect {
                    y[0] = p.v_reset;
                    y[L::W] += p.b;
                    // +1 compensates the decrement after the step (NEST).
                    self.r[i] = if p.refrac > 0 { p.refrac + 1 } else { 0 };
                    spikes.push((i as u32, input.step + 1));
                }
            }
            if self.r[i] > 0 {
                self.r[i] -= 1;
            }
            L::add_input(&p, &mut self.y[i], ex[i] * 1000.0, inh[i] * 1000.0);
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.p = self::params(params, self.dt);
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
        out.extend(cells.iter().map(|c| self.y[*c][k] * scale));
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
