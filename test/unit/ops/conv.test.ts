// Convolution and pooling against PyTorch (fixtures/conv.json, made by fixtures/gen_conv.py):
// outputs and the gradients of every input under a random upstream gradient, on every backend;
// then gradcheck on small float64 cases, unfold/fold as an adjoint pair, torch's tie rule for
// max-pooling, and the exact error for each kind of bad argument.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { Tensor, ShapeError, ValueError, DTypeError, nn } from "tensorgrad";
import { assertClose, assertTensorClose } from "../../helpers/assert.js";

type Enc = { shape: number[]; values: number[] };
type Case = {
  id: string;
  op: string;
  opts: Record<string, any>;
  inputs: (Enc | null)[];
  output: Enc;
  gradOutput: number[];
  grads: (number[] | null)[];
};
const F = nn.functional;
const fixtures: { cases: Case[] } = JSON.parse(readFileSync(new URL("../../fixtures/conv.json", import.meta.url), "utf8"));

/** How each fixture op is called in tensorgrad: inputs are [x] or [x, weight, bias]. */
const OPS: Record<string, (xs: (Tensor | null)[], o: Record<string, any>) => Tensor> = {
  conv2d: ([x, w, b], o) => F.conv2d(x!, w!, b, o),
  conv1d: ([x, w, b], o) => F.conv1d(x!, w!, b, o),
  maxPool2d: ([x], { kernelSize, ...o }) => F.maxPool2d(x!, kernelSize, o),
  avgPool2d: ([x], { kernelSize, ...o }) => F.avgPool2d(x!, kernelSize, o),
  adaptiveAvgPool2d: ([x], { outputSize }) => F.adaptiveAvgPool2d(x!, outputSize),
  unfold: ([x], { kernelSize, ...o }) => F.unfold(x!, kernelSize, o),
  fold: ([x], { kernelSize, outputSize, ...o }) => F.fold(x!, outputSize, kernelSize, o),
};

const fromEnc = (e: Enc, requiresGrad = false) => tg.tensor(Float64Array.from(e.values), { shape: e.shape, requiresGrad });

describe("conv and pooling vs PyTorch", () => {
  it("has fixtures for every op", () => {
    assert.deepEqual([...new Set(fixtures.cases.map((c) => c.op))].sort(), Object.keys(OPS).sort());
  });
  for (const backend of tg.listBackends()) {
    describe(`backend ${backend}`, () => {
      for (const c of fixtures.cases) {
        it(c.id, () => {
          tg.setBackend(backend);
          try {
            const inputs = c.inputs.map((e) => (e ? fromEnc(e, true) : null));
            const out = OPS[c.op](inputs, c.opts);
            assertTensorClose(out, c.output.values, c.output.shape, { what: `${c.id} output` });
            out.backward(tg.tensor(Float64Array.from(c.gradOutput), { shape: c.output.shape }));
            c.grads.forEach((g, k) => {
              if (g === null) return;
              const grad = inputs[k]!.grad;
              assert.ok(grad, `${c.id}: input ${k} got no gradient`);
              assertTensorClose(grad, g, c.inputs[k]!.shape, { what: `${c.id} grad of input ${k}` });
            });
          } finally {
            tg.setBackend("js");
          }
        });
      }
    });
  }
});

describe("gradcheck (float64 finite differences)", () => {
  tg.manualSeed(7);
  const x = (shape: number[]) => tg.randn(shape, { dtype: "float64", requiresGrad: true });
  const cases: [string, () => boolean][] = [
    [
      "conv2d stride, padding, dilation, bias",
      () =>
        tg.gradcheck(
          (a, w, b) => F.conv2d(a, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }),
          [x([2, 2, 5, 4]), x([3, 2, 3, 2]), x([3])],
        ),
    ],
    [
      "conv2d groups, same padding, even kernel",
      () => tg.gradcheck((a, w) => F.conv2d(a, w, null, { groups: 2, padding: "same" }), [x([1, 4, 4, 4]), x([2, 2, 2, 3])]),
    ],
    ["conv2d unbatched 1x1", () => tg.gradcheck((a, w, b) => F.conv2d(a, w, b), [x([3, 3, 2]), x([2, 3, 1, 1]), x([2])])],
    [
      "conv1d stride, dilation, groups",
      () =>
        tg.gradcheck(
          (a, w, b) => F.conv1d(a, w, b, { stride: 2, dilation: 2, groups: 2, padding: 1 }),
          [x([2, 4, 9]), x([4, 2, 3]), x([4])],
        ),
    ],
    [
      "maxPool2d padding, dilation, ceilMode",
      () => tg.gradcheck((a) => F.maxPool2d(a, 3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }), [x([1, 2, 6, 7])]),
    ],
    [
      "avgPool2d countIncludePad false, ceilMode",
      () =>
        tg.gradcheck((a) => F.avgPool2d(a, [3, 2], { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [x([2, 1, 6, 5])]),
    ],
    ["adaptiveAvgPool2d non-divisible", () => tg.gradcheck((a) => F.adaptiveAvgPool2d(a, [3, 4]), [x([1, 2, 5, 7])])],
    ["unfold", () => tg.gradcheck((a) => F.unfold(a, [2, 3], { stride: [1, 2], padding: 1, dilation: [2, 1] }), [x([1, 2, 5, 5])])],
    ["fold", () => tg.gradcheck((a) => F.fold(a, [4, 5], 2, { stride: 1, padding: [1, 0] }), [x([1, 8, 20])])],
  ];
  for (const [name, run] of cases) it(name, () => assert.equal(run(), true));
});

