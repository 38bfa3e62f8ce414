//! Stochastic synapses: `SimpleStochasticSynapse`,
//! `StochasticTsodyksMarkramSynapse` and `MultiQuantalSynapse`, with
//! PyNN 0.13's names, parameters and defaults
//! (`pyNN/standardmodels/synapses.py`).
//!
//! # Models
//!
//! **`SimpleStochasticSynapse`** (NEST's `bernoulli_synapse`,
//! `models/bernoulli_synapse.h`; PyNN's NEURON mechanism
//! `SimpleStochasticWA`, `pyNN/neuron/nmodl/stochastic_synapse.mod`): each
//! pre-synaptic spike is transmitted with `weight` if a uniform draw
//! `r < p`, otherwise not at all.
//!
//! **`StochasticTsodyksMarkramSynapse`** (Fuhrmann et al. 2002; PyNN's
//! `StochasticTsodyksMarkramWA`, `pyNN/neuron/nmodl/stochastic_tsodyksmarkram.mod`,
//! and its NEST extension `stochastic_stp_synapse`,
//! `pyNN/nest/extensions/stochastic_stp_synapse.h`): one release site,
//! recovered (`R = 1`) or not, and a release probability `u` (0 at first,
//! last spike time 0). At a spike at `t`:
//! 1. `u <- u exp(-(t - t_last) / tau_facil) + U (1 - u exp(..))` if
//!    `tau_facil > 0`, else `u <- U`; `t_last <- t`;
//! 2. if `R = 0`: with draw `r0`, the site has recovered if
//!    `r0 > exp(-(t - t_surv) / tau_rec)` (Poisson recovery at rate
//!    `1 / tau_rec`), else `t_surv <- t`;
//! 3. if `R = 1`: with draw `r1`, release if `r1 < u`: the synapse
//!    transmits `weight`, `R <- 0`, `t_surv <- t`.
//!
//! The mean transmitted weight of a spike train is that of the
//! deterministic Tsodyks–Markram model with `x` the recovered probability:
//! see `tests/stochastic_synapses.rs`.
//!
//! **`MultiQuantalSynapse`** (NEST's `quantal_stp_synapse`, NEST 3.10
//! `models/quantal_stp_synapse.h`, Fuhrmann et al. 2002 eq. 4): `n`
//! release sites, `a` of them available (`n` at first), release
//! probability `u` (`U` at first). At a spike at `t` after an earlier one
//! at `t_last` (not for the first spike): `u <- U + u (1 - U) exp(-h /
//! tau_facil)` (the last factor 0 when `tau_facil` < 1e-10 ms), `h = t -
//! t_last`, then each of the `n - a` depleted sites recovers if its draw
//! `r < 1 - exp(-h / tau_rec)`. Then each of the `a` available sites
//! releases if its draw `r < u`; with `k` releases the synapse transmits
//! `k * weight` (NEST's rule; PyNN's NEURON mechanism `QuantalSTPWA`
//! transmits `k / n * weight` instead) and `a <- a - k`.
//!
//! # Draws: the same on every backend
//!
//! Every uniform number is [`release_draw`]`(key, connection, spike,
//! slot)`: a counter-based function of the projection's key (derived from
//! the session's keyed ChaCha8 streams by [`release_key`]: session seed,
//! projection id, purpose `"release"`), the connection's position in list
//! order, the number of earlier spikes of that connection since time 0 and
//! the draw's slot within the spike (`SimpleStochasticSynapse`: slot 0;
//! stochastic Tsodyks–Markram: 0 recovery, 1 release; multi-quantal: the
//! `n` draws in NEST's order, recoveries of the depleted sites first).
//! Any backend that sees the same spikes therefore draws the same numbers:
//! native and NEURON (which runs these rules on the Rust side) agree spike
//! for spike. NEST draws from its own generator: statistical agreement only.
//! `reset()` restarts the spike counters, so a repeated trial sees the same
//! draws.
//!
//! # Parameters (PyNN's defaults)
//!
//! | type | name | default | unit | allowed |
//! |---|---|---|---|---|
//! | all | `weight` | 0 | nA / uS | |
//! | all | `delay` | `min_delay` | ms | |
//! | `SimpleStochasticSynapse` | `p` | 0.5 | | probability in [0, 1] |
//! | `StochasticTsodyksMarkramSynapse` | `U` | 0.5 | | [0, 1] |
//! | | `tau_rec` | 100 | ms | > 0 |
//! | | `tau_facil` | 0 | ms | >= 0 (0: none) |
//! | `MultiQuantalSynapse` | `U` | 0.5 | | [0, 1] |
//! | | `n` | 1 | | integer >= 1 (release sites) |
//! | | `tau_rec` | 800 | ms | > 0 |
//! | | `tau_facil` | 0 | ms | >= 0 (0: none) |
//!
//! # State (read with `Projection::get_values`, recorded with `state_history`)
//!
//! | type | name | initial | meaning |
//! |---|---|---|---|
//! | `StochasticTsodyksMarkramSynapse` | `u` | 0 | release probability (PyNN's `stochastic_tsodyksmarkram.mod`) |
//! | | `R` | 1 | recovered (1) or not (0): the mod file's `R` |
//! | `MultiQuantalSynapse` | `u` | `U` | release probability (NEST's `quantal_stp_synapse` `u`) |
//! | | `a` | `n` | available release sites (NEST's `a`) |
//!
//! Each is the value left by the connection's latest pre-synaptic spike,
//! as the Tsodyks–Markram state is. Recorded on the native engine, NEURON
//! (which runs these rules in Rust) and Brian2; the state starts from the
//! model's initial values (`Projection::initialize` refuses it).
//!
//! # References
//!
//! Fuhrmann G, Segev I, Markram H, Tsodyks M (2002) Coding of temporal
//! information by activity-dependent synapses. J Neurophysiol 87:140-148.
//! Tsodyks M, Uziel A, Markram H (2000) Synchrony generation in recurrent
//! networks with frequency-dependent synapses. J Neurosci 20:RC50.

