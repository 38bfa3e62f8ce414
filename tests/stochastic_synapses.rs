//! The stochastic synapse types (`SimpleStochasticSynapse`,
//! `StochasticTsodyksMarkramSynapse`, `MultiQuantalSynapse`) on every
//! backend.
//!
//! * PyNN's system test `test_synapse_types.py::test_simple_stochastic_synapse`
//!   (one source firing every 5 ms from 2.5 to 997.5 ms, 200 spikes, into
//!   four `IF_cond_exp(tau_syn_E = 1)` through p = 0, 0.5, 0.5, 1; a PSP is
//!   an upward crossing of 0.4 uS by `gsyn_exc`): 0, 40-60 % (PyNN's band;
//!   a 2.8 sigma band of Binomial(200, 0.5), but every draw is fixed by the
//!   seed) and 200 PSPs, the two p = 0.5 cells differ. Native, NEURON and
//!   NEST (NEST's own generator, seeded from the session seed).
//! * Native == NEURON spike for spike on a small recurrent network for
//!   each type (NEURON runs the same rules and draws on the Rust side).
//! * The mean transmitted weight of the stochastic Tsodyks–Markram and
//!   multi-quantal synapses against the deterministic Tsodyks–Markram
//!   synapse's efficacy, spike by spike (statistics, tolerances below).
//! * Onto precise cells (`spike_precision = "off_grid"`, IF_curr_delta):
//!   native transmissions equal the hand recursion of the same draws,
//!   each arriving at the pre-synaptic spike's offset (decoded from the
//!   membrane potential); NEST's `bernoulli_synapse` and
//!   `quantal_stp_synapse` onto `iaf_psc_delta_ps` agree statistically
//!   (bounds at the test) and arrive at the offset too.
//! * Bad parameters are clear errors; what a backend cannot do is
//!   `Error::Unsupported`.
//!
//! External backends need the simulators in the Python environment
//! (`PYNN_PYTHON` or `.venv`).

use pynn::SpikePrecision;
use pynn::core::backend::Supports;
use pynn::core::{Backend, SynapseType};
use pynn::prelude::*;

/// Upward crossings of `threshold` by a trace.
fn crossings(trace: &[f64], threshold: f64) -> usize {
    trace.windows(2).filter(|w| w[0] < threshold && w[1] >= threshold).count()
}

/// PyNN's system test: PSP counts of the four cells (p = 0, 0.5, 0.5, 1).
fn simple_stochastic_counts<B>() -> Vec<usize>
where
    B: Backend + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 0.5, seed: 42, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let times: Vec<f64> = (0..200).map(|k| 2.5 + 5.0 * k as f64).collect();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: times }).unwrap();
    let cells =
        Population::<IF_cond_exp, B>::new(&sim, 4, IF_cond_exp { tau_syn_E: 1.0, ..Default::default() }).unwrap();
    let syn = SimpleStochasticSynapse {
        weight: Value::Scalar(0.5),
        p: Value::Array(vec![0.0, 0.5, 0.5, 1.0]),
        ..Default::default()
    };
    Projection::new(&src, &cells, &AllToAllConnector::new(), syn, Some("excitatory")).unwrap();
    cells.record("gsyn_exc", None).unwrap();
    sim.run(1000.0).unwrap();
    let block = cells.get_data().unwrap();
    let g = block.segments[0].signal("gsyn_exc").unwrap();
    (0..4).map(|i| crossings(&g.column(i), 0.4)).collect()
}

fn check_simple_stochastic(counts: &[usize], backend: &str) {
    eprintln!("{backend}: PSP counts {counts:?}");
    assert_eq!(counts[0], 0, "{backend}: p = 0 transmits nothing ({counts:?})");
    assert_eq!(counts[3], 200, "{backend}: p = 1 transmits every spike ({counts:?})");
    for c in &counts[1..3] {
        assert!((80..=120).contains(c), "{backend}: p = 0.5 transmits 40-60 % ({counts:?})");
    }
    assert_ne!(counts[1], counts[2], "{backend}: the two p = 0.5 cells draw independently ({counts:?})");
}

#[test]
fn simple_stochastic_system_test_native() {
    check_simple_stochastic(&simple_stochastic_counts::<Native>(), "native");
}

#[test]
fn simple_stochastic_system_test_neuron_equals_native() {
    let native = simple_stochastic_counts::<Native>();
    let neuron = simple_stochastic_counts::<Neuron>();
    check_simple_stochastic(&neuron, "NEURON");
    // The same draws: the same PSPs.
    assert_eq!(neuron, native);
}

#[test]
fn simple_stochastic_system_test_brian2_equals_native() {
    let native = simple_stochastic_counts::<Native>();
    let brian2 = simple_stochastic_counts::<Brian2>();
    check_simple_stochastic(&brian2, "Brian2");
    assert_eq!(brian2, native);
}

#[test]
fn simple_stochastic_system_test_nest() {
    check_simple_stochastic(&simple_stochastic_counts::<Nest>(), "NEST");
}

/// A small recurrent network whose only recurrent synapses are `syn`:
/// 20 Poisson sources (40 Hz) drive 30 `IF_curr_exp` cells through static
/// synapses, the cells connect to each other with probability 0.3 through
/// the stochastic synapse type. Returns the spike trains and the membrane
/// potential of every cell.
fn recurrent<B>(syn: impl SynapseType + 'static) -> (Vec<Vec<f64>>, Vec<Vec<f64>>)
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourcePoisson>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 1.0, max_delay: 5.0, seed: 7, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let drive =
        Population::<SpikeSourcePoisson, B>::new(&sim, 20, SpikeSourcePoisson { rate: 40.0, ..Default::default() })
            .unwrap();
    let cells = Population::<IF_curr_exp, B>::new(&sim, 30, IF_curr_exp::default()).unwrap();
    let input = StaticSynapse::new(1.2, 1.0);
    Projection::new(&drive, &cells, &FixedProbabilityConnector::new(0.5), input, Some("excitatory")).unwrap();
    let conn = FixedProbabilityConnector { allow_self_connections: false, ..FixedProbabilityConnector::new(0.3) };
    Projection::new(&cells, &cells, &conn, syn, Some("excitatory")).unwrap();
    cells.record(["spikes", "v"], None).unwrap();
    sim.run(300.0).unwrap();
    let block = cells.get_data().unwrap();
    let seg = &block.segments[0];
    let spikes = (0..30).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect();
    let v = (0..30).map(|i| seg.signal("v").unwrap().column(i)).collect();
    (spikes, v)
}

/// A synapse type by name, made afresh for each backend.
type Maker = Box<dyn Fn() -> Box<dyn SynapseType>>;

fn stochastic_types() -> Vec<(&'static str, Maker)> {
    vec![
        ("SimpleStochasticSynapse", Box::new(|| Box::new(SimpleStochasticSynapse::new(1.0, 1.5, 0.5)))),
        (
            "StochasticTsodyksMarkramSynapse",
            Box::new(|| Box::new(StochasticTsodyksMarkramSynapse::new(3.0, 1.5, 0.6, 50.0, 20.0))),
        ),
        ("MultiQuantalSynapse", Box::new(|| Box::new(MultiQuantalSynapse::new(1.0, 1.5, 0.4, 4.0, 80.0, 30.0)))),
    ]
}

