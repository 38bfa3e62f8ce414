//! Invalid inputs through the public API, table-driven (issue 13).
//!
//! Each [`Case`] is one mistake a user can make: a name, a closure that makes
//! it and returns the `pynn::Result`, the [`Error`] variant it must produce
//! and the words its message must contain (the object, the parameter, the
//! value, what is allowed). Every case runs in this process under
//! `catch_unwind`, except those marked `child` (inputs that could abort the
//! process or never return): they run in a child process, this test binary
//! re-executed on the test [`child_case`] with the case's name in
//! `PYNN_INVALID_CASE`, killed after [`CHILD_DEADLINE`].
//!
//! Each case ends in one of: a clear error (right variant, every word
//! present), an unclear error (wrong variant or a word missing), wrongly
//! accepted (`Ok`), a panic, an abort (the child died of a signal) or a hang
//! (the child was killed at the deadline). The test prints
//!
//! ```text
//! invalid inputs: N clear error, N wrongly accepted, N panic, N abort, N hang
//! ```
//!
//! and fails unless every case is a clear error. Adding a case that could
//! exhaust memory (another engineer's `Error` variant) is one more `Case`
//! with `child: true`.

use pynn::core::cells::CellType;
use pynn::core::parameters::{Domain, ParamKind};
use pynn::core::{Connector, CurrentSourceHandle};
use pynn::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Run = Box<dyn Fn() -> Result<()> + Send + Sync>;

/// One invalid input.
struct Case {
    name: String,
    run: Run,
    /// Expected variant (`Error` variant's name).
    variant: &'static str,
    /// Words the message must contain.
    words: Vec<String>,
    /// Run in a child process (could abort or hang).
    child: bool,
    /// Environment of the child process (for external backends: the
    /// interpreter), never set in this process.
    env: Vec<(&'static str, &'static str)>,
}

fn case(
    name: impl Into<String>,
    variant: &'static str,
    words: &[&str],
    run: impl Fn() -> Result<()> + Send + Sync + 'static,
) -> Case {
    Case {
        name: name.into(),
        run: Box::new(run),
        variant,
        words: words.iter().map(|w| w.to_string()).collect(),
        child: false,
        env: Vec::new(),
    }
}

fn child(mut c: Case) -> Case {
    c.child = true;
    c
}

/// How long a child case may take before it counts as a hang (generous: the
/// machine is shared and the child starts a fresh process).
const CHILD_DEADLINE: Duration = Duration::from_secs(60);

fn variant(e: &Error) -> &'static str {
    match e {
        Error::InvalidSetup { .. } => "InvalidSetup",
        Error::InvalidValue { .. } => "InvalidValue",
        Error::UnknownName { .. } => "UnknownName",
        Error::IndexOutOfRange { .. } => "IndexOutOfRange",
        Error::LengthMismatch { .. } => "LengthMismatch",
        Error::TimeBackwards { .. } => "TimeBackwards",
        Error::Connection { .. } => "Connection",
        Error::Recording { .. } => "Recording",
        Error::State { .. } => "State",
        Error::Backend { .. } => "Backend",
        Error::Io { .. } => "Io",
        Error::Memory { .. } => "Memory",
        _ => "other",
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Clear,
    Unclear(String),
    Accepted,
    Panic(String),
    Abort(String),
    Hang,
}

/// Runs a case in this process.
fn run_here(c: &Case) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| (c.run)())) {
        Err(p) => Outcome::Panic(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
        Ok(Ok(())) => Outcome::Accepted,
        Ok(Err(e)) => {
            let msg = e.to_string();
            let missing: Vec<&String> = c.words.iter().filter(|w| !msg.contains(w.as_str())).collect();
            if variant(&e) != c.variant || !missing.is_empty() {
                Outcome::Unclear(format!("{} (expected {}, missing {missing:?}): {msg}", variant(&e), c.variant))
            } else {
                Outcome::Clear
            }
        }
    }
}

const CASE_VAR: &str = "PYNN_INVALID_CASE";

/// Runs a case in a child process: this binary, on [`child_case`].
fn run_in_child(c: &Case) -> Outcome {
    run_in_child_within(c, CHILD_DEADLINE)
}

fn run_in_child_within(c: &Case, deadline: Duration) -> Outcome {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args(["child_case", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE_VAR, &c.name)
        .envs(c.env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary starts");
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("waiting for the child") {
            Some(s) => break s,
            None if start.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Outcome::Hang;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let out = child.wait_with_output().expect("the child's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Outcome::Abort(format!("signal {sig}: {}", stderr.lines().last().unwrap_or("")));
        }
    }
    // The harness prints `test child_case ... ` first, on the same line.
    let line = stdout.lines().find_map(|l| l.find("OUTCOME ").map(|k| &l[k + "OUTCOME ".len()..]));
    match (status.code(), line) {
        (Some(0), Some("clear")) => Outcome::Clear,
        (Some(0), Some("accepted")) => Outcome::Accepted,
        (Some(0), Some(l)) if l.starts_with("unclear ") => Outcome::Unclear(l["unclear ".len()..].to_string()),
        (Some(0), Some(l)) if l.starts_with("panic ") => Outcome::Panic(l["panic ".len()..].to_string()),
        (Some(101), _) => {
            // `thread '..' panicked at FILE:LINE:COL:` then the message.
            let from = stderr.find("panicked").unwrap_or(0);
            Outcome::Panic(stderr[from..].lines().take(2).collect::<Vec<_>>().join(" "))
        }
        (code, _) => Outcome::Abort(format!("exit {code:?}: {}", stderr.lines().last().unwrap_or(""))),
    }
}

/// The dispatcher of child cases; does nothing unless `PYNN_INVALID_CASE`
/// names a case (it is set only for the child processes of
/// [`invalid_inputs_get_clear_errors`]).
#[test]
fn child_case() {
    let Ok(name) = std::env::var(CASE_VAR) else { return };
    // Canaries of the classification (see `child_outcomes_are_classified`).
    match name.as_str() {
        "canary panic" => panic!("canary"),
        "canary abort" => std::process::abort(),
        "canary hang" => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
        _ => {}
    }
    let cases = cases();
    let c = cases.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case named {name:?}"));
    let line = match run_here(c) {
        Outcome::Clear => "clear".to_string(),
        Outcome::Accepted => "accepted".to_string(),
        Outcome::Unclear(m) => format!("unclear {m}"),
        Outcome::Panic(m) => format!("panic {m}"),
        other => format!("unclear {other:?}"),
    };
    println!("OUTCOME {}", line.replace('\n', " "));
}

#[test]
fn invalid_inputs_get_clear_errors() {
    let cases = cases();
    let mut names = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(names.insert(c.name.clone()), "two cases named {:?}", c.name);
    }
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    // Panics of in-process cases are counted, not printed by the hook.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcomes: Vec<(String, Outcome)> =
        cases.iter().map(|c| (c.name.clone(), if c.child { run_in_child(c) } else { run_here(c) })).collect();
    std::panic::set_hook(hook);
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|(_, o)| f(o)).count();
    let clear = count(|o| *o == Outcome::Clear);
    let unclear = count(|o| matches!(o, Outcome::Unclear(_)));
    let accepted = count(|o| *o == Outcome::Accepted);
    let panic = count(|o| matches!(o, Outcome::Panic(_)));
    let abort = count(|o| matches!(o, Outcome::Abort(_)));
    let hang = count(|o| *o == Outcome::Hang);
    for (name, o) in &outcomes {
        if *o != Outcome::Clear {
            println!("  {name}: {o:?}");
        }
    }
    if unclear > 0 {
        println!("invalid inputs with an unclear error: {unclear}");
    }
    println!(
        "invalid inputs: {clear} clear error, {accepted} wrongly accepted, {panic} panic, {abort} abort, {hang} hang"
    );
    assert_eq!(
        (clear, unclear, accepted, panic, abort, hang),
        (cases.len(), 0, 0, 0, 0, 0),
        "every invalid input must get a clear error (cases listed above)"
    );
    assert!(cases.iter().filter(|c| c.child).count() >= 5, "the child-process path is exercised");
}

