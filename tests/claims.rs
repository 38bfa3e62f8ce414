//! Cross-cutting claims of README.md that no other test file backs on its
//! own (the table of every claim and its test is docs/CLAIMS.md):
//!
//! * "Random inputs are the same on every backend: `SpikeSourcePoisson` and
//!   the other random sources ... one seed gives the same trains, spike for
//!   spike, on native, NEST, NEURON and Brian2": every random spike source
//!   type (`SpikeSourcePoisson`, `SpikeSourcePoissonRefractory`,
//!   `SpikeSourceGamma`, `SpikeSourceInhGamma`) and `NoisyCurrentSource`, in
//!   one network, over two runs with a `set` between them and a `reset`, on
//!   each external backend against the native engine. (GIF's escape noise
//!   is covered per backend in `tests/{neuron,brian2}_backend.rs`; see
//!   docs/CLAIMS.md for NEST.)
//! * "bit-reproducible for any thread count": one network with every random
//!   source, GIF escape noise, a noisy current, STDP and Tsodyks–Markram
//!   synapses and several populations, on 1, 2 and 3 threads.
//!
//! Tolerances: the source trains and the recorded noise current are
//! generated in Rust by the same keyed streams on every backend, so they
//! must be *equal* (no tolerance). The driven cells are `IF_curr_exp`, which
//! every backend integrates with NEST's exact propagators, so their spike
//! steps must be identical and `v` equal within 1e-8 mV: the bound of the
//! linear IF cells in `tests/brian2_backend.rs` (the loosest of the three
//! backend files for these cells; NEST and NEURON assert 1e-9 mV), since
//! only the rounding of the same arithmetic differs between simulators.
//!
//! The external-backend tests need Python with NEST, NEURON and Brian2
//! (`PYNN_PYTHON`, see README.md).

mod common;
#[path = "common/nest_plastic.rs"]
mod nest_plastic;
#[path = "common/plasticity.rs"]
mod plasticity;

use pynn::core::Backend;
use pynn::core::backend::Supports;
use pynn::prelude::*;

/// |v - v_native| bound (mV) of the driven IF_curr_exp cells; see the header.
const V_TOL: f64 = 1e-8;

/// Recorded outcome of [`random_inputs`]: per population and segment the
/// spike trains in steps; per segment `v` of the driven cells; per segment
/// the recorded noise current.
#[derive(Debug, PartialEq)]
struct Outcome {
    /// `trains[population][segment][cell]`: spike steps (t / dt).
    trains: Vec<Vec<Vec<Vec<i64>>>>,
    /// `v[segment][cell]`: membrane potential samples (mV).
    v: Vec<Vec<Vec<f64>>>,
    /// Recorded injected noise current (nA), first segment.
    noise: Vec<f64>,
}

/// Population names in the order of [`Outcome::trains`].
const NAMES: [&str; 5] = [
    "SpikeSourcePoisson",
    "SpikeSourcePoissonRefractory",
    "SpikeSourceGamma",
    "SpikeSourceInhGamma",
    "IF_curr_exp (driven)",
];

