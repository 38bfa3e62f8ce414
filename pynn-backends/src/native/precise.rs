//! Precise spike times (`Setup::spike_precision = SpikePrecision::OffGrid`,
//! PyNN's `spike_precision = "off_grid"`): kernels that spike and receive
//! spikes between grid points, as NEST's `*_ps` models.
//!
//! # What changes under `OffGrid`
//!
//! * `IF_curr_exp` populations run [`PreciseExp`], the algorithm of NEST
//!   3.10's `iaf_psc_exp_ps` (`models/iaf_psc_exp_ps.{h,cpp}`; Morrison et
//!   al. 2007, Hanuschkin et al. 2010). Within a step the cell is advanced
//!   exactly from one incoming event to the next (propagators computed for
//!   each sub-interval); an event adds its weight to the synaptic current at
//!   its exact time. When the potential is at or above threshold at the end
//!   of a sub-interval, the crossing is located within that sub-interval by
//!   the Illinois variant of regula falsi on the exact solution (NEST's
//!   `libnestutil/regula_falsi.h`: stop when |V - theta| < 1e-14 mV, at most
//!   500 iterations). The cell is then reset and refractory; it returns from
//!   refractoriness exactly `t_ref` (rounded up to whole steps, as NEST)
//!   after the spike time, as a pseudo-event inside the step. While
//!   refractory, `v` stays at `v_reset` and the synaptic currents evolve.
//!   A cell initialised at or above threshold spikes at the start of the
//!   next step (NEST's `emit_instant_spike_`).
//! * `SpikeSourceArray` populations run [`PreciseArray`]: each time `t` is
//!   kept exactly, emitted with the time stamp of the end of its step
//!   (`ceil(t / dt)`) and offset `stamp * dt - t` (NEST's `spike_generator`
//!   with `precise_times = true`).
//! * Every other cell type keeps its grid kernel: spikes it emits carry
//!   offset 0, and spikes it receives are summed on the grid (their offsets
//!   are ignored), as NEST's non-precise models receive them.
//! * Poisson sources stay on the grid (times at step ends): their draws are
//!   those of the on-grid kernel, so that every backend that replays them
//!   sees the same spikes. NEST's `poisson_generator_ps` draws its own
//!   continuous times, which no other backend could reproduce.
//! * `IF_curr_delta` populations run [`PreciseDelta`], NEST's
//!   `iaf_psc_delta_ps` (analytic crossing time, see its doc).
//!
//! * `IF_curr_alpha` populations run [`PreciseAlpha`], NEST's
//!   `iaf_psc_alpha_ps` (the scheme of `PreciseExp` with the alpha
//!   current's two-variable state, see its doc).
//!
//! Plastic projections onto precise cells are an [`Error::Unsupported`].
//!
//! # Time convention
//!
//! A spike is `(stamp, offset)`: time `stamp * dt - offset`, offset in
//! `[0, dt)` (NEST's convention). It is emitted in step `stamp - 1`. A
//! spike with delay `d` steps reaches its target in step `stamp + d - 1`
//! at the same offset, i.e. at time `t_spike + d * dt` exactly.
//!
//! # Engine hooks
//!
//! [`Kernel::precise`] returns the kernel's [`Precise`] side; the shard
//! then calls [`Precise::step`] instead of the grid update (`shard.rs`),
//! and, for a receiving kernel, hands it the incoming rows at delivery
//! (`deliver`, called from `delivery.rs`) instead of the ring buffers.
//! Offsets travel next to the spikes (`Spikes::offs`, empty for grid
//! shards) and are recorded (`Shard::rec_offs` -> `RawRecording::offsets`).

use super::kernel::{BuildContext, Kernel, SpikeOut};
use super::propagators::{p31, p32, refractory_steps};
use super::rows::Rows;
use super::shard::Spikes;
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, Result};

/// The precise side of a kernel (see the module doc).
pub trait Precise {
    /// Advances every cell through step `k` (from `k dt` to `(k + 1) dt`),
    /// with `current` the injected current per cell during the step (nA),
    /// pushing each spike as `(cell, k + 1)` to `list` and its offset to
    /// `offs` (the two stay parallel), in cell order.
    fn step(&mut self, k: u64, current: &[f64], list: &mut SpikeOut, offs: &mut Vec<f64>);
    /// The queue of incoming events, for kernels that receive spikes at
    /// their exact times (`None`: the grid ring buffers are used).
    fn queue(&mut self) -> Option<&mut Queue> {
        None
    }
}

/// One incoming event: `cell` (within the shard) receives `weight` on
/// `receptor` at `offset` before the end of the step.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    cell: u32,
    receptor: u8,
    offset: f64,
    weight: f64,
}

/// Incoming events per step (a ring of `len` steps, like the grid ring
/// buffers), in delivery order.
#[derive(Debug, Default)]
pub struct Queue {
    slots: Vec<Vec<Event>>,
}

impl Queue {
    fn push(&mut self, len: usize, step: u64, ev: Event) {
        if self.slots.len() < len {
            self.slots.resize_with(len, Vec::new);
        }
        let n = self.slots.len();
        self.slots[(step % n as u64) as usize].push(ev);
    }

    /// The events of step `k`, sorted by cell, then time (a stable sort:
    /// simultaneous events keep their delivery order), moved into `out`.
    fn take(&mut self, k: u64, out: &mut Vec<Event>) {
        out.clear();
        if self.slots.is_empty() {
            return;
        }
        let n = self.slots.len() as u64;
        std::mem::swap(out, &mut self.slots[(k % n) as usize]);
        out.sort_by(|a, b| a.cell.cmp(&b.cell).then(b.offset.total_cmp(&a.offset)));
    }

    fn clear(&mut self) {
        self.slots.iter_mut().for_each(Vec::clear);
    }
}

/// Delivers the spikes of a slice through the static rows `incoming` into
/// `queue`: each synapse gives an event in step `stamp + delay - 1` at the
/// spike's offset (0 for spikes of grid shards). Same order as the grid
/// delivery (projection, step, source shard, source cell, row order).
pub(super) fn deliver(queue: &mut Queue, incoming: &[Rows], spikes: &[Spikes], shard_lo: &[usize], ring_len: u64) {
    let len = ring_len as usize;
    let n_steps = spikes.first().map_or(0, |s| s.bounds.len().saturating_sub(1));
    for rows in incoming {
        let receptor = rows.receptor as u8;
        for j in 0..n_steps {
            for src in rows.src.clone() {
                let sp = &spikes[src];
                let lo = shard_lo[src] as u32;
                let at = sp.range(j, rows.pre_lo.saturating_sub(lo), rows.pre_hi.saturating_sub(lo));
                for k in at {
                    let (c, stamp) = sp.list[k];
                    let offset = sp.offs.get(k).copied().unwrap_or(0.0);
                    let m = f64::from(sp.mult[k]);
                    for s in rows.row(lo + c) {
                        let step = (stamp + u64::from(rows.delay.get(s))).saturating_sub(1);
                        let ev =
                            Event { cell: u32::from(rows.target[s]), receptor, offset, weight: rows.weight.get(s) * m };
                        queue.push(len, step, ev);
                    }
                }
            }
        }
    }
}

