//! Every analog recordable of every neuron model can be recorded with a
//! sampling interval (issue 3): a run recording every variable at 0.5 ms
//! gives exactly every fifth sample of the same run recorded at dt = 0.1 ms,
//! and every variable actually changes during the run (spikes, adaptation,
//! synaptic input and a current step are all present).

use pynn::core::cells::PostSynapticResponse;
use pynn::core::{CellType, Supports};
use pynn::prelude::*;

/// Records every analog variable of `cell` with `interval` while two cells
/// receive a DC current step and excitatory/inhibitory spikes; returns
/// (name, per-cell samples) per variable.
fn run<C: CellType>(cell: C, dc: f64, w: (f64, f64), interval: Option<f64>) -> Vec<(String, Vec<Vec<f64>>)>
where
    Native: Supports<C>,
{
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: 3, ..Setup::default() }).unwrap();
    let info = cell.info();
    let pop = Population::<C, Native>::new(&sim, 2, cell).unwrap();
    pop.inject(DCSource { amplitude: dc, start: 10.0, stop: 90.0 }).unwrap();
    let src = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default()).unwrap();
    src.set("spike_times", vec![vec![5.0, 20.0, 35.0, 50.0, 65.0, 80.0]]).unwrap();
    for (receptor, weight) in info.receptors.iter().zip([w.0, w.1]) {
        let conn = FromListConnector::with_weights_and_delays(vec![(0, 0, weight, 1.0), (0, 1, weight, 2.0)]);
        Projection::new(&src, &pop, &conn, StaticSynapse::default(), Some(receptor)).unwrap();
    }
    let names: Vec<String> =
        info.recordables.iter().filter(|r| r.name != "spikes").map(|r| r.name.to_string()).collect();
    pop.record(names.clone(), interval).unwrap();
    sim.run(100.0).unwrap();
    let seg = pop.get_data().unwrap().segments[0].clone();
    names.into_iter().map(|n| (n.clone(), (0..2).map(|i| seg.signal(&n).unwrap().column(i)).collect())).collect()
}

fn check<C: CellType + Clone>(cell: C, dc: f64, w: (f64, f64)) -> usize
where
    Native: Supports<C>,
{
    let name = C::NAME;
    let every = run(cell.clone(), dc, w, None);
    eprintln!("{name}: {:?}", every.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>());
    let sampled = run(cell, dc, w, Some(0.5));
    assert_eq!(every.len(), sampled.len());
    for ((var, full), (var2, part)) in every.iter().zip(&sampled) {
        assert_eq!(var, var2);
        for c in 0..2 {
            assert_eq!(full[c].len(), 1001, "{name}.{var}");
            assert_eq!(part[c].len(), 201, "{name}.{var}: samples at 0, 0.5, ..., 100 ms");
            let every_fifth: Vec<f64> = full[c].iter().step_by(5).copied().collect();
            assert_eq!(part[c], every_fifth, "{name}.{var} of cell {c}");
            let (lo, hi) = full[c].iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
            assert!(hi > lo, "{name}.{var} of cell {c} never changes");
        }
    }
    every.len()
}

#[test]
fn every_recordable_of_every_model_with_a_sampling_interval() {
    let cond = (0.01, 0.02);
    let curr = (0.5, -0.5);
    let mut n = 0;
    n += check(IF_curr_alpha::default(), 1.0, curr);
    n += check(IF_curr_exp::default(), 1.0, curr);
    n += check(IF_curr_delta::default(), 1.0, (2.0, -2.0));
    n += check(IF_cond_exp::default(), 1.0, cond);
    n += check(IF_cond_alpha::default(), 1.0, cond);
    n += check(IF_cond_exp_gsfa_grr::default(), 1.0, cond);
    n += check(IF_facets_hardware1::default(), 0.6, (0.004, 0.01));
    n += check(EIF_cond_exp_isfa_ista::default(), 1.0, cond);
    n += check(EIF_cond_alpha_isfa_ista::default(), 1.0, cond);
    n += check(HH_cond_exp::default(), 0.5, (0.05, 0.05));
    n += check(Izhikevich::default(), 0.01, (3.0, -3.0));
    n += check(GIF_cond_exp::default(), 1.5, cond);
    let psr = |x: PostSynapticResponse| x;
    let adex = PointNeuron::new(
        AdExp::default(),
        [("AMPA", psr(AlphaPSR::default().into())), ("GABAA", psr(BetaPSR::default().into()))],
    );
    n += check(adex.unwrap(), 1.0, cond);
    let lif = PointNeuron::new(
        LIF::default(),
        [("AMPA", CurrExpPostSynapticResponse::default()), ("GABAA", CurrExpPostSynapticResponse { tau_syn: 2.0 })],
    );
    n += check(lif.unwrap(), 1.0, curr);
    // v (14 models), isyn_exc/inh (IF_curr_alpha/exp), gsyn_exc/inh (8
    // conductance models), w (2 EIF + AdExp), u, g_r/g_s, m/h/n, i_eta/v_t,
    // per-receptor gsyn/isyn (4).
    assert_eq!(n, 14 + 4 + 16 + 3 + 1 + 2 + 3 + 2 + 4, "variables checked");
}
