//! Native kernel of `GIF_cond_exp` (NEST `gif_cond_exp`).
//!
//! Follows NEST 3.10's `gif_cond_exp::update()` (`models/gif_cond_exp.cpp`)
//! step for step, in NEST's units (mV, nS, pF, pA):
//!
//! 1. the spike-triggered current `stc` (PyNN `i_eta`) and the threshold
//!    `sfa = V_T_star + sum of elements` (PyNN `v_t`) are summed from their
//!    elements, then every element decays by `exp(-dt / tau)` (exact);
//! 2. `(V, g_ex, g_in)` is integrated over the step by the adaptive RKF45
//!    (`gsl_odeiv_control_y_new(gsl_error_tol = 1e-3, 0)`), `stc` constant;
//!    while refractory `V` enters the currents as `V_reset` and does not move;
//! 3. the step's synaptic input is added to the conductances;
//! 4. a non-refractory cell spikes with probability
//!    `1 - exp(-lambda dt)`, `lambda = lambda_0 exp((V - sfa) / Delta_V)`
//!    (one uniform number drawn only when `lambda > 0`); a spike adds
//!    `q_stc`/`q_sfa` to the elements and starts `t_ref` steps of
//!    refractoriness; a refractory cell counts down and is set to `V_reset`.
//!
//! The uniform numbers come from one ChaCha8 stream per cell keyed by
//! (session seed, population, `"gif"`), sub-stream = index of the cell in the
//! population (not in the engine's shard: [`BuildContext::first_cell`]), so
//! results depend neither on the thread count nor on how the engine cuts the
//! population; the streams continue across `reset()`
//! (a repeated trial sees fresh noise, as with the Poisson sources).

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::Rkf45;
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};
use pynn_core::{Error, GIF_cond_exp, Result};
use rand::RngExt;

/// NEST's default `gsl_error_tol` for `gif_cond_exp`.
const GSL_ERROR_TOL: f64 = 1e-3;

/// Per-cell constants in NEST's units.
#[derive(Debug, Clone)]
struct GifParams {
    g_l: f64,
    e_l: f64,
    v_reset: f64,
    delta_v: f64,
    v_t_star: f64,
    /// Escape rate at threshold (1/ms).
    lambda_0: f64,
    e_ex: f64,
    e_in: f64,
    tau_e: f64,
    tau_i: f64,
    c_m: f64,
    i_e: f64,
    refrac: u32,
    /// Per element: decay factor over one step and jump (pA).
    p_stc: Vec<f64>,
    q_stc: Vec<f64>,
    /// Per element: decay factor over one step and jump (mV).
    p_sfa: Vec<f64>,
    q_sfa: Vec<f64>,
}

/// Per-cell constants of the cells of `p`, the first being cell `first` of
/// the population (for messages).
fn params(p: &ParamTable, dt: f64, label: &str, first: usize) -> Result<Vec<GifParams>> {
    let col = |n: &str| p.scalar(n);
    let seq = |n: &str| p.sequence(n);
    (0..p.size())
        .map(|i| {
            let (tau_eta, a_eta) = (&seq("tau_eta")[i], &seq("a_eta")[i]);
            let (tau_gamma, a_gamma) = (&seq("tau_gamma")[i], &seq("a_gamma")[i]);
            for (t, a, tn, an) in [(tau_eta, a_eta, "tau_eta", "a_eta"), (tau_gamma, a_gamma, "tau_gamma", "a_gamma")] {
                if t.len() != a.len() {
                    return Err(Error::invalid_value(
                        format!("population \"{label}\" (GIF_cond_exp), cell {}", first + i),
                        an,
                        format!("{a:?}"),
                        format!("a sequence as long as `{tn}` ({} values)", t.len()),
                    ));
                }
            }
            let (cm, tau_m) = (col("cm")[i], col("tau_m")[i]);
            Ok(GifParams {
                // PyNN -> NEST (pyNN/nest/standardmodels/cells.py, GIF_cond_exp):
                // g_L = cm / tau_m * 1000 nS, C_m = cm * 1000 pF, I_e and q_stc
                // nA -> pA; lambda_0 is given in 1/s (Hz) and used per ms.
                g_l: cm / tau_m * 1000.0,
                e_l: col("v_rest")[i],
                v_reset: col("v_reset")[i],
                delta_v: col("delta_v")[i],
                v_t_star: col("v_t_star")[i],
                lambda_0: col("lambda0")[i] / 1000.0,
                e_ex: col("e_rev_E")[i],
                e_in: col("e_rev_I")[i],
                tau_e: col("tau_syn_E")[i],
                tau_i: col("tau_syn_I")[i],
                c_m: cm * 1000.0,
                i_e: col("i_offset")[i] * 1000.0,
                refrac: refractory_steps(col("tau_refrac")[i], dt),
                p_stc: tau_eta.iter().map(|t| (-dt / t).exp()).collect(),
                q_stc: a_eta.iter().map(|a| a * 1000.0).collect(),
                p_sfa: tau_gamma.iter().map(|t| (-dt / t).exp()).collect(),
                q_sfa: a_gamma.clone(),
            })
        })
        .collect()
}