/// Illinois regula falsi for the root of `f` in `(0, dt]`, given
/// `f(0) < 0 <= f(dt)`, as NEST's `regula_falsi` (stop at |f| < 1e-14,
/// at most 500 iterations; the last estimate is returned).
fn regula_falsi(f: impl Fn(f64) -> f64, dt: f64) -> f64 {
    let (mut a, mut b) = (0.0, dt);
    let (mut fa, mut fb) = (f(a), f(b));
    let mut side = 0i8;
    let mut root = b;
    for _ in 0..500 {
        if fb == fa {
            break;
        }
        root = (a * fb - b * fa) / (fb - fa);
        let fr = f(root);
        if fr.abs() < 1e-14 {
            break;
        }
        if fa * fr > 0.0 {
            a = root;
            fa = fr;
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        } else if fb * fr > 0.0 {
            b = root;
            fb = fr;
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        } else {
            break;
        }
    }
    root
}

// ---------------------------------------------------------------- IF_curr_exp

/// Precise kernel of `IF_curr_exp` (NEST `iaf_psc_exp_ps`; see the module
/// doc). Potentials are stored relative to `v_rest`; PyNN units.
pub struct PreciseExp {
    dt: f64,
    // Parameters per cell.
    v_rest: Vec<f64>,
    tau_m: Vec<f64>,
    cm: Vec<f64>,
    tau_e: Vec<f64>,
    tau_i: Vec<f64>,
    theta: Vec<f64>,
    v_reset: Vec<f64>,
    i_e: Vec<f64>,
    refrac: Vec<u32>,
    // Full-step propagators.
    expm1_m: Vec<f64>,
    p20: Vec<f64>,
    p21e: Vec<f64>,
    p21i: Vec<f64>,
    p11e: Vec<f64>,
    p11i: Vec<f64>,
    // State.
    y: Vec<f64>,
    i_ex: Vec<f64>,
    i_in: Vec<f64>,
    refractory: Vec<bool>,
    last_stamp: Vec<u64>,
    last_offset: Vec<f64>,
    init_v: Vec<f64>,
    init_ex: Vec<f64>,
    init_in: Vec<f64>,
    queue: Queue,
    events: Vec<Event>,
}

/// The state of one cell at the start of a sub-interval.
#[derive(Clone, Copy)]
struct ExpCell {
    y: f64,
    ie: f64,
    ii: f64,
}

impl PreciseExp {
    /// Builds the kernel over a shard's parameter and initial-value tables.
    pub fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<pynn_core::IF_curr_exp>(params, initial, ctx)?;
        let n = params.size();
        let mut k = PreciseExp {
            dt: ctx.dt,
            v_rest: vec![],
            tau_m: vec![],
            cm: vec![],
            tau_e: vec![],
            tau_i: vec![],
            theta: vec![],
            v_reset: vec![],
            i_e: vec![],
            refrac: vec![],
            expm1_m: vec![],
            p20: vec![],
            p21e: vec![],
            p21i: vec![],
            p11e: vec![],
            p11i: vec![],
            y: vec![0.0; n],
            i_ex: vec![0.0; n],
            i_in: vec![0.0; n],
            refractory: vec![false; n],
            last_stamp: vec![0; n],
            last_offset: vec![0.0; n],
            init_v: initial.scalar("v").to_vec(),
            init_ex: initial.scalar("isyn_exc").to_vec(),
            init_in: initial.scalar("isyn_inh").to_vec(),
            queue: Queue::default(),
            events: Vec::new(),
        };
        k.derive(params, &ctx.label)?;
        k.reset();
        Ok(Box::new(k))
    }

    fn derive(&mut self, p: &ParamTable, label: &str) -> Result<()> {
        let dt = self.dt;
        let v_rest = p.scalar("v_rest").to_vec();
        let refrac = checked_refractory(p, dt, label, "IF_curr_exp", "iaf_psc_exp_ps")?;
        if !self.v_rest.is_empty() {
            for ((y, o), n) in self.y.iter_mut().zip(&self.v_rest).zip(&v_rest) {
                *y += o - n;
            }
        }
        let rel = |name: &str| p.scalar(name).iter().zip(&v_rest).map(|(x, e)| x - e).collect::<Vec<_>>();
        self.theta = rel("v_thresh");
        self.v_reset = rel("v_reset");
        self.tau_m = p.scalar("tau_m").to_vec();
        self.cm = p.scalar("cm").to_vec();
        self.tau_e = p.scalar("tau_syn_E").to_vec();
        self.tau_i = p.scalar("tau_syn_I").to_vec();
        self.i_e = p.scalar("i_offset").to_vec();
        self.refrac = refrac;
        let n = self.tau_m.len();
        self.expm1_m = self.tau_m.iter().map(|t| (-dt / t).exp_m1()).collect();
        self.p20 = (0..n).map(|i| -self.tau_m[i] / self.cm[i] * (-dt / self.tau_m[i]).exp_m1()).collect();
        self.p21e = (0..n).map(|i| p32(self.tau_e[i], self.tau_m[i], self.cm[i], dt)).collect();
        self.p21i = (0..n).map(|i| p32(self.tau_i[i], self.tau_m[i], self.cm[i], dt)).collect();
        self.p11e = self.tau_e.iter().map(|t| (-dt / t).exp()).collect();
        self.p11i = self.tau_i.iter().map(|t| (-dt / t).exp()).collect();
        self.v_rest = v_rest;
        Ok(())
    }

    /// The potential of cell `i` a time `t` after a sub-interval's start
    /// with state `s` and injected current `y0` (exact solution).
    #[inline]
    fn v_after(&self, i: usize, s: ExpCell, y0: f64, t: f64) -> f64 {
        let (tm, c) = (self.tau_m[i], self.cm[i]);
        let p20 = -tm / c * (-t / tm).exp_m1();
        let p21e = p32(self.tau_e[i], tm, c, t);
        let p21i = p32(self.tau_i[i], tm, c, t);
        p20 * (self.i_e[i] + y0) + p21e * s.ie + p21i * s.ii + s.y * (-t / tm).exp()
    }

    /// Advances cell `i` by `t` (a sub-interval of the step).
    #[inline]
    fn propagate(&self, i: usize, s: &mut ExpCell, y0: f64, t: f64, refractory: bool) {
        if !refractory {
            s.y = self.v_after(i, *s, y0, t);
        }
        s.ie *= (-t / self.tau_e[i]).exp();
        s.ii *= (-t / self.tau_i[i]).exp();
    }

    /// Locates the crossing in the sub-interval `(t0, t0 + len]` of step
    /// `k` that started in state `before`, then resets cell `i`.
    #[allow(clippy::too_many_arguments)] // the sub-interval's state, read by the root finder
    fn emit(
        &mut self,
        i: usize,
        k: u64,
        before: ExpCell,
        y0: f64,
        t0: f64,
        len: f64,
        out: (&mut SpikeOut, &mut Vec<f64>),
    ) {
        let theta = self.theta[i];
        let root = regula_falsi(|t| self.v_after(i, before, y0, t) - theta, len);
        let offset = self.dt - (t0 + root);
        self.spike(i, k, offset, out);
    }

    fn spike(&mut self, i: usize, k: u64, offset: f64, out: (&mut SpikeOut, &mut Vec<f64>)) {
        self.last_stamp[i] = k + 1;
        self.last_offset[i] = offset;
        self.y[i] = self.v_reset[i];
        self.refractory[i] = true;
        out.0.push((i as u32, k + 1));
        out.1.push(offset);
    }
}

