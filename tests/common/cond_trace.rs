//! Conductance-based cells driven spike train by spike train on the
//! native engine, shared by `tests/cond_default.rs` and
//! `tests/run_boundaries.rs`: the session, the drive, what the cells
//! recorded and the distance between two recordings.
#![allow(dead_code)] // each test file uses part of it

use pynn::core::CellType;
use pynn::prelude::*;

/// What one population recorded: spike times and `v` per cell.
pub struct Trace {
    pub spikes: Vec<Vec<f64>>,
    pub v: Vec<Vec<f64>>,
}

impl Trace {
    /// The spikes and `v` of the first `n` cells of `cells` (first segment).
    pub fn of<C: CellType>(cells: &Population<C, Native>, n: usize) -> Trace
    where
        Native: pynn::Supports<C>,
    {
        let b = cells.get_data().unwrap();
        let seg = &b.segments[0];
        let spikes = (0..n).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect();
        let v = (0..n).map(|i| seg.signal("v").unwrap().column(i)).collect();
        Trace { spikes, v }
    }
}

/// The largest |v_a - v_b| over every sample of every cell (infinite if
/// either is not finite).
pub fn max_dv(a: &Trace, b: &Trace) -> f64 {
    let mut m: f64 = 0.0;
    for (x, y) in a.v.iter().zip(&b.v) {
        assert_eq!(x.len(), y.len());
        for (p, q) in x.iter().zip(y) {
            let d = (p - q).abs();
            m = if d.is_finite() { m.max(d) } else { f64::INFINITY };
        }
    }
    m
}

/// A session on one thread with `solver`: dt 0.1 ms, `min_delay` 0.1 ms,
/// `max_delay` 2 ms.
pub fn session(solver: OdeSolver) -> Sim<Native> {
    let setup = Setup { timestep: 0.1, min_delay: 0.1, max_delay: 2.0, threads: 1, ..Setup::default() };
    Sim::<Native>::setup_with(setup, NativeOptions { ode_solver: solver }).unwrap()
}

/// Drives each cell of `cells` by its own spike train (`trains[i]`, ms)
/// through an excitatory and an inhibitory one-to-one connection of
/// weights `we`, `wi` (uS) and delays `delays` (ms).
pub fn drive_by_trains<C: CellType>(
    sim: &Sim<Native>,
    cells: &Population<C, Native>,
    trains: Vec<Vec<f64>>,
    (we, wi): (impl Into<Value>, impl Into<Value>),
    delays: (f64, f64),
) where
    Native: pynn::Supports<C>,
{
    let src = Population::<SpikeSourceArray, Native>::new(sim, trains.len(), SpikeSourceArray::default()).unwrap();
    src.set("spike_times", trains).unwrap();
    let one = OneToOneConnector;
    Projection::new(&src, cells, &one, StaticSynapse::new(we, delays.0), Some("excitatory")).unwrap();
    Projection::new(&src, cells, &one, StaticSynapse::new(wi, delays.1), Some("inhibitory")).unwrap();
}

/// xorshift64*, uniform in `[lo, hi)`: the per-cell values and inputs of
/// the random cases (proptest draws only the seed where it is used).
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let u = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * u
    }

    /// An index below `k`.
    pub fn pick(&mut self, k: usize) -> usize {
        (self.next(0.0, k as f64) as usize).min(k - 1)
    }
}
