//! AIFF and AIFF-C, read by hand.
//!
//! Why not symphonia: its 0.5 AIFF reader (the release this crate uses)
//! stops 8 bytes before the end of the sound data, so a sox-written 16-bit
//! mono AIFF of 4013 frames decodes to 4009 (measured by
//! `tests/integration/formats.rs`); 0.6 fixes it but changes the whole decoding API.
//! AIFF is simple enough to read exactly: a COMM chunk (channels, frames,
//! bits, an 80-bit float rate and, in AIFF-C, the compression) and an SSND
//! chunk of interleaved samples.
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

use std::io::{BufReader, Read, Seek, SeekFrom};

use super::{SampleSink, SamplerMeta, StoredFormat};

/// How the sound data is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Signed integers, big-endian (`NONE`, `twos`, `in24`, `in32`, plain AIFF).
    IntBe(u32),
    /// Signed 16-bit integers, little-endian (`sowt`).
    IntLe(u32),
    /// Unsigned 8-bit (`raw `).
    Unsigned8,
    /// IEEE float, big-endian, 32 or 64 bits (`fl32`, `fl64`).
    Float(u32),
}

impl Encoding {
    fn bytes(self) -> usize {
        match self {
            Encoding::IntBe(bits) | Encoding::IntLe(bits) | Encoding::Float(bits) => bits.div_ceil(8) as usize,
            Encoding::Unsigned8 => 1,
        }
    }

    /// How samples in this encoding are stored in the guest's memory.
    ///
    /// Thread: any. No allocation.
    pub fn stored(self) -> StoredFormat {
        match self {
            Encoding::IntBe(bits) | Encoding::IntLe(bits) => StoredFormat::for_int_bits(bits),
            Encoding::Unsigned8 => StoredFormat::I8,
            Encoding::Float(_) => StoredFormat::F32,
        }
    }
}

/// A checked AIFF header, positioned at the first sample.
pub struct Aiff<R> {
    reader: BufReader<R>,
    pub channels: u16,
    pub frames: u32,
    pub sample_rate: u32,
    pub encoding: Encoding,
    /// The base note and sustain loop of `INST` (with `MARK`'s positions).
    pub meta: SamplerMeta,
    /// Bytes of sample data the SSND chunk holds after its offset.
    available: u64,
}