impl Precise for PreciseExp {
    fn step(&mut self, k: u64, current: &[f64], list: &mut SpikeOut, offs: &mut Vec<f64>) {
        let h = self.dt;
        let mut events = std::mem::take(&mut self.events);
        self.queue.take(k, &mut events);
        let mut e = 0;
        #[allow(clippy::needless_range_loop)] // `i` indexes a dozen per-cell columns and the event list
        for i in 0..self.y.len() {
            let y0 = current[i];
            // Initialised at or above threshold: a spike at the step's start.
            if self.y[i] >= self.theta[i] {
                self.spike(i, k, h * (1.0 - f64::EPSILON), (&mut *list, &mut *offs));
            }
            // Return from refractoriness within this step: a pseudo-event.
            let end_refr = self.refractory[i] && k + 1 - self.last_stamp[i] == u64::from(self.refrac[i]);
            let first = e;
            while e < events.len() && events[e].cell as usize == i {
                e += 1;
            }
            let evs = &events[first..e];
            if evs.is_empty() && !end_refr {
                // NEST's fixed-propagator step (the same operations).
                if !self.refractory[i] {
                    let (ie, ii, y) = (self.i_ex[i], self.i_in[i], self.y[i]);
                    self.y[i] = self.p20[i] * (self.i_e[i] + y0)
                        + self.p21e[i] * ie
                        + self.p21i[i] * ii
                        + self.expm1_m[i] * y
                        + y;
                    self.i_ex[i] = ie * self.p11e[i];
                    self.i_in[i] = ii * self.p11i[i];
                    if self.y[i] >= self.theta[i] {
                        self.emit(i, k, ExpCell { y, ie, ii }, y0, 0.0, h, (&mut *list, &mut *offs));
                    }
                } else {
                    self.i_ex[i] *= self.p11e[i];
                    self.i_in[i] *= self.p11i[i];
                }
                continue;
            }
            // Events in time order; the end of refractoriness is placed
            // before the spikes at the same offset.
            let mut s = ExpCell { y: self.y[i], ie: self.i_ex[i], ii: self.i_in[i] };
            let mut last = h;
            let mut refr_pending = end_refr;
            let mut j = 0;
            loop {
                let refr_next = refr_pending && evs.get(j).is_none_or(|ev| ev.offset <= self.last_offset[i]);
                let (offset, ev) = if refr_next {
                    (self.last_offset[i], None)
                } else if let Some(ev) = evs.get(j) {
                    (ev.offset, Some(*ev))
                } else {
                    break;
                };
                let mini = last - offset;
                if mini > 0.0 {
                    let before = s;
                    self.propagate(i, &mut s, y0, mini, self.refractory[i]);
                    if s.y >= self.theta[i] {
                        self.y[i] = s.y;
                        self.emit(i, k, before, y0, h - last, mini, (&mut *list, &mut *offs));
                        s.y = self.y[i];
                    }
                }
                match ev {
                    None => {
                        self.refractory[i] = false;
                        refr_pending = false;
                    }
                    Some(ev) => {
                        if ev.receptor == 0 {
                            s.ie += ev.weight;
                        } else {
                            s.ii += ev.weight;
                        }
                        j += 1;
                    }
                }
                last = offset;
            }
            if last > 0.0 {
                let before = s;
                self.propagate(i, &mut s, y0, last, self.refractory[i]);
                if s.y >= self.theta[i] {
                    self.y[i] = s.y;
                    self.emit(i, k, before, y0, h - last, last, (&mut *list, &mut *offs));
                    s.y = self.y[i];
                }
            }
            self.y[i] = s.y;
            self.i_ex[i] = s.ie;
            self.i_in[i] = s.ii;
        }
        self.events = events;
    }

    fn queue(&mut self) -> Option<&mut Queue> {
        Some(&mut self.queue)
    }
}

impl Kernel for PreciseExp {
    fn step(&mut self, input: &super::kernel::StepInput<'_>, spikes: &mut SpikeOut) {
        // Reached only if the engine bypasses `precise()`: grid stamps.
        let mut offs = Vec::new();
        Precise::step(self, input.step, input.current, spikes, &mut offs);
    }

