//! Bad input gets a clear `pynn::Error`, never a panic: one that names the
//! object, the parameter, the value and what is allowed.
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
    // Not a time at all: a non-finite value, not "backwards" (issue 13).
    let e = err(sim.run(f64::NAN));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "simtime" && value == "NaN"), "{e:?}");
    let e = err(sim.run_until(f64::INFINITY));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "t" && value == "inf"), "{e:?}");
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
    let asm = (&a + &b).unwrap();
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
    (&a + &c).unwrap().set("tau_m", 12.0).unwrap();
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

// ------------------------------------------- issue 13: cells of another session

/// The procedural calls of a session refuse another session's cells: with
/// `a` in `s1` and `b` in `s2` (the same population id 0), `s2.set(&a, ..)`
/// used to change `b`, `s2.initialize(&a, ..)` likewise, `inject_into(&a)`
/// injected into `b`, and `s2.record("v", &a)` on an empty session panicked.
#[test]
fn procedural_calls_refuse_another_sessions_cells() {
    let (s1, s2) = (sim(), sim());
    let a = Population::with_label(&s1, 2, IF_curr_exp::default(), Some("a")).unwrap();
    let b = Population::with_label(&s2, 2, IF_curr_exp::default(), Some("b")).unwrap();
    let check = |e: Error| {
        assert!(matches!(&e, Error::State { object, .. } if object == "population \"a\" (IF_curr_exp)"), "{e:?}");
        mentions(&e, &["population \"a\"", "another session"]);
    };
    check(err(s2.set(&a, "tau_m", 5.0)));
    check(err(s2.initialize(&a, "v", -55.0)));
    check(err(s2.record("v", &a)));
    check(err(s2.record_v(&a)));
    check(err(s2.connect(&a, &b, 0.1, None, None, 1.0)));
    check(err(s2.connect(&b, &a, 0.1, None, None, 1.0)));
    let dc = CurrentSourceHandle::new(&s2, DCSource { amplitude: 1.0, start: 0.0, stop: 10.0 }).unwrap();
    check(err(dc.inject_into(&a)));
    // Nothing of `b` (nor of `a`) changed.
    assert_eq!(b.get("tau_m").unwrap(), vec![20.0; 2]);
    assert_eq!(a.get("tau_m").unwrap(), vec![20.0; 2]);
    assert_eq!(b.get_initial_values("v").unwrap(), vec![-65.0; 2]);
    assert!(dc.spec().name() == "DCSource");
    // An empty session: this indexed out of bounds (a panic) before.
    let s3 = sim();
    check(err(s3.record("v", &a)));
    check(err(s3.set(&a, "tau_m", 5.0)));
    // The right session still works.
    s1.set(&a, "tau_m", 5.0).unwrap();
    assert_eq!(a.get("tau_m").unwrap(), vec![5.0; 2]);
}

// ------------------------------------------- issue 13: silently accepted nonsense

#[test]
fn view_reversed_range() {
    let sim = sim();
    let p = Population::with_label(&sim, 10, IF_curr_exp::default(), Some("p")).unwrap();
    #[allow(clippy::reversed_empty_ranges)]
    let e = err(p.view(5..2));
    assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "range" && value == "5..2"), "{e:?}");
    mentions(&e, &["population \"p\"", "5..2", "start <= end <= 10"]);
    // A start past the end of the population, as `exc[500..]` expands to
    // `view(500..size)`: refused too, not an empty view.
    #[allow(clippy::reversed_empty_ranges)]
    let e = err(p.view(500..p.size()));
    mentions(&e, &["500..10", "start <= end"]);
    // An empty range inside the population stays allowed (PyNN's p[2:2]).
    assert_eq!(p.view(2..2).unwrap().size(), 0);
}

#[test]
fn get_data_of_unknown_variable() {
    let sim = sim();
    let p = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("p")).unwrap();
    p.record("spikes", None).unwrap();
    sim.run(1.0).unwrap();
    let e = err(p.get_data_of("foo"));
    assert!(matches!(&e, Error::UnknownName { kind: "recordable", name, .. } if name == "foo"), "{e:?}");
    mentions(&e, &["population \"p\"", "foo", "spikes, v, isyn_exc, isyn_inh"]);
    let e = err(p.get_data_of(["spikes", "spike"]));
    assert!(matches!(&e, Error::UnknownName { suggestion: Some(s), .. } if s == "spikes"), "{e:?}");
    // Known names still work.
    assert_eq!(p.get_data_of("spikes").unwrap().segments.len(), 1);
}

