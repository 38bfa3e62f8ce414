//! Requests too large for memory are refused with `Error::Memory` before
//! anything is allocated, never with a process abort (no user input reaches
//! an abort; issue 13, item 5).
//!
//! A wrong implementation would abort the whole test binary ("memory
//! allocation of ... failed", "capacity overflow"), so each case runs in a
//! child process: the parent re-executes this binary with `PYNN_MEMORY_CASE`
//! naming the case and the filter of the dispatcher test [`child`], waits
//! with a deadline, and asserts the exit status and the message the child
//! printed. Sizes that depend on the machine are scaled from the memory
//! available (`pynn::memory::available()`) so that every refused request is
//! at least twice too large wherever the tests run, and the requests that
//! must pass are far below it.

use pynn::memory;
use pynn::prelude::*;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CASE: &str = "PYNN_MEMORY_CASE";
/// A case that aborted, hung or allocated for real would exceed this (the
/// debug build creates 10^5-cell populations in well under a second).
const DEADLINE: Duration = Duration::from_secs(120);

fn available() -> u64 {
    memory::available().expect("these tests read MemAvailable (Linux)")
}

fn sim() -> Sim<Native> {
    Sim::<Native>::setup(Setup::default()).unwrap()
}

/// What the native engine charges per connection of a streamed projection
/// (a static synapse with one weight and one delay, built range by range:
/// `Backend::streamed_connection_bytes`), the smallest estimate the core
/// checks; sizing the populations by it makes them too large for this
/// machine's memory on either construction path.
const STREAMED_BYTES: u64 = 4;

/// The smallest `n >= floor` with `n * n * bytes_per_pair > 2 x available`.
fn square_side(bytes_per_pair: u64, floor: u64) -> u64 {
    (((2 * available() / bytes_per_pair) as f64).sqrt() as u64 + 1).max(floor)
}

