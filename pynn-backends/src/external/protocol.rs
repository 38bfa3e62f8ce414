//! The requests Rust sends to the Python drivers and the replies it reads,
//! typed (serde).
//!
//! The wire format is one JSON object per line: the command's name in key
//! `"cmd"`, its fields beside it; the answer has `"ok": true` and the
//! reply's fields, or `"ok": false` with `"error"` (see [`super::process`]).
//! Large arrays travel as `.npy` files whose paths are the fields' values.
//! A request serializes to exactly the JSON the drivers have always read
//! (`golden` tests below). Fields that differ per simulator (parameter
//! maps in a simulator's names and units) are JSON objects built by the
//! simulator's translation.

use super::process::Driver;
use pynn_core::Result;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// A recorded signal in a `record` request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalRequest {
    /// The PyNN name (NEURON's driver keys its data by it), if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The simulator's variable.
    pub var: String,
    /// Brian2's unit of the variable, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The recorded cells (indices in the population).
    pub cells: Vec<usize>,
}

/// A request to a driver. Commands that only one driver has carry that
/// simulator's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    /// Is the simulator there? (answer: versions, NEURON's `nhost`, NEST's
    /// `have_mpi`).
    Hello,
    /// Forget the network, keep the process (returned to the pool).
    Clear,
    /// Forget the network (NEURON: before a rebuild).
    Reset,
    /// Advance to `step` (NEURON: with the source spikes and current changes
    /// of the run as `.npy` files).
    Run {
        /// The step to reach.
        step: u64,
        /// NEURON: the run's inputs.
        #[serde(flatten)]
        inputs: RunInputs,
    },
    /// NEURON with plastic projections: advance to `step` (the end of a
    /// `min_delay` slice) with the synaptic events the rules made for it;
    /// the answer has the slice's spikes (`spike_cells`, `spike_steps`).
    PlasticRun {
        /// The step to reach.
        step: u64,
        /// Target cells of the events (global indices).
        ev_cells: Vec<u32>,
        /// Receptor index of each event.
        ev_receptors: Vec<usize>,
        /// Arrival step of each event.
        ev_steps: Vec<u64>,
        /// Weight of each event (NEURON's units).
        ev_weights: Vec<f64>,
        /// The slice's inputs.
        #[serde(flatten)]
        inputs: RunInputs,
    },
    /// Create a population (each driver reads its own fields).
    Create {
        /// The population.
        pop: usize,
        /// Its first cell's global index.
        offset: usize,
        /// Its number of cells.
        n: usize,
        /// `"neuron"`, `"stimulator"` (NEST), `"array"` (NEST, Brian2: spike
        /// trains), `"cell"`, `"source"` (NEURON).
        kind: String,
        /// NEST: the model's name; Brian2: the equations, threshold, reset,
        /// refractoriness and method.
        #[serde(skip_serializing_if = "Option::is_none")]
        model: Option<Json>,
        /// NEURON: the mechanism.
        #[serde(skip_serializing_if = "Option::is_none")]
        mechanism: Option<String>,
        /// Parameter -> values (the simulator's names and units; Brian2:
        /// `[unit, values]`).
        #[serde(skip_serializing_if = "Option::is_none")]
        params: Option<Json>,
        /// Spike sources: spike steps per cell.
        #[serde(skip_serializing_if = "Option::is_none")]
        spike_steps: Option<Json>,
        /// Initial values (NEURON: the mechanism's initial-value parameters).
        state: Map<String, Json>,
        /// NEURON: live variables set after `finitialize`.
        #[serde(skip_serializing_if = "Option::is_none")]
        live_state: Option<Map<String, Json>>,
    },
    /// Connect a projection's explicit connection list (`.npy` files).
    Connect {
        /// The projection.
        proj: usize,
        /// Pre-synaptic cells (global indices).
        pre: String,
        /// Post-synaptic cells.
        post: String,
        /// Weights (the simulator's units).
        weight: String,
        /// NEST, NEURON: delays (ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        delay: Option<String>,
        /// Brian2: delays in steps.
        #[serde(skip_serializing_if = "Option::is_none")]
        delay_steps: Option<String>,
        /// NEST: the receptor port (composed and multi-port models).
        #[serde(skip_serializing_if = "Option::is_none")]
        receptor_type: Option<usize>,
        /// NEST: a plastic synapse's model and parameters.
        #[serde(skip_serializing_if = "Option::is_none")]
        synapse: Option<Json>,
        /// NEURON: the receptor index.
        #[serde(skip_serializing_if = "Option::is_none")]
        receptor: Option<usize>,
        /// Brian2: the `on_pre` statement.
        #[serde(skip_serializing_if = "Option::is_none")]
        on_pre: Option<String>,
        /// Brian2: the weights' unit.
        #[serde(skip_serializing_if = "Option::is_none")]
        weight_unit: Option<String>,
        /// Brian2: a plastic synapse's equations and values.
        #[serde(skip_serializing_if = "Option::is_none")]
        plastic: Option<Json>,
    },
    /// Read the plastic projections' state (answer: `state` -> projection
    /// -> variable -> `.npy` file).
    PlasticState {
        /// NEST: the plastic projections.
        #[serde(skip_serializing_if = "Option::is_none")]
        projs: Option<Vec<usize>>,
        /// NEST: projection -> names to read.
        #[serde(skip_serializing_if = "Option::is_none")]
        names: Option<Map<String, Json>>,
        /// Brian2: projection -> variables to read.
        #[serde(skip_serializing_if = "Option::is_none")]
        vars: Option<Map<String, Json>>,
    },
    /// Start a fresh network (each driver takes its own fields).
    Setup {
        /// The time step (ms).
        dt: f64,
        /// NEST, NEURON: min_delay (ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        min_delay: Option<f64>,
        /// NEST: max_delay (ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        max_delay: Option<f64>,
        /// NEST: min_delay in steps.
        #[serde(skip_serializing_if = "Option::is_none")]
        min_delay_steps: Option<u64>,
        /// NEST, Brian2: the simulator's seed.
        #[serde(skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
        /// NEST: threads.
        #[serde(skip_serializing_if = "Option::is_none")]
        threads: Option<usize>,
        /// NEURON: the compiled mechanisms' library.
        #[serde(skip_serializing_if = "Option::is_none")]
        lib: Option<String>,
        /// Brian2: the code-generation target.
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// New parameters of a population (the simulator's names and units) or
    /// new spike trains of a source population.
    SetParams {
        /// The population.
        pop: usize,
        /// Simulator parameter -> values.
        #[serde(skip_serializing_if = "Option::is_none")]
        params: Option<Json>,
        /// Spike steps per cell.
        #[serde(skip_serializing_if = "Option::is_none")]
        spike_steps: Option<Json>,
        /// NEST: the step the last run ended at (spikes just after it take
        /// the direct generators).
        #[serde(skip_serializing_if = "Option::is_none")]
        run_end: Option<u64>,
    },
    /// NEST: a DC or step current source (amplitudes in pA).
    Current {
        /// The source.
        id: usize,
        /// `"dc"` or `"step"`.
        kind: String,
        /// DC amplitude.
        #[serde(skip_serializing_if = "Option::is_none")]
        amplitude: Option<f64>,
        /// DC start (ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<f64>,
        /// DC stop (ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        stop: Option<f64>,
        /// Step times (ms; a list or a `.npy` file).
        #[serde(skip_serializing_if = "Option::is_none")]
        times: Option<Json>,
        /// Step amplitudes (a list or a `.npy` file).
        #[serde(skip_serializing_if = "Option::is_none")]
        amplitudes: Option<Json>,
        /// Target cells (global indices).
        targets: Vec<u32>,
    },
    /// Brian2: new values of a projection's synaptic variables
    /// (`var -> [unit, .npy file]`).
    SetVars {
        /// The projection.
        proj: usize,
        /// Variables.
        vars: Map<String, Json>,
    },
    /// NEURON: the cells whose spikes the plastic rules need.
    PlasticSetup {
        /// The watched cells.
        watch: Json,
    },
    /// Hand over a population's recorded data since the last drain.
    Drain {
        /// The population.
        pop: usize,
    },
    /// Read a variable of every cell of a population.
    Get {
        /// The population.
        pop: usize,
        /// The simulator's variable.
        var: String,
    },
    /// What to record of a population.
    Record {
        /// The population.
        pop: usize,
        /// Cells whose spikes are recorded.
        spikes: Vec<usize>,
        /// Recorded signals.
        signals: Vec<SignalRequest>,
        /// Sampling interval in steps.
        interval_steps: u64,
    },
    /// New values of a projection's weights or delays (simulator units, a
    /// `.npy` file).
    SetSynaptic {
        /// The projection.
        proj: usize,
        /// `"weight"`, `"delay"` (NEST: also `"u"`, `"x"`, `"y"`).
        name: String,
        /// The `.npy` file of the values.
        values: String,
    },
    /// New state values of some cells.
    SetState {
        /// The population.
        pop: usize,
        /// The cells (indices in the population).
        cells: Vec<usize>,
        /// Simulator variable -> values (Brian2: `[unit, values]`).
        state: Map<String, Json>,
        /// NEURON: live variable -> values.
        #[serde(skip_serializing_if = "Option::is_none")]
        live: Option<Map<String, Json>>,
    },
    /// Brian2: a plastic projection's weight recording (`interval`: steps,
    /// `None` to stop).
    RecordWeights {
        /// The projection.
        proj: usize,
        /// The weight variable.
        var: String,
        /// Interval in steps, `null` to stop.
        interval: Option<u64>,
    },
    /// Brian2: the escape-noise numbers each cell used in the last run.
    EscapeUsed {
        /// The population.
        pop: usize,
    },
    /// Brian2: the next `rows` escape-noise numbers per cell.
    EscapeDraws {
        /// The population.
        pop: usize,
        /// Numbers per cell.
        rows: usize,
        /// The `.npy` file (row-major).
        data: String,
    },
    /// Brian2: injected current samples of steps `first..` for some cells.
    Stimulus {
        /// The population.
        pop: usize,
        /// The cells (indices in the population).
        cells: Vec<usize>,
        /// The first step.
        first: u64,
        /// The `.npy` file (row-major: step, cell).
        data: String,
    },
    /// NEST: the model's kind, recordables and receptor ports, checking
    /// that it takes `params`.
    ModelInfo {
        /// NEST's model.
        model: String,
        /// Parameters and state values to try (NEST's names).
        params: Map<String, Json>,
    },
    /// NEST: per-step currents added to `I_e` for the steps a generator
    /// cannot reach yet.
    EarlyCurrent {
        /// The first step.
        from: u64,
        /// `{"targets": [...], "values": [...]}` groups.
        groups: Vec<Json>,
    },
}

