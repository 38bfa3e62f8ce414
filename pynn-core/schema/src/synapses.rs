//! The tables of PyNN's synapse types and of the parts of an
//! `STDPMechanism` (timing and weight dependences), one [`SynapseTable`]
//! each, named like the Rust type of `pynn-core` that implements it
//! (`synapses::TsodyksMarkramSynapse` describes
//! `pynn_core::TsodyksMarkramSynapse`).
//!
//! Parameters are those besides `weight` and `delay` (which every synapse
//! type has), with PyNN 0.13's defaults (`pyNN/standardmodels/synapses.py`,
//! `default_parameters` and `default_initial_values`) and units. A unit
//! written `"weight"` is the unit of a synaptic weight onto the
//! post-synaptic cell type ([`crate::CellTable::weight_unit`]: nA, uS or
//! mV); such parameters are magnitudes (>= 0) whatever the sign of the
//! weight. Each model's equations are documented on its `pynn-core` type.
#![allow(non_upper_case_globals)]

use crate::spec::{Domain, ParamSpec, str_eq};

/// The unit of parameters measured like the synaptic weight (nA, uS or mV,
/// by the post-synaptic cell type).
pub const WEIGHT_UNIT: &str = "weight";

/// Everything the library and the `network!` macro know about one synapse
/// type, timing dependence or weight dependence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynapseTable {
    /// PyNN's class name (e.g. `"TsodyksMarkramSynapse"`), also the Rust
    /// type's name.
    pub name: &'static str,
    /// Its name in `network!` (e.g. `"tsodyks_markram"`).
    pub short: &'static str,
    /// Parameters besides weight and delay, in the order of the Rust
    /// constructor's arguments.
    pub parameters: &'static [ParamSpec],
    /// State variables with initial values (`Projection::initialize`).
    pub state: &'static [ParamSpec],
}

impl SynapseTable {
    /// The parameter called `name`.
    pub const fn parameter(&self, name: &str) -> Option<&'static ParamSpec> {
        find(self.parameters, name)
    }

    /// The state variable called `name`.
    pub const fn state_variable(&self, name: &str) -> Option<&'static ParamSpec> {
        find(self.state, name)
    }

    /// The default of parameter or state variable `name`.
    ///
    /// # Panics
    /// If `name` is neither (at compile time when evaluated in a constant,
    /// which is how `pynn-core` uses it).
    pub const fn default_of(&self, name: &str) -> f64 {
        match self.parameter(name) {
            Some(p) => p.default,
            None => match self.state_variable(name) {
                Some(p) => p.default,
                None => panic!("no such parameter in this synapse table"),
            },
        }
    }
}

const fn find(list: &'static [ParamSpec], name: &str) -> Option<&'static ParamSpec> {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i].name, name) {
            return Some(&list[i]);
        }
        i += 1;
    }
    None
}

const fn p(name: &'static str, default: f64, unit: &'static str, domain: Domain, doc: &'static str) -> ParamSpec {
    ParamSpec::scalar(name, default, unit, domain, doc)
}

/// Short-term depression and facilitation (Tsodyks, Uziel and Markram 2000).
pub const TsodyksMarkramSynapse: SynapseTable = SynapseTable {
    name: "TsodyksMarkramSynapse",
    short: "tsodyks_markram",
    parameters: &[
        p("U", 0.5, "", Domain::PositiveFraction, "use parameter"),
        p("tau_rec", 100.0, "ms", Domain::Positive, "depression (recovery) time constant"),
        p("tau_facil", 0.0, "ms", Domain::NonNegative, "facilitation time constant (0: none)"),
    ],
    state: &[
        p("u", 0.0, "", Domain::Fraction, "utilisation"),
        p("x", 1.0, "", Domain::Fraction, "recovered fraction of the resources"),
        p("y", 0.0, "", Domain::Fraction, "active fraction of the resources"),
    ],
};

/// Each spike transmitted with probability `p` (NEST's `bernoulli_synapse`).
pub const SimpleStochasticSynapse: SynapseTable = SynapseTable {
    name: "SimpleStochasticSynapse",
    short: "simple_stochastic",
    parameters: &[p("p", 0.5, "", Domain::Fraction, "transmission probability")],
    state: &[],
};

/// One release site with stochastic depression and facilitation (Fuhrmann
/// et al. 2002).
pub const StochasticTsodyksMarkramSynapse: SynapseTable = SynapseTable {
    name: "StochasticTsodyksMarkramSynapse",
    short: "stochastic_tsodyks_markram",
    parameters: &[
        p("U", 0.5, "", Domain::Fraction, "use parameter"),
        p("tau_rec", 100.0, "ms", Domain::Positive, "recovery time constant"),
        p("tau_facil", 0.0, "ms", Domain::NonNegative, "facilitation time constant (0: none)"),
    ],
    state: &[],
};

