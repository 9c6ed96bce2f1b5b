// Which BLAS the PyTorch peer runs on (bench/lib/blas.ts, bench/peers/torch_bench.py --probe): the
// words RESULTS.md records, the warning printed before a run on the reference BLAS, and the probe
// itself against Debian's libraries when PyTorch is installed here.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { blasWarning, describeBlas, type BlasInfo } from "../../../bench/lib/blas.js";
import { probeTorch } from "../../../bench/lib/contenders.js";
import { renderMeta } from "../../../bench/lib/report.js";

const openblas: BlasInfo = {
  blas: "OpenBLAS",
  blasLibrary: "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3",
  blasConfig: "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64",
};
const reference: BlasInfo = { blas: "reference BLAS", blasLibrary: "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", blasConfig: null };

describe("the PyTorch peer's BLAS", () => {
  it("is named with its version and library", () => {
    assert.equal(describeBlas(openblas), "OpenBLAS 0.3.21 (/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3)");
    assert.equal(describeBlas(reference), "reference BLAS (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0)");
    assert.equal(describeBlas({ blas: "MKL", blasLibrary: null, blasConfig: null }), "MKL");
  });

  it("warns on the reference BLAS, telling a missing OpenBLAS from one not loaded", () => {
    assert.equal(
      blasWarning(openblas, () => false),
      null,
    );
    assert.equal(
      blasWarning({ blas: "MKL", blasLibrary: null, blasConfig: null }, () => false),
      null,
    );
    const asked: string[] = [];
    const missing = blasWarning(reference, (p) => (asked.push(p), false))!;
    assert.deepEqual(asked, ["/usr/lib/x86_64-linux-gnu/openblas-pthread"]);
    assert.match(
      missing,
      /^bench: WARNING: PyTorch's matmul runs on the reference BLAS \(\/usr\/lib\/x86_64-linux-gnu\/blas\/libblas\.so\.3\.11\.0\), not OpenBLAS or MKL\.\n/,
    );
    assert.match(missing, /several times slower/);
    assert.match(missing, /To fix: on Debian, `apt-get install -y libopenblas0-pthread`/);
    const notLoaded = blasWarning(reference, () => true)!;
    assert.match(
      notLoaded,
      /To fix: OpenBLAS is installed \(\/usr\/lib\/x86_64-linux-gnu\/openblas-pthread\) but is not the libblas\.so\.3 PyTorch loaded: check LD_LIBRARY_PATH and `update-alternatives --display libblas\.so\.3-x86_64-linux-gnu`\.$/,
    );
    assert.match(
      blasWarning({ blas: "unknown", blasLibrary: null, blasConfig: null })!,
      /^bench: warning: could not tell which BLAS PyTorch's matmul runs on \(sgemm_ from no library found\)/,
    );
  });

  it("goes on the line under a section's heading, after the load", () => {
    const line = renderMeta(
      {
        date: "2026-12-07T14:00:00.000Z",
        command: "npm run bench -- --only matmul",
        quick: false,
        unavailable: [],
        torchBlas: describeBlas(reference),
        load: { loadStart: 1, loadEnd: 2, wallSeconds: 10, foreignCores: 0 },
      },
      2,
    );
    assert.ok(
      line.endsWith(
        "kept 0.00 of 2 cores busy on average. PyTorch's BLAS: reference BLAS (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0).",
      ),
      line,
    );
  });
});

// Debian's PyTorch and both BLAS builds: the probe follows the library torch's sgemm_ resolves to.
const python = process.env.TORCH_PYTHON ?? "/usr/bin/python3";
const hasTorch = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
const refDir = "/usr/lib/x86_64-linux-gnu/blas";
const hasBoth = existsSync(`${refDir}/libblas.so.3`) && existsSync("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3");

describe("torch_bench.py --probe", { skip: !hasTorch && `no PyTorch in ${python}` }, () => {
  it("names a BLAS and the library serving sgemm_", () => {
    const p = probeTorch(python);
    assert.ok(p.ok, p.ok ? "" : p.reason);
    assert.match(p.version, /^\d+\.\d+/);
    assert.ok(["OpenBLAS", "MKL", "BLIS", "ATLAS", "reference BLAS", "unknown"].includes(p.blas), p.blas);
  });

  it(
    "sees the reference BLAS when LD_LIBRARY_PATH puts it first, though OpenBLAS stays mapped through LAPACK",
    { skip: !hasBoth && "needs Debian's libblas3 and libopenblas0-pthread" },
    () => {
      const saved = process.env.LD_LIBRARY_PATH;
      process.env.LD_LIBRARY_PATH = refDir;
      try {
        const p = probeTorch(python);
        assert.ok(p.ok, p.ok ? "" : p.reason);
        assert.equal(p.blas, "reference BLAS");
        assert.equal(p.blasConfig, null);
        assert.ok(p.blasLibrary?.startsWith(`${refDir}/libblas.so.3`), String(p.blasLibrary));
      } finally {
        if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
        else process.env.LD_LIBRARY_PATH = saved;
      }
    },
  );
});
