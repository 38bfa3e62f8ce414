//! Progress shown on stderr while the session works: a bar for
//! [`Sim::run`](crate::Sim::run) (simulated time, wall time, real-time
//! factor, ETA) and a spinner for a population or projection whose
//! construction takes longer than a second.
//!
//! Both appear only when [`Setup::progress`](crate::Setup::progress) is on
//! (the default) and stderr is a terminal ([`enabled`]). Otherwise nothing
//! here runs: a run is one call of the backend's `run_until`, as without
//! this module. With the bar, a run advances the backend in chunks whose
//! lengths are whole multiples of the `min_delay` step count, counted from
//! the step the run starts at: the native engine's communication slices
//! (also `min_delay` long, from the same start) are the same as in one
//! call, so the results are bit-identical (tests/progress.rs).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Whether progress is shown: the session's switch is on and stderr is a
/// terminal (output piped to a file or a test harness shows nothing).
pub(crate) fn enabled(switch: bool, stderr_is_terminal: bool) -> bool {
    switch && stderr_is_terminal
}

/// True if stderr is a terminal.
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Runs and constructions shorter than this show nothing.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// Wall time a chunk of a run aims at: the bar updates about twice a
/// second, and one extra backend call per half second costs well under
/// 0.1% on the native engine (microseconds) and about 0.1% on an external
/// backend (one round trip to its child process, well under a millisecond).
const CHUNK_WALL: Duration = Duration::from_millis(500);

/// The chunks and the bar of one run from `start` to `target` (steps).
pub(crate) struct RunProgress {
    start: u64,
    target: u64,
    /// Chunk lengths are multiples of this (the `min_delay` step count).
    quantum: u64,
    timestep: f64,
    chunk: u64,
    began: Instant,
    bar: ProgressBar,
    draw: bool,
    shown: bool,
}

impl RunProgress {
    /// Progress of a run from step `start` to step `target`; `quantum` is
    /// the `min_delay` step count, `draw` false keeps the bar hidden (the
    /// chunks are the same).
    pub(crate) fn new(start: u64, target: u64, quantum: u64, timestep: f64, draw: bool) -> Self {
        let quantum = quantum.max(1);
        let total = target.saturating_sub(start);
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix("run");
        RunProgress {
            start,
            target,
            quantum,
            timestep,
            // First chunk: 1% of the run (the speed is not known yet).
            chunk: round_up(total / 100, quantum),
            began: Instant::now(),
            bar,
            draw,
            shown: false,
        }
    }

    /// End step of the next chunk after step `now` (at most the target).
    pub(crate) fn next_end(&self, now: u64) -> u64 {
        now.saturating_add(self.chunk).min(self.target)
    }

    /// Records that the backend reached step `now`: sizes the next chunk
    /// from the speed so far and updates the bar.
    pub(crate) fn advanced(&mut self, now: u64) {
        let done = now.saturating_sub(self.start);
        let wall = self.began.elapsed();
        if done > 0 {
            let per_step = wall.as_secs_f64() / done as f64;
            let wanted = if per_step > 0.0 { CHUNK_WALL.as_secs_f64() / per_step } else { f64::INFINITY };
            // At most 8 times the previous chunk: a first chunk dominated
            // by a fixed cost would otherwise overestimate the speed.
            let wanted = wanted.min(self.chunk.saturating_mul(8) as f64) as u64;
            self.chunk = round_up(wanted, self.quantum);
        }
        if self.draw && !self.shown && wall >= SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.shown {
            self.bar.set_message(self.message(now, wall));
            self.bar.set_position(done);
        }
    }

    fn message(&self, now: u64, wall: Duration) -> String {
        let dt = self.timestep;
        let (done, total) = (now.saturating_sub(self.start), self.target.saturating_sub(self.start));
        let wall_s = wall.as_secs_f64();
        let model_s = done as f64 * dt / 1000.0;
        let factor = if wall_s > 0.0 { model_s / wall_s } else { 0.0 };
        let mut m = format!(
            "{:.1}/{:.1} ms · wall {} · {} × real time",
            now as f64 * dt,
            self.target as f64 * dt,
            clock(wall_s),
            significant(factor)
        );
        if done > 0 && done < total {
            m.push_str(&format!(" · ETA {}", clock(wall_s * (total - done) as f64 / done as f64)));
        }
        m
    }

