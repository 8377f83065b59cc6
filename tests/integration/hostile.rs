//! Hostile input never crashes, hangs or allocates without bound, and
//! loses nothing: every way in that opens a file the user named (a sample,
//! a drop, a kit file, an SFZ and its includes, a MIDI file, a guest
//! module) refuses directories, devices that read without end
//! (`/dev/zero`) and pipes that would block the opening thread for ever,
//! with one line naming the file; and kit state that is random bytes,
//! truncated, of the wrong types, out of range or enormous gives the
//! default kit and one line. The pads already loaded play on.

use crate::common;
use common::*;

use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use wasm_sampler::kit::Kit;
use wasm_sampler::DspBackend;

/// Runs `f` on its own thread and gives its result, failing the test if it
/// takes more than 20 s (a blocked open would otherwise hang the suite).
fn within_time<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("{what} did not return within 20 s"))
}

/// A FIFO nobody writes to (opening it for reading would block).
#[cfg(unix)]
fn fifo(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    let path = path_in(dir, name);
    let made = Command::new("mkfifo").arg(&path).status().expect("mkfifo runs");
    assert!(made.success());
    path
}

/// Paths that are not regular files, with the reason each must give.
fn special_files(dir: &tempfile::TempDir) -> Vec<(PathBuf, &'static str)> {
    let folder = path_in(dir, "folder.wav");
    std::fs::create_dir_all(&folder).unwrap();
    #[allow(unused_mut)]
    let mut cases = vec![(folder, "is a directory, not a file")];
    #[cfg(unix)]
    {
        cases.push((PathBuf::from("/dev/zero"), "is not a regular file (a device, pipe or socket)"));
        cases.push((fifo(dir, "pipe.wav"), "is not a regular file (a device, pipe or socket)"));
    }
    cases
}

#[test]
fn samples_that_are_devices_pipes_or_folders_are_refused_at_once_and_the_loaded_pad_plays_on() {
    let dir = tempdir();
    let good = path_in(&dir, "good.wav");
    let data = signal(2_000, 21);
    write_float_wav(&good, 48_000, 1, &data);
    for (path, reason) in special_files(&dir) {
        for embed in [false, true] {
            let good = good.clone();
            let (rig_err, rendered) = within_time(&format!("loading {}", path.display()), {
                let path = path.clone();
                move || {
                    let rig = engine(DspBackend::Wasm, 48_000.0);
                    rig.load_file(0, &good).unwrap();
                    rig.set_embed_audio(embed);
                    let err = rig.load_file(0, &path).unwrap_err().to_string();
                    (err, render_fixed(&rig, &[note_on(0, 36, 1.0)], 2_000, 256).left)
                }
            });
            assert_eq!(rig_err, format!("{}: {reason}", path.display()), "embed {embed}");
            assert_eq!(first_difference(&rendered, &data), None, "the pad plays its sample on");
        }
        // The editor's check of a drop, before anything loads.
        let check = within_time("the drop check", {
            let path = path.clone();
            move || wasm_sampler::editor::model::is_audio_file(&path)
        });
        assert!(check.is_err(), "{}", path.display());
    }
}

