//! The project's NMODL mechanisms for NEURON: their sources (embedded),
//! and their compilation with `nrnivmodl` into a cache keyed by the
//! sources (`$PYNN_NEURON_CACHE`, else `~/.cache/pynn-rs`), once per
//! version of the sources, safe for concurrent sessions.

use super::{INSTALL_HINT, err};
use pynn_core::{Error, Result};
use std::path::{Path, PathBuf};

/// The NMODL sources compiled on first use (file name, text).
pub const MECHANISMS: &[(&str, &str)] = &[
    ("pynn_iaf_curr.mod", include_str!("nmodl/pynn_iaf_curr.mod")),
    ("pynn_izhikevich.mod", include_str!("nmodl/pynn_izhikevich.mod")),
    ("pynn_ode.mod", include_str!("nmodl/pynn_ode.mod")),
    ("pynn_spike_source.mod", include_str!("nmodl/pynn_spike_source.mod")),
    ("pynn_gif.mod", include_str!("nmodl/pynn_gif.mod")),
    ("pynn_point.mod", include_str!("nmodl/pynn_point.mod")),
    // C helpers (RKF45, ChaCha8) included by the mechanisms above (NMODL `INCLUDE`)
    ("pynn_rkf45.inc", include_str!("nmodl/pynn_rkf45.inc")),
];

/// FNV-1a of the mechanism sources: the cache key of the compiled library.
fn sources_hash() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in MECHANISMS {
        for b in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn cache_root() -> PathBuf {
    if let Some(p) = std::env::var_os("PYNN_NEURON_CACHE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        Some(home) => Path::new(&home).join(".cache").join("pynn-rs"),
        None => std::env::temp_dir().join("pynn-rs-cache"),
    }
}

/// NEURON 9 puts the library in `<arch>/libnrnmech.so` (older versions in
/// `<arch>/.libs/`).
fn library_in(dir: &Path) -> PathBuf {
    let arch = dir.join(std::env::consts::ARCH);
    let old = arch.join(".libs").join("libnrnmech.so");
    if old.exists() { old } else { arch.join("libnrnmech.so") }
}

/// Compiles the project's mechanisms with `nrnivmodl` (next to `python`) if
/// the cache has no library for the current sources; returns the library.
///
/// Concurrent sessions compile in private directories and the first to
/// finish renames its directory into place.
pub fn compiled_mechanisms(python: &Path) -> Result<PathBuf> {
    compile_in(&cache_root(), python)
}

fn compile_in(root: &Path, python: &Path) -> Result<PathBuf> {
    let dir = root.join(format!("neuron-mechanisms-{:016x}", sources_hash()));
    let lib = library_in(&dir);
    if lib.exists() {
        return Ok(lib);
    }
    let parent = dir.parent().expect("cache dir has a parent");
    std::fs::create_dir_all(parent).map_err(|e| err(format!("cannot create {}: {e}", parent.display())))?;
    let tmp = parent.join(format!(
        "tmp-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    std::fs::create_dir_all(&tmp).map_err(|e| err(format!("cannot create {}: {e}", tmp.display())))?;
    for (name, text) in MECHANISMS {
        std::fs::write(tmp.join(name), text).map_err(|e| err(format!("cannot write {name}: {e}")))?;
    }
    let nrnivmodl = match python.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(bin) if bin.join("nrnivmodl").exists() => bin.join("nrnivmodl"),
        _ => PathBuf::from("nrnivmodl"),
    };
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(bin) = python.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut p = bin.as_os_str().to_owned();
        p.push(":");
        p.push(&path);
        path = p;
    }
    let mut command = std::process::Command::new(&nrnivmodl);
    command.current_dir(&tmp).env("PATH", path);
    let timeout = crate::pyproc::driver_timeout()?;
    let out =
        crate::pyproc::run_timed(&mut command, "NEURON", "compiling the NEURON mechanisms", timeout).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            match e {
                Error::Backend { message, .. } if message.starts_with("cannot run") => err(format!(
                    "{message}. Install NEURON with `{INSTALL_HINT}` in the workspace root, or set PYNN_PYTHON to \
                     an interpreter that has it"
                )),
                other => other,
            }
        })?;
    if !out.status.success() || !library_in(&tmp).exists() {
        let _ = std::fs::remove_dir_all(&tmp);
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        return Err(err(format!(
            "nrnivmodl failed ({}):\n{}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )));
    }
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another session got there first.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if lib.exists() { Ok(lib) } else { Err(err(format!("no compiled library at {}", lib.display()))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_nrnivmodl_names_the_install_command() {
        let root = std::env::temp_dir().join(format!("pynn-neuron-nocache-{}", std::process::id()));
        let Err(e) = compile_in(&root, Path::new("/nonexistent/bin/python")) else { panic!("compiled") };
        let _ = std::fs::remove_dir_all(&root);
        assert!(e.to_string().contains(INSTALL_HINT), "{e}");
    }

    #[test]
    fn the_cache_key_depends_on_the_sources() {
        assert_eq!(sources_hash(), sources_hash());
        assert_eq!(MECHANISMS.len(), 7);
        let mods = MECHANISMS.iter().filter(|(name, _)| name.ends_with(".mod"));
        assert!(mods.clone().all(|(_, text)| text.contains("NEURON {")));
        // every INCLUDE names a file that is written next to the .mod files
        for (_, text) in mods {
            for line in text.lines().filter(|l| l.starts_with("INCLUDE")) {
                let file = line.trim_start_matches("INCLUDE").trim().trim_matches('"');
                assert!(MECHANISMS.iter().any(|(n, _)| *n == file), "{file}");
            }
        }
    }
}
