// Every construct of space, distributions, `from_list` columns and
// recording of currents and to files, accepted and run.
use pynn::prelude::*;

fn file() -> std::path::PathBuf {
    std::env::temp_dir().join("pynn-ui-syntax-pass.npz")
}

network! {
    struct Net;
    setup { timestep = 0.1 ms, seed = 3 }

    pop src = SpikeSourcePoisson(9, structure = grid2d(dx = 10 um, dy = 10 um)) { rate = 20 Hz };
    pop exc = IF_curr_exp(9, structure = grid2d(dx = 10 um, dy = 10 um)) {
        i_offset = vonmises(0.2, 8.0, seed = 5),
        tau_m = uniform(low = 15 ms, high = 25 ms, seed = 6),
    } init { v = normal(-65 mV, 2 mV) };

    connect near = src -> exc distance_dependent_probability({|d| if d < 15.0 { 1.0 } else { 0.0 }})
        space(axes = "xy", periodic_boundaries = ((0 um, 30 um), (0 um, 30 um), None))
        static(weight = normal_clipped(0.1 nA, 0.02 nA, 0 nA, 1 nA, seed = 9), delay = 1 ms) excitatory;
    connect far = src -> exc all_to_all() static(weight = 0.05 nA) space(scale_factor = 2.0, offset = (5 um, 0 um, 0 um));
    connect tm = src -> exc from_list([(0, 1, 0.2 nA, 1 ms, 0.4), (2, 3, 0.3 nA, 2 ms, 0.7)], column_names = ["weight", "delay", "U"])
        tsodyks_markram(tau_rec = 200 ms) excitatory;
    connect src -> exc from_list({ vec![vec![4.0, 4.0, 0.1]] }, column_names = [weight]);

    inject kick = ac(amplitude = 0.2 nA, frequency = 20 Hz) into exc[0..3];

    record kick: i;
    record exc: spikes, v every 1 ms to { file() };
    record src[0..3] + src[5..]: spikes to { file().with_extension("src.npz") };
}

fn main() -> pynn::Result<()> {
    let (sim, net) = Net::<Native>::setup_and_build()?;
    sim.run(20.0)?;
    assert_eq!(net.kick.get_data()?.n_samples(), 201);
    assert_eq!(net.tm.get_values("U")?, vec![0.4, 0.7]);
    assert!(net.near.size() > 0 && net.far.size() == 81);
    sim.end()?;
    assert!(file().exists());
    assert!(file().with_extension("src.npz").exists());
    Ok(())
}
