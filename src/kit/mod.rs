//! The kit: what the user has set up on the pads, and its one owner.
//!
//! - [`model`]: a pad's mapping, settings and sample records, validated in
//!   one place against [`crate::settings`];
//! - [`state`]: the kit as a project saves it (JSON, versioned, embedded
//!   audio), read back without ever failing;
//! - [`store`]: the [`KitStore`], the sole owner of the kit, which loads
//!   samples and publishes each pad to the engine together with its sample;
//! - [`file`]: kits saved on their own, samples relative to the file;
//! - [`relink`]: finding moved samples by name under a folder;
//! - [`sfz`]: SFZ files read into a kit.

pub mod file;
pub mod mapping;
pub mod model;
pub mod relink;
pub mod sample;
pub mod sfz;
pub mod state;
pub mod store;

pub use model::{
    Automation, CcRange, FilterSettings, FilterSlope, FilterType, Interpolation, Loop, LoopMode, LoopPoints, Mapping, OffMode, PadModel, PadSettings, PlayMode,
    Retrigger, RoundRobin, SampleParams, SampleRecord, Trigger,
};
pub use state::{EmbeddedAudio, Kit, SampleAudio, KIT_VERSION};
pub use store::{KitStore, PadView, PieceLoad};
