//! Space and structures (PyNN's `pyNN.space`): where cells are, and how the
//! distance between two cells is measured.
//!
//! Every cell has a 3-D position, given at creation by the population's
//! [`Structure`] (default: [`Line`], cell `i` at x = i). A [`Space`] turns two
//! positions into a distance (selected axes, periodic boundaries, scale
//! factor and offset applied to the post-synaptic side), used by
//! distance-dependent connectors and synaptic values that are functions of
//! distance. Random structures draw from the population's keyed stream
//! (`"positions"`), so positions depend only on the session seed and the
//! population.

use crate::error::{Error, Result};
use crate::random::SimRng;
use rand::RngExt;

/// A 3-D position (x, y, z). No unit is assumed (as in PyNN).
pub type Position = [f64; 3];

/// How distances between cells are measured (PyNN's `Space`).
///
/// For pre position `a` and post position `b`, `b` is first transformed to
/// `scale_factor * (b + offset)`; then, on each selected axis, the difference
/// `a - b` is taken, on a periodic axis with range `r` reduced to
/// `min(|d| mod r, r - |d| mod r)`; the distance is the Euclidean norm over
/// the selected axes.
///
/// ```
/// # use pynn_core::space::Space;
/// let s = Space { periodic_boundaries: [Some((0.0, 10.0)), None, None], ..Space::default() };
/// assert_eq!(s.distance([1.0, 0.0, 0.0], [9.0, 0.0, 0.0]), 2.0);
/// let xy = Space::default().with_axes("xy")?;
/// assert_eq!(xy.distance([0.0, 3.0, 7.0], [4.0, 0.0, -2.0]), 5.0);
/// # Ok::<(), pynn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    /// Which axes (x, y, z) count. Default: all three (PyNN's `axes=None`).
    pub axes: [bool; 3],
    /// Factor applied to post-synaptic positions. Default 1.
    pub scale_factor: f64,
    /// Added to post-synaptic positions before scaling. Default 0.
    pub offset: Position,
    /// `(min, max)` of each periodic axis; `None`: not periodic. Default: none.
    pub periodic_boundaries: [Option<(f64, f64)>; 3],
}

impl Default for Space {
    fn default() -> Self {
        Space { axes: [true; 3], scale_factor: 1.0, offset: [0.0; 3], periodic_boundaries: [None; 3] }
    }
}

impl Space {
    /// The default space: Euclidean distance over x, y and z.
    pub fn new() -> Self {
        Self::default()
    }

    /// Selects axes by PyNN's names: `"x"`, `"y"`, `"z"`, `"xy"`, `"yz"`,
    /// `"xz"`, `"xyz"`.
    pub fn with_axes(mut self, axes: &str) -> Result<Self> {
        const ALLOWED: [&str; 7] = ["x", "y", "z", "xy", "yz", "xz", "xyz"];
        if !ALLOWED.contains(&axes) {
            return Err(Error::unknown_name("Space", "axes", axes, ALLOWED));
        }
        self.axes = [axes.contains('x'), axes.contains('y'), axes.contains('z')];
        Ok(self)
    }

    /// With periodic boundaries `(min, max)` per axis.
    pub fn with_periodic_boundaries(mut self, boundaries: [Option<(f64, f64)>; 3]) -> Self {
        self.periodic_boundaries = boundaries;
        self
    }

    /// Checks the parameters (finite scale > 0, finite offset, `max > min` on
    /// periodic axes).
    pub fn validate(&self) -> Result<()> {
        if !(self.scale_factor.is_finite() && self.scale_factor > 0.0) {
            return Err(Error::invalid_value("Space", "scale_factor", self.scale_factor, "a finite number > 0"));
        }
        if self.offset.iter().any(|o| !o.is_finite()) {
            return Err(Error::invalid_value("Space", "offset", format!("{:?}", self.offset), "finite numbers"));
        }
        for (min, max) in self.periodic_boundaries.iter().flatten() {
            if !(max > min) || !min.is_finite() || !max.is_finite() {
                return Err(Error::invalid_value(
                    "Space",
                    "periodic_boundaries",
                    format!("({min}, {max})"),
                    "finite (min, max) with max > min",
                ));
            }
        }
        Ok(())
    }

