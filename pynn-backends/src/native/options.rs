//! What a user chooses for the native engine beyond the session's
//! [`SimConfig`](pynn_core::backend::SimConfig): [`NativeOptions`], given to
//! [`Sim::setup_with`](pynn_core::Sim::setup_with).

/// Options of the native engine (`Sim::<Native>::setup_with(setup, options)`).
///
/// ```
/// use pynn_backends::native::{Native, NativeOptions, OdeSolver};
/// use pynn_core::{Setup, Sim};
/// let sim = Sim::<Native>::setup_with(Setup::default(), NativeOptions { ode_solver: OdeSolver::Rk4 }).unwrap();
/// # drop(sim);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NativeOptions {
    /// How the conductance-based integrate-and-fire models are integrated
    /// (default: [`OdeSolver::Auto`], RK4 guarded by an error bound, NEST's
    /// RKF45 where the bound fails).
    pub ode_solver: OdeSolver,
}

/// How the native engine integrates the conductance-based integrate-and-fire
/// models (`IF_cond_exp`, `IF_cond_alpha`, `IF_facets_hardware1`). Every
/// other model ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OdeSolver {
    /// The default: [`OdeSolver::Rk4`]'s fixed-step update for every cell
    /// and step where an a-priori estimate of its local error of `v` is at
    /// most NEST's per-step tolerance (1e-3 mV; the estimate is at least
    /// twice the actual error, tested), and
    /// [`OdeSolver::Rkf45`] for that cell over that step where it is not
    /// (stiff cells: large conductances, small `cm`, fast synapses), so
    /// that no step is less accurate than NEST's own error control allows.
    /// Spike times equal NEST's on every reference scenario of
    /// `IF_cond_exp`, `IF_cond_alpha` and `IF_facets_hardware1`
    /// (`tests/nest_agreement.rs`, `tests/cond_default.rs`); the estimate
    /// and its derivation are in the doc of `native/cond.rs`.
    #[default]
    Auto,
    /// GSL's adaptive Runge–Kutta–Fehlberg 4(5) with NEST's error control
    /// and step-size carry-over: the trajectories are NEST's
    /// `iaf_cond_exp` to rounding (observed <= 3e-15 mV). Evaluated for
    /// eight cells at once in vector lanes, bit-identical to the scalar
    /// stepper. Choose it when the trajectories themselves must be NEST's
    /// (several times slower than [`OdeSolver::Auto`] on VA COBA).
    Rkf45,
    /// Classic fixed-step fourth-order Runge–Kutta over each time step for
    /// the membrane potential, with the conductances integrated exactly
    /// (`g(t) = g(t_k) exp(-(t - t_k) / tau_syn)` at the stages; the alpha
    /// function of `IF_cond_alpha` likewise), NEST's
    /// bound `min(V, V_th)` in the currents, and NEST's step order (input,
    /// refractoriness, threshold). No step-size control, so the update is
    /// branch-free and vectorised. Its local error is `O((h g/C)^5)`:
    /// about 1e-9 mV per 0.1 ms step for the Vogels–Abbott COBA network,
    /// below NEST's own RKF45 tolerance (1e-3 mV); spike times equal
    /// NEST's on every reference scenario (`tests/nest_agreement.rs`).
    /// Unguarded: with large conductances or a small `cm` (`h g / C`
    /// near 1 or above) it is inaccurate or unstable, which
    /// [`OdeSolver::Auto`] guards against (`tests/cond_default.rs` shows a
    /// case); kept for measurements and comparisons.
    Rk4,
}
