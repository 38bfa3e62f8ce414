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
//! The conductance-based kernels take the common case of the integration
//! (one accepted RKF45 step of size `dt`) [`LANES`] cells at once
//! ([`Rkf45::first_step_lanes`]), bit-identical to the scalar stepper, and
//! fall back to it cell by cell; compiled for the widest instruction set
//! the CPU has (AVX-512F, AVX2 or the baseline, all bit-identical).
//!
//! `AdExp` with current receptors is refused with an error (neither NEST
//! nor PyNN has it).
//! Up to [`MAX_CONDUCTANCE_RECEPTORS`] conductance receptors (the state
//! vector is a fixed-size array per cell).

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::{p32, refractory_steps};
use super::rkf45::{LANES, Lanes, Rkf45, System};
use super::simd::{Real, V8};
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
    /// Scratch: which cells the vector lanes advanced this step.
    done: Vec<bool>,
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
        let mut s = AdexMulti {
            comp,
            dt,
            m: vec![],
            rec: vec![],
            y: init.clone(),
            step: vec![dt; n],
            r: vec![0; n],
            init,
            done: vec![false; n],
        };
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

/// One cell's (`T = f64`) or [`LANES`] cells' (`T = V8`) constants of the
/// right-hand side during a step.
#[derive(Clone, Copy)]
struct Consts<T: Real> {
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
    /// Injected current (pA).
    i_stim: T,
    e_rev: [T; MAX_CONDUCTANCE_RECEPTORS],
    tau_1: [T; MAX_CONDUCTANCE_RECEPTORS],
    tau_2: [T; MAX_CONDUCTANCE_RECEPTORS],
    /// Per receptor: exponential (no `dg`).
    is_exp: [T::Mask; MAX_CONDUCTANCE_RECEPTORS],
    refractory: T::Mask,
    lif: T::Mask,
    /// LIF membrane or `delta_T == 0`: no exponential term.
    no_spike_term: T::Mask,
}

impl Consts<f64> {
    #[inline(always)]
    fn of(m: &Membrane, rec: &[Receptor; MAX_CONDUCTANCE_RECEPTORS], refractory: bool, i_stim: f64) -> Self {
        Consts {
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
            i_stim,
            e_rev: rec.map(|r| r.e_rev),
            tau_1: rec.map(|r| r.tau_1),
            tau_2: rec.map(|r| r.tau_2),
            is_exp: rec.map(|r| r.kind == Some(PsrKind::CondExp)),
            refractory,
            lif: m.lif,
            no_spike_term: m.lif || m.delta_t == 0.0,
        }
    }
}

/// The right-hand side of `nr` receptors, written once for one cell and for
/// [`LANES`] cells.
#[inline(always)]
fn dynamics<T: Real, const N: usize>(c: &Consts<T>, nr: usize, y: &[T; N], f: &mut [T; N]) {
    let zero = T::splat(0.0);
    let v = T::select(c.refractory, c.v_reset, y[0].min(c.v_peak));
    let w = y[1];
    let mut i_syn = zero;
    for k in 0..nr {
        i_syn = i_syn + y[3 + 2 * k] * (c.e_rev[k] - v);
    }
    let i_spike = T::select(c.no_spike_term, zero, c.g_l * c.delta_t * ((v - c.v_th) / c.delta_t).exp());
    f[0] = T::select(c.refractory, zero, (-c.g_l * (v - c.e_l) + i_spike + i_syn - w + c.i_e + c.i_stim) / c.c_m);
    f[1] = T::select(c.lif, zero, (c.a * (v - c.e_l) - w) / c.tau_w);
    for k in 0..nr {
        let (dg, g) = (y[2 + 2 * k], y[3 + 2 * k]);
        f[2 + 2 * k] = T::select(c.is_exp[k], zero, -dg / c.tau_1[k]);
        f[3 + 2 * k] = T::select(c.is_exp[k], -g / c.tau_2[k], dg - g / c.tau_2[k]);
    }
}

/// The right-hand side of every cell of a kernel during one step.
struct PointSystem<'a> {
    m: &'a [Membrane],
    rec: &'a [[Receptor; MAX_CONDUCTANCE_RECEPTORS]],
    r: &'a [u32],
    /// Injected currents (nA).
    cur: &'a [f64],
    nr: usize,
}

