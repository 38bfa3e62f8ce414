//! A small network built from populations and a projection, the protocol
//! of PyNN 0.13's `examples/small_network.py`: 20 `IF_cond_alpha` cells
//! (tau_m 20 ms, tau_syn_E 2 ms, tau_syn_I 4 ms, E_E 0 mV, E_I -70 mV,
//! tau_refrac 2 ms, v_rest -60 mV, v_reset -70 mV, v_thresh -50 mV,
//! cm 0.5 nF; initial v uniform in [-60, -50) mV) driven by 20
//! `SpikeSourceArray`s through a `FixedProbabilityConnector(0.5)`
//! (weight 0.002 uS, delay 1 ms). Each input train is a Poisson process at
//! 50 Hz with a dead time of one step (intervals `dt + Exp(20 ms)`, as
//! PyNN's example draws them), drawn here from the session's streams.
//! 1000 ms at dt 0.1 ms.
//!
//! ```text
//! cargo run --release --example small_network -- --plot docs/gallery/small_network.png
//! cargo run --release --example small_network -- --backend nest
//! ```
//!
//! Prints the number of connections and the mean firing rate, and writes
//! the spikes of all cells and `v`, `gsyn_exc` of cells 0 and 1 to
//! `OUT/small_network-BACKEND.npz` (+ `.json`).

mod support;

use pynn::core::random::{ObjectKind, Streams};
use pynn::prelude::*;
use std::path::Path;
use support::CommonArgs;

network! {
    /// 20 conductance-based cells driven by 20 spike trains.
    struct SmallNetwork;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms, max_delay = 1 ms }

    pop cells = IF_cond_alpha(20, label = "cells") {
        tau_m = 20 ms, tau_syn_E = 2 ms, tau_syn_I = 4 ms, e_rev_E = 0 mV, e_rev_I = -70 mV,
        tau_refrac = 2 ms, v_rest = -60 mV, v_reset = -70 mV, v_thresh = -50 mV, cm = 0.5 nF,
    } init { v = uniform(-60 mV, -50 mV) };
    pop spike_source = SpikeSourceArray(20, label = "input");

    connect input = spike_source -> cells fixed_probability(p = 0.5) static(weight = 0.002 uS, delay = 1 ms) excitatory;

    record cells: spikes;
    record cells[0..2]: v, gsyn_exc;
    record spike_source: spikes;
}

/// Simulated time (ms).
pub const T_STOP: f64 = 1000.0;
/// Rate of the input trains (Hz).
pub const INPUT_RATE: f64 = 50.0;

/// The command line: `--backend`, `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "20 IF_cond_alpha cells driven by 20 Poisson spike trains (PyNN small_network.py)",
    seed: "945645645",
    out_help: "Directory for the results (small_network-BACKEND.npz + .json)",
    seed_help: "Session seed (input trains, connections, initial potentials)",
    plot_help: "Draw potentials, conductances and the spike raster into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: CommonArgs = GALLERY.parse();
    support::run_on_backend!(args.backend, main_on(&args))
}

/// The 20 input trains: for each, `2 T_STOP INPUT_RATE / 1000` intervals
/// `dt + Exp(1000 / INPUT_RATE)` accumulated, kept up to `T_STOP`, drawn
/// from the session seed's stream of (population 0, "input trains", train).
pub fn input_trains(seed: u64, dt: f64) -> Result<Vec<Vec<f64>>> {
    let number = (2.0 * T_STOP * INPUT_RATE / 1000.0) as usize;
    let isi = RandomDistribution::exponential(1000.0 / INPUT_RATE);
    let streams = Streams::new(seed);
    (0..20)
        .map(|j| {
            let mut rng = streams.rng(ObjectKind::Population, 0, "input trains", j);
            let mut t = 0.0;
            let times = isi.sample_n(&mut rng, number)?.into_iter().map(|x| {
                t += dt + x;
                t
            });
            Ok(times.take_while(|t| *t <= T_STOP).collect())
        })
        .collect()
}

/// Builds and runs the model on `B`; returns the open session, the
/// number of connections, and the blocks of the cells and of the inputs.
pub fn simulate<B>(seed: u64) -> Result<(Sim<B>, usize, Block, Block)>
where
    B: pynn::Backend + pynn::Supports<IF_cond_alpha> + pynn::Supports<SpikeSourceArray>,
{
    let setup = Setup { seed, ..SmallNetwork::<B>::setup() };
    let dt = setup.timestep;
    let sim = Sim::<B>::setup(setup)?;
    let net = SmallNetwork::<B>::build(&sim)?;
    net.spike_source.set("spike_times", input_trains(seed, dt)?)?;
    sim.run(T_STOP)?;
    Ok((sim, net.input.size(), net.cells.get_data()?, net.spike_source.get_data()?))
}

fn main_on<B>(args: &CommonArgs) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<IF_cond_alpha> + pynn::Supports<SpikeSourceArray>,
{
    let (sim, n_conn, cells, input) = simulate::<B>(args.seed)?;
    let count = |b: &Block| b.segments[0].spiketrains.iter().map(|s| s.times.len()).sum::<usize>();
    println!("small network on {} (seed {})", B::NAME, args.seed);
    println!("  connections  {n_conn} of 400 possible (p = 0.5)");
    println!("  input        {} spikes, {:.2} Hz per train", count(&input), count(&input) as f64 / 20.0);
    println!("  cells        {} spikes, mean firing rate {:.2} Hz", count(&cells), count(&cells) as f64 / 20.0);
    args.finish(&sim, &[cells.clone(), input], "small_network", |path| plot(&cells, path))
}

/// Potentials and excitatory conductances of cells 0 and 1, and the spike
/// raster of all cells.
#[cfg(feature = "plot")]
fn plot(block: &Block, path: &Path) -> Result<()> {
    let seg = &block.segments[0];
    let fig = pynn::plot::Figure::new("Small network: 20 IF_cond_alpha cells, 20 Poisson inputs at 50 Hz")
        .provenance(block)
        .signal(seg, "v", None)?
        .signal(seg, "gsyn_exc", None)?
        .raster(seg, None)?;
    fig.save(path, (900, 900))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
