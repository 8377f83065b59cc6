//! The editor's window layer: egui, painted with egui_glow, in a baseview
//! OpenGL window, **accepting files dropped from the OS**.
//!
//! Why this exists instead of nice-plug-egui's editor: nice-plug-egui opens
//! its window through egui-baseview (0.9.0, the newest release), whose event
//! handler answers baseview's drag-and-drop events with
//! `EventStatus::Ignored`. baseview then refuses every drop (on X11 it
//! answers the file manager's `XdndPosition` with "not accepted"), so no
//! sample could ever be dragged onto a pad. baseview itself does the
//! platform work (XDND on X11, OLE drop targets on Windows, dragging
//! destinations on macOS): a handler that answers `AcceptDrop` receives
//! `DragDropped` with the file paths. This module is such a handler, plus
//! what it takes to run egui in it: input translation, painting and repaint
//! scheduling. Nothing else of egui-baseview is needed.
//!
//! Threads: baseview calls the handler on the window's event-loop thread
//! (on X11 a thread of its own; on Windows and macOS the host's UI thread).
//! Everything here runs there, allocates freely and never touches the audio
//! thread.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use baseview::dpi::{LogicalPosition, LogicalSize};
use baseview::{
    DropData, DropEffect, Event, EventStatus, HandlerError, MouseButton, MouseCursor, MouseEvent, WindowContext, WindowEvent, WindowHandler, WindowSize,
};
use egui::{pos2, vec2, Pos2, Rect};

/// What the window's content implements.
pub trait WindowApp: Send + 'static {
    /// The window's background colour. The window clears each frame to it,
    /// so the app paints no full-window shape: with a software OpenGL
    /// renderer (Mesa's llvmpipe) every layer of pixels drawn costs CPU.
    const BACKGROUND: egui::Color32;

    /// Draws one frame. `files` tells about file drags over the window.
    /// egui may run this twice for one frame (a sizing pass), so it should
    /// not act on anything but egui's own input.
    fn ui(&mut self, ui: &mut egui::Ui, files: &FileDrag);

    /// Whether something the UI shows changed outside egui (engine, host,
    /// audio thread) so that a frame is due. Polled every few milliseconds
    /// between frames; must be cheap.
    fn wants_frame(&mut self) -> bool {
        false
    }

    /// Files were dropped at `pos` (points) on a window of `screen` points;
    /// `shift`: with Shift held, where the platform reports it (baseview's
    /// drops; the XDND proxy's carry no keys). Called once per drop, before
    /// the next frame is drawn.
    fn dropped(&mut self, paths: Vec<PathBuf>, pos: Pos2, screen: egui::Vec2, shift: bool);

    /// The window now has this size in logical points, at this system
    /// scale factor (physical pixels per point).
    fn resized(&mut self, logical: egui::Vec2, scale_factor: f64) {
        let _ = (logical, scale_factor);
    }
}

/// Files dragged from the OS over the window, as the app sees them in one
/// frame. Positions are in egui points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileDrag {
    /// Files being dragged over the window right now, and where the pointer is.
    pub hovering: Option<(Vec<PathBuf>, Pos2)>,
}

/// The baseview window handler running an egui [`WindowApp`].
pub struct EguiWindow<A: WindowApp> {
    window: WindowContext,
    gl: baseview::gl::GlContext,
    painter: RefCell<egui_glow::Painter>,
    ctx: egui::Context,
    app: RefCell<A>,
    input: RefCell<egui::RawInput>,
    files: RefCell<FileDrag>,
    /// Drops not yet handed to the app.
    dropped: RefCell<Vec<(Vec<PathBuf>, Pos2, bool)>>,
    /// Pointer position in points; `None` when outside the window.
    pointer: Cell<Option<Pos2>>,
    modifiers: Cell<egui::Modifiers>,
    cursor: Cell<MouseCursor>,
    started: Instant,
    /// When egui wants the next frame (animations, live views); checked by
    /// a timer, since egui asks for it only at the end of a frame.
    next_frame: Cell<Option<Instant>>,
    /// When the last frame was drawn (the timer's frames keep
    /// [`MIN_FRAME`] apart).
    last_draw: Cell<Instant>,
    timer: baseview::TimerHandle,
    /// Drag sources reach the editor through its host's window.
    #[cfg(target_os = "linux")]
    xdnd_proxy: RefCell<ProxyState>,
    /// What arrives through that proxy.
    #[cfg(target_os = "linux")]
    proxy_drops: Arc<super::xdnd_proxy::ProxyDrops>,
}

