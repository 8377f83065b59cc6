//! Loading real files: every supported encoding decodes to exact values,
//! every bad input is refused with one line naming the file and the reason
//! and disturbs nothing, and replacing a playing sample is safe.

use crate::common;
use common::*;

use std::path::Path;

use wasm_sampler::engine::SampleSource;
use wasm_sampler::kit::Mapping;
use wasm_sampler::DspBackend;
use wasm_sampler_guest::abi;

/// Integer values covering both extremes, zero, ±1 and a ramp for `bits`.
fn int_values(bits: u16, count: usize) -> Vec<i32> {
    let max = ((1i64 << (bits - 1)) - 1) as i32;
    let min = (-(1i64 << (bits - 1))) as i32;
    let mut v = vec![min, max, 0, 1, -1, min + 1, max - 1];
    let range = max as i64 - min as i64;
    v.extend((0..count as i64).map(|i| (min as i64 + i * range / count as i64) as i32));
    v
}

#[test]
fn every_pcm_format_decodes_to_exactly_the_expected_floats() {
    let dir = tempdir();
    let e = engine(DspBackend::Wasm, 48_000.0);
    let mut pad = 0;
    for bits in [8u16, 16, 24, 32] {
        for channels in [1u16, 2] {
            for rate in [22_050u32, 44_100, 96_000] {
                let mut values = int_values(bits, 501);
                if !values.len().is_multiple_of(channels as usize) {
                    values.push(0);
                }
                let path = path_in(&dir, &format!("i{bits}_{channels}ch_{rate}.wav"));
                write_int_wav(&path, rate, channels, bits, &values);
                let info = e.load_file(pad, &path).unwrap();
                assert_eq!((info.channels, info.frames, info.sample_rate), (channels, (values.len() / channels as usize) as u32, rate));
                let scale = (1u64 << (bits - 1)) as f64;
                let expected: Vec<f32> = values.iter().map(|&v| (v as f64 / scale) as f32).collect();
                let got = e.sample_data(pad).unwrap();
                assert_eq!(first_difference(&got, &expected), None, "{bits}-bit, {channels} ch");
                assert_eq!(got[0], -1.0, "full-scale negative is exactly -1");
                pad += 1;
            }
        }
    }
    for channels in [1u16, 2] {
        let values = vec![0.0f32, -0.0, 1.0, -1.0, 0.5, 1.5, -2.0, 1e-30, f32::MIN_POSITIVE, 0.333_333_34];
        let path = path_in(&dir, &format!("f32_{channels}.wav"));
        write_float_wav(&path, 44_100, channels, &values);
        e.load_file(pad, &path).unwrap();
        let got = e.sample_data(pad).unwrap();
        assert_eq!(first_difference(&got, &values), None, "float, {channels} ch");
        pad += 1;
    }
}

#[test]
fn a_16_bit_file_plays_back_exactly_as_decoded() {
    let dir = tempdir();
    let values = int_values(16, 2_000);
    let path = path_in(&dir, "pcm16.wav");
    write_int_wav(&path, 48_000, 1, 16, &values);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], values.len() as u64, 256);
    let expected: Vec<f32> = values.iter().map(|&v| v as f32 / 32_768.0).collect();
    assert_eq!(first_difference(&out.left, &expected), None);
}

/// Writes a WAV with an arbitrary format tag and body.
fn write_raw_wav(path: &Path, format_tag: u16, channels: u16, bits: u16, data: &[u8]) {
    let block_align = channels * bits.div_ceil(8);
    let mut b = Vec::new();
    b.extend(b"RIFF");
    b.extend(((36 + data.len()) as u32).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(format_tag.to_le_bytes());
    b.extend(channels.to_le_bytes());
    b.extend(48_000u32.to_le_bytes());
    b.extend((48_000 * block_align as u32).to_le_bytes());
    b.extend(block_align.to_le_bytes());
    b.extend(bits.to_le_bytes());
    b.extend(b"data");
    b.extend((data.len() as u32).to_le_bytes());
    b.extend(data);
    std::fs::write(path, b).unwrap();
}

/// An engine with a good sample on pad 0, and its output for one note.
fn loaded_engine(dir: &tempfile::TempDir) -> (Rig, wasm_sampler::cli::render::Rendered) {
    let good = path_in(dir, "good.wav");
    write_float_wav(&good, 48_000, 1, &signal(2_000, 9));
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &good).unwrap();
    e.set_mapping(1, Mapping::drum(38));
    let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_on(0, 38, 1.0)], 3_000, 256);
    (e, out)
}

