// `index.html?selftest=1`: what the browser test checks through the page
// itself, with real drop events: a WAV dropped on pad 1 loads there and
// plays (a voice starts, its region is in the memory map); a file that is not
// audio dropped on pad 2 gives one message and changes nothing; 200 loads and
// clears leave the allocator consistent. The result is reported to
// `/result`.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function drop(cell, file) {
  const data = new DataTransfer();
  data.items.add(file);
  cell.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}

async function until(page, test) {
  for (let i = 0; i < 200; i++) {
    const { state } = await page.request({ type: "state" });
    if (test(state)) return state;
    await sleep(25);
  }
  throw new Error("timed out");
}

// What must not change when a load fails: every pad that holds a sample or
// a name (an empty pad shows the error, nothing more), and the map.
const kept = (state) => JSON.stringify({ pads: state.pads.filter((p) => p.frames || p.name).map(({ error, ...p }) => p), map: state.map });

export async function selftest(page) {
  const result = {};
  await page.engine();
  const snare = await (await fetch("demo/snare.wav")).arrayBuffer();
  drop(page.cells[0], new File([snare], "snare.wav"));
  let state = await until(page, (s) => s.pads[0]?.frames);
  result.drop = {
    name: state.pads[0].name,
    frames: state.pads[0].frames,
    rate: state.pads[0].rate,
    region: state.map.some((s) => s.kind === "sample" && s.pad === 0),
  };
  page.hit(0, true);
  await sleep(100);
  page.hit(0, false);
  state = await until(page, (s) => s.stats.voices_started > 0);
  result.voicesStarted = state.stats.voices_started;

  // Its key (1) plays it again; the sliders set its gain, pan and tune,
  // clamped to the settings table's ranges.
  window.dispatchEvent(new KeyboardEvent("keydown", { key: "1" }));
  await sleep(50);
  window.dispatchEvent(new KeyboardEvent("keyup", { key: "1" }));
  state = await until(page, (s) => s.stats.voices_started > result.voicesStarted);
  result.keyStarted = state.stats.voices_started - result.voicesStarted;
  const slide = (id, value) => {
    const input = document.getElementById(id);
    input.value = value;
    input.dispatchEvent(new Event("input"));
  };
  page.select(0);
  slide("gain", "-6.5");
  slide("pan", "0.25");
  slide("tune", "7");
  state = await until(page, (s) => s.pads[0].tune === 7);
  const { gain_db, pan, tune } = state.pads[0];
  result.settings = { gain_db, pan, tune };
  const clamped = await page.request({ type: "set", pad: 0, gain: 99, pan: -5, tune: 100 });
  result.clamped = { gain_db: clamped.state.pads[0].gain_db, pan: clamped.state.pads[0].pan, tune: clamped.state.pads[0].tune };
  await page.request({ type: "set", pad: 0, gain: 0, pan: 0, tune: 0 });

  state = (await page.request({ type: "state" })).state;
  const before = kept(state);
  drop(page.cells[1], new File(["these are my notes"], "notes.txt"));
  for (let i = 0; i < 200 && !page.errors.get(1); i++) await sleep(25);
  state = (await page.request({ type: "state" })).state;
  result.bad = { error: page.errors.get(1), shown: page.cells[1].textContent.includes("not an audio file"),
    unchanged: kept(state) === before, message: document.getElementById("message").textContent };

  // A long file (20 s of stereo float at 48 kHz, 7.7 MB stored) goes to the
  // audio thread in pieces, over many render quanta, and plays from pad 7.
  const frames = 20 * 48000;
  const wav = new DataView(new ArrayBuffer(44 + frames * 8));
  const text = (at, s) => [...s].forEach((c, i) => wav.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF"); wav.setUint32(4, 36 + frames * 8, true); text(8, "WAVEfmt ");
  wav.setUint32(16, 16, true); wav.setUint16(20, 3, true); wav.setUint16(22, 2, true); wav.setUint32(24, 48000, true);
  wav.setUint32(28, 48000 * 8, true); wav.setUint16(32, 8, true); wav.setUint16(34, 32, true);
  text(36, "data"); wav.setUint32(40, frames * 8, true);
  for (let i = 0; i < 2 * frames; i++) wav.setFloat32(44 + 4 * i, Math.sin(i * 0.01) * 0.25, true);
  const long = await page.loadFile(6, new File([wav.buffer], "long.wav"));
  state = (await page.request({ type: "state" })).state;
  result.long = { ...long, frames: state.pads[6]?.frames, bytes: state.pads[6]?.bytes };

  // 200 loads into pads 3-6, and a clear of the next of them after every
  // third.
  const kick = await (await fetch("demo/kick.wav")).arrayBuffer();
  let clears = 0;
  for (let i = 0; i < 200; i++) {
    await page.loadFile(2 + (i % 4), new File([kick], `kick-${i}.wav`));
    if (i % 3 === 0) {
      await page.request({ type: "clear", pad: 2 + ((i + 1) % 4) });
      clears++;
    }
  }
  // Cleared samples are freed once no voice reads them (the next block).
  state = await until(page, (s) => !s.map.some((m) => m.kind === "retired"));
  const loaded = state.pads.filter((p) => p.frames).map((p) => p.pad);
  const regions = state.map.filter((m) => m.kind === "sample").map((m) => m.pad);
  result.churn = { loads: 200, clears, loaded, regions, allocatorRegions: state.stats.allocator.regions, used: state.stats.allocator.used,
    bytes: state.pads.reduce((sum, p) => sum + (p.bytes || 0), 0) };
  return result;
}
