//! The native engine sizes its ring buffers for the longest delay in use
//! (`Native::fit_rings`), not for `max_delay`: inputs already waiting keep
//! their arrival step when the delays change between runs and the rings
//! shrink or grow.
//!
//! One spike source drives one `IF_curr_delta` cell (a voltage jump of
//! 2 mV per spike, far below threshold), whose potential is recorded every
//! step: the steps at which it jumps are the arrival steps, exact on the
//! grid. A jump is a rise of more than 1 mV in one step (the leak moves the
//! potential by less than 0.1 mV per step at these potentials, and nothing
//! else acts on the cell).

use pynn::prelude::*;

/// The steps (of 0.1 ms) at which the recorded cell's potential jumped.
fn jumps(cell: &Population<IF_curr_delta, Native>) -> Vec<u64> {
    let block = cell.get_data().unwrap();
    let v = block.segments[0].signal("v").unwrap().column(0);
    (1..v.len()).filter(|&k| v[k] - v[k - 1] > 1.0).map(|k| k as u64).collect()
}

/// Spikes at 1, 10 and 19.9 ms with the delay 0.3 ms, then 4 ms from
/// 10 ms on, then 0.3 ms again from 20 ms on, while the spike of 19.9 ms is
/// still waiting (it must arrive at 23.9 ms, 4 ms after it was sent), and
/// a spike at 25 ms arrives 0.3 ms later.
#[test]
fn waiting_inputs_keep_their_arrival_when_delays_change() {
    let sim =
        Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 5.0, ..Setup::default() }).unwrap();
    let src = Population::new(&sim, 1, SpikeSourceArray { spike_times: vec![1.0, 10.0, 19.9, 25.0] }).unwrap();
    let cell =
        Population::new(&sim, 1, IF_curr_delta { v_rest: -65.0, tau_refrac: 0.1, ..Default::default() }).unwrap();
    let prj = Projection::new(&src, &cell, &AllToAllConnector::default(), StaticSynapse::new(2.0, 0.3), None).unwrap();
    cell.record("v", None).unwrap();
    sim.run(5.0).unwrap();
    prj.set("delay", 4.0).unwrap();
    sim.run(15.0).unwrap();
    prj.set("delay", 0.3).unwrap();
    sim.run(10.0).unwrap();
    // Arrivals at 1.3, 14.0, 23.9 and 25.3 ms: the jump shows in the
    // sample at the end of the step the input arrives in.
    assert_eq!(jumps(&cell), vec![13, 140, 239, 253]);
}

/// The same network at 1 and 2 threads and with `max_delay` 0.3 ms
/// (rings of the length the delays need from the start) and 5 ms (longer
/// rings fitted down): identical potentials, bit for bit.
#[test]
fn fitted_rings_give_the_results_of_rings_of_that_length() {
    let run = |max_delay: f64, threads: usize| {
        let setup = Setup { timestep: 0.1, min_delay: 0.1, max_delay, threads, seed: 7, ..Setup::default() };
        let sim = Sim::<Native>::setup(setup).unwrap();
        let src = Population::new(&sim, 20, SpikeSourcePoisson { rate: 200.0, ..Default::default() }).unwrap();
        let cells = Population::new(&sim, 300, IF_curr_exp::default()).unwrap();
        let conn = FixedProbabilityConnector::new(0.3);
        Projection::new(&src, &cells, &conn, StaticSynapse::new(0.5, 0.3), None).unwrap();
        cells.record("v", None).unwrap();
        sim.run(50.0).unwrap();
        let block = cells.get_data().unwrap();
        let v = block.segments[0].signal("v").unwrap();
        (0..300).flat_map(|i| v.column(i)).map(f64::to_bits).collect::<Vec<u64>>()
    };
    let reference = run(0.3, 1);
    assert_eq!(run(5.0, 1), reference);
    assert_eq!(run(5.0, 2), reference);
    // The input moved the cells (a comparison of resting cells proves nothing).
    assert!(reference.iter().map(|b| f64::from_bits(*b)).any(|v| v > -64.0));
}
