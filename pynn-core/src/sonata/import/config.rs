//! SONATA's JSON configs: the circuit config (`manifest`, `components`,
//! `networks.nodes`/`networks.edges`) and the simulation config (`run`,
//! `inputs`, `reports`, `output`, `network`, `node_sets_file`), with the
//! manifest's `$VARIABLE`s substituted (SONATA_DEVELOPER_GUIDE.md,
//! "Configuration files"; the same rule as PyNN's `load_config` in
//! pyNN/serialization/sonata.py: a variable's value may use variables
//! defined before it). Relative paths are relative to the config file's
//! directory, and BMTK's `${configdir}` is that directory.

use super::super::h5::format_error;
use crate::error::{Error, Result};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// A config file: its path, its JSON with the manifest substituted.
pub(crate) struct Config {
    pub(crate) path: PathBuf,
    pub(crate) json: Json,
}

impl Config {
    /// Reads and substitutes `path`.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut json: Json = serde_json::from_str(&text)
            .map_err(|e| format_error(path, &format!("line {}", e.line()), format!("not valid JSON ({e})")))?;
        if !json.is_object() {
            return Err(format_error(path, "/", "a SONATA config is a JSON object"));
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let mut vars: Vec<(String, String)> = vec![("configdir".into(), dir.display().to_string())];
        if let Some(m) = json.get("manifest") {
            let m = m.as_object().ok_or_else(|| format_error(path, "manifest", "must be an object"))?;
            for (k, v) in m {
                let v = v.as_str().ok_or_else(|| format_error(path, &format!("manifest.{k}"), "must be a string"))?;
                let value = substitute(v, &vars).map_err(|m| format_error(path, &format!("manifest.{k}"), m))?;
                vars.push((k.trim_start_matches('$').to_string(), value));
            }
        }
        substitute_all(&mut json, &vars, path, "")?;
        Ok(Config { path: path.to_path_buf(), json })
    }

    /// The directory relative paths start from.
    pub(crate) fn dir(&self) -> PathBuf {
        let d = self.path.parent().map(Path::to_path_buf).unwrap_or_default();
        if d.as_os_str().is_empty() { PathBuf::from(".") } else { d }
    }

    /// A path value, resolved against the config's directory.
    pub(crate) fn resolve(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() { p.to_path_buf() } else { self.dir().join(p) }
    }

    /// The value at the dotted `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        key.split('.').try_fold(&self.json, |j, k| j.get(k))
    }

    /// A required string at `key`.
    pub(crate) fn string(&self, j: &Json, key: &str, at: &str) -> Result<String> {
        match j.get(key) {
            Some(Json::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.error(&format!("{at}.{key}"), format!("is {other}; a string is required"))),
            None => Err(self.error(&format!("{at}.{key}"), "missing")),
        }
    }

    /// A required number at the dotted `key`.
    pub(crate) fn number(&self, key: &str) -> Result<f64> {
        match self.get(key) {
            Some(v) => v.as_f64().ok_or_else(|| self.error(key, format!("is {v}; a number is required"))),
            None => Err(self.error(key, "missing")),
        }
    }

    /// An [`Error::Format`] at `key` of this file.
    pub(crate) fn error(&self, key: &str, message: impl Into<String>) -> Error {
        format_error(&self.path, key, message)
    }
}

/// `$NAME`, `${NAME}` replaced by the manifest's values (longest name first,
/// so `$BASE_DIR2` is not read as `$BASE_DIR` + `2`).
fn substitute(s: &str, vars: &[(String, String)]) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}').ok_or_else(|| format!("unclosed `${{` in \"{s}\""))?;
            (&inner[..end], end + 2)
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], end)
        };
        let mut best: Option<&(String, String)> = None;
        for v in vars {
            let matches = name == v.0 || (!after.starts_with('{') && name.starts_with(v.0.as_str()));
            if matches && best.is_none_or(|b| v.0.len() > b.0.len()) {
                best = Some(v);
            }
        }
        match best {
            Some((k, v)) => {
                out.push_str(v);
                let used = if after.starts_with('{') { len } else { k.len() };
                rest = &after[used..];
            }
            None => {
                let known: Vec<&str> = vars.iter().map(|v| v.0.as_str()).collect();
                return Err(format!("unknown manifest variable `${name}` in \"{s}\"; defined: {}", known.join(", ")));
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn substitute_all(j: &mut Json, vars: &[(String, String)], path: &Path, at: &str) -> Result<()> {
    match j {
        Json::String(s) if s.contains('$') => {
            *s = substitute(s, vars).map_err(|m| format_error(path, at, m))?;
        }
        Json::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                substitute_all(x, vars, path, &format!("{at}[{i}]"))?;
            }
        }
        Json::Object(o) => {
            for (k, x) in o.iter_mut() {
                if at.is_empty() && k == "manifest" {
                    continue;
                }
                let key = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                substitute_all(x, vars, path, &key)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::substitute;

    #[test]
    fn manifest_variables_longest_first_and_braces() {
        let vars = vec![
            ("BASE_DIR".to_string(), "/b".to_string()),
            ("BASE_DIR2".to_string(), "/c".to_string()),
            ("configdir".to_string(), "/d".to_string()),
        ];
        assert_eq!(substitute("$BASE_DIR/x", &vars).unwrap(), "/b/x");
        assert_eq!(substitute("$BASE_DIR2/x", &vars).unwrap(), "/c/x");
        assert_eq!(substitute("${configdir}/n.h5", &vars).unwrap(), "/d/n.h5");
        assert!(substitute("$NOPE/x", &vars).unwrap_err().contains("unknown manifest variable `$NOPE`"));
    }
}
