//! A recurrent network, spike for spike identical on native, NEST, NEURON and
//! Brian2 (README: "one seed gives the same ... spike for spike").
//!
//! The network is Brunel's (2000) model A with `IF_curr_exp` cells, scaled
//! down: 800 excitatory and 200 inhibitory cells, fixed in-degree
//! CE = NE / 10 and CI = NI / 10 (no autapses, no multapses), g = 5,
//! eta = 2 (an independent `SpikeSourcePoisson` per cell from the session's
//! keyed streams), tau_m 20 ms, threshold 20 mV, reset 10 mV, refractory
//! 2 ms, short exponential currents (tau_syn 0.5 ms) whose charge gives
//! J = 0.1 mV. Weights are normal (25 % spread, clipped to [0, 2 J] and its
//! inhibitory mirror), delays uniform in [1, 3] ms: off the grid, rounded to
//! steps by pynn-core's rule on every backend. Initial `v` uniform in
//! [0, 20] mV. 300 ms at dt = 0.1 ms, run in two calls (split at 117.3 ms)
//! so that the spikes of the step before a split must still arrive.
//!
//! All four backends must give exactly the same (population, cell, step)
//! triples: the inputs (connections, weights, delays, Poisson trains,
//! initial values) are generated once by pynn-core, the `IF_curr_exp`
//! propagators are exact on every backend (NEST's, NEURON's own NMODL port
//! of them, Brian2's `exact` method), so any difference in when an input
//! arrives shows up as a different spike within a few steps (the network
//! is chaotic: one moved spike changes thousands of later ones). Floating
//! point summation order can differ (Brian2 sums in SI units), so equality
//! relies on no cell ending a step within ~1e-12 mV of threshold, which
//! holds for this seed (a failure of that kind would show as a single
//! late divergence, not as the systematic losses the test was written for).
//!
//! Before the fix in `brian2/driver.py` (`keep_spikes`), Brian2 lost every
//! spike of the last step before a split of the run (Brian2's thresholder
//! empties its spike space at the end of a run, and the pathways push the
//! spikes of step j in step j + 1): here its trains diverged at the split
//! at 117.3 ms and at the driver's internal chunk boundary (2 000 000
//! Poisson samples per chunk / 1000 sources = step 2000).

use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::prelude::*;

/// Every spike of the network: (population 0 = exc / 1 = inh, cell, step),
/// sorted by step.
type Spikes = Vec<(usize, usize, i64)>;

const NE: usize = 800;
const NI: usize = 200;
const DT: f64 = 0.1;
const T_SPLIT: f64 = 117.3;
const T_STOP: f64 = 300.0;