#[test]
fn every_bad_input_gives_one_line_naming_the_file_and_the_reason_and_changes_nothing() {
    let dir = tempdir();
    let p = |n: &str| path_in(&dir, n);

    std::fs::write(p("notes.txt"), "these are not samples\n").unwrap();
    write_float_wav(&p("full.wav"), 48_000, 1, &signal(4_000, 5));
    let full = std::fs::read(p("full.wav")).unwrap();
    std::fs::write(p("truncated.wav"), &full[..full.len() / 2]).unwrap();
    write_float_wav(&p("empty.wav"), 48_000, 1, &[]);
    write_raw_wav(&p("adpcm_g721.wav"), 0x40, 1, 4, &[0u8; 64]);
    write_float_wav(&p("three.wav"), 48_000, 3, &signal(300, 1));
    std::fs::create_dir(p("folder.wav")).unwrap();

    let mut cases: Vec<(std::path::PathBuf, &str)> = vec![
        (p("missing.wav"), "file not found"),
        (p("notes.txt"), "not an audio file the sampler reads (WAV, AIFF, FLAC, Ogg Vorbis or MP3 expected)"),
        (p("truncated.wav"), "truncated"),
        (p("empty.wav"), "contains no audio frames"),
        (p("adpcm_g721.wav"), "unsupported WAV"),
        (p("three.wav"), "has 3 channels; only mono and stereo files are supported"),
        (p("folder.wav"), "is a directory, not a file"),
    ];
    if cfg!(target_os = "linux") {
        // Opens, then every read fails (EIO): an unreadable file even for root.
        cases.push((Path::new("/proc/self/mem").to_path_buf(), "cannot be read"));
    }

    let (e, reference) = loaded_engine(&dir);
    let pads_before = e.pads();
    let alloc_before = e.stats().allocator;
    for (path, reason) in &cases {
        for pad in [0, 1] {
            let err = e.load_file(pad, path).unwrap_err();
            let line = err.to_string();
            assert!(line.starts_with(&path.display().to_string()), "{line}");
            assert!(line.contains(reason), "expected `{reason}` in `{line}`");
            assert!(!line.contains('\n'), "one line: {line:?}");
        }
        assert_eq!(e.stats().allocator, alloc_before, "{}: a failed load must free its region", path.display());
        let after = e.pads();
        assert_eq!(after[0].sample, pads_before[0].sample, "pad 0 keeps its sample");
        assert_eq!(after[1].sample, None);
        assert!(after[0].error.as_deref().unwrap().contains(reason), "the pad shows the error");
    }
    let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_on(0, 38, 1.0)], 3_000, 256);
    assert_identical(&out, &reference, "after all the bad loads");

    // Not root: a file without read permission.
    #[cfg(unix)]
    if unsafe_is_not_root() {
        use std::os::unix::fs::PermissionsExt;
        let locked = p("locked.wav");
        write_float_wav(&locked, 48_000, 1, &[0.5; 10]);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let err = e.load_file(1, &locked).unwrap_err().to_string();
        assert!(err.contains("permission denied"), "{err}");
    }
}

#[cfg(unix)]
fn unsafe_is_not_root() -> bool {
    // /proc/self/status has "Uid: real effective ..."; avoids a libc dependency.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) != Some("0")))
        .unwrap_or(false)
}

