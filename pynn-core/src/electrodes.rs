//! Current sources (electrodes) with PyNN's names, parameters and timing.
//!
//! Convention (PyNN #474, verified against NEST 3.10 through PyNN 0.13, see
//! `tests/data/nest_reference.py`): the current is present at the electrode
//! from `start` (inclusive) to `stop` (exclusive); the membrane potential
//! responds from the next time step. Step times are rounded to the time
//! grid; when several fall on the same step the last amplitude wins
//! (test_issue512).
//!
//! Every source's time course is a pure function of its description
//! ([`CurrentSourceSpec::sample`]), noise included: the Gaussian values of a
//! [`NoisyCurrentSource`] are read from the session's keyed ChaCha8 stream
//! at a position given by the time, so the core can record exactly what
//! every backend injects (PyNN's `source.record()`), and every backend
//! receives the same values.

use crate::error::{Error, Result};
use crate::parameters::Value;
use crate::random::{ObjectKind, Streams};
use rand::Rng;

/// A current source: a time course of injected current (nA).
pub trait CurrentSource: Clone + Send + Sync + 'static {
    /// PyNN's name (`"DCSource"`, ...).
    const NAME: &'static str;
    /// The source as a backend-neutral description.
    fn spec(&self) -> CurrentSourceSpec;
}

/// Backend-neutral description of a current source, in PyNN's units.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CurrentSourceSpec {
    /// Constant current `amplitude` (nA) during `[start, stop)` (ms).
    Dc {
        /// Amplitude (nA).
        amplitude: f64,
        /// Start (ms).
        start: f64,
        /// Stop (ms).
        stop: f64,
    },
    /// Piecewise-constant current: `amplitudes[k]` from `times[k]` on
    /// (ms, nA); zero before `times[0]`; the last value holds.
    Step {
        /// Switching times (ms), strictly increasing.
        times: Vec<f64>,
        /// Amplitudes (nA), one per time.
        amplitudes: Vec<f64>,
    },
    /// Sinusoidal current
    /// `offset + amplitude sin(2 pi frequency (t - start) / 1000 + 2 pi phase / 360)`
    /// during `[start, stop)` (phase referenced to `start`, PyNN #497).
    Ac {
        /// Amplitude (nA).
        amplitude: f64,
        /// Offset (nA).
        offset: f64,
        /// Frequency (Hz).
        frequency: f64,
        /// Phase at `start` (degrees).
        phase: f64,
        /// Start (ms).
        start: f64,
        /// Stop (ms).
        stop: f64,
    },
    /// Gaussian white noise: a new value `mean + stdev z` every `dt` during
    /// `[start, stop)`.
    Noisy {
        /// Mean (nA).
        mean: f64,
        /// Standard deviation (nA).
        stdev: f64,
        /// Interval between new values (ms), a multiple of the time step.
        dt: f64,
        /// Start (ms).
        start: f64,
        /// Stop (ms).
        stop: f64,
        /// Random stream of the values (set by the session).
        key: NoiseKey,
    },
}

/// The random stream of a noisy current source: the session's keyed
/// stream `(seed, current source, "noise", trial)`.
///
/// Value `j` (the `j`-th interval after `start`) is computed from the four
/// 32-bit words at position `4 j` of that ChaCha8 stream by the Box–Muller
/// transform, so any value can be computed on its own, in any order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoiseKey {
    /// Session seed.
    pub seed: u64,
    /// Identifier of the source in its session.
    pub source: u64,
    /// Trial: the number of `reset()`s before the run (fresh noise per trial).
    pub trial: u64,
}

impl NoiseKey {
    fn values(&self) -> impl FnMut(u64) -> f64 {
        let mut rng = Streams::new(self.seed).rng(ObjectKind::CurrentSource, self.source, "noise", self.trial);
        move |j: u64| {
            rng.set_word_pos(4 * u128::from(j));
            // Uniforms in (0, 1] from the top 53 bits.
            let u1 = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
            let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    }
}

impl CurrentSourceSpec {
    /// PyNN's class name.
    pub fn name(&self) -> &'static str {
        match self {
            CurrentSourceSpec::Dc { .. } => "DCSource",
            CurrentSourceSpec::Step { .. } => "StepCurrentSource",
            CurrentSourceSpec::Ac { .. } => "ACSource",
            CurrentSourceSpec::Noisy { .. } => "NoisyCurrentSource",
        }
    }

