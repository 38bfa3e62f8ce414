//! Tsodyks–Markram synapse state recorded like weights
//! (`Projection::state_history`, PyNN issue #441) and synapse parameters
//! set after a projection is made (`Projection::set("U", ..)`, PyNN's
//! `prj.set(U=0.2)`), on the native engine, NEURON, Brian2 and (state at
//! run boundaries) NEST 3.10.
//!
//! The reference is the Tsodyks–Markram recursion written here from the
//! model's equations (Tsodyks, Uziel and Markram 2000, as NEST's
//! `tsodyks_synapse` documents them): between pre-synaptic spikes
//! `dy/dt = -y / tau_psc`, `dz/dt = y / tau_psc - z / tau_rec`,
//! `x = 1 - y - z`, `du/dt = -u / tau_facil`, solved in closed form; at a
//! spike `u <- u + U (1 - u)`, then `u x` moves from `x` to `y` and `w u x` is
//! transmitted. The engine computes the same in NEST's propagator form, so
//! the two differ by rounding only: 1e-12 on `u`, `x` (numbers of order 1,
//! a dozen spikes), and 1e-9 mV on membrane potentials of a few mV.

use pynn::core::Backend;
use pynn::prelude::*;

const DT: f64 = 0.1;
const TAU_SYN: f64 = 2.5; // the post cells' tau_syn_E: the synapse's tau_psc
const W: f64 = 0.5; // nA
const DELAY: f64 = 1.0; // ms
const TAU_REC: f64 = 80.0;
const TAU_FACIL: f64 = 40.0;

/// Pre-synaptic spike times: a regular train, 15 ms apart, from 12 ms.
fn train() -> Vec<f64> {
    (0..12).map(|k| 12.0 + 15.0 * k as f64).collect()
}

/// The analytic recursion: `(u, x, y)` after each spike of `times`, and
/// the transmitted weight of each, with `U` switched to `u_after` for
/// spikes after `t_change`.
fn analytic(times: &[f64], u_param: f64, u_after: f64, t_change: f64) -> (Vec<[f64; 3]>, Vec<f64>) {
    let (mut u, mut x, mut y, mut t_last) = (0.0f64, 1.0f64, 0.0f64, 0.0f64);
    let (mut states, mut weights) = (vec![], vec![]);
    for &t in times {
        let h = t - t_last;
        let z = 1.0 - x - y;
        let (er, ep) = ((-h / TAU_REC).exp(), (-h / TAU_SYN).exp());
        let z_new = z * er + y * TAU_REC / (TAU_REC - TAU_SYN) * (er - ep);
        y *= ep;
        x = 1.0 - y - z_new;
        u *= (-h / TAU_FACIL).exp();
        let big_u = if t > t_change { u_after } else { u_param };
        u += big_u * (1.0 - u);
        let delta = u * x;
        x -= delta;
        y += delta;
        t_last = t;
        states.push([u, x, y]);
        weights.push(W * delta);
    }
    (states, weights)
}

/// Sample times, `u`, `x` and `y` of the first connection.
type History = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// What one network gives: the source's spike times, `u` and `x`
/// histories (times, first connection), the TM cell's and the reference
/// cell's membrane potential.
struct Out {
    spikes: Vec<f64>,
    hist: Option<History>,
    boundary_state: Vec<(f64, f64, f64)>,
    v_tm: Vec<f64>,
    v_ref: Vec<f64>,
}

/// One source firing `train()` into a cell through a Tsodyks–Markram
/// synapse (`U = 0.5` at creation), runs to `t_change`, sets `U = 0.2`,
/// runs to 200 ms. A second cell gets each spike through a static
/// synapse of the weight the analytic recursion transmits (one
/// `SpikeSourceArray` per spike), so its potential is the PSP sum the
/// recursion predicts. `record`: sample the state every 1 ms.
fn run_net<B>(t_change: f64, record: bool) -> Out
where
    B: Backend + pynn::core::backend::Supports<IF_curr_exp> + pynn::core::backend::Supports<SpikeSourceArray>,
{
    run_net_md::<B>(t_change, record, DT)
}

