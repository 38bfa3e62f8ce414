//! Plastic synapses on Brian2: `TsodyksMarkramSynapse`, `STDPMechanism`
//! with `SpikePairRule` (every weight dependence, through NEST's
//! `mu_plus`/`mu_minus`) and `Vogels2011Rule`, as Brian2 `Synapses` code
//! that reproduces the NEST 3.10 models the native engine follows
//! (`native/plastic.rs`): `models/tsodyks_synapse.h`,
//! `models/stdp_synapse.h`, `models/vogels_sprekeler_synapse.h`.
//!
//! # Three pathways per plastic `Synapses` object
//!
//! NEST updates a synapse when a pre-synaptic spike at `t` is delivered
//! and sends the new weight, which reaches the target at `t + d`. Brian2
//! reads synaptic variables when a spike *arrives*, so one pathway cannot
//! do both. Here:
//!
//! * `update` (pre, delay 0, slot `synapses`, `order` 0): runs in the
//!   Brian2 step `j` in which the pre-synaptic cell fired, i.e. at NEST's
//!   spike time `t = (j + 1) dt` (Brian2's `t + dt`). It applies the rule
//!   and writes the weight to send into a ring of `K` slots per synapse
//!   (`K` = the projection's largest delay in steps: at most `K` spikes of
//!   one synapse are in flight, since a cell fires at most once a step).
//! * `transmit` (pre, delay `(D - 1) dt`, slot `before_thresholds`, as the
//!   static synapses): reads the ring slot of its spike (FIFO: the delay of
//!   a synapse is fixed) into `w_syn` and runs the receptor's statement.
//! * `backprop` (post, delay `D dt`, slot `synapses`, `order` -1, STDP and
//!   Vogels only): a post-synaptic spike of NEST time `t_j` reaches the
//!   synapse at `t_j + d` (Brian2 time + dt), the time NEST's dendritic
//!   delay puts it. It applies the facilitation NEST computes for it later,
//!   at the next pre-synaptic spike (`get_history(t_last - d, t - d)`):
//!   same factor `K+ exp((t_last - (t_j + d)) / tau_plus)` and, because no
//!   other operation comes between, the same sequence of weight values; it
//!   then steps the post-synaptic trace `K-` (NEST's
//!   `ArchivingNode::set_spike_history`). Running before `update` in a tied
//!   step puts `t_j + d = t` inside the facilitation window (NEST's window
//!   is closed on the right) and the tied spike outside `K-(t - d)` (NEST
//!   reads the trace strictly before `t - d`: `kminus_before`).
//!
//! Facilitation is thus applied when the post-synaptic spike arrives, NEST
//! applies it at the next pre-synaptic spike. The reported weight
//! (`get_values("weight")`, recording) is therefore a second variable set
//! only by `update`: NEST's weight, which excludes post-synaptic spikes
//! after the last pre-synaptic one.
//!
//! Times: every quantity depends on time differences of events Brian2
//! handles in the same slot, so Brian2's clock (`j dt` in seconds) gives
//! NEST's values up to rounding (NEST computes times as integer tics x
//! 0.001 ms); Tsodyks–Markram's first interval starts from NEST's
//! `t_lastspike = 0`, so its update uses `t + dt`.
//!
//! Brian2 2.9 has no `where`: selections are written `a*int(c) + b*int(not c)`
//! (exact: multiplying by 1 and adding 0 changes no finite value).

use super::err;
use pynn_core::backend::{SynapseColumns, SynapseKind};
use pynn_core::{Error, Result};

