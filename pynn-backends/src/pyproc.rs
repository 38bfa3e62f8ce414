//! A simulator driven as a Python process, shared by the NEST, NEURON and
//! Brian2 backends: discovery of the interpreter, the line-based JSON
//! protocol (one command per line on the driver's stdin, one answer per line
//! on its stdout), and `.npy` files for large arrays.
//!
//! A driver script must answer `{"cmd": "hello"}` with `{"ok": true,
//! "version": ...}` once its simulator imports, or with `{"ok": false,
//! "error": "cannot import X: ..."}`, and quit on `{"cmd": "quit"}`.

use pynn_core::{Error, Result};
use serde_json::{Value as Json, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The command that provisions the Python environment of every external
/// backend (run in the workspace root).
pub const INSTALL_HINT: &str =
    "python3 -m venv .venv && .venv/bin/pip install nest-simulator neuron \"brian2==2.9.0\" \"numpy<2.4\"";

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

/// A running driver process and its work directory.
pub(crate) struct Driver {
    spec: DriverSpec,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    dir: PathBuf,
    files: usize,
}

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

impl Driver {
    /// Starts `python driver.py WORKDIR` and checks that the simulator
    /// imports; returns the driver and the `hello` answer.
    pub fn start(python: &Path, spec: DriverSpec) -> Result<(Driver, Json)> {
        Self::start_with(python, spec, &[])
    }

    /// Like [`Driver::start`], with the interpreter run by `launcher` (e.g.
    /// `["mpirun", "-np", "2"]`; empty: run directly).
    pub fn start_with(python: &Path, spec: DriverSpec, launcher: &[String]) -> Result<(Driver, Json)> {
        let err = |m: String| backend_err(spec.backend, m);
        let n = SESSIONS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pynn-{}-{}-{n}", spec.tag, std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
        let script = dir.join("driver.py");
        std::fs::write(&script, spec.script).map_err(|e| err(format!("cannot write {}: {e}", script.display())))?;
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
        let mut child = command
            .arg(&script)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                err(format!(
                    "cannot start the Python interpreter `{}` ({e}). The {} backend needs Python with \
                     {sim}: run `{INSTALL_HINT}` in the workspace root, or set PYNN_PYTHON to an \
                     interpreter that has {sim}",
                    python.display(),
                    spec.backend
                ))
            })?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut d = Driver { spec, child, stdin, stdout, dir, files: 0 };
        let hello = d.call(json!({"cmd": "hello"})).map_err(|e| match e {
            Error::Backend { message, .. } => err(format!(
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

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Sends one command and returns the driver's answer (an `ok: false`
    /// answer becomes `Error::Backend` with the simulator's message).
    pub fn call(&mut self, cmd: Json) -> Result<Json> {
        let backend = self.spec.backend;
        let err = |m: String| backend_err(backend, m);
        let name = cmd["cmd"].as_str().unwrap_or("?").to_string();
        let mut line = serde_json::to_string(&cmd).map_err(|e| err(format!("cannot encode `{name}`: {e}")))?;
        line.push('\n');
        let dead = |me: &mut Driver, what: String| {
            let status = me.child.try_wait().ok().flatten().map(|s| format!(" ({s})")).unwrap_or_default();
            err(format!("the {backend} driver process stopped{status} during `{name}`: {what}\n{}", me.log_tail()))
        };
        if let Err(e) = self.stdin.write_all(line.as_bytes()).and_then(|_| self.stdin.flush()) {
            return Err(dead(self, e.to_string()));
        }
        let mut answer = String::new();
        match self.stdout.read_line(&mut answer) {
            Ok(0) => return Err(dead(self, "no answer".into())),
            Err(e) => return Err(dead(self, e.to_string())),
            Ok(_) => {}
        }
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

    /// Writes a 1-D array to a fresh `.npy` file of the work directory.
    pub fn write_npy<T: NpyElem>(&mut self, name: &str, data: &[T]) -> Result<String> {
        self.files += 1;
        let path = self.dir.join(format!("in_{}_{name}.npy", self.files));
        write_npy(&path, data).map_err(|e| self.err(format!("cannot write {}: {e}", path.display())))?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// Reads (and deletes) a `.npy` file written by the driver.
    pub fn read_npy<T: NpyElem>(&self, path: &Json) -> Result<(Vec<usize>, Vec<T>)> {
        let path = PathBuf::from(path.as_str().ok_or_else(|| self.err("missing file in the driver's answer"))?);
        let bytes = std::fs::read(&path).map_err(|e| self.err(format!("cannot read {}: {e}", path.display())))?;
        let _ = std::fs::remove_file(&path);
        read_npy(&bytes).map_err(|e| self.err(format!("{}: {e}", path.display())))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.stdin.write_all(b"{\"cmd\": \"quit\"}\n");
        let _ = self.stdin.flush();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An element type of the `.npy` files exchanged with the driver
/// (little-endian).
pub trait NpyElem: Copy {
    /// NumPy's type string (`"<f8"`, ...).
    const DESCR: &'static str;
    /// Appends the little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads one value from `DESCR`-encoded bytes.
    fn get(bytes: &[u8]) -> Self;
}

impl NpyElem for f64 {
    const DESCR: &'static str = "<f8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        f64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}
impl NpyElem for i64 {
    const DESCR: &'static str = "<i8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        i64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}
impl NpyElem for u32 {
    const DESCR: &'static str = "<u4";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        u32::from_le_bytes(b.try_into().expect("4 bytes"))
    }
}

/// Writes a 1-D `.npy` file (format version 1.0).
pub fn write_npy<T: NpyElem>(path: &Path, data: &[T]) -> std::io::Result<()> {
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': ({},), }}", T::DESCR, data.len());
    // magic (6) + version (2) + header length (2) + header + '\n', padded to 64
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + std::mem::size_of_val(data));
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for x in data {
        x.put(&mut out);
    }
    std::fs::write(path, out)
}

/// Reads a C-ordered `.npy` array of element type `T`: shape and values.
pub fn read_npy<T: NpyElem>(bytes: &[u8]) -> std::result::Result<(Vec<usize>, Vec<T>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).map_err(|e| e.to_string())?;
    if !header.contains(&format!("'descr': '{}'", T::DESCR)) || header.contains("'fortran_order': True") {
        return Err(format!("unexpected array type {header} (want {} in C order)", T::DESCR));
    }
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| format!("no shape in {header}"))?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|e| e.to_string()))
        .collect::<std::result::Result<_, _>>()?;
    let n: usize = shape.iter().product();
    let size = std::mem::size_of::<T>();
    let body = &bytes[start + hlen..];
    if body.len() != n * size {
        return Err(format!("{} bytes of data for shape {shape:?}", body.len()));
    }
    Ok((shape, body.chunks_exact(size).map(T::get).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const NEST: DriverSpec =
        DriverSpec { backend: "NEST", simulator: "NEST", script: crate::nest::DRIVER, tag: "nest-test" };

    #[test]
    fn missing_interpreter_names_the_install_command() {
        let Err(e) = Driver::start(Path::new("/nonexistent/python"), NEST) else { panic!("started") };
        let text = e.to_string();
        assert!(text.contains(INSTALL_HINT) && text.contains("NEST"), "{text}");
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
