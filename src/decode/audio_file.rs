//! Every supported file: WAV (integer, float, A-law, µ-law, IMA and
//! Microsoft ADPCM, any chunks around the data), FLAC, Ogg Vorbis and MP3
//! (gapless where the file says so) through symphonia; AIFF and AIFF-C by
//! hand (`aiff.rs` says why).
//!
//! [`AudioFile::open`] finds the type from the content, reads and checks the
//! header and decides how the samples are stored ([`StoredFormat`]: the
//! file's own depth for 8/16/24-bit integers, f32 otherwise).
//! [`AudioFile::decode_into`] then decodes packet by packet straight into
//! the region the engine reserved. Where the length is not known exactly
//! up front (Ogg Vorbis and MP3, whose frame counts are estimates or absent,
//! and FLAC without a STREAMINFO count) `open` decodes the whole file once
//! into one temporary f32 buffer, so that the region can be reserved at its
//! exact size; that buffer is the only copy and is dropped after the
//! region is written.
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use symphonia::core::audio::{AudioBufferRef, SampleBuffer, Signal};
use symphonia::core::codecs::{self, CodecType, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::{Hint, Probe};

use super::ogg_check::ogg_precheck;
use super::sniff::{self, sniff, FileKind, NOT_AUDIO, SNIFF_LEN};
use super::tail_source::TailSource;
use super::{io_reason, LoadError, SampleInfo, SampleSink, SamplerMeta, StoredFormat};

/// An opened, checked audio file (or its bytes in memory) ready to decode.
pub struct AudioFile {
    path: PathBuf,
    info: SampleInfo,
    body: Body,
}

enum Body {
    /// AIFF, read by hand (see `aiff.rs`).
    Aiff(super::aiff::Aiff<Box<dyn MediaSource>>),
    /// Decoded packet by packet into the sink.
    Stream {
        reader: Box<dyn FormatReader>,
        decoder: Box<dyn Decoder>,
        track: u32,
    },
    /// Already decoded (length not known up front), interleaved: full-scale
    /// integers for integer formats, floats for f32.
    Ints(Vec<i32>),
    Floats(Vec<f32>),
}

/// The samples of one decoded packet, in the form the sink takes.
enum Scratch {
    Int(Option<SampleBuffer<i32>>),
    Float(Option<SampleBuffer<f32>>),
}

impl AudioFile {
    /// Opens `path`, finds its type from its content and checks it.
    ///
    /// Thread: loader (file I/O). Allocates the reader (and, for lossy
    /// files, the decoded audio).
    pub fn open(path: &Path) -> Result<AudioFile, LoadError> {
        let err = |reason: String| LoadError::new(path, reason);
        let meta = super::regular_file(path).map_err(err)?;
        let mut file = File::open(path).map_err(|e| err(io_reason(&e, path)))?;
        let (kind, head) = sniff_reader(&mut file, path)?;
        wav_precheck(kind, &head).map_err(err)?;
        if kind == FileKind::Flac {
            flac_precheck(&mut file, sniff::id3_end(&head) as u64, meta.len()).map_err(err)?;
        }
        if kind == FileKind::Ogg {
            ogg_precheck(&mut file, meta.len()).map_err(err)?;
        }
        let counted = kind != FileKind::Mp3 || {
            // The first MPEG frame follows the ID3 tag, which may be long.
            use std::io::{Read, Seek, SeekFrom};
            let mut frame = Vec::with_capacity(2_048);
            file.seek(SeekFrom::Start(sniff::id3_end(&head) as u64)).map_err(|e| err(io_reason(&e, path)))?;
            (&mut file).take(2_048).read_to_end(&mut frame).map_err(|e| err(io_reason(&e, path)))?;
            file.rewind().map_err(|e| err(io_reason(&e, path)))?;
            sniff::mp3_counts_frames(&frame)
        };
        AudioFile::from_source(path, Box::new(file), kind, meta.len(), counted, sniff::id3_end(&head) as u64)
    }

    /// Audio file bytes held in memory (a sample embedded in a project),
    /// named `name` in errors.
    ///
    /// Thread: non-real-time. No I/O.
    pub fn from_bytes(name: &Path, bytes: Vec<u8>) -> Result<AudioFile, LoadError> {
        let head = &bytes[..bytes.len().min(SNIFF_LEN)];
        let kind = sniff(head).ok_or_else(|| LoadError::new(name, NOT_AUDIO))?;
        wav_precheck(kind, head).map_err(|reason| LoadError::new(name, reason))?;
        if kind == FileKind::Flac {
            flac_precheck(&mut Cursor::new(&bytes), sniff::id3_end(head) as u64, bytes.len() as u64).map_err(|reason| LoadError::new(name, reason))?;
        }
        if kind == FileKind::Ogg {
            ogg_precheck(&mut Cursor::new(&bytes), bytes.len() as u64).map_err(|reason| LoadError::new(name, reason))?;
        }
        let counted = kind != FileKind::Mp3 || sniff::mp3_counts_frames(bytes.get(sniff::id3_end(head)..).unwrap_or_default());
        let len = bytes.len() as u64;
        let id3 = sniff::id3_end(head) as u64;
        AudioFile::from_source(name, Box::new(Cursor::new(bytes)), kind, len, counted, id3)
    }

    /// `counted`: whether the header's frame count is exact (for MP3, a
    /// Xing/Info/VBRI tag; otherwise symphonia estimates it from the file
    /// size, and trimming to an estimate would cut real audio). `id3`: the
    /// length of the ID3v2 tag in front (0 if none), which is skipped.
    fn from_source(path: &Path, mut source: Box<dyn MediaSource>, kind: FileKind, total_len: u64, counted: bool, id3: u64) -> Result<AudioFile, LoadError> {
        let err = |reason: String| LoadError::new(path, reason);
        let meta = if kind == FileKind::Wav {
            let meta = super::riff_meta::wav_meta(&mut source);
            std::io::Seek::rewind(&mut source).map_err(|e| err(io_reason(&e, path)))?;
            meta
        } else {
            SamplerMeta::default()
        };
        if kind == FileKind::Aiff {
            let aiff = super::aiff::open(source).map_err(err)?;
            let info = SampleInfo {
                channels: aiff.channels,
                frames: aiff.frames,
                sample_rate: aiff.sample_rate,
                format: aiff.encoding.stored(),
                kind: Some(kind),
                meta: aiff.meta.checked(aiff.frames),
            };
            return Ok(AudioFile { path: path.to_path_buf(), info, body: Body::Aiff(aiff) });
        }
        if id3 > 0 {
            if id3 >= total_len {
                return Err(err("truncated: the file ends inside its ID3v2 tag".into()));
            }
            source = Box::new(TailSource::new(source, id3).map_err(|e| err(io_reason(&e, path)))?);
        }
        let stream = MediaSourceStream::new(source, Default::default());
        let options = FormatOptions { enable_gapless: counted, ..Default::default() };
        let probed = guarded(|| probe_for(kind).format(&Hint::new(), stream, &options, &MetadataOptions::default()))
            .map_err(|e| err(e.unwrap_or_else(|e| reason(kind, e))))?;
        let reader = probed.format;
        let track = reader
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != codecs::CODEC_TYPE_NULL)
            .ok_or_else(|| err(format!("{} file with no audio stream", kind.label())))?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let channels = params.channels.map(|c| c.count()).unwrap_or(0);
        if channels == 0 || channels > 2 {
            return Err(err(format!("has {channels} channels; only mono and stereo files are supported")));
        }
        let sample_rate = params.sample_rate.unwrap_or(0);
        if sample_rate == 0 {
            return Err(err("sample rate is 0 Hz".into()));
        }
        let format = stored_format(kind, &params).map_err(err)?;
        let decoder = guarded(|| symphonia::default::get_codecs().make(&params, &DecoderOptions { verify: false }))
            .map_err(|e| err(e.unwrap_or_else(|e| reason(kind, e))))?;
        let info = |frames: u64| -> Result<SampleInfo, LoadError> {
            let frames = u32::try_from(frames).map_err(|_| err(format!("too long: {frames} frames (at most {} are supported)", u32::MAX)))?;
            if frames == 0 {
                return Err(err("contains no audio frames".into()));
            }
            Ok(SampleInfo { channels: channels as u16, frames, sample_rate, format, kind: Some(kind), meta: meta.checked(frames) })
        };
        let exact_length = matches!(kind, FileKind::Wav | FileKind::Flac);
        match params.n_frames.filter(|_| exact_length) {
            Some(frames) => {
                // A header may promise more than the file holds; refuse
                // before growing memory for it (compressed FLAC is checked
                // as it decodes).
                let info = info(frames)?;
                if kind != FileKind::Flac && info.bytes() > total_len.saturating_mul(4) {
                    return Err(err(format!("truncated: the header promises {frames} frames but the file has {total_len} bytes")));
                }
                Ok(AudioFile { path: path.to_path_buf(), info, body: Body::Stream { reader, decoder, track: track_id } })
            }
            None => {
                // The one temporary buffer (README, Performance: its cost).
                // Sized up front from the frame count the header gives, if
                // any, so it is written once and never regrown; a count a
                // lying header inflates is capped at 64 samples per byte of
                // file (lossy codecs reach about 20).
                let hint = params.n_frames.unwrap_or(0).saturating_mul(channels as u64).min(total_len.saturating_mul(64)) as usize;
                let mut scratch = scratch_for(format, decoder.codec_params().codec);
                let (mut ints, mut floats) = match scratch {
                    Scratch::Int(_) => (Vec::with_capacity(hint), Vec::new()),
                    Scratch::Float(_) => (Vec::new(), Vec::with_capacity(hint)),
                };
                run(path, kind, reader, decoder, track_id, &mut scratch, &mut |buf| match buf {
                    Decoded::Int(chunk) => ints.extend_from_slice(chunk),
                    Decoded::IntPlanar(chans) => (0..chans[0].len()).for_each(|i| chans.iter().for_each(|c| ints.push(c[i]))),
                    Decoded::Float(chunk) => floats.extend_from_slice(chunk),
                })?;
                let frames = (ints.len().max(floats.len()) / channels) as u64;
                // A header that counts the frames (an MP3's Xing/Info/VBRI
                // tag) makes a cut file detectable; an Ogg stream knows its
                // length only from its last page, which a cut file lacks.
                if let Some(promised) = params.n_frames.filter(|&n| counted && frames < n && frames > 0) {
                    return Err(err(format!("truncated: audio data ends after {frames} of {promised} frames")));
                }
                if kind == FileKind::Ogg && params.n_frames.is_none() && frames > 0 {
                    return Err(err("truncated or empty: the Ogg stream ends before its last page (cut short, or no audio)".into()));
                }
                let info = info(frames)?;
                let body = if matches!(scratch, Scratch::Int(_)) { Body::Ints(ints) } else { Body::Floats(floats) };
                Ok(AudioFile { path: path.to_path_buf(), info, body })
            }
        }
    }

    /// What the file holds and how it will be stored.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn info(&self) -> SampleInfo {
        self.info
    }

    /// Decodes every sample, interleaved, into `dst` (exactly `frames *
    /// channels` samples long, in this file's stored format). A file that
    /// ends early, a corrupt frame (a FLAC frame failing its CRC) or a
    /// decoder that panics is an error naming the file.
    ///
    /// Thread: loader (file I/O). Allocates one packet's buffer.
    pub fn decode_into(self, dst: &mut SampleSink<'_>) -> Result<(), LoadError> {
        let expected = self.info.samples() as usize;
        assert_eq!(dst.len(), expected, "destination sized for this file");
        assert_eq!(dst.format(), self.info.format, "destination in this file's format");
        let kind = self.info.kind.expect("a file has a kind");
        match self.body {
            Body::Aiff(aiff) => aiff.decode_into(dst).map_err(|reason| LoadError::new(&self.path, reason))?,
            Body::Ints(data) => dst.push_ints(&data),
            Body::Floats(data) => dst.push_floats(&data),
            Body::Stream { reader, decoder, track } => {
                let mut scratch = scratch_for(self.info.format, decoder.codec_params().codec);
                run(&self.path, kind, reader, decoder, track, &mut scratch, &mut |buf| match buf {
                    Decoded::Int(chunk) => dst.push_ints(chunk),
                    Decoded::IntPlanar(chans) => dst.push_planar_ints(chans),
                    Decoded::Float(chunk) => dst.push_floats(chunk),
                })?;
            }
        }
        let done = dst.pushed();
        if done != expected {
            let (got, of) = (done / self.info.channels as usize, self.info.frames);
            let reason = if kind == FileKind::Flac {
                // A failed last frame is dropped like a missing one.
                format!("truncated or corrupt FLAC data: audio ends after {got} of {of} frames (the rest is missing or fails its CRC check)")
            } else {
                format!("truncated: audio data ends after {got} of {of} frames")
            };
            return Err(LoadError::new(&self.path, reason));
        }
        dst.flush();
        Ok(())
    }
}

