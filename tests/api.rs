//! Behaviour of the object and procedural APIs with real values.
//!
//! Views and assemblies, parameter and initial values in every form,
//! recording and sampling, spike counts against the analytic firing rate,
//! the procedural API, projections and connectors, determinism (seeds and
//! thread counts), spike sources and current sources changed between runs.
//! Every tolerance is stated next to its assertion with its reason; most
//! assertions are exact because the native engine is on-grid and
//! integrates the linear models exactly.

use pynn::core::CurrentSourceHandle;
use pynn::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn sim_seeded(seed: u64) -> Sim<Native> {
    Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, seed, ..Setup::default() }).unwrap()
}

fn sim() -> Sim<Native> {
    sim_seeded(42)
}

/// Connections of a projection as (pre, post) position pairs.
fn pairs(prj: &Projection<Native>) -> Vec<(usize, usize)> {
    prj.get_list("weight").unwrap().into_iter().map(|(i, j, _)| (i, j)).collect()
}

/// Spike times of every cell of the last segment, in steps of `dt`.
fn steps_of(times: &[f64], dt: f64) -> Vec<u64> {
    times.iter().map(|t| (t / dt).round() as u64).collect()
}

// ------------------------------------------------------------------ views

#[test]
fn views_select_and_map_to_parent_indices() {
    let sim = sim();
    let p = Population::with_label(&sim, 10, IF_curr_exp::default(), Some("p")).unwrap();
    assert_eq!((p.size(), p.len(), p.is_empty()), (10, 10, false));
    assert_eq!(p.indices(), &(0..10).collect::<Vec<_>>()[..]);

    let r = p.view(2..5).unwrap();
    assert_eq!(r.indices(), &[2, 3, 4]);
    assert_eq!(format!("{r:?}"), "view \"p\" (IF_curr_exp)");
    // Index lists: duplicates removed, sorted (PyNN).
    let l = p.view(vec![7, 1, 7, 3, 1]).unwrap();
    assert_eq!(l.indices(), &[1, 3, 7]);
    let mut mask = vec![false; 10];
    for i in [0, 4, 9] {
        mask[i] = true;
    }
    let m = p.view(mask).unwrap();
    assert_eq!(m.indices(), &[0, 4, 9]);
    assert!(p.view(vec![false; 10]).unwrap().is_empty());

    // Views of views: positions are relative to the view, indices are the
    // population's.
    let v = p.view(2..9).unwrap(); // 2..=8
    let vv = v.view(vec![6, 0, 3]).unwrap();
    assert_eq!(vv.indices(), &[2, 5, 8]);
    let vvv = vv.view(vec![true, false, true]).unwrap();
    assert_eq!(vvv.indices(), &[2, 8]);
    assert_eq!(vv.index_in_parent(2).unwrap(), 8);
    assert_eq!(p.cell(4).unwrap().indices(), &[4]);
    assert_eq!(vv.cell(1).unwrap().indices(), &[5]);
    assert_eq!(vv.cell(1).unwrap().size(), 1);

    // Views share the population's cells: setting through a view changes them.
    vv.set("tau_m", 10.0).unwrap();
    let tau = p.get("tau_m").unwrap();
    for (i, t) in tau.iter().enumerate() {
        assert_eq!(*t, if [2, 5, 8].contains(&i) { 10.0 } else { 20.0 }, "cell {i}");
    }
    assert_eq!(v.get("tau_m").unwrap(), vec![10.0, 20.0, 20.0, 10.0, 20.0, 20.0, 10.0]);
    // A function value is called with the population index, also via a view.
    vv.set("i_offset", Value::function(|i| i / 10.0)).unwrap();
    assert_eq!(vv.get("i_offset").unwrap(), vec![0.2, 0.5, 0.8]);
    // Recording a view records only its cells.
    vv.record("v", None).unwrap();
    sim.run(1.0).unwrap();
    let sig = p.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    assert_eq!(sig.channel_index, vec![2, 5, 8]);
    assert_eq!(sig.n_samples(), 11);
}

// -------------------------------------------------------------- assemblies

#[test]
fn assembly_merges_data_by_position() {
    let sim = sim();
    let a = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("a")).unwrap();
    a.set("i_offset", vec![1.0, 1.5, 2.0]).unwrap();
    let b = Population::with_label(&sim, 2, IF_curr_alpha::default(), Some("b")).unwrap();
    b.set("i_offset", vec![0.5, 1.2]).unwrap();
    let asm = (&a + &b).unwrap();
    assert_eq!(asm.size(), 5);
    assert_eq!(asm.label(), "a + b");
    assert!(!asm.conductance_based());
    asm.record(["spikes", "v"], None).unwrap();
    sim.run(100.0).unwrap();

    let (da, db) = (a.get_data().unwrap(), b.get_data().unwrap());
    let d = asm.get_data().unwrap();
    assert_eq!(d.annotations["size"], "5");
    let seg = &d.segments[0];
    // Spike trains: source_index is the position in the assembly.
    let idx: Vec<usize> = seg.spiketrains.iter().map(|s| s.source_index).collect();
    assert_eq!(idx, vec![0, 1, 2, 3, 4]);
    for i in 0..3 {
        assert_eq!(seg.spiketrain(i).unwrap().times, da.segments[0].spiketrain(i).unwrap().times);
        assert_eq!(seg.spiketrain(i).unwrap().source_population, "a");
    }
    for j in 0..2 {
        assert_eq!(seg.spiketrain(3 + j).unwrap().times, db.segments[0].spiketrain(j).unwrap().times);
        assert_eq!(seg.spiketrain(3 + j).unwrap().source_population, "b");
    }
    // One merged v signal, columns by position.
    let v = seg.signal("v").unwrap();
    assert_eq!(v.channel_index, vec![0, 1, 2, 3, 4]);
    assert_eq!(v.n_samples(), 1001);
    for i in 0..3 {
        assert_eq!(v.column(i), da.segments[0].signal("v").unwrap().column(i));
    }
    for j in 0..2 {
        assert_eq!(v.column(3 + j), db.segments[0].signal("v").unwrap().column(j));
    }
    // Spike counts keyed by position; b[0] (0.5 nA: 10 mV < 15 mV to
    // threshold) never fires, the others do.
    let counts = asm.get_spike_counts().unwrap();
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    let ca = a.get_spike_counts().unwrap();
    let cb = b.get_spike_counts().unwrap();
    for i in 0..3 {
        assert_eq!(counts[&i], ca[&i]);
    }
    assert_eq!((counts[&3], counts[&4]), (cb[&0], cb[&1]));
    assert_eq!(counts[&3], 0);
    assert!(counts[&0] > 0 && counts[&0] < counts[&1] && counts[&1] < counts[&2], "{counts:?}");
    let mean = counts.values().sum::<usize>() as f64 / 5.0;
    assert_eq!(asm.mean_spike_count().unwrap(), mean);

    // An assembly of a view and a population: positions follow the view.
    let asm2 = (&a.view(vec![0, 2]).unwrap() + &b).unwrap();
    assert_eq!(asm2.size(), 4);
    let seg2 = asm2.get_data().unwrap().segments[0].clone();
    assert_eq!(seg2.spiketrain(1).unwrap().times, da.segments[0].spiketrain(2).unwrap().times);
    assert_eq!(seg2.signal("v").unwrap().column(1), da.segments[0].signal("v").unwrap().column(2));
    assert_eq!(seg2.signal("v").unwrap().column(3), db.segments[0].signal("v").unwrap().column(1));
    // Assembly + population.
    let c = Population::with_label(&sim, 4, SpikeSourceArray::default(), Some("c")).unwrap();
    let asm3 = (asm2 + &c).unwrap();
    assert_eq!((asm3.size(), asm3.label()), (8, "a + b + c"));
}

