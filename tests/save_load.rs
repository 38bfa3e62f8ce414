//! Saving and loading: `pynn::io::save_population` / `load_population` /
//! `load_spike_source` (PyNN's `pyNN.utility` functions, as JSON), and
//! `Projection::save` read back by `FromFileConnector` for every synapse
//! type with a different value of every parameter on every connection.
//!
//! Every comparison is exact: the files hold the shortest decimal that
//! reads back as each number (`serde_json` with `float_roundtrip`, NumPy's
//! `%.18e`), so a round trip gives the same bits.

use pynn::core::{CellType, SynapseType};
use pynn::io::{load_population, load_spike_source, save_population};
use pynn::prelude::*;
use std::path::PathBuf;

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, seed: 11, ..Setup::default() })
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pynn-save-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

// --------------------------------------------------------------- populations

#[test]
fn a_population_round_trips_parameters_initial_values_and_positions() {
    let a = sim();
    let p = Population::with_structure(
        &a,
        6,
        IF_cond_exp::default(),
        Grid2D { aspect_ratio: 1.5, dx: 2.0, dy: 3.0, ..Grid2D::default() }.into(),
        Some("exc"),
    )
    .unwrap();
    p.set("tau_m", RandomDistribution::uniform(10.0, 30.0)).unwrap();
    p.set("i_offset", vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]).unwrap();
    p.set("e_rev_I", -75.0).unwrap();
    p.initialize("v", RandomDistribution::uniform(-70.0, -60.0)).unwrap();
    let path = tmp("exc.json");
    save_population(&p, &path).unwrap();

    let b = sim();
    // Another population first: the loaded one gets other global indices.
    Population::new(&b, 3, IF_curr_exp::default()).unwrap();
    let q: Population<IF_cond_exp, Native> = load_population(&b, &path).unwrap();
    assert_eq!((q.label(), q.size(), q.celltype()), ("exc", 6, "IF_cond_exp"));
    for spec in <IF_cond_exp as CellType>::PARAMETERS {
        assert_eq!(q.get(spec.name).unwrap(), p.get(spec.name).unwrap(), "{}", spec.name);
    }
    for spec in <IF_cond_exp as CellType>::STATE {
        assert_eq!(q.get_initial_values(spec.name).unwrap(), p.get_initial_values(spec.name).unwrap(), "{}", spec.name);
    }
    assert_eq!(q.positions(), p.positions());
    assert_ne!(p.positions()[0], p.positions()[1], "the grid placed the cells apart");

    // Same cells, same state: the same membrane potential, sample by sample.
    p.record("v", None).unwrap();
    q.record("v", None).unwrap();
    a.run(20.0).unwrap();
    b.run(20.0).unwrap();
    let (vp, vq) = (p.get_data().unwrap(), q.get_data().unwrap());
    assert_eq!(vp.segments[0].signal("v").unwrap().data, vq.segments[0].signal("v").unwrap().data);
}

#[test]
fn sequence_parameters_round_trip() {
    let a = sim();
    let p = Population::with_label(&a, 3, SpikeSourceArray::default(), Some("in")).unwrap();
    let times = vec![vec![1.0, 2.5], vec![], vec![0.3, 7.0, 9.9]];
    p.set("spike_times", times.clone()).unwrap();
    let path = tmp("in.json");
    save_population(&p, &path).unwrap();
    let q: Population<SpikeSourceArray, Native> = load_population(&sim(), &path).unwrap();
    assert_eq!(q.get_sequences("spike_times").unwrap(), times);
}

#[test]
fn loading_as_another_cell_type_is_a_clear_error() {
    let a = sim();
    let p = Population::new(&a, 2, IF_curr_exp::default()).unwrap();
    let path = tmp("curr.json");
    save_population(&p, &path).unwrap();
    let e = load_population::<IF_cond_exp, _>(&sim(), &path).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e:?}");
    assert!(msg.contains("IF_curr_exp") && msg.contains("IF_cond_exp") && msg.contains("cell_type"), "{msg}");
    // Not a saved population: an I/O error naming the file.
    std::fs::write(&path, "{\"format\": \"something else\"}").unwrap();
    let e = load_population::<IF_curr_exp, _>(&sim(), &path).unwrap_err();
    assert!(matches!(&e, Error::Io { path: p, .. } if p.ends_with("curr.json")), "{e:?}");
    // A value outside its domain is refused as `set` refuses it.
    save_population(&p, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["parameters"]["tau_m"] = serde_json::json!([20.0, -1.0]);
    std::fs::write(&path, doc.to_string()).unwrap();
    let e = load_population::<IF_curr_exp, _>(&sim(), &path).unwrap_err();
    assert!(e.to_string().contains("tau_m"), "{e}");
}

