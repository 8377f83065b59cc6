//! `wasm-sampler-render`: renders MIDI through the sampler engine to a WAV
//! file, headless. The command line is a contract other tools and tests rely
//! on; see `USAGE`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use wasm_sampler::cli::demo;
use wasm_sampler::cli::midi::{read_midi_file, TimedEvent};
use wasm_sampler::cli::render::{length_for, render_outputs, to_frames, write_wav, Blocks};
use wasm_sampler::engine::{DspBackend, Engine, EngineOptions, GuestModule};
use wasm_sampler::kit::{Interpolation, KitStore, Mapping};

const USAGE: &str = "\
usage: wasm-sampler-render --out OUT.wav|--out-dir DIR [--kit KIT.json|KIT.sfz] [--sample NOTE=PATH]...
                           [--midi FILE.mid] [--rate HZ] [--block N] [--tail SECONDS]
                           [--quality cubic|linear|sinc] [--polyphony N] [--memory MIB] [--demo]
                           [--stats STATS.json]
                           [--engine wasm|native] [--guest FILE.wasm]

  --out OUT.wav        32-bit float stereo WAV of the main output
  --out-dir DIR        write every output a pad plays into to its own WAV in DIR: main.wav,
                       and out-2.wav … out-9.wav for the auxiliary outputs in use
                       (one of --out and --out-dir is required; both may be given)
  --kit KIT.json|.sfz  open a kit file (saved by the editor or written by hand; sample
                       paths relative to the kit file's folder) or an SFZ file, one pad per
                       region; --sample pads follow its pads
  --sample NOTE=PATH   load an audio file (WAV, AIFF, FLAC, Ogg Vorbis, MP3) into a one-shot pad
                       triggered by MIDI note NOTE (0-127); repeatable
  --midi FILE.mid      Standard MIDI File (format 0 or 1) to play
  --rate HZ            output sample rate (default 48000)
  --block N            frames per engine call (default 256); the output does not depend on it
  --tail SECONDS       seconds rendered after the last event (default 2)
  --quality KERNEL     render quality: the interpolation (cubic, linear or sinc) of every pad
                       set to follow the kit (new pads, SFZ regions); default: the kit file's,
                       else cubic
  --polyphony N        voices at once before the quietest is stolen, 1-1024 (default: the kit
                       file's, else 64)
  --memory MIB         sample memory budget in MiB, 16-4095 (default: the kit file's, else
                       2048); a sample that does not fit is refused with what is free
  --demo               load the embedded demo kit; without --midi, play the embedded pattern
  --stats STATS.json   write render statistics as JSON
  --engine wasm|native run the guest in wasmtime (default) or the same DSP compiled natively
  --guest FILE.wasm    run this guest module instead of the embedded one (wasm engine only)";

struct Args {
    out: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    polyphony: Option<u32>,
    memory_mib: Option<u32>,
    samples: Vec<(u8, PathBuf)>,
    kit: Option<PathBuf>,
    midi: Option<PathBuf>,
    rate: u32,
    block: usize,
    tail: f64,
    quality: Option<Interpolation>,
    demo: bool,
    stats: Option<PathBuf>,
    engine: DspBackend,
    guest: Option<PathBuf>,
}

fn parse_args() -> Result<Option<Args>, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut args = Args {
        out: None,
        out_dir: None,
        polyphony: None,
        memory_mib: None,
        samples: Vec::new(),
        kit: None,
        midi: None,
        rate: 48_000,
        block: 256,
        tail: 2.0,
        quality: None,
        demo: false,
        stats: None,
        engine: DspBackend::Wasm,
        guest: None,
    };
    let text = |v: std::ffi::OsString, flag: &str| v.into_string().map_err(|_| format!("{flag}: the value is not valid UTF-8"));
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("out") => args.out = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Long("out-dir") => args.out_dir = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Long("polyphony") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--polyphony")?;
                let max = wasm_sampler::settings::POLYPHONY.max as u32;
                args.polyphony =
                    Some(v.parse().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| format!("--polyphony {v}: expected a voice count from 1 to {max}"))?);
            }
            Long("memory") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--memory")?;
                let range = wasm_sampler::settings::MEMORY_BUDGET_MIB;
                let (min, max) = (range.min as u32, range.max as u32);
                args.memory_mib =
                    Some(v.parse().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| format!("--memory {v}: expected MiB from {min} to {max}"))?);
            }
            Long("sample") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--sample")?;
                let (note, path) = v.split_once('=').ok_or_else(|| format!("--sample {v}: expected NOTE=PATH, e.g. 36=kick.wav"))?;
                let note: u8 = note.trim().parse().ok().filter(|n| *n <= 127).ok_or_else(|| format!("--sample {v}: NOTE must be a MIDI note number 0-127"))?;
                if path.is_empty() {
                    return Err(format!("--sample {v}: the path is empty"));
                }
                args.samples.push((note, PathBuf::from(path)));
            }
            Long("midi") => args.midi = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Long("rate") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--rate")?;
                args.rate = v
                    .parse()
                    .ok()
                    .filter(|r| (8_000..=768_000).contains(r))
                    .ok_or_else(|| format!("--rate {v}: expected a sample rate in Hz from 8000 to 768000"))?;
            }
            Long("block") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--block")?;
                args.block = v
                    .parse()
                    .ok()
                    .filter(|b| (1..=1 << 20).contains(b))
                    .ok_or_else(|| format!("--block {v}: expected a block size from 1 to 1048576 frames"))?;
            }
            Long("tail") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--tail")?;
                args.tail = v
                    .parse()
                    .ok()
                    .filter(|t: &f64| t.is_finite() && (0.0..=3600.0).contains(t))
                    .ok_or_else(|| format!("--tail {v}: expected seconds from 0 to 3600"))?;
            }
            Long("quality") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--quality")?;
                args.quality = Some(match v.as_str() {
                    "cubic" => Interpolation::Cubic,
                    "linear" => Interpolation::Linear,
                    "sinc" => Interpolation::Sinc,
                    _ => return Err(format!("--quality {v}: expected cubic, linear or sinc")),
                });
            }
            Long("demo") => args.demo = true,
            Long("kit") => args.kit = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Long("stats") => args.stats = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Long("engine") => {
                let v = text(parser.value().map_err(|e| e.to_string())?, "--engine")?;
                args.engine = match v.as_str() {
                    "wasm" => DspBackend::Wasm,
                    "native" => DspBackend::Native,
                    _ => return Err(format!("--engine {v}: expected wasm or native")),
                };
            }
            Long("guest") => args.guest = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    if args.out.is_none() && args.out_dir.is_none() {
        return Err("--out OUT.wav or --out-dir DIR is required (see --help)".into());
    }
    if args.guest.is_some() && args.engine == DspBackend::Native {
        return Err("--guest runs a wasm module; it cannot be combined with --engine native".into());
    }
    if args.demo && args.kit.is_some() {
        return Err("--kit and --demo both fill the pads; give one of them".into());
    }
    if !args.demo && args.midi.is_none() {
        return Err("nothing to play: give --midi FILE.mid or --demo".into());
    }
    Ok(Some(args))
}

