//! Populations and views of populations: creating them, their parameters
//! and initial values, recording and reading their data, injecting current
//! sources; the [`Cells`] trait that populations, views and assemblies
//! (assembly.rs) share. Where their cells are is in positions.rs.

use crate::backend::{Backend, PopId, PopulationSpec, SourceId, Supports};
use crate::cells::CellType;
use crate::data::{AnalogSignal, Block, restrict_block};
use crate::electrodes::{CurrentSource, CurrentSourceSpec, NoiseKey};
use crate::error::{Error, Result};
use crate::parameters::{Column, ParamTable, Value, resolve};
use crate::random::ObjectKind;
use crate::sim::{PopRecord, RecordingState, Selection, Sim, SourceRecord, State};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Which cells of a population (or view) a view selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// A range of indices.
    Range(Range<usize>),
    /// A list of indices (duplicates removed, sorted, as PyNN does).
    Indices(Vec<usize>),
    /// A boolean mask, one entry per cell.
    Mask(Vec<bool>),
}

impl From<Range<usize>> for Selector {
    fn from(r: Range<usize>) -> Self {
        Selector::Range(r)
    }
}
impl From<Vec<usize>> for Selector {
    fn from(v: Vec<usize>) -> Self {
        Selector::Indices(v)
    }
}
impl From<&[usize]> for Selector {
    fn from(v: &[usize]) -> Self {
        Selector::Indices(v.to_vec())
    }
}
impl<const N: usize> From<[usize; N]> for Selector {
    fn from(v: [usize; N]) -> Self {
        Selector::Indices(v.to_vec())
    }
}
impl From<Vec<bool>> for Selector {
    fn from(v: Vec<bool>) -> Self {
        Selector::Mask(v)
    }
}

impl Selector {
    /// Positions selected within a sequence of `size` elements.
    fn positions(&self, size: usize, object: &str) -> Result<Vec<usize>> {
        let oob = |index| Error::IndexOutOfRange { object: object.to_string(), index, size };
        match self {
            Selector::Range(r) => {
                if r.start > r.end {
                    return Err(Error::invalid_value(
                        object,
                        "range",
                        format!("{}..{}", r.start, r.end),
                        format!("a range start..end with start <= end <= {size} (the number of cells)"),
                    ));
                }
                if r.end > size {
                    return Err(oob(r.end - 1));
                }
                Ok(r.clone().collect())
            }
            Selector::Indices(v) => {
                if let Some(i) = v.iter().find(|i| **i >= size) {
                    return Err(oob(*i));
                }
                let mut v = v.clone();
                v.sort_unstable();
                v.dedup();
                Ok(v)
            }
            Selector::Mask(m) => {
                if m.len() != size {
                    return Err(Error::LengthMismatch {
                        object: object.to_string(),
                        what: "boolean mask".into(),
                        expected: size,
                        found: m.len(),
                    });
                }
                Ok(m.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i).collect())
            }
        }
    }
}

/// Anything denoting a set of cells of a session: [`Population`],
/// [`PopulationView`], [`Assembly`](crate::Assembly).
pub trait Cells<B: Backend> {
    /// The session.
    fn sim(&self) -> &Sim<B>;
    /// The cells, in order.
    fn selection(&self) -> Selection;
    /// Description for messages.
    fn describe(&self) -> String;
    /// Number of cells.
    fn size(&self) -> usize {
        self.selection().len()
    }
}

/// Variables to record: a list of names (`"spikes"`, `"v"`, ...).
pub trait Variables {
    /// The names.
    fn names(&self) -> Vec<String>;
}
impl Variables for &str {
    fn names(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}
impl Variables for &[&str] {
    fn names(&self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}
impl<const N: usize> Variables for [&str; N] {
    fn names(&self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}
impl Variables for Vec<String> {
    fn names(&self) -> Vec<String> {
        self.clone()
    }
}

/// A subset of a population's cells (PyNN's `PopulationView`); also the
/// common interface of [`Population`], which dereferences to a view of all
/// its cells. Views do not copy cells: setting a parameter through a view
/// changes the population.
pub struct PopulationView<C: CellType, B: Backend> {
    pub(crate) sim: Sim<B>,
    pub(crate) pop: PopId,
    pub(crate) indices: Arc<Vec<usize>>,
    pub(crate) label: String,
    pub(crate) parent_size: usize,
    _cell: PhantomData<C>,
}

impl<C: CellType, B: Backend> Clone for PopulationView<C, B> {
    fn clone(&self) -> Self {
        PopulationView {
            sim: self.sim.clone(),
            pop: self.pop,
            indices: Arc::clone(&self.indices),
            label: self.label.clone(),
            parent_size: self.parent_size,
            _cell: PhantomData,
        }
    }
}

impl<C: CellType, B: Backend> std::fmt::Debug for PopulationView<C, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Cells::describe(self))
    }
}