    /// Parameter names of this kind of source.
    pub fn parameter_names(&self) -> &'static [&'static str] {
        match self {
            CurrentSourceSpec::Dc { .. } => &["amplitude", "start", "stop"],
            CurrentSourceSpec::Step { .. } => &["amplitudes", "times"],
            CurrentSourceSpec::Ac { .. } => &["amplitude", "offset", "frequency", "phase", "start", "stop"],
            CurrentSourceSpec::Noisy { .. } => &["mean", "stdev", "dt", "start", "stop"],
        }
    }

    /// Checks the values against PyNN's rules.
    pub fn validate(&self) -> Result<()> {
        match self {
            CurrentSourceSpec::Dc { amplitude, start, stop } => {
                if !amplitude.is_finite() {
                    return Err(Error::invalid_value("DCSource", "amplitude", amplitude, "a finite current (nA)"));
                }
                if !(*start >= 0.0) || !(*stop >= *start) {
                    return Err(Error::invalid_value(
                        "DCSource",
                        "start, stop",
                        format!("({start}, {stop})"),
                        "0 <= start <= stop (ms)",
                    ));
                }
            }
            CurrentSourceSpec::Step { times, amplitudes } => {
                if times.len() != amplitudes.len() {
                    return Err(Error::LengthMismatch {
                        object: "StepCurrentSource".into(),
                        what: "amplitudes".into(),
                        expected: times.len(),
                        found: amplitudes.len(),
                    });
                }
                if times.iter().any(|t| !(*t >= 0.0) || !t.is_finite()) || times.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(Error::invalid_value(
                        "StepCurrentSource",
                        "times",
                        format!("{times:?}"),
                        "times >= 0 in strictly increasing order (ms)",
                    ));
                }
                if amplitudes.iter().any(|a| !a.is_finite()) {
                    return Err(Error::invalid_value(
                        "StepCurrentSource",
                        "amplitudes",
                        format!("{amplitudes:?}"),
                        "finite currents (nA)",
                    ));
                }
            }
            CurrentSourceSpec::Ac { amplitude, offset, frequency, phase, start, stop } => {
                for (name, v) in
                    [("amplitude", amplitude), ("offset", offset), ("frequency", frequency), ("phase", phase)]
                {
                    if !v.is_finite() {
                        return Err(Error::invalid_value("ACSource", name, v, "a finite number"));
                    }
                }
                window("ACSource", *start, *stop)?;
            }
            CurrentSourceSpec::Noisy { mean, stdev, dt, start, stop, .. } => {
                if !mean.is_finite() {
                    return Err(Error::invalid_value("NoisyCurrentSource", "mean", mean, "a finite current (nA)"));
                }
                if !(*stdev >= 0.0) || !stdev.is_finite() {
                    return Err(Error::invalid_value(
                        "NoisyCurrentSource",
                        "stdev",
                        stdev,
                        "a finite current >= 0 (nA)",
                    ));
                }
                if !(*dt > 0.0) || !dt.is_finite() {
                    return Err(Error::invalid_value("NoisyCurrentSource", "dt", dt, "an interval > 0 (ms)"));
                }
                window("NoisyCurrentSource", *start, *stop)?;
            }
        }
        Ok(())
    }

    /// Checks what depends on the simulation time step `timestep` (ms): the
    /// `dt` of a noisy source must be a whole number of time steps.
    pub fn validate_for(&self, timestep: f64) -> Result<()> {
        self.validate()?;
        if let CurrentSourceSpec::Noisy { dt, .. } = self {
            let n = dt / timestep;
            if n.round() < 1.0 || (n - n.round()).abs() > 1e-9 * n.max(1.0) {
                return Err(Error::invalid_value(
                    "NoisyCurrentSource",
                    "dt",
                    dt,
                    format!("a whole multiple of the simulation time step ({timestep} ms)"),
                ));
            }
        }
        Ok(())
    }

    /// Sets parameter `name` (PyNN's `set_parameters`).
    pub fn set(&mut self, name: &str, value: Value) -> Result<()> {
        let object = self.name();
        let scalar = |v: &Value| match v {
            Value::Scalar(x) => Ok(*x),
            other => Err(Error::invalid_value(object, name, format!("{other:?}"), "a number")),
        };
        let array = |v: &Value| match v {
            Value::Array(a) => Ok(a.clone()),
            other => Err(Error::invalid_value(object, name, format!("{other:?}"), "an array of numbers")),
        };
        match (self, name) {
            (CurrentSourceSpec::Dc { amplitude, .. }, "amplitude") => *amplitude = scalar(&value)?,
            (CurrentSourceSpec::Dc { start, .. }, "start") => *start = scalar(&value)?,
            (CurrentSourceSpec::Dc { stop, .. }, "stop") => *stop = scalar(&value)?,
            (CurrentSourceSpec::Step { times, .. }, "times") => *times = array(&value)?,
            (CurrentSourceSpec::Step { amplitudes, .. }, "amplitudes") => *amplitudes = array(&value)?,
            (CurrentSourceSpec::Ac { amplitude, .. }, "amplitude") => *amplitude = scalar(&value)?,
            (CurrentSourceSpec::Ac { offset, .. }, "offset") => *offset = scalar(&value)?,
            (CurrentSourceSpec::Ac { frequency, .. }, "frequency") => *frequency = scalar(&value)?,
            (CurrentSourceSpec::Ac { phase, .. }, "phase") => *phase = scalar(&value)?,
            (CurrentSourceSpec::Ac { start, .. }, "start") => *start = scalar(&value)?,
            (CurrentSourceSpec::Ac { stop, .. }, "stop") => *stop = scalar(&value)?,
            (CurrentSourceSpec::Noisy { mean, .. }, "mean") => *mean = scalar(&value)?,
            (CurrentSourceSpec::Noisy { stdev, .. }, "stdev") => *stdev = scalar(&value)?,
            (CurrentSourceSpec::Noisy { dt, .. }, "dt") => *dt = scalar(&value)?,
            (CurrentSourceSpec::Noisy { start, .. }, "start") => *start = scalar(&value)?,
            (CurrentSourceSpec::Noisy { stop, .. }, "stop") => *stop = scalar(&value)?,
            (me, _) => {
                return Err(Error::unknown_name(object, "parameter", name, me.parameter_names().iter().copied()));
            }
        }
        Ok(())
    }

    /// Reads parameter `name`.
    pub fn get(&self, name: &str) -> Result<Value> {
        Ok(match (self, name) {
            (CurrentSourceSpec::Dc { amplitude, .. }, "amplitude") => Value::Scalar(*amplitude),
            (CurrentSourceSpec::Dc { start, .. }, "start") => Value::Scalar(*start),
            (CurrentSourceSpec::Dc { stop, .. }, "stop") => Value::Scalar(*stop),
            (CurrentSourceSpec::Step { times, .. }, "times") => Value::Array(times.clone()),
            (CurrentSourceSpec::Step { amplitudes, .. }, "amplitudes") => Value::Array(amplitudes.clone()),
            (CurrentSourceSpec::Ac { amplitude, .. }, "amplitude") => Value::Scalar(*amplitude),
            (CurrentSourceSpec::Ac { offset, .. }, "offset") => Value::Scalar(*offset),
            (CurrentSourceSpec::Ac { frequency, .. }, "frequency") => Value::Scalar(*frequency),
            (CurrentSourceSpec::Ac { phase, .. }, "phase") => Value::Scalar(*phase),
            (CurrentSourceSpec::Ac { start, .. }, "start") => Value::Scalar(*start),
            (CurrentSourceSpec::Ac { stop, .. }, "stop") => Value::Scalar(*stop),
            (CurrentSourceSpec::Noisy { mean, .. }, "mean") => Value::Scalar(*mean),
            (CurrentSourceSpec::Noisy { stdev, .. }, "stdev") => Value::Scalar(*stdev),
            (CurrentSourceSpec::Noisy { dt, .. }, "dt") => Value::Scalar(*dt),
            (CurrentSourceSpec::Noisy { start, .. }, "start") => Value::Scalar(*start),
            (CurrentSourceSpec::Noisy { stop, .. }, "stop") => Value::Scalar(*stop),
            (me, _) => {
                return Err(Error::unknown_name(me.name(), "parameter", name, me.parameter_names().iter().copied()));
            }
        })
    }

    /// The injected current at every step boundary `t_k = k dt` for
    /// `k in first..last`, the value applying to step `(t_k, t_k+1]`.
    ///
    /// Times are converted to steps with `round(t / dt)`; for step sources
    /// the last amplitude of several falling on one step wins. An AC source's
    /// value at step `k` is taken at `t_k`, with `t_k - start` measured from
    /// the rounded start (`(k - round(start/dt)) dt`); a noisy source's value
    /// `j = (k - round(start/dt)) / round(noise dt / dt)` is the `j`-th
    /// Gaussian of its stream ([`NoiseKey`]).
    pub fn sample(&self, dt: f64, first: u64, last: u64, out: &mut Vec<f64>) {
        out.clear();
        let step = |t: f64| (t / dt).round().max(0.0) as u64;
        match self {
            CurrentSourceSpec::Dc { amplitude, start, stop } => {
                let (a, b) = (step(*start), step(stop.min(1e15)));
                out.extend((first..last).map(|k| if k >= a && k < b { *amplitude } else { 0.0 }));
            }
            CurrentSourceSpec::Step { times, amplitudes } => {
                let steps: Vec<u64> = times.iter().map(|t| step(*t)).collect();
                let mut j = 0usize; // number of switch steps <= k
                let mut value = 0.0;
                for k in first..last {
                    while j < steps.len() && steps[j] <= k {
                        value = amplitudes[j];
                        j += 1;
                    }
                    out.push(value);
                }
            }
            CurrentSourceSpec::Ac { amplitude, offset, frequency, phase, start, stop } => {
                let (a, b) = (step(*start), step(stop.min(1e15)));
                let w = 2.0 * std::f64::consts::PI * frequency / 1000.0;
                let phi = 2.0 * std::f64::consts::PI * phase / 360.0;
                out.extend((first..last).map(|k| {
                    if k >= a && k < b { offset + amplitude * (w * (k - a) as f64 * dt + phi).sin() } else { 0.0 }
                }));
            }
            CurrentSourceSpec::Noisy { mean, stdev, dt: noise_dt, start, stop, key } => {
                let (a, b) = (step(*start), step(stop.min(1e15)));
                let n = ((noise_dt / dt).round() as u64).max(1);
                let mut z = key.values();
                let mut cached: Option<(u64, f64)> = None;
                for k in first..last {
                    if k >= a && k < b {
                        let j = (k - a) / n;
                        let v = match cached {
                            Some((cj, v)) if cj == j => v,
                            _ => {
                                let v = mean + stdev * z(j);
                                cached = Some((j, v));
                                v
                            }
                        };
                        out.push(v);
                    } else {
                        out.push(0.0);
                    }
                }
            }
        }
    }
}

