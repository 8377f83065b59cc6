//! The selected pad's panel: a header (name, Load…, Clear), the sample's
//! waveform with its play-window markers, and the pad's settings in tabs
//! ("Pad": sound and trigger; "Envelope": `envelope_panel`; "Filter":
//! `filter_panel`; "Loop": `loop_panel`; "Samples": `samples_panel`, the
//! pad's velocity layers and round robin). The waveform, play window and
//! loop are those of the sample chosen in "Samples" (the first by
//! default). Every
//! widget edits a copy of the pad's model; a changed copy goes to the kit
//! store as one edit, which validates and publishes it.
//!
//! Ranges, steps and text come from [`crate::settings`].
//!
//! Thread: the editor window's thread. Allocates.

use egui::{pos2, vec2, Color32, Rect, Sense, Ui, Vec2};
use nice_plug_egui::widgets::ParamSlider;

use super::app::SamplerApp;
use super::look::{self, draw_peaks, pad_colour, panel_rect, DIM, ERROR, TEXT};
use super::loop_panel::loop_section;
use super::model::note_name;
use crate::kit::{CcRange, Interpolation, OffMode, PadModel, PadView, PlayMode, Retrigger, Trigger};
use crate::settings::{self, Setting, AUTOMATED_PADS};

/// The tabs of the selected pad's panel, under the waveform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tab {
    /// Level, pan, tune, interpolation and how the pad is triggered.
    Pad,
    /// The amp envelope and the velocity response.
    Envelope,
    /// The filter.
    Filter,
    /// The sample's loop.
    Loop,
    /// The pad's samples: velocity layers, round robin, adding by drop.
    Samples,
}

