//! A simulator driven as a Python process (the child process of the
//! external layer, also reachable as `pynn_backends::pyproc`), shared by the
//! NEST, NEURON and Brian2 backends: discovery of the interpreter, the line-based JSON
//! protocol (one command per line on the driver's stdin, one answer per line
//! on its stdout), and `.npy` files for large arrays.
//!
//! A driver script must answer `{"cmd": "hello"}` with `{"ok": true,
//! "version": ...}` once its simulator imports, or with `{"ok": false,
//! "error": "cannot import X: ..."}`, and quit on `{"cmd": "quit"}`.
//!
//! # Deadlines
//!
//! Every request has a deadline: a thread reads the driver's answers, and
//! while Rust waits for one it checks that the process (with its children:
//! `mpirun`'s ranks, a compiler) is alive and making progress, i.e. that
//! its CPU time (Linux `/proc`) grows. A request fails when the process
//! has neither answered nor used CPU time for the driver timeout
//! (`$PYNN_DRIVER_TIMEOUT` seconds, default 300;
//! without `/proc`, 300 s of wall-clock time per request); the process
//! tree is then killed and the error names the process (backend, pid,
//! command), the request and how to raise the limit. A driver busy in an
//! endless computation is not stopped. Once the process has stopped (timed
//! out, crashed, killed), every later request fails at once with the same
//! reason (`Driver::stopped`); what was already transferred to Rust stays
//! with the backends (their `drain_recording` returns nothing more).

use pynn_core::{Error, Result};
use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// The command that provisions the Python environment of every external
/// backend (run in the workspace root).
pub const INSTALL_HINT: &str = "python3 -m venv .venv && .venv/bin/pip install \"nest-simulator==3.10.0\" \"neuron==9.0.2\" \"brian2==2.9.0\" \"numpy<2.4\"";

/// The Python module every driver script imports (protocol loop, command
/// table, error answers, `.npy` files): written next to the script.
pub const DRIVER_CORE: &str = include_str!("driver_core.py");

/// What distinguishes one simulator's driver process from another's.
#[derive(Debug, Clone, Copy)]
pub struct DriverSpec {
    /// Backend name in errors (`"NEST"`, `"NEURON"`, `"Brian2"`).
    pub backend: &'static str,
    /// The Python package the driver imports, named in errors (`"NEST"`).
    pub simulator: &'static str,
    /// The driver script (embedded with `include_str!`).
    pub script: &'static str,
    /// Short name for the work directory (`"nest"`).
    pub tag: &'static str,
}

fn backend_err(backend: &'static str, message: impl Into<String>) -> Error {
    Error::Backend { backend, message: message.into() }
}

/// The Python interpreter to use: `$PYNN_PYTHON`; else `.venv/bin/python` in
/// the workspace root (known at build time) or in the current directory or
/// one of its ancestors; else `python3` from `PATH`.
pub fn find_python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYNN_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let venv = |dir: &Path| dir.join(".venv").join("bin").join("python");
    let built = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates: Vec<PathBuf> = built.ancestors().take(2).map(venv).collect();
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(venv));
    }
    candidates.into_iter().find(|p| p.exists()).unwrap_or_else(|| PathBuf::from("python3"))
}

/// The environment variable that sets the driver timeout, in seconds (see
/// the module documentation): how long a driver process may go without
/// answering a request and without using CPU time.
pub const TIMEOUT_VAR: &str = "PYNN_DRIVER_TIMEOUT";

/// The driver timeout when [`TIMEOUT_VAR`] is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The driver timeout: `$PYNN_DRIVER_TIMEOUT` seconds (a positive number),
/// else [`DEFAULT_TIMEOUT`]; another value is an error naming the variable.
pub fn driver_timeout() -> Result<Duration> {
    parse_timeout(std::env::var_os(TIMEOUT_VAR).map(|t| t.to_string_lossy().into_owned()).as_deref())
}

fn parse_timeout(text: Option<&str>) -> Result<Duration> {
    let Some(text) = text else { return Ok(DEFAULT_TIMEOUT) };
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(Error::invalid_value(
            "environment",
            TIMEOUT_VAR,
            format!("{text:?}"),
            "a number of seconds in (0, 1e9]: how long a simulator process may go without answering and \
             without using CPU time",
        )),
    }
}

