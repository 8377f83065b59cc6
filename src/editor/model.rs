//! The editor's model and actions, without a window: pad labels, and where
//! dropped files go.
//!
//! Drop rules (what a producer expects from a drum sampler):
//! - a file dropped on a pad loads into that pad;
//! - several files dropped on a pad fill consecutive pads from it;
//! - files dropped on empty space go to the next free pads, in order;
//! - files dropped on the selected pad's sample list (its "Samples" tab),
//!   or on a pad with Shift held, are added to that pad as more samples
//!   (velocity layers, round-robin hits);
//! - a file that is not audio is refused with a message and changes nothing;
//!   the audio files of the same drop still load.
//!
//! Thread: the editor's (UI) thread. Everything here may allocate; only
//! [`is_audio_file`] does I/O (it reads the first 12 bytes of a file).

use std::path::{Path, PathBuf};

use crate::kit::{PadModel, Trigger};

/// Pads shown at once; more are reached by paging.
pub const PADS_PER_PAGE: usize = 16;

/// Where files were dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropTarget {
    Pad(usize),
    /// Not on a pad: the files go to the next free pads.
    EmptySpace,
    /// On a pad's sample list (or on a pad with Shift): the files are added
    /// to that pad.
    Samples(usize),
}

/// What a drop does: which file loads into which pad, and which files were
/// refused (one line each, naming the file and the reason).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DropPlan {
    /// A file replacing a pad's samples.
    pub loads: Vec<(usize, PathBuf)>,
    /// A file added to a pad's samples.
    pub adds: Vec<(usize, PathBuf)>,
    pub refused: Vec<String>,
}

/// Whether `path` looks like a file the loader reads, from its first bytes
/// (WAV, AIFF, FLAC, Ogg, MP3, whatever its name). The loader still checks
/// everything else and reports it on the pad.
///
/// Thread: UI. Reads up to 4 KiB.
pub fn is_audio_file(path: &Path) -> Result<(), String> {
    crate::decode::sniff_file(path).map(|_| ())
}

/// Plans a drop of `files` on `target`, given which pads are `occupied`
/// (pads past the end of the slice are free). `check` decides whether a file
/// is audio ([`is_audio_file`] in the editor).
///
/// Thread: UI. Allocates.
pub fn plan_drop(target: DropTarget, files: &[PathBuf], occupied: &[bool], check: impl Fn(&Path) -> Result<(), String>) -> DropPlan {
    let mut plan = DropPlan::default();
    let audio: Vec<&PathBuf> = files
        .iter()
        .filter(|f| match check(f) {
            Ok(()) => true,
            Err(reason) => {
                plan.refused.push(reason);
                false
            }
        })
        .collect();
    match target {
        DropTarget::Pad(first) => {
            plan.loads = audio.into_iter().enumerate().map(|(i, f)| (first + i, f.clone())).collect();
        }
        DropTarget::Samples(pad) => {
            plan.adds = audio.into_iter().map(|f| (pad, f.clone())).collect();
        }
        DropTarget::EmptySpace => {
            let mut pad = 0;
            for f in audio {
                while occupied.get(pad).copied().unwrap_or(false) {
                    pad += 1;
                }
                plan.loads.push((pad, f.clone()));
                pad += 1;
            }
        }
    }
    plan
}

/// The trigger label a pad shows: "C1 · 36" for a drum pad, "C0–B2 · root C1"
/// for a pitched one (the root key of its sample, or of the sample it would
/// get).
///
/// Thread: UI. Allocates.
pub fn trigger_label(pad: &PadModel) -> String {
    match pad.mapping.trigger {
        Trigger::Note(n) => format!("{} · {n}", note_name(n)),
        Trigger::Range { lo, hi } => format!("{}–{} · root {}", note_name(lo), note_name(hi), note_name(pad.sample_params().root_key)),
    }
}