/// One packet's samples: interleaved, or one slice per channel as the
/// decoder made them (FLAC), which the sink interleaves as it stores them
/// (one pass fewer over the audio).
enum Decoded<'a> {
    Int(&'a [i32]),
    IntPlanar(&'a [&'a [i32]]),
    Float(&'a [f32]),
}

/// Reads the first bytes of `file` for [`sniff`], then rewinds it.
fn sniff_reader(file: &mut File, path: &Path) -> Result<(FileKind, Vec<u8>), LoadError> {
    use std::io::Seek;
    let head = sniff::read_head(file).map_err(|e| LoadError::new(path, io_reason(&e, path)))?;
    file.rewind().map_err(|e| LoadError::new(path, io_reason(&e, path)))?;
    let kind = sniff(&head).ok_or_else(|| LoadError::new(path, NOT_AUDIO))?;
    Ok((kind, head))
}

/// A WAV's channel count and rate, checked from its `fmt ` chunk when it
/// lies in `head`: symphonia 0.5 panics on a 0 Hz WAV (the panic would be
/// caught, but the user should read "0 Hz", not an internal error).
fn wav_precheck(kind: FileKind, head: &[u8]) -> Result<(), String> {
    if kind != FileKind::Wav {
        return Ok(());
    }
    if !head.starts_with(b"RIFF") {
        return Err("unsupported WAV variant (RF64/BW64, the format for files over 4 GiB)".into());
    }
    let mut at = 12;
    while let Some(chunk) = head.get(at..at + 8) {
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
        if &chunk[..4] == b"fmt " {
            let Some(fmt) = head.get(at + 8..at + 16) else { break };
            let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
            let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
            if channels == 0 || channels > 2 {
                return Err(format!("has {channels} channels; only mono and stereo files are supported"));
            }
            if rate == 0 {
                return Err("sample rate is 0 Hz".into());
            }
            break;
        }
        at += 8 + size + size % 2;
    }
    Ok(())
}

