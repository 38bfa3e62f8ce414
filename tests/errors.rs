//! Bad input gets a clear `pynn::Error`, never a panic (DESIGN.md §3).
//!
//! One test per kind of bad input. Each asserts the error variant, its
//! structured fields, and that the rendered message names what the user
//! needs to fix it: the object (population, view, projection, source,
//! session), the parameter, the offending value and what is allowed. The
//! last tests check that a session survives errors: nothing a failed call
//! touched is half-changed, later valid calls succeed, and data recorded
//! before the error are kept.

use pynn::core::CurrentSourceHandle;
use pynn::prelude::*;

/// The error of a call that must fail.
#[track_caller]
fn err<T>(r: Result<T>) -> Error {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e,
    }
}

/// Asserts that the message of `e` contains every one of `parts`.
#[track_caller]
fn mentions(e: &Error, parts: &[&str]) {
    let msg = e.to_string();
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} does not mention {p:?}");
    }
}

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay: 10.0, ..Setup::default() }).unwrap()
}

fn setup_err(s: Setup) -> Error {
    err(Sim::<Native>::setup(s))
}

// ------------------------------------------------------------------ setup

#[test]
fn setup_timestep_not_positive() {
    for dt in [0.0, -0.1, f64::NAN] {
        let e = setup_err(Setup { timestep: dt, ..Setup::default() });
        match &e {
            Error::InvalidSetup { parameter, value, .. } => {
                assert_eq!(*parameter, "timestep");
                assert!(value.to_bits() == dt.to_bits(), "value {value} for dt {dt}");
            }
            other => panic!("wrong variant: {other:?}"),
        }
        mentions(&e, &["timestep", &dt.to_string(), "positive"]);
    }
}

#[test]
fn setup_min_delay_below_timestep() {
    let e = setup_err(Setup { timestep: 0.1, min_delay: 0.05, ..Setup::default() });
    assert!(matches!(e, Error::InvalidSetup { parameter: "min_delay", value, .. } if value == 0.05), "{e:?}");
    mentions(&e, &["min_delay", "0.05", ">= timestep (0.1 ms)"]);
}

#[test]
fn setup_max_delay_below_min_delay() {
    let e = setup_err(Setup { timestep: 0.1, min_delay: 1.0, max_delay: 0.5, ..Setup::default() });
    assert!(matches!(e, Error::InvalidSetup { parameter: "max_delay", value, .. } if value == 0.5), "{e:?}");
    mentions(&e, &["max_delay", "0.5", ">= min_delay (1 ms)"]);
}

#[test]
fn setup_min_delay_off_the_time_grid() {
    // 0.25 ms is 2.5 steps of 0.1 ms.
    let e = setup_err(Setup { timestep: 0.1, min_delay: 0.25, ..Setup::default() });
    assert!(matches!(e, Error::InvalidSetup { parameter: "min_delay", value, .. } if value == 0.25), "{e:?}");
    mentions(&e, &["min_delay", "0.25", "whole number of time steps (0.1 ms)"]);
}

// ----------------------------------------------------------------- delays

/// The error of a one-connection projection with synaptic delay `delay`
/// (session: dt 0.1 ms, min_delay 0.2 ms, max_delay 10 ms).
fn delay_err(delay: f64) -> Error {
    let sim =
        Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.2, max_delay: 10.0, ..Setup::default() }).unwrap();
    let pre = Population::with_label(&sim, 1, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 1, IF_curr_exp::default(), Some("post")).unwrap();
    let e = err(Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.5, delay), None));
    // A rejected projection leaves nothing behind: the next one gets id 0
    // in the backend and works.
    let p = Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.5, 0.2), None).unwrap();
    assert_eq!(p.get_values("delay").unwrap(), vec![0.2]);
    e
}

