//! Shared by the tests that run the NEST reference scenarios
//! (`tests/data/nest/*.json`, written by `tests/data/nest_reference.py`)
//! through the object API on any backend.
#![allow(dead_code)] // each test file uses part of it

use pynn::core::backend::Supports;
use pynn::core::{Backend, CellType};
use pynn::prelude::*;
use serde_json::Value as Json;
use std::collections::BTreeMap;

pub fn load(name: &str) -> Json {
    let path = format!("{}/tests/data/nest/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn floats(v: &Json) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

thread_local! {
    /// The ODE solver of the sessions [`setup`] creates on this thread (each
    /// test runs on its own thread). Default: NEST's RKF45, not the
    /// engine's default: the reference scenarios compare trajectories with
    /// NEST's to rounding (`tests/nest_agreement.rs`, `TOL` = 1e-6 mV).
    pub static ODE_SOLVER: std::cell::Cell<OdeSolver> = const { std::cell::Cell::new(OdeSolver::Rkf45) };
}

/// The backend's default options, with NEST's RKF45 for the native
/// engine's conductance-based cells: for tests that compare their
/// trajectories with NEST's (or NEURON's) to rounding.
pub fn rkf45_options<B: Backend>() -> B::Options {
    let mut options = B::Options::default();
    if let Some(native) = (&mut options as &mut dyn std::any::Any).downcast_mut::<NativeOptions>() {
        native.ode_solver = OdeSolver::Rkf45;
    }
    options
}

pub fn setup<B: Backend>(s: &Json) -> Sim<B> {
    // The solver is an option of the native engine only.
    let mut options = B::Options::default();
    if let Some(native) = (&mut options as &mut dyn std::any::Any).downcast_mut::<NativeOptions>() {
        native.ode_solver = ODE_SOLVER.get();
    }
    Sim::<B>::setup_with(
        Setup {
            timestep: s["dt"].as_f64().unwrap(),
            min_delay: s["min_delay"].as_f64().unwrap(),
            max_delay: s["max_delay"].as_f64().unwrap(),
            ..Setup::default()
        },
        options,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// What a scenario produced: per-segment spike trains and v traces per cell.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    /// Per segment, per cell: spike times (ms).
    pub spikes: Vec<Vec<Vec<f64>>>,
    /// Per segment, per cell: membrane potential samples (mV).
    pub v: Vec<Vec<Vec<f64>>>,
    /// Per segment: the other recorded variables of the scenario
    /// (`result.extra` of the file, e.g. GIF_cond_exp's `i_eta`, `v_t`), per cell.
    pub extra: Vec<BTreeMap<String, Vec<Vec<f64>>>>,
}

/// Names of the extra variables a scenario's NEST data hold.
pub fn extra_variables(s: &Json) -> Vec<String> {
    s["result"]["extra"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// Compares the extra variables of one segment with the NEST data (which
/// have no t = 0 sample); returns the largest difference.
pub fn compare_extra(s: &Json, extra: &BTreeMap<String, Vec<Vec<f64>>>, tol: f64) -> f64 {
    let name = s["scenario"].as_str().unwrap();
    let mut max_d: f64 = 0.0;
    for var in extra_variables(s) {
        for (i, nest) in s["result"]["extra"][&var].as_array().unwrap().iter().map(floats).enumerate() {
            let ours = &extra[&var][i][1..];
            assert_eq!(ours.len(), nest.len(), "{name}: {var} samples of cell {i}");
            for (k, (a, b)) in ours.iter().zip(&nest).enumerate() {
                let d = (a - b).abs();
                assert!(d <= tol, "{name}: {var} of cell {i} at sample {}: {a} vs NEST {b}", k + 1);
                max_d = max_d.max(d);
            }
        }
    }
    max_d
}

/// Sets a parameter of the scenario's cells (between runs).
pub type Setter<'a> = &'a dyn Fn(&str, Vec<f64>);
pub type Schedule<'a, B> = &'a dyn Fn(&Sim<B>, Setter<'_>);

/// Builds the scenario's network on backend `B`; `schedule` runs it (and
/// may reset, or set a parameter of the cells through its second argument).
pub fn build_and_run<C, B>(s: &Json, schedule: Schedule<'_, B>) -> Outcome
where
    C: CellType + Default,
    B: Backend + Supports<C> + Supports<SpikeSourceArray>,
{
    build_and_run_with::<C, B>(s, C::default(), schedule)
}

/// The `PointNeuron` of a scenario (`neuron`, `receptors` of the JSON file).
pub fn point_neuron(s: &Json) -> PointNeuron {
    use pynn::core::cells::*;
    let receptors: Vec<(String, PostSynapticResponse)> = s["receptors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].as_f64().unwrap();
            let psr: PostSynapticResponse = match r["kind"].as_str().unwrap() {
                "CurrExp" => CurrExpPostSynapticResponse { tau_syn: f("tau_syn") }.into(),
                "CondExp" => CondExpPostSynapticResponse { e_syn: f("e_syn"), tau_syn: f("tau_syn") }.into(),
                "CondAlpha" => CondAlphaPostSynapticResponse { e_syn: f("e_syn"), tau_syn: f("tau_syn") }.into(),
                "CondBeta" => CondBetaPostSynapticResponse {
                    e_syn: f("e_syn"),
                    tau_rise: f("tau_rise"),
                    tau_decay: f("tau_decay"),
                }
                .into(),
                other => panic!("unknown receptor kind {other}"),
            };
            (r["name"].as_str().unwrap().to_string(), psr)
        })
        .collect();
    let neuron: Neuron = match s["neuron"].as_str().unwrap() {
        "LIF" => LIF::default().into(),
        "AdExp" => AdExp::default().into(),
        other => panic!("unknown neuron {other}"),
    };
    PointNeuron::new(neuron, receptors).unwrap()
}

/// As [`build_and_run`], with the cell type given as a value.
pub fn build_and_run_with<C, B>(s: &Json, cell: C, schedule: Schedule<'_, B>) -> Outcome
where
    C: CellType,
    B: Backend + Supports<C> + Supports<SpikeSourceArray>,
{
    let sim = setup::<B>(s);
    let cells = s["cells"].as_array().unwrap();
    let n = cells.len();
    let pop = Population::<C, B>::new(&sim, n, cell).unwrap();
    let names: Vec<String> = cells[0].as_object().unwrap().keys().cloned().collect();
    // All at once: GIF_cond_exp's kernels (`tau_eta` and `a_eta`) must keep
    // equal lengths, which one-by-one changes would break in between.
    let values: Vec<(&str, Value)> = names
        .iter()
        .map(|name| {
            let value = if cells[0][name].is_array() {
                Value::from(cells.iter().map(|c| floats(&c[name])).collect::<Vec<Vec<f64>>>())
            } else {
                Value::from(cells.iter().map(|c| c[name].as_f64().unwrap()).collect::<Vec<f64>>())
            };
            (name.as_str(), value)
        })
        .collect();
    pop.set_many(&values).unwrap();
    pop.initialize("v", floats(&s["initial_v"])).unwrap();

    let trains: Vec<Vec<f64>> = s["spike_sources"].as_array().unwrap().iter().map(floats).collect();
    if !trains.is_empty() {
        let src = Population::<SpikeSourceArray, B>::new(&sim, trains.len(), SpikeSourceArray::default()).unwrap();
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
        let targets: Vec<usize> =
            d["targets"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as usize).collect();
        let source = DCSource {
            amplitude: d["amplitude"].as_f64().unwrap(),
            start: d["start"].as_f64().unwrap(),
            stop: d["stop"].as_f64().unwrap(),
        };
        pop.view(targets).unwrap().inject(source).unwrap();
    }
    for d in s["step_sources"].as_array().unwrap() {
        let targets: Vec<usize> =
            d["targets"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as usize).collect();
        let source = StepCurrentSource { times: floats(&d["times"]), amplitudes: floats(&d["amplitudes"]) };
        pop.view(targets).unwrap().inject(source).unwrap();
    }
    let extra_vars = extra_variables(s);
    let mut recorded: Vec<String> = vec!["spikes".into(), "v".into()];
    recorded.extend(extra_vars.iter().cloned());
    pop.record(recorded, None).unwrap();
    let set = |name: &str, values: Vec<f64>| pop.set(name, values).unwrap();
    schedule(&sim, &set);
    let block = pop.get_data().unwrap();
    sim.end().unwrap();
    Outcome {
        spikes: block
            .segments
            .iter()
            .map(|seg| (0..n).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect())
            .collect(),
        v: block.segments.iter().map(|seg| (0..n).map(|i| seg.signal("v").unwrap().column(i)).collect()).collect(),
        extra: block
            .segments
            .iter()
            .map(|seg| {
                extra_vars
                    .iter()
                    .map(|var| (var.clone(), (0..n).map(|i| seg.signal(var).unwrap().column(i)).collect()))
                    .collect()
            })
            .collect(),
    }
}

pub fn run_plain<B: Backend>(s: &Json) -> impl Fn(&Sim<B>, Setter<'_>) + '_ {
    move |sim, _| {
        for r in floats(&s["runs"]) {
            sim.run(r).unwrap();
        }
    }
}

/// Every backend able to run all the standard cell types.
pub trait AllCells:
    Backend
    + Supports<IF_curr_alpha>
    + Supports<IF_curr_exp>
    + Supports<IF_curr_delta>
    + Supports<pynn::IF_cond_exp>
    + Supports<pynn::IF_cond_alpha>
    + Supports<pynn::EIF_cond_exp_isfa_ista>
    + Supports<pynn::EIF_cond_alpha_isfa_ista>
    + Supports<pynn::Izhikevich>
    + Supports<pynn::HH_cond_exp>
    + Supports<pynn::IF_cond_exp_gsfa_grr>
    + Supports<pynn::IF_facets_hardware1>
    + Supports<pynn::GIF_cond_exp>
    + Supports<SpikeSourceArray>
{
}
impl AllCells for Native {}
impl AllCells for Nest {}
impl AllCells for Brian2 {}
impl AllCells for Neuron {}

pub fn outcome<B: AllCells>(s: &Json, schedule: Schedule<'_, B>) -> Outcome {
    match s["cell_type"].as_str().unwrap() {
        "IF_curr_alpha" => build_and_run::<IF_curr_alpha, B>(s, schedule),
        "IF_curr_exp" => build_and_run::<IF_curr_exp, B>(s, schedule),
        "IF_curr_delta" => build_and_run::<IF_curr_delta, B>(s, schedule),
        "IF_cond_exp" => build_and_run::<pynn::IF_cond_exp, B>(s, schedule),
        "IF_cond_alpha" => build_and_run::<pynn::IF_cond_alpha, B>(s, schedule),
        "EIF_cond_exp_isfa_ista" => build_and_run::<pynn::EIF_cond_exp_isfa_ista, B>(s, schedule),
        "EIF_cond_alpha_isfa_ista" => build_and_run::<pynn::EIF_cond_alpha_isfa_ista, B>(s, schedule),
        "Izhikevich" => build_and_run::<pynn::Izhikevich, B>(s, schedule),
        "HH_cond_exp" => build_and_run::<pynn::HH_cond_exp, B>(s, schedule),
        "IF_cond_exp_gsfa_grr" => build_and_run::<pynn::IF_cond_exp_gsfa_grr, B>(s, schedule),
        "IF_facets_hardware1" => build_and_run::<pynn::IF_facets_hardware1, B>(s, schedule),
        "GIF_cond_exp" => build_and_run::<pynn::GIF_cond_exp, B>(s, schedule),
        other => panic!("no test for {other}"),
    }
}

/// Compares one segment with the committed NEST data: identical spike
/// steps, |dv| <= `tol` (mV) at every sample; returns the largest |dv|.
pub fn compare(s: &Json, spikes: &[Vec<f64>], v: &[Vec<f64>], tol: f64) -> f64 {
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
            assert!(d <= tol, "{name}: cell {i}, sample {k} (t = {} ms): v = {a}, NEST {b}", k as f64 * dt);
            max_dv = max_dv.max(d);
        }
    }
    max_dv
}

fn all_scenario_names() -> Vec<String> {
    let dir = format!("{}/tests/data/nest", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The scenarios of the standard cell types (every backend runs them).
pub fn scenario_names() -> Vec<String> {
    all_scenario_names().into_iter().filter(|n| !n.starts_with("PointNeuron")).collect()
}

/// The `PointNeuron` scenarios (LIF + CurrExp, AdExp + CondAlpha / CondBeta).
pub fn point_neuron_scenario_names() -> Vec<String> {
    all_scenario_names().into_iter().filter(|n| n.starts_with("PointNeuron")).collect()
}

/// The spikes recorded from the renewal sources, over two runs, a `set`
/// between them, and a reset.
pub fn renewal<B>() -> Vec<Vec<Vec<f64>>>
where
    B: Backend
        + Supports<SpikeSourcePoissonRefractory>
        + Supports<SpikeSourceGamma>
        + Supports<SpikeSourceInhGamma>
        + Supports<pynn::IF_curr_exp>,
{
    let sim = Sim::<B>::setup(Setup { seed: 91, ..Setup::default() }).unwrap_or_else(|e| panic!("{e}"));
    let refr = Population::<SpikeSourcePoissonRefractory, B>::new(
        &sim,
        5,
        SpikeSourcePoissonRefractory { rate: 80.0, tau_refrac: 3.0, start: 2.0, duration: 1e9 },
    )
    .unwrap();
    let gamma = Population::<SpikeSourceGamma, B>::new(
        &sim,
        5,
        SpikeSourceGamma { alpha: 3.0, beta: 150.0, start: 2.0, duration: 150.0 },
    )
    .unwrap();
    let inh = Population::<SpikeSourceInhGamma, B>::new(
        &sim,
        4,
        SpikeSourceInhGamma {
            a: vec![1.0, 3.0, 2.0],
            b: vec![0.02, 0.005, 0.01],
            tbins: vec![2.0, 40.0, 90.0],
            start: 2.0,
            duration: 1e10,
        },
    )
    .unwrap();
    // Driven cells: the trains reach their targets.
    let cells = Population::<pynn::IF_curr_exp, B>::new(&sim, 1, pynn::IF_curr_exp::default()).unwrap();
    Projection::new(&refr, &cells, &AllToAllConnector::default(), StaticSynapse::new(0.5, 1.0), None).unwrap();
    refr.record(["spikes"], None).unwrap();
    gamma.record(["spikes"], None).unwrap();
    inh.record(["spikes"], None).unwrap();
    cells.record(["spikes"], None).unwrap();
    sim.run(40.0).unwrap();
    // Reading data mid-run (on NEST this advances the kernel ahead of the
    // current time).
    let _ = refr.get_data().unwrap();
    sim.run(20.0).unwrap();
    refr.set("rate", 200.0).unwrap();
    gamma.set("beta", 400.0).unwrap();
    sim.run(60.0).unwrap();
    sim.reset().unwrap();
    sim.run(80.0).unwrap();
    let mut out = Vec::new();
    for b in [refr.get_data().unwrap(), gamma.get_data().unwrap(), inh.get_data().unwrap(), cells.get_data().unwrap()] {
        for seg in &b.segments {
            out.push(seg.spiketrains.iter().map(|s| s.times.clone()).collect());
        }
    }
    sim.end().unwrap();
    out
}

/// Connection lists (weights), spike trains and delays of a random network.
pub type NetworkOutcome = (Vec<Vec<(usize, usize, f64)>>, Vec<Vec<f64>>, Vec<f64>);

/// A random network: 300 IF_curr_exp cells, FixedProbability recurrent
/// excitation and inhibition, driven by 50 inputs (explicit trains or
/// Poisson), with the given `min_delay` and inhibitory delay (ms).
pub fn random_network<B>(poisson: bool, min_delay: f64, inh_delay: f64) -> NetworkOutcome
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourceArray> + Supports<SpikeSourcePoisson>,
{
    random_network_with::<B>(poisson, min_delay, inh_delay, B::Options::default())
}

/// [`random_network`] with the backend's options (e.g. NEURON's MPI ranks).
pub fn random_network_with<B>(poisson: bool, min_delay: f64, inh_delay: f64, options: B::Options) -> NetworkOutcome
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourceArray> + Supports<SpikeSourcePoisson>,
{
    let setup = Setup { timestep: 0.1, min_delay, max_delay: 5.0, seed: 4242, threads: 1, ..Setup::default() };
    let sim = Sim::<B>::setup_with(setup, options).unwrap_or_else(|e| panic!("{e}"));
    let cells = Population::<IF_curr_exp, B>::new(
        &sim,
        300,
        IF_curr_exp { tau_refrac: 2.0, v_thresh: -52.0, i_offset: 0.1, ..Default::default() },
    )
    .unwrap();
    cells.initialize("v", RandomDistribution::uniform(-65.0, -53.0)).unwrap();
    let exc = cells.view((0..240).collect::<Vec<_>>()).unwrap();
    let inh = cells.view((240..300).collect::<Vec<_>>()).unwrap();
    let input: Box<dyn pynn::Cells<B>> = if poisson {
        Box::new(
            Population::<SpikeSourcePoisson, B>::new(&sim, 50, SpikeSourcePoisson { rate: 40.0, ..Default::default() })
                .unwrap(),
        )
    } else {
        let trains: Vec<Vec<f64>> = (0..50u64)
            .map(|i| {
                let steps: std::collections::BTreeSet<u64> =
                    (0..20u64).map(|k| 10 + (i * 37 + k * 113) % 1980).collect();
                steps.into_iter().map(|s| s as f64 / 10.0).collect()
            })
            .collect();
        let src = Population::<SpikeSourceArray, B>::new(&sim, 50, SpikeSourceArray::default()).unwrap();
        src.set("spike_times", trains).unwrap();
        Box::new(src)
    };
    let p = FixedProbabilityConnector::new(0.1);
    let projs = [
        Projection::new(
            input.as_ref(),
            &cells,
            &p,
            StaticSynapse::new(0.6, RandomDistribution::uniform(0.5, 3.0)),
            Some("excitatory"),
        )
        .unwrap(),
        Projection::new(&exc, &cells, &p, StaticSynapse::new(0.15, 1.0), Some("excitatory")).unwrap(),
        Projection::new(&inh, &cells, &p, StaticSynapse::new(-0.4, inh_delay), Some("inhibitory")).unwrap(),
    ];
    cells.record(["spikes"], None).unwrap();
    sim.run(200.0).unwrap();
    let lists = projs.iter().map(|pr| pr.get_list("weight").unwrap()).collect();
    let mut delays = Vec::new();
    for pr in &projs {
        delays.extend(pr.get_values("delay").unwrap());
    }
    let block = cells.get_data().unwrap();
    let spikes = (0..300).map(|i| block.segments[0].spiketrain(i).unwrap().times.clone()).collect();
    sim.end().unwrap();
    (lists, spikes, delays)
}
