//! Figures of recorded data, as `pyNN.utility.plotting` draws them: a
//! [`Figure`] stacks panels (spike raster, any recorded signal with its
//! units, conductances, weights over time, population rate histogram,
//! histogram of the CVs of the inter-spike intervals, a histogram of any
//! sampled values, a scatter of points such as cell positions) under a
//! title, with
//! the run's provenance (backend, seed, dt) in small print, and saves it as
//! PNG or SVG.
//!
//! Pure Rust (plotters' bitmap and SVG backends, text by `ab_glyph`) with
//! the font bundled in the crate (DejaVu Sans, `src/plot/fonts/`): nothing
//! needs installing. Behind the cargo feature `plot` (on by default).
//!
//! ```no_run
//! use pynn::plot::Figure;
//! use pynn::prelude::*;
//!
//! let sim = Sim::<Native>::setup(Setup::default())?;
//! let cells = Population::new(&sim, 10, IF_curr_exp { i_offset: 1.0, ..Default::default() })?;
//! cells.record(["spikes", "v"], None)?;
//! sim.run(200.0)?;
//! let block = cells.get_data()?;
//! let seg = &block.segments[0];
//! Figure::new("Ten cells")
//!     .provenance(&block)
//!     .raster(seg, None)?
//!     .signal(seg, "v", Some(0..2))?
//!     .rate_histogram(seg, 10.0)?
//!     .save("cells.png", (800, 900))?;
//! # Ok::<(), pynn::Error>(())
//! ```

use crate::core::data::{Block, Segment};
use crate::core::{Backend, Error, Result, Sim, WeightHistory};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;
use std::sync::Once;

/// DejaVu Sans 2.37 (Bitstream Vera license, `src/plot/fonts/LICENSE`).
static FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// The extensions [`Figure::save`] accepts.
const EXTENSIONS: &str = ".png, .svg";

/// Registers the bundled font as plotters' sans-serif face (once).
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled file is a valid TrueType font: a failure is a build bug.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("bundled font src/plot/fonts/DejaVuSans.ttf does not parse"));
    });
}

/// Where and how the data were made, printed in small type under a figure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// Backend name (`"native"`, `"nest"`, ...).
    pub backend: Option<String>,
    /// Session seed.
    pub seed: Option<String>,
    /// Time step (ms).
    pub dt: Option<String>,
}

impl Provenance {
    /// One line: `backend native   seed 98765   dt 0.1 ms`.
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = &self.backend {
            parts.push(format!("backend {b}"));
        }
        if let Some(s) = &self.seed {
            parts.push(format!("seed {s}"));
        }
        if let Some(dt) = &self.dt {
            parts.push(format!("dt {dt} ms"));
        }
        parts.join("   ")
    }
}

impl From<&Block> for Provenance {
    /// From the block's annotations `simulator`, `seed` and `dt`.
    fn from(block: &Block) -> Self {
        let a = |k: &str| block.annotations.get(k).cloned();
        Provenance { backend: a("simulator"), seed: a("seed"), dt: a("dt") }
    }
}

impl<B: Backend> From<&Sim<B>> for Provenance {
    /// From the session: its backend, seed and time step.
    fn from(sim: &Sim<B>) -> Self {
        Provenance {
            backend: Some(B::NAME.to_string()),
            seed: Some(sim.seed().to_string()),
            dt: Some(sim.get_time_step().to_string()),
        }
    }
}

/// One line of a panel: a label and its (x, y) points.
#[derive(Debug, Clone)]
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
}

/// What a panel draws.
#[derive(Debug, Clone)]
enum Kind {
    /// Spikes as dots: (time, cell index).
    Raster(Vec<(f64, f64)>),
    /// Lines, with a legend when there are several.
    Lines(Vec<Series>),
    /// Bars: (left edge, width, height).
    Bars(Vec<(f64, f64, f64)>),
    /// Bars with a line over them (a histogram and its expected counts).
    BarsAndLine(Vec<(f64, f64, f64)>, Series),
    /// Points, one colour per series, with a legend when there are several.
    Scatter(Vec<Series>),
}