#[track_caller]
fn assert_delay_error(e: &Error, value: &str) {
    match e {
        Error::InvalidValue { object, name, value: v, allowed } => {
            assert_eq!(object, "projection \"pre→post\"");
            assert_eq!(name, "delay");
            assert_eq!(v, value);
            assert!(allowed.contains("[min_delay, max_delay] = [0.2, 10] ms"), "{allowed}");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(e, &["pre→post", "delay", value, "[0.2, 10] ms"]);
}

#[test]
fn delay_zero() {
    assert_delay_error(&delay_err(0.0), "0");
}

#[test]
fn delay_negative() {
    assert_delay_error(&delay_err(-1.5), "-1.5");
}

#[test]
fn delay_below_the_time_step() {
    // 0.04 ms rounds to 0 steps of 0.1 ms.
    assert_delay_error(&delay_err(0.04), "0.04");
}

#[test]
fn delay_below_min_delay() {
    // 0.1 ms is one step, min_delay is two.
    assert_delay_error(&delay_err(0.1), "0.1");
}

#[test]
fn delay_above_max_delay() {
    assert_delay_error(&delay_err(10.5), "10.5");
}

#[test]
fn delay_set_out_of_range_on_existing_projection() {
    let sim = sim();
    let pre = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("post")).unwrap();
    let prj = Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.5, 1.0), None).unwrap();
    let e = err(prj.set("delay", 20.0));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "delay" && value == "20"), "{e:?}");
    mentions(&e, &["pre→post", "delay", "20", "max_delay"]);
    // Unchanged.
    assert_eq!(prj.get_values("delay").unwrap(), vec![1.0; 4]);
}

// ---------------------------------------------------- connection probability

#[track_caller]
fn assert_p_error(e: &Error, p: &str) {
    match e {
        Error::InvalidValue { object, name, value, allowed } => {
            assert!(object.contains("projection"), "{object}");
            assert_eq!(name, "p_connect");
            assert_eq!(value, p);
            assert_eq!(allowed, "a probability in [0, 1]");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(e, &["p_connect", p, "[0, 1]"]);
}

#[test]
fn fixed_probability_outside_unit_interval_object_api() {
    let sim = sim();
    let a = Population::new(&sim, 3, IF_curr_exp::default()).unwrap();
    let b = Population::new(&sim, 3, IF_curr_exp::default()).unwrap();
    for (p, text) in [(-0.1, "-0.1"), (1.5, "1.5")] {
        let e = err(Projection::new(&a, &b, &FixedProbabilityConnector::new(p), StaticSynapse::new(0.1, 1.0), None));
        assert_p_error(&e, text);
    }
}

#[test]
fn fixed_probability_outside_unit_interval_procedural_api() {
    let sim = sim();
    let a = sim.create(IF_curr_exp::default(), 3).unwrap();
    let b = sim.create(IF_curr_exp::default(), 3).unwrap();
    for (p, text) in [(-0.1, "-0.1"), (1.5, "1.5")] {
        let e = err(sim.connect(&a, &b, 0.1, Some(1.0), None, p));
        assert_p_error(&e, text);
    }
}

// ------------------------------------------------------------ weight sign

#[test]
fn positive_weight_on_inhibitory_receptor() {
    let sim = sim();
    let pre = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("post")).unwrap();
    let e =
        err(Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.5, 1.0), Some("inhibitory")));
    match &e {
        Error::InvalidValue { name, value, allowed, .. } => {
            assert_eq!(name, "weight");
            assert_eq!(value, "0.5");
            assert!(allowed.contains("inhibitory") && allowed.contains("<= 0"), "{allowed}");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["pre→post", "weight", "0.5", "inhibitory", "<= 0"]);
}

#[test]
fn negative_weight_on_excitatory_receptor() {
    let sim = sim();
    let pre = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_alpha::default(), Some("post")).unwrap();
    let e =
        err(Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(-0.5, 1.0), Some("excitatory")));
    match &e {
        Error::InvalidValue { name, value, allowed, .. } => {
            assert_eq!(name, "weight");
            assert_eq!(value, "-0.5");
            assert!(allowed.contains("excitatory") && allowed.contains(">= 0"), "{allowed}");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["pre→post", "weight", "-0.5", "excitatory", ">= 0"]);
}

