"""pynn-rs Brian2 driver: builds and runs a network in Brian2 (runtime mode)
on behalf of the Rust `Brian2` backend (pynn-backends/src/brian2/mod.rs).

The protocol, the command loop and the error answers are the shared core's
(pynn-backends/src/external/driver_core.py, written next to this file): each
`cmd_NAME` method of `Driver` answers the command "NAME".

The models arrive as rows of the translation table
(pynn-backends/src/brian2/translate.rs): equations, threshold, reset,
method, parameters with their units.  This driver only knows Brian2 and the
timing conventions that make it step like NEST (see mod.rs):

* a spike Brian2 registers in step j (at time j dt) is NEST's spike at
  (j + 1) dt, "at the end of the step in which the threshold was crossed";
  spike sources therefore emit a spike of time s dt in step s - 1;
* synaptic pathways run "before_thresholds": the spikes of step j are pushed
  in step j + 1 and a delay of D steps is Brian2's delay (D - 1) dt, so the
  input changes the target in step j + D, after its integration and before
  its threshold test, as NEST's ring buffers do;
* state monitors sample "end" of step j, i.e. NEST's sample at (j + 1) dt;
  the sample at the start of recording is read directly;
* current sources set the variable `i_inj` at the start of each step from
  the samples the Rust core computed (one row per step);
* gap junctions add their currents to `i_inj` in the same operation, from
  the potentials at the start of the step (`apply_gaps`, brian2/gap.rs).
"""

from driver_core import WORK, DriverCore, DriverError, concat, import_error  # noqa: F401

try:
    import numpy as np
    import brian2 as b2
    b2.BrianLogger.log_level_error()
    IMPORT_ERROR = None
except Exception as e:  # reported by the "hello" command
    IMPORT_ERROR = import_error(e)


# Release draws of the stochastic synapses: the same numbers as the Rust
# side's `release_draw` (pynn-core/src/synapses/stochastic.rs), given the
# projection key in two 32-bit halves, the connection's list index, its
# spike counter and the slot (uint64 arithmetic wraps, as Rust's wrapping_*).
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _draws(khi, klo, conn, spike, slot):
    with np.errstate(over="ignore"):
        khi, klo, conn, spike, slot = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=np.float64))
                                                             for x in (khi, klo, conn, spike, slot)))
        h = (khi.astype(np.uint64) << np.uint64(32)) | klo.astype(np.uint64)
        for x in (conn, spike, slot):
            h = _mix(h + np.uint64(_GOLDEN) * (x.astype(np.uint64) + np.uint64(1)))
        return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _recover(khi, klo, conn, spike, depleted, p_recover):
    """Recovered sites among `depleted` (draws 0 .. depleted - 1 < p_recover)."""
    depleted, p_recover = np.broadcast_arrays(np.atleast_1d(depleted), np.atleast_1d(p_recover))
    out = np.zeros(depleted.shape)
    for j in range(int(depleted.max(initial=0))):
        out += (j < depleted) & (_draws(khi, klo, conn, spike, j) < p_recover)
    return out


def _release(khi, klo, conn, spike, first, avail, u):
    """Released sites among `avail` (draws first .. first + avail - 1 < u)."""
    first, avail, u = np.broadcast_arrays(np.atleast_1d(first), np.atleast_1d(avail), np.atleast_1d(u))
    out = np.zeros(avail.shape)
    for j in range(int(avail.max(initial=0))):
        out += (j < avail) & (_draws(khi, klo, conn, spike, first + j) < u)
    return out


def stochastic_functions():
    """Brian2 functions (numpy target) for the stochastic synapses' code."""
    if b2.prefs.codegen.target != "numpy":
        raise DriverError("stochastic synapses run on Brian2's numpy target only (this session: %s)"
                          % b2.prefs.codegen.target)
    return {
        "pynn_draw": b2.Function(_draws, arg_units=[1] * 5, return_unit=1),
        "pynn_recover": b2.Function(_recover, arg_units=[1] * 6, return_unit=1),
        "pynn_release": b2.Function(_release, arg_units=[1] * 7, return_unit=1),
    }


def unit(name):
    """A Brian2 unit from its text ("mV", "1/ms", "1")."""
    return eval(name, {}, vars(b2)) if name != "1" else 1.0


def unit_dimension_name(name):
    """The dimension of a unit as Brian2 writes it in equations ("amp")."""
    if name == "1":
        return "1"
    return repr(b2.get_unit(b2.get_dimensions(unit(name))))