/// One panel of a figure.
#[derive(Debug, Clone)]
struct Panel {
    title: String,
    x_label: String,
    y_label: String,
    x_range: Range<f64>,
    kind: Kind,
}

/// A figure of several panels stacked vertically, with a title and the
/// provenance line; built panel by panel, then [`Figure::save`]d.
#[derive(Debug, Clone)]
pub struct Figure {
    title: String,
    provenance: Option<Provenance>,
    panels: Vec<Panel>,
}

/// The error for a segment without the data a panel needs.
fn missing(object: &str, what: &str, seg: &Segment, allowed: &str) -> Error {
    Error::invalid_value(
        format!("Figure panel {object}"),
        what,
        format!("not recorded in segment {:?}", seg.name),
        allowed,
    )
}

/// Time span of a segment's recordings (ms): its spike trains' if any, else
/// its signals'.
fn segment_span(seg: &Segment) -> Option<Range<f64>> {
    if let Some(st) = seg.spiketrains.first() {
        return Some(st.t_start..st.t_stop);
    }
    let sig = seg.analogsignals.first()?;
    let n = sig.n_samples().max(1) - 1;
    Some(sig.t_start..sig.t_start + n as f64 * sig.sampling_period)
}

/// Adds a pad when a range is empty, so that every axis has a width.
fn widen(r: Range<f64>) -> Range<f64> {
    if r.end > r.start {
        r
    } else {
        let pad = if r.start == 0.0 { 1.0 } else { r.start.abs() * 0.05 };
        r.start - pad..r.end + pad
    }
}

/// The range of `ys` with 5 % margins.
fn y_range(ys: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) =
        ys.filter(|y| y.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = (hi - lo) * 0.05;
    widen(lo - pad..hi + pad)
}

impl Figure {
    /// An empty figure with this title.
    pub fn new(title: impl Into<String>) -> Self {
        Figure { title: title.into(), provenance: None, panels: Vec::new() }
    }

    /// Prints the provenance (backend, seed, dt) of a [`Block`] (from its
    /// annotations) or of a [`Sim`] under the figure.
    pub fn provenance(mut self, source: impl Into<Provenance>) -> Self {
        self.provenance = Some(source.into());
        self
    }

    /// Number of panels so far.
    pub fn n_panels(&self) -> usize {
        self.panels.len()
    }

    /// A spike raster of the segment's cells with population index in
    /// `cells` (all recorded cells if `None`): one dot per spike, time (ms)
    /// against cell index. An error if the segment has no spike trains.
    pub fn raster(mut self, segment: &Segment, cells: Option<Range<usize>>) -> Result<Self> {
        if segment.spiketrains.is_empty() {
            return Err(missing("raster", "spikes", segment, "a segment with record(\"spikes\") data"));
        }
        let keep = |i: usize| cells.as_ref().is_none_or(|r| r.contains(&i));
        let trains: Vec<_> = segment.spiketrains.iter().filter(|s| keep(s.source_index)).collect();
        if trains.is_empty() {
            return Err(Error::invalid_value(
                "Figure panel raster",
                "cells",
                format!("{cells:?}"),
                "a range holding at least one recorded cell",
            ));
        }
        let points: Vec<(f64, f64)> =
            trains.iter().flat_map(|s| s.times.iter().map(move |t| (*t, s.source_index as f64))).collect();
        let lo = trains.iter().map(|s| s.source_index).min().unwrap_or(0) as f64;
        let hi = trains.iter().map(|s| s.source_index).max().unwrap_or(0) as f64;
        let span = segment_span(segment).unwrap_or(0.0..1.0);
        let title = format!("spikes, {} cells", trains.len());
        self.panels.push(Panel {
            title,
            x_label: "time (ms)".into(),
            y_label: "cell index".into(),
            x_range: widen(span),
            kind: Kind::Raster(points.into_iter().chain([(f64::NAN, lo - 0.5), (f64::NAN, hi + 0.5)]).collect()),
        });
        Ok(self)
    }