/// Runs case `name` in this process; `Ok` describes what succeeded.
fn run_case(name: &str) -> Result<String> {
    match name {
        // Issue: aborted with "memory allocation of ... failed".
        "population_1e12" => Population::with_label(&sim(), 1_000_000_000_000, IF_curr_exp::default(), Some("exc"))
            .map(|p| format!("{} cells", p.size())),
        // Issue: panicked with "capacity overflow".
        "population_usize_max" => Population::new(&sim(), usize::MAX, IF_curr_exp::default()).map(|_| "created".into()),
        // Issue: FixedNumberPreConnector with replacement and n = 10^11.
        "fixed_number_pre_1e11" => {
            let sim = sim();
            let a = Population::with_label(&sim, 10, IF_curr_exp::default(), Some("a"))?;
            let c = FixedNumberPreConnector {
                n: 100_000_000_000usize.into(),
                allow_self_connections: true,
                with_replacement: true,
            };
            Projection::new(&a, &a, &c, StaticSynapse::new(0.1, 1.0), None).map(|p| format!("{}", p.size()))
        }
        // Sibling: the same through FixedNumberPostConnector.
        "fixed_number_post_1e11" => {
            let sim = sim();
            let a = Population::with_label(&sim, 10, IF_curr_exp::default(), Some("a"))?;
            let c = FixedNumberPostConnector {
                n: 100_000_000_000usize.into(),
                allow_self_connections: true,
                with_replacement: true,
            };
            Projection::new(&a, &a, &c, StaticSynapse::new(0.1, 1.0), None).map(|p| format!("{}", p.size()))
        }
        // Issue: FixedTotalNumberConnector::new(10^12).
        "fixed_total_1e12" => {
            let sim = sim();
            let a = Population::with_label(&sim, 10, IF_curr_exp::default(), Some("a"))?;
            let c = FixedTotalNumberConnector::new(1_000_000_000_000);
            Projection::new(&a, &a, &c, StaticSynapse::new(0.1, 1.0), None).map(|p| format!("{}", p.size()))
        }
        // Issue: all-to-all on 10^5 x 10^5 cells; here 2 x 10^5 (more where
        // memory is larger, so that even streamed it cannot fit; the floor keeps
        // the size equal in this process and the child that runs the case).
        "all_to_all" | "fixed_probability" => {
            let n = square_side(STREAMED_BYTES, 200_000) as usize;
            let sim = sim();
            let a = Population::with_label(&sim, n, SpikeSourcePoisson::default(), Some("src"))?;
            let b = Population::with_label(&sim, n, IF_curr_exp::default(), Some("dst"))?;
            let p = if name == "all_to_all" {
                Projection::new(&a, &b, &AllToAllConnector::new(), StaticSynapse::new(0.1, 1.0), None)?
            } else {
                Projection::new(&a, &b, &FixedProbabilityConnector::new(0.9), StaticSynapse::new(0.1, 1.0), None)?
            };
            Ok(format!("{} connections", p.size()))
        }
        // Issue: get_array("weight") of a 40 000 x 40 000 projection (more
        // cells where memory is larger), here with only 10 connections.
        "get_array" => {
            let n = square_side(8, 40_000) as usize;
            let sim = sim();
            let a = Population::with_label(&sim, n, SpikeSourcePoisson::default(), Some("src"))?;
            let b = Population::with_label(&sim, n, IF_curr_exp::default(), Some("dst"))?;
            let p = Projection::with_label(
                &a,
                &b,
                &FixedTotalNumberConnector::new(10),
                StaticSynapse::new(0.1, 1.0),
                None,
                Some("sparse"),
            )?;
            assert_eq!(p.get_values("weight")?, vec![0.1; 10], "the list form is cheap and works");
            p.get_array("weight").map(|a| format!("{} rows", a.len()))
        }
        // Issue: recording v of 10^5 cells for 10 s (longer where memory is
        // larger). What was recorded before the refused run is kept.
        "record_v" => {
            let cells = 100_000u64;
            let ms = (10_000u64).max(2 * available() / (cells * 8 * 2) / 10 + 1);
            let sim = sim();
            let p = Population::with_label(&sim, cells as usize, IF_curr_exp::default(), Some("exc"))?;
            p.record("v", None)?;
            sim.run(1.0)?;
            let refused = sim.run(ms as f64);
            let t = sim.get_current_time();
            let block = p.get_data()?;
            let v = block.segments[0].signal("v").expect("v recorded");
            // 1 ms at dt 0.1: samples at 0, 0.1, ..., 1.0 of every cell.
            println!("\nKEPT: t = {t} ms, {} samples of {} cells", v.n_samples(), v.channel_index.len());
            refused.map(|_| "ran".into())
        }
        // Sibling: the native engine's ring buffers (max_delay + min_delay
        // + 1 slots per cell and receptor) of a long max_delay.
        "native_ring_buffers" => {
            let sim = Sim::<Native>::setup(Setup { max_delay: 6000.0, ..Setup::default() })?;
            let per_cell = 60_002 * 2 * 8;
            let n = (2 * available() / per_cell + 1).max(100_000) as usize;
            Population::with_label(&sim, n, IF_curr_exp::default(), Some("exc")).map(|p| format!("{}", p.size()))
        }
        // Sibling: a recorded current source over a very long run.
        "recorded_current" => {
            let sim = sim();
            let p = Population::with_label(&sim, 1, IF_curr_exp::default(), Some("one"))?;
            let dc = p.inject(DCSource { amplitude: 0.1, start: 0.0, stop: 1e18 })?;
            dc.record()?;
            let steps = (2 * available() / 8 + 1).max(1 << 31);
            sim.run(steps as f64 * 0.1).map(|t| format!("t = {t}"))
        }
        // Sibling: weights of a plastic projection sampled every step of a
        // long run.
        "recorded_weights" => {
            let sim = sim();
            let a = Population::with_label(&sim, 1000, IF_curr_exp::default(), Some("a"))?;
            let stdp = STDPMechanism::new(
                SpikePairRule::new(20.0, 20.0, 0.01, 0.005),
                AdditiveWeightDependence::new(0.0, 1.0),
            )
            .with(0.2, 1.0);
            let p =
                Projection::with_label(&a, &a, &FixedTotalNumberConnector::new(1_000_000), stdp, None, Some("stdp"))?;
            p.record_weights(0.1)?;
            let ms = (1000u64).max(2 * available() / (1_000_000 * 8) / 10 + 1);
            sim.run(ms as f64).map(|t| format!("t = {t}"))
        }
        // No false positive: a Brunel-sized network (12 500 cells, 1250
        // inputs per cell: 15.6 million synapses, as NEST's brunel_alpha at
        // order 2500) is accepted by every estimate that building it makes.
        "brunel_estimates" => {
            let info = pynn::core::cells::CellTypeInfo::of::<IF_curr_alpha>();
            let object = "population \"brunel\" (IF_curr_alpha)";
            memory::ensure(&object, || "12500 cells".into(), memory::population_bytes(&info, 12_500))?;
            let bytes = memory::bytes(&[12_500 * 1_250, memory::connection_bytes(0)]);
            memory::ensure(&"projection \"brunel\"", || "15625000 connections".into(), bytes)?;
            Ok(format!("estimated {} for the synapses", memory::format_bytes(bytes.unwrap())))
        }
        // The estimates against what the process really uses: the peak
        // resident memory (VmHWM, reset through /proc/self/clear_refs)
        // above the resident memory before each step.
        "measure" => {
            let sim = sim();
            let n_cells = 200_000usize;
            let info = pynn::core::cells::CellTypeInfo::of::<IF_curr_exp>();
            let ring = (sim.config().max_delay_steps() + sim.config().min_delay_steps() + 1) * 2 * 8;
            let per_cell_native = ring + ((info.parameters.len() + info.state.len()) as u64) * 16 + 13;
            let est_pop = memory::population_bytes(&info, n_cells).unwrap() + per_cell_native * n_cells as u64;
            let real_pop = peak_above(|| {
                Population::new(&sim, n_cells, IF_curr_exp::default()).unwrap();
            });
            let a = Population::new(&sim, 2000, IF_curr_exp::default())?;
            let b = Population::new(&sim, 2000, IF_curr_exp::default())?;
            let w = RandomDistribution::uniform(0.0, 0.1);
            let est_proj = 4_000_000 * memory::connection_bytes(0);
            let real_proj = peak_above(|| {
                Projection::new(&a, &b, &AllToAllConnector::new(), StaticSynapse::new(w.clone(), 1.0), None).unwrap();
            });
            // Unsorted connector output (rows by post cell) with random
            // weights and delays: the sort scatters every column.
            let est_sorted = 2_000_000 * memory::connection_bytes(0);
            let real_sorted = peak_above(|| {
                let syn = StaticSynapse::new(w.clone(), RandomDistribution::uniform(1.0, 5.0));
                Projection::new(&b, &a, &FixedNumberPreConnector::new(1000), syn, None).unwrap();
            });
            a.record("v", None)?;
            let est_rec = 10_001 * 2000 * 8 * 2;
            // One step first: the native engine fits its ring buffers to
            // the longest delay in use at the start of a run and frees the
            // rest (here about 160 MB of the 202 000 cells' rings), which
            // would hide the recording's growth from the peak below.
            sim.run(0.1)?;
            let real_rec = peak_above(|| {
                sim.run(999.9).unwrap();
                let block = a.get_data().unwrap();
                assert_eq!(block.segments[0].signal("v").unwrap().n_samples(), 10_001);
            });
            for (what, est, real) in [
                ("population", est_pop, real_pop),
                ("all-to-all projection", est_proj, real_proj),
                ("fixed-number projection", est_sorted, real_sorted),
                ("recording", est_rec, real_rec),
            ] {
                let ratio = real as f64 / est as f64;
                println!("\nMEASURED {what}: estimate {est} real {real} ratio {ratio:.2}");
                // Within 1.5x either way: an estimate far above reality
                // would refuse feasible requests, one far below would let
                // infeasible ones reach an abort; the slack covers allocator
                // rounding and transient buffers (measured 0.7 to 1.0).
                assert!((1.0 / 1.5..=1.5).contains(&ratio), "{what}: estimate {est} bytes, peak {real} bytes");
            }
            Ok("measured".into())
        }
        other => panic!("unknown case {other}"),
    }
}

