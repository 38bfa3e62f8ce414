//! Plastic synapses of the native engine: Tsodyks–Markram short-term
//! plasticity, pair-based STDP and Vogels et al. (2011) inhibitory
//! plasticity, each step for step as the NEST 3.10 model PyNN maps it to.
//!
//! # Storage
//!
//! A plastic projection keeps its own compressed rows by pre-synaptic cell
//! (target, delay in steps) and one struct per synapse holding the weight
//! next to the rule's parameters and state ([`TmSyn`], [`StdpSyn`],
//! [`VogelsSyn`]), with global target indices; `Native` keeps an empty
//! static projection under the same id so that the sharded static path is
//! untouched. Delivery is serial (projections in creation order) and writes
//! into the ring buffer of the target's shard through `Rings`. Nothing is
//! allocated per spike: post-synaptic histories are `VecDeque`s that reuse
//! their capacity.
//!
//! # Timing (NEST's `send()`, `models/stdp_synapse.h`,
//! `models/tsodyks_synapse.h`, `models/vogels_sprekeler_synapse.h`)
//!
//! Spikes of a `min_delay` slice are delivered at the start of the next
//! one, as NEST does, after every shard has added the static synapses' input
//! of the same spikes and before any cell advances: first every
//! post-synaptic spike of
//! the slice enters its cell's history, then each pre-synaptic spike (in
//! order of spike time, then cell) updates each synapse of its row at its
//! spike time `t` and the new weight enters the target's ring buffer at
//! `t + d`. The whole delay `d` is dendritic: the rule pairs the
//! pre-synaptic spike at `t` with post-synaptic spikes at `t_j + d`.
//! Spike times are NEST's (`steps * tics_per_step * 0.001` ms); which
//! history entries a spike sees is decided on integer steps, as NEST's
//! `stdp_eps` comparisons do on the grid. A run that ends within a slice
//! lets the projections process that slice's spikes so far at its end and
//! keeps their ring-buffer additions until the slice is delivered
//! (`boundary.rs`).
//!
//! Onto precise cells (`spike_precision = "off_grid"`, `precise.rs`),
//! spikes come with offsets (`Plastic::deliver_offsets`), as NEST's
//! synapses onto `*_ps` models: post-synaptic spikes enter the history at
//! their precise times (compared with `stdp_eps` = 1e-6 ms, as NEST), the
//! pre-synaptic spike updates the synapse at its grid stamp, and the
//! weight arrives at the pre-synaptic spike's offset (`Sink::add_at`).
//! This holds for every rule: STDP with each weight dependence,
//! Tsodyks–Markram, Vogels–Sprekeler (`send()` of
//! `models/vogels_sprekeler_synapse.h` takes `t_spike =
//! e.get_stamp().get_ms()`, as `stdp_synapse`) and the stochastic
//! synapses (`stochastic.rs`; `quantal_stp_synapse` also times its
//! recovery from the stamp).
//!
//! # Post-synaptic history (`nestkernel/archiving_node.cpp`)
//!
//! Per projection and post-synaptic cell: entries `(t_j, K-(t_j))` with
//! `K- <- K- exp(-(t_j - t_prev) / tau_minus) + 1`, and an access counter
//! incremented by every synapse whose potentiation window
//! `(t_last - d, t - d]` contains the entry. When a new post-synaptic spike
//! arrives, leading entries are dropped while they have been read by every
//! incoming synapse of the projection and the next entry lies more than
//! `max_delay + min_delay` before the new spike (no later query can need
//! them: `K-` is read from the latest entry strictly before `t - d`).
//! Results do not depend on pruning; memory does.

/// Where delivered plastic weights go: the native engine's ring buffers
/// (`Rings`), or the NEURON backend's event list (`neuron/plastic.rs`).
pub(crate) trait Sink {
    /// Adds `w` (PyNN units, signed) to the input of global cell `cell`,
    /// receptor `receptor`, arriving at step `arrival` (the slot consumed by
    /// the step that ends there).
    fn add(&mut self, receptor: usize, cell: u32, arrival: u64, w: f64);
    /// [`Sink::add`] for a pre-synaptic spike `offset` ms before the end of
    /// its step (`precise.rs`): a sink with precise targets delivers the
    /// weight at that offset, others ignore it (the default).
    fn add_at(&mut self, receptor: usize, cell: u32, arrival: u64, offset: f64, w: f64) {
        let _ = offset;
        self.add(receptor, cell, arrival, w);
    }
}

/// NEST's tolerance for comparing pre- and post-synaptic spike times
/// (`stdp_eps_( 1.0e-6 )` ms, `nestkernel/connection_manager.cpp`), used
/// for post-synaptic spikes off the grid; grid spikes compare whole steps.
const STDP_EPS: f64 = 1e-6;
use pynn_core::backend::{ProjId, RawWeights, SynapseColumns, SynapseKind};
use pynn_core::{Error, Result};
use std::collections::VecDeque;

/// One Tsodyks–Markram synapse (NEST's `tsodyks_synapse`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TmSyn {
    /// Weight (signed, PyNN units).
    pub weight: f64,
    /// Use parameter.
    pub u_param: f64,
    /// Recovery time constant (ms).
    pub tau_rec: f64,
    /// Facilitation time constant (ms), 0: none.
    pub tau_facil: f64,
    /// Decay time constant of the active fraction (ms).
    pub tau_psc: f64,
    /// Utilisation.
    pub u: f64,
    /// Recovered fraction.
    pub x: f64,
    /// Active fraction.
    pub y: f64,
    /// Time of the previous pre-synaptic spike (ms; 0 initially, as NEST).
    pub t_last: f64,
}

