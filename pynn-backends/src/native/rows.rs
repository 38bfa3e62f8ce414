//! Static synapse storage: the compressed rows of one projection into one
//! shard, by pre-synaptic cell, with weights and delays in the smallest
//! lossless layout ([`Values`]: one value, a palette, or one per synapse);
//! the per-projection bookkeeping ([`Proj`]: its parts and the permutation
//! back to connection order); building the rows from a projection's
//! connections, reading and writing their weights and delays, and their
//! memory.

use super::{Native, err};
use pynn_core::backend::*;
use pynn_core::{Error, Result};

// ------------------------------------------------------------ synapse store

/// Per-synapse values stored losslessly in the smallest of three layouts.
#[derive(Debug, Clone)]
pub(super) enum Values<T> {
    /// Every synapse has this value.
    Same(T),
    /// `palette[index[s]]`.
    Palette(std::sync::Arc<Vec<T>>, Vec<u8>),
    /// One value per synapse.
    Each(Vec<T>),
}

/// The exact layout chosen for a projection's values (per projection, so
/// that every shard shares the palette).
pub(super) enum Layout<T> {
    Same(T),
    Palette(std::sync::Arc<Vec<T>>, std::collections::HashMap<u64, u8>),
    Each,
}

pub(super) trait Bits: Copy {
    fn bits(self) -> u64;
}
impl Bits for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
}
impl Bits for u16 {
    fn bits(self) -> u64 {
        u64::from(self)
    }
}

impl<T: Bits> Layout<T> {
    /// Chooses the smallest layout of `values` (compared by bit pattern:
    /// lossless): one value, a palette (one index byte per synapse plus
    /// the palette) when it is smaller than one value per synapse, else
    /// one value per synapse.
    pub(super) fn of(values: &[T]) -> Self {
        let Some(&first) = values.first() else { return Layout::Each };
        if values.iter().all(|v| v.bits() == first.bits()) {
            return Layout::Same(first);
        }
        let mut map = std::collections::HashMap::new();
        let mut palette = Vec::new();
        for v in values {
            if let std::collections::hash_map::Entry::Vacant(e) = map.entry(v.bits()) {
                if palette.len() == 256 {
                    return Layout::Each;
                }
                e.insert(palette.len() as u8);
                palette.push(*v);
            }
        }
        if values.len() + palette.len() * std::mem::size_of::<T>() >= std::mem::size_of_val(values) {
            return Layout::Each;
        }
        Layout::Palette(std::sync::Arc::new(palette), map)
    }

    pub(super) fn empty(&self, capacity: usize) -> Values<T> {
        match self {
            Layout::Same(v) => Values::Same(*v),
            Layout::Palette(p, _) => Values::Palette(p.clone(), Vec::with_capacity(capacity)),
            Layout::Each => Values::Each(Vec::with_capacity(capacity)),
        }
    }
}

impl<T: Bits + Default> Values<T> {
    #[inline(always)]
    pub(super) fn get(&self, s: usize) -> T {
        match self {
            Values::Same(v) => *v,
            Values::Palette(p, i) => p[i[s] as usize],
            Values::Each(v) => v[s],
        }
    }

    /// Writes `v` at position `s` (the vectors are pre-sized), given the
    /// layout the values were chosen with.
    #[inline]
    pub(super) fn put(&mut self, layout: &Layout<T>, s: usize, v: T) {
        match (self, layout) {
            (Values::Palette(_, i), Layout::Palette(_, map)) => i[s] = map[&v.bits()],
            (Values::Each(e), _) => e[s] = v,
            _ => {}
        }
    }

    pub(super) fn resize(&mut self, n: usize) {
        match self {
            Values::Same(_) => {}
            Values::Palette(_, i) => i.resize(n, 0),
            Values::Each(e) => e.resize(n, T::default()),
        }
    }

