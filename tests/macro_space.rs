//! Space, distributions, `from_list` columns and recording of currents and
//! to files, declared in `network!`, against their object-API versions.
//!
//! Each network is built twice on `Native` with the same seed: once by the
//! macro and once by hand with the object API, creating populations and
//! projections in the same order. The macro expands into exactly those
//! object-API calls, and random values come from streams keyed by (seed,
//! object id, purpose, n-th draw), so connections, weights, delays,
//! synaptic parameters, spikes and recorded traces must be equal exactly
//! (no tolerance: the same arithmetic on the same inputs). Besides that,
//! each test checks a value it can compute by hand, so that it fails if the
//! feature were silently ignored by both.

use pynn::prelude::*;

// ----------------------------------------------------------------- space

network! {
    /// A 5 x 5 sheet of Poisson sources onto a 5 x 5 sheet of cells, on a
    /// torus of 50 um: distance-dependent probability and weights.
    struct Torus;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms, seed = 4242 }

    pop src = SpikeSourcePoisson(25, structure = grid2d(aspect_ratio = 1.0, dx = 10 um, dy = 10 um)) { rate = 40 Hz };
    pop cells = IF_curr_exp(25, structure = grid2d(aspect_ratio = 1.0, dx = 10 um, dy = 10 um)) { tau_m = 10 ms };

    connect near = src -> cells distance_dependent_probability(d_expression = {|d| (-d / 15.0).exp()})
        static(weight = { pynn::Value::function(|d| 0.5 + 0.01 * d) }, delay = 1 ms)
        space(axes = "xy", periodic_boundaries = ((0 um, 50 um), (0 um, 50 um), None))
        excitatory;
    connect all = src -> cells all_to_all()
        space(axes = "xy", periodic_boundaries = ((0 um, 50 um), (0 um, 50 um), None), scale_factor = 1.0, offset = (0 um, 0 um, 0 um))
        static(weight = { pynn::Value::function(|d| 0.01 * d) }, delay = 0.5 ms) excitatory;

    record cells: spikes;
}

/// The cells and the two projections of [`Torus`], built by hand.
type TorusParts = (Population<IF_curr_exp, Native>, Projection<Native>, Projection<Native>);

fn torus_by_hand(sim: &Sim<Native>) -> pynn::Result<TorusParts> {
    let grid = || Grid2D { dx: 10.0, dy: 10.0, ..Grid2D::default() }.into();
    let src = Population::with_structure(
        sim,
        25,
        SpikeSourcePoisson { rate: 40.0, ..Default::default() },
        grid(),
        Some("src"),
    )?;
    let cells =
        Population::with_structure(sim, 25, IF_curr_exp { tau_m: 10.0, ..Default::default() }, grid(), Some("cells"))?;
    let space =
        Space::default().with_axes("xy")?.with_periodic_boundaries([Some((0.0, 50.0)), Some((0.0, 50.0)), None]);
    let near = Projection::with_space(
        &src,
        &cells,
        &DistanceDependentProbabilityConnector::new(|d| (-d / 15.0).exp()),
        StaticSynapse { weight: Value::function(|d| 0.5 + 0.01 * d), delay: Some(1.0.into()) },
        Some("excitatory"),
        space.clone(),
        Some("near"),
    )?;
    let all = Projection::with_space(
        &src,
        &cells,
        &AllToAllConnector::default(),
        StaticSynapse { weight: Value::function(|d| 0.01 * d), delay: Some(0.5.into()) },
        Some("excitatory"),
        space,
        Some("all"),
    )?;
    cells.record("spikes", None)?;
    Ok((cells, near, all))
}

fn spikes(p: &Population<IF_curr_exp, Native>) -> Vec<Vec<f64>> {
    p.get_data().unwrap().segments[0].spiketrains.iter().map(|s| s.times.clone()).collect()
}

#[test]
fn space_gives_the_object_api_projection() -> pynn::Result<()> {
    let (sim, net) = Torus::<Native>::setup_and_build()?;
    sim.run(200.0)?;
    let by_hand = Sim::<Native>::setup(Torus::<Native>::setup())?;
    let (cells, near, all) = torus_by_hand(&by_hand)?;
    by_hand.run(200.0)?;

    assert_eq!(net.near.get_list("weight")?, near.get_list("weight")?);
    assert_eq!(net.near.get_list("delay")?, near.get_list("delay")?);
    assert_eq!(net.all.get_list("weight")?, all.get_list("weight")?);
    assert_eq!(net.near.space(), near.space());
    assert_eq!(spikes(&net.cells), spikes(&cells));
    // Not vacuous: connections were drawn and cells fired.
    assert!(net.near.size() > 25 && net.near.size() < 625, "{} connections", net.near.size());
    assert!(spikes(&cells).iter().map(Vec::len).sum::<usize>() > 0);

    // The space is used: source 0 at (0, 0) and cell 4 at (0, 40) um (a
    // 5 x 5 grid fills y first) are 10 um apart on the 50 um torus (40
    // without periodic boundaries), so the weight is 0.01 * 10 nA.
    let w = net.all.get_list("weight")?;
    let (_, _, w04) = w.iter().copied().find(|(i, j, _)| (*i, *j) == (0, 4)).unwrap();
    assert_eq!(net.cells.positions()[4], [0.0, 40.0, 0.0]);
    assert!((w04 - 0.1).abs() < 1e-12, "weight {w04}"); // 1e-12: rounding of 0.01 * 10.0
    Ok(())
}

