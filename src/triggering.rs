//! MIDI-to-slot triggering: the pad map, and the translation of note events
//! into guest events (which slot, how loud, how fast, what to choke).
//!
//! Everything here is pure and allocation-free on the audio path: events go
//! into an [`EventBuffer`] whose capacity is reserved up front.

use wasm_sampler_guest::abi::{self, Event};

/// How a pad is triggered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Drum mode: one note plays the sample at its own pitch (plus tune).
    Note(u8),
    /// Pitched mode: notes `lo..=hi` play the sample transposed relative to
    /// `root`, the note at which it plays at its own pitch.
    Range { lo: u8, hi: u8, root: u8 },
}

/// What note-off does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayMode {
    /// Plays to the end whatever the note-off (drums).
    OneShot,
    /// Note-off starts the release.
    Gate,
}

/// Interpolation used when the playback rate is not 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    Cubic,
    Linear,
}

/// Which notes and velocities play a pad, and how.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mapping {
    pub trigger: Trigger,
    /// MIDI velocities (1..=127) that play the pad, inclusive.
    pub velocity: (u8, u8),
    pub mode: PlayMode,
    /// Pads sharing a group (1..) cut each other off; 0 = none.
    pub choke_group: u8,
}

impl Mapping {
    /// Drum mode on `note`: one-shot, all velocities, no choke group.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn drum(note: u8) -> Self {
        Mapping { trigger: Trigger::Note(note), velocity: (1, 127), mode: PlayMode::OneShot, choke_group: 0 }
    }

    /// Pitched mode over `lo..=hi` around `root`: gate, all velocities.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn pitched(lo: u8, hi: u8, root: u8) -> Self {
        Mapping { trigger: Trigger::Range { lo, hi, root }, velocity: (1, 127), mode: PlayMode::Gate, choke_group: 0 }
    }

    /// Whether `note` at MIDI velocity `velocity` plays this pad.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn matches(&self, note: u8, velocity: u8) -> bool {
        let note_ok = match self.trigger {
            Trigger::Note(n) => n == note,
            Trigger::Range { lo, hi, .. } => (lo..=hi).contains(&note),
        };
        note_ok && (self.velocity.0..=self.velocity.1).contains(&velocity)
    }

    /// Semitones `note` is transposed by (0 in drum mode).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn transpose(&self, note: u8) -> i32 {
        match self.trigger {
            Trigger::Note(_) => 0,
            Trigger::Range { root, .. } => note as i32 - root as i32,
        }
    }
}

/// The sound settings of a pad.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PadParams {
    /// Gain in dB, -60..=+24 (the guest takes it linear).
    pub gain_db: f32,
    /// Balance, -1..=1; 0 keeps both channels at unity.
    pub pan: f32,
    /// Transposition in semitones, -48..=48.
    pub tune_semitones: i32,
    /// Fine tune in cents, -100..=100.
    pub tune_cents: f32,
    /// Gate release in seconds, 0.001..=30.
    pub release: f32,
    pub interpolation: Interpolation,
    /// The played part of the sample: frames `start..end` (`end` 0 = to the
    /// end). The sample stays whole in memory; the guest reads this window
    /// of it in place. Kits from before trimming existed load untrimmed.
    #[serde(default)]
    pub start: u32,
    #[serde(default)]
    pub end: u32,
}

impl Default for PadParams {
    fn default() -> Self {
        PadParams { gain_db: 0.0, pan: 0.0, tune_semitones: 0, tune_cents: 0.0, release: 0.010, interpolation: Interpolation::Cubic, start: 0, end: 0 }
    }
}

impl PadParams {
    /// Linear gain: 10^(dB/20); exactly 1.0 at 0 dB.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn gain(&self) -> f32 {
        if self.gain_db == 0.0 {
            1.0
        } else {
            10f32.powf(self.gain_db.clamp(-60.0, 24.0) / 20.0)
        }
    }

    /// The played window of a sample of `frames` frames, as (first frame,
    /// frame count): `start..end` clamped into the sample, at least one
    /// frame; the whole sample when untrimmed.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn window(&self, frames: u32) -> (u32, u32) {
        if frames == 0 {
            return (0, 0);
        }
        let start = self.start.min(frames - 1);
        let end = if self.end == 0 { frames } else { self.end.min(frames) };
        (start, end.max(start + 1) - start)
    }

    /// The slot parameters the guest keeps, as (id, value).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn guest_params(&self) -> [(u32, f32); 4] {
        [
            (abi::param::GAIN, self.gain()),
            (abi::param::PAN, self.pan.clamp(-1.0, 1.0)),
            (abi::param::RELEASE, self.release.clamp(0.001, 30.0)),
            (abi::param::INTERPOLATION, match self.interpolation {
                Interpolation::Cubic => 0.0,
                Interpolation::Linear => 1.0,
            }),
        ]
    }
}

