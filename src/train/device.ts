// What fit, evaluate and the callbacks need to run on a backend whose memory is on a device (WebGPU):
// awaited reads that stay synchronous on host backends (so CPU training keeps its exact behaviour),
// host copies for the metrics, and data tensors moved to the device once rather than at every batch.

import { getBackend } from "../backend/current.js";
import type { Tensor } from "../tensor/tensor.js";

/** The value of a one-element tensor: read at once on a host backend, awaited on a device. */
export async function readScalar(t: Tensor): Promise<number> {
  return t.storage.backend.host ? t.item() : t.itemAsync();
}

/** The tensors themselves when they are in host memory, else copies on the CPU (one read each). */
export async function onHost(...ts: Tensor[]): Promise<Tensor[]> {
  return Promise.all(ts.map((t) => t.cpu()));
}

/**
 * `t` on the current backend when that backend is a device and `t` is in host memory: a host tensor
 * would otherwise be uploaded whole at every batch gathered from it.
 */
export function onCurrentDevice(t: Tensor): Tensor {
  const b = getBackend();
  return b.host || t.storage.backend === b ? t : t.toBackend(b.name);
}
