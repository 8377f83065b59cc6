//! Every file type a sample library holds, made by real encoders from PCM
//! the test knows: lossless files play bit for bit and stay at their own
//! depth in the guest's memory, lossy files match ffmpeg's decode, the file
//! type comes from the content, embedded copies keep the original bytes,
//! and bad files give one line and change nothing.
//!
//! sox, flac and ffmpeg come from the system; without them these tests say
//! SKIPPED (CI installs them and sets WASM_SAMPLER_REQUIRE_AUDIO_TOOLS=1).

use crate::common;
use common::audio::*;
use common::*;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use wasm_sampler::decode::{FileKind, StoredFormat};
use wasm_sampler::kit::{Kit, Loop, LoopMode, LoopPoints, Mapping};
use wasm_sampler::DspBackend;

/// Integer values for `bits`: both extremes, zero, ±1, then a ramp mixed
/// with the test signal.
fn int_values(bits: u32, count: usize) -> Vec<i32> {
    let max = ((1i64 << (bits - 1)) - 1) as i32;
    let min = (-(1i64 << (bits - 1))) as i32;
    let mut v = vec![min, max, 0, 1, -1, min + 1, max - 1, 0];
    v.extend(signal(count, bits).iter().map(|&x| (x as f64 * max as f64) as i32));
    v
}

/// One lossless fixture: the file, what it should be stored as, and the
/// values it must play (interleaved).
struct Case {
    path: PathBuf,
    kind: FileKind,
    format: StoredFormat,
    channels: u16,
    values: Vec<f32>,
}

/// Loads `case` on pad 0 of a fresh engine of each kind and checks the
/// stored format, the bytes in memory, the decoded values and the neutral
/// playback of both channels, bit for bit; wasm and native must agree.
fn check(case: &Case) {
    let name = case.path.display().to_string();
    let mut renders = Vec::new();
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        e.set_mapping(0, Mapping::drum(36));
        let info = e.load_file(0, &case.path).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!((info.kind, info.format, info.channels), (Some(case.kind), case.format, case.channels), "{name}");
        let frames = case.values.len() / case.channels as usize;
        assert_eq!(info.frames as usize, frames, "{name}");
        assert_eq!(e.stats().sample_bytes, (case.values.len() * case.format.bytes_per_sample()) as u64, "{name}: bytes at the stored depth");
        assert_eq!(first_difference(&e.sample_data(0).unwrap(), &case.values), None, "{name}: decoded values");
        let out = render(&e, frames, info.sample_rate);
        let (l, r): (Vec<f32>, Vec<f32>) = if case.channels == 2 {
            (case.values.iter().step_by(2).copied().collect(), case.values.iter().skip(1).step_by(2).copied().collect())
        } else {
            (case.values.clone(), case.values.clone())
        };
        // Playback adds into silence, so -0.0 plays as 0.0.
        let (l, r): (Vec<f32>, Vec<f32>) = (l.iter().map(|v| v + 0.0).collect(), r.iter().map(|v| v + 0.0).collect());
        assert_eq!(first_difference(&out.left[..frames], &l), None, "{name}: left plays bit for bit");
        assert_eq!(first_difference(&out.right[..frames], &r), None, "{name}: right plays bit for bit");
        renders.push(out);
    }
    assert_identical(&renders[0], &renders[1], &format!("{name}: wasm and native"));
}

/// One note on pad 0 at the file's own rate (48 kHz, as the engine: no
/// resampling), the neutral path.
fn render(e: &Rig, frames: usize, rate: u32) -> wasm_sampler::cli::render::Rendered {
    assert_eq!(rate, 48_000, "fixtures are 48 kHz so playback is not resampled");
    render_fixed(e, &[note_on(0, 36, 1.0)], frames as u64 + 16, 256)
}

fn scaled(values: &[i32], bits: u32) -> Vec<f32> {
    values.iter().map(|&v| (v as f64 / (1u64 << (bits - 1)) as f64) as f32).collect()
}

