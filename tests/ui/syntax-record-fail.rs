// Recording a current source (`record kick: i;`, every time step, not to
// a file) and recording to a file (`to "file.npz"`, not the weights).
use pynn::prelude::*;

network! {
    struct Net;
    pop exc = IF_curr_exp(4);
    inject kick = dc(amplitude = 1 nA) into exc;
    connect ee = exc -> exc all_to_all() static(weight = 0.01 nA);
    record kick: v;
    record kick: i every 1 ms;
    record kick: i to "kick.npz";
    record ee: weight every 1 ms to "weights.npz";
    record exc: v to 5;
    record exc: spikes to "";
    record exc: spikes too "exc.npz";
}

fn main() {}
