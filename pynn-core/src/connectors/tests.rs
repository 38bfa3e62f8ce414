//! Invariants and statistics of every connector, on the core's null backend.

use super::*;
use crate::cells::IF_curr_exp;
use crate::random::RandomDistribution;
use crate::space::{Grid2D, Line, Space, Structure};
use crate::testing::NullBackend;
use crate::{Population, Projection, Setup, Sim, StaticSynapse, Value};
use std::collections::HashSet;

type P = Population<IF_curr_exp, NullBackend>;

fn sim(seed: u64) -> Sim<NullBackend> {
    Sim::setup(Setup { seed, ..Setup::default() }).unwrap()
}

fn pop(sim: &Sim<NullBackend>, n: usize) -> P {
    Population::new(sim, n, IF_curr_exp::default()).unwrap()
}

fn pairs(p: &Projection<NullBackend>) -> Vec<(usize, usize)> {
    p.get_list("weight").unwrap().into_iter().map(|(i, j, _)| (i, j)).collect()
}

fn connect(pre: &P, post: &P, c: &dyn Connector) -> Result<Projection<NullBackend>> {
    Projection::new(&**pre, &**post, c, StaticSynapse::new(0.5, 1.0), None)
}

fn count_by<F: Fn(&(usize, usize)) -> usize>(p: &[(usize, usize)], n: usize, key: F) -> Vec<usize> {
    let mut c = vec![0; n];
    for x in p {
        c[key(x)] += 1;
    }
    c
}

#[test]
fn all_to_all_without_self_connections() {
    let s = sim(1);
    let a = pop(&s, 5);
    let prj = connect(&a, &a, &AllToAllConnector { allow_self_connections: false }).unwrap();
    let p = pairs(&prj);
    assert_eq!(p.len(), 20);
    assert!(p.iter().all(|(i, j)| i != j));
    assert_eq!(pairs(&connect(&a, &a, &AllToAllConnector::new()).unwrap()).len(), 25);
}

#[test]
fn one_to_one_pairs_and_size_mismatch() {
    let s = sim(1);
    let (a, b, c) = (pop(&s, 4), pop(&s, 4), pop(&s, 5));
    assert_eq!(pairs(&connect(&a, &b, &OneToOneConnector).unwrap()), vec![(0, 0), (1, 1), (2, 2), (3, 3)]);
    let e = connect(&a, &c, &OneToOneConnector).unwrap_err();
    assert!(matches!(e, Error::Connection { .. }) && e.to_string().contains("4 and 5"), "{e}");
}

#[test]
fn fixed_probability_count_within_4_sigma() {
    // 300 x 300 pairs, p = 0.1: the count is Binomial(N = 90000, p), mean
    // N p = 9000, sd sqrt(N p (1-p)) = 90; accept |count - Np| < 4 sd = 360
    // (two-sided tail 6.3e-5 under the null; seeds are fixed).
    let s = sim(3);
    let (a, b) = (pop(&s, 300), pop(&s, 300));
    for k in 0..3 {
        let n = connect(&a, &b, &FixedProbabilityConnector::new(0.1)).unwrap().size() as f64;
        assert!((n - 9000.0).abs() < 360.0, "projection {k}: {n} connections");
    }
    // p = 1 without self-connections equals AllToAll without (PyNN #309).
    let p1 =
        pairs(&connect(&a, &a, &FixedProbabilityConnector { p_connect: 1.0, allow_self_connections: false }).unwrap());
    assert_eq!(p1, pairs(&connect(&a, &a, &AllToAllConnector { allow_self_connections: false }).unwrap()));
    let e = connect(&a, &b, &FixedProbabilityConnector::new(1.5)).unwrap_err();
    assert!(e.to_string().contains("p_connect") && e.to_string().contains("1.5"), "{e}");
}