#[test]
fn weight_of_wrong_sign_set_on_existing_projection() {
    // The receptor type is fixed when the projection is made; a later
    // `set` must keep PyNN's sign rule even when every current weight is 0.
    let sim = sim();
    let pre = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("post")).unwrap();
    let exc = Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.0, 1.0), Some("excitatory"))
        .unwrap();
    let e = err(exc.set("weight", -0.3));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "weight" && value == "-0.3"), "{e:?}");
    mentions(&e, &["pre→post", "weight", "-0.3"]);
    assert_eq!(exc.get_values("weight").unwrap(), vec![0.0; 4]);

    let inh =
        Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(-0.2, 1.0), Some("inhibitory"))
            .unwrap();
    let e = err(inh.set("weight", vec![-0.1, -0.1, 0.4, -0.1]));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "weight" && value == "0.4"), "{e:?}");
    assert_eq!(inh.get_values("weight").unwrap(), vec![-0.2; 4]);
    // A valid change still works.
    inh.set("weight", -0.7).unwrap();
    assert_eq!(inh.get_values("weight").unwrap(), vec![-0.7; 4]);
}

#[test]
fn unknown_receptor_type() {
    let sim = sim();
    let pre = Population::with_label(&sim, 1, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 1, IF_curr_exp::default(), Some("post")).unwrap();
    let e =
        err(Projection::new(&pre, &post, &AllToAllConnector::new(), StaticSynapse::new(0.5, 1.0), Some("excitatroy")));
    match &e {
        Error::UnknownName { kind, name, suggestion, allowed, .. } => {
            assert_eq!(*kind, "receptor type");
            assert_eq!(name, "excitatroy");
            assert_eq!(suggestion.as_deref(), Some("excitatory"));
            assert_eq!(allowed, "excitatory, inhibitory");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["pre→post", "excitatroy", "did you mean `excitatory`"]);
}

// ------------------------------------------------- unknown names at run time

#[track_caller]
fn assert_unknown(e: &Error, kind_: &str, given: &str, suggested: &str) {
    match e {
        Error::UnknownName { object, kind, name, suggestion, allowed } => {
            assert_eq!(object, "population \"cells\" (IF_curr_exp)");
            assert_eq!(*kind, kind_);
            assert_eq!(name, given);
            assert_eq!(suggestion.as_deref(), Some(suggested));
            assert!(allowed.split(", ").any(|a| a == suggested), "{allowed}");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(e, &["cells", given, &format!("did you mean `{suggested}`?")]);
}

#[test]
fn set_unknown_parameter_suggests_the_closest() {
    let sim = sim();
    let p = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.set("tau_n", 10.0));
    assert_unknown(&e, "parameter", "tau_n", "tau_m");
    mentions(&e, &["unknown parameter", "tau_refrac", "v_thresh"]);
    assert_eq!(p.get("tau_m").unwrap(), vec![20.0; 3]);
}

#[test]
fn get_unknown_parameter_suggests_the_closest() {
    let sim = sim();
    let p = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("cells")).unwrap();
    assert_unknown(&err(p.get("v_thres")), "parameter", "v_thres", "v_thresh");
    assert_unknown(&err(p.get("Tau_Syn_E")), "parameter", "Tau_Syn_E", "tau_syn_E");
}

#[test]
fn initialize_unknown_state_variable_suggests_the_closest() {
    let sim = sim();
    let p = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.initialize("isyn_ex", 0.1));
    assert_unknown(&e, "state variable", "isyn_ex", "isyn_exc");
    // A parameter is not a state variable.
    let e = err(p.initialize("tau_m", 10.0));
    assert!(matches!(&e, Error::UnknownName { kind: "state variable", name, .. } if name == "tau_m"), "{e:?}");
    mentions(&e, &["allowed: v, isyn_exc, isyn_inh"]);
}

#[test]
fn parameter_value_outside_its_domain() {
    let sim = sim();
    let p = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.set("tau_m", vec![10.0, -1.0, 10.0]));
    match &e {
        Error::InvalidValue { object, name, value, allowed } => {
            assert_eq!(object, "population \"cells\" (IF_curr_exp), cell 1");
            assert_eq!(name, "tau_m");
            assert_eq!(value, "-1");
            assert_eq!(allowed, "a number > 0");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    // Nothing was changed, not even the valid cells.
    assert_eq!(p.get("tau_m").unwrap(), vec![20.0; 3]);
    let e = err(Population::new(&sim, 2, SpikeSourcePoisson { rate: -5.0, ..Default::default() }));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "rate" && value == "-5"), "{e:?}");
    mentions(&e, &["SpikeSourcePoisson", "rate", "-5", ">= 0"]);
}

