//! The one error type of pynn-rs.
//!
//! Every variant names the object concerned, the offending value and what is
//! allowed, so that a message is actionable without reading the source.

use std::fmt;

/// Result alias used throughout pynn-rs.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when building or running a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `setup()` argument is invalid (PyNN's rules: positive timestep,
    /// `min_delay >= timestep`, `min_delay <= max_delay`).
    #[error("invalid setup: {parameter} = {}; {allowed}", fmt_num(*.value))]
    InvalidSetup {
        /// Name of the setup argument.
        parameter: &'static str,
        /// The value given.
        value: f64,
        /// What is allowed.
        allowed: String,
    },
    /// A parameter, state variable or attribute value is outside its domain.
    #[error("{object}: invalid value {value} for `{name}`; {allowed}")]
    InvalidValue {
        /// The object concerned (e.g. `population "exc" (IF_curr_exp)`).
        object: String,
        /// Parameter / attribute name.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// A name (parameter, variable, receptor type, attribute) is not known to
    /// the object.
    #[error("{object}: unknown {kind} `{name}`{}; allowed: {allowed}", fmt_suggestion(.suggestion))]
    UnknownName {
        /// The object concerned.
        object: String,
        /// What kind of name (`parameter`, `recordable`, `receptor type`, ...).
        kind: &'static str,
        /// The name given.
        name: String,
        /// Closest allowed name, if one is close.
        suggestion: Option<String>,
        /// The allowed names, comma separated.
        allowed: String,
    },
    /// An index into a population, view, assembly or projection is out of range.
    #[error("{object}: index {index} out of range for size {size}")]
    IndexOutOfRange {
        /// The object concerned.
        object: String,
        /// The offending index.
        index: usize,
        /// Number of elements.
        size: usize,
    },
    /// An array argument has the wrong length.
    #[error("{object}: {what} has length {found}, expected {expected}")]
    LengthMismatch {
        /// The object concerned.
        object: String,
        /// What the array is.
        what: String,
        /// Expected length.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// `run_until` was asked to go backwards in time.
    #[error("cannot run backwards in time: current time is {} ms, requested {} ms", fmt_num(*.now), fmt_num(*.requested))]
    TimeBackwards {
        /// Current simulation time (ms).
        now: f64,
        /// Requested time (ms).
        requested: f64,
    },
    /// A connection or projection could not be made as asked.
    #[error("{object}: {message}")]
    Connection {
        /// The projection / connector concerned.
        object: String,
        /// What went wrong and what is allowed.
        message: String,
    },
    /// Recording was asked for something that cannot be recorded.
    #[error("{object}: {message}")]
    Recording {
        /// The object concerned.
        object: String,
        /// What went wrong.
        message: String,
    },
    /// An operation is not valid in the current state of the session.
    #[error("{object}: {message}")]
    State {
        /// The object concerned.
        object: String,
        /// What went wrong.
        message: String,
    },
    /// A backend (native engine or external simulator) reported an error.
    #[error("backend {backend}: {message}")]
    Backend {
        /// Backend name.
        backend: &'static str,
        /// The backend's message (for external simulators, their own text).
        message: String,
    },
    /// A request needs more memory than is available (estimated before
    /// allocating, see [`crate::memory`]), or its size overflows 64 bits.
    #[error("{object}: {what} need {}; {} available", fmt_need(*.bytes), fmt_available(.available))]
    Memory {
        /// The object concerned.
        object: String,
        /// What was asked for (e.g. `1000000000000 cells`).
        what: String,
        /// Estimated bytes (`u64::MAX`: the estimate overflowed).
        bytes: u64,
        /// Bytes available when the request was made, if known.
        available: Option<u64>,
    },
    /// A valid request that this backend (or pynn-rs itself, `backend =
    /// "pynn-rs"`) does not support: not a mistake in the input, so a
    /// program can branch on it (try another backend, skip a feature)
    /// where it would stop on bad input. [`Error::is_unsupported`] tells
    /// the two apart.
    #[error("{backend} does not support {what}; {alternative}")]
    Unsupported {
        /// Backend name ([`crate::Backend::NAME`]), or `"pynn-rs"` when no
        /// backend supports it.
        backend: &'static str,
        /// What was asked (e.g. `recording weights of projection 3`).
        what: String,
        /// What to do instead.
        alternative: String,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {message}")]
    Io {
        /// The file concerned.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A file in an exchange format (SONATA's HDF5, CSV and JSON files) is
    /// missing something or holds a value the format does not allow.
    #[error("{file}: {location}: {message}")]
    Format {
        /// The file concerned.
        file: String,
        /// Where in it: an HDF5 dataset path, a CSV row and column, a JSON key.
        location: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// A number as messages show it: the shortest decimal that reads back as
/// `x`, switching to scientific notation outside [1e-5, 1e16) so that
/// `1e-300` is printed as `1e-300`, not as 300 digits.
///
/// ```
/// # use pynn_core::fmt_num;
/// assert_eq!(fmt_num(0.1), "0.1");
/// assert_eq!(fmt_num(1e-300), "1e-300");
/// assert_eq!(fmt_num(1e30), "1e30");
/// assert_eq!(fmt_num(f64::NAN), "NaN");
/// ```
pub fn fmt_num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) { format!("{x:e}") } else { format!("{x}") }
}

fn fmt_suggestion(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

fn fmt_need(bytes: u64) -> String {
    if bytes == u64::MAX {
        "more than 16 EiB (the size overflows 64 bits)".into()
    } else {
        format!("about {} (estimated)", crate::memory::format_bytes(bytes))
    }
}

fn fmt_available(a: &Option<u64>) -> String {
    match a {
        Some(a) => crate::memory::format_bytes(*a),
        None => "unknown memory".into(),
    }
}

impl Error {
    /// An [`Error::UnknownName`] with the closest allowed name suggested.
    pub fn unknown_name<'a>(
        object: impl fmt::Display,
        kind: &'static str,
        name: &str,
        allowed: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let allowed: Vec<&str> = allowed.into_iter().collect();
        Error::UnknownName {
            object: object.to_string(),
            kind,
            name: name.to_string(),
            suggestion: closest(name, &allowed).map(str::to_string),
            allowed: allowed.join(", "),
        }
    }

    /// An [`Error::InvalidValue`].
    pub fn invalid_value(
        object: impl fmt::Display,
        name: impl fmt::Display,
        value: impl fmt::Display,
        allowed: impl fmt::Display,
    ) -> Self {
        Error::InvalidValue {
            object: object.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        }
    }

    /// An [`Error::Unsupported`].
    pub fn unsupported(backend: &'static str, what: impl fmt::Display, alternative: impl fmt::Display) -> Self {
        Error::Unsupported { backend, what: what.to_string(), alternative: alternative.to_string() }
    }

    /// Whether this error says "not supported here" ([`Error::Unsupported`])
    /// rather than "bad input" or a failure: the request may work on
    /// another backend.
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Error::Unsupported { .. })
    }

    /// An [`Error::Io`] from a path and an [`std::io::Error`].
    pub fn io(path: impl AsRef<std::path::Path>, e: impl fmt::Display) -> Self {
        Error::Io { path: path.as_ref().display().to_string(), message: e.to_string() }
    }
}

/// The allowed name closest to `name` by edit distance, if it is close enough
/// to be a plausible typo (distance at most a third of the name's length, and
/// at least 1). The same rule as the `network!` macro's suggestions: both
/// call [`pynn_schema::closest`].
pub fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    pynn_schema::closest(name, allowed.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let allowed = ["tau_m", "tau_refrac", "v_thresh", "cm"];
        assert_eq!(closest("tau_n", &allowed), Some("tau_m"));
        assert_eq!(closest("v_thres", &allowed), Some("v_thresh"));
        assert_eq!(closest("completely_else", &allowed), None);
        let e = Error::unknown_name("population p", "parameter", "tau_n", allowed);
        assert_eq!(
            e.to_string(),
            "population p: unknown parameter `tau_n` (did you mean `tau_m`?); allowed: tau_m, tau_refrac, v_thresh, cm"
        );
    }

    #[test]
    fn unsupported_is_its_own_kind() {
        let e = Error::unsupported("NEST", "recording weights of projection 3", "use the native backend");
        assert_eq!(e.to_string(), "NEST does not support recording weights of projection 3; use the native backend");
        assert!(e.is_unsupported());
        assert!(!Error::invalid_value("population p", "tau_m", -1, "> 0").is_unsupported());
        assert!(!Error::Backend { backend: "NEST", message: "crashed".into() }.is_unsupported());
    }
}