/// The Brian2 code and values of one plastic projection.
#[derive(Debug, Clone, PartialEq)]
pub struct PlasticModel {
    /// Synaptic variable declarations (without `w_syn`).
    pub model: String,
    /// Code of the `update` pathway.
    pub update: String,
    /// Code of the `transmit` pathway (ends with the receptor's statement).
    pub transmit: String,
    /// Code of the `backprop` pathway (STDP and Vogels), else empty.
    pub backprop: String,
    /// Brian2 variable, unit and per-connection value (list order) of every
    /// parameter and initial state.
    pub values: Vec<(String, &'static str, Vec<f64>)>,
}

/// `(PyNN name, Brian2 variable, factor)` of a plastic state variable.
pub type StateVar = (&'static str, &'static str, f64);

/// How PyNN's synaptic attributes map to the Brian2 variables of a plastic
/// projection: `(PyNN name, Brian2 variable, factor)` with PyNN value =
/// factor x Brian2 value.
pub fn state_vars(kind: &SynapseKind) -> Vec<StateVar> {
    match kind {
        SynapseKind::TsodyksMarkram(_) => {
            vec![("weight", "tm_w", 1.0), ("u", "tm_u", 1.0), ("x", "tm_x", 1.0), ("y", "tm_y", 1.0)]
        }
        SynapseKind::SpikePairStdp { sign, .. } | SynapseKind::Vogels2011 { sign, .. } => {
            vec![("weight", "sp_wrep", *sign)]
        }
        k if stochastic_key(k).is_some() => {
            let mut v = vec![("weight", "st_w", 1.0)];
            v.extend(state_names(k).iter().map(|(p, b)| (*p, *b, 1.0)));
            v
        }
        _ => Vec::new(),
    }
}

/// The synaptic state of `kind` that `Projection::state_history` records:
/// `(PyNN name, Brian2 variable)`. Each Brian2 variable holds the value
/// left by the latest pre-synaptic spike (the `update` pathway runs at the
/// spike), which is the native engine's recorded value
/// (`native/plastic.rs`, `Plastic::recorded_state`).
pub fn state_names(kind: &SynapseKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        SynapseKind::TsodyksMarkram(_) => &[("u", "tm_u"), ("x", "tm_x"), ("y", "tm_y")],
        SynapseKind::StochasticTsodyksMarkram { .. } => &[("u", "st_u"), ("R", "st_avail")],
        SynapseKind::MultiQuantal { .. } => &[("u", "st_u"), ("a", "st_avail")],
        _ => &[],
    }
}

/// The value of stochastic synapse attribute `name` (a parameter, or a
/// state variable of [`state_names`] before Brian2 has run: the model's
/// initial value, `u = 0`, `R = 1` for the stochastic Tsodyks–Markram
/// model, `u = U`, `a = n` for the multi-quantal one) from the mirror;
/// `None` for other kinds or names.
pub fn stochastic_attribute(kind: &SynapseKind, name: &str, n: usize) -> Option<Vec<f64>> {
    let c = match kind {
        SynapseKind::SimpleStochastic { columns, .. }
        | SynapseKind::StochasticTsodyksMarkram { columns, .. }
        | SynapseKind::MultiQuantal { columns, .. } => columns,
        _ => return None,
    };
    if let Some(v) = c.get(name) {
        return Some(v.to_vec());
    }
    match (kind, name) {
        (SynapseKind::StochasticTsodyksMarkram { .. }, "u") => Some(vec![0.0; n]),
        (SynapseKind::StochasticTsodyksMarkram { .. }, "R") => Some(vec![1.0; n]),
        (SynapseKind::MultiQuantal { .. }, "u") => c.get("U").map(<[f64]>::to_vec),
        (SynapseKind::MultiQuantal { .. }, "a") => c.get("n").map(<[f64]>::to_vec),
        _ => None,
    }
}

/// What a weight recording samples (`RecordWeights`' `var`): the reported
/// weight's Brian2 variable, then those of [`state_names`], separated by
/// commas; the driver stores each sample as their values one after the
/// other (`Driver.gather`).
pub fn record_vars(kind: &SynapseKind) -> String {
    let weight = state_vars(kind).first().map(|v| v.1);
    weight.into_iter().chain(state_names(kind).iter().map(|v| v.1)).collect::<Vec<_>>().join(",")
}

/// Brian2 variables of a plastic model that hold state or weights, never
/// parameters: a parameter set between runs leaves them alone.
const NOT_PARAMETERS: &[&str] = &[
    "tm_w",
    "tm_u",
    "tm_x",
    "tm_y",
    "tm_tlast",
    "sp_w",
    "sp_wrep",
    "sp_tpost",
    "st_w",
    "st_u",
    "st_avail",
    "st_spikes",
    "st_tlast",
    "st_tsurv",
    "st_khi",
    "st_klo",
    "st_conn",
];