#[test]
fn load_spike_source_replays_the_saved_spikes() {
    let a = sim();
    let p = Population::with_label(&a, 4, IF_curr_exp::default(), Some("driven")).unwrap();
    p.set("i_offset", vec![0.0, 1.0, 1.5, 2.0]).unwrap();
    p.record("spikes", None).unwrap();
    a.run(100.0).unwrap();
    let path = tmp("driven.json");
    save_population(&p, &path).unwrap();
    let seg = p.get_data().unwrap().segments[0].clone();
    assert!(seg.spiketrains.iter().map(|s| s.times.len()).sum::<usize>() > 4, "the offsets make cells fire");

    let b = sim();
    let s = load_spike_source(&b, &path).unwrap();
    assert_eq!((s.label(), s.size()), ("driven", 4));
    s.record("spikes", None).unwrap();
    b.run(100.0).unwrap();
    let replay = s.get_data().unwrap().segments[0].clone();
    for k in 0..4 {
        // A spike source emits at its times: the same times, exactly (both
        // on the 0.1 ms grid).
        assert_eq!(replay.spiketrain(k).unwrap().times, seg.spiketrain(k).unwrap().times, "cell {k}");
    }
}

// --------------------------------------------------------------- projections

/// Saves `prj`'s weight, delay and every parameter of `syn`, reads the
/// file back with `FromFileConnector` into a projection of `template`
/// (same type, default values), and checks every column is the same.
fn round_trip<S: SynapseType + Clone>(name: &str, syn: S, template: S) {
    let sim = sim();
    let pre = Population::new(&sim, 3, SpikeSourcePoisson::default()).unwrap();
    let post = Population::new(&sim, 4, IF_cond_exp::default()).unwrap();
    let prj = Projection::new(&pre, &post, &FixedProbabilityConnector::new(0.7), syn.clone(), None).unwrap();
    assert!(prj.size() > 1);
    let mut names = vec!["weight", "delay"];
    // Every parameter the projection reports. (An STDPMechanism with the
    // Vogels 2011 rule carries its weight dependence's `mu_plus`,
    // `mu_minus` internally, fixed by the type, and does not report them.)
    names.extend(syn.parameters().iter().map(|(n, _)| *n).filter(|n| prj.get_values(n).is_ok()));
    assert!(names.len() >= 2 + syn.parameters().len() - 2, "{name}: {names:?}");
    let path = tmp(&format!("{name}.txt"));
    prj.save(&names, &path).unwrap();
    let header = std::fs::read_to_string(&path).unwrap().lines().next().unwrap().to_string();
    let quoted: Vec<String> = ["i", "j"].iter().chain(&names).map(|n| format!("'{n}'")).collect();
    assert_eq!(header, format!("# columns = [{}]", quoted.join(", ")));

    let pre2 = Population::new(&sim, 3, SpikeSourcePoisson::default()).unwrap();
    let post2 = Population::new(&sim, 4, IF_cond_exp::default()).unwrap();
    let back = Projection::new(&pre2, &post2, &FromFileConnector::new(&path).unwrap(), template, None).unwrap();
    assert_eq!(back.synapse_type(), prj.synapse_type());
    assert_eq!(
        back.get_list("weight").unwrap().iter().map(|c| (c.0, c.1)).collect::<Vec<_>>(),
        prj.get_list("weight").unwrap().iter().map(|c| (c.0, c.1)).collect::<Vec<_>>()
    );
    for n in &names {
        let (v, w) = (prj.get_values(n).unwrap(), back.get_values(n).unwrap());
        assert_eq!(v, w, "{name}: `{n}`");
    }
    // Heterogeneous values went through (not the template's defaults).
    let w = prj.get_values("weight").unwrap();
    assert!(w.iter().any(|x| *x != w[0]), "{name}: weights differ between connections");
}

fn rd(a: f64, b: f64) -> Value {
    RandomDistribution::uniform(a, b).into()
}

#[test]
fn static_synapse_round_trips() {
    round_trip("static", StaticSynapse::new(rd(0.01, 0.05), rd(0.5, 3.0)), StaticSynapse::default());
}

