//! The built plugin binary, loaded the way a DAW loads a CLAP plugin (with
//! clack-host): descriptor and ports, activation at 44.1, 48 and 96 kHz, a
//! kit restored from state pointing at WAV files written here, loading in the
//! background, notes at frame offsets in blocks of varying size, the exact
//! expected output, state save -> load -> save byte-identical, and no NaN,
//! infinity or denormal in any output.
//!
//! The binary is the debug cdylib cargo builds for these tests (a `.clap` on
//! Linux is that shared library), with nice-plug's `assert_process_allocs`
//! on: an allocation inside `process` aborts this test.

use crate::common;
use common::*;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::NoteOnEvent;
use clack_host::events::Match;
use clack_host::prelude::*;
use common::clap::*;

#[test]
fn descriptor_and_ports_describe_a_stereo_instrument_sampler() {
    let host = Host::load();
    let factory = host.entry.get_plugin_factory().unwrap();
    let d = factory.plugin_descriptors().next().unwrap();
    assert_eq!(d.id().unwrap().to_str().unwrap(), "org.wasm-sampler.wasm-sampler");
    assert_eq!(d.name().unwrap().to_str().unwrap(), "Wasm Sampler");
    let features: Vec<String> = d.features().map(|f| f.to_string_lossy().to_string()).collect();
    for f in ["instrument", "sampler", "stereo"] {
        assert!(features.iter().any(|x| x == f), "{f} in {features:?}");
    }
    let mut inst = host.instance();
    let ports: PluginAudioPorts = inst.plugin_handle().get_extension().expect("audio ports");
    let h = inst.plugin_handle();
    assert_eq!(ports.count(&h, true), 0, "no audio input");
    assert_eq!(ports.count(&h, false), 9, "main and 8 auxiliary outputs");
    for i in 0..9 {
        let mut buf = AudioPortInfoBuffer::new();
        let port = ports.get(&h, i, false, &mut buf).expect("output port");
        assert_eq!(port.channel_count, 2);
        let name = String::from_utf8_lossy(port.name).to_string();
        assert_eq!(name, if i == 0 { "Main".to_string() } else { format!("Out {}", i + 1) });
    }
}

