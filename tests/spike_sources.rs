//! Statistics of the random spike sources on the native engine: PyNN 0.13's
//! `test_SpikeSourcePoisson`, `test_SpikeSourceGamma` and
//! `test_SpikeSourcePoissonRefractory` (test/system/scenarios/
//! test_cell_types.py: Kolmogorov–Smirnov statistic of the inter-spike
//! intervals against the target distribution, D < 0.1), plus mean rates,
//! windows, rate changes between runs and the time-varying rate of
//! `SpikeSourceInhGamma`.
//!
//! # How the bounds are derived
//!
//! * **KS.** PyNN asserts D < 0.1. For n independent samples from the target
//!   distribution, sqrt(n) D converges to the Kolmogorov distribution,
//!   whose 99.9 % quantile is 1.95; so D < 1.95 / sqrt(n) except with
//!   probability 1e-3. We run 100 s (PyNN runs the gamma case for 10 s only)
//!   so that n >= 1600 for every source, and 1.95 / sqrt(n) < 0.05 is well
//!   below PyNN's 0.1. Spike times are on the 0.1 ms grid (the end of the
//!   step of the continuous-time spike), which shifts the empirical CDF by
//!   at most the probability mass of one step: 1 - exp(-dt / mean ISI)
//!   <= 0.095 for 1000 Hz Poisson (the worst case), typically half that.
//!   We assert PyNN's D < 0.1 and print D.
//! * **Rates.** The count N of a stationary renewal process in time T has
//!   mean r T and variance r T CV^2 (asymptotically; CV^2 = 1 for Poisson,
//!   1/alpha for gamma, ((mean - d)/mean)^2 for dead-time Poisson). We
//!   allow 5 standard deviations (two-sided probability 6e-7 under a normal
//!   approximation) plus 2 spikes for the edges of the window.

use pynn::core::special::gamma_p;
use pynn::prelude::*;

