//! An allocation-free, error-controlled Runge–Kutta–Fehlberg 4(5) stepper
//! for the nonlinear neuron models, reproducing the algorithm NEST runs
//! through GSL (`gsl_odeiv_step_rkf45` with `gsl_odeiv_control_y_new(eps_abs,
//! 0)` driven by `gsl_odeiv_evolve_apply`), so that trajectories agree with
//! NEST's to rounding rather than to the tolerance.
//!
//! Per simulation step `h`, [`Rkf45::advance`] integrates from 0 to `h` in
//! as many adaptive sub-steps as the error control needs, starting from the
//! cell's own step size carried over from the previous step (NEST's
//! `IntegrationStep_`).
//!
//! Algorithm (GSL 2.x, `ode-initval/rkf45.c`, `control.c` standard control,
//! `evolve.c`):
//! * Fehlberg's tableau; the 5th-order solution is propagated, the
//!   difference to the 4th-order one is the error estimate `yerr`;
//! * error ratio `r = max_i |yerr_i| / eps_abs` (relative part 0);
//!   if `r > 1.1` the step is rejected and retried with
//!   `h * max(0.9 r^(-1/5), 0.2)`; if `r < 0.5` the next step grows by
//!   `min(max(0.9 r^(-1/6), 1), 5)`;
//! * a step that would pass the end of the interval is shortened to end on
//!   it; the shortened, adjusted size is what the next interval starts with.
//!
//! Speed, without changing a bit of the trajectories: a size GSL would grow
//! beyond the interval is kept as is (the next interval clips it either
//! way; see [`Rkf45::apply`]), and [`Rkf45::first_step_lanes`] takes the
//! common case, one accepted step over the whole interval, for [`LANES`]
//! cells at once in vector lanes.

use crate::native::simd::bits;

/// Fehlberg 4(5) coefficients (Hairer, Nørsett & Wanner, Table II.5.1; as in GSL).
mod tableau {
    pub const A: [f64; 5] = [1.0 / 4.0, 3.0 / 8.0, 12.0 / 13.0, 1.0, 1.0 / 2.0];
    pub const B21: f64 = 1.0 / 4.0;
    pub const B3: [f64; 2] = [3.0 / 32.0, 9.0 / 32.0];
    pub const B4: [f64; 3] = [1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0];
    pub const B5: [f64; 4] = [8341.0 / 4104.0, -32832.0 / 4104.0, 29440.0 / 4104.0, -845.0 / 4104.0];
    pub const B6: [f64; 5] =
        [-6080.0 / 20520.0, 41040.0 / 20520.0, -28352.0 / 20520.0, 9295.0 / 20520.0, -5643.0 / 20520.0];
    pub const C1: f64 = 902880.0 / 7618050.0;
    pub const C3: f64 = 3953664.0 / 7618050.0;
    pub const C4: f64 = 3855735.0 / 7618050.0;
    pub const C5: f64 = -1371249.0 / 7618050.0;
    pub const C6: f64 = 277020.0 / 7618050.0;
    pub const EC: [f64; 7] = [0.0, 1.0 / 360.0, 0.0, -128.0 / 4275.0, -2197.0 / 75240.0, 1.0 / 50.0, 2.0 / 55.0];
}

/// GSL's standard step-size control: component `i` is acceptable when
/// `|yerr_i| <= eps_abs + eps_rel * (a_y |y_i| + a_dydt h |y'_i|)`.
#[derive(Debug, Clone, Copy)]
pub struct Rkf45<const N: usize> {
    /// Absolute tolerance.
    pub eps_abs: f64,
    /// Relative tolerance.
    pub eps_rel: f64,
    /// Weight of the state in the relative part.
    pub a_y: f64,
    /// Weight of the derivative in the relative part.
    pub a_dydt: f64,
}

impl<const N: usize> Rkf45<N> {
    /// GSL's `gsl_odeiv_control_y_new(eps_abs, 0)` (NEST's `iaf_cond_*`).
    pub const fn absolute(eps_abs: f64) -> Self {
        Rkf45 { eps_abs, eps_rel: 0.0, a_y: 1.0, a_dydt: 0.0 }
    }

    /// GSL's `gsl_odeiv_control_yp_new(tol, tol)` (NEST's `aeif_cond_*`).
    pub const fn derivative(tol: f64) -> Self {
        Rkf45 { eps_abs: tol, eps_rel: tol, a_y: 0.0, a_dydt: 1.0 }
    }

    /// Integrates `y' = f(y)` over `(0, h]` in place; `step` is the cell's
    /// adaptive step size, updated for the next interval.
    #[inline]
    pub fn advance(&self, y: &mut [f64; N], h: f64, step: &mut f64, f: impl Fn(&[f64; N], &mut [f64; N])) {
        let mut t = 0.0;
        while t < h {
            self.apply(y, &mut t, h, step, &f);
        }
    }

