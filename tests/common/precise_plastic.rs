//! Plastic synapses onto precise cells (`spike_precision = "off_grid"`):
//! the scenarios and NEST's rules written by hand, shared by
//! `tests/precise_native.rs` (native, and NEST with `PYNN_PYTHON`) and
//! `tests/precise_spikes.rs` (NEST).
//!
//! NEST's plastic synapses onto `*_ps` cells take the pre-synaptic spike
//! at its grid stamp (`e.get_stamp().get_ms()`, `models/stdp_synapse.h`,
//! `models/vogels_sprekeler_synapse.h`) and the post-synaptic spikes at
//! their precise times (`ArchivingNode::set_spiketime`,
//! `nestkernel/archiving_node.cpp`), compared with `stdp_eps` = 1e-6 ms
//! (`ArchivingNode::get_history`, `get_K_value`). The hand rules below
//! take whatever times they are given, so a test can also compute what
//! the wrong timing rules would give.
#![allow(dead_code)] // each test file uses part of it

use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::prelude::*;

/// The time step of the scenarios (ms).
pub const DT: f64 = 0.1;

/// The grid stamp of a precise time: the end of its step.
pub fn stamp(t: f64) -> f64 {
    (t / DT).ceil() * DT
}

/// How a hand rule compares post-synaptic times with pre-synaptic ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ties {
    /// Exact comparisons: the window `(t_last - d, t - d]`, the trace of
    /// the latest spike strictly before `t - d`.
    Exact,
    /// NEST's float rule with `stdp_eps` (1e-6 ms): the window
    /// `[t_last - d + eps, t - d + eps)` (`get_history`), the trace of the
    /// latest spike more than `eps` before `t - d` (`get_K_value`).
    StdpEps,
}

/// NEST's `stdp_eps` (ms), `nestkernel/connection_manager.cpp`.
pub const STDP_EPS: f64 = 1e-6;

impl Ties {
    /// Whether post spike `tp` lies in the window of a pre spike at `t`
    /// (previous at `t_last`), dendritic delay `d`.
    fn in_window(self, tp: f64, t_last: f64, t: f64, d: f64) -> bool {
        match self {
            Ties::Exact => tp > t_last - d && tp <= t - d,
            Ties::StdpEps => tp >= t_last - d + STDP_EPS && tp < t - d + STDP_EPS,
        }
    }
    /// Whether post spike `tp` counts as before `t - d` for the trace.
    fn before(self, tp: f64, t: f64, d: f64) -> bool {
        match self {
            Ties::Exact => tp < t - d,
            Ties::StdpEps => (t - d) - tp > STDP_EPS,
        }
    }
}

/// The post-synaptic trace `K` (time constant `tau`) just after each
/// spike of `post`: `K <- K exp(-(t_j - t_{j-1}) / tau) + 1`.
fn trace_after(post: &[f64], tau: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(post.len());
    let (mut k, mut last) = (0.0f64, -1.0f64);
    for tp in post {
        k = k * ((last - tp) / tau).exp() + 1.0;
        last = *tp;
        out.push(k);
    }
    out
}

/// The post trace at `t - d`: that of the latest spike before it (by
/// `ties`), decayed; 0 without one.
fn trace_at(post: &[f64], after: &[f64], t: f64, d: f64, tau: f64, ties: Ties) -> f64 {
    let before = post.iter().zip(after).rev().find(|(tp, _)| ties.before(**tp, t, d));
    before.map_or(0.0, |(tp, k)| k * ((tp - (t - d)) / tau).exp())
}

/// NEST's `stdp_synapse` rule (NEST 3.10 `models/stdp_synapse.h`,
/// `send`; the post-synaptic trace of `nestkernel/archiving_node.cpp`,
/// `set_spiketime`, `get_history`, `get_K_value`) computed by hand for one
/// synapse: weight `w0`, dendritic delay `d`; `pre` the pre-synaptic spike
/// times as the synapse sees them, `post` the post-synaptic ones. At each
/// pre-synaptic spike `t`: facilitation by every post spike `tp` in
/// `(t_last - d, t - d]` with `K+ exp((t_last - (tp + d)) / tau_plus)`,
/// then depression with the post trace at `t - d` (the last post spike
/// strictly before it, `K-(tp) exp((tp - (t - d)) / tau_minus)`, `K-`
/// counting that spike, 0 before any), then `K+ <- K+ exp((t_last - t) /
/// tau_plus) + 1`. `f = [tau_plus, tau_minus, lambda, alpha, mu_plus,
/// mu_minus, w_max]` (PyNN: `lambda = A_plus`, `alpha = A_minus /
/// A_plus`; w_min = 0). Exact comparisons ([`Ties::Exact`]); NEST's
/// `stdp_eps` only matters for ties within 1e-6 ms ([`nest_stdp_ties`]).
pub fn nest_stdp(w0: f64, d: f64, pre: &[f64], post: &[f64], f: [f64; 7]) -> f64 {
    nest_stdp_ties(w0, d, pre, post, f, Ties::Exact)
}