impl<C: CellType, B: Backend> Cells<B> for PopulationView<C, B> {
    fn sim(&self) -> &Sim<B> {
        &self.sim
    }
    fn selection(&self) -> Selection {
        Selection { parts: vec![(self.pop, Arc::clone(&self.indices))] }
    }
    fn describe(&self) -> String {
        format!("{} \"{}\" ({})", if self.is_whole() { "population" } else { "view" }, self.label, C::NAME)
    }
}

/// A population of cells of type `C` (PyNN's `Population`).
///
/// Dereferences to a [`PopulationView`] of all its cells, which carries the
/// methods shared with views (`get`, `set`, `initialize`, `record`,
/// `get_data`, `inject`, ...).
pub struct Population<C: CellType, B: Backend> {
    view: PopulationView<C, B>,
}

impl<C: CellType, B: Backend> Clone for Population<C, B> {
    fn clone(&self) -> Self {
        Population { view: self.view.clone() }
    }
}

impl<C: CellType, B: Backend> std::fmt::Debug for Population<C, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Cells::describe(&self.view))
    }
}

impl<C: CellType, B: Backend> Deref for Population<C, B> {
    type Target = PopulationView<C, B>;
    fn deref(&self) -> &PopulationView<C, B> {
        &self.view
    }
}

impl<C: CellType, B: Backend> Cells<B> for Population<C, B> {
    fn sim(&self) -> &Sim<B> {
        &self.view.sim
    }
    fn selection(&self) -> Selection {
        self.view.selection()
    }
    fn describe(&self) -> String {
        self.view.describe()
    }
}

impl<C: CellType, B: Backend> Population<C, B> {
    /// Creates `size` cells of type `cell` (PyNN's `Population(size, cell)`).
    pub fn new(sim: &Sim<B>, size: usize, cell: C) -> Result<Self>
    where
        B: Supports<C>,
    {
        Self::with_label(sim, size, cell, None)
    }

    /// Creates a labelled population (the label names it in data and messages).
    pub fn with_label(sim: &Sim<B>, size: usize, cell: C, label: Option<&str>) -> Result<Self>
    where
        B: Supports<C>,
    {
        Self::with_structure(sim, size, cell, crate::space::Structure::default(), label)
    }

    /// Creates a population whose cells are placed by `structure` (PyNN's
    /// `Population(size, cell, structure=...)`; default [`crate::space::Line`]).
    /// Random structures draw from the population's `"positions"` stream.
    pub fn with_structure(
        sim: &Sim<B>,
        size: usize,
        cell: C,
        structure: crate::space::Structure,
        label: Option<&str>,
    ) -> Result<Self>
    where
        B: Supports<C>,
    {
        let mut st = sim.lock();
        st.check_alive()?;
        let id = st.pops.len();
        let label = label.map(str::to_string).unwrap_or_else(|| format!("population{id}"));
        let object = format!("population \"{label}\" ({})", C::NAME);
        if size == 0 {
            return Err(Error::invalid_value(&object, "size", 0, "at least one cell"));
        }
        let info = cell.info();
        // Estimated before anything of `size` cells is allocated (memory.rs).
        crate::memory::ensure(&object, || format!("{size} cells"), crate::memory::population_bytes(&info, size))?;
        crate::memory::check_cell_count(&object, st.n_cells, size)?;
        let building = crate::progress::Building::start(st.progress_on(), format!("building {object}: {size} cells"));
        let all: Vec<usize> = (0..size).collect();
        let mut params = ParamTable::defaults(info.parameters, size);
        for (spec, value) in info.parameters.iter().zip(cell.parameter_values()) {
            let col = resolve_with(&mut st, id, &value, spec, &object, &all)?;
            params.assign(spec.name, &all, col);
        }
        crate::cells::check_parameter_relations(&params, &object)?;
        let initial = ParamTable::defaults(info.state, size);
        let positions =
            structure.generate_positions(size, &mut st.rng(ObjectKind::Population, id as u64, "positions"))?;
        let offset = st.n_cells;
        let spec = PopulationSpec {
            id,
            label: &label,
            offset,
            size,
            cell_type: info,
            parameters: &params,
            initial_values: &initial,
            composition: cell.composition(),
        };
        <B as Supports<C>>::create_population(&mut st.backend, &spec)?;
        if let Some(b) = building {
            b.finish(format!("built {object}: {size} cells"));
        }
        st.n_cells += size;
        st.pops.push(PopRecord {
            label: label.clone(),
            info,
            offset,
            size,
            params,
            initial,
            positions,
            recording: RecordingState::default(),
            segments: Vec::new(),
            current: Default::default(),
        });
        drop(st);
        Ok(Population {
            view: PopulationView {
                sim: sim.clone(),
                pop: id,
                indices: Arc::new(all),
                label,
                parent_size: size,
                _cell: PhantomData,
            },
        })
    }

