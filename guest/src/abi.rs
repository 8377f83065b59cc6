//! The guest ABI: the linear-memory map, the records the host and the guest
//! exchange there, and the status codes of the exports. This module is the one
//! definition both sides use; the host crate depends on it as a library.
//!
//! ```text
//! 0x0000_0000  guest stack (STACK_SIZE, placed first by the linker) and statics
//! IO_BASE      Header (HEADER_SIZE bytes)
//! EVENTS       EVENT_CAPACITY x Event (32 bytes each)
//! OUT          OUT_CHANNEL_CAPACITY planar f32 channels of MAX_FRAMES each
//! SAMPLE_BASE  sample data, owned by the host's region allocator
//! ```
//!
//! All offsets are byte offsets into the guest's linear memory, which the host
//! creates and the guest imports.

/// Version of this ABI. The host refuses a guest whose `abi_version` export
/// returns anything else. Bump on any change to this file's layout.
pub const ABI_VERSION: u32 = 6;

/// Size of one WebAssembly page in bytes.
pub const PAGE_SIZE: u32 = 65_536;

/// Stack size the guest is linked with (bytes). The DSP keeps no large locals.
pub const STACK_SIZE: u32 = 64 * 1024;

/// Start of the host-owned I/O region. The guest's own data (stack and
/// statics, up to its exported `__heap_base`) must end at or below this.
pub const IO_BASE: u32 = 0x0020_0000;

/// Offset of the [`Header`] (the control block).
pub const HEADER: u32 = IO_BASE;
/// Bytes reserved for the header.
pub const HEADER_SIZE: u32 = 256;

/// Offset of the event queue: `EVENT_CAPACITY` [`Event`] records.
pub const EVENTS: u32 = IO_BASE + HEADER_SIZE;
/// Events one `process` call can take.
pub const EVENT_CAPACITY: u32 = 2048;
/// Size of one [`Event`] record in bytes.
pub const EVENT_SIZE: u32 = 32;

/// Offset of the planar f32 output buffers.
pub const OUT: u32 = 0x0022_0000;
/// Longest block one `process` call renders. Longer host blocks are split.
pub const MAX_FRAMES: u32 = 1024;
/// Stereo outputs ("buses"): the main one (0) and 8 auxiliary ones. Bus
/// `b` is channels `2b` (left) and `2b + 1` (right); a pad plays into the
/// bus its [`param::OUTPUT`] names.
pub const OUT_BUSES: u32 = 9;
/// Output channels rendered: two per bus.
pub const OUT_CHANNELS: u32 = 2 * OUT_BUSES;
/// Output channels the I/O region has room for (main + auxiliary outputs).
pub const OUT_CHANNEL_CAPACITY: u32 = 32;

/// Start of the sample data region; also the initial memory size.
pub const SAMPLE_BASE: u32 = 0x0024_0000;
/// Pages the memory starts with (everything below `SAMPLE_BASE`).
pub const INITIAL_PAGES: u32 = SAMPLE_BASE / PAGE_SIZE;
/// Largest memory: one page below the wasm32 limit of 4 GiB, so that every
/// byte size and end offset fits in a u32 on both sides.
pub const MAX_PAGES: u32 = 65_535;

/// Slots the guest's slot table holds: one per sample (a pad's velocity
/// layers and round-robin hits are slots of the same pad).
pub const SLOT_CAPACITY: u32 = 8192;
/// Pads the guest's pad table holds: what a pad sets (envelope, filter,
/// voices, choke, output) is kept once for all of its slots.
pub const PAD_CAPACITY: u32 = 512;
/// Voices sounding at once before one is stolen, by default
/// (`set_polyphony` changes it, 1..=[`MAX_POLYPHONY`]).
pub const POLYPHONY: u32 = 64;
/// The largest polyphony `set_polyphony` takes.
pub const MAX_POLYPHONY: u32 = 1024;
/// Physical voices at polyphony `p`: `p` plus room for voices fading out
/// after a steal, choke or retire (half of `p`, at least 32), so that a
/// steal never cuts a sound dead. Only these are scanned.
pub const fn voice_span(p: u32) -> u32 {
    let spare = if p / 2 > 32 { p / 2 } else { 32 };
    if p + spare < VOICE_CAPACITY {
        p + spare
    } else {
        VOICE_CAPACITY
    }
}
/// Physical voices the table has (at [`MAX_POLYPHONY`]).
pub const VOICE_CAPACITY: u32 = MAX_POLYPHONY + MAX_POLYPHONY / 2;