    fn precise(&mut self) -> Option<&mut dyn Precise> {
        Some(self)
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params, "")
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let set = |dst: &mut Vec<f64>| {
            for (c, v) in cells.iter().zip(values) {
                dst[*c] = *v;
            }
        };
        match name {
            "v" => {
                set(&mut self.init_v);
                for (c, v) in cells.iter().zip(values) {
                    self.y[*c] = v - self.v_rest[*c];
                }
            }
            "isyn_exc" => {
                set(&mut self.init_ex);
                set(&mut self.i_ex);
            }
            "isyn_inh" => {
                set(&mut self.init_in);
                set(&mut self.i_in);
            }
            _ => {
                return Err(Error::unknown_name(
                    "native IF_curr_exp (off_grid)",
                    "state variable",
                    name,
                    ["v", "isyn_exc", "isyn_inh"],
                ));
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.v_rest[i];
        }
        self.i_ex.clone_from(&self.init_ex);
        self.i_in.clone_from(&self.init_in);
        self.refractory.iter_mut().for_each(|r| *r = false);
        self.last_stamp.iter_mut().for_each(|s| *s = 0);
        self.last_offset.iter_mut().for_each(|o| *o = 0.0);
        self.queue.clear();
    }

    fn variable(&self, name: &str) -> Option<usize> {
        ["v", "isyn_exc", "isyn_inh"].iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match var {
            0 => out.extend(cells.iter().map(|c| self.y[*c] + self.v_rest[*c])),
            1 => out.extend(cells.iter().map(|c| self.i_ex[*c])),
            _ => out.extend(cells.iter().map(|c| self.i_in[*c])),
        }
    }
}

// ---------------------------------------------------------------- IF_curr_delta

/// Precise kernel of `IF_curr_delta` (NEST `iaf_psc_delta_ps`,
/// `models/iaf_psc_delta_ps.cpp`): the potential relaxes exactly towards
/// `R (I_e + I)` between events; an event adds its weight (mV) at its exact
/// time (simultaneous events summed first); a crossing during free
/// relaxation is located analytically, `t = -tau_m ln((v_inf - V) /
/// (v_inf - theta))` back from the end of the sub-interval; a jump to or
/// above threshold spikes at the event's time. Input during the refractory
/// period is discarded (NEST's `refractory_input = false`, PyNN's choice).
pub struct PreciseDelta {
    dt: f64,
    v_rest: Vec<f64>,
    tau_m: Vec<f64>,
    r_m: Vec<f64>,
    theta: Vec<f64>,
    v_reset: Vec<f64>,
    i_e: Vec<f64>,
    refrac: Vec<u32>,
    expm1_m: Vec<f64>,
    y: Vec<f64>,
    refractory: Vec<bool>,
    last_stamp: Vec<u64>,
    last_offset: Vec<f64>,
    init_v: Vec<f64>,
    queue: Queue,
    events: Vec<Event>,
}

impl PreciseDelta {
    /// Builds the kernel over a shard's parameter and initial-value tables.
    pub fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<pynn_core::IF_curr_delta>(params, initial, ctx)?;
        let n = params.size();
        let mut k = PreciseDelta {
            dt: ctx.dt,
            v_rest: vec![],
            tau_m: vec![],
            r_m: vec![],
            theta: vec![],
            v_reset: vec![],
            i_e: vec![],
            refrac: vec![],
            expm1_m: vec![],
            y: vec![0.0; n],
            refractory: vec![false; n],
            last_stamp: vec![0; n],
            last_offset: vec![0.0; n],
            init_v: initial.scalar("v").to_vec(),
            queue: Queue::default(),
            events: Vec::new(),
        };
        k.derive(params, &ctx.label)?;
        k.reset();
        Ok(Box::new(k))
    }

    fn derive(&mut self, p: &ParamTable, label: &str) -> Result<()> {
        let dt = self.dt;
        let v_rest = p.scalar("v_rest").to_vec();
        let refrac = checked_refractory(p, dt, label, "IF_curr_delta", "iaf_psc_delta_ps")?;
        if !self.v_rest.is_empty() {
            for ((y, o), n) in self.y.iter_mut().zip(&self.v_rest).zip(&v_rest) {
                *y += o - n;
            }
        }
        let rel = |name: &str| p.scalar(name).iter().zip(&v_rest).map(|(x, e)| x - e).collect::<Vec<_>>();
        self.theta = rel("v_thresh");
        self.v_reset = rel("v_reset");
        self.tau_m = p.scalar("tau_m").to_vec();
        self.r_m = self.tau_m.iter().zip(p.scalar("cm")).map(|(t, c)| t / c).collect();
        self.i_e = p.scalar("i_offset").to_vec();
        self.refrac = refrac;
        self.expm1_m = self.tau_m.iter().map(|t| (-dt / t).exp_m1()).collect();
        self.v_rest = v_rest;
        Ok(())
    }

    /// Relaxes cell `i` for a time `t` with injected current `y0`.
    #[inline]
    fn propagate(&mut self, i: usize, y0: f64, t: f64) {
        let e = (-t / self.tau_m[i]).exp_m1();
        let v_inf = self.r_m[i] * (y0 + self.i_e[i]);
        self.y[i] = -v_inf * e + self.y[i] * e + self.y[i];
    }

    /// A crossing during relaxation that ended `offset_end` before the end
    /// of step `k`: the spike lies the analytic time since the crossing
    /// earlier.
    fn emit(&mut self, i: usize, k: u64, y0: f64, offset_end: f64, out: (&mut SpikeOut, &mut Vec<f64>)) {
        let v_inf = self.r_m[i] * (y0 + self.i_e[i]);
        let since = -self.tau_m[i] * ((v_inf - self.y[i]) / (v_inf - self.theta[i])).ln();
        self.spike(i, k, offset_end + since, out);
    }

    fn spike(&mut self, i: usize, k: u64, offset: f64, out: (&mut SpikeOut, &mut Vec<f64>)) {
        self.last_stamp[i] = k + 1;
        self.last_offset[i] = offset;
        self.y[i] = self.v_reset[i];
        self.refractory[i] = true;
        out.0.push((i as u32, k + 1));
        out.1.push(offset);
    }
}

