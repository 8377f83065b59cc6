//! What kind of audio file a file is, from its first bytes (never its
//! name): the editor asks before it accepts a drop, the loader before it
//! decodes.
//!
//! Thread: any (pure functions), but [`sniff_file`] reads the file: not the
//! audio thread.

use std::io::Read;
use std::path::Path;

/// The file types the loader reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// RIFF/RF64 WAVE.
    Wav,
    /// AIFF and AIFF-C.
    Aiff,
    /// Native FLAC.
    Flac,
    /// An Ogg stream (Vorbis is decoded; other codecs are refused by name).
    Ogg,
    /// MPEG-1/2 Layer III.
    Mp3,
}

impl FileKind {
    /// Thread: any. No allocation.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Wav => "WAV",
            FileKind::Aiff => "AIFF",
            FileKind::Flac => "FLAC",
            FileKind::Ogg => "Ogg",
            FileKind::Mp3 => "MP3",
        }
    }
}

/// File name extensions the editor's browser lists (lower case). Only for
/// listing: what a file is comes from its content ([`sniff`]).
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "wave", "bwf", "aif", "aiff", "aifc", "flac", "ogg", "oga", "mp3"];

/// Whether `path`'s extension is one of [`AUDIO_EXTENSIONS`] (any case).
///
/// Thread: any. No allocation.
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()).is_some_and(|x| AUDIO_EXTENSIONS.iter().any(|e| x.eq_ignore_ascii_case(e)))
}

/// Whether an MP3 whose audio starts at `head` (after any ID3v2 tag)
/// counts its frames: a Xing, Info or VBRI tag in its first frame, which
/// also records the encoder's delay and padding. Without one a decoder can
/// only estimate the length.
///
/// Thread: any. No allocation.
pub fn mp3_counts_frames(head: &[u8]) -> bool {
    let first_frame = &head[..head.len().min(2_048)];
    [b"Xing", b"Info", b"VBRI"].iter().any(|tag| first_frame.windows(4).any(|w| w == *tag))
}

/// Where the audio of a file that starts with an ID3v2 tag begins (0 if
/// it has none).
///
/// Thread: any. No allocation.
pub fn id3_end(head: &[u8]) -> usize {
    if head.len() < 10 || &head[..3] != b"ID3" {
        return 0;
    }
    let size = head[6..10].iter().fold(0usize, |acc, &b| (acc << 7) | (b & 0x7f) as usize);
    10 + size + if head[5] & 0x10 != 0 { 10 } else { 0 }
}

/// What the loader says of a file that is none of its kinds.
pub const NOT_AUDIO: &str = "not an audio file the sampler reads (WAV, AIFF, FLAC, Ogg Vorbis or MP3 expected)";

/// Bytes [`sniff`] wants to see (fewer work when the file is shorter).
pub const SNIFF_LEN: usize = 4096;

/// The kind of file whose first bytes are `head`, or `None`. An ID3v2 tag
/// in front (MP3s, sometimes FLACs) is skipped when `head` reaches past it;
/// a tag longer than `head` is taken as an MP3's.
///
/// Thread: any. No allocation.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    let at = |i: usize, sig: &[u8]| head.get(i..i + sig.len()) == Some(sig);
    if (at(0, b"RIFF") || at(0, b"RF64") || at(0, b"BW64")) && at(8, b"WAVE") {
        return Some(FileKind::Wav);
    }
    if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return Some(FileKind::Aiff);
    }
    if at(0, b"fLaC") {
        return Some(FileKind::Flac);
    }
    if at(0, b"OggS") {
        return Some(FileKind::Ogg);
    }
    if at(0, b"ID3") && head.len() >= 10 {
        // Size: four 7-bit bytes; plus the header, plus a footer if flagged.
        return match head.get(id3_end(head)..) {
            Some(rest) if !rest.is_empty() => sniff(rest).or(Some(FileKind::Mp3)),
            _ => Some(FileKind::Mp3),
        };
    }
    // An MPEG audio frame header: 11 sync bits, a valid version, layer III.
    if head.len() >= 4 && head[0] == 0xff && head[1] & 0xe0 == 0xe0 && (head[1] >> 3) & 3 != 1 && (head[1] >> 1) & 3 == 1 {
        return Some(FileKind::Mp3);
    }
    None
}

/// The kind of the file at `path`, or the one-line reason it is none
/// (naming the file).
///
/// Thread: not the audio thread (reads up to [`SNIFF_LEN`] bytes).
pub fn sniff_file(path: &Path) -> Result<FileKind, String> {
    let name = path.display();
    if path.is_dir() {
        return Err(format!("{name}: is a folder, not an audio file"));
    }
    super::regular_file(path).map_err(|reason| format!("{name}: {reason}"))?;
    let mut file = std::fs::File::open(path).map_err(|e| format!("{name}: {}", super::io_reason(&e, path)))?;
    let head = read_head(&mut file).map_err(|e| format!("{name}: {}", super::io_reason(&e, path)))?;
    sniff(&head).ok_or_else(|| format!("{name}: {NOT_AUDIO}"))
}

/// The first [`SNIFF_LEN`] bytes `r` gives (fewer if it ends sooner).
///
/// Thread: not the audio thread (reads). Allocates the bytes.
pub fn read_head(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    r.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_told_by_its_first_bytes() {
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Some(FileKind::Wav));
        assert_eq!(sniff(b"RF64\xff\xff\xff\xffWAVEds64"), Some(FileKind::Wav));
        assert_eq!(sniff(b"FORM\0\0\0\x2eAIFFCOMM"), Some(FileKind::Aiff));
        assert_eq!(sniff(b"FORM\0\0\0\x2eAIFCFVER"), Some(FileKind::Aiff));
        assert_eq!(sniff(b"fLaC\0\0\0\x22"), Some(FileKind::Flac));
        assert_eq!(sniff(b"OggS\0\x02"), Some(FileKind::Ogg));
        assert_eq!(sniff(&[0xff, 0xfb, 0x90, 0x64]), Some(FileKind::Mp3), "MPEG-1 layer III");
        assert_eq!(sniff(&[0xff, 0xf3, 0x90, 0x64]), Some(FileKind::Mp3), "MPEG-2 layer III");
    }

    #[test]
    fn an_id3_tag_is_skipped_to_what_follows_it() {
        let mut flac = b"ID3\x04\0\0\0\0\0\x05".to_vec();
        flac.extend_from_slice(&[0; 5]);
        flac.extend_from_slice(b"fLaC");
        assert_eq!(sniff(&flac), Some(FileKind::Flac));
        let mut mp3 = b"ID3\x04\0\0\0\0\x01\0".to_vec(); // 128 bytes of tag
        mp3.extend_from_slice(&[0; 128]);
        mp3.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
        assert_eq!(sniff(&mp3), Some(FileKind::Mp3));
        assert_eq!(sniff(b"ID3\x04\0\0\0\x7f\x7f\x7f"), Some(FileKind::Mp3), "a tag longer than the head");
    }

    #[test]
    fn other_files_and_near_misses_are_not_audio() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0AVI "), None);
        assert_eq!(sniff(b"FORM\0\0\0\x2eILBM"), None);
        assert_eq!(sniff(b"hello, world\n"), None);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(sniff(&[0xff, 0xfd, 0x90, 0x64]), None, "layer II is not read");
        assert_eq!(sniff(&[0xff, 0xeb, 0x90, 0x64]), None, "reserved MPEG version");
    }
}
