//! SONATA export (feature `sonata`, issue 19) read back by real clients.
//!
//! One network (an IF_cond_exp, an IF_curr_alpha and a SpikeSourceArray
//! population; all-to-all, fixed-probability with random weights and
//! delays, and one-to-one connectors; static and Tsodyks-Markram synapses;
//! excitatory and inhibitory receptors, current- and conductance-based) is
//! run on the native engine and exported, then:
//!
//! * (a) read with `libsonata` (PyPI): same population sizes and node ids,
//!   every edge's source, target, weight and delay bit for bit;
//! * (b) imported by PyNN 0.13's `import_from_sonata` into pyNN.nest and
//!   run: every cell's spikes as the native run's, within the tolerance of
//!   tests/nest_agreement.rs (same counts, each spike on the same step);
//! * (c) the run's outputs (`spikes.h5`, a `v` report) read by h5py and
//!   libsonata equal the recorded data bit for bit (libsonata's report
//!   frames are float32: within float32 rounding);
//! * (d) what the format cannot hold gives an `Error::Unsupported` naming it.
//!
//! Python: `$PYNN_PYTHON` (CI: /work/main/.venv/bin/python) with libsonata,
//! h5py, pyNN 0.13 and NEST 3.10; the helpers are in
//! tests/data/sonata_export/.

use pynn::prelude::*;
use pynn::sonata::export::{ExportOptions, export};
use pynn::sonata::output::{ReportDtype, write_outputs, write_report, write_spikes};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYNN_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

fn helper(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sonata_export").join(name)
}

