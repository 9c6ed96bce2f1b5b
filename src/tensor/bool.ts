// bool (torch.bool) as a logical dtype: values are exactly 0 or 1 in int32 storage on every
// backend, and the storage is tagged so that views of it keep the dtype (as half.ts does for the
// 16-bit floats). Every storage allocated for a bool tensor is tagged where it is allocated.

import type { Storage } from "../backend/backend.js";

const tags = new WeakSet<Storage>();
let tagged = false;

/** Marks the int32 `storage` (every value 0 or 1) as holding bool values. */
export function tagBool(storage: Storage): void {
  tags.add(storage);
  tagged = true;
}

/** Whether `storage` holds bool values. */
export function isBoolStorage(storage: Storage): boolean {
  return tagged && tags.has(storage);
}
