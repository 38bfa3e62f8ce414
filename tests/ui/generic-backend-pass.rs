// The struct needs only `B: Backend`; `build` needs `Supports` for the
// cell types used. A plain `Sim::setup` works as well as `setup_and_build`.
use pynn::prelude::*;

network! {
    struct Small;
    pop cells = IF_curr_delta(3) { i_offset = 2 nA };
    record cells: spikes;
}

fn spikes<B: pynn::Backend>(net: &Small<B>) -> pynn::Result<usize> {
    Ok(net.cells.get_spike_counts()?.values().sum())
}

fn main() -> pynn::Result<()> {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, ..Small::<Native>::setup() })?;
    let net = Small::build(&sim)?;
    sim.run(100.0)?;
    assert!(spikes(&net)? > 0);
    Ok(())
}
