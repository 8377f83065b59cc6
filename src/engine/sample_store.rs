//! Sample data in the guest's linear memory: the right to write a region
//! before anyone can read it.
//!
//! A [`Reservation`] is a region of the sample area plus a free guest slot,
//! taken from the engine under its lock. While the reservation exists no
//! guest slot names the region, so the loader may write it without the lock
//! while the audio thread runs the guest on the same memory. Publishing the
//! reservation ([`Engine::publish`](crate::engine::Engine::publish)) consumes
//! it: from then on the region is read-only. Dropping it unpublished gives
//! the region and the slot back.
//!
//! This file holds the whole argument for the lock-free write; nothing else
//! writes sample data.
//!
//! Thread: loader threads (never the audio thread).

use crate::decode::SampleInfo;
use crate::engine::allocator::Region;
use crate::engine::Engine;

/// A reserved, not yet published region and guest slot. See the module docs.
pub struct Reservation<'e> {
    engine: &'e Engine,
    region: Region,
    slot: u32,
    /// Base address of the linear memory (it never moves; in a page, not
    /// addressable, and unused).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    base: *mut u8,
    info: SampleInfo,
    /// Cleared when published; a reservation still live on drop is given back.
    live: bool,
}

impl<'e> Reservation<'e> {
    /// Wraps what [`Engine::reserve`] took under its lock.
    pub(crate) fn new(engine: &'e Engine, region: Region, slot: u32, base: *mut u8, info: SampleInfo) -> Self {
        Reservation { engine, region, slot, base, info, live: true }
    }

    /// What the region is sized for.
    ///
    /// Thread: loader. No allocation.
    pub fn info(&self) -> SampleInfo {
        self.info
    }

    /// Bytes of sample data the region holds (frames × channels × bytes per
    /// stored sample).
    ///
    /// Thread: loader. No allocation.
    pub fn len(&self) -> usize {
        self.info.bytes() as usize
    }

    /// Whether the region holds no samples (never, for a valid sample).
    ///
    /// Thread: loader. No allocation.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `bytes` (stored samples, see `abi::format`) at byte `offset`
    /// of the region.
    ///
    /// Panics if they do not fit in the region.
    ///
    /// Thread: loader, without the engine lock. No allocation.
    pub fn write(&mut self, offset: usize, bytes: &[u8]) {
        assert!(offset + bytes.len() <= self.len(), "write past the reserved region");
        #[cfg(not(target_arch = "wasm32"))]
        {
            let dst = self.base.wrapping_add(self.region.offset as usize + offset);
            // SAFETY: the region lies inside the memory (the allocator's span
            // never exceeds the memory size, checked in `Engine::reserve`), the
            // memory never moves (`memory_may_move(false)`), and no guest slot
            // names the region until `publish` consumes this reservation, so
            // nothing else reads or writes these bytes meanwhile.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
        }
        // In a page the guest's memory is another instance's (the same
        // argument holds: nothing names the region yet).
        #[cfg(target_arch = "wasm32")]
        crate::engine::backend::write_memory(self.region.offset + offset as u64, bytes);
    }

    /// The region and slot, for publishing: the reservation ends here.
    pub(crate) fn into_parts(mut self) -> (Region, u32) {
        self.live = false;
        (self.region, self.slot)
    }
}

impl Drop for Reservation<'_> {
    /// An unpublished reservation (a failed decode) gives its region and
    /// slot back.
    fn drop(&mut self) {
        if self.live {
            self.engine.release(self.region, self.slot);
        }
    }
}