// --------------------------------------------------------- distributions

network! {
    /// Seeded and unseeded distributions, `vonmises` among them.
    struct Dists;

    setup { timestep = 0.1 ms, seed = 1 }

    pop a = IF_curr_exp(50) {
        i_offset = vonmises(mu = 0.6, kappa = 4.0, seed = 11),
        tau_m = uniform(10 ms, 20 ms),
    } init { v = normal(mu = -60 mV, sigma = 3 mV, seed = 7) };
    pop b = IF_curr_exp(50) { tau_m = normal_clipped(15 ms, 3 ms, 5 ms, 30 ms, seed = 99) };

    record a: spikes, v every 1 ms;
}

/// The session and populations of [`Dists`], built by hand.
type DistsParts = (Sim<Native>, Population<IF_curr_exp, Native>, Population<IF_curr_exp, Native>);

fn dists_by_hand(seed: u64) -> pynn::Result<DistsParts> {
    let sim = Sim::<Native>::setup(Setup { seed, ..Dists::<Native>::setup() })?;
    let a = Population::new(&sim, 50, IF_curr_exp::default())?;
    a.set("i_offset", RandomDistribution::vonmises(0.6, 4.0).with_seed(11))?;
    a.set("tau_m", RandomDistribution::uniform(10.0, 20.0))?;
    a.initialize("v", RandomDistribution::normal(-60.0, 3.0).with_seed(7))?;
    let b = Population::new(&sim, 50, IF_curr_exp::default())?;
    b.set("tau_m", RandomDistribution::normal_clipped(15.0, 3.0, 5.0, 30.0).with_seed(99))?;
    a.record(["spikes", "v"], Some(1.0))?;
    Ok((sim, a, b))
}

#[test]
fn seeded_distributions_and_vonmises() -> pynn::Result<()> {
    let (sim, net) = Dists::<Native>::setup_and_build()?;
    sim.run(100.0)?;
    let (by_hand, a, b) = dists_by_hand(1)?;
    by_hand.run(100.0)?;
    for name in ["i_offset", "tau_m"] {
        assert_eq!(net.a.get(name)?, a.get(name)?, "{name}");
    }
    assert_eq!(net.b.get("tau_m")?, b.get("tau_m")?);
    let v = |p: &Population<IF_curr_exp, Native>| p.get_data().unwrap().segments[0].signal("v").unwrap().data.clone();
    assert_eq!(v(&net.a), v(&a));
    assert_eq!(spikes(&net.a), spikes(&a));
    assert!(spikes(&a).iter().map(Vec::len).sum::<usize>() > 0);

    // A seeded distribution has a stream of its own: another session seed
    // changes `tau_m` (unseeded) but not `i_offset`, `v` or `b.tau_m`.
    let (_, a2, b2) = dists_by_hand(2)?;
    assert_eq!(a2.get("i_offset")?, a.get("i_offset")?);
    assert_eq!(b2.get("tau_m")?, b.get("tau_m")?);
    assert_ne!(a2.get("tau_m")?, a.get("tau_m")?);
    // vonmises(0.6, 4) lies within mu +- pi; with kappa = 4 the sample mean
    // of 50 values is within 0.3 of mu (its standard error is about 0.08).
    let i = a.get("i_offset")?;
    assert!(i.iter().all(|x| (x - 0.6).abs() <= std::f64::consts::PI));
    let mean = i.iter().sum::<f64>() / i.len() as f64;
    assert!((mean - 0.6).abs() < 0.3, "mean {mean}");
    Ok(())
}

// ------------------------------------------------- from_list with columns

network! {
    /// Tsodyks–Markram synapses with a weight, delay and `U` per connection.
    struct Columns;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms, seed = 5 }

    pop stim = SpikeSourceArray(3) { spike_times = [10 ms, 20 ms, 30 ms, 40 ms] };
    pop post = IF_curr_exp(2) { tau_m = 10 ms };

    connect tm = stim -> post from_list(
        [(0, 0, 0.5 nA, 1.5 ms, 0.3), (1, 0, 400 pA, 2 ms, 0.6), (2, 1, 1.2 nA, 0.5 ms, 0.9)],
        column_names = [weight, delay, U],
    ) tsodyks_markram(tau_rec = 100 ms, tau_facil = 0 ms) excitatory;

    record post: spikes, v;
}