/// Spike trains equal to 1e-9 ms, membrane traces within `tol_v` mV.
fn assert_same(
    name: &str,
    other: &str,
    a: &(Vec<Vec<f64>>, Vec<Vec<f64>>),
    b: &(Vec<Vec<f64>>, Vec<Vec<f64>>),
    tol_v: f64,
) {
    for (i, (x, y)) in a.0.iter().zip(&b.0).enumerate() {
        assert_eq!(x.len(), y.len(), "{name}: cell {i} fires {} times on native, {} on {other}", x.len(), y.len());
        for (p, q) in x.iter().zip(y) {
            assert!((p - q).abs() < 1e-9, "{name}: cell {i} spikes at {p} (native) and {q} ({other})");
        }
    }
    let dv = a.1.iter().zip(&b.1).flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs())).fold(0.0, f64::max);
    assert!(dv < tol_v, "{name}: v differs by {dv} mV between native and {other}");
}

/// Brian2 runs the rules as its own code with the same draws
/// (`brian2/plastic.rs`); its membrane potential differs from native's by
/// summation rounding in SI units (`tests/recurrent_identity.rs`): 1e-9 mV.
#[test]
fn native_equals_brian2_spike_for_spike() {
    for (name, make) in stochastic_types() {
        let native = recurrent::<Native>(make());
        let brian2 = recurrent::<Brian2>(make());
        let total: usize = native.0.iter().map(Vec::len).sum();
        assert!(total > 300, "{name}: only {total} spikes");
        assert_same(name, "Brian2", &native, &brian2, 1e-9);
    }
}

#[test]
fn native_equals_neuron_spike_for_spike() {
    for (name, make) in stochastic_types() {
        let (s_native, v_native) = recurrent::<Native>(make());
        let (s_neuron, v_neuron) = recurrent::<Neuron>(make());
        let total: usize = s_native.iter().map(Vec::len).sum();
        // The recurrent synapses must matter for the comparison to mean
        // anything: the network fires (tens of spikes per cell).
        assert!(total > 300, "{name}: only {total} spikes");
        eprintln!("{name}: {total} spikes on native and NEURON");
        for (i, (a, b)) in s_native.iter().zip(&s_neuron).enumerate() {
            assert_eq!(a.len(), b.len(), "{name}: cell {i} fires {} times on native, {} on NEURON", a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                // NEURON reports NEST's spike steps (tests/neuron_backend.rs).
                assert!((x - y).abs() < 1e-9, "{name}: cell {i} spikes at {x} (native) and {y} (NEURON)");
            }
        }
        // Same PSPs: membrane traces within NEURON's event-order rounding
        // (neuron/plastic.rs: ~1e-15 mV; 1e-9 mV allows for its growth
        // over 3000 steps).
        let dv = v_native
            .iter()
            .zip(&v_neuron)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f64::max);
        assert!(dv < 1e-9, "{name}: v differs by {dv} mV");
    }
}

/// The per-spike mean transmitted weight over `n` synapses from one
/// regular train (20 Hz, 10 spikes) onto `n` `IF_cond_exp(tau_syn_E = 1)`
/// cells, measured as the peak of `gsyn_exc` after each arrival (spikes
/// 50 ms apart: the previous PSC has decayed by e^-50).
fn mean_peaks<B>(syn: impl SynapseType + 'static, n: usize) -> Vec<f64>
where
    B: Backend + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 1.0, seed: 11, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let times: Vec<f64> = (0..10).map(|k| 10.0 + 50.0 * k as f64).collect();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: times.clone() }).unwrap();
    let cells =
        Population::<IF_cond_exp, B>::new(&sim, n, IF_cond_exp { tau_syn_E: 1.0, ..Default::default() }).unwrap();
    Projection::new(&src, &cells, &AllToAllConnector::new(), syn, Some("excitatory")).unwrap();
    cells.record("gsyn_exc", None).unwrap();
    sim.run(520.0).unwrap();
    let block = cells.get_data().unwrap();
    let g = block.segments[0].signal("gsyn_exc").unwrap();
    let dt = 0.1;
    let cols: Vec<Vec<f64>> = (0..n).map(|i| g.column(i)).collect();
    times
        .iter()
        .map(|t| {
            let (lo, hi) = (((t + 0.5) / dt) as usize, ((t + 10.0) / dt) as usize);
            cols.iter().map(|c| c[lo..hi].iter().copied().fold(0.0, f64::max)).sum::<f64>() / n as f64
        })
        .collect()
}

/// The stochastic Tsodyks–Markram synapse's mean PSP equals the
/// deterministic `TsodyksMarkramSynapse`'s PSP (Fuhrmann et al. 2002: the
/// recovered fraction `x` is the probability that the site is recovered),
/// and `MultiQuantalSynapse` with `n` sites gives `n` times it (NEST's
/// `k * weight`). Facilitation is off (`tau_facil = 0`: `u = U` at every
/// spike in all three models, whose facilitation rules differ in form).
///
/// Tolerance per spike: 5 standard deviations of the mean of N Bernoulli
/// (Binomial(n, p)) values, `5 sqrt(n p (1 - p) / N)` in units of the
/// weight, plus 1 % of the expectation for the deterministic model's
/// finite `tau_psc` (1 ms against `tau_rec` = 100 ms delays recovery by
/// about tau_psc / tau_rec).
fn check_mean_against_tm<B>(backend: &str)
where
    B: Backend + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let n_cells = 1000;
    let (u, tau_rec) = (0.5, 100.0);
    let det = mean_peaks::<Native>(TsodyksMarkramSynapse::new(0.5, 1.0, u, tau_rec, 0.0), 1);
    // Depression over the train: the deterministic efficacy falls by at
    // least a third (the comparison would be blind otherwise).
    assert!(det[9] < 0.67 * det[0], "{det:?}");
    let first = det[0];
    let mut cases: Vec<(&str, Box<dyn SynapseType>, f64)> = Vec::new();
    if backend != "NEST" {
        // NEST has no stochastic Tsodyks–Markram model (PyNN's own NEST extension).
        let syn = StochasticTsodyksMarkramSynapse::new(1.0, 1.0, u, tau_rec, 0.0);
        cases.push(("StochasticTsodyksMarkramSynapse", Box::new(syn), 1.0));
    }
    cases.push(("MultiQuantalSynapse", Box::new(MultiQuantalSynapse::new(1.0, 1.0, u, 5.0, tau_rec, 0.0)), 5.0));
    for (name, syn, sites) in cases {
        let mean = mean_peaks::<B>(syn, n_cells);
        eprintln!("{backend} {name}: mean peaks {mean:?}\n  deterministic {det:?}");
        for (j, (m, d)) in mean.iter().zip(&det).enumerate() {
            // Peak of one full transmission of weight 1: `first / (U x_0)`
            // with x_0 = 1 (the deterministic first PSP is U * weight 0.5).
            let unit = first / (u * 0.5);
            let p = d / (0.5 * unit); // release probability u_j x_j
            let expected = sites * p * unit;
            let tol = 5.0 * (sites * p * (1.0 - p) / n_cells as f64).sqrt() * unit + 0.01 * expected;
            assert!(
                (m - expected).abs() < tol,
                "{backend} {name}: spike {j}: mean peak {m} vs {expected} (deterministic TM) +- {tol}"
            );
        }
    }
}

