//! SONATA, the circuit exchange format of the Allen Institute's Brain
//! Modeling Toolkit, NEST, NetPyNE and libsonata (feature `sonata`).
//!
//! [`import`] reads a circuit (circuit and simulation configs, node and
//! edge HDF5 files with their type CSVs, spike inputs) into ordinary
//! populations and projections of a session; [`export`] writes a session's
//! network, recording setup and recorded data as SONATA files. Files that
//! break the format give [`crate::Error::Format`] naming the file and the
//! dataset.

pub mod export;
mod h5;
pub mod import;
pub mod output;
