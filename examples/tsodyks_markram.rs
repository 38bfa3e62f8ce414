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
//! cargo run --release --example tsodyks_markram -- --plot tsodyks_markram.png
//! ```

mod support;

use clap::Parser;
use pynn::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "PyNN's tsodyksmarkram.py: static, depressing and facilitating synapses (native engine)")]
struct Args {
    /// Directory for the results (tsodyks_markram-native.npz + .json).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Draw the three cells' inhibitory conductance and membrane potential into this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

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
    let args = Args::parse();
    support::run(|| simulate(&args))
}

fn simulate(args: &Args) -> Result<()> {
    let (sim, net) = TsodyksMarkram::<Native>::setup_and_build()?;
    let spike_times: Vec<f64> = (1..10).map(|k| 10.0 * k as f64).collect();
    sim.run(200.0)?;

    let dt = sim.get_time_step();
    let mut blocks = Vec::new();
    for (label, pop) in [("static", &net.steady), ("depressing", &net.depressing), ("facilitating", &net.facilitating)]
    {
        let data = pop.get_data()?;
        blocks.push((label, data.clone()));
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
    let written: Vec<Block> = blocks.iter().map(|(_, b)| b.clone()).collect();
    support::write_results(&sim, &written, &args.out, "tsodyks_markram-native", "PyNN tsodyksmarkram.py")?;
    if let Some(path) = &args.plot {
        plot(&blocks, path)?;
    }
    sim.end()
}

/// Named (time, value) series of one figure panel.
#[cfg(feature = "plot")]
type Lines = Vec<(String, Vec<(f64, f64)>)>;

/// The three traces of PyNN's tsodyksmarkram.py (static, depressing,
/// facilitating): inhibitory conductance and membrane potential of each cell.
#[cfg(feature = "plot")]
fn plot(blocks: &[(&str, Block)], path: &Path) -> Result<()> {
    let trace = |signal: &str| -> Result<Lines> {
        blocks
            .iter()
            .map(|(label, block)| {
                let sig = block.segments[0].signal(signal).ok_or_else(|| {
                    pynn::Error::unknown_name("tsodyks_markram figure", "recorded signal", signal, ["v", "gsyn_inh"])
                })?;
                Ok((label.to_string(), sig.times().into_iter().zip(sig.column(0)).collect()))
            })
            .collect()
    };
    let fig = pynn::plot::Figure::new("tsodyksmarkram")
        .provenance(&blocks[0].1)
        .lines("gsyn_inh", "time (ms)", "gsyn_inh (uS)", trace("gsyn_inh")?)?
        .lines("v", "time (ms)", "v (mV)", trace("v")?)?;
    support::save_figure(&fig, path)
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &[(&str, Block)], path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