fn window(object: &str, start: f64, stop: f64) -> Result<()> {
    if !(start >= 0.0) || !(stop >= start) {
        return Err(Error::invalid_value(
            object,
            "start, stop",
            format!("({start}, {stop})"),
            "0 <= start <= stop (ms)",
        ));
    }
    Ok(())
}

/// Constant current during `[start, stop)` (PyNN `DCSource`; NEST `dc_generator`).
///
/// | name | default | unit |
/// |---|---|---|
/// | `amplitude` | 1.0 | nA |
/// | `start` | 0.0 | ms |
/// | `stop` | 1e12 | ms |
#[derive(Debug, Clone, PartialEq)]
pub struct DCSource {
    /// Amplitude (nA).
    pub amplitude: f64,
    /// Start (ms).
    pub start: f64,
    /// Stop (ms).
    pub stop: f64,
}

impl Default for DCSource {
    fn default() -> Self {
        DCSource { amplitude: 1.0, start: 0.0, stop: 1e12 }
    }
}

impl CurrentSource for DCSource {
    const NAME: &'static str = "DCSource";
    fn spec(&self) -> CurrentSourceSpec {
        CurrentSourceSpec::Dc { amplitude: self.amplitude, start: self.start, stop: self.stop }
    }
}

/// Piecewise-constant current (PyNN `StepCurrentSource`; NEST
/// `step_current_generator`): zero before `times[0]`, then `amplitudes[k]`
/// from `times[k]` on, the last value holding to the end of the simulation.
///
/// | name | default | unit |
/// |---|---|---|
/// | `times` | `[]` | ms |
/// | `amplitudes` | `[]` | nA |
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepCurrentSource {
    /// Switching times (ms), strictly increasing.
    pub times: Vec<f64>,
    /// Amplitudes (nA).
    pub amplitudes: Vec<f64>,
}

