//! Gap junctions (`ElectricalSynapse`, issue 18): two `HH_cond_exp` cells
//! coupled by a conductance `g`, a DC current below threshold into one.
//! The native engine against the analytic steady state; NEURON, NEST and
//! Brian2 against the native engine; conductances set between runs; bad
//! input on each backend.
//!
//! The native engine couples `HH_cond_exp` cells by NEST's waveform
//! relaxation (`native/gap.rs`) and agrees with NEST spike for spike while
//! firing; NEURON's and Brian2's drivers couple explicitly (the junction
//! current from the potentials at the start of the step, held through it),
//! which the native engine still uses for cell types without a
//! waveform-relaxation side (`IF_curr_exp`: exact on every backend, which
//! isolates the coupling scheme and shows the drivers' explicit scheme
//! equal to the native one). Against NEURON and Brian2 with `HH_cond_exp`
//! the bounds are those of the explicit scheme's first-order error.
//!
//! # The analytic steady state
//!
//! At rest every current of a cell balances. With the gating variables at
//! their steady-state values `x_inf(V) = alpha_x / (alpha_x + beta_x)` (the
//! Traub rate functions of NEST's `hh_cond_exp_traub`,
//! `models/hh_cond_exp_traub.cpp`, which `HH_cond_exp` follows on every
//! backend), the steady-state membrane current of a cell at potential `V` is
//!
//! ```text
//! I_ss(V) = g_L (V - E_L) + g_Na m_inf^3 h_inf (V - E_Na) + g_K n_inf^4 (V - E_K)
//! ```
//!
//! and the resting potential `V0` solves `I_ss(V0) = 0`. With a junction
//! `g` and a DC current `I` into cell 1, the steady state solves
//!
//! ```text
//! I_ss(V1) = I - g (V1 - V2)        I_ss(V2) = g (V1 - V2)
//! ```
//!
//! which the test solves by bisection (no linearisation). Linearised about
//! `V0`, with `G = I_ss'(V0)` the input (slope) conductance at rest, which
//! includes the active channels (their open fraction at rest and the change
//! of their gating with `V`), the second equation gives the familiar
//! coupling ratio `(V2 - V0) / (V1 - V0) = g / (G + g)`; the test prints it
//! next to the exact one.

use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::prelude::*;
use pynn::{HH_cond_exp, SpikeSourceArray};

const G: f64 = 0.005; // junction conductance (uS): half the leak conductance
// nA: below the largest steady-state current of the cell (I_ss peaks at
// about 0.0175 nA near -62 mV; above it there is no steady state and the
// cell fires), about 0.7 mV of depolarisation.
const I_DC: f64 = 0.008;

/// Steady-state gating of `HH_cond_exp` (Traub's rates, NEST's
/// `hh_cond_exp_traub`; `u = V - v_offset`).
fn gates(p: &HH_cond_exp, v: f64) -> (f64, f64, f64) {
    let u = v - p.v_offset;
    let a_n = 0.032 * (15.0 - u) / (((15.0 - u) / 5.0).exp() - 1.0);
    let b_n = 0.5 * ((10.0 - u) / 40.0).exp();
    let a_m = 0.32 * (13.0 - u) / (((13.0 - u) / 4.0).exp() - 1.0);
    let b_m = 0.28 * (u - 40.0) / (((u - 40.0) / 5.0).exp() - 1.0);
    let a_h = 0.128 * ((17.0 - u) / 18.0).exp();
    let b_h = 4.0 / (1.0 + ((40.0 - u) / 5.0).exp());
    (a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n))
}

/// `I_ss(V)` in nA (uS x mV), without the cell's own `i_offset`.
fn i_ss(p: &HH_cond_exp, v: f64) -> f64 {
    let (m, h, n) = gates(p, v);
    p.g_leak * (v - p.e_rev_leak)
        + p.gbar_Na * m.powi(3) * h * (v - p.e_rev_Na)
        + p.gbar_K * n.powi(4) * (v - p.e_rev_K)
}

/// The root of an increasing function on `[lo, hi]` (`I_ss` increases
/// below -62 mV for the default parameters).
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    assert!(f(lo) <= 0.0 && f(hi) >= 0.0, "no bracket");
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 { hi = mid } else { lo = mid }
    }
    0.5 * (lo + hi)
}

