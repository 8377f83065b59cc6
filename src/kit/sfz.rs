//! SFZ import: the open text format most free sample libraries and drum
//! kits ship in, read into a [`Kit`]: regions that differ only in their
//! sample, velocity range (`lovel`/`hivel`) and round-robin place
//! (`seq_position`, `lorand`/`hirand`) become one pad with several
//! samples; every other region a pad of its own.
//!
//! Written by hand: the Rust SFZ crates on crates.io parse a small subset
//! (no `#include`/`#define`, no `<control>` `default_path`) and keep the
//! text, while a kit needs the values checked and mapped onto pad
//! settings, with a file and line for every problem.
//!
//! Read: the headers `<control>`, `<global>`, `<master>`, `<group>`,
//! `<region>` (each level's opcodes are the defaults of the levels below),
//! `//` and `/* */` comments, `#define $NAME value`, `#include "file"`
//! (relative to the including file), sample paths with `/` or `\`,
//! matched without regard to case where the exact name is missing, and
//! note names (`c4` = 60, `c#4`, `db4`). The opcodes [`OPCODES`] map onto
//! the pad (README, "SFZ"); any other opcode is listed once in the
//! import's note, never fatal. A line that is not SFZ is an error naming
//! the file and the line.
//!
//! Thread: non-real-time (file I/O). Allocates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::model::{
    CcRange, FilterSettings, FilterSlope, FilterType, Loop, LoopMode, Mapping, OffMode, PadModel, PlayMode, Retrigger, RoundRobin, SampleParams, SampleRecord,
    Trigger,
};
use super::Kit;
use crate::settings;

/// The opcodes that map onto pad settings.
pub const OPCODES: [&str; 41] = [
    "sample",
    "default_path",
    "key",
    "lokey",
    "hikey",
    "pitch_keycenter",
    "lovel",
    "hivel",
    "volume",
    "pan",
    "tune",
    "transpose",
    "offset",
    "end",
    "direction",
    "loop_mode",
    "loopmode",
    "loop_start",
    "loopstart",
    "loop_end",
    "loopend",
    "ampeg_attack",
    "ampeg_hold",
    "ampeg_decay",
    "ampeg_sustain",
    "ampeg_release",
    "fil_type",
    "cutoff",
    "resonance",
    "pitch_keytrack",
    "amp_veltrack",
    "group",
    "off_by",
    "polyphony",
    "note_polyphony",
    "off_mode",
    "off_time",
    "seq_length",
    "seq_position",
    "lorand",
    "hirand",
];

/// The deepest `#include` nesting read.
const MAX_INCLUDE_DEPTH: usize = 16;

/// A kit read from an SFZ file, and what of the file it does not use.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub kit: Kit,
    /// One line listing ignored opcodes and headers, if any.
    pub note: Option<String>,
}

/// Reads the SFZ file at `path` into a kit.
///
/// Errors: one line, `file:line: reason` for text that is not SFZ, or
/// `file: reason`.
pub fn read(path: &Path) -> Result<Import, String> {
    // Samples resolve against the file's folder, and a kit's sample paths
    // must be absolute to be looked up (`SampleRecord::audio`): a relative
    // name such as `kit.sfz` (the command line's) is made absolute first.
    let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut parser = Parser::default();
    parser.file(path, 0)?;
    parser.finish(path)
}

/// Opcodes in force at one level.
type Opcodes = BTreeMap<String, (String, PathBuf, usize)>;

