// `vonmises(mu, kappa)` (kappa >= 0, both dimensionless), `seed = N` on
// any distribution (a whole number >= 0, given once), and the domains of
// `RandomDistribution::validate` on literal parameters.
use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(4) {
        i_offset = vonmises(mu = 0.5, kappa = -1),
        tau_m = uniform(10 ms, 20 ms, seed = -3),
        cm = normal(0.2 nF, 0.01 nF, seed = 1.5),
    } init { v = normal(-60 mV, 2 mV, seed = 1, seed = 2) };
    pop b = IF_curr_exp(4) { i_offset = vonmises(0.5 nA, 2.0), tau_m = gamma(2, 5 ms, seeds = 4) };
    pop c = IF_curr_exp(4) {
        tau_m = exponential(beta = 0 ms),
        tau_refrac = gamma(k = -1, theta = 0 ms),
        cm = lognormal(mu = 800, sigma = 1),
        i_offset = poisson(lambda_ = 0),
    };
}

fn main() {}
