//! External simulators that stop answering, die, or cannot start: the
//! driver timeout (`PYNN_DRIVER_TIMEOUT`, `pynn_backends::pyproc`), data
//! already read surviving a killed simulator process, and NEURON on 2 MPI
//! ranks without an MPI launcher.
//!
//! Tests that need their own environment (a fake interpreter in
//! `PYNN_PYTHON`, no `mpirun`) run this test binary again as a child
//! process with that environment (`in_child`), so that they cannot disturb
//! the other tests of this binary, which run in parallel threads of one
//! process. The killed-process tests need NEST, NEURON and Brian2
//! (`PYNN_PYTHON`, or `.venv/bin/python` in the workspace root).

use pynn::core::Backend;
use pynn::prelude::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// Set in the environment of the child processes that run the `child_*`
/// tests; without it those tests do nothing (they are also `#[ignore]`d).
const CHILD: &str = "PYNN_ROBUSTNESS_CHILD";

/// Runs the ignored test `name` of this binary in a child process with the
/// extra environment `env` (`None`: removed); returns its success and output.
fn in_child(name: &str, env: &[(&str, Option<&str>)]) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--include-ignored", "--nocapture", "--test-threads=1"]).env(CHILD, "1");
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().expect("run the test binary");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("1 passed"), "the child ran `{name}`: {text}");
    (out.status.success(), text)
}