    /// Per-axis difference `transformed(b) - a`, reduced to the nearest
    /// periodic image (signed), 0 on axes not selected.
    pub fn displacement(&self, a: Position, b: Position) -> Position {
        let mut d = [0.0; 3];
        for k in 0..3 {
            if !self.axes[k] {
                continue;
            }
            let mut x = self.scale_factor * (b[k] + self.offset[k]) - a[k];
            if let Some((min, max)) = self.periodic_boundaries[k] {
                let r = max - min;
                x -= r * (x / r).round();
            }
            d[k] = x;
        }
        d
    }

    /// Distance from pre position `a` to post position `b`.
    pub fn distance(&self, a: Position, b: Position) -> f64 {
        let mut s = 0.0;
        for k in 0..3 {
            if !self.axes[k] {
                continue;
            }
            let mut x = (a[k] - self.scale_factor * (b[k] + self.offset[k])).abs();
            if let Some((min, max)) = self.periodic_boundaries[k] {
                let r = max - min;
                x %= r;
                x = x.min(r - x);
            }
            s += x * x;
        }
        s.sqrt()
    }
}

/// Cells along a line (PyNN's `Line`): cell `i` at `(x0 + dx*i, y, z)`.
/// The default structure of every population.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Spacing. Default 1.
    pub dx: f64,
    /// x of the first cell. Default 0.
    pub x0: f64,
    /// y of every cell. Default 0.
    pub y: f64,
    /// z of every cell. Default 0.
    pub z: f64,
}

impl Default for Line {
    fn default() -> Self {
        Line { dx: 1.0, x0: 0.0, y: 0.0, z: 0.0 }
    }
}

/// Order in which grid positions are given to cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FillOrder {
    /// Cell `i` gets grid point `i` (the last axis varies fastest).
    #[default]
    Sequential,
    /// A random permutation of the grid points (from the population's stream).
    Random,
}

/// A 2-D grid (PyNN's `Grid2D`): `nx = sqrt(n * aspect_ratio)` columns and
/// `ny = n / nx` rows, which must be whole numbers; cell `i` at
/// `(x0 + dx*(i / ny), y0 + dy*(i % ny), z)` (y varies fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid2D {
    /// `nx / ny`. Default 1.
    pub aspect_ratio: f64,
    /// Spacing along x. Default 1.
    pub dx: f64,
    /// Spacing along y. Default 1.
    pub dy: f64,
    /// x of the first point. Default 0.
    pub x0: f64,
    /// y of the first point. Default 0.
    pub y0: f64,
    /// z of every point. Default 0.
    pub z: f64,
    /// Sequential or random. Default sequential.
    pub fill_order: FillOrder,
}

impl Default for Grid2D {
    fn default() -> Self {
        Grid2D { aspect_ratio: 1.0, dx: 1.0, dy: 1.0, x0: 0.0, y0: 0.0, z: 0.0, fill_order: FillOrder::Sequential }
    }
}

/// A 3-D grid (PyNN's `Grid3D`): `nx = round((n a b)^(1/3))`,
/// `ny = round(nx / a)`, `nz = round(nx / b)` with `nx ny nz = n`
/// (`a = aspect_ratio_xy`, `b = aspect_ratio_xz`); z varies fastest, then y.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid3D {
    /// `nx / ny` (PyNN's `aspect_ratioXY`). Default 1.
    pub aspect_ratio_xy: f64,
    /// `nx / nz` (PyNN's `aspect_ratioXZ`). Default 1.
    pub aspect_ratio_xz: f64,
    /// Spacing along x. Default 1.
    pub dx: f64,
    /// Spacing along y. Default 1.
    pub dy: f64,
    /// Spacing along z. Default 1.
    pub dz: f64,
    /// x of the first point. Default 0.
    pub x0: f64,
    /// y of the first point. Default 0.
    pub y0: f64,
    /// z of the first point. Default 0.
    pub z0: f64,
    /// Sequential or random. Default sequential.
    pub fill_order: FillOrder,
}

impl Default for Grid3D {
    fn default() -> Self {
        Grid3D {
            aspect_ratio_xy: 1.0,
            aspect_ratio_xz: 1.0,
            dx: 1.0,
            dy: 1.0,
            dz: 1.0,
            x0: 0.0,
            y0: 0.0,
            z0: 0.0,
            fill_order: FillOrder::Sequential,
        }
    }
}

