//! `cargo xtask bench-peer`: the same kit and MIDI pattern rendered by
//! `wasm-sampler-render` and by FluidSynth (Debian's `fluidsynth`, fast
//! render), at 64 and 256 voices, with both wall times and their ratio.
//!
//! The kit is 8 mono 16-bit 44.1 kHz one-shots of 3 s (decaying tones with
//! noise), written here as WAV files and as one SoundFont 2 file holding the
//! same samples; the pattern is 61 s of notes 10 ms apart cycling through the
//! 8 pads, with no note-offs, so every voice plays to its sample's end and
//! the voice limit is reached within the first second and stays reached.
//! Both render at 48 kHz, stereo, 32-bit float, without a tail: ours with
//! cubic interpolation and every other stage neutral, FluidSynth with its
//! default 4th-order interpolation and its reverb and chorus off. Each tool
//! runs `RUNS` times per voice count and the fastest run is kept (the least
//! disturbed by the machine); both report the most voices that sounded at
//! once (ours from `--stats`, FluidSynth from its verbose note log). A
//! further column times ours with the DSP compiled natively (`--engine
//! native`), for the cost of running it in wasm.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const RATE: u32 = 44_100;
const SAMPLE_SECONDS: u32 = 3;
const PADS: u8 = 8;
const PATTERN_MS: u32 = 61_000;
const NOTE_EVERY_MS: u32 = 10;
const RUNS: usize = 3;

pub fn bench_peer() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let dir = target.join("bench-peer");
    std::fs::create_dir_all(&dir)?;
    if Command::new("fluidsynth").arg("--version").output().is_err() {
        bail!("fluidsynth is not installed (Debian: apt-get install fluidsynth)");
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo).current_dir(root).args(["build", "--release", "--bin", "wasm-sampler-render"]).status()?;
    if !status.success() {
        bail!("building wasm-sampler-render failed");
    }
    let render = target.join("release").join("wasm-sampler-render");

    let samples: Vec<Vec<i16>> = (0..PADS).map(sample).collect();
    let mut wavs = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let path = dir.join(format!("pad{i}.wav"));
        let spec = hound::WavSpec { channels: 1, sample_rate: RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut w = hound::WavWriter::create(&path, spec)?;
        for &v in s {
            w.write_sample(v)?;
        }
        w.finalize()?;
        wavs.push(path);
    }
    let sf2 = dir.join("kit.sf2");
    std::fs::write(&sf2, soundfont(&samples))?;
    let midi = dir.join("pattern.mid");
    std::fs::write(&midi, pattern()?)?;

    println!("{} notes over {} s, {} one-shots of {} s; best of {RUNS} runs", PATTERN_MS / NOTE_EVERY_MS, PATTERN_MS / 1000, PADS, SAMPLE_SECONDS);
    println!("| voices | wasm-sampler-render | FluidSynth | ratio | ours, DSP native | most voices sounding (ours / FluidSynth) | audio rendered |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for voices in [64u32, 256] {
        let fs_out = dir.join(format!("fluidsynth-{voices}.wav"));
        let mut fs = Command::new("fluidsynth");
        fs.args(["-n", "-i", "-v", "-r", "48000", "-O", "float", "-T", "wav"]);
        fs.args(["-o", &format!("synth.polyphony={voices}"), "-o", "synth.reverb.active=0", "-o", "synth.chorus.active=0"]);
        fs.arg("-F").arg(&fs_out).arg(&sf2).arg(&midi);
        let (fs_time, log) = best(&mut fs)?;
        let fs_peak = fluidsynth_peak(&log);
        let fs_len = seconds(&fs_out)?;

        // FluidSynth renders on after the last note until its voices end;
        // ours renders the same length.
        let last_note = (PATTERN_MS - NOTE_EVERY_MS) as f64 / 1000.0;
        let tail = (fs_len - last_note).max(0.0);
        let kit_file = dir.join(format!("kit-{voices}.json"));
        std::fs::write(&kit_file, serde_json::to_vec_pretty(&kit(&wavs, voices))?)?;
        let ours_out = dir.join(format!("ours-{voices}.wav"));
        let stats = dir.join(format!("ours-{voices}.json"));
        let mut ours = Command::new(&render);
        ours.args(["--kit".as_ref(), kit_file.as_os_str(), "--midi".as_ref(), midi.as_os_str()]);
        ours.args(["--out".as_ref(), ours_out.as_os_str(), "--stats".as_ref(), stats.as_os_str()]);
        ours.args(["--rate", "48000", "--tail", &format!("{tail:.6}")]);
        let ours_time = best(&mut ours)?.0;
        // The same DSP compiled natively: what running it in wasm costs.
        let native_time = best(ours.args(["--engine", "native"]))?.0;
        let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&stats)?)?;
        let ours_peak = stats["peak_voices"].as_u64().context("the stats name no peak_voices")?;
        let ours_len = seconds(&ours_out)?;
        if (ours_len - fs_len).abs() > 0.01 {
            bail!("the renders differ in length: ours {ours_len:.3} s, FluidSynth {fs_len:.3} s");
        }
        println!(
            "| {voices} | {:.3} s | {:.3} s | {:.2}x | {:.3} s | {ours_peak} / {} | {fs_len:.2} s |",
            ours_time.as_secs_f64(),
            fs_time.as_secs_f64(),
            ours_time.as_secs_f64() / fs_time.as_secs_f64(),
            native_time.as_secs_f64(),
            fs_peak.map_or("?".to_string(), |p| p.to_string()),
        );
    }
    Ok(())
}

