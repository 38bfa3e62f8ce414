//! The native engine's compact synapse storage: bytes per synapse for the
//! benchmark networks (issue 7's target: at most 12), and lossless,
//! order-preserving `get`/`set` of weights and delays whichever layout a
//! projection ends up in (one value, a palette, one value per synapse), also
//! when a connector lists the targets of a source out of shard order.

use pynn::backends::native::SynapseMemory;
use pynn::connectors::{Connector, Number};
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

/// Membrane trace of a lone cell receiving one spike at 10 ms through a
/// static synapse `(w, d)`: the oracle for [`palette_boundary_keeps_every_value`].
fn lone_trace(w: f64, d: f64, t_end: f64) -> Vec<f64> {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 30.0,
        seed: 4,
        threads: 1,
        ..Setup::default()
    })
    .unwrap();
    let src = Population::new(&sim, 1, SpikeSourceArray { spike_times: vec![10.0] }).unwrap();
    let cell = Population::new(&sim, 1, IF_curr_exp::default()).unwrap();
    Projection::new(&src, &cell, &FromListConnector::new(vec![(0, 0)]), StaticSynapse::new(w, d), None).unwrap();
    cell.record("v", None).unwrap();
    sim.run(t_end).unwrap();
    cell.get_data().unwrap().segments[0].analogsignals[0].data.clone()
}

/// Weights and delays take `v` distinct values over 1024 synapses, for
/// `v` = 255, 256 (the most a `u8` palette holds) and 257 (one value per
/// synapse): given at creation or by `set`, they come back exactly, and
/// every target (one synapse each, in a two-shard population) receives
/// exactly its own weight at its own delay: its trace equals a lone cell's
/// bit for bit (the ring slot starts at 0, so the delivered sum is the
/// weight itself, and the kernel's operations are the same per cell).
/// The bytes used show which layout each case took.
#[test]
fn palette_boundary_keeps_every_value() {
    const T_END: f64 = 37.0;
    let weight = |i: usize| 0.5 + i as f64 / 512.0;
    let delay = |i: usize| 0.1 * (1 + i) as f64;
    let mut bytes = Vec::new();
    let mut lone = std::collections::HashMap::new();
    for v in [255usize, 256, 257] {
        for by_set in [false, true] {
            let sim = Sim::<Native>::setup(Setup {
                timestep: 0.1,
                min_delay: 0.1,
                max_delay: 30.0,
                seed: 4,
                threads: 1,
                ..Setup::default()
            })
            .unwrap();
            let src = Population::new(&sim, 4, SpikeSourceArray { spike_times: vec![10.0] }).unwrap();
            // 1200 cells: shards of 1024 and 176.
            let post = Population::new(&sim, 1200, IF_curr_exp::default()).unwrap();
            // Target k from source k % 4, targets of a source from high to low.
            let pairs: Vec<(usize, usize)> = (0..1024).rev().map(|k| (k % 4, k)).collect();
            let list = FromListConnector::new(pairs.clone());
            // List order (`get`, `set`) is by source; value index of the
            // connection to target k: k % v.
            let mut ordered = pairs.clone();
            ordered.sort_by_key(|p| p.0);
            let w: Vec<f64> = ordered.iter().map(|&(_, k)| weight(k % v)).collect();
            let d: Vec<f64> = ordered.iter().map(|&(_, k)| delay(k % v)).collect();
            // At creation, one value per connection in the connector's order.
            let wc: Vec<f64> = pairs.iter().map(|&(_, k)| weight(k % v)).collect();
            let dc: Vec<f64> = pairs.iter().map(|&(_, k)| delay(k % v)).collect();
            let syn = if by_set { StaticSynapse::new(1.0, 1.0) } else { StaticSynapse::new(wc, dc) };
            let prj = Projection::new(&src, &post, &list, syn, None).unwrap();
            // The synapses in the order of `ordered` (FromList keeps list order within a source).
            let got: Vec<(usize, usize)> = prj.get_list("weight").unwrap().iter().map(|c| (c.0, c.1)).collect();
            assert_eq!(got, ordered);
            if by_set {
                prj.set("weight", w.clone()).unwrap();
                prj.set("delay", d.clone()).unwrap();
            } else {
                bytes.push(sim.with_backend(|b| b.synapse_memory()).bytes);
            }
            let gw = prj.get_values("weight").unwrap();
            assert!(gw.iter().zip(&w).all(|(a, b)| a.to_bits() == b.to_bits()), "{v} weights (set: {by_set})");
            let gd = prj.get_values("delay").unwrap();
            // Delays are kept in steps: within 1e-12 ms of the value given.
            assert!(gd.iter().zip(&d).all(|(a, b)| (a - b).abs() < 1e-12), "{v} delays (set: {by_set})");
            post.record("v", None).unwrap();
            sim.run(T_END).unwrap();
            let sig = post.get_data().unwrap().segments[0].analogsignals[0].clone();
            let width = sig.channel_index.len();
            assert_eq!(width, 1200);
            for c in 0..1200 {
                let trace: Vec<f64> = (0..sig.n_samples()).map(|r| sig.data[r * width + c]).collect();
                if c >= 1024 {
                    assert!(trace.iter().all(|x| *x == -65.0), "cell {c} has no synapse but moved");
                    continue;
                }
                let i = c % v;
                let want = lone.entry(i).or_insert_with(|| lone_trace(weight(i), delay(i), T_END));
                assert!(
                    trace.iter().zip(want.iter()).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{v} values (set: {by_set}): cell {c} (weight {}, delay {}) differs from a lone cell",
                    weight(i),
                    delay(i)
                );
            }
        }
    }
    // 255 -> 256 values: one more palette entry each (8 + 2 bytes);
    // 256 -> 257: one index byte per synapse and the palettes give way to
    // one f64 weight and one u16 delay per synapse: 1024 * (8 + 2) -
    // (1024 + 256 * 8 + 1024 + 256 * 2).
    assert_eq!(bytes[1] - bytes[0], 10, "{bytes:?}");
    assert_eq!(bytes[2] as i64 - bytes[1] as i64, 1024 * 10 - (1024 + 2048 + 1024 + 512), "{bytes:?}");
}

