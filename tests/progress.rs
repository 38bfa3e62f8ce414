//! The progress bar of `Sim::run` (pynn-core/src/progress.rs): a run
//! advanced in chunks, as when the bar is shown, gives bit-identical spikes
//! and membrane potentials to one run; `Setup { progress: false }` is
//! accepted by every backend. (The decision "shown only on a terminal" is
//! a unit test of progress.rs.)
//!
//! The external backends need `PYNN_PYTHON` (NEST, NEURON, Brian2).

use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::prelude::*;

/// Spike times of every cell, and the recorded `v` of the excitatory
/// population, of a small recurrent network (Brunel-like: delta synapses,
/// Poisson drive, min_delay = `min_delay` ms) run to 200 ms by `run`.
fn network<B>(setup: Setup, run: &dyn Fn(&Sim<B>)) -> (Vec<Vec<f64>>, Vec<f64>)
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourcePoisson>,
{
    let sim = Sim::<B>::setup(setup).unwrap_or_else(|e| panic!("{e}"));
    let cell = IF_curr_exp { tau_refrac: 2.0, ..IF_curr_exp::default() };
    let exc = Population::with_label(&sim, 80, cell.clone(), Some("exc")).unwrap();
    let inh = Population::with_label(&sim, 20, cell, Some("inh")).unwrap();
    let all = Assembly::new(&[&exc, &inh]).unwrap();
    let delay = sim.get_min_delay();
    for (pre, n, w, receptor) in [(&exc, 8, 0.3, "excitatory"), (&inh, 2, -1.2, "inhibitory")] {
        let connector = FixedNumberPreConnector { n: n.into(), allow_self_connections: false, with_replacement: false };
        Projection::new(pre, &all, &connector, StaticSynapse::new(w, delay), Some(receptor)).unwrap();
    }
    let drive = Population::new(&sim, 100, SpikeSourcePoisson { rate: 900.0, ..Default::default() }).unwrap();
    Projection::new(&drive, &all, &OneToOneConnector, StaticSynapse::new(1.5, delay), Some("excitatory")).unwrap();
    all.record("spikes", None).unwrap();
    exc.record("v", None).unwrap();
    run(&sim);
    let spikes = all.get_data().unwrap().segments[0].spiketrains.iter().map(|s| s.times.clone()).collect();
    let v = exc.get_data().unwrap().segments[0].signal("v").unwrap().data.clone();
    sim.end().unwrap();
    (spikes, v)
}

fn setup(min_delay: f64, threads: usize) -> Setup {
    Setup { timestep: 0.1, min_delay, max_delay: 5.0, seed: 7, threads, progress: false, ..Setup::default() }
}

/// One run, a chunked run, and a run that starts off the `min_delay` grid
/// (33.3 ms) and then goes on in chunks: identical spikes and v.
fn chunked_equals_one_run<B>(min_delay: f64, threads: usize)
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourcePoisson>,
{
    let whole = network::<B>(setup(min_delay, threads), &|sim| {
        sim.run(200.0).unwrap();
    });
    let chunked = network::<B>(setup(min_delay, threads), &|sim| {
        assert_eq!(sim.run_until_in_chunks(200.0).unwrap(), 200.0);
    });
    let offset = network::<B>(setup(min_delay, threads), &|sim| {
        sim.run(33.3).unwrap();
        sim.run_until_in_chunks(150.0).unwrap();
        sim.run_until_in_chunks(200.0).unwrap();
    });
    let n: usize = whole.0.iter().map(Vec::len).sum();
    assert!(n > 100, "the network spikes ({n} spikes)");
    assert_eq!(whole.1.len(), 2001 * 80);
    assert!(chunked.0 == whole.0, "chunked run: spikes differ (min_delay {min_delay}, {threads} threads)");
    assert!(chunked.1 == whole.1, "chunked run: v differs (min_delay {min_delay}, {threads} threads)");
    assert!(offset.0 == whole.0, "offset chunked run: spikes differ (min_delay {min_delay})");
    assert!(offset.1 == whole.1, "offset chunked run: v differs (min_delay {min_delay})");
}

