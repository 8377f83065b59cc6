//! The guest's exports and its single `Sampler` instance. Compiled only for
//! wasm32, so none of these symbols exist in the native library.
//!
//! The linker settings that shape the module (imported memory, stack first and
//! its size, initial memory, exported `__heap_base`) are passed by the plugin's
//! build script (`build.rs` at the repository root), in one place.

use crate::abi;
use crate::memory::Memory;
use crate::sampler::Sampler;
use core::mem::MaybeUninit;
use core::ptr::addr_of_mut;

/// The one sampler of this instance, in zeroed memory (so the module
/// carries no 1 MiB image of it), made a new sampler by the first export
/// that uses it. The host calls exports one at a time (wasm is
/// single-threaded here), so no two `&mut` to it ever coexist.
static mut SAMPLER: MaybeUninit<Sampler> = MaybeUninit::zeroed();
static mut PREPARED: bool = false;

fn sampler() -> &'static mut Sampler {
    // SAFETY: single-threaded guest, and every export takes this reference
    // once and drops it before returning. All-zero bytes are a valid
    // `Sampler` (see its docs), so the reference is to a valid value even
    // before `prepare` has run.
    unsafe {
        let s = (*addr_of_mut!(SAMPLER)).assume_init_mut();
        if !*addr_of_mut!(PREPARED) {
            s.prepare();
            *addr_of_mut!(PREPARED) = true;
        }
        s
    }
}

fn memory() -> Memory {
    let len = core::arch::wasm32::memory_size(0) * abi::PAGE_SIZE as usize;
    // SAFETY: in wasm the linear memory is the address space: 0..len is
    // mapped and the host writes the I/O region only between calls.
    unsafe { Memory::new(0, len) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // A trap: the host silences the block and re-instantiates the guest.
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn abi_version() -> u32 {
    abi::ABI_VERSION
}

#[no_mangle]
pub extern "C" fn init(sample_rate: f32, max_frames: u32) -> i32 {
    sampler().init(&memory(), sample_rate, max_frames)
}

#[no_mangle]
pub extern "C" fn reset() {
    sampler().reset(&memory())
}

#[no_mangle]
pub extern "C" fn slot_load(slot: u32, pad: u32, data: u32, frames: u32, channels: u32, format: u32, source_rate: f32) -> i32 {
    sampler().slot_load(&memory(), slot, pad, data, frames, channels, format, source_rate)
}

#[no_mangle]
pub extern "C" fn set_polyphony(voices: u32) -> i32 {
    sampler().set_polyphony(&memory(), voices)
}

#[no_mangle]
pub extern "C" fn slot_loop(slot: u32, mode: u32, start: u32, end: u32, fade: u32) -> i32 {
    sampler().slot_loop(slot, mode, start, end, fade)
}

#[no_mangle]
pub extern "C" fn slot_retire(slot: u32) {
    sampler().slot_retire(slot)
}

#[no_mangle]
pub extern "C" fn slot_voices(slot: u32) -> u32 {
    sampler().slot_voices(slot)
}

#[no_mangle]
pub extern "C" fn pad_param(pad: u32, param: u32, value: f32) -> i32 {
    sampler().pad_param(pad, param, value)
}

#[no_mangle]
pub extern "C" fn process(frames: u32, event_count: u32) -> u32 {
    // SAFETY: regions published with slot_load stay intact while voices read
    // them (the host frees a region only when slot_voices reports 0).
    unsafe { sampler().process(&memory(), frames, event_count) }
}
