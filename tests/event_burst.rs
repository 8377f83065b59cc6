//! A host that sends thousands of events in one block (Ardour does at engine
//! start): the plugin, loaded as a DAW loads it, queues them without growing
//! the wrapper's queue (which would allocate on the audio thread: nice-plug
//! then logs "Input event buffer filled up") and delivers every one, the
//! last included. Its own test binary, so that `NICE_LOG` sends this
//! process's plugin log to a file the test reads.

mod common;
use common::clap::*;
use common::*;

use std::time::Duration;

#[test]
fn thousands_of_events_in_one_block_are_all_delivered_without_growing_the_queue() {
    let dir = tempdir();
    let log = path_in(&dir, "plugin.log");
    // SAFETY (of the environment): set before the plugin is loaded, in a
    // process that runs this one test and reads no environment meanwhile.
    std::env::set_var("NICE_LOG", &log);
    let host = Host::load();
    let dc = path_in(&dir, "dc.wav");
    write_float_wav(&dc, 48_000, 1, &vec![0.25; 4_000]);
    let mut inst = host.instance();
    let blob = state_with_kit(&save_state(&mut inst), &[dc]);
    load_state(&mut inst, &blob);
    let (mut proc, mut steady, sounded) = activate_and_wait(&mut inst, 48_000, 36, Duration::from_secs(20));
    assert!(sounded, "the kit loads");

    // 5 999 note-offs of keys no pad plays and then pad 1's note, all on
    // frame 0; 2 000 more note-offs over the rest of the block.
    let mut msgs: Vec<(usize, Msg)> = (0..5_999).map(|i| (0, Msg::Off(40 + (i % 80) as u16))).collect();
    msgs.push((0, Msg::On(36)));
    msgs.extend((0..2_000).map(|i| (1 + i % 255, Msg::Off(40 + (i % 80) as u16))));
    let out = run(&mut proc, &mut inst, &msgs, 256, &[256], &mut steady);
    assert!(out[0].iter().chain(&out[1]).all(|&s| s == 0.25), "the 6000th event of frame 0 played pad 1 from frame 0");
    inst.deactivate(proc.stop_processing());

    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("filled up"), "the wrapper's queue grew on the audio thread:\n{text}");
}
