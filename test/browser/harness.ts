// What the browser tests share: a fresh build of the package, bundles of a page made with esbuild
// against that build (as a user's bundler would see it), a local HTTP server (127.0.0.1 only) that
// can serve a page cross-origin isolated, and headless Chromium driven by puppeteer-core.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import puppeteer, { type Browser } from "puppeteer-core";

export const root = new URL("../..", import.meta.url).pathname;
export const CHROMIUM = "/usr/bin/chromium";

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/**
 * Builds dist/ when any source is newer than it (`npm test` has just built it; `npm run test:fast`
 * may run against an edited tree), so the bundles always test the code in the working tree.
 */
export function ensureBuilt(): void {
  const index = join(root, "dist/src/index.js");
  // tsconfig.build.json compiles cli/ beside src/: the built CLI is stale when either changed.
  const fresh = () =>
    existsSync(index) &&
    statSync(index).mtimeMs >= Math.max(newest(join(root, "src")), newest(join(root, "cli")), statSync(join(root, "package.json")).mtimeMs);
  if (fresh()) return;
  // The test files run in parallel: one builds while the others wait for its lock to go.
  const lock = join(root, "dist-build.lock");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than any build was left by a run that was killed.
      if (existsSync(lock) && statSync(lock).mtimeMs < Date.now() - 300_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(pause, 0, 0, 200);
    }
  }
  try {
    if (fresh()) return;
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: "inherit",
    });
    execFileSync(process.execPath, [join(root, "scripts/build-wasm.mjs"), "--copy-dist"], { cwd: root, stdio: "ignore" });
    execFileSync(process.execPath, [join(root, "scripts/mnist-asset.mjs"), "--copy-dist"], { cwd: root, stdio: "ignore" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * A scratch project whose node_modules/tensorgrad links to this checkout, so that bundlers resolve
 * `import "tensorgrad"` through package.json's exports and imports as they would for an installed copy.
 */
export function scratchProject(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules/tensorgrad"), "dir");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bundles `entry` for the browser (ESM) with esbuild; returns the code and esbuild's messages. */
export async function bundleForBrowser(
  entry: string,
  nodePaths: string[],
): Promise<{ code: string; errors: esbuild.Message[]; warnings: esbuild.Message[] }> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    nodePaths,
    outfile: "page.js",
  });
  return { code: result.outputFiles[0]!.text, errors: result.errors, warnings: result.warnings };
}

export interface Served {
  body: string | Uint8Array;
  type: string;
}

/**
 * Serves `files` on 127.0.0.1 under two prefixes: /isolated/ with the COOP/COEP headers that make a
 * page cross-origin isolated (SharedArrayBuffer, so threads), and /plain/ without them.
 */
export async function serve(files: Map<string, Served>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    // Chromium asks for /favicon.ico whatever the page says.
    if (req.url === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const m = /^\/(isolated|plain)\/([^?]*)/.exec(req.url ?? "");
    const file = m ? files.get(m[2] || "index.html") : undefined;
    if (!m || !file) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { "content-type": file.type, "cache-control": "no-store" };
    if (m[1] === "isolated") {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
      headers["cross-origin-resource-policy"] = "same-origin";
    }
    res.writeHead(200, headers).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Headless Chromium (Debian's package) with a fresh profile; .ci/run installs it when missing. With
 * `webgpu`, WebGPU is on, on SwiftShader where the machine has no GPU.
 */
export async function launchChromium({ webgpu = false }: { webgpu?: boolean } = {}): Promise<{
  browser: Browser;
  close: () => Promise<void>;
}> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  const profile = mkdtempSync(join(tmpdir(), "tg-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      "--no-sandbox",
      ...(webgpu ? ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"] : ["--disable-gpu"]),
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
