//! A Poisson rate changed during the run, the protocol of PyNN 0.13's
//! `examples/varying_poisson.py`: 50 `SpikeSourcePoisson` sources start
//! at 0 Hz and every 200 ms their rate rises by 20 Hz (0, 20, 40, 60,
//! 80 Hz over 1 s). PyNN's example changes the rate from a run callback;
//! here the run is cut into five 200 ms runs with a `set("rate", ...)`
//! between them (the same thing: parameters set between runs apply from
//! the current time on).
//!
//! ```text
//! cargo run --release --example varying_poisson -- --plot docs/gallery/varying_poisson.png
//! cargo run --release --example varying_poisson -- --backend nest
//! ```
//!
//! Prints the spike count of each 200 ms segment against its expectation
//! (50 x rate x 0.2 s) and writes the spikes to
//! `OUT/varying_poisson-BACKEND.npz` (+ `.json`).

mod support;

use pynn::prelude::*;
use std::path::Path;
use support::CommonArgs;

network! {
    /// 50 Poisson sources, silent at first.
    struct VaryingPoisson;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms }

    pop sources = SpikeSourcePoisson(50) { rate = 0 Hz };

    record sources: spikes;
}

/// Length of each constant-rate segment (ms).
pub const INTERVAL: f64 = 200.0;
/// The rate of each segment (Hz).
pub const RATES: [f64; 5] = [0.0, 20.0, 40.0, 60.0, 80.0];
/// Number of sources.
pub const N: usize = 50;

/// The command line: `--backend`, `--out`, `--seed`, `--plot`.
const GALLERY: support::Gallery = support::Gallery {
    about: "50 Poisson sources whose rate rises by 20 Hz every 200 ms (PyNN varying_poisson.py)",
    seed: "1",
    out_help: "Directory for the results (varying_poisson-BACKEND.npz + .json)",
    seed_help: "Session seed (the Poisson spike trains)",
    plot_help: "Draw the spike raster and the population rate into this file (`.png` or `.svg`)",
};

fn main() -> std::process::ExitCode {
    let args: CommonArgs = GALLERY.parse();
    support::run_on_backend!(args.backend, main_on(&args))
}

/// Builds and runs the model on `B` (five runs, the rate set before each);
/// returns the open session and the recorded spikes.
pub fn simulate<B>(seed: u64) -> Result<(Sim<B>, Block)>
where
    B: pynn::Backend + pynn::Supports<SpikeSourcePoisson>,
{
    let sim = Sim::<B>::setup(Setup { seed, ..VaryingPoisson::<B>::setup() })?;
    let net = VaryingPoisson::<B>::build(&sim)?;
    for rate in RATES {
        net.sources.set("rate", rate)?;
        sim.run(INTERVAL)?;
    }
    let block = net.sources.get_data()?;
    Ok((sim, block))
}

/// Number of spikes of all sources in each segment `[k INTERVAL, (k+1) INTERVAL)`.
pub fn segment_counts(block: &Block) -> Vec<usize> {
    let mut counts = vec![0; RATES.len()];
    for t in block.segments[0].spiketrains.iter().flat_map(|s| &s.times) {
        if let Some(c) = counts.get_mut((t / INTERVAL) as usize) {
            *c += 1;
        }
    }
    counts
}

fn main_on<B>(args: &CommonArgs) -> Result<()>
where
    B: pynn::Backend + pynn::Supports<SpikeSourcePoisson>,
{
    let (sim, block) = simulate::<B>(args.seed)?;
    println!("varying Poisson rate on {} ({N} sources, seed {})", B::NAME, args.seed);
    for (k, (count, rate)) in segment_counts(&block).iter().zip(RATES).enumerate() {
        let expected = N as f64 * rate * INTERVAL / 1000.0;
        println!(
            "  {:>4}-{:>4} ms  rate {rate:>4} Hz  {count:>4} spikes (expected {expected:.0})",
            k as f64 * INTERVAL,
            (k + 1) as f64 * INTERVAL
        );
    }
    args.finish(&sim, std::slice::from_ref(&block), "varying_poisson", |path| plot(&block, path))
}

/// The spike raster and the population rate in 20 ms bins.
#[cfg(feature = "plot")]
fn plot(block: &Block, path: &Path) -> Result<()> {
    let seg = &block.segments[0];
    let fig = pynn::plot::Figure::new("Poisson rate 0, 20, 40, 60, 80 Hz, 200 ms each")
        .provenance(block)
        .raster(seg, None)?
        .rate_histogram(seg, 20.0)?;
    fig.save(path, (900, 600))?;
    println!("  figure       {}", path.display());
    Ok(())
}

/// `--plot` in a build without the `plot` feature.
#[cfg(not(feature = "plot"))]
fn plot(_: &Block, path: &Path) -> Result<()> {
    Err(support::plot_unavailable(path))
}
