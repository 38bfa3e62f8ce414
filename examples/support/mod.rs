//! Helpers shared by the benchmark examples.

use clap::{Parser, ValueEnum};
use pynn::prelude::*;
use std::path::{Path, PathBuf};

/// Which simulator runs the model.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackendChoice {
    /// pynn-rs's own engine.
    Native,
    /// NEST 3 through PyNEST (needs the Python environment, see README).
    Nest,
}

/// Command line of the benchmark examples.
#[derive(Parser, Debug)]
pub struct Args {
    /// Simulator to run on.
    #[arg(long, value_enum, default_value = "native")]
    pub backend: BackendChoice,
    /// Directory for the results (NAME.npz + NAME.json).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Session seed (connectivity and initial potentials).
    #[arg(long, default_value_t = 98765)]
    pub seed: u64,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Simulated time (ms).
    #[arg(long, default_value_t = 1000.0)]
    pub tstop: f64,
}

/// Peak resident memory of this process (MiB), from `/proc/self/status`.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Prints spike count and mean rate of each population, writes all blocks to
/// `out/name.npz` (+ `.json`) and returns the blocks.
pub fn report_and_write<B: pynn::Backend>(
    sim: &Sim<B>,
    pops: &[&dyn PopulationData],
    tstop: f64,
    out: &Path,
    name: &str,
    model: &str,
) -> Result<()> {
    let mut blocks = Vec::new();
    for pop in pops {
        let block = pop.data()?;
        let spikes: usize = block.segments[0].spiketrains.iter().map(|s| s.times.len()).sum();
        let rate = spikes as f64 / pop.cells() as f64 / (tstop / 1000.0);
        println!("  {:<4} {:>5} cells  {spikes:>7} spikes  mean rate {rate:.2} Hz", block.name, pop.cells());
        blocks.push(block);
    }
    let provenance = [
        ("simulator", serde_json::json!(B::NAME)),
        ("dt", serde_json::json!(sim.get_time_step())),
        ("seed", serde_json::json!(sim.seed())),
        ("t_stop", serde_json::json!(sim.get_current_time())),
        ("model", serde_json::json!(model)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (npz, json) = pynn::core::io::write_blocks(&out.join(name), &blocks, &provenance)?;
    println!("  data         {} + {}", npz.display(), json.display());
    Ok(())
}

/// What the report needs of a population, whatever its cell type.
pub trait PopulationData {
    /// Its recorded data.
    fn data(&self) -> Result<Block>;
    /// Its size.
    fn cells(&self) -> usize;
}

impl<C: pynn::CellType, B: pynn::Backend> PopulationData for Population<C, B> {
    fn data(&self) -> Result<Block> {
        self.get_data()
    }
    fn cells(&self) -> usize {
        self.size()
    }
}
