//! The editor's UI: pad grid, selected-pad panel, memory map, message line.
//!
//! Layout (logical points; it scales with the window): a top bar; the pad
//! grid (4 × 4, one page) on the left; the selected pad's panel on the
//! right; the memory map and the message line at the bottom. Pad rectangles
//! come from [`pad_rect`], which the end-to-end test uses to aim its drops.
//!
//! Thread: everything here runs on the editor window's thread and may
//! allocate. It reads the engine through short locks (`pads`, `memory_map`,
//! `stats`) and talks to the audio thread only through [`Shared`]'s
//! lock-free audition queue.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{pos2, vec2, Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug_egui::widgets::ParamSlider;

use super::browser::{home_dir, Browser, BrowserAction};
use super::model::{self, DropTarget, PADS_PER_PAGE};
use super::window::{FileDrag, WindowApp};
use crate::engine::{Engine, EngineStats, Pad, Segment, SegmentKind};
use crate::kit::{KitPad, MAX_PADS};
use crate::params::{EditorSize, SamplerParams, AUTOMATED_PADS};
use crate::plugin::{Audition, Shared};
use crate::triggering::{note_name, Interpolation, Mapping, PlayMode, Trigger};

/// Height of the top bar.
pub const TOP_BAR: f32 = 44.0;
/// Height of the bottom area (memory map and message line).
pub const BOTTOM: f32 = 112.0;
/// Outer margin and the gap between pads.
pub const MARGIN: f32 = 14.0;
pub const GAP: f32 = 8.0;
/// Columns of the pad grid.
pub const COLUMNS: usize = 4;
/// How long a pad's play flash lasts.
const FLASH: Duration = Duration::from_millis(220);
/// The shortest audition: a click shorter than this still holds the note
/// this long.
const MIN_AUDITION: Duration = Duration::from_millis(120);
/// Columns of a waveform overview.
const PEAK_COLUMNS: usize = 1024;
/// Frame period while a pad's flash fades.
const ANIMATION: Duration = Duration::from_millis(16);

const ACCENT: Color32 = Color32::from_rgb(255, 170, 40);
const ERROR: Color32 = Color32::from_rgb(235, 90, 80);
const PAD_BG: Color32 = Color32::from_rgb(38, 40, 46);
const PAD_EMPTY: Color32 = Color32::from_rgb(30, 31, 35);
const TEXT: Color32 = Color32::from_rgb(225, 225, 230);
const DIM: Color32 = Color32::from_rgb(140, 142, 150);

/// The rectangle of the pad in grid position `slot` (0..16, row by row from
/// the top left) for a window of `screen` points.
///
/// Thread: any. No allocation.
pub fn pad_rect(slot: usize, screen: Vec2) -> Rect {
    let grid = grid_rect(screen);
    let rows = PADS_PER_PAGE.div_ceil(COLUMNS);
    let w = (grid.width() - GAP * (COLUMNS - 1) as f32) / COLUMNS as f32;
    let h = (grid.height() - GAP * (rows - 1) as f32) / rows as f32;
    let (col, row) = (slot % COLUMNS, slot / COLUMNS);
    Rect::from_min_size(pos2(grid.min.x + col as f32 * (w + GAP), grid.min.y + row as f32 * (h + GAP)), vec2(w, h))
}

fn grid_rect(screen: Vec2) -> Rect {
    Rect::from_min_max(pos2(MARGIN, TOP_BAR + MARGIN * 0.5), pos2((screen.x * 0.5).round(), screen.y - BOTTOM))
}

fn panel_rect(screen: Vec2) -> Rect {
    Rect::from_min_max(pos2((screen.x * 0.5).round() + MARGIN, TOP_BAR + MARGIN * 0.5), pos2(screen.x - MARGIN, screen.y - BOTTOM))
}

/// A pad's colour (memory map, waveform): hues around the wheel.
///
/// Thread: any. No allocation.
pub fn pad_colour(pad: usize) -> Color32 {
    let hue = (pad as f32 * 0.618_034).fract();
    egui::epaint::Hsva::new(hue, 0.55, 0.85, 1.0).into()
}

/// A waveform overview: min and max per column, all channels mixed.
struct Waveform {
    /// (slot, region offset, frames): changes whenever the pad's sample does.
    key: WaveKey,
    peaks: Vec<(f32, f32)>,
}

type WaveKey = (u32, u64, u32);