/// Resident bytes (`VmRSS` or `VmHWM` of /proc/self/status).
fn status_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let l = s.lines().find(|l| l.starts_with(key)).unwrap();
    l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// The peak resident memory while `f` runs, above the resident memory
/// before it.
fn peak_above(f: impl FnOnce()) -> u64 {
    // "5" resets the peak resident set size to the current one (Linux >= 4.0).
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_kb("VmRSS:");
    f();
    status_kb("VmHWM:").saturating_sub(before)
}

/// Dispatcher: runs the case named by `PYNN_MEMORY_CASE` (does nothing in
/// the normal test run) and prints its outcome for the parent.
#[test]
fn child() {
    let Ok(case) = std::env::var(CASE) else { return };
    match run_case(&case) {
        Ok(s) => println!("\nACCEPTED: {s}"),
        Err(e) => println!("\nREFUSED: {e:?}\nMESSAGE: {e}"),
    }
}

/// Runs `case` in a child process; returns its stdout. Panics if it does
/// not exit successfully within [`DEADLINE`].
fn in_child(case: &str) -> String {
    let start = Instant::now();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE, case)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("case {case}: no answer within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "case {case} exited with {status}:\n{out}\n{err}");
    eprintln!("case {case} ({:.1} s): {}", start.elapsed().as_secs_f64(), line(&out, "MESSAGE: ").unwrap_or(&out));
    out
}

