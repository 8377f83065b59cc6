//! The CLAP entry point: nice-plug's plugin, plus the note-name extension
//! (`clap.note-name`), so that a DAW's piano roll and drum map show each
//! pad's note by the pad's name.
//!
//! Written by hand because nice-plug 0.4 offers no way to add a CLAP
//! extension: its `nice_export_clap!` answers `get_extension` itself. This
//! entry does what that macro does for our one plugin, and hands the host
//! a `clap_plugin` of its own — a copy of nice-plug's, whose
//! `get_extension` answers `clap.note-name` and asks nice-plug for
//! everything else, and whose `destroy` also frees the copy. nice-plug's
//! functions find their wrapper through `plugin_data`, which the copy
//! keeps, so they work unchanged when called with the copy. When the kit
//! changes, the entry asks the host for a main-thread callback, and there
//! (in its `on_main_thread`, after nice-plug's) tells the host the names
//! changed if they did.
//!
//! Thread: as CLAP says for each function (the factory and note names on
//! the main thread). Nothing here runs on the audio thread.

use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use clap_sys::ext::note_name::{clap_host_note_name, clap_note_name, clap_plugin_note_name, CLAP_EXT_NOTE_NAME};
use clap_sys::string_sizes::CLAP_NAME_SIZE;
use nice_plug::wrapper::clap::{clap_host, clap_plugin, clap_plugin_descriptor, clap_plugin_factory, PluginDescriptor, Wrapper, CLAP_PLUGIN_FACTORY_ID};

use super::{Shared, WasmSampler};

/// What the host holds: our copy of nice-plug's `clap_plugin` (first, so a
/// pointer to it is a pointer to this), nice-plug's own functions we wrap,
/// and the plugin's shared state (for the pads' names).
#[repr(C)]
struct Instance {
    plugin: clap_plugin,
    get_extension: unsafe extern "C" fn(*const clap_plugin, *const c_char) -> *const c_void,
    destroy: unsafe extern "C" fn(*const clap_plugin),
    on_main_thread: Option<unsafe extern "C" fn(*const clap_plugin)>,
    shared: Weak<Shared>,
    host: Host,
    /// The names the host was last told of (main thread only).
    names_told: Mutex<Vec<(u8, String)>>,
}

/// The host, as the kit store's watcher keeps it.
#[derive(Clone, Copy)]
struct Host(*const clap_host);

// SAFETY: CLAP makes `request_callback` callable from any thread, and the
// host outlives the plugin instance (and so the kit store that keeps this).
unsafe impl Send for Host {}
// SAFETY: as above; the pointer is only read.
unsafe impl Sync for Host {}

impl Host {
    /// Asks the host for a call of `on_main_thread`.
    ///
    /// Thread: any. No allocation.
    fn request_callback(self) {
        // SAFETY: the host's `clap_host` is valid for the plugin's life.
        if let Some(request) = unsafe { self.0.as_ref() }.and_then(|h| h.request_callback) {
            // SAFETY: thread-safe per CLAP, with the host's own pointer.
            unsafe { request(self.0) };
        }
    }

    /// Tells the host the note names changed.
    ///
    /// Thread: main. No allocation.
    fn note_names_changed(self) {
        // SAFETY: the host's `clap_host` is valid for the plugin's life;
        // its `get_extension` returns null or a `clap_host_note_name`.
        unsafe {
            let Some(host) = self.0.as_ref() else { return };
            let Some(get_extension) = host.get_extension else { return };
            let ext = get_extension(self.0, CLAP_EXT_NOTE_NAME.as_ptr()) as *const clap_host_note_name;
            if let Some(changed) = ext.as_ref().and_then(|e| e.changed) {
                changed(self.0);
            }
        }
    }
}

static NOTE_NAME: clap_plugin_note_name = clap_plugin_note_name { count: Some(note_name_count), get: Some(note_name_get) };

fn descriptor() -> &'static PluginDescriptor {
    static DESCRIPTOR: OnceLock<PluginDescriptor> = OnceLock::new();
    DESCRIPTOR.get_or_init(PluginDescriptor::for_plugin::<WasmSampler>)
}

unsafe extern "C" fn get_plugin_count(_factory: *const clap_plugin_factory) -> u32 {
    1
}

unsafe extern "C" fn get_plugin_descriptor(_factory: *const clap_plugin_factory, index: u32) -> *const clap_plugin_descriptor {
    if index == 0 {
        descriptor().clap_plugin_descriptor()
    } else {
        std::ptr::null()
    }
}

unsafe extern "C" fn create_plugin(_factory: *const clap_plugin_factory, host: *const clap_host, plugin_id: *const c_char) -> *const clap_plugin {
    // SAFETY: the host passes a NUL-terminated id (checked for null).
    if plugin_id.is_null() || unsafe { CStr::from_ptr(plugin_id) } != descriptor().clap_id() {
        return std::ptr::null();
    }
    // SAFETY: `host` is the host's valid `clap_host`, as `create_plugin`
    // requires. The wrapper's reference is released by its `destroy`.
    let wrapper = unsafe { Wrapper::<WasmSampler>::new(host) };
    // `Wrapper::new` made the plugin on this thread just now.
    let shared = super::take_created().map(|s| Arc::downgrade(&s)).unwrap_or_default();
    let inner = *wrapper.clap_plugin.borrow();
    // The reference `Arc::into_raw` leaks is the one nice-plug's `destroy`
    // takes back (as its own export does).
    let _ = Arc::into_raw(wrapper);
    let (Some(get_extension), Some(destroy)) = (inner.get_extension, inner.destroy) else {
        return std::ptr::null();
    };
    let host = Host(host);
    if let Some(s) = shared.upgrade() {
        s.store.watch(Box::new(move || host.request_callback()));
    }
    let instance = Box::new(Instance {
        plugin: clap_plugin {
            get_extension: Some(instance_get_extension),
            destroy: Some(instance_destroy),
            on_main_thread: Some(instance_on_main_thread),
            ..inner
        },
        get_extension,
        destroy,
        on_main_thread: inner.on_main_thread,
        shared,
        host,
        names_told: Mutex::new(Vec::new()),
    });
    Box::into_raw(instance) as *const clap_plugin
}