#[test]
fn mean_psp_matches_deterministic_tsodyks_markram_native() {
    check_mean_against_tm::<Native>("native");
}

#[test]
fn mean_psp_matches_deterministic_tsodyks_markram_nest() {
    check_mean_against_tm::<Nest>("NEST");
}

network! {
    /// PyNN's system test written with `network!`.
    struct Stochastic;

    setup { timestep = 0.1 ms, min_delay = 0.5 ms, seed = 42 }

    pop src = SpikeSourceArray(1) { spike_times = { (0..200).map(|k| 2.5 + 5.0 * k as f64).collect::<Vec<f64>>() } };
    pop cells = IF_cond_exp(4) { tau_syn_E = 1 ms };
    pop other = IF_cond_exp(2);
    connect simple = src -> cells all_to_all() simple_stochastic(p = { vec![0.0, 0.5, 0.5, 1.0] }, weight = 0.5 uS) excitatory;
    connect tm = src -> other all_to_all() stochastic_tsodyks_markram(U = 0.3, tau_facil = 10 ms, weight = 0.1 uS) excitatory;
    connect quantal = src -> other all_to_all() multi_quantal(n = 3, weight = 0.1 uS) excitatory;
    record cells: gsyn_exc;
}

/// `network!` knows the three types (PyNN's defaults for what is not
/// written) and gives the object API's PSPs.
#[test]
fn network_macro_declares_stochastic_synapses() -> Result<()> {
    let (sim, net) = Stochastic::<Native>::setup_and_build()?;
    assert_eq!(net.tm.get_values("U")?, vec![0.3; 2]);
    assert_eq!(net.tm.get_values("tau_rec")?, vec![100.0; 2]);
    assert_eq!(net.quantal.get_values("n")?, vec![3.0; 2]);
    assert_eq!(net.quantal.get_values("tau_rec")?, vec![800.0; 2]);
    assert_eq!(net.simple.get_values("p")?, vec![0.0, 0.5, 0.5, 1.0]);
    sim.run(1000.0)?;
    let block = net.cells.get_data()?;
    let g = block.segments[0].signal("gsyn_exc").unwrap();
    let counts: Vec<usize> = (0..4).map(|i| crossings(&g.column(i), 0.4)).collect();
    // Same seed, same projection id (0) and connections: the object API's counts.
    assert_eq!(counts, simple_stochastic_counts::<Native>());
    Ok(())
}

#[test]
fn bad_parameters_are_clear_errors() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let a = Population::<SpikeSourceArray, Native>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let b = Population::<IF_cond_exp, Native>::new(&sim, 2, IF_cond_exp::default()).unwrap();
    let all = AllToAllConnector::new();
    let expect = |r: Result<Projection<Native>>, name: &str, value: &str| {
        let e = r.err().unwrap_or_else(|| panic!("{name} = {value} accepted"));
        let msg = e.to_string();
        assert!(matches!(e, Error::InvalidValue { .. }), "{msg}");
        assert!(msg.contains(&format!("`{name}`")) && msg.contains(value), "{msg}");
    };
    for p in [1.5, -0.1, f64::NAN] {
        let syn = SimpleStochasticSynapse::new(0.1, 1.0, p);
        expect(Projection::new(&a, &b, &all, syn, None), "p", &format!("{p}"));
    }
    for u in [1.5, -0.1] {
        let syn = StochasticTsodyksMarkramSynapse::new(0.1, 1.0, u, 100.0, 0.0);
        expect(Projection::new(&a, &b, &all, syn, None), "U", &format!("{u}"));
        let syn = MultiQuantalSynapse::new(0.1, 1.0, u, 2.0, 100.0, 0.0);
        expect(Projection::new(&a, &b, &all, syn, None), "U", &format!("{u}"));
    }
    for n in [0.0, 2.5, -1.0] {
        let syn = MultiQuantalSynapse::new(0.1, 1.0, 0.5, n, 100.0, 0.0);
        expect(Projection::new(&a, &b, &all, syn, None), "n", &format!("{n}"));
    }
    let syn = StochasticTsodyksMarkramSynapse::new(0.1, 1.0, 0.5, 0.0, 0.0);
    expect(Projection::new(&a, &b, &all, syn, None), "tau_rec", "0");
    let syn = MultiQuantalSynapse::new(0.1, 1.0, 0.5, 1.0, 100.0, -1.0);
    expect(Projection::new(&a, &b, &all, syn, None), "tau_facil", "-1");
    // PyNN's defaults.
    let d = MultiQuantalSynapse::default();
    assert!(matches!((&d.U, &d.n, &d.tau_rec, &d.tau_facil),
        (Value::Scalar(u), Value::Scalar(n), Value::Scalar(r), Value::Scalar(f)) if *u == 0.5 && *n == 1.0 && *r == 800.0 && *f == 0.0));
    let d = StochasticTsodyksMarkramSynapse::default();
    assert!(matches!((&d.U, &d.tau_rec), (Value::Scalar(u), Value::Scalar(r)) if *u == 0.5 && *r == 100.0));
    assert!(matches!(SimpleStochasticSynapse::default().p, Value::Scalar(p) if p == 0.5));
}

#[test]
fn attributes_read_back() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let a = Population::<SpikeSourceArray, Native>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let b = Population::<IF_cond_exp, Native>::new(&sim, 3, IF_cond_exp::default()).unwrap();
    let prj = Projection::new(
        &a,
        &b,
        &AllToAllConnector::new(),
        MultiQuantalSynapse::new(0.1, 1.0, 0.3, 3.0, 200.0, 10.0),
        None,
    )
    .unwrap();
    assert_eq!(prj.get_values("n").unwrap(), vec![3.0; 6]);
    assert_eq!(prj.get_values("U").unwrap(), vec![0.3; 6]);
    assert_eq!(prj.get_values("tau_facil").unwrap(), vec![10.0; 6]);
    assert_eq!(prj.get_values("weight").unwrap(), vec![0.1; 6]);
}

#[test]
fn nest_has_no_stochastic_tsodyks_markram() {
    let sim = Sim::<Nest>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, Nest>::new(&sim, 1, SpikeSourceArray { spike_times: vec![1.0] }).unwrap();
    let b = Population::<IF_cond_exp, Nest>::new(&sim, 1, IF_cond_exp::default()).unwrap();
    let syn = StochasticTsodyksMarkramSynapse::new(0.1, 1.0, 0.5, 100.0, 0.0);
    let r = Projection::new(&a, &b, &AllToAllConnector::new(), syn, None).and_then(|_| sim.run(5.0).map(drop));
    let e = r.expect_err("NEST has no stochastic_stp_synapse");
    assert!(e.is_unsupported(), "{e}");
    assert!(e.to_string().contains("StochasticTsodyksMarkramSynapse"), "{e}");
}

