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
        /// NEURON: source spikes' global cells.
        #[serde(skip_serializing_if = "Option::is_none")]
        src_cells: Option<String>,
        /// NEURON: source spikes' steps.
        #[serde(skip_serializing_if = "Option::is_none")]
        src_steps: Option<String>,
        /// NEURON: steps at which injected currents change.
        #[serde(skip_serializing_if = "Option::is_none")]
        cur_steps: Option<String>,
        /// NEURON: number of changed cells per step.
        #[serde(skip_serializing_if = "Option::is_none")]
        cur_counts: Option<String>,
        /// NEURON: changed cells.
        #[serde(skip_serializing_if = "Option::is_none")]
        cur_cells: Option<String>,
        /// NEURON: their new currents (nA).
        #[serde(skip_serializing_if = "Option::is_none")]
        cur_values: Option<String>,
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
    Request::Run {
        step,
        src_cells: None,
        src_steps: None,
        cur_steps: None,
        cur_counts: None,
        cur_cells: None,
        cur_values: None,
    }
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
        let mut r = run(7);
        if let Request::Run { src_cells, src_steps, .. } = &mut r {
            *src_cells = Some("/a.npy".into());
            *src_steps = Some("/b.npy".into());
        }
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