impl CurrentSource for StepCurrentSource {
    const NAME: &'static str = "StepCurrentSource";
    fn spec(&self) -> CurrentSourceSpec {
        CurrentSourceSpec::Step { times: self.times.clone(), amplitudes: self.amplitudes.clone() }
    }
}

/// Sinusoidal current (PyNN `ACSource`; NEST `ac_generator` with PyNN's
/// phase correction):
///
/// ```text
/// i(t) = offset + amplitude sin(2 pi frequency (t - start) / 1000 + 2 pi phase / 360)
/// ```
///
/// during `[start, stop)`, zero outside. The phase refers to `start`
/// (PyNN #497), so with `phase = 0` and `offset = 0` the current at `start`
/// is 0, with `phase = 90` it is `amplitude`. The value applying to the
/// step `(t_k, t_k+1]` is `i(t_k)`.
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `amplitude` | 1.0 | nA | amplitude of the sinusoid |
/// | `offset` | 0.0 | nA | constant added to the sinusoid |
/// | `frequency` | 10.0 | Hz | frequency |
/// | `phase` | 0.0 | deg | phase at `start` |
/// | `start` | 0.0 | ms | start of the current |
/// | `stop` | 1e12 | ms | end of the current (exclusive) |
///
/// References: PyNN 0.13 `pyNN/standardmodels/electrodes.py` (`ACSource`),
/// `pyNN/nest/standardmodels/electrodes.py` (phase correction, PR #502);
/// NEST 3.10 `models/ac_generator.h`.
#[derive(Debug, Clone, PartialEq)]
pub struct ACSource {
    /// Amplitude (nA).
    pub amplitude: f64,
    /// Offset (nA).
    pub offset: f64,
    /// Frequency (Hz).
    pub frequency: f64,
    /// Phase at `start` (degrees).
    pub phase: f64,
    /// Start (ms).
    pub start: f64,
    /// Stop (ms).
    pub stop: f64,
}