/// A running driver process and its work directory.
pub struct Driver {
    spec: DriverSpec,
    child: Child,
    pid: u32,
    /// The command line, for errors.
    command: String,
    /// Lines to the driver's stdin (a writer thread, so that a stalled
    /// driver with a full pipe cannot block Rust); `None` once stopped.
    to_child: Option<Sender<Vec<u8>>>,
    /// Lines from the driver's stdout (a reader thread).
    answers: Receiver<std::io::Result<String>>,
    dir: PathBuf,
    files: usize,
    timeout: Duration,
    /// Why the process is no longer usable (timed out, crashed, killed).
    stopped: Option<String>,
}

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

impl Driver {
    /// Starts `python driver.py WORKDIR` and checks that the simulator
    /// imports; returns the driver and the `hello` answer. The timeout is
    /// [`driver_timeout`]'s.
    pub fn start(python: &Path, spec: DriverSpec) -> Result<(Driver, Json)> {
        Self::start_with(python, spec, &[])
    }

    /// Like [`Driver::start`], with the interpreter run by `launcher` (e.g.
    /// `["mpirun", "-np", "2"]`; empty: run directly).
    pub fn start_with(python: &Path, spec: DriverSpec, launcher: &[String]) -> Result<(Driver, Json)> {
        Self::start_timed(python, spec, launcher, driver_timeout()?)
    }