/// Kolmogorov–Smirnov statistic of `samples` against the CDF `cdf`:
/// `D = max_i max(F(x_(i)) - (i-1)/n, i/n - F(x_(i)))` over the sorted samples.
fn ks_statistic(samples: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut x = samples.to_vec();
    x.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = x.len() as f64;
    let mut d: f64 = 0.0;
    for (i, xi) in x.iter().enumerate() {
        let f = cdf(*xi);
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    d
}

fn isis(times: &[f64]) -> Vec<f64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Runs `pop` (already created in `sim`) for `t` ms and returns its spike trains.
fn trains<C: pynn::core::CellType>(sim: &Sim<Native>, pop: &Population<C, Native>, t: f64) -> Vec<Vec<f64>>
where
    Native: pynn::core::backend::Supports<C>,
{
    pop.record("spikes", None).unwrap();
    sim.run(t).unwrap();
    pop.get_data().unwrap().segments[0].spiketrains.iter().map(|s| s.times.clone()).collect()
}

fn rate_bound(expected: f64, cv2: f64) -> f64 {
    5.0 * (expected * cv2).sqrt() + 2.0
}

#[test]
fn ks_statistic_of_exact_quantiles_is_small() {
    // Quantiles (i + 0.5)/n of the exponential give D = 0.5/n exactly.
    let n = 1000;
    let x: Vec<f64> = (0..n).map(|i| -(1.0 - (i as f64 + 0.5) / n as f64).ln()).collect();
    let d = ks_statistic(&x, |v| 1.0 - (-v).exp());
    assert!((d - 0.5 / n as f64).abs() < 1e-12, "{d}");
    // A shifted sample is detected.
    let d = ks_statistic(&x.iter().map(|v| v + 0.5).collect::<Vec<_>>(), |v| 1.0 - (-v).exp());
    assert!(d > 0.35, "{d}");
}

#[allow(non_snake_case)]
#[test]
fn test_SpikeSourcePoisson() {
    let rates = [100.0, 200.0, 1000.0];
    let t_stop = 100_000.0;
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let pop = Population::new(&sim, 3, SpikeSourcePoisson::default()).unwrap();
    pop.set("rate", rates.to_vec()).unwrap();
    for (times, rate) in trains(&sim, &pop, t_stop).iter().zip(rates) {
        let mean = 1000.0 / rate;
        let d = ks_statistic(&isis(times), |x| 1.0 - (-x / mean).exp());
        let expected = rate * t_stop / 1000.0;
        let n = times.len() as f64;
        eprintln!("SpikeSourcePoisson rate {rate} Hz: KS D = {d:.4}, {n} spikes (expected {expected})");
        assert!(d < 0.1, "rate {rate}: D = {d}");
        assert!((n - expected).abs() < rate_bound(expected, 1.0), "rate {rate}: {n} spikes");
    }
}

#[test]
fn poisson_start_duration_and_rate_change_between_runs() {
    // 20 cells at 50 Hz in (100, 600] during the first 1000 ms, then 200 Hz
    // (window extended) for the next 1000 ms.
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let n_cells = 20;
    let pop = Population::new(&sim, n_cells, SpikeSourcePoisson { rate: 50.0, start: 100.0, duration: 500.0 }).unwrap();
    pop.record("spikes", None).unwrap();
    sim.run(1000.0).unwrap();
    pop.set("rate", 200.0).unwrap();
    pop.set("duration", 1e10).unwrap();
    sim.run(1000.0).unwrap();
    let data = pop.get_data().unwrap();
    let all: Vec<f64> = data.segments[0].spiketrains.iter().flat_map(|s| s.times.clone()).collect();
    let first: Vec<f64> = all.iter().copied().filter(|t| *t <= 1000.0).collect();
    assert!(first.iter().all(|t| *t > 100.0 && *t <= 600.0 + 1e-9), "window (100, 600] not honoured");
    let n1 = first.len() as f64;
    let e1 = 50.0 * 0.5 * n_cells as f64;
    let n2 = (all.len() - first.len()) as f64;
    let e2 = 200.0 * 1.0 * n_cells as f64;
    eprintln!("Poisson before/after rate change: {n1} (expected {e1}), {n2} (expected {e2})");
    assert!((n1 - e1).abs() < rate_bound(e1, 1.0), "{n1} vs {e1}");
    assert!((n2 - e2).abs() < rate_bound(e2, 1.0), "{n2} vs {e2}");
    // Spike times lie on the time grid.
    assert!(all.iter().all(|t| ((t / 0.1) - (t / 0.1).round()).abs() < 1e-6));
}

#[allow(non_snake_case)]
#[test]
fn test_SpikeSourceGamma() {
    let beta = [100.0, 200.0, 1000.0];
    let alpha = [6.0, 4.0, 2.0];
    let t_stop = 100_000.0;
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let pop = Population::new(&sim, 3, SpikeSourceGamma::default()).unwrap();
    pop.set("alpha", alpha.to_vec()).unwrap();
    pop.set("beta", beta.to_vec()).unwrap();
    for ((times, a), b) in trains(&sim, &pop, t_stop).iter().zip(alpha).zip(beta) {
        let scale = 1000.0 / b;
        let d = ks_statistic(&isis(times), |x| gamma_p(a, x / scale));
        let expected = b / a * t_stop / 1000.0;
        let n = times.len() as f64;
        let isi = isis(times);
        let m = isi.iter().sum::<f64>() / isi.len() as f64;
        let cv = (isi.iter().map(|x| (x - m).powi(2)).sum::<f64>() / isi.len() as f64).sqrt() / m;
        eprintln!(
            "SpikeSourceGamma alpha {a}, beta {b} Hz: KS D = {d:.4}, {n} spikes (expected {expected:.0}), CV {cv:.3} (expected {:.3})",
            1.0 / a.sqrt()
        );
        assert!(d < 0.1, "alpha {a}: D = {d}");
        assert!((n - expected).abs() < rate_bound(expected, 1.0 / a), "alpha {a}: {n} spikes");
    }
}

#[allow(non_snake_case)]
#[test]
fn test_SpikeSourcePoissonRefractory() {
    let rate = [100.0, 100.0, 50.0];
    let tau_refrac = [0.0, 5.0, 5.0];
    let t_stop = 100_000.0;
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let pop = Population::new(&sim, 3, SpikeSourcePoissonRefractory::default()).unwrap();
    pop.set("rate", rate.to_vec()).unwrap();
    pop.set("tau_refrac", tau_refrac.to_vec()).unwrap();
    for ((times, r), d) in trains(&sim, &pop, t_stop).iter().zip(rate).zip(tau_refrac) {
        let isi = isis(times);
        let min = isi.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(min >= d - 1e-9, "ISI {min} shorter than the dead time {d}");
        let tau = 1000.0 / r - d;
        let ks = ks_statistic(&isi.iter().map(|x| x - d).collect::<Vec<_>>(), |x| 1.0 - (-x / tau).exp());
        let expected = r * t_stop / 1000.0;
        let n = times.len() as f64;
        eprintln!(
            "SpikeSourcePoissonRefractory rate {r} Hz, tau_refrac {d} ms: KS D = {ks:.4}, {n} spikes (expected {expected}), min ISI {min:.1} ms"
        );
        assert!(ks < 0.1, "rate {r}, tau_refrac {d}: D = {ks}");
        let cv2 = (tau * r / 1000.0).powi(2);
        assert!((n - expected).abs() < rate_bound(expected, cv2), "rate {r}: {n} spikes");
    }
}

#[test]
fn poisson_refractory_rejects_dead_time_longer_than_mean_interval() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let e =
        Population::new(&sim, 1, SpikeSourcePoissonRefractory { rate: 300.0, tau_refrac: 5.0, ..Default::default() })
            .unwrap_err()
            .to_string();
    assert!(e.contains("SpikeSourcePoissonRefractory") && e.contains("tau_refrac"), "{e}");
}

