//! Kit files: a kit saved on its own, to open in another project, share
//! with its samples, or render with `wasm-sampler-render --kit`.
//!
//! The format is the kit state the plugin saves in a project (the same
//! fields, the same version number, [`super::KIT_VERSION`]), written as
//! pretty JSON with one difference: a sample inside the kit file's folder
//! (or below it) is written relative to that folder, with `/` between
//! names, so the folder can move or go to another machine with its
//! samples. Samples elsewhere keep their absolute paths. Reading resolves
//! relative paths against the kit file's folder, takes absolute ones as
//! they are, and accepts `\` as a separator in relative paths and names in
//! another case ([`resolve`]; kits written on Windows). Writing the kit just read gives the same bytes.
//!
//! Thread: non-real-time (file I/O). Everything here allocates.

use std::path::{Component, Path, PathBuf};

use super::Kit;

/// The extension kit files are saved with and recognised by.
pub const EXTENSION: &str = "json";

/// Whether `path` names a kit file or an SFZ file (by its extension;
/// reading it then tells whether it is one).
pub fn is_kit_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case(EXTENSION) || e.eq_ignore_ascii_case("sfz"))
}

/// Opens a kit file or an SFZ file ([`super::sfz`]): the kit, and a note
/// of what an SFZ file has that the kit does not use.
pub fn open(path: &Path) -> Result<(Kit, Option<String>), String> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sfz")) {
        let import = super::sfz::read(path)?;
        Ok((import.kit, import.note))
    } else {
        read(path).map(|kit| (kit, None))
    }
}

/// The kit's JSON as a kit file at `path` holds it: samples under the
/// file's folder relative to it.
pub fn to_file_json(kit: &Kit, path: &Path) -> String {
    let folder = folder_of(path);
    let mut kit = kit.clone();
    for record in kit.pads.iter_mut().flat_map(|p| p.samples.iter_mut()) {
        if let Ok(relative) = record.file.strip_prefix(&folder) {
            let names: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            record.file = PathBuf::from(names.join("/"));
        }
    }
    serde_json::to_string_pretty(&kit.to_json()).expect("a kit always serializes") + "\n"
}

/// Writes `kit` to a kit file at `path`.
///
/// Errors: one line naming the file and the reason.
pub fn write(kit: &Kit, path: &Path) -> Result<(), String> {
    std::fs::write(path, to_file_json(kit, path)).map_err(|e| format!("{}: cannot write the kit ({})", path.display(), crate::decode::io_reason(&e, path)))
}

/// Reads the kit file at `path`, with every sample path made absolute.
/// Returns the kit, or one line naming the file and why it is not a kit.
pub fn read(path: &Path) -> Result<Kit, String> {
    crate::decode::regular_file(path).map_err(|reason| format!("{}: {reason}", path.display()))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {}", path.display(), crate::decode::io_reason(&e, path)))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: not a kit file (line {}: {e})", path.display(), e.line()))?;
    if value.get("pads").is_none() {
        return Err(format!("{}: not a kit file (no \"pads\")", path.display()));
    }
    let (mut kit, problem) = Kit::from_json(&value);
    if let Some(problem) = problem {
        return Err(format!("{}: {}", path.display(), problem.trim_end_matches("; starting with an empty kit")));
    }
    let folder = folder_of(path);
    for record in kit.pads.iter_mut().flat_map(|p| p.samples.iter_mut()) {
        record.file = resolve(&folder, &record.file);
    }
    Ok(kit)
}

/// The folder a kit file's relative paths start from.
fn folder_of(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Whether the platform's file systems usually ignore the case of names.
const CASE_INSENSITIVE_NAMES: bool = cfg!(any(windows, target_os = "macos"));

/// `file` (from a kit or SFZ file in `folder`) as a path: absolute as it
/// is (on Windows, `\samples\kick.wav`, rooted without a drive, on the
/// folder's drive); relative joined to the folder name by name (`\` or `/` between
/// names, `..` going up), each name that does not exist as written matched
/// without regard to case (kits made on Windows or macOS often differ in
/// case only). Names matching nothing are kept as written, so the error
/// names the path the kit gives.
///
/// Thread: non-real-time (reads folder listings). Allocates.
pub fn resolve(folder: &Path, file: &Path) -> PathBuf {
    if file.has_root() {
        // Absolute, or (Windows) rooted without a drive: on the folder's drive.
        return folder.join(file);
    }
    let text = file.to_string_lossy();
    let mut out = folder.to_path_buf();
    for name in text.split(['/', '\\']).filter(|n| !n.is_empty() && *n != ".") {
        if matches!(Path::new(name).components().next(), Some(Component::ParentDir)) {
            out.pop();
            continue;
        }
        let exact = out.join(name);
        // Where names are case-insensitive, `exists` is true for a name in
        // another case too: the listing gives the name as it is on disk,
        // which the kit keeps (it must still work when the kit moves to Linux).
        let found = if exact.exists() && !CASE_INSENSITIVE_NAMES {
            None
        } else {
            std::fs::read_dir(&out).ok().and_then(|d| d.filter_map(Result::ok).find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name)))
        };
        out = found.map_or(exact, |e| e.path());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_folder_with_either_separator() {
        let folder = Path::new("/kits/808");
        assert_eq!(resolve(folder, Path::new("samples/kick.wav")), PathBuf::from("/kits/808/samples/kick.wav"));
        assert_eq!(resolve(folder, Path::new("samples\\Snare 1.wav")), PathBuf::from("/kits/808/samples/Snare 1.wav"));
        assert_eq!(resolve(folder, Path::new("../shared/clap.wav")), PathBuf::from("/kits/shared/clap.wav"));
        assert_eq!(resolve(folder, Path::new("/abs/hat.wav")), PathBuf::from("/abs/hat.wav"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Drums")).unwrap();
        std::fs::write(dir.path().join("Drums/Kick 1.WAV"), b"x").unwrap();
        assert_eq!(resolve(dir.path(), Path::new("drums\\kick 1.wav")), dir.path().join("Drums/Kick 1.WAV"), "names in another case");
    }

    #[test]
    fn kit_files_are_recognised_by_their_extension() {
        assert!(is_kit_file(Path::new("/k/My Kit.JSON")));
        assert!(is_kit_file(Path::new("/k/drums.SFZ")));
        assert!(!is_kit_file(Path::new("/k/kick.wav")));
    }
}
