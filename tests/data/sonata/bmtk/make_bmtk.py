"""Regenerates tests/data/sonata/bmtk/: a small point-neuron circuit built
with BMTK 1.2's NetworkBuilder and the spikes BMTK PointNet (NEST 3.10)
gets for it.

    PYNN_PYTHON=/path/to/venv/bin/python
    cd tests/data/sonata/bmtk && $PYNN_PYTHON make_bmtk.py

Network: 30 `nest:iaf_psc_alpha` cells in two node types (exc: 24, inh: 6,
different dynamics_params JSON files), positions x, y, z; 15 virtual input
nodes driven by a SONATA spike file (inputs/spikes.h5). Edges: inputs ->
exc/inh (per-edge random syn_weight in the HDF5 group, nsyns from the
connection rule), exc -> all (syn_weight and delay in the edge types CSV),
inh -> exc (negative weight: inhibitory in NEST's convention). Output:
output/spikes.h5 (BMTK's SONATA spike file) and reference.json ({population:
[[t, ...] per node in node order]}) for the test.
"""
import json
import os
import shutil

import numpy as np
from bmtk.builder import NetworkBuilder
from bmtk.utils.reports.spike_trains import SpikeTrains

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
for d in ("network", "components", "inputs", "output"):
    if os.path.exists(d):
        shutil.rmtree(d)
os.makedirs("components/point_neuron_models")
os.makedirs("components/synaptic_models")
os.makedirs("inputs")

DT = 0.1
TSTOP = 500.0
rng = np.random.RandomState(11)

with open("components/point_neuron_models/iaf_exc.json", "w") as f:
    json.dump({"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0,
               "V_reset": -70.0, "I_e": 300.0, "tau_syn_ex": 1.5, "tau_syn_in": 3.0, "V_m": -70.0}, f)
with open("components/point_neuron_models/iaf_inh.json", "w") as f:
    json.dump({"C_m": 200.0, "tau_m": 10.0, "t_ref": 1.0, "V_th": -56.0, "I_e": 150.0}, f)
with open("components/synaptic_models/static.json", "w") as f:
    json.dump({}, f)

net = NetworkBuilder("v1")
net.add_nodes(N=24, pop_name="exc", ei="e", model_type="point_neuron", model_template="nest:iaf_psc_alpha",
              dynamics_params="iaf_exc.json",
              x=rng.uniform(0, 100, 24), y=rng.uniform(0, 100, 24), z=rng.uniform(0, 50, 24))
net.add_nodes(N=6, pop_name="inh", ei="i", model_type="point_neuron", model_template="nest:iaf_psc_alpha",
              dynamics_params="iaf_inh.json",
              x=rng.uniform(0, 100, 6), y=rng.uniform(0, 100, 6), z=rng.uniform(0, 50, 6))


def random_pairs(source, target, p):
    return 1 if (rng.uniform() < p and source.node_id != target.node_id) else None


cm = net.add_edges(source={"ei": "e"}, target={"pop_name": "inh"}, connection_rule=random_pairs,
                   connection_params={"p": 0.5}, syn_weight=40.0, delay=1.5,
                   dynamics_params="static.json", model_template="static_synapse")
cm = net.add_edges(source={"ei": "e"}, target={"pop_name": "exc"}, connection_rule=random_pairs,
                   connection_params={"p": 0.15}, syn_weight=25.0, delay=2.0,
                   dynamics_params="static.json", model_template="static_synapse")
cm = net.add_edges(source={"ei": "i"}, target={"ei": "e"}, connection_rule=random_pairs,
                   connection_params={"p": 0.6}, syn_weight=-60.0, delay=1.0,
                   dynamics_params="static.json", model_template="static_synapse")
net.build()
net.save(output_dir="network")

inputs = NetworkBuilder("inputs")
inputs.add_nodes(N=15, model_type="virtual", pop_name="lgn", ei="e")


def n_synapses(source, target):
    return int(rng.randint(0, 3)) or None  # 0: no edge; 1 or 2: nsyns


cm = inputs.add_edges(source=inputs.nodes(), target=net.nodes(), connection_rule=n_synapses,
                      delay=1.0, dynamics_params="static.json", model_template="static_synapse")
cm.add_properties("syn_weight", rule=lambda s, t: float(rng.uniform(30.0, 90.0)), dtypes=float)
inputs.build()
inputs.save(output_dir="network")

st = SpikeTrains(population="inputs")
for nid in range(15):
    t = np.unique(np.round(np.sort(rng.uniform(5.0, TSTOP - 20.0, 25)) / DT) * DT)
    st.add_spikes(node_ids=nid, timestamps=t)
st.to_sonata("inputs/spikes.h5")

config = {
    "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network",
                 "$COMPONENTS_DIR": "$BASE_DIR/components", "$OUTPUT_DIR": "$BASE_DIR/output"},
    "target_simulator": "NEST",
    "run": {"tstop": TSTOP, "dt": DT},
    "inputs": {"lgn_spikes": {"input_type": "spikes", "module": "sonata",
                              "input_file": "$BASE_DIR/inputs/spikes.h5", "node_set": "inputs"}},
    "output": {"log_file": "log.txt", "output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5",
               "overwrite_output_dir": True, "quiet_simulator": True},
    "components": {"point_neuron_models_dir": "$COMPONENTS_DIR/point_neuron_models",
                   "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models"},
    "networks": {
        "nodes": [{"nodes_file": "$NETWORK_DIR/v1_nodes.h5", "node_types_file": "$NETWORK_DIR/v1_node_types.csv"},
                  {"nodes_file": "$NETWORK_DIR/inputs_nodes.h5",
                   "node_types_file": "$NETWORK_DIR/inputs_node_types.csv"}],
        "edges": [{"edges_file": "$NETWORK_DIR/v1_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/v1_v1_edge_types.csv"},
                  {"edges_file": "$NETWORK_DIR/inputs_v1_edges.h5",
                   "edge_types_file": "$NETWORK_DIR/inputs_v1_edge_types.csv"}],
    },
}
with open("config.json", "w") as f:
    json.dump(config, f, indent=2)

import bmtk.simulator.pointnet as pointnet  # noqa: E402

conf = pointnet.Config.from_json("config.json")
conf.build_env()
network = pointnet.PointNetwork.from_config(conf)
sim = pointnet.PointSimulator.from_config(conf, network)
sim.run()

import h5py  # noqa: E402

with h5py.File("output/spikes.h5", "r") as f:
    g = f["spikes/v1"]
    ts, ids = g["timestamps"][()], g["node_ids"][()]
trains = [[] for _ in range(30)]
for t, i in zip(ts, ids):
    trains[int(i)].append(float(t))
ref = {"simulator": "BMTK PointNet", "dt": DT, "tstop": TSTOP,
       "spikes": {"v1": [sorted(t) for t in trains]}}
with open("reference.json", "w") as f:
    json.dump(ref, f)
# BMTK's log (timestamps) and its copy of the config are not fixtures.
for f in ("output/log.txt", "output/config.json"):
    if os.path.exists(f):
        os.remove(f)
print("spikes:", sum(len(t) for t in trains))
