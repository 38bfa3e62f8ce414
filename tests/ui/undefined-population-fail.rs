use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    pop inh = IF_curr_exp(10);
    connect exx -> exc + ihn all_to_all() static(weight = 0.1 nA);
    inject dc(amplitude = 1 nA) into stim;
    record excitatory: spikes;
}

fn main() {}
