"""pynn-rs NEURON driver: builds and runs a network in NEURON on behalf of the
Rust `Neuron` backend (pynn-backends/src/neuron/mod.rs).

The protocol, the command loop and the error answers are the shared core's
(pynn-backends/src/external/driver_core.py, written next to this file): each
`cmd_NAME` method of `Driver` answers the command "NAME".

Under MPI (`mpirun -np N python driver.py WORK`) every rank runs this script;
rank 0 reads the commands and broadcasts them (ParallelContext.py_broadcast),
every rank executes them on its own cells (gid g lives on rank g % N), errors
and recorded data are gathered to rank 0, which answers.

Names, units and derived constants arrive already translated (the table is
pynn-backends/src/neuron/translate.rs). Timing convention (one time step h):

* every cell of ours is an ARTIFICIAL_CELL advanced by a self-event per
  step; the event of step k (t_k -> t_k+1) is delivered at t_k + h/4 and a
  spike found in it (time stamp t_k+1) is sent at that time;
* a connection of delay d gets NetCon delay d - EPS (EPS = 1e-9 ms), so a
  spike sent by the tick of step j arrives EPS before the tick of step
  j + d/h, which adds it (NEST: a spike with time stamp t_j+1 and delay d
  enters the state in the step ending at t_j+1 + d). With one process
  NEURON does not limit NetCon delays; between MPI ranks they must exceed
  dt, hence min_delay >= 2 dt under MPI. EPS is far above the rounding of
  the event times (~1e-11 ms at t = 1e4 ms) and far below dt;
* a spike with time stamp step s (ours or a source's) is sent at
  (s - 1) h + h/4, so spike steps are rint(t / h - 1/4) + 1;
* a source's spike at t = 0 (step 0) would be sent at -3h/4, before
  finitialize's t = 0: instead every NetCon leaving the source delivers it
  itself (NetCon.event at -3h/4 + delay, the time it would have arrived),
  and the spike is recorded with that time stamp (step 0);
* injected currents are set between psolve calls at the step they change
  (the Rust side cuts runs there), so the tick of step k sees the value of
  step k.
"""

import os

from driver_core import DriverCore, DriverError, concat, import_error  # noqa: F401

try:
    import numpy as np
    from neuron import h
    if int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("PMI_SIZE", "1"))) > 1:
        h.nrnmpi_init()
    PC = h.ParallelContext()
    IMPORT_ERROR = None
except Exception as e:  # reported by "hello"
    IMPORT_ERROR = import_error(e)
    PC = None

RANK = int(PC.id()) if PC is not None else 0
NHOST = int(PC.nhost()) if PC is not None else 1
LOADED = set()
EPS = 1e-9  # ms: NetCon delay = delay - EPS (see the module docstring)


def has_value(obj, name):
    """Whether NEURON object `obj` has a value `name` (hoc lookups raise
    LookupError as well as AttributeError)."""
    try:
        getattr(obj, name)
        return True
    except Exception:
        return False


def numeric_values(obj):
    """The names of the numeric values of NEURON object `obj`."""
    out = []
    for name in dir(obj):
        if not name.startswith("_"):
            try:
                if isinstance(getattr(obj, name), float):
                    out.append(name)
            except Exception:
                pass
    return out


# Our mechanisms (nmodl/*.mod). One instance of each exists from setup on:
# NEURON 9 cannot add instances of a mechanism type after finitialize if the
# type had none then (SaveState and event delivery fail), and PyNN allows
# creating populations after a run. (Our mechanisms have no RANGE arrays:
# NEURON 9's SaveState rejects them.)
OURS = ("PynnIafCurr", "PynnIzhikevich", "PynnOdeCell", "PynnGif", "PynnPointNeuron", "PynnSpikeSource")


class Pop:
    def __init__(self, offset, n, kind, mech):
        self.offset, self.n, self.kind, self.mech = offset, n, kind, mech
        self.cells = {}        # local population index -> NEURON object
        self.spikes_plan = set()
        self.signals = []      # [Signal]
        self.interval = 1


