//! Finding missing samples: a project or kit file names sample files by
//! path; when they have moved, a search of one folder (and everything
//! below it) by file name points every pad it can at the file's new place,
//! keeping all of the pad's settings.
//!
//! A name matches exactly first, then without regard to case (kits made on
//! Windows or macOS often differ in case only). Where several files share
//! a name, the one met first wins: folders are searched in name order,
//! shallower before deeper. Symbolic links to folders are not followed
//! (no loops), and the search stops after [`MAX_ENTRIES`] entries.
//!
//! Thread: non-real-time (file-system I/O). Allocates.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::Kit;

/// The most folder entries one search looks at.
pub const MAX_ENTRIES: usize = 500_000;

/// The sample files the kit names that are not there.
pub fn missing_files(kit: &Kit) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> =
        kit.pads.iter().flat_map(|p| &p.samples).filter(|r| r.embedded.is_none() && !r.file.is_file()).map(|r| r.file.clone()).collect();
    missing.dedup();
    missing
}

/// What a search did: how many sample records now point at a file found,
/// and how many are still missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relinked {
    pub found: usize,
    pub still_missing: usize,
}

/// Points every missing sample of `kit` at a file of the same name under
/// `folder`, where there is one.
pub fn relink(kit: &mut Kit, folder: &Path) -> Relinked {
    let missing = missing_files(kit);
    if missing.is_empty() {
        return Relinked { found: 0, still_missing: 0 };
    }
    let wanted: Vec<String> = missing.iter().filter_map(|m| m.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    let found = search(folder, &wanted);
    let mut result = Relinked { found: 0, still_missing: 0 };
    for record in kit.pads.iter_mut().flat_map(|p| p.samples.iter_mut()).filter(|r| r.embedded.is_none() && !r.file.is_file()) {
        let name = record.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match found.get(&name).or_else(|| found.get(&name.to_lowercase())) {
            Some(path) => {
                record.file = path.clone();
                result.found += 1;
            }
            None => result.still_missing += 1,
        }
    }
    result
}

/// Files under `folder` named as in `names`: each exact name, and each name
/// lower-cased, to the first file found with it (breadth first, entries in
/// name order).
fn search(folder: &Path, names: &[String]) -> HashMap<String, PathBuf> {
    let exact: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let lower: std::collections::HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let mut found = HashMap::new();
    let mut queue = VecDeque::from([folder.to_path_buf()]);
    let mut seen = 0;
    while let Some(dir) = queue.pop_front() {
        let Ok(read) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = read.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            seen += 1;
            if seen > MAX_ENTRIES {
                return found;
            }
            let Ok(kind) = entry.file_type() else { continue };
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                queue.push_back(entry.path());
                continue;
            }
            if exact.contains(name.as_str()) {
                found.entry(name.clone()).or_insert_with(|| entry.path());
            }
            let folded = name.to_lowercase();
            if lower.contains(&folded) {
                found.entry(folded).or_insert_with(|| entry.path());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::{SampleParams, SampleRecord};

    fn record(file: &Path) -> SampleRecord {
        SampleRecord { file: file.to_path_buf(), params: SampleParams { start: 7, ..SampleParams::whole(40) }, embedded: None }
    }

    #[test]
    fn missing_samples_are_found_by_name_below_the_folder_exact_case_first_and_keep_their_settings() {
        let dir = tempfile::tempdir().unwrap();
        let new_home = dir.path().join("library");
        std::fs::create_dir_all(new_home.join("b/deep")).unwrap();
        std::fs::create_dir_all(new_home.join("a")).unwrap();
        std::fs::write(new_home.join("b/deep/Kick.wav"), b"x").unwrap();
        std::fs::write(new_home.join("a/kick.wav"), b"x").unwrap();
        std::fs::write(new_home.join("b/SNARE.WAV"), b"x").unwrap();
        let present = dir.path().join("here.wav");
        std::fs::write(&present, b"x").unwrap();
        let mut kit = Kit::default();
        kit.pad_mut(0).samples.push(record(Path::new("/old/place/Kick.wav")));
        kit.pad_mut(1).samples.push(record(Path::new("/old/place/snare.wav")));
        kit.pad_mut(2).samples.push(record(&present));
        kit.pad_mut(3).samples.push(record(Path::new("/old/place/gone.wav")));
        assert_eq!(missing_files(&kit).len(), 3);
        let done = relink(&mut kit, &new_home);
        assert_eq!(done, Relinked { found: 2, still_missing: 1 });
        assert_eq!(kit.pads[0].samples[0].file, new_home.join("b/deep/Kick.wav"), "the exact name beats a shallower case-only match");
        assert_eq!(kit.pads[1].samples[0].file, new_home.join("b/SNARE.WAV"), "case-only match");
        assert_eq!(kit.pads[2].samples[0].file, present, "present files are left alone");
        assert_eq!(kit.pads[0].samples[0].params.start, 7, "settings kept");
        assert_eq!(kit.pads[3].samples[0].file, PathBuf::from("/old/place/gone.wav"));
    }
}
