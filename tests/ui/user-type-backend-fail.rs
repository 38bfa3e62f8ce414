// A user's cell type without the backend's model trait: the error says
// which backend cannot simulate which type, and what to implement.
use pynn::core::cells::RecordableSpec;
use pynn::core::parameters::ParamSpec;
use pynn::prelude::*;

#[derive(Debug, Clone)]
struct MyCell;

impl pynn::CellType for MyCell {
    const NAME: &'static str = "MyCell";
    const PARAMETERS: &'static [ParamSpec] = &[];
    const STATE: &'static [ParamSpec] = &[];
    const RECORDABLES: &'static [RecordableSpec] = &[];
    const RECEPTORS: &'static [&'static str] = &[];
    const CONDUCTANCE_BASED: bool = false;
    const INJECTABLE: bool = true;
    fn parameter_values(&self) -> Vec<Value> {
        Vec::new()
    }
}

fn main() -> pynn::Result<()> {
    let native = Sim::<Native>::setup(Setup::default())?;
    Population::new(&native, 3, MyCell)?;
    let nest = Sim::<Nest>::setup(Setup::default())?;
    Population::new(&nest, 3, MyCell)?;
    Ok(())
}