    /// Like [`Driver::start_with`], with an explicit timeout.
    pub fn start_timed(
        python: &Path,
        spec: DriverSpec,
        launcher: &[String],
        timeout: Duration,
    ) -> Result<(Driver, Json)> {
        let err = |m: String| backend_err(spec.backend, m);
        let n = SESSIONS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pynn-{}-{}-{n}", spec.tag, std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
        let script = dir.join("driver.py");
        std::fs::write(&script, spec.script).map_err(|e| err(format!("cannot write {}: {e}", script.display())))?;
        let core = dir.join("driver_core.py");
        std::fs::write(&core, DRIVER_CORE).map_err(|e| err(format!("cannot write {}: {e}", core.display())))?;
        let log = std::fs::File::create(dir.join("stderr.log"))
            .map_err(|e| err(format!("cannot create the driver's log in {}: {e}", dir.display())))?;
        let sim = spec.simulator;
        let mut command = match launcher.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(python);
                c
            }
            None => Command::new(python),
        };
        let words: Vec<String> = launcher
            .iter()
            .cloned()
            .chain([python.display().to_string(), script.display().to_string(), dir.display().to_string()])
            .collect();
        let mut child = command
            .arg(&script)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                match launcher.first() {
                    // The launcher is what could not start, not Python.
                    Some(program) => err(format!(
                        "cannot start the launcher `{program}` ({e}), which the {} backend runs the Python \
                         interpreter `{}` with (`{}`)",
                        spec.backend,
                        python.display(),
                        words.join(" ")
                    )),
                    None => err(format!(
                        "cannot start the Python interpreter `{}` ({e}). The {} backend needs Python with \
                         {sim}: run `{INSTALL_HINT}` in the workspace root, or set PYNN_PYTHON to an \
                         interpreter that has {sim}",
                        python.display(),
                        spec.backend
                    )),
                }
            })?;
        // The child was spawned with piped stdin and stdout, so both handles
        // are there: no input of the user's, nor the child, can make them None.
        let mut stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (to_child, lines) = channel::<Vec<u8>>();
        std::thread::spawn(move || {
            for line in lines {
                if stdin.write_all(&line).and_then(|_| stdin.flush()).is_err() {
                    break;
                }
            }
        });
        let (tx, answers) = channel();
        std::thread::spawn(move || reader(stdout, tx));
        let pid = child.id();
        let mut d = Driver {
            spec,
            child,
            pid,
            command: words.join(" "),
            to_child: Some(to_child),
            answers,
            dir,
            files: 0,
            timeout,
            stopped: None,
        };
        let hello = d.request(&super::protocol::Request::Hello).map_err(|e| match e {
            Error::Backend { message, .. } if d.stopped.is_none() || !message.contains(TIMEOUT_VAR) => err(format!(
                "{message} (interpreter `{}`). Install {sim} with `{INSTALL_HINT}` in the workspace root, \
                 or set PYNN_PYTHON to an interpreter that has {sim}",
                python.display()
            )),
            other => other,
        })?;
        Ok((d, hello))
    }

    /// An `Error::Backend` of this driver's backend.
    pub fn err(&self, message: impl Into<String>) -> Error {
        backend_err(self.spec.backend, message)
    }

    /// Why the process can no longer answer (it timed out, crashed or was
    /// killed), or `None` while it runs.
    pub fn stopped(&self) -> Option<&str> {
        self.stopped.as_deref()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Sends one command and returns the driver's answer (an `ok: false`
    /// answer becomes `Error::Backend` with the simulator's message). Fails
    /// when the process stops or stalls (see the module documentation).
    pub fn call(&mut self, cmd: Json) -> Result<Json> {
        let backend = self.spec.backend;
        let err = |m: String| backend_err(backend, m);
        let name = cmd["cmd"].as_str().unwrap_or("?").to_string();
        if let Some(why) = &self.stopped {
            return Err(err(format!("the {backend} process has stopped ({why}); cannot `{name}`")));
        }
        let mut line = serde_json::to_string(&cmd).map_err(|e| err(format!("cannot encode `{name}`: {e}")))?;
        line.push('\n');
        if self.to_child.as_ref().is_none_or(|tx| tx.send(line.into_bytes()).is_err()) {
            return Err(self.stop(&name, "cannot send the request".into()));
        }
        let answer = self.answer(&name)?;
        let v: Json =
            serde_json::from_str(&answer).map_err(|e| err(format!("bad answer to `{name}`: {e}: {answer}")))?;
        if v["ok"].as_bool() == Some(true) {
            Ok(v)
        } else {
            let kind = v["type"].as_str().unwrap_or("error");
            let message = v["error"].as_str().unwrap_or("unknown error");
            Err(err(format!("{kind}: {message} (in `{name}`)")))
        }
    }

    /// Waits for the answer to `name` while the process (tree) is alive and
    /// answers or uses CPU time within the timeout.
    fn answer(&mut self, name: &str) -> Result<String> {
        let poll = (self.timeout / 8).clamp(Duration::from_millis(20), Duration::from_secs(1));
        let mut cpu = tree_cpu(self.pid);
        let mut since = Instant::now();
        loop {
            match self.answers.recv_timeout(poll) {
                Ok(Ok(line)) => return Ok(line),
                Ok(Err(e)) => return Err(self.stop(name, e.to_string())),
                Err(RecvTimeoutError::Disconnected) => return Err(self.stop(name, "no answer".into())),
                Err(RecvTimeoutError::Timeout) => {
                    let now = tree_cpu(self.pid);
                    if now.is_some() && now != cpu {
                        cpu = now;
                        since = Instant::now();
                    }
                    if since.elapsed() >= self.timeout {
                        return Err(self.time_out(name, cpu.is_some()));
                    }
                }
            }
        }
    }

    /// The process ended (or its pipes did) during `name`.
    fn stop(&mut self, name: &str, what: String) -> Error {
        let backend = self.spec.backend;
        self.to_child = None;
        std::thread::sleep(Duration::from_millis(50));
        let status = self.child.try_wait().ok().flatten().map(|s| format!(" ({s})")).unwrap_or_default();
        self.stopped = Some(format!("pid {} stopped{status} during `{name}`", self.pid));
        self.err(format!(
            "the {backend} driver process (pid {}, `{}`) stopped{status} during `{name}`: {what}. Data already \
             read from it stay readable; what it recorded since is lost\n{}",
            self.pid,
            self.command,
            self.log_tail()
        ))
    }

    /// The process neither answered `name` nor used CPU time for the timeout:
    /// it is killed (with its children).
    fn time_out(&mut self, name: &str, cpu_known: bool) -> Error {
        let (backend, sim) = (self.spec.backend, self.spec.simulator);
        kill_tree(&mut self.child);
        self.to_child = None;
        let secs = self.timeout.as_secs_f64();
        let doing = match name {
            "hello" => format!("`hello` (starting Python and importing {sim})"),
            "run" => "`run` (simulating)".to_string(),
            other => format!("`{other}`"),
        };
        let idle = if cpu_known { " and used no CPU time" } else { "" };
        let data = if name == "hello" { "" } else { ". Data already read from it stay readable" };
        self.stopped = Some(format!("pid {} killed after {secs} s without an answer to `{name}`", self.pid));
        self.err(format!(
            "the {backend} driver process (pid {}, `{}`) did not answer {doing}{idle} for {secs} s; it was \
             killed. If it needs longer, raise the limit: {TIMEOUT_VAR}=<seconds> (default {} s){data}\n{}",
            self.pid,
            self.command,
            DEFAULT_TIMEOUT.as_secs(),
            self.log_tail()
        ))
    }

    /// Writes a 1-D array to a fresh `.npy` file of the work directory.
    pub fn write_npy<T: NpyElem>(&mut self, name: &str, data: &[T]) -> Result<String> {
        self.files += 1;
        let path = self.dir.join(format!("in_{}_{name}.npy", self.files));
        write_npy(&path, data).map_err(|e| self.err(format!("cannot write {}: {e}", path.display())))?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// Sends a typed request ([`super::protocol::Request`]); returns the
    /// driver's answer, as [`Driver::call`].
    pub fn request(&mut self, request: &super::protocol::Request) -> Result<Json> {
        let cmd = serde_json::to_value(request).map_err(|e| self.err(format!("cannot encode {request:?}: {e}")))?;
        self.call(cmd)
    }

    /// Reads (and deletes) the `.npy` file at `path`, written by the driver.
    pub fn read_npy_file<T: NpyElem>(&self, path: &str) -> Result<(Vec<usize>, Vec<T>)> {
        self.read_npy(&Json::from(path))
    }

    /// Reads (and deletes) a `.npy` file written by the driver.
    pub fn read_npy<T: NpyElem>(&self, path: &Json) -> Result<(Vec<usize>, Vec<T>)> {
        let path = PathBuf::from(path.as_str().ok_or_else(|| self.err("missing file in the driver's answer"))?);
        let bytes = std::fs::read(&path).map_err(|e| self.err(format!("cannot read {}: {e}", path.display())))?;
        let _ = std::fs::remove_file(&path);
        read_npy(&bytes).map_err(|e| self.err(format!("{}: {e}", path.display())))
    }
}

/// Idle driver processes kept for reuse, per simulator (`DriverSpec::tag`):
/// a new session takes one (after a `hello`) instead of starting Python and
/// importing the simulator again.
static POOL: std::sync::Mutex<Vec<Driver>> = std::sync::Mutex::new(Vec::new());

/// Idle processes kept per simulator.
const POOL_SIZE: usize = 2;

/// A pooled process of `spec`'s simulator that still answers `hello`, with
/// the answer; `None` if there is none.
pub(crate) fn from_pool(spec: DriverSpec) -> Option<(Driver, Json)> {
    let pooled = {
        let mut pool = POOL.lock().ok()?;
        let at = pool.iter().position(|d| d.spec.tag == spec.tag)?;
        pool.swap_remove(at)
    };
    let mut d = pooled;
    d.request(&super::protocol::Request::Hello).ok().map(|h| (d, h))
}

/// Returns a process to the pool after clearing its network (`clear`);
/// dropped (ended) when the pool is full or the driver refuses.
pub(crate) fn to_pool(mut d: Driver) {
    if d.request(&super::protocol::Request::Clear).is_ok()
        && let Ok(mut pool) = POOL.lock()
        && pool.iter().filter(|p| p.spec.tag == d.spec.tag).count() < POOL_SIZE
    {
        pool.push(d);
    }
}

/// Runs a helper program to its end (NEURON's `nrnivmodl`) under the same
/// deadline as a driver request: it fails, and the program and its
/// children are killed, when it has neither finished nor used CPU time for
/// `timeout` ([`driver_timeout`] for the backends). `what` says what it
/// does, for the error.
pub fn run_timed(
    command: &mut Command,
    backend: &'static str,
    what: &str,
    timeout: Duration,
) -> Result<std::process::Output> {
    let shown = format!(
        "`{}`",
        std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| backend_err(backend, format!("cannot run {shown} ({what}): {e}")))?;
    let collect = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.read_to_end(&mut out);
            out
        })
    };
    // Spawned with piped stdout and stderr just above: both handles exist.
    let stdout = collect(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = collect(Box::new(child.stderr.take().expect("piped stderr")));
    let poll = (timeout / 8).clamp(Duration::from_millis(20), Duration::from_secs(1));
    let (mut cpu, mut since) = (tree_cpu(child.id()), Instant::now());
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(backend_err(backend, format!("cannot wait for {shown} ({what}): {e}"))),
        }
        std::thread::sleep(poll);
        let now = tree_cpu(child.id());
        if now.is_some() && now != cpu {
            cpu = now;
            since = Instant::now();
        }
        if since.elapsed() >= timeout {
            let pid = child.id();
            kill_tree(&mut child);
            return Err(backend_err(
                backend,
                format!(
                    "{shown} ({what}, pid {pid}) neither finished nor used CPU time for {} s; it was killed. \
                     If it needs longer, raise the limit: {TIMEOUT_VAR}=<seconds> (default {} s)",
                    timeout.as_secs_f64(),
                    DEFAULT_TIMEOUT.as_secs()
                ),
            ));
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(std::process::Output { status, stdout, stderr })
}

