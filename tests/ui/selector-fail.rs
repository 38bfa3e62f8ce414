// `pop[{ expr }]` with an expression that selects no cells: the error
// names the type and lists what selects cells.
use pynn::prelude::*;

const FIRST: f64 = 0.0;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    record exc[{ FIRST }]: spikes;
}

fn main() {}