describe("unfold and fold", () => {
  it("are adjoint: <fold(y), x> = <y, unfold(x)>", () => {
    tg.manualSeed(3);
    const opts = { stride: [2, 1], padding: [1, 2], dilation: [1, 2] };
    const xs = tg.randn([2, 3, 7, 6], { dtype: "float64" });
    const cols = F.unfold(xs, [3, 2], opts);
    const ys = tg.randn(cols.shape, { dtype: "float64" });
    const lhs = F.fold(ys, [7, 6], [3, 2], opts).mul(xs).sum().item();
    const rhs = ys.mul(cols).sum().item();
    assertClose([lhs], [rhs], { rtol: 1e-12, atol: 1e-12 });
  });

  it("fold(unfold(x)) restores x when blocks tile it exactly", () => {
    const xs = tg.arange(2 * 3 * 4 * 6).reshape([2, 3, 4, 6]);
    const back = F.fold(F.unfold(xs, 2, { stride: 2 }), [4, 6], 2, { stride: 2 });
    assert.deepEqual(back.toArray(), xs.toArray());
  });

  it("lays out columns as torch: rows channel, then kernel row, then kernel column", () => {
    const xs = tg.arange(9).reshape([1, 1, 3, 3]);
    assert.deepEqual(F.unfold(xs, 2).toArray(), [
      [
        [0, 1, 3, 4],
        [1, 2, 4, 5],
        [3, 4, 6, 7],
        [4, 5, 7, 8],
      ],
    ]);
  });

  it("read non-contiguous inputs", () => {
    const xs = tg.arange(24).reshape([1, 2, 4, 3]).transpose(2, 3);
    assert.deepEqual(F.unfold(xs, [3, 4]).toArray(), F.unfold(xs.contiguous(), [3, 4]).toArray());
  });
});

