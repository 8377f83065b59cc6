//! The sampler's unit tests: a linear memory in a Vec, the real DSP.

use super::*;
use std::boxed::Box;
use std::vec;
use std::vec::Vec;

/// Voices at the default polyphony.
const SPAN: u32 = abi::voice_span(abi::POLYPHONY);

/// A new sampler, built in a zeroed box as the native host builds it.
fn new_sampler() -> Box<Sampler> {
    // SAFETY: all-zero bytes are a valid `Sampler` (see its docs).
    let mut s = unsafe { Box::<Sampler>::new_zeroed().assume_init() };
    s.prepare();
    s
}

/// A linear memory in a Vec: the I/O region plus `sample` at SAMPLE_BASE.
struct TestMemory {
    bytes: Vec<u64>, // u64 for 8-byte alignment of the event queue
}

impl TestMemory {
    fn new(sample: &[f32]) -> Self {
        let len = abi::SAMPLE_BASE as usize + sample.len() * 4;
        let mut m = TestMemory { bytes: vec![0u64; len.div_ceil(8)] };
        for (i, s) in sample.iter().enumerate() {
            m.write_f32(abi::SAMPLE_BASE as usize + i * 4, *s);
        }
        m
    }
    fn write_f32(&mut self, at: usize, v: f32) {
        let p = self.bytes.as_mut_ptr().cast::<u8>();
        // SAFETY: at + 4 <= the Vec's byte length (callers stay in range).
        unsafe { p.add(at).cast::<f32>().write_unaligned(v) }
    }
    fn write_bytes(&mut self, at: usize, bytes: &[u8]) {
        let p = self.bytes.as_mut_ptr().cast::<u8>();
        // SAFETY: at + bytes.len() <= the Vec's byte length (callers stay in range).
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p.add(at), bytes.len()) }
    }
    fn view(&mut self) -> Memory {
        // SAFETY: the Vec outlives the view in every test and is not resized.
        unsafe { Memory::new(self.bytes.as_mut_ptr() as usize, self.bytes.len() * 8) }
    }
    fn events(&mut self, events: &[Event]) {
        let p = self.bytes.as_mut_ptr().cast::<u8>();
        // SAFETY: the queue lies inside the memory; Event is plain data.
        unsafe { core::ptr::copy_nonoverlapping(events.as_ptr(), p.add(abi::EVENTS as usize).cast::<Event>(), events.len()) }
    }
    fn out(&mut self, ch: u32, frames: usize) -> Vec<f32> {
        let p = self.bytes.as_ptr().cast::<u8>();
        // SAFETY: the output channel lies inside the memory.
        unsafe { core::slice::from_raw_parts(p.add(abi::out_channel(ch) as usize).cast::<f32>(), frames).to_vec() }
    }
}

fn ready(sample: &[f32]) -> (Box<Sampler>, TestMemory) {
    let mut mem = TestMemory::new(sample);
    let mut s = new_sampler();
    assert_eq!(s.init(&mem.view(), 48_000.0, abi::MAX_FRAMES), status::OK);
    assert_eq!(s.slot_load(&mem.view(), 0, 0, abi::SAMPLE_BASE, sample.len() as u32, 1, abi::format::F32, 48_000.0), status::OK);
    (s, mem)
}

fn run(s: &mut Sampler, mem: &mut TestMemory, frames: u32, events: &[Event]) -> Vec<f32> {
    mem.events(events);
    // SAFETY: the slot's region lies in `mem` and stays unchanged.
    unsafe { s.process(&mem.view(), frames, events.len() as u32) };
    mem.out(0, frames as usize)
}

