//! [`External`]: the one implementation of `Backend` for every external
//! simulator.
//!
//! It holds the network mirror (populations with their parameter and
//! initial-value tables and recording plans; projections with their
//! connections, weights, delays, synapse model and plastic state read
//! back; current sources), the link to the driver process and the run
//! clock, and does in one place what the three simulators share: ids and
//! ordering, cell ownership, the rollback of a change the simulator
//! refuses, the rebuild after `reset()` at the next run, the `record`
//! requests, the `drain` of recorded data (nothing read from a stopped
//! process), the weight/delay updates. What differs goes through the
//! hooks of [`Simulator`]: how a population or projection becomes a
//! `create`/`connect` request, the `setup` request, the simulator's timing
//! rules in `run`, the renaming of recorded signals.

use super::mirror::{self, Cells, SynapticUpdate};
use super::protocol::{Request, SignalRequest};
use super::{Link, Simulator};
use pynn_core::backend::*;
use pynn_core::electrodes::CurrentSourceSpec;
use pynn_core::parameters::{Column, ParamTable};
use pynn_core::{Error, Result};

/// A population of the mirror: what every simulator keeps, and the
/// simulator's own part (`sim`, also read through `Deref`).
pub struct Pop<P> {
    /// Its label (in errors).
    pub label: String,
    /// Global index of its first cell.
    pub offset: usize,
    /// Number of cells.
    pub size: usize,
    /// Current parameter values (PyNN names and units).
    pub params: ParamTable,
    /// Initial values (PyNN names and units).
    pub initial: ParamTable,
    /// What is recorded.
    pub plan: RecordingPlan,
    /// The simulator's own state of the population.
    pub sim: P,
}

impl<P> std::ops::Deref for Pop<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.sim
    }
}

impl<P> std::ops::DerefMut for Pop<P> {
    fn deref_mut(&mut self) -> &mut P {
        &mut self.sim
    }
}

/// A projection of the mirror: what every simulator keeps, and the
/// simulator's own part (`sim`, also read through `Deref`).
pub struct Proj<Q> {
    /// Its label (in errors).
    pub label: String,
    /// The receptor's name.
    pub receptor: String,
    /// The receptor's index in the post-synaptic cell type.
    pub receptor_index: usize,
    /// Connections with their current weights and delays (rounded to the
    /// time step).
    pub conns: Connections,
    /// Synapse model (plastic ones carry their per-connection parameters
    /// and initial state).
    pub synapse: SynapseKind,
    /// Plastic values read back after the last run (PyNN names and units).
    pub current: Vec<(&'static str, Vec<f64>)>,
    /// The simulator's own state of the projection.
    pub sim: Q,
}

impl<Q> std::ops::Deref for Proj<Q> {
    type Target = Q;
    fn deref(&self) -> &Q {
        &self.sim
    }
}

impl<Q> std::ops::DerefMut for Proj<Q> {
    fn deref_mut(&mut self) -> &mut Q {
        &mut self.sim
    }
}

impl<Q> Proj<Q> {
    /// Whether the synapses are plastic.
    pub fn plastic(&self) -> bool {
        !matches!(self.synapse, SynapseKind::Static)
    }

    /// The per-connection columns of a plastic synapse model.
    pub fn columns(&self) -> Option<&SynapseColumns> {
        match &self.synapse {
            SynapseKind::TsodyksMarkram(c) => Some(c),
            SynapseKind::SpikePairStdp { columns, .. } | SynapseKind::Vogels2011 { columns, .. } => Some(columns),
            _ => None,
        }
    }
}

/// An external simulator as a pynn-rs backend: `nest::Nest`,
/// `neuron::Neuron` and `brian2::Brian2` are `External` of their
/// [`Simulator`]. Select one with `Sim::<Nest>::setup(...)`.
pub struct External<S: Simulator> {
    pub(crate) cfg: SimConfig,
    pub(crate) link: Link,
    /// The simulator's version (from the driver's `hello`).
    pub(crate) version: String,
    /// Whether the simulator has the network (false before the first run
    /// and after `reset()`: built from the mirror at the next run).
    pub(crate) built: bool,
    /// The step of the last run.
    pub(crate) step: u64,
    pub(crate) cells: Cells,
    pub(crate) pops: Vec<Pop<S::Pop>>,
    pub(crate) projs: Vec<Proj<S::Proj>>,
    pub(crate) currents: Vec<Option<(CurrentSourceSpec, Vec<u32>)>>,
    /// The simulator's own state.
    pub(crate) sim: S,
}

impl<S: Simulator> std::fmt::Debug for External<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}({} populations, {} projections, {} {})",
            S::NAME,
            self.pops.len(),
            self.projs.len(),
            S::NAME,
            self.version
        )
    }
}