/// The child path tells a panic, an abort and a hang apart (so that zero
/// counts mean something), and a clear error from a wrongly accepted input.
#[test]
fn child_outcomes_are_classified() {
    let canary = |name: &str| case(name, "InvalidValue", &[], || Ok(()));
    assert!(matches!(run_in_child(&canary("canary panic")), Outcome::Panic(m) if m.contains("canary")));
    assert!(matches!(run_in_child(&canary("canary abort")), Outcome::Abort(m) if m.contains("signal 6")));
    assert_eq!(run_in_child_within(&canary("canary hang"), Duration::from_secs(3)), Outcome::Hang);
    let cases = cases();
    let run30 = cases.iter().find(|c| c.name == "run(1e30)").expect("case run(1e30)");
    assert!(run30.child);
    assert_eq!(run_in_child(run30), Outcome::Clear);
}

// ------------------------------------------------------------------ helpers

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup::default()).expect("default setup")
}

fn pop<C: CellType>(sim: &Sim<Native>, n: usize, cell: C, label: &str) -> Population<C, Native>
where
    Native: pynn::Supports<C>,
{
    Population::with_label(sim, n, cell, Some(label)).expect("a valid population")
}

fn setup(s: Setup) -> Result<()> {
    Sim::<Native>::setup(s).map(|_| ())
}

/// Cases for every parameter of cell type `C` from its schema: values
/// outside each domain, given at `set`, plus an unknown name, a wrong-length
/// array and an unknown state variable.
fn cell_cases<C: CellType + Default>(cases: &mut Vec<Case>)
where
    Native: pynn::Supports<C>,
{
    let name = C::NAME;
    for spec in C::PARAMETERS {
        let p = spec.name;
        let bad: Vec<(f64, &str)> = match (spec.kind, spec.domain) {
            (ParamKind::Scalar, Domain::Positive) => vec![(-1.0, "-1"), (0.0, "0"), (f64::NAN, "NaN")],
            (ParamKind::Scalar, Domain::NonNegative) => vec![(-1.0, "-1"), (f64::INFINITY, "inf")],
            (ParamKind::Scalar, _) => vec![(f64::NAN, "NaN")],
            _ => vec![],
        };
        for (x, text) in bad {
            let allowed = match spec.domain {
                Domain::Positive => "> 0",
                Domain::NonNegative => ">= 0",
                _ => "finite",
            };
            let object = format!("population \"c\" ({name})");
            cases.push(case(
                format!("{name}.set({p} = {text})"),
                "InvalidValue",
                &[&object, p, text, allowed],
                move || {
                    let s = sim();
                    pop(&s, 2, C::default(), "c").set(p, x)
                },
            ));
        }
        if spec.kind == ParamKind::Sequence {
            let object = format!("population \"c\" ({name})");
            cases.push(case(format!("{name}.set({p} = [NaN])"), "InvalidValue", &[&object, p, "NaN"], move || {
                let s = sim();
                pop(&s, 2, C::default(), "c").set(p, vec![f64::NAN])
            }));
        }
    }
    let first = C::PARAMETERS.first().map(|s| s.name);
    if let Some(p) = first {
        let typo = format!("{p}x");
        let typo2 = typo.clone();
        cases.push(case(
            format!("{name}.set(unknown {typo})"),
            "UnknownName",
            &[name, "unknown parameter", &typo, &format!("did you mean `{p}`?")],
            move || {
                let s = sim();
                pop(&s, 2, C::default(), "c").set(&typo2, 1.0)
            },
        ));
        if C::PARAMETERS[0].kind == ParamKind::Scalar {
            cases.push(case(
                format!("{name}.set({p} = array of 3 for 2 cells)"),
                "LengthMismatch",
                &[name, p, "length 3, expected 2"],
                move || {
                    let s = sim();
                    pop(&s, 2, C::default(), "c").set(p, vec![1.0, 1.0, 1.0])
                },
            ));
        }
    }
    cases.push(case(
        format!("{name}.initialize(unknown)"),
        "UnknownName",
        &[name, "unknown state variable", "nope"],
        || {
            let s = sim();
            pop(&s, 2, C::default(), "c").initialize("nope", 0.0)
        },
    ));
    cases.push(case(format!("{name}.record(unknown)"), "UnknownName", &[name, "unknown recordable", "nope"], || {
        let s = sim();
        pop(&s, 2, C::default(), "c").record("nope", None)
    }));
    cases.push(case(format!("{name}: zero cells"), "InvalidValue", &[name, "size", "at least one cell"], || {
        let s = sim();
        Population::<C, Native>::new(&s, 0, C::default()).map(|_| ())
    }));
    for (k, spec) in C::STATE.iter().enumerate().take(1) {
        let v = spec.name;
        let _ = k;
        cases.push(case(format!("{name}.initialize({v} = NaN)"), "InvalidValue", &[name, v, "NaN"], move || {
            let s = sim();
            pop(&s, 2, C::default(), "c").initialize(v, f64::NAN)
        }));
    }
}

// ------------------------------------------------------------------- cases

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    setup_cases(&mut cases);
    macro_rules! every_cell_type {
        ($($t:ident),*) => { $(cell_cases::<$t>(&mut cases);)* };
    }
    pynn::core::for_each_standard_cell!(every_cell_type);
    reset_threshold_cases(&mut cases);
    distribution_cases(&mut cases);
    connector_cases(&mut cases);
    projection_cases(&mut cases);
    view_cases(&mut cases);
    recording_cases(&mut cases);
    file_cases(&mut cases);
    run_cases(&mut cases);
    session_cases(&mut cases);
    source_cases(&mut cases);
    structure_cases(&mut cases);
    external_cases(&mut cases);
    cases
}

/// External backends started with an interpreter that does not exist: a
/// clear error naming the interpreter and the fix, within the deadline.
/// `PYNN_PYTHON` is set only in the child process.
fn external_cases(cases: &mut Vec<Case>) {
    fn bad_python(mut c: Case) -> Case {
        c.child = true;
        c.env = vec![("PYNN_PYTHON", "/nonexistent/pynn-python")];
        c
    }
    cases.push(bad_python(case(
        "Nest with a missing interpreter",
        "Backend",
        &["NEST", "/nonexistent/pynn-python", "PYNN_PYTHON"],
        || Sim::<Nest>::setup(Setup::default()).map(|_| ()),
    )));
    cases.push(bad_python(case(
        "Neuron with a missing interpreter",
        "Backend",
        &["NEURON", "/nonexistent/pynn-python", "PYNN_PYTHON"],
        || Sim::<Neuron>::setup(Setup::default()).map(|_| ()),
    )));
    cases.push(bad_python(case(
        "Brian2 with a missing interpreter",
        "Backend",
        &["Brian2", "/nonexistent/pynn-python", "PYNN_PYTHON"],
        || Sim::<Brian2>::setup(Setup::default()).map(|_| ()),
    )));
}

