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

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::Rkf45;
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

/// Native kernel of [`IF_cond_exp`]: state `(v, g_exc, g_inh)`.
pub struct IafCondExp(CondState<3>);

impl NativeCell for IF_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        Ok(Box::new(IafCondExp(CondState::new(params, initial, ctx.dt, 1, 2))))
    }
}

impl Kernel for IafCondExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let s = &mut self.0;
        let solver = Rkf45::<3>::absolute(EPS_ABS);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
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

    delegate_to_cond_state!("IF_cond_exp", 1, 2);
}

/// Native kernel of [`IF_cond_alpha`]: state `(v, dg_exc, g_exc, dg_inh, g_inh)`.
pub struct IafCondAlpha(CondState<5>);

impl NativeCell for IF_cond_alpha {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
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
        Ok(Box::new(IafCondExp(CondState::new(params, initial, ctx.dt, 1, 2))))
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