/// The host-window proxy: tried at each of the first frames until the
/// window has been put into its host's window, then kept (or not).
#[cfg(target_os = "linux")]
// One per editor window: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum ProxyState {
    Pending(u32),
    Done(#[allow(dead_code)] Option<super::xdnd_proxy::XdndProxy>),
}

/// Frames during which the proxy is tried at every frame, then every
/// [`PROXY_EVERY`]th frame up to [`PROXY_FRAMES`] (a window never embedded,
/// e.g. standalone, stops trying then). A busy window manager can take
/// seconds to manage the host's window (measured: a loaded 2-core machine
/// missed the first 120 frames now and then).
#[cfg(target_os = "linux")]
const PROXY_TRIES: u32 = 120;
#[cfg(target_os = "linux")]
const PROXY_EVERY: u32 = 30;
#[cfg(target_os = "linux")]
const PROXY_FRAMES: u32 = 3_600;

/// How often the handler checks whether egui wants a frame.
const TICK: std::time::Duration = std::time::Duration::from_millis(15);

/// The shortest time between two frames the editor draws by itself
/// (animations, pads flashing, live views): about 30 a second, every
/// second tick. Input still draws at once. Measured with `cargo bench
/// --bench editor` (a note every 20 ms, all pads flashing): every tick drew
/// a frame before, and the editor took a whole core under Mesa's software
/// renderer.
const MIN_FRAME: std::time::Duration = std::time::Duration::from_millis(28);

impl<A: WindowApp> EguiWindow<A> {
    /// Builds the handler inside baseview's window-creation callback: makes
    /// the GL painter and hands the window to egui.
    ///
    /// Thread: the window's event-loop thread. Allocates.
    pub fn new(window: WindowContext, app: A) -> Result<Self, HandlerError> {
        let gl = window.gl_context().ok_or_else(|| HandlerError::from_boxed("the window has no OpenGL context".into()))?;
        // SAFETY: the context belongs to this window; it is made current on
        // the thread baseview calls the handler on (the window's own on X11,
        // the host's UI thread on Windows and macOS) and released before
        // control goes back to the event loop, so no other code finds it
        // current.
        unsafe { gl.make_current() }.map_err(|e| HandlerError::from_boxed(Box::new(e)))?;
        // SAFETY: the context is current; glow looks up GL entry points
        // through it and keeps them only as long as the painter lives, which
        // is no longer than the window.
        let glow = Arc::new(unsafe { egui_glow::glow::Context::from_loader_function_cstr(|name| gl.get_proc_address(name)) });
        // No dithering: it is for gradients, which the editor does not
        // draw, and it costs every pixel (a software renderer's CPU).
        let painter = egui_glow::Painter::new(glow, "", None, false);
        // SAFETY: as above; released before returning to the event loop.
        let released = unsafe { gl.make_not_current() };
        let painter = painter.map_err(|e| HandlerError::from_boxed(format!("OpenGL painter: {e}").into()))?;
        released.map_err(|e| HandlerError::from_boxed(Box::new(e)))?;

        let ctx = egui::Context::default();
        let timer = window.create_timer(TICK).map_err(|e| HandlerError::from_boxed(Box::new(e)))?;
        let input = egui::RawInput { max_texture_side: Some(painter.max_texture_side()), ..Default::default() };
        let handler = EguiWindow {
            window,
            gl,
            painter: RefCell::new(painter),
            ctx,
            app: RefCell::new(app),
            input: RefCell::new(input),
            files: RefCell::new(FileDrag::default()),
            dropped: RefCell::new(Vec::new()),
            pointer: Cell::new(None),
            modifiers: Cell::new(egui::Modifiers::default()),
            cursor: Cell::new(MouseCursor::Default),
            started: Instant::now(),
            next_frame: Cell::new(None),
            last_draw: Cell::new(Instant::now()),
            timer,
            #[cfg(target_os = "linux")]
            xdnd_proxy: RefCell::new(ProxyState::Pending(0)),
            #[cfg(target_os = "linux")]
            proxy_drops: Arc::default(),
        };
        let size = handler.window.size();
        handler.app.borrow_mut().resized(logical_size(&size), size.scale_factor);
        Ok(handler)
    }

