// Trains in one process and prints its resident set size after every epoch, one JSON object a line,
// then a summary line. Plain JavaScript so that any runtime runs it as it is (Node, Bun, Deno):
//   <runtime> test/e2e/rss/train-rss.mjs [--mode loop|fit] [--epochs 30] [--data mnist|synthetic]
//     [--samples 8000] [--hidden 256] [--batch 64] [--from 5] [--max-growth MiB] [--stats]
//     [--lib <module specifier or URL>]
// `loop` is the README's synchronous loop (for … of a DataLoader, Adam); `fit` is train.fit. The
// defaults are the README's run (784-256-10 on the bundled MNIST); `--preset check` is the smaller run
// the test suite uses (the same 8,000 digits, 784-32-10: a fraction of a second an epoch, while a leak
// of one batch a step still adds ~25 MiB an epoch). The summary's `growthMiBPerEpoch` is RSS growth an epoch after epoch
// `from` (see below; it needs 20 epochs from there); with --max-growth the script exits with code 1
// unless it is below that.
// The library comes from the built package (dist/) unless --lib names another entry, e.g.
// `node --conditions=tensorgrad-source --import tsx test/e2e/rss/train-rss.mjs --lib tensorgrad`.
// Bun runs it as it is; Deno needs `deno run -A` (and `--node-modules-dir=manual` outside the checkout).
import process from "node:process";

const args = process.argv.slice(2);
if (args.includes("--preset") && args[args.indexOf("--preset") + 1] === "check") {
  args.push("--data", "mnist", "--hidden", "32");
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
    Object.assign(row, {
      heapMiB: Math.round((m.heapUsed / MiB) * 10) / 10,
      heapTotalMiB: Math.round((m.heapTotal / MiB) * 10) / 10,
      externalMiB: Math.round((m.external / MiB) * 10) / 10,
    });
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
  await train.fit(
    model,
    { x: xs, y: ys },
    {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      optimizer: "adam",
      epochs,
      batchSize,
      verbose: 0,
      callbacks: [new Rss()],
    },
  );
}

// Growth an epoch after epoch `from`: the highest RSS of the last ten epochs less the highest of the
// ten from `from` on, over the epochs between the windows' middles. Highest over windows of ten,
// because RSS is a sawtooth under a bounded process too: dead tensors' evicted copies pile up until
// the engine's next full collection (V8 lets about 64 MiB of such external memory accumulate: a few
// epochs here), then drop. A leak lifts the peaks; a bounded pile does not.
const tail = rows.filter((r) => r.epoch >= from);
const first = tail.slice(0, 10),
  last = tail.slice(-10);
const peak = (rs) => Math.max(...rs.map((r) => r.rssMiB));
const middle = (rs) => (rs[0].epoch + rs[rs.length - 1].epoch) / 2;
const span = tail.length >= 20 ? middle(last) - middle(first) : 0;
const growth = span > 0 ? (peak(last) - peak(first)) / span : NaN;
console.log(
  JSON.stringify({
    summary: true,
    mode,
    epochs,
    backend: tg.getBackend().name,
    runtime:
      typeof Bun !== "undefined"
        ? `bun ${Bun.version}`
        : typeof Deno !== "undefined"
          ? `deno ${Deno.version.deno}`
          : `node ${process.versions.node}`,
    firstMiB: rows[0]?.rssMiB,
    fromMiB: tail[0]?.rssMiB,
    lastMiB: rows[rows.length - 1]?.rssMiB,
    growthMiBPerEpoch: Math.round(growth * 1000) / 1000,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  }),
);
if (Number.isFinite(maxGrowth) && !(growth < maxGrowth)) {
  console.error(`train-rss: RSS grew ${growth.toFixed(3)} MiB an epoch from epoch ${from} on (${mode}), not below ${maxGrowth}`);
  process.exit(1);
}
