// Every construct of the grammar, built and run on the native engine.
use pynn::prelude::*;

const W: f64 = 0.05;

network! {
    /// A network using every construct.
    pub struct Everything;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms, max_delay = 5 ms, seed = 7, threads = 1 }

    /// Excitatory cells.
    pop exc = IF_curr_exp(20, label = "excitatory") {
        tau_m = 20 ms, cm = 250 pF, v_thresh = -50 mV, i_offset = { 0.1 + 0.05 } nA,
        tau_refrac = normal_clipped(mu = 2 ms, sigma = 0.5 ms, low = 1 ms, high = 3 ms),
    } init { v = uniform(-65 mV, -55 mV), isyn_exc = 0 nA };
    pop alpha = IF_curr_alpha(10) { v_rest = -0.065 V, tau_syn_E = 0.5 };
    pop delta = IF_curr_delta(10) { v_reset = [-70, -69, -68, -67, -66, -65, -64, -63, -62, -61] };
    pop noise = SpikeSourcePoisson(5) { rate = 0.05 kHz, start = 0 s, duration = 1e10 ms };
    pop stim = SpikeSourceArray(2) { spike_times = [5 ms, 10 ms, 15 ms] };
    pop trains = SpikeSourceArray(2) { spike_times = [[1 ms, 2 ms], [3 ms]] };

    connect input = noise -> exc + alpha fixed_probability(0.5, allow_self_connections = true)
        static(weight = normal(mu = 0.1 nA, sigma = 0.01 nA), delay = uniform(0.5 ms, 1.5 ms)) excitatory;
    connect stim -> exc[0..2] one_to_one() static(weight = 100 pA, delay = 1 ms);
    connect trains -> delta[..2] from_list([(0, 0), (1, 1)]) static(weight = 0.5 mV);
    connect exc[10..] -> delta from_list([(0, 0, 0.2 mV, 1 ms), (1, 3, 0.3 mV, 2 ms)]) excitatory;
    connect exc -> alpha[3] all_to_all(allow_self_connections = false) static(weight = W nA);
    connect inh = alpha[[0, 2, 4]] -> exc fixed_probability(p_connect = 0.2) static(weight = -0.2 nA) inhibitory;
    connect exc -> exc[{ vec![true; 20] }] all_to_all() static(weight = { W }, delay = 0.1 ms);

    inject pulse = dc(amplitude = 0.5 nA, start = 10 ms, stop = 20 ms) into exc[0..5];
    inject step(times = [5 ms, 15 ms], amplitudes = [0.2 nA, 0 nA]) into alpha + delta[0..3];

    record exc + alpha: spikes;
    record exc[0..2]: v, isyn_exc every 1 ms;
    record delta: v every 0.5 ms;
    record noise + stim: spikes;
}

fn main() -> pynn::Result<()> {
    let (sim, net) = Everything::<Native>::setup_and_build()?;
    assert_eq!(Everything::<Native>::setup().threads, 1);
    sim.run(30.0)?;
    assert_eq!(net.exc.label(), "excitatory");
    assert_eq!(net.exc.get("cm")?[0], 0.25);
    assert_eq!(net.alpha.get("v_rest")?[0], -65.0);
    assert_eq!(net.noise.get("rate")?[0], 50.0);
    assert_eq!(net.delta.get("v_reset")?[9], -61.0);
    assert!(net.exc.get("tau_refrac")?.iter().all(|t| (1.0..=3.0).contains(t)));
    assert!(net.input.size() > 0);
    assert_eq!(net.inh.get_values("weight")?.iter().all(|w| *w == -0.2), true);
    assert_eq!(net.pulse.get("amplitude")?.clone_scalar(), Some(0.5));
    let v = net.exc.get_data()?;
    assert_eq!(v.segments[0].signal("v").unwrap().n_samples(), 31);
    Ok(())
}