#[derive(serde::Serialize)]
struct Stats {
    frames: u64,
    seconds: f64,
    rate: u32,
    block: usize,
    render_wall_seconds: f64,
    process_seconds: f64,
    realtime_factor: f64,
    module_load_seconds: Option<f64>,
    #[serde(flatten)]
    engine: wasm_sampler::EngineStats,
}

fn run(args: Args) -> Result<(), String> {
    let module = match &args.guest {
        Some(path) => Some(Arc::new(GuestModule::from_file(path).map_err(|e| e.to_string())?)),
        None if args.engine == DspBackend::Wasm => Some(GuestModule::embedded().map_err(|e| e.to_string())?),
        None => None,
    };
    let module_load_seconds = module.as_ref().map(|m| m.load_seconds());
    let engine =
        Engine::new(EngineOptions { backend: args.engine, sample_rate: args.rate as f32, module, ..EngineOptions::default() }).map_err(|e| e.to_string())?;
    let engine = Arc::new(engine);
    let kit = KitStore::with_engine(engine.clone());
    if let Some(mib) = args.memory_mib {
        kit.set_memory_budget_mib(mib)?;
    }

    let mut pad = 0;
    if args.demo {
        demo::load_kit(&kit).map_err(|e| e.to_string())?;
        pad = demo::kit().len();
    }
    if let Some(path) = &args.kit {
        pad = open_kit(&kit, path, args.memory_mib)?;
    }
    for (note, path) in &args.samples {
        kit.edit(pad, |p| p.mapping = Mapping::drum(*note))?;
        kit.load_file(pad, path).map_err(|e| e.to_string())?;
        pad += 1;
    }
    if let Some(quality) = args.quality {
        kit.set_render_quality(quality);
    }
    if let Some(voices) = args.polyphony {
        kit.set_polyphony(voices)?;
    }
    let timed: Vec<TimedEvent> = match &args.midi {
        Some(path) => read_midi_file(path)?,
        None => demo::pattern(),
    };
    let events = to_frames(&timed, args.rate);
    let frames = length_for(&events, args.rate, args.tail);
    // The outputs pads play into: all of them up to the last one used.
    let used: Vec<u8> = {
        let mut used: Vec<u8> = kit.kit().pads.iter().filter(|p| !p.samples.is_empty()).map(|p| p.settings.output).collect();
        used.sort_unstable();
        used.dedup();
        used
    };
    let buses = if args.out_dir.is_some() { used.last().map_or(1, |&b| b as usize + 1) } else { 1 };
    let out = render_outputs(&engine, &events, frames, &Blocks::Fixed(args.block), buses);
    if let Some(path) = &args.out {
        write_wav(path, args.rate, &out.left, &out.right)?;
    }
    let mut written = Vec::new();
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the folder ({e})", dir.display()))?;
        let main = dir.join("main.wav");
        write_wav(&main, args.rate, &out.left, &out.right)?;
        written.push(main);
        for &bus in used.iter().filter(|&&b| b > 0) {
            let [l, r] = &out.aux[bus as usize - 1];
            let path = dir.join(format!("out-{}.wav", bus + 1));
            write_wav(&path, args.rate, l, r)?;
            written.push(path);
        }
    }

    let seconds = frames as f64 / args.rate as f64;
    let stats = Stats {
        frames,
        seconds,
        rate: args.rate,
        block: args.block,
        render_wall_seconds: out.wall_seconds,
        process_seconds: out.process_seconds,
        realtime_factor: seconds / out.wall_seconds.max(1e-9),
        module_load_seconds,
        engine: engine.stats(),
    };
    if let Some(path) = &args.stats {
        let json = serde_json::to_string_pretty(&stats).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(path, json + "\n").map_err(|e| format!("{}: cannot write the stats ({e})", path.display()))?;
    }
    let names: Vec<String> = args.out.iter().chain(&written).map(|p| p.display().to_string()).collect();
    println!(
        "{}: {:.2} s ({} frames, {} Hz) rendered in {:.3} s, {:.0}x realtime, peak {} voices, {} sample bytes in {} bytes of linear memory",
        names.join(", "),
        seconds,
        frames,
        args.rate,
        out.wall_seconds,
        stats.realtime_factor,
        stats.engine.peak_voices,
        stats.engine.sample_bytes,
        stats.engine.memory_bytes
    );
    Ok(())
}

