//! Precise spike times (`Setup::spike_precision = SpikePrecision::OffGrid`,
//! PyNN's `spike_precision = "off_grid"`): the native engine's
//! `IF_curr_exp` against NEST 3.10's `iaf_psc_exp_ps` (through the NEST
//! backend), the direction of the change from on-grid, the exact arrival of
//! off-grid input, and the errors.
//!
//! Tolerance for native vs NEST: 1e-9 ms. Both integrate the same linear
//! system exactly between events (the same propagators, evaluated for each
//! sub-interval) and locate a crossing by the same Illinois regula falsi,
//! stopped at |V - theta| < 1e-14 mV; with dV/dt of order 0.1-10 mV/ms a
//! residual of 1e-14 mV is ~1e-13 ms, and rounding differences in V
//! (~1e-14 mV) move the root by as little. 1e-9 ms leaves four orders of
//! magnitude for accumulation over a run while being eight orders below a
//! grid step (a binning error would show as >= 1e-3 ms).

use pynn::core::Backend;
use pynn::prelude::*;
use pynn::{Brian2, Nest, Neuron, SpikePrecision};

/// Spike-time bound native vs NEST (ms); see the header.
const TOL: f64 = 1e-9;

fn setup(precision: SpikePrecision) -> Setup {
    Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 5.0,
        seed: 7,
        threads: 1,
        spike_precision: precision,
        ..Setup::default()
    }
}

/// One IF_curr_exp cell per DC amplitude, 100 ms: spike times per cell.
fn dc_cells<B>(precision: SpikePrecision) -> Vec<Vec<f64>>
where
    B: Backend + pynn::core::backend::Supports<IF_curr_exp>,
{
    let sim = Sim::<B>::setup(setup(precision)).unwrap_or_else(|e| panic!("{e}"));
    let amps = [0.6, 0.83, 1.0, 1.7, 2.9];
    let cells =
        Population::<IF_curr_exp, B>::new(&sim, amps.len(), IF_curr_exp { tau_refrac: 2.0, ..Default::default() })
            .unwrap();
    cells.set("i_offset", amps.to_vec()).unwrap();
    cells.record(["spikes"], None).unwrap();
    sim.run(100.0).unwrap();
    let block = cells.get_data().unwrap();
    let out = (0..amps.len()).map(|i| block.segments[0].spiketrain(i).unwrap().times.clone()).collect();
    sim.end().unwrap();
    out
}

/// A recurrent network of 60 IF_curr_exp cells (DC-driven with different
/// amplitudes, 48 excitatory and 12 inhibitory, fixed-probability
/// connections with several delays) and a SpikeSourceArray input at grid
/// times, 150 ms: spike times per cell.
fn recurrent<B>(precision: SpikePrecision) -> Vec<Vec<f64>>
where
    B: Backend + pynn::core::backend::Supports<IF_curr_exp> + pynn::core::backend::Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(setup(precision)).unwrap_or_else(|e| panic!("{e}"));
    let n = 60;
    let cells = Population::<IF_curr_exp, B>::new(
        &sim,
        n,
        IF_curr_exp { tau_refrac: 2.0, v_thresh: -52.0, ..Default::default() },
    )
    .unwrap();
    cells.set("i_offset", (0..n).map(|i| 0.55 + 0.01 * i as f64).collect::<Vec<_>>()).unwrap();
    cells.initialize("v", (0..n).map(|i| -65.0 + 0.2 * i as f64).collect::<Vec<_>>()).unwrap();
    let exc = cells.view((0..48).collect::<Vec<_>>()).unwrap();
    let inh = cells.view((48..60).collect::<Vec<_>>()).unwrap();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 10, SpikeSourceArray::default()).unwrap();
    let trains: Vec<Vec<f64>> =
        (0..10u64).map(|i| (0..8u64).map(|k| (5 + i * 7 + k * 170) as f64 / 10.0).collect()).collect();
    src.set("spike_times", trains).unwrap();
    let p = FixedProbabilityConnector::new(0.2);
    Projection::new(&src, &cells, &p, StaticSynapse::new(0.8, 1.0), Some("excitatory")).unwrap();
    Projection::new(&exc, &cells, &p, StaticSynapse::new(0.2, 1.5), Some("excitatory")).unwrap();
    Projection::new(&inh, &cells, &p, StaticSynapse::new(-0.6, 0.8), Some("inhibitory")).unwrap();
    cells.record(["spikes"], None).unwrap();
    sim.run(150.0).unwrap();
    let block = cells.get_data().unwrap();
    let out = (0..n).map(|i| block.segments[0].spiketrain(i).unwrap().times.clone()).collect();
    sim.end().unwrap();
    out
}

