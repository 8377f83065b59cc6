//! The kit: what a project saves about the pads (sample file, mapping,
//! settings), and optionally the sample audio itself.
//!
//! The plugin persists a [`Kit`] in its state as JSON. Saving the same kit
//! twice gives the same bytes (fields in declaration order, pads in order, no
//! maps with unstable order). [`Kit::from_json`] never fails: unknown, newer
//! or garbage state gives the default kit plus a one-line reason to log.
//!
//! Thread: non-real-time (everything here allocates).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::triggering::{Mapping, PadParams};

/// Version of the kit format written by this build.
pub const KIT_VERSION: u32 = 1;

/// Sample audio carried inside the project (the file's own bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedAudio {
    /// The original file name, for display and for a `.wav` extension.
    pub name: String,
    /// The file's bytes, base64 (standard alphabet, padded).
    pub base64: String,
}

impl EmbeddedAudio {
    /// Embeds `bytes` read from a file called `name`.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn new(name: &str, bytes: &[u8]) -> Self {
        EmbeddedAudio { name: name.to_string(), base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
    }

    /// The file's bytes, or why they cannot be decoded.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        base64::engine::general_purpose::STANDARD.decode(&self.base64).map_err(|e| format!("embedded audio is corrupt ({e})"))
    }
}

/// One pad as saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KitPad {
    /// Absolute path of the sample file, if any.
    pub file: Option<PathBuf>,
    pub mapping: Mapping,
    pub params: PadParams,
    /// The file's audio, when the kit embeds audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<EmbeddedAudio>,
}

impl KitPad {
    /// An empty pad with the default drum mapping for its index.
    ///
    /// Thread: non-real-time. No allocation.
    pub fn empty(index: usize) -> Self {
        KitPad { file: None, mapping: Mapping::drum((36 + index).min(127) as u8), params: PadParams::default(), embedded: None }
    }
}

/// Pads a kit can have (one guest slot each at most).
pub const MAX_PADS: usize = crate::guest::abi::SLOT_CAPACITY as usize;

/// The saved kit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kit {
    pub version: u32,
    /// Store each pad's audio in the project (so it moves to another machine).
    pub embed_audio: bool,
    pub pads: Vec<KitPad>,
}

impl Default for Kit {
    fn default() -> Self {
        Kit { version: KIT_VERSION, embed_audio: false, pads: Vec::new() }
    }
}

impl Kit {
    /// The kit as a JSON value (what the plugin state stores).
    ///
    /// Thread: non-real-time. Allocates.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a kit always serializes")
    }

    /// Reads a kit from state. Never fails: on unknown, newer or garbage
    /// input it returns the default kit and the reason, as one line.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn from_json(value: &serde_json::Value) -> (Kit, Option<String>) {
        let version = value.get("version").and_then(|v| v.as_u64());
        match version {
            None => return (Kit::default(), Some("kit state has no version; starting with an empty kit".into())),
            Some(v) if v > KIT_VERSION as u64 => {
                return (Kit::default(), Some(format!("kit state is version {v}, newer than this build understands ({KIT_VERSION}); starting with an empty kit")))
            }
            Some(_) => {}
        }
        match Kit::deserialize(value) {
            Ok(kit) => match kit.check() {
                Ok(()) => (kit, None),
                Err(e) => (Kit::default(), Some(format!("kit state is invalid ({e}); starting with an empty kit"))),
            },
            Err(e) => (Kit::default(), Some(format!("kit state is unreadable ({e}); starting with an empty kit"))),
        }
    }

    /// Range checks serde cannot express.
    fn check(&self) -> Result<(), String> {
        if self.pads.len() > MAX_PADS {
            return Err(format!("{} pads, at most {MAX_PADS}", self.pads.len()));
        }
        for (i, p) in self.pads.iter().enumerate() {
            let m = &p.mapping;
            let notes_ok = match m.trigger {
                crate::triggering::Trigger::Note(n) => n <= 127,
                crate::triggering::Trigger::Range { lo, hi, root } => lo <= hi && hi <= 127 && root <= 127,
            };
            if !notes_ok || m.velocity.0 > m.velocity.1 || m.velocity.1 > 127 {
                return Err(format!("pad {} has an invalid mapping", i + 1));
            }
            let q = &p.params;
            let finite = [q.gain_db, q.pan, q.tune_cents, q.release].iter().all(|v| v.is_finite());
            if !finite {
                return Err(format!("pad {} has a non-finite setting", i + 1));
            }
        }
        Ok(())
    }

    /// The pad at `index`, created (empty) if the kit is shorter.
    ///
    /// Thread: non-real-time. May allocate (grows the pad list).
    pub fn pad_mut(&mut self, index: usize) -> &mut KitPad {
        while self.pads.len() <= index {
            let n = self.pads.len();
            self.pads.push(KitPad::empty(n));
        }
        &mut self.pads[index]
    }
}

