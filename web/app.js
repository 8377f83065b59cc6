// The page: fetches the guest module the plugin embeds, checks it is the
// manifest's bytes, and has the AudioWorklet (worklet.js) instantiate it,
// check its ABI and start the host engine (host.wasm) on it.
//
// - `index.html`: shows the result; "Play the demo" plays the demo kit and
//   pattern live.
// - `index.html?render=demo`: renders the demo offline (48 kHz, stereo) for
//   exactly the frames `wasm-sampler-render --demo --rate 48000` renders, and
//   sets `window.renderResult = { frames, sha256 }` (SHA-256 of the
//   interleaved little-endian float32 samples) and `#render-result`.
// - `&report=1`: also posts the result to the serving host's `/result` (the
//   browser tests read it there).

import { Decoder, PadsPage } from "./pads.js";

const params = new URLSearchParams(location.search);
const statusLine = document.getElementById("guest-status");
const facts = document.getElementById("guest-facts");

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

function report(result) {
  if (params.get("report") === "1") fetch("/result", { method: "POST", body: JSON.stringify(result) });
}

// The manifest and both modules, the guest checked against the manifest.
async function load() {
  const manifest = await (await fetchOk("manifest.json")).json();
  const guestBytes = await (await fetchOk(manifest.guest.file)).arrayBuffer();
  const sha256 = hex(await crypto.subtle.digest("SHA-256", guestBytes));
  if (sha256 !== manifest.guest.sha256) {
    throw new Error(`guest.wasm is not the plugin's module (SHA-256 ${sha256}, expected ${manifest.guest.sha256})`);
  }
  const hostBytes = await (await fetchOk(manifest.host.file)).arrayBuffer();
  return { manifest, guestBytes, hostBytes, sha256 };
}

// A worklet node on `context` running the guest and the engine; resolves
// with what the worklet reported once it started. `extra`: files and a MIDI
// file for `play` "midi" (see worklet.js).
async function startNode(context, loaded, play, extra = {}) {
  await context.audioWorklet.addModule("worklet.js");
  return new Promise((resolve) => {
    const node = new AudioWorkletNode(context, "wasm-sampler", {
      numberOfInputs: 0,
      outputChannelCount: [2],
      processorOptions: { guestBytes: loaded.guestBytes, hostBytes: loaded.hostBytes, abi: loaded.manifest.abi, play, ...extra },
    });
    node.port.onmessage = (event) => resolve({ node, status: event.data });
    node.connect(context.destination);
  });
}

// Renders offline at `rate` for `frames` frames and gives { frames, sha256 }.
async function renderOffline(loaded, rate, frames, play, extra) {
  const context = new OfflineAudioContext(2, frames, rate);
  const { status } = await startNode(context, loaded, play, extra);
  if (!status.ok) throw new Error(status.error);
  if (status.frames !== frames) throw new Error(`the engine plays ${status.frames} frames, expected ${frames}`);
  const buffer = await context.startRendering();
  const left = buffer.getChannelData(0);
  const right = buffer.getChannelData(1);
  const interleaved = new Float32Array(2 * frames);
  for (let i = 0; i < frames; i++) {
    interleaved[2 * i] = left[i];
    interleaved[2 * i + 1] = right[i];
  }
  return { frames, sha256: hex(await crypto.subtle.digest("SHA-256", interleaved.buffer)) };
}

// The demo, for exactly the command line's frames: its WAV files decoded
// here by the plugin's decoder, as dropped files are.
async function renderDemo(loaded) {
  const { rate, frames } = loaded.manifest.demo_render;
  const decoder = new Decoder(loaded.hostBytes);
  const files = [];
  for (const sound of loaded.manifest.demo) {
    files.push({ ...(await decodeFile(decoder, sound.file)), pad: sound.pad, note: 255, demo: true });
  }
  return renderOffline(loaded, rate, frames, "demo", { files });
}

// A file of the site decoded here by the plugin's decoder: { name, info,
// data } for the worklet.
async function decodeFile(decoder, file) {
  const name = new TextEncoder().encode(file);
  const decoded = decoder.decode(name, await (await fetchOk(file)).arrayBuffer());
  if (decoded.error) throw new Error(decoded.error);
  return { name, ...decoded };
}

