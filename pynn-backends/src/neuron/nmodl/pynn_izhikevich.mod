COMMENT
pynn-rs: Izhikevich (2003) neuron, updated on the time grid as NEST 3.10's
`izhikevich` model (one forward-Euler step of h per time step, both
variables from their values at the start of the step; synaptic input is a
jump of v in mV; v >= 30 mV: v <- c, u <- u + d, spike).

An ARTIFICIAL_CELL advanced by a self-event per step, delivered at
t_k + h/4 (see pynn_iaf_curr.mod for the timing convention).
Units: mV, ms, pA for i_e and the injected current (NEST's dimensionless
form: dv/dt = 0.04 v^2 + 5 v + 140 - u + I).
The membrane potential is `vm` (`v` is NEURON's section potential).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnIzhikevich
  RANGE h, a, b, c, d, i_e, v0, u0
  RANGE vm, u, i_inj, buf
}

PARAMETER {
  h = 0.1
  a = 0.02
  b = 0.2
  c = -65
  d = 2
  i_e = 0
  v0 = -70
  u0 = -14
}

ASSIGNED { k vm u i_inj buf }

PROCEDURE init_state() {
  vm = v0
  u = u0
  buf = 0
}

INITIAL {
  init_state()
  k = 0
  net_send(0.25 * h, 1)
}

NET_RECEIVE(w, receptor) {
  : keeps weight[1] (the receptor) through finitialize, which would zero it
  LOCAL v_old, u_old
  INITIAL { }
  if (flag == 1) {
    v_old = vm
    u_old = u
    vm = vm + h * (0.04 * v_old * v_old + 5 * v_old + 140 - u_old + 1000 * i_inj + i_e) + buf
    u = u + h * a * (b * v_old - u_old)
    buf = 0
    if (vm >= 30) {
      vm = c
      u = u + d
      net_event(t)
    }
    : the next tick at the absolute time (k + 1/4) h (no drift)
    k = k + 1
    net_send((k + 0.25) * h - t, 1)
  } else {
    : a cell created after the first run: the driver calls init_state() and
    : sends this event (weight[1] = -1, weight[0] = the current step k0)
    if (receptor < 0) {
      k = w
      net_send((k + 0.25) * h - t, 1)
    } else {
      buf = buf + w
    }
  }
}
