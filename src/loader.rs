//! Decoding sample files into the guest's memory.
//!
//! WAV through hound: 8/16/24/32-bit integer PCM and 32-bit float, mono or
//! stereo, any rate. [`WavSource::open`] reads and checks the header;
//! [`WavSource::decode_into`] converts the audio straight into the region the
//! engine allocated, through a small stack buffer: there is never a second
//! whole-sample buffer.
//!
//! Errors are one line naming the file and the reason ([`LoadError`]).
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

/// A file that could not be loaded, and why, displayed as one line:
/// `path: reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    pub reason: String,
}

impl LoadError {
    /// Thread: loader (non-real-time). Allocates.
    pub fn new(path: &Path, reason: impl Into<String>) -> Self {
        LoadError { path: path.to_path_buf(), reason: reason.into() }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for LoadError {}

/// The reason an I/O error on `path` happened, in words a user acts on.
///
/// Thread: loader (non-real-time). Allocates.
pub fn io_reason(e: &std::io::Error, path: &Path) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "file not found".into(),
        PermissionDenied => "permission denied (the file cannot be read)".into(),
        IsADirectory => "is a directory, not a file".into(),
        NotADirectory => "a component of the path is not a directory".into(),
        UnexpectedEof => "truncated: the file ends inside its header".into(),
        _ if path.is_dir() => "is a directory, not a file".into(),
        _ => format!("cannot be read ({e})"),
    }
}

/// The sample encoding of a WAV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Integer PCM of 8, 16, 24 or 32 bits.
    Int(u16),
    /// IEEE float, 32 bits.
    Float,
}

/// What a sample file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleInfo {
    /// 1 or 2.
    pub channels: u16,
    /// Frames (samples per channel).
    pub frames: u32,
    /// The file's own sample rate (Hz).
    pub sample_rate: u32,
    pub encoding: Encoding,
}

impl SampleInfo {
    /// Bytes the decoded f32 data takes in memory.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn bytes(&self) -> u64 {
        self.frames as u64 * self.channels as u64 * 4
    }
}

/// An opened, checked WAV file (or WAV bytes in memory) ready to decode.
pub struct WavSource<R: Read = BufReader<File>> {
    path: PathBuf,
    reader: hound::WavReader<R>,
    info: SampleInfo,
}

fn hound_reason(e: hound::Error, path: &Path) -> String {
    match e {
        hound::Error::IoError(io) => io_reason(&io, path),
        // hound reports these two encodings as format errors, but they are
        // valid WAV files we do not read.
        hound::Error::FormatError("bits per sample is not 32") => "unsupported WAV encoding (float samples that are not 32-bit)".into(),
        hound::Error::FormatError("bits per sample is not a multiple of 8") => "unsupported WAV encoding (packed samples of odd bit width)".into(),
        hound::Error::FormatError(what) => format!("not a valid WAV file ({what})"),
        hound::Error::Unsupported => "unsupported WAV encoding (only integer PCM and 32-bit float are read)".into(),
        hound::Error::TooWide => "unsupported WAV encoding (sample width above 32 bits)".into(),
        hound::Error::InvalidSampleFormat => "unsupported WAV encoding (invalid sample format)".into(),
        other => format!("not a valid WAV file ({other})"),
    }
}

impl WavSource {
    /// Opens `path` and checks its header.
    ///
    /// Thread: loader (file I/O). Allocates a read buffer.
    pub fn open(path: &Path) -> Result<WavSource, LoadError> {
        let err = |reason: String| LoadError::new(path, reason);
        let meta = std::fs::metadata(path).map_err(|e| err(io_reason(&e, path)))?;
        if meta.is_dir() {
            return Err(err("is a directory, not a file".into()));
        }
        let file = File::open(path).map_err(|e| err(io_reason(&e, path)))?;
        WavSource::from_reader(path, BufReader::new(file), meta.len())
    }
}

impl WavSource<Cursor<Vec<u8>>> {
    /// WAV bytes held in memory (audio embedded in a project), named `name`
    /// in errors.
    ///
    /// Thread: non-real-time. No I/O.
    pub fn from_bytes(name: &Path, bytes: Vec<u8>) -> Result<Self, LoadError> {
        let len = bytes.len() as u64;
        WavSource::from_reader(name, Cursor::new(bytes), len)
    }
}

