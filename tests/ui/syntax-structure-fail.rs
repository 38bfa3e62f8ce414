// The rules of `Structure::generate_positions` on literals: a grid's
// aspect ratios must fit the population's literal size, a random
// structure's box and sphere must not be negative.
use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(10, structure = grid2d(dx = 10 um));
    pop b = IF_curr_exp(20, structure = grid2d(aspect_ratio = 2.0));
    pop c = IF_curr_exp(16, structure = grid2d(aspect_ratio = 0.0));
    pop d = IF_curr_exp(24, structure = grid3d(aspect_ratio_xy = 1.0, aspect_ratio_xz = 1.0));
    pop e = IF_curr_exp(8, structure = random(cuboid(width = 10 um, height = -5 um, depth = 1 um)));
    pop f = IF_curr_exp(8, structure = random(boundary = sphere(-2 um)));
    pop ok = IF_curr_exp(27, structure = grid3d());
}

fn main() {}
