//! The native default for the conductance-based IF models,
//! [`OdeSolver::Auto`] (RK4 on `v` with exact conductances where an
//! a-priori bound keeps RK4's local error within NEST's tolerance; NEST's
//! RKF45 for a cell and step otherwise, `pynn-backends/src/native/cond.rs`),
//! attacked at the edges of PyNN's parameter ranges, where a silent wrong
//! result could hide. `tests/cond_default.rs` covers moderate random
//! parameters on 20 cells, stiff single cells and small networks;
//! `tests/run_boundaries.rs` one fixed protocol of changes between runs on
//! 24 cells. This file adds:
//!
//! * a property test of `Auto` against [`OdeSolver::Rkf45`] (NEST's
//!   trajectories to rounding) over random, valid parameters drawn with
//!   their edges (`tau_syn` 0.01 ms and 50 ms, `tau_m` 0.3 ms, `cm` 5 pF
//!   and 5 nF, `v_thresh` just below `e_rev_E` and above it, `e_rev_I`
//!   above `v_rest`, `tau_refrac` 0 and below `dt`, inhibitory and
//!   excitatory kicks of several uS), DC and step current sources switched
//!   on and off mid-run, shared and per-cell parameters, sizes at the
//!   block boundaries of the fixed-step pass (1, 7, 127, 128, 129, 255,
//!   257 cells: blocks of 128, vector lanes of 8), `set` and `initialize`
//!   between runs, `reset`, 1 and 2 threads, both models;
//! * in the same cases: `Auto` on 1 and 2 threads bit for bit (the cells
//!   the guard sends to RKF45 are the same: a cell that took the other
//!   path would differ in its bits; the fallback count itself is not
//!   public), and shared against per-cell parameters bit for bit;
//! * the guard's claim, against an independent converged integration of
//!   the same equations written here: every step `Auto` takes by RK4 is
//!   within NEST's absolute tolerance, 1e-3 mV, and every other step is
//!   NEST's RKF45 step from the same state (`Rkf45`'s result);
//! * a step that starts above threshold (after `initialize` or `set`):
//!   the kink of `min(v, v_th)` inside it, which the guard's estimate does
//!   not cover; `Auto` no worse than `Rkf45` against the closed form.
//!
//! Where `Auto` and `Rkf45` may legitimately differ, the tests say why and
//! bound it (see [`compare`], [`TOL`], [`TOL_EDGE`]). Measured while
//! writing these tests (not failures of `Auto`'s promise, limits of it):
//!
//! * NEST's RKF45 (tolerance 1e-3 mV per sub-step) errs by up to 0.2 mV
//!   over one 0.1 ms step in the hardest states drawn here (uS onto 5 pF),
//!   and `Auto`'s fallback starts from the step size its cell carried
//!   from its last fallback rather than from its last step, so at the
//!   edges `Auto` and `Rkf45` part by up to 0.27 mV (other cells: up to
//!   1.3e-3 mV, where a step is within NEST's tolerance for both);
//! * `Auto` holds `v - E_ex`, so with `e_rev_E != 0` a `v` set by
//!   `initialize` reads back (and records) a few ulp off the value given
//!   ([`close`]).

use proptest::prelude::*;
use pynn::core::CellType;
use pynn::prelude::*;

#[path = "common/cond_trace.rs"]
mod cond_trace;
use cond_trace::Gen;

const DT: f64 = 0.1;

/// NEST's absolute error tolerance for `iaf_cond_*` (mV per RKF45
/// sub-step): the accuracy the guard promises for every step of `Auto`.
const NEST_TOL: f64 = 1e-3;

/// The two models under test.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Model {
    Exp,
    Alpha,
}

/// One cell's parameters in PyNN's units (the names both models share).
#[derive(Clone, Copy, Debug)]
struct Cell {
    cm: f64,
    tau_m: f64,
    tau_syn_e: f64,
    tau_syn_i: f64,
    v_rest: f64,
    v_thresh: f64,
    v_reset: f64,
    e_rev_e: f64,
    e_rev_i: f64,
    tau_refrac: f64,
    i_offset: f64,
}

impl Cell {
    /// Random valid parameters, each with a good chance of an edge of its
    /// range.
    fn draw(g: &mut Gen) -> Cell {
        let cm = match g.pick(6) {
            0 => 0.005,
            1 => 0.02,
            2 => 5.0,
            _ => g.next(0.05, 1.0),
        };
        let tau_m = match g.pick(5) {
            0 => 0.3,
            1 => 2.0,
            _ => g.next(5.0, 30.0),
        };
        let mut tau_syn = || match g.pick(6) {
            0 => 0.01,
            1 => 0.05,
            2 => 50.0,
            _ => g.next(0.2, 10.0),
        };
        let (tau_syn_e, tau_syn_i) = (tau_syn(), tau_syn());
        let e_rev_e = if g.pick(4) == 0 { g.next(-20.0, 20.0) } else { 0.0 };
        let v_rest = g.next(-75.0, -55.0);
        let v_thresh = match g.pick(6) {
            // Just below E_ex: reached only asymptotically under strong
            // excitation.
            0 => e_rev_e - g.next(0.001, 1.0),
            // At or above E_ex: only current reaches it.
            1 => e_rev_e + g.next(0.0, 10.0),
            _ => g.next(-57.0, -45.0),
        };
        // At least 2 mV below threshold: a spike one step off then moves `v` by
        // more than [`TOL_EDGE`].
        let v_reset = v_thresh - g.next(2.0, 15.0);
        let e_rev_i = if g.pick(4) == 0 { v_rest + g.next(1.0, 20.0) } else { g.next(-90.0, -70.0) };
        let tau_refrac = match g.pick(6) {
            0 => 0.0,
            1 => 0.05,
            2 => 0.1,
            3 => 0.15,
            _ => g.next(0.1, 5.0),
        };
        // Up to about 30 mV of drive above rest (i R = i tau_m / cm).
        let i_offset = if g.pick(3) == 0 { 0.0 } else { g.next(0.0, 30.0) * cm / tau_m };
        Cell { cm, tau_m, tau_syn_e, tau_syn_i, v_rest, v_thresh, v_reset, e_rev_e, e_rev_i, tau_refrac, i_offset }
    }

