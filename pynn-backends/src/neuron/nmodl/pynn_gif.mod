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
cell's ChaCha8 stream (key[0..8], stream), see pynn_rkf45.inc. So for the
same session seed a population spikes exactly as on the native engine.
At most 10 elements per kernel (Rust checks).

An ARTIFICIAL_CELL advanced by a self-event per step, delivered at
(k + 1/4) h (see pynn_iaf_curr.mod and driver.py).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnGif
  RANGE h, g_l, e_l, v_reset, delta_v, v_t_star, lambda_0, e_ex, e_in, tau_e, tau_i, c_m, i_e, refrac
  RANGE n_stc, n_sfa, p_stc, q_stc, p_sfa, q_sfa, key, stream, ndraw0
  RANGE v0, g_ex0, g_in0, stc0, sfa0
  RANGE vm, g_ex, g_in, stc, sfa, stc_e, sfa_e, r, hstep, ndraw, buf_ex, buf_in, i_inj
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
  p_stc[10]
  q_stc[10]
  p_sfa[10]
  q_sfa[10]
  key[8]
  stream = 0
  ndraw0 = 0
  v0 = -65
  g_ex0 = 0
  g_in0 = 0
  stc0 = 0
  sfa0 = -35
}

ASSIGNED {
  k vm g_ex g_in stc sfa stc_e[10] sfa_e[10] r hstep ndraw buf_ex buf_in i_inj
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
      uint32_t kw[8];
      double u;
      for (i = 0; i < 8; ++i) kw[i] = (uint32_t) key[i];
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
  _ladvance = (double) spiked;
ENDVERBATIM
}

INITIAL {
  vm = v0
  g_ex = g_ex0
  g_in = g_in0
  stc = stc0
  sfa = sfa0
  FROM i = 0 TO 9 {
    stc_e[i] = 0
    sfa_e[i] = 0
  }
  r = 0
  hstep = h
  ndraw = ndraw0
  buf_ex = 0
  buf_in = 0
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
    if (receptor == 0) {
      buf_ex = buf_ex + w
    } else {
      buf_in = buf_in + w
    }
  }
}
