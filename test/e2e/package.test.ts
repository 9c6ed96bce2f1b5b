// The published package works on its own: `npm pack` the repository, install the tarball into an
// empty project (nothing downloaded beyond the npm registry, no install scripts), and import it.

import { it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt } from "../browser/harness.js";

const root = new URL("../..", import.meta.url).pathname;

it("npm pack → install → import * as tg from 'tensorgrad'", { timeout: 240_000 }, () => {
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
