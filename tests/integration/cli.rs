//! `wasm-sampler-render`, run as a program: the demo, samples, kit files
//! and MIDI files from disk, engine and block-size options, stats, and every
//! bad input ending in one line and a non-zero exit code.

use crate::common;
use common::*;

use std::path::Path;
use std::process::{Command, Output};

use midly::num::{u15, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use wasm_sampler::cli::midi::read_midi_file;
use wasm_sampler::cli::render::{length_for, render, to_frames, Blocks};
use wasm_sampler::kit::{FilterSettings, FilterSlope, FilterType, Interpolation, Loop, LoopMode, PadSettings};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render")).args(args).output().unwrap()
}

fn read_stereo(path: &Path) -> (hound::WavSpec, Vec<f32>, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let s: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    (spec, s.iter().step_by(2).copied().collect(), s.iter().skip(1).step_by(2).copied().collect())
}

/// A format 1 MIDI file: 120 BPM, 480 ticks per beat, notes (tick, key).
pub(crate) fn write_midi(path: &Path, notes: &[(u32, u8)]) {
    let ev = |delta: u32, kind| TrackEvent { delta: u28::new(delta), kind };
    let tempo = vec![ev(0, TrackEventKind::Meta(MetaMessage::Tempo(500_000.into()))), ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack))];
    let mut track = Vec::new();
    let mut last = 0;
    for &(tick, key) in notes {
        let on = MidiMessage::NoteOn { key: u7::new(key), vel: u7::new(127) };
        track.push(ev(tick - last, TrackEventKind::Midi { channel: u4::new(9), message: on }));
        last = tick;
    }
    track.push(ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
    let smf = Smf { header: Header::new(Format::Parallel, Timing::Metrical(u15::new(480))), tracks: vec![tempo, track] };
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(text.lines().count(), 1, "exactly one line on stderr, got {text:?}");
    assert!(!text.contains("panicked") && !text.contains("backtrace") && !text.contains("RUST_BACKTRACE"), "{text}");
    text
}

#[test]
fn demo_renders_a_float_stereo_wav_and_writes_stats() {
    let dir = tempdir();
    let (wav, stats) = (path_in(&dir, "demo.wav"), path_in(&dir, "stats.json"));
    let out = run(&["--demo", "--out", wav.to_str().unwrap(), "--stats", stats.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (spec, l, r) = read_stereo(&wav);
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample, spec.sample_format), (2, 48_000, 32, hound::SampleFormat::Float));
    assert!(l.iter().chain(&r).any(|s| s.abs() > 0.2));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["frames"].as_u64().unwrap(), l.len() as u64);
    for key in ["render_wall_seconds", "realtime_factor", "peak_voices", "sample_bytes", "memory_bytes"] {
        assert!(json[key].as_f64().unwrap() > 0.0, "{key} in {json}");
    }
    for key in ["used", "free", "largest_free", "fragmentation", "pages"] {
        assert!(json["allocator"][key].is_number(), "allocator.{key} in {json}");
    }
    assert_eq!(json["engine"], "wasm");
    assert_eq!(json["module_source"], "precompiled");
}

