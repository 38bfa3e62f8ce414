//! Reading SONATA's HDF5 files: datasets of one dimension checked for their
//! element type, string attributes, group listings. Every failure is an
//! [`Error::Format`] naming the file and the dataset (or an [`Error::Io`]
//! for a file that cannot be opened), never a panic.
//!
//! Shared by the importer; the exporter may use it for reading back.

use crate::error::{Error, Result};
use hdf5_metno as hdf5;
use hdf5_metno::types::{TypeDescriptor, VarLenAscii, VarLenUnicode};
use std::path::{Path, PathBuf};

/// An open HDF5 file and its path (for messages).
pub(crate) struct H5File {
    pub(crate) path: PathBuf,
    pub(crate) file: hdf5::File,
}

impl H5File {
    /// Opens `path` read-only.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::io(path, "no such file (named by the circuit config)"));
        }
        let file =
            hdf5::File::open(path).map_err(|e| format_error(path, "/", format!("not a readable HDF5 file ({e})")))?;
        Ok(H5File { path: path.to_path_buf(), file })
    }

    /// An [`Error::Format`] at `location` of this file.
    pub(crate) fn error(&self, location: &str, message: impl Into<String>) -> Error {
        format_error(&self.path, location, message)
    }

    /// Whether an object (group or dataset) exists at `location`.
    pub(crate) fn exists(&self, location: &str) -> bool {
        // `link_exists` needs every parent to exist: check them in turn.
        let mut prefix = String::new();
        for part in location.trim_start_matches('/').split('/') {
            prefix.push('/');
            prefix.push_str(part);
            if !self.file.link_exists(&prefix) {
                return false;
            }
        }
        true
    }

    /// The names of the members of group `location`, sorted.
    pub(crate) fn members(&self, location: &str) -> Result<Vec<String>> {
        let g = self.group(location)?;
        let mut names = g.member_names().map_err(|e| self.error(location, format!("cannot list the group ({e})")))?;
        names.sort();
        Ok(names)
    }

    /// The group at `location`; a missing one names it.
    pub(crate) fn group(&self, location: &str) -> Result<hdf5::Group> {
        if !self.exists(location) {
            return Err(self.error(location, "missing group"));
        }
        self.file.group(location).map_err(|e| self.error(location, format!("not a group ({e})")))
    }

    fn dataset(&self, location: &str) -> Result<(hdf5::Dataset, TypeDescriptor)> {
        if !self.exists(location) {
            return Err(self.error(location, "missing dataset"));
        }
        let ds = self.file.dataset(location).map_err(|e| self.error(location, format!("not a dataset ({e})")))?;
        if ds.ndim() != 1 {
            return Err(self.error(location, format!("has {} dimensions; SONATA's datasets have 1", ds.ndim())));
        }
        let td = ds
            .dtype()
            .and_then(|t| t.to_descriptor())
            .map_err(|e| self.error(location, format!("unreadable element type ({e})")))?;
        Ok((ds, td))
    }

    /// A dataset of integers (signed or unsigned, any width) as `u64`; a
    /// float, string or negative value is an error naming the dataset.
    pub(crate) fn read_ids(&self, location: &str) -> Result<Vec<u64>> {
        let (ds, td) = self.dataset(location)?;
        match td {
            TypeDescriptor::Integer(_) => {
                let v: Vec<i64> = ds.read_raw().map_err(|e| self.error(location, format!("cannot read ({e})")))?;
                v.iter()
                    .map(|&x| {
                        u64::try_from(x)
                            .map_err(|_| self.error(location, format!("holds {x}; ids and indices are >= 0")))
                    })
                    .collect()
            }
            TypeDescriptor::Unsigned(_) => {
                ds.read_raw::<u64>().map_err(|e| self.error(location, format!("cannot read ({e})")))
            }
            other => Err(self.error(location, format!("has element type {other}; an integer type is required"))),
        }
    }

    /// A dataset of numbers (floats or integers) as `f64`; strings and
    /// other types are an error naming the dataset.
    pub(crate) fn read_f64(&self, location: &str) -> Result<Vec<f64>> {
        let (ds, td) = self.dataset(location)?;
        match td {
            TypeDescriptor::Float(_) | TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) => {
                ds.read_raw::<f64>().map_err(|e| self.error(location, format!("cannot read ({e})")))
            }
            other => Err(self.error(location, format!("has element type {other}; a number type is required"))),
        }
    }

    /// String attribute `name` of the object at `location`, if present.
    pub(crate) fn string_attr(&self, location: &str, name: &str) -> Result<Option<String>> {
        let at = format!("{location} (attribute `{name}`)");
        let loc: hdf5::Location = match self.file.dataset(location) {
            Ok(d) => (**d).clone(),
            Err(_) => (*self.group(location)?).clone(),
        };
        let names = loc.attr_names().map_err(|e| self.error(&at, format!("cannot list attributes ({e})")))?;
        if !names.iter().any(|n| n == name) {
            return Ok(None);
        }
        let a = loc.attr(name).map_err(|e| self.error(&at, format!("cannot open ({e})")))?;
        let td =
            a.dtype().and_then(|t| t.to_descriptor()).map_err(|e| self.error(&at, format!("unreadable type ({e})")))?;
        let s = match td {
            TypeDescriptor::VarLenUnicode => a.read_scalar::<VarLenUnicode>().map(|s| s.as_str().to_string()),
            TypeDescriptor::VarLenAscii => a.read_scalar::<VarLenAscii>().map(|s| s.as_str().to_string()),
            TypeDescriptor::FixedAscii(_) | TypeDescriptor::FixedUnicode(_) => {
                a.read_raw::<u8>().map(|b| String::from_utf8_lossy(&b).trim_end_matches('\0').to_string())
            }
            other => return Err(self.error(&at, format!("has type {other}; a string is required"))),
        };
        s.map(Some).map_err(|e| self.error(&at, format!("cannot read ({e})")))
    }
}

/// An [`Error::Format`] for `file` at `location`.
pub(crate) fn format_error(file: &Path, location: &str, message: impl Into<String>) -> Error {
    Error::Format { file: file.display().to_string(), location: location.to_string(), message: message.into() }
}
