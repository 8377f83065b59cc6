// The interactive page: a grid of 16 pads played through the worklet's
// engine. Files dropped on a pad (or picked) load into it; a click or a key
// plays it; the selected pad's gain, pan and tune are set with sliders; the
// sample memory is drawn as the plugin's editor draws it. `?selftest=1` runs
// the browser test's checks (see the end) and reports them.

const PADS = 16;
// A decoded file goes to the audio thread in pieces of this many bytes, one
// per message, each copied between two render quanta.
const PIECE = 256 * 1024;
const KEYS = "1234qwerasdfzxcv";
const MAP_COLOURS = { guest: "#555a66", io: "#7a6a4a", sample: "#4d7fc4", retired: "#a0703c", free: "#2b2d34" };

// The plugin's decoder (and MIDI reader) on the page's main thread: an
// instance of host.wasm of its own (neither needs a guest, so its guest
// imports are never called), so that the audio thread never decodes.
export class Decoder {
  constructor(hostBytes) {
    const none = () => { throw new Error("the decoder has no guest"); };
    const stub = new Proxy({}, { get: () => none });
    this.host = new WebAssembly.Instance(new WebAssembly.Module(hostBytes), { guest: stub }).exports;
  }

  put(bytes) {
    const data = new Uint8Array(bytes);
    const at = this.host.ws_alloc(data.length);
    new Uint8Array(this.host.memory.buffer).set(data, at);
    return [at, data.length];
  }

  // { info (nine numbers), data (stored samples) } or { error }.
  decode(name, bytes) {
    const h = this.host;
    if (h.ws_decode(...this.put(name), ...this.put(bytes)) !== 0) {
      return { error: new TextDecoder().decode(new Uint8Array(h.memory.buffer, h.ws_error(), h.ws_error_len())) };
    }
    const info = [...new Uint32Array(h.memory.buffer, h.ws_decoded_info(), 9)];
    const data = new Uint8Array(h.memory.buffer, h.ws_decoded(), h.ws_decoded_len()).slice();
    h.ws_decoded_drop();
    return { info, data };
  }
}

export class PadsPage {
  // `start(play)`: a promise of { node, status } for a live context;
  // `hostBytes`: host.wasm, for the decoder.
  constructor(start, hostBytes) {
    this.start = start;
    this.decoder = new Decoder(hostBytes);
    this.errors = new Map();
    this.live = null;
    this.state = { pads: [], map: [], stats: null };
    this.selected = 0;
    this.pending = new Map();
    this.nextId = 1;
    this.buildGrid();
    this.bindControls();
  }

  // The live engine, started on first use (a browser starts audio only after
  // a user's gesture, or at once where it allows that).
  async engine(play = null) {
    if (!this.live) {
      this.live = this.start(play).then(({ node, status }) => {
        if (!status.ok) throw new Error(status.error);
        node.port.onmessage = (event) => this.reply(event.data);
        return node;
      });
      // The figures and the map follow the sound: asked for four times a
      // second.
      this.live.then(() => setInterval(() => this.request({ type: "state" }), 250), (e) => this.say(`The engine could not start: ${e.message}`, true));
    }
    return this.live;
  }

