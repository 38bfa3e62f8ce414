COMMENT
pynn-rs: PyNN's composed PointNeuron (a LIF or AdExp membrane with up to 8
named receptors), integrated as the native engine's kernels
(pynn-backends/src/native/point.rs), which follow NEST 3.10:

mode 0  LIF + CurrExp receptors: iaf_psc_exp_multisynapse, exact
        propagators (p22, p20, per receptor p11 = exp(-h/tau_syn), p21),
        potential y_0 relative to v_rest, currents y_(1 + k) (nA);
mode 1  AdExp + CondExp/CondAlpha/CondBeta receptors (any mix):
        aeif_cond_alpha/beta_multisynapse, GSL's adaptive RKF45 with
        gsl_odeiv_control_yp_new(1e-6, 1e-6), spike detection after every
        sub-step (refractory count + 1, as NEST);
mode 2  LIF + conductance receptors: iaf_cond_exp's membrane (V bounded by
        v_th in the currents), RKF45 with gsl_odeiv_control_y_new(1e-3, 0),
        threshold and refractoriness once after the step.

Modes 1 and 2: state y_0.. = (V, w, dg_1, g_1, ..., dg_R, g_R) in NEST's units
(mV, pA, nS); receptor kind 1 = CondExp (g += weight, dg stays 0),
2 = CondAlpha, 3 = CondBeta (dg += weight * g0, g0 = e / tau_syn or NEST's
beta_normalization_factor, computed in Rust). The synaptic input of a step
is added after the step. The membrane potential is `vm`; the injected
current i_inj arrives in nA. NetCon weight[1] is the receptor index (the
position of the receptor's name in sorted order). Per-receptor values and
the state are scalar RANGE variables (p11_k, y_j, ...): NEURON 9's
SaveState rejects RANGE arrays.

An ARTIFICIAL_CELL advanced by a self-event per step, delivered at
(k + 1/4) h (see pynn_iaf_curr.mod and driver.py).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnPointNeuron
  RANGE mode, h, nrec, refrac
  RANGE v_rest, theta, v_reset_rel, i_offset, p22, p20
  RANGE p11_0, p11_1, p11_2, p11_3, p11_4, p11_5, p11_6, p11_7
  RANGE p21_0, p21_1, p21_2, p21_3, p21_4, p21_5, p21_6, p21_7
  RANGE v_peak, v_detect, v_reset, e_l, g_l, c_m, i_e, a, b, delta_t, tau_w, v_th
  RANGE kind_0, kind_1, kind_2, kind_3, kind_4, kind_5, kind_6, kind_7
  RANGE e_rev_0, e_rev_1, e_rev_2, e_rev_3, e_rev_4, e_rev_5, e_rev_6, e_rev_7
  RANGE tau1_0, tau1_1, tau1_2, tau1_3, tau1_4, tau1_5, tau1_6, tau1_7
  RANGE tau2_0, tau2_1, tau2_2, tau2_3, tau2_4, tau2_5, tau2_6, tau2_7
  RANGE g0_0, g0_1, g0_2, g0_3, g0_4, g0_5, g0_6, g0_7
  RANGE y_init_0, y_init_1, y_init_2, y_init_3, y_init_4, y_init_5, y_init_6, y_init_7, y_init_8, y_init_9, y_init_10, y_init_11, y_init_12, y_init_13, y_init_14, y_init_15, y_init_16, y_init_17
  RANGE y_0, y_1, y_2, y_3, y_4, y_5, y_6, y_7, y_8, y_9, y_10, y_11, y_12, y_13, y_14, y_15, y_16, y_17
  RANGE vm, r, hstep, i_inj, buf_0, buf_1, buf_2, buf_3, buf_4, buf_5, buf_6, buf_7
}

PARAMETER {
  mode = 0
  h = 0.1
  nrec = 1
  refrac = 1
  v_rest = -65
  theta = 15
  v_reset_rel = 0
  i_offset = 0
  p22 = 0
  p20 = 0
  p11_0 p11_1 p11_2 p11_3 p11_4 p11_5 p11_6 p11_7
  p21_0 p21_1 p21_2 p21_3 p21_4 p21_5 p21_6 p21_7
  v_peak = 0
  v_detect = 0
  v_reset = -65
  e_l = -65
  g_l = 50
  c_m = 1000
  i_e = 0
  a = 0
  b = 0
  delta_t = 0
  tau_w = 1
  v_th = -50
  kind_0 kind_1 kind_2 kind_3 kind_4 kind_5 kind_6 kind_7
  e_rev_0 e_rev_1 e_rev_2 e_rev_3 e_rev_4 e_rev_5 e_rev_6 e_rev_7
  tau1_0 tau1_1 tau1_2 tau1_3 tau1_4 tau1_5 tau1_6 tau1_7
  tau2_0 tau2_1 tau2_2 tau2_3 tau2_4 tau2_5 tau2_6 tau2_7
  g0_0 g0_1 g0_2 g0_3 g0_4 g0_5 g0_6 g0_7
  y_init_0 y_init_1 y_init_2 y_init_3 y_init_4 y_init_5 y_init_6 y_init_7 y_init_8 y_init_9 y_init_10 y_init_11 y_init_12 y_init_13 y_init_14 y_init_15 y_init_16 y_init_17
}

