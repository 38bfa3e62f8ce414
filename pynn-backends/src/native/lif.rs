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

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::{p31, p32, refractory_steps};
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

/// Step 3 of the update: cells at or above threshold spike with time stamp
/// `stamp`, are reset and become refractory.
#[inline]
fn threshold(
    y: &mut [f64],
    r: &mut [u32],
    theta: &[f64],
    reset: &[f64],
    refrac: &[u32],
    stamp: u64,
    spikes: &mut SpikeOut,
) {
    for i in 0..y.len() {
        if y[i] >= theta[i] {
            r[i] = refrac[i];
            y[i] = reset[i];
            spikes.push((i as u32, stamp));
        }
    }
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
    r: Vec<u32>,
    init_v: Vec<f64>,
    init_ex: Vec<f64>,
    init_in: Vec<f64>,
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
        self.c = c;
    }
}

impl NativeCell for IF_curr_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
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

impl Kernel for IafPscExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let n = self.y.len();
        // Equal-length slices let the compiler drop bounds checks in the loop.
        let (ex, inh, cur) = (&input.synaptic[0][..n], &input.synaptic[1][..n], &input.current[..n]);
        let c = &self.c;
        let (p22, p20, ie, theta, reset, refrac) =
            (&c.p22[..n], &c.p20[..n], &c.i_offset[..n], &c.theta[..n], &c.v_reset[..n], &c.refrac[..n]);
        let (p11e, p11i, p21e, p21i) = (&self.p11_ex[..n], &self.p11_in[..n], &self.p21_ex[..n], &self.p21_in[..n]);
        let (y, iex, iin, r) = (&mut self.y[..n], &mut self.i_ex[..n], &mut self.i_in[..n], &mut self.r[..n]);
        // Branch-free (selects), so that the loop vectorises; the same
        // floating-point operations as NEST's update, in the same order.
        for i in 0..n {
            let v = y[i] * p22[i] + iex[i] * p21e[i] + iin[i] * p21i[i] + (ie[i] + cur[i]) * p20[i];
            y[i] = if r[i] == 0 { v } else { y[i] };
            iex[i] = iex[i] * p11e[i] + ex[i];
            iin[i] = iin[i] * p11i[i] + inh[i];
        }
        for x in r.iter_mut() {
            *x -= u32::from(*x != 0);
        }
        if y.iter().zip(theta).fold(false, |a, (y, t)| a | (y >= t)) {
            threshold(y, r, theta, reset, refrac, input.step + 1, spikes);
        }
    }

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
        self.r.iter_mut().for_each(|r| *r = 0);
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
    r: Vec<u32>,
    init_v: Vec<f64>,
}

impl NativeCell for IF_curr_delta {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        let n = params.size();
        let mut k = IafPscDelta {
            dt: ctx.dt,
            c: Common::new(params, ctx.dt),
            y: vec![0.0; n],
            r: vec![0; n],
            init_v: initial.scalar("v").to_vec(),
        };
        k.reset();
        Ok(Box::new(k))
    }
}

impl Kernel for IafPscDelta {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let n = self.y.len();
        let (ex, inh, cur) = (&input.synaptic[0][..n], &input.synaptic[1][..n], &input.current[..n]);
        let c = &self.c;
        let (p22, p20, ie, theta) = (&c.p22[..n], &c.p20[..n], &c.i_offset[..n], &c.theta[..n]);
        let (y, r) = (&mut self.y[..n], &mut self.r[..n]);
        // Branch-free, so that the loop vectorises (see IafPscExp::step).
        for i in 0..n {
            // NEST: V = P30 (y0 + I_e) + P33 V + (input spikes, mV); input
            // arriving during the refractory period is discarded
            // (refractory_input = false).
            let v = p20[i] * (cur[i] + ie[i]) + p22[i] * y[i] + (ex[i] + inh[i]);
            y[i] = if r[i] == 0 { v } else { y[i] };
        }
        for x in r.iter_mut() {
            *x -= u32::from(*x != 0);
        }
        if y.iter().zip(theta).fold(false, |a, (y, t)| a | (y >= t)) {
            threshold(y, r, theta, &c.v_reset[..n], &c.refrac[..n], input.step + 1, spikes);
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        let c = Common::new(params, self.dt);
        rebase(&mut self.y, &self.c.v_rest, &c.v_rest);
        self.c = c;
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
        self.r.iter_mut().for_each(|r| *r = 0);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        (name == "v").then_some(0)
    }

    fn read(&self, _var: usize, cells: &[usize], out: &mut Vec<f64>) {
        out.extend(cells.iter().map(|c| self.y[*c] + self.c.v_rest[*c]));
    }
}
