//! MIDI-to-slot triggering: the translation of note events into guest
//! events (which slot, how loud, how fast, what to choke), from the
//! published pad table and the automation layer.
//!
//! Everything here is pure and allocation-free on the audio path: events go
//! into an [`EventBuffer`] whose capacity is reserved up front.

use wasm_sampler_guest::abi::Event;

use crate::kit::{Automation, Mapping, PadSettings, PlayMode, RoundRobin, SampleParams};

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
        // libm, not the platform's exp2: the same bytes everywhere.
        ratio * libm::exp2(semitones / 12.0)
    }
}

/// Velocity (0..=1) to gain for a pad's velocity response
/// ([`crate::settings::VELOCITY_AMOUNT_PCT`], [`crate::settings::VELOCITY_CURVE_PCT`]):
/// `1 - a + a * v^e` with `a` the amount and `e = 2 * 4^(curve / 100)`.
/// The defaults (100 %, 0) give the square law (-12 dB at half velocity),
/// computed as `v * v`; an amount of 0 gives 1.0 for every velocity.
/// Exactly 1.0 at full velocity. A velocity that rounds to MIDI 127 counts
/// as full: hosts commonly turn MIDI 127 into `127.0 * (1.0 / 127.0)`, which
/// is 0.99999994 in f32, and that must still play a sample at unity.
///
/// Thread: any, the audio thread included. No allocation.
pub fn velocity_gain(velocity: f32, amount_pct: f32, curve_pct: f32) -> f32 {
    if midi_velocity(velocity) == 127 {
        return 1.0;
    }
    let v = velocity.clamp(0.0, 1.0);
    let curve = crate::settings::VELOCITY_CURVE_PCT.clamp(curve_pct);
    let shaped = if curve == 0.0 { v * v } else { libm::powf(v, 2.0 * libm::exp2f(2.0 * curve / 100.0)) };
    let a = crate::settings::VELOCITY_AMOUNT_PCT.clamp(amount_pct) / 100.0;
    if a == 1.0 {
        shaped
    } else {
        1.0 - a + a * shaped
    }
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
    On {
        frame: u32,
        channel: u8,
        note: u8,
        velocity: f32,
    },
    Off {
        frame: u32,
        channel: u8,
        note: u8,
    },
    /// Fades out the voices of this note quickly, one-shots too (CLAP choke).
    Choke {
        frame: u32,
        channel: u8,
        note: u8,
    },
    /// Releases gate voices (MIDI CC 123).
    AllNotesOff {
        frame: u32,
    },
    /// Fades out everything (MIDI CC 120).
    AllSoundOff {
        frame: u32,
    },
    /// Pitch bend of a channel, -1..=1 of each pad's bend range
    /// ([`bend_from_14_bit`] from MIDI).
    PitchBend {
        frame: u32,
        channel: u8,
        value: f32,
    },
    /// Polyphonic aftertouch on a note, 0..=1: half or more chokes the pads
    /// of that note that choke on aftertouch.
    Pressure {
        frame: u32,
        channel: u8,
        note: u8,
        pressure: f32,
    },
    /// A MIDI controller's new value (0..=127) on a channel: remembered for
    /// the pads that play only in a range of it.
    Controller {
        frame: u32,
        channel: u8,
        cc: u8,
        value: u8,
    },
}

/// The latest value of every MIDI controller on every channel (0 until
/// one arrives, as SFZ assumes). Plain data: the audio thread keeps one.
#[derive(Clone, Debug)]
pub struct Controllers([[u8; 128]; 16]);

impl Controllers {
    /// Every controller at 0.
    pub const ZERO: Controllers = Controllers([[0; 128]; 16]);

    /// Thread: audio (or any). No allocation.
    pub fn set(&mut self, channel: u8, cc: u8, value: u8) {
        self.0[channel as usize & 15][cc as usize & 127] = value.min(127);
    }

