// What tensorgrad needs from the JavaScript runtime it runs on, as one interface. node.ts implements it
// for Node, Bun and Deno, browser.ts for pages and Web Workers; package.json's "imports" field maps
// "#platform" to one of them by export condition ("browser" or not), so browser bundles never see a
// Node built-in. Files are the same story one level down: "#fs" (reads) and "#atomic-write" (io).

/** A stream that takes progress lines (stderr in Node; the console in a browser). */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What a pool worker receives: the compiled kernels, their shared memory and the job protocol. */
export interface PoolWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer | ArrayBuffer;
  funcs: readonly string[];
  index: number;
  spin: number;
  layout: Readonly<Record<string, number>>;
  kernelArgs: number;
}

/** A started pool worker. */
export interface PoolWorkerHandle {
  /** Resolves once the worker has instantiated the kernels; rejects with the reason it could not start. */
  readonly online: Promise<void>;
  /** Keeps the process alive while the worker runs (Node); a no-op elsewhere. */
  ref(): void;
  unref(): void;
  /** Resolves once the worker has exited (after the pool set its shutdown word). */
  exited(): Promise<void>;
}

/** Threads the platform can give the worker pool, with the reason when that is only the caller's. */
export interface ThreadSupport {
  /** Hardware threads available (the calling thread included). */
  hardware: number;
  /** Why no worker can be started here although the hardware has more threads; null when they can. */
  unavailable: string | null;
}

export interface Platform {
  readonly name: "node" | "browser";
  /** An environment variable; undefined where the runtime has none (browsers) or may not read it. */
  env(name: string): string | undefined;
  /** Shows a warning to the user: Node's process warning (stderr), or console.warn in a page. */
  warn(message: string): void;
  /** Where progress lines go by default. */
  progressSink(): TextSink;
  threadSupport(): ThreadSupport;
  /**
   * Starts one pool worker running src/backend/wasm/pool-worker-loop.js: from its file where the
   * runtime has one at hand (Node), else from `source`, the loop as a JavaScript expression.
   */
  startPoolWorker(init: PoolWorkerInit, source: string): PoolWorkerHandle;
  /** Whether Atomics.wait may block the calling thread (not on a browser's main thread). */
  readonly canBlock: boolean;
  /** Sets a V8 flag at run time where the runtime allows it; false otherwise. */
  setV8Flag(flag: string): boolean;
  /** Resolves after the event loop has had a turn (timers, input, redraws), as soon as it can. */
  yieldToEventLoop(): Promise<void>;
  /** Runs `task` once the event loop turns, without keeping the process alive for it. */
  afterTurn(task: () => void): void;
  /** zlib-compresses (RFC 1950) `bytes`: Node's zlib, or stored (uncompressed) blocks elsewhere. */
  deflate(bytes: Uint8Array): Uint8Array;
  /**
   * The WebGPU entry point: navigator.gpu in a browser; in Node the `webgpu` package (Dawn), loaded
   * only now, on first call. A string says why there is none.
   */
  gpu(): Promise<GPU | string>;
}