    /// Bytes of the per-synapse values (palette indices or values); the
    /// palette, shared by every shard of the projection, is counted by
    /// [`Values::palette_bytes`], once per projection.
    pub(super) fn bytes(&self) -> usize {
        match self {
            Values::Same(_) => 0,
            Values::Palette(_, i) => i.len(),
            Values::Each(e) => e.len() * std::mem::size_of::<T>(),
        }
    }

    /// Bytes of the palette, if any.
    pub(super) fn palette_bytes(&self) -> usize {
        match self {
            Values::Palette(p, _) => p.len() * std::mem::size_of::<T>(),
            _ => 0,
        }
    }
}

/// The static synapses of one projection into one shard, in rows by
/// pre-synaptic cell.
pub(super) struct Rows {
    pub(super) receptor: usize,
    /// Global index of the first pre-synaptic cell with a row here.
    pub(super) pre_lo: u32,
    /// One past the last.
    pub(super) pre_hi: u32,
    /// Shards that hold the cells `pre_lo..pre_hi` (global shard indices).
    pub(super) src: std::ops::Range<usize>,
    /// `row_ptr[g - pre_lo] .. row_ptr[g - pre_lo + 1]` are the synapses of cell `g`.
    pub(super) row_ptr: Vec<u32>,
    /// Target cell, index within the shard.
    pub(super) target: Vec<u16>,
    pub(super) weight: Values<f64>,
    pub(super) delay: Values<u16>,
    /// Every row holds one synapse and the targets are consecutive
    /// (`target[g - pre_lo] = target[0] + g - pre_lo`: a one-to-one
    /// projection between aligned ranges, such as a Poisson drive):
    /// delivery then needs no row lookup.
    pub(super) diagonal: bool,
    /// One past the largest target (0 without synapses): delivery checks it
    /// against the shard's size once per call, not once per synapse.
    pub(super) span: usize,
}

impl Rows {
    /// Whether the rows are [`Rows::diagonal`].
    pub(super) fn is_diagonal(&self) -> bool {
        let n = self.target.len();
        n == (self.pre_hi - self.pre_lo) as usize
            && self.row_ptr.iter().enumerate().all(|(k, p)| *p as usize == k)
            && self.target.iter().enumerate().all(|(k, t)| *t as usize == self.target[0] as usize + k)
    }

    /// One past the largest target, 0 without synapses (see [`Rows::span`]).
    pub(super) fn target_span(&self) -> usize {
        self.target.iter().max().map_or(0, |t| usize::from(*t) + 1)
    }

    pub(super) fn len(&self) -> usize {
        self.target.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.row_ptr.len() * 4 + self.target.len() * 2 + self.weight.bytes() + self.delay.bytes()
    }

    /// The synapses of global pre-synaptic cell `g`.
    #[inline]
    pub(super) fn row(&self, g: u32) -> std::ops::Range<usize> {
        if g < self.pre_lo || g >= self.pre_hi {
            return 0..0;
        }
        let r = (g - self.pre_lo) as usize;
        self.row_ptr[r] as usize..self.row_ptr[r + 1] as usize
    }
}

/// A static projection: its rows in the shards of its targets.
pub(super) struct Proj {
    /// `(shard, position in its incoming list)` of each part, in shard order.
    pub(super) parts: Vec<(usize, usize)>,
    pub(super) pre_lo: u32,
    pub(super) pre_hi: u32,
    pub(super) n: usize,
    /// Position in the connection list of each synapse in canonical order
    /// (pre-synaptic cell, then shard, then row order), when the two differ.
    pub(super) perm: Option<Vec<u32>>,
}

/// Memory held by the engine's synapse storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapseMemory {
    /// Number of synapses.
    pub synapses: usize,
    /// Bytes used by synapse rows (targets, weights, delays, row pointers,
    /// palettes and order permutations).
    pub bytes: usize,
}