/// Runs a helper script; returns the JSON it prints.
fn run_python(script: &str, args: &[&Path]) -> Json {
    let out = Command::new(python()).arg(helper(script)).args(args).output().expect("run Python");
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line =
        text.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON from {script}: {text}"));
    serde_json::from_str(line).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sonata_export-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const DT: f64 = 0.1;
const TSTOP: f64 = 300.0;

struct Net {
    sim: Sim<Native>,
    exc: Population<IF_cond_exp, Native>,
    inh: Population<IF_curr_alpha, Native>,
    projections: Vec<Projection<Native>>,
}

/// The network of the header, run for `TSTOP` ms with spikes recorded
/// everywhere and `v` of a few `exc` cells.
fn build_and_run() -> Net {
    let sim = Sim::<Native>::setup(Setup { timestep: DT, min_delay: DT, seed: 1919, ..Setup::default() }).unwrap();
    let src = Population::with_label(&sim, 12, SpikeSourceArray::default(), Some("input")).unwrap();
    // Spike trains of every source: regular, different phases and rates,
    // on whole ms (on the time grid of both simulators).
    let trains: Vec<Vec<f64>> =
        (0..12).map(|i| (0..).map(|k| (5 + 2 * i + k * (8 + i)) as f64).take_while(|t| *t < TSTOP).collect()).collect();
    src.set("spike_times", Value::Sequences(trains)).unwrap();
    let exc = Population::with_label(&sim, 20, IF_cond_exp::default(), Some("exc")).unwrap();
    // Heterogeneous parameter: a column of dynamics_params in nodes_exc.h5.
    exc.set("i_offset", RandomDistribution::uniform(0.0, 0.4)).unwrap();
    let inh = Population::with_label(
        &sim,
        20,
        IF_curr_alpha { tau_m: 15.0, i_offset: 0.6, ..Default::default() },
        Some("inh"),
    )
    .unwrap();
    let mut projections = Vec::new();
    let w = RandomDistribution::uniform(0.004, 0.012);
    let d = RandomDistribution::uniform(0.5, 3.0);
    projections.push(
        Projection::with_label(
            &src,
            &exc,
            &FixedProbabilityConnector::new(0.5),
            StaticSynapse::new(w, d),
            Some("excitatory"),
            Some("input_exc"),
        )
        .unwrap(),
    );
    projections.push(
        Projection::with_label(
            &src,
            &inh,
            &AllToAllConnector::default(),
            TsodyksMarkramSynapse::new(2.0, 1.0, 0.5, 50.0, 0.0),
            Some("excitatory"),
            Some("input_inh"),
        )
        .unwrap(),
    );
    projections.push(
        Projection::with_label(
            &exc,
            &inh,
            &OneToOneConnector,
            StaticSynapse::new(0.4, 1.5),
            Some("excitatory"),
            Some("exc_inh"),
        )
        .unwrap(),
    );
    projections.push(
        Projection::with_label(
            &inh,
            &exc,
            &FixedProbabilityConnector::new(0.3),
            StaticSynapse::new(0.01, 2.0),
            Some("inhibitory"),
            Some("inh_exc"),
        )
        .unwrap(),
    );
    projections.push(
        Projection::with_label(
            &inh,
            &inh,
            &FixedProbabilityConnector { p_connect: 0.2, allow_self_connections: false },
            StaticSynapse::new(-0.3, 1.0),
            Some("inhibitory"),
            Some("inh_inh"),
        )
        .unwrap(),
    );
    exc.record("spikes", None).unwrap();
    inh.record("spikes", None).unwrap();
    exc.view(vec![0, 3, 7]).unwrap().record("v", None).unwrap();
    sim.run(TSTOP).unwrap();
    Net { sim, exc, inh, projections }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn json_u64(v: &Json) -> Vec<u64> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

/// (a): libsonata reads the circuit with our sizes, ids and every edge's
/// values, bit for bit (the files hold the f64 values themselves).
#[test]
fn libsonata_reads_the_exported_circuit() {
    let net = build_and_run();
    let dir = scratch("libsonata");
    let out = export(&net.sim, &dir, &ExportOptions::default()).unwrap();
    assert_eq!(out.node_populations, ["input", "exc", "inh"]);
    let seen = run_python("read_libsonata.py", &[&out.circuit_config, &out.simulation_config]);
    for (name, size, kind) in [("input", 12, "virtual"), ("exc", 20, "point_neuron"), ("inh", 20, "point_neuron")] {
        assert_eq!(seen["nodes"][name]["size"], size, "{name}: {}", seen["nodes"][name]);
        assert_eq!(seen["nodes"][name]["type"], kind, "{name}");
    }
    assert!(seen["nodes"]["exc"]["dynamics"].as_array().unwrap().contains(&Json::from("i_offset")));
    let pops = [("input_exc", "input", "exc"), ("input_inh", "input", "inh"), ("exc_inh", "exc", "inh")];
    let pops = pops.iter().chain(&[("inh_exc", "inh", "exc"), ("inh_inh", "inh", "inh")]);
    for ((name, pre, post), prj) in pops.zip(&net.projections) {
        let e = &seen["edges"][*name];
        assert_eq!(e["source_population"], *pre, "{name}");
        assert_eq!(e["target_population"], *post, "{name}");
        let w = prj.get_list("weight").unwrap();
        let d = prj.get_values("delay").unwrap();
        assert!(!w.is_empty(), "{name} has connections");
        let src: Vec<u64> = w.iter().map(|c| c.0 as u64).collect();
        let tgt: Vec<u64> = w.iter().map(|c| c.1 as u64).collect();
        let weight: Vec<f64> = w.iter().map(|c| c.2).collect();
        assert_eq!(json_u64(&e["source"]), src, "{name} sources");
        assert_eq!(json_u64(&e["target"]), tgt, "{name} targets");
        assert_eq!(json_u64(&e["syn_weight"]), bits(&weight), "{name} weights");
        assert_eq!(json_u64(&e["delay"]), bits(&d), "{name} delays");
        // Through the indices: the edges leaving and reaching node 0.
        let eff: Vec<u64> = (0..src.len() as u64).filter(|k| src[*k as usize] == 0).collect();
        let aff: Vec<u64> = (0..tgt.len() as u64).filter(|k| tgt[*k as usize] == 0).collect();
        assert_eq!(json_u64(&e["efferent_0"]), eff, "{name} source_to_target index");
        assert_eq!(json_u64(&e["afferent_0"]), aff, "{name} target_to_source index");
    }
    let tm = &seen["edges"]["input_inh"]["dynamics"];
    assert_eq!(json_u64(&tm["U"]), bits(&net.projections[1].get_values("U").unwrap()));
    assert_eq!(json_u64(&tm["tau_rec"]), bits(&vec![50.0; 12 * 20]));
    assert_eq!(seen["run"]["tstop"], TSTOP);
    assert_eq!(seen["run"]["dt"], DT);
    assert_eq!(seen["reports"], serde_json::json!(["exc_v"]));
    assert_eq!(seen["inputs"], serde_json::json!(["input_spikes"]));
}

/// Spike trains of every cell of a population, from the native run.
fn native_spikes(block: &Block, size: usize) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); size];
    for st in &block.segments[0].spiketrains {
        out[st.source_index] = st.times.clone();
    }
    out
}