#[test]
fn slot_load_refuses_bad_regions_channels_frames_and_rates() {
    let mut mem = TestMemory::new(&[0.5; 16]);
    let m = mem.view();
    let mut s = new_sampler();
    assert_eq!(s.init(&m, 48_000.0, 256), status::OK);
    assert_eq!(s.slot_load(&m, abi::SLOT_CAPACITY, 0, abi::SAMPLE_BASE, 16, 1, abi::format::F32, 48_000.0), status::BAD_SLOT);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 3, abi::format::F32, 48_000.0), status::BAD_CHANNELS);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 0, 1, abi::format::F32, 48_000.0), status::NO_FRAMES);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 1, abi::format::F32, f32::NAN), status::BAD_RATE);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 17, 1, abi::format::F32, 48_000.0), status::BAD_REGION, "one frame past the end");
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 9, 2, abi::format::F32, 48_000.0), status::BAD_REGION);
    assert_eq!(s.slot_load(&m, 0, 0, abi::IO_BASE, 4, 1, abi::format::F32, 48_000.0), status::BAD_REGION, "below the sample region");
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 2, 4, 1, abi::format::F32, 48_000.0), status::BAD_REGION, "misaligned");
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 1, abi::format::F32, 48_000.0), status::OK);
    assert_eq!(s.slot_load(&m, 1, 0, abi::SAMPLE_BASE, 8, 2, abi::format::F32, 44_100.0), status::OK);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 1, 4, 48_000.0), status::BAD_FORMAT);
    // 64 bytes hold 32 16-bit samples, 21 packed 24-bit ones (and the
    // byte after), 64 8-bit ones.
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 32, 1, abi::format::I16, 48_000.0), status::OK);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 33, 1, abi::format::I16, 48_000.0), status::BAD_REGION);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 1, 4, 1, abi::format::I16, 48_000.0), status::BAD_REGION, "misaligned");
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 1, 21, 1, abi::format::I24, 48_000.0), status::BAD_REGION, "no byte after");
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 21, 1, abi::format::I24, 48_000.0), status::OK);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 3, 60, 1, abi::format::I8, 48_000.0), status::OK);
    assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 3, 62, 1, abi::format::I8, 48_000.0), status::BAD_REGION);
}

#[test]
fn integer_samples_play_as_value_over_full_scale_at_neutral_settings() {
    // Each format's extremes and small values, mono, rate 1, gain 1,
    // pan centre: the output is the stored value / 2^(bits-1) exactly.
    let cases: [(u32, Vec<i32>, f32); 3] = [
        (abi::format::I16, vec![0, 1, -1, 12_345, -32_768, 32_767, -2], 32_768.0),
        (abi::format::I24, vec![0, 1, -1, 1_234_567, -8_388_608, 8_388_607, -2], 8_388_608.0),
        (abi::format::I8, vec![0, 1, -1, 77, -128, 127, -2], 128.0),
    ];
    for (format, values, full) in cases {
        let mut mem = TestMemory::new(&[0.0; 16]);
        let size = abi::format::bytes_per_sample(format).unwrap() as usize;
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()[..size].to_vec()).collect();
        mem.write_bytes(abi::SAMPLE_BASE as usize, &bytes);
        let mut s = new_sampler();
        assert_eq!(s.init(&mem.view(), 48_000.0, abi::MAX_FRAMES), status::OK);
        assert_eq!(s.slot_load(&mem.view(), 0, 0, abi::SAMPLE_BASE, values.len() as u32, 1, format, 48_000.0), status::OK);
        let out = run(&mut s, &mut mem, values.len() as u32, &[Event::note_on(0, 0, 1, 1.0, 1.0, false)]);
        let expected: Vec<f32> = values.iter().map(|&v| v as f32 / full).collect();
        assert_eq!(out, expected, "format {format}");
        let mut converted = vec![0.0; values.len()];
        assert_eq!(abi::format::to_f32(format, &bytes, &mut converted), values.len());
        assert_eq!(converted, expected, "the host's view of format {format}");
    }
}

#[test]
fn init_refuses_bad_rates_and_block_sizes() {
    let mut mem = TestMemory::new(&[]);
    let mut s = new_sampler();
    assert_eq!(s.init(&mem.view(), 0.0, 256), status::BAD_RATE);
    assert_eq!(s.init(&mem.view(), 48_000.0, 0), status::BAD_FRAMES);
    assert_eq!(s.init(&mem.view(), 48_000.0, abi::MAX_FRAMES + 1), status::BAD_FRAMES);
    // SAFETY: the view covers only the first page: too small for the I/O region.
    let tiny = unsafe { Memory::new(mem.bytes.as_mut_ptr() as usize, 65_536) };
    assert_eq!(s.init(&tiny, 48_000.0, 256), status::BAD_REGION);
}

#[test]
fn pad_param_checks_ids_and_ranges() {
    let (mut s, _mem) = ready(&[0.5; 4]);
    assert_eq!(s.pad_param(0, param::GAIN, 2.0), status::OK);
    assert_eq!(s.pad_param(0, param::GAIN, -1.0), status::BAD_PARAM);
    assert_eq!(s.pad_param(0, param::PAN, 1.5), status::BAD_PARAM);
    assert_eq!(s.pad_param(0, param::RELEASE, 0.0), status::BAD_PARAM);
    assert_eq!(s.pad_param(0, param::INTERPOLATION, 3.0), status::BAD_PARAM);
    assert_eq!(s.pad_param(0, 99, 0.0), status::BAD_PARAM);
    assert_eq!(s.pad_param(0, param::PAN, f32::NAN), status::BAD_PARAM);
    assert_eq!(s.pad_param(abi::PAD_CAPACITY, param::GAIN, 1.0), status::BAD_SLOT);
}

