// One mistake, one error: a statement with a syntax error keeps the name
// it declares, so the statements naming it and the code using the struct
// get no further errors; the statements after it are still checked. A
// `setup` block with a syntax error leaves the time step and `min_delay`
// unknown, so the 0.05 ms delay is not compared with the default 0.1 ms.
// A misspelled `pop` followed by a cell type still declares a population.
use pynn::prelude::*;

network! {
    pub struct Net;
    setup { timestep = 0.01 ms, min_delay: 0.05 ms }
    pop exc = IF_curr_exp(10) { tau_m: 20 ms };
    population inh = IF_curr_exp(5) { tau_m = 20 ms };
    connect ee = exc -> inh all_to_all() static(weight = 0.1 nA) excitatory extra;
    inject kick = dc(amplitude 1 nA) into exc;
    connect exc -> inh one_to_one() static(weight = 0.1 nA, delay = 0.05 ms);
    connect inh -> exc clone(ee);
    record exc + inh: spikes;
    record kick: i;
    record ee: weight every 1 ms;
    record inh: vv;
}

fn use_it<B: pynn::Backend>(net: &Net<B>) -> usize {
    net.exc.size() + net.inh.size() + net.ee.size() + net.kick.get_data().map_or(0, |i| i.n_samples())
}

fn main() {}
