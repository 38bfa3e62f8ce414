//! Criterion benches of the native engine's hot loops: the neuron update
//! of `IF_curr_exp` and `IF_curr_delta` (exact propagators; also as the
//! engine steps a shard without current sources), `IF_cond_exp` with
//! each ODE solver (`OdeSolver::Auto`, the default; NEST's adaptive RKF45;
//! fixed-step RK4), the `SpikeSourcePoisson` draws
//! (one entry per spike, and counted per cell as the engine steps them),
//! 512 cells per step, and spike delivery through the engine
//! (a source population firing every step into a sparsely connected
//! population). Small on purpose, so that `cargo test --all-targets`
//! (which runs each bench once) stays quick.
//!
//! ```text
//! cargo bench --bench kernels
//! ```

use criterion::{Criterion, criterion_group, criterion_main};
use pynn::CellType;
use pynn::backends::native::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn::core::parameters::{Column, ParamTable};
use pynn::prelude::*;
use std::hint::black_box;

const CELLS: usize = 512;

/// A kernel of `CELLS` cells with default parameters and initial values
/// spread over [-65, -50) mV, so that some cells fire.
fn kernel<C: NativeCell>() -> Box<dyn Kernel> {
    let params = ParamTable::defaults(C::PARAMETERS, CELLS);
    let mut init = ParamTable::defaults(C::STATE, CELLS);
    let idx: Vec<usize> = (0..CELLS).collect();
    let v: Vec<f64> = (0..CELLS).map(|i| -65.0 + 15.0 * i as f64 / CELLS as f64).collect();
    init.assign("v", &idx, Column::Scalar(v));
    let ctx = BuildContext { dt: 0.1, seed: 1, population: 0, label: "bench".into(), first_cell: 0, composition: None };
    C::build(&params, &init, &ctx).expect("kernel")
}

/// Steps a kernel with a constant excitatory input on every cell (ODE
/// solver: RKF45, for the kernels that have one).
fn update<C: NativeCell>(c: &mut Criterion, name: &str, input: f64) {
    update_with::<C>(c, name, input, OdeSolver::Rkf45);
}

/// [`update`] with the kernel's ODE solver chosen.
fn update_with<C: NativeCell>(c: &mut Criterion, name: &str, input: f64, solver: OdeSolver) {
    let mut k = kernel::<C>();
    k.set_ode_solver(solver);
    let ex = vec![input; CELLS];
    let inh = vec![0.0; CELLS];
    let current = vec![0.0; CELLS];
    let synaptic: [&[f64]; 2] = [&ex, &inh];
    let mut out = SpikeOut::new();
    let mut step = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            out.clear();
            k.step(&StepInput { step, synaptic: &synaptic, current: &current }, &mut out);
            step += 1;
            black_box(out.len())
        })
    });
}

/// Steps a kernel as the engine does in a shard without current sources:
/// through `Kernel::step_clearing_no_current`, its input slots refilled
/// with a sparse excitatory input (one cell in 32, as VA CUBA's ring
/// slots) before each step.
fn update_clearing<C: NativeCell>(c: &mut Criterion, name: &str, input: f64) {
    let mut k = kernel::<C>();
    let (mut ex, mut inh) = (vec![0.0; CELLS], vec![0.0; CELLS]);
    let zeros = vec![0.0; CELLS];
    let mut out = SpikeOut::new();
    let mut step = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            out.clear();
            for i in (step as usize % 32..CELLS).step_by(32) {
                ex[i] = input;
            }
            assert!(k.step_clearing_no_current(step, &mut [&mut ex[..], &mut inh[..]], &zeros, &mut out));
            step += 1;
            black_box(out.len())
        })
    });
}