/// Every random source type driving three IF_curr_exp cells (one of them
/// also through a NoisyCurrentSource); `set` between two runs, then `reset`
/// and a second segment.
fn random_inputs<B>() -> Outcome
where
    B: Backend
        + Supports<SpikeSourcePoisson>
        + Supports<SpikeSourcePoissonRefractory>
        + Supports<SpikeSourceGamma>
        + Supports<SpikeSourceInhGamma>
        + Supports<IF_curr_exp>,
{
    let sim = Sim::<B>::setup(Setup { timestep: 0.1, min_delay: 0.5, max_delay: 5.0, seed: 23, ..Setup::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    let pois =
        Population::<SpikeSourcePoisson, B>::new(&sim, 5, SpikeSourcePoisson { rate: 80.0, ..Default::default() })
            .unwrap();
    let refr = Population::<SpikeSourcePoissonRefractory, B>::new(
        &sim,
        5,
        SpikeSourcePoissonRefractory { rate: 120.0, tau_refrac: 3.0, ..Default::default() },
    )
    .unwrap();
    let gamma = Population::<SpikeSourceGamma, B>::new(
        &sim,
        5,
        SpikeSourceGamma { alpha: 3.0, beta: 180.0, start: 2.0, ..Default::default() },
    )
    .unwrap();
    // a = 1 then 4 (rates 40 and 80 Hz); b is the scale in s.
    let inh = Population::<SpikeSourceInhGamma, B>::new(
        &sim,
        5,
        SpikeSourceInhGamma {
            a: vec![1.0, 4.0],
            b: vec![1.0 / 40.0, 1.0 / (4.0 * 80.0)],
            tbins: vec![0.0, 40.0],
            ..Default::default()
        },
    )
    .unwrap();
    let cells =
        Population::<IF_curr_exp, B>::new(&sim, 3, IF_curr_exp { tau_refrac: 2.0, ..Default::default() }).unwrap();
    let syn = |w: f64, d: f64| StaticSynapse::new(w, d);
    Projection::new(&pois, &cells, &AllToAllConnector::default(), syn(0.4, 0.5), None).unwrap();
    Projection::new(&refr, &cells, &AllToAllConnector::default(), syn(0.3, 1.0), None).unwrap();
    Projection::new(&gamma, &cells, &AllToAllConnector::default(), syn(0.35, 1.5), None).unwrap();
    Projection::new(&inh, &cells, &AllToAllConnector::default(), syn(0.3, 0.7), None).unwrap();
    let noise = cells
        .view(vec![0])
        .unwrap()
        .inject(NoisyCurrentSource { mean: 0.2, stdev: 0.6, dt: 0.5, start: 5.0, stop: 90.0 })
        .unwrap();
    noise.record().unwrap();
    for p in [&pois as &dyn Recordable, &refr, &gamma, &inh] {
        p.record_spikes();
    }
    cells.record(["spikes", "v"], None).unwrap();
    sim.run(50.0).unwrap();
    pois.set("rate", 150.0).unwrap();
    refr.set("rate", 60.0).unwrap();
    sim.run(50.0).unwrap();
    let i = noise.get_data().unwrap().column(0);
    sim.reset().unwrap();
    sim.run(60.0).unwrap();
    let to_steps = |b: &Block| -> Vec<Vec<Vec<i64>>> {
        b.segments
            .iter()
            .map(|s| {
                s.spiketrains.iter().map(|t| t.times.iter().map(|x| (x * 10.0).round() as i64).collect()).collect()
            })
            .collect()
    };
    let blocks = [
        pois.get_data().unwrap(),
        refr.get_data().unwrap(),
        gamma.get_data().unwrap(),
        inh.get_data().unwrap(),
        cells.get_data().unwrap(),
    ];
    let v = blocks[4].segments.iter().map(|s| (0..3).map(|c| s.signal("v").unwrap().column(c)).collect()).collect();
    sim.end().unwrap();
    Outcome { trains: blocks.iter().map(to_steps).collect(), v, noise: i }
}

/// Records the spikes of a spike-source population whatever its type.
trait Recordable {
    fn record_spikes(&self);
}

impl<C: pynn::core::CellType, B: Backend + Supports<C>> Recordable for Population<C, B> {
    fn record_spikes(&self) {
        self.record(["spikes"], None).unwrap();
    }
}

/// Asserts `other` (from backend `name`) equals the native outcome: trains
/// and noise current exactly, `v` within [`V_TOL`].
fn assert_same_as_native(native: &Outcome, other: &Outcome, name: &str) {
    assert_eq!(native.trains.len(), 5);
    for (k, (a, b)) in native.trains.iter().zip(&other.trains).enumerate() {
        assert_eq!(a.len(), 2, "{}: two segments", NAMES[k]);
        assert_eq!(a.len(), b.len(), "{name}, {}: number of segments", NAMES[k]);
        for (seg, (sa, sb)) in a.iter().zip(b).enumerate() {
            let n: usize = sa.iter().map(Vec::len).sum();
            eprintln!("{name}, {}, segment {seg}: {n} spikes", NAMES[k]);
            if let Some(c) = (0..sa.len()).find(|c| sa.get(*c) != sb.get(*c)) {
                panic!("{name}, {}, segment {seg}, cell {c}: native {:?}, {name} {:?}", NAMES[k], sa[c], sb.get(c));
            }
        }
    }
    assert_eq!(native.noise, other.noise, "{name}: recorded noise current");
    let mut dv: f64 = 0.0;
    for (sa, sb) in native.v.iter().zip(&other.v) {
        for (ca, cb) in sa.iter().zip(sb) {
            assert_eq!(ca.len(), cb.len(), "{name}: number of v samples");
            dv = ca.iter().zip(cb).map(|(a, b)| (a - b).abs()).fold(dv, f64::max);
        }
    }
    eprintln!("{name}: max |v - v_native| = {dv:.3e} mV");
    assert!(dv < V_TOL, "{name}: v differs from native by {dv} mV");
}

/// The native outcome is not degenerate: every source fired in both
/// segments, the rate change moved the Poisson trains, the cells fired, the
/// noise current varies.
fn assert_active(o: &Outcome) {
    for (k, pop) in o.trains.iter().enumerate().take(4) {
        for (seg, trains) in pop.iter().enumerate() {
            // Expected >= 16 spikes per population and segment (5 cells, the
            // lowest rate 40 Hz over 50 ms); 5 is far in the tail.
            let n: usize = trains.iter().map(Vec::len).sum();
            assert!(n >= 5, "{}, segment {seg}: the sources fired ({n} spikes)", NAMES[k]);
        }
        // After reset the trains of segment 1 differ from segment 0 (the
        // stream goes on; PyNN draws new trains after reset).
        assert_ne!(pop[0], pop[1], "{}: trains after reset", NAMES[k]);
    }
    let n_cells: usize = o.trains[4].iter().flatten().map(Vec::len).sum();
    assert!(n_cells >= 6, "the driven cells fired ({n_cells} spikes)");
    let distinct = {
        let mut x: Vec<u64> = o.noise.iter().map(|x| x.to_bits()).collect();
        x.sort_unstable();
        x.dedup();
        x.len()
    };
    // 0 before start and after stop, then one value per 0.5 ms: >= 100 values.
    assert!(distinct > 100, "the noise current takes {distinct} distinct values");
}

#[test]
fn random_sources_give_the_native_trains_on_nest() {
    let native = random_inputs::<Native>();
    assert_active(&native);
    assert_same_as_native(&native, &random_inputs::<Nest>(), "NEST");
}

#[test]
fn random_sources_give_the_native_trains_on_neuron() {
    let native = random_inputs::<Native>();
    assert_active(&native);
    assert_same_as_native(&native, &random_inputs::<Neuron>(), "NEURON");
}

#[test]
fn random_sources_give_the_native_trains_on_brian2() {
    let native = random_inputs::<Native>();
    assert_active(&native);
    assert_same_as_native(&native, &random_inputs::<Brian2>(), "Brian2");
}

/// Several populations with every random source, GIF escape noise, a noisy
/// current, STDP and Tsodyks–Markram synapses, on `threads` worker threads;
/// returns every population's data and the final plastic state.
///
/// Sized so that threads have work to share: every population has more than
/// 256 cells, so `pynn::backends::native::shard_cells` cuts it into two
/// shards, and a slice (min_delay 0.5 ms = 5 steps) holds 2100 x 5 =
/// 10 500 neuron-steps, above the engine's threshold (4000) for advancing
/// shards in parallel.
fn noisy_plastic_network(threads: usize) -> (Vec<Block>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.5,
        max_delay: 5.0,
        seed: 31,
        threads,
        ..Setup::default()
    })
    .unwrap();
    assert_eq!(sim.with_backend(|b| b.threads()), threads);
    let pois = Population::new(&sim, 300, SpikeSourcePoisson { rate: 40.0, ..Default::default() }).unwrap();
    let refr =
        Population::new(&sim, 300, SpikeSourcePoissonRefractory { rate: 50.0, tau_refrac: 2.0, ..Default::default() })
            .unwrap();
    let gamma = Population::new(&sim, 300, SpikeSourceGamma { alpha: 2.0, beta: 80.0, ..Default::default() }).unwrap();
    let inh = Population::new(
        &sim,
        300,
        SpikeSourceInhGamma {
            a: vec![2.0, 1.0],
            b: vec![1.0 / 80.0, 1.0 / 20.0],
            tbins: vec![0.0, 100.0],
            ..Default::default()
        },
    )
    .unwrap();
    let exc = Population::new(&sim, 600, IF_curr_exp { tau_refrac: 2.0, ..Default::default() }).unwrap();
    exc.initialize("v", RandomDistribution::uniform(-65.0, -55.0)).unwrap();
    let gif =
        Population::new(&sim, 300, GIF_cond_exp { delta_v: 1.0, lambda0: 20.0, i_offset: 0.1, ..Default::default() })
            .unwrap();
    exc.view((0..300).collect::<Vec<_>>())
        .unwrap()
        .inject(NoisyCurrentSource { mean: 0.3, stdev: 0.4, dt: 1.0, start: 0.0, stop: 300.0 })
        .unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.012), AdditiveWeightDependence::new(0.0, 1.0))
        .with(RandomDistribution::uniform(0.2, 0.6), RandomDistribution::uniform(0.5, 3.0));
    let p_stdp = Projection::new(&pois, &exc, &FixedProbabilityConnector::new(0.05), stdp, None).unwrap();
    let static_in = StaticSynapse::new(0.05, RandomDistribution::uniform(0.5, 2.0));
    for src in [&refr as &dyn ConnectTo, &gamma, &inh] {
        src.connect_to(&exc, &static_in);
        src.connect_to_gif(&gif);
    }
    let tm = TsodyksMarkramSynapse::new(0.2, 1.0, 0.5, 100.0, 50.0);
    let p_tm = Projection::new(&exc, &exc, &FixedProbabilityConnector::new(0.02), tm, None).unwrap();
    Projection::new(
        &gif,
        &exc,
        &FixedProbabilityConnector::new(0.02),
        StaticSynapse::new(-0.2, 1.0),
        Some("inhibitory"),
    )
    .unwrap();
    exc.record(["spikes", "v"], None).unwrap();
    gif.record(["spikes"], None).unwrap();
    pois.record(["spikes"], None).unwrap();
    inh.record(["spikes"], None).unwrap();
    sim.run(150.0).unwrap();
    sim.run(150.0).unwrap();
    let out = (
        vec![exc.get_data().unwrap(), gif.get_data().unwrap(), pois.get_data().unwrap(), inh.get_data().unwrap()],
        p_stdp.get_values("weight").unwrap(),
        p_tm.get_values("u").unwrap(),
        p_tm.get_values("x").unwrap(),
    );
    sim.end().unwrap();
    out
}

