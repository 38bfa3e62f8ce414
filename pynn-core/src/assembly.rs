//! Assemblies (PyNN's `Assembly`): groups of populations and views, possibly
//! of different cell types, built with [`Assembly::new`] or with `+`.

use crate::backend::{Backend, PopId};
use crate::cells::CellType;
use crate::data::{Block, merge_blocks};
use crate::electrodes::CurrentSource;
use crate::error::{Error, Result};
use crate::parameters::Value;
use crate::population::{
    Cells, CurrentSourceHandle, Population, PopulationView, Variables, initialize_on, record_cells, set_on,
};
use crate::sim::{Selection, Sim};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A group of populations and views, possibly of different cell types
/// (PyNN's `Assembly`), built with [`Assembly::new`] or with `+`
/// (`(&exc + &inh)?`; `+` returns a `Result`, an error for parts of
/// different sessions or overlapping cells).
pub struct Assembly<B: Backend> {
    sim: Sim<B>,
    parts: Vec<(PopId, Arc<Vec<usize>>)>,
    label: String,
}

impl<B: Backend> Clone for Assembly<B> {
    fn clone(&self) -> Self {
        Assembly { sim: self.sim.clone(), parts: self.parts.clone(), label: self.label.clone() }
    }
}

impl<B: Backend> std::fmt::Debug for Assembly<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe())
    }
}

impl<B: Backend> Cells<B> for Assembly<B> {
    fn sim(&self) -> &Sim<B> {
        &self.sim
    }
    fn selection(&self) -> Selection {
        Selection { parts: self.parts.clone() }
    }
    fn describe(&self) -> String {
        format!("assembly \"{}\"", self.label)
    }
}

impl<B: Backend> Assembly<B> {
    /// An assembly of the given parts, in order. Parts must belong to the
    /// same session and must not overlap.
    pub fn new(parts: &[&dyn Cells<B>]) -> Result<Self> {
        let first = parts.first().ok_or_else(|| Error::State {
            object: "Assembly".into(),
            message: "an assembly needs at least one population or view".into(),
        })?;
        let sim = first.sim().clone();
        let mut a = Assembly { sim, parts: Vec::new(), label: String::new() };
        for p in parts {
            a.push(*p)?;
        }
        Ok(a)
    }

    fn push(&mut self, part: &dyn Cells<B>) -> Result<()> {
        if !self.sim.same_session(part.sim()) {
            return Err(Error::State {
                object: self.describe(),
                message: format!("{} belongs to another session", part.describe()),
            });
        }
        for (pop, cells) in part.selection().parts {
            // Every earlier part of the same population, not only the first.
            if self
                .parts
                .iter()
                .filter(|(p, _)| *p == pop)
                .any(|(_, existing)| cells.iter().any(|c| existing.binary_search(c).is_ok()))
            {
                return Err(Error::State {
                    object: self.describe(),
                    message: format!("{} overlaps cells already in the assembly", part.describe()),
                });
            }
            self.parts.push((pop, cells));
        }
        let labels: Vec<String> = {
            let st = self.sim.lock();
            self.parts.iter().map(|(p, _)| st.pops[*p].label.clone()).collect()
        };
        self.label = labels.join(" + ");
        Ok(())
    }

    /// Label (`"exc + inh"` by default).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Number of cells.
    pub fn size(&self) -> usize {
        self.parts.iter().map(|(_, c)| c.len()).sum()
    }

    /// True if all parts are conductance-based.
    pub fn conductance_based(&self) -> bool {
        let st = self.sim.lock();
        self.parts.iter().all(|(p, _)| st.pops[*p].info.conductance_based)
    }

    /// Sets a parameter on every part (each part must have it).
    pub fn set(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        set_on(&self.sim, &self.selection(), name, value.into(), &self.describe())
    }

    /// Sets an initial value on every part.
    pub fn initialize(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        initialize_on(&self.sim, &self.selection(), name, value.into(), &self.describe())
    }

    /// Records `variables` from every part.
    pub fn record(&self, variables: impl Variables, sampling_interval: Option<f64>) -> Result<()> {
        let names = variables.names();
        for (pop, cells) in &self.parts {
            record_cells(&self.sim, *pop, cells, &names, sampling_interval, &self.describe())?;
        }
        Ok(())
    }

    /// The data of all parts merged into one block: spike trains and signal
    /// columns are indexed by position in the assembly (PyNN's convention).
    pub fn get_data(&self) -> Result<Block> {
        let blocks = self.sim.blocks_of(&self.selection(), &[])?;
        let cells: Vec<&[usize]> = self.parts.iter().map(|(_, c)| c.as_slice()).collect();
        Ok(merge_blocks(&self.label, blocks, &cells))
    }

    /// Spike counts keyed by position in the assembly.
    pub fn get_spike_counts(&self) -> Result<BTreeMap<usize, usize>> {
        let block = self.get_data()?;
        let seg = block.segments.last().cloned().unwrap_or_default();
        Ok(seg.spiketrains.iter().map(|s| (s.source_index, s.times.len())).collect())
    }

    /// Mean number of spikes per recorded cell.
    pub fn mean_spike_count(&self) -> Result<f64> {
        let c = self.get_spike_counts()?;
        Ok(if c.is_empty() { f64::NAN } else { c.values().sum::<usize>() as f64 / c.len() as f64 })
    }

    /// Injects a current source into every cell of the assembly.
    pub fn inject<S: CurrentSource>(&self, source: S) -> Result<CurrentSourceHandle<B>> {
        let h = CurrentSourceHandle::new(&self.sim, source)?;
        h.inject_into(self)?;
        Ok(h)
    }
}

macro_rules! impl_add {
    ($lhs:ty, $rhs:ty, [$($g:tt)*]) => {
        impl<$($g)*> std::ops::Add<$rhs> for $lhs {
            type Output = Result<Assembly<B>>;
            /// Builds an [`Assembly`] (PyNN's `a + b`): an error, not a
            /// panic, if the operands belong to different sessions or
            /// overlap, as from [`Assembly::new`].
            fn add(self, rhs: $rhs) -> Result<Assembly<B>> {
                Assembly::new(&[&self as &dyn Cells<B>, &rhs as &dyn Cells<B>])
            }
        }
    };
}
impl_add!(&Population<C1, B>, &Population<C2, B>, [C1: CellType, C2: CellType, B: Backend]);
impl_add!(&Population<C1, B>, &PopulationView<C2, B>, [C1: CellType, C2: CellType, B: Backend]);
impl_add!(&PopulationView<C1, B>, &Population<C2, B>, [C1: CellType, C2: CellType, B: Backend]);
impl_add!(&PopulationView<C1, B>, &PopulationView<C2, B>, [C1: CellType, C2: CellType, B: Backend]);
impl_add!(Assembly<B>, &Population<C2, B>, [C2: CellType, B: Backend]);
impl_add!(Assembly<B>, &PopulationView<C2, B>, [C2: CellType, B: Backend]);

/// `a + b + c`: the sum so far is a `Result`; an error in it is passed on.
macro_rules! impl_add_chain {
    ($rhs:ty, [$($g:tt)*]) => {
        impl<$($g)*> std::ops::Add<$rhs> for Result<Assembly<B>> {
            type Output = Result<Assembly<B>>;
            /// Adds one more part to an assembly being built with `+`.
            fn add(self, rhs: $rhs) -> Result<Assembly<B>> {
                self? + rhs
            }
        }
    };
}
impl_add_chain!(&Population<C2, B>, [C2: CellType, B: Backend]);
impl_add_chain!(&PopulationView<C2, B>, [C2: CellType, B: Backend]);
