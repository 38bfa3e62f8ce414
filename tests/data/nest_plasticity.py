"""Generate NEST 3.10 reference data for the plastic synapses of pynn-rs.

Usage (from the repository root)::

    .venv/bin/python tests/data/nest_plasticity.py   # rewrites tests/data/plasticity/*.json

Each scenario is described in PyNN terms (units: ms, mV, nA, uS) and built
in PyNEST the way PyNN 0.13's NEST backend builds it (see
tests/data/nest_reference.py for cells, sources and recording):

* pre-synaptic SpikeSourceArray: spike_generator (times - min_delay,
  on-grid generator) -> parrot_neuron (delay min_delay), so the parrots
  spike exactly at the given times;
  the plastic synapses start at the parrots.
* a "driver" SpikeSourceArray per post-synaptic cell, one-to-one through a
  strong static synapse, makes the post-synaptic cells fire at chosen times
  (the pairing protocol).
* TsodyksMarkramSynapse -> tsodyks_synapse (U, tau_rec, tau_facil->tau_fac,
  weight*1000, tau_psc = the post cell's tau_syn_E/tau_syn_I, u; x, y).
* STDPMechanism(SpikePairRule, <weight dependence>) -> stdp_synapse with
  lambda = A_plus, alpha = A_minus / A_plus, Wmax = w_max*1000, weight*1000,
  mu_plus/mu_minus = (0, 0) additive, (1, 1) multiplicative, (0, 1)
  additive potentiation / multiplicative depression, and the Gutig
  dependence's own mu_plus/mu_minus (PyNN 0.13 itself does not pass them:
  pynn-rs honours them); tau_minus set on the post-synaptic cells.
* STDPMechanism(Vogels2011Rule, AdditiveWeightDependence) ->
  vogels_sprekeler_synapse with tau, eta*1000, alpha = 2*rho*tau/1000,
  Wmax = w_max*1000; tau_minus of the post cells = tau.
* inhibitory synapses: NEST weights (and Wmax) negative, as PyNN's NEST
  backend does for conductance-based inhibitory synapses; current-based
  inhibitory PyNN weights are already negative.

The first Simulate() runs t_stop + min_delay (as PyNN's first run), so every
pre-synaptic spike up to t_stop has been delivered when the weights are
read; the membrane trace is cut at t_stop and starts with the initial value.
Results: final weights (PyNN units, list order = the scenario's
`connections`), Tsodyks-Markram state u, x, y, post-synaptic spike times,
v traces, and for Tsodyks-Markram scenarios the PSP amplitude of each
pre-synaptic spike (peak of v between its arrival and the next arrival,
minus v at its arrival).
"""

import json
import os
import sys

import numpy as np
import nest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nest_reference import NEST_MODEL, cell, translate_cell  # noqa: E402

OUT_DIR = os.path.join(HERE, "plasticity")
GENERATOR = "tests/data/nest_plasticity.py"
DT, MIN_DELAY, MAX_DELAY = 0.1, 0.1, 10.0
CONDUCTANCE = {"IF_cond_exp"}


def grid(times):
    return [float("%.12g" % (round(t / DT) * DT)) for t in times]


def irregular(seed, mean_isi, t0, t1):
    rng = np.random.default_rng(seed)
    t, out = t0, []
    while True:
        t += 2.0 + rng.exponential(mean_isi)
        if t >= t1:
            return grid(out)
        out.append(t)


def pairing(t0, period, offsets, t1):
    """Pre spikes every `period` from t0; driver spikes at pre + offset."""
    pre, drv = [], []
    k = 0
    while t0 + k * period < t1:
        t = t0 + k * period
        pre.append(t)
        drv.append(t + offsets[k % len(offsets)])
        k += 1
    return grid(pre), grid([d for d in drv if 0.5 < d < t1])


