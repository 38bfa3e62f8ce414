//! Recorded data written by Rust open in Python in one line each
//! (`numpy.load` for the `.npz`, `json.load` for the sidecar), with the
//! values Rust recorded.
//!
//! Python: `$PYNN_PYTHON` if set, else `.venv/bin/python` in the repository
//! if it exists, else `python3`. It needs numpy; CI installs it with
//! `python3 -m venv .venv && .venv/bin/pip install "numpy<2.4"`.
//!
//! The Python side checks the file's own consistency (dtypes, shapes
//! against the sidecar, sample times, units, dt) and exits non-zero if any
//! check fails; it then prints every array (float64 as their IEEE-754 bit
//! patterns, so that nothing is lost in decimal printing) and the sidecar as
//! JSON, which the Rust side compares bit for bit with what it recorded.
//! No tolerance anywhere: the files hold the recorded f64 values exactly.

use pynn::core::io::{key_of, write_blocks};
use pynn::prelude::*;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL_HINT: &str = "run `python3 -m venv .venv && .venv/bin/pip install \"numpy<2.4\"` in the repository root (CI does this), or point PYNN_PYTHON at a Python with numpy";

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYNN_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

/// Loads `npz` and its sidecar in Python, checks them there, and returns
/// what Python read.
const SCRIPT: &str = r#"
import sys, json
try:
    import numpy as np
except ImportError as e:
    print("numpy cannot be imported: %s" % e, file=sys.stderr)
    sys.exit(3)
npz, sidecar, dt = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = np.load(npz); meta = json.load(open(sidecar))
assert meta["format"] == "pynn-rs npz v1", meta["format"]
assert meta["provenance"]["dt"] == dt, meta["provenance"]["dt"]
for pop in meta["populations"]:
    assert pop["annotations"]["dt"] == repr(dt), pop["annotations"]["dt"]
    assert pop["units"]["spikes"] == "ms", pop["units"]
    for seg in pop["segments"]:
        k = seg["key"]
        idx, t = d[k + ".spike_index"], d[k + ".spike_times"]
        assert idx.dtype == np.int64 and t.dtype == np.float64, (idx.dtype, t.dtype)
        assert idx.ndim == 1 and idx.shape == t.shape, (idx.shape, t.shape)
        assert set(idx.tolist()) <= set(seg["spike_recorded_cells"]), k
        for name, s in seg["signals"].items():
            v, ci, times = d[k + "." + name], d[k + "." + name + ".channel_index"], d[k + "." + name + ".times"]
            assert v.dtype == np.float64 and v.shape == (s["n_samples"], len(s["channel_index"])), (name, v.shape)
            assert ci.tolist() == s["channel_index"], (ci, s["channel_index"])
            assert np.allclose(times, s["t_start"] + np.arange(len(times)) * s["sampling_period"], rtol=0, atol=1e-9)
            assert pop["units"][name] == {"v": "mV", "isyn_exc": "nA", "isyn_inh": "nA"}[name], pop["units"]
arrays = {}
for key in d.files:
    a = d[key]
    e = {"shape": list(a.shape), "dtype": a.dtype.str}
    if a.dtype == np.float64:
        e["bits"] = a.ravel().view(np.uint64).tolist()
    else:
        e["ints"] = a.ravel().tolist()
    arrays[key] = e
print(json.dumps({"arrays": arrays, "meta": meta}))
"#;

