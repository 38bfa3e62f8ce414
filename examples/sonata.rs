//! Imports a SONATA circuit (by default the BMTK one stored with the tests),
//! runs it on the native engine for the simulation config's `tstop`, and
//! writes the spikes of every population as a SONATA spike file
//! (`spikes.h5`, readable by libsonata, BMTK and PyNN), as .npz + JSON
//! sidecar (readable with `pynn_neo.py`), and a raster plot.
//!
//! ```text
//! cargo run --release --features sonata --example sonata -- \
//!     [--config tests/data/sonata/bmtk/config.json] [--out target/sonata]
//! ```

use clap::Parser;
use pynn::prelude::*;
use pynn::sonata::import::Circuit;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Import a SONATA circuit and run it on the native engine")]
struct Args {
    /// A SONATA simulation config (or circuit config; then give --tstop).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sonata/bmtk/config.json"))]
    config: PathBuf,
    /// Duration (ms) when the config has no `run.tstop`.
    #[arg(long)]
    tstop: Option<f64>,
    /// Output directory.
    #[arg(long, default_value = "target/sonata")]
    out: PathBuf,
}

fn main() -> pynn::Result<()> {
    let args = Args::parse();
    let circuit = Circuit::open(&args.config)?;
    let sim = Sim::<Native>::setup(circuit.setup())?;
    let net = circuit.build(&sim)?;
    for p in net.populations() {
        let kinds: Vec<&str> = p.description().parts.iter().map(|q| q.template.as_str()).collect();
        println!("population {:>12}: {:>5} nodes ({})", p.name(), p.size(), kinds.join(", "));
    }
    for e in net.edge_populations() {
        let n: usize = net.projections(e)?.iter().map(|p| p.size()).sum();
        println!("edges      {e:>12}: {n:>5} connections");
    }
    // `build` records the spikes of non-virtual nodes (as SONATA asks);
    // the inputs' spikes are recorded too, for the raster.
    for p in net.populations() {
        for part in p.parts() {
            part.record("spikes", None)?;
        }
    }
    match (circuit.run_config().tstop, args.tstop) {
        (_, Some(t)) => sim.run(t)?,
        (Some(_), None) => net.run()?,
        (None, None) => {
            return Err(pynn::Error::State {
                object: "example sonata".into(),
                message: "the config has no run.tstop; give --tstop".into(),
            });
        }
    };
    std::fs::create_dir_all(&args.out).map_err(|e| pynn::Error::io(&args.out, e))?;
    let mut blocks = Vec::new();
    let dur = sim.get_current_time() / 1000.0;
    for p in net.populations() {
        let spikes = p.spike_times()?;
        let n: usize = spikes.iter().map(Vec::len).sum();
        println!("{:>12}: {n} spikes, {:.2} Hz per node", p.name(), n as f64 / p.size() as f64 / dur);
        for part in p.parts() {
            blocks.push(part.get_data()?);
        }
    }
    let (npz, json) = pynn::io::write_blocks(&args.out.join("spikes.npz"), &blocks, &Default::default())?;
    // SONATA's own output format: one spike file, a group per population.
    let sonata_spikes = args.out.join("spikes.h5");
    let refs: Vec<&pynn::data::Block> = blocks.iter().collect();
    pynn::sonata::output::write_spikes(&sonata_spikes, &refs, 0)?;
    println!("wrote {}", sonata_spikes.display());
    let mut fig = pynn::plot::Figure::new(format!("SONATA circuit {}", args.config.display()));
    for b in &blocks {
        if let Some(seg) = b.segments.last().filter(|s| s.spiketrains.iter().any(|t| !t.times.is_empty())) {
            fig = fig.raster(seg, None)?;
        }
    }
    let png = args.out.join("raster.png");
    fig.save(&png, (900, 300 * fig.n_panels().max(1) as u32))?;
    println!("wrote {}, {} and {}", npz.display(), json.display(), png.display());
    sim.end()
}
