//! Current sources (electrodes) with PyNN's names, parameters and timing.
//!
//! Convention (PyNN #474, verified against NEST 3.10 through PyNN 0.13, see
//! `tests/data/nest_reference.py`): the current is present at the electrode
//! from `start` (inclusive) to `stop` (exclusive); the membrane potential
//! responds from the next time step. Step times are rounded to the time
//! grid; when several fall on the same step the last amplitude wins
//! (test_issue512).

use crate::error::{Error, Result};
use crate::parameters::Value;

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
}

impl CurrentSourceSpec {
    /// PyNN's class name.
    pub fn name(&self) -> &'static str {
        match self {
            CurrentSourceSpec::Dc { .. } => "DCSource",
            CurrentSourceSpec::Step { .. } => "StepCurrentSource",
        }
    }

    /// Parameter names of this kind of source.
    pub fn parameter_names(&self) -> &'static [&'static str] {
        match self {
            CurrentSourceSpec::Dc { .. } => &["amplitude", "start", "stop"],
            CurrentSourceSpec::Step { .. } => &["amplitudes", "times"],
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
                if times.iter().any(|t| !(*t >= 0.0) || !t.is_finite())
                    || times.windows(2).any(|w| w[0] >= w[1])
                {
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
            (me, _) => return Err(Error::unknown_name(object, "parameter", name, me.parameter_names().iter().copied())),
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
            (me, _) => {
                return Err(Error::unknown_name(me.name(), "parameter", name, me.parameter_names().iter().copied()));
            }
        })
    }

    /// The injected current at every step boundary `t_k = k dt` for
    /// `k in first..last`, the value applying to step `(t_k, t_k+1]`.
    ///
    /// Times are converted to steps with `round(t / dt)`; for step sources
    /// the last amplitude of several falling on one step wins.
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
        }
    }
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

impl Value {
    /// The number, if this is a scalar value.
    pub fn clone_scalar(&self) -> Option<f64> {
        match self {
            Value::Scalar(x) => Some(*x),
            _ => None,
        }
    }
}
