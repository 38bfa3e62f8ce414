use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    connect exc -> exc one_to_one() static(weight = 0.1 nA, delay = 0 ms);
    connect exc -> exc one_to_one() static(weight = 0.1 nA, delay = -1.5 ms);
    connect exc -> exc from_list([(0, 1, 0.1 nA, 1 ms), (1, 2, 0.1 nA, 0)]);
}

fn main() {}