impl SamplerApp {
    /// Draws the panel of the selected pad and applies what the user changed.
    pub(super) fn pad_panel(&mut self, ui: &mut Ui, screen: Vec2, pads: &[PadView]) {
        let rect = panel_rect(screen);
        ui.painter().rect_filled(rect, 6.0, Color32::from_rgb(30, 31, 36));
        let pad = self.selected;
        let empty = PadView::empty(pad);
        let view = pads.get(pad).unwrap_or(&empty);
        if self.layer >= view.model.samples.len() {
            self.layer = 0;
        }
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(look::PANEL_INSET)).layout(egui::Layout::top_down(egui::Align::Min)));
        self.panel_header(&mut child, screen, pad, view, pads);
        let mut edited = view.model.clone();
        self.window_editor(&mut child, pad, view, &mut edited);
        // The tabs and their section at fixed places (look.rs).
        let samples = match view.model.samples.len() {
            0 | 1 => "Samples".to_string(),
            n => format!("Samples ({n})"),
        };
        let tabs = [(Tab::Pad, "Pad"), (Tab::Envelope, "Envelope"), (Tab::Filter, "Filter"), (Tab::Loop, "Loop"), (Tab::Samples, samples.as_str())];
        for (i, (tab, label)) in tabs.into_iter().enumerate() {
            if ui.put(look::tab_rect(i, screen), egui::Button::selectable(self.tab == tab, label)).clicked() {
                self.tab = tab;
            }
        }
        let mut section = ui.new_child(egui::UiBuilder::new().max_rect(look::section_rect(screen)).layout(egui::Layout::top_down(egui::Align::Min)));
        let ui = &mut section;
        match self.tab {
            // The longest tab scrolls when the window is small.
            Tab::Pad => {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    egui::Grid::new("pad-settings").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
                        self.sound_settings(ui, pad, &mut edited);
                        mapping_settings(ui, &mut edited, view.sample.is_some());
                    });
                });
            }
            Tab::Envelope => self.envelope_section(ui, pad, &mut edited),
            Tab::Filter => self.filter_section(ui, pad, &mut edited),
            Tab::Loop => loop_section(ui, view, &mut edited, self.layer),
            Tab::Samples => {
                if let Some(remove) = super::samples_panel::samples_section(ui, view, &mut edited, &mut self.layer) {
                    if let Err(e) = self.shared.store.remove_sample(pad, remove) {
                        self.shared.link.post_message(format!("Pad {}: {e}", pad + 1));
                    }
                    return;
                }
            }
        }
        if edited != view.model {
            // Settings and sample parameters only: the records' files (and
            // embedded audio, which a view leaves out) stay as they are.
            let apply = |p: &mut PadModel| {
                p.mapping = edited.mapping;
                p.settings = edited.settings;
                for (record, e) in p.samples.iter_mut().zip(&edited.samples) {
                    record.params = e.params;
                }
            };
            if let Err(e) = self.shared.store.edit(pad, apply) {
                self.shared.link.post_message(format!("Pad {}: {e}", pad + 1));
            }
        }
    }

    /// Name, Load… and Clear, what the sample is, and its error if any.
    fn panel_header(&mut self, ui: &mut Ui, screen: Vec2, pad: usize, view: &PadView, pads: &[PadView]) {
        // The buttons at fixed places (look.rs); the name elided before them.
        let buttons = if matches!(view.model.mapping.trigger, Trigger::Note(_)) { 3 } else { 2 };
        let room = look::header_button_rect(buttons - 1, screen).min.x - ui.max_rect().min.x - 70.0;
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(format!("Pad {}", pad + 1)).strong().size(16.0).color(pad_colour(pad)));
            ui.label(egui::RichText::new(look::elide(&super::app::pad_name(view), room, 15.0)).size(15.0).color(TEXT));
        });
        if ui.put(look::header_button_rect(0, screen), egui::Button::new("Clear")).clicked() {
            self.shared.store.clear(pad);
        }
        if ui.put(look::header_button_rect(1, screen), egui::Button::new("Load…")).clicked() {
            self.open_browser(pad, pads);
        }
        if buttons == 3 {
            let learning = self.learning.is_some_and(|(p, _)| p == pad);
            let learn = ui
                .put(look::header_button_rect(2, screen), egui::Button::selectable(learning, "Learn"))
                .on_hover_text("Play a note on your controller: this pad takes it as its trigger note");
            if learn.clicked() {
                self.learning = if learning { None } else { Some((pad, self.shared.link.note_hits().0)) };
            }
        }
        let shown = view.layers.get(self.layer).and_then(Option::as_ref).or(view.sample.as_ref());
        let info = match shown {
            Some(s) => {
                let seconds = s.info.frames as f64 / s.info.sample_rate.max(1) as f64;
                let channels = if s.info.channels == 1 { "mono" } else { "stereo" };
                let kind = s.info.kind.map_or("", |k| k.label());
                // What the file is and the depth it is kept at in memory.
                format!("{kind} {} · {} Hz · {channels} · {seconds:.3} s · {}", s.info.format.label(), s.info.sample_rate, s.source).trim_start().to_string()
            }
            // A file is named but not decoded: waiting for the host to start
            // the plugin (the loader needs the engine), loading, or failed
            // (the error follows).
            None => match view.model.samples.get(self.layer).or(view.model.sample()) {
                Some(record) if self.shared.engine().is_none() => {
                    format!("Loads when the host starts the plugin · {}", record.file.display())
                }
                Some(record) if view.loading => format!("Loading… · {}", record.file.display()),
                Some(record) => record.file.display().to_string(),
                None => "Empty: drop an audio file here or use Load…".to_string(),
            },
        };
        // One line either way (the tabs below sit at a fixed height): the
        // error, when there is one, in place of what the sample is.
        let (line, colour) = match &view.error {
            Some(error) => (error.as_str(), ERROR),
            None => (info.as_str(), DIM),
        };
        let width = ui.available_width();
        ui.label(egui::RichText::new(look::elide(line, width, 10.0)).small().color(colour)).on_hover_text(line);
    }

    /// The large waveform with the play window's start and end markers
    /// (drag them; the numbers below take exact frames).
    fn window_editor(&mut self, ui: &mut Ui, pad: usize, view: &PadView, edited: &mut PadModel) {
        let (wave_rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 110.0), Sense::hover());
        ui.painter().rect_filled(wave_rect, 4.0, Color32::from_rgb(22, 23, 27));
        let layer = self.layer;
        let sample = view.layers.get(layer).and_then(Option::as_ref);
        let (Some(sample), Some(w), Some(record)) = (sample, self.waveform(pad), edited.samples.get_mut(layer)) else { return };
        let frames = sample.info.frames;
        let params = &mut record.params;
        let inner = wave_rect.shrink2(vec2(4.0, 6.0));
        let (start, len) = params.window(frames);
        let window = (start as f32 / frames as f32, (start + len) as f32 / frames as f32);
        draw_peaks(&ui.painter_at(wave_rect), inner, w, pad_colour(pad), Some(window));
        let x = |f: u32| inner.min.x + inner.width() * (f as f32 / frames as f32);
        if let Some(l) = params.file_loop {
            // The file's own loop: a band under the waveform.
            let band = Rect::from_x_y_ranges(x(l.start)..=x(l.end), inner.max.y - 4.0..=inner.max.y);
            ui.painter().rect_filled(band, 1.0, Color32::from_rgb(120, 200, 120));
        }
        let (mode, loop_start, loop_end, _) = params.guest_loop(frames, sample.info.sample_rate as f32);
        if mode != wasm_sampler_guest::abi::looping::OFF {
            // The loop that plays: a shaded span with its two edges.
            let (a, b) = (x(start + loop_start), x(start + loop_end));
            ui.painter().rect_filled(Rect::from_x_y_ranges(a..=b, inner.min.y..=inner.max.y), 0.0, Color32::from_rgba_unmultiplied(120, 200, 120, 28));
            for edge in [a, b] {
                ui.painter().line_segment([pos2(edge, inner.min.y), pos2(edge, inner.max.y)], egui::Stroke::new(1.0, Color32::from_rgb(120, 200, 120)));
            }
        }
        for (which, at) in [(0, window.0), (1, window.1)] {
            let x = inner.min.x + inner.width() * at;
            let handle = Rect::from_center_size(pos2(x, inner.center().y), vec2(10.0, inner.height() + 12.0));
            let response = ui.interact(handle, egui::Id::unique(("marker", pad, which)), Sense::drag()).on_hover_cursor(egui::CursorIcon::ResizeHorizontal);
            if let Some(p) = response.interact_pointer_pos().filter(|_| response.dragged()) {
                let frame = (((p.x - inner.min.x) / inner.width()).clamp(0.0, 1.0) * frames as f32).round() as u32;
                if which == 0 {
                    params.start = frame.min(start + len - 1);
                } else {
                    let end = frame.max(start + 1);
                    params.end = if end >= frames { 0 } else { end };
                }
            }
        }
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("Start").color(DIM));
            let mut first = start;
            if ui.add(egui::DragValue::new(&mut first).range(0..=frames - 1).speed(10.0)).changed() {
                params.start = first;
            }
            ui.label(egui::RichText::new("End").color(DIM));
            let mut end = start + len;
            if ui.add(egui::DragValue::new(&mut end).range(1..=frames).speed(10.0)).changed() {
                params.end = if end >= frames { 0 } else { end };
            }
            ui.label(egui::RichText::new(format!("of {frames} frames")).color(DIM));
            if let Some(l) = params.file_loop {
                ui.label(egui::RichText::new(format!("· file loop {}–{}", l.start, l.end)).color(DIM))
                    .on_hover_text("The loop the file marks (WAV smpl, AIFF INST): where the Loop tab's points start.");
            }
            if (params.start, params.end) != (0, 0) && ui.small_button("Whole sample").clicked() {
                params.start = 0;
                params.end = 0;
            }
        });
    }

    /// Gain, pan and tune (the host's parameters for the first pads, the
    /// kit's values for the others), interpolation, direction and bend range.
    fn sound_settings(&mut self, ui: &mut Ui, pad: usize, edited: &mut PadModel) {
        let s = &mut edited.settings;
        if pad < AUTOMATED_PADS {
            let setter = self.gui.param_setter();
            let set = &self.params.pads[pad];
            ui.label(settings::PAD_GAIN_DB.name);
            ui.add(ParamSlider::for_param(&set.gain, &setter).with_width(180.0));
            ui.end_row();
            ui.label(settings::PAN.name);
            ui.add(ParamSlider::for_param(&set.pan, &setter).with_width(180.0));
            ui.end_row();
            ui.label(settings::TUNE_SEMITONES.name);
            ui.horizontal(|ui| {
                ui.add(ParamSlider::for_param(&set.tune, &setter).with_width(86.0));
                ui.add(ParamSlider::for_param(&set.fine, &setter).with_width(86.0));
            });
            ui.end_row();
        } else {
            ui.label(settings::PAD_GAIN_DB.name);
            ui.add(slider(&mut s.gain_db, &settings::PAD_GAIN_DB));
            ui.end_row();
            ui.label(settings::PAN.name);
            ui.add(slider(&mut s.pan, &settings::PAN));
            ui.end_row();
            ui.label(settings::TUNE_SEMITONES.name);
            ui.horizontal(|ui| {
                let mut semitones = s.tune_semitones as f32;
                if ui.add(drag(&mut semitones, &settings::TUNE_SEMITONES)).changed() {
                    s.tune_semitones = semitones.round() as i32;
                }
                ui.add(drag(&mut s.tune_cents, &settings::TUNE_CENTS));
            });
            ui.end_row();
        }
        ui.label("Interpolation");
        let kit = self.shared.store.render_quality();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut s.interpolation, Interpolation::Default, format!("Kit ({})", kit.name()))
                .on_hover_text("Follow the kit's render quality (top bar)");
            for kernel in [Interpolation::Cubic, Interpolation::Linear, Interpolation::Sinc] {
                ui.selectable_value(&mut s.interpolation, kernel, kernel.name());
            }
        });
        ui.end_row();
        ui.label(settings::OUTPUT.name);
        let output_name = |o: u8| if o == 0 { "Main".to_string() } else { format!("Out {}", o + 1) };
        egui::ComboBox::from_id_salt("output")
            .selected_text(output_name(s.output))
            .show_ui(ui, |ui| {
                for o in 0..=settings::OUTPUT.max as u8 {
                    ui.selectable_value(&mut s.output, o, output_name(o));
                }
            })
            .response
            .on_hover_text("The output this pad plays into: the main one, or an auxiliary output to mix it on its own track");
        ui.end_row();
        ui.label("Direction");
        ui.horizontal(|ui| {
            ui.selectable_value(&mut s.reverse, false, "Forward");
            ui.selectable_value(&mut s.reverse, true, "Reverse");
            ui.label(egui::RichText::new(settings::BEND_RANGE_ST.name).color(DIM));
            ui.add(drag(&mut s.bend_range, &settings::BEND_RANGE_ST));
        });
        ui.end_row();
    }
}

