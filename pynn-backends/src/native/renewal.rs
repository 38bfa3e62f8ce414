//! Native kernels of the renewal-type spike sources:
//! `SpikeSourcePoissonRefractory`, `SpikeSourceGamma` and
//! `SpikeSourceInhGamma`.
//!
//! All three share one kernel, [`RenewalKernel`], generic over the process:
//! per cell, the continuous time of its next spike, drawn from the cell's own
//! stream (ChaCha8 keyed by session seed, population and the model's purpose
//! string, sub-stream = cell index, see `pynn_core::random`). A spike at time
//! `t` in `(t_k, t_k+1]` is emitted with time `t_k+1` (NEST's on-grid
//! convention, as `SpikeSourcePoisson`), and only if `start < t <= start +
//! duration`. New parameters, and `reset()`, restart the process at the
//! current time; after `reset()` the streams continue, so a repeated trial
//! sees fresh noise.

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};
use pynn_core::special::gamma_hazard;
use pynn_core::{Error, Result, SpikeSourceGamma, SpikeSourceInhGamma, SpikeSourcePoissonRefractory};
use rand::RngExt;
use rand_distr::Distribution;

/// A renewal-type point process, per cell of a population.
pub trait Process: Sized + Send + 'static {
    /// PyNN's name of the model (for messages).
    const NAME: &'static str;
    /// Purpose string of the random streams.
    const PURPOSE: &'static str;
    /// Reads and checks the parameters.
    fn load(params: &ParamTable) -> Result<Self>;
    /// Active window `(start, stop]` of cell `i` (ms).
    fn window(&self, i: usize) -> (f64, f64);
    /// Time of the first spike of cell `i` when the process (re)starts at `t0` (ms).
    fn first(&self, i: usize, t0: f64, rng: &mut SimRng) -> f64;
    /// Time of the spike of cell `i` following a spike at `t` (ms).
    fn next(&self, i: usize, t: f64, rng: &mut SimRng) -> f64;
}

/// The native kernel of a renewal-type spike source.
pub struct RenewalKernel<P: Process> {
    dt: f64,
    process: P,
    next: Vec<f64>,
    rngs: Vec<SimRng>,
    now: u64,
}

impl<P: Process> RenewalKernel<P> {
    fn build(params: &ParamTable, ctx: &BuildContext) -> Result<Self> {
        let n = params.size();
        let base = Streams::new(ctx.seed).rng(ObjectKind::Population, ctx.population as u64, P::PURPOSE, 0);
        let rngs = (0..n)
            .map(|i| {
                let mut r = base.clone();
                r.set_stream((ctx.first_cell + i) as u64);
                r
            })
            .collect();
        let mut k = RenewalKernel { dt: ctx.dt, process: P::load(params)?, next: vec![0.0; n], rngs, now: 0 };
        k.restart();
        Ok(k)
    }

    fn restart(&mut self) {
        let now = self.now as f64 * self.dt;
        for i in 0..self.next.len() {
            let (start, stop) = self.process.window(i);
            let from = now.max(start);
            self.next[i] = if from > stop { f64::INFINITY } else { self.process.first(i, from, &mut self.rngs[i]) };
        }
    }
}

impl<P: Process> Kernel for RenewalKernel<P> {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let stamp = input.step + 1;
        let t_end = stamp as f64 * self.dt;
        for i in 0..self.next.len() {
            while self.next[i] <= t_end {
                let t = self.next[i];
                let (start, stop) = self.process.window(i);
                if t > start && t <= stop {
                    spikes.push((i as u32, stamp));
                }
                self.next[i] = if t > stop { f64::INFINITY } else { self.process.next(i, t, &mut self.rngs[i]) };
            }
        }
        self.now = stamp;
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.process = P::load(params)?;
        self.restart();
        Ok(())
    }

    fn initialize(&mut self, name: &str, _: &[usize], _: &[f64]) -> Result<()> {
        Err(Error::unknown_name(format!("native {}", P::NAME), "state variable", name, []))
    }

    fn reset(&mut self) {
        self.now = 0;
        self.restart();
    }

    fn variable(&self, _name: &str) -> Option<usize> {
        None
    }

    fn read(&self, _: usize, _: &[usize], _: &mut Vec<f64>) {}
}

