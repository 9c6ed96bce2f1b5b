// The Conv and Pool layers: parameter shapes, state-dict keys, torch's default init distribution,
// repr, errors naming the layer, and a LeNet-style network that matches PyTorch (fixtures/conv.json)
// for the same weights, forward and backward.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError, type Tensor } from "tensorgrad";
import { assertClose, assertTensorClose } from "../../helpers/assert.js";

const F = nn.functional;

function throwsExactly(fn: () => unknown, cls: Function, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe("Conv2d / Conv1d", () => {
  it("paddingMode pads the input in torch's modes before an unpadded convolution", () => {
    // torch 1.13: nn.Conv2d(1, 1, (2, 3), padding=1, padding_mode=mode, bias=False) with weight
    // [[1, 2, 0], [0, -1, 1]] on arange(10).reshape(1, 1, 2, 5).
    const x = tg.arange(10).reshape([1, 1, 2, 5]);
    const want: Record<string, number[]> = {
      reflect: [17, 18, 21, 24, 25, 2, 3, 6, 9, 10, 17, 18, 21, 24, 25],
      replicate: [1, 3, 6, 9, 11, 1, 3, 6, 9, 11, 16, 18, 21, 24, 26],
      circular: [20, 18, 21, 24, 22, 5, 3, 6, 9, 7, 20, 18, 21, 24, 22],
    };
    for (const mode of ["reflect", "replicate", "circular"] as const) {
      const conv = new nn.Conv2d(1, 1, [2, 3], { padding: 1, paddingMode: mode, bias: false });
      tg.noGrad(() =>
        conv.weight.copy_(
          tg.tensor([
            [
              [
                [1, 2, 0],
                [0, -1, 1],
              ],
            ],
          ]),
        ),
      );
      assertTensorClose(conv.forward(x), want[mode], [1, 1, 3, 5], { rtol: 1e-6, what: mode });
      assert.match(conv.toString(), new RegExp(`bias=False, padding_mode=${mode}\\)`));
    }
    // "same" with an even kernel: d·(k-1) = 3 split 1 before, 2 after.
    const c1 = new nn.Conv1d(1, 1, 4, { padding: "same", paddingMode: "circular", bias: false });
    tg.noGrad(() => c1.weight.copy_(tg.tensor([[[1, 10, 100, 1000]]])));
    assertTensorClose(c1.forward(tg.arange(6).reshape([1, 1, 6])), [2105, 3210, 4321, 5432, 543, 1054], [1, 1, 6], { rtol: 1e-6 });
    throwsExactly(
      () => new nn.Conv2d(1, 1, 3, { paddingMode: "mirror" as "reflect" }),
      ValueError,
      'Conv2d: paddingMode must be "zeros", "reflect", "replicate" or "circular", got "mirror"',
    );
  });

  it("have torch's parameter shapes and state-dict keys", () => {
    const conv = new nn.Conv2d(3, 16, 3);
    assert.deepEqual(conv.weight.shape, [16, 3, 3, 3]);
    assert.deepEqual(conv.bias!.shape, [16]);
    assert.deepEqual(Object.keys(conv.stateDict()), ["weight", "bias"]);
    assert.equal(conv.numParameters(), 448);
    const grouped = new nn.Conv2d(4, 8, [3, 2], { groups: 2, bias: false });
    assert.deepEqual(grouped.weight.shape, [8, 2, 3, 2]);
    assert.equal(grouped.bias, null);
    assert.deepEqual(Object.keys(grouped.stateDict()), ["weight"]);
    assert.deepEqual(new nn.Conv1d(4, 6, 5, { groups: 2 }).weight.shape, [6, 2, 5]);
  });

  it("initialise as torch: weight and bias ~ U(±1/√fanIn), reproducibly under manualSeed", () => {
    tg.manualSeed(11);
    const conv = new nn.Conv2d(16, 32, 3);
    const bound = 1 / Math.sqrt(16 * 9);
    const w = conv.weight.toFloat32Array();
    const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(max <= bound && max > 0.99 * bound, `max |w| ${max} vs bound ${bound}`);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    assert.ok(Math.abs(mean) < 0.05 * bound, `mean ${mean}`);
    assert.ok(Math.abs(variance / ((bound * bound) / 3) - 1) < 0.05, `variance ${variance} vs ${(bound * bound) / 3}`);
    assert.ok(conv.bias!.toFloat32Array().every((v) => Math.abs(v) <= bound));
    tg.manualSeed(11);
    assert.deepEqual(new nn.Conv2d(16, 32, 3).weight.toFloat32Array(), w);
    // Depthwise: fanIn counts only the channels one filter sees.
    const dw = new nn.Conv2d(8, 8, 3, { groups: 8 }).weight.toFloat32Array();
    assert.ok(dw.every((v) => Math.abs(v) <= 1 / 3) && dw.some((v) => Math.abs(v) > 0.25));
  });

  it("forward is F.conv2d with its parameters, batched or not, and gradients reach both parameters", () => {
    tg.manualSeed(2);
    const conv = new nn.Conv2d(2, 3, 3, { stride: 2, padding: "valid", dilation: [1, 2] });
    const x = tg.randn([2, 2, 7, 8]);
    const y = conv.forward(x);
    assert.deepEqual(y.shape, [2, 3, 3, 2]);
    assert.deepEqual(y.toArray(), F.conv2d(x, conv.weight, conv.bias, { stride: 2, dilation: [1, 2] }).toArray());
    assertTensorClose(conv.forward(x.slice(0, 1, 2).squeeze(0)), y.slice(0, 1, 2).squeeze(0).toFloat32Array(), [3, 3, 2]);
    y.mul(tg.randn(y.shape)).sum().backward();
    assert.deepEqual(conv.weight.grad!.shape, [3, 2, 3, 3]);
    assert.deepEqual(conv.bias!.grad!.shape, [3]);
    const conv1 = new nn.Conv1d(4, 8, 5, { padding: "same" });
    assert.deepEqual(conv1.forward(tg.randn([2, 4, 100])).shape, [2, 8, 100]);
  });

  it("load a state dict", () => {
    const a = new nn.Conv2d(2, 4, 3),
      b = new nn.Conv2d(2, 4, 3);
    b.loadStateDict(a.stateDict());
    assert.deepEqual(b.weight.toArray(), a.weight.toArray());
    assert.deepEqual(b.bias!.toArray(), a.bias!.toArray());
  });

  it("print as torch", () => {
    assert.equal(
      String(new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false })),
      "Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)",
    );
    assert.equal(
      String(new nn.Conv1d(4, 8, 5, { padding: "same", groups: 2 })),
      "Conv1d(4, 8, kernel_size=(5,), stride=(1,), padding=same, groups=2)",
    );
    assert.equal(String(new nn.Conv2d(2, 4, [3, 2], { dilation: 2 })), "Conv2d(2, 4, kernel_size=(3, 2), stride=(1, 1), dilation=(2, 2))");
  });

  it("name themselves in errors", () => {
    throwsExactly(
      () => new nn.Conv2d(3, 16, 3).forward(tg.zeros([8, 1, 28, 28])),
      ShapeError,
      "Conv2d(3 → 16, kernel 3×3): expected input [N, 3, H, W], got [8, 1, 28, 28]",
    );
    throwsExactly(
      () => new nn.Conv1d(3, 16, 3).forward(tg.zeros([8, 28])),
      ShapeError,
      "Conv1d(3 → 16, kernel 3): expected input [3, L] (unbatched), got [8, 28]",
    );
    throwsExactly(
      () => new nn.Conv2d(1, 4, 5).forward(tg.zeros([2, 1, 4, 9])),
      ShapeError,
      "Conv2d(1 → 4, kernel 5×5): kernel 5×5 (extent 5×5 with dilation 1×1) is larger than the padded input 4×9 (input [2, 1, 4, 9], padding 0×0)",
    );
    throwsExactly(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), ValueError, "Conv2d: inChannels 3 must be divisible by groups 2");
    throwsExactly(
      () => new nn.Conv2d(4, 4, 3, { padding: "same", stride: 2 }),
      ValueError,
      'Conv2d: padding "same" is not supported for strided convolutions (stride 2×2)',
    );
    throwsExactly(() => new nn.Conv1d(0, 4, 3), ValueError, "Conv1d: inChannels must be a positive integer, got 0");
  });
});

