// "#atomic-write" in a browser bundle: a page has no file system to write to, so writeFileAtomic says
// so and names the byte-level functions to use instead.
import { ValueError } from "../errors.js";
import type {
  removeStaleTempFiles as nodeRemoveStaleTempFiles,
  writeFileAtomic as nodeWriteFileAtomic,
  WriteChunk,
} from "./atomic-write.js";

export type { WriteChunk };

export const writeFileAtomic: typeof nodeWriteFileAtomic = (path) => {
  throw new ValueError(
    `writeFileAtomic: cannot write "${path}": a browser has no file system; save to bytes instead ` +
      `(io.saveSafetensors(tensors) and io.saveCheckpoint({ model, ... }) return a Uint8Array)`,
  );
};

export const removeStaleTempFiles: typeof nodeRemoveStaleTempFiles = (dir) => {
  throw new ValueError(`removeStaleTempFiles: cannot clean "${dir}": a browser has no file system`);
};
