//! The native engine's precise kernels (`spike_precision = "off_grid"`,
//! `pynn-backends/src/native/precise.rs`) on their own: a digest of their
//! output that pins them bit for bit, and what they refuse.
//!
//! The agreement with NEST's `iaf_psc_*_ps` models is tested in
//! `tests/precise_spikes.rs`; this file needs no external simulator.

use pynn::SpikePrecision;
use pynn::prelude::*;

fn setup() -> Setup {
    Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 5.0,
        seed: 11,
        threads: 1,
        spike_precision: SpikePrecision::OffGrid,
        ..Setup::default()
    }
}

/// FNV-1a over 64-bit words.
fn fnv(words: impl IntoIterator<Item = u64>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for w in words {
        for b in w.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A recurrent network of 60 cells of type `C` (DC drive per cell, 48
/// excitatory and 12 inhibitory, fixed-probability connections with three
/// delays) driven by a SpikeSourceArray with times on and off the grid,
/// 200 ms. Returns (spike count, spikes off the grid, digest of every spike
/// time's bits and of the membrane trace of three cells).
fn network<C>(cell: C, w: [f64; 3]) -> (usize, usize, u64)
where
    C: pynn::core::cells::CellType,
    Native: pynn::core::backend::Supports<C>,
{
    let sim = Sim::<Native>::setup(setup()).unwrap();
    let n = 60;
    let cells = Population::<C, Native>::new(&sim, n, cell).unwrap();
    cells.set("i_offset", (0..n).map(|i| 0.55 + 0.01 * i as f64).collect::<Vec<_>>()).unwrap();
    cells.initialize("v", (0..n).map(|i| -65.0 + 0.2 * i as f64).collect::<Vec<_>>()).unwrap();
    let exc = cells.view((0..48).collect::<Vec<_>>()).unwrap();
    let inh = cells.view((48..60).collect::<Vec<_>>()).unwrap();
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 10, SpikeSourceArray::default()).unwrap();
    // Half the sources on the grid, half 0.0137 ms after a grid point.
    let trains: Vec<Vec<f64>> = (0..10u64)
        .map(|i| {
            (0..10u64).map(|k| (5 + i * 7 + k * 190) as f64 / 10.0 + if i % 2 == 1 { 0.0137 } else { 0.0 }).collect()
        })
        .collect();
    src.set("spike_times", trains).unwrap();
    let p = FixedProbabilityConnector::new(0.2);
    Projection::new(&src, &cells, &p, StaticSynapse::new(w[0], 1.0), Some("excitatory")).unwrap();
    Projection::new(&exc, &cells, &p, StaticSynapse::new(w[1], 1.5), Some("excitatory")).unwrap();
    Projection::new(&inh, &cells, &p, StaticSynapse::new(w[2], 0.8), Some("inhibitory")).unwrap();
    cells.record(["spikes"], None).unwrap();
    cells.view(vec![0, 30, 55]).unwrap().record(["v"], None).unwrap();
    sim.run(200.0).unwrap();
    let block = cells.get_data().unwrap();
    let seg = &block.segments[0];
    let mut words = Vec::new();
    let (mut count, mut off) = (0, 0);
    for i in 0..n {
        let times = &seg.spiketrain(i).unwrap().times;
        count += times.len();
        off += times.iter().filter(|t| ((*t / 0.1) - (*t / 0.1).round()).abs() > 1e-6).count();
        words.push(i as u64);
        words.extend(times.iter().map(|t| t.to_bits()));
    }
    for sig in &seg.analogsignals {
        for c in 0..sig.channel_index.len() {
            words.extend(sig.column(c).iter().map(|v| v.to_bits()));
        }
    }
    sim.end().unwrap();
    (count, off, fnv(words))
}

/// The three precise kernels' output, bit for bit. The digests were
/// recorded on `main` at 5c78060, before the three step loops became one
/// generic event loop; that change (and any later one that only
/// restructures or speeds up the kernels) must leave every spike time and
/// every sample of the traces bit-identical (x86-64 Linux, glibc's `exp`,
/// `expm1`, `ln`). A change that alters the numerics on purpose records new
/// digests and says why. Each network must spike plenty, mostly off the
/// grid (exp 700 of 700, alpha 398 of 398, delta 374 of 492), so the digest covers crossings, refractory ends and off-grid input.
#[test]
fn precise_kernels_are_bit_identical_to_their_recorded_output() {
    let runs = [
        (
            "IF_curr_exp",
            network(IF_curr_exp { tau_refrac: 2.0, v_thresh: -52.0, ..Default::default() }, [0.8, 0.2, -0.6]),
        ),
        (
            "IF_curr_alpha",
            network(IF_curr_alpha { tau_refrac: 2.0, v_thresh: -52.0, ..Default::default() }, [0.5, 0.12, -0.4]),
        ),
        (
            "IF_curr_delta",
            network(IF_curr_delta { tau_refrac: 2.0, v_thresh: -52.0, ..Default::default() }, [1.5, 0.4, -1.0]),
        ),
    ];
    for (name, (count, off, digest)) in &runs {
        println!("{name}: {count} spikes, {off} off the grid, digest {digest:#018x}");
    }
    for (name, (count, off, _)) in &runs {
        assert!(*count > 200, "{name}: the network must spike: {count}");
        // (IF_curr_delta spikes at the grid-time input's jumps too.)
        assert!(*off * 3 > *count * 2, "{name}: spikes must lie off the grid: {off} of {count}");
    }
    let want: [u64; 3] = [0xf609_92cc_cc8e_4515, 0xd7dd_387e_aa8b_c647, 0xf58c_9a73_48c9_9b89];
    let got: Vec<u64> = runs.iter().map(|r| r.1.2).collect();
    assert_eq!(got, want, "digests changed (exp, alpha, delta)");
}

/// Plastic synapses onto precise cells are refused on the native engine
/// (`Error::Unsupported`, which programs can tell from bad input), naming
/// the population, the projection, `off_grid` and the ways out, for STDP
/// and for Tsodyks-Markram; the same projections onto a grid model under
/// `off_grid`, and static synapses onto precise cells, are accepted.
/// (NEST's `stdp_synapse` onto `*_ps` cells pairs the pre-synaptic spike's
/// grid stamp, `e.get_stamp().get_ms()` in `models/stdp_synapse.h`, with
/// the post-synaptic history at its precise time, `t_sp.get_ms() - offset`
/// in `nestkernel/archiving_node.cpp`; the native STDP keeps both on the
/// grid, so it refuses rather than differ.)
#[test]
fn plastic_synapses_onto_precise_cells_are_unsupported() {
    let sim = Sim::<Native>::setup(setup()).unwrap();
    let pre = Population::<SpikeSourceArray, Native>::new(&sim, 2, SpikeSourceArray::default()).unwrap();
    let post =
        Population::<IF_curr_exp, Native>::with_label(&sim, 2, IF_curr_exp::default(), Some("precise cells")).unwrap();
    let grid = Population::<IF_cond_exp, Native>::new(&sim, 2, IF_cond_exp::default()).unwrap();
    let all = AllToAllConnector::default();
    let stdp = STDPMechanism::new(SpikePairRule::default(), AdditiveWeightDependence::new(0.0, 1.0)).with(0.5, 1.0);
    let err = Projection::new(&pre, &post, &all, stdp.clone(), Some("excitatory")).unwrap_err();
    assert!(err.is_unsupported(), "{err:?}");
    let e = err.to_string();
    assert!(e.contains("precise cells") && e.contains("off_grid") && e.contains("on_grid"), "{e}");
    let tm = TsodyksMarkramSynapse::new(0.5, 1.0, 0.5, 100.0, 0.0);
    let err = Projection::new(&pre, &post, &all, tm, Some("excitatory")).unwrap_err();
    assert!(err.is_unsupported() && err.to_string().contains("precise cells"), "{err:?}");
    // Grid cells under off_grid keep their plastic synapses; static
    // synapses onto precise cells are the supported path.
    Projection::new(&pre, &grid, &all, stdp, Some("excitatory")).unwrap();
    Projection::new(&pre, &post, &all, StaticSynapse::new(0.5, 1.0), Some("excitatory")).unwrap();
    sim.end().unwrap();
}