#[test]
fn replacing_a_playing_sample_fades_the_old_voice_and_frees_its_region_only_after() {
    let dir = tempdir();
    let (a, b) = (path_in(&dir, "a.wav"), path_in(&dir, "b.wav"));
    write_float_wav(&a, 48_000, 1, &vec![0.5; 48_000]);
    write_float_wav(&b, 48_000, 1, &vec![0.25; 48_000]);
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        e.load_file(0, &a).unwrap();
        let old_region = e.pads()[0].sample.as_ref().unwrap().region;
        let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
        let on = [wasm_sampler::engine::triggering::NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 }];
        e.process(&on, &mut l, &mut r);
        assert_eq!(l[255], 0.5);

        e.load_file(0, &b).unwrap();
        let new_region = e.pads()[0].sample.as_ref().unwrap().region;
        assert!(new_region.end() <= old_region.offset || old_region.end() <= new_region.offset, "the new sample must not overlap the playing one");
        let stats = e.stats();
        assert_eq!((stats.regions_pending_free, stats.allocator.regions), (1, 2), "old region kept while its voice plays");

        // A third load while the old voice still fades cannot get the old region either.
        e.load_file(1, &a).unwrap();
        let third = e.pads()[1].sample.as_ref().unwrap().region;
        assert!(third.end() <= old_region.offset || old_region.end() <= third.offset);

        // The old voice keeps reading the old data (0.5) while it fades over 240 frames.
        e.process(&[], &mut l, &mut r);
        assert_eq!(l[0], 0.5);
        assert!(l.windows(2).all(|w| w[1] <= w[0]), "a monotonic fade");
        assert_eq!(l[250], 0.0, "silent within 5 ms");
        assert_eq!(e.housekeeping(), 1, "{kind:?}: freed once no voice reads it");
        let stats = e.stats();
        assert_eq!((stats.regions_pending_free, stats.allocator.regions), (0, 2));

        // A new note plays the new sample.
        e.process(&on, &mut l, &mut r);
        assert_eq!(l[0], 0.25);
        assert!(matches!(&e.pads()[0].sample.as_ref().unwrap().source, SampleSource::File(p) if p == &b));
    }
}