impl<R: Read> WavSource<R> {
    fn from_reader(path: &Path, reader: R, total_len: u64) -> Result<Self, LoadError> {
        let err = |reason: String| LoadError::new(path, reason);
        let reader = hound::WavReader::new(reader).map_err(|e| err(hound_reason(e, path)))?;
        let spec = reader.spec();
        let encoding = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, b @ (8 | 16 | 24 | 32)) => Encoding::Int(b),
            (hound::SampleFormat::Float, 32) => Encoding::Float,
            (hound::SampleFormat::Int, b) => return Err(err(format!("unsupported WAV encoding ({b}-bit integer PCM)"))),
            (hound::SampleFormat::Float, b) => return Err(err(format!("unsupported WAV encoding ({b}-bit float)"))),
        };
        if spec.channels == 0 || spec.channels > 2 {
            return Err(err(format!("has {} channels; only mono and stereo files are supported", spec.channels)));
        }
        if spec.sample_rate == 0 {
            return Err(err("sample rate is 0 Hz".into()));
        }
        let frames = reader.duration();
        if frames == 0 {
            return Err(err("contains no audio frames".into()));
        }
        // The data chunk may claim more than the file holds; refuse before
        // growing memory for it.
        let data_bytes = frames as u64 * spec.channels as u64 * (spec.bits_per_sample as u64).div_ceil(8);
        if data_bytes > total_len {
            return Err(err(format!("truncated: the header promises {frames} frames ({data_bytes} bytes) but the file has {total_len} bytes")));
        }
        let info = SampleInfo { channels: spec.channels, frames, sample_rate: spec.sample_rate, encoding };
        Ok(WavSource { path: path.to_path_buf(), reader, info })
    }

    /// What the file holds.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn info(&self) -> SampleInfo {
        self.info
    }

    /// Decodes every sample, interleaved, into `dst` (exactly
    /// `frames * channels` long) as f32: integers scaled by 2^-(bits-1)
    /// (exact for 8/16/24 bits, rounded once to nearest for 32), floats as is.
    ///
    /// Thread: loader (file I/O). No allocation beyond the reader's buffer.
    pub fn decode_into(mut self, dst: &mut SampleSink<'_>) -> Result<(), LoadError> {
        let expected = self.info.frames as usize * self.info.channels as usize;
        assert_eq!(dst.len(), expected, "destination sized for this file");
        let path = self.path.clone();
        let truncated = |done: usize| {
            LoadError::new(&path, format!("truncated: audio data ends after {} of {} frames", done / self.info.channels as usize, self.info.frames))
        };
        let mut done = 0usize;
        match self.info.encoding {
            Encoding::Float => {
                for s in self.reader.samples::<f32>() {
                    let v = s.map_err(|e| match e {
                        hound::Error::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => truncated(done),
                        e => LoadError::new(&path, hound_reason(e, &path)),
                    })?;
                    dst.push(v);
                    done += 1;
                }
            }
            Encoding::Int(bits) => {
                let scale = 1.0 / (1u64 << (bits - 1)) as f32;
                for s in self.reader.samples::<i32>() {
                    let v = s.map_err(|e| match e {
                        hound::Error::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => truncated(done),
                        e => LoadError::new(&path, hound_reason(e, &path)),
                    })?;
                    dst.push(v as f32 * scale);
                    done += 1;
                }
            }
        }
        if done != expected {
            return Err(truncated(done));
        }
        dst.flush();
        Ok(())
    }
}

/// Where decoded samples go: a destination of known length written in
/// chunks through a small stack buffer (so the decoder never holds the whole
/// sample twice).
pub struct SampleSink<'a> {
    write: &'a mut dyn FnMut(usize, &[f32]),
    len: usize,
    written: usize,
    buf: [f32; 2048],
    fill: usize,
}

impl<'a> SampleSink<'a> {
    /// A sink of `len` samples; `write(index, chunk)` stores `chunk` at sample
    /// `index` of the destination.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn new(len: usize, write: &'a mut dyn FnMut(usize, &[f32])) -> Self {
        SampleSink { write, len, written: 0, buf: [0.0; 2048], fill: 0 }
    }

    /// Samples the destination holds.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the destination holds no samples.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one sample (ignored past the end).
    ///
    /// Thread: loader (non-real-time). No allocation.
    #[inline]
    pub fn push(&mut self, v: f32) {
        if self.written + self.fill >= self.len {
            return;
        }
        self.buf[self.fill] = v;
        self.fill += 1;
        if self.fill == self.buf.len() {
            self.flush();
        }
    }

    /// Writes out what is buffered.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn flush(&mut self) {
        if self.fill > 0 {
            (self.write)(self.written, &self.buf[..self.fill]);
            self.written += self.fill;
            self.fill = 0;
        }
    }
}
