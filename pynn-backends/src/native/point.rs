//! Native kernels of PyNN's composed `PointNeuron`.
//!
//! * `LIF` + `CurrExp` receptors: NEST 3.10's `iaf_psc_exp_multisynapse`
//!   (`models/iaf_psc_exp_multisynapse.cpp`), exactly integrated: the
//!   potential (relative to `v_rest`) is advanced with `P22`, `P20` and one
//!   `P21` per receptor (the propagators of [`super::propagators`]), then
//!   every receptor current decays by `exp(-dt / tau_syn)` and takes its
//!   input, then the threshold is checked (as `IF_curr_exp`).
//! * `AdExp` + conductance receptors: NEST's `aeif_cond_alpha_multisynapse`
//!   (all `CondAlpha`) and `aeif_cond_beta_multisynapse` (all `CondBeta`),
//!   generalised to any mix of `CondExp`, `CondAlpha` and `CondBeta`
//!   receptors. State `(V, w, dg_1, g_1, ..., dg_R, g_R)` integrated by the
//!   adaptive RKF45 with NEST's control (`gsl_error_tol` 1e-6 on state and
//!   derivative), spike detection after every sub-step as in
//!   [`super::adex`]. Input: alpha `dg += w e / tau_syn`; beta
//!   `dg += w g0` with `g0` the normalisation making `w` the peak
//!   (NEST's `beta_normalization_factor`); exponential `g += w` (`dg` stays 0).
//!   `I_syn = sum_r g_r (e_syn_r - V)`, `V` bounded above by `v_spike`.
//!
//! * `LIF` + conductance receptors (no NEST model: PyNN's NEST backend
//!   refuses it; PyNN's NEURON and Brian2 backends build a conductance-based
//!   LIF): the same state and receptors with NEST's `iaf_cond_exp` /
//!   `iaf_cond_alpha` membrane (`V` bounded above by `v_thresh` in the
//!   currents, RKF45 with absolute tolerance 1e-3, threshold and
//!   refractoriness checked once after the step), so that
//!   `PointNeuron(LIF, excitatory=CondExp, inhibitory=CondExp)` is
//!   `IF_cond_exp` (tested against its NEST data).
//!
//! `AdExp` with current receptors is refused with an error (neither NEST
//! nor PyNN has it).
//! Up to [`MAX_CONDUCTANCE_RECEPTORS`] conductance receptors (the state
//! vector is a fixed-size array per cell).

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::{p32, refractory_steps};
use super::rkf45::Rkf45;
use pynn_core::cells::{Composition, NeuronKind, PointNeuron, PsrKind};
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, Result};

/// Largest number of receptors of an AdExp `PointNeuron` on the native engine.
pub const MAX_CONDUCTANCE_RECEPTORS: usize = 8;

impl NativeCell for PointNeuron {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        let comp = ctx.composition.clone().ok_or_else(|| Error::Backend {
            backend: "native",
            message: format!("population \"{}\": a PointNeuron without its composition", ctx.label),
        })?;
        let object = format!("population \"{}\" (PointNeuron)", ctx.label);
        let current = comp.receptors.iter().all(|(_, k)| *k == PsrKind::CurrExp);
        match (comp.neuron, current) {
            (NeuronKind::LIF, true) => Ok(Box::new(PscExpMulti::new(comp, params, initial, ctx.dt))),
            (_, false) => {
                let r = comp.receptors.len();
                macro_rules! dispatch {
                    ($($n:literal => $size:literal),*) => {
                        match r {
                            $($n => Ok(Box::new(AdexMulti::<$size>::new(comp, params, initial, ctx.dt)) as Box<dyn Kernel>),)*
                            _ => Err(Error::invalid_value(
                                object,
                                "receptors",
                                r,
                                format!("at most {MAX_CONDUCTANCE_RECEPTORS} conductance-based receptors on the native engine"),
                            )),
                        }
                    };
                }
                dispatch!(1 => 4, 2 => 6, 3 => 8, 4 => 10, 5 => 12, 6 => 14, 7 => 16, 8 => 18)
            }
            (NeuronKind::AdExp, true) => Err(Error::invalid_value(
                object,
                "receptors",
                "CurrExpPostSynapticResponse",
                "conductance-based receptors (CondExp, CondAlpha, CondBeta) for AdExp",
            )),
        }
    }
}