impl TmSyn {
    /// Propagates the state from the previous spike to `t` (ms), applies
    /// the spike and returns the transmitted weight
    /// (`tsodyks_synapse::send`).
    pub fn spike(&mut self, t: f64) -> f64 {
        let h = t - self.t_last;
        let puu = if self.tau_facil == 0.0 { 0.0 } else { (-h / self.tau_facil).exp() };
        let pyy = (-h / self.tau_psc).exp();
        let pzz = (-h / self.tau_rec).exp();
        let pxy = if self.tau_psc != self.tau_rec {
            ((pzz - 1.0) * self.tau_rec - (pyy - 1.0) * self.tau_psc) / (self.tau_psc - self.tau_rec)
        } else {
            // The limit tau_psc -> tau_rec of the expression above (NEST divides by zero).
            1.0 - pzz * (1.0 + h / self.tau_rec)
        };
        let pxz = 1.0 - pzz;
        let z = 1.0 - self.x - self.y;
        self.u *= puu;
        self.x += pxy * self.y + pxz * z;
        self.y *= pyy;
        self.u += self.u_param * (1.0 - self.u);
        let delta = self.u * self.x;
        self.x -= delta;
        self.y += delta;
        self.t_last = t;
        delta * self.weight
    }
}

/// One pair-based STDP synapse (NEST's `stdp_synapse`, bounds generalised
/// to `[w_min, w_max]` on the magnitude).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StdpSyn {
    /// Weight magnitude (PyNN units).
    pub weight: f64,
    /// Pre-synaptic trace.
    pub kplus: f64,
    /// Step of the previous pre-synaptic spike (0 initially).
    pub t_last: u64,
    /// Time constant of the pre-synaptic trace (ms).
    pub tau_plus: f64,
    /// Amplitude of potentiation.
    pub a_plus: f64,
    /// Amplitude of depression.
    pub a_minus: f64,
    /// Lower bound of the magnitude.
    pub w_min: f64,
    /// Upper bound of the magnitude.
    pub w_max: f64,
    /// Exponent of potentiation.
    pub mu_plus: f64,
    /// Exponent of depression.
    pub mu_minus: f64,
}

impl StdpSyn {
    /// `stdp_synapse::facilitate_` in the range `[w_min, w_max]`.
    pub fn facilitate(&self, w: f64, kplus: f64) -> f64 {
        let range = self.w_max - self.w_min;
        if range <= 0.0 {
            return w;
        }
        let n = (w - self.w_min) / range;
        let n = n + self.a_plus * (1.0 - n).powf(self.mu_plus) * kplus;
        if n < 1.0 { n * range + self.w_min } else { self.w_max }
    }
    /// `stdp_synapse::depress_` in the range `[w_min, w_max]`.
    pub fn depress(&self, w: f64, kminus: f64) -> f64 {
        let range = self.w_max - self.w_min;
        if range <= 0.0 {
            return w;
        }
        let n = (w - self.w_min) / range;
        let n = n - self.a_minus * n.powf(self.mu_minus) * kminus;
        if n > 0.0 { n * range + self.w_min } else { self.w_min }
    }
}

/// One Vogels–Sprekeler synapse (NEST's `vogels_sprekeler_synapse`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VogelsSyn {
    /// Weight magnitude (PyNN units).
    pub weight: f64,
    /// Pre-synaptic trace.
    pub kplus: f64,
    /// Step of the previous pre-synaptic spike (0 initially).
    pub t_last: u64,
    /// Trace time constant (ms).
    pub tau: f64,
    /// Learning rate.
    pub eta: f64,
    /// Target rate (Hz), kept for `get`.
    pub rho: f64,
    /// Depression per pre-synaptic spike in units of `eta`: `2 rho tau / 1000`.
    pub alpha: f64,
    /// Lower bound of the magnitude.
    pub w_min: f64,
    /// Upper bound of the magnitude.
    pub w_max: f64,
}

impl VogelsSyn {
    fn facilitate(&self, w: f64, k: f64) -> f64 {
        let n = w + self.eta * k;
        if n < self.w_max { n } else { self.w_max }
    }
    fn depress(&self, w: f64) -> f64 {
        let n = w - self.alpha * self.eta;
        if n > self.w_min { n } else { self.w_min }
    }
}

#[derive(Debug, Clone)]
enum Rule {
    Tm(Vec<TmSyn>),
    Stdp {
        sign: f64,
        syn: Vec<StdpSyn>,
    },
    Vogels {
        sign: f64,
        syn: Vec<VogelsSyn>,
    },
    /// Stochastic synapses (`stochastic.rs`).
    Stoch(super::stochastic::Stoch),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    step: u64,
    /// Offset before the end of step `step` (0 on the grid, `precise.rs`).
    off: f64,
    t: f64,
    kminus: f64,
    access: u32,
}

#[derive(Debug, Clone, Default)]
struct History {
    n_incoming: u32,
    kminus: f64,
    last: f64,
    entries: VecDeque<Entry>,
}

/// Post-synaptic spike histories of one projection's targets.
#[derive(Debug, Clone)]
struct Archive {
    post_lo: u32,
    tau_inv: f64,
    /// Entries older than this many steps before a new spike may be dropped.
    keep: u64,
    cells: Vec<History>,
}

impl Archive {
    fn clear(&mut self) {
        for h in &mut self.cells {
            h.kminus = 0.0;
            h.last = -1.0;
            h.entries.clear();
        }
    }

