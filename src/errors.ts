// The error classes tensorgrad throws. Every message names the operation, the offending shapes or
// values, and what was expected, so a user can fix the call without reading our source.

/** Base class of every error tensorgrad throws on purpose. */
export class TensorgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an operation (broadcasting, matmul, reshape, a layer's input size). */
export class ShapeError extends TensorgradError {}

/** A dtype an operation cannot take (e.g. gradients of int32 tensors, float indices). */
export class DTypeError extends TensorgradError {}

/** A value out of range: a class index, a probability, a learning rate, an argument. */
export class ValueError extends TensorgradError {}

/** A file that is not what it claims to be: bad magic, truncated, corrupt header, bad CSV row. */
export class FormatError extends TensorgradError {}

/** Formats a shape the way messages print it: `[32, 784]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