fn receptor_variable(comp: &Composition, name: &str, suffix: &str) -> Option<usize> {
    comp.receptors.iter().position(|(r, _)| name.strip_prefix(r).and_then(|s| s.strip_prefix('.')) == Some(suffix))
}

fn variable_names(comp: &Composition, neuron: &[&str], suffix: &str) -> Vec<String> {
    neuron.iter().map(|s| s.to_string()).chain(comp.receptors.iter().map(|(r, _)| format!("{r}.{suffix}"))).collect()
}

/// `LIF` + `CurrExp` receptors (`iaf_psc_exp_multisynapse`). Potentials are
/// stored relative to `v_rest`; currents in nA, per cell `R` consecutive values.
struct PscExpMulti {
    comp: Composition,
    dt: f64,
    v_rest: Vec<f64>,
    theta: Vec<f64>,
    v_reset: Vec<f64>,
    i_offset: Vec<f64>,
    refrac: Vec<u32>,
    p22: Vec<f64>,
    p20: Vec<f64>,
    p11: Vec<f64>,
    p21: Vec<f64>,
    y: Vec<f64>,
    i_syn: Vec<f64>,
    r: Vec<u32>,
    init_v: Vec<f64>,
    init_i: Vec<f64>,
}

impl PscExpMulti {
    fn new(comp: Composition, params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
        let n = params.size();
        let nr = comp.receptors.len();
        let mut init_i = vec![0.0; n * nr];
        for (k, (name, _)) in comp.receptors.iter().enumerate() {
            for (i, x) in initial.scalar(&format!("{name}.isyn")).iter().enumerate() {
                init_i[i * nr + k] = *x;
            }
        }
        let mut s = PscExpMulti {
            comp,
            dt,
            v_rest: vec![],
            theta: vec![],
            v_reset: vec![],
            i_offset: vec![],
            refrac: vec![],
            p22: vec![],
            p20: vec![],
            p11: vec![],
            p21: vec![],
            y: vec![0.0; n],
            i_syn: vec![0.0; n * nr],
            r: vec![0; n],
            init_v: initial.scalar("v").to_vec(),
            init_i,
        };
        s.derive(params);
        s.reset();
        s
    }

    fn derive(&mut self, p: &ParamTable) {
        let dt = self.dt;
        let v_rest = p.scalar("v_rest").to_vec();
        if !self.v_rest.is_empty() {
            // Keep the absolute potential when v_rest changes.
            for ((y, old), new) in self.y.iter_mut().zip(&self.v_rest).zip(&v_rest) {
                *y += old - new;
            }
        }
        let rel = |name: &str| p.scalar(name).iter().zip(&v_rest).map(|(x, e)| x - e).collect::<Vec<_>>();
        let (tau_m, cm) = (p.scalar("tau_m"), p.scalar("cm"));
        self.theta = rel("v_thresh");
        self.v_reset = rel("v_reset");
        self.i_offset = p.scalar("i_offset").to_vec();
        self.refrac = p.scalar("tau_refrac").iter().map(|t| refractory_steps(*t, dt)).collect();
        self.p22 = tau_m.iter().map(|t| (-dt / t).exp()).collect();
        self.p20 = tau_m.iter().zip(cm).map(|(t, c)| -t / c * (-dt / t).exp_m1()).collect();
        let nr = self.comp.receptors.len();
        let n = cm.len();
        self.p11 = vec![0.0; n * nr];
        self.p21 = vec![0.0; n * nr];
        for (k, (name, _)) in self.comp.receptors.iter().enumerate() {
            let ts = p.scalar(&format!("{name}.tau_syn"));
            for i in 0..n {
                self.p11[i * nr + k] = (-dt / ts[i]).exp();
                self.p21[i * nr + k] = p32(ts[i], tau_m[i], cm[i], dt);
            }
        }
        self.v_rest = v_rest;
    }
}

