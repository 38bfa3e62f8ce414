use pynn::prelude::*;

// Sizes beyond the 32-bit cell indices of a session are refused on the
// literal (they used to compile and abort at run time).
network! {
    struct Net;
    pop huge = IF_curr_exp(99999999999999999999999);
    pop just_over = IF_curr_exp(4294967296);
    pop largest = SpikeSourcePoisson(4294967295) { rate = 10 Hz };
}

fn main() {}

// Each size fits, their sum does not.
mod two {
    use pynn::prelude::*;
    network! {
        struct Net2;
        pop a = IF_curr_exp(3000000000);
        pop b = IF_curr_exp(3000000000);
    }
}
