use pynn::prelude::*;

network! {
    struct Net;
    pop a = IF_cond_exp(10);
    connect a -> a fixed_number_pre(-3) static(weight = 1 nS);
    connect a -> a fixed_number_post(n = 2 ms, with_replacment = true);
    connect a -> a distance_dependent_probability("exp(-d/100)");
    connect a -> a small_world(degree = 2, rewiring = 1.5);
    connect a -> a array([[true, false], [true]]);
    connect a -> a from_file(file = 3);
    connect a -> a clone(later);
    connect a -> a clone(ealier);
    connect ealier2 = a -> a one_to_one();
    connect later = a -> a one_to_one();
    connect a -> a fixed_total_number(p = 10);
}

fn main() {}