#[derive(Default)]
struct Parser {
    defines: Vec<(String, String)>,
    control: Opcodes,
    global: Opcodes,
    master: Opcodes,
    group: Opcodes,
    /// The header being filled, and the regions read so far.
    level: Level,
    region: Option<Opcodes>,
    regions: Vec<Opcodes>,
    ignored: BTreeSet<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Level {
    #[default]
    None,
    Control,
    Global,
    Master,
    Group,
    Region,
    /// A header this import does not use (`<curve>`, `<effect>`, …).
    Other,
}

impl Parser {
    fn file(&mut self, path: &Path, depth: usize) -> Result<(), String> {
        crate::decode::regular_file(path).map_err(|reason| format!("{}: {reason}", path.display()))?;
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {}", path.display(), crate::decode::io_reason(&e, path)))?;
        let text = String::from_utf8_lossy(&bytes);
        let mut in_comment = false;
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let at = |why: String| format!("{}:{line_no}: {why}", path.display());
            let mut line = strip_comments(raw, &mut in_comment);
            if line.trim().is_empty() {
                continue;
            }
            let trimmed = line.trim_start().to_string();
            if let Some(rest) = trimmed.strip_prefix("#define") {
                let mut parts = rest.split_whitespace();
                match (parts.next(), parts.next()) {
                    (Some(name), Some(value)) if name.starts_with('$') => {
                        self.defines.retain(|(n, _)| n != name);
                        self.defines.push((name.to_string(), value.to_string()));
                        // Longest names first, so $AB is not read as $A + "B".
                        self.defines.sort_by_key(|d| std::cmp::Reverse(d.0.len()));
                    }
                    _ => return Err(at("#define needs $NAME and a value".into())),
                }
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("#include") {
                let name = rest.trim().trim_matches('"');
                if name.is_empty() {
                    return Err(at("#include needs a file name".into()));
                }
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(at(format!("#include nested more than {MAX_INCLUDE_DEPTH} deep")));
                }
                let folder = path.parent().unwrap_or(Path::new("."));
                let included = super::file::resolve(folder, Path::new(&self.expand(name)));
                if !included.is_file() {
                    let why = match crate::decode::regular_file(&included) {
                        // There, but a folder, a device or a pipe.
                        Err(reason) if included.exists() => reason,
                        _ => format!("no such file beside {}", path.display()),
                    };
                    return Err(at(format!("#include \"{name}\": {why}")));
                }
                self.file(&included, depth + 1)?;
                continue;
            }
            line = self.expand(&line);
            self.line(&line, path, line_no).map_err(at)?;
        }
        Ok(())
    }

    /// `text` with every `$NAME` defined so far replaced.
    fn expand(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (name, value) in &self.defines {
            out = out.replace(name.as_str(), value);
        }
        out
    }

