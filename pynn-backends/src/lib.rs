//! Backends of pynn-rs.
//!
//! * [`native`]: the built-in engine (default): clock-driven, exact
//!   integration, struct-of-arrays state, compressed synapse rows, ring
//!   buffers, min_delay communication slices.
//!
//! * [`nest`]: NEST 3 (PyNEST) driven as a Python process.
//!
//! * [`brian2`]: Brian2 2.9 (runtime code generation) driven as a Python
//!   process, models as Brian2 equations.
//! * [`neuron`]: NEURON 9 with pynn-rs's own NMODL mechanisms, driven as a
//!   Python process (or several under MPI).
//!
//! External simulators (NEST, NEURON, Brian2) are driven as Python processes
//! and land in their own folders here.
#![deny(missing_docs)]

pub mod brian2;
pub mod native;
pub mod nest;
pub mod neuron;
pub mod pyproc;
