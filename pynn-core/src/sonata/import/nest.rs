//! `nest:<model>` templates: the NEST models that are a PyNN standard cell,
//! with NEST's defaults and the translation of names and units back to
//! PyNN's (C_m pF -> cm nF, I_e pA -> i_offset nA, g_L nS with C_m -> tau_m).
//! The correspondence is PyNN 0.13's NEST backend's (pyNN/nest/standardmodels/
//! cells.py: IF_curr_alpha is iaf_psc_alpha, IF_curr_exp iaf_psc_exp,
//! IF_cond_exp iaf_cond_exp, IF_cond_alpha iaf_cond_alpha); the defaults are
//! NEST 3.10's (`nest.GetDefaults(model)`; models/iaf_psc_alpha.h,
//! iaf_psc_exp.h, iaf_cond_exp.h, iaf_cond_alpha.h).

/// A NEST model that is a PyNN standard cell.
pub(crate) struct NestModel {
    /// NEST's name.
    pub(crate) nest: &'static str,
    /// The PyNN cell type.
    pub(crate) pynn: &'static str,
    /// Conductance-based (weights in nS, `g_L` gives `tau_m`).
    pub(crate) conductance: bool,
    /// NEST's defaults, by NEST name.
    pub(crate) defaults: &'static [(&'static str, f64)],
}

const PSC: &[(&str, f64)] = &[
    ("C_m", 250.0),
    ("tau_m", 10.0),
    ("t_ref", 2.0),
    ("E_L", -70.0),
    ("V_th", -55.0),
    ("V_reset", -70.0),
    ("I_e", 0.0),
    ("tau_syn_ex", 2.0),
    ("tau_syn_in", 2.0),
    ("V_m", -70.0),
];

const COND: &[(&str, f64)] = &[
    ("C_m", 250.0),
    ("g_L", 16.6667),
    ("t_ref", 2.0),
    ("E_L", -70.0),
    ("V_th", -55.0),
    ("V_reset", -60.0),
    ("I_e", 0.0),
    ("tau_syn_ex", 0.2),
    ("tau_syn_in", 2.0),
    ("E_ex", 0.0),
    ("E_in", -85.0),
    ("V_m", -70.0),
];

/// The NEST models `nest:` templates may name.
pub(crate) const MODELS: &[NestModel] = &[
    NestModel { nest: "iaf_psc_alpha", pynn: "IF_curr_alpha", conductance: false, defaults: PSC },
    NestModel { nest: "iaf_psc_exp", pynn: "IF_curr_exp", conductance: false, defaults: PSC },
    NestModel { nest: "iaf_cond_exp", pynn: "IF_cond_exp", conductance: true, defaults: COND },
    NestModel { nest: "iaf_cond_alpha", pynn: "IF_cond_alpha", conductance: true, defaults: COND },
];

/// The model named `name`, if it is one of [`MODELS`].
pub(crate) fn model(name: &str) -> Option<&'static NestModel> {
    MODELS.iter().find(|m| m.nest == name)
}

/// PyNN parameters (and the initial `v`) of one cell from its NEST values
/// (`get(name)`: the NEST value, defaults already filled in).
pub(crate) fn to_pynn(m: &NestModel, get: &dyn Fn(&str) -> f64) -> (Vec<(&'static str, f64)>, f64) {
    let c_m = get("C_m");
    let tau_m = if m.conductance { c_m / get("g_L") } else { get("tau_m") };
    let mut p = vec![
        ("cm", c_m / 1000.0),
        ("tau_m", tau_m),
        ("tau_refrac", get("t_ref")),
        ("v_rest", get("E_L")),
        ("v_thresh", get("V_th")),
        ("v_reset", get("V_reset")),
        ("i_offset", get("I_e") / 1000.0),
        ("tau_syn_E", get("tau_syn_ex")),
        ("tau_syn_I", get("tau_syn_in")),
    ];
    if m.conductance {
        p.push(("e_rev_E", get("E_ex")));
        p.push(("e_rev_I", get("E_in")));
    }
    (p, get("V_m"))
}