/// Connects a source population of any type to the IF_curr_exp and GIF
/// populations of [`noisy_plastic_network`].
trait ConnectTo {
    fn connect_to(&self, post: &Population<IF_curr_exp, Native>, syn: &StaticSynapse);
    fn connect_to_gif(&self, post: &Population<GIF_cond_exp, Native>);
}

impl<C: pynn::core::CellType> ConnectTo for Population<C, Native>
where
    Native: Supports<C>,
{
    fn connect_to(&self, post: &Population<IF_curr_exp, Native>, syn: &StaticSynapse) {
        Projection::new(self, post, &FixedProbabilityConnector::new(0.1), syn.clone(), None).unwrap();
    }
    fn connect_to_gif(&self, post: &Population<GIF_cond_exp, Native>) {
        Projection::new(self, post, &FixedProbabilityConnector::new(0.05), StaticSynapse::new(0.004, 1.0), None)
            .unwrap();
    }
}

#[test]
fn noisy_plastic_network_is_bit_identical_for_1_2_and_3_threads() {
    let one = noisy_plastic_network(1);
    let spikes = |b: &Block| b.segments[0].spiketrains.iter().map(|t| t.times.len()).sum::<usize>();
    let (n_exc, n_gif) = (spikes(&one.0[0]), spikes(&one.0[1]));
    eprintln!("1 thread: {n_exc} IF_curr_exp spikes, {n_gif} GIF spikes, {} STDP synapses", one.1.len());
    // Not degenerate: both populations fire, the STDP weights moved.
    assert!(n_exc > 100, "IF_curr_exp cells fired ({n_exc})");
    assert!(n_gif > 20, "GIF cells fired through escape noise ({n_gif})");
    assert!(
        one.1.iter().any(|w| *w > 0.6) || one.1.iter().any(|w| *w < 0.2),
        "STDP moved weights out of the initial range"
    );
    for threads in [2, 3] {
        let other = noisy_plastic_network(threads);
        for (k, (a, b)) in one.0.iter().zip(&other.0).enumerate() {
            assert!(a == b, "population {k}: data with {threads} threads differ from 1 thread");
        }
        // Bit-identical: compare the bits, not within a tolerance.
        let bits = |x: &Vec<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one.1), bits(&other.1), "STDP weights with {threads} threads");
        assert_eq!(bits(&one.2), bits(&other.2), "TM u with {threads} threads");
        assert_eq!(bits(&one.3), bits(&other.3), "TM x with {threads} threads");
    }
}