    /// Takes what the proxy hovered and dropped since the last frame.
    #[cfg(target_os = "linux")]
    fn take_proxy_drops(&self) {
        let (hovering, dropped, changed) = self.proxy_drops.take();
        if !changed {
            return;
        }
        let points = |(x, y): (f64, f64)| self.to_points(baseview::dpi::PhysicalPosition::new(x, y));
        if let Some((_, at)) = &hovering {
            self.pointer_moved(points(*at));
        }
        self.files.borrow_mut().hovering = hovering.map(|(paths, at)| (paths, points(at)));
        self.dropped.borrow_mut().extend(dropped.into_iter().map(|(paths, at)| (paths, points(at), false)));
    }

    #[cfg(target_os = "linux")]
    fn try_proxy(&self) {
        use super::xdnd_proxy::{Install, XdndProxy};
        let mut state = self.xdnd_proxy.borrow_mut();
        let ProxyState::Pending(tries) = *state else { return };
        if tries >= PROXY_TRIES && !tries.is_multiple_of(PROXY_EVERY) {
            *state = ProxyState::Pending(tries + 1);
            return;
        }
        let Some(id) = x11_window_id(&self.window) else {
            *state = ProxyState::Done(None);
            return;
        };
        *state = match XdndProxy::install(id, self.proxy_drops.clone()) {
            Install::Installed(proxy) => ProxyState::Done(Some(proxy)),
            // Not embedded yet, or X could not be reached this time: again
            // at a later frame, within the budget.
            Install::NotEmbedded | Install::LeftAlone if tries + 1 >= PROXY_FRAMES => ProxyState::Done(None),
            Install::NotEmbedded | Install::LeftAlone => ProxyState::Pending(tries + 1),
        };
    }

    /// The egui context (for tests and tools that inspect the UI).
    ///
    /// Thread: the window's. No allocation.
    pub fn context(&self) -> &egui::Context {
        &self.ctx
    }

    fn to_points(&self, position: baseview::dpi::PhysicalPosition<f64>) -> Pos2 {
        let p: LogicalPosition<f32> = position.to_logical(self.window.scale_factor());
        pos2(p.x, p.y)
    }

    fn set_modifiers(&self, m: &keyboard_types::Modifiers) {
        let ctrl = m.contains(keyboard_types::Modifiers::CONTROL);
        let meta = m.contains(keyboard_types::Modifiers::META);
        let mac = cfg!(target_os = "macos");
        let new = egui::Modifiers {
            alt: m.contains(keyboard_types::Modifiers::ALT),
            ctrl,
            shift: m.contains(keyboard_types::Modifiers::SHIFT),
            mac_cmd: mac && meta,
            command: if mac { meta } else { ctrl },
        };
        if self.modifiers.replace(new) != new {
            self.input.borrow_mut().events.push(egui::Event::ModifiersChanged(new));
        }
    }

    fn pointer_moved(&self, pos: Pos2) {
        self.pointer.set(Some(pos));
        self.input.borrow_mut().events.push(egui::Event::PointerMoved(pos));
    }

    fn button(&self, button: MouseButton, pressed: bool) {
        let button = match button {
            MouseButton::Left => egui::PointerButton::Primary,
            MouseButton::Right => egui::PointerButton::Secondary,
            MouseButton::Middle => egui::PointerButton::Middle,
            MouseButton::Back => egui::PointerButton::Extra1,
            MouseButton::Forward => egui::PointerButton::Extra2,
            _ => return,
        };
        if let Some(pos) = self.pointer.get() {
            let modifiers = self.modifiers.get();
            self.input.borrow_mut().events.push(egui::Event::PointerButton { pos, button, pressed, modifiers });
        }
    }

    fn keyboard(&self, event: &keyboard_types::KeyboardEvent) -> EventStatus {
        self.set_modifiers(&event.modifiers);
        let pressed = event.state == keyboard_types::KeyState::Down;
        let modifiers = self.modifiers.get();
        let mut input = self.input.borrow_mut();
        if let Some(key) = translate_key(&event.key) {
            input.events.push(egui::Event::Key { key, physical_key: None, pressed, repeat: event.repeat, modifiers });
        }
        if pressed && !modifiers.ctrl && !modifiers.command {
            if let keyboard_types::Key::Character(text) = &event.key {
                input.events.push(egui::Event::Text(text.clone()));
            }
        }
        drop(input);
        // Keys go back to the host (its transport, its keyboard shortcuts)
        // unless a text field of ours is being typed into.
        if self.ctx.egui_wants_keyboard_input() {
            EventStatus::Captured
        } else {
            EventStatus::Ignored
        }
    }

