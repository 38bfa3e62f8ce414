//! PyNN 0.7's own names, for porting 0.7 scripts.
//!
//! PyNN 0.7.3 (the seed of this project) had calls that PyNN 0.8 replaced:
//! `tset`, `rset`, `randomInit`, `getSpikes`, `get_v`, `get_gsyn`,
//! `printSpikes`, `print_v`, `print_gsyn` on populations; `setWeights`,
//! `randomizeWeights`, `setDelays`, `randomizeDelays`,
//! `setSynapseDynamics`, `randomizeSynapseDynamics`, `getWeights`,
//! `getDelays`, `getSynapseDynamics`, `saveConnections`, `printWeights`,
//! `printDelays`, `weightHistogram` on projections. Each is offered here
//! under its snake_case name as a thin call onto today's API; the table
//! "PyNN 0.7 call -> pynn-rs call" is in `docs/pynn07.md`, and
//! `tests/compat07.rs` checks every row.
//!
//! The calls are two extension traits, [`Population07`] (on populations,
//! views and assemblies) and [`Projection07`], in the prelude: a ported script needs
//! no extra import, while the inherent API (what `docs.rs` lists first on
//! `Population` and `Projection`) stays PyNN 0.13's.
//!
//! # Files
//!
//! Where PyNN 0.7 wrote a file, so do these calls, in its
//! `StandardTextFile` layout (PyNN 0.7.4, `src/recording/files.py`,
//! `StandardTextFile.write`; `src/recording/__init__.py`,
//! `Recorder.metadata` and `Recorder._make_compatible`; `src/common.py`,
//! `Projection.saveConnections`, `printWeights`):
//!
//! * header lines `# key = value`, one per metadata entry, in the order
//!   Python 2.7's `dict` listed them (PyNN wrote `metadata.items()`);
//!   for recorded data the keys `size, first_index, first_id, n, variable,
//!   last_id, last_index, dt, label` (the order CPython 2.7.18 gives
//!   `Recorder.metadata`, built as PyNN built it; string hashing is not
//!   randomised by default in Python 2, so the order is fixed). A file without metadata
//!   (`printWeights`) starts with one empty line, as 0.7's did;
//! * then one row per data point, values tab-separated, each printed as
//!   Python's `repr` of the float ([`py_repr`]: `0.0`, `12.3`, `1e-05`),
//!   as `numpy.savetxt(fmt='%r')` wrote a float array;
//! * columns ("compatible output"): spikes `t index`; membrane potential
//!   `v index` (no time column: sample `k` of each cell is at `k dt`
//!   from the start of the recording); conductances `ge gi index`.
//!
//! PyNN 0.7 ordered rows as its simulator did; here spike rows are in time
//! order (equal times by index), and `v`/`gsyn` rows are cell by cell,
//! each cell's samples in time order.
//!
//! Cell IDs (`first_id`, `last_id`) are the cells' global indices in the
//! session (a population's cells are numbered after those of the
//! populations created before it), as PyNN's were the simulator's.

use crate::assembly::Assembly;
use crate::backend::Backend;
use crate::cells::CellType;
use crate::data::Block;
use crate::error::{Error, Result};
use crate::parameters::Value;
use crate::population::{Cells, PopulationView};
use crate::projection::Projection;
use crate::random::RandomDistribution;
use std::io::Write;
use std::path::Path;

/// Python's `repr` of a float, as PyNN 0.7's files print every value
/// (`numpy.savetxt(fmt='%r')`): the shortest decimal that reads back as
/// `x`, in positional notation with at least one decimal for decimal
/// exponents in `-4 ..= 15` (`0.0001`, `3.0`), scientific outside with a
/// signed exponent of at least two digits (`1e-05`, `1.5e+16`); `nan`,
/// `inf`, `-inf`.
///
/// ```
/// # use pynn_core::compat07::py_repr;
/// assert_eq!(py_repr(3.0), "3.0");
/// assert_eq!(py_repr(0.1), "0.1");
/// assert_eq!(py_repr(1e-5), "1e-05");
/// assert_eq!(py_repr(1.5e16), "1.5e+16");
/// assert_eq!(py_repr(-0.0), "-0.0");
/// ```
pub fn py_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "d.ddde±X".
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if n <= exp + 1 {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let (a, b) = digits.split_at(1);
        let m = if b.is_empty() { a.to_string() } else { format!("{a}.{b}") };
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{es}{:02}", exp.abs())
    }
}

