// Loading a run's weights into a rebuilt model: a full training checkpoint or a plain weights file
// (model.safetensors), told apart by the checkpoint marker in the safetensors metadata.

import { io, type nn } from "../src/index.js";
import { CliError } from "./errors.js";

export function loadWeights(path: string, model: nn.Module): void {
  try {
    if (io.readSafetensorsHeader(path).metadata.format === "tensorgrad.checkpoint") io.loadCheckpoint(path, { model });
    else model.loadStateDict(io.loadSafetensors(path).tensors);
  } catch (e) {
    // A file that does not match its config (edited, or from another run) is the user's to fix.
    if (e instanceof Error && /loadStateDict/.test(e.message))
      throw new CliError(`${path} does not fit the model in its config.json: ${e.message.replace(/\n\s*/g, "; ")}`);
    throw e;
  }
}
