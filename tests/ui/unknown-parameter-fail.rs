use pynn::prelude::*;

network! {
    struct Net;
    setup { timestep = 0.1 ms, sead = 42 }
    pop exc = IF_curr_exp(10) { tau_mem = 20 ms, v_threshold = -50 mV, tau_m = 10 ms, tau_m = 12 ms }
        init { V = -65 mV, gsyn_exc = 0 };
    pop delta = IF_curr_delta(10) { tau_syn_E = 2 ms };
}

fn main() {}
