//! The bookkeeping of the network mirror every external backend keeps in
//! Rust: which population owns a cell, the one error for a parameter the
//! translation needs and the cell type does not have, the one rollback path
//! for a change the simulator refuses, and the shared part of weight and
//! delay updates.

use pynn_core::backend::{Connections, PopId, PopulationSpec};
use pynn_core::parameters::{ParamSpec, ParamTable};
use pynn_core::{Error, Result};
use std::cell::RefCell;

/// Which population owns each cell (global index), populations created in
/// order.
#[derive(Debug, Default)]
pub(crate) struct Cells {
    owner: Vec<u32>,
}

impl Cells {
    /// Checks that `spec` comes next (`populations`: how many exist) and
    /// takes its cells.
    pub fn admit(&mut self, backend: &'static str, spec: &PopulationSpec<'_>, populations: usize) -> Result<()> {
        if spec.id != populations || spec.offset != self.owner.len() {
            return Err(Error::Backend { backend, message: "populations must be created in order".into() });
        }
        self.owner.extend(std::iter::repeat_n(spec.id as u32, spec.size));
        Ok(())
    }

    /// Gives back the cells of a population whose creation failed.
    pub fn retract(&mut self, spec: &PopulationSpec<'_>) {
        self.owner.truncate(spec.offset);
    }

    /// The population of `cell`.
    pub fn owner(&self, cell: u32) -> Option<PopId> {
        self.owner.get(cell as usize).map(|p| *p as PopId)
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.owner.len()
    }

    /// The first of `cells` that does not exist, as an error.
    pub fn check(&self, backend: &'static str, what: &str, cells: &[u32]) -> Result<()> {
        match cells.iter().find(|t| **t as usize >= self.owner.len()) {
            Some(t) => Err(Error::Backend { backend, message: format!("{what} cell {t} does not exist") }),
            None => Ok(()),
        }
    }
}

/// Checks that `table` (a population's parameters) has every parameter
/// its simulator's model reads (`needed`), and fails with one clear error
/// otherwise (a user-defined cell type whose schema lacks a parameter the
/// model of its name needs): the error names the population, its cell
/// type, the parameter and what the schema has. Every external backend
/// checks its populations with it at creation, so a missing key is never
/// skipped nor a panic.
pub(crate) fn require_parameters<'a>(
    backend: &'static str,
    label: &str,
    cell_type: &str,
    table: &ParamTable,
    needed: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let Some(name) = needed.into_iter().find(|n| table.column(n).is_none()) else { return Ok(()) };
    let has: Vec<&str> = table.specs().iter().map(|s| s.name).collect();
    Err(Error::invalid_value(
        format!("population \"{label}\" of cell type {cell_type} on {backend}"),
        name,
        "missing",
        format!(
            "a parameter of the cell type: {backend}'s model of {cell_type} needs it (the cell type has: {})",
            if has.is_empty() { "no parameters".to_string() } else { has.join(", ") }
        ),
    ))
}

/// The parameters of the standard PyNN cell type called `name` (`None`
/// for other names and for `PointNeuron`, whose parameters follow its
/// composition). A simulator's translation row may list parameters shared
/// by several types; the ones a type needs are those its schema has.
pub(crate) fn standard_parameters(name: &str) -> Option<&'static [ParamSpec]> {
    pynn_core::cells::cell_table(name).map(|t| t.parameters)
}

/// The parameters of a translation row (`row`: the names it lists) that a
/// population of cell type `cell_type` must have: all of them for a
/// user-defined model, those of the standard schema for a standard name.
pub(crate) fn needed_by_row<'a>(cell_type: &str, row: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    match standard_parameters(cell_type) {
        Some(specs) => row.into_iter().filter(|n| specs.iter().any(|s| s.name == *n)).collect(),
        None if cell_type == "PointNeuron" => Vec::new(),
        None => row.into_iter().collect(),
    }
}

/// The names a translation function reads through its getter (`probe`
/// calls it with a getter that records them and answers `n` ones).
pub(crate) fn names_read(n: usize, probe: impl FnOnce(&dyn Fn(&str) -> Vec<f64>)) -> Vec<String> {
    let names: RefCell<Vec<String>> = RefCell::new(Vec::new());
    probe(&|name: &str| {
        names.borrow_mut().push(name.to_string());
        vec![1.0; n]
    });
    names.into_inner()
}

/// Replaces the value in `slot(state)` with `new` and runs `send` (which
/// tells the simulator); if `send` fails (the simulator refused), the old
/// value is put back, so the mirror keeps what the simulator has. The one
/// rollback path of every external backend.
pub(crate) fn replace_or_restore<S, T>(
    state: &mut S,
    slot: impl Fn(&mut S) -> &mut T,
    new: T,
    send: impl FnOnce(&mut S) -> Result<()>,
) -> Result<()> {
    let old = std::mem::replace(slot(state), new);
    match send(state) {
        Ok(()) => Ok(()),
        Err(e) => {
            *slot(state) = old;
            Err(e)
        }
    }
}

/// A weight or delay update of a projection, checked.
pub enum SynapticUpdate {
    /// New weights (PyNN units).
    Weight(Vec<f64>),
    /// New delays, rounded to the time step (ms).
    Delay(Vec<f64>),
}

impl SynapticUpdate {
    /// Checks `values` of attribute `name` for projection connections
    /// `conns`: one value per connection, `"weight"` or `"delay"`; delays
    /// are rounded to the time step `dt`.
    pub fn new(backend: &'static str, conns: &Connections, name: &str, values: &[f64], dt: f64) -> Result<Self> {
        let object = format!("{backend} projection");
        if values.len() != conns.len() {
            return Err(Error::LengthMismatch {
                object,
                what: name.into(),
                expected: conns.len(),
                found: values.len(),
            });
        }
        match name {
            "weight" => Ok(SynapticUpdate::Weight(values.to_vec())),
            "delay" => Ok(SynapticUpdate::Delay(values.iter().map(|d| (d / dt).round() * dt).collect())),
            _ => Err(Error::unknown_name(object, "attribute", name, ["weight", "delay"])),
        }
    }

    /// Stores the values in the mirror's connections.
    pub fn store(self, conns: &mut Connections) {
        match self {
            SynapticUpdate::Weight(w) => conns.weight = w,
            SynapticUpdate::Delay(d) => conns.delay = d,
        }
    }
}

/// Rounds the delays of new connections to the time step.
pub(crate) fn round_delays(conns: &mut Connections, dt: f64) {
    conns.delay.iter_mut().for_each(|d| *d = (*d / dt).round() * dt);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_change_is_rolled_back() {
        let mut v = vec![1, 2, 3];
        let e = replace_or_restore(
            &mut v,
            |v| &mut v[1],
            9,
            |v| {
                assert_eq!(v[1], 9);
                Err(Error::Backend { backend: "X", message: "refused".into() })
            },
        );
        assert!(e.is_err());
        assert_eq!(v, [1, 2, 3]);
        replace_or_restore(&mut v, |v| &mut v[1], 9, |_| Ok(())).unwrap();
        assert_eq!(v, [1, 9, 3]);
    }
}