impl Precise for PreciseDelta {
    fn step(&mut self, k: u64, current: &[f64], list: &mut SpikeOut, offs: &mut Vec<f64>) {
        let h = self.dt;
        let mut events = std::mem::take(&mut self.events);
        self.queue.take(k, &mut events);
        let mut e = 0;
        #[allow(clippy::needless_range_loop)] // `i` indexes a dozen per-cell columns and the event list
        for i in 0..self.y.len() {
            let y0 = current[i];
            if self.y[i] >= self.theta[i] {
                self.spike(i, k, h * (1.0 - f64::EPSILON), (&mut *list, &mut *offs));
            }
            let end_refr = self.refractory[i] && k + 1 - self.last_stamp[i] == u64::from(self.refrac[i]);
            let first = e;
            while e < events.len() && events[e].cell as usize == i {
                e += 1;
            }
            let evs = &events[first..e];
            if evs.is_empty() && !end_refr {
                if !self.refractory[i] {
                    // NEST's fixed-propagator step (the same operations).
                    let (y, em) = (self.y[i], self.expm1_m[i]);
                    let i_ext = -em * self.r_m[i] * (y0 + self.i_e[i]);
                    self.y[i] = i_ext + em * y + y;
                    if self.y[i] >= self.theta[i] {
                        self.emit(i, k, y0, 0.0, (&mut *list, &mut *offs));
                    }
                }
                continue;
            }
            let mut t = h;
            let mut refr_pending = end_refr;
            let mut j = 0;
            loop {
                let refr_next = refr_pending && evs.get(j).is_none_or(|ev| ev.offset <= self.last_offset[i]);
                let (offset, weight) = if refr_next {
                    refr_pending = false;
                    (self.last_offset[i], None)
                } else if let Some(ev) = evs.get(j) {
                    // Simultaneous events are summed (NEST accumulates them).
                    let mut w = 0.0;
                    while let Some(x) = evs.get(j).filter(|x| x.offset == ev.offset) {
                        w += x.weight;
                        j += 1;
                    }
                    (ev.offset, Some(w))
                } else {
                    break;
                };
                if self.refractory[i] {
                    t = offset;
                    if weight.is_none() {
                        self.refractory[i] = false;
                        if self.y[i] >= self.theta[i] {
                            self.spike(i, k, t, (&mut *list, &mut *offs));
                        }
                    }
                    continue;
                }
                self.propagate(i, y0, t - offset);
                t = offset;
                if self.y[i] >= self.theta[i] {
                    self.emit(i, k, y0, t, (&mut *list, &mut *offs));
                    continue;
                }
                self.y[i] += weight.unwrap_or(0.0);
                if self.y[i] >= self.theta[i] {
                    self.spike(i, k, t, (&mut *list, &mut *offs));
                }
            }
            if !self.refractory[i] && t > 0.0 {
                self.propagate(i, y0, t);
                if self.y[i] >= self.theta[i] {
                    self.emit(i, k, y0, 0.0, (&mut *list, &mut *offs));
                }
            }
        }
        self.events = events;
    }

    fn queue(&mut self) -> Option<&mut Queue> {
        Some(&mut self.queue)
    }
}

impl Kernel for PreciseDelta {
    fn step(&mut self, input: &super::kernel::StepInput<'_>, spikes: &mut SpikeOut) {
        let mut offs = Vec::new();
        Precise::step(self, input.step, input.current, spikes, &mut offs);
    }

    fn precise(&mut self) -> Option<&mut dyn Precise> {
        Some(self)
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params, "")
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        if name != "v" {
            return Err(Error::unknown_name("native IF_curr_delta (off_grid)", "state variable", name, ["v"]));
        }
        for (c, v) in cells.iter().zip(values) {
            self.init_v[*c] = *v;
            self.y[*c] = v - self.v_rest[*c];
        }
        Ok(())
    }

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.v_rest[i];
        }
        self.refractory.iter_mut().for_each(|r| *r = false);
        self.last_stamp.iter_mut().for_each(|s| *s = 0);
        self.last_offset.iter_mut().for_each(|o| *o = 0.0);
        self.queue.clear();
    }

    fn variable(&self, name: &str) -> Option<usize> {
        (name == "v").then_some(0)
    }

    fn read(&self, _var: usize, cells: &[usize], out: &mut Vec<f64>) {
        out.extend(cells.iter().map(|c| self.y[*c] + self.v_rest[*c]));
    }
}

// ---------------------------------------------------------------- IF_curr_alpha

/// Precise kernel of `IF_curr_alpha` (NEST 3.10 `iaf_psc_alpha_ps`,
/// `models/iaf_psc_alpha_ps.cpp`). Each synaptic current is the state
/// `(dI, I)`, `dI' = -dI / tau_s`, `I' = dI - I / tau_s`; an event of weight
/// `w` adds `e w / tau_s` to `dI` at its exact time (a current peaking at
/// `w`, `tau_s` later). Over any sub-interval `t` the state is propagated
/// exactly: `I <- exp(-t/tau_s) (t dI + I)`, `dI <- exp(-t/tau_s) dI`, and
/// `V` with `P30`, `P31` (from `dI`) and `P32` (from `I`) evaluated for `t`
/// (`propagators::{p31, p32}`, NEST's `propagator_stability`). The rest
/// follows [`PreciseExp`]: a crossing found at the end of a sub-interval is
/// located by the same Illinois regula falsi on the exact solution from the
/// sub-interval's start (`iaf_psc_alpha_ps::threshold_distance`), the cell
/// is reset and refractory until the pseudo-event `t_ref` after the spike,
/// `v` stays at `v_reset` meanwhile while the currents evolve. Events are
/// not summed when simultaneous (NEST reads them one by one; the zero-length
/// sub-interval between them is the identity). Potentials are stored
/// relative to `v_rest`; PyNN units.
pub struct PreciseAlpha {
    dt: f64,
    // Parameters per cell.
    v_rest: Vec<f64>,
    tau_m: Vec<f64>,
    cm: Vec<f64>,
    tau_e: Vec<f64>,
    tau_i: Vec<f64>,
    theta: Vec<f64>,
    v_reset: Vec<f64>,
    i_e: Vec<f64>,
    refrac: Vec<u32>,
    psc_e: Vec<f64>,
    psc_i: Vec<f64>,
    // Full-step propagators.
    full: Vec<AlphaProps>,
    // State.
    y: Vec<f64>,
    di_ex: Vec<f64>,
    i_ex: Vec<f64>,
    di_in: Vec<f64>,
    i_in: Vec<f64>,
    refractory: Vec<bool>,
    last_stamp: Vec<u64>,
    last_offset: Vec<f64>,
    init_v: Vec<f64>,
    init_ex: Vec<f64>,
    init_in: Vec<f64>,
    queue: Queue,
    events: Vec<Event>,
}

/// The propagators of one cell over a sub-interval (NEST's names).
#[derive(Clone, Copy, Default)]
struct AlphaProps {
    expm1_m: f64,
    p30: f64,
    p31e: f64,
    p32e: f64,
    p31i: f64,
    p32i: f64,
    pe: f64,
    pi: f64,
}

/// The state of one alpha cell at the start of a sub-interval.
#[derive(Clone, Copy)]
struct AlphaCell {
    y: f64,
    de: f64,
    ie: f64,
    di: f64,
    ii: f64,
}

