// Max pooling's window indices against PyTorch (fixtures/pool-indices.json, made by
// fixtures/gen_pool_indices.py from max_pool2d with return_indices=True), on both backends: ties go
// to the first maximum, a NaN wins (the last of several), a window of -inf keeps its first position,
// padding is never chosen. Then the values and the gradient that flow through those indices.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { maxPool2dIndicesPrim } from "../../../src/ops/primitives/conv.js";

const F = nn.functional;
type Num = number | "nan" | "inf" | "-inf";
type Ints = number | number[] | null;
interface Case {
  name: string;
  x: Num[][][][];
  kernel: Ints;
  stride: Ints;
  padding: Ints;
  dilation: Ints;
  ceilMode: boolean;
  indices: number[][][][];
  values: Num[][][][];
}
const fixtures: { cases: Case[] } = JSON.parse(readFileSync(new URL("../../fixtures/pool-indices.json", import.meta.url), "utf8"));

const decode = (v: Num): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);
const pair = (v: Ints, fallback: number): [number, number] =>
  v === null ? [fallback, fallback] : typeof v === "number" ? [v, v] : [v[0]!, v[1]!];

function run(c: Case) {
  const x = tg.tensor(c.x.map((i) => i.map((p) => p.map((r) => r.map(decode)))));
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const kernel = pair(c.kernel, 1),
    stride = pair(c.stride ?? c.kernel, 1),
    padding = pair(c.padding, 0),
    dilation = pair(c.dilation, 1);
  const outSize = [c.indices[0]![0]!.length, c.indices[0]![0]![0]!.length] as [number, number];
  const indices = maxPool2dIndicesPrim([x], { kernel, stride, padding, dilation, inSize: [H, W], outSize });
  const values = F.maxPool2d(x, kernel, { stride, padding, dilation, ceilMode: c.ceilMode });
  assert.deepEqual(indices.shape, [N, C, ...outSize]);
  return { x, indices, values };
}

for (const backend of ["js", "wasm"]) {
  describe(`max pooling indices on ${backend}`, () => {
    for (const c of fixtures.cases) {
      it(`${c.name}: torch's indices and values`, () => {
        const before = tg.getBackend().name;
        tg.setBackend(backend);
        try {
          const { indices, values } = run(c);
          assert.equal(indices.dtype, "int32");
          assert.deepEqual(indices.toArray(), c.indices);
          assert.deepEqual(
            values.toArray(),
            c.values.map((i) => i.map((p) => p.map((r) => r.map(decode)))),
          );
        } finally {
          tg.setBackend(before);
        }
      });
    }

    it("the gradient goes to each window's maximum, adding where windows share one", () => {
      const before = tg.getBackend().name;
      tg.setBackend(backend);
      try {
        // Overlapping 2×2 windows at stride 1 all pick the 9 in the middle; the -3 corner window
        // with padding picks its one in-image position.
        const x = tg.tensor(
          [
            [
              [
                [0, 1, 0],
                [0, 9, 0],
                [0, 0, -3],
              ],
            ],
          ],
          { requiresGrad: true },
        );
        F.maxPool2d(x, 2, { stride: 1 }).sum().backward();
        assert.deepEqual(x.grad!.toArray(), [
          [
            [
              [0, 0, 0],
              [0, 4, 0],
              [0, 0, 0],
            ],
          ],
        ]);
        const y = tg.tensor([[[[-3]]]], { requiresGrad: true });
        F.maxPool2d(y, 2, { padding: 1 }).mul(5).sum().backward();
        assert.deepEqual(y.grad!.toArray(), [[[[5]]]]);
      } finally {
        tg.setBackend(before);
      }
    });
  });
}