impl<S: Simulator> External<S> {
    /// Population `pop` of the mirror.
    pub(crate) fn pop(&self, pop: PopId) -> Result<&Pop<S::Pop>> {
        self.pops.get(pop).ok_or_else(|| S::err(format!("no population {pop}")))
    }

    /// Projection `proj` of the mirror.
    pub(crate) fn proj(&self, proj: ProjId) -> Result<&Proj<S::Proj>> {
        self.projs.get(proj).ok_or_else(|| S::err(format!("no projection {proj}")))
    }

    /// A time (ms) as a step number (rounded, not below 0).
    pub(crate) fn steps(&self, t: f64) -> u64 {
        (t / self.cfg.timestep).round().max(0.0) as u64
    }

    /// The driver, or the error that `end()` was called.
    pub(crate) fn driver(&mut self) -> Result<&mut super::process::Driver> {
        self.link.driver()
    }

    /// The step numbers of a spike source's `spike_times` from `from` on.
    pub(crate) fn spike_steps(&self, pop: PopId, from: u64) -> Result<Vec<Vec<u64>>> {
        let p = self.pop(pop)?;
        Ok(p.params
            .sequence("spike_times")
            .iter()
            .map(|s| s.iter().map(|t| self.steps(*t)).filter(|s| *s >= from).collect())
            .collect())
    }

    /// The current injected into each target cell in steps `first..last`:
    /// the sum over the current sources of the core's samples
    /// (`CurrentSourceSpec::sample`, nA), one value per step.
    pub(crate) fn summed_currents(&self, first: u64, last: u64) -> std::collections::BTreeMap<u32, Vec<f64>> {
        let mut per_cell = std::collections::BTreeMap::new();
        let mut buf = Vec::new();
        for (spec, targets) in self.currents.iter().flatten() {
            spec.sample(self.cfg.timestep, first, last, &mut buf);
            for t in targets {
                let acc = per_cell.entry(*t).or_insert_with(|| vec![0.0; (last - first) as usize]);
                acc.iter_mut().zip(&buf).for_each(|(a, b)| *a += b);
            }
        }
        per_cell
    }

    /// Adds a population to the mirror (its simulator part `sim` made by
    /// the simulator from `spec`), and to the simulator if the network is
    /// built; on any error the mirror is as before.
    pub(crate) fn admit(&mut self, spec: &PopulationSpec<'_>, sim: S::Pop) -> Result<()> {
        self.cells.admit(S::NAME, spec, self.pops.len())?;
        self.pops.push(Pop {
            label: spec.label.to_string(),
            offset: spec.offset,
            size: spec.size,
            params: spec.parameters.clone(),
            initial: spec.initial_values.clone(),
            plan: RecordingPlan { interval_steps: 1, ..RecordingPlan::default() },
            sim,
        });
        let res = S::check_population(self, spec.id).and_then(|()| {
            if self.built {
                let request = S::create(self, spec.id)?;
                self.link.request(&request).map(drop)
            } else {
                Ok(())
            }
        });
        if let Err(e) = res {
            self.pops.pop();
            self.cells.retract(spec);
            return Err(e);
        }
        Ok(())
    }

    /// The `record` request of population `pop`.
    pub(crate) fn record_request(&self, pop: PopId) -> Result<Request> {
        let p = self.pop(pop)?;
        let mut signals = Vec::new();
        for (name, cells) in &p.plan.signals {
            let signal = S::signal(self, pop, name).ok_or_else(|| Error::Recording {
                object: format!("population \"{}\"", p.label),
                message: format!("`{name}` cannot be recorded on {}", S::NAME),
            })?;
            signals.push(SignalRequest { cells: cells.clone(), ..signal });
        }
        Ok(Request::Record {
            pop,
            spikes: p.plan.spikes.clone(),
            signals,
            interval_steps: p.plan.interval_steps.max(1),
        })
    }