impl PreciseAlpha {
    /// Builds the kernel over a shard's parameter and initial-value tables.
    pub fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<pynn_core::IF_curr_alpha>(params, initial, ctx)?;
        let n = params.size();
        let mut k = PreciseAlpha {
            dt: ctx.dt,
            v_rest: vec![],
            tau_m: vec![],
            cm: vec![],
            tau_e: vec![],
            tau_i: vec![],
            theta: vec![],
            v_reset: vec![],
            i_e: vec![],
            refrac: vec![],
            psc_e: vec![],
            psc_i: vec![],
            full: vec![],
            y: vec![0.0; n],
            di_ex: vec![0.0; n],
            i_ex: vec![0.0; n],
            di_in: vec![0.0; n],
            i_in: vec![0.0; n],
            refractory: vec![false; n],
            last_stamp: vec![0; n],
            last_offset: vec![0.0; n],
            init_v: initial.scalar("v").to_vec(),
            init_ex: initial.scalar("isyn_exc").to_vec(),
            init_in: initial.scalar("isyn_inh").to_vec(),
            queue: Queue::default(),
            events: Vec::new(),
        };
        k.derive(params, &ctx.label)?;
        k.reset();
        Ok(Box::new(k))
    }

    fn derive(&mut self, p: &ParamTable, label: &str) -> Result<()> {
        let v_rest = p.scalar("v_rest").to_vec();
        let refrac = checked_refractory(p, self.dt, label, "IF_curr_alpha", "iaf_psc_alpha_ps")?;
        if !self.v_rest.is_empty() {
            for ((y, o), n) in self.y.iter_mut().zip(&self.v_rest).zip(&v_rest) {
                *y += o - n;
            }
        }
        let rel = |name: &str| p.scalar(name).iter().zip(&v_rest).map(|(x, e)| x - e).collect::<Vec<_>>();
        self.theta = rel("v_thresh");
        self.v_reset = rel("v_reset");
        self.tau_m = p.scalar("tau_m").to_vec();
        self.cm = p.scalar("cm").to_vec();
        self.tau_e = p.scalar("tau_syn_E").to_vec();
        self.tau_i = p.scalar("tau_syn_I").to_vec();
        self.i_e = p.scalar("i_offset").to_vec();
        self.refrac = refrac;
        // NEST's psc_norm = e / tau_syn: a weight w peaks at w.
        self.psc_e = self.tau_e.iter().map(|t| std::f64::consts::E / t).collect();
        self.psc_i = self.tau_i.iter().map(|t| std::f64::consts::E / t).collect();
        self.v_rest = v_rest;
        self.full = (0..self.tau_m.len()).map(|i| self.compute_props(i, self.dt)).collect();
        Ok(())
    }

    /// The propagators of cell `i` over a time `t` (`P30`, `P31`, `P32` as
    /// NEST's `iaf_psc_alpha_ps::propagate_`).
    fn compute_props(&self, i: usize, t: f64) -> AlphaProps {
        let (tm, c) = (self.tau_m[i], self.cm[i]);
        let (te, ti) = (self.tau_e[i], self.tau_i[i]);
        let expm1_m = (-t / tm).exp_m1();
        AlphaProps {
            expm1_m,
            p30: -tm / c * expm1_m,
            p31e: p31(te, tm, c, t),
            p32e: p32(te, tm, c, t),
            p31i: p31(ti, tm, c, t),
            p32i: p32(ti, tm, c, t),
            pe: (-t / te).exp(),
            pi: (-t / ti).exp(),
        }
    }

    /// The propagators over `t`: the cached ones for a whole step (the
    /// same values NEST precomputes in `calibrate`).
    #[inline]
    fn props(&self, i: usize, t: f64) -> AlphaProps {
        if t == self.dt { self.full[i] } else { self.compute_props(i, t) }
    }

    /// The potential of cell `i` a time `t` after a sub-interval's start
    /// with state `s` and injected current `y0` (exact solution, NEST's
    /// operation order).
    #[inline]
    fn v_after(&self, i: usize, s: AlphaCell, y0: f64, t: f64) -> f64 {
        Self::v_with(&self.props(i, t), self.i_e[i], s, y0)
    }

    #[inline]
    fn v_with(p: &AlphaProps, i_e: f64, s: AlphaCell, y0: f64) -> f64 {
        p.p30 * (i_e + y0) + p.p31e * s.de + p.p32e * s.ie + p.p31i * s.di + p.p32i * s.ii + s.y * p.expm1_m + s.y
    }

    /// Advances cell `i` by `t` (a sub-interval of the step).
    #[inline]
    fn propagate(&self, i: usize, s: &mut AlphaCell, y0: f64, t: f64, refractory: bool) {
        let p = self.props(i, t);
        if !refractory {
            s.y = Self::v_with(&p, self.i_e[i], *s, y0);
        }
        s.ie = p.pe * t * s.de + p.pe * s.ie;
        s.de *= p.pe;
        s.ii = p.pi * t * s.di + p.pi * s.ii;
        s.di *= p.pi;
    }

    /// Locates the crossing in the sub-interval `(t0, t0 + len]` of step
    /// `k` that started in state `before`, then resets cell `i`.
    #[allow(clippy::too_many_arguments)] // the sub-interval's state, read by the root finder
    fn emit(
        &mut self,
        i: usize,
        k: u64,
        before: AlphaCell,
        y0: f64,
        t0: f64,
        len: f64,
        out: (&mut SpikeOut, &mut Vec<f64>),
    ) {
        let theta = self.theta[i];
        let root = regula_falsi(|t| self.v_after(i, before, y0, t) - theta, len);
        let offset = self.dt - (t0 + root);
        self.spike(i, k, offset, out);
    }

    fn spike(&mut self, i: usize, k: u64, offset: f64, out: (&mut SpikeOut, &mut Vec<f64>)) {
        self.last_stamp[i] = k + 1;
        self.last_offset[i] = offset;
        self.y[i] = self.v_reset[i];
        self.refractory[i] = true;
        out.0.push((i as u32, k + 1));
        out.1.push(offset);
    }

    fn cell(&self, i: usize) -> AlphaCell {
        AlphaCell { y: self.y[i], de: self.di_ex[i], ie: self.i_ex[i], di: self.di_in[i], ii: self.i_in[i] }
    }

    fn store(&mut self, i: usize, s: AlphaCell) {
        self.y[i] = s.y;
        self.di_ex[i] = s.de;
        self.i_ex[i] = s.ie;
        self.di_in[i] = s.di;
        self.i_in[i] = s.ii;
    }
}

