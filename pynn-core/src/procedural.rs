//! The procedural ("low-level") API of PyNN 0.7 on the session: `create`,
//! `connect`, `set`, `record`, `record_v`, `record_gsyn`, `initialize`.
//! Each call builds the same objects as the object API.

use crate::backend::{Backend, Supports};
use crate::cells::CellType;
use crate::connectors::{AllToAllConnector, Connector, FixedProbabilityConnector};
use crate::error::Result;
use crate::parameters::Value;
use crate::population::{Cells, Population, Variables, initialize_on, record_cells, set_on};
use crate::projection::{Projection, StaticSynapse};
use crate::sim::Sim;
use std::path::Path;

impl<B: Backend> Sim<B> {
    /// Creates `n` cells of type `cell` (PyNN's `create(cellclass, cellparams, n)`).
    pub fn create<C: CellType>(&self, cell: C, n: usize) -> Result<Population<C, B>>
    where
        B: Supports<C>,
    {
        Population::new(self, n, cell)
    }

    /// Connects every cell of `pre` to every cell of `post` with probability
    /// `p` (PyNN's `connect(pre, post, weight, delay, receptor_type, p)`).
    /// `delay = None` means `min_delay`; `receptor_type = None` chooses from
    /// the sign of the weight.
    pub fn connect(
        &self,
        pre: &dyn Cells<B>,
        post: &dyn Cells<B>,
        weight: impl Into<Value>,
        delay: Option<f64>,
        receptor_type: Option<&str>,
        p: f64,
    ) -> Result<Projection<B>> {
        self.check_owns(pre, "connect")?;
        self.check_owns(post, "connect")?;
        let synapse = StaticSynapse { weight: weight.into(), delay: delay.map(Value::Scalar) };
        let all = AllToAllConnector::new();
        let prob = FixedProbabilityConnector::new(p);
        let connector: &dyn Connector = if p == 1.0 { &all } else { &prob };
        Projection::new(pre, post, connector, synapse, receptor_type)
    }

    /// Sets parameter `name` of `cells` (PyNN's `set(cells, **parameters)`).
    pub fn set(&self, cells: &dyn Cells<B>, name: &str, value: impl Into<Value>) -> Result<()> {
        self.check_owns(cells, "set")?;
        set_on(self, &cells.selection(), name, value.into(), &cells.describe())
    }

    /// Sets initial value `variable` of `cells` (PyNN's `initialize`).
    pub fn initialize(&self, cells: &dyn Cells<B>, variable: &str, value: impl Into<Value>) -> Result<()> {
        self.check_owns(cells, "initialize")?;
        initialize_on(self, &cells.selection(), variable, value.into(), &cells.describe())
    }

    /// Records `variables` of `cells` (PyNN's `record(variables, source)`).
    pub fn record(&self, variables: impl Variables, cells: &dyn Cells<B>) -> Result<()> {
        self.check_owns(cells, "record")?;
        let names = variables.names();
        for (pop, idx) in cells.selection().parts {
            record_cells(self, pop, &idx, &names, None, &cells.describe())?;
        }
        Ok(())
    }

    /// Records `variables` of `cells` and writes them to `path` at
    /// [`Sim::end`] (PyNN's `record(variables, source, filename)`).
    pub fn record_to_file(
        &self,
        variables: impl Variables,
        cells: &dyn Cells<B>,
        path: impl AsRef<Path>,
    ) -> Result<()> {
        crate::io::check_file_path(path.as_ref(), "record_to_file")?;
        let names = variables.names();
        self.record(names.clone(), cells)?;
        self.lock().files.push((names, cells.selection(), path.as_ref().to_path_buf()));
        Ok(())
    }

    /// Records the membrane potential (PyNN's `record_v`).
    pub fn record_v(&self, cells: &dyn Cells<B>) -> Result<()> {
        self.record("v", cells)
    }

    /// Records the synaptic conductances `gsyn_exc` and `gsyn_inh`
    /// (PyNN's `record_gsyn`); an error for current-based cells.
    pub fn record_gsyn(&self, cells: &dyn Cells<B>) -> Result<()> {
        self.record(["gsyn_exc", "gsyn_inh"], cells)
    }
}
