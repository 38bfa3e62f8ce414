//! The layer the external simulators share (`pynn_backends::external`):
//! the three backends agree where they used to differ.
//!
//! * A parameter a simulator's model needs and the cell type lacks is one
//!   clear `Error::InvalidValue` on NEST, NEURON and Brian2 (it used to be
//!   a panic on NEURON and silently skipped on NEST and Brian2).
//! * A change the simulator refuses leaves the mirror as before: after the
//!   refusal, `reset()` rebuilds the network from the mirror and the next
//!   run repeats the first one spike for spike.
//! * NEURON on 2 and 3 MPI ranks (chosen at run time, `NeuronOptions`)
//!   gives the spikes of one process, bit for bit.
//! * NEST on several ranks needs a NEST built with MPI: with the PyPI wheel
//!   (`have_mpi = False`) `setup` says so.
//!
//! Needs NEST, NEURON and Brian2 (`PYNN_PYTHON`, or `.venv/bin/python` in
//! the workspace root); the MPI test needs `mpirun`.

mod common;

use common::random_network_with;
use pynn::backends::nest::{NestCell, NestOptions};
use pynn::backends::neuron::{NeuronCell, NeuronOptions};
use pynn::backends::{brian2::Brian2Cell, external::Launcher};
use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::{Domain, ParamSpec, Value};
use pynn::prelude::*;

/// A user-defined cell type that calls itself `IF_curr_exp` (so every
/// simulator translates it with IF_curr_exp's row) but has no `tau_refrac`.
#[derive(Debug, Clone)]
struct NoRefrac;

impl pynn::CellType for NoRefrac {
    const NAME: &'static str = "IF_curr_exp";
    const PARAMETERS: &'static [ParamSpec] = &[
        ParamSpec::scalar("cm", 1.0, "nF", Domain::Positive, ""),
        ParamSpec::scalar("tau_m", 20.0, "ms", Domain::Positive, ""),
        ParamSpec::scalar("v_rest", -65.0, "mV", Domain::Finite, ""),
        ParamSpec::scalar("v_reset", -65.0, "mV", Domain::Finite, ""),
        ParamSpec::scalar("v_thresh", -50.0, "mV", Domain::Finite, ""),
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, ""),
        ParamSpec::scalar("tau_syn_E", 5.0, "ms", Domain::Positive, ""),
        ParamSpec::scalar("tau_syn_I", 5.0, "ms", Domain::Positive, ""),
    ];
    const STATE: &'static [ParamSpec] = &[ParamSpec::scalar("v", -65.0, "mV", Domain::Finite, "")];
    const RECORDABLES: &'static [RecordableSpec] =
        &[RecordableSpec { name: "spikes", unit: "ms" }, RecordableSpec { name: "v", unit: "mV" }];
    const RECEPTORS: &'static [&'static str] = &["excitatory", "inhibitory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        [1.0, 20.0, -65.0, -65.0, -50.0, 0.0, 5.0, 5.0].into_iter().map(Value::Scalar).collect()
    }
}

impl NestCell for NoRefrac {}
impl NeuronCell for NoRefrac {}
impl Brian2Cell for NoRefrac {}

fn missing_parameter<B: Backend + Supports<NoRefrac>>() {
    let sim = Sim::<B>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let Err(e) = Population::<NoRefrac, B>::new(&sim, 2, NoRefrac) else { panic!("{}: created", B::NAME) };
    let text = e.to_string();
    eprintln!("{}: {text}", B::NAME);
    match &e {
        Error::InvalidValue { object, name, value, allowed } => {
            assert_eq!(name, "tau_refrac", "{text}");
            assert_eq!(value, "missing", "{text}");
            assert!(object.contains("IF_curr_exp") && object.contains(B::NAME), "{text}");
            assert!(allowed.contains("needs it") && allowed.contains("tau_syn_E"), "{text}");
        }
        other => panic!("{}: unexpected error {other:?}", B::NAME),
    }
    sim.end().unwrap();
}

#[test]
fn a_missing_parameter_is_one_clear_error_on_every_external_simulator() {
    missing_parameter::<Nest>();
    missing_parameter::<Neuron>();
    missing_parameter::<Brian2>();
}

