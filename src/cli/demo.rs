//! The embedded demo: a small kit the project synthesises itself (no
//! third-party audio) and a four-bar pattern that exercises drum pads, a
//! choke group, a pitched gate pad, velocity and two source rates.
//!
//! The synthesis uses `libm`, not the platform's maths library, so the kit
//! is the same bytes on every platform and in a browser.
//!
//! Thread: non-real-time (allocates).

use crate::cli::midi::TimedEvent;
use crate::decode::LoadError;
use crate::engine::triggering::NoteEvent;
use crate::kit::{KitStore, Mapping, PadSettings};

/// One demo sound.
pub struct DemoSound {
    pub name: &'static str,
    pub mapping: Mapping,
    pub settings: PadSettings,
    /// Root key of the sample (pitched pads).
    pub root_key: u8,
    pub sample_rate: u32,
    pub channels: u16,
    /// Interleaved samples.
    pub data: Vec<f32>,
}

/// Deterministic white noise in -1..1. A 32-bit xorshift: the demo must
/// sound the same on every machine, and four lines do not call for a crate.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
}

/// Overall level of the kit, so that the pattern peaks just below 0 dBFS.
const LEVEL: f32 = 0.7;

fn synth(rate: u32, seconds: f32, mut f: impl FnMut(f32) -> f32) -> Vec<f32> {
    let n = (rate as f32 * seconds) as usize;
    (0..n).map(|i| LEVEL * f(i as f32 / rate as f32)).collect()
}

fn kick(rate: u32) -> Vec<f32> {
    let mut phase = 0.0f32;
    synth(rate, 0.45, |t| {
        let freq = 45.0 + 110.0 * libm::expf(-t * 30.0);
        phase += std::f32::consts::TAU * freq / rate as f32;
        let click = if t < 0.002 { 0.4 * (1.0 - t / 0.002) } else { 0.0 };
        0.5 * libm::sinf(phase) * libm::expf(-t * 7.0) + 0.5 * click
    })
}

fn snare(rate: u32) -> Vec<f32> {
    let mut noise = Noise(0x1234_5678);
    let mut lp = 0.0f32;
    synth(rate, 0.3, |t| {
        let n = noise.next();
        lp += 0.5 * (n - lp);
        let body = libm::sinf(std::f32::consts::TAU * 185.0 * t) * libm::expf(-t * 30.0);
        0.3 * lp * libm::expf(-t * 16.0) + 0.25 * body
    })
}

fn hat(rate: u32, seconds: f32, decay: f32, seed: u32) -> Vec<f32> {
    let mut noise = Noise(seed);
    let mut prev = 0.0f32;
    synth(rate, seconds, |t| {
        let n = noise.next();
        let hp = n - prev; // first difference: a gentle high-pass
        prev = n;
        0.15 * hp * libm::expf(-t * decay)
    })
}

fn clap(rate: u32) -> Vec<f32> {
    let mut noise = Noise(0x0bad_cafe);
    synth(rate, 0.25, |t| {
        let burst = [0.0f32, 0.011, 0.022].iter().map(|&s| if t >= s { libm::expf(-(t - s) * 180.0) } else { 0.0 }).sum::<f32>();
        let tail = if t >= 0.022 { 0.6 * libm::expf(-(t - 0.022) * 14.0) } else { 0.0 };
        0.3 * noise.next() * (burst + tail).min(1.0)
    })
}

/// A stereo pluck at `freq`: two slightly detuned saws through a decaying
/// one-pole low-pass.
fn bass(rate: u32, freq: f32) -> Vec<f32> {
    let n = (rate as f32 * 1.2) as usize;
    let mut out = Vec::with_capacity(n * 2);
    let (mut lp_l, mut lp_r) = (0.0f32, 0.0f32);
    for i in 0..n {
        let t = i as f32 / rate as f32;
        let saw = |f: f32| 2.0 * (t * f).fract() - 1.0;
        let cutoff = 0.02 + 0.25 * libm::expf(-t * 9.0);
        let env = libm::expf(-t * 2.5) * (t / 0.003).min(1.0);
        lp_l += cutoff * (saw(freq * 0.997) - lp_l);
        lp_r += cutoff * (saw(freq * 1.003) - lp_r);
        out.push(LEVEL * 0.3 * lp_l * env);
        out.push(LEVEL * 0.3 * lp_r * env);
    }
    out
}