fn in_child_mode() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// A fake Python interpreter that never answers (a stuck import).
fn sleeping_python() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("pynn-robustness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("python");
    std::fs::write(&path, "#!/bin/sh\nsleep 600\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `setup` of every external backend with an interpreter that never
/// answers returns, within the timeout (2 s here) plus the time to kill
/// it, an error naming the process and the way to raise the limit. Before
/// the deadline, `setup` never returned.
#[test]
fn setup_with_a_stalled_interpreter_returns_a_clear_error() {
    let python = sleeping_python();
    let t = Instant::now();
    let (ok, text) = in_child(
        "child_setup_with_a_stalled_interpreter",
        &[("PYNN_PYTHON", python.to_str()), ("PYNN_DRIVER_TIMEOUT", Some("2"))],
    );
    assert!(ok, "{text}");
    // Three setups of 2 s each, the child's start and the kills: far below
    // the 600 s of the fake interpreter's sleep.
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    let _ = std::fs::remove_dir_all(python.parent().unwrap());
}

#[test]
#[ignore = "run in a child process by setup_with_a_stalled_interpreter_returns_a_clear_error"]
fn child_setup_with_a_stalled_interpreter() {
    if !in_child_mode() {
        return;
    }
    fn check<B: Backend>(what: &str) {
        let t = Instant::now();
        let Err(e) = Sim::<B>::setup(Setup::default()) else { panic!("{}: set up", B::NAME) };
        let text = e.to_string();
        eprintln!("{}: {text}", B::NAME);
        let waited = t.elapsed();
        assert!(waited >= Duration::from_secs(2) && waited < Duration::from_secs(15), "{}: {waited:?}", B::NAME);
        for part in [
            &format!("{} driver process (pid ", B::NAME),
            &format!("did not answer `hello` (starting Python and importing {what})"),
            "for 2 s",
            "PYNN_DRIVER_TIMEOUT=<seconds>",
        ] {
            assert!(text.contains(part), "{}: `{part}` missing in: {text}", B::NAME);
        }
    }
    check::<Nest>("NEST");
    check::<Neuron>("NEURON");
    check::<Brian2>("Brian2");
}

/// NEURON on 2 ranks runs under `mpirun`: without it, `setup` names the
/// launcher and how to get or choose one (it used to blame the Python
/// interpreter and suggest reinstalling the environment).
#[test]
fn neuron_mpi_without_a_launcher_names_the_launcher() {
    let empty = std::env::temp_dir().join(format!("pynn-robustness-empty-path-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (ok, text) =
        in_child("child_neuron_mpi_without_mpirun_on_path", &[("PYNN_MPIRUN", None), ("PATH", empty.to_str())]);
    assert!(ok, "{text}");
    let (ok, text) =
        in_child("child_neuron_mpi_with_a_missing_launcher", &[("PYNN_MPIRUN", Some("/nonexistent/bin/mpirun"))]);
    assert!(ok, "{text}");
    let _ = std::fs::remove_dir_all(&empty);
}

fn neuron_mpi_error() -> String {
    let setup = Setup { min_delay: 0.2, ..Setup::default() };
    let options = pynn::backends::neuron::NeuronOptions { ranks: 2, ..Default::default() };
    let Err(e) = Sim::<Neuron>::setup_with(setup, options) else { panic!("2 NEURON ranks started without a launcher") };
    let text = e.to_string();
    eprintln!("{text}");
    assert!(!text.contains("Python") && !text.contains("pip install"), "not about Python: {text}");
    assert!(text.contains("Open MPI") && text.contains("PYNN_MPIRUN"), "{text}");
    text
}

#[test]
#[ignore = "run in a child process by neuron_mpi_without_a_launcher_names_the_launcher"]
fn child_neuron_mpi_without_mpirun_on_path() {
    if !in_child_mode() {
        return;
    }
    let text = neuron_mpi_error();
    assert!(text.contains("launcher `mpirun`") && text.contains("not found on PATH"), "{text}");
}

#[test]
#[ignore = "run in a child process by neuron_mpi_without_a_launcher_names_the_launcher"]
fn child_neuron_mpi_with_a_missing_launcher() {
    if !in_child_mode() {
        return;
    }
    let text = neuron_mpi_error();
    assert!(text.contains("launcher `/nonexistent/bin/mpirun`") && text.contains("not found"), "{text}");
}

/// The pid of this process's driver of backend `tag` (its child whose
/// command line holds the driver's work directory `pynn-TAG-PID-N`). Only
/// one test of this binary starts each backend in this process.
fn driver_pid(tag: &str) -> u32 {
    let me = std::process::id();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let ppid = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).and_then(|p| p.parse().ok());
        let cmdline = std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default();
        if ppid == Some(me) && cmdline.contains(&format!("pynn-{tag}-{me}-")) {
            found.push(pid);
        }
    }
    assert_eq!(found.len(), 1, "one {tag} driver: {found:?}");
    found[0]
}

/// The simulator process is killed after a finished segment and a partly
/// read one: the next run fails with an error saying so, and `get_data`
/// still returns everything read before (before: every `get_data` failed).
fn killed_process_keeps_the_data_already_read<B>(tag: &str)
where
    B: Backend + pynn::core::backend::Supports<IF_curr_exp>,
{
    let sim = Sim::<B>::setup(Setup::default()).unwrap_or_else(|e| panic!("{e}"));
    let cell = IF_curr_exp { i_offset: 2.0, ..Default::default() };
    let pop = Population::<IF_curr_exp, B>::new(&sim, 3, cell).unwrap();
    pop.record(["spikes", "v"], None).unwrap();
    sim.run(50.0).unwrap();
    sim.reset().unwrap();
    sim.run(20.0).unwrap();
    let before = pop.get_data().unwrap();
    assert_eq!(before.segments.len(), 2);
    assert!(before.segments[0].spiketrain(0).unwrap().times.len() >= 3, "the cells fire");
    assert!(!before.segments[1].spiketrain(0).unwrap().times.is_empty(), "the cells fire");
    let pid = driver_pid(tag);
    let killed = Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    let e = sim.run(10.0).unwrap_err().to_string();
    assert!(e.contains(&format!("{} driver process (pid {pid}", B::NAME)) && e.contains("stopped"), "{e}");
    assert!(e.contains("Data already read from it stay readable"), "{e}");
    assert_eq!(sim.get_current_time(), 20.0, "the failed run did not advance the time");
    let after = pop.get_data().unwrap_or_else(|e| panic!("{}: data after the kill: {e}", B::NAME));
    assert_eq!(after.segments.len(), 2);
    for (k, (a, b)) in before.segments.iter().zip(&after.segments).enumerate() {
        for i in 0..3 {
            assert_eq!(a.spiketrain(i).unwrap().times, b.spiketrain(i).unwrap().times, "segment {k}, cell {i}");
            assert_eq!(a.signal("v").unwrap().column(i), b.signal("v").unwrap().column(i), "segment {k}, cell {i}");
        }
    }
    assert_eq!(after.segments[1].signal("v").unwrap().column(0).len(), 201, "0..=20 ms of the second segment");
    // Later requests fail at once with the same reason; end() works.
    let e = sim.run(10.0).unwrap_err().to_string();
    assert!(e.contains("has stopped"), "{e}");
    sim.end().unwrap();
}

#[test]
fn a_killed_nest_process_keeps_the_data_already_read() {
    killed_process_keeps_the_data_already_read::<Nest>("nest");
}

#[test]
fn a_killed_neuron_process_keeps_the_data_already_read() {
    killed_process_keeps_the_data_already_read::<Neuron>("neuron");
}

#[test]
fn a_killed_brian2_process_keeps_the_data_already_read() {
    killed_process_keeps_the_data_already_read::<Brian2>("brian2");
}
