use super::{ConnectContext, Connector, ConnectorOutput, FromListConnector};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The rows of a connection file and its attribute column names.
type RowsAndColumns = (Vec<Vec<f64>>, Option<Vec<String>>);

/// Reads a connection file in PyNN's list format (as written by
/// `Projection.save` and [`crate::Projection::save`]): header lines
/// `# key = value`, of which `# columns = ['i', 'j', 'weight', 'delay']`
/// names the columns (Python list or tuple syntax), then one whitespace- or
/// tab-separated row of numbers per connection.
///
/// Returns the rows and the attribute column names (without `i`, `j`), or
/// `None` if the file has no `columns` header.
pub fn read_connection_file(path: impl AsRef<Path>) -> Result<RowsAndColumns> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |line: usize, message: String| Error::Io {
        path: path.display().to_string(),
        message: format!("line {line}: {message}"),
    };
    let mut columns: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix('#') {
            if let Some((key, value)) = h.split_once('=')
                && key.trim() == "columns"
            {
                let v = value.trim();
                let inner = v
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .or_else(|| v.strip_prefix('(').and_then(|s| s.strip_suffix(')')))
                    .ok_or_else(|| {
                        bad(k + 1, format!("columns header `{v}` is not a list such as ['i', 'j', 'weight', 'delay']"))
                    })?;
                let names: Vec<String> = inner
                    .split(',')
                    .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if names.len() < 2 || names[0] != "i" || names[1] != "j" {
                    return Err(bad(k + 1, format!("columns header {names:?} must start with 'i', 'j'")));
                }
                columns = Some(names[2..].to_vec());
            }
            continue;
        }
        let row: Vec<f64> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f64>().map_err(|_| bad(k + 1, format!("`{s}` is not a number"))))
            .collect::<Result<_>>()?;
        let width = columns.as_ref().map(|c| c.len() + 2).or(rows.first().map(Vec::len));
        if let Some(w) = width
            && row.len() != w
        {
            return Err(bad(k + 1, format!("{} values, expected {w} (one per column)", row.len())));
        }
        rows.push(row);
    }
    Ok((rows, columns))
}

/// Connections read from a file in PyNN's list format (PyNN's
/// `FromFileConnector`): see [`read_connection_file`]. Without a `columns`
/// header, rows are `(i, j)` or `(i, j, weight, delay)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FromFileConnector {
    /// The file read.
    pub file: PathBuf,
    list: FromListConnector,
}

impl FromFileConnector {
    /// Reads `file` now; a missing or malformed file is an error here.
    pub fn new(file: impl AsRef<Path>) -> Result<Self> {
        let file = file.as_ref().to_path_buf();
        let (rows, columns) = read_connection_file(&file)?;
        let names: Option<Vec<&str>> = columns.as_ref().map(|c| c.iter().map(String::as_str).collect());
        let list = FromListConnector::from_rows(&rows, names.as_deref())
            .map_err(|e| Error::Io { path: file.display().to_string(), message: e.to_string() })?;
        Ok(FromFileConnector { file, list })
    }

    /// The connections read, as a [`FromListConnector`].
    pub fn as_list(&self) -> &FromListConnector {
        &self.list
    }
}

impl Connector for FromFileConnector {
    fn name(&self) -> &'static str {
        "FromFileConnector"
    }

    fn connect(&self, ctx: &ConnectContext<'_>) -> Result<ConnectorOutput> {
        self.list.connect(ctx)
    }
}