fn line<'a>(out: &'a str, prefix: &str) -> Option<&'a str> {
    out.lines().find_map(|l| l.strip_prefix(prefix))
}

/// Runs `case` and asserts it was refused with `Error::Memory` whose message
/// contains every one of `parts`, an estimate and the available memory.
#[track_caller]
fn refused(case: &str, parts: &[&str]) -> String {
    let out = in_child(case);
    let debug = line(&out, "REFUSED: ").unwrap_or_else(|| panic!("case {case} was not refused:\n{out}"));
    assert!(debug.starts_with("Memory {"), "case {case}: not Error::Memory: {debug}");
    let msg = line(&out, "MESSAGE: ").unwrap();
    for p in parts.iter().chain(&[" need ", " available"]) {
        assert!(msg.contains(p), "case {case}: message {msg:?} does not mention {p:?}");
    }
    out
}

#[test]
fn population_of_1e12_cells_is_refused() {
    refused("population_1e12", &["population \"exc\" (IF_curr_exp)", "1000000000000 cells", "TiB"]);
}

#[test]
fn population_of_usize_max_cells_is_refused() {
    refused("population_usize_max", &["(IF_curr_exp)", &format!("{} cells", usize::MAX), "more than 16 EiB"]);
}

#[test]
fn fixed_number_connectors_with_huge_n_are_refused_before_drawing() {
    // 10^11 per cell x 10 cells: 10^12 connections.
    refused("fixed_number_pre_1e11", &["projection \"a→a\"", "1000000000000 connections (FixedNumberPreConnector)"]);
    refused("fixed_number_post_1e11", &["1000000000000 connections (FixedNumberPostConnector)"]);
}

#[test]
fn fixed_total_number_of_1e12_is_refused() {
    refused("fixed_total_1e12", &["projection \"a→a\"", "1000000000000 connections (FixedTotalNumberConnector)"]);
}

#[test]
fn all_to_all_and_dense_probability_on_huge_populations_are_refused() {
    let n = square_side(STREAMED_BYTES, 200_000);
    refused("all_to_all", &["projection \"src→dst\"", &format!("{} connections (AllToAllConnector)", n * n)]);
    // The expected count p n^2 (rounded down).
    let expected = (0.9 * n as f64 * n as f64) as u64;
    refused("fixed_probability", &[&format!("{expected} connections (FixedProbabilityConnector)")]);
}