fn setup_cases(cases: &mut Vec<Case>) {
    let d = Setup::default;
    for (x, text) in [(0.0, "0"), (-0.1, "-0.1"), (f64::NAN, "NaN"), (f64::INFINITY, "inf"), (-1e-300, "-1e-300")] {
        cases.push(case(
            format!("setup timestep = {text}"),
            "InvalidSetup",
            &["timestep", text, "positive"],
            move || setup(Setup { timestep: x, ..d() }),
        ));
    }
    for (x, text) in [(0.05, "0.05"), (f64::NAN, "NaN"), (0.25, "0.25"), (f64::INFINITY, "inf")] {
        cases.push(case(format!("setup min_delay = {text}"), "InvalidSetup", &["min_delay", text], move || {
            setup(Setup { min_delay: x, ..d() })
        }));
    }
    for (x, text) in [(0.05, "0.05"), (f64::NAN, "NaN"), (f64::INFINITY, "inf"), (5.05, "5.05")] {
        cases.push(case(format!("setup max_delay = {text}"), "InvalidSetup", &["max_delay", text], move || {
            setup(Setup { max_delay: x, ..d() })
        }));
    }
    cases.push(child(case(
        "setup threads = 100000",
        "InvalidSetup",
        &["threads", "100000", "at most 1024"],
        move || setup(Setup { threads: 100_000, ..d() }),
    )));
    cases.push(child(case("setup threads = usize::MAX", "InvalidSetup", &["threads", "at most 1024"], move || {
        setup(Setup { threads: usize::MAX, ..d() })
    })));
    // The native engine stores delays in u16 steps.
    cases.push(child(case(
        "setup timestep = 1e-300 (native delays)",
        "InvalidSetup",
        &["max_delay", "65535 steps", "6.5535e-296 ms"],
        move || setup(Setup { timestep: 1e-300, ..d() }),
    )));
    cases.push(case(
        "setup max_delay beyond native u16 steps",
        "InvalidSetup",
        &["max_delay", "1000000", "65535"],
        move || setup(Setup { max_delay: 1e6, ..d() }),
    ));
}

fn reset_threshold_cases(cases: &mut Vec<Case>) {
    macro_rules! rt {
        ($ty:ident) => {{
            let name = stringify!($ty);
            cases.push(case(
                format!("{name}: v_reset = v_thresh at creation"),
                "InvalidValue",
                &[name, "cell 0", "v_reset", "below v_thresh"],
                || {
                    let s = sim();
                    let t = $ty::default().v_thresh;
                    Population::new(&s, 2, $ty { v_reset: t, ..$ty::default() }).map(|_| ())
                },
            ));
            cases.push(case(
                format!("{name}: set v_thresh below v_reset"),
                "InvalidValue",
                &[name, "v_reset", "below v_thresh (-100 mV)"],
                || {
                    let s = sim();
                    pop(&s, 2, $ty::default(), "c").set("v_thresh", -100.0)
                },
            ));
            cases.push(case(
                format!("{name}: v_reset array with one cell above v_thresh"),
                "InvalidValue",
                &[name, "cell 1", "v_reset", "0"],
                || {
                    let s = sim();
                    pop(&s, 2, $ty::default(), "c").set("v_reset", vec![-100.0, 0.0])
                },
            ));
        }};
    }
    rt!(IF_curr_exp);
    rt!(IF_curr_alpha);
    rt!(IF_curr_delta);
    rt!(IF_cond_exp);
    rt!(IF_cond_alpha);
    rt!(IF_cond_exp_gsfa_grr);
    rt!(IF_facets_hardware1);
    cases.push(case(
        "IF_curr_exp: random v_reset above v_thresh",
        "InvalidValue",
        &["v_reset", "below v_thresh"],
        || {
            let s = sim();
            pop(&s, 20, IF_curr_exp::default(), "c").set("v_reset", RandomDistribution::uniform(-45.0, -40.0))
        },
    ));
    for (name, f) in [
        ("EIF_cond_exp_isfa_ista: v_reset >= v_spike", 0),
        ("EIF_cond_exp_isfa_ista: v_spike < v_thresh", 1),
        ("EIF_cond_exp_isfa_ista: exp overflow", 2),
    ] {
        let words: &[&str] = match f {
            0 => &["v_reset", "below v_spike"],
            1 => &["v_spike", ">= v_thresh"],
            _ => &["delta_T", "(v_spike - v_thresh) / delta_T"],
        };
        cases.push(case(name, "InvalidValue", words, move || {
            let s = sim();
            let d = EIF_cond_exp_isfa_ista::default();
            let c = match f {
                0 => EIF_cond_exp_isfa_ista { v_reset: d.v_spike, ..d },
                1 => EIF_cond_exp_isfa_ista { v_spike: d.v_thresh - 1.0, ..d },
                _ => EIF_cond_exp_isfa_ista { v_spike: 1e5, delta_T: 0.1, ..d },
            };
            Population::new(&s, 1, c).map(|_| ())
        }));
    }
    cases.push(case(
        "EIF_cond_alpha_isfa_ista: set v_spike below v_reset",
        "InvalidValue",
        &["v_reset", "below v_spike"],
        || {
            let s = sim();
            pop(&s, 1, EIF_cond_alpha_isfa_ista::default(), "c").set("v_spike", -80.0)
        },
    ));
    cases.push(case(
        "PointNeuron LIF: v_reset above v_thresh",
        "InvalidValue",
        &["PointNeuron", "v_reset", "below v_thresh"],
        || {
            let s = sim();
            let c = PointNeuron::new(LIF { v_reset: -40.0, ..LIF::default() }, [("syn", ExpPSR::default())])?;
            Population::new(&s, 1, c).map(|_| ())
        },
    ));
    cases.push(case(
        "PointNeuron AdExp: v_reset above v_spike",
        "InvalidValue",
        &["PointNeuron", "v_reset", "below v_spike"],
        || {
            let s = sim();
            let c = PointNeuron::new(AdExp { v_reset: -30.0, ..AdExp::default() }, [("syn", ExpPSR::default())])?;
            Population::new(&s, 1, c).map(|_| ())
        },
    ));
}

