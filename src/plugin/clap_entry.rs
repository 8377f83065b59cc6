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
//! keeps, so they work unchanged when called with the copy.
//!
//! Thread: as CLAP says for each function (the factory and note names on
//! the main thread). Nothing here runs on the audio thread.

use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, OnceLock, Weak};

use clap_sys::ext::note_name::{clap_note_name, clap_plugin_note_name, CLAP_EXT_NOTE_NAME};
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
    shared: Weak<Shared>,
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
    let instance = Box::new(Instance {
        plugin: clap_plugin { get_extension: Some(instance_get_extension), destroy: Some(instance_destroy), ..inner },
        get_extension,
        destroy,
        shared,
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
