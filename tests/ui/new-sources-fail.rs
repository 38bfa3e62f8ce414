use pynn::prelude::*;

network! {
    struct Net;
    pop g = SpikeSourceGamma(5) { alpha = 2 Hz, beta = 10 ms, delta = 1 };
    pop r = SpikeSourcePoissonRefractory(5) { tau_refac = 2 ms };
    pop h = SpikeSourceInhGamma(5) { a = 2, b = [1 mV] };
    pop c = IF_curr_exp(5);
    inject ac(amplitude = 1 nA, frequency = 10 ms, phase = 90 ms) into c;
    inject noisy(mean = 0 nA, stdv = 1 nA) into c + g;
}

fn main() {}
