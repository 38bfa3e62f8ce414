// PointNeuron compositions: a misspelt receptor in a projection or a
// recorded variable, an unknown component, mixed receptor families, no
// neuron component.
use pynn::prelude::*;

network! {
    struct Net;
    pop neuron = PointNeuron(1) {
        neuron = AdExp(),
        AMPA = CondAlpha(tau_syn = 1 ms),
        GABAA = CondAlfa(tau_syn = 5 ms),
    };
    pop lif = PointNeuron(1) { neuron = LIF(), fast = CurrExp(), slow = CondExp() };
    pop empty = PointNeuron(1) { AMPA = CondExp() };
    pop ok = PointNeuron(1) { neuron = LIF(), AMPA = CondExp(), NMDA = CondExp() };
    pop src = SpikeSourcePoisson(1);
    connect src -> ok all_to_all() static(weight = 1 nS) AMP;
    record ok: v, NMDA.gysn;
}

fn main() {}
