//! The engine's state behind its lock, and what is done to it: publishing,
//! retiring and freeing samples, rendering a block, and recovering from a
//! guest fault. [`Engine`](super::Engine) takes the lock and calls in here.
//!
//! Thread: every method runs under the engine lock. `process` (and the
//! `automate` and `record_fault` it calls) run on the audio thread and
//! allocate nothing; everything else runs off the audio thread and may
//! allocate (growing the table, guest calls' errors, messages).

use wasm_sampler_guest::abi;

use super::allocator::{AllocError, Region, RegionAllocator};
use super::backend::{FaultKind, Guest, GuestError, ModuleSource, Trap};
use super::triggering::{translate, Controllers, EventBuffer, LivePad, NoteEvent};
use super::{LoadedSample, PadSnapshot, PublishedPad, SampleChange};
use crate::kit::Automation;
use crate::settings::{AUTOMATED_PADS, MAX_PADS};

pub(super) struct Retired {
    pub slot: u32,
    pub region: Region,
}

pub(super) struct Core {
    pub guest: Guest,
    pub module_source: Option<ModuleSource>,
    pub alloc: RegionAllocator,
    /// The published pad table: replaced entry by entry by `publish`, read
    /// by the audio thread.
    pub pads: Vec<PublishedPad>,
    /// What triggering needs of each pad with a live sample, rebuilt
    /// whenever the table changes (off the audio thread).
    pub live: Vec<Option<LivePad>>,
    pub free_slots: Vec<u32>,
    pub retired: Vec<Retired>,
    pub events: EventBuffer,
    /// The host's automation values, a layer over the published settings of
    /// the first pads. Written by the audio thread only.
    pub automation: [Option<Automation>; AUTOMATED_PADS],
    /// Set by a guest fault, cleared when the guest is replaced.
    pub fault: Option<FaultKind>,
    /// wasmtime's report of the last fault, parked here by the audio thread
    /// for housekeeping to log and drop. One place is enough: after a fault
    /// no guest call runs until recovery has taken the report.
    pub fault_report: Option<wasmtime::Error>,
    /// When housekeeping last re-instantiated the guest (oldest first).
    pub recoveries: [Option<std::time::Instant>; super::MAX_AUTO_RECOVERIES as usize],
    /// Housekeeping stopped re-instantiating (too many faults too fast).
    pub given_up: bool,
    pub faults: u64,
    pub fault_silent_blocks: u64,
    pub permit_fault_allocs: bool,
    pub non_finite: u64,
    /// The last slot parameter the guest refused (id, value, status), to log.
    pub refused_param: Option<(u32, f32, i32)>,
    /// Every MIDI controller's latest value (pads may play only in a range
    /// of one). Written by the audio thread only.
    pub controllers: Controllers,
}

impl Core {
    /// The table grown to hold `pad` (new pads empty, default mapping).
    fn ensure_pad(&mut self, pad: usize) {
        while self.pads.len() <= pad {
            let n = self.pads.len();
            self.pads.push(PublishedPad::empty(n));
        }
    }

    /// Rebuilds the triggering view of the table.
    pub fn rebuild_live(&mut self) {
        self.live.clear();
        self.live.extend(self.pads.iter().map(|p| {
            p.sample.as_ref().map(|s| LivePad {
                mapping: p.mapping,
                settings: p.settings,
                sample: p.sample_params,
                slot: s.slot,
                source_rate: s.info.sample_rate,
            })
        }));
    }

    /// Allocates `bytes`, growing the memory in whole pages if needed.
    pub fn allocate(&mut self, bytes: u64) -> Result<Region, String> {
        loop {
            match self.alloc.allocate(bytes) {
                Ok(r) => return Ok(r),
                Err(AllocError::NeedPages(pages)) => {
                    self.guest.grow(pages).map_err(|e| e.0)?;
                    self.alloc.add_pages(pages);
                }
                Err(AllocError::OutOfMemory { requested, limit }) => {
                    return Err(format!("too large: {requested} bytes of decoded audio do not fit in the {limit}-byte sample memory"))
                }
            }
        }
    }

    /// Records a fault from a guest call: its kind, and wasmtime's report
    /// parked for housekeeping. No allocation; no I/O.
    pub fn record_fault(&mut self, trap: Trap) {
        if self.fault.is_none() {
            self.faults += 1;
            self.fault = Some(trap.kind);
        }
        match self.fault_report {
            None => self.fault_report = Some(trap.report),
            // Cannot happen on the audio thread (no guest call runs while a
            // fault is pending); elsewhere dropping it here is harmless.
            Some(_) => nice_plug::util::permit_alloc(|| drop(trap.report)),
        }
    }

    /// Sends a pad's slot parameters to the guest at once.
    fn send_params(&mut self, slot: u32, pad: usize) {
        let p = &self.pads[pad];
        let settings = p.settings.with(self.automation.get(pad).and_then(Option::as_ref));
        for (id, value) in settings.guest_params(p.sample_params.gain_db) {
            match self.guest.slot_param(slot, id, value) {
                Ok(abi::status::OK) => {}
                // Logged by housekeeping, after the lock (no I/O while the
                // audio thread may be waiting for it).
                Ok(code) => self.refused_param = Some((id, value, code)),
                Err(t) => self.record_fault(t),
            }
        }
    }

