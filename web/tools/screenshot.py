#!/usr/bin/env python3
"""Takes the README's picture of the web page: opens URL in headless Chromium,
waits until the page shows `selector` (the pads loaded), and saves a PNG.

Chromium's own --screenshot flag shoots before the page's modules have run;
this drives it over the DevTools protocol on a pipe (--remote-debugging-pipe:
JSON messages ending in a NUL byte on file descriptors 3 and 4), which needs
nothing beyond Python's standard library.

Usage: python3 web/tools/screenshot.py URL OUT.png [SELECTOR]
Run by `cargo xtask web --screenshot`.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

url, out = sys.argv[1], sys.argv[2]
selector = sys.argv[3] if len(sys.argv) > 3 else ".pad.loaded"

to_browser_r, to_browser_w = os.pipe()
from_browser_r, from_browser_w = os.pipe()
profile = tempfile.mkdtemp(prefix="wasm-sampler-shot-")


def child_fds():
    # The browser reads commands on fd 3 and writes replies on fd 4.
    os.dup2(to_browser_r, 3)
    os.dup2(from_browser_w, 4)


browser = subprocess.Popen(
    ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio", "--hide-scrollbars",
     "--autoplay-policy=no-user-gesture-required", "--remote-debugging-pipe", "--window-size=1100,660",
     f"--user-data-dir={profile}", "about:blank"],
    # Kept open in the child: the two ends, and fds 3 and 4 they are copied to.
    pass_fds=(3, 4, to_browser_r, from_browser_w), preexec_fn=child_fds,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_browser_r)
os.close(from_browser_w)
buffered = b""
next_id = 0


def send(method, params=None, session=None):
    """Sends a command and gives its result (events in between are skipped)."""
    global buffered, next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    os.write(to_browser_w, json.dumps(message).encode() + b"\0")
    while True:
        while b"\0" not in buffered:
            chunk = os.read(from_browser_r, 1 << 16)
            if not chunk:
                raise SystemExit("chromium closed the pipe")
            buffered += chunk
        raw, buffered = buffered.split(b"\0", 1)
        reply = json.loads(raw)
        if reply.get("id") == next_id:
            if "error" in reply:
                raise SystemExit(f"{method}: {reply['error']}")
            return reply.get("result", {})


try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session=session)
    send("Page.navigate", {"url": url}, session=session)
    deadline = time.time() + 30
    while True:
        found = send("Runtime.evaluate", {"expression": f"!!document.querySelector({json.dumps(selector)})", "returnByValue": True}, session=session)
        if found.get("result", {}).get("value"):
            break
        if time.time() > deadline:
            raise SystemExit(f"the page never showed {selector}")
        time.sleep(0.2)
    time.sleep(1.0)  # a second of the pattern, so the map and pads are lit
    shot = send("Page.captureScreenshot", {"format": "png"}, session=session)
    with open(out, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print(f"wrote {out}")
finally:
    browser.kill()
    browser.wait()
