//! Spike recording of the native engine across its boundaries: spikes
//! drained in chunks and sorted into trains once per segment, shards
//! without a recorded cell skipping the hand-over, Poisson cells firing
//! several times in a step (one entry with a count inside the engine),
//! recording changed between runs, `get_data` between runs of one
//! segment, several segments, spikes in a run's last step and at time 0,
//! populations of 4097 cells (a shard of 4096 and one of 1) and 1, 2 or 3
//! threads.
//!
//! The oracle is the same network on one thread recording every cell from
//! the start: recording does not change the dynamics, so a cell's trains
//! in any other run are the oracle's, restricted to the runs during which
//! the cell was recorded (a spike at time `t` belongs to the run that
//! ends at or after `t`; one at time 0 to the first). Times are compared
//! exactly: both sides compute `step * dt` from the same step.

use pynn::prelude::*;
use std::collections::BTreeMap;

/// Cells of the driven population and of its Poisson drive: one shard of
/// 4096 cells and one of a single cell.
const N: usize = 4097;

/// `(population, cell) -> spike times` of one segment (cells without a
/// spike absent).
type Trains = BTreeMap<(usize, usize), Vec<f64>>;

/// `(population, cell) -> [(from, to)]`: the runs (ms) during which a
/// cell's spikes were recorded.
type Windows = BTreeMap<(usize, usize), Vec<(f64, f64)>>;

/// What is recorded during a run: `(population, cells)`.
type Plan = Vec<(usize, Vec<usize>)>;

struct Net {
    sim: Sim<Native>,
    drive: Population<SpikeSourcePoisson, Native>,
    cells: Population<IF_curr_exp, Native>,
    array: Population<SpikeSourceArray, Native>,
}

/// `$body` with `$pop` the population numbered `$p` (0 drive, 1 driven
/// cells, 2 array source).
macro_rules! on {
    ($net:expr, $p:expr, $pop:ident => $body:expr) => {
        match $p {
            0 => {
                let $pop = &$net.drive;
                $body
            }
            1 => {
                let $pop = &$net.cells;
                $body
            }
            _ => {
                let $pop = &$net.array;
                $body
            }
        }
    };
}

/// The network: a Poisson drive (dense cells at 20 kHz and 300 kHz,
/// sparse cells at 50 Hz, silent ones, windows opening and closing inside
/// steps and inside blocks of 16 steps), one-to-one onto integrate-and-fire
/// cells that also inhibit each other sparsely, and an array source with
/// spikes at 0 ms, in the first step and in the last step of runs.
fn net(threads: usize) -> Net {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 1.0,
        max_delay: 2.0,
        seed: 99,
        threads,
        ..Setup::default()
    })
    .unwrap();
    let rate: Vec<f64> = (0..N).map(|i| [20_000.0, 50.0, 300_000.0, 0.0, 20_000.0, 12_000.0][i % 6]).collect();
    let start: Vec<f64> = (0..N).map(|i| if i % 7 == 3 { 0.05 + 0.01 * (i % 300) as f64 } else { 0.0 }).collect();
    let duration: Vec<f64> = (0..N).map(|i| if i % 11 == 4 { 2.37 + 0.1 * (i % 50) as f64 } else { 1e9 }).collect();
    let drive = Population::new(&sim, N, SpikeSourcePoisson::default()).unwrap();
    drive.set("rate", rate).unwrap();
    drive.set("start", start).unwrap();
    drive.set("duration", duration).unwrap();
    let cells = Population::new(&sim, N, IF_curr_exp::default()).unwrap();
    let array = Population::new(&sim, 3, SpikeSourceArray::default()).unwrap();
    array.set("spike_times", vec![vec![0.0, 3.7, 10.0], vec![0.1, 6.1, 15.0], vec![0.0, 6.0, 6.2]]).unwrap();
    Projection::new(&drive, &cells, &OneToOneConnector, StaticSynapse::new(0.2, 1.0), Some("excitatory")).unwrap();
    let sparse = FixedProbabilityConnector { p_connect: 0.002, allow_self_connections: false };
    Projection::new(&cells, &cells, &sparse, StaticSynapse::new(-0.5, 1.5), Some("inhibitory")).unwrap();
    let all_to_all = AllToAllConnector { allow_self_connections: true };
    Projection::new(&array, &cells, &all_to_all, StaticSynapse::new(3.0, 1.0), Some("excitatory")).unwrap();
    Net { sim, drive, cells, array }
}

/// The spikes of the last segment of every population.
fn trains(net: &Net) -> (Trains, usize) {
    let mut out = Trains::new();
    let mut segments = 0;
    for p in 0..3 {
        let block = on!(net, p, pop => pop.get_data_of("spikes").unwrap());
        segments = block.segments.len();
        for t in &block.segments.last().unwrap().spiketrains {
            if !t.times.is_empty() {
                out.insert((p, t.source_index), t.times.clone());
            }
        }
    }
    (out, segments)
}

/// One step of the schedule (both runs do the same, except recording).
enum Do {
    Run(f64),
    /// A new rate for every drive cell (between runs).
    SetRates,
    Reset,
    /// The recording plan from now on (the oracle records everything).
    Record(Plan),
    /// `get_data` now (the oracle does not).
    Peek,
}