// ------------------------------------------------- parameters: every form

#[test]
fn get_set_scalar_array_random_and_function() {
    let sim = sim();
    let p = Population::new(&sim, 6, IF_curr_exp { tau_m: 15.0, ..Default::default() }).unwrap();
    assert_eq!(p.get("tau_m").unwrap(), vec![15.0; 6]);
    assert_eq!(p.get("cm").unwrap(), vec![1.0; 6], "PyNN default");
    p.set("cm", 0.5).unwrap();
    assert_eq!(p.get("cm").unwrap(), vec![0.5; 6]);
    let arr = vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0];
    p.set("tau_m", arr.clone()).unwrap();
    assert_eq!(p.get("tau_m").unwrap(), arr);
    p.set("v_thresh", Value::function(|i| -55.0 + i)).unwrap();
    assert_eq!(p.get("v_thresh").unwrap(), vec![-55.0, -54.0, -53.0, -52.0, -51.0, -50.0]);
    p.set_many(&[("tau_syn_E", 2.0.into()), ("tau_syn_I", 8.0.into())]).unwrap();
    assert_eq!(p.get("tau_syn_E").unwrap(), vec![2.0; 6]);
    assert_eq!(p.get("tau_syn_I").unwrap(), vec![8.0; 6]);

    // Random values: within bounds and not all equal.
    let draw = |seed: u64, dist: RandomDistribution| -> Vec<f64> {
        let sim = sim_seeded(seed);
        let p = Population::new(&sim, 50, IF_curr_exp::default()).unwrap();
        p.set("tau_m", dist).unwrap();
        p.get("tau_m").unwrap()
    };
    let u = draw(1, RandomDistribution::uniform(10.0, 20.0));
    assert!(u.iter().all(|x| (10.0..20.0).contains(x)), "{u:?}");
    assert!(u.windows(2).any(|w| w[0] != w[1]), "{u:?}");
    let nc = draw(1, RandomDistribution::normal_clipped(15.0, 5.0, 12.0, 18.0));
    assert!(nc.iter().all(|x| (12.0..=18.0).contains(x)), "{nc:?}");
    // The same session seed gives the same values, another seed other values.
    assert_eq!(u, draw(1, RandomDistribution::uniform(10.0, 20.0)));
    assert_ne!(u, draw(2, RandomDistribution::uniform(10.0, 20.0)));
    // A distribution with its own seed ignores the session seed.
    let own = draw(1, RandomDistribution::uniform(10.0, 20.0).with_seed(7));
    assert_eq!(own, draw(2, RandomDistribution::uniform(10.0, 20.0).with_seed(7)));
    assert_ne!(own, draw(1, RandomDistribution::uniform(10.0, 20.0).with_seed(8)));
    assert_ne!(own, u);
}

#[test]
fn initialize_sets_first_sample_and_survives_reset() {
    let sim = sim();
    let p = Population::new(&sim, 3, IF_curr_exp { i_offset: 0.5, ..Default::default() }).unwrap();
    assert_eq!(p.get_initial_values("v").unwrap(), vec![-65.0; 3], "PyNN default");
    p.initialize("v", vec![-70.0, -60.0, -55.0]).unwrap();
    assert_eq!(p.get_initial_values("v").unwrap(), vec![-70.0, -60.0, -55.0]);
    let q = Population::new(&sim, 4, IF_curr_alpha::default()).unwrap();
    q.initialize("v", RandomDistribution::uniform(-70.0, -55.0)).unwrap();
    let qv = q.get_initial_values("v").unwrap();
    assert!(qv.iter().all(|v| (-70.0..-55.0).contains(v)));
    p.record("v", None).unwrap();
    q.record("v", None).unwrap();
    sim.run(10.0).unwrap();
    sim.reset().unwrap();
    assert_eq!(sim.get_current_time(), 0.0);
    sim.run(10.0).unwrap();

    for (block, init) in [(p.get_data().unwrap(), vec![-70.0, -60.0, -55.0]), (q.get_data().unwrap(), qv)] {
        assert_eq!(block.segments.len(), 2);
        for seg in &block.segments {
            let v = seg.signal("v").unwrap();
            // Exact: the first sample is the stored initial value.
            assert_eq!(&v.data[..init.len()], &init[..], "{}", seg.name);
            assert_eq!(v.n_samples(), 101);
        }
        // Deterministic model, same start: the second segment repeats the first.
        assert_eq!(block.segments[0].signal("v"), block.segments[1].signal("v"));
    }
}

// -------------------------------------------------------------- recording

