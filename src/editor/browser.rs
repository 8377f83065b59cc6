//! The "Load…" file browser, drawn inside the editor with egui.
//!
//! Not a native dialog on purpose: a native dialog from a plugin runs a
//! nested event loop inside the host (some hosts freeze or crash on it, and
//! on Linux it needs GTK or a portal). This one is an egui window; folders
//! are listed on a short-lived thread so that a slow mount never stalls the
//! editor, let alone the host.
//!
//! Thread: the editor's. Allocates.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// One line of a folder listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub is_dir: bool,
}

/// What the browser is choosing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A sample for this pad.
    Sample(usize),
    /// A kit file to open.
    OpenKit,
    /// Where to save the kit.
    SaveKit,
    /// A folder to search for missing samples.
    FindMissing,
}

impl Purpose {
    /// Whether the browser lists `path` (audio files, or kit files).
    fn shows(self, path: &Path) -> bool {
        match self {
            Purpose::Sample(_) => crate::decode::has_audio_extension(path),
            Purpose::FindMissing => false,
            _ => crate::kit::file::is_kit_file(path),
        }
    }
}

/// Lists `dir` for the browser: sub-folders first, then audio files, each
/// sorted by name without regard to case; hidden entries (leading dot) and
/// other files are left out.
///
/// Thread: any non-real-time thread (does file-system I/O). Allocates.
pub fn list_dir(dir: &Path) -> Result<Vec<Entry>, String> {
    list_dir_for(dir, Purpose::Sample(0))
}

/// [`list_dir`] listing the files `purpose` wants.
///
/// Thread: any non-real-time thread (does file-system I/O). Allocates.
pub fn list_dir_for(dir: &Path, purpose: Purpose) -> Result<Vec<Entry>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {}", dir.display(), crate::decode::io_reason(&e, dir)))?;
    let mut entries: Vec<Entry> = read
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                return None;
            }
            let path = e.path();
            // Follows symlinks, so a linked sample folder opens like any other.
            let is_dir = path.is_dir();
            let wanted = !is_dir && purpose.shows(&path);
            (is_dir || wanted).then_some(Entry { name, path, is_dir })
        })
        .collect();
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
    Ok(entries)
}

enum Listing {
    Reading(Receiver<Result<Vec<Entry>, String>>),
    Ready(Vec<Entry>),
    Failed(String),
}

/// What the user did in the browser this frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrowserAction {
    None,
    Load { pad: usize, path: PathBuf },
    OpenKit(PathBuf),
    SaveKit(PathBuf),
    FindMissing(PathBuf),
    Close,
}

/// An open browser choosing a sample for a pad, a kit to open, or where
/// to save the kit.
pub struct Browser {
    pub purpose: Purpose,
    dir: PathBuf,
    path_text: String,
    listing: Listing,
    /// Listing threads started; joined when the browser closes, so none
    /// outlives the editor (and the plugin library).
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Browser {
    /// Opens on `dir` for `pad` and starts listing it.
    ///
    /// Thread: the editor's. Allocates; spawns the listing thread.
    pub fn new(pad: usize, dir: PathBuf) -> Self {
        Browser::for_purpose(Purpose::Sample(pad), dir)
    }

    /// Opens on `dir` for `purpose` and starts listing it.
    ///
    /// Thread: the editor's. Allocates; spawns the listing thread.
    pub fn for_purpose(purpose: Purpose, dir: PathBuf) -> Self {
        let mut browser = Browser { purpose, dir: PathBuf::new(), path_text: String::new(), listing: Listing::Ready(Vec::new()), threads: Vec::new() };
        browser.open(dir);
        if purpose == Purpose::SaveKit {
            browser.path_text = browser.dir.join("My kit.json").display().to_string();
        }
        browser
    }

    /// What choosing `path` (a file) does.
    fn choose(&self, path: PathBuf) -> BrowserAction {
        match self.purpose {
            Purpose::Sample(pad) => BrowserAction::Load { pad, path },
            Purpose::OpenKit => BrowserAction::OpenKit(path),
            Purpose::SaveKit if path.extension().is_some_and(|e| e.eq_ignore_ascii_case(crate::kit::file::EXTENSION)) => BrowserAction::SaveKit(path),
            Purpose::SaveKit => BrowserAction::SaveKit(path.with_extension(crate::kit::file::EXTENSION)),
            Purpose::FindMissing => BrowserAction::FindMissing(path),
        }
    }

    /// The folder shown.
    ///
    /// Thread: the editor's. No allocation.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn open(&mut self, dir: PathBuf) {
        let (tx, rx) = mpsc::channel();
        let (target, purpose) = (dir.clone(), self.purpose);
        let spawned = std::thread::Builder::new().name("wasm-sampler-browse".into()).spawn(move || {
            let _ = tx.send(list_dir_for(&target, purpose));
        });
        self.threads.retain(|t| !t.is_finished());
        self.listing = match spawned {
            Ok(thread) => {
                self.threads.push(thread);
                Listing::Reading(rx)
            }
            Err(e) => Listing::Failed(format!("cannot list {}: {e}", dir.display())),
        };
        self.path_text = dir.display().to_string();
        self.dir = dir;
    }

