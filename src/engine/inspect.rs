//! Looking into the engine from a viewer: the memory map and a pad's
//! sample data, read in chunks so the audio thread never waits behind a
//! large copy.
//!
//! Thread: non-real-time (everything here allocates).

use wasm_sampler_guest::abi;

use super::Engine;
use crate::decode::SampleInfo;

/// What a stretch of linear memory holds (for the editor's memory view).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// The guest's stack and statics.
    Guest,
    /// The host's I/O region (header, events, output buffers).
    Io,
    /// A live sample, by pad.
    Sample { pad: usize },
    /// A replaced sample whose voices are still fading.
    Retired,
    /// Free space in the sample region.
    Free,
}

/// One stretch of linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    pub offset: u64,
    pub len: u64,
    pub kind: SegmentKind,
}

/// Folds interleaved frames `first_frame..` of a `frames`-frame sample into
/// per-column (min, max) peaks: frame f belongs to column
/// `f * columns / frames`.
///
/// Thread: any. No allocation.
pub fn fold_peaks(data: &[f32], channels: usize, first_frame: usize, frames: usize, acc: &mut [(f32, f32)]) {
    let columns = acc.len() as u64;
    for (i, frame) in data.chunks_exact(channels.max(1)).enumerate() {
        let column = ((first_frame + i) as u64 * columns / frames.max(1) as u64).min(columns - 1) as usize;
        let peak = &mut acc[column];
        for &v in frame {
            peak.0 = peak.0.min(v);
            peak.1 = peak.1.max(v);
        }
    }
}

impl Engine {
    /// A copy of `pad`'s decoded sample data as the values the guest plays
    /// (interleaved f32, converted from the stored format), read from the
    /// guest's memory, e.g. for a waveform view.
    /// Copied in chunks, releasing the lock between them, so the audio thread
    /// never waits behind a large copy; `None` if the pad has no sample or it
    /// was replaced while copying.
    ///
    /// Thread: non-real-time (allocates the copy).
    pub fn sample_data(&self, pad: usize) -> Option<Vec<f32>> {
        let mut out = Vec::new();
        self.read_sample(pad, None, 1 << 16, |info, _, chunk| {
            out.reserve_exact(info.frames as usize * info.channels as usize);
            out.extend_from_slice(chunk);
        })?;
        Some(out)
    }

    /// A waveform overview of `pad`'s sample: (min, max) over all channels
    /// for each of `columns` columns (fewer if the sample has fewer frames).
    /// Reads the guest's memory in chunks, releasing the lock between them
    /// (the audio thread never waits behind more than one chunk), and never
    /// copies the whole sample. `None` if the pad has no sample or it was
    /// replaced while reading.
    ///
    /// Thread: non-real-time (allocates the overview and one chunk).
    pub fn sample_peaks(&self, pad: usize, columns: usize) -> Option<Vec<(f32, f32)>> {
        self.slot_peaks(pad, None, columns)
    }

    /// [`sample_peaks`](Self::sample_peaks) of the sample of `pad` in guest
    /// slot `slot` (one of its velocity layers or round-robin hits), or of
    /// its first sample for `None`.
    ///
    /// Thread: non-real-time (allocates the overview and one chunk).
    pub fn slot_peaks(&self, pad: usize, slot: Option<u32>, columns: usize) -> Option<Vec<(f32, f32)>> {
        let mut acc = Vec::new();
        self.read_sample(pad, slot, 1 << 14, |info, first, chunk| {
            let frames = info.frames as usize;
            if acc.is_empty() {
                acc = vec![(f32::INFINITY, f32::NEG_INFINITY); columns.min(frames).max(1)];
            }
            fold_peaks(chunk, info.channels as usize, first, frames, &mut acc);
        })?;
        Some(acc)
    }

    /// Reads `pad`'s sample from the guest's memory `chunk_frames` frames at
    /// a time, taking the lock for each chunk only, and hands each chunk
    /// (interleaved) to `visit` with the sample's info and the chunk's first
    /// frame. `None` if the pad has no sample or it was replaced meanwhile.
    fn read_sample(&self, pad: usize, slot: Option<u32>, chunk_frames: usize, mut visit: impl FnMut(SampleInfo, usize, &[f32])) -> Option<()> {
        let pick = |p: &super::PublishedPad| -> Option<(super::allocator::Region, SampleInfo)> {
            let s = match slot {
                None => p.sample(),
                Some(slot) => p.loaded().find(|s| s.slot == slot),
            }?;
            Some((s.region, s.info))
        };
        let (region, info) = pick(self.core.lock().pads.get(pad)?)?;
        let (frames, channels) = (info.frames as usize, info.channels as usize);
        let size = info.format.bytes_per_sample();
        let mut raw = vec![0u8; chunk_frames.min(frames) * channels * size];
        let mut chunk = vec![0.0f32; chunk_frames.min(frames) * channels];
        for first in (0..frames).step_by(chunk_frames) {
            let n = (frames - first).min(chunk_frames) * channels;
            {
                let core = self.core.lock();
                if pick(core.pads.get(pad)?)?.0 != region {
                    return None;
                }
                #[cfg(not(target_arch = "wasm32"))]
                {
                    let src = core.guest.memory_base().wrapping_add(region.offset as usize + first * channels * size);
                    // SAFETY: the region is live (published, not freed while we
                    // hold the lock) and inside the memory; frames `first..first +
                    // n / channels` lie within it; nothing writes a published region.
                    unsafe { std::ptr::copy_nonoverlapping(src, raw.as_mut_ptr(), n * size) };
                }
                // In a page the guest's memory is another instance's: copied through it.
                #[cfg(target_arch = "wasm32")]
                super::backend::read_memory(region.offset + (first * channels * size) as u64, &mut raw[..n * size]);
            }
            // Converted as the guest plays them.
            abi::format::to_f32(info.format.abi(), &raw[..n * size], &mut chunk[..n]);
            visit(info, first, &chunk[..n]);
        }
        Some(())
    }

    /// The whole linear memory as segments in address order, tiling
    /// `0..memory size`: guest, I/O, then samples, retired regions and free
    /// gaps as the allocator has them.
    ///
    /// Thread: non-real-time (allocates the list). Short lock.
    pub fn memory_map(&self) -> Vec<Segment> {
        let core = self.core.lock();
        let mut out = vec![
            Segment { offset: 0, len: abi::IO_BASE as u64, kind: SegmentKind::Guest },
            Segment { offset: abi::IO_BASE as u64, len: (abi::SAMPLE_BASE - abi::IO_BASE) as u64, kind: SegmentKind::Io },
        ];
        let by_offset: std::collections::HashMap<u64, usize> =
            core.pads.iter().enumerate().flat_map(|(i, p)| p.loaded().map(move |s| (s.region.offset, i))).collect();
        let mut sample: Vec<Segment> = core
            .alloc
            .regions()
            .map(|r| {
                let pad = by_offset.get(&r.offset).copied();
                Segment { offset: r.offset, len: r.len, kind: pad.map_or(SegmentKind::Retired, |pad| SegmentKind::Sample { pad }) }
            })
            .chain(core.alloc.free_blocks().map(|r| Segment { offset: r.offset, len: r.len, kind: SegmentKind::Free }))
            .collect();
        sample.sort_by_key(|s| s.offset);
        out.extend(sample);
        out
    }
}
