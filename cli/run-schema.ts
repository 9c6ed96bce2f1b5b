// The schema of a run folder's config.json. The file may have been edited by hand or crafted, so
// every field eval, predict and --resume use is checked here before any of it reaches a model.

import { z } from "zod";
import { train } from "../src/index.js";
import { ACTIVATIONS, modelSizeProblem } from "./model.js";
import { encodedNames, MAX_CATEGORIES } from "./table.js";
import { modelFileSchema } from "./model-file.js";
import { MODULE_FILE } from "./model-module.js";
import { MAX_IMAGE_SIDE } from "./image-folder.js";
import { MAX_ROTATION } from "./options.js";
import type { LayersModelConfig } from "./layers.js";

const count = z.number().int().min(1);
const fraction = z.number().min(0).lt(1);
const task = z.enum(["classification", "regression"]);

const mlp = z
  .object({
    type: z.literal("mlp"),
    preset: z.string(),
    inputSize: count,
    hidden: z.array(count),
    activation: z.enum(ACTIVATIONS),
    dropout: fraction,
    inputDropout: fraction.optional(),
    outputs: count,
  })
  .superRefine((m, ctx) => {
    const problem = modelSizeProblem(m);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const layers = z
  .object({
    type: z.literal("layers"),
    preset: z.string(),
    inputSize: count,
    inputShape: modelFileSchema.shape.inputShape.unwrap(),
    layers: modelFileSchema.shape.layers,
    outputs: count,
  })
  .superRefine((m, ctx) => {
    if (m.inputShape.reduce((a, b) => a * b, 1) !== m.inputSize) {
      ctx.addIssue({
        code: "custom",
        path: ["inputShape"],
        message: `[${m.inputShape.join(", ")}] holds ${m.inputShape.reduce((a, b) => a * b, 1)} values, not the ${m.inputSize} inputs`,
      });
      return;
    }
    try {
      const problem = modelSizeProblem(m as LayersModelConfig);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    } catch (e) {
      ctx.addIssue({ code: "custom", path: ["layers"], message: (e as Error).message });
    }
  });

/** A module of code (cli/model-module.ts): eval and predict import the file named here. */
const moduleModel = z
  .object({
    type: z.literal("module"),
    preset: z.string(),
    file: z.string().min(1).max(4096),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    className: z.string().max(200).optional(),
    inputSize: count,
    inputShape: modelFileSchema.shape.inputShape.unwrap(),
    outputs: count,
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!MODULE_FILE.test(m.file))
      ctx.addIssue({ code: "custom", path: ["file"], message: "expected a .mjs, .js, .cjs, .ts, .mts or .cts file" });
    if (m.inputShape.reduce((a, b) => a * b, 1) !== m.inputSize)
      ctx.addIssue({
        code: "custom",
        path: ["inputShape"],
        message: `[${m.inputShape.join(", ")}] does not hold the ${m.inputSize} inputs`,
      });
  });

const model = z.discriminatedUnion("type", [mlp, layers, moduleModel]);

const data = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("mnist") }),
  z.object({ kind: z.literal("idx"), dir: z.string().min(1) }),
  z.object({
    kind: z.literal("csv"),
    file: z.string().min(1),
    target: z.union([z.string(), z.number().int()]),
    task: task.optional(),
    testSplit: z.number().gt(0).lt(1),
  }),
  z.object({
    kind: z.literal("images"),
    dir: z.string().min(1),
    size: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    color: z.enum(["gray", "rgb"]),
    testSplit: z.number().gt(0).lt(1),
  }),
]);

export const runConfigSchema = z
  .object({
    format: z.literal("tensorgrad.run"),
    version: z.literal(1),
    task,
    loss: z.enum(["sparse_categorical_crossentropy", "mse"]),
    model,
    data,
    standardize: z.object({
      mean: z.array(z.number()).min(1),
      // A zero std would divide every input to ±Infinity or NaN (and every prediction with it).
      std: z.array(z.number().positive()).min(1),
    }),
    classes: z.array(z.union([z.string(), z.number()])),
    featureNames: z.array(z.string()).optional(),
    encoding: z
      .array(
        z.discriminatedUnion("kind", [
          z.object({ name: z.string(), kind: z.literal("number"), fill: z.number() }),
          z.object({
            name: z.string(),
            kind: z.literal("category"),
            values: z.array(z.string()).min(1).max(MAX_CATEGORIES),
            fill: z.string(),
          }),
        ]),
      )
      .min(1)
      .optional(),
    targetStandardize: z.object({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }).optional(),
    training: z.object({
      epochs: z.number().int().min(0),
      batchSize: count,
      optimizer: z.enum(train.OPTIMIZER_NAMES as [string, ...string[]]),
      lr: z.number().positive(),
      lrSchedule: z.enum(["cosine", "none"]).optional(),
      seed: z.number().int().min(0),
      validationSplit: fraction,
      limit: count.optional(),
      shift: z.number().int().min(0).max(8).optional(),
      flip: z.boolean().optional(),
      rotate: z.number().min(0).max(MAX_ROTATION).optional(),
      earlyStopping: z
        .object({ patience: count.max(10_000), startFrom: z.number().int().min(0).optional() })
        .strict()
        .optional(),
    }),
  })
  .superRefine((c, ctx) => {
    const { mean, std } = c.standardize;
    if (mean.length !== std.length || (mean.length !== 1 && mean.length !== c.model.inputSize)) {
      ctx.addIssue({
        code: "custom",
        path: ["standardize"],
        message: `expected 1 or ${c.model.inputSize} means and stds (the model's inputs), got ${mean.length} and ${std.length}`,
      });
    }
    if (c.task === "classification" && c.classes.length !== c.model.outputs) {
      ctx.addIssue({
        code: "custom",
        path: ["classes"],
        message: `expected a label for each of the model's ${c.model.outputs} outputs, got ${c.classes.length}`,
      });
    }
    if (c.encoding && encodedNames(c.encoding).length !== c.model.inputSize) {
      ctx.addIssue({
        code: "custom",
        path: ["encoding"],
        message: `encodes ${encodedNames(c.encoding).length} features but the model takes ${c.model.inputSize}`,
      });
    }
    const ts = c.targetStandardize;
    if (ts && (ts.mean.length !== c.model.outputs || ts.std.length !== c.model.outputs)) {
      ctx.addIssue({
        code: "custom",
        path: ["targetStandardize"],
        message: `expected ${c.model.outputs} means and stds (the model's outputs), got ${ts.mean.length} and ${ts.std.length}`,
      });
    }
    if (c.featureNames && c.featureNames.length !== c.model.inputSize) {
      ctx.addIssue({
        code: "custom",
        path: ["featureNames"],
        message: `expected ${c.model.inputSize} names (the model's inputs), got ${c.featureNames.length}`,
      });
    }
  });

/** One line naming each bad field: `model.hidden.0: Too big: …; training.optimizer: Invalid option …`. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 4).map((i) => `${i.path.length ? i.path.join(".") : "(the whole file)"}: ${i.message}`);
  if (error.issues.length > 4) shown.push(`and ${error.issues.length - 4} more`);
  return shown.join("; ");
}
