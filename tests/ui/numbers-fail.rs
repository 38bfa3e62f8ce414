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
}

fn size<B: pynn::Backend>(net: &Net<B>) -> usize {
    net.exc.size()
}

fn main() {}