#[test]
fn notes_for_empty_slots_and_unknown_kinds_are_ignored_and_counted() {
    let (mut s, mut mem) = ready(&[0.5; 4]);
    let bad_kind = Event { kind: 77, ..Event::all_notes_off(0) };
    let out = run(&mut s, &mut mem, 8, &[Event::note_on(0, 5, 1, 1.0, 1.0, false), bad_kind, Event::note_on(0, 0, 1, 1.0, f64::NAN, false)]);
    assert_eq!(out, vec![0.0; 8]);
    assert_eq!(s.header().events_ignored, 3);
    assert_eq!(s.header().voices_started, 0);
}

#[test]
fn a_gain_change_ramps_over_5_ms_to_exactly_the_target() {
    let (mut s, mut mem) = ready(&[1.0; 2_000]);
    run(&mut s, &mut mem, 10, &[Event::note_on(0, 0, 1, 1.0, 1.0, false)]);
    let out = run(&mut s, &mut mem, 300, &[Event::pad_param(0, 0, param::GAIN, 0.5)]);
    assert_eq!(out[0], 1.0, "the ramp starts after the event's frame");
    assert!(out[1] < 1.0 && out[1] > 0.99);
    assert!(out[..241].windows(2).all(|w| w[1] <= w[0]));
    assert_eq!(out[240], 0.5, "5 ms at 48 kHz = 240 frames");
    assert_eq!(out[299], 0.5);
}

#[test]
fn retire_fades_the_slots_voices_and_slot_voices_counts_them_down() {
    let (mut s, mut mem) = ready(&[1.0; 4_000]);
    run(&mut s, &mut mem, 16, &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(3, 0, 2, 1.0, 1.0, false)]);
    assert_eq!(s.slot_voices(0), 2);
    s.slot_retire(0);
    let out = run(&mut s, &mut mem, 16, &[Event::note_on(0, 0, 3, 1.0, 1.0, false)]);
    assert_eq!(s.header().events_ignored, 1, "a retired slot no longer triggers");
    assert_eq!(out[0], 2.0);
    assert!(out[15] < 2.0);
    run(&mut s, &mut mem, 256, &[]);
    assert_eq!(s.slot_voices(0), 0, "silent within 5 ms");
    assert_eq!(s.header().active_voices, 0);
}

#[test]
fn all_sound_off_fades_everything_and_all_notes_off_only_gate_voices() {
    let (mut s, mut mem) = ready(&[1.0; 4_000]);
    run(&mut s, &mut mem, 4, &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(0, 0, 2, 1.0, 1.0, true)]);
    run(&mut s, &mut mem, 1_000, &[Event::all_notes_off(0)]);
    assert_eq!(s.active_voices(), 1, "the one-shot plays on");
    run(&mut s, &mut mem, 300, &[Event::all_sound_off(0)]);
    assert_eq!(s.active_voices(), 0);
}

#[test]
fn a_voice_younger_than_its_fade_is_never_stolen_notes_past_the_limit_then_are_dropped() {
    let (mut s, mut mem) = ready(&[1.0; 40_000]);
    let events: Vec<Event> = (0..SPAN + 1).map(|i| Event::note_on(0, 0, i, 1.0, 1.0, false)).collect();
    run(&mut s, &mut mem, 1, &events);
    assert_eq!(s.active_voices(), abi::POLYPHONY);
    assert_eq!(s.header().voices_started, abi::POLYPHONY);
    assert_eq!((s.header().voices_stolen, s.header().events_ignored), (0, SPAN + 1 - abi::POLYPHONY), "no voice cut");
    // Still under 5 ms (240 frames) old: a note is dropped again.
    run(&mut s, &mut mem, 238, &[]);
    run(&mut s, &mut mem, 1, &[Event::note_on(0, 0, 499, 1.0, 1.0, false)]);
    assert_eq!((s.header().voices_stolen, s.header().events_ignored), (0, SPAN + 2 - abi::POLYPHONY));
    // 5 ms on, a note steals (the oldest, all being equal).
    run(&mut s, &mut mem, 1, &[Event::note_on(0, 0, 500, 1.0, 1.0, false)]);
    assert_eq!(s.header().voices_stolen, 1);
    assert_eq!(s.voices.iter().find(|v| v.note_id == 0).map(|v| v.stage), Some(Stage::Fading));
}