/// Parameter `name` of a plastic projection set to `values` (list order)
/// between runs: the new synapse kind (the mirror, from which a rebuild
/// after `reset()` starts) and the Brian2 parameter variables whose values
/// change, with their units (`Vogels2011Rule`'s `rho` changes `sp_alpha`).
/// The other arguments are [`plastic_model`]'s. Refused, before anything
/// changes: names that are not parameters of the kind; `tau_minus` of
/// `SpikePairRule` and `tau` of `Vogels2011Rule` (the post-synaptic trace's
/// time constant: `Error::Unsupported`, as on NEST); `w_min > w_max`; for
/// stochastic types, values outside the type's domain.
#[allow(clippy::type_complexity)]
pub fn set_parameter(
    kind: &SynapseKind,
    object: &str,
    name: &str,
    values: &[f64],
    model: (&str, &str, &[f64], usize),
) -> Result<(SynapseKind, Vec<(String, &'static str, Vec<f64>)>)> {
    let (receptor, weight_unit, weights, ring_slots) = model;
    let trace = match kind {
        SynapseKind::SpikePairStdp { .. } => "tau_minus",
        SynapseKind::Vogels2011 { .. } => "tau",
        _ => "",
    };
    if name == trace {
        return Err(Error::unsupported(
            "Brian2",
            format!(
                "changing parameter `{name}` of {object} after it is made (the post-synaptic trace's time constant)"
            ),
            "give the value to the synapse type when making the projection, or use the native engine",
        ));
    }
    let type_name = match kind {
        SynapseKind::SimpleStochastic { .. } => Some("SimpleStochasticSynapse"),
        SynapseKind::StochasticTsodyksMarkram { .. } => Some("StochasticTsodyksMarkramSynapse"),
        SynapseKind::MultiQuantal { .. } => Some("MultiQuantalSynapse"),
        _ => None,
    };
    if let Some(t) = type_name {
        pynn_core::synapses::stochastic::check_parameter(t, object, name, values)?;
    }
    let mut new = kind.clone();
    let columns = match &mut new {
        SynapseKind::TsodyksMarkram(c)
        | SynapseKind::SpikePairStdp { columns: c, .. }
        | SynapseKind::Vogels2011 { columns: c, .. }
        | SynapseKind::SimpleStochastic { columns: c, .. }
        | SynapseKind::StochasticTsodyksMarkram { columns: c, .. }
        | SynapseKind::MultiQuantal { columns: c, .. } => c,
        _ => return Err(Error::unknown_name(object, "parameter", name, [])),
    };
    let state: Vec<&str> = state_names(kind).iter().map(|v| v.0).collect();
    let names: Vec<&'static str> =
        columns.0.iter().map(|(n, _)| *n).filter(|n| !state.contains(n) && *n != "tau_psc").collect();
    let Some((_, col)) = columns.0.iter_mut().find(|(n, _)| *n == name && names.contains(n)) else {
        return Err(Error::unknown_name(object, "parameter", name, names));
    };
    if col.len() != values.len() {
        return Err(Error::LengthMismatch {
            object: object.into(),
            what: name.into(),
            expected: col.len(),
            found: values.len(),
        });
    }
    col.copy_from_slice(values);
    if let (Some(lo), Some(hi)) = (columns.get("w_min"), columns.get("w_max"))
        && let Some(k) = (0..lo.len()).find(|k| lo[*k] > hi[*k])
    {
        return Err(Error::invalid_value(
            object,
            name,
            values[k],
            format!("bounds with w_min <= w_max (here w_min = {}, w_max = {})", lo[k], hi[k]),
        ));
    }
    let before = plastic_model(kind, receptor, weight_unit, weights, ring_slots)?;
    let after = plastic_model(&new, receptor, weight_unit, weights, ring_slots)?;
    let (Some(before), Some(after)) = (before, after) else {
        return Err(Error::unknown_name(object, "parameter", name, []));
    };
    let changed = after
        .values
        .into_iter()
        .filter(|(b, _, v)| {
            !NOT_PARAMETERS.contains(&b.as_str()) && before.values.iter().any(|(o, _, old)| o == b && old != v)
        })
        .collect();
    Ok((new, changed))
}

/// The Brian2 variables a weight set between runs is written to, with the
/// factor (Brian2 value = factor x PyNN weight).
pub fn weight_vars(kind: &SynapseKind) -> Vec<(&'static str, f64)> {
    match kind {
        SynapseKind::TsodyksMarkram(_) => vec![("tm_w", 1.0)],
        SynapseKind::SpikePairStdp { sign, .. } | SynapseKind::Vogels2011 { sign, .. } => {
            vec![("sp_w", *sign), ("sp_wrep", *sign)]
        }
        k if stochastic_key(k).is_some() => vec![("st_w", 1.0)],
        _ => Vec::new(),
    }
}

/// The Brian2 variable of Tsodyks–Markram state `name` (`u`, `x`, `y`).
pub fn tm_state(name: &str) -> Option<&'static str> {
    match name {
        "u" => Some("tm_u"),
        "x" => Some("tm_x"),
        "y" => Some("tm_y"),
        _ => None,
    }
}