/// [`run_net`] with `min_delay` (ms).
fn run_net_md<B>(t_change: f64, record: bool, min_delay: f64) -> Out
where
    B: Backend + pynn::core::backend::Supports<IF_curr_exp> + pynn::core::backend::Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(Setup { timestep: DT, min_delay, max_delay: 10.0, seed: 5, ..Setup::default() }).unwrap();
    let cell = IF_curr_exp { tau_syn_E: TAU_SYN, v_thresh: 0.0, ..IF_curr_exp::default() };
    let post = Population::<IF_curr_exp, B>::new(&sim, 2, cell).unwrap();
    let pre = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    pre.set("spike_times", vec![train()]).unwrap();
    let syn = TsodyksMarkramSynapse::new(W, DELAY, 0.5, TAU_REC, TAU_FACIL);
    let prj = Projection::new(&pre, &post, &FromListConnector::new(vec![(0, 0)]), syn, Some("excitatory")).unwrap();
    let (_, w) = analytic(&train(), 0.5, 0.2, t_change);
    let single = Population::<SpikeSourceArray, B>::new(&sim, w.len(), SpikeSourceArray::default()).unwrap();
    single.set("spike_times", train().iter().map(|t| vec![*t]).collect::<Vec<_>>()).unwrap();
    let list: Vec<(usize, usize)> = (0..w.len()).map(|k| (k, 1)).collect();
    Projection::new(&single, &post, &FromListConnector::new(list), StaticSynapse::new(w, DELAY), Some("excitatory"))
        .unwrap();
    post.record(["v"], None).unwrap();
    pre.record(["spikes"], None).unwrap();
    if record {
        prj.record_weights(1.0).unwrap();
    }
    let mut boundary_state = vec![];
    sim.run(t_change).unwrap();
    let st = |n: &str| prj.get_values(n).unwrap()[0];
    boundary_state.push((t_change, st("u"), st("x")));
    prj.set("U", 0.2).unwrap();
    assert_eq!(prj.get_values("U").unwrap(), vec![0.2]);
    for t in [150.0, 200.0] {
        sim.run_until(t).unwrap();
        boundary_state.push((t, st("u"), st("x")));
    }
    let hist = record.then(|| {
        let (u, x, y) =
            (prj.state_history("u").unwrap(), prj.state_history("x").unwrap(), prj.state_history("y").unwrap());
        assert_eq!(u.times, x.times);
        assert_eq!(u.times, y.times);
        (u.times.clone(), u.connection(0), x.connection(0), y.connection(0))
    });
    let block = post.get_data().unwrap();
    let seg = block.segments.last().unwrap();
    let v = seg.signal("v").unwrap();
    let spikes = pre.get_data().unwrap().segments.last().unwrap().spiketrain(0).unwrap().times.clone();
    Out { spikes, hist, boundary_state, v_tm: v.column(0), v_ref: v.column(1) }
}

/// The analytic `(u, x)` at time `t`: left by the latest spike at or
/// before `t` (initial `(0, 1)` before the first).
fn state_at(t: f64, times: &[f64], states: &[[f64; 3]]) -> (f64, f64) {
    match times.iter().rposition(|s| *s <= t + 1e-9) {
        Some(k) => (states[k][0], states[k][1]),
        None => (0.0, 1.0),
    }
}

fn assert_close(what: &str, ours: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(ours.len(), expected.len(), "{what}: length");
    let worst = ours.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    eprintln!("{what}: largest difference {worst:.2e}");
    assert!(worst <= tol, "{what}: largest difference {worst:e} > {tol:e}");
}

