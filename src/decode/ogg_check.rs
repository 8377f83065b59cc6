//! Checks an Ogg file's header packets before symphonia reads them.
//!
//! symphonia 0.5 reads the comment header of a Vorbis, Opus or FLAC stream
//! in Ogg by allocating each comment's claimed length before reading it,
//! and a FLAC-in-Ogg picture block likewise: an Ogg Vorbis file of a few
//! kilobytes whose one comment claims 4 GiB made the loader take 3.9 GB
//! (and then load). The page checksum keeps a fuzzer from finding this,
//! not a person making such a file. Written by hand because no crate
//! checks these fields without allocating them first; it reads pages as
//! symphonia does (a page whose checksum fails is skipped and the next
//! `OggS` sought), so it sees the packets symphonia will see.
//!
//! Thread: loader (reads the file). Allocates the header packets, never
//! more than the file holds.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

/// The Ogg page checksum's table (CRC-32, polynomial 0x04c11db7, MSB
/// first, no reflection, initial value 0).
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 0x8000_0000 != 0 { (c << 1) ^ 0x04c1_1db7 } else { c << 1 };
            bit += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc(mut c: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        c = (c << 8) ^ CRC_TABLE[((c >> 24) as u8 ^ b) as usize];
    }
    c
}

/// What a stream's header packets are, from its first packet.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Codec {
    Vorbis,
    Opus,
    Flac,
    /// Not read by symphonia's mappings beyond its first packet.
    Other,
}

struct Stream {
    codec: Codec,
    /// Packets completed so far.
    packets: usize,
    /// The packet being assembled.
    partial: Vec<u8>,
    /// All header packets that carry lengths have been checked.
    done: bool,
}

/// Checks every stream's comment header (and FLAC-in-Ogg metadata blocks)
/// in the Ogg file `source` of `len` bytes: each length must lie inside
/// its packet. Leaves `source` at the start.
///
/// Thread: loader. Allocates the header packets (at most the file).
pub fn ogg_precheck<R: Read + Seek>(source: &mut R, len: u64) -> Result<(), String> {
    source.rewind().map_err(|e| e.to_string())?;
    let result = check_pages(&mut BufReader::new(&mut *source), len);
    source.rewind().map_err(|e| e.to_string())?;
    result
}

fn check_pages<R: BufRead + Seek>(source: &mut R, len: u64) -> Result<(), String> {
    let corrupt = |what: String| Err(format!("corrupt Ogg header: {what}"));
    let mut streams: HashMap<u32, Stream> = HashMap::new();
    let mut seen_data_page = false;
    let mut at = 0u64;
    while at + 27 <= len {
        source.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
        let mut header = [0u8; 27];
        source.read_exact(&mut header).map_err(|e| e.to_string())?;
        let mut lacing = vec![0u8; header[26] as usize];
        let body_len: u64 = if &header[..4] == b"OggS" && source.read_exact(&mut lacing).is_ok() { lacing.iter().map(|&l| l as u64).sum() } else { u64::MAX };
        let page_end = (at + 27 + lacing.len() as u64).saturating_add(body_len);
        if page_end > len {
            // Not a page (or one the file cuts short): seek the next one.
            at = next_capture(source, at + 1)?.unwrap_or(len);
            continue;
        }
        let mut body = vec![0u8; body_len as usize];
        source.read_exact(&mut body).map_err(|e| e.to_string())?;
        let mut check = header;
        check[22..26].fill(0);
        let sum = crc(crc(crc(0, &check), &lacing), &body);
        if sum != u32::from_le_bytes([header[22], header[23], header[24], header[25]]) {
            at = next_capture(source, at + 1)?.unwrap_or(len);
            continue;
        }
        at = page_end;
        let (bos, serial) = (header[5] & 0x02 != 0, u32::from_le_bytes([header[14], header[15], header[16], header[17]]));
        if !bos {
            seen_data_page = true;
        }
        let stream = streams.entry(serial).or_insert(Stream { codec: Codec::Other, packets: 0, partial: Vec::new(), done: false });
        let mut offset = 0usize;
        for &l in &lacing {
            if !stream.done {
                stream.partial.extend_from_slice(&body[offset..offset + l as usize]);
            }
            offset += l as usize;
            if l < 255 && !stream.done {
                let packet = std::mem::take(&mut stream.partial);
                check_packet(stream, &packet).or_else(|what| corrupt(format!("header packet {}: {what}", stream.packets)))?;
                stream.packets += 1;
            }
        }
        if seen_data_page && streams.values().all(|s| s.done) {
            break;
        }
    }
    Ok(())
}

/// The position of the next `OggS` at or after `from`, if any.
fn next_capture<R: BufRead + Seek>(source: &mut R, from: u64) -> Result<Option<u64>, String> {
    source.seek(SeekFrom::Start(from)).map_err(|e| e.to_string())?;
    let (mut pos, mut matched) = (from, 0usize);
    loop {
        let buf = source.fill_buf().map_err(|e| e.to_string())?;
        if buf.is_empty() {
            return Ok(None);
        }
        for (i, &b) in buf.iter().enumerate() {
            matched = if b == b"OggS"[matched] {
                matched + 1
            } else if b == b'O' {
                1
            } else {
                0
            };
            if matched == 4 {
                return Ok(Some(pos + i as u64 + 1 - 4));
            }
        }
        let n = buf.len();
        source.consume(n);
        pos += n as u64;
    }
}

/// Checks one completed packet of `stream` (its `stream.packets`th).
fn check_packet(stream: &mut Stream, packet: &[u8]) -> Result<(), String> {
    if stream.packets == 0 {
        stream.codec = if packet.starts_with(b"\x01vorbis") {
            Codec::Vorbis
        } else if packet.starts_with(b"OpusHead") {
            Codec::Opus
        } else if packet.starts_with(b"\x7fFLAC") {
            Codec::Flac
        } else {
            Codec::Other
        };
        stream.done = stream.codec == Codec::Other;
        return Ok(());
    }
    match stream.codec {
        Codec::Vorbis | Codec::Opus => {
            let magic: &[u8] = if stream.codec == Codec::Vorbis { b"\x03vorbis" } else { b"OpusTags" };
            if let Some(comment) = packet.strip_prefix(magic) {
                super::audio_file::vorbis_comment_fits(comment)?;
            }
            stream.done = true;
        }
        Codec::Flac => {
            // Each header packet after the first is one metadata block.
            let Some(&[flags, ..]) = packet.get(..4) else { return Err("a metadata block is cut short".into()) };
            match flags & 0x7f {
                4 => super::audio_file::vorbis_comment_fits(&packet[4..])?,
                6 => super::audio_file::picture_fits(&packet[4..])?,
                _ => {}
            }
            stream.done = flags & 0x80 != 0;
        }
        Codec::Other => stream.done = true,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_oggs() {
        // The CRC-32/MPEG-2 check value of "123456789" is 0x0376e6e7 with
        // an initial value of all ones and no final inversion; Ogg's
        // initial value is 0, whose check value is 0x89a1897f.
        assert_eq!(crc(0, b"123456789"), 0x89a1_897f);
    }
}