impl Precise for PreciseAlpha {
    fn step(&mut self, k: u64, current: &[f64], list: &mut SpikeOut, offs: &mut Vec<f64>) {
        let h = self.dt;
        let mut events = std::mem::take(&mut self.events);
        self.queue.take(k, &mut events);
        let mut e = 0;
        #[allow(clippy::needless_range_loop)] // `i` indexes the per-cell columns and the event list
        for i in 0..self.y.len() {
            let y0 = current[i];
            // Initialised at or above threshold: a spike at the step's start.
            if self.y[i] >= self.theta[i] {
                self.spike(i, k, h * (1.0 - f64::EPSILON), (&mut *list, &mut *offs));
            }
            let end_refr = self.refractory[i] && k + 1 - self.last_stamp[i] == u64::from(self.refrac[i]);
            let first = e;
            while e < events.len() && events[e].cell as usize == i {
                e += 1;
            }
            let evs = &events[first..e];
            // Sub-intervals between events in time order (the end of
            // refractoriness before the spikes at the same offset); with no
            // event, one sub-interval of a whole step with the cached
            // propagators (NEST's fixed-propagator step, the same operations).
            let mut s = self.cell(i);
            let mut last = h;
            let mut refr_pending = end_refr;
            let mut j = 0;
            loop {
                let refr_next = refr_pending && evs.get(j).is_none_or(|ev| ev.offset <= self.last_offset[i]);
                let (offset, ev) = if refr_next {
                    (self.last_offset[i], None)
                } else if let Some(ev) = evs.get(j) {
                    (ev.offset, Some(*ev))
                } else {
                    break;
                };
                let mini = last - offset;
                if mini > 0.0 {
                    let before = s;
                    self.propagate(i, &mut s, y0, mini, self.refractory[i]);
                    if s.y >= self.theta[i] {
                        self.y[i] = s.y;
                        self.emit(i, k, before, y0, h - last, mini, (&mut *list, &mut *offs));
                        s.y = self.y[i];
                    }
                }
                match ev {
                    None => {
                        self.refractory[i] = false;
                        refr_pending = false;
                    }
                    Some(ev) => {
                        if ev.receptor == 0 {
                            s.de += self.psc_e[i] * ev.weight;
                        } else {
                            s.di += self.psc_i[i] * ev.weight;
                        }
                        j += 1;
                    }
                }
                last = offset;
            }
            if last > 0.0 {
                let before = s;
                self.propagate(i, &mut s, y0, last, self.refractory[i]);
                if s.y >= self.theta[i] {
                    self.y[i] = s.y;
                    self.emit(i, k, before, y0, h - last, last, (&mut *list, &mut *offs));
                    s.y = self.y[i];
                }
            }
            self.store(i, s);
        }
        self.events = events;
    }

    fn queue(&mut self) -> Option<&mut Queue> {
        Some(&mut self.queue)
    }
}

impl Kernel for PreciseAlpha {
    fn step(&mut self, input: &super::kernel::StepInput<'_>, spikes: &mut SpikeOut) {
        // Reached only if the engine bypasses `precise()`: grid stamps.
        let mut offs = Vec::new();
        Precise::step(self, input.step, input.current, spikes, &mut offs);
    }

    fn precise(&mut self) -> Option<&mut dyn Precise> {
        Some(self)
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.derive(params, "")
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let Some(var) = self.variable(name) else {
            return Err(Error::unknown_name(
                "native IF_curr_alpha (off_grid)",
                "state variable",
                name,
                ["v", "isyn_exc", "isyn_inh"],
            ));
        };
        for (c, v) in cells.iter().zip(values) {
            match var {
                0 => {
                    self.init_v[*c] = *v;
                    self.y[*c] = v - self.v_rest[*c];
                }
                1 => {
                    self.init_ex[*c] = *v;
                    self.i_ex[*c] = *v;
                }
                _ => {
                    self.init_in[*c] = *v;
                    self.i_in[*c] = *v;
                }
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        for i in 0..self.y.len() {
            self.y[i] = self.init_v[i] - self.v_rest[i];
        }
        self.i_ex.clone_from(&self.init_ex);
        self.i_in.clone_from(&self.init_in);
        self.di_ex.iter_mut().for_each(|d| *d = 0.0);
        self.di_in.iter_mut().for_each(|d| *d = 0.0);
        self.refractory.iter_mut().for_each(|r| *r = false);
        self.last_stamp.iter_mut().for_each(|s| *s = 0);
        self.last_offset.iter_mut().for_each(|o| *o = 0.0);
        self.queue.clear();
    }

    fn variable(&self, name: &str) -> Option<usize> {
        ["v", "isyn_exc", "isyn_inh"].iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        match var {
            0 => out.extend(cells.iter().map(|c| self.y[*c] + self.v_rest[*c])),
            1 => out.extend(cells.iter().map(|c| self.i_ex[*c])),
            _ => out.extend(cells.iter().map(|c| self.i_in[*c])),
        }
    }
}

/// Refractory periods in steps (NEST's rounding), each at least one step,
/// as NEST's precise models require.
fn checked_refractory(p: &ParamTable, dt: f64, label: &str, model: &str, nest: &str) -> Result<Vec<u32>> {
    let refrac: Vec<u32> = p.scalar("tau_refrac").iter().map(|t| refractory_steps(*t, dt)).collect();
    if let Some(i) = refrac.iter().position(|r| *r < 1) {
        return Err(Error::invalid_value(
            format!("population \"{label}\" ({model}, spike_precision \"off_grid\") on the native engine"),
            "tau_refrac",
            pynn_core::fmt_num(p.scalar("tau_refrac")[i]),
            format!(
                "precise cells need a refractory period of at least one time step ({} ms), as NEST's {nest}",
                pynn_core::fmt_num(dt)
            ),
        ));
    }
    Ok(refrac)
}

// ---------------------------------------------------------------- SpikeSourceArray

/// Precise kernel of `SpikeSourceArray`: times kept exactly (see the
/// module doc).
pub struct PreciseArray {
    dt: f64,
    /// `(stamp, cell, offset)`, sorted by stamp, then cell, then time.
    events: Vec<(u64, u32, f64)>,
    cursor: usize,
    now: u64,
}

impl PreciseArray {
    /// Builds the kernel over a shard's parameter table.
    pub fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<pynn_core::SpikeSourceArray>(params, initial, ctx)?;
        let mut k = PreciseArray { dt: ctx.dt, events: Vec::new(), cursor: 0, now: 0 };
        k.load(params);
        Ok(Box::new(k))
    }

    fn load(&mut self, params: &ParamTable) {
        let dt = self.dt;
        self.events = params
            .sequence("spike_times")
            .iter()
            .enumerate()
            .flat_map(|(c, times)| {
                times.iter().map(move |&t| {
                    // The step whose end is at or after t; a time within
                    // rounding of a grid point is that grid point.
                    let r = (t / dt).round();
                    let stamp = if (t - r * dt).abs() <= 1e-12 * dt.max(t.abs()) { r } else { (t / dt).ceil() };
                    let offset = (stamp * dt - t).max(0.0);
                    let offset = if offset >= dt { 0.0 } else { offset };
                    (stamp as u64, c as u32, offset)
                })
            })
            .collect();
        self.events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b.2.total_cmp(&a.2)));
        let now = self.now;
        self.cursor = self.events.partition_point(|(s, _, _)| *s <= now && now > 0);
    }
}

