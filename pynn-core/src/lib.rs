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
mod projection;
pub mod random;
mod sim;
pub mod space;
pub mod special;
pub mod synapses;
#[doc(hidden)]
pub mod testing;

pub use assembly::Assembly;
pub use backend::{Backend, Supports};
pub use cells::GIF_cond_exp;
pub use cells::{
    CellType, EIF_cond_alpha_isfa_ista, EIF_cond_exp_isfa_ista, HH_cond_exp, IF_cond_alpha, IF_cond_exp,
    IF_cond_exp_gsfa_grr, IF_curr_alpha, IF_curr_delta, IF_curr_exp, IF_facets_hardware1, Izhikevich, SpikeSourceArray,
    SpikeSourceGamma, SpikeSourceInhGamma, SpikeSourcePoisson, SpikeSourcePoissonRefractory,
};
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
pub use random::RandomDistribution;
pub use sim::{Selection, Setup, Sim};
pub use space::{Grid2D, Grid3D, Line, RandomStructure, Shape, Space, Structure};
pub use synapses::{
    AdditivePotentiationMultiplicativeDepression, AdditiveWeightDependence, GutigWeightDependence,
    MultiplicativeWeightDependence, STDPMechanism, SpikePairRule, SynapseType, TsodyksMarkramSynapse, Vogels2011Rule,
};