    /// The recorded signal `name` (`"v"`, `"gsyn_exc"`, `"w"`, ...) of the
    /// cells with population index in `cells` (all recorded if `None`),
    /// one line per cell, the y axis labelled with the signal's units. An
    /// error if the signal is not recorded or no recorded cell is in `cells`.
    pub fn signal(mut self, segment: &Segment, name: &str, cells: Option<Range<usize>>) -> Result<Self> {
        let Some(sig) = segment.signal(name) else {
            let recorded: Vec<&str> = segment.analogsignals.iter().map(|s| s.name.as_str()).collect();
            return Err(Error::unknown_name(
                format!("Figure panel signal (segment {:?})", segment.name),
                "recorded signal",
                name,
                recorded,
            ));
        };
        let times = sig.times();
        let series: Vec<Series> = sig
            .channel_index
            .iter()
            .enumerate()
            .filter(|(_, i)| cells.as_ref().is_none_or(|r| r.contains(i)))
            .map(|(col, i)| Series {
                label: format!("cell {i}"),
                points: times.iter().copied().zip(sig.column(col)).collect(),
            })
            .collect();
        if series.is_empty() {
            return Err(Error::invalid_value(
                format!("Figure panel signal {name:?}"),
                "cells",
                format!("{cells:?}"),
                format!("a range holding a recorded cell (recorded: {:?})", sig.channel_index),
            ));
        }
        self.panels.push(Panel {
            title: format!("{name}, {} cells", series.len()),
            x_label: "time (ms)".into(),
            y_label: format!("{name} ({})", sig.units),
            x_range: widen(times.first().copied().unwrap_or(0.0)..times.last().copied().unwrap_or(0.0)),
            kind: Kind::Lines(series),
        });
        Ok(self)
    }

    /// The conductances `gsyn_exc` and `gsyn_inh` (those recorded) of the
    /// cells in `cells`, one panel each; an error if neither is recorded.
    pub fn conductances(mut self, segment: &Segment, cells: Option<Range<usize>>) -> Result<Self> {
        let names: Vec<&str> = ["gsyn_exc", "gsyn_inh"].into_iter().filter(|n| segment.signal(n).is_some()).collect();
        if names.is_empty() {
            return Err(missing(
                "conductances",
                "gsyn_exc, gsyn_inh",
                segment,
                "a conductance-based cell with record([\"gsyn_exc\", \"gsyn_inh\"])",
            ));
        }
        for n in names {
            self = self.signal(segment, n, cells.clone())?;
        }
        Ok(self)
    }

    /// The population rate histogram of the segment's spikes in bins of
    /// `bin_ms` (Hz against ms), from
    /// [`Segment::population_rate_histogram`]; its errors.
    pub fn rate_histogram(mut self, segment: &Segment, bin_ms: f64) -> Result<Self> {
        let h = segment.population_rate_histogram(bin_ms)?;
        let bars = h.times().into_iter().zip(&h.rates).map(|(t, r)| (t, h.bin, *r)).collect();
        let end = h.t_start + h.rates.len() as f64 * h.bin;
        self.panels.push(Panel {
            title: format!("population rate, {} ms bins", fmt(bin_ms)),
            x_label: "time (ms)".into(),
            y_label: "rate (Hz)".into(),
            x_range: widen(h.t_start..end),
            kind: Kind::Bars(bars),
        });
        Ok(self)
    }

