// Trains in one process and prints its resident set size after every epoch, one JSON object a line,
// then a summary line. Plain JavaScript so that any runtime runs it as it is (Node, Bun, Deno):
//   <runtime> test/e2e/rss/train-rss.mjs [--mode loop|fit] [--epochs 30] [--data mnist|synthetic]
//     [--samples 8000] [--hidden 256] [--batch 64] [--from 5] [--max-growth MiB] [--max-total MiB] [--stats]
//     [--lib <module specifier or URL>]
// `loop` is the README's synchronous loop (for … of a DataLoader, Adam); `fit` is train.fit. The
// defaults are the README's run (784-256-10 on the bundled MNIST); `--preset check` is the smaller run
// the test suite uses (synthetic 3,000 x 784, 784-64-10: a few seconds, while a leak of a batch a step
// still adds ~9 MiB an epoch). The summary's `growthMiBPerEpoch` is RSS growth an epoch after
// epoch `from` and `totalGrowthMiB` all of it (see below); with --max-growth / --max-total the script
// exits with code 1 unless they are below those limits.
// The library comes from the built package (dist/) unless --lib names another entry, e.g.
// `node --conditions=tensorgrad-source --import tsx test/e2e/rss/train-rss.mjs --lib tensorgrad`.
// Bun runs it as it is; Deno needs `deno run -A` (and `--node-modules-dir=manual` outside the checkout).
import process from "node:process";

const args = process.argv.slice(2);
if (args.includes("--preset") && args[args.indexOf("--preset") + 1] === "check") {
  args.push("--data", "synthetic", "--samples", "3000", "--hidden", "64");
}
function option(name, fallback) {
  const i = args.lastIndexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const mode = option("mode", "loop");
const epochs = Number(option("epochs", "30"));
const dataKind = option("data", "mnist");
const samples = Number(option("samples", "8000"));
const hidden = Number(option("hidden", "256"));
const batchSize = Number(option("batch", "64"));
const from = Number(option("from", "5"));
const maxGrowth = Number(option("max-growth", "Infinity"));
const maxTotal = Number(option("max-total", "Infinity"));
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
    Object.assign(row, { heapMiB: Math.round(m.heapUsed / MiB * 10) / 10, heapTotalMiB: Math.round(m.heapTotal / MiB * 10) / 10, externalMiB: Math.round(m.external / MiB * 10) / 10 });
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

// Growth an epoch after epoch `from`: the median of the epoch-to-epoch RSS changes from there on. A
// leak moves RSS every epoch; the engine moves it in steps (its heap resized, a pile of dead arrays
// waiting for a full collection that the C allocator keeps), which the median leaves out and
// `totalGrowthMiB` (the last epoch less epoch `from`) still shows.
const tail = rows.filter((r) => r.epoch >= from);
const steps = tail.slice(1).map((r, i) => r.rssMiB - tail[i].rssMiB).sort((a, b) => a - b);
const growth = steps.length ? steps[Math.floor(steps.length / 2)] : NaN;
const total = tail.length ? tail[tail.length - 1].rssMiB - tail[0].rssMiB : NaN;
console.log(JSON.stringify({
  summary: true, mode, epochs, backend: tg.getBackend().name, runtime: typeof Bun !== "undefined" ? `bun ${Bun.version}` : typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`,
  firstMiB: rows[0]?.rssMiB, fromMiB: tail[0]?.rssMiB, lastMiB: rows[rows.length - 1]?.rssMiB,
  growthMiBPerEpoch: Math.round(growth * 1000) / 1000, totalGrowthMiB: Math.round(total * 10) / 10, seconds: Math.round((performance.now() - t0) / 100) / 10,
}));
if (!(growth < maxGrowth) || !(total < maxTotal)) {
  console.error(`train-rss: RSS grew ${growth.toFixed(3)} MiB an epoch (median) and ${total.toFixed(1)} MiB in all from epoch ${from} on (${mode}); limits ${maxGrowth} and ${maxTotal}`);
  process.exit(1);
}