impl Default for ACSource {
    fn default() -> Self {
        ACSource { amplitude: 1.0, offset: 0.0, frequency: 10.0, phase: 0.0, start: 0.0, stop: 1e12 }
    }
}

impl CurrentSource for ACSource {
    const NAME: &'static str = "ACSource";
    fn spec(&self) -> CurrentSourceSpec {
        CurrentSourceSpec::Ac {
            amplitude: self.amplitude,
            offset: self.offset,
            frequency: self.frequency,
            phase: self.phase,
            start: self.start,
            stop: self.stop,
        }
    }
}

/// Gaussian white-noise current (PyNN `NoisyCurrentSource`; NEST
/// `noise_generator`): during `[start, stop)` the current is piecewise
/// constant, a new value `mean + stdev z` (`z` standard normal) every `dt`
/// from `start` on; zero outside.
///
/// `dt` must be a whole multiple of the simulation time step (checked when
/// the source is created or changed). The values come from the session's
/// keyed stream (seed, source, `"noise"`, trial) — see [`NoiseKey`] — not
/// from a backend's generator, so every backend injects, and `record()`
/// reports, the same values; a new trial after `reset()` gets fresh values.
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `mean` | 0.0 | nA | mean current |
/// | `stdev` | 1.0 | nA | standard deviation of the current |
/// | `dt` | 0.1 | ms | interval between new values |
/// | `start` | 0.0 | ms | start of the current |
/// | `stop` | 1e12 | ms | end of the current (exclusive) |
///
/// References: PyNN 0.13 `pyNN/standardmodels/electrodes.py`
/// (`NoisyCurrentSource`); NEST 3.10 `models/noise_generator.h`; Box GEP,
/// Muller ME (1958) Ann Math Stat 29:610–611.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisyCurrentSource {
    /// Mean (nA).
    pub mean: f64,
    /// Standard deviation (nA).
    pub stdev: f64,
    /// Interval between new values (ms).
    pub dt: f64,
    /// Start (ms).
    pub start: f64,
    /// Stop (ms).
    pub stop: f64,
}

impl Default for NoisyCurrentSource {
    fn default() -> Self {
        NoisyCurrentSource { mean: 0.0, stdev: 1.0, dt: 0.1, start: 0.0, stop: 1e12 }
    }
}

impl CurrentSource for NoisyCurrentSource {
    const NAME: &'static str = "NoisyCurrentSource";
    fn spec(&self) -> CurrentSourceSpec {
        CurrentSourceSpec::Noisy {
            mean: self.mean,
            stdev: self.stdev,
            dt: self.dt,
            start: self.start,
            stop: self.stop,
            key: NoiseKey::default(),
        }
    }
}

