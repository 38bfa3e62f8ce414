COMMENT
pynn-rs: GIF_cond_exp, the generalized integrate-and-fire neuron with
escape noise (Mensi et al. 2012, Pozzorini et al. 2015), integrated as
NEST 3.10's gif_cond_exp::update() (models/gif_cond_exp.cpp) and as the
native engine's kernel (pynn-backends/src/native/gif.rs), in NEST's units
(mV, ms, nS, pF, pA; the injected current i_inj arrives in nA).

Per step h:
  1. stc (PyNN i_eta) = sum of the spike-triggered current elements and
     sfa (PyNN v_t) = v_t_star + sum of the threshold elements; then every
     element decays by its exact factor p_* = exp(-h / tau_*);
  2. (V, g_ex, g_in) advance over the step by GSL's adaptive RKF45
     (gsl_odeiv_control_y_new(1e-3, 0), step size carried from step to
     step), stc held constant; while refractory V enters the currents as
     v_reset and does not move;
  3. the step's synaptic input (nS) is added to g_ex, g_in;
  4. not refractory: lambda = lambda_0 exp((V - sfa) / delta_v) (1/ms); if
     lambda > 0 one uniform number u is drawn and u < 1 - exp(-lambda h)
     is a spike: the elements jump by q_*, the refractory count starts at
     refrac steps; refractory: the count decreases and V = v_reset.

The uniform numbers are the native engine's: draw number `ndraw` of the
cell's ChaCha8 stream (key_0..key_7, stream), see pynn_rkf45.inc. So for the
same session seed a population spikes exactly as on the native engine.
At most 10 elements per kernel (Rust checks), as scalar RANGE variables
(p_stc_j etc.: NEURON 9's SaveState rejects RANGE arrays).

An ARTIFICIAL_CELL advanced by a self-event per step, delivered at
(k + 1/4) h (see pynn_iaf_curr.mod and driver.py).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnGif
  RANGE h, g_l, e_l, v_reset, delta_v, v_t_star, lambda_0, e_ex, e_in, tau_e, tau_i, c_m, i_e, refrac
  RANGE n_stc, n_sfa, stream, ndraw0
  RANGE p_stc_0, p_stc_1, p_stc_2, p_stc_3, p_stc_4, p_stc_5, p_stc_6, p_stc_7, p_stc_8, p_stc_9
  RANGE q_stc_0, q_stc_1, q_stc_2, q_stc_3, q_stc_4, q_stc_5, q_stc_6, q_stc_7, q_stc_8, q_stc_9
  RANGE p_sfa_0, p_sfa_1, p_sfa_2, p_sfa_3, p_sfa_4, p_sfa_5, p_sfa_6, p_sfa_7, p_sfa_8, p_sfa_9
  RANGE q_sfa_0, q_sfa_1, q_sfa_2, q_sfa_3, q_sfa_4, q_sfa_5, q_sfa_6, q_sfa_7, q_sfa_8, q_sfa_9
  RANGE key_0, key_1, key_2, key_3, key_4, key_5, key_6, key_7
  RANGE v0, g_ex0, g_in0, stc0, sfa0
  RANGE vm, g_ex, g_in, stc, sfa, r, hstep, ndraw, buf_ex, buf_in, i_inj
  RANGE stc_e_0, stc_e_1, stc_e_2, stc_e_3, stc_e_4, stc_e_5, stc_e_6, stc_e_7, stc_e_8, stc_e_9
  RANGE sfa_e_0, sfa_e_1, sfa_e_2, sfa_e_3, sfa_e_4, sfa_e_5, sfa_e_6, sfa_e_7, sfa_e_8, sfa_e_9
}

