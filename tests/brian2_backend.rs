//! The Brian2 backend (`Brian2`): the committed NEST scenarios on Brian2.

mod common;

use common::*;
use pynn::prelude::*;

/// Spike-count equality, largest spike-time difference (ms), RMS and max
/// |v - v_NEST| (mV) of one segment against the NEST data.
fn agreement(s: &serde_json::Value, spikes: &[Vec<f64>], v: &[Vec<f64>]) -> (bool, f64, f64, f64) {
    let nest_spikes: Vec<Vec<f64>> = s["result"]["spike_times"].as_array().unwrap().iter().map(floats).collect();
    let nest_v: Vec<Vec<f64>> = s["result"]["v"].as_array().unwrap().iter().map(floats).collect();
    let mut same = true;
    let mut dt_max: f64 = 0.0;
    let (mut sq, mut n, mut dv_max) = (0.0, 0usize, 0.0f64);
    for i in 0..nest_spikes.len() {
        if spikes[i].len() != nest_spikes[i].len() {
            same = false;
        } else {
            for (a, b) in spikes[i].iter().zip(&nest_spikes[i]) {
                dt_max = dt_max.max((a - b).abs());
            }
        }
        assert_eq!(v[i].len(), nest_v[i].len());
        for (a, b) in v[i].iter().zip(&nest_v[i]) {
            sq += (a - b) * (a - b);
            n += 1;
            dv_max = dv_max.max((a - b).abs());
        }
    }
    (same, dt_max, (sq / n as f64).sqrt(), dv_max)
}

#[test]
fn every_scenario_on_brian2_agrees_with_the_nest_data() {
    for name in scenario_names() {
        let s = load(&name);
        let t0 = std::time::Instant::now();
        let out = outcome::<Brian2>(&s, &run_plain(&s));
        let (same, dt, rms, dvmax) = agreement(&s, &out.spikes[0], &out.v[0]);
        let n: usize = out.spikes[0].iter().map(Vec::len).sum();
        eprintln!(
            "{name:40} counts equal {same:5} ({n:3} spikes) max |dt| {dt:.3} ms  v RMS {rms:.2e} max {dvmax:.2e} mV  ({:.1} s)",
            t0.elapsed().as_secs_f64()
        );
    }
}
