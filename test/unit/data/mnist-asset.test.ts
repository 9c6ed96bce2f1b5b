// The bundled digits' file format (src/data/mnist-asset.ts): a hand-made asset decodes to exact
// pixels, and damaged bytes give a FormatError instead of wrong digits.

import { it } from "node:test";
import assert from "node:assert/strict";
import { decodeMnistAsset } from "../../../src/data/mnist-asset.js";

/** An asset with one image of digit 2: 300 zeros, the levels 255, 128, 1, then 481 zeros. */
function tiny(): number[] {
  const header = [..."TGMNIST1"].map((c) => c.charCodeAt(0));
  const counts = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0].flatMap((n) => [n, 0, 0, 0]);
  // 300 = 0b10_0101100 -> LEB128 [0xac, 0x02]; 481 = 0b11_1100001 -> [0xe1, 0x03].
  return [...header, ...counts, 0xac, 0x02, 3, 255, 128, 1, 0xe1, 0x03, 0];
}

it("decodes a hand-made asset to the grey levels k/255 rounded to three decimals, as float32", () => {
  const { counts, pixels } = decodeMnistAsset(Uint8Array.from(tiny()));
  assert.deepEqual(counts, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(pixels.length, 784);
  assert.deepEqual(Array.from(pixels.subarray(299, 304)), [0, 1, Math.fround(0.502), Math.fround(0.004), 0]);
  assert.equal(
    pixels.reduce((a, b) => a + b, 0),
    Math.fround(1) + Math.fround(0.502) + Math.fround(0.004),
  );
});

it("rejects bytes that are not the asset, cut short, or with runs past the images", () => {
  const bytes = tiny();
  const bad = (b: number[], message: RegExp) => assert.throws(() => decodeMnistAsset(Uint8Array.from(b)), { name: "FormatError", message });
  bad(
    [..."PK\x03\x04"].map((c) => c.charCodeAt(0)),
    /^mnist: .*mnist-digits\.bin: expected the "TGMNIST1" digits asset$/,
  );
  bad(bytes.slice(0, -3), /runs cover 303 of 784 pixels and 54 of 54 bytes/);
  bad(bytes.slice(0, -1), /run length is cut short/);
  bad([...bytes.slice(0, -3), 0xe2, 0x03, 0], /a run passes the end of the images/);
  bad([...bytes, 0, 0], /runs cover 784 of 784 pixels and 57 of 59 bytes/);
});
