#!/usr/bin/env python
"""The benchmark networks of examples/compare_peers.rs in Brian2 2.9
cpp_standalone (needs a C++ compiler; g++ works), for timing against the
native engine. Same model definitions as examples/nest/peers_nest.py:

* ``cuba``: exact integration of the current-based LIF with exponential
  synaptic currents (C = 200 pF, g_L = 10 nS, E_L = -49 mV, V_th = -50 mV,
  V_reset = -60 mV, t_ref 5 ms with V clamped, tau_E 5 ms, tau_I 10 ms,
  w_E = 16.2 pA, w_I = -90 pA, delay 0.2 ms, p = 0.02, V(0) ~ U(-60, -50)).
* ``coba``: PyNN VAbenchmarks' COBA (E_L -60 mV, E_E 0, E_I -80 mV, 4 / 51 nS,
  20 Poisson sources at 100 Hz for 50 ms, p = 0.01, 100 nS), forward Euler
  as in Brette et al.'s Brian script (Brian2's usual choice for this
  benchmark; the native engine and NEST use adaptive RKF45).
* ``brunel``: delta-synapse LIF (tau 20 ms, theta 20 mV, reset 0, t_ref
  2 ms), J = 0.1 mV, g = 5, delay 1.5 ms, fixed in-degree with replacement
  (drawn with numpy), ``PoissonInput`` of CE inputs at eta * nu_th;
  input during the refractory period is discarded, as in NEST.

Prints ``RESULT {json}``: ``build`` = wall time of the whole script minus
the run loop and the C++ compilation, ``sim`` = Brian2's measured run time
(``device._last_run_time``), ``compile`` separately.
"""

import argparse
import json
import os
import tempfile
import time

t_start = time.perf_counter()
p = argparse.ArgumentParser()
p.add_argument("--model", choices=["cuba", "coba", "brunel"], required=True)
p.add_argument("--ne", type=int, default=10000)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--tstop", type=float, default=1000.0)
p.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "pynn_rs_brian2"))
a = p.parse_args()

import numpy as np
from brian2 import (NeuronGroup, PoissonGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, device,
                    ms, mV, nS, pA, pF, Hz, run, seed, set_device)

set_device("cpp_standalone", directory=os.path.join(a.dir, a.model + str(a.ne)), build_on_run=False)
seed(a.seed)
np.random.seed(a.seed)
defaultclock.dt = 0.1 * ms
if a.model in ("cuba", "coba"):
    ne, ni = 3200, 800
    n = ne + ni
    if a.model == "cuba":
        eqs = """dv/dt = (g_l*(E_l - v) + ie + ii)/C : volt (unless refractory)
                 die/dt = -ie/(5*ms) : amp
                 dii/dt = -ii/(10*ms) : amp"""
        P = NeuronGroup(n, eqs, threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms, method="exact",
                        namespace=dict(g_l=10 * nS, E_l=-49 * mV, C=200 * pF))
        on_e, on_i = "ie += 16.2*pA", "ii -= 90*pA"
    else:
        eqs = """dv/dt = (g_l*(E_l - v) + ge*(0*mV - v) + gi*(-80*mV - v))/C : volt (unless refractory)
                 dge/dt = -ge/(5*ms) : siemens
                 dgi/dt = -gi/(10*ms) : siemens"""
        P = NeuronGroup(n, eqs, threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms, method="euler",
                        namespace=dict(g_l=10 * nS, E_l=-60 * mV, C=200 * pF))
        on_e, on_i = "ge += 4*nS", "gi += 51*nS"
    P.v = "-60*mV + rand()*10*mV"
    Ce = Synapses(P[:ne], P, on_pre=on_e, delay=0.2 * ms)
    Ci = Synapses(P[ne:], P, on_pre=on_i, delay=0.2 * ms)
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)
    extra = []
    if a.model == "coba":
        stim = PoissonGroup(20, rates="100*Hz*(t < 50*ms)")
        Cs = Synapses(stim, P, on_pre="ge += 100*nS", delay=0.2 * ms)
        Cs.connect(p=0.01)
        extra = [stim, Cs]
    cells_e, cells_i = ne, ni
else:
    ne = a.ne
    ni = ne // 4
    ce, ci = ne // 10, ni // 10
    n = ne + ni
    J, g, eta, tau, theta = 0.1 * mV, 5.0, 2.0, 20 * ms, 20 * mV
    P = NeuronGroup(n, "dv/dt = -v/tau : volt (unless refractory)", threshold="v > theta", reset="v = 0*mV",
                    refractory=2 * ms, method="exact", namespace=dict(tau=tau, theta=theta))
    P.v = 0 * mV
    Ce = Synapses(P, P, on_pre="v_post += J*int(not_refractory_post)", delay=1.5 * ms, namespace=dict(J=J))
    Ci = Synapses(P, P, on_pre="v_post += -g*J*int(not_refractory_post)", delay=1.5 * ms,
                  namespace=dict(J=J, g=g))
    post = np.repeat(np.arange(n), ce)
    Ce.connect(i=np.random.randint(0, ne, n * ce), j=post)
    post = np.repeat(np.arange(n), ci)
    Ci.connect(i=ne + np.random.randint(0, ni, n * ci), j=post)
    nu_th = theta / (J * ce * tau)
    drive = PoissonInput(P, "v", ce, eta * nu_th, weight="J*int(not_refractory)")
    extra = [drive]
    cells_e, cells_i = ne, ni
mon = SpikeMonitor(P)
run(a.tstop * ms)
t_build_py = time.perf_counter() - t_start
t0 = time.perf_counter()
device.build(directory=os.path.join(a.dir, a.model + str(a.ne)), compile=True, run=False, with_output=False)
compile_s = time.perf_counter() - t0
t0 = time.perf_counter()
device.run(with_output=False)
binary = time.perf_counter() - t0
sim = device._last_run_time
i = np.asarray(mon.i[:])
n_e = int(np.sum(i < cells_e))
n_i = len(i) - n_e
print("RESULT " + json.dumps({
    "simulator": "brian2", "threads": 1, "build": t_build_py + binary - sim, "sim": sim, "compile": compile_s,
    "rate_e": n_e / cells_e / (a.tstop / 1000.0), "rate_i": n_i / cells_i / (a.tstop / 1000.0),
    "connections": int(len(Ce) + len(Ci)),
}), flush=True)