#[test]
fn write_data_to_a_path_that_names_no_file() {
    let dir = std::env::temp_dir().join(format!("pynn-errors-write-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sim = sim();
    let p = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("p")).unwrap();
    p.record("v", None).unwrap();
    sim.run(1.0).unwrap();
    let slash = format!("{}/", dir.display());
    for (path, why) in [("", "empty"), (slash.as_str(), "ends with a path separator")] {
        let e = err(p.write_data(path));
        assert!(matches!(&e, Error::InvalidValue { name, .. } if name == "path"), "{e:?}");
        mentions(&e, &["write_data", "path", why, "a file name"]);
    }
    // An existing directory without the slash.
    let e = err(p.write_data(&dir));
    mentions(&e, &["path", "an existing directory"]);
    // No hidden files were written.
    assert!(!dir.join(".npz").exists() && !dir.join(".json").exists());
    assert!(!std::path::Path::new(".npz").exists());
    // record_to_file refuses the path at once, not at end().
    let e = err(sim.record_to_file("v", &p, ""));
    mentions(&e, &["record_to_file", "path", "empty"]);
    p.write_data(dir.join("ok")).unwrap();
    assert!(dir.join("ok.npz").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn structure_with_non_finite_spacing() {
    let sim = sim();
    for (s, name, value) in [
        (Structure::from(Line { dx: f64::NAN, ..Line::default() }), "dx", "NaN"),
        (Structure::from(Line { x0: f64::INFINITY, ..Line::default() }), "x0", "inf"),
        (Structure::from(Grid2D { dy: f64::NAN, ..Grid2D::default() }), "dy", "NaN"),
        (Structure::from(Grid3D { z0: f64::NEG_INFINITY, ..Grid3D::default() }), "z0", "-inf"),
    ] {
        let e = err(Population::with_structure(&sim, 8, IF_curr_exp::default(), s, Some("p")));
        assert!(matches!(&e, Error::InvalidValue { name: n, value: v, .. } if n == name && v == value), "{e:?}");
        mentions(&e, &[name, value, "a finite number"]);
    }
    // Finite but overflowing: 1e308 * 2 is inf.
    let s = Structure::from(Line { dx: 1e308, ..Line::default() });
    let e = err(Population::with_structure(&sim, 3, IF_curr_exp::default(), s, Some("p")));
    mentions(&e, &["Line", "positions", "cell 2", "finite"]);
}

// ------------------------------------------- issue 13: v_reset >= v_thresh

/// The reset must lie below the threshold, on every backend: the core
/// refuses it before any backend sees the parameters, with PyNN's names.
#[track_caller]
fn assert_reset_error(e: &Error, object: &str, name: &str, value: &str, other: &str) {
    match e {
        Error::InvalidValue { object: o, name: n, value: v, allowed } => {
            assert!(o.starts_with(object), "{o}");
            assert_eq!(n, name);
            assert_eq!(v, value);
            assert!(allowed.contains(other), "{allowed}");
        }
        other => panic!("wrong variant: {other:?}"),
    }
}

#[test]
fn reset_at_or_above_threshold_is_refused_for_every_if_model() {
    let sim = sim();
    macro_rules! check {
        ($ty:ident) => {{
            let name = stringify!($ty);
            // At creation: v_reset == v_thresh.
            let e = err(Population::with_label(
                &sim,
                2,
                $ty { v_reset: -50.0, v_thresh: -50.0, ..$ty::default() },
                Some("p"),
            ));
            assert_reset_error(
                &e,
                &format!("population \"p\" ({name}), cell 0"),
                "v_reset",
                "-50",
                "v_thresh (-50 mV)",
            );
            mentions(&e, &["v_reset", "v_thresh", "below"]);
            // With `set`, of v_thresh to below v_reset (the cell is unchanged).
            let p = Population::with_label(&sim, 3, $ty::default(), Some("q")).unwrap();
            let before = p.get("v_thresh").unwrap();
            let reset = p.get("v_reset").unwrap()[0];
            let e = err(p.set("v_thresh", reset - 1.0));
            assert_reset_error(
                &e,
                &format!("population \"q\" ({name}), cell 0"),
                "v_reset",
                &reset.to_string(),
                "v_thresh",
            );
            assert_eq!(p.get("v_thresh").unwrap(), before);
            // A per-cell array: only cell 2 is wrong.
            let t = before[0];
            let e = err(p.set("v_reset", vec![t - 1.0, t - 2.0, t + 1.0]));
            assert_reset_error(
                &e,
                &format!("population \"q\" ({name}), cell 2"),
                "v_reset",
                &(t + 1.0).to_string(),
                "v_thresh",
            );
            // Through a view, the procedural API and set_many.
            let e = err(p.view(1..2).unwrap().set("v_reset", t));
            mentions(&e, &["cell 1", "v_reset"]);
            let e = err(sim.set(&p, "v_reset", t + 5.0));
            mentions(&e, &["v_reset", "v_thresh"]);
            let e = err(p.set_many(&[("v_reset", Value::Scalar(t)), ("v_rest", Value::Scalar(5.0))]));
            mentions(&e, &["v_reset", "v_thresh"]);
            assert_ne!(p.get("v_rest").unwrap()[0], 5.0);
            // Both changed together to a valid pair is fine.
            p.set_many(&[("v_thresh", Value::Scalar(t + 10.0)), ("v_reset", Value::Scalar(t + 5.0))]).unwrap();
        }};
    }
    check!(IF_curr_exp);
    check!(IF_curr_alpha);
    check!(IF_curr_delta);
    check!(IF_cond_exp);
    check!(IF_cond_alpha);
    check!(IF_cond_exp_gsfa_grr);
    check!(IF_facets_hardware1);
}

#[test]
fn reset_above_threshold_from_a_random_distribution() {
    let sim = sim();
    let p = Population::with_label(&sim, 50, IF_curr_exp::default(), Some("p")).unwrap();
    // v_thresh = -50: uniform(-60, -40) puts about half the resets above it.
    let e = err(p.set("v_reset", RandomDistribution::uniform(-60.0, -40.0)));
    mentions(&e, &["population \"p\" (IF_curr_exp), cell", "v_reset", "below v_thresh (-50 mV)"]);
    assert_eq!(p.get("v_reset").unwrap(), vec![-65.0; 50]);
    // An assembly: the check covers each part.
    let q = Population::with_label(&sim, 2, IF_cond_exp::default(), Some("q")).unwrap();
    let a = Assembly::new(&[&p, &q]).unwrap();
    let e = err(a.set("v_thresh", -70.0));
    mentions(&e, &["v_reset", "below v_thresh (-70 mV)"]);
    assert_eq!(q.get("v_thresh").unwrap(), vec![-50.0; 2]);
}

#[test]
fn adaptive_exponential_reset_and_spike_rules() {
    // NEST's aeif rules (models/aeif_cond_alpha.cpp): V_reset < V_peak,
    // V_peak >= V_th, and no overflow of exp((V_peak - V_th) / Delta_T).
    let sim = sim();
    for which in 0..2 {
        let mk = |c: EIF_cond_exp_isfa_ista| -> Result<()> {
            if which == 0 {
                Population::with_label(&sim, 1, c, Some("e")).map(|_| ())
            } else {
                let c = EIF_cond_alpha_isfa_ista {
                    v_reset: c.v_reset,
                    v_spike: c.v_spike,
                    v_thresh: c.v_thresh,
                    delta_T: c.delta_T,
                    ..Default::default()
                };
                Population::with_label(&sim, 1, c, Some("e")).map(|_| ())
            }
        };
        let d = EIF_cond_exp_isfa_ista::default();
        let e = err(mk(EIF_cond_exp_isfa_ista { v_reset: -40.0, ..d.clone() }));
        assert_reset_error(&e, "population \"e\"", "v_reset", "-40", "below v_spike (-40 mV)");
        let e = err(mk(EIF_cond_exp_isfa_ista { v_spike: -55.0, ..d.clone() }));
        assert_reset_error(&e, "population \"e\"", "v_spike", "-55", "v_spike must be >= v_thresh (-50.4 mV)");
        let e = err(mk(EIF_cond_exp_isfa_ista { v_spike: 1e6, delta_T: 0.5, ..d.clone() }));
        assert_reset_error(&e, "population \"e\"", "delta_T", "0.5", "(v_spike - v_thresh) / delta_T");
        // A reset above v_thresh (but below v_spike) is a valid AdEx regime.
        mk(EIF_cond_exp_isfa_ista { v_reset: -45.0, ..d.clone() }).unwrap();
    }
    // PointNeuron: the same names, the same rules.
    let cell = PointNeuron::new(LIF { v_reset: -40.0, ..LIF::default() }, [("excitatory", ExpPSR::default())]).unwrap();
    let e = err(Population::with_label(&sim, 1, cell, Some("pn")));
    assert_reset_error(&e, "population \"pn\" (PointNeuron)", "v_reset", "-40", "below v_thresh (-50 mV)");
    let cell =
        PointNeuron::new(AdExp { v_reset: -40.0, ..AdExp::default() }, [("excitatory", ExpPSR::default())]).unwrap();
    let e = err(Population::with_label(&sim, 1, cell, Some("pn2")));
    assert_reset_error(&e, "population \"pn2\" (PointNeuron)", "v_reset", "-40", "below v_spike (-40 mV)");
}

// ------------------------------------------- issue 13: setup and runs

#[test]
fn setup_threads_capped() {
    let e = setup_err(Setup { threads: 100_000, ..Setup::default() });
    assert!(matches!(e, Error::InvalidSetup { parameter: "threads", value, .. } if value == 100_000.0), "{e:?}");
    mentions(&e, &["threads", "100000", "at most 1024"]);
    Sim::<Native>::setup(Setup { threads: 2, ..Setup::default() }).unwrap();
}

#[test]
fn tiny_timestep_prints_compact_numbers() {
    // 1e-300 ms passes PyNN's rules, but the native engine's delays do not
    // fit; the message used to print 6.5535e-296 as a 300-digit decimal.
    // Delays of a few steps are valid; a run of 1 ms is then 1e300 steps.
    let sim =
        Sim::<Native>::setup(Setup { timestep: 1e-300, min_delay: 1e-300, max_delay: 1e-299, ..Setup::default() })
            .unwrap();
    let e = err(sim.run(1.0));
    mentions(
        &e,
        &[
            "1 ms (9.999999999999999e299 steps of 1e-300 ms)",
            "at most 9007199254740992 time steps (9.007199254740992e-285 ms",
        ],
    );
    assert!(e.to_string().len() < 200, "{e}");
    let e = setup_err(Setup { timestep: -1e-300, ..Setup::default() });
    assert_eq!(e.to_string(), "invalid setup: timestep = -1e-300; the time step must be a positive number of ms");
    let e = setup_err(Setup { timestep: 1e-300, ..Setup::default() });
    mentions(&e, &["max_delay", "6.5535e-296 ms"]);
    assert!(e.to_string().len() < 200, "{e}");
}

#[test]
fn run_non_finite_or_beyond_the_step_counter() {
    let sim = sim();
    for (t, text) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
        let e = err(sim.run(t));
        assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "simtime" && value == text), "{e:?}");
        mentions(&e, &["Sim::run", "simtime", text, "finite duration"]);
        let e = err(sim.run_until(t));
        assert!(matches!(&e, Error::InvalidValue { name, .. } if name == "t"), "{e:?}");
    }
    // 1e30 ms is 1e31 steps: more than the session's step counter holds
    // exactly (2^53); this used to be accepted and never return.
    let e = err(sim.run(1e30));
    assert!(matches!(&e, Error::InvalidValue { .. }), "{e:?}");
    mentions(&e, &["1e30 ms", "1e31 steps", "at most 9007199254740992 time steps"]);
    // -inf is a non-finite duration, not "backwards in time".
    assert!(matches!(err(sim.run(f64::NEG_INFINITY)), Error::InvalidValue { .. }));
    assert_eq!(sim.get_current_time(), 0.0);
    sim.run(1.0).unwrap();
}

