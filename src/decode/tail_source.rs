//! A file read from an offset on: what symphonia sees of an MP3 or FLAC
//! with an ID3v2 tag in front, so that the tag is never parsed.
//!
//! The sampler needs nothing an ID3v2 tag holds, and symphonia 0.5's tag
//! reader allocates each frame's claimed size before it checks that the
//! frame fits in the tag (fuzzing found a 34-byte file that made it ask for
//! 2 GiB). Skipping the tag, whose length the sniffer already read, removes
//! that parser from the way in. symphonia offers no way to start a stream
//! at an offset, hence these few lines.
//!
//! Thread: loader (non-real-time). No allocation.

use std::io::{Read, Result, Seek, SeekFrom};

use symphonia::core::io::MediaSource;

/// `inner` from byte `start` on, as a stream of its own (positions and
/// length counted from `start`).
pub struct TailSource {
    inner: Box<dyn MediaSource>,
    start: u64,
}

impl TailSource {
    /// Reads `inner` from `start` on; the position is moved there.
    ///
    /// Thread: loader. No allocation (beyond the box the caller made).
    pub fn new(mut inner: Box<dyn MediaSource>, start: u64) -> Result<TailSource> {
        inner.seek(SeekFrom::Start(start))?;
        Ok(TailSource { inner, start })
    }
}

impl Read for TailSource {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for TailSource {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        let to = match pos {
            SeekFrom::Start(n) => SeekFrom::Start(self.start.saturating_add(n)),
            // Before the tail's start is before the stream's: an error, as
            // for any stream.
            SeekFrom::Current(n) if n < 0 && self.inner.stream_position()?.saturating_sub(self.start) < n.unsigned_abs() => {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start of the stream"));
            }
            other => other,
        };
        Ok(self.inner.seek(to)?.saturating_sub(self.start))
    }
}

impl MediaSource for TailSource {
    fn is_seekable(&self) -> bool {
        self.inner.is_seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        self.inner.byte_len().map(|n| n.saturating_sub(self.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn the_tail_reads_seeks_and_measures_from_its_start() {
        let bytes: Vec<u8> = (0..20).collect();
        let mut tail = TailSource::new(Box::new(Cursor::new(bytes)), 5).unwrap();
        assert_eq!(tail.byte_len(), Some(15));
        let mut two = [0u8; 2];
        tail.read_exact(&mut two).unwrap();
        assert_eq!(two, [5, 6]);
        assert_eq!(tail.stream_position().unwrap(), 2);
        assert_eq!(tail.seek(SeekFrom::Start(10)).unwrap(), 10);
        tail.read_exact(&mut two).unwrap();
        assert_eq!(two, [15, 16]);
        assert_eq!(tail.seek(SeekFrom::End(-1)).unwrap(), 14);
        tail.read_exact(&mut two[..1]).unwrap();
        assert_eq!(two[0], 19);
        assert_eq!(tail.seek(SeekFrom::Current(-15)).unwrap(), 0);
        assert!(tail.seek(SeekFrom::Current(-1)).is_err(), "before the tail's start");
        tail.read_exact(&mut two).unwrap();
        assert_eq!(two, [5, 6]);
    }
}