/// Checks a FLAC file's metadata blocks against the file before the
/// decoder reads them: each block must lie inside the file, and a Vorbis
/// comment or picture block's own lengths and count inside the block.
/// Written by hand because symphonia 0.5 sizes its buffers from those
/// fields as they are: found by fuzzing, a 312-byte file whose comment
/// block claimed 2.9 billion comments made it allocate over 2 GiB, and a
/// 133-byte one whose picture claimed 4 GiB of data. `tag` is the length
/// of an ID3v2 tag before `fLaC`. Leaves `source` at the start.
///
/// Thread: loader (reads). Allocates at most one comment or picture block
/// (≤ 16 MiB, and never more than the file holds).
fn flac_precheck<R: Read + Seek>(source: &mut R, tag: u64, len: u64) -> Result<(), String> {
    let corrupt = |what: String| Err(format!("corrupt FLAC metadata: {what}"));
    let mut at = tag + 4;
    source.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    for index in 0.. {
        let mut header = [0u8; 4];
        if source.read_exact(&mut header).is_err() {
            return corrupt(format!("the file ends inside metadata block {index}"));
        }
        let (last, kind) = (header[0] & 0x80 != 0, header[0] & 0x7f);
        let size = u32::from_be_bytes([0, header[1], header[2], header[3]]) as u64;
        if at + 4 + size > len {
            return corrupt(format!("block {index} claims {size} bytes, more than the file holds"));
        }
        if kind == 4 || kind == 6 {
            let mut block = vec![0u8; size as usize];
            source.read_exact(&mut block).map_err(|e| e.to_string())?;
            let fits = if kind == 4 { vorbis_comment_fits(&block) } else { picture_fits(&block) };
            fits.or_else(|what| corrupt(format!("block {index}: {what}")))?;
        } else {
            source.seek(SeekFrom::Current(size as i64)).map_err(|e| e.to_string())?;
        }
        at += 4 + size;
        if last {
            break;
        }
    }
    source.rewind().map_err(|e| e.to_string())
}