#[test]
fn sampling_interval_sets_number_of_samples() {
    // PyNN test_sampling_interval: 10 ms at 1.0 ms -> 11 samples, at 0.5 ms -> 21.
    let sim = sim();
    let p1 = Population::new(&sim, 3, IF_curr_exp { i_offset: 0.4, ..Default::default() }).unwrap();
    let p2 = Population::new(&sim, 4, IF_curr_exp { i_offset: 0.4, ..Default::default() }).unwrap();
    let p3 = Population::new(&sim, 2, IF_curr_exp { i_offset: 0.4, ..Default::default() }).unwrap();
    p1.record("v", Some(1.0)).unwrap();
    p2.record("v", Some(0.5)).unwrap();
    p3.record("v", None).unwrap();
    sim.run(10.0).unwrap();
    let s1 = p1.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    let s2 = p2.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    let s3 = p3.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    assert_eq!((s1.n_samples(), s1.channel_index.len()), (11, 3));
    assert_eq!((s2.n_samples(), s2.channel_index.len()), (21, 4));
    assert_eq!(s1.sampling_period, 1.0);
    assert_eq!(s2.sampling_period, 0.5);
    assert_eq!(s1.t_start, 0.0);
    assert!((s1.times()[10] - 10.0).abs() < 1e-12);
    // Down-sampling picks the same values as recording every step (same
    // cells, same parameters): sample k at 1 ms is sample 10k at 0.1 ms.
    for k in 0..11 {
        assert_eq!(s1.column(0)[k], s3.column(0)[10 * k], "sample {k}");
    }
    for k in 0..21 {
        assert_eq!(s2.column(0)[k], s3.column(0)[5 * k], "sample {k}");
    }
}

#[test]
fn two_runs_give_one_sample_per_step_plus_one() {
    // PyNN test_issue483: two 100 ms runs at dt 0.1 -> 2001 samples.
    let sim = sim();
    let p = Population::new(&sim, 2, IF_curr_exp { i_offset: 1.0, ..Default::default() }).unwrap();
    p.record("v", None).unwrap();
    sim.run(100.0).unwrap();
    sim.run(100.0).unwrap();
    let v = p.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    assert_eq!(v.n_samples(), 2001);
    assert!((v.times()[2000] - 200.0).abs() < 1e-9);
    assert_eq!(v.units, "mV");
}

// ------------------------------------------------------------ spike counts

#[test]
fn spike_counts_match_analytic_firing_rate() {
    // IF_curr_exp driven by a constant current I from v_rest = v_reset:
    // v(t) = v_rest + R I (1 - exp(-t / tau_m)), R = tau_m / cm, reaching
    // v_thresh after T = tau_m ln(R I / (R I - (v_thresh - v_rest))); then
    // ISI = tau_refrac + T (v_reset = v_rest, so every interval is alike).
    //
    // Tolerance: none. Spikes are on the time grid: a crossing at T is
    // detected at the end of its step, ceil(T / dt) dt (NEST's on-grid
    // convention), and the refractory period is a whole number of steps,
    // so the expected count follows exactly from T. The guard below makes
    // sure no crossing lies within 1e-6 steps of a grid point, where
    // rounding could move it by a step. The continuous-time count (no grid)
    // is checked too: the grid delays each spike by less than dt, so the
    // count lies between the continuous counts for ISI + dt and ISI.
    let (tau_m, cm, v_rest, v_thresh, tau_refrac, dt, t_run) = (20.0, 1.0, -65.0, -50.0, 2.0, 0.1, 1000.0);
    let currents = [0.7, 0.8, 1.0, 1.5, 2.5];
    let sim = sim();
    let p = Population::new(
        &sim,
        currents.len(),
        IF_curr_exp { tau_m, cm, v_rest, v_reset: v_rest, v_thresh, tau_refrac, ..Default::default() },
    )
    .unwrap();
    p.set("i_offset", currents.to_vec()).unwrap();
    p.record("spikes", None).unwrap();
    sim.run(t_run).unwrap();
    let counts = p.get_spike_counts().unwrap();
    let n_steps = (t_run / dt).round() as u64;
    let refrac_steps = (tau_refrac / dt).round() as u64;
    let mut expected_total = 0;
    for (i, current) in currents.iter().enumerate() {
        let ri = tau_m / cm * current;
        let gap = v_thresh - v_rest;
        let expected = if ri <= gap {
            0 // never reaches threshold
        } else {
            let t = tau_m * (ri / (ri - gap)).ln();
            let x = t / dt;
            assert!((x - x.round()).abs() > 1e-6, "crossing too close to the grid for an exact count");
            let first = x.ceil() as u64;
            let isi = refrac_steps + first;
            let n = if first > n_steps { 0 } else { (n_steps - first) / isi + 1 };
            let cont = |isi: f64, t1: f64| ((t_run - t1) / isi).floor() as u64 + 1;
            let (lo, hi) = (cont(tau_refrac + t + dt, t + dt), cont(tau_refrac + t, t));
            assert!(lo <= n && n <= hi, "I = {current}: grid count {n} outside continuous bounds [{lo}, {hi}]");
            // The spike times themselves: first at ceil(T/dt), then every isi steps.
            let times = &p.get_data().unwrap().segments[0].spiketrain(i).unwrap().times.clone();
            let want: Vec<u64> = (0..n).map(|k| first + k * isi).collect();
            assert_eq!(steps_of(times, dt), want, "I = {current} nA");
            n as usize
        };
        assert_eq!(counts[&i], expected, "I = {current} nA");
        expected_total += expected;
    }
    assert_eq!(counts[&0], 0);
    assert_eq!(counts[&2], 33, "1 nA: T = 20 ln 4 = 27.73 ms -> 27.8 ms on the grid, ISI 29.8 ms");
    let mean = p.mean_spike_count().unwrap();
    assert_eq!(mean, expected_total as f64 / currents.len() as f64);
}

// ---------------------------------------------------------- procedural API

