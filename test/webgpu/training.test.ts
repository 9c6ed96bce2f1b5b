// Training on WebGPU through fit and evaluate, against the same run on the CPU: an MLP and the LeNet
// CNN on small MNIST subsets reach the same test accuracy (±0.01); GPU memory stays flat over 30
// training steps without dispose (transient regions and the pool, not the collector's timing).

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { data, nn, optim, train } from "tensorgrad";
import { webgpuSkipReason } from "../helpers/webgpu.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/index.js";

const cpu = tg.getBackend().name;
const reason = await webgpuSkipReason("WebGPU training");

const LOSS = { name: "sparse_categorical_crossentropy", fromLogits: true } as const;

function mlp(): nn.Module {
  return new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
}

/** [N, 784] digits as [N, 1, 28, 28] images. */
class Images extends nn.Module {
  forward(x: tg.Tensor): tg.Tensor {
    return x.reshape([x.shape[0]!, 1, 28, 28]);
  }
}

function lenet(): nn.Module {
  return new nn.Sequential(
    new Images(),
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 5 * 5, 64),
    new nn.ReLU(),
    new nn.Linear(64, 10),
  );
}

/** Trains a fresh seeded model on `backend` and returns its test accuracy and final training loss. */
async function run(
  backend: string,
  make: () => nn.Module,
  trainN: number,
  testN: number,
  epochs: number,
): Promise<{ accuracy: number; loss: number }> {
  await tg.setBackend(backend);
  try {
    tg.manualSeed(0);
    const model = make();
    const { x, y } = data.mnist({ train: true, limit: trainN });
    const history = await train.fit(
      model,
      { x, y },
      {
        loss: LOSS,
        optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }),
        epochs,
        batchSize: 50,
        seed: 0,
        verbose: 0,
      },
    );
    const test = await train.evaluate(model, data.mnist({ train: false, limit: testN }), {
      loss: LOSS,
      metrics: ["accuracy"],
      batchSize: 100,
    });
    return { accuracy: test.accuracy as number, loss: history.loss.at(-1)! };
  } finally {
    await tg.setBackend(cpu);
  }
}

describe("training on WebGPU", { skip: reason ?? false, timeout: 600_000 }, () => {
  after(() => tg.setBackend(cpu));

  it("an MNIST MLP reaches the CPU's test accuracy (±0.01)", async () => {
    const host = await run(cpu, mlp, 1000, 500, 2);
    const gpu = await run("webgpu", mlp, 1000, 500, 2);
    assert.ok(host.accuracy > 0.7, `the CPU run learned (${host.accuracy})`);
    assert.ok(Math.abs(gpu.accuracy - host.accuracy) <= 0.01, `WebGPU ${gpu.accuracy} vs ${cpu} ${host.accuracy}`);
    assert.ok(Math.abs(gpu.loss - host.loss) <= 0.02 * host.loss + 1e-3, `final loss: WebGPU ${gpu.loss} vs ${cpu} ${host.loss}`);
  });

  it("the LeNet CNN reaches the CPU's test accuracy (±0.01)", async () => {
    const host = await run(cpu, lenet, 300, 200, 1);
    const gpu = await run("webgpu", lenet, 300, 200, 1);
    assert.ok(host.accuracy > 0.3, `the CPU run learned (${host.accuracy})`);
    assert.ok(Math.abs(gpu.accuracy - host.accuracy) <= 0.01, `WebGPU ${gpu.accuracy} vs ${cpu} ${host.accuracy}`);
  });

  it("30 training steps keep GPU memory flat without dispose", async () => {
    await tg.setBackend("webgpu");
    try {
      const rt = (tg.getBackend() as WebGpuBackend).runtime;
      tg.manualSeed(0);
      const model = mlp();
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const { x, y } = data.mnist({ train: true, limit: 64 });
      const step = async (): Promise<void> => {
        opt.zeroGrad();
        const loss = nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        opt.step();
        await loss.itemAsync();
      };
      for (let i = 0; i < 3; i++) await step();
      const before = rt.bytesAllocated,
        traffic = rt.bytesHandedOut;
      for (let i = 0; i < 30; i++) await step();
      const perStep = (rt.bytesHandedOut - traffic) / 30,
        grew = rt.bytesAllocated - before;
      // Buffers come back to the pool (transient regions, releases, the collector's finalizers): over
      // 30 steps the device holds less than one step's allocations more than it did, where keeping
      // even a part of every step's would have grown it by many.
      assert.ok(perStep > 0);
      assert.ok(grew < perStep, `GPU bytes allocated grew by ${grew} over 30 steps of ${perStep} bytes each`);
    } finally {
      await tg.setBackend(cpu);
    }
  });
});
