//! PyNN's composed neuron (`PointNeuron`) on the native engine: PyNN's
//! `test_composed_neuron_model_homogeneous_receptors` scenario (PyNN 0.13
//! `test/system/scenarios/test_cell_types.py`) with assertions on the recorded
//! per-receptor conductances and currents, and the errors of bad compositions.

use pynn::prelude::*;

const DT: f64 = 0.1;

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup { timestep: DT, min_delay: 0.1, max_delay: 10.0, ..Setup::default() }).unwrap()
}

/// Three sources firing once at 30, 60 and 90 ms, connected to receptors
/// AMPA, NMDA and GABAA of `pop` (weights `w`, delay 1 ms); runs 200 ms.
fn drive<C: pynn::core::CellType>(sim: &Sim<Native>, pop: &Population<C, Native>, w: [f64; 3])
where
    Native: pynn::core::Supports<C>,
{
    let src = Population::<SpikeSourceArray, Native>::new(sim, 3, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", vec![vec![30.0], vec![60.0], vec![90.0]]).unwrap();
    for (k, receptor) in ["AMPA", "NMDA", "GABAA"].iter().enumerate() {
        let conn = FromListConnector::with_weights_and_delays(vec![(k, 0, w[k], 1.0)]);
        Projection::new(&src, pop, &conn, StaticSynapse::default(), Some(receptor)).unwrap();
    }
}

fn sample(signal: &[f64], t: f64) -> f64 {
    signal[(t / DT).round() as usize]
}

#[test]
fn composed_adexp_with_alpha_receptors() {
    let sim = sim();
    let cell = PointNeuron::new(
        AdExp { tau_m: 10.0, v_rest: -60.0, ..Default::default() },
        [
            ("AMPA", AlphaPSR { tau_syn: 1.0, e_syn: 0.0 }),
            ("NMDA", AlphaPSR { tau_syn: 20.0, e_syn: 0.0 }),
            ("GABAA", AlphaPSR { tau_syn: 1.5, e_syn: -70.0 }),
        ],
    )
    .unwrap();
    let pop = Population::<PointNeuron, Native>::new(&sim, 1, cell).unwrap();
    assert_eq!(pop.get("tau_m").unwrap(), [10.0]);
    assert_eq!(pop.get("GABAA.e_syn").unwrap(), [-70.0]);
    assert_eq!(pop.get("GABAA.tau_syn").unwrap(), [1.5]);
    assert_eq!(pop.receptor_types(), ["AMPA", "GABAA", "NMDA"]);
    assert!(pop.conductance_based());
    assert!(pop.can_record("NMDA.gsyn") && pop.can_record("w") && !pop.can_record("NMDA.isyn"));
    pop.initialize("v", -60.0).unwrap();
    let w = [0.01, 0.002, 0.02];
    drive(&sim, &pop, w);
    pop.record(["spikes", "v", "AMPA.gsyn", "NMDA.gsyn", "GABAA.gsyn"], None).unwrap();
    sim.run(200.0).unwrap();
    let block = pop.get_data().unwrap();
    let seg = &block.segments[0];
    assert!(seg.spiketrain(0).unwrap().times.is_empty(), "sub-threshold inputs");
    // Each conductance is zero until its input arrives (spike time + 1 ms
    // delay), then an alpha function whose peak, tau_syn later, equals the
    // weight. RKF45 (tolerance 1e-6 on values in nS) keeps the sampled
    // peak within 1e-6 relative of the analytic one; the grid contains the
    // peak time exactly (arrival and tau_syn are multiples of dt).
    for (name, t0, tau, w) in
        [("AMPA.gsyn", 31.0, 1.0, w[0]), ("NMDA.gsyn", 61.0, 20.0, w[1]), ("GABAA.gsyn", 91.0, 1.5, w[2])]
    {
        let g = seg.signal(name).unwrap().column(0);
        assert_eq!(g.len(), 2001, "{name}: samples at 0, 0.1, ..., 200 ms");
        assert!(g[..(t0 / DT).round() as usize].iter().all(|x| *x == 0.0), "{name} before its input");
        let peak = sample(&g, t0 + tau);
        assert!((peak - w).abs() < 1e-6 * w, "{name}: peak {peak} uS, weight {w}");
        let max = g.iter().cloned().fold(0.0, f64::max);
        assert!((max - w).abs() < 1e-6 * w, "{name}: maximum {max}");
        // Alpha shape: g(t0 + 2 tau) = w * 2 e^-1.
        let later = sample(&g, t0 + 2.0 * tau);
        assert!((later - w * 2.0 * (-1.0f64).exp()).abs() < 1e-5 * w, "{name}: {later}");
    }
    // The excitatory inputs depolarise, the GABAA input (reversal -70 mV,
    // below rest) hyperpolarises.
    let v = seg.signal("v").unwrap().column(0);
    let rest = sample(&v, 29.0);
    assert!(sample(&v, 32.0) > rest + 0.5, "AMPA EPSP: {} vs {rest}", sample(&v, 32.0));
    assert!(sample(&v, 92.5) < sample(&v, 90.0) - 0.5, "GABAA IPSP");
}

#[test]
fn composed_lif_with_current_receptors() {
    let sim = sim();
    let cell = PointNeuron::new(
        LIF { tau_m: 10.0, v_rest: -60.0, ..Default::default() },
        [
            ("AMPA", CurrExpPostSynapticResponse { tau_syn: 1.0 }),
            ("NMDA", CurrExpPostSynapticResponse { tau_syn: 20.0 }),
            ("GABAA", CurrExpPostSynapticResponse { tau_syn: 1.5 }),
        ],
    )
    .unwrap();
    let pop = Population::<PointNeuron, Native>::new(&sim, 1, cell).unwrap();
    assert_eq!(pop.get("GABAA.tau_syn").unwrap(), [1.5]);
    assert!(!pop.conductance_based());
    pop.initialize("v", -60.0).unwrap();
    // PyNN's sign rule: GABAA (an inhibitory name) needs weights <= 0.
    let w = [0.5, 0.1, -0.8];
    drive(&sim, &pop, w);
    pop.record(["v", "AMPA.isyn", "NMDA.isyn", "GABAA.isyn"], None).unwrap();
    sim.run(200.0).unwrap();
    let seg = &pop.get_data().unwrap().segments[0];
    // Exact integration: the current is w at its arrival and decays by
    // exp(-dt / tau) per step (to rounding).
    for (name, t0, tau, w) in
        [("AMPA.isyn", 31.0, 1.0, w[0]), ("NMDA.isyn", 61.0, 20.0, w[1]), ("GABAA.isyn", 91.0, 1.5, w[2])]
    {
        let i = seg.signal(name).unwrap().column(0);
        let k0 = (t0 / DT).round() as usize;
        assert!(i[..k0].iter().all(|x| *x == 0.0), "{name} before its input");
        for k in 0..50 {
            let expected = w * (-(k as f64) * DT / tau).exp();
            assert!(
                (i[k0 + k] - expected).abs() < 1e-12,
                "{name} at {} ms: {} vs {expected}",
                t0 + k as f64 * DT,
                i[k0 + k]
            );
        }
    }
    // Membrane: exact solution of the LIF driven by the AMPA current alone
    // (input at t0, v relative to rest): v(t) = w R tau_s/(tau_s - tau_m)
    // (e^{-(t-t0)/tau_s} - e^{-(t-t0)/tau_m}), R = tau_m / cm = 10 MOhm.
    let v = seg.signal("v").unwrap().column(0);
    let (tau_s, tau_m, r) = (1.0, 10.0, 10.0);
    for k in [5, 10, 20, 40] {
        let s = k as f64 * DT;
        let expected = -60.0 + w[0] * r * tau_s / (tau_s - tau_m) * ((-s / tau_s).exp() - (-s / tau_m).exp());
        let got = sample(&v, 31.0 + s);
        assert!((got - expected).abs() < 1e-9, "v at 31 + {s} ms: {got} vs {expected}");
    }
}

#[test]
fn bad_compositions_and_values_are_clear_errors() {
    let sim = sim();
    // LIF + conductance receptors: native only (NEST has no model for it).
    let lif_cond = PointNeuron::new(LIF::default(), [("AMPA", ExpPSR::default())]).unwrap();
    Population::<PointNeuron, Native>::new(&sim, 1, lif_cond.clone()).unwrap();
    let nest = Sim::<Nest>::setup(Setup::default()).unwrap();
    let e = Population::<PointNeuron, Nest>::new(&nest, 1, lif_cond).err().unwrap().to_string();
    assert!(e.contains("NEST has no model for PointNeuron(LIF)"), "{e}");
    nest.end().unwrap();
    let adex_curr = PointNeuron::new(AdExp::default(), [("AMPA", CurrExpPostSynapticResponse::default())]).unwrap();
    let e = Population::<PointNeuron, Native>::new(&sim, 1, adex_curr).err().unwrap().to_string();
    assert!(e.contains("conductance-based receptors"), "{e}");
    let ok = PointNeuron::new(AdExp::default(), [("AMPA", BetaPSR::default()), ("GABAA", BetaPSR::default())]).unwrap();
    let pop = Population::<PointNeuron, Native>::new(&sim, 2, ok).unwrap();
    let e = pop.set("GABAA.tau_decay", -1.0).unwrap_err().to_string();
    assert!(e.contains("GABAA.tau_decay") && e.contains("-1") && e.contains("> 0"), "{e}");
    let e = pop.set("GABA.tau_decay", 1.0).unwrap_err().to_string();
    assert!(e.contains("GABAA.tau_decay"), "did-you-mean suggestion: {e}");
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let conn = FromListConnector::with_weights_and_delays(vec![(0, 0, 0.01, 1.0)]);
    let e = Projection::new(&src, &pop, &conn, StaticSynapse::default(), Some("NMDA")).err().unwrap().to_string();
    assert!(e.contains("NMDA") && e.contains("AMPA"), "{e}");
}

mod common;

/// The PointNeuron reference scenarios on the `Nest` backend (PyNN's choice
/// of multisynapse model, receptor port = index of the sorted name + 1):
/// identical spike steps and traces within 1e-6 mV of the committed NEST data
/// (the same NEST computes both; the bound is the one of `nest_backend.rs`).
/// Needs NEST in the Python environment (as `tests/nest_backend.rs`).
#[test]
fn point_neuron_scenarios_on_the_nest_backend() {
    use common::*;
    for name in point_neuron_scenario_names() {
        let s = load(&name);
        let out = build_and_run_with::<PointNeuron, Nest>(&s, point_neuron(&s), &run_plain(&s));
        let dv = compare(&s, &out.spikes[0], &out.v[0], 1e-6);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!("{name} on NEST: {n} spikes identical to the NEST data, max |dv| = {dv:.3e} mV");
    }
}

/// Recording a per-receptor conductance with a sampling interval on NEST
/// gives NEST's `g_<port>` at the same samples as the native engine.
#[test]
fn receptor_conductance_recorded_with_a_sampling_interval_on_both_backends() {
    fn run<B: pynn::core::Backend + pynn::core::Supports<PointNeuron> + pynn::core::Supports<SpikeSourceArray>>()
    -> (Vec<f64>, Vec<f64>) {
        let sim = Sim::<B>::setup(Setup { timestep: DT, min_delay: 0.1, max_delay: 10.0, ..Setup::default() }).unwrap();
        let cell = PointNeuron::new(
            AdExp::default(),
            [("AMPA", BetaPSR { e_syn: 0.0, tau_rise: 0.5, tau_decay: 3.0 }), ("GABAA", BetaPSR::default())],
        )
        .unwrap();
        let pop = Population::<PointNeuron, B>::new(&sim, 1, cell).unwrap();
        let src = Population::<SpikeSourceArray, B>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
        src.set("spike_times", vec![vec![5.0, 12.0]]).unwrap();
        let conn = FromListConnector::with_weights_and_delays(vec![(0, 0, 0.005, 1.0)]);
        Projection::new(&src, &pop, &conn, StaticSynapse::default(), Some("AMPA")).unwrap();
        pop.record(["AMPA.gsyn", "v"], Some(0.5)).unwrap();
        sim.run(30.0).unwrap();
        let seg = &pop.get_data().unwrap().segments[0];
        let g = seg.signal("AMPA.gsyn").unwrap().column(0);
        let v = seg.signal("v").unwrap().column(0);
        sim.end().unwrap();
        (g, v)
    }
    let (g_native, v_native) = run::<Native>();
    let (g_nest, v_nest) = run::<Nest>();
    assert_eq!(g_native.len(), 61, "samples every 0.5 ms from 0 to 30 ms");
    assert_eq!(g_nest.len(), g_native.len());
    // Peak of a beta conductance = the weight (0.005 uS) for one input.
    let max = g_native[..24].iter().cloned().fold(0.0, f64::max);
    assert!(max > 0.004 && max <= 0.005 + 1e-9, "{max}");
    for k in 0..g_native.len() {
        assert!(
            (g_native[k] - g_nest[k]).abs() < 1e-9,
            "g at {} ms: {} vs NEST {}",
            k as f64 * 0.5,
            g_native[k],
            g_nest[k]
        );
        assert!((v_native[k] - v_nest[k]).abs() < 1e-6, "v at {} ms", k as f64 * 0.5);
    }
}
