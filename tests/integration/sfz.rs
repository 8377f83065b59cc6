//! SFZ import: a kit of generated samples written as an SFZ file (with
//! `#include`, `#define`, `<control>` `default_path`, backslashes, names in
//! another case, note names, inheritance from `<global>` and `<group>`, and
//! each supported opcode) reads as the same kit set up by hand, and renders
//! like it through `wasm-sampler-render --kit`; unknown opcodes are listed
//! once, and text that is not SFZ names the file and line.

use crate::common;
use common::*;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;

use wasm_sampler::cli::midi::TimedEvent;
use wasm_sampler::cli::render::{length_for, render, to_frames, Blocks, FrameEvent};
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::sfz;
use wasm_sampler::kit::{
    CcRange, FilterSettings, FilterSlope, FilterType, Kit, Loop, LoopMode, Mapping, OffMode, PadSettings, PlayMode, Retrigger, SampleParams, SampleRecord,
    Trigger,
};

fn write_kit(dir: &Path) {
    std::fs::create_dir_all(dir.join("samples")).unwrap();
    write_float_wav(&dir.join("samples/Kick.wav"), 48_000, 1, &signal(6_000, 41));
    let ints: Vec<i32> = signal(16_000, 42).iter().map(|&v| (v * 20_000.0) as i32).collect();
    write_int_wav(&dir.join("samples/snare.wav"), 44_100, 2, 16, &ints);
    write_float_wav(&dir.join("samples/hat.wav"), 48_000, 1, &signal(3_000, 43));
    write_float_wav(&dir.join("samples/bass.wav"), 48_000, 1, &signal(12_000, 44));
    std::fs::write(dir.join("common.sfzh"), "<control> default_path=samples\\\n#define $KICK 36\n").unwrap();
    std::fs::write(
        dir.join("kit.sfz"),
        r#"#include "common.sfzh"
// Generated for the test.
/* A block
   comment. */
<global> amp_veltrack=50 ampeg_release=0.05
<region> sample=kick.wav key=$KICK volume=-3 pan=-20 tune=12
 ampeg_attack=0.002 ampeg_decay=0.2 ampeg_sustain=40 loop_mode=one_shot
 fil_type=lpf_1p cutoff=2000 resonance=3
<region> sample=SNARE.wav key=d2 transpose=2 direction=reverse offset=100 end=7999 loop_mode=one_shot
<group> group=2 off_by=3 loop_mode=one_shot
<region> sample=hat.wav key=f#2 polyphony=1 note_polyphony=1 off_time=0.02
<group> group=3 off_by=2 loop_mode=one_shot
<region> sample=hat.wav key=a#2 lovel=1 hivel=100 amp_random=2 off_mode=normal
<group>
<region> sample=bass.wav lokey=c2 hikey=c5 pitch_keycenter=c3 loop_mode=loop_sustain loop_start=1000 loop_end=2999
 fil_type=hpf_4p cutoff=200 ampeg_hold=0.01 ampeg_release=0.1 pitch_keytrack=50
"#,
    )
    .unwrap();
}

/// The kit the SFZ file describes, set up by hand.
fn by_hand(dir: &Path) -> Kit {
    let base = PadSettings { velocity_amount: 50.0, release: 0.05, decay: 0.0, ..PadSettings::default() };
    let record = |name: &str, params: SampleParams| SampleRecord { file: dir.join("samples").join(name), params, embedded: None };
    let one_shot = |note| Mapping { mode: PlayMode::OneShot, ..Mapping::drum(note) };
    let mut kit = Kit::default();
    let p = kit.pad_mut(0);
    p.mapping = one_shot(36);
    p.settings = PadSettings {
        gain_db: -3.0,
        pan: -0.2,
        attack: 0.002,
        decay: 0.2,
        sustain: 40.0,
        filter: FilterSettings { kind: FilterType::LowPass, slope: FilterSlope::Db6, cutoff: 2_000.0, resonance: 3.0, ..FilterSettings::default() },
        ..base
    };
    p.samples.push(record("Kick.wav", SampleParams { tune_cents: 12.0, ..SampleParams::whole(36) }));
    let p = kit.pad_mut(1);
    p.mapping = one_shot(38);
    p.settings = PadSettings { tune_semitones: 2, reverse: true, ..base };
    p.samples.push(record("snare.wav", SampleParams { start: 100, end: 8_000, ..SampleParams::whole(38) }));
    let p = kit.pad_mut(2);
    // SFZ groups 3 and 2, as their off_bys first name them, are groups 1
    // and 2 here; each hat is choked by the other's group only.
    p.mapping = Mapping { choke_group: 2, choked_by: Some(1), ..one_shot(42) };
    p.settings = PadSettings { voices: 1, retrigger: Retrigger::Cut, choke_fade: 0.02, ..base };
    p.samples.push(record("hat.wav", SampleParams::whole(42)));
    let p = kit.pad_mut(3);
    p.mapping = Mapping { choke_group: 1, choked_by: Some(2), ..one_shot(46) };
    p.settings = PadSettings { off_mode: OffMode::Normal, ..base };
    p.samples.push(record("hat.wav", SampleParams { velocity: (1, 100), ..SampleParams::whole(46) }));
    let p = kit.pad_mut(4);
    p.mapping = Mapping { trigger: Trigger::Range { lo: 36, hi: 72 }, mode: PlayMode::Gate, ..Mapping::drum(0) };
    p.settings = PadSettings {
        hold: 0.01,
        release: 0.1,
        pitch_keytrack: 50.0,
        filter: FilterSettings { kind: FilterType::HighPass, slope: FilterSlope::Db24, cutoff: 200.0, ..FilterSettings::default() },
        ..base
    };
    let looping = Loop { mode: LoopMode::Forward, start: 1_000, end: 3_000, sustain: true, ..Loop::default() };
    p.samples.push(record("bass.wav", SampleParams { looping, ..SampleParams::whole(48) }));
    kit
}