/// A palette is shared by every shard of a projection and is counted once
/// by `synapse_memory`: 1200 synapses into both shards of a 1200-cell
/// population (1024 + 176) with 256 distinct weights take exactly one
/// index byte per synapse and one palette of 256 f64 more than the same
/// synapses with one weight (stored once, as no bytes).
#[test]
fn shared_palette_is_counted_once() {
    let bytes = |distinct: bool| {
        let sim = sim();
        let src = Population::new(&sim, 4, SpikeSourceArray::default()).unwrap();
        let post = Population::new(&sim, 1200, IF_curr_exp::default()).unwrap();
        let pairs: Vec<(usize, usize)> = (0..1200).map(|k| (k % 4, k)).collect();
        let w: Vec<f64> = (0..1200).map(|k| if distinct { 0.5 + (k % 256) as f64 / 512.0 } else { 0.5 }).collect();
        Projection::new(&src, &post, &FromListConnector::new(pairs), StaticSynapse::new(w, 1.0), None).unwrap();
        sim.with_backend(|b| b.synapse_memory())
    };
    let (palette, same) = (bytes(true), bytes(false));
    assert_eq!(palette.synapses, 1200);
    assert_eq!(palette.bytes - same.bytes, 1200 + 256 * 8, "{palette:?} vs {same:?}");
}

