//! Construction benchmark of issue 17: the time and peak resident memory of
//! building networks on the native engine, through the streamed path
//! (`Connector::by_post`, `Backend::connect_streamed`: no whole list) and
//! through the whole list, which the same projection takes when its weight
//! is a function (here a constant one: same connections, weights, delays).
//!
//! Cases (each built in a child process of its own, so that its peak
//! memory is its own; paths alternate, `--repeat` times):
//! - `brunel`: Brunel (2000) at NE = 2000, NI = 500, every cell receiving
//!   CE = 200 excitatory and CI = 50 inhibitory connections
//!   (`FixedNumberPreConnector`, with replacement, no autapses), J = 0.1,
//!   g = 5, delay 1.5 ms: 625 000 synapses, 2 projections.
//! - `va`: the Vogels–Abbott network (`examples/va_cuba.rs`): 3200 + 800
//!   cells, four `FixedProbabilityConnector(0.02)` projections: ~320 000.
//! - `va5`: the same with 5 times the cells (16 000 + 4000) and the same
//!   probability: ~8 000 000 synapses.
//! - `all`: `AllToAllConnector` from 1000 onto 4000 cells: 4 000 000.
//!
//! ```text
//! cargo bench --bench construction [-- CASE ...] [--repeat N] [--threads T]
//! ```
//!
//! Prints one line per build: case, path, build seconds, synapses, peak
//! resident memory of the process (`pynn::memory::peak_memory`). Without
//! `--bench` on the command line (`cargo test --benches`) it builds a
//! small `va` (400 cells) both ways in-process as a smoke test and checks
//! that both paths give the same connections.

use pynn::prelude::*;
use pynn::{Sim, Value};
use std::process::Command;
use std::time::Instant;

/// Which way the projections are built.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    /// Scalar weight: the streamed path.
    Streamed,
    /// The same weight as a constant function: the whole list.
    List,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Streamed => "streamed",
            Path::List => "list",
        }
    }

    fn weight(self, w: f64) -> Value {
        match self {
            Path::Streamed => Value::Scalar(w),
            Path::List => Value::function(move |_| w),
        }
    }
}

fn sim(threads: usize, max_delay: f64) -> Result<Sim<Native>> {
    Sim::<Native>::setup(Setup { timestep: 0.1, min_delay: 0.1, max_delay, seed: 12345, threads, ..Setup::default() })
}

/// Builds case `case` and returns the simulator and its projections;
/// `scale` (10 in the benchmark) multiplies a tenth of the cell counts of
/// `va`, `va5` and `all`.
fn build(case: &str, path: Path, threads: usize, scale: usize) -> Result<(Sim<Native>, Vec<Projection<Native>>)> {
    let mut projections = Vec::new();
    let sim = match case {
        "brunel" => {
            let sim = sim(threads, 5.0)?;
            let (ne, ni, ce, ci) = (2000, 500, 200, 50);
            let exc = Population::new(&sim, ne, IF_curr_delta::default())?;
            let inh = Population::new(&sim, ni, IF_curr_delta::default())?;
            let all = Assembly::new(&[&exc, &inh])?;
            for (pre, n, w, receptor) in [(&exc, ce, 0.1, "excitatory"), (&inh, ci, -0.5, "inhibitory")] {
                let c = FixedNumberPreConnector { n: n.into(), allow_self_connections: false, with_replacement: true };
                let syn = StaticSynapse::new(path.weight(w), 1.5);
                projections.push(Projection::new(pre, &all, &c, syn, Some(receptor))?);
            }
            sim
        }
        "va" | "va5" => {
            let sim = sim(threads, 1.0)?;
            let scale = if case == "va5" { 5 * scale } else { scale };
            let exc = Population::new(&sim, 3200 * scale / 10, IF_curr_exp::default())?;
            let inh = Population::new(&sim, 800 * scale / 10, IF_curr_exp::default())?;
            let c = FixedProbabilityConnector::new(0.02);
            for (pre, w, receptor) in [(&exc, 0.0162, "excitatory"), (&inh, -0.09, "inhibitory")] {
                for post in [&exc, &inh] {
                    let syn = StaticSynapse::new(path.weight(w), 0.2);
                    projections.push(Projection::new(pre, post, &c, syn, Some(receptor))?);
                }
            }
            sim
        }
        "all" => {
            let sim = sim(threads, 1.0)?;
            let a = Population::new(&sim, 100 * scale, IF_curr_exp::default())?;
            let b = Population::new(&sim, 400 * scale, IF_curr_exp::default())?;
            let syn = StaticSynapse::new(path.weight(0.01), 0.5);
            projections.push(Projection::new(&a, &b, &AllToAllConnector::new(), syn, Some("excitatory"))?);
            sim
        }
        other => {
            return Err(Error::invalid_value("construction bench", "case", other, "one of brunel, va, va5, all"));
        }
    };
    Ok((sim, projections))
}