    /// One call of GSL's `gsl_odeiv_evolve_apply`: a single accepted step
    /// from `t` towards `t1` (retried with smaller sizes until the error is
    /// acceptable), for models that act between sub-steps (e.g. AdEx's spike
    /// detection).
    ///
    /// Contract: `t1` is the length of the simulation step, the same at every
    /// call for a given `step` variable, and each step is integrated from
    /// `t = 0` until `t == t1`. Under it, a step size that GSL would grow
    /// beyond `t1` is kept at its current size `>= t1` instead (the next
    /// interval clips either to `t1`), which skips a `powf` and leaves the
    /// trajectory bit for bit as GSL's.
    #[inline]
    pub fn apply(&self, y: &mut [f64; N], t: &mut f64, t1: f64, step: &mut f64, f: &impl Fn(&[f64; N], &mut [f64; N])) {
        use tableau::*;
        let mut k1 = [0.0; N];
        let t0 = *t;
        let dt = t1 - t0;
        let y0 = *y;
        f(&y0, &mut k1); // GSL evaluates dydt_in once per call, before retries
        let mut h0 = *step;
        loop {
            let final_step = h0 > dt;
            if final_step {
                h0 = dt;
            }
            let (mut k2, mut k3, mut k4, mut k5, mut k6, mut tmp) =
                ([0.0; N], [0.0; N], [0.0; N], [0.0; N], [0.0; N], [0.0; N]);
            for i in 0..N {
                tmp[i] = y0[i] + B21 * h0 * k1[i];
            }
            f(&tmp, &mut k2);
            for i in 0..N {
                tmp[i] = y0[i] + h0 * (B3[0] * k1[i] + B3[1] * k2[i]);
            }
            f(&tmp, &mut k3);
            for i in 0..N {
                tmp[i] = y0[i] + h0 * (B4[0] * k1[i] + B4[1] * k2[i] + B4[2] * k3[i]);
            }
            f(&tmp, &mut k4);
            for i in 0..N {
                tmp[i] = y0[i] + h0 * (B5[0] * k1[i] + B5[1] * k2[i] + B5[2] * k3[i] + B5[3] * k4[i]);
            }
            f(&tmp, &mut k5);
            for i in 0..N {
                tmp[i] = y0[i] + h0 * (B6[0] * k1[i] + B6[1] * k2[i] + B6[2] * k3[i] + B6[3] * k4[i] + B6[4] * k5[i]);
            }
            f(&tmp, &mut k6);
            let mut yerr = [0.0; N];
            for i in 0..N {
                let d = C1 * k1[i] + C3 * k3[i] + C4 * k4[i] + C5 * k5[i] + C6 * k6[i];
                y[i] = y0[i] + h0 * d;
                yerr[i] = h0 * (EC[1] * k1[i] + EC[3] * k3[i] + EC[4] * k4[i] + EC[5] * k5[i] + EC[6] * k6[i]);
            }
            let mut yp = [0.0; N];
            if self.a_dydt != 0.0 {
                f(y, &mut yp); // GSL's dydt_out, used by the control
            }
            let _ = A; // the systems are autonomous: stage times are not needed
            let mut rmax = f64::MIN_POSITIVE;
            for i in 0..N {
                let d0 = self.eps_rel * (self.a_y * y[i].abs() + self.a_dydt * (h0 * yp[i]).abs()) + self.eps_abs;
                let ratio = yerr[i].abs() / d0.abs();
                // GSL's `FMAX(r, rmax)`, i.e. `rmax.max(ratio)`: the same
                // value here (`rmax` is positive, `ratio` is `>= 0` or NaN,
                // which both leave `rmax` as it is), written as a select
                // so that no `maxnum` reduction reaches the vectorizer
                // (see `first_step_lanes`).
                if ratio > rmax {
                    rmax = ratio;
                }
            }
            match control(rmax, h0, final_step, t0, t1) {
                Control::Retry(h_dec) => {
                    // Rejected: undo and retry with the smaller step.
                    *y = y0;
                    h0 = h_dec;
                }
                Control::Accept { t: t_new, step: h_next } => {
                    *step = h_next;
                    *t = t_new;
                    return;
                }
            }
        }
    }
}

/// What GSL's step-size control decides after an attempt of size `h_old`
/// from `t0` in an interval ending at `t1` ([`control`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    /// Rejected: retry from the same start with this smaller size.
    Retry(f64),
    /// Accepted: the time reached and the step size carried on.
    Accept {
        /// The time after the step.
        t: f64,
        /// The step size for the next attempt.
        step: f64,
    },
}

/// GSL's step-size control (`std_control_hadjust` and `evolve_apply`'s
/// retry rule) for an attempt of size `h_old` with largest error ratio
/// `rmax`, as [`Rkf45::apply`] applies it; `final_step` marks an attempt
/// clipped to end on `t1`. Shared by [`Rkf45::apply`] and the lane stepper
/// of the AdEx family, so both decide with the same operations.
#[inline(always)]
pub fn control(rmax: f64, h_old: f64, final_step: bool, t0: f64, t1: f64) -> Control {
    let t_new = if final_step { t1 } else { t0 + h_old };
    let mut h0 = h_old;
    if rmax > 1.1 {
        let r = (0.9 / rmax.powf(1.0 / 5.0)).max(0.2);
        let h_dec = r * h_old;
        if h_dec.abs() < h_old.abs() && t_new + h_dec != t_new {
            return Control::Retry(h_dec);
        }
        // The step cannot shrink further: GSL accepts it.
    } else if rmax < 0.5 && h_old < t1 {
        let r = (0.9 / rmax.powf(1.0 / 6.0)).clamp(1.0, 5.0);
        h0 = r * h_old;
    }
    // Otherwise (`rmax < 0.5` with `h_old >= t1`) GSL grows the step by
    // `r >= 1` to `r h_old >= t1`; every later interval is at most `t1`
    // long (see [`Rkf45::apply`]'s contract), so the grown size is clipped
    // to the interval whatever `r` is: keeping `h_old` gives the same
    // trajectory without the `powf`.
    Control::Accept { t: t_new, step: h0 }
}

