// Which backend allocates new tensors and runs kernels. The reference backend is always present;
// faster backends register themselves and become the default when they can run here.

import type { Backend } from "./backend.js";
import type { KernelName, KernelParams, TypedKernel } from "./kernel-table.js";
import { jsBackend } from "./js/index.js";
import { UnsupportedOpError, ValueError } from "../errors.js";
import { openWebGpuBackend } from "./webgpu/open.js";

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

/**
 * The backend that allocates outputs and runs kernels.
 * @example tg.getBackend().name  // "wasm" where WebAssembly SIMD runs, else "js"
 */
export function getBackend(): Backend {
  return current;
}

/**
 * Selects a backend by name ("webgpu", "wasm", "js"). A registered backend is selected at once (so
 * callers that do not await keep working); "webgpu" is opened on first use — its adapter and device
 * come asynchronously — and selected when the returned promise resolves. An unknown name throws at
 * once; a WebGPU that cannot open rejects with a ValueError saying why.
 * @example await tg.setBackend("webgpu");
 */
export function setBackend(name: string): Promise<void> {
  // A choice made in code wins over TENSORGRAD_BACKEND's pending one: the next fit must not switch away from it.
  requested = undefined;
  const b = backends.get(name);
  if (b) {
    current = b;
    return Promise.resolve();
  }
  if (name === "webgpu") {
    return (opening ??= openWebGpuBackend().finally(() => (opening = undefined))).then((gpu) => {
      registerBackend(gpu);
      current = gpu;
    });
  }
  const why = unavailable.get(name);
  if (why !== undefined) throw new ValueError(`setBackend: the "${name}" backend cannot run here: ${why}`);
  throw new ValueError(`setBackend: unknown backend "${name}" (registered: ${[...backends.keys()].join(", ")}; "webgpu" opens on request)`);
}
let opening: Promise<Backend> | undefined;

// A backend that TENSORGRAD_BACKEND asked for but that opens asynchronously (webgpu): selected by
// backendReady(), which the async entry points (fit, evaluate, predict, the command line) await.
let requested: string | undefined;

/** Records that `name` should become the current backend at the next backendReady(). */
export function requestBackend(name: string): void {
  requested = name;
}

/** Opens and selects the backend TENSORGRAD_BACKEND named, if it opens asynchronously and is not open yet. */
export async function backendReady(): Promise<void> {
  const name = requested;
  if (name === undefined) return;
  requested = undefined;
  await setBackend(name);
}

/** The registered backend called `name` (a ValueError when there is none: "webgpu" must be opened with setBackend first). */
export function backendNamed(name: string): Backend {
  const b = backends.get(name);
  if (b) return b;
  if (name === "webgpu") throw new ValueError(`the "webgpu" backend is not open: \`await tg.setBackend("webgpu")\` opens it`);
  throw new ValueError(`unknown backend "${name}" (registered: ${[...backends.keys()].join(", ")})`);
}

/** The backend a tensor goes to on the CPU: the current one if it is a host backend, else wasm where it runs, else js. */
export function hostBackend(): Backend {
  if (current.host) return current;
  return backends.get("wasm") ?? jsBackend;
}

/** The widest float the current backend holds: float64 on host backends, float32 on WebGPU (WGSL has no f64). */
export function widestFloat(): "float64" | "float32" {
  return current.host ? "float64" : "float32";
}

/**
 * Runs `fn` with a host backend current (the current one if it is a host backend): for tensors made
 * from host values that belong on the CPU, as a file's contents (torch.load's map_location="cpu").
 */
export function onHostBackend<T>(fn: () => T): T {
  const prev = current;
  current = hostBackend();
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/**
 * Names of the registered backends, e.g. ["js", "wasm"]; pass one to setBackend.
 * @example tg.listBackends()  // e.g. ["js", "wasm"]
 */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** The current backend's kernel for `name`, else the reference kernel. */
export function kernelFor<K extends KernelName>(name: K): TypedKernel<KernelParams[K]> {
  const k = current.kernel(name) ?? (current.host ? jsBackend.kernel(name) : undefined);
  if (k) return k;
  // A device backend cannot fall back to the reference kernels: they read host memory.
  if (!current.host)
    throw new UnsupportedOpError(
      `${name}: the "${current.name}" backend has no kernel for it yet; run this op on a CPU backend (tg.setBackend("wasm"))`,
      name,
      current.name,
    );
  throw new Error(`internal: no kernel registered for primitive "${name}"`);
}
