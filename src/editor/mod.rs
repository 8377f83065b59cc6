//! The editor: pads with waveforms, drag and drop from the file manager, the
//! selected pad's settings, auditioning and a live map of the guest's
//! memory.
//!
//! - [`model`]: what the pads show and what a drop does, without a window.
//! - [`window`]: egui on a baseview OpenGL window that accepts OS file drops.
//! - [`app`]: the editor's state and frame; [`look`]: layout and colours;
//!   the panels `pad_grid`, `pad_panel` (with `envelope_panel` and
//!   `filter_panel`, `loop_panel`) and
//!   `memory_view` are widgets of their own, and so is `message_line`
//!   (messages, and the silent engine's reason and Reset).
//! - This module: nice-plug's `Editor` for the plugin (open, parent, size).
//!
//! Threads: `Editor`/`EditorHandle` methods run on the host's UI thread;
//! the UI runs on the window's event-loop thread. They reach the audio
//! thread through the editor link's lock-free audition queue and atomics;
//! edits go through the kit store, which publishes them to the engine; the
//! pads and the memory map are re-read only when the store's or the
//! engine's generation moves; waveforms are read in chunks on one
//! background thread.

pub mod app;
pub mod browser;
mod envelope_panel;
mod filter_panel;
mod kit_menu;
pub mod look;
mod loop_panel;
mod memory_view;
mod message_line;
pub mod model;
mod pad_grid;
mod pad_panel;
mod samples_panel;
pub mod window;
#[cfg(target_os = "linux")]
pub mod xdnd_proxy;

use std::error::Error;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, Size};
use nice_plug::editor::{EditorHandle, HostMethods, ResizeHint, SizeConstraints, SpawnedEditor};
use nice_plug::prelude::ParentWindowHandle;

use crate::plugin::params::{EditorSize, SamplerParams};
use crate::plugin::Shared;

/// The plugin's editor (one per instance; opened and closed by the host).
pub struct SamplerEditor {
    params: Arc<SamplerParams>,
    shared: Arc<Shared>,
    /// The window's system scale factor (bits of an f64): the host's
    /// suggestion or the platform's, whichever came last.
    scale: Arc<AtomicU64>,
}

impl SamplerEditor {
    /// Thread: the plugin's constructor. Allocates.
    pub fn new(params: Arc<SamplerParams>, shared: Arc<Shared>) -> Self {
        SamplerEditor { params, shared, scale: Arc::new(AtomicU64::new(1.0f64.to_bits())) }
    }

    fn logical_size(&self) -> EditorSize {
        self.params.editor_size.read().clamped()
    }
}

/// Converts nice-plug's host callbacks into baseview's.
struct HostCallbacks(Box<dyn nice_plug::editor::HostCallbacks>);

impl baseview::host::HostCallbacks for HostCallbacks {
    fn request_resize(&mut self, new_size: baseview::WindowSize) -> Result<(), baseview::HandlerError> {
        self.0.request_resize(new_size.physical.into(), new_size.scale_factor).map_err(baseview::HandlerError::from_boxed)
    }

    fn destroyed(&mut self) {
        self.0.destroyed();
    }
}

struct MainThreadCaller(Box<dyn nice_plug::editor::HostMainThreadCaller>);

impl baseview::host::HostMainThreadCaller for MainThreadCaller {
    fn call_main_thread(&mut self) {
        self.0.call_main_thread();
    }
}