/// GIF_cond_exp with escape noise (delta_v 1 mV, lambda0 50 Hz, a DC drive;
/// the scenario of `tests/brian2_backend.rs::gif_escape_noise_uses_the_native_draws`),
/// 20 cells, a reset and a second segment: spike trains per segment.
fn gif_noise<B: Backend + Supports<GIF_cond_exp>>() -> Vec<Vec<Vec<i64>>> {
    let sim = Sim::<B>::setup(Setup { seed: 11, ..Setup::default() }).unwrap_or_else(|e| panic!("{e}"));
    let cell = GIF_cond_exp { delta_v: 1.0, lambda0: 50.0, i_offset: 1.5, ..Default::default() };
    let pop = Population::<GIF_cond_exp, B>::new(&sim, 20, cell).unwrap();
    pop.record(["spikes"], None).unwrap();
    sim.run(300.0).unwrap();
    sim.reset().unwrap();
    sim.run(300.0).unwrap();
    let b = pop.get_data().unwrap();
    sim.end().unwrap();
    b.segments
        .iter()
        .map(|s| s.spiketrains.iter().map(|t| t.times.iter().map(|x| (x * 10.0).round() as i64).collect()).collect())
        .collect()
}

/// README: GIF_cond_exp's escape noise on NEST is NEST's own ("other
/// spikes, the same statistics"; the statistics are tested in
/// `tests/gif_cond_exp.rs`). What must hold all the same: a trial after
/// `reset` draws afresh, as on the native engine. Failed before NEST was
/// seeded per trial: NEST's trains after `reset` repeated the first
/// segment's, spike for spike.
#[test]
fn gif_escape_noise_on_nest_draws_afresh_after_reset() {
    let native = gif_noise::<Native>();
    let n: usize = native.iter().flatten().map(Vec::len).sum();
    assert!(n > 100, "the cells fire ({n} spikes)");
    assert_ne!(native[0], native[1], "a fresh trial after reset on native");
    let nest = gif_noise::<Nest>();
    let m: usize = nest.iter().flatten().map(Vec::len).sum();
    assert!(m > 100, "the cells fire on NEST ({m} spikes)");
    let same = native.iter().flatten().zip(nest.iter().flatten()).filter(|(a, b)| a == b).count();
    eprintln!("GIF noise on NEST: {n} native spikes, {m} NEST spikes, {same}/40 trains identical to native");
    assert_ne!(nest, native, "NEST draws its own numbers (the documented exception)");
    assert_ne!(nest[0], nest[1], "a fresh trial after reset on NEST");
}

/// README: weights recordable over time; on NEST only at multiples of
/// `min_delay` (tests/tm_state.rs, tests/plasticity.rs): another interval
/// is a clear error naming the backend and what is unsupported, not a
/// panic or an empty history.
#[test]
fn record_weights_on_nest_is_a_clear_error() {
    let setup = Setup { min_delay: 0.3, max_delay: 10.0, ..Setup::default() };
    let sim = Sim::<Nest>::setup(setup).unwrap_or_else(|e| panic!("{e}"));
    let pre = Population::<SpikeSourceArray, Nest>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    let post = Population::<IF_curr_exp, Nest>::new(&sim, 1, IF_curr_exp::default()).unwrap();
    let stdp = STDPMechanism::new(SpikePairRule::default(), AdditiveWeightDependence::new(0.0, 1.0)).with(0.5, 1.0);
    let prj = Projection::new(&pre, &post, &AllToAllConnector::default(), stdp, None).unwrap();
    let err = prj.record_weights(1.0).unwrap_err(); // not a multiple of min_delay = 0.3 ms
    // "not supported here", which programs can tell from bad input.
    assert!(err.is_unsupported(), "{err:?}");
    let e = err.to_string();
    eprintln!("{e}");
    assert!(e.to_lowercase().contains("nest") && e.contains("recording weights"), "{e}");
    sim.end().unwrap();
}

/// |v - v_NEST| bound (mV) of the exactly integrated models (IF_curr_alpha,
/// IF_curr_exp, IF_curr_delta): the same propagators in the same order,
/// so only rounding differs; ~14 ulps of a value near 65 mV (ulp 1.4e-14).
/// Measured at f663854: 1.78e-13 (IF_curr_exp_dc, IF_curr_delta_dc),
/// 1.42e-13 (IF_curr_exp_equal_tau). README.md says 1e-13, which these
/// exceed: see docs/CLAIMS.md for the correction.
const EXACT_TOL: f64 = 2e-13;
/// |v - v_NEST| bound (mV) of every other model (README.md: "within 3e-8 mV
/// for the nonlinear ones"); measured 2.69e-8 (HH_cond_exp_synaptic).
const NONLINEAR_TOL: f64 = 3e-8;

/// README: "identical spike times and membrane potential within 1e-13 mV for
/// the exactly integrated models and within 3e-8 mV for the nonlinear ones".
/// `tests/nest_agreement.rs` asserts 1e-6 mV for all models, which would not
/// catch a loss of the claimed precision; this asserts the claimed bounds
/// (the exact one corrected to 2e-13, see [`EXACT_TOL`]).
#[test]
fn native_matches_nest_to_the_precision_the_readme_claims() {
    let names = common::scenario_names();
    assert!(names.len() >= 34);
    let (mut exact, mut other) = (0.0f64, 0.0f64);
    for name in &names {
        let s = common::load(name);
        let out = common::outcome::<Native>(&s, &common::run_plain(&s));
        // Spike steps identical (asserted inside compare) and |dv| returned.
        let dv = common::compare(&s, &out.spikes[0], &out.v[0], 1e-6);
        let is_exact = ["IF_curr_alpha", "IF_curr_exp", "IF_curr_delta"].iter().any(|m| name.starts_with(m));
        let tol = if is_exact { EXACT_TOL } else { NONLINEAR_TOL };
        assert!(dv <= tol, "{name}: |v - v_NEST| = {dv:.3e} mV, claimed <= {tol:.0e}");
        if is_exact {
            exact = exact.max(dv);
        } else {
            other = other.max(dv);
        }
    }
    eprintln!("max |v - v_NEST|: exactly integrated {exact:.3e} mV, others {other:.3e} mV");
    assert!(exact > 0.0 || other > 0.0, "some difference measured (the comparison ran)");
}