class Recorder:
    """A SpikeMonitor or a StateMonitor (one variable) of one population."""

    def __init__(self, kind, var, unit_name, cells, monitor, substeps=1):
        self.substeps = substeps
        self.kind = kind
        self.var = var
        self.scale = float(unit(unit_name)) if unit_name else 1.0
        self.cells = np.asarray(cells, dtype=np.int64)
        self.monitor = monitor
        self.read = 0  # entries of the monitor already collected
        self.extra = []  # [monitor, read] of further spike layers
        self.steps = []
        self.values = []  # spikes: cell indices; signals: rows
        self.interval = 1
        self.active = True

    def collect(self, dt):
        m = self.monitor
        if m is None:
            return
        if self.kind == "spikes":
            for entry in [[m, self.read]] + self.extra:
                i = np.asarray(entry[0].i[:], dtype=np.int64)
                t = np.asarray(entry[0].t_[:], dtype=float)
                new_i, new_t = i[entry[1]:], t[entry[1]:]
                entry[1] = len(i)
                # the step of the spike: floor, for sub-stepped groups
                steps = np.floor(new_t / dt + 1e-6).astype(np.int64) + 1
                keep = np.isin(new_i, self.cells)
                self.steps.append(steps[keep])
                self.values.append(new_i[keep])
            self.read = len(m.i[:])
        else:
            t = np.asarray(m.t_[:], dtype=float)
            data = np.asarray(getattr(m, self.var + "_"), dtype=float)  # (cells, samples)
            new_t, new_d = t[self.read:], data[:, self.read:]
            self.read = len(t)
            sub = self.substeps
            last = np.rint(new_t / (dt / sub)).astype(np.int64) % sub == sub - 1
            steps = np.floor(new_t / dt + 1e-6).astype(np.int64) + 1
            keep = last & (steps % self.interval == 0)
            self.steps.append(steps[keep])
            self.values.append(new_d[:, keep].T / self.scale)

    def take(self):
        steps = np.concatenate(self.steps) if self.steps else np.zeros(0, dtype=np.int64)
        if self.kind == "spikes":
            vals = np.concatenate(self.values) if self.values else np.zeros(0, dtype=np.int64)
        else:
            vals = np.concatenate(self.values) if self.values else np.zeros((0, len(self.cells)))
        self.steps, self.values = [], []
        return steps, vals


