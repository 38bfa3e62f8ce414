//! Native kernel of `Izhikevich`, step for step as NEST 3.10's `izhikevich`
//! with `consistent_integration = true` (`models/izhikevich.cpp`, `update()`):
//! Euler step of `v` and `u` from their values at the start of the step,
//! input jumps added to `v` in the same step, then the threshold (30 mV).

use super::kernel::{BuildContext, Kernel, NativeCell, SpikeOut, StepInput};
use pynn_core::parameters::ParamTable;
use pynn_core::{Error, Izhikevich, Result};

/// NEST's spike threshold of the model (mV).
const V_TH: f64 = 30.0;

/// Native kernel of [`Izhikevich`].
pub struct IzhikevichKernel {
    dt: f64,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    d: Vec<f64>,
    /// `i_offset` in the model's unit (pA, i.e. mV/ms at 1 pF).
    i_e: Vec<f64>,
    v: Vec<f64>,
    u: Vec<f64>,
    init_v: Vec<f64>,
    init_u: Vec<f64>,
}

impl IzhikevichKernel {
    fn load(&mut self, p: &ParamTable) {
        self.a = p.scalar("a").to_vec();
        self.b = p.scalar("b").to_vec();
        self.c = p.scalar("c").to_vec();
        self.d = p.scalar("d").to_vec();
        self.i_e = p.scalar("i_offset").iter().map(|i| i * 1000.0).collect();
    }
}

impl NativeCell for Izhikevich {
    fn build(params: &ParamTable, initial: &ParamTable, ctx: &BuildContext) -> Result<Box<dyn Kernel>> {
        super::kernel::check_tables::<Self>(params, initial, ctx)?;
        let (v, u) = (initial.scalar("v").to_vec(), initial.scalar("u").to_vec());
        let mut k = IzhikevichKernel {
            dt: ctx.dt,
            a: vec![],
            b: vec![],
            c: vec![],
            d: vec![],
            i_e: vec![],
            v: v.clone(),
            u: u.clone(),
            init_v: v,
            init_u: u,
        };
        k.load(params);
        Ok(Box::new(k))
    }
}

impl Kernel for IzhikevichKernel {
    fn step(&mut self, input: &StepInput<'_>, spikes: &mut SpikeOut) {
        let h = self.dt;
        let (ex, inh, cur) = (input.synaptic[0], input.synaptic[1], input.current);
        for i in 0..self.v.len() {
            let (v_old, u_old) = (self.v[i], self.u[i]);
            let i_stim = cur[i] * 1000.0;
            self.v[i] +=
                h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + i_stim + self.i_e[i]) + (ex[i] + inh[i]);
            self.u[i] += h * self.a[i] * (self.b[i] * v_old - u_old);
            if self.v[i] >= V_TH {
                self.v[i] = self.c[i];
                self.u[i] += self.d[i];
                spikes.push((i as u32, input.step + 1));
            }
        }
    }

    fn set_parameters(&mut self, params: &ParamTable) -> Result<()> {
        self.load(params);
        Ok(())
    }

    fn initialize(&mut self, name: &str, cells: &[usize], values: &[f64]) -> Result<()> {
        let (state, init) = match name {
            "v" => (&mut self.v, &mut self.init_v),
            "u" => (&mut self.u, &mut self.init_u),
            _ => return Err(Error::unknown_name("native Izhikevich", "state variable", name, ["v", "u"])),
        };
        for (c, x) in cells.iter().zip(values) {
            state[*c] = *x;
            init[*c] = *x;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.v.clone_from(&self.init_v);
        self.u.clone_from(&self.init_u);
    }

    fn variable(&self, name: &str) -> Option<usize> {
        ["v", "u"].iter().position(|v| *v == name)
    }

    fn read(&self, var: usize, cells: &[usize], out: &mut Vec<f64>) {
        let s = if var == 0 { &self.v } else { &self.u };
        out.extend(cells.iter().map(|c| s[*c]));
    }
}