#[test]
fn native_chunked_run_equals_one_run() {
    for (min_delay, threads) in [(0.1, 1), (1.5, 1), (1.5, 2), (0.3, 2)] {
        chunked_equals_one_run::<Native>(min_delay, threads);
    }
}

#[test]
fn nest_chunked_run_equals_one_run() {
    chunked_equals_one_run::<Nest>(1.5, 1);
}

#[test]
fn neuron_chunked_run_equals_one_run() {
    chunked_equals_one_run::<Neuron>(1.5, 1);
}

#[test]
fn brian2_chunked_run_equals_one_run() {
    chunked_equals_one_run::<Brian2>(1.5, 1);
}

/// `progress: false` is a plain `Setup` field: every backend accepts it
/// and runs (the backends never see it).
#[test]
fn progress_switch_accepted_by_every_backend() {
    fn one<B: Backend + Supports<IF_curr_exp>>() {
        let sim = Sim::<B>::setup(Setup { progress: false, ..Setup::default() }).unwrap_or_else(|e| panic!("{e}"));
        let p = Population::new(&sim, 2, IF_curr_exp { i_offset: 1.0, ..IF_curr_exp::default() }).unwrap();
        p.record("spikes", None).unwrap();
        assert_eq!(sim.run(20.0).unwrap(), 20.0);
        assert_eq!(p.get_data().unwrap().segments[0].spiketrains.len(), 2);
        sim.end().unwrap();
    }
    one::<Native>();
    one::<Nest>();
    one::<Neuron>();
    one::<Brian2>();
    assert!(Setup::default().progress, "on by default");
}

/// STDP and Tsodyks–Markram projections (their updates run at slice
/// boundaries on the native engine): weights, `x` and spikes bit-identical
/// whether the run is one call or chunks.
#[test]
fn native_plastic_chunked_run_equals_one_run() {
    fn plastic(run: &dyn Fn(&Sim<Native>)) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
        let sim = Sim::<Native>::setup(setup(1.0, 2)).unwrap();
        let post = Population::new(&sim, 500, IF_curr_exp { i_offset: 0.9, ..Default::default() }).unwrap();
        post.initialize("v", RandomDistribution::uniform(-65.0, -50.0)).unwrap();
        let pre = Population::new(&sim, 100, SpikeSourcePoisson { rate: 20.0, ..Default::default() }).unwrap();
        let stdp = STDPMechanism::new(
            SpikePairRule::new(20.0, 20.0, 0.01, 0.012),
            GutigWeightDependence::new(0.0, 0.5, 0.4, 0.6),
        )
        .with(RandomDistribution::uniform(0.1, 0.4), 1.5);
        let p1 = Projection::new(&pre, &post, &FixedProbabilityConnector::new(0.1), stdp, None).unwrap();
        let tm = TsodyksMarkramSynapse::new(-0.3, 2.0, 0.4, 200.0, 50.0);
        let p2 = Projection::new(&pre, &post, &FixedProbabilityConnector::new(0.05), tm, Some("inhibitory")).unwrap();
        post.record("spikes", None).unwrap();
        run(&sim);
        let spikes = post.get_data().unwrap().segments[0].spiketrains.iter().map(|s| s.times.clone()).collect();
        (p1.get_values("weight").unwrap(), p2.get_values("x").unwrap(), spikes)
    }
    let whole = plastic(&|sim| {
        sim.run(300.0).unwrap();
    });
    let chunked = plastic(&|sim| {
        sim.run(12.3).unwrap();
        sim.run_until_in_chunks(300.0).unwrap();
    });
    assert!(whole.2.iter().map(Vec::len).sum::<usize>() > 1000, "post cells spike");
    assert!(whole.0.iter().filter(|w| **w != 0.1 && **w != 0.4).count() > whole.0.len() / 2, "weights learn");
    assert!(whole.0.iter().zip(&chunked.0).all(|(a, b)| a.to_bits() == b.to_bits()), "weights differ");
    assert!(whole.1.iter().zip(&chunked.1).all(|(a, b)| a.to_bits() == b.to_bits()), "x differs");
    assert_eq!(whole.2, chunked.2, "spikes differ");
}