/// (V0, V1, V2): rest, and the coupled steady state with `i` into cell 1.
fn analytic(p: &HH_cond_exp, g: f64, i: f64) -> (f64, f64, f64) {
    let v0 = bisect(|v| i_ss(p, v), -80.0, -62.0);
    let v2_of = |v1: f64| bisect(|v2| i_ss(p, v2) - g * (v1 - v2), v0 - 1.0, v1 + 1.0);
    let v1 = bisect(|v1| i_ss(p, v1) + g * (v1 - v2_of(v1)) - i, v0, -62.0);
    (v0, v1, v2_of(v1))
}

/// Two coupled cells, `current` nA into cell `into`, `t` ms; the v traces.
fn pair<B>(setup: Setup, g: f64, into: usize, current: f64, t: f64) -> (Vec<f64>, Vec<f64>)
where
    B: Backend + Supports<HH_cond_exp>,
{
    let sim = Sim::<B>::setup(setup).unwrap();
    let cells = Population::<HH_cond_exp, B>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    cells.record("v", None).unwrap();
    Projection::new(
        &cells.cell(0).unwrap(),
        &cells.cell(1).unwrap(),
        &OneToOneConnector,
        ElectricalSynapse::new(g),
        None,
    )
    .unwrap();
    cells.cell(into).unwrap().inject(DCSource { amplitude: current, start: 0.0, stop: 1e12 }).unwrap();
    sim.run(t).unwrap();
    let block = cells.get_data().unwrap();
    let v = block.segments[0].signal("v").unwrap();
    (v.trace(0).unwrap(), v.trace(1).unwrap())
}

fn quiet() -> Setup {
    Setup { progress: false, ..Setup::default() }
}

/// The coupled steady state on the native engine equals the analytic one
/// (exact nonlinear solution above). Tolerance 1e-4 mV on each potential
/// and 1e-4 on the ratio: after 2000 ms (a hundred membrane time constants)
/// the cells stand at the fixed point of the step map; the held junction
/// current is exact there, and RKF45's error control (1e-3 mV absolute per
/// step) does not move a fixed point. Measured: below 1e-6.
#[test]
fn steady_state_ratio_is_analytic() {
    let (v1, v2) = pair::<Native>(quiet(), G, 0, I_DC, 2000.0);
    let p = HH_cond_exp::default();
    let (v0, e1, e2) = analytic(&p, G, I_DC);
    let (a1, a2) = (*v1.last().unwrap(), *v2.last().unwrap());
    let ratio = (a2 - v0) / (a1 - v0);
    let expected = (e2 - v0) / (e1 - v0);
    // Linearised about rest: g / (G_in + g), G_in the slope conductance.
    let dv = 1e-6;
    let g_in = (i_ss(&p, v0 + dv) - i_ss(&p, v0 - dv)) / (2.0 * dv);
    println!(
        "rest {v0:.6} mV, G_in {g_in:.6} uS; v1 {a1:.6} (analytic {e1:.6}), v2 {a2:.6} (analytic {e2:.6}); \
         ratio {ratio:.6}, analytic {expected:.6}, linearised {:.6}",
        G / (g_in + G)
    );
    assert!((a1 - e1).abs() < 1e-4, "v1 {a1} vs {e1}");
    assert!((a2 - e2).abs() < 1e-4, "v2 {a2} vs {e2}");
    assert!((ratio - expected).abs() < 1e-4, "ratio {ratio} vs {expected}");
    // The junction matters: without it cell 2 would stay at rest.
    assert!(ratio > 0.1, "{ratio}");
}

/// Current into cell 2 depolarises cell 1 as current into cell 1
/// depolarises cell 2: the two runs are mirror images, bit for bit (the
/// junction current is `g (v_a - v_b)` added to one cell and subtracted
/// from the other, and IEEE negation and subtraction are exactly
/// antisymmetric, so nothing depends on which cell is `pre`).
#[test]
fn coupling_is_bidirectional_and_symmetric() {
    let (a1, a2) = pair::<Native>(quiet(), G, 0, I_DC, 300.0);
    let (b1, b2) = pair::<Native>(quiet(), G, 1, I_DC, 300.0);
    assert_eq!(a1, b2);
    assert_eq!(a2, b1);
    assert!(b1.last().unwrap() - b1[0] > 0.1, "cell 1 not depolarised through the junction: {}", b1.last().unwrap());
}