fn neuron_update(c: &mut Criterion) {
    update::<IF_curr_exp>(c, "update IF_curr_exp x512", 0.05);
    update_clearing::<IF_curr_exp>(c, "update IF_curr_exp x512, clearing, no current", 0.5);
    update_clearing::<IF_curr_delta>(c, "update IF_curr_delta x512, clearing, no current", 0.5);
    update::<IF_curr_delta>(c, "update IF_curr_delta x512", 0.05);
    update_with::<IF_cond_exp>(c, "update IF_cond_exp x512 (Auto, the default)", 0.002, OdeSolver::Auto);
    update_with::<IF_cond_exp>(c, "update IF_cond_exp x512 (RKF45)", 0.002, OdeSolver::Rkf45);
    update_with::<IF_cond_exp>(c, "update IF_cond_exp x512 (RK4)", 0.002, OdeSolver::Rk4);
    poisson(c);
    poisson_counted(c);
}

/// 512 Poisson sources at Brunel's drive rate (20 kHz: two spikes per step
/// on average, counts drawn per step).
fn poisson(c: &mut Criterion) {
    let mut params = ParamTable::defaults(SpikeSourcePoisson::PARAMETERS, CELLS);
    let idx: Vec<usize> = (0..CELLS).collect();
    params.assign("rate", &idx, Column::Scalar(vec![20_000.0; CELLS]));
    let init = ParamTable::defaults(SpikeSourcePoisson::STATE, CELLS);
    let ctx = BuildContext { dt: 0.1, seed: 1, population: 0, label: "bench".into(), first_cell: 0, composition: None };
    let mut k = SpikeSourcePoisson::build(&params, &init, &ctx).expect("kernel");
    let current = vec![0.0; CELLS];
    let mut out = SpikeOut::new();
    let mut step = 0;
    c.bench_function("draw SpikeSourcePoisson x512 at 20 kHz", |b| {
        b.iter(|| {
            out.clear();
            k.step(&StepInput { step, synaptic: &[], current: &current }, &mut out);
            step += 1;
            black_box(out.len())
        })
    });
}

/// [`poisson`] through `Kernel::step_counted`, the engine's path: one
/// entry per spiking cell with its count, instead of one entry per spike.
fn poisson_counted(c: &mut Criterion) {
    let mut params = ParamTable::defaults(SpikeSourcePoisson::PARAMETERS, CELLS);
    let idx: Vec<usize> = (0..CELLS).collect();
    params.assign("rate", &idx, Column::Scalar(vec![20_000.0; CELLS]));
    let init = ParamTable::defaults(SpikeSourcePoisson::STATE, CELLS);
    let ctx = BuildContext { dt: 0.1, seed: 1, population: 0, label: "bench".into(), first_cell: 0, composition: None };
    let mut k = SpikeSourcePoisson::build(&params, &init, &ctx).expect("kernel");
    let (mut out, mut mult) = (SpikeOut::new(), Vec::new());
    let mut step = 0;
    c.bench_function("draw SpikeSourcePoisson x512 at 20 kHz, counted", |b| {
        b.iter(|| {
            out.clear();
            mult.clear();
            assert!(k.step_counted(step, &mut out, &mut mult));
            step += 1;
            black_box(mult.iter().sum::<u32>())
        })
    });
}

/// 1 ms of 100 Poisson sources at 10 kHz (one spike per step on average)
/// into 2000 cells, 100 synapses per source: about 1e5 synaptic events per run.
fn delivery(c: &mut Criterion) {
    let sim = Sim::<Native>::setup(Setup {
        timestep: 0.1,
        min_delay: 0.1,
        max_delay: 1.0,
        seed: 1,
        threads: 1,
        ..Setup::default()
    })
    .expect("setup");
    let src = Population::new(&sim, 100, SpikeSourcePoisson { rate: 10_000.0, ..Default::default() }).expect("sources");
    let dst = Population::new(&sim, 2000, IF_curr_exp::default()).expect("targets");
    let conn = FixedNumberPostConnector { n: 100.into(), allow_self_connections: true, with_replacement: false };
    Projection::new(&src, &dst, &conn, StaticSynapse::new(0.001, 0.5), None).expect("projection");
    c.bench_function("deliver 1e5 events (+ update of 2000 cells x 10 steps)", |b| {
        b.iter(|| sim.run(1.0).expect("run"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = neuron_update, delivery
}
criterion_main!(benches);
