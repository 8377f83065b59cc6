//! Audio fixtures for the format tests: WAV files built byte by byte (any
//! format tag, extensible headers, extra chunks before and after the data,
//! sizes that lie), and the system's encoders (sox, flac, ffmpeg) run on
//! them. Nothing here is third-party audio: every file is made by the test.

use std::path::Path;
use std::process::Command;

/// A RIFF/WAVE file described field by field.
pub struct RawWav {
    pub format_tag: u16,
    pub channels: u16,
    pub rate: u32,
    pub bits: u16,
    /// Written as `WAVE_FORMAT_EXTENSIBLE` with this sub-format tag.
    pub extensible: Option<u16>,
    /// Chunks before and after `data` (odd sizes get their pad byte).
    pub before: Vec<([u8; 4], Vec<u8>)>,
    pub after: Vec<([u8; 4], Vec<u8>)>,
    pub data: Vec<u8>,
    /// What the `data` chunk claims, if not its real size.
    pub data_len: Option<u32>,
}

impl RawWav {
    pub fn new(format_tag: u16, channels: u16, rate: u32, bits: u16, data: Vec<u8>) -> RawWav {
        RawWav { format_tag, channels, rate, bits, extensible: None, before: vec![], after: vec![], data, data_len: None }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let block_align = self.channels * self.bits.div_ceil(8);
        let mut fmt = Vec::new();
        fmt.extend(self.extensible.map_or(self.format_tag, |_| 0xfffe).to_le_bytes());
        fmt.extend(self.channels.to_le_bytes());
        fmt.extend(self.rate.to_le_bytes());
        fmt.extend((self.rate * block_align as u32).to_le_bytes());
        fmt.extend(block_align.to_le_bytes());
        fmt.extend(self.bits.to_le_bytes());
        if let Some(sub) = self.extensible {
            fmt.extend(22u16.to_le_bytes());
            fmt.extend(self.bits.to_le_bytes()); // valid bits
            fmt.extend(if self.channels == 1 { 4u32 } else { 3u32 }.to_le_bytes()); // channel mask
            fmt.extend(sub.to_le_bytes());
            fmt.extend([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);
        }
        let mut body = b"WAVE".to_vec();
        let mut chunk = |id: &[u8; 4], bytes: &[u8], claimed: Option<u32>| {
            body.extend(id);
            body.extend(claimed.unwrap_or(bytes.len() as u32).to_le_bytes());
            body.extend(bytes);
            if bytes.len() % 2 == 1 {
                body.push(0);
            }
        };
        chunk(b"fmt ", &fmt, None);
        for (id, bytes) in &self.before {
            chunk(id, bytes, None);
        }
        chunk(b"data", &self.data, self.data_len);
        for (id, bytes) in &self.after {
            chunk(id, bytes, None);
        }
        let mut out = b"RIFF".to_vec();
        out.extend((body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.bytes()).unwrap();
    }
}

/// Little-endian bytes of `values`, `bytes` bytes each (two's complement,
/// low bytes first: 3 gives packed 24-bit).
pub fn le_bytes(values: &[i32], bytes: usize) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()[..bytes].to_vec()).collect()
}

/// Whether the audio tools are installed. Without them a test says
/// SKIPPED and passes, unless `WASM_SAMPLER_REQUIRE_AUDIO_TOOLS=1` (CI),
/// which makes their absence a failure.
pub fn audio_tools(tools: &[&str], why: &str) -> bool {
    super::tools_or_skip("WASM_SAMPLER_REQUIRE_AUDIO_TOOLS", tools, why)
}

/// Runs a tool, failing the test with its output if it fails.
pub fn tool(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{}: {e}", args[0]));
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// ffmpeg's own decode of `path` as interleaved f32, and its channel count.
pub fn ffmpeg_decode(path: &Path, channels: u16) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "f32le", "-acodec", "pcm_f32le", "-ac", &channels.to_string(), "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "ffmpeg could not decode {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Signal-to-noise ratio of `got` against `reference`, in dB.
pub fn snr_db(reference: &[f32], got: &[f32]) -> f64 {
    let signal: f64 = reference.iter().map(|&x| (x as f64).powi(2)).sum();
    let noise: f64 = reference.iter().zip(got).map(|(&a, &b)| (a as f64 - b as f64).powi(2)).sum();
    10.0 * (signal / noise.max(1e-300)).log10()
}