/// A larger network (three shards, junctions across populations and
/// shards, cells spiking) gives bit-identical results with 1 and 3
/// threads: every step's junction currents come from one snapshot of `v`
/// summed in connection order.
#[test]
fn junctions_are_independent_of_threads() {
    let run = |threads: usize| {
        let sim = Sim::<Native>::setup(Setup { threads, progress: false, ..Setup::default() }).unwrap();
        let a = Population::<HH_cond_exp, Native>::new(&sim, 600, HH_cond_exp::default()).unwrap();
        let b = Population::<HH_cond_exp, Native>::new(&sim, 300, HH_cond_exp::default()).unwrap();
        a.record("spikes", None).unwrap();
        b.record("v", None).unwrap();
        Projection::new(&a, &b, &FixedProbabilityConnector::new(0.01), ElectricalSynapse::new(0.004), None).unwrap();
        Projection::new(&a, &a, &FixedProbabilityConnector::new(0.005), ElectricalSynapse::new(0.002), None).unwrap();
        a.view(0..200).unwrap().inject(DCSource { amplitude: 0.5, start: 5.0, stop: 60.0 }).unwrap();
        sim.run(80.0).unwrap();
        (a.get_data().unwrap(), b.get_data().unwrap())
    };
    let (s1, v1) = run(1);
    let (s3, v3) = run(3);
    let spikes: usize = s1.segments[0].spiketrains.iter().map(|t| t.times.len()).sum();
    assert!(spikes > 50, "the driven cells should fire: {spikes}");
    assert_eq!(s1, s3);
    assert_eq!(v1, v3);
}

/// Relaxed and explicit cells in one session: junctions between
/// `HH_cond_exp` cells are relaxed (waveform relaxation), those between
/// `IF_curr_exp` cells explicit (their kernel has no relaxation side), and
/// each pair runs exactly as in a session of its own, bit for bit: the
/// iterations involve the relaxed cells only, and the explicit currents
/// come from the one snapshot of `v` before the step. The HH pair fires
/// (0.3 nA), the driven IF cell fires (2 nA) and its partner follows below
/// threshold.
#[test]
fn relaxed_and_explicit_cells_share_a_session() {
    let sim = Sim::<Native>::setup(quiet()).unwrap();
    let hh = Population::<HH_cond_exp, Native>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    let lif = Population::<pynn::IF_curr_exp, Native>::new(&sim, 2, pynn::IF_curr_exp::default()).unwrap();
    hh.record(["v", "spikes"], None).unwrap();
    lif.record(["v", "spikes"], None).unwrap();
    let one = |p: &Population<HH_cond_exp, Native>, i: usize| p.cell(i).unwrap();
    Projection::new(&one(&hh, 0), &one(&hh, 1), &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap();
    Projection::new(
        &lif.cell(0).unwrap(),
        &lif.cell(1).unwrap(),
        &OneToOneConnector,
        ElectricalSynapse::new(0.05),
        None,
    )
    .unwrap();
    one(&hh, 0).inject(DCSource { amplitude: 0.3, start: 20.0, stop: 120.0 }).unwrap();
    lif.cell(0).unwrap().inject(DCSource { amplitude: 2.0, start: 10.0, stop: 80.0 }).unwrap();
    sim.run(150.0).unwrap();
    let traces = |b: &pynn::core::Block| {
        let seg = &b.segments[0];
        let v = seg.signal("v").unwrap();
        let spikes: Vec<Vec<f64>> = seg.spiketrains.iter().map(|t| t.times.clone()).collect();
        (v.trace(0).unwrap(), v.trace(1).unwrap(), spikes)
    };
    let (h1, h2, hs) = traces(&hh.get_data().unwrap());
    let (l1, l2, ls) = traces(&lif.get_data().unwrap());
    let (a1, a2, sa) = firing_pair::<Native>();
    assert!(sa[0].len() >= 3, "{sa:?}");
    assert_eq!((h1, h2, hs), (a1, a2, sa));
    let (b1, b2, sb) = if_pair::<Native>(0.05, 2.0);
    assert!(sb[0].len() >= 3, "{sb:?}");
    let n = b1.len();
    assert_eq!((&l1[..n], &l2[..n]), (&b1[..], &b2[..]));
    let early: Vec<Vec<f64>> = ls.iter().map(|t| t.iter().copied().filter(|x| *x <= 100.0).collect()).collect();
    assert_eq!(early, sb);
}

/// Bad input: a negative conductance is refused naming the projection, the
/// weight and the rule; a spike source cannot be coupled (no membrane).
#[test]
fn bad_input_is_a_clear_error() {
    let sim = Sim::<Native>::setup(quiet()).unwrap();
    let cells = Population::<HH_cond_exp, Native>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    let e = Projection::new(&cells, &cells, &OneToOneConnector, ElectricalSynapse::new(-0.01), None).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e:?}");
    assert!(msg.contains("weight") && msg.contains("-0.01"), "{msg}");
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let e = Projection::new(&src, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap_err();
    assert!(e.is_unsupported(), "{e:?}");
    assert!(e.to_string().contains("membrane potential"), "{e}");
}

/// Largest absolute difference of two traces.
fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// A pair whose driven cell fires (0.3 nA, g = 0.01 uS), recording both
/// cells' `v` and spikes.
fn firing_pair<B>() -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>)
where
    B: Backend + Supports<HH_cond_exp>,
{
    let sim = Sim::<B>::setup(quiet()).unwrap();
    let cells = Population::<HH_cond_exp, B>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    cells.record(["v", "spikes"], None).unwrap();
    Projection::new(
        &cells.cell(0).unwrap(),
        &cells.cell(1).unwrap(),
        &OneToOneConnector,
        ElectricalSynapse::new(0.01),
        None,
    )
    .unwrap();
    cells.cell(0).unwrap().inject(DCSource { amplitude: 0.3, start: 20.0, stop: 120.0 }).unwrap();
    sim.run(150.0).unwrap();
    let block = cells.get_data().unwrap();
    let seg = &block.segments[0];
    let v = seg.signal("v").unwrap();
    let spikes = seg.spiketrains.iter().map(|t| t.times.clone()).collect();
    (v.trace(0).unwrap(), v.trace(1).unwrap(), spikes)
}

