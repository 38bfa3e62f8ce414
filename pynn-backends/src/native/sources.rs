//! Native kernels of the spike sources `SpikeSourceArray` and
//! `SpikeSourcePoisson`.

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::parameters::ParamTable;
use pynn_core::random::{ObjectKind, SimRng, Streams};
use pynn_core::{Error, Result, SpikeSourceArray, SpikeSourcePoisson};
use rand::RngExt;

/// Native kernel of [`SpikeSourceArray`]: one time-ordered list of
/// `(step, cell)` events and a cursor.
pub struct ArrayKernel {
    dt: f64,
    events: Vec<(u64, u32)>,
    cursor: usize,
    now: u64,
}

impl ArrayKernel {
    fn load(&mut self, params: &ParamTable) {
        let dt = self.dt;
        self.events = params
            .sequence("spike_times")
            .iter()
            .enumerate()
            .flat_map(|(c, times)| times.iter().map(move |t| ((t / dt).round() as u64, c as u32)))
            .collect();
        self.events.sort_unstable();
        // Times in the past (already simulated) are ignored, as in PyNN.
        let now = self.now;
        self.cursor = self.events.partition_point(|(s, _)| *s <= now && now > 0);
    }
}

impl NativeCell for SpikeSourceArray {
    fn build(params: &ParamTable, _initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        let mut k = ArrayKernel { dt: ctx.dt, events: Vec::new(), cursor: 0, now: 0 };
        k.load(params);
        Ok(Box::new(k))
    }
}

impl Kernel for ArrayKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let stamp = input.step + 1;
        while let Some(&(s, c)) = self.events.get(self.cursor) {
            if s > stamp {
                break;
            }
            if s == stamp {
                spikes.push((c, s));
            }
            self.cursor += 1;
        }
        self.now = stamp;
    }

    fn initial_spikes(&mut self, spikes: &mut SpikeOut) {
        while let Some(&(0, c)) = self.events.get(self.cursor) {
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

/// Native kernel of [`SpikeSourcePoisson`]: per cell, the time of its next
/// spike, drawn with exponential intervals from the cell's own stream
/// (ChaCha8 keyed by session seed, population and `"poisson"`, sub-stream =
/// cell index). A spike at continuous time `t` in `(t_k, t_k+1]` is emitted
/// with time `t_k+1`, so the count per step is Poisson with mean
/// `rate * dt / 1000`, as NEST's `poisson_generator` draws it.
pub struct PoissonKernel {
    dt: f64,
    rate: Vec<f64>,
    start: Vec<f64>,
    stop: Vec<f64>,
    next: Vec<f64>,
    rngs: Vec<SimRng>,
    now: u64,
}

impl PoissonKernel {
    fn draw(&mut self, i: usize, from: f64) {
        let r = self.rate[i];
        self.next[i] = if r > 0.0 {
            let e: f64 = self.rngs[i].sample(rand_distr::Exp1);
            from + e * 1000.0 / r
        } else {
            f64::INFINITY
        };
    }

    fn restart(&mut self) {
        let now = self.now as f64 * self.dt;
        for i in 0..self.rate.len() {
            let from = now.max(self.start[i]);
            self.draw(i, from);
        }
    }

    fn load(&mut self, p: &ParamTable) {
        self.rate = p.scalar("rate").to_vec();
        self.start = p.scalar("start").to_vec();
        self.stop = p.scalar("start").iter().zip(p.scalar("duration")).map(|(s, d)| s + d).collect();
    }
}

impl NativeCell for SpikeSourcePoisson {
    fn build(params: &ParamTable, _initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        let n = params.size();
        let base = Streams::new(ctx.seed).rng(ObjectKind::Population, ctx.population as u64, "poisson", 0);
        let rngs = (0..n)
            .map(|i| {
                let mut r = base.clone();
                r.set_stream((ctx.first_cell + i) as u64);
                r
            })
            .collect();
        let mut k =
            PoissonKernel { dt: ctx.dt, rate: vec![], start: vec![], stop: vec![], next: vec![0.0; n], rngs, now: 0 };
        k.load(params);
        k.restart();
        Ok(Box::new(k))
    }
}

impl Kernel for PoissonKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let stamp = input.step + 1;
        let t_end = stamp as f64 * self.dt;
        for i in 0..self.next.len() {
            while self.next[i] <= t_end {
                let t = self.next[i];
                if t > self.start[i] && t <= self.stop[i] {
                    spikes.push((i as u32, stamp));
                }
                if t > self.stop[i] {
                    self.next[i] = f64::INFINITY;
                } else {
                    self.draw(i, t);
                }
            }
        }
        self.now = stamp;
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.load(params);
        self.restart();
        Ok(())
    }

    fn initialize(&mut self, name: &str, _: &[usize], _: &[f64]) -> Result<()> {
        Err(Error::unknown_name("native SpikeSourcePoisson", "state variable", name, []))
    }

    fn reset(&mut self) {
        // The streams continue: a repeated trial sees fresh noise.
        self.now = 0;
        self.restart();
    }

    fn variable(&self, _name: &str) -> Option<usize> {
        None
    }

    fn read(&self, _: usize, _: &[usize], _: &mut Vec<f64>) {}
}
