//! Agreement of the native engine with NEST 3.10: the current-based IF cells
//! (exact integration), the conductance-based IF cells and the AdEx cells
//! (adaptive RKF45 reproducing NEST's GSL stepper and control).
//!
//! The reference data in `tests/data/nest/*.json` were produced by
//! `tests/data/nest_reference.py` (PyNEST 3.10, translated exactly as PyNN
//! 0.13's NEST backend does with `spike_precision='on_grid'`, cross-checked
//! against PyNN 0.13 itself). Each file holds the scenario (cells,
//! parameters, inputs, current sources, connections, run schedule) and
//! NEST's spike times and membrane traces; these tests build the same
//! network through the object API and compare.
//!
//! Tolerances: spike counts identical and spike times on the same time step
//! (both simulators are on-grid with the same step convention); membrane
//! potential within 1e-6 mV at every sample. For the exactly integrated
//! models both sides use the same propagators; for the RKF45 models both
//! run the same algorithm (tableau, error control, step-size carry-over), so
//! the only difference is floating-point rounding (observed <= 2e-13 mV,
//! and <= 3e-8 mV for AdEx and HH, whose exponentials amplify rounding);
//! 1e-6 mV is far above rounding and far below any modelling difference (a
//! one-step timing error moves v by > 1e-3 mV).
//!
//! One known difference is kept out of the scenarios: PyNN's NEST backend
//! shifts current-source times by `-min_delay` and clips them at 0, so a
//! source starting at t <= 2 min_delay reaches NEST's neuron one or two
//! steps late; pynn-rs applies the current from `start` as PyNN documents.
//! Every scenario's sources start later than that.

mod common;

use common::*;
use pynn::prelude::*;

/// |v - v_NEST| bound (mV); see the header.
const TOL: f64 = 1e-6;

#[test]
fn every_scenario_agrees_with_nest() {
    let names = scenario_names();
    assert!(names.len() >= 34, "reference scenarios missing: {names:?}");
    for name in names {
        let s = load(&name);
        let out = outcome::<Native>(&s, &run_plain(&s));
        assert_eq!(out.spikes.len(), 1);
        let dv = compare(&s, &out.spikes[0], &out.v[0], TOL);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!("{name}: {n} spikes identical to NEST, max |dv| = {dv:.3e} mV");
        if !extra_variables(&s).is_empty() {
            // GIF_cond_exp's i_eta (nA) and v_t (mV): same bound.
            let d = compare_extra(&s, &out.extra[0], TOL);
            eprintln!("{name}: {:?} within {d:.3e} of NEST", extra_variables(&s));
        }
    }
}

/// |v - v_NEST| bound (mV) for [`OdeSolver::Rk4`]: NEST's RKF45 and the
/// fixed-step RK4 are different fourth/fifth-order methods, each within
/// about 1e-9 mV per step of the exact solution away from spikes; near a
/// spike the reset makes the two traces equal again. The bound is far below
/// what a one-step spike-time shift would cause (> 1e-3 mV).
const RK4_TOL: f64 = 1e-5;

#[test]
fn rk4_solver_agrees_with_nest() {
    ODE_SOLVER.set(OdeSolver::Rk4);
    let names: Vec<String> = scenario_names()
        .into_iter()
        .filter(|n| n.starts_with("IF_cond_exp_") && !n.contains("gsfa") || n.starts_with("IF_facets_hardware1"))
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in names {
        let s = load(&name);
        let out = outcome::<Native>(&s, &run_plain(&s));
        let dv = compare(&s, &out.spikes[0], &out.v[0], RK4_TOL);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!("{name} (RK4): {n} spikes identical to NEST, max |dv| = {dv:.3e} mV");
        assert!(n > 0, "{name}: the scenario has spikes");
    }
}

/// |v - v_NEST| bound (mV) for the default, [`OdeSolver::Auto`]: as for
/// [`RK4_TOL`] where the guard takes RK4 (local error at most 1/40 of
/// 1e-4 mV per step, see `native/cond.rs`), and NEST's own RKF45 where it
/// does not (the fast synapses of the IF_cond_alpha scenarios,
/// `tau_syn_E` = 0.3 ms, just after an input), so the two traces differ
/// by the RK4 steps' errors only, each at most half the guard's 1e-3 mV
/// and in practice far below. The bound is a tenth of NEST's per-step
/// tolerance; observed 2.4e-5 mV (IF_cond_alpha_synaptic, where the
/// PyNN-default 0.3 ms synapses give the largest RK4 steps' errors), far
/// below what a one-step spike shift would cause (> 1e-3 mV).
const AUTO_TOL: f64 = 1e-4;

