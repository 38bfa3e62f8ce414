//! PyNN 0.7's names (`pynn::compat07`): one test per row of the table in
//! `docs/pynn07.md`, each asserting that the 0.7 call and today's call give
//! the same result (values exactly: both read the same state), and, for
//! the calls that write files, the exact header lines and columns of PyNN
//! 0.7's `StandardTextFile` (PyNN 0.7.4 `src/recording/files.py`,
//! `src/recording/__init__.py`, `src/common.py`).

use pynn::compat07::{Values07, py_repr};
use pynn::prelude::*;
use std::path::PathBuf;

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, seed: 7, ..Setup::default() }).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pynn-compat07-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Two sessions with identical networks: `a` driven with the 0.7 names,
/// `b` with today's. A spike source drives 5 IF_cond_exp cells with
/// different offsets, so they fire at different times.
fn driven(sim: &Sim<Native>) -> (Population<SpikeSourceArray, Native>, Population<IF_cond_exp, Native>) {
    let src = Population::with_label(sim, 1, SpikeSourceArray::default(), Some("src")).unwrap();
    src.set("spike_times", vec![vec![5.0, 10.0, 15.0, 40.0]]).unwrap();
    let p = Population::with_label(sim, 5, IF_cond_exp::default(), Some("cells")).unwrap();
    p.set("i_offset", vec![0.5, 0.7, 0.9, 1.1, 1.3]).unwrap();
    Projection::new(&src, &p, &AllToAllConnector::new(), StaticSynapse::new(0.02, 1.0), None).unwrap();
    (src, p)
}

fn lines(path: &PathBuf) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
}

// --------------------------------------------------------------- populations

#[test]
fn tset_is_set_with_an_array() {
    let (a, b) = (sim(), sim());
    let pa = Population::new(&a, 4, IF_curr_exp::default()).unwrap();
    let pb = Population::new(&b, 4, IF_curr_exp::default()).unwrap();
    let values = [10.0, 12.5, 15.0, 30.0];
    pa.tset("tau_m", &values).unwrap();
    pb.set("tau_m", values.to_vec()).unwrap();
    assert_eq!(pa.get("tau_m").unwrap(), values);
    assert_eq!(pa.get("tau_m").unwrap(), pb.get("tau_m").unwrap());
    // A wrong length is the same clear error as `set`'s.
    assert!(matches!(pa.tset("tau_m", &[1.0]), Err(Error::LengthMismatch { .. })));
}

#[test]
fn rset_is_set_with_a_distribution() {
    let (a, b) = (sim(), sim());
    let pa = Population::new(&a, 50, IF_curr_exp::default()).unwrap();
    let pb = Population::new(&b, 50, IF_curr_exp::default()).unwrap();
    let d = RandomDistribution::uniform(10.0, 20.0);
    pa.rset("tau_m", d.clone()).unwrap();
    pb.set("tau_m", d).unwrap();
    let (va, vb) = (pa.get("tau_m").unwrap(), pb.get("tau_m").unwrap());
    // Same seed, same stream: bit-identical draws, all within the bounds.
    assert_eq!(va, vb);
    assert!(va.iter().all(|x| (10.0..20.0).contains(x)));
    assert!(va.iter().any(|x| *x != va[0]), "drawn, not constant");
}

#[test]
fn random_init_is_initialize_v() {
    let (a, b) = (sim(), sim());
    let pa = Population::new(&a, 50, IF_curr_exp::default()).unwrap();
    let pb = Population::new(&b, 50, IF_curr_exp::default()).unwrap();
    let d = RandomDistribution::uniform(-70.0, -55.0);
    pa.random_init(d.clone()).unwrap();
    pb.initialize("v", d).unwrap();
    let (va, vb) = (pa.get_initial_values("v").unwrap(), pb.get_initial_values("v").unwrap());
    assert_eq!(va, vb);
    assert!(va.iter().all(|x| (-70.0..-55.0).contains(x)));
}