    /// One line of headers and opcodes.
    fn line(&mut self, line: &str, path: &Path, line_no: usize) -> Result<(), String> {
        let mut rest = line.trim();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('<') {
                let end = after.find('>').ok_or_else(|| format!("unclosed header `<{after}`"))?;
                self.header(&after[..end]);
                rest = after[end + 1..].trim_start();
                continue;
            }
            let eq = rest.find('=').ok_or_else(|| format!("cannot read `{}`", rest.chars().take(40).collect::<String>()))?;
            let name = rest[..eq].trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("cannot read `{}`", rest.chars().take(40).collect::<String>()));
            }
            let value_and_more = &rest[eq + 1..];
            // The value runs to the next `name=` or header; a sample path
            // may hold spaces.
            let end = next_opcode_or_header(value_and_more);
            let value = value_and_more[..end].trim();
            self.opcode(name, value, path, line_no);
            rest = value_and_more[end..].trim_start();
        }
        Ok(())
    }

    fn header(&mut self, name: &str) {
        self.close_region();
        self.level = match name.trim() {
            "control" => Level::Control,
            "global" => {
                self.global.clear();
                self.master.clear();
                self.group.clear();
                Level::Global
            }
            "master" => {
                self.master.clear();
                self.group.clear();
                Level::Master
            }
            "group" => {
                self.group.clear();
                Level::Group
            }
            "region" => {
                self.region = Some(Opcodes::new());
                Level::Region
            }
            other => {
                self.ignored.insert(format!("<{other}>"));
                Level::Other
            }
        };
    }

    fn close_region(&mut self) {
        if let Some(region) = self.region.take() {
            let mut merged = self.control.clone();
            for level in [&self.global, &self.master, &self.group, &region] {
                merged.extend(level.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            self.regions.push(merged);
        }
    }

    fn opcode(&mut self, name: &str, value: &str, path: &Path, line_no: usize) {
        if !OPCODES.contains(&name) && cc_condition(name.strip_prefix("on_").unwrap_or(name)).is_none() {
            self.ignored.insert(name.to_string());
            return;
        }
        let entry = (value.to_string(), path.to_path_buf(), line_no);
        let target = match self.level {
            Level::Control => &mut self.control,
            Level::Global => &mut self.global,
            Level::Master => &mut self.master,
            Level::Group => &mut self.group,
            Level::Region => self.region.get_or_insert_with(Opcodes::new),
            Level::None | Level::Other => return,
        };
        target.insert(name.to_string(), entry);
    }

    fn finish(mut self, path: &Path) -> Result<Import, String> {
        self.close_region();
        let slots = wasm_sampler_guest::abi::SLOT_CAPACITY as usize;
        if self.regions.len() > slots {
            return Err(format!("{}: {} regions, and a kit holds at most {slots} samples", path.display(), self.regions.len()));
        }
        // Each region a pad, merged into an earlier one that it matches in
        // everything but its sample, velocities and turn, and that has room.
        // Regions on the same velocities that no `seq_position`, `lorand`
        // or `hirand` tells apart sound together in SFZ (close and room
        // microphones on one key): those stay pads of their own.
        let mut pads: Vec<(PadModel, Turns, Vec<Turn>)> = Vec::new();
        for (i, region) in self.regions.iter().enumerate() {
            let (pad, turns, turn) = region_pad(pads.len(), region)?;
            let velocity = pad.samples[0].params.velocity;
            let count = pads.len();
            let joins = |(p, t, order): &&mut (PadModel, Turns, Vec<Turn>)| {
                *t == turns
                    && p.mapping == pad.mapping
                    && p.settings == pad.settings
                    && p.samples.len() < settings::MAX_SAMPLES_PER_PAD
                    && p.samples.iter().zip(order.iter()).all(|(r, o)| r.params.velocity != velocity || (o.ordered && turn.ordered))
            };
            match pads.iter_mut().find(joins) {
                Some((p, _, order)) => {
                    p.samples.extend(pad.samples);
                    order.push(turn);
                }
                _ if count >= settings::MAX_PADS => {
                    return Err(format!(
                        "{}: region {}: more than {} pads (regions that differ in more than velocity and round robin)",
                        path.display(),
                        i + 1,
                        settings::MAX_PADS
                    ));
                }
                _ => pads.push((pad, turns, vec![turn])),
            }
        }
        let mut kit = Kit::default();
        let mut chokes = Chokes::default();
        for (i, (mut pad, turns, order)) in pads.into_iter().enumerate() {
            // Within a velocity layer, in `seq_position` (then `lorand`)
            // order; a layer with random ranges plays at random.
            let mut samples: Vec<(Turn, SampleRecord)> = order.into_iter().zip(pad.samples).collect();
            samples.sort_by(|(a, ra), (b, rb)| ra.params.velocity.cmp(&rb.params.velocity).then(a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal)));
            if samples.iter().any(|(t, _)| t.random) {
                pad.settings.round_robin = RoundRobin::Random;
            }
            pad.samples = samples.into_iter().map(|(_, r)| r).collect();
            chokes.regions.push((i, turns.group, turns.off_by));
            *kit.pad_mut(i) = pad;
        }
        for (i, group, by) in chokes.assign() {
            let m = &mut kit.pad_mut(i).mapping;
            (m.choke_group, m.choked_by) = (group, by);
        }
        for (i, pad) in kit.pads.iter().enumerate() {
            pad.validate().map_err(|e| format!("{}: pad {}: {e}", path.display(), i + 1))?;
        }
        let note = (!self.ignored.is_empty()).then(|| format!("{}: ignored: {}", path.display(), self.ignored.iter().cloned().collect::<Vec<_>>().join(", ")));
        Ok(Import { kit, note })
    }
}

/// SFZ `group`/`off_by`, as this kit's choke groups: each SFZ group some
/// region is `off_by` becomes a group here (1..=16, numbered in the order
/// the `off_by`s first name them; later ones are dropped); a region of
/// such a group belongs to it, and a region with `off_by` is choked by
/// that group alone (one way, as in SFZ).
#[derive(Default)]
struct Chokes {
    /// Each region's SFZ group and off_by.
    regions: Vec<(usize, Option<i64>, Option<i64>)>,
}

impl Chokes {
    /// (region, its choke group, whom it is choked by) for every region
    /// that takes part.
    fn assign(&self) -> Vec<(usize, u8, Option<u8>)> {
        let mut ids: BTreeMap<i64, u8> = BTreeMap::new();
        for o in self.regions.iter().filter_map(|&(_, _, o)| o) {
            let next = ids.len() as u8 + 1;
            ids.entry(o).or_insert(next);
        }
        let id = |g: i64| ids.get(&g).copied().filter(|&i| i <= settings::CHOKE_GROUP.max as u8).unwrap_or(0);
        let mut out = Vec::new();
        for &(i, g, o) in &self.regions {
            let group = g.map_or(0, id);
            if group != 0 || o.is_some() {
                out.push((i, group, Some(o.map_or(0, id))));
            }
        }
        out
    }
}