fn max_diff(a: &[Vec<f64>], b: &[Vec<f64>], what: &str) -> f64 {
    assert_eq!(a.len(), b.len(), "{what}: cell count");
    let mut worst = 0.0f64;
    // The earliest spike beyond the tolerance (where a divergence starts).
    let mut first: Option<(f64, usize, f64)> = None;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        for (s, t) in x.iter().zip(y) {
            worst = worst.max((s - t).abs());
            if (s - t).abs() > TOL && first.is_none_or(|f| s.min(*t) < f.0) {
                first = Some((s.min(*t), i, s - t));
            }
        }
    }
    if let Some((t, i, d)) = first {
        eprintln!("{what}: first difference at {t} ms, cell {i}: {d:e} ms");
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.len(), y.len(), "{what}: cell {i} spike count {x:?} vs {y:?}");
    }
    worst
}

fn off_grid(times: &[Vec<f64>], dt: f64) -> usize {
    times.iter().flatten().filter(|t| ((*t / dt) - (*t / dt).round()).abs() > 1e-6).count()
}

#[test]
fn dc_cells_move_off_the_grid_and_earlier() {
    let grid = dc_cells::<Native>(SpikePrecision::OnGrid);
    let precise = dc_cells::<Native>(SpikePrecision::OffGrid);
    let n: usize = precise.iter().map(Vec::len).sum();
    assert!(n > 20, "the scenario must spike: {n}");
    // On-grid: multiples of dt; off-grid: (almost) none are.
    assert_eq!(off_grid(&grid, 0.1), 0);
    assert!(off_grid(&precise, 0.1) >= n - 1, "{precise:?}");
    // The first spike of a DC-driven cell is the same crossing on both: the
    // grid reports it at the end of the step that holds it, so it lies in
    // (t_precise, t_precise + dt]. (Later spikes drift: the grid also delays
    // the start of each refractory period.)
    for (g, p) in grid.iter().zip(&precise) {
        if let (Some(g0), Some(p0)) = (g.first(), p.first()) {
            assert!(*g0 >= *p0 && *g0 - *p0 < 0.1 + 1e-12, "grid {g0} vs precise {p0}");
        }
    }
    // Against the analytic crossing of the first spike of the cell at
    // 1.0 nA: v(t) = v_rest + R I (1 - exp(-t/tau_m)) with R = tau_m / cm =
    // 20 MOhm reaches -50 mV at t = -tau_m ln(1 - 15/20) = 20 ln 4 ms.
    let exact = 20.0 * 4.0f64.ln();
    assert!((precise[2][0] - exact).abs() < 1e-9, "{} vs {exact}", precise[2][0]);
}