// ------------------------------------------- issue 13: distributions

#[test]
fn poisson_mean_beyond_the_sampler_is_an_error_not_a_panic() {
    let sim = sim();
    let p = Population::with_label(&sim, 3, IF_curr_exp::default(), Some("p")).unwrap();
    for (lambda, text) in [(1e20, "1e20"), (f64::INFINITY, "inf"), (f64::NAN, "NaN")] {
        let e = err(p.initialize("v", RandomDistribution::poisson(lambda)));
        assert!(matches!(&e, Error::InvalidValue { name, value, .. } if name == "lambda_" && value == text), "{e:?}");
        mentions(&e, &["RandomDistribution poisson", "lambda_", text, "<= 1.844e19"]);
        // As a connector's number of connections.
        let c = FixedNumberPreConnector::new(RandomDistribution::poisson(lambda));
        let e = err(Projection::new(&p, &p, &c, StaticSynapse::new(0.1, 1.0), None));
        mentions(&e, &["RandomDistribution poisson", "lambda_", text]);
    }
}

#[test]
fn every_distribution_checks_its_whole_parameter_range() {
    let cases: Vec<(RandomDistribution, &str, &str)> = vec![
        (RandomDistribution::uniform(-1e308, 1e308), "high - low", "inf"),
        (RandomDistribution::uniform(f64::NAN, 1.0), "low", "NaN"),
        (RandomDistribution::normal(f64::NAN, 1.0), "mu", "NaN"),
        (RandomDistribution::normal(0.0, f64::INFINITY), "sigma", "inf"),
        (RandomDistribution::lognormal(1000.0, 1.0), "mu", "1000"),
        (RandomDistribution::lognormal(0.0, f64::NAN), "sigma", "NaN"),
        (RandomDistribution::normal_clipped(f64::INFINITY, 1.0, 0.0, 1.0), "mu", "inf"),
        (RandomDistribution::normal_clipped_to_boundary(0.0, 1.0, f64::NAN, 1.0), "low", "NaN"),
        (RandomDistribution::exponential(f64::INFINITY), "beta", "inf"),
        (RandomDistribution::gamma(f64::INFINITY, 1.0), "k", "inf"),
        (RandomDistribution::gamma(1.0, f64::INFINITY), "theta", "inf"),
        (RandomDistribution::binomial(10, f64::NAN), "p", "NaN"),
        (RandomDistribution::vonmises(0.0, f64::INFINITY), "kappa", "inf"),
    ];
    let sim = sim();
    let p = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("p")).unwrap();
    for (d, name, value) in cases {
        let what = format!("RandomDistribution {}", d.name());
        for e in [err(d.validate()), err(p.initialize("v", d.clone()))] {
            assert!(
                matches!(&e, Error::InvalidValue { object, name: n, value: v, .. }
                    if object == &what && n == name && v == value),
                "{what}: {e:?}"
            );
        }
    }
    // Infinite bounds of the clipped normals stay allowed (PyNN's defaults).
    RandomDistribution::normal_clipped(0.0, 1.0, f64::NEG_INFINITY, f64::INFINITY).validate().unwrap();
}

