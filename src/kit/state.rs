//! The kit as a project saves it: the pad models, whether audio is
//! embedded, and the embedded audio itself.
//!
//! The plugin persists a [`Kit`] in its state as JSON. Saving the same kit
//! twice gives the same bytes (fields in declaration order, pads in order, no
//! maps with unstable order). [`Kit::from_json`] never fails: unknown, newer
//! or garbage state gives the default kit plus a one-line reason to log.
//! Version 1 kits (one file per pad, the root key in the mapping, start/end
//! in the pad settings) are read and converted.
//!
//! Thread: non-real-time (everything here allocates).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::kit::model::{Interpolation, Mapping, PadModel, PadSettings, SampleParams, SampleRecord, Trigger};
use crate::settings::{self, MAX_PADS};

/// Version of the kit format written by this build. 5 added the kit's
/// render quality (and pads that follow it), a pad's pitch tracking,
/// voices and retrigger, and the 6 dB slope; 4 the filter, 3 the amp
/// envelope, the velocity response, reverse and the pitch-bend range to
/// each pad's settings; version 2 to 4 kits load with the new settings at
/// their defaults (the sound they had), version 1 kits are converted.
pub const KIT_VERSION: u32 = 6;

/// Sample audio carried inside the project (the file's own bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedAudio {
    /// The original file name, for display.
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

/// The saved kit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kit {
    pub version: u32,
    /// Store each sample's audio in the project (so it opens on another
    /// machine). The kit is this setting's one owner.
    pub embed_audio: bool,
    /// The interpolation of every pad set to [`Interpolation::Default`]:
    /// the kit's render quality (cubic, linear or sinc; kits from before it
    /// get cubic). The kit is this setting's one owner.
    #[serde(default = "cubic")]
    pub render_quality: Interpolation,
    /// Voices sounding at once in the whole instrument
    /// ([`crate::settings::POLYPHONY`]; kits from before it get the
    /// default). The kit is this setting's one owner.
    #[serde(default = "polyphony")]
    pub polyphony: u32,
    /// The most memory the samples may take, in MiB
    /// ([`crate::settings::MEMORY_BUDGET_MIB`]; kits from before it get the
    /// default). The kit is this setting's one owner.
    #[serde(default = "memory_budget_mib")]
    pub memory_budget_mib: u32,
    pub pads: Vec<PadModel>,
}

fn cubic() -> Interpolation {
    Interpolation::Cubic
}

fn polyphony() -> u32 {
    crate::settings::POLYPHONY.default as u32
}

fn memory_budget_mib() -> u32 {
    crate::settings::MEMORY_BUDGET_MIB.default as u32
}

impl Default for Kit {
    fn default() -> Self {
        Kit {
            version: KIT_VERSION,
            embed_audio: false,
            render_quality: Interpolation::Cubic,
            polyphony: polyphony(),
            memory_budget_mib: memory_budget_mib(),
            pads: Vec::new(),
        }
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
        // One line even when the state quotes text with line breaks in it
        // (serde names an unknown variant as written): found by fuzzing.
        let empty = |why: String| {
            let why: String = why.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect();
            (Kit::default(), Some(format!("{why}; starting with an empty kit")))
        };
        let kit = match value.get("version").and_then(|v| v.as_u64()) {
            None => return empty("kit state has no version".into()),
            Some(1) => v1::KitV1::deserialize(value).map(v1::KitV1::upgrade),
            Some(v) if v > KIT_VERSION as u64 => return empty(format!("kit state is version {v}, newer than this build understands ({KIT_VERSION})")),
            Some(_) => Kit::deserialize(value),
        };
        match kit {
            Ok(kit) => match kit.check() {
                // A render quality of "default" would follow itself.
                Ok(()) => (Kit { version: KIT_VERSION, render_quality: kit.render_quality.or(Interpolation::Cubic), ..kit }, None),
                Err(e) => empty(format!("kit state is invalid ({e})")),
            },
            Err(e) => empty(format!("kit state is unreadable ({e})")),
        }
    }

    /// Checks the pad count and every pad ([`PadModel::validate`]).
    fn check(&self) -> Result<(), String> {
        if self.pads.len() > MAX_PADS {
            return Err(format!("{} pads, at most {MAX_PADS}", self.pads.len()));
        }
        for (i, p) in self.pads.iter().enumerate() {
            p.validate().map_err(|e| format!("pad {}: {e}", i + 1))?;
        }
        let samples: usize = self.pads.iter().map(|p| p.samples.len()).sum();
        let slots = wasm_sampler_guest::abi::SLOT_CAPACITY as usize;
        if samples > slots {
            return Err(format!("{samples} samples, at most {slots} in a kit"));
        }
        if !crate::settings::POLYPHONY.contains(self.polyphony as f32) {
            return Err(format!("polyphony {} is outside 1..={}", self.polyphony, crate::settings::POLYPHONY.max));
        }
        let budget = crate::settings::MEMORY_BUDGET_MIB;
        if !budget.contains(self.memory_budget_mib as f32) {
            return Err(format!("sample memory {} MiB is outside {}..={} MiB", self.memory_budget_mib, budget.min, budget.max));
        }
        Ok(())
    }

