// `npm run bench:gpu`: tensorgrad on WebGPU against TensorFlow.js's WebGPU backend and jax-js on the
// same device in one run — matmul GFLOP/s at several sizes, an MNIST MLP epoch and a LeNet epoch
// through fit, and single-sample inference latency. Needs a real GPU: on SwiftShader (a CPU driver)
// it refuses to report, since those timings measure the CPU, not a GPU.
// Run: npm run bench:gpu -- [--quick] [--sizes 256,1024,4096] [--json-out PATH]
// `--dry-run` walks every contender at toy sizes on any adapter (SwiftShader included) to check the
// harness itself; it prints no figures.
// Each run's table goes to stdout; paste it into bench/RESULTS.md under the device it names.

import { writeFileSync } from "node:fs";
import * as tg from "../src/index.js";
import { data, nn, optim, train } from "../src/index.js";

const argv = process.argv.slice(2);
const dryRun = argv.includes("--dry-run");
const quick = argv.includes("--quick") || dryRun;
const sizesArg = argv[argv.indexOf("--sizes") + 1];
const sizes = dryRun
  ? [64]
  : argv.includes("--sizes") && sizesArg
    ? sizesArg.split(",").map(Number)
    : quick
      ? [256, 1024]
      : [256, 512, 1024, 2048, 4096];
const jsonOut = argv.includes("--json-out") ? argv[argv.indexOf("--json-out") + 1] : undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Row {
  contender: string;
  what: string;
  value: number | null;
  unit: string;
  note?: string;
}
const rows: Row[] = [];

await tg.setBackend("webgpu");
const info = (tg.getBackend() as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
const device = info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : "unknown adapter";
if (!dryRun && /swiftshader/i.test(`${info?.architecture} ${info?.description} ${info?.vendor}`)) {
  console.error(
    `bench:gpu: the adapter is SwiftShader (${device}), a CPU implementation of Vulkan: its timings are not GPU performance and are not reported. Run on a machine with a GPU driver.`,
  );
  process.exit(3);
}
log(`bench:gpu on ${device}`);

/** Median of `runs` timings of `fn` (ms), after `warm` untimed runs; fn resolves once the device finished. */
async function time(fn: () => Promise<unknown>, runs: number, warm = 2): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    t.push(performance.now() - start);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

// ---- matmul: `reps` products chained per timing, one read of one element at the end -----------------
async function matmulTensorgrad(n: number, reps: number): Promise<number> {
  const a = tg.randn([n, n]),
    b = tg.randn([n, n]).mul(1 / Math.sqrt(n));
  return time(
    async () => {
      let c = a;
      for (let i = 0; i < reps; i++) c = c.matmul(b);
      await c.slice(0, 0, 1).slice(1, 0, 1).data();
    },
    quick ? 3 : 7,
  );
}

/** A WebGPU entry point for the peers: navigator.gpu in Node comes from the `webgpu` package (Dawn). */
async function exposeNavigatorGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu) return;
  const name = "webgpu";
  const { create, globals } = await import(name);
  for (const [k, v] of Object.entries(globals as object)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = create([]) as GPU;
  (globalThis as { __benchGpu?: GPU }).__benchGpu = gpu; // Dawn needs the GPU object kept alive
  if (g.navigator) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
  // Node 20 has no navigator; jax-js reads navigator.userAgent beside navigator.gpu.
  else
    Object.defineProperty(globalThis, "navigator", { value: { gpu, userAgent: `Node.js/${process.versions.node}` }, configurable: true });
}

async function tfjsPeer(): Promise<((n: number, reps: number) => Promise<number>) | string> {
  try {
    await exposeNavigatorGpu();
    const tf = await import("@tensorflow/tfjs");
    await import("@tensorflow/tfjs-backend-webgpu");
    if (!(await tf.setBackend("webgpu"))) return "tfjs: the webgpu backend did not initialise";
    await tf.ready();
    return (n, reps) => {
      const a = tf.randomNormal([n, n]),
        b = tf.randomNormal([n, n]).mul(1 / Math.sqrt(n));
      return time(
        async () => {
          const c = tf.tidy(() => {
            let c = a as typeof a;
            for (let i = 0; i < reps; i++) c = tf.matMul(c, b);
            return c;
          });
          await c.data();
          c.dispose();
        },
        quick ? 3 : 7,
      );
    };
  } catch (e) {
    return `tfjs webgpu unavailable: ${(e as Error).message.split("\n")[0]}`;
  }
}

