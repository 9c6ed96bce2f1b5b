// Which BLAS the PyTorch peer's matmul runs on, as bench/peers/torch_bench.py finds it (the library its
// sgemm_ resolves to), and what the benchmark says about it: PyTorch on Debian's reference BLAS runs
// matmul and Linear layers several times slower than on OpenBLAS, with nothing in its output saying so.

import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface BlasInfo {
  /** "OpenBLAS", "MKL", "BLIS", "ATLAS", "reference BLAS" or "unknown". */
  blas: string;
  /** The shared object that serves sgemm_ (null when it could not be told). */
  blasLibrary: string | null;
  /** OpenBLAS's own build line ("OpenBLAS 0.3.21 … Zen MAX_THREADS=64"), or null. */
  blasConfig: string | null;
}

/** "OpenBLAS 0.3.21 (/usr/lib/…/libblas.so.3)": the BLAS in the words of a RESULTS.md environment line. */
export function describeBlas(info: BlasInfo): string {
  const version = /^OpenBLAS (\S+)/.exec(info.blasConfig ?? "")?.[1];
  const name = version ? `${info.blas} ${version}` : info.blas;
  return info.blasLibrary ? `${name} (${info.blasLibrary})` : name;
}

/**
 * The warning to print before measuring, or null when PyTorch runs on an optimized BLAS. `exists` is
 * asked whether OpenBLAS is installed beside the reference library (Debian's openblas-pthread folder),
 * to tell "install it" from "it is installed but not the one loaded".
 */
export function blasWarning(info: BlasInfo, exists: (path: string) => boolean = existsSync): string | null {
  if (info.blas === "reference BLAS") {
    const lib = info.blasLibrary ?? "libblas.so.3";
    // Debian keeps the reference build in <multiarch>/blas/ and OpenBLAS's in <multiarch>/openblas-pthread/.
    const multiarch = info.blasLibrary ? dirname(dirname(info.blasLibrary)) : null;
    const openblasDir = multiarch ? join(multiarch, "openblas-pthread") : null;
    const fix =
      openblasDir && exists(openblasDir)
        ? `OpenBLAS is installed (${openblasDir}) but is not the libblas.so.3 PyTorch loaded: check LD_LIBRARY_PATH and \`update-alternatives --display libblas.so.3-${basename(multiarch!)}\``
        : "on Debian, `apt-get install -y libopenblas0-pthread` (the alternatives then point libblas.so.3 at it)";
    return [
      `bench: WARNING: PyTorch's matmul runs on the reference BLAS (${lib}), not OpenBLAS or MKL.`,
      "  Its matmul, inference, MLP and sequence-model figures will be several times slower than PyTorch at its best;",
      `  the run goes on and RESULTS.md says so. To fix: ${fix}.`,
    ].join("\n");
  }
  if (info.blas === "unknown") {
    return `bench: warning: could not tell which BLAS PyTorch's matmul runs on (sgemm_ from ${info.blasLibrary ?? "no library found"}); if it is a reference BLAS, PyTorch's matmul-bound figures are several times slower than at its best.`;
  }
  return null;
}