#[test]
fn get_spikes_and_print_spikes_are_the_recorded_spikes() {
    let (a, b) = (sim(), sim());
    let (_, pa) = driven(&a);
    let (_, pb) = driven(&b);
    pa.record("spikes", None).unwrap();
    pb.record("spikes", None).unwrap();
    a.run(60.0).unwrap();
    b.run(60.0).unwrap();
    let rows = pa.get_spikes().unwrap();
    // Today's call: every (index, time) of the last segment.
    let block = pb.get_data().unwrap();
    let mut want: Vec<[f64; 2]> = block.segments[0]
        .spiketrains
        .iter()
        .flat_map(|s| s.times.iter().map(move |t| [s.source_index as f64, *t]))
        .collect();
    want.sort_by(|x, y| x[1].total_cmp(&y[1]).then(x[0].total_cmp(&y[0])));
    assert!(rows.len() >= 5, "the offsets make every cell fire: {rows:?}");
    assert_eq!(rows, want);
    assert!(rows.windows(2).all(|w| w[0][1] <= w[1][1]), "time order");

    let path = tmp("spikes.txt");
    pa.print_spikes(&path).unwrap();
    let l = lines(&path);
    // Header: Recorder.metadata in Python 2.7's dict order; ids are global
    // indices (the source is cell 0, so "cells" is 1..=5).
    assert_eq!(
        l[..9],
        [
            "# size = 5",
            "# first_index = 0",
            "# first_id = 1",
            &format!("# n = {}", rows.len()),
            "# variable = spikes",
            "# last_id = 5",
            "# last_index = 5",
            "# dt = 0.1",
            "# label = cells",
        ]
    );
    // Rows: `t<TAB>index`, both as Python's repr of a float.
    let body: Vec<String> = rows.iter().map(|[i, t]| format!("{}\t{}", py_repr(*t), py_repr(*i))).collect();
    assert_eq!(l[9..], body[..]);
    assert!(l[9].ends_with(".0") && l[9].contains('\t'), "{}", l[9]);
}

#[test]
fn mean_spike_count_keeps_its_name() {
    // PyNN 0.7's meanSpikeCount() is today's mean_spike_count(): the mean
    // over recorded cells of get_spike_counts().
    let a = sim();
    let (_, p) = driven(&a);
    p.record("spikes", None).unwrap();
    a.run(60.0).unwrap();
    let counts = p.get_spike_counts().unwrap();
    let mean = counts.values().sum::<usize>() as f64 / counts.len() as f64;
    assert_eq!(p.mean_spike_count().unwrap(), mean);
    assert_eq!(p.get_spikes().unwrap().len(), counts.values().sum::<usize>());
}

#[test]
fn get_v_and_print_v_are_the_recorded_membrane_potential() {
    let (a, b) = (sim(), sim());
    let (_, pa) = driven(&a);
    let (_, pb) = driven(&b);
    let va = pa.view(vec![1, 3]).unwrap();
    va.record_v().unwrap();
    pb.view(vec![1, 3]).unwrap().record("v", None).unwrap();
    a.run(2.0).unwrap();
    b.run(2.0).unwrap();
    let rows = va.get_v().unwrap();
    let sig = pb.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    assert_eq!(sig.channel_index, [1, 3]);
    // 2 ms at dt 0.1: 21 samples per cell (t = 0 and t = 2 included).
    assert_eq!(rows.len(), 2 * 21);
    for (c, index) in [1usize, 3].iter().enumerate() {
        let trace = sig.column(c);
        for (k, row) in rows[c * 21..(c + 1) * 21].iter().enumerate() {
            assert_eq!(*row, [*index as f64, sig.times()[k], trace[k]]);
        }
    }
    let path = tmp("v.txt");
    va.print_v(&path).unwrap();
    let l = lines(&path);
    assert_eq!(l[..2], ["# size = 2", "# first_index = 0"]);
    // A view's ids: global indices of its first and last cell (1 + 1, 1 + 3).
    assert_eq!(l[2], "# first_id = 2");
    assert_eq!(l[3], "# n = 42");
    assert_eq!(l[4], "# variable = v");
    assert_eq!(l[5], "# last_id = 4");
    assert_eq!(l[9], "-65.0\t1.0", "v at t = 0 of cell 1, no time column");
    assert_eq!(l.len(), 9 + 42);
    let body: Vec<String> = rows.iter().map(|[i, _, v]| format!("{}\t{}", py_repr(*v), py_repr(*i))).collect();
    assert_eq!(l[9..], body[..]);
}

