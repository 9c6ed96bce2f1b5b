// Runs in a browser page with WebGPU (bundled by webgpu.test.ts): selects the backend through
// navigator.gpu, runs the op table on it (float64 cases skipped: WGSL has no f64) and its float32
// gradcheck (fastMode, as test/webgpu/conformance.test.ts in Node), checks the typed
// error of a synchronous read and trains a small model through fit. Findings go to window.__result.

import * as tg from "tensorgrad";
import { nn, train } from "tensorgrad";
import {
  GRAD_CASES,
  checkCase,
  float32Options,
  float32Overrides,
  gradcheckCase,
  gradcheckGradCase,
  isFloat64Case,
  noGradcheck,
  parseOpFixtures,
} from "../conformance/op-cases.js";

async function main() {
  await tg.setBackend("webgpu");
  const backend = tg.getBackend() as { name: string; adapterInfo?: { vendor: string; architecture: string } };
  const result: Record<string, unknown> = {
    backend: backend.name,
    adapter: backend.adapterInfo ? `${backend.adapterInfo.vendor}/${backend.adapterInfo.architecture}` : null,
  };
  const { cases } = parseOpFixtures(await (await fetch("ops.json")).text());
  const failures: string[] = [];
  let run = 0,
    skipped = 0;
  for (const c of cases) {
    // float64 (WGSL has none) and rounding to 16-bit floats (done on the CPU; a DTypeError on WebGPU by design).
    if (
      c.output.dtype === "float64" ||
      c.inputs.some((i) => i.dtype === "float64") ||
      c.op === "halfRoundTrip" ||
      c.op === "bfloat16RoundTrip"
    ) {
      skipped++;
      continue;
    }
    run++;
    try {
      await checkCase(c);
    } catch (e) {
      failures.push(`${c.id}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  result.conformance = { cases: cases.length, run, skipped, failures };
  const overrides = float32Overrides(await (await fetch("op-table.json")).text());
  const gradFailures: string[] = [];
  let checked = 0;
  const gradcheck = async (id: string, check: () => Promise<void>) => {
    checked++;
    try {
      await check();
    } catch (e) {
      gradFailures.push(`${id}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  for (const c of cases) {
    if (noGradcheck(c) !== null || isFloat64Case(c)) continue;
    await gradcheck(c.id, () => gradcheckCase(c, { ...float32Options(overrides.get(c.id)), fastMode: true }));
  }
  for (const g of GRAD_CASES) await gradcheck(g.id, () => gradcheckGradCase(g, { ...float32Options(), fastMode: true }));
  result.gradcheck = { checked, failures: gradFailures };
  try {
    tg.tensor([1, 2]).toArray();
    result.syncRead = "no error";
  } catch (e) {
    result.syncRead = `${(e as Error).name}: ${(e as Error).message}`;
  }
  // XOR-like blobs: four clusters, two classes; a tiny MLP separates them in a few epochs.
  tg.manualSeed(0);
  const centers = tg.tensor([
    [1, 1],
    [-1, -1],
    [1, -1],
    [-1, 1],
  ]);
  const labels = tg.tensor(
    Int32Array.from({ length: 256 }, (_, i) => (i % 4 < 2 ? 0 : 1)),
    { dtype: "int32" },
  );
  const which = tg.tensor(
    Int32Array.from({ length: 256 }, (_, i) => i % 4),
    { dtype: "int32" },
  );
  const xs = centers.indexSelect(0, which).add(tg.randn([256, 2]).mul(0.2));
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 2));
  const history = await train.fit(
    model,
    { x: xs, y: labels },
    {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      optimizer: "adam",
      lr: 0.05,
      epochs: 15,
      batchSize: 32,
      verbose: 0,
      metrics: ["accuracy"],
    },
  );
  result.training = {
    firstLoss: history.loss[0],
    lastLoss: history.loss.at(-1),
    accuracy: history.accuracy!.at(-1),
    predicted: (await train.predict(model, xs).data()).length,
  };
  return result;
}

const w = globalThis as { __result?: unknown };
main().then(
  (r) => void (w.__result = r),
  (e: Error) => void (w.__result = { error: `${e.name}: ${e.message}\n${e.stack}` }),
);
