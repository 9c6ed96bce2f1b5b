// nn.PositionalEncoding and F.sinusoidalPositionalEncoding against the module of PyTorch's
// transformer tutorial (fixtures/positional.json, made by fixtures/gen_positional.py): table rows up
// to position 4999, the "pe" buffer's key and shape, the forward pass, dropout and typed errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

const fx = JSON.parse(readFileSync(new URL("../../fixtures/positional.json", import.meta.url), "utf8"));
const F = nn.functional;

describe("sinusoidal positional encoding vs PyTorch's tutorial", () => {
  for (const t of fx.tables as {
    dModel: number;
    maxLen: number;
    rows: number[];
    values: number[][];
    stateKeys: string[];
    peShape: number[];
  }[]) {
    it(`dModel ${t.dModel}: table rows, buffer key and shape`, () => {
      const m = new nn.PositionalEncoding(t.dModel);
      assert.deepEqual(Object.keys(m.stateDict()), t.stateKeys);
      assert.deepEqual([...m.pe.shape], t.peShape);
      const table = F.sinusoidalPositionalEncoding(t.maxLen, t.dModel);
      t.rows.forEach((r, k) => {
        const row = Array.from(table.slice(0, r, r + 1).toTypedArray());
        // Both compute the angle pos·w in float32, but torch's vectorised exp is off by one ulp for a
        // few frequencies (5 of dModel 200's 100; ours is correctly rounded), which moves the angle by
        // up to pos·6e-8.
        assertClose(row, t.values[k], { rtol: 0, atol: 1e-6 + 6e-8 * r, what: `row ${r}` });
        assert.deepEqual(Array.from(m.pe.slice(0, r, r + 1).toTypedArray()), row, `buffer row ${r}`);
      });
    });
  }

  it("forward adds the table (dropout 0), sequence first or batch first", () => {
    const f = fx.forward;
    const x = tg.tensor(f.x.values, { shape: f.x.shape });
    const m = new nn.PositionalEncoding(f.dModel, { dropout: 0, maxLen: f.maxLen });
    assertClose(Array.from(m.forward(x).toTypedArray()), f.y.values, { rtol: 1e-6, atol: 1e-6, what: "forward" });
    const mb = new nn.PositionalEncoding(f.dModel, { dropout: 0, maxLen: f.maxLen, batchFirst: true });
    const yb = mb.forward(x.transpose(0, 1));
    assertClose(Array.from(yb.transpose(0, 1).contiguous().toTypedArray()), f.y.values, {
      rtol: 1e-6,
      atol: 1e-6,
      what: "batchFirst forward",
    });
  });

  it("drops out in train mode only, and passes gradients", () => {
    tg.manualSeed(1);
    const m = new nn.PositionalEncoding(4, { dropout: 0.5, maxLen: 8 });
    const x = tg.zeros([8, 3, 4], { requiresGrad: true });
    const y = m.forward(x);
    const vals = Array.from(y.toTypedArray());
    const pe = Array.from(m.pe.expand([8, 3, 4]).contiguous().toTypedArray());
    // Each element is dropped (0) or scaled by 2, and both happen.
    assert.ok(vals.every((v, i) => v === 0 || Math.abs(v - 2 * pe[i]) < 1e-6));
    assert.ok(vals.some((v, i) => v === 0 && pe[i] !== 0) && vals.some((v, i) => v !== 0));
    y.sum().backward();
    assert.ok(Array.from(x.grad!.toTypedArray()).every((g) => g === 0 || g === 2));
    m.eval();
    assertClose(Array.from(m.forward(x).toTypedArray()), pe, { rtol: 0, atol: 0, what: "eval mode" });
  });

  it("the functional table: odd dModel, float64, typed errors", () => {
    const t = F.sinusoidalPositionalEncoding(3, 5);
    assert.deepEqual([...t.shape], [3, 5]);
    const w2 = Math.exp((-4 * Math.log(10000)) / 5);
    assertClose(
      Array.from(t.slice(0, 2, 3).toTypedArray()),
      [
        Math.sin(2),
        Math.cos(2),
        Math.sin(2 * Math.exp((-2 * Math.log(10000)) / 5)),
        Math.cos(2 * Math.exp((-2 * Math.log(10000)) / 5)),
        Math.sin(2 * w2),
      ],
      { rtol: 1e-6, atol: 1e-6, what: "odd dModel" },
    );
    assert.equal(F.sinusoidalPositionalEncoding(2, 4, { dtype: "float64" }).dtype, "float64");
    assert.throws(
      () => F.sinusoidalPositionalEncoding(2, 0),
      (e: unknown) => e instanceof tg.ValueError && /dModel must be a positive integer, got 0/.test((e as Error).message),
    );
    assert.throws(
      () => new nn.PositionalEncoding(4, { maxLen: 8 }).forward(tg.zeros([9, 1, 4])),
      (e: unknown) => e instanceof tg.ShapeError && /sequence of 9 is longer than maxLen 8/.test((e as Error).message),
    );
    assert.throws(
      () => new nn.PositionalEncoding(4).forward(tg.zeros([2, 1, 5])),
      (e: unknown) => e instanceof tg.ShapeError && /expected input \[seq, batch, 4\], got \[2, 1, 5\]/.test((e as Error).message),
    );
    assert.throws(
      () => new nn.PositionalEncoding(4, { maxlen: 8 } as never),
      (e: unknown) => e instanceof tg.ValueError && /unknown option "maxlen"/.test((e as Error).message),
    );
  });
});
