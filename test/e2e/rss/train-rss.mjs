// Trains in one process and prints its resident set size after every epoch, one JSON object a line,
// then a summary line. Plain JavaScript so that any runtime runs it as it is (Node, Bun, Deno):
//   <runtime> test/e2e/rss/train-rss.mjs [--mode loop|fit] [--epochs 30] [--data mnist|synthetic]
//     [--samples 8000] [--hidden 256] [--batch 64] [--lib <module specifier or URL>]
// `loop` is the README's synchronous loop (for … of a DataLoader, Adam); `fit` is train.fit. The
// library is imported from the built package (dist/) unless --lib names another entry, e.g.
// `node --conditions=tensorgrad-source --import tsx test/e2e/rss/train-rss.mjs --lib tensorgrad`.
// Deno needs `deno run -A`. The summary's `growthMiBPerEpoch` is the least-squares slope of RSS
// from epoch `from` (default 5) on; test/e2e/rss.test.ts holds it under 1 MiB.
import process from "node:process";

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const mode = option("mode", "loop");
const epochs = Number(option("epochs", "30"));
const dataKind = option("data", "mnist");
const samples = Number(option("samples", "8000"));
const hidden = Number(option("hidden", "256"));
const batchSize = Number(option("batch", "64"));
const from = Number(option("from", "5"));
const lib = option("lib", new URL("../../../dist/src/index.js", import.meta.url).href);
if (!["loop", "fit"].includes(mode)) throw new Error(`train-rss: --mode must be loop or fit, got ${mode}`);

const tg = await import(lib);
const { nn, optim, data, train } = tg;
const F = nn.functional;
const MiB = 1 << 20;

tg.manualSeed(0);
let xs, ys;
if (dataKind === "mnist") {
  const d = data.mnist({ train: true });
  xs = samples < d.x.shape[0] ? d.x.slice(0, 0, samples).contiguous() : d.x;
  ys = samples < d.y.shape[0] ? d.y.slice(0, 0, samples).contiguous() : d.y;
} else {
  xs = tg.rand([samples, 784]);
  ys = tg.randint(0, 10, [samples], { dtype: "int32" });
}
const model = new nn.Sequential(new nn.Linear(784, hidden), new nn.ReLU(), new nn.Linear(hidden, 10));

const rows = [];
function record(epoch, loss) {
  const rss = process.memoryUsage().rss / MiB;
  const row = { epoch, rssMiB: Math.round(rss * 10) / 10, loss: Math.round(loss * 1e4) / 1e4 };
  if (args.includes("--stats")) {
    const m = process.memoryUsage();
    Object.assign(row, { heapMiB: Math.round(m.heapUsed / MiB * 10) / 10, externalMiB: Math.round(m.external / MiB * 10) / 10 });
    const be = tg.getBackend();
    if (typeof be.memoryStats === "function") row.wasm = be.memoryStats();
  }
  rows.push(row);
  console.log(JSON.stringify(row));
}

const t0 = performance.now();
if (mode === "loop") {
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let last = 0;
    for (const [xb, yb] of new data.DataLoader(new data.TensorDataset(xs, ys), { batchSize, shuffle: true })) {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(xb), yb);
      loss.backward();
      opt.step();
      last = loss.item();
    }
    record(epoch, last);
  }
} else {
  class Rss extends train.Callback {
    onEpochEnd(epoch, logs) {
      record(epoch + 1, logs.loss);
    }
  }
  await train.fit(model, { x: xs, y: ys }, {
    loss: "sparse_categorical_crossentropy", optimizer: "adam", epochs, batchSize, verbose: 0, callbacks: [new Rss()],
  });
}

// Least-squares slope of RSS over epochs >= from.
const tail = rows.filter((r) => r.epoch >= from);
const n = tail.length, mx = tail.reduce((s, r) => s + r.epoch, 0) / n, my = tail.reduce((s, r) => s + r.rssMiB, 0) / n;
const slope = tail.reduce((s, r) => s + (r.epoch - mx) * (r.rssMiB - my), 0) / tail.reduce((s, r) => s + (r.epoch - mx) ** 2, 0);
console.log(JSON.stringify({
  summary: true, mode, epochs, backend: tg.getBackend().name, runtime: typeof Bun !== "undefined" ? `bun ${Bun.version}` : typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`,
  firstMiB: rows[0]?.rssMiB, fromMiB: tail[0]?.rssMiB, lastMiB: rows[rows.length - 1]?.rssMiB,
  growthMiBPerEpoch: Math.round(slope * 1000) / 1000, seconds: Math.round((performance.now() - t0) / 100) / 10,
}));