#[test]
fn native_u_x_history_is_the_analytic_recursion_with_u_changed_mid_train() {
    // U changes at 95 ms: spikes at 12, 27, ..., 87 use 0.5, from 102 on 0.2.
    let out = run_net::<Native>(95.0, true);
    assert_eq!(out.spikes, train(), "the source fires the train");
    let (states, _) = analytic(&train(), 0.5, 0.2, 95.0);
    let (times, u, x, _) = out.hist.unwrap();
    // One sample per ms from 0 ms on.
    assert!(times.len() >= 200, "{} samples", times.len());
    assert_eq!(times[0], 0.0);
    let expected: Vec<(f64, f64)> = times.iter().map(|t| state_at(*t, &train(), &states)).collect();
    assert_close("u history", &u, &expected.iter().map(|e| e.0).collect::<Vec<_>>(), 1e-12);
    assert_close("x history", &x, &expected.iter().map(|e| e.1).collect::<Vec<_>>(), 1e-12);
    // The history has samples on both sides of every spike (u rises at
    // each, with U = 0.5 then 0.2): the test would see a wrong U.
    let at = |t: f64| u[times.iter().position(|s| (*s - t).abs() < 1e-9).unwrap()];
    assert!((at(12.0) - 0.5).abs() < 1e-12 && at(11.0) == 0.0);
    let (unchanged, _) = analytic(&train(), 0.5, 0.5, 95.0);
    assert!((at(102.0) - unchanged[6][0]).abs() > 0.05, "U = 0.2 acts from the spike at 102 ms");
    // The PSPs follow the recursion: the TM cell's potential is the
    // reference cell's (the analytic weights through static synapses).
    assert_close("v (TM vs analytic PSPs)", &out.v_tm, &out.v_ref, 1e-9);
    // And the state read at the run boundaries is the history's.
    for (t, bu, bx) in out.boundary_state {
        let (eu, ex) = state_at(t, &train(), &states);
        assert!((bu - eu).abs() < 1e-12 && (bx - ex).abs() < 1e-12, "t = {t}: ({bu}, {bx}) vs ({eu}, {ex})");
    }
}

#[test]
fn native_u_changed_before_the_first_spike_equals_u_from_the_start() {
    // Changed at 5 ms, before the first spike at 12 ms: the projection is
    // the one made with U = 0.2, whose PSPs the reference cell sums.
    let out = run_net::<Native>(5.0, false);
    let (states, w) = analytic(&train(), 0.2, 0.2, 0.0);
    assert!((w[0] - W * 0.2).abs() < 1e-15, "first efficacy U = 0.2");
    assert_close("v (U set at 5 ms vs U = 0.2 from the start)", &out.v_tm, &out.v_ref, 1e-9);
    let (t, u, _) = out.boundary_state[2];
    assert_eq!(t, 200.0);
    assert!((u - states.last().unwrap()[0]).abs() < 1e-12);
}

#[test]
fn state_history_names_and_backends() {
    let sim = Sim::<Native>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let pre = Population::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let post = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let tm = TsodyksMarkramSynapse::new(W, DELAY, 0.5, TAU_REC, 0.0);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::new(), tm, None).unwrap();
    // Not recording yet: empty.
    assert!(prj.state_history("u").unwrap().times.is_empty());
    // Not a state variable: the usual unknown-name error.
    let e = prj.state_history("U").unwrap_err();
    assert!(matches!(e, Error::UnknownName { .. }), "{e}");
    // A projection without synaptic state.
    let stat = Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None).unwrap();
    assert!(matches!(stat.state_history("u"), Err(Error::UnknownName { .. })));
    // Recording and a reset: cleared.
    prj.record_weights(1.0).unwrap();
    sim.run(10.0).unwrap();
    assert_eq!(prj.state_history("x").unwrap().times.len(), 11);
    assert_eq!(prj.state_history("x").unwrap().weights, vec![1.0; 11]);
    sim.reset().unwrap();
    assert!(prj.state_history("x").unwrap().times.is_empty());
}