#[test]
fn tsodyks_markram_round_trips() {
    let syn = TsodyksMarkramSynapse {
        u: rd(0.0, 0.2),
        x: rd(0.7, 0.85), // x + y <= 1
        y: rd(0.0, 0.1),
        ..TsodyksMarkramSynapse::new(rd(0.01, 0.05), rd(0.5, 3.0), rd(0.2, 0.8), rd(50.0, 150.0), rd(0.0, 20.0))
    };
    round_trip("tsodyks_markram", syn, TsodyksMarkramSynapse::default());
}

fn pair() -> SpikePairRule {
    // tau_minus is the post-synaptic trace's: one value for the projection.
    SpikePairRule::new(rd(15.0, 25.0), 25.0, rd(0.005, 0.02), rd(0.005, 0.02))
}

#[test]
fn stdp_additive_round_trips() {
    let syn = STDPMechanism::new(pair(), AdditiveWeightDependence::new(rd(0.0, 0.005), rd(0.06, 0.1)))
        .with(rd(0.01, 0.05), rd(0.5, 3.0));
    round_trip(
        "stdp_additive",
        syn,
        STDPMechanism::new(SpikePairRule::default(), AdditiveWeightDependence::new(0.0, 1.0)),
    );
}

#[test]
fn stdp_multiplicative_round_trips() {
    let syn = STDPMechanism::new(pair(), MultiplicativeWeightDependence::new(rd(0.0, 0.005), rd(0.06, 0.1)))
        .with(rd(0.01, 0.05), rd(0.5, 3.0));
    let template = STDPMechanism::new(SpikePairRule::default(), MultiplicativeWeightDependence::new(0.0, 1.0));
    round_trip("stdp_multiplicative", syn, template);
}

#[test]
fn stdp_additive_multiplicative_round_trips() {
    let syn =
        STDPMechanism::new(pair(), AdditivePotentiationMultiplicativeDepression::new(rd(0.0, 0.005), rd(0.06, 0.1)))
            .with(rd(0.01, 0.05), rd(0.5, 3.0));
    let template =
        STDPMechanism::new(SpikePairRule::default(), AdditivePotentiationMultiplicativeDepression::new(0.0, 1.0));
    round_trip("stdp_add_mult", syn, template);
}

#[test]
fn stdp_gutig_round_trips() {
    let wd = GutigWeightDependence::new(rd(0.0, 0.005), rd(0.06, 0.1), rd(0.3, 0.6), rd(0.3, 0.6));
    let syn = STDPMechanism::new(pair(), wd).with(rd(0.01, 0.05), rd(0.5, 3.0));
    let template = STDPMechanism::new(SpikePairRule::default(), GutigWeightDependence::new(0.0, 1.0, 0.5, 0.5));
    round_trip("stdp_gutig", syn, template);
}

#[test]
fn vogels_2011_round_trips() {
    // tau is also the post-synaptic trace's: one value for the projection.
    let rule = Vogels2011Rule::new(25.0, rd(1e-10, 5e-10), rd(2.0, 4.0));
    let syn = STDPMechanism::new(rule, AdditiveWeightDependence::new(rd(0.0, 0.005), rd(0.06, 0.1)))
        .with(rd(0.01, 0.05), rd(0.5, 3.0));
    let template = STDPMechanism::new(Vogels2011Rule::default(), AdditiveWeightDependence::new(0.0, 1.0));
    round_trip("vogels", syn, template);
}

// ------------------------------------------------------------ PointNeuron

