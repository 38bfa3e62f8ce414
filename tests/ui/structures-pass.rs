// Population structures: positions in um, from every structure and shape.
use pynn::prelude::*;
use pynn::space::{RandomStructure, Shape};

network! {
    struct Placed;
    setup { seed = 3 }
    pop row = IF_curr_exp(5, structure = line(dx = 2 um, x0 = 0.01 mm, y = 1, z = -3 um));
    pop sheet = IF_cond_exp(16, label = "sheet", structure = grid2d(aspect_ratio = 1.0, dx = 10 um, dy = 20 um, z = 5 um));
    pop block = IF_curr_exp(24, structure = grid3d(aspect_ratio_xy = 1.5, aspect_ratio_xz = 0.75, dx = 1 um, dy = 2 um, dz = 3 um, z0 = 1 um));
    pop boxed = SpikeSourcePoisson(50, structure = random(cuboid(width = 100 um, height = 50 um, depth = 10 um), origin = (0 um, 0 um, 1 mm)));
    pop ball = IF_curr_exp(50, structure = random(boundary = sphere(radius = 20 um)));
    pop shuffled = IF_curr_exp(16, structure = grid2d(dx = 1 um, fill_order = random));
}

fn main() -> pynn::Result<()> {
    let (_sim, net) = Placed::<Native>::setup_and_build()?;
    assert_eq!(net.row.positions()[4], [18.0, 1.0, -3.0]);
    assert_eq!(net.sheet.label(), "sheet");
    let sheet = net.sheet.positions();
    assert_eq!(sheet[0], [0.0, 0.0, 5.0]);
    assert_eq!(sheet[1], [0.0, 20.0, 5.0]);
    assert_eq!(sheet[15], [30.0, 60.0, 5.0]);
    let block = net.block.positions();
    assert_eq!(block.len(), 24);
    assert_eq!(block[0], [0.0, 0.0, 1.0]);
    assert!(block.iter().all(|p| p[0] <= 2.0 && p[1] <= 2.0 * 3.0 && p[2] <= 1.0 + 3.0 * 3.0));
    for p in net.boxed.positions() {
        assert!(p[0].abs() <= 50.0 && p[1].abs() <= 25.0 && (p[2] - 1000.0).abs() <= 5.0, "{p:?}");
    }
    for p in net.ball.positions() {
        assert!((p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() <= 20.0, "{p:?}");
    }
    let mut shuffled = net.shuffled.positions();
    let sequential: Vec<[f64; 3]> = (0..16).map(|i| [(i / 4) as f64, (i % 4) as f64, 0.0]).collect();
    assert_ne!(shuffled, sequential);
    shuffled.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(shuffled[15], [3.0, 3.0, 0.0]);

    // The same as the object API in a session with the same seed.
    let sim2 = Sim::<Native>::setup(Placed::<Native>::setup())?;
    let _ = Population::with_structure(&sim2, 5, IF_curr_exp::default(), Default::default(), None)?;
    let _ = Population::with_structure(&sim2, 16, IF_cond_exp::default(), Default::default(), None)?;
    let _ = Population::with_structure(&sim2, 24, IF_curr_exp::default(), Default::default(), None)?;
    let boxed = Population::with_structure(
        &sim2,
        50,
        SpikeSourcePoisson::default(),
        RandomStructure { boundary: Shape::Cuboid { width: 100.0, height: 50.0, depth: 10.0 }, origin: [0.0, 0.0, 1000.0] }.into(),
        None,
    )?;
    assert_eq!(boxed.positions(), net.boxed.positions());
    Ok(())
}