#[test]
fn clearing_a_pad_frees_its_memory_for_the_next_sample() {
    let dir = tempdir();
    let a = path_in(&dir, "a.wav");
    write_float_wav(&a, 48_000, 2, &vec![0.1; 200_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &a).unwrap();
    let first = e.pads()[0].sample.as_ref().unwrap().region;
    let pages = e.stats().allocator.pages;
    e.clear(0);
    assert_eq!(e.stats().allocator.used, 0, "no voice read it, so it is freed at once");
    e.load_file(1, &a).unwrap();
    assert_eq!(e.pads()[1].sample.as_ref().unwrap().region, first, "the freed region is reused");
    assert_eq!(e.stats().allocator.pages, pages, "no growth needed");
}

#[test]
fn memory_grows_with_the_samples_loaded() {
    let dir = tempdir();
    let e = engine(DspBackend::Wasm, 48_000.0);
    let initial = e.stats().memory_bytes;
    assert_eq!(initial, abi::SAMPLE_BASE as u64);
    let path = path_in(&dir, "big.wav");
    // 10 s of 16-bit stereo at 48 kHz: 1,920,000 bytes kept at 16 bits
    // (half of the 3,840,000 an f32 copy would take).
    write_int_wav(&path, 48_000, 2, 16, &vec![1_000; 960_000]);
    e.load_file(0, &path).unwrap();
    let s = e.stats();
    assert_eq!(s.sample_bytes, 1_920_000);
    assert_eq!(s.memory_bytes, initial + 1_920_000u64.div_ceil(65_536) * 65_536, "grown by whole pages, just enough");
    assert_eq!(s.allocator.used, 1_920_000);
}

#[test]
fn the_memory_map_tiles_the_whole_memory_and_names_each_pads_region() {
    use wasm_sampler::engine::SegmentKind;
    let dir = tempdir();
    let (a, b) = (path_in(&dir, "a.wav"), path_in(&dir, "b.wav"));
    write_float_wav(&a, 48_000, 1, &vec![0.5; 30_000]);
    write_float_wav(&b, 48_000, 2, &vec![0.25; 20_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &a).unwrap();
    e.load_file(1, &b).unwrap();
    // Pad 0 plays, then is replaced: its old region shows as retired while it fades.
    let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
    e.process(&[wasm_sampler::engine::triggering::NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 }], &mut l, &mut r);
    e.load_file(0, &b).unwrap();
    let map = e.memory_map();
    let mut at = 0;
    for s in &map {
        assert_eq!(s.offset, at, "segments tile the memory: {map:?}");
        at += s.len;
    }
    assert_eq!(at, e.stats().memory_bytes);
    let kinds: Vec<SegmentKind> = map.iter().map(|s| s.kind).collect();
    assert_eq!(&kinds[..2], &[SegmentKind::Guest, SegmentKind::Io]);
    assert_eq!(kinds.iter().filter(|k| **k == SegmentKind::Retired).count(), 1);
    assert_eq!(kinds.iter().filter(|k| matches!(k, SegmentKind::Sample { pad: 0 })).count(), 1);
    assert_eq!(kinds.iter().filter(|k| matches!(k, SegmentKind::Sample { pad: 1 })).count(), 1);
    let pad1 = map.iter().find(|s| s.kind == SegmentKind::Sample { pad: 1 }).unwrap();
    assert_eq!(pad1.len, 20_000 * 4, "10,000 stereo frames of f32");
}

#[test]
fn waveform_overview_read_in_chunks_matches_one_pass_over_the_whole_sample() {
    let dir = tempdir();
    // 40,000 stereo frames: the overview is read in chunks of 16,384 frames.
    let (l, r) = (signal(40_000, 31), signal(40_000, 32));
    let interleaved: Vec<f32> = l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]).collect();
    let path = path_in(&dir, "long.wav");
    write_float_wav(&path, 48_000, 2, &interleaved);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    let mut expected = vec![(f32::INFINITY, f32::NEG_INFINITY); 700];
    wasm_sampler::engine::fold_peaks(&e.sample_data(0).unwrap(), 2, 0, 40_000, &mut expected);
    assert_eq!(e.engine.sample_peaks(0, 700), Some(expected));
    // Column 0 holds frames f with f * 700 / 40,000 == 0, i.e. 0..=57.
    let first: Vec<f32> = interleaved[..58 * 2].to_vec();
    let min = first.iter().copied().fold(f32::INFINITY, f32::min);
    let max = first.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    assert_eq!(e.engine.sample_peaks(0, 700).unwrap()[0], (min, max));
    assert_eq!(e.engine.sample_peaks(1, 700), None, "an empty pad has no overview");
}

