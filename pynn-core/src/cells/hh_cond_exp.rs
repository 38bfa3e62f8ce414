use super::{CellType, scalar_cell_type, standard_cell_consts};
use crate::parameters::Value;

/// Single-compartment Hodgkin–Huxley neuron with Traub & Miles' sodium and
/// potassium kinetics and decaying-exponential synaptic conductances
/// (PyNN `HH_cond_exp`; NEST `hh_cond_exp_traub`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = -gbar_Na m^3 h (v - e_rev_Na) - gbar_K n^4 (v - e_rev_K) - g_leak (v - e_rev_leak)
///            - g_exc (v - e_rev_E) - g_inh (v - e_rev_I) + i_offset + i_inj(t)
/// dx/dt = alpha_x(V) (1 - x) - beta_x(V) x,   x in {m, h, n},  V = v - v_offset
/// alpha_m = 0.32 (13 - V) / (exp((13 - V)/4) - 1)    beta_m = 0.28 (V - 40) / (exp((V - 40)/5) - 1)
/// alpha_h = 0.128 exp((17 - V)/18)                   beta_h = 4 / (1 + exp((40 - V)/5))
/// alpha_n = 0.032 (15 - V) / (exp((15 - V)/5) - 1)   beta_n = 0.5 exp((10 - V)/40)
/// dg_syn/dt = -g_syn / tau_syn,  g_syn += w at each input spike
/// ```
///
/// # Spikes
///
/// There is no reset. A spike is registered at the end of a step when
/// `v >= v_offset + 30 mV` and `v` has started to fall (its value at the
/// start of the step was higher), outside a 2 ms dead time after the last
/// spike (NEST's `t_ref` default; PyNN has no parameter for it).
///
/// # Integration
///
/// Adaptive Runge–Kutta–Fehlberg 4(5) per cell, absolute tolerance 1e-3 in
/// NEST's units, the algorithm NEST runs through GSL.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `gbar_Na` | 20.0 | uS | maximal sodium conductance |
/// | `gbar_K` | 6.0 | uS | maximal potassium conductance |
/// | `g_leak` | 0.01 | uS | leak conductance |
/// | `cm` | 0.2 | nF | membrane capacitance |
/// | `v_offset` | -63.0 | mV | offset of the rate functions (Traub's V_T) |
/// | `e_rev_Na` | 50.0 | mV | sodium reversal potential |
/// | `e_rev_K` | -90.0 | mV | potassium reversal potential |
/// | `e_rev_leak` | -65.0 | mV | leak reversal potential |
/// | `e_rev_E` | 0.0 | mV | excitatory reversal potential |
/// | `e_rev_I` | -80.0 | mV | inhibitory reversal potential |
/// | `tau_syn_E` | 0.2 | ms | excitatory synaptic time constant |
/// | `tau_syn_I` | 2.0 | ms | inhibitory synaptic time constant |
/// | `i_offset` | 0.0 | nA | constant injected current |
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV, `gsyn_exc` = `gsyn_inh` = 0.0 uS, `m` = 0.0, `h` = 1.0,
/// `n` = 0.0. Recordables: `spikes`, `v`, `gsyn_exc`, `gsyn_inh`, `m`, `h`, `n`.
///
/// # References
///
/// - Traub RD, Miles R (1991) Neuronal Networks of the Hippocampus. Cambridge University Press.
/// - Brette R et al. (2007) Simulation of networks of spiking neurons: a
///   review of tools and strategies. J Comput Neurosci 23:349–398.
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `HH_cond_exp`.
/// - NEST 3.10, `models/hh_cond_exp_traub.h` and `.cpp`.
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct HH_cond_exp {
    /// Maximal sodium conductance (uS).
    pub gbar_Na: f64,
    /// Maximal potassium conductance (uS).
    pub gbar_K: f64,
    /// Leak conductance (uS).
    pub g_leak: f64,
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Offset of the rate functions (mV).
    pub v_offset: f64,
    /// Sodium reversal potential (mV).
    pub e_rev_Na: f64,
    /// Potassium reversal potential (mV).
    pub e_rev_K: f64,
    /// Leak reversal potential (mV).
    pub e_rev_leak: f64,
    /// Excitatory reversal potential (mV).
    pub e_rev_E: f64,
    /// Inhibitory reversal potential (mV).
    pub e_rev_I: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_E: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_I: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
}

scalar_cell_type!(HH_cond_exp {
    gbar_Na,
    gbar_K,
    g_leak,
    cm,
    v_offset,
    e_rev_Na,
    e_rev_K,
    e_rev_leak,
    e_rev_E,
    e_rev_I,
    tau_syn_E,
    tau_syn_I,
    i_offset
});

impl CellType for HH_cond_exp {
    standard_cell_consts!(HH_cond_exp);

    fn parameter_values(&self) -> Vec<Value> {
        self.values()
    }
}