/// Where to load a pad's audio from, in order of preference: the file if it
/// exists, else the embedded copy.
pub enum PadAudio<'a> {
    File(&'a Path),
    Embedded(&'a EmbeddedAudio),
    /// Neither: the file is missing and nothing is embedded.
    Missing(&'a Path),
    Empty,
}

impl KitPad {
    /// Where this pad's audio comes from now.
    ///
    /// Thread: non-real-time. No allocation.
    pub fn audio(&self) -> PadAudio<'_> {
        match (&self.file, &self.embedded) {
            (Some(f), _) if f.exists() => PadAudio::File(f),
            (_, Some(e)) => PadAudio::Embedded(e),
            (Some(f), None) => PadAudio::Missing(f),
            (None, None) => PadAudio::Empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggering::Interpolation;

    fn sample_kit() -> Kit {
        let mut kit = Kit::default();
        kit.pad_mut(0).file = Some(PathBuf::from("/samples/kick.wav"));
        let p = kit.pad_mut(2);
        p.file = Some(PathBuf::from("/samples/bass.wav"));
        p.mapping = Mapping::pitched(24, 59, 36);
        p.params = PadParams { gain_db: -3.5, pan: 0.25, tune_semitones: -12, tune_cents: 7.0, release: 0.2, interpolation: Interpolation::Linear, start: 100, end: 900 };
        kit
    }

    #[test]
    fn the_same_kit_serializes_to_the_same_bytes_and_round_trips() {
        let kit = sample_kit();
        let a = serde_json::to_string(&kit.to_json()).unwrap();
        let b = serde_json::to_string(&sample_kit().to_json()).unwrap();
        assert_eq!(a, b);
        let (back, err) = Kit::from_json(&serde_json::from_str(&a).unwrap());
        assert_eq!((back, err), (kit, None));
    }

    #[test]
    fn a_newer_version_gives_the_default_kit_and_a_reason() {
        let mut v = sample_kit().to_json();
        v["version"] = serde_json::json!(KIT_VERSION + 1);
        let (kit, err) = Kit::from_json(&v);
        assert_eq!(kit, Kit::default());
        assert!(err.unwrap().contains("newer than this build understands"));
    }

    #[test]
    fn garbage_and_invalid_state_give_the_default_kit_and_a_reason() {
        for v in [
            serde_json::json!("garbage"),
            serde_json::json!({"version": 1, "pads": "nope"}),
            serde_json::json!({"version": 1, "embed_audio": false, "pads": [{"file": null, "mapping": {"trigger": {"range": {"lo": 60, "hi": 10, "root": 30}}, "velocity": [1, 127], "mode": "gate", "choke_group": 0}, "params": {"gain_db": 0.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.01, "interpolation": "cubic"}}]}),
        ] {
            let (kit, err) = Kit::from_json(&v);
            assert_eq!(kit, Kit::default(), "{v}");
            assert!(err.is_some(), "{v}");
            assert!(!err.unwrap().contains('\n'));
        }
    }

    #[test]
    fn a_kit_saved_before_trimming_existed_loads_untrimmed() {
        let v = serde_json::json!({"version": 1, "embed_audio": false, "pads": [{"file": "/s/kick.wav", "mapping": {"trigger": {"note": 36}, "velocity": [1, 127], "mode": "one_shot", "choke_group": 0}, "params": {"gain_db": -1.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.01, "interpolation": "cubic"}}]});
        let (kit, err) = Kit::from_json(&v);
        assert_eq!(err, None);
        assert_eq!(kit.pads[0].params, PadParams { gain_db: -1.0, ..PadParams::default() });
        assert_eq!((kit.pads[0].params.start, kit.pads[0].params.end), (0, 0));
    }

    #[test]
    fn embedded_audio_round_trips_its_bytes() {
        let e = EmbeddedAudio::new("kick.wav", b"RIFF\x00\x01\x02\xff");
        assert_eq!(e.bytes().unwrap(), b"RIFF\x00\x01\x02\xff");
        let bad = EmbeddedAudio { name: "x.wav".into(), base64: "***".into() };
        assert!(bad.bytes().unwrap_err().contains("corrupt"));
    }

    #[test]
    fn a_pad_prefers_its_file_then_the_embedded_copy_then_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("here.wav");
        std::fs::write(&present, b"x").unwrap();
        let mut pad = KitPad::empty(0);
        assert!(matches!(pad.audio(), PadAudio::Empty));
        pad.file = Some(dir.path().join("gone.wav"));
        assert!(matches!(pad.audio(), PadAudio::Missing(_)));
        pad.embedded = Some(EmbeddedAudio::new("gone.wav", b"RIFF"));
        assert!(matches!(pad.audio(), PadAudio::Embedded(_)));
        pad.file = Some(present.clone());
        assert!(matches!(pad.audio(), PadAudio::File(p) if p == present));
    }
}