impl Precise for PreciseArray {
    fn step(&mut self, k: u64, _current: &[f64], list: &mut SpikeOut, offs: &mut Vec<f64>) {
        let stamp = k + 1;
        while let Some(&(s, c, o)) = self.events.get(self.cursor) {
            if s > stamp {
                break;
            }
            if s == stamp {
                list.push((c, s));
                offs.push(o);
            }
            self.cursor += 1;
        }
        self.now = stamp;
    }
}

impl Kernel for PreciseArray {
    fn step(&mut self, input: &super::kernel::StepInput<'_>, spikes: &mut SpikeOut) {
        let mut offs = Vec::new();
        Precise::step(self, input.step, input.current, spikes, &mut offs);
    }

    fn precise(&mut self) -> Option<&mut dyn Precise> {
        Some(self)
    }

    fn initial_spikes(&mut self, spikes: &mut SpikeOut) {
        while let Some(&(0, c, _)) = self.events.get(self.cursor) {
            spikes.push((c, 0));
            self.cursor += 1;
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.load(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, _: &[usize], _: &[f64]) -> Result<()> {
        Err(Error::unknown_name("native SpikeSourceArray", "state variable", name, []))
    }

    fn reset(&mut self) {
        self.now = 0;
        self.cursor = 0;
    }

    fn variable(&self, _name: &str) -> Option<usize> {
        None
    }

    fn read(&self, _: usize, _: &[usize], _: &mut Vec<f64>) {}
}

/// The kernel of a population under `OffGrid`, if its cell type has a
/// precise one (`None`: the grid kernel).
pub(super) fn build(
    name: &str,
    params: &ParamTable,
    initial: &ParamTable,
    ctx: &BuildContext,
) -> Result<Option<Box<dyn Kernel>>> {
    match name {
        "IF_curr_exp" => PreciseExp::build(params, initial, ctx).map(Some),
        "SpikeSourceArray" => PreciseArray::build(params, initial, ctx).map(Some),
        "IF_curr_delta" => PreciseDelta::build(params, initial, ctx).map(Some),
        "IF_curr_alpha" => PreciseAlpha::build(params, initial, ctx).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regula falsi finds the root of a smooth increasing function to the
    /// stopping tolerance (|f| < 1e-14 with slope ~1: the root to ~1e-14).
    #[test]
    fn regula_falsi_finds_exponential_root() {
        // f(t) = 1 - exp(-t) - 0.05, root ln(1/0.95).
        let root = regula_falsi(|t| -(-t).exp_m1() - 0.05, 0.1);
        assert!((root - (1.0f64 / 0.95).ln()).abs() < 1e-13, "{root}");
    }

    /// The alpha kernel's sub-interval propagation is exact: advancing
    /// a cell (below threshold, with DC and both synaptic states set) by
    /// 0.03 + 0.05 + 0.02 ms gives the one-step result to rounding (the
    /// states are O(1), each propagation rounds at ~1e-16 relative; 1e-13
    /// leaves room for the half dozen terms), and the current follows the
    /// closed form `I(t) = (I0 + t dI0) exp(-t / tau)`.
    #[test]
    fn alpha_propagation_splits_exactly() {
        let mut k = PreciseAlpha {
            dt: 0.1,
            v_rest: vec![-65.0],
            tau_m: vec![20.0],
            cm: vec![1.0],
            tau_e: vec![5.0],
            tau_i: vec![2.0],
            theta: vec![15.0],
            v_reset: vec![0.0],
            i_e: vec![0.3],
            refrac: vec![20],
            psc_e: vec![std::f64::consts::E / 5.0],
            psc_i: vec![std::f64::consts::E / 2.0],
            full: vec![],
            y: vec![0.0],
            di_ex: vec![0.0],
            i_ex: vec![0.0],
            di_in: vec![0.0],
            i_in: vec![0.0],
            refractory: vec![false],
            last_stamp: vec![0],
            last_offset: vec![0.0],
            init_v: vec![-65.0],
            init_ex: vec![0.0],
            init_in: vec![0.0],
            queue: Queue::default(),
            events: Vec::new(),
        };
        k.full = vec![k.compute_props(0, 0.1)];
        let start = AlphaCell { y: 3.0, de: 0.8, ie: 0.4, di: -0.5, ii: -0.2 };
        let mut whole = start;
        k.propagate(0, &mut whole, 0.1, 0.1, false);
        let mut split = start;
        for t in [0.03, 0.05, 0.02] {
            k.propagate(0, &mut split, 0.1, t, false);
        }
        for (a, b) in
            [(whole.y, split.y), (whole.de, split.de), (whole.ie, split.ie), (whole.di, split.di), (whole.ii, split.ii)]
        {
            assert!((a - b).abs() < 1e-13, "{a} vs {b}");
        }
        let want = (0.4 + 0.1 * 0.8) * (-0.1f64 / 5.0).exp();
        assert!((whole.ie - want).abs() < 1e-15, "{} vs {want}", whole.ie);
        // The potential moved (the test is not vacuous): by ~0.1 ms x dV/dt.
        assert!((whole.y - 3.0).abs() > 1e-3, "{}", whole.y);
        // Refractory: v held, currents still evolve.
        let mut r = start;
        k.propagate(0, &mut r, 0.1, 0.07, true);
        assert_eq!(r.y, 3.0);
        assert!((r.ie - (0.4 + 0.07 * 0.8) * (-0.07f64 / 5.0).exp()).abs() < 1e-15);
    }
}
