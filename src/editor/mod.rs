//! The editor. For now its model: what the pads show and what a drop of
//! files does, kept free of any window so it is tested on its own. The egui
//! window layer comes on top of this.

pub mod model;