/// `loccN` / `hiccN` (N = 0..=127): the controller, and whether it is the
/// range's low end.
fn cc_condition(name: &str) -> Option<(u8, bool)> {
    let (low, number) = match (name.strip_prefix("locc"), name.strip_prefix("hicc")) {
        (Some(n), _) => (true, n),
        (_, Some(n)) => (false, n),
        _ => return None,
    };
    let cc = number.parse::<u8>().ok().filter(|&c| c <= 127 && !number.starts_with('+'))?;
    Some((cc, low))
}

/// A region's SFZ `group` and `off_by`: regions merge into one pad only
/// where these agree.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Turns {
    group: Option<i64>,
    off_by: Option<i64>,
}

/// A region's place among the samples of its velocity layer:
/// `seq_position`, then `lorand`; `random` if it has a random range.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
struct Turn {
    seq: f64,
    lorand: f64,
    random: bool,
    /// It names its turn (`seq_position`, `lorand` or `hirand`).
    ordered: bool,
}

/// A region's opcodes as a pad with one sample, its choke opcodes and its
/// round-robin place.
fn region_pad(index: usize, region: &Opcodes) -> Result<(PadModel, Turns, Turn), String> {
    let get = |name: &str| region.get(name);
    let num = |name: &str| -> Result<Option<f64>, String> {
        match get(name) {
            None => Ok(None),
            Some((v, file, line)) => v.parse::<f64>().map(Some).map_err(|_| format!("{}:{line}: {name}={v}: not a number", file.display())),
        }
    };
    let note = |name: &str| -> Result<Option<u8>, String> {
        match get(name) {
            None => Ok(None),
            Some((v, file, line)) => {
                parse_note(v).map(Some).ok_or_else(|| format!("{}:{line}: {name}={v}: not a note (0-127 or a name like c#4)", file.display()))
            }
        }
    };
    let (value, file, _) = get("sample").ok_or_else(|| format!("region {} has no sample", index + 1))?;
    let folder = file.parent().unwrap_or(Path::new("."));
    let default_path = get("default_path").map(|(v, _, _)| v.as_str()).unwrap_or("");
    let relative = format!("{default_path}{value}");
    let sample = super::file::resolve(folder, Path::new(relative.trim()));

    let key = note("key")?;
    let lo = note("lokey")?.or(key).unwrap_or(0);
    let hi = note("hikey")?.or(key).unwrap_or(127);
    let center = note("pitch_keycenter")?.or(key).unwrap_or(60);
    let keytrack = num("pitch_keytrack")?.unwrap_or(100.0);
    let trigger = if lo == hi && (center == lo || keytrack == 0.0) { Trigger::Note(lo) } else { Trigger::Range { lo: lo.min(hi), hi: hi.max(lo) } };
    let velocity = (num("lovel")?.unwrap_or(1.0).clamp(1.0, 127.0) as u8, num("hivel")?.unwrap_or(127.0).clamp(1.0, 127.0) as u8);
    let loop_mode = get("loop_mode").or_else(|| get("loopmode")).map(|(v, _, _)| v.as_str());
    let mode = if loop_mode == Some("one_shot") { PlayMode::OneShot } else { PlayMode::Gate };

    // A controller condition (`loccN`/`hiccN`) and a controller that
    // plays the region (`on_loccN`/`on_hiccN`), the first named of each.
    let (mut cc, mut pedal): (Option<CcRange>, Option<CcRange>) = (None, None);
    for (name, (value, file, line)) in region {
        let (target, bare) = match name.strip_prefix("on_") {
            Some(bare) => (&mut pedal, bare),
            None => (&mut cc, name.as_str()),
        };
        let Some((number, low)) = cc_condition(bare) else { continue };
        let v = value
            .parse::<u8>()
            .ok()
            .filter(|&v| v <= 127)
            .ok_or_else(|| format!("{}:{line}: {name}={value}: not a controller value (0-127)", file.display()))?;
        let range = target.get_or_insert(CcRange { cc: number, lo: 0, hi: 127 });
        if range.cc == number {
            if low {
                range.lo = v;
            } else {
                range.hi = v;
            }
        }
    }
    let mut pad = PadModel::empty(index);
    pad.mapping = Mapping {
        trigger,
        // The velocities are the sample's (its velocity layer).
        velocity: (1, 127),
        mode,
        choke_group: 0,
        choked_by: None,
        cc,
        aftertouch_chokes: false,
        pedal,
    };
    let s = &mut pad.settings;
    s.gain_db = settings::PAD_GAIN_DB.clamp(num("volume")?.unwrap_or(0.0) as f32);
    s.pan = settings::PAN.clamp((num("pan")?.unwrap_or(0.0) / 100.0) as f32);
    s.tune_semitones = settings::TUNE_SEMITONES.clamp(num("transpose")?.unwrap_or(0.0) as f32) as i32;
    s.reverse = get("direction").is_some_and(|(v, _, _)| v == "reverse");
    s.attack = settings::ATTACK_S.clamp(num("ampeg_attack")?.unwrap_or(0.0) as f32);
    s.hold = settings::HOLD_S.clamp(num("ampeg_hold")?.unwrap_or(0.0) as f32);
    // SFZ's decay defaults to 0 with sustain 100: no decay at all, as ours.
    s.decay = settings::DECAY_S.clamp(num("ampeg_decay")?.unwrap_or(0.0) as f32);
    s.sustain = settings::SUSTAIN_PCT.clamp(num("ampeg_sustain")?.unwrap_or(100.0) as f32);
    s.release = settings::RELEASE_S.clamp(num("ampeg_release")?.unwrap_or(0.001) as f32);
    s.pitch_keytrack = settings::PITCH_KEYTRACK_CT.clamp(keytrack as f32);
    s.voices = settings::PAD_VOICES.clamp(num("polyphony")?.unwrap_or(0.0) as f32).round() as u32;
    // One voice per note cuts a repeated note; more, the pad's voice limit
    // stands in for it.
    if num("note_polyphony")?.is_some_and(|n| n <= 1.0) {
        s.retrigger = Retrigger::Cut;
    }
    if let Some((mode, file, line)) = get("off_mode") {
        s.off_mode = match mode.as_str() {
            "fast" => OffMode::Fast,
            "normal" => OffMode::Normal,
            other => return Err(format!("{}:{line}: off_mode={other}: expected fast or normal", file.display())),
        };
    }
    if let Some(seconds) = num("off_time")? {
        s.choke_fade = settings::CHOKE_FADE_S.clamp(seconds as f32);
    }
    s.velocity_amount = settings::VELOCITY_AMOUNT_PCT.clamp(num("amp_veltrack")?.unwrap_or(100.0).abs() as f32);
    if let Some((kind, file, line)) = get("fil_type") {
        let (kind, slope) = match kind.as_str() {
            "lpf_1p" => (FilterType::LowPass, FilterSlope::Db6),
            "lpf_2p" => (FilterType::LowPass, FilterSlope::Db12),
            "lpf_4p" => (FilterType::LowPass, FilterSlope::Db24),
            "hpf_1p" => (FilterType::HighPass, FilterSlope::Db6),
            "hpf_2p" => (FilterType::HighPass, FilterSlope::Db12),
            "hpf_4p" => (FilterType::HighPass, FilterSlope::Db24),
            "bpf_1p" | "bpf_2p" => (FilterType::BandPass, FilterSlope::Db12),
            "bpf_4p" => (FilterType::BandPass, FilterSlope::Db24),
            other => return Err(format!("{}:{line}: fil_type={other}: not a filter this sampler has", file.display())),
        };
        s.filter = FilterSettings { kind, slope, ..FilterSettings::default() };
    }
    if let Some(cutoff) = num("cutoff")? {
        if s.filter.kind == FilterType::Off {
            // SFZ: a cutoff without a type is a 2-pole low-pass.
            s.filter.kind = FilterType::LowPass;
        }
        s.filter.cutoff = settings::CUTOFF_HZ.clamp(cutoff as f32);
    }
    s.filter.resonance = settings::RESONANCE_DB.clamp(num("resonance")?.unwrap_or(0.0) as f32);

    let mut params = SampleParams::whole(center);
    params.velocity = (velocity.0.min(velocity.1), velocity.1.max(velocity.0));
    params.tune_cents = settings::SAMPLE_TUNE_CENTS.clamp(num("tune")?.unwrap_or(0.0) as f32);
    params.start = num("offset")?.unwrap_or(0.0).max(0.0) as u32;
    if let Some(end) = num("end")? {
        // SFZ's end is the last frame played.
        params.end = (end.max(0.0) as u32).saturating_add(1);
    }
    let looping = match loop_mode {
        Some("loop_continuous") => Some(false),
        Some("loop_sustain") => Some(true),
        _ => None,
    };
    if let Some(sustain) = looping {
        let start = num("loop_start")?.or(num("loopstart")?).unwrap_or(0.0).max(0.0) as u32;
        let end = num("loop_end")?.or(num("loopend")?).map_or(0, |e| (e.max(0.0) as u32).saturating_add(1));
        params.looping = Loop { mode: LoopMode::Forward, start, end, sustain, ..Loop::default() };
    }
    pad.samples.push(SampleRecord { file: sample, params, embedded: None });
    let turns = Turns { group: num("group")?.map(|g| g as i64), off_by: num("off_by")?.map(|g| g as i64) };
    let (lorand, hirand) = (num("lorand")?, num("hirand")?);
    let seq = num("seq_position")?;
    let random = lorand.is_some() || hirand.is_some();
    let turn = Turn { seq: seq.unwrap_or(1.0), lorand: lorand.unwrap_or(0.0), random, ordered: random || seq.is_some() };
    Ok((pad, turns, turn))
}