#[test]
fn brian2_cython_target_is_unsupported() {
    let options = Brian2Options { target: CodeTarget::Cython };
    let sim = Sim::<Brian2>::setup_with(Setup::default(), options).unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, Brian2>::new(&sim, 1, SpikeSourceArray { spike_times: vec![1.0] }).unwrap();
    let b = Population::<IF_cond_exp, Brian2>::new(&sim, 1, IF_cond_exp::default()).unwrap();
    let syn = SimpleStochasticSynapse::new(0.1, 1.0, 0.5);
    let r = Projection::new(&a, &b, &AllToAllConnector::new(), syn, None).and_then(|_| sim.run(5.0).map(drop));
    let e = r.expect_err("the draws are numpy functions");
    assert!(e.is_unsupported() && e.to_string().contains("cython"), "{e}");
}

/// PSP counts of one cell fed 60 spikes through a `SimpleStochasticSynapse`
/// whose `p` is 0.5, then set to 1, then to 0, 20 spikes each: the counts
/// of each third, and the session (to go on with).
fn p_set_between_runs<B>() -> ([usize; 3], Sim<B>)
where
    B: Backend + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 0.5, seed: 7, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let times: Vec<f64> = (0..60).map(|k| 2.5 + 5.0 * k as f64).collect();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: times }).unwrap();
    let cells =
        Population::<IF_cond_exp, B>::new(&sim, 1, IF_cond_exp { tau_syn_E: 1.0, ..Default::default() }).unwrap();
    let syn = SimpleStochasticSynapse { weight: Value::Scalar(0.5), p: Value::Scalar(0.5), ..Default::default() };
    let prj = Projection::new(&src, &cells, &AllToAllConnector::new(), syn, Some("excitatory")).unwrap();
    cells.record("gsyn_exc", None).unwrap();
    sim.run(100.0).unwrap(); // spikes at 2.5 .. 97.5: 20, p = 0.5
    prj.set("p", 1.0).unwrap();
    assert_eq!(prj.get_values("p").unwrap(), vec![1.0]);
    sim.run(100.0).unwrap(); // `run` is a duration: 102.5 .. 197.5, 20, all transmitted
    prj.set("p", 0.0).unwrap();
    sim.run(100.0).unwrap(); // 202.5 .. 297.5: 20, none
    let g = cells.get_data().unwrap().segments[0].signal("gsyn_exc").unwrap().column(0);
    let n = |a: usize, b: usize| crossings(&g[a..b], 0.4);
    ([n(0, 1000), n(1000, 2000), n(2000, g.len())], sim)
}

/// `Projection::set` on a stochastic synapse's parameters (the merge of
/// settable synapse parameters with the stochastic types): after
/// `set("p", 1)` every spike is transmitted, after `set("p", 0)` none;
/// `n` of a multi-quantal synapse must stay a whole number.
#[test]
fn stochastic_parameters_are_settable_on_native() {
    let ([first, second, third], sim) = p_set_between_runs::<Native>();
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    assert!((3..=17).contains(&first), "p = 0.5: about half of 20 spikes ({first})");
    assert_eq!(second, 20, "p = 1 after set: every spike");
    assert_eq!(third, 0, "p = 0 after set: none");

    let b = Population::<IF_cond_exp, Native>::new(&sim, 2, IF_cond_exp::default()).unwrap();
    let q = Projection::new(
        &src,
        &b,
        &AllToAllConnector::new(),
        MultiQuantalSynapse::new(0.1, 1.0, 0.3, 3.0, 200.0, 10.0),
        None,
    )
    .unwrap();
    let e = q.set("n", 2.5).unwrap_err().to_string();
    assert!(e.contains("n") && e.contains("2.5") && e.contains("whole"), "{e}");
    assert_eq!(q.get_values("n").unwrap(), vec![3.0; 2], "a refused value leaves n as it was");
}

/// Brian2 writes `p` set between runs into its `Synapses` (`st_p`) and
/// draws native's numbers: the same PSP counts as native in each third
/// (all 20 after `p = 1`, none after `p = 0`).
#[test]
fn stochastic_p_set_between_runs_on_brian2_equals_native() {
    let (native, _) = p_set_between_runs::<Native>();
    let (brian, _) = p_set_between_runs::<Brian2>();
    assert_eq!(brian[1..], [20, 0], "p = 1 then 0 after set ({brian:?})");
    assert_eq!(brian, native);
}

/// Spike times of the state tests: bursts and pauses (depletion, then
/// recovery), off whole milliseconds so that no spike falls on a sample.
const STATE_TRAIN: [f64; 16] =
    [5.3, 7.1, 9.4, 15.2, 16.4, 30.3, 31.1, 32.2, 60.5, 61.3, 62.1, 100.2, 101.1, 102.3, 103.4, 150.1];
/// `set("U", U_AFTER)` at `T_SET` ms, between the spikes at 32.2 and 60.5.
const T_SET: f64 = 45.0;
const U_AFTER: f64 = 0.8;
const SEED: u64 = 11;

/// The state a stochastic synapse is left in by each spike of
/// `STATE_TRAIN`, from the rules as `pynn_core::synapses::stochastic`
/// documents them (written here again, apart from the engine's), with
/// the draws `release_draw(key, connection, spike, slot)`. `quantal`:
/// `MultiQuantalSynapse` (state `u`, `a`), else the stochastic
/// Tsodyks–Markram model (`u`, `R`).
fn hand_recursion(quantal: bool, key: u64, conn: u64, p: (f64, f64, f64, u32)) -> Vec<(f64, f64)> {
    let big_u = |t: f64| if t > T_SET { U_AFTER } else { p.0 };
    hand_steps(quantal, key, conn, p, &STATE_TRAIN, big_u).into_iter().map(|(u, a, _)| (u, a)).collect()
}

/// [`hand_recursion`] for spikes at `train` (ms, as the synapse sees
/// them) with `U` = `big_u(t)` at each: per spike, the state it leaves
/// (`u`, sites) and the number of quanta it releases.
fn hand_steps(
    quantal: bool,
    key: u64,
    conn: u64,
    p: (f64, f64, f64, u32),
    train: &[f64],
    big_u: impl Fn(f64) -> f64,
) -> Vec<(f64, f64, u32)> {
    use pynn::core::synapses::stochastic::release_draw;
    let (u0, tau_rec, tau_facil, n) = p;
    let (mut u, mut avail, mut t_last, mut t_surv) = if quantal { (u0, n, -1.0, 0.0) } else { (0.0, 1, 0.0, 0.0) };
    let mut out = vec![];
    for (spike, &t) in train.iter().enumerate() {
        let big_u = big_u(t);
        let r = |slot: u64| release_draw(key, conn, spike as u64, slot);
        let released;
        if quantal {
            let mut slot = 0;
            if t_last >= 0.0 {
                let h: f64 = t - t_last;
                let decay = if tau_facil < 1e-10 { 0.0 } else { (-h / tau_facil).exp() };
                u = big_u + u * (1.0 - big_u) * decay;
                let depleted = n - avail;
                for _ in 0..depleted {
                    if r(slot) < 1.0 - (-h / tau_rec).exp() {
                        avail += 1;
                    }
                    slot += 1;
                }
            }
            let mut k = 0;
            for _ in 0..avail {
                k += u32::from(r(slot) < u);
                slot += 1;
            }
            avail -= k;
            released = k;
        } else {
            u = if tau_facil > 0.0 {
                let d = u * (-(t - t_last) / tau_facil).exp();
                d + big_u * (1.0 - d)
            } else {
                big_u
            };
            if avail == 0 {
                if r(0) > (-(t - t_surv) / tau_rec).exp() {
                    avail = 1;
                } else {
                    t_surv = t;
                }
            }
            released = u32::from(avail == 1 && r(1) < u);
            if released == 1 {
                avail = 0;
                t_surv = t;
            }
        }
        t_last = t;
        out.push((u, f64::from(avail), released));
    }
    out
}

