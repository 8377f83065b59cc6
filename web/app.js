// The page: fetches the guest module the plugin embeds, checks it is the
// manifest's bytes, and has the AudioWorklet (worklet.js) instantiate it and
// check its ABI. The result is shown, set as `window.guestStatus`, and, when
// the page was opened with `?report=1`, posted to the serving host's
// `/result` (the browser test's way of reading it).

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

// Loads and checks the guest; gives what the worklet reported.
async function checkGuest() {
  const manifest = await (await fetchOk("manifest.json")).json();
  const bytes = await (await fetchOk(manifest.guest.file)).arrayBuffer();
  const sha256 = hex(await crypto.subtle.digest("SHA-256", bytes));
  if (sha256 !== manifest.guest.sha256) {
    throw new Error(`guest.wasm is not the plugin's module (SHA-256 ${sha256}, expected ${manifest.guest.sha256})`);
  }
  // An offline context: the worklet runs without a user gesture or an
  // audio device, and the same context renders offline later.
  const context = new OfflineAudioContext(2, 128, 48000);
  await context.audioWorklet.addModule("worklet.js");
  const reported = new Promise((resolve) => {
    const node = new AudioWorkletNode(context, "wasm-sampler", {
      numberOfInputs: 0,
      outputChannelCount: [2],
      processorOptions: { bytes, abi: manifest.abi },
    });
    node.port.onmessage = (event) => resolve(event.data);
    node.connect(context.destination);
  });
  const status = await reported;
  await context.startRendering();
  return { ...status, sha256, bytes: bytes.byteLength, sampleRate: context.sampleRate };
}

function show(status) {
  window.guestStatus = status;
  statusLine.className = status.ok ? "ok" : "failed";
  statusLine.textContent = status.ok
    ? `The guest is running in an AudioWorklet: ABI ${status.abi}, the plugin's own module.`
    : `The guest could not run: ${status.error}`;
  const rows = status.ok
    ? [["guest.wasm", `${status.bytes} bytes, SHA-256 ${status.sha256}`], ["ABI version", status.abi],
       ["__heap_base", status.heapBase], ["init", `${status.sampleRate} Hz, status ${status.init}`]]
    : [];
  facts.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = k;
    dd.textContent = String(v);
    return [dt, dd];
  }));
  if (new URLSearchParams(location.search).get("report") === "1") {
    fetch("/result", { method: "POST", body: JSON.stringify(status) });
  }
}

checkGuest().then(show, (e) => show({ ok: false, error: String(e.message || e) }));
