//! Native kernel of `HH_cond_exp`, step for step as NEST 3.10's
//! `hh_cond_exp_traub` (`models/hh_cond_exp_traub.cpp`, `update()`): RKF45
//! over the step (absolute tolerance 1e-3, NEST's units), input conductance
//! added, then a spike is registered when `v >= v_offset + 30 mV` and `v` is
//! below its value at the start of the step, unless within the dead time.
//!
//! The common case of the integration (one accepted RKF45 step of size `dt`)
//! runs [`LANES`] cells at once ([`Rkf45::integrate_cells`]), bit-identical
//! to the scalar stepper at every width (AVX-512F, AVX2, baseline). HH's
//! six state components exposed an LLVM 22 miscompilation of a `maxnum`
//! error norm under AVX-512F, avoided in [`Rkf45::first_step_lanes`].

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use super::propagators::refractory_steps;
use super::rkf45::{LANES, Lanes, Rkf45, System};
use super::simd::{Real, V8, dispatch};
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, HH_cond_exp, Result};

/// NEST's default dead time after a spike (`t_ref`, ms).
const T_REF: f64 = 2.0;

/// NEST's absolute tolerance of the RKF45 error control (`gsl_error_tol`).
const EPS_ABS: f64 = 1e-3;

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

/// One cell's (`T = f64`) or [`LANES`] cells' (`T = V8`) constants of the
/// right-hand side during a step.
#[derive(Clone, Copy)]
struct Consts<T: Real> {
    g_na: T,
    g_k: T,
    g_l: T,
    c_m: T,
    v_t: T,
    e_na: T,
    e_k: T,
    e_l: T,
    e_ex: T,
    e_in: T,
    tau_e: T,
    tau_i: T,
    i_e: T,
    /// Injected current (pA).
    i_stim: T,
}

impl Consts<f64> {
    #[inline(always)]
    fn of(p: &HhParams, i_stim: f64) -> Self {
        Consts {
            g_na: p.g_na,
            g_k: p.g_k,
            g_l: p.g_l,
            c_m: p.c_m,
            v_t: p.v_t,
            e_na: p.e_na,
            e_k: p.e_k,
            e_l: p.e_l,
            e_ex: p.e_ex,
            e_in: p.e_in,
            tau_e: p.tau_e,
            tau_i: p.tau_i,
            i_e: p.i_e,
            i_stim,
        }
    }
}

/// NEST's `hh_cond_exp_traub_dynamics`, written once for one cell and for
/// [`LANES`] cells.
#[inline(always)]
fn dynamics<T: Real>(p: &Consts<T>, y: &[T; 6], f: &mut [T; 6]) {
    let k = T::splat;
    let (v, m, h, n) = (y[0], y[1], y[2], y[3]);
    let i_na = p.g_na * m * m * m * h * (v - p.e_na);
    let i_k = p.g_k * n * n * n * n * (v - p.e_k);
    let i_l = p.g_l * (v - p.e_l);
    let i_syn = y[4] * (v - p.e_ex) + y[5] * (v - p.e_in);
    f[0] = (-i_na - i_k - i_l - i_syn + p.i_stim + p.i_e) / p.c_m;
    let u = v - p.v_t;
    let alpha_n = k(0.032) * (k(15.0) - u) / (((k(15.0) - u) / k(5.0)).exp() - k(1.0));
    let beta_n = k(0.5) * ((k(10.0) - u) / k(40.0)).exp();
    let alpha_m = k(0.32) * (k(13.0) - u) / (((k(13.0) - u) / k(4.0)).exp() - k(1.0));
    let beta_m = k(0.28) * (u - k(40.0)) / (((u - k(40.0)) / k(5.0)).exp() - k(1.0));
    let alpha_h = k(0.128) * ((k(17.0) - u) / k(18.0)).exp();
    let beta_h = k(4.0) / (k(1.0) + ((k(40.0) - u) / k(5.0)).exp());
    f[1] = alpha_m - (alpha_m + beta_m) * m;
    f[2] = alpha_h - (alpha_h + beta_h) * h;
    f[3] = alpha_n - (alpha_n + beta_n) * n;
    f[4] = -y[4] / p.tau_e;
    f[5] = -y[5] / p.tau_i;
}

