"""Reads the recorded data that pynn-rs writes (``NAME.npz`` + ``NAME.json``,
see pynn-core/src/io.rs) into Neo objects, ready for Elephant.

    import sys; sys.path.insert(0, "pynn-core/python"); import pynn_neo
    block = pynn_neo.read_block("out/va_cuba-native", "exc")   # a neo.Block
    blocks = pynn_neo.read("out/va_cuba-native")               # one neo.Block per population

Each population becomes a ``neo.Block`` named by its label, as PyNN's
``get_data()`` returns it: one ``neo.Segment`` per run between resets, one
``neo.SpikeTrain`` per recorded cell (ms, with ``t_start``/``t_stop`` and the
annotations ``source_index`` and ``source_population``), one
``neo.AnalogSignal`` per recorded variable (samples x cells, with its units,
``t_start``, ``sampling_period`` and the array annotation ``channel_index``:
the population index of each column). The block's annotations hold the
population's label, size and cell type and the provenance of the run
(simulator, dt, seed, min_delay, max_delay, t_stop, pynn_rs_version, and any
entry the writer added).

Needs numpy, quantities and neo (``pip install neo``); nothing else. Values
are the recorded float64 values, unchanged.
"""

import json

import numpy as np
import quantities as pq
import neo

__all__ = ["read", "read_block"]

FORMAT = "pynn-rs npz v1"
# Annotations kept as text even when they look like numbers.
_TEXT = {"label", "cell_type", "simulator", "pynn_rs_version"}


def _paths(path):
    base = str(path)
    for ext in (".npz", ".json"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base + ".npz", base + ".json"


def _typed(key, text):
    """The block annotations are written as text: numbers become numbers."""
    if key in _TEXT or not isinstance(text, str):
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _units(text):
    """The quantities unit named ``text``; dimensionless for "" or a name
    quantities does not know (the signal then keeps ``text`` as its
    annotation ``units_written``)."""
    if not text:
        return pq.dimensionless
    try:
        return pq.Quantity(1.0, text).units
    except Exception:
        return None


def _block(arrays, meta, pop):
    label = pop["label"]
    annotations = dict(meta.get("provenance", {}))
    annotations.update({k: _typed(k, v) for k, v in pop.get("annotations", {}).items()})
    annotations["label"] = label
    block = neo.Block(name=label)
    block.annotate(**annotations)
    units = pop.get("units", {})
    for seg_meta in pop["segments"]:
        key = seg_meta["key"]
        seg = neo.Segment(name=seg_meta["name"])
        index = arrays[key + ".spike_index"]
        times = arrays[key + ".spike_times"]
        t_start = float(seg_meta["t_start"])
        t_stop = seg_meta["t_stop"]
        t_stop = float(t_stop) if t_stop is not None else max([t_start] + times.tolist())
        for cell in seg_meta["spike_recorded_cells"]:
            st = neo.SpikeTrain(
                times[index == cell],
                units="ms",
                t_start=t_start,
                t_stop=t_stop,
                source_index=int(cell),
                source_population=label,
            )
            st.segment = seg
            seg.spiketrains.append(st)
        for name, s in seg_meta["signals"].items():
            channels = np.asarray(s["channel_index"], dtype=np.int64)
            unit = _units(units.get(name, ""))
            extra = {} if unit is not None else {"units_written": units.get(name)}
            sig = neo.AnalogSignal(
                arrays[key + "." + name],
                units=unit if unit is not None else pq.dimensionless,
                t_start=s["t_start"] * pq.ms,
                sampling_period=s["sampling_period"] * pq.ms,
                name=name,
                source_population=label,
                array_annotations={"channel_index": channels},
                **extra
            )
            sig.segment = seg
            seg.analogsignals.append(sig)
        seg.block = block
        block.segments.append(seg)
    return block


def read(path):
    """All populations written at ``path`` (``NAME``, ``NAME.npz`` or
    ``NAME.json``), as a list of ``neo.Block``, in the order written."""
    npz, sidecar = _paths(path)
    with open(sidecar) as f:
        meta = json.load(f)
    if meta.get("format") != FORMAT:
        raise ValueError("%s: format %r, expected %r" % (sidecar, meta.get("format"), FORMAT))
    with np.load(npz) as d:
        arrays = {k: d[k] for k in d.files}
    return [_block(arrays, meta, pop) for pop in meta["populations"]]


def read_block(path, label=None):
    """The ``neo.Block`` of the population ``label`` written at ``path`` (the
    only one if ``label`` is None)."""
    blocks = read(path)
    if label is None:
        if len(blocks) != 1:
            raise ValueError("%s holds %d populations (%s): name one"
                             % (path, len(blocks), ", ".join(b.name for b in blocks)))
        return blocks[0]
    for b in blocks:
        if b.name == label:
            return b
    raise ValueError("%s: no population %r; written: %s" % (path, label, ", ".join(b.name for b in blocks)))