fn distribution_cases(cases: &mut Vec<Case>) {
    type D = RandomDistribution;
    let table: Vec<(&str, D, &str, &str)> = vec![
        ("uniform low > high", D::uniform(1.0, 0.0), "low, high", "low <= high"),
        ("uniform NaN low", D::uniform(f64::NAN, 1.0), "low", "NaN"),
        ("uniform inf high", D::uniform(0.0, f64::INFINITY), "high", "inf"),
        ("uniform overflowing width", D::uniform(-1e308, 1e308), "high - low", "finite width"),
        ("uniform_int low = high", D::uniform_int(3, 3), "low, high", "low < high"),
        ("normal sigma < 0", D::normal(0.0, -1.0), "sigma", "-1"),
        ("normal sigma NaN", D::normal(0.0, f64::NAN), "sigma", "NaN"),
        ("normal sigma inf", D::normal(0.0, f64::INFINITY), "sigma", "inf"),
        ("normal mu NaN", D::normal(f64::NAN, 1.0), "mu", "NaN"),
        ("normal mu inf", D::normal(f64::INFINITY, 1.0), "mu", "inf"),
        ("normal_clipped low > high", D::normal_clipped(0.0, 1.0, 1.0, -1.0), "low, high", "low <= high"),
        ("normal_clipped sigma < 0", D::normal_clipped(0.0, -1.0, -1.0, 1.0), "sigma", "-1"),
        ("normal_clipped NaN bound", D::normal_clipped(0.0, 1.0, f64::NAN, 1.0), "low", "NaN"),
        (
            "normal_clipped_to_boundary low > high",
            D::normal_clipped_to_boundary(0.0, 1.0, 2.0, 1.0),
            "low, high",
            "low <= high",
        ),
        ("normal_clipped_to_boundary mu NaN", D::normal_clipped_to_boundary(f64::NAN, 1.0, 0.0, 1.0), "mu", "NaN"),
        ("lognormal sigma < 0", D::lognormal(0.0, -0.5), "sigma", "-0.5"),
        ("lognormal mu 1000", D::lognormal(1000.0, 1.0), "mu", "1000"),
        ("lognormal mu NaN", D::lognormal(f64::NAN, 1.0), "mu", "NaN"),
        ("exponential beta 0", D::exponential(0.0), "beta", "0"),
        ("exponential beta inf", D::exponential(f64::INFINITY), "beta", "inf"),
        ("gamma k 0", D::gamma(0.0, 1.0), "k", "0"),
        ("gamma k inf", D::gamma(f64::INFINITY, 1.0), "k", "inf"),
        ("gamma theta -1", D::gamma(1.0, -1.0), "theta", "-1"),
        ("gamma theta inf", D::gamma(1.0, f64::INFINITY), "theta", "inf"),
        ("poisson lambda 0", D::poisson(0.0), "lambda_", "0"),
        ("poisson lambda 1e20", D::poisson(1e20), "lambda_", "1e20"),
        ("poisson lambda inf", D::poisson(f64::INFINITY), "lambda_", "inf"),
        ("poisson lambda NaN", D::poisson(f64::NAN), "lambda_", "NaN"),
        ("binomial p 1.5", D::binomial(10, 1.5), "p", "1.5"),
        ("binomial p NaN", D::binomial(10, f64::NAN), "p", "NaN"),
        ("vonmises kappa < 0", D::vonmises(0.0, -1.0), "kappa", "-1"),
        ("vonmises kappa inf", D::vonmises(0.0, f64::INFINITY), "kappa", "inf"),
        ("vonmises mu NaN", D::vonmises(f64::NAN, 1.0), "mu", "NaN"),
    ];
    for (name, d, param, word) in table {
        let dn = format!("RandomDistribution {}", d.name());
        let (d1, d2, d3) = (d.clone(), d.clone(), d);
        cases.push(case(format!("{name}: set a parameter"), "InvalidValue", &[&dn, param, word], move || {
            let s = sim();
            pop(&s, 3, IF_curr_exp::default(), "c").set("i_offset", d1.clone())
        }));
        cases.push(case(format!("{name}: initialize"), "InvalidValue", &[&dn, param, word], move || {
            let s = sim();
            pop(&s, 3, IF_curr_exp::default(), "c").initialize("v", d2.clone())
        }));
        cases.push(case(format!("{name}: as a connector's n"), "InvalidValue", &[&dn, param, word], move || {
            let s = sim();
            let a = pop(&s, 3, IF_curr_exp::default(), "a");
            Projection::new(&a, &a, &FixedNumberPreConnector::new(d3.clone()), StaticSynapse::new(0.1, 1.0), None)
                .map(|_| ())
        }));
    }
    // The big poisson means again in child processes: they used to panic
    // inside the sampler.
    for (lambda, text) in [(1e20, "1e20"), (f64::INFINITY, "inf")] {
        cases.push(child(case(
            format!("poisson lambda {text}: initialize (child)"),
            "InvalidValue",
            &["poisson", "lambda_", text, "1.844e19"],
            move || {
                let s = sim();
                pop(&s, 3, IF_curr_exp::default(), "c").initialize("v", RandomDistribution::poisson(lambda))
            },
        )));
    }
    // By name.
    cases.push(case("distribution unknown name", "UnknownName", &["uniformm", "did you mean `uniform`"], || {
        RandomDistribution::from_named("uniformm", &[]).map(|_| ())
    }));
    cases.push(case("distribution missing parameter", "InvalidValue", &["gamma", "theta", "missing"], || {
        RandomDistribution::from_named("gamma", &[("k", 2.0)]).map(|_| ())
    }));
    cases.push(case("distribution unknown parameter", "UnknownName", &["normal", "sd", "sigma"], || {
        RandomDistribution::from_named("normal", &[("mu", 0.0), ("sd", 1.0)]).map(|_| ())
    }));
    cases.push(case("distribution wrong number of positional", "LengthMismatch", &["uniform", "expected 2"], || {
        RandomDistribution::from_positional("uniform", &[0.0]).map(|_| ())
    }));
    cases.push(case("uniform_int non-integer", "InvalidValue", &["uniform_int", "low", "0.5", "integer"], || {
        RandomDistribution::from_positional("uniform_int", &[0.5, 3.0]).map(|_| ())
    }));
    cases.push(case("binomial negative n", "InvalidValue", &["binomial", "n", "-3", "n >= 0"], || {
        RandomDistribution::from_positional("binomial", &[-3.0, 0.5]).map(|_| ())
    }));
}

fn connector_cases(cases: &mut Vec<Case>) {
    fn proj(c: &dyn Connector) -> Result<()> {
        let s = sim();
        let a = pop(&s, 4, IF_curr_exp::default(), "a");
        let b = pop(&s, 5, IF_curr_exp::default(), "b");
        Projection::new(&a, &b, c, StaticSynapse::new(0.1, 1.0), None).map(|_| ())
    }
    for (p, text) in [(-0.1, "-0.1"), (1.5, "1.5"), (f64::NAN, "NaN")] {
        cases.push(case(
            format!("FixedProbabilityConnector p = {text}"),
            "InvalidValue",
            &["a→b", "p_connect", text, "[0, 1]"],
            move || proj(&FixedProbabilityConnector::new(p)),
        ));
    }
    cases.push(case(
        "FixedNumberPreConnector n > pre without replacement",
        "Connection",
        &["a→b", "n = 10", "4 cells"],
        || proj(&FixedNumberPreConnector::new(10)),
    ));
    cases.push(case(
        "FixedNumberPostConnector n > post without replacement",
        "Connection",
        &["a→b", "n = 10", "5 cells"],
        || proj(&FixedNumberPostConnector::new(10)),
    ));
    cases.push(case(
        "FixedNumberPreConnector n from uniform (non-integer)",
        "InvalidValue",
        &["a→b", "n", "whole numbers"],
        || proj(&FixedNumberPreConnector::new(RandomDistribution::uniform(0.1, 0.9))),
    ));
    cases.push(case(
        "FixedNumberPostConnector n from normal (negative)",
        "InvalidValue",
        &["a→b", "n", "whole numbers"],
        || proj(&FixedNumberPostConnector::new(RandomDistribution::normal(-100.0, 0.1))),
    ));
    cases.push(case("FixedTotalNumberConnector n > pairs", "Connection", &["a→b", "n = 30", "20 allowed"], || {
        proj(&FixedTotalNumberConnector { with_replacement: false, ..FixedTotalNumberConnector::new(30) })
    }));
    cases.push(case(
        "FromListConnector pre index out of range",
        "IndexOutOfRange",
        &["a→b", "index 4", "size 4"],
        || proj(&FromListConnector::new(vec![(4, 0)])),
    ));
    cases.push(case(
        "FromListConnector post index out of range",
        "IndexOutOfRange",
        &["a→b", "index 9", "size 5"],
        || proj(&FromListConnector::new(vec![(0, 9)])),
    ));
    cases.push(case("FromListConnector NaN weight", "InvalidValue", &["a→b", "weight", "NaN"], || {
        proj(&FromListConnector::with_weights(vec![(0, 0, f64::NAN)]))
    }));
    cases.push(case("FromListConnector delay below min_delay", "InvalidValue", &["a→b", "delay", "0.01"], || {
        proj(&FromListConnector::with_weights_and_delays(vec![(0, 0, 0.1, 0.01)]))
    }));
    cases
        .push(case("OneToOneConnector size mismatch", "Connection", &["a→b", "4", "5"], || proj(&OneToOneConnector)));
    cases.push(case("ArrayConnector wrong shape", "LengthMismatch", &["a→b", "expected 4"], || {
        proj(&ArrayConnector::new(vec![vec![true; 5]; 2]))
    }));
    cases.push(case("SmallWorldConnector rewiring 2", "InvalidValue", &["a→b", "rewiring", "2", "[0, 1]"], || {
        proj(&SmallWorldConnector::new(1.0, 2.0))
    }));
    cases.push(case("SmallWorldConnector degree -1", "InvalidValue", &["a→b", "degree", "-1"], || {
        proj(&SmallWorldConnector::new(-1.0, 0.5))
    }));
    cases.push(case(
        "DistanceDependentProbabilityConnector p > 1",
        "Connection",
        &["a→b", "returned 2", "[0, 1]"],
        || proj(&DistanceDependentProbabilityConnector::new(|_| 2.0)),
    ));
    cases.push(case("DistanceDependentProbabilityConnector p NaN", "Connection", &["a→b", "NaN", "[0, 1]"], || {
        proj(&DistanceDependentProbabilityConnector::new(|_| f64::NAN))
    }));
    cases.push(case("IndexBasedProbabilityConnector p < 0", "Connection", &["a→b", "-0.5", "[0, 1]"], || {
        proj(&IndexBasedProbabilityConnector::new(|_, _| -0.5))
    }));
    cases.push(case(
        "DisplacementDependentProbabilityConnector p > 1",
        "Connection",
        &["a→b", "returned 3", "[0, 1]"],
        || proj(&DisplacementDependentProbabilityConnector::new(|_| 3.0)),
    ));
    cases.push(case("FromFileConnector missing file", "Io", &["/nonexistent/pynn-conn.txt"], || {
        FromFileConnector::new("/nonexistent/pynn-conn.txt").map(|_| ())
    }));
    cases.push(case("CloneConnector different pre", "Connection", &["CloneConnector", "same cells"], || {
        let s = sim();
        let a = pop(&s, 4, IF_curr_exp::default(), "a");
        let b = pop(&s, 5, IF_curr_exp::default(), "b");
        let p = Projection::new(&a, &b, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None)?;
        let c = CloneConnector::new(&p)?;
        Projection::new(&b, &b, &c, StaticSynapse::new(0.1, 1.0), None).map(|_| ())
    }));
}

