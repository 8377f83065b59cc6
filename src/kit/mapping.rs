//! Which notes, velocities and controllers play a pad, and how: the pad's
//! [`Mapping`].
//!
//! Thread: any. Nothing here allocates.

use serde::{Deserialize, Serialize};

/// How a pad is triggered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Drum mode: one note plays the sample at its own pitch (plus tune).
    Note(u8),
    /// Pitched mode: notes `lo..=hi` play the sample transposed relative to
    /// its record's root key.
    Range { lo: u8, hi: u8 },
}

/// What note-off does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayMode {
    /// Plays to the end whatever the note-off (drums).
    OneShot,
    /// Note-off starts the release.
    Gate,
}

/// Which notes and velocities play a pad, and how.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub trigger: Trigger,
    /// MIDI velocities (1..=127) that play the pad, inclusive.
    pub velocity: (u8, u8),
    pub mode: PlayMode,
    /// The choke group the pad belongs to (1..=16; 0 = none,
    /// [`settings::CHOKE_GROUP`]): its notes cut off the pads this group
    /// chokes.
    pub choke_group: u8,
    /// Whose notes cut this pad off: `None`, the default, its own group's
    /// (the pads of a group cut each other, the classic hi-hat); `Some(0)`
    /// no one's; `Some(g)` group g's only (SFZ `off_by`: an open hat
    /// choked by the closed hat's group, not the other way).
    #[serde(default)]
    pub choked_by: Option<u8>,
    /// Plays only while a MIDI controller's value lies in a range (SFZ
    /// `loccN`/`hiccN`: the hi-hat pedal, CC 4, choosing closed, half-open
    /// or open samples for the same note); `None` = any.
    #[serde(default)]
    pub cc: Option<CcRange>,
    /// Polyphonic aftertouch of half or more on a note this pad plays
    /// chokes the pad (an e-drum cymbal grabbed by the hand).
    #[serde(default)]
    pub aftertouch_chokes: bool,
    /// Played by a controller instead of by notes: when controller `cc`
    /// moves into `lo..=hi` from outside it, at full velocity, as its
    /// trigger note (SFZ `on_loccN`/`on_hiccN`: the hi-hat pedal's "chick"
    /// as the pedal closes). `None`, the default: played by notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pedal: Option<CcRange>,
}

/// A controller and the values (inclusive, 0..=127) it must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CcRange {
    pub cc: u8,
    pub lo: u8,
    pub hi: u8,
}

impl Mapping {
    /// The group whose notes cut this pad off (0: none).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn choked_by_group(&self) -> u8 {
        self.choked_by.unwrap_or(self.choke_group)
    }

    /// Drum mode on `note`: one-shot, all velocities, no choke group.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn drum(note: u8) -> Self {
        Mapping {
            trigger: Trigger::Note(note),
            velocity: (1, 127),
            mode: PlayMode::OneShot,
            choke_group: 0,
            choked_by: None,
            cc: None,
            aftertouch_chokes: false,
            pedal: None,
        }
    }

    /// Pitched mode over `lo..=hi`: gate, all velocities.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn pitched(lo: u8, hi: u8) -> Self {
        Mapping {
            trigger: Trigger::Range { lo, hi },
            velocity: (1, 127),
            mode: PlayMode::Gate,
            choke_group: 0,
            choked_by: None,
            cc: None,
            aftertouch_chokes: false,
            pedal: None,
        }
    }

    /// The mapping a new pad `index` starts with: drum mode on note 36 +
    /// index (the General MIDI kick for pad 1), capped at 127.
    ///
    /// Thread: any. No allocation.
    pub fn default_for(index: usize) -> Self {
        Mapping::drum((36 + index).min(127) as u8)
    }

    /// Whether `note` at MIDI velocity `velocity` plays this pad (never
    /// for a pad played by a pedal).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn matches(&self, note: u8, velocity: u8) -> bool {
        self.pedal.is_none() && self.plays_note(note) && (self.velocity.0..=self.velocity.1).contains(&velocity)
    }

    /// Whether controller `cc` moving from `old` to `new` plays this pad
    /// (its [`pedal`](Self::pedal) range entered).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn pedal_plays(&self, cc: u8, old: u8, new: u8) -> bool {
        self.pedal.is_some_and(|p| p.cc == cc && !(p.lo..=p.hi).contains(&old) && (p.lo..=p.hi).contains(&new))
    }

    /// The note the pad plays as when a pedal plays it: its drum note, or
    /// its key range's lowest key.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn own_note(&self) -> u8 {
        match self.trigger {
            Trigger::Note(n) => n,
            Trigger::Range { lo, .. } => lo,
        }
    }

    /// Whether `note` is the pad's trigger note or in its key range,
    /// whatever the velocity.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn plays_note(&self, note: u8) -> bool {
        match self.trigger {
            Trigger::Note(n) => n == note,
            Trigger::Range { lo, hi } => (lo..=hi).contains(&note),
        }
    }

    /// Semitones `note` is transposed by for a sample whose root key is
    /// `root` (0 in drum mode).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn transpose(&self, note: u8, root: u8) -> i32 {
        match self.trigger {
            Trigger::Note(_) => 0,
            Trigger::Range { .. } => note as i32 - root as i32,
        }
    }
}