#[test]
fn a_kit_restored_from_state_plays_exactly_at_44k1_48k_and_96k() {
    let dir = tempdir();
    let host = Host::load();
    for rate in [44_100u32, 48_000, 96_000] {
        // Samples at the host's rate: neutral playback is bit-exact.
        let (a, b) = (signal(3_000, rate), signal(2_000, rate + 1));
        let stereo_l = signal(1_500, 5);
        let stereo: Vec<f32> = stereo_l.iter().flat_map(|&x| [x, -x * 0.5]).collect();
        let files = [path_in(&dir, &format!("a{rate}.wav")), path_in(&dir, &format!("b{rate}.wav")), path_in(&dir, &format!("s{rate}.wav"))];
        write_float_wav(&files[0], rate, 1, &a);
        write_float_wav(&files[1], rate, 1, &b);
        write_float_wav(&files[2], rate, 2, &stereo);

        let mut inst = host.instance();
        let blob = state_with_kit(&save_state(&mut inst), &files);
        let loaded_at = Instant::now();
        load_state(&mut inst, &blob);
        assert!(loaded_at.elapsed() < Duration::from_millis(200), "state load must not wait for decoding");

        let config = PluginAudioConfiguration { sample_rate: rate as f64, min_frames_count: 1, max_frames_count: 4096 };
        let mut proc = inst.activate(|_, _| (), config).expect("activate").start_processing().expect("start");
        let mut steady = 0u64;

        // Wait for the background loading: probe the last pad until it sounds.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            std::thread::sleep(Duration::from_millis(10));
            let probe = run(&mut proc, &mut inst, &[(0, Msg::On(38))], 256, &[256], &mut steady);
            if probe[0].iter().any(|&s| s != 0.0) {
                break;
            }
            assert!(Instant::now() < deadline, "kit did not load at {rate} Hz");
        }
        // Silence everything (5 ms fade) before the measured render.
        run(&mut proc, &mut inst, &[(0, Msg::AllSoundOff)], 2048, &[512], &mut steady);

        let msgs = [(100, Msg::On(36)), (1_234, Msg::On(37)), (1_900, Msg::On(38)), (1_950, Msg::Off(36))];
        let total = 6_000;
        let mut expected = [vec![0f32; total], vec![0f32; total]];
        for (i, &x) in a.iter().enumerate() {
            expected[0][100 + i] += x;
            expected[1][100 + i] += x;
        }
        for (i, &x) in b.iter().enumerate() {
            expected[0][1_234 + i] += x;
            expected[1][1_234 + i] += x;
        }
        for (i, &x) in stereo_l.iter().enumerate() {
            expected[0][1_900 + i] += x;
            expected[1][1_900 + i] += -x * 0.5;
        }
        for blocks in [vec![512], vec![1], vec![4096], vec![480, 17, 1000, 64, 333]] {
            let out = run(&mut proc, &mut inst, &msgs, total, &blocks, &mut steady);
            assert_clean(&out, &format!("{rate} Hz"));
            for ch in 0..2 {
                assert_eq!(first_difference(&out[ch], &expected[ch]), None, "{rate} Hz, blocks {blocks:?}, channel {ch}");
            }
        }
        inst.deactivate(proc.stop_processing());

        // save -> load -> save gives the same bytes.
        let saved = save_state(&mut inst);
        let mut other = host.instance();
        load_state(&mut other, &saved);
        assert_eq!(save_state(&mut other), saved, "state round trip at {rate} Hz");
        assert_eq!(save_state(&mut inst), saved, "saving twice");
    }
}

