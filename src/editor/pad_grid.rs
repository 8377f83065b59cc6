//! The pad grid: one page of pads, each with its name, trigger, waveform,
//! play flash, loading spinner and error badge; a click selects and
//! auditions, the context menu loads or clears, and a drag in progress
//! lights up the pads it would fill.
//!
//! Thread: the editor window's thread. Allocates.

use std::time::Instant;

use egui::{vec2, Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};

use super::app::{audition_note, occupied, pad_name, SamplerApp};
use super::look::{draw_peaks, elide, elided, lerp, pad_colour, pad_rect, ACCENT, DIM, ERROR, FLASH, MIN_AUDITION, PAD_BG, PAD_EMPTY, TEXT};
use super::model::{self, PADS_PER_PAGE};
use super::window::FileDrag;
use crate::kit::PadView;
use crate::plugin::Audition;

impl SamplerApp {
    /// Draws one page of pads and handles clicks (select, audition) and
    /// the context menu (Load…, Clear).
    pub(super) fn pad_grid(&mut self, ui: &mut Ui, screen: Vec2, pads: &[PadView], files: &FileDrag) {
        // Which pads a drag in progress would fill.
        let mut targets: Vec<usize> = Vec::new();
        if let Some((paths, pos)) = &files.hovering {
            let target = self.drop_target(*pos, screen);
            let occupied = occupied(pads);
            targets = model::plan_drop(target, paths, &occupied, |_| Ok(())).loads.into_iter().map(|(p, _)| p).collect();
        }
        let now = Instant::now();
        let mut open_browser = None;
        for slot in 0..PADS_PER_PAGE {
            let pad = self.page * PADS_PER_PAGE + slot;
            let rect = pad_rect(slot, screen);
            let id = egui::Id::unique(("pad", pad));
            let response = ui.interact(rect, id, Sense::click());
            let empty = PadView::empty(pad);
            let view = pads.get(pad).unwrap_or(&empty);
            let loaded = view.sample.is_some();
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
            painter.text(inner.left_bottom(), Align2::LEFT_BOTTOM, model::trigger_label(&view.model), FontId::proportional(11.0), DIM);
            let name = pad_name(view);
            let name_pos = inner.left_top() + vec2(0.0, 15.0);
            let name_colour = if loaded { TEXT } else { DIM };
            painter.text(name_pos, Align2::LEFT_TOP, elide(&name, inner.width(), 12.5), FontId::proportional(12.5), name_colour);
            // The whole name on hover when it had to be shortened.
            let response = if elided(&name, inner.width(), 12.5) { response.on_hover_text(name.as_str()) } else { response };

            let wave = Rect::from_min_max(inner.left_top() + vec2(0.0, 34.0), inner.right_bottom() - vec2(0.0, 16.0));
            if let (true, Some(w)) = (loaded, self.waveform(pad)) {
                draw_peaks(&painter, wave, w, pad_colour(pad).gamma_multiply(0.9), None);
            }

            // Badges: loading, or the error with its reason on hover.
            let badge = Rect::from_center_size(inner.right_top() + vec2(-8.0, 8.0), vec2(16.0, 16.0));
            if view.loading {
                egui::Spinner::new().size(14.0).color(ACCENT).paint_at(ui, badge);
            } else if let Some(error) = &view.error {
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
                if self.selected != pad {
                    self.layer = 0;
                }
                self.selected = pad;
                // A press may come before the previous audition's minimum
                // length is over: that one ends now.
                if let Some((old, _)) = self.auditioning.take() {
                    self.pending_off = Some(old);
                }
                self.flush_off();
                if loaded && self.pending_off.is_none() {
                    let note = audition_note(&view.model);
                    if self.shared.link.audition(Audition::On { note, velocity: 100 }) {
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
                if ui.add_enabled(loaded || !view.model.samples.is_empty(), egui::Button::new("Clear")).clicked() {
                    self.shared.store.clear(pad);
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
            self.open_browser(pad, pads);
        }
    }
}
