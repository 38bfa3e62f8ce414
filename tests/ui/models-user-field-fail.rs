// A misspelt parameter of a user-defined cell type is rustc's error on the
// user's token (the macro expands the parameters into a struct literal).
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::{Domain, ParamSpec};
use pynn::prelude::*;

#[derive(Debug, Clone, Default)]
struct MyCell {
    tau_m: f64,
    i_offset: f64,
}

impl pynn::CellType for MyCell {
    const NAME: &'static str = "MyCell";
    const PARAMETERS: &'static [ParamSpec] = &[
        ParamSpec::scalar("tau_m", 10.0, "ms", Domain::Positive, "membrane time constant"),
        ParamSpec::scalar("i_offset", 0.0, "nA", Domain::Finite, "injected current"),
    ];
    const STATE: &'static [ParamSpec] = &[ParamSpec::scalar("v", -65.0, "mV", Domain::Finite, "membrane potential")];
    const RECORDABLES: &'static [RecordableSpec] = &[RecordableSpec { name: "spikes", unit: "ms" }];
    const RECEPTORS: &'static [&'static str] = &["excitatory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        vec![Value::Scalar(self.tau_m), Value::Scalar(self.i_offset)]
    }
}

network! {
    struct Net;
    pop cells = <MyCell>(3) { tau_m = 20 ms, i_ofset = 1 nA };
}

fn main() {}