    fn poll(&mut self) {
        if let Listing::Reading(rx) = &self.listing {
            self.listing = match rx.try_recv() {
                Ok(Ok(entries)) => Listing::Ready(entries),
                Ok(Err(e)) => Listing::Failed(e),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => Listing::Failed(format!("{}: listing failed", self.dir.display())),
            };
        }
    }

    /// Draws the browser as a window over the editor and returns what the
    /// user did.
    ///
    /// Thread: the editor's. Allocates; may spawn a listing thread.
    pub fn ui(&mut self, ctx: &egui::Context) -> BrowserAction {
        self.poll();
        let mut action = BrowserAction::None;
        let mut open = true;
        let mut go_to: Option<PathBuf> = None;
        let mut pick: Option<String> = None;
        let title = match self.purpose {
            Purpose::Sample(pad) => format!("Load a sample into pad {}", pad + 1),
            Purpose::OpenKit => "Open a kit".to_string(),
            Purpose::SaveKit => "Save the kit as (type a name, press Enter)".to_string(),
            Purpose::FindMissing => "Find missing samples: open the folder to search, then Search here".to_string(),
        };
        egui::Window::new(title)
            .id(egui::Id::unique("wasm-sampler-browser"))
            .open(&mut open)
            .collapsible(false)
            .default_size([520.0, 420.0])
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Up").clicked() {
                        if let Some(parent) = self.dir.parent() {
                            go_to = Some(parent.to_path_buf());
                        }
                    }
                    if ui.button("Home").clicked() {
                        go_to = home_dir();
                    }
                    if self.purpose == Purpose::FindMissing && ui.button("Search here").clicked() {
                        action = BrowserAction::FindMissing(self.dir.clone());
                    }
                    let field = ui.add(egui::TextEdit::singleline(&mut self.path_text).desired_width(f32::INFINITY).hint_text("folder or file"));
                    if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        let typed = PathBuf::from(self.path_text.trim());
                        if typed.is_dir() {
                            go_to = Some(typed);
                        } else {
                            action = self.choose(typed);
                        }
                    }
                });
                ui.separator();
                egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match &self.listing {
                    Listing::Reading(_) => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label("Reading the folder…");
                        });
                        ctx.request_repaint_after(std::time::Duration::from_millis(50));
                    }
                    Listing::Failed(e) => {
                        ui.colored_label(egui::Color32::from_rgb(240, 110, 100), e);
                    }
                    Listing::Ready(entries) if entries.is_empty() => {
                        ui.weak(match self.purpose {
                            Purpose::Sample(_) => "No folders or audio files here.",
                            Purpose::FindMissing => "No folders here.",
                            _ => "No folders or kit files here.",
                        });
                    }
                    Listing::Ready(entries) => {
                        for entry in entries {
                            let label = if entry.is_dir { format!("{}/", entry.name) } else { entry.name.clone() };
                            let response = ui.selectable_label(false, label);
                            if entry.is_dir && response.clicked() {
                                go_to = Some(entry.path.clone());
                            } else if !entry.is_dir && response.clicked() {
                                if self.purpose == Purpose::SaveKit {
                                    // Saving over a kit: its name goes in the field first.
                                    pick = Some(entry.path.display().to_string());
                                } else {
                                    action = self.choose(entry.path.clone());
                                }
                            }
                        }
                    }
                });
            });
        if let Some(dir) = go_to {
            self.open(dir);
        }
        if let Some(text) = pick {
            self.path_text = text;
        }
        if !open || ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            return BrowserAction::Close;
        }
        action
    }
}

/// The user's home folder, where the browser starts when nothing better is known.
///
/// Thread: any non-real-time thread. Allocates.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_shows_folders_first_then_audio_files_sorted_without_hidden_or_other_files() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["snare.WAV", "Kick.wav", "notes.txt", ".hidden.wav", "hat.wave", "loop.flac", "Pad.AIF", "vox.mp3", "amb.ogg", "cover.png"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        for d in ["zeta", "Alpha", ".git"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        let names: Vec<(String, bool)> = list_dir(dir.path()).unwrap().into_iter().map(|e| (e.name, e.is_dir)).collect();
        let expected = [
            ("Alpha", true),
            ("zeta", true),
            ("amb.ogg", false),
            ("hat.wave", false),
            ("Kick.wav", false),
            ("loop.flac", false),
            ("Pad.AIF", false),
            ("snare.WAV", false),
            ("vox.mp3", false),
        ];
        assert_eq!(names, expected.map(|(n, d)| (n.to_string(), d)));
    }

    #[test]
    fn listing_a_missing_folder_names_it_and_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        assert_eq!(list_dir(&gone), Err(format!("{}: file not found", gone.display())));
    }
}
