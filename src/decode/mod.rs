//! Decoding sample files: what a file holds ([`SampleInfo`]), how its
//! samples are stored ([`StoredFormat`]), where they go ([`SampleSink`],
//! written straight into a region the engine reserved), and the one-line
//! errors ([`LoadError`]). [`AudioFile`] reads every format through
//! symphonia; [`sniff`] tells the file type from its first bytes.
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

mod aiff;
mod audio_file;
mod ogg_check;
mod riff_meta;
pub mod sniff;
mod tail_source;

use std::path::{Path, PathBuf};

use wasm_sampler_guest::abi;

pub use audio_file::AudioFile;
pub use sniff::{has_audio_extension, sniff, sniff_file, FileKind, AUDIO_EXTENSIONS};

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

/// Checks that `path` names a regular file before it is opened, and gives
/// its metadata; otherwise the reason, in words a user acts on. A pipe
/// would block the thread opening it until something wrote to it (the
/// loader, or the editor, for ever) and a device such as `/dev/zero` reads
/// without end, so neither is opened.
///
/// Thread: non-real-time (file system). Allocates only the reason.
pub fn regular_file(path: &Path) -> Result<std::fs::Metadata, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e, path))?;
    if meta.is_dir() {
        Err("is a directory, not a file".into())
    } else if !meta.is_file() {
        Err("is not a regular file (a device, pipe or socket)".into())
    } else {
        Ok(meta)
    }
}

/// How a sample is kept in the guest's memory: at the file's own depth where
/// that is exact (8, 16 and 24-bit integers), as f32 otherwise (float files,
/// 32-bit integers, lossy formats). The guest converts on the fly; see
/// `abi::format` for the byte layouts and the exact scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredFormat {
    I8,
    I16,
    I24,
    F32,
}

impl StoredFormat {
    /// The smallest integer format that holds `bits`-bit integer samples
    /// exactly; f32 above 24 bits.
    ///
    /// Thread: any. No allocation.
    pub fn for_int_bits(bits: u32) -> StoredFormat {
        match bits {
            0..=8 => StoredFormat::I8,
            9..=16 => StoredFormat::I16,
            17..=24 => StoredFormat::I24,
            _ => StoredFormat::F32,
        }
    }

    /// The `format` code `slot_load` takes.
    ///
    /// Thread: any. No allocation.
    pub fn abi(self) -> u32 {
        match self {
            StoredFormat::I8 => abi::format::I8,
            StoredFormat::I16 => abi::format::I16,
            StoredFormat::I24 => abi::format::I24,
            StoredFormat::F32 => abi::format::F32,
        }
    }

    /// Bytes one sample (one channel of one frame) takes.
    ///
    /// Thread: any. No allocation.
    pub fn bytes_per_sample(self) -> usize {
        abi::format::bytes_per_sample(self.abi()).expect("every stored format has a size") as usize
    }

    /// A short name for displays ("16-bit").
    ///
    /// Thread: any. No allocation.
    pub fn label(self) -> &'static str {
        match self {
            StoredFormat::I8 => "8-bit",
            StoredFormat::I16 => "16-bit",
            StoredFormat::I24 => "24-bit",
            StoredFormat::F32 => "32-bit float",
        }
    }
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
    /// How the samples are stored in the guest's memory.
    pub format: StoredFormat,
    /// What the file is; `None` for audio made in memory.
    pub kind: Option<FileKind>,
    /// What the file says for a sampler (WAV `smpl`, AIFF `INST`/`MARK`).
    pub meta: SamplerMeta,
}

/// A file's own sampler metadata.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SamplerMeta {
    /// The MIDI note at which the sample sounds at its own pitch.
    pub root_key: Option<u8>,
    /// The first loop, as frames `start..end` (end exclusive), inside the
    /// sample.
    pub loop_frames: Option<(u32, u32)>,
}

impl SamplerMeta {
    /// Keeps only what makes sense for a sample of `frames` frames: a root
    /// key of 0–127, a loop of at least one frame that ends inside it.
    ///
    /// Thread: any. No allocation.
    pub fn checked(self, frames: u32) -> SamplerMeta {
        SamplerMeta { root_key: self.root_key.filter(|&k| k < 128), loop_frames: self.loop_frames.filter(|&(s, e)| s < e && e <= frames) }
    }
}

impl SampleInfo {
    /// Samples (frames × channels).
    ///
    /// Thread: any. No allocation.
    pub fn samples(&self) -> u64 {
        self.frames as u64 * self.channels as u64
    }

    /// Bytes the stored samples take (frames × channels × bytes per sample).
    ///
    /// Thread: any. No allocation.
    pub fn bytes(&self) -> u64 {
        self.samples() * self.format.bytes_per_sample() as u64
    }

    /// Bytes the region for these samples takes (a 24-bit region has one
    /// byte more: see `abi::format::I24`).
    ///
    /// Thread: any. No allocation.
    pub fn region_bytes(&self) -> u64 {
        abi::format::region_bytes(self.format.abi(), self.samples())
    }
}