/// Playback rate: source frames per output frame, `source/output` times the
/// pitch ratio 2^(semitones/12). Exactly `source/output` when the pitch is
/// neutral, exactly 1.0 when the rates match too.
///
/// Thread: any, the audio thread included. No allocation.
pub fn playback_rate(source_rate: f64, output_rate: f64, semitones: f64) -> f64 {
    let ratio = source_rate / output_rate;
    if semitones == 0.0 {
        ratio
    } else {
        ratio * (semitones / 12.0).exp2()
    }
}

/// Velocity (0..=1) to gain: square law (-12 dB at half velocity),
/// exactly 1.0 at full velocity. A velocity that rounds to MIDI 127 counts as
/// full: hosts commonly turn MIDI 127 into `127.0 * (1.0 / 127.0)`, which is
/// 0.99999994 in f32, and that must still play a sample at unity.
///
/// Thread: any, the audio thread included. No allocation.
pub fn velocity_gain(velocity: f32) -> f32 {
    if midi_velocity(velocity) == 127 {
        return 1.0;
    }
    let v = velocity.clamp(0.0, 1.0);
    v * v
}

/// Velocity 0..=1 as a MIDI velocity 0..=127.
///
/// Thread: any, the audio thread included. No allocation.
pub fn midi_velocity(velocity: f32) -> u8 {
    (velocity.clamp(0.0, 1.0) * 127.0).round() as u8
}

/// The id the guest knows a note by: channel and key. Channels 0..=15 are
/// MIDI's; 16 is the editor's audition channel (see the plugin), so its ids
/// never collide with the DAW's notes.
///
/// Thread: any, the audio thread included. No allocation.
pub fn note_id(channel: u8, note: u8) -> u32 {
    (channel as u32 & 0x1f) << 7 | (note as u32 & 0x7f)
}

/// A note event from the DAW or a MIDI file, at a frame of the block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoteEvent {
    /// `velocity` is 0..=1 (a MIDI velocity of v is v/127).
    On { frame: u32, channel: u8, note: u8, velocity: f32 },
    Off { frame: u32, channel: u8, note: u8 },
    /// Fades out the voices of this note quickly, one-shots too (CLAP choke).
    Choke { frame: u32, channel: u8, note: u8 },
    /// Releases gate voices (MIDI CC 123).
    AllNotesOff { frame: u32 },
    /// Fades out everything (MIDI CC 120).
    AllSoundOff { frame: u32 },
    /// New automatable values for `pad` from this frame on: gain and pan
    /// reach sounding voices with a short ramp, tune applies to new notes.
    Automation { frame: u32, pad: u16, values: Automation },
}

/// The automatable part of a pad's settings (the plugin's per-pad parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Automation {
    pub gain_db: f32,
    pub pan: f32,
    pub tune_semitones: i32,
    pub tune_cents: f32,
}

impl Automation {
    /// These values applied over `params`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn apply(&self, params: &PadParams) -> PadParams {
        PadParams { gain_db: self.gain_db, pan: self.pan, tune_semitones: self.tune_semitones, tune_cents: self.tune_cents, ..*params }
    }
}

impl NoteEvent {
    /// Thread: any, the audio thread included. No allocation.
    pub fn frame(&self) -> u32 {
        match *self {
            NoteEvent::On { frame, .. }
            | NoteEvent::Off { frame, .. }
            | NoteEvent::Choke { frame, .. }
            | NoteEvent::AllNotesOff { frame }
            | NoteEvent::AllSoundOff { frame }
            | NoteEvent::Automation { frame, .. } => frame,
        }
    }

    /// The same event at another frame.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn at(mut self, new_frame: u32) -> Self {
        match &mut self {
            NoteEvent::On { frame, .. }
            | NoteEvent::Off { frame, .. }
            | NoteEvent::Choke { frame, .. }
            | NoteEvent::AllNotesOff { frame }
            | NoteEvent::AllSoundOff { frame }
            | NoteEvent::Automation { frame, .. } => *frame = new_frame,
        }
        self
    }
}

/// What triggering needs to know about a pad whose sample is live.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LivePad {
    pub mapping: Mapping,
    pub params: PadParams,
    /// The guest slot holding its sample.
    pub slot: u32,
    /// The sample's own rate (Hz).
    pub source_rate: u32,
}

/// A fixed-capacity list of guest events. Pushing past the capacity drops the
/// event and counts it, so the audio thread never allocates.
#[derive(Debug)]
pub struct EventBuffer {
    events: Vec<Event>,
    dropped: u64,
}