PARAMETER {
  h = 0.1
  g_l = 50
  e_l = -65
  v_reset = -55
  delta_v = 0.5
  v_t_star = -35
  lambda_0 = 0.001
  e_ex = 0
  e_in = -85
  tau_e = 1.5
  tau_i = 10
  c_m = 1000
  i_e = 0
  refrac = 40
  n_stc = 0
  n_sfa = 0
  p_stc_0 p_stc_1 p_stc_2 p_stc_3 p_stc_4 p_stc_5 p_stc_6 p_stc_7 p_stc_8 p_stc_9
  q_stc_0 q_stc_1 q_stc_2 q_stc_3 q_stc_4 q_stc_5 q_stc_6 q_stc_7 q_stc_8 q_stc_9
  p_sfa_0 p_sfa_1 p_sfa_2 p_sfa_3 p_sfa_4 p_sfa_5 p_sfa_6 p_sfa_7 p_sfa_8 p_sfa_9
  q_sfa_0 q_sfa_1 q_sfa_2 q_sfa_3 q_sfa_4 q_sfa_5 q_sfa_6 q_sfa_7 q_sfa_8 q_sfa_9
  key_0 key_1 key_2 key_3 key_4 key_5 key_6 key_7
  stream = 0
  ndraw0 = 0
  v0 = -65
  g_ex0 = 0
  g_in0 = 0
  stc0 = 0
  sfa0 = -35
}

ASSIGNED {
  k vm g_ex g_in stc sfa r hstep ndraw buf_ex buf_in i_inj
  stc_e_0 stc_e_1 stc_e_2 stc_e_3 stc_e_4 stc_e_5 stc_e_6 stc_e_7 stc_e_8 stc_e_9
  sfa_e_0 sfa_e_1 sfa_e_2 sfa_e_3 sfa_e_4 sfa_e_5 sfa_e_6 sfa_e_7 sfa_e_8 sfa_e_9
}

INCLUDE "pynn_rkf45.inc"

VERBATIM
typedef struct {
  double P_g_l, P_e_l, P_v_reset, P_e_ex, P_e_in, P_tau_e, P_tau_i, P_c_m, P_i_e, P_i_stim, P_stc;
  int P_refractory;
} pynn_gif_par;

/* NEST's gif_cond_exp_dynamics */
static void pynn_gif_rhs(const void* pp, const double* y, double* f) {
  const pynn_gif_par* p = (const pynn_gif_par*) pp;
  double vv = p->P_refractory ? p->P_v_reset : y[0];
  double i_syn = y[1] * (vv - p->P_e_ex) + y[2] * (vv - p->P_e_in);
  double i_l = p->P_g_l * (vv - p->P_e_l);
  f[0] = p->P_refractory ? 0.0 : (-i_l + p->P_i_stim + p->P_i_e - i_syn - p->P_stc) / p->P_c_m;
  f[1] = -y[1] / p->P_tau_e;
  f[2] = -y[2] / p->P_tau_i;
}
ENDVERBATIM