#[test]
fn renewal_sources_honour_start_and_duration() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let g =
        Population::new(&sim, 10, SpikeSourceGamma { alpha: 3.0, beta: 600.0, start: 50.0, duration: 100.0 }).unwrap();
    let r = Population::new(
        &sim,
        10,
        SpikeSourcePoissonRefractory { rate: 200.0, tau_refrac: 2.0, start: 50.0, duration: 100.0 },
    )
    .unwrap();
    let h = Population::new(
        &sim,
        10,
        SpikeSourceInhGamma { a: vec![2.0], b: vec![0.0025], tbins: vec![0.0], start: 50.0, duration: 100.0 },
    )
    .unwrap();
    g.record("spikes", None).unwrap();
    r.record("spikes", None).unwrap();
    h.record("spikes", None).unwrap();
    sim.run(300.0).unwrap();
    for (name, data) in [("gamma", g.get_data()), ("refractory", r.get_data()), ("inh_gamma", h.get_data())] {
        let times: Vec<f64> = data.unwrap().segments[0].spiketrains.iter().flat_map(|s| s.times.clone()).collect();
        // 10 cells x 200 Hz x 0.1 s = 200 spikes expected.
        assert!(times.len() > 100, "{name}: {} spikes", times.len());
        assert!(times.iter().all(|t| *t > 50.0 && *t <= 150.0 + 1e-9), "{name}: spike outside (50, 150]");
    }
}

#[test]
fn gamma_rate_changed_between_runs() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let n_cells = 20.0;
    let pop = Population::new(&sim, 20, SpikeSourceGamma { alpha: 4.0, beta: 80.0, ..Default::default() }).unwrap();
    pop.record("spikes", None).unwrap();
    sim.run(2000.0).unwrap();
    pop.set("beta", 400.0).unwrap();
    sim.run(2000.0).unwrap();
    let all: Vec<f64> = pop.get_data().unwrap().segments[0].spiketrains.iter().flat_map(|s| s.times.clone()).collect();
    let n1 = all.iter().filter(|t| **t <= 2000.0).count() as f64;
    let n2 = all.len() as f64 - n1;
    let (e1, e2) = (20.0 * 2.0 * n_cells, 100.0 * 2.0 * n_cells);
    eprintln!("Gamma before/after beta change: {n1} (expected {e1}), {n2} (expected {e2})");
    assert!((n1 - e1).abs() < rate_bound(e1, 0.25));
    assert!((n2 - e2).abs() < rate_bound(e2, 0.25));
}