impl EventBuffer {
    /// A buffer for `capacity` events.
    ///
    /// Thread: non-real-time (allocates once).
    pub fn with_capacity(capacity: usize) -> Self {
        EventBuffer { events: Vec::with_capacity(capacity), dropped: 0 }
    }

    /// Thread: audio. No allocation.
    pub fn push(&mut self, e: Event) {
        if self.events.len() < self.events.capacity() {
            self.events.push(e);
        } else {
            self.dropped += 1;
        }
    }

    /// Thread: audio. No allocation.
    pub fn clear(&mut self) {
        self.events.clear();
    }

    /// Thread: any, the audio thread included. No allocation.
    pub fn as_slice(&self) -> &[Event] {
        &self.events
    }

    /// Thread: any, the audio thread included. No allocation.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Thread: any, the audio thread included. No allocation.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events dropped because the buffer was full, ever.
    ///
    /// Thread: any. No allocation.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Keeps the first `len` events (undoing a translation that did not fit).
    ///
    /// Thread: audio. No allocation.
    pub fn truncate(&mut self, len: usize) {
        self.events.truncate(len);
    }

    /// Resets the drop count (after [`EventBuffer::truncate`] undid the drops).
    ///
    /// Thread: audio. No allocation.
    pub fn set_dropped(&mut self, dropped: u64) {
        self.dropped = dropped;
    }

    /// Counts events dropped elsewhere (e.g. notes in an empty block).
    ///
    /// Thread: audio. No allocation.
    pub fn count_dropped(&mut self, n: u64) {
        self.dropped += n;
    }
}

/// Translates one note event into guest events for `pads`, appending to `out`
/// with the event's frame. Order at one frame: chokes, then note-ons.
///
/// Thread: audio. No allocation.
pub fn translate(event: &NoteEvent, pads: &[Option<LivePad>], output_rate: f64, out: &mut EventBuffer) {
    match *event {
        NoteEvent::On { velocity, .. } if velocity <= 0.0 => {
            // A note-on at velocity 0 is a note-off.
            if let NoteEvent::On { frame, channel, note, .. } = *event {
                translate(&NoteEvent::Off { frame, channel, note }, pads, output_rate, out);
            }
        }
        NoteEvent::On { frame, channel, note, velocity } => {
            let vel7 = midi_velocity(velocity).max(1);
            let hit = |p: &&LivePad| p.mapping.matches(note, vel7);
            // Choke first: every pad of a group that fires now, except the
            // pads that fire themselves. Groups as a 256-bit set: O(pads).
            let mut fired = [0u64; 4];
            for pad in pads.iter().flatten().filter(hit) {
                let g = pad.mapping.choke_group as usize;
                if g != 0 {
                    fired[g / 64] |= 1 << (g % 64);
                }
            }
            if fired != [0; 4] {
                for pad in pads.iter().flatten() {
                    let g = pad.mapping.choke_group as usize;
                    if g != 0 && fired[g / 64] & (1 << (g % 64)) != 0 && !hit(&pad) {
                        out.push(Event::choke(frame, pad.slot));
                    }
                }
            }
            let gain = velocity_gain(velocity);
            for pad in pads.iter().flatten().filter(hit) {
                let semitones = pad.mapping.transpose(note) as f64 + pad.params.tune_semitones as f64 + pad.params.tune_cents as f64 / 100.0;
                let rate = playback_rate(pad.source_rate as f64, output_rate, semitones);
                let gate = pad.mapping.mode == PlayMode::Gate;
                out.push(Event::note_on(frame, pad.slot, note_id(channel, note), gain, rate, gate));
            }
        }
        NoteEvent::Off { frame, channel, note } => out.push(Event::note_off(frame, note_id(channel, note))),
        NoteEvent::Choke { frame, channel, note } => out.push(Event::note_choke(frame, note_id(channel, note))),
        NoteEvent::AllNotesOff { frame } => out.push(Event::all_notes_off(frame)),
        NoteEvent::AllSoundOff { frame } => out.push(Event::all_sound_off(frame)),
        // The engine has already merged the values into the pad's settings.
        NoteEvent::Automation { frame, pad, .. } => {
            if let Some(Some(live)) = pads.get(pad as usize) {
                for (id, value) in live.params.guest_params() {
                    out.push(Event::slot_param(frame, live.slot, id, value));
                }
            }
        }
    }
}

