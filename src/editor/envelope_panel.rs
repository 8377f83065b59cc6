//! The selected pad's amp envelope and velocity response: the envelope drawn
//! as a curve with three handles (drag the attack's peak sideways, the
//! decay's end sideways and up or down for the sustain level, the release's
//! end sideways), the exact values as fields below it, then the velocity
//! amount and curve.
//!
//! For the first [`AUTOMATED_PADS`] pads attack, decay, sustain and release
//! are the host's parameters (changed through the parameter setter, so a
//! host records them as automation); hold, curve and the velocity response
//! are kit settings, as are all of them for the other pads.
//!
//! Thread: the editor window's thread. Allocates.

use egui::{pos2, vec2, Color32, Pos2, Rect, Sense, Stroke, Ui};
use nice_plug::prelude::FloatParam;

use super::app::SamplerApp;
use super::look::{self, pad_colour, DIM};
use crate::kit::PadModel;
use crate::settings::{self, Setting, AUTOMATED_PADS};

/// The envelope values the section shows and edits.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shape {
    attack: f32,
    hold: f32,
    decay: f32,
    /// Percent.
    sustain: f32,
    release: f32,
    /// Percent, [`settings::ENV_CURVE_PCT`].
    curve: f32,
}

impl SamplerApp {
    /// Draws the envelope and velocity section and applies its changes:
    /// kit settings into `edited`, host parameters through the setter.
    pub(super) fn envelope_section(&mut self, ui: &mut Ui, pad: usize, edited: &mut PadModel) {
        let s = &mut edited.settings;
        let params = (pad < AUTOMATED_PADS).then(|| &self.params.pads[pad]);
        let pick = |kit: f32, p: Option<&FloatParam>| p.map_or(kit, |p| p.value());
        let before = Shape {
            attack: pick(s.attack, params.map(|p| &p.attack)),
            hold: s.hold,
            decay: pick(s.decay, params.map(|p| &p.decay)),
            sustain: pick(s.sustain, params.map(|p| &p.sustain)),
            release: pick(s.release, params.map(|p| &p.release)),
            curve: s.curve,
        };
        let mut shape = before;
        graph(ui, pad, &mut shape);
        egui::Grid::new(("envelope-fields", pad)).num_columns(8).spacing([6.0, 6.0]).show(ui, |ui| {
            let rows: [[(&mut f32, &'static Setting); 4]; 2] = [
                [
                    (&mut shape.attack, &settings::ATTACK_S),
                    (&mut shape.hold, &settings::HOLD_S),
                    (&mut shape.decay, &settings::DECAY_S),
                    (&mut shape.sustain, &settings::SUSTAIN_PCT),
                ],
                [
                    (&mut shape.release, &settings::RELEASE_S),
                    (&mut shape.curve, &settings::ENV_CURVE_PCT),
                    (&mut s.velocity_amount, &settings::VELOCITY_AMOUNT_PCT),
                    (&mut s.velocity_curve, &settings::VELOCITY_CURVE_PCT),
                ],
            ];
            for row in rows {
                for (value, setting) in row {
                    ui.label(egui::RichText::new(setting.name).color(DIM));
                    ui.add(field(value, setting));
                }
                ui.end_row();
            }
        });
        (s.hold, s.curve) = (shape.hold, shape.curve);
        match params {
            Some(p) => {
                let setter = self.gui.param_setter();
                for (param, new, old) in [
                    (&p.attack, shape.attack, before.attack),
                    (&p.decay, shape.decay, before.decay),
                    (&p.sustain, shape.sustain, before.sustain),
                    (&p.release, shape.release, before.release),
                ] {
                    if new != old {
                        setter.begin_set_parameter(param);
                        setter.set_parameter(param, new);
                        setter.end_set_parameter(param);
                    }
                }
            }
            None => (s.attack, s.decay, s.sustain, s.release) = (shape.attack, shape.decay, shape.sustain, shape.release),
        }
    }
}

/// A compact field over a setting's range, showing and taking its text.
pub(super) fn field<'a>(value: &'a mut f32, s: &'static Setting) -> egui::DragValue<'a> {
    let speed = if s.display == settings::Display::Seconds { 0.002 } else { s.step as f64 };
    egui::DragValue::new(value)
        .range(s.range())
        .speed(speed)
        .custom_formatter(move |v, _| s.format_with_unit(v as f32))
        .custom_parser(move |t| s.parse(t).map(|v| v as f64))
}

/// The segment shape f(p) of guest/src/envelope.rs for a curve in percent.
fn shaped(p: f32, curve_pct: f32) -> f32 {
    let c = settings::env_curve_constant(curve_pct);
    p / (p + c * (1.0 - p))
}

/// Draws the envelope and lets its three handles be dragged.
fn graph(ui: &mut Ui, pad: usize, shape: &mut Shape) {
    let rect = look::envelope_graph_rect(ui.max_rect());
    ui.allocate_rect(rect, Sense::hover());
    ui.painter().rect_filled(rect, 4.0, Color32::from_rgb(22, 23, 27));
    // The span in use when a drag began stays until it ends: a span that
    // followed the handle would move the time axis under the pointer.
    let held = egui::Id::unique(("envelope-span", pad));
    let scale = look::EnvelopeScale::new(rect, shape.attack, shape.hold, shape.decay, shape.release);
    let scale = match ui.data(|d| d.get_temp::<f32>(held)) {
        Some(seconds) => scale.spanning(seconds),
        None => scale,
    };
    let (x, y) = (|t: f32| scale.x(t), |level: f32| scale.y(level));
    let sustain = shape.sustain / 100.0;
    let release_start = scale.release_start;
    let mut points = vec![pos2(x(0.0), y(0.0))];
    let segment = |points: &mut Vec<Pos2>, t0: f32, len: f32, from: f32, to: f32| {
        for k in 1..=24 {
            let p = k as f32 / 24.0;
            points.push(pos2(x(t0 + len * p), y(from + (to - from) * shaped(p, shape.curve))));
        }
    };
    segment(&mut points, 0.0, shape.attack, 0.0, 1.0);
    points.push(pos2(x(shape.attack + shape.hold), y(1.0)));
    segment(&mut points, shape.attack + shape.hold, shape.decay, 1.0, sustain);
    points.push(pos2(x(release_start), y(sustain)));
    segment(&mut points, release_start, shape.release, sustain, 0.0);
    let colour = pad_colour(pad);
    ui.painter().add(egui::Shape::line(points, Stroke::new(1.5, colour)));
    ui.painter().text(
        rect.right_top() + vec2(-6.0, 4.0),
        egui::Align2::RIGHT_TOP,
        settings::ATTACK_S.format(scale.seconds),
        egui::FontId::proportional(10.0),
        DIM,
    );

    let handles = scale.handles(shape.attack, shape.hold, shape.decay, shape.sustain, shape.release);
    for (which, at) in handles.into_iter().enumerate() {
        let response = ui.interact(Rect::from_center_size(at, vec2(14.0, 14.0)), egui::Id::unique(("envelope", pad, which)), Sense::drag());
        if response.drag_started() {
            ui.data_mut(|d| d.insert_temp(held, scale.seconds));
        }
        if response.drag_stopped() {
            ui.data_mut(|d| d.remove::<f32>(held));
        }
        let hot = response.hovered() || response.dragged();
        ui.painter().circle(at, if hot { 5.0 } else { 4.0 }, Color32::from_rgb(22, 23, 27), Stroke::new(1.5, colour));
        let Some(p) = response.interact_pointer_pos().filter(|_| response.dragged()) else { continue };
        let t = scale.time_at(p.x);
        match which {
            0 => shape.attack = settings::ATTACK_S.clamp(t),
            1 => {
                shape.decay = settings::DECAY_S.clamp(t - shape.attack - shape.hold);
                shape.sustain = settings::SUSTAIN_PCT.clamp(scale.percent_at(p.y));
            }
            _ => shape.release = settings::RELEASE_S.clamp(t - release_start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graph_span_covers_the_envelope_and_moves_in_steps() {
        let span =
            |attack, hold, decay, release| look::EnvelopeScale::new(Rect::from_min_size(Pos2::ZERO, vec2(316.0, 72.0)), attack, hold, decay, release).seconds;
        assert_eq!(span(0.0, 0.0, 0.1, 0.01), 0.25);
        assert_eq!(span(0.0, 0.0, 0.11, 0.01), 0.25, "a small change keeps the scale");
        assert_eq!(span(3.0, 0.0, 0.1, 0.01), 5.0);
        assert!(span(30.0, 30.0, 30.0, 30.0) >= 30.0 * 3.0 * 1.25 + 30.0);
    }

    #[test]
    fn the_drawn_segments_follow_the_guests_shape() {
        assert_eq!(shaped(0.5, 0.0), 0.5);
        assert!((shaped(0.5, 100.0) - 8.0 / 9.0).abs() < 1e-6, "fast first");
        assert!((shaped(0.5, -100.0) - 1.0 / 9.0).abs() < 1e-6, "slow first");
    }
}
