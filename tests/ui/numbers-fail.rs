// Numbers the macro refuses on the user's token, with no cascade: a
// literal that overflows `f64`, a negative seed, negative indices.
use pynn::prelude::*;

network! {
    struct Net;
    setup { seed = -1 }
    pop exc = IF_curr_exp(100) { tau_m = 1e400 ms };
    connect exc -> exc one_to_one() static(weight = 1e400 nA);
    record exc[-1]: spikes;
    record exc[-5..]: v;
    connect exc -> exc from_list([(-1, 0)]);
    connect exc -> exc fixed_total_number(-10);
    pop other = IF_curr_exp(10) init { v = binomial(n = -3, p = 0.5) };
}

fn size<B: pynn::Backend>(net: &Net<B>) -> usize {
    net.exc.size()
}

fn main() {}
