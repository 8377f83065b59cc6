//! The region allocator for the sample region of the guest's linear memory.
//!
//! It manages byte offsets `base..end` of the memory; it never touches the
//! memory itself. When nothing free fits, [`RegionAllocator::allocate`] says
//! how many whole pages the caller must grow the memory by, the caller grows
//! it and reports the new pages with [`RegionAllocator::add_pages`].
//!
//! Best fit over a free list kept twice: by offset (to coalesce a freed region
//! with its neighbours in O(log n)) and by size (to find the smallest block
//! that fits in O(log n)). Every block's offset and size are multiples of the
//! alignment, so a fit never needs padding.
//!
//! Thread: any non-real-time thread (it allocates in its B-trees). The audio
//! thread never calls it; freeing is deferred to housekeeping.

use std::collections::{BTreeMap, BTreeSet};

use wasm_sampler_guest::abi::PAGE_SIZE;

/// A region handed out by the allocator: `offset..offset + len` in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region {
    /// Byte offset in linear memory (aligned).
    pub offset: u64,
    /// Length in bytes (a multiple of the alignment, at least the request).
    pub len: u64,
}

impl Region {
    /// One past the last byte.
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// Why an allocation did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// Nothing free fits; grow the memory by this many pages and retry.
    NeedPages(u64),
    /// The request cannot fit even after growing to the limit.
    OutOfMemory { requested: u64, limit: u64 },
}

/// Numbers for the editor's memory view and the render stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct AllocStats {
    /// Bytes in live regions.
    pub used: u64,
    /// Free bytes in the managed span.
    pub free: u64,
    /// The largest free block (the largest sample that fits without growing).
    pub largest_free: u64,
    /// `1 - largest_free / free`: 0 when the free space is one block.
    pub fragmentation: f64,
    /// Live regions.
    pub regions: usize,
    /// Size of the memory in pages (`end / PAGE_SIZE`).
    pub pages: u64,
}

/// Best-fit allocator with coalescing over `base..end` of a growable memory.
#[derive(Clone, Debug)]
pub struct RegionAllocator {
    base: u64,
    end: u64,
    limit: u64,
    align: u64,
    free_by_offset: BTreeMap<u64, u64>,
    free_by_size: BTreeSet<(u64, u64)>,
    used: BTreeMap<u64, u64>,
}

impl RegionAllocator {
    /// Manages `base..end` (all free), growable to `limit` bytes, handing out
    /// regions aligned to `align` (a power of two dividing `base` and the page
    /// size).
    ///
    /// Allocates (two empty B-trees: no heap until the first block).
    ///
    /// Thread: non-real-time, under the engine lock. May allocate (B-tree nodes).
    pub fn new(base: u64, end: u64, limit: u64, align: u64) -> Self {
        assert!(align.is_power_of_two() && base.is_multiple_of(align) && (PAGE_SIZE as u64).is_multiple_of(align));
        assert!(base <= end && end <= limit && end.is_multiple_of(PAGE_SIZE as u64));
        let mut a = RegionAllocator { base, end, limit, align, free_by_offset: BTreeMap::new(), free_by_size: BTreeSet::new(), used: BTreeMap::new() };
        if end > base {
            a.insert_free(base, end - base);
        }
        a
    }