/// Offset of output channel `ch` (planar, `MAX_FRAMES` f32 each).
pub const fn out_channel(ch: u32) -> u32 {
    OUT + ch * MAX_FRAMES * 4
}

/// The control block at [`HEADER`]. The guest writes every field after
/// `init`/`process`; the host only reads it. All fields are little-endian
/// 32-bit values.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Header {
    /// ABI version of the guest that wrote this block.
    pub abi_version: u32,
    /// Output sample rate given to `init` (Hz).
    pub sample_rate: f32,
    /// `max_frames` given to `init`.
    pub max_frames: u32,
    /// Frames rendered by the last `process` call.
    pub frames: u32,
    /// Events consumed by the last `process` call.
    pub event_count: u32,
    /// Voices sounding (including fading ones) at the end of the last call.
    pub active_voices: u32,
    /// Largest `active_voices` seen since `init`/`reset`.
    pub peak_voices: u32,
    /// Voices started since `init`/`reset`.
    pub voices_started: u32,
    /// Voices stolen (faded to make room) since `init`/`reset`.
    pub voices_stolen: u32,
    /// Events ignored because they named an empty slot or had a bad kind.
    pub events_ignored: u32,
    /// The polyphony set (`set_polyphony`).
    pub polyphony: u32,
}

/// Event kinds (`Event::kind`).
pub mod kind {
    /// Start a voice on `slot`: `value` = velocity gain (linear), `rate` =
    /// playback rate (source frames per output frame), `flags` bit 0 = gate.
    pub const NOTE_ON: u32 = 1;
    /// Release the gate voices started with `note_id`.
    pub const NOTE_OFF: u32 = 2;
    /// End every voice of pad `slot` (the event's `slot` field names a
    /// pad here) as its choke settings say (a choke group fired).
    pub const CHOKE: u32 = 3;
    /// Set pad parameter `id` (see [`super::param`]) of pad `slot` to
    /// `value`.
    pub const PAD_PARAM: u32 = 4;
    /// Release every gate voice (MIDI all-notes-off).
    pub const ALL_NOTES_OFF: u32 = 5;
    /// Fade out every voice quickly (MIDI all-sound-off).
    pub const ALL_SOUND_OFF: u32 = 6;
    /// Fade out quickly the voices started with `note_id`, one-shots too.
    pub const NOTE_CHOKE: u32 = 7;
    /// Pitch bend of MIDI channel `id` (the channel bits of a note id,
    /// `note_id >> 7`): `value` -1..=1 of each slot's bend range. Sounding
    /// voices of that channel glide to it over 5 ms; later notes start there.
    pub const BEND: u32 = 8;
}

/// Channels a note id can carry (`note_id >> 7`): MIDI's 16 and the
/// editor's audition channel.
pub const CHANNELS: u32 = 17;

/// Pad parameters (`Event::id` for `PAD_PARAM`, and the `pad_param`
/// export): shared by every slot of the pad.
pub mod param {
    /// Linear gain, 0..=[`GAIN_MAX`] (default 1.0).
    pub const GAIN: u32 = 0;
    /// Balance, [`PAN_MIN`] (left) ..= [`PAN_MAX`] (right); 0 keeps both
    /// channels at unity.
    pub const PAN: u32 = 1;
    /// Release time of gate voices in seconds,
    /// [`RELEASE_MIN`]..=[`RELEASE_MAX`] (default [`RELEASE_DEFAULT`]).
    pub const RELEASE: u32 = 2;

