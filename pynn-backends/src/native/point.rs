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

use super::adex::{AdexState, Fallen, Family, Rule, Rule8, StepIo, step_blocks};
use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::{p32, refractory_steps};
use super::rkf45::{Block, LANES, Lanes, Rkf45, block_get};
use super::simd::{Real, V8, bits, dispatch};
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
            (NeuronKind::AdExp, false) if comp.receptors.len() <= MAX_BLOCK_RECEPTORS => {
                Ok(match comp.receptors.len() {
                    1 => Box::new(PnBlocks::<1, 4>::new(comp, params, initial, ctx.dt)) as Box<dyn Kernel>,
                    2 => Box::new(PnBlocks::<2, 6>::new(comp, params, initial, ctx.dt)),
                    3 => Box::new(PnBlocks::<3, 8>::new(comp, params, initial, ctx.dt)),
                    _ => Box::new(PnBlocks::<4, 10>::new(comp, params, initial, ctx.dt)),
                })
            }
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
    s: AdexState<Vec<[f64; N]>, N>,
}

impl<const N: usize> AdexMulti<N> {
    fn new(comp: Composition, params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
        let n = params.size();
        let init = initial_state::<N>(&comp, initial);
        let mut s = AdexMulti { comp, dt, m: vec![], rec: vec![], s: AdexState::new(vec![], n, init, dt) };
        s.derive(params);
        s
    }

    fn derive(&mut self, p: &ParamTable) {
        (self.m, self.rec) = constants(&self.comp, p, self.dt);
    }
}

/// The initial state `(V, w, dg_1, g_1, ...)` of every cell of a
/// conductance-based `PointNeuron` (NEST's units).
fn initial_state<const N: usize>(comp: &Composition, initial: &ParamTable) -> Vec<[f64; N]> {
    let n = initial.size();
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
    init
}

/// The index in the state and the scale (PyNN's unit to NEST's) of the
/// state variable `name` of a conductance-based `PointNeuron`, or an error
/// naming the variables it has.
fn state_slot(comp: &Composition, name: &str) -> Result<(usize, f64)> {
    let adex = comp.neuron == NeuronKind::AdExp;
    Ok(match name {
        "v" => (0, 1.0),
        "w" if adex => (1, 1000.0),
        _ => match receptor_variable(comp, name, "gsyn") {
            Some(r) => (3 + 2 * r, 1000.0),
            None => {
                return Err(Error::unknown_name(
                    "native PointNeuron(AdExp)",
                    "state variable",
                    name,
                    variable_names(comp, if adex { &["v", "w"] } else { &["v"] }, "gsyn").iter().map(String::as_str),
                ));
            }
        },
    })
}

/// The index in the state of the recordable `name` (see [`state_slot`]).
fn state_variable(comp: &Composition, name: &str) -> Option<usize> {
    match name {
        "v" => Some(0),
        "w" if comp.neuron == NeuronKind::AdExp => Some(1),
        _ => receptor_variable(comp, name, "gsyn").map(|k| 3 + 2 * k),
    }
}

