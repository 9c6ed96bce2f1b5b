// Never a silent fallback: a TENSORGRAD_* value that means nothing is a ValueError naming the variable
// and the value, at import; a runtime that cannot run the wasm backend says so once, with the reason.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = new URL("../../..", import.meta.url).pathname;
const src = new URL("../../../src/index.ts", import.meta.url).href;

/** Imports tensorgrad in a fresh process with `env` and prints the backend's name and threads. */
function child(env: Record<string, string>, nodeArgs: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const script =
    `const tg = await import(${JSON.stringify(src)});\n` +
    `const b = tg.getBackend(); console.log(JSON.stringify({ name: b.name, threads: b.threads ?? null, sum: tg.ones([3]).sum().item() }));`;
  const r = spawnSync(
    process.execPath,
    [...nodeArgs, "--conditions=tensorgrad-source", "--import", "tsx", "--input-type=module", "-e", script],
    {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH, ...env },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The ValueError an import died of: its class and message line from the uncaught-error report. */
function thrown(stderr: string): string {
  const m = /^(\w*Error): (.*)$/m.exec(stderr);
  return m ? `${m[1]}: ${m[2]}` : stderr;
}

describe("TENSORGRAD_* settings", () => {
  test("valid values choose the backend and thread count, silently", () => {
    const wasm = child({ TENSORGRAD_BACKEND: "wasm", TENSORGRAD_THREADS: "2", TENSORGRAD_RELAXED_SIMD: "0" });
    assert.equal(wasm.stderr, "");
    assert.deepEqual(JSON.parse(wasm.stdout), { name: "wasm", threads: 2, sum: 3 });
    const js = child({ TENSORGRAD_BACKEND: "js" });
    assert.equal(js.stderr, "");
    assert.deepEqual(JSON.parse(js.stdout), { name: "js", threads: null, sum: 3 });
  });

  const bad: [Record<string, string>, string][] = [
    [
      { TENSORGRAD_BACKEND: "wsam" },
      `ValueError: TENSORGRAD_BACKEND="wsam" names no backend: expected "webgpu", "wasm" or "js" (or unset for the fastest CPU backend that runs here)`,
    ],
    [
      { TENSORGRAD_THREADS: "four" },
      `ValueError: TENSORGRAD_THREADS="four" is not a thread count: expected a positive integer (the calling thread included), or unset for all the hardware's threads`,
    ],
    [
      { TENSORGRAD_THREADS: "0" },
      `ValueError: TENSORGRAD_THREADS="0" is not a thread count: expected a positive integer (the calling thread included), or unset for all the hardware's threads`,
    ],
    [
      { TENSORGRAD_THREADS: "2.5" },
      `ValueError: TENSORGRAD_THREADS="2.5" is not a thread count: expected a positive integer (the calling thread included), or unset for all the hardware's threads`,
    ],
    [
      { TENSORGRAD_RELAXED_SIMD: "no" },
      `ValueError: TENSORGRAD_RELAXED_SIMD="no" is not a switch: expected "0" (plain SIMD build) or "1" (relaxed SIMD where the engine has it, the default)`,
    ],
  ];
  for (const [env, message] of bad) {
    test(`${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")} is a ValueError at import`, () => {
      const r = child(env);
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, "");
      assert.equal(thrown(r.stderr), message);
    });
  }
});

describe("a runtime without WebAssembly (node --jitless)", () => {
  test("runs on the js backend and says why, once", () => {
    const r = child({}, ["--jitless"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { name: "js", threads: null, sum: 3 });
    const warnings = r.stderr.split("\n").filter((l) => l.includes("tensorgrad:"));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(
      warnings[0]!,
      /\[TENSORGRAD\] Warning: tensorgrad: running on the plain-TypeScript "js" backend, several times slower than "wasm", because this runtime has no WebAssembly\./,
    );
  });

  test('setBackend("wasm") is a ValueError naming the reason', () => {
    const script =
      `const tg = await import(${JSON.stringify(src)});\n` +
      `try { tg.setBackend("wasm"); } catch (e) { console.log(e.name + ": " + e.message); }`;
    const r = spawnSync(
      process.execPath,
      ["--jitless", "--conditions=tensorgrad-source", "--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: root,
        encoding: "utf8",
        env: { PATH: process.env.PATH, TENSORGRAD_BACKEND: "js" },
      },
    );
    assert.equal(r.stdout, `ValueError: setBackend: the "wasm" backend cannot run here: this runtime has no WebAssembly\n`);
  });

  test("TENSORGRAD_BACKEND=js chooses that backend without a warning", () => {
    const r = child({ TENSORGRAD_BACKEND: "js" }, ["--jitless"]);
    assert.equal(r.code, 0, r.stderr);
    // V8 itself notes that --jitless turns WebAssembly off; tensorgrad adds nothing.
    assert.deepEqual(
      r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Warning: disabling flag --expose_wasm")),
      [],
    );
  });

  test("TENSORGRAD_BACKEND=wasm is an error naming the reason", () => {
    const r = child({ TENSORGRAD_BACKEND: "wasm" }, ["--jitless"]);
    assert.notEqual(r.code, 0);
    assert.equal(
      thrown(r.stderr),
      `ValueError: TENSORGRAD_BACKEND="wasm", but the wasm backend cannot run here: this runtime has no WebAssembly`,
    );
  });
});

test("TENSORGRAD_BACKEND=webgpu alone: evaluate opens WebGPU, or says why it cannot, rather than staying on wasm", () => {
  const script =
    `const tg = await import(${JSON.stringify(src)});\n` +
    `const m = new tg.nn.Linear(2, 1);\n` +
    `try { await tg.train.evaluate(m, { x: tg.ones([4, 2]), y: tg.ones([4, 1]) }, { loss: "mse" }); console.log(tg.getBackend().name); }\n` +
    `catch (e) { console.log("error: " + e.message); }`;
  const vk = Object.fromEntries(["VK_ICD_FILENAMES", "LD_LIBRARY_PATH"].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  const r = spawnSync(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH, ...vk, TENSORGRAD_BACKEND: "webgpu" },
  });
  assert.ok(r.stdout === "webgpu\n" || r.stdout.startsWith('error: setBackend("webgpu")'), r.stdout + r.stderr);
});

test("setBackend in code wins over TENSORGRAD_BACKEND=webgpu: the next evaluate stays on the backend chosen", () => {
  const script =
    `const tg = await import(${JSON.stringify(src)});\n` +
    `await tg.setBackend("js");\n` +
    `const m = new tg.nn.Linear(2, 1);\n` +
    `await tg.train.evaluate(m, { x: tg.ones([4, 2]), y: tg.ones([4, 1]) }, { loss: "mse" });\n` +
    `console.log(tg.getBackend().name);`;
  const r = spawnSync(process.execPath, ["--conditions=tensorgrad-source", "--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH, TENSORGRAD_BACKEND: "webgpu" },
  });
  assert.deepEqual([r.stdout, r.stderr, r.status], ["js\n", "", 0]);
});
