//! A WAV's sampler metadata: the `smpl` chunk's unity note and first loop.
//! symphonia skips this chunk, so it is read here: the chunk headers are
//! walked (seeking over the audio, never reading it) until `smpl` is found.
//!
//! Thread: loader threads only (file I/O). Never the audio thread.

use std::io::{Read, Seek, SeekFrom};

use super::SamplerMeta;

/// The `smpl` metadata of the WAV `r` reads (positioned anywhere; left
/// anywhere). Anything unreadable is simply absent: metadata never fails a
/// load.
///
/// Thread: loader (file I/O). Allocates the chunk body (at most 60 bytes).
pub fn wav_meta<R: Read + Seek>(r: &mut R) -> SamplerMeta {
    let mut pos = 12u64;
    for _ in 0..10_000 {
        let mut header = [0u8; 8];
        if r.seek(SeekFrom::Start(pos)).is_err() || r.read_exact(&mut header).is_err() {
            break;
        }
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if &header[..4] == b"smpl" {
            let mut body = vec![0u8; (size as usize).min(60)];
            return match r.read_exact(&mut body) {
                Ok(()) => parse_smpl(&body),
                Err(_) => SamplerMeta::default(),
            };
        }
        // RF64 marks sizes it keeps elsewhere with all ones: stop there.
        if size == u32::MAX {
            break;
        }
        pos += 8 + size as u64 + (size % 2) as u64;
    }
    SamplerMeta::default()
}

/// The unity note (a MIDI note) and the first loop of a `smpl` chunk body.
/// The chunk's loop end is the loop's last frame; here `end` is exclusive.
fn parse_smpl(b: &[u8]) -> SamplerMeta {
    let u32_at = |i: usize| b.get(i..i + 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]));
    let root_key = u32_at(12).filter(|&n| n < 128).map(|n| n as u8);
    let loops = u32_at(28).unwrap_or(0);
    let loop_frames = if loops > 0 {
        match (u32_at(36 + 8), u32_at(36 + 12)) {
            (Some(start), Some(last)) if last >= start && last < u32::MAX => Some((start, last + 1)),
            _ => None,
        }
    } else {
        None
    };
    SamplerMeta { root_key, loop_frames }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `smpl` body: unity note, and one loop if given (start, last frame).
    pub fn smpl(unity: u32, first_loop: Option<(u32, u32)>) -> Vec<u8> {
        let mut b = vec![0u8; 36];
        b[12..16].copy_from_slice(&unity.to_le_bytes());
        if let Some((start, last)) = first_loop {
            b[28..32].copy_from_slice(&1u32.to_le_bytes());
            b.extend([0u8; 8]); // cue point id, type (forward)
            b.extend(start.to_le_bytes());
            b.extend(last.to_le_bytes());
            b.extend([0u8; 8]); // fraction, play count
        }
        b
    }

    #[test]
    fn the_unity_note_and_first_loop_are_read_with_an_exclusive_end() {
        assert_eq!(parse_smpl(&smpl(60, Some((100, 199)))), SamplerMeta { root_key: Some(60), loop_frames: Some((100, 200)) });
        assert_eq!(parse_smpl(&smpl(36, None)), SamplerMeta { root_key: Some(36), loop_frames: None });
        assert_eq!(parse_smpl(&smpl(300, None)).root_key, None, "not a MIDI note");
        assert_eq!(parse_smpl(&smpl(60, Some((50, 10)))).loop_frames, None, "reversed");
        assert_eq!(parse_smpl(&[0; 10]), SamplerMeta::default(), "short chunk");
    }

    #[test]
    fn the_chunk_is_found_after_the_audio_without_reading_it() {
        let mut wav = b"RIFF\0\0\0\0WAVE".to_vec();
        for (id, body) in [(b"fmt ", vec![0u8; 16]), (b"data", vec![0u8; 1001]), (b"smpl", smpl(48, Some((0, 9))))] {
            wav.extend(id);
            wav.extend((body.len() as u32).to_le_bytes());
            wav.extend(&body);
            if body.len() % 2 == 1 {
                wav.push(0);
            }
        }
        let meta = wav_meta(&mut std::io::Cursor::new(wav));
        assert_eq!(meta, SamplerMeta { root_key: Some(48), loop_frames: Some((0, 10)) });
        assert_eq!(wav_meta(&mut std::io::Cursor::new(b"RIFF\0\0\0\0WAVE".to_vec())), SamplerMeta::default());
    }
}
