//! The runner of the NEST plasticity scenarios (`tests/data/plasticity/*.json`,
//! written by `tests/data/nest_plasticity.py`) generic over the backend and
//! the thread count, with the checks against NEST's results: shared by
//! `tests/plasticity.rs` (native, NEST) and `tests/neuron_plasticity.rs`.
//! Tolerances and their reasons are in the headers of those files.
#![allow(dead_code)] // each test file uses part of it

use pynn::core::SynapseType;
use pynn::core::backend::Supports;
use pynn::core::{Backend, CellType};
use pynn::prelude::*;
use serde_json::Value as Json;

pub fn load(name: &str) -> Json {
    let path = format!("{}/tests/data/plasticity/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn floats(v: &Json) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

pub fn f(v: &Json, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("missing {key}"))
}

/// What a run produced.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub weight: Vec<f64>,
    pub state: Vec<(String, Vec<f64>)>,
    pub spikes: Vec<Vec<f64>>,
    pub v: Vec<Vec<f64>>,
}

pub fn build_synapse(s: &Json, conns: &[Json]) -> Result<Box<dyn SynapseType>> {
    let syn = &s["synapse"];
    let col = |k: &str| Value::from(conns.iter().map(|c| f(c, k)).collect::<Vec<f64>>());
    let weight = col("weight");
    let delay = col("delay");
    Ok(match syn["type"].as_str().unwrap() {
        "TsodyksMarkramSynapse" => Box::new(TsodyksMarkramSynapse {
            weight,
            delay: Some(delay),
            U: col("U"),
            tau_rec: col("tau_rec"),
            tau_facil: col("tau_facil"),
            u: col("u"),
            x: col("x"),
            y: col("y"),
        }),
        "STDPMechanism" => {
            let tp = &syn["timing_parameters"];
            let wp = &syn["weight_parameters"];
            let timing: pynn::core::synapses::TimingDependence = match syn["timing_dependence"].as_str().unwrap() {
                "SpikePairRule" => {
                    SpikePairRule::new(f(tp, "tau_plus"), f(tp, "tau_minus"), f(tp, "A_plus"), f(tp, "A_minus")).into()
                }
                "Vogels2011Rule" => Vogels2011Rule::new(f(tp, "tau"), f(tp, "eta"), f(tp, "rho")).into(),
                other => panic!("{other}"),
            };
            let (lo, hi) = (f(wp, "w_min"), f(wp, "w_max"));
            let wd: pynn::core::synapses::WeightDependence = match syn["weight_dependence"].as_str().unwrap() {
                "AdditiveWeightDependence" => AdditiveWeightDependence::new(lo, hi).into(),
                "MultiplicativeWeightDependence" => MultiplicativeWeightDependence::new(lo, hi).into(),
                "AdditivePotentiationMultiplicativeDepression" => {
                    AdditivePotentiationMultiplicativeDepression::new(lo, hi).into()
                }
                "GutigWeightDependence" => {
                    GutigWeightDependence::new(lo, hi, f(wp, "mu_plus"), f(wp, "mu_minus")).into()
                }
                other => panic!("{other}"),
            };
            Box::new(STDPMechanism::new(timing, wd).with(weight, delay))
        }
        other => panic!("{other}"),
    })
}

pub fn run_scenario<C, B>(s: &Json, threads: usize, split: Option<f64>) -> Run
where
    C: CellType + Default,
    B: Backend + Supports<C> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup {
        timestep: f(s, "dt"),
        min_delay: f(s, "min_delay"),
        max_delay: f(s, "max_delay"),
        threads,
        ..Setup::default()
    })
    .unwrap();
    let n_post = s["n_post"].as_u64().unwrap() as usize;
    let post = Population::<C, B>::new(&sim, n_post, C::default()).unwrap();
    for (name, value) in s["cell"].as_object().unwrap() {
        post.set(name, value.as_f64().unwrap()).unwrap();
    }
    post.initialize("v", f(&s["cell"], "v_rest")).unwrap();
    let trains: Vec<Vec<f64>> = s["pre_spikes"].as_array().unwrap().iter().map(floats).collect();
    let pre = Population::<SpikeSourceArray, B>::new(&sim, trains.len(), SpikeSourceArray::default()).unwrap();
    pre.set("spike_times", trains).unwrap();
    let drivers: Vec<Vec<f64>> = s["driver_spikes"].as_array().unwrap().iter().map(floats).collect();
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
    let synapse = build_synapse(s, conns).unwrap();
    let prj = Projection::new(&pre, &post, &FromListConnector::new(list), synapse, Some(receptor)).unwrap();
    post.record(["spikes", "v"], None).unwrap();
    let key = if s["result"].get("u").is_some() { "x" } else { "weight" };
    let initial = prj.get_values(key).unwrap();
    match split {
        None => {
            sim.run(f(s, "t_stop")).unwrap();
        }
        Some(t1) => {
            // A first run, a look at the weights, a reset (weights back to
            // their initial values), then the whole run in two parts.
            sim.run(t1).unwrap();
            assert_ne!(prj.get_values(key).unwrap(), initial, "{key} changed by {t1} ms");
            sim.reset().unwrap();
            assert_eq!(prj.get_values(key).unwrap(), initial, "{key} after reset()");
            sim.run(t1).unwrap();
            let _ = prj.get_values("weight").unwrap();
            sim.run(f(s, "t_stop") - t1).unwrap();
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
    Run {
        weight: prj.get_values("weight").unwrap(),
        state,
        spikes: (0..n_post).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect(),
        v: (0..n_post).map(|i| seg.signal("v").unwrap().column(i)).collect(),
    }
}

pub fn run_on<B>(s: &Json, threads: usize, split: Option<f64>) -> Run
where
    B: Backend + Supports<IF_curr_exp> + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    match s["cell_type"].as_str().unwrap() {
        "IF_curr_exp" => run_scenario::<IF_curr_exp, B>(s, threads, split),
        "IF_cond_exp" => run_scenario::<IF_cond_exp, B>(s, threads, split),
        other => panic!("{other}"),
    }
}

