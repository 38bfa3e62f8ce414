COMMENT
pynn-rs: leaky integrate-and-fire neuron with current-based synapses
(IF_curr_exp, IF_curr_alpha, IF_curr_delta), integrated exactly on the
time grid as NEST 3.10's iaf_psc_exp / iaf_psc_alpha / iaf_psc_delta.

An ARTIFICIAL_CELL: the membrane is not a NEURON section. The cell
advances by one time step h per self-event ("tick"); the tick of step k
(t_k -> t_k + h) is delivered at (k + 1/4) h and sends the spikes found in
it at that time. Connections have NetCon delay d - 1e-9 ms (see
pynn-backends/src/neuron/driver.py), so an input arrives just before the
tick that must add it, never in a tie with it.

Per step (NEST's update order):
  1. unless refractory: y <- propagated y (the potential relative to v_rest),
     from the synaptic state and the injected current at the start of the
     step; else the refractory counter decreases;
  2. synaptic currents decay, then the input of the step is added
     (shape 0: exponential, 1: alpha with e/tau_syn normalisation,
      2: delta, a jump of the potential in step 1, lost when refractory);
  3. y >= theta: spike (net_event), y <- v_reset, counter <- refrac.

The propagators (p22, p20, p21*, p31*, em1 = expm1(-h/tau_m)) are computed by
the Rust side (pynn-backends/src/neuron/translate.rs) with NEST's guards for
tau_m ~ tau_syn. Units: mV, nA, ms (weights nA, or mV for shape 2).
The membrane potential is `vm` (`v` is NEURON's section potential).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnIafCurr
  RANGE shape, h, v_rest, theta, v_reset, i_offset, refrac
  RANGE p22, em1, p20, p11e, p11i, p21e, p21i, p31e, p31i, epsc0, ipsc0
  RANGE v0, isyn_exc0, isyn_inh0
  RANGE vm, y, isyn_exc, isyn_inh, di_ex, di_in, r, buf_ex, buf_in, i_inj
}

PARAMETER {
  shape = 0
  h = 0.1
  v_rest = -65
  theta = 15
  v_reset = 0
  i_offset = 0
  refrac = 1
  p22 = 1
  em1 = 0
  p20 = 0
  p11e = 0
  p11i = 0
  p21e = 0
  p21i = 0
  p31e = 0
  p31i = 0
  epsc0 = 0
  ipsc0 = 0
  v0 = -65
  isyn_exc0 = 0
  isyn_inh0 = 0
}

ASSIGNED {
  k vm y isyn_exc isyn_inh di_ex di_in r buf_ex buf_in i_inj
}

PROCEDURE init_state() {
  y = v0 - v_rest
  vm = v0
  isyn_exc = isyn_exc0
  isyn_inh = isyn_inh0
  di_ex = 0
  di_in = 0
  r = 0
  buf_ex = 0
  buf_in = 0
}

INITIAL {
  init_state()
  k = 0
  net_send(0.25 * h, 1)
}

NET_RECEIVE(w, receptor) {
  : keeps weight[1] (the receptor) through finitialize, which would zero it
  INITIAL { }
  if (flag == 1) {
    if (r == 0) {
      if (shape == 0) {
        y = y * p22 + isyn_exc * p21e + isyn_inh * p21i + (i_offset + i_inj) * p20
      } else if (shape == 1) {
        y = p20 * (i_inj + i_offset) + p31e * di_ex + p21e * isyn_exc + p31i * di_in + p21i * isyn_inh + em1 * y + y
      } else {
        y = p20 * (i_inj + i_offset) + p22 * y + (buf_ex + buf_in)
      }
    } else {
      r = r - 1
    }
    if (shape == 0) {
      isyn_exc = isyn_exc * p11e + buf_ex
      isyn_inh = isyn_inh * p11i + buf_in
    } else if (shape == 1) {
      isyn_exc = h * p11e * di_ex + p11e * isyn_exc
      di_ex = di_ex * p11e + epsc0 * buf_ex
      isyn_inh = h * p11i * di_in + p11i * isyn_inh
      di_in = di_in * p11i + ipsc0 * buf_in
    }
    buf_ex = 0
    buf_in = 0
    if (y >= theta) {
      r = refrac
      y = v_reset
      net_event(t)
    }
    vm = y + v_rest
    : the next tick at the absolute time (k + 1/4) h (no drift)
    k = k + 1
    net_send((k + 0.25) * h - t, 1)
  } else {
    : a cell created after the first run: the driver calls init_state() and
    : sends this event (weight[1] = -1, weight[0] = the current step k0)
    if (receptor < 0) {
      k = w
      net_send((k + 0.25) * h - t, 1)
    } else if (receptor == 0) {
      buf_ex = buf_ex + w
    } else {
      buf_in = buf_in + w
    }
  }
}
