use pynn::prelude::*;

// Every synapse type, timing and weight dependence, initial synaptic state
// and weight recording.
network! {
    struct Net;
    setup { timestep = 0.1 ms, min_delay = 0.1 ms }
    pop exc = IF_curr_exp(10);
    pop cond = IF_cond_exp(10);
    connect a = exc -> exc all_to_all() tsodyks_markram(U = 0.5, tau_rec = 800 ms, tau_facil = 0 ms, weight = 0.01 nA, delay = 1 ms)
        init { u = 0.5, x = 0.5, y = 0.25 } excitatory;
    connect b = exc -> exc all_to_all() tsodyks_markram(0.04, 100 ms, 1 s, -10 pA) inhibitory;
    connect c = exc -> cond all_to_all() stdp(
        timing_dependence = spike_pair(tau_plus = 20 ms, tau_minus = 20 ms, A_plus = 0.01, A_minus = 0.012),
        weight_dependence = additive(w_min = 0 nS, w_max = 20 nS),
        weight = 4 nS, delay = 0.2 ms, dendritic_delay_fraction = 1.0,
    );
    connect exc -> exc all_to_all() stdp(spike_pair(), multiplicative(w_max = 0.1 nA), 0.05 nA) excitatory;
    connect exc -> exc all_to_all() stdp(spike_pair(), additive_multiplicative(0 nA, 0.1 nA), -0.05 nA) inhibitory;
    connect exc -> exc all_to_all() stdp(spike_pair(), gutig(w_max = 0.1 nA, mu_plus = 0.5, mu_minus = 0.5), 0.05 nA);
    connect exc -> cond all_to_all() stdp(vogels2011(tau = 20 ms, eta = 1e-10 uS, rho = 3 Hz), additive(0 uS, 0.1 uS), 0.01 uS) inhibitory;
    record a: weight every 10 ms;
    record c: weight every 1 ms;
}

fn main() {
    let _ = |sim: &Sim<Native>| -> Result<()> {
        let net = Net::<Native>::build(sim)?;
        let _: &Projection<Native> = &net.b;
        Ok(())
    };
}