/// Writes a file in PyNN 0.7's `StandardTextFile` layout: the header lines,
/// or one empty line without metadata, then tab-separated rows.
fn write_text_file(path: &Path, call: &str, header: &[(&str, String)], rows: &[Vec<f64>]) -> Result<()> {
    crate::io::check_file_path(path, call)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = std::io::BufWriter::new(f);
    let mut write = || -> std::io::Result<()> {
        let lines: Vec<String> = header.iter().map(|(k, v)| format!("# {k} = {v}")).collect();
        writeln!(w, "{}", lines.join("\n"))?;
        let mut line = String::new();
        for row in rows {
            line.clear();
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    line.push('\t');
                }
                line.push_str(&py_repr(*v));
            }
            writeln!(w, "{line}")?;
        }
        w.flush()
    };
    write().map_err(|e| Error::io(path, e))
}

/// PyNN 0.7's `format` argument of `getWeights`, `getDelays`,
/// `printWeights`, ...: `'list'` or `'array'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format07 {
    /// One value per connection, in list order (`format='list'`).
    #[default]
    List,
    /// An `n_pre x n_post` array (`format='array'`): NaN where there is no
    /// connection (`printWeights` writes 0 there), several connections of
    /// one pair summed.
    Array,
}

/// What `get_weights`, `get_delays` and `get_synapse_dynamics` return: the
/// values in the [`Format07`] asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Values07 {
    /// One value per connection, in list order.
    List(Vec<f64>),
    /// `n_pre` rows of `n_post` values, NaN where there is no connection.
    Array(Vec<Vec<f64>>),
}

impl Values07 {
    /// The list, or `None` for the array format.
    pub fn as_list(&self) -> Option<&[f64]> {
        match self {
            Values07::List(v) => Some(v),
            Values07::Array(_) => None,
        }
    }
    /// The array, or `None` for the list format.
    pub fn as_array(&self) -> Option<&[Vec<f64>]> {
        match self {
            Values07::Array(a) => Some(a),
            Values07::List(_) => None,
        }
    }
}

/// What `weight_histogram` returns (PyNN 0.7's `numpy.histogram` pair
/// `(n, bins)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram07 {
    /// Number of weights in each bin (`nbins` values).
    pub counts: Vec<usize>,
    /// The `nbins + 1` bin edges, from `min` to `max` evenly spaced.
    pub bins: Vec<f64>,
}

/// PyNN 0.7's names on populations, views and assemblies (in the
/// prelude). Each method says the 0.7 call it stands for and the call it
/// makes. On an [`Assembly`], indices are positions in the assembly and the
/// getters read whatever each part recorded.
pub trait Population07 {
    /// `tset(name, value_array)`, PyNN 0.7's "topographic set": one value
    /// per cell. Calls `set(name, values)`.
    fn tset(&self, name: &str, values: &[f64]) -> Result<()>;
    /// `rset(name, rand_distr)`, PyNN 0.7's "random set". Calls
    /// `set(name, distribution)`.
    fn rset(&self, name: &str, distribution: RandomDistribution) -> Result<()>;
    /// `randomInit(rand_distr)`: random initial membrane potentials. Calls
    /// `initialize("v", distribution)`.
    fn random_init(&self, distribution: RandomDistribution) -> Result<()>;
    /// `record_v()`: records the membrane potential. Calls
    /// `record("v", None)`.
    fn record_v(&self) -> Result<()>;
    /// `record_gsyn()`: records the synaptic conductances. Calls
    /// `record(["gsyn_exc", "gsyn_inh"], None)`; an error for current-based
    /// cells.
    fn record_gsyn(&self) -> Result<()>;
    /// `getSpikes()`: rows `[index, t]` (ms) of the current segment (0.7's
    /// `reset()` discarded earlier data), in time order. From
    /// `get_data_of("spikes")`.
    fn get_spikes(&self) -> Result<Vec<[f64; 2]>>;
    /// `get_v()`: rows `[index, t, v]` (ms, mV) of the current segment,
    /// cell by cell. From `get_data_of("v")`.
    fn get_v(&self) -> Result<Vec<[f64; 3]>>;
    /// `get_gsyn()`: rows `[index, t, ge, gi]` (ms, uS) of the current
    /// segment, cell by cell. From `get_data_of(["gsyn_exc",
    /// "gsyn_inh"])`.
    fn get_gsyn(&self) -> Result<Vec<[f64; 4]>>;
    /// `printSpikes(file)`: writes the spikes as PyNN 0.7 did (see the
    /// [module documentation](self)): header, then rows `t index`.
    fn print_spikes(&self, path: impl AsRef<Path>) -> Result<()>;
    /// `print_v(file)`: writes the membrane potential as PyNN 0.7 did:
    /// header, then rows `v index`.
    fn print_v(&self, path: impl AsRef<Path>) -> Result<()>;
    /// `print_gsyn(file)`: writes the conductances as PyNN 0.7 did:
    /// header, then rows `ge gi index`.
    fn print_gsyn(&self, path: impl AsRef<Path>) -> Result<()>;
}

