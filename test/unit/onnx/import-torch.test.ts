// loadOnnx on models torch.onnx.export wrote (test/fixtures/gen_onnx.py): tensorgrad's outputs match
// PyTorch's to 1e-5 on every backend (WebGPU where this machine has an adapter), state-dict keys are the initializer names, gradients through an imported graph
// match PyTorch's, and an imported network fine-tunes with its early layers frozen.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { io, optim, Tensor, UnsupportedOpError } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";
import { webgpuSkipReason } from "../../helpers/webgpu.js";
import { runOrt } from "./ort.js";

const gpuSkip = await webgpuSkipReason("loadOnnx on WebGPU");

type Case = {
  file: string;
  inputs: { shape: number[]; values: number[]; dtype: "float32" | "int32" }[];
  outputs: { shape: number[]; values: number[] }[];
  upstream?: number[];
  grads?: Record<string, number[]>;
  stateKeys?: string[];
};
const dir = new URL("../../fixtures/onnx/", import.meta.url);
const fixtures: Record<string, Case> = JSON.parse(readFileSync(new URL("fixtures.json", dir), "utf8"));
const path = (c: Case) => new URL(c.file, dir).pathname;
const TOL = { rtol: 1e-5, atol: 1e-6 };

const inputsOf = (c: Case) =>
  c.inputs.map((x) =>
    x.dtype === "int32"
      ? tg.tensor(Int32Array.from(x.values), { shape: x.shape, dtype: "int32" })
      : tg.tensor(Float32Array.from(x.values), { shape: x.shape }),
  );
const asList = (v: Tensor | Tensor[]) => (Array.isArray(v) ? v : [v]);

/** Checks the outputs against PyTorch's, read with the awaited read that works on every backend. */
async function checkOutputs(c: Case, got: Tensor | Tensor[]): Promise<void> {
  const outs = asList(got);
  assert.equal(outs.length, c.outputs.length);
  for (const [i, t] of outs.entries()) {
    assert.deepEqual([...t.shape], c.outputs[i].shape, `output ${i} shape`);
    assertClose(Float32Array.from(await t.data()), c.outputs[i].values, { ...TOL, what: `output ${i}` });
  }
}