fn windows(params: &ParamTable) -> (Vec<f64>, Vec<f64>) {
    let start = params.scalar("start").to_vec();
    let stop = start.iter().zip(params.scalar("duration")).map(|(s, d)| s + d).collect();
    (start, stop)
}

fn exp1(rng: &mut SimRng) -> f64 {
    rng.sample(rand_distr::Exp1)
}

/// [`SpikeSourcePoissonRefractory`]: `ISI = tau_refrac + Exp(1000/rate - tau_refrac)`,
/// started in equilibrium.
pub struct PoissonRefractory {
    /// Mean ISI (ms), infinite for rate 0.
    mean: Vec<f64>,
    dead: Vec<f64>,
    start: Vec<f64>,
    stop: Vec<f64>,
}

impl Process for PoissonRefractory {
    const NAME: &'static str = "SpikeSourcePoissonRefractory";
    const PURPOSE: &'static str = "poisson_refractory";

    fn load(p: &ParamTable) -> Result<Self> {
        let rate = p.scalar("rate");
        let dead = p.scalar("tau_refrac").to_vec();
        for (r, d) in rate.iter().zip(&dead) {
            if r * d >= 1000.0 {
                return Err(Error::invalid_value(
                    Self::NAME,
                    "rate, tau_refrac",
                    format!("({r} Hz, {d} ms)"),
                    "rate * tau_refrac < 1000 (the dead time must be shorter than the mean interval 1000/rate ms)",
                ));
            }
        }
        let mean = rate.iter().map(|r| if *r > 0.0 { 1000.0 / r } else { f64::INFINITY }).collect();
        let (start, stop) = windows(p);
        Ok(PoissonRefractory { mean, dead, start, stop })
    }

    fn window(&self, i: usize) -> (f64, f64) {
        (self.start[i], self.stop[i])
    }

    fn first(&self, i: usize, t0: f64, rng: &mut SimRng) -> f64 {
        let (mean, d) = (self.mean[i], self.dead[i]);
        if !mean.is_finite() {
            return f64::INFINITY;
        }
        // Forward-recurrence time: density 1/mean on [0, d), then
        // exp(-(x - d)/(mean - d)) / mean.
        let u: f64 = rng.random();
        if u * mean < d { t0 + u * mean } else { t0 + d + exp1(rng) * (mean - d) }
    }

    fn next(&self, i: usize, t: f64, rng: &mut SimRng) -> f64 {
        t + self.dead[i] + exp1(rng) * (self.mean[i] - self.dead[i])
    }
}

/// [`SpikeSourceGamma`]: `ISI ~ Gamma(alpha, 1000/beta ms)`, started in equilibrium.
pub struct GammaProcess {
    /// Per cell: ISI distribution and length-biased ISI distribution (None for beta = 0).
    dist: Vec<Option<(rand_distr::Gamma<f64>, rand_distr::Gamma<f64>)>>,
    start: Vec<f64>,
    stop: Vec<f64>,
}

impl Process for GammaProcess {
    const NAME: &'static str = "SpikeSourceGamma";
    const PURPOSE: &'static str = "gamma";

    fn load(p: &ParamTable) -> Result<Self> {
        let mut dist = Vec::with_capacity(p.size());
        for (a, b) in p.scalar("alpha").iter().zip(p.scalar("beta")) {
            if !(*a > 0.0) || !a.is_finite() {
                return Err(Error::invalid_value(Self::NAME, "alpha", a, "a shape > 0"));
            }
            if *b > 0.0 {
                let scale = 1000.0 / b;
                let isi = rand_distr::Gamma::new(*a, scale);
                let biased = rand_distr::Gamma::new(*a + 1.0, scale);
                match (isi, biased) {
                    (Ok(x), Ok(y)) => dist.push(Some((x, y))),
                    _ => return Err(Error::invalid_value(Self::NAME, "beta", b, "a finite rate > 0 (Hz)")),
                }
            } else {
                dist.push(None);
            }
        }
        let (start, stop) = windows(p);
        Ok(GammaProcess { dist, start, stop })
    }

    fn window(&self, i: usize) -> (f64, f64) {
        (self.start[i], self.stop[i])
    }

    fn first(&self, i: usize, t0: f64, rng: &mut SimRng) -> f64 {
        // Forward-recurrence time of an equilibrium renewal process: a
        // uniform fraction of a length-biased interval (Cox 1962, §5.2).
        match &self.dist[i] {
            Some((_, biased)) => {
                let u: f64 = rng.random();
                t0 + u * biased.sample(rng)
            }
            None => f64::INFINITY,
        }
    }