use super::{SynapseContext, SynapseType, allowed, check_all, check_table};
use crate::backend::{SynapseColumns, SynapseKind};
use crate::error::{Error, Result};
use crate::parameters::Value;
use crate::random::{ObjectKind, Streams};
use rand::Rng;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Steele, Lea and Flood 2014).
fn mix(z: u64) -> u64 {
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of a projection's release draws: the first 64-bit word of the
/// session's keyed stream `(seed, projection, id, "release")`.
pub fn release_key(seed: u64, projection: usize) -> u64 {
    Streams::new(seed).rng(ObjectKind::Projection, projection as u64, "release", 0).next_u64()
}

/// The uniform number in `[0, 1)` of draw `slot` at the `spike`-th spike
/// (from 0) of connection `connection` (list order) of the projection
/// with key `key`:
///
/// ```text
/// h = mix(key + G (connection + 1)); h = mix(h + G (spike + 1)); h = mix(h + G (slot + 1))
/// r = (h >> 11) / 2^53
/// ```
///
/// in wrapping 64-bit arithmetic, `G = 0x9E3779B97F4A7C15` and `mix`
/// SplitMix64's output function. A counter-based function, so any process
/// computes any draw without replaying a stream.
pub fn release_draw(key: u64, connection: u64, spike: u64, slot: u64) -> f64 {
    let step = |h: u64, x: u64| mix(h.wrapping_add(GOLDEN.wrapping_mul(x.wrapping_add(1))));
    let h = step(step(step(key, connection), spike), slot);
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn columns(ctx: &SynapseContext<'_>) -> SynapseColumns {
    SynapseColumns(ctx.columns.iter().map(|(n, v)| (*n, v.clone())).collect())
}

/// Checks the parameters of a stochastic synapse type against its table
/// (`pynn_schema::synapses`), as `TsodyksMarkramSynapse` does its own.
fn check(ctx: &SynapseContext<'_>, me: &str, table: &pynn_schema::SynapseTable) -> Result<()> {
    let names: Vec<&str> = table.parameters.iter().map(|p| p.name).collect();
    check_table(ctx, me, table, &names)
}

macro_rules! common_impl {
    () => {
        fn weight(&self) -> &Value {
            &self.weight
        }
        fn delay(&self) -> Option<&Value> {
            self.delay.as_ref()
        }
    };
}

/// A synapse that transmits each spike with probability `p` (NEST's
/// `bernoulli_synapse`); see the [module docs](self).
#[derive(Debug, Clone)]
pub struct SimpleStochasticSynapse {
    /// Weight (nA or uS). Default 0.
    pub weight: Value,
    /// Delay (ms); `None`: `min_delay`.
    pub delay: Option<Value>,
    /// Transmission probability in [0, 1]. Default 0.5.
    pub p: Value,
}

impl Default for SimpleStochasticSynapse {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::SimpleStochasticSynapse;
        SimpleStochasticSynapse { weight: Value::Scalar(0.0), delay: None, p: Value::Scalar(T.default_of("p")) }
    }
}

impl SimpleStochasticSynapse {
    /// A synapse with the given weight, delay and transmission probability.
    pub fn new(weight: impl Into<Value>, delay: impl Into<Value>, p: impl Into<Value>) -> Self {
        SimpleStochasticSynapse { weight: weight.into(), delay: Some(delay.into()), p: p.into() }
    }
}

impl SynapseType for SimpleStochasticSynapse {
    fn name(&self) -> &'static str {
        "SimpleStochasticSynapse"
    }
    common_impl!();
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        vec![("p", self.p.clone())]
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["p"]
    }
    fn state_variables(&self) -> &'static [&'static str] {
        &[]
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        check(ctx, self.name(), &pynn_schema::synapses::SimpleStochasticSynapse)?;
        Ok(SynapseKind::SimpleStochastic { key: ctx.stream, columns: columns(ctx) })
    }
}