/// A region positions are drawn from (PyNN's `Shape`).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A box centred on the origin (PyNN's `Cuboid(width, height, depth)`:
    /// extents along x, y, z).
    Cuboid {
        /// Extent along x.
        width: f64,
        /// Extent along y.
        height: f64,
        /// Extent along z.
        depth: f64,
    },
    /// A ball centred on the origin (PyNN's `Sphere(radius)`).
    Sphere {
        /// Radius.
        radius: f64,
    },
}

/// Positions drawn uniformly from a [`Shape`], shifted by `origin` (PyNN's
/// `RandomStructure`).
#[derive(Debug, Clone, PartialEq)]
pub struct RandomStructure {
    /// The region.
    pub boundary: Shape,
    /// Added to every position. Default (0, 0, 0).
    pub origin: Position,
}

impl RandomStructure {
    /// Uniform in `boundary`, centred on the origin.
    pub fn new(boundary: Shape) -> Self {
        RandomStructure { boundary, origin: [0.0; 3] }
    }
}

/// How a population's cells are placed (PyNN's structures).
#[derive(Debug, Clone, PartialEq)]
pub enum Structure {
    /// Along a line (the default).
    Line(Line),
    /// On a 2-D grid.
    Grid2D(Grid2D),
    /// On a 3-D grid.
    Grid3D(Grid3D),
    /// Uniformly at random in a shape.
    Random(RandomStructure),
}

impl Default for Structure {
    fn default() -> Self {
        Structure::Line(Line::default())
    }
}

impl From<Line> for Structure {
    fn from(s: Line) -> Self {
        Structure::Line(s)
    }
}
impl From<Grid2D> for Structure {
    fn from(s: Grid2D) -> Self {
        Structure::Grid2D(s)
    }
}
impl From<Grid3D> for Structure {
    fn from(s: Grid3D) -> Self {
        Structure::Grid3D(s)
    }
}
impl From<RandomStructure> for Structure {
    fn from(s: RandomStructure) -> Self {
        Structure::Random(s)
    }
}

fn permute(mut p: Vec<Position>, order: FillOrder, rng: &mut SimRng) -> Vec<Position> {
    if order == FillOrder::Random {
        // Fisher-Yates from the back, one uniform integer per position.
        for i in (1..p.len()).rev() {
            let j = rng.random_range(0..=i);
            p.swap(i, j);
        }
    }
    p
}