/// The layout of a projection's weights and delays is the smallest of the
/// three (module docs of `native`): 10 synapses with 10 distinct weights
/// and delays take 10 f64 and 10 u16 (100 bytes), not 10 index bytes per
/// column plus palettes of 10 f64 and 10 u16 (120 bytes); 1000 synapses
/// with 10 distinct values take the palette (1000 index bytes per column
/// plus the palettes, instead of 1000 f64 and 1000 u16).
#[test]
fn layout_is_the_smallest_of_the_three() {
    let bytes = |n: usize, distinct: bool| {
        let sim = sim();
        let src = Population::new(&sim, 1, SpikeSourceArray::default()).unwrap();
        let post = Population::new(&sim, 1000, IF_curr_exp::default()).unwrap();
        let pairs: Vec<(usize, usize)> = (0..n).map(|k| (0, k)).collect();
        let value = |k: usize, base: f64| if distinct { base + (k % 10) as f64 * 0.1 } else { base };
        let w: Vec<f64> = (0..n).map(|k| value(k, 0.5)).collect();
        let d: Vec<f64> = (0..n).map(|k| value(k, 1.0)).collect();
        Projection::new(&src, &post, &FromListConnector::new(pairs), StaticSynapse::new(w, d), None).unwrap();
        sim.with_backend(|b| b.synapse_memory()).bytes
    };
    assert_eq!(bytes(10, true) - bytes(10, false), 10 * (8 + 2));
    assert_eq!(bytes(1000, true) - bytes(1000, false), 1000 * 2 + 10 * (8 + 2));
}

/// A projection's list (pre, post, weight), its delays and the engine's
/// synapse memory.
type Built = (Vec<(usize, usize, f64)>, Vec<f64>, SynapseMemory);

/// Builds `pre -> post` with `connector` (streamed: the engine packs each
/// target shard's rows as they are generated, issue 17) and the same
/// connections again from their list (`FromListConnector`: the whole-list
/// path), and returns both projections' connections, delays and memory.
fn streamed_and_listed(threads: usize, connector: &dyn Connector, weight: f64, receptor: Option<&str>) -> [Built; 2] {
    let (streamed, listed, _) = built_three_ways(threads, connector, weight, receptor, false);
    [streamed, listed]
}

/// As [`streamed_and_listed`], plus (if `via_connect`) the same connector
/// built through its whole list (`Connector::connect`): the weight given as
/// an n_pre x n_post array of one value keeps the projection off the
/// streamed path without changing a connection, weight, delay or row.
fn built_three_ways(
    threads: usize,
    connector: &dyn Connector,
    weight: f64,
    receptor: Option<&str>,
    via_connect: bool,
) -> (Built, Built, Option<Built>) {
    let build = |list: Option<&[(usize, usize)]>, array: bool| {
        let sim = Sim::<Native>::setup(Setup {
            timestep: 0.1,
            min_delay: 0.1,
            max_delay: 10.0,
            seed: 4,
            threads,
            ..Setup::default()
        })
        .unwrap();
        // 700 + 3000 cells: shards of 256 (3 of them, the last 188) and
        // 2048 + 952, so the post side spans five shards of two populations.
        let a = Population::new(&sim, 700, IF_curr_exp::default()).unwrap();
        let b = Population::new(&sim, 3000, IF_curr_exp::default()).unwrap();
        let post = Assembly::new(&[&a, &b]).unwrap();
        let syn =
            if array { StaticSynapse::new(vec![weight; 700 * 3700], 1.3) } else { StaticSynapse::new(weight, 1.3) };
        let prj = match list {
            None => Projection::new(&a, &post, connector, syn, receptor).unwrap(),
            Some(l) => Projection::new(&a, &post, &FromListConnector::new(l.to_vec()), syn, receptor).unwrap(),
        };
        let got = (
            prj.get_list("weight").unwrap(),
            prj.get_values("delay").unwrap(),
            sim.with_backend(|b| b.synapse_memory()),
        );
        sim.end().unwrap();
        got
    };
    let streamed = build(None, false);
    let list: Vec<(usize, usize)> = streamed.0.iter().map(|(i, j, _)| (*i, *j)).collect();
    let listed = build(Some(&list), false);
    let connected = via_connect.then(|| build(None, true));
    (streamed, listed, connected)
}

/// (connector, weight, receptor, expected connections, tolerance,
/// self-connections excluded).
type Case<'a> = (&'a dyn Connector, f64, Option<&'a str>, usize, usize, bool);