/// Native kernel of [`GIF_cond_exp`]: state `(V, g_ex, g_in)` per cell plus
/// the adaptation elements.
pub struct GifCondExp {
    dt: f64,
    label: String,
    /// Index in the population of the first cell.
    first: usize,
    p: Vec<GifParams>,
    y: Vec<[f64; 3]>,
    step: Vec<f64>,
    r: Vec<u32>,
    stc_elems: Vec<Vec<f64>>,
    sfa_elems: Vec<Vec<f64>>,
    /// Current `stc` (pA) and `sfa` (mV), as last summed.
    stc: Vec<f64>,
    sfa: Vec<f64>,
    rngs: Vec<SimRng>,
    init: Vec<[f64; 5]>,
}

impl NativeCell for GIF_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let n = params.size();
        let p = self::params(params, ctx.dt, &ctx.label, ctx.first_cell)?;
        let col = |name: &str| initial.scalar(name);
        let init: Vec<[f64; 5]> = (0..n)
            .map(|i| {
                [
                    col("v")[i],
                    col("gsyn_exc")[i] * 1000.0,
                    col("gsyn_inh")[i] * 1000.0,
                    col("i_eta")[i] * 1000.0,
                    col("v_t")[i],
                ]
            })
            .collect();
        let base = Streams::new(ctx.seed).rng(ObjectKind::Population, ctx.population as u64, "gif", 0);
        let rngs = (0..n)
            .map(|i| {
                let mut r = base.clone();
                r.set_stream((ctx.first_cell + i) as u64);
                r
            })
            .collect();
        let mut k = GifCondExp {
            dt: ctx.dt,
            label: ctx.label.clone(),
            first: ctx.first_cell,
            stc_elems: p.iter().map(|q| vec![0.0; q.p_stc.len()]).collect(),
            sfa_elems: p.iter().map(|q| vec![0.0; q.p_sfa.len()]).collect(),
            p,
            y: vec![[0.0; 3]; n],
            step: vec![ctx.dt; n],
            r: vec![0; n],
            stc: vec![0.0; n],
            sfa: vec![0.0; n],
            rngs,
            init,
        };
        k.reset();
        Ok(Box::new(k))
    }
}

const VARIABLES: [&str; 5] = ["v", "gsyn_exc", "gsyn_inh", "i_eta", "v_t"];