    /// Ends the bar: a shown bar stays on screen with the final numbers.
    pub(crate) fn finish(self) {
        if self.shown {
            self.bar.finish();
        }
    }
}

/// `n` rounded up to a positive multiple of `quantum`.
fn round_up(n: u64, quantum: u64) -> u64 {
    n.div_ceil(quantum).max(1).saturating_mul(quantum)
}

/// Seconds as `12.3 s`, `4 min 05 s` or `2 h 03 min`.
fn clock(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {:02} s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{} h {:02} min", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
    }
}

/// Three significant digits.
fn significant(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A spinner for one construction step, shown only if the step is still
/// going after a second. A helper thread waits for the end; a fast step
/// costs the thread's start and nothing is drawn.
pub(crate) struct Building {
    done: Option<mpsc::Sender<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Building {
    /// Starts the timer of a step described by `what` (for example
    /// `building projection "ee" (~12.3 M connections)`); `None` when
    /// progress is off.
    pub(crate) fn start(on: bool, what: String) -> Option<Building> {
        if !on {
            return None;
        }
        let (tx, rx) = mpsc::channel::<Option<String>>();
        let thread = std::thread::Builder::new()
            .name("pynn-progress".into())
            .spawn(move || {
                let began = Instant::now();
                // Created now (hidden) so that its elapsed time counts from
                // the start of the step.
                let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
                if rx.recv_timeout(SHOW_AFTER) != Err(mpsc::RecvTimeoutError::Timeout) {
                    return;
                }
                spinner.set_draw_target(ProgressDrawTarget::stderr());
                spinner.set_style(
                    ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                spinner.set_message(what);
                spinner.enable_steady_tick(Duration::from_millis(100));
                match rx.recv() {
                    Ok(Some(summary)) => {
                        spinner.set_style(
                            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        spinner.finish_with_message(format!("{summary} in {}", clock(began.elapsed().as_secs_f64())));
                    }
                    _ => spinner.finish_and_clear(),
                }
            })
            .ok()?;
        Some(Building { done: Some(tx), thread: Some(thread) })
    }

    /// Ends the step; a shown spinner is replaced by `summary` and the
    /// time taken.
    pub(crate) fn finish(mut self, summary: String) {
        self.stop(Some(summary));
    }

    fn stop(&mut self, summary: Option<String>) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(summary);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Building {
    /// A step that ended with an error clears its spinner.
    fn drop(&mut self) {
        self.stop(None);
    }
}

/// `n` in a short form: `950`, `12.3 k`, `4.56 M`.
pub(crate) fn count(n: u64) -> String {
    let x = n as f64;
    if x >= 1e9 {
        format!("{} G", significant(x / 1e9))
    } else if x >= 1e6 {
        format!("{} M", significant(x / 1e6))
    } else if x >= 1e4 {
        format!("{} k", significant(x / 1e3))
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_only_on_a_terminal_with_the_switch_on() {
        assert!(enabled(true, true));
        assert!(!enabled(true, false), "stderr not a terminal: no progress");
        assert!(!enabled(false, true), "Setup {{ progress: false }}: no progress");
        assert!(!enabled(false, false));
    }

    #[test]
    fn chunks_are_multiples_of_the_min_delay_steps() {
        let mut p = RunProgress::new(7, 10_007, 3, 0.1, false);
        let mut now = 7;
        while now < 10_007 {
            let end = p.next_end(now);
            assert!(end > now);
            assert!(end == 10_007 || (end - 7).is_multiple_of(3), "{end}");
            now = end;
            p.advanced(now);
        }
        assert_eq!(round_up(0, 4), 4);
        assert_eq!(round_up(9, 4), 12);
    }

    #[test]
    fn short_forms() {
        assert_eq!(count(950), "950");
        assert_eq!(count(12_345), "12.3 k");
        assert_eq!(count(12_300_000), "12.3 M");
        assert_eq!(clock(3.04), "3.0 s");
        assert_eq!(clock(245.0), "4 min 05 s");
        assert_eq!(significant(0.31234), "0.312");
    }

    #[test]
    fn a_fast_step_draws_nothing_and_returns() {
        let b = Building::start(true, "building nothing".into()).expect("thread");
        b.finish("built nothing".into());
        assert!(Building::start(false, String::new()).is_none());
    }
}
