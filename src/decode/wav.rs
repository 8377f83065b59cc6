//! WAV through hound: 8/16/24/32-bit integer PCM and 32-bit float, mono or
//! stereo, any rate. [`WavSource::open`] reads and checks the header;
//! [`WavSource::decode_into`] converts the audio straight into the region the
//! engine reserved, through a small stack buffer: there is never a second
//! whole-sample buffer.
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use super::{io_reason, Encoding, LoadError, SampleInfo, SampleSink};

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