    /// Creates a population with initial values (PyNN's `initial_values=`).
    pub fn with_initial_values(sim: &Sim<B>, size: usize, cell: C, initial_values: &[(&str, Value)]) -> Result<Self>
    where
        B: Supports<C>,
    {
        let p = Self::new(sim, size, cell)?;
        for (name, value) in initial_values {
            p.initialize(name, value.clone())?;
        }
        Ok(p)
    }

    /// Identifier of the population in its session.
    pub fn id(&self) -> PopId {
        self.view.pop
    }

    /// A view of all cells (an owned [`PopulationView`]).
    pub fn all(&self) -> PopulationView<C, B> {
        self.view.clone()
    }
}

fn resolve_with<B: Backend>(
    st: &mut State<B>,
    pop: PopId,
    value: &Value,
    spec: &crate::parameters::ParamSpec,
    object: &str,
    indices: &[usize],
) -> Result<Column> {
    let purpose = spec.name;
    let mut make_rng = |d: &crate::random::RandomDistribution| match d.seed() {
        Some(seed) => crate::random::Streams::new(seed).rng(ObjectKind::User, 0, purpose, 0),
        None => st.rng(ObjectKind::Population, pop as u64, purpose),
    };
    resolve(value, spec, &object, indices, &mut make_rng)
}

impl<C: CellType, B: Backend> PopulationView<C, B> {
    fn is_whole(&self) -> bool {
        self.parent_size == self.indices.len()
    }

    /// Number of cells.
    pub fn size(&self) -> usize {
        self.indices.len()
    }