#[test]
fn fixed_number_pre_exact_counts() {
    let s = sim(4);
    let (a, b) = (pop(&s, 5), pop(&s, 7));
    // Without replacement: exactly 3 distinct pre cells per post cell.
    let p = pairs(&connect(&a, &b, &FixedNumberPreConnector::new(3)).unwrap());
    assert_eq!(count_by(&p, 7, |x| x.1), vec![3; 7]);
    assert_eq!(p.iter().collect::<HashSet<_>>().len(), 21);
    // With replacement, n = 9 > 5: 9 per post cell, so duplicates.
    let c = FixedNumberPreConnector { with_replacement: true, ..FixedNumberPreConnector::new(9) };
    let p = pairs(&connect(&a, &b, &c).unwrap());
    assert_eq!(count_by(&p, 7, |x| x.1), vec![9; 7]);
    assert!(p.iter().collect::<HashSet<_>>().len() < 63);
    // Without replacement, n larger than the population is an error.
    let e = connect(&a, &b, &FixedNumberPreConnector::new(6)).unwrap_err();
    assert!(e.to_string().contains("n = 6 is larger than the 5 cells"), "{e}");
    // No self-connections: all 4 other cells when n = 4, none of itself.
    for wr in [false, true] {
        let c = FixedNumberPreConnector {
            allow_self_connections: false,
            with_replacement: wr,
            ..FixedNumberPreConnector::new(4)
        };
        let p = pairs(&connect(&a, &a, &c).unwrap());
        assert_eq!(count_by(&p, 5, |x| x.1), vec![4; 5]);
        assert!(p.iter().all(|(i, j)| i != j));
    }
    let c = FixedNumberPreConnector { allow_self_connections: false, ..FixedNumberPreConnector::new(5) };
    assert!(connect(&a, &a, &c).unwrap_err().to_string().contains("self-connections excluded"));
    // n from a distribution: each post cell's count is one draw.
    let c = FixedNumberPreConnector::new(RandomDistribution::uniform_int(1, 4));
    let p = pairs(&connect(&a, &b, &c).unwrap());
    assert!(count_by(&p, 7, |x| x.1).iter().all(|n| (1..4).contains(n)));
    let c = FixedNumberPreConnector::new(RandomDistribution::normal(0.0, 1.0));
    assert!(connect(&a, &b, &c).is_err());
}

#[test]
fn fixed_number_post_exact_counts() {
    let s = sim(5);
    let (a, b) = (pop(&s, 5), pop(&s, 7));
    let p = pairs(&connect(&a, &b, &FixedNumberPostConnector::new(3)).unwrap());
    assert_eq!(count_by(&p, 5, |x| x.0), vec![3; 5]);
    assert_eq!(p.iter().collect::<HashSet<_>>().len(), 15);
    let c = FixedNumberPostConnector { with_replacement: true, ..FixedNumberPostConnector::new(9) };
    assert_eq!(count_by(&pairs(&connect(&a, &b, &c).unwrap()), 5, |x| x.0), vec![9; 5]);
    assert!(connect(&a, &b, &FixedNumberPostConnector::new(8)).is_err());
    let c = FixedNumberPostConnector { allow_self_connections: false, ..FixedNumberPostConnector::new(6) };
    let p = pairs(&connect(&b, &b, &c).unwrap());
    assert_eq!(count_by(&p, 7, |x| x.0), vec![6; 7]);
    assert!(p.iter().all(|(i, j)| i != j));
}