#[test]
fn a_steal_takes_the_quietest_voice_then_the_oldest_never_one_just_started() {
    let (mut s, mut mem) = ready(&[1.0; 40_000]);
    let velocity = |i: u32| match i {
        30 => 0.25,
        10 | 20 => 0.5,
        _ => 1.0,
    };
    let first: Vec<Event> = (0..abi::POLYPHONY).map(|i| Event::note_on(0, 0, i, velocity(i), 1.0, false)).collect();
    run(&mut s, &mut mem, 240, &first);
    let stage = |s: &Sampler, id: u32| s.voices.iter().find(|v| v.note_id == id).map(|v| v.stage);
    // 5 ms later: a very quiet note steals the quietest (30); the next
    // two take 10 then 20 (equals: the older first), never the quiet
    // note just started; the fourth the oldest of the rest (0).
    let second: Vec<Event> = [(100, 0.01), (101, 1.0), (102, 1.0), (103, 1.0)].map(|(id, v)| Event::note_on(0, 0, id, v, 1.0, false)).to_vec();
    run(&mut s, &mut mem, 1, &second);
    for (id, expected) in [(30, Stage::Fading), (10, Stage::Fading), (20, Stage::Fading), (0, Stage::Fading), (1, Stage::Sustain), (100, Stage::Sustain)] {
        assert_eq!(stage(&s, id), Some(expected), "note {id}");
    }
    assert_eq!(s.header().voices_stolen, 4);
}

#[test]
fn a_pads_settings_choke_and_voice_limit_cover_every_slot_of_the_pad() {
    // Slots 0 and 1 are two samples of pad 3; slot 2 belongs to pad 4.
    let (mut s, mut mem) = ready(&[1.0; 40_000]);
    for (slot, pad) in [(0, 3), (1, 3), (2, 4)] {
        assert_eq!(s.slot_load(&mem.view(), slot, pad, abi::SAMPLE_BASE, 40_000, 1, abi::format::F32, 48_000.0), status::OK);
    }
    assert_eq!(s.pad_param(3, param::GAIN, 0.5), status::OK);
    let out = run(
        &mut s,
        &mut mem,
        4,
        &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(0, 1, 2, 1.0, 1.0, false), Event::note_on(0, 2, 3, 1.0, 1.0, false)],
    );
    assert_eq!(out[0], 0.5 + 0.5 + 1.0, "the pad's gain on both of its slots");
    // A choke of pad 3 fades both of its voices, not pad 4's.
    run(&mut s, &mut mem, 300, &[Event::choke(0, 3)]);
    assert_eq!((s.slot_voices(0), s.slot_voices(1), s.slot_voices(2)), (0, 0, 1));
    // A voice limit of 1 on pad 4: a hit on either of its slots cuts the other.
    assert_eq!(s.slot_load(&mem.view(), 1, 4, abi::SAMPLE_BASE, 40_000, 1, abi::format::F32, 48_000.0), status::OK);
    assert_eq!(s.pad_param(4, param::VOICES, 1.0), status::OK);
    run(&mut s, &mut mem, 300, &[Event::note_on(0, 1, 4, 1.0, 1.0, false)]);
    assert_eq!((s.slot_voices(1), s.slot_voices(2)), (1, 0));
    // Two slots of one hit (a crossfade) start together and are not cut
    // by the limit; the next hit cuts both.
    let out = run(&mut s, &mut mem, 300, &[Event::note_on(0, 1, 5, 1.0, 1.0, false), Event::note_on(0, 2, 5, 1.0, 1.0, false)]);
    assert_eq!((s.slot_voices(1), s.slot_voices(2)), (1, 1));
    assert_eq!(out[299], 2.0);
    run(&mut s, &mut mem, 300, &[Event::note_on(0, 2, 6, 1.0, 1.0, false)]);
    assert_eq!((s.slot_voices(1), s.slot_voices(2)), (0, 1));
    assert_eq!(s.pad_param(abi::PAD_CAPACITY, param::GAIN, 1.0), status::BAD_SLOT);
    assert_eq!(s.slot_load(&mem.view(), 0, abi::PAD_CAPACITY, abi::SAMPLE_BASE, 4, 1, abi::format::F32, 48_000.0), status::BAD_SLOT);
}

