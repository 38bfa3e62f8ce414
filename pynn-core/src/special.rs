//! Special functions needed by the gamma spike sources and by statistical
//! tests of spike trains: `ln Γ`, the regularised incomplete gamma functions
//! and the hazard of the gamma distribution.
//!
//! Algorithms: Lanczos approximation of `ln Γ` (g = 7, n = 9 coefficients,
//! relative error < 1e-15 for x > 0); incomplete gamma by its power series
//! for `x < a + 1` and by the modified-Lentz continued fraction otherwise
//! (Press et al., *Numerical Recipes*, 3rd ed., §6.2), both to a relative
//! accuracy of 1e-15.

use std::f64::consts::PI;

const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// Natural logarithm of the gamma function, for `x > 0`.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + 7.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Series `γ(a, x) e^x x^-a Γ(a)`-style sum: returns `P(a, x)` for `x < a + 1`.
fn p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..10_000 {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

/// Continued fraction `h` with `Q(a, x) = exp(-x + a ln x - ln Γ(a)) h`, for `x >= a + 1`.
fn q_fraction(a: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// Regularised lower incomplete gamma function `P(a, x) = γ(a, x) / Γ(a)`:
/// the CDF at `x` of the gamma distribution of shape `a` and scale 1.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x < a + 1.0 {
        p_series(a, x)
    } else {
        1.0 - q_fraction(a, x) * (-x + a * x.ln() - ln_gamma(a)).exp()
    }
}

/// Regularised upper incomplete gamma function `Q(a, x) = 1 - P(a, x)`.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        1.0
    } else if x < a + 1.0 {
        1.0 - p_series(a, x)
    } else {
        q_fraction(a, x) * (-x + a * x.ln() - ln_gamma(a)).exp()
    }
}

/// Hazard `f(x) / (1 - F(x))` of the gamma distribution of shape `a` and
/// scale 1 at `x >= 0` (multiply by `1/scale` for another scale).
///
/// Computed without underflow for large `x`: there
/// `f / Q = 1 / (x h)` with `h` the continued fraction of `Q`. For `a >= 1`
/// the hazard increases from 0 (or 1 at a = 1) towards its limit 1.
pub fn gamma_hazard(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return if a < 1.0 {
            f64::INFINITY
        } else if a == 1.0 {
            1.0
        } else {
            0.0
        };
    }
    if x < a + 1.0 {
        let ln_pdf = (a - 1.0) * x.ln() - x - ln_gamma(a);
        ln_pdf.exp() / (1.0 - p_series(a, x))
    } else {
        1.0 / (x * q_fraction(a, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_values() {
        // Γ(n) = (n-1)!; Γ(1/2) = sqrt(π).
        assert!((ln_gamma(1.0)).abs() < 1e-14);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
        assert!((ln_gamma(0.5) - PI.sqrt().ln()).abs() < 1e-13);
        assert!((ln_gamma(30.0) - 71.257_038_967_168_01).abs() < 1e-11);
    }

    #[test]
    fn incomplete_gamma_values() {
        // a = 1: exponential, P = 1 - e^-x. a = 2: P = 1 - (1 + x) e^-x.
        for x in [0.01, 0.5, 1.0, 2.0, 5.0, 30.0] {
            assert!((gamma_p(1.0, x) - (1.0 - (-x).exp())).abs() < 1e-14, "{x}");
            assert!((gamma_q(2.0, x) - (1.0 + x) * (-x).exp()).abs() < 1e-14, "{x}");
            // Hazard of a = 2: x / (1 + x).
            assert!((gamma_hazard(2.0, x) - x / (1.0 + x)).abs() < 1e-12, "{x}");
            assert!((gamma_hazard(1.0, x) - 1.0).abs() < 1e-12, "{x}");
        }
        // Integer a: Q(n, x) = e^-x sum_{k<n} x^k / k!.
        for x in [0.5, 4.0, 6.5, 12.0] {
            let mut term = 1.0;
            let mut sum = 1.0;
            for k in 1..6 {
                term *= x / k as f64;
                sum += term;
            }
            assert!((gamma_q(6.0, x) - (-x).exp() * sum).abs() < 1e-13, "{x}");
        }
        // Large x: no underflow, hazard of a = 3 is x^2 / (x^2 + 2x + 2).
        let x = 800.0;
        assert!((gamma_hazard(3.0, x) - x * x / (x * x + 2.0 * x + 2.0)).abs() < 1e-12);
    }
}