    /// Builds the whole network in a fresh simulator from the mirror.
    fn build(&mut self) -> Result<()> {
        let setup = S::setup_request(self)?;
        self.link.request(&setup)?;
        self.step = 0;
        for pop in 0..self.pops.len() {
            let request = S::create(self, pop)?;
            self.link.request(&request)?;
        }
        for proj in 0..self.projs.len() {
            S::send_connect(self, proj)?;
        }
        S::built(self)?;
        for pop in 0..self.pops.len() {
            if !self.pops[pop].plan.is_empty() && !S::records_in_rust(&self.pops[pop]) {
                let request = self.record_request(pop)?;
                self.link.request(&request)?;
            }
        }
        self.built = true;
        Ok(())
    }
}

impl<S: Simulator> Backend for External<S> {
    const NAME: &'static str = S::NAME;
    type Options = S::Options;

    /// The version the driver's `hello` reported (`"3.10.0"` for NEST,
    /// `"9.0.2"` for NEURON, `"2.9.0"` for Brian2), written to the
    /// provenance; `None` if the driver did not report one.
    fn simulator_version(&self) -> Option<String> {
        Some(self.version.clone()).filter(|v| v != "?")
    }

    fn setup(config: &SimConfig, options: &S::Options) -> Result<Self> {
        // Precise spike times: NEST's *_ps models; NEURON and Brian2 have none here.
        if config.spike_precision == pynn_core::SpikePrecision::OffGrid && !S::NAME.eq_ignore_ascii_case("nest") {
            return Err(Error::unsupported(
                S::NAME,
                "spike_precision \"off_grid\" (precise spike times)",
                "use spike_precision \"on_grid\", or the native or NEST backend",
            ));
        }
        let (sim, driver, version) = S::start(config, options)?;
        Ok(External {
            cfg: config.clone(),
            link: Link::new(S::NAME, driver),
            version,
            built: false,
            step: 0,
            cells: Cells::default(),
            pops: Vec::new(),
            projs: Vec::new(),
            currents: Vec::new(),
            sim,
        })
    }

    fn update_parameters(&mut self, pop: PopId, parameters: &ParamTable) -> Result<()> {
        self.pop(pop)?;
        S::check_parameters(self, pop, parameters)?;
        // A value the simulator (or a replayed source's kernel) refuses:
        // the mirror keeps what the simulator has.
        mirror::replace_or_restore(
            self,
            |s| &mut s.pops[pop].params,
            parameters.clone(),
            |s| S::send_parameters(s, pop, parameters),
        )
    }

    fn initialize(&mut self, pop: PopId, variable: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        self.pop(pop)?;
        let request = S::state_request(self, pop, variable, cells, values)?;
        self.pops[pop].initial.assign(variable, cells, Column::Scalar(values.to_vec()));
        if self.built
            && let Some(r) = request
        {
            self.link.request(&r)?;
        }
        Ok(())
    }

    fn connect(&mut self, spec: &ProjectionSpec<'_>, mut c: Connections) -> Result<()> {
        if spec.id != self.projs.len() {
            return Err(S::err(format!("projection ids out of order: {} after {}", spec.id, self.projs.len())));
        }
        self.cells.check(S::NAME, "post-synaptic", &c.post)?;
        self.cells.check(S::NAME, "pre-synaptic", &c.pre)?;
        mirror::round_delays(&mut c, self.cfg.timestep);
        let sim = S::projection(self, spec, &c)?;
        self.projs.push(Proj {
            label: spec.label.to_string(),
            receptor: spec.receptor.name.to_string(),
            receptor_index: spec.receptor.index,
            conns: c,
            synapse: spec.synapse.clone(),
            current: Vec::new(),
            sim,
        });
        let res = S::check_projection(self, spec.id)
            .and_then(|()| if self.built { S::send_connect(self, spec.id) } else { Ok(()) });
        if let Err(e) = res {
            self.projs.pop();
            return Err(e);
        }
        Ok(())
    }

    fn connections(&self, proj: ProjId) -> Result<(Vec<u32>, Vec<u32>)> {
        let p = self.proj(proj)?;
        Ok((p.conns.pre.clone(), p.conns.post.clone()))
    }