impl Native {
    /// Bytes of synapse storage.
    pub fn synapse_memory(&self) -> SynapseMemory {
        let mut m = SynapseMemory { synapses: 0, bytes: 0 };
        for p in &self.projs {
            m.synapses += p.n;
            m.bytes += p.perm.as_ref().map_or(0, |v| v.len() * 4) + p.parts.len() * std::mem::size_of::<Rows>();
            for &(s, k) in &p.parts {
                m.bytes += self.shards[s].incoming[k].bytes();
            }
            // Palettes are per projection (one `Arc` shared by its parts).
            if let Some(&(s, k)) = p.parts.first() {
                let rows = &self.shards[s].incoming[k];
                m.bytes += rows.weight.palette_bytes() + rows.delay.palette_bytes();
            }
        }
        for p in &self.plastic {
            m.synapses += p.len();
            m.bytes += p.bytes();
        }
        m
    }

    pub(super) fn proj(&self, id: ProjId) -> Result<&Proj> {
        self.projs.get(id).ok_or_else(|| err(format!("no projection {id}")))
    }

    /// Visits the synapses of a projection in canonical order (pre-synaptic
    /// cell, then shard, then row order): `f(pre, shard, position in the shard's rows)`.
    pub(super) fn for_each_canonical(&self, p: &Proj, mut f: impl FnMut(u32, usize, &Rows, usize)) {
        let parts: Vec<(usize, &Rows)> = p.parts.iter().map(|&(s, k)| (s, &self.shards[s].incoming[k])).collect();
        for g in p.pre_lo..p.pre_hi {
            for &(s, rows) in &parts {
                for i in rows.row(g) {
                    f(g, s, rows, i);
                }
            }
        }
    }

    /// Canonical-order values of a projection, back in connection order.
    pub(super) fn to_connection_order<T: Copy + Default>(p: &Proj, canonical: Vec<T>) -> Vec<T> {
        match &p.perm {
            None => canonical,
            Some(perm) => {
                let mut out = vec![T::default(); canonical.len()];
                for (j, &i) in perm.iter().enumerate() {
                    out[i as usize] = canonical[j];
                }
                out
            }
        }
    }