/// NEURON couples the cells explicitly (the driver reads every coupled
/// cell's `v` before each step and sets the junction currents,
/// `neuron/gap.rs`), as the native engine does for `IF_curr_exp`; the
/// native engine couples `HH_cond_exp` by waveform relaxation.
///
/// * `IF_curr_exp` (explicit on both, exact integration on both): the
///   traces agree to 1e-6 mV below threshold and firing, the spike times
///   exactly: the driver's scheme is the native explicit one. The bound
///   leaves room for the rounding of the two exact solutions.
/// * `HH_cond_exp` below threshold: the explicit scheme's first-order
///   error, about `g dt / C` (0.25 % here) of the junction current's
///   change per step, is the whole difference (NEURON's mechanism
///   integrates with the same RKF45 as the native kernel); bound 1e-3 mV
///   (measured 2.0e-4 mV, the same as the explicit native scheme differed
///   from NEST before the native engine moved to waveform relaxation).
/// * `HH_cond_exp` firing (0.3 nA, g = 0.01 uS): the explicit error
///   shifts the phase of the repetitive firing by a step now and then
///   (measured: NEURON's 3rd and 4th spikes 0.1 ms earlier, the 5th and
///   6th 0.2 ms, as the explicit native scheme's were against NEST; cell 2
///   0.91 mV apart at the shifted spikes). Bounds: same number of spikes,
///   times within 0.3 ms, cell 2 (below threshold) within 2 mV. The
///   `IF_curr_exp` part above measured 0 mV.
#[test]
fn neuron_agrees_with_native() {
    let (a1, a2, sa) = if_pair::<Native>(0.05, 0.5);
    let (b1, b2, _) = if_pair::<Neuron>(0.05, 0.5);
    let (d1, d2) = (max_diff(&a1, &b1), max_diff(&a2, &b2));
    println!("IF_curr_exp sub-threshold: max |native - NEURON| = {d1:e}, {d2:e} mV");
    assert!(sa[0].is_empty(), "{sa:?}");
    assert!(a2.iter().cloned().fold(f64::MIN, f64::max) - a2[0] > 0.05, "cell 2 not depolarised");
    assert!(d1 < 1e-6 && d2 < 1e-6, "{d1} {d2}");
    let (a1, a2, sa) = if_pair::<Native>(0.05, 2.0);
    let (b1, b2, sb) = if_pair::<Neuron>(0.05, 2.0);
    let (d1, d2) = (max_diff(&a1, &b1), max_diff(&a2, &b2));
    println!("IF_curr_exp firing: spikes native {sa:?}, NEURON {sb:?}; max |dv| {d1:e}, {d2:e} mV");
    assert!(sa[0].len() >= 3, "the driven cell should fire: {sa:?}");
    assert_eq!(sa, sb);
    assert!(d1 < 1e-6 && d2 < 1e-6, "{d1} {d2}");

    let (n1, n2) = pair::<Native>(quiet(), G, 0, I_DC, 300.0);
    let (r1, r2) = pair::<Neuron>(quiet(), G, 0, I_DC, 300.0);
    let (d1, d2) = (max_diff(&n1, &r1), max_diff(&n2, &r2));
    println!("HH sub-threshold: max |native - NEURON| = {d1:e}, {d2:e} mV");
    assert!(d1 < 1e-3 && d2 < 1e-3, "{d1} {d2}");
    assert!(r2.last().unwrap() - r2[0] > 0.1, "NEURON: cell 2 not depolarised");

    let (a1, a2, sa) = firing_pair::<Native>();
    let (b1, b2, sb) = firing_pair::<Neuron>();
    println!(
        "HH firing: spikes native {sa:?}, NEURON {sb:?}; max |dv| {:e}, {:e}",
        max_diff(&a1, &b1),
        max_diff(&a2, &b2)
    );
    assert!(sa[0].len() >= 3, "the driven cell should fire: {sa:?}");
    assert_eq!(sa[0].len(), sb[0].len());
    assert!(sa[0].iter().zip(&sb[0]).all(|(x, y)| (x - y).abs() <= 0.3 + 1e-9), "{sa:?} {sb:?}");
    assert_eq!(sa[1], sb[1]);
    assert!(max_diff(&a2, &b2) < 2.0, "{}", max_diff(&a2, &b2));
}

