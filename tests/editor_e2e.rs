//! The editor in a real window, driven as a producer drives it: the built
//! plugin is loaded by a CLAP host (clack-host) that embeds the editor in an
//! X11 window of its own on a private Xvfb display; WAV and FLAC files are dragged
//! onto pads with real XDND drags (`xdotool` moves and clicks the pointer;
//! the drag sources are real GTK 3 and Qt 5 programs,
//! `tests/drag_sources/`). Checked from outside, through the host: the pad under the
//! pointer lights up during the drag, the dropped file lands in the kit and
//! plays, bit for bit, on the next note; a file that is not audio is refused
//! with a message and changes nothing.
//!
//! Needs `Xvfb`, `xdotool` and Debian's python3-gi and python3-pyqt5
//! (`.ci/run` installs them). Without them the test says so and passes,
//! unless `WASM_SAMPLER_REQUIRE_GUI_TESTS=1` (set in CI), which makes their
//! absence a failure. With `WASM_SAMPLER_SCREENSHOT=<file.png>` it also
//! saves a screenshot of the editor (`cargo xtask screenshot` does this;
//! needs ImageMagick's `import`).

#![cfg(target_os = "linux")]

mod common;
use common::clap::*;
use common::gui::*;
use common::*;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clack_extensions::gui::{GuiApiType, GuiConfiguration, GuiSize, PluginGui, Window as ClapWindow};
use clack_host::prelude::*;
use wasm_sampler::editor::look;
use wasm_sampler::kit::Kit;
use wasm_sampler::kit::{Mapping, SampleParams, SampleRecord};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, EventMask, PropMode, WindowClass};
use x11rb::wrapper::ConnectionExt as _;

/// Processes blocks (nothing else: no block is thrown away) until one is not
/// silent, then returns `frames` frames from the start of that block.
fn listen(s: &mut Session, frames: usize) -> Vec<f32> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut heard: Vec<f32> = Vec::new();
    while heard.len() < frames {
        assert!(Instant::now() < deadline, "no sound within 5 s");
        let out = s.play(&[], 512);
        if !heard.is_empty() || out[0].iter().any(|&v| v != 0.0) {
            heard.extend(&out[0]);
        } else {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    heard
}

/// The editor size saved in a state.
fn editor_size(state: &[u8]) -> (u64, u64) {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    let size: serde_json::Value = serde_json::from_str(json["fields"]["editor-size"].as_str().unwrap()).unwrap();
    (size["width"].as_u64().unwrap(), size["height"].as_u64().unwrap())
}

/// A pad's filter settings in a saved state.
fn pad_filter(state: &[u8], pad: usize) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    let kit: serde_json::Value = serde_json::from_str(json["fields"]["kit"].as_str().unwrap()).unwrap();
    kit["pads"][pad]["settings"]["filter"].clone()
}

/// A pad's mapping in a saved state.
fn pad_mapping(state: &[u8], pad: usize) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    let kit: serde_json::Value = serde_json::from_str(json["fields"]["kit"].as_str().unwrap()).unwrap();
    kit["pads"][pad]["mapping"].clone()
}

/// A pad's first sample record in a saved state.
/// Pad `pad` of the kit in a saved state.
fn kit_pad(state: &[u8], pad: usize) -> Option<wasm_sampler::kit::PadModel> {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    let kit: serde_json::Value = serde_json::from_str(json["fields"]["kit"].as_str().unwrap()).unwrap();
    wasm_sampler::kit::Kit::from_json(&kit).0.pads.get(pad).cloned()
}

fn pad_sample(state: &[u8], pad: usize) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    let kit: serde_json::Value = serde_json::from_str(json["fields"]["kit"].as_str().unwrap()).unwrap();
    kit["pads"][pad]["samples"][0].clone()
}

/// A parameter's plain value in a saved state.
fn param(state: &[u8], id: &str) -> f64 {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    json["params"][id]["f32"].as_f64().unwrap_or_else(|| panic!("no parameter {id} in {}", json["params"]))
}