/// Where decoded samples go: a destination of known length, written in
/// chunks of stored bytes through a small stack buffer (so the decoder never
/// holds the whole sample twice). Values arrive either as full-scale 32-bit
/// integers ([`SampleSink::push_int`]) or as floats ([`SampleSink::push_float`])
/// and are stored in the sink's format.
pub struct SampleSink<'a> {
    write: &'a mut dyn FnMut(usize, &[u8]),
    format: StoredFormat,
    /// Samples the destination holds.
    len: usize,
    /// Samples written out so far.
    written: usize,
    buf: [u8; 8192],
    /// Bytes buffered.
    fill: usize,
}

impl<'a> SampleSink<'a> {
    /// A sink of `len` samples in `format`; `write(byte_offset, bytes)`
    /// stores `bytes` at that offset of the destination.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn new(len: usize, format: StoredFormat, write: &'a mut dyn FnMut(usize, &[u8])) -> Self {
        SampleSink { write, format, len, written: 0, buf: [0; 8192], fill: 0 }
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

    /// Samples pushed so far (never more than [`SampleSink::len`]).
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn pushed(&self) -> usize {
        self.written + self.fill / self.format.bytes_per_sample()
    }

    /// The format the sink stores.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn format(&self) -> StoredFormat {
        self.format
    }

    /// Appends samples given as full-scale 32-bit integers (a 16-bit value v
    /// arrives as v << 16). Integer formats keep the top bits, which is
    /// exact when the source has no more bits than the format; f32 stores
    /// v / 2^31 rounded once. Samples past the end are ignored.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn push_ints(&mut self, values: &[i32]) {
        match self.format {
            StoredFormat::I8 => self.put_with(values, |v| [(v >> 24) as u8]),
            StoredFormat::I16 => self.put_with(values, |v| ((v >> 16) as i16).to_le_bytes()),
            StoredFormat::I24 => self.put_with(values, |v| {
                let [a, b, c, _] = (v >> 8).to_le_bytes();
                [a, b, c]
            }),
            StoredFormat::F32 => self.put_with(values, |v| (v as f32 * (1.0 / 2_147_483_648.0)).to_le_bytes()),
        }
    }

    /// Appends samples as [`SampleSink::push_ints`] does, given one slice
    /// per channel (all as long as the first): they are interleaved as they
    /// are stored.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn push_planar_ints(&mut self, channels: &[&[i32]]) {
        match channels {
            [mono] => self.push_ints(mono),
            [left, right] => {
                // Interleaved a cache-sized piece at a time.
                let mut piece = [0i32; 1024];
                for (l, r) in left.chunks(512).zip(right.chunks(512)) {
                    for (k, (&a, &b)) in l.iter().zip(r).enumerate() {
                        (piece[2 * k], piece[2 * k + 1]) = (a, b);
                    }
                    self.push_ints(&piece[..2 * l.len()]);
                }
            }
            _ => unreachable!("files have one or two channels (checked when opened)"),
        }
    }

    /// Appends one sample as [`SampleSink::push_ints`] does.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn push_int(&mut self, v: i32) {
        self.push_ints(&[v]);
    }

    /// Appends samples given as floats (full scale ±1). Only for f32
    /// sinks: a float source is always stored as f32. Samples past the end
    /// are ignored.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn push_floats(&mut self, values: &[f32]) {
        debug_assert_eq!(self.format, StoredFormat::F32, "float sources are stored as f32");
        self.put_with(values, |v: f32| v.to_le_bytes());
    }

    /// Appends one sample as [`SampleSink::push_floats`] does.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn push_float(&mut self, v: f32) {
        self.push_floats(&[v]);
    }

    /// Encodes `values` into the buffer with `encode` (one sample into its
    /// bytes), a buffer's worth at a time, flushing as it fills. `N`, the
    /// stored size, is a constant so that each sample is one fixed-size
    /// store (a size known only at run time made every sample a `memcpy`
    /// call: 12% of an MP3 load's instructions).
    #[inline(always)]
    fn put_with<T: Copy, const N: usize>(&mut self, values: &[T], encode: impl Fn(T) -> [u8; N]) {
        debug_assert_eq!(N, self.format.bytes_per_sample());
        let room = self.len - self.pushed().min(self.len);
        let mut values = &values[..values.len().min(room)];
        while !values.is_empty() {
            let fits = (self.buf.len() - self.fill) / N;
            if fits == 0 {
                self.flush();
                continue;
            }
            let (now, rest) = values.split_at(values.len().min(fits));
            for (v, out) in now.iter().zip(self.buf[self.fill..].chunks_exact_mut(N)) {
                out.copy_from_slice(&encode(*v));
            }
            self.fill += now.len() * N;
            values = rest;
        }
    }

    /// Writes out what is buffered.
    ///
    /// Thread: loader (non-real-time). No allocation.
    pub fn flush(&mut self) {
        if self.fill > 0 {
            let size = self.format.bytes_per_sample();
            (self.write)(self.written * size, &self.buf[..self.fill]);
            self.written += self.fill / size;
            self.fill = 0;
        }
    }
}