/// The metadata PyNN 0.7's `Recorder.metadata` wrote for `cells`, in
/// Python 2.7's dict order (see the module documentation).
fn header07<B: Backend>(
    cells: &dyn Cells<B>,
    size: usize,
    label: &str,
    variable: &str,
    n: usize,
) -> Vec<(&'static str, String)> {
    let sel = cells.selection();
    let (first_id, last_id, dt) = {
        let st = cells.sim().lock();
        let id = |part: Option<&(usize, std::sync::Arc<Vec<usize>>)>, last: bool| {
            part.and_then(|(p, c)| if last { c.last() } else { c.first() }.map(|i| st.pops[*p].offset + i)).unwrap_or(0)
        };
        (id(sel.parts.first(), false), id(sel.parts.last(), true), st.config.timestep)
    };
    vec![
        ("size", size.to_string()),
        ("first_index", "0".into()),
        ("first_id", first_id.to_string()),
        ("n", n.to_string()),
        ("variable", variable.to_string()),
        ("last_id", last_id.to_string()),
        ("last_index", size.to_string()),
        // Python 2's str(float) is '%.12g': the same text as repr for a
        // time step of 12 digits or fewer.
        ("dt", py_repr(dt)),
        ("label", label.to_string()),
    ]
}

/// Rows `[index, t]` of the last segment's spikes, in time order (equal
/// times by index).
fn spike_rows07(block: &Block) -> Vec<[f64; 2]> {
    let mut rows: Vec<[f64; 2]> = block
        .segments
        .last()
        .map(|seg| {
            seg.spiketrains.iter().flat_map(|st| st.times.iter().map(|t| [st.source_index as f64, *t])).collect()
        })
        .unwrap_or_default();
    rows.sort_by(|a, b| a[1].total_cmp(&b[1]).then(a[0].total_cmp(&b[0])));
    rows
}

/// Rows `[index, t, values...]` of the analog variables `names` in the
/// last segment, cell by cell (the cells of the first signal that the
/// others also hold).
fn analog_rows07(block: &Block, names: &[&str]) -> Vec<Vec<f64>> {
    let Some(seg) = block.segments.last() else { return Vec::new() };
    let signals: Vec<_> = names.iter().filter_map(|n| seg.signal(n)).collect();
    let Some(first) = signals.first().filter(|_| signals.len() == names.len()) else { return Vec::new() };
    let times = first.times();
    let mut rows = Vec::with_capacity(first.data.len());
    for index in &first.channel_index {
        let Some(cols) = signals.iter().map(|s| s.trace(*index)).collect::<Option<Vec<_>>>() else { continue };
        for (k, t) in times.iter().enumerate() {
            let mut row = vec![*index as f64, *t];
            row.extend(cols.iter().map(|col| col[k]));
            rows.push(row);
        }
    }
    rows
}

