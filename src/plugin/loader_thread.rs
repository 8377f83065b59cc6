//! The instance's background threads:
//! - the loader decodes samples into the kit store (a dropped file, a
//!   restored project), one job after another;
//! - the housekeeper does the engine's housekeeping every
//!   [`HOUSEKEEPING_PERIOD`], whatever the loader is doing: freeing regions
//!   of replaced samples once silent, and replacing a faulted guest (so a
//!   fault during a long load is silent for one period, not for the load).
//!
//! Both start with the first job and are stopped and joined when the plugin
//! goes (the host may unload the library right after).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Weak};
use std::time::Duration;

use nice_plug::prelude::nice_error;
use parking_lot::Mutex;

use crate::plugin::Shared;
use crate::settings::MAX_PADS;

/// How often the housekeeper runs. A guest fault is silent for up to this
/// long plus the time to re-instantiate.
pub const HOUSEKEEPING_PERIOD: Duration = Duration::from_millis(20);

/// Work for the loader thread.
pub(crate) enum Job {
    /// (Re)load every pad of the kit into the engine.
    LoadKit,
    /// Load one file into one pad.
    LoadPad(usize, PathBuf),
    /// Add one file to one pad's samples.
    AddToPad(usize, PathBuf),
    /// Replace the kit with a kit file's, and load it.
    OpenKit(PathBuf),
    /// Write the kit to a kit file.
    SaveKit(PathBuf),
    /// Look for the missing samples under a folder and reload the kit.
    FindMissing(PathBuf),
    /// Bring back a guest that faulted too often (the editor's Reset).
    ResetGuest,
}

/// The threads, the loader's queue, and their flags.
#[derive(Default)]
pub struct Loader {
    jobs: Mutex<Option<Sender<Job>>>,
    handle: Mutex<Option<std::thread::JoinHandle<()>>>,
    housekeeper: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set when the plugin goes away: the loader stops between pads.
    stopping: AtomicBool,
    /// A kit waits for the engine (restored before the first activation).
    kit_pending: AtomicBool,
}

impl Loader {
    /// Whether the thread has been started.
    ///
    /// Thread: any. No allocation. Short lock.
    pub fn is_running(&self) -> bool {
        self.jobs.lock().is_some()
    }

    /// Notes that the kit must load once there is an engine.
    ///
    /// Thread: any. No allocation.
    pub fn defer_kit(&self) {
        self.kit_pending.store(true, Ordering::Release);
    }

    /// Whether a kit waits for the engine; clears the flag.
    ///
    /// Thread: any. No allocation.
    pub fn take_deferred_kit(&self) -> bool {
        self.kit_pending.swap(false, Ordering::AcqRel)
    }

    /// Stops the threads and waits for them.
    ///
    /// Thread: non-real-time (joins). No allocation.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        drop(self.jobs.lock().take());
        if let Some(handle) = self.housekeeper.lock().take() {
            handle.thread().unpark();
            let _ = handle.join();
        }
        if let Some(handle) = self.handle.lock().take() {
            let _ = handle.join();
        }
    }
}

impl Shared {
    /// Loads `path` into `pad` in the background (before the first
    /// activation it is only recorded, and loads with the kit then). Until
    /// it is done the pad shows as loading; a failure leaves the pad as it
    /// was and posts a message naming the file and the reason.
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn load_pad(self: &Arc<Self>, pad: usize, path: PathBuf) {
        if pad >= MAX_PADS {
            self.link.post_message(format!("{}: not loaded, there are only {MAX_PADS} pads", path.display()));
            return;
        }
        self.store.mark_loading(pad);
        self.send(Job::LoadPad(pad, path));
    }

    /// Adds `path` to `pad`'s samples in the background, as
    /// [`load_pad`](Self::load_pad) loads (a velocity layer or a
    /// round-robin hit; see [`KitStore::add_file`](crate::kit::KitStore::add_file)).
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn add_to_pad(self: &Arc<Self>, pad: usize, path: PathBuf) {
        if pad >= MAX_PADS {
            self.link.post_message(format!("{}: not loaded, there are only {MAX_PADS} pads", path.display()));
            return;
        }
        self.store.mark_loading(pad);
        self.send(Job::AddToPad(pad, path));
    }

    /// Opens the kit file at `path` in the background: it replaces the kit
    /// and loads; a file that is not a kit changes nothing and posts one
    /// line naming it and the reason.
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn open_kit(self: &Arc<Self>, path: PathBuf) {
        self.send(Job::OpenKit(path));
    }

    /// Saves the kit to a kit file at `path` in the background (samples in
    /// its folder are written relative to it) and posts the outcome.
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn save_kit(self: &Arc<Self>, path: PathBuf) {
        self.send(Job::SaveKit(path));
    }

    /// Searches `folder` (and below) for the kit's missing samples by file
    /// name in the background, points their pads at what it finds, keeping
    /// their settings, and posts how many it found.
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn find_missing(self: &Arc<Self>, folder: PathBuf) {
        self.send(Job::FindMissing(folder));
    }

