// The op table (values and gradients against PyTorch's, then a float32 gradcheck) on the WebGPU
// backend in Node, through Dawn on SwiftShader where the machine has no GPU. float64 cases are skipped with the reason: WGSL has no
// 64-bit floats. An op whose WGSL kernel this build lacks is reported as a TODO naming it.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import {
  GRAD_CASES,
  checkCase,
  float32Options,
  float32Overrides,
  gradcheckCase,
  gradcheckGradCase,
  noGradcheck,
  parseOpFixtures,
  type Case,
} from "../conformance/op-cases.js";
import { webgpuSkipReason } from "../helpers/webgpu.js";

const fixtures = parseOpFixtures(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8"));
const overrides = float32Overrides(readFileSync(new URL("../conformance/op-table.json", import.meta.url), "utf8"));
const initial = tg.getBackend().name;

const reason = await webgpuSkipReason("WebGPU op table");

const float64 = (c: Case) => c.output.dtype === "float64" || c.inputs.some((i) => i.dtype === "float64");

describe("op table on WebGPU vs PyTorch", { skip: reason ?? false }, () => {
  before(() => tg.setBackend("webgpu"));
  after(() => tg.setBackend(initial));
  const skipped = fixtures.cases.filter(float64).map((c) => c.id);
  if (skipped.length > 0) console.log(`# ${skipped.length} float64 cases skipped on WebGPU (WGSL has no f64): ${skipped.join(", ")}`);
  // Rounding to float16/bfloat16 runs on the CPU; WebGPU refuses it with a DTypeError (test/webgpu/half.test.ts).
  const roundsOnHost = (c: Case) => c.op === "halfRoundTrip" || c.op === "bfloat16RoundTrip";
  console.log(
    `# 16-bit rounding cases skipped on WebGPU (a DTypeError there, by design): ${fixtures.cases
      .filter(roundsOnHost)
      .map((c) => c.id)
      .join(", ")}`,
  );
  for (const c of fixtures.cases) {
    if (float64(c) || roundsOnHost(c)) continue;
    it(c.id, async (t) => {
      try {
        await checkCase(c);
      } catch (e) {
        // Kernels arrive family by family; a missing one is listed, not hidden and not a failure.
        if (e instanceof tg.UnsupportedOpError) return t.todo(`no WebGPU kernel: ${e.message}`);
        throw e;
      }
    });
  }
});

// float32 finite differences (WGSL has no f64), the analytic gradient from backward on WebGPU and the
// numeric one from forward passes there, with the tolerances of op-cases.ts's FLOAT32_GRADCHECK. In
// fastMode (one random direction per input, torch's fast_mode): two forward passes per input instead
// of two per element keep SwiftShader's share of the suite small; a wrong gradient is still caught,
// and the value checks above compare every gradient element with PyTorch's.
describe("op table gradcheck on WebGPU (float32 central differences, fastMode)", { skip: reason ?? false }, () => {
  before(() => tg.setBackend("webgpu"));
  after(() => tg.setBackend(initial));
  const run = (check: () => Promise<void>) => async (t: { todo: (why: string) => void }) => {
    try {
      await check();
    } catch (e) {
      if (e instanceof tg.UnsupportedOpError) return t.todo(`no WebGPU kernel: ${e.message}`);
      throw e;
    }
  };
  const skipped = fixtures.cases.filter((c) => noGradcheck(c) === null && float64(c)).map((c) => c.id);
  if (skipped.length > 0)
    console.log(`# ${skipped.length} float64 cases skipped in the WebGPU gradcheck (WGSL has no f64): ${skipped.join(", ")}`);
  for (const c of fixtures.cases) {
    if (noGradcheck(c) !== null || float64(c)) continue;
    it(
      c.id,
      run(() => gradcheckCase(c, { ...float32Options(overrides.get(c.id)), fastMode: true })),
    );
  }
  it("the synchronous gradcheck points to gradcheckAsync", () => {
    assert.throws(() => tg.gradcheck((x) => x.sum(), [tg.tensor([1, 2])]), {
      name: "AsyncReadError",
      message: 'gradcheck: the "webgpu" backend\'s memory cannot be read synchronously; use `await tg.gradcheckAsync(fn, inputs, opts)`',
    });
  });
  for (const g of GRAD_CASES)
    it(
      `${g.id} (gradcheck only)`,
      run(() => gradcheckGradCase(g, { ...float32Options(), fastMode: true })),
    );
});