#[test]
fn dense_get_array_of_a_huge_sparse_projection_is_refused() {
    let n = square_side(8, 40_000);
    refused("get_array", &["projection \"sparse\"", &format!("a dense {n} x {n} array of `weight`")]);
}

#[test]
fn recording_run_too_large_is_refused_before_running_and_keeps_the_data() {
    let out = refused("record_v", &["population \"exc\" (IF_curr_exp)", "samples of `v` of 100000 cells"]);
    // The run was refused at t = 1 ms, before advancing, and the 11
    // samples of the first millisecond are still there for every cell.
    assert_eq!(line(&out, "KEPT: "), Some("t = 1 ms, 11 samples of 100000 cells"), "{out}");
}

#[test]
fn native_ring_buffers_of_a_long_max_delay_are_refused() {
    refused(
        "native_ring_buffers",
        &["population \"exc\" (IF_curr_exp) on the native engine", "60002 ring-buffer slots"],
    );
}

#[test]
fn recorded_current_of_a_very_long_run_is_refused() {
    refused("recorded_current", &["current source 0", "samples of its current"]);
}

/// The estimates of population, projection and recording memory are
/// within 1.5x of the measured peak (asserted in the child).
#[test]
fn estimates_are_close_to_measured_peaks() {
    let out = in_child("measure");
    assert!(out.contains("ACCEPTED: measured"), "{out}");
    for l in out.lines().filter(|l| l.starts_with("MEASURED")) {
        eprintln!("{l}");
    }
}

#[test]
fn recorded_weights_of_a_long_run_are_refused() {
    refused("recorded_weights", &["projection \"stdp\"", "samples of the weights of 1000000 connections"]);
}

#[test]
fn brunel_sized_network_is_not_refused() {
    let out = in_child("brunel_estimates");
    let ok = line(&out, "ACCEPTED: ").unwrap_or_else(|| panic!("refused:\n{out}"));
    // 15.6 M synapses x 64 bytes.
    assert_eq!(ok, "estimated 954 MiB for the synapses");
}

/// A real network under the estimates is built, run and recorded as
/// before: construction, a run with v recorded and get_data all pass.
#[test]
fn ordinary_network_is_not_refused() {
    let sim = sim();
    let exc =
        Population::with_label(&sim, 800, IF_curr_exp { i_offset: 1.0, ..Default::default() }, Some("exc")).unwrap();
    let inh = Population::with_label(&sim, 200, IF_curr_exp::default(), Some("inh")).unwrap();
    let p =
        Projection::new(&exc, &inh, &FixedProbabilityConnector::new(0.1), StaticSynapse::new(0.1, 1.0), None).unwrap();
    assert!((14_000..18_000).contains(&p.size()), "about 0.1 x 800 x 200 = 16000 connections: {}", p.size());
    exc.record(["v", "spikes"], None).unwrap();
    sim.run(100.0).unwrap();
    let block = exc.get_data().unwrap();
    let v = block.segments[0].signal("v").unwrap();
    assert_eq!((v.n_samples(), v.channel_index.len()), (1001, 800));
    let a = p.get_array("weight").unwrap();
    assert_eq!((a.len(), a[0].len()), (800, 200));
    let present = a.iter().flatten().filter(|w| !w.is_nan()).count();
    assert_eq!(present, p.size(), "one entry per (pre, post) pair, no multapses from this connector");
}

/// The maximum of `network!` (tests/ui/population-size-fail.rs) is the
/// core's: the compile-time message names `memory::MAX_CELLS`.
#[test]
fn macro_limit_is_the_core_limit() {
    let stderr = std::fs::read_to_string("tests/ui/population-size-fail.stderr").unwrap();
    assert!(stderr.contains(&format!("at most {} cells", memory::MAX_CELLS)), "{stderr}");
    assert_eq!(memory::MAX_CELLS, u32::MAX as usize);
}
