//! Compile-fail and pass tests of `network!`: the `.stderr` files next to
//! each `tests/ui/*-fail.rs` are the specification of every message.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui` and review the
//! diff. Pinned to the project's compiler, since rustc's rendering changes.

#[rustversion::attr(not(stable(1.95)), ignore = "ui tests are pinned to stable 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*-pass.rs");
    t.compile_fail("tests/ui/*-fail.rs");
}