impl Kernel for PscExpMulti {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let nr = self.comp.receptors.len();
        for i in 0..self.y.len() {
            let syn = &mut self.i_syn[i * nr..(i + 1) * nr];
            if self.r[i] == 0 {
                let mut v = self.p20[i] * (self.i_offset[i] + input.current[i]) + self.p22[i] * self.y[i];
                for (p21, s) in self.p21[i * nr..(i + 1) * nr].iter().zip(syn.iter()) {
                    v += p21 * s;
                }
                self.y[i] = v;
            } else {
                self.r[i] -= 1;
            }
            let p11 = &self.p11[i * nr..(i + 1) * nr];
            for ((s, p11), arriving) in syn.iter_mut().zip(p11).zip(input.synaptic) {
                *s = *s * p11 + arriving[i];
            }
            if self.y[i] >= self.theta[i] {
                self.r[i] = self.refrac[i];
                self.y[i] = self.v_reset[i];
                spikes.push((i as u32, input.step + 1));
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let nr = self.comp.receptors.len();
        if name == "v" {
            for (c, v) in cells.iter().zip(values) {
                self.init_v[*c] = *v;
                self.y[*c] = v - self.v_rest[*c];
            }
        } else if let Some(k) = receptor_variable(&self.comp, name, "isyn") {
            for (c, v) in cells.iter().zip(values) {
                self.init_i[c * nr + k] = *v;
                self.i_syn[c * nr + k] = *v;
            }
        } else {
            return Err(Error::unknown_name(
                "native PointNeuron(LIF)",
                "state variable",
                name,
                variable_names(&self.comp, &["v"], "isyn").iter().map(String::as_str),
            ));
        }
        Ok(())
    }

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.v_rest[i];
        }
        self.i_syn.clone_from(&self.init_i);
        self.r.iter_mut().for_each(|r| *r = 0);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        if name == "v" { Some(0) } else { receptor_variable(&self.comp, name, "isyn").map(|k| k + 1) }
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let nr = self.comp.receptors.len();
        if var == 0 {
            out.extend(cells.iter().map(|c| self.y[*c] + self.v_rest[*c]));
        } else {
            out.extend(cells.iter().map(|c| self.i_syn[c * nr + var - 1]));
        }
    }
}

/// NEST's `aeif_cond_*_multisynapse` default `gsl_error_tol`.
const GSL_ERROR_TOL: f64 = 1e-6;

/// Per-cell constants of the AdEx membrane in NEST's units (mV, nS, pF, pA).
#[derive(Debug, Clone, Copy, Default)]
struct Membrane {
    /// LIF membrane (iaf_cond_*): no exponential term, no adaptation.
    lif: bool,
    v_peak: f64,
    v_detect: f64,
    v_reset: f64,
    e_l: f64,
    g_l: f64,
    c_m: f64,
    i_e: f64,
    a: f64,
    b: f64,
    delta_t: f64,
    tau_w: f64,
    v_th: f64,
    refrac: u32,
}

/// Per-cell, per-receptor constants.
#[derive(Debug, Clone, Copy, Default)]
struct Receptor {
    kind: Option<PsrKind>,
    e_rev: f64,
    /// Decay of `dg` (rise for beta, tau_syn for alpha; unused for exp).
    tau_1: f64,
    /// Decay of `g`.
    tau_2: f64,
    /// Input scale into `dg` (alpha, beta).
    g0: f64,
}

