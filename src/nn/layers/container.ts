// Sequential: children "0", "1", … applied in order (torch.nn.Sequential), with `add`, `length`,
// `at(i)`, bracket indexing and iteration.

import { ValueError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";

/**
 * Runs its modules in order, each on the previous one's output (torch.nn.Sequential). Children are
 * named "0", "1", … so state-dict keys read "0.weight", "2.bias" as in PyTorch.
 * @example const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
 *          net[0]  // the first Linear; net.length === 3
 */
export class Sequential extends Module implements Iterable<Module> {
  readonly [index: number]: Module;
  private readonly layers: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.add(m);
  }

  /** Appends a module under the next index and returns this (torch's append). */
  add(module: Module): this {
    if (!(module instanceof Module)) throw new ValueError(`Sequential.add: expected an nn.Module, got ${describe(module)}`);
    const i = this.layers.length;
    this.layers.push(this.registerModule(String(i), module));
    // Bracket access (net[0]) reads the layer list, so it stays right if a slot is replaced.
    Object.defineProperty(this, i, { get: () => this.layers[i], enumerable: true, configurable: true });
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  /** The module at `index`; negative counts from the end. */
  at(index: number): Module {
    const i = index < 0 ? index + this.layers.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.layers.length) {
      throw new ValueError(`Sequential.at: index ${index} is out of range for ${this.layers.length} modules`);
    }
    return this.layers[i];
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let out: any = x;
    for (const m of this.layers) out = m.forward(out);
    return out;
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return String(v);
  return (v as object).constructor?.name ?? "an object";
}
