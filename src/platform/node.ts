// The platform for Node, Bun and Deno: environment variables, process warnings, worker_threads for
// the kernel pool, V8 flags and the exit hooks the wasm storage uses.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { deflateSync } from "node:zlib";
import { setTimeout } from "node:timers";
import type { Platform, PoolWorkerHandle, PoolWorkerInit, ThreadSupport } from "./platform.js";

const workerFile = new URL("../backend/wasm/pool-worker.js", import.meta.url);

/**
 * pool-worker.js next to this module (the package, or src/ under tsx); in a bundle it is usually not
 * copied along, and the worker starts from the loop's source text instead.
 */
function startNodeWorker(init: PoolWorkerInit, source: string): Worker {
  // The worker is plain JavaScript: skip the parent's loaders (tsx) so it starts faster.
  const options = { workerData: init, execArgv: [] as string[] };
  let fromFile = false;
  try {
    fromFile = workerFile.protocol === "file:" && existsSync(fileURLToPath(workerFile));
  } catch {
    // Deno without --allow-read throws here: fall through to the source text.
  }
  if (fromFile) return new Worker(workerFile, options);
  const script =
    `const { workerData, parentPort } = require("node:worker_threads");\n` + `(${source})(workerData, (m) => parentPort.postMessage(m));`;
  return new Worker(script, { ...options, eval: true });
}

function nodeWorker(init: PoolWorkerInit, source: string): PoolWorkerHandle {
  const worker = startNodeWorker(init, source);
  // Workers sit in Atomics.wait between jobs; they must not keep a finished script alive.
  worker.unref();
  const online = new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`pool worker exited with code ${code} before starting`)));
  });
  return {
    online,
    ref: () => void worker.ref(),
    unref: () => void worker.unref(),
    // Referenced while it winds down, so that awaiting the pool's close keeps the event loop alive.
    exited: () =>
      new Promise<void>((resolve) => {
        worker.ref();
        worker.once("exit", () => resolve());
      }),
  };
}

let envDeniedSaid = false;

export const platform: Platform = {
  name: "node",
  env(name) {
    try {
      return process.env[name];
    } catch {
      // Deno without --allow-env throws on reading a variable. The setting then counts as absent, and
      // tensorgrad says so once: a TENSORGRAD_BACKEND=js the user set must not be ignored silently.
      if (!envDeniedSaid) {
        envDeniedSaid = true;
        process.emitWarning(
          `cannot read ${name} (no permission to read environment variables; Deno needs --allow-env): ` +
            "the TENSORGRAD_* settings take their defaults",
          { code: "TENSORGRAD" },
        );
      }
      return undefined;
    }
  },
  warn(message) {
    process.emitWarning(message, { code: "TENSORGRAD" });
  },
  progressSink: () => process.stderr,
  threadSupport(): ThreadSupport {
    return { hardware: availableParallelism(), unavailable: null };
  },
  startPoolWorker: nodeWorker,
  canBlock: true,
  setV8Flag(flag) {
    try {
      setFlagsFromString(flag);
      return true;
    } catch {
      return false;
    }
  },
  yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)),
  // node:timers' Timeout (in Bun and Deno too) has unref; Deno's global setTimeout gives a number.
  afterTurn: (task) => void setTimeout(task, 0).unref(),
  deflate: (bytes) => deflateSync(bytes, { level: 9 }),
  gpu: nodeGpu,
};

// The GPU object of the `webgpu` package must stay referenced while any device from it is used: Dawn
// tears its instance down when the collector takes it, and a device still in use then crashes.
let dawn: Promise<GPU | string> | undefined;

function nodeGpu(): Promise<GPU | string> {
  return (dawn ??= loadDawn());
}

async function loadDawn(): Promise<GPU | string> {
  let mod: { create(options: string[]): GPU; globals: object };
  try {
    // A variable specifier: bundlers leave the optional package alone, and it loads only when asked for.
    const name = "webgpu";
    mod = await import(name);
  } catch (e) {
    return `the "webgpu" package (Dawn for Node) is not installed: it is an optional peer dependency, add it with \`npm install webgpu\` (${(e as Error).message.split("\n")[0]})`;
  }
  // Dawn's objects check the GPU* classes and constants as globals, as a browser has them.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return mod.create([]);
}