    /// Number of cells (as `len()` in PyNN).
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// True if the view selects no cell.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Label of the population.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The cell type's name.
    pub fn celltype(&self) -> &'static str {
        C::NAME
    }

    /// Indices (in the parent population) of the selected cells.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Receptor types of the cell type.
    pub fn receptor_types(&self) -> &'static [&'static str] {
        self.sim.lock().pops[self.pop].info.receptors
    }

    /// True if the cell type's synapses are conductance-based.
    pub fn conductance_based(&self) -> bool {
        self.sim.lock().pops[self.pop].info.conductance_based
    }

    /// Whether `variable` can be recorded.
    pub fn can_record(&self, variable: &str) -> bool {
        self.sim.lock().pops[self.pop].info.recordables.iter().any(|r| r.name == variable)
    }

    /// A view of some of these cells (slice, index list or boolean mask;
    /// positions are relative to this view). Views of views select from the
    /// same population.
    pub fn view(&self, selector: impl Into<Selector>) -> Result<PopulationView<C, B>> {
        let pos = selector.into().positions(self.indices.len(), &self.describe())?;
        Ok(PopulationView {
            sim: self.sim.clone(),
            pop: self.pop,
            indices: Arc::new(pos.into_iter().map(|p| self.indices[p]).collect()),
            label: self.label.clone(),
            parent_size: self.parent_size,
            _cell: PhantomData,
        })
    }

    /// A one-cell view of the cell at position `i` (PyNN's `p[i]`).
    pub fn cell(&self, i: usize) -> Result<PopulationView<C, B>> {
        self.view(vec![i])
    }

    /// The parent population's index of the cell at position `i` in this view.
    pub fn index_in_parent(&self, i: usize) -> Result<usize> {
        self.indices.get(i).copied().ok_or_else(|| Error::IndexOutOfRange {
            object: self.describe(),
            index: i,
            size: self.indices.len(),
        })
    }

    /// Values of scalar parameter `name` for the selected cells.
    pub fn get(&self, name: &str) -> Result<Vec<f64>> {
        let st = self.sim.lock();
        let rec = &st.pops[self.pop];
        let spec = rec.params.spec(name, &self.describe(), "parameter")?;
        match rec.params.column(spec.name) {
            Some(Column::Scalar(v)) => Ok(self.indices.iter().map(|i| v[*i]).collect()),
            _ => Err(Error::invalid_value(
                self.describe(),
                name,
                "(sequence)",
                "use get_sequences for sequence parameters",
            )),
        }
    }

    /// Values of sequence parameter `name` (e.g. `spike_times`).
    pub fn get_sequences(&self, name: &str) -> Result<Vec<Vec<f64>>> {
        let st = self.sim.lock();
        let rec = &st.pops[self.pop];
        let spec = rec.params.spec(name, &self.describe(), "parameter")?;
        match rec.params.column(spec.name) {
            Some(Column::Sequence(v)) => Ok(self.indices.iter().map(|i| v[*i].clone()).collect()),
            _ => Err(Error::invalid_value(self.describe(), name, "(scalar)", "use get for scalar parameters")),
        }
    }

    /// Sets parameter `name` of the selected cells: a scalar, an array (one
    /// value per selected cell), a random distribution, a function of the
    /// cell's index in the population, or sequences for sequence parameters.
    pub fn set(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        let value = value.into();
        let mut st = self.sim.lock();
        st.check_alive()?;
        let object = self.describe();
        let spec = *st.pops[self.pop].params.spec(name, &object, "parameter")?;
        let col = resolve_with(&mut st, self.pop, &value, &spec, &object, &self.indices)?;
        let mut params = st.pops[self.pop].params.clone();
        params.assign(spec.name, &self.indices, col);
        crate::cells::check_parameter_relations(&params, &st.pops[self.pop].describe())?;
        st.backend.update_parameters(self.pop, &params)?;
        st.pops[self.pop].params = params;
        Ok(())
    }

    /// Sets several parameters (PyNN's `set(**parameters)`) at once: the
    /// backend sees only the final combination (parameters that must agree,
    /// such as GIF_cond_exp's `tau_eta` and `a_eta` lengths, change together).
    pub fn set_many(&self, values: &[(&str, Value)]) -> Result<()> {
        let mut st = self.sim.lock();
        st.check_alive()?;
        let object = self.describe();
        let mut params = st.pops[self.pop].params.clone();
        for (name, value) in values {
            let spec = *params.spec(name, &object, "parameter")?;
            let col = resolve_with(&mut st, self.pop, value, &spec, &object, &self.indices)?;
            params.assign(spec.name, &self.indices, col);
        }
        crate::cells::check_parameter_relations(&params, &st.pops[self.pop].describe())?;
        st.backend.update_parameters(self.pop, &params)?;
        st.pops[self.pop].params = params;
        Ok(())
    }

    /// Sets the initial value of state variable `name` (e.g. `"v"`) of the
    /// selected cells: their value now and after every `reset()`.
    pub fn initialize(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        let value = value.into();
        let mut st = self.sim.lock();
        st.check_alive()?;
        let object = self.describe();
        let spec = *st.pops[self.pop].initial.spec(name, &object, "state variable")?;
        let col = resolve_with(&mut st, self.pop, &value, &spec, &object, &self.indices)?;
        let values = col.as_scalar().map(<[f64]>::to_vec).unwrap_or_default();
        st.backend.initialize(self.pop, spec.name, &self.indices, &values)?;
        st.pops[self.pop].initial.assign(spec.name, &self.indices, col);
        Ok(())
    }

    /// Initial values of state variable `name` for the selected cells.
    pub fn get_initial_values(&self, name: &str) -> Result<Vec<f64>> {
        let st = self.sim.lock();
        let rec = &st.pops[self.pop];
        let spec = rec.initial.spec(name, &self.describe(), "state variable")?;
        let v = rec.initial.scalar(spec.name);
        Ok(self.indices.iter().map(|i| v[*i]).collect())
    }

    /// Records `variables` of the selected cells (added to what is already
    /// recorded). `sampling_interval` (ms, a multiple of the time step;
    /// default: the time step) applies to every analog variable of the
    /// population.
    pub fn record(&self, variables: impl Variables, sampling_interval: Option<f64>) -> Result<()> {
        record_cells(&self.sim, self.pop, &self.indices, &variables.names(), sampling_interval, &self.describe())
    }

    /// Stops all recording of the population (PyNN's `record(None)`).
    pub fn record_none(&self) -> Result<()> {
        let mut st = self.sim.lock();
        st.pops[self.pop].recording = RecordingState::default();
        st.push_recording(self.pop)
    }

    /// All data recorded from the selected cells: one segment per run
    /// between resets, the last being the segment in progress.
    pub fn get_data(&self) -> Result<Block> {
        let block = self.sim.lock().block(self.pop, None)?;
        Ok(restrict_block(block, &self.indices))
    }

    /// Recorded data of some variables only.
    pub fn get_data_of(&self, variables: impl Variables) -> Result<Block> {
        let names = variables.names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut st = self.sim.lock();
        let info = st.pops[self.pop].info;
        // The same check as `record`: an unknown name is a mistake, not an
        // empty result.
        if let Some(bad) = names.iter().find(|n| !info.recordables.iter().any(|r| r.name == **n)) {
            return Err(Error::unknown_name(
                self.describe(),
                "recordable",
                bad,
                info.recordables.iter().map(|r| r.name),
            ));
        }
        let block = st.block(self.pop, Some(&names))?;
        drop(st);
        Ok(restrict_block(block, &self.indices))
    }

    /// Writes the recorded data to `path` (`.npz` + JSON sidecar, see
    /// [`crate::io`]).
    pub fn write_data(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let block = self.get_data()?;
        crate::io::write_blocks(path.as_ref(), &[block], &self.sim.provenance()).map(|_| ())
    }

    /// Number of spikes of each selected cell in the current segment, keyed
    /// by index in the population (cells whose spikes are not recorded are
    /// absent).
    pub fn get_spike_counts(&self) -> Result<BTreeMap<usize, usize>> {
        let block = self.get_data_of("spikes")?;
        let seg = block.segments.last().cloned().unwrap_or_default();
        Ok(seg.spiketrains.iter().map(|s| (s.source_index, s.times.len())).collect())
    }

    /// Mean number of spikes per recorded cell in the current segment.
    pub fn mean_spike_count(&self) -> Result<f64> {
        let counts = self.get_spike_counts()?;
        if counts.is_empty() {
            return Ok(f64::NAN);
        }
        Ok(counts.values().sum::<usize>() as f64 / counts.len() as f64)
    }

    /// Injects a current source into the selected cells; returns its handle.
    pub fn inject<S: CurrentSource>(&self, source: S) -> Result<CurrentSourceHandle<B>> {
        let h = CurrentSourceHandle::new(&self.sim, source)?;
        h.inject_into(self)?;
        Ok(h)
    }
}

