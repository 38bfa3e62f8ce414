#!/usr/bin/env python
"""NEST reference run of the Vogels-Abbott CUBA benchmark via PyNN.

This is the NEST (PyNN 0.13 + NEST 3.10) reference for ``examples/va_cuba.rs``.
It builds the CUBA network exactly as specified by PyNN's
``examples/VAbenchmarks.py`` (PyNN 0.13.0, benchmark "CUBA"), runs it for
1000 ms for several seeds and prints, per seed, the mean firing rate (Hz) of the
excitatory and inhibitory populations plus the build and run wall-clock times,
followed by the mean / min / max over seeds.

Network (values from PyNN 0.13.0 examples/VAbenchmarks.py):
  * 4000 IF_curr_exp cells: 3200 excitatory + 800 inhibitory (r_ei = 4)
  * tau_m = 20 ms, cm = 0.2 nF, v_rest = -49 mV, v_thresh = -50 mV,
    v_reset = -60 mV, tau_refrac = 5 ms, tau_syn_E = 5 ms, tau_syn_I = 10 ms,
    i_offset = 0 (default)
  * weights: w_exc = 1e-3 * 0.27 nS * (0 - (-60)) mV = 0.0162 nA,
             w_inh = 1e-3 * 4.5 nS * (-80 - (-60)) mV = -0.09 nA
  * delay 0.2 ms, FixedProbabilityConnector(p=0.02) (self-connections allowed)
    for e->e, e->i, i->e, i->i, all drawn from the same NumpyRNG as the
    initial membrane potentials, v_init ~ U(-60, -50) mV
  * dt = 0.1 ms, min_delay = 0.2 ms, max_delay = 1.0 ms, 1 thread
  * no external input (in VAbenchmarks.py the Poisson stimulus is COBA-only)

Spike precision: PyNN's NEST backend defaults to spike_precision="off_grid",
which maps IF_curr_exp to NEST's precise-timing model ``iaf_psc_exp_ps``.
With spike_precision="on_grid" it maps to the grid-based ``iaf_psc_exp``,
which is the model pynn-rs re-implements. By default both are run
(``--precision both``); the on_grid numbers are the ones to compare with
examples/va_cuba.rs.

Rates are spike counts with t <= 1000 ms (PyNN's get_data() drops the extra
min_delay that PyNN always simulates on the first run) divided by
(n_cells * 1 s).

Run from the repository root (requires PyNN==0.13.0 in the venv):

    .venv/bin/python examples/nest/va_cuba_pynn_nest.py
    .venv/bin/python examples/nest/va_cuba_pynn_nest.py --precision on_grid --seeds 1 2 3

This script is a stand-alone re-statement of the benchmark, not a copy of
PyNN's example.
"""

import argparse
import time

import numpy as np


# ---- benchmark constants (PyNN 0.13.0 examples/VAbenchmarks.py, CUBA) -------
N_CELLS = 4000
R_EI = 4.0
P_CONNECT = 0.02
DT = 0.1  # ms
T_STOP = 1000.0  # ms
DELAY = 0.2  # ms (also min_delay)
MAX_DELAY = 1.0  # ms

AREA_CM2 = 20000.0 * 1e-8  # 20000 um^2 -> cm^2
CM_NF = 1.0 * AREA_CM2 * 1000.0  # 1 uF/cm^2 -> 0.2 nF
G_LEAK = 5e-5  # S/cm^2  (Rm = 100 MOhm, tau_m = 20 ms)
TAU_M = 20.0
E_LEAK = -49.0  # CUBA
V_THRESH = -50.0
V_RESET = -60.0
T_REFRAC = 5.0
V_MEAN = -60.0
TAU_EXC = 5.0
TAU_INH = 10.0
G_EXC = 0.27  # nS (CUBA)
G_INH = 4.5  # nS (CUBA)
E_REV_EXC = 0.0
E_REV_INH = -80.0

N_EXC = int(round(N_CELLS * R_EI / (1 + R_EI)))  # 3200
N_INH = N_CELLS - N_EXC  # 800
W_EXC = 1e-3 * G_EXC * (E_REV_EXC - V_MEAN)  # nA, 0.0162
W_INH = 1e-3 * G_INH * (E_REV_INH - V_MEAN)  # nA, -0.09