fn projection_cases(cases: &mut Vec<Case>) {
    fn with(
        f: impl Fn(&Population<SpikeSourceArray, Native>, &Population<IF_curr_exp, Native>) -> Result<()>,
    ) -> Result<()> {
        let s = Sim::<Native>::setup(Setup { min_delay: 0.2, ..Setup::default() })?;
        let a = pop(&s, 2, SpikeSourceArray::default(), "pre");
        let b = pop(&s, 2, IF_curr_exp::default(), "post");
        f(&a, &b)
    }
    fn all() -> AllToAllConnector {
        AllToAllConnector::new()
    }
    for (d, text) in [(0.0, "0"), (-1.0, "-1"), (0.1, "0.1"), (10.5, "10.5"), (f64::NAN, "NaN")] {
        cases.push(case(
            format!("projection delay {text}"),
            "InvalidValue",
            &["pre→post", "delay", text, "[min_delay, max_delay]"],
            move || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(0.5, d), None).map(|_| ())),
        ));
    }
    for (w, text) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
        cases.push(case(
            format!("projection weight {text}"),
            "InvalidValue",
            &["pre→post", "weight", text],
            move || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(w, 1.0), None).map(|_| ())),
        ));
    }
    cases.push(case(
        "projection positive weight on inhibitory",
        "InvalidValue",
        &["pre→post", "weight", "0.5", "inhibitory"],
        || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(0.5, 1.0), Some("inhibitory")).map(|_| ())),
    ));
    cases.push(case(
        "projection negative weight on excitatory",
        "InvalidValue",
        &["pre→post", "weight", "-0.5", "excitatory"],
        || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(-0.5, 1.0), Some("excitatory")).map(|_| ())),
    ));
    cases.push(case(
        "projection unknown receptor",
        "UnknownName",
        &["receptor type", "excitatroy", "did you mean `excitatory`"],
        || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(0.5, 1.0), Some("excitatroy")).map(|_| ())),
    ));
    cases.push(case("projection onto a spike source", "Connection", &["SpikeSourceArray"], || {
        with(|a, _| Projection::new(a, a, &all(), StaticSynapse::new(0.5, 1.0), None).map(|_| ()))
    }));
    cases.push(case(
        "projection weight array of wrong length",
        "LengthMismatch",
        &["pre→post", "weight", "expected 4"],
        || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(vec![0.1; 3], 1.0), None).map(|_| ())),
    ));
    cases.push(case(
        "projection set delay above max_delay",
        "InvalidValue",
        &["pre→post", "delay", "20", "max_delay"],
        || with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(0.5, 1.0), None)?.set("delay", 20.0)),
    ));
    cases.push(case("projection set unknown attribute", "UnknownName", &["pre→post", "wieght"], || {
        with(|a, b| Projection::new(a, b, &all(), StaticSynapse::new(0.5, 1.0), None)?.set("wieght", 1.0))
    }));
    cases.push(case("projection get unknown attribute", "UnknownName", &["pre→post", "tau_rec"], || {
        with(|a, b| {
            Projection::new(a, b, &all(), StaticSynapse::new(0.5, 1.0), None)?.get_values("tau_rec").map(|_| ())
        })
    }));
    cases.push(case("projection pre and post of different sessions", "State", &["different sessions"], || {
        let (s1, s2) = (sim(), sim());
        let a = pop(&s1, 2, IF_curr_exp::default(), "a");
        let b = pop(&s2, 2, IF_curr_exp::default(), "b");
        Projection::new(&a, &b, &all(), StaticSynapse::new(0.5, 1.0), None).map(|_| ())
    }));
    cases.push(case("Tsodyks-Markram U > 1", "InvalidValue", &["pre→post", "U", "1.5"], || {
        with(|a, b| {
            Projection::new(a, b, &all(), TsodyksMarkramSynapse::new(0.5, 1.0, 1.5, 100.0, 0.0), None).map(|_| ())
        })
    }));
    cases.push(case("Tsodyks-Markram tau_rec < 0", "InvalidValue", &["pre→post", "tau_rec", "-1"], || {
        with(|a, b| {
            Projection::new(a, b, &all(), TsodyksMarkramSynapse::new(0.5, 1.0, 0.5, -1.0, 0.0), None).map(|_| ())
        })
    }));
    cases.push(case("STDP tau_plus < 0", "InvalidValue", &["pre→post", "tau_plus", "-20"], || {
        with(|a, b| {
            let stdp = STDPMechanism::new(
                SpikePairRule::new(-20.0, 20.0, 0.01, 0.01),
                AdditiveWeightDependence::new(0.0, 1.0),
            )
            .with(0.5, 1.0);
            Projection::new(a, b, &all(), stdp, None).map(|_| ())
        })
    }));
    cases.push(case("STDP w_min > w_max", "InvalidValue", &["pre→post", "w_min"], || {
        with(|a, b| {
            let stdp =
                STDPMechanism::new(SpikePairRule::new(20.0, 20.0, 0.01, 0.01), AdditiveWeightDependence::new(2.0, 1.0))
                    .with(0.5, 1.0);
            Projection::new(a, b, &all(), stdp, None).map(|_| ())
        })
    }));
    cases.push(case("procedural connect p = 2", "InvalidValue", &["p_connect", "2", "[0, 1]"], || {
        with(|a, b| a.sim().connect(a, b, 0.1, Some(1.0), None, 2.0).map(|_| ()))
    }));
    cases.push(case(
        "procedural connect delay below min_delay",
        "InvalidValue",
        &["delay", "0.1", "[min_delay, max_delay]"],
        || with(|a, b| a.sim().connect(a, b, 0.1, Some(0.1), None, 1.0).map(|_| ())),
    ));
}

