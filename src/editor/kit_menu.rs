//! The top bar's kit menu: kit files, embedding, and the kit-wide
//! settings (render quality, polyphony, sample memory), each kept by the
//! kit store, their one owner.
//!
//! Thread: the editor window's thread. Allocates.

use std::path::PathBuf;

use egui::Ui;

use super::app::SamplerApp;
use super::browser::{Browser, Purpose};
use super::look::DIM;
use crate::kit::Interpolation;

impl SamplerApp {
    /// The kit menu: open and save kit files (the browser starts in
    /// `start`), embedding, the render quality (the interpolation of every
    /// pad left at "Kit"), the polyphony and the sample memory budget.
    pub(super) fn kit_menu(&mut self, bar: &mut Ui, start: PathBuf) {
        bar.menu_button("Kit", |ui| {
            if ui.button("Open kit…").on_hover_text("Replace the pads with a kit file's (or an SFZ file's)").clicked() {
                self.browser = Some(Browser::for_purpose(Purpose::OpenKit, start.clone()));
                ui.close();
            }
            if ui.button("Save kit…").on_hover_text("Save the pads to a kit file (samples beside it are saved relative to it)").clicked() {
                self.browser = Some(Browser::for_purpose(Purpose::SaveKit, start));
                ui.close();
            }
            ui.separator();
            let mut embed = self.shared.store.embed_audio();
            if ui.checkbox(&mut embed, "Embed samples").on_hover_text("Save each pad's audio inside the project").changed() {
                self.shared.store.set_embed_audio(embed);
            }
            ui.separator();
            ui.label(egui::RichText::new("Quality of pads set to Kit").color(DIM));
            let was = self.shared.store.render_quality();
            let mut quality = was;
            ui.horizontal(|ui| {
                for kernel in [Interpolation::Cubic, Interpolation::Linear, Interpolation::Sinc] {
                    ui.selectable_value(&mut quality, kernel, kernel.name());
                }
            });
            if quality != was {
                self.shared.store.set_render_quality(quality);
            }
            ui.separator();
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new(crate::settings::POLYPHONY.name).color(DIM));
                let was = self.shared.store.polyphony();
                let mut voices = was;
                let range = crate::settings::POLYPHONY.min as u32..=crate::settings::POLYPHONY.max as u32;
                ui.add(egui::DragValue::new(&mut voices).range(range).speed(4.0))
                    .on_hover_text("Voices at once in the whole instrument before the quietest is stolen (changing it stops every voice)");
                if voices != was {
                    if let Err(e) = self.shared.store.set_polyphony(voices) {
                        self.shared.link.post_message(e);
                    }
                }
            });
            ui.horizontal(|ui| {
                let budget = crate::settings::MEMORY_BUDGET_MIB;
                ui.label(egui::RichText::new(budget.name).color(DIM));
                let was = self.shared.store.memory_budget_mib();
                let mut mib = was;
                ui.add(egui::DragValue::new(&mut mib).range(budget.min as u32..=budget.max as u32).speed(budget.step).suffix(budget.unit))
                    .on_hover_text("The most memory the samples may take: a sample that does not fit is refused; lowering it unloads nothing");
                if mib != was {
                    if let Err(e) = self.shared.store.set_memory_budget_mib(mib) {
                        self.shared.link.post_message(e);
                    }
                }
            });
        });
    }
}
