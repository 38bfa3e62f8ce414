//! Where the cells of populations, views and assemblies are: reading,
//! moving and saving their positions, the nearest cell, random samples of
//! a view. The positions themselves are made by [`crate::space`]'s
//! structures and kept in the session's population records.

use crate::assembly::Assembly;
use crate::backend::Backend;
use crate::cells::CellType;
use crate::error::{Error, Result};
use crate::population::{Cells, PopulationView};
use crate::random::ObjectKind;
use crate::sim::{Selection, Sim};
use crate::space::Position;
use std::io::Write;
use std::path::Path;

/// Positions of the cells of a selection, in order.
pub(crate) fn positions_of<B: Backend>(sim: &Sim<B>, sel: &Selection) -> Vec<Position> {
    let st = sim.lock();
    sel.cells().map(|(p, i)| st.pops[p].positions[i]).collect()
}

fn write_positions(path: &Path, header: &str, positions: &[Position]) -> Result<()> {
    crate::io::check_file_path(path, "save_positions")?;
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = std::io::BufWriter::new(f);
    let mut out = || -> std::io::Result<()> {
        writeln!(w, "{header}")?;
        for (i, p) in positions.iter().enumerate() {
            writeln!(w, "{i}\t{}\t{}\t{}", p[0], p[1], p[2])?;
        }
        w.flush()
    };
    out().map_err(|e| Error::io(path, e))
}

fn nearest_of(positions: &[Position], target: Position) -> usize {
    let d2 = |p: &Position| (0..3).map(|k| (p[k] - target[k]).powi(2)).sum::<f64>();
    let mut best = 0;
    for (k, p) in positions.iter().enumerate() {
        if d2(p) < d2(&positions[best]) {
            best = k;
        }
    }
    best
}

impl<C: CellType, B: Backend> PopulationView<C, B> {
    /// Positions of the selected cells, in order (PyNN's `positions`,
    /// transposed: one `[x, y, z]` per cell).
    pub fn positions(&self) -> Vec<Position> {
        let st = self.sim.lock();
        let all = &st.pops[self.pop].positions;
        self.indices.iter().map(|i| all[*i]).collect()
    }

    /// Position of the cell at position `i` of this view.
    pub fn position(&self, i: usize) -> Result<Position> {
        let k = self.index_in_parent(i)?;
        Ok(self.sim.lock().pops[self.pop].positions[k])
    }

    /// Moves the selected cells (PyNN's `positions = ...`): one position
    /// per cell, in order.
    pub fn set_positions(&self, positions: &[Position]) -> Result<()> {
        if positions.len() != self.indices.len() {
            return Err(Error::LengthMismatch {
                object: Cells::describe(self),
                what: "positions".into(),
                expected: self.indices.len(),
                found: positions.len(),
            });
        }
        if let Some(p) = positions.iter().find(|p| p.iter().any(|x| !x.is_finite())) {
            return Err(Error::invalid_value(
                Cells::describe(self),
                "positions",
                format!("{p:?}"),
                "finite coordinates",
            ));
        }
        let mut st = self.sim.lock();
        let all = &mut st.pops[self.pop].positions;
        for (i, p) in self.indices.iter().zip(positions) {
            all[*i] = *p;
        }
        Ok(())
    }

    /// Position in this view of the cell nearest to `position` (Euclidean,
    /// ignoring any periodic boundaries, as PyNN; the first on ties).
    pub fn nearest(&self, position: Position) -> usize {
        nearest_of(&self.positions(), position)
    }

    /// A random view of `n` distinct cells of this view (PyNN's `sample`),
    /// drawn from the population's stream `"sample"`: successive calls give
    /// different samples, the same for the same seed.
    pub fn sample(&self, n: usize) -> Result<PopulationView<C, B>> {
        if n > self.indices.len() {
            return Err(Error::invalid_value(
                Cells::describe(self),
                "n",
                n,
                format!("a sample size <= the number of cells ({})", self.indices.len()),
            ));
        }
        let mut rng = self.sim.lock().rng(ObjectKind::Population, self.pop as u64, "sample");
        let picked = rand::seq::index::sample(&mut rng, self.indices.len(), n).into_vec();
        self.view(picked)
    }

    /// Writes the positions in PyNN's format: a `# population = <label>`
    /// header, then one `index x y z` line per cell (tab-separated; index
    /// is the position in this view).
    pub fn save_positions(&self, path: impl AsRef<Path>) -> Result<()> {
        write_positions(path.as_ref(), &format!("# population = {}", self.label), &self.positions())
    }
}

impl<B: Backend> Assembly<B> {
    /// Positions of the cells, in order.
    pub fn positions(&self) -> Vec<Position> {
        positions_of(self.sim(), &self.selection())
    }

    /// Position in the assembly of the cell nearest to `position`.
    pub fn nearest(&self, position: Position) -> usize {
        nearest_of(&self.positions(), position)
    }

    /// Writes the positions in PyNN's format (`# assembly = <label>` header,
    /// then `index x y z` lines).
    pub fn save_positions(&self, path: impl AsRef<Path>) -> Result<()> {
        write_positions(path.as_ref(), &format!("# assembly = {}", self.label()), &self.positions())
    }
}
