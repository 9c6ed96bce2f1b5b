// The op table (values and gradients against PyTorch's) on the WebGPU backend in Node, through Dawn
// on SwiftShader where the machine has no GPU. float64 cases are skipped with the reason: WGSL has no
// 64-bit floats. An op whose WGSL kernel this build lacks is reported as a TODO naming it.

import { describe, it, before, after } from "node:test";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { checkCase, parseOpFixtures, type Case } from "../conformance/op-cases.js";
import { webgpuSkipReason } from "../helpers/webgpu.js";

const fixtures = parseOpFixtures(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8"));
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
  console.log(`# 16-bit rounding cases skipped on WebGPU (a DTypeError there, by design): ${fixtures.cases.filter(roundsOnHost).map((c) => c.id).join(", ")}`);
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