    /// Largest linear gain a slot takes (+24 dB).
    pub const GAIN_MAX: f32 = 16.0;
    /// Balance range.
    pub const PAN_MIN: f32 = -1.0;
    pub const PAN_MAX: f32 = 1.0;
    /// Release range and default (seconds).
    pub const RELEASE_MIN: f32 = 0.001;
    pub const RELEASE_MAX: f32 = 30.0;
    pub const RELEASE_DEFAULT: f32 = 0.010;
    /// Interpolation: 0 = 4-point cubic Hermite (default), 1 = linear,
    /// 2 = 16-point windowed sinc.
    pub const INTERPOLATION: u32 = 3;
    /// Amp envelope attack, seconds, 0..=[`ENV_TIME_MAX`] (default 0).
    pub const ATTACK: u32 = 4;
    /// Amp envelope hold at full level after the attack, seconds,
    /// 0..=[`ENV_TIME_MAX`] (default 0).
    pub const HOLD: u32 = 5;
    /// Amp envelope decay to the sustain level, seconds,
    /// 0..=[`ENV_TIME_MAX`] (default [`DECAY_DEFAULT`]).
    pub const DECAY: u32 = 6;
    /// Amp envelope sustain level, linear 0..=1 (default 1: the envelope
    /// is then exactly 1 after the attack and hold).
    pub const SUSTAIN: u32 = 7;
    /// Shape of the attack, decay and release segments, the constant `c`
    /// of `f(p) = p / (p + c (1 - p))` for progress `p` through a segment:
    /// 1 is linear (default), below 1 moves fast first (an exponential-like
    /// decay), above 1 slow first. [`CURVE_MIN`]..=[`CURVE_MAX`].
    pub const CURVE: u32 = 8;
    /// Playback direction: 0 forward (default), 1 reverse (from the play
    /// window's last frame to its first).
    pub const REVERSE: u32 = 9;
    /// Pitch-bend range in semitones, 0..=[`BEND_RANGE_MAX`] (default
    /// [`BEND_RANGE_DEFAULT`]): a full bend of ±1 moves the pitch this far.
    pub const BEND_RANGE: u32 = 10;
    pub const BEND_RANGE_MAX: f32 = 48.0;
    /// Filter type: [`FILTER_OFF`] (default), [`FILTER_LOW_PASS`],
    /// [`FILTER_HIGH_PASS`] or [`FILTER_BAND_PASS`] (`crate::filter`).
    pub const FILTER_TYPE: u32 = 11;
    pub const FILTER_OFF: u32 = 0;
    pub const FILTER_LOW_PASS: u32 = 1;
    pub const FILTER_HIGH_PASS: u32 = 2;
    pub const FILTER_BAND_PASS: u32 = 3;
    /// Filter slope: 0 = 12 dB/oct (one section, default), 1 = 24 dB/oct,
    /// 2 = 6 dB/oct (one pole; a band-pass stays at 12).
    pub const FILTER_SLOPE: u32 = 12;
    /// Cutoff in Hz, [`CUTOFF_MIN`]..=[`CUTOFF_MAX`] (default
    /// [`CUTOFF_DEFAULT`]); a voice's cutoff after modulation stays within
    /// 10 Hz..0.49 of the output rate.
    pub const CUTOFF: u32 = 13;
    pub const CUTOFF_MIN: f32 = 20.0;
    pub const CUTOFF_MAX: f32 = 20_000.0;
    pub const CUTOFF_DEFAULT: f32 = 20_000.0;
    /// Resonance in dB, 0..=[`RESONANCE_MAX`]: the section's Q is
    /// `10^(dB/20)/√2`, so 0 is Butterworth (no peak).
    pub const RESONANCE: u32 = 14;
    pub const RESONANCE_MAX: f32 = 40.0;
    /// Key tracking, 0..=1: octaves of cutoff per octave of the note above
    /// the pad's root (the note-on's key offset).
    pub const KEYTRACK: u32 = 15;
    /// Velocity to cutoff, octaves, ±[`MOD_OCTAVES_MAX`]: how far the
    /// cutoff falls from full velocity down to velocity 0 (negative: rises).
    pub const FILTER_VELOCITY: u32 = 16;
    /// Amp envelope to cutoff, octaves, ±[`MOD_OCTAVES_MAX`]: added times
    /// the envelope's level (0..=1).
    pub const FILTER_ENVELOPE: u32 = 17;
    pub const MOD_OCTAVES_MAX: f32 = 8.0;
    pub const BEND_RANGE_DEFAULT: f32 = 2.0;
    /// Voices of this pad sounding at once, a whole number 0..=
    /// [`VOICES_MAX`] (0, the default: no limit of its own): a note-on at
    /// the limit fades the pad's oldest sounding voice over
    /// `FADE_SECONDS`.
    pub const VOICES: u32 = 18;
    pub const VOICES_MAX: f32 = 64.0;
    /// Retrigger: 0 = ring (default), 1 = cut: a note-on fades the pad's
    /// sounding voices of the same note id (channel and key) over
    /// `FADE_SECONDS`.
    pub const RETRIGGER: u32 = 19;
    /// How a choke (`kind::CHOKE`) ends this pad's voices: over this many
    /// seconds, [`CHOKE_FADE_MIN`]..=[`CHOKE_FADE_MAX`] (default
    /// `FADE_SECONDS`, 5 ms) ...
    pub const CHOKE_FADE: u32 = 20;
    pub const CHOKE_FADE_MIN: f32 = 0.001;
    pub const CHOKE_FADE_MAX: f32 = 0.1;
    /// ... or (1) with the pad's release, like a note-off (one-shots
    /// too; SFZ `off_mode=normal`); 0, the default, fades.
    pub const OFF_MODE: u32 = 21;
    /// The bus the pad plays into, 0 (main, the default) ..
    /// [`super::OUT_BUSES`]` - 1`. Applies to notes started afterwards.
    pub const OUTPUT: u32 = 22;