/// The fastest of `RUNS` runs of `cmd`, and that run's stdout and stderr.
fn best(cmd: &mut Command) -> Result<(Duration, String)> {
    let mut fastest: Option<(Duration, String)> = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
        let took = start.elapsed();
        if !out.status.success() {
            bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        if fastest.as_ref().is_none_or(|(t, _)| took < *t) {
            let log = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            fastest = Some((took, log));
        }
    }
    Ok(fastest.expect("RUNS > 0"))
}

/// The most active voices FluidSynth's verbose log reports: each `noteon`
/// line ends with the number of voices playing.
fn fluidsynth_peak(log: &str) -> Option<u64> {
    log.lines().filter(|l| l.contains("noteon")).filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok()).max()
}

/// A WAV file's length in seconds.
fn seconds(path: &Path) -> Result<f64> {
    let r = hound::WavReader::open(path).with_context(|| path.display().to_string())?;
    Ok(r.duration() as f64 / r.spec().sample_rate as f64)
}

/// Pad `i`'s one-shot: a decaying tone with a noise burst, 16-bit.
fn sample(i: u8) -> Vec<i16> {
    let frames = RATE * SAMPLE_SECONDS;
    let freq = 55.0 * (1.0 + i as f64 * 0.37);
    let mut noise = 0x1234_5678u32 ^ i as u32;
    (0..frames)
        .map(|n| {
            let t = n as f64 / RATE as f64;
            noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let white = (noise >> 8) as f64 / (1u32 << 24) as f64 * 2.0 - 1.0;
            let v = (t * freq * std::f64::consts::TAU).sin() * (-t * 1.5).exp() * 0.6 + white * (-t * 20.0).exp() * 0.3;
            (v * 32_767.0).round() as i16
        })
        .collect()
}

/// Pad `i`'s keys, `KEYS_PER_PAD` from `i * KEYS_PER_PAD`: each plays the
/// sample at its own pitch (ours: key tracking 0; the SoundFont: scale
/// tuning 0).
const KEYS_PER_PAD: u8 = 16;

/// The channels the pattern plays on: all but 10, FluidSynth's drum channel.
const CHANNELS: [u8; 15] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15];