#[test]
fn off_grid_input_arrives_at_its_exact_time() {
    // One input spike at 10.03 ms, delay 1 ms, weight 0.5 nA onto a cell at
    // rest: isyn_exc(t) = 0.5 exp(-(t - 11.03) / tau_syn_E) from 11.03 ms.
    // Sampled at 11.1 ms (and after), the exact value differs from an
    // arrival at a grid point by a factor exp(+-0.03/5) ~ 0.6 %.
    let sim = Sim::<Native>::setup(setup(SpikePrecision::OffGrid)).unwrap();
    let cell = Population::<IF_curr_exp, Native>::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", vec![vec![10.03]]).unwrap();
    src.record(["spikes"], None).unwrap();
    Projection::new(&src, &cell, &OneToOneConnector, StaticSynapse::new(0.5, 1.0), Some("excitatory")).unwrap();
    cell.record(["isyn_exc"], None).unwrap();
    sim.run(20.0).unwrap();
    let sent = src.get_data().unwrap().segments[0].spiketrain(0).unwrap().times.clone();
    assert_eq!(sent.len(), 1);
    // The source keeps its time exactly (to rounding of 10.1 - offset).
    assert!((sent[0] - 10.03).abs() < 1e-12, "{sent:?}");
    let block = cell.get_data().unwrap();
    let sig = &block.segments[0].analogsignals[0];
    for (k, t) in [(111usize, 11.1), (120, 12.0), (150, 15.0)] {
        let want = 0.5 * (-(t - 11.03) / 5.0f64).exp();
        let got = sig.column(0)[k];
        assert!((got - want).abs() < 1e-12, "isyn_exc at {t}: {got} vs {want}");
    }
    // Before the arrival (sample 110 = 11.0 ms): nothing yet.
    assert_eq!(sig.column(0)[110], 0.0);
}

#[test]
fn errors_for_bad_values_and_unsupported_combinations() {
    // PyNN's names parse; anything else is an InvalidValue naming both.
    assert_eq!("off_grid".parse::<SpikePrecision>().unwrap(), SpikePrecision::OffGrid);
    assert_eq!("on_grid".parse::<SpikePrecision>().unwrap(), SpikePrecision::OnGrid);
    let e = "offgrid".parse::<SpikePrecision>().unwrap_err().to_string();
    assert!(e.contains("spike_precision") && e.contains("offgrid") && e.contains("off_grid"), "{e}");
    // Precise models need a refractory period of at least one step (NEST).
    let sim = Sim::<Native>::setup(setup(SpikePrecision::OffGrid)).unwrap();
    let e = Population::<IF_curr_exp, Native>::new(&sim, 2, IF_curr_exp { tau_refrac: 0.0, ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(e.contains("tau_refrac") && e.contains("off_grid"), "{e}");
    // IF_curr_alpha is precise on native now (iaf_psc_alpha_ps): the same
    // refractory bound applies, naming the model.
    let e = Population::<IF_curr_alpha, Native>::new(&sim, 2, IF_curr_alpha { tau_refrac: 0.0, ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(e.contains("tau_refrac") && e.contains("IF_curr_alpha") && e.contains("iaf_psc_alpha_ps"), "{e}");
    // Grid models stay allowed under OffGrid (they spike on the grid).
    Population::<IF_cond_exp, Native>::new(&sim, 2, IF_cond_exp::default()).unwrap();
    // NEURON and Brian2 refuse OffGrid before starting a process.
    let e = Sim::<Neuron>::setup(setup(SpikePrecision::OffGrid)).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("off_grid"), "{e}");
    let e = Sim::<Brian2>::setup(setup(SpikePrecision::OffGrid)).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("off_grid"), "{e}");
}

#[test]
fn dc_cells_agree_with_nest_iaf_psc_exp_ps() {
    let native = dc_cells::<Native>(SpikePrecision::OffGrid);
    let nest = dc_cells::<Nest>(SpikePrecision::OffGrid);
    let d = max_diff(&native, &nest, "dc");
    eprintln!("dc: {} spikes, max |t - t_NEST| = {d:.3e} ms", native.iter().map(Vec::len).sum::<usize>());
    assert!(d <= TOL, "{d}");
    assert!(off_grid(&nest, 0.1) > 0, "NEST's times are precise too");
}

#[test]
fn recurrent_network_agrees_with_nest_iaf_psc_exp_ps() {
    let native = recurrent::<Native>(SpikePrecision::OffGrid);
    let nest = recurrent::<Nest>(SpikePrecision::OffGrid);
    let n: usize = native.iter().map(Vec::len).sum();
    assert!(n > 100, "the network must be active: {n}");
    let d = max_diff(&native, &nest, "recurrent");
    eprintln!("recurrent: {n} spikes, max |t - t_NEST| = {d:.3e} ms");
    assert!(d <= TOL, "{d}");
    // And it differs from the on-grid run.
    let grid = recurrent::<Native>(SpikePrecision::OnGrid);
    assert_eq!(off_grid(&grid, 0.1), 0);
    assert!(off_grid(&native, 0.1) > n / 2);
}

/// IF_curr_delta (`iaf_psc_delta_ps`): 40 DC-driven cells with voltage
/// jumps from a SpikeSourceArray (grid times) and recurrent excitation and
/// inhibition, 150 ms: spike times per cell.
fn delta_network<B>(precision: SpikePrecision) -> Vec<Vec<f64>>
where
    B: Backend + pynn::core::backend::Supports<IF_curr_delta> + pynn::core::backend::Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(setup(precision)).unwrap_or_else(|e| panic!("{e}"));
    let n = 40;
    let cells = Population::<IF_curr_delta, B>::new(
        &sim,
        n,
        IF_curr_delta { tau_refrac: 2.0, v_thresh: -52.0, ..Default::default() },
    )
    .unwrap();
    cells.set("i_offset", (0..n).map(|i| 0.6 + 0.012 * i as f64).collect::<Vec<_>>()).unwrap();
    cells.initialize("v", (0..n).map(|i| -65.0 + 0.3 * i as f64).collect::<Vec<_>>()).unwrap();
    let exc = cells.view((0..32).collect::<Vec<_>>()).unwrap();
    let inh = cells.view((32..40).collect::<Vec<_>>()).unwrap();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 8, SpikeSourceArray::default()).unwrap();
    let trains: Vec<Vec<f64>> =
        (0..8u64).map(|i| (0..10u64).map(|k| (3 + i * 11 + k * 140) as f64 / 10.0).collect()).collect();
    src.set("spike_times", trains).unwrap();
    let p = FixedProbabilityConnector::new(0.25);
    Projection::new(&src, &cells, &p, StaticSynapse::new(1.5, 1.0), Some("excitatory")).unwrap();
    Projection::new(&exc, &cells, &p, StaticSynapse::new(0.4, 1.2), Some("excitatory")).unwrap();
    Projection::new(&inh, &cells, &p, StaticSynapse::new(-1.0, 0.7), Some("inhibitory")).unwrap();
    cells.record(["spikes"], None).unwrap();
    sim.run(150.0).unwrap();
    let block = cells.get_data().unwrap();
    let out = (0..n).map(|i| block.segments[0].spiketrain(i).unwrap().times.clone()).collect();
    sim.end().unwrap();
    out
}