/// Relative bound of the final plastic weights (and TM's u, x, y) against
/// NEST's: the same updates, NEST in pA/nS and pynn-rs in nA/uS, so rounding
/// only, about 14 ulps (ulp = 2.2e-16 relative). Measured at f663854:
/// 3.04e-15 (vogels_curr), 2.55e-15 (vogels_cond), <= 1.4e-15 for the
/// others. README.md says 3e-15, which vogels_curr exceeds: see
/// docs/CLAIMS.md for the correction.
const PLASTIC_TOL: f64 = 4e-15;

/// README: "Plastic synapses ...: final weights within 3e-15 relative of
/// NEST's". `tests/plasticity.rs` asserts 1e-9 relative, which would not
/// catch a loss of the claimed precision; this asserts [`PLASTIC_TOL`] for
/// every plastic scenario, and TM's u, x, y to the same bound.
#[test]
fn plastic_weights_match_nest_to_the_precision_the_readme_claims() {
    let mut worst = 0.0f64;
    for name in plasticity::PLASTIC_SCENARIOS {
        let s = plasticity::load_plastic(name);
        let (run, _) = plasticity::run_plastic_on::<Native>(&s, None, None);
        let a = plasticity::plastic_agreement(&s, &run);
        eprintln!("{name:24} weight rel {:.2e}, u/x/y rel {:.2e}", a.weight, a.state);
        assert!(a.same_spikes, "{name}: post-synaptic spike steps differ from NEST's");
        assert!(a.weight <= PLASTIC_TOL, "{name}: weights differ from NEST's by {:.3e} relative", a.weight);
        assert!(a.state <= PLASTIC_TOL, "{name}: u, x, y differ from NEST's by {:.3e} relative", a.state);
        worst = worst.max(a.weight);
    }
    eprintln!("worst relative weight difference: {worst:.3e}");
}

/// Bytes per synapse of the native engine's synapse rows for a network
/// built by `build` on one thread.
fn bytes_per_synapse(build: impl FnOnce(&Sim<Native>) -> usize) -> (usize, f64) {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 5.0,
        seed: 4,
        threads: 1,
        ..Setup::default()
    })
    .unwrap();
    let n = build(&sim);
    let m = sim.with_backend(|b| b.synapse_memory());
    assert_eq!(m.synapses, n, "every synapse counted");
    sim.end().unwrap();
    (n, m.bytes as f64 / n as f64)
}

/// README: "Synapse rows take 2.0 bytes per synapse (Brunel), 2.2 (VA
/// networks)". `tests/synapse_storage.rs` asserts at most 12 (issue 7's
/// target); this asserts the figures as printed, to their one decimal
/// (±0.05): a 2-byte target per synapse plus row pointers shared by the
/// synapses of a row, so a growth of the layout by even a fraction of a
/// byte per synapse fails.
#[test]
fn synapse_rows_take_the_bytes_per_synapse_the_readme_states() {
    // examples/brunel_build.rs: 10 000 + 2 500 IF_curr_delta cells,
    // FixedNumberPre (1000 excitatory, 250 inhibitory, with replacement) onto
    // both, one weight and one delay per projection.
    let (n, brunel) = bytes_per_synapse(|sim| {
        let cell =
            IF_curr_delta { tau_m: 20.0, cm: 0.25, v_rest: 0.0, v_reset: 10.0, v_thresh: 20.0, ..Default::default() };
        let exc = Population::new(sim, 10_000, cell.clone()).unwrap();
        let inh = Population::new(sim, 2_500, cell).unwrap();
        let all = Assembly::new(&[&exc, &inh]).unwrap();
        let mut n = 0;
        for (pre, k, w, receptor) in [(&exc, 1000, 0.1, "excitatory"), (&inh, 250, -0.5, "inhibitory")] {
            let c = FixedNumberPreConnector { n: k.into(), allow_self_connections: false, with_replacement: true };
            n += Projection::new(pre, &all, &c, StaticSynapse::new(w, 1.5), Some(receptor)).unwrap().size();
        }
        n
    });
    eprintln!("Brunel: {n} synapses, {brunel:.3} bytes each");
    assert_eq!(n, 12_500 * 1_250, "15.6 M synapses");
    assert!((brunel - 2.0).abs() < 0.05, "Brunel: {brunel} bytes per synapse, README says 2.0");
    // examples/va_cuba.rs: 3200 + 800 IF_curr_exp cells, FixedProbability(0.02).
    let (n, va) = bytes_per_synapse(|sim| {
        let exc = Population::new(sim, 3200, IF_curr_exp::default()).unwrap();
        let inh = Population::new(sim, 800, IF_curr_exp::default()).unwrap();
        let fp = FixedProbabilityConnector::new(0.02);
        let mut n = 0;
        for (pre, w, receptor) in [(&exc, 0.0162, "excitatory"), (&inh, -0.09, "inhibitory")] {
            for post in [&exc, &inh] {
                n += Projection::new(pre, post, &fp, StaticSynapse::new(w, 0.2), Some(receptor)).unwrap().size();
            }
        }
        n
    });
    eprintln!("VA CUBA: {n} synapses, {va:.3} bytes each");
    assert!((va - 2.2).abs() < 0.05, "VA: {va} bytes per synapse, README says 2.2");
}

/// README: "A backend whose simulator is missing fails with an error naming
/// this command" (the `pip install` line above that sentence). The error's
/// command is `pynn::backends::pyproc::INSTALL_HINT` (its unit tests check
/// the error contains it); this checks README shows the same command.
/// Failed at f663854: the README pinned `nest-simulator==3.10.0` and
/// `neuron==9.0.2`, the hint installed them unpinned.
#[test]
fn the_install_command_in_errors_is_the_readme_command() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let hint = pynn::backends::pyproc::INSTALL_HINT;
    assert!(readme.contains(hint), "README.md does not show the command the errors name: `{hint}`");
}