impl Kernel for GifCondExp {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let solver = Rkf45::<3>::absolute(GSL_ERROR_TOL);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let h = self.dt;
        for i in 0..self.y.len() {
            let p = &self.p[i];
            // 1. Adaptation: sum, then decay (exact).
            let mut stc = 0.0;
            for (e, d) in self.stc_elems[i].iter_mut().zip(&p.p_stc) {
                stc += *e;
                *e *= d;
            }
            let mut sfa = p.v_t_star;
            for (e, d) in self.sfa_elems[i].iter_mut().zip(&p.p_sfa) {
                sfa += *e;
                *e *= d;
            }
            self.stc[i] = stc;
            self.sfa[i] = sfa;
            // 2. Membrane and conductances.
            let refractory = self.r[i] > 0;
            let i_stim = cur[i] * 1000.0;
            solver.advance(&mut self.y[i], h, &mut self.step[i], |y, f| {
                let v = if refractory { p.v_reset } else { y[0] };
                let i_syn = y[1] * (v - p.e_ex) + y[2] * (v - p.e_in);
                let i_l = p.g_l * (v - p.e_l);
                f[0] = if refractory { 0.0 } else { (-i_l + i_stim + p.i_e - i_syn - stc) / p.c_m };
                f[1] = -y[1] / p.tau_e;
                f[2] = -y[2] / p.tau_i;
            });
            // 3. Synaptic input.
            let y = &mut self.y[i];
            y[1] += ex[i] * 1000.0;
            y[2] += inh[i] * 1000.0;
            // 4. Escape noise, or refractoriness.
            if self.r[i] == 0 {
                let lambda = p.lambda_0 * ((y[0] - sfa) / p.delta_v).exp();
                if lambda > 0.0 {
                    let u: f64 = self.rngs[i].random();
                    if u < -(-lambda * h).exp_m1() {
                        for (e, q) in self.stc_elems[i].iter_mut().zip(&p.q_stc) {
                            *e += q;
                        }
                        for (e, q) in self.sfa_elems[i].iter_mut().zip(&p.q_sfa) {
                            *e += q;
                        }
                        self.r[i] = p.refrac;
                        spikes.push((i as u32, input.step + 1));
                    }
                }
            } else {
                self.r[i] -= 1;
                y[0] = p.v_reset;
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.p = self::params(params, self.dt, &self.label, self.first)?;
        // As NEST's pre_run_hook: element vectors keep their values, resized.
        for (i, p) in self.p.iter().enumerate() {
            self.stc_elems[i].resize(p.p_stc.len(), 0.0);
            self.sfa_elems[i].resize(p.p_sfa.len(), 0.0);
        }
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let Some(k) = VARIABLES.iter().position(|v| *v == name) else {
            return Err(Error::unknown_name("native GIF_cond_exp", "state variable", name, VARIABLES));
        };
        let scale = if matches!(k, 1..=3) { 1000.0 } else { 1.0 };
        for (c, v) in cells.iter().zip(values) {
            self.init[*c][k] = v * scale;
            match k {
                0..=2 => self.y[*c][k] = v * scale,
                3 => self.stc[*c] = v * scale,
                _ => self.sfa[*c] = v * scale,
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            let s = self.init[i];
            self.y[i] = [s[0], s[1], s[2]];
            self.stc[i] = s[3];
            self.sfa[i] = s[4];
            self.stc_elems[i].iter_mut().for_each(|e| *e = 0.0);
            self.sfa_elems[i].iter_mut().for_each(|e| *e = 0.0);
        }
        self.step.iter_mut().for_each(|s| *s = self.dt);
        self.r.iter_mut().for_each(|r| *r = 0);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        VARIABLES.iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match var {
            0..=2 => {
                let scale = if var == 0 { 1.0 } else { 1e-3 };
                out.extend(cells.iter().map(|c| self.y[*c][var] * scale));
            }
            3 => out.extend(cells.iter().map(|c| self.stc[*c] * 1e-3)),
            _ => out.extend(cells.iter().map(|c| self.sfa[*c])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pynn_core::cells::CellType;

    fn build(n: usize, first_cell: usize) -> Box<dyn Kernel> {
        let params = ParamTable::defaults(GIF_cond_exp::PARAMETERS, n);
        let initial = ParamTable::defaults(GIF_cond_exp::STATE, n);
        let ctx = BuildContext { dt: 0.1, seed: 7, population: 3, label: "gif".into(), first_cell, composition: None };
        <GIF_cond_exp as NativeCell>::build(&params, &initial, &ctx).expect("defaults are valid")
    }

    /// Runs kernels covering consecutive cells under a 1 nA drive; spikes as
    /// (population cell, step).
    fn run(mut parts: Vec<(usize, Box<dyn Kernel>, usize)>) -> Vec<(u32, u64)> {
        let mut all = Vec::new();
        for step in 0..1000 {
            for (first, k, n) in &mut parts {
                let zero = vec![0.0; *n];
                let current = vec![1.0; *n];
                let synaptic: [&[f64]; 2] = [&zero, &zero];
                let mut out = SpikeOut::new();
                k.step(&StepInput { step, synaptic: &synaptic, current: &current }, &mut out);
                all.extend(out.iter().map(|&(c, s)| (*first as u32 + c, s)));
            }
        }
        all.sort_by_key(|&(c, s)| (s, c));
        all
    }

    #[test]
    fn escape_noise_is_keyed_by_population_cell_not_by_shard() {
        let whole = run(vec![(0, build(1030, 0), 1030)]);
        let cut = run(vec![(0, build(512, 0), 512), (512, build(512, 512), 512), (1024, build(6, 1024), 6)]);
        assert!(whole.len() > 1000, "{} spikes", whole.len());
        assert_eq!(whole, cut);
    }
}