#[test]
fn procedural_api_builds_runs_and_writes_files() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("api_procedural");
    let _ = std::fs::remove_dir_all(&dir);
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.5,
        max_delay: 10.0,
        seed: 3,
        threads: 1,
        ..Setup::default()
    })
    .unwrap();
    assert_eq!((sim.get_time_step(), sim.get_min_delay(), sim.get_max_delay()), (0.1, 0.5, 10.0));
    assert_eq!((sim.num_processes(), sim.rank()), (1, 0));
    let src = sim.create(SpikeSourceArray { spike_times: vec![5.0, 15.0] }, 2).unwrap();
    let cells = sim.create(IF_curr_exp::default(), 3).unwrap();
    let big_pre = sim.create(SpikeSourcePoisson::default(), 40).unwrap();
    let big_post = sim.create(IF_curr_exp::default(), 50).unwrap();

    // p = 1: every pair; delay None: min_delay; receptor from the weight's sign.
    let all = sim.connect(&src, &cells, 0.5, None, None, 1.0).unwrap();
    assert_eq!(all.size(), 6);
    assert_eq!(all.get_values("delay").unwrap(), vec![0.5; 6]);
    let inh = sim.connect(&src.view(0..1).unwrap(), &cells.view(2..3).unwrap(), -0.25, Some(2.0), None, 1.0).unwrap();
    assert_eq!(inh.get_list("weight").unwrap(), vec![(0, 0, -0.25)]);
    // p < 1: 2000 pairs at p = 0.2 -> mean 400, sd sqrt(2000 * 0.2 * 0.8) = 17.9;
    // 4 sd = 72 (a false failure for some seed has probability 6e-5).
    let sparse = sim.connect(&big_pre, &big_post, 0.1, Some(1.0), Some("excitatory"), 0.2).unwrap();
    assert!((sparse.size() as f64 - 400.0).abs() <= 72.0, "{} connections", sparse.size());

    sim.set(&cells, "tau_m", 15.0).unwrap();
    assert_eq!(cells.get("tau_m").unwrap(), vec![15.0; 3]);
    sim.initialize(&cells, "v", -60.0).unwrap();
    sim.record("spikes", &src).unwrap();
    sim.record_v(&cells.view(0..2).unwrap()).unwrap();
    let out = dir.join("cells");
    sim.record_to_file(["spikes", "v"], &big_post.view(0..5).unwrap(), &out).unwrap();
    assert_eq!(sim.run(20.0).unwrap(), 20.0);
    assert!((sim.get_current_time() - 20.0).abs() < 1e-12);
    assert!(!out.with_extension("npz").exists(), "files are written at end()");
    sim.end().unwrap();

    let spikes = src.get_data().unwrap().segments[0].clone();
    assert_eq!(spikes.spiketrain(0).unwrap().times, vec![5.0, 15.0]);
    let v = cells.get_data().unwrap().segments[0].signal("v").unwrap().clone();
    assert_eq!(v.channel_index, vec![0, 1]);
    assert_eq!(v.n_samples(), 201);
    assert_eq!(&v.data[..2], &[-60.0, -60.0], "initialized");
    // Cell 0 relaxes towards v_rest (-65) until the first input arrives at
    // 5 + 0.5 ms, then jumps up: v(5.5) < -60 < later maximum.
    let c0 = v.column(0);
    assert!(c0[55] < -60.0 && c0[55] > -65.0);
    assert!(c0[56..100].iter().cloned().fold(f64::MIN, f64::max) > c0[55] + 1.0);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap()).unwrap();
    assert!(out.with_extension("npz").metadata().unwrap().len() > 0);
    assert_eq!(json["provenance"]["t_stop"], 20.0);
    assert_eq!(json["provenance"]["seed"], 3);
    let pop = &json["populations"][0];
    assert_eq!(pop["label"], "population3");
    assert_eq!(pop["units"]["v"], "mV");
    assert_eq!(pop["segments"][0]["signals"]["v"]["channel_index"], serde_json::json!([0, 1, 2, 3, 4]));
    assert_eq!(pop["segments"][0]["signals"]["v"]["n_samples"], 201);
}

// ------------------------------------------------------------- projections

#[test]
fn projection_get_and_set_in_every_form() {
    let sim = sim();
    let pre = Population::with_label(&sim, 4, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("post")).unwrap();
    // PyNN test_set_synaptic_parameters_partially_connected's list.
    let conn = FromListConnector::with_weights_and_delays(vec![
        (0, 0, 0.1, 1.0),
        (3, 0, 0.4, 1.5),
        (1, 1, 0.2, 2.0),
        (1, 0, 0.3, 2.5),
        (2, 1, 0.5, 3.0),
    ]);
    let prj = Projection::new(&pre, &post, &conn, StaticSynapse::default(), None).unwrap();
    assert_eq!((prj.size(), prj.len(), prj.shape(), prj.is_empty()), (5, 5, (4, 2), false));
    assert_eq!(prj.label(), "pre→post");
    // List order: by pre position, the list's order within a row.
    assert_eq!(prj.get_list("weight").unwrap(), vec![(0, 0, 0.1), (1, 1, 0.2), (1, 0, 0.3), (2, 1, 0.5), (3, 0, 0.4)]);
    assert_eq!(prj.get_values("delay").unwrap(), vec![1.0, 2.0, 2.5, 3.0, 1.5]);
    let a = prj.get_array("weight").unwrap();
    let expect = [[Some(0.1), None], [Some(0.3), Some(0.2)], [None, Some(0.5)], [Some(0.4), None]];
    for i in 0..4 {
        for j in 0..2 {
            match expect[i][j] {
                Some(w) => assert_eq!(a[i][j], w, "({i}, {j})"),
                None => assert!(a[i][j].is_nan(), "({i}, {j}) absent -> NaN"),
            }
        }
    }

    prj.set("weight", 0.7).unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![0.7; 5]);
    // One value per connection, in list order.
    prj.set("weight", vec![1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    // n_pre x n_post, row-major: each connection gets its pair's value.
    let arr: Vec<f64> = (0..8).map(|k| 10.0 + k as f64).collect();
    prj.set("weight", arr).unwrap();
    assert_eq!(
        prj.get_list("weight").unwrap(),
        vec![(0, 0, 10.0), (1, 1, 13.0), (1, 0, 12.0), (2, 1, 15.0), (3, 0, 16.0)]
    );
    prj.set("weight", RandomDistribution::uniform(0.1, 0.2)).unwrap();
    let w = prj.get_values("weight").unwrap();
    assert!(w.iter().all(|x| (0.1..0.2).contains(x)) && w.windows(2).any(|p| p[0] != p[1]), "{w:?}");
    // Function of distance, default positions x = index: d = |i - j|.
    prj.set("delay", Value::function(|d| 0.5 + d)).unwrap();
    let d: Vec<(usize, usize, f64)> = prj.get_list("delay").unwrap();
    for (i, j, x) in d {
        assert!((x - (0.5 + (i as f64 - j as f64).abs())).abs() < 1e-12, "({i}, {j}) -> {x}");
    }

    // Several connections between one pair: array form sums them, and an
    // n_pre x n_post value reaches every one of them.
    let multi = FromListConnector::new(vec![(1, 0), (1, 0), (0, 1)]);
    let prj2 = Projection::new(&pre, &post, &multi, StaticSynapse::new(0.25, 1.0), None).unwrap();
    let a2 = prj2.get_array("weight").unwrap();
    assert_eq!(a2[1][0], 0.5);
    assert_eq!(a2[0][1], 0.25);
    prj2.set("weight", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]).unwrap();
    assert_eq!(prj2.get_list("weight").unwrap(), vec![(0, 1, 2.0), (1, 0, 3.0), (1, 0, 3.0)]);
}