/// Computes waveform overviews on one background thread, in request order,
/// so the editor never stalls on a long sample and a kit of hundreds of pads
/// starts one thread, not hundreds. Joined when the editor closes.
struct PeaksWorker {
    jobs: Option<Sender<(Arc<Engine>, usize, WaveKey)>>,
    done: Receiver<(usize, WaveKey, Vec<(f32, f32)>)>,
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
                    if let Some(peaks) = engine.sample_peaks(pad, PEAK_COLUMNS) {
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

/// What the editor last read of the engine, re-read only when the engine's
/// generation moves (the engine lock is shared with the audio thread).
#[derive(Default)]
struct EngineView {
    generation: Option<u64>,
    pads: Vec<Pad>,
    memory: Vec<Segment>,
}

/// The editor's state between frames.
pub struct SamplerApp {
    params: Arc<SamplerParams>,
    shared: Arc<Shared>,
    gui: GuiContext,
    scale: Arc<AtomicU64>,
    selected: usize,
    page: usize,
    browser: Option<Browser>,
    last_dir: Option<PathBuf>,
    waveforms: HashMap<usize, Waveform>,
    peaks: PeaksWorker,
    peaks_pending: HashMap<usize, WaveKey>,
    view: EngineView,
    hits_seen: [u32; 128],
    flashes: HashMap<usize, Instant>,
    /// The note an audition is holding and since when (released when the
    /// mouse is, but not before [`MIN_AUDITION`]).
    auditioning: Option<(u8, Instant)>,
    /// The button holding the audition went up (it may be pressed again
    /// before the audition's minimum length is over).
    audition_released: bool,
    /// A note-off the queue could not take yet.
    pending_off: Option<u8>,
    /// The egui frame of the last pad press handled.
    last_press: Option<u64>,
    /// Messages up to this sequence number were dismissed.
    dismissed: u64,
    /// The newest message sequence number drawn.
    messages_seen: u64,
    /// Set by the host's parameter and state changes (the editor handle).
    dirty: Arc<std::sync::atomic::AtomicBool>,
}

impl SamplerApp {
    /// Thread: the host's UI thread (editor spawn). Allocates.
    pub fn new(params: Arc<SamplerParams>, shared: Arc<Shared>, gui: GuiContext, scale: Arc<AtomicU64>, dirty: Arc<std::sync::atomic::AtomicBool>) -> Self {
        let hits_seen = shared.note_hits().0;
        SamplerApp {
            params,
            shared,
            gui,
            scale,
            selected: 0,
            page: 0,
            browser: None,
            last_dir: None,
            waveforms: HashMap::new(),
            peaks: PeaksWorker::new(),
            peaks_pending: HashMap::new(),
            view: EngineView::default(),
            hits_seen,
            flashes: HashMap::new(),
            auditioning: None,
            audition_released: false,
            pending_off: None,
            last_press: None,
            dismissed: 0,
            messages_seen: 0,
            dirty,
        }
    }

    /// The engine's pads and memory map (re-read when they changed) and
    /// the kit's pads.
    fn refresh(&mut self) -> Vec<KitPad> {
        if let Some(engine) = self.shared.engine() {
            let generation = engine.generation();
            if self.view.generation != Some(generation) {
                self.view = EngineView { generation: Some(generation), pads: engine.pads(), memory: engine.memory_map() };
            }
        }
        self.shared.kit_pads()
    }

    fn pages(&self, count: usize) -> usize {
        // One page beyond the last used pad's, so there is always room, up
        // to the number of pads there can be.
        (count / PADS_PER_PAGE + 1).min(MAX_PADS / PADS_PER_PAGE)
    }

    /// Asks for the waveform of `pad` if its sample changed.
    fn refresh_waveform(&mut self, pad: usize, p: Option<&Pad>) {
        let Some(sample) = p.and_then(|p| p.sample.as_ref()) else {
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

    /// Flashes the pads whose notes the audio thread played since last frame.
    fn update_flashes(&mut self, engine_pads: &[Pad]) {
        let (hits, velocities) = self.shared.note_hits();
        let now = Instant::now();
        for note in 0..128 {
            if hits[note] != self.hits_seen[note] {
                for (i, pad) in engine_pads.iter().enumerate() {
                    if pad.sample.is_some() && pad.mapping.matches(note as u8, velocities[note].max(1)) {
                        self.flashes.insert(i, now);
                    }
                }
            }
        }
        self.hits_seen = hits;
        self.flashes.retain(|_, t| now.duration_since(*t) < FLASH);
    }

    /// Sends the pending audition note-off, if the queue takes it.
    fn flush_off(&mut self) {
        if let Some(note) = self.pending_off {
            if self.shared.audition(Audition::Off { note }) {
                self.pending_off = None;
            }
        }
    }

    fn open_browser(&mut self, pad: usize, kit: &[KitPad]) {
        let from_pad = kit.get(pad).and_then(|p| p.file.as_ref()).and_then(|f| f.parent()).map(|d| d.to_path_buf());
        let dir = from_pad.or_else(|| self.last_dir.clone()).or_else(home_dir).unwrap_or_else(|| PathBuf::from("/"));
        self.browser = Some(Browser::new(pad, dir));
    }

    /// Loads what was dropped: refusals become messages, nothing else changes.
    fn apply_drop(&mut self, paths: &[PathBuf], pos: Pos2, screen: Vec2) {
        let kit = self.refresh();
        let target = self.drop_target(pos, screen);
        let occupied = occupied(&self.view.pads, &kit);
        let plan = model::plan_drop(target, paths, &occupied, model::is_audio_file);
        for refused in &plan.refused {
            self.shared.post_message(format!("Not loaded: {refused}"));
        }
        for (pad, path) in &plan.loads {
            self.shared.load_pad(*pad, path.clone());
        }
        if let Some((first, path)) = plan.loads.first() {
            self.selected = *first;
            self.page = model::page_of(*first);
            self.last_dir = path.parent().map(|d| d.to_path_buf());
        }
    }

    fn drop_target(&self, pos: Pos2, screen: Vec2) -> DropTarget {
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
        let setter = self.gui.param_setter();
        let mut embed = self.params.embed_samples.value();
        if bar.checkbox(&mut embed, "Embed samples").on_hover_text("Save each pad's audio inside the project").changed() {
            setter.begin_set_parameter(&self.params.embed_samples);
            setter.set_parameter(&self.params.embed_samples, embed);
            setter.end_set_parameter(&self.params.embed_samples);
        }
        bar.add_space(16.0);
        bar.add(ParamSlider::for_param(&self.params.master_gain, &setter).with_width(140.0));
        bar.label(egui::RichText::new("Master").color(DIM));
    }

    fn pad_grid(&mut self, ui: &mut Ui, screen: Vec2, engine_pads: &[Pad], kit: &[KitPad], files: &FileDrag) {
        // Which pads a drag in progress would fill.
        let mut targets: Vec<usize> = Vec::new();
        if let Some((paths, pos)) = &files.hovering {
            let target = self.drop_target(*pos, screen);
            let occupied = occupied(engine_pads, kit);
            targets = model::plan_drop(target, paths, &occupied, |_| Ok(())).loads.into_iter().map(|(p, _)| p).collect();
        }
        let now = Instant::now();
        let mut open_browser = None;
        for slot in 0..PADS_PER_PAGE {
            let pad = self.page * PADS_PER_PAGE + slot;
            let rect = pad_rect(slot, screen);
            let id = egui::Id::unique(("pad", pad));
            let response = ui.interact(rect, id, Sense::click());
            let engine_pad = engine_pads.get(pad);
            let kit_pad = kit.get(pad);
            let loaded = engine_pad.is_some_and(|p| p.sample.is_some());
            let painter = ui.painter_at(rect);

            let mut fill = if loaded { PAD_BG } else { PAD_EMPTY };
            if let Some(t) = self.flashes.get(&pad) {
                let a = 1.0 - now.duration_since(*t).as_secs_f32() / FLASH.as_secs_f32();
                fill = lerp(fill, ACCENT, 0.65 * a.clamp(0.0, 1.0));
            }
            let target = targets.contains(&pad);
            if target {
                fill = lerp(fill, Color32::from_rgb(60, 140, 255), 0.35);
            }
            painter.rect_filled(rect, 6.0, fill);
            let stroke = if target {
                Stroke::new(2.5, Color32::from_rgb(90, 170, 255))
            } else if pad == self.selected {
                Stroke::new(2.0, ACCENT)
            } else if response.hovered() {
                Stroke::new(1.0, DIM)
            } else {
                Stroke::new(1.0, Color32::from_rgb(55, 57, 64))
            };
            painter.rect_stroke(rect, 6.0, stroke, StrokeKind::Inside);

            let inner = rect.shrink(7.0);
            painter.text(inner.left_top(), Align2::LEFT_TOP, format!("{}", pad + 1), FontId::proportional(11.0), DIM);
            let mapping = engine_pad.map(|p| p.mapping).or(kit_pad.map(|p| p.mapping)).unwrap_or_else(|| KitPad::empty(pad).mapping);
            painter.text(inner.left_bottom(), Align2::LEFT_BOTTOM, model::trigger_label(&mapping), FontId::proportional(11.0), DIM);
            let name = pad_name(engine_pad, kit_pad);
            let name_pos = inner.left_top() + vec2(0.0, 15.0);
            let name_colour = if loaded { TEXT } else { DIM };
            painter.text(name_pos, Align2::LEFT_TOP, elide(&name, inner.width(), 12.5), FontId::proportional(12.5), name_colour);

            let wave = Rect::from_min_max(inner.left_top() + vec2(0.0, 34.0), inner.right_bottom() - vec2(0.0, 16.0));
            if let (true, Some(w)) = (loaded, self.waveforms.get(&pad)) {
                draw_peaks(&painter, wave, &w.peaks, pad_colour(pad).gamma_multiply(0.9), None);
            }

            // Badges: loading, or the error with its reason on hover.
            let badge = Rect::from_center_size(inner.right_top() + vec2(-8.0, 8.0), vec2(16.0, 16.0));
            if self.shared.is_loading(pad) {
                egui::Spinner::new().size(14.0).color(ACCENT).paint_at(ui, badge);
            } else if let Some(error) = engine_pad.and_then(|p| p.error.as_ref()) {
                let missing = error.ends_with("file not found");
                painter.circle_filled(badge.center(), 8.0, ERROR);
                painter.text(badge.center(), Align2::CENTER_CENTER, "!", FontId::proportional(12.0), Color32::WHITE);
                if missing {
                    painter.text(badge.left_center() - vec2(4.0, 0.0), Align2::RIGHT_CENTER, "missing", FontId::proportional(11.0), ERROR);
                }
                let badge_response = ui.interact(badge.expand(4.0), id.with("badge"), Sense::hover());
                badge_response.on_hover_text(error.as_str());
            }

            // Click: select and audition (held while the button is).
            // (Once per frame: egui may run a frame's UI twice.)
            let frame = ui.ctx().cumulative_frame_nr();
            if response.contains_pointer() && ui.input(|i| i.pointer.primary_pressed()) && self.last_press != Some(frame) {
                self.last_press = Some(frame);
                self.selected = pad;
                // A press may come before the previous audition's minimum
                // length is over: that one ends now.
                if let Some((old, _)) = self.auditioning.take() {
                    self.pending_off = Some(old);
                }
                self.flush_off();
                if loaded && self.pending_off.is_none() {
                    let note = audition_note(&mapping);
                    if self.shared.audition(Audition::On { note, velocity: 100 }) {
                        self.auditioning = Some((note, Instant::now()));
                        self.audition_released = false;
                    }
                }
            }
            response.context_menu(|ui| {
                if ui.button("Load…").clicked() {
                    open_browser = Some(pad);
                    ui.close();
                }
                if ui.add_enabled(loaded || kit_pad.is_some_and(|p| p.file.is_some()), egui::Button::new("Clear")).clicked() {
                    self.shared.clear_pad(pad);
                    ui.close();
                }
            });
        }
        // Released with the mouse, but held at least MIN_AUDITION so that a
        // quick click on a gate pad is heard; a note-off the queue could not
        // take is retried every frame until it goes.
        if let Some((note, since)) = self.auditioning {
            self.audition_released |= ui.input(|i| i.pointer.primary_released() || !i.pointer.primary_down());
            if self.audition_released && since.elapsed() >= MIN_AUDITION {
                self.auditioning = None;
                self.pending_off = Some(note);
            }
        }
        self.flush_off();
        if let Some(pad) = open_browser {
            self.open_browser(pad, kit);
        }
    }

    fn selected_panel(&mut self, ui: &mut Ui, screen: Vec2, engine_pads: &[Pad], kit: &[KitPad]) {
        let rect = panel_rect(screen);
        ui.painter().rect_filled(rect, 6.0, Color32::from_rgb(30, 31, 36));
        let pad = self.selected;
        let engine_pad = engine_pads.get(pad);
        let kit_pad = kit.get(pad).cloned().unwrap_or_else(|| KitPad::empty(pad));
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(12.0)).layout(egui::Layout::top_down(egui::Align::Min)));
        let ui = &mut child;
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(format!("Pad {}", pad + 1)).strong().size(16.0).color(pad_colour(pad)));
            ui.label(egui::RichText::new(pad_name(engine_pad, Some(&kit_pad))).size(15.0).color(TEXT));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Clear").clicked() {
                    self.shared.clear_pad(pad);
                }
                if ui.button("Load…").clicked() {
                    self.open_browser(pad, kit);
                }
            });
        });
        match engine_pad.and_then(|p| p.sample.as_ref()) {
            Some(s) => {
                let seconds = s.info.frames as f64 / s.info.sample_rate.max(1) as f64;
                let channels = if s.info.channels == 1 { "mono" } else { "stereo" };
                ui.label(egui::RichText::new(format!("{} Hz · {channels} · {seconds:.3} s · {}", s.info.sample_rate, s.source)).small().color(DIM));
            }
            None => {
                ui.label(egui::RichText::new("Empty: drop a WAV file here or use Load…").small().color(DIM));
            }
        }
        if let Some(error) = engine_pad.and_then(|p| p.error.as_ref()) {
            ui.colored_label(ERROR, error.as_str());
        }

        // The large waveform, with the play window's start and end markers
        // (drag them; the numbers below take exact frames).
        let mut edited = kit_pad.clone();
        let (wave_rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 110.0), Sense::hover());
        ui.painter().rect_filled(wave_rect, 4.0, Color32::from_rgb(22, 23, 27));
        let sample = engine_pad.and_then(|p| p.sample.as_ref());
        if let (Some(sample), Some(w)) = (sample, self.waveforms.get(&pad)) {
            let frames = sample.info.frames;
            let inner = wave_rect.shrink2(vec2(4.0, 6.0));
            let (start, len) = edited.params.window(frames);
            let window = (start as f32 / frames as f32, (start + len) as f32 / frames as f32);
            draw_peaks(&ui.painter_at(wave_rect), inner, &w.peaks, pad_colour(pad), Some(window));
            for (which, at) in [(0, window.0), (1, window.1)] {
                let x = inner.min.x + inner.width() * at;
                let handle = Rect::from_center_size(pos2(x, inner.center().y), vec2(10.0, inner.height() + 12.0));
                let response = ui.interact(handle, egui::Id::unique(("marker", pad, which)), Sense::drag()).on_hover_cursor(egui::CursorIcon::ResizeHorizontal);
                if let Some(p) = response.interact_pointer_pos().filter(|_| response.dragged()) {
                    let frame = (((p.x - inner.min.x) / inner.width()).clamp(0.0, 1.0) * frames as f32).round() as u32;
                    if which == 0 {
                        edited.params.start = frame.min(start + len - 1);
                    } else {
                        let end = frame.max(start + 1);
                        edited.params.end = if end >= frames { 0 } else { end };
                    }
                }
            }
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new("Start").color(DIM));
                let mut first = start;
                if ui.add(egui::DragValue::new(&mut first).range(0..=frames - 1).speed(10.0)).changed() {
                    edited.params.start = first;
                }
                ui.label(egui::RichText::new("End").color(DIM));
                let mut end = start + len;
                if ui.add(egui::DragValue::new(&mut end).range(1..=frames).speed(10.0)).changed() {
                    edited.params.end = if end >= frames { 0 } else { end };
                }
                ui.label(egui::RichText::new(format!("of {frames} frames")).color(DIM));
                if (edited.params.start, edited.params.end) != (0, 0) && ui.small_button("Whole sample").clicked() {
                    edited.params.start = 0;
                    edited.params.end = 0;
                }
            });
        }
        ui.add_space(6.0);

        egui::Grid::new("pad-settings").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            if pad < AUTOMATED_PADS {
                let setter = self.gui.param_setter();
                let set = &self.params.pads[pad];
                ui.label("Gain");
                ui.add(ParamSlider::for_param(&set.gain, &setter).with_width(180.0));
                ui.end_row();
                ui.label("Pan");
                ui.add(ParamSlider::for_param(&set.pan, &setter).with_width(180.0));
                ui.end_row();
                ui.label("Tune");
                ui.horizontal(|ui| {
                    ui.add(ParamSlider::for_param(&set.tune, &setter).with_width(86.0));
                    ui.add(ParamSlider::for_param(&set.fine, &setter).with_width(86.0));
                });
                ui.end_row();
            } else {
                ui.label("Gain");
                ui.add(egui::Slider::new(&mut edited.params.gain_db, -60.0..=24.0).suffix(" dB").step_by(0.1));
                ui.end_row();
                ui.label("Pan");
                ui.add(egui::Slider::new(&mut edited.params.pan, -1.0..=1.0).step_by(0.01));
                ui.end_row();
                ui.label("Tune");
                ui.horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut edited.params.tune_semitones).range(-48..=48).suffix(" st"));
                    ui.add(egui::DragValue::new(&mut edited.params.tune_cents).range(-100.0..=100.0).speed(0.5).suffix(" ct"));
                });
                ui.end_row();
            }
            ui.label("Mode");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut edited.mapping.mode, PlayMode::OneShot, "One-shot");
                ui.selectable_value(&mut edited.mapping.mode, PlayMode::Gate, "Gate");
            });
            ui.end_row();
            ui.label("Release");
            let mut release_ms = edited.params.release * 1000.0;
            if ui.add(egui::Slider::new(&mut release_ms, 1.0..=30_000.0).logarithmic(true).suffix(" ms")).changed() {
                edited.params.release = release_ms / 1000.0;
            }
            ui.end_row();
            ui.label("Choke group");
            ui.add(egui::DragValue::new(&mut edited.mapping.choke_group).range(0..=16).custom_formatter(|v, _| {
                if v == 0.0 {
                    "off".to_string()
                } else {
                    format!("{v}")
                }
            }));
            ui.end_row();
            ui.label("Trigger");
            ui.horizontal(|ui| {
                let drum = matches!(edited.mapping.trigger, Trigger::Note(_));
                let root = match edited.mapping.trigger {
                    Trigger::Note(n) => n,
                    Trigger::Range { root, .. } => root,
                };
                if ui.selectable_label(drum, "Note").clicked() && !drum {
                    edited.mapping.trigger = Trigger::Note(root);
                }
                if ui.selectable_label(!drum, "Key range").clicked() && drum {
                    edited.mapping.trigger = Trigger::Range { lo: root.saturating_sub(12), hi: (root + 12).min(127), root };
                }
            });
            ui.end_row();
            match &mut edited.mapping.trigger {
                Trigger::Note(n) => {
                    ui.label("Note");
                    ui.add(note_value(n));
                    ui.end_row();
                }
                Trigger::Range { lo, hi, root } => {
                    ui.label("Keys");
                    ui.horizontal(|ui| {
                        ui.add(note_value(lo));
                        ui.label("to");
                        ui.add(note_value(hi));
                        ui.label("root");
                        ui.add(note_value(root));
                    });
                    ui.end_row();
                    if *lo > *hi {
                        std::mem::swap(lo, hi);
                    }
                }
            }
            ui.label("Velocity");
            ui.horizontal(|ui| {
                let (lo, hi) = &mut edited.mapping.velocity;
                ui.add(egui::DragValue::new(lo).range(1..=127));
                ui.label("to");
                ui.add(egui::DragValue::new(hi).range(1..=127));
                if *lo > *hi {
                    std::mem::swap(lo, hi);
                }
            });
            ui.end_row();
            ui.label("Interpolation");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut edited.params.interpolation, Interpolation::Cubic, "Cubic");
                ui.selectable_value(&mut edited.params.interpolation, Interpolation::Linear, "Linear");
            });
            ui.end_row();
        });
        if edited != kit_pad {
            self.shared.edit_pad(pad, |p| {
                p.mapping = edited.mapping;
                p.params = edited.params;
            });
        }
    }

    fn memory_view(&mut self, ui: &mut Ui, screen: Vec2) {
        let area = Rect::from_min_max(pos2(MARGIN, screen.y - BOTTOM + 10.0), pos2(screen.x - MARGIN, screen.y - 30.0));
        let Some(engine) = self.shared.engine() else {
            ui.painter().text(area.left_top(), Align2::LEFT_TOP, "Memory: the engine starts when the host activates the plugin", FontId::proportional(12.0), DIM);
            return;
        };
        let segments = self.view.memory.clone();
        let stats: EngineStats = engine.stats();
        let total = segments.last().map(|s| s.offset + s.len).unwrap_or(1).max(1);
        let a = &stats.allocator;
        let line = format!(
            "Memory {} · used {} · free {} · largest free {} · fragmentation {:.1} % · {} samples",
            bytes(total),
            bytes(a.used),
            bytes(a.free),
            bytes(a.largest_free),
            a.fragmentation * 100.0,
            stats.pads_loaded,
        );
        ui.painter().text(area.left_top(), Align2::LEFT_TOP, line, FontId::proportional(12.0), TEXT);
        let bar = Rect::from_min_max(area.left_top() + vec2(0.0, 20.0), area.right_bottom() - vec2(0.0, 18.0));
        let painter = ui.painter_at(bar);
        painter.rect_filled(bar, 3.0, Color32::from_rgb(20, 21, 24));
        let x = |offset: u64| bar.min.x + bar.width() * (offset as f64 / total as f64) as f32;
        let hover = ui.input(|i| i.pointer.hover_pos()).filter(|p| bar.contains(*p));
        let mut hovered: Option<Segment> = None;
        for s in &segments {
            let r = Rect::from_min_max(pos2(x(s.offset), bar.min.y), pos2(x(s.offset + s.len).max(x(s.offset) + 1.0), bar.max.y));
            let colour = match s.kind {
                SegmentKind::Guest => Color32::from_rgb(110, 112, 125),
                SegmentKind::Io => Color32::from_rgb(70, 110, 150),
                SegmentKind::Sample { pad } => pad_colour(pad),
                SegmentKind::Retired => Color32::from_rgb(200, 120, 60),
                SegmentKind::Free => Color32::from_rgb(34, 36, 40),
            };
            painter.rect_filled(r, 0.0, colour);
            if hover.is_some_and(|p| p.x >= r.min.x && p.x < r.max.x) {
                hovered = Some(*s);
            }
        }
        painter.rect_stroke(bar, 3.0, Stroke::new(1.0, Color32::from_rgb(60, 62, 70)), StrokeKind::Inside);
        let mut x = bar.min.x;
        for (colour, label) in [
            (Color32::from_rgb(110, 112, 125), "guest"),
            (Color32::from_rgb(70, 110, 150), "I/O"),
            (pad_colour(0), "samples, by pad colour"),
            (Color32::from_rgb(200, 120, 60), "replaced, fading"),
            (Color32::from_rgb(34, 36, 40), "free"),
        ] {
            let swatch = Rect::from_min_size(pos2(x, bar.max.y + 5.0), vec2(9.0, 9.0));
            ui.painter().rect_filled(swatch, 1.0, colour);
            ui.painter().rect_stroke(swatch, 1.0, Stroke::new(1.0, Color32::from_rgb(70, 72, 80)), StrokeKind::Inside);
            let end = ui.painter().text(pos2(x + 13.0, bar.max.y + 3.0), Align2::LEFT_TOP, label, FontId::proportional(10.5), DIM);
            x = end.max.x + 14.0;
        }
        if let Some(s) = hovered {
            let what = match s.kind {
                SegmentKind::Guest => "guest stack and statics".to_string(),
                SegmentKind::Io => "I/O: header, events, output".to_string(),
                SegmentKind::Sample { pad } => format!("pad {}", pad + 1),
                SegmentKind::Retired => "replaced sample, fading out".to_string(),
                SegmentKind::Free => "free".to_string(),
            };
            let text = format!("{what}\n{} at 0x{:x}", bytes(s.len), s.offset);
            let id = egui::Id::unique("memory-hover");
            ui.interact(bar, id, Sense::hover()).on_hover_text_at_pointer(text);
        }
    }

    fn message_line(&mut self, ui: &mut Ui, screen: Vec2) {
        let rect = Rect::from_min_max(pos2(MARGIN, screen.y - 26.0), pos2(screen.x - MARGIN, screen.y - 6.0));
        self.messages_seen = self.shared.message_seq();
        let messages = self.shared.messages();
        let Some((seq, text)) = messages.last().filter(|(seq, _)| *seq > self.dismissed) else {
            ui.painter().text(rect.left_center(), Align2::LEFT_CENTER, "Drop WAV files on the pads, or right-click a pad to load one.", FontId::proportional(12.0), DIM);
            return;
        };
        let response = ui.interact(rect, egui::Id::unique("message-line"), Sense::click());
        ui.painter().rect_filled(rect, 3.0, Color32::from_rgb(60, 30, 30));
        ui.painter().text(rect.left_center() + vec2(6.0, 0.0), Align2::LEFT_CENTER, elide(text, rect.width() - 90.0, 12.0), FontId::proportional(12.0), TEXT);
        ui.painter().text(rect.right_center() - vec2(6.0, 0.0), Align2::RIGHT_CENTER, "✕ dismiss", FontId::proportional(11.0), DIM);
        if response.on_hover_text(text.as_str()).clicked() {
            self.dismissed = *seq;
        }
    }
}

