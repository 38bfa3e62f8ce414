//! The plastic-synapse scenarios of `tests/data/plasticity/*.json`
//! (written by `tests/data/nest_plasticity.py` with NEST 3.10) through the
//! object API on any backend (`tests/plasticity.rs` has the native and NEST
//! runs; `tests/brian2_backend.rs` uses this module).
#![allow(dead_code)]

use pynn::core::backend::Supports;
use pynn::core::{Backend, CellType};
use pynn::core::{SynapseType, WeightHistory};
use pynn::prelude::*;
use serde_json::Value as Json;

/// Every plastic scenario.
pub const PLASTIC_SCENARIOS: [&str; 9] = [
    "stdp_additive",
    "stdp_multiplicative",
    "stdp_add_pot_mult_dep",
    "stdp_gutig",
    "stdp_additive_cond",
    "vogels_cond",
    "vogels_curr",
    "tsodyks_markram_curr",
    "tsodyks_markram_cond",
];

pub fn load_plastic(name: &str) -> Json {
    let path = format!("{}/tests/data/plasticity/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn fl(v: &Json) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn f(v: &Json, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("missing {key}"))
}

/// What a run produced.
#[derive(Debug, PartialEq)]
pub struct PlasticRun {
    pub weight: Vec<f64>,
    pub state: Vec<(String, Vec<f64>)>,
    pub spikes: Vec<Vec<f64>>,
    pub v: Vec<Vec<f64>>,
}

/// The scenario's synapse type with its per-connection parameters
/// (`tests/common/nest_plastic.rs` builds it; a scenario file it cannot
/// read is a broken test, hence the panic).
pub fn build_synapse(s: &Json, conns: &[Json]) -> Box<dyn SynapseType> {
    crate::nest_plastic::build_synapse(s, conns).unwrap_or_else(|e| panic!("{e}"))
}

/// Builds and runs scenario `s` on `B`; with `split = Some(t1)`: a run to
/// `t1`, a reset (weights back to their initial values), then the whole
/// run in two parts; `record` samples the weights every that many ms.
pub fn run_plastic<C, B>(s: &Json, split: Option<f64>, record: Option<f64>) -> (PlasticRun, Option<WeightHistory>)
where
    C: CellType + Default,
    B: Backend + Supports<C> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup {
        timestep: f(s, "dt"),
        min_delay: f(s, "min_delay"),
        max_delay: f(s, "max_delay"),
        ..Setup::default()
    })
    .unwrap();
    let n_post = s["n_post"].as_u64().unwrap() as usize;
    let post = Population::<C, B>::new(&sim, n_post, C::default()).unwrap();
    for (name, value) in s["cell"].as_object().unwrap() {
        post.set(name, value.as_f64().unwrap()).unwrap();
    }
    post.initialize("v", f(&s["cell"], "v_rest")).unwrap();
    let trains: Vec<Vec<f64>> = s["pre_spikes"].as_array().unwrap().iter().map(fl).collect();
    let pre = Population::<SpikeSourceArray, B>::new(&sim, trains.len(), SpikeSourceArray::default()).unwrap();
    pre.set("spike_times", trains).unwrap();
    let drivers: Vec<Vec<f64>> = s["driver_spikes"].as_array().unwrap().iter().map(fl).collect();
    if !drivers.is_empty() {
        let d = Population::<SpikeSourceArray, B>::new(&sim, drivers.len(), SpikeSourceArray::default()).unwrap();
        d.set("spike_times", drivers).unwrap();
        let syn = StaticSynapse::new(f(s, "driver_weight"), f(s, "driver_delay"));
        Projection::new(&d, &post, &OneToOneConnector, syn, Some("excitatory")).unwrap();
    }
    let conns = s["connections"].as_array().unwrap();
    let list: Vec<(usize, usize)> =
        conns.iter().map(|c| (c["pre"].as_u64().unwrap() as usize, c["post"].as_u64().unwrap() as usize)).collect();
    let receptor = s["receptor"].as_str().unwrap();
    let synapse = build_synapse(s, conns);
    let prj = Projection::new(&pre, &post, &FromListConnector::new(list), synapse, Some(receptor)).unwrap();
    post.record(["spikes", "v"], None).unwrap();
    if let Some(interval) = record {
        prj.record_weights(interval).unwrap();
    }
    let key = if s["result"].get("u").is_some() { "x" } else { "weight" };
    let initial = prj.get_values(key).unwrap();
    match split {
        None => sim.run(f(s, "t_stop")).unwrap(),
        Some(t1) => {
            sim.run(t1).unwrap();
            assert_ne!(prj.get_values(key).unwrap(), initial, "{key} changed by {t1} ms");
            sim.reset().unwrap();
            assert_eq!(prj.get_values(key).unwrap(), initial, "{key} after reset()");
            sim.run(t1).unwrap();
            let _ = prj.get_values("weight").unwrap();
            sim.run(f(s, "t_stop") - t1).unwrap()
        }
    };
    let mut state = Vec::new();
    if s["result"].get("u").is_some() {
        for name in ["u", "x", "y"] {
            state.push((name.to_string(), prj.get_values(name).unwrap()));
        }
    }
    let block = post.get_data().unwrap();
    let seg = block.segments.last().unwrap();
    let history = record.map(|_| prj.weight_history().unwrap());
    let run = PlasticRun {
        weight: prj.get_values("weight").unwrap(),
        state,
        spikes: (0..n_post).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect(),
        v: (0..n_post).map(|i| seg.signal("v").unwrap().column(i)).collect(),
    };
    sim.end().unwrap();
    (run, history)
}