impl Structure {
    /// PyNN's class name.
    pub fn name(&self) -> &'static str {
        match self {
            Structure::Line(_) => "Line",
            Structure::Grid2D(_) => "Grid2D",
            Structure::Grid3D(_) => "Grid3D",
            Structure::Random(_) => "RandomStructure",
        }
    }

    /// Positions of `n` cells; `rng` is used only by random structures and
    /// random fill orders.
    pub fn generate_positions(&self, n: usize, rng: &mut SimRng) -> Result<Vec<Position>> {
        let bad =
            |what: &str, value: String, allowed: &str| Err(Error::invalid_value(self.name(), what, value, allowed));
        // Spacings and origins: NaN or infinite ones would place cells at
        // NaN positions, and every distance would be NaN.
        let coords: Vec<(&str, f64)> = match self {
            Structure::Line(l) => vec![("dx", l.dx), ("x0", l.x0), ("y", l.y), ("z", l.z)],
            Structure::Grid2D(g) => vec![("dx", g.dx), ("dy", g.dy), ("x0", g.x0), ("y0", g.y0), ("z", g.z)],
            Structure::Grid3D(g) => {
                vec![("dx", g.dx), ("dy", g.dy), ("dz", g.dz), ("x0", g.x0), ("y0", g.y0), ("z0", g.z0)]
            }
            Structure::Random(r) => {
                vec![("origin[0]", r.origin[0]), ("origin[1]", r.origin[1]), ("origin[2]", r.origin[2])]
            }
        };
        if let Some((name, x)) = coords.iter().find(|(_, x)| !x.is_finite()) {
            return bad(name, crate::error::fmt_num(*x), "a finite number");
        }
        let positions = self.positions_unchecked(n, rng)?;
        // Finite parameters can still overflow (dx = 1e308 with many cells).
        if let Some((i, p)) = positions.iter().enumerate().find(|(_, p)| p.iter().any(|x| !x.is_finite())) {
            return bad(
                "positions",
                format!("{p:?} for cell {i}"),
                "spacings and origin small enough that every coordinate is finite",
            );
        }
        Ok(positions)
    }

    fn positions_unchecked(&self, n: usize, rng: &mut SimRng) -> Result<Vec<Position>> {
        let bad =
            |what: &str, value: String, allowed: &str| Err(Error::invalid_value(self.name(), what, value, allowed));
        match self {
            Structure::Line(l) => Ok((0..n).map(|i| [l.x0 + l.dx * i as f64, l.y, l.z]).collect()),
            Structure::Grid2D(g) => {
                let nx = (n as f64 * g.aspect_ratio).sqrt();
                let nxr = nx.round();
                if !(g.aspect_ratio > 0.0)
                    || (nx - nxr).abs() > 1e-9 * nx.max(1.0)
                    || nxr < 1.0
                    || !n.is_multiple_of(nxr as usize)
                {
                    return bad(
                        "aspect_ratio",
                        format!("{} for n = {n}", g.aspect_ratio),
                        "sqrt(n * aspect_ratio) must be a whole number dividing n",
                    );
                }
                let (nx, ny) = (nxr as usize, n / nxr as usize);
                let p =
                    (0..nx * ny).map(|i| [g.x0 + g.dx * (i / ny) as f64, g.y0 + g.dy * (i % ny) as f64, g.z]).collect();
                Ok(permute(p, g.fill_order, rng))
            }
            Structure::Grid3D(g) => {
                let (a, b) = (g.aspect_ratio_xy, g.aspect_ratio_xz);
                if !(a > 0.0 && b > 0.0) {
                    return bad("aspect_ratios", format!("({a}, {b})"), "both > 0");
                }
                let nx = (n as f64 * a * b).cbrt().round();
                let (ny, nz) = ((nx / a).round(), (nx / b).round());
                if (nx * ny * nz) as usize != n {
                    return bad(
                        "aspect_ratios",
                        format!("({a}, {b}) for n = {n}"),
                        &format!("nx * ny * nz must equal n (got {nx} x {ny} x {nz})"),
                    );
                }
                let (ny, nz) = (ny as usize, nz as usize);
                let p = (0..n)
                    .map(|i| {
                        let (ix, iy, iz) = (i / (ny * nz), (i / nz) % ny, i % nz);
                        [g.x0 + g.dx * ix as f64, g.y0 + g.dy * iy as f64, g.z0 + g.dz * iz as f64]
                    })
                    .collect();
                Ok(permute(p, g.fill_order, rng))
            }
            Structure::Random(r) => {
                let o = r.origin;
                let mut u = || 2.0 * rng.random::<f64>() - 1.0;
                match r.boundary {
                    Shape::Cuboid { width, height, depth } => {
                        if [width, height, depth].iter().any(|x| !(*x >= 0.0) || !x.is_finite()) {
                            return bad(
                                "width, height, depth",
                                format!("({width}, {height}, {depth})"),
                                "finite extents >= 0",
                            );
                        }
                        Ok((0..n)
                            .map(|_| {
                                let (x, y, z) = (u(), u(), u());
                                [o[0] + 0.5 * x * width, o[1] + 0.5 * y * height, o[2] + 0.5 * z * depth]
                            })
                            .collect())
                    }
                    Shape::Sphere { radius } => {
                        if !(radius >= 0.0) || !radius.is_finite() {
                            return bad("radius", radius.to_string(), "a finite radius >= 0");
                        }
                        // Rejection from the cube [-1, 1]^3, one point at a time.
                        Ok((0..n)
                            .map(|_| {
                                loop {
                                    let p = [u(), u(), u()];
                                    if p[0] * p[0] + p[1] * p[1] + p[2] * p[2] < 1.0 {
                                        break [o[0] + radius * p[0], o[1] + radius * p[1], o[2] + radius * p[2]];
                                    }
                                }
                            })
                            .collect())
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{ObjectKind, Streams};

    fn rng() -> SimRng {
        Streams::new(7).rng(ObjectKind::User, 0, "positions", 0)
    }

    #[test]
    fn space_distances_follow_pynn() {
        let s = Space::default();
        assert_eq!(s.distance([0.0, 0.0, 0.0], [3.0, 4.0, 0.0]), 5.0);
        // Periodic x in [0, 10): (1,0,0) -> (9,0,0) is 2 (PyNN, observed).
        let p = Space::default().with_periodic_boundaries([Some((0.0, 10.0)), None, None]);
        assert_eq!(p.distance([1.0, 0.0, 0.0], [9.0, 0.0, 0.0]), 2.0);
        assert_eq!(p.displacement([1.0, 0.0, 0.0], [9.0, 0.0, 0.0]), [-2.0, 0.0, 0.0]);
        // Scale and offset apply to the post side: 2 * (1 + 1) - 0 = 4.
        let t = Space { scale_factor: 2.0, offset: [1.0, 0.0, 0.0], ..Space::default() };
        assert_eq!(t.distance([0.0, 0.0, 0.0], [1.0, 0.0, 0.0]), 4.0);
        let z = Space::default().with_axes("z").unwrap();
        assert_eq!(z.distance([5.0, 5.0, 1.0], [0.0, 0.0, -1.0]), 2.0);
        assert!(Space::default().with_axes("w").is_err());
        assert!(Space::default().with_periodic_boundaries([Some((1.0, 1.0)), None, None]).validate().is_err());
    }

    #[test]
    fn grids_follow_pynn_layout() {
        let g = Structure::from(Grid2D { aspect_ratio: 4.0 / 3.0, dx: 2.0, ..Grid2D::default() });
        // n = 12, nx = sqrt(16) = 4, ny = 3; y fastest.
        let p = g.generate_positions(12, &mut rng()).unwrap();
        assert_eq!(p[0], [0.0, 0.0, 0.0]);
        assert_eq!(p[1], [0.0, 1.0, 0.0]);
        assert_eq!(p[3], [2.0, 0.0, 0.0]);
        assert_eq!(p[11], [6.0, 2.0, 0.0]);
        assert!(Structure::from(Grid2D::default()).generate_positions(10, &mut rng()).is_err());
        let g3 = Structure::from(Grid3D::default());
        let p = g3.generate_positions(27, &mut rng()).unwrap();
        assert_eq!(p[1], [0.0, 0.0, 1.0]);
        assert_eq!(p[3], [0.0, 1.0, 0.0]);
        assert_eq!(p[26], [2.0, 2.0, 2.0]);
        assert!(g3.generate_positions(26, &mut rng()).is_err());
        let r = Structure::from(Grid2D { fill_order: FillOrder::Random, ..Grid2D::default() });
        let mut a = r.generate_positions(16, &mut rng()).unwrap();
        assert_ne!(a, Structure::from(Grid2D::default()).generate_positions(16, &mut rng()).unwrap());
        a.sort_by(|x, y| x.partial_cmp(y).unwrap());
        assert_eq!(a, Structure::from(Grid2D::default()).generate_positions(16, &mut rng()).unwrap());
    }

    #[test]
    fn random_structures_stay_in_their_shapes() {
        let c = RandomStructure {
            boundary: Shape::Cuboid { width: 2.0, height: 4.0, depth: 6.0 },
            origin: [10.0, 0.0, 0.0],
        };
        let p = Structure::from(c).generate_positions(10_000, &mut rng()).unwrap();
        assert!(p.iter().all(|q| (9.0..=11.0).contains(&q[0]) && q[1].abs() <= 2.0 && q[2].abs() <= 3.0));
        let s = Structure::from(RandomStructure::new(Shape::Sphere { radius: 3.0 }));
        let p = s.generate_positions(10_000, &mut rng()).unwrap();
        assert!(p.iter().all(|q| q.iter().map(|x| x * x).sum::<f64>() < 9.0));
        // Uniform in the ball: P(r < R/2) = 1/8; 10^4 draws give SE
        // sqrt(p(1-p)/n) = 0.0033, so 5 SE = 0.0165.
        let inner = p.iter().filter(|q| q.iter().map(|x| x * x).sum::<f64>() < 2.25).count() as f64 / 1e4;
        assert!((inner - 0.125).abs() < 0.0165, "{inner}");
        assert_eq!(p, s.generate_positions(10_000, &mut rng()).unwrap());
    }
}
