// Who competes: tensorgrad on every registered backend (asked of tensorgrad itself, so a backend that
// registers later joins without changes here), TF.js on "cpu" and "wasm", and PyTorch when the
// given Python can import torch. Builds the command line of each contender's child process.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BlasInfo } from "./blas.js";
import { childEnv, Contender, type ChildSpec } from "./child.js";
import type { Hello } from "./protocol.js";
import type { ContenderInfo } from "./results.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type ContenderKind = "tensorgrad" | "tfjs" | "torch";

export interface ContenderSpec extends ChildSpec {
  kind: ContenderKind;
  /**
   * A plain-JavaScript CPU path (tensorgrad/js, tfjs-cpu), one to two orders of magnitude slower than
   * the rest: training takes its rounds after the others' (see bench/lib/run-train.ts).
   */
  slow?: boolean;
}

/**
 * glibc's malloc, told to keep what is freed (as PyTorch's recommended jemalloc or tcmalloc would)
 * rather than hand every block over 128 KiB back to the system and fault it in again on the next
 * allocation. Given to every contender. Measured on PyTorch here, where a page fault cost 10-13 us: its
 * MLP epochs took 0.25 s and 0.95 s by default and 0.075 s and 0.26 s with these (Adam's temporaries
 * were mapped and unmapped every step). tensorgrad/wasm and tfjs-wasm allocate inside their
 * WebAssembly memory and are not affected; tensorgrad/js and tfjs-cpu allocate typed arrays with it.
 */
export const ALLOCATOR_ENV = { MALLOC_MMAP_THRESHOLD_: String(64 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20) };

const nodeTs = (script: string, args: string[], conditions: boolean): string[] => [
  ...(conditions ? ["--conditions=tensorgrad-source"] : []),
  "--import",
  "tsx",
  script,
  ...args,
];

export function tensorgradSpec(backend: string): ContenderSpec {
  return {
    id: `tensorgrad/${backend}`,
    kind: "tensorgrad",
    command: process.execPath,
    cwd: REPO_ROOT,
    // The built package (dist/, what users import; `npm run bench` builds it first), not the sources.
    args: nodeTs("bench/tensorgrad/worker.ts", ["--backend", backend], false),
    env: ALLOCATOR_ENV,
    slow: backend === "js",
  };
}

export function tfjsSpec(backend: "cpu" | "wasm"): ContenderSpec {
  return {
    id: `tfjs-${backend}`,
    kind: "tfjs",
    command: process.execPath,
    cwd: REPO_ROOT,
    args: nodeTs("bench/peers/tfjs.ts", ["--backend", backend], false),
    env: ALLOCATOR_ENV,
    slow: backend === "cpu",
  };
}

export function torchSpec(python: string): ContenderSpec {
  // Some machines here set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow a
  // current one, so PyTorch is measured without them (they are unset together, for its process only).
  return {
    id: "PyTorch",
    kind: "torch",
    command: python,
    cwd: REPO_ROOT,
    args: ["bench/peers/torch_bench.py"],
    env: ALLOCATOR_ENV,
    unsetEnv: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"],
  };
}

/**
 * Whether `python` can import torch, and which BLAS its matmul runs on (torch_bench.py --probe); the
 * reason when it cannot.
 */
export function probeTorch(python: string): ({ ok: true; version: string } & BlasInfo) | { ok: false; reason: string } {
  const r = spawnSync(python, [join(REPO_ROOT, "bench/peers/torch_bench.py"), "--probe"], {
    encoding: "utf8",
    timeout: 120_000,
    env: childEnv(torchSpec(python)),
  });
  if (r.error) return { ok: false, reason: `${python} could not run (${r.error.message})` };
  if (r.status !== 0) {
    const last = (r.stderr || "").trim().split("\n").pop() ?? "";
    return { ok: false, reason: `\`${python} bench/peers/torch_bench.py --probe\` failed${last ? ` (${last})` : ""}` };
  }
  try {
    const p = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as { version: string } & BlasInfo;
    return {
      ok: true,
      version: String(p.version),
      blas: String(p.blas),
      blasLibrary: p.blasLibrary ?? null,
      blasConfig: p.blasConfig ?? null,
    };
  } catch {
    return {
      ok: false,
      reason: `\`${python} bench/peers/torch_bench.py --probe\` printed no JSON: ${JSON.stringify(r.stdout.slice(0, 200))}`,
    };
  }
}

export interface Roster {
  specs: ContenderSpec[];
  /** tensorgrad's registered backends and whether train.fit exists in this checkout. */
  backends: string[];
  hasFit: boolean;
  tensorgradVersion: string;
  /** The BLAS PyTorch's matmul runs on, when PyTorch takes part. */
  torchBlas: BlasInfo | null;
  /** Contenders left out, with the reason. */
  unavailable: string[];
}

/**
 * Asks a tensorgrad child which backends are registered (and, given `exportDir`, writes the MNIST
 * arrays there for the peers), then lists every contender that can run on this machine.
 */
export async function discoverRoster(
  python: string,
  { exportDir, echo = false }: { exportDir?: string; echo?: boolean } = {},
): Promise<Roster> {
  const probe = new Contender(tensorgradSpec("js"), { echo });
  try {
    const hello = await probe.request<Hello & { backends: string[]; hasFit: boolean }>("hello", {}, 120);
    if (exportDir) await probe.request("exportMnist", { dir: exportDir }, 300);
    const specs = hello.backends.map(tensorgradSpec);
    specs.push(tfjsSpec("cpu"), tfjsSpec("wasm"));
    const unavailable: string[] = [];
    const torch = probeTorch(python);
    if (torch.ok) specs.push(torchSpec(python));
    else unavailable.push(`PyTorch skipped: ${torch.reason}`);
    const torchBlas = torch.ok ? { blas: torch.blas, blasLibrary: torch.blasLibrary, blasConfig: torch.blasConfig } : null;
    return { specs, backends: hello.backends, hasFit: hello.hasFit, tensorgradVersion: hello.version, torchBlas, unavailable };
  } finally {
    await probe.close();
  }
}

export interface Started {
  contender: Contender;
  info: ContenderInfo;
}

/**
 * Starts each spec's process and greets it; one that fails to start is reported in `failed` (with its
 * reason) and left out, so a broken peer costs its own rows only.
 */
export async function startAll(specs: readonly ChildSpec[], echo: boolean): Promise<{ started: Started[]; failed: string[] }> {
  const started: Started[] = [],
    failed: string[] = [];
  for (const spec of specs) {
    const contender = new Contender(spec, { echo });
    try {
      const h = await contender.request<Hello>("hello", {}, 180);
      started.push({ contender, info: { id: spec.id, version: h.version, threads: h.threads } });
    } catch (e) {
      failed.push(`${spec.id} did not start: ${(e as Error).message}`);
      await contender.close();
    }
  }
  return { started, failed };
}

/** Closes every contender and returns the CPU seconds they used in all (for the load report). */
export async function closeAll(started: readonly Started[]): Promise<number> {
  let cpu = 0;
  for (const s of started) {
    const st = await s.contender.close();
    cpu += st?.cpuSeconds ?? s.contender.cpuSeconds;
  }
  return cpu;
}
