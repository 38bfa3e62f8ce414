COMMENT
pynn-rs: the nonlinear and conductance-based standard cells, integrated as
NEST 3.10 integrates them: GSL's adaptive Runge-Kutta-Fehlberg 4(5)
(`rkf45` stepper, standard step-size control, the step size carried from
one time step to the next: pynn_rkf45_step of pynn_rkf45.inc), then NEST's
spike/reset/refractory rules and synaptic input at the end of the step. The formulas are those of the
native engine (pynn-backends/src/native/cond.rs, adex.rs, hh.rs, rkf45.rs),
which follow NEST's `iaf_cond_exp`, `iaf_cond_alpha`, `iaf_cond_exp_sfa_rr`,
`aeif_cond_exp`, `aeif_cond_alpha` and `hh_cond_exp_traub`.

model  PyNN type                              state s0..s5
  0    IF_cond_exp, IF_facets_hardware1       v, g_ex, g_in
  1    IF_cond_alpha                          v, dg_ex, g_ex, dg_in, g_in
  2    IF_cond_exp_gsfa_grr                   v, g_ex, g_in, g_sfa, g_rr
  3    EIF_cond_exp_isfa_ista                 v, g_ex, g_in, w
  4    EIF_cond_alpha_isfa_ista               v, dg_ex, g_ex, dg_in, g_in, w
  5    HH_cond_exp                            v, m, h, n, g_ex, g_in

NEST's units: mV, ms, nS, pF, pA (the Rust side translates; the injected
current i_inj arrives in nA). An ARTIFICIAL_CELL advanced by a self-event
per step, delivered at (k + 1/4) h (see pynn_iaf_curr.mod).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnOdeCell
  RANGE model, h, v_th, v_reset, e_l, g_l, c_m, e_ex, e_in, tau_e, tau_i, i_e, refrac, psc_e, psc_i
  RANGE tau_sfa, e_sfa, q_sfa, tau_rr, e_rr, q_rr
  RANGE v_peak, v_detect, a, b, delta_t, tau_w
  RANGE g_na, g_k, v_t, e_na, e_k
  RANGE s0_init, s1_init, s2_init, s3_init, s4_init, s5_init
  RANGE s0, s1, s2, s3, s4, s5, r, hstep, buf_ex, buf_in, i_inj
}

PARAMETER {
  model = 0
  h = 0.1
  v_th = -50
  v_reset = -65
  e_l = -65
  g_l = 50
  c_m = 1000
  e_ex = 0
  e_in = -70
  tau_e = 5
  tau_i = 5
  i_e = 0
  refrac = 1
  psc_e = 0
  psc_i = 0
  tau_sfa = 100
  e_sfa = -75
  q_sfa = 0
  tau_rr = 2
  e_rr = -75
  q_rr = 0
  v_peak = 0
  v_detect = 0
  a = 0
  b = 0
  delta_t = 0
  tau_w = 100
  g_na = 0
  g_k = 0
  v_t = -63
  e_na = 50
  e_k = -90
  s0_init = -65
  s1_init = 0
  s2_init = 0
  s3_init = 0
  s4_init = 0
  s5_init = 0
}

ASSIGNED {
  k s0 s1 s2 s3 s4 s5 r hstep buf_ex buf_in i_inj
}

INCLUDE "pynn_rkf45.inc"

VERBATIM
typedef struct {
  int P_model;
  double P_v_th, P_v_reset, P_e_l, P_g_l, P_c_m, P_e_ex, P_e_in, P_tau_e, P_tau_i, P_i_e, P_psc_e, P_psc_i;
  double P_tau_sfa, P_e_sfa, P_q_sfa, P_tau_rr, P_e_rr, P_q_rr;
  double P_v_peak, P_v_detect, P_a, P_b, P_delta_t, P_tau_w;
  double P_g_na, P_g_k, P_v_t, P_e_na, P_e_k;
  int P_refractory;
  double P_i_stim;
} pynn_par;