/// (b): PyNN 0.13 imports our files into pyNN.nest and, run for the same
/// time, every cell fires as in our native run: same number of spikes,
/// each on the same time step (|t - t_native| < dt / 2), the tolerance of
/// tests/nest_agreement.rs (both on-grid, same step convention). Covers the
/// heterogeneous `i_offset` (dynamics_params), random weights and delays,
/// Tsodyks-Markram synapses and both receptors of both cell kinds.
#[test]
fn pynn_imports_the_export_and_nest_fires_as_native() {
    let net = build_and_run();
    let dir = scratch("pynn");
    let out = export(&net.sim, &dir, &ExportOptions::default()).unwrap();
    let nest = run_python("run_pynn_nest.py", &[&out.circuit_config, &out.simulation_config]);
    let mut total = 0;
    for (name, block, size) in [("exc", net.exc.get_data().unwrap(), 20), ("inh", net.inh.get_data().unwrap(), 20)] {
        let ours = native_spikes(&block, size);
        // Both populations fire, so that every projection acts.
        assert!(ours.iter().map(Vec::len).sum::<usize>() > 20, "{name} fires: {ours:?}");
        let theirs = &nest[name]["spikes"];
        assert_eq!(nest[name]["size"], size, "{name}");
        for (i, mine) in ours.iter().enumerate() {
            let t: Vec<f64> = theirs[i].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
            assert_eq!(t.len(), mine.len(), "{name}[{i}] spike count: NEST {t:?}, native {mine:?}");
            for (a, b) in t.iter().zip(mine) {
                assert!((a - b).abs() < DT / 2.0, "{name}[{i}]: NEST {a} ms, native {b} ms");
            }
            total += mine.len();
        }
    }
    // The comparison means something only if cells fire.
    assert!(total > 40, "only {total} spikes");
    eprintln!("{total} spikes identical between native and PyNN/NEST on the imported circuit");
}