/// Whether a Vorbis comment block's vendor string, comment count and
/// comments all fit in the block.
/// Whether a FLAC picture block's media type, description and data lie
/// inside it (symphonia allocates each length it reads before reading).
pub(super) fn picture_fits(block: &[u8]) -> Result<(), String> {
    let u32_at = |at: usize| block.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut at = 4; // the picture type
    for field in ["media type", "description"] {
        let length = u32_at(at).ok_or("the picture block is cut short")?;
        at = (at + 4).checked_add(length).filter(|&a| a <= block.len()).ok_or(format!("the picture's {field} runs past its block"))?;
    }
    at += 16; // width, height, depth, colours
    let length = u32_at(at).ok_or("the picture block is cut short")?;
    (at + 4).checked_add(length).filter(|&a| a <= block.len()).map(|_| ()).ok_or_else(|| "the picture's data runs past its block".into())
}

pub(super) fn vorbis_comment_fits(block: &[u8]) -> Result<(), String> {
    let u32_at = |at: usize| block.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let vendor = u32_at(0).ok_or("the comment block is cut short")?;
    let mut at = 4usize.checked_add(vendor).filter(|&a| a <= block.len()).ok_or("the vendor string runs past its block")?;
    let count = u32_at(at).ok_or("the comment count runs past its block")?;
    at += 4;
    if count > (block.len() - at) / 4 {
        return Err(format!("{count} comments cannot fit in {} bytes", block.len()));
    }
    for _ in 0..count {
        let length = u32_at(at).ok_or("a comment runs past its block")?;
        at = (at + 4).checked_add(length).filter(|&a| a <= block.len()).ok_or("a comment runs past its block")?;
    }
    Ok(())
}