/// `n` quantal release sites with short-term plasticity (NEST's
/// `quantal_stp_synapse`); `n` must also be a whole number (checked by
/// `pynn-core`).
pub const MultiQuantalSynapse: SynapseTable = SynapseTable {
    name: "MultiQuantalSynapse",
    short: "multi_quantal",
    parameters: &[
        p("U", 0.5, "", Domain::Fraction, "release probability parameter"),
        p("n", 1.0, "", Domain::Positive, "number of release sites (a whole number)"),
        p("tau_rec", 800.0, "ms", Domain::Positive, "recovery time constant"),
        p("tau_facil", 0.0, "ms", Domain::NonNegative, "facilitation time constant (0: none)"),
    ],
    state: &[],
};

/// Pair-based STDP timing dependence (Song and Abbott; NEST's `stdp_synapse`).
pub const SpikePairRule: SynapseTable = SynapseTable {
    name: "SpikePairRule",
    short: "spike_pair",
    parameters: &[
        p("tau_plus", 20.0, "ms", Domain::Positive, "time constant of potentiation"),
        p("tau_minus", 20.0, "ms", Domain::Positive, "time constant of depression"),
        p("A_plus", 0.01, "", Domain::NonNegative, "amplitude of potentiation"),
        p("A_minus", 0.01, "", Domain::NonNegative, "amplitude of depression"),
    ],
    state: &[],
};

/// Inhibitory plasticity of Vogels et al. (2011).
pub const Vogels2011Rule: SynapseTable = SynapseTable {
    name: "Vogels2011Rule",
    short: "vogels2011",
    parameters: &[
        p("tau", 20.0, "ms", Domain::Positive, "time constant of both traces"),
        p("eta", 1e-10, WEIGHT_UNIT, Domain::NonNegative, "learning rate"),
        p("rho", 3.0, "Hz", Domain::NonNegative, "target post-synaptic rate"),
    ],
    state: &[],
};

const W_MIN: ParamSpec = p("w_min", 0.0, WEIGHT_UNIT, Domain::NonNegative, "smallest weight magnitude");
const W_MAX: ParamSpec = p("w_max", 1.0, WEIGHT_UNIT, Domain::NonNegative, "largest weight magnitude");

/// The weight change does not depend on the weight.
pub const AdditiveWeightDependence: SynapseTable =
    SynapseTable { name: "AdditiveWeightDependence", short: "additive", parameters: &[W_MIN, W_MAX], state: &[] };

/// The weight change is proportional to the distance to the bound.
pub const MultiplicativeWeightDependence: SynapseTable = SynapseTable {
    name: "MultiplicativeWeightDependence",
    short: "multiplicative",
    parameters: &[W_MIN, W_MAX],
    state: &[],
};

/// Additive potentiation, multiplicative depression.
pub const AdditivePotentiationMultiplicativeDepression: SynapseTable = SynapseTable {
    name: "AdditivePotentiationMultiplicativeDepression",
    short: "additive_multiplicative",
    parameters: &[W_MIN, W_MAX],
    state: &[],
};

/// Gütig et al. (2003), with exponents.
pub const GutigWeightDependence: SynapseTable = SynapseTable {
    name: "GutigWeightDependence",
    short: "gutig",
    parameters: &[
        W_MIN,
        W_MAX,
        p("mu_plus", 0.5, "", Domain::NonNegative, "exponent of potentiation"),
        p("mu_minus", 0.5, "", Domain::NonNegative, "exponent of depression"),
    ],
    state: &[],
};

/// The timing dependences of an `STDPMechanism`.
pub const TIMING_DEPENDENCES: &[SynapseTable] = &[SpikePairRule, Vogels2011Rule];

/// The weight dependences of an `STDPMechanism`.
pub const WEIGHT_DEPENDENCES: &[SynapseTable] = &[
    AdditiveWeightDependence,
    MultiplicativeWeightDependence,
    AdditivePotentiationMultiplicativeDepression,
    GutigWeightDependence,
];

/// The table named `name` (PyNN's class name or the `network!` name) among
/// the synapse types and the parts of an `STDPMechanism`.
pub fn synapse_table(name: &str) -> Option<&'static SynapseTable> {
    const ALL: &[SynapseTable] = &[
        TsodyksMarkramSynapse,
        SimpleStochasticSynapse,
        StochasticTsodyksMarkramSynapse,
        MultiQuantalSynapse,
        SpikePairRule,
        Vogels2011Rule,
        AdditiveWeightDependence,
        MultiplicativeWeightDependence,
        AdditivePotentiationMultiplicativeDepression,
        GutigWeightDependence,
    ];
    ALL.iter().find(|t| t.name == name || t.short == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_lookup() {
        assert_eq!(TsodyksMarkramSynapse.default_of("tau_rec"), 100.0);
        assert_eq!(TsodyksMarkramSynapse.default_of("x"), 1.0);
        assert_eq!(synapse_table("gutig").map(|t| t.name), Some("GutigWeightDependence"));
        assert!(Domain::PositiveFraction.check_scalar(1.0) && !Domain::PositiveFraction.check_scalar(0.0));
        assert!(Domain::Fraction.check_scalar(0.0) && !Domain::Fraction.check_scalar(1.5));
    }
}