/// Adds recording of `variables` for `cells` of population `pop`.
pub(crate) fn record_cells<B: Backend>(
    sim: &Sim<B>,
    pop: PopId,
    cells: &[usize],
    variables: &[String],
    sampling_interval: Option<f64>,
    object: &str,
) -> Result<()> {
    let mut st = sim.lock();
    st.check_alive()?;
    let dt = st.config.timestep;
    let info = st.pops[pop].info;
    let mut rec = st.pops[pop].recording.clone();
    for var in variables {
        if !info.recordables.iter().any(|r| r.name == var) {
            return Err(Error::unknown_name(object, "recordable", var, info.recordables.iter().map(|r| r.name)));
        }
        if var == "spikes" {
            rec.spikes.extend(cells.iter().copied());
        } else {
            rec.signals.entry(var.clone()).or_default().extend(cells.iter().copied());
        }
    }
    if let Some(si) = sampling_interval {
        let steps = si / dt;
        let fmt = crate::error::fmt_num;
        if !(si > 0.0)
            || !(steps <= Sim::<B>::MAX_STEPS as f64)
            || (steps - steps.round()).abs() > 1e-9 * steps.max(1.0)
        {
            return Err(Error::Recording {
                object: object.to_string(),
                message: format!(
                    "sampling_interval {} ms must be a positive multiple of the time step ({} ms), of at most {} steps",
                    fmt(si),
                    fmt(dt),
                    Sim::<B>::MAX_STEPS
                ),
            });
        }
        let steps = steps.round() as u64;
        if let Some(old) = rec.interval_steps
            && old != steps
            && !st.pops[pop].recording.signals.is_empty()
        {
            return Err(Error::Recording {
                object: object.to_string(),
                message: format!(
                    "sampling_interval {si} ms differs from the {} ms already used by this population; all analog variables of a population share one interval",
                    old as f64 * dt
                ),
            });
        }
        rec.interval_steps = Some(steps);
    }
    st.pops[pop].recording = rec;
    st.push_recording(pop)
}