#[test]
fn samples_and_a_midi_file_render_bit_exactly_with_any_engine_and_block_size() {
    let dir = tempdir();
    let (kick, snare, mid) = (path_in(&dir, "kick.wav"), path_in(&dir, "snare.wav"), path_in(&dir, "beat.mid"));
    let (k, s) = (signal(3_000, 1), signal(2_000, 2));
    write_float_wav(&kick, 48_000, 1, &k);
    write_float_wav(&snare, 48_000, 1, &s);
    // Beat 1 (0.5 s = frame 24000): kick; beat 2 (1.0 s = 48000): snare.
    write_midi(&mid, &[(480, 36), (960, 38)]);
    let mut files = Vec::new();
    for (engine, block) in [("wasm", "256"), ("native", "256"), ("wasm", "1"), ("wasm", "4096")] {
        let wav = path_in(&dir, &format!("out-{engine}-{block}.wav"));
        let out = run(&[
            "--sample",
            &format!("36={}", kick.display()),
            "--sample",
            &format!("38={}", snare.display()),
            "--midi",
            mid.to_str().unwrap(),
            "--engine",
            engine,
            "--block",
            block,
            "--tail",
            "0.5",
            "--out",
            wav.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        files.push(std::fs::read(&wav).unwrap());
        let (_, l, r) = read_stereo(&wav);
        assert_eq!(l.len(), 48_001 + 24_000, "last event + 1 frame + 0.5 s tail");
        let mut expected = vec![0.0f32; l.len()];
        expected[24_000..27_000].copy_from_slice(&k);
        expected[48_000..50_000].copy_from_slice(&s);
        assert_eq!(first_difference(&l, &expected), None);
        assert_eq!(first_difference(&r, &expected), None);
    }
    assert!(files.windows(2).all(|w| w[0] == w[1]), "identical files for every engine and block size");
}

#[test]
fn bad_flags_and_bad_files_exit_non_zero_with_one_line() {
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n).display().to_string();
    std::fs::write(p("text.wav"), "not audio").unwrap();
    std::fs::write(p("bad.mid"), "MThd garbage").unwrap();
    std::fs::write(p("text.wasm"), "not wasm").unwrap();
    write_float_wav(&path_in(&dir, "ok.wav"), 48_000, 1, &[0.5; 10]);
    let out = p("out.wav");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--demo".into()], "--out OUT.wav or --out-dir DIR is required"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--polyphony".into(), "0".into()], "--polyphony 0: expected a voice count from 1 to 1024"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--polyphony".into(), "2000".into()], "--polyphony 2000"),
        (vec!["--out".into(), out.clone()], "nothing to play"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--bogus".into()], "--bogus"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--rate".into(), "fast".into()], "--rate fast"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--block".into(), "0".into()], "--block 0"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--engine".into(), "gpu".into()], "--engine gpu"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--quality".into(), "best".into()], "--quality best: expected cubic, linear or sinc"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--memory".into(), "8".into()], "--memory 8: expected MiB from 16 to 4095"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--sample".into(), "kick.wav".into()], "expected NOTE=PATH"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--sample".into(), "200=x.wav".into()], "0-127"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--sample".into(), format!("36={}", p("missing.wav"))], "missing.wav: file not found"),
        (
            vec!["--demo".into(), "--out".into(), out.clone(), "--sample".into(), format!("36={}", p("text.wav"))],
            "text.wav: not an audio file the sampler reads",
        ),
        (vec!["--out".into(), out.clone(), "--midi".into(), p("bad.mid")], "bad.mid: not a valid Standard MIDI File"),
        (vec!["--out".into(), out.clone(), "--midi".into(), p("none.mid")], "none.mid: file not found"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--guest".into(), p("text.wasm")], "text.wasm: not a WebAssembly module"),
        (vec!["--demo".into(), "--out".into(), out.clone(), "--guest".into(), p("text.wasm"), "--engine".into(), "native".into()], "cannot be combined"),
        (vec!["--demo".into(), "--out".into(), p("no/such/dir/out.wav")], "out.wav: cannot write"),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let line = stderr_line(&out);
        assert!(line.starts_with("wasm-sampler-render: "), "{line}");
        assert!(line.contains(expected), "{args:?}: expected `{expected}` in `{line}`");
    }
}