/// The instance behind a `clap_plugin` pointer this entry made.
///
/// # Safety
/// `plugin` must come from [`create_plugin`] and not be destroyed.
unsafe fn instance<'a>(plugin: *const clap_plugin) -> &'a Instance {
    // SAFETY: `Instance` is `repr(C)` with the `clap_plugin` first, and
    // the pointer came from `Box::into_raw` of one (caller's promise).
    unsafe { &*(plugin as *const Instance) }
}

unsafe extern "C" fn instance_get_extension(plugin: *const clap_plugin, id: *const c_char) -> *const c_void {
    if plugin.is_null() || id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes the pointer we gave it and a NUL-terminated id.
    let (instance, name) = unsafe { (instance(plugin), CStr::from_ptr(id)) };
    if name == CLAP_EXT_NOTE_NAME {
        &NOTE_NAME as *const clap_plugin_note_name as *const c_void
    } else {
        // SAFETY: nice-plug's function, with a plugin whose `plugin_data`
        // is its wrapper's.
        unsafe { (instance.get_extension)(plugin, id) }
    }
}

unsafe extern "C" fn instance_destroy(plugin: *const clap_plugin) {
    if plugin.is_null() {
        return;
    }
    // SAFETY: the host destroys what `create_plugin` gave it, once; after
    // nice-plug's `destroy` nothing reads the copy, which is freed last.
    unsafe {
        let destroy = instance(plugin).destroy;
        destroy(plugin);
        drop(Box::from_raw(plugin as *mut Instance));
    }
}

unsafe extern "C" fn instance_on_main_thread(plugin: *const clap_plugin) {
    if plugin.is_null() {
        return;
    }
    // SAFETY: the host passes the pointer we gave it, on the main thread.
    let instance = unsafe { instance(plugin) };
    if let Some(inner) = instance.on_main_thread {
        // SAFETY: nice-plug's function, with a plugin whose `plugin_data`
        // is its wrapper's.
        unsafe { inner(plugin) };
    }
    let now = names(plugin);
    let mut told = instance.names_told.lock().unwrap_or_else(|e| e.into_inner());
    if *told != now {
        *told = now;
        drop(told);
        instance.host.note_names_changed();
    }
}

/// The names the host reads: the plugin's pads by note.
fn names(plugin: *const clap_plugin) -> Vec<(u8, String)> {
    if plugin.is_null() {
        return Vec::new();
    }
    // SAFETY: the host passes the pointer we gave it.
    let instance = unsafe { instance(plugin) };
    instance.shared.upgrade().map(|s| s.store.note_names()).unwrap_or_default()
}

unsafe extern "C" fn note_name_count(plugin: *const clap_plugin) -> u32 {
    names(plugin).len() as u32
}

unsafe extern "C" fn note_name_get(plugin: *const clap_plugin, index: u32, out: *mut clap_note_name) -> bool {
    let Some((key, name)) = names(plugin).into_iter().nth(index as usize) else { return false };
    if out.is_null() {
        return false;
    }
    let mut raw = [0 as c_char; CLAP_NAME_SIZE];
    // Whole characters that fit, leaving the terminating NUL.
    let mut len = 0;
    for (i, c) in name.char_indices() {
        if i + c.len_utf8() >= CLAP_NAME_SIZE {
            break;
        }
        len = i + c.len_utf8();
    }
    for (dst, &b) in raw.iter_mut().zip(&name.as_bytes()[..len]) {
        *dst = b as c_char;
    }
    // SAFETY: the host passes a writable `clap_note_name` (checked for null).
    unsafe { *out = clap_note_name { name: raw, port: -1, key: key as i16, channel: -1 } };
    true
}

unsafe extern "C" fn init(_plugin_path: *const c_char) -> bool {
    nice_plug::wrapper::setup_logger::<WasmSampler>();
    true
}

unsafe extern "C" fn deinit() {}

unsafe extern "C" fn get_factory(factory_id: *const c_char) -> *const c_void {
    static FACTORY: clap_plugin_factory = clap_plugin_factory {
        get_plugin_count: Some(get_plugin_count),
        get_plugin_descriptor: Some(get_plugin_descriptor),
        create_plugin: Some(create_plugin),
    };
    // SAFETY: the host passes a NUL-terminated id (checked for null).
    if !factory_id.is_null() && unsafe { CStr::from_ptr(factory_id) } == CLAP_PLUGIN_FACTORY_ID {
        &FACTORY as *const clap_plugin_factory as *const c_void
    } else {
        std::ptr::null()
    }
}

/// The CLAP plugin's entry point.
#[unsafe(no_mangle)]
#[used]
pub static clap_entry: nice_plug::wrapper::clap::clap_plugin_entry = nice_plug::wrapper::clap::clap_plugin_entry {
    clap_version: nice_plug::wrapper::clap::CLAP_VERSION,
    init: Some(init),
    deinit: Some(deinit),
    get_factory: Some(get_factory),
};
