// Runs in a browser page (bundled with the built package by browser.test.ts): the op table on the
// default backend, MNIST training through fit, and safetensors and checkpoints through bytes and fetch
// Responses. It leaves its findings in window.__result for the test to read.

import * as tg from "tensorgrad";
import { io, nn, optim, train, ValueError } from "tensorgrad";
import { checkCase, parseOpFixtures } from "../conformance/op-cases.js";

interface WasmLike {
  name: string;
  threads?: number;
  flavor?: string;
  ready?: () => Promise<void>;
  runtime?: { pool: { chunkCounts(): number[] } };
}

const NON_FINITE = new Set(["Infinity", "-Infinity", "NaN"]);
const fetchJson = async (url: string) => JSON.parse(await (await fetch(url)).text(), (_k, v) => (NON_FINITE.has(v) ? Number(v) : v));
const arrays = (t: tg.Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

async function conformance(): Promise<{ cases: number; failures: string[] }> {
  const { cases } = parseOpFixtures(await (await fetch("ops.json")).text());
  const failures: string[] = [];
  for (const c of cases) {
    try {
      await checkCase(c);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  return { cases: cases.length, failures };
}

/** Claims of pool jobs run by workers so far (0 when only the page's thread ran kernels). */
function workerClaims(b: WasmLike): number {
  const counts = b.runtime?.pool.chunkCounts() ?? [0];
  return counts.slice(1).reduce((a, c) => a + c, 0);
}

async function mnist() {
  const { tensors } = await io.loadSafetensors(await fetch("mnist.safetensors"));
  tg.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const optimizer = new optim.Adam(model.parameters(), { lr: 2e-3 });
  const epochLosses: number[] = [];
  const history = await train.fit(
    model,
    { x: tensors.xTrain!, y: tensors.yTrain! },
    {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      optimizer,
      epochs: 5,
      batchSize: 32,
      metrics: ["accuracy"],
      callbacks: [{ onEpochEnd: (_epoch: number, logs: train.Logs) => void epochLosses.push(logs.loss as number) }],
    },
  );
  const test = await train.evaluate(
    model,
    { x: tensors.xTest!, y: tensors.yTest! },
    {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      metrics: ["accuracy"],
    },
  );
  return {
    model,
    optimizer,
    epochLosses,
    historyLoss: history.loss,
    testAccuracy: test.accuracy as number,
    testCount: tensors.yTest!.shape[0],
  };
}

async function files(model: nn.Module, optimizer: optim.Optimizer) {
  const out: Record<string, unknown> = {};
  const state = model.stateDict();
  const bytes = io.saveSafetensors(state, { where: "browser" });
  out.isUint8Array = bytes instanceof Uint8Array;
  const back = io.loadSafetensors(bytes.slice().buffer as ArrayBuffer);
  const viaResponse = await io.loadSafetensors(new Response(bytes));
  out.roundTrip = Object.keys(state).every(
    (k) =>
      JSON.stringify(arrays(back.tensors[k]!)) === JSON.stringify(arrays(state[k]!)) &&
      JSON.stringify(arrays(viaResponse.tensors[k]!)) === JSON.stringify(arrays(state[k]!)),
  );
  out.keys = Object.keys(back.tensors).sort();
  out.metadata = back.metadata;

  const ckpt = io.saveCheckpoint({ model, optimizer, epoch: 5 });
  const copy = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const loaded = io.loadCheckpoint(ckpt, { model: copy, optimizer: new optim.Adam(copy.parameters(), { lr: 2e-3 }) });
  const probe = tg.rand([4, 784]);
  out.checkpointEpoch = loaded.epoch;
  out.checkpointSame = JSON.stringify(arrays(copy.forward(probe))) === JSON.stringify(arrays(model.forward(probe)));

  // A file made by PyTorch, fetched: the Response path with a real URL.
  const fixture = await fetchJson("safetensors.json");
  const fromTorch = await io.loadSafetensors(await fetch("from_torch.safetensors"));
  out.fixtureMismatches = Object.entries(fixture.fromTorch.tensors as Record<string, { shape: number[]; values: number[] }>)
    .filter(
      ([name, want]) =>
        JSON.stringify([...fromTorch.tensors[name]!.shape]) !== JSON.stringify(want.shape) ||
        arrays(fromTorch.tensors[name]!).some(
          (v, i) => !(v === want.values[i] || Math.abs(v - want.values[i]!) <= 1e-6 * Math.abs(want.values[i]!)),
        ),
    )
    .map(([name]) => name);
  out.fixtureMetadata = fromTorch.metadata;
  try {
    await io.loadSafetensors(await fetch("missing.safetensors"));
    out.missing = "no error";
  } catch (e) {
    out.missing = `${(e as Error).name}: ${(e as Error).message}`;
  }
  try {
    io.saveSafetensors("model.safetensors", state);
    out.pathSave = "no error";
  } catch (e) {
    out.pathSave = `${e instanceof ValueError ? "ValueError" : (e as Error).name}: ${(e as Error).message}`;
  }
  return out;
}

async function main() {
  const backend = tg.getBackend() as unknown as WasmLike;
  await backend.ready?.();
  const result: Record<string, unknown> = {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    backend: backend.name,
    threads: backend.threads,
    flavor: backend.flavor,
  };
  result.conformance = await conformance();
  // Products large enough to be split across the pool, to see the workers take part. On a loaded
  // machine a worker may start late or miss jobs (the pool backs off to the page's thread for a
  // while), so try for up to 20 s, yielding between tries.
  const until = performance.now() + 20_000;
  do {
    tg.randn([256, 256])
      .matmul(tg.randn([256, 256]))
      .sum()
      .item();
    result.workerClaims = workerClaims(backend);
    if ((result.workerClaims as number) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  } while (performance.now() < until);
  const { model, optimizer, ...training } = await mnist();
  result.mnist = training;
  result.files = await files(model, optimizer);
  return result;
}

const w = globalThis as { __result?: unknown };
main().then(
  (r) => void (w.__result = r),
  (e: Error) => void (w.__result = { error: `${e.name}: ${e.message}\n${e.stack}` }),
);