    /// Longest attack, hold or decay (seconds).
    pub const ENV_TIME_MAX: f32 = 30.0;
    /// Default decay (seconds).
    pub const DECAY_DEFAULT: f32 = 0.5;
    /// Segment shape range.
    pub const CURVE_MIN: f32 = 0.125;
    pub const CURVE_MAX: f32 = 8.0;
}

/// Loop modes (`slot_loop`'s `mode`; guest/src/looping.rs has the rules).
pub mod looping {
    /// Play the window once.
    pub const OFF: u32 = 0;
    /// Repeat `start..end`.
    pub const FORWARD: u32 = 1;
    /// Play `start..end` forward, then back, and so on.
    pub const PING_PONG: u32 = 2;
    /// Flag: at note-off leave the loop and play on to the window's end
    /// (without it the loop runs until the envelope ends the voice).
    pub const SUSTAIN: u32 = 4;
}

/// `NOTE_ON` flag: the voice is gated (note-off releases it).
pub const FLAG_GATE: u32 = 1;
/// A velocity of 1 in a note-on's flags (bits 16..32).
pub const VELOCITY_ONE: u32 = 32_768;

/// One event in the queue at [`EVENTS`]. 32 bytes, 8-aligned.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Event {
    /// One of [`kind`].
    pub kind: u32,
    /// Frame inside the block at which the event takes effect.
    pub frame: u32,
    /// Guest slot the event is about (`NOTE_ON`), or pad (`CHOKE`,
    /// `PAD_PARAM`).
    pub slot: u32,
    /// `NOTE_ON`/`NOTE_OFF`: the note id; `PAD_PARAM`: the parameter id.
    pub id: u32,
    /// `NOTE_ON`: playback rate (source frames per output frame).
    pub rate: f64,
    /// `NOTE_ON`: velocity gain; `PAD_PARAM`: the value.
    pub value: f32,
    /// `NOTE_ON`: [`FLAG_GATE`]; bits 8..16 the note's distance from the
    /// pad's root in semitones (i8), bits 16..32 the MIDI velocity 0..=1
    /// times [`VELOCITY_ONE`] (for the filter's key and velocity tracking).
    pub flags: u32,
}

