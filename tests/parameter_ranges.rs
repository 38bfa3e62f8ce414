//! Out-of-range parameters of every cell type are refused with an error that
//! names the model, the parameter and the value (issue 3): one table row per
//! (model, parameter, bad value). Izhikevich has no constrained parameter
//! (PyNN and NEST accept any finite a, b, c, d).

use pynn::core::{CellType, Supports};
use pynn::prelude::*;

fn refuses<C: CellType + Default>(sim: &Sim<Native>, name: &str, value: f64)
where
    Native: Supports<C>,
{
    let pop = Population::<C, Native>::new(sim, 2, C::default()).unwrap();
    let e = pop.set(name, value).expect_err(&format!("{}.{name} = {value} accepted", C::NAME)).to_string();
    let shown = format!("{value}");
    assert!(e.contains(C::NAME) && e.contains(name) && e.contains(&shown), "{}.{name} = {value}: {e}", C::NAME);
    // The population keeps its previous (valid) value.
    let before = C::default().info().parameters.iter().find(|p| p.name == name).unwrap().default;
    assert_eq!(pop.get(name).unwrap(), [before, before], "{}.{name} unchanged", C::NAME);
}

macro_rules! table {
    ($sim:expr; $($t:ty: [$(($n:literal, $v:expr)),* $(,)?]),* $(,)?) => {{
        let mut rows = 0;
        $($( refuses::<$t>($sim, $n, $v); rows += 1; )*)*
        rows
    }};
}

#[test]
fn every_cell_type_refuses_out_of_range_parameters() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let rows = table!(&sim;
        IF_curr_alpha: [("tau_m", 0.0), ("cm", -1.0), ("tau_refrac", -0.1), ("tau_syn_E", 0.0), ("tau_syn_I", -2.0)],
        IF_curr_exp: [("tau_m", -5.0), ("cm", 0.0), ("tau_refrac", -1.0), ("tau_syn_E", -1.0), ("tau_syn_I", 0.0)],
        IF_curr_delta: [("tau_m", 0.0), ("cm", -0.5), ("tau_refrac", -0.2)],
        IF_cond_exp: [("tau_m", 0.0), ("cm", 0.0), ("tau_refrac", -1.0), ("tau_syn_E", 0.0), ("tau_syn_I", -1.0)],
        IF_cond_alpha: [("tau_m", -1.0), ("cm", -1.0), ("tau_refrac", -3.0), ("tau_syn_E", -0.3), ("tau_syn_I", 0.0)],
        IF_cond_exp_gsfa_grr: [("tau_m", 0.0), ("cm", -1.0), ("tau_refrac", -1.0), ("tau_sfa", 0.0), ("tau_rr", -2.0)],
        IF_facets_hardware1: [("g_leak", 0.0), ("tau_syn_E", -30.0), ("tau_syn_I", 0.0)],
        EIF_cond_exp_isfa_ista: [("tau_m", 0.0), ("cm", -0.281), ("tau_refrac", -0.1), ("tau_w", 0.0), ("delta_T", -2.0)],
        EIF_cond_alpha_isfa_ista: [("tau_m", -9.0), ("cm", 0.0), ("tau_refrac", -1.0), ("tau_w", -144.0), ("tau_syn_E", 0.0)],
        HH_cond_exp: [("cm", 0.0), ("tau_syn_E", -0.2), ("tau_syn_I", 0.0)],
        GIF_cond_exp: [("tau_m", 0.0), ("cm", -1.0), ("tau_refrac", -4.0), ("delta_v", 0.0), ("lambda0", -1.0)],
        SpikeSourcePoisson: [("rate", -1.0), ("start", -1.0), ("duration", -5.0)],
        SpikeSourceGamma: [("alpha", 0.0), ("beta", -1.0)],
        SpikeSourcePoissonRefractory: [("rate", -2.0), ("tau_refrac", -1.0)],
    );
    assert_eq!(rows, 56, "rows of the table");
}

#[test]
fn sequence_parameters_are_checked_too() {
    let sim = Sim::<Native>::setup(Setup::default()).unwrap();
    let pop = Population::<GIF_cond_exp, Native>::new(&sim, 1, GIF_cond_exp::default()).unwrap();
    let e = pop.set("tau_eta", vec![1.0, 0.0, 100.0]).unwrap_err().to_string();
    assert!(e.contains("GIF_cond_exp") && e.contains("tau_eta") && e.contains("[1.0, 0.0, 100.0]"), "{e}");
    // Kernels of different lengths (tau_gamma with 2 values, a_gamma with 3).
    let e = pop.set("tau_gamma", vec![1.0, 10.0]).unwrap_err().to_string();
    assert!(e.contains("GIF_cond_exp") && e.contains("a_gamma") && e.contains("as long as `tau_gamma`"), "{e}");
    // Both at once is fine.
    pop.set_many(&[("tau_gamma", Value::from(vec![1.0, 10.0])), ("a_gamma", Value::from(vec![2.0, 1.0]))]).unwrap();
    assert_eq!(pop.get_sequences("a_gamma").unwrap(), [vec![2.0, 1.0]]);
    let e = Population::<SpikeSourceArray, Native>::new(&sim, 1, SpikeSourceArray::default())
        .unwrap()
        .set("spike_times", vec![5.0, 2.0])
        .unwrap_err()
        .to_string();
    assert!(e.contains("SpikeSourceArray") && e.contains("spike_times"), "{e}");
}