class Driver(DriverCore):
    SIMULATOR = "Brian2"
    IMPORT_ERROR = IMPORT_ERROR

    def __init__(self):
        super().__init__()
        self.net = None
        self.clear()

    def clear(self):
        self.pops = {}
        self.offsets = []
        self.projs = {}
        self.recorders = {}
        self.stim = {}
        self.gaps = {}        # proj -> [pre, post (global), weight (siemens)]
        self.gap_plan = None  # built from self.gaps by `plan_gaps`
        self.step = 0
        self.net = None

    # -- commands --------------------------------------------------------
    def hello(self):
        return {"brian2_version": b2.__version__}

    def cmd_setup(self, c):
        self.clear()
        self.dt_ms = float(c["dt"])
        self.dt = self.dt_ms * 1e-3
        b2.prefs.codegen.target = c.get("target", "numpy")
        b2.defaultclock.dt = self.dt_ms * b2.ms
        b2.seed(int(c["seed"]))
        self.net = b2.Network()
        self.net.add(b2.NetworkOperation(self.apply_stimulus, when="before_groups"))
        return {}

    def spike_generator_times(self, spike_steps):
        """Per-cell spike steps -> (indices, times) emitted one step early,
        and the number of spikes of each cell at t = 0 (step 0), which
        belong to step -1 and take the zero-group path (`zero_group`)."""
        idx, times = [], []
        zero = np.zeros(len(spike_steps), dtype=np.int64)
        for i, steps in enumerate(spike_steps):
            for s in steps:
                s = int(s)
                if s < 1:
                    if self.step == 0:
                        zero[i] += 1
                    continue
                if s - 1 < self.step:
                    continue  # in the past (set between runs)
                idx.append(i)
                times.append((s - 1) * self.dt)
        return np.asarray(idx, dtype=np.int64), np.asarray(times, dtype=float) * b2.second, zero

    def zero_group(self, pop, counts):
        """Spikes at t = 0 (NEST's and the native engine's rule: a spike at
        t_s with delay d enters the target at t_s + d, i.e. in step d - 1
        before its threshold): a group with the custom event "zero", true in
        step 0 only and detected after the integration; pathways triggered
        by it run before the thresholds with Brian2 delay (D - 1) dt, so the
        input reaches the target in step D - 1 (a regular spike of step s
        reaches it in step s - 1 + D)."""
        p = self.pops[pop]
        if p.get("zero") is None:
            g = b2.NeuronGroup(p["n"], "z : 1", events={"zero": "z > 0.5 and t < 0.5*dt"},
                               name="pynn_pop%d_zero" % pop, namespace={})
            g.set_event_schedule("zero", when="after_groups")
            self.net.add(g)
            p["zero"] = g
        p["zero"].z = counts.astype(float)
        p["zero_counts"] = counts

    def cmd_create(self, c):
        pop, n, kind = int(c["pop"]), int(c["n"]), c["kind"]
        if int(c["offset"]) != (self.offsets[-1][0] + self.offsets[-1][1] if self.offsets else 0):
            raise DriverError("populations must be created in order")
        name = "pynn_pop%d" % pop
        if kind == "neuron":
            m = c["model"]
            sub = int(m.get("substeps", 1))
            group = b2.NeuronGroup(
                n, m["equations"], threshold=m["threshold"] or None, reset=m["reset"] or None,
                refractory="t_ref" if m["refractory"] else False, method=m["method"], name=name,
                namespace={}, dt=self.dt * b2.second / sub)
            if sub > 1:
                group.n_sub = sub
            if m.get("before_step"):
                group.run_regularly(m["before_step"], when="before_groups", name=name + "_before",
                                    dt=self.dt * b2.second)
            if m.get("after_step"):
                # Every sub-step of a sub-stepped group (its own clock).
                group.run_regularly(m["after_step"], when="after_groups", name=name + "_after",
                                    clock=group.clock)
            self.pops[pop] = {"kind": kind, "group": group, "n": n, "substeps": sub}
            if "i_inj" in group.variables:
                # the current sources' values (apply_stimulus), to which
                # apply_gaps adds the junction currents
                self.pops[pop]["i_stim"] = np.zeros(n)
            if m["threshold"]:
                self.keep_spikes(pop)
            if m.get("escape"):
                self.pops[pop]["draws"] = None
                self.pops[pop]["used"] = np.zeros(n, dtype=np.int64)
                # After the synaptic pathways (order -1) of before_thresholds.
                op = b2.NetworkOperation(self.escape_op(pop), when="before_thresholds", order=10,
                                         name=name + "_escape")
                self.net.add(op)
            self.set_params(pop, c)
            self.set_state(group, None, c["state"])
        elif kind == "array":
            group = b2.SpikeGeneratorGroup(n, np.zeros(0, dtype=np.int64), np.zeros(0) * b2.second, name=name)
            self.pops[pop] = {"kind": kind, "group": group, "n": n, "substeps": 1, "layers": []}
            self.recorders.setdefault(pop, [])
            self.set_params(pop, c)
        else:
            raise DriverError("unknown population kind %r" % kind)
        self.net.add(group)
        self.offsets.append((int(c["offset"]), n, pop))
        self.recorders.setdefault(pop, [])
        return {}

    def keep_spikes(self, pop):
        """Keeps the spikes of a run's last step for the next run.

        The pathways run "before_thresholds", so the spikes of step j are
        pushed in step j + 1. Brian2's thresholder empties the spike space at
        the end of every run (the `after_code` of its template sets the
        count to 0: brian2/codegen/runtime/*/templates/threshold.*), which
        with this schedule drops the spikes of the last step before every
        split of a run (a `run` in several calls, or the driver's chunks of
        Poisson trains): their synaptic events never arrive. An operation at
        the end of each step of the group's clock remembers the count;
        `cmd_run` puts it back after the run (the indices stay in place)."""
        p = self.pops[pop]
        space = p["group"].variables["_spikespace"].get_value()
        kept = {"space": space, "count": 0}

        def remember():
            kept["count"] = int(space[-1])

        op = b2.NetworkOperation(remember, clock=p["group"].clock, when="end", order=1000,
                                 name="pynn_pop%d_keep_spikes" % pop)
        self.net.add(op)
        p["kept"] = kept

    def restore_spikes(self):
        for p in self.pops.values():
            kept = p.get("kept")
            if kept is not None:
                kept["space"][-1] = kept["count"]

    def set_params(self, pop, c):
        p = self.pops[pop]
        g = p["group"]
        if p["kind"] == "neuron":
            for name, (u, values) in c["params"].items():
                setattr(g, name, np.asarray(values, dtype=float) * unit(u))
        elif p["kind"] == "array":
            idx, times, zero = self.spike_generator_times(c["spike_steps"])
            if zero.any() or p.get("zero") is not None:
                self.zero_group(pop, zero)
            # A SpikeGeneratorGroup emits at most one spike per cell and
            # step; further spikes of a cell in one step (a Poisson count
            # above 1) go to extra layers with the same connections.
            key = idx * (1 << 40) + np.rint(np.asarray(times / b2.second) / self.dt).astype(np.int64)
            order = np.argsort(key, kind="stable")
            layer = np.zeros(len(key), dtype=np.int64)
            sk = key[order]
            for j in range(1, len(sk)):
                if sk[j] == sk[j - 1]:
                    layer[order[j]] = layer[order[j - 1]] + 1
            needed = int(layer.max()) + 1 if len(layer) else 1
            while len(p["layers"]) + 1 < needed:
                self.add_layer(pop)
            for k, grp in enumerate([g] + p["layers"]):
                sel = layer == k
                grp.set_spikes(idx[sel], times[sel])

    def set_state(self, group, cells, state):
        for name, (u, values) in state.items():
            q = np.asarray(values, dtype=float) * unit(u)
            if cells is None:
                setattr(group, name, q)
            else:
                getattr(group, name)[np.asarray(cells, dtype=np.int64)] = q

    def change_group(self, pop, kind, names, apply):
        """`apply()` changes variables `names` of population `pop`'s group,
        all or nothing: an unknown name is an error, and the previous values
        are put back if Brian2 refuses a value (a wrong unit)."""
        g = self.pops[pop]["group"]
        what = "population %d (%s)" % (pop, g.name)
        self.check_names(what, kind, names, [k for k in g.variables if not k.startswith("_")])

        def save():
            old = {n: np.array(g.variables[n].get_value(), copy=True) for n in names}
            return lambda: [g.variables[n].set_value(v) for n, v in old.items()]

        self.change_all_or_nothing(what, save, apply)

    def cmd_set_params(self, c):
        pop = int(c["pop"])
        if self.pops[pop]["kind"] == "neuron":
            self.change_group(pop, "parameter", list(c["params"]), lambda: self.set_params(pop, c))
        else:
            self.set_params(pop, c)
        return {}

    def cmd_set_state(self, c):
        pop = int(c["pop"])
        p = self.pops[pop]
        self.change_group(pop, "state variable", list(c["state"]),
                          lambda: self.set_state(p["group"], c["cells"], c["state"]))
        return {}

    def locate(self, cells):
        """Global indices -> (population id, local index) arrays."""
        starts = np.asarray([o for o, _, _ in self.offsets], dtype=np.int64)
        k = np.searchsorted(starts, cells, side="right") - 1
        pops = np.asarray([self.offsets[j][2] for j in range(len(self.offsets))], dtype=np.int64)[k]
        return pops, cells - starts[k]

    def cmd_connect(self, c):
        proj = int(c["proj"])
        pre = np.load(c["pre"]).astype(np.int64)
        post = np.load(c["post"]).astype(np.int64)
        weight = np.load(c["weight"])
        syn = c.get("synapse")
        if syn is not None and syn.get("model") == "gap":
            self.gaps[proj] = [pre, post, weight * 1e-6]  # uS -> siemens
            self.gap_plan = None
            return {}
        dsteps = np.load(c["delay_steps"]).astype(np.int64)
        wunit = unit(c["weight_unit"])
        model = "w_syn : %s" % unit_dimension_name(c["weight_unit"])
        plastic = c.get("plastic")
        values = {}
        if plastic is not None:
            # Three pathways (see plastic.rs): "update" at the spike, "transmit"
            # at arrival, "backprop" for post-synaptic spikes.
            model += "\n" + plastic["model"]
            on_pre = {"update": plastic["update"], "transmit": plastic["transmit"]}
            on_post = {"backprop": plastic["backprop"]} if plastic["backprop"] else None
            values = {name: (u, np.load(f)) for name, (u, f) in plastic["values"].items()}
        else:
            on_pre, on_post = c["on_pre"], None
        pre_pop, pre_loc = self.locate(pre)
        post_pop, post_loc = self.locate(post)
        parts = []
        for a, b in sorted(set(zip(pre_pop.tolist(), post_pop.tolist()))):
            sel = np.nonzero((pre_pop == a) & (post_pop == b))[0]
            if plastic is not None and (self.pops[b]["substeps"] != 1 or self.pops[a]["substeps"] != 1):
                raise DriverError(
                    "projection %d: plastic synapses to or from a sub-stepped model (HH_cond_exp) are not "
                    "supported on Brian2" % proj)
            if plastic is not None and self.pops[a].get("layers"):
                raise DriverError(self.layer_error(proj))
            # Stochastic synapses call the driver's draw functions (plastic.rs).
            stochastic = plastic is not None and "pynn_" in plastic["update"]
            syn = b2.Synapses(self.pops[a]["group"], self.pops[b]["group"], model=model, on_pre=on_pre,
                              on_post=on_post, name="pynn_proj%d_%d_%d" % (proj, a, b),
                              namespace=stochastic_functions() if stochastic else {})
            syn.connect(i=pre_loc[sel], j=post_loc[sel])
            if not (np.array_equal(np.asarray(syn.i[:]), pre_loc[sel])
                    and np.array_equal(np.asarray(syn.j[:]), post_loc[sel])):
                raise DriverError("Brian2 reordered the synapses of projection %d" % proj)
            syn.w_syn = weight[sel] * wunit
            if plastic is None:
                syn.pre.when = "before_thresholds"
                # A sub-stepped target has integrated the first sub-step of
                # the arrival step when the pathway runs; its receptors
                # collect the input in `pend_*` variables that its
                # `after_step` adds at the end of the step's last sub-step,
                # NEST's step boundary (translate.rs, HH_cond_exp).
                syn.delay = (dsteps[sel] - 1) * self.dt * b2.second
            else:
                for name, (u, v) in values.items():
                    setattr(syn, name, v[sel] * unit(u))
                syn.update.when = "synapses"
                syn.update.order = 0
                syn.update.delay = 0 * b2.second
                syn.transmit.when = "before_thresholds"
                syn.transmit.delay = (dsteps[sel] - 1) * self.dt * b2.second
                if on_post is not None:
                    syn.backprop.when = "synapses"
                    syn.backprop.order = -1
                    syn.backprop.delay = dsteps[sel] * self.dt * b2.second
            self.net.add(syn)
            syns = [syn]
            parts.append((syns, sel))
            zero = self.pops[a].get("zero")
            if zero is not None and plastic is not None and self.pops[a]["zero_counts"].any():
                raise DriverError(
                    "projection %d: a plastic projection from a source with a spike at t = 0 is not supported on "
                    "Brian2; use a spike time >= dt" % proj)
            if zero is not None and plastic is None:
                counts = self.pops[a]["zero_counts"][pre_loc[sel]]
                rep = b2.Synapses(zero, self.pops[b]["group"], model=model, on_pre=on_pre, on_event="zero",
                                  name="pynn_proj%d_%d_%d_zero" % (proj, a, b), namespace={})
                rep.connect(i=pre_loc[sel], j=post_loc[sel])
                rep.pre.when = "before_thresholds"
                rep.w_syn = weight[sel] * counts * wunit
                rep.delay = (dsteps[sel] - 1) * self.dt * b2.second
                self.net.add(rep)
            if plastic is None:
                for layer in self.pops[a].get("layers", []):
                    syns.append(self.replicate(syn, layer, model, on_pre, pre_loc[sel], post_loc[sel]))
                self.pops[a].setdefault("out", []).append((syns, model, on_pre, pre_loc[sel], post_loc[sel]))
            else:
                self.pops[a].setdefault("plastic_out", []).append(proj)
        self.projs[proj] = {"parts": parts, "unit": wunit, "plastic": plastic is not None, "n": len(pre),
                            "backprop": on_post is not None,
                            "weights": None}
        return {}

    @staticmethod
    def layer_error(proj):
        return ("projection %d: a plastic projection from a source that emits several spikes of one cell in one "
                "time step (a Poisson count above 1) is not supported on Brian2; lower the rate or the time step"
                % proj)

    def gather(self, proj, var):
        """Variable `var` of a projection's synapses, in list order; several
        variables separated by commas: their values one after the other (a
        weight sample with the synaptic state, plastic.rs `record_vars`)."""
        if "," in var:
            return np.concatenate([self.gather(proj, v) for v in var.split(",")])
        pr = self.projs[proj]
        out = np.zeros(pr["n"])
        for syns, sel in pr["parts"]:
            out[sel] = np.asarray(getattr(syns[0], var + "_")[:], dtype=float)
        return out

    def cmd_set_vars(self, c):
        """Sets synaptic variables (list order) of a projection."""
        pr = self.projs[int(c["proj"])]
        for name, (u, f) in c["vars"].items():
            v = np.load(f)
            for syns, sel in pr["parts"]:
                for syn in syns:
                    setattr(syn, name, v[sel] * unit(u))
        return {}

    def cmd_plastic_state(self, c):
        """Synaptic variables of plastic projections (list order), and the
        weight samples taken since the last call."""
        out = {}
        for key, names in c["vars"].items():
            proj = int(key)
            pr = self.projs.get(proj)
            if pr is None:
                continue
            entry = {name: self.npy("state", self.gather(proj, name)) for name in names}
            rec = pr.get("weights")
            if rec is not None:
                steps = np.asarray(rec["steps"], dtype=np.int64)
                data = np.concatenate(rec["data"]) if rec["data"] else np.zeros(0)
                entry["_steps"] = self.npy("wsteps", steps)
                entry["_data"] = self.npy("wdata", np.ascontiguousarray(data, dtype=float))
                rec["steps"], rec["data"] = [], []
            out[key] = entry
        return {"state": out}

    def cmd_record_weights(self, c):
        """Samples variable `var` of projection `proj` every `interval` steps
        (None: stop): sample s holds the state after Brian2's step s - 1,
        i.e. every update of pre-synaptic spikes at NEST times <= s dt."""
        proj = int(c["proj"])
        pr = self.projs[proj]
        old = pr.get("weights")
        if old is not None and old.get("op") is not None:
            self.net.remove(old["op"])
            old["op"] = None
        interval = c.get("interval")
        if interval is None:
            return {}
        interval = int(interval)
        var = c["var"]
        rec = old if old is not None else {"steps": [], "data": []}
        rec["interval"] = interval
        if self.step % interval == 0 and not (rec["steps"] and rec["steps"][-1] == self.step):
            rec["steps"].append(self.step)
            rec["data"].append(self.gather(proj, var))

        def sample(t):
            s = int(round(float(t / b2.second) / self.dt)) + 1
            if s % interval == 0:
                rec["steps"].append(s)
                rec["data"].append(self.gather(proj, var))

        op = b2.NetworkOperation(sample, when="end", name="pynn_wrec%d_%d" % (proj, self.counter))
        self.counter += 1
        rec["op"] = op
        pr["weights"] = rec
        self.net.add(op)
        return {}

    def replicate(self, syn, source, model, on_pre, i, j):
        """The synapses `syn` again, from the spike layer `source`."""
        self.counter += 1
        rep = b2.Synapses(source, syn.target, model=model, on_pre=on_pre, namespace={},
                          name="%s_layer%d" % (syn.name, self.counter))
        rep.connect(i=i, j=j)
        rep.pre.when = "before_thresholds"
        rep.w_syn = syn.w_syn[:]
        rep.delay = syn.delay[:]
        self.net.add(rep)
        return rep

    def add_layer(self, pop):
        p = self.pops[pop]
        self.counter += 1
        layer = b2.SpikeGeneratorGroup(p["n"], np.zeros(0, dtype=np.int64), np.zeros(0) * b2.second,
                                       name="pynn_pop%d_layer%d" % (pop, self.counter))
        if p.get("plastic_out"):
            raise DriverError(self.layer_error(p["plastic_out"][0]))
        self.net.add(layer)
        p["layers"].append(layer)
        for syns, model, on_pre, i, j in p.get("out", []):
            syns.append(self.replicate(syns[0], layer, model, on_pre, i, j))
        for r in self.recorders.get(pop, []):
            if r.active and r.kind == "spikes":
                mon = b2.SpikeMonitor(layer, record=True)
                self.net.add(mon)
                r.extra.append([mon, 0])

    def cmd_set_synaptic(self, c):
        gap = self.gaps.get(int(c["proj"]))
        if gap is not None:
            if c["name"] != "weight":
                raise DriverError("gap junctions have no %r" % c["name"])
            gap[2] = np.load(c["values"]) * 1e-6
            return {}
        pr = self.projs[int(c["proj"])]
        values = np.load(c["values"])
        for syns, sel in pr["parts"]:
            for syn in syns:
                d = values[sel].astype(np.int64)
                if c["name"] == "weight":
                    syn.w_syn = values[sel] * pr["unit"]
                elif pr["plastic"]:
                    syn.transmit.delay = (d - 1) * self.dt * b2.second
                    if pr["backprop"]:
                        syn.backprop.delay = d * self.dt * b2.second
                else:
                    syn.delay = (d - 1) * self.dt * b2.second
        return {}

    def cmd_record(self, c):
        pop = int(c["pop"])
        p = self.pops[pop]
        interval = int(c["interval_steps"])
        wanted = [("spikes", None, None, list(c["spikes"]))] if c["spikes"] else []
        wanted += [("signal", s["var"], s["unit"], list(s["cells"])) for s in c["signals"] if s["cells"]]
        recs = self.recorders[pop]
        active = [r for r in recs if r.active]
        if self.same_recording(active, wanted, interval):
            return {}
        for r in active:
            r.collect(self.dt)
            self.net.remove(r.monitor)
            for mon, _ in r.extra:
                self.net.remove(mon)
            r.monitor = None
            r.extra = []
            r.active = False
        g = p["group"]
        for kind, var, u, cells in wanted:
            if kind == "spikes":
                mon = b2.SpikeMonitor(g, record=True)
                rec = Recorder(kind, None, None, cells, mon)
                zc = p.get("zero_counts")
                if self.step == 0 and zc is not None:
                    # the spikes at t = 0, recorded at step 0
                    z = np.repeat(np.arange(len(zc), dtype=np.int64), zc)
                    z = z[np.isin(z, rec.cells)]
                    rec.steps.append(np.zeros(len(z), dtype=np.int64))
                    rec.values.append(z)
                for layer in p.get("layers", []):
                    extra = b2.SpikeMonitor(layer, record=True)
                    self.net.add(extra)
                    rec.extra.append([extra, 0])
            else:
                mon = b2.StateMonitor(g, var, record=np.asarray(cells, dtype=np.int64), when="end")
                rec = Recorder(kind, var, u, cells, mon, p.get("substeps", 1))
                rec.interval = interval
                if self.step % interval == 0:
                    now = np.asarray(getattr(g, var + "_")[:], dtype=float)[np.asarray(cells, dtype=np.int64)]
                    rec.steps.append(np.asarray([self.step], dtype=np.int64))
                    rec.values.append(now[None, :] / rec.scale)
            self.net.add(mon)
            recs.append(rec)
        return {}

    def cmd_stimulus(self, c):
        """Current samples (nA) for the steps first .. first + rows of the
        cells `cells` of population `pop` (row-major file)."""
        pop = int(c["pop"])
        cells = np.asarray(c["cells"], dtype=np.int64)
        data = np.load(c["data"]).reshape(-1, len(cells)) * 1e-9  # amp
        self.stim[pop] = (int(c["first"]), cells, data)
        return {}

    def apply_stimulus(self, t):
        k = int(round(float(t / b2.second) / self.dt))
        for pop, (first, cells, data) in self.stim.items():
            row = k - first
            if 0 <= row < len(data):
                self.pops[pop]["group"].variables["i_inj"].get_value()[cells] = data[row]
                self.pops[pop]["i_stim"][cells] = data[row]
        if self.gaps:
            self.apply_gaps()

    def plan_gaps(self):
        """The coupled cells (sorted, distinct), where each one's `v` is
        read and `i_inj` set (per population), and each projection's
        positions in the coupled list."""
        cells = np.unique(np.concatenate([np.concatenate([a, b]) for a, b, _ in self.gaps.values()]))
        pops, local = self.locate(cells)
        groups = []
        for pop in sorted(set(pops.tolist())):
            sel = np.nonzero(pops == pop)[0]
            groups.append((self.pops[pop], local[sel], sel))
        # per connection k: post then pre, in list order (np.add.at adds
        # sequentially, so the sums are the native engine's)
        projs = [(proj, np.column_stack([np.searchsorted(cells, b), np.searchsorted(cells, a)]).ravel())
                 for proj, (a, b, _) in sorted(self.gaps.items())]
        self.gap_plan = (len(cells), groups, projs)

    def apply_gaps(self):
        """The native engine's explicit scheme (pynn-backends/src/native/gap.rs):
        one snapshot of `v` of every coupled cell at the start of the step,
        g (v_pre - v_post) into post and the opposite into pre, summed in
        projection then list order, held through the step in `i_inj` on top
        of the current sources' value."""
        if self.gap_plan is None:
            self.plan_gaps()
        n, groups, projs = self.gap_plan
        v = np.empty(n)
        for p, loc, pos in groups:
            v[pos] = p["group"].variables["v"].get_value()[loc]
        cur = np.zeros(n)
        for proj, at in projs:
            i = self.gaps[proj][2] * (v[at[1::2]] - v[at[0::2]])
            np.add.at(cur, at, np.column_stack([i, -i]).ravel())
        for p, loc, pos in groups:
            p["group"].variables["i_inj"].get_value()[loc] = p["i_stim"][loc] + cur[pos]

    def cmd_escape_draws(self, c):
        """Uniform numbers (row-major: one row per step of the coming run,
        one column per cell) for the escape noise of population `pop`."""
        p = self.pops[int(c["pop"])]
        p["draws"] = np.load(c["data"]).reshape(int(c["rows"]), p["n"])
        p["used"] = np.zeros(p["n"], dtype=np.int64)
        return {}

    def cmd_escape_used(self, c):
        p = self.pops[int(c["pop"])]
        return {"used": self.npy("used", p["used"].astype(np.int64))}

    def escape_op(self, pop):
        def op():
            self.escape(pop)
        return op

    def escape(self, pop):
        """NEST gif_cond_exp's escape noise (models/gif_cond_exp.cpp): a
        non-refractory cell with lambda = lambda_0 exp((V - sfa) / Delta_V)
        > 0 draws one uniform number u and fires if u < -expm1(-lambda h);
        the numbers are the native kernel's (sent by Rust, in order)."""
        p = self.pops[pop]
        g = p["group"]
        var = g.variables
        v = np.asarray(var["v"].get_value()) * 1e3
        sfa = np.asarray(var["v_t"].get_value()) * 1e3
        dv = np.asarray(var["delta_v"].get_value()) * 1e3
        lam0 = np.asarray(var["lambda0"].get_value()) * 1e-3  # 1/ms
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            lam = lam0 * np.exp((v - sfa) / dv)
        draw = np.nonzero(np.asarray(var["not_refractory"].get_value(), dtype=bool) & (lam > 0))[0]
        fire = np.zeros(p["n"])
        if len(draw):
            table, used = p["draws"], p["used"]
            if table is None or np.any(used[draw] >= len(table)):
                raise DriverError("escape noise of population %d: no random number left" % pop)
            u = table[used[draw], draw]
            used[draw] += 1
            with np.errstate(over="ignore", invalid="ignore"):
                fire[draw] = (u < -np.expm1(-lam[draw] * self.dt_ms)).astype(float)
        var["fire"].get_value()[:] = fire

    def cmd_run(self, c):
        step = int(c["step"])
        if step > self.step:
            self.net.run((step - self.step) * self.dt * b2.second, namespace={})
            self.restore_spikes()
            now = int(round(float(self.net.t / b2.second) / self.dt))
            if now != step:
                raise DriverError("Brian2 stopped at step %d instead of %d" % (now, step))
            self.step = step
        for recs in self.recorders.values():
            for r in recs:
                r.collect(self.dt)
        return {"step": self.step}

    def cmd_drain(self, c):
        pop = int(c["pop"])
        recs = self.recorders.get(pop, [])
        cells_out, steps_out, signals = [], [], []
        for r in recs:
            r.collect(self.dt)
            steps, vals = r.take()
            if r.kind == "spikes":
                cells_out.append(vals)
                steps_out.append(steps)
            elif len(steps):
                signals.append({"var": r.var, "cells": r.cells.tolist(),
                                "steps": self.npy("steps", steps.astype(np.int64)),
                                "data": self.npy("data", np.ascontiguousarray(vals, dtype=float).ravel())})
        self.recorders[pop] = [r for r in recs if r.active]
        return self.spikes_answer(concat(cells_out, np.int64), concat(steps_out, np.int64), signals)

    def cmd_clear(self, c):
        """Forget the network (the process waits in the Rust side's pool)."""
        self.clear()
        import gc
        gc.collect()
        return {}

    def finish(self, reason):
        if reason == "eof":
            # stdin closed without "quit": the Rust program has exited
            # (pooled process); remove the work directory it would have
            # removed.
            import shutil
            shutil.rmtree(WORK, ignore_errors=True)


def main():
    Driver().serve()


if __name__ == "__main__":
    main()
