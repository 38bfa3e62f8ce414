//! Plastic synapses on the native engine against NEST 3.10.
//!
//! Every scenario of `tests/data/plasticity/*.json` (written by
//! `tests/data/nest_plasticity.py`; see its header for the translation to
//! PyNEST) is built through the object API and run on `Native`:
//! final weights (and Tsodyks–Markram `u`, `x`, `y`) must equal NEST's
//! within 1e-9 relative (the update rules are exact; what remains is
//! rounding: NEST computes in pA/nS, we in nA/uS), post-synaptic spike
//! times must be identical, membrane traces within 1e-6 mV (the model
//! library's tolerance in `tests/nest_agreement.rs`), and the
//! Tsodyks–Markram PSP amplitudes within 1e-6 mV.

#[path = "common/nest_plastic.rs"]
mod nest_plastic;

use nest_plastic::*;
use pynn::core::SynapseType;
use pynn::prelude::*;

fn check(name: &str) -> Run {
    check_on::<Native>(name, None)
}

#[test]
fn stdp_additive_equals_nest() {
    check("stdp_additive");
}

#[test]
fn stdp_multiplicative_equals_nest() {
    check("stdp_multiplicative");
}

#[test]
fn stdp_additive_potentiation_multiplicative_depression_equals_nest() {
    check("stdp_add_pot_mult_dep");
}

#[test]
fn stdp_gutig_equals_nest() {
    check("stdp_gutig");
}

#[test]
fn stdp_on_conductance_cells_equals_nest() {
    check("stdp_additive_cond");
}

#[test]
fn vogels_2011_conductance_equals_nest() {
    check("vogels_cond");
}

#[test]
fn vogels_2011_current_inhibitory_equals_nest() {
    check("vogels_curr");
}

#[test]
fn tsodyks_markram_current_equals_nest() {
    check("tsodyks_markram_curr");
}

#[test]
fn tsodyks_markram_conductance_equals_nest() {
    check("tsodyks_markram_cond");
}

/// A network large enough for the populations to advance in parallel
/// (10^4 cells x 10-step slices >= the engine's 10^5 neuron-step
/// threshold), with STDP and Tsodyks–Markram projections.
fn plastic_network(threads: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, usize) {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 1.0,
        max_delay: 10.0,
        seed: 5,
        threads,
        ..Setup::default()
    })
    .unwrap();
    if threads > 0 {
        assert_eq!(sim.with_backend(|b| b.threads()), threads);
    }
    let post =
        Population::<IF_curr_exp, Native>::new(&sim, 10_000, IF_curr_exp { i_offset: 0.9, ..Default::default() })
            .unwrap();
    post.initialize("v", RandomDistribution::uniform(-65.0, -50.0)).unwrap();
    let pre = Population::<SpikeSourcePoisson, Native>::new(
        &sim,
        200,
        SpikeSourcePoisson { rate: 20.0, ..Default::default() },
    )
    .unwrap();
    let stdp =
        STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.012), GutigWeightDependence::new(0.0, 0.5, 0.4, 0.6))
            .with(RandomDistribution::uniform(0.1, 0.4), 1.5);
    let p1 = Projection::new(&pre, &post, &FixedProbabilityConnector::new(0.02), stdp, None).unwrap();
    let tm = TsodyksMarkramSynapse::new(-0.3, 2.0, 0.4, 200.0, 50.0);
    let p2 = Projection::new(&pre, &post, &FixedProbabilityConnector::new(0.01), tm, Some("inhibitory")).unwrap();
    post.record(["spikes"], None).unwrap();
    sim.run(300.0).unwrap();
    let spikes: Vec<f64> =
        post.get_data().unwrap().segments[0].spiketrains.iter().flat_map(|s| s.times.clone()).collect();
    let w = p1.get_values("weight").unwrap();
    let x = p2.get_values("x").unwrap();
    (w, x, spikes, p1.size())
}

