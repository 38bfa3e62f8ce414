// Units of the wrong dimension and values outside the domain on a
// PointNeuron component, checked by the macro against the component's
// table (the neuron's: `IF_curr_exp`'s membrane; the receptor's).
use pynn::prelude::*;

network! {
    struct Composed;
    pop neuron = PointNeuron(1) { neuron = LIF(tau_m = 10 mV), AMPA = CondExp(tau_syn = -2 ms) };
}

fn main() {}