    /// `(name, value)` in an order in which setting them one by one keeps
    /// `v_reset < v_thresh` (the defaults have `v_reset` -65 mV and every
    /// drawn `v_thresh` is above -60 mV).
    fn columns(cells: &[Cell]) -> Vec<(&'static str, Vec<f64>)> {
        let col = |f: fn(&Cell) -> f64| cells.iter().map(f).collect::<Vec<f64>>();
        vec![
            ("cm", col(|c| c.cm)),
            ("tau_m", col(|c| c.tau_m)),
            ("tau_syn_E", col(|c| c.tau_syn_e)),
            ("tau_syn_I", col(|c| c.tau_syn_i)),
            ("v_rest", col(|c| c.v_rest)),
            ("v_thresh", col(|c| c.v_thresh)),
            ("v_reset", col(|c| c.v_reset)),
            ("e_rev_E", col(|c| c.e_rev_e)),
            ("e_rev_I", col(|c| c.e_rev_i)),
            ("tau_refrac", col(|c| c.tau_refrac)),
            ("i_offset", col(|c| c.i_offset)),
        ]
    }
}

/// A change between the first and the second run.
#[derive(Clone, Debug)]
enum Change {
    /// Nothing is set.
    None,
    /// One parameter set to new values (one per cell).
    Set(&'static str, Vec<f64>),
}

/// One random case: cells, inputs and the protocol of runs.
#[derive(Clone, Debug)]
struct Case {
    model: Model,
    cells: Vec<Cell>,
    /// Per cell: input spike times (ms) and (excitatory, inhibitory)
    /// weights (uS).
    trains: Vec<Vec<f64>>,
    weights: Vec<(f64, f64)>,
    /// DC amplitude (nA) into every fourth cell from 10.3 to 55 ms, and
    /// step amplitude into every fifth (on at 5 ms, off at 25 ms,
    /// negative at 45 ms, on again at 62 ms).
    dc: f64,
    step: f64,
    change: Change,
    /// `v` initialised between the first and the second run (every third
    /// cell).
    init_v: Option<Vec<f64>>,
    /// `reset` and a third run after the second.
    reset: bool,
    /// The arguments of [`Case::new`] (to rebuild a failing case).
    args: String,
    /// Per cell: whether it is compared with [`TOL_EDGE`] (else [`TOL`]):
    /// an edge parameter value (at any time), a kick of 1 uS or more, or
    /// `v` initialised above threshold or `v_thresh` lowered (a step may
    /// then start above threshold, see
    /// [`a_step_from_above_threshold_is_no_worse_than_rkf45`]).
    edge: Vec<bool>,
}

/// The length of the first, second and (after a reset) third run (ms).
const RUNS: [f64; 3] = [40.0, 30.0, 30.0];

impl Case {
    fn new(model: Model, n: usize, uniform: bool, seed: u64, change: usize, init: bool, reset: bool) -> Case {
        let mut g = Gen(seed | 1);
        let cells: Vec<Cell> =
            if uniform { vec![Cell::draw(&mut g); n] } else { (0..n).map(|_| Cell::draw(&mut g)).collect() };
        let total = RUNS[0] + RUNS[1];
        let trains = (0..n)
            .map(|_| {
                let k = g.pick(25);
                let mut s: Vec<u64> = (0..k).map(|_| g.next(1.0, total * 10.0 - 1.0) as u64).collect();
                s.sort_unstable();
                s.dedup();
                s.into_iter().map(|x| x as f64 / 10.0).collect()
            })
            .collect();
        // Kicks of several uS (onto cells of 5 pF: `h g / C` in the
        // hundreds) in about one cell in ten.
        let weights: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                let e = if g.pick(10) == 0 { g.next(1.0, 3.0) } else { g.next(0.0, 0.05) };
                let i = if g.pick(10) == 0 { g.next(1.0, 5.0) } else { g.next(0.0, 1.0).powi(3) * 0.5 };
                (e, i)
            })
            .collect();
        // Scaled to the smallest cell: at most about 1.5 nA per nF.
        let scale = cells.iter().map(|c| c.cm).fold(f64::INFINITY, f64::min);
        let (dc, step) = (g.next(-0.5, 1.5) * scale, g.next(-0.5, 1.5) * scale);
        let change_k = change;
        let change = match change {
            0 => Change::None,
            k => {
                let mut col = |f: &dyn Fn(&Cell, &mut Gen) -> f64| -> Vec<f64> {
                    if uniform {
                        let v = f(&cells[0], &mut g);
                        vec![v; n]
                    } else {
                        cells.iter().map(|c| f(c, &mut g)).collect()
                    }
                };
                match k % 7 {
                    0 => Change::Set("tau_m", col(&|_, g| [0.3, g.next(1.0, 40.0)][g.pick(2)])),
                    1 => Change::Set("cm", col(&|_, g| [0.005, g.next(0.05, 2.0)][g.pick(2)])),
                    2 => Change::Set("v_thresh", col(&|c, g| c.v_thresh + g.next(-0.4, 2.0))),
                    3 => Change::Set("e_rev_I", col(&|c, g| c.v_rest + g.next(-20.0, 10.0))),
                    4 => Change::Set("tau_syn_E", col(&|_, g| [0.01, g.next(0.1, 20.0)][g.pick(2)])),
                    5 => Change::Set("tau_refrac", col(&|_, g| [0.0, 0.05, g.next(0.1, 3.0)][g.pick(3)])),
                    _ => Change::Set("e_rev_E", col(&|c, g| c.v_thresh + g.next(-1.0, 10.0))),
                }
            }
        };
        let init_v: Option<Vec<f64>> = init
            .then(|| cells.iter().step_by(3).map(|c| c.v_reset + g.next(-5.0, c.v_thresh - c.v_reset + 3.0)).collect());
        let edge_cell = |c: &Cell| {
            c.cm < 0.05
                || c.cm > 2.0
                || c.tau_m < 5.0
                || c.tau_syn_e.min(c.tau_syn_i) < 0.2
                || c.tau_syn_e.max(c.tau_syn_i) > 20.0
                || c.v_thresh > c.e_rev_e - 1.0
                || c.e_rev_i > c.v_rest
        };
        let edge = (0..n)
            .map(|i| {
                let mut after = cells[i];
                if let Change::Set(name, v) = &change {
                    let x = v[i];
                    match *name {
                        "tau_m" => after.tau_m = x,
                        "cm" => after.cm = x,
                        "v_thresh" => after.v_thresh = x,
                        "e_rev_I" => after.e_rev_i = x,
                        "tau_syn_E" => after.tau_syn_e = x,
                        "e_rev_E" => after.e_rev_e = x,
                        _ => {}
                    }
                }
                let above =
                    init_v.as_ref().is_some_and(|v| i % 3 == 0 && v[i / 3] >= after.v_thresh.min(cells[i].v_thresh));
                // A threshold lowered below `v` is a step from above too.
                let lowered = after.v_thresh < cells[i].v_thresh;
                edge_cell(&cells[i])
                    || edge_cell(&after)
                    || above
                    || lowered
                    || weights[i].0 >= 1.0
                    || weights[i].1 >= 1.0
            })
            .collect();
        let args = format!("Case::new(Model::{model:?}, {n}, {uniform}, {seed:#x}, {change_k}, {init}, {reset})");
        Case { model, cells, trains, weights, dc, step, change, init_v, reset, args, edge }
    }

    /// The threshold of cell `i` during run `r` (0, 1, 2).
    fn v_thresh(&self, i: usize, r: usize) -> f64 {
        match (&self.change, r) {
            (Change::Set("v_thresh", v), 1 | 2) => v[i],
            _ => self.cells[i].v_thresh,
        }
    }
}