fn brunel<B>() -> Spikes
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourcePoisson>,
{
    let sim = Sim::<B>::setup(Setup { timestep: DT, min_delay: 1.0, max_delay: 3.0, seed: 12345, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{}: {e}", B::NAME));
    let (ce, ci) = (NE / 10, NI / 10);
    let (cm, tau_syn) = (0.25, 0.5);
    let (j, g, eta, theta, tau_m) = (0.1, 5.0, 2.0, 20.0, 20.0);
    // A current w exp(-t/tau_syn) moves v by w tau_syn / cm (tau_syn << tau_m).
    let w = j * cm / tau_syn;
    let cell = IF_curr_exp {
        tau_m,
        cm,
        v_rest: 0.0,
        v_reset: 10.0,
        v_thresh: theta,
        tau_refrac: 2.0,
        tau_syn_E: tau_syn,
        tau_syn_I: tau_syn,
        i_offset: 0.0,
    };
    let exc = Population::<IF_curr_exp, B>::with_label(&sim, NE, cell.clone(), Some("exc")).unwrap();
    let inh = Population::<IF_curr_exp, B>::with_label(&sim, NI, cell, Some("inh")).unwrap();
    exc.initialize("v", RandomDistribution::uniform(0.0, theta)).unwrap();
    inh.initialize("v", RandomDistribution::uniform(0.0, theta)).unwrap();
    let all = Assembly::new(&[&exc, &inh]).unwrap();
    for (pre, k, wk, receptor) in [(&exc, ce, w, "excitatory"), (&inh, ci, -g * w, "inhibitory")] {
        let connector = FixedNumberPreConnector { n: k.into(), allow_self_connections: false, with_replacement: false };
        let (lo, hi) = if wk > 0.0 { (0.0, 2.0 * wk) } else { (2.0 * wk, 0.0) };
        let syn = StaticSynapse::new(
            RandomDistribution::normal_clipped(wk, 0.25 * wk.abs(), lo, hi),
            RandomDistribution::uniform(1.0, 3.0),
        );
        Projection::new(pre, &all, &connector, syn, Some(receptor)).unwrap();
    }
    // nu_ext = eta nu_th CE with nu_th = theta / (J CE tau_m).
    let nu_ext_hz = eta * theta / (j * ce as f64 * tau_m) * ce as f64 * 1000.0;
    let drive = Population::<SpikeSourcePoisson, B>::with_label(
        &sim,
        NE + NI,
        SpikeSourcePoisson { rate: nu_ext_hz, ..Default::default() },
        Some("drive"),
    )
    .unwrap();
    Projection::new(&drive, &all, &OneToOneConnector, StaticSynapse::new(w, 1.5), Some("excitatory")).unwrap();
    exc.record("spikes", None).unwrap();
    inh.record("spikes", None).unwrap();
    sim.run(T_SPLIT).unwrap_or_else(|e| panic!("{}: {e}", B::NAME));
    sim.run_until(T_STOP).unwrap_or_else(|e| panic!("{}: {e}", B::NAME));
    let mut out = Vec::new();
    for (k, p) in [&exc, &inh].into_iter().enumerate() {
        let block = p.get_data().unwrap();
        for st in &block.segments[0].spiketrains {
            out.extend(st.times.iter().map(|t| (k, st.source_index, (t / DT).round() as i64)));
        }
    }
    sim.end().unwrap();
    out.sort_by_key(|&(k, i, s)| (s, k, i));
    out
}

/// Index of the first spike where `b` departs from `a` (None: identical).
fn first_difference(a: &Spikes, b: &Spikes) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y).or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

fn check(name: &str, native: &Spikes, other: &Spikes) {
    if let Some(k) = first_difference(native, other) {
        panic!(
            "{name}: {} spikes, native {}; the first {k} agree, then native {:?}, {name} {:?} \
             (population, cell, step)",
            other.len(),
            native.len(),
            native.get(k),
            other.get(k)
        );
    }
}

/// The native reference, and how active the network is: 1000 cells, 300
/// ms (measured: 25 486 spikes, 85 Hz per cell; with a 10 mV reset and
/// the drive at twice threshold rate, model A fires faster than NEST's
/// `brunel_delta` example, 53 Hz at this size). The range 15 - 120 Hz per
/// cell (4 500 - 36 000 spikes) excludes both a network that only follows
/// its drive sparsely and saturation (refractory limit 500 Hz), and the
/// inhibitory cells must fire too, or the recurrence would not be tested.
fn native() -> Spikes {
    let s = brunel::<Native>();
    let n = s.len();
    let rate = n as f64 / (NE + NI) as f64 / (T_STOP / 1000.0);
    eprintln!("native: {n} spikes, {rate:.1} Hz per cell");
    assert!((4_500..=36_000).contains(&n), "recurrently active: {n} spikes ({rate:.1} Hz)");
    assert!(s.iter().filter(|x| x.0 == 1).count() > 500, "inhibitory cells fire");
    // Spikes on both sides of the split and in the last step before it.
    let split = (T_SPLIT / DT).round() as i64;
    assert!(s.iter().any(|x| x.2 == split), "a spike in the step before the split");
    s
}

#[test]
fn recurrent_network_identical_on_native_and_brian2() {
    let reference = native();
    let brian = brunel::<Brian2>();
    check("Brian2", &reference, &brian);
    eprintln!("Brian2: {} spikes identical", brian.len());
}

#[test]
fn recurrent_network_identical_on_native_and_nest() {
    let reference = native();
    let nest = brunel::<Nest>();
    check("NEST", &reference, &nest);
    eprintln!("NEST: {} spikes identical", nest.len());
}

#[test]
fn recurrent_network_identical_on_native_and_neuron() {
    let reference = native();
    let neuron = brunel::<Neuron>();
    check("NEURON", &reference, &neuron);
    eprintln!("NEURON: {} spikes identical", neuron.len());
}
