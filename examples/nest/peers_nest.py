#!/usr/bin/env python
"""The benchmark networks of examples/compare_peers.rs, built directly with
PyNEST 3.10 (no PyNN), for timing against the native engine.

Models (the same definitions as the native examples; parameter values from PyNN 0.13 examples/VAbenchmarks.py and NEST's
examples/brunel_delta_nest.py):

* ``cuba``: 4000 ``iaf_psc_exp`` (3200 E, 800 I), C_m 200 pF, tau_m 20 ms,
  E_L -49 mV, V_th -50 mV, V_reset -60 mV, t_ref 5 ms, tau_syn 5 / 10 ms;
  pairwise Bernoulli p = 0.02 (autapses allowed), w_E = 16.2 pA,
  w_I = -90 pA, delay 0.2 ms; V(0) ~ U(-60, -50) mV.
* ``coba``: PyNN VAbenchmarks' COBA (what examples/va_coba.rs builds):
  ``iaf_cond_exp``, E_L -60 mV, E_ex 0, E_in -80 mV, w_E 4 nS, w_I 51 nS,
  V(0) ~ U(-60, -50) mV, and 20 Poisson sources at 100 Hz for 50 ms
  connected with p = 0.01 and 100 nS.
* ``brunel``: ``iaf_psc_delta``, tau_m 20 ms, V_th 20 mV, V_reset = E_L = 0,
  t_ref 2 ms, J = 0.1 mV, g = 5, delay 1.5 ms, fixed in-degree CE = NE / 10,
  CI = NI / 10 with multapses and autapses, Poisson drive
  eta * nu_th * CE per neuron (eta = 2).

Prints one line ``RESULT {json}`` with build and simulation wall-clock
times (s), mean rates (Hz) and the synapse count.

    python examples/nest/peers_nest.py --model brunel --ne 2000 --threads 2
"""

import argparse
import json
import time

import nest
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--model", choices=["cuba", "coba", "brunel"], required=True)
p.add_argument("--ne", type=int, default=10000, help="Brunel: excitatory cells")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--tstop", type=float, default=1000.0)
a = p.parse_args()

nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": a.threads, "rng_seed": a.seed})
t0 = time.perf_counter()
if a.model in ("cuba", "coba"):
    ne, ni = 3200, 800
    if a.model == "cuba":
        params = dict(C_m=200.0, tau_m=20.0, E_L=-49.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
                      tau_syn_ex=5.0, tau_syn_in=10.0, I_e=0.0)
        model, w_e, w_i = "iaf_psc_exp", 16.2, -90.0
    else:
        params = dict(C_m=200.0, g_L=10.0, E_L=-60.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
                      E_ex=0.0, E_in=-80.0, tau_syn_ex=5.0, tau_syn_in=10.0, I_e=0.0)
        # NEST: the sign of a conductance-based weight selects the receptor.
        model, w_e, w_i = "iaf_cond_exp", 4.0, -51.0
    cells = nest.Create(model, ne + ni, params=params)
    cells.V_m = nest.random.uniform(-60.0, -50.0)
    exc, inh = cells[:ne], cells[ne:]
    conn = {"rule": "pairwise_bernoulli", "p": 0.02, "allow_autapses": True}
    nest.Connect(exc, cells, conn, {"weight": w_e, "delay": 0.2})
    nest.Connect(inh, cells, conn, {"weight": w_i, "delay": 0.2})
    if a.model == "coba":
        stim = nest.Create("poisson_generator", params={"rate": 100.0, "start": 0.0, "stop": 50.0})
        parrots = nest.Create("parrot_neuron", 20)
        nest.Connect(stim, parrots)
        nest.Connect(parrots, cells, {"rule": "pairwise_bernoulli", "p": 0.01}, {"weight": 100.0, "delay": 0.2})
else:
    ne = a.ne
    ni = ne // 4
    ce, ci = ne // 10, ni // 10
    j, g, eta, tau_m, theta = 0.1, 5.0, 2.0, 20.0, 20.0
    params = dict(C_m=250.0, tau_m=tau_m, t_ref=2.0, E_L=0.0, V_reset=0.0, V_m=0.0, V_th=theta)
    cells = nest.Create("iaf_psc_delta", ne + ni, params=params)
    exc, inh = cells[:ne], cells[ne:]
    nu_th = theta / (j * ce * tau_m)
    noise = nest.Create("poisson_generator", params={"rate": eta * nu_th * ce * 1000.0})
    nest.Connect(noise, cells, syn_spec={"weight": j, "delay": 1.5})
    nest.Connect(exc, cells, {"rule": "fixed_indegree", "indegree": ce}, {"weight": j, "delay": 1.5})
    nest.Connect(inh, cells, {"rule": "fixed_indegree", "indegree": ci}, {"weight": -g * j, "delay": 1.5})
rec = nest.Create("spike_recorder")
nest.Connect(cells, rec)
nest.Prepare()
build = time.perf_counter() - t0
t1 = time.perf_counter()
nest.Run(a.tstop)
sim = time.perf_counter() - t1
nest.Cleanup()
ev = rec.get("events")
senders = np.asarray(ev["senders"])
first = cells[0].global_id
n_e = int(np.sum(senders < first + ne))
n_i = len(senders) - n_e
n_syn = nest.GetKernelStatus("num_connections")
print("RESULT " + json.dumps({
    "simulator": "nest", "threads": a.threads, "build": build, "sim": sim,
    "rate_e": n_e / ne / (a.tstop / 1000.0), "rate_i": n_i / ni / (a.tstop / 1000.0), "connections": n_syn,
}), flush=True)
