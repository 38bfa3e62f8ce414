"""pynn-rs NEST driver: builds and runs a network in PyNEST on behalf of the
Rust `Nest` backend (pynn-backends/src/nest/mod.rs).

The protocol, the command loop and the error answers are the shared core's
(pynn-backends/src/external/driver_core.py, written next to this file): each
`cmd_NAME` method of `Driver` answers the command "NAME".

Names and units arrive already translated to NEST's (the translation table
is pynn-backends/src/nest/translate.rs); this driver knows only PyNEST and
the timing conventions of PyNN's NEST backend:

* every device (spike generator -> parrot, current generators,
  recorders) is connected with delay min_delay, and the times of generators
  are shifted by -min_delay (clipped at 0), as PyNN 0.13 does; the part
  of a current source a generator cannot deliver in time (the steps up to
  min_delay after the kernel's time when the source is made or changed)
  goes through the targets' I_e instead (cmd_early_current);
* NEST hands recorded events over one min_delay slice late, so before data
  are read the kernel is advanced past the slice holding the requested time
  ("look-ahead"); events after the requested time are kept for later;
* times are integer steps on the Rust side; spike times and samples go back
  as steps (np.rint(t / dt));
* a spike source's spike at step s leaves its parrot only if the generator
  can still fire at s - min_delay; the spikes it cannot (s <= min_delay when
  the network is made, or within min_delay after new trains are sent
  between runs) go instead through "direct" spike_generators (times
  unshifted), one per source cell, connected straight to the targets of
  every static projection of that source with the same weights, delays and
  receptors (arrival s + d: the same step), made the first time a source
  needs them; they are added to the source's spike recorders by hand.
  Plastic projections cannot take them (an error naming the source).
* spike_precision "off_grid": SpikeSourceArray populations (create's
  params carry "precise": true) use spike_generators with
  precise_times = True and parrot_neuron_ps, and each spike step comes
  with its offset (params "spike_offsets", ms before the end of the step,
  NEST's convention), so a time between grid points reaches the targets
  exactly at that time plus the delay.  Random sources stay on the grid
  (plain generators and parrots), as on the native engine.
"""

from driver_core import DriverCore, DriverError, concat, import_error  # noqa: F401

try:
    import numpy as np
    import nest
    IMPORT_ERROR = None
except Exception as e:  # reported by the "hello" command
    IMPORT_ERROR = import_error(e)


def per_node(params, n):
    """{name: [value per node]} as one dict per node, so that list-valued
    parameters (GIF's tau_stc, multisynapse E_rev) are never mistaken for
    per-node values when a population has one cell."""
    return [{k: v[i] for k, v in params.items()} for i in range(n)]


class Recorder:
    """A spike_recorder or multimeter of one population (one variable)."""

    def __init__(self, kind, var, cells, gids, device, created):
        self.kind = kind          # "spikes" or "signal"
        self.var = var            # NEST variable name (signals)
        self.cells = np.asarray(cells, dtype=np.int64)
        self.gids = np.asarray(gids, dtype=np.int64)   # sorted, aligned with cells
        self.device = device
        self.created = created    # kernel step at creation (events are later)
        self.until = None         # last step kept once retired
        self.buf_steps = np.zeros(0, dtype=np.int64)
        self.buf_gids = np.zeros(0, dtype=np.int64)
        self.buf_vals = np.zeros(0, dtype=float)
        self.buf_offs = np.zeros(0, dtype=float)  # spikes: offsets (ms), parallel to buf_steps