/// How the pad is played and cut: mode, choke and voices ([`choke_rows`]),
/// trigger and velocities ([`trigger_rows`]), controllers
/// ([`controller_rows`]).
fn mapping_settings(ui: &mut Ui, edited: &mut PadModel, has_sample: bool) {
    let m = &mut edited.mapping;
    ui.label("Mode");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut m.mode, PlayMode::OneShot, "One-shot");
        ui.selectable_value(&mut m.mode, PlayMode::Gate, "Gate");
    });
    ui.end_row();
    choke_rows(ui, edited);
    trigger_rows(ui, edited, has_sample);
    controller_rows(ui, edited);
}

/// Choke group, whom it is choked by and how, and the pad's voices.
fn choke_rows(ui: &mut Ui, edited: &mut PadModel) {
    let m = &mut edited.mapping;
    ui.label(settings::CHOKE_GROUP.name);
    ui.horizontal(|ui| {
        let mut group = m.choke_group as f32;
        if ui.add(drag(&mut group, &settings::CHOKE_GROUP)).on_hover_text("The group this pad's notes choke").changed() {
            m.choke_group = group.round() as u8;
        }
        ui.label(egui::RichText::new("choked by").color(DIM));
        let name = |by: Option<u8>| match by {
            None => "its group".to_string(),
            Some(0) => "none".to_string(),
            Some(g) => format!("group {g}"),
        };
        egui::ComboBox::from_id_salt("choked-by").selected_text(name(m.choked_by)).show_ui(ui, |ui| {
            for by in [None, Some(0)].into_iter().chain((1..=settings::CHOKE_GROUP.max as u8).map(Some)) {
                ui.selectable_value(&mut m.choked_by, by, name(by));
            }
        });
    });
    ui.end_row();
    let s = &mut edited.settings;
    ui.label("Choked");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut s.off_mode, OffMode::Fast, "Fade").on_hover_text("A choke fades the pad out over the choke fade");
        ui.selectable_value(&mut s.off_mode, OffMode::Normal, "Release").on_hover_text("A choke releases the pad like a note-off");
        ui.add_enabled(s.off_mode == OffMode::Fast, drag(&mut s.choke_fade, &settings::CHOKE_FADE_S));
        ui.checkbox(&mut m.aftertouch_chokes, "by aftertouch").on_hover_text("Polyphonic aftertouch on its note chokes the pad (a grabbed e-drum cymbal)");
    });
    ui.end_row();
    ui.label(settings::PAD_VOICES.name);
    ui.horizontal(|ui| {
        let mut voices = s.voices as f32;
        if ui.add(drag(&mut voices, &settings::PAD_VOICES)).on_hover_text("Voices of this pad at once: a new note at the limit fades its oldest").changed() {
            s.voices = voices.round() as u32;
        }
        ui.label(egui::RichText::new("Retrigger").color(DIM));
        ui.selectable_value(&mut s.retrigger, Retrigger::Ring, "Ring").on_hover_text("A repeated note lets the last one play on");
        ui.selectable_value(&mut s.retrigger, Retrigger::Cut, "Cut").on_hover_text("A repeated note fades the last one out");
    });
    ui.end_row();
}

