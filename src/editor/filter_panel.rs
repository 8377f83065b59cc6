//! The selected pad's filter: type and slope, the response drawn from the
//! engine's own design (guest/src/filter.rs) with a handle to drag (sideways
//! for the cutoff, up and down for the resonance), and the exact values as
//! fields, with key, velocity and envelope tracking.
//!
//! For the first [`AUTOMATED_PADS`] pads cutoff and resonance are the
//! host's parameters (changed through the parameter setter, so a host
//! records them as automation); the rest are kit settings, as are all of
//! them for the other pads.
//!
//! Thread: the editor window's thread. Allocates.

use egui::{pos2, vec2, Color32, Rect, Sense, Stroke, Ui};
use nice_plug::prelude::FloatParam;
use wasm_sampler_guest::filter::{sections, Response};

use super::app::SamplerApp;
use super::envelope_panel::field;
use super::look::{self, pad_colour, DIM};
use crate::kit::{FilterSettings, FilterSlope, FilterType, PadModel};
use crate::settings::{self, AUTOMATED_PADS};

/// The rate the response is drawn at.
const DRAW_RATE: f64 = 48_000.0;

/// The type buttons, in order (then the slope's two; `look::CHOICES` in
/// all).
pub const TYPES: [(FilterType, &str); 4] =
    [(FilterType::Off, "Off"), (FilterType::LowPass, "Low"), (FilterType::HighPass, "High"), (FilterType::BandPass, "Band")];

impl SamplerApp {
    /// Draws the filter section and applies its changes: kit settings into
    /// `edited`, host parameters through the setter.
    pub(super) fn filter_section(&mut self, ui: &mut Ui, pad: usize, edited: &mut PadModel) {
        let f = &mut edited.settings.filter;
        let params = (pad < AUTOMATED_PADS).then(|| &self.params.pads[pad]);
        let pick = |kit: f32, p: Option<&FloatParam>| p.map_or(kit, |p| p.value());
        let before = (pick(f.cutoff, params.map(|p| &p.cutoff)), pick(f.resonance, params.map(|p| &p.resonance)));
        let (mut cutoff, mut resonance) = before;
        // Type and slope buttons, then the graph, at fixed places (look.rs).
        let section = ui.max_rect();
        for (i, (kind, label)) in TYPES.into_iter().enumerate() {
            if ui.put(look::choice_rect(i, section), egui::Button::selectable(f.kind == kind, label)).clicked() {
                f.kind = kind;
            }
        }
        for (i, (slope, label)) in [(FilterSlope::Db6, "6 dB"), (FilterSlope::Db12, "12 dB"), (FilterSlope::Db24, "24 dB")].into_iter().enumerate() {
            if ui.put(look::choice_rect(TYPES.len() + i, section), egui::Button::selectable(f.slope == slope, label)).clicked() {
                f.slope = slope;
            }
        }
        let shown = FilterSettings { cutoff, resonance, ..*f };
        let rect = look::filter_graph_rect(section);
        graph(ui, rect, pad, &shown, &mut cutoff, &mut resonance);
        ui.advance_cursor_after_rect(rect);
        ui.add_space(6.0);
        egui::Grid::new(("filter-fields", pad)).num_columns(6).spacing([6.0, 6.0]).show(ui, |ui| {
            for (value, setting) in [(&mut cutoff, &settings::CUTOFF_HZ), (&mut resonance, &settings::RESONANCE_DB), (&mut f.keytrack, &settings::KEYTRACK_PCT)]
            {
                ui.label(egui::RichText::new(setting.name).color(DIM));
                ui.add(field(value, setting));
            }
            ui.end_row();
            for (value, setting) in [(&mut f.velocity, &settings::FILTER_VELOCITY_OCT), (&mut f.envelope, &settings::FILTER_ENVELOPE_OCT)] {
                ui.label(egui::RichText::new(setting.name).color(DIM));
                ui.add(field(value, setting));
            }
            ui.end_row();
        });
        match params {
            Some(p) => {
                let setter = self.gui.param_setter();
                for (param, new, old) in [(&p.cutoff, cutoff, before.0), (&p.resonance, resonance, before.1)] {
                    if new != old {
                        setter.begin_set_parameter(param);
                        setter.set_parameter(param, new);
                        setter.end_set_parameter(param);
                    }
                }
            }
            None => (f.cutoff, f.resonance) = (cutoff, resonance),
        }
    }
}

