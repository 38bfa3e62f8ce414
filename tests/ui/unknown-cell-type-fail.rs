use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_cur_exp(10);
    pop noise = Poisson(10) { rate = 10 Hz };
    pop cells = IzhikevichNeuron(5);
}

fn main() {}
