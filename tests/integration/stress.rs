//! Everything at once: one thread plays blocks of random size with notes
//! (each `process` under `assert_no_alloc`), another loads, replaces and
//! clears samples, saves and restores the kit, and reads what the editor
//! reads (waveforms, sample data, the memory map), with random pauses.
//!
//! Every load is a new file with a signature: a constant magnitude unique
//! to that load, and a sign pattern (one pseudo-random bit per frame) that
//! only that load has. Fades and gains scale a voice but keep its signs,
//! and notes are spaced so that one voice sounds at a time; so every
//! sample a voice plays must follow the sign pattern of a single load from
//! its first frame to its last, and never be louder than that load's
//! magnitude. A voice that went on reading a region after it was freed and
//! filled by another load would switch pattern mid-voice and fail. At the
//! end the allocator holds exactly the pads' samples: nothing retired is
//! left and no region leaked.
//!
//! The audio thread runs at 16 times real time. CI runs 20 000 blocks
//! (about 10 s; 5 000 under Wine); `WASM_SAMPLER_STRESS_BLOCKS=N` runs N
//! (100 000 took 81 s on 2 cores, 138 376 loads meanwhile). Made to free
//! retired regions before their voices end, the engine fails this test
//! within a second.

use crate::common;
use common::*;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nice_assert_no_alloc::assert_no_alloc;
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::engine::SegmentKind;
use wasm_sampler::kit::{Mapping, PadSettings};
use wasm_sampler::DspBackend;

const PADS: usize = 4;
const MAX_FRAMES: usize = 1_500;

/// xorshift32: the test's only source of randomness (reproducible).
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// Load `id`'s magnitude: exact in f32, distinct for every load.
fn magnitude(id: u32) -> f32 {
    (id + 1) as f32 / 65_536.0
}

/// Load `id`'s sign at frame `i`: + for true.
fn positive(id: u32, i: usize) -> bool {
    let mut x = id.wrapping_mul(0x9e37_79b9) ^ (i as u32).wrapping_mul(0x85eb_ca6b) ^ 0x2545_f491;
    x ^= x >> 15;
    x = x.wrapping_mul(0x2c1b_3c6d);
    x ^= x >> 12;
    x & 1 == 1
}

/// Load `id`'s length in frames.
fn length(id: u32) -> usize {
    200 + (id as usize * 7_919) % (MAX_FRAMES - 200)
}

fn write_load(dir: &std::path::Path, id: u32) -> std::path::PathBuf {
    let path = dir.join(format!("load-{id}.wav"));
    let data: Vec<f32> = (0..length(id)).map(|i| if positive(id, i) { magnitude(id) } else { -magnitude(id) }).collect();
    write_float_wav(&path, 48_000, 1, &data);
    path
}

/// The voice being checked: where it started, and the loads it can still be.
struct Voice {
    start: u64,
    candidates: Vec<u32>,
}