/// The demo kit: kick 36, snare 38, clap 39, closed hat 42 and open hat 46
/// (choke group 1), and a pitched stereo bass over notes 24..=59 (root 36).
/// Kick and hats are made at 44.1 kHz, the rest at 48 kHz.
///
/// Thread: non-real-time. Allocates.
pub fn kit() -> Vec<DemoSound> {
    let mut hats = Mapping::drum(42);
    hats.choke_group = 1;
    let mut open = Mapping::drum(46);
    open.choke_group = 1;
    let drum = |name, note, rate, data| DemoSound {
        name,
        mapping: Mapping::drum(note),
        settings: PadSettings::default(),
        root_key: note,
        sample_rate: rate,
        channels: 1,
        data,
    };
    vec![
        drum("kick", 36, 44_100, kick(44_100)),
        drum("snare", 38, 48_000, snare(48_000)),
        DemoSound { settings: PadSettings { pan: -0.2, ..PadSettings::default() }, ..drum("clap", 39, 48_000, clap(48_000)) },
        DemoSound {
            mapping: hats,
            settings: PadSettings { pan: 0.3, ..PadSettings::default() },
            ..drum("closed hat", 42, 44_100, hat(44_100, 0.09, 55.0, 0x2545_f491))
        },
        DemoSound {
            mapping: open,
            settings: PadSettings { pan: 0.3, gain_db: -2.0, ..PadSettings::default() },
            ..drum("open hat", 46, 44_100, hat(44_100, 0.7, 6.0, 0x9e37_79b9))
        },
        DemoSound {
            name: "bass",
            mapping: Mapping::pitched(24, 59),
            settings: PadSettings { release: 0.06, ..PadSettings::default() },
            root_key: 36,
            sample_rate: 48_000,
            channels: 2,
            data: bass(48_000, 65.406),
        },
    ]
}

/// Loads the demo kit into pads 0.. of `store`.
///
/// Thread: non-real-time. Allocates.
pub fn load_kit(store: &KitStore) -> Result<(), LoadError> {
    for (pad, sound) in kit().into_iter().enumerate() {
        prepare_pad(store, pad, &sound)?;
        store.load_samples(pad, sound.name, &sound.data, sound.channels, sound.sample_rate)?;
        finish_pad(store, pad, &sound)?;
    }
    Ok(())
}

/// Gives `pad` the demo sound's mapping and settings, before its sample
/// loads (what [`load_kit`] does first; the web page, which loads the
/// demo's WAV files in pieces, does it too).
///
/// Thread: non-real-time. Short lock.
pub fn prepare_pad(store: &KitStore, pad: usize, sound: &DemoSound) -> Result<(), LoadError> {
    let settings = |p: &mut crate::kit::PadModel| {
        p.mapping = sound.mapping;
        p.settings = sound.settings;
    };
    store.edit(pad, settings).map_err(|e| LoadError::new(std::path::Path::new(sound.name), e))
}

/// Gives `pad`'s loaded sample the demo sound's root key (what
/// [`load_kit`] does last).
///
/// Thread: non-real-time. Short lock.
pub fn finish_pad(store: &KitStore, pad: usize, sound: &DemoSound) -> Result<(), LoadError> {
    let name = std::path::Path::new(sound.name);
    store
        .edit(pad, |p| {
            if let Some(s) = p.samples.first_mut() {
                s.params.root_key = sound.root_key
            }
        })
        .map_err(|e| LoadError::new(name, e))
}

/// Tempo of the demo pattern.
pub const BPM: f64 = 118.0;

/// Four bars of sixteenths: drums on channel 10 (9), bass on channel 1 (0).
///
/// Thread: non-real-time. Allocates.
pub fn pattern() -> Vec<TimedEvent> {
    let step = 60.0 / BPM / 4.0;
    let mut out = Vec::new();
    let mut hit = |s: usize, note: u8, vel: u8, len_steps: Option<f64>, channel: u8| {
        let t = s as f64 * step;
        out.push(TimedEvent { seconds: t, event: NoteEvent::On { frame: 0, channel, note, velocity: vel as f32 / 127.0 } });
        if let Some(len) = len_steps {
            out.push(TimedEvent { seconds: t + len * step, event: NoteEvent::Off { frame: 0, channel, note } });
        }
    };
    for bar in 0..4 {
        let b = bar * 16;
        for s in [0, 6, 10] {
            hit(b + s, 36, if s == 0 { 127 } else { 104 }, None, 9);
        }
        if bar == 3 {
            hit(b + 14, 36, 90, None, 9);
        }
        for s in [4, 12] {
            hit(b + s, 38, 118, None, 9);
            if bar % 2 == 1 {
                hit(b + s, 39, 100, None, 9);
            }
        }
        for s in (0..16).step_by(2) {
            if s == 14 {
                hit(b + s, 46, 96, None, 9); // open, choked by the next closed hat
            } else {
                hit(b + s, 42, if s % 4 == 0 { 100 } else { 70 }, None, 9);
            }
        }
        let riff: [(usize, u8, f64); 5] = [(0, 36, 2.0), (3, 36, 1.0), (6, 48, 1.5), (8, 43, 3.0), (12, if bar % 2 == 0 { 39 } else { 34 }, 3.5)];
        for (s, note, len) in riff {
            hit(b + s, note, 110, Some(len), 0);
        }
    }
    out.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    out
}
