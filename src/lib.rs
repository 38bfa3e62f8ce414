//! # pynn-rs
//!
//! Write a spiking neuronal network model once, in Rust, and run it on the
//! fast native engine (the default) or on other simulators. A Rust take on
//! [PyNN](https://neuralensemble.org/PyNN/): PyNN's standard models with
//! PyNN's names, units (ms, mV, nA, nF, uS, Hz) and defaults; PyNN's
//! procedural API (`setup`, `create`, `connect`, `record`, `run`, ...) and
//! object API (`Population`, `PopulationView`, `Assembly`, `Projection`,
//! connectors, current sources).
//!
//! ```
//! use pynn::prelude::*;
//!
//! let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Setup::default() })?;
//! let cells = Population::new(&sim, 2, IF_curr_exp { i_offset: 1.0, ..Default::default() })?;
//! cells.record(["spikes", "v"], None)?;
//! sim.run(100.0)?;
//! let data = cells.get_data()?;
//! let v = data.segments[0].signal("v").unwrap();
//! assert_eq!(v.n_samples(), 1001); // t = 0, 0.1, ..., 100 ms
//! assert!(!data.segments[0].spiketrains[0].times.is_empty());
//! # Ok::<(), pynn::Error>(())
//! ```
#![deny(missing_docs)]

pub use pynn_backends as backends;
pub use pynn_core as core;
pub use pynn_core::*;

pub use pynn_backends::native::Native;
pub use pynn_backends::nest::Nest;

/// Everything a model script needs, in one import.
pub mod prelude {
    pub use pynn_backends::native::Native;
    pub use pynn_backends::nest::Nest;
    pub use pynn_core::{
        AllToAllConnector, Assembly, Block, Cells, DCSource, Error, FixedProbabilityConnector, FromListConnector,
        IF_curr_alpha, IF_curr_delta, IF_curr_exp, OneToOneConnector, Population, PopulationView, Projection,
        RandomDistribution, Result, Setup, Sim, SpikeSourceArray, SpikeSourcePoisson, StaticSynapse,
        StepCurrentSource, Value,
    };
}