    /// Thread: audio (or any). No allocation.
    pub fn get(&self, channel: u8, cc: u8) -> u8 {
        self.0[channel as usize & 15][cc as usize & 127]
    }
}

/// A MIDI pitch-bend value (14 bits, 8192 = none) as -1..=1: exactly 0 at
/// 8192, -1 at 0 and +1 at 16383.
///
/// Thread: any, the audio thread included. No allocation.
pub fn bend_from_14_bit(raw: u16) -> f32 {
    let offset = raw.min(16_383) as f32 - 8_192.0;
    if offset >= 0.0 {
        offset / 8_191.0
    } else {
        offset / 8_192.0
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
            | NoteEvent::PitchBend { frame, .. }
            | NoteEvent::Pressure { frame, .. }
            | NoteEvent::Controller { frame, .. } => frame,
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
            | NoteEvent::PitchBend { frame, .. }
            | NoteEvent::Pressure { frame, .. }
            | NoteEvent::Controller { frame, .. } => *frame = new_frame,
        }
        self
    }
}

/// What triggering needs to know about a pad with a live sample: its
/// published mapping and settings, its loaded samples, and those grouped by
/// velocity range (each group a round robin).
#[derive(Clone, Debug, PartialEq)]
pub struct LivePad {
    pub mapping: Mapping,
    pub settings: PadSettings,
    /// Its index in the table: the guest pad its slots belong to.
    pub pad: u32,
    pub samples: Vec<LiveSample>,
    /// The velocity layers, lowest range first.
    pub groups: Vec<Layer>,
}

/// A loaded sample: its parameters, guest slot and rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveSample {
    pub params: SampleParams,
    pub slot: u32,
    /// The sample's own rate (Hz).
    pub source_rate: u32,
}

/// A velocity layer: the samples sharing one velocity range, played in
/// turn (round robin), and where the turn is.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub velocity: (u8, u8),
    /// Indices into [`LivePad::samples`], in the model's order.
    pub members: Vec<usize>,
    /// Whether a layer lies below / above it (then it crossfades there).
    pub below: bool,
    pub above: bool,
    /// The member the next hit plays (cycle), and the member the last hit
    /// played (random without repeat).
    pub next: u32,
    pub last: u32,
}

impl LivePad {
    /// The live view of a pad whose loaded samples are `samples`: grouped
    /// by velocity range, each group's turn taken over from `previous`
    /// where it had the same range.
    ///
    /// Thread: non-real-time (allocates).
    pub fn new(mapping: Mapping, settings: PadSettings, pad: u32, samples: Vec<LiveSample>, previous: Option<&LivePad>) -> LivePad {
        let mut groups: Vec<Layer> = Vec::new();
        for (i, s) in samples.iter().enumerate() {
            let velocity = s.params.velocity;
            match groups.iter_mut().find(|g| g.velocity == velocity) {
                Some(g) => g.members.push(i),
                None => groups.push(Layer { velocity, members: vec![i], below: false, above: false, next: 0, last: u32::MAX }),
            }
        }
        groups.sort_by_key(|g| g.velocity);
        let (lowest, highest) = (groups.iter().map(|g| g.velocity.0).min().unwrap_or(1), groups.iter().map(|g| g.velocity.1).max().unwrap_or(127));
        for g in groups.iter_mut() {
            (g.below, g.above) = (g.velocity.0 > lowest, g.velocity.1 < highest);
            if let Some(old) = previous.and_then(|p| p.groups.iter().find(|o| o.velocity == g.velocity && o.members.len() == g.members.len())) {
                (g.next, g.last) = (old.next, old.last);
            }
        }
        LivePad { mapping, settings, pad, samples, groups }
    }
}

/// What triggering keeps between events: every MIDI controller's value,
/// and the random generator round robins draw from. Plain data: the audio
/// thread keeps one; the same seed and events give the same choices.
#[derive(Clone, Debug)]
pub struct TriggerState {
    pub controllers: Controllers,
    rng: u64,
}