#[test]
fn wav_variants_play_bit_exact_at_their_own_depth() {
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n);
    let mut cases = Vec::new();
    for (bits, format) in [(8u32, StoredFormat::I8), (16, StoredFormat::I16), (24, StoredFormat::I24), (32, StoredFormat::F32)] {
        for channels in [1u16, 2] {
            let mut values = int_values(bits, 1_001);
            values.truncate(values.len() / channels as usize * channels as usize);
            let bytes = if bits == 8 {
                values.iter().map(|&v| (v + 128) as u8).collect() // 8-bit WAV is unsigned
            } else {
                le_bytes(&values, bits as usize / 8)
            };
            let path = p(&format!("pcm{bits}_{channels}.wav"));
            RawWav::new(1, channels, 48_000, bits as u16, bytes.clone()).write(&path);
            let expected = if bits == 32 { values.iter().map(|&v| v as f32 / 2_147_483_648.0).collect() } else { scaled(&values, bits) };
            cases.push(Case { path, kind: FileKind::Wav, format, channels, values: expected.clone() });
            // The same audio as WAVE_FORMAT_EXTENSIBLE, with chunks (one of
            // odd size) before and after the data, as sample libraries have.
            let path = p(&format!("ext{bits}_{channels}.wav"));
            let mut wav = RawWav::new(1, channels, 48_000, bits as u16, bytes);
            wav.extensible = Some(1);
            wav.before = vec![(*b"bext", vec![0; 602]), (*b"junk", vec![7; 13]), (*b"LIST", b"INFOINAM\x05\0\0\0kick\0\0".to_vec())];
            wav.after = vec![(*b"smpl", vec![0; 36]), (*b"cue ", vec![0; 4]), (*b"odd!", vec![1; 3])];
            wav.write(&path);
            cases.push(Case { path, kind: FileKind::Wav, format, channels, values: expected });
        }
    }
    // Float: 32-bit as is, 64-bit rounded once to f32.
    let floats = [0.0f32, -0.0, 1.0, -1.0, 0.5, 1.5, -2.0, 1e-30, f32::MIN_POSITIVE, 0.333_333_34];
    let path = p("f32.wav");
    RawWav::new(3, 2, 48_000, 32, floats.iter().flat_map(|v| v.to_le_bytes()).collect()).write(&path);
    cases.push(Case { path, kind: FileKind::Wav, format: StoredFormat::F32, channels: 2, values: floats.to_vec() });
    let doubles = [0.1f64, -0.7, 1.0 / 3.0, 1e-40, -1.0, 0.25];
    let path = p("f64.wav");
    RawWav::new(3, 1, 48_000, 64, doubles.iter().flat_map(|v| v.to_le_bytes()).collect()).write(&path);
    cases.push(Case { path, kind: FileKind::Wav, format: StoredFormat::F32, channels: 1, values: doubles.iter().map(|&d| d as f32).collect() });
    for case in &cases {
        check(case);
    }
}