/// The child: builds one case one way and prints `seconds synapses bytes`.
fn child(case: &str, path: Path, threads: usize) -> Result<()> {
    let t0 = Instant::now();
    let (sim, projections) = build(case, path, threads, 10)?;
    let seconds = t0.elapsed().as_secs_f64();
    let n: usize = projections.iter().map(|p| p.size()).sum();
    let peak = pynn::memory::peak_memory().map(|p| p.own).unwrap_or(0);
    println!("{seconds} {n} {peak}");
    drop(projections);
    sim.end()
}

fn main() -> std::process::ExitCode {
    match try_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn try_main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|k| args.get(k + 1)).cloned();
    let threads: usize = value("--threads").map_or(Ok(2), |s| s.parse()).unwrap_or(2);
    if let Some(case) = value("--child") {
        let path = if value("--path").as_deref() == Some("list") { Path::List } else { Path::Streamed };
        return Ok(child(&case, path, threads)?);
    }
    if !args.iter().any(|a| a == "--bench") {
        return Ok(smoke()?);
    }
    let repeat: usize = value("--repeat").map_or(Ok(2), |s| s.parse()).unwrap_or(2);
    let skip: Vec<&String> = ["--threads", "--repeat"]
        .iter()
        .filter_map(|f| args.iter().position(|a| a == f))
        .map(|k| &args[k + 1])
        .collect();
    let mut cases: Vec<&str> =
        args.iter().filter(|a| !a.starts_with("--") && !skip.contains(a)).map(String::as_str).collect();
    if cases.is_empty() {
        cases = vec!["brunel", "va", "va5", "all"];
    }
    let exe = std::env::current_exe()?;
    println!(
        "{:<8} {:<9} {:>9} {:>11} {:>10}   ({threads} threads)",
        "case", "path", "build s", "synapses", "peak RSS"
    );
    for case in cases {
        for _ in 0..repeat {
            for path in [Path::List, Path::Streamed] {
                let out = Command::new(&exe)
                    .args(["--child", case, "--path", path.name(), "--threads", &threads.to_string()])
                    .output()?;
                let text = String::from_utf8_lossy(&out.stdout);
                let f: Vec<f64> = text.split_whitespace().filter_map(|s| s.parse().ok()).collect();
                if !out.status.success() || f.len() != 3 {
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    return Err(format!("construction bench: {case} ({}) failed: {stderr}", path.name()).into());
                }
                println!(
                    "{case:<8} {:<9} {:>9.3} {:>11} {:>10}",
                    path.name(),
                    f[0],
                    f[1] as u64,
                    pynn::memory::format_bytes(f[2] as u64)
                );
            }
        }
    }
    Ok(())
}

/// `cargo test --benches`: a tenth of VA (400 cells) and of the
/// all-to-all (100 onto 400), both ways, with the same connections.
fn smoke() -> Result<()> {
    for case in ["va", "all"] {
        let lists = [Path::Streamed, Path::List].map(|path| {
            let (sim, projections) = build(case, path, 2, 1).expect("builds");
            let lists: Vec<_> = projections.iter().map(|p| p.get_list("weight").expect("list")).collect();
            sim.end().expect("ends");
            lists
        });
        assert_eq!(lists[0], lists[1], "{case}: the streamed path gives the list path's connections");
        println!(
            "construction smoke test: {case}: {} synapses both ways",
            lists[0].iter().map(Vec::len).sum::<usize>()
        );
    }
    Ok(())
}