/// README: connectors are "built in parallel, independent of the thread
/// count". `pynn-core/src/connectors/tests.rs` checks seven random
/// connectors; these are the two random ones it leaves out
/// (`IndexBasedProbabilityConnector`, `DisplacementDependentProbabilityConnector`),
/// with FixedProbability as a control, built in rayon pools of 1, 2 and 3
/// threads (rows are built in parallel in chunks of 16 sources, so 300
/// sources give every thread work). Connection lists and random weights
/// must be equal.
#[test]
fn probability_connectors_are_independent_of_the_thread_count() {
    let build = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let sim = Sim::<Native>::setup(Setup { seed: 19, threads: 1, ..Setup::default() }).unwrap();
            let a = Population::new(&sim, 300, IF_curr_exp::default()).unwrap();
            let b = Population::new(&sim, 200, IF_curr_exp::default()).unwrap();
            let syn = || StaticSynapse::new(RandomDistribution::uniform(0.0, 1.0), 1.0);
            let index = IndexBasedProbabilityConnector::new(|i, j| if (i + j) % 3 == 0 { 0.3 } else { 0.05 });
            let disp = DisplacementDependentProbabilityConnector::new(|d: [f64; 3]| (-d[0].abs() / 50.0).exp() * 0.5);
            let fp = FixedProbabilityConnector::new(0.1);
            let lists = [
                Projection::new(&a, &b, &index, syn(), None).unwrap().get_list("weight").unwrap(),
                Projection::new(&a, &b, &disp, syn(), None).unwrap().get_list("weight").unwrap(),
                Projection::new(&a, &b, &fp, syn(), None).unwrap().get_list("weight").unwrap(),
            ];
            sim.end().unwrap();
            lists
        })
    };
    let one = build(1);
    for (k, l) in one.iter().enumerate() {
        // Expected sizes: index ~ 60 000 x (1/3 x 0.3 + 2/3 x 0.05) = 8000;
        // displacement and FixedProbability several thousand; far from 0.
        assert!(l.len() > 1000, "connector {k}: {} connections", l.len());
    }
    for threads in [2, 3] {
        assert!(one == build(threads), "connections or weights differ with {threads} threads");
    }
}

// ------------------------------------------------------- README's code blocks
//
// README's Rust snippets are not doctests; each is copied here as written
// (only the output path moved to a temporary directory, and the STDP and
// procedural fragments given the `sim`, `input` and `cells` they assume),
// so a change of the API they show breaks this file, and each asserts what
// the snippet's comments promise.

/// README "Quick start".
#[test]
fn readme_quick_start_runs_and_writes_its_files() -> Result<()> {
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme_quick_start");
    std::fs::create_dir_all(&out).unwrap();
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Setup::default() })?;

    let input = Population::new(&sim, 20, SpikeSourcePoisson { rate: 40.0, ..Default::default() })?;
    let cells = Population::new(&sim, 10, IF_curr_alpha { tau_syn_E: 2.0, ..Default::default() })?;
    cells.initialize("v", RandomDistribution::uniform(-65.0, -55.0))?;

    Projection::new(
        &input,
        &cells,
        &FixedProbabilityConnector::new(0.5),
        StaticSynapse::new(1.2, 1.0),
        Some("excitatory"),
    )?;

    cells.record(["spikes", "v"], None)?;
    sim.run(500.0)?;

    let data = cells.get_data()?; // Neo-shaped: Block > Segment > SpikeTrain / AnalogSignal
    let counts = cells.get_spike_counts()?;
    cells.write_data(out.join("cells"))?; // out/cells.npz + out/cells.json
    sim.end()?;

    assert_eq!(data.segments.len(), 1);
    assert_eq!(data.segments[0].spiketrains.len(), 10);
    assert_eq!(data.segments[0].signal("v").unwrap().n_samples(), 5001, "v at 0, 0.1, ..., 500 ms");
    assert_eq!(counts.len(), 10, "{counts:?}");
    // 10 inputs of 40 Hz x 1.2 nA on average per cell: every cell fires.
    assert!(counts.values().all(|n| *n > 0), "{counts:?}");
    for ext in ["npz", "json"] {
        let f = out.join(format!("cells.{ext}"));
        assert!(std::fs::metadata(&f).map(|m| m.len() > 0).unwrap_or(false), "{} written", f.display());
    }
    Ok(())
}

/// README: the STDP snippet ("weight of every connection every 10 ms").
#[test]
fn readme_stdp_snippet_records_weights_every_10_ms() -> Result<()> {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Setup::default() })?;
    let input = Population::new(&sim, 20, SpikeSourcePoisson { rate: 40.0, ..Default::default() })?;
    let cells = Population::new(&sim, 10, IF_curr_alpha { tau_syn_E: 2.0, ..Default::default() })?;
    cells.record(["spikes"], None)?;
    // The quick start's drive (the STDP fragment continues that model).
    Projection::new(
        &input,
        &cells,
        &FixedProbabilityConnector::new(0.5),
        StaticSynapse::new(1.2, 1.0),
        Some("excitatory"),
    )?;
    // As in README:
    let stdp = STDPMechanism::new(
        SpikePairRule::new(20.0, 20.0, 0.01, 0.012), // tau_plus, tau_minus (ms), A_plus, A_minus
        AdditiveWeightDependence::new(0.0, 0.05),    // w_min, w_max
    )
    .with(0.02, 1.0); // initial weight, delay
    let prj = Projection::new(&input, &cells, &AllToAllConnector::new(), stdp, Some("excitatory"))?;
    prj.record_weights(10.0)?; // weight of every connection every 10 ms
    sim.run(1000.0)?;
    let w = prj.get_values("weight")?; // after learning
    let history = prj.weight_history()?;
    sim.end()?;

    assert_eq!(w.len(), 200);
    assert_eq!(history.times.len(), 101, "samples at 0, 10, ..., 1000 ms");
    assert!(history.times.iter().enumerate().all(|(k, t)| (t - 10.0 * k as f64).abs() < 1e-9));
    assert_eq!(history.connections, 200);
    assert_eq!(&history.weights[100 * 200..], &w[..], "the last sample is the final weight");
    assert!(w.iter().all(|x| (0.0..=0.05).contains(x)), "within [w_min, w_max]");
    assert!(w.iter().any(|x| *x != 0.02), "the weights learned");
    Ok(())
}