impl<const N: usize> System<N> for PointSystem<'_> {
    type Chunk = Consts<V8>;

    #[inline(always)]
    fn chunk(&self, i0: usize) -> Consts<V8> {
        let (m, rec) = (&self.m[i0..i0 + LANES], &self.rec[i0..i0 + LANES]);
        let (r, cur) = (&self.r[i0..i0 + LANES], &self.cur[i0..i0 + LANES]);
        macro_rules! col {
            ($f:ident) => {{
                let mut x = [0.0; LANES];
                for l in 0..LANES {
                    x[l] = m[l].$f;
                }
                V8(x)
            }};
        }
        macro_rules! rcol {
            ($f:ident) => {{
                let mut x = [V8([0.0; LANES]); MAX_CONDUCTANCE_RECEPTORS];
                for k in 0..MAX_CONDUCTANCE_RECEPTORS {
                    for l in 0..LANES {
                        x[k].0[l] = rec[l][k].$f;
                    }
                }
                x
            }};
        }
        let (mut i_stim, mut refractory, mut lif, mut no_spike_term) =
            ([0.0; LANES], [false; LANES], [false; LANES], [false; LANES]);
        let mut is_exp = [[false; LANES]; MAX_CONDUCTANCE_RECEPTORS];
        for l in 0..LANES {
            i_stim[l] = cur[l] * 1000.0;
            refractory[l] = r[l] > 0;
            lif[l] = m[l].lif;
            no_spike_term[l] = m[l].lif || m[l].delta_t == 0.0;
            for k in 0..MAX_CONDUCTANCE_RECEPTORS {
                is_exp[k][l] = rec[l][k].kind == Some(PsrKind::CondExp);
            }
        }
        Consts {
            v_peak: col!(v_peak),
            v_reset: col!(v_reset),
            e_l: col!(e_l),
            g_l: col!(g_l),
            c_m: col!(c_m),
            i_e: col!(i_e),
            a: col!(a),
            delta_t: col!(delta_t),
            tau_w: col!(tau_w),
            v_th: col!(v_th),
            i_stim: V8(i_stim),
            e_rev: rcol!(e_rev),
            tau_1: rcol!(tau_1),
            tau_2: rcol!(tau_2),
            is_exp,
            refractory,
            lif,
            no_spike_term,
        }
    }

    #[inline(always)]
    fn lanes(&self, c: &Consts<V8>, y: &[Lanes; N], f: &mut [Lanes; N]) {
        let mut d = [V8([0.0; LANES]); N];
        dynamics(c, self.nr, &y.map(V8), &mut d);
        for k in 0..N {
            f[k] = d[k].0;
        }
    }

    #[inline(always)]
    fn cell(&self, i: usize, y: &[f64; N], f: &mut [f64; N]) {
        dynamics(&Consts::of(&self.m[i], &self.rec[i], self.r[i] > 0, self.cur[i] * 1000.0), self.nr, y, f);
    }
}

/// What the lane pass of one step reads and writes.
struct PointIo<'a, const N: usize> {
    h: f64,
    sys: PointSystem<'a>,
    y: &'a mut [[f64; N]],
    step: &'a mut [f64],
    /// Per cell: whether the lanes took its whole step (else the scalar loop must).
    done: &'a mut [bool],
}

/// The LIF membrane: every cell integrated over the step
/// ([`Rkf45::integrate_cells`]); marks every cell done. The AdExp membrane:
/// the first sub-step of every full chunk of [`LANES`] cells through
/// [`Rkf45::first_step_lanes`]; a lane it accepts has its whole step done
/// (state, step size `h`) and is marked in `done`, the others and the tail
/// are left to the scalar loop (which detects spikes after every sub-step).
#[inline(always)]
fn lanes_body<const N: usize>(io: PointIo<'_, N>) {
    let (h, sys, y, step, done) = (io.h, io.sys, io.y, io.step, io.done);
    let n = y.len();
    if sys.m.first().is_some_and(|m| m.lif) {
        Rkf45::<N>::absolute(LIF_EPS_ABS).integrate_cells(&sys, h, y, step);
        done[..n].iter_mut().for_each(|d| *d = true);
        return;
    }
    let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
    done[..n].iter_mut().for_each(|d| *d = false);
    for i0 in (0..n - n % LANES).step_by(LANES) {
        let mut y0 = [[0.0; LANES]; N];
        let mut steps = [0.0; LANES];
        for l in 0..LANES {
            for c in 0..N {
                y0[c][l] = y[i0 + l][c];
            }
            steps[l] = step[i0 + l];
        }
        let (y1, ok) = solver.first_step_lanes(&sys, i0, &y0, h, &steps);
        for l in 0..LANES {
            if ok[l] {
                for c in 0..N {
                    y[i0 + l][c] = y1[c][l];
                }
                step[i0 + l] = h;
                done[i0 + l] = true;
            }
        }
    }
}

/// [`lanes_body`] compiled for AVX-512F or AVX2 when the CPU has it (and
/// [`super::simd::with_isa_limit`] allows it): `dispatch!` written out for
/// the const parameter.
fn lanes<const N: usize>(io: PointIo<'_, N>) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        fn wider<const N: usize>(io: PointIo<'_, N>) {
            lanes_body(io)
        }
        #[target_feature(enable = "avx2")]
        fn wide<const N: usize>(io: PointIo<'_, N>) {
            lanes_body(io)
        }
        if super::simd::avx512() {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { wider(io) };
        }
        if super::simd::avx2() {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { wide(io) };
        }
    }
    lanes_body(io)
}