impl TriggerState {
    /// Controllers at 0, the generator at `seed`.
    pub const fn new(seed: u64) -> Self {
        TriggerState { controllers: Controllers::ZERO, rng: seed | 1 }
    }

    /// A uniform draw in `0..n` (`n` > 0): xorshift64*, enough for picking
    /// a drum hit, and the same on every platform.
    ///
    /// Thread: audio (or any). No allocation.
    pub fn below(&mut self, n: u32) -> u32 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (((r >> 32) * n as u64) >> 32) as u32
    }
}

/// The seed every engine starts from (renders repeat exactly).
pub const ROUND_ROBIN_SEED: u64 = 0x5eed_5a3b_1e00_0001;

impl Layer {
    /// The member (an index into the pad's samples) this hit plays, moving
    /// the turn on.
    ///
    /// Thread: audio. No allocation.
    fn pick(&mut self, mode: RoundRobin, state: &mut TriggerState) -> usize {
        let n = self.members.len() as u32;
        let i = match mode {
            _ if n == 1 => 0,
            RoundRobin::Cycle => {
                let i = self.next % n;
                self.next = (i + 1) % n;
                i
            }
            RoundRobin::Random => state.below(n),
            // The first hit: any of them.
            RoundRobin::RandomNoRepeat if self.last >= n => state.below(n),
            RoundRobin::RandomNoRepeat => {
                // One of the others, uniformly: draw from n - 1 and skip
                // the last one played.
                let r = state.below(n - 1);
                if r >= self.last {
                    r + 1
                } else {
                    r
                }
            }
        };
        self.last = i;
        self.members[i as usize]
    }