    /// Weights over time of a projection ([`crate::core::Projection::weight_history`]),
    /// one line per connection (at most the first 20); `units` is the
    /// weight unit (`"nA"` for current-based, `"uS"` for conductance-based
    /// synapses). An error if the history is empty.
    pub fn weights(mut self, history: &WeightHistory, units: &str) -> Result<Self> {
        if history.times.is_empty() || history.connections == 0 {
            return Err(Error::invalid_value(
                "Figure panel weights",
                "weight history",
                format!("{} samples of {} connections", history.times.len(), history.connections),
                "at least one sample of one connection (Projection::record_weights before run)",
            ));
        }
        let shown = history.connections.min(20);
        let series = (0..shown)
            .map(|k| Series {
                label: format!("connection {k}"),
                points: history.times.iter().copied().zip(history.connection(k)).collect(),
            })
            .collect();
        let (t0, t1) = (history.times[0], *history.times.last().unwrap_or(&history.times[0]));
        self.panels.push(Panel {
            title: format!("weights, {shown} of {} connections", history.connections),
            x_label: "time (ms)".into(),
            y_label: format!("weight ({units})"),
            x_range: widen(t0..t1),
            kind: Kind::Lines(series),
        });
        Ok(self)
    }

    /// Histogram of the coefficients of variation of the inter-spike
    /// intervals of the segment's cells (cells with fewer than 3 spikes are
    /// left out), as PyNN's `plot_cvisi_hist`; an error if no cell has 3
    /// spikes.
    pub fn isi_cv(mut self, segment: &Segment) -> Result<Self> {
        let cvs: Vec<f64> = segment
            .spiketrains
            .iter()
            .filter(|s| s.times.len() >= 3)
            .map(|s| s.cv_isi())
            .filter(|c| c.is_finite())
            .collect();
        if cvs.is_empty() {
            return Err(missing("isi_cv", "cells with 3 spikes or more", segment, "a segment with spiking cells"));
        }
        let max = cvs.iter().copied().fold(0.0, f64::max).max(1e-9);
        let n_bins = 20;
        let width = max * 1.05 / n_bins as f64;
        let mut counts = vec![0.0; n_bins];
        for c in &cvs {
            counts[((c / width) as usize).min(n_bins - 1)] += 1.0;
        }
        let bars = counts.iter().enumerate().map(|(k, n)| (k as f64 * width, width, *n)).collect();
        self.panels.push(Panel {
            title: format!("CV of ISIs, {} cells", cvs.len()),
            x_label: "CV(ISI)".into(),
            y_label: "cells".into(),
            x_range: 0.0..width * n_bins as f64,
            kind: Kind::Bars(bars),
        });
        Ok(self)
    }

    /// A panel of lines given directly: each series is a label and its
    /// (x, y) points, drawn against `x_label` and `y_label` (write units in
    /// the labels, e.g. `"time (ms)"`). An error if there is no point.
    pub fn lines(
        mut self,
        title: &str,
        x_label: &str,
        y_label: &str,
        series: Vec<(String, Vec<(f64, f64)>)>,
    ) -> Result<Self> {
        let xs = series.iter().flat_map(|(_, p)| p.iter().map(|(x, _)| *x)).filter(|x| x.is_finite());
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if !lo.is_finite() {
            return Err(Error::invalid_value(
                format!("Figure panel {title:?}"),
                "series",
                "no finite point",
                "at least one point",
            ));
        }
        let series = series.into_iter().map(|(label, points)| Series { label, points }).collect();
        self.panels.push(Panel {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range: widen(lo..hi),
            kind: Kind::Lines(series),
        });
        Ok(self)
    }

