//! A backend that simulates nothing, for documentation examples and tests of
//! the core (model construction, validation, connectivity). Not part of the
//! public API.

use crate::backend::*;
use crate::cells::CellType;
use crate::electrodes::CurrentSourceSpec;
use crate::error::{Error, Result};
use crate::parameters::ParamTable;

/// Keeps the explicit network, runs nothing, records nothing.
#[derive(Debug, Default)]
pub struct NullBackend {
    /// Connections of each projection.
    pub projections: Vec<Connections>,
    /// Current step.
    pub step: u64,
}

impl Backend for NullBackend {
    const NAME: &'static str = "null";
    type Options = ();
    fn setup(_: &SimConfig, _: &()) -> Result<Self> {
        Ok(Self::default())
    }
    fn update_parameters(&mut self, _: PopId, _: &ParamTable) -> Result<()> {
        Ok(())
    }
    fn initialize(&mut self, _: PopId, _: &str, _: &[usize], _: &[f64]) -> Result<()> {
        Ok(())
    }
    fn connect(&mut self, _: &ProjectionSpec<'_>, c: Connections) -> Result<()> {
        self.projections.push(c);
        Ok(())
    }
    fn connections(&self, p: ProjId) -> Result<(Vec<u32>, Vec<u32>)> {
        Ok((self.projections[p].pre.clone(), self.projections[p].post.clone()))
    }
    fn get_synaptic(&self, p: ProjId, name: &str) -> Result<Vec<f64>> {
        match name {
            "weight" => Ok(self.projections[p].weight.clone()),
            "delay" => Ok(self.projections[p].delay.clone()),
            _ => Err(Error::Backend { backend: "null", message: format!("no attribute {name}") }),
        }
    }
    fn set_synaptic(&mut self, p: ProjId, name: &str, v: &[f64]) -> Result<()> {
        match name {
            "weight" => self.projections[p].weight = v.to_vec(),
            _ => self.projections[p].delay = v.to_vec(),
        }
        Ok(())
    }
    fn set_current_source(&mut self, _: SourceId, _: &CurrentSourceSpec, _: &[u32]) -> Result<()> {
        Ok(())
    }
    fn set_recording(&mut self, _: PopId, _: &RecordingPlan) -> Result<()> {
        Ok(())
    }
    fn run_until(&mut self, step: u64) -> Result<()> {
        self.step = step;
        Ok(())
    }
    fn reset(&mut self) -> Result<()> {
        self.step = 0;
        Ok(())
    }
    fn drain_recording(&mut self, _: PopId) -> Result<RawRecording> {
        Ok(RawRecording::default())
    }
    fn end(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<C: CellType> Supports<C> for NullBackend {
    fn create_population(&mut self, _: &PopulationSpec<'_>) -> Result<()> {
        Ok(())
    }
}