#[test]
fn aiff_flac_and_companded_wav_made_by_real_encoders_play_bit_exact() {
    if !audio_tools(&["sox", "flac", "ffmpeg"], "real encoders") {
        return;
    }
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n);
    let s = |path: &PathBuf| path.to_str().unwrap().to_string();
    let mut cases = Vec::new();
    for bits in [16u32, 24] {
        let format = StoredFormat::for_int_bits(bits);
        for channels in [1u16, 2] {
            let mut values = int_values(bits, 4_001);
            values.truncate(values.len() / channels as usize * channels as usize);
            let source = p(&format!("src{bits}_{channels}.wav"));
            write_int_wav(&source, 48_000, channels, bits as u16, &values);
            let expected = scaled(&values, bits);
            let tag = format!("{bits}_{channels}");
            // AIFF (big-endian) by sox; AIFF-C 'sowt' (little-endian) by ffmpeg.
            let aiff = p(&format!("{tag}.aiff"));
            tool(&["sox", &s(&source), &s(&aiff)]);
            cases.push(Case { path: aiff, kind: FileKind::Aiff, format, channels, values: expected.clone() });
            if bits == 16 {
                let sowt = p(&format!("{tag}.aifc"));
                tool(&["ffmpeg", "-v", "error", "-i", &s(&source), "-c:a", "pcm_s16le", "-f", "aiff", &s(&sowt)]);
                cases.push(Case { path: sowt, kind: FileKind::Aiff, format, channels, values: expected.clone() });
            }
            // FLAC by the reference encoder, at two compression levels.
            for level in ["-0", "-8"] {
                let flac = p(&format!("{tag}{level}.flac"));
                tool(&["flac", "--silent", level, "-o", &s(&flac), &s(&source)]);
                cases.push(Case { path: flac.clone(), kind: FileKind::Flac, format, channels, values: expected.clone() });
                // The same FLAC with its total-sample count unknown (0, as a
                // streaming encoder leaves it): the 36 bits from bit 4 of
                // byte 21 (after "fLaC", the block header and 10 bytes of
                // block and frame sizes, 20 bits of rate, 3 of channels, 5
                // of depth).
                let mut bytes = std::fs::read(&flac).unwrap();
                bytes[21] &= 0xf0;
                bytes[22..26].fill(0);
                let uncounted = p(&format!("{tag}{level}-uncounted.flac"));
                std::fs::write(&uncounted, bytes).unwrap();
                cases.push(Case { path: uncounted, kind: FileKind::Flac, format, channels, values: expected.clone() });
            }
        }
    }
    // AIFF-C with 32-bit float samples ('fl32').
    let floats: Vec<f32> = signal(3_000, 3);
    let source = p("float.wav");
    write_float_wav(&source, 48_000, 2, &floats);
    let fl32 = p("float.aifc");
    tool(&["ffmpeg", "-v", "error", "-i", &s(&source), "-c:a", "pcm_f32be", "-f", "aiff", &s(&fl32)]);
    cases.push(Case { path: fl32, kind: FileKind::Aiff, format: StoredFormat::F32, channels: 2, values: floats });
    // An AIFF named .wav loads as what it is.
    let disguised = p("really_aiff.wav");
    std::fs::copy(&cases[0].path, &disguised).unwrap();
    cases.push(Case { path: disguised, ..clone_case(&cases[0]) });
    for case in &cases {
        check(case);
    }

    // µ-law, A-law, IMA and Microsoft ADPCM WAVs (sox) decode to the 16-bit values
    // ffmpeg decodes them to, stored at 16 bits.
    let source = p("speechy.wav");
    write_int_wav(&source, 48_000, 1, 16, &int_values(16, 8_000));
    for (encoding, name) in [("u-law", "mulaw.wav"), ("a-law", "alaw.wav"), ("ima-adpcm", "ima.wav"), ("ms-adpcm", "msadpcm.wav")] {
        let path = p(name);
        tool(&["sox", &s(&source), "-e", encoding, &s(&path)]);
        let reference = ffmpeg_decode(&path, 1);
        let values: Vec<f32> = reference.iter().map(|&v| (v * 32_768.0).round() / 32_768.0).collect();
        assert_eq!(first_difference(&values, &reference), None, "{name}: ffmpeg's decode is 16-bit");
        check(&Case { path, kind: FileKind::Wav, format: StoredFormat::I16, channels: 1, values });
    }
}

fn clone_case(c: &Case) -> Case {
    Case { path: c.path.clone(), kind: c.kind, format: c.format, channels: c.channels, values: c.values.clone() }
}