    /// A drag of files entered or moved: remember it (the app highlights the
    /// pad under the pointer) and accept it. Anything but files is refused.
    fn drag_over(&self, position: baseview::dpi::PhysicalPosition<f64>, data: &DropData) -> EventStatus {
        let DropData::Files(paths) = data else {
            self.files.borrow_mut().hovering = None;
            return EventStatus::Ignored;
        };
        let pos = self.to_points(position);
        // Through the host window's proxy, drags anywhere over the host
        // arrive here: only the editor's own area takes them.
        let size = logical_size(&self.window.size());
        if !(0.0..size.x).contains(&pos.x) || !(0.0..size.y).contains(&pos.y) {
            self.files.borrow_mut().hovering = None;
            return EventStatus::Ignored;
        }
        self.pointer_moved(pos);
        self.files.borrow_mut().hovering = Some((paths.clone(), pos));
        self.window.request_redraw();
        EventStatus::AcceptDrop(DropEffect::Copy)
    }
}

impl<A: WindowApp> WindowHandler for EguiWindow<A> {
    fn draw(&self) -> Result<(), HandlerError> {
        #[cfg(target_os = "linux")]
        {
            self.try_proxy();
            self.take_proxy_drops();
        }
        self.last_draw.set(Instant::now());
        let size = self.window.size();
        let scale = size.scale_factor as f32;
        let points = logical_size(&size);
        let mut input = self.input.borrow_mut().take();
        input.time = Some(self.started.elapsed().as_secs_f64());
        input.screen_rect = Some(Rect::from_min_size(Pos2::ZERO, points));
        input.viewports.entry(egui::ViewportId::ROOT).or_default().native_pixels_per_point = Some(scale);
        input.focused = self.window.has_focus();
        let files = self.files.borrow().clone();

        let mut output = {
            let mut app = self.app.borrow_mut();
            // Drops first, outside egui's pass (which may run twice).
            for (paths, pos, shift) in self.dropped.borrow_mut().drain(..) {
                app.dropped(paths, pos, points, shift);
            }
            self.ctx.run_ui(input, |ui| app.ui(ui, &files))
        };

        let delay = output.viewport_output.get(&egui::ViewportId::ROOT).map(|v| v.repaint_delay);
        self.next_frame.set(delay.filter(|d| *d < std::time::Duration::from_secs(3600)).map(|d| Instant::now() + d));

        let primitives = self.ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
        // SAFETY: the window's own context, current on the handler's thread
        // for the duration of the paint only, released before returning.
        unsafe { self.gl.make_current() }.map_err(|e| HandlerError::from_boxed(Box::new(e)))?;
        {
            use egui_glow::glow::HasContext as _;
            let mut painter = self.painter.borrow_mut();
            let gl = painter.gl().clone();
            // SAFETY: plain state calls on the current context.
            unsafe {
                let [r, g, b, _] = A::BACKGROUND.to_array().map(|c| c as f32 / 255.0);
                gl.clear_color(r, g, b, 1.0);
                gl.clear(egui_glow::glow::COLOR_BUFFER_BIT);
            }
            painter.paint_and_update_textures([size.physical.width, size.physical.height], output.pixels_per_point, &primitives, &mut output.textures_delta);
        }
        let swapped = self.gl.swap_buffers();
        // SAFETY: releases the context made current above, on the same thread.
        let released = unsafe { self.gl.make_not_current() };
        swapped.map_err(|e| HandlerError::from_boxed(Box::new(e)))?;
        released.map_err(|e| HandlerError::from_boxed(Box::new(e)))?;

        let cursor = translate_cursor(output.platform_output.cursor_icon);
        if self.cursor.replace(cursor) != cursor {
            let _ = self.window.set_mouse_cursor(cursor);
        }
        Ok(())
    }

