use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(10);
    connect a -> a one_to_one() statc(weight = 0.1 nA);
    connect a -> a one_to_one() TsodyksMarkramSynapse(U = 0.5);
    connect a -> a one_to_one() static(wieght = 0.1 nA);
}

fn main() {}