/// How a file's samples are kept: integer PCM and FLAC at their own depth
/// (8/16/24 bits; wider integers as f32), A-law, µ-law and ADPCM as the
/// 16-bit values they decode to, float and lossy formats as f32.
fn stored_format(kind: FileKind, params: &codecs::CodecParameters) -> Result<StoredFormat, String> {
    use codecs::*;
    let c = params.codec;
    let int_width = |c: CodecType| -> Option<u32> {
        Some(match c {
            CODEC_TYPE_PCM_S8 | CODEC_TYPE_PCM_U8 => 8,
            CODEC_TYPE_PCM_S16LE | CODEC_TYPE_PCM_S16BE | CODEC_TYPE_PCM_U16LE | CODEC_TYPE_PCM_U16BE => 16,
            CODEC_TYPE_PCM_S24LE | CODEC_TYPE_PCM_S24BE | CODEC_TYPE_PCM_U24LE | CODEC_TYPE_PCM_U24BE => 24,
            CODEC_TYPE_PCM_S32LE | CODEC_TYPE_PCM_S32BE | CODEC_TYPE_PCM_U32LE | CODEC_TYPE_PCM_U32BE => 32,
            CODEC_TYPE_PCM_ALAW | CODEC_TYPE_PCM_MULAW | CODEC_TYPE_ADPCM_IMA_WAV | CODEC_TYPE_ADPCM_MS => 16,
            _ => return None,
        })
    };
    if let Some(bits) = int_width(c) {
        return Ok(StoredFormat::for_int_bits(bits));
    }
    match c {
        CODEC_TYPE_PCM_F32LE | CODEC_TYPE_PCM_F32BE | CODEC_TYPE_PCM_F64LE | CODEC_TYPE_PCM_F64BE => Ok(StoredFormat::F32),
        CODEC_TYPE_FLAC => Ok(StoredFormat::for_int_bits(params.bits_per_sample.unwrap_or(32))),
        CODEC_TYPE_VORBIS | CODEC_TYPE_MP3 => Ok(StoredFormat::F32),
        other => {
            let name = symphonia::default::get_codecs().get_codec(other).map(|d| d.short_name).unwrap_or("unknown");
            Err(format!("unsupported {} encoding ({name})", kind.label()))
        }
    }
}

