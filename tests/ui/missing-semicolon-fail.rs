// A missing `;` is reported on the token before it; both statements are
// kept, so no "no population named ..." follows, and the struct exists.
use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10)
    pop inh = IF_curr_exp(5);
    connect exc -> inh all_to_all() static(weight = 0.1 nA)
    /// A documented statement after the missing `;`.
    record exc + inh: spikes;
    record inh: v
}

fn size<B: pynn::Backend>(net: &Net<B>) -> usize {
    net.exc.size() + net.inh.size()
}

fn main() {}