class Signal:
    """Vector.record of one variable of some cells, plus the samples moved
    out of NEURON's vectors (harvested) and not yet handed over."""

    def __init__(self, name, var, cells, start_step):
        self.name, self.var, self.cells = name, var, list(cells)
        self.vecs = {}         # local cell -> Vector
        self.tvec = None
        self.consumed = 0      # entries of the vectors already harvested
        self.buf_steps = []
        self.buf = {}          # local cell -> [values]
        self.taken = start_step - 1   # last step handed over

    def harvest(self, dt):
        n = int(self.tvec.size())
        if n > self.consumed:
            t = np.asarray(self.tvec.as_numpy()[self.consumed:n], dtype=float)
            self.buf_steps.extend(np.rint(t / dt).astype(np.int64).tolist())
            for i, vec in self.vecs.items():
                self.buf.setdefault(i, []).extend(vec.as_numpy()[self.consumed:n].tolist())
            self.consumed = n


class Driver(DriverCore):
    SIMULATOR = "NEURON"
    IMPORT_ERROR = IMPORT_ERROR
    RANK = RANK
    NHOST = NHOST

    def __init__(self):
        super().__init__()
        self.clear()

    # -- MPI: rank 0 reads and answers, every rank runs the commands ---------
    def broadcast(self, line):
        return PC.py_broadcast(line, 0)

    def gather(self, answer):
        return PC.py_gather(answer, 0)

    def finish(self, reason):
        if NHOST > 1:
            PC.barrier()
            PC.done()

    def clear(self):
        self.pops = {}
        self.projs = {}
        self.step = 0
        self.spike_t = None
        self.spike_id = None
        self.src_ncs = {}
        self.out_ncs = {}      # pre-synaptic gid -> local NetCons leaving it
        self.early = []        # (time, gid) of the t = 0 spikes of local sources
        self.all_t, self.all_id = [], []
        self.initialized = False
        self._taken = {}
        self.gaps = {}         # proj -> [pre, post, weight, v_pre, v_post] (gap junctions)
        self.inj_base = {}     # gid -> current sources' i_inj (nA), for coupled cells

    # -- helpers -----------------------------------------------------------
    def local(self, gid):
        return gid % NHOST == RANK

    def psolve_to(self, step):
        if step > self.step and self.gaps:
            # gap junctions: one step per psolve, junction currents from the
            # potentials at its start (pynn-backends/src/neuron/gap.rs)
            while self.step < step:
                self.apply_gaps()
                PC.psolve((self.step + 1) * self.dt)
                self.step += 1
        elif step > self.step:
            PC.psolve(step * self.dt)
            self.step = step

    def cell_of(self, gid):
        p = self.pop_of(gid)
        return p.cells[gid - p.offset]

    def apply_gaps(self):
        """Sets i_inj of every coupled cell to its sources' current plus the
        sum of g (v_other - v_own) over its junctions, all from one snapshot
        of v, summed in projection order, then list order (as native).
        Under MPI each rank reads its own coupled cells and the snapshots are
        gathered on every rank (py_allgather, a collective every rank reaches
        at the same step), so every rank sums the same values in the same
        order as one process and sets the currents of its own cells."""
        v, cur = {}, {}
        for pre, post, w, vpre, vpost in self.gaps.values():
            for a, b, (na, fa), (nb, fb) in zip(pre, post, vpre, vpost):
                if a not in v and self.local(a):
                    v[a] = getattr(self.cell_of(a), na) / fa
                if b not in v and self.local(b):
                    v[b] = getattr(self.cell_of(b), nb) / fb
        if NHOST > 1:
            for part in PC.py_allgather(v):
                v.update(part)
        for pre, post, w, vpre, vpost in self.gaps.values():
            for a, b, g in zip(pre, post, w):
                i = g * (v[a] - v[b])
                cur[b] = cur.get(b, 0.0) + i
                cur[a] = cur.get(a, 0.0) - i
        for gid, i in cur.items():
            if self.local(gid):
                self.cell_of(gid).i_inj = self.inj_base.get(gid, 0.0) + i

    # -- commands ----------------------------------------------------------
    def hello(self):
        import neuron
        return {"version": neuron.__version__, "nhost": NHOST}

    def cmd_setup(self, c):
        lib = c["lib"]
        if lib not in LOADED:
            if h.nrn_load_dll(lib) != 1:
                raise DriverError("cannot load the compiled mechanisms " + lib)
            LOADED.add(lib)
        PC.gid_clear()
        self.clear()
        self.dt = float(c["dt"])
        h.dt = self.dt
        h.CVode().active(0)
        h.secondorder = 0
        # Under MPI, psolve exchanges spikes every min_delay - EPS (the
        # shortest NetCon delay between ranks), which NEURON's fixed step
        # wants above dt (the Rust side requires min_delay >= 2 dt). With one
        # process no spike is exchanged and the interval is only a chunk size.
        md = float(c["min_delay"])
        PC.set_maxstep(md if NHOST > 1 else max(md, 10 * self.dt))
        # a section to anchor the time vector of the recorders
        self.anchor = h.Section(name="pynn_anchor")
        self.dummies = [getattr(h, m)() for m in OURS]
        self.spike_t, self.spike_id = h.Vector(), h.Vector()
        return {}

    def cmd_create(self, c):
        pop, offset, n, kind = int(c["pop"]), int(c["offset"]), int(c["n"]), c["kind"]
        mech = c["mechanism"]
        cls = getattr(h, mech, None)
        if cls is None:
            raise DriverError("NEURON has no mechanism `%s` (compiled mechanisms: pynn-rs's own)" % mech)
        self.check_late(mech)
        p = Pop(offset, n, kind, mech)
        p.id = pop
        for i in range(n):
            gid = offset + i
            PC.set_gid2node(gid, gid % NHOST)
            if not self.local(gid):
                continue
            cell = cls()
            p.cells[i] = cell
            nc = h.NetCon(cell, None)
            PC.cell(gid, nc)
        self.pops[pop] = p
        p.live_state = c.get("live_state", {})
        self.set_values(p, c.get("params", {}), range(n))
        self.set_values(p, c.get("state", {}), range(n))
        if self.initialized:
            self.set_values(p, p.live_state, range(n))
        if kind == "source":
            self.src_ncs[pop] = {i: h.NetCon(None, cell) for i, cell in p.cells.items()}
        if self.initialized:
            self.start_late(p)
        return {}

    def check_late(self, mech):
        if self.initialized and mech not in OURS and mech not in self.types_at_init:
            raise DriverError("NEURON cannot add instances of mechanism `%s` after the first run when none existed "
                              "before it (create such a population before running, or call reset() first)" % mech)

    def start_late(self, p):
        """Cells created after finitialize (PyNN allows creating after a run):
        their spikes are recorded, and ours get their initial state now and
        start ticking at the current step (an event with weight[1] = -1
        delivered at (k0 + 1/8) h, see the mechanisms' NET_RECEIVE), so they
        advance from the current step on, as the native engine's."""
        for i, cell in p.cells.items():
            PC.spike_record(p.offset + i, self.spike_t, self.spike_id)
        # new mechanism instances join NEURON's (sorted) model data at the
        # next structure update; fcurrent (no density mechanisms here: it
        # changes no state) makes it happen now, before events target them
        # or SaveState (cmd_record) walks the data
        h.fcurrent()
        if p.kind == "source" or not p.mech.startswith("Pynn"):
            return
        p.start_ncs = []
        for cell in p.cells.values():
            cell.init_state()
            nc = h.NetCon(None, cell)
            nc.weight[0] = float(self.step)
            nc.weight[1] = -1.0
            nc.event((self.step + 0.125) * self.dt)
            p.start_ncs.append(nc)

    def set_values(self, p, values, cells):
        cells = list(cells)
        for name, vals in values.items():
            for i, x in zip(cells, vals):
                cell = p.cells.get(i)
                if cell is not None:
                    setattr(cell, name, float(x))

    def cmd_get(self, c):
        """The current value of variable `var` of every cell of a population."""
        p = self.pops[int(c["pop"])]
        local = {i: float(getattr(cell, c["var"])) for i, cell in p.cells.items()}
        if NHOST > 1:
            for part in PC.py_gather(local, 0) or []:
                local.update(part)
        if RANK != 0:
            return {}
        return {"values": [local[i] for i in range(p.n)]}

    def cmd_set_params(self, c):
        pop = int(c["pop"])
        p = self.pops[pop]
        names = list(c["params"])
        what = "population %d (%s)" % (pop, p.mech)
        cell = next(iter(p.cells.values()), None)
        if cell is not None:
            self.check_names(what, "parameter", names, numeric_values(cell))
        # with the potentials the v_rest rule below moves
        kept = names + [n for n in ("y", "y_0") if cell is not None and has_value(cell, n)]

        def save():
            old = {i: {n: getattr(x, n) for n in kept} for i, x in p.cells.items()}
            return lambda: [setattr(p.cells[i], n, v) for i, vals in old.items() for n, v in vals.items()]

        self.change_all_or_nothing(what, save, lambda: self.set_params(p, c))
        return {}

    def set_params(self, p, c):
        # v_rest moves: keep the absolute potential (NEST does the same when E_L is set)
        if "v_rest" in c["params"] and p.mech == "PynnIafCurr":
            for i, x in enumerate(c["params"]["v_rest"]):
                cell = p.cells.get(i)
                if cell is not None:
                    cell.y = cell.y + cell.v_rest - float(x)
        if "v_rest" in c["params"] and p.mech == "PynnPointNeuron":
            for i, x in enumerate(c["params"]["v_rest"]):
                cell = p.cells.get(i)
                if cell is not None and cell.mode == 0:
                    cell.y_0 = cell.y_0 + cell.v_rest - float(x)
        self.set_values(p, c["params"], range(p.n))

    def cmd_set_state(self, c):
        p = self.pops[int(c["pop"])]
        cells = [int(i) for i in c["cells"]]
        self.set_values(p, c["state"], cells)
        live = c.get("live", {})
        if p.mech == "PynnIafCurr" and "vm" in live:
            # the mechanism integrates y = vm - v_rest
            for i, x in zip(cells, live["vm"]):
                cell = p.cells.get(i)
                if cell is not None:
                    cell.y = float(x) - cell.v_rest
        if p.mech == "PynnPointNeuron" and "vm" in live and self.initialized:
            # y_0 is the potential (relative to v_rest in mode 0)
            for i, x in zip(cells, live["vm"]):
                cell = p.cells.get(i)
                if cell is not None:
                    cell.y_0 = float(x) - (cell.v_rest if cell.mode == 0 else 0.0)
        if self.initialized:
            self.set_values(p, live, cells)
        else:
            for name, vals in live.items():
                p.live_state.setdefault(name, [0.0] * p.n)
                for i, x in zip(cells, vals):
                    p.live_state[name][i] = x
        return {}

    def cmd_connect(self, c):
        proj = int(c["proj"])
        pre = np.load(c["pre"]).astype(np.int64)
        post = np.load(c["post"]).astype(np.int64)
        weight = np.load(c["weight"])
        syn = c.get("synapse")
        if syn is not None and syn.get("model") == "gap":
            self.gaps[proj] = [[int(x) for x in pre], [int(x) for x in post], [float(x) for x in weight],
                               [(n, float(f)) for n, f in syn["v_pre"]], [(n, float(f)) for n, f in syn["v_post"]]]
            return {}
        delay = np.load(c["delay"])
        receptor = float(c["receptor"])
        owner = {}
        for k, p in self.pops.items():
            owner[k] = (p.offset, p.offset + p.n)
        ncs = {}
        for k in range(len(pre)):
            g = int(post[k])
            if not self.local(g):
                continue
            p = self.pop_of(g)
            target = p.cells[g - p.offset]
            nc = PC.gid_connect(int(pre[k]), target)
            nc.weight[0] = float(weight[k])
            if nc.wcnt() > 1:
                nc.weight[1] = receptor
            nc.delay = float(delay[k]) - EPS
            ncs[k] = nc
            self.out_ncs.setdefault(int(pre[k]), []).append(nc)
        self.projs[proj] = ncs
        return {}

    def pop_of(self, gid):
        for p in self.pops.values():
            if p.offset <= gid < p.offset + p.n:
                return p
        raise DriverError("no cell %d" % gid)

    def cmd_set_synaptic(self, c):
        values = np.load(c["values"])
        name = c["name"]
        gap = self.gaps.get(int(c["proj"]))
        if gap is not None:
            if name == "weight":
                gap[2] = [float(x) for x in values]
            return {}
        ncs = self.projs[int(c["proj"])]
        for k, nc in ncs.items():
            if name == "weight":
                nc.weight[0] = float(values[k])
            else:
                nc.delay = float(values[k]) - EPS
        return {}

    def cmd_record(self, c):
        p = self.pops[int(c["pop"])]
        p.spikes_plan = set(int(i) for i in c["spikes"])
        p.interval = int(c["interval_steps"])
        wanted = [(s["name"], s["var"], [int(i) for i in s["cells"]]) for s in c["signals"] if s["cells"]]
        old = {(s.name, tuple(s.cells)): s for s in p.signals}
        new, created = [], []
        for name, var, cells in wanted:
            s = old.get((name, tuple(cells)))
            if s is None:
                s = Signal(name, var, cells, self.step)
                created.append(s)
            new.append(s)
        if created and self.initialized:
            # Vector.record registered after finitialize records nothing:
            # keep what the vectors hold, then finitialize between a
            # SaveState save and restore (state, event queue and time come
            # back; the samples it records at t = 0 are skipped).
            self.harvest_all()
            ss = h.SaveState()
            ss.save()
            self.make_vectors(p, created)
            h.finitialize()
            ss.restore()
            for q in self.pops.values():
                for sig in q.signals + created:
                    sig.consumed = int(sig.tvec.size())
            # NEURON records the new vectors from the next step on: the
            # sample of the current step (where the recording starts) is read now
            for sig in created:
                sig.buf_steps.append(self.step)
                for i in sig.vecs:
                    sig.buf.setdefault(i, []).append(float(getattr(p.cells[i], sig.var)))
            self.spike_t.resize(0)
            self.spike_id.resize(0)
        else:
            self.make_vectors(p, created)
        p.signals = new
        return {}

    def make_vectors(self, p, signals):
        for s in signals:
            s.tvec = h.Vector()
            s.tvec.record(h._ref_t, sec=self.anchor)
            for i in s.cells:
                cell = p.cells.get(i)
                if cell is not None:
                    vec = h.Vector()
                    vec.record(getattr(cell, "_ref_" + s.var))
                    s.vecs[i] = vec

    def harvest_all(self):
        for q in self.pops.values():
            for sig in q.signals:
                sig.harvest(self.dt)
        self.harvest_spikes()

    def harvest_spikes(self):
        if self.early:
            self.all_t.append(np.asarray([t for t, _ in self.early], dtype=float))
            self.all_id.append(np.asarray([g for _, g in self.early], dtype=np.int64))
            self.early = []
        if self.spike_t.size():
            self.all_t.append(np.asarray(self.spike_t.as_numpy(), dtype=float).copy())
            self.all_id.append(np.asarray(self.spike_id.as_numpy(), dtype=np.int64).copy())
            self.spike_t.resize(0)
            self.spike_id.resize(0)

    def cmd_run(self, c):
        """Sources' spikes to schedule, current changes, then psolve to `step`."""
        end = int(c["step"])
        if not self.initialized:
            # spike_record(-1) covers the gids that exist when it is called
            PC.spike_record(-1, self.spike_t, self.spike_id)
            h.finitialize()
            self.initialized = True
            self.types_at_init = set(p.mech for p in self.pops.values())
            for p in self.pops.values():
                # state of native mechanisms (ours apply theirs in INITIAL)
                if not p.mech.startswith("Pynn"):
                    self.set_values(p, p.live_state, range(p.n))
        if c.get("src_cells"):
            cells = np.load(c["src_cells"]).astype(np.int64)
            steps = np.load(c["src_steps"]).astype(np.int64)
            for g, s in zip(cells, steps):
                g = int(g)
                if s == 0:
                    # every rank delivers through its own NetCons from g
                    t0 = -0.75 * self.dt
                    for nc in self.out_ncs.get(g, []):
                        nc.event(t0 + nc.delay)
                    if self.local(g):
                        self.early.append((t0, g))
                    continue
                if not self.local(g):
                    continue
                p = self.pop_of(g)
                nc = self.src_ncs[p.id][g - p.offset]
                nc.event((int(s) - 1) * self.dt + 0.25 * self.dt)
        if c.get("cur_steps"):
            steps = np.load(c["cur_steps"]).astype(np.int64)
            counts = np.load(c["cur_counts"]).astype(np.int64)
            cells = np.load(c["cur_cells"]).astype(np.int64)
            values = np.load(c["cur_values"])
            pos = 0
            for s, n in zip(steps, counts):
                self.psolve_to(int(s))
                for g, x in zip(cells[pos:pos + n], values[pos:pos + n]):
                    g = int(g)
                    if self.local(g):
                        p = self.pop_of(g)
                        p.cells[g - p.offset].i_inj = float(x)
                        self.inj_base[g] = float(x)
                pos += n
        self.psolve_to(end)
        return {"step": self.step}

    def cmd_drain(self, c):
        pop = int(c["pop"])
        p = self.pops.get(pop)
        if p is None:
            return {"spike_cells": None}
        # spikes of this population's recorded cells (local), as steps
        self.harvest_spikes()
        t = np.concatenate(self.all_t) if self.all_t else np.zeros(0)
        ids = np.concatenate(self.all_id) if self.all_id else np.zeros(0, np.int64)
        mine = (ids >= p.offset) & (ids < p.offset + p.n)
        steps = np.rint(t[mine] / self.dt - 0.25).astype(np.int64) + 1
        cells = ids[mine] - p.offset
        keep = np.isin(cells, np.asarray(sorted(p.spikes_plan), dtype=np.int64))
        local_spikes = (cells[keep], steps[keep])
        # signals: samples on the sampling grid in (taken, now]; the sample at
        # `now` is recorded by NEURON only at the next step, so it is read now
        local_signals = []
        for s in p.signals:
            s.harvest(self.dt)
            idx = [j for j, k in enumerate(s.buf_steps) if s.taken < k <= self.step and k % p.interval == 0]
            st = [s.buf_steps[j] for j in idx]
            data = {i: [s.buf[i][j] for j in idx] for i in s.vecs}
            if self.step % p.interval == 0 and self.step > s.taken and (not st or st[-1] < self.step):
                st.append(self.step)
                for i in s.vecs:
                    data[i].append(getattr(p.cells[i], s.var))
            if st:
                s.taken = st[-1]
            # drop what is handed over (and anything older)
            rest = [j for j, k in enumerate(s.buf_steps) if k > s.taken]
            s.buf_steps = [s.buf_steps[j] for j in rest]
            s.buf = {i: [v[j] for j in rest] for i, v in s.buf.items()}
            local_signals.append((st, data))
        gathered = PC.py_gather((local_spikes, local_signals), 0) if NHOST > 1 else [(local_spikes, local_signals)]
        if RANK != 0:
            return {}
        sc = np.concatenate([g[0][0] for g in gathered])
        ss = np.concatenate([g[0][1] for g in gathered])
        taken = self.spike_taken(pop)
        sel = (ss > taken) & (ss <= self.step)
        sc, ss = sc[sel], ss[sel]
        self.spike_taken_set(pop, self.step)
        signals = []
        for k, s in enumerate(p.signals):
            st = gathered[0][1][k][0]
            merged = {}
            for g in gathered:
                merged.update(g[1][k][1])
            data = np.array([[merged[i][j] for i in s.cells] for j in range(len(st))], dtype=float).reshape(-1)
            signals.append({"name": s.name, "cells": s.cells,
                            "steps": self.npy("steps", np.asarray(st, dtype=np.int64)),
                            "data": self.npy("data", data)})
        return self.spikes_answer(sc, ss, signals)

    def spike_taken(self, pop):
        # -1: a source's spikes at step 0 are handed over too
        return self._taken.get(pop, -1)

    def spike_taken_set(self, pop, step):
        self._taken[pop] = step

    def cmd_reset(self, c):
        PC.gid_clear()
        self.clear()
        return {}


