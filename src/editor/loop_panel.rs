//! The selected pad's loop: off, forward or ping-pong; its start and end
//! frames (the waveform shades the loop that plays); a forward loop's
//! crossfade; and whether note-off lets go of it. The points start at the
//! loop the file marks, where it marks one ("File's loop" goes back to it).
//!
//! Thread: the editor window's thread. Allocates.

use egui::Ui;

use super::envelope_panel::field;
use super::look::{self, DIM};
use crate::kit::{LoopMode, PadModel, PadView};
use crate::settings;

/// The mode buttons, in order (the section's row of wide choices).
pub const MODES: [(LoopMode, &str); 3] = [(LoopMode::Off, "Off"), (LoopMode::Forward, "Forward"), (LoopMode::PingPong, "Ping-pong")];

/// Draws the loop section of sample `layer` of the pad in `view` and
/// applies its changes to `edited`.
pub(super) fn loop_section(ui: &mut Ui, view: &PadView, edited: &mut PadModel, layer: usize) {
    let (Some(sample), Some(record)) = (view.layers.get(layer).and_then(Option::as_ref), edited.samples.get_mut(layer)) else {
        ui.label(egui::RichText::new("Load a sample to loop it.").color(DIM));
        return;
    };
    let frames = sample.info.frames;
    let params = &mut record.params;
    let section = ui.max_rect();
    for (i, (mode, label)) in MODES.into_iter().enumerate() {
        if ui.put(look::wide_choice_rect(i, section), egui::Button::selectable(params.looping.mode == mode, label)).clicked() {
            params.looping.mode = mode;
        }
    }
    ui.advance_cursor_after_rect(look::choice_rect(0, section));
    ui.add_space(6.0);
    let (first, len) = params.window(frames);
    let file_loop = params.file_loop;
    let l = &mut params.looping;
    egui::Grid::new("loop-fields").num_columns(6).spacing([6.0, 6.0]).show(ui, |ui| {
        ui.label(egui::RichText::new("Start").color(DIM));
        let mut start = l.start;
        if ui.add(egui::DragValue::new(&mut start).range(0..=frames.saturating_sub(1)).speed(10.0)).changed() {
            l.start = start;
            if l.end != 0 && l.end <= start {
                l.end = start + 1;
            }
        }
        ui.label(egui::RichText::new("End").color(DIM));
        let mut end = if l.end == 0 { first + len } else { l.end };
        if ui.add(egui::DragValue::new(&mut end).range((l.start + 1).min(frames)..=frames).speed(10.0)).changed() {
            l.end = end;
        }
        ui.label(egui::RichText::new(settings::LOOP_CROSSFADE_S.name).color(DIM));
        ui.add(field(&mut l.crossfade, &settings::LOOP_CROSSFADE_S))
            .on_hover_text("Forward loops: blends the loop's last stretch into the frames before its start.");
        ui.end_row();
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.checkbox(&mut l.sustain, "Let go at note-off")
            .on_hover_text("A sustain loop: at note-off the sample plays on past the loop to its end. Off: the loop runs until the envelope ends the note.");
        if let Some(file) = file_loop {
            if (l.start, l.end) != (file.start, file.end) && ui.small_button("File's loop").clicked() {
                (l.start, l.end) = (file.start, file.end);
            }
        }
    });
}