#[test]
fn fixed_total_number_honours_replacement_and_self() {
    let s = sim(6);
    let (a, b) = (pop(&s, 10), pop(&s, 20));
    assert_eq!(connect(&a, &b, &FixedTotalNumberConnector::new(500)).unwrap().size(), 500);
    // Without replacement and without self: all 90 allowed pairs of a
    // 10-cell self-projection, each once; 91 is an error.
    let c = FixedTotalNumberConnector { n: 90, with_replacement: false, allow_self_connections: false };
    let p = pairs(&connect(&a, &a, &c).unwrap());
    assert_eq!(p.iter().collect::<HashSet<_>>().len(), 90);
    assert!(p.iter().all(|(i, j)| i != j));
    let c = FixedTotalNumberConnector { n: 91, ..c };
    assert!(connect(&a, &a, &c).unwrap_err().to_string().contains("90 allowed"));
    // Without replacement, n = 100 of 200 pairs: distinct pairs.
    let c = FixedTotalNumberConnector { n: 100, with_replacement: false, allow_self_connections: true };
    assert_eq!(pairs(&connect(&a, &b, &c).unwrap()).iter().collect::<HashSet<_>>().len(), 100);
    // With replacement, 20 connections on 200 pairs: self excluded.
    let c = FixedTotalNumberConnector { n: 300, with_replacement: true, allow_self_connections: false };
    let p = pairs(&connect(&a, &a, &c).unwrap());
    assert_eq!(p.len(), 300);
    assert!(p.iter().all(|(i, j)| i != j));
}

#[test]
fn distance_dependent_profile_matches_closure() {
    // Two 400-cell Lines: d = |i - j|, p(d) = exp(-d / 15). Bin the pairs by
    // distance into k = 10 bins of width 5 (d < 50). In bin b, the count O_b
    // is a sum of independent Bernoulli(p_ij): mean E_b = sum p_ij, variance
    // V_b = sum p_ij (1 - p_ij), and close to normal (E_b > 100 here). The
    // bins are disjoint sets of pairs, hence independent, so
    // X = sum_b (O_b - E_b)^2 / V_b is chi-square with 10 degrees of freedom;
    // its 0.9999 quantile is 35.56, which we use as the bound.
    let s = sim(7);
    let (a, b) = (pop(&s, 400), pop(&s, 400));
    let f = |d: f64| (-d / 15.0).exp();
    let p = pairs(&connect(&a, &b, &DistanceDependentProbabilityConnector::new(f)).unwrap());
    let (mut o, mut e, mut v) = ([0.0f64; 10], [0.0f64; 10], [0.0f64; 10]);
    for i in 0..400usize {
        for j in 0..400usize {
            let d = i.abs_diff(j);
            if d < 50 {
                let pij = f(d as f64);
                e[d / 5] += pij;
                v[d / 5] += pij * (1.0 - pij);
            }
        }
    }
    for (i, j) in &p {
        let d = i.abs_diff(*j);
        if d < 50 {
            o[d / 5] += 1.0;
        }
    }
    let x: f64 = (0..10).map(|k| (o[k] - e[k]).powi(2) / v[k]).sum();
    assert!(x < 35.56, "chi-square {x}: observed {o:?}, expected {e:?}");
    // Negative or > 1 probabilities are errors naming the cells.
    let e = connect(&a, &b, &DistanceDependentProbabilityConnector::new(|d| 0.5 - d)).unwrap_err();
    assert!(e.to_string().contains("returned -0.5") && e.to_string().contains("[0, 1]"), "{e}");
    assert!(connect(&a, &b, &DistanceDependentProbabilityConnector::new(|d| d)).is_err());
}

