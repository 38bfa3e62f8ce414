"""Regenerates tests/data/sonata/bad/: small SONATA circuits, each broken in
one way, for the error tests of tests/sonata_import.rs (h5py only).

    $PYNN_PYTHON tests/data/sonata/bad/make_bad.py

`good/` is the unbroken circuit (4 IF_curr_exp nodes, 2 virtual nodes, one
edge population); every other directory is `good/` with one change, named
by the directory.
"""
import json
import os
import shutil

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write(case, nodes=None, edges=None, node_types=None, edge_types=None, params=None, attrs=True):
    d = os.path.join(HERE, case)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "components"))
    nodes = nodes or {}
    edges = edges or {}
    with h5py.File(os.path.join(d, "nodes.h5"), "w") as f:
        for pop, n in (("cells", 4), ("inputs", 2)):
            g = f.create_group(f"nodes/{pop}")
            ds = {"node_type_id": np.full(n, 1 if pop == "cells" else 2, dtype="i4"),
                  "node_id": np.arange(n, dtype="i8"),
                  "node_group_id": np.zeros(n, dtype="i4"),
                  "node_group_index": np.arange(n, dtype="i4")}
            for k, v in nodes.get(pop, {}).items():
                ds[k] = v
            for k, v in ds.items():
                if v is not None:
                    g.create_dataset(k, data=v)
            grp = g.create_group("0")
            if pop == "cells":
                grp.create_dataset("dynamics_params/tau_m", data=np.array([10.0, 12.0, 14.0, 16.0]))
    with h5py.File(os.path.join(d, "edges.h5"), "w") as f:
        g = f.create_group("edges/inputs_cells")
        ds = {"source_node_id": np.array([0, 1, 0], dtype="i8"),
              "target_node_id": np.array([0, 1, 3], dtype="i8"),
              "edge_type_id": np.zeros(3, dtype="i4"),
              "edge_group_id": np.zeros(3, dtype="i4"),
              "edge_group_index": np.arange(3, dtype="i4")}
        ds.update(edges)
        for k, v in ds.items():
            if v is not None:
                g.create_dataset(k, data=v)
        if attrs:
            g["source_node_id"].attrs["node_population"] = "inputs"
            if "target_node_id" in g:
                g["target_node_id"].attrs["node_population"] = "cells"
        g.create_dataset("0/syn_weight", data=np.array([0.5, 0.6, 0.7]))
        g.create_dataset("0/delay", data=np.array([1.0, 1.0, 2.0]))
    with open(os.path.join(d, "node_types.csv"), "w") as f:
        f.write(node_types or "node_type_id model_type model_template dynamics_params\n"
                              "1 point_neuron pynn:IF_curr_exp cells.json\n2 virtual NONE NONE\n")
    with open(os.path.join(d, "edge_types.csv"), "w") as f:
        f.write(edge_types or "edge_type_id model_template receptor_type\n0 pynn:StaticSynapse excitatory\n")
    with open(os.path.join(d, "components", "cells.json"), "w") as f:
        json.dump(params or {"v_thresh": -52.0, "i_offset": 0.1}, f)
    cfg = {"manifest": {"$BASE_DIR": "."},
           "components": {"point_neuron_models_dir": "$BASE_DIR/components"},
           "networks": {"nodes": [{"nodes_file": "$BASE_DIR/nodes.h5", "node_types_file": "$BASE_DIR/node_types.csv"}],
                        "edges": [{"edges_file": "$BASE_DIR/edges.h5", "edge_types_file": "$BASE_DIR/edge_types.csv"}]}}
    with open(os.path.join(d, "circuit_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


write("good")
write("missing_dataset", nodes={"cells": {"node_type_id": None}})
write("wrong_dtype", nodes={"cells": {"node_group_index": np.array([0.0, 1.0, 2.0, 3.0])}})
write("string_ids", edges={"source_node_id": np.array([b"a", b"b", b"c"])})
write("edge_past_population", edges={"target_node_id": np.array([0, 1, 4], dtype="i8")})
write("length_mismatch", edges={"edge_type_id": np.zeros(2, dtype="i4")})
write("group_index_past_group", nodes={"cells": {"node_group_index": np.array([0, 1, 2, 7], dtype="i4")}})
write("type_not_in_csv", nodes={"cells": {"node_type_id": np.array([1, 1, 5, 1], dtype="i4")}})
write("no_node_population", attrs=False)
write("unknown_template", node_types="node_type_id model_type model_template dynamics_params\n"
                                     "1 point_neuron pynn:IF_curr_foo cells.json\n2 virtual NONE NONE\n")
write("unknown_nest_model", node_types="node_type_id model_type model_template dynamics_params\n"
                                       "1 point_neuron nest:hh_psc_alpha cells.json\n2 virtual NONE NONE\n")
write("biophysical", node_types="node_type_id model_type model_template dynamics_params\n"
                                "1 biophysical ctdb:Biophys1.hoc cells.json\n2 virtual NONE NONE\n")
write("unknown_parameter", params={"v_thresh": -52.0, "tau_mem": 10.0})
write("plastic_synapse", edge_types="edge_type_id model_template receptor_type\n0 nest:stdp_synapse excitatory\n")
