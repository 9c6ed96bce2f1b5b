// `tensorgrad playground`'s server: the built files by exact name with the cross-origin isolation
// headers; nothing else (no path reaches the disk), and only GET and HEAD.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startPlayground } from "../../../cli/commands/playground.js";

const root = new URL("../../..", import.meta.url).pathname;
let url = "";
let close: () => Promise<void>;

before(async () => {
  if (!existsSync(join(root, "dist/playground/app.js"))) {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: "ignore",
    });
    execFileSync(process.execPath, [join(root, "scripts/build-playground.mjs")], { cwd: root, stdio: "ignore" });
  }
  ({ url, close } = await startPlayground({ port: 0, host: "127.0.0.1" }));
});
after(() => close());

describe("playground server", () => {
  it("serves the page and its bundle cross-origin isolated", async () => {
    for (const [path, type] of [
      ["", "text/html; charset=utf-8"],
      ["index.html", "text/html; charset=utf-8"],
      ["app.js", "text/javascript; charset=utf-8"],
      ["mnist-digits.bin", "application/octet-stream"],
    ] as const) {
      const r = await fetch(url + path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("content-type"), type);
      assert.equal(r.headers.get("cross-origin-opener-policy"), "same-origin");
      assert.equal(r.headers.get("cross-origin-embedder-policy"), "require-corp");
      await r.arrayBuffer();
    }
    assert.match(await (await fetch(url + "?dataset=xor")).text(), /<title>tensorgrad playground<\/title>/);
  });

  it("answers 404 for anything else, traversal included, and 405 for other methods", async () => {
    for (const path of ["package.json", "../package.json", "%2e%2e/package.json", "src/index.ts", "..%2f..%2fpackage.json", "app.js/"]) {
      const r = await fetch(`${url}${path}`);
      assert.equal(r.status, 404, path);
      await r.text();
    }
    const post = await fetch(url, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.text();
  });

  it("says which port is taken", async () => {
    const port = Number(new URL(url).port);
    await assert.rejects(
      startPlayground({ port, host: "127.0.0.1" }),
      /playground: cannot listen on 127\.0\.0\.1:\d+: the port is in use \(choose another with --port\)/,
    );
  });
});
