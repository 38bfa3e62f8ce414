//! Stochastic synapses of the native engine (`SimpleStochasticSynapse`,
//! `StochasticTsodyksMarkramSynapse`, `MultiQuantalSynapse`): the
//! per-connection state and the rule applied at each pre-synaptic spike,
//! as documented on `pynn_core::synapses::stochastic`.
//!
//! They ride on the plastic projections' machinery (`plastic.rs`: own
//! rows, serial delivery in creation order, spike time in NEST's ms):
//! `plastic::Rule::Stoch` holds a [`Stoch`] and asks it for the weight to
//! transmit at each spike (0: nothing arrives). The NEURON backend runs
//! the same rules on the Rust side (`neuron/plastic.rs`), so native and
//! NEURON draw the same numbers for the same spikes.
//!
//! Onto precise cells (`spike_precision = "off_grid"`) the rules run
//! unchanged at the spike's grid stamp (NEST's `quantal_stp_synapse`
//! uses `e.get_stamp().get_ms()`), with the same draws as onto grid
//! cells, and a transmission arrives at the pre-synaptic spike's offset
//! (`plastic.rs`, `Sink::add_at`).
//!
//! Every uniform number is `pynn_core::synapses::stochastic::release_draw`
//! of (projection key, connection in list order, spike count of the
//! connection, slot): nothing depends on threads or on the order in which
//! synapses are visited.

use pynn_core::backend::{SynapseColumns, SynapseKind};
use pynn_core::synapses::stochastic::{check_parameter, release_draw};
use pynn_core::{Error, Result};

/// Which of the three models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Simple,
    Tm,
    Quantal,
}

/// One stochastic synapse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StochSyn {
    /// Weight (signed, PyNN units) of a transmission (a quantum).
    pub weight: f64,
    /// `p` (simple) or `U` (Tsodyks–Markram, quantal).
    pub p: f64,
    /// Recovery time constant (ms).
    pub tau_rec: f64,
    /// Facilitation time constant (ms), 0: none.
    pub tau_facil: f64,
    /// Release sites (quantal).
    pub n: u32,
    /// Spikes seen since time 0 (the draw counter).
    pub spikes: u64,
    /// Release probability.
    pub u: f64,
    /// Available sites (quantal) or recovered state `R` (Tsodyks–Markram).
    pub avail: u32,
    /// Time of the previous spike (ms); quantal: negative before the first.
    pub t_last: f64,
    /// Time of the last survival check (Tsodyks–Markram, ms).
    pub t_surv: f64,
}

/// The stochastic synapses of one projection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stoch {
    model: Model,
    key: u64,
    /// One per connection, list order.
    pub(crate) syn: Vec<StochSyn>,
}

fn column<'a>(c: &'a SynapseColumns, name: &str) -> Result<&'a [f64]> {
    c.get(name).ok_or_else(|| Error::Backend { backend: "native", message: format!("synapse column `{name}` missing") })
}

impl Stoch {
    /// The projection's synapses from its kind and weights; `None` if the
    /// kind is not a stochastic one.
    pub(crate) fn new(kind: &SynapseKind, weight: &[f64]) -> Result<Option<Stoch>> {
        let (model, key, c) = match kind {
            SynapseKind::SimpleStochastic { key, columns } => (Model::Simple, *key, columns),
            SynapseKind::StochasticTsodyksMarkram { key, columns } => (Model::Tm, *key, columns),
            SynapseKind::MultiQuantal { key, columns } => (Model::Quantal, *key, columns),
            _ => return Ok(None),
        };
        let n = weight.len();
        let zeros = vec![0.0; n];
        let ones = vec![1.0; n];
        let (p, tau_rec, tau_facil, sites) = match model {
            Model::Simple => (column(c, "p")?, &zeros[..], &zeros[..], &ones[..]),
            Model::Tm => (column(c, "U")?, column(c, "tau_rec")?, column(c, "tau_facil")?, &ones[..]),
            Model::Quantal => (column(c, "U")?, column(c, "tau_rec")?, column(c, "tau_facil")?, column(c, "n")?),
        };
        let syn = (0..n)
            .map(|k| StochSyn {
                weight: weight[k],
                p: p[k],
                tau_rec: tau_rec[k],
                tau_facil: tau_facil[k],
                n: sites[k] as u32,
                spikes: 0,
                // NEST's quantal_stp_synapse starts from u = U (its
                // constructor), PyNN's stochastic TM from u = 0.
                u: if model == Model::Quantal { p[k] } else { 0.0 },
                avail: sites[k] as u32,
                t_last: if model == Model::Quantal { -1.0 } else { 0.0 },
                t_surv: 0.0,
            })
            .collect();
        Ok(Some(Stoch { model, key, syn }))
    }