#[test]
fn synapse_parameters_are_checked_and_projection_wide_ones_take_one_value() {
    let sim = Sim::<Native>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let pre = Population::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let post = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.012), AdditiveWeightDependence::new(0.0, 1.0))
        .with(0.5, 1.0);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::new(), stdp, None).unwrap();
    prj.set("A_plus", vec![0.02, 0.03]).unwrap();
    assert_eq!(prj.get_values("A_plus").unwrap(), vec![0.02, 0.03]);
    prj.set("tau_minus", 30.0).unwrap();
    assert_eq!(prj.get_values("tau_minus").unwrap(), vec![30.0; 2]);
    // Kept by reset().
    sim.reset().unwrap();
    assert_eq!(prj.get_values("A_plus").unwrap(), vec![0.02, 0.03]);
    // One value per projection.
    let e = prj.set("tau_minus", vec![10.0, 20.0]).unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }) && e.to_string().contains("tau_minus"), "{e}");
    // Domains: a time constant > 0, w_min <= w_max; nothing changes.
    let e = prj.set("tau_plus", -1.0).unwrap_err();
    assert!(e.to_string().contains("tau_plus") && e.to_string().contains("-1"), "{e}");
    let e = prj.set("w_max", vec![0.5, -0.1]).unwrap_err();
    assert!(e.to_string().contains("w_max"), "{e}");
    prj.set("w_min", 0.2).unwrap();
    let e = prj.set("w_max", 0.1).unwrap_err();
    assert!(e.to_string().contains("w_min <= w_max"), "{e}");
    assert_eq!(prj.get_values("w_max").unwrap(), vec![1.0; 2]);
    // State is not a parameter.
    let tm = TsodyksMarkramSynapse::new(W, DELAY, 0.5, TAU_REC, 0.0);
    let tmp = Projection::new(&pre, &post, &AllToAllConnector::new(), tm, None).unwrap();
    let e = tmp.set("u", 0.1).unwrap_err();
    assert!(e.to_string().contains("initialize"), "{e}");
}

/// NEST: `prj.set("U", ..)` between runs goes to the connections
/// (`SetStatus`), and the state NEST's `GetStatus` shows at each run's end
/// (`get_values("u")`, read after every run) is the native history's
/// sample at that time and the recursion's. (The history on NEST:
/// `nest_u_x_y_history_equals_native_and_the_recursion`.)
#[test]
fn nest_u_set_between_runs_and_state_at_run_boundaries() {
    let nest = run_net::<Nest>(95.0, false);
    let native = run_net::<Native>(95.0, true);
    assert_eq!(nest.spikes, train());
    let (states, _) = analytic(&train(), 0.5, 0.2, 95.0);
    let (times, u, x, _) = native.hist.unwrap();
    for (t, bu, bx) in &nest.boundary_state {
        let (eu, ex) = state_at(*t, &train(), &states);
        assert!((bu - eu).abs() < 1e-12 && (bx - ex).abs() < 1e-12, "NEST at {t}: ({bu}, {bx}) vs ({eu}, {ex})");
        if let Some(k) = times.iter().position(|s| (s - t).abs() < 1e-9) {
            assert!((u[k] - bu).abs() < 1e-12 && (x[k] - bx).abs() < 1e-12, "native history vs NEST at {t}");
        }
    }
    // NEST's PSPs with U changed are the recursion's (same NEST run:
    // tolerance of rounding in pA and of NEST's propagators, 1e-9 mV).
    assert_close("NEST v (TM vs analytic PSPs)", &nest.v_tm, &nest.v_ref, 1e-9);
    // And the native engine's trace equals NEST's (1e-6 mV: the model
    // library's tolerance, tests/nest_agreement.rs).
    assert_close("native vs NEST v", &native.v_tm, &nest.v_tm, 1e-6);
    // Changed before the first spike: as made with U = 0.2.
    let early = run_net::<Nest>(5.0, false);
    assert_close("NEST v (U set at 5 ms)", &early.v_tm, &early.v_ref, 1e-9);
}

