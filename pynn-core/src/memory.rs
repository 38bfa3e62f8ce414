//! Memory estimates and fallible allocation for sizes that come from the
//! user.
//!
//! A request whose size the user chooses (cells of a population, synapses a
//! connector will make, samples a run will record, a dense `n_pre x n_post`
//! array) is estimated before anything is allocated: the estimate is a
//! checked product of counts and bytes per element ([`bytes`]), cheap and
//! allocation-free, and [`ensure`] compares it with the memory available
//! now ([`available`]). An estimate that overflows 64 bits, or exceeds what
//! is available, is an [`Error::Memory`] naming the object, what was asked,
//! the estimated bytes and the memory available, instead of the process
//! abort of a failed allocation. Where a buffer of a user-chosen size is
//! allocated, [`try_vec`] / [`try_with_capacity`] reserve it fallibly.
//!
//! Policy: refuse when the estimate exceeds the available memory (no
//! margin; estimates count the buffers alive together at the peak, not the
//! allocator's overhead). Estimates under [`UNCHECKED_BYTES`] are accepted
//! without reading the system's figures, so small calls in loops (`run(0.1)`
//! ten thousand times) cost nothing.
//!
//! Measured, not estimated: [`peak_memory`] reads the peak resident memory
//! of this process and of the processes it started (an external backend's
//! simulator runs in child processes, which hold most of the memory), for
//! the examples' summaries.

use crate::error::{Error, Result};

/// The largest number of cells in one session: global cell indices are
/// 32-bit (`u32`) and `u32::MAX` is reserved, so every index is below it.
pub const MAX_CELLS: usize = u32::MAX as usize;

/// Estimates below this many bytes (64 MiB) are accepted without reading
/// the available memory.
pub const UNCHECKED_BYTES: u64 = 64 << 20;

/// Bytes available to new allocations now: `MemAvailable` of
/// `/proc/meminfo`, lowered to the room left under the process's cgroup
/// memory limit when there is one (cgroup v2 `memory.max - memory.current`,
/// or v1 `memory.limit_in_bytes - memory.usage_in_bytes`). `None` where
/// neither can be read (not Linux).
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| mem_available(&s));
    let cgroup = cgroup_room();
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `MemAvailable` (kB) of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// Room under the cgroup memory limit, if a limit is set and readable.
fn cgroup_room() -> Option<u64> {
    let read = |p: &str| std::fs::read_to_string(p).ok().and_then(|s| s.trim().parse::<u64>().ok());
    let (limit, usage) = match read("/sys/fs/cgroup/memory.max") {
        Some(l) => (l, read("/sys/fs/cgroup/memory.current")?),
        None => {
            (read("/sys/fs/cgroup/memory/memory.limit_in_bytes")?, read("/sys/fs/cgroup/memory/memory.usage_in_bytes")?)
        }
    };
    // "No limit" reads as `max` (v2, not a number) or as about 2^63 (v1).
    (limit < 1 << 60).then(|| limit.saturating_sub(usage))
}

/// Refuses `size` more cells in a session that has `existing` cells when
/// the total would exceed [`MAX_CELLS`] (global indices are 32-bit).
pub fn check_cell_count(object: &dyn std::fmt::Display, existing: usize, size: usize) -> Result<()> {
    if size > MAX_CELLS.saturating_sub(existing) {
        return Err(Error::invalid_value(
            object,
            "size",
            size,
            format!(
                "at most {} more cells: a session holds at most {MAX_CELLS} cells (32-bit global indices) and has {existing}",
                MAX_CELLS.saturating_sub(existing)
            ),
        ));
    }
    Ok(())
}