    /// A histogram of `values` in `bins` equal bins over `range` (values
    /// outside `range` are not counted), with `x_label` under it (write the
    /// units in it) and counts on the y axis. With `density` (a probability
    /// density function), the expected count of each bin,
    /// `n * density(bin centre) * bin width` for `n` values, is drawn as a
    /// line over the bars. An error if `values` is empty, `bins` is not in
    /// 1..=10000 or `range` is not a finite, non-empty interval.
    pub fn histogram(
        mut self,
        title: &str,
        x_label: &str,
        values: &[f64],
        range: Range<f64>,
        bins: usize,
        density: Option<&dyn Fn(f64) -> f64>,
    ) -> Result<Self> {
        let object = || format!("Figure panel histogram {title:?}");
        if values.is_empty() {
            return Err(Error::invalid_value(object(), "values", "none", "at least one value"));
        }
        if !(1..=10_000).contains(&bins) {
            return Err(Error::invalid_value(object(), "bins", bins, "a number of bins in 1..=10000"));
        }
        if !(range.start.is_finite() && range.end.is_finite() && range.end > range.start) {
            return Err(Error::invalid_value(
                object(),
                "range",
                format!("{range:?}"),
                "a finite range with end > start",
            ));
        }
        let width = (range.end - range.start) / bins as f64;
        let mut counts = vec![0.0; bins];
        for v in values.iter().filter(|v| range.contains(v)) {
            counts[(((v - range.start) / width) as usize).min(bins - 1)] += 1.0;
        }
        let bars: Vec<_> =
            counts.iter().enumerate().map(|(k, n)| (range.start + k as f64 * width, width, *n)).collect();
        let kind = match density {
            None => Kind::Bars(bars),
            Some(pdf) => {
                let n = values.len() as f64;
                let points = (0..bins)
                    .map(|k| {
                        let x = range.start + (k as f64 + 0.5) * width;
                        (x, n * pdf(x) * width)
                    })
                    .collect();
                Kind::BarsAndLine(bars, Series { label: "expected".into(), points })
            }
        };
        self.panels.push(Panel {
            title: title.into(),
            x_label: x_label.into(),
            y_label: "count".into(),
            x_range: range,
            kind,
        });
        Ok(self)
    }

    /// A scatter panel: each series (a label and its (x, y) points) drawn
    /// as dots of its own colour, with a legend when there are several,
    /// against `x_label` and `y_label` (write units in the labels), e.g. the
    /// positions of a population's cells and, over them, the targets of one
    /// cell. An error if there is no finite point.
    pub fn scatter(
        mut self,
        title: &str,
        x_label: &str,
        y_label: &str,
        series: Vec<(String, Vec<(f64, f64)>)>,
    ) -> Result<Self> {
        let xs = series.iter().flat_map(|(_, p)| p.iter().map(|(x, _)| *x)).filter(|x| x.is_finite());
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if !lo.is_finite() {
            return Err(Error::invalid_value(
                format!("Figure panel {title:?}"),
                "series",
                "no finite point",
                "at least one point",
            ));
        }
        let pad = ((hi - lo) * 0.03).max(0.5);
        let series = series.into_iter().map(|(label, points)| Series { label, points }).collect();
        self.panels.push(Panel {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range: lo - pad..hi + pad,
            kind: Kind::Scatter(series),
        });
        Ok(self)
    }

