//! How the editor looks: the layout (pad grid on the left, the selected
//! pad's panel on the right, memory map and messages at the bottom, all in
//! logical points that scale with the window), its colours, and the small
//! drawing helpers the panels share.
//!
//! Thread: the editor window's thread. Nothing here allocates unless its
//! doc says so.

use std::time::Duration;

use egui::{pos2, vec2, Align2, Color32, FontId, Pos2, Rect, Stroke, Vec2};

use super::model::PADS_PER_PAGE;

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
pub const FLASH: Duration = Duration::from_millis(220);
/// The shortest audition: a click shorter than this still holds the note
/// this long.
pub const MIN_AUDITION: Duration = Duration::from_millis(120);
/// Columns of a waveform overview.
pub const PEAK_COLUMNS: usize = 1024;
/// Frame period while a pad's flash fades (the window draws its own
/// frames at most about 30 times a second).
pub const ANIMATION: Duration = Duration::from_millis(30);

/// The window's background (cleared to, never painted: see `WindowApp::BACKGROUND`).
pub const BACKGROUND: Color32 = Color32::from_rgb(26, 27, 31);
pub const ACCENT: Color32 = Color32::from_rgb(255, 170, 40);
pub const ERROR: Color32 = Color32::from_rgb(235, 90, 80);
pub const PAD_BG: Color32 = Color32::from_rgb(38, 40, 46);
pub const PAD_EMPTY: Color32 = Color32::from_rgb(30, 31, 35);
pub const TEXT: Color32 = Color32::from_rgb(225, 225, 230);
pub const DIM: Color32 = Color32::from_rgb(140, 142, 150);

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

/// The pad grid's area for a window of `screen` points.
///
/// Thread: any. No allocation.
pub fn grid_rect(screen: Vec2) -> Rect {
    Rect::from_min_max(pos2(MARGIN, TOP_BAR + MARGIN * 0.5), pos2((screen.x * 0.5).round(), screen.y - BOTTOM))
}

/// The selected pad's panel area for a window of `screen` points.
///
/// Thread: any. No allocation.
pub fn panel_rect(screen: Vec2) -> Rect {
    Rect::from_min_max(pos2((screen.x * 0.5).round() + MARGIN, TOP_BAR + MARGIN * 0.5), pos2(screen.x - MARGIN, screen.y - BOTTOM))
}

/// Button `i` of the selected pad's header, counted from the right (0
/// Clear, 1 Load…, 2 Learn), at a fixed place so tests can press them.
///
/// Thread: any. No allocation.
pub fn header_button_rect(i: usize, screen: Vec2) -> Rect {
    let inner = panel_rect(screen).shrink(PANEL_INSET);
    let (w, h) = (62.0, 22.0);
    Rect::from_min_size(pos2(inner.max.x - (i + 1) as f32 * (w + 4.0) + 4.0, inner.min.y), vec2(w, h))
}

/// Where the selected pad's tabs start below the panel's top (past its
/// header, waveform and play-window row), their size, and the labels'
/// order. Fixed, so the tabs stay put whatever pad is selected (and tests
/// can find them).
pub const TAB_TOP: f32 = 172.0;
pub const TAB_SIZE: Vec2 = vec2(84.0, 22.0);
/// The panel's content inset from its edge.
pub const PANEL_INSET: f32 = 12.0;

/// Tab `i` of the selected pad's panel (0 Pad, 1 Envelope, 2 Filter).
///
/// Thread: any. No allocation.
pub fn tab_rect(i: usize, screen: Vec2) -> Rect {
    let inner = panel_rect(screen).shrink(PANEL_INSET);
    Rect::from_min_size(pos2(inner.min.x + i as f32 * (TAB_SIZE.x + 4.0), inner.min.y + TAB_TOP), TAB_SIZE)
}

/// The area under the tabs, where the selected tab's settings go.
///
/// Thread: any. No allocation.
pub fn section_rect(screen: Vec2) -> Rect {
    let inner = panel_rect(screen).shrink(PANEL_INSET);
    Rect::from_min_max(pos2(inner.min.x, inner.min.y + TAB_TOP + TAB_SIZE.y + 6.0), inner.max)
}

/// Choice button `i` of the row of [`CHOICES`] at the top of a section
/// (the filter's type and slope buttons), sharing the section's width.
///
/// Thread: any. No allocation.
pub fn choice_rect(i: usize, section: Rect) -> Rect {
    let width = (section.width() - 4.0 * (CHOICES - 1) as f32) / CHOICES as f32;
    Rect::from_min_size(pos2(section.min.x + i as f32 * (width + 4.0), section.min.y), vec2(width, CHOICE_HEIGHT))
}
/// Button `i` of a choice row of half as many buttons, each as wide as two.
///
/// Thread: any. No allocation.
pub fn wide_choice_rect(i: usize, section: Rect) -> Rect {
    choice_rect(2 * i, section).union(choice_rect(2 * i + 1, section))
}