#[test]
fn ogg_vorbis_and_mp3_match_ffmpegs_decode_gaplessly() {
    if !audio_tools(&["ffmpeg"], "lossy encoders") {
        return;
    }
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n);
    let s = |path: &PathBuf| path.to_str().unwrap().to_string();
    // 1.5 s of stereo at 44.1 kHz: a length that is no multiple of either
    // codec's frame, so padding shows if it is not removed.
    let frames = 66_150;
    let left = signal(frames, 21);
    let right = signal(frames, 22);
    let data: Vec<f32> = left.iter().zip(&right).flat_map(|(l, r)| [*l * 0.8, *r * 0.8]).collect();
    let source = p("lossy_source.wav");
    write_float_wav(&source, 44_100, 2, &data);
    for (name, codec, kind) in [("tone.ogg", "libvorbis", FileKind::Ogg), ("tone.mp3", "libmp3lame", FileKind::Mp3)] {
        let path = p(name);
        tool(&["ffmpeg", "-v", "error", "-i", &s(&source), "-c:a", codec, "-q:a", "2", &s(&path)]);
        let reference = ffmpeg_decode(&path, 2);
        for backend in KINDS {
            let e = engine(backend, 44_100.0);
            let info = e.load_file(0, &path).unwrap_or_else(|err| panic!("{err}"));
            assert_eq!((info.kind, info.format, info.channels, info.sample_rate), (Some(kind), StoredFormat::F32, 2, 44_100), "{name}");
            assert_eq!(info.frames as usize, reference.len() / 2, "{name}: same frame count as ffmpeg");
            assert_eq!(info.frames as usize, frames, "{name}: encoder delay and padding removed");
            let got = e.sample_data(0).unwrap();
            let snr = snr_db(&reference, &got);
            assert!(snr >= 60.0, "{name}: {snr:.1} dB against ffmpeg's decode");
            assert_eq!(e.stats().sample_bytes, frames as u64 * 2 * 4);
        }
    }
    // An MP3 without a Xing/Info tag: its length is only an estimate, so
    // nothing is trimmed and nothing is called truncated; every frame of
    // the source is there, after the encoder's delay.
    let plain = p("no_xing.mp3");
    tool(&["ffmpeg", "-v", "error", "-i", &s(&source), "-c:a", "libmp3lame", "-write_xing", "0", &s(&plain)]);
    let e = engine(DspBackend::Wasm, 44_100.0);
    let info = e.load_file(0, &plain).unwrap_or_else(|err| panic!("{err}"));
    assert!(info.frames as usize >= frames, "{} frames", info.frames);
    assert!((info.frames as usize) < frames + 3 * 1_152, "{} frames: at most the delay and the last frame's padding more", info.frames);
}

/// An ID3v2 tag in front of an MP3 or a FLAC is skipped without being
/// read, so a tag whose frame claims 2 GiB (symphonia's tag reader
/// allocated that much for a 34-byte fuzzed file) costs nothing, and the
/// audio after it loads exactly as it does without the tag.
#[test]
fn an_id3_tag_in_front_is_skipped_unread_even_when_its_frame_lies() {
    if !audio_tools(&["ffmpeg"], "MP3 and FLAC encoders") {
        return;
    }
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n);
    let s = |path: &PathBuf| path.to_str().unwrap().to_string();
    let data: Vec<f32> = signal(20_000, 31).iter().map(|v| v * 0.5).collect();
    let source = p("id3_source.wav");
    write_float_wav(&source, 48_000, 1, &data);
    // An ID3v2.3 tag of 64 bytes whose one frame says it holds
    // 0x8000000F bytes (v2.3 sizes are plain 32-bit numbers).
    let mut tag = b"ID3\x03\x00\x00\x00\x00\x00\x40TSSE\x80\x00\x00\x0f\x00\x00".to_vec();
    tag.resize(10 + 64, 0);
    for (name, args) in [("plain.mp3", &["-c:a", "libmp3lame", "-id3v2_version", "0"][..]), ("plain.flac", &["-c:a", "flac", "-sample_fmt", "s16"][..])] {
        let plain = p(name);
        let mut cmd = vec!["ffmpeg", "-v", "error", "-i"];
        let (src, out) = (s(&source), s(&plain));
        cmd.push(&src);
        cmd.extend_from_slice(args);
        cmd.push(&out);
        tool(&cmd);
        let tagged = p(&format!("tagged_{name}"));
        std::fs::write(&tagged, [tag.clone(), std::fs::read(&plain).unwrap()].concat()).unwrap();
        let e = engine(DspBackend::Wasm, 48_000.0);
        let want = e.load_file(0, &plain).unwrap_or_else(|err| panic!("{err}"));
        let got = e.load_file(1, &tagged).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!((got.kind, got.format, got.frames), (want.kind, want.format, want.frames), "{name}");
        assert_eq!(e.sample_data(1).unwrap(), e.sample_data(0).unwrap(), "{name}: the same audio");
    }
}

