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

pub use pynn_backends::brian2::Brian2;
pub use pynn_backends::brian2::{Brian2Options, CodeTarget};
pub use pynn_backends::external::Launcher;
pub use pynn_backends::native::{Native, NativeOptions, OdeSolver};
pub use pynn_backends::nest::{Nest, NestOptions};
pub use pynn_backends::neuron::{Neuron, NeuronOptions};

#[cfg(feature = "plot")]
pub mod plot;

#[doc = include_str!("../pynn-macros/network.md")]
pub use pynn_macros::network;

/// Everything a model script needs, in one import.
pub mod prelude {
    pub use pynn_backends::brian2::Brian2;
    pub use pynn_backends::brian2::{Brian2Options, CodeTarget};
    pub use pynn_backends::external::Launcher;
    pub use pynn_backends::native::{Native, NativeOptions, OdeSolver};
    pub use pynn_backends::nest::{Nest, NestOptions};
    pub use pynn_backends::neuron::{Neuron, NeuronOptions};
    pub use pynn_core::cells::{
        AdExp, AlphaPSR, BetaPSR, CondAlphaPostSynapticResponse, CondBetaPostSynapticResponse,
        CondExpPostSynapticResponse, CurrExpPostSynapticResponse, ExpPSR, LIF, PointNeuron,
    };
    /// PyNN 0.7's names (`tset`, `print_spikes`, `set_weights`, ...): see
    /// `pynn::compat07`.
    pub use pynn_core::compat07::{Format07, Population07, Projection07};
    pub use pynn_core::synapses::ElectricalSynapse;
    pub use pynn_core::synapses::{
        AdditivePotentiationMultiplicativeDepression, AdditiveWeightDependence, GutigWeightDependence,
        MultiplicativeWeightDependence, STDPMechanism, SpikePairRule, TsodyksMarkramSynapse, Vogels2011Rule,
    };
    pub use pynn_core::synapses::{MultiQuantalSynapse, SimpleStochasticSynapse, StochasticTsodyksMarkramSynapse};
    pub use pynn_core::{
        ACSource, AllToAllConnector, ArrayConnector, Assembly, Block, Cells, CloneConnector, DCSource,
        DisplacementDependentProbabilityConnector, DistanceDependentProbabilityConnector, Error,
        FixedNumberPostConnector, FixedNumberPreConnector, FixedProbabilityConnector, FixedTotalNumberConnector,
        FromFileConnector, FromListConnector, Grid2D, Grid3D, IndexBasedProbabilityConnector, Line, NoisyCurrentSource,
        OneToOneConnector, Population, PopulationView, Projection, RandomDistribution, RandomStructure, Result, Setup,
        Shape, Sim, SmallWorldConnector, Space, StaticSynapse, StepCurrentSource, Structure, Value,
    };
    pub use pynn_macros::network;
    // Every standard cell type (`IF_curr_exp`, ...).
    macro_rules! cells {
        ($($t:ident),*) => { pub use pynn_core::{$($t),*}; };
    }
    pynn_core::for_each_standard_cell!(cells);
}

mod macro_models;

