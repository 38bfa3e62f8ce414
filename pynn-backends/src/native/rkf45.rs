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
                rmax = rmax.max(yerr[i].abs() / d0.abs());
            }
            let t_new = if final_step { t1 } else { t0 + h0 };
            let h_old = h0;
            if rmax > 1.1 {
                let r = (0.9 / rmax.powf(1.0 / 5.0)).max(0.2);
                let h_dec = r * h_old;
                if h_dec.abs() < h_old.abs() && t_new + h_dec != t_new {
                    // Rejected: undo and retry with the smaller step.
                    *y = y0;
                    h0 = h_dec;
                    continue;
                }
                // The step cannot shrink further: GSL accepts it.
                h0 = h_old;
            } else if rmax < 0.5 {
                let r = (0.9 / rmax.powf(1.0 / 6.0)).clamp(1.0, 5.0);
                h0 = r * h_old;
            }
            *step = h0;
            *t = t_new;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