/// What a case recorded: per segment (one, or two after a reset), the
/// spike times and the `v` trace of every cell.
#[derive(Debug, PartialEq)]
struct Out {
    spikes: Vec<Vec<Vec<f64>>>,
    v: Vec<Vec<Vec<f64>>>,
}

/// Per segment and cell, values as bits.
type Bits = Vec<Vec<Vec<u64>>>;

impl Out {
    /// The number of spikes.
    fn count(&self) -> usize {
        self.spikes.iter().flatten().map(Vec::len).sum()
    }

    /// The spikes and traces as bits (for exact comparison, NaN included).
    fn bits(&self) -> (Bits, Bits) {
        let b = |x: &Vec<Vec<Vec<f64>>>| {
            x.iter().map(|s| s.iter().map(|c| c.iter().map(|v| v.to_bits()).collect()).collect()).collect()
        };
        (b(&self.spikes), b(&self.v))
    }

    /// The first `n` cells only.
    fn first(mut self, n: usize) -> Out {
        for s in self.spikes.iter_mut().chain(self.v.iter_mut()) {
            s.truncate(n);
        }
        self
    }
}

/// Runs `case` with `solver` on `threads` threads; `extra`: one more cell
/// with other parameters (`cm` doubled) at the end of the population, so
/// that the kernel takes its per-cell parameter columns.
fn simulate(case: &Case, solver: OdeSolver, threads: usize, extra: bool) -> Out {
    match case.model {
        Model::Exp => simulate_model(case, solver, threads, extra, IF_cond_exp::default()),
        Model::Alpha => simulate_model(case, solver, threads, extra, IF_cond_alpha::default()),
    }
}