impl<const N: usize> Rkf45<N> {
    /// One attempt of [`Rkf45::apply`] for the [`LANES`] cells of a
    /// [`Block`], each with its own size: from `y0` with derivative `k1`
    /// (evaluated there) and size `h0[l]` (already clipped to the
    /// interval), the right-hand side `f` evaluated for all lanes at once.
    /// Returns the new states, their derivatives (GSL's `dydt_out`, zero
    /// unless the control reads them) and each lane's largest error ratio,
    /// for [`control`]. Every lane performs [`Rkf45::apply`]'s operations in
    /// the same order, so each is bit for bit that attempt of the scalar
    /// stepper.
    #[inline(always)]
    pub fn attempt_block(
        &self,
        f: impl Fn(&Block<N>, &mut Block<N>),
        y0: &Block<N>,
        k1: &Block<N>,
        h0: &Lanes,
    ) -> (Block<N>, Block<N>, Lanes) {
        use tableau::*;
        let z = [[0.0; LANES]; N];
        let (mut k2, mut k3, mut k4, mut k5, mut k6, mut tmp) = (z, z, z, z, z, z);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + B21 * h0[l] * k1[i][l];
            }
        }
        f(&tmp, &mut k2);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + h0[l] * (B3[0] * k1[i][l] + B3[1] * k2[i][l]);
            }
        }
        f(&tmp, &mut k3);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + h0[l] * (B4[0] * k1[i][l] + B4[1] * k2[i][l] + B4[2] * k3[i][l]);
            }
        }
        f(&tmp, &mut k4);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] =
                    y0[i][l] + h0[l] * (B5[0] * k1[i][l] + B5[1] * k2[i][l] + B5[2] * k3[i][l] + B5[3] * k4[i][l]);
            }
        }
        f(&tmp, &mut k5);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l]
                    + h0[l]
                        * (B6[0] * k1[i][l]
                            + B6[1] * k2[i][l]
                            + B6[2] * k3[i][l]
                            + B6[3] * k4[i][l]
                            + B6[4] * k5[i][l]);
            }
        }
        f(&tmp, &mut k6);
        let (mut y, mut yerr) = (z, z);
        for i in 0..N {
            for l in 0..LANES {
                let d = C1 * k1[i][l] + C3 * k3[i][l] + C4 * k4[i][l] + C5 * k5[i][l] + C6 * k6[i][l];
                y[i][l] = y0[i][l] + h0[l] * d;
                yerr[i][l] = h0[l]
                    * (EC[1] * k1[i][l] + EC[3] * k3[i][l] + EC[4] * k4[i][l] + EC[5] * k5[i][l] + EC[6] * k6[i][l]);
            }
        }
        let mut yp = z;
        if self.a_dydt != 0.0 {
            f(&y, &mut yp);
        }
        let mut rmax = [f64::MIN_POSITIVE; LANES];
        for i in 0..N {
            for l in 0..LANES {
                let d0 =
                    self.eps_rel * (self.a_y * y[i][l].abs() + self.a_dydt * (h0[l] * yp[i][l]).abs()) + self.eps_abs;
                let ratio = yerr[i][l].abs() / d0.abs();
                // As in `apply`: a select, not `f64::max`.
                rmax[l] = if ratio > rmax[l] { ratio } else { rmax[l] };
            }
        }
        (y, yp, rmax)
    }
}

/// Number of cells [`Rkf45::first_step_lanes`] advances together: eight
/// `f64` lanes fill one AVX-512 register (two AVX2 ones).
pub const LANES: usize = 8;

/// One state component of [`LANES`] cells.
pub type Lanes = [f64; LANES];

/// The right-hand side `y' = f(y)` of a set of cells: cell by cell for the
/// scalar stepper, [`LANES`] cells at a time for [`Rkf45::first_step_lanes`].
///
/// Both must perform the same operations per cell (write the formula once,
/// as an `#[inline(always)]` function of one cell's values, and call it from
/// both). [`System::lanes`] should read its constants from the
/// struct-of-arrays [`System::Chunk`] so that the compiler evaluates the
/// lanes in vector registers; a trait rather than closures, because closures
/// cannot be forced inline.
pub trait System<const N: usize> {
    /// The constants of cells `i0 .. i0 + LANES`, gathered once per step.
    type Chunk;
    /// Gathers the constants of cells `i0 .. i0 + LANES`.
    fn chunk(&self, i0: usize) -> Self::Chunk;
    /// Writes the derivatives of the cells of `chunk` at states `y`
    /// (component-major: `y[c][l]` is component `c` of lane `l`) into `f`.
    fn lanes(&self, chunk: &Self::Chunk, y: &[Lanes; N], f: &mut [Lanes; N]);
    /// Writes the derivatives of cell `i` at state `y` into `f`.
    fn cell(&self, i: usize, y: &[f64; N], f: &mut [f64; N]);
}

impl<const N: usize> Rkf45<N> {
    /// The common case of [`Rkf45::advance`] for [`LANES`] cells at once:
    /// the first attempt of the interval `(0, h]`, taken with size `h`.
    ///
    /// `y0[i][l]` is component `i` of the state of cell `i0 + l` of `sys`
    /// and `steps[l]` its carried step size. For each lane whose step size is at
    /// least `h` (so that GSL's first attempt has size `h`) and whose error
    /// passes the control at once, [`Rkf45::advance`] would make exactly
    /// this one step and keep the step size at `h`; such lanes are marked
    /// `true` in the returned mask, with their new state. Every arithmetic
    /// operation is the scalar path's, in the same order, so an accepted
    /// lane is bit-identical to it; a lane marked `false` must be advanced
    /// by [`Rkf45::advance`] from `y0` (its returned state is meaningless).
    /// Branch-free, so that the compiler keeps the lanes in vector
    /// registers.
    #[inline(always)]
    pub fn first_step_lanes<S: System<N>>(
        &self,
        sys: &S,
        i0: usize,
        y0: &[Lanes; N],
        h: f64,
        steps: &Lanes,
    ) -> ([Lanes; N], [bool; LANES]) {
        let (y, ok) = self.first_step_bits(sys, i0, y0, h, steps);
        (y, ok.map(|m| m != 0))
    }

