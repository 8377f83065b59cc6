//! The editor's state and frame: what it last read of the kit store and the
//! engine, waveforms, auditions, drops, the top bar and the message line.
//! The panels are widgets of their own: [`super::pad_grid`],
//! [`super::pad_panel`], [`super::memory_view`]; the layout is
//! [`super::look`] (its [`pad_rect`](super::look::pad_rect) is what the
//! end-to-end test aims its drops at).
//!
//! Thread: everything here runs on the editor window's thread and may
//! allocate. It reads the kit store and the engine through short locks,
//! only when their generations move, and talks to the audio thread only
//! through the [`EditorLink`](crate::plugin::EditorLink)'s lock-free
//! audition queue.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Instant;

use egui::{vec2, Color32, Pos2, Rect, Ui, Vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug_egui::widgets::ParamSlider;

use super::browser::{home_dir, Browser, BrowserAction, Purpose};
use super::look::{pad_rect, ACCENT, ANIMATION, BACKGROUND, DIM, FLASH, MARGIN, PEAK_COLUMNS, TEXT, TOP_BAR};
use super::message_line::MessageLine;
use super::model::{self, DropTarget, PADS_PER_PAGE};
use super::window::{FileDrag, WindowApp};
use crate::engine::{Engine, SampleSource, Segment};
use crate::kit::{PadModel, PadView, Trigger};
use crate::plugin::params::{EditorSize, SamplerParams};
use crate::plugin::{Audition, Shared};
use crate::settings::MAX_PADS;

/// A waveform overview: min and max per column, all channels mixed.
struct Waveform {
    /// (slot, region offset, frames): changes whenever the pad's sample does.
    key: WaveKey,
    peaks: Vec<(f32, f32)>,
}

type WaveKey = (u32, u64, u32);

/// A finished overview: the pad, its key, and (min, max) per column.
type Overview = (usize, WaveKey, Vec<(f32, f32)>);

/// Computes waveform overviews on one background thread, in request order,
/// so the editor never stalls on a long sample and a kit of hundreds of pads
/// starts one thread, not hundreds. Joined when the editor closes.
struct PeaksWorker {
    jobs: Option<Sender<(Arc<Engine>, usize, WaveKey)>>,
    done: Receiver<Overview>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeaksWorker {
    fn new() -> Self {
        let (jobs, job_rx) = mpsc::channel::<(Arc<Engine>, usize, WaveKey)>();
        let (done_tx, done) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("wasm-sampler-peaks".into())
            .spawn(move || {
                for (engine, pad, key) in job_rx {
                    if let Some(peaks) = engine.slot_peaks(pad, Some(key.0), PEAK_COLUMNS) {
                        if done_tx.send((pad, key, peaks)).is_err() {
                            return;
                        }
                    }
                }
            })
            .ok();
        PeaksWorker { jobs: Some(jobs), done, thread }
    }
}

impl Drop for PeaksWorker {
    fn drop(&mut self) {
        // Closing the queue ends the thread after its current overview.
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the editor last read of the kit store and the engine, re-read only
/// when one of their generations moves (the engine lock is shared with the
/// audio thread).
#[derive(Default)]
pub(super) struct View {
    /// (kit store, engine) generations the view was read at.
    generation: Option<(u64, u64)>,
    pads: Vec<PadView>,
    pub(super) memory: Vec<Segment>,
}

/// The editor's state between frames.
pub struct SamplerApp {
    pub(super) params: Arc<SamplerParams>,
    pub(super) shared: Arc<Shared>,
    pub(super) gui: GuiContext,
    scale: Arc<AtomicU64>,
    pub(super) selected: usize,
    /// Which of the selected pad's samples the waveform, play window and
    /// loop edit (0 when a pad is selected anew).
    pub(super) layer: usize,
    /// Which of the selected pad's panel tabs shows.
    pub(super) tab: super::pad_panel::Tab,
    pub(super) page: usize,
    pub(super) browser: Option<Browser>,
    last_dir: Option<PathBuf>,
    waveforms: HashMap<usize, Waveform>,
    peaks: PeaksWorker,
    peaks_pending: HashMap<usize, WaveKey>,
    pub(super) view: View,
    hits_seen: [u32; 128],
    /// Learning the selected pad's trigger note: the pad, and the note-on
    /// counts when learning began (the next note whose count moves is it).
    pub(super) learning: Option<(usize, [u32; 128])>,
    pub(super) flashes: HashMap<usize, Instant>,
    /// The note an audition is holding and since when (released when the
    /// mouse is, but not before [`MIN_AUDITION`]).
    pub(super) auditioning: Option<(u8, Instant)>,
    /// The button holding the audition went up (it may be pressed again
    /// before the audition's minimum length is over).
    pub(super) audition_released: bool,
    /// A note-off the queue could not take yet.
    pub(super) pending_off: Option<u8>,
    /// The egui frame of the last pad press handled.
    pub(super) last_press: Option<u64>,
    /// The message line at the bottom (messages, or the stopped engine).
    message_line: MessageLine,
    /// Set by the host's parameter and state changes (the editor handle).
    dirty: Arc<std::sync::atomic::AtomicBool>,
}

impl SamplerApp {
    /// Thread: the host's UI thread (editor spawn). Allocates.
    pub fn new(params: Arc<SamplerParams>, shared: Arc<Shared>, gui: GuiContext, scale: Arc<AtomicU64>, dirty: Arc<std::sync::atomic::AtomicBool>) -> Self {
        let hits_seen = shared.link.note_hits().0;
        SamplerApp {
            params,
            shared,
            gui,
            scale,
            selected: 0,
            layer: 0,
            tab: super::pad_panel::Tab::Pad,
            page: 0,
            browser: None,
            last_dir: None,
            waveforms: HashMap::new(),
            peaks: PeaksWorker::new(),
            peaks_pending: HashMap::new(),
            view: View::default(),
            hits_seen,
            learning: None,
            flashes: HashMap::new(),
            auditioning: None,
            audition_released: false,
            pending_off: None,
            last_press: None,
            message_line: MessageLine::default(),
            dirty,
        }
    }

    /// The generations of the kit store and the engine now.
    fn generations(&self) -> (u64, u64) {
        (self.shared.store.generation(), self.shared.engine().map_or(0, |e| e.generation()))
    }

    /// Re-reads the pads and the memory map if either moved.
    fn refresh(&mut self) {
        let generation = self.generations();
        if self.view.generation != Some(generation) {
            let memory = self.shared.engine().map(|e| e.memory_map()).unwrap_or_default();
            self.view = View { generation: Some(generation), pads: self.shared.store.pads(), memory };
        }
    }

    /// `pad`'s waveform overview, once computed.
    pub(super) fn waveform(&self, pad: usize) -> Option<&[(f32, f32)]> {
        self.waveforms.get(&pad).map(|w| w.peaks.as_slice())
    }

    fn pages(&self, count: usize) -> usize {
        // One page beyond the last used pad's, so there is always room, up
        // to the number of pads there can be.
        (count / PADS_PER_PAGE + 1).min(MAX_PADS / PADS_PER_PAGE)
    }

    /// Asks for the waveform of `pad` if its sample changed.
    fn refresh_waveform(&mut self, pad: usize, p: Option<&PadView>) {
        // The selected pad shows the sample being edited; others their first.
        let layer = if pad == self.selected { self.layer } else { 0 };
        let Some(sample) = p.and_then(|p| p.layers.get(layer).and_then(Option::as_ref).or(p.sample.as_ref())) else {
            self.waveforms.remove(&pad);
            return;
        };
        let key = (sample.slot, sample.region.offset, sample.info.frames);
        if self.waveforms.get(&pad).is_some_and(|w| w.key == key) || self.peaks_pending.get(&pad) == Some(&key) {
            return;
        }
        let (Some(engine), Some(jobs)) = (self.shared.engine().cloned(), self.peaks.jobs.as_ref()) else { return };
        if jobs.send((engine, pad, key)).is_ok() {
            self.peaks_pending.insert(pad, key);
        }
    }

    fn collect_waveforms(&mut self) {
        while let Ok((pad, key, peaks)) = self.peaks.done.try_recv() {
            if self.peaks_pending.get(&pad) == Some(&key) {
                self.peaks_pending.remove(&pad);
            }
            self.waveforms.insert(pad, Waveform { key, peaks });
        }
    }

    /// While learning, the first note played since takes the pad (a note
    /// trigger); selecting another pad stops learning.
    fn learn_note(&mut self, ctx: &egui::Context) {
        let Some((pad, seen)) = self.learning else { return };
        if pad != self.selected {
            self.learning = None;
            return;
        }
        let hits = self.shared.link.note_hits().0;
        match (0..128).find(|&n| hits[n] != seen[n]) {
            Some(note) => {
                self.learning = None;
                if let Err(e) = self.shared.store.edit(pad, |p| p.mapping.trigger = Trigger::Note(note as u8)) {
                    self.shared.link.post_message(format!("pad {}: {e}", pad + 1));
                }
            }
            // Keep looking at the notes while waiting.
            None => ctx.request_repaint_after(std::time::Duration::from_millis(15)),
        }
    }

    /// Flashes the pads whose notes the audio thread played since last frame.
    fn update_flashes(&mut self, pads: &[PadView]) {
        let (hits, velocities) = self.shared.link.note_hits();
        let now = Instant::now();
        for note in 0..128 {
            if hits[note] != self.hits_seen[note] {
                for (i, pad) in pads.iter().enumerate() {
                    if pad.sample.is_some() && pad.model.mapping.matches(note as u8, velocities[note].max(1)) {
                        self.flashes.insert(i, now);
                    }
                }
            }
        }
        self.hits_seen = hits;
        self.flashes.retain(|_, t| now.duration_since(*t) < FLASH);
    }

    /// Sends the pending audition note-off, if the queue takes it.
    pub(super) fn flush_off(&mut self) {
        if let Some(note) = self.pending_off {
            if self.shared.link.audition(Audition::Off { note }) {
                self.pending_off = None;
            }
        }
    }

    pub(super) fn open_browser(&mut self, pad: usize, pads: &[PadView]) {
        let from_pad = pads.get(pad).and_then(|p| p.model.sample()).and_then(|s| s.file.parent()).map(|d| d.to_path_buf());
        let dir = from_pad.or_else(|| self.last_dir.clone()).or_else(home_dir).unwrap_or_else(|| PathBuf::from("/"));
        self.browser = Some(Browser::new(pad, dir));
    }

    /// Loads what was dropped: refusals become messages, nothing else changes.
    fn apply_drop(&mut self, paths: &[PathBuf], pos: Pos2, screen: Vec2, shift: bool) {
        self.refresh();
        let target = match self.drop_target(pos, screen) {
            DropTarget::Pad(pad) if shift => DropTarget::Samples(pad),
            target => target,
        };
        let occupied = occupied(&self.view.pads);
        // A kit file dropped opens as the kit (the first, if several).
        let (kits, paths): (Vec<PathBuf>, Vec<PathBuf>) = paths.iter().cloned().partition(|p| crate::kit::file::is_kit_file(p));
        if let Some(kit) = kits.first() {
            self.last_dir = kit.parent().map(|d| d.to_path_buf());
            self.shared.open_kit(kit.clone());
        }
        for extra in kits.iter().skip(1) {
            self.shared.link.post_message(format!("Not opened: {}: one kit at a time", extra.display()));
        }
        let paths = &paths[..];
        let plan = model::plan_drop(target, paths, &occupied, model::is_audio_file);
        for refused in &plan.refused {
            self.shared.link.post_message(format!("Not loaded: {refused}"));
        }
        for (pad, path) in &plan.loads {
            self.shared.load_pad(*pad, path.clone());
        }
        for (pad, path) in &plan.adds {
            self.shared.add_to_pad(*pad, path.clone());
        }
        if let Some((pad, path)) = plan.adds.first() {
            self.selected = *pad;
            self.last_dir = path.parent().map(|d| d.to_path_buf());
        }
        if let Some((first, path)) = plan.loads.first() {
            self.selected = *first;
            self.page = model::page_of(*first);
            self.last_dir = path.parent().map(|d| d.to_path_buf());
        }
    }

    pub(super) fn drop_target(&self, pos: Pos2, screen: Vec2) -> DropTarget {
        if self.tab == super::pad_panel::Tab::Samples && super::look::section_rect(screen).contains(pos) {
            return DropTarget::Samples(self.selected);
        }
        (0..PADS_PER_PAGE)
            .find(|&slot| pad_rect(slot, screen).contains(pos))
            .map(|slot| DropTarget::Pad(self.page * PADS_PER_PAGE + slot))
            .unwrap_or(DropTarget::EmptySpace)
    }

    fn top_bar(&mut self, ui: &mut Ui, screen: Vec2, pages: usize) {
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(screen.x, TOP_BAR));
        ui.painter().rect_filled(rect, 0.0, Color32::from_rgb(24, 25, 29));
        let inner = rect.shrink2(vec2(MARGIN, 8.0));
        let (left, right) = inner.split_left_right_at_fraction(0.5);
        let mut bar = ui.new_child(egui::UiBuilder::new().max_rect(left).layout(egui::Layout::left_to_right(egui::Align::Center)));
        bar.label(egui::RichText::new("WASM SAMPLER").strong().size(17.0).color(ACCENT));
        bar.add_space(18.0);
        if bar.add_enabled(self.page > 0, egui::Button::new(" < ")).on_hover_text("Previous pads").clicked() {
            self.page -= 1;
        }
        let range = format!("Pads {}–{}", self.page * PADS_PER_PAGE + 1, (self.page + 1) * PADS_PER_PAGE);
        bar.label(egui::RichText::new(range).color(TEXT));
        if bar.add_enabled(self.page + 1 < pages, egui::Button::new(" > ")).on_hover_text("Next pads").clicked() {
            self.page += 1;
        }
        let mut bar = ui.new_child(egui::UiBuilder::new().max_rect(right).layout(egui::Layout::right_to_left(egui::Align::Center)));
        if let Some((done, total)) = self.shared.store.kit_progress() {
            // A kit is loading: how far, and a way out.
            if bar.button("Cancel").on_hover_text("Stop loading the kit; the pads not loaded yet stay silent, keeping their files").clicked() {
                self.shared.store.cancel_kit_load();
            }
            bar.add(egui::Spinner::new());
            bar.label(egui::RichText::new(format!("Loading the kit: {done} of {total} pads")).color(TEXT));
            bar.add_space(8.0);
        }
        let start = self.last_dir.clone().or_else(home_dir).unwrap_or_else(|| PathBuf::from("/"));
        let missing = self.view.pads.iter().any(|p| p.error.as_deref().is_some_and(|e| e.contains("file not found")));
        if missing && bar.button("Find missing…").on_hover_text("Search a folder, and all below it, for the samples that are not where the kit says").clicked()
        {
            self.browser = Some(Browser::for_purpose(Purpose::FindMissing, start.clone()));
        }
        bar.add_space(8.0);
        self.kit_menu(&mut bar, start);
        bar.add_space(16.0);
        let setter = self.gui.param_setter();
        bar.add(ParamSlider::for_param(&self.params.master_gain, &setter).with_width(140.0));
        bar.label(egui::RichText::new("Master").color(DIM));
    }
}

impl WindowApp for SamplerApp {
    const BACKGROUND: Color32 = BACKGROUND;

    fn wants_frame(&mut self) -> bool {
        let moved = Some(self.generations()) != self.view.generation;
        let played = self.shared.link.note_hits().0 != self.hits_seen;
        let message = self.message_line.has_news(&self.shared);
        let host = self.dirty.swap(false, Ordering::AcqRel);
        let waiting = !self.peaks_pending.is_empty()
            || self.shared.store.any_loading()
            || self.browser.is_some()
            || self.auditioning.is_some()
            || self.pending_off.is_some();
        moved || played || message || host || waiting
    }

    fn dropped(&mut self, paths: Vec<PathBuf>, pos: Pos2, screen: Vec2, shift: bool) {
        self.apply_drop(&paths, pos, screen, shift);
    }

    fn ui(&mut self, ui: &mut Ui, files: &FileDrag) {
        let screen = ui.ctx().content_rect().size();
        self.collect_waveforms();
        self.refresh();
        let pads = std::mem::take(&mut self.view.pads);
        for (pad, p) in pads.iter().enumerate() {
            self.refresh_waveform(pad, Some(p));
        }
        self.update_flashes(&pads);
        self.learn_note(ui.ctx());
        let pages = self.pages(pads.len()).max(self.page + 1);

        self.top_bar(ui, screen, pages);
        self.pad_grid(ui, screen, &pads, files);
        self.pad_panel(ui, screen, &pads);
        self.view.pads = pads;
        self.memory_view(ui, screen);
        self.message_line.show(ui, screen, &self.shared);

        if let Some(browser) = self.browser.as_mut() {
            match browser.ui(ui.ctx()) {
                BrowserAction::None => {}
                BrowserAction::Close => self.browser = None,
                BrowserAction::OpenKit(path) => {
                    self.last_dir = path.parent().map(|d| d.to_path_buf());
                    self.shared.open_kit(path);
                    self.browser = None;
                }
                BrowserAction::FindMissing(folder) => {
                    self.last_dir = Some(folder.clone());
                    self.shared.find_missing(folder);
                    self.browser = None;
                }
                BrowserAction::SaveKit(path) => {
                    self.last_dir = path.parent().map(|d| d.to_path_buf());
                    self.shared.save_kit(path);
                    self.browser = None;
                }
                BrowserAction::Load { pad, path } => {
                    if let Err(reason) = model::is_audio_file(&path) {
                        self.shared.link.post_message(format!("Not loaded: {reason}"));
                    } else {
                        self.last_dir = path.parent().map(|d| d.to_path_buf());
                        self.shared.load_pad(pad, path);
                        self.selected = pad;
                        self.browser = None;
                    }
                }
            }
        }
        // Frames come from input, from `wants_frame` (something changed
        // outside egui) and from animations: an idle editor draws nothing.
        if !self.flashes.is_empty() {
            ui.ctx().request_repaint_after(ANIMATION);
        }
    }

    fn resized(&mut self, logical: Vec2, scale_factor: f64) {
        self.scale.store(scale_factor.to_bits(), Ordering::Release);
        if logical.x >= 1.0 && logical.y >= 1.0 {
            *self.params.editor_size.write() = EditorSize { width: logical.x.round() as u32, height: logical.y.round() as u32 }.clamped();
        }
    }
}

impl Drop for SamplerApp {
    fn drop(&mut self) {
        // A window closed while a pad is held must not leave a note hanging.
        if let Some(note) = self.auditioning.take().map(|(n, _)| n).or(self.pending_off.take()) {
            self.shared.link.audition(Audition::Off { note });
        }
    }
}

/// Which pads hold something (a sample, or a file in the kit, e.g. missing).
///
/// Thread: any. Allocates the list.
pub fn occupied(pads: &[PadView]) -> Vec<bool> {
    pads.iter().map(|p| p.sample.is_some() || !p.model.samples.is_empty()).collect()
}

/// The note a click on a pad plays: its drum note, or its sample's root key.
///
/// Thread: any. No allocation.
pub fn audition_note(pad: &PadModel) -> u8 {
    match pad.mapping.trigger {
        Trigger::Note(n) => n,
        Trigger::Range { .. } => pad.sample_params().root_key,
    }
}

/// What a pad is called: the sample's file name, the kit's file when it is
/// missing, or "Empty".
///
/// Thread: the editor window's. Allocates (the name).
pub fn pad_name(view: &PadView) -> String {
    let file_name = |p: &std::path::Path| p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if let Some(s) = &view.sample {
        return match &s.source {
            SampleSource::File(p) | SampleSource::Embedded(p) => file_name(p),
            SampleSource::Generated(n) => n.clone(),
        };
    }
    match view.model.sample() {
        Some(r) => file_name(&r.file),
        None => "Empty".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::{Mapping, SampleParams, SampleRecord};

    #[test]
    fn peaks_give_min_and_max_per_column_across_channels_in_any_chunking() {
        use crate::engine::fold_peaks;
        // Stereo, 4 frames: L = 0.1, -0.5, 0.3, 0.0; R = 0.2, 0.4, -0.9, 1.0.
        let data = [0.1, 0.2, -0.5, 0.4, 0.3, -0.9, 0.0, 1.0];
        let empty = (f32::INFINITY, f32::NEG_INFINITY);
        let mut two = [empty; 2];
        fold_peaks(&data, 2, 0, 4, &mut two);
        assert_eq!(two, [(-0.5, 0.4), (-0.9, 1.0)]);
        let mut one = [empty; 1];
        fold_peaks(&data, 2, 0, 4, &mut one);
        assert_eq!(one, [(-0.9, 1.0)]);
        // Read in chunks of one and three frames: the same overview.
        let mut chunked = [empty; 2];
        fold_peaks(&data[..2], 2, 0, 4, &mut chunked);
        fold_peaks(&data[2..], 2, 1, 4, &mut chunked);
        assert_eq!(chunked, two);
        // Mono, 5 frames in 2 columns: frames 0-2 and 3-4 (f * 2 / 5).
        let mut mono = [empty; 2];
        fold_peaks(&[0.5, -0.25, 0.0, 0.75, 0.1], 1, 0, 5, &mut mono);
        assert_eq!(mono, [(-0.25, 0.5), (0.1, 0.75)]);
    }

    #[test]
    fn clicking_a_pad_auditions_its_drum_note_or_root_key() {
        let mut pad = PadModel::empty(2);
        assert_eq!(audition_note(&pad), 38);
        pad.mapping = Mapping::pitched(24, 59);
        pad.samples.push(SampleRecord { file: "/bass.wav".into(), params: SampleParams::whole(36), embedded: None });
        assert_eq!(audition_note(&pad), 36);
    }

    #[test]
    fn pads_with_a_missing_file_count_as_occupied_for_drops() {
        let view = |model| PadView { model, ..PadView::empty(0) };
        let mut missing = PadModel::empty(1);
        missing.samples.push(SampleRecord { file: "/gone.wav".into(), params: SampleParams::whole(37), embedded: None });
        assert_eq!(occupied(&[view(PadModel::empty(0)), view(missing)]), vec![false, true]);
    }
}