/* right-hand side (NEST's dynamics functions) */
static void pynn_rhs(const pynn_par* p, const double* y, double* f) {
  double vv, i_syn, i_l;
  switch (p->P_model) {
  case 0: case 1: case 2: {
    int ge = p->P_model == 1 ? 2 : 1, gi = p->P_model == 1 ? 4 : 2;
    vv = p->P_refractory ? p->P_v_reset : fmin(y[0], p->P_v_th);
    i_syn = y[ge] * (vv - p->P_e_ex) + y[gi] * (vv - p->P_e_in);
    i_l = p->P_g_l * (vv - p->P_e_l);
    if (p->P_model == 2) {
      double i_sfa = y[3] * (vv - p->P_e_sfa), i_rr = y[4] * (vv - p->P_e_rr);
      f[0] = p->P_refractory ? 0.0 : (-i_l + p->P_i_stim + p->P_i_e - i_syn - i_sfa - i_rr) / p->P_c_m;
      f[1] = -y[1] / p->P_tau_e;
      f[2] = -y[2] / p->P_tau_i;
      f[3] = -y[3] / p->P_tau_sfa;
      f[4] = -y[4] / p->P_tau_rr;
    } else if (p->P_model == 1) {
      f[0] = p->P_refractory ? 0.0 : (-i_l - i_syn + p->P_i_stim + p->P_i_e) / p->P_c_m;
      f[1] = -y[1] / p->P_tau_e;
      f[2] = y[1] - y[2] / p->P_tau_e;
      f[3] = -y[3] / p->P_tau_i;
      f[4] = y[3] - y[4] / p->P_tau_i;
    } else {
      f[0] = p->P_refractory ? 0.0 : (-i_l + p->P_i_stim + p->P_i_e - i_syn) / p->P_c_m;
      f[1] = -y[1] / p->P_tau_e;
      f[2] = -y[2] / p->P_tau_i;
    }
    break;
  }
  case 3: case 4: {
    int alpha = p->P_model == 4;
    double gex = alpha ? y[2] : y[1], gin = alpha ? y[4] : y[2], ww = alpha ? y[5] : y[3];
    double i_spike, dv, dw;
    vv = p->P_refractory ? p->P_v_reset : fmin(y[0], p->P_v_peak);
    i_syn = gex * (vv - p->P_e_ex) + gin * (vv - p->P_e_in);
    i_spike = p->P_delta_t == 0.0 ? 0.0 : p->P_g_l * p->P_delta_t * exp((vv - p->P_v_th) / p->P_delta_t);
    dv = p->P_refractory ? 0.0 : (-p->P_g_l * (vv - p->P_e_l) + i_spike - i_syn - ww + p->P_i_e + p->P_i_stim) / p->P_c_m;
    dw = (p->P_a * (vv - p->P_e_l) - ww) / p->P_tau_w;
    f[0] = dv;
    if (alpha) {
      f[1] = -y[1] / p->P_tau_e;
      f[2] = y[1] - y[2] / p->P_tau_e;
      f[3] = -y[3] / p->P_tau_i;
      f[4] = y[3] - y[4] / p->P_tau_i;
      f[5] = dw;
    } else {
      f[1] = -y[1] / p->P_tau_e;
      f[2] = -y[2] / p->P_tau_i;
      f[3] = dw;
    }
    break;
  }
  default: {
    double m = y[1], hh = y[2], n = y[3], u;
    double i_na, i_k, alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h;
    vv = y[0];
    i_na = p->P_g_na * m * m * m * hh * (vv - p->P_e_na);
    i_k = p->P_g_k * n * n * n * n * (vv - p->P_e_k);
    i_l = p->P_g_l * (vv - p->P_e_l);
    i_syn = y[4] * (vv - p->P_e_ex) + y[5] * (vv - p->P_e_in);
    f[0] = (-i_na - i_k - i_l - i_syn + p->P_i_stim + p->P_i_e) / p->P_c_m;
    u = vv - p->P_v_t;
    alpha_n = 0.032 * (15.0 - u) / (exp((15.0 - u) / 5.0) - 1.0);
    beta_n = 0.5 * exp((10.0 - u) / 40.0);
    alpha_m = 0.32 * (13.0 - u) / (exp((13.0 - u) / 4.0) - 1.0);
    beta_m = 0.28 * (u - 40.0) / (exp((u - 40.0) / 5.0) - 1.0);
    alpha_h = 0.128 * exp((17.0 - u) / 18.0);
    beta_h = 4.0 / (1.0 + exp((40.0 - u) / 5.0));
    f[1] = alpha_m - (alpha_m + beta_m) * m;
    f[2] = alpha_h - (alpha_h + beta_h) * hh;
    f[3] = alpha_n - (alpha_n + beta_n) * n;
    f[4] = -y[4] / p->P_tau_e;
    f[5] = -y[5] / p->P_tau_i;
  }
  }
}

/* pynn_rkf45_step's right-hand side (pynn_rkf45.inc) */
static void pynn_ode_rhs(const void* pp, const double* y, double* f) {
  pynn_rhs((const pynn_par*) pp, y, f);
}

/* One time step of length hh of one cell; returns 1 if it spiked.
   ex, inh: summed weights (nS) arriving at the end of the step. */
