COMMENT
pynn-rs: PyNN's composed PointNeuron (a LIF or AdExp membrane with up to 8
named receptors), integrated as the native engine's kernels
(pynn-backends/src/native/point.rs), which follow NEST 3.10:

mode 0  LIF + CurrExp receptors: iaf_psc_exp_multisynapse, exact
        propagators (p22, p20, per receptor p11 = exp(-h/tau_syn), p21),
        potential y[0] relative to v_rest, currents y[1 + k] (nA);
mode 1  AdExp + CondExp/CondAlpha/CondBeta receptors (any mix):
        aeif_cond_alpha/beta_multisynapse, GSL's adaptive RKF45 with
        gsl_odeiv_control_yp_new(1e-6, 1e-6), spike detection after every
        sub-step (refractory count + 1, as NEST);
mode 2  LIF + conductance receptors: iaf_cond_exp's membrane (V bounded by
        v_th in the currents), RKF45 with gsl_odeiv_control_y_new(1e-3, 0),
        threshold and refractoriness once after the step.

Modes 1 and 2: state y = (V, w, dg_1, g_1, ..., dg_R, g_R) in NEST's units
(mV, pA, nS); receptor kind 1 = CondExp (g += weight, dg stays 0),
2 = CondAlpha, 3 = CondBeta (dg += weight * g0, g0 = e / tau_syn or NEST's
beta_normalization_factor, computed in Rust). The synaptic input of a step
is added after the step. The membrane potential is `vm`; the injected
current i_inj arrives in nA. NetCon weight[1] is the receptor index (the
position of the receptor's name in sorted order).

An ARTIFICIAL_CELL advanced by a self-event per step, delivered at
(k + 1/4) h (see pynn_iaf_curr.mod and driver.py).
ENDCOMMENT

NEURON {
  ARTIFICIAL_CELL PynnPointNeuron
  RANGE mode, h, nrec, refrac
  RANGE v_rest, theta, v_reset_rel, i_offset, p22, p20, p11, p21
  RANGE v_peak, v_detect, v_reset, e_l, g_l, c_m, i_e, a, b, delta_t, tau_w, v_th
  RANGE kind, e_rev, tau1, tau2, g0, y_init
  RANGE vm, y, r, hstep, buf, i_inj
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
  p11[8]
  p21[8]
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
  kind[8]
  e_rev[8]
  tau1[8]
  tau2[8]
  g0[8]
  y_init[18]
}

ASSIGNED {
  k vm y[18] r hstep buf[8] i_inj
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
  _ladvance = (double) spiked;
ENDVERBATIM
}

INITIAL {
  FROM i = 0 TO 17 {
    y[i] = y_init[i]
  }
  FROM i = 0 TO 7 {
    buf[i] = 0
  }
  if (mode == 0) {
    : y_init[0] holds the absolute potential
    y[0] = y_init[0] - v_rest
    vm = y_init[0]
  } else {
    vm = y[0]
  }
  r = 0
  hstep = h
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
    FROM i = 0 TO 7 {
      buf[i] = 0
    }
    : the next tick at the absolute time (k + 1/4) h (no drift)
    k = k + 1
    net_send((k + 0.25) * h - t, 1)
  } else {
    buf[receptor] = buf[receptor] + w
  }
}
