// A statement with a syntax error of its own and no `;` before the next
// statement: both mistakes are reported, on their tokens, and the next
// statement is kept (no "no population named `inh`"), as is the name of
// the broken one (no "no population named `exc`").
use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10) { tau_m: 20 ms }
    pop inh = IF_curr_exp(5);
    connect exc -> inh all_to_all() static(weight = 0.1 nA);
    record inh: spikes;
}

fn size<B: pynn::Backend>(net: &Net<B>) -> usize {
    net.exc.size() + net.inh.size()
}

fn main() {}