    /// `ArchivingNode::set_spike_history`: a spike at `t`, `off` ms before
    /// the end of step `step`.
    fn add(&mut self, cell: u32, step: u64, off: f64, t: f64) {
        let Some(h) = cell.checked_sub(self.post_lo).and_then(|c| self.cells.get_mut(c as usize)) else {
            return;
        };
        if h.n_incoming == 0 {
            return;
        }
        while h.entries.len() > 1 && h.entries[0].access >= h.n_incoming && step - h.entries[1].step > self.keep {
            h.entries.pop_front();
        }
        h.kminus = h.kminus * ((h.last - t) * self.tau_inv).exp() + 1.0;
        h.last = t;
        h.entries.push_back(Entry { step, off, t, kminus: h.kminus, access: 0 });
    }

    fn history(&mut self, cell: u32) -> &mut History {
        &mut self.cells[(cell - self.post_lo) as usize]
    }
}

/// Whether entry `e` lies at or after grid time `limit` (steps; `ms` the
/// same in ms) by NEST's rule `t_e >= limit + stdp_eps`
/// (`ArchivingNode::get_history`): whole steps for grid entries, the
/// precise time for entries off the grid.
fn at_or_after(e: &Entry, d: u64, limit: u64, ms: f64) -> bool {
    if e.off == 0.0 { e.step + d > limit } else { e.t >= ms + STDP_EPS }
}

/// The indices `lo..hi` of the entries with `t_last - d < t_e <= t - d`
/// (NEST's `get_history(t_last - d, t - d)`), counting the read; `t`,
/// `t_last` in steps (`t_ms`, `t_last_ms`: the same minus `d`, in ms).
fn window(h: &mut History, (t_last, t_last_ms): (u64, f64), (stamp, t_ms): (u64, f64), d: u64) -> (usize, usize) {
    let mut hi = h.entries.len();
    while hi > 0 && at_or_after(&h.entries[hi - 1], d, stamp, t_ms) {
        hi -= 1;
    }
    let mut lo = hi;
    while lo > 0 && at_or_after(&h.entries[lo - 1], d, t_last, t_last_ms) {
        lo -= 1;
        h.entries[lo].access += 1;
    }
    (lo, hi)
}

/// `ArchivingNode::get_K_value(t - d)`: the trace after the latest entry
/// strictly before `stamp - d` (`t_query` ms; off the grid: by more than
/// `stdp_eps`), or 0.
fn k_value(h: &History, stamp: u64, d: u64, t_query: f64, tau_inv: f64) -> f64 {
    let before = |e: &&Entry| if e.off == 0.0 { e.step + d < stamp } else { t_query - e.t > STDP_EPS };
    match h.entries.iter().rev().find(before) {
        Some(e) => e.kminus * ((e.t - t_query) * tau_inv).exp(),
        None => 0.0,
    }
}

#[derive(Debug, Clone)]
struct WeightRecording {
    interval: u64,
    next: u64,
    active: bool,
    steps: Vec<u64>,
    data: Vec<f64>,
    /// Tsodyks–Markram only: `u`, `x`, `y` of every synapse at each
    /// sample (row-major like `data`, one block of `3 n` per sample: all
    /// `u`, then all `x`, then all `y`).
    state: Vec<f64>,
}

/// NEST's spike and delay times in ms.
#[derive(Debug, Clone, Copy)]
struct Clock {
    dt: f64,
    /// `Some(tics per step)` when dt is a whole number of 1 µs tics.
    tics: Option<u64>,
}

impl Clock {
    fn ms(&self, steps: u64) -> f64 {
        match self.tics {
            // nestkernel/nest_time.h: tics * MS_PER_TIC, MS_PER_TIC = 1 / 1000.
            Some(t) => (steps * t) as f64 * (1.0 / 1000.0),
            None => steps as f64 * self.dt,
        }
    }
}

/// One plastic projection.
#[derive(Debug, Clone)]
pub(crate) struct Plastic {
    /// Projection id.
    pub(crate) id: ProjId,
    receptor: usize,
    pre_lo: u32,
    row_ptr: Vec<usize>,
    target: Vec<u32>,
    delay: Vec<u16>,
    rule: Rule,
    initial: Rule,
    archive: Option<Archive>,
    clock: Clock,
    rec: Option<WeightRecording>,
}

fn column<'a>(c: &'a SynapseColumns, name: &str) -> Result<&'a [f64]> {
    c.get(name).ok_or_else(|| Error::Backend { backend: "native", message: format!("synapse column `{name}` missing") })
}

