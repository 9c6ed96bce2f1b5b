// The error classes tensorgrad throws. Every message names the operation, the offending shapes or
// values, and what was expected, so a user can fix the call without reading our source.

/**
 * Base class of every error tensorgrad throws on purpose.
 * @example try { model.forward(x); } catch (e) { if (e instanceof tg.TensorgradError) console.log(e.name, e.message); }
 */
export class TensorgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that do not fit an operation (broadcasting, matmul, reshape, a layer's input size).
 * @example tg.matmul(tg.zeros([2, 3]), tg.zeros([4, 5]))  // ShapeError: matmul: cannot multiply [2, 3] by [4, 5]: inner dimensions 3 and 4 differ
 */
export class ShapeError extends TensorgradError {}

/**
 * A dtype an operation cannot take (e.g. gradients of int32 tensors, float indices).
 * @example tg.tensor([1], { dtype: "int32" }).mean()  // DTypeError: mean: expected a floating-point tensor, got int32 (convert with .float())
 */
export class DTypeError extends TensorgradError {}

/**
 * A value out of range: a class index, a probability, a learning rate, an argument.
 * @example new optim.SGD(model.parameters(), { lr: -1 })  // ValueError: SGD: invalid lr -1 (expected a number >= 0)
 */
export class ValueError extends TensorgradError {}

/**
 * A file that is not what it claims to be: bad magic, truncated, corrupt header, bad CSV row.
 * @example io.loadSafetensors(new Uint8Array(3))  // FormatError: … too few for the 8-byte header length; not a safetensors file
 */
export class FormatError extends TensorgradError {}

/**
 * A synchronous read (`item()`, `toArray()`, `toString()` …) of a tensor whose values live in device
 * memory (WebGPU), which has no synchronous read-back. The message names the async call to use.
 * @example t.item()  // on WebGPU: AsyncReadError naming `await t.itemAsync()`; read with await t.data() there
 */
export class AsyncReadError extends TensorgradError {}

/** Formats a shape the way messages print it: `[32, 784]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * A file-system error (ENOENT, EISDIR, ENOSPC …) re-thrown naming `path`: Node leaves the path out
 * of some messages (reading a directory, a full disk) and names a temporary file in others. The
 * `code` is kept so callers can still tell what happened; any other error passes through unchanged.
 */
export function withPath(e: unknown, action: string, path: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof Error) || typeof code !== "string" || !/^E[A-Z]+$/.test(code)) return e;
  // "EISDIR: illegal operation on a directory, read" → "EISDIR: illegal operation on a directory"
  const reason = /^E[A-Z]+: [^,]*/.exec(e.message)?.[0] ?? code;
  return Object.assign(new Error(`cannot ${action} ${path}: ${reason}`), { code, path });
}

/**
 * An operation a file format cannot express or a reader does not implement (an ONNX op on import, a
 * tensorgrad op on export). `op` names it; `where` is the module path or graph node it came from.
 * @example try { io.exportOnnx(model, tg.randn([1, 784]), "model.onnx"); } catch (e) { if (e instanceof tg.UnsupportedOpError) console.log(e.op, e.where); }
 */
export class UnsupportedOpError extends TensorgradError {
  constructor(
    message: string,
    /** The unsupported operation (an ONNX op type, or a tensorgrad op name). */
    readonly op: string,
    /** Where it was met: a module path on export, a graph node on import. */
    readonly where: string,
  ) {
    super(message);
  }
}

// Minifiers rename classes (a Vite production build's ValueError becomes "r"), and `name` comes from
// the class: setting each class's name here keeps `e.name` and `e.constructor.name` in every bundle.
for (const [cls, name] of [
  [TensorgradError, "TensorgradError"],
  [ShapeError, "ShapeError"],
  [DTypeError, "DTypeError"],
  [ValueError, "ValueError"],
  [FormatError, "FormatError"],
  [AsyncReadError, "AsyncReadError"],
  [UnsupportedOpError, "UnsupportedOpError"],
] as const)
  Object.defineProperty(cls, "name", { value: name });