impl<C: CellType, B: Backend> PopulationView<C, B> {
    /// The recorded data of `variables` (checked names).
    fn data07(&self, variables: &[&str]) -> Result<Block> {
        self.get_data_of(variables)
    }
}

impl<B: Backend> Assembly<B> {
    /// The recorded data of every part (PyNN 0.7's `Assembly` getters read
    /// whatever each part recorded).
    fn data07(&self, _variables: &[&str]) -> Result<Block> {
        self.get_data()
    }
}

/// `Population07` for a type with `set`, `initialize`, `record`, `size`,
/// `label` and a `data07` helper: populations' views and assemblies.
macro_rules! population07 {
    ($ty:ty, [$($generics:tt)*]) => {
        impl<$($generics)*> Population07 for $ty {
            fn tset(&self, name: &str, values: &[f64]) -> Result<()> {
                self.set(name, values)
            }
            fn rset(&self, name: &str, distribution: RandomDistribution) -> Result<()> {
                self.set(name, distribution)
            }
            fn random_init(&self, distribution: RandomDistribution) -> Result<()> {
                self.initialize("v", distribution)
            }
            fn record_v(&self) -> Result<()> {
                self.record("v", None)
            }
            fn record_gsyn(&self) -> Result<()> {
                self.record(["gsyn_exc", "gsyn_inh"], None)
            }
            fn get_spikes(&self) -> Result<Vec<[f64; 2]>> {
                Ok(spike_rows07(&self.data07(&["spikes"])?))
            }
            fn get_v(&self) -> Result<Vec<[f64; 3]>> {
                let rows = analog_rows07(&self.data07(&["v"])?, &["v"]);
                Ok(rows.into_iter().map(|r| [r[0], r[1], r[2]]).collect())
            }
            fn get_gsyn(&self) -> Result<Vec<[f64; 4]>> {
                let names = ["gsyn_exc", "gsyn_inh"];
                let rows = analog_rows07(&self.data07(&names)?, &names);
                Ok(rows.into_iter().map(|r| [r[0], r[1], r[2], r[3]]).collect())
            }
            fn print_spikes(&self, path: impl AsRef<Path>) -> Result<()> {
                let rows: Vec<Vec<f64>> = self.get_spikes()?.into_iter().map(|[i, t]| vec![t, i]).collect();
                let header = header07(self, self.size(), self.label(), "spikes", rows.len());
                write_text_file(path.as_ref(), "print_spikes", &header, &rows)
            }
            fn print_v(&self, path: impl AsRef<Path>) -> Result<()> {
                let rows: Vec<Vec<f64>> = self.get_v()?.into_iter().map(|[i, _, v]| vec![v, i]).collect();
                let header = header07(self, self.size(), self.label(), "v", rows.len());
                write_text_file(path.as_ref(), "print_v", &header, &rows)
            }
            fn print_gsyn(&self, path: impl AsRef<Path>) -> Result<()> {
                let rows: Vec<Vec<f64>> =
                    self.get_gsyn()?.into_iter().map(|[i, _, ge, gi]| vec![ge, gi, i]).collect();
                let header = header07(self, self.size(), self.label(), "gsyn", rows.len());
                write_text_file(path.as_ref(), "print_gsyn", &header, &rows)
            }
        }
    };
}

population07!(PopulationView<C, B>, [C: CellType, B: Backend]);
population07!(Assembly<B>, [B: Backend]);