    fn next(&self, i: usize, t: f64, rng: &mut SimRng) -> f64 {
        match &self.dist[i] {
            Some((isi, _)) => t + isi.sample(rng),
            None => f64::INFINITY,
        }
    }
}

/// [`SpikeSourceInhGamma`]: gamma hazard with piecewise-constant `a`, `b`,
/// generated by thinning a Poisson process of rate `max 1/b`.
pub struct InhGamma {
    a: Vec<Vec<f64>>,
    /// Scale per bin (ms).
    b: Vec<Vec<f64>>,
    tbins: Vec<Vec<f64>>,
    /// Rate of the candidate process (1/ms).
    rmax: Vec<f64>,
    start: Vec<f64>,
    stop: Vec<f64>,
}

impl InhGamma {
    /// Thinning from `from`, the previous spike (or the start) at `t_last`.
    fn thin(&self, i: usize, t_last: f64, from: f64, rng: &mut SimRng) -> f64 {
        let rmax = self.rmax[i];
        let (a, b, tbins) = (&self.a[i], &self.b[i], &self.tbins[i]);
        let mut t = from;
        loop {
            t += exp1(rng) / rmax;
            if t > self.stop[i] {
                return t;
            }
            let k = tbins.partition_point(|x| *x <= t).saturating_sub(1);
            let hazard = gamma_hazard(a[k], (t - t_last) / b[k]) / b[k];
            let u: f64 = rng.random();
            if u * rmax < hazard {
                return t;
            }
        }
    }
}

impl Process for InhGamma {
    const NAME: &'static str = "SpikeSourceInhGamma";
    const PURPOSE: &'static str = "inh_gamma";

    fn load(p: &ParamTable) -> Result<Self> {
        let a = p.sequence("a").to_vec();
        let b: Vec<Vec<f64>> = p.sequence("b").to_vec();
        let tbins = p.sequence("tbins").to_vec();
        let mut rmax = Vec::with_capacity(a.len());
        for ((ai, bi), ti) in a.iter().zip(&b).zip(&tbins) {
            if ai.is_empty() || ai.len() != bi.len() || ai.len() != ti.len() {
                return Err(Error::invalid_value(
                    Self::NAME,
                    "a, b, tbins",
                    format!("lengths ({}, {}, {})", ai.len(), bi.len(), ti.len()),
                    "three non-empty sequences of the same length",
                ));
            }
            if let Some(x) = ai.iter().find(|x| !(**x >= 1.0) || !x.is_finite()) {
                return Err(Error::invalid_value(
                    Self::NAME,
                    "a",
                    x,
                    "shapes >= 1 (thinning needs the gamma hazard bounded by 1/b)",
                ));
            }
            if let Some(x) = bi.iter().find(|x| !(**x > 0.0) || !x.is_finite()) {
                return Err(Error::invalid_value(Self::NAME, "b", x, "finite scales > 0 (s)"));
            }
            rmax.push(bi.iter().map(|x| 1.0 / (1000.0 * x)).fold(0.0, f64::max));
        }
        let b = b.into_iter().map(|v| v.into_iter().map(|x| 1000.0 * x).collect()).collect();
        let (start, stop) = windows(p);
        Ok(InhGamma { a, b, tbins, rmax, start, stop })
    }

    fn window(&self, i: usize) -> (f64, f64) {
        (self.start[i], self.stop[i])
    }

    fn first(&self, i: usize, t0: f64, rng: &mut SimRng) -> f64 {
        let t0 = t0.max(self.tbins[i][0]);
        self.thin(i, t0, t0, rng)
    }

    fn next(&self, i: usize, t: f64, rng: &mut SimRng) -> f64 {
        self.thin(i, t, t, rng)
    }
}

impl NativeCell for SpikeSourcePoissonRefractory {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(RenewalKernel::<PoissonRefractory>::build(params, ctx)?))
    }
}

impl NativeCell for SpikeSourceGamma {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(RenewalKernel::<GammaProcess>::build(params, ctx)?))
    }
}

impl NativeCell for SpikeSourceInhGamma {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        Ok(Box::new(RenewalKernel::<InhGamma>::build(params, ctx)?))
    }
}
