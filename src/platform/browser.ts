// The platform for browsers (pages and Web Workers): no environment, console warnings, Web Workers
// over a SharedArrayBuffer for the kernel pool when the page is cross-origin isolated.
import type { Platform, PoolWorkerHandle, PoolWorkerInit, TextSink, ThreadSupport } from "./platform.js";
import { storedDeflate } from "./stored-deflate.js";

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: GPU };
  Worker?: new (url: string, options?: { name?: string }) => BrowserWorker;
  document?: unknown;
}
interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: "message" | "error", listener: (event: { message?: string }) => void): void;
}
const g = globalThis as BrowserGlobals;

let workerUrl: string | undefined;

/** One Blob URL for every pool worker: the loop's source, started by the first message. */
function poolWorkerUrl(source: string): string {
  const script =
    `self.onmessage = (event) => {\n  self.onmessage = null;\n` + `  (${source})(event.data, (m) => self.postMessage(m));\n};\n`;
  return (workerUrl ??= URL.createObjectURL(new Blob([script], { type: "text/javascript" })));
}

function browserWorker(init: PoolWorkerInit, source: string): PoolWorkerHandle {
  const worker = new g.Worker!(poolWorkerUrl(source), { name: `tensorgrad-pool-${init.index}` });
  const online = new Promise<void>((resolve, reject) => {
    worker.addEventListener("message", () => resolve());
    worker.addEventListener("error", (e) => reject(new Error(e.message ?? "pool worker failed to start")));
  });
  worker.postMessage(init);
  return {
    online,
    ref: () => undefined,
    unref: () => undefined,
    // The worker leaves its loop on the shutdown word; nothing else would end it, so end it here.
    exited: () =>
      online.then(
        () => worker.terminate(),
        () => worker.terminate(),
      ),
  };
}

/**
 * A macrotask without setTimeout's clamping to 4 ms once calls nest: a message to ourselves, which the
 * page handles after pending input and rendering work.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Progress lines to the console, one call per line (a console has no carriage return). */
function consoleSink(): TextSink {
  let pending = "";
  return {
    isTTY: false,
    write(text: string) {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        console.log(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      return true;
    },
  };
}

export const platform: Platform = {
  name: "browser",
  env: () => undefined,
  warn(message) {
    console.warn(message);
  },
  progressSink: consoleSink,
  threadSupport(): ThreadSupport {
    const hardware = Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
    let unavailable: string | null = null;
    if (typeof g.Worker !== "function") unavailable = "this context cannot start Web Workers";
    else if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== "function") {
      unavailable =
        "the page is not cross-origin isolated (serve it with the headers " +
        "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), " +
        "so it has no SharedArrayBuffer for Web Workers to share";
    }
    return { hardware, unavailable };
  },
  startPoolWorker: browserWorker,
  // Atomics.wait throws on a page's main thread; a Web Worker may block.
  canBlock: g.document === undefined,
  setV8Flag: () => false,
  yieldToEventLoop,
  afterTurn: (task) => void setTimeout(task, 0),
  deflate: storedDeflate,
  gpu: async () =>
    g.navigator?.gpu ??
    "this browser has no WebGPU (navigator.gpu is undefined: it needs a secure context — https or localhost — and a browser that ships WebGPU: Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows)",
};
