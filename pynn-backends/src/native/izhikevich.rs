//! Native kernel of `Izhikevich`, step for step as NEST 3.10's `izhikevich`
//! with `consistent_integration = true` (`models/izhikevich.cpp`, `update()`):
//! Euler step of `v` and `u` from their values at the start of the step,
//! input jumps added to `v` in the same step, then the threshold (30 mV).
//! The update runs for all cells first (vectorised by the compiler, the
//! same operations per cell in the same order), then the threshold test.

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
        let n = self.v.len();
        let (ex, inh, cur) = (&input.synaptic[0][..n], &input.synaptic[1][..n], &input.current[..n]);
        let (a, b, i_e) = (&self.a[..n], &self.b[..n], &self.i_e[..n]);
        let (v, u) = (&mut self.v[..n], &mut self.u[..n]);
        // The update of every cell first, branch-free so that the compiler
        // runs it in vector lanes (each lane performs the scalar operations
        // in the same order: the same bits); then the threshold.
        for i in 0..n {
            let (v_old, u_old) = (v[i], u[i]);
            let i_stim = cur[i] * 1000.0;
            v[i] += h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + i_stim + i_e[i]) + (ex[i] + inh[i]);
            u[i] += h * a[i] * (b[i] * v_old - u_old);
        }
        for i in 0..n {
            if v[i] >= V_TH {
                v[i] = self.c[i];
                u[i] += self.d[i];
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

#[cfg(test)]
mod tests {
    use super::*;
    use pynn_core::cells::CellType;

    #[test]
    fn the_split_update_equals_the_per_cell_step_bit_for_bit() {
        // 37 cells (not a multiple of any vector width) with random
        // parameters, currents and input jumps, 3000 steps of 0.1 ms,
        // against the step as written before the split (per cell: update,
        // then threshold): v, u and the spikes (cell, step) identical bit
        // for bit after every step, and the cells fire, so the reset is
        // exercised.
        let (n, h) = (37, 0.1);
        let params = ParamTable::defaults(Izhikevich::PARAMETERS, n);
        let initial = ParamTable::defaults(Izhikevich::STATE, n);
        let mut k = IzhikevichKernel {
            dt: h,
            a: vec![],
            b: vec![],
            c: vec![],
            d: vec![],
            i_e: vec![],
            v: initial.scalar("v").to_vec(),
            u: initial.scalar("u").to_vec(),
            init_v: vec![],
            init_u: vec![],
        };
        k.load(&params);
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut next = |lo: f64, hi: f64| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            lo + (hi - lo) * ((x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64)
        };
        for i in 0..n {
            k.a[i] = next(0.01, 0.1);
            k.b[i] = next(0.15, 0.25);
            k.c[i] = next(-70.0, -50.0);
            k.d[i] = next(0.05, 8.0);
            k.i_e[i] = next(0.0, 10.0);
        }
        let (mut v, mut u) = (k.v.clone(), k.u.clone());
        let mut spikes = 0;
        for step in 0..3000u64 {
            let ex: Vec<f64> = (0..n).map(|_| if next(0.0, 1.0) < 0.2 { next(0.0, 3.0) } else { 0.0 }).collect();
            let inh: Vec<f64> = (0..n).map(|_| if next(0.0, 1.0) < 0.1 { -next(0.0, 3.0) } else { 0.0 }).collect();
            let cur: Vec<f64> = (0..n).map(|_| next(0.0, 0.01)).collect();
            let mut out = SpikeOut::new();
            k.step(&StepInput { step, synaptic: &[&ex, &inh], current: &cur }, &mut out);
            let mut expected = SpikeOut::new();
            for i in 0..n {
                let (v_old, u_old) = (v[i], u[i]);
                let i_stim = cur[i] * 1000.0;
                v[i] += h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + i_stim + k.i_e[i]) + (ex[i] + inh[i]);
                u[i] += h * k.a[i] * (k.b[i] * v_old - u_old);
                if v[i] >= V_TH {
                    v[i] = k.c[i];
                    u[i] += k.d[i];
                    expected.push((i as u32, step + 1));
                }
            }
            assert_eq!(out, expected, "step {step}");
            assert_eq!(
                k.v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
            assert_eq!(
                k.u.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                u.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
            spikes += out.len();
        }
        // Every cell is driven above rheobase (i_e + mean current ~ 8 pA):
        // at least a few spikes per cell over 300 ms.
        assert!(spikes > 5 * n, "{spikes} spikes");
    }
}