fn schedule() -> Vec<Do> {
    use Do::*;
    vec![
        // Cells on both sides of the shard edge, the drive's last cell,
        // the array source (spikes at 0 ms and in the last step).
        Record(vec![(0, vec![0, 2, 4095, 4096]), (1, vec![0, 4095, 4096]), (2, vec![0, 1])]),
        Run(3.7),
        Peek,
        // Cells of the first shard only (the second skips the hand-over).
        Record(vec![(0, (100..140).collect()), (1, (17..400).collect())]),
        Run(2.4),
        Peek,
        SetRates,
        // The second shard only, and every cell of the array.
        Record(vec![(0, vec![4096]), (1, vec![4096]), (2, vec![0, 1, 2])]),
        Run(0.1),
        Run(3.8),
        Reset,
        // A new segment: every cell of the driven population.
        Record(vec![(1, (0..N).collect()), (0, (4000..N).collect())]),
        Run(1.65),
        Peek,
        Run(3.35),
    ]
}

/// Segments of `(trains, recorded windows)`: the oracle's trains, or
/// the trains of a run with the schedule's recording and the windows
/// `(population, cell) -> [(from, to)]` during which each was recorded.
fn play(threads: usize, oracle: bool) -> Vec<(Trains, Windows)> {
    let n = net(threads);
    let mut segments = Vec::new();
    let mut windows: Windows = BTreeMap::new();
    let mut plan: Plan = Vec::new();
    let mut finished = 0;
    if oracle {
        for p in 0..3 {
            on!(n, p, pop => pop.record("spikes", None).unwrap());
        }
    }
    for what in schedule() {
        match what {
            Do::Run(t) => {
                let from = n.sim.get_current_time();
                let to = n.sim.run(t).unwrap();
                for (p, cells) in &plan {
                    for &c in cells {
                        windows.entry((*p, c)).or_default().push((from, to));
                    }
                }
            }
            Do::SetRates => {
                n.drive.set("rate", (0..N).map(|i| [5_000.0, 31_000.0, 80.0][i % 3]).collect::<Vec<f64>>()).unwrap();
            }
            Do::Reset => {
                let (t, _) = trains(&n);
                segments.push((t, std::mem::take(&mut windows)));
                n.sim.reset().unwrap();
                finished += 1;
            }
            Do::Record(new) if !oracle => {
                for p in 0..3 {
                    on!(n, p, pop => pop.record_none().unwrap());
                }
                for (p, cells) in &new {
                    on!(n, *p, pop => pop.view(cells.clone()).unwrap().record("spikes", None).unwrap());
                }
                plan = new;
            }
            Do::Peek if !oracle => {
                // What is there so far must already be right.
                let (t, segs) = trains(&n);
                segments.push((t, windows.clone()));
                assert_eq!(segs, finished + 1, "segments so far");
            }
            Do::Record(_) | Do::Peek => {}
        }
    }
    let (t, _) = trains(&n);
    segments.push((t, windows));
    segments
}

/// The oracle's trains restricted to the windows.
fn restricted(oracle: &Trains, windows: &Windows) -> Trains {
    let mut out = Trains::new();
    for (key, times) in oracle {
        let Some(w) = windows.get(key) else { continue };
        // A spike at t is recorded by the run (from, to] holding it; one
        // at 0 by a run from 0.
        let kept: Vec<f64> = times
            .iter()
            .copied()
            .filter(|&t| w.iter().any(|&(a, b)| (t > a || (t == 0.0 && a == 0.0)) && t <= b))
            .collect();
        if !kept.is_empty() {
            out.insert(*key, kept);
        }
    }
    out
}

#[test]
fn recorded_spikes_are_the_oracles_in_every_recorded_window_on_1_2_and_3_threads() {
    let oracle = play(1, true);
    assert_eq!(oracle.len(), 2, "two segments");
    // The oracle itself: every kind of spike it should hold.
    let (first, second) = (&oracle[0].0, &oracle[1].0);
    let count = |t: &Trains, p: usize| t.iter().filter(|(k, _)| k.0 == p).map(|(_, v)| v.len()).sum::<usize>();
    let repeated = first.iter().filter(|(k, v)| k.0 == 0 && v.windows(2).any(|w| w[0] == w[1])).count();
    assert!(repeated > 100, "{repeated} drive cells with two spikes in one step");
    assert_eq!(first.get(&(2, 0)), Some(&vec![0.0, 3.7, 10.0]), "the array's spikes at 0, 3.7 and 10 ms");
    assert!(count(first, 1) > 100 && count(second, 1) > 100, "the driven cells fire");
    assert!(first.keys().any(|k| *k == (1, 4096)) && first.keys().any(|k| *k == (0, 4096)), "the last cells fire");
    for threads in [1, 2, 3] {
        let got = play(threads, false);
        // Segment 0 as seen after 3.7 and 6.1 ms, then whole; segment 1
        // after 1.65 ms, then whole.
        assert_eq!(got.len(), 5, "{threads} threads");
        let which = [0, 0, 0, 1, 1];
        let mut nonempty = 0;
        for (k, (trains, windows)) in got.iter().enumerate() {
            let want = restricted(&oracle[which[k]].0, windows);
            nonempty += want.len();
            assert_eq!(
                trains.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>(),
                "{threads} threads, view {k}: cells"
            );
            for (key, times) in &want {
                assert_eq!(&trains[key], times, "{threads} threads, view {k}, cell {key:?}");
            }
        }
        assert!(nonempty > 300, "{threads} threads: {nonempty} recorded trains");
    }
}