/// README: the procedural snippet and its `reset()` comment ("time 0,
/// initial state, a new segment; structure and recording kept").
#[test]
fn readme_procedural_snippet_and_reset() -> Result<()> {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Setup::default() })?;
    let input = Population::new(&sim, 20, SpikeSourcePoisson { rate: 40.0, ..Default::default() })?;
    // As in README:
    let cells = sim.create(IF_curr_exp::default(), 100)?;
    let prj = sim.connect(&input, &cells, 0.5, Some(1.0), Some("excitatory"), 0.1)?;
    sim.record_v(&cells)?;
    sim.run(100.0)?;
    sim.reset()?; // time 0, initial state, a new segment; structure and recording kept

    assert_eq!(sim.get_current_time(), 0.0);
    let n = prj.size();
    // p = 0.1 of 20 x 100: 200 expected, binomial sd 13.4; 6 sd.
    assert!((n as f64 - 200.0).abs() < 6.0 * 13.4, "{n} connections");
    sim.run(50.0)?;
    assert_eq!(prj.size(), n, "structure kept");
    let b = cells.get_data()?;
    assert_eq!(b.segments.len(), 2, "a new segment");
    assert_eq!(b.segments[1].signal("v").unwrap().n_samples(), 501, "recording kept");
    let v0 = b.segments[1].signal("v").unwrap().column(0)[0];
    assert_eq!(v0, IF_curr_exp::default().v_rest, "initial state");
    sim.end()
}

network! {
    pub struct ReadmeNet;
    setup { timestep = 0.1 ms, min_delay = 0.2 ms, seed = 1 }
    pop exc = IF_curr_exp(320) { tau_m = 20 ms, v_rest = -49 mV } init { v = uniform(-60 mV, -50 mV) };
    pop inh = IF_curr_exp(80);
    connect exc -> exc + inh fixed_probability(p = 0.02) static(weight = 0.0162 nA, delay = 0.2 ms) excitatory;
    record exc[0..2]: v every 1 ms;
}

/// README: the `network!` example, as written (the struct renamed).
#[test]
fn readme_network_macro_example_runs() -> Result<()> {
    let (sim, net) = ReadmeNet::<Native>::setup_and_build()?;
    sim.run(100.0)?;
    let b = net.exc.get_data()?;
    let v = b.segments[0].signal("v").unwrap();
    assert_eq!(v.n_samples(), 101, "v every 1 ms over 100 ms");
    assert_eq!(v.column(1).len(), 101, "cells 0 and 1 recorded");
    assert_eq!(sim.get_time_step(), 0.1);
    // v_rest = -49 mV lies above the threshold (-50 mV): v climbs from its
    // initial value in [-60, -50] mV, fires, resets to -65 mV, climbs again.
    let v0 = v.column(0);
    assert!((-60.0..=-50.0).contains(&v0[0]), "initial v {}", v0[0]);
    assert!(v0.iter().all(|x| (-65.0..=-50.0).contains(x)), "{v0:?}");
    assert!(v0.iter().any(|x| *x < -64.0), "the cell fired and reset: {v0:?}");
    sim.end()
}

