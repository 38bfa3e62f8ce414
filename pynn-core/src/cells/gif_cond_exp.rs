use super::{CellType, standard_cell_consts};
use crate::parameters::Value;

/// Generalized integrate-and-fire neuron with a spike-triggered current, a
/// moving threshold, stochastic (escape-noise) spike emission and
/// decaying-exponential synaptic conductances (Mensi et al. 2012, Pozzorini
/// et al. 2015; PyNN `GIF_cond_exp`; NEST `gif_cond_exp`).
///
/// # Equations
///
/// ```text
/// cm dv/dt = g_L (v_rest - v) + g_exc(t) (e_rev_E - v) + g_inh(t) (e_rev_I - v)
///            - eta(t) + i_offset + i_inj(t)
/// eta(t)   = sum_j sum_{spikes t^ < t} a_eta[j]   exp(-(t - t^) / tau_eta[j])     (i_eta)
/// gamma(t) = sum_j sum_{spikes t^ < t} a_gamma[j] exp(-(t - t^) / tau_gamma[j])
/// v_t(t)   = v_t_star + gamma(t)                                                   (v_t)
/// lambda(t) = lambda0 exp((v - v_t) / delta_v)
/// g_syn(t) = sum_k w_k exp(-(t - t_k) / tau_syn)   for t > t_k
/// ```
///
/// with `g_L = cm / tau_m`.
///
/// # Spike and reset
///
/// Spiking is stochastic: in each time step `dt` that the cell is not
/// refractory it spikes with probability `1 - exp(-lambda dt)`, `lambda`
/// evaluated with `v` at the end of the step (escape noise). A spike is
/// stamped at the end of the step; every `eta` element `j` jumps by
/// `a_eta[j]`, every `gamma` element by `a_gamma[j]`; during the following
/// `tau_refrac` the potential is clamped at `v_reset` (so it is reset from the
/// next step on, as in NEST's `gif_cond_exp`; with `tau_refrac` = 0 there is
/// no reset at all). On the native engine each cell draws its uniform
/// numbers from its own keyed stream (session seed, population, `"gif"`,
/// cell), so results do not depend on the thread count.
///
/// # Integration
///
/// `v` and the conductances by the adaptive Runge–Kutta–Fehlberg 4(5) of the
/// engine with NEST's control (absolute tolerance 1e-3 on the state), `eta`
/// and `gamma` elements exactly (decayed once per step); `eta` and `v_t` are
/// held constant within a step at their value at its start.
///
/// # Parameters
///
/// | name | default | unit | meaning |
/// |---|---|---|---|
/// | `v_rest` | -65.0 | mV | resting potential (leak reversal) |
/// | `cm` | 1.0 | nF | membrane capacitance |
/// | `tau_m` | 20.0 | ms | membrane time constant |
/// | `tau_refrac` | 4.0 | ms | refractory period |
/// | `tau_syn_E` | 5.0 | ms | excitatory synaptic time constant |
/// | `tau_syn_I` | 5.0 | ms | inhibitory synaptic time constant |
/// | `e_rev_E` | 0.0 | mV | excitatory reversal potential |
/// | `e_rev_I` | -70.0 | mV | inhibitory reversal potential |
/// | `v_reset` | -65.0 | mV | reset potential |
/// | `i_offset` | 0.0 | nA | constant injected current |
/// | `delta_v` | 0.5 | mV | threshold sharpness (> 0) |
/// | `v_t_star` | -48.0 | mV | threshold baseline |
/// | `lambda0` | 1.0 | Hz | firing intensity at threshold (>= 0) |
/// | `tau_eta` | `[1, 10, 100]` | ms | time constants of the spike-triggered current (> 0) |
/// | `tau_gamma` | `[1, 10, 100]` | ms | time constants of the moving threshold (> 0) |
/// | `a_eta` | `[1, 1, 1]` | nA | jumps of the spike-triggered current |
/// | `a_gamma` | `[1, 1, 1]` | mV | jumps of the moving threshold |
///
/// `tau_eta` and `a_eta` must have the same length, and so must `tau_gamma`
/// and `a_gamma` (any length, three in PyNN's defaults).
///
/// # State variables (initial values)
///
/// `v` = -65.0 mV, `v_t` = -48.0 mV, `i_eta` = 0.0 nA, `gsyn_exc` = 0.0 uS,
/// `gsyn_inh` = 0.0 uS (`v_t` and `i_eta` are sums of the adaptation
/// elements, which start at 0: their initial values only give the sample at
/// the start of recording, as on NEST, which ignores them).
/// Recordables: `spikes`, `v`, `gsyn_exc`, `gsyn_inh`, `i_eta`, `v_t`.
///
/// # References
///
/// - Mensi S, Naud R, Pozzorini C, Avermann M, Petersen CCH, Gerstner W (2012)
///   Parameter extraction and classification of three cortical neuron types
///   reveals two distinct adaptation mechanisms. J Neurophysiol 107:1756–1775.
/// - Pozzorini C, Mensi S, Hagens O, Naud R, Koch C, Gerstner W (2015)
///   Automated high-throughput characterization of single neurons by means of
///   simplified spiking models. PLoS Comput Biol 11:e1004275.
/// - PyNN 0.13, `pyNN/standardmodels/cells.py`, class `GIF_cond_exp`.
/// - NEST 3.10, `models/gif_cond_exp.h` and `.cpp`.
#[allow(non_camel_case_types, non_snake_case)]
#[derive(Debug, Clone, PartialEq)]
pub struct GIF_cond_exp {
    /// Resting membrane potential (mV).
    pub v_rest: f64,
    /// Membrane capacitance (nF).
    pub cm: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_E: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_I: f64,
    /// Excitatory reversal potential (mV).
    pub e_rev_E: f64,
    /// Inhibitory reversal potential (mV).
    pub e_rev_I: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Constant injected current (nA).
    pub i_offset: f64,
    /// Threshold sharpness (mV).
    pub delta_v: f64,
    /// Threshold baseline (mV).
    pub v_t_star: f64,
    /// Firing intensity at threshold (Hz).
    pub lambda0: f64,
    /// Time constants of the spike-triggered current (ms).
    pub tau_eta: Vec<f64>,
    /// Time constants of the moving threshold (ms).
    pub tau_gamma: Vec<f64>,
    /// Jumps of the spike-triggered current (nA).
    pub a_eta: Vec<f64>,
    /// Jumps of the moving threshold (mV).
    pub a_gamma: Vec<f64>,
}