/// Buttons in a choice row, and their height.
pub const CHOICES: usize = 7;
pub const CHOICE_HEIGHT: f32 = 22.0;

/// The filter's response graph in a section.
///
/// Thread: any. No allocation.
pub fn filter_graph_rect(section: Rect) -> Rect {
    Rect::from_min_size(pos2(section.min.x, section.min.y + CHOICE_HEIGHT + 6.0), vec2(section.width(), 64.0))
}

/// The filter graph's frequency span (Hz, log axis) and level span (dB).
pub const GRAPH_LOWEST_HZ: f32 = 20.0;
pub const GRAPH_HIGHEST_HZ: f32 = 20_000.0;
pub const GRAPH_TOP_DB: f32 = 24.0;
pub const GRAPH_BOTTOM_DB: f32 = -48.0;

/// x of `hz` in the filter graph `rect`.
///
/// Thread: any. No allocation.
pub fn graph_x(rect: Rect, hz: f32) -> f32 {
    let inner = rect.shrink2(vec2(8.0, 6.0));
    let octaves = (GRAPH_HIGHEST_HZ / GRAPH_LOWEST_HZ).log2();
    inner.min.x + inner.width() * ((hz / GRAPH_LOWEST_HZ).log2() / octaves).clamp(0.0, 1.0)
}

/// The frequency at x `px` of the filter graph `rect`.
///
/// Thread: any. No allocation.
pub fn graph_hz(rect: Rect, px: f32) -> f32 {
    let inner = rect.shrink2(vec2(8.0, 6.0));
    let octaves = (GRAPH_HIGHEST_HZ / GRAPH_LOWEST_HZ).log2();
    GRAPH_LOWEST_HZ * 2f32.powf(((px - inner.min.x) / inner.width()).clamp(0.0, 1.0) * octaves)
}

/// y of level `db` in the filter graph `rect`.
///
/// Thread: any. No allocation.
pub fn graph_y(rect: Rect, db: f32) -> f32 {
    let inner = rect.shrink2(vec2(8.0, 6.0));
    inner.min.y + inner.height() * ((GRAPH_TOP_DB - db) / (GRAPH_TOP_DB - GRAPH_BOTTOM_DB)).clamp(0.0, 1.0)
}

/// Where the filter graph's handle sits: at the cutoff, as high above the
/// 0 dB line as the resonance is far up its range (full range: the top).
///
/// Thread: any. No allocation.
pub fn filter_handle(rect: Rect, cutoff: f32, resonance: f32, resonance_max: f32) -> Pos2 {
    pos2(graph_x(rect, cutoff), graph_y(rect, resonance / resonance_max * GRAPH_TOP_DB))
}

/// The resonance a handle at y `py` of the filter graph `rect` stands for.
///
/// Thread: any. No allocation.
pub fn handle_resonance(rect: Rect, py: f32, resonance_max: f32) -> f32 {
    (graph_y(rect, 0.0) - py) / (graph_y(rect, 0.0) - graph_y(rect, GRAPH_TOP_DB)) * resonance_max
}

/// The envelope graph at the top of the Envelope tab's section.
///
/// Thread: any. No allocation.
pub fn envelope_graph_rect(section: Rect) -> Rect {
    Rect::from_min_size(section.min, vec2(section.width(), 72.0))
}

/// How the envelope graph maps time and level for one envelope: the span
/// it shows and where the drawn release starts (after a stretch of
/// sustain).
#[derive(Clone, Copy, Debug)]
pub struct EnvelopeScale {
    inner: Rect,
    /// Seconds across the graph.
    pub seconds: f32,
    /// Where the release is drawn from (seconds).
    pub release_start: f32,
}