impl Plastic {
    /// Builds a plastic projection from connections sorted by pre cell;
    /// `None` for static synapses.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: ProjId,
        kind: &SynapseKind,
        receptor: usize,
        pre_lo: u32,
        row_ptr: Vec<usize>,
        target: Vec<u32>,
        weight: &[f64],
        delay: Vec<u16>,
        dt: f64,
        keep: u64,
    ) -> Result<Option<Plastic>> {
        let n = target.len();
        let (rule, tau_trace) = match kind {
            SynapseKind::TsodyksMarkram(c) => {
                let [u_param, tau_rec, tau_facil, tau_psc, u, x, y] =
                    ["U", "tau_rec", "tau_facil", "tau_psc", "u", "x", "y"].map(|k| column(c, k));
                let (u_param, tau_rec, tau_facil, tau_psc, u, x, y) =
                    (u_param?, tau_rec?, tau_facil?, tau_psc?, u?, x?, y?);
                let syn = (0..n)
                    .map(|k| TmSyn {
                        weight: weight[k],
                        u_param: u_param[k],
                        tau_rec: tau_rec[k],
                        tau_facil: tau_facil[k],
                        tau_psc: tau_psc[k],
                        u: u[k],
                        x: x[k],
                        y: y[k],
                        t_last: 0.0,
                    })
                    .collect();
                (Rule::Tm(syn), None)
            }
            SynapseKind::SpikePairStdp { tau_minus, sign, columns: c } => {
                let [tau_plus, a_plus, a_minus, w_min, w_max, mu_plus, mu_minus] =
                    ["tau_plus", "A_plus", "A_minus", "w_min", "w_max", "mu_plus", "mu_minus"].map(|k| column(c, k));
                let (tau_plus, a_plus, a_minus, w_min, w_max, mu_plus, mu_minus) =
                    (tau_plus?, a_plus?, a_minus?, w_min?, w_max?, mu_plus?, mu_minus?);
                let syn = (0..n)
                    .map(|k| StdpSyn {
                        weight: weight[k].abs(),
                        kplus: 0.0,
                        t_last: 0,
                        tau_plus: tau_plus[k],
                        a_plus: a_plus[k],
                        a_minus: a_minus[k],
                        w_min: w_min[k],
                        w_max: w_max[k],
                        mu_plus: mu_plus[k],
                        mu_minus: mu_minus[k],
                    })
                    .collect();
                (Rule::Stdp { sign: *sign, syn }, Some(*tau_minus))
            }
            SynapseKind::Vogels2011 { tau, sign, columns: c } => {
                let [taus, eta, rho, w_min, w_max] = ["tau", "eta", "rho", "w_min", "w_max"].map(|k| column(c, k));
                let (taus, eta, rho, w_min, w_max) = (taus?, eta?, rho?, w_min?, w_max?);
                let syn = (0..n)
                    .map(|k| VogelsSyn {
                        weight: weight[k].abs(),
                        kplus: 0.0,
                        t_last: 0,
                        tau: taus[k],
                        eta: eta[k],
                        rho: rho[k],
                        alpha: 2.0 * rho[k] * taus[k] / 1000.0,
                        w_min: w_min[k],
                        w_max: w_max[k],
                    })
                    .collect();
                (Rule::Vogels { sign: *sign, syn }, Some(*tau))
            }
            other => match super::stochastic::Stoch::new(other, weight)? {
                Some(s) => (Rule::Stoch(s), None),
                None => return Ok(None),
            },
        };
        let archive = tau_trace.map(|tau| {
            let lo = target.iter().copied().min().unwrap_or(0);
            let hi = target.iter().copied().max().map_or(0, |h| h + 1);
            let mut cells = vec![History { last: -1.0, ..Default::default() }; (hi - lo) as usize];
            for t in &target {
                cells[(t - lo) as usize].n_incoming += 1;
            }
            Archive { post_lo: lo, tau_inv: 1.0 / tau, keep, cells }
        });
        let tics = (dt * 1000.0).round();
        let clock = Clock { dt, tics: ((tics - dt * 1000.0).abs() < 1e-9 && tics >= 1.0).then_some(tics as u64) };
        Ok(Some(Plastic {
            id,
            receptor,
            pre_lo,
            row_ptr,
            target,
            delay,
            initial: rule.clone(),
            rule,
            archive,
            clock,
            rec: None,
        }))
    }

    /// Number of synapses.
    pub(crate) fn len(&self) -> usize {
        self.target.len()
    }

    /// Bytes of synapse storage (rows, per-synapse structs, histories).
    pub(crate) fn bytes(&self) -> usize {
        let per = match &self.rule {
            Rule::Tm(_) => std::mem::size_of::<TmSyn>(),
            Rule::Stdp { .. } => std::mem::size_of::<StdpSyn>(),
            Rule::Vogels { .. } => std::mem::size_of::<VogelsSyn>(),
            Rule::Stoch(_) => std::mem::size_of::<super::stochastic::StochSyn>(),
        };
        let hist = self.archive.as_ref().map_or(0, |a| {
            a.cells.iter().map(|h| h.entries.capacity() * std::mem::size_of::<Entry>()).sum::<usize>()
                + a.cells.len() * std::mem::size_of::<History>()
        });
        self.len() * (4 + 2 + 2 * per) + self.row_ptr.len() * std::mem::size_of::<usize>() + hist
    }

    /// Pre- and post-synaptic global indices in list order.
    pub(crate) fn connections(&self) -> (Vec<u32>, Vec<u32>) {
        let mut pre = Vec::with_capacity(self.target.len());
        for r in 0..self.row_ptr.len() - 1 {
            pre.extend(std::iter::repeat_n(self.pre_lo + r as u32, self.row_ptr[r + 1] - self.row_ptr[r]));
        }
        (pre, self.target.clone())
    }

    fn names(&self) -> &'static [&'static str] {
        match &self.rule {
            Rule::Tm(_) => &["weight", "delay", "U", "tau_rec", "tau_facil", "tau_psc", "u", "x", "y"],
            Rule::Stdp { .. } => &[
                "weight",
                "delay",
                "tau_plus",
                "tau_minus",
                "A_plus",
                "A_minus",
                "w_min",
                "w_max",
                "mu_plus",
                "mu_minus",
            ],
            Rule::Vogels { .. } => &["weight", "delay", "tau", "eta", "rho", "w_min", "w_max"],
            Rule::Stoch(s) => s.names(),
        }
    }

    fn weights(&self) -> Vec<f64> {
        match &self.rule {
            Rule::Tm(s) => s.iter().map(|s| s.weight).collect(),
            Rule::Stdp { sign, syn } => syn.iter().map(|s| sign * s.weight).collect(),
            Rule::Vogels { sign, syn } => syn.iter().map(|s| sign * s.weight).collect(),
            Rule::Stoch(s) => s.syn.iter().map(|s| s.weight).collect(),
        }
    }

    /// Current values of attribute `name`, list order.
    pub(crate) fn get(&self, name: &str, dt: f64) -> Result<Vec<f64>> {
        let unknown =
            || Error::unknown_name("native plastic projection", "attribute", name, self.names().iter().copied());
        if name == "delay" {
            return Ok(self.delay.iter().map(|d| f64::from(*d) * dt).collect());
        }
        if name == "weight" {
            return Ok(self.weights());
        }
        let tau_minus = self.archive.as_ref().map_or(f64::NAN, |a| 1.0 / a.tau_inv);
        Ok(match &self.rule {
            Rule::Tm(s) => {
                let f: fn(&TmSyn) -> f64 = match name {
                    "U" => |s| s.u_param,
                    "tau_rec" => |s| s.tau_rec,
                    "tau_facil" => |s| s.tau_facil,
                    "tau_psc" => |s| s.tau_psc,
                    "u" => |s| s.u,
                    "x" => |s| s.x,
                    "y" => |s| s.y,
                    _ => return Err(unknown()),
                };
                s.iter().map(f).collect()
            }
            Rule::Stdp { syn, .. } => {
                if name == "tau_minus" {
                    return Ok(vec![tau_minus; syn.len()]);
                }
                let f: fn(&StdpSyn) -> f64 = match name {
                    "tau_plus" => |s| s.tau_plus,
                    "A_plus" => |s| s.a_plus,
                    "A_minus" => |s| s.a_minus,
                    "w_min" => |s| s.w_min,
                    "w_max" => |s| s.w_max,
                    "mu_plus" => |s| s.mu_plus,
                    "mu_minus" => |s| s.mu_minus,
                    _ => return Err(unknown()),
                };
                syn.iter().map(f).collect()
            }
            Rule::Vogels { syn, .. } => {
                let f: fn(&VogelsSyn) -> f64 = match name {
                    "tau" => |s| s.tau,
                    "eta" => |s| s.eta,
                    "rho" => |s| s.rho,
                    "w_min" => |s| s.w_min,
                    "w_max" => |s| s.w_max,
                    _ => return Err(unknown()),
                };
                syn.iter().map(f).collect()
            }
            Rule::Stoch(s) => s.get(name).ok_or_else(unknown)?,
        })
    }

    /// Sets `weight`, `delay` or a parameter of the rule (any name of
    /// [`Plastic::get`] but the state `u`, `x`, `y`) now and for after
    /// `reset()`; the state is untouched. `tau_minus` (STDP) and `tau`
    /// (Vogels) are the post-synaptic trace's: one value for the whole
    /// projection, which rescales the trace from the next post-synaptic
    /// spike on (entries already in the history keep their values).
    pub(crate) fn set(&mut self, name: &str, values: &[f64], dt: f64) -> Result<()> {
        match name {
            "delay" => {
                self.delay = values.iter().map(|d| (d / dt).round() as u16).collect();
                Ok(())
            }
            "weight" => {
                for rule in [&mut self.rule, &mut self.initial] {
                    set_weights(rule, values)?;
                }
                Ok(())
            }
            "u" | "x" | "y" => Err(Error::invalid_value(
                "native plastic projection",
                "attribute",
                name,
                "a parameter (state is set with `Projection::initialize`)",
            )),
            _ => {
                if !self.names().contains(&name) {
                    return Err(Error::unknown_name(
                        "native plastic projection",
                        "attribute",
                        name,
                        self.names().iter().copied(),
                    ));
                }
                // Checked on a copy first: nothing changes on an error.
                let mut rule = self.rule.clone();
                set_parameter(&mut rule, name, values)?;
                set_parameter(&mut self.initial, name, values)?;
                self.rule = rule;
                if let (Some(a), "tau_minus" | "tau", Some(v)) = (&mut self.archive, name, values.first()) {
                    a.tau_inv = 1.0 / v;
                }
                Ok(())
            }
        }
    }

    /// Sets state variable `name` now and for after `reset()`.
    pub(crate) fn initialize(&mut self, name: &str, values: &[f64]) -> Result<()> {
        for rule in [&mut self.rule, &mut self.initial] {
            if let Rule::Stoch(s) = rule {
                return s.initialize(name);
            }
            let Rule::Tm(syn) = rule else {
                return Err(Error::unknown_name("native plastic projection", "state variable", name, []));
            };
            for (s, v) in syn.iter_mut().zip(values) {
                match name {
                    "u" => s.u = *v,
                    "x" => s.x = *v,
                    "y" => s.y = *v,
                    _ => {
                        return Err(Error::unknown_name(
                            "native plastic projection",
                            "state variable",
                            name,
                            ["u", "x", "y"],
                        ));
                    }
                }
            }
            if let Some(s) = syn.iter().find(|s| s.x + s.y > 1.0) {
                return Err(Error::invalid_value(
                    "native plastic projection (TsodyksMarkramSynapse)",
                    "x + y",
                    s.x + s.y,
                    "recovered plus active resources <= 1",
                ));
            }
        }
        Ok(())
    }

    /// Back to the initial state (time 0).
    pub(crate) fn reset(&mut self) {
        self.rule = self.initial.clone();
        if let Some(a) = &mut self.archive {
            a.clear();
        }
        if let Some(r) = &mut self.rec {
            r.steps.clear();
            r.data.clear();
            r.state.clear();
            r.next = 0;
        }
    }

    /// Starts or stops sampling the weights at step `now`.
    pub(crate) fn record(&mut self, interval: Option<u64>, now: u64) {
        match (interval, &mut self.rec) {
            (None, Some(r)) => r.active = false,
            (None, None) => {}
            (Some(i), rec) => {
                let next = now.div_ceil(i) * i;
                match rec {
                    Some(r) => {
                        r.interval = i;
                        r.next = next;
                        r.active = true;
                    }
                    None => {
                        *rec = Some(WeightRecording {
                            interval: i,
                            next,
                            active: true,
                            steps: vec![],
                            data: vec![],
                            state: vec![],
                        })
                    }
                }
            }
        }
    }

    /// The weight samples taken so far.
    pub(crate) fn recorded(&self) -> RawWeights {
        match &self.rec {
            Some(r) => RawWeights { steps: r.steps.clone(), data: r.data.clone() },
            None => RawWeights::default(),
        }
    }

    /// The samples of Tsodyks–Markram state variable `name` (`u`, `x`,
    /// `y`) taken with the weights: each the value left by the latest
    /// pre-synaptic spike at or before the sample's step (NEST's
    /// `GetStatus` of a `tsodyks_synapse`, which updates its state only
    /// when a spike is sent), or of a stochastic synapse's state
    /// (`stochastic.rs`, `Stoch::state_names`); `None` for other rules or
    /// names.
    pub(crate) fn recorded_state(&self, name: &str) -> Option<RawWeights> {
        let names: &[&str] = match &self.rule {
            Rule::Tm(_) => &["u", "x", "y"],
            Rule::Stoch(s) => s.state_names(),
            _ => return None,
        };
        let which = names.iter().position(|n| *n == name)?;
        let Some(r) = &self.rec else { return Some(RawWeights::default()) };
        let (n, k) = (self.len(), names.len());
        let data = r.state.chunks(k * n.max(1)).flat_map(|c| c[which * n..(which + 1) * n].iter().copied()).collect();
        Some(RawWeights { steps: r.steps.clone(), data })
    }

    fn sample_until(&mut self, before: u64) {
        let Some(r) = &self.rec else { return };
        if !r.active || r.next >= before {
            return;
        }
        let w = self.weights();
        let state: Vec<f64> = match &self.rule {
            Rule::Tm(syn) => {
                [|s: &TmSyn| s.u, |s: &TmSyn| s.x, |s: &TmSyn| s.y].iter().flat_map(|f| syn.iter().map(f)).collect()
            }
            Rule::Stoch(s) => s.state(),
            _ => vec![],
        };
        let r = self.rec.as_mut().expect("checked");
        while r.next < before {
            r.steps.push(r.next);
            r.data.extend_from_slice(&w);
            r.state.extend_from_slice(&state);
            r.next += r.interval;
        }
    }

    /// Records the post-synaptic spikes of a slice, then delivers its
    /// pre-synaptic spikes (sorted by step, then cell), then takes the
    /// weight samples due up to step `upto`.
    pub(crate) fn deliver(&mut self, spikes: &[(u32, u64)], upto: u64, rings: &mut impl Sink) {
        self.deliver_offsets(spikes, &[], upto, rings);
    }

    /// [`Plastic::deliver`] for spikes with offsets (`offs`, parallel to
    /// `spikes`, ms before the end of their step; empty: all on the grid),
    /// as NEST's synapses onto precise (`*_ps`) cells: post-synaptic spikes
    /// enter the histories at their precise times (`t_sp.get_ms() -
    /// offset`, `ArchivingNode::set_spiketime`,
    /// `nestkernel/archiving_node.cpp`), pre-synaptic spikes update the
    /// synapses at their grid stamps (`e.get_stamp().get_ms()`,
    /// `models/stdp_synapse.h`, `models/tsodyks_synapse.h`) and the weight
    /// arrives at the pre-synaptic spike's offset ([`Sink::add_at`]).
    pub(crate) fn deliver_offsets(&mut self, spikes: &[(u32, u64)], offs: &[f64], upto: u64, rings: &mut impl Sink) {
        let off = |k: usize| offs.get(k).copied().unwrap_or(0.0);
        if let Some(a) = &mut self.archive {
            for (k, &(c, s)) in spikes.iter().enumerate() {
                let o = off(k);
                // `ms(s) - 0.0 == ms(s)`: grid spikes are unchanged.
                a.add(c, s, o, self.clock.ms(s) - o);
            }
        }
        let n_rows = self.row_ptr.len() - 1;
        for (k, &(src, stamp)) in spikes.iter().enumerate() {
            let Some(row) = src.checked_sub(self.pre_lo).map(|r| r as usize).filter(|r| *r < n_rows) else {
                continue;
            };
            self.sample_until(stamp);
            let t = self.clock.ms(stamp);
            for s in self.row_ptr[row]..self.row_ptr[row + 1] {
                let target = self.target[s];
                let d = u64::from(self.delay[s]);
                let w = match &mut self.rule {
                    Rule::Tm(syn) => syn[s].spike(t),
                    Rule::Stoch(st) => st.spike(s, t),
                    Rule::Stdp { sign, syn } => {
                        let a = self.archive.as_mut().expect("STDP keeps an archive");
                        let tau_inv = a.tau_inv;
                        let syn = &mut syn[s];
                        let d_ms = self.clock.ms(d);
                        let t_last = self.clock.ms(syn.t_last);
                        let h = a.history(target);
                        let (lo, hi) = window(h, (syn.t_last, t_last - d_ms), (stamp, t - d_ms), d);
                        let mut w = syn.weight;
                        for e in h.entries.range(lo..hi) {
                            let minus_dt = t_last - (e.t + d_ms);
                            w = syn.facilitate(w, syn.kplus * (minus_dt / syn.tau_plus).exp());
                        }
                        let k = k_value(h, stamp, d, t - d_ms, tau_inv);
                        w = syn.depress(w, k);
                        syn.weight = w;
                        syn.kplus = syn.kplus * ((t_last - t) / syn.tau_plus).exp() + 1.0;
                        syn.t_last = stamp;
                        *sign * w
                    }
                    Rule::Vogels { sign, syn } => {
                        let a = self.archive.as_mut().expect("Vogels keeps an archive");
                        let tau_inv = a.tau_inv;
                        let syn = &mut syn[s];
                        let d_ms = self.clock.ms(d);
                        let t_last = self.clock.ms(syn.t_last);
                        let h = a.history(target);
                        let (lo, hi) = window(h, (syn.t_last, t_last - d_ms), (stamp, t - d_ms), d);
                        let mut w = syn.weight;
                        for e in h.entries.range(lo..hi) {
                            let minus_dt = t_last - (e.t + d_ms);
                            w = syn.facilitate(w, syn.kplus * (minus_dt / syn.tau).exp());
                        }
                        w = syn.facilitate(w, k_value(h, stamp, d, t - d_ms, tau_inv));
                        w = syn.depress(w);
                        syn.weight = w;
                        syn.kplus = syn.kplus * ((t_last - t) / syn.tau).exp() + 1.0;
                        syn.t_last = stamp;
                        *sign * w
                    }
                };
                rings.add_at(self.receptor, target, stamp + d, off(k), w);
            }
        }
        self.sample_until(upto + 1);
    }
}