/// A kit load the user cancels (here from the report of its first pad's
/// failure, so the point is exact) leaves every pad it had not reached
/// silent, with its file and settings kept and the reason on the pad; no
/// pad stays marked loading; the same kit loads whole next time.
#[test]
fn a_cancelled_kit_load_leaves_the_pads_it_had_not_reached_silent_with_their_files_and_the_reason() {
    let dir = tempdir();
    let e = engine(DspBackend::Wasm, 48_000.0);
    let mut kit = wasm_sampler::kit::Kit::default();
    let missing = path_in(&dir, "missing.wav");
    let record = |file: &Path, start| wasm_sampler::kit::SampleRecord {
        file: file.to_path_buf(),
        params: wasm_sampler::kit::SampleParams { start, ..wasm_sampler::kit::SampleParams::whole(60) },
        embedded: None,
    };
    kit.pad_mut(0).samples.push(record(&missing, 0));
    for pad in 1..6 {
        let path = path_in(&dir, &format!("s{pad}.wav"));
        write_float_wav(&path, 48_000, 1, &signal(2_000, pad as u32));
        kit.pad_mut(pad).samples.push(record(&path, 10 * pad as u32));
    }
    e.store.set_kit(kit.clone());
    assert_eq!(e.store.kit_progress(), Some((0, 6)), "nothing done yet");
    e.store.load_kit(&std::sync::atomic::AtomicBool::new(false), |pad, _| {
        if pad == 0 {
            e.store.cancel_kit_load();
        }
    });
    let pads = e.store.pads();
    assert!(pads[0].error.as_deref().unwrap().ends_with("file not found"));
    for (i, pad) in pads.iter().enumerate().skip(1) {
        assert!(pad.sample.is_none() && !pad.loading, "pad {}: silent, not loading", i + 1);
        assert!(pad.error.as_deref().unwrap().ends_with("not loaded: the kit's loading was cancelled"), "{:?}", pad.error);
    }
    assert_eq!(e.store.kit(), kit, "files and settings kept");
    assert_eq!(e.store.kit_progress(), None);
    assert!(e.engine.pads().iter().all(|p| p.sample().is_none()), "nothing plays");
    // Opened again, it loads whole (but for the file that is not there).
    e.store.set_kit(kit);
    e.store.load_kit(&std::sync::atomic::AtomicBool::new(false), |_, _| {});
    assert!(e.store.pads()[1..6].iter().all(|p| p.sample.is_some() && p.error.is_none()));
}

/// A load in pieces (how the web page moves a file decoded in its main
/// thread into its audio thread): the region is reserved first, the pieces
/// written one at a time, and only `finish_piece_load` publishes the pad —
/// which then holds exactly the bytes written, as a `load_file` of the same
/// file. A piece past the region is refused and writes nothing; a load
/// dropped unfinished gives its region back.
#[test]
fn a_load_in_pieces_publishes_only_when_finished_and_equals_a_whole_load() {
    let dir = tempdir();
    let path = path_in(&dir, "pieces.wav");
    let values = int_values(16, 3_001);
    write_int_wav(&path, 44_100, 1, 16, &values);
    let bytes = std::fs::read(&path).unwrap();
    let whole = engine(DspBackend::Wasm, 48_000.0);
    whole.load_file(0, &path).unwrap();

    let e = engine(DspBackend::Wasm, 48_000.0);
    let file = wasm_sampler::decode::AudioFile::from_bytes(Path::new("pieces.wav"), bytes).unwrap();
    let info = file.info();
    let mut stored = vec![0u8; info.bytes() as usize];
    let mut write = |offset: usize, piece: &[u8]| stored[offset..offset + piece.len()].copy_from_slice(piece);
    file.decode_into(&mut wasm_sampler::decode::SampleSink::new(info.samples() as usize, info.format, &mut write)).unwrap();
    let mut load = e.begin_piece_load(&e.engine, 0, "pieces.wav", info).unwrap();
    assert_eq!(e.engine.stats().allocator.regions, 1, "reserved");
    for (i, piece) in stored.chunks(1_000).enumerate() {
        load.write(i * 1_000, piece).unwrap();
        assert!(e.pads().first().is_none_or(|p| p.sample.is_none()), "nothing published before the finish");
    }
    assert_eq!(load.write(stored.len() - 1, &[0, 0]), Err(format!("2 bytes at {} do not fit the {}-byte region", stored.len() - 1, stored.len())));
    e.finish_piece_load(load).unwrap();
    assert_eq!(e.sample_data(0).unwrap(), whole.sample_data(0).unwrap(), "the same samples as a whole load");
    assert_eq!(e.pads()[0].model.samples[0].file, Path::new("pieces.wav"));

    let dropped = e.begin_piece_load(&e.engine, 1, "dropped.wav", info).unwrap();
    assert_eq!(e.engine.stats().allocator.regions, 2);
    drop(dropped);
    assert_eq!(e.engine.stats().allocator.regions, 1, "an unfinished load gives its region back");
}
