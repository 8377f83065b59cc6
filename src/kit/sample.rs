//! What belongs to one sample of a pad: its file, its play window, loop,
//! root key, gain and tuning, and the velocities it answers ([`SampleRecord`],
//! [`SampleParams`]). What belongs to the pad — envelope, filter, voices,
//! choke, round robin, output — is in [`PadSettings`](super::PadSettings),
//! shared by all of its samples.
//!
//! Thread: any. Nothing here allocates except where a doc says so.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use wasm_sampler_guest::abi;

use crate::kit::state::EmbeddedAudio;
use crate::settings;

/// What belongs to one sample of a pad, apart from its file: the played
/// window, the root key and the sample's own gain and tuning. `Copy`, so
/// the engine holds it beside the live sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleParams {
    /// The played part of the sample: frames `start..end` (`end` 0 = to the
    /// end). The sample stays whole in memory; the guest reads this window
    /// of it in place.
    #[serde(default)]
    pub start: u32,
    #[serde(default)]
    pub end: u32,
    /// The note at which the sample plays at its own pitch in key-range
    /// mode ([`settings::NOTE`]).
    pub root_key: u8,
    /// [`settings::SAMPLE_GAIN_DB`], added to the pad's gain.
    #[serde(default)]
    pub gain_db: f32,
    /// [`settings::SAMPLE_TUNE_CENTS`], added to the pad's tuning.
    #[serde(default)]
    pub tune_cents: f32,
    /// The MIDI velocities (inclusive) at which this sample plays: its
    /// velocity layer. Samples of a pad with the same range take turns
    /// (round robin). All velocities by default.
    #[serde(default = "all_velocities")]
    pub velocity: (u8, u8),
    /// The loop the file itself marks (WAV `smpl`, AIFF `INST`/`MARK`),
    /// kept with the sample; drawn in the editor, and where a new
    /// sample's [`Loop`] points start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_loop: Option<LoopPoints>,
    /// The loop the sample plays (off unless the user turns it on).
    #[serde(default, rename = "loop", skip_serializing_if = "Loop::is_off")]
    pub looping: Loop,
}

/// How a loop repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoopMode {
    Off,
    Forward,
    PingPong,
}

/// The loop a sample plays: frames `start..end` of the file (`end` 0 = the
/// play window's end), kept inside the play window; a crossfade (forward
/// loops); and whether note-off lets go of it (`sustain`: the sample plays
/// on to its end) or it runs until the envelope ends the voice.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Loop {
    pub mode: LoopMode,
    pub start: u32,
    pub end: u32,
    /// [`settings::LOOP_CROSSFADE_S`].
    #[serde(default)]
    pub crossfade: f32,
    #[serde(default)]
    pub sustain: bool,
}

impl Default for Loop {
    fn default() -> Self {
        Loop { mode: LoopMode::Off, start: 0, end: 0, crossfade: settings::LOOP_CROSSFADE_S.default, sustain: false }
    }
}

impl Loop {
    /// Whether the loop is off (then it is not saved).
    ///
    /// Thread: any. No allocation.
    pub fn is_off(&self) -> bool {
        *self == Loop::default()
    }
}

/// A loop over frames `start..end` of a sample (`end` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoopPoints {
    pub start: u32,
    pub end: u32,
}

impl SampleParams {
    /// A whole, neutral sample with root key `root_key`.
    ///
    /// Thread: any. No allocation.
    pub fn whole(root_key: u8) -> Self {
        SampleParams { start: 0, end: 0, root_key, gain_db: 0.0, tune_cents: 0.0, velocity: (1, 127), file_loop: None, looping: Loop::default() }
    }

    /// The sample's own gain, linear: exactly 1 at 0 dB.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn gain(&self) -> f32 {
        settings::db_to_gain(settings::SAMPLE_GAIN_DB.clamp(self.gain_db))
    }

    /// The guest's loop for a sample of `frames` frames at `rate` Hz, as
    /// `slot_loop` takes it: (mode with flags, start, end, crossfade
    /// frames), the points relative to the play window and inside it. Off
    /// when the loop is off or covers no frame of the window.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn guest_loop(&self, frames: u32, rate: f32) -> (u32, u32, u32, u32) {
        let (first, len) = self.window(frames);
        let l = &self.looping;
        let mode = match l.mode {
            LoopMode::Off => return (abi::looping::OFF, 0, 0, 0),
            LoopMode::Forward => abi::looping::FORWARD,
            LoopMode::PingPong => abi::looping::PING_PONG,
        };
        let end = if l.end == 0 { first + len } else { l.end };
        let (start, end) = (l.start.clamp(first, first + len) - first, end.clamp(first, first + len) - first);
        if start >= end {
            return (abi::looping::OFF, 0, 0, 0);
        }
        let fade = (settings::LOOP_CROSSFADE_S.clamp(l.crossfade) * rate).round() as u32;
        (mode | if l.sustain { abi::looping::SUSTAIN } else { 0 }, start, end, fade)
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
}

/// One sample of a pad: where its audio comes from, and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// Absolute path of the sample file (for embedded audio whose file is
    /// gone, the path it had).
    pub file: PathBuf,
    #[serde(flatten)]
    pub params: SampleParams,
    /// The file's bytes, when the kit embeds audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<EmbeddedAudio>,
}

fn all_velocities() -> (u8, u8) {
    (1, 127)
}