#[test]
fn the_fallback_compile_and_a_guest_file_give_the_same_output_as_the_precompiled_guest() {
    let dir = tempdir();
    let guest = path_in(&dir, "guest.wasm");
    std::fs::write(&guest, wasm_sampler::engine::backend::EMBEDDED_WASM).unwrap();
    let mut outputs = Vec::new();
    for (name, extra, env, source) in [
        ("precompiled", vec![], None, "precompiled"),
        ("compiled", vec![], Some("1"), "compiled"),
        ("file", vec!["--guest".to_string(), guest.display().to_string()], None, ""),
    ] {
        let (wav, stats) = (path_in(&dir, &format!("{name}.wav")), path_in(&dir, &format!("{name}.json")));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render"));
        cmd.args(["--demo", "--tail", "0.2", "--out", wav.to_str().unwrap(), "--stats", stats.to_str().unwrap()]).args(&extra);
        cmd.env_remove(wasm_sampler::engine::backend::NO_PRECOMPILED_ENV);
        if let Some(v) = env {
            cmd.env(wasm_sampler::engine::backend::NO_PRECOMPILED_ENV, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
        if source.is_empty() {
            assert_eq!(json["module_source"]["file"], guest.display().to_string());
        } else {
            assert_eq!(json["module_source"], source, "{name}");
        }
        if env.is_some() {
            assert!(String::from_utf8_lossy(&out.stderr).contains("compiling the embedded wasm"), "the fallback is logged");
        }
        outputs.push(std::fs::read(&wav).unwrap());
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "identical output from all three module sources");
}

#[test]
fn stats_count_sample_bytes_at_each_files_own_depth() {
    // 8, 16 and 24-bit files take 1, 2 and 3 bytes a sample; float 4.
    let dir = tempdir();
    let mut args: Vec<String> = Vec::new();
    let mut expected = 0u64;
    for (i, (bits, channels, frames)) in [(8u16, 1u16, 1_000usize), (16, 2, 3_001), (24, 1, 2_000), (24, 2, 777)].into_iter().enumerate() {
        let path = path_in(&dir, &format!("s{i}.wav"));
        let values: Vec<i32> = (0..frames * channels as usize).map(|n| (n as i32 % 100) - 50).collect();
        write_int_wav(&path, 48_000, channels, bits, &values);
        args.extend(["--sample".into(), format!("{}={}", 36 + i, path.display())]);
        expected += (frames * channels as usize) as u64 * (bits as u64 / 8);
    }
    let float = path_in(&dir, "f.wav");
    write_float_wav(&float, 48_000, 2, &signal(2_000, 4)); // 1000 stereo frames
    args.extend(["--sample".into(), format!("40={}", float.display())]);
    expected += 1_000 * 2 * 4;
    let (out, stats, mid) = (path_in(&dir, "out.wav"), path_in(&dir, "stats.json"), path_in(&dir, "one.mid"));
    write_midi(&mid, &[(0, 36)]);
    args.extend(["--midi".into(), mid.display().to_string(), "--out".into(), out.display().to_string()]);
    args.extend(["--stats".into(), stats.display().to_string(), "--tail".into(), "0.1".into()]);
    let result = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["sample_bytes"], expected);
}

/// A kit built in the engine, with samples in `folder/samples` and one
/// outside it: filter, envelope, reverse and a loop on its pads.
fn kit_in(folder: &Path, outside: &Path) -> Rig {
    std::fs::create_dir_all(folder.join("samples")).unwrap();
    write_float_wav(&folder.join("samples/kick.wav"), 48_000, 1, &signal(6_000, 21));
    let ints: Vec<i32> = signal(9_000, 22).iter().map(|&v| (v * 20_000.0) as i32).collect();
    write_int_wav(&folder.join("samples/Snare 1.wav"), 44_100, 2, 16, &ints);
    write_float_wav(outside, 48_000, 1, &signal(3_000, 23));
    let e = engine(wasm_sampler::DspBackend::Wasm, 48_000.0);
    e.load_file(0, &folder.join("samples/kick.wav")).unwrap();
    e.load_file(1, &folder.join("samples/Snare 1.wav")).unwrap();
    e.load_file(2, outside).unwrap();
    let filter =
        FilterSettings { kind: FilterType::LowPass, slope: FilterSlope::Db24, cutoff: 900.0, resonance: 9.0, envelope: 2.0, ..FilterSettings::default() };
    e.set_settings(0, PadSettings { filter, decay: 0.1, sustain: 20.0, ..PadSettings::default() });
    e.set_settings(1, PadSettings { reverse: true, attack: 0.002, gain_db: -3.0, pan: 0.4, ..PadSettings::default() });
    e.store.edit(2, |p| p.samples[0].params.looping = Loop { mode: LoopMode::PingPong, start: 500, end: 2_500, ..Loop::default() }).unwrap();
    // The 44.1 kHz snare is resampled with the kit's kernel.
    e.set_render_quality(Interpolation::Sinc);
    e
}

#[test]
fn a_kit_file_keeps_its_samples_relative_moves_with_its_folder_and_renders_like_the_kit_it_was_saved_from() {
    let dir = tempdir();
    let (folder, outside) = (dir.path().join("My Kit"), dir.path().join("elsewhere.wav"));
    let rig = kit_in(&folder, &outside);
    let file = folder.join("my kit.json");
    wasm_sampler::kit::file::write(&rig.kit(), &file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"file\": \"samples/kick.wav\"") && text.contains("\"file\": \"samples/Snare 1.wav\""), "{text}");
    let absolute = serde_json::to_string(&outside.display().to_string()).unwrap();
    assert!(text.contains(&format!("\"file\": {absolute}")), "a sample outside the folder stays absolute");
    // Read back: the same kit, paths absolute again; written again: the same bytes.
    let back = wasm_sampler::kit::file::read(&file).unwrap();
    assert_eq!(back, rig.kit());
    wasm_sampler::kit::file::write(&back, &file).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "byte-identical");

    // The folder moves; the CLI renders the moved kit exactly as the engine
    // the kit was saved from renders the same MIDI.
    let moved = dir.path().join("moved");
    std::fs::rename(&folder, &moved).unwrap();
    let mid = path_in(&dir, "beat.mid");
    write_midi(&mid, &[(0, 36), (240, 37), (480, 38), (960, 36)]);
    let out = path_in(&dir, "out.wav");
    let kit_arg = moved.join("my kit.json");
    let o = run(&["--kit", kit_arg.to_str().unwrap(), "--midi", mid.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, left, right) = read_stereo(&out);
    let events = to_frames(&read_midi_file(&mid).unwrap(), 48_000);
    let expected = render(&rig.engine, &events, length_for(&events, 48_000, 2.0), &Blocks::Fixed(256));
    assert!(expected.left.iter().any(|&v| v != 0.0));
    assert_eq!(first_difference(&left, &expected.left), None, "left");
    assert_eq!(first_difference(&right, &expected.right), None, "right");

    // --quality overrides the kit file's render quality.
    let o = run(&["--kit", kit_arg.to_str().unwrap(), "--midi", mid.to_str().unwrap(), "--quality", "linear", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, linear, _) = read_stereo(&out);
    assert!(first_difference(&linear, &left).is_some(), "the snare is resampled differently");
    rig.set_render_quality(Interpolation::Linear);
    rig.engine.reset();
    let expected = render(&rig.engine, &events, length_for(&events, 48_000, 2.0), &Blocks::Fixed(256));
    assert_eq!(first_difference(&linear, &expected.left), None, "linear");
}

#[test]
fn bad_kit_files_end_with_one_line_naming_the_file_and_the_pad() {
    let dir = tempdir();
    let (folder, outside) = (dir.path().join("kit"), dir.path().join("gone.wav"));
    let rig = kit_in(&folder, &outside);
    let file = folder.join("kit.json");
    wasm_sampler::kit::file::write(&rig.kit(), &file).unwrap();
    std::fs::remove_file(&outside).unwrap();
    std::fs::write(path_in(&dir, "notes.json"), "these are notes, not a kit").unwrap();
    std::fs::write(path_in(&dir, "other.json"), "{\"name\": 1}").unwrap();
    std::fs::write(path_in(&dir, "kit.sfz"), "<region> sample=kick.wav\nthis is not sfz\n").unwrap();
    let mid = path_in(&dir, "beat.mid");
    write_midi(&mid, &[(0, 36)]);
    let out = path_in(&dir, "out.wav");
    let cases = [
        (file.clone(), format!("{}: pad 3: {}: file not found", file.display(), outside.display())),
        (path_in(&dir, "notes.json"), "notes.json: not a kit file (line 1:".to_string()),
        (path_in(&dir, "other.json"), "other.json: not a kit file (no \"pads\")".to_string()),
        (path_in(&dir, "kit.sfz"), "kit.sfz:2: cannot read `this is not sfz`".to_string()),
        (path_in(&dir, "none.json"), "none.json: file not found".to_string()),
    ];
    for (kit, reason) in cases {
        let o = run(&["--kit", kit.to_str().unwrap(), "--midi", mid.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", kit.display());
        let line = stderr_line(&o);
        assert!(line.contains(&reason), "expected `{reason}` in `{line}`");
    }
}

#[test]
fn out_dir_writes_each_output_in_use_to_its_own_wav_and_polyphony_limits_the_voices() {
    let dir = tempdir();
    let (kick, hat, mid, kit_path) = (path_in(&dir, "kick.wav"), path_in(&dir, "hat.wav"), path_in(&dir, "beat.mid"), path_in(&dir, "kit.json"));
    let (k, h) = (signal(3_000, 31), signal(2_000, 32));
    write_float_wav(&kick, 48_000, 1, &k);
    write_float_wav(&hat, 48_000, 1, &h);
    // Kick on the main output, the hat on output 3 ("Out 4").
    let e = engine(wasm_sampler::DspBackend::Wasm, 48_000.0);
    e.load_file(0, &kick).unwrap();
    e.load_file(1, &hat).unwrap();
    e.edit(1, |p| p.settings.output = 3).unwrap();
    wasm_sampler::kit::file::write(&e.store.kit(), &kit_path).unwrap();
    // Kick at 0 and 0.5 s (tick 480 = 0.5 s at 120 BPM), hat at 0.25 s.
    write_midi(&mid, &[(0, 36), (240, 37), (480, 36)]);
    let outs = path_in(&dir, "stems");
    let args = ["--kit", kit_path.to_str().unwrap(), "--midi", mid.to_str().unwrap(), "--out-dir", outs.to_str().unwrap(), "--tail", "0.1"];
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut files: Vec<String> = std::fs::read_dir(&outs).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    files.sort();
    assert_eq!(files, ["main.wav", "out-4.wav"], "the main output and the one output in use");
    let (_, main_l, main_r) = read_stereo(&outs.join("main.wav"));
    let (_, hat_l, _) = read_stereo(&outs.join("out-4.wav"));
    let at = |s: f64| (s * 48_000.0).round() as usize;
    assert_eq!(first_difference(&main_l[..3_000], &k), None, "the kick, bit-exact, on main");
    assert_eq!(first_difference(&main_l[at(0.5)..at(0.5) + 3_000], &k), None);
    assert_eq!(first_difference(&main_r[at(0.25)..at(0.25) + 2_000], &vec![0.0; 2_000]), None, "no hat in the main mix");
    assert_eq!(first_difference(&hat_l[at(0.25)..at(0.25) + 2_000], &h), None, "the hat, bit-exact, on Out 4");
    assert!(hat_l[..at(0.25)].iter().all(|&x| x == 0.0));

    // Three kicks 10 ticks (about 10 ms) apart, each 3000 frames long:
    // at polyphony 1 the second and third steal, at the default none does.
    let roll = path_in(&dir, "roll.mid");
    write_midi(&roll, &[(0, 36), (10, 36), (20, 36)]);
    let stolen = |polyphony: Option<&str>| {
        let (stats, wav) = (path_in(&dir, "stats.json"), path_in(&dir, "roll.wav"));
        let mut args =
            vec!["--kit", kit_path.to_str().unwrap(), "--midi", roll.to_str().unwrap(), "--out", wav.to_str().unwrap(), "--stats", stats.to_str().unwrap()];
        if let Some(p) = polyphony {
            args.extend(["--polyphony", p]);
        }
        let out = run(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
        (json["voices_stolen"].as_u64().unwrap(), json["peak_voices"].as_u64().unwrap())
    };
    assert_eq!(stolen(None), (0, 3));
    assert_eq!(stolen(Some("1")), (2, 2), "each new kick fades the last (the fading one still counts as sounding)");
}

/// `--memory MIB` is the sample memory budget: a sample that does not fit
/// ends the render with one line naming it and what is free; with room it
/// renders as without the flag.
#[test]
fn the_memory_flag_refuses_a_sample_past_the_budget_with_one_line() {
    let dir = tempdir();
    let big = path_in(&dir, "big.wav");
    let small = path_in(&dir, "small.wav");
    let frames = 4_500_000; // 18 MB as 32-bit floats: more than 16 MiB.
    write_float_wav(&big, 48_000, 1, &signal(frames, 9));
    write_float_wav(&small, 48_000, 1, &signal(1_000, 10));
    let midi = path_in(&dir, "one.mid");
    write_midi(&midi, &[(0, 36)]);
    let out = path_in(&dir, "out.wav");
    let args = |sample: &Path, memory: &str| {
        run(&[
            "--memory",
            memory,
            "--sample",
            &format!("36={}", sample.display()),
            "--midi",
            midi.to_str().unwrap(),
            "--tail",
            "0.1",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let o = args(&big, "16");
    assert_eq!(o.status.code(), Some(1));
    let needed = wasm_sampler::guest::abi::format::region_bytes(wasm_sampler::guest::abi::format::F32, frames as u64);
    let free = 16 << 20;
    assert_eq!(
        stderr_line(&o),
        format!("wasm-sampler-render: {}: out of sample memory: {needed} bytes needed, {free} free (largest block {free})\n", big.display())
    );
    let o = args(&small, "16");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let with_budget = std::fs::read(&out).unwrap();
    let o = args(&small, "2048");
    assert!(o.status.success());
    assert_eq!(std::fs::read(&out).unwrap(), with_budget);
}