#[test]
fn a_trimmed_pad_plays_its_window_at_every_stored_depth() {
    // The window's start is found at the sample's own size (1, 2, 3 or 4
    // bytes a sample), mono and stereo.
    let dir = tempdir();
    for (bits, format) in [(8u32, StoredFormat::I8), (16, StoredFormat::I16), (24, StoredFormat::I24), (32, StoredFormat::F32)] {
        for channels in [1u16, 2] {
            let mut values = int_values(bits, 6_000);
            values.truncate(values.len() / channels as usize * channels as usize);
            let path = path_in(&dir, &format!("trim{bits}_{channels}.wav"));
            write_int_wav(&path, 48_000, channels, bits as u16, &values);
            let e = engine(DspBackend::Wasm, 48_000.0);
            e.set_mapping(0, Mapping::drum(36));
            assert_eq!(e.load_file(0, &path).unwrap().format, format);
            let (start, end) = (1_001usize, 2_500usize);
            e.set_window(0, start as u32, end as u32);
            let out = render(&e, end - start, 48_000);
            let full = if bits == 32 { values.iter().map(|&v| v as f32 / 2_147_483_648.0).collect() } else { scaled(&values, bits) };
            let ch = channels as usize;
            let left: Vec<f32> = (start..end).map(|f| full[f * ch] + 0.0).collect();
            let right: Vec<f32> = (start..end).map(|f| full[f * ch + ch - 1] + 0.0).collect();
            assert_eq!(first_difference(&out.left[..end - start], &left), None, "{bits}-bit, {channels} ch, left");
            assert_eq!(first_difference(&out.right[..end - start], &right), None, "{bits}-bit, {channels} ch, right");
            assert!(out.left[end - start..].iter().all(|&v| v == 0.0), "{bits}-bit: silence after the window");
        }
    }
}

