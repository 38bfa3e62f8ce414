//! Simulator-neutral model description and user API of pynn-rs.
//!
//! This crate holds everything a model is made of, independent of the
//! simulator that runs it: the session ([`Sim`]), cell types, populations,
//! views and assemblies, projections with their connectors and synapse
//! types, current sources, random distributions and keyed random streams,
//! recorded data in Neo's shape and its writers. Backends implement
//! [`Backend`] (and [`Supports`] per cell type) and receive the explicit
//! network: every connection and random value is generated here.
//!
//! Units are PyNN's: ms, mV, nA, nF, uS, Hz.
#![deny(missing_docs)]

mod assembly;
pub mod backend;
pub mod cells;
pub mod compat07;
pub mod connectors;
pub mod data;
pub mod electrodes;
mod error;
pub mod io;
pub mod memory;
pub mod parameters;
mod population;
mod positions;
mod procedural;
mod progress;
mod projection;
pub mod random;
mod sim;
#[cfg(feature = "sonata")]
pub mod sonata;
pub mod space;
pub mod special;
pub mod stats;
pub mod synapses;
#[doc(hidden)]
pub mod testing;

/// The version of pynn-rs (`"0.1.0"`), also written into the provenance of
/// data files as `pynn_rs_version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use assembly::Assembly;
pub use backend::{Backend, Supports};
pub use cells::CellType;
/// `pynn_core::IF_curr_exp`, ...: every standard cell type at the root.
macro_rules! reexport_cells {
    ($($t:ident),*) => { pub use cells::{$($t),*}; };
}
for_each_standard_cell!(reexport_cells);
pub use connectors::{
    AllToAllConnector, ArrayConnector, CloneConnector, Connector, DisplacementDependentProbabilityConnector,
    DistanceDependentProbabilityConnector, FixedNumberPostConnector, FixedNumberPreConnector,
    FixedProbabilityConnector, FixedTotalNumberConnector, FromFileConnector, FromListConnector,
    IndexBasedProbabilityConnector, OneToOneConnector, SmallWorldConnector,
};
pub use data::{AnalogSignal, Block, Segment, SpikeTrain};
pub use electrodes::{ACSource, CurrentSource, DCSource, NoisyCurrentSource, StepCurrentSource};
pub use error::{Error, Result, closest, fmt_num};
pub use parameters::Value;
pub use population::{Cells, CurrentSourceHandle, Population, PopulationView, Selector, Variables};
pub use projection::{Projection, StaticSynapse, WeightHistory};
/// The model tables (crate `pynn-schema`): the standard cell types'
/// parameters, units and domains, shared with the `network!` macro.
pub use pynn_schema as schema;
/// Calls `callback! { IF_curr_alpha, IF_curr_exp, ... }` with the 17 standard
/// cell types: the one written list (see [`schema::for_each_standard_cell`]).
pub use pynn_schema::for_each_standard_cell;
pub use random::RandomDistribution;
pub use sim::{Selection, Setup, Sim, SpikePrecision};
pub use space::{Grid2D, Grid3D, Line, RandomStructure, Shape, Space, Structure};
pub use stats::{RateHistogram, cv_isi, fano_factor, mean_rate, population_rate_histogram};
pub use synapses::{
    AdditivePotentiationMultiplicativeDepression, AdditiveWeightDependence, GutigWeightDependence,
    MultiplicativeWeightDependence, STDPMechanism, SpikePairRule, SynapseType, TsodyksMarkramSynapse, Vogels2011Rule,
};
pub use synapses::{MultiQuantalSynapse, SimpleStochasticSynapse, StochasticTsodyksMarkramSynapse};