    fn on_timer(&self, timer: &baseview::TimerHandle) {
        if *timer != self.timer || self.last_draw.get().elapsed() < MIN_FRAME {
            return;
        }
        let due = self.next_frame.get().is_some_and(|at| Instant::now() >= at);
        #[cfg(target_os = "linux")]
        let due = due || self.proxy_drops.changed();
        if due || self.app.borrow_mut().wants_frame() {
            self.next_frame.set(None);
            self.window.request_redraw();
        }
    }

    fn resized(&self, new_size: WindowSize) -> Result<(), HandlerError> {
        self.app.borrow_mut().resized(logical_size(&new_size), new_size.scale_factor);
        self.window.request_redraw();
        Ok(())
    }

    fn on_event(&self, event: Event) -> EventStatus {
        let status = match &event {
            Event::Mouse(mouse) => match mouse {
                MouseEvent::CursorMoved { position, modifiers } => {
                    self.set_modifiers(modifiers);
                    self.pointer_moved(self.to_points(*position));
                    EventStatus::Captured
                }
                MouseEvent::ButtonPressed { button, modifiers } => {
                    if !self.window.has_focus() {
                        // Embedded windows do not always get the keyboard
                        // focus by themselves (the file browser's path field
                        // needs it).
                        let _ = self.window.focus();
                    }
                    self.set_modifiers(modifiers);
                    self.button(*button, true);
                    EventStatus::Captured
                }
                MouseEvent::ButtonReleased { button, modifiers } => {
                    self.set_modifiers(modifiers);
                    self.button(*button, false);
                    EventStatus::Captured
                }
                MouseEvent::WheelScrolled { delta, modifiers } => {
                    self.set_modifiers(modifiers);
                    let (unit, delta) = match *delta {
                        baseview::ScrollDelta::Lines { x, y } => (egui::MouseWheelUnit::Line, vec2(x, y)),
                        baseview::ScrollDelta::Pixels { x, y } => (egui::MouseWheelUnit::Point, vec2(x, y) / self.window.scale_factor() as f32),
                    };
                    let modifiers = self.modifiers.get();
                    self.input.borrow_mut().events.push(egui::Event::MouseWheel {
                        unit,
                        delta,
                        modifiers,
                        phase: egui::TouchPhase::Move,
                        source: egui::MouseWheelSource::Unknown,
                    });
                    EventStatus::Captured
                }
                MouseEvent::CursorLeft => {
                    self.pointer.set(None);
                    self.input.borrow_mut().events.push(egui::Event::PointerGone);
                    EventStatus::Captured
                }
                MouseEvent::DragEntered { position, modifiers, data } | MouseEvent::DragMoved { position, modifiers, data } => {
                    self.set_modifiers(modifiers);
                    self.drag_over(*position, data)
                }
                MouseEvent::DragLeft => {
                    self.files.borrow_mut().hovering = None;
                    self.pointer.set(None);
                    self.input.borrow_mut().events.push(egui::Event::PointerGone);
                    EventStatus::Captured
                }
                MouseEvent::DragDropped { position, modifiers, data } => {
                    self.set_modifiers(modifiers);
                    let pos = self.to_points(*position);
                    self.files.borrow_mut().hovering = None;
                    let size = logical_size(&self.window.size());
                    let inside = (0.0..size.x).contains(&pos.x) && (0.0..size.y).contains(&pos.y);
                    if inside {
                        self.pointer_moved(pos);
                    }
                    match data {
                        DropData::Files(paths) if inside => {
                            self.dropped.borrow_mut().push((paths.clone(), pos, modifiers.contains(keyboard_types::Modifiers::SHIFT)));
                            EventStatus::AcceptDrop(DropEffect::Copy)
                        }
                        _ => EventStatus::Ignored,
                    }
                }
                _ => EventStatus::Ignored,
            },
            Event::Keyboard(key) => self.keyboard(key),
            Event::Window(window) => {
                let focused = match window {
                    WindowEvent::Focused => Some(true),
                    WindowEvent::Unfocused => Some(false),
                    _ => None,
                };
                if let Some(focused) = focused {
                    self.input.borrow_mut().events.push(egui::Event::WindowFocused(focused));
                }
                EventStatus::Captured
            }
            _ => EventStatus::Ignored,
        };
        self.window.request_redraw();
        status
    }
}

