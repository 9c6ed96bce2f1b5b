// Runaway sizes and bad arguments end as the library's typed errors naming the operation and the
// value, never as a RangeError or TypeError from inside the engine.

import { it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { ValueError } from "tensorgrad";

function throwsTyped(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValueError, `expected ValueError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

it("creation functions refuse shapes past 2^31 - 1 elements before allocating", () => {
  throwsTyped(
    () => tg.randn([70000, 70000]),
    "randn: shape [70000, 70000] has 4900000000 elements (18.3 GiB of float32); a tensor holds at most 2147483647 (2^31 - 1)",
  );
  throwsTyped(
    () => tg.full([1e6, 1e6], 1),
    "full: shape [1000000, 1000000] has 1000000000000 elements (3.73e+3 GiB of float32); a tensor holds at most 2147483647 (2^31 - 1)",
  );
  throwsTyped(
    () => tg.zeros([65536, 65536], { dtype: "float64" }),
    "zeros: shape [65536, 65536] has 4294967296 elements (32.0 GiB of float64); a tensor holds at most 2147483647 (2^31 - 1)",
  );
  throwsTyped(
    () => tg.arange(0, 1e10),
    "arange: shape [10000000000] has 10000000000 elements (37.3 GiB of float32); a tensor holds at most 2147483647 (2^31 - 1)",
  );
});

it("an op whose output would be too large names the op", () => {
  const col = tg.zeros([70000, 1]),
    row = tg.zeros([1, 70000]);
  throwsTyped(
    () => col.matmul(row),
    "matmul: shape [70000, 70000] has 4900000000 elements (18.3 GiB of float32); a tensor holds at most 2147483647 (2^31 - 1)",
  );
  throwsTyped(
    () => col.add(row),
    "add: shape [70000, 70000] has 4900000000 elements (18.3 GiB of float32); a tensor holds at most 2147483647 (2^31 - 1)",
  );
});

it("setBackend and manualSeed give ValueErrors naming the value", () => {
  throwsTyped(
    () => tg.setBackend("bogus"),
    `setBackend: unknown backend "bogus" (registered: ${tg.listBackends().join(", ")}; "webgpu" opens on request)`,
  );
  throwsTyped(() => tg.manualSeed(NaN), "manualSeed: seed must be a finite number, got NaN");
  throwsTyped(() => tg.manualSeed("7" as unknown as number), "manualSeed: seed must be a finite number, got 7");
});
