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
use super::rkf45::{LANES, Lanes, Rkf45, System};
use super::simd::{Real, V8, dispatch};
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

/// One cell's (`T = f64`) or [`LANES`] cells' (`T = V8`) constants of the
/// right-hand side during a step.
#[derive(Clone, Copy)]
pub(crate) struct Consts<T: Real> {
    v_peak: T,
    v_reset: T,
    e_l: T,
    g_l: T,
    c_m: T,
    e_ex: T,
    e_in: T,
    tau_e: T,
    tau_i: T,
    i_e: T,
    a: T,
    delta_t: T,
    tau_w: T,
    v_th: T,
    /// Injected current (pA).
    i_stim: T,
    refractory: T::Mask,
    /// `delta_T == 0`: no exponential term.
    no_spike_term: T::Mask,
}

impl Consts<f64> {
    #[inline(always)]
    fn of(p: &AdexParams, refractory: bool, i_stim: f64) -> Self {
        Consts {
            v_peak: p.v_peak,
            v_reset: p.v_reset,
            e_l: p.e_l,
            g_l: p.g_l,
            c_m: p.c_m,
            e_ex: p.e_ex,
            e_in: p.e_in,
            tau_e: p.tau_e,
            tau_i: p.tau_i,
            i_e: p.i_e,
            a: p.a,
            delta_t: p.delta_t,
            tau_w: p.tau_w,
            v_th: p.v_th,
            i_stim,
            refractory,
            no_spike_term: p.delta_t == 0.0,
        }
    }
}

/// Layout of the state vector of one model.
pub(crate) trait Layout<const N: usize>: Send + 'static {
    const MODEL: &'static str;
    const G_EXC: usize;
    const G_INH: usize;
    const W: usize;
    fn dynamics<T: Real>(p: &Consts<T>, y: &[T; N], f: &mut [T; N]);
    fn add_input(p: &AdexParams, y: &mut [f64; N], ex: f64, inh: f64);
}

/// NEST's `aeif_cond_*_dynamics` for the membrane and adaptation: `(dv, dw)`.
#[inline(always)]
fn membrane<T: Real>(p: &Consts<T>, v_raw: T, g_ex: T, g_in: T, w: T) -> (T, T) {
    let v = T::select(p.refractory, p.v_reset, v_raw.min(p.v_peak));
    let i_syn = g_ex * (v - p.e_ex) + g_in * (v - p.e_in);
    let i_spike = T::select(p.no_spike_term, T::splat(0.0), p.g_l * p.delta_t * ((v - p.v_th) / p.delta_t).exp());
    let dv =
        T::select(p.refractory, T::splat(0.0), (-p.g_l * (v - p.e_l) + i_spike - i_syn - w + p.i_e + p.i_stim) / p.c_m);
    let dw = (p.a * (v - p.e_l) - w) / p.tau_w;
    (dv, dw)
}