FUNCTION advance() {
VERBATIM
  pynn_gif_par p;
  double y[3], tc = 0.0, st = hstep, s_stc = 0.0, s_sfa = v_t_star;
  int i, ns = (int) n_stc, nf = (int) n_sfa, spiked = 0;
  /* scalar RANGE variables (NEURON 9's SaveState rejects RANGE arrays) */
  const double p_stc[10] = {p_stc_0, p_stc_1, p_stc_2, p_stc_3, p_stc_4, p_stc_5, p_stc_6, p_stc_7, p_stc_8, p_stc_9};
  const double q_stc[10] = {q_stc_0, q_stc_1, q_stc_2, q_stc_3, q_stc_4, q_stc_5, q_stc_6, q_stc_7, q_stc_8, q_stc_9};
  const double p_sfa[10] = {p_sfa_0, p_sfa_1, p_sfa_2, p_sfa_3, p_sfa_4, p_sfa_5, p_sfa_6, p_sfa_7, p_sfa_8, p_sfa_9};
  const double q_sfa[10] = {q_sfa_0, q_sfa_1, q_sfa_2, q_sfa_3, q_sfa_4, q_sfa_5, q_sfa_6, q_sfa_7, q_sfa_8, q_sfa_9};
  double stc_e[10] = {stc_e_0, stc_e_1, stc_e_2, stc_e_3, stc_e_4, stc_e_5, stc_e_6, stc_e_7, stc_e_8, stc_e_9};
  double sfa_e[10] = {sfa_e_0, sfa_e_1, sfa_e_2, sfa_e_3, sfa_e_4, sfa_e_5, sfa_e_6, sfa_e_7, sfa_e_8, sfa_e_9};
  for (i = 0; i < ns; ++i) { s_stc += stc_e[i]; stc_e[i] *= p_stc[i]; }
  for (i = 0; i < nf; ++i) { s_sfa += sfa_e[i]; sfa_e[i] *= p_sfa[i]; }
  for (i = ns; i < 10; ++i) stc_e[i] = 0.0;
  for (i = nf; i < 10; ++i) sfa_e[i] = 0.0;
  stc = s_stc;
  sfa = s_sfa;
  p.P_g_l = g_l; p.P_e_l = e_l; p.P_v_reset = v_reset; p.P_e_ex = e_ex; p.P_e_in = e_in; p.P_tau_e = tau_e;
  p.P_tau_i = tau_i; p.P_c_m = c_m; p.P_i_e = i_e; p.P_i_stim = i_inj * 1000.0; p.P_stc = s_stc;
  p.P_refractory = r > 0;
  y[0] = vm; y[1] = g_ex; y[2] = g_in;
  while (tc < h) pynn_rkf45_step(pynn_gif_rhs, &p, 3, y, &tc, h, &st, 1e-3, 0.0, 1.0, 0.0);
  y[1] += buf_ex;
  y[2] += buf_in;
  if (r == 0) {
    double lambda = lambda_0 * exp((y[0] - s_sfa) / delta_v);
    if (lambda > 0.0) {
      const uint32_t kw[8] = {(uint32_t) key_0, (uint32_t) key_1, (uint32_t) key_2, (uint32_t) key_3, (uint32_t) key_4, (uint32_t) key_5, (uint32_t) key_6, (uint32_t) key_7};
      double u;
      u = pynn_uniform(kw, (uint64_t) stream, (uint64_t) ndraw);
      ndraw = ndraw + 1;
      if (u < -expm1(-lambda * h)) {
        for (i = 0; i < ns; ++i) stc_e[i] += q_stc[i];
        for (i = 0; i < nf; ++i) sfa_e[i] += q_sfa[i];
        r = refrac;
        spiked = 1;
      }
    }
  } else {
    r = r - 1;
    y[0] = v_reset;
  }
  vm = y[0]; g_ex = y[1]; g_in = y[2];
  hstep = st;
  stc_e_0 = stc_e[0]; stc_e_1 = stc_e[1]; stc_e_2 = stc_e[2]; stc_e_3 = stc_e[3]; stc_e_4 = stc_e[4]; stc_e_5 = stc_e[5]; stc_e_6 = stc_e[6]; stc_e_7 = stc_e[7]; stc_e_8 = stc_e[8]; stc_e_9 = stc_e[9];
  sfa_e_0 = sfa_e[0]; sfa_e_1 = sfa_e[1]; sfa_e_2 = sfa_e[2]; sfa_e_3 = sfa_e[3]; sfa_e_4 = sfa_e[4]; sfa_e_5 = sfa_e[5]; sfa_e_6 = sfa_e[6]; sfa_e_7 = sfa_e[7]; sfa_e_8 = sfa_e[8]; sfa_e_9 = sfa_e[9];
  _ladvance = (double) spiked;
ENDVERBATIM
}

PROCEDURE init_state() {
  vm = v0
  g_ex = g_ex0
  g_in = g_in0
  stc = stc0
  sfa = sfa0
  stc_e_0 = 0 stc_e_1 = 0 stc_e_2 = 0 stc_e_3 = 0 stc_e_4 = 0 stc_e_5 = 0 stc_e_6 = 0 stc_e_7 = 0 stc_e_8 = 0 stc_e_9 = 0
  sfa_e_0 = 0 sfa_e_1 = 0 sfa_e_2 = 0 sfa_e_3 = 0 sfa_e_4 = 0 sfa_e_5 = 0 sfa_e_6 = 0 sfa_e_7 = 0 sfa_e_8 = 0 sfa_e_9 = 0
  r = 0
  hstep = h
  ndraw = ndraw0
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
    if (advance() > 0) {
      net_event(t)
    }
    buf_ex = 0
    buf_in = 0
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
