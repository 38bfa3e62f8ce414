// Connector arguments checked against the literal sizes of both sides, and
// delays against `min_delay`.
use pynn::prelude::*;

network! {
    struct Net;
    setup { timestep = 0.1 ms, min_delay = 0.2 ms }
    pop pre = IF_curr_exp(100);
    pop post = IF_curr_exp(10);
    connect pre -> post from_list([(0, 0), (100, 3), (5, 10)]);
    connect pre -> post fixed_number_pre(500);
    connect pre[0..10] -> post fixed_number_post(11, with_replacement = false);
    connect pre -> post fixed_total_number(2000, with_replacement = false);
    connect pre -> post all_to_all() static(weight = 0.1 nA, delay = 0.1 ms);
    connect pre -> post from_list([(1, 1, 0.1 nA, 0.05 ms)]);
}

fn main() {}