#[test]
fn get_gsyn_and_print_gsyn_are_the_recorded_conductances() {
    let (a, b) = (sim(), sim());
    let (_, pa) = driven(&a);
    let (_, pb) = driven(&b);
    pa.record_gsyn().unwrap();
    pb.record(["gsyn_exc", "gsyn_inh"], None).unwrap();
    a.run(8.0).unwrap();
    b.run(8.0).unwrap();
    let rows = pa.get_gsyn().unwrap();
    let seg = pb.get_data().unwrap().segments[0].clone();
    let (ge, gi) = (seg.signal("gsyn_exc").unwrap(), seg.signal("gsyn_inh").unwrap());
    assert_eq!(rows.len(), 5 * 81);
    for (c, index) in ge.channel_index.iter().enumerate() {
        let (e, i) = (ge.column(c), gi.column(c));
        for k in 0..81 {
            assert_eq!(rows[c * 81 + k], [*index as f64, ge.times()[k], e[k], i[k]]);
        }
    }
    // The spike at 5 ms arrives (delay 1 ms) and opens the excitatory conductance.
    assert!(rows[..81].iter().any(|r| r[2] > 0.0), "ge rises after the input spike");
    let path = tmp("gsyn.txt");
    pa.print_gsyn(&path).unwrap();
    let l = lines(&path);
    assert_eq!(l[4], "# variable = gsyn");
    assert_eq!(l[3], "# n = 405");
    let body: Vec<String> =
        rows.iter().map(|[i, _, e, g]| format!("{}\t{}\t{}", py_repr(*e), py_repr(*g), py_repr(*i))).collect();
    assert_eq!(l[9..], body[..]);
    // Current-based cells have no conductances: a clear error, as record's.
    let c = Population::new(&a, 1, IF_curr_exp::default()).unwrap();
    assert!(c.record_gsyn().is_err());
}

// --------------------------------------------------------------- projections

/// A projection with 3 x 4 fixed-probability connections, in two sessions.
fn projection(sim: &Sim<Native>) -> Projection<Native> {
    let pre = Population::with_label(sim, 3, IF_curr_exp::default(), Some("pre")).unwrap();
    let post = Population::with_label(sim, 4, IF_curr_exp::default(), Some("post")).unwrap();
    Projection::new(&pre, &post, &FixedProbabilityConnector::new(0.6), StaticSynapse::new(0.5, 1.0), None).unwrap()
}

#[test]
fn set_weights_is_set_weight() {
    let (a, b) = (projection(&sim()), projection(&sim()));
    let n = a.size();
    assert!(n > 0 && a.get_list("weight").unwrap().len() == b.get_list("weight").unwrap().len());
    let w: Vec<f64> = (0..n).map(|k| 0.1 + 0.01 * k as f64).collect();
    a.set_weights(w.clone()).unwrap();
    b.set("weight", w.clone()).unwrap();
    assert_eq!(a.get_values("weight").unwrap(), w);
    assert_eq!(a.get_values("weight").unwrap(), b.get_values("weight").unwrap());
    a.set_weights(0.25).unwrap();
    assert!(a.get_values("weight").unwrap().iter().all(|x| *x == 0.25));
}

#[test]
fn randomize_weights_is_set_weight_with_a_distribution() {
    let (a, b) = (projection(&sim()), projection(&sim()));
    let d = RandomDistribution::uniform(0.1, 0.2);
    a.randomize_weights(d.clone()).unwrap();
    b.set("weight", d).unwrap();
    let w = a.get_values("weight").unwrap();
    assert_eq!(w, b.get_values("weight").unwrap());
    assert!(w.iter().all(|x| (0.1..0.2).contains(x)));
}