// `?render=file&sample=NAME&note=N&midi=NAME`: the audio file NAME (fetched
// from the site, as a picked file) in a one-shot pad on note N, played by
// the MIDI file, at 48 kHz: what `wasm-sampler-render --sample N=NAME --midi
// NAME --rate 48000` renders.
async function renderFile(loaded) {
  const rate = 48000;
  const midi = await (await fetchOk(params.get("midi"))).arrayBuffer();
  // The length, from the decoder's instance (the MIDI reader needs no
  // guest either).
  const decoder = new Decoder(loaded.hostBytes);
  const frames = decoder.host.ws_midi_frames(...decoder.put(midi), rate);
  if (frames < 0) throw new Error(`${params.get("midi")}: not a Standard MIDI File`);
  const files = [{ ...(await decodeFile(decoder, params.get("sample"))), pad: 0, note: Number(params.get("note")) }];
  return renderOffline(loaded, rate, frames, "midi", { files, midi });
}

function showFacts(rows) {
  facts.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = k;
    dd.textContent = String(v);
    return [dt, dd];
  }));
}

function showStatus(status) {
  window.guestStatus = status;
  statusLine.className = status.ok ? "ok" : "failed";
  statusLine.textContent = status.ok
    ? `The guest is running in an AudioWorklet: ABI ${status.abi}, the plugin's own module, with the plugin's engine.`
    : `The guest could not run: ${status.error}`;
  if (status.ok) {
    showFacts([["guest.wasm", `${status.bytes} bytes, SHA-256 ${status.sha256}`], ["ABI version", status.abi],
      ["__heap_base", status.heapBase], ["init", `${status.sampleRate} Hz, status ${status.init}`]]);
  }
}

async function main() {
  let loaded;
  try {
    loaded = await load();
  } catch (e) {
    const failed = { ok: false, error: String(e.message || e) };
    showStatus(failed);
    report(failed);
    return;
  }
  if (params.get("render")) {
    let result;
    try {
      result = params.get("render") === "demo" ? await renderDemo(loaded) : await renderFile(loaded);
    } catch (e) {
      result = { error: String(e.message || e) };
    }
    window.renderResult = result;
    document.getElementById("render-result").textContent = result.error ? `error: ${result.error}` : `${result.frames} ${result.sha256}`;
    report(result);
    return;
  }
  // A short offline context checks the guest and starts the engine.
  const check = new OfflineAudioContext(2, 128, 48000);
  const { status } = await startNode(check, loaded, null);
  await check.startRendering();
  const shown = { ...status, sha256: loaded.sha256, bytes: loaded.guestBytes.byteLength, sampleRate: check.sampleRate };
  showStatus(shown);
  report(shown);
  if (!status.ok) return;
  // The pads, on a live context made at first use (after a click, or at
  // once where the browser allows sound without one).
  let context = null;
  const page = (window.padsPage = new PadsPage(async (play) => {
    context = new AudioContext({ sampleRate: 48000 });
    const started = await startNode(context, loaded, play);
    await context.resume();
    return started;
  }, loaded.hostBytes));
  const play = document.getElementById("play-demo");
  play.disabled = false;
  play.onclick = () => page.loadDemo(loaded.manifest);
  if (params.get("play") === "demo") {
    // Plays the demo at once; after a second, reports the loudest sample the
    // output carried in the last 2048 frames ({ playing, peak }).
    const node = await page.engine().catch((e) => report({ playing: false, error: String(e.message || e) }));
    if (!node) return;
    await page.loadDemo(loaded.manifest);
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    node.connect(analyser);
    setTimeout(() => {
      const samples = new Float32Array(analyser.fftSize);
      analyser.getFloatTimeDomainData(samples);
      const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      report({ playing: context.state === "running", peak, sampleRate: context.sampleRate });
    }, 1000);
  }
  if (params.get("selftest") === "1") {
    const { selftest } = await import("./selftest.js");
    selftest(page).then((r) => report({ selftest: r }), (e) => report({ error: String(e.message || e) }));
  }
}

main();
