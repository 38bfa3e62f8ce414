//! Native kernel of `HH_cond_exp`, step for step as NEST 3.10's
//! `hh_cond_exp_traub` (`models/hh_cond_exp_traub.cpp`, `update()`): RKF45
//! over the step (absolute tolerance 1e-3, NEST's units), input conductance
//! added, then a spike is registered when `v >= v_offset + 30 mV` and `v` is
//! below its value at the start of the step, unless within the dead time.
//!
//! A cell with gap junctions under waveform relaxation ([`super::gap`])
//! integrates its step with the junction current of NEST's
//! `hh_cond_beta_gap_traub` (`models/hh_cond_beta_gap_traub.cpp`,
//! `hh_cond_beta_gap_traub_dynamics`): `-g v + c0 + c1 s + c2 s^2 + c3 s^3`,
//! `s` the fraction of the step elapsed, in the membrane equation; the
//! coefficients are per step of the relaxation window (one `min_delay`
//! slice, see [`super::gap`]).

use super::gap::GapCell;
use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::Rkf45;
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, HH_cond_exp, Result};

/// NEST's default dead time after a spike (`t_ref`, ms).
const T_REF: f64 = 2.0;

#[derive(Debug, Clone, Copy)]
struct HhParams {
    g_na: f64,
    g_k: f64,
    g_l: f64,
    c_m: f64,
    v_t: f64,
    e_na: f64,
    e_k: f64,
    e_l: f64,
    e_ex: f64,
    e_in: f64,
    tau_e: f64,
    tau_i: f64,
    i_e: f64,
}

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
        })
        .collect()
}

// State layout: v, m, h, n, g_exc, g_inh.
const STATE: [&str; 6] = ["v", "m", "h", "n", "gsyn_exc", "gsyn_inh"];

#[inline]
fn dynamics(p: &HhParams, i_stim: f64, y: &[f64; 6], f: &mut [f64; 6]) {
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
    y: Vec<[f64; 6]>,
    step: Vec<f64>,
    r: Vec<u32>,
    init: Vec<[f64; 6]>,
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
        Ok(Box::new(HhKernel {
            dt: ctx.dt,
            refrac: refractory_steps(T_REF, ctx.dt),
            p: hh_params(params),
            y: init.clone(),
            step: vec![ctx.dt; n],
            r: vec![0; n],
            init,
            junction: None,
        }))
    }
}

impl Kernel for HhKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let solver = Rkf45::<6>::absolute(1e-3);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        for i in 0..self.y.len() {
            let p = self.p[i];
            let i_stim = cur[i] * 1000.0;
            let u_old = self.y[i][0];
            if let Some(w) = self.junction.as_ref().filter(|w| w.on[i]) {
                // Steps past the window (none: the engine relaxes every
                // slice before running it) would keep its last curve.
                let lag = (input.step.saturating_sub(w.first) as usize).min(w.lags - 1);
                let j = (w.g[i], w.c[i * w.lags + lag]);
                advance_gap(&p, i_stim, &j, self.dt, &mut self.y[i], &mut self.step[i]);
            } else {
                solver.advance(&mut self.y[i], self.dt, &mut self.step[i], |y, f| dynamics(&p, i_stim, y, f));
            }
            let y = &mut self.y[i];
            y[4] += ex[i] * 1000.0;
            y[5] += inh[i] * 1000.0;
            if self.r[i] > 0 {
                self.r[i] -= 1;
            } else if y[0] >= p.v_t + 30.0 && u_old > y[0] {
                self.r[i] = self.refrac;
                spikes.push((i as u32, input.step + 1));
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.p = hh_params(params);
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
            self.y[*c][k] = x * scale;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.y.clone_from(&self.init);
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
        out.extend(cells.iter().map(|c| self.y[*c][var] * scale));
    }
}

impl GapCell for HhKernel {
    fn trial(&mut self, cell: usize, current: f64, syn: &[f64], g: f64, c: &[[f64; 4]], out: &mut [[f64; 4]]) {
        let p = self.p[cell];
        let i_stim = current * 1000.0;
        let mut y = self.y[cell];
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
        let n = self.y.len();
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
