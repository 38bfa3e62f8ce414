// `space(...)` of a projection: PyNN's axis names, a scale factor > 0,
// periodic boundaries (min, max) with max > min, an offset of 3 lengths.
use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_curr_exp(4);
    pop b = IF_curr_exp(4);
    connect a -> b all_to_all() space(axes = "xq") excitatory;
    connect a -> b all_to_all() space(scale_factor = 0, offset = (1 um, 2 um));
    connect a -> b all_to_all() space(scale_factor = 2 um, axis = "xy");
    connect a -> b all_to_all() static(weight = 0.1 nA) space(periodic_boundaries = ((100 um, 0 um), None, (0 ms, 1 ms)));
    connect a -> b all_to_all() space(periodic_boundaries = (0 um, 100 um));
    connect a -> b all_to_all() static(weight = 0.1 nA) spaces(axes = "x");
}

fn main() {}