/// The `u`, `x`, `y` histories on NEST (the run stopped at every sample
/// time and the connections' state read with `GetStatus`, PyNN's weight
/// recorder) equal native's and the recursion's within 1e-12 (the same
/// rounding bound as native against the recursion, above: NEST's
/// `tsodyks_synapse` stores the state left by the latest spike, which is
/// what native samples), with `min_delay = dt` and with `min_delay = 0.5
/// ms`, where NEST applies pre-synaptic spikes to the synapses once per
/// 5-step slice. Stopping at the samples changes nothing: the recorded
/// run's membrane traces are bit-identical to the unrecorded run's.
#[test]
fn nest_u_x_y_history_equals_native_and_the_recursion() {
    let (states, _) = analytic(&train(), 0.5, 0.2, 95.0);
    for md in [DT, 0.5] {
        let nest = run_net_md::<Nest>(95.0, true, md);
        let native = run_net_md::<Native>(95.0, true, md);
        let plain = run_net_md::<Nest>(95.0, false, md);
        assert_eq!(nest.spikes, train(), "min_delay {md}");
        let ((t, u, x, y), (nt, nu, nx, ny)) = (nest.hist.unwrap(), native.hist.unwrap());
        assert_eq!(t, nt, "min_delay {md}: the same sample times");
        assert_eq!(t.len(), 201, "min_delay {md}: samples at 0, 1, ..., 200 ms");
        assert_close(&format!("NEST vs native u history (min_delay {md})"), &u, &nu, 1e-12);
        assert_close(&format!("NEST vs native x history (min_delay {md})"), &x, &nx, 1e-12);
        assert_close(&format!("NEST vs native y history (min_delay {md})"), &y, &ny, 1e-12);
        let last = |t: f64| train().iter().rposition(|s| *s <= t + 1e-9);
        let expected =
            |k: usize, init: f64| -> Vec<f64> { t.iter().map(|t| last(*t).map_or(init, |i| states[i][k])).collect() };
        assert_close(&format!("NEST u history (min_delay {md})"), &u, &expected(0, 0.0), 1e-12);
        assert_close(&format!("NEST x history (min_delay {md})"), &x, &expected(1, 1.0), 1e-12);
        assert_close(&format!("NEST y history (min_delay {md})"), &y, &expected(2, 0.0), 1e-12);
        // A sample at a spike's time holds that spike (u jumps from 0 to U
        // at 12 ms), the one before does not: the slice rule is right.
        let at = |t0: f64| u[t.iter().position(|s| (*s - t0).abs() < 1e-9).unwrap()];
        assert!(at(11.0) == 0.0 && (at(12.0) - 0.5).abs() < 1e-12, "min_delay {md}: u at 11, 12 ms");
        assert_eq!(nest.v_tm, plain.v_tm, "min_delay {md}: recording changes NEST's v");
        assert_eq!(nest.v_ref, plain.v_ref, "min_delay {md}: recording changes NEST's v");
        assert_close(&format!("native vs NEST v (min_delay {md})"), &native.v_tm, &nest.v_tm, 1e-6);
    }
}

/// Sampling intervals: the core's checks (0, negative, not a multiple of
/// dt, not finite) give the same error on NEST as on native; on NEST an
/// interval must also be a multiple of `min_delay` (NEST applies spikes
/// to synapses once per slice), else `Error::Unsupported` naming the
/// projection, the interval and `min_delay`; a static projection's
/// weights are not sampled on either.
#[test]
fn nest_sampling_intervals_are_checked_as_on_native() {
    fn errors<B>(min_delay: f64) -> Vec<Error>
    where
        B: Backend + pynn::core::backend::Supports<IF_curr_exp> + pynn::core::backend::Supports<SpikeSourceArray>,
    {
        let sim = Sim::<B>::setup(Setup { timestep: DT, min_delay, ..Setup::default() }).unwrap();
        let pre = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
        let post = Population::<IF_curr_exp, B>::new(&sim, 1, IF_curr_exp::default()).unwrap();
        let tm = TsodyksMarkramSynapse::new(W, DELAY, 0.5, TAU_REC, 0.0);
        let prj = Projection::new(&pre, &post, &AllToAllConnector::new(), tm, None).unwrap();
        let mut out: Vec<Error> =
            [0.0, -1.0, 0.25, f64::NAN].iter().map(|i| prj.record_weights(*i).unwrap_err()).collect();
        let st = Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None).unwrap();
        out.push(st.record_weights(1.0).unwrap_err());
        // Not recording yet: an empty history, as on native.
        assert!(prj.state_history("u").unwrap().times.is_empty());
        assert!(prj.weight_history().unwrap().times.is_empty());
        if min_delay > DT
            && let Err(e) = prj.record_weights(0.3)
        {
            out.push(e);
        }
        sim.end().unwrap();
        out
    }
    let (native, nest) = (errors::<Native>(DT), errors::<Nest>(DT));
    for (k, (a, b)) in native[..4].iter().zip(&nest[..4]).enumerate() {
        assert!(matches!(b, Error::InvalidValue { .. }), "{b}");
        assert_eq!(a.to_string(), b.to_string(), "interval {k}");
        assert!(b.to_string().contains("sampling_interval"), "{b}");
    }
    assert!(native[4].to_string().contains("static") && nest[4].to_string().contains("static"), "{:?}", &nest[4]);
    let e = errors::<Nest>(0.5).pop().unwrap();
    eprintln!("{e}");
    let m = e.to_string();
    assert!(e.is_unsupported() && m.contains("0.3") && m.contains("min_delay") && m.contains("0.5"), "{m}");
    // Native takes 0.3 ms with min_delay 0.5 ms.
    let ok = errors::<Native>(0.5);
    assert_eq!(ok.len(), 5, "native refuses only the core's bad intervals and the static projection");
}

