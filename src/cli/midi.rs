//! Standard MIDI Files to timed note events (for the offline renderer).
//!
//! midly parses the file; this module merges the tracks, applies the tempo
//! map (tempo changes in any track, as format 1 files put them in the first),
//! and turns note and channel-mode messages into [`NoteEvent`]s in seconds.
//!
//! Thread: non-real-time (reads files, allocates).

use std::path::Path;

use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};

use crate::engine::triggering::{bend_from_14_bit, NoteEvent};

/// A note event at a time in seconds from the start of the file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimedEvent {
    pub seconds: f64,
    /// The event; its `frame` is unused (0).
    pub event: NoteEvent,
}

/// Reads a format 0 or 1 Standard MIDI File. Errors are one line naming the
/// file and the reason.
///
/// Thread: non-real-time. Allocates.
pub fn read_midi_file(path: &Path) -> Result<Vec<TimedEvent>, String> {
    let err = |reason: String| format!("{}: {reason}", path.display());
    crate::decode::regular_file(path).map_err(err)?;
    let bytes = std::fs::read(path).map_err(|e| err(crate::decode::io_reason(&e, path)))?;
    parse_midi(&bytes).map_err(err)
}

/// Parses SMF bytes (see [`read_midi_file`]); errors are the reason only.
///
/// Thread: non-real-time. Allocates.
pub fn parse_midi(bytes: &[u8]) -> Result<Vec<TimedEvent>, String> {
    // midly 0.5.3 can panic on a malformed header (an overflowing negation
    // of an SMPTE frame rate, found by fuzzing; debug builds check it): a
    // bad file must end in its one line, not an internal error.
    let parsed = std::panic::catch_unwind(|| Smf::parse(bytes))
        .map_err(|panic| format!("not a valid Standard MIDI File (the MIDI reader failed: {})", crate::panic_text(&*panic)))?;
    let smf = parsed.map_err(|e| format!("not a valid Standard MIDI File ({e})"))?;
    if smf.header.format == midly::Format::Sequential {
        return Err("format 2 (sequential tracks) is not supported; use format 0 or 1".into());
    }

    // Every event with its absolute tick; ties keep file order (track, then position).
    let mut events: Vec<(u64, usize, TrackEventKind)> = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        for e in track {
            tick += e.delta.as_int() as u64;
            events.push((tick, events.len(), e.kind));
        }
    }
    events.sort_by_key(|&(tick, order, _)| (tick, order));

    let seconds_per_tick_fixed = match smf.header.timing {
        Timing::Metrical(_) => None,
        Timing::Timecode(fps, subframes) => Some(1.0 / (fps.as_f32() as f64 * subframes as f64)),
    };
    let ticks_per_beat = match smf.header.timing {
        Timing::Metrical(t) => t.as_int() as f64,
        Timing::Timecode(..) => 1.0,
    };

    let mut out = Vec::new();
    let mut tempo_us = 500_000.0f64; // 120 BPM until told otherwise
    let mut last_tick = 0u64;
    let mut seconds = 0.0f64;
    for (tick, _, kind) in events {
        let dt = (tick - last_tick) as f64;
        seconds += match seconds_per_tick_fixed {
            Some(s) => dt * s,
            None => dt * tempo_us / 1e6 / ticks_per_beat,
        };
        last_tick = tick;
        let event = match kind {
            TrackEventKind::Meta(MetaMessage::Tempo(t)) => {
                tempo_us = t.as_int() as f64;
                continue;
            }
            TrackEventKind::Midi { channel, message } => {
                let channel = channel.as_int();
                match message {
                    MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                        NoteEvent::On { frame: 0, channel, note: key.as_int(), velocity: vel.as_int() as f32 / 127.0 }
                    }
                    MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => NoteEvent::Off { frame: 0, channel, note: key.as_int() },
                    MidiMessage::Controller { controller, .. } if controller.as_int() == 123 => NoteEvent::AllNotesOff { frame: 0 },
                    MidiMessage::Controller { controller, .. } if controller.as_int() == 120 => NoteEvent::AllSoundOff { frame: 0 },
                    MidiMessage::Aftertouch { key, vel } => {
                        NoteEvent::Pressure { frame: 0, channel, note: key.as_int(), pressure: vel.as_int() as f32 / 127.0 }
                    }
                    MidiMessage::Controller { controller, value } => {
                        NoteEvent::Controller { frame: 0, channel, cc: controller.as_int(), value: value.as_int() }
                    }
                    MidiMessage::PitchBend { bend } => NoteEvent::PitchBend { frame: 0, channel, value: bend_from_14_bit(bend.0.as_int()) },
                    _ => continue,
                }
            }
            _ => continue,
        };
        out.push(TimedEvent { seconds, event });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use midly::num::{u15, u24, u28, u4, u7};
    use midly::{Format, Header, TrackEvent};

    fn ev(delta: u32, kind: TrackEventKind<'static>) -> TrackEvent<'static> {
        TrackEvent { delta: u28::new(delta), kind }
    }

    fn note_on(ch: u8, key: u8, vel: u8) -> TrackEventKind<'static> {
        TrackEventKind::Midi { channel: u4::new(ch), message: MidiMessage::NoteOn { key: u7::new(key), vel: u7::new(vel) } }
    }

    fn write(format: Format, tracks: Vec<Vec<TrackEvent<'static>>>) -> Vec<u8> {
        let smf = Smf { header: Header::new(format, Timing::Metrical(u15::new(480))), tracks };
        let mut bytes = Vec::new();
        smf.write_std(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn format_1_tempo_changes_in_the_first_track_time_notes_in_others() {
        let tempo = vec![
            ev(0, TrackEventKind::Meta(MetaMessage::Tempo(u24::new(500_000)))),   // 120 BPM
            ev(960, TrackEventKind::Meta(MetaMessage::Tempo(u24::new(250_000)))), // 240 BPM from beat 2
            ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)),
        ];
        let notes = vec![
            ev(480, note_on(9, 36, 127)), // beat 1: 0.5 s
            ev(960, note_on(9, 36, 0)),   // beat 3: 1.0 s + 0.25 s
            ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)),
        ];
        let events = parse_midi(&write(Format::Parallel, vec![tempo, notes])).unwrap();
        assert_eq!(
            events,
            vec![
                TimedEvent { seconds: 0.5, event: NoteEvent::On { frame: 0, channel: 9, note: 36, velocity: 1.0 } },
                TimedEvent { seconds: 1.25, event: NoteEvent::Off { frame: 0, channel: 9, note: 36 } },
            ]
        );
    }

    #[test]
    fn format_0_all_channels_all_notes_off_controllers_and_aftertouch() {
        let track = vec![
            ev(0, note_on(0, 60, 64)),
            ev(240, note_on(5, 62, 127)),
            ev(240, TrackEventKind::Midi { channel: u4::new(3), message: MidiMessage::Controller { controller: u7::new(123), value: u7::new(0) } }),
            ev(0, TrackEventKind::Midi { channel: u4::new(9), message: MidiMessage::Controller { controller: u7::new(4), value: u7::new(90) } }),
            ev(0, TrackEventKind::Midi { channel: u4::new(9), message: MidiMessage::Aftertouch { key: u7::new(49), vel: u7::new(127) } }),
            ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)),
        ];
        let events = parse_midi(&write(Format::SingleTrack, vec![track])).unwrap();
        assert_eq!(events.len(), 5);
        assert_eq!(events[4], TimedEvent { seconds: 0.5, event: NoteEvent::Pressure { frame: 0, channel: 9, note: 49, pressure: 1.0 } });
        assert_eq!(events[1], TimedEvent { seconds: 0.25, event: NoteEvent::On { frame: 0, channel: 5, note: 62, velocity: 1.0 } });
        assert_eq!(events[2], TimedEvent { seconds: 0.5, event: NoteEvent::AllNotesOff { frame: 0 } });
        assert_eq!(events[3], TimedEvent { seconds: 0.5, event: NoteEvent::Controller { frame: 0, channel: 9, cc: 4, value: 90 } });
    }

    #[test]
    fn garbage_and_format_2_are_refused_with_a_reason() {
        assert!(parse_midi(b"RIFF....WAVE").unwrap_err().starts_with("not a valid Standard MIDI File"));
        let seq = write(Format::Sequential, vec![vec![ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack))]]);
        assert_eq!(parse_midi(&seq).unwrap_err(), "format 2 (sequential tracks) is not supported; use format 0 or 1");
    }
}