/// Opens the kit file at `path`, loading every sample; returns the next
/// free pad. Any pad that cannot load fails the
/// render, naming the pad and the file.
/// Opens a kit file and loads it (with `memory_mib` in place of the kit's
/// sample memory budget, if given).
fn open_kit(store: &KitStore, path: &std::path::Path, memory_mib: Option<u32>) -> Result<usize, String> {
    let (mut kit, note) = wasm_sampler::kit::file::open(path)?;
    if let Some(mib) = memory_mib {
        kit.memory_budget_mib = mib;
    }
    if let Some(note) = note {
        eprintln!("wasm-sampler-render: {note}");
    }
    let pads = kit.pads.len();
    store.set_kit(kit);
    let mut failed = None;
    store.load_kit(&std::sync::atomic::AtomicBool::new(false), |pad, e| {
        failed.get_or_insert_with(|| format!("{}: pad {}: {e}", path.display(), pad + 1));
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(pads),
    }
}

fn main() -> ExitCode {
    // Any bug that panics still ends in one line, never a backtrace: the
    // hook says nothing (a panic the decoders or the MIDI reader catch
    // becomes that file's error line), and one that reaches here is told.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(cli_main) {
        Ok(code) => code,
        Err(panic) => {
            eprintln!("wasm-sampler-render: internal error: {}", wasm_sampler::panic_text(&*panic));
            ExitCode::from(101)
        }
    }
}

fn cli_main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-sampler-render: {e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-sampler-render: {e}");
            ExitCode::FAILURE
        }
    }
}