#[test]
fn loads_replacements_clears_restores_and_editor_reads_during_playback_never_play_a_freed_region() {
    let blocks: usize = std::env::var("WASM_SAMPLER_STRESS_BLOCKS").ok().and_then(|v| v.parse().ok()).unwrap_or(if cfg!(windows) { 5_000 } else { 20_000 });
    let dir = tempdir();
    let rig = Arc::new(engine(DspBackend::Wasm, 48_000.0));
    for pad in 0..PADS {
        rig.set_mapping(pad, Mapping::drum(36 + pad as u8));
        rig.set_settings(pad, PadSettings::default());
    }
    let loads = Arc::new(AtomicU32::new(0));
    for pad in 0..PADS {
        let id = loads.fetch_add(1, Ordering::AcqRel);
        rig.load_file(pad, &write_load(dir.path(), id)).unwrap();
    }

    let stop = Arc::new(AtomicBool::new(false));
    let mutator = {
        let (rig, stop, loads, folder) = (rig.clone(), stop.clone(), loads.clone(), dir.path().to_path_buf());
        std::thread::spawn(move || {
            let mut rng = Rng(0x1234_5678);
            let mut ops = [0u32; 6];
            while !stop.load(Ordering::Acquire) {
                let pad = rng.below(PADS as u32) as usize;
                let op = rng.below(100);
                match op {
                    0..=49 => {
                        // A replacement, then at once a load elsewhere that
                        // may take the region it gave up.
                        for pad in [pad, (pad + 1 + rng.below(PADS as u32 - 1) as usize) % PADS] {
                            let id = loads.fetch_add(1, Ordering::AcqRel);
                            rig.load_file(pad, &write_load(&folder, id)).unwrap();
                        }
                        ops[0] += 1;
                    }
                    50..=59 => {
                        rig.clear(pad);
                        ops[1] += 1;
                    }
                    60..=69 => {
                        // A project saved and opened again: every pad reloads.
                        let kit = rig.kit();
                        rig.set_kit(kit);
                        rig.load_kit(&AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
                        ops[2] += 1;
                    }
                    70..=84 => {
                        let _ = rig.engine.sample_peaks(pad, 512);
                        let _ = rig.engine.sample_data(pad);
                        ops[3] += 1;
                    }
                    85..=94 => {
                        let map = rig.engine.memory_map();
                        assert!(map.windows(2).all(|w| w[0].offset + w[0].len == w[1].offset), "the map covers the memory without gaps or overlaps");
                        ops[4] += 1;
                    }
                    _ => {
                        rig.engine.housekeeping();
                        ops[5] += 1;
                    }
                }
                std::thread::sleep(Duration::from_micros(rng.below(300) as u64));
            }
            ops
        })
    };

    let mut rng = Rng(0x0bad_cafe);
    let (mut left, mut right) = (vec![0.0f32; 512], vec![0.0f32; 512]);
    let mut events: Vec<NoteEvent> = Vec::with_capacity(4);
    let mut now: u64 = 0;
    let mut next_note: u64 = 0;
    let mut voice: Option<Voice> = None;
    // The next note's voice, from its frame on.
    let mut pending: Option<Voice> = None;
    let mut voices = 0u64;
    let mut sounding = 0u64;
    for block in 0..blocks {
        let n = 1 + rng.below(512) as usize;
        events.clear();
        if next_note < now + n as u64 {
            let frame = next_note.max(now) - now;
            let pad = rng.below(PADS as u32) as u8;
            events.push(NoteEvent::On { frame: frame as u32, channel: 9, note: 36 + pad, velocity: 1.0 });
            pending = Some(Voice { start: now + frame, candidates: Vec::new() });
            voices += 1;
            // The voice ends by MAX_FRAMES; the next starts after it.
            next_note = now + frame + MAX_FRAMES as u64 + 1 + rng.below(400) as u64;
        }
        if block % 997 == 0 {
            events.push(NoteEvent::AllSoundOff { frame: rng.below(n as u32) });
        }
        let (l, r) = (&mut left[..n], &mut right[..n]);
        assert_no_alloc(|| rig.engine.process(&events, l, r));
        // At 16 times real time a retired voice's 5 ms fade lasts about
        // 300 µs, long enough for the other thread to free and refill
        // regions meanwhile: the race this test exists to lose.
        std::thread::sleep(Duration::from_nanos(n as u64 * 1_000_000_000 / 48_000 / 16));
        let live = loads.load(Ordering::Acquire);
        for (t, (&ls, &rs)) in left[..n].iter().zip(&right[..n]).enumerate() {
            let at = now + t as u64;
            if pending.as_ref().is_some_and(|p| p.start == at) {
                voice = pending.take();
            }
            assert_eq!(ls.to_bits(), rs.to_bits(), "centre pan: both channels the same at frame {at}");
            if ls == 0.0 {
                continue;
            }
            sounding += 1;
            let v = voice.as_mut().unwrap_or_else(|| panic!("sound at frame {at} with no note played"));
            assert!(at >= v.start);
            let i = (at - v.start) as usize;
            let fits = |id: u32| i < length(id) && positive(id, i) == (ls > 0.0) && ls.abs() <= magnitude(id);
            if v.candidates.is_empty() {
                v.candidates = (0..live).filter(|&id| fits(id)).collect();
            } else {
                v.candidates.retain(|&id| fits(id));
            }
            assert!(!v.candidates.is_empty(), "frame {at} (voice frame {i}, value {ls}) follows no single load's signature");
        }
        now += n as u64;
    }
    stop.store(true, Ordering::Release);
    let ops = mutator.join().unwrap();

    // Let every voice end, then free what they held.
    for _ in 0..20 {
        rig.engine.process(&[], &mut left, &mut right);
    }
    rig.engine.housekeeping();
    let stats = rig.engine.stats();
    let map = rig.engine.memory_map();
    let retired = map.iter().filter(|s| s.kind == SegmentKind::Retired).count();
    let samples: u64 = map.iter().filter(|s| matches!(s.kind, SegmentKind::Sample { .. })).map(|s| s.len).sum();
    let regions = map.iter().filter(|s| matches!(s.kind, SegmentKind::Sample { .. })).count();
    eprintln!(
        "{blocks} blocks ({now} frames): {voices} notes, {sounding} frames sounding; {} loads, ops {ops:?} \
         (load, clear, restore, editor reads, map, housekeeping); {} faults",
        loads.load(Ordering::Acquire),
        stats.faults
    );
    assert_eq!(retired, 0, "nothing left retired");
    assert_eq!(stats.regions_pending_free, 0);
    assert_eq!(stats.allocator.used, samples, "no region leaked: what is used is the pads' samples");
    assert_eq!(stats.allocator.regions, regions);
    assert_eq!(regions, rig.pads().iter().filter(|p| p.sample.is_some()).count());
    assert_eq!(stats.faults, 0);
    assert!(ops.iter().all(|&n| n > 0) && voices > 50 && sounding > 10_000, "every kind of work ran: {ops:?}, {voices} notes, {sounding} frames");
}