#[test]
fn nest_refuses_projection_wide_time_constants() {
    let sim = Sim::<Nest>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let pre = Population::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let post = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let tm = TsodyksMarkramSynapse::new(W, DELAY, 0.5, TAU_REC, 0.0);
    let _prj = Projection::new(&pre, &post, &AllToAllConnector::new(), tm, None).unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.012), AdditiveWeightDependence::new(0.0, 1.0))
        .with(0.5, 1.0);
    let sp = Projection::new(&pre, &post, &AllToAllConnector::new(), stdp, None).unwrap();
    let e = sp.set("tau_minus", 30.0).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("tau_minus"), "{e}");
    // NEST bounds weights at 0: w_min stays 0 (an error naming it).
    let e = sp.set("w_min", 0.1).unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }) && e.to_string().contains("w_min"), "{e}");
    assert_eq!(sp.get_values("w_min").unwrap(), vec![0.0]);
    sp.set("A_minus", 0.02).unwrap();
    sim.run(5.0).unwrap();
    sp.set("A_plus", 0.03).unwrap();
    assert_eq!(sp.get_values("A_plus").unwrap(), vec![0.03]);
}

/// NEURON keeps plastic synapses in Rust (the native engine's rules,
/// `neuron/plastic.rs`): the same history and the same `set("U", ..)`,
/// and NEURON's PSPs are the recursion's (1e-9 mV: `IF_curr_exp` is
/// integrated with NEST's exact propagators in our NMODL, the bound
/// `tests/neuron_backend.rs` uses for the linear cells).
#[test]
fn neuron_u_x_history_and_u_set_between_runs() {
    let out = run_net::<Neuron>(95.0, true);
    let (states, _) = analytic(&train(), 0.5, 0.2, 95.0);
    let (times, u, x, _) = out.hist.unwrap();
    let expected: Vec<(f64, f64)> = times.iter().map(|t| state_at(*t, &train(), &states)).collect();
    assert_close("NEURON u history", &u, &expected.iter().map(|e| e.0).collect::<Vec<_>>(), 1e-12);
    assert_close("NEURON x history", &x, &expected.iter().map(|e| e.1).collect::<Vec<_>>(), 1e-12);
    assert_close("NEURON v (TM vs analytic PSPs)", &out.v_tm, &out.v_ref, 1e-9);
}