/// A note number or name: `60`, `c4` (= 60), `c#4`, `db4`, `c-1` (= 0).
pub fn parse_note(text: &str) -> Option<u8> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i32>() {
        return u8::try_from(n).ok().filter(|n| *n <= 127);
    }
    let mut chars = t.chars();
    let letter = chars.next()?.to_ascii_lowercase();
    let base = match letter {
        'c' => 0,
        'd' => 2,
        'e' => 4,
        'f' => 5,
        'g' => 7,
        'a' => 9,
        'b' => 11,
        _ => return None,
    };
    let rest: String = chars.collect();
    let (shift, octave) = match rest.chars().next() {
        Some('#') => (1, &rest[1..]),
        Some('b') if rest.len() > 1 && rest[1..].parse::<i32>().is_ok() => (-1, &rest[1..]),
        _ => (0, rest.as_str()),
    };
    let octave: i32 = octave.parse().ok()?;
    let n = (octave + 1) * 12 + base + shift;
    u8::try_from(n).ok().filter(|n| *n <= 127)
}

/// Where the value starting `text` ends: at the next `name=` (after
/// whitespace) or header.
fn next_opcode_or_header(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            return i;
        }
        if bytes[i].is_ascii_whitespace() {
            let start = i;
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut k = j;
            while k < bytes.len() && (bytes[k].is_ascii_alphanumeric() || bytes[k] == b'_') {
                k += 1;
            }
            if k > j && k < bytes.len() && bytes[k] == b'=' {
                return start;
            }
            if j < bytes.len() && bytes[j] == b'<' {
                return start;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    bytes.len()
}

/// `line` without `//` comments and `/* */` comments (which may span lines:
/// `in_comment` carries that over).
fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            match rest.find("*/") {
                Some(end) => {
                    *in_comment = false;
                    rest = &rest[end + 2..];
                }
                None => return out,
            }
        }
        let block = rest.find("/*");
        let line_comment = rest.find("//");
        match (block, line_comment) {
            (Some(b), l) if l.is_none_or(|l| b < l) => {
                out.push_str(&rest[..b]);
                out.push(' ');
                *in_comment = true;
                rest = &rest[b + 2..];
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                return out;
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_names_follow_sfz_with_c4_as_middle_c() {
        assert_eq!(parse_note("c4"), Some(60));
        assert_eq!(parse_note("C#4"), Some(61));
        assert_eq!(parse_note("db4"), Some(61));
        assert_eq!(parse_note("c-1"), Some(0));
        assert_eq!(parse_note("g9"), Some(127));
        assert_eq!(parse_note("36"), Some(36));
        assert_eq!(parse_note("h2"), None);
        assert_eq!(parse_note("128"), None);
    }

    #[test]
    fn comments_go_and_values_run_to_the_next_opcode() {
        let mut c = false;
        assert_eq!(strip_comments("a=1 // b=2", &mut c), "a=1 ");
        assert_eq!(strip_comments("a=1 /* b=2", &mut c), "a=1  ");
        assert!(c);
        assert_eq!(strip_comments("still */ c=3", &mut c).trim(), "c=3");
        let v = "Kick 01.wav lokey=36";
        assert_eq!(&v[..next_opcode_or_header(v)], "Kick 01.wav");
        let v = "60<region>";
        assert_eq!(&v[..next_opcode_or_header(v)], "60");
    }
}
