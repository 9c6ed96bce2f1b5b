// The new tensor and functional ops' typed errors (their values against PyTorch are in the op table),
// prod's gradient through zeros twice over, and einsum's parse errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, ShapeError, ValueError } from "tensorgrad";

const F = nn.functional;
const err = (cls: Function, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);

describe("prod and cumprod", () => {
  it("prod's gradient through a single zero is the product of the others, and differentiable again", () => {
    const x = tg.tensor([2, 0, 3], { requiresGrad: true });
    const [g] = tg.autograd.grad(x.prod(), [x], { createGraph: true });
    assert.deepEqual(g!.toArray(), [0, 6, 0]);
    // d²/dx_i dx_j of x0·x1·x2: the product of the third; the Hessian's row sums here: [3+0, 3+2, 0+2].
    const [h] = tg.autograd.grad(g!.sum(), [x]);
    assert.deepEqual(h!.toArray(), [3, 5, 2]);
    assert.equal(
      tg.gradgradcheck((a) => a.cumprod(0), [tg.tensor([1.5, 0, -2, 0.5], { dtype: "float64" })]),
      true,
    );
  });

  it("prod of an empty tensor is 1, of an int tensor stays int32", () => {
    assert.equal(tg.zeros([0]).prod().item(), 1);
    const p = tg
      .tensor(
        [
          [2, 3],
          [4, 5],
        ],
        { dtype: "int32" },
      )
      .prod(0);
    assert.equal(p.dtype, "int32");
    assert.deepEqual(p.toArray(), [8, 15]);
    assert.deepEqual(
      tg
        .tensor([[1, 2, 3]])
        .cumprod(-1)
        .toArray(),
      [[1, 2, 6]],
    );
  });
});

describe("einsum errors", () => {
  it("names the equation's problem", () => {
    const a = tg.ones([2, 3]),
      b = tg.ones([4, 5]);
    assert.throws(() => tg.einsum("ij,jk->ik", a, b), err(ShapeError, /subscript "j" has size 3 in one operand and 4 in operand 1/));
    assert.throws(() => tg.einsum("ij->ik", a), err(ValueError, /output subscript "k" does not appear/));
    assert.throws(() => tg.einsum("ij,jk", a), err(ValueError, /2 operand terms but 1 operands/));
    assert.throws(() => tg.einsum("ijk", a), err(ShapeError, /3 subscripts for an operand of 2 dims/));
    assert.throws(() => tg.einsum("i1", a), err(ValueError, /invalid subscript "1"/));
    assert.throws(() => tg.einsum("ij->ii", a), err(ValueError, /"i" appears more than once/));
    assert.deepEqual(
      tg
        .einsum("ij->j", [
          tg.tensor([
            [1, 2],
            [3, 4],
          ]),
        ])
        .toArray(),
      [4, 6],
    );
  });
});

describe("functional resampling and padding errors", () => {
  const x = tg.ones([1, 2, 3, 4]);
  it("pad", () => {
    assert.throws(() => F.pad(x, [1]), err(ValueError, /even-length/));
    const seq = tg.ones([1, 2, 4]);
    assert.throws(() => F.pad(seq, [1, 1], { mode: "reflect", value: 2 }), err(ValueError, /value applies to constant padding only/));
    assert.throws(() => F.pad(seq, [4, 0], { mode: "reflect" }), err(ValueError, /reflect padding \(4, 0\) must be less than the size 4/));
    assert.throws(
      () => F.pad(x, [1, 1], { mode: "reflect" }),
      err(ShapeError, /reflect padding of 1 dims takes a 2-D or 3-D input, got \[1, 2, 3, 4\]/),
    );
    assert.throws(() => F.pad(x, [1, 1], { mode: "wrap" as any }), err(ValueError, /unknown mode "wrap"/));
    assert.throws(() => F.pad(tg.ones([4]), [1, 1], { mode: "replicate" }), err(ShapeError, /takes a 2-D or 3-D input/));
    assert.throws(() => F.pad(x, [-3, -2]), err(ShapeError, /cropping 3 and 2/));
  });
  it("interpolate", () => {
    assert.throws(() => F.interpolate(x, {}), err(ValueError, /exactly one of size and scaleFactor/));
    assert.throws(() => F.interpolate(x, { size: 4, mode: "linear" }), err(ShapeError, /"linear" takes a 3-D input/));
    assert.throws(() => F.interpolate(x, { size: 4, mode: "bicubic" as any }), err(ValueError, /unsupported mode "bicubic"/));
    assert.throws(() => F.interpolate(x, { size: 4, alignCorners: true }), err(ValueError, /alignCorners applies to the linear modes/));
    assert.throws(() => F.interpolate(x, { size: [1, 2, 3] }), err(ShapeError, /size has 3 values for 2 spatial dims/));
    assert.throws(() => F.interpolate(tg.ones([2, 3]), { size: 4 }), ShapeError);
    assert.deepEqual(F.interpolate(x, { scaleFactor: 0.5 }).shape, [1, 2, 1, 2]);
  });
  it("pixelShuffle and pixelUnshuffle", () => {
    assert.throws(() => F.pixelShuffle(x, 2), err(ShapeError, /channels 2 .* not divisible by upscaleFactor² = 4/));
    assert.throws(() => F.pixelUnshuffle(x, 2), err(ShapeError, /height 3 and width 4/));
    const y = tg.randn([2, 8, 3, 5]);
    assert.deepEqual(F.pixelUnshuffle(F.pixelShuffle(y, 2), 2).toArray(), y.toArray());
  });
  it("normalize, cosineSimilarity, pairwiseDistance", () => {
    assert.deepEqual(F.normalize(tg.zeros([2, 3])).toArray(), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    assert.throws(() => F.normalize(x, { p: -1 }), err(ValueError, /p must be a positive number/));
    assert.throws(() => F.cosineSimilarity(tg.ones([2, 3]), tg.ones([2, 4])), ShapeError);
    assert.throws(() => F.pairwiseDistance(x, x, { dim: 1 } as any), err(ValueError, /unknown option "dim"/));
  });
});
