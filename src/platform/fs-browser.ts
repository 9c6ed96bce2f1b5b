// "#fs" in a browser bundle: the names fs-node.ts exports, each throwing a ValueError that says a page
// has no file system and what to use instead (bytes, a fetch Response). Path joining still works.
import type * as nodeFs from "./fs-node.js";
import { ValueError } from "../errors.js";

function unavailable(name: string): never {
  throw new ValueError(
    `${name}: a browser has no file system; read and write bytes instead (io.loadSafetensors and ` +
      `io.loadCheckpoint take a Uint8Array, an ArrayBuffer or a fetch Response; io.saveSafetensors(tensors) ` +
      `and io.saveCheckpoint({ model }) return a Uint8Array)`,
  );
}

export const readFileSync = ((..._: unknown[]) => unavailable("readFileSync")) as unknown as typeof nodeFs.readFileSync;
export const existsSync = ((..._: unknown[]) => unavailable("existsSync")) as typeof nodeFs.existsSync;
export const statSync = ((..._: unknown[]) => unavailable("statSync")) as unknown as typeof nodeFs.statSync;
export const openSync = ((..._: unknown[]) => unavailable("openSync")) as typeof nodeFs.openSync;
export const readSync = ((..._: unknown[]) => unavailable("readSync")) as typeof nodeFs.readSync;
export const fstatSync = ((..._: unknown[]) => unavailable("fstatSync")) as unknown as typeof nodeFs.fstatSync;
export const closeSync = ((..._: unknown[]) => unavailable("closeSync")) as typeof nodeFs.closeSync;
export const gunzipSync = ((..._: unknown[]) => unavailable("gunzipSync")) as unknown as typeof nodeFs.gunzipSync;
export const createRequire = ((..._: unknown[]) => unavailable("createRequire")) as unknown as typeof nodeFs.createRequire;

export const join = ((...parts: string[]) =>
  parts
    .filter((p) => p !== "")
    .join("/")
    .replace(/\/+/g, "/")) as typeof nodeFs.join;
export const dirname = ((path: string) => {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}) as typeof nodeFs.dirname;
