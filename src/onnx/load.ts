// io.loadOnnx: an ONNX model (a file path or bytes) as an nn.Module that runs on tensorgrad ops.

import { ValueError } from "../errors.js";
import type { ResponseLike } from "../io/byte-source.js";
import { readOnnxModel, readOnnxModelAsync, type OnnxModel, type OnnxSource } from "../io/onnx/index.js";
import { MAX_VALUE_ELEMENTS } from "./limits.js";
import { OnnxModule } from "./onnx-module.js";

/** Options of loadOnnx. */
export interface LoadOnnxOptions {
  /**
   * The most elements any one value in the graph may hold (default 2^28, 1 GiB of float32). A file
   * asking for more (a corrupt shape or padding) gets a FormatError instead of the memory.
   */
  maxElements?: number;
}

/**
 * Loads an ONNX model as an OnnxModule: `forward(...inputs)` runs the graph on the current backend;
 * float initializers are trainable Parameters keyed in `stateDict()` by their initializer names
 * (BatchNorm statistics are buffers). A malformed or hostile file throws a FormatError; an op
 * loadOnnx cannot run throws an UnsupportedOpError naming it. `source` is a path, bytes or a fetch
 * Response (in a browser: `await io.loadOnnx(await fetch("model.onnx"))`).
 * @example const net = await io.loadOnnx("resnet.onnx"); net.forward(tg.randn([1, 3, 224, 224]));
 */
export async function loadOnnx(source: OnnxSource | ResponseLike, options: LoadOnnxOptions = {}): Promise<OnnxModule> {
  checkOptions(options);
  return build(await readOnnxModelAsync(source), options);
}

/**
 * loadOnnx without the promise (a path or bytes, not a Response).
 * @example const net = io.loadOnnxSync("model.onnx"); net.forward(tg.randn([1, 784]));
 */
export function loadOnnxSync(source: OnnxSource, options: LoadOnnxOptions = {}): OnnxModule {
  checkOptions(options);
  return build(readOnnxModel(source), options);
}

function checkOptions(options: LoadOnnxOptions): void {
  for (const k of Object.keys(options))
    if (k !== "maxElements") throw new ValueError(`loadOnnx: unknown option "${k}" (expected maxElements)`);
}

function build(model: OnnxModel, options: LoadOnnxOptions): OnnxModule {
  return new OnnxModule(model, { maxElements: options.maxElements ?? MAX_VALUE_ELEMENTS });
}