fn column<'a>(c: &'a SynapseColumns, name: &str) -> Result<&'a [f64]> {
    c.get(name).ok_or_else(|| err(format!("synapse column `{name}` missing")))
}

/// Declarations, slot writes and the transmit code of a ring of `k` slots
/// holding the signed weight to send (`value`, an expression).
fn ring(k: usize, value: &str, weight_unit: &str, receptor: &str) -> (String, String, String) {
    let mut decl = String::from("ring_upd : integer\nring_sent : integer\n");
    let mut write = String::new();
    let mut read = Vec::new();
    for s in 0..k {
        decl.push_str(&format!("ring_{s} : 1\n"));
        write.push_str(&format!(
            "ring_{s} = ({value})*int(ring_upd % {k} == {s}) + ring_{s}*int(ring_upd % {k} != {s})\n"
        ));
        read.push(format!("ring_{s}*int(ring_sent % {k} == {s})"));
    }
    write.push_str("ring_upd += 1\n");
    let transmit = format!("w_syn = ({})*{weight_unit}\nring_sent += 1\n{receptor}\n", read.join(" + "));
    (decl, write, transmit)
}

/// The Brian2 description of a plastic projection: `receptor` is the
/// target model's `on_pre` statement (reading `w_syn`), `weight_unit` its
/// weight unit, `weights` the initial weights (PyNN units, list order) and
/// `ring_slots` the largest delay of the projection in steps. `None` for a
/// static projection.
pub fn plastic_model(
    kind: &SynapseKind,
    receptor: &str,
    weight_unit: &str,
    weights: &[f64],
    ring_slots: usize,
) -> Result<Option<PlasticModel>> {
    let k = ring_slots.max(1);
    let n = weights.len();
    let ms = "ms";
    let one = "1";
    if let Some(m) = stochastic(kind, receptor, weight_unit, weights, k)? {
        return Ok(Some(m));
    }
    match kind {
        SynapseKind::Static => Ok(None),
        SynapseKind::TsodyksMarkram(c) => {
            let (ring_decl, ring_write, transmit) = ring(k, "tm_delta*tm_w", weight_unit, receptor);
            let model = format!(
                "tm_w : 1\ntm_U : 1\ntm_tau_rec : second\ntm_tau_facil : second\ntm_tau_psc : second\n\
                 tm_u : 1\ntm_x : 1\ntm_y : 1\ntm_tlast : second\n{ring_decl}"
            );
            // tsodyks_synapse::send, propagated from t_lastspike (0 at
            // first) to the spike time t = Brian2's t + dt; tau_psc =
            // tau_rec is the limit of NEST's expression (as native).
            let update = format!(
                "tm_h = t + dt - tm_tlast\n\
                 tm_facil = int(tm_tau_facil > 0*ms)\n\
                 tm_puu = exp(-tm_h/(tm_tau_facil + 1*ms*(1 - tm_facil)))*tm_facil\n\
                 tm_pyy = exp(-tm_h/tm_tau_psc)\n\
                 tm_pzz = exp(-tm_h/tm_tau_rec)\n\
                 tm_same = int(tm_tau_psc == tm_tau_rec)\n\
                 tm_pxy = ((tm_pzz - 1)*tm_tau_rec - (tm_pyy - 1)*tm_tau_psc)/(tm_tau_psc - tm_tau_rec + \
                 1*ms*tm_same)*(1 - tm_same) + (1 - tm_pzz*(1 + tm_h/tm_tau_rec))*tm_same\n\
                 tm_z = 1 - tm_x - tm_y\n\
                 tm_u = tm_u*tm_puu\n\
                 tm_x = tm_x + tm_pxy*tm_y + (1 - tm_pzz)*tm_z\n\
                 tm_y = tm_y*tm_pyy\n\
                 tm_u = tm_u + tm_U*(1 - tm_u)\n\
                 tm_delta = tm_u*tm_x\n\
                 tm_x = tm_x - tm_delta\n\
                 tm_y = tm_y + tm_delta\n\
                 tm_tlast = t + dt\n{ring_write}"
            );
            let mut values = vec![("tm_w".to_string(), one, weights.to_vec())];
            for (pynn, brian, unit) in [
                ("U", "tm_U", one),
                ("tau_rec", "tm_tau_rec", ms),
                ("tau_facil", "tm_tau_facil", ms),
                ("tau_psc", "tm_tau_psc", ms),
                ("u", "tm_u", one),
                ("x", "tm_x", one),
                ("y", "tm_y", one),
            ] {
                values.push((brian.to_string(), unit, column(c, pynn)?.to_vec()));
            }
            Ok(Some(PlasticModel { model, update, transmit, backprop: String::new(), values }))
        }
        SynapseKind::SpikePairStdp { tau_minus, sign, columns: c } => {
            let (ring_decl, ring_write, transmit) = ring(k, &format!("{sign:?}*sp_w"), weight_unit, receptor);
            let model = format!("{}sp_Ap : 1\nsp_Am : 1\nsp_mup : 1\nsp_mum : 1\n{ring_decl}", common_decl());
            // stdp_synapse::facilitate_ / depress_ on the normalised weight
            // (w - w_min) / (w_max - w_min) (NEST: w / Wmax), w_min = w_max
            // leaves w unchanged (as native).
            let facilitate = |kplus: &str| {
                format!(
                    "sp_rng = sp_wmax - sp_wmin + int(sp_wmax <= sp_wmin)\n\
                     sp_n = (sp_w - sp_wmin)/sp_rng\n\
                     sp_n = sp_n + sp_Ap*(1 - sp_n)**sp_mup*{kplus}\n\
                     sp_new = (sp_n*sp_rng + sp_wmin)*int(sp_n < 1) + sp_wmax*int(sp_n >= 1)\n\
                     sp_w = sp_new*int(sp_wmax > sp_wmin) + sp_w*int(sp_wmax <= sp_wmin)\n"
                )
            };
            let backprop = format!("{}{}", facilitate("sp_kp*exp((sp_tlast - t)/sp_taup)"), post_trace());
            let update = format!(
                "{}sp_rng = sp_wmax - sp_wmin + int(sp_wmax <= sp_wmin)\n\
                 sp_n = (sp_w - sp_wmin)/sp_rng\n\
                 sp_n = sp_n - sp_Am*sp_n**sp_mum*sp_k\n\
                 sp_new = (sp_n*sp_rng + sp_wmin)*int(sp_n > 0) + sp_wmin*int(sp_n <= 0)\n\
                 sp_w = sp_new*int(sp_wmax > sp_wmin) + sp_w*int(sp_wmax <= sp_wmin)\n{}{ring_write}",
                k_minus(),
                pre_trace()
            );
            let mut values = common_values(weights, *tau_minus, sign, column(c, "tau_plus")?, c)?;
            for (pynn, brian) in
                [("A_plus", "sp_Ap"), ("A_minus", "sp_Am"), ("mu_plus", "sp_mup"), ("mu_minus", "sp_mum")]
            {
                values.push((brian.to_string(), one, column(c, pynn)?.to_vec()));
            }
            debug_assert!(values.iter().all(|(_, _, v)| v.len() == n));
            Ok(Some(PlasticModel { model, update, transmit, backprop, values }))
        }
        SynapseKind::Vogels2011 { tau, sign, columns: c } => {
            let (ring_decl, ring_write, transmit) = ring(k, &format!("{sign:?}*sp_w"), weight_unit, receptor);
            let model = format!("{}sp_eta : 1\nsp_alpha : 1\n{ring_decl}", common_decl());
            // vogels_sprekeler_synapse::facilitate_ / depress_ (bounds
            // [w_min, w_max] on the magnitude, as native).
            let facilitate = |kk: &str| {
                format!(
                    "sp_n = sp_w + sp_eta*{kk}\n\
                     sp_w = sp_n*int(sp_n < sp_wmax) + sp_wmax*int(sp_n >= sp_wmax)\n"
                )
            };
            let backprop = format!("{}{}", facilitate("sp_kp*exp((sp_tlast - t)/sp_taup)"), post_trace());
            let update = format!(
                "{}{}sp_n = sp_w - sp_alpha*sp_eta\n\
                 sp_w = sp_n*int(sp_n > sp_wmin) + sp_wmin*int(sp_n <= sp_wmin)\n{}{ring_write}",
                k_minus(),
                facilitate("sp_k"),
                pre_trace()
            );
            let taus = column(c, "tau")?;
            let mut values = common_values(weights, *tau, sign, taus, c)?;
            values.push(("sp_eta".to_string(), one, column(c, "eta")?.to_vec()));
            // alpha = 2 rho tau / 1000 (rho in Hz, tau in ms), as PyNN's NEST backend.
            let alpha = column(c, "rho")?.iter().zip(taus).map(|(r, t)| 2.0 * r * t / 1000.0).collect();
            values.push(("sp_alpha".to_string(), one, alpha));
            Ok(Some(PlasticModel { model, update, transmit, backprop, values }))
        }
        other => Err(Error::unsupported(
            "Brian2",
            format!("synapse model {other:?}"),
            "use a synapse type this backend implements, or another backend",
        )),
    }
}

