// A PointNeuron composition with named receptors, a user-defined cell type
// in angle brackets (with units converted against its own table), and
// backend options: all compile and build.
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::{Domain, ParamSpec};
use pynn::prelude::*;

/// A cell type with NEST's names and units (pF, pA), run by NEST by name.
#[derive(Debug, Clone, Default)]
struct ByName {
    c_m: f64,
    i_e: f64,
}

impl pynn::CellType for ByName {
    const NAME: &'static str = "ByName";
    const PARAMETERS: &'static [ParamSpec] = &[
        ParamSpec::scalar("C_m", 250.0, "pF", Domain::Positive, "membrane capacitance"),
        ParamSpec::scalar("I_e", 0.0, "pA", Domain::Finite, "input current"),
    ];
    const STATE: &'static [ParamSpec] = &[ParamSpec::scalar("V_m", -70.0, "mV", Domain::Finite, "membrane potential")];
    const RECORDABLES: &'static [RecordableSpec] =
        &[RecordableSpec { name: "spikes", unit: "ms" }, RecordableSpec { name: "V_m", unit: "mV" }];
    const RECEPTORS: &'static [&'static str] = &["excitatory", "inhibitory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        vec![Value::Scalar(self.c_m), Value::Scalar(self.i_e)]
    }
}

impl pynn::backends::nest::NestCell for ByName {
    const NEST_MODEL: Option<&'static str> = Some("iaf_psc_alpha");
}

network! {
    struct Composed;
    setup { timestep = 0.1 ms }
    backend { native(ode_solver = rk4), brian2(target = cython), nest(ranks = 2), neuron(ranks = 1) }

    pop neuron = PointNeuron(2) {
        neuron = AdExp(tau_m = 10 ms, a = 2 nS),
        AMPA = CondExp(tau_syn = 2 ms),
        NMDA = CondBeta(tau_rise = 2 ms, tau_decay = 80 ms),
        GABAA = AlphaPSR(e_syn = -70 mV),
    } init { v = -60 mV, w = 0 nA };
    pop input = SpikeSourcePoisson(5) { rate = 10 Hz };
    connect input -> neuron all_to_all() static(weight = 2 nS) NMDA;
    record neuron: v, w, NMDA.gsyn every 1 ms;
}

network! {
    struct Native2;
    pop cells = <ByName>(3) { c_m = 0.3 nF, i_e = { 0.1 * 4.0 } nA } init { V_m = -65 mV };
    pop input = SpikeSourceArray(1) { spike_times = [[1 ms]] };
    connect input -> cells one_to_one() static(weight = 10) excitatory;
    record cells: spikes, V_m;
}

fn main() -> pynn::Result<()> {
    let (sim, net) = Composed::<Native>::setup_and_build()?;
    sim.run(10.0)?;
    assert_eq!(net.neuron.receptor_types(), ["AMPA", "GABAA", "NMDA"]);
    assert_eq!(Composed::<Nest>::options().ranks, 2);
    // Built only on NEST (the type has no native kernel).
    let _ = Native2::<Nest>::setup_and_build;
    Ok(())
}