#[test]
fn plastic_results_are_bit_identical_for_1_2_and_4_threads() {
    let one = plastic_network(1);
    // The network must actually learn and spike, or equality means nothing.
    assert!(one.3 > 30_000, "{} STDP synapses", one.3);
    assert!(one.2.len() > 10_000, "{} post spikes", one.2.len());
    let changed = one.0.iter().filter(|w| **w != 0.1 && **w != 0.4).count();
    assert!(changed > one.3 / 2, "only {changed} weights changed");
    assert!(one.1.iter().any(|x| *x < 0.99), "Tsodyks–Markram x never depressed");
    for threads in [2, 4] {
        let other = plastic_network(threads);
        assert!(
            one.0.iter().zip(&other.0).all(|(a, b)| a.to_bits() == b.to_bits()),
            "weights differ with {threads} threads"
        );
        assert!(
            one.1.iter().zip(&other.1).all(|(a, b)| a.to_bits() == b.to_bits()),
            "x differs with {threads} threads"
        );
        assert_eq!(one.2, other.2, "spikes differ with {threads} threads");
    }
}

/// One pre cell firing at 10, 30, 50 ms; one post cell made to fire 5 ms
/// after each pre spike by a strong static input: additive STDP must
/// potentiate at every pre spike after the first.
fn pairing(sim: &Sim<Native>) -> (Population<IF_curr_exp, Native>, Projection<Native>) {
    let post = Population::<IF_curr_exp, Native>::new(sim, 1, IF_curr_exp::default()).unwrap();
    let pre = Population::<SpikeSourceArray, Native>::new(sim, 1, SpikeSourceArray::default()).unwrap();
    pre.set("spike_times", vec![vec![10.0, 30.0, 50.0]]).unwrap();
    let drive = Population::<SpikeSourceArray, Native>::new(sim, 1, SpikeSourceArray::default()).unwrap();
    drive.set("spike_times", vec![vec![14.0, 34.0, 54.0]]).unwrap();
    Projection::new(&drive, &post, &OneToOneConnector, StaticSynapse::new(6.0, 0.1), None).unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.005), AdditiveWeightDependence::new(0.0, 1.0))
        .with(0.2, 1.0);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::default(), stdp, None).unwrap();
    post.record(["spikes"], None).unwrap();
    (post, prj)
}

#[test]
fn weights_recorded_over_time_follow_the_pairing_protocol() {
    let sim =
        Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, ..Setup::default() }).unwrap();
    let (post, prj) = pairing(&sim);
    prj.record_weights(1.0).unwrap();
    sim.run(60.0).unwrap();
    let post_spikes = post.get_data().unwrap().segments[0].spiketrains[0].times.clone();
    assert_eq!(post_spikes.len(), 3, "post spikes {post_spikes:?}");
    let h = prj.weight_history().unwrap();
    // Samples at 0, 1, ..., 60 ms.
    assert_eq!(h.times.len(), 61);
    assert!((h.times[60] - 60.0).abs() < 1e-9);
    let w = h.connection(0);
    // Unchanged until the first pre spike: the first spike sees K+ = 0 and
    // no post trace (NEST: facilitation by 0, depression by K- = 0).
    assert!(w[..30].iter().all(|x| *x == 0.2), "{w:?}");
    // Second pre spike at 30 ms: potentiation by the post spike t1 (at
    // ~15 ms, seen at t1 + d) with K+ = exp(-(t1 + 1 - 10) / 20), then
    // depression by K- = exp(-(30 - 1 - t1) / 20), additive:
    // dw = w_max (A+ K+ - A- K-).
    let t1 = post_spikes[0];
    let expected = 0.2 + 0.01 * (-(t1 + 1.0 - 10.0) / 20.0f64).exp() - 0.005 * (-(29.0 - t1) / 20.0f64).exp();
    assert!((w[30] - expected).abs() < 1e-12, "{} vs {expected}", w[30]);
    assert!(w[30] > 0.2, "pre-before-post by ~5 ms must potentiate");
    assert!(w[49] == w[30] && w[50] > w[49]);
    // The last sample is the final weight.
    assert_eq!(prj.get_values("weight").unwrap()[0], w[60]);

    // reset(): weights back to their initial values, samples cleared, and
    // the same run gives the same history.
    sim.reset().unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![0.2]);
    assert!(prj.weight_history().unwrap().times.is_empty());
    sim.run(60.0).unwrap();
    assert_eq!(prj.weight_history().unwrap(), h);
}