#[test]
fn sampling_interval_not_finite_or_beyond_the_step_counter() {
    // Both used to be accepted (inf / dt saturated to u64::MAX steps).
    let sim = sim();
    let p = Population::with_label(&sim, 2, IF_curr_exp::default(), Some("p")).unwrap();
    for (si, text) in [(f64::INFINITY, "inf"), (1e300, "1e300"), (f64::NAN, "NaN")] {
        let e = err(p.record("v", Some(si)));
        assert!(matches!(&e, Error::Recording { .. }), "{e:?}");
        mentions(&e, &["population \"p\"", &format!("sampling_interval {text} ms"), "at most 9007199254740992 steps"]);
    }
    p.record("v", Some(0.5)).unwrap();
}

#[test]
fn random_source_rate_beyond_the_limit_is_refused() {
    // Before the limit, rate = 1e25 Hz (a mean of 1e21 spikes per 0.1 ms
    // step, beyond the Poisson sampler's range) was accepted and the native
    // engine silently emitted no spike at all.
    let sim = sim();
    for rate in [1e25, 2e6] {
        let e = err(Population::with_label(&sim, 2, SpikeSourcePoisson { rate, ..Default::default() }, Some("drive")));
        assert!(matches!(&e, Error::InvalidValue { name, .. } if name == "rate"), "{e:?}");
        mentions(&e, &["drive", "SpikeSourcePoisson", "rate", "from 0 to 1000000 Hz"]);
        let e = err(Population::new(&sim, 2, SpikeSourcePoissonRefractory { rate, ..Default::default() }));
        mentions(&e, &["SpikeSourcePoissonRefractory", "rate", "from 0 to 1000000 Hz"]);
    }
    let e = err(Population::new(&sim, 1, SpikeSourceGamma { alpha: 2.0, beta: 1e7, ..Default::default() }));
    assert!(matches!(&e, Error::InvalidValue { name, .. } if name == "beta"), "{e:?}");
    mentions(&e, &["SpikeSourceGamma", "beta", "10000000", "beta / alpha", "1000000 Hz", "alpha = 2"]);
    // Through `set`, per cell, and the largest rate allowed still runs and
    // fires at its rate: 1e6 Hz for 1 ms at dt 0.1 ms is 1000 spikes per
    // cell on average; 3 cells give 3000 +- 3 * sqrt(3000) (Poisson).
    let p =
        Population::with_label(&sim, 3, SpikeSourcePoisson { rate: 10.0, ..Default::default() }, Some("p")).unwrap();
    let e = err(p.set("rate", vec![10.0, 1e25, 10.0]));
    mentions(&e, &["p", "cell 1", "rate", "1e25"]);
    assert_eq!(p.get("rate").unwrap(), vec![10.0; 3], "nothing changed by the refused set");
    p.set("rate", 1e6).unwrap();
    p.record("spikes", None).unwrap();
    sim.run(1.0).unwrap();
    let total: usize = p.get_spike_counts().unwrap().values().sum();
    let sd = 3000f64.sqrt();
    assert!((total as f64 - 3000.0).abs() < 5.0 * sd, "{total} spikes at 1 MHz for 1 ms on 3 cells");
}