impl WindowApp for SamplerApp {
    fn wants_frame(&mut self) -> bool {
        let engine_moved = self.shared.engine().is_some_and(|e| Some(e.generation()) != self.view.generation);
        let played = self.shared.note_hits().0 != self.hits_seen;
        let message = self.shared.message_seq() != self.messages_seen;
        let host = self.dirty.swap(false, Ordering::AcqRel);
        let waiting = !self.peaks_pending.is_empty() || self.shared.any_loading() || self.browser.is_some() || self.auditioning.is_some() || self.pending_off.is_some();
        engine_moved || played || message || host || waiting
    }

    fn dropped(&mut self, paths: Vec<PathBuf>, pos: Pos2, screen: Vec2) {
        self.apply_drop(&paths, pos, screen);
    }

    fn ui(&mut self, ui: &mut Ui, files: &FileDrag) {
        let screen = ui.ctx().content_rect().size();
        self.collect_waveforms();
        let kit = self.refresh();
        let engine_pads = std::mem::take(&mut self.view.pads);
        for (pad, p) in engine_pads.iter().enumerate() {
            self.refresh_waveform(pad, Some(p));
        }
        self.update_flashes(&engine_pads);
        let pages = self.pages(engine_pads.len().max(kit.len())).max(self.page + 1);

        ui.painter().rect_filled(ui.ctx().content_rect(), 0.0, Color32::from_rgb(26, 27, 31));
        self.top_bar(ui, screen, pages);
        self.pad_grid(ui, screen, &engine_pads, &kit, files);
        self.selected_panel(ui, screen, &engine_pads, &kit);
        self.view.pads = engine_pads;
        self.memory_view(ui, screen);
        self.message_line(ui, screen);

        if let Some(browser) = self.browser.as_mut() {
            match browser.ui(ui.ctx()) {
                BrowserAction::None => {}
                BrowserAction::Close => self.browser = None,
                BrowserAction::Load { pad, path } => {
                    if let Err(reason) = model::is_audio_file(&path) {
                        self.shared.post_message(format!("Not loaded: {reason}"));
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
            self.shared.audition(Audition::Off { note });
        }
    }
}

/// Which pads hold something (a sample, or a file in the kit, e.g. missing).
fn occupied(engine_pads: &[Pad], kit: &[KitPad]) -> Vec<bool> {
    let n = engine_pads.len().max(kit.len());
    (0..n)
        .map(|i| engine_pads.get(i).is_some_and(|p| p.sample.is_some()) || kit.get(i).is_some_and(|p| p.file.is_some() || p.embedded.is_some()))
        .collect()
}

/// The note a click on a pad plays: its drum note, or its root key.
///
/// Thread: any. No allocation.
pub fn audition_note(mapping: &Mapping) -> u8 {
    match mapping.trigger {
        Trigger::Note(n) => n,
        Trigger::Range { root, .. } => root,
    }
}

/// What a pad is called: the sample's file name, the kit's file when it is
/// missing, or "Empty".
fn pad_name(engine_pad: Option<&Pad>, kit_pad: Option<&KitPad>) -> String {
    use crate::engine::SampleSource;
    if let Some(s) = engine_pad.and_then(|p| p.sample.as_ref()) {
        return match &s.source {
            SampleSource::File(p) | SampleSource::Embedded(p) => p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            SampleSource::Generated(n) => n.clone(),
        };
    }
    match kit_pad.and_then(|p| p.file.as_ref()) {
        Some(f) => f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        None => "Empty".to_string(),
    }
}

fn note_value(n: &mut u8) -> egui::DragValue<'_> {
    egui::DragValue::new(n).range(0..=127).custom_formatter(|v, _| format!("{} · {}", note_name(v as u8), v as u8)).custom_parser(|s| {
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        s.rsplit('·').next().and_then(|t| t.trim().parse::<f64>().ok()).or_else(|| digits.parse().ok())
    })
}

fn draw_peaks(painter: &egui::Painter, rect: Rect, peaks: &[(f32, f32)], colour: Color32, markers: Option<(f32, f32)>) {
    if peaks.is_empty() || rect.width() < 2.0 {
        return;
    }
    let mid = rect.center().y;
    let half = rect.height() * 0.5;
    let columns = rect.width().floor() as usize;
    for c in 0..columns {
        let a = c * peaks.len() / columns;
        let b = ((c + 1) * peaks.len() / columns).max(a + 1).min(peaks.len());
        let (lo, hi) = peaks[a..b].iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.1)));
        let x = rect.min.x + c as f32 + 0.5;
        let top = mid - hi.clamp(-1.0, 1.0) * half;
        let bottom = (mid - lo.clamp(-1.0, 1.0) * half).max(top + 1.0);
        painter.line_segment([pos2(x, top), pos2(x, bottom)], Stroke::new(1.0, colour));
    }
    if let Some((start, end)) = markers {
        let shade = Color32::from_black_alpha(150);
        painter.rect_filled(Rect::from_min_max(rect.min, pos2(rect.min.x + rect.width() * start, rect.max.y)), 0.0, shade);
        painter.rect_filled(Rect::from_min_max(pos2(rect.min.x + rect.width() * end, rect.min.y), rect.max), 0.0, shade);
        for (at, label) in [(start, "S"), (end, "E")] {
            let x = rect.min.x + rect.width() * at;
            painter.line_segment([pos2(x, rect.min.y - 4.0), pos2(x, rect.max.y + 4.0)], Stroke::new(1.5, ACCENT));
            let align = if at < 0.5 { Align2::LEFT_TOP } else { Align2::RIGHT_TOP };
            painter.text(pos2(x + if at < 0.5 { 3.0 } else { -3.0 }, rect.min.y - 4.0), align, label, FontId::proportional(10.0), ACCENT);
        }
    }
}

fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// Cuts `text` to fit `width` points at `size` (roughly: proportional
/// fonts average about 0.55 em per character).
fn elide(text: &str, width: f32, size: f32) -> String {
    let max = (width / (size * 0.55)).max(4.0) as usize;
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

/// A byte count for people: "785 KiB", "2.8 MiB".
///
/// Thread: any non-real-time thread. Allocates the string.
pub fn bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let n = n as f64;
    if n < K {
        format!("{n} B")
    } else if n < K * K {
        format!("{:.0} KiB", n / K)
    } else if n < K * K * K {
        format!("{:.1} MiB", n / (K * K))
    } else {
        format!("{:.2} GiB", n / (K * K * K))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixteen_pads_tile_the_grid_without_overlap_at_any_window_size() {
        for screen in [vec2(820.0, 560.0), vec2(1000.0, 660.0), vec2(1920.0, 1200.0)] {
            let rects: Vec<Rect> = (0..PADS_PER_PAGE).map(|s| pad_rect(s, screen)).collect();
            for (i, a) in rects.iter().enumerate() {
                assert!(a.width() > 60.0 && a.height() > 60.0, "pad {i} too small at {screen:?}: {a:?}");
                assert!(a.max.x <= screen.x * 0.5 + 0.01 && a.max.y <= screen.y - BOTTOM + 0.01, "pad {i} leaves the grid");
                for b in &rects[i + 1..] {
                    assert!(!a.intersects(b.shrink(0.5)), "pads overlap at {screen:?}");
                }
            }
            assert!(pad_rect(0, screen).min.x < pad_rect(1, screen).min.x, "row by row from the top left");
            assert_eq!(pad_rect(4, screen).min.x, pad_rect(0, screen).min.x);
            assert!(pad_rect(4, screen).min.y > pad_rect(0, screen).max.y);
        }
    }

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
        assert_eq!(audition_note(&Mapping::drum(38)), 38);
        assert_eq!(audition_note(&Mapping::pitched(24, 59, 36)), 36);
    }

    #[test]
    fn pads_with_a_missing_file_count_as_occupied_for_drops() {
        let mut kit = vec![KitPad::empty(0), KitPad::empty(1)];
        kit[1].file = Some("/gone.wav".into());
        assert_eq!(occupied(&[], &kit), vec![false, true]);
    }

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(785_136), "767 KiB");
        assert_eq!(bytes(2_883_584), "2.8 MiB");
        assert_eq!(bytes(4 << 30), "4.00 GiB");
    }
}