/// One source firing `STATE_TRAIN` into three cells through `syn`,
/// sampled every 1 ms, `U` set to `U_AFTER` at `T_SET`: the sample times
/// and, for each of `names`, the history (row-major, three connections).
fn stochastic_state_run<B>(syn: impl SynapseType + 'static, names: [&str; 2]) -> (Vec<f64>, [Vec<f64>; 2])
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 0.1, seed: SEED, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let src = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: STATE_TRAIN.to_vec() })
        .unwrap();
    let cells = Population::<IF_curr_exp, B>::new(&sim, 3, IF_curr_exp::default()).unwrap();
    let prj = Projection::new(&src, &cells, &AllToAllConnector::new(), syn, Some("excitatory")).unwrap();
    prj.record_weights(1.0).unwrap();
    sim.run(T_SET).unwrap();
    prj.set("U", U_AFTER).unwrap();
    sim.run_until(160.0).unwrap();
    let h0 = prj.state_history(names[0]).unwrap();
    let h1 = prj.state_history(names[1]).unwrap();
    assert_eq!(h0.times, h1.times);
    assert_eq!(h0.connections, 3);
    // The state read after the run is the last sample's.
    assert_eq!(prj.get_values(names[1]).unwrap(), h1.weights[h1.weights.len() - 3..].to_vec());
    (h0.times, [h0.weights, h1.weights])
}

/// The expected history of one state variable (`which`: 0 `u`, 1 the
/// sites) of the three connections at `times`: the value left by the
/// latest spike at or before each time, the initial value before the first.
fn expected_history(quantal: bool, p: (f64, f64, f64, u32), times: &[f64], which: usize) -> Vec<f64> {
    use pynn::core::synapses::stochastic::release_key;
    let key = release_key(SEED, 0);
    let per: Vec<Vec<(f64, f64)>> = (0..3).map(|c| hand_recursion(quantal, key, c, p)).collect();
    let initial = if quantal { (p.0, f64::from(p.3)) } else { (0.0, 1.0) };
    let mut out = vec![];
    for t in times {
        let last = STATE_TRAIN.iter().rposition(|s| s <= t);
        for states in &per {
            let s = last.map_or(initial, |k| states[k]);
            out.push(if which == 0 { s.0 } else { s.1 });
        }
    }
    out
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

const STP: (f64, f64, f64, u32) = (0.4, 30.0, 20.0, 1);
const MQ: (f64, f64, f64, u32) = (0.3, 40.0, 10.0, 5);

fn stp_syn() -> StochasticTsodyksMarkramSynapse {
    StochasticTsodyksMarkramSynapse::new(0.5, 1.0, STP.0, STP.1, STP.2)
}

fn mq_syn() -> MultiQuantalSynapse {
    MultiQuantalSynapse::new(0.1, 1.0, MQ.0, f64::from(MQ.3), MQ.1, MQ.2)
}

/// Native: the recorded `u` and `R` (stochastic Tsodyks–Markram), `u` and
/// `a` (multi-quantal, NEST's `quantal_stp_synapse` names) are the hand
/// recursion's with the same draws: `R` and `a` exactly (counts), `u`
/// within 1e-12 (the same formula; rounding of the time differences).
/// The histories move (releases, depletion and recovery both happen), so
/// a wrong rule or draw would show.
#[test]
fn native_stochastic_state_is_the_hand_recursion_of_the_same_draws() {
    for (quantal, names, p) in [(false, ["u", "R"], STP), (true, ["u", "a"], MQ)] {
        let (times, [u, sites]) = if quantal {
            stochastic_state_run::<Native>(mq_syn(), names)
        } else {
            stochastic_state_run::<Native>(stp_syn(), names)
        };
        assert_eq!(times.len(), 161, "samples at 0, 1, ..., 160 ms");
        let (eu, es) = (expected_history(quantal, p, &times, 0), expected_history(quantal, p, &times, 1));
        let du = max_diff(&u, &eu);
        eprintln!("{names:?}: largest u difference {du:e}");
        assert!(du <= 1e-12, "{names:?}: u differs by {du}");
        assert_eq!(sites, es, "{names:?}: {} history", names[1]);
        let distinct: std::collections::BTreeSet<u64> = sites.iter().map(|v| *v as u64).collect();
        assert!(distinct.len() >= 2, "{names:?}: the sites change ({distinct:?})");
        assert!(u.iter().any(|v| (v - U_AFTER).abs() < 0.2 && *v > p.0 + 0.1), "U = 0.8 after 45 ms shows in u");
    }
}

/// Brian2 keeps the same state in its `Synapses` variables (`st_u`,
/// `st_avail`), draws the same numbers and applies `set("U")` between runs:
/// the histories equal native's (counts exactly, `u` within 1e-12).
/// NEURON runs the native rules in Rust: identical histories.
#[test]
fn brian2_and_neuron_stochastic_state_equals_native() {
    for (quantal, names) in [(false, ["u", "R"]), (true, ["u", "a"])] {
        let run = |b: &str| match (b, quantal) {
            ("native", false) => stochastic_state_run::<Native>(stp_syn(), names),
            ("native", true) => stochastic_state_run::<Native>(mq_syn(), names),
            ("brian2", false) => stochastic_state_run::<Brian2>(stp_syn(), names),
            ("brian2", true) => stochastic_state_run::<Brian2>(mq_syn(), names),
            (_, false) => stochastic_state_run::<Neuron>(stp_syn(), names),
            (_, true) => stochastic_state_run::<Neuron>(mq_syn(), names),
        };
        let (nt, [nu, ns]) = run("native");
        for other in ["brian2", "neuron"] {
            let (t, [u, s]) = run(other);
            assert_eq!(t, nt, "{other} {names:?}: sample times");
            let du = max_diff(&u, &nu);
            assert!(du <= 1e-12, "{other} {names:?}: u differs from native's by {du}");
            assert_eq!(s, ns, "{other} {names:?}: {} differs from native's", names[1]);
        }
    }
}

/// What the state API refuses, clearly: setting the state
/// (`Projection::initialize`) on every backend that runs the types, and
/// names that are not state. (NEST records the multi-quantal state over
/// time: `nest_multi_quantal_history_*` at the end of this file.)
#[test]
fn stochastic_state_refusals_are_clear() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let a = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let b = Population::<IF_cond_exp, Native>::new(&sim, 1, IF_cond_exp::default()).unwrap();
    let prj = Projection::new(&a, &b, &AllToAllConnector::new(), mq_syn(), None).unwrap();
    let e = prj.initialize("a", 1.0).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("`a`"), "{e}");
    assert_eq!(prj.get_values("a").unwrap(), vec![5.0], "a = n at first");
    assert_eq!(prj.get_values("u").unwrap(), vec![0.3], "u = U at first");
    let e = prj.state_history("R").unwrap_err();
    assert!(matches!(e, Error::UnknownName { .. }) && e.to_string().contains("allowed: u, a"), "{e}");
    let e = prj.set("u", 0.2).unwrap_err();
    assert!(e.to_string().contains("initialize"), "{e}");
    let simple =
        Projection::new(&a, &b, &AllToAllConnector::new(), SimpleStochasticSynapse::new(0.1, 1.0, 0.5), None).unwrap();
    assert!(matches!(simple.state_history("u"), Err(Error::UnknownName { .. })));

    let sim = Sim::<Brian2>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, Brian2>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let b = Population::<IF_cond_exp, Brian2>::new(&sim, 1, IF_cond_exp::default()).unwrap();
    let prj = Projection::new(&a, &b, &AllToAllConnector::new(), stp_syn(), None).unwrap();
    let e = prj.initialize("R", 0.0).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("`R`"), "{e}");
    let e = prj.set("U", 1.5).unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }) && e.to_string().contains("1.5"), "{e}");
    assert_eq!(prj.get_values("U").unwrap(), vec![STP.0]);

    let sim = Sim::<Nest>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, Nest>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let b = Population::<IF_cond_exp, Nest>::new(&sim, 1, IF_cond_exp::default()).unwrap();
    let prj = Projection::new(&a, &b, &AllToAllConnector::new(), mq_syn(), None).unwrap();
    assert!(prj.state_history("u").unwrap().times.is_empty(), "not recording yet: empty, as on native");
    let e = prj.state_history("R").unwrap_err();
    assert!(matches!(e, Error::UnknownName { .. }) && e.to_string().contains("allowed: u, a"), "{e}");
}

