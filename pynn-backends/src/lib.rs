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
//! * [`external`]: the layer the three external simulators share:
//!   `Backend` implemented once ([`external::External`], over a
//!   [`external::Simulator`] per simulator), the
//!   child process with its deadlines ([`external::process`], also reachable
//!   as [`pyproc`]), the typed request/response protocol, the mirror
//!   helpers (one rollback path, one missing-parameter error), the replay of
//!   random sources by the native kernels, and how several MPI ranks are
//!   launched ([`external::Launcher`]).
#![deny(missing_docs)]

pub mod brian2;
pub mod external;
pub mod native;
pub mod nest;
pub mod neuron;
pub use external::process as pyproc;