    /// Stores the connections of a static projection as rows in the shards
    /// of their targets (the connections are checked and `delay` holds
    /// their delays in steps, one value when they are all the same).
    pub(super) fn connect_static(
        &mut self,
        spec: &ProjectionSpec<'_>,
        c: Connections,
        delay: Vec<u16>,
        (pre_lo, pre_hi): (u32, u32),
    ) -> Result<()> {
        let n = c.len();
        let receptor = spec.receptor.index;
        let wl = Layout::of(&c.weight);
        let dl = Layout::of(&delay);
        // Shard of every cell of the network, looked up once per cell
        // rather than once per synapse.
        let cell_shard: Vec<u32> = (0..self.owner.len()).map(|g| self.shard_of(g) as u32).collect();
        // Buffers of one entry per synapse are reserved fallibly (the core
        // estimated the whole construction before generating it).
        let object = format!("projection \"{}\" on the native engine", spec.label);
        let mut shard: Vec<u32> = pynn_core::memory::try_with_capacity(&object, || format!("{n} synapses"), n)?;
        shard.extend(c.post.iter().map(|t| cell_shard[*t as usize]));
        // Synapses of one pre-synaptic cell must come shard by shard for the
        // canonical order to be the connection order; otherwise keep a permutation.
        let grouped = (1..n).all(|i| c.pre[i] != c.pre[i - 1] || shard[i] >= shard[i - 1]);
        let perm = if grouped {
            None
        } else {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&i| (c.pre[i as usize], shard[i as usize]));
            Some(order)
        };
        // Per shard: count and pre-synaptic range.
        let mut count: Vec<(usize, u32, u32)> = vec![(0, u32::MAX, 0); self.shards.len()];
        for i in 0..n {
            let e = &mut count[shard[i] as usize];
            e.0 += 1;
            e.1 = e.1.min(c.pre[i]);
            e.2 = e.2.max(c.pre[i] + 1);
        }
        let mut parts = Vec::new();
        // Position in `new_rows` of each shard's rows.
        let mut slot_of: Vec<u32> = vec![u32::MAX; self.shards.len()];
        let mut new_rows = Vec::new();
        for (s, &(cnt, lo, hi)) in count.iter().enumerate() {
            if cnt == 0 {
                continue;
            }
            if cnt > u32::MAX as usize {
                return Err(err(format!("more than {} synapses of one projection into one shard", u32::MAX)));
            }
            let sh = &self.shards[s];
            if receptor >= sh.ring.len() {
                return Err(err(format!("receptor {receptor} does not exist on the post-synaptic cells")));
            }
            let src_start = self.shard_lo.partition_point(|&x| x <= lo as usize) - 1;
            let src_end = self.shard_lo.partition_point(|&x| x < hi as usize);
            let mut weight = wl.empty(cnt);
            weight.resize(cnt);
            let mut dly = dl.empty(cnt);
            dly.resize(cnt);
            slot_of[s] = new_rows.len() as u32;
            new_rows.push(Rows {
                receptor,
                pre_lo: lo,
                pre_hi: hi,
                src: src_start..src_end.min(self.shards.len()),
                row_ptr: vec![0; (hi - lo) as usize + 1],
                target: pynn_core::memory::try_vec(&object, || format!("{cnt} synapses"), cnt, 0)?,
                weight,
                delay: dly,
                diagonal: false,
                span: 0,
            });
            parts.push((s, self.shards[s].incoming.len()));
        }
        for i in 0..n {
            let r = &mut new_rows[slot_of[shard[i] as usize] as usize];
            r.row_ptr[(c.pre[i] - r.pre_lo) as usize + 1] += 1;
        }
        for r in &mut new_rows {
            for k in 1..r.row_ptr.len() {
                r.row_ptr[k] += r.row_ptr[k - 1];
            }
        }
        // Fill with the row pointers as cursors, in connection order (the
        // order within a row is kept), then shift them back.
        for i in 0..n {
            let r = &mut new_rows[slot_of[shard[i] as usize] as usize];
            let row = (c.pre[i] - r.pre_lo) as usize;
            let at = r.row_ptr[row] as usize;
            r.row_ptr[row] += 1;
            let sh = &self.shards[shard[i] as usize];
            r.target[at] = (c.post[i] as usize - sh.lo) as u16;
            if !matches!(wl, Layout::Same(_)) {
                r.weight.put(&wl, at, c.weight[i]);
            }
            if !matches!(dl, Layout::Same(_)) {
                r.delay.put(&dl, at, delay[i]);
            }
        }
        for r in &mut new_rows {
            for k in (1..r.row_ptr.len()).rev() {
                r.row_ptr[k] = r.row_ptr[k - 1];
            }
            r.row_ptr[0] = 0;
            r.diagonal = r.is_diagonal();
            r.span = r.target_span();
        }
        drop(c);
        for ((s, _), rows) in parts.iter().zip(new_rows) {
            self.shards[*s].incoming.push(rows);
        }
        self.projs.push(Proj { parts, pre_lo, pre_hi, n, perm });
        Ok(())
    }

    /// Stores a streamed static projection ([`Backend::connect_streamed`]):
    /// one range of post-synaptic cells per target shard, generated and
    /// packed into that shard's rows in parallel on the engine's threads,
    /// so that no more than one range per thread is ever held as a list.
    /// The rows are those [`Native::connect_static`] builds from the whole
    /// list: the fill keeps each pre-synaptic cell's connections in the
    /// order generated, which is the list order, and shards follow post
    /// order, so the canonical order is the list order (no permutation).
    /// Returns the number of connections.
    pub(super) fn connect_streamed_static(
        &mut self,
        spec: &ProjectionSpec<'_>,
        src: &ConnectionSource<'_>,
    ) -> Result<usize> {
        if let Some(t) = src.post.last().filter(|t| **t as usize >= self.owner.len()) {
            return Err(err(format!("post-synaptic cell {t} does not exist")));
        }
        let receptor = spec.receptor.index;
        let delay = (src.delay / self.dt).round() as u16;
        // One range of post positions per target shard.
        let mut ranges = Vec::new();
        let mut a = 0;
        while a < src.post.len() {
            let s = self.shard_of(src.post[a] as usize);
            let end = self.shards[s].lo + self.shards[s].size;
            let b = a + src.post[a..].partition_point(|g| (*g as usize) < end);
            ranges.push((s, a..b));
            a = b;
        }
        let object = format!("projection \"{}\" on the native engine", spec.label);
        let ctx = ShardCtx {
            n_cells: self.owner.len(),
            shard_lo: &self.shard_lo,
            first: self.shards.iter().map(|sh| sh.lo).collect(),
            n_shards: self.shards.len(),
            receptors: self.shards.iter().map(|sh| sh.ring.len()).collect(),
            receptor,
            weight: src.weight,
            delay,
            object: &object,
        };
        let pool = std::sync::Arc::clone(&self.pool);
        let built: Vec<Result<Option<Rows>>> = pool.install(|| {
            use rayon::prelude::*;
            ranges.par_iter().map(|(s, posts)| ctx.rows(*s, posts.clone(), src)).collect()
        });
        // The first error in shard order, as the whole list would give.
        let mut parts = Vec::new();
        let mut new_rows = Vec::new();
        for ((s, _), rows) in ranges.iter().zip(built) {
            if let Some(rows) = rows? {
                parts.push((*s, self.shards[*s].incoming.len()));
                new_rows.push(rows);
            }
        }
        let n = new_rows.iter().map(Rows::len).sum();
        let pre_lo = new_rows.iter().map(|r| r.pre_lo).min().unwrap_or(0);
        let pre_hi = new_rows.iter().map(|r| r.pre_hi).max().unwrap_or(0);
        for ((s, _), rows) in parts.iter().zip(new_rows) {
            self.shards[*s].incoming.push(rows);
        }
        self.projs.push(Proj { parts, pre_lo, pre_hi, n, perm: None });
        Ok(n)
    }

    /// Sets the weights or delays of a static projection (`name` is
    /// `weight` or `delay`, `values` in connection order).
    pub(super) fn set_static(&mut self, proj: ProjId, name: &str, values: &[f64]) -> Result<()> {
        let dt = self.dt;
        let p = self.projs.get(proj).ok_or_else(|| err(format!("no projection {proj}")))?;
        if values.len() != p.n {
            return Err(Error::LengthMismatch {
                object: "native projection".into(),
                what: name.into(),
                expected: p.n,
                found: values.len(),
            });
        }
        if name != "weight" && name != "delay" {
            return Err(Error::unknown_name("native projection", "attribute", name, ["weight", "delay"]));
        }
        // Values in canonical order.
        let canonical: Vec<f64> = match &p.perm {
            None => values.to_vec(),
            Some(perm) => perm.iter().map(|&i| values[i as usize]).collect(),
        };
        // Canonical position of each (part, index in the part).
        let mut at: Vec<Vec<usize>> = p.parts.iter().map(|&(s, k)| vec![0; self.shards[s].incoming[k].len()]).collect();
        {
            let part_of: std::collections::HashMap<usize, usize> =
                p.parts.iter().enumerate().map(|(j, &(s, _))| (s, j)).collect();
            let mut j = 0;
            self.for_each_canonical(p, |_, s, _, i| {
                at[part_of[&s]][i] = j;
                j += 1;
            });
        }
        let parts = p.parts.clone();
        if name == "weight" {
            let layout = Layout::of(&canonical);
            for (&(s, k), pos) in parts.iter().zip(&at) {
                let rows = &mut self.shards[s].incoming[k];
                let mut w = layout.empty(pos.len());
                w.resize(pos.len());
                for (i, &j) in pos.iter().enumerate() {
                    w.put(&layout, i, canonical[j]);
                }
                rows.weight = w;
            }
        } else {
            let steps: Vec<u16> = canonical.iter().map(|d| (d / dt).round() as u16).collect();
            let layout = Layout::of(&steps);
            for (&(s, k), pos) in parts.iter().zip(&at) {
                let rows = &mut self.shards[s].incoming[k];
                let mut d = layout.empty(pos.len());
                d.resize(pos.len());
                for (i, &j) in pos.iter().enumerate() {
                    d.put(&layout, i, steps[j]);
                }
                rows.delay = d;
            }
        }
        Ok(())
    }
}