#[test]
fn adding_populations_of_two_sessions_or_overlapping_cells_is_an_error() {
    // `a + b` panicked on these before it returned a `Result`.
    let (s1, s2) = (sim(), sim());
    let a = Population::with_label(&s1, 3, IF_curr_exp::default(), Some("a")).unwrap();
    let b = Population::with_label(&s2, 2, IF_curr_exp::default(), Some("b")).unwrap();
    let e = err(&a + &b);
    assert!(matches!(e, Error::State { .. } | Error::Connection { .. } | Error::InvalidValue { .. }), "{e:?}");
    mentions(&e, &["session"]);
    let e = err(&a + &a.view(vec![1]).unwrap());
    mentions(&e, &["a"]);
    // Chains pass an error on, and a valid chain builds the whole assembly.
    let c = Population::with_label(&s1, 4, IF_curr_alpha::default(), Some("c")).unwrap();
    let d = Population::with_label(&s1, 1, IF_cond_exp::default(), Some("d")).unwrap();
    assert!((&a + &b + &c).is_err());
    let all = (&a + &c + &d.view(vec![0]).unwrap()).unwrap();
    assert_eq!(all.size(), 8);
}

/// A user's cell type whose native `build` hands its tables to a standard
/// model's kernel, with a smaller schema than that model reads.
#[derive(Debug, Clone)]
struct ShortLif;