/// The multi-quantal state after a run where it is certain: `U = 1`
/// releases every available site, `tau_rec = 1e9` ms makes a recovery in
/// 20 ms improbable (5 sites x 2e-8), so after spikes at 5, 10 and 15 ms
/// `u = 1` and `a = 0`; before the first spike `u = U`, `a = n` once a run
/// has started. NEST reads its `quantal_stp_synapse`'s `u` and `a` back
/// after each run (its own generator: only such certain values compare);
/// native and Brian2 the same.
fn certain_quantal_state<B>() -> (Vec<f64>, Vec<f64>)
where
    B: Backend + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 0.1, seed: 3, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: vec![5.0, 10.0, 15.0] })
        .unwrap();
    let b = Population::<IF_cond_exp, B>::new(&sim, 2, IF_cond_exp::default()).unwrap();
    let syn = MultiQuantalSynapse::new(0.01, 1.0, 1.0, 5.0, 1e9, 0.0);
    let prj = Projection::new(&a, &b, &AllToAllConnector::new(), syn, None).unwrap();
    sim.run(2.0).unwrap();
    assert_eq!(prj.get_values("a").unwrap(), vec![5.0; 2], "a = n before the first spike");
    assert_eq!(prj.get_values("u").unwrap(), vec![1.0; 2], "u = U before the first spike");
    sim.run(20.0).unwrap();
    (prj.get_values("u").unwrap(), prj.get_values("a").unwrap())
}

#[test]
fn multi_quantal_state_reads_back_on_native_nest_and_brian2() {
    for (backend, (u, a)) in [
        ("native", certain_quantal_state::<Native>()),
        ("NEST", certain_quantal_state::<Nest>()),
        ("Brian2", certain_quantal_state::<Brian2>()),
    ] {
        assert_eq!(u, vec![1.0; 2], "{backend}: u");
        assert_eq!(a, vec![0.0; 2], "{backend}: every site released, none recovered");
    }
}

// ---- Onto precise cells (`spike_precision = "off_grid"`) ----

/// The source of the precise-cell tests: 20 spikes at off-grid times
/// `2.037 + 4.61 k` ms, each reaching its targets 1 ms later.
fn precise_train() -> Vec<f64> {
    (0..20).map(|k| 2.037 + 4.61 * k as f64).collect()
}

/// Weight of one quantum (mV, onto IF_curr_delta) in the precise-cell tests.
const W_Q: f64 = 0.5;
/// IF_curr_delta's defaults: resting potential (mV), membrane time constant (ms).
const E_L: f64 = -65.0;
const TAU_M: f64 = 20.0;

/// One source firing [`precise_train`] through `syn` (weight [`W_Q`],
/// delay 1 ms, all-to-all) into `n` precise `IF_curr_delta` cells
/// (`spike_precision = "off_grid"`, threshold -20 mV: they never fire),
/// 100 ms; the membrane potential of each cell.
fn stochastic_onto_precise<B>(syn: impl SynapseType + 'static, n: usize) -> Vec<Vec<f64>>
where
    B: Backend + Supports<IF_curr_delta> + Supports<SpikeSourceArray>,
{
    let setup = Setup {
        timestep: 0.1,
        min_delay: 0.1,
        seed: SEED,
        spike_precision: SpikePrecision::OffGrid,
        ..Setup::default()
    };
    let sim = Sim::<B>::setup(setup).unwrap_or_else(|e| panic!("{e}"));
    let src =
        Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: precise_train() }).unwrap();
    let cell = IF_curr_delta { v_thresh: -20.0, tau_refrac: 2.0, ..Default::default() };
    let cells = Population::<IF_curr_delta, B>::new(&sim, n, cell).unwrap();
    Projection::new(&src, &cells, &AllToAllConnector::new(), syn, Some("excitatory")).unwrap();
    cells.record(["v"], None).unwrap();
    sim.run(100.0).unwrap();
    let block = cells.get_data().unwrap();
    let v = block.segments[0].signal("v").unwrap();
    let out = (0..n).map(|i| v.column(i)).collect();
    sim.end().unwrap();
    out
}

/// The quanta that arrived at each input of one cell's trace `v` (sample
/// `i` at `i dt`), and the largest distance of a decoded count from a
/// whole number. The delta cell is linear between inputs: an input of `k`
/// quanta at time `a` (one per step at most) makes
/// `(v[g] - E_L) - (v[g-1] - E_L) e^{-dt/tau_m} = k W_Q e^{-(g dt - a)/tau_m}`
/// at the first sample `g` after it. Arriving at the pre-synaptic spike's
/// offset, `k` is whole to rounding (~1e-13); arriving at a grid point
/// instead would leave `k (e^{(g dt - a)/tau_m} - 1)`, ~3e-3 per quantum
/// for the offsets here.
fn decode_quanta(v: &[f64]) -> (Vec<u32>, f64) {
    let dt = 0.1;
    let mut worst = 0.0f64;
    let counts = precise_train()
        .iter()
        .map(|t| {
            let a = t + 1.0;
            let g = (a / dt).ceil() as usize;
            let jump = (v[g] - E_L) - (v[g - 1] - E_L) * (-dt / TAU_M).exp();
            let k = jump / (W_Q * (-(g as f64 * dt - a) / TAU_M).exp());
            worst = worst.max((k - k.round()).abs());
            k.round() as u32
        })
        .collect();
    (counts, worst)
}

