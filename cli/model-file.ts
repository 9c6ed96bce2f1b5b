// `--model FILE.json` (or .yaml / .yml): a network written as a list of tensorgrad layers. The file
// is the user's and may be mistyped or hostile, so it is validated like config.json, errors naming
// the file and the field; YAML goes through the `yaml` package with aliases bounded, and a
// "__proto__" key is an own property that the strict schema refuses by name.

import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { parseDocument } from "yaml";
import { CliError } from "./errors.js";
import type { LayerSpec } from "./layers.js";

const size = z.number().int().min(1).max(1_000_000);
const kernel = z.number().int().min(1).max(64);

/** One layer; `.strict()` so that a misspelt option ("kernal") is named instead of ignored. */
export const layerSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("conv2d"),
      out: size,
      kernel,
      stride: kernel.optional(),
      padding: z.number().int().min(0).max(64).optional(),
    })
    .strict(),
  z.object({ type: z.enum(["maxpool2d", "avgpool2d"]), kernel, stride: kernel.optional() }).strict(),
  z.object({ type: z.literal("batchnorm") }).strict(),
  z.object({ type: z.literal("dropout"), p: z.number().min(0).lt(1) }).strict(),
  z.object({ type: z.literal("flatten") }).strict(),
  z.object({ type: z.literal("linear"), out: size }).strict(),
  z.object({ type: z.enum(["relu", "gelu", "tanh", "sigmoid"]) }).strict(),
  z
    .object({
      type: z.enum(["lstm", "gru"]),
      hidden: size,
      layers: z.number().int().min(1).max(16).optional(),
      bidirectional: z.boolean().optional(),
      dropout: z.number().min(0).lt(1).optional(),
      returnSequences: z.boolean().optional(),
    })
    .strict(),
]);

/** Files whose name ends so are read as model files (YAML being a superset of JSON's layout). */
export const MODEL_FILE = /\.(json|ya?ml)$/i;

export const modelFileSchema = z
  .object({
    /** The shape of one sample, e.g. [1, 28, 28]; default: square images for a square number of inputs. */
    inputShape: z.array(size).min(1).max(3).optional(),
    layers: z.array(layerSchema).max(200),
  })
  .strict();

/** Model files are a few kilobytes; anything much larger is not one. */
const MAX_BYTES = 1 << 20;

export function readModelFile(path: string): { name: string; inputShape?: number[]; layers: LayerSpec[] } {
  if (!existsSync(path) || !statSync(path).isFile()) throw new CliError(`model file not found: ${path}`);
  if (statSync(path).size > MAX_BYTES)
    throw new CliError(`${path}: a model file of ${statSync(path).size} bytes is larger than the ${MAX_BYTES} a model file may have`);
  const raw = /\.json$/i.test(path) ? parseJson(path) : parseYaml(path);
  const checked = modelFileSchema.safeParse(raw);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 4).map((i) => `${i.path.length ? i.path.join(".") : "(the whole file)"}: ${i.message}`);
    throw new CliError(`${path} is not a valid model file: ${issues.join("; ")}`);
  }
  return { name: basename(path), inputShape: checked.data.inputShape, layers: checked.data.layers as LayerSpec[] };
}

function parseJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CliError(`${path} is not valid JSON (${(e as Error).message})`);
  }
}

function parseYaml(path: string): unknown {
  const doc = parseDocument(readFileSync(path, "utf8"), { uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw new CliError(`${path} is not valid YAML (${error.message.split("\n")[0]})`);
  try {
    // A model file has no use for aliases; a handful is allowed, not a billion-laughs expansion.
    return doc.toJS({ maxAliasCount: 10 });
  } catch (e) {
    throw new CliError(`${path} is not a valid model file (${(e as Error).message.split("\n")[0]})`);
  }
}
