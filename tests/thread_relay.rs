//! The native engine's persistent workers (`team.rs`'s relay: no
//! fork-join per slice) against one thread: bit-identical spikes and
//! traces for 1, 2 and 3 threads on a network whose slices are short
//! (min_delay = 2 steps, as in Vogels-Abbott CUBA) and whose cells take
//! current from eight sources (DC, AC, step and noise; their values are
//! computed ahead for up to 2^16 source-steps, so a 1000 ms run here is
//! cut into two relay runs), over a run split in two calls.

use pynn::prelude::*;

/// Spikes and traces of a 2000-cell recurrent network with current
/// sources, run 600 + 400 ms on `threads` threads.
fn network(threads: usize) -> Vec<Block> {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.2,
        max_delay: 1.0,
        seed: 4242,
        threads,
        ..Setup::default()
    })
    .unwrap();
    assert_eq!(sim.with_backend(|b| b.threads()), threads);
    sim.with_backend(|b| b.set_relay(true));
    let cell = IF_curr_exp { tau_refrac: 2.0, ..IF_curr_exp::default() };
    let exc = Population::with_label(&sim, 1600, cell.clone(), Some("exc")).unwrap();
    let inh = Population::with_label(&sim, 400, cell, Some("inh")).unwrap();
    let all = (&exc + &inh).unwrap();
    all.initialize("v", RandomDistribution::uniform(-65.0, -55.0)).unwrap();
    let fp = FixedProbabilityConnector::new(0.02);
    let delay = || Some(Value::from(RandomDistribution::uniform(0.2, 1.0)));
    Projection::new(&exc, &all, &fp, StaticSynapse { weight: 0.2.into(), delay: delay() }, Some("excitatory")).unwrap();
    Projection::new(&inh, &all, &fp, StaticSynapse { weight: (-0.6).into(), delay: delay() }, Some("inhibitory"))
        .unwrap();
    // Eight sources on overlapping groups of cells, in both populations.
    for k in 0..2 {
        let e = exc.view(k * 400..k * 400 + 800).unwrap();
        let i = inh.view(k * 100..k * 100 + 200).unwrap();
        for view in [&e, &i] {
            view.inject(DCSource { amplitude: 0.9 + 0.1 * k as f64, start: 50.0, stop: 900.0 }).unwrap();
            view.inject(NoisyCurrentSource { mean: 0.5, stdev: 0.3, start: 0.0, stop: 1000.0, dt: 0.5 }).unwrap();
        }
        let e = exc.view(k * 800..k * 800 + 800).unwrap();
        e.inject(ACSource { start: 100.0, stop: 800.0, amplitude: 0.4, offset: 0.2, frequency: 10.0, phase: 0.0 })
            .unwrap();
        e.inject(StepCurrentSource { times: vec![300.0, 550.0], amplitudes: vec![0.3, 0.0] }).unwrap();
    }
    exc.record("spikes", None).unwrap();
    inh.record("spikes", None).unwrap();
    exc.view(0..5).unwrap().record("v", None).unwrap();
    sim.run(600.0).unwrap();
    sim.run(400.0).unwrap();
    vec![exc.get_data().unwrap(), inh.get_data().unwrap()]
}

fn spikes(b: &Block) -> usize {
    b.segments[0].spiketrains.iter().map(|s| s.times.len()).sum()
}

#[test]
fn relay_gives_the_one_thread_results_with_current_sources_and_short_slices() {
    let one = network(1);
    // The network is active (else identity would be trivial) and not
    // saturated: between 1 and 100 Hz per excitatory cell over 1 s.
    let n = spikes(&one[0]);
    assert!((1600..160_000).contains(&n), "{n} excitatory spikes");
    for threads in [2, 3] {
        let other = network(threads);
        for (k, (a, b)) in one.iter().zip(&other).enumerate() {
            assert!(a == b, "population {k}: data with {threads} threads differ from 1 thread");
        }
    }
}
