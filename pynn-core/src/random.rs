//! Deterministic randomness: random distributions with PyNN's names and the
//! session's keyed random streams.
//!
//! # Streams
//!
//! Every random number in a model (connectivity, random parameter values,
//! initial values, Poisson spike trains) comes from a stream keyed by
//! `(session seed, object, purpose, draw)`, never by thread. The algorithm is
//! named and fixed: **ChaCha8** (`rand_chacha` 0.10, `ChaCha8Rng`) whose
//! 256-bit key is derived from the tuple with a SplitMix64 chain over FNV-1a-64
//! hashes (see [`Streams::rng`]). Within one keyed stream, independent
//! sub-streams (one per neuron, one per connector row) use ChaCha's 64-bit
//! stream number, so results do not depend on how work is split across
//! threads. The same seed therefore gives the same network on every backend:
//! backends receive explicit values, they never draw.

use crate::error::{Error, Result};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

/// The random number generator used everywhere in pynn-rs.
pub type SimRng = ChaCha8Rng;

/// What kind of object a random stream belongs to (part of the stream key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A population (parameter and initial values, spike-source trains).
    Population,
    /// A projection (connectivity, synaptic parameter values).
    Projection,
    /// A current source (noise).
    CurrentSource,
    /// A user-seeded distribution (see [`RandomDistribution::with_seed`]).
    User,
}

/// Factory of keyed random streams for one session seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    seed: u64,
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Streams {
    /// Streams for a session seed.
    pub fn new(seed: u64) -> Self {
        Streams { seed }
    }

    /// The session seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream for `(seed, object kind, object id, purpose, draw)`.
    ///
    /// `draw` distinguishes successive draws for the same purpose (e.g. a
    /// second `set(tau_m = random)` on the same population).
    pub fn rng(&self, kind: ObjectKind, id: u64, purpose: &str, draw: u64) -> SimRng {
        let mut h = fnv1a(&self.seed.to_le_bytes());
        for part in [kind as u64, id, fnv1a(purpose.as_bytes()), draw] {
            h = fnv1a(&(h ^ part).to_le_bytes()).wrapping_add(part.rotate_left(17));
        }
        let mut state = h;
        let mut key = [0u8; 32];
        for chunk in key.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        ChaCha8Rng::from_seed(key)
    }
}

/// A probability distribution with PyNN's name and parameter names.
///
/// Values are drawn from the session's keyed streams when the distribution is
/// used to set parameters, initial values or synaptic attributes, unless
/// [`RandomDistribution::with_seed`] fixed a stream of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomDistribution {
    kind: DistributionKind,
    seed: Option<u64>,
}