    /// Draws the figure into `path`, `size` = (width, height) in pixels:
    /// PNG for a `.png` path, SVG for `.svg`. An error for another
    /// extension, a figure without panels, a size under 200 x 150 or over
    /// 10000 x 10000, or a file that cannot be written.
    pub fn save(&self, path: impl AsRef<Path>, size: (u32, u32)) -> Result<()> {
        let path = path.as_ref();
        if self.panels.is_empty() {
            return Err(Error::invalid_value(
                format!("Figure {:?}", self.title),
                "panels",
                "none",
                "at least one panel (raster, signal, ...)",
            ));
        }
        let (w, h) = size;
        if !(200..=10_000).contains(&w) || !(150..=10_000).contains(&h) {
            return Err(Error::invalid_value(
                format!("Figure {:?}", self.title),
                "size",
                format!("{w} x {h} pixels"),
                "a width in 200..=10000 and a height in 150..=10000 pixels",
            ));
        }
        register_font();
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => {
                let mut buf = vec![0u8; w as usize * h as usize * 3];
                {
                    let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                    self.draw(&root)?;
                    root.present().map_err(|e| Error::io(path, e))?;
                }
                write_png(path, &buf, w, h)
            }
            Some("svg") => {
                let mut text = String::new();
                {
                    let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
                    self.draw(&root)?;
                    root.present().map_err(|e| Error::io(path, e))?;
                }
                std::fs::write(path, text).map_err(|e| Error::io(path, e))
            }
            _ => Err(Error::invalid_value(
                format!("Figure::save {:?}", path.display().to_string()),
                "extension",
                ext.map_or("none".to_string(), |e| format!(".{e}")),
                EXTENSIONS,
            )),
        }
    }

    /// Draws title, panels and provenance on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| {
            Error::invalid_value(format!("Figure {:?}", self.title), "drawing", e, "a drawable figure")
        };
        root.fill(&WHITE).map_err(err)?;
        let (w, h) = root.dim_in_pixel();
        // Type scales with the figure, but not below what reads at 100 %.
        let scale = (w.min(h * 4 / 3) as f64 / 800.0).max(0.85);
        let px = |x: f64| (x * scale).round() as i32;
        let title_h = px(40.0) as u32;
        let foot_h = if self.provenance.is_some() { px(22.0) as u32 } else { 0 };
        let (top, rest) = root.split_vertically(title_h);
        top.titled(&self.title, ("sans-serif", px(22.0)).into_font()).map_err(err)?;
        let (body, foot) = rest.split_vertically(h - title_h - foot_h);
        if let Some(p) = &self.provenance {
            let style = TextStyle::from(("sans-serif", px(13.0)).into_font()).color(&RGBColor(90, 90, 90));
            foot.draw_text(&p.line(), &style, (px(10.0), px(3.0))).map_err(err)?;
        }
        let areas = body.split_evenly((self.panels.len(), 1));
        for (panel, area) in self.panels.iter().zip(areas) {
            draw_panel(panel, &area, px).map_err(err)?;
        }
        Ok(())
    }
}

