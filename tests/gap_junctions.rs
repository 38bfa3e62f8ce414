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

/// What a run of a coupled pair records: both cells' `v` and the spike
/// trains of the population.
type Record = (Vec<f64>, Vec<f64>, Vec<Vec<f64>>);

/// A session with two cells of type `cell` and one junction of `g` uS
/// from cell 0 to cell 1, both cells recording `v` and spikes: the setup
/// every pair test shares.
fn coupled_session<C, B>(setup: Setup, cell: C, g: f64) -> (Sim<B>, Population<C, B>, Projection<B>)
where
    C: pynn::core::CellType,
    B: Backend + Supports<C>,
{
    coupled_in(Sim::<B>::setup(setup).unwrap(), cell, g)
}

/// [`coupled_session`] in a session already set up (e.g. with backend
/// options).
fn coupled_in<C, B>(sim: Sim<B>, cell: C, g: f64) -> (Sim<B>, Population<C, B>, Projection<B>)
where
    C: pynn::core::CellType,
    B: Backend + Supports<C>,
{
    let cells = Population::<C, B>::new(&sim, 2, cell).unwrap();
    cells.record(["v", "spikes"], None).unwrap();
    let prj = Projection::new(
        &cells.cell(0).unwrap(),
        &cells.cell(1).unwrap(),
        &OneToOneConnector,
        ElectricalSynapse::new(g),
        None,
    )
    .unwrap();
    (sim, cells, prj)
}

/// The `v` traces of both cells and the spike trains of a pair.
fn record_of<C: pynn::core::CellType, B: Backend>(cells: &Population<C, B>) -> Record {
    let block = cells.get_data().unwrap();
    let seg = &block.segments[0];
    let v = seg.signal("v").unwrap();
    (v.trace(0).unwrap(), v.trace(1).unwrap(), seg.spiketrains.iter().map(|t| t.times.clone()).collect())
}

/// A pair of `cell`s coupled by `g`, `dc` into cell `into`, run `t` ms.
fn coupled<C, B>(setup: Setup, cell: C, g: f64, into: usize, dc: DCSource, t: f64) -> Record
where
    C: pynn::core::CellType,
    B: Backend + Supports<C>,
{
    let (sim, cells, _) = coupled_session::<C, B>(setup, cell, g);
    cells.cell(into).unwrap().inject(dc).unwrap();
    sim.run(t).unwrap();
    record_of(&cells)
}

/// A DC current of `amplitude` nA from `start` to `stop` ms.
fn dc(amplitude: f64, start: f64, stop: f64) -> DCSource {
    DCSource { amplitude, start, stop }
}

/// Two coupled `HH_cond_exp` cells, `current` nA into cell `into` from
/// time 0, `t` ms; the v traces.
fn pair<B>(setup: Setup, g: f64, into: usize, current: f64, t: f64) -> (Vec<f64>, Vec<f64>)
where
    B: Backend + Supports<HH_cond_exp>,
{
    let (v1, v2, _) = coupled::<_, B>(setup, HH_cond_exp::default(), g, into, dc(current, 0.0, 1e12), t);
    (v1, v2)
}

fn quiet() -> Setup {
    Setup { progress: false, ..Setup::default() }
}