def stdp_scenario(name, cell_type, wdep, wdep_params, weight, w_max, driver_weight, description, a_minus=0.06):
    t_stop = 1500.0
    pre0 = grid(np.arange(5.0, t_stop - 5.0, 40.0))
    pre1 = irregular(7, 35.0, 0.0, t_stop - 5.0)
    pre2, drv0 = pairing(50.0, 60.0, [-25.0, -8.0, -2.0, 3.0, 9.0, 24.0, 0.0], t_stop - 5.0)
    drv1 = irregular(11, 45.0, 0.0, t_stop - 5.0)
    delays = [1.0, 1.5, 2.0, 0.1, 3.0, 1.2]
    conns = []
    for i in range(3):
        for j in range(2):
            conns.append({"pre": i, "post": j, "weight": weight * (0.6 + 0.15 * len(conns)),
                          "delay": delays[len(conns)]})
    return {
        "scenario": name, "description": description,
        "dt": DT, "min_delay": MIN_DELAY, "max_delay": MAX_DELAY, "t_stop": t_stop,
        "cell_type": cell_type, "cell": cell(cell_type), "n_post": 2,
        "pre_spikes": [pre0, pre1, pre2], "driver_spikes": [drv0, drv1],
        "driver_weight": driver_weight, "driver_delay": 0.5,
        "receptor": "excitatory",
        "synapse": {"type": "STDPMechanism", "timing_dependence": "SpikePairRule",
                    "timing_parameters": {"tau_plus": 16.8, "tau_minus": 33.7, "A_plus": 0.05, "A_minus": a_minus},
                    "weight_dependence": wdep,
                    "weight_parameters": dict({"w_min": 0.0, "w_max": w_max}, **wdep_params)},
        "connections": conns,
    }


def vogels_scenario(name, cell_type, weight, w_max, eta, driver_weight, description):
    sc = stdp_scenario(name, cell_type, "AdditiveWeightDependence", {}, weight, w_max, driver_weight, description)
    sc["receptor"] = "inhibitory"
    sc["synapse"] = {"type": "STDPMechanism", "timing_dependence": "Vogels2011Rule",
                     "timing_parameters": {"tau": 20.0, "eta": eta, "rho": 10.0},
                     "weight_dependence": "AdditiveWeightDependence",
                     "weight_parameters": {"w_min": 0.0, "w_max": w_max}}
    return sc


def tm_scenario(name, cell_type, weight, description):
    # One pre-synaptic cell, a regular 20 Hz train then a recovery spike
    # (the protocol of PyNN's examples/tsodyksmarkram.py), onto three cells
    # with depressing, facilitating and mixed synapses.
    train = grid(list(np.arange(10.0, 510.0, 50.0)) + [1010.0])
    conns = [
        {"pre": 0, "post": 0, "weight": weight, "delay": 1.0,
         "U": 0.5, "tau_rec": 800.0, "tau_facil": 0.0, "u": 0.0, "x": 1.0, "y": 0.0},
        {"pre": 0, "post": 1, "weight": weight, "delay": 1.0,
         "U": 0.04, "tau_rec": 100.0, "tau_facil": 1000.0, "u": 0.0, "x": 1.0, "y": 0.0},
        {"pre": 0, "post": 2, "weight": weight, "delay": 2.5,
         "U": 0.2, "tau_rec": 300.0, "tau_facil": 200.0, "u": 0.1, "x": 0.9, "y": 0.05},
    ]
    return {
        "scenario": name, "description": description,
        "dt": DT, "min_delay": MIN_DELAY, "max_delay": MAX_DELAY, "t_stop": 1200.0,
        "cell_type": cell_type, "cell": cell(cell_type), "n_post": 3,
        "pre_spikes": [train], "driver_spikes": [], "driver_weight": 0.0, "driver_delay": 0.5,
        "receptor": "excitatory",
        "synapse": {"type": "TsodyksMarkramSynapse"},
        "connections": conns,
    }


def all_scenarios():
    return [
        stdp_scenario("stdp_additive", "IF_curr_exp", "AdditiveWeightDependence", {}, 0.4, 1.0, 12.0,
                      "SpikePairRule + AdditiveWeightDependence on IF_curr_exp", a_minus=0.035),
        stdp_scenario("stdp_multiplicative", "IF_curr_exp", "MultiplicativeWeightDependence", {}, 0.4, 1.0, 12.0,
                      "SpikePairRule + MultiplicativeWeightDependence on IF_curr_exp"),
        stdp_scenario("stdp_add_pot_mult_dep", "IF_curr_exp", "AdditivePotentiationMultiplicativeDepression", {},
                      0.4, 1.0, 12.0, "SpikePairRule + AdditivePotentiationMultiplicativeDepression on IF_curr_exp"),
        stdp_scenario("stdp_gutig", "IF_curr_exp", "GutigWeightDependence", {"mu_plus": 0.3, "mu_minus": 0.7},
                      0.4, 1.0, 12.0, "SpikePairRule + GutigWeightDependence(mu_plus=0.3, mu_minus=0.7) on IF_curr_exp"),
        stdp_scenario("stdp_additive_cond", "IF_cond_exp", "AdditiveWeightDependence", {}, 0.004, 0.01, 0.3,
                      "SpikePairRule + AdditiveWeightDependence on IF_cond_exp", a_minus=0.035),
        vogels_scenario("vogels_cond", "IF_cond_exp", 0.004, 0.02, 0.0001, 0.3,
                        "Vogels2011Rule on inhibitory IF_cond_exp synapses"),
        vogels_scenario("vogels_curr", "IF_curr_exp", -0.2, 1.0, 0.004, 12.0,
                        "Vogels2011Rule on inhibitory IF_curr_exp synapses (negative weights)"),
        tm_scenario("tsodyks_markram_curr", "IF_curr_exp", 3.0,
                    "TsodyksMarkramSynapse (depressing, facilitating, mixed) on IF_curr_exp"),
        tm_scenario("tsodyks_markram_cond", "IF_cond_exp", 0.05,
                    "TsodyksMarkramSynapse (depressing, facilitating, mixed) on IF_cond_exp"),
    ]