describe("pooling layers", () => {
  const x = tg.randn([2, 3, 9, 8]);
  it("run the functional ops with their options and have no state", () => {
    const max = new nn.MaxPool2d([3, 2], { stride: [2, 1], padding: 1, ceilMode: true });
    assert.deepEqual(max.forward(x).toArray(), F.maxPool2d(x, [3, 2], { stride: [2, 1], padding: 1, ceilMode: true }).toArray());
    const avg = new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false });
    assert.deepEqual(avg.forward(x).toArray(), F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }).toArray());
    assert.deepEqual(new nn.AdaptiveAvgPool2d([5, null]).forward(x).shape, [2, 3, 5, 8]);
    assert.deepEqual(new nn.MaxPool2d(2).forward(x).shape, [2, 3, 4, 4]);
    for (const m of [max, avg, new nn.AdaptiveAvgPool2d(1)]) {
      assert.deepEqual(m.stateDict(), {});
      assert.equal(m.numParameters(), 0);
    }
  });
  it("print as torch", () => {
    assert.equal(String(new nn.MaxPool2d(2)), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    assert.equal(
      String(new nn.MaxPool2d([3, 2], { stride: [2, 1], padding: 1, ceilMode: true })),
      "MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=1, ceil_mode=True)",
    );
    assert.equal(String(new nn.AvgPool2d(3, { stride: 2, padding: 1 })), "AvgPool2d(kernel_size=3, stride=2, padding=1)");
    assert.equal(String(new nn.AdaptiveAvgPool2d([5, null])), "AdaptiveAvgPool2d(output_size=(5, None))");
    assert.equal(String(new nn.AdaptiveAvgPool2d(1)), "AdaptiveAvgPool2d(output_size=1)");
  });
  it("reject bad sizes when constructed", () => {
    throwsExactly(() => new nn.MaxPool2d(0), ValueError, "MaxPool2d: kernelSize must be an integer or a list of 2 integers >= 1, got 0");
    throwsExactly(
      () => new nn.AdaptiveAvgPool2d([2, 3, 4]),
      ValueError,
      "AdaptiveAvgPool2d: outputSize must be an integer or a list of 2 integers >= 1, got [2,3,4]",
    );
  });
});