/// Runs `pop` for 100 ms, lets `refuse` make a change the simulator refuses
/// (it must fail), resets and runs again: the second run must repeat the
/// first (the network is rebuilt from the mirror, which kept what the
/// simulator had).
fn refused_change_is_rolled_back<C, B>(cell: C, refuse: impl Fn(&Population<C, B>) -> Result<()>)
where
    C: pynn::CellType,
    B: Backend + Supports<C>,
{
    let sim = Sim::<B>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let pop = Population::<C, B>::new(&sim, 3, cell).unwrap();
    pop.record("spikes", None).unwrap();
    sim.run(100.0).unwrap();
    let first = pop.get_data().unwrap().segments[0].spiketrains.clone();
    let n: usize = first.iter().map(|t| t.times.len()).sum();
    assert!(n > 3, "{}: the cells fire ({n} spikes)", B::NAME);
    let Err(e) = refuse(&pop) else { panic!("{}: the simulator took the change", B::NAME) };
    eprintln!("{}: refused: {e}", B::NAME);
    sim.reset().unwrap();
    sim.run(100.0).unwrap();
    let block = pop.get_data().unwrap();
    let second = &block.segments.last().unwrap().spiketrains;
    for (a, b) in first.iter().zip(second) {
        assert_eq!(a.times, b.times, "{}: the run after the refused change repeats the first", B::NAME);
    }
    sim.end().unwrap();
}

/// NEST's `iaf_psc_alpha` by name, with a capacitance the cell type lets
/// through and NEST refuses ("Capacitance must be strictly positive").
#[derive(Debug, Clone)]
struct IafByName;

impl pynn::CellType for IafByName {
    const NAME: &'static str = "IafByName";
    const PARAMETERS: &'static [ParamSpec] = &[
        ParamSpec::scalar("C_m", 250.0, "pF", Domain::Finite, ""),
        ParamSpec::scalar("I_e", 400.0, "pA", Domain::Finite, ""),
    ];
    const STATE: &'static [ParamSpec] = &[];
    const RECORDABLES: &'static [RecordableSpec] = &[RecordableSpec { name: "spikes", unit: "ms" }];
    const RECEPTORS: &'static [&'static str] = &["excitatory", "inhibitory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        vec![Value::Scalar(250.0), Value::Scalar(400.0)]
    }
}

impl NestCell for IafByName {
    const NEST_MODEL: Option<&'static str> = Some("iaf_psc_alpha");
}

#[test]
fn a_change_nest_refuses_leaves_the_mirror_as_before() {
    refused_change_is_rolled_back::<_, Nest>(IafByName, |p| p.set("C_m", -1.0));
}

#[test]
fn a_change_brian2_refuses_leaves_the_mirror_as_before() {
    // delta_T = 0 is a valid PyNN value (the native engine's hard threshold);
    // the Brian2 equations divide by it.
    let cell = EIF_cond_exp_isfa_ista { i_offset: 1.0, ..Default::default() };
    refused_change_is_rolled_back::<_, Brian2>(cell, |p| p.set("delta_T", 0.0));
}

/// The attributes of an all-to-all STDP projection (3 x 2 connections) on
/// backend `B`, read from the mirror before any run.
fn stdp_attributes<B>() -> Vec<(&'static str, Vec<f64>)>
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourceArray>,
{
    let setup = Setup { timestep: 0.1, min_delay: 0.1, ..Setup::default() };
    let sim = Sim::<B>::setup(setup).unwrap_or_else(|e| panic!("{e}"));
    let post = Population::<IF_curr_exp, B>::new(&sim, 2, IF_curr_exp::default()).unwrap();
    let pre = Population::<SpikeSourceArray, B>::new(&sim, 3, SpikeSourceArray::default()).unwrap();
    let rule = SpikePairRule::new(16.0, 25.0, 0.01, 0.012);
    let stdp = STDPMechanism::new(rule, AdditiveWeightDependence::new(0.0, 0.8)).with(0.3, 1.5);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::default(), stdp, None).unwrap();
    let names = ["weight", "delay", "tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max"];
    let out = names
        .map(|n| (n, prj.get_values(n).unwrap_or_else(|e| panic!("{}: get_values(\"{n}\"): {e}", B::NAME))))
        .to_vec();
    sim.end().unwrap();
    out
}

/// Every attribute of a plastic projection reads the same on the three
/// external simulators as on the native engine (`get` is written once in
/// `External`; NEST used to refuse `tau_minus`, which it keeps on the
/// neuron). Tolerance: relative 1e-12, the values are the ones given
/// (the native engine keeps `1 / tau_minus` and inverts it back).
#[test]
fn plastic_attributes_read_the_same_on_every_external_simulator() {
    let native = stdp_attributes::<Native>();
    assert!(native[3].1.iter().all(|t| (t - 25.0).abs() < 1e-12), "tau_minus on native: {:?}", native[3].1);
    assert_eq!(native[0].1, vec![0.3; 6], "weight on native");
    for (backend, got) in [
        ("NEST", stdp_attributes::<Nest>()),
        ("NEURON", stdp_attributes::<Neuron>()),
        ("Brian2", stdp_attributes::<Brian2>()),
    ] {
        for ((name, want), (_, have)) in native.iter().zip(&got) {
            assert_eq!(want.len(), have.len(), "{backend}: {name}");
            for (a, b) in want.iter().zip(have) {
                assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{backend}: {name}: {have:?} vs native {want:?}");
            }
        }
    }
}