/// Stochastic Tsodyks–Markram synapse with one release site (Fuhrmann et
/// al. 2002); see the [module docs](self).
#[allow(non_snake_case)]
#[derive(Debug, Clone)]
pub struct StochasticTsodyksMarkramSynapse {
    /// Weight (nA or uS) of a release. Default 0.
    pub weight: Value,
    /// Delay (ms); `None`: `min_delay`.
    pub delay: Option<Value>,
    /// Use parameter in [0, 1]. Default 0.5.
    pub U: Value,
    /// Recovery time constant (ms), > 0. Default 100.
    pub tau_rec: Value,
    /// Facilitation time constant (ms); 0: none. Default 0.
    pub tau_facil: Value,
}

impl Default for StochasticTsodyksMarkramSynapse {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::StochasticTsodyksMarkramSynapse;
        StochasticTsodyksMarkramSynapse {
            weight: Value::Scalar(0.0),
            delay: None,
            U: Value::Scalar(T.default_of("U")),
            tau_rec: Value::Scalar(T.default_of("tau_rec")),
            tau_facil: Value::Scalar(T.default_of("tau_facil")),
        }
    }
}

impl StochasticTsodyksMarkramSynapse {
    /// A synapse with the given parameters.
    #[allow(non_snake_case)]
    pub fn new(
        weight: impl Into<Value>,
        delay: impl Into<Value>,
        U: impl Into<Value>,
        tau_rec: impl Into<Value>,
        tau_facil: impl Into<Value>,
    ) -> Self {
        StochasticTsodyksMarkramSynapse {
            weight: weight.into(),
            delay: Some(delay.into()),
            U: U.into(),
            tau_rec: tau_rec.into(),
            tau_facil: tau_facil.into(),
        }
    }
}

impl SynapseType for StochasticTsodyksMarkramSynapse {
    fn name(&self) -> &'static str {
        "StochasticTsodyksMarkramSynapse"
    }
    common_impl!();
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        vec![("U", self.U.clone()), ("tau_rec", self.tau_rec.clone()), ("tau_facil", self.tau_facil.clone())]
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["U", "tau_rec", "tau_facil", "u", "R"]
    }
    fn state_variables(&self) -> &'static [&'static str] {
        &["u", "R"]
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        check(ctx, self.name(), &pynn_schema::synapses::StochasticTsodyksMarkramSynapse)?;
        Ok(SynapseKind::StochasticTsodyksMarkram { key: ctx.stream, columns: columns(ctx) })
    }
}

/// Synapse with `n` quantal release sites and short-term plasticity
/// (NEST's `quantal_stp_synapse`); see the [module docs](self).
#[allow(non_snake_case)]
#[derive(Debug, Clone)]
pub struct MultiQuantalSynapse {
    /// Weight (nA or uS) of one released quantum. Default 0.
    pub weight: Value,
    /// Delay (ms); `None`: `min_delay`.
    pub delay: Option<Value>,
    /// Release probability parameter in [0, 1]. Default 0.5.
    pub U: Value,
    /// Number of release sites, an integer >= 1. Default 1.
    pub n: Value,
    /// Recovery time constant (ms), > 0. Default 800.
    pub tau_rec: Value,
    /// Facilitation time constant (ms); 0: none. Default 0.
    pub tau_facil: Value,
}

impl Default for MultiQuantalSynapse {
    fn default() -> Self {
        const T: pynn_schema::SynapseTable = pynn_schema::synapses::MultiQuantalSynapse;
        MultiQuantalSynapse {
            weight: Value::Scalar(0.0),
            delay: None,
            U: Value::Scalar(T.default_of("U")),
            n: Value::Scalar(T.default_of("n")),
            tau_rec: Value::Scalar(T.default_of("tau_rec")),
            tau_facil: Value::Scalar(T.default_of("tau_facil")),
        }
    }
}

