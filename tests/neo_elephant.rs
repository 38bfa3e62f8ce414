//! Recorded data reach Neo and Elephant: a small Poisson-driven network
//! runs on the native engine, its data are written with `write_data`,
//! loaded in Python by the reader `pynn_neo.py` (as written by
//! `pynn::core::io::write_neo_reader`) into `neo.Block`s, and Elephant's
//! statistics on them are compared with `pynn::stats` on the same data.
//!
//! Python: `$PYNN_PYTHON` if set, else `.venv/bin/python` in the repository
//! if it exists, else `python3`. It needs numpy, neo and elephant; CI
//! installs them (`.ci/run`). A missing package fails the test (it does not
//! skip it), with the command that installs it.
//!
//! Tolerance: relative 1e-12. The formulas are Elephant's, operation for
//! operation (count / duration x 1000 for the rate; the population
//! variance over the mean for the CV and the Fano factor) on the same f64
//! spike times, but numpy sums pairwise where Rust sums left to right, so
//! the mean interval differs in its last bit or two, and the deviations
//! from it (small for regular trains) carry that difference relatively
//! amplified by mean/std: the CV differs by up to 1.8e-14 relative here (a
//! train with CV 0.05), the Fano factor by 2e-16; the rates and the
//! histogram agree bit for bit, the spike times are identical.

use pynn::core::io::write_neo_reader;
use pynn::prelude::*;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL_HINT: &str = "run `.venv/bin/pip install \"numpy<2.4\" \"neo==0.14.6\" \"elephant==1.2.1\"` in the repository root (CI does this, see .ci/run), or point PYNN_PYTHON at a Python with them";

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYNN_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

/// Loads the data with the reader, checks Neo's structure there, and prints
/// what Neo holds and what Elephant computes on it, as JSON (NaN as null).
const SCRIPT: &str = r#"
import sys, json, warnings, logging
warnings.simplefilter("ignore"); logging.disable(logging.WARNING)
reader_dir, base = sys.argv[1], sys.argv[2]
sys.path.insert(0, reader_dir)
import numpy as np, quantities as pq, neo
import pynn_neo
from elephant.statistics import mean_firing_rate, cv, isi, fanofactor, time_histogram

def num(x):
    x = float(x)
    return None if x != x else x

out = []
for block in pynn_neo.read(base):
    assert isinstance(block, neo.Block)
    b = {"name": block.name, "annotations": block.annotations, "segments": []}
    for seg in block.segments:
        assert isinstance(seg, neo.Segment) and seg.block is block
        s = {"name": seg.name, "trains": [], "signals": []}
        for st in seg.spiketrains:
            assert isinstance(st, neo.SpikeTrain) and st.units == pq.ms and st.segment is seg
            assert st.annotations["source_population"] == block.name
            s["trains"].append({
                "source_index": st.annotations["source_index"],
                "t_start": float(st.t_start.rescale("ms")), "t_stop": float(st.t_stop.rescale("ms")),
                "times": st.magnitude.tolist(),
                "rate_hz": num(mean_firing_rate(st).rescale("Hz")),
                "cv_isi": num(cv(isi(st))) if len(st) >= 2 else None,
            })
        if seg.spiketrains:
            s["fano"] = num(fanofactor(seg.spiketrains))
            h = time_histogram(seg.spiketrains, 10 * pq.ms, output="rate")
            s["hist_hz"] = h.rescale("Hz").magnitude.ravel().tolist()
            s["hist_t_start"] = float(h.t_start.rescale("ms"))
        for sig in seg.analogsignals:
            assert isinstance(sig, neo.AnalogSignal) and sig.segment is seg
            s["signals"].append({
                "name": sig.name, "units": sig.units.dimensionality.string,
                "shape": list(sig.shape),
                "t_start": float(sig.t_start.rescale("ms")),
                "sampling_period": float(sig.sampling_period.rescale("ms")),
                "channel_index": sig.array_annotations["channel_index"].tolist(),
                "first_row": sig.magnitude[0].tolist(),
            })
        b["segments"].append(s)
    out.append(b)
print(json.dumps(out))
"#;

/// Runs the script on `base.npz` / `base.json` with the reader in `dir`.
fn read_in_neo(dir: &Path, base: &Path) -> Json {
    let py = python();
    match Command::new(&py).args(["-c", "import numpy, quantities, neo, elephant"]).output() {
        Err(e) => panic!("cannot run Python `{}`: {e}; {INSTALL_HINT}", py.display()),
        Ok(o) if !o.status.success() => panic!(
            "neo or elephant cannot be imported by `{}`: {}; {INSTALL_HINT}",
            py.display(),
            String::from_utf8_lossy(&o.stderr).trim().lines().last().unwrap_or("")
        ),
        Ok(_) => {}
    }
    let out = Command::new(&py).arg("-c").arg(SCRIPT).arg(dir).arg(base).output().unwrap();
    assert!(
        out.status.success(),
        "the Python side failed (exit {:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Python prints one JSON document")
}