#[test]
fn kit_sfz_midi_and_guest_files_that_are_not_regular_files_end_the_cli_with_one_line() {
    let dir = tempdir();
    let out = path_in(&dir, "out.wav");
    for (path, reason) in special_files(&dir) {
        let p = path.display().to_string();
        let cases: Vec<Vec<String>> = vec![
            vec!["--kit".into(), p.clone(), "--midi".into(), "/nonexistent.mid".into()],
            vec!["--demo".into(), "--midi".into(), p.clone()],
            vec!["--demo".into(), "--guest".into(), p.clone()],
        ];
        for mut args in cases {
            args.extend(["--out".to_string(), out.display().to_string()]);
            let o =
                within_time(&format!("the CLI with {args:?}"), move || Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render")).args(&args).output().unwrap());
            assert_eq!(o.status.code(), Some(1));
            let text = String::from_utf8_lossy(&o.stderr).to_string();
            assert_eq!(text.lines().count(), 1, "{text}");
            assert!(text.contains(&format!("{p}: {reason}")), "{text}");
        }
    }
}

#[cfg(unix)]
#[test]
fn an_sfz_including_a_pipe_is_refused_with_its_name() {
    let dir = tempdir();
    let pipe = fifo(&dir, "pipe.sfz");
    let sfz = path_in(&dir, "kit.sfz");
    std::fs::write(&sfz, "#include \"pipe.sfz\"\n<region> sample=a.wav key=36\n").unwrap();
    let named = sfz.display().to_string();
    let err = within_time("reading the SFZ", move || wasm_sampler::kit::sfz::read(&sfz).map(|_| ()).unwrap_err());
    assert_eq!(err, format!("{named}:1: #include \"pipe.sfz\": is not a regular file (a device, pipe or socket)"));
    // Named as the kit itself, the pipe is refused the same way.
    let err = within_time("reading the pipe as an SFZ", move || wasm_sampler::kit::sfz::read(&pipe).map(|_| ()).unwrap_err());
    assert!(err.ends_with(": is not a regular file (a device, pipe or socket)"), "{err}");
}

/// Kit state as a DAW might hand it back after corruption: each gives the
/// default kit and one line, never a panic.
#[test]
fn hostile_kit_state_gives_the_default_kit_and_one_line() {
    let pad = |settings: &str, trigger: &str| {
        format!(
            r#"{{"version":6,"embed_audio":false,"pads":[{{"mapping":{{"trigger":{trigger},"velocity":[1,127],"mode":"one_shot","choke_group":0}},"settings":{settings},"samples":[]}}]}}"#
        )
    };
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let long_name = format!(r#"{{"version":6,"embed_audio":false,"pads":[],"name":"{}"}}"#, "x".repeat(10 << 20));
    let cases: Vec<(&str, String)> = vec![
        ("truncated", r#"{"version":6,"embed_audio":false,"pads":[{"mapping":"#.into()),
        ("wrong types", r#"{"version":"six","embed_audio":"no","pads":{}}"#.into()),
        ("pads not a list", r#"{"version":6,"embed_audio":false,"pads":7}"#.into()),
        ("infinite gain", pad(r#"{"gain_db":1e999}"#, r#"{"note":36}"#)),
        ("huge gain", pad(r#"{"gain_db":1e30}"#, r#"{"note":36}"#)),
        ("note 500", pad("{}", r#"{"note":500}"#)),
        ("negative range", pad("{}", r#"{"range":{"lo":60,"hi":-5}}"#)),
        ("polyphony 0", r#"{"version":6,"embed_audio":false,"polyphony":0,"pads":[]}"#.into()),
        ("deep nesting", format!(r#"{{"version":6,"embed_audio":false,"pads":{deep}}}"#)),
        ("a million pads", format!(r#"{{"version":6,"embed_audio":false,"pads":[{}]}}"#, vec!["{}"; 1_000_000].join(","))),
    ];
    for (what, text) in cases {
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            // Not JSON at all: what the plugin's state reader gets then.
            Err(_) => serde_json::Value::String(text.chars().take(64).collect()),
        };
        let (kit, why) = Kit::from_json(&value);
        assert_eq!(kit, Kit::default(), "{what}");
        let why = why.unwrap_or_else(|| panic!("{what}: no reason given"));
        assert_eq!(why.lines().count(), 1, "{what}: {why}");
    }
    // A 10 MB string the kit does not know is ignored: an empty kit, no reason.
    let (kit, why) = Kit::from_json(&serde_json::from_str(&long_name).unwrap());
    assert_eq!((kit, why), (Kit::default(), None));
}

/// Random bytes as state: whatever JSON they parse to (most do not), the
/// kit reader never panics and says why it gave the default kit.
#[test]
fn random_bytes_as_kit_state_never_panic() {
    let mut x = 0x9e37_79b9u32;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let alphabet = br#"{}[],:"0123456789.-e truefalsnul version pads mapping settings samples"#;
    for _ in 0..20_000 {
        let len = (next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| alphabet[next() as usize % alphabet.len()]).collect();
        let value = serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or(serde_json::Value::Null);
        let (kit, why) = Kit::from_json(&value);
        if why.is_some() {
            assert_eq!(kit, Kit::default());
        }
    }
}

/// The decoder regressions are over-allocations as well: refused in one
/// line is not enough if memory grew first (the MP3 that hid a FLAC stream
/// took the command line to 3.1 GB before it was refused, in the same one
/// line). Each is given to the command line, and the child's peak resident
/// memory, as the kernel counts it, must stay far below what the bugs took
/// (about 21 MB after the fixes; a plain demo render peaks near 24 MB).
#[cfg(target_os = "linux")]
#[test]
fn what_fuzzing_found_is_refused_without_growing_memory() {
    const LIMIT_KIB: i64 = 256 * 1024;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/decode");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for path in files {
        let (status, peak_kib, err) = sample_with_peak(&path);
        assert_eq!((status, err.lines().count()), (1, 1), "{}: {err}", path.display());
        assert!(peak_kib < LIMIT_KIB, "{}: the command line peaked at {peak_kib} KiB", path.display());
    }
}

/// Ogg headers that claim more than their packet holds: an Ogg Vorbis and
/// an Ogg FLAC file made by ffmpeg, each with its first comment's length
/// set to 4 026 531 840 bytes and the page checksum made right again (so
/// the reader takes the page). symphonia allocated the claimed length (3.9
/// GB for the Vorbis file, which then loaded); now each is refused in one
/// line, and the command line's peak memory stays small.
#[cfg(target_os = "linux")]
#[test]
fn ogg_comments_that_claim_more_than_their_packet_are_refused_without_growing_memory() {
    if !common::audio::audio_tools(&["ffmpeg"], "Ogg encoders") {
        return;
    }
    let dir = tempdir();
    let source = path_in(&dir, "ogg_source.wav");
    write_float_wav(&source, 48_000, 1, &[0.25; 4_800]);
    for (name, codec) in [("lying.ogg", "libvorbis"), ("lying_flac.oga", "flac")] {
        let made = path_in(&dir, name);
        common::audio::tool(&["ffmpeg", "-v", "error", "-i", source.to_str().unwrap(), "-c:a", codec, "-f", "ogg", made.to_str().unwrap()]);
        let mut bytes = std::fs::read(&made).unwrap();
        lie_in_first_comment(&mut bytes);
        std::fs::write(&made, &bytes).unwrap();
        let err = wasm_sampler::decode::AudioFile::open(&made).err().unwrap_or_else(|| panic!("{name}: accepted")).to_string();
        assert_eq!(err, format!("{}: corrupt Ogg header: header packet 1: a comment runs past its block", made.display()));
        let (status, peak_kib, _) = sample_with_peak(&made);
        assert_eq!(status, 1, "{name}");
        assert!(peak_kib < 256 * 1024, "{name}: the command line peaked at {peak_kib} KiB");
    }
}

/// Sets the first comment's length in the Ogg file's second page (its
/// comment header: Vorbis `\x03vorbis`, or a FLAC metadata block) to
/// 0xF000_0000 and recomputes that page's checksum.
#[cfg(target_os = "linux")]
fn lie_in_first_comment(ogg: &mut [u8]) {
    let page = 4 + ogg[4..].windows(4).position(|w| w == b"OggS").expect("a second page");
    let segments = ogg[page + 26] as usize;
    let body = page + 27 + segments;
    let length: usize = ogg[page + 27..body].iter().map(|&l| l as usize).sum();
    let comment = if ogg[body..].starts_with(b"\x03vorbis") { body + 7 } else { body + 4 };
    let vendor = u32::from_le_bytes(ogg[comment..comment + 4].try_into().unwrap()) as usize;
    let first = comment + 4 + vendor + 4;
    assert!(u32::from_le_bytes(ogg[first - 4..first].try_into().unwrap()) >= 1, "the encoder wrote a comment");
    ogg[first..first + 4].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    ogg[page + 22..page + 26].fill(0);
    let mut crc = 0u32;
    for &b in &ogg[page..body + length] {
        crc ^= (b as u32) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04c1_1db7 } else { crc << 1 };
        }
    }
    ogg[page + 22..page + 26].copy_from_slice(&crc.to_le_bytes());
}

/// Runs the command line with the demo and `sample` on note 60; gives its
/// exit code, its peak resident memory in KiB and what it wrote on stderr.
#[cfg(target_os = "linux")]
fn sample_with_peak(sample: &std::path::Path) -> (i32, i64, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render"))
        .args(["--demo", "--sample", &format!("60={}", sample.display()), "--out", "unused.wav"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    let (status, peak_kib) = wait_with_peak(child);
    (status, peak_kib, err)
}

/// Waits for `child` and gives its exit code and peak resident memory in
/// KiB (`wait4`'s `ru_maxrss`: that child's alone, unlike `getrusage`).
#[cfg(target_os = "linux")]
fn wait_with_peak(child: std::process::Child) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: all-zero bytes are a valid `rusage` (plain integers).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child` is our own unwaited child, and both pointers are to
    // live locals of the types wait4 writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(libc::WIFEXITED(status), "the command line did not exit normally ({status:#x})");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

/// The inputs the fuzz targets (`fuzz/`) found problems with, kept in
/// `tests/fuzz_regressions/<target>/` and replayed: each ends in one line,
/// as the target demands. The decoder's: a 312-byte FLAC whose comment
/// block claimed 2.9 billion comments (symphonia then allocated over
/// 2 GiB), and an MP3 on which symphonia's demuxer overflows a subtraction
/// (a panic the decoder guard turns into the file's error), and a 1274-byte
/// MP3 with a FLAC stream further in, on whose comment block symphonia's
/// probe allocated 3 GB (now each file is probed only as the kind it was
/// checked as), and a 34-byte MP3 whose ID3v2 frame claimed 2 GiB, which
/// symphonia's tag reader allocated (kept as found, and padded so its tag
/// is whole; tags are now skipped unread), and a 133-byte FLAC whose
/// picture block claimed a 4 GiB media type; the MIDI
/// reader's: a header on which midly overflows a negation; the kit
/// state's: a value quoted with a line break in it.
#[test]
fn what_fuzzing_found_is_refused_in_one_line() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let files = |target: &str| {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(target)).unwrap().map(|e| e.unwrap().path()).collect();
        found.sort();
        assert!(!found.is_empty(), "{target}: no regression files");
        found
    };
    for path in files("decode") {
        let bytes = std::fs::read(&path).unwrap();
        let err = within_time("decoding a fuzz regression", move || wasm_sampler::decode::AudioFile::from_bytes(std::path::Path::new("x.flac"), bytes).err());
        let err = err.unwrap_or_else(|| panic!("{}: accepted", path.display())).to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let flac = std::fs::read(root.join("decode/flac-comment-count-oom.flac")).unwrap();
    let err = wasm_sampler::decode::AudioFile::from_bytes(std::path::Path::new("x.flac"), flac).err().unwrap().to_string();
    assert_eq!(err, "x.flac: corrupt FLAC metadata: block 1: 2880730701 comments cannot fit in 68 bytes");
    let picture = std::fs::read(root.join("decode/flac-picture-length-oom.flac")).unwrap();
    let err = wasm_sampler::decode::AudioFile::from_bytes(std::path::Path::new("x.flac"), picture).err().unwrap().to_string();
    assert_eq!(err, "x.flac: corrupt FLAC metadata: block 0: the picture's media type runs past its block");
    for path in files("midi") {
        let err = wasm_sampler::cli::midi::parse_midi(&std::fs::read(&path).unwrap()).err().unwrap_or_else(|| panic!("{}: accepted", path.display()));
        assert!(err.starts_with("not a valid Standard MIDI File") && err.lines().count() == 1, "{err}");
    }
    // Through the command line too: one line, though the reader panicked
    // inside (caught) in a debug build; a release build (Windows CI) wraps
    // instead of panicking and refuses the file on its own terms.
    for (flag, file) in [("--midi", "midi/smpte-negate-overflow.mid"), ("--sample", "decode/mp3-demuxer-subtract-overflow.mp3")] {
        let path = root.join(file).display().to_string();
        let value = if flag == "--sample" { format!("60={path}") } else { path.clone() };
        let o = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render")).args(["--demo", flag, &value, "--out", "unused.wav"]).output().unwrap();
        let text = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!((o.status.code(), text.lines().count()), (Some(1), 1), "{text}");
        // Named (on Windows as an absolute path of its own spelling).
        let name = std::path::Path::new(file).file_name().unwrap().to_string_lossy().to_string();
        assert!(text.contains(&name), "{text}");
    }
    for path in files("kit_state") {
        let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap_or_default();
        let (kit, why) = Kit::from_json(&value);
        let why = why.unwrap_or_else(|| panic!("{}: accepted", path.display()));
        assert_eq!((kit, why.lines().count()), (Kit::default(), 1), "{why}");
    }
}

/// A restored kit whose embedded audio is not audio: text, base64 that does
/// not decode, and a WAV cut inside its header. Each such pad gets one line
/// naming it (its file's name, as the project remembers it) and stays
/// empty; the pad whose embedded WAV is good loads from its bytes (its file
/// is gone) and plays them exactly.
#[test]
fn embedded_audio_that_is_not_audio_costs_only_its_own_pad() {
    use wasm_sampler::kit::{EmbeddedAudio, SampleParams, SampleRecord};
    let dir = tempdir();
    let good = path_in(&dir, "good.wav");
    let values: Vec<f32> = (0..2_000).map(|i| ((i % 50) as f32 - 25.0) / 64.0).collect();
    write_float_wav(&good, 48_000, 1, &values);
    let wav = std::fs::read(&good).unwrap();
    std::fs::remove_file(&good).unwrap();
    let bad: [(&str, EmbeddedAudio); 3] = [
        ("notes.wav", EmbeddedAudio::new("notes.wav", b"these are my notes, not audio")),
        ("garbled.wav", EmbeddedAudio { name: "garbled.wav".into(), base64: "!!! not base64 !!!".into() }),
        ("cut.wav", EmbeddedAudio::new("cut.wav", &wav[..30])),
    ];
    let mut kit = Kit::default();
    let record = |file: PathBuf, embedded: EmbeddedAudio| SampleRecord { file, params: SampleParams::whole(36), embedded: Some(embedded) };
    kit.pad_mut(0).samples.push(record(good.clone(), EmbeddedAudio::new("good.wav", &wav)));
    for (i, (name, embedded)) in bad.iter().enumerate() {
        kit.pad_mut(i + 1).samples.push(record(path_in(&dir, name), embedded.clone()));
    }
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.set_kit(kit);
    let mut errors = Vec::new();
    e.load_kit(&std::sync::atomic::AtomicBool::new(false), |pad, err| errors.push((pad, err.to_string())));
    assert_eq!(errors.iter().map(|(pad, _)| *pad).collect::<Vec<_>>(), vec![1, 2, 3], "{errors:?}");
    for ((_, err), (name, _)) in errors.iter().zip(&bad) {
        assert!(err.contains(name) && err.lines().count() == 1, "{err}");
    }
    assert!(errors[1].1.contains("embedded audio is corrupt"), "{}", errors[1].1);
    let pads = e.pads();
    assert!(pads[1..4].iter().all(|p| p.sample.is_none()), "the bad pads stay empty");
    assert_eq!(first_difference(&e.sample_data(0).unwrap(), &values), None, "the good pad plays its embedded bytes");
}