#[test]
fn distance_uses_positions_and_space() {
    let s = sim(8);
    let g =
        Population::with_structure(&s, 9, IF_curr_exp::default(), Grid2D { dx: 2.0, ..Grid2D::default() }.into(), None)
            .unwrap();
    // Within distance 2.5 of each other on a 3x3 grid of spacing (2, 1).
    let c = DistanceDependentProbabilityConnector::new(|d| if d <= 2.5 { 1.0 } else { 0.0 });
    let prj = Projection::new(&*g, &*g, &c, StaticSynapse::new(Value::function(|d| d), 1.0), None).unwrap();
    let pos = g.positions();
    let sp = Space::default();
    for (i, j, w) in prj.get_list("weight").unwrap() {
        let d = sp.distance(pos[i], pos[j]);
        assert!(d <= 2.5);
        assert!((w - d).abs() < 1e-12);
    }
    let want =
        (0..9).flat_map(|i| (0..9).map(move |j| (i, j))).filter(|(i, j)| sp.distance(pos[*i], pos[*j]) <= 2.5).count();
    assert_eq!(prj.size(), want);
    // A periodic space: cells 0 and 8 of a 10-cell Line are 2 apart.
    let l = pop(&s, 10);
    let space = Space::default().with_periodic_boundaries([Some((0.0, 10.0)), None, None]);
    let c = IndexBasedProbabilityConnector::new(|i, j| if i == 0 && j == 8 { 1.0 } else { 0.0 });
    let prj = Projection::with_space(&*l, &*l, &c, StaticSynapse::new(Value::function(|d| d), 1.0), None, space, None)
        .unwrap();
    assert_eq!(prj.get_list("weight").unwrap(), vec![(0, 8, 2.0)]);
    prj.set("weight", Value::function(|d| 10.0 * d)).unwrap();
    assert_eq!(prj.get_values("weight").unwrap(), vec![20.0]);
}

#[test]
fn index_displacement_array_and_small_world() {
    let s = sim(9);
    let a = pop(&s, 6);
    let upper: Vec<(usize, usize)> = (0..6).flat_map(|i| (i + 1..6).map(move |j| (i, j))).collect();
    let c = IndexBasedProbabilityConnector::new(|i, j| if i < j { 1.0 } else { 0.0 });
    assert_eq!(pairs(&connect(&a, &a, &c).unwrap()), upper);
    let c = DisplacementDependentProbabilityConnector::new(|d| if d[0] > 0.0 { 1.0 } else { 0.0 });
    assert_eq!(pairs(&connect(&a, &a, &c).unwrap()), upper);
    let m: Vec<Vec<bool>> = (0..6).map(|i| (0..6).map(|j| i < j).collect()).collect();
    assert_eq!(pairs(&connect(&a, &a, &ArrayConnector::new(m)).unwrap()), upper);
    assert!(matches!(connect(&a, &a, &ArrayConnector::new(vec![vec![true; 6]; 5])), Err(Error::LengthMismatch { .. })));
    // Small world: no rewiring = the local neighbourhood |i - j| <= 1.
    let b = pop(&s, 50);
    let local = |c: &SmallWorldConnector| pairs(&connect(&b, &b, c).unwrap());
    let c = SmallWorldConnector { allow_self_connections: false, ..SmallWorldConnector::new(1.0, 0.0) };
    let p = local(&c);
    assert_eq!(p.len(), 98);
    assert!(p.iter().all(|(i, j)| i.abs_diff(*j) == 1));
    // Full rewiring keeps each cell's out-degree and avoids self.
    let p = local(&SmallWorldConnector { rewiring: 1.0, ..c.clone() });
    assert_eq!(count_by(&p, 50, |x| x.0), count_by(&local(&c), 50, |x| x.0));
    assert!(p.iter().all(|(i, j)| i != j));
    assert!(p.iter().any(|(i, j)| i.abs_diff(*j) > 1));
    let p = local(&SmallWorldConnector { n_connections: Some(1), ..c.clone() });
    assert_eq!(count_by(&p, 50, |x| x.0), vec![1; 50]);
    assert!(connect(&b, &b, &SmallWorldConnector { n_connections: Some(3), ..c.clone() }).is_err());
    assert!(connect(&b, &b, &SmallWorldConnector::new(1.0, 1.5)).is_err());
}