/// NEST's `beta_normalization_factor` (`libnestutil/beta_normalization_factor.h`):
/// the factor that makes the peak of the beta conductance equal the weight;
/// alpha normalisation `e / tau_decay` when the time constants coincide.
pub fn beta_normalization(tau_rise: f64, tau_decay: f64) -> f64 {
    let diff = tau_decay - tau_rise;
    let mut peak = 0.0;
    if diff.abs() > f64::EPSILON {
        let t_peak = tau_decay * tau_rise * (tau_decay / tau_rise).ln() / diff;
        peak = (-t_peak / tau_decay).exp() - (-t_peak / tau_rise).exp();
    }
    if peak.abs() < f64::EPSILON { std::f64::consts::E / tau_decay } else { (1.0 / tau_rise - 1.0 / tau_decay) / peak }
}

struct AdexMulti<const N: usize> {
    comp: Composition,
    dt: f64,
    m: Vec<Membrane>,
    rec: Vec<[Receptor; MAX_CONDUCTANCE_RECEPTORS]>,
    y: Vec<[f64; N]>,
    step: Vec<f64>,
    r: Vec<u32>,
    init: Vec<[f64; N]>,
}

impl<const N: usize> AdexMulti<N> {
    fn new(comp: Composition, params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
        let n = params.size();
        let mut init = vec![[0.0; N]; n];
        let v = initial.scalar("v");
        let w = if comp.neuron == NeuronKind::AdExp { initial.scalar("w").to_vec() } else { vec![0.0; n] };
        for i in 0..n {
            init[i][0] = v[i];
            init[i][1] = w[i] * 1000.0;
        }
        for (k, (name, _)) in comp.receptors.iter().enumerate() {
            for (i, g) in initial.scalar(&format!("{name}.gsyn")).iter().enumerate() {
                init[i][3 + 2 * k] = g * 1000.0;
            }
        }
        let mut s =
            AdexMulti { comp, dt, m: vec![], rec: vec![], y: init.clone(), step: vec![dt; n], r: vec![0; n], init };
        s.derive(params);
        s
    }

    fn derive(&mut self, p: &ParamTable) {
        let col = |n: &str| p.scalar(n);
        let n = p.size();
        let lif = self.comp.neuron == NeuronKind::LIF;
        self.m = (0..n)
            .map(|i| {
                let (cm, tau_m) = (col("cm")[i], col("tau_m")[i]);
                if lif {
                    // PyNN -> NEST (pyNN/nest/standardmodels/cells.py, IF_cond_exp).
                    return Membrane {
                        lif,
                        v_peak: col("v_thresh")[i],
                        v_detect: col("v_thresh")[i],
                        v_reset: col("v_reset")[i],
                        e_l: col("v_rest")[i],
                        g_l: cm / tau_m * 1000.0,
                        c_m: cm * 1000.0,
                        i_e: col("i_offset")[i] * 1000.0,
                        v_th: col("v_thresh")[i],
                        refrac: refractory_steps(col("tau_refrac")[i], self.dt),
                        tau_w: 1.0,
                        ..Membrane::default()
                    };
                }
                let delta_t = col("delta_T")[i];
                Membrane {
                    lif,
                    v_peak: col("v_spike")[i],
                    v_detect: if delta_t > 0.0 { col("v_spike")[i] } else { col("v_thresh")[i] },
                    v_reset: col("v_reset")[i],
                    e_l: col("v_rest")[i],
                    // PyNN -> NEST (pyNN/nest/standardmodels/cells.py, AdExp).
                    g_l: cm / tau_m * 1000.0,
                    c_m: cm * 1000.0,
                    i_e: col("i_offset")[i] * 1000.0,
                    a: col("a")[i],
                    b: col("b")[i] * 1000.0,
                    delta_t,
                    tau_w: col("tau_w")[i],
                    v_th: col("v_thresh")[i],
                    refrac: refractory_steps(col("tau_refrac")[i], self.dt),
                }
            })
            .collect();
        self.rec = vec![[Receptor::default(); MAX_CONDUCTANCE_RECEPTORS]; n];
        for (k, (name, kind)) in self.comp.receptors.iter().enumerate() {
            let get = |s: &str| p.scalar(&format!("{name}.{s}")).to_vec();
            let e = get("e_syn");
            for (rec, e) in self.rec.iter_mut().zip(&e) {
                let r = &mut rec[k];
                r.kind = Some(*kind);
                r.e_rev = *e;
            }
            match kind {
                PsrKind::CondAlpha | PsrKind::CondExp => {
                    let t = get("tau_syn");
                    for (rec, t) in self.rec.iter_mut().zip(&t) {
                        let r = &mut rec[k];
                        (r.tau_1, r.tau_2, r.g0) = (*t, *t, std::f64::consts::E / t);
                    }
                }
                PsrKind::CondBeta => {
                    let (tr, td) = (get("tau_rise"), get("tau_decay"));
                    for i in 0..n {
                        let r = &mut self.rec[i][k];
                        (r.tau_1, r.tau_2, r.g0) = (tr[i], td[i], beta_normalization(tr[i], td[i]));
                    }
                }
                PsrKind::CurrExp => unreachable!("checked in build"),
            }
        }
    }
}