/// [`run_plastic`] with the scenario's cell type.
pub fn run_plastic_on<B>(s: &Json, split: Option<f64>, record: Option<f64>) -> (PlasticRun, Option<WeightHistory>)
where
    B: Backend + Supports<IF_curr_exp> + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    match s["cell_type"].as_str().unwrap() {
        "IF_curr_exp" => run_plastic::<IF_curr_exp, B>(s, split, record),
        "IF_cond_exp" => run_plastic::<IF_cond_exp, B>(s, split, record),
        other => panic!("{other}"),
    }
}

/// Largest relative difference of `ours` to `nest`.
pub fn max_rel(ours: &[f64], nest: &[f64]) -> f64 {
    assert_eq!(ours.len(), nest.len());
    ours.iter()
        .zip(nest)
        .map(|(a, b)| if a == b { 0.0 } else { (a - b).abs() / a.abs().max(b.abs()) })
        .fold(0.0, f64::max)
}

/// Measured agreement of a run with the NEST data of its scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlasticAgreement {
    /// Post-synaptic spike steps identical.
    pub same_spikes: bool,
    /// Number of post-synaptic spikes (ours).
    pub spikes: usize,
    /// Largest relative weight difference.
    pub weight: f64,
    /// Largest relative difference of u, x, y (Tsodyks–Markram), else 0.
    pub state: f64,
    /// Largest |v - v_NEST| (mV).
    pub v: f64,
}

pub fn plastic_agreement(s: &Json, r: &PlasticRun) -> PlasticAgreement {
    let res = &s["result"];
    let dt = f(s, "dt");
    let nest_spikes: Vec<Vec<f64>> = res["post_spikes"].as_array().unwrap().iter().map(fl).collect();
    let steps = |t: &Vec<Vec<f64>>| -> Vec<Vec<i64>> {
        t.iter().map(|c| c.iter().map(|x| (x / dt).round() as i64).collect()).collect()
    };
    let mut state: f64 = 0.0;
    for (var, values) in &r.state {
        state = state.max(max_rel(values, &fl(&res[var.as_str()])));
    }
    let nest_v: Vec<Vec<f64>> = res["v"].as_array().unwrap().iter().map(fl).collect();
    let mut v: f64 = 0.0;
    for (a, b) in r.v.iter().zip(&nest_v) {
        assert_eq!(a.len(), b.len(), "v samples");
        v = v.max(a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max));
    }
    PlasticAgreement {
        same_spikes: steps(&r.spikes) == steps(&nest_spikes),
        spikes: r.spikes.iter().map(Vec::len).sum(),
        weight: max_rel(&r.weight, &fl(&res["weight"])),
        state,
        v,
    }
}