#[test]
fn delta_network_agrees_with_nest_iaf_psc_delta_ps() {
    let native = delta_network::<Native>(SpikePrecision::OffGrid);
    let nest = delta_network::<Nest>(SpikePrecision::OffGrid);
    let n: usize = native.iter().map(Vec::len).sum();
    assert!(n > 100, "the network must be active: {n}");
    let d = max_diff(&native, &nest, "delta");
    eprintln!("delta: {n} spikes, max |t - t_NEST| = {d:.3e} ms");
    assert!(d <= TOL, "{d}");
    // Spikes caused by a jump from input at a grid time lie at that grid
    // time (NEST's `emit_instant_spike_`); those from DC relaxation do not.
    let grid = delta_network::<Native>(SpikePrecision::OnGrid);
    assert_eq!(off_grid(&grid, 0.1), 0);
    assert!(off_grid(&native, 0.1) > 0);
}

#[test]
fn nest_refuses_off_grid_source_times_rather_than_rounding() {
    // The NEST backend replays source arrays through parrots at grid steps:
    // under OffGrid a time between grid points would silently move.
    let sim = Sim::<Nest>::setup(setup(SpikePrecision::OffGrid)).unwrap();
    let src = Population::<SpikeSourceArray, Nest>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", vec![vec![1.0, 2.0]]).unwrap();
    let e = src.set("spike_times", vec![vec![1.0, 2.03]]).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("2.03"), "{e}");
    sim.end().unwrap();
}