/// What building one shard's rows of a streamed projection needs (shared
/// read-only by the parallel tasks).
struct ShardCtx<'a> {
    n_cells: usize,
    shard_lo: &'a [usize],
    /// Global index of each shard's first cell.
    first: Vec<usize>,
    n_shards: usize,
    /// Receptors of each shard.
    receptors: Vec<usize>,
    receptor: usize,
    weight: f64,
    delay: u16,
    object: &'a str,
}

impl ShardCtx<'_> {
    /// The rows into shard `s` of the connections onto post positions
    /// `posts` (the shard's cells), `None` if there are none. The posts are
    /// generated a few hundred thousand synapses at a time
    /// ([`SUB_SYNAPSES`]), each piece packed at once into rows of its own
    /// (counted per pre-synaptic cell, then filled in generation order);
    /// the pieces' rows are then joined row by row, in post order. Only
    /// one piece is ever held as a list, and the shard's rows twice.
    fn rows(&self, s: usize, posts: std::ops::Range<usize>, src: &ConnectionSource<'_>) -> Result<Option<Rows>> {
        let first = self.first[s];
        let mut pieces: Vec<Piece> = Vec::new();
        let mut at = posts.start;
        // Posts per piece: 64 at first, then sized from the synapses per
        // post seen so far.
        let mut step = 64;
        let (mut seen_posts, mut seen) = (0usize, 0usize);
        while at < posts.end {
            let end = (at + step).min(posts.end);
            let (pre, post) = src.chunk(at..end)?;
            seen_posts += end - at;
            seen += pre.len();
            at = end;
            step = (SUB_SYNAPSES * seen_posts / seen.max(1)).max(64);
            if let Some(p) = self.piece(&pre, &post, first)? {
                pieces.push(p);
            }
        }
        let Some(lo) = pieces.iter().map(|p| p.lo).min() else { return Ok(None) };
        let hi = pieces.iter().map(|p| p.hi).max().unwrap_or(lo);
        if self.receptor >= self.receptors[s] {
            return Err(err(format!("receptor {} does not exist on the post-synaptic cells", self.receptor)));
        }
        let cnt: usize = pieces.iter().map(|p| p.target.len()).sum();
        if cnt > u32::MAX as usize {
            return Err(err(format!("more than {} synapses of one projection into one shard", u32::MAX)));
        }
        let (row_ptr, target) = if pieces.len() == 1 && pieces[0].lo == lo {
            let p = pieces.pop().expect("one piece");
            (p.row_ptr, p.target)
        } else {
            let what = || format!("{cnt} synapses");
            let mut row_ptr: Vec<u32> = pynn_core::memory::try_vec(&self.object, what, (hi - lo) as usize + 1, 0)?;
            let mut target: Vec<u16> = pynn_core::memory::try_with_capacity(&self.object, what, cnt)?;
            advise_huge_pages(&target);
            for g in lo..hi {
                for p in &pieces {
                    target.extend_from_slice(&p.target[p.row(g)]);
                }
                row_ptr[(g - lo) as usize + 1] = target.len() as u32;
            }
            (row_ptr, target)
        };
        drop(pieces);
        let src_start = self.shard_lo.partition_point(|&x| x <= lo as usize) - 1;
        let src_end = self.shard_lo.partition_point(|&x| x < hi as usize);
        let mut rows = Rows {
            receptor: self.receptor,
            pre_lo: lo,
            pre_hi: hi,
            src: src_start..src_end.min(self.n_shards),
            row_ptr,
            target,
            weight: Values::Same(self.weight),
            delay: Values::Same(self.delay),
            diagonal: false,
            span: 0,
        };
        rows.diagonal = rows.is_diagonal();
        rows.span = rows.target_span();
        Ok(Some(rows))
    }

    /// Rows of one piece of a shard's connections (global pre and post
    /// indices, generation order), targets relative to the shard's first
    /// cell `first`; `None` if the piece is empty.
    fn piece(&self, pre: &[u32], post: &[u32], first: usize) -> Result<Option<Piece>> {
        let (Some(&lo), Some(&hi)) = (pre.iter().min(), pre.iter().max()) else { return Ok(None) };
        if hi as usize >= self.n_cells {
            return Err(err(format!("pre-synaptic cell {hi} does not exist")));
        }
        let hi = hi + 1;
        let what = || format!("{} synapses", pre.len());
        let mut row_ptr: Vec<u32> = pynn_core::memory::try_vec(&self.object, what, (hi - lo) as usize + 1, 0)?;
        for p in pre {
            row_ptr[(p - lo) as usize + 1] += 1;
        }
        for k in 1..row_ptr.len() {
            row_ptr[k] += row_ptr[k - 1];
        }
        // Row pointers as cursors, then shifted back.
        let mut target: Vec<u16> = pynn_core::memory::try_vec(&self.object, what, pre.len(), 0)?;
        for (p, t) in pre.iter().zip(post) {
            let r = (p - lo) as usize;
            target[row_ptr[r] as usize] = (*t as usize - first) as u16;
            row_ptr[r] += 1;
        }
        for k in (1..row_ptr.len()).rev() {
            row_ptr[k] = row_ptr[k - 1];
        }
        row_ptr[0] = 0;
        Ok(Some(Piece { lo, hi, row_ptr, target }))
    }
}