/// The default solver on every reference scenario of IF_cond_exp,
/// IF_cond_alpha and IF_facets_hardware1: NEST's spike times exactly
/// (same step) and `v` within [`AUTO_TOL`].
#[test]
fn auto_solver_agrees_with_nest() {
    ODE_SOLVER.set(OdeSolver::Auto);
    let names: Vec<String> = scenario_names()
        .into_iter()
        .filter(|n| {
            (n.starts_with("IF_cond_exp_") || n.starts_with("IF_cond_alpha_")) && !n.contains("gsfa")
                || n.starts_with("IF_facets_hardware1")
        })
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    for name in names {
        let s = load(&name);
        let out = outcome::<Native>(&s, &run_plain(&s));
        let dv = compare(&s, &out.spikes[0], &out.v[0], AUTO_TOL);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!("{name} (auto): {n} spikes identical to NEST, max |dv| = {dv:.3e} mV");
        assert!(n > 0, "{name}: the scenario has spikes");
    }
}

#[test]
fn reset_then_run_repeats_the_first_segment() {
    for name in ["IF_curr_alpha_synaptic", "IF_curr_exp_dc", "IF_curr_delta_synaptic", "IF_curr_exp_step"] {
        let s = load(name);
        let t: f64 = floats(&s["runs"]).iter().sum();
        let out = outcome::<Native>(&s, &|sim: &Sim<Native>, _| {
            sim.run(t).unwrap();
            sim.reset().unwrap();
            assert_eq!(sim.get_current_time(), 0.0);
            sim.run(t).unwrap();
        });
        assert_eq!(out.spikes.len(), 2, "{name}: two segments");
        assert_eq!(out.spikes[0], out.spikes[1], "{name}: spikes after reset");
        assert_eq!(out.v[0], out.v[1], "{name}: v after reset (bit-identical)");
        compare(&s, &out.spikes[1], &out.v[1], TOL);
    }
}

#[test]
fn split_runs_equal_one_run() {
    for name in ["IF_curr_alpha_synaptic", "IF_curr_exp_step", "IF_curr_delta_dc", "IF_curr_exp_synaptic"] {
        let s = load(name);
        let whole = outcome::<Native>(&s, &|sim: &Sim<Native>, _| {
            sim.run(100.0).unwrap();
        });
        let split = outcome::<Native>(&s, &|sim: &Sim<Native>, _| {
            sim.run(50.0).unwrap();
            sim.run(50.0).unwrap();
        });
        let uneven = outcome::<Native>(&s, &|sim: &Sim<Native>, _| {
            sim.run(33.3).unwrap();
            sim.run_until(71.0).unwrap();
            sim.run(29.0).unwrap();
        });
        assert_eq!(split.spikes, whole.spikes, "{name}");
        assert_eq!(split.v, whole.v, "{name}");
        assert_eq!(uneven.spikes, whole.spikes, "{name}");
        assert_eq!(uneven.v, whole.v, "{name}");
        assert_eq!(whole.v[0][0].len(), 1001, "{name}: samples at 0, 0.1, ..., 100 ms");
        compare(&s, &split.spikes[0], &split.v[0], TOL);
    }
}

/// PointNeuron (LIF + CurrExp receptors, AdExp + CondAlpha, AdExp + CondBeta)
/// against NEST's multisynapse models (`iaf_psc_exp_multisynapse`,
/// `aeif_cond_alpha_multisynapse`, `aeif_cond_beta_multisynapse`), the
/// models PyNN's NEST backend creates for these compositions. Spikes must
/// be on the same steps; traces within 1e-6 mV as for the standard models
/// (see the header; observed: bit-identical for the AdExp compositions,
/// <= 6e-14 mV for LIF + CurrExp).
#[test]
fn point_neuron_scenarios_agree_with_nest_multisynapse_models() {
    let names = point_neuron_scenario_names();
    assert_eq!(names.len(), 6, "{names:?}");
    for name in names {
        let s = load(&name);
        let out = build_and_run_with::<PointNeuron, Native>(&s, point_neuron(&s), &run_plain(&s));
        let dv = compare(&s, &out.spikes[0], &out.v[0], TOL);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!("{name}: {n} spikes identical to NEST, max |dv| = {dv:.3e} mV");
    }
}

