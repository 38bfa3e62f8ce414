// Every cell type of the core, with parameters and initial values in the
// core's own units (nS, 1/ms, mV/ms, dimensionless), built and run.
use pynn::prelude::*;

network! {
    struct Cells;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms, seed = 3 }

    pop drive = SpikeSourcePoisson(10) { rate = 200 Hz };
    pop ce = IF_cond_exp(5) { e_rev_I = -80 mV, tau_syn_I = 10 ms } init { gsyn_exc = 1 nS };
    pop ca = IF_cond_alpha(5) { tau_syn_E = 0.3 ms } init { v = uniform(-65 mV, -55 mV) };
    pop sfa = IF_cond_exp_gsfa_grr(5) { q_sfa = 0.015 uS, q_rr = 3000 nS, tau_sfa = 0.1 s }
        init { g_r = 0 nS, g_s = 1 };
    pop hw = IF_facets_hardware1(5) { g_leak = 40 nS, v_thresh = -55 mV };
    pop adex = EIF_cond_exp_isfa_ista(5) { a = 4 nS, b = 80.5 pA, delta_T = 2 mV, tau_w = 144 ms }
        init { w = 0 nA };
    pop adexa = EIF_cond_alpha_isfa_ista(5) { a = 0.004 uS };
    pop hh = HH_cond_exp(5) { gbar_Na = 20 uS, gbar_K = 6000 nS, g_leak = 0.01 uS }
        init { m = 0.05, h = uniform(0.5, 0.6), n = 0.3 };
    pop refr = SpikeSourcePoissonRefractory(5) { rate = 0.1 kHz, tau_refrac = 2 ms };
    pop gam = SpikeSourceGamma(5) { alpha = 4, beta = 50 Hz, start = 1 ms };
    pop inhg = SpikeSourceInhGamma(5) { a = [2, 3], b = [0.01, 20 ms], tbins = [0 ms, 10 ms] };
    pop izh = Izhikevich(5) { a = 0.02, b = 200 Hz, c = -65 mV, d = 8, i_offset = 10 pA }
        init { u = -14 };

    connect drive -> ce + ca + sfa + hw + adex + adexa + hh all_to_all() static(weight = 2 nS, delay = 1 ms) excitatory;
    connect ce -> ca fixed_probability(0.5) static(weight = normal_clipped(mu = 5 nS, sigma = 1 nS, low = 0 nS, high = 10 nS)) inhibitory;
    connect refr + gam + inhg -> ce fixed_probability(0.5) static(weight = 1 nS, delay = 1 ms);
    inject wave = ac(amplitude = 200 pA, offset = 0.1 nA, frequency = 0.05 kHz, phase = 90, start = 1 ms) into ce[0..2];
    inject noise = noisy(mean = 0.1 nA, stdev = 50 pA, dt = 1 ms, stop = 15 ms) into ca + hh[0];
    connect drive -> izh all_to_all() static(weight = 1.5 mV) excitatory;
    connect izh -> izh all_to_all() static(weight = -0.5 mV) inhibitory;

    record ce + ca + hw: spikes, v, gsyn_exc, gsyn_inh;
    record sfa: g_r, g_s;
    record adex + adexa: w;
    record hh: m, h, n;
    record izh: v, u;
    record refr + gam + inhg: spikes;
}

fn main() -> pynn::Result<()> {
    let (sim, net) = Cells::<Native>::setup_and_build()?;
    sim.run(20.0)?;
    assert_eq!(net.sfa.get("q_sfa")?[0], 15.0); // nS
    assert_eq!(net.sfa.get("q_rr")?[0], 3000.0);
    assert_eq!(net.sfa.get("tau_sfa")?[0], 100.0);
    assert_eq!(net.hw.get("g_leak")?[0], 40.0);
    assert_eq!(net.adex.get("a")?[0], 4.0); // nS
    assert_eq!(net.adexa.get("a")?[0], 4.0);
    assert_eq!(net.adex.get("b")?[0], 0.0805); // nA
    assert_eq!(net.hh.get("gbar_K")?[0], 6.0); // uS
    assert_eq!(net.izh.get("b")?[0], 0.2); // 1/ms
    assert_eq!(net.izh.get("i_offset")?[0], 0.01);
    let data = net.hh.get_data()?;
    assert_eq!(data.segments[0].signal("m").unwrap().n_samples(), 201);
    assert!(net.izh.get_data()?.segments[0].signal("u").is_some());
    assert_eq!(net.refr.get("rate")?[0], 100.0);
    assert_eq!(net.gam.get("beta")?[0], 50.0);
    assert_eq!(net.gam.get("alpha")?[0], 4.0);
    assert_eq!(net.inhg.get_sequences("b")?, vec![vec![0.01, 0.02]; 5]); // s
    assert_eq!(net.wave.get("amplitude")?.clone_scalar(), Some(0.2));
    assert_eq!(net.wave.get("frequency")?.clone_scalar(), Some(50.0));
    assert_eq!(net.wave.get("phase")?.clone_scalar(), Some(90.0));
    assert_eq!(net.noise.get("stdev")?.clone_scalar(), Some(0.05));
    assert_eq!(net.noise.get("dt")?.clone_scalar(), Some(1.0));
    let spikes = net.refr.get_data()?.segments[0].spiketrains.len();
    assert_eq!(spikes, 5);
    Ok(())
}
