//! The selected pad's samples (its "Samples" tab): how its velocity layers
//! take turns and crossfade, and the list of its samples — each with its
//! velocity range, its place in its layer's round robin, and whether it is
//! loaded — where one is chosen for the waveform, play window and loop to
//! edit, or removed. Files dropped on this list are added to the pad.
//!
//! Thread: the editor window's thread. Allocates.

use egui::Ui;

use super::look::{DIM, ERROR, TEXT};
use crate::kit::{PadModel, PadView, RoundRobin};
use crate::settings;

/// Draws the samples section of the pad in `view`, applies its changes to
/// `edited`, and moves `layer` to the sample chosen. Returns a sample to
/// remove, if the user asked (the caller removes it through the store).
pub(super) fn samples_section(ui: &mut Ui, view: &PadView, edited: &mut PadModel, layer: &mut usize) -> Option<usize> {
    let s = &mut edited.settings;
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Round robin").color(DIM));
        for mode in [RoundRobin::Cycle, RoundRobin::Random, RoundRobin::RandomNoRepeat] {
            ui.selectable_value(&mut s.round_robin, mode, mode.name()).on_hover_text("How the samples of one velocity range take turns, hit by hit");
        }
    });
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(settings::LAYER_CROSSFADE.name).color(DIM));
        ui.add(
            egui::DragValue::new(&mut s.layer_crossfade)
                .range(settings::LAYER_CROSSFADE.range())
                .speed(0.5)
                .custom_formatter(|v, _| settings::LAYER_CROSSFADE.format_with_unit(v as f32)),
        )
        .on_hover_text("Velocity steps over which neighbouring layers blend (equal power); off switches at the boundary");
        let count = edited.samples.len();
        if ui.add_enabled(count > 1, egui::Button::new("Spread velocities")).on_hover_text("One layer per sample, in list order, softest first").clicked() {
            for (i, r) in edited.samples.iter_mut().enumerate() {
                r.params.velocity = spread(i, count);
            }
        }
        if ui.add_enabled(count > 1, egui::Button::new("One round robin")).on_hover_text("Every sample at every velocity: they take turns").clicked() {
            for r in edited.samples.iter_mut() {
                r.params.velocity = (1, 127);
            }
        }
    });
    ui.add_space(4.0);
    let mut remove = None;
    egui::ScrollArea::vertical().max_height(ui.available_height() - 22.0).show(ui, |ui| {
        egui::Grid::new("samples").num_columns(5).spacing([8.0, 4.0]).show(ui, |ui| {
            for i in 0..edited.samples.len() {
                let turn = turn_label(edited, i);
                let record = &mut edited.samples[i];
                let name = record.file.file_name().map_or_else(|| record.file.display().to_string(), |n| n.to_string_lossy().to_string());
                if ui.selectable_label(*layer == i, format!("{}", i + 1)).on_hover_text("Edit this sample's window and loop").clicked() {
                    *layer = i;
                }
                let loaded = view.layers.get(i).is_some_and(Option::is_some);
                let colour = if loaded { TEXT } else { ERROR };
                ui.label(egui::RichText::new(super::look::elide(&name, 150.0, 12.0)).color(colour)).on_hover_text(record.file.display().to_string());
                ui.horizontal(|ui| {
                    let (lo, hi) = &mut record.params.velocity;
                    let range = settings::VELOCITY.min as u8..=settings::VELOCITY.max as u8;
                    ui.add(egui::DragValue::new(lo).range(range.clone()));
                    ui.label("–");
                    ui.add(egui::DragValue::new(hi).range(range));
                    if *lo > *hi {
                        std::mem::swap(lo, hi);
                    }
                });
                ui.label(egui::RichText::new(turn).color(DIM));
                if ui.small_button("Remove").on_hover_text("Remove this sample from the pad (its voices fade out)").clicked() {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
    });
    ui.label(egui::RichText::new("Drop files here to add samples (or Shift-drop them on a pad)").small().color(DIM));
    remove
}

/// Sample `i` of `n`'s share of the velocities 1..=127, softest first.
///
/// Thread: any. No allocation.
pub fn spread(i: usize, n: usize) -> (u8, u8) {
    let n = n.max(1);
    let edge = |k: usize| 1 + (127 * k / n) as u8;
    (edge(i), edge(i + 1) - 1)
}

/// "hit 2 of 3" for a sample that shares its velocity range with others
/// (their round robin, in list order), else "".
fn turn_label(pad: &PadModel, i: usize) -> String {
    let range = pad.samples[i].params.velocity;
    let same: Vec<usize> = (0..pad.samples.len()).filter(|&j| pad.samples[j].params.velocity == range).collect();
    match same.iter().position(|&j| j == i) {
        Some(k) if same.len() > 1 => format!("hit {} of {}", k + 1, same.len()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreading_covers_every_velocity_once_softest_first() {
        assert_eq!(spread(0, 1), (1, 127));
        assert_eq!([spread(0, 2), spread(1, 2)], [(1, 63), (64, 127)]);
        for n in 1..=10 {
            let ranges: Vec<(u8, u8)> = (0..n).map(|i| spread(i, n)).collect();
            assert_eq!(ranges[0].0, 1);
            assert_eq!(ranges[n - 1].1, 127);
            assert!(ranges.windows(2).all(|w| w[1].0 == w[0].1 + 1 && w[0].0 <= w[0].1), "{ranges:?}");
        }
    }
}