    /// Points guest slot `slot` at the played window of `sample`, read in
    /// place.
    fn load_slot(&mut self, sample: &LoadedSample, params: &crate::kit::SampleParams) -> Result<(), String> {
        let (start, frames) = params.window(sample.info.frames);
        let data = sample.region.offset + start as u64 * sample.info.channels as u64 * sample.info.format.bytes_per_sample() as u64;
        let status = self
            .guest
            .slot_load(sample.slot, data as u32, frames, sample.info.channels as u32, sample.info.format.abi(), sample.info.sample_rate as f32)
            .and_then(|status| {
                let (mode, start, end, fade) = params.guest_loop(sample.info.frames, sample.info.sample_rate as f32);
                match status {
                    abi::status::OK => self.guest.slot_loop(sample.slot, mode, start, end, fade),
                    refused => Ok(refused),
                }
            });
        match status {
            Ok(abi::status::OK) => Ok(()),
            Ok(code) => Err(format!("the guest refused the sample (status {code})")),
            Err(t) => {
                let what = format!("the guest faulted while publishing ({t})");
                self.record_fault(t);
                Err(what)
            }
        }
    }

    /// See [`Engine::publish`](super::Engine::publish).
    pub fn publish(&mut self, pad: usize, snap: PadSnapshot, change: SampleChange<'_>) -> Result<(), String> {
        debug_assert!(pad < MAX_PADS, "Engine::publish checks the pad before locking");
        self.ensure_pad(pad);
        let old = self.pads[pad].clone();
        let sample = match change {
            SampleChange::Keep => old.sample.clone(),
            SampleChange::Clear => None,
            SampleChange::Replace(reservation, source) => {
                let info = reservation.info();
                let (region, slot) = reservation.into_parts();
                let sample = LoadedSample { source, info, region, slot };
                if let Err(e) = self.load_slot(&sample, &snap.sample_params) {
                    self.alloc.free(region.offset).expect("reserved regions are live");
                    self.free_slots.push(slot);
                    return Err(e);
                }
                Some(sample)
            }
        };
        let same_sample = sample.as_ref().map(|s| s.slot) == old.sample.as_ref().map(|s| s.slot);
        if let (true, Some(s)) = (same_sample, &sample) {
            // A new window or loop re-points the slot (sounding voices
            // finish reading the window they started with, with their loop).
            let rate = s.info.sample_rate as f32;
            if snap.sample_params.window(s.info.frames) != old.sample_params.window(s.info.frames)
                || snap.sample_params.guest_loop(s.info.frames, rate) != old.sample_params.guest_loop(s.info.frames, rate)
            {
                self.load_slot(s, &snap.sample_params)?;
            }
        }
        self.pads[pad] = PublishedPad { mapping: snap.mapping, settings: snap.settings, sample_params: snap.sample_params, sample };
        if let Some(slot) = self.pads[pad].sample.as_ref().map(|s| s.slot) {
            self.send_params(slot, pad);
        }
        if let (false, Some(old)) = (same_sample, old.sample) {
            self.retire(old);
        }
        self.rebuild_live();
        Ok(())
    }

    /// Empties `sample`'s guest slot; its region is freed once unread.
    pub fn retire(&mut self, sample: LoadedSample) {
        if let Err(t) = self.guest.slot_retire(sample.slot) {
            self.record_fault(t);
        }
        self.retired.push(Retired { slot: sample.slot, region: sample.region });
    }

    /// Frees retired regions no voice reads any more.
    pub fn reap(&mut self) -> usize {
        let mut freed = 0;
        let mut i = 0;
        while i < self.retired.len() {
            let silent = self.fault.is_none() && matches!(self.guest.slot_voices(self.retired[i].slot), Ok(0));
            if silent {
                let r = self.retired.swap_remove(i);
                self.alloc.free(r.region.offset).expect("retired regions are live");
                self.free_slots.push(r.slot);
                freed += 1;
            } else {
                i += 1;
            }
        }
        freed
    }

    /// Re-instantiates the guest on the same memory and publishes every pad
    /// again. The fault is cleared only if all of that succeeds.
    pub fn recover(&mut self) -> Result<(), GuestError> {
        self.guest.reinstantiate()?;
        // The new instance has no voices: every retired region is unread.
        for r in std::mem::take(&mut self.retired) {
            self.alloc.free(r.region.offset).expect("retired regions are live");
            self.free_slots.push(r.slot);
        }
        let previous = self.fault.take();
        self.given_up = false;
        for pad in 0..self.pads.len() {
            let Some(sample) = self.pads[pad].sample.clone() else { continue };
            let params = self.pads[pad].sample_params;
            if let Err(e) = self.load_slot(&sample, &params) {
                let what = format!("re-publishing {} after a fault failed: {e}", sample.source);
                self.fault = self.fault.or(previous);
                return Err(GuestError(what));
            }
            self.send_params(sample.slot, pad);
        }
        match self.fault {
            Some(kind) => Err(GuestError(format!("the new guest faulted too: {kind}"))),
            None => Ok(()),
        }
    }