#[test]
fn all_to_all_no_self_distance_dependent_delays() {
    // PyNN test_all_to_all_static_no_self: 5-cell self-projection without
    // self-connections: 20 connections, delay 0.2 + 0.3 |i - j|. Tolerance
    // 1e-9 relative as PyNN's (delays are stored in whole steps of 0.1 ms and
    // returned as steps * dt; all these delays lie on the grid).
    let sim = sim();
    let p = Population::new(&sim, 5, IF_curr_exp::default()).unwrap();
    let syn = StaticSynapse::new(RandomDistribution::gamma(2.0, 0.5), Value::function(|d| 0.2 + 0.3 * d));
    let prj = Projection::new(&p, &p, &AllToAllConnector { allow_self_connections: false }, syn, None).unwrap();
    assert_eq!(prj.size(), 20);
    for (i, j, d) in prj.get_list("delay").unwrap() {
        assert_ne!(i, j);
        let want = 0.2 + 0.3 * (i as f64 - j as f64).abs();
        assert!((d - want).abs() <= 1e-9 * want, "({i}, {j}): {d} vs {want}");
    }
    assert!(prj.get_values("weight").unwrap().iter().all(|w| *w > 0.0), "gamma weights are positive");
}

// -------------------------------------------------------------- connectors

#[test]
fn connector_invariants() {
    let sim = sim();
    let a = Population::new(&sim, 4, IF_curr_exp::default()).unwrap();
    let b = Population::new(&sim, 6, IF_curr_exp::default()).unwrap();
    let c = Population::new(&sim, 5, IF_curr_exp::default()).unwrap();
    let syn = || StaticSynapse::new(0.1, 1.0);
    let no_self = AllToAllConnector { allow_self_connections: false };

    // AllToAll: n * m between different populations, with or without self;
    // n * (n - 1) onto itself without self-connections.
    let ab = Projection::new(&a, &b, &AllToAllConnector::new(), syn(), None).unwrap();
    assert_eq!(ab.size(), 24);
    let want: Vec<(usize, usize)> = (0..4).flat_map(|i| (0..6).map(move |j| (i, j))).collect();
    assert_eq!(pairs(&ab), want);
    assert_eq!(Projection::new(&a, &b, &no_self, syn(), None).unwrap().size(), 24);
    assert_eq!(Projection::new(&c, &c, &AllToAllConnector::new(), syn(), None).unwrap().size(), 25);
    let cc = Projection::new(&c, &c, &no_self, syn(), None).unwrap();
    assert_eq!(cc.size(), 20);
    assert!(pairs(&cc).iter().all(|(i, j)| i != j));

    // PyNN test_issue622: self is the same cell, whatever the views.
    let v1 = b.view(vec![2, 3, 4]).unwrap();
    let v2 = b.view(vec![2, 3, 4]).unwrap();
    let v3 = b.view(vec![3, 4, 5, 1]).unwrap(); // cells 1, 3, 4, 5
    let six = vec![(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)];
    assert_eq!(pairs(&Projection::new(&v1, &v2, &no_self, syn(), None).unwrap()), six);
    assert_eq!(pairs(&Projection::new(&v1, &v1, &no_self, syn(), None).unwrap()), six);
    // v1 = cells 2, 3, 4; v3 = 1, 3, 4, 5: pairs (3, 3) and (4, 4) excluded.
    let p13 = pairs(&Projection::new(&v1, &v3, &no_self, syn(), None).unwrap());
    assert_eq!(p13.len(), 10);
    assert!(!p13.contains(&(1, 1)) && !p13.contains(&(2, 2)));

    // OneToOne: i -> i.
    let c2 = Population::new(&sim, 5, IF_curr_exp::default()).unwrap();
    assert_eq!(
        pairs(&Projection::new(&c, &c2, &OneToOneConnector, syn(), None).unwrap()),
        (0..5).map(|i| (i, i)).collect::<Vec<_>>()
    );

    // FixedProbability: p = 0 none, p = 1 all (= AllToAll, PyNN test_issue309).
    assert_eq!(Projection::new(&a, &b, &FixedProbabilityConnector::new(0.0), syn(), None).unwrap().size(), 0);
    let fp1 = FixedProbabilityConnector { p_connect: 1.0, allow_self_connections: false };
    assert_eq!(pairs(&Projection::new(&c, &c, &fp1, syn(), None).unwrap()), pairs(&cc));
}

#[test]
fn fixed_probability_count_within_four_sigma() {
    // The number of connections of n_pre x n_post independent Bernoulli(p)
    // trials is Binomial(N = n_pre n_post, p): mean N p, sd sqrt(N p (1 - p)).
    // For N = 10^4 and p = 0.1: mean 1000, sd 30, so |count - 1000| <= 120
    // (4 sd; two-sided probability of exceeding it 6.3e-5 per seed). Five
    // seeds: the counts are deterministic per seed, and differ between them.
    let mut counts = Vec::new();
    for seed in 1..=5 {
        let sim = sim_seeded(seed);
        let a = Population::new(&sim, 100, SpikeSourcePoisson::default()).unwrap();
        let b = Population::new(&sim, 100, IF_curr_exp::default()).unwrap();
        let prj =
            Projection::new(&a, &b, &FixedProbabilityConnector::new(0.1), StaticSynapse::new(0.1, 1.0), None).unwrap();
        let n = prj.size() as f64;
        assert!((n - 1000.0).abs() <= 120.0, "seed {seed}: {n} connections");
        // No pair twice.
        let p = pairs(&prj);
        assert_eq!(p.iter().collect::<BTreeSet<_>>().len(), p.len());
        counts.push(prj.size());
    }
    assert!(counts.iter().collect::<BTreeSet<_>>().len() > 1, "{counts:?}");
    // Without self-connections onto itself: no (i, i), count over n (n - 1)
    // = 9900 pairs: mean 990, sd 29.8, 4 sd = 119.
    let sim = sim();
    let c = Population::new(&sim, 100, IF_curr_exp::default()).unwrap();
    let fp = FixedProbabilityConnector { p_connect: 0.1, allow_self_connections: false };
    let prj = Projection::new(&c, &c, &fp, StaticSynapse::new(0.1, 1.0), None).unwrap();
    assert!(pairs(&prj).iter().all(|(i, j)| i != j));
    assert!((prj.size() as f64 - 990.0).abs() <= 119.0, "{}", prj.size());
}

