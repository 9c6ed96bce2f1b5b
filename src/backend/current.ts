// Which backend allocates new tensors and runs kernels. The reference backend is always present;
// faster backends register themselves and become the default when they can run here.

import type { Backend } from "./backend.js";
import type { KernelName, KernelParams, TypedKernel } from "./kernel-table.js";
import { jsBackend } from "./js/index.js";
import { ValueError } from "../errors.js";

const backends = new Map<string, Backend>([["js", jsBackend]]);
// Backends tensorgrad has but this runtime cannot run, with the reason (for setBackend's error).
const unavailable = new Map<string, string>();
let current: Backend = jsBackend;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
  unavailable.delete(backend.name);
}

/** Records that backend `name` cannot run here and why. */
export function markUnavailable(name: string, reason: string): void {
  if (!backends.has(name)) unavailable.set(name, reason);
}

/** The backend that allocates outputs and runs kernels. */
export function getBackend(): Backend {
  return current;
}

/** Selects a registered backend by name ("js", "wasm"). */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    const why = unavailable.get(name);
    if (why !== undefined) throw new ValueError(`setBackend: the "${name}" backend cannot run here: ${why}`);
    throw new ValueError(`setBackend: unknown backend "${name}" (registered: ${[...backends.keys()].join(", ")})`);
  }
  current = b;
}

/** Names of the registered backends, e.g. ["js", "wasm"]; pass one to setBackend. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** The current backend's kernel for `name`, else the reference kernel. */
export function kernelFor<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> {
  const k = current.kernel(name) ?? jsBackend.kernel(name);
  if (!k) throw new Error(`internal: no kernel registered for primitive "${name}"`);
  return k;
}
