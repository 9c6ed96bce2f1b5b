// Option-value parsers for commander: each turns a string into a checked value or throws commander's
// InvalidArgumentError, which the CLI reports as a one-line usage error (exit code 2).

import { InvalidArgumentError } from "commander";

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer.");
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer >= 0.");
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0.");
  return n;
}

/** Pixels of random shift for image augmentation: an integer from 0 (off) to 8. */
export function shiftPixels(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 8) throw new InvalidArgumentError("expected whole pixels from 0 (no shifts) to 8.");
  return n;
}

/** The largest rotation augmentation takes: small turns keep a label true, large ones (a 6 to a 9) need not. */
export const MAX_ROTATION = 45;

/** Degrees of random rotation for image augmentation: from 0 (off) to MAX_ROTATION. */
export function rotationDegrees(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > MAX_ROTATION)
    throw new InvalidArgumentError(`expected degrees from 0 (no rotations) to ${MAX_ROTATION}.`);
  return n;
}

/** The side of the square images from a folder are resized to: 1 to 512 pixels. */
export function imageSide(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || n > 512) throw new InvalidArgumentError("expected a side from 1 to 512 pixels.");
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number >= 0.");
  return n;
}

/** A fraction in [0, 1). */
export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError("expected a number in [0, 1).");
  return n;
}

/** A probability in [0, 1). */
export const probability = fraction;

/** Comma-separated positive integers: "256,128". An empty string means no hidden layers. */
export function sizeList(value: string): number[] {
  if (value.trim() === "") return [];
  return value.split(",").map((part) => {
    const n = Number(part);
    if (!/^\s*\d+\s*$/.test(part) || n < 1)
      throw new InvalidArgumentError(`expected comma-separated positive integers such as 256,128, got "${part}".`);
    return n;
  });
}

/** One of `choices`, compared case-insensitively. */
export function oneOf(choices: readonly string[]): (value: string) => string {
  return (value) => {
    const v = value.toLowerCase();
    if (!choices.includes(v)) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}.`);
    return v;
  };
}