/// Note `n` of the pattern: channel, key, velocity. The pads take turns;
/// the same channel and key come back only every 1920 notes (19.2 s), so
/// no synth ends a voice because its note is struck again (FluidSynth
/// releases a voice when its channel's key is played again).
fn note(n: u32) -> (u8, u8, u8) {
    let pad = (n % PADS as u32) as u8;
    let key = pad * KEYS_PER_PAD + (n / PADS as u32 % KEYS_PER_PAD as u32) as u8;
    let channel = CHANNELS[(n / (PADS as u32 * KEYS_PER_PAD as u32)) as usize % CHANNELS.len()];
    (channel, key, 64 + (n * 37 % 64) as u8)
}

/// The pattern as a Standard MIDI File: one note every `NOTE_EVERY_MS`,
/// no note-offs; 1 tick is 1 ms (1000 ticks per quarter note at 1 s per
/// quarter).
fn pattern() -> Result<Vec<u8>> {
    use midly::{num::*, Format, Header, MetaMessage, MidiMessage, Smf, Timing, Track, TrackEvent, TrackEventKind};
    let mut track: Track = vec![TrackEvent { delta: u28::new(0), kind: TrackEventKind::Meta(MetaMessage::Tempo(u24::new(1_000_000))) }];
    for n in 0..PATTERN_MS / NOTE_EVERY_MS {
        let (channel, key, vel) = note(n);
        let message = MidiMessage::NoteOn { key: u7::new(key), vel: u7::new(vel) };
        let delta = if n == 0 { 0 } else { NOTE_EVERY_MS };
        track.push(TrackEvent { delta: u28::new(delta), kind: TrackEventKind::Midi { channel: u4::new(channel), message } });
    }
    track.push(TrackEvent { delta: u28::new(NOTE_EVERY_MS), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) });
    let smf = Smf { header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(1000))), tracks: vec![track] };
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes)?;
    Ok(bytes)
}

/// Our kit file: pad `i` a one-shot over its keys playing `wavs[i]`, key
/// tracking off, every other setting the default.
fn kit(wavs: &[PathBuf], voices: u32) -> serde_json::Value {
    let pads: Vec<serde_json::Value> = wavs
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lo = i as u8 * KEYS_PER_PAD;
            serde_json::json!({
                "mapping": {"trigger": {"range": {"lo": lo, "hi": lo + KEYS_PER_PAD - 1}}, "mode": "one_shot", "velocity": [1, 127],
                            "choke_group": 0, "choked_by": null, "cc": null, "aftertouch_chokes": false},
                "samples": [{"file": w, "root_key": lo}],
                "settings": {"pitch_keytrack": 0.0, "gain_db": 0.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0,
                             "release": 0.01, "interpolation": "cubic"}
            })
        })
        .collect();
    serde_json::json!({"version": 6, "polyphony": voices, "embed_audio": false, "pads": pads})
}

