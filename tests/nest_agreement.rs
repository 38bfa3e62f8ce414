//! Agreement of the native engine with NEST 3.10: the current-based IF cells
//! (exact integration), the conductance-based IF cells and the AdEx cells
//! (adaptive RKF45 reproducing NEST's GSL stepper and control).
//!
//! The reference data in `tests/data/nest/*.json` were produced by
//! `tests/data/nest_reference.py` (PyNEST 3.10, translated exactly as PyNN
//! 0.13's NEST backend does with `spike_precision='on_grid'`, cross-checked
//! against PyNN 0.13 itself). Each file holds the scenario (cells,
//! parameters, inputs, current sources, connections, run schedule) and
//! NEST's spike times and membrane traces; these tests build the same
//! network through the object API and compare.
//!
//! Tolerances: spike counts identical and spike times on the same time step
//! (both simulators are on-grid with the same step convention); membrane
//! potential within 1e-6 mV at every sample. For the exactly integrated
//! models both sides use the same propagators; for the RKF45 models both
//! run the same algorithm (tableau, error control, step-size carry-over), so
//! the only difference is floating-point rounding (observed <= 2e-13 mV,
//! and <= 3e-8 mV for AdEx and HH, whose exponentials amplify rounding);
//! 1e-6 mV is far above rounding and far below any modelling difference (a
//! one-step timing error moves v by > 1e-3 mV).
//!
//! One known difference is kept out of the scenarios: PyNN's NEST backend
//! shifts current-source times by `-min_delay` and clips them at 0, so a
//! source starting at t <= 2 min_delay reaches NEST's neuron one or two
//! steps late; pynn-rs applies the current from `start` as PyNN documents.
//! Every scenario's sources start later than that.

use pynn::core::backend::Supports;
use pynn::core::CellType;
use pynn::prelude::*;
use serde_json::Value as Json;
use std::collections::BTreeMap;

