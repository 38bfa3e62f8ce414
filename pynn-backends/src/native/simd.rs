//! Wider vector code for the hot loops, chosen at run time.
//!
//! The kernels' loops are written once as plain Rust (`#[inline(always)]`)
//! and compiled three times: for the baseline target (SSE2 on x86-64, two
//! f64 lanes) and, inside functions with `#[target_feature(enable = ...)]`,
//! for AVX2 with FMA (four lanes) and AVX-512F (eight). [`avx512`] and
//! [`avx2`] tell which one to call. Only additions,
//! multiplications, comparisons and selects are widened; Rust never fuses a
//! multiplication and an addition into an FMA on its own, so both versions
//! perform the same IEEE operations in the same order and give bit-identical
//! results (the engine's reproducibility contract holds across machines).
//! A kernel that wants a fused multiply-add writes [`f64::mul_add`], which
//! is correctly rounded everywhere: the FMA instruction in the AVX2 and
//! AVX-512 versions, libm's `fma` (a call per operation, much slower) in
//! the baseline one, which only CPUs without AVX2 and FMA run.
//!
//! One exception is known and avoided: a loop-carried [`f64::max`] (LLVM's
//! `maxnum`) reduction. LLVM 22's loop vectorizer, given AVX-512F (where
//! gathers are cheap), vectorised the RKF45 error norm's loop over the state
//! components as a `maxnum` reduction guarded by a NaN check and skipped the
//! remaining `N % 4` components (see [`super::rkf45`]). Error norms and other
//! reductions are therefore written as comparisons (`all(x <= limit)`) or
//! selects, and every lane kernel is tested at every width this CPU has
//! ([`Isa`], [`with_isa_limit`]).

use std::cell::Cell;

/// The instruction sets the dispatched kernels are compiled for, narrowest
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// The baseline target (SSE2 on x86-64; the only one elsewhere).
    Base,
    /// AVX2 (four `f64` lanes per register).
    Avx2,
    /// AVX-512F (eight `f64` lanes per register).
    Avx512,
}

thread_local! {
    /// The widest instruction set the current thread may dispatch to.
    static LIMIT: Cell<Isa> = const { Cell::new(Isa::Avx512) };
}

/// Runs `f` with the kernels dispatched on the current thread limited to
/// `isa` (narrower if the CPU lacks it), then restores the previous limit,
/// also if `f` panics. For tests that compare the widths bit for bit, and
/// for measurements; other threads are not affected.
pub fn with_isa_limit<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    struct Restore(Isa);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LIMIT.with(|l| l.replace(isa)));
    f()
}

/// Every instruction set this CPU runs, narrowest first ([`Isa::Base`] always).
pub fn available() -> Vec<Isa> {
    let mut v = vec![Isa::Base];
    if detected_avx2() {
        v.push(Isa::Avx2);
    }
    if detected_avx512() {
        v.push(Isa::Avx512);
    }
    v
}

fn limit() -> Isa {
    LIMIT.with(Cell::get)
}

fn detected_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn detected_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether to run the AVX-512F version: the CPU has it (cached by std) and
/// the thread's [`with_isa_limit`] allows it.
#[inline]
pub fn avx512() -> bool {
    limit() >= Isa::Avx512 && detected_avx512()
}

/// Whether to run the AVX2 version: the CPU has AVX2 and FMA (std caches the answer
/// after the first call, so this is one relaxed atomic load) and the
/// thread's [`with_isa_limit`] allows it.
#[inline]
pub fn avx2() -> bool {
    limit() >= Isa::Avx2 && detected_avx2()
}

/// A per-cell parameter column as the loops read it: one value shared by
/// every cell of a shard (`f64`), or one per cell (`&[f64]`). Loops generic
/// over it are monomorphised for both, so a homogeneous population does not
/// stream its parameters from memory.
pub trait Col: Copy {
    /// The value of cell `i`.
    fn at(self, i: usize) -> f64;
    /// The column restricted to the first `n` cells (re-slicing inside the
    /// loop's function lets the compiler drop the bounds checks).
    fn prefix(self, n: usize) -> Self;
    /// The column of cells `lo..hi`, indexed from 0 (one block of a
    /// blocked loop; re-slicing drops the bounds checks as [`Col::prefix`]).
    fn window(self, lo: usize, hi: usize) -> Self;
}

impl Col for f64 {
    #[inline(always)]
    fn at(self, _i: usize) -> f64 {
        self
    }
    #[inline(always)]
    fn prefix(self, _n: usize) -> Self {
        self
    }
    #[inline(always)]
    fn window(self, _lo: usize, _hi: usize) -> Self {
        self
    }
}

impl Col for &[f64] {
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        self[i]
    }
    #[inline(always)]
    fn prefix(self, n: usize) -> Self {
        &self[..n]
    }
    #[inline(always)]
    fn window(self, lo: usize, hi: usize) -> Self {
        &self[lo..hi]
    }
}

/// [`Real::Bits`] of one lane: all ones if `b`, else zero.
#[inline(always)]
pub fn bits(b: bool) -> u64 {
    0u64.wrapping_sub(u64::from(b))
}

/// The single value of `v` if every element has the same bit pattern.
pub fn uniform(v: &[f64]) -> Option<f64> {
    let first = *v.first()?;
    v.iter().all(|x| x.to_bits() == first.to_bits()).then_some(first)
}