/// IF_curr_alpha (`iaf_psc_alpha_ps`): one cell per DC amplitude, 100 ms,
/// spike times per cell (the alpha twin of `dc_cells`).
fn alpha_dc_cells<B>(precision: SpikePrecision) -> Vec<Vec<f64>>
where
    B: Backend + pynn::core::backend::Supports<IF_curr_alpha>,
{
    let sim = Sim::<B>::setup(setup(precision)).unwrap_or_else(|e| panic!("{e}"));
    let amps = [0.6, 0.83, 1.0, 1.7, 2.9];
    let cells =
        Population::<IF_curr_alpha, B>::new(&sim, amps.len(), IF_curr_alpha { tau_refrac: 2.0, ..Default::default() })
            .unwrap();
    cells.set("i_offset", amps.to_vec()).unwrap();
    cells.record(["spikes"], None).unwrap();
    sim.run(100.0).unwrap();
    let block = cells.get_data().unwrap();
    let out = (0..amps.len()).map(|i| block.segments[0].spiketrain(i).unwrap().times.clone()).collect();
    sim.end().unwrap();
    out
}

/// A recurrent network of 60 IF_curr_alpha cells (the layout of
/// `recurrent`: DC drive, 48 excitatory and 12 inhibitory, several delays,
/// a SpikeSourceArray input at grid times), 150 ms: spike times per cell.
fn alpha_recurrent<B>(precision: SpikePrecision) -> Vec<Vec<f64>>
where
    B: Backend + pynn::core::backend::Supports<IF_curr_alpha> + pynn::core::backend::Supports<SpikeSourceArray>,
{
    let sim = Sim::<B>::setup(setup(precision)).unwrap_or_else(|e| panic!("{e}"));
    let n = 60;
    let cells = Population::<IF_curr_alpha, B>::new(
        &sim,
        n,
        IF_curr_alpha { tau_refrac: 2.0, v_thresh: -52.0, ..Default::default() },
    )
    .unwrap();
    cells.set("i_offset", (0..n).map(|i| 0.55 + 0.01 * i as f64).collect::<Vec<_>>()).unwrap();
    cells.initialize("v", (0..n).map(|i| -65.0 + 0.2 * i as f64).collect::<Vec<_>>()).unwrap();
    let exc = cells.view((0..48).collect::<Vec<_>>()).unwrap();
    let inh = cells.view((48..60).collect::<Vec<_>>()).unwrap();
    let src = Population::<SpikeSourceArray, B>::new(&sim, 10, SpikeSourceArray::default()).unwrap();
    let trains: Vec<Vec<f64>> =
        (0..10u64).map(|i| (0..8u64).map(|k| (5 + i * 7 + k * 170) as f64 / 10.0).collect()).collect();
    src.set("spike_times", trains).unwrap();
    let p = FixedProbabilityConnector::new(0.2);
    Projection::new(&src, &cells, &p, StaticSynapse::new(0.5, 1.0), Some("excitatory")).unwrap();
    Projection::new(&exc, &cells, &p, StaticSynapse::new(0.12, 1.5), Some("excitatory")).unwrap();
    Projection::new(&inh, &cells, &p, StaticSynapse::new(-0.4, 0.8), Some("inhibitory")).unwrap();
    cells.record(["spikes"], None).unwrap();
    sim.run(150.0).unwrap();
    let block = cells.get_data().unwrap();
    let out = (0..n).map(|i| block.segments[0].spiketrain(i).unwrap().times.clone()).collect();
    sim.end().unwrap();
    out
}