struct ExpLayout;
impl Layout<4> for ExpLayout {
    const MODEL: &'static str = "EIF_cond_exp_isfa_ista";
    const G_EXC: usize = 1;
    const G_INH: usize = 2;
    const W: usize = 3;
    #[inline(always)]
    fn dynamics<T: Real>(p: &Consts<T>, y: &[T; 4], f: &mut [T; 4]) {
        let (dv, dw) = membrane(p, y[0], y[1], y[2], y[3]);
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
    #[inline(always)]
    fn dynamics<T: Real>(p: &Consts<T>, y: &[T; 6], f: &mut [T; 6]) {
        let (dv, dw) = membrane(p, y[0], y[2], y[4], y[5]);
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

/// The right-hand side of every cell of a kernel during one step.
struct AdexSystem<'a, L> {
    p: &'a [AdexParams],
    r: &'a [u32],
    cur: &'a [f64],
    _layout: std::marker::PhantomData<L>,
}

impl<L: Layout<N>, const N: usize> System<N> for AdexSystem<'_, L> {
    type Chunk = Consts<V8>;

    #[inline(always)]
    fn chunk(&self, i0: usize) -> Consts<V8> {
        let (p, r, cur) = (&self.p[i0..i0 + LANES], &self.r[i0..i0 + LANES], &self.cur[i0..i0 + LANES]);
        macro_rules! col {
            ($f:ident) => {{
                let mut x = [0.0; LANES];
                for l in 0..LANES {
                    x[l] = p[l].$f;
                }
                V8(x)
            }};
        }
        let (mut i_stim, mut refractory, mut no_spike_term) = ([0.0; LANES], [false; LANES], [false; LANES]);
        for l in 0..LANES {
            i_stim[l] = cur[l] * 1000.0;
            refractory[l] = r[l] > 0;
            no_spike_term[l] = p[l].delta_t == 0.0;
        }
        Consts {
            v_peak: col!(v_peak),
            v_reset: col!(v_reset),
            e_l: col!(e_l),
            g_l: col!(g_l),
            c_m: col!(c_m),
            e_ex: col!(e_ex),
            e_in: col!(e_in),
            tau_e: col!(tau_e),
            tau_i: col!(tau_i),
            i_e: col!(i_e),
            a: col!(a),
            delta_t: col!(delta_t),
            tau_w: col!(tau_w),
            v_th: col!(v_th),
            i_stim: V8(i_stim),
            refractory,
            no_spike_term,
        }
    }

    #[inline(always)]
    fn lanes(&self, c: &Consts<V8>, y: &[Lanes; N], f: &mut [Lanes; N]) {
        let mut d = [V8([0.0; LANES]); N];
        L::dynamics(c, &y.map(V8), &mut d);
        for k in 0..N {
            f[k] = d[k].0;
        }
    }

    #[inline(always)]
    fn cell(&self, i: usize, y: &[f64; N], f: &mut [f64; N]) {
        L::dynamics(&Consts::of(&self.p[i], self.r[i] > 0, self.cur[i] * 1000.0), y, f);
    }
}

/// What one step of the first sub-steps of an AdEx kernel reads and writes.
struct AdexIo<'a, const N: usize> {
    h: f64,
    p: &'a [AdexParams],
    r: &'a [u32],
    cur: &'a [f64],
    y: &'a mut [[f64; N]],
    step: &'a mut [f64],
    /// Per cell: whether the lanes took its whole step (else the scalar loop must).
    done: &'a mut [bool],
}

