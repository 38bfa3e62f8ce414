//! VA CUBA written with `network!` gives exactly the spike trains of the
//! object-API version (examples/va_cuba.rs): same seed, same creation order
//! of populations and projections, hence the same keyed random streams.

use pynn::prelude::*;

const SEED: u64 = 98765;
const T_STOP: f64 = 200.0;

network! {
    /// VA CUBA (Brette et al. 2007, benchmark 2), as in examples/va_cuba.rs.
    struct VaCuba;

    setup { timestep = 0.1 ms, min_delay = 0.2 ms, max_delay = 1 ms, seed = { SEED } }

    pop exc = IF_curr_exp(3200) {
        tau_m = 20 ms, cm = 0.2 nF, v_rest = -49 mV, v_thresh = -50 mV,
        v_reset = -60 mV, tau_refrac = 5 ms, tau_syn_E = 5 ms, tau_syn_I = 10 ms, i_offset = 0 nA,
    } init { v = uniform(-60 mV, -50 mV) };
    pop inh = IF_curr_exp(800) {
        tau_m = 20 ms, cm = 0.2 nF, v_rest = -49 mV, v_thresh = -50 mV,
        v_reset = -60 mV, tau_refrac = 5 ms, tau_syn_E = 5 ms, tau_syn_I = 10 ms, i_offset = 0 nA,
    } init { v = uniform(-60 mV, -50 mV) };

    // Conductances 0.27 nS / 4.5 nS times the driving force at -60 mV, as
    // the example computes them (same f64 values).
    connect ee = exc -> exc fixed_probability(p = 0.02) static(weight = { 1e-3 * 0.27 * 60.0 } nA, delay = 0.2 ms) excitatory;
    connect ei = exc -> inh fixed_probability(p = 0.02) static(weight = { 1e-3 * 0.27 * 60.0 } nA, delay = 0.2 ms) excitatory;
    connect ie = inh -> exc fixed_probability(p = 0.02) static(weight = { 1e-3 * 4.5 * -20.0 } nA, delay = 0.2 ms) inhibitory;
    connect ii = inh -> inh fixed_probability(p = 0.02) static(weight = { 1e-3 * 4.5 * -20.0 } nA, delay = 0.2 ms) inhibitory;

    record exc: spikes;
    record inh: spikes;
    record exc[0..2]: v;
}

/// What a run yields: the spike trains of every cell (exc, then inh), the
/// projection sizes, and `v` of the two recorded excitatory cells.
type Run = (Vec<Vec<f64>>, Vec<usize>, Vec<f64>);

/// The object-API version, as in examples/va_cuba.rs.
fn object_api() -> Result<Run> {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.2,
        max_delay: 1.0,
        seed: SEED,
        threads: 0,
        ..Setup::default()
    })?;
    let cell = IF_curr_exp {
        tau_m: 20.0,
        cm: 0.2,
        v_rest: -49.0,
        v_thresh: -50.0,
        v_reset: -60.0,
        tau_refrac: 5.0,
        tau_syn_E: 5.0,
        tau_syn_I: 10.0,
        i_offset: 0.0,
    };
    let exc = Population::with_label(&sim, 3200, cell.clone(), Some("exc"))?;
    let inh = Population::with_label(&sim, 800, cell, Some("inh"))?;
    let v_init = RandomDistribution::uniform(-60.0, -50.0);
    exc.initialize("v", v_init.clone())?;
    inh.initialize("v", v_init)?;
    let (w_exc, w_inh, delay) = (1e-3 * 0.27 * 60.0, 1e-3 * 4.5 * -20.0, 0.2);
    let connector = FixedProbabilityConnector::new(0.02);
    let mut sizes = Vec::new();
    for (pre, w, receptor) in [(&exc, w_exc, "excitatory"), (&inh, w_inh, "inhibitory")] {
        for post in [&exc, &inh] {
            let prj = Projection::new(pre, post, &connector, StaticSynapse::new(w, delay), Some(receptor))?;
            sizes.push(prj.size());
        }
    }
    exc.record("spikes", None)?;
    inh.record("spikes", None)?;
    exc.view(0..2)?.record("v", None)?;
    sim.run(T_STOP)?;
    let (trains, v) = collect(&exc, &inh)?;
    Ok((trains, sizes, v))
}

fn collect(
    exc: &Population<IF_curr_exp, Native>,
    inh: &Population<IF_curr_exp, Native>,
) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
    let mut trains = Vec::new();
    for pop in [exc, inh] {
        let block = pop.get_data()?;
        trains.extend(block.segments[0].spiketrains.iter().map(|s| s.times.clone()));
    }
    let v = exc.get_data()?.segments[0].signal("v").expect("v recorded").data.clone();
    Ok((trains, v))
}

#[test]
fn va_cuba_network_macro_matches_object_api() -> Result<()> {
    let (expected, expected_sizes, expected_v) = object_api()?;

    let (sim, net) = VaCuba::<Native>::setup_and_build()?;
    assert_eq!(VaCuba::<Native>::setup().seed, SEED);
    sim.run(T_STOP)?;
    let sizes: Vec<usize> = [&net.ee, &net.ei, &net.ie, &net.ii].iter().map(|p| p.size()).collect();
    assert_eq!(sizes, expected_sizes, "synapse counts per projection");
    let (trains, v) = collect(&net.exc, &net.inh)?;

    assert_eq!(trains.len(), 4000);
    let n_spikes: usize = trains.iter().map(Vec::len).sum();
    assert!(n_spikes > 1000, "the network should be active, got {n_spikes} spikes");
    assert_eq!(trains, expected, "spike trains differ");
    assert_eq!(v, expected_v, "membrane traces differ");
    Ok(())
}