/// Brian2 keeps the Tsodyks–Markram state in its `Synapses` variables
/// (`brian2/plastic.rs`), updated at each pre-synaptic spike as NEST's
/// `tsodyks_synapse` does, and samples it with the weights: the `u` and
/// `x` histories equal native's (1e-12: the same recursion, Brian2
/// computing the time differences in seconds, rounding only) and the
/// recursion's; `set("U", ..)` between runs writes the Brian2 variable
/// `tm_U`, so the PSPs after it equal native's (1e-9 mV: `IF_curr_exp` is
/// integrated exactly on both, `tests/brian2_backend.rs` observes 8e-10
/// mV at most) and the analytic weights' PSPs in the same Brian2 run.
#[test]
fn brian2_u_x_history_and_u_set_between_runs_equal_native() {
    let (states, _) = analytic(&train(), 0.5, 0.2, 95.0);
    let [brian, native] = [run_net::<Brian2>(95.0, true), run_net::<Native>(95.0, true)];
    assert_eq!(brian.spikes, train());
    let ((bt, bu, bx, _), (nt, nu, nx, _)) = (brian.hist.unwrap(), native.hist.unwrap());
    assert_eq!(bt, nt, "the same sample times");
    assert_close("Brian2 vs native u history", &bu, &nu, 1e-12);
    assert_close("Brian2 vs native x history", &bx, &nx, 1e-12);
    let expected: Vec<(f64, f64)> = bt.iter().map(|t| state_at(*t, &train(), &states)).collect();
    assert_close("Brian2 u history", &bu, &expected.iter().map(|e| e.0).collect::<Vec<_>>(), 1e-12);
    assert_close("Brian2 x history", &bx, &expected.iter().map(|e| e.1).collect::<Vec<_>>(), 1e-12);
    // U = 0.2 acts from the spike at 102 ms (the test would see it ignored).
    let (unchanged, _) = analytic(&train(), 0.5, 0.5, 95.0);
    let k = bt.iter().position(|t| (*t - 102.0).abs() < 1e-9).unwrap();
    assert!((bu[k] - unchanged[6][0]).abs() > 0.05, "U = 0.2 acts from the spike at 102 ms");
    assert_close("Brian2 v vs native v (U set at 95 ms)", &brian.v_tm, &native.v_tm, 1e-9);
    assert_close("Brian2 v (TM vs analytic PSPs)", &brian.v_tm, &brian.v_ref, 1e-9);
    for (t, bu, bx) in &brian.boundary_state {
        let (eu, ex) = state_at(*t, &train(), &states);
        assert!((bu - eu).abs() < 1e-12 && (bx - ex).abs() < 1e-12, "Brian2 at {t}: ({bu}, {bx}) vs ({eu}, {ex})");
    }
    // Changed before the first spike: as made with U = 0.2.
    let early = run_net::<Brian2>(5.0, false);
    let early_native = run_net::<Native>(5.0, false);
    assert_close("Brian2 v (U set at 5 ms)", &early.v_tm, &early.v_ref, 1e-9);
    assert_close("Brian2 vs native v (U set at 5 ms)", &early.v_tm, &early_native.v_tm, 1e-9);
}

/// Brian2: the other parameters set between runs reach the Brian2
/// variables and the mirror (kept by `reset()`), checked as on native
/// (nothing changes on an error); the post-synaptic trace's time constant
/// is `Error::Unsupported` (as on NEST); state is not a parameter.
#[test]
fn brian2_sets_synapse_parameters_and_refuses_clearly() {
    let sim = Sim::<Brian2>::setup(Setup { timestep: DT, ..Setup::default() }).unwrap();
    let pre = Population::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let post = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.012), AdditiveWeightDependence::new(0.0, 1.0))
        .with(0.5, 1.0);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::new(), stdp, None).unwrap();
    prj.set("A_plus", vec![0.02, 0.03]).unwrap();
    sim.run(5.0).unwrap();
    prj.set("w_max", 0.8).unwrap();
    assert_eq!(prj.get_values("A_plus").unwrap(), vec![0.02, 0.03]);
    assert_eq!(prj.get_values("w_max").unwrap(), vec![0.8; 2]);
    let e = prj.set("tau_minus", 30.0).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("tau_minus"), "{e}");
    prj.set("w_min", 0.2).unwrap();
    let e = prj.set("w_max", 0.1).unwrap_err();
    assert!(e.to_string().contains("w_min <= w_max"), "{e}");
    assert_eq!(prj.get_values("w_max").unwrap(), vec![0.8; 2]);
    sim.reset().unwrap();
    assert_eq!(prj.get_values("A_plus").unwrap(), vec![0.02, 0.03]);
    let tm = TsodyksMarkramSynapse::new(W, DELAY, 0.5, TAU_REC, 0.0);
    let tmp = Projection::new(&pre, &post, &AllToAllConnector::new(), tm, None).unwrap();
    let e = tmp.set("u", 0.1).unwrap_err();
    assert!(e.to_string().contains("initialize"), "{e}");
    tmp.set("tau_rec", 50.0).unwrap();
    sim.run(5.0).unwrap();
    assert_eq!(tmp.get_values("tau_rec").unwrap(), vec![50.0; 2]);
}