// ------------------------------------------------------------ determinism

/// Connections of each projection in list form, and the data of each population.
type NetworkOutcome = (Vec<Vec<(usize, usize, f64)>>, Vec<Block>);

/// A Poisson-driven random network (excitatory, inhibitory, noise).
fn random_network(seed: u64, threads: usize, sizes: (usize, usize, usize), min_delay: f64, t: f64) -> NetworkOutcome {
    let sim =
        Sim::<Native>::setup(Setup { timestep: 0.1, min_delay, max_delay: 10.0, seed, threads, ..Setup::default() })
            .unwrap();
    if threads > 0 {
        assert_eq!(sim.with_backend(|b| b.threads()), threads);
    }
    let (n_exc, n_inh, n_noise) = sizes;
    let exc = Population::with_label(&sim, n_exc, IF_curr_exp::default(), Some("exc")).unwrap();
    let inh = Population::with_label(&sim, n_inh, IF_curr_exp::default(), Some("inh")).unwrap();
    let noise =
        Population::with_label(&sim, n_noise, SpikeSourcePoisson { rate: 50.0, ..Default::default() }, Some("noise"))
            .unwrap();
    let all = (&exc + &inh).unwrap();
    all.initialize("v", RandomDistribution::uniform(-65.0, -55.0)).unwrap();
    let fp = FixedProbabilityConnector::new(0.1);
    let delay = || Value::from(RandomDistribution::uniform(min_delay, min_delay + 2.0));
    let prjs = [
        Projection::new(&noise, &all, &fp, StaticSynapse { weight: 0.3.into(), delay: Some(delay()) }, None).unwrap(),
        Projection::new(&exc, &all, &fp, StaticSynapse { weight: 0.1.into(), delay: Some(delay()) }, None).unwrap(),
        Projection::new(&inh, &all, &fp, StaticSynapse { weight: (-0.5).into(), delay: Some(delay()) }, None).unwrap(),
    ];
    exc.record("spikes", None).unwrap();
    inh.record("spikes", None).unwrap();
    noise.record("spikes", None).unwrap();
    exc.view(0..20).unwrap().record("v", None).unwrap();
    inh.view(0..5).unwrap().record("isyn_inh", None).unwrap();
    sim.run(t).unwrap();
    let conns = prjs.iter().map(|p| p.get_list("weight").unwrap()).collect();
    (conns, vec![exc.get_data().unwrap(), inh.get_data().unwrap(), noise.get_data().unwrap()])
}

fn total_spikes(b: &Block) -> usize {
    b.segments[0].spiketrains.iter().map(|s| s.times.len()).sum()
}

#[test]
fn same_seed_same_network_and_spikes_other_seed_differs() {
    let sizes = (160, 40, 200);
    let (c1, d1) = random_network(11, 0, sizes, 1.0, 200.0);
    let (c2, d2) = random_network(11, 0, sizes, 1.0, 200.0);
    let (c3, d3) = random_network(12, 0, sizes, 1.0, 200.0);
    assert_eq!(c1, c2);
    assert_eq!(d1, d2);
    assert!(total_spikes(&d1[0]) > 100, "the network is active: {} spikes", total_spikes(&d1[0]));
    for k in 0..3 {
        assert_ne!(c1[k], c3[k], "projection {k}");
    }
    assert_ne!(d1[2], d3[2], "Poisson trains depend on the seed");
}

#[test]
fn thread_count_does_not_change_results() {
    // Bit-identical spikes and traces for 1, 2 and 4 worker threads. The
    // network is sized so that each communication slice (min_delay = 5 ms =
    // 50 steps) holds 2200 x 50 = 1.1e5 neuron-steps, enough for the engine
    // to advance its shards (2 of 1024 and 576 cells for the excitatory
    // population, see `pynn::backends::native::shard_cells`) in parallel
    // rather than in turn.
    let sizes = (1600, 400, 200);
    let (c1, d1) = random_network(5, 1, sizes, 5.0, 150.0);
    let exc_spikes = total_spikes(&d1[0]);
    assert!(exc_spikes > 1000, "the network is active: {exc_spikes} spikes");
    let rate = exc_spikes as f64 / 1600.0 / 0.15;
    assert!(rate < 200.0, "and not saturated: {rate} Hz");
    for threads in [2, 4] {
        let (c, d) = random_network(5, threads, sizes, 5.0, 150.0);
        assert_eq!(c, c1, "connections with {threads} threads");
        for (k, (a, b)) in d.iter().zip(&d1).enumerate() {
            assert!(a == b, "population {k}: data with {threads} threads differ from 1 thread");
        }
    }
}

/// A Brunel-like network (NEST's brunel_delta_nest.py definition at 1/5 of
/// the cells of the 2000 version, CE = 100): `IF_curr_delta` cells in
/// populations of 1200 and 300 (2 + 2 shards of the native engine, so that
/// the excitatory population advances and receives spikes in parallel
/// within itself), fixed in-degree with replacement, and a Poisson drive of
/// 20 kHz per cell (drawn as counts per step, delivered with
/// multiplicity). Returns the data of the three populations.
fn brunel_like(threads: usize) -> Vec<Block> {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 1.5,
        max_delay: 1.5,
        seed: 9,
        threads,
        ..Setup::default()
    })
    .unwrap();
    let cell =
        IF_curr_delta { tau_m: 20.0, v_rest: 0.0, v_reset: 0.0, v_thresh: 20.0, tau_refrac: 2.0, ..Default::default() };
    let exc = Population::with_label(&sim, 1200, cell.clone(), Some("exc")).unwrap();
    let inh = Population::with_label(&sim, 300, cell, Some("inh")).unwrap();
    exc.initialize("v", RandomDistribution::uniform(0.0, 20.0)).unwrap();
    inh.initialize("v", RandomDistribution::uniform(0.0, 20.0)).unwrap();
    let all = Assembly::new(&[&exc, &inh]).unwrap();
    for (pre, n, w, receptor) in [(&exc, 100, 0.1, "excitatory"), (&inh, 25, -0.5, "inhibitory")] {
        let c = FixedNumberPreConnector { n: n.into(), allow_self_connections: true, with_replacement: true };
        Projection::new(pre, &all, &c, StaticSynapse::new(w, 1.5), Some(receptor)).unwrap();
    }
    let drive =
        Population::with_label(&sim, 1500, SpikeSourcePoisson { rate: 20_000.0, ..Default::default() }, Some("drive"))
            .unwrap();
    Projection::new(&drive, &all, &OneToOneConnector, StaticSynapse::new(0.1, 1.5), Some("excitatory")).unwrap();
    exc.record("spikes", None).unwrap();
    inh.record("spikes", None).unwrap();
    drive.view(0..600).unwrap().record("spikes", None).unwrap();
    exc.view(500..530).unwrap().record("v", None).unwrap();
    sim.run(100.0).unwrap();
    vec![exc.get_data().unwrap(), inh.get_data().unwrap(), drive.get_data().unwrap()]
}