/// Synapses per piece a shard's streamed connections are generated in
/// (about 2 MB of (pre, post) list at a time).
const SUB_SYNAPSES: usize = 1 << 18;

/// The rows of one piece of a shard's streamed connections.
struct Piece {
    lo: u32,
    hi: u32,
    row_ptr: Vec<u32>,
    target: Vec<u16>,
}

impl Piece {
    /// Positions in `target` of the synapses of global pre-synaptic cell `g`.
    fn row(&self, g: u32) -> std::ops::Range<usize> {
        if g < self.lo || g >= self.hi {
            return 0..0;
        }
        let r = (g - self.lo) as usize;
        self.row_ptr[r] as usize..self.row_ptr[r + 1] as usize
    }
}

/// Asks the kernel to back the whole 2 MiB pages inside `v`'s allocation
/// with huge pages (Linux `madvise(MADV_HUGEPAGE)`, effective when
/// transparent huge pages are in `madvise` or `always` mode). Delivery
/// jumps from row to row across megabytes of targets, each jump a TLB miss
/// with 4 KiB pages. A hint: the contents and the results are unchanged,
/// and a refusal is ignored. Call it before the memory is first written.
fn advise_huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        unsafe extern "C" {
            fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        const MADV_HUGEPAGE: i32 = 14;
        const HUGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + v.capacity() * std::mem::size_of::<T>();
        let (a, b) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if b > a {
            // SAFETY: `a..b` lies inside `v`'s allocation, which this
            // process owns; MADV_HUGEPAGE changes no contents.
            unsafe { madvise(a as *mut std::ffi::c_void, b - a, MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}
