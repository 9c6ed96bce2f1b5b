// The kernel table is one typed contract: every backend registers into the one registry, the
// reference implements every kernel, and a faster backend only kernels the table names. The lines
// marked to expect an error are checked by `npm run typecheck`: it fails if a wrong call compiles.
import { it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { registeredKernels, lookupKernel } from "../../../src/backend/backend.js";
import { OPTIONAL_KERNELS, type KernelName, type KernelTable } from "../../../src/backend/kernel-table.js";
import { runKernel } from "../../../src/ops/run-kernel.js";
import { wasmBackend } from "../../../src/backend/wasm/index.js";

it("the reference backend registers every kernel, optimizer updates and fill included", () => {
  const js = registeredKernels("js");
  for (const name of ["copy", "fill", "adamStep", "sgdStep", "rmspropStep", "adagradStep", "matmul", "unfold"]) {
    assert.ok(js.includes(name), name);
  }
  assert.equal(js.length, 68);
});

it("the wasm backend's kernels are registered in the same registry, and only names of the table", () => {
  assert.ok(wasmBackend.kernel("adamStep"));
  const wasm = registeredKernels("wasm"),
    js = new Set(registeredKernels("js"));
  assert.ok(wasm.includes("adamStep") && wasm.includes("matmul") && wasm.includes("sgdStep"));
  // Beyond the reference's kernels, only the optional fused ones, which the reference does not have.
  assert.deepEqual(
    wasm.filter((n) => !js.has(n)),
    [...OPTIONAL_KERNELS].sort(),
  );
  for (const name of OPTIONAL_KERNELS) assert.equal(lookupKernel("js", name), undefined, name);
  assert.equal(lookupKernel("wasm", "adamStep"), wasmBackend.kernel("adamStep"));
});

it("kernel names and parameters are checked by the compiler", () => {
  const x = tg.tensor([1, 2, 3]);
  assert.deepEqual(runKernel("sum", [], "float32", [x], { reduceSize: 3 }).item(), 6);
  if (Math.random() < 0) {
    // @ts-expect-error a kernel with parameters called without them
    runKernel("softmax", [3], "float32", [x]);
    // @ts-expect-error a parameter of the wrong type
    runKernel("sum", [], "float32", [x], { reduceSize: "3" });
    // @ts-expect-error a name outside the table
    runKernel("nope", [3], "float32", [x]);
    // @ts-expect-error an update kernel with another's parameters
    const bad: Partial<KernelTable> = { adamStep: (_o, _i, p: { lr: string }) => void p };
    void bad;
    const name: KernelName = "fill";
    void name;
  }
});