impl<const N: usize> AdexMulti<N> {
    /// The lane pass of a step ([`lanes`]).
    fn run_lanes(&mut self, input: &StepInput<'_>) {
        let n = self.y.len();
        self.done.resize(n, false);
        let sys = PointSystem {
            m: &self.m,
            rec: &self.rec,
            r: &self.r,
            cur: &input.current[..n],
            nr: self.comp.receptors.len(),
        };
        lanes(PointIo { h: self.dt, sys, y: &mut self.y, step: &mut self.step, done: &mut self.done });
    }

    /// The LIF membrane: NEST's `iaf_cond_exp` update (integrate the whole
    /// step, add the input, then refractoriness or threshold).
    fn step_lif(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let nr = self.comp.receptors.len();
        self.run_lanes(input);
        for i in 0..self.y.len() {
            let (m, rec) = (&self.m[i], &self.rec[i]);
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
        self.run_lanes(input);
        for i in 0..self.y.len() {
            let (m, rec) = (&self.m[i], &self.rec[i]);
            let i_stim = input.current[i] * 1000.0;
            // Cells the lanes advanced are at the end of their (single) sub-step.
            let mut t = if self.done[i] { h } else { 0.0 };
            let mut first = self.done[i];
            while first || t < h {
                if !first {
                    let c = Consts::of(m, rec, self.r[i] > 0, i_stim);
                    solver.apply(&mut self.y[i], &mut t, h, &mut self.step[i], &|y: &[f64; N], f: &mut [f64; N]| {
                        dynamics(&c, nr, y, f)
                    });
                }
                first = false;
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

    /// The right-hand side as the kernel wrote it before the lane path
    /// (scalar, one cell): the oracle of the lanes.
    fn scalar_dynamics<const N: usize>(
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
        let i_spike =
            if m.lif || m.delta_t == 0.0 { 0.0 } else { m.g_l * m.delta_t * ((v - m.v_th) / m.delta_t).exp() };
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

    /// A small deterministic generator (xorshift64*), uniform in `[lo, hi)`.
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

    /// One kernel of 21 cells (two chunks of 8 through the lanes, a scalar
    /// tail of 5) with random membranes and receptors `kinds`, against the
    /// step as written before the lane path (scalar RKF45 per cell with
    /// [`scalar_dynamics`], spike detection after every sub-step for AdExp,
    /// once per step for LIF), over 800 steps with random currents and
    /// conductance kicks (`kick` uS at most): spikes (cell, step), the state,
    /// step sizes and refractory counts must be identical bit for bit after
    /// every step; the lanes must take most cell steps, the scalar fallback
    /// many, and cells must spike.
    fn lanes_equal_the_scalar_kernel<const N: usize>(lif: bool, kinds: &[PsrKind], kick: f64, cur_max: f64) {
        let (n, h, nr) = (21, 0.1, kinds.len());
        let mut g = Gen(0x7031_1234_5678_9abc ^ u64::from(lif));
        let m: Vec<Membrane> = (0..n)
            .map(|_| {
                if lif {
                    let v_th = g.next(-55.0, -48.0);
                    Membrane {
                        lif,
                        v_peak: v_th,
                        v_detect: v_th,
                        v_reset: -65.0,
                        e_l: g.next(-70.0, -60.0),
                        g_l: g.next(10.0, 60.0),
                        c_m: g.next(20.0, 300.0),
                        i_e: g.next(0.0, 300.0),
                        v_th,
                        refrac: 20,
                        tau_w: 1.0,
                        ..Membrane::default()
                    }
                } else {
                    Membrane {
                        lif,
                        v_peak: -40.0,
                        v_detect: -40.0,
                        v_reset: -70.6,
                        e_l: -70.6,
                        g_l: g.next(20.0, 40.0),
                        c_m: g.next(150.0, 300.0),
                        i_e: g.next(0.0, 300.0),
                        a: g.next(0.0, 8.0),
                        b: g.next(0.0, 100.0),
                        delta_t: g.next(1.0, 3.0),
                        tau_w: g.next(50.0, 200.0),
                        v_th: -50.4,
                        refrac: 20,
                    }
                }
            })
            .collect();
        let rec: Vec<[Receptor; MAX_CONDUCTANCE_RECEPTORS]> = (0..n)
            .map(|_| {
                let mut r = [Receptor::default(); MAX_CONDUCTANCE_RECEPTORS];
                for (k, kind) in kinds.iter().enumerate() {
                    let (t1, t2) = (g.next(0.2, 3.0), g.next(0.5, 8.0));
                    let (t1, t2) = if *kind == PsrKind::CondBeta { (t1.min(t2 * 0.5), t2) } else { (t2, t2) };
                    let e_rev = if k % 2 == 0 { 0.0 } else { -80.0 };
                    r[k] = Receptor { kind: Some(*kind), e_rev, tau_1: t1, tau_2: t2, g0: beta_normalization(t1, t2) };
                }
                r
            })
            .collect();
        let names = ["A", "B", "C", "D", "E", "F", "G", "H"];
        let comp = Composition {
            neuron: if lif { NeuronKind::LIF } else { NeuronKind::AdExp },
            receptors: kinds.iter().enumerate().map(|(k, kind)| (names[k], *kind)).collect(),
        };
        let y0: Vec<[f64; N]> =
            (0..n).map(|_| std::array::from_fn(|c| if c == 0 { g.next(-70.0, -55.0) } else { 0.0 })).collect();
        let mut k = AdexMulti::<N> {
            comp,
            dt: h,
            m: m.clone(),
            rec: rec.clone(),
            y: y0.clone(),
            step: vec![h; n],
            r: vec![0; n],
            init: y0.clone(),
            done: vec![false; n],
        };
        let (mut y, mut st, mut r) = (y0, vec![h; n], vec![0u32; n]);
        let solver = if lif { Rkf45::<N>::absolute(LIF_EPS_ABS) } else { Rkf45::<N>::derivative(GSL_ERROR_TOL) };
        let (mut substeps, mut one_step, mut n_spikes) = (0, 0, 0);
        for step in 0..800u64 {
            let syn: Vec<Vec<f64>> = (0..nr)
                .map(|_| (0..n).map(|_| if g.next(0.0, 1.0) < 0.05 { g.next(0.0, kick) } else { 0.0 }).collect())
                .collect();
            let synaptic: Vec<&[f64]> = syn.iter().map(Vec::as_slice).collect();
            let cur: Vec<f64> = (0..n).map(|_| g.next(0.0, cur_max)).collect();
            let input = StepInput { step, synaptic: &synaptic, current: &cur };
            let mut out = SpikeOut::new();
            k.step(&input, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let i_stim = cur[i] * 1000.0;
                let (mut t, mut calls) = (0.0, 0);
                while t < h {
                    let refractory = r[i] > 0;
                    solver.apply(&mut y[i], &mut t, h, &mut st[i], &|a: &[f64; N], b: &mut [f64; N]| {
                        scalar_dynamics(&m[i], &rec[i], nr, refractory, i_stim, a, b)
                    });
                    calls += 1;
                    if !lif {
                        if r[i] > 0 {
                            y[i][0] = m[i].v_reset;
                        } else if y[i][0] >= m[i].v_detect {
                            y[i][0] = m[i].v_reset;
                            y[i][1] += m[i].b;
                            r[i] = if m[i].refrac > 0 { m[i].refrac + 1 } else { 0 };
                            expected.push((i as u32, step + 1));
                        }
                    }
                }
                substeps += calls;
                one_step += usize::from(calls == 1 && i < 16);
                if lif {
                    add_input(&mut y[i], &rec[i], nr, &input, i);
                    if r[i] > 0 {
                        r[i] -= 1;
                        y[i][0] = m[i].v_reset;
                    } else if y[i][0] >= m[i].v_th {
                        r[i] = m[i].refrac;
                        y[i][0] = m[i].v_reset;
                        expected.push((i as u32, step + 1));
                    }
                } else {
                    if r[i] > 0 {
                        r[i] -= 1;
                    }
                    add_input(&mut y[i], &rec[i], nr, &input, i);
                }
                assert_eq!(k.y[i].map(f64::to_bits), y[i].map(f64::to_bits), "step {step}, cell {i}");
                assert_eq!((k.step[i].to_bits(), k.r[i]), (st[i].to_bits(), r[i]), "step {step}, cell {i}");
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        assert!(one_step > 16 * 800 / 2, "{one_step} single-step cell steps in the lane chunks");
        assert!(substeps > n * 800 + 300, "{substeps} sub-steps: the scalar fallback was not exercised");
        assert!(n_spikes > 100, "{n_spikes} spikes");
    }

    #[test]
    fn adexp_lanes_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(|| {
            lanes_equal_the_scalar_kernel::<8>(
                false,
                &[PsrKind::CondAlpha, PsrKind::CondBeta, PsrKind::CondExp],
                0.05,
                0.6,
            )
        });
    }

    #[test]
    fn lif_lanes_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(|| lanes_equal_the_scalar_kernel::<6>(true, &[PsrKind::CondExp, PsrKind::CondAlpha], 0.6, 1.2));
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