#[test]
fn streamed_fixed_probability_and_all_to_all_equal_their_whole_list() {
    // Exact equality with the list `connect` gives (before issue 17 these
    // connectors always took that path): connections in the same order,
    // bits of weights and delays, bytes of the rows; for 1 and 2 threads.
    // The post side spans five shards of two populations, and the first
    // piece of each shard is 64 posts, so ranges start at post positions
    // that are not multiples of a ChaCha block (700: word 1400).
    for threads in [1, 2] {
        let fp = FixedProbabilityConnector::new(0.05);
        let fp_no_self = FixedProbabilityConnector { p_connect: 0.3, allow_self_connections: false };
        let all = AllToAllConnector::new();
        let all_no_self = AllToAllConnector { allow_self_connections: false };
        // (connector, weight, receptor, expected connections, tolerance,
        // self-connections excluded). Binomial counts: 0.05 * 700 * 3700 =
        // 129 500, sd 354; 0.3 * (700 * 3700 - 700) = 776 790, sd 745:
        // tolerances of 6 sd (the streams are fixed by the seed, so this
        // only guards against a gross change of rule).
        let cases: [Case; 5] = [
            (&fp, 0.25, Some("excitatory"), 129_500, 2_200, false),
            (&fp_no_self, -0.5, Some("inhibitory"), 776_790, 4_500, true),
            (&fp, 0.5, None, 129_500, 2_200, false),
            (&all, 0.5, None, 700 * 3700, 0, false),
            (&all_no_self, 0.5, None, 700 * 3700 - 700, 0, true),
        ];
        for (connector, w, receptor, n, tolerance, no_self) in cases {
            let (streamed, listed, connected) = built_three_ways(threads, connector, w, receptor, true);
            let connected = connected.expect("built via connect");
            let what = format!("{}, {threads} threads", connector.name());
            assert!(streamed.0.len().abs_diff(n) <= tolerance, "{what}: {} connections", streamed.0.len());
            assert_eq!(streamed.0, connected.0, "{what}: list of connect");
            assert_eq!(streamed.1, connected.1, "{what}");
            assert_eq!(streamed.2, connected.2, "{what}: rows");
            assert_eq!(streamed.0, listed.0, "{what}: FromList");
            assert_eq!(streamed.1, listed.1, "{what}");
            assert_eq!(streamed.2, listed.2, "{what}: rows");
            assert!(streamed.1.iter().all(|d| *d == 1.3));
            assert!(streamed.0.iter().all(|(_, _, x)| *x == w));
            if no_self {
                // Pre `a` is also the first 700 post cells.
                assert!(streamed.0.iter().all(|(i, j, _)| i != j), "{what}: no self-connection");
            }
        }
    }
}

#[test]
fn streamed_rows_equal_the_rows_of_the_whole_list() {
    // Exact equality (bits of weights and delays, order of the list, bytes
    // of the rows): the two paths must build the same rows.
    for threads in [1, 2] {
        let multapses = FixedNumberPreConnector { n: 40.into(), allow_self_connections: true, with_replacement: true };
        let no_self = FixedNumberPreConnector { n: 25.into(), allow_self_connections: false, with_replacement: false };
        for (connector, w, receptor) in
            [(&multapses, 0.25, Some("excitatory")), (&no_self, -0.5, Some("inhibitory")), (&no_self, 0.5, None)]
        {
            let [streamed, listed] = streamed_and_listed(threads, connector, w, receptor);
            assert_eq!(streamed.0.len(), connector_n(connector) * 3700);
            assert_eq!(streamed.0, listed.0, "{connector:?}, {threads} threads");
            assert_eq!(streamed.1, listed.1);
            assert!(streamed.1.iter().all(|d| *d == 1.3));
            assert_eq!(streamed.2, listed.2);
            if !connector.allow_self_connections {
                assert!(streamed.0.iter().all(|(i, j, _)| i != j), "no self-connection");
            }
        }
    }
}

fn connector_n(c: &FixedNumberPreConnector) -> usize {
    match c.n {
        Number::Fixed(n) => n,
        Number::Random(_) => unreachable!(),
    }
}