#[test]
fn tsodyks_markram_initialize_and_get_state() {
    let sim =
        Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, ..Setup::default() }).unwrap();
    let post = Population::<IF_curr_exp, Native>::new(&sim, 2, IF_curr_exp::default()).unwrap();
    let pre = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    pre.set("spike_times", vec![vec![10.0]]).unwrap();
    let tm = TsodyksMarkramSynapse::new(1.0, 1.0, 0.5, 100.0, 0.0);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::default(), tm, None).unwrap();
    assert_eq!(prj.synapse_type(), "TsodyksMarkramSynapse");
    // tau_psc is taken from the post cells' tau_syn_E (5 ms by default).
    assert_eq!(prj.get_values("tau_psc").unwrap(), vec![5.0, 5.0]);
    prj.initialize("x", vec![1.0, 0.4]).unwrap();
    sim.run(20.0).unwrap();
    // One spike with tau_facil = 0: u = U = 0.5, transmitted u x, x -= u x.
    assert_eq!(prj.get_values("u").unwrap(), vec![0.5, 0.5]);
    // Cell 1 starts at x = 0.4, y = 0: the inactive 0.6 recovers with
    // tau_rec = 100 ms from t = 0 (NEST's t_lastspike = 0) to the spike.
    let xb = 0.4 + (1.0 - (-10.0f64 / 100.0).exp()) * 0.6;
    let (x, y) = (prj.get_values("x").unwrap(), prj.get_values("y").unwrap());
    assert_eq!((x[0], y[0]), (0.5, 0.5));
    assert!((x[1] - 0.5 * xb).abs() < 1e-15 && (y[1] - 0.5 * xb).abs() < 1e-15, "{x:?} {y:?}");
    // After reset the initialized value holds again.
    sim.reset().unwrap();
    assert_eq!(prj.get_values("x").unwrap(), vec![1.0, 0.4]);
    assert_eq!(prj.get_values("U").unwrap(), vec![0.5, 0.5]);
}