    /// [`Rkf45::first_step_lanes`] for a [`Block`] of cells `i0 .. i0 +
    /// LANES` of `sys`, the accepted lanes marked by all-ones bit patterns
    /// ([`Real::Bits`](crate::native::simd::Real::Bits)): for models that
    /// act between sub-steps (AdEx's spike detection) and so cannot use
    /// [`Rkf45::integrate_blocks`]. An accepted lane is [`Rkf45::apply`]'s
    /// single step of size `h` bit for bit; another must be advanced by the
    /// scalar stepper from `y0` (its returned state is meaningless).
    #[inline(always)]
    pub fn first_step_block<S: System<N>>(
        &self,
        sys: &S,
        i0: usize,
        y0: &Block<N>,
        h: f64,
        steps: &Lanes,
    ) -> (Block<N>, [u64; LANES]) {
        self.first_step_bits(sys, i0, y0, h, steps)
    }

    /// [`Rkf45::first_step_lanes`] with the mask as [`Real::Bits`](crate::native::simd::Real::Bits)
    /// (all ones for an accepted lane), which vector compares make without
    /// conversions.
    #[inline(always)]
    fn first_step_bits<S: System<N>>(
        &self,
        sys: &S,
        i0: usize,
        y0: &[Lanes; N],
        h: f64,
        steps: &Lanes,
    ) -> ([Lanes; N], [u64; LANES]) {
        use tableau::*;
        let chunk = sys.chunk(i0);
        let h0 = h;
        let z = [[0.0; LANES]; N];
        let (mut k1, mut k2, mut k3, mut k4, mut k5, mut k6, mut tmp) = (z, z, z, z, z, z, z);
        sys.lanes(&chunk, y0, &mut k1);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + B21 * h0 * k1[i][l];
            }
        }
        sys.lanes(&chunk, &tmp, &mut k2);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + h0 * (B3[0] * k1[i][l] + B3[1] * k2[i][l]);
            }
        }
        sys.lanes(&chunk, &tmp, &mut k3);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + h0 * (B4[0] * k1[i][l] + B4[1] * k2[i][l] + B4[2] * k3[i][l]);
            }
        }
        sys.lanes(&chunk, &tmp, &mut k4);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l] + h0 * (B5[0] * k1[i][l] + B5[1] * k2[i][l] + B5[2] * k3[i][l] + B5[3] * k4[i][l]);
            }
        }
        sys.lanes(&chunk, &tmp, &mut k5);
        for i in 0..N {
            for l in 0..LANES {
                tmp[i][l] = y0[i][l]
                    + h0 * (B6[0] * k1[i][l]
                        + B6[1] * k2[i][l]
                        + B6[2] * k3[i][l]
                        + B6[3] * k4[i][l]
                        + B6[4] * k5[i][l]);
            }
        }
        sys.lanes(&chunk, &tmp, &mut k6);
        let (mut y, mut yerr) = (z, z);
        for i in 0..N {
            for l in 0..LANES {
                let d = C1 * k1[i][l] + C3 * k3[i][l] + C4 * k4[i][l] + C5 * k5[i][l] + C6 * k6[i][l];
                y[i][l] = y0[i][l] + h0 * d;
                yerr[i][l] =
                    h0 * (EC[1] * k1[i][l] + EC[3] * k3[i][l] + EC[4] * k4[i][l] + EC[5] * k5[i][l] + EC[6] * k6[i][l]);
            }
        }
        let mut yp = z;
        if self.a_dydt != 0.0 {
            sys.lanes(&chunk, &y, &mut yp);
        }
        // The scalar path accepts the step when the largest error ratio is
        // at most 1.1: here, when every ratio is. Not a running `f64::max`
        // as in `apply`: compiled with AVX-512F, LLVM 22's loop vectorizer
        // turned that loop over the components into a `maxnum` reduction
        // with a NaN guard that skipped the last `N % 4` components (the
        // conductances of HH_cond_exp, the inhibitory one of IF_cond_exp),
        // so lanes accepted steps the scalar path rejects. A NaN ratio
        // (which `f64::max` would ignore) declines the lane, leaving it to
        // the scalar path: the result is the scalar path's either way.
        //
        // The ratio `e / d` (`e = |yerr|`, `d = |d0|`) is rounded
        // correctly, and rounding is monotonic, so `e < d` (then `d > 0`,
        // `e` finite: ratio below 1, or 0 if `d` is infinite) passes and
        // `e > 2 d` (ratio above 2, or infinite) fails for certain without
        // the division; only when some component is in neither case (ratio
        // in [1, 2], or a NaN, or `e = d` = 0 or infinity) are the
        // divisions made, as the scalar path makes them. Either way `ok` is
        // exactly `all(e / d <= 1.1)`. (No `d.is_finite()`-style test:
        // LLVM 22 turned one into a per-lane integer class test.)
        let mut ok = [u64::MAX; LANES];
        let mut unsure = [0u64; LANES];
        let mut d = z;
        for i in 0..N {
            for l in 0..LANES {
                let d0 = self.eps_rel * (self.a_y * y[i][l].abs() + self.a_dydt * (h0 * yp[i][l]).abs()) + self.eps_abs;
                let (e, di) = (yerr[i][l].abs(), d0.abs());
                let pass = bits(e < di);
                let fail = bits(e > 2.0 * di);
                ok[l] &= pass;
                unsure[l] |= !(pass | fail);
                d[i][l] = di;
            }
        }
        if unsure.iter().fold(0, |a, u| a | u) != 0 {
            ok = [u64::MAX; LANES];
            for i in 0..N {
                for l in 0..LANES {
                    ok[l] &= bits(yerr[i][l].abs() / d[i][l] <= 1.1);
                }
            }
        }
        for l in 0..LANES {
            ok[l] &= bits(steps[l] >= h);
        }
        (y, ok)
    }
}