/// The distributions, with PyNN's parameter names.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DistributionKind {
    /// `uniform(low, high)`: continuous uniform on [low, high).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `uniform_int(low, high)`: integers uniform on [low, high).
    UniformInt {
        /// Lower bound (inclusive).
        low: i64,
        /// Upper bound (exclusive).
        high: i64,
    },
    /// `normal(mu, sigma)`.
    Normal {
        /// Mean.
        mu: f64,
        /// Standard deviation.
        sigma: f64,
    },
    /// `normal_clipped(mu, sigma, low, high)`: normal, redrawn until in [low, high].
    NormalClipped {
        /// Mean.
        mu: f64,
        /// Standard deviation.
        sigma: f64,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `normal_clipped_to_boundary(mu, sigma, low, high)`: normal, values
    /// outside [low, high] set to the nearest bound.
    NormalClippedToBoundary {
        /// Mean.
        mu: f64,
        /// Standard deviation.
        sigma: f64,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `lognormal(mu, sigma)`: exp of normal(mu, sigma).
    LogNormal {
        /// Mean of the underlying normal.
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// `exponential(beta)`: mean `beta`.
    Exponential {
        /// Mean (scale).
        beta: f64,
    },
    /// `gamma(k, theta)`: shape `k`, scale `theta`.
    Gamma {
        /// Shape.
        k: f64,
        /// Scale.
        theta: f64,
    },
    /// `poisson(lambda_)`.
    Poisson {
        /// Mean.
        lambda: f64,
    },
    /// `binomial(n, p)`.
    Binomial {
        /// Number of trials.
        n: u64,
        /// Success probability.
        p: f64,
    },
    /// `vonmises(mu, kappa)`: the von Mises (circular normal) distribution on
    /// [-pi, pi], NumPy's `vonmises`.
    VonMises {
        /// Mean direction (radians).
        mu: f64,
        /// Concentration (>= 0; 0 is uniform on the circle).
        kappa: f64,
    },
}

/// PyNN's distribution names with their parameter names, in PyNN's
/// positional order (`pyNN/random.py`, `available_distributions`).
pub const DISTRIBUTIONS: &[(&str, &[&str])] = &[
    ("binomial", &["n", "p"]),
    ("gamma", &["k", "theta"]),
    ("exponential", &["beta"]),
    ("lognormal", &["mu", "sigma"]),
    ("normal", &["mu", "sigma"]),
    ("normal_clipped", &["mu", "sigma", "low", "high"]),
    ("normal_clipped_to_boundary", &["mu", "sigma", "low", "high"]),
    ("poisson", &["lambda_"]),
    ("uniform", &["low", "high"]),
    ("uniform_int", &["low", "high"]),
    ("vonmises", &["mu", "kappa"]),
];

impl RandomDistribution {
    fn of(kind: DistributionKind) -> Self {
        RandomDistribution { kind, seed: None }
    }
    /// PyNN's `uniform(low, high)`.
    pub fn uniform(low: f64, high: f64) -> Self {
        Self::of(DistributionKind::Uniform { low, high })
    }
    /// PyNN's `uniform_int(low, high)`.
    pub fn uniform_int(low: i64, high: i64) -> Self {
        Self::of(DistributionKind::UniformInt { low, high })
    }
    /// PyNN's `normal(mu, sigma)`.
    pub fn normal(mu: f64, sigma: f64) -> Self {
        Self::of(DistributionKind::Normal { mu, sigma })
    }
    /// PyNN's `normal_clipped(mu, sigma, low, high)`.
    pub fn normal_clipped(mu: f64, sigma: f64, low: f64, high: f64) -> Self {
        Self::of(DistributionKind::NormalClipped { mu, sigma, low, high })
    }
    /// PyNN's `normal_clipped_to_boundary(mu, sigma, low, high)`.
    pub fn normal_clipped_to_boundary(mu: f64, sigma: f64, low: f64, high: f64) -> Self {
        Self::of(DistributionKind::NormalClippedToBoundary { mu, sigma, low, high })
    }
    /// PyNN's `lognormal(mu, sigma)`.
    pub fn lognormal(mu: f64, sigma: f64) -> Self {
        Self::of(DistributionKind::LogNormal { mu, sigma })
    }
    /// PyNN's `exponential(beta)`.
    pub fn exponential(beta: f64) -> Self {
        Self::of(DistributionKind::Exponential { beta })
    }
    /// PyNN's `gamma(k, theta)`.
    pub fn gamma(k: f64, theta: f64) -> Self {
        Self::of(DistributionKind::Gamma { k, theta })
    }
    /// PyNN's `poisson(lambda_)`.
    pub fn poisson(lambda: f64) -> Self {
        Self::of(DistributionKind::Poisson { lambda })
    }
    /// PyNN's `binomial(n, p)`.
    pub fn binomial(n: u64, p: f64) -> Self {
        Self::of(DistributionKind::Binomial { n, p })
    }

    /// PyNN's `vonmises(mu, kappa)`.
    pub fn vonmises(mu: f64, kappa: f64) -> Self {
        Self::of(DistributionKind::VonMises { mu, kappa })
    }

    /// A distribution by PyNN's name with named parameters, as
    /// `RandomDistribution('normal', mu=0, sigma=1)`: every parameter of the
    /// distribution must be given once, and no other.
    ///
    /// ```
    /// # use pynn_core::RandomDistribution;
    /// let d = RandomDistribution::from_named("gamma", &[("k", 2.0), ("theta", 0.5)])?;
    /// assert_eq!(d, RandomDistribution::gamma(2.0, 0.5));
    /// assert!(RandomDistribution::from_named("gamma", &[("k", 2.0)]).is_err());
    /// # Ok::<(), pynn_core::Error>(())
    /// ```
    pub fn from_named(name: &str, parameters: &[(&str, f64)]) -> Result<Self> {
        let names = Self::parameter_names_of(name)?;
        let object = format!("RandomDistribution {name}");
        for (k, _) in parameters {
            if !names.contains(k) {
                return Err(Error::unknown_name(&object, "parameter", k, names.iter().copied()));
            }
        }
        let mut values = Vec::with_capacity(names.len());
        for n in names {
            let given: Vec<f64> = parameters.iter().filter(|(k, _)| k == n).map(|(_, v)| *v).collect();
            match given.as_slice() {
                [v] => values.push(*v),
                [] => {
                    return Err(Error::invalid_value(
                        &object,
                        n,
                        "(missing)",
                        format!("all of {} must be given", names.join(", ")),
                    ));
                }
                _ => return Err(Error::invalid_value(&object, n, "(given twice)", "each parameter once")),
            }
        }
        Self::from_positional(name, &values)
    }

    /// A distribution by PyNN's name with positional parameters in PyNN's
    /// order (see [`DISTRIBUTIONS`]), as `RandomDistribution('uniform', (0, 1))`.
    pub fn from_positional(name: &str, p: &[f64]) -> Result<Self> {
        let names = Self::parameter_names_of(name)?;
        if p.len() != names.len() {
            return Err(Error::LengthMismatch {
                object: format!("RandomDistribution {name}"),
                what: format!("parameters ({})", names.join(", ")),
                expected: names.len(),
                found: p.len(),
            });
        }
        let int = |k: usize| -> Result<i64> {
            if p[k].fract() == 0.0 && p[k].abs() < 9.0e15 {
                Ok(p[k] as i64)
            } else {
                Err(Error::invalid_value(format!("RandomDistribution {name}"), names[k], p[k], "an integer"))
            }
        };
        let d = match name {
            "binomial" => {
                let n = int(0)?;
                if n < 0 {
                    return Err(Error::invalid_value("RandomDistribution binomial", "n", n, "n >= 0"));
                }
                Self::binomial(n as u64, p[1])
            }
            "gamma" => Self::gamma(p[0], p[1]),
            "exponential" => Self::exponential(p[0]),
            "lognormal" => Self::lognormal(p[0], p[1]),
            "normal" => Self::normal(p[0], p[1]),
            "normal_clipped" => Self::normal_clipped(p[0], p[1], p[2], p[3]),
            "normal_clipped_to_boundary" => Self::normal_clipped_to_boundary(p[0], p[1], p[2], p[3]),
            "poisson" => Self::poisson(p[0]),
            "uniform" => Self::uniform(p[0], p[1]),
            "uniform_int" => Self::uniform_int(int(0)?, int(1)?),
            _ => Self::vonmises(p[0], p[1]),
        };
        d.check()?;
        Ok(d)
    }

    fn parameter_names_of(name: &str) -> Result<&'static [&'static str]> {
        DISTRIBUTIONS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p).ok_or_else(|| {
            Error::unknown_name("RandomDistribution", "distribution", name, DISTRIBUTIONS.iter().map(|d| d.0))
        })
    }

    /// PyNN's parameter names of this distribution, in positional order.
    pub fn parameter_names(&self) -> &'static [&'static str] {
        Self::parameter_names_of(self.name()).expect("every kind is listed")
    }

    /// The parameter values, in the order of [`RandomDistribution::parameter_names`].
    pub fn parameters(&self) -> Vec<f64> {
        use DistributionKind::*;
        match self.kind {
            Uniform { low, high } => vec![low, high],
            UniformInt { low, high } => vec![low as f64, high as f64],
            Normal { mu, sigma } | LogNormal { mu, sigma } => vec![mu, sigma],
            NormalClipped { mu, sigma, low, high } | NormalClippedToBoundary { mu, sigma, low, high } => {
                vec![mu, sigma, low, high]
            }
            Exponential { beta } => vec![beta],
            Gamma { k, theta } => vec![k, theta],
            Poisson { lambda } => vec![lambda],
            Binomial { n, p } => vec![n as f64, p],
            VonMises { mu, kappa } => vec![mu, kappa],
        }
    }

    /// Use a stream of this distribution's own, keyed by `seed` (like passing
    /// `rng=NumpyRNG(seed)` in PyNN), instead of the session's streams.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The seed given by [`RandomDistribution::with_seed`], if any.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The distribution and its parameters.
    pub fn kind(&self) -> &DistributionKind {
        &self.kind
    }

    /// PyNN's name of the distribution.
    pub fn name(&self) -> &'static str {
        use DistributionKind::*;
        match self.kind {
            Uniform { .. } => "uniform",
            UniformInt { .. } => "uniform_int",
            Normal { .. } => "normal",
            NormalClipped { .. } => "normal_clipped",
            NormalClippedToBoundary { .. } => "normal_clipped_to_boundary",
            LogNormal { .. } => "lognormal",
            Exponential { .. } => "exponential",
            Gamma { .. } => "gamma",
            Poisson { .. } => "poisson",
            Binomial { .. } => "binomial",
            VonMises { .. } => "vonmises",
        }
    }

    /// Checks the parameters against the whole domain the sampler accepts
    /// (done again by every draw): an error names the distribution, the
    /// parameter, its value and the allowed range. Bounds come from the
    /// samplers of `rand_distr` 0.6 (e.g. `Poisson::MAX_LAMBDA`,
    /// `rand_distr/src/poisson.rs`) and from what keeps every drawn value
    /// finite.
    pub fn validate(&self) -> Result<()> {
        self.check()
    }

    fn check(&self) -> Result<()> {
        use crate::error::fmt_num;
        use DistributionKind::*;
        let name = self.name();
        let bad = |what: &str, value: f64, allowed: &str| {
            Err(Error::invalid_value(format!("RandomDistribution {name}"), what, fmt_num(value), allowed))
        };
        let finite = |what: &str, x: f64| if x.is_finite() { Ok(()) } else { bad(what, x, "a finite number") };
        let sigma_ok = |sigma: f64| {
            if sigma >= 0.0 && sigma.is_finite() { Ok(()) } else { bad("sigma", sigma, "a finite number >= 0") }
        };
        let bounds = |low: f64, high: f64, finite_bounds: bool| {
            if low.is_nan() || (finite_bounds && !low.is_finite()) {
                return bad("low", low, if finite_bounds { "a finite number" } else { "a number (may be -inf)" });
            }
            if high.is_nan() || (finite_bounds && !high.is_finite()) {
                return bad("high", high, if finite_bounds { "a finite number" } else { "a number (may be inf)" });
            }
            if !(low <= high) {
                return Err(Error::invalid_value(
                    format!("RandomDistribution {name}"),
                    "low, high",
                    format!("({}, {})", fmt_num(low), fmt_num(high)),
                    "low <= high",
                ));
            }
            Ok(())
        };
        match self.kind {
            Uniform { low, high } => {
                bounds(low, high, true)?;
                if !(high - low).is_finite() {
                    return bad("high - low", high - low, "a finite width (|low| and |high| below about 8.9e307)");
                }
                Ok(())
            }
            UniformInt { low, high } if low >= high => Err(Error::invalid_value(
                format!("RandomDistribution {name}"),
                "low, high",
                format!("({low}, {high})"),
                "low < high (high is excluded)",
            )),
            UniformInt { .. } => Ok(()),
            Normal { mu, sigma } => {
                finite("mu", mu)?;
                sigma_ok(sigma)
            }
            LogNormal { mu, sigma } => {
                // exp(mu + sigma z) must stay finite for |z| up to ~40:
                // mu below ln(f64::MAX) = 709.78 is necessary, and sigma is
                // bounded like the normal's.
                if !(mu.is_finite() && mu < 709.0) {
                    return bad("mu", mu, "a finite number < 709 (exp(mu) must be finite)");
                }
                sigma_ok(sigma)
            }
            NormalClipped { mu, sigma, low, high } | NormalClippedToBoundary { mu, sigma, low, high } => {
                finite("mu", mu)?;
                sigma_ok(sigma)?;
                bounds(low, high, false)
            }
            Exponential { beta } if !(beta > 0.0 && beta.is_finite()) => bad("beta", beta, "a finite number > 0"),
            Exponential { .. } => Ok(()),
            Gamma { k, theta } => {
                if !(k > 0.0 && k.is_finite()) {
                    return bad("k", k, "a finite number > 0");
                }
                if !(theta > 0.0 && theta.is_finite()) {
                    return bad("theta", theta, "a finite number > 0");
                }
                Ok(())
            }
            Poisson { lambda } if !(lambda > 0.0 && lambda <= rand_distr::Poisson::<f64>::MAX_LAMBDA) => bad(
                "lambda_",
                lambda,
                &format!(
                    "a number > 0 and <= {:e} (the largest mean the sampler supports)",
                    rand_distr::Poisson::<f64>::MAX_LAMBDA
                ),
            ),
            Poisson { .. } => Ok(()),
            Binomial { p, .. } if !(0.0..=1.0).contains(&p) => bad("p", p, "a probability, 0 <= p <= 1"),
            Binomial { .. } => Ok(()),
            VonMises { mu, kappa } => {
                finite("mu", mu)?;
                if !(kappa >= 0.0 && kappa.is_finite()) {
                    return bad("kappa", kappa, "a finite number >= 0");
                }
                Ok(())
            }
        }
    }

    /// Draw `n` values from `rng`.
    pub fn sample_n<R: Rng + ?Sized>(&self, rng: &mut R, n: usize) -> Result<Vec<f64>> {
        self.check()?;
        use DistributionKind::*;
        let map =
            |e: rand_distr::NormalError| Error::invalid_value("RandomDistribution", self.name(), e, "valid parameters");
        // Refused by `check` already; kept as errors, never panics.
        let internal = |e: &dyn std::fmt::Display| {
            Error::invalid_value(format!("RandomDistribution {}", self.name()), "parameters", e, "valid parameters")
        };
        let mut out = Vec::with_capacity(n);
        match self.kind {
            Uniform { low, high } => out.extend((0..n).map(|_| low + (high - low) * rng.random::<f64>())),
            UniformInt { low, high } => out.extend((0..n).map(|_| rng.random_range(low..high) as f64)),
            Normal { mu, sigma } => {
                let d = rand_distr::Normal::new(mu, sigma).map_err(map)?;
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            NormalClipped { mu, sigma, low, high } => {
                let d = rand_distr::Normal::new(mu, sigma).map_err(map)?;
                for _ in 0..n {
                    let mut tries = 0u32;
                    loop {
                        let x = d.sample(rng);
                        if (low..=high).contains(&x) {
                            out.push(x);
                            break;
                        }
                        tries += 1;
                        if tries > 1_000_000 {
                            return Err(Error::invalid_value(
                                "RandomDistribution normal_clipped",
                                "low, high",
                                format!("({low}, {high})"),
                                "an interval with non-negligible probability under normal(mu, sigma)",
                            ));
                        }
                    }
                }
            }
            NormalClippedToBoundary { mu, sigma, low, high } => {
                let d = rand_distr::Normal::new(mu, sigma).map_err(map)?;
                out.extend((0..n).map(|_| d.sample(rng).clamp(low, high)))
            }
            LogNormal { mu, sigma } => {
                let d = rand_distr::LogNormal::new(mu, sigma).map_err(map)?;
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Exponential { beta } => {
                let d = rand_distr::Exp::new(1.0 / beta).map_err(|e| internal(&e))?;
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Gamma { k, theta } => {
                let d = rand_distr::Gamma::new(k, theta).map_err(|e| internal(&e))?;
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Poisson { lambda } => {
                let d = rand_distr::Poisson::new(lambda).map_err(|e| internal(&e))?;
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Binomial { n: trials, p } => {
                let d = rand_distr::Binomial::new(trials, p).map_err(|e| internal(&e))?;
                out.extend((0..n).map(|_| d.sample(rng) as f64))
            }
            VonMises { mu, kappa } => out.extend((0..n).map(|_| vonmises(rng, mu, kappa))),
        }
        Ok(out)
    }
}

/// One von Mises deviate on [-pi, pi]: Best & Fisher's (1979) rejection
/// algorithm as in NumPy's `random_vonmises` (`numpy/random/src/distributions/
/// distributions.c`), including its small-kappa and wrapped-normal
/// (kappa > 1e6) branches.
fn vonmises<R: Rng + ?Sized>(rng: &mut R, mu: f64, kappa: f64) -> f64 {
    use std::f64::consts::PI;
    if kappa < 1e-8 {
        return PI * (2.0 * rng.random::<f64>() - 1.0);
    }
    let s = if kappa < 1e-5 {
        // Second-order Taylor expansion around kappa = 0.
        1.0 / kappa + kappa
    } else if kappa <= 1e6 {
        let r = 1.0 + (1.0 + 4.0 * kappa * kappa).sqrt();
        let rho = (r - (2.0 * r).sqrt()) / (2.0 * kappa);
        (1.0 + rho * rho) / (2.0 * rho)
    } else {
        // Wrapped normal: the von Mises tends to N(mu, 1/kappa).
        let z: f64 = rand_distr::StandardNormal.sample(rng);
        let x = mu + z / kappa.sqrt();
        return (x + PI).rem_euclid(2.0 * PI) - PI;
    };
    let w = loop {
        let u: f64 = rng.random();
        let z = (PI * u).cos();
        let w = (1.0 + s * z) / (s + z);
        let y = kappa * (s - w);
        let v: f64 = rng.random();
        if y * (2.0 - y) - v >= 0.0 || (y / v).ln() + 1.0 - y >= 0.0 {
            break w;
        }
    };
    let u: f64 = rng.random();
    let mut x = w.clamp(-1.0, 1.0).acos();
    if u < 0.5 {
        x = -x;
    }
    x += mu;
    // Back into [-pi, pi], keeping the sign convention of NumPy.
    let neg = x < 0.0;
    let mut m = x.abs();
    m = (m + PI).rem_euclid(2.0 * PI) - PI;
    if neg {
        m = -m;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_keyed_and_reproducible() {
        let s = Streams::new(42);
        let a: Vec<u64> =
            (0..4).map(|_| 0).scan(s.rng(ObjectKind::Population, 1, "v", 0), |r, _| Some(r.random())).collect();
        let b: Vec<u64> =
            (0..4).map(|_| 0).scan(s.rng(ObjectKind::Population, 1, "v", 0), |r, _| Some(r.random())).collect();
        let c: Vec<u64> =
            (0..4).map(|_| 0).scan(s.rng(ObjectKind::Population, 2, "v", 0), |r, _| Some(r.random())).collect();
        let d: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(Streams::new(43).rng(ObjectKind::Population, 1, "v", 0), |r, _| Some(r.random()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn uniform_mean_and_bounds() {
        // 10^5 samples of U(-60, -50): mean -55, sd 10/sqrt(12) = 2.89;
        // standard error of the mean 0.0091, so 5 SE = 0.046.
        let mut rng = Streams::new(1).rng(ObjectKind::User, 0, "t", 0);
        let x = RandomDistribution::uniform(-60.0, -50.0).sample_n(&mut rng, 100_000).unwrap();
        assert!(x.iter().all(|v| (-60.0..-50.0).contains(v)));
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        assert!((mean + 55.0).abs() < 0.046, "mean {mean}");
    }

    #[test]
    fn invalid_parameters_are_errors() {
        let mut rng = Streams::new(1).rng(ObjectKind::User, 0, "t", 0);
        assert!(RandomDistribution::uniform(1.0, 0.0).sample_n(&mut rng, 1).is_err());
        assert!(RandomDistribution::normal(0.0, -1.0).sample_n(&mut rng, 1).is_err());
        assert!(RandomDistribution::binomial(3, 1.5).sample_n(&mut rng, 1).is_err());
    }

    // ---- Moments on 10^6 samples -------------------------------------
    //
    // Bounds. For N i.i.d. samples with mean m and variance v, the sample
    // mean has standard error sqrt(v / N) and (CLT) is normal to high
    // accuracy at N = 10^6. The sample variance s^2 has variance
    // (mu4 - v^2) / N + O(1/N^2), mu4 the fourth central moment, which we
    // estimate from the same samples (a consistent estimate; the bound is
    // then approximate only at relative order N^(-1/2)). We accept
    // |mean - m| < 5 SE and |s^2 - v| < 5 SE(s^2): under the null a
    // two-sided 5-sigma excursion has probability 5.7e-7 per check, and the
    // streams are seeded, so the tests are deterministic anyway.
    const N: usize = 1_000_000;

    fn draw(d: &RandomDistribution, seed: u64) -> Vec<f64> {
        let mut rng = Streams::new(seed).rng(ObjectKind::User, 0, d.name(), 0);
        d.sample_n(&mut rng, N).unwrap()
    }

    fn check_moments(name: &str, x: &[f64], mean: f64, var: f64) {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let s2 = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
        let m4 = x.iter().map(|v| (v - m).powi(4)).sum::<f64>() / n;
        let se_mean = (var / n).sqrt();
        let se_var = ((m4 - s2 * s2).max(0.0) / n).sqrt();
        assert!((m - mean).abs() < 5.0 * se_mean, "{name}: mean {m}, expected {mean} (5 SE = {})", 5.0 * se_mean);
        assert!((s2 - var).abs() < 5.0 * se_var, "{name}: variance {s2}, expected {var} (5 SE = {})", 5.0 * se_var);
    }

    /// erf by Abramowitz & Stegun 7.1.28-style rational approximation
    /// (Numerical Recipes' `erfcc`, fractional error < 1.2e-7 everywhere),
    /// far below the 5-SE tolerances used here (~1e-3 relative).
    fn erf(x: f64) -> f64 {
        let z = x.abs();
        let t = 1.0 / (1.0 + 0.5 * z);
        let r = t
            * (-z * z - 1.26551223
                + t * (1.00002368
                    + t * (0.37409196
                        + t * (0.09678418
                            + t * (-0.18628806
                                + t * (0.27886807
                                    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
                .exp();
        if x >= 0.0 { 1.0 - r } else { r - 1.0 }
    }
    fn cdf(z: f64) -> f64 {
        0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
    }
    fn pdf(z: f64) -> f64 {
        (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }

    #[test]
    fn simple_distributions_match_mean_and_variance() {
        let x = draw(&RandomDistribution::uniform(-60.0, -50.0), 1);
        assert!(x.iter().all(|v| (-60.0..-50.0).contains(v)));
        check_moments("uniform", &x, -55.0, 100.0 / 12.0);
        // Discrete uniform on {low, ..., high - 1}: m = high - low values,
        // mean (low + high - 1) / 2, variance (m^2 - 1) / 12.
        let x = draw(&RandomDistribution::uniform_int(-3, 7), 2);
        assert!(x.iter().all(|v| (-3.0..7.0).contains(v) && v.fract() == 0.0));
        assert!(x.contains(&-3.0) && x.contains(&6.0));
        check_moments("uniform_int", &x, 1.5, 99.0 / 12.0);
        check_moments("normal", &draw(&RandomDistribution::normal(-65.0, 3.0), 3), -65.0, 9.0);
        let (mu, s) = (0.5f64, 0.4f64);
        let x = draw(&RandomDistribution::lognormal(mu, s), 4);
        assert!(x.iter().all(|v| *v > 0.0));
        check_moments("lognormal", &x, (mu + s * s / 2.0).exp(), ((s * s).exp() - 1.0) * (2.0 * mu + s * s).exp());
        check_moments("exponential", &draw(&RandomDistribution::exponential(2.5), 5), 2.5, 6.25);
        // gamma(k, theta): mean k theta, variance k theta^2.
        check_moments("gamma", &draw(&RandomDistribution::gamma(2.0, 0.5), 6), 1.0, 0.5);
        check_moments("poisson", &draw(&RandomDistribution::poisson(3.7), 7), 3.7, 3.7);
        let x = draw(&RandomDistribution::binomial(20, 0.3), 8);
        assert!(x.iter().all(|v| (0.0..=20.0).contains(v) && v.fract() == 0.0));
        check_moments("binomial", &x, 6.0, 20.0 * 0.3 * 0.7);
    }

    #[test]
    fn clipped_normals_match_truncated_and_censored_moments() {
        let (mu, sigma, low, high) = (0.5f64, 2.0f64, -1.0f64, 4.0f64);
        let (a, b) = ((low - mu) / sigma, (high - mu) / sigma);
        let z = cdf(b) - cdf(a);
        // Truncated normal (normal_clipped redraws): Johnson, Kotz &
        // Balakrishnan (1994), eq. 13.134-13.135:
        // mean = mu + sigma (phi(a) - phi(b)) / Z,
        // var = sigma^2 [1 + (a phi(a) - b phi(b)) / Z - ((phi(a) - phi(b)) / Z)^2].
        let x = draw(&RandomDistribution::normal_clipped(mu, sigma, low, high), 9);
        assert!(x.iter().all(|v| (low..=high).contains(v)));
        let d = (pdf(a) - pdf(b)) / z;
        check_moments(
            "normal_clipped",
            &x,
            mu + sigma * d,
            sigma * sigma * (1.0 + (a * pdf(a) - b * pdf(b)) / z - d * d),
        );
        // Censored normal (normal_clipped_to_boundary): mass Phi(a) at low,
        // 1 - Phi(b) at high, and the normal density in between:
        // E[X] = low Phi(a) + high (1 - Phi(b)) + mu Z + sigma (phi(a) - phi(b)),
        // E[X^2] = low^2 Phi(a) + high^2 (1 - Phi(b))
        //        + mu^2 Z + 2 mu sigma (phi(a) - phi(b)) + sigma^2 (Z + a phi(a) - b phi(b)).
        let x = draw(&RandomDistribution::normal_clipped_to_boundary(mu, sigma, low, high), 10);
        assert!(x.iter().all(|v| (low..=high).contains(v)));
        let e1 = low * cdf(a) + high * (1.0 - cdf(b)) + mu * z + sigma * (pdf(a) - pdf(b));
        let e2 = low * low * cdf(a)
            + high * high * (1.0 - cdf(b))
            + mu * mu * z
            + 2.0 * mu * sigma * (pdf(a) - pdf(b))
            + sigma * sigma * (z + a * pdf(a) - b * pdf(b));
        check_moments("normal_clipped_to_boundary", &x, e1, e2 - e1 * e1);
        // The fraction clipped to `low` is binomial(N, Phi(a)): 5 SE bound.
        let p = cdf(a);
        let frac = x.iter().filter(|v| **v == low).count() as f64 / N as f64;
        assert!((frac - p).abs() < 5.0 * (p * (1.0 - p) / N as f64).sqrt(), "fraction at low {frac}, expected {p}");
    }

    /// Modified Bessel function I_n(x) by its power series
    /// sum_k (x/2)^(2k+n) / (k! (k+n)!) (Abramowitz & Stegun 9.6.10),
    /// converged to machine precision for the small x used here.
    fn bessel_i(n: i32, x: f64) -> f64 {
        let mut term = (x / 2.0).powi(n) / (1..=n).map(f64::from).product::<f64>();
        let mut sum = term;
        for k in 1..200 {
            term *= (x / 2.0).powi(2) / (f64::from(k) * f64::from(k + n));
            sum += term;
        }
        sum
    }

    #[test]
    fn vonmises_matches_circular_moments() {
        // For theta ~ vonMises(mu, kappa): E[cos(theta - mu)] = I1/I0,
        // E[sin(theta - mu)] = 0, E[cos^2(theta - mu)] = (1 + I2/I0) / 2
        // (Mardia & Jupp 2000, eq. 3.5.17 and cos^2 = (1 + cos 2x) / 2).
        // We check the mean and variance of c = cos(theta - mu) and of
        // s = sin(theta - mu) (variance 1 - E[c^2]) with the bounds above.
        for (k, (mu, kappa)) in [(0.7f64, 2.0f64), (-2.5, 0.5), (3.0, 40.0)].into_iter().enumerate() {
            let x = draw(&RandomDistribution::vonmises(mu, kappa), 11 + k as u64);
            let pi = std::f64::consts::PI;
            assert!(x.iter().all(|v| (-pi..=pi).contains(v)));
            let r1 = bessel_i(1, kappa) / bessel_i(0, kappa);
            let ec2 = (1.0 + bessel_i(2, kappa) / bessel_i(0, kappa)) / 2.0;
            let c: Vec<f64> = x.iter().map(|t| (t - mu).cos()).collect();
            let s: Vec<f64> = x.iter().map(|t| (t - mu).sin()).collect();
            check_moments("vonmises cos", &c, r1, ec2 - r1 * r1);
            check_moments("vonmises sin", &s, 0.0, 1.0 - ec2);
        }
        // kappa = 0: uniform on [-pi, pi): mean 0, variance pi^2 / 3.
        check_moments(
            "vonmises(0, 0)",
            &draw(&RandomDistribution::vonmises(0.0, 0.0), 20),
            0.0,
            std::f64::consts::PI.powi(2) / 3.0,
        );
    }

    #[test]
    fn names_and_parameter_names_are_pynn_s() {
        for (name, params) in DISTRIBUTIONS {
            let values: Vec<f64> = match *name {
                "binomial" => vec![10.0, 0.5],
                "uniform_int" => vec![0.0, 5.0],
                "normal_clipped" | "normal_clipped_to_boundary" => vec![0.0, 1.0, -1.0, 1.0],
                _ => vec![1.0; params.len()],
            };
            let d = RandomDistribution::from_positional(name, &values).unwrap();
            assert_eq!(d.name(), *name);
            assert_eq!(d.parameter_names(), *params);
            assert_eq!(d.parameters(), values);
            let named: Vec<(&str, f64)> = params.iter().copied().zip(values.iter().copied()).collect();
            assert_eq!(RandomDistribution::from_named(name, &named).unwrap(), d);
        }
        assert!(matches!(RandomDistribution::from_named("gaussian", &[]), Err(Error::UnknownName { .. })));
        let e = RandomDistribution::from_named("normal", &[("mu", 0.0), ("sd", 1.0)]).unwrap_err();
        assert!(e.to_string().contains("sigma"), "{e}");
        assert!(RandomDistribution::from_positional("uniform", &[0.0]).is_err());
        assert!(RandomDistribution::from_positional("uniform_int", &[0.5, 3.0]).is_err());
        assert!(RandomDistribution::from_positional("vonmises", &[0.0, -1.0]).is_err());
    }
}