/// The stamps (ends of their steps) of [`precise_train`]: the times the
/// stochastic rules see, as NEST's (`e.get_stamp().get_ms()` in
/// `models/quantal_stp_synapse.h`).
fn precise_stamps() -> Vec<f64> {
    precise_train().iter().map(|t| (t / 0.1).ceil() * 0.1).collect()
}

const SIMPLE_P: f64 = 0.5;
const MQ_PRECISE: (f64, f64, f64, u32) = (0.3, 40.0, 10.0, 5);
const STP_PRECISE: (f64, f64, f64, u32) = (0.4, 30.0, 20.0, 1);

/// The three stochastic types onto precise cells on the native engine:
/// the quanta decoded from each cell's membrane potential (whole numbers
/// to 1e-9: every transmission arrives at the pre-synaptic spike's
/// offset, see [`decode_quanta`]) equal, spike by spike, the hand
/// recursion of the same draws (`release_draw(key, connection, spike,
/// slot)`, the session's keyed streams, as on grid cells) at the spikes'
/// grid stamps. Each type transmits some spikes and not others (the test
/// sees the draws).
#[test]
fn native_stochastic_onto_precise_cells_is_the_hand_recursion_of_the_same_draws() {
    use pynn::core::synapses::stochastic::{release_draw, release_key};
    let key = release_key(SEED, 0);
    let stamps = precise_stamps();
    let n = 4;
    // (type, synapse, hand recursion of a connection's quanta per spike)
    type Hand<'a> = Box<dyn Fn(u64) -> Vec<u32> + 'a>;
    let cases: Vec<(&str, Box<dyn SynapseType>, Hand)> = vec![
        (
            "SimpleStochasticSynapse",
            Box::new(SimpleStochasticSynapse::new(W_Q, 1.0, SIMPLE_P)),
            Box::new(|c| (0..20).map(|s| u32::from(release_draw(key, c, s, 0) < SIMPLE_P)).collect()),
        ),
        (
            "MultiQuantalSynapse",
            Box::new(MultiQuantalSynapse::new(W_Q, 1.0, MQ_PRECISE.0, 5.0, MQ_PRECISE.1, MQ_PRECISE.2)),
            Box::new(|c| hand_steps(true, key, c, MQ_PRECISE, &stamps, |_| MQ_PRECISE.0).iter().map(|s| s.2).collect()),
        ),
        (
            "StochasticTsodyksMarkramSynapse",
            Box::new(StochasticTsodyksMarkramSynapse::new(W_Q, 1.0, STP_PRECISE.0, STP_PRECISE.1, STP_PRECISE.2)),
            Box::new(|c| {
                hand_steps(false, key, c, STP_PRECISE, &stamps, |_| STP_PRECISE.0).iter().map(|s| s.2).collect()
            }),
        ),
    ];
    for (name, syn, hand) in cases {
        let v = stochastic_onto_precise::<Native>(syn, n);
        let mut distinct = std::collections::BTreeSet::new();
        for (c, trace) in v.iter().enumerate() {
            let (got, off) = decode_quanta(trace);
            eprintln!("{name} cell {c}: quanta {got:?} (largest distance from whole: {off:.1e})");
            assert!(off < 1e-9, "{name} cell {c}: quanta {off} from whole numbers: not at the exact offset");
            assert_eq!(got, hand(c as u64), "{name} cell {c}");
            distinct.extend(got);
        }
        assert!(distinct.contains(&0) && distinct.len() >= 2, "{name}: some transmit, some not ({distinct:?})");
    }
}

/// Mean and sample variance of each column of `rows` (one row per cell,
/// one column per input spike).
fn column_stats(rows: &[Vec<u32>]) -> Vec<(f64, f64)> {
    let n = rows.len() as f64;
    (0..rows[0].len())
        .map(|k| {
            let mean = rows.iter().map(|r| f64::from(r[k])).sum::<f64>() / n;
            let var = rows.iter().map(|r| (f64::from(r[k]) - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var)
        })
        .collect()
}

/// `SimpleStochasticSynapse` (NEST's `bernoulli_synapse`) and
/// `MultiQuantalSynapse` (`quantal_stp_synapse`) onto NEST's
/// `iaf_psc_delta_ps` against the native engine, 400 cells each. NEST
/// draws its own numbers, so the comparison is statistical; what is not
/// random is tested exactly: on NEST too every transmission arrives at the
/// pre-synaptic spike's offset (decoded quanta whole to 1e-9, see
/// [`decode_quanta`]). Statistic: for each of the 20 input spikes, the
/// mean number of quanta per cell on NEST minus that on native, within 5
/// standard errors of the difference (`5 sqrt(s_nest^2 / N + s_native^2 /
/// N)`, sample variances; a difference of means of independent samples of
/// 400, nearly normal: a false alarm about once in 1.7 million per
/// spike), and the same for the mean over all spikes (8000 draws each). A
/// rule that differed in the mean by a tenth of a quantum per spike (e.g.
/// no recovery, or U for u) would exceed it: 5 standard errors of the
/// overall mean are 0.04 (simple) and 0.064 (multi-quantal) quanta
/// (measured: differences 0.002 and 0.0000).
#[test]
fn nest_stochastic_onto_precise_cells_agrees_statistically() {
    let n = 400;
    type Make = fn() -> Box<dyn SynapseType>;
    let cases: [(&str, Make); 2] = [
        ("SimpleStochasticSynapse", || Box::new(SimpleStochasticSynapse::new(W_Q, 1.0, SIMPLE_P))),
        ("MultiQuantalSynapse", || {
            Box::new(MultiQuantalSynapse::new(W_Q, 1.0, MQ_PRECISE.0, 5.0, MQ_PRECISE.1, MQ_PRECISE.2))
        }),
    ];
    for (name, make) in cases {
        let mut quanta = vec![];
        for (backend, v) in [
            ("native", stochastic_onto_precise::<Native>(make(), n)),
            ("NEST", stochastic_onto_precise::<Nest>(make(), n)),
        ] {
            let rows: Vec<Vec<u32>> = v
                .iter()
                .enumerate()
                .map(|(c, trace)| {
                    let (got, off) = decode_quanta(trace);
                    assert!(off < 1e-9, "{backend} {name} cell {c}: quanta {off} from whole numbers");
                    got
                })
                .collect();
            quanta.push(rows);
        }
        let (native, nest) = (column_stats(&quanta[0]), column_stats(&quanta[1]));
        let nn = n as f64;
        for (k, ((m0, v0), (m1, v1))) in native.iter().zip(&nest).enumerate() {
            let bound = 5.0 * (v0 / nn + v1 / nn).sqrt();
            eprintln!("{name} spike {k}: mean quanta native {m0:.3} NEST {m1:.3} (bound {bound:.3})");
            assert!((m1 - m0).abs() <= bound, "{name} spike {k}: NEST {m1} vs native {m0} +- {bound}");
        }
        // Every (cell, spike) as one sample of a single column.
        let flat = |rows: &[Vec<u32>]| rows.iter().flatten().map(|q| vec![*q]).collect::<Vec<Vec<u32>>>();
        let (all0, all1) = (column_stats(&flat(&quanta[0]))[0], column_stats(&flat(&quanta[1]))[0]);
        let big_n = (n * 20) as f64;
        let bound = 5.0 * (all0.1 / big_n + all1.1 / big_n).sqrt();
        eprintln!("{name}: mean quanta per spike native {:.4} NEST {:.4} (bound {bound:.4})", all0.0, all1.0);
        assert!((all1.0 - all0.0).abs() <= bound, "{name}: NEST {} vs native {} +- {bound}", all1.0, all0.0);
        // Both transmit: a backend dropping every spike would pass the
        // comparison only if the other did too.
        assert!(all0.0 > 0.2 && all1.0 > 0.2, "{name}: {} {}", all0.0, all1.0);
    }
}

/// NEST has no stochastic Tsodyks–Markram model, onto precise cells
/// either: the same `Error::Unsupported` as on the grid.
#[test]
fn nest_has_no_stochastic_tsodyks_markram_onto_precise_cells() {
    let setup = Setup { spike_precision: SpikePrecision::OffGrid, ..Setup::default() };
    let sim = Sim::<Nest>::setup(setup).unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, Nest>::new(&sim, 1, SpikeSourceArray { spike_times: vec![1.03] }).unwrap();
    let b = Population::<IF_curr_exp, Nest>::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let syn = StochasticTsodyksMarkramSynapse::new(0.1, 1.0, 0.5, 100.0, 0.0);
    let r = Projection::new(&a, &b, &AllToAllConnector::new(), syn, None).and_then(|_| sim.run(5.0).map(drop));
    let e = r.expect_err("NEST has no stochastic_stp_synapse");
    assert!(e.is_unsupported(), "{e}");
    assert!(e.to_string().contains("StochasticTsodyksMarkramSynapse"), "{e}");
}

// ---- MultiQuantalSynapse state over time on NEST (record_weights; issue 18) ----

/// `u` and `a` histories of `n_cells` multi-quantal synapses (one source
/// firing at `spikes` into `n_cells` cells), sampled every 1 ms up to
/// `t_stop`: (times, u row-major, a row-major).
fn quantal_history<B>(syn: MultiQuantalSynapse, spikes: &[f64], n_cells: usize, t_stop: f64) -> [Vec<f64>; 3]
where
    B: Backend + Supports<IF_cond_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 0.1, seed: 3, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray { spike_times: spikes.to_vec() }).unwrap();
    let b = Population::<IF_cond_exp, B>::new(&sim, n_cells, IF_cond_exp::default()).unwrap();
    let prj = Projection::new(&a, &b, &AllToAllConnector::new(), syn, None).unwrap();
    prj.record_weights(1.0).unwrap();
    sim.run(t_stop).unwrap();
    let (u, av) = (prj.state_history("u").unwrap(), prj.state_history("a").unwrap());
    assert_eq!(u.times, av.times);
    // The last sample is the state read after the run.
    assert_eq!(av.weights[av.weights.len() - n_cells..], prj.get_values("a").unwrap()[..]);
    sim.end().unwrap();
    [u.times, u.weights, av.weights]
}