fn view_cases(cases: &mut Vec<Case>) {
    fn p() -> (Sim<Native>, Population<IF_curr_exp, Native>) {
        let s = sim();
        let p = pop(&s, 10, IF_curr_exp::default(), "p");
        (s, p)
    }
    cases.push(case(
        "view range past the end",
        "IndexOutOfRange",
        &["population \"p\"", "index 10", "size 10"],
        || p().1.view(5..11).map(|_| ()),
    ));
    #[allow(clippy::reversed_empty_ranges)]
    cases.push(case("view reversed range", "InvalidValue", &["population \"p\"", "5..2", "start <= end"], || {
        p().1.view(5..2).map(|_| ())
    }));
    cases.push(case(
        "view range starting past the end",
        "InvalidValue",
        &["population \"p\"", "500..10", "start <= end"],
        || {
            let (_s, p) = p();
            p.view(500..p.size()).map(|_| ())
        },
    ));
    cases.push(case(
        "view index out of range",
        "IndexOutOfRange",
        &["population \"p\"", "index 12", "size 10"],
        || p().1.view(vec![1, 12]).map(|_| ()),
    ));
    cases.push(case(
        "view mask too short",
        "LengthMismatch",
        &["population \"p\"", "boolean mask", "length 3, expected 10"],
        || p().1.view(vec![true; 3]).map(|_| ()),
    ));
    cases.push(case("view mask too long", "LengthMismatch", &["boolean mask", "length 11, expected 10"], || {
        p().1.view(vec![false; 11]).map(|_| ())
    }));
    cases.push(case("view of a view out of range", "IndexOutOfRange", &["view \"p\"", "index 3", "size 3"], || {
        p().1.view(2..5)?.view(vec![3]).map(|_| ())
    }));
    cases
        .push(case("cell(i) out of range", "IndexOutOfRange", &["index 10", "size 10"], || p().1.cell(10).map(|_| ())));
    cases.push(case("index_in_parent out of range", "IndexOutOfRange", &["index 99"], || {
        p().1.index_in_parent(99).map(|_| ())
    }));
    cases.push(case("position out of range", "IndexOutOfRange", &["index 10"], || p().1.position(10).map(|_| ())));
    cases.push(case("sample more than the cells", "InvalidValue", &["population \"p\"", "11"], || {
        p().1.sample(11).map(|_| ())
    }));
    cases.push(case("set_positions wrong length", "LengthMismatch", &["positions", "length 1, expected 10"], || {
        p().1.set_positions(&[[0.0; 3]])
    }));
    cases.push(case("set_positions NaN", "InvalidValue", &["positions", "NaN", "finite"], || {
        let (_s, p) = p();
        p.view(0..1)?.set_positions(&[[f64::NAN, 0.0, 0.0]])
    }));
    cases.push(case("assembly of overlapping parts", "State", &["overlaps"], || {
        let (_s, p) = p();
        Assembly::new(&[&p, &p.view(0..2)?]).map(|_| ())
    }));
    cases.push(case("assembly of no parts", "State", &["at least one"], || Assembly::<Native>::new(&[]).map(|_| ())));
    cases.push(case("assembly across sessions", "State", &["another session"], || {
        let (_s, p) = p();
        let s2 = sim();
        let q = pop(&s2, 2, IF_curr_exp::default(), "q");
        Assembly::new(&[&p, &q]).map(|_| ())
    }));
    cases.push(case("assembly set a parameter one part lacks", "UnknownName", &["tau_m"], || {
        let (s, p) = p();
        let q = pop(&s, 2, Izhikevich::default(), "q");
        Assembly::new(&[&p, &q])?.set("tau_m", 5.0)
    }));
}

fn recording_cases(cases: &mut Vec<Case>) {
    fn p() -> (Sim<Native>, Population<IF_curr_exp, Native>) {
        let s = sim();
        let p = pop(&s, 3, IF_curr_exp::default(), "p");
        (s, p)
    }
    cases.push(case(
        "record unknown variable",
        "UnknownName",
        &["population \"p\"", "recordable", "vv", "did you mean `v`"],
        || p().1.record("vv", None),
    ));
    cases.push(case("record v on a spike source", "UnknownName", &["SpikeSourcePoisson", "recordable", "`v`"], || {
        let s = sim();
        pop(&s, 1, SpikeSourcePoisson::default(), "src").record("v", None)
    }));
    for (rate, text) in [(1e25, "1e25"), (2e6, "2000000")] {
        cases.push(case(
            format!("Poisson rate {text} Hz"),
            "InvalidValue",
            &["SpikeSourcePoisson", "rate", text, "from 0 to 1000000 Hz"],
            move || {
                let s = sim();
                Population::new(&s, 2, SpikeSourcePoisson { rate, ..Default::default() }).map(|_| ())
            },
        ));
        cases.push(case(
            format!("refractory Poisson rate {text} Hz"),
            "InvalidValue",
            &["SpikeSourcePoissonRefractory", "rate", text, "from 0 to 1000000 Hz"],
            move || {
                let s = sim();
                Population::new(&s, 2, SpikeSourcePoissonRefractory { rate, ..Default::default() }).map(|_| ())
            },
        ));
    }
    cases.push(case(
        "gamma source rate beta / alpha beyond 1 MHz",
        "InvalidValue",
        &["SpikeSourceGamma", "beta", "10000000", "beta / alpha"],
        || {
            let s = sim();
            Population::new(&s, 2, SpikeSourceGamma { alpha: 2.0, beta: 1e7, ..Default::default() }).map(|_| ())
        },
    ));
    // Requests beyond the machine's memory (tests/memory_limits.rs has the
    // full set and the estimates' accuracy): refused before allocating.
    cases.push(child(case(
        "10^12 cells",
        "Memory",
        &["population", "1000000000000 cells", " need ", " available"],
        || {
            let s = sim();
            Population::new(&s, 1_000_000_000_000, IF_curr_exp::default()).map(|_| ())
        },
    )));
    cases.push(child(case("usize::MAX cells", "Memory", &["population", " need ", "overflows"], || {
        let s = sim();
        Population::new(&s, usize::MAX, IF_curr_exp::default()).map(|_| ())
    })));
    cases.push(child(case("all-to-all 10^5 x 10^5", "Memory", &["projection", " need ", " available"], || {
        let s = sim();
        let a = Population::new(&s, 100_000, SpikeSourceArray::default())?;
        let b = Population::new(&s, 100_000, IF_curr_exp::default())?;
        Projection::new(&a, &b, &AllToAllConnector::default(), StaticSynapse::new(0.1, 1.0), None).map(|_| ())
    })));
    cases.push(child(case("fixed total number 10^12", "Memory", &["projection", " need ", " available"], || {
        let s = sim();
        let a = Population::new(&s, 10, SpikeSourceArray::default())?;
        let b = Population::new(&s, 10, IF_curr_exp::default())?;
        Projection::new(&a, &b, &FixedTotalNumberConnector::new(1_000_000_000_000), StaticSynapse::new(0.1, 1.0), None)
            .map(|_| ())
    })));
    cases.push(case("a + b of two sessions", "State", &["session"], || {
        let (s1, s2) = (sim(), sim());
        let a = pop(&s1, 2, IF_curr_exp::default(), "a");
        let b = pop(&s2, 2, IF_curr_exp::default(), "b");
        (&a + &b).map(|_| ())
    }));
    cases.push(case(
        "a + a view of a (overlapping cells)",
        "State",
        &["view \"a\"", "overlaps cells already in the assembly"],
        || {
            let s = sim();
            let a = pop(&s, 3, IF_curr_exp::default(), "a");
            (&a + &a.view(vec![1])?).map(|_| ())
        },
    ));
    cases.push(case("record gsyn on a current-based cell", "UnknownName", &["gsyn_exc"], || {
        let (s, p) = p();
        s.record_gsyn(&p)
    }));
    for (si, text) in [(0.15, "0.15"), (0.0, "0"), (-0.1, "-0.1"), (f64::NAN, "NaN")] {
        cases.push(case(
            format!("record sampling_interval {text}"),
            "Recording",
            &["population \"p\"", "sampling_interval", text, "multiple of the time step"],
            move || p().1.record("v", Some(si)),
        ));
    }
    for (si, text) in [(f64::INFINITY, "inf"), (1e300, "1e300")] {
        cases.push(case(
            format!("record sampling_interval {text}"),
            "Recording",
            &["population \"p\"", "sampling_interval", text],
            move || p().1.record("v", Some(si)),
        ));
    }
    cases.push(case("get_data_of unknown variable", "UnknownName", &["population \"p\"", "recordable", "foo"], || {
        p().1.get_data_of("foo").map(|_| ())
    }));
    cases.push(case("get_data_of typo suggests", "UnknownName", &["spike", "did you mean `spikes`"], || {
        p().1.get_data_of("spike").map(|_| ())
    }));
    cases.push(case("current source get_data without record", "Recording", &["DCSource", "record()"], || {
        let (_s, p) = p();
        p.inject(DCSource::default())?.get_data().map(|_| ())
    }));
    cases.push(case("record_weights with a bad interval", "InvalidValue", &["sampling_interval", "0.15"], || {
        let (s, p) = p();
        let src = pop(&s, 1, SpikeSourceArray::default(), "src");
        Projection::new(&src, &p, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None)?.record_weights(0.15)
    }));
}

