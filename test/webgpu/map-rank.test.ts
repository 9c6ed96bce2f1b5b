// Element-wise kernels at rank 0 and rank 1 compile different index functions: a scalar op on a
// one-element tensor must not hand its pipeline to the same op on a longer vector afterwards.

import { it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { webgpuSkipReason } from "../helpers/webgpu.js";

const reason = await webgpuSkipReason("WebGPU element-wise ranks");

it("x.mul(k) on a one-element tensor, then on a vector of six, gives every product", { skip: reason ?? false }, async () => {
  const initial = tg.getBackend().name;
  await tg.setBackend("webgpu");
  try {
    for (const dtype of ["int32", "float32"] as const) {
      const one = tg.tensor([1], { dtype });
      assert.deepEqual(Array.from(await one.mul(7).data()), [7]);
      const six = tg.tensor([0, 1, 2, -3, 4, 5], { dtype });
      assert.deepEqual(Array.from(await six.mul(5).data()), [0, 5, 10, -15, 20, 25], dtype);
      assert.deepEqual(Array.from(await six.lt(0).to(dtype).add(six).data()), [0, 1, 2, -2, 4, 5], dtype);
    }
  } finally {
    await tg.setBackend(initial);
  }
});