impl pynn::CellType for ShortLif {
    const NAME: &'static str = "ShortLif";
    const PARAMETERS: &'static [pynn::core::parameters::ParamSpec] = &[pynn::core::parameters::ParamSpec::scalar(
        "tau_m",
        20.0,
        "ms",
        pynn::core::parameters::Domain::Positive,
        "membrane time constant",
    )];
    const STATE: &'static [pynn::core::parameters::ParamSpec] = &[pynn::core::parameters::ParamSpec::scalar(
        "v",
        -65.0,
        "mV",
        pynn::core::parameters::Domain::Finite,
        "membrane potential",
    )];
    const RECORDABLES: &'static [pynn::core::cells::RecordableSpec] =
        &[pynn::core::cells::RecordableSpec { name: "spikes", unit: "ms" }];
    const RECEPTORS: &'static [&'static str] = &["excitatory", "inhibitory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        vec![Value::Scalar(20.0)]
    }
}

impl pynn::backends::native::kernel::NativeCell for ShortLif {
    fn build(
        params: &pynn::core::parameters::ParamTable,
        initial: &pynn::core::parameters::ParamTable,
        ctx: &pynn::backends::native::kernel::BuildContext,
    ) -> Result<Box<dyn pynn::backends::native::kernel::Kernel>> {
        <IF_curr_exp as pynn::backends::native::kernel::NativeCell>::build(params, initial, ctx)
    }
}

/// Before, the standard kernel read a parameter the table does not have
/// and panicked ("`cm` is not a scalar parameter of this schema").
#[test]
fn a_standard_kernel_given_a_smaller_schema_is_an_error_not_a_panic() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let e = err(Population::new(&sim, 3, ShortLif));
    assert!(matches!(e, Error::InvalidValue { .. }), "{e:?}");
    let m = e.to_string();
    for word in ["population \"population0\" on the native engine", "missing", "IF_curr_exp", "schema must have it"] {
        assert!(m.contains(word), "{m}");
    }
}