/// A SoundFont 2.01 file: one preset whose instrument has one zone per
/// sample, pad `i`'s keys playing sample `i` at its own pitch, unlooped.
///
/// Written by hand: no maintained crate writes SoundFont files (the ones on
/// crates.io read them), and this needs only the fixed records of the
/// format's `pdta` chunk, each a few little-endian fields.
fn soundfont(samples: &[Vec<i16>]) -> Vec<u8> {
    // Generator numbers (SoundFont 2.01, section 8.1.2).
    const INSTRUMENT: u16 = 41;
    const KEY_RANGE: u16 = 43;
    const SAMPLE_ID: u16 = 53;
    const SAMPLE_MODES: u16 = 54;
    const SCALE_TUNING: u16 = 56;

    fn name(out: &mut Vec<u8>, s: &str) {
        let mut n = [0u8; 20];
        n[..s.len()].copy_from_slice(s.as_bytes());
        out.extend_from_slice(&n);
    }
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = id.to_vec();
        c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        c.extend_from_slice(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }
    fn list(kind: &[u8; 4], chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut body = kind.to_vec();
        for c in chunks {
            body.extend_from_slice(c);
        }
        chunk(b"LIST", &body)
    }

    let info = list(b"INFO", &[chunk(b"ifil", &[2, 0, 1, 0]), chunk(b"isng", b"EMU8000\0"), chunk(b"INAM", b"bench-peer\0\0")]);

    // Each sample followed by 46 zero frames, as the format requires.
    let (mut smpl, mut shdr) = (Vec::new(), Vec::new());
    for (i, s) in samples.iter().enumerate() {
        let start = (smpl.len() / 2) as u32;
        for &v in s {
            smpl.extend_from_slice(&v.to_le_bytes());
        }
        let end = start + s.len() as u32;
        smpl.extend_from_slice(&[0u8; 92]);
        name(&mut shdr, &format!("pad{i}"));
        for v in [start, end, start, end, RATE] {
            u32le(&mut shdr, v);
        }
        shdr.push(i as u8 * KEYS_PER_PAD); // original pitch
        shdr.push(0); // pitch correction
        u16le(&mut shdr, 0); // sample link
        u16le(&mut shdr, 1); // mono sample
    }
    name(&mut shdr, "EOS");
    shdr.extend_from_slice(&[0u8; 26]);
    let sdta = list(b"sdta", &[chunk(b"smpl", &smpl)]);

    // One preset with one zone: instrument 0.
    let mut phdr = Vec::new();
    name(&mut phdr, "Kit");
    for v in [0u16, 0, 0] {
        u16le(&mut phdr, v); // preset, bank, first bag
    }
    phdr.extend_from_slice(&[0u8; 12]);
    name(&mut phdr, "EOP");
    for v in [0u16, 0, 1] {
        u16le(&mut phdr, v);
    }
    phdr.extend_from_slice(&[0u8; 12]);
    let mut pbag = Vec::new();
    for v in [0u16, 0, 1, 0] {
        u16le(&mut pbag, v);
    }
    let mut pgen = Vec::new();
    for v in [INSTRUMENT, 0, 0, 0] {
        u16le(&mut pgen, v);
    }

    // The instrument: zone i plays sample i on its key.
    let (mut ibag, mut igen) = (Vec::new(), Vec::new());
    let mut gens = 0u16;
    for i in 0..samples.len() {
        u16le(&mut ibag, gens);
        u16le(&mut ibag, 0);
        let (lo, hi) = (i as u16 * KEYS_PER_PAD as u16, (i as u16 + 1) * KEYS_PER_PAD as u16 - 1);
        for (op, amount) in [(KEY_RANGE, lo | hi << 8), (SCALE_TUNING, 0), (SAMPLE_MODES, 0), (SAMPLE_ID, i as u16)] {
            u16le(&mut igen, op);
            u16le(&mut igen, amount);
            gens += 1;
        }
    }
    u16le(&mut ibag, gens);
    u16le(&mut ibag, 0);
    igen.extend_from_slice(&[0u8; 4]);
    let mut inst = Vec::new();
    name(&mut inst, "Pads");
    u16le(&mut inst, 0);
    name(&mut inst, "EOI");
    u16le(&mut inst, samples.len() as u16);

    let pdta = list(
        b"pdta",
        &[
            chunk(b"phdr", &phdr),
            chunk(b"pbag", &pbag),
            chunk(b"pmod", &[0u8; 10]),
            chunk(b"pgen", &pgen),
            chunk(b"inst", &inst),
            chunk(b"ibag", &ibag),
            chunk(b"imod", &[0u8; 10]),
            chunk(b"igen", &igen),
            chunk(b"shdr", &shdr),
        ],
    );
    let mut body = b"sfbk".to_vec();
    for part in [info, sdta, pdta] {
        body.extend_from_slice(&part);
    }
    chunk(b"RIFF", &body)
}
