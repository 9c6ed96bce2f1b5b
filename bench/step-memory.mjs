// What a training step of the memory check's loop (test/e2e/rss/train-rss.mjs --preset check: 784-32-10,
// Adam, the 8,000 bundled digits, batch 64) allocates in JavaScript, and what the engine counts as
// extra memory. Plain JavaScript over the built package (npm run build), so Node and Bun run it as is:
//   TENSORGRAD_BACKEND=wasm node bench/step-memory.mjs [--epochs 4] [--sites 25] [--lib <url>]
//     bytes a step that the sampling heap profiler saw allocated (garbage included), by allocation site
//   TENSORGRAD_BACKEND=wasm bun bench/step-memory.mjs [--lib <url>]
//     JavaScriptCore cells a step by type (bun:jsc heapStats, no collection between), and the extra
//     memory it counts once the data are loaded and after each epoch (after a full collection that
//     this diagnostic forces; the library never does)
import process from "node:process";

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const tg = await import(option("lib", new URL("../dist/src/index.js", import.meta.url).href));
const { nn, optim, data } = tg;
const F = nn.functional;
const isBun = typeof Bun !== "undefined";
const jsc = isBun ? await import("bun:jsc") : null;
const MB = (bytes) => Math.round(bytes / 1e5) / 10;
const counted = (tag) => {
  Bun.gc(true);
  console.log(
    `${tag}: extra memory ${MB(jsc.heapStats().extraMemorySize)} MB, wasm memory ${MB(tg.getBackend().memoryStats?.().memoryBytes ?? 0)} MB`,
  );
};

tg.manualSeed(0);
const d = data.mnist({ train: true });
if (isBun) counted("digits loaded");
const model = new nn.Sequential(new nn.Linear(784, 32), new nn.ReLU(), new nn.Linear(32, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const step = (xb, yb) => {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(xb), yb);
  loss.backward();
  opt.step();
  loss.item();
};
const loader = () => new data.DataLoader(new data.TensorDataset(d.x, d.y), { batchSize: 64, shuffle: true });
const epoch = () => {
  for (const [xb, yb] of loader()) step(xb, yb);
};
for (let e = 1; e <= 2; e++) {
  epoch();
  if (isBun) counted(`epoch ${e}`);
}

if (isBun) {
  // 40 steps inside one epoch; JavaScriptCore collects far less often than that in this loop.
  const it = loader()[Symbol.iterator]();
  it.next();
  const before = jsc.heapStats().objectTypeCounts,
    steps = 40;
  for (let i = 0; i < steps; i++) step(...it.next().value);
  const after = jsc.heapStats().objectTypeCounts;
  const perStep = Object.entries(after)
    .map(([k, v]) => [k, Math.round(((v - (before[k] ?? 0)) / steps) * 10) / 10])
    .filter(([, v]) => v >= 0.5);
  console.log("cells a step:", JSON.stringify(Object.fromEntries(perStep.sort((a, b) => b[1] - a[1]))));
} else {
  const { Session } = await import("node:inspector/promises");
  const s = new Session();
  s.connect();
  await s.post("HeapProfiler.enable");
  await s.post("HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  const epochs = Number(option("epochs", "4"));
  for (let e = 0; e < epochs; e++) epoch();
  const { profile } = await s.post("HeapProfiler.stopSampling");
  const steps = epochs * Math.ceil(d.x.shape[0] / 64);
  const sites = new Map();
  let total = 0;
  const walk = (n) => {
    if (n.selfSize > 0) {
      const f = n.callFrame,
        site = `${f.functionName || "(anonymous)"} ${f.url.replace(/.*\/dist\//, "")}:${f.lineNumber + 1}`;
      total += n.selfSize;
      sites.set(site, (sites.get(site) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  console.log(`bytes a step: ${Math.round(total / steps)} (${steps} steps)`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, Number(option("sites", "25")))) {
    console.log(String(Math.round(bytes / steps)).padStart(7), site);
  }
}