# ---------------------------------------------------------------------------
# Plastic synapses (pynn-backends/src/neuron/plastic.rs)
#
# The rules run in Rust between min_delay slices.  Each slice is one
# "plastic_run": the weighted events of the previous slices are scheduled
# (an event of arrival step A at (A - 1) h + h/4 - EPS, when a static NetCon
# of the same delay delivers: see the module docstring), the slice is run as
# "run" does, and the spikes of the watched cells (pre- and post-synaptic to
# a plastic projection) come back as steps, gathered to rank 0.  The events
# use NetCon(None, cell) objects from a pool per target cell; a NetCon is
# reused once its last event has been delivered (NEURON reads an event's
# weight at delivery).
# ---------------------------------------------------------------------------

def _cmd_plastic_setup(self, c):
    self.pl_watch = np.asarray(c["watch"], dtype=np.int64)
    self.pl_pool = {}
    return {}


def _pl_netcon(self, gid, t):
    pool = self.pl_pool.setdefault(gid, [])
    now = h.t
    for item in pool:
        if item[1] < now:
            item[1] = t
            return item[0]
    p = self.pop_of(gid)
    nc = h.NetCon(None, p.cells[gid - p.offset])
    pool.append([nc, t])
    return nc


def _cmd_plastic_run(self, c):
    if not self.initialized:
        self.cmd_run({"step": self.step})  # finitialize (clears the queue), spike recording
    for g, r, a, w in zip(c["ev_cells"], c["ev_receptors"], c["ev_steps"], c["ev_weights"]):
        g = int(g)
        if not self.local(g):
            continue
        t = (int(a) - 1) * self.dt + 0.25 * self.dt - EPS
        nc = self._pl_netcon(g, t)
        nc.weight[0] = float(w)
        if nc.wcnt() > 1:
            nc.weight[1] = float(r)
        nc.event(t)
    n0 = len(self.all_t)
    self.cmd_run(c)
    self.harvest_spikes()
    t = np.concatenate(self.all_t[n0:]) if len(self.all_t) > n0 else np.zeros(0)
    ids = np.concatenate(self.all_id[n0:]) if len(self.all_id) > n0 else np.zeros(0, np.int64)
    keep = np.isin(ids, self.pl_watch)
    local = (ids[keep].tolist(), (np.rint(t[keep] / self.dt - 0.25).astype(np.int64) + 1).tolist())
    gathered = PC.py_gather(local, 0) if NHOST > 1 else [local]
    if RANK != 0:
        return {}
    return {"spike_cells": [x for g in gathered for x in g[0]],
            "spike_steps": [x for g in gathered for x in g[1]]}


Driver.cmd_plastic_setup = _cmd_plastic_setup
Driver._pl_netcon = _pl_netcon
Driver.cmd_plastic_run = _cmd_plastic_run


def main():
    Driver().serve()


if __name__ == "__main__":
    main()