/// NEURON: spike sources cannot be coupled (clear `Unsupported`), and
/// negative conductances are refused before any backend sees them.
#[test]
fn neuron_refuses_what_it_cannot_couple() {
    let sim = Sim::<Neuron>::setup(quiet()).unwrap();
    let cells = Population::<HH_cond_exp, Neuron>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    let src = Population::<SpikeSourceArray, Neuron>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let e = Projection::new(&src, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("SpikeSourceArray"), "{e}");
    let e = Projection::new(&cells, &cells, &OneToOneConnector, ElectricalSynapse::new(-1.0), None).unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e:?}");
}

/// Brian2: spike sources cannot be coupled (clear `Unsupported` naming the
/// type), and a gap projection's `delay` cannot be set (junctions have
/// none; only `weight`).
#[test]
fn brian2_refuses_what_it_cannot_couple() {
    let sim = Sim::<Brian2>::setup(quiet()).unwrap();
    let cells = Population::<HH_cond_exp, Brian2>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    let src = Population::<SpikeSourceArray, Brian2>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let e = Projection::new(&src, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("SpikeSourceArray"), "{e}");
    let prj = Projection::new(&cells, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap();
    let e = prj.set("delay", 1.0).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("delay"), "{e}");
    assert_eq!(prj.get_values("weight").unwrap(), vec![0.01, 0.01]);
}

/// Two coupled `IF_curr_exp` cells (exact integration on both backends:
/// the native propagators, Brian2's `exact` method, with `i_inj` constant
/// over the step), `current` nA into cell 0 for 100 ms; v traces and spikes.
fn if_pair<B>(g: f64, current: f64) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>)
where
    B: Backend + Supports<pynn::IF_curr_exp>,
{
    let sim = Sim::<B>::setup(quiet()).unwrap();
    let cells = Population::<pynn::IF_curr_exp, B>::new(&sim, 2, pynn::IF_curr_exp::default()).unwrap();
    cells.record(["v", "spikes"], None).unwrap();
    Projection::new(
        &cells.cell(0).unwrap(),
        &cells.cell(1).unwrap(),
        &OneToOneConnector,
        ElectricalSynapse::new(g),
        None,
    )
    .unwrap();
    cells.cell(0).unwrap().inject(DCSource { amplitude: current, start: 10.0, stop: 80.0 }).unwrap();
    sim.run(100.0).unwrap();
    let block = cells.get_data().unwrap();
    let seg = &block.segments[0];
    let v = seg.signal("v").unwrap();
    (v.trace(0).unwrap(), v.trace(1).unwrap(), seg.spiketrains.iter().map(|t| t.times.clone()).collect())
}

