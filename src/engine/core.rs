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
use super::triggering::{translate, EventBuffer, LivePad, LiveSample, NoteEvent, TriggerState};
use super::{LoadedSample, PadSnapshot, PublishedPad, PublishedSample, SampleChange};
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
    /// Bytes the live sample regions may take at most (the kit's sample
    /// memory budget); lowering it refuses new loads and unloads nothing.
    pub budget: u64,
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
    pub fault_report: Option<super::backend::Report>,
    /// When housekeeping last re-instantiated the guest (oldest first).
    pub recoveries: [Option<super::backend::Instant>; super::MAX_AUTO_RECOVERIES as usize],
    /// Housekeeping stopped re-instantiating (too many faults too fast).
    pub given_up: bool,
    pub faults: u64,
    pub fault_silent_blocks: u64,
    pub permit_fault_allocs: bool,
    pub non_finite: u64,
    /// The last slot parameter the guest refused (id, value, status), to log.
    pub refused_param: Option<(u32, f32, i32)>,
    /// Every MIDI controller's latest value (pads may play only in a range
    /// of one) and the round robins' random generator. Written by the
    /// audio thread only.
    pub trigger: TriggerState,
}

impl Core {
    /// The table grown to hold `pad` (new pads empty, default mapping).
    fn ensure_pad(&mut self, pad: usize) {
        while self.pads.len() <= pad {
            let n = self.pads.len();
            self.pads.push(PublishedPad::empty(n));
        }
    }

    /// Rebuilds the triggering view of the whole table (round robins keep
    /// their turn where their layer is unchanged).
    pub fn rebuild_live(&mut self) {
        self.live.truncate(self.pads.len());
        for pad in 0..self.pads.len() {
            self.refresh_live(pad);
        }
    }

    /// Rebuilds the triggering view of one pad (the table grown to hold it):
    /// a publish touches its own pad only, so the audio thread never waits
    /// behind the whole kit's.
    pub fn refresh_live(&mut self, pad: usize) {
        if self.live.len() < self.pads.len() {
            self.live.resize(self.pads.len(), None);
        }
        let p = &self.pads[pad];
        let samples: Vec<LiveSample> = p
            .samples
            .iter()
            .filter_map(|s| s.loaded.as_ref().map(|l| LiveSample { params: s.params, slot: l.slot, source_rate: l.info.sample_rate }))
            .collect();
        let fresh = (!samples.is_empty()).then(|| LivePad::new(p.mapping, p.settings, pad as u32, samples, self.live[pad].as_ref()));
        self.live[pad] = fresh;
    }

