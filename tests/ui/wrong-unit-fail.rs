use pynn::prelude::*;

network! {
    struct Net;
    setup { timestep = 0.1 mV }
    pop exc = IF_curr_exp(10) { tau_m = 20 mV, cm = 250 pF, v_rest = -65 msec, i_offset = 0.1 nS }
        init { v = uniform(-60 mV, -50 ms) };
    pop src = SpikeSourceArray(1) { spike_times = [10 ms, 20 Hz] };
    connect src -> exc all_to_all() static(weight = 4 nS, delay = 1 mV) excitatory;
    connect exc -> exc fixed_probability(p = 0.1 Hz);
    inject dc(amplitude = 1 mV, start = 10 ms) into exc;
    record exc: v every 1 Hz;
}

fn main() {}