/// Forwards the driver's stdout lines; an end of file is an error.
fn reader(stdout: std::process::ChildStdout, tx: Sender<std::io::Result<String>>) {
    let mut r = BufReader::new(stdout);
    loop {
        let mut line = String::new();
        let item = match r.read_line(&mut line) {
            Ok(0) => Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no answer")),
            Ok(_) => Ok(line),
            Err(e) => Err(e),
        };
        let last = item.is_err();
        if tx.send(item).is_err() || last {
            break;
        }
    }
}

/// `(ppid, CPU ticks of the process and of its waited-for children)` from
/// the text of `/proc/PID/stat` (proc(5): fields 4 and 14-17).
fn parse_stat(stat: &str) -> Option<(u32, u64)> {
    // the command (field 2) is in parentheses and may hold spaces
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ppid = f.get(1)?.parse().ok()?;
    let ticks = (11..15).map(|i| f.get(i).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0).max(0) as u64).sum();
    Some((ppid, ticks))
}

/// The processes of `/proc`: (pid, ppid, CPU ticks); empty without `/proc`.
fn processes() -> Vec<(u32, u32, u64)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let (ppid, ticks) = parse_stat(&std::fs::read_to_string(e.path().join("stat")).ok()?)?;
            Some((pid, ppid, ticks))
        })
        .collect()
}