/// NEURON's inputs of a run or of a plastic run's slice (`.npy` files,
/// absent when there are none).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunInputs {
    /// Source spikes' global cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_cells: Option<String>,
    /// Source spikes' steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_steps: Option<String>,
    /// Steps at which injected currents change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cur_steps: Option<String>,
    /// Number of changed cells per step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cur_counts: Option<String>,
    /// Changed cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cur_cells: Option<String>,
    /// Their new currents (nA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cur_values: Option<String>,
}

/// One signal of a `drain` reply.
#[derive(Debug, Clone, Deserialize)]
pub struct SignalReply {
    /// The simulator's variable (NEST, Brian2).
    #[serde(default)]
    pub var: Option<String>,
    /// The PyNN name (NEURON).
    #[serde(default)]
    pub name: Option<String>,
    /// The recorded cells.
    #[serde(default)]
    pub cells: Vec<usize>,
    /// `.npy` of the sample steps.
    pub steps: String,
    /// `.npy` of the data (step-major).
    pub data: String,
}

/// The reply to `drain`.
#[derive(Debug, Clone, Deserialize)]
pub struct DrainReply {
    /// `.npy` of the spiking cells (absent: nothing recorded).
    #[serde(default)]
    pub spike_cells: Option<String>,
    /// `.npy` of the spike steps.
    #[serde(default)]
    pub spike_steps: Option<String>,
    /// `.npy` of the spikes' offsets (ms before the end of their step),
    /// parallel to the steps; absent when every spike is on the grid.
    #[serde(default)]
    pub spike_offsets: Option<String>,
    /// Recorded signals.
    #[serde(default)]
    pub signals: Vec<SignalReply>,
}