#[test]
fn thread_count_does_not_change_results_within_a_population() {
    // Bit-identical spikes, traces and Poisson trains for 1, 2 and 4 threads
    // on a network whose populations span several shards.
    assert_eq!(pynn::backends::native::shard_cells(1200), 1024);
    assert_eq!(pynn::backends::native::shard_cells(300), 256);
    let d1 = brunel_like(1);
    let n = total_spikes(&d1[0]) as f64;
    let rate = n / 1200.0 / 0.1;
    // The drive alone (mean input 20 kHz x 0.1 mV x 20 ms = 40 mV above a
    // 20 mV threshold) makes the cells fire; inhibition keeps them well
    // below the 500 Hz refractory limit.
    assert!(rate > 5.0 && rate < 400.0, "excitatory rate {rate} Hz");
    // 600 recorded drive cells x 100 ms x 20 kHz = 1.2e6 spikes expected,
    // sd 1100.
    let drive = total_spikes(&d1[2]) as f64;
    assert!((drive - 1.2e6).abs() < 5500.0, "{drive} drive spikes");
    for threads in [2, 4] {
        let d = brunel_like(threads);
        for (k, (a, b)) in d.iter().zip(&d1).enumerate() {
            assert!(a == b, "population {k}: data with {threads} threads differ from 1 thread");
        }
    }
}

// ---------------------------------------------------------- spike sources

#[test]
fn poisson_source_count_and_window() {
    // 20 cells at 50 Hz active for 10 s: the count per cell is Poisson with
    // mean 500 and sd sqrt(500) = 22.4. Bound per cell: 5 sd = 112 (false
    // failure probability 5.7e-7 per cell); over all 20 cells the total is
    // Poisson(10^4), sd 100, bound 4 sd = 400.
    let (start, duration, rate) = (100.0, 10_000.0, 50.0);
    let sim = sim();
    let p = Population::new(&sim, 20, SpikeSourcePoisson { rate, start, duration }).unwrap();
    p.record("spikes", None).unwrap();
    sim.run(start + duration + 100.0).unwrap();
    let seg = p.get_data().unwrap().segments[0].clone();
    let mut total = 0;
    for st in &seg.spiketrains {
        let n = st.times.len();
        assert!((n as f64 - 500.0).abs() <= 112.0, "cell {}: {n} spikes", st.source_index);
        total += n;
        // Active in (start, start + duration]: nothing at or before start,
        // nothing after the end (times are multiples of dt; 1e-9 ms absorbs
        // the rounding of step * dt).
        assert!(st.times[0] > start + 1e-9, "cell {}: first spike {}", st.source_index, st.times[0]);
        assert!(*st.times.last().unwrap() <= start + duration + 1e-9);
        assert!(st.times.windows(2).all(|w| w[0] <= w[1]));
    }
    assert!((total as f64 - 10_000.0).abs() <= 400.0, "{total}");
    // Trains are independent across cells.
    assert_ne!(seg.spiketrains[0].times, seg.spiketrains[1].times);
}

#[test]
fn spike_source_array_updated_between_runs() {
    // PyNN test_update_SpikeSourceArray.
    let sim = sim();
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    src.record("spikes", None).unwrap();
    sim.run(10.0).unwrap();
    src.set("spike_times", vec![vec![12.0, 15.0, 18.0], vec![17.0, 19.0]]).unwrap();
    sim.run(10.0).unwrap();
    src.set("spike_times", vec![vec![22.0, 25.0], vec![23.0, 27.0, 29.0]]).unwrap();
    sim.run(10.0).unwrap();
    let seg = src.get_data().unwrap().segments[0].clone();
    assert_eq!(seg.spiketrain(0).unwrap().times, vec![12.0, 15.0, 18.0, 22.0, 25.0]);
    assert_eq!(seg.spiketrain(1).unwrap().times, vec![17.0, 19.0, 23.0, 27.0, 29.0]);
    assert_eq!(src.get_sequences("spike_times").unwrap()[1], vec![23.0, 27.0, 29.0]);
    // Times already in the past are ignored.
    src.set("spike_times", vec![vec![5.0, 31.0], vec![]]).unwrap();
    sim.run(10.0).unwrap();
    let seg = src.get_data().unwrap().segments[0].clone();
    assert_eq!(seg.spiketrain(0).unwrap().times, vec![12.0, 15.0, 18.0, 22.0, 25.0, 31.0]);
}

// ---------------------------------------------------------- current sources

/// v of a single IF_curr_exp (defaults: v_rest -65 mV, R = tau_m / cm =
/// 20 MOhm, tau_m 20 ms) driven from rest by `amp` nA for `t` ms.
fn v_driven(amp: f64, t: f64) -> f64 {
    -65.0 + 20.0 * amp * (1.0 - (-t / 20.0).exp())
}

