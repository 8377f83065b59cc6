#!/usr/bin/env python3
"""Writes the kit that .ci/windows/run.sh renders on Linux and under Wine.

Into the folder given as the only argument: two samples (16-bit mono at
44.1 kHz, so the render resamples; 24-bit stereo at 48 kHz), an SFZ kit whose
regions set non-neutral gain, pan, tune and transpose, and a MIDI file that
plays them off their root keys at several velocities, overlapping. The
samples are made with integer arithmetic, so the files are the same bytes
wherever this runs; the two renders of them must be too.
"""
import struct
import sys
import wave
from pathlib import Path


def noise(seed):
    """xorshift32: a deterministic stream of 32-bit words."""
    x = seed
    while True:
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        yield x


def tone(frames, period, seed, amplitude):
    """A triangle wave with a decaying amplitude plus a little noise, in
    integers of `amplitude` full scale."""
    rng = noise(seed)
    out = []
    for i in range(frames):
        phase = i % period
        tri = 4 * phase - period if phase < period // 2 else 3 * period - 4 * phase
        decay = frames - i
        value = tri * amplitude // period * decay // frames + (next(rng) % 512) - 256
        out.append(max(-amplitude, min(amplitude - 1, value)))
    return out


def write_wav(path, rate, width, channels):
    frames = rate * 6 // 10
    amplitude = 1 << (8 * width - 1)
    chans = [tone(frames, 97 + 31 * c, 0x9E3779B9 + c, amplitude * 3 // 4) for c in range(channels)]
    data = bytearray()
    for i in range(frames):
        for c in range(channels):
            data += chans[c][i].to_bytes(4, "little", signed=True)[:width]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes(data))


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def write_midi(path):
    # (tick, note, velocity, length in ticks); 480 ticks a beat at 120 bpm.
    notes = [(0, 60, 100, 600), (240, 64, 70, 480), (480, 55, 127, 900), (960, 62, 40, 240),
             (1200, 48, 90, 700), (1300, 67, 110, 300), (1920, 58, 64, 960), (2000, 60, 20, 200)]
    events = []
    for tick, note, vel, length in notes:
        events.append((tick, 1, bytes([0x90, note, vel])))
        events.append((tick + length, 0, bytes([0x80, note, 0])))
    events.sort()
    track = bytearray(b"\x00\xff\x51\x03\x07\xa1\x20")  # tempo: 500 000 us a beat
    now = 0
    for tick, _, msg in events:
        track += vlq(tick - now) + msg
        now = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    path.write_bytes(header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track))


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    write_wav(out / "mono-44k1-16.wav", 44100, 2, 1)
    write_wav(out / "stereo-48k-24.wav", 48000, 3, 2)
    (out / "kit.sfz").write_text(
        "// Non-neutral gain, pan and tune: the host's maths decides these bits.\n"
        "<region> sample=mono-44k1-16.wav lokey=48 hikey=60 pitch_keycenter=57 volume=-4.5 pan=-37 tune=23\n"
        "<region> sample=stereo-48k-24.wav lokey=61 hikey=72 pitch_keycenter=64 volume=2.25 pan=61 tune=-41 transpose=-2\n"
    )
    write_midi(out / "notes.mid")


if __name__ == "__main__":
    main()
