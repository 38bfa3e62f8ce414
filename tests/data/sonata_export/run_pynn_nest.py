"""Imports a circuit exported by pynn-rs with PyNN 0.13's
`pyNN.serialization.import_from_sonata` into pyNN.nest, runs it, and prints
the spikes of every non-virtual population as JSON:
{population: {"size": n, "spikes": [[t, ...] per cell]}}.

PyNN's `SimulationPlan` reads spike inputs from the pre-1.0 layout
(`/spikes/gids`), not SONATA's `/spikes/<population>/node_ids` that
pynn-rs writes, so the inputs of the simulation config are applied here:
each input file's spikes become the `spike_times` of its node population
(a `SpikeSourceArray`, as PyNN imports virtual nodes).

usage: run_pynn_nest.py CIRCUIT_CONFIG SIMULATION_CONFIG
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pyNN.nest as sim  # noqa: E402
from pyNN.parameters import Sequence  # noqa: E402
from pyNN.serialization import import_from_sonata  # noqa: E402
from pyNN.serialization.sonata import load_config  # noqa: E402

circuit_config, simulation_config = sys.argv[1], sys.argv[2]
config = load_config(simulation_config)
dt, tstop = config["run"]["dt"], config["run"]["tstop"]
min_delay = float(sys.argv[3]) if len(sys.argv) > 3 else dt
# On-grid spikes, as tests/data/nest_reference.py sets for the agreement tests.
sim.setup(timestep=dt, min_delay=min_delay, spike_precision="on_grid")
net = import_from_sonata(circuit_config, sim)
assemblies = {a.label: a for a in net.assemblies}
for name, inp in config["inputs"].items():
    target = assemblies[inp["node_set"]]
    with h5py.File(inp["input_file"], "r") as f:
        g = f["spikes"][inp["node_set"]]
        ids, times = g["node_ids"][()], g["timestamps"][()]
    target.set(spike_times=[Sequence(np.sort(times[ids == i])) for i in range(target.size)])
recorded = [a for a in net.assemblies if not a.populations[0].celltype.__class__.__name__.startswith("SpikeSource")]
for a in recorded:
    a.record("spikes")
sim.run(tstop)
out = {}
for a in recorded:
    seg = a.get_data("spikes").segments[0]
    trains = [[] for _ in range(a.size)]
    for st in seg.spiketrains:
        trains[int(st.annotations["source_index"])] = st.magnitude.tolist()
    out[a.label] = {"size": a.size, "spikes": trains}
sim.end()
print(json.dumps(out))
