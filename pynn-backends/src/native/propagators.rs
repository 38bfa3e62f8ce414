//! Exact-integration propagators for leaky integrate-and-fire neurons with
//! exponential and alpha-shaped post-synaptic currents.
//!
//! For the membrane `C dV/dt = -C V / tau_m + I(t)` driven by a synaptic
//! current decaying with `tau_s`, the propagators over one step `h` are
//! (Rotter & Diesmann 1999; NEST 3.10 `libnestutil/iaf_propagator.cpp`):
//!
//! * current to voltage (exponential current, or the `I` component of an
//!   alpha current): `P32 = beta/C * exp(-h/tau_s) * expm1(h/tau_s - h/tau_m)`
//!   with `beta = tau_s tau_m / (tau_m - tau_s)`;
//! * current derivative to voltage (the `dI` component of an alpha current):
//!   `P31 = beta/C * exp(-h/tau_s) * (beta * expm1(h/beta) - h)`.
//!
//! Both are singular at `tau_m = tau_s`. NEST's guard, used here: `P31`
//! takes the regular form only if `h > 1e-7 * tau_m^2 / |tau_m - tau_s|`,
//! otherwise its limit `h^2 / (2C) * exp(-h/tau_m)`; `P32` falls back to its
//! limit `h / C * exp(-h/tau_m)` when the regular form is not a positive
//! normal number. Tests compare both against nalgebra's matrix exponential.

/// Factor of NEST's guard for the singular case `tau_m ≈ tau_s`.
pub const NUMERICAL_STABILITY_FACTOR: f64 = 1e-7;

/// `P32`: response of the membrane (mV) at the end of a step of length `h`
/// to a unit synaptic current (nA) decaying with `tau_s`, capacitance `c` (nF).
pub fn p32(tau_s: f64, tau_m: f64, c: f64, h: f64) -> f64 {
    let beta = tau_s * tau_m / (tau_m - tau_s);
    // h/beta equals h/tau_s - h/tau_m, computed without cancellation when
    // tau_m and tau_s are close (NEST subtracts; identical away from there).
    let p = beta / c * (-h / tau_s).exp() * (h / beta).exp_m1();
    if p.is_normal() && p > 0.0 { p } else { h / c * (-h / tau_m).exp() }
}

/// `P31`: response of the membrane at the end of a step to a unit value of
/// the derivative state `dI` of an alpha-shaped current with time constant `tau_s`.
pub fn p31(tau_s: f64, tau_m: f64, c: f64, h: f64) -> f64 {
    if h > NUMERICAL_STABILITY_FACTOR * tau_m * tau_m / (tau_m - tau_s).abs() {
        let beta = tau_s * tau_m / (tau_m - tau_s);
        beta / c * (-h / tau_s).exp() * (beta * (h / beta).exp_m1() - h)
    } else {
        0.5 * h * h / c * (-h / tau_m).exp()
    }
}

/// Number of steps of a refractory period, as NEST computes it: the period
/// is rounded to the nearest tic (1 us) and then up to whole steps.
pub fn refractory_steps(t_ref: f64, h: f64) -> u32 {
    let tics = (t_ref * 1000.0 + 0.5).floor();
    let per_step = (h * 1000.0 + 0.5).floor();
    (tics / per_step).ceil().max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Matrix3;

    /// Propagator matrix of the linear system (dI, I, V) for an alpha
    /// current: d(dI)/dt = -dI/ts, dI/dt = dI - I/ts, dV/dt = I/C - V/tm.
    fn oracle(ts: f64, tm: f64, c: f64, h: f64) -> Matrix3<f64> {
        let a = Matrix3::new(-1.0 / ts, 0.0, 0.0, 1.0, -1.0 / ts, 0.0, 0.0, 1.0 / c, -1.0 / tm);
        (a * h).exp()
    }

    #[test]
    fn propagators_match_matrix_exponential() {
        // Relative agreement to 1e-10 is far below the 1e-6 mV trace
        // tolerance of the NEST comparison; near the singular point the
        // limit forms are exact to O(|tm - ts|).
        for &(ts, tm, c, h) in &[
            (0.5, 20.0, 1.0, 0.1),
            (5.0, 20.0, 0.2, 0.1),
            (10.0, 20.0, 0.5, 0.1),
            (2.0, 10.0, 0.25, 0.01),
            (10.0, 10.0, 1.0, 0.1),
            (10.0, 10.0 + 1e-9, 1.0, 0.1),
            (20.0, 10.0, 1.0, 1.0),
        ] {
            let m = oracle(ts, tm, c, h);
            let (e31, e32) = (m[(2, 0)], m[(2, 1)]);
            assert!(
                (p31(ts, tm, c, h) - e31).abs() <= 1e-10 * e31.abs(),
                "P31 {ts} {tm}: {} vs {e31}",
                p31(ts, tm, c, h)
            );
            assert!(
                (p32(ts, tm, c, h) - e32).abs() <= 1e-10 * e32.abs(),
                "P32 {ts} {tm}: {} vs {e32}",
                p32(ts, tm, c, h)
            );
        }
    }

    #[test]
    fn refractory_rounding_follows_nest() {
        assert_eq!(refractory_steps(0.1, 0.1), 1);
        assert_eq!(refractory_steps(5.0, 0.1), 50);
        assert_eq!(refractory_steps(0.25, 0.1), 3);
        assert_eq!(refractory_steps(0.0, 0.1), 0);
        assert_eq!(refractory_steps(2.0, 0.1), 20);
    }
}
