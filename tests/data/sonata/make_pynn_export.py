"""Regenerates tests/data/sonata/pynn_export/: a network built with PyNN 0.13,
exported with PyNN's own `pyNN.serialization.export_to_sonata`, and its
spikes when PyNN runs it on NEST (pyNN.nest, NEST 3.10).

    PYNN_PYTHON=/path/to/venv/bin/python
    $PYNN_PYTHON tests/data/sonata/make_pynn_export.py

The circuit (circuit_config.json, networks/) is what `export_to_sonata`
writes. PyNN does not export spike times of spike sources (it warns that
they "should be added manually to simulation_config"), so this script
writes the spike input file inputs/stim_spikes.h5 (SONATA spike format:
/spikes/<population>/timestamps, node_ids) and simulation_config.json
(run, inputs, output, reports) itself. The reference spikes are those of
the original PyNN network run on pyNN.nest, stored as reference_spikes.json
({population: [[t, ...] per cell]}, ms) with the connections PyNN made
(connections.json) so the test needs neither PyNN nor NEST.
"""
import json
import os
import shutil
import warnings

import h5py
import numpy as np
import pyNN.nest as sim
from pyNN.network import Network
from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.serialization import export_to_sonata

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "pynn_export")
DT = 0.1
TSTOP = 300.0

sim.setup(timestep=DT, min_delay=0.1, max_delay=10.0, spike_precision="on_grid")
rng = NumpyRNG(seed=4242)

# Spike sources: every cell its own train (on the grid).
n_stim = 12
stim_times = []
r = np.random.RandomState(7)
# Times are k / 10 (k an integer step): PyNN's NEST backend passes t - min_delay
# to a spike generator with precise times, which puts a time one rounding
# error past a grid point into the next step (4.1000000000000005 - 0.1 =
# 4.000000000000001 leaves at 4.1, not 4.0). Times whose shifted value is
# past its grid point are dropped, so the reference is the on-grid result
# of the network as written, not of that rounding.
for i in range(n_stim):
    k = np.unique(np.round(r.uniform(1.0, TSTOP - 10.0, size=30) / DT).astype(int))
    k = [j for j in k if j / 10 - 0.1 <= (j - 1) / 10]
    stim_times.append(np.array([j / 10 for j in k]))
stim = sim.Population(n_stim, sim.SpikeSourceArray(spike_times=[sim.Sequence(t) for t in stim_times]),
                      label="stim")

# Current-based, exactly integrated: heterogeneous tau_m (HDF5 dynamics_params),
# the rest scalar (node types CSV).
exc = sim.Population(20, sim.IF_curr_exp(tau_m=RandomDistribution("uniform", (12.0, 25.0), rng=rng),
                                         tau_syn_E=2.0, tau_syn_I=4.0, v_thresh=-52.0,
                                         i_offset=0.3, tau_refrac=2.0),
                     structure=sim.space.Grid2D(aspect_ratio=1.25, dx=10.0, dy=10.0), label="exc")
inh = sim.Population(8, sim.IF_curr_alpha(tau_m=15.0, cm=0.5, v_thresh=-53.0,
                                          i_offset=RandomDistribution("uniform", (0.0, 0.4), rng=rng)),
                     label="inh")
# Conductance-based (RKF45 in NEST and in the native engine).
cond = sim.Population(6, sim.IF_cond_exp(tau_m=18.0, tau_syn_E=3.0, v_thresh=-51.0, i_offset=0.75),
                      label="cond")
# No random initial values: `export_to_sonata` does not write initial values,
# so every cell starts at v_rest on both sides.