/// The name of MIDI note `n` in the convention most DAWs show (middle C,
/// note 60, is "C3"; the General MIDI kick, 36, is "C1").
///
/// Thread: UI. Allocates (the name).
pub fn note_name(n: u8) -> String {
    const NAMES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
    format!("{}{}", NAMES[n as usize % 12], n as i32 / 12 - 2)
}

/// The local files named by a `text/uri-list` (what an XDND drag of files
/// carries), in order. Accepts what file managers and hosts' own browsers
/// send: `file:///path`, `file://localhost/path`, `file://<this host>/path`,
/// percent-encoding (each URI decoded on its own), CRLF or LF separators,
/// `#` comment lines, a missing final separator. Other schemes and other
/// hosts' files are skipped: they are not files here.
///
/// Thread: any. Allocates the paths.
#[cfg(target_os = "linux")]
pub fn parse_uri_list(data: &[u8], hostname: &str) -> Vec<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    data.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty() && !line.starts_with(b"#"))
        .filter_map(|uri| {
            let rest = uri.strip_prefix(b"file://")?;
            let slash = rest.iter().position(|&b| b == b'/')?;
            let host = std::str::from_utf8(&rest[..slash]).ok()?;
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case(hostname)) {
                return None;
            }
            let bytes: Vec<u8> = percent_encoding::percent_decode(&rest[slash..]).collect();
            Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
        })
        .collect()
}

/// The page that shows `pad`.
///
/// Thread: any. No allocation.
pub fn page_of(pad: usize) -> usize {
    pad / PADS_PER_PAGE
}