class Driver(DriverCore):
    SIMULATOR = "NEST"
    IMPORT_ERROR = IMPORT_ERROR

    def __init__(self):
        super().__init__()
        self.clear()

    def clear(self):
        self.pops = {}        # pop -> dict(kind, gids, gens, n, offset, direct, direct_active, ...)
        self.all_gids = np.zeros(0, dtype=np.int64) if IMPORT_ERROR is None else None
        # per global cell: the gid of its direct spike_generator (0: none)
        self.direct_gids = np.zeros(0, dtype=np.int64) if IMPORT_ERROR is None else None
        self.projs = {}
        self.currents = {}
        # early currents (pA) per gid: {step: extra I_e}, the user's I_e of
        # those gids, and the extra currently applied (cmd_early_current)
        self.early = {}
        self.early_base = {}
        self.early_now = {}
        self.recorders = {}   # pop -> [Recorder]
        self.kernel_step = 0
        self.core_step = 0

    # -- helpers ---------------------------------------------------------
    def shift(self, t_ms):
        """PyNN's delay correction of device times (clipped at 0)."""
        t = float(t_ms) - self.min_delay
        return t if t > 0 else 0.0

    def simulate_to(self, step):
        while step > self.kernel_step:
            k = self.kernel_step
            if self.early:
                # step by step while early currents remain (min_delay + 1 steps)
                self.apply_early(k)
                upto = k + 1 if self.early else step
            else:
                upto = step
            nest.Simulate((upto - k) * self.dt)
            self.kernel_step = upto
        if self.early:
            self.apply_early(self.kernel_step)

    def apply_early(self, k):
        """Sets I_e = the user's I_e + the early current of step k on every
        gid with early currents; forgets the steps before k and restores the
        user's I_e of the gids that have none left."""
        for gid in list(self.early):
            e = self.early[gid]
            for s in [s for s in e if s < k]:
                del e[s]
            extra = e.get(k, 0.0)
            if extra != self.early_now.get(gid, 0.0):
                nest.NodeCollection([gid]).set({"I_e": self.early_base[gid] + extra})
                self.early_now[gid] = extra
            if extra == 0.0:
                self.early_now.pop(gid, None)
            if not e:
                del self.early[gid]
                del self.early_base[gid]

    def cmd_early_current(self, c):
        """A current source's change that its generator cannot deliver in time
        (pynn-backends/src/nest/mod.rs, send_early_current): values (pA) per
        step from c["from"]; those of the steps from the kernel's time up to
        min_delay after it are added to the targets' I_e, which acts in the
        step itself, without delay."""
        k0 = int(c["from"])
        lo, hi = self.kernel_step, self.kernel_step + self.md_steps
        for g in c["groups"]:
            gids = [int(x) for x in self.all_gids[[int(t) for t in g["targets"]]]]
            for i, v in enumerate(g["values"]):
                k = k0 + i
                if v == 0.0 or k < lo or k > hi:
                    continue
                for gid in gids:
                    if gid not in self.early_base:
                        node = nest.NodeCollection([gid])
                        try:
                            self.early_base[gid] = float(node.get("I_e"))
                        except Exception:
                            raise DriverError(
                                "%s has no I_e: a current source cannot reach it within min_delay + dt "
                                "(%g ms) of the current time on NEST; start the source later"
                                % (node.get("model"), (self.md_steps + 1) * self.dt))
                        self.early[gid] = {}
                    e = self.early[gid]
                    e[k] = e.get(k, 0.0) + float(v)
        return {}

    # -- commands --------------------------------------------------------
    def hello(self):
        # have_mpi: whether this NEST was built with MPI (the PyPI wheel is
        # serial), for the Rust side's choice of a launcher.
        return {"nest_version": nest.__version__, "have_mpi": bool(nest.build_info.get("have_mpi", False))}

    def cmd_setup(self, c):
        self.clear()
        self.off_grid = False
        self.dt = float(c["dt"])
        self.min_delay = float(c["min_delay"])
        self.md_steps = int(c["min_delay_steps"])
        nest.ResetKernel()
        nest.verbosity = nest.VerbosityLevel.ERROR
        nest.SetKernelStatus({"resolution": self.dt, "local_num_threads": int(c["threads"]),
                              "rng_seed": int(c["seed"])})
        nest.SetKernelStatus({"min_delay": self.min_delay, "max_delay": float(c["max_delay"])})
        ks = nest.GetKernelStatus()
        self.tics_per_step = int(ks["tics_per_step"])
        self.tics_per_ms = float(ks["tics_per_ms"])
        return {}

    def grid_ms(self, k):
        """The time of step k in ms as NEST's Time::fromstamp computes the
        end of a step (nestkernel/nest_time.cpp: n * TICS_PER_STEP_INV *
        MS_PER_STEP), so that a precise spike_generator maps a time on the
        grid to exactly that step, offset 0."""
        n = float(int(k) * self.tics_per_step)
        return (n * (1.0 / float(self.tics_per_step))) * (self.tics_per_step / self.tics_per_ms)

    def generator_times(self, p, pairs, shift):
        """Spike times (ms) for a generator of source `p`: (step, offset)
        pairs, moved `shift` steps earlier (min_delay for the parrots'
        generators, 0 for the direct ones)."""
        if p.get("precise"):
            return [self.grid_ms(s - shift) - o for s, o in pairs]
        return [(s - shift) * self.dt for s, _ in pairs]

    def spike_generator_times(self, steps, offsets, scheduled, end=None):
        """Spike steps of one cell (with their offsets, parallel) ->
        ((step, offset) pairs given to the parrot's generator,
        which fires them min_delay earlier; steps only the direct generator
        can still emit: s - min_delay <= now < s, except those the previous
        schedule `scheduled` already gave the parrot's generator, which has
        fired them).  With `end` (the run's last step; random sources
        without plastic projections), the spikes of (end, end + min_delay]
        go to the direct generator too: the parrot's generator would fire
        them before `end`, beyond recall if a `set` between runs changes the
        train.  Steps the kernel has passed are dropped (the Rust side sends
        whole trains, again at every run)."""
        out, direct = [], []
        done = {}
        for s, _ in scheduled:
            done[s] = done.get(s, 0) + 1
        for s, o in zip(steps, offsets):
            s, o = int(s), float(o)
            if s < 1:
                raise DriverError("a spike source cannot emit a spike at t = %g ms on NEST; the earliest "
                                  "spike time is dt = %g ms" % (s * self.dt, self.dt))
            boundary = end is not None and end < s <= end + self.md_steps
            if s - self.md_steps > self.kernel_step and not boundary:
                out.append((s, o))
            elif s > self.kernel_step:
                if done.get(s, 0) > 0:
                    done[s] -= 1
                else:
                    direct.append((s, o))
        return out, direct

    def cmd_model_info(self, c):
        """A NEST model used by name (NestCell::NEST_MODEL): NEST's own
        errors for an unknown model, parameter or state name or a bad value
        (checked on a copy of the model, so no node is created); its
        receptor_types and recordables."""
        model = c["model"]
        d = nest.GetDefaults(model)
        element = d.get("element_type")
        if element not in ("neuron", "stimulator"):
            raise DriverError("`%s` is a NEST %s; neuron models and spike-emitting devices can be used by name"
                              % (model, element))
        self.counter += 1
        tmp = "pynn_check_%d_%s" % (self.counter, model)
        nest.CopyModel(model, tmp)
        if c["params"]:
            nest.SetDefaults(tmp, c["params"])
        if element == "stimulator":
            # It must drive a parrot (NEST refuses current generators).  The
            # test nodes are harmless: the build starts from ResetKernel, and
            # nodes added later are never connected.
            try:
                nest.Connect(nest.Create(tmp), nest.Create("parrot_neuron"), syn_spec={"delay": self.min_delay
                             if hasattr(self, "min_delay") else 1.0})
            except Exception as e:
                raise DriverError("`%s` cannot drive a parrot_neuron, so it cannot be a population of spike "
                                  "sources: %s" % (model, e))
        return {"receptor_types": {str(k): int(v) for k, v in (d.get("receptor_types") or {}).items()},
                "recordables": [str(r) for r in d.get("recordables", [])], "element_type": element}

    def cmd_create(self, c):
        pop, n, kind = int(c["pop"]), int(c["n"]), c["kind"]
        gens = None
        direct = np.zeros(n, dtype=np.int64)
        offset = int(c["offset"])
        if offset != len(self.all_gids):
            raise DriverError("populations must be created in order")
        if kind == "neuron":
            if c["model"].endswith("_ps"):
                # spike_precision "off_grid": precise models, spikes with
                # offsets. NEST 3.10 sets its (read-only) kernel flag
                # `off_grid_spiking` itself when such a node is created.
                self.off_grid = True
            nodes = nest.Create(c["model"], n)
            if c["params"]:
                nodes.set(per_node(c["params"], n))
            if c["state"]:
                nodes.set(c["state"])
            self.pops[pop] = {"kind": kind, "nodes": nodes, "n": n, "offset": offset}
        elif kind == "stimulator":
            # A NEST device by name -> parrots (PyNN's native_cell_type).
            gens = nest.Create(c["model"], n)
            if c["params"]:
                gens.set(per_node(c["params"], n))
            nodes = nest.Create("parrot_neuron", n)
            nest.Connect(gens, nodes, "one_to_one", syn_spec={"delay": self.min_delay})
            self.pops[pop] = {"kind": kind, "gens": gens, "nodes": nodes, "n": n, "offset": offset}
        else:
            precise = bool((c.get("params") or {}).get("precise"))
            gen_params = {"precise_times": True} if precise else None
            if precise:
                # spike_precision "off_grid" (see the header); the recorded
                # times of the parrots carry offsets.
                self.off_grid = True
            gens = nest.Create(c["model"], n, params=gen_params)
            nodes = nest.Create("parrot_neuron_ps" if precise else "parrot_neuron", n)
            dgens = nest.Create("spike_generator", n, params=gen_params)
            direct = np.asarray(dgens.tolist(), dtype=np.int64)
            self.pops[pop] = {"kind": kind, "gens": gens, "nodes": nodes, "n": n, "offset": offset,
                              "direct": dgens, "direct_active": False, "precise": precise,
                              "gids": np.asarray(nodes.tolist(), dtype=np.int64)}
            self.recorders.setdefault(pop, [])
            self.set_source_params(pop, c)
            nest.Connect(gens, nodes, "one_to_one", syn_spec={"delay": self.min_delay})
        gids = np.asarray(nodes.tolist(), dtype=np.int64)
        self.pops[pop].update({"kind": kind, "gens": gens, "nodes": nodes, "gids": gids, "n": n,
                               "model": c["model"]})
        self.all_gids = np.concatenate([self.all_gids, gids])
        self.direct_gids = np.concatenate([self.direct_gids, direct])
        self.recorders.setdefault(pop, [])
        return {}

    def set_source_params(self, pop, c):
        p = self.pops[pop]
        if p["kind"] != "array":
            return
        prev = p.get("parrot_sched") or [[] for _ in c["spike_steps"]]
        end = c.get("run_end")
        if end is not None and self.has_plastic_out(pop):
            end = None  # plastic synapses take parrot spikes only
        offsets = (c.get("params") or {}).get("spike_offsets")
        parrot, direct = [], []
        for cell, steps in enumerate(c["spike_steps"]):
            offs = offsets[cell] if offsets is not None else [0.0] * len(steps)
            t, d = self.spike_generator_times(steps, offs, prev[cell] if cell < len(prev) else [], end)
            parrot.append(t)
            direct.append(d)
        p["parrot_sched"] = parrot
        md = self.md_steps
        p["gens"].set([{"spike_times": self.generator_times(p, t, md)} for t in parrot])
        # Direct spikes of the previous schedule not yet emitted are replaced
        # by the new ones (in the generators and in the recorders' buffers).
        old = [(cell, s, o) for cell, s, o in p.get("direct_pending", []) if s > self.kernel_step]
        if not any(direct) and not old:
            return
        p["direct"].set([{"spike_times": self.generator_times(p, d, 0)} for d in direct])
        events = [(cell, s, o) for cell, d in enumerate(direct) for s, o in d]
        p["direct_pending"] = events
        if events and not p["direct_active"]:
            p["direct_active"] = True
            for proj in sorted(self.projs):
                self.connect_direct(proj, pop)
        # They never pass the parrots: handed to the spike recorders (those
        # made later, at kernel 0, take them from "pending").
        p["pending"] = events if self.kernel_step == 0 else []
        for r in self.recorders.get(pop, []):
            if r.kind == "spikes" and r.until is None:
                self.remove_direct_events(r, p, old)
                self.add_direct_events(r, p, events)

    def has_plastic_out(self, pop):
        p = self.pops[pop]
        lo, hi = p["offset"], p["offset"] + p["n"]
        return any(pr["plastic"] and ((pr["pre_idx"] >= lo) & (pr["pre_idx"] < hi)).any()
                   for pr in self.projs.values())

    def remove_direct_events(self, r, p, events):
        """Takes one buffered event per (cell, step, offset) of `events` out
        of `r`."""
        for cell, s, o in events:
            hit = np.nonzero((r.buf_steps == s) & (r.buf_gids == p["gids"][cell]) & (r.buf_offs == o))[0]
            if len(hit):
                keep = np.ones(len(r.buf_steps), dtype=bool)
                keep[hit[0]] = False
                r.buf_steps, r.buf_gids, r.buf_vals = r.buf_steps[keep], r.buf_gids[keep], r.buf_vals[keep]
                r.buf_offs = r.buf_offs[keep]

    def add_direct_events(self, r, p, events):
        cells = set(r.cells.tolist())
        ev = [(cell, s, o) for cell, s, o in events if cell in cells]
        if ev:
            r.buf_steps = np.concatenate([r.buf_steps, np.asarray([s for _, s, _ in ev], dtype=np.int64)])
            r.buf_gids = np.concatenate([r.buf_gids, np.asarray([p["gids"][cell] for cell, _, _ in ev],
                                                                dtype=np.int64)])
            r.buf_vals = np.concatenate([r.buf_vals, np.zeros(len(ev))])
            r.buf_offs = np.concatenate([r.buf_offs, np.asarray([o for _, _, o in ev], dtype=float)])

    def connect_direct(self, proj, pop):
        """Projection `proj`'s connections from source `pop`, made again
        from its direct generators (see the header)."""
        pr = self.projs[proj]
        p = self.pops[pop]
        if pop in pr["direct"] or not len(pr["pre"]):
            return
        lo, hi = p["offset"], p["offset"] + p["n"]
        m = (pr["pre_idx"] >= lo) & (pr["pre_idx"] < hi)
        if not m.any():
            return
        if pr["plastic"]:
            raise DriverError(
                "projection %d: spike source population %d emits spikes NEST cannot send through its parrots "
                "(at or before min_delay = %g ms, or within min_delay after new trains between runs); they can "
                "reach static synapses only, not %s. Start the source after min_delay and change it only "
                "more than min_delay ahead" % (proj, pop, self.min_delay, pr["plastic"]))
        # NEST: every outgoing connection of a device has the same synapse
        # type, so all direct connections are plain static_synapse ones.
        pre = self.direct_gids[pr["pre_idx"][m]]
        spec = {"synapse_model": "static_synapse", "weight": pr["weight"][m], "delay": pr["delay"][m]}
        if pr["receptor_type"] is not None:
            spec["receptor_type"] = pr["receptor_type"]
        nest.Connect(pre, pr["post"][m], "one_to_one", spec)
        pr["direct"][pop] = {"mask": m, "pre": pre, "post": pr["post"][m]}

    def set_direct(self, pr, name, values):
        """A weight or delay change of a projection applied to its direct
        copies.  The direct connections of a source are told apart by value
        (source, target, delay step, weight): two connections equal in all
        four are interchangeable, so matching by value is exact."""
        for pop, d in pr["direct"].items():
            m = d["mask"]
            conns = nest.GetConnections(source=self.pops[pop]["direct"])
            st = conns.get(["source", "target", "delay", "weight"])
            src, tgt = np.atleast_1d(st["source"]), np.atleast_1d(st["target"])
            dl = np.rint(np.atleast_1d(st["delay"]) / self.dt).astype(np.int64)
            wt = np.atleast_1d(st["weight"]).astype(float)
            free = {}
            for i, key in enumerate(zip(src.tolist(), tgt.tolist(), dl.tolist(), wt.tolist())):
                free.setdefault(key, []).append(i)
            old_d = np.rint(pr["delay"][m] / self.dt).astype(np.int64)
            new = (wt if name == "weight" else np.atleast_1d(st["delay"]).astype(float)).copy()
            for k, key in enumerate(zip(d["pre"].tolist(), d["post"].tolist(), old_d.tolist(),
                                        pr["weight"][m].tolist())):
                new[free[key].pop()] = values[m][k]
            conns.set({name: new.tolist()})

    def change_nodes(self, pop, nodes, kind, values, rows):
        """Sets `rows` (one dict per node) of the nodes of population `pop`,
        all or nothing: NEST checks and sets node by node, so a value it
        refuses for one node would leave the earlier ones changed; their
        previous values are put back (`values`: the names set)."""
        names = list(values)
        if not names or not len(nodes):
            return
        what = "population %d (%s)" % (pop, self.pops[pop].get("model", "?"))
        self.check_names(what, kind, names, nodes[0].get().keys())

        def save():
            old = nodes.get(names)
            if len(nodes) == 1:
                old = {k: [v] for k, v in old.items()}
            before = per_node(old, len(nodes))
            return lambda: nodes.set(before)

        self.change_all_or_nothing(what, save, lambda: nodes.set(rows))

    def cmd_set_params(self, c):
        pop = int(c["pop"])
        p = self.pops[pop]
        if p["kind"] == "neuron":
            self.change_nodes(pop, p["nodes"], "parameter", c["params"], per_node(c["params"], p["n"]))
            # a new I_e of a cell with an early current: the new base
            for gid in [int(g) for g in p["nodes"].tolist() if int(g) in self.early_base]:
                node = nest.NodeCollection([gid])
                self.early_base[gid] = float(node.get("I_e"))
                extra = self.early_now.get(gid, 0.0)
                if extra != 0.0:
                    node.set({"I_e": self.early_base[gid] + extra})
        elif p["kind"] == "stimulator":
            self.change_nodes(pop, p["gens"], "parameter", c["params"], per_node(c["params"], p["n"]))
        else:
            self.set_source_params(pop, c)
        return {}

    def cmd_set_state(self, c):
        pop = int(c["pop"])
        p = self.pops[pop]
        cells = [int(i) for i in c["cells"]]
        nodes = p["nodes"][cells] if len(cells) != p["n"] or cells != list(range(p["n"])) else p["nodes"]
        self.change_nodes(pop, nodes, "state variable", c["state"], c["state"])
        return {}

    def cmd_connect(self, c):
        proj = int(c["proj"])
        pre_idx = np.load(c["pre"]).astype(np.int64)
        pre = self.all_gids[pre_idx]
        post = self.all_gids[np.load(c["post"]).astype(np.int64)]
        weight = np.load(c["weight"])
        plastic = c.get("synapse")
        if plastic and plastic["model"] == "gap_junction":
            # both directions of every junction, written out by the Rust side
            # (pynn-backends/src/nest/gap.rs); no delay
            if len(pre):
                nest.Connect(pre, post, "one_to_one", {"synapse_model": "gap_junction", "weight": weight})
            self.projs[proj] = {"gap": True, "pre": pre, "post": post, "weight": weight.copy(), "pre_idx": pre_idx,
                                "plastic": None, "direct": {}}
            return {}
        delay = np.load(c["delay"])
        model = ("pynn_plastic_%d" if plastic else "pynn_static_%d") % proj
        nest.CopyModel(plastic["model"] if plastic else "static_synapse", model)
        spec = {"synapse_model": model, "weight": weight, "delay": delay}
        if plastic:
            # Per-connection parameters, translated on the Rust side (translate.rs
            # has no plastic rows: see nest/mod.rs plastic_command).
            for name, values in plastic["params"].items():
                # quantal_stp_synapse's site counts `n`, `a` are integers in NEST.
                spec[name] = np.asarray(values, dtype=np.int64 if name in ("n", "a") else float)
            if plastic.get("tau_minus") is not None and len(post):
                # A property of the post-synaptic neuron in NEST (archiving node).
                nest.SetStatus(nest.NodeCollection(sorted(set(post.tolist()))),
                               {"tau_minus": float(plastic["tau_minus"])})
        if len(pre):
            if "receptor_type" in c:  # composed neurons: NEST port = receptor index + 1
                spec["receptor_type"] = int(c["receptor_type"])
            nest.Connect(pre, post, "one_to_one", spec)
        self.projs[proj] = {"model": model, "pre": pre, "post": post, "weight": weight.copy(),
                            "delay": delay.copy(), "conns": None, "perm": None, "pre_idx": pre_idx,
                            "receptor_type": int(c["receptor_type"]) if "receptor_type" in c else None,
                            "plastic": plastic["model"] if plastic else None, "direct": {}}
        for pop in sorted(self.pops):
            if self.pops[pop].get("direct_active"):
                self.connect_direct(proj, pop)
        if plastic and len(pre):
            # Fix the list order now, while the weights are the initial ones.
            self.projection_order(self.projs[proj])
        return {}

    def cmd_plastic_state(self, c):
        """Current values of plastic synapses, in list order, with every
        pre-synaptic spike up to the core's time delivered (look-ahead past
        the slice that holds it, as cmd_drain)."""
        md = self.md_steps
        if self.delivered_step() < self.core_step:
            self.simulate_to(((self.core_step + md - 1) // md) * md + 1)
        out = {}
        for proj in c["projs"]:
            pr = self.projs[int(proj)]
            names = c["names"][str(proj)]
            files = {}
            if len(pr["pre"]):
                conns, perm = self.projection_order(pr)
                st = conns.get(names)
                for n in names:
                    vals = np.asarray(st[n], dtype=float).reshape(-1)
                    files[n] = self.npy("state_%d_%s" % (int(proj), n), vals[perm])
            out[str(proj)] = files
        return {"state": out}

    def projection_order(self, pr):
        """The projection's NEST connections and, for list position i, the
        position in that collection (matching by source, target, then the
        current delay and weight, which both sides hold identically)."""
        if pr["conns"] is None:
            conns = nest.GetConnections(synapse_model=pr["model"])
            st = conns.get(["source", "target", "delay", "weight"])
            src, tgt = np.atleast_1d(st["source"]), np.atleast_1d(st["target"])
            dl, wt = np.atleast_1d(st["delay"]), np.atleast_1d(st["weight"])
            nest_order = np.lexsort((wt, np.rint(dl / self.dt), tgt, src))
            list_order = np.lexsort((pr["weight"], np.rint(pr["delay"] / self.dt), pr["post"], pr["pre"]))
            perm = np.empty(len(src), dtype=np.int64)
            perm[list_order] = nest_order
            pr["conns"], pr["perm"] = conns, perm
        return pr["conns"], pr["perm"]

    def cmd_set_synaptic(self, c):
        pr = self.projs[int(c["proj"])]
        name = c["name"]
        values = np.load(c["values"])
        if len(values) == 0:
            return {}
        if pr.get("gap"):
            if name == "weight":
                w = np.concatenate([values, values])  # both directions (nS, translated in Rust)
                for a, b, x in zip(pr["pre"], pr["post"], w):
                    nest.GetConnections(nest.NodeCollection([int(a)]), nest.NodeCollection([int(b)]),
                                        synapse_model="gap_junction").set(weight=float(x))
            return {}
        if pr.get("direct"):
            self.set_direct(pr, name, values)
        conns, perm = self.projection_order(pr)
        ordered = np.empty(len(values))
        ordered[perm] = values
        conns.set({name: ordered.tolist()})
        pr[name] = values.copy()
        return {}

    def cmd_current(self, c):
        sid = int(c["id"])
        if sid not in self.currents:
            dev = nest.Create("dc_generator" if c["kind"] == "dc" else "step_current_generator")
            self.currents[sid] = {"dev": dev, "targets": set()}
        cur = self.currents[sid]
        dev = cur["dev"]
        if c["kind"] == "dc":
            dev.set({"amplitude": float(c["amplitude"]), "start": self.shift(c["start"]),
                     "stop": self.shift(c["stop"])})
        else:
            # times and amplitudes: lists, or .npy files (core-sampled sources)
            load = lambda x: np.load(x) if isinstance(x, str) else x
            times, amps = self.step_times(load(c["times"]), load(c["amplitudes"]))
            dev.set({"amplitude_times": times, "amplitude_values": amps})
        new = [int(t) for t in c["targets"] if int(t) not in cur["targets"]]
        if new:
            nest.Connect(dev, nest.NodeCollection(sorted(int(g) for g in self.all_gids[new])),
                         syn_spec={"delay": self.min_delay})
            cur["targets"].update(new)
        return {}

    def step_times(self, times, amplitudes):
        """PyNN 0.13's NestStandardCurrentSource._check_step_times: shift by
        -min_delay, collapse times before now + dt onto now + dt, round to the
        grid, the last amplitude of a step wins."""
        dt = self.dt
        times = np.array(times, dtype=float) - self.min_delay
        times = np.where(times > 0, times, 0.0)
        amplitudes = np.array(amplitudes, dtype=float)
        min_time = self.kernel_step * dt + dt
        ctr = np.searchsorted(times, min_time, side="right") - 1
        if ctr >= 0:
            times[ctr] = min_time
            times, amplitudes = times[ctr:], amplitudes[ctr:]
        times = np.rint(times / dt) * dt
        uniq, idx = np.unique(times[::-1], return_index=True)
        idx = len(times) - idx - 1
        return uniq.tolist(), amplitudes[idx].tolist()

    def cmd_record(self, c):
        pop = int(c["pop"])
        p = self.pops[pop]
        interval = int(c["interval_steps"])
        wanted = [("spikes", None, list(c["spikes"]))] if c["spikes"] else []
        wanted += [("signal", s["var"], list(s["cells"])) for s in c["signals"] if s["cells"]]
        recs = self.recorders[pop]
        active = [r for r in recs if r.until is None]
        if self.same_recording(active, wanted, interval):
            return {}
        for r in active:
            r.until = self.core_step
        for kind, var, cells in wanted:
            gids = p["gids"][cells]
            nodes = nest.NodeCollection(gids.tolist())
            if kind == "spikes":
                dev = nest.Create("spike_recorder")
                nest.Connect(nodes, dev, "all_to_all", syn_spec={"delay": self.min_delay})
                rec = Recorder(kind, None, cells, gids, dev, self.kernel_step)
                if p.get("pending") and self.kernel_step == 0:
                    # Direct spikes scheduled when the network was made.
                    self.add_direct_events(rec, p, p["pending"])
            else:
                dev = nest.Create("multimeter", params={"interval": interval * self.dt, "record_from": [var]})
                nest.Connect(dev, nodes, "all_to_all", syn_spec={"delay": self.min_delay})
                rec = Recorder(kind, var, cells, gids, dev, self.kernel_step)
                rec.interval = interval
                # NEST samples at t > now; the sample at now is the current state.
                if self.kernel_step == self.core_step and self.kernel_step % interval == 0:
                    vals = self.current_values(nodes, var, len(gids))
                    rec.buf_steps = np.full(len(gids), self.kernel_step, dtype=np.int64)
                    rec.buf_gids = gids.copy()
                    rec.buf_vals = vals
                    rec.buf_offs = np.zeros(len(gids))
            recs.append(rec)
        return {}

    def current_values(self, nodes, var, n):
        """The present value of recordable `var` of every node.  Per-port
        recordables of multisynapse models (`g_1`, `I_syn_2`) are elements
        of a status array (`g`; NEST sizes it only when a simulation
        starts) or, before any simulation, at their initial value 0 (NEST
        does not let them be set)."""
        status = nodes.get()
        if n == 1:
            status = {k: [v] for k, v in status.items()}
        if var in status:
            return np.asarray(status[var], dtype=float)
        base, _, port = var.rpartition("_")
        if base in status and port.isdigit() and all(np.size(x) >= int(port) for x in status[base]):
            return np.asarray([np.atleast_1d(x)[int(port) - 1] for x in status[base]], dtype=float)
        if self.kernel_step == 0:
            return np.zeros(n)
        raise DriverError("NEST cannot read %s of %s before recording it; start recording at time 0"
                          % (var, status["model"][0]))

    def cmd_run(self, c):
        step = int(c["step"])
        self.simulate_to(step)
        self.core_step = max(self.core_step, step)
        return {"kernel_step": self.kernel_step}

    def delivered_step(self):
        """Last step whose events the recorders have received."""
        md = self.md_steps
        return ((self.kernel_step - 1) // md) * md

    def cmd_drain(self, c):
        pop = int(c["pop"])
        recs = self.recorders.get(pop, [])
        md = self.md_steps
        if recs and self.delivered_step() < self.core_step:
            # look-ahead: run past the slice that holds core_step
            self.simulate_to(((self.core_step + md - 1) // md) * md + 1)
        out_spikes_cells, out_spikes_steps, out_spikes_offs, signals = [], [], [], []
        keep = []
        for r in recs:
            ev = r.device.get("events")
            times = np.asarray(ev["times"], dtype=float)
            steps = np.rint(times / self.dt).astype(np.int64)
            off = np.zeros(len(steps))
            if self.off_grid and r.kind == "spikes":
                # Precise times: the step whose end is at or after the
                # spike (offset = stamp * dt - t, NEST's convention).
                off = steps * self.dt - times
                late = off < -1e-12 * self.dt
                steps = np.where(late, steps + 1, steps)
                off = np.clip(steps * self.dt - times, 0.0, None)
            offs = np.concatenate([r.buf_offs, off])
            senders = np.asarray(ev["senders"], dtype=np.int64)
            vals = np.asarray(ev[r.var], dtype=float) if r.kind == "signal" else np.zeros(len(steps))
            r.device.set({"n_events": 0})
            steps = np.concatenate([r.buf_steps, steps])
            senders = np.concatenate([r.buf_gids, senders])
            vals = np.concatenate([r.buf_vals, vals])
            limit = self.core_step if r.until is None else min(r.until, self.core_step)
            now = steps <= limit
            later = ~now
            if r.until is None:
                r.buf_steps, r.buf_gids, r.buf_vals = steps[later], senders[later], vals[later]
                r.buf_offs = offs[later]
                keep.append(r)
            elif self.delivered_step() < r.until:
                r.buf_steps, r.buf_gids, r.buf_vals = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
                r.buf_offs = np.zeros(0)
                keep.append(r)
            steps, senders, vals, offs = steps[now], senders[now], vals[now], offs[now]
            col = np.searchsorted(r.gids, senders)
            if r.kind == "spikes":
                out_spikes_cells.append(r.cells[col])
                out_spikes_steps.append(steps)
                out_spikes_offs.append(offs)
            elif len(steps):
                uniq = np.unique(steps)
                data = np.full((len(uniq), len(r.cells)), np.nan)
                data[np.searchsorted(uniq, steps), col] = vals
                if np.isnan(data).any():
                    raise DriverError("incomplete samples of %s" % r.var)
                signals.append({"var": r.var, "cells": r.cells.tolist(),
                                "steps": self.npy("steps", uniq), "data": self.npy("data", data)})
        self.recorders[pop] = keep
        cells, steps = concat(out_spikes_cells, np.int64), concat(out_spikes_steps, np.int64)
        if not self.off_grid:
            return self.spikes_answer(cells, steps, signals)
        # Sorted by step, then cell: spikes_answer's (stable) order, so
        # that the offsets stay with their spikes.
        offs = concat(out_spikes_offs, float)
        order = np.lexsort((cells, steps))
        answer = self.spikes_answer(cells[order], steps[order], signals)
        answer["spike_offsets"] = self.npy("soffs", offs[order].astype(float))
        return answer

    def cmd_reset(self, c):
        nest.ResetKernel()
        self.clear()
        return {}



def main():
    Driver().serve()


if __name__ == "__main__":
    main()