/// PyNN 0.7's names on projections (in the prelude). Each method says the
/// 0.7 call it stands for and the call it makes.
pub trait Projection07 {
    /// `setWeights(w)`: a scalar, one value per connection or an
    /// `n_pre x n_post` array. Calls `set("weight", w)`.
    fn set_weights(&self, w: impl Into<Value>) -> Result<()>;
    /// `randomizeWeights(rand_distr)`. Calls `set("weight", distribution)`.
    fn randomize_weights(&self, distribution: RandomDistribution) -> Result<()>;
    /// `setDelays(d)`. Calls `set("delay", d)`.
    fn set_delays(&self, d: impl Into<Value>) -> Result<()>;
    /// `randomizeDelays(rand_distr)`. Calls `set("delay", distribution)`.
    fn randomize_delays(&self, distribution: RandomDistribution) -> Result<()>;
    /// `setSynapseDynamics(param, value)`: synaptic state variables
    /// (Tsodyks-Markram `u`, `x`, `y`) call `initialize`; `weight`,
    /// `delay` and every parameter of the synapse type (`U`, `tau_rec`,
    /// `A_plus`, `w_max`, ...) call `set`.
    fn set_synapse_dynamics(&self, name: &str, value: impl Into<Value>) -> Result<()>;
    /// `randomizeSynapseDynamics(param, rand_distr)`: as
    /// [`set_synapse_dynamics`](Projection07::set_synapse_dynamics) with a
    /// random distribution.
    fn randomize_synapse_dynamics(&self, name: &str, distribution: RandomDistribution) -> Result<()>;
    /// `getWeights(format)`. Calls `get_values("weight")` (list) or
    /// `get_array("weight")` (array).
    fn get_weights(&self, format: Format07) -> Result<Values07>;
    /// `getDelays(format)`. Calls `get_values("delay")` or
    /// `get_array("delay")`.
    fn get_delays(&self, format: Format07) -> Result<Values07>;
    /// `getSynapseDynamics(param, format)`. Calls `get_values(name)` or
    /// `get_array(name)`.
    fn get_synapse_dynamics(&self, name: &str, format: Format07) -> Result<Values07>;
    /// `saveConnections(file)`: header `# pre = LABEL`, `# post = LABEL`,
    /// then rows `i j weight delay` (population indices), which
    /// [`crate::FromFileConnector`] reads back. From `get_list`.
    fn save_connections(&self, path: impl AsRef<Path>) -> Result<()>;
    /// `printWeights(file, format)`: one empty header line, then one weight
    /// per line (list) or `n_pre` tab-separated rows with 0 where there is
    /// no connection (array).
    fn print_weights(&self, path: impl AsRef<Path>, format: Format07) -> Result<()>;
    /// `printDelays(file, format)`: as `print_weights`, for delays.
    fn print_delays(&self, path: impl AsRef<Path>, format: Format07) -> Result<()>;
    /// `weightHistogram(min, max, nbins)`: `nbins` evenly spaced bins from
    /// `min` to `max` (default: the smallest and largest weight), as
    /// `numpy.histogram` counts them: bin `k` holds `bins[k] <= w <
    /// bins[k + 1]`, the last bin also `w == max`; weights outside are not
    /// counted.
    fn weight_histogram(&self, min: Option<f64>, max: Option<f64>, nbins: usize) -> Result<Histogram07>;
}

impl<B: Backend> Projection<B> {
    fn values07(&self, name: &str, format: Format07) -> Result<Values07> {
        Ok(match format {
            Format07::List => Values07::List(self.get_values(name)?),
            Format07::Array => Values07::Array(self.get_array(name)?),
        })
    }

    fn print07(&self, name: &str, path: &Path, format: Format07, call: &str) -> Result<()> {
        let rows: Vec<Vec<f64>> = match self.values07(name, format)? {
            Values07::List(v) => v.into_iter().map(|x| vec![x]).collect(),
            Values07::Array(a) => {
                a.into_iter().map(|r| r.into_iter().map(|x| if x.is_nan() { 0.0 } else { x }).collect()).collect()
            }
        };
        write_text_file(path, call, &[], &rows)
    }
}