#[test]
fn from_list_columns_set_each_connection() -> pynn::Result<()> {
    let (sim, net) = Columns::<Native>::setup_and_build()?;
    sim.run(60.0)?;

    let by_hand = Sim::<Native>::setup(Columns::<Native>::setup())?;
    let stim = Population::new(&by_hand, 3, SpikeSourceArray { spike_times: vec![10.0, 20.0, 30.0, 40.0] })?;
    let post = Population::new(&by_hand, 2, IF_curr_exp { tau_m: 10.0, ..Default::default() })?;
    let conn = FromListConnector::from_rows(
        &[vec![0.0, 0.0, 0.5, 1.5, 0.3], vec![1.0, 0.0, 0.4, 2.0, 0.6], vec![2.0, 1.0, 1.2, 0.5, 0.9]],
        Some(&["weight", "delay", "U"]),
    )?;
    let mut tm = TsodyksMarkramSynapse::new(0.0, 0.0, 0.5, 100.0, 0.0);
    tm.delay = None;
    let prj = Projection::with_label(&stim, &post, &conn, tm, Some("excitatory"), Some("tm"))?;
    post.record(["spikes", "v"], None)?;
    by_hand.run(60.0)?;

    for attr in ["weight", "delay", "U"] {
        assert_eq!(net.tm.get_list(attr)?, prj.get_list(attr)?, "{attr}");
    }
    // The values written, in list order (400 pA is 0.4 nA).
    assert_eq!(net.tm.get_list("weight")?, vec![(0, 0, 0.5), (1, 0, 0.4), (2, 1, 1.2)]);
    assert_eq!(net.tm.get_values("delay")?, vec![1.5, 2.0, 0.5]);
    assert_eq!(net.tm.get_values("U")?, vec![0.3, 0.6, 0.9]);
    let v = |p: &Population<IF_curr_exp, Native>| p.get_data().unwrap().segments[0].signal("v").unwrap().data.clone();
    assert_eq!(v(&net.post), v(&post));
    Ok(())
}

// ------------------------------------- recording currents and to files

fn out_file(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("pynn-macro-space-{}", std::process::id()));
    dir.join(name).to_string_lossy().into_owned()
}

network! {
    /// A noisy current into 4 cells; its current recorded, the cells'
    /// spikes and `v` written to a file when the session ends.
    struct Recorded;

    setup { timestep = 0.1 ms, seed = 17 }

    pop exc = IF_curr_exp(4) { tau_m = 10 ms };
    inject kick = noisy(mean = 1.5 nA, stdev = 0.5 nA, dt = 1 ms, start = 5 ms, stop = 80 ms) into exc;

    record kick: i;
    record exc: spikes, v every 0.5 ms to { out_file("macro.npz") };
}

#[test]
fn recording_currents_and_to_files() -> pynn::Result<()> {
    let (sim, net) = Recorded::<Native>::setup_and_build()?;
    sim.run(100.0)?;
    let i_macro = net.kick.get_data()?;
    let v_macro = net.exc.get_data()?.segments[0].signal("v").unwrap().data.clone();
    sim.end()?;

    let by_hand = Sim::<Native>::setup(Recorded::<Native>::setup())?;
    let cell = IF_curr_exp { tau_m: 10.0, ..Default::default() };
    // The label names the arrays in the file, so it must be the macro's.
    let exc = Population::with_structure(&by_hand, 4, cell, Structure::default(), Some("exc"))?;
    let kick = exc.inject(NoisyCurrentSource { mean: 1.5, stdev: 0.5, dt: 1.0, start: 5.0, stop: 80.0 })?;
    kick.record()?;
    exc.record(["spikes", "v"], Some(0.5))?;
    by_hand.record_to_file(["spikes", "v"], &exc, out_file("object.npz"))?;
    by_hand.run(100.0)?;
    let i_hand = kick.get_data()?;
    by_hand.end()?;

    assert_eq!(i_macro.data, i_hand.data);
    assert_eq!(i_macro.n_samples(), 1001); // every step from 0 to 100 ms
    // Zero before `start`, its mean 1.5 nA (stdev 0.5, 75 independent
    // values) within 0.3 nA while on.
    assert!(i_macro.data[..50].iter().all(|x| *x == 0.0));
    let on = &i_macro.data[50..800];
    let mean = on.iter().sum::<f64>() / on.len() as f64;
    assert!((mean - 1.5).abs() < 0.3, "mean {mean}");

    let macro_file = std::fs::read(out_file("macro.npz")).expect("written at end()");
    let hand_file = std::fs::read(out_file("object.npz")).expect("written at end()");
    assert!(macro_file == hand_file, "the files differ ({} and {} bytes)", macro_file.len(), hand_file.len());
    assert_eq!(v_macro.len(), 201 * 4); // 0, 0.5, ..., 100 ms, 4 cells
    let _ = std::fs::remove_dir_all(std::path::Path::new(&out_file("x")).parent().unwrap());
    Ok(())
}
