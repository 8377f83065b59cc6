//! The plugin state's `kit` field: restoring it hands the kit to the kit
//! store and schedules its loading; saving writes what the store owns.
//!
//! Thread: the host's (main or a background) thread; never the audio thread.

use std::sync::Arc;

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::nice_error;

use crate::kit::Kit;
use crate::plugin::loader_thread::Job;
use crate::plugin::Shared;

/// The persisted kit field. See the module docs.
pub struct KitField(pub Arc<Shared>);

impl<'a> PersistentField<'a, serde_json::Value> for KitField {
    /// Restores a kit: bad or newer state gives an empty kit and a logged
    /// reason, never a crash. The samples decode on the loader thread.
    fn set(&self, value: serde_json::Value) {
        let (kit, problem) = Kit::from_json(&value);
        if let Some(problem) = problem {
            nice_error!("wasm-sampler: {problem}");
            self.0.link.post_message(problem);
        }
        self.0.store.set_kit(kit);
        if self.0.store.engine().is_some() {
            self.0.send(Job::LoadKit);
        } else {
            self.0.loader.defer_kit();
        }
    }

    /// Saves the kit; with embedding on, files not yet embedded are read
    /// first (without holding the kit lock).
    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&serde_json::Value) -> R,
    {
        f(&self.0.store.to_json())
    }
}