/// Brian2 couples the cells explicitly (the driver's `apply_gaps`,
/// `brian2/gap.rs`: the junction currents from the potentials at the start
/// of each step, held through it in `i_inj`), the native engine's scheme
/// for `IF_curr_exp`; `HH_cond_exp` is coupled by waveform relaxation on
/// the native engine.
///
/// * `IF_curr_exp` (both backends integrate exactly, so only the coupling
///   scheme could differ): below threshold (0.5 nA, g = 0.05 uS) and firing
///   (2 nA, the driven cell fires repeatedly and cell 2 follows through the
///   junction's depolarisation but stays below threshold) within 1e-6 mV,
///   identical spike times. The bound leaves room for the rounding of the
///   two exact solutions (mV vs volts); measured: 1.8e-13 mV.
/// * `HH_cond_exp`: Brian2 integrates it with rk4 at a tenth of the step,
///   the native engine with RKF45 (`brian2/mod.rs`, known differences), so
///   the traces differ by the integrators' error even without junctions.
///   The bound is stated against that baseline: the coupled pair's
///   difference below threshold is at most the uncoupled (g = 0) cell's
///   plus 1e-3 mV, the bound of the explicit scheme's own error against
///   waveform relaxation (`neuron_agrees_with_native`: 2.0e-4 mV
///   measured there; here measured 2.8e-4 mV coupled, 1.3e-4 mV
///   uncoupled). Firing (0.3 nA, g = 0.01 uS): as against NEURON, the
///   explicit scheme's phase error (measured the same as NEURON's: 3rd
///   and 4th spikes 0.1 ms earlier, 5th and 6th 0.2 ms, cell 2 0.92 mV):
///   same number of spikes, times within 0.3 ms, the undriven cell within
///   2 mV (the driven cell differs
///   during the upstrokes by the integrators' error on a spike, and is
///   not bounded here beyond the spike times).
/// * Current into cell 2 gives the mirror image bit for bit.
#[test]
fn brian2_agrees_with_native() {
    let (a1, a2, sa) = if_pair::<Native>(0.05, 0.5);
    let (b1, b2, _) = if_pair::<Brian2>(0.05, 0.5);
    let (d1, d2) = (max_diff(&a1, &b1), max_diff(&a2, &b2));
    println!("IF_curr_exp sub-threshold: max |native - Brian2| = {d1:e}, {d2:e} mV");
    assert!(sa[0].is_empty(), "{sa:?}");
    assert!(a2.iter().cloned().fold(f64::MIN, f64::max) - a2[0] > 0.05, "cell 2 not depolarised");
    assert!(d1 < 1e-6 && d2 < 1e-6, "{d1} {d2}");
    let (a1, a2, sa) = if_pair::<Native>(0.05, 2.0);
    let (b1, b2, sb2) = if_pair::<Brian2>(0.05, 2.0);
    let (d1, d2) = (max_diff(&a1, &b1), max_diff(&a2, &b2));
    println!("IF_curr_exp firing: spikes native {sa:?}, Brian2 {sb2:?}; max |dv| {d1:e}, {d2:e} mV");
    assert!(sa[0].len() >= 3, "the driven cell should fire: {sa:?}");
    assert_eq!(sa, sb2);
    assert!(d1 < 1e-6 && d2 < 1e-6, "{d1} {d2}");

    let (u1, _) = pair::<Native>(quiet(), 0.0, 0, I_DC, 300.0);
    let (w1, _) = pair::<Brian2>(quiet(), 0.0, 0, I_DC, 300.0);
    let base = max_diff(&u1, &w1);
    let (n1, n2) = pair::<Native>(quiet(), G, 0, I_DC, 300.0);
    let (r1, r2) = pair::<Brian2>(quiet(), G, 0, I_DC, 300.0);
    let (d1, d2) = (max_diff(&n1, &r1), max_diff(&n2, &r2));
    println!("HH sub-threshold: max |native - Brian2| = {d1:e}, {d2:e} mV (uncoupled: {base:e} mV)");
    assert!(d1 < base + 1e-3 && d2 < base + 1e-3, "{d1} {d2} vs {base}");
    assert!(r2.last().unwrap() - r2[0] > 0.1, "Brian2: cell 2 not depolarised");
    let (m1, m2) = pair::<Brian2>(quiet(), G, 1, I_DC, 300.0);
    assert_eq!(r1, m2);
    assert_eq!(r2, m1);

    let (a1, a2, sa) = firing_pair::<Native>();
    let (b1, b2, sb) = firing_pair::<Brian2>();
    println!(
        "HH firing: spikes native {sa:?}, Brian2 {sb:?}; max |dv| {:e}, {:e}",
        max_diff(&a1, &b1),
        max_diff(&a2, &b2)
    );
    assert!(sa[0].len() >= 3, "the driven cell should fire: {sa:?}");
    assert_eq!(sa[0].len(), sb[0].len());
    assert!(sa[0].iter().zip(&sb[0]).all(|(x, y)| (x - y).abs() <= 0.3 + 1e-9), "{sa:?} {sb:?}");
    assert_eq!(sa[1], sb[1]);
    assert!(max_diff(&a2, &b2) < 2.0, "{}", max_diff(&a2, &b2));
}