#[test]
fn a_controller_from_the_host_picks_which_pad_a_note_plays() {
    // Two pads on note 36: one while CC 4 is 0-63 (where it starts), one
    // while it is 64-127.
    let dir = tempdir();
    let (closed, open) = (signal(1_000, 61), signal(1_000, 62));
    let files = [path_in(&dir, "closed.wav"), path_in(&dir, "open.wav")];
    write_float_wav(&files[0], 48_000, 1, &closed);
    write_float_wav(&files[1], 48_000, 1, &open);
    let mut kit = wasm_sampler::kit::Kit::default();
    for (i, (file, lo, hi)) in [(&files[0], 0, 63), (&files[1], 64, 127)].into_iter().enumerate() {
        let pad = kit.pad_mut(i);
        pad.mapping = wasm_sampler::kit::Mapping { cc: Some(wasm_sampler::kit::CcRange { cc: 4, lo, hi }), ..wasm_sampler::kit::Mapping::drum(36) };
        pad.samples.push(record(file, 36));
    }
    let host = Host::load();
    let mut inst = host.instance();
    let blob = state_with(&save_state(&mut inst), &kit);
    load_state(&mut inst, &blob);
    let config = PluginAudioConfiguration { sample_rate: 48_000.0, min_frames_count: 1, max_frames_count: 4096 };
    let mut proc = inst.activate(|_, _| (), config).expect("activate").start_processing().expect("start");
    let mut steady = 0u64;
    let deadline = Instant::now() + Duration::from_secs(20);
    // Wait for the background loading, pad by pad: each sounds once it is in.
    for cc in [127, 0] {
        while run(&mut proc, &mut inst, &[(0, Msg::Cc(4, cc)), (1, Msg::On(36))], 256, &[256], &mut steady)[0].iter().all(|&s| s == 0.0) {
            assert!(Instant::now() < deadline, "the kit did not load");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    run(&mut proc, &mut inst, &[(0, Msg::AllSoundOff)], 2048, &[512], &mut steady);
    let out = run(&mut proc, &mut inst, &[(0, Msg::On(36)), (1_500, Msg::Cc(4, 127)), (2_000, Msg::On(36))], 3_000, &[512], &mut steady);
    assert_eq!(first_difference(&out[0][..1_000], &closed), None, "CC 4 at 0: the first pad");
    assert_eq!(first_difference(&out[0][2_000..], &open), None, "CC 4 at 127: the second pad");
    run(&mut proc, &mut inst, &[(0, Msg::Cc(4, 0))], 256, &[256], &mut steady);
    inst.deactivate(proc.stop_processing());
}

#[test]
fn aftertouch_from_the_host_chokes_a_cymbal_pad_that_asks_for_it() {
    // A long ride on note 51 that chokes on aftertouch, and one that does
    // not on note 53.
    let dir = tempdir();
    let ride = signal(20_000, 71);
    let file = path_in(&dir, "ride.wav");
    write_float_wav(&file, 48_000, 1, &ride);
    let mut kit = wasm_sampler::kit::Kit::default();
    for (i, (note, chokes)) in [(51, true), (53, false)].into_iter().enumerate() {
        let pad = kit.pad_mut(i);
        pad.mapping = wasm_sampler::kit::Mapping { aftertouch_chokes: chokes, ..wasm_sampler::kit::Mapping::drum(note) };
        pad.samples.push(record(&file, note));
    }
    let (mut inst, mut proc, mut steady) = start_with_kit(&Host::load(), &kit, 53);
    for (note, chokes) in [(51u8, true), (53, false)] {
        let out = run(&mut proc, &mut inst, &[(0, Msg::On(note as u16)), (2_000, Msg::Aftertouch(note, 127))], 4_000, &[512], &mut steady);
        let after = &out[0][2_000 + 241..];
        if chokes {
            assert!(after.iter().all(|&s| s == 0.0), "note {note}: silent 5 ms after the aftertouch");
        } else {
            assert_eq!(first_difference(after, &ride[2_241..4_000]), None, "note {note}: plays on");
        }
        run(&mut proc, &mut inst, &[(0, Msg::AllSoundOff)], 2048, &[512], &mut steady);
    }
    inst.deactivate(proc.stop_processing());
}

#[test]
fn garbage_and_newer_state_are_refused_without_crashing() {
    let host = Host::load();
    let mut inst = host.instance();
    let default = save_state(&mut inst);
    // Garbage: the wrapper refuses it; the plugin keeps working.
    let state: PluginState = inst.plugin_handle().get_extension().unwrap();
    let _ = state.load(&inst.plugin_handle(), &mut &b"\x10\0\0\0\0\0\0\0not json at all!"[..]);
    // A kit from a newer version: defaults plus a logged error.
    let mut json: serde_json::Value = serde_json::from_slice(&default[8..]).unwrap();
    json["fields"]["kit"] = serde_json::Value::String(r#"{"version": 999, "pads": []}"#.into());
    let body = serde_json::to_vec(&json).unwrap();
    let mut blob = (body.len() as u64).to_le_bytes().to_vec();
    blob.extend(body);
    load_state(&mut inst, &blob);
    assert_eq!(save_state(&mut inst), default, "back to the default kit");
}

#[test]
fn embedded_samples_let_a_project_open_without_its_files() {
    let dir = tempdir();
    let host = Host::load();
    let (a, b) = (signal(4_000, 11), signal(2_500, 12));
    let files = [path_in(&dir, "a.wav"), path_in(&dir, "b.wav")];
    write_float_wav(&files[0], 48_000, 1, &a);
    write_float_wav(&files[1], 48_000, 1, &b);
    let file_bytes: usize = files.iter().map(|f| std::fs::metadata(f).unwrap().len() as usize).sum();

    let mut first = host.instance();
    let default = save_state(&mut first);
    let plain = state_with_kit(&default, &files);
    let embedding = with_embedding(&plain, true);
    load_state(&mut first, &embedding);
    let saved = save_state(&mut first);
    assert!(saved.len() > plain.len() + file_bytes * 4 / 3, "the audio is in the state: {} bytes", saved.len());
    assert_eq!(save_state(&mut first), saved, "saving twice gives the same bytes");
    load_state(&mut first, &plain);
    let unembedded = save_state(&mut first);
    assert!(unembedded.len() < plain.len() + 200, "no audio in the state when embedding is off");

    // The project moves to a machine without the files.
    for f in &files {
        std::fs::remove_file(f).unwrap();
    }
    let mut moved = host.instance();
    load_state(&mut moved, &saved);
    let (mut proc, mut steady, sounded) = activate_and_wait(&mut moved, 48_000, 37, Duration::from_secs(20));
    assert!(sounded, "the embedded kit loads");
    let out = run(&mut proc, &mut moved, &[(10, Msg::On(36)), (500, Msg::On(37))], 5_000, &[256], &mut steady);
    let mut expected = vec![0f32; 5_000];
    for (i, &x) in a.iter().enumerate() {
        expected[10 + i] += x;
    }
    for (i, &x) in b.iter().enumerate() {
        expected[500 + i] += x;
    }
    assert_eq!(first_difference(&out[0], &expected), None);
    moved.deactivate(proc.stop_processing());
    assert_eq!(save_state(&mut moved), saved, "the moved project saves the same bytes");
}

#[test]
fn a_missing_file_keeps_its_pad_path_and_settings_and_plays_silence() {
    let dir = tempdir();
    let host = Host::load();
    let present = path_in(&dir, "present.wav");
    write_float_wav(&present, 48_000, 1, &signal(1_000, 3));
    let files = [present.clone(), path_in(&dir, "missing.wav")];
    let mut inst = host.instance();
    let blob = state_with_kit(&save_state(&mut inst), &files);
    load_state(&mut inst, &blob);
    let (mut proc, mut steady, sounded) = activate_and_wait(&mut inst, 48_000, 36, Duration::from_secs(20));
    assert!(sounded, "the present file loads");
    let out = run(&mut proc, &mut inst, &[(0, Msg::On(37))], 2_000, &[256], &mut steady);
    assert!(out[0].iter().all(|&s| s == 0.0), "the missing pad is silent");
    inst.deactivate(proc.stop_processing());
    let saved = save_state(&mut inst);
    let kit_of = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(&b[8..]).unwrap()["fields"]["kit"].clone();
    assert_eq!(kit_of(&saved), kit_of(&blob), "the missing pad keeps its path and settings in the project");
    assert!(kit_of(&saved).as_str().unwrap().contains("missing.wav"));
}

#[test]
fn process_runs_allocation_free_while_kits_are_restored_on_the_main_thread() {
    let dir = tempdir();
    let host = Host::load();
    let kits: Vec<Vec<PathBuf>> = (0..3)
        .map(|k| {
            (0..4)
                .map(|p| {
                    let f = path_in(&dir, &format!("k{k}p{p}.wav"));
                    write_float_wav(&f, 44_100, 1 + (p % 2) as u16, &signal(20_000, k * 10 + p));
                    f
                })
                .collect()
        })
        .collect();
    let mut inst = host.instance();
    let default = save_state(&mut inst);
    let blobs: Vec<Vec<u8>> = kits.iter().map(|k| state_with_kit(&default, k)).collect();
    load_state(&mut inst, &blobs[0]);
    let (mut proc, mut steady, sounded) = activate_and_wait(&mut inst, 48_000, 39, Duration::from_secs(20));
    assert!(sounded);

    // The audio thread plays notes non-stop (debug build: any allocation in
    // process aborts) while the main thread restores kit after kit.
    let stop = AtomicBool::new(false);
    let port_count = output_ports(&mut inst);
    std::thread::scope(|scope| {
        let audio = scope.spawn(|| {
            // Every port a buffer, as CLAP hosts give them.
            let mut ports = AudioPorts::with_capacity(2 * port_count, port_count);
            let mut events = EventBuffer::with_capacity(64);
            let mut out: Vec<[Vec<f32>; 2]> = (0..port_count).map(|_| [vec![0f32; 1024], vec![0f32; 1024]]).collect();
            let mut blocks = 0u64;
            while !stop.load(Ordering::Acquire) {
                let n = [64usize, 256, 1024, 5][blocks as usize % 4];
                events.clear();
                let key = 36 + (blocks % 4) as u16;
                events.push(&NoteOnEvent::new(0, Pckn::new(0u16, 0u16, key, Match::All), 0.9));
                let mut outputs = ports.with_output_buffers(
                    out.iter_mut()
                        .map(|[l, r]| AudioPortBuffer { latency: 0, channels: AudioPortBufferType::f32_output_only([&mut l[..n], &mut r[..n]].into_iter()) }),
                );
                proc.process(&InputAudioBuffers::empty(), &mut outputs, &events.as_input(), &mut OutputEvents::void(), Some(steady), None).unwrap();
                steady += n as u64;
                assert!(out.iter().flatten().all(|c| c[..n].iter().all(|s| s.is_finite())));
                blocks += 1;
                std::thread::sleep(Duration::from_micros(200));
            }
            (proc, blocks)
        });
        for i in 0..30 {
            load_state(&mut inst, &blobs[i % blobs.len()]);
            pump(&mut inst);
            std::thread::sleep(Duration::from_millis(15));
        }
        stop.store(true, Ordering::Release);
        let (proc, blocks) = audio.join().unwrap();
        assert!(blocks > 100, "the audio thread ran ({blocks} blocks)");
        inst.deactivate(proc.stop_processing());
    });
}

#[test]
fn a_pad_routed_to_aux_3_plays_only_on_that_port_bit_exact_and_a_stereo_only_host_hears_the_main_mix() {
    let dir = tempdir();
    let (main, aux) = (signal(1_000, 81), signal(1_200, 82));
    let files = [path_in(&dir, "main.wav"), path_in(&dir, "aux-3.wav")];
    write_float_wav(&files[0], 48_000, 1, &main);
    write_float_wav(&files[1], 48_000, 1, &aux);
    let mut kit = wasm_sampler::kit::Kit::default();
    for (i, file) in files.iter().enumerate() {
        let pad = kit.pad_mut(i);
        pad.samples.push(record(file, 36));
    }
    kit.pad_mut(1).settings.output = 3;
    // A third pad, on main, loaded after the second (pads load in order):
    // once it sounds, the pad on aux 3 is loaded too.
    kit.pad_mut(2).samples.push(record(&files[0], 38));
    let host = Host::load();
    for stereo_only in [false, true] {
        let mut inst = host.instance();
        let blob = state_with(&save_state(&mut inst), &kit);
        load_state(&mut inst, &blob);
        if stereo_only {
            // The host picks the plugin's stereo configuration.
            let config: clack_extensions::audio_ports_config::PluginAudioPortsConfig = inst.plugin_handle().get_extension().expect("audio ports config");
            let h = inst.plugin_handle();
            assert_eq!(config.count(&h), 2);
            let mut buf = clack_extensions::audio_ports_config::AudioPortsConfigBuffer::default();
            let stereo = config.get(&h, 1, &mut buf).expect("second configuration");
            assert_eq!((stereo.name, stereo.output_port_count), (&b"Stereo"[..], 1));
            let id = stereo.id;
            config.select(&h, id).expect("select the stereo configuration");
        }
        assert_eq!(output_ports(&mut inst), if stereo_only { 1 } else { 9 });
        let config = PluginAudioConfiguration { sample_rate: 48_000.0, min_frames_count: 1, max_frames_count: 4096 };
        let mut proc = inst.activate(|_, _| (), config).expect("activate").start_processing().expect("start");
        let mut steady = 0u64;
        let deadline = Instant::now() + Duration::from_secs(20);
        // Every pad loaded: the last one sounds on the main port.
        loop {
            let out = run_outputs(&mut proc, &mut inst, &[(0, Msg::On(38))], 256, &[256], &mut steady);
            if out[0][0].iter().any(|&s| s != 0.0) {
                break;
            }
            assert!(Instant::now() < deadline, "the kit did not load");
            std::thread::sleep(Duration::from_millis(10));
        }
        run(&mut proc, &mut inst, &[(0, Msg::AllSoundOff)], 2048, &[512], &mut steady);
        let out = run_outputs(&mut proc, &mut inst, &[(100, Msg::On(36)), (100, Msg::On(37))], 1_500, &[64, 512], &mut steady);
        let played = |x: &[f32]| [vec![0.0; 100], x.to_vec(), vec![0.0; 1_400 - x.len()]].concat();
        for channel in &out[0] {
            assert_eq!(first_difference(channel, &played(&main)), None, "main port: pad 1 alone");
        }
        if !stereo_only {
            for (port, o) in out.iter().enumerate().skip(1) {
                let expected = if port == 3 { played(&aux) } else { vec![0.0; 1_500] };
                for channel in o {
                    assert_eq!(first_difference(channel, &expected), None, "port {port} (Out {})", port + 1);
                }
            }
        }
        inst.deactivate(proc.stop_processing());
    }
}

#[test]
fn the_host_reads_each_pads_note_by_its_pads_name() {
    let dir = tempdir();
    let files = [path_in(&dir, "Kick 909.wav"), path_in(&dir, "closed hat.wav"), path_in(&dir, "open hat.wav")];
    for f in &files {
        write_float_wav(f, 48_000, 1, &signal(100, 3));
    }
    let mut kit = wasm_sampler::kit::Kit::default();
    for (i, (file, note)) in [(&files[0], 36), (&files[1], 42), (&files[2], 42)].into_iter().enumerate() {
        let pad = kit.pad_mut(i);
        pad.mapping = wasm_sampler::kit::Mapping::drum(note);
        pad.samples.push(record(file, note));
    }
    // An empty pad has no name.
    kit.pad_mut(3).mapping = wasm_sampler::kit::Mapping::drum(50);
    let host = Host::load();
    let mut inst = host.instance();
    let names: clack_extensions::note_name::PluginNoteName = inst.plugin_handle().get_extension().expect("the note-name extension");
    let h = inst.plugin_handle();
    assert_eq!(names.count(&h), 0, "no pads, no names");
    let blob = state_with(&save_state(&mut inst), &kit);
    let told = |inst: &Instance| inst.access_handler(|h| h.note_names_changed.get());
    let before = told(&inst);
    load_state(&mut inst, &blob);
    pump(&mut inst);
    assert_eq!(told(&inst), before + 1, "the plugin tells the host the names changed");
    let h = inst.plugin_handle();
    assert_eq!(names.count(&h), 2);
    let mut read = Vec::new();
    for i in 0..2 {
        let mut buf = clack_extensions::note_name::NoteNameBuffer::new();
        let n = names.get(&h, i, &mut buf).expect("a name");
        read.push((String::from_utf8_lossy(n.name).to_string(), n.key, n.channel, n.port));
    }
    use clack_host::events::Match;
    assert_eq!(
        read,
        [
            ("Kick 909".to_string(), Match::Specific(36), Match::All, Match::All),
            ("closed hat / open hat".to_string(), Match::Specific(42), Match::All, Match::All)
        ]
    );
    let mut buf = clack_extensions::note_name::NoteNameBuffer::new();
    assert!(names.get(&h, 2, &mut buf).is_none(), "past the end");
    // Saving changes no name: the host is not told again.
    save_state(&mut inst);
    pump(&mut inst);
    assert_eq!(told(&inst), before + 1);
    // The rest of the plugin still answers through the same instance.
    let ports: clack_extensions::audio_ports::PluginAudioPorts = inst.plugin_handle().get_extension().expect("audio ports");
    assert_eq!(ports.count(&inst.plugin_handle(), false), 9);
}