impl nice_plug::editor::Editor for SamplerEditor {
    type Handle = SamplerEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        if let Some(scale) = fallback_scale_factor {
            self.scale.store(scale.to_bits(), Ordering::Release);
        }
        let size = self.logical_size();
        let mut settings = baseview::WindowSettings::new()
            .with_title("Wasm Sampler")
            .with_size(baseview::dpi::Size::Logical(LogicalSize::new(size.width as f64, size.height as f64)))
            .with_min_size(baseview::dpi::Size::Logical(LogicalSize::new(EditorSize::MIN.width as f64, EditorSize::MIN.height as f64)))
            .with_max_size(baseview::dpi::Size::Logical(LogicalSize::new(EditorSize::MAX.width as f64, EditorSize::MAX.height as f64)))
            .with_resizable(true)
            .with_wait_for_parent(wait_for_parent)
            .with_fallback_scale_factor(fallback_scale_factor)
            .with_gl_config(baseview::gl::GlConfig::default());
        if let Some(parent) = parent.as_ref() {
            settings.parent = Some(baseview::ParentWindowHandle::from_window(parent));
        }
        let host =
            host.map(|h| baseview::host::Host::new().with_callbacks(HostCallbacks(h.callbacks)).with_main_thread(MainThreadCaller(h.main_thread_caller)));
        let dirty = Arc::new(AtomicBool::new(true));
        let app = app::SamplerApp::new(self.params.clone(), self.shared.clone(), gui_context, self.scale.clone(), dirty.clone());
        let window = baseview::Window::create_with_host(settings, move |window| window::EguiWindow::new(window, app), host)?;
        Ok(SpawnedEditor { handle: SamplerEditorHandle { scale: self.scale.clone(), dirty }, window })
    }

    fn size(&self) -> NativeSize<u32> {
        let size = self.logical_size();
        let scale = f64::from_bits(self.scale.load(Ordering::Acquire));
        NativeSize::from_size(Size::Logical(LogicalSize::new(size.width as f64, size.height as f64)), scale)
    }

    fn resize_hint(&self) -> ResizeHint {
        resize_hint()
    }
}

/// Freely resizable between [`EditorSize::MIN`] and [`EditorSize::MAX`].
fn resize_hint() -> ResizeHint {
    ResizeHint {
        can_resize: true,
        can_resize_horizontally: true,
        can_resize_vertically: true,
        size_constraints: SizeConstraints::Logical {
            min_size: Some(LogicalSize::new(EditorSize::MIN.width as f32, EditorSize::MIN.height as f32)),
            max_size: Some(LogicalSize::new(EditorSize::MAX.width as f32, EditorSize::MAX.height as f32)),
        },
        ..ResizeHint::NON_RESIZABLE
    }
}

/// An open editor window.
pub struct SamplerEditorHandle {
    scale: Arc<AtomicU64>,
    /// Set when the host changed a parameter or the state: the UI redraws.
    dirty: Arc<AtomicBool>,
}

impl EditorHandle for SamplerEditorHandle {
    type Window = baseview::Window;
    type Error = baseview::Error;

    fn run_until_closed(window: Self::Window) -> Result<(), Self::Error> {
        window.run_until_closed()
    }

    fn set_parent(&self, parent: ParentWindowHandle, window: &Self::Window) -> Result<(), Self::Error> {
        window.set_parent(&parent)
    }

    fn show(&self, window: &Self::Window) -> Result<(), Self::Error> {
        window.show()
    }

    fn hide(&self, window: &Self::Window) -> Result<(), Self::Error> {
        window.hide()
    }

    fn set_size(&self, new_size: NativeSize<u32>, window: &Self::Window) -> Result<(), Self::Error> {
        window.resize(new_size)
    }

    fn host_main_thread_callback(&self, window: &Self::Window) {
        window.host_main_thread_callback();
    }

    fn adjust_size(&self, new_size: NativeSize<u32>, window: &Self::Window) -> Option<NativeSize<u32>> {
        let current = window.size();
        let current_native = NativeSize::from_logical_or_physical(current.logical, current.physical);
        Some(resize_hint().adjust_size(new_size, current_native, current.scale_factor))
    }

    fn set_fallback_scale_factor(&self, scale_factor: f64, window: &Self::Window) -> Result<(), Self::Error> {
        self.scale.store(scale_factor.to_bits(), Ordering::Release);
        window.suggest_fallback_scale_factor(scale_factor)
    }

    fn param_value_changed(&self, _id: &str, _normalized_value: f32) {
        self.dirty.store(true, Ordering::Release);
    }

    fn state_changed(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    fn param_modulation_changed(&self, _id: &str, _modulation_offset: f32) {}
}