/// Reads the header of an AIFF or AIFF-C file. The reason of an error is
/// one phrase for the loader's line.
///
/// Thread: loader (file I/O). Allocates the read buffer and small chunks.
pub fn open<R: Read + Seek>(source: R) -> Result<Aiff<R>, String> {
    let mut r = BufReader::new(source);
    let mut head = [0u8; 12];
    r.read_exact(&mut head).map_err(|_| "truncated: the file ends inside its header".to_string())?;
    let aifc = &head[8..12] == b"AIFC";
    let form_end = 8 + u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as u64;
    let mut comm = None;
    let mut ssnd = None;
    let (mut inst, mut mark) = (None, None);
    let mut pos = 12u64;
    while pos + 8 <= form_end {
        let mut ch = [0u8; 8];
        if r.read_exact(&mut ch).is_err() {
            break;
        }
        let size = u32::from_be_bytes([ch[4], ch[5], ch[6], ch[7]]) as u64;
        let body = pos + 8;
        match &ch[..4] {
            b"COMM" => {
                let mut c = vec![0u8; size.min(256) as usize];
                r.read_exact(&mut c).map_err(|_| "truncated: the file ends inside its COMM chunk".to_string())?;
                comm = Some(c);
            }
            b"INST" | b"MARK" => {
                let mut c = vec![0u8; size.min(1 << 16) as usize];
                if r.read_exact(&mut c).is_ok() {
                    if &ch[..4] == b"INST" {
                        inst = Some(c);
                    } else {
                        mark = Some(c);
                    }
                }
            }
            b"SSND" => {
                let mut o = [0u8; 8];
                r.read_exact(&mut o).map_err(|_| "truncated: the file ends inside its SSND chunk".to_string())?;
                let offset = u32::from_be_bytes([o[0], o[1], o[2], o[3]]) as u64;
                ssnd = Some((body + 8 + offset, size.saturating_sub(8 + offset)));
            }
            _ => {}
        }
        pos = body + size + size % 2;
        r.seek(SeekFrom::Start(pos)).map_err(|e| format!("cannot be read ({e})"))?;
    }
    let comm = comm.ok_or("not a valid AIFF file (no COMM chunk)")?;
    if comm.len() < 18 {
        return Err("not a valid AIFF file (COMM chunk too short)".into());
    }
    let channels = i16::from_be_bytes([comm[0], comm[1]]);
    let frames = u32::from_be_bytes([comm[2], comm[3], comm[4], comm[5]]);
    let bits = i16::from_be_bytes([comm[6], comm[7]]);
    let rate = extended_to_f64(comm[8..18].try_into().expect("10 bytes"));
    let encoding = if aifc {
        let tag: [u8; 4] = comm.get(18..22).ok_or("not a valid AIFF-C file (no compression type)")?.try_into().expect("4 bytes");
        match &tag {
            b"NONE" | b"twos" => Encoding::IntBe(bits as u32),
            b"in24" => Encoding::IntBe(24),
            b"in32" => Encoding::IntBe(32),
            b"sowt" => Encoding::IntLe(bits as u32),
            b"raw " => Encoding::Unsigned8,
            b"fl32" | b"FL32" => Encoding::Float(32),
            b"fl64" | b"FL64" => Encoding::Float(64),
            other => return Err(format!("unsupported AIFF-C compression '{}'", String::from_utf8_lossy(other))),
        }
    } else {
        Encoding::IntBe(bits as u32)
    };
    if let Encoding::IntBe(b) | Encoding::IntLe(b) = encoding {
        if !(1..=32).contains(&b) {
            return Err(format!("unsupported AIFF sample size ({bits} bits)"));
        }
    }
    if channels <= 0 || channels > 2 {
        return Err(format!("has {channels} channels; only mono and stereo files are supported"));
    }
    if !(rate.is_finite() && rate >= 1.0) {
        return Err("sample rate is 0 Hz".into());
    }
    let (start, available) = ssnd.ok_or("AIFF file with no sound data (no SSND chunk)")?;
    if frames == 0 {
        return Err("contains no audio frames".into());
    }
    let promised = frames as u64 * channels as u64 * encoding.bytes() as u64;
    if promised > available {
        return Err(format!(
            "truncated: the header promises {frames} frames but the sound data holds {}",
            available / (channels as u64 * encoding.bytes() as u64)
        ));
    }
    r.seek(SeekFrom::Start(start)).map_err(|e| format!("cannot be read ({e})"))?;
    let meta = instrument_meta(inst.as_deref(), mark.as_deref());
    Ok(Aiff { reader: r, channels: channels as u16, frames, sample_rate: rate.round() as u32, encoding, meta, available })
}

impl<R: Read> Aiff<R> {
    /// Decodes every sample, interleaved, into `dst`. A file with fewer
    /// samples than COMM promises is an error.
    ///
    /// Thread: loader (file I/O). Allocates one 64 KiB read buffer.
    pub fn decode_into(mut self, dst: &mut SampleSink<'_>) -> Result<(), String> {
        let size = self.encoding.bytes();
        let total = self.frames as u64 * self.channels as u64;
        let wanted = (total * size as u64).min(self.available);
        let mut left = wanted;
        let mut buf = vec![0u8; 64 * 1024 / size * size];
        while left > 0 {
            let n = (buf.len() as u64).min(left) as usize;
            let got = read_full(&mut self.reader, &mut buf[..n]).map_err(|e| format!("cannot be read ({e})"))?;
            for s in buf[..got - got % size].chunks_exact(size) {
                match self.encoding {
                    Encoding::IntBe(_) => dst.push_int(full_scale(s, false)),
                    Encoding::IntLe(_) => dst.push_int(full_scale(s, true)),
                    Encoding::Unsigned8 => dst.push_int(((s[0] as i32) - 128) << 24),
                    Encoding::Float(32) => dst.push_float(f32::from_be_bytes([s[0], s[1], s[2], s[3]])),
                    Encoding::Float(_) => dst.push_float(f64::from_be_bytes(s.try_into().expect("8 bytes")) as f32),
                }
            }
            left -= got as u64;
            if got < n {
                break;
            }
        }
        let done = (wanted - left) / size as u64;
        if done < total {
            return Err(format!("truncated: audio data ends after {} of {} frames", done / self.channels as u64, self.frames));
        }
        Ok(())
    }
}