/// Variables shared by STDP and Vogels: current and reported weight
/// magnitude, bounds, traces.
fn common_decl() -> &'static str {
    "sp_w : 1\nsp_wrep : 1\nsp_wmin : 1\nsp_wmax : 1\nsp_taup : second\nsp_taum : second\n\
     sp_kp : 1\nsp_tlast : second\nsp_km : 1\nsp_kmb : 1\nsp_tpost : second\n"
}

fn common_values(
    weights: &[f64],
    tau_minus: f64,
    sign: &f64,
    tau_plus: &[f64],
    c: &SynapseColumns,
) -> Result<Vec<(String, &'static str, Vec<f64>)>> {
    let n = weights.len();
    let mag: Vec<f64> = weights.iter().map(|w| w.abs()).collect();
    if let Some(w) = weights.iter().find(|w| **w != 0.0 && w.signum() != sign.signum()) {
        return Err(Error::invalid_value(
            "plastic projection on Brian2",
            "weight",
            w,
            format!("weights of sign {sign} (the sign PyNN gives this receptor)"),
        ));
    }
    Ok(vec![
        ("sp_w".to_string(), "1", mag.clone()),
        ("sp_wrep".to_string(), "1", mag),
        ("sp_wmin".to_string(), "1", column(c, "w_min")?.to_vec()),
        ("sp_wmax".to_string(), "1", column(c, "w_max")?.to_vec()),
        ("sp_taup".to_string(), "ms", tau_plus.to_vec()),
        ("sp_taum".to_string(), "ms", vec![tau_minus; n]),
        // No post-synaptic spike yet: K- = 0 (its time is never used then).
        ("sp_tpost".to_string(), "ms", vec![-1e6; n]),
    ])
}

