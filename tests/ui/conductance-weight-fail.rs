use pynn::prelude::*;

network! {
    struct Coba;
    pop exc = IF_cond_exp(10) { e_rev_I = -80 mV };
    pop adex = EIF_cond_exp_isfa_ista(10) { a = 4 nA, tau_w = 144 ms };
    pop izh = Izhikevich(10) { d = 8 mV };
    // A conductance-based cell takes conductances (uS, nS), not currents.
    connect exc -> exc fixed_probability(p = 0.02) static(weight = 4 nA, delay = 0.2 ms) excitatory;
    // Inhibition comes from the reversal potential: the conductance is >= 0.
    connect exc -> adex fixed_probability(p = 0.02) static(weight = -51 nS, delay = 0.2 ms) inhibitory;
    // An Izhikevich weight is a jump of the membrane potential (mV).
    connect exc -> izh one_to_one() static(weight = 0.5 nS) excitatory;
    record izh: spikes, w;
}

fn main() {}