/// Share of a signal's energy in its first difference (grows with its
/// high-frequency content).
fn brightness(x: &[f32]) -> f64 {
    let e: f64 = x.iter().map(|&v| v as f64 * v as f64).sum();
    let d: f64 = x.windows(2).map(|w| (w[1] - w[0]) as f64).map(|v| v * v).sum();
    d / e
}

/// Clicks tab `i` of the selected pad's panel.
fn click_tab(display: &str, screen: egui::Vec2, i: usize) {
    let c = look::tab_rect(i, screen).center();
    xdotool(display, &["mousemove", &(c.x as i32).to_string(), &(c.y as i32).to_string(), "click", "1"]);
}

/// Open sockets of this process (the X connections among them).
fn sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|l| l.to_string_lossy().starts_with("socket:"))
        .count()
}

#[test]
fn wav_and_flac_files_dragged_from_a_file_manager_onto_pads_play_on_the_next_note() {
    if !gui_tools(&["Xvfb", "xdotool"], "the editor end-to-end test") || !toolkit_sources("the editor end-to-end test") {
        return;
    }
    let xvfb = start_xvfb();
    // The plugin's window connects to $DISPLAY; this binary has this one test.
    // SAFETY (edition 2021: safe fn): no other thread of this process reads
    // the environment concurrently at this point.
    std::env::set_var("DISPLAY", &xvfb.display);
    let (conn, screen) = x11rb::connect(Some(&xvfb.display)).expect("connecting to Xvfb");
    let root = conn.setup().roots[screen].root;

    // A kit from the demo's sounds, written as WAV files (the bass moved up
    // an octave range so that the pads' drum notes below play one pad each).
    let dir = tempdir();
    let mut kit = Kit::default();
    for (i, sound) in wasm_sampler::cli::demo::kit().into_iter().enumerate() {
        let path = path_in(&dir, &format!("{}.wav", sound.name.replace(' ', "-")));
        write_float_wav(&path, sound.sample_rate, sound.channels, &sound.data);
        let pad = kit.pad_mut(i);
        let bass = sound.name == "bass";
        pad.mapping = if bass { Mapping::pitched(60, 84) } else { sound.mapping };
        pad.settings = sound.settings;
        pad.samples.push(SampleRecord { file: path, params: SampleParams::whole(if bass { 72 } else { sound.root_key }), embedded: None });
    }
    // The sample to drag: 0.25 s of a test signal at the host's rate.
    let hit = signal(12_000, 77);
    let hit_path = path_in(&dir, "dropped hit.wav");
    write_float_wav(&hit_path, 48_000, 1, &hit);
    let text_path = path_in(&dir, "liner notes.txt");
    std::fs::write(&text_path, "not audio").unwrap();

    let host = Host::load();
    let mut inst = host.instance();
    let mut state: serde_json::Value = serde_json::from_slice(&save_state(&mut inst)[8..]).unwrap();
    state["fields"]["kit"] = serde_json::Value::String(serde_json::to_string(&kit.to_json()).unwrap());
    let body = serde_json::to_vec(&state).unwrap();
    let mut blob = (body.len() as u64).to_le_bytes().to_vec();
    blob.extend(body);
    load_state(&mut inst, &blob);

    let config = PluginAudioConfiguration { sample_rate: 48_000.0, min_frames_count: 1, max_frames_count: 4096 };
    let proc = inst.activate(|_, _| (), config).expect("activate").start_processing().expect("start");
    let mut s = Session { inst, proc, steady: 0 };

    // Open the editor embedded in the host's window, as a DAW does.
    let gui: PluginGui = s.inst.plugin_handle().get_extension().expect("the plugin has a GUI");
    let sockets_before = sockets();
    let configuration = GuiConfiguration { api_type: GuiApiType::X11, is_floating: false };
    assert!(gui.is_api_supported(&s.inst.plugin_handle(), configuration), "embedded X11 editor");
    gui.create(&s.inst.plugin_handle(), configuration).expect("gui.create");
    let _ = gui.set_scale(&s.inst.plugin_handle(), 1.0);
    let size = gui.get_size(&s.inst.plugin_handle()).expect("gui.get_size");
    assert_eq!((size.width, size.height), (1000, 660), "a new instance opens at its default size");
    assert!(gui.can_resize(&s.inst.plugin_handle()), "the editor is resizable");
    let parent = conn.generate_id().unwrap();
    let aux = CreateWindowAux::new().background_pixel(0).event_mask(EventMask::STRUCTURE_NOTIFY);
    conn.create_window(x11rb::COPY_DEPTH_FROM_PARENT, parent, root, 0, 0, size.width as u16, size.height as u16, 0, WindowClass::INPUT_OUTPUT, 0, &aux)
        .unwrap();
    // Marked as a client window, as a window manager does (GTK drag sources
    // address this window, not the editor inside it).
    let wm_state = conn.intern_atom(false, b"WM_STATE").unwrap().reply().unwrap().atom;
    let xdnd_proxy = conn.intern_atom(false, b"XdndProxy").unwrap().reply().unwrap().atom;
    conn.change_property32(PropMode::REPLACE, parent, wm_state, wm_state, &[1, 0]).unwrap();
    conn.map_window(parent).unwrap();
    // A round trip: the server has made the window before the plugin's own
    // connection refers to it.
    conn.get_input_focus().unwrap().reply().unwrap();
    // SAFETY: `parent` stays alive until after gui.destroy below.
    unsafe { gui.set_parent(&s.inst.plugin_handle(), ClapWindow::from_x11_handle(parent as std::ffi::c_ulong)) }.expect("gui.set_parent");
    gui.show(&s.inst.plugin_handle()).expect("gui.show");

    let window = (size.width, size.height);
    // The editor draws its background, then the kit (the first pad's name
    // area turns from empty-pad to loaded-pad colour once loaded).
    let background = (26, 27, 31);
    wait_for("the editor to draw", 60, &mut s, |_| pixel(&conn, root, window.0 as i32 - 3, window.1 as i32 / 2) == background);
    let (kick_x, kick_y) = pad_centre(0, window);
    wait_for("the kit to load and show", 20, &mut s, |_| pixel(&conn, root, kick_x, kick_y - 30) == (38, 40, 46));

    // Drag the WAV from the "file manager" onto pad 8 (slot 7, note 43).
    let (tx, ty) = pad_centre(7, window);
    let drag = Drag::start(&xvfb.display, Toolkit::Qt5, &[&hit_path], (tx, ty));
    // While dragging, the target pad is highlighted (blue border).
    let rect = wasm_sampler::editor::look::pad_rect(7, egui::vec2(window.0 as f32, window.1 as f32));
    let (bx, by) = (rect.min.x as i32 + 1, rect.center().y as i32);
    wait_for("the target pad to light up while dragging", 5, &mut s, |_| {
        let (r, g, b) = pixel(&conn, root, bx, by);
        b > 200 && r < 150 && g > 120
    });
    // A pad the drag is not over stays as it was.
    let other = wasm_sampler::editor::look::pad_rect(10, egui::vec2(window.0 as f32, window.1 as f32));
    let (r, g, b) = pixel(&conn, root, other.min.x as i32 + 1, other.center().y as i32);
    assert!(b < 120, "only the target pad lights up, pad 11 border is ({r}, {g}, {b})");
    let (verdict, _source) = drag.release();
    assert_eq!(verdict, "accepted", "the editor accepts the drop");

    // The kit now has the file on pad 8 ...
    wait_for("the dropped file to load into pad 8", 20, &mut s, |s| kit_file(&save_state(&mut s.inst), 7).as_deref() == Some(hit_path.as_path()));
    // ... and the next note plays it exactly (48 kHz file at 48 kHz, neutral
    // settings, velocity 1).
    let total = hit.len() + 1_000;
    let played = s.play(&[(100, Msg::On(43))], total);
    let mut expected = vec![0f32; total];
    expected[100..100 + hit.len()].copy_from_slice(&hit);
    assert_eq!(first_difference(&played[0], &expected), None, "left channel plays the dropped file");
    assert_eq!(first_difference(&played[1], &expected), None, "right channel plays the dropped file");
    s.play(&[(0, Msg::AllSoundOff)], 2048);

    // Clicking the pad auditions it through the engine: its note at
    // velocity 100, from frame 0 of the next block the host processes.
    xdotool(&xvfb.display, &["mousemove", &tx.to_string(), &ty.to_string(), "mousedown", "1"]);
    let heard = listen(&mut s, hit.len());
    xdotool(&xvfb.display, &["mouseup", "1"]);
    let gain = wasm_sampler::engine::triggering::velocity_gain(100.0 / 127.0, 100.0, 0.0);
    for (i, (&h, &x)) in heard.iter().zip(&hit).enumerate() {
        assert!((h - x * gain).abs() <= 1e-6, "audition frame {i}: {h} vs {}", x * gain);
    }
    s.play(&[(0, Msg::AllSoundOff)], 2048);

    // A gate pad (the bass, 1.2 s long, 60 ms release) sounds while the
    // button is held and is released with it: no note hangs.
    let (bass_x, bass_y) = pad_centre(5, window);
    xdotool(&xvfb.display, &["mousemove", &bass_x.to_string(), &bass_y.to_string(), "mousedown", "1"]);
    let held = listen(&mut s, 4_800);
    assert!(held.iter().skip(2_400).any(|&v| v.abs() > 1e-3), "the bass sounds while held");
    xdotool(&xvfb.display, &["mouseup", "1"]);
    wait_for("the bass to fall silent after the button is released", 5, &mut s, |s| s.play(&[], 4_800)[0].iter().all(|&v| v == 0.0));

    // A text file dropped on pad 9 is refused with a message; nothing changes.
    let before = save_state(&mut s.inst);
    let (_, _source) = Drag::start(&xvfb.display, Toolkit::Qt5, &[&text_path], pad_centre(8, window)).release();
    // The message line turns red where the user looks.
    // (Left of the text: the line's own colour, whatever the message says.)
    let message = (wasm_sampler::editor::look::MARGIN as i32 + 2, window.1 as i32 - 16);
    wait_for("the refusal to show on the message line", 5, &mut s, |_| pixel(&conn, root, message.0, message.1) == (60, 30, 30));
    for _ in 0..10 {
        s.tick();
    }
    assert_eq!(save_state(&mut s.inst), before, "a refused file changes nothing");
    assert_eq!(kit_file(&before, 8), None);

    // Two files dropped outside the pads go to the next free pads, in order:
    // pad 7 and pad 9 (pad 8 holds the first drop).
    let extra = [path_in(&dir, "extra one.wav"), path_in(&dir, "extra two.wav")];
    write_float_wav(&extra[0], 48_000, 1, &signal(2_000, 5));
    write_float_wav(&extra[1], 48_000, 1, &signal(2_000, 6));
    let beside = (window.0 as i32 * 3 / 4, window.1 as i32 - 140);
    let (verdict, _source) = Drag::start(&xvfb.display, Toolkit::Qt5, &[&extra[0], &extra[1]], beside).release();
    assert_eq!(verdict, "accepted");
    wait_for("two files to fill the next free pads", 20, &mut s, |s| {
        let state = save_state(&mut s.inst);
        kit_file(&state, 6).as_deref() == Some(extra[0].as_path()) && kit_file(&state, 8).as_deref() == Some(extra[1].as_path())
    });
    assert_eq!(kit_file(&save_state(&mut s.inst), 7).as_deref(), Some(hit_path.as_path()), "pad 8 keeps its sample");

    // A GTK file manager addresses the host's window: the editor made a
    // window of its own that window's XdndProxy, so the drop reaches pad 12
    // all the same.
    let proxy_of = |w: u32| conn.get_property(false, w, xdnd_proxy, AtomEnum::WINDOW, 0, 1).unwrap().reply().unwrap().value32().and_then(|mut v| v.next());
    assert!(proxy_of(parent).is_some(), "the editor proxies the host window's drops");
    // It is a FLAC (made by the reference encoder when installed; CI
    // requires it), which then plays bit for bit like the WAV above.
    let ints: Vec<i32> = signal(3_000, 8).iter().map(|&x| (x * 30_000.0) as i32).collect();
    let source = path_in(&dir, "from nautilus.wav");
    write_int_wav(&source, 48_000, 1, 16, &ints);
    let flac = common::audio::audio_tools(&["flac"], "the FLAC drop");
    let gtk_hit = if flac {
        let out = path_in(&dir, "from nautilus.flac");
        common::audio::tool(&["flac", "--silent", "-o", out.to_str().unwrap(), source.to_str().unwrap()]);
        out
    } else {
        source
    };
    let (verdict, _source) = Drag::start(&xvfb.display, Toolkit::Gtk3, &[&gtk_hit], pad_centre(11, window)).release();
    assert_eq!(verdict, "accepted", "a GTK drop through the proxy");
    wait_for("the GTK drop to load into pad 12", 20, &mut s, |s| kit_file(&save_state(&mut s.inst), 11).as_deref() == Some(gtk_hit.as_path()));
    let played = s.play(&[(0, Msg::On(47))], ints.len() + 100);
    let expected: Vec<f32> = ints.iter().map(|&v| v as f32 / 32_768.0).chain([0.0; 100]).collect();
    assert_eq!(first_difference(&played[0], &expected), None, "the dropped {} plays bit for bit", gtk_hit.display());
    s.play(&[(0, Msg::AllSoundOff)], 2048);

    // Pad 12's Filter tab: pick the low-pass, then drag the response's
    // handle from the top of the range (20 kHz, no resonance) to about
    // 500 Hz and +10 dB. Pad 12's cutoff and resonance are host
    // parameters: the project saves what the drag set, and the next note
    // is filtered.
    let screen = egui::vec2(window.0 as f32, window.1 as f32);
    let at = |p: egui::Pos2| [(p.x.round() as i32).to_string(), (p.y.round() as i32).to_string()];
    let settle = |s: &mut Session| {
        for _ in 0..15 {
            s.tick();
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let (px, py) = pad_centre(11, window);
    xdotool(&xvfb.display, &["mousemove", &px.to_string(), &py.to_string(), "click", "1"]);
    settle(&mut s);
    s.play(&[(0, Msg::AllSoundOff)], 2048);
    let [x, y] = at(look::tab_rect(2, screen).center());
    xdotool(&xvfb.display, &["mousemove", &x, &y, "click", "1"]);
    settle(&mut s);
    let section = look::section_rect(screen);
    let [x, y] = at(look::choice_rect(1, section).center());
    xdotool(&xvfb.display, &["mousemove", &x, &y, "click", "1"]);
    wait_for("the low-pass to reach the kit", 5, &mut s, |s| pad_filter(&save_state(&mut s.inst), 11)["type"] == "low_pass");
    settle(&mut s);
    let graph = look::filter_graph_rect(section);
    let [x0, y0] = at(look::filter_handle(graph, 20_000.0, 0.0, 40.0));
    let [x1, y1] = at(look::filter_handle(graph, 2_000.0, 5.0, 40.0));
    let [x2, y2] = at(look::filter_handle(graph, 500.0, 10.0, 40.0));
    xdotool(&xvfb.display, &["mousemove", &x0, &y0, "mousedown", "1"]);
    settle(&mut s);
    xdotool(&xvfb.display, &["mousemove", &x1, &y1]);
    settle(&mut s);
    xdotool(&xvfb.display, &["mousemove", &x2, &y2]);
    settle(&mut s);
    xdotool(&xvfb.display, &["mouseup", "1"]);
    let dragged = |state: &[u8]| (param(state, "cut_12"), param(state, "res_12"));
    wait_for("the dragged cutoff and resonance to reach the host", 5, &mut s, |s| {
        let (cutoff, resonance) = dragged(&save_state(&mut s.inst));
        (450.0..550.0).contains(&cutoff) && (9.0..11.0).contains(&resonance)
    });
    let played = s.play(&[(0, Msg::On(47))], ints.len() + 100);
    let (dry, wet) = (brightness(&expected), brightness(&played[0]));
    assert!(wet < dry / 10.0, "the next note is low-passed: brightness {wet} (unfiltered {dry})");
    s.play(&[(0, Msg::AllSoundOff)], 2048);

    // The Loop tab: Forward loops the whole sample (no file loop marked),
    // so the next note is still sounding long after the sample's length.
    click_tab(&xvfb.display, screen, 3);
    settle(&mut s);
    let [x, y] = at(look::wide_choice_rect(1, section).center());
    xdotool(&xvfb.display, &["mousemove", &x, &y, "click", "1"]);
    wait_for("the forward loop to reach the kit", 5, &mut s, |s| pad_sample(&save_state(&mut s.inst), 11)["loop"]["mode"] == "forward");
    let played = s.play(&[(0, Msg::On(47))], 4 * ints.len());
    assert!(played[0][3 * ints.len()..].iter().any(|&v| v.abs() > 1e-3), "the looped note keeps sounding");
    s.play(&[(0, Msg::AllSoundOff)], 2048);

    // The Envelope tab: drag the decay's handle from 0.5 s at full sustain
    // to about 0.2 s and half level. The host's dec_12 and sus_12 follow,
    // and the next (looping) note falls to the dragged sustain level:
    // after the decay it is that fraction of the note played before.
    let before = s.play(&[(0, Msg::On(47))], 28_800);
    s.play(&[(0, Msg::AllSoundOff)], 2048);
    click_tab(&xvfb.display, screen, 1);
    settle(&mut s);
    let graph = look::envelope_graph_rect(section);
    let release = param(&save_state(&mut s.inst), "rel_12") as f32;
    let scale = look::EnvelopeScale::new(graph, 0.0, 0.0, 0.5, release);
    let [x0, y0] = at(scale.handles(0.0, 0.0, 0.5, 100.0, release)[1]);
    let [x1, y1] = at(scale.handles(0.0, 0.0, 0.35, 75.0, release)[1]);
    let [x2, y2] = at(scale.handles(0.0, 0.0, 0.2, 50.0, release)[1]);
    xdotool(&xvfb.display, &["mousemove", &x0, &y0, "mousedown", "1"]);
    settle(&mut s);
    xdotool(&xvfb.display, &["mousemove", &x1, &y1]);
    settle(&mut s);
    xdotool(&xvfb.display, &["mousemove", &x2, &y2]);
    settle(&mut s);
    xdotool(&xvfb.display, &["mouseup", "1"]);
    let shaped = |state: &[u8]| (param(state, "dec_12"), param(state, "sus_12"));
    wait_for("the dragged decay and sustain to reach the host", 5, &mut s, |s| {
        let (decay, sustain) = shaped(&save_state(&mut s.inst));
        (0.19..0.21).contains(&decay) && (47.0..53.0).contains(&sustain)
    });
    let (decay, sustain) = shaped(&save_state(&mut s.inst));
    let after = s.play(&[(0, Msg::On(47))], 28_800);
    s.play(&[(0, Msg::AllSoundOff)], 2048);
    let energy = |x: &[f32]| x.iter().map(|&v| v as f64 * v as f64).sum::<f64>();
    // From 0.1 s after the decay's end to 0.6 s.
    let settled = ((decay + 0.1) * 48_000.0) as usize..28_800;
    let ratio = (energy(&after[0][settled.clone()]) / energy(&before[0][settled])).sqrt();
    assert!((ratio - sustain / 100.0).abs() < 1e-3, "after the decay the note sits at {ratio:.4} of its level, sustain {sustain} %");

    // Learn: press the header's Learn, play note 50 from the host: pad 12
    // takes it as its trigger note, and plays on it.
    let [x, y] = at(look::header_button_rect(2, screen).center());
    xdotool(&xvfb.display, &["mousemove", &x, &y, "click", "1"]);
    settle(&mut s);
    s.play(&[(0, Msg::On(50)), (100, Msg::Off(50))], 512);
    wait_for("pad 12 to learn note 50", 5, &mut s, |s| pad_mapping(&save_state(&mut s.inst), 11)["trigger"]["note"] == 50);
    s.play(&[(0, Msg::AllSoundOff)], 2048);
    let played = s.play(&[(0, Msg::On(50))], 2_000);
    assert!(played[0].iter().any(|&v| v.abs() > 1e-3), "note 50 plays pad 12");
    s.play(&[(0, Msg::AllSoundOff)], 2048);

    // Samples tab: two files dragged onto pad 12's sample list join its
    // sample; all three answer every velocity, so hits take turns.
    click_tab(&xvfb.display, screen, 4);
    settle(&mut s);
    let list = look::section_rect(screen).center();
    let (verdict, _source) = Drag::start(&xvfb.display, Toolkit::Qt5, &[&extra[0], &extra[1]], (list.x as i32, list.y as i32)).release();
    assert_eq!(verdict, "accepted", "a drop on the sample list");
    wait_for("two samples to join pad 12 and load", 20, &mut s, |s| {
        let files: Vec<PathBuf> = kit_pad(&save_state(&mut s.inst), 11).map(|p| p.samples.iter().map(|r| r.file.clone()).collect()).unwrap_or_default();
        files == [gtk_hit.clone(), extra[0].clone(), extra[1].clone()]
    });
    // One hit of note 50 (its left channel), then silence.
    let hit = |s: &mut Session, frames: usize| {
        let out = s.play(&[(0, Msg::On(50))], frames)[0].clone();
        s.play(&[(0, Msg::AllSoundOff)], 2048);
        out
    };
    wait_for("the three samples to be loaded", 20, &mut s, |s| (0..3).map(|_| hit(s, 1_000)).all(|h| h.iter().any(|&v| v != 0.0)));
    let hits: Vec<Vec<f32>> = (0..4).map(|_| hit(&mut s, 1_500)).collect();
    assert_ne!(hits[0], hits[1], "the second hit plays the second sample");
    assert_ne!(hits[1], hits[2], "the third hit the third");
    assert_eq!(first_difference(&hits[3], &hits[0]), None, "the fourth hit the first again, exactly");
    click_tab(&xvfb.display, screen, 0);

    if let Some(path) = std::env::var_os("WASM_SAMPLER_SCREENSHOT") {
        // Select the kick pad, so the panel shows a waveform with the kit
        // around it, then photograph the editor.
        xdotool(&xvfb.display, &["mousemove", &message.0.to_string(), &message.1.to_string(), "click", "1"]);
        xdotool(&xvfb.display, &["mousemove", &kick_x.to_string(), &kick_y.to_string(), "click", "1"]);
        xdotool(&xvfb.display, &["mousemove", &(window.0 as i32 - 40).to_string(), "40"]);
        for _ in 0..40 {
            s.tick();
            std::thread::sleep(Duration::from_millis(10));
        }
        let status = Command::new("import")
            .env("DISPLAY", &xvfb.display)
            .args(["-window", "root", "-crop", &format!("{}x{}+0+0", window.0, window.1)])
            .arg(&path)
            .status()
            .expect("ImageMagick's import");
        assert!(status.success(), "screenshot failed");
        eprintln!("screenshot saved to {}", PathBuf::from(path).display());
        // The click auditioned the kick: silence it before the next check.
        s.play(&[(0, Msg::AllSoundOff)], 2048);
    }

    // A kit file dropped on the editor opens as the kit: its sample (saved
    // relative to the kit file) lands on pad 1, and the kit's other pads go.
    let kit_dir = path_in(&dir, "a kit");
    std::fs::create_dir_all(kit_dir.join("drums")).unwrap();
    let rim = kit_dir.join("drums/rim.wav");
    write_float_wav(&rim, 48_000, 1, &signal(1_500, 31));
    let mut kit_to_open = Kit::default();
    kit_to_open.pad_mut(0).samples.push(SampleRecord { file: rim.clone(), params: SampleParams::whole(36), embedded: None });
    let kit_path = kit_dir.join("rim kit.json");
    wasm_sampler::kit::file::write(&kit_to_open, &kit_path).unwrap();
    assert!(std::fs::read_to_string(&kit_path).unwrap().contains("\"drums/rim.wav\""));
    let (verdict, _source) = Drag::start(&xvfb.display, Toolkit::Qt5, &[&kit_path], pad_centre(3, window)).release();
    assert_eq!(verdict, "accepted");
    wait_for("the dropped kit to replace the pads", 20, &mut s, |s| {
        let state = save_state(&mut s.inst);
        kit_file(&state, 0).as_deref() == Some(rim.as_path()) && kit_file(&state, 1).is_none()
    });
    let played = s.play(&[(0, Msg::On(36))], 1_600);
    assert_eq!(first_difference(&played[0][..1_500], &signal(1_500, 31)), None, "the kit's sample plays on pad 1");

    // The host resizes the editor: it follows, and the project remembers.
    gui.set_size(&s.inst.plugin_handle(), GuiSize { width: 1200, height: 800 }).expect("gui.set_size");
    conn.configure_window(parent, &ConfigureWindowAux::new().width(1200).height(800)).unwrap();
    conn.flush().unwrap();
    wait_for("the resized editor to fill 1200x800", 10, &mut s, |_| pixel(&conn, root, 1197, 400) == background);
    wait_for("the project to remember 1200x800", 5, &mut s, |s| editor_size(&save_state(&mut s.inst)) == (1200, 800));
    let saved = save_state(&mut s.inst);

    // Close the editor: the window closes on its own thread and its X
    // connection must go too (an editor opened and closed many times in a
    // session must not leak).
    assert!(sockets() > sockets_before, "the editor has its own X connection");
    gui.destroy(&s.inst.plugin_handle());
    wait_for("the editor's X connection to close", 5, &mut s, |_| sockets() == sockets_before);
    wait_for("the closed editor to remove its proxy from the host's window", 5, &mut s, |_| proxy_of(parent).is_none());

    // The host's scale factor: 1.5 makes the window 1.5 times as large in
    // pixels, for the same layout.
    gui.create(&s.inst.plugin_handle(), configuration).expect("gui.create again");
    gui.set_scale(&s.inst.plugin_handle(), 1.5).expect("gui.set_scale");
    let scaled = gui.get_size(&s.inst.plugin_handle()).expect("gui.get_size");
    assert_eq!((scaled.width, scaled.height), (1800, 1200), "1200x800 points at scale 1.5");
    gui.destroy(&s.inst.plugin_handle());
    wait_for("the editor's X connection to close", 5, &mut s, |_| sockets() == sockets_before);

    // Another instance opening the saved project opens the editor at its size.
    let mut reopened = host.instance();
    load_state(&mut reopened, &saved);
    let gui2: PluginGui = reopened.plugin_handle().get_extension().unwrap();
    gui2.create(&reopened.plugin_handle(), configuration).expect("gui.create");
    let _ = gui2.set_scale(&reopened.plugin_handle(), 1.0);
    let size2 = gui2.get_size(&reopened.plugin_handle()).unwrap();
    assert_eq!((size2.width, size2.height), (1200, 800), "the editor reopens at the size saved with the project");
    gui2.destroy(&reopened.plugin_handle());
    drop(reopened);
    wait_for("the editor's X connection to close", 5, &mut s, |_| sockets() == sockets_before);

    // Close the plugin, then the display: nothing of the plugin's may still
    // talk to the X server when it goes.
    let Session { mut inst, proc, .. } = s;
    inst.deactivate(proc.stop_processing());
    drop(inst);
    drop(host);
    conn.destroy_window(parent).unwrap();
    conn.flush().unwrap();
    drop(conn);
    drop(xvfb);
}
