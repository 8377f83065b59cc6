//! Decoding sample files: what a file holds ([`SampleInfo`]), where its
//! samples go ([`SampleSink`], written straight into a region the engine
//! reserved), and the one-line errors ([`LoadError`]). The formats are one
//! module each: [`wav`].
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

pub mod wav;

use std::path::{Path, PathBuf};

pub use wav::WavSource;

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