/// (c): the run's outputs, read by h5py (exact) and libsonata, are the
/// recorded data: spikes (node ids and times) and the `v` report (ids,
/// times, samples).
#[test]
fn output_files_hold_the_recorded_data() {
    let net = build_and_run();
    let dir = scratch("outputs");
    let out = export(&net.sim, &dir, &ExportOptions::default()).unwrap();
    let written = write_outputs(&net.sim, dir.join("output")).unwrap();
    assert_eq!(written, [dir.join("output/spikes.h5"), dir.join("output/exc_v.h5")]);
    let seen = run_python(
        "read_libsonata.py",
        &[&out.circuit_config, &out.simulation_config, &dir.join("output"), Path::new("exc_v")],
    );
    for (name, block) in [("exc", net.exc.get_data().unwrap()), ("inh", net.inh.get_data().unwrap())] {
        let mut pairs: Vec<(u64, f64)> = Vec::new();
        for st in &block.segments[0].spiketrains {
            pairs.extend(st.times.iter().map(|t| (st.source_index as u64, *t)));
        }
        pairs.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let got = &seen["spikes"][name];
        assert_eq!(got["sorting"], "by_time", "{name}");
        assert_eq!(got["time_units"], "ms", "{name}");
        let ids = json_u64(&got["node_ids"]);
        let times = json_u64(&got["timestamps"]);
        // libsonata sorts by its own rule; compare as sets of (id, time bits).
        let mut theirs: Vec<(u64, u64)> = ids.into_iter().zip(times).collect();
        let mut mine: Vec<(u64, u64)> = pairs.iter().map(|p| (p.0, p.1.to_bits())).collect();
        theirs.sort_unstable();
        mine.sort_unstable();
        assert!(!mine.is_empty(), "{name} fired");
        assert_eq!(theirs, mine, "{name} spikes");
    }
    let v = net.exc.get_data().unwrap();
    let sig = v.segments[0].signal("v").unwrap();
    let rep = &seen["reports_read"]["exc_v/exc"];
    assert_eq!(rep["units"], "mV");
    assert_eq!(rep["ids"], serde_json::json!([[0, 0], [3, 0], [7, 0]]), "(node id, element id) per column");
    let times: Vec<f64> = json_u64(&rep["times"]).into_iter().map(f64::from_bits).collect();
    assert_eq!(times.len(), sig.n_samples(), "one frame per sample (t = 0 and t = {TSTOP} included)");
    for (k, t) in times.iter().enumerate() {
        // libsonata computes frame times as start + k * dt.
        assert!((t - sig.t_start - k as f64 * sig.sampling_period).abs() < 1e-9, "frame {k} at {t}");
    }
    // The report is float32 (the guide's type, which libsonata requires):
    // each sample is the recorded value rounded to f32, exactly.
    let data: Vec<f64> = json_u64(&rep["data"]).into_iter().map(f64::from_bits).collect();
    assert_eq!(data.len(), sig.data.len());
    for (a, b) in data.iter().zip(&sig.data) {
        assert_eq!(*a, *b as f32 as f64);
    }
    // h5py reads the same file, and a float64 report holds the recorded
    // f64 values themselves.
    let f64_report = dir.join("output/exc_v_f64.h5");
    write_report(&f64_report, &[&v], 0, "v", ReportDtype::Float64).unwrap();
    let script = r#"
import sys, json, h5py, numpy as np
out = {}
for path in sys.argv[1:]:
    f = h5py.File(path, "r"); g = f["report/exc"]
    out[g["data"].dtype.str] = {"data": g["data"][()].astype(np.float64).ravel().view(np.uint64).tolist(),
        "shape": list(g["data"].shape), "time": g["mapping/time"][()].tolist(),
        "ptr": g["mapping/index_pointers"][()].tolist(), "ids": g["mapping/node_ids"][()].tolist(),
        "var": g["data"].attrs["variable_name"]}
print(json.dumps(out))
"#;
    let o =
        Command::new(python()).args(["-c", script]).arg(dir.join("output/exc_v.h5")).arg(&f64_report).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let h: Json = serde_json::from_slice(&o.stdout).unwrap();
    let narrow: Vec<f64> = sig.data.iter().map(|x| *x as f32 as f64).collect();
    for (dtype, want) in [("<f4", narrow), ("<f8", sig.data.clone())] {
        let r = &h[dtype];
        assert_eq!(r["var"], "v");
        assert_eq!(r["shape"], serde_json::json!([sig.n_samples(), 3]));
        assert_eq!(json_u64(&r["data"]), bits(&want), "{dtype} samples");
        assert_eq!(json_u64(&r["ptr"]), [0, 1, 2, 3]);
        assert_eq!(json_u64(&r["ids"]), [0, 3, 7]);
        // [start, stop (exclusive), dt]: one frame per sample.
        assert_eq!(r["time"], serde_json::json!([0.0, (sig.n_samples() as f64) * DT, DT]));
    }
}