fn file_cases(cases: &mut Vec<Case>) {
    fn p() -> (Sim<Native>, Population<IF_curr_exp, Native>) {
        let s = sim();
        let p = pop(&s, 3, IF_curr_exp::default(), "p");
        p.record("v", None).expect("record");
        (s, p)
    }
    cases.push(case("write_data empty path", "InvalidValue", &["write_data", "path", "empty", "a file name"], || {
        p().1.write_data("")
    }));
    cases.push(case(
        "write_data directory with slash",
        "InvalidValue",
        &["write_data", "path", "path separator"],
        || p().1.write_data(format!("{}/", std::env::temp_dir().display())),
    ));
    cases.push(case(
        "write_data existing directory",
        "InvalidValue",
        &["write_data", "path", "existing directory"],
        || p().1.write_data(std::env::temp_dir()),
    ));
    cases.push(case("write_data unwritable", "Io", &["/proc/pynn-no", "No such file"], || {
        p().1.write_data("/proc/pynn-no/x")
    }));
    cases.push(case("record_to_file empty path", "InvalidValue", &["record_to_file", "path", "empty"], || {
        let (s, p) = p();
        s.record_to_file("v", &p, "")
    }));
    cases.push(case("Projection save empty path", "InvalidValue", &["save", "path", "empty"], || {
        let (s, p) = p();
        let src = pop(&s, 1, SpikeSourceArray::default(), "src");
        Projection::new(&src, &p, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None)?.save(&["all"], "")
    }));
    cases.push(case("save_positions directory", "InvalidValue", &["save_positions", "path"], || {
        p().1.save_positions(format!("{}/", std::env::temp_dir().display()))
    }));
}

fn run_cases(cases: &mut Vec<Case>) {
    for (t, text) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf"), (f64::NEG_INFINITY, "-inf")] {
        cases.push(case(
            format!("run({text})"),
            "InvalidValue",
            &["Sim::run", "simtime", text, "finite duration"],
            move || sim().run(t).map(|_| ()),
        ));
        cases.push(case(
            format!("run_until({text})"),
            "InvalidValue",
            &["Sim::run_until", "t", text, "finite time"],
            move || sim().run_until(t).map(|_| ()),
        ));
    }
    cases.push(case("run(-1)", "TimeBackwards", &["backwards", "-1 ms"], || sim().run(-1.0).map(|_| ())));
    cases.push(case(
        "run_until earlier",
        "TimeBackwards",
        &["backwards", "current time is 10 ms", "requested 5 ms"],
        || {
            let s = sim();
            s.run(10.0)?;
            s.run_until(5.0).map(|_| ())
        },
    ));
    for (t, text) in [(1e30, "1e30"), (1e300, "1e300"), (1e16, "1e16")] {
        cases.push(child(case(
            format!("run({text})"),
            "InvalidValue",
            &["Sim::run_until", text, "at most 9007199254740992 time steps"],
            move || sim().run(t).map(|_| ()),
        )));
    }
    cases.push(case("run after end", "State", &["end()"], || {
        let s = sim();
        s.end()?;
        s.run(1.0).map(|_| ())
    }));
    cases.push(case("create after end", "State", &["end()"], || {
        let s = sim();
        s.end()?;
        Population::new(&s, 1, IF_curr_exp::default()).map(|_| ())
    }));
}

fn session_cases(cases: &mut Vec<Case>) {
    fn two() -> (Sim<Native>, Sim<Native>, Population<IF_curr_exp, Native>) {
        let (s1, s2) = (sim(), sim());
        let a = pop(&s1, 2, IF_curr_exp::default(), "a");
        let _b = pop(&s2, 2, IF_curr_exp::default(), "b");
        (s1, s2, a)
    }
    cases.push(case(
        "set on another session's cells",
        "State",
        &["population \"a\"", "another session", "`set`"],
        || {
            let (_s1, s2, a) = two();
            s2.set(&a, "tau_m", 5.0)
        },
    ));
    cases.push(case(
        "initialize on another session's cells",
        "State",
        &["population \"a\"", "another session"],
        || {
            let (_s1, s2, a) = two();
            s2.initialize(&a, "v", -60.0)
        },
    ));
    cases.push(case(
        "record on an empty session",
        "State",
        &["population \"a\"", "another session", "`record`"],
        || {
            let (_s1, _s2, a) = two();
            sim().record("v", &a)
        },
    ));
    cases.push(case("record_v on another session", "State", &["another session"], || {
        let (_s1, s2, a) = two();
        s2.record_v(&a)
    }));
    cases.push(case("connect another session's cells", "State", &["another session", "`connect`"], || {
        let (_s1, s2, a) = two();
        s2.connect(&a, &a, 0.1, None, None, 1.0).map(|_| ())
    }));
    cases.push(case("inject_into another session's cells", "State", &["another session", "inject_into"], || {
        let (_s1, s2, a) = two();
        CurrentSourceHandle::new(&s2, DCSource::default())?.inject_into(&a)
    }));
}