/// The right-hand side of every cell of a kernel during one step: the
/// cells' parameters and injected currents (nA).
struct HhSystem<'a> {
    p: &'a [HhParams],
    cur: &'a [f64],
}

impl System<6> for HhSystem<'_> {
    type Chunk = Consts<V8>;

    #[inline(always)]
    fn chunk(&self, i0: usize) -> Consts<V8> {
        let (p, cur) = (&self.p[i0..i0 + LANES], &self.cur[i0..i0 + LANES]);
        macro_rules! col {
            ($f:ident) => {{
                let mut x = [0.0; LANES];
                for l in 0..LANES {
                    x[l] = p[l].$f;
                }
                V8(x)
            }};
        }
        let mut i_stim = [0.0; LANES];
        for l in 0..LANES {
            i_stim[l] = cur[l] * 1000.0;
        }
        Consts {
            g_na: col!(g_na),
            g_k: col!(g_k),
            g_l: col!(g_l),
            c_m: col!(c_m),
            v_t: col!(v_t),
            e_na: col!(e_na),
            e_k: col!(e_k),
            e_l: col!(e_l),
            e_ex: col!(e_ex),
            e_in: col!(e_in),
            tau_e: col!(tau_e),
            tau_i: col!(tau_i),
            i_e: col!(i_e),
            i_stim: V8(i_stim),
        }
    }

    #[inline(always)]
    fn lanes(&self, c: &Consts<V8>, y: &[Lanes; 6], f: &mut [Lanes; 6]) {
        let mut d = [V8([0.0; LANES]); 6];
        dynamics(c, &y.map(V8), &mut d);
        for k in 0..6 {
            f[k] = d[k].0;
        }
    }

    #[inline(always)]
    fn cell(&self, i: usize, y: &[f64; 6], f: &mut [f64; 6]) {
        dynamics(&Consts::of(&self.p[i], self.cur[i] * 1000.0), y, f);
    }
}

/// What the integration of one step reads and writes.
struct HhIo<'a> {
    h: f64,
    p: &'a [HhParams],
    cur: &'a [f64],
    y: &'a mut [[f64; 6]],
    step: &'a mut [f64],
}

/// Integrates every cell over one step ([`Rkf45::integrate_cells`]).
#[inline(always)]
fn integrate_body(io: HhIo<'_>) {
    let sys = HhSystem { p: io.p, cur: io.cur };
    Rkf45::<6>::absolute(EPS_ABS).integrate_cells(&sys, io.h, io.y, io.step);
}

dispatch! {
    fn integrate(io: HhIo<'_>) -> () = integrate_body;
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
    /// Scratch: every cell's `v` at the start of the step.
    v_old: Vec<f64>,
}

impl NativeCell for HH_cond_exp {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(HhKernel::new(params, initial, ctx.dt)))
    }
}

impl HhKernel {
    fn new(params: &ParamTable, initial: &ParamTable, dt: f64) -> Self {
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
        HhKernel {
            dt,
            refrac: refractory_steps(T_REF, dt),
            p: hh_params(params),
            y: init.clone(),
            step: vec![dt; n],
            r: vec![0; n],
            init,
            v_old: Vec::with_capacity(n),
        }
    }
}