/// `K-(t - d)`: the post-synaptic trace just before `t - d` (a spike that
/// arrived in this very step is excluded: `sp_kmb`).
fn k_minus() -> &'static str {
    "sp_k = sp_kmb*int(sp_tpost == t) + sp_km*exp((sp_tpost - t)/sp_taum)*int(sp_tpost != t)\n"
}

/// `K-` after a post-synaptic spike arriving now.
fn post_trace() -> &'static str {
    "sp_kmb = sp_km*exp((sp_tpost - t)/sp_taum)\nsp_km = sp_kmb + 1\nsp_tpost = t\n"
}

/// `K+` after the pre-synaptic spike, the reported weight.
fn pre_trace() -> &'static str {
    "sp_wrep = sp_w\nsp_kp = sp_kp*exp((sp_tlast - t)/sp_taup) + 1\nsp_tlast = t\n"
}

/// The key of a stochastic synapse kind's release draws.
fn stochastic_key(kind: &SynapseKind) -> Option<u64> {
    match kind {
        SynapseKind::SimpleStochastic { key, .. }
        | SynapseKind::StochasticTsodyksMarkram { key, .. }
        | SynapseKind::MultiQuantal { key, .. } => Some(*key),
        _ => None,
    }
}

/// The stochastic synapses (`pynn_core::synapses::stochastic`; the native
/// rules of `native/stochastic.rs` in Brian2 code). The `update` pathway
/// runs at NEST's spike time `t + dt` and writes the transmitted weight
/// (0 on failure) into the ring, as Tsodyks–Markram does. Draws are the
/// driver's `pynn_draw`, `pynn_recover` and `pynn_release` (`driver.py`),
/// copies of `release_draw` keyed by the projection key (two 32-bit halves
/// `st_khi`, `st_klo`), the connection's list index `st_conn` and its spike
/// counter `st_spikes`: the native engine's numbers for the same spikes.
/// Branches are selections by `int(...)` (see the module docs).
fn stochastic(
    kind: &SynapseKind,
    receptor: &str,
    weight_unit: &str,
    weights: &[f64],
    k: usize,
) -> Result<Option<PlasticModel>> {
    let (key, c) = match kind {
        SynapseKind::SimpleStochastic { key, columns }
        | SynapseKind::StochasticTsodyksMarkram { key, columns }
        | SynapseKind::MultiQuantal { key, columns } => (*key, columns),
        _ => return Ok(None),
    };
    let n = weights.len();
    let (ring_decl, ring_write, transmit) = ring(k, "st_out*st_w", weight_unit, receptor);
    let draw = |slot: u32| format!("pynn_draw(st_khi, st_klo, st_conn, st_spikes, {slot})");
    let mut values = vec![
        ("st_w".to_string(), "1", weights.to_vec()),
        ("st_khi".to_string(), "1", vec![(key >> 32) as f64; n]),
        ("st_klo".to_string(), "1", vec![(key & 0xFFFF_FFFF) as f64; n]),
        ("st_conn".to_string(), "1", (0..n).map(|i| i as f64).collect()),
        ("st_spikes".to_string(), "1", vec![0.0; n]),
    ];
    let decl = "st_w : 1\nst_khi : 1\nst_klo : 1\nst_conn : 1\nst_spikes : 1\nst_out : 1\nst_p : 1\n";
    let (model, update) = match kind {
        SynapseKind::SimpleStochastic { .. } => {
            values.push(("st_p".to_string(), "1", column(c, "p")?.to_vec()));
            (decl.to_string(), format!("st_out = int({} < st_p)\n", draw(0)))
        }
        SynapseKind::StochasticTsodyksMarkram { .. } => {
            values.push(("st_p".to_string(), "1", column(c, "U")?.to_vec()));
            values.push(("st_tau_rec".to_string(), "ms", column(c, "tau_rec")?.to_vec()));
            values.push(("st_tau_facil".to_string(), "ms", column(c, "tau_facil")?.to_vec()));
            values.push(("st_u".to_string(), "1", vec![0.0; n]));
            values.push(("st_avail".to_string(), "1", vec![1.0; n]));
            values.push(("st_tlast".to_string(), "ms", vec![0.0; n]));
            values.push(("st_tsurv".to_string(), "ms", vec![0.0; n]));
            let model = format!(
                "{decl}st_tau_rec : second\nst_tau_facil : second\nst_u : 1\nst_avail : 1\nst_tlast : second\n\
                 st_tsurv : second\n"
            );
            // stochastic_tsodyksmarkram.mod: facilitation, then a recovery
            // draw (slot 0) if unrecovered, then a release draw (slot 1).
            let update = format!(
                "st_fac = int(st_tau_facil > 0*ms)\n\
                 st_ud = st_u*exp(-(t + dt - st_tlast)/(st_tau_facil + 1*ms*(1 - st_fac)))\n\
                 st_u = (st_ud + st_p*(1 - st_ud))*st_fac + st_p*(1 - st_fac)\n\
                 st_tlast = t + dt\n\
                 st_was = st_avail\n\
                 st_rec = int({} > exp(-(t + dt - st_tsurv)/st_tau_rec))*(1 - st_was)\n\
                 st_avail = st_was + st_rec\n\
                 st_stay = (1 - st_was)*(1 - st_rec)\n\
                 st_tsurv = st_tsurv*(1 - st_stay) + (t + dt)*st_stay\n\
                 st_out = st_avail*int({} < st_u)\n\
                 st_avail = st_avail - st_out\n\
                 st_tsurv = st_tsurv*(1 - st_out) + (t + dt)*st_out\n",
                draw(0),
                draw(1)
            );
            (model, update)
        }
        _ => {
            let u = column(c, "U")?.to_vec();
            let sites = column(c, "n")?.to_vec();
            values.push(("st_p".to_string(), "1", u.clone()));
            values.push(("st_n".to_string(), "1", sites.clone()));
            values.push(("st_tau_rec".to_string(), "ms", column(c, "tau_rec")?.to_vec()));
            values.push(("st_tau_facil".to_string(), "ms", column(c, "tau_facil")?.to_vec()));
            values.push(("st_u".to_string(), "1", u));
            values.push(("st_avail".to_string(), "1", sites));
            values.push(("st_tlast".to_string(), "ms", vec![-1.0; n]));
            let model = format!(
                "{decl}st_n : 1\nst_tau_rec : second\nst_tau_facil : second\nst_u : 1\nst_avail : 1\n\
                 st_tlast : second\n"
            );
            // quantal_stp_synapse::send (NEST 3.10): no update at the first
            // spike (which finds u = U, a = n of the current parameters, as
            // native); recovery draws of the depleted sites, then release
            // draws of the available ones, numbered on from there.
            let update = "st_first = int(st_tlast < 0*ms)\n\
                 st_h = t + dt - st_tlast\n\
                 st_fac = int(st_tau_facil >= 1e-10*ms)\n\
                 st_ud = exp(-st_h/(st_tau_facil + 1*ms*(1 - st_fac)))*st_fac\n\
                 st_u = st_p*st_first + (st_p + st_u*(1 - st_p)*st_ud)*(1 - st_first)\n\
                 st_avail = st_n*st_first + st_avail*(1 - st_first)\n\
                 st_dep = (st_n - st_avail)*int(st_n > st_avail)*(1 - st_first)\n\
                 st_avail = st_avail + pynn_recover(st_khi, st_klo, st_conn, st_spikes, st_dep, \
                 1 - exp(-st_h/st_tau_rec))\n\
                 st_out = pynn_release(st_khi, st_klo, st_conn, st_spikes, st_dep, st_avail, st_u)\n\
                 st_avail = st_avail - st_out\n\
                 st_tlast = t + dt\n"
                .to_string();
            (model, update)
        }
    };
    Ok(Some(PlasticModel {
        model: format!("{model}{ring_decl}"),
        update: format!("{update}st_spikes += 1\n{ring_write}"),
        transmit,
        backprop: String::new(),
        values,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_has_one_slot_per_step_of_delay() {
        let (decl, write, transmit) = ring(3, "x", "nA", "i_syn_e_post += w_syn");
        assert_eq!(decl.matches("ring_").count(), 5);
        assert!(write.contains("ring_2 = (x)*int(ring_upd % 3 == 2)"), "{write}");
        assert!(transmit.ends_with("i_syn_e_post += w_syn\n") && transmit.contains(")*nA"), "{transmit}");
    }

    #[test]
    fn stdp_values_are_magnitudes_with_their_parameters() {
        let cols = SynapseColumns(vec![
            ("tau_plus", vec![20.0]),
            ("A_plus", vec![0.01]),
            ("A_minus", vec![0.012]),
            ("w_min", vec![0.0]),
            ("w_max", vec![1.0]),
            ("mu_plus", vec![0.0]),
            ("mu_minus", vec![1.0]),
        ]);
        let kind = SynapseKind::SpikePairStdp { tau_minus: 30.0, sign: -1.0, columns: cols };
        let m = plastic_model(&kind, "i_syn_i_post += w_syn", "nA", &[-0.5], 2).unwrap().unwrap();
        let get = |n: &str| m.values.iter().find(|(b, _, _)| b == n).unwrap().2.clone();
        assert_eq!(get("sp_w"), vec![0.5]);
        assert_eq!(get("sp_taum"), vec![30.0]);
        assert_eq!(get("sp_mum"), vec![1.0]);
        assert!(m.update.contains("-1.0*sp_w"), "{}", m.update);
        assert!(!m.backprop.is_empty());
        // A weight of the wrong sign is refused.
        assert!(plastic_model(&kind, "i_syn_i_post += w_syn", "nA", &[0.5], 2).is_err());
    }
}