pub fn assert_rel(name: &str, what: &str, ours: &[f64], nest: &[f64], rel: f64) {
    assert_eq!(ours.len(), nest.len(), "{name}: {what} length");
    let worst = ours
        .iter()
        .zip(nest)
        .map(|(a, b)| if a == b { 0.0 } else { (a - b).abs() / a.abs().max(b.abs()) })
        .fold(0.0, f64::max);
    eprintln!("{name}: {what}: max relative difference to NEST {worst:.2e}");
    for (k, (a, b)) in ours.iter().zip(nest).enumerate() {
        let tol = rel * a.abs().max(b.abs()) + 1e-300;
        assert!(
            (a - b).abs() <= tol,
            "{name}: {what}[{k}] = {a:.17e}, NEST {b:.17e} (rel. diff {:.3e})",
            (a - b).abs() / b.abs()
        );
    }
}

/// PSP amplitude of each pre-synaptic spike: peak of v between its arrival
/// and the next arrival, minus v at its arrival (as the script computes).
pub fn psp_amplitudes(v: &[f64], spikes: &[f64], delay: f64, dt: f64) -> Vec<f64> {
    let arrivals: Vec<usize> = spikes.iter().map(|t| ((t + delay) / dt).round() as usize).collect();
    let mut ends: Vec<usize> = arrivals[1..].to_vec();
    ends.push(v.len());
    arrivals.iter().zip(ends).map(|(a, e)| v[*a..e].iter().cloned().fold(f64::MIN, f64::max) - v[*a]).collect()
}

/// Runs scenario `name` on `B` (one thread; `split`: run in two parts at
/// that time) and checks it against NEST's results.
pub fn check_on<B>(name: &str, split: Option<f64>) -> Run
where
    B: Backend + Supports<IF_curr_exp> + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let s = load(name);
    let r = run_on::<B>(&s, 1, split);
    let res = &s["result"];
    let nest_spikes: Vec<Vec<f64>> = res["post_spikes"].as_array().unwrap().iter().map(floats).collect();
    let steps = |t: &Vec<Vec<f64>>| -> Vec<Vec<i64>> {
        t.iter().map(|c| c.iter().map(|x| (x / f(&s, "dt")).round() as i64).collect()).collect()
    };
    assert_eq!(steps(&r.spikes), steps(&nest_spikes), "{name}: post-synaptic spike steps");
    assert_rel(name, "weight", &r.weight, &floats(&res["weight"]), 1e-9);
    for (var, values) in &r.state {
        assert_rel(name, var, values, &floats(&res[var.as_str()]), 1e-9);
    }
    let nest_v: Vec<Vec<f64>> = res["v"].as_array().unwrap().iter().map(floats).collect();
    for (i, (a, b)) in r.v.iter().zip(&nest_v).enumerate() {
        assert_eq!(a.len(), b.len(), "{name}: samples of cell {i}");
        let worst = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        eprintln!("{name}: cell {i}: max |v - v_NEST| = {worst:.2e} mV");
        assert!(worst <= 1e-6, "{name}: cell {i}: max |v - v_NEST| = {worst:.3e} mV");
    }
    if let Some(amps) = res.get("psp_amplitudes") {
        let dt = f(&s, "dt");
        for (k, c) in s["connections"].as_array().unwrap().iter().enumerate() {
            let post = c["post"].as_u64().unwrap() as usize;
            let spikes = floats(&s["pre_spikes"][c["pre"].as_u64().unwrap() as usize]);
            let ours = psp_amplitudes(&r.v[post], &spikes, f(c, "delay"), dt);
            let theirs = floats(&amps[k]);
            assert_eq!(ours.len(), theirs.len());
            for (a, b) in ours.iter().zip(&theirs) {
                assert!((a - b).abs() <= 1e-6, "{name}: PSP amplitudes {ours:?} vs NEST {theirs:?}");
            }
        }
    }
    r
}