#[inline]
fn dynamics<const N: usize>(
    m: &Membrane,
    rec: &[Receptor; MAX_CONDUCTANCE_RECEPTORS],
    nr: usize,
    refractory: bool,
    i_stim: f64,
    y: &[f64; N],
    f: &mut [f64; N],
) {
    let v = if refractory { m.v_reset } else { y[0].min(m.v_peak) };
    let w = y[1];
    let mut i_syn = 0.0;
    for k in 0..nr {
        i_syn += y[3 + 2 * k] * (rec[k].e_rev - v);
    }
    let i_spike = if m.lif || m.delta_t == 0.0 { 0.0 } else { m.g_l * m.delta_t * ((v - m.v_th) / m.delta_t).exp() };
    f[0] = if refractory { 0.0 } else { (-m.g_l * (v - m.e_l) + i_spike + i_syn - w + m.i_e + i_stim) / m.c_m };
    f[1] = if m.lif { 0.0 } else { (m.a * (v - m.e_l) - w) / m.tau_w };
    for k in 0..nr {
        let (dg, g) = (y[2 + 2 * k], y[3 + 2 * k]);
        let r = &rec[k];
        if r.kind == Some(PsrKind::CondExp) {
            f[2 + 2 * k] = 0.0;
            f[3 + 2 * k] = -g / r.tau_2;
        } else {
            f[2 + 2 * k] = -dg / r.tau_1;
            f[3 + 2 * k] = dg - g / r.tau_2;
        }
    }
}

impl<const N: usize> AdexMulti<N> {
    /// The LIF membrane: NEST's `iaf_cond_exp` update (integrate the whole
    /// step, add the input, then refractoriness or threshold).
    fn step_lif(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let solver = Rkf45::<N>::absolute(LIF_EPS_ABS);
        let nr = self.comp.receptors.len();
        for i in 0..self.y.len() {
            let (m, rec) = (&self.m[i], &self.rec[i]);
            let i_stim = input.current[i] * 1000.0;
            let refractory = self.r[i] > 0;
            solver.advance(&mut self.y[i], self.dt, &mut self.step[i], |y, f| {
                dynamics(m, rec, nr, refractory, i_stim, y, f)
            });
            let y = &mut self.y[i];
            add_input(y, rec, nr, input, i);
            if self.r[i] > 0 {
                self.r[i] -= 1;
                y[0] = m.v_reset;
            } else if y[0] >= m.v_th {
                self.r[i] = m.refrac;
                y[0] = m.v_reset;
                spikes.push((i as u32, input.step + 1));
            }
        }
    }
}

