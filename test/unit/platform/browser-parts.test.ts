// The pieces of the browser platform that Node can check: stored-block zlib streams inflate back to
// their input, and the pool worker's source text runs as a worker (the path bundles and pages take).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { storedDeflate } from "../../../src/platform/stored-deflate.js";
import { KERNELS_BASE64 } from "../../../src/backend/wasm/build/kernels-embedded.js";
import { kernelBytes } from "../../../src/backend/wasm/module.js";

describe("storedDeflate", () => {
  for (const n of [0, 1, 65535, 65536, 200_003]) {
    test(`${n} bytes inflate back unchanged`, () => {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);
      const z = storedDeflate(bytes);
      assert.equal(z.length, 2 + 5 * Math.max(1, Math.ceil(n / 65535)) + n + 4);
      assert.deepEqual(new Uint8Array(inflateSync(z)), bytes);
    });
  }
});

describe("embedded kernels", () => {
  test("the base64 in kernels-embedded.ts is the committed .wasm files, byte for byte", () => {
    for (const flavor of ["simd", "relaxed"] as const) {
      const file = new Uint8Array(readFileSync(new URL(`../../../src/backend/wasm/build/kernels-${flavor}.wasm`, import.meta.url)));
      assert.deepEqual(kernelBytes(flavor), file, flavor);
      assert.equal(KERNELS_BASE64[flavor], Buffer.from(file).toString("base64"));
    }
  });
});
