//! Access to the linear memory the DSP reads events and samples from and
//! writes its output to.
//!
//! In the wasm guest the linear memory *is* the address space, so the base is
//! address 0. In the native build (tests, benches, `--engine native`) the host
//! hands over the base address of the same wasmtime memory. Either way the DSP
//! code computes `base + offset` and never holds a Rust reference into sample
//! data across calls.

use crate::abi;
use crate::lanes::F4;

/// A view of linear memory: base address and current length in bytes.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    base: usize,
    len: usize,
}

impl Memory {
    /// A view of `len` bytes starting at address `base`.
    ///
    /// # Safety
    /// `base..base + len` must be readable and writable memory for as long as
    /// the view (and any copy of it) is used, every byte below `len` must stay
    /// mapped (a wasm memory never shrinks), and nothing else may write the
    /// I/O region while a DSP call runs. Sample regions named in `slot_load`
    /// must not be written while a voice can read them.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub const unsafe fn new(base: usize, len: usize) -> Self {
        Memory { base, len }
    }

    /// Length of the memory in bytes.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the memory has no bytes.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `offset..offset + bytes` lies inside the memory.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn contains(&self, offset: u32, bytes: u64) -> bool {
        (offset as u64).checked_add(bytes).is_some_and(|end| end <= self.len as u64)
    }

    #[inline(always)]
    fn addr(&self, offset: u32) -> usize {
        self.base + offset as usize
    }

    /// The event records of the current call.
    ///
    /// # Safety
    /// The I/O region must lie inside the memory (checked by `init`) and the
    /// host must not write it during the call.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline]
    pub unsafe fn events(&self, count: u32) -> &[abi::Event] {
        let count = count.min(abi::EVENT_CAPACITY) as usize;
        // SAFETY: EVENTS is 8-aligned (checked at compile time in abi) and
        // base is page-aligned, `count` records fit in the queue, which lies
        // inside the memory; the caller guarantees no concurrent writer.
        unsafe { core::slice::from_raw_parts(core::ptr::with_exposed_provenance(self.addr(abi::EVENTS)), count) }
    }

    /// Output channel `ch`, `frames` long.
    ///
    /// # Safety
    /// As for [`Memory::events`]; `ch < OUT_CHANNEL_CAPACITY`,
    /// `frames <= MAX_FRAMES`, and no other slice of the same channel alive.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn out_channel(&self, ch: u32, frames: u32) -> &mut [f32] {
        debug_assert!(ch < abi::OUT_CHANNEL_CAPACITY && frames <= abi::MAX_FRAMES);
        // SAFETY: the output buffers are 16-aligned and inside the I/O region;
        // the caller guarantees exclusivity for this channel.
        unsafe { core::slice::from_raw_parts_mut(core::ptr::with_exposed_provenance_mut(self.addr(abi::out_channel(ch))), frames as usize) }
    }

    /// Writes the header.
    ///
    /// # Safety
    /// As for [`Memory::events`].
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline]
    pub unsafe fn write_header(&self, header: &abi::Header) {
        // SAFETY: HEADER is inside the I/O region and 4-aligned.
        unsafe { core::ptr::with_exposed_provenance_mut::<abi::Header>(self.addr(abi::HEADER)).write(*header) }
    }

    /// Sample `index` of the region at `offset`, stored as `S`, before
    /// scaling ([`Stored::load_raw`]).
    ///
    /// # Safety
    /// The sample must lie inside a region published with `slot_load` in
    /// format `S` (so inside the memory and aligned for `S`; an I24 region
    /// has the byte after its last sample).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub unsafe fn sample_raw<S: Stored>(&self, offset: u32, index: usize) -> f32 {
        // SAFETY: guaranteed by the caller (the voice checks index < frames *
        // channels, and slot_load checked the region against the memory).
        unsafe { S::load_raw(self.addr(offset) + index * S::BYTES) }
    }
}

impl Memory {
    /// Samples `index..index + 4` of the region at `offset`, stored as `S`,
    /// before scaling (as [`Stored::load_raw`] gives them).
    ///
    /// # Safety
    /// As for [`Memory::sample_raw`], for all four samples.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub unsafe fn samples4_raw<S: Stored>(&self, offset: u32, index: usize) -> F4 {
        // SAFETY: as for `sample_raw`, four times.
        unsafe { S::load4_raw(self.addr(offset) + index * S::BYTES) }
    }

    /// Samples `index..index + 8` as two vectors (the four taps of a stereo
    /// frame pair), before scaling.
    ///
    /// # Safety
    /// As for [`Memory::sample_raw`], for all eight samples.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub unsafe fn samples8_raw<S: Stored>(&self, offset: u32, index: usize) -> (F4, F4) {
        // SAFETY: as for `sample_raw`, eight times.
        unsafe { S::load8_raw(self.addr(offset) + index * S::BYTES) }
    }
}