describe("loadOnnx: models exported by PyTorch", () => {
  const initial = tg.getBackend().name;
  for (const backend of ["wasm", "js", "webgpu"]) {
    const skip = backend === "webgpu" ? (gpuSkip ?? false) : false;
    for (const name of ["mlp", "cnn", "lstm", "gru", "encoder", "misc", "upsample"]) {
      it(`${name}: outputs match PyTorch's (${backend} backend)`, { skip }, async () => {
        await tg.setBackend(backend);
        try {
          const c = fixtures[name];
          const model = await io.loadOnnx(path(c));
          await checkOutputs(c, model.forward(...inputsOf(c)));
        } finally {
          await tg.setBackend(initial);
        }
      });
    }
  }

  it(
    "control on WebGPU: a flag given as a CPU tensor picks the branch; one on the GPU is an UnsupportedOpError naming the If node",
    { skip: gpuSkip ?? false },
    async () => {
      const c = fixtures.control;
      const flags = [tg.tensor(true), tg.tensor(false)]; // made on the CPU backend, before the switch
      await tg.setBackend("webgpu");
      try {
        const model = await io.loadOnnx(path(c));
        const [x] = inputsOf(c);
        for (const [i, want] of c.outputs.entries()) {
          const y = model.forward(x, flags[i]) as Tensor;
          assert.deepEqual([...y.shape], want.shape);
          assertClose(Float32Array.from(await y.data()), want.values, { ...TOL, what: `flag ${i === 0}` });
        }
        assert.throws(
          () => model.forward(x, tg.tensor(true)),
          (e: unknown) =>
            e instanceof UnsupportedOpError &&
            e.op === "If" &&
            /If node "[^"]+" reads the condition as numbers, and it was computed on the "webgpu" backend/.test(e.message),
        );
      } finally {
        await tg.setBackend(initial);
      }
    },
  );

  it("control: a scripted loop (Loop) and an if on an input flag (If), both ways", async () => {
    const c = fixtures.control;
    const model = await io.loadOnnx(path(c));
    const [x] = inputsOf(c);
    c.outputs.forEach((want, i) => {
      // The flag is a bool graph input, as torch exported it.
      const y = model.forward(x, tg.tensor(i === 0)) as Tensor;
      assert.deepEqual([...y.shape], want.shape);
      assertClose(y.toFloat32Array(), want.values, { ...TOL, what: `flag ${i === 0}` });
    });
  });

  it("loads from bytes, an ArrayBuffer and a fetch Response as well as from a path", async () => {
    const c = fixtures.mlp;
    const bytes = new Uint8Array(readFileSync(path(c)));
    for (const source of [bytes, bytes.slice().buffer, new Response(bytes)]) {
      const model = await io.loadOnnx(source);
      await checkOutputs(c, model.forward(...inputsOf(c)));
    }
    await assert.rejects(io.loadOnnx(new Response("gone", { status: 404 })), /HTTP status 404/);
  });

  it("a dynamic batch axis takes other batch sizes", async () => {
    const c = fixtures.cnn;
    const model = await io.loadOnnx(path(c));
    const x = inputsOf(c)[0];
    const one = model.forward(x.slice(0, 1, 2)) as Tensor;
    assert.deepEqual([...one.shape], [1, 3]);
    assertClose(one.toFloat32Array(), c.outputs[0].values.slice(3), { ...TOL, what: "second sample alone" });
  });

  // The fixtures' dynamic axes: batch (and time for the sequence models) at other sizes, against
  // ONNX Runtime on the same file (PyTorch's outputs exist only at the exported sizes).
  for (const [name, shapes] of [
    [
      "lstm",
      [
        [1, 2, 3],
        [3, 9, 3],
      ],
    ],
    [
      "gru",
      [
        [1, 1, 3],
        [4, 7, 3],
      ],
    ],
    [
      "encoder",
      [
        [1, 3, 8],
        [3, 11, 8],
      ],
    ],
    [
      "mlp",
      [
        [1, 6],
        [7, 6],
      ],
    ],
  ] as [string, number[][]][]) {
    it(`${name}: other ${name === "mlp" ? "batch sizes" : "batch sizes and lengths"} match ONNX Runtime on the same file`, async () => {
      const bytes = new Uint8Array(readFileSync(path(fixtures[name])));
      const model = await io.loadOnnx(bytes);
      tg.manualSeed(7);
      for (const shape of shapes) {
        const x = tg.randn(shape);
        const ours = asList(model.forward(x));
        const theirs = await runOrt(bytes, [x]);
        assert.equal(ours.length, theirs.length);
        ours.forEach((t, i) => {
          assert.deepEqual([...t.shape], theirs[i].dims, `${name} output ${i} shape at [${shape}]`);
          assertClose(t.toFloat32Array(), theirs[i].data, { ...TOL, what: `${name} output ${i} at [${shape}]` });
        });
      }
    });
  }

  it("state-dict keys are the initializer names (PyTorch's own keys), BatchNorm statistics as buffers", async () => {
    const c = fixtures.cnn;
    const model = await io.loadOnnx(path(c));
    const keys = Object.keys(model.stateDict()).sort();
    // torch's state dict also has num_batches_tracked, which ONNX does not carry.
    assert.deepEqual(
      keys,
      c.stateKeys!.filter((k) => !k.endsWith("num_batches_tracked")),
    );
    const trainable = model.namedParameters().map(([k]) => k);
    assert.ok(trainable.includes("stem.0.weight") && trainable.includes("head.bias"));
    assert.ok(!trainable.some((k) => k.includes("running_")), "running statistics are not trainable");
  });

  it("gradients through an imported MLP match PyTorch's; frozen layers get none", async () => {
    const c = fixtures.mlp;
    const model = await io.loadOnnx(path(c));
    for (const [k, p] of model.namedParameters()) if (k.startsWith("0.")) p.requiresGrad = false;
    const y = model.forward(...inputsOf(c)) as Tensor;
    y.mul(tg.tensor(Float32Array.from(c.upstream!), { shape: y.shape as number[] }))
      .sum()
      .backward();
    for (const [k, p] of model.namedParameters()) {
      if (k.startsWith("0.")) assert.equal(p.grad, null, `${k} is frozen`);
      else assertClose(p.grad!.toFloat32Array(), c.grads![k], { ...TOL, what: `grad of ${k}` });
    }
  });

  it("fine-tunes an imported CNN with its stem and block frozen", async () => {
    const c = fixtures.cnn;
    const model = await io.loadOnnx(path(c));
    tg.manualSeed(3);
    const x = tg.randn([8, 1, 8, 8]);
    const target = tg.randint(0, 3, [8], { dtype: "int32" });
    const frozen = model.namedParameters().filter(([k]) => !k.startsWith("head."));
    for (const [, p] of frozen) p.requiresGrad = false;
    const before = new Map(model.namedParameters().map(([k, p]) => [k, p.toFloat32Array()]));
    const opt = new optim.SGD(
      model.parameters().filter((p) => p.requiresGrad),
      { lr: 0.5 },
    );
    const lossAt = () => tg.nn.functional.crossEntropy(model.forward(x) as Tensor, target);
    const first = lossAt().item();
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      lossAt().backward();
      opt.step();
    }
    const last = lossAt().item();
    assert.ok(last < first * 0.8, `loss went from ${first} to ${last}`);
    for (const [k, p] of model.namedParameters()) {
      const changed = p.toFloat32Array().some((v, i) => v !== before.get(k)![i]);
      assert.equal(changed, k.startsWith("head."), `${k} ${changed ? "changed" : "stayed"}`);
    }
  });
});