impl Event {
    /// A note-on for `slot` at `frame`.
    /// The note is the pad's root, at full velocity ([`Event::with_key`]).
    pub const fn note_on(frame: u32, slot: u32, note_id: u32, velocity_gain: f32, rate: f64, gate: bool) -> Self {
        let flags = (if gate { FLAG_GATE } else { 0 }) | VELOCITY_ONE << 16;
        Event { kind: kind::NOTE_ON, frame, slot, id: note_id, rate, value: velocity_gain, flags }
    }
    /// This note-on with its distance from the pad's root (semitones,
    /// clamped to ±127) and its MIDI velocity (0..=1, in steps of
    /// 1/[`VELOCITY_ONE`]).
    pub fn with_key(self, semitones: i32, velocity: f32) -> Self {
        let key = semitones.clamp(-127, 127) as i8 as u8 as u32;
        let velocity = (velocity.clamp(0.0, 1.0) * VELOCITY_ONE as f32 + 0.5) as u32;
        Event { flags: (self.flags & FLAG_GATE) | key << 8 | velocity << 16, ..self }
    }
    /// A note-on's key offset and velocity (see [`Event::with_key`]).
    pub fn key(&self) -> (f32, f32) {
        ((self.flags >> 8) as u8 as i8 as f32, (self.flags >> 16) as f32 / VELOCITY_ONE as f32)
    }
    /// A note-off for the voices started with `note_id`.
    pub const fn note_off(frame: u32, note_id: u32) -> Self {
        Event { kind: kind::NOTE_OFF, frame, slot: 0, id: note_id, rate: 0.0, value: 0.0, flags: 0 }
    }
    /// Fade out quickly the voices started with `note_id`.
    pub const fn note_choke(frame: u32, note_id: u32) -> Self {
        Event { kind: kind::NOTE_CHOKE, frame, slot: 0, id: note_id, rate: 0.0, value: 0.0, flags: 0 }
    }
    /// End every voice of `pad` (its choke settings say how).
    pub const fn choke(frame: u32, pad: u32) -> Self {
        Event { kind: kind::CHOKE, frame, slot: pad, id: 0, rate: 0.0, value: 0.0, flags: 0 }
    }
    /// Set pad parameter `param` of `pad` to `value`.
    pub const fn pad_param(frame: u32, pad: u32, param: u32, value: f32) -> Self {
        Event { kind: kind::PAD_PARAM, frame, slot: pad, id: param, rate: 0.0, value, flags: 0 }
    }
    /// Pitch bend `value` (-1..=1) on `channel`.
    pub const fn bend(frame: u32, channel: u32, value: f32) -> Self {
        Event { kind: kind::BEND, frame, slot: 0, id: channel, rate: 0.0, value, flags: 0 }
    }
    /// Release every gate voice.
    pub const fn all_notes_off(frame: u32) -> Self {
        Event { kind: kind::ALL_NOTES_OFF, frame, slot: 0, id: 0, rate: 0.0, value: 0.0, flags: 0 }
    }
    /// Fade out every voice.
    pub const fn all_sound_off(frame: u32) -> Self {
        Event { kind: kind::ALL_SOUND_OFF, frame, slot: 0, id: 0, rate: 0.0, value: 0.0, flags: 0 }
    }
}

/// How a slot's sample data is stored: the `format` argument of
/// `slot_load`. Samples are interleaved by frame and little-endian. Integer
/// formats play as value / 2^(bits-1), exactly: a 16-bit value v sounds as
/// v / 32768.0, as it would after an f32 conversion on the host.
pub mod format {
    /// 32-bit IEEE float, 4 bytes a sample (float and lossy files, and
    /// 32-bit integers rounded once). Regions are 4-aligned.
    pub const F32: u32 = 0;
    /// 16-bit signed integer, 2 bytes a sample. Regions are 2-aligned.
    pub const I16: u32 = 1;
    /// 24-bit signed integer packed in 3 bytes. The region holds one byte
    /// more after its last sample, so each sample is read with one 4-byte
    /// load (unaligned loads are plain loads in wasm).
    pub const I24: u32 = 2;
    /// 8-bit signed integer (unsigned 8-bit files are stored less 128).
    pub const I8: u32 = 3;

    /// Bytes one sample takes, or `None` for an unknown format.
    ///
    /// Thread: any (the guest's DSP and the host). No allocation.
    pub const fn bytes_per_sample(format: u32) -> Option<u32> {
        match format {
            F32 => Some(4),
            I16 => Some(2),
            I24 => Some(3),
            I8 => Some(1),
            _ => None,
        }
    }

    /// Bytes a region of `samples` samples in `format` takes (0 for an
    /// unknown format).
    ///
    /// Thread: any. No allocation.
    pub const fn region_bytes(format: u32, samples: u64) -> u64 {
        match bytes_per_sample(format) {
            Some(b) => samples * b as u64 + if format == I24 { 1 } else { 0 },
            None => 0,
        }
    }

