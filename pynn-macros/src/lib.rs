//! The `network!` macro of pynn-rs: a compile-time checked model
//! description that expands into typed calls of the object API. Use it
//! through the facade, `pynn::network!`; its documentation is there.
//!
//! Layout (as thiserror's and serde's macro crates): this file only converts token streams;
//! `parse` builds the `ast`, `validate` checks it against the
//! `schema` tables and accumulates every error, `expand` generates code
//! (or, after errors, a fallback that keeps the user's code well-typed).
#![deny(missing_docs)]

mod ast;
mod expand;
mod models;
mod parse;
mod schema;
mod validate;

/// The model tables shared with pynn-core (crate `pynn-schema`; not
/// pynn-core itself, which the host would then compile a second time).
use pynn_schema as tables;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

/// Declares a network: populations, projections, current sources and
/// recording, checked at compile time. See the `pynn` crate's documentation
/// of `network!` for the grammar.
#[proc_macro]
pub fn network(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    network2(input.into()).into()
}

/// `network!` on `proc_macro2` tokens (unit-testable).
fn network2(input: TokenStream) -> TokenStream {
    let net: ast::Network = match syn::parse2(input) {
        Ok(net) => net,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = validate::Ctxt::default();
    validate::validate(&net, &mut cx);
    match cx.check() {
        Ok(()) => expand::expand(&net),
        Err(errors) => expand::fallback(&net, errors),
    }
}
