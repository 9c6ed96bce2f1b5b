// Numeric assertions shared by the tests: closeness with torch-style tolerances and a message that
// names the first element out of tolerance.

import assert from "node:assert/strict";
import type { Tensor } from "tensorgrad";

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-4, atol = 1e-5, what = "values" }: { rtol?: number; atol?: number; what?: string } = {},
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i],
      e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)}, atol ${atol}, rtol ${rtol})`);
    }
  }
}

export function assertTensorClose(
  t: Tensor,
  expected: ArrayLike<number>,
  shape: readonly number[],
  opts: { rtol?: number; atol?: number; what?: string } = {},
): void {
  assert.deepEqual([...t.shape], [...shape], `${opts.what ?? "tensor"}: shape`);
  assertClose(t.toFloat32Array(), expected, opts);
}