    fn get_synaptic(&self, proj: ProjId, name: &str) -> Result<Vec<f64>> {
        let p = self.proj(proj)?;
        if let Some(values) = S::synaptic(self, proj, name) {
            return values;
        }
        if let Some((_, v)) = p.current.iter().find(|(n, _)| *n == name) {
            return Ok(v.clone());
        }
        if let Some(v) = p.columns().and_then(|c| c.get(name)) {
            return Ok(v.to_vec());
        }
        if let (SynapseKind::SpikePairStdp { tau_minus, .. }, "tau_minus") = (&p.synapse, name) {
            return Ok(vec![*tau_minus; p.conns.len()]);
        }
        match name {
            "weight" => Ok(p.conns.weight.clone()),
            "delay" => Ok(p.conns.delay.clone()),
            _ => {
                let mut names = vec!["weight", "delay"];
                names.extend(p.columns().iter().flat_map(|c| c.0.iter().map(|(n, _)| *n)));
                Err(Error::unknown_name(format!("{} projection \"{}\"", S::NAME, p.label), "attribute", name, names))
            }
        }
    }

    fn set_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let dt = self.cfg.timestep;
        let p = self.proj(proj)?;
        if values.len() != p.conns.len() {
            // checked before a simulator's own names
            SynapticUpdate::new(S::NAME, &p.conns, name, values, dt)?;
        }
        if let Some(res) = S::set_plastic(self, proj, name, values) {
            return res;
        }
        if !matches!(name, "weight" | "delay") && self.projs[proj].columns().and_then(|c| c.get(name)).is_some() {
            return Err(Error::unsupported(
                S::NAME,
                format!("changing parameter `{name}` of projection \"{}\" after it is made", self.projs[proj].label),
                "give the value to the synapse type when making the projection, or use the native or NEST backend",
            ));
        }
        let update = SynapticUpdate::new(S::NAME, &self.projs[proj].conns, name, values, dt)?;
        S::send_synaptic(self, proj, name, values, &update)?;
        let p = &mut self.projs[proj];
        p.current.retain(|(n, _)| *n != name);
        update.store(&mut p.conns);
        Ok(())
    }

    fn set_current_source(&mut self, id: SourceId, spec: &CurrentSourceSpec, targets: &[u32]) -> Result<()> {
        for t in targets {
            let pop = self.cells.owner(*t).ok_or_else(|| S::err(format!("cell {t} does not exist")))?;
            S::check_injectable(&self.pops[pop], id)?;
        }
        if self.currents.len() <= id {
            self.currents.resize_with(id + 1, || None);
        }
        let old = self.currents[id].replace((spec.clone(), targets.to_vec()));
        // A source the simulator refuses: the mirror keeps the old one.
        if let Err(e) = S::current_changed(self, id, old.clone()) {
            self.currents[id] = old;
            return Err(e);
        }
        Ok(())
    }

    fn set_recording(&mut self, pop: PopId, plan: &RecordingPlan) -> Result<()> {
        self.pop(pop)?;
        if S::records_in_rust(&self.pops[pop]) {
            S::record_in_rust(self, pop, plan);
            self.pops[pop].plan = plan.clone();
            return Ok(());
        }
        mirror::replace_or_restore(
            self,
            |s| &mut s.pops[pop].plan,
            plan.clone(),
            |s| {
                let request = s.record_request(pop)?;
                if s.built { s.link.request(&request).map(drop) } else { Ok(()) }
            },
        )
    }

    fn run_until(&mut self, step: u64) -> Result<()> {
        if !self.built {
            self.build()?;
        }
        S::run(self, step)
    }

    fn reset(&mut self) -> Result<()> {
        S::reset(self)?;
        // Rebuilt from the mirror at the next run.
        self.built = false;
        self.step = 0;
        self.projs.iter_mut().for_each(|p| p.current.clear());
        Ok(())
    }

    fn drain_recording(&mut self, pop: PopId) -> Result<RawRecording> {
        self.pop(pop)?;
        if S::records_in_rust(&self.pops[pop]) {
            return Ok(S::drain_in_rust(self, pop));
        }
        // A stopped process (killed, crashed, timed out) has nothing more to
        // give; what was read before stays in the core (external/process.rs).
        if !self.built || self.link.stopped() {
            return Ok(RawRecording::default());
        }
        let p = &self.pops[pop];
        self.link.drain(pop, |var, name| S::signal_name(p, var, name))
    }

    fn end(&mut self) -> Result<()> {
        if let Some(d) = self.link.take() {
            S::release(d);
        }
        Ok(())
    }

    fn initialize_synaptic(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        self.proj(proj)?;
        S::initialize_synaptic(self, proj, name, values)
    }

    fn record_weights(&mut self, proj: ProjId, interval_steps: Option<u64>) -> Result<()> {
        self.proj(proj)?;
        S::record_weights(self, proj, interval_steps)
    }

    fn recorded_weights(&self, proj: ProjId) -> Result<RawWeights> {
        self.proj(proj)?;
        S::recorded_weights(self, proj)
    }

    fn recorded_synaptic_state(&self, proj: ProjId, name: &str) -> Result<RawWeights> {
        self.proj(proj)?;
        S::recorded_synaptic_state(self, proj, name)
    }
}

