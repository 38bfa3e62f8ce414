// `pop[{ K }]` with a `usize` constant selects one cell; a trailing comma
// ends a `record` list as it does every other list.
use pynn::prelude::*;

const K: usize = 3;
const FIRST: std::ops::Range<usize> = 0..2;

network! {
    struct Net;
    pop exc = IF_curr_exp(10);
    record exc[{ K }]: spikes, v, every 0.1 ms;
    record exc[{ FIRST }]: spikes,;
    record exc[{ vec![true; 10] }]: spikes,;
}

fn main() -> pynn::Result<()> {
    let (sim, _net) = Net::<Native>::setup_and_build()?;
    sim.run(2.0)?;
    Ok(())
}
