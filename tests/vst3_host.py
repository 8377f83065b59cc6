#!/usr/bin/env python3
"""Loads the built VST3 bundle in a real VST3 host (pedalboard, i.e. JUCE's
VST3 hosting), restores a kit from a .vstpreset whose component state points
at WAV files written here, waits for the background loading, renders notes and
checks the output exactly (neutral settings reproduce the samples bit for bit).

Usage: python3 tests/vst3_host.py ["target/bundled/Wasm Sampler.vst3"]
Needs: pip install pedalboard numpy
"""

import json
import os
import struct
import sys
import tempfile
import time
import wave

import numpy as np
from pedalboard import load_plugin

BUNDLE = sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "bundled", "Wasm Sampler.vst3")
RATE = 48_000


def write_wav16(path, samples):
    """Mono 16-bit PCM at RATE."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.astype("<i2").tobytes())


def parse_preset(blob):
    """A .vstpreset: 'VST3', version, 32-char class id, offset of the chunk list;
    the list is 'List', a count, then (id, offset, size) entries."""
    assert blob[:4] == b"VST3", "not a .vstpreset"
    class_id = blob[8:40]
    (list_at,) = struct.unpack_from("<q", blob, 40)
    assert blob[list_at:list_at + 4] == b"List"
    (count,) = struct.unpack_from("<i", blob, list_at + 4)
    chunks = []
    for i in range(count):
        cid, off, size = struct.unpack_from("<4sqq", blob, list_at + 8 + i * 20)
        chunks.append((cid, blob[off:off + size]))
    return class_id, chunks


def build_preset(class_id, chunks):
    head = b"VST3" + struct.pack("<i", 1) + class_id
    data, entries = b"", []
    at = len(head) + 8
    for cid, payload in chunks:
        entries.append((cid, at + len(data), len(payload)))
        data += payload
    list_at = len(head) + 8 + len(data)
    out = head + struct.pack("<q", list_at) + data + b"List" + struct.pack("<i", len(entries))
    for cid, off, size in entries:
        out += struct.pack("<4sqq", cid, off, size)
    return out


def kit_json(files):
    pads = []
    for i, f in enumerate(files):
        pads.append({
            "file": f,
            "mapping": {"trigger": {"note": 36 + i}, "velocity": [1, 127], "mode": "one_shot", "choke_group": 0},
            "params": {"gain_db": 0.0, "pan": 0.0, "tune_semitones": 0, "tune_cents": 0.0, "release": 0.01, "interpolation": "cubic"},
        })
    return {"version": 1, "embed_audio": False, "pads": pads}


def main():
    failures = []
    plugin = load_plugin(BUNDLE)
    assert plugin.is_instrument, "the plugin must load as an instrument"

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        samples = [rng.integers(-30000, 30000, n, dtype=np.int32) for n in (3000, 1800)]
        files = []
        for i, s in enumerate(samples):
            path = os.path.join(tmp, f"pad{i}.wav")
            write_wav16(path, s)
            files.append(path)

        class_id, chunks = parse_preset(plugin.preset_data)
        state = json.loads(dict(chunks)[b"Comp"])
        state["fields"]["kit"] = json.dumps(kit_json(files))
        comp = json.dumps(state).encode()
        plugin.preset_data = build_preset(class_id, [(c, comp if c == b"Comp" else p) for c, p in chunks])

        # The kit loads in the background; probe the last pad until it sounds.
        deadline = time.time() + 20
        while True:
            probe = plugin([(bytes([0x90, 37, 127]), 0.0)], duration=0.5, sample_rate=RATE, num_channels=2, buffer_size=512)
            if np.abs(probe).max() > 0:
                break
            if time.time() > deadline:
                print("FAIL: the kit did not load within 20 s")
                return 1
            time.sleep(0.05)

        # Notes at exact frames: 0.25 s = 12000, 0.5 s = 24000.
        notes = [(bytes([0x90, 36, 127]), 0.25), (bytes([0x90, 37, 127]), 0.5)]
        for block in (512, 64, 1000):
            out = plugin(notes, duration=1.0, sample_rate=RATE, num_channels=2, buffer_size=block)
            expected = np.zeros(RATE, dtype=np.float32)
            expected[12000:12000 + 3000] += samples[0].astype(np.float32) / 32768.0
            expected[24000:24000 + 1800] += samples[1].astype(np.float32) / 32768.0
            if out.shape != (2, RATE):
                failures.append(f"block {block}: output shape {out.shape}, expected (2, {RATE})")
                continue
            if not np.all(np.isfinite(out)):
                failures.append(f"block {block}: non-finite output")
            for ch in range(2):
                if not np.array_equal(out[ch], expected):
                    i = int(np.argmax(out[ch] != expected))
                    failures.append(f"block {block}, channel {ch}: first difference at frame {i}: {out[ch][i]!r} != {expected[i]!r}")

        # The restored state (a version 1 kit, as older projects hold) comes
        # back out with the kit in it, in today's format: each pad's file on
        # its sample record.
        _, again = parse_preset(plugin.preset_data)
        saved_kit = json.loads(json.loads(dict(again)[b"Comp"])["fields"]["kit"])
        # KIT_VERSION in src/kit/state.rs.
        if saved_kit.get("version") != 6 or [p["samples"][0]["file"] for p in saved_kit["pads"]] != files:
            failures.append(f"saved kit lost its files: {saved_kit}")

    for f in failures:
        print("FAIL:", f)
    failed_renders = len({f.split(",")[0] for f in failures if f.startswith("block")})
    other = len([f for f in failures if not f.startswith("block")])
    print(f"vst3 host: {3 - failed_renders} passed, {failed_renders + other} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
