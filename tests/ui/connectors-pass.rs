// Every connector of the core, with PyNN's argument names, built and run.
use pynn::prelude::*;

fn conn_file() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pynn-macro-connectors-{}.txt", std::process::id()))
}

network! {
    struct Conns;

    setup { timestep = 0.1 ms, min_delay = 0.1 ms, seed = 11 }

    pop a = IF_cond_exp(20);
    pop b = IF_cond_exp(10) { e_rev_I = -80 mV };

    connect pre3 = a -> b fixed_number_pre(3) static(weight = 2 nS);
    connect post2 = a -> b fixed_number_post(n = 2, allow_self_connections = false, with_replacement = true)
        static(weight = 2 nS);
    connect rnd = a -> b fixed_number_pre(n = binomial(n = 4, p = 0.5)) static(weight = 1 nS);
    connect total = a -> a fixed_total_number(50, allow_self_connections = false) static(weight = 1 nS);
    connect dist = a -> a distance_dependent_probability({ |d| if d < 1.5 { 1.0 } else { 0.0 } }, allow_self_connections = false)
        static(weight = 1 nS);
    connect disp = a -> a displacement_dependent_probability(disp_function = { |[dx, _dy, _dz]: [f64; 3]| if dx > 0.0 && dx < 2.5 { 1.0 } else { 0.0 } })
        static(weight = 1 nS);
    connect diag = a -> b index_based_probability({ |i, j| if i == j { 1.0 } else { 0.0 } }) static(weight = 1 nS);
    connect ring = a -> a small_world(degree = 2, rewiring = 0, allow_self_connections = false, n_connections = 2)
        static(weight = 1 nS);
    connect arr = b[0..2] -> b[0..3] array([[true, false, true], [false, false, true]]) static(weight = 3 nS) inhibitory;
    connect file = a -> b from_file({ conn_file() }) static(weight = 1 nS);
    connect twin = a -> b clone(pre3) static(weight = 5 nS, delay = 1 ms);

    record b: spikes;
}

fn main() -> pynn::Result<()> {
    std::fs::write(conn_file(), "0 1 0.002 1.0\n3 4 0.004 2.0\n").unwrap();
    let (sim, net) = Conns::<Native>::setup_and_build()?;
    std::fs::remove_file(conn_file()).ok();
    sim.run(5.0)?;
    assert_eq!(net.pre3.size(), 30); // 3 per post cell
    assert_eq!(net.post2.size(), 40); // 2 per pre cell
    assert_eq!(net.total.size(), 50);
    assert_eq!(net.dist.size(), 38); // neighbours on a line: 2 * 19
    assert_eq!(net.disp.size(), 37); // dx = 1 (19) or 2 (18)
    assert_eq!(net.diag.size(), 10);
    assert_eq!(net.ring.size(), 40); // 2 of the neighbours within distance 2, each
    assert_eq!(net.arr.size(), 3);
    assert_eq!(net.file.size(), 2);
    assert_eq!(net.twin.size(), 30);
    assert!(net.twin.get_values("weight")?.iter().all(|w| *w == 0.005));
    assert!(net.rnd.size() <= 40);
    Ok(())
}
