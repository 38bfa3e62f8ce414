//! Depressing and facilitating synapses, a port of PyNN's
//! `examples/tsodyksmarkram.py` (same protocol, our own code).
//!
//! One spike source fires at 10, 20, ..., 90 ms onto three
//! conductance-based cells through inhibitory synapses (weight 0.01 uS,
//! delay 0.5 ms): static, depressing (`U = 0.5`, `tau_rec = 800 ms`) and
//! facilitating (`U = 0.04`, `tau_rec = 100 ms`, `tau_facil = 1000 ms`).
//! Prints, per spike, the step of the inhibitory conductance it causes
//! (`weight * u * x` for the plastic synapses) and the IPSP amplitude (the
//! fall of v from the spike's arrival to the next arrival).
//!
//! ```text
//! cargo run --release --example tsodyks_markram
//! ```

use pynn::prelude::*;

fn main() -> Result<()> {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Setup::default() })?;
    let spike_times: Vec<f64> = (1..10).map(|k| 10.0 * k as f64).collect();
    let source = Population::with_label(&sim, 1, SpikeSourceArray::default(), Some("source"))?;
    source.set("spike_times", vec![spike_times.clone()])?;
    let (weight, delay) = (0.01, 0.5);

    let mut cells = Vec::new();
    for label in ["static", "depressing", "facilitating"] {
        let cell = IF_cond_exp { e_rev_I: -75.0, ..Default::default() };
        let pop = Population::with_label(&sim, 1, cell, Some(label))?;
        let connector = AllToAllConnector::default();
        match label {
            "static" => {
                Projection::new(&source, &pop, &connector, StaticSynapse::new(weight, delay), Some("inhibitory"))?
            }
            "depressing" => {
                let tm = TsodyksMarkramSynapse::new(weight, delay, 0.5, 800.0, 0.0); // U, tau_rec, tau_facil
                Projection::new(&source, &pop, &connector, tm, Some("inhibitory"))?
            }
            _ => {
                let tm = TsodyksMarkramSynapse::new(weight, delay, 0.04, 100.0, 1000.0);
                Projection::new(&source, &pop, &connector, tm, Some("inhibitory"))?
            }
        };
        pop.record(["v", "gsyn_inh"], None)?;
        cells.push((label, pop));
    }
    sim.run(200.0)?;

    let dt = sim.get_time_step();
    for (label, pop) in &cells {
        let data = pop.get_data()?;
        let seg = &data.segments[0];
        let v = seg.signal("v").expect("recorded").column(0);
        let g = seg.signal("gsyn_inh").expect("recorded").column(0);
        println!("{label}:");
        println!("  spike (ms)   gsyn_inh step (nS)   IPSP (mV)");
        let decay = (-dt / 5.0f64).exp(); // tau_syn_I = 5 ms
        for (k, t) in spike_times.iter().enumerate() {
            // From the arrival of this spike to the arrival of the next.
            let a = ((t + delay) / dt).round() as usize;
            let e = spike_times.get(k + 1).map_or(v.len(), |n| ((n + delay) / dt).round() as usize);
            let step = (a - 2..(a + 2).min(e - 1)).map(|i| g[i + 1] - g[i] * decay).fold(f64::MIN, f64::max);
            let ipsp = v[a] - v[a..e].iter().cloned().fold(f64::MAX, f64::min);
            println!("  {t:>10.1}   {:>18.4}   {ipsp:>9.4}", step * 1000.0);
        }
    }
    sim.end()
}
