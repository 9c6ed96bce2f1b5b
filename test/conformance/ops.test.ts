// The op table (op-table.json) run against PyTorch reference values (fixtures/ops.json, made by
// fixtures/gen_ops.py) and through gradcheck, on every registered host backend. Non-finite numbers come
// as the strings "Infinity", "-Infinity" and "NaN" (JSON has no literal for them). The cases and
// their checker live in op-cases.ts, which the browser tests run in a page too.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { WasmStorage } from "../../src/backend/wasm/storage.js";
import {
  GRAD_CASES,
  OPS,
  checkCase,
  float32Options,
  float32Overrides,
  gradcheckCase,
  gradcheckGradCase,
  isFloat64Case,
  noGradcheck,
  parseOpFixtures,
} from "./op-cases.js";

const fixtures = parseOpFixtures(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8"));
const tableText = readFileSync(new URL("./op-table.json", import.meta.url), "utf8");

describe("op table vs PyTorch", () => {
  it("covers every op in the table", () => {
    const table = JSON.parse(tableText);
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

// Which precision each host backend's gradients are checked in. js computes float64 natively: float64
// central differences, as torch.autograd.gradcheck. wasm's SIMD kernels (the ones users train on) are
// float32 only, and its float64 tensors run the js reference kernels, so a float64 check there would
// check js's kernels again under another name: wasm is checked in float32, with its own kernels for
// the analytic gradient (backward) and the numeric one (forward passes). WebGPU (float32 only) is
// checked in test/webgpu/conformance.test.ts.
const PRECISION: Record<string, "float64" | "float32"> = { js: "float64", wasm: "float32" };
const overrides = float32Overrides(tableText);

for (const backend of tg.listBackends()) {
  const precision = PRECISION[backend] ?? "float32";
  describe(`op table gradcheck on ${backend} (${precision} central differences)`, () => {
    const options = (id: string): tg.GradcheckOptions => {
      return precision === "float64" ? {} : float32Options(overrides.get(id));
    };
    const onBackend = async (check: () => Promise<void>) => {
      await tg.setBackend(backend);
      try {
        await check();
      } finally {
        await tg.setBackend("js");
      }
    };
    if (backend === "wasm") {
      it("checks wasm's own float32 kernels: the function gets float32 tensors in wasm memory", () =>
        onBackend(async () => {
          const seen: unknown[] = [];
          await tg.gradcheckAsync(
            (x) => (seen.push(x.storage instanceof WasmStorage, x.dtype), x.tanh().sum()),
            [tg.tensor([0.5, -1])],
            float32Options(),
          );
          assert.deepEqual([...new Set(seen)], [true, "float32"]);
        }));
    }
    // Skipped with the reason printed (a runner's own skip count would change the summary line that
    // test/e2e/runtimes.test.ts reads on Bun and Deno).
    const skipped = precision === "float32" ? fixtures.cases.filter((c) => noGradcheck(c) === null && isFloat64Case(c)) : [];
    if (skipped.length > 0)
      console.log(
        `# ${skipped.length} float64 cases skipped in ${backend}'s float32 gradcheck (on ${backend} they run the js reference kernels, checked under js): ${skipped.map((c) => c.id).join(", ")}`,
      );
    for (const c of fixtures.cases) {
      if (noGradcheck(c) !== null || skipped.includes(c)) continue;
      it(c.id, () => onBackend(() => gradcheckCase(c, options(c.id))));
    }
    for (const g of GRAD_CASES) it(`${g.id} (gradcheck only)`, () => onBackend(() => gradcheckGradCase(g, options(g.id))));
  });
}