#[test]
fn set_delays_is_set_delay() {
    let (a, b) = (projection(&sim()), projection(&sim()));
    a.set_delays(2.5).unwrap();
    b.set("delay", 2.5).unwrap();
    assert!(a.get_values("delay").unwrap().iter().all(|x| *x == 2.5));
    assert_eq!(a.get_values("delay").unwrap(), b.get_values("delay").unwrap());
}

#[test]
fn randomize_delays_is_set_delay_with_a_distribution() {
    let (a, b) = (projection(&sim()), projection(&sim()));
    let d = RandomDistribution::uniform(1.0, 3.0);
    a.randomize_delays(d.clone()).unwrap();
    b.set("delay", d).unwrap();
    let da = a.get_values("delay").unwrap();
    assert_eq!(da, b.get_values("delay").unwrap());
    // Delays are rounded to the 0.1 ms grid, within the drawn range.
    assert!(da.iter().all(|x| (1.0..=3.0).contains(x) && ((x * 10.0).round() - x * 10.0).abs() < 1e-9));
}

fn tm(sim: &Sim<Native>) -> Projection<Native> {
    let pre = Population::new(sim, 2, SpikeSourceArray::default()).unwrap();
    let post = Population::new(sim, 2, IF_curr_exp::default()).unwrap();
    let syn = TsodyksMarkramSynapse::new(0.5, 1.0, 0.5, 100.0, 0.0);
    Projection::new(&pre, &post, &AllToAllConnector::new(), syn, None).unwrap()
}

#[test]
fn set_synapse_dynamics_is_set_or_initialize() {
    let (a, b) = (tm(&sim()), tm(&sim()));
    // Synaptic state: initialize.
    a.set_synapse_dynamics("u", 0.3).unwrap();
    b.initialize("u", 0.3).unwrap();
    assert_eq!(a.get_values("u").unwrap(), vec![0.3; 4]);
    assert_eq!(a.get_values("u").unwrap(), b.get_values("u").unwrap());
    // Weight: set.
    a.set_synapse_dynamics("weight", 0.7).unwrap();
    assert_eq!(a.get_values("weight").unwrap(), vec![0.7; 4]);
    // A parameter of the synapse type: set, as `Projection::set`.
    a.set_synapse_dynamics("U", 0.2).unwrap();
    b.set("U", 0.2).unwrap();
    assert_eq!(a.get_values("U").unwrap(), vec![0.2; 4]);
    assert_eq!(a.get_values("U").unwrap(), b.get_values("U").unwrap());
    // Outside its domain (0, 1]: bad input naming the value, nothing changes.
    let e = a.set_synapse_dynamics("U", 1.5).unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e}");
    assert!(e.to_string().contains("`U`") || e.to_string().contains("U"), "{e}");
    assert!(e.to_string().contains("1.5") && e.to_string().contains("(0, 1]"), "{e}");
    assert_eq!(a.get_values("U").unwrap(), vec![0.2; 4], "unchanged");
    // A typo: the usual unknown-name error with a suggestion.
    assert!(matches!(a.set_synapse_dynamics("tau_recc", 1.0), Err(Error::UnknownName { .. })));
}

#[test]
fn randomize_synapse_dynamics_is_initialize_with_a_distribution() {
    let (a, b) = (tm(&sim()), tm(&sim()));
    let d = RandomDistribution::uniform(0.2, 0.4);
    a.randomize_synapse_dynamics("x", d.clone()).unwrap();
    b.initialize("x", d).unwrap();
    let x = a.get_values("x").unwrap();
    assert_eq!(x, b.get_values("x").unwrap());
    assert!(x.iter().all(|v| (0.2..0.4).contains(v)));
}

