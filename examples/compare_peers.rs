//! Runs one benchmark network on the native engine (1 and 2 threads), on
//! NEST 3.10 through PyNEST (1 and 2 threads) and on Brian2 2.9
//! cpp_standalone, one after the other on the same machine, and prints the
//! build and simulation times, the mean rates and the ratios.
//!
//! ```text
//! cargo build --release --examples
//! cargo run --release --example compare_peers -- --model cuba
//! cargo run --release --example compare_peers -- --model coba                       # native default (guarded RK4)
//! cargo run --release --example compare_peers -- --model coba --ode-solver rkf45    # NEST's stepper
//! cargo run --release --example compare_peers -- --model brunel --ne 2000
//! cargo run --release --example compare_peers -- --model brunel --ne 10000
//! ```
//!
//! The native runs are the examples `va_cuba`, `va_coba` and `brunel`
//! (started as processes from the directory of this executable, so build
//! them first); the peers are `examples/nest/peers_nest.py` and
//! `examples/brian2/peers_brian2.py` (same model definitions, written out
//! in their headers), run with `$PYNN_PYTHON` (default
//! `.venv/bin/python`). A simulator that is not installed is reported and
//! skipped. Times are wall-clock seconds of single runs: on a machine shared
//! with other work, repeat and compare medians. Brian2's C++ compilation is
//! excluded (it is cached between runs); its first run per model compiles.

use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Parser, Debug)]
#[command(about = "Time one network on native, NEST and Brian2, side by side")]
struct Args {
    /// Network: cuba, coba or brunel.
    #[arg(long, default_value = "cuba")]
    model: String,
    /// Brunel: number of excitatory cells (10000 full size, 2000 for the 5x smaller one).
    #[arg(long, default_value_t = 10_000)]
    ne: usize,
    /// Thread counts for the native engine and NEST.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    threads: Vec<usize>,
    /// Skip NEST.
    #[arg(long)]
    no_nest: bool,
    /// Skip Brian2.
    #[arg(long)]
    no_brian2: bool,
    /// Simulated time (ms).
    #[arg(long, default_value_t = 1000.0)]
    tstop: f64,
    /// COBA on the native engine: `auto` (the engine's default: RK4
    /// guarded by an error bound, RKF45 where it fails), `rk4` (unguarded)
    /// or `rkf45` (NEST's adaptive stepper, trajectories equal to NEST's).
    #[arg(long, default_value = "auto")]
    ode_solver: String,
}

/// One measured run.
#[derive(Debug, Clone)]
struct Run {
    who: String,
    threads: usize,
    build: f64,
    sim: f64,
    rate_e: f64,
    rate_i: f64,
}

/// The number after `key` on the line of `text` that contains it.
fn number_after(text: &str, key: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.contains(key))?;
    let rest = &line[line.find(key)? + key.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn native(args: &Args, dir: &Path, threads: usize) -> Result<Run, String> {
    let (example, mut extra) = match args.model.as_str() {
        "cuba" => ("va_cuba", vec![]),
        "coba" => ("va_coba", vec!["--ode-solver".to_string(), args.ode_solver.clone()]),
        "brunel" => ("brunel", vec!["--ne".to_string(), args.ne.to_string()]),
        m => return Err(format!("unknown model `{m}` (allowed: cuba, coba, brunel)")),
    };
    let exe = dir.join(example);
    if !exe.exists() {
        return Err(format!("{} not found: build it with `cargo build --release --examples`", exe.display()));
    }
    let out_dir = std::env::temp_dir().join("pynn_rs_compare");
    extra.extend(["--threads".into(), threads.to_string(), "--tstop".into(), args.tstop.to_string()]);
    extra.extend(["--out".into(), out_dir.display().to_string()]);
    let out = Command::new(&exe).args(&extra).output().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(format!("{example} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let rates: Vec<f64> =
        text.lines().filter(|l| l.contains("mean rate")).filter_map(|l| number_after(l, "mean rate")).collect();
    Ok(Run {
        who: "native".into(),
        threads,
        build: number_after(&text, "build time").ok_or("no build time")?,
        sim: number_after(&text, "run time").ok_or("no run time")?,
        rate_e: rates.first().copied().unwrap_or(f64::NAN),
        rate_i: rates.get(1).copied().unwrap_or(f64::NAN),
    })
}

fn python(args: &Args, script: &str, threads: usize, who: &str) -> Result<Run, String> {
    let py = std::env::var("PYNN_PYTHON").unwrap_or_else(|_| ".venv/bin/python".into());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(&py);
    cmd.arg(root.join(script)).args(["--model", &args.model, "--ne", &args.ne.to_string()]);
    cmd.args(["--tstop", &args.tstop.to_string()]);
    if who == "nest" {
        cmd.args(["--threads", &threads.to_string()]);
    }
    let out = cmd.output().map_err(|e| format!("cannot run {py}: {e} (set PYNN_PYTHON)"))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let Some(line) = text.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(format!("{script} gave no result: {}", tail.join(" | ")));
    };
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("bad result line: {e}"))?;
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    Ok(Run { who: who.into(), threads, build: f("build"), sim: f("sim"), rate_e: f("rate_e"), rate_i: f("rate_i") })
}

fn main() {
    let args = Args::parse();
    let dir = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_default();
    let mut runs: Vec<Run> = Vec::new();
    let mut report = |r: Result<Run, String>, what: &str| match r {
        Ok(r) => {
            println!(
                "  {:<7} t{}  build {:>7.3} s  sim {:>7.3} s  rates {:.2} / {:.2} Hz",
                r.who, r.threads, r.build, r.sim, r.rate_e, r.rate_i
            );
            runs.push(r);
        }
        Err(e) => println!("  {what}: skipped ({e})"),
    };
    let name = if args.model == "brunel" { format!("brunel NE = {}", args.ne) } else { args.model.clone() };
    println!("{name}, {} ms simulated:", args.tstop);
    for &t in &args.threads {
        report(native(&args, &dir, t), "native");
    }
    if !args.no_nest {
        for &t in &args.threads {
            report(python(&args, "examples/nest/peers_nest.py", t, "nest"), "nest");
        }
    }
    if !args.no_brian2 {
        report(python(&args, "examples/brian2/peers_brian2.py", 1, "brian2"), "brian2");
    }
    let Some(base) = runs.iter().find(|r| r.who == "native" && r.threads == 1).cloned() else { return };
    println!("ratios (peer time / native 1-thread time; > 1: native is faster):");
    for r in &runs {
        println!(
            "  {:<7} t{}  sim {:>6.2}x   build {:>6.2}x",
            r.who,
            r.threads,
            r.sim / base.sim,
            r.build / base.build
        );
    }
}