impl EnvelopeScale {
    /// The scale of graph `rect` for these segment times (seconds). The
    /// span is the envelope's length with a sustain stretch, rounded up to
    /// a step of a fixed list so it stays put while a handle moves.
    ///
    /// Thread: any. No allocation.
    pub fn new(rect: Rect, attack: f32, hold: f32, decay: f32, release: f32) -> EnvelopeScale {
        let to_sustain = attack + hold + decay;
        let length = to_sustain * 1.25 + release + 0.05;
        let seconds = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0].into_iter().find(|&s| s >= length).unwrap_or(length);
        EnvelopeScale { inner: rect.shrink2(vec2(8.0, 6.0)), seconds, release_start: to_sustain * 1.25 + 0.05 }
    }

    /// This scale spanning `seconds` instead (held while a handle is
    /// dragged, so the axis does not move under the pointer).
    ///
    /// Thread: any. No allocation.
    pub fn spanning(self, seconds: f32) -> EnvelopeScale {
        EnvelopeScale { seconds, ..self }
    }

    /// x of time `t` (seconds).
    ///
    /// Thread: any. No allocation.
    pub fn x(&self, t: f32) -> f32 {
        self.inner.min.x + self.inner.width() * (t / self.seconds).clamp(0.0, 1.0)
    }

    /// y of `level` (0..=1).
    ///
    /// Thread: any. No allocation.
    pub fn y(&self, level: f32) -> f32 {
        self.inner.max.y - self.inner.height() * level
    }

    /// The time at x `px`.
    ///
    /// Thread: any. No allocation.
    pub fn time_at(&self, px: f32) -> f32 {
        ((px - self.inner.min.x) / self.inner.width()).clamp(0.0, 1.0) * self.seconds
    }

    /// The level (percent) at y `py`.
    ///
    /// Thread: any. No allocation.
    pub fn percent_at(&self, py: f32) -> f32 {
        ((self.inner.max.y - py) / self.inner.height() * 100.0).round()
    }

    /// The three handles: the attack's peak, the decay's end (at the
    /// sustain level, percent) and the release's end.
    ///
    /// Thread: any. No allocation.
    pub fn handles(&self, attack: f32, hold: f32, decay: f32, sustain: f32, release: f32) -> [Pos2; 3] {
        [
            pos2(self.x(attack), self.y(1.0)),
            pos2(self.x(attack + hold + decay), self.y(sustain / 100.0)),
            pos2(self.x(self.release_start + release), self.y(0.0)),
        ]
    }
}

/// A pad's colour (memory map, waveform): hues around the wheel.
///
/// Thread: any. No allocation.
pub fn pad_colour(pad: usize) -> Color32 {
    let hue = (pad as f32 * 0.618_034).fract();
    egui::epaint::Hsva::new(hue, 0.55, 0.85, 1.0).into()
}

/// Draws a waveform overview into `rect`, with the play window shaded
/// outside `markers` (fractions of the sample), if given.
///
/// Thread: the editor window's. Allocates the painter's shapes.
pub fn draw_peaks(painter: &egui::Painter, rect: Rect, peaks: &[(f32, f32)], colour: Color32, markers: Option<(f32, f32)>) {
    if peaks.is_empty() || rect.width() < 2.0 {
        return;
    }
    let mid = rect.center().y;
    let half = rect.height() * 0.5;
    let columns = rect.width().floor() as usize;
    // One column a point wide per point of width, as one mesh of plain
    // quads: two triangles each. (Anti-aliased line segments were about
    // eight each, and a software renderer pays per triangle: measured with
    // `cargo bench --bench editor`.)
    let mut mesh = egui::Mesh::default();
    mesh.reserve_triangles(2 * columns);
    mesh.reserve_vertices(4 * columns);
    for c in 0..columns {
        let a = c * peaks.len() / columns;
        let b = ((c + 1) * peaks.len() / columns).max(a + 1).min(peaks.len());
        let (lo, hi) = peaks[a..b].iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.1)));
        let x = rect.min.x + c as f32;
        let top = mid - hi.clamp(-1.0, 1.0) * half;
        let bottom = (mid - lo.clamp(-1.0, 1.0) * half).max(top + 1.0);
        mesh.add_colored_rect(Rect::from_min_max(pos2(x, top), pos2(x + 1.0, bottom)), colour);
    }
    painter.add(egui::Shape::mesh(mesh));
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

/// A colour between `a` (t = 0) and `b` (t = 1).
///
/// Thread: any. No allocation.
pub fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// Cuts `text` to fit `width` points at `size` (roughly: proportional
/// fonts average about 0.55 em per character).
///
/// Thread: any. Allocates the text.
pub fn elide(text: &str, width: f32, size: f32) -> String {
    let max = (width / (size * 0.55)).max(4.0) as usize;
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    // A file name keeps its extension ("long na….wav"), if that leaves room.
    let tail = match text.rfind('.') {
        Some(dot) if text.len() - dot <= 6 && max > text[dot..].chars().count() + 3 => &text[dot..],
        _ => "",
    };
    let kept: String = text.chars().take(max - 1 - tail.chars().count()).collect();
    format!("{kept}…{tail}")
}

/// Whether [`elide`] shortens `text`.
///
/// Thread: any. No allocation.
pub fn elided(text: &str, width: f32, size: f32) -> bool {
    text.chars().count() > (width / (size * 0.55)).max(4.0) as usize
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
    fn long_names_keep_their_extension_when_shortened() {
        assert_eq!(elide("kick.wav", 200.0, 10.0), "kick.wav");
        let short = elide("a very long sample name from a library.wav", 66.0, 10.0);
        assert_eq!(short, "a very ….wav");
        assert!(elided("a very long sample name from a library.wav", 66.0, 10.0));
        assert_eq!(elide("no extension at all here", 44.0, 10.0), "no exte…");
    }

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(785_136), "767 KiB");
        assert_eq!(bytes(2_883_584), "2.8 MiB");
        assert_eq!(bytes(4 << 30), "4.00 GiB");
    }
}