/// The reply to `hello`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HelloReply {
    /// NEURON's version.
    #[serde(default)]
    pub version: Option<String>,
    /// NEST's version.
    #[serde(default)]
    pub nest_version: Option<String>,
    /// Brian2's version.
    #[serde(default)]
    pub brian2_version: Option<String>,
    /// NEURON: the number of ranks the driver runs on.
    #[serde(default)]
    pub nhost: Option<usize>,
    /// NEST: whether its build has MPI (missing: false).
    #[serde(default)]
    pub have_mpi: bool,
}

/// Decodes a driver's answer to `cmd` as `T`.
pub(crate) fn reply<T: for<'de> Deserialize<'de>>(d: &Driver, cmd: &str, answer: Json) -> Result<T> {
    serde_json::from_value(answer).map_err(|e| d.err(format!("unexpected answer to `{cmd}`: {e}")))
}

/// Decodes a `hello` answer (missing fields: defaults).
pub fn hello(answer: &Json) -> HelloReply {
    serde_json::from_value(answer.clone()).unwrap_or_default()
}

/// A [`Request::Run`] without NEURON's files.
pub fn run(step: u64) -> Request {
    Request::Run { step, inputs: RunInputs::default() }
}

/// A [`Request::Setup`] with only the time step (the drivers' other
/// fields are added by the builder methods or set directly).
pub fn setup(dt: f64) -> Request {
    Request::Setup {
        dt,
        min_delay: None,
        max_delay: None,
        min_delay_steps: None,
        seed: None,
        threads: None,
        lib: None,
        target: None,
    }
}

