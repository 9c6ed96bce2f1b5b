// `--data DIR`: a folder of images with one subfolder per class (Keras's image_dataset_from_directory
// layout), or `train/` and `test/` folders each laid out so. Every image is resized to a square of
// --image-size pixels, grey or colour, and the folder's size is checked before anything is decoded.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as tg from "../src/index.js";
import { data, type Tensor } from "../src/index.js";
import { CliError } from "./errors.js";
import { imageKind, readImage, type ColorMode } from "./image-decode.js";

export interface ImagesSpec {
  kind: "images";
  dir: string;
  /** Every image becomes size × size pixels. */
  size: number;
  color: ColorMode;
  /** The share held out for testing when the folder has no train/ and test/ of its own. */
  testSplit: number;
}

/**
 * The most values all images may hold once decoded, 2^28 float32s (1 GiB): a folder of a million
 * photos at 224 pixels would otherwise be read until memory runs out.
 */
export const MAX_IMAGE_VALUES = 2 ** 28;
export const MAX_IMAGE_SIDE = 512;
const MAX_FILES = 1_000_000;

export interface ImageFolder {
  train: { x: Tensor; y: Tensor };
  test: { x: Tensor; y: Tensor };
  classes: string[];
  /** [channels, size, size], the shape a convolution takes. */
  shape: number[];
  /** Files that are not .png/.jpg/.jpeg (a README, .DS_Store), skipped. */
  ignored: number;
  images: number;
}

interface Listed {
  files: string[];
  labels: number[];
  ignored: number;
}

/** Subfolders that are not hidden, in name order (code-unit order: the same on every machine). */
function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith(".") && (e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, e.name)).isDirectory())))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The image files of each class folder, labelled by `lookup` (a Map: folder names are the user's). */
function listImages(dir: string, lookup: Map<string, number>, known: readonly string[]): Listed {
  const listed: Listed = { files: [], labels: [], ignored: 0 };
  for (const name of subfolders(dir)) {
    const label = lookup.get(name);
    if (label === undefined) throw new CliError(`${dir}: the folder "${name}" is not one of the run's classes (${known.join(", ")})`);
    const classDir = join(dir, name);
    for (const file of readdirSync(classDir).sort()) {
      if (file.startsWith(".")) continue;
      if (!imageKind(file)) {
        listed.ignored++;
        continue;
      }
      listed.files.push(join(classDir, file));
      listed.labels.push(label);
      if (listed.files.length > MAX_FILES)
        throw new CliError(`${dir}: more than ${MAX_FILES.toLocaleString("en-US")} images; use a smaller folder`);
    }
  }
  return listed;
}

function decodeAll(listed: Listed, spec: ImagesSpec): { x: Tensor; y: Tensor } {
  const channels = spec.color === "gray" ? 1 : 3,
    px = channels * spec.size * spec.size,
    n = listed.files.length;
  const x = new Float32Array(n * px);
  listed.files.forEach((file, i) => x.set(readImage(file, spec.size, spec.color), i * px));
  return { x: tg.tensor(x, { shape: [n, px] }), y: tg.tensor(Int32Array.from(listed.labels), { shape: [n], dtype: "int32" }) };
}

function checkBudget(dir: string, n: number, spec: ImagesSpec): void {
  const values = n * (spec.color === "gray" ? 1 : 3) * spec.size * spec.size;
  if (values > MAX_IMAGE_VALUES) {
    throw new CliError(
      `${dir}: ${n.toLocaleString("en-US")} images of ${spec.size}x${spec.size} ${spec.color} hold ${values.toLocaleString("en-US")} values, more than the ${MAX_IMAGE_VALUES.toLocaleString("en-US")} (1 GiB) a run loads; use a smaller --image-size or fewer images`,
    );
  }
}

/**
 * Loads the folder. `classes` (a trained run's) fixes the class order; otherwise the class folders
 * in name order are the classes. A folder holding exactly train/ and test/ gives its own split.
 */
export function loadImageFolder(
  spec: ImagesSpec,
  { seed, classes, limit }: { seed: number; classes?: readonly (string | number)[]; limit?: number },
): ImageFolder {
  const dir = spec.dir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`data folder not found: ${dir}`);
  if (!Number.isInteger(spec.size) || spec.size < 1 || spec.size > MAX_IMAGE_SIDE)
    throw new CliError(`--image-size ${spec.size}: expected a side from 1 to ${MAX_IMAGE_SIDE} pixels`);
  const top = subfolders(dir);
  const presplit = top.length === 2 && top[0] === "test" && top[1] === "train";
  const classDirs = presplit ? join(dir, "train") : dir;
  const names = classes?.length ? classes.map(String) : subfolders(classDirs);
  if (names.length === 0)
    throw new CliError(`${dir}: no class folders (expected one subfolder of images per class, e.g. ${join(dir, "cat")}/1.png)`);
  const lookup = new Map(names.map((c, i) => [c, i]));
  const shape = [spec.color === "gray" ? 1 : 3, spec.size, spec.size];
  const finish = (train: { x: Tensor; y: Tensor }, test: { x: Tensor; y: Tensor }, ignored: number): ImageFolder => ({
    train,
    test,
    classes: names,
    shape,
    ignored,
    images: train.x.shape[0] + test.x.shape[0],
  });
  // --limit caps each set before anything is decoded.
  const take = (l: Listed): Listed =>
    limit === undefined ? l : { files: l.files.slice(0, limit), labels: l.labels.slice(0, limit), ignored: l.ignored };
  if (presplit) {
    const a = take(listImages(join(dir, "train"), lookup, names)),
      b = take(listImages(join(dir, "test"), lookup, names));
    if (a.files.length === 0) throw new CliError(`${join(dir, "train")}: no .png, .jpg or .jpeg images in its class folders`);
    checkBudget(dir, a.files.length + b.files.length, spec);
    return finish(decodeAll(a, spec), decodeAll(b, spec), a.ignored + b.ignored);
  }
  const all = listImages(dir, lookup, names);
  if (all.files.length === 0) throw new CliError(`${dir}: no .png, .jpg or .jpeg images in its class folders`);
  checkBudget(dir, Math.min(all.files.length, 2 * (limit ?? Infinity)), spec);
  // The same seeded split as a CSV's: randomSplit's own generator, so every run splits alike.
  const [trainSet, testSet] = data.randomSplit({ length: all.files.length, get: () => [] }, [1 - spec.testSplit, spec.testSplit], { seed });
  const part = (s: data.Subset): Listed =>
    take({ files: s.indices.map((i) => all.files[i]), labels: s.indices.map((i) => all.labels[i]), ignored: 0 });
  return finish(decodeAll(part(trainSet), spec), decodeAll(part(testSet), spec), all.ignored);
}
