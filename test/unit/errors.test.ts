// Every error path of the tensor core: the class, and the exact message naming the operation, the
// shapes or values, and what was expected.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import * as tg from "tensorgrad";
import { TensorgradError, ShapeError, DTypeError, ValueError, FormatError } from "tensorgrad";

function throwsExactly(fn: () => unknown, cls: Function, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.ok(e instanceof TensorgradError);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe("error classes", () => {
  it("share a base class and carry their names", () => {
    for (const C of [ShapeError, DTypeError, ValueError, FormatError]) {
      const e = new C("x");
      assert.ok(e instanceof TensorgradError && e instanceof Error);
      assert.equal(e.name, C.name);
    }
  });

  it("keep their names in a minified bundle, where the classes themselves are renamed", async () => {
    const { outputFiles } = await build({
      stdin: {
        contents: `import { ValueError, UnsupportedOpError } from "./src/errors.ts";
          export const names = [new ValueError("x").name, new UnsupportedOpError("x", "op", "at").name, ValueError.name];`,
        resolveDir: new URL("../..", import.meta.url).pathname,
        loader: "ts",
      },
      bundle: true,
      minify: true,
      format: "esm",
      write: false,
    });
    const mod = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString("base64")}`);
    assert.deepEqual(mod.names, ["ValueError", "UnsupportedOpError", "ValueError"]);
  });
});

describe("shape errors", () => {
  const a = tg.zeros([2, 3]);
  it("broadcasting", () => {
    throwsExactly(
      () => a.add(tg.zeros([4])),
      ShapeError,
      "add: shapes [2, 3] and [4] cannot be broadcast: size 3 and size 4 differ at dimension -1 (expected equal sizes or 1)",
    );
    throwsExactly(
      () => tg.where(tg.zeros([2, 1], { dtype: "bool" }), a, tg.zeros([3, 3])),
      ShapeError,
      "where: shapes [2, 3] and [3, 3] cannot be broadcast: size 2 and size 3 differ at dimension -2 (expected equal sizes or 1)",
    );
  });
  it("matmul", () => {
    throwsExactly(
      () => tg.zeros([32, 784]).matmul(tg.zeros([128, 10])),
      ShapeError,
      "matmul: cannot multiply [32, 784] by [128, 10]: inner dimensions 784 and 128 differ",
    );
    throwsExactly(
      () => tg.zeros([3]).matmul(tg.zeros([4])),
      ShapeError,
      "matmul: cannot take the dot product of [3] and [4]: sizes 3 and 4 differ",
    );
    throwsExactly(
      () => tg.zeros([2, 2, 3]).matmul(tg.zeros([3, 3, 4])),
      ShapeError,
      "matmul: cannot multiply [2, 2, 3] by [3, 3, 4]: batch dimensions cannot be broadcast",
    );
    throwsExactly(
      () => tg.tensor(1).matmul(tg.zeros([2])),
      ShapeError,
      "matmul: both operands must have at least one dimension, got [] and [2]",
    );
  });
  it("reshape, view, expand, permute", () => {
    throwsExactly(
      () => a.reshape([4, 2]),
      ShapeError,
      "reshape: cannot reshape a tensor of shape [2, 3] (6 elements) into [4, 2] (8 elements)",
    );
    throwsExactly(() => a.reshape([4, -1]), ShapeError, "reshape: shape [4, -1] is invalid for a tensor of shape [2, 3] (6 elements)");
    // PyTorch's varargs form, from plain JavaScript (TypeScript rejects it): a typed error, not a wrong result.
    const loose = a as unknown as Record<string, (...args: number[]) => unknown>;
    for (const [op, what, args] of [
      ["reshape", "the shape", [3, 2]],
      ["view", "the shape", [6]],
      ["expand", "the shape", [4, 2, 3]],
      ["permute", "dims", [1, 0]],
    ] as const) {
      throwsExactly(
        () => loose[op]!.call(a, ...args),
        ValueError,
        `${op}: ${what} must be an array of integers, as in x.${op}([2, 3]), got the number ${args[0]}; PyTorch's varargs form (x.${op}(2, 3)) is not taken`,
      );
    }
    throwsExactly(
      () => a.reshape([-1, -1]),
      ValueError,
      "reshape: invalid shape [-1, -1]: sizes must be integers >= 0, with at most one -1",
    );
    throwsExactly(
      () => a.expand([4, 3, 2]),
      ShapeError,
      "expand: cannot expand a tensor of shape [2, 3] to [4, 3, 2]: size 2 at dimension 0 must be 1 or 3",
    );
    throwsExactly(() => a.expand([3]), ShapeError, "expand: cannot expand a tensor of shape [2, 3] to [3], which has fewer dimensions");
    throwsExactly(
      () => a.permute([0, 0]),
      ValueError,
      "permute: dims [0, 0] are not a permutation of the 2 dims of a tensor of shape [2, 3]",
    );
  });
  it("cat and stack", () => {
    throwsExactly(
      () => tg.cat([a, tg.zeros([2, 4])], 0),
      ShapeError,
      "cat: tensor 1 has shape [2, 4] but tensor 0 has shape [2, 3]; all sizes must match except in dimension 0",
    );
    throwsExactly(() => tg.cat([]), ShapeError, "cat: expected a non-empty list of tensors");
    throwsExactly(
      () => tg.stack([a, tg.zeros([3, 2])]),
      ShapeError,
      "stack: tensor 1 has shape [3, 2] but tensor 0 has shape [2, 3]; all must be equal",
    );
  });
  it("gather", () => {
    throwsExactly(() => a.gather(1, tg.zeros([2, 1])), DTypeError, "gather: index must be an int32 tensor, got float32");
    throwsExactly(
      () => a.gather(1, tg.tensor([[3]], { dtype: "int32" })),
      ValueError,
      "gather: index 3 is out of bounds for dimension 1 with size 3",
    );
    throwsExactly(
      () => a.gather(1, tg.tensor([1], { dtype: "int32" })),
      ShapeError,
      "gather: index [1] must have as many dims as the input [2, 3]",
    );
  });
});