type Enc = { shape: number[]; values: number[] };
const lenetFixture: {
  keys: string[];
  patternSeeds: Record<string, number>;
  inputSeed: number;
  output: Enc;
  gradOutput: number[];
  grads: Record<string, number[]>;
  inputGradSum: number;
  inputGradAbsSum: number;
} = JSON.parse(readFileSync(new URL("../../fixtures/conv.json", import.meta.url), "utf8")).lenet;

/** gen_conv.py's deterministic values: an integer pattern both sides compute exactly in float64. */
function pattern(shape: readonly number[], seed: number, scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = ((((i * 7919 + seed * 104729) % 1009) / 1009) * 2 - 1) * scale;
  return tg.tensor(v, { shape });
}

function lenet(): nn.Sequential {
  return new nn.Sequential(
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
}

describe("LeNet-style network", () => {
  it("matches PyTorch forward and backward for the same weights", () => {
    const model = lenet();
    assert.deepEqual(Object.keys(model.stateDict()), lenetFixture.keys);
    assert.equal(model.numParameters(), 44426);
    const state: Record<string, Tensor> = {};
    for (const [key, p] of Object.entries(model.stateDict())) {
      const weight = model.stateDict()[key.replace("bias", "weight")];
      const fanIn = weight.size / weight.shape[0];
      state[key] = pattern(p.shape, lenetFixture.patternSeeds[key], 1 / Math.sqrt(fanIn));
    }
    model.loadStateDict(state);

    const x = pattern([4, 1, 28, 28], lenetFixture.inputSeed, 1).requiresGrad_();
    const shapes: number[][] = [];
    let h = x;
    for (const layer of model.children()) {
      h = layer.forward(h);
      shapes.push([...h.shape]);
    }
    assert.deepEqual(shapes, [
      [4, 6, 24, 24],
      [4, 6, 24, 24],
      [4, 6, 12, 12],
      [4, 16, 8, 8],
      [4, 16, 8, 8],
      [4, 16, 4, 4],
      [4, 256],
      [4, 120],
      [4, 120],
      [4, 84],
      [4, 84],
      [4, 10],
    ]);
    const out = model.forward(x);
    assertTensorClose(out, lenetFixture.output.values, lenetFixture.output.shape, { what: "LeNet output" });
    out.backward(tg.tensor(Float64Array.from(lenetFixture.gradOutput), { shape: out.shape }));
    const params = Object.fromEntries(model.namedParameters());
    for (const [key, g] of Object.entries(lenetFixture.grads)) {
      assertTensorClose(params[key].grad!, g, params[key].shape, { what: `LeNet grad of ${key}`, atol: 1e-5 });
    }
    assert.deepEqual(x.grad!.shape, [4, 1, 28, 28]);
    assertClose([x.grad!.sum().item(), x.grad!.abs().sum().item()], [lenetFixture.inputGradSum, lenetFixture.inputGradAbsSum], {
      what: "LeNet input grad sums",
    });
    for (const [key, p] of model.namedParameters()) assert.ok(p.grad && p.grad.abs().sum().item() > 0, `${key} got no gradient`);
  });
});