/// Estimated bytes the core holds for a population of `size` cells of
/// `info`'s type: per cell its index (8), one `f64` per scalar parameter
/// and state variable, an (empty) `Vec` header (24) per sequence
/// parameter, its position (24) and the column being resolved (at most
/// 24). Backends add their own per-cell state (the native engine checks
/// it in `create_population`). `None` if it overflows.
pub fn population_bytes(info: &crate::cells::CellTypeInfo, size: usize) -> Option<u64> {
    let per = |specs: &[crate::parameters::ParamSpec]| -> u64 {
        specs.iter().map(|s| if s.kind == crate::parameters::ParamKind::Scalar { 8 } else { 24 }).sum()
    };
    bytes(&[size as u64, 8 + per(info.parameters) + per(info.state) + 24 + 24])
}

/// Estimated bytes per connection while a projection is built, for a
/// synapse type with `columns` per-connection parameters besides weight
/// and delay: the connector's output (pre and post positions, 8), weight
/// and delay (16), the sort by pre-synaptic cell (packed pairs and
/// destinations, 16, and one scattered copy, 8), the sorted connections
/// handed to the backend (pre and post, 8) and the native engine's rows
/// built from them (target shard, target, weight, delay, permutation: at
/// most 16 with uniform values, counted as 8 more), and for each parameter
/// column its values and their sorted copy (16).
pub fn connection_bytes(columns: usize) -> u64 {
    64 + 16 * columns as u64
}

/// The product of `factors` (counts and bytes per element), or `None` if it
/// overflows 64 bits.
pub fn bytes(factors: &[u64]) -> Option<u64> {
    factors.iter().try_fold(1u64, |acc, f| acc.checked_mul(*f))
}

/// Sum of estimates, `None` if any is `None` or the sum overflows.
pub fn sum(parts: &[Option<u64>]) -> Option<u64> {
    parts.iter().try_fold(0u64, |acc, p| acc.checked_add((*p)?))
}

/// Accepts an estimate of `bytes` (`None`: it overflowed 64 bits) for
/// `what` of `object`, or refuses it with [`Error::Memory`] when it
/// overflowed or exceeds [`available`] memory. `what` is only formatted
/// on refusal.
pub fn ensure(object: &dyn std::fmt::Display, what: impl FnOnce() -> String, bytes: Option<u64>) -> Result<()> {
    let refuse =
        |bytes: u64, available| Err(Error::Memory { object: object.to_string(), what: what(), bytes, available });
    match bytes {
        None => refuse(u64::MAX, available()),
        Some(b) if b < UNCHECKED_BYTES => Ok(()),
        Some(b) => match available() {
            Some(a) if b > a => refuse(b, Some(a)),
            _ => Ok(()),
        },
    }
}

/// A vector of `n` copies of `value`, allocated fallibly: an
/// [`Error::Memory`] naming `object` and `what` if the allocation fails.
pub fn try_vec<T: Clone>(
    object: &dyn std::fmt::Display,
    what: impl FnOnce() -> String,
    n: usize,
    value: T,
) -> Result<Vec<T>> {
    let mut v = try_with_capacity(object, what, n)?;
    v.resize(n, value);
    Ok(v)
}

/// An empty vector with room for `n` elements, allocated fallibly.
pub fn try_with_capacity<T>(object: &dyn std::fmt::Display, what: impl FnOnce() -> String, n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    try_reserve(&mut v, object, what, n)?;
    Ok(v)
}

/// Reserves room for at least `additional` more elements in `v`, fallibly
/// (amortised growth as `Vec::reserve`: repeated small reservations do not
/// copy the vector each time; from empty, exactly `additional`).
pub fn try_reserve<T>(
    v: &mut Vec<T>,
    object: &dyn std::fmt::Display,
    what: impl FnOnce() -> String,
    additional: usize,
) -> Result<()> {
    v.try_reserve(additional).map_err(|_| Error::Memory {
        object: object.to_string(),
        what: what(),
        bytes: bytes(&[additional as u64, std::mem::size_of::<T>() as u64]).unwrap_or(u64::MAX),
        available: available(),
    })
}