fn has_mpirun() -> bool {
    std::process::Command::new("mpirun").arg("--version").output().is_ok()
}

/// NEURON's ranks are chosen at run time: 2 and 3 ranks give the spikes of
/// one process, bit for bit (spike times compared exactly).
#[test]
fn neuron_on_2_and_3_ranks_gives_the_spikes_of_one_process() {
    if !has_mpirun() {
        eprintln!("SKIPPED: mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)");
        return;
    }
    let one = random_network_with::<Neuron>(true, 0.2, 0.2, NeuronOptions::default());
    let n: usize = one.1.iter().map(Vec::len).sum();
    assert!(n > 300, "the network is active ({n} spikes)");
    for ranks in [2, 3] {
        let options = NeuronOptions { ranks, launcher: Launcher::default() };
        let many = random_network_with::<Neuron>(true, 0.2, 0.2, options);
        assert_eq!(one.0, many.0, "same connections on {ranks} ranks");
        assert_eq!(one.1, many.1, "identical spike times on 1 and {ranks} ranks");
        eprintln!("NEURON on {ranks} ranks: {n} spikes identical to one process");
    }
}

#[test]
fn neuron_ranks_and_launcher_are_checked() {
    let e = Sim::<Neuron>::setup_with(Setup::default(), NeuronOptions { ranks: 0, ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(e.contains("ranks") && e.contains("at least 1"), "{e}");
    let launcher = Launcher::Srun { program: "/nonexistent/srun".into(), args: vec![] };
    let setup = Setup { min_delay: 0.2, ..Setup::default() };
    let e = Sim::<Neuron>::setup_with(setup, NeuronOptions { ranks: 2, launcher }).unwrap_err().to_string();
    assert!(e.contains("launcher `/nonexistent/srun`") && e.contains("not found"), "{e}");
}

/// NEST uses MPI when its build has it (`nest.build_info['have_mpi']`);
/// the PyPI wheel has none, and `setup` says so. With an MPI build the
/// test compares 2 ranks with one process (a path not run here).
#[test]
fn nest_on_several_ranks_needs_a_nest_built_with_mpi() {
    let setup = || Setup { min_delay: 0.2, ..Setup::default() };
    match Sim::<Nest>::setup_with(setup(), NestOptions { ranks: 2, ..Default::default() }) {
        Err(e) => {
            let text = e.to_string();
            eprintln!("{text}");
            assert!(text.contains("NEST") && text.contains("without MPI"), "{text}");
            assert!(text.contains("have_mpi'] = False") && text.contains("ranks: 1"), "{text}");
        }
        Ok(sim) => {
            sim.end().unwrap();
            assert!(has_mpirun(), "NEST has MPI but no mpirun");
            let one = random_network_with::<Nest>(true, 0.2, 0.2, NestOptions::default());
            let two = random_network_with::<Nest>(true, 0.2, 0.2, NestOptions { ranks: 2, ..Default::default() });
            assert_eq!(one.1, two.1, "identical spike times on 1 and 2 NEST ranks");
        }
    }
}

/// Writes a one-cell recording on backend `B` and returns the
/// `simulator_version` its provenance names.
fn written_simulator_version<B: Backend + Supports<IF_curr_exp>>(name: &str) -> serde_json::Value {
    let sim = Sim::<B>::setup(Setup::default()).unwrap();
    let p = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    p.record("v", None).unwrap();
    sim.run(1.0).unwrap();
    let path = std::env::temp_dir().join(format!("pynn-provenance-{name}-{}", std::process::id()));
    p.write_data(&path).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.with_extension("json")).unwrap()).unwrap();
    sim.end().unwrap();
    let _ = std::fs::remove_file(path.with_extension("json"));
    let _ = std::fs::remove_file(path.with_extension("npz"));
    meta["provenance"]["simulator_version"].clone()
}

/// The provenance of written data names the simulator's version as its
/// driver reported it: the versions `.ci/requirements.txt` pins.
#[test]
fn provenance_names_the_simulator_version() {
    assert_eq!(written_simulator_version::<Nest>("nest"), "3.10.0");
    assert_eq!(written_simulator_version::<Neuron>("neuron"), "9.0.2");
    assert_eq!(written_simulator_version::<Brian2>("brian2"), "2.9.0");
}
