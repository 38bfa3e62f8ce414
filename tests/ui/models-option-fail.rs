// Backend options: an unknown backend, an unknown option, a value that is
// not one of the option's choices, ranks that are not a whole number >= 1.
use pynn::prelude::*;

network! {
    struct Net;
    backend { native(ode_solver = rk5, threads = 2), nest(ranks = 0), brain2(target = numpy) }
    pop cells = IF_cond_exp(1);
}

fn main() {}
