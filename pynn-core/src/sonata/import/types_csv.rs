//! SONATA's node and edge type tables: space-separated CSV with a header
//! row, `"` as the quote character (SONATA_DEVELOPER_GUIDE.md, "Node and
//! edge types"; PyNN writes them with Python's `csv` module, delimiter `' '`,
//! quotechar `'"'`). Values `NONE` (and empty) mean "not given here".

use super::super::h5::format_error;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row of a type table: column name -> value (absent: `NONE`).
pub(crate) type TypeRow = BTreeMap<String, String>;

/// A node or edge type table, rows keyed by their type id.
pub(crate) struct TypesTable {
    pub(crate) path: PathBuf,
    pub(crate) rows: BTreeMap<u64, (usize, TypeRow)>,
}

impl TypesTable {
    /// Reads `path`; `id_column` is `node_type_id` or `edge_type_id`.
    pub(crate) fn read(path: &Path, id_column: &str) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (_, header) =
            lines.next().ok_or_else(|| format_error(path, "line 1", "empty types file; a header row is required"))?;
        let header = split(header).map_err(|m| format_error(path, "line 1", m))?;
        let id_col = header.iter().position(|h| h == id_column).ok_or_else(|| {
            format_error(path, "line 1 (header)", format!("no `{id_column}` column; columns: {}", header.join(", ")))
        })?;
        let mut rows = BTreeMap::new();
        for (i, line) in lines {
            let at = format!("line {}", i + 1);
            let cells = split(line).map_err(|m| format_error(path, &at, m))?;
            if cells.len() != header.len() {
                return Err(format_error(
                    path,
                    &at,
                    format!("{} values for {} columns ({})", cells.len(), header.len(), header.join(", ")),
                ));
            }
            let id: u64 = cells[id_col].parse().map_err(|_| {
                format_error(
                    path,
                    &format!("{at}, column {id_column}"),
                    format!("`{}` is not a type id (an integer >= 0)", cells[id_col]),
                )
            })?;
            let row: TypeRow = header
                .iter()
                .zip(cells)
                .filter(|(_, v)| !(v.is_empty() || v == "NONE" || v == "None"))
                .map(|(h, v)| (h.clone(), v))
                .collect();
            if rows.insert(id, (i + 1, row)).is_some() {
                return Err(format_error(
                    path,
                    &format!("{at}, column {id_column}"),
                    format!("type id {id} appears twice"),
                ));
            }
        }
        Ok(TypesTable { path: path.to_path_buf(), rows })
    }

    /// The row of type `id`; `dataset` names where the id was read (for
    /// the message when the table has no such type).
    pub(crate) fn row(&self, id: u64, h5: &Path, dataset: &str) -> Result<&(usize, TypeRow)> {
        self.rows.get(&id).ok_or_else(|| {
            format_error(
                h5,
                dataset,
                format!(
                    "type id {id} is not in {} (ids there: {})",
                    self.path.display(),
                    self.rows.keys().map(u64::to_string).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }
}

/// Splits a line at runs of spaces, keeping quoted fields whole (`""` in a
/// quoted field is one `"`).
fn split(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    loop {
        while chars.peek() == Some(&' ') || chars.peek() == Some(&'\t') {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut field = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(x) => field.push(x),
                    None => return Err("unclosed quote".into()),
                }
            }
        } else {
            while let Some(&x) = chars.peek() {
                if x == ' ' || x == '\t' {
                    break;
                }
                field.push(x);
                chars.next();
            }
        }
        out.push(field);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_on_spaces_and_keeps_quotes() {
        assert_eq!(split("a  b \"c d\" \"e\"\"f\"").unwrap(), ["a", "b", "c d", "e\"f"]);
        assert!(split("a \"b").is_err());
    }
}
