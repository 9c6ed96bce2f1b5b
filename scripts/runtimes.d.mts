// Types of scripts/runtimes.mjs for the TypeScript tests that import it.
export interface Runtime {
  name: string;
  version: string;
  /** Absolute path of the runtime's executable. */
  bin: string;
  /** Arguments before a script path to run it as an ES module. */
  run: string[];
  /** Arguments before a test file path to run it from the TypeScript sources with a node:test-compatible runner. */
  test: string[];
}
export const RUNTIMES_DIR: string;
export const RUNTIMES: Record<string, Omit<Runtime, "name"> & { pkg: string }>;
export function ensureRuntime(name: string): Runtime;
export function ensureRuntimes(names?: string[]): Runtime[];
