// Sequential: a ModuleList whose forward applies its modules in order (torch.nn.Sequential).

import { Tensor } from "../../tensor/tensor.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { markIntermediate, releaseIntermediates } from "../../autograd/engine.js";
import { keepsNoActivationIn, type Module } from "../module.js";
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

  /**
   * Appends a module under the next index and returns this (torch's append).
   * @example new nn.Sequential().add(new nn.Linear(4, 8)).add(new nn.ReLU()).namedChildren().map(([k]) => k)  // ["0", "1"]
   */
  add(module: Module): this {
    return this.appendAs("add", module);
  }

  /**
   * Applies the modules in order. An activation passed between two built-in layers (see
   * keepsNoActivation) is reachable only through the autograd graph, so backward frees it when it
   * releases the graph rather than leaving it to the garbage collector; without a graph (noGrad) it
   * is freed as soon as the next layer has run. The input and anything sharing memory with the
   * output are never freed.
   */
  override forward(x: Tensor): Tensor {
    let out: any = x;
    const graph = isGradEnabled();
    let internal: Tensor[] | null = null;
    let prevKeepsNone = false;
    // By index, not for…of: the list's iterator and its results would be garbage on every step.
    for (let i = 0; i < this.length; i++) {
      const m = this.at(i);
      const keepsNone = keepsNoActivationIn(m);
      const between = prevKeepsNone && keepsNone && out instanceof Tensor && out !== x;
      if (graph && between) (internal ??= []).push(out);
      const input = out;
      out = m.forward(out);
      if (!graph && between && out instanceof Tensor && input.storage !== x.storage) releaseIntermediates(out, input);
      prevKeepsNone = keepsNone;
    }
    if (internal !== null && out instanceof Tensor) {
      for (const t of internal) if (t.storage !== out.storage && t.storage !== x.storage) markIntermediate(t);
    }
    return out;
  }
}
