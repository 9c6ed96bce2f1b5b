// `--model ./net.mjs` (or .js, .cjs, .ts, .mts): a network written in code. The module's default
// export (or its export named `model`) is an nn.Module, an nn.Module subclass, or a factory
//   (inputShape: number[], outputs: number, tg: typeof import("tensorgrad")) => Module | Promise<Module>
// called with the data's sample shape and the number of outputs; the third argument is the CLI's
// own tensorgrad, so a file can build its layers without importing a copy of its own. Inputs reach
// the module flat, [batch, inputSize] (an image's pixels row by row, channel after channel); a
// convolutional module starts with `new nn.Unflatten(1, inputShape)`.
//
// TypeScript files are imported as they are: Node 23.6 and later strip the types by default, 22.6
// to 23.5 with --experimental-strip-types (NODE_OPTIONS works), and Bun and Deno always. Elsewhere
// the error says so and names the .mjs alternative.
//
// The file is the user's code and runs as such. A run folder may come from someone else, and its
// config.json names the file by absolute path (with its SHA-256 to notice edits), so eval, predict,
// export, summary and --resume import it only with --allow-code: a config alone never runs code.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as tg from "../src/index.js";
import { nn } from "../src/index.js";
import { CliError } from "./errors.js";

/** Files whose name ends so are imported as code. */
export const MODULE_FILE = /\.(m?js|cjs|m?ts|cts)$/i;
const TYPESCRIPT = /\.(m?ts|cts)$/i;

/** The export of a model module is not a model: which file, and what it exported instead. */
export class ModelExportError extends CliError {
  override name = "ModelExportError";
}

export interface ModuleModelConfig {
  type: "module";
  /** The file's name, for the record. */
  preset: string;
  /** Absolute path of the module. */
  file: string;
  /** SHA-256 of the file when the run was trained (eval and predict note a difference). */
  sha256: string;
  /** The class of the module built, once built ("Net"). */
  className?: string;
  inputSize: number;
  /** The shape of one sample, as the factory is told it: [C, H, W] for images, [F] for tables. */
  inputShape: number[];
  outputs: number;
}

/** Files named by --model on this command line: the user's own code. */
const namedNow = new Set<string>();
let runCodeAllowed = false;

/** Whether a module named only by a run's config.json may be imported (--allow-code). */
export function allowRunCode(allowed: boolean): void {
  runCodeAllowed = allowed;
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The configuration of a model from the module at `path` (checked to exist; not yet imported). */
export function moduleModelConfig(path: string, inputSize: number, outputs: number, inputShape: number[]): ModuleModelConfig {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`model file not found: ${path}`);
  namedNow.add(file);
  return { type: "module", preset: basename(file), file, sha256: sha256(file), inputSize, inputShape, outputs };
}

/** Whether this runtime imports .ts files itself (type stripping), as far as it says. */
function runtimeStripsTypes(): boolean {
  const features = process.features as { typescript?: string | false };
  return Boolean(features.typescript) || "Bun" in globalThis || "Deno" in globalThis;
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (TYPESCRIPT.test(file) && (err.code === "ERR_UNKNOWN_FILE_EXTENSION" || (err instanceof SyntaxError && !runtimeStripsTypes()))) {
      throw new CliError(
        `cannot import ${file}: Node ${process.version} does not run TypeScript files; use Node 23.6 or later, or Node 22.6+ with NODE_OPTIONS=--experimental-strip-types, or write the model as a .mjs file`,
      );
    }
    if (err.code === "ERR_MODULE_NOT_FOUND" && /'tensorgrad'/.test(err.message)) {
      throw new CliError(
        `cannot import ${file}: it imports "tensorgrad", which is not installed where the file is; install it there, or build the model from the factory's third argument (tensorgrad itself)`,
      );
    }
    throw new CliError(`cannot import ${file}: ${err.message.split("\n")[0]}`);
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "function") return `a function returning something else`;
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "no class"})`;
  return `a ${typeof v}`;
}

/** Not this tensorgrad's Module, but shaped like one: a second copy of the library. */
function looksLikeModule(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { forward?: unknown }).forward === "function" &&
    typeof (v as { parameters?: unknown }).parameters === "function"
  );
}

function checkModule(v: unknown, file: string, what: string): nn.Module {
  if (v instanceof nn.Module) return v;
  if (looksLikeModule(v)) {
    throw new ModelExportError(
      `${file}: ${what} is an nn.Module of another copy of tensorgrad than the CLI's; import tensorgrad from where the CLI is installed, or use the factory's third argument`,
    );
  }
  throw new ModelExportError(
    `${file}: ${what} is ${describeValue(v)}, not an nn.Module; export default a Module, a Module class, or a function (inputShape, outputs, tg) => Module`,
  );
}

/** Imports the module a configuration names and builds its model (initialised from the global generator). */
export async function buildModuleModel(cfg: ModuleModelConfig): Promise<nn.Module> {
  const file = cfg.file;
  if (!namedNow.has(file) && !runCodeAllowed) {
    throw new CliError(
      `the run's model is code, ${file} (named in its config.json); importing it runs that file: pass --allow-code if you trust it`,
    );
  }
  if (!existsSync(file)) throw new CliError(`model file not found: ${file} (named in the run's config.json)`);
  if (sha256(file) !== cfg.sha256)
    process.stderr.write(`note: ${file} has changed since the run was trained; its weights load only if it builds the same layers\n`);
  const mod = await importModule(file);
  const name = Object.hasOwn(mod, "default") && mod.default !== undefined ? "default" : Object.hasOwn(mod, "model") ? "model" : null;
  if (name === null) {
    const names = Object.keys(mod).slice(0, 8);
    throw new ModelExportError(
      `${file}: no default export and no export named "model" (it exports ${names.length ? names.join(", ") : "nothing"}); export default a Module or a function (inputShape, outputs, tg) => Module`,
    );
  }
  const exported = mod[name];
  const what = name === "default" ? "the default export" : `the export "model"`;
  if (typeof exported === "function") {
    const shape = [...cfg.inputShape];
    // A class (of this tensorgrad's Module or another copy's) is constructed, a function called.
    const isClass = exported.prototype instanceof nn.Module || /^class\b/.test(Function.prototype.toString.call(exported));
    const built: unknown = isClass
      ? new (exported as new (s: number[], o: number) => unknown)(shape, cfg.outputs)
      : await (exported as (s: number[], o: number, lib: typeof tg) => unknown)(shape, cfg.outputs, tg);
    return checkModule(built, file, isClass ? `${what} (a class)` : `what ${what} returned`);
  }
  return checkModule(exported, file, what);
}