w = lambda lo, hi: RandomDistribution("uniform", (lo, hi), rng=rng)
d = lambda lo, hi: RandomDistribution("uniform", (lo, hi), rng=rng)
projs = [
    sim.Projection(stim, exc, sim.FixedProbabilityConnector(0.3, rng=rng),
                   sim.StaticSynapse(weight=w(0.5, 1.5), delay=d(0.5, 3.0)),
                   receptor_type="excitatory", label="stim-exc"),
    sim.Projection(stim, inh, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=w(0.1, 0.4), delay=1.0),
                   receptor_type="excitatory", label="stim-inh"),
    sim.Projection(exc, inh, sim.FixedNumberPreConnector(4, rng=rng),
                   sim.StaticSynapse(weight=w(0.2, 0.6), delay=d(1.0, 2.0)),
                   receptor_type="excitatory", label="exc-inh"),
    sim.Projection(inh, exc, sim.FixedProbabilityConnector(0.4, rng=rng),
                   sim.StaticSynapse(weight=w(-1.5, -0.5), delay=d(0.5, 1.5)),
                   receptor_type="inhibitory", label="inh-exc"),
    sim.Projection(exc, cond, sim.FixedNumberPostConnector(2, rng=rng),
                   sim.StaticSynapse(weight=w(0.01, 0.04), delay=1.5),
                   receptor_type="excitatory", label="exc-cond"),
    sim.Projection(stim, cond, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=0.01, delay=d(0.2, 0.9)),
                   receptor_type="inhibitory", label="stim-cond"),
]

net = Network(stim, exc, inh, cond, *projs)
if os.path.exists(OUT):
    shutil.rmtree(OUT)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    export_to_sonata(net, OUT, target="PyNN")

# PyNN writes "$BASE_DIR": OUT (absolute); make the circuit relocatable.
cfg_path = os.path.join(OUT, "circuit_config.json")
with open(cfg_path) as f:
    cfg = json.load(f)
cfg["manifest"]["$BASE_DIR"] = "."
with open(cfg_path, "w") as f:
    json.dump(cfg, f, indent=2)

# Spike input of the virtual nodes (SONATA spike file), keyed by node_id.
os.makedirs(os.path.join(OUT, "inputs"))
with h5py.File(os.path.join(OUT, "networks", "nodes_stim.h5"), "r") as f:
    stim_ids = f["nodes/stim/node_id"][()]
ts, ids = [], []
for nid, t in zip(stim_ids, stim_times):
    ts.extend(t)
    ids.extend([nid] * len(t))
order = np.argsort(ts, kind="stable")
with h5py.File(os.path.join(OUT, "inputs", "stim_spikes.h5"), "w") as f:
    g = f.create_group("spikes").create_group("stim")
    g.attrs["sorting"] = "by_time"
    g.create_dataset("timestamps", data=np.array(ts)[order]).attrs["units"] = "ms"
    g.create_dataset("node_ids", data=np.array(ids, dtype=np.uint64)[order])

sim_cfg = {
    "manifest": {"$BASE_DIR": ".", "$OUTPUT_DIR": "$BASE_DIR/output"},
    "target_simulator": "PyNN",
    "run": {"tstop": TSTOP, "dt": DT},
    "network": "circuit_config.json",
    "inputs": {"stim_spikes": {"input_type": "spikes", "module": "h5",
                               "input_file": "$BASE_DIR/inputs/stim_spikes.h5", "node_set": "stim"}},
    "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5", "spikes_sort_order": "time"},
    "reports": {"cond_v": {"cells": "cond", "variable_name": "v", "module": "membrane_report",
                           "sections": "soma"}},
}
with open(os.path.join(OUT, "simulation_config.json"), "w") as f:
    json.dump(sim_cfg, f, indent=2)

# Reference run of the original network on NEST; the connections (population
# indices, weight, delay) are read before the run (PyNN 0.13's NEST
# `Projection.get` fails after recorders are connected).
ref = {"simulator": "NEST " + sim.nest.__version__, "pyNN": __import__("pyNN").__version__,
       "dt": DT, "tstop": TSTOP, "spikes": {}, "connections": {}}
for prj in projs:
    c = prj.get(["weight", "delay"], format="list", with_address=True)
    ref["connections"][prj.label] = [[int(i), int(j), float(wt), float(dl)] for i, j, wt, dl in c]
for p in (exc, inh, cond):
    p.record("spikes")
sim.run(TSTOP)
for p in (exc, inh, cond):
    sts = p.get_data("spikes").segments[0].spiketrains
    ref["spikes"][p.label] = [[round(float(t), 10) for t in st.magnitude] for st in sts]
with open(os.path.join(OUT, "reference.json"), "w") as f:
    json.dump(ref, f)
print({k: sum(len(s) for s in v) for k, v in ref["spikes"].items()},
      {k: len(v) for k, v in ref["connections"].items()})
sim.end()