  // Sends a request; resolves with the worklet's reply.
  async request(message, transfer = []) {
    const node = await this.engine();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      node.port.postMessage({ ...message, id }, transfer);
    });
  }

  reply(m) {
    if (m.state) this.show(m.state);
    const resolve = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (resolve) resolve(m);
  }

  say(text, error = false) {
    const line = document.getElementById("message");
    line.textContent = text;
    line.className = error ? "error" : "";
  }

  buildGrid() {
    const grid = document.getElementById("pads");
    this.cells = [];
    for (let pad = 0; pad < PADS; pad++) {
      const cell = document.createElement("div");
      cell.className = "pad";
      cell.dataset.pad = pad;
      cell.addEventListener("pointerdown", () => { this.select(pad); this.hit(pad, true); });
      cell.addEventListener("pointerup", () => this.hit(pad, false));
      cell.addEventListener("pointerleave", () => this.hit(pad, false));
      cell.addEventListener("dragover", (e) => { e.preventDefault(); cell.classList.add("drop"); });
      cell.addEventListener("dragleave", () => cell.classList.remove("drop"));
      cell.addEventListener("drop", (e) => {
        e.preventDefault();
        cell.classList.remove("drop");
        const files = [...(e.dataTransfer?.files || [])];
        // Several files fill this pad and the ones after it.
        files.forEach((file, i) => this.loadFile(pad + i, file));
      });
      grid.appendChild(cell);
      this.cells.push(cell);
    }
    this.render();
  }

  bindControls() {
    const picker = document.getElementById("file");
    document.getElementById("pick").onclick = () => picker.click();
    picker.onchange = () => {
      if (picker.files[0]) this.loadFile(this.selected, picker.files[0]);
      picker.value = "";
    };
    for (const id of ["gain", "pan", "tune"]) document.getElementById(id).oninput = () => this.setSelected();
    const held = new Set();
    window.addEventListener("keydown", (e) => {
      const pad = KEYS.indexOf(e.key.toLowerCase());
      if (pad < 0 || held.has(pad) || e.target.tagName === "INPUT") return;
      held.add(pad);
      this.hit(pad, true);
    });
    window.addEventListener("keyup", (e) => {
      const pad = KEYS.indexOf(e.key.toLowerCase());
      if (pad >= 0 && held.delete(pad)) this.hit(pad, false);
    });
    // Web MIDI, where the browser offers it: notes from every input.
    navigator.requestMIDIAccess?.().then((access) => {
      const listen = (input) => (input.onmidimessage = (e) => this.midi(e.data));
      access.inputs.forEach(listen);
      access.onstatechange = (e) => e.port.type === "input" && e.port.state === "connected" && listen(e.port);
    }, () => {});
  }

  midi([status, note, velocity]) {
    const kind = status & 0xf0;
    if (kind === 0x90 || kind === 0x80) this.note(note, kind === 0x90 ? velocity : 0);
  }

  note(note, velocity) {
    this.engine().then((node) => node.port.postMessage({ type: "note", note, velocity }));
  }

  // The note a pad plays: its own, or 36 + its number for an empty one.
  padNote(pad) {
    return this.state.pads[pad]?.note ?? 36 + pad;
  }

  hit(pad, down) {
    const cell = this.cells[pad];
    if (down === cell.classList.contains("hit")) return;
    cell.classList.toggle("hit", down);
    if (this.state.pads[pad]?.frames) this.note(this.padNote(pad), down ? 100 : 0);
  }

  select(pad) {
    this.selected = pad;
    this.render();
  }

  // Loads a File into `pad`: decoded here, then moved to the audio thread
  // in pieces. Resolves with { error } or { pieces, quanta } (the render
  // quanta the move spanned).
  async loadFile(pad, file) {
    if (pad >= PADS) return null;
    this.say(`Loading ${file.name} into pad ${pad + 1}…`);
    const name = new TextEncoder().encode(file.name);
    const done = await this.loadDecoded(pad, this.padNote(pad), name, this.decoder.decode(name, await file.arrayBuffer()));
    if (!done.error) this.say(`${file.name} is on pad ${pad + 1}.`);
    return done;
  }

  // The demo kit from the site's WAV files (decoded here, as any file),
  // with the demo's mappings and settings, then its pattern.
  async loadDemo(manifest) {
    this.say("Loading the demo kit…");
    for (const sound of manifest.demo) {
      const name = new TextEncoder().encode(sound.file);
      const bytes = await (await fetch(sound.file)).arrayBuffer();
      await this.request({ type: "demo-prepare", pad: sound.pad });
      const done = await this.loadDecoded(sound.pad, 255, name, this.decoder.decode(name, bytes));
      if (done.error) return done;
      await this.request({ type: "demo-finish", pad: sound.pad });
    }
    this.say("The demo is playing.");
    return this.request({ type: "pattern" });
  }

  // Moves a decoded file ({ info, data } or { error }) into `pad` in
  // pieces; `note` 255 keeps the pad's mapping.
  async loadDecoded(pad, note, name, decoded) {
    const failed = (error) => {
      this.errors.set(pad, error);
      this.say(error, true);
      this.render();
      return { error };
    };
    if (decoded.error) return failed(decoded.error);
    const begun = await this.request({ type: "begin", pad, note, name, info: decoded.info });
    if (begun.error) return failed(begun.error);
    let pieces = 0;
    let first = null;
    for (let offset = 0; offset < decoded.data.length; offset += PIECE) {
      const piece = decoded.data.slice(offset, offset + PIECE);
      const done = await this.request({ type: "piece", token: begun.token, offset, bytes: piece.buffer }, [piece.buffer]);
      if (done.error) {
        await this.request({ type: "finish", token: begun.token, cancel: true });
        return failed(done.error);
      }
      first ??= done.quantum;
      pieces++;
    }
    const finished = await this.request({ type: "finish", token: begun.token });
    if (finished.error) return failed(finished.error);
    this.errors.delete(pad);
    this.render();
    return { pieces, quanta: finished.quantum - (first ?? finished.quantum) };
  }

  setSelected() {
    const v = (id) => Number(document.getElementById(id).value);
    this.request({ type: "set", pad: this.selected, gain: v("gain"), pan: v("pan"), tune: v("tune") });
  }

  show(state) {
    this.state = state;
    this.render();
  }

  render() {
    this.cells.forEach((cell, pad) => {
      const p = this.state.pads[pad];
      const name = p?.name ? p.name.split("/").pop() : "";
      cell.classList.toggle("loaded", Boolean(p?.frames));
      const error = this.errors.get(pad) || p?.error;
      cell.classList.toggle("failed", Boolean(error));
      cell.classList.toggle("selected", pad === this.selected);
      cell.innerHTML = "";
      const head = document.createElement("b");
      head.textContent = `${pad + 1}  [${KEYS[pad].toUpperCase()}]  note ${this.padNote(pad)}`;
      const label = document.createElement("div");
      label.className = "name";
      label.textContent = error || name || "empty";
      const info = document.createElement("div");
      info.className = "info";
      if (p?.frames) info.textContent = `${(p.frames / p.rate).toFixed(2)} s · ${p.rate / 1000} kHz · ${p.channels === 2 ? "stereo" : "mono"}`;
      cell.append(head, label, info);
    });
    const p = this.state.pads[this.selected];
    document.getElementById("selected").textContent = `Pad ${this.selected + 1}${p?.name ? `: ${p.name.split("/").pop()}` : ""}`;
    const set = (id, value, text) => {
      const input = document.getElementById(id);
      if (document.activeElement !== input) input.value = value;
      document.getElementById(`${id}-v`).textContent = text;
    };
    const gain = p?.gain_db ?? 0;
    const pan = p?.pan ?? 0;
    const tune = p?.tune ?? 0;
    set("gain", gain, `${gain.toFixed(1)} dB`);
    set("pan", pan, Math.abs(pan) < 0.005 ? "C" : `${Math.round(Math.abs(pan) * 100)}${pan < 0 ? "L" : "R"}`);
    set("tune", tune, `${tune} st`);
    this.drawMap();
  }

  // The memory map: the guest's area, the I/O area, each sample by pad,
  // samples still fading, and the free gaps; with used, free and largest
  // free, as in the plugin's editor.
  drawMap() {
    const canvas = document.getElementById("map");
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    const map = this.state.map;
    const end = map.reduce((m, s) => Math.max(m, s.offset + s.len), 1);
    for (const s of map) {
      g.fillStyle = MAP_COLOURS[s.kind] || "#888";
      const x = (s.offset / end) * canvas.width;
      g.fillRect(x, 0, Math.max(1, (s.len / end) * canvas.width), canvas.height);
    }
    const a = this.state.stats?.allocator;
    const mib = (b) => `${(b / 1048576).toFixed(2)} MiB`;
    const rows = a ? [["memory", mib(this.state.stats.memory_bytes)], ["samples", `${a.regions} regions, ${mib(a.used)}`],
      ["free", mib(a.free)], ["largest free", mib(a.largest_free)], ["voices", `${this.state.stats.active_voices} now, ${this.state.stats.voices_started} started`]] : [];
    document.getElementById("memory").replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = k;
      dd.textContent = v;
      return [dt, dd];
    }));
  }
}