/// Sets Tsodyks–Markram state `name` (`u`, `x` or `y`) of projection
/// `proj` in the mirror, checked; the shared part of NEST's and Brian2's
/// `initialize_synaptic`.
pub(crate) fn set_tm_state<S: Simulator>(b: &mut External<S>, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
    let p = &mut b.projs[proj];
    let object = format!("{} projection \"{}\"", S::NAME, p.label);
    let SynapseKind::TsodyksMarkram(columns) = &mut p.synapse else {
        return Err(Error::unknown_name(object, "state variable", name, []));
    };
    let Some((_, col)) = columns.0.iter_mut().find(|(n, _)| *n == name && ["u", "x", "y"].contains(n)) else {
        return Err(Error::unknown_name(object, "state variable", name, ["u", "x", "y"]));
    };
    if col.len() != values.len() {
        return Err(Error::LengthMismatch { object, what: name.into(), expected: col.len(), found: values.len() });
    }
    col.copy_from_slice(values);
    p.current.retain(|(n, _)| *n != name);
    Ok(())
}

/// Sets parameter `name` (not state, not weight or delay) of every synapse
/// of a plastic projection in the mirror (list order) and returns the
/// previous values, for a simulator's `set_plastic` to send and, should the
/// simulator refuse them, to put back with [`restore_synapse_parameter`].
pub(crate) fn set_synapse_parameter<S: Simulator>(
    b: &mut External<S>,
    proj: ProjId,
    name: &str,
    values: &[f64],
) -> Result<Vec<f64>> {
    let p = &mut b.projs[proj];
    let object = format!("{} projection \"{}\"", S::NAME, p.label);
    let columns = match &mut p.synapse {
        SynapseKind::TsodyksMarkram(c) => c,
        SynapseKind::SpikePairStdp { columns, .. } | SynapseKind::Vogels2011 { columns, .. } => columns,
        _ => return Err(Error::unknown_name(object, "parameter", name, [])),
    };
    let names: Vec<&str> = columns.0.iter().map(|(n, _)| *n).filter(|n| !["u", "x", "y"].contains(n)).collect();
    let Some((_, col)) = columns.0.iter_mut().find(|(n, _)| *n == name && !["u", "x", "y"].contains(n)) else {
        return Err(Error::unknown_name(object, "parameter", name, names));
    };
    if col.len() != values.len() {
        return Err(Error::LengthMismatch { object, what: name.into(), expected: col.len(), found: values.len() });
    }
    let old = std::mem::replace(col, values.to_vec());
    p.current.retain(|(n, _)| *n != name);
    Ok(old)
}

/// Puts back the values [`set_synapse_parameter`] replaced.
pub(crate) fn restore_synapse_parameter<S: Simulator>(b: &mut External<S>, proj: ProjId, name: &str, old: Vec<f64>) {
    let columns = match &mut b.projs[proj].synapse {
        SynapseKind::TsodyksMarkram(c) => c,
        SynapseKind::SpikePairStdp { columns, .. } | SynapseKind::Vogels2011 { columns, .. } => columns,
        _ => return,
    };
    if let Some((_, col)) = columns.0.iter_mut().find(|(n, _)| *n == name) {
        *col = old;
    }
}
