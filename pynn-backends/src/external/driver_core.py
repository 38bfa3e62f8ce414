"""pynn-rs driver core: what the NEST, NEURON and Brian2 drivers share.

The Rust side (pynn-backends/src/external/process.rs) writes this module next to a
simulator's `driver.py` in the session's work directory and runs
`python driver.py WORK` (under the MPI launcher when NEURON runs on several ranks); the driver imports
it before anything else and subclasses `DriverCore`.

Protocol: one JSON object per line on stdin (a command, key "cmd"), one JSON
object per line on stdout (the answer: {"ok": true, ...} or {"ok": false,
"error": message, "type": exception type, "traceback": ...}).  Large arrays
travel as .npy files in the work directory given as the first argument.
Everything else the process prints (banners, simulator messages, the
traceback of every error answer) goes to stderr, which Rust keeps in a log.

What a simulator's driver supplies:

* `SIMULATOR` (the name in "cannot import X") and `IMPORT_ERROR` (the
  import failure as text, or None), reported by the "hello" command;
  `hello()` returns the simulator's own keys of the "hello" answer;
* its handlers: every method `cmd_NAME(self, command) -> dict` answers the
  command "NAME" (the table `handlers`, built once from the class);
* under MPI, `RANK`, `NHOST` and `broadcast`/`gather`: rank 0 reads the
  commands and broadcasts them, every rank runs them, the answers are
  gathered to rank 0, which replies (the first failure of any rank wins);
* `finish(reason)`: what to do when the loop ends ("quit" or "eof").

Changes of model values go through `change_all_or_nothing`: a name the
simulator does not know is an error naming it and the known ones, and a
change the simulator refuses (NEST checks values node by node) is undone,
so the model keeps every value it had before the command.
"""

import json
import os
import sys
import traceback

# The protocol owns the real stdout; everything printed by Python or the
# simulators' C/C++ code goes to stderr.
PROTO = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr

# The work directory (.npy files in both directions).
WORK = sys.argv[1] if len(sys.argv) > 1 else "."


class DriverError(Exception):
    """An error found by a driver itself (answered with type "DriverError")."""


class Refused(Exception):
    """A change the simulator refused, already undone: answered with the
    simulator's exception type and message, plus what was kept."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def import_error(e):
    """An import failure as the text "hello" reports ("ModuleNotFoundError: ...")."""
    return "%s: %s" % (type(e).__name__, e)


def concat(parts, dtype):
    """The concatenation of a list of 1-D arrays (empty: an empty array)."""
    import numpy as np
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


class DriverCore:
    """The command loop and helpers; a simulator's `Driver` extends it."""

    SIMULATOR = "?"
    IMPORT_ERROR = None
    RANK = 0
    NHOST = 1

    def __init__(self):
        self.counter = 0
        self.handlers = {name[len("cmd_"):]: getattr(self, name)
                         for name in dir(type(self)) if name.startswith("cmd_")}

    # -- files -----------------------------------------------------------
    def npy(self, name, arr):
        """Saves an array to a fresh out_N_NAME.npy of the work directory; its path."""
        import numpy as np
        self.counter += 1
        path = os.path.join(WORK, "out_%d_%s.npy" % (self.counter, name))
        np.save(path, arr)
        return path

    def spikes_answer(self, cells, steps, signals):
        """The answer of "drain": spikes as (cell, step) files sorted by
        step, then cell, and the signals (already written)."""
        import numpy as np
        order = np.lexsort((cells, steps))
        return {"spike_cells": self.npy("cells", cells[order].astype(np.int64)),
                "spike_steps": self.npy("ssteps", steps[order].astype(np.int64)),
                "signals": signals}

    @staticmethod
    def same_recording(active, wanted, interval):
        """Whether the active recorders (`kind`, `var`, `cells` and, for
        signals, `interval` attributes) already record `wanted`, a list of
        (kind, var, ..., cells) in the same order at sampling interval
        `interval`: a "record" command that changes nothing."""
        return len(active) == len(wanted) and all(
            r.kind == w[0] and r.var == w[1] and r.cells.tolist() == w[-1] and
            (w[0] == "spikes" or r.interval == interval)
            for r, w in zip(active, wanted))

    # -- checked changes ---------------------------------------------------
    @staticmethod
    def check_names(what, kind, names, known):
        """Every name of `names` must be in `known`, else an error naming
        the object `what`, the unknown name and the known ones."""
        known = set(known)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise DriverError("%s has no %s `%s` (it has: %s)"
                              % (what, kind, unknown[0], ", ".join(sorted(known)) or "none"))

    @staticmethod
    def change_all_or_nothing(what, save, apply):
        """Runs `apply()`; if the simulator refuses (any exception), puts back
        what `save()` (called first) returned a restorer for, and answers
        with the simulator's error, saying that nothing changed."""
        restore = save()
        try:
            apply()
        except Exception as e:
            try:
                restore()
            except Exception as again:
                raise DriverError("%s: %s: %s, and restoring the previous values failed (%s: %s); the "
                                  "session must be reset" % (what, type(e).__name__, e,
                                                             type(again).__name__, again)) from e
            raise Refused(type(e).__name__, "%s (%s keeps its previous values)" % (e, what)) from e

    # -- commands every driver has -----------------------------------------
    def hello(self):
        """The simulator's own keys of the "hello" answer (its version)."""
        return {}

    def cmd_hello(self, c):
        if self.IMPORT_ERROR is not None:
            raise DriverError("cannot import %s: %s" % (self.SIMULATOR, self.IMPORT_ERROR))
        answer = self.hello()
        answer["python"] = sys.version.split()[0]
        return answer

    def cmd_quit(self, c):
        return {}

    # -- the loop ------------------------------------------------------------
    def broadcast(self, line):
        """Rank 0's line to every rank (MPI drivers override it)."""
        return line

    def gather(self, answer):
        """Every rank's answer, at rank 0 (MPI drivers override it)."""
        return [answer]

    def finish(self, reason):
        """Called once the loop ends: `reason` is "quit" or "eof"."""

    def handle(self, line):
        """One command line -> (answer, command name or None)."""
        name = None
        try:
            c = json.loads(line)
            name = c["cmd"]
            handler = self.handlers.get(name)
            if handler is None:
                raise DriverError("unknown command `%s` (this %s driver knows: %s)"
                                  % (name, self.SIMULATOR, ", ".join(sorted(self.handlers))))
            answer = handler(c)
            answer["ok"] = True
        except Exception as e:  # every error goes back to Rust
            kind = getattr(e, "kind", None) or type(e).__name__
            text = traceback.format_exc()
            sys.stderr.write(text)
            sys.stderr.flush()
            answer = {"ok": False, "type": kind, "error": str(e) or kind, "traceback": text}
        return answer, name

    def serve(self):
        """Answers commands until "quit" or the end of stdin."""
        lines = iter(sys.stdin) if self.RANK == 0 else None
        reason = "eof"
        while True:
            line = None
            if self.RANK == 0:
                line = next(lines, None)
                if line is not None and not line.strip():
                    continue
            if self.NHOST > 1:
                line = self.broadcast(line)
            if line is None:
                break
            answer, name = self.handle(line)
            if self.NHOST > 1:
                answers = self.gather(answer)
                if self.RANK == 0:
                    bad = [a for a in answers if not a.get("ok")]
                    if bad and answer.get("ok"):
                        answer = bad[0]
            if self.RANK == 0:
                PROTO.write(json.dumps(answer) + "\n")
                PROTO.flush()
            if name == "quit":
                reason = "quit"
                break
        self.finish(reason)