/// Pads on page `page`.
///
/// Thread: any. No allocation.
pub fn pads_on_page(page: usize) -> std::ops::Range<usize> {
    page * PADS_PER_PAGE..(page + 1) * PADS_PER_PAGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::{Mapping, SampleParams, SampleRecord};

    fn files(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    fn wav_only(p: &Path) -> Result<(), String> {
        if p.extension().is_some_and(|e| e == "wav") {
            Ok(())
        } else {
            Err(format!("{}: not an audio file (WAV expected)", p.display()))
        }
    }

    #[test]
    fn files_dropped_on_a_pads_samples_are_all_added_to_it_and_non_audio_is_refused() {
        let plan = plan_drop(DropTarget::Samples(3), &files(&["a.wav", "notes.txt", "b.wav"]), &[true; 8], wav_only);
        assert_eq!(plan.adds, vec![(3, PathBuf::from("a.wav")), (3, PathBuf::from("b.wav"))]);
        assert!(plan.loads.is_empty());
        assert_eq!(plan.refused, vec!["notes.txt: not an audio file (WAV expected)".to_string()]);
    }

    #[test]
    fn a_file_dropped_on_a_pad_loads_into_that_pad() {
        let plan = plan_drop(DropTarget::Pad(5), &files(&["kick.wav"]), &[true; 8], wav_only);
        assert_eq!(plan, DropPlan { loads: vec![(5, "kick.wav".into())], adds: vec![], refused: vec![] });
    }

    #[test]
    fn several_files_on_a_pad_fill_consecutive_pads_in_order() {
        let plan = plan_drop(DropTarget::Pad(2), &files(&["a.wav", "b.wav", "c.wav"]), &[true, false, true, true], wav_only);
        assert_eq!(plan.loads, vec![(2, "a.wav".into()), (3, "b.wav".into()), (4, "c.wav".into())]);
    }

    #[test]
    fn files_dropped_on_empty_space_go_to_the_next_free_pads() {
        let occupied = [true, true, false, true, false];
        let plan = plan_drop(DropTarget::EmptySpace, &files(&["a.wav", "b.wav", "c.wav"]), &occupied, wav_only);
        assert_eq!(plan.loads, vec![(2, "a.wav".into()), (4, "b.wav".into()), (5, "c.wav".into())]);
    }

    #[test]
    fn non_audio_files_are_refused_with_a_message_and_take_no_pad() {
        let plan = plan_drop(DropTarget::Pad(0), &files(&["notes.txt", "a.wav", "cover.png", "b.wav"]), &[], wav_only);
        assert_eq!(plan.loads, vec![(0, "a.wav".into()), (1, "b.wav".into())]);
        assert_eq!(plan.refused, vec!["notes.txt: not an audio file (WAV expected)", "cover.png: not an audio file (WAV expected)"]);
        let nothing = plan_drop(DropTarget::EmptySpace, &files(&["notes.txt"]), &[], wav_only);
        assert!(nothing.loads.is_empty() && nothing.refused.len() == 1, "nothing changes");
    }

    #[test]
    fn audio_is_recognised_by_its_header_not_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("disguised.txt");
        let spec = hound::WavSpec { channels: 1, sample_rate: 44_100, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut w = hound::WavWriter::create(&wav, spec).unwrap();
        w.write_sample(0i16).unwrap();
        w.finalize().unwrap();
        let fake = dir.path().join("fake.wav");
        std::fs::write(&fake, "just text").unwrap();
        assert_eq!(is_audio_file(&wav), Ok(()));
        assert_eq!(is_audio_file(&fake), Err(format!("{}: {}", fake.display(), crate::decode::sniff::NOT_AUDIO)));
        assert!(is_audio_file(dir.path()).unwrap_err().ends_with("is a folder, not an audio file"));
        // Every loadable kind is accepted by its first bytes, whatever its name.
        for (name, head) in [("a.txt", &b"fLaC\0\0\0\x22"[..]), ("b", b"FORM\0\0\0\x2eAIFF"), ("c.dat", b"OggS\0\x02"), ("d.bin", &[0xff, 0xfb, 0x90, 0x64])] {
            let path = dir.path().join(name);
            std::fs::write(&path, head).unwrap();
            assert_eq!(is_audio_file(&path), Ok(()), "{name}");
        }
        assert!(is_audio_file(&dir.path().join("none.wav")).unwrap_err().ends_with("file not found"));
    }

    #[test]
    fn pad_labels_show_note_name_and_number() {
        let mut pad = PadModel::empty(0);
        assert_eq!(trigger_label(&pad), "C1 · 36");
        pad.mapping = Mapping::drum(42);
        assert_eq!(trigger_label(&pad), "F#1 · 42");
        pad.mapping = Mapping::pitched(24, 59);
        pad.samples.push(SampleRecord { file: "/a.wav".into(), params: SampleParams::whole(36), embedded: None });
        assert_eq!(trigger_label(&pad), "C0–B2 · root C1");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn uri_lists_from_file_managers_and_host_browsers_give_their_files() {
        let list = b"file:///home/me/Kick%2001.wav\r\nfile://localhost/tmp/a%20b.wav\r\n# a comment\r\nfile://studio/x/snare.wav\nfile://other/y.wav\nhttp://example.com/z.wav\nfile:///no/final/newline.wav";
        assert_eq!(
            parse_uri_list(list, "studio"),
            vec![PathBuf::from("/home/me/Kick 01.wav"), PathBuf::from("/tmp/a b.wav"), PathBuf::from("/x/snare.wav"), PathBuf::from("/no/final/newline.wav"),]
        );
        assert_eq!(parse_uri_list(b"", "studio"), Vec::<PathBuf>::new());
        assert_eq!(parse_uri_list(b"file:///a%0D%0Ab.wav\r\n", "h"), vec![PathBuf::from("/a\r\nb.wav")], "decoded after splitting");
        assert_eq!(parse_uri_list(b"file:///caf%C3%A9.wav", "h"), vec![PathBuf::from("/caf\u{e9}.wav")]);
    }

    #[test]
    fn note_names_use_c3_for_middle_c() {
        assert_eq!(note_name(36), "C1");
        assert_eq!(note_name(60), "C3");
        assert_eq!(note_name(61), "C#3");
        assert_eq!(note_name(0), "C-2");
    }

    #[test]
    fn pages_hold_sixteen_pads() {
        assert_eq!((page_of(0), page_of(15), page_of(16)), (0, 0, 1));
        assert_eq!(pads_on_page(1), 16..32);
    }
}