impl MultiQuantalSynapse {
    /// A synapse with the given parameters.
    #[allow(non_snake_case)]
    pub fn new(
        weight: impl Into<Value>,
        delay: impl Into<Value>,
        U: impl Into<Value>,
        n: impl Into<Value>,
        tau_rec: impl Into<Value>,
        tau_facil: impl Into<Value>,
    ) -> Self {
        MultiQuantalSynapse {
            weight: weight.into(),
            delay: Some(delay.into()),
            U: U.into(),
            n: n.into(),
            tau_rec: tau_rec.into(),
            tau_facil: tau_facil.into(),
        }
    }
}

/// Largest number of release sites (NEST keeps `n` in a C `int`).
pub const MAX_RELEASE_SITES: f64 = 1e6;

/// Whether `v` is an allowed number of release sites: whole, in
/// `[1, MAX_RELEASE_SITES]`.
fn whole_sites(v: f64) -> bool {
    v >= 1.0 && v.fract() == 0.0 && v <= MAX_RELEASE_SITES
}

/// The stochastic synapse types, by PyNN's class name.
const STOCHASTIC: [&str; 3] = ["SimpleStochasticSynapse", "StochasticTsodyksMarkramSynapse", "MultiQuantalSynapse"];

const SITES: &str = "a whole number of release sites in [1, 1000000]";

/// Checks new values of parameter `name` of a projection of stochastic
/// synapse type `synapse` (PyNN's class name) set after it is made
/// (`Projection::set`), as at creation: the table's domain
/// (`pynn_schema::synapses`), and `n` a whole number of sites. `object`
/// names the projection in the error. The backends call it before
/// anything changes.
pub fn check_parameter(synapse: &str, object: &str, name: &str, values: &[f64]) -> Result<()> {
    let table = pynn_schema::synapses::synapse_table(synapse)
        .filter(|t| STOCHASTIC.contains(&t.name))
        .ok_or_else(|| Error::unknown_name(object, "stochastic synapse type", synapse, STOCHASTIC))?;
    let Some(spec) = table.parameter(name) else {
        return Err(Error::unknown_name(object, "parameter", name, table.parameters.iter().map(|p| p.name)));
    };
    if let Some(v) = values.iter().find(|v| !v.is_finite() || !spec.domain.check_scalar(**v)) {
        return Err(Error::invalid_value(object, name, v, allowed(spec)));
    }
    if name == "n"
        && let Some(v) = values.iter().find(|v| !whole_sites(**v))
    {
        return Err(Error::invalid_value(object, name, v, SITES));
    }
    Ok(())
}

impl SynapseType for MultiQuantalSynapse {
    fn name(&self) -> &'static str {
        "MultiQuantalSynapse"
    }
    common_impl!();
    fn parameters(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("U", self.U.clone()),
            ("n", self.n.clone()),
            ("tau_rec", self.tau_rec.clone()),
            ("tau_facil", self.tau_facil.clone()),
        ]
    }
    fn attributes(&self) -> &'static [&'static str] {
        &["U", "n", "tau_rec", "tau_facil", "u", "a"]
    }
    fn state_variables(&self) -> &'static [&'static str] {
        &["u", "a"]
    }
    fn kind(&self, ctx: &SynapseContext<'_>) -> Result<SynapseKind> {
        let me = self.name();
        check(ctx, me, &pynn_schema::synapses::MultiQuantalSynapse)?;
        check_all(ctx, me, "n", ctx.column("n"), whole_sites, SITES)?;
        Ok(SynapseKind::MultiQuantal { key: ctx.stream, columns: columns(ctx) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform_and_keyed() {
        // Mean of 10^5 uniforms: 0.5 within 5 sigma (sigma = 1/sqrt(12 * 10^5) = 9.1e-4).
        let n = 100_000u64;
        let mean = (0..n).map(|k| release_draw(7, k % 100, k / 100, 0)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 5.0 * 9.2e-4, "{mean}");
        // Every argument changes the draw.
        let base = release_draw(1, 2, 3, 4);
        for other in
            [release_draw(0, 2, 3, 4), release_draw(1, 3, 3, 4), release_draw(1, 2, 4, 4), release_draw(1, 2, 3, 5)]
        {
            assert_ne!(base, other);
        }
        assert!((0.0..1.0).contains(&base));
        // The specification's values, from an independent Python
        // implementation of the formula (arbitrary-precision integers
        // masked to 64 bits): exact.
        assert_eq!(release_draw(0, 0, 0, 0), 0.13870941014555427);
        assert_eq!(release_draw(0x0123_4567_89AB_CDEF, 5, 17, 3), 0.39557761609018327);
        assert_eq!(release_draw(u64::MAX, 1000, 1, 0), 0.43583454716741443);
        assert_ne!(release_key(1, 0), release_key(1, 1));
        assert_ne!(release_key(1, 0), release_key(2, 0));
    }
}