    /// Allocates `bytes`, growing the memory in whole pages if needed,
    /// within the sample memory budget and the memory's limit; otherwise
    /// the reason, with what is free and the largest block.
    pub fn allocate(&mut self, bytes: u64) -> Result<Region, String> {
        let used = self.alloc.stats().used;
        let free = self.budget.min(self.alloc.capacity()).saturating_sub(used);
        let largest = self.alloc.largest_obtainable().min(free);
        let refused = || format!("out of sample memory: {bytes} bytes needed, {free} free (largest block {largest})");
        if bytes > largest {
            return Err(refused());
        }
        loop {
            match self.alloc.allocate(bytes) {
                Ok(r) if used + r.len > self.budget => {
                    // Rounded up to the alignment past the budget.
                    self.alloc.free(r.offset).expect("just allocated");
                    return Err(refused());
                }
                Ok(r) => return Ok(r),
                Err(AllocError::NeedPages(pages)) => {
                    self.guest.grow(pages).map_err(|e| e.0)?;
                    self.alloc.add_pages(pages);
                }
                Err(AllocError::OutOfMemory { .. }) => return Err(refused()),
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
            Some(_) => super::backend::permit_alloc(|| drop(trap.report)),
        }
    }

    /// Sends a pad's parameters to the guest at once.
    fn send_params(&mut self, pad: usize) {
        let p = &self.pads[pad];
        let settings = p.settings.with(self.automation.get(pad).and_then(Option::as_ref));
        for (id, value) in settings.guest_params() {
            match self.guest.pad_param(pad as u32, id, value) {
                Ok(abi::status::OK) => {}
                // Logged by housekeeping, after the lock (no I/O while the
                // audio thread may be waiting for it).
                Ok(code) => self.refused_param = Some((id, value, code)),
                Err(t) => self.record_fault(t),
            }
        }
    }

    /// Points guest slot `slot` at the played window of `sample`, a sample
    /// of `pad`, read in place.
    fn load_slot(&mut self, pad: usize, sample: &LoadedSample, params: &crate::kit::SampleParams) -> Result<(), String> {
        let (start, frames) = params.window(sample.info.frames);
        let data = sample.region.offset + start as u64 * sample.info.channels as u64 * sample.info.format.bytes_per_sample() as u64;
        let status = self
            .guest
            .slot_load(sample.slot, pad as u32, data as u32, frames, sample.info.channels as u32, sample.info.format.abi(), sample.info.sample_rate as f32)
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

    /// Makes a reservation a live sample of `pad` with `params`; on a
    /// refusal gives its region and slot back.
    fn admit(&mut self, pad: usize, decoded: super::Decoded<'_>, params: &crate::kit::SampleParams) -> Result<LoadedSample, String> {
        let (reservation, source) = decoded;
        let info = reservation.info();
        let (region, slot) = reservation.into_parts();
        let sample = LoadedSample { source, info, region, slot };
        if let Err(e) = self.load_slot(pad, &sample, params) {
            self.alloc.free(region.offset).expect("reserved regions are live");
            self.free_slots.push(slot);
            return Err(e);
        }
        Ok(sample)
    }

    /// See [`Engine::publish`](super::Engine::publish).
    pub fn publish(&mut self, pad: usize, snap: PadSnapshot, change: SampleChange<'_>) -> Result<(), String> {
        debug_assert!(pad < MAX_PADS, "Engine::publish checks the pad before locking");
        self.ensure_pad(pad);
        let old: Vec<Option<LoadedSample>> = self.pads[pad].samples.iter().map(|s| s.loaded.clone()).collect();
        let old_params: Vec<crate::kit::SampleParams> = self.pads[pad].samples.iter().map(|s| s.params).collect();
        // The loaded samples afterwards, by position, and the ones that go.
        let mut loaded: Vec<Option<LoadedSample>> = old.clone();
        let mut fresh: Vec<bool> = vec![false; loaded.len()];
        let mut retire: Vec<LoadedSample> = Vec::new();
        let params_at = |i: usize| snap.samples.get(i).copied().unwrap_or_else(|| crate::kit::SampleParams::whole(60));
        match change {
            SampleChange::Keep => {}
            SampleChange::Clear => retire.extend(loaded.iter_mut().filter_map(Option::take)),
            SampleChange::Remove(i) => {
                if i < loaded.len() {
                    retire.extend(loaded.remove(i));
                    fresh.remove(i);
                }
            }
            SampleChange::Replace(i, reservation, source) => {
                let sample = self.admit(pad, (reservation, source), &params_at(i))?;
                if loaded.len() <= i {
                    loaded.resize(i + 1, None);
                    fresh.resize(i + 1, false);
                }
                retire.extend(loaded[i].replace(sample));
                fresh[i] = true;
            }
            SampleChange::Set(decoded) => {
                let mut admitted = Vec::with_capacity(decoded.len());
                let mut decoded = decoded.into_iter().enumerate();
                while let Some((i, d)) = decoded.next() {
                    match d.map(|d| self.admit(pad, d, &params_at(i))) {
                        Some(Err(e)) => {
                            // Nothing changes: give back what was admitted,
                            // and the reservations not reached, here (a
                            // reservation dropped would take this lock).
                            for s in admitted.into_iter().flatten() {
                                let s: LoadedSample = s;
                                self.guest_forget(&s);
                            }
                            for (reservation, _) in decoded.filter_map(|(_, d)| d) {
                                let (region, slot) = reservation.into_parts();
                                self.alloc.free(region.offset).expect("reserved regions are live");
                                self.free_slots.push(slot);
                            }
                            return Err(e);
                        }
                        Some(Ok(s)) => admitted.push(Some(s)),
                        None => admitted.push(None),
                    }
                }
                retire.extend(loaded.drain(..).flatten());
                fresh = admitted.iter().map(Option::is_some).collect();
                loaded = admitted;
            }
        }
        // The snapshot says how many records the pad has.
        if loaded.len() > snap.samples.len() {
            retire.extend(loaded.drain(snap.samples.len()..).flatten());
        }
        loaded.resize(snap.samples.len(), None);
        fresh.resize(snap.samples.len(), false);
        // A kept sample whose window or loop changed is re-pointed (its
        // sounding voices finish the window they started with).
        for (i, s) in loaded.iter().enumerate() {
            let (Some(s), false) = (s, fresh[i]) else { continue };
            let before = old_params.iter().zip(&old).find(|(_, o)| o.as_ref().map(|o| o.slot) == Some(s.slot)).map(|(p, _)| *p);
            let now = snap.samples[i];
            let rate = s.info.sample_rate as f32;
            let moved = before.is_none_or(|b| {
                b.window(s.info.frames) != now.window(s.info.frames) || b.guest_loop(s.info.frames, rate) != now.guest_loop(s.info.frames, rate)
            });
            if moved {
                let s = s.clone();
                if let Err(e) = self.load_slot(pad, &s, &now) {
                    // Nothing is published: the samples admitted by this
                    // call go back (the pad keeps its table entry).
                    for (l, new) in loaded.iter().zip(&fresh) {
                        if let (Some(l), true) = (l, *new) {
                            self.guest_forget(l);
                        }
                    }
                    return Err(e);
                }
            }
        }
        let samples = snap.samples.iter().zip(loaded).map(|(params, loaded)| PublishedSample { params: *params, loaded }).collect();
        self.pads[pad] = PublishedPad { mapping: snap.mapping, settings: snap.settings, samples };
        self.send_params(pad);
        for sample in retire {
            self.retire(sample);
        }
        self.refresh_live(pad);
        Ok(())
    }

    /// Takes back an admitted sample that is not published after all (its
    /// slot was never triggered).
    fn guest_forget(&mut self, sample: &LoadedSample) {
        if let Err(t) = self.guest.slot_retire(sample.slot) {
            self.record_fault(t);
        }
        self.alloc.free(sample.region.offset).expect("admitted regions are live");
        self.free_slots.push(sample.slot);
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
            let samples: Vec<(LoadedSample, crate::kit::SampleParams)> =
                self.pads[pad].samples.iter().filter_map(|s| Some((s.loaded.clone()?, s.params))).collect();
            for (sample, params) in &samples {
                if let Err(e) = self.load_slot(pad, sample, params) {
                    let what = format!("re-publishing {} after a fault failed: {e}", sample.source);
                    self.fault = self.fault.or(previous);
                    return Err(GuestError(what));
                }
            }
            self.send_params(pad);
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
            let Some(published) = self.pads.get(pad) else { continue };
            let old = published.settings.with(before.as_ref()).guest_params();
            let new = published.settings.with(Some(values)).guest_params();
            for ((id, value), (_, was)) in new.into_iter().zip(old) {
                if value != was {
                    self.events.push(abi::Event::pad_param(0, pad as u32, id, value));
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
            if self.permit_fault_allocs { super::backend::permit_alloc(|| self.guest.process(frames, count)) } else { self.guest.process(frames, count) };
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
    pub fn process(&mut self, notes: &[NoteEvent], automation: &[Automation], outs: &mut [&mut [f32]]) {
        // A host that hands over channels of different lengths gets the
        // common length rendered and the rest of the longer ones zeroed. An
        // empty channel is one the host did not connect: it is skipped (so
        // the buses after it keep their places).
        let frames = outs.iter().map(|o| o.len()).filter(|&n| n > 0).min().unwrap_or(0);
        for o in outs.iter_mut().filter(|o| o.len() > frames) {
            o[frames..].fill(0.0);
        }
        let silence = |outs: &mut [&mut [f32]], from: usize| {
            for o in outs.iter_mut().filter(|o| !o.is_empty()) {
                o[from..frames].fill(0.0);
            }
        };
        if self.fault.is_some() {
            silence(outs, 0);
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
            // (A note translated again after the queue filled takes the
            // round robin's next turn: only a piece of more than
            // EVENT_CAPACITY events can see that.)
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
                translate(&n.at(f - start as u32), &mut self.live, &self.automation, &mut self.trigger, rate, &mut self.events);
                if self.events.dropped() != dropped && len > 0 {
                    self.events.truncate(len);
                    self.events.set_dropped(dropped);
                    if f as usize > start {
                        end = f as usize;
                        break;
                    }
                    if !self.run_guest(0) {
                        silence(outs, start);
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
                silence(outs, start);
                return;
            }
            for (ch, o) in outs.iter_mut().enumerate().filter(|(_, o)| !o.is_empty()) {
                if ch < abi::OUT_CHANNELS as usize {
                    self.guest.read_output(ch as u32, &mut o[start..end]);
                } else {
                    o[start..end].fill(0.0);
                }
            }
            start = end;
        }
        for o in outs.iter_mut().filter(|o| !o.is_empty()) {
            for s in o[..frames].iter_mut() {
                if !s.is_finite() {
                    *s = 0.0;
                    self.non_finite += 1;
                }
            }
        }
    }
}