#[test]
fn an_sfz_kit_reads_as_the_same_kit_set_up_by_hand_and_lists_what_it_ignores() {
    let dir = tempdir();
    write_kit(dir.path());
    let import = sfz::read(&dir.path().join("kit.sfz")).unwrap();
    let expected = by_hand(dir.path());
    for (i, (got, want)) in import.kit.pads.iter().zip(&expected.pads).enumerate() {
        assert_eq!(got, want, "pad {}", i + 1);
    }
    assert_eq!(import.kit, expected);
    assert_eq!(import.note, Some(format!("{}: ignored: amp_random", dir.path().join("kit.sfz").display())));
}

#[test]
fn an_sfz_kit_renders_through_the_cli_like_the_kit_set_up_by_hand() {
    let dir = tempdir();
    write_kit(dir.path());
    let rig = engine(wasm_sampler::DspBackend::Wasm, 48_000.0);
    rig.store.set_kit(by_hand(dir.path()));
    rig.store.load_kit(&AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    // Every pad (note 36 plays the kick and the bass, whose range starts
    // there), the hats choking each other, the bass held then let go.
    // (Whole MIDI ticks: 960 a second.)
    let notes = [(0.0, 36, true), (0.05, 38, true), (0.1, 42, true), (0.125, 46, true), (0.2, 48, true), (0.25, 60, true), (0.6, 60, false), (0.7, 46, true)];
    let timed: Vec<TimedEvent> = notes
        .iter()
        .map(|&(seconds, note, on)| TimedEvent {
            seconds,
            event: if on { NoteEvent::On { frame: 0, channel: 9, note, velocity: 102.0 / 127.0 } } else { NoteEvent::Off { frame: 0, channel: 9, note } },
        })
        .collect();
    let events = to_frames(&timed, 48_000);
    let expected = render(&rig.engine, &events, length_for(&events, 48_000, 1.0), &Blocks::Fixed(256));
    assert!(expected.left.iter().any(|&v| v != 0.0));

    let mid = path_in(&dir, "notes.mid");
    write_midi_events(&mid, &notes);
    let out = path_in(&dir, "out.wav");
    let o = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render"))
        .args(["--kit", dir.path().join("kit.sfz").to_str().unwrap(), "--midi", mid.to_str().unwrap(), "--tail", "1", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ignored: amp_random"), "the note reaches the user");
    let mut r = hound::WavReader::open(&out).unwrap();
    let s: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    let left: Vec<f32> = s.iter().step_by(2).copied().collect();
    assert_eq!(first_difference(&left, &expected.left), None);

    // Named relative to the working directory, as typed in a shell in the
    // kit's folder: the samples are found beside it, the same render.
    let o = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render"))
        .current_dir(dir.path())
        .args(["--kit", "kit.sfz", "--midi", "notes.mid", "--tail", "1", "--out", "relative.wav"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(dir.path().join("relative.wav")).unwrap(), std::fs::read(&out).unwrap());
}

/// A MIDI file (120 BPM, 480 ticks a beat) of notes at (seconds, key, on).
fn write_midi_events(path: &Path, notes: &[(f64, u8, bool)]) {
    use midly::num::{u15, u28, u4, u7};
    use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
    let ev = |delta: u32, kind| TrackEvent { delta: u28::new(delta), kind };
    let mut track = vec![ev(0, TrackEventKind::Meta(MetaMessage::Tempo(500_000.into())))];
    let mut last = 0;
    for &(seconds, key, on) in notes {
        let tick = (seconds * 960.0).round() as u32;
        let message =
            if on { MidiMessage::NoteOn { key: u7::new(key), vel: u7::new(102) } } else { MidiMessage::NoteOff { key: u7::new(key), vel: u7::new(0) } };
        track.push(ev(tick - last, TrackEventKind::Midi { channel: u4::new(9), message }));
        last = tick;
    }
    track.push(ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
    let smf = Smf { header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(480))), tracks: vec![track] };
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn text_that_is_not_sfz_names_the_file_and_line() {
    let dir = tempdir();
    let cases = [
        ("<region> sample=a.wav\nkey 36\n", ":2: cannot read `key 36`"),
        ("<region sample=a.wav\n", ":1: unclosed header"),
        ("<region> sample=a.wav key=h9\n", ":1: key=h9: not a note"),
        ("<region> sample=a.wav volume=loud\n", ":1: volume=loud: not a number"),
        ("#define NAME 1\n", ":1: #define needs $NAME and a value"),
        ("#include \"missing.sfzh\"\n", ":1: #include \"missing.sfzh\": no such file"),
        ("<region> sample=a.wav fil_type=comb\n", ":1: fil_type=comb: not a filter"),
    ];
    for (text, reason) in cases {
        let path = path_in(&dir, "bad.sfz");
        std::fs::write(&path, text).unwrap();
        let err = sfz::read(&path).unwrap_err();
        assert!(err.contains(reason) && err.contains("bad.sfz"), "expected `{reason}` in `{err}`");
        assert!(!err.contains('\n'));
    }
}

#[test]
fn a_hi_hat_pedals_cc_4_picks_the_closed_or_the_open_region_for_the_same_key() {
    let dir = tempdir();
    let (closed, open) = (signal(3_000, 51), signal(3_000, 52));
    write_float_wav(&dir.path().join("closed.wav"), 48_000, 1, &closed);
    write_float_wav(&dir.path().join("open.wav"), 48_000, 1, &open);
    std::fs::write(
        dir.path().join("hat.sfz"),
        "<group> key=42 loop_mode=one_shot\n<region> sample=closed.wav hicc4=63\n<region> sample=open.wav locc4=64 hicc4=127\n",
    )
    .unwrap();
    let import = sfz::read(&dir.path().join("hat.sfz")).unwrap();
    assert_eq!(import.note, None, "locc/hicc are read");
    let ccs: Vec<_> = import.kit.pads.iter().map(|p| p.mapping.cc).collect();
    assert_eq!(ccs, [Some(CcRange { cc: 4, lo: 0, hi: 63 }), Some(CcRange { cc: 4, lo: 64, hi: 127 })]);

    // The pedal up (CC 4 = 127) between two hits: the first is closed
    // (controllers start at 0), the second open, bit for bit.
    let rig = engine(wasm_sampler::DspBackend::Wasm, 48_000.0);
    rig.store.set_kit(import.kit);
    rig.store.load_kit(&AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    let events = [
        FrameEvent { frame: 0, event: NoteEvent::On { frame: 0, channel: 9, note: 42, velocity: 1.0 } },
        FrameEvent { frame: 4_000, event: NoteEvent::Controller { frame: 0, channel: 9, cc: 4, value: 127 } },
        FrameEvent { frame: 5_000, event: NoteEvent::On { frame: 0, channel: 9, note: 42, velocity: 1.0 } },
    ];
    let out = render(&rig.engine, &events, 8_000, &Blocks::Fixed(256)).left;
    assert_eq!(first_difference(&out[..3_000], &closed), None, "closed");
    assert_eq!(first_difference(&out[5_000..], &open), None, "open");
}

#[test]
fn regions_differing_in_velocity_and_turn_become_one_pad_with_layers_and_round_robin() {
    let dir = tempdir();
    // Each sample a constant level, so the output names the sample played.
    let levels = [("s1", 0.125), ("s2", 0.25), ("s3", 0.375), ("s4", 0.5), ("r1", 0.5), ("r2", 0.5), ("h1", 0.5), ("h2", 0.5)];
    for (name, level) in levels {
        write_float_wav(&dir.path().join(format!("{name}.wav")), 48_000, 1, &[level; 100]);
    }
    // A snare: two velocity layers, two hits each, listed out of order;
    // a ride with two hits at random; a hi-hat closed and open by CC 4.
    std::fs::write(
        dir.path().join("kit.sfz"),
        r#"<group> key=38 loop_mode=one_shot seq_length=2 amp_veltrack=0
<region> sample=s4.wav lovel=80 seq_position=2
<region> sample=s1.wav hivel=79 seq_position=1
<region> sample=s3.wav lovel=80 seq_position=1
<region> sample=s2.wav hivel=79 seq_position=2
<group> key=51 loop_mode=one_shot
<region> sample=r2.wav lorand=0.5 hirand=1
<region> sample=r1.wav lorand=0 hirand=0.5
<group> key=42 loop_mode=one_shot
<region> sample=h1.wav locc4=0 hicc4=63
<region> sample=h2.wav locc4=64 hicc4=127
<region> sample=h1.wav key=44 on_locc4=100 on_hicc4=127
<group> key=40 loop_mode=one_shot
<region> sample=s1.wav
<region> sample=s2.wav
"#,
    )
    .unwrap();
    let import = sfz::read(&dir.path().join("kit.sfz")).unwrap();
    assert_eq!(import.note, None, "every opcode is used");
    let kit = import.kit;
    assert_eq!(kit.pads.len(), 7, "snare, ride, closed hat, open hat, pedal chick, and two stacked regions");
    // Regions on one key and velocity with no turn of their own sound
    // together, as in SFZ: a pad each.
    assert_eq!((kit.pads[5].samples.len(), kit.pads[6].samples.len()), (1, 1));
    assert_eq!((kit.pads[5].mapping.trigger, kit.pads[6].mapping.trigger), (wasm_sampler::kit::Trigger::Note(40), wasm_sampler::kit::Trigger::Note(40)));
    let files =
        |pad: usize| kit.pads[pad].samples.iter().map(|r| (r.file.file_name().unwrap().to_string_lossy().to_string(), r.params.velocity)).collect::<Vec<_>>();
    let names = |v: &[(&str, (u8, u8))]| v.iter().map(|(n, r)| (format!("{n}.wav"), *r)).collect::<Vec<_>>();
    assert_eq!(files(0), names(&[("s1", (1, 79)), ("s2", (1, 79)), ("s3", (80, 127)), ("s4", (80, 127))]));
    assert_eq!(kit.pads[0].settings.round_robin, wasm_sampler::kit::RoundRobin::Cycle);
    assert_eq!(files(1), names(&[("r1", (1, 127)), ("r2", (1, 127))]));
    assert_eq!(kit.pads[1].settings.round_robin, wasm_sampler::kit::RoundRobin::Random);
    assert_eq!(kit.pads[2].mapping.cc, Some(CcRange { cc: 4, lo: 0, hi: 63 }));
    assert_eq!(kit.pads[3].mapping.cc, Some(CcRange { cc: 4, lo: 64, hi: 127 }));
    assert_eq!((kit.pads[4].mapping.pedal, kit.pads[4].mapping.cc), (Some(CcRange { cc: 4, lo: 100, hi: 127 }), None));

    // Played: soft hits take turns s1, s2, s1; loud ones s3, s4.
    let rig = engine(wasm_sampler::DspBackend::Wasm, 48_000.0);
    rig.store.set_kit(kit);
    rig.store.load_kit(&AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    let hit = |frame, velocity: f32| FrameEvent { frame, event: NoteEvent::On { frame: 0, channel: 9, note: 38, velocity: velocity / 127.0 } };
    let events = [hit(0, 40.0), hit(200, 40.0), hit(400, 100.0), hit(600, 40.0), hit(800, 100.0)];
    let out = render(&rig.engine, &events, 1_000, &Blocks::Fixed(128));
    let heard: Vec<f32> = (0..5).map(|i| out.left[i * 200 + 2]).collect();
    assert_eq!(heard, [0.125, 0.25, 0.375, 0.125, 0.5]);
    // The pedal closing (CC 4 up to 127) plays the chick, h1 at 0.5.
    let cc = |frame, value| FrameEvent { frame, event: NoteEvent::Controller { frame: 0, channel: 9, cc: 4, value } };
    let out = render(&rig.engine, &[cc(0, 50), cc(100, 127), cc(200, 0)], 400, &Blocks::Fixed(64));
    assert_eq!((out.left[50], out.left[102], out.left[199], out.left[300]), (0.0, 0.5, 0.5, 0.0));
}