#[test]
fn an_embedded_flac_is_saved_as_its_own_bytes_and_restores_bit_exact() {
    if !audio_tools(&["flac"], "a FLAC encoder") {
        return;
    }
    let dir = tempdir();
    let values = int_values(24, 3_000);
    let source = path_in(&dir, "src.wav");
    write_int_wav(&source, 48_000, 1, 24, &values);
    let flac = path_in(&dir, "bell.flac");
    tool(&["flac", "--silent", "-o", flac.to_str().unwrap(), source.to_str().unwrap()]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.set_embed_audio(true);
    e.load_file(0, &flac).unwrap();
    let flac_bytes = std::fs::read(&flac).unwrap();
    let json = e.to_json();
    let text = json.to_string();
    std::fs::remove_file(&flac).unwrap();

    let restored = engine(DspBackend::Wasm, 48_000.0);
    let (kit, warning) = Kit::from_json(&serde_json::from_str(&text).unwrap());
    assert_eq!(warning, None);
    let embedded = kit.pads[0].samples[0].embedded.as_ref().unwrap().bytes().unwrap();
    assert_eq!(embedded, flac_bytes, "the original FLAC bytes, not a re-encoding");
    restored.set_kit(kit);
    restored.load_kit(&AtomicBool::new(false), |_, err| panic!("{err}"));
    assert_eq!(restored.pads()[0].sample.as_ref().map(|s| s.info.format), Some(StoredFormat::I24));
    assert_eq!(first_difference(&restored.sample_data(0).unwrap(), &scaled(&values, 24)), None);
}

/// Every bad file: one line naming it, its region freed, pad 0 untouched.
#[test]
fn bad_files_of_every_format_give_one_line_and_change_nothing() {
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n);
    let s = |path: &PathBuf| path.to_str().unwrap().to_string();
    let mut cases: Vec<(PathBuf, &str)> = Vec::new();

    // Built by hand: sizes that lie, 0 Hz, 0 and 3 channels, an AIFF with
    // no sound data.
    let mut lying = RawWav::new(1, 1, 48_000, 16, vec![0; 200]);
    lying.data_len = Some(50_000_000);
    lying.write(&p("lying.wav"));
    cases.push((p("lying.wav"), "truncated"));
    RawWav::new(1, 1, 0, 16, vec![0; 200]).write(&p("zero_hz.wav"));
    cases.push((p("zero_hz.wav"), "0 Hz"));
    RawWav::new(1, 0, 48_000, 16, vec![0; 200]).write(&p("zero_channels.wav"));
    cases.push((p("zero_channels.wav"), "has 0 channels; only mono and stereo files are supported"));
    RawWav::new(1, 3, 48_000, 16, vec![0; 600]).write(&p("three.wav"));
    cases.push((p("three.wav"), "has 3 channels; only mono and stereo files are supported"));
    let mut aiff = b"FORM\0\0\0\x1eAIFFCOMM\0\0\0\x12\0\x01\0\0\0\x64\0\x10\x40\x0e\xbb\x80\0\0\0\0\0\0".to_vec();
    let form_size = (aiff.len() - 8) as u32;
    aiff[4..8].copy_from_slice(&form_size.to_be_bytes());
    std::fs::write(p("no_sound.aiff"), &aiff).unwrap();
    cases.push((p("no_sound.aiff"), "AIFF file with no sound data (no SSND chunk)"));
    // An AIFF whose COMM promises 500 million frames over 100 bytes of sound.
    let mut lying_aiff = aiff_with(&[0; 50], &[]);
    lying_aiff[22..26].copy_from_slice(&500_000_000u32.to_be_bytes()); // COMM frames
    std::fs::write(p("lying.aiff"), &lying_aiff).unwrap();
    cases.push((p("lying.aiff"), "truncated: the header promises 500000000 frames but the sound data holds 50"));
    let mut rf64 = RawWav::new(1, 1, 48_000, 16, vec![0; 20]).bytes();
    rf64[..4].copy_from_slice(b"RF64");
    std::fs::write(p("big.rf64.wav"), &rf64).unwrap();
    cases.push((p("big.rf64.wav"), "unsupported WAV variant (RF64/BW64"));

    if audio_tools(&["flac", "ffmpeg"], "bad FLAC, MP3 and Ogg files") {
        let source = p("src.wav");
        write_int_wav(&source, 48_000, 2, 16, &int_values(16, 40_000));
        // FLACs with one byte flipped: in the first frame, across the
        // audio, and in the last frame's CRC itself (each fails a frame CRC).
        let flac = p("good.flac");
        tool(&["flac", "--silent", "-o", &s(&flac), &s(&source)]);
        let good = std::fs::read(&flac).unwrap();
        // The first frame follows the metadata blocks (each: a last-block
        // flag and type byte, a 24-bit length, the body).
        let mut audio_start = 4;
        loop {
            let header = &good[audio_start..audio_start + 4];
            audio_start += 4 + u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
            if header[0] & 0x80 != 0 {
                break;
            }
        }
        assert_eq!(&good[audio_start..audio_start + 2], &[0xff, 0xf8], "a frame sync code starts the audio");
        for (k, at) in [audio_start + 40, good.len() / 3, good.len() / 2, good.len() * 4 / 5, good.len() - 1].into_iter().enumerate() {
            let mut bytes = good.clone();
            bytes[at] ^= 0x55;
            let name = format!("corrupt{k}.flac");
            std::fs::write(p(&name), &bytes).unwrap();
            cases.push((
                p(&name),
                if at == good.len() - 1 { "truncated or corrupt FLAC data: audio ends after" } else { "corrupt FLAC data: the frame at sample" },
            ));
        }
        // An MP3 cut in half.
        let mp3 = p("good.mp3");
        tool(&["ffmpeg", "-v", "error", "-i", &s(&source), "-c:a", "libmp3lame", &s(&mp3)]);
        let bytes = std::fs::read(&mp3).unwrap();
        std::fs::write(p("truncated.mp3"), &bytes[..bytes.len() / 2]).unwrap();
        cases.push((p("truncated.mp3"), "truncated"));
        // An Ogg Vorbis stream with its headers and no audio packets.
        let empty = p("empty.wav");
        write_int_wav(&empty, 48_000, 1, 16, &[]);
        tool(&["ffmpeg", "-v", "error", "-i", &s(&empty), "-c:a", "libvorbis", &s(&p("silent.ogg"))]);
        cases.push((p("silent.ogg"), "the Ogg stream ends before its last page"));
        // An Ogg Vorbis file cut in half: no last page.
        tool(&["ffmpeg", "-v", "error", "-i", &s(&source), "-c:a", "libvorbis", &s(&p("good.ogg"))]);
        let bytes = std::fs::read(p("good.ogg")).unwrap();
        std::fs::write(p("cut.ogg"), &bytes[..bytes.len() / 2]).unwrap();
        cases.push((p("cut.ogg"), "truncated or empty: the Ogg stream ends before its last page"));
    }

    let good = p("good.wav");
    write_float_wav(&good, 48_000, 1, &signal(2_000, 9));
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &good).unwrap();
    // The memory may have grown for the failed file (wasm memory never
    // shrinks); what is used, and by what, must not change.
    let state = |e: &Rig| (e.pads()[0].sample.clone(), e.stats().allocator.used, e.stats().allocator.regions);
    let memory = e.stats().memory_bytes;
    let (before, data) = (state(&e), e.sample_data(0).unwrap());
    for (path, reason) in &cases {
        let err = e.load_file(1, path).expect_err(&path.display().to_string());
        let line = err.to_string();
        assert!(line.starts_with(&path.display().to_string()), "{line}");
        assert!(line.contains(reason), "expected `{reason}` in `{line}`");
        assert!(!line.contains('\n'), "one line: {line:?}");
        assert_eq!(state(&e), before, "{line}: nothing else changed");
        assert!(e.sample_data(0).unwrap() == data, "{line}: pad 0's sample is intact");
        assert_eq!(e.pads().get(1).and_then(|p| p.sample.clone()), None);
    }
    // The lying headers were refused before any memory was reserved (the
    // others were small).
    assert!(e.stats().memory_bytes < memory + (8 << 20), "memory grew to {}", e.stats().memory_bytes);
}

