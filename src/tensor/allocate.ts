// Every tensor's storage is allocated here, so a runaway size (a shape from a file, a typo'd
// layer width) ends as a ValueError naming the operation and the shape, not a RangeError from deep
// inside the engine.

import { getBackend } from "../backend/current.js";
import type { Storage } from "../backend/backend.js";
import { DTypeError, ValueError, fmtShape } from "../errors.js";
import { storageDType, type DType } from "./dtype.js";
import { sizeOf } from "./shape.js";
import { tagBool } from "./bool.js";

/**
 * The most elements one tensor may hold: 2^31 - 1, the int32 index range that kernels and the
 * wasm backend's 32-bit addresses work in (8 GiB of float32).
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

// float16 and bfloat16 values are held in float32 memory (see half.ts), bool in int32 (bool.ts).
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, float16: 4, bfloat16: 4, bool: 4 };

function gib(elements: number, dtype: DType): string {
  return `${((elements * BYTES[dtype]) / 2 ** 30).toPrecision(3)} GiB`;
}

/** Storage for `shape` on the current backend; `op` names the operation in errors. */
export function allocate(op: string, dtype: DType, shape: readonly number[], zero?: boolean): Storage {
  const n = sizeOf(shape);
  if (n > MAX_ELEMENTS) {
    throw new ValueError(
      `${op}: shape ${fmtShape(shape)} has ${n} elements (${gib(n, dtype)} of ${dtype}); a tensor holds at most ${MAX_ELEMENTS} (2^31 - 1)`,
    );
  }
  try {
    const storage = getBackend().alloc(storageDType(dtype), n, zero);
    if (dtype === "bool") tagBool(storage);
    return storage;
  } catch (e) {
    // V8's "Array buffer allocation failed" / "Invalid typed array length": the machine said no.
    if (e instanceof RangeError)
      throw new ValueError(`${op}: cannot allocate shape ${fmtShape(shape)} (${gib(n, dtype)} of ${dtype}): ${e.message}`);
    // A dtype the backend cannot hold (float64 on WebGPU): name the operation.
    if (e instanceof DTypeError) throw new DTypeError(`${op}: ${e.message}`);
    throw e;
  }
}