impl Request {
    /// NEST's `setup` fields.
    pub fn nest(self, min_delay: f64, max_delay: f64, min_delay_steps: u64, seed: u64, threads: usize) -> Self {
        match self {
            Request::Setup { dt, lib, target, .. } => Request::Setup {
                dt,
                min_delay: Some(min_delay),
                max_delay: Some(max_delay),
                min_delay_steps: Some(min_delay_steps),
                seed: Some(seed),
                threads: Some(threads),
                lib,
                target,
            },
            other => other,
        }
    }
}

/// A `set_params` request from the fields a translation made (`params`
/// and/or `spike_steps`).
pub fn set_params(pop: usize, mut fields: Map<String, Json>) -> Request {
    Request::SetParams {
        pop,
        params: fields.remove("params"),
        spike_steps: fields.remove("spike_steps"),
        run_end: None,
    }
}

/// A `set_params` request with new spike trains.
pub fn set_trains(pop: usize, steps: &[Vec<u64>], run_end: Option<u64>) -> Request {
    Request::SetParams { pop, params: None, spike_steps: Some(Json::from(steps.to_vec())), run_end }
}

#[cfg(test)]
mod golden {
    //! The typed requests give the JSON the drivers read (the `json!` of
    //! the backends before the protocol was typed).
    use super::*;
    use serde_json::json;

    fn same(r: Request, old: Json) {
        assert_eq!(serde_json::to_value(&r).unwrap(), old, "{r:?}");
    }

