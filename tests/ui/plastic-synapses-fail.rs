use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    pop cond = IF_cond_exp(10);
    // Out of the table's domains; a unit of the wrong dimension.
    connect exc -> exc all_to_all() tsodyks_markram(U = 0, tau_rec = -800 ms, tau_facil = 5 mV, weight = 0.01 nA);
    // Initial state: outside [0, 1]; not a state variable of the type.
    connect exc -> exc all_to_all() tsodyks_markram() init { u = 1.5, z = 0.5 } excitatory;
    connect exc -> exc all_to_all() tsodyks_markram() init { x = 0.75, y = 0.5 } excitatory;
    connect exc -> exc all_to_all() stdp(spike_pair(), additive()) init { u = 0.5 } excitatory;
    // Delays as for static synapses: at least min_delay (0.1 ms by default).
    connect exc -> exc all_to_all() tsodyks_markram(delay = 0.05 ms) excitatory;
    // Signs: plastic weights follow the receptor; bounds are magnitudes.
    connect exc -> exc all_to_all() stdp(spike_pair(), additive(w_max = 1 nA), weight = 0.5 nA) inhibitory;
    connect exc -> cond all_to_all() stdp(spike_pair(), additive(w_min = -1 nS, w_max = 1 nA), weight = 0.5 nS);
    // Unknown or missing parts.
    connect exc -> exc all_to_all() stdp(spike_par(), additive()) excitatory;
    connect exc -> exc all_to_all() stdp(timing_dependence = spike_pair(tau_pls = 20 ms)) excitatory;
    connect exc -> exc all_to_all() stdp(spike_pair(), weight_dependence = 0.5) excitatory;
    // The rules STDPMechanism applies when the projection is created.
    connect exc -> exc all_to_all() stdp(spike_pair(A_plus = -0.01), additive(w_max = 0.01 nA), weight = 0.02 nA, dendritic_delay_fraction = 0.5) excitatory;
    connect exc -> exc all_to_all() stdp(vogels2011(), gutig()) inhibitory;
}

network! {
    struct Rec;
    pop exc = IF_curr_exp(10);
    connect ee = exc -> exc all_to_all() stdp(spike_pair(), additive(), weight = 0.5 nA);
    record ee: weight;
    record ee: v every 1 ms;
}

fn main() {}