/// `write_spikes` / `write_report` on blocks: bad segment indices and
/// variables that were not recorded are errors naming them.
#[test]
fn output_writers_name_what_is_missing() {
    let net = build_and_run();
    let dir = scratch("writers");
    let block = net.exc.get_data().unwrap();
    let e = write_report(dir.join("x.h5"), &[&block], 0, "gsyn_exc", ReportDtype::Float32).unwrap_err().to_string();
    assert!(e.contains("gsyn_exc") && e.contains("population \"exc\""), "{e}");
    let e = write_spikes(dir.join("s.h5"), &[&block], 3).unwrap_err().to_string();
    assert!(e.contains("segment") && e.contains('3') && e.contains("exc"), "{e}");
    let e = write_spikes(dir.join("s.h5"), &[&block, &block], 0).unwrap_err().to_string();
    assert!(e.contains("two blocks") && e.contains("exc"), "{e}");
    write_spikes(dir.join("s.h5"), &[&block], 0).unwrap();
    assert!(dir.join("s.h5").exists());
}

fn unsupported(e: pynn::Error) -> String {
    assert!(e.is_unsupported(), "expected Error::Unsupported, got {e:?}");
    e.to_string()
}

/// (d): what SONATA (as PyNN reads it) cannot hold is refused before
/// anything is written, with an error naming the object.
#[test]
fn what_cannot_be_exported_is_refused_by_name() {
    let setup = || Sim::<Native>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let opts = ExportOptions::default();

    // A PointNeuron: no PyNN template.
    let sim = setup();
    let cell = PointNeuron::new(LIF::default(), [("AMPA", ExpPSR::default())]).unwrap();
    Population::with_label(&sim, 2, cell, Some("composed")).unwrap();
    let dir = scratch("refused-pn");
    let e = unsupported(export(&sim, &dir, &opts).unwrap_err());
    assert!(e.contains("composed") && e.contains("PointNeuron"), "{e}");
    assert!(!dir.exists(), "nothing written");

    // STDP: PyNN's importer cannot build an STDPMechanism.
    let sim = setup();
    let a = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("a")).unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::default(), AdditiveWeightDependence::default()).with(0.5, 1.0);
    Projection::with_label(&a, &a, &AllToAllConnector::default(), stdp, None, Some("plastic")).unwrap();
    let e = unsupported(export(&sim, scratch("refused-stdp"), &opts).unwrap_err());
    assert!(e.contains("plastic") && e.contains("STDPMechanism"), "{e}");

    // A Poisson source whose spikes are not recorded: nothing to write.
    let sim = setup();
    let p = Population::with_label(&sim, 3, SpikeSourcePoisson { rate: 20.0, ..Default::default() }, Some("noise"))
        .unwrap();
    sim.run(50.0).unwrap();
    let e = unsupported(export(&sim, scratch("refused-poisson"), &opts).unwrap_err());
    assert!(e.contains("noise") && e.contains("recorded for 0 of its 3 cells"), "{e}");
    // Recorded, but asked for spikes beyond the time run.
    p.record("spikes", None).unwrap();
    let e = unsupported(
        export(&sim, scratch("refused-poisson2"), &ExportOptions { tstop: Some(80.0), ..opts.clone() }).unwrap_err(),
    );
    assert!(e.contains("noise") && e.contains("50 ms"), "{e}");

    // Current sources are not written.
    let sim = setup();
    let a = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("a")).unwrap();
    a.inject(DCSource { amplitude: 0.5, start: 0.0, stop: 10.0 }).unwrap();
    let e = unsupported(export(&sim, scratch("refused-dc"), &opts).unwrap_err());
    assert!(e.contains("current source"), "{e}");

    // A bad tstop is an invalid value, an earlier export is not overwritten.
    let sim = setup();
    Population::with_label(&sim, 2, IF_curr_exp::default(), Some("a")).unwrap();
    let e = export(&sim, scratch("bad-tstop"), &ExportOptions { tstop: Some(f64::NAN), ..opts.clone() }).unwrap_err();
    assert!(e.to_string().contains("tstop") && e.to_string().contains("NaN"), "{e}");
    let dir = scratch("twice");
    export(&sim, &dir, &opts).unwrap();
    let e = export(&sim, &dir, &opts).unwrap_err().to_string();
    assert!(e.contains("overwrite"), "{e}");
    export(&sim, &dir, &ExportOptions { overwrite: true, ..opts }).unwrap();
}