    /// The layer's gain at velocity `v` (0..=1) with a crossfade `width`
    /// velocity steps wide at each boundary with a neighbour (equal power:
    /// sine and cosine quarter waves, crossing at -3 dB on the boundary);
    /// 0 where it does not play. Exactly 1 inside the range when `width`
    /// is 0 (MIDI velocity `vel7` decides).
    ///
    /// Thread: audio. No allocation.
    pub fn gain(&self, v: f32, vel7: u8, width: f32) -> f32 {
        let (lo, hi) = self.velocity;
        if width <= 0.0 {
            return if (lo..=hi).contains(&vel7) { 1.0 } else { 0.0 };
        }
        let x = v.clamp(0.0, 1.0) * 127.0;
        let ramp = |edge: f32| ((x - edge) / width + 0.5).clamp(0.0, 1.0);
        let fade_in = if self.below {
            libm::sinf(ramp(lo as f32 - 0.5) * core::f32::consts::FRAC_PI_2)
        } else if vel7 >= lo {
            1.0
        } else {
            0.0
        };
        let fade_out = if self.above {
            libm::cosf(ramp(hi as f32 + 0.5) * core::f32::consts::FRAC_PI_2)
        } else if vel7 <= hi {
            1.0
        } else {
            0.0
        };
        let g = fade_in * fade_out;
        if g < 1e-6 {
            0.0
        } else {
            g
        }
    }
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
/// with the event's frame. Order at one frame: chokes, then note-ons (one
/// per velocity layer that plays, each its round robin's turn).
/// `automation[i]`, where present, replaces pad i's automatable settings.
/// A controller change is kept in `state`.
///
/// Thread: audio. No allocation.
pub fn translate(
    event: &NoteEvent,
    pads: &mut [Option<LivePad>],
    automation: &[Option<Automation>],
    state: &mut TriggerState,
    output_rate: f64,
    out: &mut EventBuffer,
) {
    match *event {
        NoteEvent::On { velocity, .. } if velocity <= 0.0 => {
            // A note-on at velocity 0 is a note-off.
            if let NoteEvent::On { frame, channel, note, .. } = *event {
                translate(&NoteEvent::Off { frame, channel, note }, pads, automation, state, output_rate, out);
            }
        }
        NoteEvent::On { frame, channel, note, velocity } => {
            let vel7 = midi_velocity(velocity).max(1);
            let hit = |p: &LivePad, controllers: &Controllers| {
                (p.mapping.matches(note, vel7) && p.mapping.cc.is_none_or(|c| (c.lo..=c.hi).contains(&controllers.get(channel, c.cc)))).then_some(note)
            };
            strike(Strike { frame, channel, velocity }, hit, pads, automation, state, output_rate, out);
        }
        NoteEvent::Off { frame, channel, note } => out.push(Event::note_off(frame, note_id(channel, note))),
        NoteEvent::Choke { frame, channel, note } => out.push(Event::note_choke(frame, note_id(channel, note))),
        NoteEvent::AllNotesOff { frame } => out.push(Event::all_notes_off(frame)),
        NoteEvent::AllSoundOff { frame } => out.push(Event::all_sound_off(frame)),
        NoteEvent::PitchBend { frame, channel, value } => out.push(Event::bend(frame, note_id(channel, 0) >> 7, value.clamp(-1.0, 1.0))),
        NoteEvent::Pressure { frame, note, pressure, .. } => {
            if pressure >= 0.5 {
                for pad in pads.iter().flatten().filter(|p| p.mapping.aftertouch_chokes && p.mapping.plays_note(note)) {
                    out.push(Event::choke(frame, pad.pad));
                }
            }
        }
        NoteEvent::Controller { frame, channel, cc, value } => {
            let old = state.controllers.get(channel, cc);
            state.controllers.set(channel, cc, value);
            let new = state.controllers.get(channel, cc);
            // A pad played by this pedal, its range entered: a hit at full
            // velocity on the pad's own note (the hi-hat's chick).
            if old != new && pads.iter().flatten().any(|p| p.mapping.pedal_plays(cc, old, new)) {
                let hit = |p: &LivePad, _: &Controllers| p.mapping.pedal_plays(cc, old, new).then(|| p.mapping.own_note());
                strike(Strike { frame, channel, velocity: 1.0 }, hit, pads, automation, state, output_rate, out);
            }
        }
    }
}

/// A hit: when, on which channel, how hard (0..=1).
struct Strike {
    frame: u32,
    channel: u8,
    velocity: f32,
}

/// Starts the pads `hit` selects (returning the note each plays as):
/// first the chokes their groups fire, then one note-on per velocity layer
/// of each that plays, each its round robin's turn.
///
/// Thread: audio. No allocation.
fn strike(
    Strike { frame, channel, velocity }: Strike,
    hit: impl Fn(&LivePad, &Controllers) -> Option<u8>,
    pads: &mut [Option<LivePad>],
    automation: &[Option<Automation>],
    state: &mut TriggerState,
    output_rate: f64,
    out: &mut EventBuffer,
) {
    let vel7 = midi_velocity(velocity).max(1);
    // Choke first: every pad choked by a group that fires now (its own, or
    // the one it names), except the pads that fire themselves. Groups as a
    // 256-bit set: O(pads).
    let mut fired = [0u64; 4];
    for pad in pads.iter().flatten().filter(|p| hit(p, &state.controllers).is_some()) {
        let g = pad.mapping.choke_group as usize;
        if g != 0 {
            fired[g / 64] |= 1 << (g % 64);
        }
    }
    if fired != [0; 4] {
        for pad in pads.iter().flatten() {
            let g = pad.mapping.choked_by_group() as usize;
            if g != 0 && fired[g / 64] & (1 << (g % 64)) != 0 && hit(pad, &state.controllers).is_none() {
                out.push(Event::choke(frame, pad.pad));
            }
        }
    }
    for (i, pad) in pads.iter_mut().enumerate().filter_map(|(i, p)| Some((i, p.as_mut()?))) {
        let Some(note) = hit(pad, &state.controllers) else { continue };
        let settings = pad.settings.with(automation.get(i).and_then(Option::as_ref));
        let width = crate::settings::LAYER_CROSSFADE.clamp(settings.layer_crossfade);
        let gate = pad.mapping.mode == PlayMode::Gate;
        let gain = velocity_gain(velocity, settings.velocity_amount, settings.velocity_curve);
        for layer in pad.groups.iter_mut() {
            let fade = layer.gain(velocity, vel7, width);
            if fade == 0.0 {
                continue;
            }
            let sample = pad.samples[layer.pick(settings.round_robin, state)];
            let key = pad.mapping.transpose(note, sample.params.root_key);
            let semitones =
                settings.key_semitones(key) + settings.semitones() + crate::settings::SAMPLE_TUNE_CENTS.clamp(sample.params.tune_cents) as f64 / 100.0;
            let rate = playback_rate(sample.source_rate as f64, output_rate, semitones);
            let level = gain * fade * sample.params.gain();
            out.push(Event::note_on(frame, sample.slot, note_id(channel, note), level, rate, gate).with_key(key, velocity));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::CcRange;

    /// Pad `n` with one sample, in guest slot `n`.
    fn pad(mapping: Mapping, n: u32) -> Option<LivePad> {
        Some(LivePad::new(mapping, PadSettings::default(), n, vec![LiveSample { params: SampleParams::whole(60), slot: n, source_rate: 48_000 }], None))
    }

    fn fresh() -> TriggerState {
        TriggerState::new(ROUND_ROBIN_SEED)
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
        let gain = |v| velocity_gain(v, 100.0, 0.0);
        assert_eq!(gain(1.0), 1.0);
        assert_eq!(gain(127.0 * (1.0 / 127.0)), 1.0, "MIDI 127 as hosts convert it");
        assert_eq!(gain(0.5), 0.25);
        assert_eq!(gain(126.0 / 127.0), (126.0f32 / 127.0) * (126.0 / 127.0));
    }

    #[test]
    fn a_centred_bend_is_exactly_zero_and_the_ends_are_full() {
        assert_eq!(bend_from_14_bit(8_192), 0.0);
        assert_eq!((bend_from_14_bit(0), bend_from_14_bit(16_383)), (-1.0, 1.0));
        assert_eq!(bend_from_14_bit(4_096), -0.5);
        // As nice-plug normalizes it (raw / 16383) and back.
        let centre = 8_192.0f32 / 16_383.0;
        assert_eq!(bend_from_14_bit((centre * 16_383.0).round() as u16), 0.0);
    }

    #[test]
    fn velocity_amount_and_curve_shape_the_gain() {
        // Amount 0: every velocity at full level.
        assert_eq!(velocity_gain(0.1, 0.0, 0.0), 1.0);
        // Amount 50 %: half way between full level and the square law.
        assert_eq!(velocity_gain(0.5, 50.0, 0.0), 0.625);
        // The curve's ends: the square root and the eighth power.
        assert!((velocity_gain(0.25, 100.0, -100.0) - 0.5).abs() < 1e-6);
        assert!((velocity_gain(0.5, 100.0, 100.0) - 1.0 / 256.0).abs() < 1e-7);
        // Louder with velocity at every setting, and full at MIDI 127.
        for (amount, curve) in [(100.0, -100.0), (30.0, 50.0), (100.0, 100.0)] {
            let gains: Vec<f32> = (1..=127).map(|m| velocity_gain(m as f32 / 127.0, amount, curve)).collect();
            assert!(gains.windows(2).all(|w| w[0] <= w[1]), "{amount} {curve}");
            assert_eq!(gains[126], 1.0);
        }
    }

    #[test]
    fn drum_pad_triggers_on_its_note_only() {
        let mut pads = [pad(Mapping::drum(36), 3), pad(Mapping::drum(38), 4)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(36, 1.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 3, 36, 1.0, 1.0, false)]);
    }

    #[test]
    fn pitched_pad_transposes_from_its_root_key() {
        let mut pads = [pad(Mapping::pitched(48, 72), 0)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(72, 1.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        translate(&on(47, 1.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 0, 72, 1.0, 2.0, true).with_key(12, 1.0)]);
    }

    #[test]
    fn pitch_tracking_scales_the_transposition_per_key() {
        let rate = |cents: f32, note: u8| -> f64 {
            let mut p = pad(Mapping::pitched(0, 127), 0);
            p.as_mut().unwrap().settings.pitch_keytrack = cents;
            let mut out = EventBuffer::with_capacity(8);
            translate(&on(note, 1.0), &mut [p], &[], &mut fresh(), 48_000.0, &mut out);
            out.as_slice()[0].rate
        };
        // 24 keys up: two octaves at 100, one at 50, none at 0, two down at -100.
        assert_eq!([rate(100.0, 84), rate(50.0, 84), rate(0.0, 84), rate(-100.0, 84)], [4.0, 2.0, 1.0, 0.25]);
        assert_eq!(rate(0.0, 20), 1.0, "every key at the root's pitch");
        assert_eq!(rate(5_000.0, 61), 2.0, "clamped to 1200 cents per key: an octave a key");
    }

    #[test]
    fn velocity_range_selects_the_layer() {
        let mut soft = Mapping::drum(36);
        soft.velocity = (1, 63);
        let mut hard = Mapping::drum(36);
        hard.velocity = (64, 127);
        let mut pads = [pad(soft, 1), pad(hard, 2)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(36, 100.0 / 127.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out.as_slice()[0].slot, 2);
    }

    #[test]
    fn choke_group_fades_the_other_pads_before_the_note_on() {
        let mut closed = Mapping::drum(42);
        closed.choke_group = 1;
        let mut open = Mapping::drum(46);
        open.choke_group = 1;
        let mut pads = [pad(closed, 10), pad(open, 11), pad(Mapping::drum(36), 12)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(42, 1.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::choke(7, 11), Event::note_on(7, 10, 42, 1.0, 1.0, false)]);
    }

    #[test]
    fn a_controller_range_picks_the_pad_for_the_same_note() {
        // A hi-hat: closed while the pedal (CC 4) is down (0..=63), open
        // above; channel by channel, every controller 0 until set.
        let closed = Mapping { cc: Some(CcRange { cc: 4, lo: 0, hi: 63 }), ..Mapping::drum(42) };
        let open = Mapping { cc: Some(CcRange { cc: 4, lo: 64, hi: 127 }), ..Mapping::drum(42) };
        let mut pads = [pad(closed, 1), pad(open, 2)];
        let mut state = fresh();
        let mut slot = |event: NoteEvent| {
            let mut out = EventBuffer::with_capacity(8);
            translate(&event, &mut pads, &[], &mut state, 48_000.0, &mut out);
            out.as_slice().iter().map(|e| e.slot).collect::<Vec<_>>()
        };
        let hit = |channel| NoteEvent::On { frame: 0, channel, note: 42, velocity: 1.0 };
        let pedal = |value| NoteEvent::Controller { frame: 0, channel: 0, cc: 4, value };
        assert_eq!(slot(hit(0)), [1]);
        assert_eq!(slot(pedal(64)), Vec::<u32>::new());
        assert_eq!((slot(hit(0)), slot(hit(1))), (vec![2], vec![1]));
        slot(pedal(63));
        assert_eq!(slot(hit(0)), [1]);
    }

    #[test]
    fn aftertouch_of_half_or_more_chokes_the_notes_pads_that_ask_for_it() {
        let cymbal = Mapping { aftertouch_chokes: true, ..Mapping::drum(49) };
        let mut pads = [pad(cymbal, 4), pad(Mapping::drum(49), 5), pad(Mapping { aftertouch_chokes: true, ..Mapping::drum(51) }, 6)];
        let mut chokes = |pressure: f32| {
            let mut out = EventBuffer::with_capacity(8);
            translate(&NoteEvent::Pressure { frame: 3, channel: 9, note: 49, pressure }, &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
            out.as_slice().to_vec()
        };
        assert_eq!(chokes(1.0), [Event::choke(3, 4)], "only the pad of note 49 that chokes on aftertouch");
        assert_eq!(chokes(0.5), [Event::choke(3, 4)]);
        assert_eq!(chokes(0.49), []);
    }

    #[test]
    fn a_pedal_pad_plays_when_its_controller_enters_its_range_and_chokes_its_group() {
        // The chick: played when CC 4 rises into 100..=127; it chokes the
        // open hat (same group); notes never play it.
        let chick = Mapping { pedal: Some(CcRange { cc: 4, lo: 100, hi: 127 }), choke_group: 1, ..Mapping::drum(44) };
        let open = Mapping { choke_group: 1, ..Mapping::drum(46) };
        let mut pads = [pad(chick, 3), pad(open, 4)];
        let mut state = fresh();
        let mut send = |event: NoteEvent| {
            let mut out = EventBuffer::with_capacity(8);
            translate(&event, &mut pads, &[], &mut state, 48_000.0, &mut out);
            out.as_slice().to_vec()
        };
        let pedal = |value| NoteEvent::Controller { frame: 5, channel: 0, cc: 4, value };
        assert_eq!(send(pedal(60)), [], "not yet in the range");
        assert_eq!(send(pedal(110)), [Event::choke(5, 4), Event::note_on(5, 3, 44, 1.0, 1.0, false)]);
        assert_eq!(send(pedal(127)), [], "moving within the range plays nothing");
        assert_eq!(send(pedal(20)), []);
        assert_eq!(send(pedal(100)).len(), 2, "entering again plays again");
        assert_eq!(send(on(44, 1.0)), [], "notes do not play a pedal pad");
    }

    #[test]
    fn a_pad_choked_by_another_group_is_choked_one_way() {
        // SFZ-style hats: the closed one (group 1) chokes the open one
        // (group 2, choked by group 1); not the other way.
        let closed = Mapping { choke_group: 1, choked_by: Some(0), ..Mapping::drum(42) };
        let open = Mapping { choke_group: 2, choked_by: Some(1), ..Mapping::drum(46) };
        let mut pads = [pad(closed, 10), pad(open, 11)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(42, 1.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::choke(7, 11), Event::note_on(7, 10, 42, 1.0, 1.0, false)]);
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(46, 1.0), &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 11, 46, 1.0, 1.0, false)]);
    }

    #[test]
    fn note_on_with_zero_velocity_is_a_note_off() {
        let mut pads = [pad(Mapping::drum(36), 0)];
        let mut out = EventBuffer::with_capacity(8);
        translate(&NoteEvent::On { frame: 3, channel: 2, note: 36, velocity: 0.0 }, &mut pads, &[], &mut fresh(), 48_000.0, &mut out);
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
    fn automation_retunes_new_notes_of_its_pad_only() {
        let mut pads = [pad(Mapping::drum(36), 0), pad(Mapping::drum(38), 1)];
        let up = Automation { tune_semitones: 12, ..Automation::NEUTRAL };
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(36, 1.0), &mut pads, &[Some(up)], &mut fresh(), 48_000.0, &mut out);
        translate(&on(38, 1.0), &mut pads, &[Some(up)], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 0, 36, 1.0, 2.0, false), Event::note_on(7, 1, 38, 1.0, 1.0, false)]);
    }

    #[test]
    fn a_pitched_pad_transposes_from_its_samples_root_key() {
        let mut p = pad(Mapping::pitched(0, 127), 0);
        p.as_mut().unwrap().samples[0].params.root_key = 48;
        let mut out = EventBuffer::with_capacity(8);
        translate(&on(60, 1.0), &mut [p], &[], &mut fresh(), 48_000.0, &mut out);
        assert_eq!(out.as_slice(), &[Event::note_on(7, 0, 60, 1.0, 2.0, true).with_key(12, 1.0)], "12 semitones above the root, for key tracking");
    }
}