/// What `network!` expansions name (`::pynn::__private::...`); not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::macro_models::*;
    use pynn_core::PopulationView;
    use pynn_core::cells::{CellType, RecordableSpec};
    use pynn_core::parameters::ParamSpec;
    pub use pynn_core::space::FillOrder;
    pub use pynn_core::{
        Assembly, Backend, Cells, CurrentSourceHandle, Population, Projection, RandomDistribution, Result, Setup, Sim,
        Supports, Value,
    };
    // The cell types `network!` names (`::pynn::__private::IF_curr_exp`).
    macro_rules! cells {
        ($($t:ident),*) => { pub use pynn_core::{$($t),*}; };
    }
    pynn_core::for_each_standard_cell!(cells);

    /// What `pop[{ expr }]` accepts in `network!`: one index or any
    /// selector of [`pynn_core::PopulationView::view`].
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot select cells of a population",
        label = "not a cell selection",
        note = "`pop[{{ expr }}]` takes one index (`usize`), a range of indices (`Range<usize>`), a list of indices (`Vec<usize>`, `[usize; N]`, `&[usize]`) or a mask (`Vec<bool>`)"
    )]
    pub trait Select {
        /// The view of `pop` this selects.
        fn select<C: CellType, B: Backend>(self, pop: &PopulationView<C, B>) -> Result<PopulationView<C, B>>;
    }
    impl Select for usize {
        fn select<C: CellType, B: Backend>(self, pop: &PopulationView<C, B>) -> Result<PopulationView<C, B>> {
            pop.cell(self)
        }
    }
    macro_rules! select_via_view {
        ($($t:ty),*) => {$(
            impl Select for $t {
                fn select<C: CellType, B: Backend>(self, pop: &PopulationView<C, B>) -> Result<PopulationView<C, B>> {
                    pop.view(self)
                }
            }
        )*};
    }
    select_via_view!(std::ops::Range<usize>, Vec<usize>, &[usize], Vec<bool>, pynn_core::Selector);
    impl<const N: usize> Select for [usize; N] {
        fn select<C: CellType, B: Backend>(self, pop: &PopulationView<C, B>) -> Result<PopulationView<C, B>> {
            pop.view(self)
        }
    }

    /// Stand-in cell type of a population whose cell type the macro did
    /// not know: keeps the fallback expansion well-typed.
    #[derive(Debug, Clone)]
    pub struct Unresolved;

    impl CellType for Unresolved {
        const NAME: &'static str = "<unresolved>";
        const PARAMETERS: &'static [ParamSpec] = &[];
        const STATE: &'static [ParamSpec] = &[];
        const RECORDABLES: &'static [RecordableSpec] = &[];
        const RECEPTORS: &'static [&'static str] = &[];
        const CONDUCTANCE_BASED: bool = false;
        const INJECTABLE: bool = false;
        fn parameter_values(&self) -> Vec<Value> {
            Vec::new()
        }
    }

    /// `space(axes, periodic_boundaries, scale_factor, offset)` of a
    /// projection (PyNN's `Space`; lengths in um).
    pub fn space(
        axes: &str,
        periodic_boundaries: [Option<(f64, f64)>; 3],
        scale_factor: f64,
        offset: [f64; 3],
    ) -> Result<pynn_core::Space> {
        let space = pynn_core::Space { periodic_boundaries, scale_factor, offset, ..pynn_core::Space::default() }
            .with_axes(axes)?;
        space.validate()?;
        Ok(space)
    }

    /// Connectors, one constructor per entry of the macro's connector
    /// table, arguments in table order.
    pub mod connector {
        use pynn_core::connectors::Number;
        use pynn_core::space::Position;
        use pynn_core::{
            AllToAllConnector, ArrayConnector, Backend, CloneConnector, DisplacementDependentProbabilityConnector,
            DistanceDependentProbabilityConnector, FixedNumberPostConnector, FixedNumberPreConnector,
            FixedProbabilityConnector, FixedTotalNumberConnector, FromFileConnector, FromListConnector,
            IndexBasedProbabilityConnector, OneToOneConnector, Projection, Result, SmallWorldConnector,
        };
        use std::path::Path;

        /// `all_to_all(allow_self_connections)`
        pub fn all_to_all(allow_self_connections: bool) -> Result<AllToAllConnector> {
            Ok(AllToAllConnector { allow_self_connections })
        }
        /// `one_to_one()`
        pub fn one_to_one() -> Result<OneToOneConnector> {
            Ok(OneToOneConnector)
        }
        /// `fixed_probability(p_connect, allow_self_connections)`
        pub fn fixed_probability(p_connect: f64, allow_self_connections: bool) -> Result<FixedProbabilityConnector> {
            Ok(FixedProbabilityConnector { p_connect, allow_self_connections })
        }
        /// `from_list(conn_list)`: `(i, j)`, `(i, j, weight)` or `(i, j, weight, delay)` entries.
        pub fn from_list(conn_list: impl ConnList) -> Result<FromListConnector> {
            Ok(conn_list.into_connector())
        }
        /// `fixed_number_pre(n, allow_self_connections, with_replacement)`
        pub fn fixed_number_pre(
            n: impl Into<Number>,
            allow_self_connections: bool,
            with_replacement: bool,
        ) -> Result<FixedNumberPreConnector> {
            Ok(FixedNumberPreConnector { n: n.into(), allow_self_connections, with_replacement })
        }
        /// `fixed_number_post(n, allow_self_connections, with_replacement)`
        pub fn fixed_number_post(
            n: impl Into<Number>,
            allow_self_connections: bool,
            with_replacement: bool,
        ) -> Result<FixedNumberPostConnector> {
            Ok(FixedNumberPostConnector { n: n.into(), allow_self_connections, with_replacement })
        }
        /// `fixed_total_number(n, allow_self_connections, with_replacement)`
        pub fn fixed_total_number(
            n: usize,
            allow_self_connections: bool,
            with_replacement: bool,
        ) -> Result<FixedTotalNumberConnector> {
            Ok(FixedTotalNumberConnector { n, allow_self_connections, with_replacement })
        }
        /// `distance_dependent_probability(d_expression, allow_self_connections)`
        pub fn distance_dependent_probability(
            d_expression: impl Fn(f64) -> f64 + Send + Sync + 'static,
            allow_self_connections: bool,
        ) -> Result<DistanceDependentProbabilityConnector> {
            Ok(DistanceDependentProbabilityConnector {
                allow_self_connections,
                ..DistanceDependentProbabilityConnector::new(d_expression)
            })
        }
        /// `displacement_dependent_probability(disp_function, allow_self_connections)`
        pub fn displacement_dependent_probability(
            disp_function: impl Fn(Position) -> f64 + Send + Sync + 'static,
            allow_self_connections: bool,
        ) -> Result<DisplacementDependentProbabilityConnector> {
            Ok(DisplacementDependentProbabilityConnector {
                allow_self_connections,
                ..DisplacementDependentProbabilityConnector::new(disp_function)
            })
        }
        /// `index_based_probability(index_expression, allow_self_connections)`
        pub fn index_based_probability(
            index_expression: impl Fn(usize, usize) -> f64 + Send + Sync + 'static,
            allow_self_connections: bool,
        ) -> Result<IndexBasedProbabilityConnector> {
            Ok(IndexBasedProbabilityConnector {
                allow_self_connections,
                ..IndexBasedProbabilityConnector::new(index_expression)
            })
        }
        /// `small_world(degree, rewiring, allow_self_connections, n_connections)`
        pub fn small_world(
            degree: f64,
            rewiring: f64,
            allow_self_connections: bool,
            n_connections: Option<usize>,
        ) -> Result<SmallWorldConnector> {
            Ok(SmallWorldConnector { degree, rewiring, allow_self_connections, n_connections })
        }
        /// `array(array)`: one row of booleans per pre-synaptic cell.
        pub fn array(array: Vec<Vec<bool>>) -> Result<ArrayConnector> {
            Ok(ArrayConnector::new(array))
        }
        /// `from_list(conn_list, column_names)`: rows `(i, j, value per
        /// column)`, PyNN's `FromListConnector(conn_list, column_names)`.
        pub fn from_rows(conn_list: Vec<Vec<f64>>, column_names: &[&str]) -> Result<FromListConnector> {
            FromListConnector::from_rows(&conn_list, Some(column_names))
        }
        /// `from_file(file)`: read when the network is built.
        pub fn from_file(file: impl AsRef<Path>) -> Result<FromFileConnector> {
            FromFileConnector::new(file)
        }
        /// `clone(reference_projection)`
        pub fn clone<B: Backend>(reference_projection: &Projection<B>) -> Result<CloneConnector> {
            CloneConnector::new(reference_projection)
        }

        /// A connection list `from_list` accepts.
        pub trait ConnList {
            /// The connector.
            fn into_connector(self) -> FromListConnector;
        }
        impl ConnList for Vec<(usize, usize)> {
            fn into_connector(self) -> FromListConnector {
                FromListConnector::new(self)
            }
        }
        impl ConnList for Vec<(usize, usize, f64)> {
            fn into_connector(self) -> FromListConnector {
                FromListConnector::with_weights(self)
            }
        }
        impl ConnList for Vec<(usize, usize, f64, f64)> {
            fn into_connector(self) -> FromListConnector {
                FromListConnector::with_weights_and_delays(self)
            }
        }
    }

    /// Synapse types, one constructor per entry of the macro's table.
    pub mod synapse {
        use pynn_core::{StaticSynapse, Value};

        /// `static(weight, delay)`; no delay: the session's `min_delay`.
        pub fn r#static(weight: impl Into<Value>, delay: Option<Value>) -> StaticSynapse {
            StaticSynapse { weight: weight.into(), delay }
        }

        /// `tsodyks_markram(U, tau_rec, tau_facil, weight, delay)`; no
        /// delay: the session's `min_delay`.
        #[allow(non_snake_case)]
        pub fn tsodyks_markram(
            U: impl Into<Value>,
            tau_rec: impl Into<Value>,
            tau_facil: impl Into<Value>,
            weight: impl Into<Value>,
            delay: Option<Value>,
        ) -> pynn_core::TsodyksMarkramSynapse {
            let mut s = pynn_core::TsodyksMarkramSynapse::new(weight, 0.0, U, tau_rec, tau_facil);
            s.delay = delay;
            s
        }

        /// `simple_stochastic(p, weight, delay)`; no delay: the session's `min_delay`.
        pub fn simple_stochastic(
            p: impl Into<Value>,
            weight: impl Into<Value>,
            delay: Option<Value>,
        ) -> pynn_core::SimpleStochasticSynapse {
            pynn_core::SimpleStochasticSynapse { weight: weight.into(), delay, p: p.into() }
        }

        /// `stochastic_tsodyks_markram(U, tau_rec, tau_facil, weight, delay)`.
        #[allow(non_snake_case)]
        pub fn stochastic_tsodyks_markram(
            U: impl Into<Value>,
            tau_rec: impl Into<Value>,
            tau_facil: impl Into<Value>,
            weight: impl Into<Value>,
            delay: Option<Value>,
        ) -> pynn_core::StochasticTsodyksMarkramSynapse {
            let mut s = pynn_core::StochasticTsodyksMarkramSynapse::new(weight, 0.0, U, tau_rec, tau_facil);
            s.delay = delay;
            s
        }

        /// `multi_quantal(U, n, tau_rec, tau_facil, weight, delay)`.
        #[allow(non_snake_case)]
        pub fn multi_quantal(
            U: impl Into<Value>,
            n: impl Into<Value>,
            tau_rec: impl Into<Value>,
            tau_facil: impl Into<Value>,
            weight: impl Into<Value>,
            delay: Option<Value>,
        ) -> pynn_core::MultiQuantalSynapse {
            let mut s = pynn_core::MultiQuantalSynapse::new(weight, 0.0, U, n, tau_rec, tau_facil);
            s.delay = delay;
            s
        }

        /// `stdp(timing_dependence, weight_dependence, weight, delay,
        /// dendritic_delay_fraction)`; no delay: the session's `min_delay`.
        pub fn stdp(
            timing: impl Into<pynn_core::synapses::TimingDependence>,
            weight_dependence: impl Into<pynn_core::synapses::WeightDependence>,
            weight: impl Into<Value>,
            delay: Option<Value>,
            dendritic_delay_fraction: f64,
        ) -> pynn_core::STDPMechanism {
            let mut s = pynn_core::STDPMechanism::new(timing, weight_dependence);
            s.weight = weight.into();
            s.delay = delay;
            s.dendritic_delay_fraction = dendritic_delay_fraction;
            s
        }
    }

    /// Timing dependences of `stdp(...)`, arguments in table order.
    pub mod timing {
        use pynn_core::Value;
        use pynn_core::synapses::{SpikePairRule, Vogels2011Rule};

        /// `spike_pair(tau_plus, tau_minus, A_plus, A_minus)`
        #[allow(non_snake_case)]
        pub fn spike_pair(
            tau_plus: impl Into<Value>,
            tau_minus: impl Into<Value>,
            A_plus: impl Into<Value>,
            A_minus: impl Into<Value>,
        ) -> SpikePairRule {
            SpikePairRule::new(tau_plus, tau_minus, A_plus, A_minus)
        }
        /// `vogels2011(tau, eta, rho)`
        pub fn vogels2011(tau: impl Into<Value>, eta: impl Into<Value>, rho: impl Into<Value>) -> Vogels2011Rule {
            Vogels2011Rule::new(tau, eta, rho)
        }
    }

    /// Weight dependences of `stdp(...)`, arguments in table order.
    pub mod weight {
        use pynn_core::Value;
        use pynn_core::synapses::{
            AdditivePotentiationMultiplicativeDepression, AdditiveWeightDependence, GutigWeightDependence,
            MultiplicativeWeightDependence,
        };

        /// `additive(w_min, w_max)`
        pub fn additive(w_min: impl Into<Value>, w_max: impl Into<Value>) -> AdditiveWeightDependence {
            AdditiveWeightDependence::new(w_min, w_max)
        }
        /// `multiplicative(w_min, w_max)`
        pub fn multiplicative(w_min: impl Into<Value>, w_max: impl Into<Value>) -> MultiplicativeWeightDependence {
            MultiplicativeWeightDependence::new(w_min, w_max)
        }
        /// `additive_multiplicative(w_min, w_max)`
        pub fn additive_multiplicative(
            w_min: impl Into<Value>,
            w_max: impl Into<Value>,
        ) -> AdditivePotentiationMultiplicativeDepression {
            AdditivePotentiationMultiplicativeDepression::new(w_min, w_max)
        }
        /// `gutig(w_min, w_max, mu_plus, mu_minus)`
        pub fn gutig(
            w_min: impl Into<Value>,
            w_max: impl Into<Value>,
            mu_plus: impl Into<Value>,
            mu_minus: impl Into<Value>,
        ) -> GutigWeightDependence {
            GutigWeightDependence::new(w_min, w_max, mu_plus, mu_minus)
        }
    }

    /// Population structures, one constructor per entry of the macro's
    /// structure table, arguments in table order (lengths in um).
    pub mod structure {
        use pynn_core::space::{FillOrder, Grid2D, Grid3D, Line, Position, RandomStructure, Shape, Structure};

        /// `line(dx, x0, y, z)`
        pub fn line(dx: f64, x0: f64, y: f64, z: f64) -> Structure {
            Line { dx, x0, y, z }.into()
        }
        /// `grid2d(aspect_ratio, dx, dy, x0, y0, z, fill_order)`
        #[allow(clippy::too_many_arguments)]
        pub fn grid2d(
            aspect_ratio: f64,
            dx: f64,
            dy: f64,
            x0: f64,
            y0: f64,
            z: f64,
            fill_order: FillOrder,
        ) -> Structure {
            Grid2D { aspect_ratio, dx, dy, x0, y0, z, fill_order }.into()
        }
        /// `grid3d(aspect_ratio_xy, aspect_ratio_xz, dx, dy, dz, x0, y0, z0, fill_order)`
        #[allow(clippy::too_many_arguments)]
        pub fn grid3d(
            aspect_ratio_xy: f64,
            aspect_ratio_xz: f64,
            dx: f64,
            dy: f64,
            dz: f64,
            x0: f64,
            y0: f64,
            z0: f64,
            fill_order: FillOrder,
        ) -> Structure {
            Grid3D { aspect_ratio_xy, aspect_ratio_xz, dx, dy, dz, x0, y0, z0, fill_order }.into()
        }
        /// `random(boundary, origin)`
        pub fn random(boundary: Shape, origin: Position) -> Structure {
            RandomStructure { boundary, origin }.into()
        }
    }

    /// Shapes of `random(...)` structures (lengths in um).
    pub mod shape {
        use pynn_core::space::Shape;

        /// `cuboid(width, height, depth)`
        pub fn cuboid(width: f64, height: f64, depth: f64) -> Shape {
            Shape::Cuboid { width, height, depth }
        }
        /// `sphere(radius)`
        pub fn sphere(radius: f64) -> Shape {
            Shape::Sphere { radius }
        }
    }

    /// Current sources, one constructor per entry of the macro's table.
    pub mod source {
        use pynn_core::{ACSource, DCSource, NoisyCurrentSource, StepCurrentSource};

        /// `dc(amplitude, start, stop)`
        pub fn dc(amplitude: f64, start: f64, stop: f64) -> DCSource {
            DCSource { amplitude, start, stop }
        }
        /// `step(times, amplitudes)`
        pub fn step(times: Vec<f64>, amplitudes: Vec<f64>) -> StepCurrentSource {
            StepCurrentSource { times, amplitudes }
        }
        /// `ac(amplitude, offset, frequency, phase, start, stop)`
        pub fn ac(amplitude: f64, offset: f64, frequency: f64, phase: f64, start: f64, stop: f64) -> ACSource {
            ACSource { amplitude, offset, frequency, phase, start, stop }
        }
        /// `noisy(mean, stdev, dt, start, stop)`
        pub fn noisy(mean: f64, stdev: f64, dt: f64, start: f64, stop: f64) -> NoisyCurrentSource {
            NoisyCurrentSource { mean, stdev, dt, start, stop }
        }
    }
}