#[test]
fn dc_source_amplitude_changed_between_runs() {
    // PyNN test_changing_electrode: amplitude 0 for 100 ms, then 0.1 nA.
    // Tolerance 1e-9 mV: exact integration, only rounding accumulated over
    // 1000 steps (~1e-12 mV).
    let sim = sim();
    let p = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let h: CurrentSourceHandle<Native> = p.inject(DCSource { amplitude: 0.0, ..Default::default() }).unwrap();
    p.record("v", None).unwrap();
    sim.run(100.0).unwrap();
    h.set("amplitude", 0.1).unwrap();
    assert_eq!(h.get("amplitude").unwrap().clone_scalar(), Some(0.1));
    sim.run(100.0).unwrap();
    let v = p.get_data().unwrap().segments[0].signal("v").unwrap().column(0);
    assert_eq!(v.len(), 2001);
    assert!(v[..=1000].iter().all(|x| *x == -65.0), "no current before the change");
    for k in [1001, 1500, 2000] {
        let want = v_driven(0.1, (k - 1000) as f64 * 0.1);
        assert!((v[k] - want).abs() < 1e-9, "sample {k}: {} vs {want}", v[k]);
    }
    assert!(v[1000] < v[2000]);
}

#[test]
fn dc_source_changed_after_its_window_has_no_effect() {
    // PyNN test_issue451: window 25-50 ms, amplitude 0; changed to 0.1 nA
    // after the first 100 ms run, when the window is past: v stays at rest.
    let sim = sim();
    let p = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let h = p.inject(DCSource { amplitude: 0.0, start: 25.0, stop: 50.0 }).unwrap();
    p.record("v", None).unwrap();
    sim.run(100.0).unwrap();
    h.set("amplitude", 0.1).unwrap();
    sim.run(100.0).unwrap();
    let v = p.get_data().unwrap().segments[0].signal("v").unwrap().column(0);
    assert_eq!(v.len(), 2001);
    assert!(v.iter().all(|x| *x == -65.0));
    // Moving the window into the future does act.
    h.set_many(&[("start", 210.0.into()), ("stop", 220.0.into())]).unwrap();
    sim.run(20.0).unwrap();
    let v = p.get_data().unwrap().segments[0].signal("v").unwrap().column(0);
    assert_eq!(v[2100], -65.0);
    assert!((v[2200] - v_driven(0.1, 10.0)).abs() < 1e-9);
}

#[test]
fn step_source_changed_between_runs() {
    // PyNN test_issue759: times [0], amplitudes [0]; run 50; new times [50]
    // amplitudes [1.0]; the cell fires only after 50 ms, first when 1 nA
    // has charged it to threshold: 50 ms + ceil(20 ln 4 / 0.1) steps = 77.8 ms,
    // then every 2 ms (tau_refrac) + 27.8 ms.
    let sim = sim();
    let p = Population::new(&sim, 1, IF_curr_exp { tau_refrac: 2.0, ..Default::default() }).unwrap();
    let h = p.inject(StepCurrentSource { times: vec![0.0], amplitudes: vec![0.0] }).unwrap();
    p.record(["spikes", "v"], None).unwrap();
    sim.run(50.0).unwrap();
    h.set_many(&[("times", vec![50.0].into()), ("amplitudes", vec![1.0].into())]).unwrap();
    sim.run(100.0).unwrap();
    let seg = p.get_data().unwrap().segments[0].clone();
    assert_eq!(steps_of(&seg.spiketrain(0).unwrap().times, 0.1), vec![778, 1076, 1374]);
    // A new number of steps needs times and amplitudes together: switch
    // off at 160 ms (the cell would fire at 167.2 ms otherwise).
    h.set_many(&[("times", vec![50.0, 160.0].into()), ("amplitudes", vec![1.0, 0.0].into())]).unwrap();
    assert!(h.set("times", vec![50.0, 160.0, 170.0]).is_err(), "3 times for 2 amplitudes");
    sim.run(50.0).unwrap();
    let seg = p.get_data().unwrap().segments[0].clone();
    assert_eq!(steps_of(&seg.spiketrain(0).unwrap().times, 0.1), vec![778, 1076, 1374]);
    let v = seg.signal("v").unwrap().column(0);
    // From 160 ms the membrane decays: v(200) < v(160).
    assert!(v[2000] < v[1600]);
}

#[test]
fn spike_counts_of_view_are_keyed_by_population_index() {
    let sim = sim();
    let p = Population::new(&sim, 4, IF_curr_exp::default()).unwrap();
    p.set("i_offset", vec![0.0, 1.0, 0.0, 2.5]).unwrap();
    p.view(vec![1, 3]).unwrap().record("spikes", None).unwrap();
    sim.run(100.0).unwrap();
    let counts: BTreeMap<usize, usize> = p.get_spike_counts().unwrap();
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
    // 1 nA: spikes at 27.8 + k * 27.9 ms (tau_refrac 0.1 ms = 1 step) -> 3 in 100 ms.
    assert_eq!(counts[&1], 3);
    assert!(counts[&3] > counts[&1]);
    assert_eq!(p.view(vec![3]).unwrap().get_spike_counts().unwrap().keys().copied().collect::<Vec<_>>(), vec![3]);
}

#[test]
fn recording_changed_between_segments() {
    // PyNN test_reset_recording: record v of p[3:4], run, reset,
    // record(None), record p[4:5], run: one cell per segment, the right one.
    let sim = sim();
    let p = Population::new(&sim, 5, IF_curr_exp::default()).unwrap();
    p.set("i_offset", vec![0.1, 0.2, 0.3, 0.4, 0.5]).unwrap();
    p.view(3..4).unwrap().record("v", None).unwrap();
    sim.run(10.0).unwrap();
    sim.reset().unwrap();
    p.record_none().unwrap();
    p.view(4..5).unwrap().record("v", None).unwrap();
    sim.run(10.0).unwrap();
    let block = p.get_data().unwrap();
    assert_eq!(block.segments.len(), 2);
    let (s0, s1) = (block.segments[0].signal("v").unwrap(), block.segments[1].signal("v").unwrap());
    assert_eq!((s0.channel_index.clone(), s1.channel_index.clone()), (vec![3], vec![4]));
    assert_eq!((s0.n_samples(), s1.n_samples()), (101, 101));
    assert_eq!(s0.times(), s1.times());
    // Both start at the initial value; afterwards the larger current is ahead.
    assert_eq!((s0.data[0], s1.data[0]), (-65.0, -65.0));
    assert!(s0.data[1..].iter().zip(&s1.data[1..]).all(|(a, b)| a < b));
    // Exact integration (1e-9 mV: rounding only): v(10) = v_rest + R I (1 - e^{-10/20}).
    assert!((s1.data[100] - v_driven(0.5, 10.0)).abs() < 1e-9);
}
