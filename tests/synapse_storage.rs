//! The native engine's compact synapse storage: bytes per synapse for the
//! benchmark networks (issue 7's target: at most 12), and lossless,
//! order-preserving `get`/`set` of weights and delays whichever layout a
//! projection ends up in (one value, a palette, one value per synapse), also
//! when a connector lists the targets of a source out of shard order.

use pynn::prelude::*;

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, seed: 4, threads: 1, ..Setup::default() }).unwrap()
}

#[test]
fn va_cuba_network_uses_at_most_12_bytes_per_synapse() {
    // The VA CUBA connectivity (examples/va_cuba.rs): 3200 + 800 cells, four
    // FixedProbability(0.02) projections with one weight and one delay each.
    let sim = sim();
    let exc = Population::new(&sim, 3200, IF_curr_exp::default()).unwrap();
    let inh = Population::new(&sim, 800, IF_curr_exp::default()).unwrap();
    let fp = FixedProbabilityConnector::new(0.02);
    let mut n = 0;
    for (pre, w, receptor) in [(&exc, 0.0162, "excitatory"), (&inh, -0.09, "inhibitory")] {
        for post in [&exc, &inh] {
            n += Projection::new(pre, post, &fp, StaticSynapse::new(w, 0.2), Some(receptor)).unwrap().size();
        }
    }
    let m = sim.with_backend(|b| b.synapse_memory());
    assert_eq!(m.synapses, n);
    let per = m.bytes as f64 / n as f64;
    eprintln!("VA CUBA: {n} synapses, {per:.2} bytes each");
    // 2 bytes of target + 4-byte row pointers over the 3200/800 sources of
    // each (projection, shard): about 2.4 bytes.
    assert!(per <= 12.0 && per > 2.0, "{per} bytes per synapse");
}

#[test]
fn weights_and_delays_round_trip_in_every_layout() {
    let sim = sim();
    let a = Population::new(&sim, 50, IF_curr_exp::default()).unwrap();
    // 3000 targets: shards of 1024, so rows span three shards.
    let b = Population::new(&sim, 3000, IF_curr_exp::default()).unwrap();
    // Targets of each source listed from high to low index, i.e. out of
    // shard order: the engine must keep a permutation.
    let mut list = Vec::new();
    for i in 0..50 {
        for k in 0..40 {
            list.push((i, 2999 - (i * 37 + k * 71) % 3000));
        }
    }
    let prj =
        Projection::new(&a, &b, &FromListConnector::new(list.clone()), StaticSynapse::new(0.5, 1.0), None).unwrap();
    let pairs: Vec<(usize, usize)> = prj.get_list("weight").unwrap().iter().map(|(i, j, _)| (*i, *j)).collect();
    assert_eq!(pairs.len(), 2000);
    // Connection order as the core gives it (sorted by source, list order within a source).
    let mut expected = list.clone();
    expected.sort_by_key(|(i, _)| *i);
    assert_eq!(pairs, expected);
    let n = pairs.len();
    // Few distinct weights (palette), then all distinct (one per synapse),
    // then one value; delays likewise.
    let few: Vec<f64> = (0..n).map(|k| [0.1, 0.2, 0.30000000000000004, -0.0][k % 4]).collect();
    let all: Vec<f64> = (0..n).map(|k| 0.001 * k as f64 + 1e-17).collect();
    for w in [few.clone(), all.clone(), vec![0.7; n]] {
        prj.set("weight", w.clone()).unwrap();
        let got = prj.get_values("weight").unwrap();
        assert!(got.iter().zip(&w).all(|(x, y)| x.to_bits() == y.to_bits()), "weights not returned exactly");
    }
    let delays: Vec<f64> = (0..n).map(|k| 0.1 * (1 + k % 50) as f64).collect();
    prj.set("delay", delays.clone()).unwrap();
    let got = prj.get_values("delay").unwrap();
    assert!(got.iter().zip(&delays).all(|(x, y)| (x - y).abs() < 1e-12));
    let pairs2: Vec<(usize, usize)> = prj.get_list("weight").unwrap().iter().map(|(i, j, _)| (*i, *j)).collect();
    assert_eq!(pairs2, expected, "order kept after set");
}