/// Runs the script on `base.npz` / `base.json`; returns Python's view.
fn read_in_python(base: &Path, dt: f64) -> Json {
    let py = python();
    let probe = Command::new(&py).args(["-c", "import numpy"]).output();
    match probe {
        Err(e) => panic!("cannot run Python `{}`: {e}; {INSTALL_HINT}", py.display()),
        Ok(o) if !o.status.success() => panic!(
            "numpy cannot be imported by `{}`: {}; {INSTALL_HINT}",
            py.display(),
            String::from_utf8_lossy(&o.stderr).trim().lines().last().unwrap_or("")
        ),
        Ok(_) => {}
    }
    let out = Command::new(&py)
        .arg("-c")
        .arg(SCRIPT)
        .arg(base.with_extension("npz"))
        .arg(base.with_extension("json"))
        .arg(dt.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Python's checks failed (exit {:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Python prints one JSON document")
}

fn bits(a: &Json) -> Vec<u64> {
    a["bits"].as_array().unwrap_or_else(|| panic!("not float64: {a}")).iter().map(|x| x.as_u64().unwrap()).collect()
}

fn ints(a: &Json) -> Vec<i64> {
    a["ints"].as_array().unwrap_or_else(|| panic!("not int64: {a}")).iter().map(|x| x.as_i64().unwrap()).collect()
}

fn shape(a: &Json) -> Vec<u64> {
    a["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

fn f64_bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// Compares what Python read for one block with the block itself.
fn check_block(py: &Json, block: &Block, pop_meta: &Json) {
    let key = key_of(&block.name);
    assert_eq!(pop_meta["key"], key);
    assert_eq!(pop_meta["label"], block.name);
    let arrays = &py["arrays"];
    assert_eq!(pop_meta["segments"].as_array().unwrap().len(), block.segments.len());
    for (k, seg) in block.segments.iter().enumerate() {
        let p = format!("{key}.seg{k:03}");
        assert_eq!(pop_meta["segments"][k]["key"], p);
        // Spikes: cell index and time of each spike, by cell then time.
        let mut idx = Vec::new();
        let mut times = Vec::new();
        for st in &seg.spiketrains {
            idx.extend(std::iter::repeat_n(st.source_index as i64, st.times.len()));
            times.extend_from_slice(&st.times);
        }
        let (ai, at) = (&arrays[format!("{p}.spike_index")], &arrays[format!("{p}.spike_times")]);
        assert_eq!(ai["dtype"], "<i8");
        assert_eq!(at["dtype"], "<f8");
        assert_eq!(shape(at), vec![times.len() as u64], "{p}");
        assert_eq!(ints(ai), idx, "{p}.spike_index");
        assert_eq!(bits(at), f64_bits(&times), "{p}.spike_times");
        let recorded: Vec<usize> = seg.spiketrains.iter().map(|s| s.source_index).collect();
        assert_eq!(pop_meta["segments"][k]["spike_recorded_cells"], serde_json::json!(recorded));
        // Analog signals: samples x cells, channel index, sample times.
        for sig in &seg.analogsignals {
            let a = &arrays[format!("{p}.{}", sig.name)];
            assert_eq!(shape(a), vec![sig.n_samples() as u64, sig.channel_index.len() as u64], "{p}.{}", sig.name);
            assert_eq!(bits(a), f64_bits(&sig.data), "{p}.{} values", sig.name);
            let ci = ints(&arrays[format!("{p}.{}.channel_index", sig.name)]);
            assert_eq!(ci, sig.channel_index.iter().map(|c| *c as i64).collect::<Vec<_>>());
            assert_eq!(bits(&arrays[format!("{p}.{}.times", sig.name)]), f64_bits(&sig.times()));
            assert_eq!(pop_meta["units"][&sig.name], sig.units);
            let m = &pop_meta["segments"][k]["signals"][&sig.name];
            assert_eq!(m["sampling_period"].as_f64().unwrap(), sig.sampling_period);
            assert_eq!(m["t_start"].as_f64().unwrap(), sig.t_start);
        }
        // Nothing else under this segment's prefix.
        let n_keys = arrays.as_object().unwrap().keys().filter(|k| k.starts_with(&format!("{p}."))).count();
        assert_eq!(n_keys, 2 + 3 * seg.analogsignals.len(), "{p}: unexpected arrays");
    }
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npz_python").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Two populations, two segments (run, reset, run), spikes and v.
fn simulate() -> (Sim<Native>, Population<IF_curr_exp, Native>, Population<IF_curr_alpha, Native>) {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 10.0,
        seed: 7,
        threads: 1,
        ..Setup::default()
    })
    .unwrap();
    let exc = Population::with_label(&sim, 4, IF_curr_exp::default(), Some("exc-1")).unwrap();
    exc.set("i_offset", vec![0.0, 1.0, 1.5, 2.0]).unwrap();
    exc.initialize("v", vec![-65.0, -60.0, -58.0, -52.5]).unwrap();
    let inh = Population::with_label(&sim, 3, IF_curr_alpha::default(), Some("inh")).unwrap();
    inh.set("i_offset", vec![0.2, 0.3, 0.1]).unwrap(); // sub-threshold: no spike at all
    exc.record(["spikes", "v"], None).unwrap();
    inh.record("spikes", None).unwrap();
    inh.view(vec![0, 2]).unwrap().record("v", Some(0.5)).unwrap();
    sim.run(50.0).unwrap();
    sim.reset().unwrap();
    sim.run(30.0).unwrap();
    (sim, exc, inh)
}

#[test]
fn view_write_data_opens_in_numpy() {
    let (_sim, exc, _inh) = simulate();
    let view = exc.view(vec![3, 1]).unwrap();
    let base = out_dir("view").join("exc_view");
    view.write_data(&base).unwrap();
    let py = read_in_python(&base, 0.1);

    let block = view.get_data().unwrap();
    // What was written is the view's cells only, in population indices.
    assert_eq!(block.segments.len(), 2);
    for seg in &block.segments {
        assert_eq!(seg.spiketrains.iter().map(|s| s.source_index).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(seg.signal("v").unwrap().channel_index, vec![1, 3]);
        assert!(seg.spiketrains.iter().all(|s| !s.times.is_empty()), "1 and 2 nA both fire");
    }
    assert_eq!(block.segments[0].signal("v").unwrap().n_samples(), 501);
    assert_eq!(block.segments[1].signal("v").unwrap().n_samples(), 301);
    // The initial values as first samples, as Python sees them.
    let first_row: Vec<f64> = bits(&py["arrays"]["exc_1.seg001.v"])[..2].iter().map(|b| f64::from_bits(*b)).collect();
    assert_eq!(first_row, vec![-60.0, -52.5]);

    let meta = &py["meta"];
    assert_eq!(meta["provenance"]["dt"], 0.1);
    assert_eq!(meta["provenance"]["seed"], 7);
    assert_eq!(meta["provenance"]["simulator"], "native");
    assert_eq!(meta["provenance"]["t_stop"], 30.0);
    assert_eq!(meta["populations"].as_array().unwrap().len(), 1);
    let pop = &meta["populations"][0];
    assert_eq!(pop["annotations"]["cell_type"], "IF_curr_exp");
    assert_eq!(pop["units"]["v"], "mV");
    check_block(&py, &block, pop);
}

#[test]
fn write_blocks_of_two_populations_opens_in_numpy() {
    let (sim, exc, inh) = simulate();
    let blocks = vec![exc.get_data().unwrap(), inh.get_data().unwrap()];
    let mut provenance = BTreeMap::new();
    provenance.insert("dt".to_string(), serde_json::json!(sim.get_time_step()));
    provenance.insert("seed".to_string(), serde_json::json!(sim.seed()));
    provenance.insert("script".to_string(), serde_json::json!("npz_python.rs"));
    let base = out_dir("both").join("network.npz");
    let (npz, js) = write_blocks(&base, &blocks, &provenance).unwrap();
    assert_eq!(npz, base);
    assert_eq!(js, base.with_extension("json"));
    let py = read_in_python(&base.with_extension(""), 0.1);

    let meta = &py["meta"];
    assert_eq!(meta["provenance"]["script"], "npz_python.rs");
    let pops = meta["populations"].as_array().unwrap();
    assert_eq!(pops.len(), 2);
    assert_eq!(pops[0]["key"], "exc_1", "label `exc-1` -> key `exc_1`");
    assert_eq!(pops[1]["key"], "inh");
    check_block(&py, &blocks[0], &pops[0]);
    check_block(&py, &blocks[1], &pops[1]);

    // The quiet population: three recorded cells, no spike, empty arrays.
    assert_eq!(shape(&py["arrays"]["inh.seg000.spike_times"]), vec![0]);
    assert_eq!(pops[1]["segments"][0]["spike_recorded_cells"], serde_json::json!([0, 1, 2]));
    // Its v at 0.5 ms for cells 0 and 2: 101 samples over 50 ms, 61 over 30 ms.
    assert_eq!(shape(&py["arrays"]["inh.seg000.v"]), vec![101, 2]);
    assert_eq!(shape(&py["arrays"]["inh.seg001.v"]), vec![61, 2]);
    assert_eq!(pops[1]["segments"][0]["signals"]["v"]["sampling_period"], 0.5);
    // exc: every cell, every step.
    assert_eq!(shape(&py["arrays"]["exc_1.seg000.v"]), vec![501, 4]);
    // Spike times Python read are on the 0.1 ms grid and within the segment.
    for s in bits(&py["arrays"]["exc_1.seg001.spike_times"]).iter().map(|b| f64::from_bits(*b)) {
        assert!(s > 0.0 && s <= 30.0 + 1e-9 && ((s / 0.1) - (s / 0.1).round()).abs() < 1e-6, "{s}");
    }
}