CELL_PARAMS = {
    "tau_m": TAU_M,
    "cm": CM_NF,
    "v_rest": E_LEAK,
    "v_thresh": V_THRESH,
    "v_reset": V_RESET,
    "tau_refrac": T_REFRAC,
    "tau_syn_E": TAU_EXC,
    "tau_syn_I": TAU_INH,
}


def run_once(sim, seed, precision):
    """Build and run one CUBA network; return a dict of results."""
    from pyNN.random import NumpyRNG, RandomDistribution

    t0 = time.perf_counter()
    sim.setup(timestep=DT, min_delay=DELAY, max_delay=MAX_DELAY, threads=1,
              spike_precision=precision)

    exc = sim.Population(N_EXC, sim.IF_curr_exp(**CELL_PARAMS), label="exc")
    inh = sim.Population(N_INH, sim.IF_curr_exp(**CELL_PARAMS), label="inh")

    # one RNG for initial V and all connectivity, as in VAbenchmarks.py
    rng = NumpyRNG(seed=seed, parallel_safe=True)
    v_init = RandomDistribution("uniform", low=V_RESET, high=V_THRESH, rng=rng)
    exc.initialize(v=v_init)
    inh.initialize(v=v_init)

    conn = sim.FixedProbabilityConnector(P_CONNECT, rng=rng)
    syn_e = sim.StaticSynapse(weight=W_EXC, delay=DELAY)
    syn_i = sim.StaticSynapse(weight=W_INH, delay=DELAY)
    prj = {
        "e2e": sim.Projection(exc, exc, conn, syn_e, receptor_type="excitatory"),
        "e2i": sim.Projection(exc, inh, conn, syn_e, receptor_type="excitatory"),
        "i2e": sim.Projection(inh, exc, conn, syn_i, receptor_type="inhibitory"),
        "i2i": sim.Projection(inh, inh, conn, syn_i, receptor_type="inhibitory"),
    }
    exc.record("spikes")
    inh.record("spikes")
    t_build = time.perf_counter() - t0

    t1 = time.perf_counter()
    sim.run(T_STOP)
    t_run = time.perf_counter() - t1

    def rate(pop):
        trains = pop.get_data("spikes").segments[0].spiketrains
        n = sum(int(np.count_nonzero(np.asarray(st.magnitude) <= T_STOP)) for st in trains)
        return n / (pop.size * T_STOP / 1000.0)

    res = {
        "seed": seed,
        "precision": precision,
        "model": exc.node_collection[0].get("model"),
        "exc": rate(exc),
        "inh": rate(inh),
        "n_conn": {k: p.size() for k, p in prj.items()},
        "build": t_build,
        "run": t_run,
    }
    sim.end()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+",
                    default=[98765, 98766, 98767, 98768, 98769],
                    help="NumpyRNG seeds (VAbenchmarks.py uses 98765)")
    ap.add_argument("--precision", choices=["on_grid", "off_grid", "both"], default="both",
                    help="PyNN/NEST spike_precision (PyNN default is off_grid)")
    args = ap.parse_args()

    import pyNN.nest as sim

    precisions = ["on_grid", "off_grid"] if args.precision == "both" else [args.precision]
    print(f"VA CUBA: {N_EXC} exc + {N_INH} inh IF_curr_exp, p={P_CONNECT}, "
          f"w_exc={W_EXC:.4g} nA, w_inh={W_INH:.4g} nA, delay={DELAY} ms, dt={DT} ms, "
          f"T={T_STOP} ms")
    for precision in precisions:
        results = []
        for seed in args.seeds:
            r = run_once(sim, seed, precision)
            results.append(r)
            nc = r["n_conn"]
            print(f"[{precision}/{r['model']}] seed={seed}: exc={r['exc']:.3f} Hz  "
                  f"inh={r['inh']:.3f} Hz  build={r['build']:.2f} s  run={r['run']:.2f} s  "
                  f"conns e2e={nc['e2e']} e2i={nc['e2i']} i2e={nc['i2e']} i2i={nc['i2i']}",
                  flush=True)
        for pop in ("exc", "inh"):
            v = np.array([r[pop] for r in results])
            print(f"[{precision}] {pop}: mean={v.mean():.3f} Hz  min={v.min():.3f}  max={v.max():.3f}  "
                  f"(n_seeds={len(v)})")
        b = np.array([r["build"] for r in results])
        t = np.array([r["run"] for r in results])
        print(f"[{precision}] build time mean={b.mean():.2f} s, run time mean={t.mean():.2f} s")


if __name__ == "__main__":
    main()
