//! The native engine's compact synapse storage: bytes per synapse for the
//! benchmark networks (issue 7's target: at most 12), and lossless,
//! order-preserving `get`/`set` of weights and delays whichever layout a
//! projection ends up in (one value, a palette, one value per synapse), also
//! when a connector lists the targets of a source out of shard order.

use pynn::prelude::*;

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 10.0,
        seed: 4,
        threads: 1,
        ..Setup::default()
    })
    .unwrap()
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
    // each (projection, shard): about 2.2 bytes.
    assert!(per <= 12.0 && per > 2.0, "{per} bytes per synapse");
}

#[test]
fn weights_and_delays_round_trip_in_every_layout() {
    let sim = sim();
    let a = Population::new(&sim, 50, IF_curr_exp::default()).unwrap();
    // 3000 targets: shards of 2048 and 952 cells, so rows span two shards.
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

/// A one-to-one projection from a high-rate Poisson population (two spikes
/// per cell and step on average, so multiplicities) is stored "diagonally"
/// and delivered without row lookups. The same network with one extra
/// zero-weight synapse (which makes the rows irregular, so the general
/// delivery runs) must give bit-identical membrane potentials: `x + 0.0`
/// is `x`, so only a difference between the two delivery paths could
/// change them.
#[test]
fn diagonal_delivery_equals_general_delivery() {
    let run = |extra_synapse: bool| {
        let sim = sim();
        // 3000 cells: shards of 2048 and 952, the drive's shards aligned with them.
        let drive = Population::new(&sim, 3000, SpikeSourcePoisson { rate: 20_000.0, ..Default::default() }).unwrap();
        let cells = Population::new(
            &sim,
            3000,
            IF_curr_delta { v_thresh: 1e9, v_rest: 0.0, v_reset: 0.0, i_offset: 0.0, ..Default::default() },
        )
        .unwrap();
        cells.initialize("v", 0.0).unwrap();
        let mut pairs: Vec<(usize, usize)> = (0..3000).map(|i| (i, i)).collect();
        let mut weights = vec![0.01; 3000];
        if extra_synapse {
            pairs.push((5, 6));
            weights.push(0.0);
        }
        let list = FromListConnector::new(pairs);
        let syn = StaticSynapse::new(weights, 1.0);
        Projection::new(&drive, &cells, &list, syn, Some("excitatory")).unwrap();
        cells.record("v", None).unwrap();
        sim.run(20.0).unwrap();
        let block = cells.get_data().unwrap();
        block.segments[0].analogsignals[0].clone()
    };
    let (diagonal, general) = (run(false), run(true));
    assert_eq!(diagonal.data, general.data);
    // Input arrived: 20 kHz x 0.01 mV for 19 ms, decaying with tau_m = 20 ms:
    // about 3 mV after 20 ms.
    let width = diagonal.channel_index.len();
    let last = &diagonal.data[diagonal.data.len() - width..];
    assert!(last.iter().all(|v| *v > 1.0 && *v < 6.0), "{:?}", &last[..4]);
}