impl<A: WindowApp> Drop for EguiWindow<A> {
    fn drop(&mut self) {
        // The painter's GL objects are deleted with the context current.
        // SAFETY: the window's own context, on the handler's thread.
        if unsafe { self.gl.make_current() }.is_ok() {
            self.painter.borrow_mut().destroy();
            // SAFETY: releases what was made current just above.
            let _ = unsafe { self.gl.make_not_current() };
        }
    }
}

/// The X11 id of a baseview window.
#[cfg(target_os = "linux")]
fn x11_window_id(window: &WindowContext) -> Option<u32> {
    use raw_window_handle::{HasWindowHandle, RawWindowHandle};
    match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => u32::try_from(h.window).ok(),
        RawWindowHandle::Xcb(h) => Some(h.window.get()),
        _ => None,
    }
}

fn logical_size(size: &WindowSize) -> egui::Vec2 {
    let logical: LogicalSize<f32> = size.physical.to_logical(size.scale_factor);
    vec2(logical.width, logical.height)
}

fn translate_cursor(icon: egui::CursorIcon) -> MouseCursor {
    use egui::CursorIcon as C;
    match icon {
        C::None => MouseCursor::Hidden,
        C::PointingHand => MouseCursor::Hand,
        C::Grab => MouseCursor::Hand,
        C::Grabbing => MouseCursor::HandGrabbing,
        C::Text => MouseCursor::Text,
        C::Wait => MouseCursor::Working,
        C::Progress => MouseCursor::PtrWorking,
        C::NotAllowed | C::NoDrop => MouseCursor::NotAllowed,
        C::Copy => MouseCursor::Copy,
        C::Move | C::AllScroll => MouseCursor::Move,
        C::Crosshair => MouseCursor::Crosshair,
        C::ResizeHorizontal | C::ResizeColumn => MouseCursor::EwResize,
        C::ResizeVertical | C::ResizeRow => MouseCursor::NsResize,
        C::ResizeNeSw => MouseCursor::NeswResize,
        C::ResizeNwSe => MouseCursor::NwseResize,
        C::ResizeEast => MouseCursor::EResize,
        C::ResizeWest => MouseCursor::WResize,
        C::ResizeNorth => MouseCursor::NResize,
        C::ResizeSouth => MouseCursor::SResize,
        _ => MouseCursor::Default,
    }
}

/// The keys the editor's widgets use (text fields, lists); egui names them
/// itself from characters.
fn translate_key(key: &keyboard_types::Key) -> Option<egui::Key> {
    use keyboard_types::{Key as K, NamedKey as N};
    Some(match key {
        K::Named(named) => match named {
            N::ArrowDown => egui::Key::ArrowDown,
            N::ArrowLeft => egui::Key::ArrowLeft,
            N::ArrowRight => egui::Key::ArrowRight,
            N::ArrowUp => egui::Key::ArrowUp,
            N::Escape => egui::Key::Escape,
            N::Tab => egui::Key::Tab,
            N::Backspace => egui::Key::Backspace,
            N::Enter => egui::Key::Enter,
            N::Delete => egui::Key::Delete,
            N::Home => egui::Key::Home,
            N::End => egui::Key::End,
            N::PageUp => egui::Key::PageUp,
            N::PageDown => egui::Key::PageDown,
            _ => return None,
        },
        K::Character(text) => {
            let mut chars = text.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else { return None };
            if c == ' ' {
                egui::Key::Space
            } else {
                egui::Key::from_name(&c.to_ascii_uppercase().to_string())?
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_used_by_text_fields_and_lists_translate() {
        use keyboard_types::{Key as K, NamedKey as N};
        assert_eq!(translate_key(&K::Named(N::Enter)), Some(egui::Key::Enter));
        assert_eq!(translate_key(&K::Named(N::Backspace)), Some(egui::Key::Backspace));
        assert_eq!(translate_key(&K::Character("a".into())), Some(egui::Key::A));
        assert_eq!(translate_key(&K::Character("A".into())), Some(egui::Key::A));
        assert_eq!(translate_key(&K::Character(" ".into())), Some(egui::Key::Space));
        assert_eq!(translate_key(&K::Character("7".into())), Some(egui::Key::Num7));
        assert_eq!(translate_key(&K::Character("ab".into())), None, "a composed string is text, not a key");
        assert_eq!(translate_key(&K::Named(N::F24)), None);
    }
}
