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

  const before = kept(state);
  drop(page.cells[1], new File(["these are my notes"], "notes.txt"));
  state = await until(page, (s) => s.pads[1]?.error);
  result.bad = { error: state.pads[1].error, unchanged: kept(state) === before, message: document.getElementById("message").textContent };

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
