//! The memory map at the bottom of the editor: the guest's linear memory
//! drawn to scale (guest, I/O, each pad's sample in its colour, replaced
//! samples still fading, free space), with the allocator's numbers and the
//! sample memory budget.
//!
//! Thread: the editor window's thread. Allocates.

use egui::{pos2, vec2, Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};

use super::app::SamplerApp;
use super::look::{bytes, pad_colour, BOTTOM, DIM, MARGIN, TEXT};
use crate::engine::{EngineStats, Segment, SegmentKind};

impl SamplerApp {
    /// The memory map: a bar of the whole linear memory by what each
    /// stretch holds, a legend, and the allocator's numbers.
    pub(super) fn memory_view(&mut self, ui: &mut Ui, screen: Vec2) {
        let area = Rect::from_min_max(pos2(MARGIN, screen.y - BOTTOM + 10.0), pos2(screen.x - MARGIN, screen.y - 30.0));
        let Some(engine) = self.shared.engine() else {
            ui.painter().text(
                area.left_top(),
                Align2::LEFT_TOP,
                "Memory: the engine starts when the host activates the plugin",
                FontId::proportional(12.0),
                DIM,
            );
            return;
        };
        let segments = self.view.memory.clone();
        let stats: EngineStats = engine.stats();
        let total = segments.last().map(|s| s.offset + s.len).unwrap_or(1).max(1);
        let a = &stats.allocator;
        let budget = format!("budget {} ({} left)", bytes(stats.memory_budget), bytes(stats.memory_budget.saturating_sub(a.used)));
        let line = if stats.pads_loaded == 0 && a.used == 0 {
            format!("Memory {} · no samples loaded · {budget}", bytes(total))
        } else {
            format!(
                "Memory {} · used {} · free {} · largest free {} · fragmentation {:.1} % · {} samples · {budget}",
                bytes(total),
                bytes(a.used),
                bytes(a.free),
                bytes(a.largest_free),
                a.fragmentation * 100.0,
                stats.pads_loaded,
            )
        };
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
}