/// What the tests of the lane kernels share (`rkf45`, `adex`, `gif`, `point`).
#[cfg(test)]
pub(crate) mod testing {
    use crate::native::simd;

    /// A small deterministic generator (xorshift64*), uniform in `[lo, hi)`.
    pub struct Gen(pub u64);
    impl Gen {
        /// The next number, uniform in `[lo, hi)`.
        pub fn next(&mut self, lo: f64, hi: f64) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let u = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
            lo + (hi - lo) * u
        }
    }

    /// One step's random input of `n` cells, drawn in this order:
    /// excitatory conductance kicks (each cell with probability `p_ex`, of
    /// a size uniform in `[0, kick)`), inhibitory ones (probability
    /// `p_inh`), injected currents uniform in `[0, cur)`.
    pub fn random_input(g: &mut Gen, n: usize, p_ex: f64, p_inh: f64, kick: f64, cur: f64) -> [Vec<f64>; 3] {
        let mut kicks = |p: f64| -> Vec<f64> {
            (0..n).map(|_| if g.next(0.0, 1.0) < p { g.next(0.0, kick) } else { 0.0 }).collect()
        };
        let (ex, inh) = (kicks(p_ex), kicks(p_inh));
        [ex, inh, (0..n).map(|_| g.next(0.0, cur)).collect()]
    }

    /// Runs `case` once per instruction set this CPU has
    /// ([`simd::with_isa_limit`]): the lanes must equal the scalar path at
    /// every width.
    pub fn at_every_width(case: impl Fn()) {
        for isa in simd::available() {
            eprintln!("instruction set {isa:?}");
            simd::with_isa_limit(isa, &case);
        }
    }
}

impl<const N: usize> Rkf45<N> {
    /// Integrates every cell of `sys` over one step `h`: [`LANES`] cells at
    /// a time through [`Rkf45::first_step_lanes`] (the common case of one
    /// accepted step of size `h`), the cells it does not accept and the last
    /// `n % LANES` through the scalar [`Rkf45::advance`]. Both perform the
    /// same operations, so the result is the scalar stepper's bit for bit.
    /// `y[i]` and `step[i]` are the state and carried step size of cell `i`
    /// of `sys`. For models that act only after the whole step (no spike
    /// detection between sub-steps).
    #[inline(always)]
    pub fn integrate_cells<S: System<N>>(&self, sys: &S, h: f64, y: &mut [[f64; N]], step: &mut [f64]) {
        let n = y.len();
        let step = &mut step[..n];
        let full = n - n % LANES;
        for i0 in (0..full).step_by(LANES) {
            let mut y0 = [[0.0; LANES]; N];
            let mut steps = [0.0; LANES];
            for l in 0..LANES {
                for c in 0..N {
                    y0[c][l] = y[i0 + l][c];
                }
                steps[l] = step[i0 + l];
            }
            let (y1, ok) = self.first_step_lanes(sys, i0, &y0, h, &steps);
            for l in 0..LANES {
                let i = i0 + l;
                if ok[l] {
                    for c in 0..N {
                        y[i][c] = y1[c][l];
                    }
                    step[i] = h;
                } else {
                    self.advance(&mut y[i], h, &mut step[i], |a, b| sys.cell(i, a, b));
                }
            }
        }
        for i in full..n {
            self.advance(&mut y[i], h, &mut step[i], |a, b| sys.cell(i, a, b));
        }
    }
}

/// The state of [`LANES`] consecutive cells, component-major: `b[c][l]` is
/// component `c` of cell `l` of the block. Models that keep their state in
/// blocks ([`Rkf45::integrate_blocks`]) hand them to the lanes as they are,
/// without a transpose per step.
pub type Block<const N: usize> = [Lanes; N];

/// Component `c` of cell `i` of a state kept in [`Block`]s.
#[inline(always)]
pub fn block_get<const N: usize>(y: &[Block<N>], i: usize) -> [f64; N] {
    let b = &y[i / LANES];
    std::array::from_fn(|c| b[c][i % LANES])
}

/// Sets the state of cell `i` of a state kept in [`Block`]s.
#[inline(always)]
pub fn block_set<const N: usize>(y: &mut [Block<N>], i: usize, v: [f64; N]) {
    let b = &mut y[i / LANES];
    for c in 0..N {
        b[c][i % LANES] = v[c];
    }
}

