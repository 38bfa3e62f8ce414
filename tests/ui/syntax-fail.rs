use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10) { tau_m: 20 ms };
    population inh = IF_curr_exp(10);
    connect exc => exc one_to_one();
    record exc spikes;
    pop ok = IF_curr_exp(10);
}

fn main() {}
