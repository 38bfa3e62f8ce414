// `vonmises(mu, kappa)` (kappa >= 0, both dimensionless) and `seed = N`
// on any distribution (a whole number >= 0, given once).
use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(4) {
        i_offset = vonmises(mu = 0.5, kappa = -1),
        tau_m = uniform(10 ms, 20 ms, seed = -3),
        cm = normal(0.2 nF, 0.01 nF, seed = 1.5),
    } init { v = normal(-60 mV, 2 mV, seed = 1, seed = 2) };
    pop b = IF_curr_exp(4) { i_offset = vonmises(0.5 nA, 2.0), tau_m = gamma(2, 5 ms, seeds = 4) };
}

fn main() {}