def nest_weight(w, sc):
    if sc["cell_type"] in CONDUCTANCE and sc["receptor"] == "inhibitory":
        return -w * 1000.0
    return w * 1000.0


def run_nest(sc):
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.QUIET
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": 1, "rng_seed": 42})
    nest.SetKernelStatus({"min_delay": MIN_DELAY, "max_delay": MAX_DELAY})
    # On-grid spike generators: times are read on the 1 us tic grid, so
    # t - min_delay lands exactly on its step (with precise_times=True a
    # time like 1036.9 - 0.1 = 1036.8000000000002 would make the parrot
    # fire one step late).
    nest.SetDefaults("spike_generator", {"precise_times": False})
    T = sc["cell_type"]
    syn = sc["synapse"]
    n_pre = len(sc["pre_spikes"])

    gens = nest.Create("spike_generator", n_pre)
    for g, times in zip(gens, sc["pre_spikes"]):
        g.set({"spike_times": np.array(times, dtype=float) - MIN_DELAY})
    parrots = nest.Create("parrot_neuron", n_pre)
    posts = nest.Create(NEST_MODEL[T], sc["n_post"])
    posts.set(translate_cell(sc["cell"], T))
    posts.set({"V_m": sc["cell"]["v_rest"]})
    if syn["type"] == "STDPMechanism":
        tp = syn["timing_parameters"]
        posts.set({"tau_minus": tp["tau_minus"] if "tau_minus" in tp else tp["tau"]})

    if sc["driver_spikes"]:
        dgens = nest.Create("spike_generator", len(sc["driver_spikes"]))
        for g, times in zip(dgens, sc["driver_spikes"]):
            g.set({"spike_times": np.array(times, dtype=float) - MIN_DELAY})
        dpar = nest.Create("parrot_neuron", len(sc["driver_spikes"]))
        nest.Connect(dpar, posts, "one_to_one",
                     syn_spec={"synapse_model": "static_synapse",
                               "weight": sc["driver_weight"] * 1000.0, "delay": sc["driver_delay"]})

    for c in sc["conns_nest"] if "conns_nest" in sc else sc["connections"]:
        spec = {"delay": c["delay"], "weight": nest_weight(c["weight"], sc)}
        if syn["type"] == "TsodyksMarkramSynapse":
            tau = sc["cell"]["tau_syn_I" if sc["receptor"] == "inhibitory" else "tau_syn_E"]
            spec.update(synapse_model="tsodyks_synapse", U=c["U"], tau_rec=c["tau_rec"], tau_fac=c["tau_facil"],
                        tau_psc=tau, u=c["u"], x=c["x"], y=c["y"])
        elif syn["timing_dependence"] == "SpikePairRule":
            tp, wp = syn["timing_parameters"], syn["weight_parameters"]
            mu = {"AdditiveWeightDependence": (0.0, 0.0), "MultiplicativeWeightDependence": (1.0, 1.0),
                  "AdditivePotentiationMultiplicativeDepression": (0.0, 1.0),
                  "GutigWeightDependence": (wp.get("mu_plus"), wp.get("mu_minus"))}[syn["weight_dependence"]]
            spec.update(synapse_model="stdp_synapse", tau_plus=tp["tau_plus"], **{"lambda": tp["A_plus"]},
                        alpha=tp["A_minus"] / tp["A_plus"], mu_plus=mu[0], mu_minus=mu[1],
                        Wmax=nest_weight(wp["w_max"], sc) if sc["receptor"] != "inhibitory" else -wp["w_max"] * 1000.0)
        else:
            tp, wp = syn["timing_parameters"], syn["weight_parameters"]
            spec.update(synapse_model="vogels_sprekeler_synapse", tau=tp["tau"], eta=tp["eta"] * 1000.0,
                        alpha=2.0 * tp["rho"] * tp["tau"] / 1000.0, Wmax=-wp["w_max"] * 1000.0)
        nest.Connect(parrots[c["pre"]], posts[c["post"]], syn_spec=spec)

    mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, posts, "all_to_all", syn_spec={"delay": MIN_DELAY})
    nest.Connect(posts, sr, "all_to_all", syn_spec={"delay": MIN_DELAY})
    nest.Connect(gens, parrots, "one_to_one", syn_spec={"delay": MIN_DELAY})
    if sc["driver_spikes"]:
        nest.Connect(dgens, dpar, "one_to_one", syn_spec={"delay": MIN_DELAY})

    t_stop = sc["t_stop"]
    nest.Simulate(t_stop + MIN_DELAY)

    # Final synaptic state, in the scenario's list order.
    result = {}
    names = ["weight"] + (["u", "x", "y"] if syn["type"] == "TsodyksMarkramSynapse" else [])
    values = {n: [] for n in names}
    pre_ids, post_ids = parrots.tolist(), posts.tolist()
    for c in sc["connections"]:
        con = nest.GetConnections(source=nest.NodeCollection([pre_ids[c["pre"]]]),
                                  target=nest.NodeCollection([post_ids[c["post"]]]))
        assert len(con) == 1
        st = con.get(names)
        for n in names:
            v = st[n]
            if n == "weight":
                v = v / 1000.0
                if sc["cell_type"] in CONDUCTANCE and sc["receptor"] == "inhibitory":
                    v = -v
            values[n].append(float(v))
    result.update(values)

    n_stop = int(round(t_stop / DT))
    ev = mm.get("events")
    v = []
    for gid in post_ids:
        m = ev["senders"] == gid
        steps = np.rint(ev["times"][m] / DT).astype(int)
        vals = ev["V_m"][m][np.argsort(steps, kind="stable")]
        steps = np.sort(steps)
        keep = steps <= n_stop
        assert np.array_equal(steps[keep], np.arange(1, n_stop + 1)), "unexpected sampling"
        v.append([float(sc["cell"]["v_rest"])] + [float(x) for x in vals[keep]])
    result["v"] = v
    sev = sr.get("events")
    result["post_spikes"] = []
    for gid in post_ids:
        steps = np.rint(np.sort(sev["times"][sev["senders"] == gid]) / DT).astype(int)
        result["post_spikes"].append([float("%.12g" % (s * DT)) for s in steps if s <= n_stop])
    if syn["type"] == "TsodyksMarkramSynapse":
        result["psp_amplitudes"] = [psp_amplitudes(v[c["post"]], sc["pre_spikes"][c["pre"]], c["delay"], t_stop)
                                    for c in sc["connections"]]
    return result