#[test]
fn alpha_dc_cells_agree_with_nest_iaf_psc_alpha_ps() {
    let native = alpha_dc_cells::<Native>(SpikePrecision::OffGrid);
    let n: usize = native.iter().map(Vec::len).sum();
    assert!(n > 20, "the scenario must spike: {n}");
    // The cell at 1.0 nA crosses where the IF_curr_exp one does (no
    // synaptic input): 20 ln 4 ms (see dc_cells_move_off_the_grid_and_earlier),
    // to the root finder's accuracy.
    let exact = 20.0 * 4.0f64.ln();
    assert!((native[2][0] - exact).abs() < 1e-9, "{} vs {exact}", native[2][0]);
    let nest = alpha_dc_cells::<Nest>(SpikePrecision::OffGrid);
    let d = max_diff(&native, &nest, "alpha dc");
    eprintln!("alpha dc: {n} spikes, max |t - t_NEST| = {d:.3e} ms");
    assert!(d <= TOL, "{d}");
    assert!(off_grid(&nest, 0.1) > 0, "NEST's times are precise too (iaf_psc_alpha_ps)");
    assert!(off_grid(&native, 0.1) >= n - 1, "{native:?}");
}

#[test]
fn alpha_recurrent_network_agrees_with_nest_iaf_psc_alpha_ps() {
    let native = alpha_recurrent::<Native>(SpikePrecision::OffGrid);
    let nest = alpha_recurrent::<Nest>(SpikePrecision::OffGrid);
    let n: usize = native.iter().map(Vec::len).sum();
    assert!(n > 100, "the network must be active: {n}");
    let d = max_diff(&native, &nest, "alpha recurrent");
    eprintln!("alpha recurrent: {n} spikes, max |t - t_NEST| = {d:.3e} ms");
    assert!(d <= TOL, "{d}");
    // And it differs from the on-grid run.
    let grid = alpha_recurrent::<Native>(SpikePrecision::OnGrid);
    assert_eq!(off_grid(&grid, 0.1), 0);
    assert!(off_grid(&native, 0.1) > n / 2);
}

#[test]
fn alpha_off_grid_input_arrives_at_its_exact_time() {
    // One input spike at 10.03 ms, delay 1 ms, weight 0.5 nA onto an
    // IF_curr_alpha cell at rest (tau_syn_E set to 5 ms): isyn_exc(t) =
    // 0.5 (s / 5) exp(1 - s / 5), s = t - 11.03 ms, peaking at 0.5 nA.
    // An arrival at 11.0 or 11.1 ms would be off by ~0.03 * 0.5 * e / 5
    // ~ 8e-3 nA at 11.1 ms, so 1e-12 (rounding of a few exp and products)
    // tells the exact arrival apart.
    let sim = Sim::<Native>::setup(setup(SpikePrecision::OffGrid)).unwrap();
    let cell =
        Population::<IF_curr_alpha, Native>::new(&sim, 1, IF_curr_alpha { tau_syn_E: 5.0, ..Default::default() })
            .unwrap();
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", vec![vec![10.03]]).unwrap();
    Projection::new(&src, &cell, &OneToOneConnector, StaticSynapse::new(0.5, 1.0), Some("excitatory")).unwrap();
    cell.record(["isyn_exc", "v"], None).unwrap();
    sim.run(30.0).unwrap();
    let block = cell.get_data().unwrap();
    let seg = &block.segments[0];
    let sig = seg.signal("isyn_exc").unwrap();
    for (k, t) in [(111usize, 11.1), (120, 12.0), (161, 16.1), (250, 25.0)] {
        let s: f64 = t - 11.03;
        let want = 0.5 * (s / 5.0) * (1.0 - s / 5.0).exp();
        let got = sig.column(0)[k];
        assert!((got - want).abs() < 1e-12, "isyn_exc at {t}: {got} vs {want}");
    }
    assert_eq!(sig.column(0)[110], 0.0, "nothing before the arrival");
    // The peak is the weight, tau_syn_E after the arrival (16.03 ms lies
    // between samples; the largest sample is at 16.0 ms, within 1e-4 of 0.5).
    let col = sig.column(0);
    let (kmax, vmax) = col.iter().enumerate().fold((0, 0.0f64), |a, (k, v)| if *v > a.1 { (k, *v) } else { a });
    assert_eq!(kmax, 160);
    assert!((vmax - 0.5).abs() < 1e-4, "{vmax}");
}
