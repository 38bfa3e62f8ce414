//! Depressing and facilitating synapses, a port of PyNN's
//! `examples/tsodyksmarkram.py` (same protocol, our own code), written with
//! `network!`.
//!
//! One spike source fires at 10, 20, ..., 90 ms onto three
//! conductance-based cells through inhibitory synapses (weight 0.01 uS,
//! delay 0.5 ms): static, depressing (`U = 0.5`, `tau_rec = 800 ms`) and
//! facilitating (`U = 0.04`, `tau_rec = 100 ms`, `tau_facil = 1000 ms`).
//! Prints, per spike, the step of the inhibitory conductance it causes
//! (`weight * u * x` for the plastic synapses) and the IPSP amplitude (the
//! fall of v from the spike's arrival to the next arrival).
//! (`tests/macro_plasticity.rs` checks that this network gives exactly the
//! traces of the same model in the object API.)
//!
//! ```text
//! cargo run --release --example tsodyks_markram
//! ```

mod support;

use pynn::prelude::*;

const DELAY: f64 = 0.5; // ms

network! {
    /// PyNN's tsodyksmarkram.py.
    struct TsodyksMarkram;

    setup { timestep = 0.1 ms }

    pop source = SpikeSourceArray(1, label = "source") {
        spike_times = [10 ms, 20 ms, 30 ms, 40 ms, 50 ms, 60 ms, 70 ms, 80 ms, 90 ms],
    };
    pop steady = IF_cond_exp(1, label = "static") { e_rev_I = -75 mV };
    pop depressing = IF_cond_exp(1) { e_rev_I = -75 mV };
    pop facilitating = IF_cond_exp(1) { e_rev_I = -75 mV };

    connect source -> steady all_to_all() static(weight = 0.01 uS, delay = { DELAY } ms) inhibitory;
    connect source -> depressing all_to_all()
        tsodyks_markram(U = 0.5, tau_rec = 800 ms, tau_facil = 0 ms, weight = 0.01 uS, delay = { DELAY } ms) inhibitory;
    connect source -> facilitating all_to_all()
        tsodyks_markram(U = 0.04, tau_rec = 100 ms, tau_facil = 1000 ms, weight = 0.01 uS, delay = { DELAY } ms)
        inhibitory;

    record steady: v, gsyn_inh;
    record depressing: v, gsyn_inh;
    record facilitating: v, gsyn_inh;
}

fn main() -> std::process::ExitCode {
    support::run(try_main)
}

fn try_main() -> Result<()> {
    let (sim, net) = TsodyksMarkram::<Native>::setup_and_build()?;
    let spike_times: Vec<f64> = (1..10).map(|k| 10.0 * k as f64).collect();
    sim.run(200.0)?;

    let dt = sim.get_time_step();
    for (label, pop) in [("static", &net.steady), ("depressing", &net.depressing), ("facilitating", &net.facilitating)]
    {
        let data = pop.get_data()?;
        let seg = &data.segments[0];
        let v = seg.signal("v").expect("recorded").column(0);
        let g = seg.signal("gsyn_inh").expect("recorded").column(0);
        println!("{label}:");
        println!("  spike (ms)   gsyn_inh step (nS)   IPSP (mV)");
        let decay = (-dt / 5.0f64).exp(); // tau_syn_I = 5 ms
        for (k, t) in spike_times.iter().enumerate() {
            // From the arrival of this spike to the arrival of the next.
            let a = ((t + DELAY) / dt).round() as usize;
            let e = spike_times.get(k + 1).map_or(v.len(), |n| ((n + DELAY) / dt).round() as usize);
            let step = (a - 2..(a + 2).min(e - 1)).map(|i| g[i + 1] - g[i] * decay).fold(f64::MIN, f64::max);
            let ipsp = v[a] - v[a..e].iter().cloned().fold(f64::MAX, f64::min);
            println!("  {t:>10.1}   {:>18.4}   {ipsp:>9.4}", step * 1000.0);
        }
    }
    sim.end()
}
