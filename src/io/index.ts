// The io namespace: safetensors files, training checkpoints and atomic writes. This is the only code
// in tensorgrad that writes files; every write goes through writeFileAtomic.

export { writeFileAtomic, removeStaleTempFiles, type WriteChunk } from "#atomic-write";
export type { ByteSource, ResponseLike } from "./byte-source.js";
export {
  saveSafetensors,
  saveSafetensorsAsync,
  loadSafetensors,
  readSafetensorsHeader,
  type SafetensorsContent,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  type SafetensorsDType,
} from "./safetensors.js";
export {
  saveCheckpoint,
  saveCheckpointAsync,
  loadCheckpoint,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  type CheckpointModel,
  type CheckpointOptimizer,
  type CheckpointOptimizerState,
  type CheckpointScheduler,
} from "./checkpoint.js";