    /// Start of the managed span.
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// End of the managed span (the memory size in bytes).
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Rounds a request up to the alignment (0 stays a one-unit region so that
    /// every region has a distinct offset).
    fn round(&self, len: u64) -> Option<u64> {
        let len = len.max(1);
        len.checked_add(self.align - 1).map(|l| l & !(self.align - 1))
    }

    /// Hands out a region of at least `len` bytes, best fit.
    ///
    /// Thread: non-real-time, under the engine lock. May allocate (B-tree nodes).
    pub fn allocate(&mut self, len: u64) -> Result<Region, AllocError> {
        let oom = AllocError::OutOfMemory { requested: len, limit: self.limit - self.base };
        let len = self.round(len).ok_or(oom)?;
        if let Some(&(size, offset)) = self.free_by_size.range((len, 0)..).next() {
            self.remove_free(offset, size);
            if size > len {
                self.insert_free(offset + len, size - len);
            }
            self.used.insert(offset, len);
            return Ok(Region { offset, len });
        }
        // Grow: the free block touching the end (if any) counts toward the request.
        let tail = self.free_by_offset.range(..self.end).next_back().filter(|(&o, &s)| o + s == self.end).map_or(0, |(_, &s)| s);
        let need = len - tail;
        let pages = need.div_ceil(PAGE_SIZE as u64);
        if self.end + pages * PAGE_SIZE as u64 > self.limit {
            return Err(oom);
        }
        Err(AllocError::NeedPages(pages))
    }

    /// Adds `pages` pages at the end of the span (after the memory grew).
    ///
    /// Thread: non-real-time, under the engine lock. May allocate (B-tree nodes).
    pub fn add_pages(&mut self, pages: u64) {
        let bytes = pages * PAGE_SIZE as u64;
        assert!(self.end + bytes <= self.limit, "growing past the limit");
        if bytes == 0 {
            return;
        }
        let start = self.end;
        self.end += bytes;
        self.release(start, bytes);
    }

    /// Returns a region. Errors (leaving everything unchanged) if `offset` is
    /// not the start of a live region.
    ///
    /// Thread: non-real-time, under the engine lock. May allocate (B-tree nodes).
    pub fn free(&mut self, offset: u64) -> Result<(), String> {
        let len = self.used.remove(&offset).ok_or_else(|| format!("no live region at offset {offset:#x}"))?;
        self.release(offset, len);
        Ok(())
    }

    /// Inserts a free block, merging it with free neighbours.
    fn release(&mut self, mut offset: u64, mut len: u64) {
        if let Some((&po, &ps)) = self.free_by_offset.range(..offset).next_back() {
            if po + ps == offset {
                self.remove_free(po, ps);
                offset = po;
                len += ps;
            }
        }
        if let Some(&ns) = self.free_by_offset.get(&(offset + len)) {
            self.remove_free(offset + len, ns);
            len += ns;
        }
        self.insert_free(offset, len);
    }

    fn insert_free(&mut self, offset: u64, len: u64) {
        self.free_by_offset.insert(offset, len);
        self.free_by_size.insert((len, offset));
    }

    fn remove_free(&mut self, offset: u64, len: u64) {
        self.free_by_offset.remove(&offset);
        self.free_by_size.remove(&(len, offset));
    }

    /// Live regions in address order.
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn regions(&self) -> impl Iterator<Item = Region> + '_ {
        self.used.iter().map(|(&offset, &len)| Region { offset, len })
    }