/// Defines `$name(args) -> ret` that runs `$body` compiled with AVX-512F or
/// AVX2 when the CPU has it and the thread's [`with_isa_limit`] allows it,
/// else compiled for the baseline target. `$body` must be an
/// `#[inline(always)]` function with the same signature.
macro_rules! dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident < $g:ident : $bound:path > ( $($a:ident : $t:ty),* $(,)? ) -> $ret:ty = $body:ident;) => {
        $(#[$m])*
        $vis fn $name<$g: $bound>($($a: $t),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn wider<$g: $bound>($($a: $t),*) -> $ret {
                    $body::<$g>($($a),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn wide<$g: $bound>($($a: $t),*) -> $ret {
                    $body::<$g>($($a),*)
                }
                if $crate::native::simd::avx512() {
                    // SAFETY: the CPU supports AVX-512F (checked just above).
                    return unsafe { wider::<$g>($($a),*) };
                }
                if $crate::native::simd::avx2() {
                    // SAFETY: the CPU supports AVX2 and FMA (checked just above).
                    return unsafe { wide::<$g>($($a),*) };
                }
            }
            $body::<$g>($($a),*)
        }
    };
    ($(#[$m:meta])* $vis:vis fn $name:ident ( $($a:ident : $t:ty),* $(,)? ) -> $ret:ty = $body:ident;) => {
        $(#[$m])*
        $vis fn $name($($a: $t),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn wider($($a: $t),*) -> $ret {
                    $body($($a),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn wide($($a: $t),*) -> $ret {
                    $body($($a),*)
                }
                if $crate::native::simd::avx512() {
                    // SAFETY: the CPU supports AVX-512F (checked just above).
                    return unsafe { wider($($a),*) };
                }
                if $crate::native::simd::avx2() {
                    // SAFETY: the CPU supports AVX2 and FMA (checked just above).
                    return unsafe { wide($($a),*) };
                }
            }
            $body($($a),*)
        }
    };
}
pub(crate) use dispatch;

/// A number the right-hand sides of the RKF45 models are written over once:
/// `f64` for one cell, [`V8`] for [`super::rkf45::LANES`] cells. Every
/// operation of `V8` is the `f64` operation lane by lane, so a formula
/// evaluated on `V8` gives each lane the bits the scalar formula gives.
pub trait Real:
    Copy
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    /// One boolean per lane.
    type Mask: Copy;
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
    /// [`f64::min`] per lane.
    fn min(self, other: Self) -> Self;
    /// Per lane: `yes` where `m` is true, else `no`.
    fn select(m: Self::Mask, yes: Self, no: Self) -> Self;
    /// One bit pattern per lane: all ones (true) or all zeros (false), as
    /// wide as the lane, so that a vector compare makes it and a select
    /// by it is a bitwise blend, without conversions between mask forms.
    type Bits: Copy;
    /// Per lane: `yes` where `m` is all ones, `no` where it is zero (the
    /// bits of the chosen value, as [`Real::select`] gives them).
    fn blend(m: Self::Bits, yes: Self, no: Self) -> Self;
    /// [`f64::exp`] per lane (the same library function, lane by lane).
    fn exp(self) -> Self;
    /// [`Real::exp`] per lane, except where `skip` is all ones: 0 there,
    /// without the call (for a term that a blend by `skip` discards).
    fn exp_unless(self, skip: Self::Bits) -> Self;
}

impl Real for f64 {
    type Mask = bool;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        f64::min(self, other)
    }
    #[inline(always)]
    fn select(m: bool, yes: Self, no: Self) -> Self {
        if m { yes } else { no }
    }
    type Bits = u64;
    #[inline(always)]
    fn blend(m: u64, yes: Self, no: Self) -> Self {
        f64::from_bits((yes.to_bits() & m) | (no.to_bits() & !m))
    }
    #[inline(always)]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline(always)]
    fn exp_unless(self, skip: u64) -> Self {
        if skip != 0 { 0.0 } else { f64::exp(self) }
    }
}

/// Eight `f64` lanes (one AVX-512 register, two AVX2 ones).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V8(pub [f64; 8]);

macro_rules! v8_binary {
    ($tr:ident, $f:ident, $op:tt) => {
        impl std::ops::$tr for V8 {
            type Output = V8;
            #[inline(always)]
            fn $f(self, o: V8) -> V8 {
                V8(std::array::from_fn(|l| self.0[l] $op o.0[l]))
            }
        }
    };
}
v8_binary!(Add, add, +);
v8_binary!(Sub, sub, -);
v8_binary!(Mul, mul, *);
v8_binary!(Div, div, /);

impl std::ops::Neg for V8 {
    type Output = V8;
    #[inline(always)]
    fn neg(self) -> V8 {
        V8(self.0.map(|x| -x))
    }
}

impl Real for V8 {
    type Mask = [bool; 8];
    #[inline(always)]
    fn splat(x: f64) -> Self {
        V8([x; 8])
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        V8(std::array::from_fn(|l| f64::min(self.0[l], o.0[l])))
    }
    #[inline(always)]
    fn select(m: [bool; 8], yes: Self, no: Self) -> Self {
        V8(std::array::from_fn(|l| if m[l] { yes.0[l] } else { no.0[l] }))
    }
    type Bits = [u64; 8];
    #[inline(always)]
    fn blend(m: [u64; 8], yes: Self, no: Self) -> Self {
        V8(std::array::from_fn(|l| f64::blend(m[l], yes.0[l], no.0[l])))
    }
    #[inline(always)]
    fn exp(self) -> Self {
        V8(self.0.map(f64::exp))
    }
    #[inline(always)]
    fn exp_unless(self, skip: [u64; 8]) -> Self {
        V8(std::array::from_fn(|l| self.0[l].exp_unless(skip[l])))
    }
}
