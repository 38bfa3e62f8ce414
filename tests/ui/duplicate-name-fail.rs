use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    pop exc = IF_curr_exp(20);
    connect exc = exc -> exc one_to_one();
    connect p = exc -> exc one_to_one();
    inject p = dc(amplitude = 1 nA) into exc;
    pop sim = IF_curr_exp(1);
}

fn main() {}