impl Value {
    /// The number, if this is a scalar value.
    pub fn clone_scalar(&self) -> Option<f64> {
        match self {
            Value::Scalar(x) => Some(*x),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_window_is_start_inclusive_stop_exclusive() {
        let s = DCSource { amplitude: 2.0, start: 1.0, stop: 1.3 }.spec();
        let mut out = Vec::new();
        s.sample(0.1, 8, 15, &mut out);
        assert_eq!(out, vec![0.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0]);
    }

    #[test]
    fn step_times_round_and_last_wins() {
        // test_issue512: times [0.41, 0.42, 0.86] -> steps 4, 4, 9; amplitudes
        // [0.5, -0.5, 0.5] -> -0.5 from step 4, 0.5 from step 9.
        let s = CurrentSourceSpec::Step { times: vec![0.41, 0.42, 0.86], amplitudes: vec![0.5, -0.5, 0.5] };
        let mut out = Vec::new();
        s.sample(0.1, 0, 11, &mut out);
        assert_eq!(out, vec![0.0, 0.0, 0.0, 0.0, -0.5, -0.5, -0.5, -0.5, -0.5, 0.5, 0.5]);
    }

    #[test]
    fn ac_phase_refers_to_start() {
        let s = ACSource { amplitude: 1.0, offset: 0.5, frequency: 2500.0, phase: 90.0, start: 1.0, stop: 2.0 }.spec();
        let mut out = Vec::new();
        s.sample(0.1, 9, 21, &mut out);
        // Steps 10..20 active; 2500 Hz: period 0.4 ms = 4 steps.
        assert_eq!(out[0], 0.0);
        assert!((out[1] - 1.5).abs() < 1e-12); // t = start: offset + amplitude sin(90 deg)
        assert!((out[2] - 0.5).abs() < 1e-12); // quarter period later
        assert!((out[3] + 0.5).abs() < 1e-12); // half a period: offset - amplitude
        assert!((out[5] - 1.5).abs() < 1e-12); // one period later
        assert_eq!(out[11], 0.0); // step 20 = stop
    }

    #[test]
    fn noise_is_piecewise_constant_keyed_and_random_access() {
        let key = NoiseKey { seed: 7, source: 3, trial: 0 };
        let s = CurrentSourceSpec::Noisy { mean: 0.5, stdev: 0.25, dt: 0.3, start: 1.0, stop: 1e12, key };
        let mut all = Vec::new();
        s.sample(0.1, 0, 40_010, &mut all);
        assert!(all[..10].iter().all(|x| *x == 0.0));
        for j in 0..4 {
            let block = &all[10 + 3 * j..13 + 3 * j];
            assert!(block.iter().all(|x| *x == block[0]) && block[0] != 0.0);
        }
        // Any window gives the same values as the whole.
        let mut part = Vec::new();
        s.sample(0.1, 1000, 1100, &mut part);
        assert_eq!(part, all[1000..1100]);
        // Mean and sd over 10^4 values: SE of the mean 0.0025, 5 SE = 0.0125;
        // SE of the sd ~ 0.25 / sqrt(2 * 10^4) = 0.0018, 5 SE = 0.009.
        let v: Vec<f64> = all[10..].iter().step_by(3).copied().collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        assert!((m - 0.5).abs() < 0.0125 && (sd - 0.25).abs() < 0.009, "{m} {sd}");
        // Another trial, another stream.
        let s2 = CurrentSourceSpec::Noisy {
            mean: 0.5,
            stdev: 0.25,
            dt: 0.3,
            start: 1.0,
            stop: 1e12,
            key: NoiseKey { trial: 1, ..key },
        };
        let mut other = Vec::new();
        s2.sample(0.1, 0, 100, &mut other);
        assert_ne!(other, all[..100]);
        // dt must be a multiple of the time step.
        assert!(s.validate_for(0.1).is_ok());
        assert!(s.validate_for(0.2).is_err());
    }

    #[test]
    fn validation() {
        assert!(StepCurrentSource { times: vec![1.0, 0.5], amplitudes: vec![1.0, 2.0] }.spec().validate().is_err());
        assert!(StepCurrentSource { times: vec![-1.0], amplitudes: vec![1.0] }.spec().validate().is_err());
        assert!(StepCurrentSource { times: vec![1.0], amplitudes: vec![] }.spec().validate().is_err());
        assert!(DCSource { amplitude: 1.0, start: 5.0, stop: 1.0 }.spec().validate().is_err());
        let mut s = DCSource::default().spec();
        assert!(s.set("amplitud", Value::Scalar(1.0)).is_err());
        s.set("amplitude", Value::Scalar(0.3)).unwrap();
        assert_eq!(s.get("amplitude").unwrap().clone_scalar(), Some(0.3));
    }
}