/// `a` and `b` agree to a relative 1e-12 (both NaN/None counts as agreeing).
fn close(what: &str, rust: f64, py: &Json) {
    match py.as_f64() {
        None => assert!(rust.is_nan(), "{what}: Rust {rust}, Elephant NaN"),
        Some(p) => {
            let tol = 1e-12 * rust.abs().max(p.abs());
            assert!((rust - p).abs() <= tol, "{what}: Rust {rust:e}, Elephant {p:e}");
        }
    }
}

#[test]
fn elephant_on_the_neo_blocks_agrees_with_rust_stats() {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: 1234, threads: 1, ..Setup::default() }).unwrap();
    let drive =
        Population::with_label(&sim, 100, SpikeSourcePoisson { rate: 800.0, ..Default::default() }, Some("drive"))
            .unwrap();
    let cells = Population::with_label(&sim, 100, IF_curr_exp::default(), Some("cells")).unwrap();
    cells.initialize("v", RandomDistribution::uniform(-65.0, -55.0)).unwrap();
    Projection::new(&drive, &cells, &FixedProbabilityConnector::new(0.2), StaticSynapse::new(0.3, 1.0), None).unwrap();
    cells.record("spikes", None).unwrap();
    cells.view(vec![3, 0, 7]).unwrap().record("v", Some(1.0)).unwrap();
    sim.run(1000.0).unwrap();
    sim.reset().unwrap();
    sim.run(250.0).unwrap();
    let block = cells.get_data().unwrap();

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("neo_elephant");
    let _ = std::fs::remove_dir_all(&dir);
    let reader = write_neo_reader(&dir).unwrap();
    assert_eq!(std::fs::read_to_string(&reader).unwrap(), pynn::core::io::NEO_READER);
    let base = dir.join("cells");
    cells.write_data(&base).unwrap();
    let py = read_in_neo(&dir, &base);

    // Structure: one block, named by the label, annotated with the run.
    let blocks = py.as_array().unwrap();
    assert_eq!(blocks.len(), 1);
    let b = &blocks[0];
    assert_eq!(b["name"], "cells");
    let ann = &b["annotations"];
    assert_eq!(ann["label"], "cells");
    assert_eq!(ann["cell_type"], "IF_curr_exp");
    assert_eq!(ann["simulator"], "native");
    assert_eq!(ann["seed"], 1234);
    assert_eq!(ann["dt"], 0.1);
    assert_eq!(ann["size"], 100);
    assert_eq!(ann["pynn_rs_version"], env!("CARGO_PKG_VERSION"));
    let segs = b["segments"].as_array().unwrap();
    assert_eq!(segs.len(), block.segments.len());
    assert_eq!(segs.len(), 2);

    let mut n_spikes = 0;
    let mut n_cv = 0;
    for (seg, ps) in block.segments.iter().zip(segs) {
        assert_eq!(ps["name"], seg.name.as_str());
        let trains = ps["trains"].as_array().unwrap();
        assert_eq!(trains.len(), 100);
        for (st, pt) in seg.spiketrains.iter().zip(trains) {
            let what = format!("{} cell {}", seg.name, st.source_index);
            assert_eq!(pt["source_index"], st.source_index);
            assert_eq!(pt["t_start"], st.t_start);
            assert_eq!(pt["t_stop"], st.t_stop);
            let times: Vec<f64> = pt["times"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect();
            assert_eq!(times, st.times, "{what}: spike times");
            close(&format!("{what}: mean rate"), st.mean_rate(), &pt["rate_hz"]);
            close(&format!("{what}: CV of ISIs"), st.cv_isi(), &pt["cv_isi"]);
            n_spikes += st.times.len();
            n_cv += usize::from(st.times.len() >= 2);
        }
        close(&format!("{}: Fano factor", seg.name), seg.fano_factor(), &ps["fano"]);
        let h = seg.population_rate_histogram(10.0).unwrap();
        let ph = ps["hist_hz"].as_array().unwrap();
        assert_eq!(h.rates.len(), ph.len(), "{}: number of bins", seg.name);
        for (k, (r, p)) in h.rates.iter().zip(ph).enumerate() {
            close(&format!("{}: rate histogram bin {k}", seg.name), *r, p);
        }
        assert_eq!(ps["hist_t_start"], h.t_start);
        // The v of cells 0, 3, 7 at 1 ms, in mV, from t = 0 to t_stop.
        let sig = seg.signal("v").unwrap();
        let psig = &ps["signals"][0];
        assert_eq!(ps["signals"].as_array().unwrap().len(), 1);
        assert_eq!(psig["name"], "v");
        assert_eq!(psig["units"], "mV");
        assert_eq!(psig["sampling_period"], 1.0);
        assert_eq!(psig["t_start"], 0.0);
        assert_eq!(psig["shape"], serde_json::json!([sig.n_samples(), 3]));
        assert_eq!(psig["channel_index"], serde_json::json!([0, 3, 7]));
        assert_eq!(psig["channel_index"], serde_json::json!(sig.channel_index));
        let first: Vec<f64> = psig["first_row"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(first, sig.data[..3].to_vec());
    }
    assert_eq!(block.segments[0].signal("v").unwrap().n_samples(), 1001);
    assert_eq!(block.segments[1].signal("v").unwrap().n_samples(), 251);
    // Enough activity that the statistics mean something.
    assert!(n_spikes > 2000 && n_cv > 150, "{n_spikes} spikes, {n_cv} trains with an ISI");
}

/// Reads `base` with the reader shipped in `pynn-core/python` (the line the
/// README gives) and prints each block's name and each signal's name,
/// units (as quantities spells them), shape and channel index; a label the
/// file lacks is refused with the labels it has.
const STRUCTURE: &str = r#"
import sys, json, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1]); import pynn_neo
base = sys.argv[2]
out = []
for block in pynn_neo.read(base):
    assert pynn_neo.read_block(base, block.name).name == block.name
    sigs = [{"name": s.name, "units": s.units.dimensionality.string, "shape": list(s.shape),
             "channel_index": s.array_annotations["channel_index"].tolist(), "annotations": s.annotations}
            for seg in block.segments for s in seg.analogsignals]
    out.append({"name": block.name, "cell_type": block.annotations["cell_type"], "signals": sigs})