/// A number without trailing zeros (`50`, `0.05`), rounded to 6 decimals
/// so that axis ticks show no float noise.
fn fmt(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Line colours (matplotlib's first ten).
const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Draws one panel in `area`.
fn draw_panel<DB: DrawingBackend>(
    panel: &Panel,
    area: &DrawingArea<DB, Shift>,
    px: impl Fn(f64) -> i32,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = match &panel.kind {
        Kind::Raster(p) => y_range(p.iter().map(|(_, y)| *y)),
        Kind::Lines(s) => y_range(s.iter().flat_map(|s| s.points.iter().map(|(_, y)| *y))),
        Kind::Bars(b) => {
            let hi = b.iter().map(|(_, _, h)| *h).filter(|h| h.is_finite()).fold(0.0, f64::max);
            0.0..if hi > 0.0 { hi * 1.08 } else { 1.0 }
        }
        Kind::BarsAndLine(b, line) => {
            let bars = b.iter().map(|(_, _, h)| *h);
            let hi = bars.chain(line.points.iter().map(|(_, y)| *y)).filter(|h| h.is_finite()).fold(0.0, f64::max);
            // Headroom for the legend (upper right) above the tallest bar.
            0.0..if hi > 0.0 { hi * 1.3 } else { 1.0 }
        }
        Kind::Scatter(s) => {
            let r = y_range(s.iter().flat_map(|s| s.points.iter().map(|(_, y)| *y)));
            let pad = ((r.end - r.start) * 0.03).max(0.5);
            // With a legend (upper right), room for it above the points.
            let top = if s.len() > 1 { 0.1 * s.len() as f64 * (r.end - r.start) } else { 0.0 };
            r.start - pad..r.end + pad + top
        }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", px(15.0)))
        .margin_left(px(10.0))
        .margin_right(px(25.0))
        .margin_top(px(4.0))
        .margin_bottom(px(4.0))
        .x_label_area_size(px(42.0))
        .y_label_area_size(px(75.0))
        .build_cartesian_2d(panel.x_range.clone(), y)?;
    let label_font = ("sans-serif", px(14.0));
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .axis_desc_style(label_font)
        .label_style(("sans-serif", px(12.0)))
        .x_label_formatter(&|x| fmt(*x))
        .y_label_formatter(&|y| fmt(*y))
        .x_labels(10)
        .y_labels(6)
        .draw()?;
    match &panel.kind {
        Kind::Raster(points) => {
            // Dots shrink when there are many spikes, as in a matplotlib raster.
            let r = if points.len() > 3000 { 1 } else { px(1.5).max(1) };
            chart.draw_series(
                points.iter().filter(|(t, _)| t.is_finite()).map(|(t, i)| Circle::new((*t, *i), r, COLORS[0].filled())),
            )?;
        }
        Kind::Lines(series) => {
            for (k, s) in series.iter().enumerate() {
                let color = COLORS[k % COLORS.len()];
                // Width 1 at every size: plotters fills a wider line as one
                // polygon, which leaves holes where a trace doubles back
                // (a spike's reset).
                let drawn = chart.draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(1)))?;
                if series.len() > 1 && series.len() <= 10 {
                    drawn.label(&s.label).legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
                }
            }
            if series.len() > 1 && series.len() <= 10 {
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(("sans-serif", px(12.0)))
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK.mix(0.3))
                    .draw()?;
            }
        }
        Kind::Bars(bars) => {
            chart.draw_series(
                bars.iter()
                    .filter(|b| b.2.is_finite())
                    .map(|(x, w, h)| Rectangle::new([(*x, 0.0), (*x + *w, *h)], COLORS[0].mix(0.8).filled())),
            )?;
        }
        Kind::BarsAndLine(bars, line) => {
            chart.draw_series(
                bars.iter()
                    .filter(|b| b.2.is_finite())
                    .map(|(x, w, h)| Rectangle::new([(*x, 0.0), (*x + *w, *h)], COLORS[0].mix(0.6).filled())),
            )?;
            let color = COLORS[3];
            chart
                .draw_series(LineSeries::new(line.points.iter().copied(), color.stroke_width(1)))?
                .label(&line.label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font(("sans-serif", px(12.0)))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
        Kind::Scatter(series) => {
            let r = px(2.0).max(1);
            for (k, s) in series.iter().enumerate() {
                let color = COLORS[k % COLORS.len()];
                let drawn = chart.draw_series(
                    s.points
                        .iter()
                        .filter(|(x, y)| x.is_finite() && y.is_finite())
                        .map(|p| Circle::new(*p, r, color.filled())),
                )?;
                if series.len() > 1 && series.len() <= 10 {
                    drawn.label(&s.label).legend(move |(x, y)| Circle::new((x + 8, y), r, color.filled()));
                }
            }
            if series.len() > 1 && series.len() <= 10 {
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(("sans-serif", px(12.0)))
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK.mix(0.3))
                    .draw()?;
            }
        }
    }
    Ok(())
}

/// Writes an RGB8 buffer as a PNG file.
fn write_png(path: &Path, rgb: &[u8], w: u32, h: u32) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Figures are mostly white with thin lines: the best zlib level and a
    // per-row filter choice make the file 3-5 times smaller than the
    // defaults (docs/gallery/ keeps its PNGs small) at a few ms per figure.
    enc.set_compression(png::Compression::Best);
    enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = enc.write_header().map_err(|e| Error::io(path, e))?;
    writer.write_image_data(rgb).map_err(|e| Error::io(path, e))?;
    writer.finish().map_err(|e| Error::io(path, e))
}
