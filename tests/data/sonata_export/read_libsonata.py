"""Reads a circuit exported by pynn-rs with libsonata (PyPI) and prints, as
JSON, what libsonata sees: node population sizes, every edge's source,
target, syn_weight and delay (float64 as IEEE-754 bit patterns, so the
comparison in tests/sonata_export.rs is exact), the simulation config's
run section and, if given, the spikes and reports of an output directory.

usage: read_libsonata.py CIRCUIT_CONFIG SIMULATION_CONFIG [OUTPUT_DIR REPORT_NAME...]
"""
import json
import os
import sys

import libsonata
import numpy as np


def bits(a):
    return np.asarray(a, dtype=np.float64).view(np.uint64).tolist()


circuit = libsonata.CircuitConfig.from_file(sys.argv[1])
out = {"nodes": {}, "edges": {}}
for name in circuit.node_populations:
    pop = circuit.node_population(name)
    out["nodes"][name] = {
        "size": pop.size,
        "type": circuit.node_population_properties(name).type,
        "attributes": sorted(pop.attribute_names),
        "dynamics": sorted(pop.dynamics_attribute_names),
    }
for name in circuit.edge_populations:
    pop = circuit.edge_population(name)
    sel = pop.select_all()
    edges = {
        "source_population": pop.source,
        "target_population": pop.target,
        "source": pop.source_nodes(sel).tolist(),
        "target": pop.target_nodes(sel).tolist(),
        "syn_weight": bits(pop.get_attribute("syn_weight", sel)),
        "delay": bits(pop.get_attribute("delay", sel)),
        "dynamics": {k: bits(pop.get_dynamics_attribute(k, sel)) for k in sorted(pop.dynamics_attribute_names)},
    }
    # The indices: the edges of node 0 found through them, both ways.
    edges["efferent_0"] = sorted(pop.efferent_edges(0).flatten().tolist())
    edges["afferent_0"] = sorted(pop.afferent_edges(0).flatten().tolist())
    out["edges"][name] = edges

sim = libsonata.SimulationConfig.from_file(sys.argv[2])
out["run"] = {"tstop": sim.run.tstop, "dt": sim.run.dt}
out["reports"] = sorted(sim.list_report_names)
out["inputs"] = sorted(sim.list_input_names)

if len(sys.argv) > 3:
    outdir = sys.argv[3]
    spikes = libsonata.SpikeReader(os.path.join(outdir, "spikes.h5"))
    out["spikes"] = {}
    for name in spikes.get_population_names():
        pairs = spikes[name].get()
        out["spikes"][name] = {"node_ids": [int(p[0]) for p in pairs], "timestamps": bits([p[1] for p in pairs]),
                               "sorting": str(spikes[name].sorting), "time_units": spikes[name].time_units}
    out["reports_read"] = {}
    for report in sys.argv[4:]:
        reader = libsonata.ElementReportReader(os.path.join(outdir, report + ".h5"))
        for name in reader.get_population_names():
            pop = reader[name]
            frame = pop.get()
            out["reports_read"][report + "/" + name] = {
                "times": bits(frame.times),
                # (node id, element id) per column; element 0 is the soma.
                "ids": np.asarray(frame.ids).tolist(),
                "data": bits(np.asarray(frame.data, dtype=np.float64).ravel()),
                "shape": list(np.asarray(frame.data).shape),
                "units": pop.data_units,
            }
print(json.dumps(out))