fn error_of<S: SynapseType>(synapse: S, receptor: Option<&str>) -> String {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let post = Population::<IF_curr_exp, Native>::new(&sim, 2, IF_curr_exp::default()).unwrap();
    let pre = Population::<SpikeSourceArray, Native>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    match Projection::new(&pre, &post, &AllToAllConnector::default(), synapse, receptor) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

fn stdp(wd: impl Into<pynn::core::synapses::WeightDependence>, weight: f64) -> STDPMechanism {
    STDPMechanism::new(SpikePairRule::default(), wd).with(weight, 1.0)
}

#[test]
fn bad_plastic_parameters_give_clear_errors() {
    let e = error_of(TsodyksMarkramSynapse::new(0.5, 1.0, 0.0, 100.0, 0.0), None);
    assert!(e.contains("TsodyksMarkramSynapse") && e.contains("`U`") && e.contains("(0, 1]"), "{e}");
    let e = error_of(TsodyksMarkramSynapse::new(0.5, 1.0, 1.5, 100.0, 0.0), None);
    assert!(e.contains("`U`") && e.contains("1.5"), "{e}");
    let e = error_of(TsodyksMarkramSynapse::new(0.5, 1.0, 0.5, -10.0, 0.0), None);
    assert!(e.contains("tau_rec") && e.contains("-10") && e.contains("> 0"), "{e}");
    let e = error_of(TsodyksMarkramSynapse::new(0.5, 1.0, 0.5, 100.0, -1.0), None);
    assert!(e.contains("tau_facil"), "{e}");
    let e = error_of(
        TsodyksMarkramSynapse { x: 0.8.into(), y: 0.5.into(), ..TsodyksMarkramSynapse::new(0.5, 1.0, 0.5, 100.0, 0.0) },
        None,
    );
    assert!(e.contains("x + y"), "{e}");
    let e = error_of(stdp(AdditiveWeightDependence::new(1.0, 0.5), 0.7), None);
    assert!(e.contains("w_min") && e.contains("w_max = 0.5"), "{e}");
    let e = error_of(stdp(MultiplicativeWeightDependence::new(0.0, 0.5), 0.7), None);
    assert!(e.contains("weight") && e.contains("0.7") && e.contains("[w_min, w_max] = [0, 0.5]"), "{e}");
    let mut m = stdp(AdditiveWeightDependence::new(0.0, 1.0), 0.5);
    m.dendritic_delay_fraction = 0.5;
    let e = error_of(m, None);
    assert!(e.contains("dendritic_delay_fraction") && e.contains("0.5") && e.contains("dendritic"), "{e}");
    let e = error_of(
        STDPMechanism::new(SpikePairRule::new(20.0, -5.0, 0.01, 0.01), AdditiveWeightDependence::default())
            .with(0.5, 1.0),
        None,
    );
    assert!(e.contains("tau_minus") && e.contains("-5"), "{e}");
    let e = error_of(
        STDPMechanism::new(
            SpikePairRule::new(20.0, vec![20.0, 30.0, 20.0, 20.0], 0.01, 0.01),
            AdditiveWeightDependence::default(),
        )
        .with(0.5, 1.0),
        None,
    );
    assert!(e.contains("tau_minus") && e.contains("same value for every connection"), "{e}");
    let e = error_of(
        STDPMechanism::new(Vogels2011Rule::default(), MultiplicativeWeightDependence::default()).with(0.5, 1.0),
        Some("excitatory"),
    );
    assert!(e.contains("AdditiveWeightDependence") && e.contains("Vogels2011Rule"), "{e}");
    let e = error_of(stdp(GutigWeightDependence::new(0.0, 1.0, -1.0, 0.5), 0.5), None);
    assert!(e.contains("mu_plus"), "{e}");

    // Tsodyks–Markram needs the post cells' tau_syn.
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let post = Population::<IF_curr_delta, Native>::new(&sim, 1, IF_curr_delta::default()).unwrap();
    let pre = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let e = Projection::new(&pre, &post, &AllToAllConnector::default(), TsodyksMarkramSynapse::default(), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("tau_syn_E"), "{e}");

    // Attributes, state and weight recording are checked.
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let (_, prj) = pairing(&sim);
    let e = prj.get_values("U").unwrap_err().to_string();
    assert!(e.contains("STDPMechanism") && e.contains("tau_plus"), "{e}");
    let e = prj.initialize("u", 0.5).unwrap_err().to_string();
    assert!(e.contains("state variable"), "{e}");
    let e = prj.record_weights(0.05).unwrap_err().to_string();
    assert!(e.contains("sampling_interval") && e.contains("multiple of the time step"), "{e}");
    // Synapse parameters are settable (issue 18); a bad value is refused, naming it.
    let e = prj.set("tau_plus", -10.0).unwrap_err().to_string();
    assert!(e.contains("tau_plus") && e.contains("-10"), "{e}");
    assert_eq!(prj.get_values("tau_plus").unwrap(), vec![20.0], "unchanged by the refused value");
    let e = prj.set("weight", 1.5).unwrap_err().to_string();
    assert!(e.contains("[w_min, w_max] = [0, 1]"), "{e}");
    let post = Population::<IF_curr_exp, Native>::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let st = Projection::new(&post, &post, &AllToAllConnector::default(), StaticSynapse::new(0.1, 1.0), None).unwrap();
    let e = st.record_weights(1.0).unwrap_err().to_string();
    assert!(e.contains("static"), "{e}");
}

/// The same scenarios on the `Nest` backend (PyNEST through the driver):
/// what the native engine is compared with above, reached through pynn-rs's
/// own translation (`nest/mod.rs::plastic_command`).
#[test]
fn nest_backend_runs_every_plastic_scenario() {
    for name in [
        "stdp_additive",
        "stdp_multiplicative",
        "stdp_add_pot_mult_dep",
        "stdp_gutig",
        "stdp_additive_cond",
        "vogels_cond",
        "vogels_curr",
        "tsodyks_markram_curr",
        "tsodyks_markram_cond",
    ] {
        check_on::<Nest>(name, None);
    }
}

/// Reset and a run split at a time that is not a slice boundary of the
/// plastic delays give NEST's weights and traces again, on both backends
/// (the post-synaptic histories and traces restart; NEST's weights are read
/// back with every spike up to the current time delivered).
#[test]
fn reset_and_split_runs_give_the_same_weights() {
    check_on::<Native>("stdp_gutig", Some(733.3));
    check_on::<Native>("tsodyks_markram_curr", Some(233.3));
    check_on::<Nest>("vogels_curr", Some(733.3));
    check_on::<Nest>("tsodyks_markram_cond", Some(233.3));
}

// ---- Weights over time on NEST (record_weights; issue 18) ----

#[path = "common/plasticity.rs"]
mod plastic_common;

/// The weight histories of the STDP and Vogels scenarios on NEST (the run
/// stopped every 1 ms and the weights read with `GetStatus`, PyNN's
/// weight recorder) equal native's within the agreement bound of the
/// final weights above (1e-9 relative: NEST computes in pA/nS, we in
/// nA/uS), at the same sample times; the weights move (the test would see
/// a constant history), and the last sample is the final weight.
#[test]
fn nest_weight_history_equals_native_for_the_stdp_scenarios() {
    for name in plastic_common::PLASTIC_SCENARIOS.iter().filter(|n| !n.starts_with("tsodyks")) {
        let s = load(name);
        let (nest, nh) = plastic_common::run_plastic_on::<Nest>(&s, None, Some(1.0));
        let (native, h) = plastic_common::run_plastic_on::<Native>(&s, None, Some(1.0));
        let (nh, h) = (nh.unwrap(), h.unwrap());
        assert_eq!(nh.times, h.times, "{name}: sample times");
        assert_eq!(nh.times.len(), 1501, "{name}: samples at 0, 1, ..., 1500 ms");
        assert_rel(name, "weight history", &nh.weights, &h.weights, 1e-9);
        assert_eq!(nest.spikes, native.spikes, "{name}: post-synaptic spikes");
        let n = nh.connections;
        assert_eq!(nh.weights[nh.weights.len() - n..], nest.weight[..], "{name}: last sample = final weight");
        let moved = (0..n).filter(|c| nh.connection(*c).windows(2).any(|w| w[0] != w[1])).count();
        assert!(moved >= n / 2, "{name}: {moved} of {n} weights change over time");
    }
}

/// With `min_delay = 0.5 ms` (5 steps: NEST delivers pre-synaptic spikes
/// to the synapses once per slice, and the samples are taken at slice
/// ends) the STDP and Tsodyks–Markram histories on NEST still equal
/// native's (1e-9 relative, as above); sampling every 1 ms leaves NEST's
/// spikes, membrane traces and final weights bit-identical to an
/// unrecorded run (stopping the kernel at the samples is invisible), also
/// across a `reset()` and a run split off the sample grid (733.3 ms),
/// after which the history restarts at 0 and equals the unsplit one.
/// (Delays below 0.5 ms are raised to 0.5 ms on both backends.)
#[test]
fn nest_weight_recording_leaves_spikes_unchanged_with_longer_min_delay() {
    for name in ["stdp_additive", "tsodyks_markram_cond"] {
        let mut s = load(name);
        s["min_delay"] = serde_json::json!(0.5);
        for c in s["connections"].as_array_mut().unwrap() {
            let d = c["delay"].as_f64().unwrap().max(0.5);
            c["delay"] = serde_json::json!(d);
        }
        let (plain, _) = plastic_common::run_plastic_on::<Nest>(&s, None, None);
        let (rec, nh) = plastic_common::run_plastic_on::<Nest>(&s, None, Some(1.0));
        let (split, sh) = plastic_common::run_plastic_on::<Nest>(&s, Some(733.3), Some(1.0));
        let (native, h) = plastic_common::run_plastic_on::<Native>(&s, None, Some(1.0));
        assert_eq!(rec, plain, "{name}: recording the weights changed NEST's run");
        assert_eq!(split, plain, "{name}: split run");
        let (nh, sh, h) = (nh.unwrap(), sh.unwrap(), h.unwrap());
        assert_eq!(sh, nh, "{name}: history after reset() and a split run");
        assert_eq!(nh.times, h.times, "{name}: sample times");
        assert_rel(name, "weight history (min_delay 0.5)", &nh.weights, &h.weights, 1e-9);
        assert_eq!(rec.spikes, native.spikes, "{name}: NEST and native spikes");
    }
}