/// A composed `PointNeuron` (AdExp membrane, an alpha and a beta
/// conductance receptor) round-trips: composition, every receptor's
/// parameters, initial values (also of the receptors' conductances) and
/// positions; the loaded population then gives the same membrane
/// potential sample by sample (exact: same parameters, same state, same
/// input), and projections can target its receptors by name.
#[test]
fn a_point_neuron_population_round_trips_its_composition() {
    use pynn::core::cells::{AdExp, AlphaPSR, BetaPSR, PointNeuron};
    use pynn::io::load_point_neuron;
    let cell = PointNeuron::new(
        AdExp { tau_m: 12.0, v_rest: -62.0, ..Default::default() },
        [
            ("AMPA", pynn::core::cells::PostSynapticResponse::from(AlphaPSR { tau_syn: 1.2, e_syn: 0.0 })),
            ("GABAA", BetaPSR { e_syn: -72.0, tau_rise: 0.3, tau_decay: 4.0 }.into()),
        ],
    )
    .unwrap();
    let info = CellType::info(&cell);
    let a = sim();
    let p = Population::with_label(&a, 3, cell, Some("composed")).unwrap();
    p.set("GABAA.tau_decay", vec![4.0, 5.0, 6.0]).unwrap();
    p.set("i_offset", vec![0.3, 0.5, 0.7]).unwrap();
    p.initialize("v", vec![-60.0, -55.0, -58.0]).unwrap();
    p.initialize("AMPA.gsyn", 0.01).unwrap();
    let path = tmp("composed.json");
    save_population(&p, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("CondBetaPostSynapticResponse") && text.contains("\"AdExp\""), "{text}");

    let b = sim();
    let q: Population<PointNeuron, Native> = load_point_neuron(&b, &path).unwrap();
    assert_eq!((q.label(), q.size(), q.celltype()), ("composed", 3, "PointNeuron"));
    let names: Vec<&str> = info.parameters.iter().map(|s| s.name).collect();
    assert!(names.contains(&"GABAA.tau_rise") && names.contains(&"a"), "{names:?}");
    for name in &names {
        assert_eq!(q.get(name).unwrap(), p.get(name).unwrap(), "{name}");
    }
    for name in ["v", "w", "AMPA.gsyn", "GABAA.gsyn"] {
        assert_eq!(q.get_initial_values(name).unwrap(), p.get_initial_values(name).unwrap(), "{name}");
    }
    assert_eq!(q.positions(), p.positions());

    // The same input through each receptor: the same potential.
    for (s, pop) in [(&a, &p), (&b, &q)] {
        let src = Population::new(s, 1, SpikeSourceArray::default()).unwrap();
        src.set("spike_times", vec![vec![2.0, 5.0, 9.0]]).unwrap();
        for (receptor, w) in [("AMPA", 0.01), ("GABAA", 0.02)] {
            Projection::new(&src, pop, &AllToAllConnector::new(), StaticSynapse::new(w, 1.0), Some(receptor)).unwrap();
        }
        pop.record("v", None).unwrap();
        s.run(20.0).unwrap();
    }
    let (vp, vq) = (p.get_data().unwrap(), q.get_data().unwrap());
    let v = &vp.segments[0].signal("v").unwrap().data;
    assert_eq!(v, &vq.segments[0].signal("v").unwrap().data);
    assert!(v.iter().any(|x| (x - v[0]).abs() > 0.1), "the input moved v");

    // The wrong loader, and a broken composition: errors naming the file's contents.
    let e = load_population::<IF_cond_exp, Native>(&sim(), &path).unwrap_err();
    assert!(e.to_string().contains("load_point_neuron"), "{e}");
    let broken = tmp("broken.json");
    std::fs::write(&broken, text.replace("CondBetaPostSynapticResponse", "CondGammaPostSynapticResponse")).unwrap();
    let e = load_point_neuron::<Native>(&sim(), &broken).unwrap_err();
    assert!(e.to_string().contains("CondGammaPostSynapticResponse") && e.to_string().contains("GABAA"), "{e}");
    let plain = tmp("exc_for_point.json");
    save_population(&Population::new(&sim(), 1, IF_curr_exp::default()).unwrap(), &plain).unwrap();
    let e = load_point_neuron::<Native>(&sim(), &plain).unwrap_err();
    assert!(e.to_string().contains("IF_curr_exp"), "{e}");
}

#[test]
fn simple_stochastic_round_trips() {
    let syn = SimpleStochasticSynapse::new(rd(0.01, 0.05), rd(0.5, 3.0), rd(0.1, 0.9));
    round_trip("simple_stochastic", syn, SimpleStochasticSynapse::default());
}

#[test]
fn stochastic_tsodyks_markram_round_trips() {
    let syn = StochasticTsodyksMarkramSynapse::new(
        rd(0.01, 0.05),
        rd(0.5, 3.0),
        rd(0.2, 0.8),
        rd(50.0, 150.0),
        rd(0.0, 20.0),
    );
    round_trip("stochastic_tsodyks_markram", syn, StochasticTsodyksMarkramSynapse::default());
}

#[test]
fn multi_quantal_round_trips() {
    // `n` is a whole number of release sites: one value here.
    let syn = MultiQuantalSynapse::new(rd(0.01, 0.05), rd(0.5, 3.0), rd(0.2, 0.8), 3.0, rd(50.0, 150.0), rd(0.0, 20.0));
    round_trip("multi_quantal", syn, MultiQuantalSynapse::default());
}