/// PyNN 0.13's `default_parameters` of every standard cell type and spike
/// source with scalar parameters, as printed by PyNN 0.13.0
/// (pyNN/standardmodels/cells.py, `cls.default_parameters`, read with
/// `float(v)`; the sequence parameters of GIF_cond_exp and
/// SpikeSourceInhGamma, `ArrayParameter`s, are left out).
const PYNN_DEFAULTS: &[(&str, &[(&str, f64)])] = &[
    (
        "IF_curr_alpha",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 0.1),
            ("tau_syn_E", 0.5),
            ("tau_syn_I", 0.5),
            ("i_offset", 0.0),
            ("v_reset", -65.0),
            ("v_thresh", -50.0),
        ],
    ),
    (
        "IF_curr_exp",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 0.1),
            ("tau_syn_E", 5.0),
            ("tau_syn_I", 5.0),
            ("i_offset", 0.0),
            ("v_reset", -65.0),
            ("v_thresh", -50.0),
        ],
    ),
    (
        "IF_curr_delta",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 0.1),
            ("i_offset", 0.0),
            ("v_reset", -65.0),
            ("v_thresh", -50.0),
        ],
    ),
    (
        "IF_cond_alpha",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 0.1),
            ("tau_syn_E", 0.3),
            ("tau_syn_I", 0.5),
            ("e_rev_E", 0.0),
            ("e_rev_I", -70.0),
            ("v_thresh", -50.0),
            ("v_reset", -65.0),
            ("i_offset", 0.0),
        ],
    ),
    (
        "IF_cond_exp",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 0.1),
            ("tau_syn_E", 5.0),
            ("tau_syn_I", 5.0),
            ("e_rev_E", 0.0),
            ("e_rev_I", -70.0),
            ("v_thresh", -50.0),
            ("v_reset", -65.0),
            ("i_offset", 0.0),
        ],
    ),
    (
        "IF_cond_exp_gsfa_grr",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 0.1),
            ("tau_syn_E", 5.0),
            ("tau_syn_I", 5.0),
            ("e_rev_E", 0.0),
            ("e_rev_I", -70.0),
            ("v_thresh", -50.0),
            ("v_reset", -65.0),
            ("i_offset", 0.0),
            ("tau_sfa", 100.0),
            ("e_rev_sfa", -75.0),
            ("q_sfa", 15.0),
            ("tau_rr", 2.0),
            ("e_rev_rr", -75.0),
            ("q_rr", 3000.0),
        ],
    ),
    (
        "IF_facets_hardware1",
        &[
            ("g_leak", 40.0),
            ("tau_syn_E", 30.0),
            ("tau_syn_I", 30.0),
            ("v_reset", -80.0),
            ("e_rev_I", -80.0),
            ("v_rest", -65.0),
            ("v_thresh", -55.0),
        ],
    ),
    (
        "EIF_cond_alpha_isfa_ista",
        &[
            ("cm", 0.281),
            ("tau_refrac", 0.1),
            ("v_spike", -40.0),
            ("v_reset", -70.6),
            ("v_rest", -70.6),
            ("tau_m", 9.3667),
            ("i_offset", 0.0),
            ("a", 4.0),
            ("b", 0.0805),
            ("delta_T", 2.0),
            ("tau_w", 144.0),
            ("v_thresh", -50.4),
            ("e_rev_E", 0.0),
            ("tau_syn_E", 5.0),
            ("e_rev_I", -80.0),
            ("tau_syn_I", 5.0),
        ],
    ),
    (
        "EIF_cond_exp_isfa_ista",
        &[
            ("cm", 0.281),
            ("tau_refrac", 0.1),
            ("v_spike", -40.0),
            ("v_reset", -70.6),
            ("v_rest", -70.6),
            ("tau_m", 9.3667),
            ("i_offset", 0.0),
            ("a", 4.0),
            ("b", 0.0805),
            ("delta_T", 2.0),
            ("tau_w", 144.0),
            ("v_thresh", -50.4),
            ("e_rev_E", 0.0),
            ("tau_syn_E", 5.0),
            ("e_rev_I", -80.0),
            ("tau_syn_I", 5.0),
        ],
    ),
    (
        "HH_cond_exp",
        &[
            ("gbar_Na", 20.0),
            ("gbar_K", 6.0),
            ("g_leak", 0.01),
            ("cm", 0.2),
            ("v_offset", -63.0),
            ("e_rev_Na", 50.0),
            ("e_rev_K", -90.0),
            ("e_rev_leak", -65.0),
            ("e_rev_E", 0.0),
            ("e_rev_I", -80.0),
            ("tau_syn_E", 0.2),
            ("tau_syn_I", 2.0),
            ("i_offset", 0.0),
        ],
    ),
    ("Izhikevich", &[("a", 0.02), ("b", 0.2), ("c", -65.0), ("d", 2.0), ("i_offset", 0.0)]),
    (
        "GIF_cond_exp",
        &[
            ("v_rest", -65.0),
            ("cm", 1.0),
            ("tau_m", 20.0),
            ("tau_refrac", 4.0),
            ("tau_syn_E", 5.0),
            ("tau_syn_I", 5.0),
            ("e_rev_E", 0.0),
            ("e_rev_I", -70.0),
            ("v_reset", -65.0),
            ("i_offset", 0.0),
            ("delta_v", 0.5),
            ("v_t_star", -48.0),
            ("lambda0", 1.0),
        ],
    ),
    ("SpikeSourcePoisson", &[("rate", 1.0), ("start", 0.0), ("duration", 10000000000.0)]),
    (
        "SpikeSourcePoissonRefractory",
        &[("rate", 1.0), ("tau_refrac", 0.0), ("start", 0.0), ("duration", 10000000000.0)],
    ),
    ("SpikeSourceGamma", &[("alpha", 2.0), ("beta", 1.0), ("start", 0.0), ("duration", 10000000000.0)]),
];

/// The scalar parameters of `C` with their defaults.
fn scalar_defaults<C: pynn::core::CellType>() -> (&'static str, Vec<(&'static str, f64)>) {
    let params = C::PARAMETERS
        .iter()
        .filter(|p| !matches!(p.kind, pynn::core::parameters::ParamKind::Sequence))
        .map(|p| (p.name, p.default))
        .collect();
    (C::NAME, params)
}

/// README: "PyNN's standard cell models with PyNN's names, units (ms, mV,
/// nA, nF, µS, Hz) and default values". Every scalar parameter of PyNN
/// 0.13 exists under the same name with the same default (exact), and
/// there is no scalar parameter PyNN does not have. (The `Default` impls
/// equal these schemas: `pynn-core/src/cells/mod.rs::schemas_match_defaults`.)
#[test]
fn standard_models_have_pynns_names_and_default_values() {
    let ours = [
        scalar_defaults::<IF_curr_alpha>(),
        scalar_defaults::<IF_curr_exp>(),
        scalar_defaults::<IF_curr_delta>(),
        scalar_defaults::<IF_cond_alpha>(),
        scalar_defaults::<IF_cond_exp>(),
        scalar_defaults::<IF_cond_exp_gsfa_grr>(),
        scalar_defaults::<IF_facets_hardware1>(),
        scalar_defaults::<EIF_cond_alpha_isfa_ista>(),
        scalar_defaults::<EIF_cond_exp_isfa_ista>(),
        scalar_defaults::<HH_cond_exp>(),
        scalar_defaults::<Izhikevich>(),
        scalar_defaults::<GIF_cond_exp>(),
        scalar_defaults::<SpikeSourcePoisson>(),
        scalar_defaults::<SpikeSourcePoissonRefractory>(),
        scalar_defaults::<SpikeSourceGamma>(),
    ];
    assert_eq!(ours.len(), PYNN_DEFAULTS.len());
    let mut wrong = Vec::new();
    for ((name, params), (pynn_name, pynn_params)) in ours.iter().zip(PYNN_DEFAULTS) {
        assert_eq!(name, pynn_name);
        for (p, v) in *pynn_params {
            match params.iter().find(|(q, _)| q == p) {
                None => wrong.push(format!("{name}.{p}: missing (PyNN default {v})")),
                Some((_, d)) if d != v => wrong.push(format!("{name}.{p}: default {d}, PyNN's {v}")),
                _ => {}
            }
        }
        for (q, d) in params {
            if !pynn_params.iter().any(|(p, _)| p == q) {
                wrong.push(format!("{name}.{q} (default {d}): not a PyNN parameter"));
            }
        }
    }
    assert!(wrong.is_empty(), "differences from PyNN 0.13:\n{}", wrong.join("\n"));
}
