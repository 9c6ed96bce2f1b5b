// `tensorgrad playground`: serves the built playground (dist/playground) on 127.0.0.1 with the
// cross-origin isolation headers that let the page run tensorgrad's wasm kernels on worker threads.
// Only the files the build wrote are served, by exact name: no path from a request reaches the disk.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../errors.js";

export interface PlaygroundOptions {
  port: number;
  host: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".bin": "application/octet-stream",
  ".png": "image/png",
  ".json": "application/json",
};

/** The built playground: beside the compiled CLI when installed, under dist/ when run from source. */
export function playgroundDir(): string {
  for (const rel of ["../../playground", "../../dist/playground"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    // From source, ../../playground is the unbuilt source folder: the built one has app.js.
    if (existsSync(join(dir, "app.js")) && existsSync(join(dir, "index.html"))) return dir;
  }
  throw new CliError("playground: its files are not built (run `npm run build` in the tensorgrad checkout)");
}

/** The playground's files by URL path, read once. */
export function playgroundFiles(dir: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  files.set("/", files.get("/index.html")!);
  return files;
}

/** Starts the server; resolves with its URL and a function that stops it. */
export async function startPlayground(opts: PlaygroundOptions): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const files = playgroundFiles(playgroundDir());
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const file = req.method === "GET" || req.method === "HEAD" ? files.get(path) : undefined;
    if (!file) {
      res.writeHead(req.method === "GET" || req.method === "HEAD" ? 404 : 405, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res
      .writeHead(200, {
        "content-type": file.type,
        "content-length": file.body.length,
        "cache-control": "no-cache",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
        "cross-origin-resource-policy": "same-origin",
        "x-content-type-options": "nosniff",
      })
      .end(req.method === "HEAD" ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          `playground: cannot listen on ${opts.host}:${opts.port}: ${e.code === "EADDRINUSE" ? "the port is in use (choose another with --port)" : e.message}`,
        ),
      ),
    );
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address() as { port: number };
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves until SIGINT or SIGTERM, then exits 0. */
export async function playgroundCommand(opts: PlaygroundOptions): Promise<number> {
  const { url, close } = await startPlayground(opts);
  process.stdout.write(`tensorgrad playground: open ${url} (Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await close();
  return 0;
}
