use pynn::prelude::*;

// Literal ranges the macro can check against the population's size.
network! {
    struct Net;
    pop exc = IF_curr_exp(100);
    record exc[500..]: spikes;
    record exc[100..]: v;
    record exc[5..2]: spikes;
    record exc[50..200]: spikes;
}

fn main() {}