/// An AIFF of 16-bit mono `values` at 48 kHz, with `extra` chunks after
/// the sound data.
fn aiff_with(values: &[i16], extra: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"AIFF".to_vec();
    let mut chunk = |id: &[u8; 4], bytes: &[u8]| {
        body.extend(id);
        body.extend((bytes.len() as u32).to_be_bytes());
        body.extend(bytes);
        if bytes.len() % 2 == 1 {
            body.push(0);
        }
    };
    let mut comm = vec![0, 1];
    comm.extend((values.len() as u32).to_be_bytes());
    comm.extend([0, 16, 0x40, 0x0e, 0xbb, 0x80, 0, 0, 0, 0, 0, 0]);
    chunk(b"COMM", &comm);
    let mut ssnd = vec![0u8; 8];
    ssnd.extend(values.iter().flat_map(|v| v.to_be_bytes()));
    chunk(b"SSND", &ssnd);
    for (id, bytes) in extra {
        chunk(id, bytes);
    }
    let mut out = b"FORM".to_vec();
    out.extend((body.len() as u32).to_be_bytes());
    out.extend(body);
    out
}

#[test]
fn root_notes_and_loops_marked_in_the_file_are_kept_with_the_pad() {
    let dir = tempdir();
    let values: Vec<i32> = (0..4_000).map(|i| (i % 200) - 100).collect();
    // WAV: smpl with unity note 62 and a loop over frames 1000..=2999.
    let mut smpl = vec![0u8; 36];
    smpl[12..16].copy_from_slice(&62u32.to_le_bytes());
    smpl[28..32].copy_from_slice(&1u32.to_le_bytes());
    smpl.extend([0u8; 8]);
    smpl.extend(1_000u32.to_le_bytes());
    smpl.extend(2_999u32.to_le_bytes());
    smpl.extend([0u8; 8]);
    let mut wav = RawWav::new(1, 1, 48_000, 16, le_bytes(&values, 2));
    wav.after = vec![(*b"smpl", smpl)];
    let wav_path = path_in(&dir, "looped.wav");
    wav.write(&wav_path);
    // AIFF: INST with base note 48 and a sustain loop between markers at
    // frames 500 and 1500.
    let inst = vec![48, 0, 0, 127, 1, 127, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0];
    let mut mark = vec![0, 2];
    mark.extend([0, 1, 0, 0, 0x01, 0xf4, 0, 0]);
    mark.extend([0, 2, 0, 0, 0x05, 0xdc, 0, 0]);
    let samples: Vec<i16> = values.iter().map(|&v| v as i16).collect();
    let aiff_path = path_in(&dir, "looped.aif");
    std::fs::write(&aiff_path, aiff_with(&samples, &[(b"INST", inst), (b"MARK", mark)])).unwrap();

    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &wav_path).unwrap();
    e.load_file(1, &aiff_path).unwrap();
    let kit = e.kit();
    let wav_params = kit.pads[0].samples[0].params;
    assert_eq!((wav_params.root_key, wav_params.file_loop), (62, Some(LoopPoints { start: 1_000, end: 3_000 })));
    let aiff_params = kit.pads[1].samples[0].params;
    assert_eq!((aiff_params.root_key, aiff_params.file_loop), (48, Some(LoopPoints { start: 500, end: 1_500 })));
    // Saved with the project and read back.
    let (restored, warning) = Kit::from_json(&e.to_json());
    assert_eq!(warning, None);
    assert_eq!(restored.pads[0].samples[0].params.file_loop, wav_params.file_loop);
    assert_eq!(restored.pads[1].samples[0].params.root_key, 48);
    // A file without metadata keeps the pad's default root and no loop.
    let plain = path_in(&dir, "plain.wav");
    write_int_wav(&plain, 48_000, 1, 16, &values);
    e.load_file(2, &plain).unwrap();
    assert_eq!(e.kit().pads[2].samples[0].params.file_loop, None);
    // The sample's loop starts off, at the file's points; turned on, it
    // plays them: after frame 3 000 the output repeats every 2 000 frames.
    assert_eq!(wav_params.looping, Loop { start: 1_000, end: 3_000, ..Loop::default() });
    let one_shot = render_fixed(&e, &[note_on(0, 36, 1.0)], 5_000, 512).left;
    assert!(one_shot[4_000..].iter().all(|&v| v == 0.0), "off: the sample plays once");
    e.store.edit(0, |p| p.samples[0].params.looping.mode = LoopMode::Forward).unwrap();
    let looped = render_fixed(&e, &[note_on(0, 36, 1.0)], 9_000, 512).left;
    assert_eq!(first_difference(&looped[3_000..], &looped[1_000..7_000]), None);
}