/// The per-cell membrane and receptor constants of a conductance-based
/// `PointNeuron` from its parameters, in NEST's units.
fn constants(
    comp: &Composition,
    p: &ParamTable,
    dt: f64,
) -> (Vec<Membrane>, Vec<[Receptor; MAX_CONDUCTANCE_RECEPTORS]>) {
    {
        let col = |n: &str| p.scalar(n);
        let n = p.size();
        let lif = comp.neuron == NeuronKind::LIF;
        let m: Vec<Membrane> = (0..n)
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
                        refrac: refractory_steps(col("tau_refrac")[i], dt),
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
                    refrac: refractory_steps(col("tau_refrac")[i], dt),
                }
            })
            .collect();
        let mut rec = vec![[Receptor::default(); MAX_CONDUCTANCE_RECEPTORS]; n];
        for (k, (name, kind)) in comp.receptors.iter().enumerate() {
            let get = |s: &str| p.scalar(&format!("{name}.{s}")).to_vec();
            let e = get("e_syn");
            for (rc, e) in rec.iter_mut().zip(&e) {
                let r = &mut rc[k];
                r.kind = Some(*kind);
                r.e_rev = *e;
            }
            match kind {
                PsrKind::CondAlpha | PsrKind::CondExp => {
                    let t = get("tau_syn");
                    for (rc, t) in rec.iter_mut().zip(&t) {
                        let r = &mut rc[k];
                        (r.tau_1, r.tau_2, r.g0) = (*t, *t, std::f64::consts::E / t);
                    }
                }
                PsrKind::CondBeta => {
                    let (tr, td) = (get("tau_rise"), get("tau_decay"));
                    for i in 0..n {
                        let r = &mut rec[i][k];
                        (r.tau_1, r.tau_2, r.g0) = (tr[i], td[i], beta_normalization(tr[i], td[i]));
                    }
                }
                PsrKind::CurrExp => unreachable!("checked in build"),
            }
        }
        (m, rec)
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
        for i in 0..self.s.y.len() {
            let (m, rec) = (&self.m[i], &self.rec[i]);
            let i_stim = input.current[i] * 1000.0;
            let refractory = self.s.r[i] > 0;
            solver.advance(&mut self.s.y[i], self.dt, &mut self.s.step[i], |y, f| {
                dynamics(m, rec, nr, refractory, i_stim, y, f)
            });
            let y = &mut self.s.y[i];
            add_input(y, rec, nr, input, i);
            if self.s.r[i] > 0 {
                self.s.r[i] -= 1;
                y[0] = m.v_reset;
            } else if y[0] >= m.v_th {
                self.s.r[i] = m.refrac;
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
        for i in 0..self.s.y.len() {
            let (m, rec) = (&self.m[i], &self.rec[i]);
            let i_stim = input.current[i] * 1000.0;
            let mut t = 0.0;
            while t < h {
                let refractory = self.s.r[i] > 0;
                solver.apply(&mut self.s.y[i], &mut t, h, &mut self.s.step[i], &|y: &[f64; N], f: &mut [f64; N]| {
                    dynamics(m, rec, nr, refractory, i_stim, y, f)
                });
                let y = &mut self.s.y[i];
                if self.s.r[i] > 0 {
                    y[0] = m.v_reset;
                } else if y[0] >= m.v_detect {
                    y[0] = m.v_reset;
                    y[1] += m.b;
                    // +1 compensates the decrement after the step (NEST).
                    self.s.r[i] = if m.refrac > 0 { m.refrac + 1 } else { 0 };
                    spikes.push((i as u32, input.step + 1));
                }
            }
            if self.s.r[i] > 0 {
                self.s.r[i] -= 1;
            }
            add_input(&mut self.s.y[i], rec, nr, input, i);
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (k, scale) = state_slot(&self.comp, name)?;
        self.s.initialize(k, scale, cells, values);
        Ok(())
    }

    fn reset(&mut self) {
        self.s.reset(self.dt);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        state_variable(&self.comp, name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let scale = if var == 0 { 1.0 } else { 1e-3 };
        out.extend(cells.iter().map(|c| self.s.y[*c][var] * scale));
    }
}

/// Largest receptor count of an AdExp `PointNeuron` with a lane-block
/// kernel ([`PnBlocks`], the count a compile-time constant); larger counts
/// (up to [`MAX_CONDUCTANCE_RECEPTORS`]) take the scalar [`AdexMulti`].
const MAX_BLOCK_RECEPTORS: usize = 4;

/// [`Family::MIN_BLOCK_LANES`] of the AdExp `PointNeuron`.
const MIN_BLOCK_LANES: usize = 6;

/// The AdExp membrane constants of one cell (`T = f64`) or of the
/// [`LANES`] cells of a block (`T = V8`).
#[derive(Clone, Copy)]
struct MemConsts<T: Real> {
    v_peak: T,
    v_reset: T,
    e_l: T,
    g_l: T,
    c_m: T,
    i_e: T,
    a: T,
    delta_t: T,
    tau_w: T,
    v_th: T,
    /// `delta_T == 0`: no exponential term ([`Real::Bits`]).
    no_spike_term: T::Bits,
}

/// The constants of the `R` receptors of one cell or of a block. `exp`
/// (a `CondExp` receptor: no `dg`) is the population's, the same in every
/// lane.
#[derive(Clone, Copy)]
struct RecConsts<T, const R: usize> {
    exp: [bool; R],
    e_rev: [T; R],
    tau_1: [T; R],
    tau_2: [T; R],
}

/// One cell of an AdExp `PointNeuron` with `R` receptors as
/// [`step_blocks`] reads it.
#[derive(Clone, Copy)]
struct PnCell<const R: usize> {
    m: MemConsts<f64>,
    rec: RecConsts<f64, R>,
    rule: Rule,
}

impl<const R: usize> PnCell<R> {
    fn of(m: &Membrane, rec: &[Receptor; MAX_CONDUCTANCE_RECEPTORS]) -> Self {
        PnCell {
            m: MemConsts {
                v_peak: m.v_peak,
                v_reset: m.v_reset,
                e_l: m.e_l,
                g_l: m.g_l,
                c_m: m.c_m,
                i_e: m.i_e,
                a: m.a,
                delta_t: m.delta_t,
                tau_w: m.tau_w,
                v_th: m.v_th,
                no_spike_term: bits(m.lif || m.delta_t == 0.0),
            },
            rec: RecConsts {
                exp: std::array::from_fn(|k| rec[k].kind == Some(PsrKind::CondExp)),
                e_rev: std::array::from_fn(|k| rec[k].e_rev),
                tau_1: std::array::from_fn(|k| rec[k].tau_1),
                tau_2: std::array::from_fn(|k| rec[k].tau_2),
            },
            rule: Rule { v_detect: m.v_detect, v_reset: m.v_reset, b: m.b, refrac: m.refrac },
        }
    }
}

/// The [`LANES`] cells of a block as the lanes read them.
#[derive(Clone, Copy)]
struct PnBlock<const R: usize> {
    m: MemConsts<V8>,
    rec: RecConsts<V8, R>,
    rule: Rule8,
    /// Input scale into `dg` (alpha, beta), per receptor.
    g0: [Lanes; R],
}

impl<const R: usize> PnBlock<R> {
    /// The constants of cells `c[0..LANES]`, `g0[l]` the input scales of
    /// cell `l`.
    fn of(c: &[PnCell<R>], g0: &[[f64; R]]) -> Self {
        Self::gather(std::array::from_fn(|l| &c[l]), std::array::from_fn(|l| g0[l]))
    }

    /// The constants of cells `c` (one per lane), `g0[l]` the input scales
    /// of `c[l]`.
    #[inline(always)]
    fn gather(c: [&PnCell<R>; LANES], g0: [[f64; R]; LANES]) -> Self {
        let v8 = |f: &dyn Fn(&PnCell<R>) -> f64| V8(std::array::from_fn(|l| f(c[l])));
        let rules: [Rule; LANES] = std::array::from_fn(|l| c[l].rule);
        PnBlock {
            m: MemConsts {
                v_peak: v8(&|c| c.m.v_peak),
                v_reset: v8(&|c| c.m.v_reset),
                e_l: v8(&|c| c.m.e_l),
                g_l: v8(&|c| c.m.g_l),
                c_m: v8(&|c| c.m.c_m),
                i_e: v8(&|c| c.m.i_e),
                a: v8(&|c| c.m.a),
                delta_t: v8(&|c| c.m.delta_t),
                tau_w: v8(&|c| c.m.tau_w),
                v_th: v8(&|c| c.m.v_th),
                no_spike_term: std::array::from_fn(|l| c[l].m.no_spike_term),
            },
            rec: RecConsts {
                exp: c[0].rec.exp,
                e_rev: std::array::from_fn(|k| v8(&|c| c.rec.e_rev[k])),
                tau_1: std::array::from_fn(|k| v8(&|c| c.rec.tau_1[k])),
                tau_2: std::array::from_fn(|k| v8(&|c| c.rec.tau_2[k])),
            },
            rule: Rule8::of(&rules),
            g0: std::array::from_fn(|k| std::array::from_fn(|l| g0[l][k])),
        }
    }
}

/// [`dynamics`] of an AdExp cell with `R` receptors (state size
/// `N = 2 + 2 R`) over `T` (one cell, or [`LANES`] cells): the same
/// operations in the same order, lane by lane, with the receptor count
/// a compile-time constant.
#[inline(always)]
fn rhs<T: Real, const R: usize, const N: usize>(
    m: &MemConsts<T>,
    rec: &RecConsts<T, R>,
    refractory: T::Bits,
    i_stim: T,
    y: &[T; N],
    f: &mut [T; N],
) {
    const { assert!(N == 2 + 2 * R, "state size 2 + 2 R") };
    let v = T::blend(refractory, m.v_reset, y[0].min(m.v_peak));
    let w = y[1];
    let mut i_syn = T::splat(0.0);
    for k in 0..R {
        i_syn = i_syn + y[3 + 2 * k] * (rec.e_rev[k] - v);
    }
    let i_spike = T::blend(
        m.no_spike_term,
        T::splat(0.0),
        m.g_l * m.delta_t * ((v - m.v_th) / m.delta_t).exp_unless(m.no_spike_term),
    );
    f[0] = T::blend(refractory, T::splat(0.0), (-m.g_l * (v - m.e_l) + i_spike + i_syn - w + m.i_e + i_stim) / m.c_m);
    f[1] = (m.a * (v - m.e_l) - w) / m.tau_w;
    for k in 0..R {
        let (dg, g) = (y[2 + 2 * k], y[3 + 2 * k]);
        if rec.exp[k] {
            f[2 + 2 * k] = T::splat(0.0);
            f[3 + 2 * k] = -g / rec.tau_2[k];
        } else {
            f[2 + 2 * k] = -dg / rec.tau_1[k];
            f[3 + 2 * k] = dg - g / rec.tau_2[k];
        }
    }
}

/// The AdExp `PointNeuron` with `R` receptors as a member of the AdEx
/// family of [`step_blocks`].
struct Pn<const R: usize>;

impl<const R: usize, const N: usize> Family<N> for Pn<R> {
    type Cell = PnCell<R>;
    type Block = PnBlock<R>;
    const ADAPTATION: usize = 1;
    const MIN_BLOCK_LANES: usize = MIN_BLOCK_LANES;
    #[inline(always)]
    fn rule(c: &PnCell<R>) -> Rule {
        c.rule
    }
    #[inline(always)]
    fn rule8(b: &PnBlock<R>) -> &Rule8 {
        &b.rule
    }
    #[inline(always)]
    fn gather(c: [&PnCell<R>; LANES]) -> PnBlock<R> {
        // The input scales are not read by the right-hand side.
        PnBlock::gather(c, [[0.0; R]; LANES])
    }
    #[inline(always)]
    fn idle(b: &mut PnBlock<R>, l: usize) {
        b.m.no_spike_term[l] = u64::MAX;
    }
    #[inline(always)]
    fn cell_rhs(c: &PnCell<R>, refractory: bool, i_stim: f64, y: &[f64; N], f: &mut [f64; N]) {
        rhs(&c.m, &c.rec, bits(refractory), i_stim, y, f);
    }
    #[inline(always)]
    fn block_rhs(b: &PnBlock<R>, refractory: &[u64; LANES], i_stim: &Lanes, y: &Block<N>, f: &mut Block<N>) {
        let mut d = [V8([0.0; LANES]); N];
        rhs(&b.m, &b.rec, *refractory, V8(*i_stim), &y.map(V8), &mut d);
        for k in 0..N {
            f[k] = d[k].0;
        }
    }
}

/// [`step_blocks`] of [`Pn`] compiled for the widest vector unit the CPU
/// has (one instance per receptor count).
trait PnRun<const N: usize>: Family<N> {
    fn run(io: StepIo<'_, Self::Cell, Self::Block, N>);
}

macro_rules! pn_run {
    ($($r:literal, $n:literal, $body:ident, $name:ident;)*) => {$(
        #[inline(always)]
        fn $body(io: StepIo<'_, PnCell<$r>, PnBlock<$r>, $n>) {
            step_blocks::<Pn<$r>, $n>(io)
        }
        dispatch! {
            fn $name(io: StepIo<'_, PnCell<$r>, PnBlock<$r>, $n>) -> () = $body;
        }
        impl PnRun<$n> for Pn<$r> {
            fn run(io: StepIo<'_, PnCell<$r>, PnBlock<$r>, $n>) {
                $name(io)
            }
        }
    )*};
}

pn_run! {
    1, 4, pn_step1_body, pn_step1;
    2, 6, pn_step2_body, pn_step2;
    3, 8, pn_step3_body, pn_step3;
    4, 10, pn_step4_body, pn_step4;
}

/// `AdExp` with `R` conductance receptors (state size `N = 2 + 2 R`), its
/// RKF45 state in [`Block`]s of [`LANES`] cells, stepped by
/// [`step_blocks`]: bit for bit the scalar [`AdexMulti`]. The lanes past
/// the last cell (padding) are simulated as copies of the last cell
/// without input, never read.
struct PnBlocks<const R: usize, const N: usize> {
    comp: Composition,
    dt: f64,
    /// Number of cells.
    n: usize,
    /// Per lane (padding: copies of the last cell's).
    cells: Vec<PnCell<R>>,
    /// Per block.
    blocks: Vec<PnBlock<R>>,
    /// Per lane.
    s: AdexState<Vec<Block<N>>, N>,
    /// Scratch: the step's injected current per lane (pA; padding 0).
    i_stim: Vec<f64>,
    /// Scratch of [`step_blocks`].
    fallen: Fallen,
}

impl<const R: usize, const N: usize> PnBlocks<R, N>
where
    Pn<R>: PnRun<N, Cell = PnCell<R>, Block = PnBlock<R>>,
{
    fn new(comp: Composition, params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
        let n = params.size();
        let init = initial_state::<N>(&comp, initial);
        let lanes = n.div_ceil(LANES) * LANES;
        let mut s = PnBlocks {
            comp,
            dt,
            n,
            cells: vec![],
            blocks: vec![],
            s: AdexState::new(vec![[[0.0; LANES]; N]; lanes / LANES], lanes, init, dt),
            i_stim: vec![0.0; lanes],
            fallen: Fallen::default(),
        };
        s.derive(params);
        s
    }

    /// The constants per lane (padded with copies of the last cell's) and
    /// per block.
    fn derive(&mut self, p: &ParamTable) {
        let (m, rec) = constants(&self.comp, p, self.dt);
        let lanes = self.s.y.len() * LANES;
        let mut g0: Vec<[f64; R]> = rec.iter().map(|r| std::array::from_fn(|k| r[k].g0)).collect();
        self.cells = m.iter().zip(&rec).map(|(m, r)| PnCell::of(m, r)).collect();
        if let (Some(&c), Some(&g)) = (self.cells.last(), g0.last()) {
            self.cells.resize(lanes, c);
            g0.resize(lanes, g);
        }
        self.blocks =
            self.cells.chunks_exact(LANES).zip(g0.chunks_exact(LANES)).map(|(c, g)| PnBlock::of(c, g)).collect();
    }
}

impl<const R: usize, const N: usize> Kernel for PnBlocks<R, N>
where
    Pn<R>: PnRun<N, Cell = PnCell<R>, Block = PnBlock<R>>,
{
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let n = self.n;
        for (s, c) in self.i_stim.iter_mut().zip(&input.current[..n]) {
            *s = c * 1000.0;
        }
        <Pn<R> as PnRun<N>>::run(StepIo {
            h: self.dt,
            n,
            index: input.step,
            cells: &self.cells,
            blocks: &self.blocks,
            i_stim: &self.i_stim,
            r: &mut self.s.r,
            y: &mut self.s.y,
            step: &mut self.s.step,
            spikes,
            fallen: &mut self.fallen,
        });
        // The input, as [`add_input`] adds it.
        let syn: [&[f64]; R] = std::array::from_fn(|k| &input.synaptic[k][..n]);
        for (b, (yb, q)) in self.s.y.iter_mut().zip(&self.blocks).enumerate() {
            let i0 = b * LANES;
            for l in 0..LANES.min(n - i0) {
                for k in 0..R {
                    let w = syn[k][i0 + l] * 1000.0;
                    if q.rec.exp[k] {
                        yb[3 + 2 * k][l] += w;
                    } else {
                        yb[2 + 2 * k][l] += w * q.g0[k][l];
                    }
                }
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (k, scale) = state_slot(&self.comp, name)?;
        self.s.initialize(k, scale, cells, values);
        Ok(())
    }

    fn reset(&mut self) {
        self.s.reset(self.dt);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        state_variable(&self.comp, name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let scale = if var == 0 { 1.0 } else { 1e-3 };
        out.extend(cells.iter().map(|c| block_get(&self.s.y, *c)[var] * scale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::rkf45::testing::{Gen, at_every_width};
    use pynn_core::Value;
    use pynn_core::cells::{AdExp, AlphaPSR, BetaPSR, CellType, ExpPSR, PostSynapticResponse};
    use pynn_core::parameters::Column;

    const ALPHA: PostSynapticResponse = PostSynapticResponse::CondAlpha(AlphaPSR { tau_syn: 2.0, e_syn: 0.0 });
    const BETA: PostSynapticResponse =
        PostSynapticResponse::CondBeta(BetaPSR { tau_rise: 2.0, tau_decay: 8.0, e_syn: -80.0 });
    const EXP: PostSynapticResponse = PostSynapticResponse::CondExp(ExpPSR { tau_syn: 8.0, e_syn: 0.0 });
    const SLOW: PostSynapticResponse = PostSynapticResponse::CondAlpha(AlphaPSR { tau_syn: 5.0, e_syn: -70.0 });

    /// `n` AdExp PointNeurons with `receptors`, random parameters (cell 11
    /// with `delta_T = 0`, every 7th from cell 4 with `tau_refrac = 0`, cell
    /// 11 driven to spike twice in a step) and initial potentials.
    fn random_cells(
        receptors: &[PostSynapticResponse],
        n: usize,
        g: &mut Gen,
    ) -> (Composition, ParamTable, ParamTable) {
        let names = ["AMPA", "GABA", "NMDA", "GABAB", "R5", "R6"];
        let cell = PointNeuron::new(AdExp::default(), names.iter().zip(receptors).map(|(a, r)| (*a, *r)))
            .expect("a valid composition");
        let info = cell.info();
        let all: Vec<usize> = (0..n).collect();
        let mut params = ParamTable::defaults(info.parameters, n);
        for (spec, v) in info.parameters.iter().zip(cell.parameter_values()) {
            let Value::Scalar(x) = v else { panic!("scalar parameters") };
            params.assign(spec.name, &all, Column::Scalar(vec![x; n]));
        }
        let mut set = |name: &str, f: &mut dyn FnMut(usize, &mut Gen) -> f64| {
            let col = (0..n).map(|i| f(i, g)).collect();
            params.assign(name, &all, Column::Scalar(col));
        };
        set("a", &mut |_, g| g.next(0.0, 8.0));
        set("b", &mut |_, g| g.next(0.0, 0.1));
        set("tau_w", &mut |_, g| g.next(30.0, 300.0));
        set("delta_T", &mut |i, g| if i == 11 { 0.0 } else { g.next(0.5, 3.0) });
        set("tau_refrac", &mut |i, g| if i % 7 == 4 { 0.0 } else { g.next(0.1, 3.0) });
        set("cm", &mut |_, g| g.next(0.05, 0.4));
        set("i_offset", &mut |_, g| g.next(0.0, 0.5));
        // Cell 11 (no exponential term, no refractory period) driven to
        // cross v_thresh -> v_reset (15 mV) in less than half a step
        // (20 nA into 50 pF: 400 mV/ms), so that it spikes twice in a step.
        params.assign("cm", &[11], Column::Scalar(vec![0.05]));
        params.assign("i_offset", &[11], Column::Scalar(vec![20.0]));
        let mut init = ParamTable::defaults(info.state, n);
        init.assign("v", &all, Column::Scalar((0..n).map(|_| g.next(-70.0, -50.0)).collect()));
        (cell.composition(), params, init)
    }

    /// The block kernel with `R` receptors against the scalar stepper it
    /// replaces (per cell, the operations of [`AdexMulti::step`]:
    /// `Rkf45::apply` with [`dynamics`] until the end of the step, the rule
    /// after every sub-step, the countdown, [`add_input`]): 21 cells (two
    /// full blocks, one of 5 cells and 3 padding lanes), random parameters,
    /// conductance kicks on every receptor and currents, 3000 steps.
    /// Spikes, state, carried step sizes and refractory counts must be
    /// identical bit for bit after every step; the scenario must exercise
    /// spikes (more than 500, some cell twice in a step), refractoriness
    /// (more than 5000 cell steps), adaptation (|w| above 50 pA), the lanes
    /// (more than 5000 cell steps in one sub-step), the scalar fallback
    /// (more than 1000 cell steps of more than one sub-step) and blocks
    /// that skip the lanes (more than 30, fewer than
    /// [`MIN_BLOCK_LANES`] lanes with a whole carried step). The bounds
    /// are well below what the scenario gives (printed).
    fn blocks_case<const R: usize, const N: usize>(receptors: [PostSynapticResponse; R])
    where
        Pn<R>: PnRun<N, Cell = PnCell<R>, Block = PnBlock<R>>,
    {
        let (n, h) = (21, 0.1);
        let mut g = Gen(0x901e_7000_0000_0008 ^ R as u64);
        let (comp, params, init) = random_cells(&receptors, n, &mut g);
        let (m, rec) = constants(&comp, &params, h);
        let mut k = PnBlocks::<R, N>::new(comp, &params, &init, h);
        let mut y: Vec<[f64; N]> = (0..n).map(|i| block_get(&k.s.y, i)).collect();
        let (mut st, mut r) = (vec![h; n], vec![0u32; n]);
        let solver = Rkf45::<N>::derivative(1e-6);
        let (mut n_spikes, mut doubles, mut fallbacks, mut refractory, mut w_max) = (0, 0, 0, 0, 0.0f64);
        let mut skipped = 0;
        for step in 0..3000u64 {
            // Kicks of up to 0.08 uS shared among the receptors: several
            // receptors of that size would push nearly every cell step
            // into sub-steps, leaving the lanes untested.
            let kick = |g: &mut Gen, p: f64| if g.next(0.0, 1.0) < p { g.next(0.0, 0.08 / R as f64) } else { 0.0 };
            let syn: Vec<Vec<f64>> = (0..R).map(|_| (0..n).map(|_| kick(&mut g, 0.2)).collect()).collect();
            let synaptic: Vec<&[f64]> = syn.iter().map(Vec::as_slice).collect();
            let cur: Vec<f64> = (0..n).map(|_| g.next(0.0, 0.8)).collect();
            let input = StepInput { step, synaptic: &synaptic, current: &cur };
            skipped +=
                k.s.step.chunks(LANES).filter(|s| s.iter().filter(|s| **s >= h).count() < MIN_BLOCK_LANES).count();
            let mut out = SpikeOut::new();
            k.step(&input, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let (q, rc) = (&m[i], &rec[i]);
                let i_stim = cur[i] * 1000.0;
                let (mut t, mut calls, mut fired) = (0.0, 0, 0);
                while t < h {
                    let refr = r[i] > 0;
                    solver.apply(&mut y[i], &mut t, h, &mut st[i], &|a: &[f64; N], f: &mut [f64; N]| {
                        dynamics(q, rc, R, refr, i_stim, a, f)
                    });
                    calls += 1;
                    if r[i] > 0 {
                        y[i][0] = q.v_reset;
                    } else if y[i][0] >= q.v_detect {
                        y[i][0] = q.v_reset;
                        y[i][1] += q.b;
                        r[i] = if q.refrac > 0 { q.refrac + 1 } else { 0 };
                        expected.push((i as u32, step + 1));
                        fired += 1;
                    }
                }
                if r[i] > 0 {
                    r[i] -= 1;
                    refractory += 1;
                }
                add_input(&mut y[i], rc, R, &input, i);
                fallbacks += usize::from(calls > 1);
                doubles += usize::from(fired > 1);
                w_max = w_max.max(y[i][1].abs());
                let got = block_get(&k.s.y, i);
                assert_eq!(
                    got.map(f64::to_bits),
                    y[i].map(f64::to_bits),
                    "step {step}, cell {i}: {got:?} vs {:?}",
                    y[i]
                );
                assert_eq!((k.s.step[i].to_bits(), k.s.r[i]), (st[i].to_bits(), r[i]), "step {step}, cell {i}");
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        let whole = 3000 * n - fallbacks;
        eprintln!(
            "{R} receptors: {n_spikes} spikes, {doubles} double, {fallbacks} fallbacks, {whole} whole steps, \
             {skipped} blocks all scalar, {refractory} refractory, |w| <= {w_max}"
        );
        assert!(skipped > 30, "{skipped} blocks skipped the lanes (MIN_BLOCK_LANES)");
        assert!(whole > 5000, "{whole} cell steps taken whole (the lanes' case)");
        assert!(n_spikes > 500, "{n_spikes} spikes");
        assert!(doubles > 0, "no cell spiked twice in a step");
        assert!(fallbacks > 1000, "{fallbacks} cell steps through the scalar fallback");
        assert!(refractory > 5000, "{refractory} refractory cell steps");
        assert!(w_max > 50.0, "adaptation current at most {w_max} pA");
    }

    #[test]
    fn adexp_one_receptor_blocks_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_case::<1, 4>([EXP]));
    }

    #[test]
    fn adexp_two_receptors_blocks_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_case::<2, 6>([ALPHA, SLOW]));
    }

    #[test]
    fn adexp_three_receptors_blocks_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_case::<3, 8>([ALPHA, BETA, EXP]));
    }

    #[test]
    fn adexp_four_receptors_blocks_equal_the_scalar_stepper_bit_for_bit() {
        at_every_width(|| blocks_case::<4, 10>([BETA, EXP, ALPHA, SLOW]));
    }

    /// The block kernel and the scalar [`AdexMulti`] through the whole
    /// `Kernel` interface: 13 cells with two receptors, `initialize` of
    /// `v`, `w` and a conductance on some cells, 400 steps, new parameters
    /// (`set_parameters`), 400 steps, `reset`, 400 steps; spikes and every
    /// recorded variable bit for bit after every step, and at least 50
    /// spikes (the scenario gives several hundred).
    #[test]
    fn block_kernel_equals_the_scalar_kernel_through_the_kernel_interface() {
        let (n, h) = (13, 0.1);
        let mut g = Gen(0x0b10_c4e5);
        let (comp, params, init) = random_cells(&[ALPHA, BETA], n, &mut g);
        let (_, params2, _) = random_cells(&[ALPHA, BETA], n, &mut g);
        let mut a: Box<dyn Kernel> = Box::new(PnBlocks::<2, 6>::new(comp.clone(), &params, &init, h));
        let mut b: Box<dyn Kernel> = Box::new(AdexMulti::<6>::new(comp, &params, &init, h));
        for k in [&mut a, &mut b] {
            k.initialize("v", &[0, 12], &[-52.0, -48.0]).unwrap();
            k.initialize("w", &[3], &[0.2]).unwrap();
            k.initialize("GABA.gsyn", &[5, 8], &[0.01, 0.02]).unwrap();
        }
        let names = ["v", "w", "AMPA.gsyn", "GABA.gsyn"];
        assert_eq!(names.map(|x| a.variable(x)), names.map(|x| b.variable(x)));
        let vars = names.map(|x| a.variable(x).unwrap());
        let all: Vec<usize> = (0..n).collect();
        let mut n_spikes = 0;
        for step in 0..1200u64 {
            if step == 400 {
                a.set_parameters(&params2).unwrap();
                b.set_parameters(&params2).unwrap();
            }
            if step == 800 {
                a.reset();
                b.reset();
            }
            let syn: Vec<Vec<f64>> = (0..2).map(|_| (0..n).map(|_| g.next(0.0, 0.03)).collect()).collect();
            let synaptic: Vec<&[f64]> = syn.iter().map(Vec::as_slice).collect();
            let cur: Vec<f64> = (0..n).map(|_| g.next(0.0, 0.6)).collect();
            let input = StepInput { step, synaptic: &synaptic, current: &cur };
            let (mut sa, mut sb) = (SpikeOut::new(), SpikeOut::new());
            a.step(&input, &mut sa);
            b.step(&input, &mut sb);
            assert_eq!(sa, sb, "step {step}");
            n_spikes += sa.len();
            for var in vars {
                let (mut x, mut z) = (Vec::new(), Vec::new());
                a.read(var, &all, &mut x);
                b.read(var, &all, &mut z);
                assert_eq!(
                    x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    z.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "step {step}, variable {var}"
                );
            }
        }
        assert!(n_spikes >= 50, "{n_spikes} spikes");
        assert!(a.initialize("x", &[0], &[1.0]).is_err());
    }

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