/// NEST's absolute tolerance of `iaf_cond_*` (`gsl_odeiv_control_y_new(1e-3, 0)`).
const LIF_EPS_ABS: f64 = 1e-3;

#[inline]
fn add_input<const N: usize>(
    y: &mut [f64; N],
    rec: &[Receptor; MAX_CONDUCTANCE_RECEPTORS],
    nr: usize,
    input: &StepInput<'_>,
    i: usize,
) {
    for (k, r) in rec.iter().enumerate().take(nr) {
        let w = input.synaptic[k][i] * 1000.0;
        if r.kind == Some(PsrKind::CondExp) {
            y[3 + 2 * k] += w;
        } else {
            y[2 + 2 * k] += w * r.g0;
        }
    }
}

impl<const N: usize> Kernel for AdexMulti<N> {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        if self.comp.neuron == NeuronKind::LIF {
            return self.step_lif(input, spikes);
        }
        let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
        let nr = self.comp.receptors.len();
        let h = self.dt;
        for i in 0..self.y.len() {
            let (m, rec) = (&self.m[i], &self.rec[i]);
            let i_stim = input.current[i] * 1000.0;
            let mut t = 0.0;
            while t < h {
                let refractory = self.r[i] > 0;
                solver.apply(&mut self.y[i], &mut t, h, &mut self.step[i], &|y: &[f64; N], f: &mut [f64; N]| {
                    dynamics(m, rec, nr, refractory, i_stim, y, f)
                });
                let y = &mut self.y[i];
                if self.r[i] > 0 {
                    y[0] = m.v_reset;
                } else if y[0] >= m.v_detect {
                    y[0] = m.v_reset;
                    y[1] += m.b;
                    // +1 compensates the decrement after the step (NEST).
                    self.r[i] = if m.refrac > 0 { m.refrac + 1 } else { 0 };
                    spikes.push((i as u32, input.step + 1));
                }
            }
            if self.r[i] > 0 {
                self.r[i] -= 1;
            }
            add_input(&mut self.y[i], rec, nr, input, i);
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let adex = self.comp.neuron == NeuronKind::AdExp;
        let (k, scale) = match name {
            "v" => (0, 1.0),
            "w" if adex => (1, 1000.0),
            _ => match receptor_variable(&self.comp, name, "gsyn") {
                Some(r) => (3 + 2 * r, 1000.0),
                None => {
                    return Err(Error::unknown_name(
                        "native PointNeuron(AdExp)",
                        "state variable",
                        name,
                        variable_names(&self.comp, if adex { &["v", "w"] } else { &["v"] }, "gsyn")
                            .iter()
                            .map(String::as_str),
                    ));
                }
            },
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
        match name {
            "v" => Some(0),
            "w" if self.comp.neuron == NeuronKind::AdExp => Some(1),
            _ => receptor_variable(&self.comp, name, "gsyn").map(|k| 3 + 2 * k),
        }
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let scale = if var == 0 { 1.0 } else { 1e-3 };
        out.extend(cells.iter().map(|c| self.y[*c][var] * scale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_normalisation_makes_the_weight_the_peak() {
        // g(t) = g0 tau_r tau_d / (tau_d - tau_r) (exp(-t/tau_d) - exp(-t/tau_r)) after dg += g0;
        // its maximum over a fine grid must be 1.
        let (tr, td) = (0.2, 1.7);
        let g0 = beta_normalization(tr, td);
        let peak = (1..200000)
            .map(|k| {
                let t = k as f64 * 1e-5;
                g0 * tr * td / (td - tr) * ((-t / td).exp() - (-t / tr).exp())
            })
            .fold(0.0, f64::max);
        assert!((peak - 1.0).abs() < 1e-8, "{peak}");
        assert_eq!(beta_normalization(2.0, 2.0), std::f64::consts::E / 2.0);
    }
}
