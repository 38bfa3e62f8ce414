use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    pop inh = IF_curr_alpha(10);
    pop d = IF_curr_delta(10);
    connect exc -> inh all_to_all() static(weight = -0.1 nA) excitatory;
    connect inh -> exc all_to_all() static(weight = 0.5 nA) inhibitory;
    connect inh -> d all_to_all() static(weight = 0.5 mV) inhibitory;
    connect exc -> d all_to_all() static(weight = 0.5 nA) excitatory;
    connect exc -> exc all_to_all() static(weight = 0.1 nA) excitory;
}

fn main() {}
