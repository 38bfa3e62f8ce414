use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(16, structure = grid2d(aspect_ratio = 1 um, dx = 10 ms, dzz = 1 um));
    pop b = IF_curr_exp(8, structure = Grid3D(fill_order = diagonal));
    pop c = IF_curr_exp(8, structure = random(sphere(r = 5 um), origin = (0 um, 1 um)));
    pop d = IF_curr_exp(8, structure = random(boundary = cube(width = 1 um)));
    pop e = IF_curr_exp(8, structure = random(origin = [1 mm, 0, 0]));
    pop f = IF_curr_exp(8, structure = line(dx = 2 pA));
}

fn main() {}
