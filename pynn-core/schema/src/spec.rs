//! The schema types: one parameter ([`ParamSpec`]) with its allowed values
//! ([`Domain`]), and one recordable ([`RecordableSpec`]).

/// Whether a parameter holds one number or a sequence per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// One number per cell.
    Scalar,
    /// A sequence of numbers per cell (e.g. `spike_times`).
    Sequence,
}

/// The allowed values of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Any finite number.
    Finite,
    /// Strictly positive.
    Positive,
    /// Zero or positive.
    NonNegative,
    /// A sequence of non-negative, non-decreasing numbers.
    NonDecreasing,
    /// A sequence of non-negative, strictly increasing numbers.
    Increasing,
    /// Any sequence of finite numbers.
    AnySequence,
    /// A sequence of finite numbers > 0 (e.g. time constants).
    PositiveSequence,
    /// A fraction in [0, 1] (e.g. the initial state of a synapse).
    Fraction,
    /// A fraction in (0, 1] (e.g. the use parameter `U`).
    PositiveFraction,
}

impl Domain {
    /// What the domain allows, for error messages (`"a number > 0"`).
    pub const fn describe(self) -> &'static str {
        match self {
            Domain::Finite => "a finite number",
            Domain::Positive => "a number > 0",
            Domain::NonNegative => "a number >= 0",
            Domain::NonDecreasing => "a sequence of times >= 0 in non-decreasing order",
            Domain::Increasing => "a sequence of times >= 0 in strictly increasing order",
            Domain::AnySequence => "a sequence of finite numbers",
            Domain::PositiveSequence => "a sequence of finite numbers > 0",
            Domain::Fraction => "a fraction in [0, 1]",
            Domain::PositiveFraction => "a number in (0, 1]",
        }
    }

    /// Whether the number `x` is allowed (for a scalar parameter).
    pub fn check_scalar(self, x: f64) -> bool {
        match self {
            Domain::Positive => x > 0.0 && x.is_finite(),
            Domain::NonNegative => x >= 0.0 && x.is_finite(),
            Domain::Fraction => (0.0..=1.0).contains(&x),
            Domain::PositiveFraction => x > 0.0 && x <= 1.0,
            _ => x.is_finite(),
        }
    }

    /// Whether the sequence `s` is allowed (for a sequence parameter).
    pub fn check_sequence(self, s: &[f64]) -> bool {
        let finite = s.iter().all(|x| x.is_finite());
        match self {
            Domain::NonDecreasing => finite && s.iter().all(|x| *x >= 0.0) && s.windows(2).all(|w| w[0] <= w[1]),
            Domain::Increasing => finite && s.iter().all(|x| *x >= 0.0) && s.windows(2).all(|w| w[0] < w[1]),
            Domain::PositiveSequence => finite && s.iter().all(|x| *x > 0.0),
            _ => finite,
        }
    }
}

/// Schema of one parameter or state variable of a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// PyNN's name.
    pub name: &'static str,
    /// Default value (for sequence parameters: the empty sequence).
    pub default: f64,
    /// PyNN's unit (`"ms"`, `"mV"`, `"nA"`, `"nF"`, `"uS"`, `"Hz"`, `""`).
    pub unit: &'static str,
    /// Scalar or sequence.
    pub kind: ParamKind,
    /// Allowed values.
    pub domain: Domain,
    /// One-line meaning.
    pub doc: &'static str,
}

impl ParamSpec {
    /// A scalar parameter.
    pub const fn scalar(
        name: &'static str,
        default: f64,
        unit: &'static str,
        domain: Domain,
        doc: &'static str,
    ) -> Self {
        ParamSpec { name, default, unit, kind: ParamKind::Scalar, domain, doc }
    }
    /// A sequence parameter (default: empty).
    pub const fn sequence(name: &'static str, unit: &'static str, domain: Domain, doc: &'static str) -> Self {
        ParamSpec { name, default: 0.0, unit, kind: ParamKind::Sequence, domain, doc }
    }
}

/// A recordable variable: name and unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordableSpec {
    /// PyNN's name (`"spikes"`, `"v"`, `"gsyn_exc"`, ...).
    pub name: &'static str,
    /// Unit (`"ms"` for spikes: spike times).
    pub unit: &'static str,
}

/// String equality usable in constant expressions (`==` on `&str` is not
/// `const`).
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
