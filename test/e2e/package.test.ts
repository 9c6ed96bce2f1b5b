// The published package works on its own: `npm pack` the repository, install the tarball into an
// empty project (nothing downloaded beyond the npm registry, no install scripts), import it, and
// serve the playground from the installed copy (`npx tensorgrad playground` in a user's project).

import { it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt } from "../browser/harness.js";

const root = new URL("../..", import.meta.url).pathname;

/** Starts the installed `tensorgrad playground` on a free port; resolves with its URL and a stop function. */
function servePlayground(app: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(app, "node_modules/.bin/tensorgrad"), "playground", "--port", "0"], {
    cwd: app,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`tensorgrad playground printed no URL in 30 s: ${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /open (http:\/\/\S+) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop: () => child.kill() });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tensorgrad playground exited with ${code}: ${out}`));
    });
  });
}

it("npm pack → install → import * as tg from 'tensorgrad'; npx tensorgrad playground", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tensorgrad-pack-"));
  try {
    const npm = (args: string[], cwd: string) =>
      execFileSync("npm", args, {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, npm_config_update_notifier: "false" },
      });
    // Pack the dist/ that ensureBuilt() keeps current, without the prepare script: rebuilding here would
    // rewrite dist/ under the test files that run from it at the same time.
    ensureBuilt();
    npm(["pack", "--ignore-scripts", "--pack-destination", dir, "--silent"], root);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack produced no tarball");
    const app = join(dir, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    npm(["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", join(dir, tarball)], app);
    writeFileSync(
      join(app, "main.mjs"),
      `import * as tg from "tensorgrad";
       import { nn, optim, data, io, train } from "tensorgrad";
       const x = tg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
       x.matmul(x).sum().backward();
       const big = tg.randn([256, 256]).matmul(tg.randn([256, 256]));
       const digits = data.mnist({ train: false, limit: 3 });
       console.log(JSON.stringify({ grad: x.grad.toArray(), ns: [nn, optim, data, io, train].map((m) => typeof m), backend: tg.getBackend().name, shape: big.shape, digits: digits.y.toArray() }));`,
    );
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: app, encoding: "utf8" });
    assert.deepEqual(JSON.parse(out), {
      grad: [
        [7, 11],
        [9, 13],
      ],
      ns: ["object", "object", "object", "object", "object"],
      backend: "wasm",
      shape: [256, 256],
      digits: [1, 3, 7],
    });
    // The installed copy serves the page, its bundle and the digits, cross-origin isolated.
    const server = await servePlayground(app);
    try {
      for (const [path, type] of [
        ["", "text/html; charset=utf-8"],
        ["app.js", "text/javascript; charset=utf-8"],
        ["mnist-digits.bin", "application/octet-stream"],
      ]) {
        const r = await fetch(server.url + path);
        assert.equal(r.status, 200, path);
        assert.equal(r.headers.get("content-type"), type, path);
        assert.equal(r.headers.get("cross-origin-opener-policy"), "same-origin", path);
        assert.equal(r.headers.get("cross-origin-embedder-policy"), "require-corp", path);
        assert.ok((await r.arrayBuffer()).byteLength > 1000, `${path} has content`);
      }
    } finally {
      server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