/// The response's level in dB at `hz`, as the engine would run it at
/// [`DRAW_RATE`]; `None` when the filter is off.
fn response_db(f: &FilterSettings, hz: f32) -> Option<f32> {
    let response = match f.kind {
        FilterType::Off => return None,
        FilterType::LowPass => Response::Low,
        FilterType::HighPass => Response::High,
        FilterType::BandPass => Response::Band,
    };
    let w = |hz: f32| std::f64::consts::TAU * hz as f64 / DRAW_RATE;
    let (biquads, count) = sections(response, f.slope.guest(), w(f.cutoff), f.resonance);
    let magnitude: f64 = biquads[..count].iter().map(|b| b.magnitude(w(hz))).product();
    Some((20.0 * magnitude.max(1e-9).log10()) as f32)
}

/// Draws the response on a log-frequency axis in `rect` and lets its
/// handle be dragged.
fn graph(ui: &mut Ui, rect: Rect, pad: usize, f: &FilterSettings, cutoff: &mut f32, resonance: &mut f32) {
    ui.painter().rect_filled(rect, 4.0, Color32::from_rgb(22, 23, 27));
    let zero = look::graph_y(rect, 0.0);
    let (left, right) = (look::graph_x(rect, look::GRAPH_LOWEST_HZ), look::graph_x(rect, look::GRAPH_HIGHEST_HZ));
    ui.painter().line_segment([pos2(left, zero), pos2(right, zero)], Stroke::new(1.0, Color32::from_rgb(45, 47, 54)));
    if f.kind == FilterType::Off {
        ui.painter().line_segment([pos2(left, zero), pos2(right, zero)], Stroke::new(1.5, DIM));
        return;
    }
    let colour = pad_colour(pad);
    let octaves = (look::GRAPH_HIGHEST_HZ / look::GRAPH_LOWEST_HZ).log2();
    let points: Vec<_> = (0..=160)
        .map(|k| {
            let hz = look::GRAPH_LOWEST_HZ * 2f32.powf(octaves * k as f32 / 160.0);
            pos2(look::graph_x(rect, hz), look::graph_y(rect, response_db(f, hz).unwrap_or(0.0)))
        })
        .collect();
    ui.painter().add(egui::Shape::line(points, Stroke::new(1.5, colour)));
    ui.painter().text(
        rect.right_top() + vec2(-6.0, 4.0),
        egui::Align2::RIGHT_TOP,
        settings::CUTOFF_HZ.format_with_unit(f.cutoff),
        egui::FontId::proportional(10.0),
        DIM,
    );

    let max = settings::RESONANCE_DB.max;
    let at = look::filter_handle(rect, f.cutoff, f.resonance, max);
    let response = ui.interact(Rect::from_center_size(at, vec2(14.0, 14.0)), egui::Id::unique(("filter-handle", pad)), Sense::drag());
    let hot = response.hovered() || response.dragged();
    ui.painter().circle(at, if hot { 5.0 } else { 4.0 }, Color32::from_rgb(22, 23, 27), Stroke::new(1.5, colour));
    if let Some(p) = response.interact_pointer_pos().filter(|_| response.dragged()) {
        *cutoff = settings::CUTOFF_HZ.clamp(look::graph_hz(rect, p.x).round());
        *resonance = settings::RESONANCE_DB.clamp((look::handle_resonance(rect, p.y, max) * 10.0).round() / 10.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawn_response_is_the_engines_design() {
        let low = FilterSettings { kind: FilterType::LowPass, cutoff: 1_000.0, ..FilterSettings::default() };
        assert!((response_db(&low, 1_000.0).unwrap() + 3.0103).abs() < 1e-3, "-3 dB at the cutoff");
        assert!(response_db(&low, 20.0).unwrap().abs() < 0.01, "flat well below it");
        let steep = FilterSettings { slope: FilterSlope::Db24, ..low };
        assert!((response_db(&steep, 4_000.0).unwrap() + 48.2).abs() < 0.5, "24 dB/oct: -48 dB two octaves up");
        let gentle = FilterSettings { slope: FilterSlope::Db6, ..low };
        assert!((response_db(&gentle, 1_000.0).unwrap() + 3.0103).abs() < 1e-3, "6 dB/oct: -3 dB at the cutoff");
        assert!((response_db(&gentle, 4_000.0).unwrap() + 12.3).abs() < 0.5, "6 dB/oct: -12 dB two octaves up");
        let peak = FilterSettings { resonance: 12.0, ..low };
        assert!((response_db(&peak, 1_000.0).unwrap() - (12.0 - 3.0103)).abs() < 1e-3, "resonance raises the cutoff's level");
        assert_eq!(response_db(&FilterSettings::default(), 1_000.0), None, "off draws no curve");
    }
}
