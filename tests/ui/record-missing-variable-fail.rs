use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    pop delta = IF_curr_delta(10);
    pop noise = SpikeSourcePoisson(10) { rate = 5 Hz };
    record noise: spikes, v;
    record exc + delta: spikes, isyn_exc;
    record exc: volt;
}

fn main() {}
