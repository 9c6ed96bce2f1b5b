// The proxy every Module is wrapped in: each data property defined on a module, by a class field or
// an assignment, first goes through Module._assignField, as PyTorch's Module.__setattr__.

import type { Module } from "./module.js";

// Only defineProperty is trapped: an ordinary assignment to a data property ends in
// [[DefineOwnProperty]] on the receiver, and class fields ([[Define]] semantics, which bypass
// setters) call it directly, so one trap sees both. Reads are not trapped.
const handler: ProxyHandler<Module> = {
  defineProperty(target, key, desc) {
    if (typeof key === "string" && "value" in desc) target._assignField(key, desc.value);
    return Reflect.defineProperty(target, key, desc);
  },
};

/** `module` behind a proxy that registers the modules and parameters assigned to its fields. */
export function registeringFields<M extends Module>(module: M): M {
  return new Proxy<Module>(module, handler) as M;
}