    /// Free blocks in address order.
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn free_blocks(&self) -> impl Iterator<Item = Region> + '_ {
        self.free_by_offset.iter().map(|(&offset, &len)| Region { offset, len })
    }

    /// The largest region [`allocate`](Self::allocate) could hand out now,
    /// growing the memory up to the limit if need be: the largest free
    /// block, or the free block at the end together with the growth left.
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn largest_obtainable(&self) -> u64 {
        let largest = self.free_by_size.iter().next_back().map_or(0, |&(s, _)| s);
        let tail = self.free_by_offset.range(..self.end).next_back().filter(|(&o, &s)| o + s == self.end).map_or(0, |(_, &s)| s);
        let growth = (self.limit - self.end) / PAGE_SIZE as u64 * PAGE_SIZE as u64;
        largest.max(tail + growth)
    }

    /// The most sample memory there can be: the limit less the base.
    ///
    /// Thread: any. No allocation.
    pub fn capacity(&self) -> u64 {
        self.limit - self.base
    }

    /// Current numbers. O(1) except `free`, which sums the free list.
    ///
    /// Thread: non-real-time, under the engine lock. No allocation.
    pub fn stats(&self) -> AllocStats {
        let used: u64 = self.used.values().sum();
        let free = self.end - self.base - used;
        let largest_free = self.free_by_size.iter().next_back().map_or(0, |&(s, _)| s);
        AllocStats {
            used,
            free,
            largest_free,
            fragmentation: if free == 0 { 0.0 } else { 1.0 - largest_free as f64 / free as f64 },
            regions: self.used.len(),
            pages: self.end / PAGE_SIZE as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: u64 = PAGE_SIZE as u64;
    const BASE: u64 = 32 * P;

    fn grow_until_allocated(a: &mut RegionAllocator, len: u64) -> Region {
        loop {
            match a.allocate(len) {
                Ok(r) => return r,
                Err(AllocError::NeedPages(p)) => a.add_pages(p),
                Err(e) => panic!("{e:?}"),
            }
        }
    }

    #[test]
    fn empty_allocator_asks_for_exactly_the_pages_a_request_needs() {
        let mut a = RegionAllocator::new(BASE, BASE, 1 << 32, 16);
        assert_eq!(a.allocate(1), Err(AllocError::NeedPages(1)));
        assert_eq!(a.allocate(P), Err(AllocError::NeedPages(1)));
        assert_eq!(a.allocate(P + 1), Err(AllocError::NeedPages(2)));
    }

    #[test]
    fn growth_counts_the_free_tail_toward_the_request() {
        let mut a = RegionAllocator::new(BASE, BASE, 1 << 32, 16);
        a.add_pages(1);
        let r = a.allocate(P / 2).unwrap();
        assert_eq!(r, Region { offset: BASE, len: P / 2 });
        // P/2 free at the tail: a request of P needs one more page, not two.
        assert_eq!(a.allocate(P), Err(AllocError::NeedPages(1)));
        a.add_pages(1);
        assert_eq!(a.allocate(P).unwrap(), Region { offset: BASE + P / 2, len: P });
    }

    #[test]
    fn requests_round_up_to_the_alignment() {
        let mut a = RegionAllocator::new(BASE, BASE + P, 1 << 32, 16);
        assert_eq!(a.allocate(3).unwrap(), Region { offset: BASE, len: 16 });
        assert_eq!(a.allocate(17).unwrap(), Region { offset: BASE + 16, len: 32 });
    }

    #[test]
    fn best_fit_takes_the_smallest_hole_that_fits() {
        let mut a = RegionAllocator::new(BASE, BASE + P, 1 << 32, 16);
        let r: Vec<_> = [64, 16, 32, 16, 128].iter().map(|&l| a.allocate(l).unwrap()).collect();
        a.free(r[0].offset).unwrap(); // 64-byte hole
        a.free(r[2].offset).unwrap(); // 32-byte hole
        assert_eq!(a.allocate(32).unwrap().offset, r[2].offset);
        assert_eq!(a.allocate(48).unwrap().offset, r[0].offset);
    }

    #[test]
    fn freeing_the_middle_region_coalesces_three_blocks_into_one() {
        let mut a = RegionAllocator::new(BASE, BASE + P, 1 << 32, 16);
        let x = a.allocate(100).unwrap();
        let y = a.allocate(100).unwrap();
        let z = a.allocate(100).unwrap();
        a.free(x.offset).unwrap();
        a.free(z.offset).unwrap();
        assert_eq!(a.free_blocks().count(), 2);
        a.free(y.offset).unwrap();
        assert_eq!(a.free_blocks().collect::<Vec<_>>(), vec![Region { offset: BASE, len: P }]);
    }

    #[test]
    fn freeing_an_unknown_offset_is_an_error_and_changes_nothing() {
        let mut a = RegionAllocator::new(BASE, BASE + P, 1 << 32, 16);
        let r = a.allocate(64).unwrap();
        let before = a.stats();
        assert!(a.free(r.offset + 16).is_err());
        assert_eq!(a.stats(), before);
        a.free(r.offset).unwrap();
        assert!(a.free(r.offset).is_err(), "double free must be refused");
    }

    #[test]
    fn stats_report_used_free_largest_and_fragmentation() {
        let mut a = RegionAllocator::new(BASE, BASE + P, 1 << 32, 16);
        let r: Vec<_> = (0..4).map(|_| a.allocate(P / 4).unwrap()).collect();
        a.free(r[0].offset).unwrap();
        a.free(r[2].offset).unwrap();
        let s = a.stats();
        assert_eq!((s.used, s.free, s.largest_free, s.regions, s.pages), (P / 2, P / 2, P / 4, 2, 33));
        assert_eq!(s.fragmentation, 0.5);
    }

    #[test]
    fn the_largest_obtainable_region_counts_growth_only_where_the_end_is_free() {
        let mut a = RegionAllocator::new(BASE, BASE + 2 * P, BASE + 6 * P, 16);
        assert_eq!(a.largest_obtainable(), 6 * P, "all free: the span and the growth");
        let first = a.allocate(P).unwrap();
        let second = a.allocate(P).unwrap();
        assert_eq!(a.largest_obtainable(), 4 * P, "the end is used: growth only");
        a.free(first.offset).unwrap();
        assert_eq!(a.largest_obtainable(), 4 * P);
        let grown = grow_until_allocated(&mut a, 4 * P);
        assert_eq!(a.largest_obtainable(), P, "at the limit: the freed block");
        a.free(grown.offset).unwrap();
        a.free(second.offset).unwrap();
        assert_eq!(a.largest_obtainable(), 6 * P);
        assert_eq!(a.capacity(), 6 * P);
    }

    #[test]
    fn a_request_beyond_the_limit_is_out_of_memory() {
        let mut a = RegionAllocator::new(BASE, BASE, BASE + 4 * P, 16);
        assert_eq!(a.allocate(4 * P + 1), Err(AllocError::OutOfMemory { requested: 4 * P + 1, limit: 4 * P }));
        assert_eq!(a.allocate(u64::MAX), Err(AllocError::OutOfMemory { requested: u64::MAX, limit: 4 * P }));
        let r = grow_until_allocated(&mut a, 4 * P);
        assert_eq!(r, Region { offset: BASE, len: 4 * P });
    }

    #[derive(Clone, Debug)]
    enum Op {
        Alloc(u64),
        Free(usize),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        prop::collection::vec(
            prop_oneof![
                3 => (1u64..300_000).prop_map(Op::Alloc),
                1 => (1u64..64).prop_map(Op::Alloc),
                3 => any::<usize>().prop_map(Op::Free),
            ],
            1..200,
        )
    }

    /// The invariants every state must keep.
    fn check(a: &RegionAllocator) {
        let mut spans: Vec<(Region, bool)> = a.regions().map(|r| (r, true)).chain(a.free_blocks().map(|r| (r, false))).collect();
        spans.sort();
        // Used and free blocks tile base..end exactly: no overlap, no gap, all inside memory.
        let mut at = a.base();
        for (r, _) in &spans {
            assert_eq!(r.offset, at, "gap or overlap at {at:#x}");
            assert!(r.len > 0 && r.offset % 16 == 0 && r.len % 16 == 0);
            at = r.end();
        }
        assert_eq!(at, a.end());
        // No two free blocks are neighbours (they would have been merged).
        for w in spans.windows(2) {
            assert!(w[0].1 || w[1].1, "free neighbours {:?} and {:?} not coalesced", w[0].0, w[1].0);
        }
        // The size index mirrors the offset index.
        assert_eq!(a.free_by_size.len(), a.free_by_offset.len());
        for (&o, &s) in &a.free_by_offset {
            assert!(a.free_by_size.contains(&(s, o)));
        }
    }

    proptest! {
        #[test]
        fn random_allocate_free_sequences_keep_every_invariant(ops in ops()) {
            let mut a = RegionAllocator::new(BASE, BASE, 1 << 32, 16);
            let mut live: Vec<Region> = Vec::new();
            for op in ops {
                match op {
                    Op::Alloc(len) => {
                        let r = grow_until_allocated(&mut a, len);
                        prop_assert!(r.len >= len);
                        prop_assert!(live.iter().all(|l| r.end() <= l.offset || l.end() <= r.offset));
                        live.push(r);
                    }
                    Op::Free(i) if !live.is_empty() => {
                        let r = live.swap_remove(i % live.len());
                        a.free(r.offset).unwrap();
                    }
                    Op::Free(_) => {}
                }
                check(&a);
                prop_assert_eq!(a.stats().used, live.iter().map(|r| r.len).sum::<u64>());
            }
            // Freeing everything returns to the initial state: one free block
            // spanning the whole (grown) region, nothing used.
            for r in live.drain(..) {
                a.free(r.offset).unwrap();
            }
            check(&a);
            let s = a.stats();
            prop_assert_eq!((s.used, s.regions, s.fragmentation), (0, 0, 0.0));
            let blocks: Vec<_> = a.free_blocks().collect();
            if a.end() > BASE {
                prop_assert_eq!(blocks, vec![Region { offset: BASE, len: a.end() - BASE }]);
            } else {
                prop_assert!(blocks.is_empty());
            }
        }
    }
}