static int pynn_ode_step(pynn_par* p, double* y, double* nr, double* step, double hh, double nref,
                         double ex, double inh) {
  int spiked = 0;
  int m = p->P_model;
  if (m <= 2) {
    int n = m == 0 ? 3 : 5;
    double tc = 0.0;
    p->P_refractory = *nr > 0;
    while (tc < hh) pynn_rkf45_step(pynn_ode_rhs, p, n, y, &tc, hh, step, 1e-3, 0.0, 1.0, 0.0);
    if (m == 1) {
      if (*nr > 0) { *nr -= 1; y[0] = p->P_v_reset; }
      else if (y[0] >= p->P_v_th) { *nr = nref; y[0] = p->P_v_reset; spiked = 1; }
      y[1] += ex * p->P_psc_e;
      y[3] += inh * p->P_psc_i;
    } else {
      y[1] += ex;
      y[2] += inh;
      if (*nr > 0) { *nr -= 1; y[0] = p->P_v_reset; }
      else if (y[0] >= p->P_v_th) {
        *nr = nref; y[0] = p->P_v_reset; spiked = 1;
        if (m == 2) { y[3] += p->P_q_sfa; y[4] += p->P_q_rr; }
      }
    }
  } else if (m <= 4) {
    int alpha = m == 4, n = alpha ? 6 : 4, wi = alpha ? 5 : 3;
    double tc = 0.0;
    while (tc < hh) {
      p->P_refractory = *nr > 0;
      pynn_rkf45_step(pynn_ode_rhs, p, n, y, &tc, hh, step, 1e-6, 1e-6, 0.0, 1.0);
      if (*nr > 0) y[0] = p->P_v_reset;
      else if (y[0] >= p->P_v_detect) {
        y[0] = p->P_v_reset;
        y[wi] += p->P_b;
        /* +1 compensates the decrement after the step (NEST) */
        *nr = nref > 0 ? nref + 1 : 0;
        spiked = 1;
      }
    }
    if (*nr > 0) *nr -= 1;
    if (alpha) { y[1] += ex * p->P_psc_e; y[3] += inh * p->P_psc_i; }
    else { y[1] += ex; y[2] += inh; }
  } else {
    double tc = 0.0, u_old = y[0];
    while (tc < hh) pynn_rkf45_step(pynn_ode_rhs, p, 6, y, &tc, hh, step, 1e-3, 0.0, 1.0, 0.0);
    y[4] += ex;
    y[5] += inh;
    if (*nr > 0) *nr -= 1;
    else if (y[0] >= p->P_v_t + 30.0 && u_old > y[0]) { *nr = nref; spiked = 1; }
  }
  return spiked;
}
ENDVERBATIM

FUNCTION advance() {
VERBATIM
  pynn_par p;
  double y[6];
  double rr = r, st = hstep;
  p.P_model = (int) model;
  p.P_v_th = v_th; p.P_v_reset = v_reset; p.P_e_l = e_l; p.P_g_l = g_l; p.P_c_m = c_m; p.P_e_ex = e_ex; p.P_e_in = e_in;
  p.P_tau_e = tau_e; p.P_tau_i = tau_i; p.P_i_e = i_e; p.P_psc_e = psc_e; p.P_psc_i = psc_i;
  p.P_tau_sfa = tau_sfa; p.P_e_sfa = e_sfa; p.P_q_sfa = q_sfa; p.P_tau_rr = tau_rr; p.P_e_rr = e_rr; p.P_q_rr = q_rr;
  p.P_v_peak = v_peak; p.P_v_detect = v_detect; p.P_a = a; p.P_b = b; p.P_delta_t = delta_t; p.P_tau_w = tau_w;
  p.P_g_na = g_na; p.P_g_k = g_k; p.P_v_t = v_t; p.P_e_na = e_na; p.P_e_k = e_k;
  p.P_refractory = 0;
  p.P_i_stim = i_inj * 1000.0;
  y[0] = s0; y[1] = s1; y[2] = s2; y[3] = s3; y[4] = s4; y[5] = s5;
  _ladvance = (double) pynn_ode_step(&p, y, &rr, &st, h, refrac, buf_ex, buf_in);
  s0 = y[0]; s1 = y[1]; s2 = y[2]; s3 = y[3]; s4 = y[4]; s5 = y[5];
  r = rr; hstep = st;
ENDVERBATIM
}

PROCEDURE init_state() {
  s0 = s0_init
  s1 = s1_init
  s2 = s2_init
  s3 = s3_init
  s4 = s4_init
  s5 = s5_init
  r = 0
  hstep = h
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