/// `root` and its descendants among `procs`.
fn tree(root: u32, procs: &[(u32, u32, u64)]) -> Vec<u32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(procs.iter().filter(|p| p.1 == parent && p.0 != root).map(|p| p.0));
        i += 1;
    }
    out
}

/// CPU time (ticks) used by process `root` and its descendants; `None`
/// without `/proc` or once `root` is gone.
fn tree_cpu(root: u32) -> Option<u64> {
    let procs = processes();
    if !procs.iter().any(|p| p.0 == root) {
        return None;
    }
    let pids = tree(root, &procs);
    Some(procs.iter().filter(|p| pids.contains(&p.0)).map(|p| p.2).sum())
}

/// Kills a driver process and its descendants (e.g. `mpirun`'s ranks).
fn kill_tree(child: &mut Child) {
    let procs = processes();
    let pids: Vec<String> = tree(child.id(), &procs).iter().skip(1).map(u32::to_string).collect();
    let _ = child.kill();
    if !pids.is_empty() {
        let _ = Command::new("kill").arg("-KILL").args(&pids).stderr(Stdio::null()).status();
    }
    let _ = child.wait();
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(tx) = self.to_child.take() {
            let _ = tx.send(b"{\"cmd\": \"quit\"}\n".to_vec());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    kill_tree(&mut self.child);
                    break;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An element type of the `.npy` files exchanged with the driver: `f64`
/// (`<f8`), `i64` (`<i8`) and `u32` (`<u4`), little-endian. The encoding is
/// `npyz`'s.
pub trait NpyElem: npyz::AutoSerialize + npyz::Deserialize + Copy {}

impl NpyElem for f64 {}
impl NpyElem for i64 {}
impl NpyElem for u32 {}

/// Writes a 1-D `.npy` file (format version 1.0, header padded to 64 bytes).
pub fn write_npy<T: NpyElem>(path: &Path, data: &[T]) -> std::io::Result<()> {
    use npyz::WriterBuilder;
    let mut out = Vec::with_capacity(128 + std::mem::size_of_val(data));
    let mut w = npyz::WriteOptions::new().default_dtype().shape(&[data.len() as u64]).writer(&mut out).begin_nd()?;
    w.extend(data.iter().copied())?;
    w.finish()?;
    std::fs::write(path, out)
}

/// Reads a C-ordered `.npy` array of element type `T` (exactly `T`'s
/// little-endian type, no conversion): shape and values. The data must be
/// exactly as long as the shape says.
pub fn read_npy<T: NpyElem>(bytes: &[u8]) -> std::result::Result<(Vec<usize>, Vec<T>), String> {
    let mut at = std::io::Cursor::new(bytes);
    let header = npyz::NpyHeader::from_reader(&mut at).map_err(|e| format!("not a .npy file: {e}"))?;
    let body = &bytes[at.position() as usize..];
    let file = npyz::NpyFile::with_header(header, body);
    let want = T::default_dtype();
    if file.dtype() != want || file.order() != npyz::Order::C {
        return Err(format!(
            "unexpected array type {} in {} order (want {} in C order)",
            file.dtype().descr(),
            if file.order() == npyz::Order::C { "C" } else { "Fortran" },
            want.descr()
        ));
    }
    let shape: Vec<usize> = file.shape().iter().map(|&n| n as usize).collect();
    // checked before reading, so that a corrupt shape cannot ask for a
    // huge allocation
    let need = file.len().checked_mul(std::mem::size_of::<T>() as u64);
    if need != Some(body.len() as u64) {
        return Err(format!("{} bytes of data for shape {shape:?}", body.len()));
    }
    let values = file.into_vec::<T>().map_err(|e| e.to_string())?;
    Ok((shape, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn npy_round_trip() {
        let dir = std::env::temp_dir().join(format!("pynn-npy-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.npy");
        let data = vec![1.5, -2.0, 1e-300, f64::MAX];
        write_npy(&p, &data).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!((10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize) % 64, 0);
        let (shape, back) = read_npy::<f64>(&bytes).unwrap();
        assert_eq!((shape, back), (vec![4], data));
        write_npy(&p, &[7u32, 8, 9]).unwrap();
        assert_eq!(read_npy::<u32>(&std::fs::read(&p).unwrap()).unwrap().1, vec![7, 8, 9]);
        assert!(read_npy::<i64>(&std::fs::read(&p).unwrap()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The bytes are NumPy's format 1.0, which the drivers' `np.load` reads:
    /// magic, version 1.0, header length, the dict (`npyz` writes the shape
    /// as `(2, )`, the hand-written writer before it wrote `(2,)`: the same
    /// Python tuple), spaces and a newline up to a multiple of 64, then the
    /// little-endian values.
    #[test]
    fn npy_bytes_are_numpy_format_1_0() {
        let dir = std::env::temp_dir().join(format!("pynn-npy-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.npy");
        write_npy(&p, &[1i64, -2]).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, ), }";
        let mut want = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
        want.extend_from_slice(dict.as_bytes());
        want.extend(std::iter::repeat_n(b' ', 128 - 10 - dict.len() - 1));
        want.push(b'\n');
        want.extend_from_slice(&1i64.to_le_bytes());
        want.extend_from_slice(&(-2i64).to_le_bytes());
        assert_eq!(bytes, want);
        write_npy::<u32>(&p, &[]).unwrap();
        assert_eq!(read_npy::<u32>(&std::fs::read(&p).unwrap()).unwrap(), (vec![0], vec![]));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Builds a version 1.0 `.npy` file by hand: `dict` padded to 64, then
    /// `body`.
    fn npy_bytes(dict: &str, body: &[u8]) -> Vec<u8> {
        let pad = (64 - (10 + dict.len() + 1) % 64) % 64;
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&((dict.len() + pad + 1) as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.extend(std::iter::repeat_n(b' ', pad));
        out.push(b'\n');
        out.extend_from_slice(body);
        out
    }

    /// What the driver may send: 2-D C-order arrays are read with their
    /// shape; any other element type, byte order or Fortran order, and data
    /// shorter or longer than the shape, are errors naming the problem, not
    /// wrong values; a corrupt shape does not allocate.
    #[test]
    fn npy_reader_takes_only_what_it_can_read_exactly() {
        let body: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        let ok = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", &body);
        assert_eq!(read_npy::<f64>(&ok).unwrap(), (vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        let fortran = npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", &body);
        let e = read_npy::<f64>(&fortran).unwrap_err();
        assert!(e.contains("Fortran") && e.contains("<f8"), "{e}");
        let big_endian = npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (6,), }", &body);
        assert!(read_npy::<f64>(&big_endian).unwrap_err().contains(">f8"));
        let int32 = npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (12,), }", &body);
        assert!(read_npy::<i64>(&int32).unwrap_err().contains("<i4"));
        let short = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }", &body);
        assert_eq!(read_npy::<f64>(&short).unwrap_err(), "48 bytes of data for shape [7]");
        let long = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", &body);
        assert_eq!(read_npy::<f64>(&long).unwrap_err(), "48 bytes of data for shape [5]");
        let huge = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }", &body);
        assert!(read_npy::<f64>(&huge).is_err());
        assert!(read_npy::<f64>(b"\x93NUMPZ\x01\x00").unwrap_err().starts_with("not a .npy file"));
        assert!(read_npy::<f64>(&ok[..7]).unwrap_err().starts_with("not a .npy file"));
    }

    const NEST: DriverSpec =
        DriverSpec { backend: "NEST", simulator: "NEST", script: crate::nest::DRIVER, tag: "nest-test" };

    #[test]
    fn missing_interpreter_names_the_install_command() {
        let Err(e) = Driver::start(Path::new("/nonexistent/python"), NEST) else { panic!("started") };
        let text = e.to_string();
        assert!(text.contains(INSTALL_HINT) && text.contains("NEST"), "{text}");
    }

    /// A fake interpreter: a shell script (run as `script driver.py DIR`)
    /// with the given body, in a fresh directory.
    fn fake_python(name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("pynn-fake-python-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("python");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn alive(pid: u32) -> bool {
        // a zombie (exited, not yet reaped by its new parent) counts as dead
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| !r.trim_start().starts_with('Z')))
    }

    const HELLO: &str = "read line; echo '{\"ok\": true, \"nest_version\": \"fake\"}'";

    #[test]
    fn a_stalled_interpreter_is_killed_at_the_timeout_with_a_clear_error() {
        // The interpreter never answers `hello`; its child `sleep` stands for
        // a stuck import. pid of the child in a file, to check it is killed.
        let pidfile = std::env::temp_dir().join(format!("pynn-fake-sleep-{}.pid", std::process::id()));
        let python = fake_python("stall", &format!("sleep 600 & echo $! > {}; wait", pidfile.display()));
        let t = Instant::now();
        let Err(e) = Driver::start_timed(&python, NEST, &[], Duration::from_secs(1)) else { panic!("started") };
        let waited = t.elapsed();
        let text = e.to_string();
        // 1 s without CPU time, checked every 125 ms; the kill and the
        // process scan take well under a second on a loaded machine.
        assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(10), "{waited:?}");
        for part in [
            "NEST driver process (pid ",
            "did not answer `hello` (starting Python and importing NEST)",
            "for 1 s",
            "PYNN_DRIVER_TIMEOUT=<seconds>",
            "killed",
        ] {
            assert!(text.contains(part), "`{part}` missing in: {text}");
        }
        assert!(text.contains(&python.display().to_string()), "the command: {text}");
        assert!(!text.contains(INSTALL_HINT), "not an installation problem: {text}");
        let sleep: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        let _ = std::fs::remove_file(&pidfile);
        std::thread::sleep(Duration::from_millis(200));
        assert!(!alive(sleep), "the interpreter's child {sleep} was killed too");
    }

    #[test]
    fn a_driver_that_stalls_or_dies_mid_session_fails_its_requests_at_once() {
        let python = fake_python("stall-run", &format!("{HELLO}; read line; sleep 600"));
        let (mut d, hello) = Driver::start_timed(&python, NEST, &[], Duration::from_millis(500)).unwrap();
        assert_eq!(hello["nest_version"], "fake");
        let pid = d.pid;
        let Err(e) = d.call(json!({"cmd": "run", "step": 10})) else { panic!("answered") };
        assert!(e.to_string().contains("did not answer `run` (simulating) and used no CPU time for 0.5 s"), "{e}");
        assert!(d.stopped().is_some_and(|s| s.contains("killed")), "{:?}", d.stopped());
        assert!(!alive(pid));
        let t = Instant::now();
        let Err(e) = d.call(json!({"cmd": "drain"})) else { panic!("answered") };
        assert!(t.elapsed() < Duration::from_millis(100), "no second wait");
        assert!(e.to_string().contains("has stopped") && e.to_string().contains("cannot `drain`"), "{e}");

        // Exits after hello: the next request says so, with the exit status.
        let python = fake_python("exit", &format!("{HELLO}; read line; exit 3"));
        let (mut d, _) = Driver::start_timed(&python, NEST, &[], Duration::from_secs(60)).unwrap();
        let t = Instant::now();
        let Err(e) = d.call(json!({"cmd": "run", "step": 10})) else { panic!("answered") };
        assert!(t.elapsed() < Duration::from_secs(5), "no wait for the timeout");
        assert!(e.to_string().contains("stopped (exit status: 3) during `run`"), "{e}");
        assert!(d.stopped().is_some());
    }

    #[test]
    fn a_driver_computing_longer_than_the_timeout_is_not_stopped() {
        // Busy for 3 s (CPU time in `date` children) with a 1 s timeout.
        let python = fake_python(
            "busy",
            &format!(
                "{HELLO}; read line; end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do :; done; \
                 echo '{{\"ok\": true, \"done\": 1}}'"
            ),
        );
        let (mut d, _) = Driver::start_timed(&python, NEST, &[], Duration::from_secs(1)).unwrap();
        let t = Instant::now();
        let a = d.call(json!({"cmd": "run"})).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a["done"], 1);
        assert!(t.elapsed() >= Duration::from_secs(2), "it computed {:?}", t.elapsed());
    }

    #[test]
    fn a_helper_program_has_the_same_deadline() {
        let out = run_timed(
            Command::new("sh").args(["-c", "echo made; echo warned >&2"]),
            "NEURON",
            "compiling",
            DEFAULT_TIMEOUT,
        )
        .unwrap();
        assert!(out.status.success());
        assert_eq!((out.stdout.as_slice(), out.stderr.as_slice()), (&b"made\n"[..], &b"warned\n"[..]));
        let t = Instant::now();
        let e = run_timed(Command::new("sh").args(["-c", "sleep 600"]), "NEURON", "compiling", Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        assert!(e.contains("compiling") && e.contains("neither finished nor used CPU time for 1 s"), "{e}");
        assert!(e.contains("PYNN_DRIVER_TIMEOUT=<seconds>"), "{e}");
    }

    #[test]
    fn the_timeout_variable_is_checked() {
        assert_eq!(parse_timeout(None).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(parse_timeout(Some(" 2.5")).unwrap(), Duration::from_millis(2500));
        for bad in ["0", "-1", "abc", "inf", "NaN", ""] {
            let text = parse_timeout(Some(bad)).unwrap_err().to_string();
            assert!(text.contains("PYNN_DRIVER_TIMEOUT") && text.contains("number of seconds"), "{bad}: {text}");
        }
    }

    #[test]
    fn a_missing_launcher_is_named_not_the_interpreter() {
        let launcher = ["/nonexistent/mpirun".to_string(), "-np".into(), "2".into()];
        let Err(e) = Driver::start_timed(Path::new("python3"), NEST, &launcher, DEFAULT_TIMEOUT) else {
            panic!("started")
        };
        let text = e.to_string();
        assert!(text.contains("cannot start the launcher `/nonexistent/mpirun`"), "{text}");
        assert!(!text.contains(INSTALL_HINT) && !text.contains("cannot start the Python"), "{text}");
    }

    #[test]
    fn stat_lines_give_parent_and_cpu_time() {
        let line = "42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 11 22 33 44 20 0 1 0 5 0 0";
        assert_eq!(parse_stat(line), Some((7, 110)));
        let me = std::process::id();
        let procs = processes();
        assert!(procs.iter().any(|p| p.0 == me), "this process is in /proc");
        assert!(tree_cpu(me).is_some());
        assert_eq!(tree_cpu(u32::MAX), None);
    }

    #[test]
    fn interpreter_without_nest_names_the_install_command() {
        // A Python without NEST (the system one, unless NEST is installed there).
        let Ok(out) = Command::new("python3").args(["-c", "import nest"]).output() else { return };
        if out.status.success() {
            return;
        }
        let Err(e) = Driver::start(Path::new("python3"), NEST) else { panic!("started without NEST") };
        let text = e.to_string();
        assert!(text.contains("cannot import NEST") && text.contains(INSTALL_HINT), "{text}");
    }
}