    #[test]
    fn typed_requests_serialize_to_the_old_json() {
        same(Request::Hello, json!({"cmd": "hello"}));
        same(Request::Clear, json!({"cmd": "clear"}));
        same(Request::Reset, json!({"cmd": "reset"}));
        same(run(42), json!({"cmd": "run", "step": 42}));
        let inputs =
            RunInputs { src_cells: Some("/a.npy".into()), src_steps: Some("/b.npy".into()), ..Default::default() };
        let r = Request::Run { step: 7, inputs };
        same(r, json!({"cmd": "run", "step": 7, "src_cells": "/a.npy", "src_steps": "/b.npy"}));
        same(Request::Drain { pop: 3 }, json!({"cmd": "drain", "pop": 3}));
        same(Request::Get { pop: 1, var: "ndraw".into() }, json!({"cmd": "get", "pop": 1, "var": "ndraw"}));
        same(
            Request::SetSynaptic { proj: 2, name: "weight".into(), values: "/w.npy".into() },
            json!({"cmd": "set_synaptic", "proj": 2, "name": "weight", "values": "/w.npy"}),
        );
        // NEST's record
        same(
            Request::Record {
                pop: 0,
                spikes: vec![0, 2],
                signals: vec![SignalRequest { name: None, var: "V_m".into(), unit: None, cells: vec![1] }],
                interval_steps: 1,
            },
            json!({"cmd": "record", "pop": 0, "spikes": [0, 2], "signals": [{"var": "V_m", "cells": [1]}],
                   "interval_steps": 1}),
        );
        // NEURON's and Brian2's signals
        same(
            Request::Record {
                pop: 1,
                spikes: vec![],
                signals: vec![
                    SignalRequest { name: Some("v".into()), var: "v".into(), unit: None, cells: vec![0] },
                    SignalRequest { name: None, var: "v".into(), unit: Some("mV".into()), cells: vec![0] },
                ],
                interval_steps: 5,
            },
            json!({"cmd": "record", "pop": 1, "spikes": [], "interval_steps": 5, "signals": [
                {"name": "v", "var": "v", "cells": [0]}, {"var": "v", "unit": "mV", "cells": [0]}]}),
        );
        let state: Map<String, Json> = [("V_m".to_string(), json!([-65.0]))].into_iter().collect();
        same(
            Request::SetState { pop: 0, cells: vec![4], state: state.clone(), live: None },
            json!({"cmd": "set_state", "pop": 0, "cells": [4], "state": {"V_m": [-65.0]}}),
        );
        same(
            Request::SetState { pop: 0, cells: vec![4], state: Map::new(), live: Some(state) },
            json!({"cmd": "set_state", "pop": 0, "cells": [4], "state": {}, "live": {"V_m": [-65.0]}}),
        );
        same(
            Request::RecordWeights { proj: 1, var: "w".into(), interval: None },
            json!({"cmd": "record_weights", "proj": 1, "var": "w", "interval": null}),
        );
        same(
            Request::Stimulus { pop: 0, cells: vec![1], first: 10, data: "/s.npy".into() },
            json!({"cmd": "stimulus", "pop": 0, "cells": [1], "first": 10, "data": "/s.npy"}),
        );
        same(
            Request::EscapeDraws { pop: 2, rows: 3, data: "/d.npy".into() },
            json!({"cmd": "escape_draws", "pop": 2, "rows": 3, "data": "/d.npy"}),
        );
        same(Request::EscapeUsed { pop: 2 }, json!({"cmd": "escape_used", "pop": 2}));
        same(
            setup(0.1).nest(0.2, 5.0, 2, 7, 1),
            json!({"cmd": "setup", "dt": 0.1, "min_delay": 0.2, "max_delay": 5.0, "min_delay_steps": 2, "seed": 7,
                   "threads": 1}),
        );
        let Request::Setup { dt, min_delay: None, .. } = setup(0.1) else { unreachable!() };
        same(
            Request::Setup {
                dt,
                min_delay: Some(0.2),
                max_delay: None,
                min_delay_steps: None,
                seed: None,
                threads: None,
                lib: Some("/l.so".into()),
                target: None,
            },
            json!({"cmd": "setup", "dt": 0.1, "min_delay": 0.2, "lib": "/l.so"}),
        );
        same(
            Request::SetParams { pop: 1, params: None, spike_steps: Some(json!([[1, 2], []])), run_end: Some(5) },
            json!({"cmd": "set_params", "pop": 1, "spike_steps": [[1, 2], []], "run_end": 5}),
        );
        same(
            Request::SetParams { pop: 0, params: Some(json!({"tau_m": [10.0]})), spike_steps: None, run_end: None },
            json!({"cmd": "set_params", "pop": 0, "params": {"tau_m": [10.0]}}),
        );
        same(
            Request::Current {
                id: 0,
                kind: "dc".into(),
                amplitude: Some(500.0),
                start: Some(1.0),
                stop: Some(2.0),
                times: None,
                amplitudes: None,
                targets: vec![3],
            },
            json!({"cmd": "current", "id": 0, "kind": "dc", "amplitude": 500.0, "start": 1.0, "stop": 2.0,
                   "targets": [3]}),
        );
        same(
            Request::SetVars { proj: 1, vars: [("w".to_string(), json!(["1", "/w.npy"]))].into_iter().collect() },
            json!({"cmd": "set_vars", "proj": 1, "vars": {"w": ["1", "/w.npy"]}}),
        );
        same(Request::PlasticSetup { watch: json!([1, 2]) }, json!({"cmd": "plastic_setup", "watch": [1, 2]}));
        same(
            Request::ModelInfo { model: "iaf_psc_alpha".into(), params: Map::new() },
            json!({"cmd": "model_info", "model": "iaf_psc_alpha", "params": {}}),
        );
        same(
            Request::EarlyCurrent { from: 0, groups: vec![json!({"targets": [1], "values": [0.5]})] },
            json!({"cmd": "early_current", "from": 0, "groups": [{"targets": [1], "values": [0.5]}]}),
        );
    }