async function jaxPeer(): Promise<((n: number, reps: number) => Promise<number>) | string> {
  try {
    await exposeNavigatorGpu();
    const name = "@jax-js/jax";
    const jax = await import(name);
    const devices: string[] = await jax.init();
    if (!devices.includes("webgpu"))
      return `jax-js has no webgpu device here (devices: ${devices.join(", ")}; its README lists WebGPU for browsers and Deno, not Node)`;
    jax.defaultDevice("webgpu");
    const np = jax.numpy;
    return (n, reps) => {
      const a = np.array(Float32Array.from({ length: n * n }, () => Math.random() - 0.5)).reshape([n, n]);
      const b = np.array(Float32Array.from({ length: n * n }, () => (Math.random() - 0.5) / Math.sqrt(n))).reshape([n, n]);
      return time(
        async () => {
          let c = a.ref;
          for (let i = 0; i < reps; i++) c = np.matmul(c, b.ref);
          await c.data();
        },
        quick ? 3 : 7,
      );
    };
  } catch (e) {
    return `jax-js unavailable: ${(e as Error).message.split("\n")[0]}`;
  }
}

const reps = (n: number) => (dryRun ? 1 : Math.max(1, Math.round(2 ** 31 / n ** 3)));
for (const n of sizes) {
  const ms = await matmulTensorgrad(n, reps(n));
  rows.push({ contender: "tensorgrad webgpu", what: `matmul ${n}×${n}`, value: (2 * n ** 3 * reps(n)) / (ms * 1e6), unit: "GFLOP/s" });
  log(`tensorgrad matmul ${n}: ${rows.at(-1)!.value!.toFixed(1)} GFLOP/s`);
}

// ---- training epochs and inference on tensorgrad -----------------------------------------------------
const LOSS = { name: "sparse_categorical_crossentropy", fromLogits: true } as const;
const digits = data.mnist({ train: true, limit: dryRun ? 128 : quick ? 2000 : 8000 });
async function epoch(make: () => nn.Module, what: string): Promise<void> {
  tg.manualSeed(0);
  const model = make();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  await train.fit(model, digits, { loss: LOSS, optimizer: opt, epochs: 1, batchSize: 64, verbose: 0 }); // compiles the pipelines
  const start = performance.now();
  await train.fit(model, digits, { loss: LOSS, optimizer: opt, epochs: 1, batchSize: 64, verbose: 0 });
  rows.push({
    contender: "tensorgrad webgpu",
    what: `${what} epoch (${digits.x.shape[0]} samples, batch 64)`,
    value: performance.now() - start,
    unit: "ms",
  });
  log(`tensorgrad ${what} epoch: ${rows.at(-1)!.value!.toFixed(0)} ms`);
  const one = digits.x.slice(0, 0, 1);
  const latency = await time(() => train.predict(model, one).data(), dryRun ? 2 : 50, dryRun ? 1 : 5);
  rows.push({ contender: "tensorgrad webgpu", what: `${what} inference, 1 sample`, value: latency, unit: "ms" });
}
class Images extends nn.Module {
  forward(x: tg.Tensor): tg.Tensor {
    return x.reshape([x.shape[0]!, 1, 28, 28]);
  }
}
await epoch(() => new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)), "MLP 784-128-10");
await epoch(
  () =>
    new nn.Sequential(
      new Images(),
      new nn.Conv2d(1, 6, 5, { padding: 2 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(6, 16, 5),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(400, 120),
      new nn.ReLU(),
      new nn.Linear(120, 10),
    ),
  "LeNet",
);

// ---- peers on the same device ------------------------------------------------------------------------
for (const [contender, make] of [
  ["tfjs webgpu", tfjsPeer],
  ["jax-js webgpu", jaxPeer],
] as const) {
  const peer = await make();
  if (typeof peer === "string") {
    rows.push({ contender, what: "matmul", value: null, unit: "GFLOP/s", note: peer });
    log(peer);
    continue;
  }
  for (const n of sizes) {
    const ms = await peer(n, reps(n));
    rows.push({ contender, what: `matmul ${n}×${n}`, value: (2 * n ** 3 * reps(n)) / (ms * 1e6), unit: "GFLOP/s" });
    log(`${contender} matmul ${n}: ${rows.at(-1)!.value!.toFixed(1)} GFLOP/s`);
  }
}

if (dryRun) {
  console.log(
    `bench:gpu dry run on ${device}: every contender ran (${rows.filter((r) => r.value !== null).length} measures, ${rows.filter((r) => r.value === null).length} unavailable${rows
      .filter((r) => r.value === null)
      .map((r) => `: ${r.contender}: ${r.note}`)
      .join("")}); no figures reported`,
  );
  process.exit(0);
}
const when = new Date().toISOString().slice(0, 16).replace("T", " ");
console.log(`### WebGPU, ${device} (${when} UTC, \`npm run bench:gpu${argv.length ? ` -- ${argv.join(" ")}` : ""}\`)\n`);
console.log("| contender | measure | value |\n|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.contender} | ${r.what} | ${r.value === null ? `— (${r.note})` : `${r.value.toFixed(r.unit === "ms" ? 1 : 0)} ${r.unit}`} |`,
  );
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ device, when, rows }, null, 2));
process.exit(0);