/// `bytes` in binary units with three significant digits (`"1.50 KiB"`,
/// `"23.4 GiB"`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = bytes as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else if x < 10.0 {
        format!("{x:.2} {}", UNITS[u])
    } else if x < 100.0 {
        format!("{x:.1} {}", UNITS[u])
    } else {
        format!("{x:.0} {}", UNITS[u])
    }
}

/// Peak resident memory (`VmHWM` of `/proc/PID/status`, bytes) of
/// process `pid`; `None` once it is gone, or without `/proc`.
pub fn peak_resident_bytes(pid: u32) -> Option<u64> {
    status_kb(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?, "VmHWM:")?.checked_mul(1024)
}

/// The value (kB) of field `key` (e.g. `"VmHWM:"`) of a `/proc/PID/status`
/// text.
fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
}

/// The parent pid (field 4, proc(5)) of a `/proc/PID/stat` text.
fn stat_ppid(stat: &str) -> Option<u32> {
    // the command (field 2) is in parentheses and may hold spaces
    stat.get(stat.rfind(')')? + 1..)?.split_whitespace().nth(1)?.parse().ok()
}

/// The live descendants of process `pid` (its children, their children,
/// ...), from `/proc`; empty without `/proc`.
pub fn descendants(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let procs: Vec<(u32, u32)> = entries
        .flatten()
        .filter_map(|e| {
            let p = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((p, stat_ppid(&std::fs::read_to_string(e.path().join("stat")).ok()?)?))
        })
        .collect();
    let mut out: Vec<u32> = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for &(p, pp) in &procs {
            if pp == parent && p != pid && !out.contains(&p) {
                out.push(p);
                parents.push(p);
            }
        }
    }
    out
}

/// Peak resident memory of this process and of its live child processes,
/// as [`peak_memory`] measures it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeakMemory {
    /// Peak resident bytes of this process (`VmHWM`).
    pub own: u64,
    /// Sum of the peak resident bytes of the live descendant processes
    /// (each one's `VmHWM`; the sum is an upper bound of their peak
    /// together, equal to it when every process still holds its peak).
    pub children: u64,
    /// How many descendant processes were counted.
    pub processes: usize,
}

impl PeakMemory {
    /// `own + children`.
    pub fn total(&self) -> u64 {
        self.own.saturating_add(self.children)
    }
}