/// Trigger (note or key range and the sample's root key), pitch tracking,
/// velocity range.
fn trigger_rows(ui: &mut Ui, edited: &mut PadModel, has_sample: bool) {
    let root = edited.sample_params().root_key;
    let m = &mut edited.mapping;
    ui.label("Trigger");
    ui.horizontal(|ui| {
        let drum = matches!(m.trigger, Trigger::Note(_));
        if ui.selectable_label(drum, "Note").clicked() && !drum {
            m.trigger = Trigger::Note(root);
        }
        if ui.selectable_label(!drum, "Key range").clicked() && drum {
            m.trigger = Trigger::Range { lo: root.saturating_sub(12), hi: (root + 12).min(127) };
        }
    });
    ui.end_row();
    let mut new_root = root;
    match &mut m.trigger {
        Trigger::Note(n) => {
            ui.label("Note");
            ui.add(note_value(n));
            ui.end_row();
        }
        Trigger::Range { lo, hi } => {
            ui.label("Keys");
            ui.horizontal(|ui| {
                ui.add(note_value(lo));
                ui.label("to");
                ui.add(note_value(hi));
                ui.label("root");
                ui.add_enabled(has_sample, note_value(&mut new_root)).on_disabled_hover_text("The root key belongs to the sample: load one first");
            });
            ui.end_row();
            if *lo > *hi {
                std::mem::swap(lo, hi);
            }
            ui.label(settings::PITCH_KEYTRACK_CT.name);
            ui.add(drag(&mut edited.settings.pitch_keytrack, &settings::PITCH_KEYTRACK_CT))
                .on_hover_text("Cents per key from the root: 100 plays a semitone per key, 0 every key at the root's pitch");
            ui.end_row();
        }
    }
    if new_root != root {
        if let Some(record) = edited.samples.first_mut() {
            record.params.root_key = new_root;
        }
    }
    ui.label(settings::VELOCITY.name);
    ui.horizontal(|ui| {
        let (lo, hi) = &mut edited.mapping.velocity;
        ui.add(egui::DragValue::new(lo).range(settings::VELOCITY.min as u8..=settings::VELOCITY.max as u8));
        ui.label("to");
        ui.add(egui::DragValue::new(hi).range(settings::VELOCITY.min as u8..=settings::VELOCITY.max as u8));
        if *lo > *hi {
            std::mem::swap(lo, hi);
        }
    });
    ui.end_row();
}

