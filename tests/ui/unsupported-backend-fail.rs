// A backend that does not implement a cell type: the error points at the
// cell type in the network.
use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
}

fn build<B: pynn::Backend>(sim: &Sim<B>) -> pynn::Result<Net<B>> {
    Net::build(sim)
}

fn main() {}