#[test]
fn from_list_columns_and_errors() {
    let s = sim(10);
    let (a, b) = (pop(&s, 3), pop(&s, 4));
    let rows = vec![vec![2.0, 0.0, 0.25, 2.0], vec![0.0, 3.0, 0.5, 1.5], vec![0.0, 3.0, 0.75, 1.0]];
    let c = FromListConnector::from_rows(&rows, Some(&["weight", "delay"])).unwrap();
    let prj = connect(&a, &b, &c).unwrap();
    assert_eq!(prj.get_list("weight").unwrap(), vec![(0, 3, 0.5), (0, 3, 0.75), (2, 0, 0.25)]);
    assert_eq!(prj.get_values("delay").unwrap(), vec![1.5, 1.0, 2.0]);
    // Only weights: delays from the synapse type.
    let c = FromListConnector::from_rows(&[vec![1.0, 1.0, 0.3]], Some(&["weight"])).unwrap();
    assert_eq!(connect(&a, &b, &c).unwrap().get_values("delay").unwrap(), vec![1.0]);
    // A column StaticSynapse does not have.
    let c = FromListConnector::from_rows(&[vec![1.0, 1.0, 0.3]], Some(&["U"])).unwrap();
    assert!(matches!(connect(&a, &b, &c), Err(Error::UnknownName { .. })));
    // Out of range, bad index values, bad widths.
    let e = connect(&a, &b, &FromListConnector::new(vec![(0, 4)])).unwrap_err();
    assert!(matches!(e, Error::IndexOutOfRange { index: 4, size: 4, .. }), "{e}");
    assert!(FromListConnector::from_rows(&[vec![-1.0, 0.0]], None).is_err());
    assert!(FromListConnector::from_rows(&[vec![0.5, 0.0]], None).is_err());
    assert!(FromListConnector::from_rows(&[vec![0.0, 0.0, 1.0]], None).is_err());
    assert!(FromListConnector::from_rows(&[vec![0.0, 0.0, 1.0, 2.0], vec![1.0, 1.0]], None).is_err());
}