    /// Brings the sampler's DSP back after housekeeping gave up on a guest
    /// that kept faulting ([`Engine::stopped`](crate::engine::Engine::stopped)),
    /// in the background: the guest is re-instantiated with every pad, and
    /// the outcome is posted as a message.
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn reset_guest(self: &Arc<Self>) {
        self.send(Job::ResetGuest);
    }

    /// Queues a job, starting the thread on the first one.
    pub(crate) fn send(self: &Arc<Self>, job: Job) {
        let mut jobs = self.loader.jobs.lock();
        if jobs.is_none() {
            let (tx, rx) = mpsc::channel();
            let weak = Arc::downgrade(self);
            let spawned = std::thread::Builder::new().name("wasm-sampler-loader".into()).spawn(move || run(weak, rx));
            match spawned {
                Ok(handle) => {
                    *jobs = Some(tx);
                    *self.loader.handle.lock() = Some(handle);
                }
                Err(e) => {
                    nice_error!("wasm-sampler: cannot start the loader thread: {e}");
                    return;
                }
            }
            let weak = Arc::downgrade(self);
            match std::thread::Builder::new().name("wasm-sampler-housekeeper".into()).spawn(move || housekeep(weak)) {
                Ok(handle) => *self.loader.housekeeper.lock() = Some(handle),
                Err(e) => nice_error!("wasm-sampler: cannot start the housekeeping thread: {e}"),
            }
        }
        if let Some(tx) = jobs.as_ref() {
            let _ = tx.send(job);
        }
    }

    fn report(&self, pad: usize, e: &dyn std::fmt::Display) {
        nice_error!("wasm-sampler: pad {}: {e}", pad + 1);
        self.link.post_message(format!("Pad {}: {e}", pad + 1));
    }
}

fn run(shared: Weak<Shared>, jobs: mpsc::Receiver<Job>) {
    while let Ok(job) = jobs.recv() {
        let Some(shared) = shared.upgrade() else { return };
        let store = &shared.store;
        match job {
            Job::LoadKit => store.load_kit(&shared.loader.stopping, |pad, e| shared.report(pad, e)),
            Job::LoadPad(pad, path) if store.engine().is_none() => {
                if let Err(e) = store.record_file(pad, &path) {
                    shared.report(pad, &e);
                }
                shared.loader.defer_kit();
            }
            Job::LoadPad(pad, path) => {
                if let Err(e) = store.load_file(pad, &path) {
                    shared.report(pad, &e);
                }
            }
            Job::AddToPad(pad, path) if store.engine().is_none() => {
                if let Err(e) = store.record_added_file(pad, &path) {
                    shared.report(pad, &e);
                }
                shared.loader.defer_kit();
            }
            Job::AddToPad(pad, path) => {
                if let Err(e) = store.add_file(pad, &path) {
                    shared.report(pad, &e);
                }
            }
            Job::OpenKit(path) => match crate::kit::file::open(&path) {
                Ok((kit, note)) => {
                    replace_kit(&shared, kit);
                    shared.link.post_message(note.unwrap_or_else(|| format!("Opened the kit {}", path.display())));
                }
                Err(e) => shared.link.post_message(e),
            },
            Job::FindMissing(folder) => {
                let mut kit = store.kit();
                let done = crate::kit::relink::relink(&mut kit, &folder);
                if done.found > 0 {
                    replace_kit(&shared, kit);
                }
                let of = done.found + done.still_missing;
                shared.link.post_message(format!("Found {} of {of} missing samples in {}", done.found, folder.display()));
            }
            Job::SaveKit(path) => match crate::kit::file::write(&store.kit(), &path) {
                Ok(()) => shared.link.post_message(format!("Saved the kit to {}", path.display())),
                Err(e) => shared.link.post_message(e),
            },
            Job::ResetGuest => match store.engine().map(|e| e.recover()) {
                None => {}
                Some(Ok(())) => shared.link.post_message("The sampler's DSP was reset and plays again".to_string()),
                Some(Err(e)) => {
                    nice_error!("wasm-sampler: reset failed: {e}");
                    shared.link.post_message(format!("The sampler's DSP could not be reset: {e}"));
                }
            },
        }
    }
}

/// Replaces the kit and loads it (or leaves it for the engine's start).
fn replace_kit(shared: &Shared, kit: crate::kit::Kit) {
    shared.store.set_kit(kit);
    if shared.store.engine().is_some() {
        shared.store.load_kit(&shared.loader.stopping, |pad, e| shared.report(pad, e));
    } else {
        shared.loader.defer_kit();
    }
}

fn housekeep(shared: Weak<Shared>) {
    let mut told = false;
    loop {
        // Unparked to stop.
        std::thread::park_timeout(HOUSEKEEPING_PERIOD);
        let Some(shared) = shared.upgrade() else { return };
        if shared.loader.stopping.load(Ordering::Acquire) {
            return;
        }
        let Some(engine) = shared.store.engine() else { continue };
        engine.housekeeping();
        // A guest that keeps faulting stays silent: say so where the user
        // looks, once.
        if engine.given_up() {
            if !told {
                told = true;
                let fault = engine.fault().unwrap_or_default();
                shared.link.post_message(format!("The sampler's DSP keeps failing ({fault}); it stays silent until reset"));
            }
        } else {
            told = false;
        }
    }
}