impl Default for GIF_cond_exp {
    fn default() -> Self {
        // Scalars from the table (checked at compile time); the kernels: PyNN 0.13
        // pyNN/standardmodels/cells.py, GIF_cond_exp.default_parameters.
        const T: pynn_schema::CellTable = pynn_schema::cells::GIF_cond_exp;
        GIF_cond_exp {
            v_rest: const { T.default_of("v_rest") },
            cm: const { T.default_of("cm") },
            tau_m: const { T.default_of("tau_m") },
            tau_refrac: const { T.default_of("tau_refrac") },
            tau_syn_E: const { T.default_of("tau_syn_E") },
            tau_syn_I: const { T.default_of("tau_syn_I") },
            e_rev_E: const { T.default_of("e_rev_E") },
            e_rev_I: const { T.default_of("e_rev_I") },
            v_reset: const { T.default_of("v_reset") },
            i_offset: const { T.default_of("i_offset") },
            delta_v: const { T.default_of("delta_v") },
            v_t_star: const { T.default_of("v_t_star") },
            lambda0: const { T.default_of("lambda0") },
            tau_eta: vec![1.0, 10.0, 100.0],
            tau_gamma: vec![1.0, 10.0, 100.0],
            a_eta: vec![1.0, 1.0, 1.0],
            a_gamma: vec![1.0, 1.0, 1.0],
        }
    }
}

impl CellType for GIF_cond_exp {
    standard_cell_consts!(GIF_cond_exp);

    fn parameter_values(&self) -> Vec<Value> {
        let s = Value::Scalar;
        vec![
            s(self.v_rest),
            s(self.cm),
            s(self.tau_m),
            s(self.tau_refrac),
            s(self.tau_syn_E),
            s(self.tau_syn_I),
            s(self.e_rev_E),
            s(self.e_rev_I),
            s(self.v_reset),
            s(self.i_offset),
            s(self.delta_v),
            s(self.v_t_star),
            s(self.lambda0),
            Value::Array(self.tau_eta.clone()),
            Value::Array(self.tau_gamma.clone()),
            Value::Array(self.a_eta.clone()),
            Value::Array(self.a_gamma.clone()),
        ]
    }
}
