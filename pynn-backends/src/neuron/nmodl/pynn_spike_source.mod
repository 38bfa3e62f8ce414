COMMENT
pynn-rs: a spike source emitting at explicitly scheduled times.

The driver schedules one event per spike on a NetCon whose weight is the
source's current generation (NetCon.event); an event of an older generation
(spike times replaced between runs) is ignored. The spike trains themselves
come from pynn-rs (explicit times, or Poisson/gamma trains drawn in Rust from
the session's keyed streams), so they equal the native engine's.
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnSpikeSource
  RANGE generation
}

PARAMETER { generation = 0 }

NET_RECEIVE(w) {
  if (flag == 0 && w == generation) {
    net_event(t)
  }
}