/// Sets parameter `name` of every synapse of `rule` (list order), after
/// checking the bounds of each connection (`w_min <= w_max`).
fn set_parameter(rule: &mut Rule, name: &str, values: &[f64]) -> Result<()> {
    let bounds = |lo: f64, hi: f64, which: &str| -> Result<()> {
        if lo > hi {
            let (value, other) =
                if which == "w_min" { (lo, format!("w_max = {hi}")) } else { (hi, format!("w_min = {lo}")) };
            return Err(Error::invalid_value(
                "native plastic projection",
                which,
                value,
                format!("w_min <= w_max (this connection's {other})"),
            ));
        }
        Ok(())
    };
    match rule {
        Rule::Tm(syn) => {
            let f: fn(&mut TmSyn, f64) = match name {
                "U" => |s, v| s.u_param = v,
                "tau_rec" => |s, v| s.tau_rec = v,
                "tau_facil" => |s, v| s.tau_facil = v,
                "tau_psc" => |s, v| s.tau_psc = v,
                _ => {
                    return Err(Error::unknown_name(
                        "native plastic projection",
                        "parameter",
                        name,
                        ["U", "tau_rec", "tau_facil", "tau_psc"],
                    ));
                }
            };
            syn.iter_mut().zip(values).for_each(|(s, v)| f(s, *v));
        }
        Rule::Stdp { syn, .. } => {
            let f: fn(&mut StdpSyn, f64) = match name {
                "tau_plus" => |s, v| s.tau_plus = v,
                "tau_minus" => |_, _| {},
                "A_plus" => |s, v| s.a_plus = v,
                "A_minus" => |s, v| s.a_minus = v,
                "w_min" => |s, v| s.w_min = v,
                "w_max" => |s, v| s.w_max = v,
                "mu_plus" => |s, v| s.mu_plus = v,
                "mu_minus" => |s, v| s.mu_minus = v,
                _ => return Err(Error::unknown_name("native plastic projection", "parameter", name, [])),
            };
            for (s, v) in syn.iter().zip(values) {
                let mut t = *s;
                f(&mut t, *v);
                bounds(t.w_min, t.w_max, name)?;
            }
            syn.iter_mut().zip(values).for_each(|(s, v)| f(s, *v));
        }
        Rule::Vogels { syn, .. } => {
            let f: fn(&mut VogelsSyn, f64) = match name {
                "tau" => |s, v| {
                    s.tau = v;
                    s.alpha = 2.0 * s.rho * v / 1000.0;
                },
                "eta" => |s, v| s.eta = v,
                "rho" => |s, v| {
                    s.rho = v;
                    s.alpha = 2.0 * v * s.tau / 1000.0;
                },
                "w_min" => |s, v| s.w_min = v,
                "w_max" => |s, v| s.w_max = v,
                _ => return Err(Error::unknown_name("native plastic projection", "parameter", name, [])),
            };
            for (s, v) in syn.iter().zip(values) {
                let mut t = *s;
                f(&mut t, *v);
                bounds(t.w_min, t.w_max, name)?;
            }
            syn.iter_mut().zip(values).for_each(|(s, v)| f(s, *v));
        }
        Rule::Stoch(st) => st.set(name, values)?,
    }
    Ok(())
}

