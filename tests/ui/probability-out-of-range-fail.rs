use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    connect exc -> exc fixed_probability(p = 1.5);
    connect exc -> exc fixed_probability(-0.1);
    connect exc -> exc fixed_probability(p_connect = 2);
}

fn main() {}
