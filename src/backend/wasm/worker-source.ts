// The pool worker as source text, for runtimes that start it without a file: a Web Worker from a Blob
// URL, or a Node worker with `eval: true` when a bundle left pool-worker.js behind.
import { poolWorkerLoop } from "./pool-worker-loop.js";

/**
 * `poolWorkerLoop` as an expression, with a `__name` stand-in: bundlers that keep function names
 * (esbuild's keepNames, tsx) wrap inner functions in a call to a helper that lives outside the body.
 */
export function poolWorkerExpression(): string {
  return `((__name) => (${poolWorkerLoop.toString()}))((f) => f)`;
}