/// [`nest_stdp`] with the comparisons `ties`.
pub fn nest_stdp_ties(w0: f64, d: f64, pre: &[f64], post: &[f64], f: [f64; 7], ties: Ties) -> f64 {
    let [tau_plus, tau_minus, lambda, alpha, mu_plus, mu_minus, w_max] = f;
    let k_after = trace_after(post, tau_minus);
    let (mut w, mut k_plus, mut t_last) = (w0, 0.0f64, 0.0f64);
    for &t in pre {
        for tp in post.iter().filter(|tp| ties.in_window(**tp, t_last, t, d)) {
            let kp = k_plus * ((t_last - (tp + d)) / tau_plus).exp();
            w = (w / w_max + lambda * (1.0 - w / w_max).powf(mu_plus) * kp).min(1.0) * w_max;
        }
        let km = trace_at(post, &k_after, t, d, tau_minus, ties);
        w = (w / w_max - alpha * lambda * (w / w_max).powf(mu_minus) * km).max(0.0) * w_max;
        k_plus = k_plus * ((t_last - t) / tau_plus).exp() + 1.0;
        t_last = t;
    }
    w
}

/// NEST's Vogels–Sprekeler rule (`models/vogels_sprekeler_synapse.h`,
/// `send()`) by hand, weights as magnitudes: `v` = (tau, eta, alpha,
/// w_max) with `alpha = 2 rho tau / 1000` (w_min = 0). At each pre spike
/// `t`: facilitation `w += eta K+ exp(-(t_j + d - t_last) / tau)` by every
/// post spike `t_j` in the window, then `w += eta K-(t - d)` (the post
/// trace, time constant `tau`), both capped at `w_max`, then
/// `w -= alpha eta` (floored at 0); `K+ <- K+ exp(-(t - t_last) / tau) + 1`.
pub fn nest_vogels(w0: f64, d: f64, pre: &[f64], post: &[f64], v: [f64; 4], ties: Ties) -> f64 {
    let [tau, eta, alpha, w_max] = v;
    let k_after = trace_after(post, tau);
    let (mut w, mut k_plus, mut t_last) = (w0, 0.0f64, 0.0f64);
    for &t in pre {
        for tp in post.iter().filter(|tp| ties.in_window(**tp, t_last, t, d)) {
            w = (w + eta * k_plus * ((t_last - (tp + d)) / tau).exp()).min(w_max);
        }
        w = (w + eta * trace_at(post, &k_after, t, d, tau, ties)).min(w_max);
        w = (w - alpha * eta).max(0.0);
        k_plus = k_plus * ((t_last - t) / tau).exp() + 1.0;
        t_last = t;
    }
    w
}

/// The spike times of each of the `n` cells of a recorded block.
pub fn trains(block: &Block, n: usize) -> Vec<Vec<f64>> {
    (0..n).map(|i| block.segments[0].spiketrain(i).map(|s| s.times.clone()).unwrap_or_default()).collect()
}

/// How many of the times lie off the grid (by more than 1e-6 steps).
pub fn off_grid(times: &[Vec<f64>]) -> usize {
    times.iter().flatten().filter(|t| ((*t / DT) - (*t / DT).round()).abs() > 1e-6).count()
}

/// The precise cell of the STDP and Vogels scenarios.
pub fn cell() -> IF_curr_exp {
    IF_curr_exp { tau_refrac: 2.0, v_thresh: -50.0, ..Default::default() }
}

/// The pre-synaptic times of the STDP scenario: source `i` fires at
/// off-grid times `5.037 + 1.61 i + 9.13 j` ms (j < 18, the last at
/// ~163 ms, well before the end at 200 ms, so every update is in the
/// final weight).
pub fn stdp_times() -> Vec<Vec<f64>> {
    (0..3).map(|i| (0..18).map(|j| 5.037 + 1.61 * i as f64 + 9.13 * j as f64).collect()).collect()
}

/// The additive mechanism of the STDP scenario (onto cell 0, delay 1 ms).
pub fn stdp_additive() -> STDPMechanism {
    STDPMechanism::new(SpikePairRule::new(16.8, 25.0, 0.01, 0.011), AdditiveWeightDependence::new(0.0, 0.4))
        .with(0.2, 1.0)
}

/// The multiplicative mechanism of the STDP scenario (onto cell 1, delay
/// 1.5 ms).
pub fn stdp_multiplicative() -> STDPMechanism {
    STDPMechanism::new(SpikePairRule::new(20.0, 25.0, 0.04, 0.05), MultiplicativeWeightDependence::new(0.0, 0.4))
        .with(0.2, 1.5)
}

