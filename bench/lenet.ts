// Forward+backward time of a LeNet-style network (conv 5×5 → pool → conv 5×5 → pool → 3 linear) on
// a batch of 64 MNIST-sized images: the convolution baseline each backend is measured against.
// Run: node --conditions=tensorgrad-source --import tsx bench/lenet.ts [--backend js] [--runs 15] [--json]

import os from "node:os";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const backend = opt("backend", "js");
const runs = Number(opt("runs", "15"));
const batch = Number(opt("batch", "64"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Milliseconds per call: `runs` timed calls after 3 warm-ups; median, min and max. */
function time(fn: () => unknown): { medianMs: number; minMs: number; maxMs: number } {
  for (let i = 0; i < 3; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms) };
}

tg.setBackend(backend);
tg.manualSeed(0);
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Conv2d(6, 16, 5),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Flatten(),
  new nn.Linear(256, 120),
  new nn.ReLU(),
  new nn.Linear(120, 84),
  new nn.ReLU(),
  new nn.Linear(84, 10),
);
const x = tg.randn([batch, 1, 28, 28]);
const target = tg.randint(0, 10, [batch], { dtype: "int32" });
const F = nn.functional;

const results = {
  "forward+backward (crossEntropy loss)": time(() => {
    model.zeroGrad();
    F.crossEntropy(model.forward(x), target).backward();
  }),
  "forward only (noGrad)": time(() => tg.noGrad(() => model.forward(x))),
  "conv1 forward+backward": (() => {
    const conv = model.children()[0] as nn.Conv2d;
    const g = tg.randn([batch, 6, 24, 24]);
    return time(() => conv.forward(x).backward(g));
  })(),
  "conv2 forward+backward": (() => {
    const conv = model.children()[3] as nn.Conv2d;
    const h = tg.randn([batch, 6, 12, 12], { requiresGrad: true });
    const g = tg.randn([batch, 16, 8, 8]);
    return time(() => conv.forward(h).backward(g));
  })(),
};

if (args.includes("--json")) {
  console.log(JSON.stringify({ bench: "lenet", backend, batch, runs, node: process.version, cpu: os.cpus()[0]?.model, results }, null, 2));
} else {
  console.log(`LeNet, batch ${batch}, backend ${backend}, ${runs} runs (${os.cpus()[0]?.model}, Node ${process.version})`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(40)} median ${r.medianMs.toFixed(1)} ms  (min ${r.minMs.toFixed(1)}, max ${r.maxMs.toFixed(1)})`);
  }
}