    /// The pad at `index`, created (empty) if the kit is shorter.
    ///
    /// Thread: non-real-time. May allocate (grows the pad list).
    pub fn pad_mut(&mut self, index: usize) -> &mut PadModel {
        while self.pads.len() <= index {
            let n = self.pads.len();
            self.pads.push(PadModel::empty(n));
        }
        &mut self.pads[index]
    }
}

/// Where to load a sample's audio from, in order of preference: the file if
/// it exists, else the embedded copy.
pub enum SampleAudio<'a> {
    File(&'a Path),
    Embedded(&'a EmbeddedAudio),
    /// Neither: the file is missing and nothing is embedded.
    Missing(&'a Path),
}

impl SampleRecord {
    /// Where this sample's audio comes from now. Only an absolute path is
    /// looked up on disk (a bare name kept from embedded audio must not
    /// pick up an unrelated file in the host's working directory).
    ///
    /// Thread: non-real-time (checks whether the file exists). No allocation.
    pub fn audio(&self) -> SampleAudio<'_> {
        match &self.embedded {
            _ if self.file.is_absolute() && self.file.exists() => SampleAudio::File(&self.file),
            Some(e) => SampleAudio::Embedded(e),
            None => SampleAudio::Missing(&self.file),
        }
    }
}

/// Version 1 of the format, read only.
mod v1 {
    use super::*;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum TriggerV1 {
        Note(u8),
        Range { lo: u8, hi: u8, root: u8 },
    }

    #[derive(Deserialize)]
    struct MappingV1 {
        trigger: TriggerV1,
        velocity: (u8, u8),
        mode: crate::kit::model::PlayMode,
        choke_group: u8,
    }

    #[derive(Deserialize)]
    struct ParamsV1 {
        gain_db: f32,
        pan: f32,
        tune_semitones: i32,
        tune_cents: f32,
        release: f32,
        interpolation: crate::kit::model::Interpolation,
        #[serde(default)]
        start: u32,
        #[serde(default)]
        end: u32,
    }

    #[derive(Deserialize)]
    struct PadV1 {
        file: Option<PathBuf>,
        mapping: MappingV1,
        params: ParamsV1,
        #[serde(default)]
        embedded: Option<EmbeddedAudio>,
    }

    #[derive(Deserialize)]
    pub(super) struct KitV1 {
        #[serde(default)]
        embed_audio: bool,
        pads: Vec<PadV1>,
    }

    impl KitV1 {
        /// The same kit in today's model: the root key and the play window
        /// move to the pad's sample record. Version 1 checked only that
        /// numbers were finite, so values out of today's ranges are clamped
        /// into them rather than refusing the whole project.
        pub(super) fn upgrade(self) -> Kit {
            let pads = self
                .pads
                .into_iter()
                .map(|p| {
                    let (trigger, root) = match p.mapping.trigger {
                        TriggerV1::Note(n) => (Trigger::Note(n), n),
                        TriggerV1::Range { lo, hi, root } => (Trigger::Range { lo, hi }, root),
                    };
                    let q = p.params;
                    let file = p.file.or_else(|| p.embedded.as_ref().map(|e| PathBuf::from(&e.name)));
                    let samples = file
                        .map(|file| SampleRecord {
                            file,
                            params: SampleParams { start: q.start, end: q.end, ..SampleParams::whole(root) },
                            embedded: p.embedded,
                        })
                        .into_iter()
                        .collect();
                    let velocity = |v: u8| v.max(settings::VELOCITY.min as u8);
                    PadModel {
                        mapping: Mapping {
                            trigger,
                            velocity: (velocity(p.mapping.velocity.0), velocity(p.mapping.velocity.1)),
                            mode: p.mapping.mode,
                            choke_group: p.mapping.choke_group.min(settings::CHOKE_GROUP.max as u8),
                            choked_by: None,
                            cc: None,
                            aftertouch_chokes: false,
                            pedal: None,
                        },
                        settings: PadSettings {
                            gain_db: settings::PAD_GAIN_DB.clamp(q.gain_db),
                            pan: settings::PAN.clamp(q.pan),
                            tune_semitones: settings::TUNE_SEMITONES.clamp(q.tune_semitones as f32) as i32,
                            tune_cents: settings::TUNE_CENTS.clamp(q.tune_cents),
                            release: settings::RELEASE_S.clamp(q.release),
                            interpolation: q.interpolation,
                            ..PadSettings::default()
                        },
                        samples,
                    }
                })
                .collect();
            Kit {
                version: KIT_VERSION,
                embed_audio: self.embed_audio,
                render_quality: Interpolation::Cubic,
                polyphony: polyphony(),
                memory_budget_mib: memory_budget_mib(),
                pads,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::model::Interpolation;

    fn record(file: &str, params: SampleParams) -> SampleRecord {
        SampleRecord { file: PathBuf::from(file), params, embedded: None }
    }

    fn sample_kit() -> Kit {
        let mut kit = Kit::default();
        kit.pad_mut(0).samples.push(record("/samples/kick.wav", SampleParams::whole(36)));
        let p = kit.pad_mut(2);
        p.samples.push(record("/samples/bass.wav", SampleParams { start: 100, end: 900, ..SampleParams::whole(36) }));
        p.mapping = Mapping::pitched(24, 59);
        p.settings = PadSettings {
            gain_db: -3.5,
            pan: 0.25,
            tune_semitones: -12,
            tune_cents: 7.0,
            release: 0.2,
            interpolation: Interpolation::Linear,
            attack: 0.005,
            hold: 0.02,
            decay: 0.3,
            sustain: 40.0,
            curve: 50.0,
            velocity_amount: 80.0,
            velocity_curve: -25.0,
            reverse: true,
            bend_range: 12.0,
            pitch_keytrack: 50.0,
            voices: 4,
            retrigger: crate::kit::Retrigger::Cut,
            choke_fade: 0.02,
            off_mode: crate::kit::OffMode::Normal,
            round_robin: crate::kit::RoundRobin::RandomNoRepeat,
            layer_crossfade: 12.0,
            output: 3,
            filter: crate::kit::FilterSettings {
                kind: crate::kit::FilterType::BandPass,
                slope: crate::kit::FilterSlope::Db24,
                cutoff: 2_500.0,
                resonance: 6.0,
                keytrack: 50.0,
                velocity: 1.5,
                envelope: -2.0,
            },
        };
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
    fn a_kit_saves_as_these_exact_bytes() {
        let mut kit = Kit::default();
        kit.pad_mut(0).samples.push(record("/s/kick.wav", SampleParams::whole(36)));
        assert_eq!(
            serde_json::to_string(&kit.to_json()).unwrap(),
            r#"{"embed_audio":false,"memory_budget_mib":2048,"pads":[{"mapping":{"aftertouch_chokes":false,"cc":null,"choke_group":0,"choked_by":null,"mode":"one_shot","trigger":{"note":36},"velocity":[1,127]},"samples":[{"end":0,"file":"/s/kick.wav","gain_db":0.0,"root_key":36,"start":0,"tune_cents":0.0,"velocity":[1,127]}],"settings":{"attack":0.0,"bend_range":2.0,"choke_fade":0.004999999888241291,"curve":0.0,"decay":0.5,"filter":{"cutoff":20000.0,"envelope":0.0,"keytrack":0.0,"resonance":0.0,"slope":"12db","type":"off","velocity":0.0},"gain_db":0.0,"hold":0.0,"interpolation":"default","layer_crossfade":0.0,"off_mode":"fast","output":0,"pan":0.0,"pitch_keytrack":100.0,"release":0.009999999776482582,"retrigger":"ring","reverse":false,"round_robin":"cycle","sustain":100.0,"tune_cents":0.0,"tune_semitones":0,"velocity_amount":100.0,"velocity_curve":0.0,"voices":0}}],"polyphony":64,"render_quality":"cubic","version":6}"#
        );
    }

    #[test]
    fn a_version_5_kit_loads_as_one_layer_per_pad_on_the_main_output_with_64_voices() {
        // What version 5 saved for one pad (before layers, outputs and polyphony).
        let v5 = r#"{"embed_audio":false,"pads":[{"mapping":{"aftertouch_chokes":false,"cc":null,"choke_group":0,"choked_by":null,"mode":"one_shot","trigger":{"note":36},"velocity":[1,127]},"samples":[{"end":0,"file":"/s/kick.wav","gain_db":0.0,"root_key":36,"start":0,"tune_cents":0.0}],"settings":{"attack":0.0,"bend_range":2.0,"choke_fade":0.004999999888241291,"curve":0.0,"decay":0.5,"filter":{"cutoff":20000.0,"envelope":0.0,"keytrack":0.0,"resonance":0.0,"slope":"12db","type":"off","velocity":0.0},"gain_db":0.0,"hold":0.0,"interpolation":"default","off_mode":"fast","pan":0.0,"pitch_keytrack":100.0,"release":0.009999999776482582,"retrigger":"ring","reverse":false,"sustain":100.0,"tune_cents":0.0,"tune_semitones":0,"velocity_amount":100.0,"velocity_curve":0.0,"voices":0}}],"render_quality":"cubic","version":5}"#;
        let (kit, err) = Kit::from_json(&serde_json::from_str(v5).unwrap());
        assert_eq!(err, None);
        let mut expected = Kit::default();
        expected.pad_mut(0).samples.push(record("/s/kick.wav", SampleParams::whole(36)));
        assert_eq!(kit, expected, "polyphony 64, velocity layer 1..127, round robin cycle, no crossfade, main output, no pedal");
        assert_eq!((kit.version, kit.polyphony, kit.pads[0].settings.output, kit.pads[0].samples[0].params.velocity), (6, 64, 0, (1, 127)));
    }

    #[test]
    fn a_kit_with_more_samples_than_guest_slots_is_refused_with_the_count() {
        let mut kit = Kit::default();
        for i in 0..33 {
            for _ in 0..250 {
                kit.pad_mut(i).samples.push(record("/s/hit.wav", SampleParams::whole(36)));
            }
        }
        let (loaded, err) = Kit::from_json(&kit.to_json());
        assert_eq!(err.as_deref(), Some("kit state is invalid (8250 samples, at most 8192 in a kit); starting with an empty kit"));
        assert_eq!(loaded, Kit::default());
    }

    #[test]
    fn a_version_2_kit_loads_with_the_neutral_envelope_and_velocity_response_and_its_pads_keep_their_kernel() {
        let v = serde_json::json!({"version": 2, "embed_audio": false, "pads": [{"mapping": {"trigger": {"note": 36}, "velocity": [1, 127], "mode": "gate", "choke_group": 0},
            "samples": [], "settings": {"gain_db": -2.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.25, "interpolation": "cubic"}}]});
        let (kit, err) = Kit::from_json(&v);
        assert_eq!(err, None);
        assert_eq!(kit.version, KIT_VERSION);
        assert_eq!(kit.pads[0].settings, PadSettings { gain_db: -2.0, release: 0.25, interpolation: Interpolation::Cubic, ..PadSettings::default() });
        assert_eq!(kit.render_quality, Interpolation::Cubic);
    }

    #[test]
    fn the_render_quality_round_trips_and_default_as_the_kits_own_reads_as_cubic() {
        let kit = Kit { render_quality: Interpolation::Sinc, ..sample_kit() };
        assert_eq!(Kit::from_json(&kit.to_json()), (kit.clone(), None));
        let mut v = kit.to_json();
        v["render_quality"] = serde_json::json!("default");
        assert_eq!(Kit::from_json(&v).0.render_quality, Interpolation::Cubic);
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
            serde_json::json!({"version": 2, "embed_audio": false, "pads": [{"mapping": {"trigger": {"note": 36}, "velocity": [1, 127], "mode": "gate", "choke_group": 40}, "settings": {"gain_db": 0.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.01, "interpolation": "cubic"}}]}),
        ] {
            let (kit, err) = Kit::from_json(&v);
            assert_eq!(kit, Kit::default(), "{v}");
            assert!(err.is_some(), "{v}");
            assert!(!err.unwrap().contains('\n'));
        }
    }

    #[test]
    fn a_reason_quoting_text_with_line_breaks_stays_one_line() {
        let mut v = Kit { pads: vec![PadModel::empty(0)], ..Kit::default() }.to_json();
        v["pads"][0]["settings"]["round_robin"] = serde_json::json!("o\nclek");
        let (kit, why) = Kit::from_json(&v);
        assert_eq!(kit, Kit::default());
        let why = why.unwrap();
        assert!(!why.contains('\n') && why.contains("o\\nclek"), "{why}");
    }

    #[test]
    fn the_sample_memory_budget_round_trips_and_one_out_of_range_gives_the_default_kit() {
        let kit = Kit { memory_budget_mib: 512, ..Kit::default() };
        assert_eq!(Kit::from_json(&kit.to_json()), (kit.clone(), None));
        let mut v = kit.to_json();
        v.as_object_mut().unwrap().remove("memory_budget_mib");
        assert_eq!(Kit::from_json(&v).0.memory_budget_mib, 2048, "kits from before it get the default");
        for (mib, why) in [(8, "sample memory 8 MiB is outside 16..=4095 MiB"), (5000, "sample memory 5000 MiB is outside 16..=4095 MiB")] {
            v["memory_budget_mib"] = serde_json::json!(mib);
            assert_eq!(Kit::from_json(&v), (Kit::default(), Some(format!("kit state is invalid ({why}); starting with an empty kit"))));
        }
        v["memory_budget_mib"] = serde_json::json!(-1);
        assert!(Kit::from_json(&v).1.unwrap().starts_with("kit state is unreadable"));
    }

    #[test]
    fn a_version_1_kit_loads_with_its_root_key_and_window_on_the_sample() {
        let v = serde_json::json!({"version": 1, "embed_audio": true, "pads": [
            {"file": "/s/kick.wav", "mapping": {"trigger": {"note": 36}, "velocity": [1, 127], "mode": "one_shot", "choke_group": 2},
             "params": {"gain_db": -1.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.01, "interpolation": "cubic"}},
            {"file": "/s/bass.wav", "mapping": {"trigger": {"range": {"lo": 24, "hi": 59, "root": 36}}, "velocity": [1, 127], "mode": "gate", "choke_group": 0},
             "params": {"gain_db": 0.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.2, "interpolation": "linear", "start": 100, "end": 900}},
            {"file": null, "mapping": {"trigger": {"note": 38}, "velocity": [1, 127], "mode": "one_shot", "choke_group": 0},
             "params": {"gain_db": 0.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.01, "interpolation": "cubic"}}
        ]});
        let (kit, err) = Kit::from_json(&v);
        assert_eq!(err, None);
        assert!(kit.embed_audio);
        assert_eq!(kit.pads[0].settings, PadSettings { gain_db: -1.0, interpolation: Interpolation::Cubic, ..PadSettings::default() });
        assert_eq!(kit.pads[0].mapping.choke_group, 2);
        assert_eq!(kit.pads[0].samples, vec![record("/s/kick.wav", SampleParams::whole(36))], "saved before trimming: untrimmed");
        assert_eq!(kit.pads[1].mapping.trigger, Trigger::Range { lo: 24, hi: 59 });
        assert_eq!(kit.pads[1].samples, vec![record("/s/bass.wav", SampleParams { start: 100, end: 900, ..SampleParams::whole(36) })]);
        assert_eq!(kit.pads[1].settings.interpolation, Interpolation::Linear);
        assert!(kit.pads[2].samples.is_empty());
        assert_eq!(kit.version, KIT_VERSION);
    }

    #[test]
    fn a_version_1_kit_with_values_out_of_todays_ranges_loads_clamped() {
        let v = serde_json::json!({"version": 1, "embed_audio": false, "pads": [
            {"file": "/s/kick.wav", "mapping": {"trigger": {"note": 36}, "velocity": [0, 127], "mode": "one_shot", "choke_group": 40},
             "params": {"gain_db": 30.0, "pan": -3.0, "tune_semitones": 99, "tune_cents": 0.0, "release": 0.0, "interpolation": "cubic"}}
        ]});
        let (kit, err) = Kit::from_json(&v);
        assert_eq!(err, None);
        let p = &kit.pads[0];
        assert_eq!((p.mapping.velocity, p.mapping.choke_group), ((1, 127), 16));
        assert_eq!((p.settings.gain_db, p.settings.pan, p.settings.tune_semitones, p.settings.release), (24.0, -1.0, 48, 0.001));
    }

    #[test]
    fn embedded_audio_round_trips_its_bytes() {
        let e = EmbeddedAudio::new("kick.wav", b"RIFF\x00\x01\x02\xff");
        assert_eq!(e.bytes().unwrap(), b"RIFF\x00\x01\x02\xff");
        let bad = EmbeddedAudio { name: "x.wav".into(), base64: "***".into() };
        assert!(bad.bytes().unwrap_err().contains("corrupt"));
    }

    #[test]
    fn a_sample_prefers_its_file_then_the_embedded_copy_then_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("here.wav");
        std::fs::write(&present, b"x").unwrap();
        let mut r = SampleRecord { file: dir.path().join("gone.wav"), params: SampleParams::whole(36), embedded: None };
        assert!(matches!(r.audio(), SampleAudio::Missing(_)));
        r.embedded = Some(EmbeddedAudio::new("gone.wav", b"RIFF"));
        assert!(matches!(r.audio(), SampleAudio::Embedded(_)));
        r.file = present.clone();
        assert!(matches!(r.audio(), SampleAudio::File(p) if p == present));
    }
}