/// A controller condition (play only while a CC is in a range) and a pedal
/// (a CC entering a range plays the pad: the hi-hat pedal's chick).
fn controller_rows(ui: &mut Ui, edited: &mut PadModel) {
    let m = &mut edited.mapping;
    let hint = "Play only while a controller (CC 4: the hi-hat pedal) is in a range";
    cc_range_row(ui, "Controller", ("only while CC", "is"), hint, &mut m.cc, CcRange { cc: 4, lo: 0, hi: 127 });
    let hint = "Play the pad when a controller enters a range, not by notes: the hi-hat pedal's chick as it closes";
    cc_range_row(ui, "Pedal", ("played when CC", "enters"), hint, &mut m.pedal, CcRange { cc: 4, lo: 100, hi: 127 });
}

/// A grid row turning a controller range on (at `fresh`) or off, and
/// editing its controller and range: "`check` N `verb` lo to hi".
fn cc_range_row(ui: &mut Ui, label: &str, (check, verb): (&str, &str), hint: &str, range: &mut Option<CcRange>, fresh: CcRange) {
    ui.label(label);
    ui.horizontal(|ui| {
        let mut on = range.is_some();
        if ui.checkbox(&mut on, check).on_hover_text(hint).changed() {
            *range = on.then_some(fresh);
        }
        if let Some(c) = range {
            ui.add(egui::DragValue::new(&mut c.cc).range(0..=127));
            ui.label(verb);
            ui.add(egui::DragValue::new(&mut c.lo).range(0..=127));
            ui.label("to");
            ui.add(egui::DragValue::new(&mut c.hi).range(0..=127));
            if c.lo > c.hi {
                std::mem::swap(&mut c.lo, &mut c.hi);
            }
        }
    });
    ui.end_row();
}

/// A slider over a setting's range, showing and taking the table's text.
fn slider<'a>(value: &'a mut f32, s: &'static Setting) -> egui::Slider<'a> {
    egui::Slider::new(value, s.range())
        .step_by(s.step as f64)
        .custom_formatter(move |v, _| s.format_with_unit(v as f32))
        .custom_parser(move |t| s.parse(t).map(|v| v as f64))
}

/// A drag value over a setting's range, showing and taking the table's text.
fn drag<'a>(value: &'a mut f32, s: &'static Setting) -> egui::DragValue<'a> {
    egui::DragValue::new(value)
        .range(s.range())
        .speed(s.step as f64 * 5.0)
        .custom_formatter(move |v, _| s.format_with_unit(v as f32))
        .custom_parser(move |t| s.parse(t).map(|v| v as f64))
}

/// A note field showing "C3 · 60".
fn note_value(n: &mut u8) -> egui::DragValue<'_> {
    egui::DragValue::new(n).range(0..=127).custom_formatter(|v, _| format!("{} · {}", note_name(v as u8), v as u8)).custom_parser(|s| {
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        s.rsplit('·').next().and_then(|t| t.trim().parse::<f64>().ok()).or_else(|| digits.parse().ok())
    })
}
