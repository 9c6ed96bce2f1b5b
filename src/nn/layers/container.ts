// Sequential: a ModuleList whose forward applies its modules in order (torch.nn.Sequential).

import type { Tensor } from "../../tensor/tensor.js";
import type { Module } from "../module.js";
import { ModuleList } from "./module-list.js";

/**
 * Runs its modules in order, each on the previous one's output (torch.nn.Sequential). Children are
 * named "0", "1", … so state-dict keys read "0.weight", "2.bias" as in PyTorch.
 * @example const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
 *          net[0]  // the first Linear; net.length === 3
 */
export class Sequential extends ModuleList<Module> {
  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.add(m);
  }

  /** Appends a module under the next index and returns this (torch's append). */
  add(module: Module): this {
    return this.appendAs("add", module);
  }

  override forward(x: Tensor): Tensor {
    let out: any = x;
    for (const m of this) out = m.forward(out);
    return out;
  }
}
