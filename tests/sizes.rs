//! Sizes, indices and offsets across every boundary of the native engine.

use pynn::prelude::*;

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 10.0,
        seed: 13,
        threads: 1,
        ..Setup::default()
    })
    .unwrap()
}

/// Issue 13: one spike through a Tsodyks–Markram synapse (U = 1, so the
/// first spike transmits exactly the weight) onto cell 700 of a 1000-cell
/// population (shards of 512 cells) must move cell 700, exactly as a
/// static synapse of the same weight does.
#[test]
fn tsodyks_markram_onto_second_shard_of_1000_cells_hits_its_target() {
    let run = |plastic: bool| {
        let sim = sim();
        let pre = Population::new(&sim, 1, SpikeSourceArray { spike_times: vec![10.0] }).unwrap();
        let post = Population::new(&sim, 1000, IF_curr_exp::default()).unwrap();
        let list = FromListConnector::new(vec![(0, 700)]);
        if plastic {
            Projection::new(&pre, &post, &list, TsodyksMarkramSynapse::new(1.0, 1.0, 1.0, 0.1, 0.0), None).unwrap();
        } else {
            Projection::new(&pre, &post, &list, StaticSynapse::new(1.0, 1.0), None).unwrap();
        }
        post.record("v", None).unwrap();
        sim.run(15.0).unwrap();
        let block = post.get_data().unwrap();
        block.segments[0].analogsignals[0].clone()
    };
    let (stat, tm) = (run(false), run(true));
    let width = stat.channel_index.len();
    let last = |s: &pynn::core::data::AnalogSignal| s.data[s.data.len() - width..].to_vec();
    // The static synapse moves cell 700 (about 3 mV), no other cell.
    let v = last(&stat);
    assert!(v[700] > -64.0, "static: cell 700 at {}", v[700]);
    assert!(v.iter().enumerate().all(|(i, x)| i == 700 || *x == -65.0));
    // Tsodyks–Markram: bit for bit the same traces.
    let w = last(&tm);
    assert_eq!(w[700], v[700], "TM: cell 700 at {} (others moved: {:?})", w[700], moved(&w));
    assert_eq!(tm.data, stat.data);
}

fn moved(v: &[f64]) -> Vec<usize> {
    v.iter().enumerate().filter(|(_, x)| **x != -65.0).map(|(i, _)| i).collect()
}