/// `SpikeSourceInhGamma` with three bins of different shape and rate: the
/// count of 200 cells in the second half of each bin (away from the
/// transient after a switch) matches `1 / (a b)`. Bound: 5 standard
/// deviations of the count, sqrt(N r T CV^2) with CV^2 = 1/a, plus 2.
#[test]
fn inh_gamma_rate_follows_bins() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let cells = 200;
    let a = vec![1.0, 4.0, 2.0];
    let rates = [20.0, 50.0, 10.0];
    let b: Vec<f64> = a.iter().zip(rates).map(|(a, r)| 1.0 / (a * r)).collect();
    let tbins = vec![0.0, 1000.0, 2000.0];
    let pop =
        Population::new(&sim, cells, SpikeSourceInhGamma { a: a.clone(), b, tbins, ..Default::default() }).unwrap();
    let spikes: Vec<f64> = trains(&sim, &pop, 3000.0).into_iter().flatten().collect();
    for (k, r) in rates.iter().enumerate() {
        let (lo, hi) = (1000.0 * k as f64 + 500.0, 1000.0 * (k + 1) as f64);
        let n = spikes.iter().filter(|t| **t > lo && **t <= hi).count() as f64;
        let expected = r * 0.5 * cells as f64;
        let bound = rate_bound(expected, 1.0 / a[k]);
        eprintln!(
            "SpikeSourceInhGamma bin {k} (a = {}, rate {r} Hz): {n} spikes in ({lo}, {hi}] (expected {expected}, bound ±{bound:.0}), measured rate {:.2} Hz",
            a[k],
            n / (0.5 * cells as f64)
        );
        assert!((n - expected).abs() < bound, "bin {k}: {n} vs {expected}");
    }
    // ISIs within the a = 4 bin have CV close to 1/2 (0.5 +- 0.05 for ~2000 intervals).
    let sim2 = Sim::<Native>::setup(Setup::default()).unwrap();
    let pop2 =
        Population::new(&sim2, 1, SpikeSourceInhGamma { a: vec![4.0], b: vec![0.005], ..Default::default() }).unwrap();
    let isi = isis(&trains(&sim2, &pop2, 50_000.0)[0]);
    let d = ks_statistic(&isi, |x| gamma_p(4.0, x / 5.0));
    eprintln!("SpikeSourceInhGamma, constant a = 4, b = 5 ms: KS D = {d:.4} over {} ISIs", isi.len());
    assert!(d < 0.1, "D = {d}");
}

#[test]
fn inh_gamma_rejects_bad_parameters() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let bad = [
        SpikeSourceInhGamma { a: vec![0.5], ..Default::default() },
        SpikeSourceInhGamma { a: vec![1.0, 2.0], b: vec![1.0], tbins: vec![0.0, 10.0], ..Default::default() },
        SpikeSourceInhGamma { b: vec![0.0], ..Default::default() },
    ];
    for cell in bad {
        let e = Population::new(&sim, 1, cell.clone()).unwrap_err().to_string();
        assert!(e.contains("SpikeSourceInhGamma"), "{e}");
    }
}