/// A Poisson source whose spikes were recorded is exported as those
/// spikes: the input file holds exactly what the run emitted.
#[test]
fn recorded_poisson_spikes_become_the_input_file() {
    let sim = Sim::<Native>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let p = Population::with_label(&sim, 4, SpikeSourcePoisson { rate: 50.0, ..Default::default() }, Some("noise"))
        .unwrap();
    p.record("spikes", None).unwrap();
    sim.run(200.0).unwrap();
    let dir = scratch("poisson");
    export(&sim, &dir, &ExportOptions::default()).unwrap();
    let script = r#"
import sys, json, h5py, numpy as np
g = h5py.File(sys.argv[1], "r")["spikes/noise"]
print(json.dumps({"ids": g["node_ids"][()].tolist(), "t": g["timestamps"][()].view(np.uint64).tolist()}))
"#;
    let o = Command::new(python()).args(["-c", script]).arg(dir.join("inputs/noise_spikes.h5")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let h: Json = serde_json::from_slice(&o.stdout).unwrap();
    let block = p.get_data().unwrap();
    let mut mine: Vec<(u64, u64)> = Vec::new();
    for st in &block.segments[0].spiketrains {
        mine.extend(st.times.iter().map(|t| (st.source_index as u64, t.to_bits())));
    }
    // ~40 spikes expected (4 cells x 50 Hz x 0.2 s).
    assert!(mine.len() > 10, "{} spikes", mine.len());
    let mut theirs: Vec<(u64, u64)> = json_u64(&h["ids"]).into_iter().zip(json_u64(&h["t"])).collect();
    // Written by time: nondecreasing timestamps.
    assert!(theirs.windows(2).all(|w| f64::from_bits(w[0].1) <= f64::from_bits(w[1].1)));
    theirs.sort_unstable();
    mine.sort_unstable();
    assert_eq!(theirs, mine);
}

/// A projection from an assembly spans two node populations: it becomes
/// one edge population per (pre, post) pair, `<proj>-<pre>-<post>`, whose
/// edges are the projection's own, in list order, with node ids counted
/// within each population (libsonata reads them).
#[test]
fn a_projection_from_an_assembly_becomes_one_edge_population_per_pair() {
    let sim = Sim::<Native>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let a = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("a")).unwrap();
    let b = Population::with_label(&sim, 4, IF_curr_exp::default(), Some("b")).unwrap();
    let c = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("c")).unwrap();
    let ab = (&a + &b).unwrap();
    let w = RandomDistribution::uniform(0.1, 0.2);
    let prj = Projection::with_label(
        &ab,
        &c,
        &AllToAllConnector::default(),
        StaticSynapse::new(w, 1.0),
        Some("excitatory"),
        Some("ab→c"),
    )
    .unwrap();
    let dir = scratch("assembly");
    let out = export(&sim, &dir, &ExportOptions::default()).unwrap();
    assert_eq!(out.edge_populations, [["ab-c-a-c", "ab-c-b-c"]]);
    let seen = run_python("read_libsonata.py", &[&out.circuit_config, &out.simulation_config]);
    let list = prj.get_list("weight").unwrap();
    for (name, pre, first, n) in [("ab-c-a-c", "a", 0, 3), ("ab-c-b-c", "b", 3, 4)] {
        let e = &seen["edges"][name];
        assert_eq!(e["source_population"], pre);
        assert_eq!(e["target_population"], "c");
        // Assembly positions first..first+n are the cells 0..n of `pre`.
        let mine: Vec<_> = list.iter().filter(|x| x.0 >= first && x.0 < first + n).collect();
        assert_eq!(mine.len(), n * 2);
        assert_eq!(json_u64(&e["source"]), mine.iter().map(|x| (x.0 - first) as u64).collect::<Vec<_>>());
        assert_eq!(json_u64(&e["target"]), mine.iter().map(|x| x.1 as u64).collect::<Vec<_>>());
        assert_eq!(json_u64(&e["syn_weight"]), mine.iter().map(|x| x.2.to_bits()).collect::<Vec<_>>());
    }
}