    /// The alignment a region of `format` starts at.
    ///
    /// Thread: any. No allocation.
    pub const fn align(format: u32) -> u32 {
        match format {
            F32 => 4,
            I16 => 2,
            _ => 1,
        }
    }

    /// What a 16, 24 and 8-bit value is multiplied by to play.
    pub const I16_SCALE: f32 = 1.0 / 32_768.0;
    pub const I24_SCALE: f32 = 1.0 / 8_388_608.0;
    pub const I8_SCALE: f32 = 1.0 / 128.0;

    /// A 16-bit sample's value. Thread: any. No allocation.
    #[inline(always)]
    pub fn i16_value(v: i16) -> f32 {
        v as f32 * I16_SCALE
    }

    /// A packed 24-bit sample's value from the 4 little-endian bytes that
    /// start at it (the top byte belongs to the next sample). Thread: any.
    /// No allocation.
    #[inline(always)]
    pub fn i24_value(word: u32) -> f32 {
        ((word << 8) as i32 >> 8) as f32 * I24_SCALE
    }

    /// An 8-bit sample's value. Thread: any. No allocation.
    #[inline(always)]
    pub fn i8_value(v: i8) -> f32 {
        v as f32 * I8_SCALE
    }

    /// Converts stored samples to the values the guest plays, for viewers
    /// on the host: `bytes` holds whole samples of `format` (for I24, one
    /// more byte may follow); returns how many were written to `out`.
    ///
    /// Thread: any (host viewers). No allocation.
    pub fn to_f32(format: u32, bytes: &[u8], out: &mut [f32]) -> usize {
        let mut n = 0;
        match format {
            F32 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    n += 1;
                }
            }
            I16 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = i16_value(i16::from_le_bytes([b[0], b[1]]));
                    n += 1;
                }
            }
            I24 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(3)) {
                    *o = i24_value(u32::from_le_bytes([b[0], b[1], b[2], 0]));
                    n += 1;
                }
            }
            I8 => {
                for (o, &b) in out.iter_mut().zip(bytes) {
                    *o = i8_value(b as i8);
                    n += 1;
                }
            }
            _ => {}
        }
        n
    }
}

/// Status codes returned by `init`, `slot_load`, `pad_param` and
/// `set_polyphony`.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// Slot or pad index out of range.
    pub const BAD_SLOT: i32 = -1;
    /// Channels not 1 or 2.
    pub const BAD_CHANNELS: i32 = -2;
    /// Data not aligned for its format, below `SAMPLE_BASE`, or past the
    /// end of memory.
    pub const BAD_REGION: i32 = -3;
    /// Zero frames.
    pub const NO_FRAMES: i32 = -4;
    /// Rate not finite and positive.
    pub const BAD_RATE: i32 = -5;
    /// Unknown parameter id or a value outside its range.
    pub const BAD_PARAM: i32 = -6;
    /// `max_frames` above `MAX_FRAMES` or zero.
    pub const BAD_FRAMES: i32 = -7;
    /// A sample format `format` does not define.
    pub const BAD_FORMAT: i32 = -8;
    /// A loop mode `looping` does not define, or loop points outside the
    /// slot's frames (`start < end <= frames`).
    pub const BAD_LOOP: i32 = -9;
    /// A polyphony outside 1..=`MAX_POLYPHONY`.
    pub const BAD_POLYPHONY: i32 = -10;
}

const _: () = {
    assert!(core::mem::size_of::<Event>() == EVENT_SIZE as usize);
    assert!(core::mem::size_of::<Header>() <= HEADER_SIZE as usize);
    assert!(EVENTS + EVENT_CAPACITY * EVENT_SIZE <= OUT);
    assert!(out_channel(OUT_CHANNEL_CAPACITY) <= SAMPLE_BASE);
    assert!(SAMPLE_BASE.is_multiple_of(PAGE_SIZE));
    assert!(EVENTS.is_multiple_of(8) && OUT.is_multiple_of(16));
    assert!(STACK_SIZE < IO_BASE);
    assert!(OUT_CHANNELS <= OUT_CHANNEL_CAPACITY);
    assert!(voice_span(MAX_POLYPHONY) == VOICE_CAPACITY && voice_span(POLYPHONY) == 96);
};
