// Version counters (PyTorch's tensor._version): every in-place write to a storage bumps its count,
// so autograd can tell that a tensor it saved for a gradient was changed after it saved it. Views
// share their storage and with it the count. Kept beside the storage rather than in it, so backends
// need not know about it; a storage never written in place has no entry and is at version 0.

import type { Storage } from "../backend/backend.js";

const versions = new WeakMap<Storage, number>();

/** How many in-place writes `t`'s storage has had. */
export function versionOf(t: { readonly storage: Storage }): number {
  return versions.get(t.storage) ?? 0;
}

/** Records an in-place write to `t`'s storage (an in-place op, an optimizer step, nn.init). */
export function bumpVersion(t: { readonly storage: Storage }): void {
  versions.set(t.storage, (versions.get(t.storage) ?? 0) + 1);
}