pub(crate) fn set_on<B: Backend>(sim: &Sim<B>, sel: &Selection, name: &str, value: Value, object: &str) -> Result<()> {
    let mut st = sim.lock();
    st.check_alive()?;
    // Resolve and check every part first, so that a failure changes nothing.
    let mut updates = Vec::with_capacity(sel.parts.len());
    for (pop, cells) in &sel.parts {
        let spec = *st.pops[*pop].params.spec(name, &object, "parameter")?;
        let col = resolve_with(&mut st, *pop, &value, &spec, object, cells)?;
        updates.push((*pop, spec.name, cells, col));
    }
    // New tables per population (an assembly may hold several parts of
    // one population), checked whole before the backend sees any.
    let mut tables: Vec<(PopId, ParamTable)> = Vec::new();
    for (pop, name, cells, col) in updates {
        let k = match tables.iter().position(|(p, _)| *p == pop) {
            Some(k) => k,
            None => {
                tables.push((pop, st.pops[pop].params.clone()));
                tables.len() - 1
            }
        };
        tables[k].1.assign(name, cells, col);
    }
    for (pop, params) in &tables {
        crate::cells::check_parameter_relations(params, &st.pops[*pop].describe())?;
    }
    for (pop, params) in tables {
        st.backend.update_parameters(pop, &params)?;
        st.pops[pop].params = params;
    }
    Ok(())
}

pub(crate) fn initialize_on<B: Backend>(
    sim: &Sim<B>,
    sel: &Selection,
    name: &str,
    value: Value,
    object: &str,
) -> Result<()> {
    let mut st = sim.lock();
    st.check_alive()?;
    // Resolve and check every part first, so that a failure changes nothing.
    let mut updates = Vec::with_capacity(sel.parts.len());
    for (pop, cells) in &sel.parts {
        let spec = *st.pops[*pop].initial.spec(name, &object, "state variable")?;
        let col = resolve_with(&mut st, *pop, &value, &spec, object, cells)?;
        updates.push((*pop, spec.name, cells, col));
    }
    for (pop, name, cells, col) in updates {
        let values = col.as_scalar().map(<[f64]>::to_vec).unwrap_or_default();
        st.backend.initialize(pop, name, cells, &values)?;
        st.pops[pop].initial.assign(name, cells, col);
    }
    Ok(())
}

impl<B: Backend, T: Cells<B> + ?Sized> Cells<B> for &T {
    fn sim(&self) -> &Sim<B> {
        (**self).sim()
    }
    fn selection(&self) -> Selection {
        (**self).selection()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// A current source living in a session: inject it into cells, change its
/// parameters between runs.
pub struct CurrentSourceHandle<B: Backend> {
    sim: Sim<B>,
    id: SourceId,
}

impl<B: Backend> std::fmt::Debug for CurrentSourceHandle<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CurrentSourceHandle({})", self.id)
    }
}

impl<B: Backend> Clone for CurrentSourceHandle<B> {
    fn clone(&self) -> Self {
        CurrentSourceHandle { sim: self.sim.clone(), id: self.id }
    }
}

impl<B: Backend> CurrentSourceHandle<B> {
    /// Registers `source` with the session, injected into no cell yet.
    pub fn new<S: CurrentSource>(sim: &Sim<B>, source: S) -> Result<Self> {
        let mut spec = source.spec();
        let mut st = sim.lock();
        st.check_alive()?;
        spec.validate_for(st.config.timestep)?;
        let id = st.sources.len();
        if let CurrentSourceSpec::Noisy { key, .. } = &mut spec {
            *key = NoiseKey { seed: st.config.seed, source: id as u64, trial: st.segment_index as u64 };
        }
        st.sources.push(SourceRecord { spec, targets: Vec::new(), recording: false, recorded: Vec::new() });
        Ok(CurrentSourceHandle { sim: sim.clone(), id })
    }