describe("max pooling gradient", () => {
  it("goes to the first maximum of a window, as torch (ties are not split)", () => {
    const xs = tg.zeros([1, 1, 2, 4], { requiresGrad: true });
    F.maxPool2d(xs, 2).sum().backward();
    assert.deepEqual(xs.grad!.toArray(), [
      [
        [
          [1, 0, 1, 0],
          [0, 0, 0, 0],
        ],
      ],
    ]);
  });

  it("routes overlapping windows' gradients to a shared maximum additively", () => {
    const xs = tg.tensor(
      [
        [
          [
            [0, 1, 0],
            [0, 9, 0],
            [0, 0, 0],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    F.maxPool2d(xs, 2, { stride: 1 }).sum().backward();
    assert.deepEqual(xs.grad!.toArray(), [
      [
        [
          [0, 0, 0],
          [0, 4, 0],
          [0, 0, 0],
        ],
      ],
    ]);
  });
});

function throwsExactly(fn: () => unknown, cls: Function, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe("conv and pooling errors", () => {
  const img = tg.zeros([8, 1, 28, 28]);
  const w = tg.zeros([16, 3, 3, 3]);
  it("wrong channel count", () => {
    throwsExactly(
      () => F.conv2d(img, w),
      ShapeError,
      "conv2d: expected input [N, 3, H, W] (weight [16, 3, 3, 3], groups 1), got [8, 1, 28, 28]",
    );
    throwsExactly(
      () => F.conv2d(tg.zeros([1, 28, 28]), w),
      ShapeError,
      "conv2d: expected input [3, H, W] (unbatched) (weight [16, 3, 3, 3], groups 1), got [1, 28, 28]",
    );
    throwsExactly(
      () => F.conv2d(tg.zeros([28, 28]), w),
      ShapeError,
      "conv2d: expected input [N, 3, H, W] or unbatched [3, H, W] (weight [16, 3, 3, 3], groups 1), got [28, 28]",
    );
    throwsExactly(
      () => F.conv1d(tg.zeros([2, 4, 10]), tg.zeros([6, 2, 3]), null, { groups: 3 }),
      ShapeError,
      "conv1d: expected input [N, 6, L] (weight [6, 2, 3], groups 3), got [2, 4, 10]",
    );
  });
  it("kernel larger than the padded input", () => {
    throwsExactly(
      () => F.conv2d(tg.zeros([1, 1, 4, 4]), tg.zeros([1, 1, 5, 5])),
      ShapeError,
      "conv2d: kernel 5×5 (extent 5×5 with dilation 1×1) is larger than the padded input 4×4 (input [1, 1, 4, 4], padding 0×0)",
    );
    throwsExactly(
      () => F.conv1d(tg.zeros([1, 1, 6]), tg.zeros([1, 1, 3]), null, { dilation: 3 }),
      ShapeError,
      "conv1d: kernel 3 (extent 7 with dilation 3) is larger than the padded input 6 (input [1, 1, 6], padding 0)",
    );
    throwsExactly(
      () => F.maxPool2d(tg.zeros([1, 1, 2, 5]), 3),
      ShapeError,
      "maxPool2d: kernel 3×3 (extent 3×3 with dilation 1×1) is larger than the padded input 2×5 (input [1, 1, 2, 5], padding 0×0)",
    );
    throwsExactly(
      () => F.unfold(tg.zeros([1, 1, 2, 2]), 3),
      ShapeError,
      "unfold: kernel 3×3 (extent 3×3 with dilation 1×1) is larger than the padded input 2×2 (input [1, 1, 2, 2], padding 0×0)",
    );
  });
  it("bad weight, bias, groups and options", () => {
    throwsExactly(
      () => F.conv2d(img, tg.zeros([16, 1, 3])),
      ShapeError,
      "conv2d: expected a 4-D weight [outC, inC/groups, kH, kW], got [16, 1, 3]",
    );
    throwsExactly(
      () => F.conv2d(img, tg.zeros([4, 1, 3, 3]), tg.zeros([3])),
      ShapeError,
      "conv2d: expected bias [4] (one per output channel), got [3]",
    );
    throwsExactly(
      () => F.conv2d(tg.zeros([1, 4, 5, 5]), tg.zeros([3, 2, 3, 3]), null, { groups: 2 }),
      ValueError,
      "conv2d: out channels 3 (weight [3, 2, 3, 3]) must be divisible by groups 2",
    );
    throwsExactly(
      () => F.conv2d(img, tg.zeros([4, 1, 3, 3]), null, { padding: "same", stride: 2 }),
      ValueError,
      'conv2d: padding "same" is not supported for strided convolutions (stride 2×2)',
    );
    throwsExactly(
      () => F.conv2d(img, tg.zeros([4, 1, 3, 3]), null, { stride: 0 }),
      ValueError,
      "conv2d: stride must be an integer or a list of 2 integers >= 1, got 0",
    );
    throwsExactly(
      () => F.conv2d(img, tg.zeros([4, 1, 3, 3]), null, { padding: [1, 2, 3] }),
      ValueError,
      "conv2d: padding must be an integer or a list of 2 integers >= 0, got [1,2,3]",
    );
    throwsExactly(
      () => F.conv2d(img.int(), tg.zeros([4, 1, 3, 3])),
      DTypeError,
      "conv2d: expected a floating-point input, got int32 (convert with .float())",
    );
  });
  it("pooling arguments", () => {
    throwsExactly(() => F.maxPool2d(img, 2, { padding: 2 }), ValueError, "maxPool2d: padding 2×2 must be at most half the kernel size 2×2");
    throwsExactly(
      () => F.avgPool2d(tg.zeros([2, 3, 4, 4, 4]), 2),
      ShapeError,
      "avgPool2d: expected a 4-D input [N, C, H, W] or unbatched [C, H, W], got [2, 3, 4, 4, 4]",
    );
    throwsExactly(
      () => F.adaptiveAvgPool2d(img, [0, 2]),
      ValueError,
      "adaptiveAvgPool2d: outputSize must be an integer or a list of 2 integers >= 1, got [0,2]",
    );
  });
  it("fold with a block count that does not match outputSize", () => {
    throwsExactly(
      () => F.fold(tg.zeros([1, 8, 10]), [4, 5], 2),
      ShapeError,
      "fold: input [1, 8, 10] has 10 blocks, but outputSize 4×5 with kernel 2×2 gives 3×4 = 12 sliding blocks",
    );
    throwsExactly(
      () => F.fold(tg.zeros([1, 7, 12]), [4, 5], 2),
      ShapeError,
      "fold: input [1, 7, 12] has 7 rows, which is not a multiple of the kernel's 2×2 = 4 elements",
    );
  });
});