impl<const N: usize> Rkf45<N> {
    /// [`Rkf45::integrate_cells`] for a state kept in [`Block`]s: block `b`
    /// holds cells `b * LANES ..`, of which the first `n` are cells of
    /// `sys`; `step` has one entry per lane of `y` (`y.len() * LANES`).
    /// Lanes past `n` (padding of the last block) are advanced when the
    /// lanes accept them and left as they are otherwise; they must hold a
    /// state `sys` can evaluate (e.g. a copy of a real cell's).
    ///
    /// A block whose lanes all pass takes its new state in one store; a lane
    /// that does not is advanced by the scalar [`Rkf45::advance`] from its
    /// state at the start of the step, so the result is the scalar
    /// stepper's bit for bit.
    #[inline(always)]
    pub fn integrate_blocks<S: System<N>>(&self, sys: &S, h: f64, y: &mut [Block<N>], step: &mut [f64], n: usize) {
        let step = &mut step[..y.len() * LANES];
        for (b, (yb, sb)) in y.iter_mut().zip(step.chunks_exact_mut(LANES)).enumerate() {
            let i0 = b * LANES;
            // Cannot fail: `chunks_exact_mut(LANES)` yields slices of LANES.
            let steps: &mut Lanes = sb.try_into().expect("chunks of LANES");
            let (y1, ok) = self.first_step_bits(sys, i0, yb, h, steps);
            if ok.iter().fold(u64::MAX, |a, o| a & o) == u64::MAX {
                *yb = y1;
                *steps = [h; LANES];
                continue;
            }
            for l in 0..LANES {
                if ok[l] != 0 {
                    for c in 0..N {
                        yb[c][l] = y1[c][l];
                    }
                    steps[l] = h;
                } else if i0 + l < n {
                    let mut yi: [f64; N] = std::array::from_fn(|c| yb[c][l]);
                    self.advance(&mut yi, h, &mut steps[l], |a, f| sys.cell(i0 + l, a, f));
                    for c in 0..N {
                        yb[c][l] = yi[c];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Gen;
    use super::*;
    use crate::native::simd::{self, Isa};

    /// GSL's algorithm as it was before the `powf` skip (the step size grows
    /// by `r` whenever `rmax < 0.5`): the oracle of the skip.
    fn apply_gsl<const N: usize>(
        s: &Rkf45<N>,
        y: &mut [f64; N],
        t: &mut f64,
        t1: f64,
        step: &mut f64,
        f: &impl Fn(&[f64; N], &mut [f64; N]),
    ) {
        use tableau::*;
        let (t0, y0) = (*t, *y);
        let dt = t1 - t0;
        let mut k1 = [0.0; N];
        f(&y0, &mut k1);
        let mut h0 = *step;
        loop {
            let final_step = h0 > dt;
            if final_step {
                h0 = dt;
            }
            let z = [0.0; N];
            let (mut k2, mut k3, mut k4, mut k5, mut k6, mut tmp, mut yerr, mut yp) = (z, z, z, z, z, z, z, z);
            (0..N).for_each(|i| tmp[i] = y0[i] + B21 * h0 * k1[i]);
            f(&tmp, &mut k2);
            (0..N).for_each(|i| tmp[i] = y0[i] + h0 * (B3[0] * k1[i] + B3[1] * k2[i]));
            f(&tmp, &mut k3);
            (0..N).for_each(|i| tmp[i] = y0[i] + h0 * (B4[0] * k1[i] + B4[1] * k2[i] + B4[2] * k3[i]));
            f(&tmp, &mut k4);
            (0..N).for_each(|i| {
                tmp[i] = y0[i] + h0 * (B5[0] * k1[i] + B5[1] * k2[i] + B5[2] * k3[i] + B5[3] * k4[i]);
            });
            f(&tmp, &mut k5);
            (0..N).for_each(|i| {
                tmp[i] = y0[i] + h0 * (B6[0] * k1[i] + B6[1] * k2[i] + B6[2] * k3[i] + B6[3] * k4[i] + B6[4] * k5[i]);
            });
            f(&tmp, &mut k6);
            for i in 0..N {
                let d = C1 * k1[i] + C3 * k3[i] + C4 * k4[i] + C5 * k5[i] + C6 * k6[i];
                y[i] = y0[i] + h0 * d;
                yerr[i] = h0 * (EC[1] * k1[i] + EC[3] * k3[i] + EC[4] * k4[i] + EC[5] * k5[i] + EC[6] * k6[i]);
            }
            if s.a_dydt != 0.0 {
                f(y, &mut yp);
            }
            let mut rmax = f64::MIN_POSITIVE;
            for i in 0..N {
                let d0 = s.eps_rel * (s.a_y * y[i].abs() + s.a_dydt * (h0 * yp[i]).abs()) + s.eps_abs;
                rmax = rmax.max(yerr[i].abs() / d0.abs());
            }
            let t_new = if final_step { t1 } else { t0 + h0 };
            let h_old = h0;
            if rmax > 1.1 {
                let h_dec = (0.9 / rmax.powf(1.0 / 5.0)).max(0.2) * h_old;
                if h_dec.abs() < h_old.abs() && t_new + h_dec != t_new {
                    *y = y0;
                    h0 = h_dec;
                    continue;
                }
                h0 = h_old;
            } else if rmax < 0.5 {
                h0 = (0.9 / rmax.powf(1.0 / 6.0)).clamp(1.0, 5.0) * h_old;
            }
            *step = h0;
            *t = t_new;
            return;
        }
    }

    /// A conductance-based membrane (NEST `iaf_cond_exp`'s right-hand side,
    /// units mV, nS, pF, pA) with parameters drawn from `g`; a small `c_m`
    /// and large conductances make it stiff enough to need sub-steps.
    fn cond_rhs(g: &mut Gen) -> impl Fn(&[f64; 3], &mut [f64; 3]) + Copy + use<> {
        let (c_m, g_l, i_e) = (g.next(5.0, 300.0), g.next(5.0, 50.0), g.next(-200.0, 800.0));
        let (tau_e, tau_i) = (g.next(0.2, 10.0), g.next(0.2, 10.0));
        move |y: &[f64; 3], f: &mut [f64; 3]| {
            let v = y[0].min(-50.0);
            f[0] = (-g_l * (v + 65.0) - y[1] * v - y[2] * (v + 80.0) + i_e) / c_m;
            f[1] = -y[1] / tau_e;
            f[2] = -y[2] / tau_i;
        }
    }

    #[test]
    fn skipping_the_growth_powf_keeps_gsl_trajectories_bit_for_bit() {
        // 200 random cells, 500 steps of 0.1 ms each, with random input
        // jumps into the conductances so that steps are rejected, shrunk
        // and grown again. The state must equal the GSL oracle's bit for
        // bit, and the carried step sizes as they enter the next interval
        // (clipped to h): those are all the algorithm ever reads.
        let h = 0.1;
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let (mut substeps, mut shrunk) = (0u64, 0u64);
        for control in [Rkf45::<3>::absolute(1e-3), Rkf45::<3>::derivative(1e-6)] {
            for _ in 0..200 {
                let f = cond_rhs(&mut g);
                let mut a = [g.next(-70.0, -50.0), g.next(0.0, 50.0), g.next(0.0, 100.0)];
                let mut b = a;
                let (mut sa, mut sb) = (h, h);
                for k in 0..500 {
                    let (mut ta, mut tb) = (0.0, 0.0);
                    while ta < h {
                        control.apply(&mut a, &mut ta, h, &mut sa, &f);
                        substeps += 1;
                    }
                    while tb < h {
                        apply_gsl(&control, &mut b, &mut tb, h, &mut sb, &f);
                    }
                    shrunk += u64::from(sb < h);
                    assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "step {k}: {a:?} vs {b:?}");
                    assert_eq!(sa.min(h).to_bits(), sb.min(h).to_bits(), "step {k}: step size {sa} vs {sb}");
                    if g.next(0.0, 1.0) < 0.05 {
                        let (de, di) = (g.next(0.0, 400.0), g.next(0.0, 400.0));
                        a[1] += de;
                        b[1] += de;
                        a[2] += di;
                        b[2] += di;
                    }
                }
            }
        }
        // The scenario exercises both branches of the control.
        assert!(substeps > 2 * 200 * 500 + 1000, "{substeps} sub-steps: no adaptation exercised");
        assert!(shrunk > 1000, "{shrunk} steps ended with a shrunk step size");
    }

    /// One right-hand side per cell.
    struct Cells<'a, F>(&'a [F]);
    impl<F: Fn(&[f64; 3], &mut [f64; 3])> System<3> for Cells<'_, F> {
        type Chunk = usize;
        fn chunk(&self, i0: usize) -> usize {
            i0
        }
        fn lanes(&self, i0: &usize, y: &[Lanes; 3], f: &mut [Lanes; 3]) {
            for l in 0..LANES {
                let mut o = [0.0; 3];
                self.cell(i0 + l, &[y[0][l], y[1][l], y[2][l]], &mut o);
                (0..3).for_each(|c| f[c][l] = o[c]);
            }
        }
        fn cell(&self, i: usize, y: &[f64; 3], f: &mut [f64; 3]) {
            self.0[i](y, f)
        }
    }

    /// [`Rkf45::first_step_lanes`] for the cells `0 .. LANES` of `sys`,
    /// compiled for `isa` (one of [`simd::available`]).
    fn first_step_at<const N: usize, S: System<N>>(
        isa: Isa,
        s: &Rkf45<N>,
        sys: &S,
        y0: &[Lanes; N],
        h: f64,
        steps: &Lanes,
    ) -> ([Lanes; N], [bool; LANES]) {
        assert!(simd::available().contains(&isa), "{isa:?} is not available on this CPU");
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f")]
            fn wider<const N: usize, S: System<N>>(
                s: &Rkf45<N>,
                sys: &S,
                y0: &[Lanes; N],
                h: f64,
                steps: &Lanes,
            ) -> ([Lanes; N], [bool; LANES]) {
                s.first_step_lanes(sys, 0, y0, h, steps)
            }
            #[target_feature(enable = "avx2")]
            fn wide<const N: usize, S: System<N>>(
                s: &Rkf45<N>,
                sys: &S,
                y0: &[Lanes; N],
                h: f64,
                steps: &Lanes,
            ) -> ([Lanes; N], [bool; LANES]) {
                s.first_step_lanes(sys, 0, y0, h, steps)
            }
            match isa {
                // SAFETY: the CPU has the instruction set (asserted above).
                Isa::Avx512 => return unsafe { wider(s, sys, y0, h, steps) },
                // SAFETY: as above.
                Isa::Avx2 => return unsafe { wide(s, sys, y0, h, steps) },
                Isa::Base => {}
            }
        }
        s.first_step_lanes(sys, 0, y0, h, steps)
    }

    /// `y_c' = -k_c y_c` per cell: decays with their own rates, the lanes
    /// written as the kernels write theirs (struct of arrays, inlined) so
    /// that the compiler vectorises them as it does the kernels.
    struct Decay<const N: usize>([Lanes; N]);
    impl<const N: usize> System<N> for Decay<N> {
        type Chunk = [Lanes; N];
        #[inline(always)]
        fn chunk(&self, _i0: usize) -> [Lanes; N] {
            self.0
        }
        #[inline(always)]
        fn lanes(&self, k: &[Lanes; N], y: &[Lanes; N], f: &mut [Lanes; N]) {
            for c in 0..N {
                for l in 0..LANES {
                    f[c][l] = -k[c][l] * y[c][l];
                }
            }
        }
        #[inline(always)]
        fn cell(&self, i: usize, y: &[f64; N], f: &mut [f64; N]) {
            for c in 0..N {
                f[c] = -self.0[c][i] * y[c];
            }
        }
    }

    /// Lanes whose only large error is in the last state component must be
    /// declined exactly when the scalar stepper rejects their first step.
    fn the_last_component_counts<const N: usize>(isa: Isa) -> (usize, usize) {
        let (h, control) = (0.1, Rkf45::<N>::absolute(1e-3));
        let mut g = Gen(0x1a57_c0de_0000_0001 ^ N as u64);
        let (mut accepted, mut declined) = (0, 0);
        for round in 0..400 {
            // Slow decays (error ratio far below 1) except the last
            // component, whose rate spans the acceptance limit.
            let rates: [Lanes; N] = std::array::from_fn(|c| {
                std::array::from_fn(|_| if c == N - 1 { g.next(2.0, 8.0) } else { g.next(0.0, 0.5) })
            });
            let y0: [Lanes; N] = std::array::from_fn(|_| std::array::from_fn(|_| g.next(1.0, 100.0)));
            let sys = Decay(rates);
            let (y1, ok) = first_step_at(isa, &control, &sys, &y0, h, &[h; LANES]);
            for l in 0..LANES {
                let mut y: [f64; N] = std::array::from_fn(|c| y0[c][l]);
                let (mut t, mut step, mut calls) = (0.0, h, 0);
                while t < h {
                    control.apply(&mut y, &mut t, h, &mut step, &|a: &[f64; N], b: &mut [f64; N]| sys.cell(l, a, b));
                    calls += 1;
                }
                assert_eq!(ok[l], calls == 1, "{isa:?}, N = {N}, round {round}, lane {l}: {calls} scalar sub-steps");
                if ok[l] {
                    accepted += 1;
                    assert_eq!(y.map(f64::to_bits), std::array::from_fn(|c| y1[c][l].to_bits()), "{isa:?}, lane {l}");
                } else {
                    declined += 1;
                }
            }
        }
        (accepted, declined)
    }

    #[test]
    fn lanes_read_every_component_of_the_error_at_every_width() {
        // Compiled with AVX-512F, LLVM 22 once dropped the last N % 4
        // components from the error norm (see `first_step_lanes`): the
        // last component alone decides here, for N = 3 (IF_cond_exp), 5
        // (IF_cond_alpha), 6 (HH_cond_exp) and 7, at every width this CPU
        // has. Both outcomes must occur often (at least a fifth of the
        // 3200 lanes each), or the scenario does not test the decision.
        for isa in simd::available() {
            for (n, (a, d)) in [
                (3, the_last_component_counts::<3>(isa)),
                (5, the_last_component_counts::<5>(isa)),
                (6, the_last_component_counts::<6>(isa)),
                (7, the_last_component_counts::<7>(isa)),
            ] {
                eprintln!("{isa:?}, N = {n}: {a} lanes accepted, {d} declined");
                assert!(a > 640 && d > 640, "{isa:?}, N = {n}: accepted {a}, declined {d}");
            }
        }
    }

    #[test]
    fn lanes_equal_the_scalar_stepper_bit_for_bit() {
        // Random states and carried step sizes (some below h, so that the
        // scalar path's first attempt differs) for 8 lanes, 2000 rounds:
        // every lane the lane version accepts equals one call of the
        // scalar `advance` bit for bit, and the scalar path made exactly
        // one sub-step of size h there (it keeps the step size at h); the
        // lanes compiled for every instruction set this CPU has.
        let h = 0.1;
        for isa in simd::available() {
            let mut g = Gen(0x0123_4567_89ab_cdef);
            let (mut accepted, mut declined) = (0, 0);
            for control in [Rkf45::<3>::absolute(1e-3), Rkf45::<3>::derivative(1e-6)] {
                for _ in 0..2000 {
                    let fs: Vec<_> = (0..LANES).map(|_| cond_rhs(&mut g)).collect();
                    let mut y0 = [[0.0; LANES]; 3];
                    let mut steps = [0.0; LANES];
                    for l in 0..LANES {
                        y0[0][l] = g.next(-80.0, -45.0);
                        y0[1][l] = g.next(0.0, 200.0);
                        y0[2][l] = g.next(0.0, 400.0);
                        steps[l] = if g.next(0.0, 1.0) < 0.2 { g.next(0.001, h) } else { g.next(h, 0.5) };
                    }
                    let (y1, ok) = first_step_at(isa, &control, &Cells(&fs), &y0, h, &steps);
                    for l in 0..LANES {
                        let mut y = [y0[0][l], y0[1][l], y0[2][l]];
                        let (mut t, mut step, mut calls) = (0.0, steps[l], 0);
                        while t < h {
                            control.apply(&mut y, &mut t, h, &mut step, &fs[l]);
                            calls += 1;
                        }
                        if ok[l] {
                            accepted += 1;
                            assert_eq!(y.map(f64::to_bits), [y1[0][l], y1[1][l], y1[2][l]].map(f64::to_bits));
                            assert_eq!((calls, step), (1, h), "lane {l}");
                        } else {
                            declined += 1;
                        }
                    }
                }
            }
            assert!(accepted > 10_000 && declined > 3_000, "{isa:?}: accepted {accepted}, declined {declined}");
        }
    }

    #[test]
    fn integrates_a_linear_system_to_tolerance() {
        // y' = -y/tau, y(0) = 1: exact exp(-t/tau). With eps_abs 1e-9 the
        // global error over 100 steps stays below 1e-8.
        let tau = 3.0;
        let s = Rkf45::<1>::absolute(1e-9);
        let mut y = [1.0];
        let mut step = 0.1;
        for k in 1..=100 {
            s.advance(&mut y, 0.1, &mut step, |y, f| f[0] = -y[0] / tau);
            let exact = (-(k as f64) * 0.1 / tau).exp();
            assert!((y[0] - exact).abs() < 1e-8, "step {k}: {} vs {exact}", y[0]);
        }
    }

    #[test]
    fn adapts_the_step_to_fast_dynamics() {
        // A fast decay (tau 0.01 ms) within a 0.1 ms step forces sub-steps;
        // the result must still match exp(-10) within the tolerance scale.
        for s in [Rkf45::<1>::absolute(1e-6), Rkf45::<1>::derivative(1e-6)] {
            let mut y = [1.0];
            let mut step = 0.1;
            s.advance(&mut y, 0.1, &mut step, |y, f| f[0] = -y[0] / 0.01);
            assert!((y[0] - (-10.0f64).exp()).abs() < 1e-5, "{}", y[0]);
            assert!(step < 0.1);
        }
    }
}