#[test]
fn get_weights_and_get_delays_are_get_values_and_get_array() {
    let p = projection(&sim());
    p.randomize_weights(RandomDistribution::uniform(0.1, 0.9)).unwrap();
    for (name, list, array) in [
        ("weight", p.get_weights(Format07::List).unwrap(), p.get_weights(Format07::Array).unwrap()),
        ("delay", p.get_delays(Format07::List).unwrap(), p.get_delays(Format07::Array).unwrap()),
    ] {
        assert_eq!(list, Values07::List(p.get_values(name).unwrap()));
        let a = array.as_array().unwrap();
        let want = p.get_array(name).unwrap();
        assert_eq!(a.len(), 3);
        for (r, w) in a.iter().zip(&want) {
            // NaN (no connection) compares by bits.
            assert_eq!(
                r.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }
    let t = tm(&sim());
    assert_eq!(t.get_synapse_dynamics("tau_rec", Format07::List).unwrap(), Values07::List(vec![100.0; 4]));
}

#[test]
fn save_connections_writes_0_7s_file_and_reads_back() {
    let sim = sim();
    let p = projection(&sim);
    p.randomize_weights(RandomDistribution::uniform(0.1, 0.9)).unwrap();
    let path = tmp("conn.txt");
    p.save_connections(&path).unwrap();
    let l = lines(&path);
    assert_eq!(l[..2], ["# pre = pre", "# post = post"]);
    let w = p.get_list("weight").unwrap();
    let d = p.get_values("delay").unwrap();
    let body: Vec<String> = w
        .iter()
        .zip(&d)
        .map(|((i, j, w), d)| {
            format!("{}\t{}\t{}\t{}", py_repr(*i as f64), py_repr(*j as f64), py_repr(*w), py_repr(*d))
        })
        .collect();
    assert_eq!(l[2..], body[..]);
    // PyNN 0.7's FromFileConnector read these 4 columns; so does ours.
    let pre = Population::new(&sim, 3, IF_curr_exp::default()).unwrap();
    let post = Population::new(&sim, 4, IF_curr_exp::default()).unwrap();
    let back =
        Projection::new(&pre, &post, &FromFileConnector::new(&path).unwrap(), StaticSynapse::default(), None).unwrap();
    assert_eq!(back.get_list("weight").unwrap(), w);
    assert_eq!(back.get_values("delay").unwrap(), d);
}

#[test]
fn print_weights_and_print_delays_write_values_only() {
    let p = projection(&sim());
    p.randomize_weights(RandomDistribution::uniform(0.1, 0.9)).unwrap();
    let path = tmp("w.txt");
    p.print_weights(&path, Format07::List).unwrap();
    let l = lines(&path);
    // Empty metadata: one empty header line, then one value per line.
    assert_eq!(l[0], "");
    let want: Vec<String> = p.get_values("weight").unwrap().iter().map(|x| py_repr(*x)).collect();
    assert_eq!(l[1..], want[..]);

    p.print_delays(&path, Format07::Array).unwrap();
    let l = lines(&path);
    assert_eq!(l[0], "");
    let want: Vec<String> = p
        .get_array("delay")
        .unwrap()
        .iter()
        .map(|r| r.iter().map(|x| py_repr(if x.is_nan() { 0.0 } else { *x })).collect::<Vec<_>>().join("\t"))
        .collect();
    assert_eq!(l[1..], want[..]);
    assert!(l[1..].iter().any(|r| r.contains("0.0")) && l[1..].iter().any(|r| r.contains("1.0")), "{l:?}");
}

#[test]
fn weight_histogram_counts_as_numpy_histogram() {
    let p = projection(&sim());
    let n = p.size();
    let w: Vec<f64> = (0..n).map(|k| k as f64 / (n - 1) as f64).collect(); // 0 ..= 1
    p.set_weights(w.clone()).unwrap();
    let h = p.weight_histogram(None, None, 4).unwrap();
    assert_eq!(h.bins, [0.0, 0.25, 0.5, 0.75, 1.0]);
    // Today's API: count get_values("weight") by hand, bins [a, b) and
    // the last [0.75, 1.0] closed (numpy.histogram's rule).
    let wv = p.get_values("weight").unwrap();
    let want: Vec<usize> = (0..4)
        .map(|k| {
            wv.iter().filter(|x| **x >= h.bins[k] && (**x < h.bins[k + 1] || (k == 3 && **x <= h.bins[4]))).count()
        })
        .collect();
    assert_eq!(h.counts, want);
    assert_eq!(h.counts.iter().sum::<usize>(), n);
    // Given bounds: weights outside are not counted.
    let h = p.weight_histogram(Some(0.5), Some(1.0), 2).unwrap();
    assert_eq!(h.counts.iter().sum::<usize>(), w.iter().filter(|x| **x >= 0.5).count());
    assert!(matches!(p.weight_histogram(None, None, 0), Err(Error::InvalidValue { .. })));
    assert!(matches!(p.weight_histogram(Some(1.0), Some(1.0), 3), Err(Error::InvalidValue { .. })));
}

// --------------------------------------------------------------- versions

#[test]
fn provenance_names_versions() {
    let sim = sim();
    let p = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    p.record("v", None).unwrap();
    sim.run(1.0).unwrap();
    let path = tmp("prov");
    p.write_data(&path).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.with_extension("json")).unwrap()).unwrap();
    assert_eq!(pynn::VERSION, env!("CARGO_PKG_VERSION"));
    assert_eq!(meta["provenance"]["pynn_rs_version"], pynn::VERSION);
    // The native engine is pynn-rs: its version is pynn-rs's.
    assert_eq!(meta["provenance"]["simulator_version"], pynn::VERSION);
    assert_eq!(meta["provenance"]["simulator"], "native");
}