/// The name of MIDI note `n` in the convention most DAWs show (middle C,
/// note 60, is "C3"; the General MIDI kick, 36, is "C1").
///
/// Thread: non-real-time. Allocates (the name).
pub fn note_name(n: u8) -> String {
    const NAMES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
    format!("{}{}", NAMES[n as usize % 12], n as i32 / 12 - 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pad(mapping: Mapping, slot: u32) -> Option<LivePad> {
        Some(LivePad { mapping, params: PadParams::default(), slot, source_rate: 48_000 })
    }

    fn on(note: u8, velocity: f32) -> NoteEvent {
        NoteEvent::On { frame: 7, channel: 0, note, velocity }
    }

    #[test]
    fn neutral_rate_is_exactly_one_and_pitch_follows_semitones() {
        assert_eq!(playback_rate(48_000.0, 48_000.0, 0.0), 1.0);
        assert_eq!(playback_rate(44_100.0, 48_000.0, 0.0), 44_100.0 / 48_000.0);
        assert_eq!(playback_rate(48_000.0, 48_000.0, 12.0), 2.0);
        assert_eq!(playback_rate(48_000.0, 48_000.0, -24.0), 0.25);
        assert!((playback_rate(48_000.0, 48_000.0, 7.0) - 1.498_307_076_876_681_5).abs() < 1e-12);
    }

    #[test]
    fn full_velocity_and_zero_db_are_exactly_unity() {
        assert_eq!(velocity_gain(1.0), 1.0);
        assert_eq!(velocity_gain(127.0 * (1.0 / 127.0)), 1.0, "MIDI 127 as hosts convert it");
        assert_eq!(velocity_gain(0.5), 0.25);
        assert_eq!(velocity_gain(126.0 / 127.0), (126.0f32 / 127.0) * (126.0 / 127.0));
        assert_eq!(PadParams::default().gain(), 1.0);
        assert!((PadParams { gain_db: -6.0, ..Default::default() }.gain() - 0.501_187_2).abs() < 1e-6);
    }

    #[test]
    fn drum_pad_triggers_on_its_note_only() {
        let pads = [pad(Mapping::drum(36), 3), pad(Mapping::drum(38), 4)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(36, 1.0), &pads, 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 3, 36, 1.0, 1.0, false)]);
    }

    #[test]
    fn pitched_pad_transposes_from_its_root_key() {
        let pads = [pad(Mapping::pitched(48, 72, 60), 0)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(72, 1.0), &pads, 48_000.0, &mut out);
        translate(&on(47, 1.0), &pads, 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 0, 72, 1.0, 2.0, true)]);
    }

    #[test]
    fn velocity_range_selects_the_layer() {
        let mut soft = Mapping::drum(36);
        soft.velocity = (1, 63);
        let mut hard = Mapping::drum(36);
        hard.velocity = (64, 127);
        let pads = [pad(soft, 1), pad(hard, 2)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(36, 100.0 / 127.0), &pads, 48_000.0, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out.as_slice()[0].slot, 2);
    }

    #[test]
    fn choke_group_fades_the_other_pads_before_the_note_on() {
        let mut closed = Mapping::drum(42);
        closed.choke_group = 1;
        let mut open = Mapping::drum(46);
        open.choke_group = 1;
        let pads = [pad(closed, 10), pad(open, 11), pad(Mapping::drum(36), 12)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(42, 1.0), &pads, 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::choke(7, 11), Event::note_on(7, 10, 42, 1.0, 1.0, false)]);
    }

    #[test]
    fn note_on_with_zero_velocity_is_a_note_off() {
        let pads = [pad(Mapping::drum(36), 0)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&NoteEvent::On { frame: 3, channel: 2, note: 36, velocity: 0.0 }, &pads, 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_off(3, note_id(2, 36))]);
    }

    #[test]
    fn a_full_buffer_drops_and_counts_instead_of_growing() {
        let mut out = EventBuffer::with_capacity(1);
        out.push(Event::all_notes_off(0));
        out.push(Event::all_notes_off(1));
        assert_eq!((out.len(), out.dropped()), (1, 1));
    }

    #[test]
    fn note_names_use_c3_for_middle_c() {
        assert_eq!(note_name(36), "C1");
        assert_eq!(note_name(60), "C3");
        assert_eq!(note_name(61), "C#3");
        assert_eq!(note_name(0), "C-2");
    }

    #[test]
    fn play_window_clamps_into_the_sample_and_keeps_at_least_a_frame() {
        let trim = |start, end| PadParams { start, end, ..PadParams::default() };
        assert_eq!(PadParams::default().window(1_000), (0, 1_000), "untrimmed: all of it");
        assert_eq!(trim(100, 900).window(1_000), (100, 800));
        assert_eq!(trim(100, 0).window(1_000), (100, 900), "end 0 = to the end");
        assert_eq!(trim(0, 5_000).window(1_000), (0, 1_000), "end past the sample");
        assert_eq!(trim(5_000, 0).window(1_000), (999, 1), "start past the sample");
        assert_eq!(trim(500, 400).window(1_000), (500, 1), "end before start");
        assert_eq!(trim(0, 0).window(0), (0, 0));
    }
}
