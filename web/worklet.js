// The AudioWorklet side: instantiates the guest module on a memory of its
// own (the module imports `env.memory`; the plugin's host gives it the same
// initial size and maximum), and checks what the plugin's host checks before
// any call: the ABI version, and that the guest's heap ends below the fixed
// I/O area. Then `init` at the context's rate.

class WasmSamplerProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { bytes, abi } = options.processorOptions;
    try {
      const memory = new WebAssembly.Memory({ initial: abi.initial_pages, maximum: abi.max_pages });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      const guest = instance.exports;
      const version = guest.abi_version();
      if (version !== abi.version) throw new Error(`guest ABI ${version}, this page speaks ${abi.version}`);
      const heapBase = guest.__heap_base.value;
      if (heapBase > abi.io_base) throw new Error(`guest heap ends at ${heapBase}, past the I/O area at ${abi.io_base}`);
      const init = guest.init(sampleRate, abi.max_frames);
      if (init !== 0) throw new Error(`guest init failed with status ${init}`);
      this.guest = guest;
      this.port.postMessage({ ok: true, abi: version, heapBase, init });
    } catch (e) {
      this.port.postMessage({ ok: false, error: String(e.message || e) });
    }
  }

  process() {
    return true;
  }
}

registerProcessor("wasm-sampler", WasmSamplerProcessor);
