// Rules of the object API on literal values, checked at compile time with
// the same rule and wording as at run time.
use pynn::prelude::*;

network! {
    struct Net;
    setup { timestep = 0.1 ms }
    pop a = IF_curr_exp(10) { v_reset = -45 mV, v_thresh = -50 mV };
    pop b = IF_curr_exp(10) { v_reset = -40 mV };
    pop c = IF_cond_exp(10) { tau_m = -20 ms, cm = 0 nF };
    pop d = SpikeSourcePoisson(10) { rate = -5 Hz };
    pop e = SpikeSourceArray(1) { spike_times = [10 ms, 5 ms, 20 ms] };
    pop f = IF_curr_exp(10) init { v = uniform(-50 mV, -70 mV) };
    pop g = IF_curr_exp(10) { i_offset = normal(mu = 0 nA, sigma = -1 nA) };
    inject dc(amplitude = 1 nA, start = 20 ms, stop = 10 ms) into a;
    inject noisy(mean = 0 nA, stdev = 1 nA, dt = 0.25 ms) into b;
    record a: v every 0.25 ms;
}

fn main() {}