for bad in (None, "nope"):
    try:
        pynn_neo.read_block(base, bad)
        raise SystemExit("read_block(%r) should fail" % bad)
    except ValueError as e:
        out.append(str(e))
print(json.dumps(out))
"#;

#[test]
fn every_unit_and_population_reaches_neo() {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: 5, threads: 1, ..Setup::default() }).unwrap();
    let hh = Population::with_label(&sim, 3, HH_cond_exp::default(), Some("hh cells")).unwrap();
    let izh = Population::with_label(&sim, 2, Izhikevich::default(), Some("izh")).unwrap();
    hh.record(["spikes", "v", "gsyn_exc", "m"], None).unwrap();
    izh.view(vec![1]).unwrap().record(["u"], Some(0.5)).unwrap();
    sim.run(20.0).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("neo_elephant_units");
    let _ = std::fs::remove_dir_all(&dir);
    let base = dir.join("both");
    let blocks = vec![hh.get_data().unwrap(), izh.get_data().unwrap()];
    pynn::core::io::write_blocks(&base, &blocks, &Default::default()).unwrap();

    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("pynn-core/python");
    assert_eq!(std::fs::read_to_string(shipped.join("pynn_neo.py")).unwrap(), pynn::core::io::NEO_READER);
    let py = python();
    let out = Command::new(&py).arg("-c").arg(STRUCTURE).arg(&shipped).arg(&base).output();
    let out = out.unwrap_or_else(|e| panic!("cannot run Python `{}`: {e}; {INSTALL_HINT}", py.display()));
    assert!(out.status.success(), "the Python side failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let py: Json = serde_json::from_slice(&out.stdout).unwrap();

    for (block, pb) in blocks.iter().zip(py.as_array().unwrap()) {
        assert_eq!(pb["name"], block.name.as_str());
        assert_eq!(pb["cell_type"], block.annotations["cell_type"].as_str());
        let sigs: Vec<&pynn::AnalogSignal> = block.segments.iter().flat_map(|s| &s.analogsignals).collect();
        let psigs = pb["signals"].as_array().unwrap();
        assert_eq!(psigs.len(), sigs.len());
        for (s, p) in sigs.iter().zip(psigs) {
            assert_eq!(p["name"], s.name.as_str());
            // "" (gating variables) is dimensionless in quantities.
            let units = if s.units.is_empty() { "dimensionless" } else { s.units.as_str() };
            assert_eq!(p["units"], units, "{}", s.name);
            assert_eq!(p["shape"], serde_json::json!([s.n_samples(), s.channel_index.len()]));
            assert_eq!(p["channel_index"], serde_json::json!(s.channel_index));
            assert_eq!(p["annotations"]["source_population"], block.name.as_str());
        }
    }
    let mut names = sigs_of(&py[0]);
    names.sort_unstable();
    assert_eq!(names, ["gsyn_exc", "m", "v"]);
    let units =
        |name: &str| py[0]["signals"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["units"].clone();
    assert_eq!((units("v"), units("gsyn_exc"), units("m")), ("mV".into(), "uS".into(), "dimensionless".into()));
    assert_eq!(py[1]["signals"][0]["units"], "mV/ms");
    assert_eq!(py[1]["signals"][0]["shape"], serde_json::json!([41, 1]));
    let e = py[2].as_str().unwrap();
    assert!(e.contains("2 populations") && e.contains("hh cells, izh"), "{e}");
    let e = py[3].as_str().unwrap();
    assert!(e.contains("'nope'") && e.contains("hh cells, izh"), "{e}");
}

fn sigs_of(block: &Json) -> Vec<&str> {
    block["signals"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect()
}
