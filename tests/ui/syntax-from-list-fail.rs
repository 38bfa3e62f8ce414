// `from_list` with `column_names`: each column an attribute of the
// synapse type, each row (pre, post, one value per column), the values
// checked as the attribute's (unit, sign, domain, min_delay), the indices
// against the population sizes.
use pynn::prelude::*;

network! {
    struct Net;
    pop a = SpikeSourceArray(3);
    pop b = IF_curr_exp(2);
    connect a -> b from_list([(0, 0, 0.5 nA, 1 ms)], column_names = [weight, tau]) static();
    connect a -> b from_list([(0, 0, 0.5, 0.6)], column_names = [weight, weight]);
    connect a -> b from_list([(0, 0, 0.5 nA), (3, 2, 0.5 nA, 1 ms)], column_names = [weight, delay]);
    connect a -> b from_list([(0, 1, -0.5 nA, 0 ms)], column_names = ["weight", "delay"]) excitatory;
    connect a -> b from_list([(0, 1, 0.5 nA, 1.5, 10 mV)], column_names = [weight, U, tau_rec]) tsodyks_markram();
    connect a -> b from_list([(0, 1, 0.5)], column_names = weight);
}

fn main() {}