fn set_weights(rule: &mut Rule, values: &[f64]) -> Result<()> {
    let bad = |w: f64, lo: f64, hi: f64| {
        Error::invalid_value(
            "native plastic projection (STDPMechanism)",
            "weight",
            w,
            format!("a weight whose magnitude lies in [w_min, w_max] = [{lo}, {hi}]"),
        )
    };
    match rule {
        Rule::Tm(syn) => syn.iter_mut().zip(values).for_each(|(s, v)| s.weight = *v),
        Rule::Stoch(st) => st.syn.iter_mut().zip(values).for_each(|(s, v)| s.weight = *v),
        Rule::Stdp { syn, .. } => {
            if let Some((s, v)) = syn.iter().zip(values).find(|(s, v)| v.abs() < s.w_min || v.abs() > s.w_max) {
                return Err(bad(*v, s.w_min, s.w_max));
            }
            syn.iter_mut().zip(values).for_each(|(s, v)| s.weight = v.abs());
        }
        Rule::Vogels { syn, .. } => {
            if let Some((s, v)) = syn.iter().zip(values).find(|(s, v)| v.abs() < s.w_min || v.abs() > s.w_max) {
                return Err(bad(*v, s.w_min, s.w_max));
            }
            syn.iter_mut().zip(values).for_each(|(s, v)| s.weight = v.abs());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stdp(mu_plus: f64, mu_minus: f64) -> StdpSyn {
        StdpSyn {
            weight: 0.5,
            kplus: 0.0,
            t_last: 0,
            tau_plus: 20.0,
            a_plus: 0.1,
            a_minus: 0.2,
            w_min: 0.0,
            w_max: 2.0,
            mu_plus,
            mu_minus,
        }
    }

    #[test]
    fn weight_dependences_follow_nest_formulas() {
        // Additive: n = 0.25; +0.1 * 1 * K+ (K+ = 0.5) -> 0.3 -> w = 0.6.
        let s = stdp(0.0, 0.0);
        assert!((s.facilitate(0.5, 0.5) - 0.6).abs() < 1e-15);
        // depression -0.2 * K- (K- = 0.5): n = 0.25 - 0.1 = 0.15 -> 0.3.
        assert!((s.depress(0.5, 0.5) - 0.3).abs() < 1e-15);
        // Multiplicative: n = 0.25; + 0.1 * 0.75 * 1 -> 0.325 -> 0.65; - 0.2 * 0.25 * 1 -> 0.2 -> 0.4.
        let s = stdp(1.0, 1.0);
        assert!((s.facilitate(0.5, 1.0) - 0.65).abs() < 1e-15);
        assert!((s.depress(0.5, 1.0) - 0.4).abs() < 1e-15);
        // Gutig mu = 0.5: + 0.1 * sqrt(0.75) -> (0.25 + 0.0866..) * 2.
        let s = stdp(0.5, 0.5);
        assert!((s.facilitate(0.5, 1.0) - (0.25 + 0.1 * 0.75f64.sqrt()) * 2.0).abs() < 1e-15);
        assert!((s.depress(0.5, 1.0) - (0.25 - 0.2 * 0.5) * 2.0).abs() < 1e-15);
        // Bounds.
        assert_eq!(s.facilitate(1.9, 100.0), 2.0);
        assert_eq!(s.depress(0.1, 100.0), 0.0);
        let mut b = stdp(0.0, 0.0);
        b.w_min = 0.4;
        assert_eq!(b.depress(0.5, 100.0), 0.4);
    }

    #[test]
    fn history_is_pruned_once_read_and_old_enough() {
        // One target with one incoming synapse (delay 10 steps); keep =
        // max_delay + min_delay = 20 steps.
        let mut a = Archive {
            post_lo: 0,
            tau_inv: 1.0 / 20.0,
            keep: 20,
            cells: vec![History { n_incoming: 1, last: -1.0, ..Default::default() }],
        };
        let mut t_last = 0;
        for k in 1..=100u64 {
            let post = 10 * k;
            a.add(0, post, 0.0, post as f64 * 0.1);
            // A pre-synaptic spike 15 steps later reads every post spike
            // up to stamp - d.
            let stamp = post + 15;
            let (lo, hi) = window(&mut a.cells[0], (t_last, 0.0), (stamp, 0.0), 10);
            assert_eq!(hi - lo, 1, "each pre spike sees exactly the newest post spike");
            t_last = stamp;
            // An entry goes once read and once its successor is more than
            // 20 steps older than the newest spike: with spikes every 10
            // steps, 4 remain (t - 30, t - 20, t - 10, t).
            assert!(a.cells[0].entries.len() <= 4, "{} entries after {k} spikes", a.cells[0].entries.len());
        }
        // K- is still the recurrence's value at the newest spike.
        let h = &a.cells[0];
        // K <- K e^{-1/20} + 1 a hundred times from 0: a geometric sum.
        let q = (-1.0f64 / 20.0).exp();
        let expected = (1.0 - q.powi(100)) / (1.0 - q);
        assert!((h.kminus - expected).abs() < 1e-9, "{} vs {expected}", h.kminus);
        // Unread entries are kept (a synapse that never fires pins them, as in NEST).
        let mut b = a.clone();
        for k in 101..=150u64 {
            b.add(0, 10 * k, 0.0, k as f64);
        }
        assert!(b.cells[0].entries.len() >= 50);
    }

    #[test]
    fn tsodyks_markram_regular_train_depresses() {
        // No facilitation, U = 0.5, tau_rec = 100, tau_psc = 3 (NEST's
        // defaults): first efficacy U * x = 0.5, then the analytic
        // recovery between spikes 100 ms apart.
        let mut s = TmSyn {
            weight: 1.0,
            u_param: 0.5,
            tau_rec: 100.0,
            tau_facil: 0.0,
            tau_psc: 3.0,
            u: 0.0,
            x: 1.0,
            y: 0.0,
            t_last: 0.0,
        };
        assert!((s.spike(10.0) - 0.5).abs() < 1e-15);
        let w2 = s.spike(110.0);
        // Between spikes: dy/dt = -y / tau_psc, dz/dt = y / tau_psc - z / tau_rec,
        // x = 1 - y - z, from y = 0.5, z = 0: z(t) = y0 tau_rec / (tau_rec - tau_psc)
        // (e^{-t/tau_rec} - e^{-t/tau_psc}).
        let (tr, tp, y0, t) = (100.0f64, 3.0f64, 0.5f64, 100.0f64);
        let y = y0 * (-t / tp).exp();
        let z = y0 * tr / (tr - tp) * ((-t / tr).exp() - (-t / tp).exp());
        let x = 1.0 - y - z;
        assert!((w2 - 0.5 * x).abs() < 1e-12, "{w2} vs {}", 0.5 * x);
    }
}
