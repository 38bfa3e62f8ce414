//! VA COBA written with `network!` gives exactly the spike trains of the
//! object-API version (examples/va_coba.rs, PyNN's VAbenchmarks.py COBA):
//! same seed, same creation order of populations and projections, hence the
//! same keyed random streams. Shortened to 100 ms to keep the test fast.

use pynn::prelude::*;

const SEED: u64 = 98765;
const T_STOP: f64 = 100.0;

network! {
    /// VA COBA (Brette et al. 2007, benchmark 1), as in examples/va_coba.rs.
    struct VaCoba;

    setup { timestep = 0.1 ms, min_delay = 0.2 ms, max_delay = 1 ms, seed = { SEED } }

    pop exc = IF_cond_exp(3200) {
        tau_m = 20 ms, cm = 0.2 nF, v_rest = -60 mV, v_thresh = -50 mV, v_reset = -60 mV,
        tau_refrac = 5 ms, tau_syn_E = 5 ms, tau_syn_I = 10 ms, e_rev_E = 0 mV, e_rev_I = -80 mV,
        i_offset = 0 nA,
    } init { v = uniform(-60 mV, -50 mV) };
    pop inh = IF_cond_exp(800) {
        tau_m = 20 ms, cm = 0.2 nF, v_rest = -60 mV, v_thresh = -50 mV, v_reset = -60 mV,
        tau_refrac = 5 ms, tau_syn_E = 5 ms, tau_syn_I = 10 ms, e_rev_E = 0 mV, e_rev_I = -80 mV,
        i_offset = 0 nA,
    } init { v = uniform(-60 mV, -50 mV) };
    /// External drive: 20 Poisson sources, 100 Hz during the first 50 ms.
    pop stim = SpikeSourcePoisson(20) { rate = 100 Hz, duration = 50 ms };

    connect ee = exc -> exc fixed_probability(p = 0.02) static(weight = 4 nS, delay = 0.2 ms) excitatory;
    connect ei = exc -> inh fixed_probability(p = 0.02) static(weight = 4 nS, delay = 0.2 ms) excitatory;
    connect ie = inh -> exc fixed_probability(p = 0.02) static(weight = 51 nS, delay = 0.2 ms) inhibitory;
    connect ii = inh -> inh fixed_probability(p = 0.02) static(weight = 51 nS, delay = 0.2 ms) inhibitory;
    connect se = stim -> exc fixed_probability(p = 0.01) static(weight = 0.1 uS, delay = 0.2 ms) excitatory;
    connect si = stim -> inh fixed_probability(p = 0.01) static(weight = 0.1 uS, delay = 0.2 ms) excitatory;

    record exc: spikes;
    record inh: spikes;
    record exc[0..2]: v;
}

type Pop = Population<IF_cond_exp, Native>;

/// What a run yields: the spike trains of every cell (exc, then inh), the
/// projection sizes, and `v` of the two recorded excitatory cells.
type Run = (Vec<Vec<f64>>, Vec<usize>, Vec<f64>);

/// The object-API version, as in examples/va_coba.rs.
fn object_api() -> Result<Run> {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.2,
        max_delay: 1.0,
        seed: SEED,
        threads: 0,
        ..Setup::default()
    })?;
    let cell = IF_cond_exp {
        tau_m: 20.0,
        cm: 0.2,
        v_rest: -60.0,
        v_thresh: -50.0,
        v_reset: -60.0,
        tau_refrac: 5.0,
        tau_syn_E: 5.0,
        tau_syn_I: 10.0,
        e_rev_E: 0.0,
        e_rev_I: -80.0,
        i_offset: 0.0,
    };
    let exc = Pop::with_label(&sim, 3200, cell.clone(), Some("exc"))?;
    let inh = Pop::with_label(&sim, 800, cell, Some("inh"))?;
    let v_init = RandomDistribution::uniform(-60.0, -50.0);
    exc.initialize("v", v_init.clone())?;
    inh.initialize("v", v_init)?;
    let (w_exc, w_inh, delay) = (4e-3, 51e-3, 0.2);
    let connector = FixedProbabilityConnector::new(0.02);
    let mut sizes = Vec::new();
    for (pre, w, receptor) in [(&exc, w_exc, "excitatory"), (&inh, w_inh, "inhibitory")] {
        for post in [&exc, &inh] {
            let prj = Projection::new(pre, post, &connector, StaticSynapse::new(w, delay), Some(receptor))?;
            sizes.push(prj.size());
        }
    }
    let stim = Population::<SpikeSourcePoisson, Native>::with_label(
        &sim,
        20,
        SpikeSourcePoisson { rate: 100.0, duration: 50.0, ..Default::default() },
        Some("stim"),
    )?;
    let ext = FixedProbabilityConnector::new(0.01);
    for post in [&exc, &inh] {
        let prj = Projection::new(&stim, post, &ext, StaticSynapse::new(0.1, delay), Some("excitatory"))?;
        sizes.push(prj.size());
    }
    exc.record("spikes", None)?;
    inh.record("spikes", None)?;
    exc.view(0..2)?.record("v", None)?;
    sim.run(T_STOP)?;
    let (trains, v) = collect(&exc, &inh)?;
    Ok((trains, sizes, v))
}

fn collect(exc: &Pop, inh: &Pop) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
    let mut trains = Vec::new();
    for pop in [exc, inh] {
        let block = pop.get_data()?;
        trains.extend(block.segments[0].spiketrains.iter().map(|s| s.times.clone()));
    }
    let v = exc.get_data()?.segments[0].signal("v").expect("v recorded").data.clone();
    Ok((trains, v))
}

#[test]
fn va_coba_network_macro_matches_object_api() -> Result<()> {
    let (expected, expected_sizes, expected_v) = object_api()?;

    let (sim, net) = VaCoba::<Native>::setup_and_build()?;
    sim.run(T_STOP)?;
    let sizes: Vec<usize> = [&net.ee, &net.ei, &net.ie, &net.ii, &net.se, &net.si].iter().map(|p| p.size()).collect();
    assert_eq!(sizes, expected_sizes, "synapse counts per projection");
    assert_eq!(net.ee.get_values("weight")?[0], 4e-3, "4 nS is 0.004 uS");
    let (trains, v) = collect(&net.exc, &net.inh)?;

    assert_eq!(trains.len(), 4000);
    let n_spikes: usize = trains.iter().map(Vec::len).sum();
    assert!(n_spikes > 100, "the network should be active, got {n_spikes} spikes");
    assert_eq!(trains, expected, "spike trains differ");
    assert_eq!(v, expected_v, "membrane traces differ");
    Ok(())
}
