use pynn::prelude::*;

network! {
    struct Net;
    pop src = SpikeSourcePoisson(10) { rate = 10 Hz };
    pop exc = IF_curr_exp(10) { tau_m = true };
    pop arr = SpikeSourceArray(1) { spike_times = 10 ms };
    connect exc -> src all_to_all();
    inject dc(amplitude = 1 nA) into src;
    record exc[0..20]: spikes;
    pop empty = IF_curr_exp(0);
}

fn main() {}
