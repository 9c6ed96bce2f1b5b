// Checks of the arguments every public function shares: an options object names only keys the
// function knows (a misspelt or unsupported option is an error, never silently ignored), and a dtype
// is one tensorgrad has.

import { DTypeError, ValueError } from "../errors.js";
import { DTYPES, type DType } from "./dtype.js";

/**
 * Throws a ValueError naming `op` when `opts` has a key outside `known` (an option tensorgrad does
 * not have, or one PyTorch has that tensorgrad does not support yet). Keys whose value is undefined
 * pass, so callers may forward optional fields.
 */
export function checkOptions(op: string, opts: object | undefined | null, known: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw new ValueError(`${op}: options must be an object, got ${Array.isArray(opts) ? "an array" : typeof opts}`);
  }
  // A tensor where the options go is one of torch's positional arguments (cross_entropy(x, t, weight)):
  // its own fields would otherwise be reported as unknown options ("storage").
  if ("storage" in opts && "shape" in opts && "strides" in opts) {
    throw new ValueError(`${op}: options must be an object of named options, got a Tensor (give it by name, e.g. { weight: t })`);
  }
  // for…in rather than Object.keys: most calls pass {} or a couple of keys, and ops run this on every
  // call, where an array of keys each time is garbage (see bench/RESULTS.md, Bun's synchronous loop).
  for (const key in opts) {
    if (!Object.hasOwn(opts, key)) continue;
    if ((opts as Record<string, unknown>)[key] !== undefined && !known.includes(key)) {
      throw new ValueError(`${op}: unknown option "${key}" (known options: ${known.join(", ")})`);
    }
  }
}

/** `dtype` itself when tensorgrad has it; otherwise a DTypeError naming `op` and the dtypes there are. */
export function checkDType(op: string, dtype: unknown): DType {
  if (typeof dtype !== "string" || !(DTYPES as readonly string[]).includes(dtype)) {
    const shown = typeof dtype === "string" ? `"${dtype}"` : String(dtype);
    throw new DTypeError(`${op}: unknown dtype ${shown} (tensorgrad has ${DTYPES.map((d) => `"${d}"`).join(", ")})`);
  }
  return dtype as DType;
}