/// NEST (`gap_junction`, waveform relaxation; `HH_cond_exp` built as
/// `hh_cond_beta_gap_traub`, same membrane and channels) against the
/// native engine, which runs the same waveform relaxation (`native/gap.rs`:
/// one-step intervals as NEST's with PyNN's default `min_delay` of one
/// step, cubic Hermite partner waveforms, `wfr_tol` 1e-4 mV, the same
/// RKF45 with the same step-size carry-over).
///
/// * Steady state: both at the analytic fixed point within 1e-4 mV (NEST's
///   `wfr_tol`; measured 1e-7 mV).
/// * Transient below threshold (2000 ms): whole traces within 1e-6 mV
///   (measured 2.7e-12 mV: the two compute the same iterations; the bound
///   allows for the rounding of the right-hand side's sums, which NEST
///   orders differently, accumulated over 20000 steps).
/// * Firing (0.3 nA, g = 0.01 uS, six spikes): the same spike times to
///   1e-9 ms (both on the 0.1 ms grid, so any drift would be a whole step;
///   with the explicit scheme the 3rd to 6th spikes came 0.1-0.2 ms
///   apart), and both traces within 1e-3 mV (measured 1.1e-5 mV on the
///   driven cell, whose upstrokes amplify rounding differences, 7.8e-8 mV
///   on the other; explicit before: 0.91 mV). 1e-3 mV is RKF45's absolute
///   tolerance per step: a rounding difference can tip one adaptive step's
///   accept/reject decision, which moves the trajectory by up to that.
#[test]
fn nest_agrees_with_native() {
    let (n1, n2) = pair::<Native>(quiet(), G, 0, I_DC, 2000.0);
    let (s1, s2) = pair::<Nest>(quiet(), G, 0, I_DC, 2000.0);
    let (_, e1, e2) = analytic(&HH_cond_exp::default(), G, I_DC);
    let (l1, l2) = (*s1.last().unwrap(), *s2.last().unwrap());
    let (d1, d2) = (max_diff(&n1, &s1), max_diff(&n2, &s2));
    println!("NEST steady state {l1:.7} {l2:.7} (analytic {e1:.7} {e2:.7}); max |native - NEST| {d1:e} {d2:e} mV");
    assert!((l1 - e1).abs() < 1e-4 && (l2 - e2).abs() < 1e-4);
    assert!(d1 < 1e-6 && d2 < 1e-6, "{d1} {d2}");

    let (a1, a2, sa) = firing_pair::<Native>();
    let (b1, b2, sb) = firing_pair::<Nest>();
    let (d1, d2) = (max_diff(&a1, &b1), max_diff(&a2, &b2));
    println!("firing: native {sa:?}, NEST {sb:?}; max |dv| {d1:e} {d2:e}");
    assert_eq!(sa[0].len(), sb[0].len());
    assert!(sa[0].len() >= 6, "the driven cell should fire six times: {sa:?}");
    assert!(sa[0].iter().zip(&sb[0]).all(|(x, y)| (x - y).abs() <= 1e-9), "{sa:?} {sb:?}");
    assert_eq!(sa[1], sb[1]);
    assert!(d1 < 1e-3 && d2 < 1e-3, "{d1} {d2}");
}

