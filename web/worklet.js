// The AudioWorklet side. Instantiates the guest module on a memory of its
// own (the module imports `env.memory`; the plugin's host gives it the same
// initial size and maximum) and checks what the plugin's host checks before
// any call: the ABI version, and that the guest's heap ends below the fixed
// I/O area. Then the host engine (host.wasm: the plugin's engine, kit and
// demo built for the browser, web/host/) starts, reaching the guest through
// the imports below, and renders each quantum.

class WasmSamplerProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { guestBytes, hostBytes, abi, play, files, midi } = options.processorOptions;
    try {
      this.start(guestBytes, hostBytes, abi, play, files || [], midi);
    } catch (e) {
      this.host = null;
      this.port.postMessage({ ok: false, error: String(e.message || e) });
    }
  }

  // `files`: decoded by the page ({ pad, note, name, info, data, demo }),
  // loaded before the first quantum (offline renders); `play`: "demo" (its
  // pattern), "midi" (the MIDI file `midi`), or nothing (the engine only).
  start(guestBytes, hostBytes, abi, play, files, midi) {
    const memory = new WebAssembly.Memory({ initial: abi.initial_pages, maximum: abi.max_pages });
    const guestModule = new WebAssembly.Module(guestBytes);
    const instantiate = () => new WebAssembly.Instance(guestModule, { env: { memory } }).exports;
    let guest = instantiate();
    const version = guest.abi_version();
    if (version !== abi.version) throw new Error(`guest ABI ${version}, this page speaks ${abi.version}`);
    const heapBase = guest.__heap_base.value;
    if (heapBase > abi.io_base) throw new Error(`guest heap ends at ${heapBase}, past the I/O area at ${abi.io_base}`);
    const status = { ok: true, abi: version, heapBase, init: guest.init(sampleRate, abi.max_frames) };
    if (status.init !== 0) throw new Error(`guest init failed with status ${status.init}`);
    if (hostBytes) {
      // A guest call that throws (a trap) returns 0 and is reported to the
      // engine by `trapped`, as wasmtime reports a trap to the plugin's.
      let trapped = 0;
      const call = (name) => (...args) => {
        try {
          return guest[name](...args);
        } catch (e) {
          trapped = 1;
          return 0;
        }
      };
      const hostMemory = () => new Uint8Array(this.host.memory.buffer);
      // The guest's buffer changes when it grows: read it at each use.
      const guestMemory = () => new Uint8Array(memory.buffer);
      const imports = { guest: {
        now_seconds: () => currentTime,
        trapped: () => { const t = trapped; trapped = 0; return t; },
        write: (offset, src, len) => guestMemory().set(hostMemory().subarray(src, src + len), offset),
        read: (offset, dst, len) => hostMemory().set(guestMemory().subarray(offset, offset + len), dst),
        memory_pages: () => memory.buffer.byteLength / 65536,
        grow: (pages) => { try { return memory.grow(pages); } catch (e) { return -1; } },
        reinstantiate: () => { try { guest = instantiate(); return 0; } catch (e) { return 1; } },
      } };
      for (const name of ["init", "set_polyphony", "slot_load", "slot_retire", "slot_voices", "pad_param", "slot_loop", "reset", "process"]) {
        imports.guest[name] = call(name);
      }
      const host = (this.host = new WebAssembly.Instance(new WebAssembly.Module(hostBytes), imports).exports);
      // UTF-8 text the engine wrote (a worklet has no TextDecoder).
      const text = (at, len) => decodeURIComponent(Array.from(hostMemory().slice(at, at + len), (b) => "%" + b.toString(16).padStart(2, "0")).join(""));
      this.errorText = () => text(host.ws_error(), host.ws_error_len());
      this.stateText = () => text(host.ws_state(), host.ws_state_len());
      const fail = () => {
        throw new Error(this.errorText());
      };
      // Bytes into the engine's memory (it takes them back).
      const put = (this.put = (bytes) => {
        const data = new Uint8Array(bytes);
        const at = host.ws_alloc(data.length);
        hostMemory().set(data, at);
        return [at, data.length];
      });
      if (host.ws_start(sampleRate) !== 0) fail();
      // Each file whole, as one piece (nothing plays yet); a demo pad gets
      // the demo's mapping and settings around it. (Names come as UTF-8: a
      // worklet has no TextEncoder.)
      for (const file of files) {
        if (file.demo && host.ws_demo_prepare(file.pad) !== 0) fail();
        const token = host.ws_begin_load(file.pad, file.note, ...put(file.name), ...file.info);
        if (token < 0 || host.ws_load_piece(token, 0, ...put(file.data)) !== 0 || host.ws_finish_load(token, 0) !== 0) fail();
        if (file.demo && host.ws_demo_finish(file.pad) !== 0) fail();
      }
      if (play === "demo") status.frames = host.ws_play_demo(sampleRate);
      if (play === "midi") {
        status.frames = host.ws_play_midi(...put(midi), sampleRate);
        if (status.frames < 0) fail();
      }
      status.engine = true;
      this.port.onmessage = (event) => this.message(event.data);
    }
    this.port.postMessage(status);
  }

  // The page's requests: a file into a pad in pieces, play a note, clear a pad,
  // set a pad's gain/pan/tune, or ask for the state (pads, memory map,
  // figures). Every reply but a note's carries the state.
  message(m) {
    const host = this.host;
    if (!host) return;
    const reply = { type: m.type, id: m.id, pad: m.pad };
    switch (m.type) {
      case "note":
        host.ws_note(m.note, m.velocity);
        return;
      // A file decoded in the page's main thread, in pieces: begin
      // reserves its region, each piece is copied in between two quanta,
      // finish publishes it (or cancels).
      case "begin":
        reply.token = host.ws_begin_load(m.pad, m.note, ...this.put(m.name), ...m.info);
        if (reply.token < 0) reply.error = this.errorText();
        break;
      case "piece":
        if (host.ws_load_piece(m.token, m.offset, ...this.put(m.bytes)) !== 0) reply.error = this.errorText();
        // Acknowledged after the next quantum is rendered: the page sends
        // the next piece only then, so at most one piece is copied between
        // two quanta.
        this.acknowledge = reply;
        return;
      case "finish":
        if (host.ws_finish_load(m.token, m.cancel ? 1 : 0) !== 0) reply.error = this.errorText();
        reply.quantum = this.quanta;
        break;
      case "clear":
        host.ws_clear(m.pad);
        break;
      case "set":
        if (host.ws_set(m.pad, m.gain, m.pan, m.tune) !== 0) reply.error = this.errorText();
        break;
      // A demo pad's mapping and settings before its file loads, its root
      // key after; then the pattern from now on.
      case "demo-prepare":
        if (host.ws_demo_prepare(m.pad) !== 0) reply.error = this.errorText();
        break;
      case "demo-finish":
        if (host.ws_demo_finish(m.pad) !== 0) reply.error = this.errorText();
        break;
      case "pattern":
        reply.frames = host.ws_play_demo(sampleRate);
        break;
      case "state":
        break;
      default:
        return;
    }
    reply.state = JSON.parse(this.stateText());
    this.port.postMessage(reply);
  }

  process(inputs, outputs) {
    this.quanta = (this.quanta || 0) + 1;
    const out = outputs[0];
    if (this.host && out.length >= 2) {
      const frames = out[0].length;
      const at = this.host.ws_process(frames);
      // Left, then right 4096 floats on (web/host/src/lib.rs).
      const rendered = new Float32Array(this.host.memory.buffer, at, 4096 + frames);
      out[0].set(rendered.subarray(0, frames));
      out[1].set(rendered.subarray(4096, 4096 + frames));
    }
    if (this.acknowledge) {
      this.acknowledge.quantum = this.quanta;
      this.port.postMessage(this.acknowledge);
      this.acknowledge = null;
    }
    return true;
  }
}

registerProcessor("wasm-sampler", WasmSamplerProcessor);
