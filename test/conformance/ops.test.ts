// The op table (op-table.json) run against PyTorch reference values (fixtures/ops.json, made by
// fixtures/gen_ops.py) and through gradcheck, on every registered backend. Non-finite numbers come
// as the strings "Infinity", "-Infinity" and "NaN" (JSON has no literal for them). The cases and
// their checker live in op-cases.ts, which the browser tests run in a page too.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { Tensor } from "tensorgrad";
import { OPS, build, checkCase, parseOpFixtures } from "./op-cases.js";

const fixtures = parseOpFixtures(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8"));

describe("op table vs PyTorch", () => {
  it("covers every op in the table", () => {
    const table = JSON.parse(readFileSync(new URL("./op-table.json", import.meta.url), "utf8"));
    assert.equal(fixtures.cases.length, table.cases.length);
    for (const c of table.cases) assert.ok(OPS[c.op], `no tensorgrad mapping for op ${c.op}`);
  });
  for (const backend of tg.listBackends()) {
    describe(`backend ${backend}`, () => {
      for (const c of fixtures.cases) {
        it(c.id, async () => {
          await tg.setBackend(backend);
          try {
            await checkCase(c);
          } finally {
            await tg.setBackend("js");
          }
        });
      }
    });
  }
});

describe("op table gradcheck (float64 central differences)", () => {
  for (const c of fixtures.cases) {
    if (c.gradOutput === null || c.gradcheck === false) continue;
    it(c.id, () => {
      const inputs = c.inputs.map((inp, k) => build(inp, !inp.nograd && !(c.op === "where" && k === 0)));
      const tensors = inputs.filter((x): x is Tensor => x instanceof Tensor);
      const fn = (...ts: Tensor[]) => {
        let at = 0;
        return OPS[c.op](inputs.map((x) => (x instanceof Tensor ? ts[at++] : x)), c.args);
      };
      assert.equal(tg.gradcheck(fn, tensors), true);
    });
  }
});