/// The packet buffer for a stream stored as `format`: integers (full
/// scale) for every integer source, including 32-bit PCM and FLAC stored as
/// f32 (the sink rounds them once); floats for float and lossy sources.
fn scratch_for(format: StoredFormat, codec: CodecType) -> Scratch {
    use codecs::*;
    let int_source = matches!(codec, CODEC_TYPE_PCM_S32LE | CODEC_TYPE_PCM_S32BE | CODEC_TYPE_PCM_U32LE | CODEC_TYPE_PCM_U32BE | CODEC_TYPE_FLAC);
    if format == StoredFormat::F32 && !int_source {
        Scratch::Float(None)
    } else {
        Scratch::Int(None)
    }
}

/// A probe that knows only the reader for `kind` (an ID3v2 tag in front
/// is skipped before, see [`TailSource`]).
///
/// symphonia's default probe scans the whole stream for the marker of any
/// format it knows, so a file sniffed as MP3 could be read as the FLAC
/// stream found further in, past the FLAC metadata precheck (a fuzzed
/// 1274-byte file made its comment reader allocate 3 GB). With one reader,
/// the file is read as what it was checked as.
///
/// Thread: loader (non-real-time). Allocates once per kind, on first use.
fn probe_for(kind: FileKind) -> &'static Probe {
    use symphonia::default::formats::{FlacReader, MpaReader, OggReader, WavReader};
    static PROBES: [OnceLock<Probe>; 4] = [const { OnceLock::new() }; 4];
    let (slot, register): (usize, fn(&mut Probe)) = match kind {
        FileKind::Wav => (0, |p| p.register_all::<WavReader>()),
        FileKind::Flac => (1, |p| p.register_all::<FlacReader>()),
        FileKind::Ogg => (2, |p| p.register_all::<OggReader>()),
        FileKind::Mp3 => (3, |p| p.register_all::<MpaReader>()),
        FileKind::Aiff => unreachable!("AIFF has its own reader"),
    };
    PROBES[slot].get_or_init(|| {
        let mut probe = Probe::default();
        register(&mut probe);
        probe
    })
}

/// Runs `f`, turning a panic into an error (a decoder bug must cost one
/// file, not the host).
fn guarded<T>(f: impl FnOnce() -> Result<T, SymphoniaError>) -> Result<T, Result<String, SymphoniaError>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Err(e)),
        Err(panic) => Err(Ok(format!("the decoder failed on this file (internal error: {})", crate::panic_text(&*panic)))),
    }
}

/// A symphonia error as the reason a user reads.
fn reason(kind: FileKind, e: SymphoniaError) -> String {
    match e {
        // symphonia reads an Ogg stream's last page when it opens it: a cut
        // stream and one of headers only both end before it.
        SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof && kind == FileKind::Ogg => {
            "truncated or empty: the Ogg stream ends before its last page (cut short, or no audio)".into()
        }
        SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => "truncated: the file ends inside its header".into(),
        SymphoniaError::IoError(io) => format!("cannot be read ({io})"),
        SymphoniaError::DecodeError(what) if what.contains("exceeds parent") => {
            format!("truncated or corrupt: a chunk's size runs past the end of the file ({what})")
        }
        SymphoniaError::DecodeError(what) => format!("corrupt {} data ({what})", kind.label()),
        SymphoniaError::Unsupported(what) => format!("unsupported {} file ({what})", kind.label()),
        SymphoniaError::LimitError(what) => format!("{} file exceeds a limit ({what})", kind.label()),
        SymphoniaError::SeekError(_) | SymphoniaError::ResetRequired => format!("{} stream changes format midway", kind.label()),
    }
}