/// Peak resident memory of this process and of the processes it started
/// that are still alive (an external backend's simulator processes while
/// the session lasts, and their own children, e.g. the ranks under
/// `mpirun`), from `/proc`. Processes already ended are not counted: call
/// it before `end()`. `None` without `/proc` (not Linux).
pub fn peak_memory() -> Option<PeakMemory> {
    let own = peak_resident_bytes(std::process::id())?;
    let (mut children, mut processes) = (0u64, 0);
    for pid in descendants(std::process::id()) {
        if let Some(b) = peak_resident_bytes(pid) {
            children = children.saturating_add(b);
            processes += 1;
        }
    }
    Some(PeakMemory { own, children, processes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_overflow_to_none() {
        assert_eq!(bytes(&[1000, 1000, 8]), Some(8_000_000));
        assert_eq!(bytes(&[u64::MAX, 2]), None);
        assert_eq!(bytes(&[1 << 32, 1 << 32]), None);
        assert_eq!(sum(&[Some(1), Some(2)]), Some(3));
        assert_eq!(sum(&[Some(1), None]), None);
        assert_eq!(sum(&[Some(u64::MAX), Some(1)]), None);
    }

    #[test]
    fn formats_binary_units() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.50 KiB");
        assert_eq!(format_bytes(23_400 << 20), "22.9 GiB");
        assert_eq!(format_bytes(96 * (1u64 << 40)), "96.0 TiB");
        assert_eq!(format_bytes(500 * (1u64 << 50)), "500 PiB");
        assert_eq!(format_bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn cell_count_limit_is_32_bit() {
        assert!(check_cell_count(&"p", 0, MAX_CELLS).is_ok());
        assert!(check_cell_count(&"p", MAX_CELLS - 1, 1).is_ok());
        let e = check_cell_count(&"population \"p\" (IF_curr_exp)", 1, MAX_CELLS).unwrap_err();
        assert_eq!(
            e.to_string(),
            "population \"p\" (IF_curr_exp): invalid value 4294967295 for `size`; at most 4294967294 more cells: a \
             session holds at most 4294967295 cells (32-bit global indices) and has 1"
        );
        assert!(check_cell_count(&"p", 10, usize::MAX).is_err());
        assert!(check_cell_count(&"p", MAX_CELLS, 1).is_err());
    }

    #[test]
    fn parses_proc_status_and_stat() {
        let status = "Name:\tpython3\nVmPeak:\t  900000 kB\nVmHWM:\t  272384 kB\nVmRSS:\t  270000 kB\n";
        assert_eq!(status_kb(status, "VmHWM:"), Some(272_384));
        assert_eq!(status_kb(status, "VmSwap:"), None);
        // a command with spaces and parentheses does not shift the fields
        assert_eq!(stat_ppid("4242 (python3 (driver) x) S 4100 4242 4100 0 -1"), Some(4100));
        assert_eq!(stat_ppid("garbage"), None);
    }

    #[test]
    fn counts_a_child_process() {
        if !cfg!(target_os = "linux") {
            return;
        }
        // A child that touches 64 MiB and waits: its peak is counted in
        // `children`, not in `own` (the test binary is far smaller).
        let mut child = std::process::Command::new("python3")
            .args(["-c", "import sys, time; b = bytearray(64 << 20); print(flush=True); time.sleep(30)"])
            .stdout(std::process::Stdio::piped())
            .spawn();
        let Ok(child) = child.as_mut() else { return }; // no python3 here
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let peak = peak_memory().unwrap();
        let mine = peak_resident_bytes(child.id()).unwrap();
        let _ = child.kill();
        let _ = child.wait();
        assert!(peak.processes >= 1, "{peak:?}");
        assert!(mine >= 64 << 20, "child's VmHWM {mine} B < the 64 MiB it touched");
        assert!(peak.children >= mine, "{peak:?} does not count the child's {mine} B");
        assert_eq!(peak.total(), peak.own + peak.children);
    }

    #[test]
    fn reads_mem_available() {
        let text = "MemTotal:       24000000 kB\nMemFree:        20000000 kB\nMemAvailable:   23978552 kB\n";
        assert_eq!(mem_available(text), Some(23_978_552 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        if cfg!(target_os = "linux") {
            assert!(available().is_some_and(|a| a > 0));
        }
    }

    #[test]
    fn refuses_overflow_and_more_than_available() {
        let e = ensure(&"population \"p\" (IF_curr_exp)", || "all of it".into(), None).unwrap_err();
        match &e {
            Error::Memory { bytes, .. } => assert_eq!(*bytes, u64::MAX),
            other => panic!("{other:?}"),
        }
        assert!(
            e.to_string()
                .starts_with("population \"p\" (IF_curr_exp): all of it need more than 16 EiB (the size overflows"),
            "{e}"
        );
        // Small requests are accepted without reading the system's figures.
        assert!(ensure(&"x", || unreachable!(), Some(UNCHECKED_BYTES - 1)).is_ok());
        if let Some(a) = available() {
            assert!(ensure(&"x", || "y".into(), Some(a.saturating_mul(2).max(UNCHECKED_BYTES))).is_err());
        }
        // A fallible reservation that cannot succeed is an error, not an abort.
        let r = try_vec(&"x", || "a huge vector".into(), usize::MAX / 8, 0u64);
        assert!(matches!(r, Err(Error::Memory { .. })), "{r:?}");
        assert_eq!(try_vec(&"x", || unreachable!(), 3, 1.5f64).unwrap(), vec![1.5; 3]);
    }
}