/// [`quiet`] with `min_delay` (ms): NEST's waveform-relaxation interval.
fn with_min_delay(min_delay: f64) -> Setup {
    Setup { min_delay, ..quiet() }
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
/// shards, cells spiking) with `min_delay` (ms) and `threads`: the spike
/// trains of `a`, the `v` traces of `b`, and the relaxation windows that
/// did not converge.
fn hh_network(min_delay: f64, threads: usize) -> (pynn::core::Block, pynn::core::Block, u64) {
    hh_network_in_runs(min_delay, threads, &[80.0])
}

/// [`hh_network`] run in runs ending at `ends` (ms, the last 80).
fn hh_network_in_runs(min_delay: f64, threads: usize, ends: &[f64]) -> (pynn::core::Block, pynn::core::Block, u64) {
    let sim = Sim::<Native>::setup(Setup { threads, ..with_min_delay(min_delay) }).unwrap();
    let a = Population::<HH_cond_exp, Native>::new(&sim, 600, HH_cond_exp::default()).unwrap();
    let b = Population::<HH_cond_exp, Native>::new(&sim, 300, HH_cond_exp::default()).unwrap();
    a.record("spikes", None).unwrap();
    b.record("v", None).unwrap();
    Projection::new(&a, &b, &FixedProbabilityConnector::new(0.01), ElectricalSynapse::new(0.004), None).unwrap();
    Projection::new(&a, &a, &FixedProbabilityConnector::new(0.005), ElectricalSynapse::new(0.002), None).unwrap();
    a.view(0..200).unwrap().inject(dc(0.5, 5.0, 60.0)).unwrap();
    for end in ends {
        sim.run_until(*end).unwrap();
    }
    (a.get_data().unwrap(), b.get_data().unwrap(), sim.with_backend(|n| n.wfr_unconverged_steps()))
}

/// The network of [`hh_network`] gives bit-identical results with 1 and 3
/// threads: every step's junction currents come from one snapshot of `v`
/// summed in connection order.
#[test]
fn junctions_are_independent_of_threads() {
    let (s1, v1, _) = hh_network(0.1, 1);
    let (s3, v3, _) = hh_network(0.1, 3);
    let spikes: usize = s1.segments[0].spiketrains.iter().map(|t| t.times.len()).sum();
    assert!(spikes > 50, "the driven cells should fire: {spikes}");
    assert_eq!(s1, s3);
    assert_eq!(v1, v3);
}

/// With `min_delay` = 1 ms (ten steps) the engine relaxes over whole
/// slices (`native/gap.rs`), and 1, 2 and 3 threads still give the same
/// spikes and traces bit for bit: the trials of an iteration are
/// independent and their results are applied in a fixed order. The
/// network fires (more than 50 spikes). Some windows stop at NEST's 15
/// iterations (measured: 7 of 80) and are committed as NEST commits them:
/// a trial starts from the adaptive step size the previous trial ended
/// with (NEST does not restore `IntegrationStep_` either), so while a cell
/// spikes its end potentials move between iterations by RKF45's error
/// (tolerance 1e-3 mV), above `wfr_tol`; the count is the same for every
/// thread count.
#[test]
fn slices_are_independent_of_threads() {
    let (s1, v1, u1) = hh_network(1.0, 1);
    let spikes: usize = s1.segments[0].spiketrains.iter().map(|t| t.times.len()).sum();
    println!("{spikes} spikes, {u1} of 80 windows unconverged");
    assert!(spikes > 50, "the driven cells should fire: {spikes}");
    assert!(u1 < 40, "most windows converge: {u1} of 80 did not");
    for threads in [2, 3] {
        let (s, v, u) = hh_network(1.0, threads);
        assert_eq!(s1, s, "spikes, {threads} threads");
        assert_eq!(v1, v, "traces, {threads} threads");
        assert_eq!(u1, u);
    }
}

/// Runs that end within a relaxation window (`min_delay` = 1 ms, runs
/// ending at 12.3, 12.3 (a run of length zero), 47.7 and 80 ms) give the
/// spikes, traces and unconverged-window count of one run bit for bit, on
/// 1 and 3 threads: the window is relaxed whole
/// when it begins and the next run finishes it with the junctions of that
/// relaxation (`native/boundary.rs`), as NEST does. (Before, the next run
/// relaxed a new window from where the last one stopped, which differs by
/// up to the relaxation's tolerance: this test failed.)
#[test]
fn runs_ending_within_a_window_equal_one_run() {
    let (s1, v1, u1) = hh_network(1.0, 1);
    let spikes: usize = s1.segments[0].spiketrains.iter().map(|t| t.times.len()).sum();
    assert!(spikes > 50, "the driven cells should fire: {spikes}");
    for threads in [1, 3] {
        let (s, v, u) = hh_network_in_runs(1.0, threads, &[12.3, 12.3, 47.7, 80.0]);
        // (`assert!`: the blocks are too long to print.)
        assert!(s1 == s, "spikes, {threads} threads");
        assert!(v1 == v, "traces, {threads} threads");
        assert_eq!(u1, u, "unconverged windows, {threads} threads");
    }
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
    one(&hh, 0).inject(dc(0.3, 20.0, 120.0)).unwrap();
    lif.cell(0).unwrap().inject(dc(2.0, 10.0, 80.0)).unwrap();
    sim.run(150.0).unwrap();
    let (h1, h2, hs) = record_of(&hh);
    let (l1, l2, ls) = record_of(&lif);
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
fn firing_pair<B>() -> Record
where
    B: Backend + Supports<HH_cond_exp>,
{
    firing_pair_with::<B>(quiet())
}

/// [`firing_pair`] with another setup (e.g. `min_delay`).
fn firing_pair_with<B>(setup: Setup) -> Record
where
    B: Backend + Supports<HH_cond_exp>,
{
    coupled::<_, B>(setup, HH_cond_exp::default(), 0.01, 0, dc(0.3, 20.0, 120.0), 150.0)
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

/// NEURON under MPI: the two cells of a pair live on different ranks
/// (cell `g` on rank `g % N`), the driver gathers the coupled cells'
/// potentials on every rank before each step (`neuron/gap.rs`), and the
/// firing `HH_cond_exp` pair on 2 ranks gives the one-process run's traces
/// and spikes bit for bit (compared exactly: every rank sums the same
/// values in the same order). `min_delay` 0.2 ms: NEURON wants spikes
/// between ranks delayed by more than one step (`neuron/driver.py`).
#[test]
fn neuron_under_mpi_equals_one_process() {
    if std::process::Command::new("mpirun").arg("--version").output().is_err() {
        eprintln!("SKIPPED: mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)");
        return;
    }
    let run = |ranks: usize| {
        let options = NeuronOptions { ranks, launcher: pynn::Launcher::default() };
        let sim = Sim::<Neuron>::setup_with(with_min_delay(0.2), options).unwrap();
        let (sim, cells, _) = coupled_in(sim, HH_cond_exp::default(), 0.01);
        cells.cell(0).unwrap().inject(dc(0.3, 20.0, 120.0)).unwrap();
        sim.run(150.0).unwrap();
        record_of(&cells)
    };
    let one = run(1);
    assert!(one.2[0].len() >= 6, "the driven cell fires: {:?}", one.2);
    assert!(one.1.iter().cloned().fold(f64::MIN, f64::max) - one.1[0] > 0.5, "cell 2 follows through the junction");
    let two = run(2);
    println!("NEURON 1 rank {:?}, 2 ranks {:?}", one.2, two.2);
    assert_eq!(one, two);
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
fn if_pair<B>(g: f64, current: f64) -> Record
where
    B: Backend + Supports<pynn::IF_curr_exp>,
{
    coupled::<_, B>(quiet(), pynn::IF_curr_exp::default(), g, 0, dc(current, 10.0, 80.0), 100.0)
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

/// NEST: cell types without a gap-capable NEST model are `Unsupported`,
/// naming the NEST model (NEST 3.10 handles `GapJunctionEvent` in
/// `models/hh_psc_alpha_gap.cpp` and `models/hh_cond_beta_gap_traub.cpp`
/// only): the integrate-and-fire, adaptive-exponential and Izhikevich types;
/// and junctions with a `min_delay` above 1 ms.
#[test]
fn nest_refuses_cells_without_a_gap_model() {
    fn refused<C>(cell: C, nest_model: &str)
    where
        C: pynn::core::CellType,
        Nest: Supports<C>,
    {
        let sim = Sim::<Nest>::setup(quiet()).unwrap();
        let cells = Population::<C, Nest>::new(&sim, 2, cell).unwrap();
        let e = Projection::new(&cells, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap_err();
        assert!(e.is_unsupported() && e.to_string().contains(nest_model), "{e}");
    }
    refused(pynn::IF_curr_exp::default(), "iaf_psc_exp");
    refused(pynn::IF_cond_exp::default(), "iaf_cond_exp");
    refused(pynn::EIF_cond_exp_isfa_ista::default(), "aeif_cond_exp");
    refused(pynn::Izhikevich::default(), "izhikevich");
    // A min_delay above NEST's wfr_comm_interval (1 ms): NEST would answer
    // BadDelay; the backend says what to change (the native engine caps its
    // windows at 1 ms and runs it).
    let sim = Sim::<Nest>::setup(Setup { max_delay: 10.0, ..with_min_delay(2.0) }).unwrap();
    let cells = Population::<HH_cond_exp, Nest>::new(&sim, 2, HH_cond_exp::default()).unwrap();
    let e = Projection::new(&cells, &cells, &OneToOneConnector, ElectricalSynapse::new(0.01), None).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("min_delay = 2 ms"), "{e}");
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
    let (sim, cells, prj) = coupled_session::<_, B>(quiet(), HH_cond_exp::default(), G);
    assert_eq!(prj.get_values("weight").unwrap(), vec![G]);
    cells.cell(0).unwrap().inject(dc(I_DC, 0.0, 1e12)).unwrap();
    sim.run(1000.0).unwrap();
    prj.set("weight", 2.0 * G).unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![2.0 * G]);
    sim.run(2000.0).unwrap();
    let (v1, v2, _) = record_of(&cells);
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
        let (sim, cells, _) = coupled_session::<_, Native>(quiet(), HH_cond_exp::default(), g);
        cells.cell(0).unwrap().inject(dc(I_DC, 0.0, 1e12)).unwrap();
        sim.run(20.0).unwrap();
        sim.with_backend(|n| n.wfr_unconverged_steps())
    };
    assert_eq!(run(G), 0, "the weakly coupled pair converges at every step");
    let strong = run(50.0);
    assert!(strong > 0, "a 50 uS junction cannot settle in 15 iterations: counted {strong}");
}

/// NEST's waveform relaxation runs over whole `min_delay` slices
/// (`nestkernel/simulation_manager.cpp`, `update_()`: every WFR node's
/// `wfr_update` over the slice, iterated until no step of the slice moved
/// by more than `wfr_tol`), and so does the native engine
/// (`native/gap.rs`): with `min_delay` 1 ms (ten steps; NEST's
/// `wfr_comm_interval`, the longest window) and 0.5 ms, the firing pair
/// against NEST:
///
/// * the same spikes to 1e-9 ms (both on the 0.1 ms grid: a difference
///   would be a whole step);
/// * both traces within 1e-3 mV, the bound of the one-step case
///   (`nest_agrees_with_native`, RKF45's tolerance; measured at 1 ms:
///   3.0e-7 mV on the driven cell, whose upstrokes amplify rounding
///   differences, 2.2e-9 mV on the other).
///
/// Relaxing step by step instead (the engine's earlier scheme, kept for
/// `min_delay` = dt) is not the same computation at 1 ms: each iteration
/// converges only to `wfr_tol` from a different first guess (constant over
/// a step vs over the whole window), and the driven cell's upstrokes (100
/// mV in half a millisecond) amplify the difference. Measured against the
/// 1 ms run: the same spikes, traces 1.6 mV apart on the upstrokes of the
/// driven cell and 1.2e-2 mV on the other, where the windowed run is within
/// 3.0e-7 mV of NEST. Bounds for that comparison: same spikes, 5 mV and
/// 0.05 mV; and it must differ by more than 1e-3 mV (else following NEST's
/// windows would not matter).
#[test]
fn nest_agrees_with_native_over_longer_slices() {
    let (p1, p2, ps) = firing_pair_with::<Native>(with_min_delay(0.1));
    for md in [1.0, 0.5] {
        let (a1, a2, sa) = firing_pair_with::<Native>(with_min_delay(md));
        let (b1, b2, sb) = firing_pair_with::<Nest>(with_min_delay(md));
        let (d1, d2) = (max_diff(&a1, &b1), max_diff(&a2, &b2));
        let (q1, q2) = (max_diff(&a1, &p1), max_diff(&a2, &p2));
        println!(
            "min_delay {md}: native {sa:?}, NEST {sb:?}; max |native - NEST| {d1:e} {d2:e} mV; \
             max |window - per step| {q1:e} {q2:e} mV"
        );
        assert!(sa[0].len() >= 6, "the driven cell should fire six times: {sa:?}");
        assert_eq!(sa[0].len(), sb[0].len());
        assert!(sa[0].iter().zip(&sb[0]).all(|(x, y)| (x - y).abs() <= 1e-9), "{sa:?} {sb:?}");
        assert_eq!(sa[1], sb[1]);
        assert!(d1 < 1e-3 && d2 < 1e-3, "{d1} {d2}");
        // Per-step relaxation (min_delay = dt): measured above.
        assert_eq!(sa, ps);
        assert!(q1 < 5.0 && q2 < 0.05, "{q1} {q2}");
        assert!(q1 > 1e-3, "{q1}");
    }
}

/// Windows longer than NEST's `wfr_comm_interval` (1 ms) are not made:
/// with `min_delay` 2 ms the engine relaxes (and slices) 1 ms at a time,
/// so the firing pair is bit for bit the run at `min_delay` 1 ms (NEST
/// refuses junctions above 1 ms: `nest_refuses_cells_without_a_gap_model`).
#[test]
fn windows_are_capped_at_1_ms() {
    let long = firing_pair_with::<Native>(Setup { max_delay: 10.0, ..with_min_delay(2.0) });
    let one = firing_pair_with::<Native>(with_min_delay(1.0));
    assert!(one.2[0].len() >= 6, "{:?}", one.2);
    assert_eq!(long, one);
}

/// Chemical synapses in a network with junctions: a spike source drives
/// cell 0 (delay 1 ms = `min_delay`, 0.5 uS: it fires) and cell 1 (1.7
/// ms, 0.05 uS), cell 0 drives cell 1 (2.3 ms, 0.5 uS), the two coupled
/// (0.01 uS). Every spike must reach its target at the step of its delay
/// whatever the slice length, and the relaxation's trials must see it
/// (NEST's `get_value_wfr_update`):
///
/// * native with 1 ms slices vs one-step slices: the same spikes, and the
///   excitatory conductances within 1e-5 uS (measured 1.2e-7 uS: they do
///   not depend on `v`, only RKF45's step sequence differs, whose absolute
///   tolerance is 1e-3 nS; a spike delivered a step early or late would
///   differ by most of its weight, 0.05-0.5 uS);
/// * NEST: the same spikes with 1 ms and one-step slices; against native,
///   cell 0 (driven by the source with delay = `min_delay`) fires at the
///   same times to 1e-9 ms, and cell 1 as often, within one step (0.1 ms;
///   measured: its 2nd to 4th spikes 0.1 ms earlier on NEST). That step is
///   the translation, not the slices nor the junction: NEST runs
///   `HH_cond_exp` with junctions as `hh_cond_beta_gap_traub`, whose
///   synaptic conductance rises over 1 us (a beta function) where
///   `HH_cond_exp`'s jumps; with g = 0 the two differ the same way
///   (measured: cell 0's 2nd and 3rd spikes, cell 1's 2nd and 3rd, 0.1 ms
///   earlier on NEST), and on both simulators the spikes are the same for
///   both slice lengths.
#[test]
fn chemical_spikes_arrive_on_time_with_longer_slices() {
    fn run<B>(min_delay: f64) -> (Record, Vec<f64>, Vec<f64>)
    where
        B: Backend + Supports<HH_cond_exp> + Supports<SpikeSourceArray>,
    {
        let (sim, cells, _) = coupled_session::<_, B>(with_min_delay(min_delay), HH_cond_exp::default(), 0.01);
        cells.record("gsyn_exc", None).unwrap();
        let src = Population::<SpikeSourceArray, B>::new(
            &sim,
            1,
            SpikeSourceArray { spike_times: vec![5.0, 15.0, 25.3, 40.0, 41.0] },
        )
        .unwrap();
        let (c0, c1) = (cells.cell(0).unwrap(), cells.cell(1).unwrap());
        Projection::new(&src, &c0, &AllToAllConnector::default(), StaticSynapse::new(0.5, 1.0), None).unwrap();
        Projection::new(&src, &c1, &AllToAllConnector::default(), StaticSynapse::new(0.05, 1.7), None).unwrap();
        Projection::new(&c0, &c1, &AllToAllConnector::default(), StaticSynapse::new(0.5, 2.3), None).unwrap();
        sim.run(60.0).unwrap();
        let block = cells.get_data().unwrap();
        let g = block.segments[0].signal("gsyn_exc").unwrap();
        (record_of(&cells), g.trace(0).unwrap(), g.trace(1).unwrap())
    }
    let ((_, _, sa), ga0, ga1) = run::<Native>(1.0);
    let ((_, _, sp), gp0, gp1) = run::<Native>(0.1);
    let (dg0, dg1) = (max_diff(&ga0, &gp0), max_diff(&ga1, &gp1));
    println!("native 1 ms slices {sa:?}, one-step {sp:?}; max |g| differences {dg0:e} {dg1:e} uS");
    assert!(sa[0].len() >= 4 && !sa[1].is_empty(), "both cells fire: {sa:?}");
    assert_eq!(sa, sp);
    assert!(dg0 < 1e-5 && dg1 < 1e-5, "{dg0} {dg1}");
    let ((_, _, sb), _, _) = run::<Nest>(1.0);
    let ((_, _, sc), _, _) = run::<Nest>(0.1);
    println!("NEST 1 ms slices {sb:?}, one-step {sc:?}");
    assert_eq!(sb, sc, "NEST: the same spikes for both slice lengths");
    assert_eq!(sa.iter().map(Vec::len).collect::<Vec<_>>(), sb.iter().map(Vec::len).collect::<Vec<_>>());
    assert!(sa[0].iter().zip(&sb[0]).all(|(x, y)| (x - y).abs() <= 1e-9), "{sa:?} {sb:?}");
    for (x, y) in sa.iter().flatten().zip(sb.iter().flatten()) {
        assert!((x - y).abs() <= 0.1 + 1e-9, "{sa:?} {sb:?}");
    }
}

/// Leak conductance of the default `IF_curr_exp` (uS): `cm / tau_m`.
fn if_leak() -> f64 {
    let p = pynn::IF_curr_exp::default();
    p.cm / p.tau_m
}

/// Two `IF_curr_exp` cells (below threshold) coupled by `g`, `i` nA of
/// `i_offset` into cell 0 from time 0, run `t` ms at time step `dt`,
/// relative to rest: `u = v - v_rest`.
fn if_offset_pair(dt: f64, g: f64, i: f64, t: f64) -> (Vec<f64>, Vec<f64>) {
    let setup = Setup { timestep: dt, min_delay: dt, ..quiet() };
    let (sim, cells, _) = coupled_session::<_, Native>(setup, pynn::IF_curr_exp::default(), g);
    cells.set("i_offset", vec![i, 0.0]).unwrap();
    sim.run(t).unwrap();
    let (v1, v2, s) = record_of(&cells);
    assert!(s.iter().all(Vec::is_empty), "below threshold: {s:?}");
    let rest = pynn::IF_curr_exp::default().v_rest;
    (v1.iter().map(|v| v - rest).collect(), v2.iter().map(|v| v - rest).collect())
}

/// The linear pair's exact solution at `t` ms (`u1`, `u2` relative to
/// rest): with `C du1/dt = -g_L u1 - g (u1 - u2) + i` and
/// `C du2/dt = -g_L u2 + g (u1 - u2)`, the sum decays at `g_L / C`, the
/// difference at `(g_L + 2 g) / C`, both from 0.
fn if_pair_exact(g: f64, i: f64, t: f64) -> (f64, f64) {
    let p = pynn::IF_curr_exp::default();
    let gl = if_leak();
    let sum = i / gl * (1.0 - (-t * gl / p.cm).exp());
    let diff = i / (gl + 2.0 * g) * (1.0 - (-t * (gl + 2.0 * g) / p.cm).exp());
    (0.5 * (sum + diff), 0.5 * (sum - diff))
}

/// The issue's analytic steady-state ratio for cells without waveform
/// relaxation (`IF_curr_exp`, the explicit scheme): the coupled fixed
/// point `u2 / u1 = g / (g_L + g)` and `u1 = i (g_L + g) / (g_L (g_L + 2
/// g))`, reached within 1e-9 mV after 1000 ms (50 membrane time constants:
/// the slowest mode has decayed to e^-50 of 6.7 mV). The explicit scheme is
/// exact at a fixed point (the held current is the true one), so the bound
/// only covers the rounding of 10^4 exact propagator steps.
#[test]
fn explicit_steady_state_ratio_is_analytic() {
    let (g, i) = (0.05, 0.5);
    let (u1, u2) = if_offset_pair(0.1, g, i, 1000.0);
    let (a1, a2) = (*u1.last().unwrap(), *u2.last().unwrap());
    let gl = if_leak();
    let (e1, e2) = (i * (gl + g) / (gl * (gl + 2.0 * g)), i * g / (gl * (gl + 2.0 * g)));
    println!("IF_curr_exp pair: u1 {a1:.12} (exact {e1:.12}), u2 {a2:.12} (exact {e2:.12}), ratio {}", a2 / a1);
    assert!((a1 - e1).abs() < 1e-9 && (a2 - e2).abs() < 1e-9, "{a1} {a2} vs {e1} {e2}");
    assert!((a2 / a1 - g / (gl + g)).abs() < 1e-9, "{}", a2 / a1);
}

/// The explicit scheme's accuracy for transients, measured against the
/// exact solution of the linear pair (`if_pair_exact`; `IF_curr_exp`
/// integrates its own membrane exactly, so the coupling is the only error):
/// g = 0.05 uS (as much as the leak), 0.5 nA, 100 ms. At dt = 0.1 ms the
/// largest error is 3.1e-3 mV on either cell (measured; below the estimate
/// `g dt / C` = 0.5 % of the difference mode's 3.3 mV, 0.017 mV, which
/// ignores that the mode relaxes while the error builds), bound 1e-2 mV;
/// at dt = 0.01 ms ten times smaller (measured 3.07e-4 mV; first order:
/// ratio between 8 and 12).
#[test]
fn explicit_scheme_is_first_order() {
    let (g, i, t) = (0.05, 0.5, 100.0);
    let err = |dt: f64| {
        let (u1, u2) = if_offset_pair(dt, g, i, t);
        let mut worst = (0.0f64, 0.0f64);
        for (k, (x1, x2)) in u1.iter().zip(&u2).enumerate() {
            let (e1, e2) = if_pair_exact(g, i, k as f64 * dt);
            worst = (worst.0.max((x1 - e1).abs()), worst.1.max((x2 - e2).abs()));
        }
        worst
    };
    let (c1, c2) = err(0.1);
    let (f1, f2) = err(0.01);
    println!("explicit IF_curr_exp pair: max error dt 0.1: {c1:e} {c2:e} mV; dt 0.01: {f1:e} {f2:e} mV");
    assert!(c1 < 1e-2 && c2 < 1e-2, "{c1} {c2}");
    assert!(c1 > 1e-3 && c2 > 1e-3, "the scheme has an error to measure: {c1} {c2}");
    for (c, f) in [(c1, f1), (c2, f2)] {
        assert!((8.0..12.0).contains(&(c / f)), "first order: {c} / {f} = {}", c / f);
    }
}