/// A sample storage format (see `abi::format`): how one sample is read.
pub trait Stored {
    /// Bytes a sample takes.
    const BYTES: usize;
    /// What a raw value is multiplied by to play: 2^-(bits-1), or 1 for f32.
    const SCALE: f32;
    /// The sample at `addr` as a float, not yet scaled (an integer's own
    /// value). Voices interpolate raw values and fold the scale into their
    /// gain: with a power-of-two scale that gives exactly the bits of
    /// scaling every tap, for no multiply per sample.
    ///
    /// # Safety
    /// `addr` must be a sample of a region in this format inside the memory.
    unsafe fn load_raw(addr: usize) -> f32;
    /// The four consecutive samples from `addr`, not yet scaled. One vector
    /// load where the format allows it (f32, 16-bit), four loads otherwise.
    ///
    /// # Safety
    /// As for [`Stored::load_raw`], for all four samples.
    #[inline(always)]
    unsafe fn load4_raw(addr: usize) -> F4 {
        // SAFETY: the caller's.
        unsafe {
            F4::new(Self::load_raw(addr), Self::load_raw(addr + Self::BYTES), Self::load_raw(addr + 2 * Self::BYTES), Self::load_raw(addr + 3 * Self::BYTES))
        }
    }
    /// The eight consecutive samples from `addr` as two vectors, not yet
    /// scaled.
    ///
    /// # Safety
    /// As for [`Stored::load_raw`], for all eight samples.
    #[inline(always)]
    unsafe fn load8_raw(addr: usize) -> (F4, F4) {
        // SAFETY: the caller's.
        unsafe { (Self::load4_raw(addr), Self::load4_raw(addr + 4 * Self::BYTES)) }
    }
}

/// `abi::format::F32`.
pub struct F32;
/// `abi::format::I16`.
pub struct I16;
/// `abi::format::I24`.
pub struct I24;
/// `abi::format::I8`.
pub struct I8;

impl Stored for F32 {
    const BYTES: usize = 4;
    const SCALE: f32 = 1.0;
    #[inline(always)]
    unsafe fn load_raw(addr: usize) -> f32 {
        // SAFETY: the caller's; F32 regions are 4-aligned.
        unsafe { core::ptr::with_exposed_provenance::<f32>(addr).read() }
    }
    #[inline(always)]
    unsafe fn load4_raw(addr: usize) -> F4 {
        // SAFETY: the caller's: 16 bytes of the region.
        unsafe { F4::load_f32(addr) }
    }
}

impl Stored for I16 {
    const BYTES: usize = 2;
    const SCALE: f32 = abi::format::I16_SCALE;
    #[inline(always)]
    unsafe fn load_raw(addr: usize) -> f32 {
        // SAFETY: the caller's; I16 regions are 2-aligned.
        (unsafe { core::ptr::with_exposed_provenance::<i16>(addr).read() }) as f32
    }
    #[inline(always)]
    unsafe fn load4_raw(addr: usize) -> F4 {
        // SAFETY: the caller's: 8 bytes of the region.
        unsafe { F4::load_i16(addr) }
    }
    #[inline(always)]
    unsafe fn load8_raw(addr: usize) -> (F4, F4) {
        // SAFETY: the caller's: 16 bytes of the region.
        unsafe { F4::load_i16x8(addr) }
    }
}

impl Stored for I24 {
    const BYTES: usize = 3;
    const SCALE: f32 = abi::format::I24_SCALE;
    #[inline(always)]
    unsafe fn load_raw(addr: usize) -> f32 {
        // SAFETY: the caller's; the 4 bytes from addr lie in the region (it
        // holds one byte past its last sample). Unaligned, so read_unaligned.
        let word = u32::from_le(unsafe { core::ptr::with_exposed_provenance::<u32>(addr).read_unaligned() });
        ((word << 8) as i32 >> 8) as f32
    }
}

impl Stored for I8 {
    const BYTES: usize = 1;
    const SCALE: f32 = abi::format::I8_SCALE;
    #[inline(always)]
    unsafe fn load_raw(addr: usize) -> f32 {
        // SAFETY: the caller's.
        (unsafe { core::ptr::with_exposed_provenance::<i8>(addr).read() }) as f32
    }
}