impl<B: Backend> Projection07 for Projection<B> {
    fn set_weights(&self, w: impl Into<Value>) -> Result<()> {
        self.set("weight", w)
    }
    fn randomize_weights(&self, distribution: RandomDistribution) -> Result<()> {
        self.set("weight", distribution)
    }
    fn set_delays(&self, d: impl Into<Value>) -> Result<()> {
        self.set("delay", d)
    }
    fn randomize_delays(&self, distribution: RandomDistribution) -> Result<()> {
        self.set("delay", distribution)
    }
    fn set_synapse_dynamics(&self, name: &str, value: impl Into<Value>) -> Result<()> {
        // An unknown name is the usual "unknown attribute" error.
        self.get_values(name)?;
        let value = value.into();
        match self.initialize(name, value.clone()) {
            Err(Error::UnknownName { kind: "state variable", .. }) => self.set(name, value),
            other => other,
        }
    }
    fn randomize_synapse_dynamics(&self, name: &str, distribution: RandomDistribution) -> Result<()> {
        self.set_synapse_dynamics(name, distribution)
    }
    fn get_weights(&self, format: Format07) -> Result<Values07> {
        self.values07("weight", format)
    }
    fn get_delays(&self, format: Format07) -> Result<Values07> {
        self.values07("delay", format)
    }
    fn get_synapse_dynamics(&self, name: &str, format: Format07) -> Result<Values07> {
        self.values07(name, format)
    }
    fn save_connections(&self, path: impl AsRef<Path>) -> Result<()> {
        let w = self.get_list("weight")?;
        let d = self.get_values("delay")?;
        let rows: Vec<Vec<f64>> = w.into_iter().zip(d).map(|((i, j, w), d)| vec![i as f64, j as f64, w, d]).collect();
        let (pre, post) = {
            let st = self.sim.lock();
            let label = |sel: &crate::sim::Selection| match sel.parts.as_slice() {
                [(p, _)] => st.pops[*p].label.clone(),
                parts => parts.iter().map(|(p, _)| st.pops[*p].label.as_str()).collect::<Vec<_>>().join("+"),
            };
            (label(&self.pre), label(&self.post))
        };
        // {'pre': ..., 'post': ...}.items() in Python 2.7 lists `pre` first.
        write_text_file(path.as_ref(), "save_connections", &[("pre", pre), ("post", post)], &rows)
    }
    fn print_weights(&self, path: impl AsRef<Path>, format: Format07) -> Result<()> {
        self.print07("weight", path.as_ref(), format, "print_weights")
    }
    fn print_delays(&self, path: impl AsRef<Path>, format: Format07) -> Result<()> {
        self.print07("delay", path.as_ref(), format, "print_delays")
    }
    fn weight_histogram(&self, min: Option<f64>, max: Option<f64>, nbins: usize) -> Result<Histogram07> {
        let object = format!("projection \"{}\" weight_histogram", self.label());
        if nbins == 0 {
            return Err(Error::invalid_value(&object, "nbins", 0, "at least 1 bin"));
        }
        let w = self.get_values("weight")?;
        let extreme = |name: &str, given: Option<f64>, pick: fn(f64, f64) -> f64| -> Result<f64> {
            match given {
                Some(x) => Ok(x),
                None => w.iter().copied().filter(|x| !x.is_nan()).reduce(pick).ok_or_else(|| {
                    Error::invalid_value(
                        &object,
                        name,
                        "None",
                        "a number: the projection has no weights to take it from",
                    )
                }),
            }
        };
        let (lo, hi) = (extreme("min", min, f64::min)?, extreme("max", max, f64::max)?);
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::invalid_value(
                &object,
                "(min, max)",
                format!("({}, {})", crate::fmt_num(lo), crate::fmt_num(hi)),
                "finite numbers with min < max (numpy.histogram's bins must increase)",
            ));
        }
        // numpy.linspace(min, max, nbins + 1): start + k * step, the last edge exactly max.
        let step = (hi - lo) / nbins as f64;
        let mut bins: Vec<f64> = (0..=nbins).map(|k| lo + k as f64 * step).collect();
        bins[nbins] = hi;
        let mut counts = vec![0; nbins];
        for x in w.into_iter().filter(|x| (lo..=hi).contains(x)) {
            // The last edge <= x (numpy: searchsorted(bins, x, 'right') - 1).
            let k = bins.partition_point(|e| *e <= x).saturating_sub(1).min(nbins - 1);
            counts[k] += 1;
        }
        Ok(Histogram07 { counts, bins })
    }
}

#[cfg(test)]
mod tests {
    use super::py_repr;

    /// Python 3.11's `repr` of each value (the same as Python 2.7's).
    #[test]
    fn py_repr_matches_python() {
        let cases = [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123, "0.000123"),
            (1.23e-7, "1.23e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (123456.789, "123456.789"),
            (-65.0, "-65.0"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(py_repr(x), want, "{x:?}");
        }
    }
}