ASSIGNED {
  k vm r hstep i_inj
  y_0 y_1 y_2 y_3 y_4 y_5 y_6 y_7 y_8 y_9 y_10 y_11 y_12 y_13 y_14 y_15 y_16 y_17
  buf_0 buf_1 buf_2 buf_3 buf_4 buf_5 buf_6 buf_7
}

INCLUDE "pynn_rkf45.inc"

VERBATIM
typedef struct {
  int P_lif, P_nr, P_refractory;
  double P_v_peak, P_v_reset, P_e_l, P_g_l, P_c_m, P_i_e, P_a, P_delta_t, P_tau_w, P_v_th, P_i_stim;
  double P_kind[8], P_e_rev[8], P_tau1[8], P_tau2[8];
} pynn_point_par;

/* The native engine's point.rs `dynamics` (NEST's aeif_cond_*_multisynapse,
   with iaf_cond_exp's membrane for LIF). */
static void pynn_point_rhs(const void* pp, const double* yy, double* f) {
  const pynn_point_par* p = (const pynn_point_par*) pp;
  double vv = p->P_refractory ? p->P_v_reset : fmin(yy[0], p->P_v_peak);
  double ww = yy[1], i_syn = 0.0, i_spike;
  int j;
  for (j = 0; j < p->P_nr; ++j) i_syn += yy[3 + 2 * j] * (p->P_e_rev[j] - vv);
  i_spike = (p->P_lif || p->P_delta_t == 0.0) ? 0.0 : p->P_g_l * p->P_delta_t * exp((vv - p->P_v_th) / p->P_delta_t);
  f[0] = p->P_refractory ? 0.0
                         : (-p->P_g_l * (vv - p->P_e_l) + i_spike + i_syn - ww + p->P_i_e + p->P_i_stim) / p->P_c_m;
  f[1] = p->P_lif ? 0.0 : (p->P_a * (vv - p->P_e_l) - ww) / p->P_tau_w;
  for (j = 0; j < p->P_nr; ++j) {
    double dg = yy[2 + 2 * j], g = yy[3 + 2 * j];
    if (p->P_kind[j] == 1.0) {
      f[2 + 2 * j] = 0.0;
      f[3 + 2 * j] = -g / p->P_tau2[j];
    } else {
      f[2 + 2 * j] = -dg / p->P_tau1[j];
      f[3 + 2 * j] = dg - g / p->P_tau2[j];
    }
  }
}
ENDVERBATIM