    /// `create`, `connect`, `plastic_state` and `plastic_run` of the three
    /// backends: the old `json!` next to the typed request.
    #[test]
    fn network_requests_serialize_to_the_old_json() {
        let state: Map<String, Json> = [("V_m".to_string(), json!([-65.0]))].into_iter().collect();
        let create = |kind: &str| Request::Create {
            pop: 1,
            offset: 4,
            n: 2,
            kind: kind.into(),
            model: None,
            mechanism: None,
            params: None,
            spike_steps: None,
            state: Map::new(),
            live_state: None,
        };
        // NEST: a neuron with its parameters; a spike source with its trains
        let mut r = create("neuron");
        if let Request::Create { model, params, state: s, .. } = &mut r {
            (*model, *params, *s) = (Some(json!("iaf_psc_alpha")), Some(json!({"C_m": [250.0, 250.0]})), state.clone());
        }
        same(
            r,
            json!({"cmd": "create", "pop": 1, "offset": 4, "n": 2, "kind": "neuron", "model": "iaf_psc_alpha",
                   "params": {"C_m": [250.0, 250.0]}, "state": {"V_m": [-65.0]}}),
        );
        let mut r = create("array");
        if let Request::Create { model, spike_steps, .. } = &mut r {
            (*model, *spike_steps) = (Some(json!("spike_generator")), Some(json!([[1, 5], []])));
        }
        same(
            r,
            json!({"cmd": "create", "pop": 1, "offset": 4, "n": 2, "kind": "array", "model": "spike_generator",
                   "spike_steps": [[1, 5], []], "state": {}}),
        );
        // Brian2: the model is an object of equations
        let mut r = create("neuron");
        let model = json!({"equations": "dv/dt = -v/tau : volt", "threshold": "v > 1", "reset": "v = 0",
                           "refractory": "2*ms", "method": "exact", "before_step": null, "substeps": 1,
                           "after_step": null, "escape": false});
        if let Request::Create { model: m, params, .. } = &mut r {
            (*m, *params) = (Some(model.clone()), Some(json!({"tau": ["ms", [10.0, 10.0]]})));
        }
        same(
            r,
            json!({"cmd": "create", "pop": 1, "offset": 4, "n": 2, "kind": "neuron", "model": model,
                   "params": {"tau": ["ms", [10.0, 10.0]]}, "state": {}}),
        );
        // NEURON: a mechanism, initial-value parameters and live variables
        let mut r = create("cell");
        if let Request::Create { mechanism, params, state: s, live_state, .. } = &mut r {
            *mechanism = Some("PynnIafCurr".into());
            *params = Some(json!({"tau_m": [20.0, 20.0]}));
            *s = state.clone();
            *live_state = Some(Map::new());
        }
        same(
            r,
            json!({"cmd": "create", "pop": 1, "offset": 4, "n": 2, "kind": "cell", "mechanism": "PynnIafCurr",
                   "params": {"tau_m": [20.0, 20.0]}, "state": {"V_m": [-65.0]}, "live_state": {}}),
        );
        let connect = Request::Connect {
            proj: 0,
            pre: "/pre.npy".into(),
            post: "/post.npy".into(),
            weight: "/w.npy".into(),
            delay: None,
            delay_steps: None,
            receptor_type: None,
            synapse: None,
            receptor: None,
            on_pre: None,
            weight_unit: None,
            plastic: None,
        };
        let files = json!({"cmd": "connect", "proj": 0, "pre": "/pre.npy", "post": "/post.npy", "weight": "/w.npy"});
        let with = |extra: Json| {
            let mut j = files.clone();
            j.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            j
        };
        // NEST: static on a port, plastic by the sign
        let mut r = connect.clone();
        if let Request::Connect { delay, receptor_type, .. } = &mut r {
            (*delay, *receptor_type) = (Some("/d.npy".into()), Some(2));
        }
        same(r, with(json!({"delay": "/d.npy", "receptor_type": 2})));
        let syn = json!({"model": "stdp_synapse", "params": {"lambda": [0.01]}, "tau_minus": 20.0});
        let mut r = connect.clone();
        if let Request::Connect { delay, synapse, .. } = &mut r {
            (*delay, *synapse) = (Some("/d.npy".into()), Some(syn.clone()));
        }
        same(r, with(json!({"delay": "/d.npy", "synapse": syn})));
        // NEURON
        let mut r = connect.clone();
        if let Request::Connect { delay, receptor, .. } = &mut r {
            (*delay, *receptor) = (Some("/d.npy".into()), Some(1));
        }
        same(r, with(json!({"delay": "/d.npy", "receptor": 1})));
        // Brian2, plastic
        let plastic = json!({"model": "w : 1", "update": "", "transmit": "", "backprop": "", "values": {}});
        let mut r = connect;
        if let Request::Connect { delay_steps, on_pre, weight_unit, plastic: p, .. } = &mut r {
            *delay_steps = Some("/d.npy".into());
            (*on_pre, *weight_unit, *p) = (Some("g += w".into()), Some("nS".into()), Some(plastic.clone()));
        }
        same(r, with(json!({"delay_steps": "/d.npy", "on_pre": "g += w", "weight_unit": "nS", "plastic": plastic})));
        let names: Map<String, Json> = [("3".to_string(), json!(["weight", "u", "x", "y"]))].into_iter().collect();
        same(
            Request::PlasticState { projs: Some(vec![3]), names: Some(names.clone()), vars: None },
            json!({"cmd": "plastic_state", "projs": [3], "names": {"3": ["weight", "u", "x", "y"]}}),
        );
        same(
            Request::PlasticState { projs: None, names: None, vars: Some(names) },
            json!({"cmd": "plastic_state", "vars": {"3": ["weight", "u", "x", "y"]}}),
        );
        let inputs = RunInputs { cur_steps: Some("/c.npy".into()), ..Default::default() };
        same(
            Request::PlasticRun {
                step: 20,
                ev_cells: vec![3],
                ev_receptors: vec![0],
                ev_steps: vec![21],
                ev_weights: vec![0.5],
                inputs,
            },
            json!({"cmd": "plastic_run", "step": 20, "ev_cells": [3], "ev_receptors": [0], "ev_steps": [21],
                   "ev_weights": [0.5], "cur_steps": "/c.npy"}),
        );
    }

    #[test]
    fn replies_decode_with_missing_fields() {
        let h = hello(&json!({"ok": true, "nest_version": "3.10.0"}));
        assert_eq!(h.nest_version.as_deref(), Some("3.10.0"));
        assert!(!h.have_mpi, "a missing have_mpi is false");
        assert!(hello(&json!({"ok": true, "have_mpi": true})).have_mpi);
        let d: DrainReply = serde_json::from_value(json!({"ok": true})).unwrap();
        assert!(d.spike_cells.is_none() && d.signals.is_empty());
    }
}