impl Kernel for HhKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let n = self.y.len();
        self.v_old.clear();
        self.v_old.extend(self.y.iter().map(|y| y[0]));
        integrate(HhIo { h: self.dt, p: &self.p, cur: &cur[..n], y: &mut self.y, step: &mut self.step });
        for i in 0..n {
            let p = self.p[i];
            let u_old = self.v_old[i];
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
    }

    fn variable(&self, name: &str) -> Option<usize> {
        STATE.iter().position(|s| *s == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let scale = if var >= 4 { 1e-3 } else { 1.0 };
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
    use pynn_core::cells::CellType;

    /// The right-hand side as the kernel wrote it before the lane path
    /// (scalar, one cell): the oracle of the lanes.
    fn scalar_dynamics(p: &HhParams, i_stim: f64, y: &[f64; 6], f: &mut [f64; 6]) {
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

    #[test]
    fn hh_lanes_equal_the_scalar_kernel_bit_for_bit() {
        at_every_width(hh_lanes_case);
    }

    fn hh_lanes_case() {
        // One kernel of 21 cells (two chunks of 8 through the lanes, a
        // scalar tail of 5) against the step as written before the lane
        // path (scalar RKF45 per cell with the formula above), over 600
        // steps with random parameters, injected currents and conductance
        // kicks: spikes (cell, step) and all six state components must be
        // identical bit for bit after every step.
        let (n, h) = (21, 0.1);
        let params = ParamTable::defaults(HH_cond_exp::PARAMETERS, n);
        let initial = ParamTable::defaults(HH_cond_exp::STATE, n);
        let mut k = HhKernel::new(&params, &initial, h);
        let mut g = Gen(0x4848_1234_5678_9abc);
        for i in 0..n {
            k.p[i].i_e = g.next(0.0, 400.0);
            k.p[i].c_m *= g.next(0.5, 1.5);
            k.y[i][0] = g.next(-70.0, -55.0);
        }
        let p = k.p.clone();
        let (mut yr, mut sr, mut rr) = (k.y.clone(), k.step.clone(), k.r.clone());
        let solver = Rkf45::<6>::absolute(EPS_ABS);
        let (mut substeps, mut one_step, mut n_spikes) = (0, 0, 0);
        for step in 0..600u64 {
            let ex: Vec<f64> = (0..n).map(|_| if g.next(0.0, 1.0) < 0.1 { g.next(0.0, 0.05) } else { 0.0 }).collect();
            let inh: Vec<f64> = (0..n).map(|_| if g.next(0.0, 1.0) < 0.05 { g.next(0.0, 0.05) } else { 0.0 }).collect();
            let cur: Vec<f64> = (0..n).map(|_| g.next(-0.2, 1.0)).collect();
            let mut out = SpikeOut::new();
            k.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let (i_stim, u_old) = (cur[i] * 1000.0, yr[i][0]);
                let (mut t, mut calls) = (0.0, 0);
                while t < h {
                    solver.apply(&mut yr[i], &mut t, h, &mut sr[i], &|a: &[f64; 6], b: &mut [f64; 6]| {
                        scalar_dynamics(&p[i], i_stim, a, b)
                    });
                    calls += 1;
                }
                substeps += calls;
                one_step += usize::from(calls == 1 && i < 16);
                yr[i][4] += ex[i] * 1000.0;
                yr[i][5] += inh[i] * 1000.0;
                if rr[i] > 0 {
                    rr[i] -= 1;
                } else if yr[i][0] >= p[i].v_t + 30.0 && u_old > yr[i][0] {
                    rr[i] = k.refrac;
                    expected.push((i as u32, step + 1));
                }
                assert_eq!(k.y[i].map(f64::to_bits), yr[i].map(f64::to_bits), "step {step}, cell {i}");
                assert_eq!((k.step[i].to_bits(), k.r[i]), (sr[i].to_bits(), rr[i]), "step {step}, cell {i}");
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        // The lanes took most steps, the scalar fallback many, and cells spiked.
        assert!(one_step > 16 * 600 / 2, "{one_step} single-step cell steps in the lane chunks");
        assert!(substeps > n * 600 + 500, "{substeps} sub-steps: the scalar fallback was not exercised");
        assert!(n_spikes > 50, "{n_spikes} spikes");
    }
}