/// NEST: cell types without a gap-capable NEST model are `Unsupported`.
#[test]
fn nest_refuses_cells_without_a_gap_model() {
    let sim = Sim::<Nest>::setup(quiet()).unwrap();
    let cells = Population::<pynn::IF_curr_exp, Nest>::new(&sim, 2, pynn::IF_curr_exp::default()).unwrap();
    let e = Projection::new(&cells, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("iaf_psc_exp"), "{e}");
}

/// Conductances read back and changed between runs: after
/// `set("weight", 2 g)` the pair moves to the analytic steady state of the
/// doubled junction (within 1e-3 mV after 1000 ms, 40 membrane time
/// constants; the first within 1e-3 mV of that of `g`), on the native
/// engine, NEURON and NEST alike (NEST: the new conductance on both
/// directions, in nS).
fn weights_change_between_runs<B>()
where
    B: Backend + Supports<HH_cond_exp>,
{
    let sim = Sim::<B>::setup(quiet()).unwrap();
    let cells = Population::<HH_cond_exp, B>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    cells.record("v", None).unwrap();
    let prj = Projection::new(
        &cells.cell(0).unwrap(),
        &cells.cell(1).unwrap(),
        &OneToOneConnector,
        ElectricalSynapse::new(G),
        None,
    )
    .unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![G]);
    cells.cell(0).unwrap().inject(DCSource { amplitude: I_DC, start: 0.0, stop: 1e12 }).unwrap();
    sim.run(1000.0).unwrap();
    prj.set("weight", 2.0 * G).unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![2.0 * G]);
    sim.run(2000.0).unwrap();
    let block = cells.get_data().unwrap();
    let v = block.segments[0].signal("v").unwrap();
    let (v1, v2) = (v.trace(0).unwrap(), v.trace(1).unwrap());
    let (_, e1, e2) = analytic(&HH_cond_exp::default(), G, I_DC);
    assert!((v1[10000] - e1).abs() < 1e-3 && (v2[10000] - e2).abs() < 1e-3, "{}: {} {e2}", B::NAME, v2[10000]);
    let (_, f1, f2) = analytic(&HH_cond_exp::default(), 2.0 * G, I_DC);
    let (l1, l2) = (*v1.last().unwrap(), *v2.last().unwrap());
    assert!((l1 - f1).abs() < 1e-3 && (l2 - f2).abs() < 1e-3, "{}: {l1} {l2} vs {f1} {f2}", B::NAME);
}

#[test]
fn weights_change_between_runs_native() {
    weights_change_between_runs::<Native>();
}

#[test]
fn weights_change_between_runs_neuron() {
    weights_change_between_runs::<Neuron>();
}

#[test]
fn weights_change_between_runs_brian2() {
    weights_change_between_runs::<Brian2>();
}

#[test]
fn weights_change_between_runs_nest() {
    weights_change_between_runs::<Nest>();
}

/// Waveform relaxation that does not settle is counted, not hidden. A
/// junction of 0.01 uS (the tests above) settles every step within NEST's
/// 15 iterations; one of 50 uS (g dt / C = 25 for `cm` = 0.2 nF) makes
/// each iteration move the partner's end potential by about 25/26 of the
/// previous move, so 15 iterations cannot reach 1e-4 mV while the DC
/// drives the cells apart: those steps are committed, as NEST does, and
/// [`Native::wfr_unconverged_steps`] says how many there were.
#[test]
fn unconverged_relaxation_is_counted() {
    let run = |g: f64| {
        let sim = Sim::<Native>::setup(quiet()).unwrap();
        let cells = Population::<HH_cond_exp, Native>::new(&sim, 2, HH_cond_exp::default()).unwrap();
        let (a, b) = (cells.cell(0).unwrap(), cells.cell(1).unwrap());
        Projection::new(&a, &b, &OneToOneConnector, ElectricalSynapse::new(g), None).unwrap();
        a.inject(DCSource { amplitude: I_DC, start: 0.0, stop: 1e12 }).unwrap();
        sim.run(20.0).unwrap();
        sim.with_backend(|n| n.wfr_unconverged_steps())
    };
    assert_eq!(run(G), 0, "the weakly coupled pair converges at every step");
    let strong = run(50.0);
    assert!(strong > 0, "a 50 uS junction cannot settle in 15 iterations: counted {strong}");
}