/// The base note of an `INST` chunk and its sustain loop, whose ends are
/// `MARK` marker ids (a play mode of 0 means no loop).
fn instrument_meta(inst: Option<&[u8]>, mark: Option<&[u8]>) -> SamplerMeta {
    let Some(inst) = inst.filter(|i| i.len() >= 14) else { return SamplerMeta::default() };
    let root_key = Some(inst[0]).filter(|&n| n < 128);
    let play_mode = u16::from_be_bytes([inst[8], inst[9]]);
    let (begin, end) = (u16::from_be_bytes([inst[10], inst[11]]), u16::from_be_bytes([inst[12], inst[13]]));
    let position = |id: u16| -> Option<u32> {
        let m = mark?;
        let count = u16::from_be_bytes([*m.first()?, *m.get(1)?]);
        let mut at = 2;
        for _ in 0..count {
            let marker = m.get(at..at + 6)?;
            let pos = u32::from_be_bytes([marker[2], marker[3], marker[4], marker[5]]);
            if u16::from_be_bytes([marker[0], marker[1]]) == id {
                return Some(pos);
            }
            // The name: a count byte and the text, padded to an even length.
            let name = *m.get(at + 6)? as usize;
            at += 6 + (1 + name).next_multiple_of(2);
        }
        None
    };
    let loop_frames = if play_mode != 0 { position(begin).zip(position(end)) } else { None };
    SamplerMeta { root_key, loop_frames }
}

/// Reads until `buf` is full or the source ends; how many bytes were read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A 1–4 byte two's-complement sample as a full-scale 32-bit integer.
fn full_scale(s: &[u8], little_endian: bool) -> i32 {
    // The most significant byte goes first, into the top of the word.
    let mut v = [0u8; 4];
    for (i, slot) in v.iter_mut().enumerate().take(s.len()) {
        *slot = if little_endian { s[s.len() - 1 - i] } else { s[i] };
    }
    i32::from_be_bytes(v)
}

/// An 80-bit IEEE 754 extended-precision number (big-endian), as AIFF
/// stores the sample rate.
fn extended_to_f64(b: [u8; 10]) -> f64 {
    let sign = if b[0] & 0x80 != 0 { -1.0 } else { 1.0 };
    let exponent = (((b[0] & 0x7f) as i32) << 8) | b[1] as i32;
    let mantissa = u64::from_be_bytes(b[2..10].try_into().expect("8 bytes"));
    if exponent == 0 && mantissa == 0 {
        return 0.0;
    }
    if exponent == 0x7fff {
        return f64::NAN;
    }
    sign * mantissa as f64 * 2f64.powi(exponent - 16383 - 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_note_and_sustain_loop_come_from_inst_and_mark() {
        // INST: base note 62, detune, note and velocity ranges, gain, then
        // the sustain loop (forward, markers 1 and 2) and the release loop.
        let inst = [62, 0, 0, 127, 1, 127, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0];
        // MARK: two markers, one with an odd-length name ("a": padded).
        let mut mark = vec![0, 2];
        mark.extend([0, 1, 0, 0, 0x01, 0x00, 1, b'a']);
        mark.extend([0, 2, 0, 0, 0x02, 0x00, 2, b'b', b'c', 0]);
        let meta = instrument_meta(Some(&inst), Some(&mark));
        assert_eq!(meta, SamplerMeta { root_key: Some(62), loop_frames: Some((256, 512)) });
        let mut no_loop = inst;
        no_loop[9] = 0;
        assert_eq!(instrument_meta(Some(&no_loop), Some(&mark)), SamplerMeta { root_key: Some(62), loop_frames: None });
        assert_eq!(instrument_meta(None, Some(&mark)), SamplerMeta::default());
    }

    #[test]
    fn extended_floats_give_the_usual_rates() {
        assert_eq!(extended_to_f64([0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]), 44_100.0);
        assert_eq!(extended_to_f64([0x40, 0x0e, 0xbb, 0x80, 0, 0, 0, 0, 0, 0]), 48_000.0);
        assert_eq!(extended_to_f64([0x40, 0x0f, 0xbb, 0x80, 0, 0, 0, 0, 0, 0]), 96_000.0);
        assert_eq!(extended_to_f64([0; 10]), 0.0);
    }

    #[test]
    fn samples_of_every_width_and_order_scale_to_full_32_bits() {
        assert_eq!(full_scale(&[0x80, 0x00], false), i32::MIN);
        assert_eq!(full_scale(&[0x00, 0x80], true), i32::MIN);
        assert_eq!(full_scale(&[0x12, 0x34, 0x56], false), 0x1234_5600);
        assert_eq!(full_scale(&[0x56, 0x34, 0x12], true), 0x1234_5600);
        assert_eq!(full_scale(&[0xff], false), -1 << 24);
        assert_eq!(full_scale(&[0x7f, 0xff, 0xff, 0xff], false), i32::MAX);
    }
}
