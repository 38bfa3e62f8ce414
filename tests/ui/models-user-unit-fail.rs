// On a user-defined cell type (no table in the macro): a unit of the wrong
// dimension, an initial value and a recorded variable the type's tables do
// not list, a receptor it lacks. Each is a constant evaluated against the
// type's own tables (`CellType::PARAMETERS`, `STATE`, `RECORDABLES`,
// `RECEPTORS`), failing on the user's token.
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::{Domain, ParamSpec};
use pynn::prelude::*;

#[derive(Debug, Clone, Default)]
struct MyCell {
    tau_m: f64,
}

impl pynn::CellType for MyCell {
    const NAME: &'static str = "MyCell";
    const PARAMETERS: &'static [ParamSpec] =
        &[ParamSpec::scalar("tau_m", 10.0, "ms", Domain::Positive, "membrane time constant")];
    const STATE: &'static [ParamSpec] = &[ParamSpec::scalar("v", -65.0, "mV", Domain::Finite, "membrane potential")];
    const RECORDABLES: &'static [RecordableSpec] = &[RecordableSpec { name: "spikes", unit: "ms" }];
    const RECEPTORS: &'static [&'static str] = &["excitatory"];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        vec![Value::Scalar(self.tau_m)]
    }
}

impl pynn::backends::native::kernel::NativeCell for MyCell {
    fn build(
        _: &pynn::core::parameters::ParamTable,
        _: &pynn::core::parameters::ParamTable,
        _: &pynn::backends::native::kernel::BuildContext,
    ) -> pynn::Result<Box<dyn pynn::backends::native::kernel::Kernel>> {
        unimplemented!()
    }
}

network! {
    struct User;
    pop cells = <MyCell>(3) { tau_m = 20 mV } init { u = 1 };
    pop src = SpikeSourceArray(1);
    connect src -> cells one_to_one() static(weight = 1) inhibitory;
    record cells: vm;
}

fn main() {}