#[test]
fn a_pad_plays_into_its_bus_only() {
    let (mut s, mut mem) = ready(&[0.5; 400]);
    assert_eq!(s.pad_param(0, param::OUTPUT, 3.0), status::OK);
    assert_eq!(s.pad_param(0, param::OUTPUT, abi::OUT_BUSES as f32), status::BAD_PARAM);
    assert_eq!(s.pad_param(0, param::OUTPUT, 1.5), status::BAD_PARAM);
    run(&mut s, &mut mem, 8, &[Event::note_on(0, 0, 1, 1.0, 1.0, false)]);
    for ch in 0..abi::OUT_CHANNELS {
        let expected = if ch / 2 == 3 { 0.5 } else { 0.0 };
        assert_eq!(mem.out(ch, 8), vec![expected; 8], "channel {ch}");
    }
}

#[test]
fn polyphony_sets_how_many_voices_sound_before_one_is_stolen_up_to_1024() {
    let (mut s, mut mem) = ready(&[1.0; 40_000]);
    assert_eq!(s.set_polyphony(&mem.view(), 0), status::BAD_POLYPHONY);
    assert_eq!(s.set_polyphony(&mem.view(), abi::MAX_POLYPHONY + 1), status::BAD_POLYPHONY);
    assert_eq!(s.set_polyphony(&mem.view(), abi::MAX_POLYPHONY), status::OK);
    let events: Vec<Event> = (0..abi::MAX_POLYPHONY).map(|i| Event::note_on(0, 0, i, 1.0, 1.0, false)).collect();
    for chunk in events.chunks(abi::EVENT_CAPACITY as usize) {
        run(&mut s, &mut mem, 1, chunk);
    }
    assert_eq!((s.active_voices(), s.header().voices_stolen), (1024, 0), "1024 voices at once");
    run(&mut s, &mut mem, 240, &[]);
    run(&mut s, &mut mem, 1, &[Event::note_on(0, 0, 5_000, 1.0, 1.0, false)]);
    assert_eq!(s.header().voices_stolen, 1, "the 1025th steals");
    assert_eq!(s.header().polyphony, 1024);
    // Lowered to 2: every voice stops; the third note steals.
    assert_eq!(s.set_polyphony(&mem.view(), 2), status::OK);
    assert_eq!(s.active_voices(), 0);
    run(&mut s, &mut mem, 240, &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(0, 0, 2, 1.0, 1.0, false)]);
    run(&mut s, &mut mem, 1, &[Event::note_on(0, 0, 3, 1.0, 1.0, false)]);
    assert_eq!(s.header().voices_stolen, 1);
}

#[test]
fn a_voice_above_ended_ones_keeps_sounding_and_new_notes_take_the_lowest_free_voice() {
    // Slot 0: 4 frames of 1.0; slot 1: 1000 frames of 0.25, right after.
    let mut sample = vec![1.0f32; 4];
    sample.extend(vec![0.25f32; 1000]);
    let (mut s, mut mem) = ready(&sample);
    assert_eq!(s.slot_load(&mem.view(), 0, 0, abi::SAMPLE_BASE, 4, 1, abi::format::F32, 48_000.0), status::OK);
    assert_eq!(s.slot_load(&mem.view(), 1, 1, abi::SAMPLE_BASE + 16, 1000, 1, abi::format::F32, 48_000.0), status::OK);
    let out = run(&mut s, &mut mem, 8, &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(0, 1, 2, 1.0, 1.0, false)]);
    assert_eq!(out, [1.25, 1.25, 1.25, 1.25, 0.25, 0.25, 0.25, 0.25]);
    // Voice 0 ended; voice 1 plays on with nothing below it sounding.
    assert_eq!((s.active_voices(), s.top), (1, 2));
    assert_eq!(run(&mut s, &mut mem, 8, &[]), [0.25; 8]);
    // A new note takes voice 0; both sound.
    let out = run(&mut s, &mut mem, 8, &[Event::note_on(2, 0, 3, 1.0, 1.0, false)]);
    assert_eq!(out, [0.25, 0.25, 1.25, 1.25, 1.25, 1.25, 0.25, 0.25]);
    assert_eq!((s.active_voices(), s.top), (1, 2));
    // When the last voice ends, nothing is scanned.
    run(&mut s, &mut mem, 1000, &[]);
    assert_eq!((s.active_voices(), s.top), (0, 0));
    assert_eq!(s.voices[1].stage, Stage::Free);
}