// ------------------------------------------------------- length mismatches

#[test]
fn set_array_of_wrong_length() {
    let sim = sim();
    let p = Population::with_label(&sim, 5, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.set("tau_m", vec![10.0, 11.0, 12.0]));
    match &e {
        Error::LengthMismatch { object, what, expected, found } => {
            assert_eq!(object, "population \"cells\" (IF_curr_exp)");
            assert_eq!(what, "array for `tau_m`");
            assert_eq!((*expected, *found), (5, 3));
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["cells", "tau_m", "length 3", "expected 5"]);
    // Through a view the expected length is the view's size.
    let e = err(p.view(1..3).unwrap().set("tau_m", vec![10.0, 11.0, 12.0]));
    assert!(matches!(&e, Error::LengthMismatch { expected: 2, found: 3, .. }), "{e:?}");
    mentions(&e, &["view \"cells\""]);
}

#[test]
fn static_synapse_weight_array_of_wrong_length() {
    let sim = sim();
    let pre = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("post")).unwrap();
    // 6 connections (and 2 x 3 pairs): 4 values fit neither form.
    let syn = StaticSynapse::new(vec![0.1, 0.2, 0.3, 0.4], 1.0);
    let e = err(Projection::new(&pre, &post, &AllToAllConnector::new(), syn, None));
    match &e {
        Error::LengthMismatch { object, what, expected, found } => {
            assert_eq!(object, "projection \"pre→post\"");
            assert!(what.contains("`weight`"), "{what}");
            assert_eq!((*expected, *found), (6, 4));
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["pre→post", "weight", "length 4", "expected 6"]);
}

#[test]
fn step_current_source_times_and_amplitudes_differ_in_length() {
    let sim = sim();
    let p = Population::with_label(&sim, 1, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.inject(StepCurrentSource { times: vec![10.0, 20.0], amplitudes: vec![0.5] }));
    match &e {
        Error::LengthMismatch { object, what, expected, found } => {
            assert_eq!(object, "StepCurrentSource");
            assert_eq!(what, "amplitudes");
            assert_eq!((*expected, *found), (2, 1));
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["StepCurrentSource", "amplitudes", "length 1", "expected 2"]);
    // Non-increasing times are refused with the values shown.
    let e = err(p.inject(StepCurrentSource { times: vec![20.0, 10.0], amplitudes: vec![0.5, 0.0] }));
    assert!(matches!(&e, Error::InvalidValue { name, .. } if name == "times"), "{e:?}");
    mentions(&e, &["StepCurrentSource", "times", "[20.0, 10.0]", "strictly increasing"]);
}

// ---------------------------------------------------------- index ranges

#[test]
fn view_index_out_of_range() {
    let sim = sim();
    let p = Population::with_label(&sim, 5, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.view(vec![1, 5]));
    assert!(
        matches!(&e, Error::IndexOutOfRange { object, index: 5, size: 5 } if object == "population \"cells\" (IF_curr_exp)"),
        "{e:?}"
    );
    mentions(&e, &["cells", "index 5", "size 5"]);
    let e = err(p.cell(7));
    assert!(matches!(&e, Error::IndexOutOfRange { index: 7, size: 5, .. }), "{e:?}");
    // Positions in a view are relative to the view.
    let v = p.view(2..4).unwrap();
    let e = err(v.cell(2));
    assert!(matches!(&e, Error::IndexOutOfRange { object, index: 2, size: 2 } if object.starts_with("view")), "{e:?}");
}

#[test]
fn view_range_beyond_size() {
    let sim = sim();
    let p = Population::with_label(&sim, 5, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.view(3..8));
    assert!(matches!(&e, Error::IndexOutOfRange { index: 7, size: 5, .. }), "{e:?}");
    mentions(&e, &["cells", "index 7", "size 5"]);
}

#[test]
fn view_mask_of_wrong_length() {
    let sim = sim();
    let p = Population::with_label(&sim, 5, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(p.view(vec![true, false, true]));
    match &e {
        Error::LengthMismatch { object, what, expected, found } => {
            assert_eq!(object, "population \"cells\" (IF_curr_exp)");
            assert_eq!(what, "boolean mask");
            assert_eq!((*expected, *found), (5, 3));
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["cells", "boolean mask", "length 3", "expected 5"]);
}

#[test]
fn from_list_index_out_of_range() {
    let sim = sim();
    let pre = Population::with_label(&sim, 3, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("post")).unwrap();
    let conn = FromListConnector::new(vec![(0, 0), (2, 1), (1, 2)]);
    let e = err(Projection::new(&pre, &post, &conn, StaticSynapse::new(0.1, 1.0), None));
    match &e {
        Error::IndexOutOfRange { object, index, size } => {
            assert!(object.contains("pre→post") && object.contains("entry 2") && object.contains("post"), "{object}");
            assert_eq!((*index, *size), (2, 2));
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["FromListConnector entry 2 (post)", "index 2", "size 2"]);
    let conn = FromListConnector::new(vec![(3, 0)]);
    let e = err(Projection::new(&pre, &post, &conn, StaticSynapse::new(0.1, 1.0), None));
    assert!(matches!(&e, Error::IndexOutOfRange { index: 3, size: 3, .. }), "{e:?}");
    mentions(&e, &["entry 0 (pre)"]);
}

#[test]
fn one_to_one_size_mismatch() {
    let sim = sim();
    let pre = Population::with_label(&sim, 3, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 4, IF_curr_exp::default(), Some("post")).unwrap();
    let e = err(Projection::new(&pre, &post, &OneToOneConnector, StaticSynapse::new(0.1, 1.0), None));
    assert!(matches!(&e, Error::Connection { object, .. } if object == "projection \"pre→post\""), "{e:?}");
    mentions(&e, &["pre→post", "OneToOneConnector", "equal size", "3 and 4"]);
}

// -------------------------------------------------------------- recording

#[test]
fn record_v_on_spike_source() {
    let sim = sim();
    let src = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("input")).unwrap();
    let e = err(src.record("v", None));
    match &e {
        Error::UnknownName { object, kind, name, allowed, .. } => {
            assert_eq!(object, "population \"input\" (SpikeSourceArray)");
            assert_eq!(*kind, "recordable");
            assert_eq!(name, "v");
            assert_eq!(allowed, "spikes");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["input", "SpikeSourceArray", "`v`", "allowed: spikes"]);
    assert!(!src.can_record("v"));
    // The procedural record_v says the same.
    let e = err(sim.record_v(&src));
    assert!(matches!(&e, Error::UnknownName { name, .. } if name == "v"), "{e:?}");
}

#[test]
fn record_gsyn_on_current_based_cell() {
    let sim = sim();
    let p = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("cells")).unwrap();
    let e = err(sim.record_gsyn(&p));
    match &e {
        Error::UnknownName { object, kind, name, allowed, .. } => {
            assert_eq!(object, "population \"cells\" (IF_curr_exp)");
            assert_eq!(*kind, "recordable");
            assert_eq!(name, "gsyn_exc");
            assert_eq!(allowed, "spikes, v, isyn_exc, isyn_inh");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["cells", "gsyn_exc", "allowed: spikes, v, isyn_exc, isyn_inh"]);
}

#[test]
fn sampling_interval_not_a_multiple_of_dt() {
    let sim = sim();
    let p = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("cells")).unwrap();
    for si in [0.25, 0.05, 0.0, -1.0] {
        let e = err(p.record("v", Some(si)));
        assert!(matches!(&e, Error::Recording { object, .. } if object.contains("cells")), "{e:?}");
        mentions(&e, &["sampling_interval", &format!("{si} ms"), "multiple of the time step (0.1 ms)"]);
    }
    // One interval per population: a second, different one is refused.
    p.record("v", Some(1.0)).unwrap();
    let e = err(p.record("isyn_exc", Some(0.5)));
    assert!(matches!(&e, Error::Recording { .. }), "{e:?}");
    mentions(&e, &["0.5 ms", "1 ms already used"]);
}

// ------------------------------------------------------------------ time

#[test]
fn run_until_an_earlier_time() {
    let sim = sim();
    sim.run(10.0).unwrap();
    let e = err(sim.run_until(5.0));
    assert_eq!(e, Error::TimeBackwards { now: 10.0, requested: 5.0 });
    mentions(&e, &["backwards", "10 ms", "5 ms"]);
    assert_eq!(sim.get_current_time(), 10.0);
    // Within half a step of the current time is not going backwards (PyNN).
    assert_eq!(sim.run_until(9.96).unwrap(), 10.0);
}

#[test]
fn run_negative_duration() {
    let sim = sim();
    sim.run(10.0).unwrap();
    let e = err(sim.run(-1.0));
    assert_eq!(e, Error::TimeBackwards { now: 10.0, requested: 9.0 });
    mentions(&e, &["backwards", "10 ms", "9 ms"]);
    let e = err(sim.run(f64::NAN));
    assert!(matches!(e, Error::TimeBackwards { now, .. } if now == 10.0), "{e:?}");
    let e = err(sim.run_until(f64::INFINITY));
    assert!(matches!(e, Error::TimeBackwards { .. }), "{e:?}");
    assert_eq!(sim.get_current_time(), 10.0);
}

// --------------------------------------------------------- spike sources

#[test]
fn unsorted_spike_times() {
    // PyNN test_issue511: an unsorted train is refused at creation.
    let sim = sim();
    let e = err(Population::with_label(&sim, 1, SpikeSourceArray { spike_times: vec![3.0, 1.0, 2.0] }, Some("input")));
    match &e {
        Error::InvalidValue { object, name, value, allowed } => {
            assert_eq!(object, "population \"input\" (SpikeSourceArray), cell 0");
            assert_eq!(name, "spike_times");
            assert_eq!(value, "[3.0, 1.0, 2.0]");
            assert!(allowed.contains("non-decreasing"), "{allowed}");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    mentions(&e, &["input", "spike_times", "[3.0, 1.0, 2.0]", "non-decreasing"]);
    // ... and when set later, per cell; the message names the cell.
    let src = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("input")).unwrap();
    let e = err(src.set("spike_times", vec![vec![1.0, 2.0], vec![5.0, 4.0]]));
    assert!(matches!(&e, Error::InvalidValue { object, .. } if object.ends_with("cell 1")), "{e:?}");
    let e = err(src.set("spike_times", vec![vec![-1.0, 2.0], vec![]]));
    assert!(matches!(&e, Error::InvalidValue { value, .. } if value == "[-1.0, 2.0]"), "{e:?}");
    // One train per cell: two cells need two trains.
    let e = err(src.set("spike_times", vec![vec![1.0]]));
    assert!(matches!(&e, Error::LengthMismatch { expected: 2, found: 1, .. }), "{e:?}");
    assert_eq!(src.get_sequences("spike_times").unwrap(), vec![Vec::<f64>::new(); 2]);
}

#[test]
fn inject_current_into_spike_source() {
    let sim = sim();
    let src = Population::with_label(&sim, 2, SpikeSourcePoisson::default(), Some("noise")).unwrap();
    let e = err(src.inject(DCSource { amplitude: 0.5, ..Default::default() }));
    assert!(
        matches!(&e, Error::State { object, .. } if object == "population \"noise\" (SpikeSourcePoisson)"),
        "{e:?}"
    );
    mentions(&e, &["noise", "SpikeSourcePoisson cells cannot receive injected current"]);
    // The same through a handle.
    let h = CurrentSourceHandle::new(&sim, DCSource::default()).unwrap();
    let e = err(h.inject_into(&src.view(0..1).unwrap()));
    assert!(matches!(&e, Error::State { .. }), "{e:?}");
}

#[test]
fn spike_source_as_post_synaptic() {
    let sim = sim();
    let a = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("cells")).unwrap();
    let src = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("input")).unwrap();
    let e = err(Projection::new(&a, &src, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None));
    assert!(matches!(&e, Error::Connection { object, .. } if object == "projection \"cells→input\""), "{e:?}");
    mentions(&e, &["cells→input", "SpikeSourceArray cells have no receptors and cannot be post-synaptic"]);
    let e = err(sim.connect(&a, &src, 0.1, None, None, 1.0));
    assert!(matches!(&e, Error::Connection { .. }), "{e:?}");
}

// ------------------------------------------------------------- after end

#[test]
fn operations_after_end() {
    let sim = sim();
    let p =
        Population::with_label(&sim, 2, IF_curr_exp { i_offset: 1.0, ..Default::default() }, Some("cells")).unwrap();
    p.record(["spikes", "v"], None).unwrap();
    sim.run(50.0).unwrap();
    sim.end().unwrap();
    sim.end().unwrap(); // a second end() is harmless

    let ended = |e: Error| {
        assert!(matches!(&e, Error::State { object, .. } if object == "session"), "{e:?}");
        mentions(&e, &["session", "end() was called", "setup()"]);
    };
    ended(err(sim.run(10.0)));
    ended(err(sim.run_until(60.0)));
    ended(err(sim.reset()));
    ended(err(Population::new(&sim, 1, IF_curr_exp::default())));
    ended(err(sim.create(IF_curr_exp::default(), 1)));
    ended(err(p.set("tau_m", 10.0)));
    ended(err(p.initialize("v", -70.0)));
    ended(err(p.record("v", None)));
    ended(err(p.inject(DCSource::default())));
    ended(err(Projection::new(&p, &p, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None)));
    ended(err(sim.connect(&p, &p, 0.1, None, None, 1.0)));

    // PyNN test_issue499: data stay readable after end().
    assert_eq!(sim.get_current_time(), 50.0);
    let block = p.get_data().unwrap();
    assert_eq!(block.segments[0].signal("v").unwrap().n_samples(), 501);
    assert_eq!(p.get("tau_m").unwrap(), vec![20.0; 2]);
}

// ---------------------------------------------------- surviving errors

#[test]
fn session_survives_errors_and_keeps_recorded_data() {
    let sim = sim();
    let cells =
        Population::with_label(&sim, 3, IF_curr_exp { i_offset: 1.0, ..Default::default() }, Some("cells")).unwrap();
    let src =
        Population::with_label(&sim, 1, SpikeSourceArray { spike_times: vec![5.0, 60.0] }, Some("input")).unwrap();
    cells.record(["spikes", "v"], None).unwrap();
    src.record("spikes", None).unwrap();
    sim.run(50.0).unwrap();
    let before = cells.get_data().unwrap();

    // A volley of bad calls, each refused.
    err(sim.run_until(10.0));
    err(sim.run(-5.0));
    err(cells.set("tau_n", 10.0));
    err(cells.set("tau_m", vec![1.0]));
    err(cells.record("v", Some(0.15)));
    err(cells.record("gsyn_exc", None));
    err(cells.view(vec![9]));
    err(Projection::new(&src, &cells, &FixedProbabilityConnector::new(2.0), StaticSynapse::new(0.1, 1.0), None));
    err(Projection::new(&src, &cells, &AllToAllConnector::new(), StaticSynapse::new(0.1, 0.0), None));
    err(Projection::new(&cells, &src, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None));
    err(src.inject(DCSource::default()));
    err(src.set("spike_times", vec![9.0, 8.0]));
    err(cells.inject(StepCurrentSource { times: vec![1.0], amplitudes: vec![] }));

    // Nothing recorded so far is lost, nothing was changed.
    assert_eq!(cells.get_data().unwrap(), before);
    assert_eq!(cells.get("tau_m").unwrap(), vec![20.0; 3]);
    assert_eq!(src.get_sequences("spike_times").unwrap(), vec![vec![5.0, 60.0]]);

    // Valid calls work: a projection, a run to 100 ms.
    let prj = Projection::new(&src, &cells, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None).unwrap();
    assert_eq!(prj.size(), 3);
    assert_eq!(sim.run(50.0).unwrap(), 100.0);

    let after = cells.get_data().unwrap();
    assert_eq!(after.segments.len(), 1);
    let v_before = before.segments[0].signal("v").unwrap();
    let v_after = after.segments[0].signal("v").unwrap();
    assert_eq!(v_after.n_samples(), 1001);
    // The first 50 ms are exactly what was recorded before the errors.
    assert_eq!(&v_after.data[..v_before.data.len()], &v_before.data[..]);
    for (a, b) in after.segments[0].spiketrains.iter().zip(&before.segments[0].spiketrains) {
        assert_eq!(&a.times[..b.times.len()], &b.times[..], "cell {}", a.source_index);
        assert!(a.times.len() > b.times.len(), "cell {} kept firing after the errors", a.source_index);
    }
    let input = src.get_data().unwrap();
    assert_eq!(input.segments[0].spiketrain(0).unwrap().times, vec![5.0, 60.0]);
}

#[test]
fn failed_assembly_set_changes_no_part() {
    // `set` on an assembly whose second part lacks the parameter fails as
    // a whole: the first part is not left half-changed.
    let sim = sim();
    let a = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("a")).unwrap();
    let b = Population::with_label(&sim, 2, SpikeSourcePoisson::default(), Some("b")).unwrap();
    let asm = &a + &b;
    let e = err(asm.set("tau_m", 10.0));
    match &e {
        Error::UnknownName { object, kind, name, .. } => {
            assert_eq!(object, "assembly \"a + b\"");
            assert_eq!(*kind, "parameter");
            assert_eq!(name, "tau_m");
        }
        other => panic!("wrong variant: {other:?}"),
    }
    assert_eq!(a.get("tau_m").unwrap(), vec![20.0; 2]);
    let e = err(asm.initialize("v", -70.0));
    assert!(matches!(&e, Error::UnknownName { kind: "state variable", .. }), "{e:?}");
    assert_eq!(a.get_initial_values("v").unwrap(), vec![-65.0; 2]);
    // A parameter both parts have works.
    let c = Population::with_label(&sim, 1, IF_curr_alpha::default(), Some("c")).unwrap();
    (&a + &c).set("tau_m", 12.0).unwrap();
    assert_eq!(a.get("tau_m").unwrap(), vec![12.0; 2]);
    assert_eq!(c.get("tau_m").unwrap(), vec![12.0]);
}

#[test]
fn assembly_of_overlapping_parts() {
    let sim = sim();
    let p = Population::with_label(&sim, 5, IF_curr_exp::default(), Some("p")).unwrap();
    let (v1, v2, v3) = (p.view(0..2).unwrap(), p.view(2..4).unwrap(), p.view(3..5).unwrap());
    // v3 overlaps v2 (cell 3), the second part of the same population.
    let e = err(Assembly::new(&[&v1, &v2, &v3]));
    assert!(matches!(&e, Error::State { object, .. } if object == "assembly \"p + p\""), "{e:?}");
    mentions(&e, &["view \"p\"", "overlaps cells already in the assembly"]);
    let e = err(Assembly::new(&[&p, &v3]));
    assert!(matches!(&e, Error::State { .. }), "{e:?}");
    let e = err(Assembly::<Native>::new(&[]));
    mentions(&e, &["at least one population or view"]);
    assert_eq!(Assembly::new(&[&v1, &v2, &p.view(4..5).unwrap()]).unwrap().size(), 5);
}

#[test]
fn non_finite_weight() {
    let sim = sim();
    let pre = Population::with_label(&sim, 2, SpikeSourceArray::default(), Some("pre")).unwrap();
    let post = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("post")).unwrap();
    for w in [f64::NAN, f64::INFINITY] {
        let e = err(Projection::new(&pre, &post, &OneToOneConnector, StaticSynapse::new(w, 1.0), None));
        assert!(
            matches!(&e, Error::InvalidValue { name, value, .. } if name == "weight" && *value == w.to_string()),
            "{e:?}"
        );
        mentions(&e, &["pre→post", "weight", &w.to_string(), "a finite number"]);
    }
}