/// Counts per time step of a high-rate source (the sources draw one count
/// per step above 0.5 spikes per step on average, see
/// `pynn::backends::native::sources::PoissonKernel`): for every cell, the
/// counts of the steps wholly inside the window, and the spikes outside it.
fn counts_per_step(rate: f64, start: f64, duration: f64, t: f64) -> (Vec<u64>, usize, usize) {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: 77, ..Setup::default() }).unwrap();
    let pop = Population::new(&sim, 10, SpikeSourcePoisson { rate, start, duration }).unwrap();
    let mut counts = Vec::new();
    let (mut outside, mut partial) = (0, 0);
    // Steps k with (k dt, (k+1) dt] inside (start, start + duration].
    let first = (start / 0.1).ceil() as u64;
    let last = ((start + duration).min(t) / 0.1).floor() as u64;
    for times in trains(&sim, &pop, t) {
        let mut c = vec![0u64; (t / 0.1).round() as usize + 1];
        for x in times {
            let stamp = (x / 0.1).round() as u64;
            // A spike in (t_k, t_k+1] carries t_k+1: outside if its step
            // ends at or before `start` or begins at or after the end.
            if x <= start || x - 0.1 >= start + duration - 1e-9 {
                outside += 1;
            } else if stamp <= first || stamp > last {
                partial += 1;
            } else {
                c[stamp as usize] += 1;
            }
        }
        counts.extend(&c[first as usize + 1..=last as usize]);
    }
    (counts, outside, partial)
}

#[test]
fn high_rate_poisson_counts_per_step() {
    // 20 kHz at dt = 0.1 ms (Brunel's drive): lambda = 2 per step. Window
    // (100.05, 600.05] starts and ends inside a step. 10 cells x 4999 whole
    // steps = 49 990 counts.
    let (counts, outside, partial) = counts_per_step(20_000.0, 100.05, 500.0, 700.0);
    let n = counts.len() as f64;
    assert_eq!(counts.len(), 10 * 4999);
    assert_eq!(outside, 0, "spikes outside the window");
    // The two partial steps hold half a step each: 10 cells x 2 x 1 = 20
    // expected spikes, Poisson; 5 sd = 22.
    assert!(partial > 0 && partial < 20 + 23, "{partial} spikes in the partial steps");
    let mean = counts.iter().sum::<u64>() as f64 / n;
    let var = counts.iter().map(|c| (*c as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    // Mean: sd sqrt(2 / n) = 0.0063, 5 sd = 0.032. Variance of a Poisson(2)
    // sample: sd sqrt((mu4 - sigma^4) / n) = sqrt((2 (1 + 3 * 2) - 4) / n) = 0.014, 5 sd = 0.071.
    eprintln!("20 kHz Poisson: mean {mean:.4} (2), variance {var:.4} (2)");
    assert!((mean - 2.0).abs() < 0.032, "mean {mean}");
    assert!((var - 2.0).abs() < 0.071, "variance {var}");
    // Distribution of the counts: each P(k) within 5 sd of the binomial
    // proportion sqrt(p (1 - p) / n).
    let mut p = (-2.0f64).exp();
    for k in 0..8u64 {
        let f = counts.iter().filter(|c| **c == k).count() as f64 / n;
        let bound = 5.0 * (p * (1.0 - p) / n).sqrt() + 1e-4;
        eprintln!("  P({k}) = {f:.4} (Poisson {p:.4})");
        assert!((f - p).abs() < bound, "P({k}) = {f} vs {p}");
        p *= 2.0 / (k + 1) as f64;
    }
}

#[test]
fn very_high_rate_poisson_counts_per_step() {
    // 400 kHz: lambda = 40 per step (drawn by rand_distr's Poisson). Mean:
    // sd sqrt(40 / n) = 0.028, 5 sd = 0.14; variance: sd
    // sqrt((40 (1 + 120) - 1600) / n) = 0.25, 5 sd = 1.27.
    let (counts, outside, _) = counts_per_step(400_000.0, 0.0, 1e9, 500.0);
    let n = counts.len() as f64;
    assert_eq!(outside, 0);
    let mean = counts.iter().sum::<u64>() as f64 / n;
    let var = counts.iter().map(|c| (*c as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    eprintln!("400 kHz Poisson: mean {mean:.3} (40), variance {var:.3} (40), {n} steps");
    assert!((mean - 40.0).abs() < 0.14, "mean {mean}");
    assert!((var - 40.0).abs() < 1.27, "variance {var}");
}
