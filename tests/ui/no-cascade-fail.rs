// One mistake in the network gives one error: the struct, its fields and
// methods still exist, so the code using them compiles.
use pynn::prelude::*;

network! {
    pub struct Net;
    pop exc = IF_curr_exp(10) { tau_mm = 20 ms };
    pop stim = SpikeSourceArrays(1);
    connect p = stim -> exc one_to_one() static(weight = 0.1 nA);
}

fn run<B: pynn::Backend>(net: &Net<B>) -> pynn::Result<usize> {
    let n = net.exc.size() + net.stim.size() + net.p.size();
    net.exc.record("v", None)?;
    Ok(n)
}

fn main() -> pynn::Result<()> {
    let (sim, net) = Net::<Native>::setup_and_build()?;
    sim.run(10.0)?;
    run(&net)?;
    Ok(())
}