fn simulate_model<C>(case: &Case, solver: OdeSolver, threads: usize, extra: bool, cell: C) -> Out
where
    C: CellType,
    Native: pynn::Supports<C>,
{
    let setup = Setup { timestep: DT, min_delay: 0.1, max_delay: 1.0, threads, ..Setup::default() };
    let sim = Sim::<Native>::setup_with(setup, NativeOptions { ode_solver: solver }).unwrap();
    let mut cells_p = case.cells.clone();
    let mut trains = case.trains.clone();
    let mut weights = case.weights.clone();
    if extra {
        let mut odd = *cells_p.last().unwrap();
        odd.cm *= 2.0;
        cells_p.push(odd);
        trains.push(trains.last().unwrap().clone());
        weights.push(*weights.last().unwrap());
    }
    let n = cells_p.len();
    let cells = Population::<C, Native>::new(&sim, n, cell).unwrap();
    for (name, values) in Cell::columns(&cells_p) {
        cells.set(name, values).unwrap();
    }
    let src = Population::<SpikeSourceArray, Native>::new(&sim, n, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", trains).unwrap();
    let one = OneToOneConnector;
    let we: Vec<f64> = weights.iter().map(|w| w.0).collect();
    let wi: Vec<f64> = weights.iter().map(|w| w.1).collect();
    Projection::new(&src, &cells, &one, StaticSynapse::new(we, 0.1), Some("excitatory")).unwrap();
    Projection::new(&src, &cells, &one, StaticSynapse::new(wi, 0.2), Some("inhibitory")).unwrap();
    let every = |k: usize, from: usize| (from..n).step_by(k).collect::<Vec<_>>();
    if n > 1 {
        cells.view(every(4, 1)).unwrap().inject(DCSource { amplitude: case.dc, start: 10.3, stop: 55.0 }).unwrap();
    }
    let step = StepCurrentSource {
        times: vec![5.0, 25.0, 45.0, 62.0],
        amplitudes: vec![case.step, 0.0, -0.5 * case.step, case.step],
    };
    cells.view(every(5, 0)).unwrap().inject(step).unwrap();
    cells.record(["spikes", "v"], None).unwrap();
    sim.run(RUNS[0]).unwrap();
    if let Change::Set(name, values) = &case.change {
        let mut values = values.clone();
        if extra {
            values.push(*values.last().unwrap());
        }
        cells.set(name, values).unwrap();
    }
    if let Some(v) = &case.init_v {
        let (which, mut v) = (every(3, 0), v.clone());
        v.resize(which.len(), *v.last().unwrap());
        cells.view(which).unwrap().initialize("v", v).unwrap();
    }
    sim.run(RUNS[1]).unwrap();
    if case.reset {
        sim.reset().unwrap();
        sim.run(RUNS[2]).unwrap();
    }
    let b = cells.get_data().unwrap();
    let mut out = Out { spikes: vec![], v: vec![] };
    for seg in &b.segments {
        out.spikes.push((0..n).map(|i| seg.spiketrain(i).unwrap().times.clone()).collect());
        let v = seg.signal("v").unwrap();
        out.v.push((0..n).map(|i| v.column(i)).collect());
    }
    sim.end().unwrap();
    out
}

/// |v_Auto - v_Rkf45| bound (mV) while the two agree on the spikes, for
/// cells away from the edges. Each RK4 step of `Auto` is within NEST's
/// 1e-3 mV of the exact step (the guard,
/// [`guard_holds_against_a_converged_reference`]), each RKF45 sub-step of
/// `Rkf45` within 1e-3 mV; a spike resets both to the same `v_reset`, and
/// the membrane contracts differences between spikes (rate `b >= g_L /
/// C`), so a few steps' errors add up at most. Observed: 1.3e-3 mV
/// (`Case::new(Model::Alpha, 257, false, 0x7914cc35493f250e, 2, false,
/// false)`, cell 28, a step of +4.4 mV), mostly below 2e-5 mV. A spike
/// one step off moves `v` by 2 mV at least.
const TOL: f64 = 5e-3;

/// The bound for cells at the edges ([`Case`]`::edge`; mV). There the
/// difference is NEST's RKF45's own error: it errs by up to 0.2 mV over
/// one step in such states (measured in
/// [`guard_holds_against_a_converged_reference`]: conductances of uS onto
/// 5 pF; its control bounds each sub-step, not the step), and `Auto`'s
/// fallback starts each RKF45 step from the step size its cell carried
/// from its own last fallback (not from the last step, as `Rkf45` does),
/// so the two take other sub-steps and err differently; a step that starts
/// above threshold has the kink of `min(v, v_th)` inside (2-3e-3 mV for
/// both, [`a_step_from_above_threshold_is_no_worse_than_rkf45`]). Observed:
/// up to 0.27 mV over several hundred cases. 1 mV is below the 2 mV at
/// least that a spike one step off moves `v` by (`v_reset <= v_thresh - 2`
/// in [`Cell::draw`]), so a misplaced spike cannot hide in it.
const TOL_EDGE: f64 = 1.0;

/// How `Auto` compared with `Rkf45` over a case.
#[derive(Default, Debug)]
struct Stats {
    /// Largest |dv| over the samples compared (mV), of the cells compared
    /// with [`TOL`] and with [`TOL_EDGE`].
    max_dv: f64,
    max_dv_edge: f64,
    /// Spikes compared equal.
    spikes: usize,
    /// Cells whose spike trains part at a crossing decided within the
    /// bound (their later samples are not compared).
    parted: usize,
    /// Where the largest |dv| of a cell compared with [`TOL`] was (for the
    /// log).
    at: String,
}

/// Compares `auto` with `rkf` cell by cell: equal spike times and |dv| <=
/// [`TOL`] until the first spike one of them has and the other has not.
/// Such a spike is legitimate only as a crossing decided within the bound:
/// the cell that did not fire is then within [`TOL`] of its threshold at
/// that sample (both were within [`TOL`] of each other one step before,
/// and one step moves each by at most its local error); the test asserts
/// that, and compares no later sample of the cell (the trajectories then
/// legitimately part). Every `v` must be finite.
fn compare(case: &Case, auto: &Out, rkf: &Out) -> std::result::Result<Stats, String> {
    let mut st = Stats::default();
    if auto.v.len() != rkf.v.len() {
        return Err("segments differ".into());
    }
    for (s, (va, vr)) in auto.v.iter().zip(&rkf.v).enumerate() {
        for (i, (a, r)) in va.iter().zip(vr).enumerate() {
            if a.len() != r.len() {
                return Err(format!("segment {s} cell {i}: {} and {} samples", a.len(), r.len()));
            }
            if let Some(k) = a.iter().chain(r).position(|x| !x.is_finite()) {
                return Err(format!("segment {s} cell {i}: v not finite at {k} (auto then rkf samples)"));
            }
            let step = |t: f64| (t / DT).round() as usize;
            let (sa, sr) = (&auto.spikes[s][i], &rkf.spikes[s][i]);
            let sa: std::collections::BTreeSet<usize> = sa.iter().map(|t| step(*t)).collect();
            let sr: std::collections::BTreeSet<usize> = sr.iter().map(|t| step(*t)).collect();
            let run_of = |k: usize| {
                if s == 1 {
                    2
                } else if k as f64 * DT <= RUNS[0] {
                    0
                } else {
                    1
                }
            };
            let tol = if case.edge[i] { TOL_EDGE } else { TOL };
            for k in 0..a.len() {
                let (fa, fr) = (sa.contains(&k), sr.contains(&k));
                if fa != fr {
                    let other = if fa { r[k] } else { a[k] };
                    let th = case.v_thresh(i, run_of(k));
                    if !(other >= th - tol) {
                        return Err(format!(
                            "segment {s} cell {i}: spike at {:.1} ms by {} only, the other at {other} mV, \
                             threshold {th} mV: not a crossing within {tol} mV; cell {:?}",
                            k as f64 * DT,
                            if fa { "Auto" } else { "Rkf45" },
                            case.cells[i]
                        ));
                    }
                    st.parted += 1;
                    break;
                }
                st.spikes += usize::from(fa);
                let d = (a[k] - r[k]).abs();
                if !(d <= tol) {
                    return Err(format!(
                        "segment {s} cell {i}: |dv| = {d} mV at {:.1} ms (auto {}, rkf {}); cell {:?}",
                        k as f64 * DT,
                        a[k],
                        r[k],
                        case.cells[i]
                    ));
                }
                let slot = if case.edge[i] { &mut st.max_dv_edge } else { &mut st.max_dv };
                if !case.edge[i] && d > *slot {
                    st.at = format!(
                        "seg {s} cell {i} t {:.1} auto {} rkf {} {:?}",
                        k as f64 * DT,
                        a[k],
                        r[k],
                        case.cells[i]
                    );
                }
                *slot = slot.max(d);
            }
        }
    }
    Ok(st)
}

/// Sizes at the boundaries of the fixed-step pass's blocks (128 cells) and
/// vector lanes (8).
fn arb_size() -> impl Strategy<Value = usize> {
    prop_oneof![Just(1usize), Just(7), Just(127), Just(128), Just(129), Just(255), Just(257)]
}

fn arb_case() -> impl Strategy<Value = (Case, usize)> {
    (
        prop_oneof![Just(Model::Exp), Just(Model::Alpha)],
        arb_size(),
        any::<bool>(),
        any::<u64>(),
        0usize..8,
        any::<bool>(),
        any::<bool>(),
        1usize..=2,
    )
        .prop_map(|(model, n, uniform, seed, change, init, reset, threads)| {
            (Case::new(model, n, uniform, seed, change, init, reset), threads)
        })
}

/// Checks one case; returns what it compared.
fn check(case: &Case, threads: usize) -> std::result::Result<Stats, String> {
    let n = case.cells.len();
    let auto = simulate(case, OdeSolver::Auto, threads, false);
    let rkf = simulate(case, OdeSolver::Rkf45, 1, false);
    let st = compare(case, &auto, &rkf).map_err(|e| format!("{}, {threads} threads: {e}", case.args))?;
    // The other thread count: bit for bit (so the guard sent the same
    // cells to RKF45 in the same steps).
    let other = simulate(case, OdeSolver::Auto, 3 - threads, false);
    if other.bits() != auto.bits() {
        return Err(format!("{}: Auto on {threads} and {} threads differ", case.args, 3 - threads));
    }
    // Shared parameters against per-cell columns: the same cells, the same
    // bits.
    if case.cells.windows(2).all(|w| w[0].cm == w[1].cm) && n > 0 {
        let mixed = simulate(case, OdeSolver::Auto, threads, true).first(n);
        if mixed.bits() != auto.bits() {
            return Err(format!("{}: Auto with shared parameters and with per-cell columns differ", case.args));
        }
    }
    Ok(st)
}

proptest! {
    // Each case is four or five runs of up to 257 cells for 70-100 ms.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// `Auto` against `Rkf45` over random cases (module doc): the same
    /// spikes and `v` within [`TOL`], but for crossings decided within the
    /// bound ([`compare`]); finite `v`; 1 and 2 threads and shared and
    /// per-cell parameters bit for bit.
    #[test]
    fn auto_follows_rkf45_at_the_edges((case, threads) in arb_case()) {
        let st = check(&case, threads);
        prop_assert!(st.is_ok(), "{}", st.unwrap_err());
        eprintln!("{} threads {threads}: {:?}", case.args, st.unwrap());
    }
}

/// The property test's cases are not silent: two fixed cases of 257
/// cells (per-cell parameters, a change, `initialize`, `reset`) spike
/// hundreds of times, and pass the same checks.
#[test]
fn the_edge_cases_spike() {
    for model in [Model::Exp, Model::Alpha] {
        let case = Case::new(model, 257, false, 0x5eed_0001, 3, true, true);
        let st = check(&case, 2).unwrap();
        let n = simulate(&case, OdeSolver::Rkf45, 1, false).count();
        eprintln!("{model:?}: {n} spikes (Rkf45), {st:?}");
        assert!(n > 500, "{model:?}: {n} spikes");
        assert!(st.spikes > 500, "{model:?}: {} spikes compared", st.spikes);
    }
}

// ------------------------------------------------------------ the guard's claim

/// One cell's constants for the reference integration, in NEST's units
/// (mV, ms, nS, pF, pA).
struct Reference {
    c_m: f64,
    g_l: f64,
    e_l: f64,
    e_ex: f64,
    e_in: f64,
    v_th: f64,
    i_e: f64,
    tau_e: f64,
    tau_i: f64,
}

impl Reference {
    fn of(c: &Cell) -> Reference {
        Reference {
            c_m: c.cm * 1000.0,
            g_l: c.cm / c.tau_m * 1000.0,
            e_l: c.v_rest,
            e_ex: c.e_rev_e,
            e_in: c.e_rev_i,
            v_th: c.v_thresh,
            i_e: c.i_offset * 1000.0,
            tau_e: c.tau_syn_e,
            tau_i: c.tau_syn_i,
        }
    }

    /// `v` after one step of `h` from `v0` with the conductances
    /// `g_e(s) = (ge + dge s) exp(-s / tau_e)` and the same for `g_i`
    /// (`dg` = 0 for `IF_cond_exp`), NEST's membrane equation with `v`
    /// bounded above by `v_th` in the currents, by classic RK4 on `m`
    /// sub-steps with `h D / m <= 1/50` (`D` the largest rate): a local
    /// error below `(1/50)^5 / 120 |v - v_inf|` per sub-step, 1e-8 mV over
    /// the step at most. Returns `None` if `v` reaches `v_th` within the
    /// step (the kink where the guard's estimate does not hold; the cell
    /// fires or not by a margin the spike comparison covers).
    fn step(&self, v0: f64, [ge, dge, gi, dgi]: [f64; 4], h: f64) -> Option<f64> {
        let g = |g0: f64, dg: f64, tau: f64, s: f64| (g0 + dg * s) * (-s / tau).exp();
        let f = |s: f64, v: f64| {
            let v = v.min(self.v_th);
            let (a, b) = (g(ge, dge, self.tau_e, s), g(gi, dgi, self.tau_i, s));
            (-self.g_l * (v - self.e_l) - a * (v - self.e_ex) - b * (v - self.e_in) + self.i_e) / self.c_m
        };
        let gmax = ge.abs() + dge.abs() * h + gi.abs() + dgi.abs() * h;
        let d = (self.g_l + gmax) / self.c_m + 1.0 / self.tau_e + 1.0 / self.tau_i;
        let m = (50.0 * h * d).ceil().max(64.0) as usize;
        let k = h / m as f64;
        let mut v = v0;
        for j in 0..m {
            let s = j as f64 * k;
            let k1 = f(s, v);
            let k2 = f(s + k / 2.0, v + k / 2.0 * k1);
            let k3 = f(s + k / 2.0, v + k / 2.0 * k2);
            let k4 = f(s + k, v + k * k3);
            v += k / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            if v >= self.v_th {
                return None;
            }
        }
        Some(v)
    }
}

/// Steps recorded by [`local_run`] (1 ms).
const LOCAL_STEPS: usize = 10;

/// What [`local_run`] records: `v`, `gsyn_exc`, `gsyn_inh` (uS) per cell
/// and sample.
type Local = [Vec<Vec<f64>>; 3];

/// Cells with random edge parameters ([`Cell::draw`]); `v` and both
/// conductances initialised to random values (up to 5 uS) and an input
/// spike at 0 ms (weights up to 3 uS; it enters at the end of the first
/// step, so that `IF_cond_alpha` has `dg != 0` from the second); no
/// current source. Records `v`, `gsyn_exc`, `gsyn_inh` of every cell for
/// [`LOCAL_STEPS`] steps with `solver`.
fn local_run(model: Model, seed: u64, n: usize, solver: OdeSolver) -> (Vec<Cell>, Local) {
    let mut g = Gen(seed | 1);
    // Every other cell without the tiny `tau_syn` (with which the guard
    // rejects every step), so that many steps are RK4's.
    let cells: Vec<Cell> = (0..n)
        .map(|i| {
            let mut c = Cell::draw(&mut g);
            if i % 2 == 1 {
                (c.tau_syn_e, c.tau_syn_i) = (c.tau_syn_e.max(0.2), c.tau_syn_i.max(0.2));
            }
            c
        })
        .collect();
    let cond = |g: &mut Gen| match g.pick(4) {
        0 => 0.0,
        1 => g.next(1.0, 5.0),
        _ => g.next(0.0, 0.05),
    };
    let v0: Vec<f64> = cells.iter().map(|c| g.next(c.v_reset - 20.0, c.v_thresh - 0.5)).collect();
    let ge0: Vec<f64> = (0..n).map(|_| cond(&mut g)).collect();
    let gi0: Vec<f64> = (0..n).map(|_| cond(&mut g)).collect();
    let we: Vec<f64> = (0..n).map(|_| cond(&mut g).min(3.0)).collect();
    let wi: Vec<f64> = (0..n).map(|_| cond(&mut g).min(3.0)).collect();
    let init = [&v0, &ge0, &gi0];
    let traces = match model {
        Model::Exp => local_model(IF_cond_exp::default(), &cells, solver, init, [&we, &wi]),
        Model::Alpha => local_model(IF_cond_alpha::default(), &cells, solver, init, [&we, &wi]),
    };
    (cells, traces)
}

fn local_model<C>(cell: C, cells_p: &[Cell], solver: OdeSolver, init: [&Vec<f64>; 3], w: [&Vec<f64>; 2]) -> Local
where
    C: CellType,
    Native: pynn::Supports<C>,
{
    let setup = Setup { timestep: DT, min_delay: 0.1, max_delay: 1.0, threads: 1, ..Setup::default() };
    let sim = Sim::<Native>::setup_with(setup, NativeOptions { ode_solver: solver }).unwrap();
    let n = cells_p.len();
    let cells = Population::<C, Native>::new(&sim, n, cell).unwrap();
    for (name, values) in Cell::columns(cells_p) {
        cells.set(name, values).unwrap();
    }
    for (name, values) in [("v", init[0]), ("gsyn_exc", init[1]), ("gsyn_inh", init[2])] {
        cells.initialize(name, values.clone()).unwrap();
    }
    let src = Population::<SpikeSourceArray, Native>::new(&sim, n, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", vec![vec![0.0]; n]).unwrap();
    let one = OneToOneConnector;
    Projection::new(&src, &cells, &one, StaticSynapse::new(w[0].clone(), 0.1), Some("excitatory")).unwrap();
    Projection::new(&src, &cells, &one, StaticSynapse::new(w[1].clone(), 0.1), Some("inhibitory")).unwrap();
    cells.record(["v", "gsyn_exc", "gsyn_inh"], None).unwrap();
    sim.run(LOCAL_STEPS as f64 * DT).unwrap();
    let b = cells.get_data().unwrap();
    let seg = &b.segments[0];
    let col = |name: &str| (0..n).map(|i| seg.signal(name).unwrap().column(i)).collect::<Vec<_>>();
    let out = [col("v"), col("gsyn_exc"), col("gsyn_inh")];
    sim.end().unwrap();
    out
}

/// The recorded state of cell `i` at sample `k`, as bits.
fn state_bits(t: &Local, i: usize, k: usize) -> [u64; 3] {
    [t[0][i][k].to_bits(), t[1][i][k].to_bits(), t[2][i][k].to_bits()]
}

/// What [`classify`] found over the steps of a [`local_run`] of `Auto`.
#[derive(Debug, Default)]
struct Steps {
    /// Steps taken by RK4 and compared with the reference.
    rk4: usize,
    /// Steps taken by RKF45, bit for bit `Rkf45`'s step from the same state.
    fallback: usize,
    /// The largest error of an RK4 step (mV).
    worst: f64,
    /// RK4 steps with an error above [`NEST_TOL`], and the first of them.
    over: usize,
    first: String,
    /// Cells whose first step is neither `Rk4`'s nor `Rkf45`'s (must be
    /// none), and the first of them.
    neither: usize,
    first_neither: String,
}

/// `a` and `b` equal up to the rounding of `w = v - E_ex`: `Auto` holds
/// `v` as `w` and reads it back as `w + E_ex`, which can be a few ulp off
/// the value `Rkf45` holds (e.g. `initialize` of `v` to -79.5775704064471
/// with `e_rev_E` -14.51 reads back as -79.57757040644708).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

/// Tells, step by step, which integrator `Auto` used for each cell, by
/// following it along a twin run from the same initial state: while its
/// recorded state equals the plain `Rk4` run's bit for bit (the same code
/// and representation), a step that gives `Rk4`'s state again was RK4's,
/// and one that does not was the fallback (the twin is then lost). The
/// first step starts from the same state in all three runs: not RK4's, it
/// must be NEST's RKF45 step, `Rkf45`'s result to the rounding of
/// [`close`] (counted in `neither` otherwise); while the state stays
/// [`close`] to `Rkf45`'s, further such steps count as fallbacks, and a
/// step that leaves it loses the twin (it may be RK4's, or RKF45's after a
/// step size decided differently by an ulp). An RK4 step (the guard
/// accepted it) is compared with [`Reference::step`] from the recorded
/// state; `IF_cond_alpha`'s `dg` is not recorded and is recovered from `g`
/// at both ends (`g(h) = (g + dg h) e^{-h/tau}`, exact for RK4 steps,
/// which integrate the conductances exactly; the input of a step enters
/// `dg` only after it). Steps that start or end at `v_reset` (a spike,
/// refractoriness) or where the reference reaches `v_th` (the kink where
/// the estimate does not hold) are not compared; a `v` that is not finite
/// counts as an error above the bound.
fn classify(model: Model, cells: &[Cell], auto: &Local, rk4: &Local, rkf: &Local) -> Steps {
    #[derive(Clone, Copy, PartialEq)]
    enum Twin {
        Rk4,
        Rkf,
    }
    let mut st = Steps::default();
    for (i, c) in cells.iter().enumerate() {
        let r = Reference::of(c);
        let same = |t: &Local, k: usize| state_bits(auto, i, k) == state_bits(t, i, k);
        let near = |t: &Local, k: usize| (0..3).all(|x| close(auto[x][i][k], t[x][i][k]));
        let mut twin = Some(Twin::Rk4);
        for k in 0..LOCAL_STEPS {
            match twin {
                None => break,
                Some(Twin::Rk4) if same(rk4, k + 1) => {}
                Some(Twin::Rk4) if k == 0 && near(rkf, 1) => {
                    st.fallback += 1;
                    twin = Some(Twin::Rkf);
                    continue;
                }
                Some(Twin::Rk4) if k == 0 => {
                    st.neither += 1;
                    if st.first_neither.is_empty() {
                        st.first_neither = format!(
                            "cell {i}: v {:?}, Rk4 {:?}, Rkf45 {:?}; {c:?}",
                            &auto[0][i][..2],
                            &rk4[0][i][..2],
                            &rkf[0][i][..2]
                        );
                    }
                    break;
                }
                Some(Twin::Rkf) if near(rkf, k + 1) => {
                    st.fallback += 1;
                    continue;
                }
                Some(_) => break,
            }
            let (v0, v1) = (auto[0][i][k], auto[0][i][k + 1]);
            if close(v0, c.v_reset) || close(v1, c.v_reset) {
                continue;
            }
            let (ge0, gi0) = (auto[1][i][k] * 1000.0, auto[2][i][k] * 1000.0);
            let (dge, dgi) = match model {
                Model::Exp => (0.0, 0.0),
                Model::Alpha => {
                    let d = |g1: f64, g0: f64, tau: f64| (g1 * 1000.0 / (-DT / tau).exp() - g0) / DT;
                    (d(auto[1][i][k + 1], ge0, c.tau_syn_e), d(auto[2][i][k + 1], gi0, c.tau_syn_i))
                }
            };
            let Some(exact) = r.step(v0, [ge0, dge, gi0, dgi], DT) else { continue };
            let e = (v1 - exact).abs();
            st.rk4 += 1;
            st.worst = if e.is_finite() { st.worst.max(e) } else { f64::INFINITY };
            if !(e <= NEST_TOL) {
                st.over += 1;
                if st.first.is_empty() {
                    st.first = format!(
                        "cell {i} step {k}: v {v0} -> {v1}, exact {exact} (error {e:.3e} mV), g_e {ge0} dg_e {dge} \
                         g_i {gi0} dg_i {dgi} nS; {c:?}"
                    );
                }
            }
        }
    }
    st
}

/// The error of the first step of `solver` from the initial state of a
/// [`local_run`]: `(largest error (mV), steps above [`NEST_TOL`])`.
fn first_step_errors(cells: &[Cell], t: &Local) -> (f64, usize) {
    let (mut worst, mut over) = (0.0f64, 0);
    for (i, c) in cells.iter().enumerate() {
        let (v0, v1) = (t[0][i][0], t[0][i][1]);
        if close(v1, c.v_reset) {
            continue;
        }
        let Some(exact) = Reference::of(c).step(v0, [t[1][i][0] * 1000.0, 0.0, t[2][i][0] * 1000.0, 0.0], DT) else {
            continue;
        };
        let e = (v1 - exact).abs();
        worst = if e.is_finite() { worst.max(e) } else { f64::INFINITY };
        over += usize::from(!(e <= NEST_TOL));
    }
    (worst, over)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    /// The guard's claim (`pynn-backends/src/native/cond.rs`, module doc):
    /// a step of `Auto` is RK4's only where RK4 is within NEST's tolerance;
    /// otherwise it is NEST's RKF45 step. Over 10 steps of 256 random edge
    /// cells (conductances up to several uS onto cells down to 5 pF,
    /// `tau_syn` down to 0.01 ms), every step told to be RK4's
    /// ([`classify`]) is within [`NEST_TOL`] of a converged reference, and
    /// every first step is bit for bit either plain `Rk4`'s or `Rkf45`'s.
    /// The states are hard: plain RK4 misses the bound in the same runs
    /// ([`plain_rk4_misses_the_bound_in_these_states`]).
    #[test]
    fn guard_holds_against_a_converged_reference(seed in any::<u64>(), alpha in any::<bool>()) {
        let model = if alpha { Model::Alpha } else { Model::Exp };
        let (cells, auto) = local_run(model, seed, 256, OdeSolver::Auto);
        let (_, rk4) = local_run(model, seed, 256, OdeSolver::Rk4);
        let (_, rkf) = local_run(model, seed, 256, OdeSolver::Rkf45);
        let st = classify(model, &cells, &auto, &rk4, &rkf);
        let (rkf_worst, _) = first_step_errors(&cells, &rkf);
        eprintln!("{model:?}: {st:?}; Rkf45 first steps: worst {rkf_worst:.3e} mV");
        prop_assert!(st.neither == 0, "{model:?}: {} first steps neither Rk4's nor Rkf45's; first: {}", st.neither, st.first_neither);
        prop_assert!(st.over == 0, "{model:?}: {} of {} RK4 steps above {NEST_TOL} mV; first: {}", st.over, st.rk4, st.first);
        prop_assert!(st.rk4 >= 100, "{model:?}: {} RK4 steps compared", st.rk4);
    }
}

/// The states of [`guard_holds_against_a_converged_reference`] are hard
/// enough that plain RK4 misses the bound (so that test would catch a
/// guard letting such steps through), and the guard sends cells to RKF45.
#[test]
fn plain_rk4_misses_the_bound_in_these_states() {
    for model in [Model::Exp, Model::Alpha] {
        let (cells, auto) = local_run(model, 0x5eed, 256, OdeSolver::Auto);
        let (_, rk4) = local_run(model, 0x5eed, 256, OdeSolver::Rk4);
        let (_, rkf) = local_run(model, 0x5eed, 256, OdeSolver::Rkf45);
        let (worst, over) = first_step_errors(&cells, &rk4);
        let st = classify(model, &cells, &auto, &rk4, &rkf);
        eprintln!("{model:?}: plain RK4 first steps: worst {worst:.3e} mV, {over} above; Auto: {st:?}");
        assert!(over > 0, "{model:?}: plain RK4 within {NEST_TOL} mV on every first step (worst {worst})");
        assert!(st.fallback > 0, "{model:?}: no fallback");
    }
}

// ------------------------------------------------------------ v above threshold at the start of a step

/// `v` after one step of `h` of a cell without synaptic input or current,
/// from `v0 > v_th` (NEST's currents see `min(v, v_th)`): `v` falls at the
/// constant rate `b (E_L - v_th)` (`b = 1 / tau_m`) until it reaches
/// `v_th` at `t*`, then relaxes to `E_L`: `v = E_L + (v_th - E_L)
/// e^{-b (h - t*)}` (closed form).
fn from_above(v0: f64, v_th: f64, e_l: f64, tau_m: f64, h: f64) -> f64 {
    let b = 1.0 / tau_m;
    let rate = b * (e_l - v_th);
    let t_star = (v_th - v0) / rate;
    if t_star >= h { v0 + rate * h } else { e_l + (v_th - e_l) * (-b * (h - t_star)).exp() }
}

/// The first step of one `IF_cond_exp` or `IF_cond_alpha` cell whose `v`
/// is initialised above `v_thresh` (allowed: PyNN does not bound initial
/// values) and falls below it within the step (so it does not fire): `v`
/// after the step, with `solver`.
fn first_step_from_above(model: Model, solver: OdeSolver, tau_m: f64, v0: f64) -> f64 {
    let setup = Setup { timestep: DT, threads: 1, ..Setup::default() };
    let sim = Sim::<Native>::setup_with(setup, NativeOptions { ode_solver: solver }).unwrap();
    macro_rules! run {
        ($cell:expr) => {{
            let cells = Population::new(&sim, 1, $cell).unwrap();
            cells.initialize("v", v0).unwrap();
            cells.record("v", None).unwrap();
            sim.run(DT).unwrap();
            let v = cells.get_data().unwrap().segments[0].signal("v").unwrap().column(0);
            v[1]
        }};
    }
    match model {
        Model::Exp => run!(IF_cond_exp { tau_m, v_thresh: -50.0, v_rest: -65.0, v_reset: -70.0, ..Default::default() }),
        Model::Alpha => {
            run!(IF_cond_alpha { tau_m, v_thresh: -50.0, v_rest: -65.0, v_reset: -70.0, ..Default::default() })
        }
    }
}

/// A step that starts above `v_thresh` and ends below it (after
/// `initialize` of `v` above threshold, or `set` of `v_thresh` below `v`)
/// has the kink of `min(v, v_th)` inside it, where the guard's estimate
/// does not hold (module doc of `native/cond.rs`: it discusses upward
/// crossings, where the cell fires and is reset); here the cell does not
/// fire and the error stays in `v`. Neither solver is within NEST's
/// 1e-3 mV of the closed form ([`from_above`]) in every such step:
/// measured, `Rkf45` (NEST's algorithm) errs by up to 2.7e-3 mV, `Auto`
/// by up to 2.0e-3 mV where the guard accepts the step and as `Rkf45`
/// where it does not. The test pins that `Auto` is no worse than `Rkf45`
/// over the grid and within 3e-3 mV (a regression that let the kink
/// through a coarser step would exceed it). `tau_m` 1 and 2 ms (the
/// guard accepts the step), `v` 0.3-1.4 mV above threshold, no input.
#[test]
fn a_step_from_above_threshold_is_no_worse_than_rkf45() {
    let mut worst = [0.0f64; 2];
    let mut cases = 0;
    for model in [Model::Exp, Model::Alpha] {
        for tau_m in [1.0, 2.0] {
            for dv in [0.3f64, 0.6, 1.0, 1.4] {
                let v0 = -50.0 + dv;
                let exact = from_above(v0, -50.0, -65.0, tau_m, DT);
                if !(exact < -50.0) {
                    continue;
                }
                cases += 1;
                for (k, solver) in [OdeSolver::Rkf45, OdeSolver::Auto].into_iter().enumerate() {
                    let v = first_step_from_above(model, solver, tau_m, v0);
                    let e = (v - exact).abs();
                    eprintln!("{model:?} {solver:?} tau_m {tau_m} v0 {v0}: v {v}, exact {exact}, error {e:.2e} mV");
                    worst[k] = worst[k].max(e);
                }
            }
        }
    }
    eprintln!("{cases} cases; worst: Rkf45 {:.2e}, Auto {:.2e} mV", worst[0], worst[1]);
    assert!(cases >= 12, "{cases} steps cross the threshold");
    assert!(worst[1] <= worst[0], "Auto {} mV, Rkf45 {} mV", worst[1], worst[0]);
    assert!(worst[1] <= 3e-3, "Auto: {} mV", worst[1]);
}