/// The first sub-step of every full chunk of [`LANES`] cells through
/// [`Rkf45::first_step_lanes`]: a lane it accepts has its whole step done
/// (state, step size `h`), and is marked in `done`; the others are left
/// untouched for the scalar loop. The tail of `n % LANES` cells is left too.
#[inline(always)]
fn first_steps<L: Layout<N>, const N: usize>(io: AdexIo<'_, N>) {
    let sys = AdexSystem::<L> { p: io.p, r: io.r, cur: io.cur, _layout: std::marker::PhantomData };
    let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
    let (h, y, step, done) = (io.h, io.y, io.step, io.done);
    let n = y.len();
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

/// [`first_steps`] compiled for the widest vector unit the CPU has.
trait FirstSteps<const N: usize> {
    fn run(io: AdexIo<'_, N>);
}

macro_rules! first_steps_for {
    ($layout:ty, $n:literal, $body:ident, $name:ident) => {
        #[inline(always)]
        fn $body(io: AdexIo<'_, $n>) -> () {
            first_steps::<$layout, $n>(io)
        }
        dispatch! {
            fn $name(io: AdexIo<'_, $n>) -> () = $body;
        }
        impl FirstSteps<$n> for $layout {
            fn run(io: AdexIo<'_, $n>) {
                $name(io)
            }
        }
    };
}

first_steps_for!(ExpLayout, 4, first_steps_exp_body, first_steps_exp);
first_steps_for!(AlphaLayout, 6, first_steps_alpha_body, first_steps_alpha);

/// Native kernel of the AdEx models, for a state layout `L` of size `N`.
pub(crate) struct AdexKernel<L: Layout<N>, const N: usize> {
    dt: f64,
    p: Vec<AdexParams>,
    y: Vec<[f64; N]>,
    step: Vec<f64>,
    r: Vec<u32>,
    init: Vec<[f64; N]>,
    /// Scratch: which cells the vector lanes advanced this step.
    done: Vec<bool>,
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
            done: vec![false; n],
            _layout: std::marker::PhantomData,
        }
    }
}

impl<L: Layout<N> + FirstSteps<N>, const N: usize> Kernel for AdexKernel<L, N> {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let solver = Rkf45::<N>::derivative(GSL_ERROR_TOL);
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        let h = self.dt;
        let n = self.y.len();
        self.done.resize(n, false);
        L::run(AdexIo {
            h,
            p: &self.p,
            r: &self.r,
            cur: &cur[..n],
            y: &mut self.y,
            step: &mut self.step,
            done: &mut self.done,
        });
        for i in 0..n {
            let p = self.p[i];
            let i_stim = cur[i] * 1000.0;
            // Cells the lanes advanced are at the end of their (single) sub-step.
            let mut t = if self.done[i] { h } else { 0.0 };
            let mut first = self.done[i];
            while first || t < h {
                if !first {
                    let c = Consts::of(&p, self.r[i] > 0, i_stim);
                    solver.apply(&mut self.y[i], &mut t, h, &mut self.step[i], &|y: &[f64; N], f: &mut [f64; N]| {
                        L::dynamics(&c, y, f)
                    });
                }
                first = false;
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
    use pynn_core::parameters::Column;

    fn build<C: NativeCell>(v: &[f64]) -> Box<dyn Kernel> {
        let n = v.len();
        let params = ParamTable::defaults(C::PARAMETERS, n);
        let mut init = ParamTable::defaults(C::STATE, n);
        init.assign("v", &(0..n).collect::<Vec<_>>(), Column::Scalar(v.to_vec()));
        let ctx = BuildContext { dt: 0.1, seed: 1, population: 0, label: "t".into(), first_cell: 0, composition: None };
        C::build(&params, &init, &ctx).unwrap()
    }

    /// One kernel of 21 cells (two chunks of 8 through the vector lanes, a
    /// scalar tail of 5) against 21 kernels of one cell each (never the
    /// lanes: fewer cells than a chunk), over 3000 steps with random
    /// conductance input and injected current strong enough for spikes,
    /// refractoriness and sub-steps. Spikes (cell, step) and every state
    /// variable must be identical bit for bit after every step.
    fn lanes_equal_single_cells<C: NativeCell>() {
        let n = 21;
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let v: Vec<f64> = (0..n).map(|_| -70.0 + 20.0 * next()).collect();
        let mut all = build::<C>(&v);
        let mut single: Vec<_> = v.iter().map(|v| build::<C>(&[*v])).collect();
        let (mut n_spikes, vars) = (0, ["v", "w", "gsyn_exc", "gsyn_inh"].map(|x| all.variable(x).unwrap()));
        for step in 0..3000u64 {
            let ex: Vec<f64> = (0..n).map(|_| if next() < 0.3 { 0.05 * next() } else { 0.0 }).collect();
            let inh: Vec<f64> = (0..n).map(|_| if next() < 0.1 { 0.05 * next() } else { 0.0 }).collect();
            let cur: Vec<f64> = (0..n).map(|_| 0.6 * next()).collect();
            let mut out = Vec::new();
            all.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = Vec::new();
            for (i, k) in single.iter_mut().enumerate() {
                let mut o = Vec::new();
                k.step(&StepInput { step, synaptic: &[&ex[i..=i], &inh[i..=i]], current: &cur[i..=i] }, &mut o);
                expected.extend(o.into_iter().map(|(_, s)| (i as u32, s)));
                for var in vars {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    all.read(var, &[i], &mut a);
                    k.read(var, &[0], &mut b);
                    assert_eq!(a[0].to_bits(), b[0].to_bits(), "step {step}, cell {i}, variable {var}");
                }
            }
            assert_eq!(out, expected, "step {step}");
            n_spikes += out.len();
        }
        assert!(n_spikes > 100, "{n_spikes} spikes: the scenario must exercise spikes and resets");
    }

    #[test]
    fn adex_exp_lanes_equal_single_cells_bit_for_bit() {
        at_every_width(lanes_equal_single_cells::<EIF_cond_exp_isfa_ista>);
    }

    #[test]
    fn adex_alpha_lanes_equal_single_cells_bit_for_bit() {
        at_every_width(lanes_equal_single_cells::<EIF_cond_alpha_isfa_ista>);
    }
}