/// [`nest_stdp`]'s parameters of [`stdp_additive`] and
/// [`stdp_multiplicative`] (NEST's alpha = A_minus / A_plus, as the
/// backend computes it).
pub const ADDITIVE: [f64; 7] = [16.8, 25.0, 0.01, 0.011 / 0.01, 0.0, 0.0, 0.4];
/// See [`ADDITIVE`].
pub const MULTIPLICATIVE: [f64; 7] = [20.0, 25.0, 0.04, 0.05 / 0.04, 1.0, 1.0, 0.4];

/// Source times, post spike times, and the final weights of the two
/// projections.
pub type StdpRun = (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<f64>, Vec<f64>);

/// The STDP-onto-precise scenario: three SpikeSourceArrays at
/// [`stdp_times`] onto two precise IF_curr_exp cells ([`cell`], DC 1.0 and
/// 1.3 nA), all-to-all, [`stdp_additive`] onto cell 0 and
/// [`stdp_multiplicative`] onto cell 1, 200 ms, in a session of `setup`.
pub fn stdp_onto_precise<B>(setup: Setup) -> StdpRun
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourceArray>,
{
    stdp_onto_precise_with::<B>(setup, stdp_additive(), stdp_multiplicative())
}

/// [`stdp_onto_precise`] with other mechanisms onto cell 0 and cell 1.
pub fn stdp_onto_precise_with<B>(setup: Setup, onto_0: STDPMechanism, onto_1: STDPMechanism) -> StdpRun
where
    B: Backend + Supports<IF_curr_exp> + Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(setup).unwrap_or_else(|e| panic!("{e}"));
    let pre = Population::<SpikeSourceArray, B>::new(&sim, 3, SpikeSourceArray::default()).unwrap();
    let times = stdp_times();
    pre.set("spike_times", times.clone()).unwrap();
    let post = Population::<IF_curr_exp, B>::new(&sim, 2, cell()).unwrap();
    post.set("i_offset", vec![1.0, 1.3]).unwrap();
    post.record(["spikes"], None).unwrap();
    let all = AllToAllConnector::default();
    let p0 = post.view(vec![0]).unwrap();
    let p1 = post.view(vec![1]).unwrap();
    let proj_0 = Projection::new(&pre, &p0, &all, onto_0, Some("excitatory")).unwrap();
    let proj_1 = Projection::new(&pre, &p1, &all, onto_1, Some("excitatory")).unwrap();
    sim.run(200.0).unwrap();
    let post_times = trains(&post.get_data().unwrap(), 2);
    let (w0, w1) = (proj_0.get_values("weight").unwrap(), proj_1.get_values("weight").unwrap());
    sim.end().unwrap();
    (times, post_times, w0, w1)
}

/// The smallest distance (ms) between a post spike and a pre stamp minus
/// the delay: above 1e-3 ms, NEST's tie tolerance (`stdp_eps`, 1e-6 ms)
/// plays no part.
pub fn pre_post_gap(pre_stamps: &[f64], post: &[f64], d: f64) -> f64 {
    pre_stamps.iter().flat_map(|t| post.iter().map(move |tp| (tp - (t - d)).abs())).fold(f64::MAX, f64::min)
}

/// Asserts that two backends' post spike trains have the same lengths
/// and times within `tol` ms; returns the largest difference.
pub fn assert_same_spikes(ours: &[Vec<f64>], nest: &[Vec<f64>], tol: f64, what: &str) -> f64 {
    let mut worst = 0.0f64;
    for (j, (a, b)) in ours.iter().zip(nest).enumerate() {
        assert_eq!(a.len(), b.len(), "{what} post cell {j}: native {a:?} vs NEST {b:?}");
        let d = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        eprintln!("{what} post cell {j}: max |native - NEST| = {d:.3e} ms");
        assert!(d < tol, "{what} post cell {j}: {d} ms");
        worst = worst.max(d);
    }
    worst
}

/// Asserts that two backends' weights agree within `rel` relative;
/// returns the largest relative difference.
pub fn assert_same_weights(ours: &[f64], nest: &[f64], rel: f64, what: &str) -> f64 {
    assert_eq!(ours.len(), nest.len());
    let mut worst = 0.0f64;
    for (i, (x, y)) in ours.iter().zip(nest).enumerate() {
        let r = (x - y).abs() / y.abs();
        eprintln!("{what} pre {i}: native {x:.15} NEST {y:.15} rel {r:.1e}");
        assert!(r <= rel, "{what} pre {i}: native {x} vs NEST {y}");
        worst = worst.max(r);
    }
    worst
}