// --------------------------------------------------------------- Python

fn python() -> String {
    std::env::var("PYNN_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs `script` with `input` on stdin; its stdout lines.
fn run_python(script: &str, input: &str) -> Vec<String> {
    use std::io::Write;
    let mut child = std::process::Command::new(python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {} (set PYNN_PYTHON): {e}", python()));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed");
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

/// `py_repr` is Python's `repr` of a float (Python 3's float repr is
/// Python 2.7's: the shortest string that reads back, the same notation
/// rules), for numbers across the whole exponent range, both signs, and
/// the boundaries of positional notation (1e-4, 1e16).
#[test]
fn py_repr_is_pythons_repr() {
    let mut values = vec![0.0, -0.0, 1e-4, 9.999999999999999e-5, 1e16, 9999999999999998.0, 0.1 + 0.2, 5e-324];
    for e in (-320..=308).step_by(3) {
        for m in [1.0, 1.2345678901234567, 9.999, 5.0, 0.3, 7.0 / 3.0] {
            let x = m * 10f64.powi(e);
            if x.is_finite() {
                values.extend([x, -x]);
            }
        }
    }
    let input: String = values.iter().map(|x| format!("{:016x}\n", x.to_bits())).collect();
    let script =
        "import sys, struct\nfor l in sys.stdin:\n    print(repr(struct.unpack('>d', bytes.fromhex(l.strip()))[0]))";
    let want = run_python(script, &input);
    assert_eq!(want.len(), values.len());
    for (x, w) in values.iter().zip(&want) {
        assert_eq!(&py_repr(*x), w, "{x:e}");
    }
}

/// A `print_v` file reads with `numpy.loadtxt` (PyNN 0.7's own reader,
/// `StandardTextFile.read`) as the same numbers, bit for bit.
#[test]
fn print_v_file_loads_with_numpy() {
    let a = sim();
    let (_, p) = driven(&a);
    p.record_v().unwrap();
    a.run(20.0).unwrap();
    let path = tmp("numpy.v");
    p.print_v(&path).unwrap();
    let script = "import sys, numpy\nd = numpy.loadtxt(sys.stdin.readline().strip())\nprint(d.shape[0], d.shape[1])\n\
                  for r in d:\n    print(r[0].tobytes().hex(), int(r[1]))";
    let out = run_python(script, &format!("{}\n", path.display()));
    let rows = p.get_v().unwrap();
    assert_eq!(out[0], format!("{} 2", rows.len()));
    for (line, [i, _, v]) in out[1..].iter().zip(&rows) {
        let (bits, index) = line.split_once(' ').unwrap();
        let got = f64::from_le_bytes(
            (0..8)
                .map(|k| u8::from_str_radix(&bits[2 * k..2 * k + 2], 16).unwrap())
                .collect::<Vec<_>>()
                .try_into()
                .unwrap(),
        );
        assert_eq!((got.to_bits(), index.parse::<f64>().unwrap()), (v.to_bits(), *i));
    }
}

// --------------------------------------------------------------- unsupported

/// "Not supported" is its own kind, so a program can branch on it: a
/// dendritic delay fraction of 0.5 is valid PyNN that pynn-rs does not
/// support; 1.5 is bad input.
#[test]
fn unsupported_is_distinct_from_bad_input() {
    let make = |f: f64| {
        let sim = sim();
        let pre = Population::new(&sim, 1, SpikeSourceArray::default()).unwrap();
        let post = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
        let mut m =
            STDPMechanism::new(SpikePairRule::default(), AdditiveWeightDependence::new(0.0, 1.0)).with(0.5, 1.0);
        m.dendritic_delay_fraction = f;
        Projection::new(&pre, &post, &AllToAllConnector::new(), m, None).map(|_| ())
    };
    let e = make(0.5).unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    assert!(matches!(&e, Error::Unsupported { backend: "pynn-rs", what, .. } if what.contains("0.5")), "{e:?}");
    let e = make(1.5).unwrap_err();
    assert!(!e.is_unsupported() && matches!(e, Error::InvalidValue { .. }), "{e:?}");
    assert!(make(1.0).is_ok());
}

// --------------------------------------------------------------- assemblies

/// PyNN 0.7's Assembly had `getSpikes`, `get_v`, `printSpikes`, ...: the
/// same calls here, indices are positions in the assembly, as
/// `Assembly::get_data` gives them.
#[test]
fn assembly_getters_and_files_use_assembly_positions() {
    let a = sim();
    let (_, p) = driven(&a); // global cells 1..=5
    let q = Population::with_label(&a, 2, IF_curr_exp { i_offset: 1.2, ..Default::default() }, Some("q")).unwrap(); // 6, 7
    let asm = (&p.view(vec![2, 4]).unwrap() + &q).unwrap();
    asm.record("spikes", None).unwrap();
    asm.record_v().unwrap();
    a.run(50.0).unwrap();
    let rows = asm.get_spikes().unwrap();
    let block = asm.get_data().unwrap();
    let mut want: Vec<[f64; 2]> = block.segments[0]
        .spiketrains
        .iter()
        .flat_map(|s| s.times.iter().map(move |t| [s.source_index as f64, *t]))
        .collect();
    want.sort_by(|x, y| x[1].total_cmp(&y[1]).then(x[0].total_cmp(&y[0])));
    assert_eq!(rows, want);
    let indices: std::collections::BTreeSet<u64> = rows.iter().map(|r| r[0] as u64).collect();
    assert_eq!(indices, [0, 1, 2, 3].into(), "every cell of the assembly fires, numbered 0..4");
    let v = asm.get_v().unwrap();
    let sig = block.segments[0].signal("v").unwrap();
    assert_eq!(v.len(), 4 * 501);
    assert_eq!(v[3 * 501 + 7], [3.0, sig.times()[7], sig.trace(3).unwrap()[7]]);

    let path = tmp("assembly.ras");
    asm.print_spikes(&path).unwrap();
    let l = lines(&path);
    assert_eq!(l[0], "# size = 4");
    assert_eq!(l[2], "# first_id = 3", "cell 2 of \"cells\" (global 1 + 2)");
    assert_eq!(l[5], "# last_id = 7", "cell 1 of \"q\"");
    assert_eq!(l[8], format!("# label = {}", asm.label()));
    assert_eq!(l.len(), 9 + rows.len());
}