/// Decodes `track` packet by packet, handing each packet's interleaved
/// samples to `visit`. The end of the stream ends it; any other error, a
/// FLAC frame that fails its CRC or a panic in the decoder is the file's
/// error.
fn run(
    path: &Path,
    kind: FileKind,
    mut reader: Box<dyn FormatReader>,
    mut decoder: Box<dyn Decoder>,
    track: u32,
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(Decoded<'_>),
) -> Result<(), LoadError> {
    let err = |reason: String| LoadError::new(path, reason);
    // FLAC's integrity check is the CRC-16 on every frame. symphonia's FLAC
    // reader passes on only frames whose CRC matches and silently drops the
    // others, so a failed frame shows as a jump in the frames' positions
    // (each frame header says which sample it starts at); a failed last
    // frame shows as fewer frames than STREAMINFO promised, which the
    // caller checks. The MD5 of all the audio is not checked: the CRCs
    // already refuse a damaged file, and the MD5 made a FLAC load 1.66x a
    // plain decode (README, Performance).
    let mut next_frame = 0u64;
    loop {
        let packet = match guarded(|| reader.next_packet()) {
            Ok(p) => p,
            Err(Err(SymphoniaError::IoError(io))) if io.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(err(e.unwrap_or_else(|e| reason(kind, e)))),
        };
        if packet.track_id() != track {
            continue;
        }
        if kind == FileKind::Flac && packet.ts() != next_frame {
            let (lost, to) = (next_frame, packet.ts().max(next_frame));
            return Err(err(format!("corrupt FLAC data: the frame at sample {lost} fails its CRC check (samples {lost} to {to} lost)")));
        }
        let decoded = guarded(|| decoder.decode(&packet)).map_err(|e| err(e.unwrap_or_else(|e| reason(kind, e))))?;
        next_frame += decoded.frames() as u64;
        if decoded.frames() == 0 {
            continue;
        }
        match (&mut *scratch, &decoded) {
            (Scratch::Int(_), AudioBufferRef::S32(planes)) => {
                let both = [planes.chan(0), planes.chan(planes.spec().channels.count() - 1)];
                visit(Decoded::IntPlanar(&both[..planes.spec().channels.count()]));
            }
            (Scratch::Int(buf), _) => {
                let buf = fit(buf, &decoded);
                buf.copy_interleaved_ref(decoded);
                visit(Decoded::Int(buf.samples()));
            }
            (Scratch::Float(buf), _) => {
                let buf = fit(buf, &decoded);
                buf.copy_interleaved_ref(decoded);
                visit(Decoded::Float(buf.samples()));
            }
        }
    }
    Ok(())
}

/// The scratch buffer, (re)made large enough for `decoded`.
fn fit<'b, S: symphonia::core::sample::Sample + symphonia::core::conv::ConvertibleSample>(
    buf: &'b mut Option<SampleBuffer<S>>,
    decoded: &AudioBufferRef<'_>,
) -> &'b mut SampleBuffer<S> {
    let spec = *decoded.spec();
    let need = decoded.capacity() as u64;
    if buf.as_ref().is_none_or(|b| (b.capacity() as u64) < need * spec.channels.count() as u64) {
        *buf = Some(SampleBuffer::new(need, spec));
    }
    buf.as_mut().expect("just made")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_decoder_becomes_the_files_error() {
        let caught: Result<(), _> = guarded(|| panic!("index out of range in frame 7"));
        match caught {
            Err(Ok(reason)) => assert_eq!(reason, "the decoder failed on this file (internal error: index out of range in frame 7)"),
            _ => panic!("the panic was not caught"),
        }
        let error: Result<(), _> = guarded(|| Err(SymphoniaError::DecodeError("bad frame crc")));
        assert!(matches!(error, Err(Err(SymphoniaError::DecodeError("bad frame crc")))));
    }

    /// A picture block: type, media type, description, four numbers, data.
    fn picture(media: &[u8], description: &[u8], data: &[u8], data_len: u32) -> Vec<u8> {
        let mut b = 3u32.to_be_bytes().to_vec();
        for field in [media, description] {
            b.extend((field.len() as u32).to_be_bytes());
            b.extend(field);
        }
        b.extend([0u8; 16]);
        b.extend(data_len.to_be_bytes());
        b.extend(data);
        b
    }

    #[test]
    fn a_picture_block_must_hold_what_its_lengths_claim() {
        let png = [0x89, b'P', b'N', b'G'];
        assert_eq!(picture_fits(&picture(b"image/png", b"cover", &png, 4)), Ok(()));
        assert_eq!(picture_fits(&picture(b"image/png", b"", &png, 4_000_000_000)), Err("the picture's data runs past its block".into()));
        let mut long_type = picture(b"image/png", b"", &png, 4);
        long_type[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(picture_fits(&long_type), Err("the picture's media type runs past its block".into()));
        assert_eq!(picture_fits(&[0, 0, 0, 3]), Err("the picture block is cut short".into()));
    }
}