    /// Injects into more cells (PyNN's `inject_into`). Spike sources cannot
    /// receive current.
    pub fn inject_into(&self, cells: &dyn Cells<B>) -> Result<()> {
        self.sim.check_owns(cells, "CurrentSourceHandle::inject_into")?;
        let sel = cells.selection();
        let mut st = self.sim.lock();
        st.check_alive()?;
        let mut targets = st.sources[self.id].targets.clone();
        for (pop, idx) in &sel.parts {
            let rec = &st.pops[*pop];
            if !rec.info.injectable {
                return Err(Error::State {
                    object: rec.describe(),
                    message: format!("{} cells cannot receive injected current", rec.info.name),
                });
            }
            targets.extend(idx.iter().map(|i| (rec.offset + i) as u32));
        }
        targets.sort_unstable();
        targets.dedup();
        let spec = st.sources[self.id].spec.clone();
        st.backend.set_current_source(self.id, &spec, &targets)?;
        st.sources[self.id].targets = targets;
        Ok(())
    }

    /// Changes a parameter (e.g. `"amplitude"`), effective from the current time.
    pub fn set(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        self.set_many(&[(name, value.into())])
    }

    /// Changes several parameters at once (PyNN's `set_parameters(**p)`),
    /// checked together: e.g. a `StepCurrentSource`'s `times` and
    /// `amplitudes` with a new number of steps.
    pub fn set_many(&self, values: &[(&str, Value)]) -> Result<()> {
        let mut st = self.sim.lock();
        st.check_alive()?;
        let mut spec = st.sources[self.id].spec.clone();
        for (name, value) in values {
            spec.set(name, value.clone())?;
        }
        spec.validate_for(st.config.timestep)?;
        let targets = st.sources[self.id].targets.clone();
        st.backend.set_current_source(self.id, &spec, &targets)?;
        st.sources[self.id].spec = spec;
        Ok(())
    }

    /// Reads a parameter.
    pub fn get(&self, name: &str) -> Result<Value> {
        self.sim.lock().sources[self.id].spec.get(name)
    }

    /// The source's current description.
    pub fn spec(&self) -> CurrentSourceSpec {
        self.sim.lock().sources[self.id].spec.clone()
    }

    /// Records the injected current (PyNN's `source.record()`), from t = 0
    /// of the current segment on.
    ///
    /// The current is computed in the core from the source's description
    /// (noise from the same keyed stream the backend receives), so it is the
    /// current every backend injects.
    pub fn record(&self) -> Result<()> {
        let mut st = self.sim.lock();
        st.check_alive()?;
        st.sources[self.id].recording = true;
        Ok(())
    }

    /// The recorded current of the current segment (PyNN's
    /// `source.get_data()`): an [`AnalogSignal`] named `"i"` in nA with one
    /// sample per time step from t = 0 to the current time, both included
    /// (`run(100)` at dt 0.1 gives 1001 samples). Sample `k` is the current
    /// at the electrode at `t_k`, which applies during the step
    /// `(t_k, t_k+1]` (so a source starting at `start` is non-zero from the
    /// sample at `start` on, PyNN #474). A `reset()` starts a new recording.
    pub fn get_data(&self) -> Result<AnalogSignal> {
        let st = self.sim.lock();
        let src = &st.sources[self.id];
        if !src.recording {
            return Err(Error::Recording {
                object: format!("current source {} ({})", self.id, src.spec.name()),
                message: "the current is not recorded; call record() before running".into(),
            });
        }
        let dt = st.config.timestep;
        let mut data = src.recorded.clone();
        let mut rest = Vec::new();
        src.spec.sample(dt, data.len() as u64, st.step + 1, &mut rest);
        data.extend(rest);
        data.truncate(st.step as usize + 1);
        Ok(AnalogSignal {
            name: "i".into(),
            units: "nA".into(),
            t_start: 0.0,
            sampling_period: dt,
            channel_index: vec![0],
            data,
        })
    }
}

impl<B: Backend> Sim<B> {
    /// An error unless `cells` belong to this session: population ids are
    /// per session, so another session's cells would silently denote this
    /// session's cells of the same id (or none at all).
    pub(crate) fn check_owns(&self, cells: &dyn Cells<B>, call: &str) -> Result<()> {
        if self.same_session(cells.sim()) {
            return Ok(());
        }
        Err(Error::State {
            object: cells.describe(),
            message: format!(
                "belongs to another session than the one `{call}` was called on; use the session that created it"
            ),
        })
    }
}
