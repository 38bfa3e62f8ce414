use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(10);
    connect a -> a fixed_probabilty(p = 0.1) static(weight = 0.1 nA);
    connect a -> a FixedProbabilityConnector(0.1);
    connect a -> a all_to_all(allow_self = false);
    connect a -> a fixed_probability();
    inject dcsource(amplitude = 1 nA) into a;
}

fn main() {}