describe("value and dtype errors", () => {
  it("dims out of range", () => {
    throwsExactly(
      () => tg.zeros([2, 3]).sum(2),
      ValueError,
      "sum: dimension 2 is out of range for a tensor of 2 dimensions (expected -2 to 1)",
    );
    throwsExactly(
      () => tg.zeros([2, 3]).softmax(-3),
      ValueError,
      "softmax: dimension -3 is out of range for a tensor of 2 dimensions (expected -2 to 1)",
    );
    throwsExactly(() => tg.zeros([2, 3]).sum([0, -2]), ValueError, "sum: dimension list [0, -2] repeats a dimension");
  });
  it("slice and dropout arguments", () => {
    throwsExactly(() => tg.zeros([4]).slice(0, 0, 4, 0), ValueError, "slice: step must be a positive integer, got 0");
    throwsExactly(() => tg.zeros([4]).dropout(1.5), ValueError, "dropout: probability p must be between 0 and 1, got 1.5");
  });
  it("dtype requirements", () => {
    const i = tg.tensor([1, 2], { dtype: "int32" });
    throwsExactly(() => i.matmul(i), DTypeError, "matmul: expected floating-point operands, got int32 and int32");
    throwsExactly(() => i.softmax(0), DTypeError, "softmax: expected a floating-point tensor, got int32");
    throwsExactly(() => i.var(), DTypeError, "var: expected a floating-point tensor, got int32 (convert with .float())");
  });
  it("max of an empty dimension", () => {
    throwsExactly(() => tg.zeros([2, 0]).max(1), ValueError, "max: cannot reduce over an empty dimension of a tensor of shape [2, 0]");
  });
});
