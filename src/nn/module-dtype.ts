// Module.half(), bfloat16() and float() (torch's): every floating parameter and buffer changes dtype
// in place, so the fields, optimizers and tied weights that hold them see the change. float16 and
// bfloat16 values are held in float32 memory (tensor/half.ts), so the change is a rounding of the
// values where they are and a new tag on their storage.

import { DTypeError } from "../errors.js";
import { halfTagOf, roundStorageToHalf, untagHalf, type HalfDType } from "../tensor/half.js";
import { bumpVersion } from "../tensor/version.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Converts the floating tensors of `tensors` to `dtype` in place (int32 and bool ones are left
 * alone, as torch leaves integer and bool buffers). float64 state cannot change dtype in place: a DTypeError.
 */
export function castStateInPlace(op: string, tensors: readonly Tensor[], dtype: HalfDType | "float32"): void {
  const storages = new Set<Tensor["storage"]>();
  for (const t of tensors) {
    if (t.dtype === "int32" || t.dtype === "bool") continue;
    if (t.storage.dtype !== "float32") {
      throw new DTypeError(
        `${op}: the module holds a ${t.storage.dtype} tensor; in-place casts cover float32, float16 and bfloat16 state (cast float64 models with a fresh float32 model and loadStateDict)`,
      );
    }
    storages.add(t.storage);
  }
  for (const s of storages) {
    bumpVersion({ storage: s });
    if (dtype === "float32") {
      untagHalf(s);
      continue;
    }
    if (halfTagOf(s) === dtype) continue;
    roundStorageToHalf(
      op,
      s,
      dtype,
      `rounding to ${dtype} runs on the CPU, and this module's state is on the "{backend}" backend; call ${op}() on the CPU before moving the model, or keep float32`,
    );
  }
}
