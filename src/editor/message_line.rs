//! The message line at the bottom of the editor: the newest message (an
//! error or a notice; click to dismiss) or a hint. While the engine has
//! stopped re-instantiating a guest that keeps faulting
//! ([`Engine::stopped`](crate::engine::Engine::stopped)) and the plugin is
//! silent, a banner takes its place: it says that the sampler is silent and
//! why, and offers Reset. The banner cannot be dismissed: a silent
//! instrument with nothing on screen would look like a routing problem.
//!
//! Thread: the editor's UI thread.

use egui::{pos2, vec2, Align2, Color32, FontId, Rect, Sense, Ui, Vec2};

use super::look::{elide, DIM, ERROR, MARGIN, TEXT};
use crate::engine::{MAX_AUTO_RECOVERIES, RECOVERY_WINDOW};
use crate::plugin::Shared;

/// The message line's state: what was dismissed and what was drawn.
#[derive(Default)]
pub struct MessageLine {
    /// Messages up to this sequence number were dismissed.
    dismissed: u64,
    /// The newest message sequence number drawn.
    seen: u64,
}

impl MessageLine {
    /// Whether a message came since the last frame (the editor draws one).
    ///
    /// Thread: the editor's UI thread. No allocation.
    pub fn has_news(&self, shared: &Shared) -> bool {
        shared.link.message_seq() != self.seen
    }

    /// Draws the line along the bottom of a `screen`-sized editor; the
    /// banner's Reset asks the loader thread to bring the guest back.
    ///
    /// Thread: the editor's UI thread. Allocates (egui, the message list).
    pub fn show(&mut self, ui: &mut Ui, screen: Vec2, shared: &std::sync::Arc<Shared>) {
        let rect = Rect::from_min_max(pos2(MARGIN, screen.y - 26.0), pos2(screen.x - MARGIN, screen.y - 6.0));
        self.seen = shared.link.message_seq();
        if let Some(reason) = shared.engine().and_then(|e| e.stopped()) {
            if banner(ui, rect, &reason).0 {
                shared.reset_guest();
            }
            return;
        }
        let messages = shared.link.messages();
        let Some((seq, text)) = messages.last().filter(|(seq, _)| *seq > self.dismissed) else {
            ui.painter().text(
                rect.left_center(),
                Align2::LEFT_CENTER,
                "Drop audio files (WAV, AIFF, FLAC, Ogg, MP3) on the pads, or right-click a pad to load one.",
                FontId::proportional(12.0),
                DIM,
            );
            return;
        };
        let response = ui.interact(rect, egui::Id::unique("message-line"), Sense::click());
        ui.painter().rect_filled(rect, 3.0, Color32::from_rgb(60, 30, 30));
        ui.painter().text(rect.left_center() + vec2(6.0, 0.0), Align2::LEFT_CENTER, elide(text, rect.width() - 90.0, 12.0), FontId::proportional(12.0), TEXT);
        ui.painter().text(rect.right_center() - vec2(6.0, 0.0), Align2::RIGHT_CENTER, "× dismiss", FontId::proportional(11.0), DIM);
        if response.on_hover_text(text.as_str()).clicked() {
            self.dismissed = *seq;
        }
    }
}

/// What the stopped-engine banner says for the last fault the engine gives.
pub fn banner_text(reason: &str) -> String {
    let faults = MAX_AUTO_RECOVERIES + 1;
    format!("Silent: the DSP failed {faults} times in {} s ({reason}).", RECOVERY_WINDOW.as_secs())
}

/// Draws the stopped-engine banner in `rect` (the message line's) and
/// returns whether its Reset button was clicked, and where the button is.
///
/// Thread: the editor's UI thread. Allocates (egui).
pub fn banner(ui: &mut Ui, rect: Rect, reason: &str) -> (bool, Rect) {
    ui.painter().rect_filled(rect, 3.0, Color32::from_rgb(110, 28, 24));
    let button_width = 64.0;
    let message = banner_text(reason);
    let room = rect.width() - button_width - 18.0;
    ui.painter().text(rect.left_center() + vec2(6.0, 0.0), Align2::LEFT_CENTER, elide(&message, room, 12.0), FontId::proportional(12.0), TEXT);
    let button_rect = Rect::from_min_max(rect.right_top() - vec2(button_width + 2.0, -1.0), rect.right_bottom() - vec2(2.0, 1.0));
    let button = egui::Button::new(egui::RichText::new("Reset").strong().color(TEXT)).fill(ERROR);
    let response = ui.put(button_rect, button).on_hover_text(format!("{message} Start it again with every pad loaded."));
    (response.clicked(), response.rect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{Event, PointerButton, Pos2, RawInput};

    /// One frame of the banner on the message line of the smallest editor
    /// (820 x 560); `events` are this frame's input. Returns whether Reset was clicked, the button's rect
    /// and every text the frame drew.
    fn frame(ctx: &egui::Context, events: Vec<Event>, reason: &str) -> (bool, Rect, Vec<String>) {
        let input = RawInput { screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(820.0, 560.0))), events, ..RawInput::default() };
        let mut result = (false, Rect::NOTHING);
        let mut output = ctx.run_ui(input, |ui| result = banner(ui, Rect::from_min_max(pos2(14.0, 534.0), pos2(806.0, 554.0)), reason));
        // No painter here to take the font atlas.
        output.textures_delta.clear();
        let mut texts = Vec::new();
        for clipped in &output.shapes {
            collect_texts(&clipped.shape, &mut texts);
        }
        (result.0, result.1, texts)
    }

    fn collect_texts(shape: &egui::Shape, texts: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(t) => texts.push(t.galley.text().to_string()),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect_texts(s, texts)),
            _ => {}
        }
    }

    #[test]
    fn the_banner_says_the_sampler_is_silent_and_why_and_its_reset_button_clicks() {
        let ctx = egui::Context::default();
        // What a trap says (FaultKind's text over wasmtime's): whole, not elided.
        let reason = "the guest trapped (wasm `unreachable` instruction executed)";
        let (clicked, button, texts) = frame(&ctx, vec![], reason);
        assert!(!clicked);
        assert_eq!(banner_text(reason), "Silent: the DSP failed 17 times in 60 s (the guest trapped (wasm `unreachable` instruction executed)).");
        assert!(texts.contains(&banner_text(reason)), "drawn whole, not elided: {texts:?}");
        assert!(texts.iter().any(|t| t == "Reset"), "{texts:?}");
        assert!(button.width() > 20.0 && button.max.x <= 806.0, "{button:?}");

        // A real click: the pointer moves onto the button, presses, releases.
        let at = button.center();
        let press = |pressed| Event::PointerButton { pos: at, button: PointerButton::Primary, pressed, modifiers: Default::default() };
        let mut clicks = 0;
        for events in [vec![Event::PointerMoved(at)], vec![press(true)], vec![press(false)], vec![]] {
            clicks += frame(&ctx, events, reason).0 as usize;
        }
        assert_eq!(clicks, 1);
    }

    #[test]
    fn a_click_beside_the_button_does_not_reset() {
        let ctx = egui::Context::default();
        let (_, button, _) = frame(&ctx, vec![], "the guest trapped");
        let at = button.left_center() - vec2(40.0, 0.0);
        let press = |pressed| Event::PointerButton { pos: at, button: PointerButton::Primary, pressed, modifiers: Default::default() };
        let mut clicks = 0;
        for events in [vec![Event::PointerMoved(at)], vec![press(true)], vec![press(false)]] {
            clicks += frame(&ctx, events, "the guest trapped").0 as usize;
        }
        assert_eq!(clicks, 0);
    }
}