fn source_cases(cases: &mut Vec<Case>) {
    fn inject(src: impl CurrentSource) -> Result<()> {
        let s = sim();
        pop(&s, 2, IF_curr_exp::default(), "p").inject(src).map(|_| ())
    }
    use pynn::core::CurrentSource;
    cases.push(case("DCSource NaN amplitude", "InvalidValue", &["DCSource", "amplitude", "NaN"], || {
        inject(DCSource { amplitude: f64::NAN, ..DCSource::default() })
    }));
    cases.push(case(
        "DCSource stop before start",
        "InvalidValue",
        &["DCSource", "start, stop", "0 <= start <= stop"],
        || inject(DCSource { start: 10.0, stop: 5.0, ..DCSource::default() }),
    ));
    cases.push(case("DCSource negative start", "InvalidValue", &["DCSource", "start, stop"], || {
        inject(DCSource { start: -1.0, ..DCSource::default() })
    }));
    cases.push(case(
        "StepCurrentSource unsorted times",
        "InvalidValue",
        &["StepCurrentSource", "times", "strictly increasing"],
        || inject(StepCurrentSource { times: vec![10.0, 5.0], amplitudes: vec![1.0, 2.0] }),
    ));
    cases.push(case(
        "StepCurrentSource lengths differ",
        "LengthMismatch",
        &["StepCurrentSource", "amplitudes", "length 1, expected 2"],
        || inject(StepCurrentSource { times: vec![1.0, 5.0], amplitudes: vec![1.0] }),
    ));
    cases.push(case(
        "StepCurrentSource NaN amplitude",
        "InvalidValue",
        &["StepCurrentSource", "amplitudes", "NaN"],
        || inject(StepCurrentSource { times: vec![1.0], amplitudes: vec![f64::NAN] }),
    ));
    cases.push(case("ACSource inf frequency", "InvalidValue", &["ACSource", "frequency", "inf"], || {
        inject(ACSource { frequency: f64::INFINITY, ..ACSource::default() })
    }));
    cases.push(case(
        "NoisyCurrentSource dt not a multiple",
        "InvalidValue",
        &["NoisyCurrentSource", "dt", "0.15"],
        || inject(NoisyCurrentSource { dt: 0.15, ..NoisyCurrentSource::default() }),
    ));
    cases.push(case(
        "NoisyCurrentSource negative stdev",
        "InvalidValue",
        &["NoisyCurrentSource", "stdev", "-1"],
        || inject(NoisyCurrentSource { stdev: -1.0, ..NoisyCurrentSource::default() }),
    ));
    cases.push(case("NoisyCurrentSource dt NaN", "InvalidValue", &["NoisyCurrentSource", "dt", "NaN"], || {
        inject(NoisyCurrentSource { dt: f64::NAN, ..NoisyCurrentSource::default() })
    }));
    cases.push(case("NoisyCurrentSource dt inf", "InvalidValue", &["NoisyCurrentSource", "dt", "inf"], || {
        inject(NoisyCurrentSource { dt: f64::INFINITY, ..NoisyCurrentSource::default() })
    }));
    cases.push(case("NoisyCurrentSource mean NaN", "InvalidValue", &["NoisyCurrentSource", "mean", "NaN"], || {
        inject(NoisyCurrentSource { mean: f64::NAN, ..NoisyCurrentSource::default() })
    }));
    cases.push(case("ACSource stop before start", "InvalidValue", &["ACSource", "start", "stop"], || {
        inject(ACSource { start: 50.0, stop: 10.0, ..ACSource::default() })
    }));
    cases.push(case("DCSource stop NaN", "InvalidValue", &["DCSource", "start, stop", "NaN"], || {
        inject(DCSource { stop: f64::NAN, ..DCSource::default() })
    }));
    cases.push(case("StepCurrentSource inf time", "InvalidValue", &["StepCurrentSource", "times", "inf"], || {
        inject(StepCurrentSource { times: vec![1.0, f64::INFINITY], amplitudes: vec![1.0, 2.0] })
    }));
    cases.push(case("current source set times unsorted", "InvalidValue", &["StepCurrentSource", "times"], || {
        let s = sim();
        let h = pop(&s, 1, IF_curr_exp::default(), "p")
            .inject(StepCurrentSource { times: vec![1.0, 2.0], amplitudes: vec![1.0, 2.0] })?;
        h.set("times", vec![3.0, 2.0])
    }));
    cases.push(case("current source set amplitude NaN", "InvalidValue", &["DCSource", "amplitude", "NaN"], || {
        let s = sim();
        pop(&s, 1, IF_curr_exp::default(), "p").inject(DCSource::default())?.set("amplitude", f64::NAN)
    }));
    cases.push(case(
        "current source set_many times/amplitudes lengths",
        "LengthMismatch",
        &["StepCurrentSource", "amplitudes"],
        || {
            let s = sim();
            let h = pop(&s, 1, IF_curr_exp::default(), "p")
                .inject(StepCurrentSource { times: vec![1.0, 2.0], amplitudes: vec![1.0, 2.0] })?;
            h.set_many(&[("times", Value::Array(vec![1.0, 2.0, 3.0]))])
        },
    ));
    cases.push(case(
        "current source set unknown parameter",
        "UnknownName",
        &["DCSource", "amplitud", "did you mean `amplitude`"],
        || {
            let s = sim();
            pop(&s, 2, IF_curr_exp::default(), "p").inject(DCSource::default())?.set("amplitud", 1.0)
        },
    ));
    cases.push(case(
        "inject into a spike source",
        "State",
        &["SpikeSourcePoisson", "cannot receive injected current"],
        || {
            let s = sim();
            pop(&s, 2, SpikeSourcePoisson::default(), "p").inject(DCSource::default()).map(|_| ())
        },
    ));
    cases.push(case(
        "SpikeSourceArray unsorted spike_times",
        "InvalidValue",
        &["SpikeSourceArray", "spike_times", "non-decreasing"],
        || {
            let s = sim();
            pop(&s, 1, SpikeSourceArray::default(), "p").set("spike_times", vec![5.0, 1.0])
        },
    ));
    cases.push(case(
        "SpikeSourceArray negative spike time",
        "InvalidValue",
        &["SpikeSourceArray", "spike_times", "-1"],
        || {
            let s = sim();
            pop(&s, 1, SpikeSourceArray::default(), "p").set("spike_times", vec![-1.0])
        },
    ));
}

fn structure_cases(cases: &mut Vec<Case>) {
    fn with(s: impl Into<Structure>) -> Result<()> {
        let sim = sim();
        Population::with_structure(&sim, 12, IF_curr_exp::default(), s.into(), Some("p")).map(|_| ())
    }
    cases.push(case("Line dx NaN", "InvalidValue", &["Line", "dx", "NaN", "finite"], || {
        with(Line { dx: f64::NAN, ..Line::default() })
    }));
    cases.push(case("Line y inf", "InvalidValue", &["Line", "y", "inf"], || {
        with(Line { y: f64::INFINITY, ..Line::default() })
    }));
    cases.push(case("Line overflowing dx", "InvalidValue", &["Line", "positions", "finite"], || {
        with(Line { dx: 1e308, ..Line::default() })
    }));
    cases.push(case("Grid2D aspect ratio not fitting", "InvalidValue", &["Grid2D", "aspect_ratio"], || {
        with(Grid2D { aspect_ratio: 5.0, ..Grid2D::default() })
    }));
    cases.push(case("Grid2D dx NaN", "InvalidValue", &["Grid2D", "dx", "NaN"], || {
        with(Grid2D { dx: f64::NAN, ..Grid2D::default() })
    }));
    cases.push(case("Grid3D aspect ratios not fitting", "InvalidValue", &["Grid3D", "aspect_ratios"], || {
        with(Grid3D { aspect_ratio_xy: 7.0, ..Grid3D::default() })
    }));
    cases.push(case("RandomStructure negative radius", "InvalidValue", &["RandomStructure", "radius", "-1"], || {
        with(RandomStructure::new(Shape::Sphere { radius: -1.0 }))
    }));
    cases.push(case("RandomStructure NaN width", "InvalidValue", &["RandomStructure", "width"], || {
        with(RandomStructure::new(Shape::Cuboid { width: f64::NAN, height: 1.0, depth: 1.0 }))
    }));
    cases.push(case("Space unknown axes", "UnknownName", &["Space", "axes", "`w`", "xyz"], || {
        Space::new().with_axes("w").map(|_| ())
    }));
    cases.push(case("Space NaN scale factor", "InvalidValue", &["scale_factor", "NaN"], || {
        Space { scale_factor: f64::NAN, ..Space::new() }.validate()
    }));
}