#[test]
fn save_and_from_file_round_trip() {
    let dir = std::env::temp_dir().join(format!("pynn-conn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = sim(11);
    let (a, b) = (pop(&s, 20), pop(&s, 30));
    let syn = StaticSynapse::new(RandomDistribution::uniform(0.1, 1.0), RandomDistribution::uniform(0.5, 5.0));
    let prj = Projection::new(&*a, &*b, &FixedProbabilityConnector::new(0.2), syn, None).unwrap();
    let path = dir.join("conns.txt");
    prj.save(&["all"], &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first, "# columns = ['i', 'j', 'weight', 'delay']");
    let row: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(row.len(), 4);
    assert!(row[0].ends_with("e+00") || row[0].ends_with("e+01"), "{row:?}");
    let c = FromFileConnector::new(&path).unwrap();
    let again = Projection::new(&*a, &*b, &c, StaticSynapse::default(), None).unwrap();
    assert_eq!(again.get_list("weight").unwrap(), prj.get_list("weight").unwrap());
    assert_eq!(again.get_list("delay").unwrap(), prj.get_list("delay").unwrap());
    // Clone: same pairs, own values.
    let cl =
        Projection::new(&*a, &*b, &CloneConnector::new(&prj).unwrap(), StaticSynapse::new(2.0, 1.0), None).unwrap();
    assert_eq!(
        pairs(&cl),
        pairs(&prj).into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>()
    );
    assert!(cl.get_values("weight").unwrap().iter().all(|w| *w == 2.0));
    assert!(Projection::new(&*b, &*a, &CloneConnector::new(&prj).unwrap(), StaticSynapse::default(), None).is_err());
    // Malformed files.
    for (name, body, want) in [
        ("nan.txt", "# columns = ['i', 'j', 'weight']\n0\t1\tx\n", "not a number"),
        ("width.txt", "# columns = ['i', 'j', 'weight', 'delay']\n0\t1\t0.5\n", "3 values, expected 4"),
        ("header.txt", "# columns = weight\n0 1 0.5\n", "is not a list"),
        ("ij.txt", "# columns = ['weight', 'delay']\n0 1 0.5 1\n", "must start with 'i', 'j'"),
        ("index.txt", "0.5 1 0.5 1\n", "whole number"),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
        let e = FromFileConnector::new(dir.join(name)).unwrap_err();
        assert!(matches!(e, Error::Io { .. }) && e.to_string().contains(want), "{name}: {e}");
    }
    assert!(FromFileConnector::new(dir.join("missing.txt")).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn construction_is_independent_of_thread_count() {
    let build = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let s = sim(12);
            let (a, b) = (pop(&s, 300), pop(&s, 200));
            let conns: Vec<Box<dyn Connector>> = vec![
                Box::new(FixedProbabilityConnector::new(0.05)),
                Box::new(FixedNumberPreConnector { with_replacement: true, ..FixedNumberPreConnector::new(40) }),
                Box::new(FixedNumberPreConnector::new(40)),
                Box::new(FixedNumberPostConnector::new(30)),
                Box::new(FixedTotalNumberConnector::new(5000)),
                Box::new(DistanceDependentProbabilityConnector::new(|d| (-d / 30.0).exp())),
                Box::new(SmallWorldConnector::new(3.0, 0.2)),
            ];
            let syn = || StaticSynapse::new(RandomDistribution::uniform(0.0, 1.0), 1.0);
            conns
                .iter()
                .map(|c| Projection::new(&*a, &*b, c.as_ref(), syn(), None).unwrap().get_list("weight").unwrap())
                .collect::<Vec<_>>()
        })
    };
    let one = build(1);
    assert!(one.iter().all(|l| !l.is_empty()));
    assert_eq!(one, build(2));
    assert_eq!(one, build(4));
}

#[test]
fn population_positions_nearest_sample_and_save() {
    let s = sim(13);
    let p = pop(&s, 5);
    assert_eq!(p.positions()[3], [3.0, 0.0, 0.0]);
    let l = Population::with_structure(
        &s,
        4,
        IF_curr_exp::default(),
        Structure::from(Line { dx: 2.0, x0: 1.0, y: 5.0, z: 0.0 }),
        Some("line"),
    )
    .unwrap();
    assert_eq!(l.positions(), vec![[1.0, 5.0, 0.0], [3.0, 5.0, 0.0], [5.0, 5.0, 0.0], [7.0, 5.0, 0.0]]);
    assert_eq!(l.nearest([5.9, 0.0, 0.0]), 2);
    assert_eq!(l.view(vec![1, 3]).unwrap().positions(), vec![[3.0, 5.0, 0.0], [7.0, 5.0, 0.0]]);
    let big = pop(&s, 100);
    let v = big.sample(10).unwrap();
    assert_eq!(v.size(), 10);
    assert_ne!(v.indices(), big.sample(10).unwrap().indices());
    assert!(big.sample(101).is_err());
    let path = std::env::temp_dir().join(format!("pynn-pos-{}.txt", std::process::id()));
    l.save_positions(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, "# population = line\n0\t1\t5\t0\n1\t3\t5\t0\n2\t5\t5\t0\n3\t7\t5\t0\n");
    std::fs::remove_file(&path).ok();
    // Random structures are reproducible for the same seed.
    let r = |seed| {
        let s = sim(seed);
        let shape = crate::space::Shape::Sphere { radius: 10.0 };
        Population::with_structure(
            &s,
            50,
            IF_curr_exp::default(),
            crate::space::RandomStructure::new(shape).into(),
            None,
        )
        .unwrap()
        .positions()
    };
    assert_eq!(r(1), r(1));
    assert_ne!(r(1), r(2));
}

/// `connector.connect` on 90 pre and 130 post cells (the first 60 shared:
/// global indices 0..90 and 30..160), and its `by_post` over `cuts`
/// (concatenated), as (pre, post) lists.
/// (pre positions, post positions).
type Pairs = (Vec<u32>, Vec<u32>);

fn listed_and_by_post(connector: &dyn Connector, cuts: &[usize]) -> (Pairs, Pairs) {
    let pre: Vec<u32> = (0..90).collect();
    let post: Vec<u32> = (30..160).collect();
    let (pre_pos, post_pos) = (vec![[0.0; 3]; pre.len()], vec![[0.0; 3]; post.len()]);
    let space = Space::default();
    let ctx = ConnectContext {
        pre: &pre,
        post: &post,
        pre_positions: &pre_pos,
        post_positions: &post_pos,
        space: &space,
        object: "test projection",
        streams: crate::random::Streams::new(11),
        projection: 3,
    };
    let out = connector.connect(&ctx).unwrap();
    let generate = connector.by_post(&ctx).expect("a streamed connector").unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for w in cuts.windows(2) {
        let (x, y) = generate(w[0]..w[1]).unwrap();
        assert!(y.iter().all(|j| (w[0]..w[1]).contains(&(*j as usize))), "posts inside their range");
        a.extend(x);
        b.extend(y);
    }
    // Stable sort by pre: the order `Projection` gives the list.
    let mut k: Vec<usize> = (0..a.len()).collect();
    k.sort_by_key(|&k| a[k]);
    ((out.pre, out.post), (k.iter().map(|&k| a[k]).collect(), k.iter().map(|&k| b[k]).collect()))
}

#[test]
fn by_post_of_fixed_probability_and_all_to_all_equals_connect_for_any_cut() {
    // Exact equality for cuts that start inside ChaCha blocks (8 uniform
    // numbers each) and buffers (32), ranges of one post, and one range.
    let cuts: [&[usize]; 4] = [&[0, 130], &[0, 1, 2, 7, 9, 33, 64, 65, 130], &[0, 31, 32, 95, 129, 130], &[0, 13, 130]];
    let connectors: [&dyn Connector; 5] = [
        &FixedProbabilityConnector::new(0.2),
        &FixedProbabilityConnector { p_connect: 0.7, allow_self_connections: false },
        &FixedProbabilityConnector::new(1.0),
        &AllToAllConnector::new(),
        &AllToAllConnector { allow_self_connections: false },
    ];
    for c in connectors {
        for cut in cuts {
            let (listed, streamed) = listed_and_by_post(c, cut);
            assert_eq!(listed, streamed, "{} over {cut:?}", c.name());
        }
    }
    // The counts are the rule's: 90 x 130 pairs, 60 of them self-pairs.
    let (all_no_self, _) = listed_and_by_post(&AllToAllConnector { allow_self_connections: false }, &[0, 130]);
    assert_eq!(all_no_self.0.len(), 90 * 130 - 60);
    assert!(all_no_self.0.iter().zip(&all_no_self.1).all(|(i, j)| *i != *j + 30));
    // p = 0.2 of 11 700 pairs: mean 2340, sd 43; within 5 sd.
    let (fp, _) = listed_and_by_post(&FixedProbabilityConnector::new(0.2), &[0, 130]);
    assert!(fp.0.len().abs_diff(2340) < 215, "{}", fp.0.len());
}

#[test]
fn by_post_rejects_a_bad_probability_like_connect() {
    let pre: Vec<u32> = (0..4).collect();
    let pos = vec![[0.0; 3]; 4];
    let space = Space::default();
    let ctx = ConnectContext {
        pre: &pre,
        post: &pre,
        pre_positions: &pos,
        post_positions: &pos,
        space: &space,
        object: "test projection",
        streams: crate::random::Streams::new(1),
        projection: 0,
    };
    let c = FixedProbabilityConnector::new(1.5);
    let e = c.by_post(&ctx).expect("a streamed connector").err().expect("an error");
    assert_eq!(e.to_string(), c.connect(&ctx).unwrap_err().to_string());
    assert!(e.to_string().contains("p_connect") && e.to_string().contains("1.5"), "{e}");
}