    /// Takes the host's automation values; for each pad, queues a slot
    /// parameter event at frame 0 for every guest parameter they move (the
    /// guest ramps gain and pan; envelope values apply from the next
    /// note or, for the release, the next note-off).
    ///
    /// Thread: audio. No allocation.
    fn automate(&mut self, automation: &[Automation]) {
        for (pad, values) in automation.iter().enumerate().take(AUTOMATED_PADS) {
            let before = self.automation[pad];
            if before == Some(*values) {
                continue;
            }
            self.automation[pad] = Some(*values);
            let Some(Some(live)) = self.live.get(pad) else { continue };
            let old = live.settings.with(before.as_ref()).guest_params(live.sample.gain_db);
            let new = live.settings.with(Some(values)).guest_params(live.sample.gain_db);
            for ((id, value), (_, was)) in new.into_iter().zip(old) {
                if value != was {
                    self.events.push(abi::Event::slot_param(0, live.slot, id, value));
                }
            }
        }
    }

    /// One guest call: the queued events, then `frames` frames. On a fault
    /// it records the fault and returns false.
    ///
    /// Thread: audio. No allocation of ours (wasmtime's trap report is
    /// parked for housekeeping).
    fn run_guest(&mut self, frames: u32) -> bool {
        self.guest.write_events(self.events.as_slice());
        let count = self.events.len() as u32;
        let result =
            if self.permit_fault_allocs { nice_plug::util::permit_alloc(|| self.guest.process(frames, count)) } else { self.guest.process(frames, count) };
        match result {
            Ok(_) => true,
            Err(trap) => {
                self.record_fault(trap);
                self.fault_silent_blocks += 1;
                false
            }
        }
    }

    /// Renders one block. See [`Engine::process`](super::Engine::process).
    ///
    /// Thread: audio. No allocation.
    pub fn process(&mut self, notes: &[NoteEvent], automation: &[Automation], out_l: &mut [f32], out_r: &mut [f32]) {
        // A host that hands over channels of different lengths gets the
        // common length rendered and the rest of the longer one zeroed.
        let frames = out_l.len().min(out_r.len());
        out_l[frames..].fill(0.0);
        out_r[frames..].fill(0.0);
        let (out_l, out_r) = (&mut out_l[..frames], &mut out_r[..frames]);
        if self.fault.is_some() {
            out_l.fill(0.0);
            out_r.fill(0.0);
            self.fault_silent_blocks += 1;
            return;
        }
        if frames == 0 {
            self.events.count_dropped(notes.len() as u64);
            return;
        }
        self.events.clear();
        self.automate(automation);
        let rate = self.guest.sample_rate() as f64;
        let max_frame = (frames - 1) as u32;
        let mut last = 0u32; // note frames are clamped into the block and kept in order
        let mut next = 0usize;
        let mut start = 0usize;
        while start < frames {
            let mut end = (start + abi::MAX_FRAMES as usize).min(frames);
            // Translate this piece's notes, frames relative to the piece. If
            // the queue fills, the piece ends where the note that did not fit
            // starts, and that note opens the next piece; if it fills with
            // notes of the piece's first frame only, they go to the guest in
            // a call of no frames and the piece goes on. Nothing is dropped.
            if start > 0 {
                self.events.clear();
            }
            while next < notes.len() {
                let n = &notes[next];
                let f = n.frame().clamp(last, max_frame);
                if f as usize >= end {
                    break;
                }
                let (len, dropped) = (self.events.len(), self.events.dropped());
                if let NoteEvent::Controller { channel, cc, value, .. } = *n {
                    self.controllers.set(channel, cc, value);
                }
                translate(&n.at(f - start as u32), &self.live, &self.automation, &self.controllers, rate, &mut self.events);
                if self.events.dropped() != dropped && len > 0 {
                    self.events.truncate(len);
                    self.events.set_dropped(dropped);
                    if f as usize > start {
                        end = f as usize;
                        break;
                    }
                    if !self.run_guest(0) {
                        out_l[start..].fill(0.0);
                        out_r[start..].fill(0.0);
                        return;
                    }
                    self.events.clear();
                    continue;
                }
                last = f;
                next += 1;
            }
            if !self.run_guest((end - start) as u32) {
                // Silent from here until housekeeping replaces the guest.
                out_l[start..].fill(0.0);
                out_r[start..].fill(0.0);
                return;
            }
            self.guest.read_output(0, &mut out_l[start..end]);
            self.guest.read_output(1, &mut out_r[start..end]);
            start = end;
        }
        for s in out_l.iter_mut().chain(out_r.iter_mut()) {
            if !s.is_finite() {
                *s = 0.0;
                self.non_finite += 1;
            }
        }
    }
}
