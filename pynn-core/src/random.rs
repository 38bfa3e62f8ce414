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
}

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
        }
    }

    fn check(&self) -> Result<()> {
        use DistributionKind::*;
        let bad = |what: &str, value: String, allowed: &str| {
            Err(Error::invalid_value(format!("RandomDistribution {}", self.name()), what, value, allowed))
        };
        match self.kind {
            Uniform { low, high } if !(low <= high) || !low.is_finite() || !high.is_finite() => {
                bad("low, high", format!("({low}, {high})"), "finite bounds with low <= high")
            }
            UniformInt { low, high } if low >= high => {
                bad("low, high", format!("({low}, {high})"), "low < high")
            }
            Normal { sigma, .. } | LogNormal { sigma, .. } if !(sigma >= 0.0) => {
                bad("sigma", sigma.to_string(), "sigma >= 0")
            }
            NormalClipped { sigma, low, high, .. } | NormalClippedToBoundary { sigma, low, high, .. }
                if !(sigma >= 0.0) || !(low <= high) =>
            {
                bad("sigma, low, high", format!("({sigma}, {low}, {high})"), "sigma >= 0 and low <= high")
            }
            Exponential { beta } if !(beta > 0.0) => bad("beta", beta.to_string(), "beta > 0"),
            Gamma { k, theta } if !(k > 0.0) || !(theta > 0.0) => {
                bad("k, theta", format!("({k}, {theta})"), "k > 0 and theta > 0")
            }
            Poisson { lambda } if !(lambda > 0.0) => bad("lambda_", lambda.to_string(), "lambda_ > 0"),
            Binomial { p, .. } if !(0.0..=1.0).contains(&p) => bad("p", p.to_string(), "0 <= p <= 1"),
            _ => Ok(()),
        }
    }

    /// Draw `n` values from `rng`.
    pub fn sample_n<R: Rng + ?Sized>(&self, rng: &mut R, n: usize) -> Result<Vec<f64>> {
        self.check()?;
        use DistributionKind::*;
        let map = |e: rand_distr::NormalError| Error::invalid_value("RandomDistribution", self.name(), e, "valid parameters");
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
                let d = rand_distr::Exp::new(1.0 / beta).expect("checked");
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Gamma { k, theta } => {
                let d = rand_distr::Gamma::new(k, theta).expect("checked");
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Poisson { lambda } => {
                let d = rand_distr::Poisson::new(lambda).expect("checked");
                out.extend((0..n).map(|_| d.sample(rng)))
            }
            Binomial { n: trials, p } => {
                let d = rand_distr::Binomial::new(trials, p).expect("checked");
                out.extend((0..n).map(|_| d.sample(rng) as f64))
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_keyed_and_reproducible() {
        let s = Streams::new(42);
        let a: Vec<u64> = (0..4).map(|_| 0).scan(s.rng(ObjectKind::Population, 1, "v", 0), |r, _| Some(r.random())).collect();
        let b: Vec<u64> = (0..4).map(|_| 0).scan(s.rng(ObjectKind::Population, 1, "v", 0), |r, _| Some(r.random())).collect();
        let c: Vec<u64> = (0..4).map(|_| 0).scan(s.rng(ObjectKind::Population, 2, "v", 0), |r, _| Some(r.random())).collect();
        let d: Vec<u64> = (0..4).map(|_| 0).scan(Streams::new(43).rng(ObjectKind::Population, 1, "v", 0), |r, _| Some(r.random())).collect();
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
}
