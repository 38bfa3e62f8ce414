//! Procedural macros of pynn-rs.
//!
//! The `network!` macro (a compile-time checked model description that
//! expands into typed calls of the object API) is specified in the project's
//! issue tracker and lands in its own change; until then this crate exports
//! nothing. It exists now so that the workspace layout and the dependency
//! direction (`pynn-macros` <- `pynn-core` <- `pynn-backends` <- `pynn`) are
//! fixed from the start.
#![deny(missing_docs)]