fn load(name: &str) -> Json {
    let path = format!("{}/tests/data/nest/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Json) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// What a scenario produced: per-segment spike trains and v traces per cell.
struct Outcome {
    spikes: Vec<Vec<Vec<f64>>>,
    v: Vec<Vec<Vec<f64>>>,
}

/// Builds the scenario's network; `schedule` runs it (and may reset).
fn build_and_run<C>(s: &Json, schedule: &dyn Fn(&Sim<Native>)) -> Outcome
where
    C: CellType + Default,
    Native: Supports<C>,
{
    let sim = Sim::<Native>::setup(Setup {
        timestep: s["dt"].as_f64().unwrap(),
        min_delay: s["min_delay"].as_f64().unwrap(),
        max_delay: s["max_delay"].as_f64().unwrap(),
        ..Setup::default()
    })
    .unwrap();
    let cells = s["cells"].as_array().unwrap();
    let n = cells.len();
    let pop = Population::new(&sim, n, C::default()).unwrap();
    let names: Vec<String> = cells[0].as_object().unwrap().keys().cloned().collect();
    for name in &names {
        let values: Vec<f64> = cells.iter().map(|c| c[name].as_f64().unwrap()).collect();
        pop.set(name, values).unwrap();
    }
    pop.initialize("v", floats(&s["initial_v"])).unwrap();

    let trains: Vec<Vec<f64>> = s["spike_sources"].as_array().unwrap().iter().map(floats).collect();
    if !trains.is_empty() {
        let src = Population::<SpikeSourceArray, Native>::new(&sim, trains.len(), SpikeSourceArray::default()).unwrap();
        src.set("spike_times", trains).unwrap();
        let mut by_receptor: BTreeMap<String, Vec<(usize, usize, f64, f64)>> = BTreeMap::new();
        for c in s["connections"].as_array().unwrap() {
            by_receptor.entry(c["receptor"].as_str().unwrap().to_string()).or_default().push((
                c["source"].as_u64().unwrap() as usize,
                c["target"].as_u64().unwrap() as usize,
                c["weight"].as_f64().unwrap(),
                c["delay"].as_f64().unwrap(),
            ));
        }
        for (receptor, list) in by_receptor {
            let conn = FromListConnector::with_weights_and_delays(list);
            Projection::new(&src, &pop, &conn, StaticSynapse::default(), Some(&receptor)).unwrap();
        }
    }
    for d in s["dc_sources"].as_array().unwrap() {
        let targets: Vec<usize> = d["targets"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as usize).collect();
        let source = DCSource {
            amplitude: d["amplitude"].as_f64().unwrap(),
            start: d["start"].as_f64().unwrap(),
            stop: d["stop"].as_f64().unwrap(),
        };
        pop.view(targets).unwrap().inject(source).unwrap();
    }
    for d in s["step_sources"].as_array().unwrap() {
        let targets: Vec<usize> = d["targets"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as usize).collect();
        let source = StepCurrentSource { times: floats(&d["times"]), amplitudes: floats(&d["amplitudes"]) };
        pop.view(targets).unwrap().inject(source).unwrap();
    }
    pop.record(["spikes", "v"], None).unwrap();
    schedule(&sim);
    let block = pop.get_data().unwrap();
    Outcome {
        spikes: block
            .segments
            .iter()
            .map(|seg| (0..n).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect())
            .collect(),
        v: block.segments.iter().map(|seg| (0..n).map(|i| seg.signal("v").unwrap().column(i)).collect()).collect(),
    }
}

fn run_plain(s: &Json) -> impl Fn(&Sim<Native>) + '_ {
    move |sim| {
        for r in floats(&s["runs"]) {
            sim.run(r).unwrap();
        }
    }
}

fn outcome(s: &Json, schedule: &dyn Fn(&Sim<Native>)) -> Outcome {
    match s["cell_type"].as_str().unwrap() {
        "IF_curr_alpha" => build_and_run::<IF_curr_alpha>(s, schedule),
        "IF_curr_exp" => build_and_run::<IF_curr_exp>(s, schedule),
        "IF_curr_delta" => build_and_run::<IF_curr_delta>(s, schedule),
        "IF_cond_exp" => build_and_run::<pynn::IF_cond_exp>(s, schedule),
        "IF_cond_alpha" => build_and_run::<pynn::IF_cond_alpha>(s, schedule),
        "EIF_cond_exp_isfa_ista" => build_and_run::<pynn::EIF_cond_exp_isfa_ista>(s, schedule),
        "EIF_cond_alpha_isfa_ista" => build_and_run::<pynn::EIF_cond_alpha_isfa_ista>(s, schedule),
        "Izhikevich" => build_and_run::<pynn::Izhikevich>(s, schedule),
        "HH_cond_exp" => build_and_run::<pynn::HH_cond_exp>(s, schedule),
        // PyNN 0.13 cannot create IF_cond_exp_gsfa_grr on NEST (KeyError: 'g_r');
        // the reference drives NEST's iaf_cond_exp_sfa_rr directly.
        "IF_cond_exp_gsfa_grr" => build_and_run::<pynn::IF_cond_exp_gsfa_grr>(s, schedule),
        "IF_facets_hardware1" => build_and_run::<pynn::IF_facets_hardware1>(s, schedule),
        other => panic!("no test for {other}"),
    }
}

/// Compares one segment with NEST; returns the largest |dv| (mV).
fn compare(s: &Json, spikes: &[Vec<f64>], v: &[Vec<f64>]) -> f64 {
    let name = s["scenario"].as_str().unwrap();
    let dt = s["dt"].as_f64().unwrap();
    let nest_spikes: Vec<Vec<f64>> = s["result"]["spike_times"].as_array().unwrap().iter().map(floats).collect();
    let nest_v: Vec<Vec<f64>> = s["result"]["v"].as_array().unwrap().iter().map(floats).collect();
    let mut max_dv: f64 = 0.0;
    for i in 0..nest_spikes.len() {
        let steps = |t: &[f64]| t.iter().map(|x| (x / dt).round() as i64).collect::<Vec<_>>();
        assert_eq!(steps(&spikes[i]), steps(&nest_spikes[i]), "{name}: spike times of cell {i}");
        assert_eq!(v[i].len(), nest_v[i].len(), "{name}: number of v samples of cell {i}");
        for (k, (a, b)) in v[i].iter().zip(&nest_v[i]).enumerate() {
            let d = (a - b).abs();
            assert!(d < 1e-6, "{name}: cell {i}, sample {k} (t = {} ms): v = {a}, NEST {b}", k as f64 * dt);
            max_dv = max_dv.max(d);
        }
    }
    max_dv
}

const SCENARIOS: &[&str] = &[
    "IF_curr_alpha_dc",
    "IF_curr_alpha_step",
    "IF_curr_alpha_synaptic",
    "IF_curr_alpha_equal_tau",
    "IF_curr_exp_dc",
    "IF_curr_exp_step",
    "IF_curr_exp_synaptic",
    "IF_curr_exp_equal_tau",
    "IF_curr_delta_dc",
    "IF_curr_delta_step",
    "IF_curr_delta_synaptic",
    "IF_cond_exp_dc",
    "IF_cond_exp_step",
    "IF_cond_exp_synaptic",
    "IF_cond_alpha_dc",
    "IF_cond_alpha_step",
    "IF_cond_alpha_synaptic",
    "EIF_cond_exp_isfa_ista_dc",
    "EIF_cond_exp_isfa_ista_step",
    "EIF_cond_exp_isfa_ista_synaptic",
    "EIF_cond_alpha_isfa_ista_dc",
    "EIF_cond_alpha_isfa_ista_step",
    "EIF_cond_alpha_isfa_ista_synaptic",
    "Izhikevich_dc",
    "Izhikevich_step",
    "Izhikevich_synaptic",
    "HH_cond_exp_dc",
    "HH_cond_exp_step",
    "HH_cond_exp_synaptic",
    "IF_cond_exp_gsfa_grr_dc",
    "IF_cond_exp_gsfa_grr_step",
    "IF_cond_exp_gsfa_grr_synaptic",
    "IF_facets_hardware1_dc",
    "IF_facets_hardware1_synaptic",
];

#[test]
fn every_scenario_agrees_with_nest() {
    for name in SCENARIOS {
        let s = load(name);
        let out = outcome(&s, &run_plain(&s));
        assert_eq!(out.spikes.len(), 1);
        let dv = compare(&s, &out.spikes[0], &out.v[0]);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!("{name}: {n} spikes identical to NEST, max |dv| = {dv:.3e} mV");
    }
}

#[test]
fn reset_then_run_repeats_the_first_segment() {
    for name in ["IF_curr_alpha_synaptic", "IF_curr_exp_dc", "IF_curr_delta_synaptic", "IF_curr_exp_step"] {
        let s = load(name);
        let t: f64 = floats(&s["runs"]).iter().sum();
        let out = outcome(&s, &|sim: &Sim<Native>| {
            sim.run(t).unwrap();
            sim.reset().unwrap();
            assert_eq!(sim.get_current_time(), 0.0);
            sim.run(t).unwrap();
        });
        assert_eq!(out.spikes.len(), 2, "{name}: two segments");
        assert_eq!(out.spikes[0], out.spikes[1], "{name}: spikes after reset");
        assert_eq!(out.v[0], out.v[1], "{name}: v after reset (bit-identical)");
        compare(&s, &out.spikes[1], &out.v[1]);
    }
}

#[test]
fn split_runs_equal_one_run() {
    for name in ["IF_curr_alpha_synaptic", "IF_curr_exp_step", "IF_curr_delta_dc", "IF_curr_exp_synaptic"] {
        let s = load(name);
        let whole = outcome(&s, &|sim: &Sim<Native>| {
            sim.run(100.0).unwrap();
        });
        let split = outcome(&s, &|sim: &Sim<Native>| {
            sim.run(50.0).unwrap();
            sim.run(50.0).unwrap();
        });
        let uneven = outcome(&s, &|sim: &Sim<Native>| {
            sim.run(33.3).unwrap();
            sim.run_until(71.0).unwrap();
            sim.run(29.0).unwrap();
        });
        assert_eq!(split.spikes, whole.spikes, "{name}");
        assert_eq!(split.v, whole.v, "{name}");
        assert_eq!(uneven.spikes, whole.spikes, "{name}");
        assert_eq!(uneven.v, whole.v, "{name}");
        assert_eq!(whole.v[0][0].len(), 1001, "{name}: samples at 0, 0.1, ..., 100 ms");
        compare(&s, &split.spikes[0], &split.v[0]);
    }
}
