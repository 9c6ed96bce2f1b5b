// ModuleList (torch.nn.ModuleList): registers modules under "0", "1", … without defining how they
// are called, for models that loop over their layers (TransformerEncoder's `layers`).

import { ValueError } from "../../errors.js";
import { Module } from "../module.js";

/**
 * A list of registered submodules (torch.nn.ModuleList): their parameters appear under "0.", "1.", …
 * and `at(i)`, `length`, bracket indexing and iteration give them back. It has no forward of its own.
 * @example const blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 *          for (const b of blocks) x = b.forward(x);
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  readonly [index: number]: M;
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /**
   * Adds a module under the next index and returns this (torch's append).
   * @example const blocks = new nn.ModuleList<nn.Linear>(); for (let i = 0; i < 3; i++) blocks.append(new nn.Linear(8, 8));
   */
  append(module: M): this {
    return this.appendAs("append", module);
  }

  /** Registers `module` as child "<length>"; `method` names the caller in the error message. */
  protected appendAs(method: string, module: M): this {
    if (!(module instanceof Module)) {
      throw new ValueError(`${this.constructor.name}.${method}: expected an nn.Module, got ${describe(module)}`);
    }
    const i = this.#items.length;
    this.#items.push(this.registerModule(String(i), module));
    // Bracket access (list[0]) reads the item list, so it stays right if a slot is replaced.
    Object.defineProperty(this, i, { get: () => this.#items[i], enumerable: true, configurable: true });
    return this;
  }

  /** The number of modules (torch's len()). */
  get length(): number {
    return this.#items.length;
  }

  /**
   * The module at `index`; negative counts from the end.
   * @example new nn.ModuleList([new nn.Linear(2, 3), new nn.Linear(3, 4)]).at(-1).outFeatures  // 4
   */
  at(index: number): M {
    const i = index < 0 ? index + this.#items.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#items.length) {
      throw new ValueError(`${this.constructor.name}.at: index ${index} is out of range for ${this.#items.length} modules`);
    }
    return this.#items[i];
  }

  /** The modules in order, for `for … of` and spreading. */
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  /** Always a ValueError, as torch's ModuleList has no forward: call the modules in a loop. */
  forward(..._args: any[]): any {
    throw new ValueError("ModuleList: has no forward(); call its modules in a loop (for (const m of list) x = m.forward(x))");
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return String(v);
  return (v as object).constructor?.name ?? "an object";
}