FUNCTION advance() {
VERBATIM
  int j, nr = (int) nrec, spiked = 0;
  /* scalar RANGE variables (NEURON 9's SaveState rejects RANGE arrays) */
  const double p11[8] = {p11_0, p11_1, p11_2, p11_3, p11_4, p11_5, p11_6, p11_7};
  const double p21[8] = {p21_0, p21_1, p21_2, p21_3, p21_4, p21_5, p21_6, p21_7};
  const double kind[8] = {kind_0, kind_1, kind_2, kind_3, kind_4, kind_5, kind_6, kind_7};
  const double e_rev[8] = {e_rev_0, e_rev_1, e_rev_2, e_rev_3, e_rev_4, e_rev_5, e_rev_6, e_rev_7};
  const double tau1[8] = {tau1_0, tau1_1, tau1_2, tau1_3, tau1_4, tau1_5, tau1_6, tau1_7};
  const double tau2[8] = {tau2_0, tau2_1, tau2_2, tau2_3, tau2_4, tau2_5, tau2_6, tau2_7};
  const double g0[8] = {g0_0, g0_1, g0_2, g0_3, g0_4, g0_5, g0_6, g0_7};
  const double buf[8] = {buf_0, buf_1, buf_2, buf_3, buf_4, buf_5, buf_6, buf_7};
  double y[18] = {y_0, y_1, y_2, y_3, y_4, y_5, y_6, y_7, y_8, y_9, y_10, y_11, y_12, y_13, y_14, y_15, y_16, y_17};
  if (mode == 0) {
    if (r == 0) {
      double vv = p20 * (i_offset + i_inj) + p22 * y[0];
      for (j = 0; j < nr; ++j) vv += p21[j] * y[1 + j];
      y[0] = vv;
    } else {
      r = r - 1;
    }
    for (j = 0; j < nr; ++j) y[1 + j] = y[1 + j] * p11[j] + buf[j];
    if (y[0] >= theta) {
      r = refrac;
      y[0] = v_reset_rel;
      spiked = 1;
    }
    vm = y[0] + v_rest;
  } else {
    pynn_point_par p;
    double yy[PYNN_NMAX], tc = 0.0, st = hstep;
    int n = 2 + 2 * nr;
    p.P_lif = mode == 2; p.P_nr = nr; p.P_refractory = 0;
    p.P_v_peak = v_peak; p.P_v_reset = v_reset; p.P_e_l = e_l; p.P_g_l = g_l; p.P_c_m = c_m; p.P_i_e = i_e;
    p.P_a = a; p.P_delta_t = delta_t; p.P_tau_w = tau_w; p.P_v_th = v_th; p.P_i_stim = i_inj * 1000.0;
    for (j = 0; j < nr; ++j) { p.P_kind[j] = kind[j]; p.P_e_rev[j] = e_rev[j]; p.P_tau1[j] = tau1[j]; p.P_tau2[j] = tau2[j]; }
    for (j = 0; j < n; ++j) yy[j] = y[j];
    if (mode == 2) {
      p.P_refractory = r > 0;
      while (tc < h) pynn_rkf45_step(pynn_point_rhs, &p, n, yy, &tc, h, &st, 1e-3, 0.0, 1.0, 0.0);
    } else {
      while (tc < h) {
        p.P_refractory = r > 0;
        pynn_rkf45_step(pynn_point_rhs, &p, n, yy, &tc, h, &st, 1e-6, 1e-6, 0.0, 1.0);
        if (r > 0) yy[0] = v_reset;
        else if (yy[0] >= v_detect) {
          yy[0] = v_reset;
          yy[1] += b;
          /* +1 compensates the decrement after the step (NEST) */
          r = refrac > 0 ? refrac + 1 : 0;
          spiked = 1;
        }
      }
      if (r > 0) r = r - 1;
    }
    for (j = 0; j < nr; ++j) {
      if (kind[j] == 1.0) yy[3 + 2 * j] += buf[j];
      else yy[2 + 2 * j] += buf[j] * g0[j];
    }
    if (mode == 2) {
      if (r > 0) { r = r - 1; yy[0] = v_reset; }
      else if (yy[0] >= v_th) { r = refrac; yy[0] = v_reset; spiked = 1; }
    }
    for (j = 0; j < n; ++j) y[j] = yy[j];
    hstep = st;
    vm = y[0];
  }
  y_0 = y[0]; y_1 = y[1]; y_2 = y[2]; y_3 = y[3]; y_4 = y[4]; y_5 = y[5]; y_6 = y[6]; y_7 = y[7]; y_8 = y[8]; y_9 = y[9]; y_10 = y[10]; y_11 = y[11]; y_12 = y[12]; y_13 = y[13]; y_14 = y[14]; y_15 = y[15]; y_16 = y[16]; y_17 = y[17];
  _ladvance = (double) spiked;
ENDVERBATIM
}

PROCEDURE init_state() {
  y_0 = y_init_0
  y_1 = y_init_1
  y_2 = y_init_2
  y_3 = y_init_3
  y_4 = y_init_4
  y_5 = y_init_5
  y_6 = y_init_6
  y_7 = y_init_7
  y_8 = y_init_8
  y_9 = y_init_9
  y_10 = y_init_10
  y_11 = y_init_11
  y_12 = y_init_12
  y_13 = y_init_13
  y_14 = y_init_14
  y_15 = y_init_15
  y_16 = y_init_16
  y_17 = y_init_17
  buf_0 = 0 buf_1 = 0 buf_2 = 0 buf_3 = 0 buf_4 = 0 buf_5 = 0 buf_6 = 0 buf_7 = 0
  if (mode == 0) {
    : y_init_0 holds the absolute potential
    y_0 = y_init_0 - v_rest
    vm = y_init_0
  } else {
    vm = y_0
  }
  r = 0
  hstep = h
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
    buf_0 = 0 buf_1 = 0 buf_2 = 0 buf_3 = 0 buf_4 = 0 buf_5 = 0 buf_6 = 0 buf_7 = 0
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
      buf_0 = buf_0 + w
    } else if (receptor == 1) {
      buf_1 = buf_1 + w
    } else if (receptor == 2) {
      buf_2 = buf_2 + w
    } else if (receptor == 3) {
      buf_3 = buf_3 + w
    } else if (receptor == 4) {
      buf_4 = buf_4 + w
    } else if (receptor == 5) {
      buf_5 = buf_5 + w
    } else if (receptor == 6) {
      buf_6 = buf_6 + w
    } else if (receptor == 7) {
      buf_7 = buf_7 + w
    }
  }
}