    /// Attribute names besides `weight` and `delay`.
    pub(crate) fn names(&self) -> &'static [&'static str] {
        match self.model {
            Model::Simple => &["weight", "delay", "p"],
            Model::Tm => &["weight", "delay", "U", "tau_rec", "tau_facil"],
            Model::Quantal => &["weight", "delay", "U", "n", "tau_rec", "tau_facil"],
        }
    }

    /// Values of attribute `name` (not weight or delay), list order:
    /// a parameter or a state variable ([`Stoch::state_names`]).
    pub(crate) fn get(&self, name: &str) -> Option<Vec<f64>> {
        let f: fn(&StochSyn) -> f64 = match (self.model, name) {
            (Model::Simple, "p") | (Model::Tm | Model::Quantal, "U") => |s| s.p,
            (Model::Tm | Model::Quantal, "tau_rec") => |s| s.tau_rec,
            (Model::Tm | Model::Quantal, "tau_facil") => |s| s.tau_facil,
            (Model::Quantal, "n") => |s| f64::from(s.n),
            (Model::Tm | Model::Quantal, "u") => |s| s.u,
            (Model::Tm, "R") | (Model::Quantal, "a") => |s| f64::from(s.avail),
            _ => return None,
        };
        Some(self.syn.iter().map(f).collect())
    }

    /// The state variables that can be read and recorded, with PyNN's and
    /// NEST's names: `u` and `R` (recovered: 1, or not: 0) of the
    /// stochastic Tsodyks–Markram model (PyNN's
    /// `pyNN/neuron/nmodl/stochastic_tsodyksmarkram.mod`, its `ASSIGNED`
    /// block), `u` and `a` (available release sites) of the multi-quantal
    /// one (NEST 3.10 `models/quantal_stp_synapse.h`, its status
    /// dictionary). The simple stochastic synapse has none.
    pub(crate) fn state_names(&self) -> &'static [&'static str] {
        match self.model {
            Model::Simple => &[],
            Model::Tm => &["u", "R"],
            Model::Quantal => &["u", "a"],
        }
    }

    /// The current state: each of [`Stoch::state_names`] in turn, one
    /// value per synapse in list order. Each is the value left by the
    /// synapse's latest spike (its initial value before the first).
    pub(crate) fn state(&self) -> Vec<f64> {
        self.state_names().iter().flat_map(|n| self.get(n).unwrap_or_default()).collect()
    }

    /// `Projection::initialize` of a state variable: refused (the state
    /// starts from the model's own initial values, PyNN's and NEST's).
    pub(crate) fn initialize(&self, name: &str) -> Result<()> {
        let what = self.type_name();
        Err(Error::unsupported(
            "native",
            format!("setting state `{name}` of a {what} projection"),
            "its state starts from the model's initial values (u = 0 and R = 1 for the stochastic \
             Tsodyks-Markram model; u = U and a = n for the multi-quantal one); it can be read with \
             `Projection::get_values` and recorded with `Projection::state_history`",
        ))
    }

    /// PyNN's class name of the model.
    fn type_name(&self) -> &'static str {
        match self.model {
            Model::Simple => "SimpleStochasticSynapse",
            Model::Tm => "StochasticTsodyksMarkramSynapse",
            Model::Quantal => "MultiQuantalSynapse",
        }
    }

    /// Sets parameter `name` of every synapse (list order), checked as at
    /// creation (`pynn_core::synapses::stochastic::check_parameter`: the
    /// type's domain, `n` a whole number of sites); nothing changes on an
    /// error. The state (`u`, `R`, `a`) keeps its value; a multi-quantal
    /// synapse takes `u = U` and `a = n` of the current parameters at its
    /// first spike (see [`Stoch::spike`]).
    pub(crate) fn set(&mut self, name: &str, values: &[f64]) -> Result<()> {
        let object = format!("native {} projection", self.type_name());
        check_parameter(self.type_name(), &object, name, values)?;
        let f: fn(&mut StochSyn, f64) = match (self.model, name) {
            (Model::Simple, "p") | (Model::Tm | Model::Quantal, "U") => |s, v| s.p = v,
            (Model::Tm | Model::Quantal, "tau_rec") => |s, v| s.tau_rec = v,
            (Model::Tm | Model::Quantal, "tau_facil") => |s, v| s.tau_facil = v,
            (Model::Quantal, "n") => |s, v| s.n = v as u32,
            _ => return Err(Error::unknown_name(object, "parameter", name, self.names().iter().copied())),
        };
        self.syn.iter_mut().zip(values).for_each(|(s, v)| f(s, *v));
        Ok(())
    }

    /// The weight transmitted by synapse `k` (list order) at a spike at
    /// `t` ms (0: none).
    pub(crate) fn spike(&mut self, k: usize, t: f64) -> f64 {
        let key = self.key;
        let s = &mut self.syn[k];
        let count = s.spikes;
        s.spikes += 1;
        let draw = |slot: u64| release_draw(key, k as u64, count, slot);
        match self.model {
            Model::Simple => {
                if draw(0) < s.p {
                    s.weight
                } else {
                    0.0
                }
            }
            Model::Tm => {
                // stochastic_tsodyksmarkram.mod / stochastic_stp_synapse.h.
                if s.tau_facil > 0.0 {
                    s.u *= (-(t - s.t_last) / s.tau_facil).exp();
                    s.u += s.p * (1.0 - s.u);
                } else {
                    s.u = s.p;
                }
                s.t_last = t;
                if s.avail == 0 {
                    let p_surv = (-(t - s.t_surv) / s.tau_rec).exp();
                    if draw(0) > p_surv {
                        s.avail = 1;
                    } else {
                        s.t_surv = t;
                    }
                }
                if s.avail == 1 && draw(1) < s.u {
                    s.avail = 0;
                    s.t_surv = t;
                    s.weight
                } else {
                    0.0
                }
            }
            Model::Quantal => {
                // NEST 3.10 quantal_stp_synapse::send.
                let mut slot = 0;
                if s.t_last < 0.0 {
                    // The first spike finds the initial state of the
                    // current parameters (NEST's constructor: u = U,
                    // a = n), also after `set("U")` or `set("n")`.
                    s.u = s.p;
                    s.avail = s.n;
                } else {
                    let h = t - s.t_last;
                    let p_decay = (-h / s.tau_rec).exp();
                    let u_decay = if s.tau_facil < 1.0e-10 { 0.0 } else { (-h / s.tau_facil).exp() };
                    s.u = s.p + s.u * (1.0 - s.p) * u_decay;
                    for _ in 0..s.n.saturating_sub(s.avail) {
                        if draw(slot) < 1.0 - p_decay {
                            s.avail += 1;
                        }
                        slot += 1;
                    }
                }
                let mut released = 0;
                for _ in 0..s.avail {
                    if draw(slot) < s.u {
                        released += 1;
                    }
                    slot += 1;
                }
                s.avail -= released;
                s.t_last = t;
                f64::from(released) * s.weight
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pynn_core::backend::SynapseColumns;

    fn quantal(n: f64, u: f64) -> Stoch {
        let cols =
            SynapseColumns(vec![("U", vec![u]), ("n", vec![n]), ("tau_rec", vec![800.0]), ("tau_facil", vec![0.0])]);
        Stoch::new(&SynapseKind::MultiQuantal { key: 3, columns: cols }, &[1.0]).unwrap().unwrap()
    }

    #[test]
    fn quantal_first_spike_releases_binomial_n_u() {
        // First spike of a fresh synapse: Binomial(n, U) quanta. Over
        // 4000 fresh synapses (each a new key), mean n U = 5 and variance
        // n U (1 - U) = 2.5: the sample mean within 5 sigma = 5 * sqrt(2.5 / 4000) = 0.125.
        let mut total = 0.0;
        for key in 0..4000u64 {
            let mut s = quantal(10.0, 0.5);
            s.key = key;
            total += s.spike(0, 1.0);
        }
        let mean = total / 4000.0;
        assert!((mean - 5.0).abs() < 0.125, "{mean}");
    }

    #[test]
    fn quantal_sites_deplete_and_count_draws() {
        // U = 1: every available site releases; the second spike 1e-9 ms
        // later finds every site depleted (recovery probability ~1e-12).
        let mut s = quantal(4.0, 1.0);
        assert_eq!(s.spike(0, 1.0), 4.0);
        assert_eq!(s.syn[0].avail, 0);
        assert_eq!(s.spike(0, 1.0 + 1e-9), 0.0);
        assert_eq!(s.syn[0].spikes, 2);
    }
}