/// Where the multi-quantal state is certain (`U = 1`: every available site
/// releases; `tau_rec = 1e9` ms: a recovery within 20 ms has probability
/// 5 x 2e-8), NEST's `u`, `a` histories (its own generator) equal native's
/// exactly at every sample: `u = 1` throughout, `a = n = 5` before the
/// first spike at 5 ms, 0 from it on.
#[test]
fn nest_multi_quantal_history_equals_native_where_it_is_certain() {
    let syn = || MultiQuantalSynapse::new(0.01, 1.0, 1.0, 5.0, 1e9, 0.0);
    let spikes = [5.0, 10.0, 15.0];
    let [t, u, a] = quantal_history::<Nest>(syn(), &spikes, 2, 20.0);
    let [nt, nu, na] = quantal_history::<Native>(syn(), &spikes, 2, 20.0);
    assert_eq!(t, nt);
    assert_eq!(t.len(), 21, "samples at 0, 1, ..., 20 ms");
    assert_eq!(u, nu, "u");
    assert_eq!(a, na, "a");
    let expected: Vec<f64> = t.iter().flat_map(|t| [if *t < 5.0 { 5.0 } else { 0.0 }; 2]).collect();
    assert_eq!(a, expected, "a: n before the first spike, none left after it");
    assert!(u.iter().all(|x| *x == 1.0), "u = U = 1");
}

/// Statistically where NEST draws its own numbers: 400 synapses, `n = 5`,
/// `U = 0.3`, no facilitation (`u = U` at every spike on both backends,
/// exactly) and no recovery (`tau_rec = 1e9` ms): after `k` spikes each
/// site is still available with probability `0.7^k`, so the mean of `a`
/// over the synapses at every sample is `5 * 0.7^k`, within 5 standard
/// deviations of the mean of 400 Binomial(5, 0.7^k) values, on NEST and
/// on native; `u` is 0.3 at every sample on both.
#[test]
fn nest_multi_quantal_history_has_the_expected_mean() {
    let syn = || MultiQuantalSynapse::new(0.01, 1.0, 0.3, 5.0, 1e9, 0.0);
    let spikes = [5.0, 10.0, 15.0, 20.0];
    let n = 400;
    for (backend, [t, u, a]) in [
        ("NEST", quantal_history::<Nest>(syn(), &spikes, n, 25.0)),
        ("native", quantal_history::<Native>(syn(), &spikes, n, 25.0)),
    ] {
        assert_eq!(t.len(), 26, "{backend}: samples at 0, 1, ..., 25 ms");
        assert!(u.iter().all(|x| (x - 0.3).abs() < 1e-15), "{backend}: u = U");
        for (k, time) in t.iter().enumerate() {
            let spikes_before = spikes.iter().filter(|s| **s <= *time + 1e-9).count() as i32;
            let p = 0.7f64.powi(spikes_before);
            let mean = a[k * n..(k + 1) * n].iter().sum::<f64>() / n as f64;
            let sd = (5.0 * p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (mean - 5.0 * p).abs() <= 5.0 * sd + 1e-12,
                "{backend} at {time} ms: mean a = {mean}, expected {} +- {}",
                5.0 * p,
                5.0 * sd
            );
        }
    }
}

/// PyNN 0.13 runs `StochasticTsodyksMarkramSynapse` on NEST as
/// `stochastic_stp_synapse` (pyNN/nest/standardmodels/synapses.py), a
/// model of PyNN's own NEST extension module, not of NEST 3.10: the
/// `Error::Unsupported` says so and names the alternatives.
#[test]
fn nest_stochastic_tsodyks_markram_error_names_pynns_extension() {
    let sim = Sim::<Nest>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let a = Population::<SpikeSourceArray, Nest>::new(&sim, 1, SpikeSourceArray { spike_times: vec![1.0] }).unwrap();
    let b = Population::<IF_cond_exp, Nest>::new(&sim, 1, IF_cond_exp::default()).unwrap();
    let e = Projection::new(&a, &b, &AllToAllConnector::new(), stp_syn(), None).map(drop).unwrap_err();
    let m = e.to_string();
    assert!(e.is_unsupported(), "{m}");
    for part in ["stochastic_stp_synapse", "pynn_extensions", "NEST 3.10", "native", "MultiQuantalSynapse"] {
        assert!(m.contains(part), "`{part}` missing from: {m}");
    }
}