/// The agreement table the issue asks for: per reference scenario, the
/// spike-count difference, the largest spike-time difference (in steps,
/// spikes paired in order) and the RMS difference of the membrane potential
/// away from spikes (samples within 2 ms after a spike of either simulator
/// excluded, where a one-step offset would dominate). Bounds: RMS < 0.01 mV
/// for exactly integrated models (IF_curr_*, PointNeuron LIF), < 0.05 mV for
/// the others (RKF45, and Izhikevich's explicit step); counts equal; times
/// within one step. Run with `--nocapture` to see the table.
#[test]
fn agreement_table() {
    let mut names = scenario_names();
    names.extend(point_neuron_scenario_names());
    eprintln!("| scenario | spikes (NEST) | count diff | max time diff (steps) | v RMS away from spikes (mV) |");
    eprintln!("|---|---|---|---|---|");
    for name in names {
        let s = load(&name);
        let out = if name.starts_with("PointNeuron") {
            build_and_run_with::<PointNeuron, Native>(&s, point_neuron(&s), &run_plain(&s))
        } else {
            outcome::<Native>(&s, &run_plain(&s))
        };
        let dt = s["dt"].as_f64().unwrap();
        let nest_spikes: Vec<Vec<f64>> = s["result"]["spike_times"].as_array().unwrap().iter().map(floats).collect();
        let nest_v: Vec<Vec<f64>> = s["result"]["v"].as_array().unwrap().iter().map(floats).collect();
        let (mut count_diff, mut max_steps, mut total) = (0usize, 0i64, 0usize);
        let (mut sum_sq, mut n_samples) = (0.0, 0usize);
        for i in 0..nest_spikes.len() {
            let (ours, theirs) = (&out.spikes[0][i], &nest_spikes[i]);
            total += theirs.len();
            count_diff += ours.len().abs_diff(theirs.len());
            for (a, b) in ours.iter().zip(theirs) {
                max_steps = max_steps.max(((a - b) / dt).round().abs() as i64);
            }
            let near_spike = |t: f64| ours.iter().chain(theirs).any(|s| t >= *s && t < s + 2.0);
            for (k, (a, b)) in out.v[0][i].iter().zip(&nest_v[i]).enumerate() {
                if !near_spike(k as f64 * dt) {
                    sum_sq += (a - b) * (a - b);
                    n_samples += 1;
                }
            }
        }
        let rms = (sum_sq / n_samples.max(1) as f64).sqrt();
        eprintln!("| {name} | {total} | {count_diff} | {max_steps} | {rms:.1e} |");
        let exact = name.starts_with("IF_curr") || name.starts_with("PointNeuron_LIF");
        let bound = if exact { 0.01 } else { 0.05 };
        assert_eq!(count_diff, 0, "{name}: spike counts");
        assert!(max_steps <= 1, "{name}: spike times differ by {max_steps} steps");
        assert!(rms < bound, "{name}: v RMS {rms} mV >= {bound} mV");
        assert!(n_samples > 0, "{name}: no samples away from spikes");
    }
}

/// A PointNeuron with receptors `excitatory` and `inhibitory` of the right
/// kind is the standard model: LIF + CondExp = IF_cond_exp, LIF + CondAlpha
/// = IF_cond_alpha, AdExp + CondExp = EIF_cond_exp_isfa_ista, AdExp +
/// CondAlpha = EIF_cond_alpha_isfa_ista. Run on the standard models' NEST
/// data (this also covers CondExp receptors and LIF with conductance
/// receptors, for which NEST has no multisynapse model). Same bound.
#[test]
fn standard_models_rebuilt_as_point_neurons_agree_with_nest() {
    use pynn::core::cells::{AdExp, CondAlphaPostSynapticResponse as Alpha, CondExpPostSynapticResponse as Exp};
    use pynn::core::cells::{LIF, Neuron, PostSynapticResponse};
    for (model, neuron, alpha) in [
        ("IF_cond_exp", Neuron::from(LIF::default()), false),
        ("IF_cond_alpha", Neuron::from(LIF::default()), true),
        ("EIF_cond_exp_isfa_ista", Neuron::from(AdExp::default()), false),
        ("EIF_cond_alpha_isfa_ista", Neuron::from(AdExp::default()), true),
    ] {
        for kind in ["dc", "step", "synaptic"] {
            let name = format!("{model}_{kind}");
            let mut s = load(&name);
            for c in s["cells"].as_array_mut().unwrap() {
                let c = c.as_object_mut().unwrap();
                for (old, new) in [
                    ("tau_syn_E", "excitatory.tau_syn"),
                    ("tau_syn_I", "inhibitory.tau_syn"),
                    ("e_rev_E", "excitatory.e_syn"),
                    ("e_rev_I", "inhibitory.e_syn"),
                ] {
                    let v = c.remove(old).unwrap();
                    c.insert(new.to_string(), v);
                }
            }
            let psr =
                |_: ()| -> PostSynapticResponse { if alpha { Alpha::default().into() } else { Exp::default().into() } };
            let cell = PointNeuron::new(neuron.clone(), [("excitatory", psr(())), ("inhibitory", psr(()))]).unwrap();
            let out = build_and_run_with::<PointNeuron, Native>(&s, cell, &run_plain(&s));
            let dv = compare(&s, &out.spikes[0], &out.v[0], TOL);
            eprintln!("{name} as a PointNeuron: spikes identical to NEST, max |dv| = {dv:.3e} mV");
        }
    }
}
