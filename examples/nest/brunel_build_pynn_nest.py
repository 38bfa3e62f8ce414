#!/usr/bin/env python
"""Build-time reference for ``examples/brunel_build.rs`` on PyNN 0.13 + NEST 3.10.

Builds the same network as the Rust example and prints the wall-clock build
time (population creation + both projections) and the synapse count:

  * 12,500 IF_curr_delta cells: NE = 10,000 excitatory, NI = 2,500 inhibitory
    (tau_m = 20 ms, cm = 0.25 nF, v_rest = 0, v_reset = 10 mV,
    v_thresh = 20 mV, tau_refrac = 2 ms)
  * exc -> all: FixedNumberPreConnector(1000, with_replacement=True,
    allow_self_connections=False), weight J = 0.1 mV, delay 1.5 ms
  * inh -> all: FixedNumberPreConnector(250, same), weight -g J = -0.5 mV
  * 15,625,000 synapses; dt = 0.1 ms.

PyNN's NEST backend has no native override of FixedNumberPreConnector (the
``fixed_indegree`` variant is commented out in ``pyNN/nest/connectors.py``),
so PyNN draws the connections in Python, one post-synaptic cell at a time,
and hands each to ``nest.Connect``. ``--mode nest`` times, for comparison,
the same network built directly with PyNEST's native ``fixed_indegree`` rule
(NEST draws the connections in C++; not PyNN).

Run from the repository root:

    .venv/bin/python examples/nest/brunel_build_pynn_nest.py --threads 2
    .venv/bin/python examples/nest/brunel_build_pynn_nest.py --mode nest --threads 2
"""

import argparse
import time

NE, NI = 10000, 2500
CE, CI = 1000, 250
J, G, DELAY = 0.1, 5.0, 1.5
CELL = dict(tau_m=20.0, cm=0.25, v_rest=0.0, v_reset=10.0, v_thresh=20.0, tau_refrac=2.0, i_offset=0.0)


def build_pynn(threads, seed):
    import pyNN.nest as sim
    from pyNN.random import NumpyRNG

    t0 = time.perf_counter()
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=5.0, threads=threads, rng_seed=seed)
    exc = sim.Population(NE, sim.IF_curr_delta(**CELL), label="exc")
    inh = sim.Population(NI, sim.IF_curr_delta(**CELL), label="inh")
    rng = NumpyRNG(seed=seed)
    n = 0
    # PyNN's NEST backend cannot project onto an Assembly (AttributeError:
    # 'Assembly' object has no attribute 'celltype'), so each pre population
    # projects onto exc and inh separately: the same in-degrees.
    for pre, k, w, receptor in [(exc, CE, J, "excitatory"), (inh, CI, -G * J, "inhibitory")]:
        for post in (exc, inh):
            conn = sim.FixedNumberPreConnector(k, with_replacement=True, allow_self_connections=False, rng=rng)
            prj = sim.Projection(pre, post, conn, sim.StaticSynapse(weight=w, delay=DELAY), receptor_type=receptor)
            n += prj.size()
    t = time.perf_counter() - t0
    sim.end()
    return t, n


def build_nest(threads, seed):
    import nest

    nest.set_verbosity("M_ERROR")
    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": seed})
    params = {"tau_m": 20.0, "C_m": 250.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0, "t_ref": 2.0}
    exc = nest.Create("iaf_psc_delta", NE, params=params)
    inh = nest.Create("iaf_psc_delta", NI, params=params)
    everyone = exc + inh
    for pre, k, w in [(exc, CE, J), (inh, CI, -G * J)]:
        nest.Connect(pre, everyone,
                     {"rule": "fixed_indegree", "indegree": k, "allow_autapses": False, "allow_multapses": True},
                     {"synapse_model": "static_synapse", "weight": w, "delay": DELAY})
    n = nest.GetKernelStatus("num_connections")
    return time.perf_counter() - t0, n


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["pynn", "nest"], default="pynn")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=12345)
    a = p.parse_args()
    t, n = (build_pynn if a.mode == "pynn" else build_nest)(a.threads, a.seed)
    label = "PyNN 0.13 on NEST" if a.mode == "pynn" else "PyNEST native fixed_indegree"
    print(f"Brunel build, {label} ({a.threads} threads, seed {a.seed})")
    print(f"  12500 IF_curr_delta cells, {n} synapses")
    print(f"  build time   {t:.3f} s")


if __name__ == "__main__":
    main()
