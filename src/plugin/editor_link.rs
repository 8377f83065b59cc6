//! What passes between the plugin and its editor besides the kit: the
//! message line, the pads' play flashes, and auditions.
//!
//! - messages: posted by the loader thread and the editor, read by the
//!   editor (a short lock, never taken by the audio thread);
//! - note hits: counters the audio thread bumps (atomics, no lock);
//! - auditions: the editor pushes notes into a lock-free queue whose other
//!   end the audio thread owns.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

use parking_lot::Mutex;

/// Auditions (pad clicks in the editor) one block can take.
pub const AUDITION_CAPACITY: usize = 64;
/// The note channel auditions play on: past MIDI's 16, so an audition's
/// note-off never releases a note the DAW is holding.
pub const AUDITION_CHANNEL: u8 = 16;
/// Messages the editor's message line keeps.
const MESSAGES_KEPT: usize = 32;

/// A note the editor asks the audio thread to play (pad click) or release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audition {
    On { note: u8, velocity: u8 },
    Off { note: u8 },
}

/// See the module docs.
pub struct EditorLink {
    /// Errors and notices, newest last, each with a sequence number.
    messages: Mutex<VecDeque<(u64, String)>>,
    message_seq: AtomicU64,
    /// Note-ons seen by the audio thread, per note, and the latest velocity.
    note_hits: [AtomicU32; 128],
    note_velocity: [AtomicU8; 128],
    /// Producers lock (UI threads only); the audio thread owns the consumer.
    audition: Mutex<rtrb::Producer<Audition>>,
    audition_rx: Mutex<Option<rtrb::Consumer<Audition>>>,
}

impl Default for EditorLink {
    fn default() -> Self {
        let (audition, audition_rx) = rtrb::RingBuffer::new(AUDITION_CAPACITY);
        EditorLink {
            messages: Mutex::new(VecDeque::new()),
            message_seq: AtomicU64::new(0),
            note_hits: std::array::from_fn(|_| AtomicU32::new(0)),
            note_velocity: std::array::from_fn(|_| AtomicU8::new(0)),
            audition: Mutex::new(audition),
            audition_rx: Mutex::new(Some(audition_rx)),
        }
    }
}

impl EditorLink {
    /// Posts a one-line message (an error or notice) to the editor.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn post_message(&self, message: String) {
        let seq = self.message_seq.fetch_add(1, Ordering::AcqRel) + 1;
        let mut messages = self.messages.lock();
        if messages.len() == MESSAGES_KEPT {
            messages.pop_front();
        }
        messages.push_back((seq, message));
    }

    /// The sequence number of the newest message (0: none yet).
    ///
    /// Thread: any. No allocation, no lock.
    pub fn message_seq(&self) -> u64 {
        self.message_seq.load(Ordering::Acquire)
    }

    /// The messages kept, oldest first, with their sequence numbers.
    ///
    /// Thread: non-real-time. Allocates the copy.
    pub fn messages(&self) -> Vec<(u64, String)> {
        self.messages.lock().iter().cloned().collect()
    }

    /// Counts a note-on the audio thread played (the pads' play flash).
    ///
    /// Thread: audio. No allocation, no lock.
    pub fn note_played(&self, note: u8, velocity: u8) {
        let n = note as usize & 127;
        self.note_velocity[n].store(velocity, Ordering::Relaxed);
        self.note_hits[n].fetch_add(1, Ordering::Relaxed);
    }

    /// How many note-ons the audio thread has seen for each note, and the
    /// latest velocity of each.
    ///
    /// Thread: any. No allocation.
    pub fn note_hits(&self) -> ([u32; 128], [u8; 128]) {
        (std::array::from_fn(|n| self.note_hits[n].load(Ordering::Relaxed)), std::array::from_fn(|n| self.note_velocity[n].load(Ordering::Relaxed)))
    }

    /// Asks the audio thread to play or release a note (pad audition). It
    /// plays in the next processed block. Returns false if the queue cannot
    /// take it (the audio thread is not running): a note-on is refused
    /// unless there is also room for its note-off, so a note never hangs.
    ///
    /// Thread: non-real-time (the editor). No allocation.
    pub fn audition(&self, audition: Audition) -> bool {
        let mut queue = self.audition.lock();
        let room = match audition {
            Audition::On { .. } => 2,
            Audition::Off { .. } => 1,
        };
        queue.slots() >= room && queue.push(audition).is_ok()
    }

    /// The audio thread's end of the audition queue (taken once).
    ///
    /// Thread: non-real-time (the plugin constructor). No allocation.
    pub fn take_audition_consumer(&self) -> Option<rtrb::Consumer<Audition>> {
        self.audition_rx.lock().take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audition_note_on_needs_room_for_its_note_off() {
        let link = EditorLink::default();
        for _ in 0..AUDITION_CAPACITY - 1 {
            assert!(link.audition(Audition::Off { note: 1 }));
        }
        assert!(!link.audition(Audition::On { note: 36, velocity: 100 }), "one slot left: no note-on");
        assert!(link.audition(Audition::Off { note: 36 }), "a note-off still fits");
        assert!(!link.audition(Audition::Off { note: 36 }), "full");
    }

    #[test]
    fn the_message_line_keeps_the_newest_messages_in_order() {
        let link = EditorLink::default();
        for i in 0..40 {
            link.post_message(format!("m{i}"));
        }
        let kept = link.messages();
        assert_eq!(kept.len(), MESSAGES_KEPT);
        assert_eq!(kept.first().unwrap(), &(9, "m8".to_string()));
        assert_eq!(kept.last().unwrap(), &(40, "m39".to_string()));
        assert_eq!(link.message_seq(), 40);
    }
}