def psp_amplitudes(v, spikes, delay, t_stop):
    """Peak of v between an arrival and the next, minus v at the arrival."""
    arrivals = [int(round((t + delay) / DT)) for t in spikes]
    ends = arrivals[1:] + [int(round(t_stop / DT)) + 1]
    return [float(max(v[a:e]) - v[a]) for a, e in zip(arrivals, ends)]


def dumps(doc):
    parts = []
    for k, val in doc.items():
        if k == "result":
            inner = []
            for rk, rv in val.items():
                if rk == "v":
                    s = "[\n" + ",\n".join("      " + json.dumps(x) for x in rv) + "\n    ]"
                else:
                    s = json.dumps(rv)
                inner.append("    %s: %s" % (json.dumps(rk), s))
            s = "{\n" + ",\n".join(inner) + "\n  }"
        elif k == "connections":
            s = "[\n" + ",\n".join("    " + json.dumps(x) for x in val) + "\n  ]"
        else:
            s = json.dumps(val)
        parts.append("  %s: %s" % (json.dumps(k), s))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for sc in all_scenarios():
        sc["result"] = run_nest(sc)
        doc = dict(generator=GENERATOR, nest_version=nest.__version__, **sc)
        path = os.path.join(OUT_DIR, sc["scenario"] + ".json")
        with open(path, "w") as f:
            f.write(dumps(doc))
        w0 = [c["weight"] for c in sc["connections"]]
        print("%-26s post spikes %s, weights %s -> %s" % (
            sc["scenario"], [len(s) for s in sc["result"]["post_spikes"]],
            ", ".join("%.4g->%.4g" % (a, b) for a, b in zip(w0, sc["result"]["weight"])), os.path.relpath(path)))


if __name__ == "__main__":
    main()
