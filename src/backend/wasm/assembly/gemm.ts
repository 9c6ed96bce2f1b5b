// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Single-precision GEMM, C[M,N] (=|+=) A[M,K]·B[K,N], for operands given by element strides, so a
// transposed view (column-major strides) costs nothing extra: packing reads either layout.
import { fmadd, at, at2 } from "./simd";

// Register tile: 4 rows x 8 columns = 8 v128 accumulators + 2 B vectors + 1 A splat, which fits
// V8's 15 allocatable xmm registers even when mul and add are separate (6x8 and 5x8 spill: measured
// 26-29 and 23 GFLOP/s against 50-53 for 4x8).
const MR = 4;
const NR = 8;
// KC x NR of packed B (8 KB) + KC x MR of packed A (4 KB) stay in L1; the MC x KC block of A (128 KB)
// stays in L2 while the micro-kernel sweeps every B panel across it.
const KC = 256;
const MC = 128;
const TILE_SCRATCH = MR * NR * 4;

/**
 * Bytes of per-thread workspace the kernels need: gemm_packed a packed A block and an edge tile;
 * gemm_splitk that, a B panel slice between them, and the edge tile after it.
 */
export function gemm_workspace_bytes(): i32 {
  return MC * KC * 4 + KC * NR * 4 + TILE_SCRATCH;
}

/** Floats of packed B for a K x N operand: ceil(N/8) panels of K x 8, zero-padded. */
export function gemm_packed_b_floats(K: i32, N: i32): i32 {
  return ((N + NR - 1) / NR) * NR * K;
}

// 4x4 transpose of rows r0..r3 (each 4 floats) into columns.
@inline function tr0(r0: v128, r1: v128): v128 { return i32x4.shuffle(r0, r1, 0, 4, 1, 5); }
@inline function tr1(r0: v128, r1: v128): v128 { return i32x4.shuffle(r0, r1, 2, 6, 3, 7); }
@inline function lo2(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 0, 1, 4, 5); }
@inline function hi2(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 2, 3, 6, 7); }

/**
 * Packs rows [k0, k0+kc) of the B panel at columns j0..j0+7 into d (row k of the slice at (k-k0)*8).
 * Columns past N are zero.
 */
@inline function packPanel(k0: i32, kc: i32, N: i32, b: usize, rs: i32, cs: i32, j0: i32, d: usize): void {
  const full = j0 + NR <= N;
  if (full && cs == 1) {
    // Row-major B: each panel row is two contiguous vectors.
    for (let k = 0; k < kc; k++) {
      const s = at(b, (k0 + k) * rs + j0);
      const o = at(d, k * NR);
      v128.store(o, v128.load(s));
      v128.store(o, v128.load(s, 16), 16);
    }
  } else if (full && rs == 1) {
    // Column-major B (a transposed row-major matrix): read 4 k-values down each of the 8 columns
    // and transpose two 4x4 blocks into 4 panel rows.
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const kk = k0 + k;
      const c0 = v128.load(at(b, j0 * cs + kk)), c1 = v128.load(at(b, (j0 + 1) * cs + kk));
      const c2 = v128.load(at(b, (j0 + 2) * cs + kk)), c3 = v128.load(at(b, (j0 + 3) * cs + kk));
      const c4 = v128.load(at(b, (j0 + 4) * cs + kk)), c5 = v128.load(at(b, (j0 + 5) * cs + kk));
      const c6 = v128.load(at(b, (j0 + 6) * cs + kk)), c7 = v128.load(at(b, (j0 + 7) * cs + kk));
      const a0 = tr0(c0, c1), a1 = tr1(c0, c1), a2 = tr0(c2, c3), a3 = tr1(c2, c3);
      const e0 = tr0(c4, c5), e1 = tr1(c4, c5), e2 = tr0(c6, c7), e3 = tr1(c6, c7);
      const o = at(d, k * NR);
      v128.store(o, lo2(a0, a2)); v128.store(o, lo2(e0, e2), 16);
      v128.store(o, hi2(a0, a2), 32); v128.store(o, hi2(e0, e2), 48);
      v128.store(o, lo2(a1, a3), 64); v128.store(o, lo2(e1, e3), 80);
      v128.store(o, hi2(a1, a3), 96); v128.store(o, hi2(e1, e3), 112);
    }
    for (; k < kc; k++) {
      for (let j = 0; j < NR; j++) store<f32>(at(d, k * NR + j), load<f32>(at(b, (j0 + j) * cs + k0 + k)));
    }
  } else {
    // The last, partial panel (or odd strides): clear it, then copy the valid columns one at a time,
    // each a walk down K (a convolution's weight gradient has K = N*L in the tens of thousands).
    const nj = min(NR, N - j0);
    if (nj < NR) memory.fill(d, 0, <usize>kc * NR << 2);
    for (let j = 0; j < nj; j++) {
      const src = at2(b, j0 + j, cs) + (<usize>(k0 * rs) << 2);
      for (let k = 0; k < kc; k++) store<f32>(at(d, k * NR + j), load<f32>(at2(src, k, rs)));
    }
  }
}

/**
 * Packs B panels [p0, p1) into bp: panel p = columns 8p..8p+7 occupies K*8 floats starting at
 * p*K*8, row k of the panel at k*8. Columns past N are zero. Threads may pack disjoint panel ranges.
 */
export function gemm_pack_b(K: i32, N: i32, b: usize, rs: i32, cs: i32, bp: usize, p0: i32, p1: i32): void {
  let p = p0;
  if (cs == 1) {
    // Row-major B four panels at a time: each row's 32 columns (two whole cache lines) are read once,
    // where a panel at a time read each line twice, the second time long after it had left L1.
    for (; p + 4 <= p1 && (p + 4) * NR <= N; p += 4) packRows4(K, b, rs, p * NR, at(bp, p * K * NR), <usize>K * NR << 2);
  }
  for (; p < p1; p++) packPanel(0, K, N, b, rs, cs, p * NR, at(bp, p * K * NR));
}

/** Four whole panels of row-major B (columns j0..j0+31, all K rows) into d, panel q at d + q*ps bytes. */
function packRows4(K: i32, b: usize, rs: i32, j0: i32, d: usize, ps: usize): void {
  for (let k = 0; k < K; k++) {
    const s = at(b, k * rs + j0);
    const o = at(d, k * NR);
    v128.store(o, v128.load(s));
    v128.store(o, v128.load(s, 16), 16);
    v128.store(o + ps, v128.load(s, 32));
    v128.store(o + ps, v128.load(s, 48), 16);
    v128.store(o + 2 * ps, v128.load(s, 64));
    v128.store(o + 2 * ps, v128.load(s, 80), 16);
    v128.store(o + 3 * ps, v128.load(s, 96));
    v128.store(o + 3 * ps, v128.load(s, 112), 16);
  }
}

/**
 * Packs slivers [s0, s1) of all of A (M x K) for gemm_cols: sliver s (rows 4s..4s+3, zero past M)
 * with row k at (s*K + k)*4. Threads may pack disjoint sliver ranges.
 */
export function gemm_pack_a(M: i32, K: i32, a: usize, rs: i32, cs: i32, ap: usize, s0: i32, s1: i32): void {
  const i0 = s0 * MR;
  const rows = min(s1 * MR, M) - i0;
  if (rows > 0) packA(rows, K, a, rs, cs, i0, 0, at(ap, s0 * K * MR));
}

/** Packs rows [i0, i0+mc) x columns [k0, k0+kc) of A into slivers of 4 rows: sliver s, row k at (s*kc + k)*4. */
function packA(mc: i32, kc: i32, a: usize, rs: i32, cs: i32, i0: i32, k0: i32, ap: usize): void {
  for (let s = 0; s * MR < mc; s++) {
    const d = at(ap, s * kc * MR);
    const r0 = i0 + s * MR;
    const rows = min(MR, mc - s * MR);
    if (rows == MR && cs == 1) {
      // Row-major A: 4x4 blocks transposed in registers, so reads stay contiguous.
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const base = at(a, r0 * rs + k0 + k);
        const x0 = v128.load(base), x1 = v128.load(at2(base, 1, rs));
        const x2 = v128.load(at2(base, 2, rs)), x3 = v128.load(at2(base, 3, rs));
        const t0 = tr0(x0, x1), t1 = tr1(x0, x1), t2 = tr0(x2, x3), t3 = tr1(x2, x3);
        const o = at(d, k * MR);
        v128.store(o, lo2(t0, t2)); v128.store(o, hi2(t0, t2), 16);
        v128.store(o, lo2(t1, t3), 32); v128.store(o, hi2(t1, t3), 48);
      }
      for (; k < kc; k++) {
        for (let i = 0; i < MR; i++) store<f32>(at(d, k * MR + i), load<f32>(at(a, (r0 + i) * rs + k0 + k)));
      }
    } else if (rows == MR && rs == 1) {
      // Column-major A (a transposed view): the 4 rows at one k are adjacent already.
      for (let k = 0; k < kc; k++) v128.store(at(d, k * MR), v128.load(at(a, r0 + (k0 + k) * cs)));
    } else {
      for (let k = 0; k < kc; k++) {
        for (let i = 0; i < MR; i++) {
          store<f32>(at(d, k * MR + i), i < rows ? load<f32>(at(a, (r0 + i) * rs + (k0 + k) * cs)) : 0);
        }
      }
    }
  }
}

@inline function put(c: usize, v: v128, acc: bool): void {
  v128.store(c, acc ? f32x4.add(v128.load(c), v) : v);
}

/**
 * The 4x8 micro-kernel: C tile (row stride ldc bytes) (=|+=) A sliver · B sliver over kc. With
 * `scratch` non-zero the tile goes there instead (row stride 32 bytes), for edge tiles that must not
 * be stored whole into C.
 */
@inline function micro(kc: i32, a: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = fmadd(x, b0, c00); c01 = fmadd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = fmadd(x, b0, c10); c11 = fmadd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = fmadd(x, b0, c20); c21 = fmadd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = fmadd(x, b0, c30); c31 = fmadd(x, b1, c31);
    a += MR * 4;
    b += NR * 4;
  }
  put(c, c00, acc); put(c + 16, c01, acc); c += ldc;
  put(c, c10, acc); put(c + 16, c11, acc); c += ldc;
  put(c, c20, acc); put(c + 16, c21, acc); c += ldc;
  put(c, c30, acc); put(c + 16, c31, acc);
}

/**
 * The 4x8 micro-kernel reading its four rows of A where they are, unpacked: row r of the sliver at
 * a + r*ra bytes, each step of k ka bytes further (row-major A: ra = its row stride, ka = 4; a
 * transposed view: ra = 4, ka = its column stride). For gemm_cols, which otherwise packs A on the
 * calling thread right before both threads read it: measured 30 us for a 64 x 784 batch, against 7
 * when packed again in a loop, because every line written had last been read by the other core.
 */
@inline function microDirect(kc: i32, a: usize, ra: usize, ka: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let a0 = a, a1 = a + ra, a2 = a1 + ra, a3 = a2 + ra;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = fmadd(x, b0, c00); c01 = fmadd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = fmadd(x, b0, c10); c11 = fmadd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = fmadd(x, b0, c20); c21 = fmadd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = fmadd(x, b0, c30); c31 = fmadd(x, b1, c31);
    a0 += ka; a1 += ka; a2 += ka; a3 += ka;
    b += NR * 4;
  }
  put(c, c00, acc); put(c + 16, c01, acc); c += ldc;
  put(c, c10, acc); put(c + 16, c11, acc); c += ldc;
  put(c, c20, acc); put(c + 16, c21, acc); c += ldc;
  put(c, c30, acc); put(c + 16, c31, acc);
}

/** An edge tile (rows < 4 or cols < 8): computed into scratch, then the valid part added/stored into C. */
function microEdge(kc: i32, a: usize, b: usize, c: usize, ldc: usize, acc: bool, rows: i32, cols: i32, scratch: usize): void {
  micro(kc, a, b, scratch, NR * 4, false);
  storeEdge(c, ldc, acc, rows, cols, scratch);
}

/** Adds or stores the valid rows x cols of a tile computed into scratch (row stride 32 bytes) into C. */
function storeEdge(c: usize, ldc: usize, acc: bool, rows: i32, cols: i32, scratch: usize): void {
  if (cols == NR) {
    // Only rows are missing (M not a multiple of 4: a convolution's 6 output channels, every panel):
    // whole rows go out as vectors.
    for (let i = 0; i < rows; i++) {
      const cr = c + <usize>i * ldc, s = at(scratch, i * NR);
      put(cr, v128.load(s), acc);
      put(cr + 16, v128.load(s, 16), acc);
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const cr = c + <usize>i * ldc;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(at(scratch, i * NR + j));
      store<f32>(at(cr, j), acc ? load<f32>(at(cr, j)) + v : v);
    }
  }
}

/**
 * Rows [m0, m1) of C = A·B (beta = 0) or C += A·B (beta = 1), with B already packed by gemm_pack_b.
 * A is read through (rs, cs) element strides; C is row-major with row stride ldc. `ws` is this
 * thread's workspace (gemm_workspace_bytes). Threads sharing one product take disjoint row ranges,
 * ideally multiples of 4 so no sliver is split.
 */
export function gemm_packed(M: i32, N: i32, K: i32, a: usize, rs: i32, cs: i32, bp: usize, c: usize, ldc: i32,
                            beta: i32, ws: usize, m0: i32, m1: i32): void {
  m1 = min(m1, M);
  if (K == 0) {
    if (beta == 0) for (let i = m0; i < m1; i++) memory.fill(at(c, i * ldc), 0, <usize>N << 2);
    return;
  }
  const scratch = ws + MC * KC * 4;
  const ldcBytes = <usize>ldc << 2;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const acc = pc > 0 || beta != 0;
    for (let ic = m0; ic < m1; ic += MC) {
      const mc = min(MC, m1 - ic);
      packA(mc, kc, a, rs, cs, ic, pc, ws);
      for (let jr = 0; jr < N; jr += NR) {
        const bs = at(bp, jr * K + pc * NR);
        const cols = min(NR, N - jr);
        let ir = 0;
        if (cols == NR) {
          for (; ir + MR <= mc; ir += MR) micro(kc, at(ws, ir * kc), bs, at(c, (ic + ir) * ldc + jr), ldcBytes, acc);
        }
        for (; ir < mc; ir += MR) {
          microEdge(kc, at(ws, ir * kc), bs, at(c, (ic + ir) * ldc + jr), ldcBytes, acc, min(MR, mc - ir), cols, scratch);
        }
      }
    }
  }
}

/**
 * Column panels [p0, p1) (columns 8p..8p+7) of C = A·B (beta = 0) or C += A·B (beta = 1) for every
 * row, with each K-slice of a B panel packed here into this thread's workspace `ws`
 * (gemm_workspace_bytes). A is packed whole by gemm_pack_a (ars = acs = 0), or read in place through
 * its element strides (ars, acs; one of them 1, the other may be 0) when M is a multiple of 4 (see
 * microDirect). For products with few rows and many columns (a
 * layer on one batch, a convolution's output channels over every pixel of the batch): split by rows,
 * every thread would stream all of packed B past its few rows; split by columns, each panel of B is
 * read by one thread, once, and only the small packed A is shared.
 */
export function gemm_cols(M: i32, N: i32, K: i32, ap: usize, ars: i32, acs: i32, b: usize, rs: i32, cs: i32, c: usize,
                          ldc: i32, beta: i32, ws: usize, p0: i32, p1: i32): void {
  p1 = min(p1, (N + NR - 1) / NR);
  if (K == 0) {
    if (beta == 0) {
      const j0 = p0 * NR, j1 = min(N, p1 * NR);
      for (let i = 0; i < M; i++) if (j1 > j0) memory.fill(at(c, i * ldc + j0), 0, <usize>(j1 - j0) << 2);
    }
    return;
  }
  colsRange(M, N, K, ap, ars, acs, b, rs, cs, c, ldc, beta, ws, p0, p1, 0, K);
}

/**
 * Split-K for products with a small output and a long K (a convolution's weight gradient: 6 x 25
 * over K = N*L = 36,864). Such a product is bound by memory traffic, not arithmetic: it reads A
 * and B once each at best, so per K block (KC) the rows of A (M <= MC) are packed once into the
 * workspace and every column panel's B slice is packed and multiplied against them while they are
 * in cache (packing A whole first and sweeping it once per panel read it 1 + panels times). Slice s
 * in [s0, s1) covers K range [s*kslice, (s+1)*kslice) and writes its own row-major M x N block at
 * c + s*M*N; the caller sums the blocks. `ws` is this thread's workspace (gemm_workspace_bytes).
 */
export function gemm_splitk(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, rs: i32, cs: i32,
                            c: usize, kslice: i32, ws: usize, s0: i32, s1: i32): void {
  const panels = (N + NR - 1) / NR;
  const bs = ws + MC * KC * 4;
  const scratch = bs + KC * NR * 4;
  const ldcBytes = <usize>N << 2;
  for (let s = s0; s < s1; s++) {
    const k0 = s * kslice, k1 = min(K, k0 + kslice);
    const cs_ = at(c, s * M * N);
    if (k1 <= k0) {
      memory.fill(cs_, 0, <usize>(M * N) << 2);
      continue;
    }
    for (let pc = k0; pc < k1; pc += KC) {
      const kc = min(KC, k1 - pc);
      const acc = pc > k0;
      packA(M, kc, a, rsA, csA, 0, pc, ws);
      for (let p = 0; p < panels; p++) {
        const jr = p * NR;
        const cols = min(NR, N - jr);
        packPanel(pc, kc, N, b, rs, cs, jr, bs);
        let ir = 0;
        if (cols == NR) {
          for (; ir + MR <= M; ir += MR) micro(kc, at(ws, ir * kc), bs, at(cs_, ir * N + jr), ldcBytes, acc);
        }
        for (; ir < M; ir += MR) {
          microEdge(kc, at(ws, ir * kc), bs, at(cs_, ir * N + jr), ldcBytes, acc, min(MR, M - ir), cols, scratch);
        }
      }
    }
  }
}

/**
 * Panels [p0, p1) of C (=|+=) A[:, k0:k1) · B[k0:k1, :): A packed whole with row length K (ars = acs
 * = 0), or in place with element strides (ars, acs) and M a multiple of 4.
 */
function colsRange(M: i32, N: i32, K: i32, ap: usize, ars: i32, acs: i32, b: usize, rs: i32, cs: i32, c: usize,
                   ldc: i32, beta: i32, ws: usize, p0: i32, p1: i32, k0: i32, k1: i32): void {
  const ldcBytes = <usize>ldc << 2;
  const scratch = ws + KC * NR * 4;
  const ra = <usize>ars << 2, ka = <usize>acs << 2;
  for (let p = p0; p < p1; p++) {
    const jr = p * NR;
    const cols = min(NR, N - jr);
    for (let pc = k0; pc < k1; pc += KC) {
      const kc = min(KC, k1 - pc);
      const acc = pc > k0 || beta != 0;
      packPanel(pc, kc, N, b, rs, cs, jr, ws);
      let ir = 0;
      if (ars != 0 || acs != 0) {
        // In place: M is a multiple of 4, so every sliver is whole; a partial panel goes via scratch.
        for (; ir < M; ir += MR) {
          const as = ap + <usize>ir * ra + <usize>pc * ka;
          if (cols == NR) microDirect(kc, as, ra, ka, ws, at(c, ir * ldc + jr), ldcBytes, acc);
          else {
            microDirect(kc, as, ra, ka, ws, scratch, NR * 4, false);
            storeEdge(at(c, ir * ldc + jr), ldcBytes, acc, MR, cols, scratch);
          }
        }
        continue;
      }
      if (cols == NR) {
        for (; ir + MR <= M; ir += MR) micro(kc, at(ap, ir * K + pc * MR), ws, at(c, ir * ldc + jr), ldcBytes, acc);
      }
      for (; ir < M; ir += MR) {
        microEdge(kc, at(ap, ir * K + pc * MR), ws, at(c, ir * ldc + jr), ldcBytes, acc, min(MR, M - ir), cols, scratch);
      }
    }
  }
}

/**
 * Small-M GEMM without packing (packing B would cost as much as the product when M is 1-3), for
 * columns [n0, n1) of every row. Needs either row-major B (cs_b = 1: broadcast A, stream B rows) or
 * column-major B with row-major A (rs_b = 1, cs_a = 1: dot products along K). Threads split columns.
 */
export function gemm_small(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32,
                           c: usize, ldc: i32, beta: i32, n0: i32, n1: i32): void {
  n1 = min(n1, N);
  const acc = beta != 0;
  if (csB == 1) {
    for (let i = 0; i < M; i++) {
      const ar = at2(a, i, rsA);
      const cr = at2(c, i, ldc);
      let j = n0;
      for (; j + 32 <= n1; j += 32) {
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (let k = 0; k < K; k++) {
          const x = v128.load32_splat(at2(ar, k, csA));
          const br = at(b, k * rsB + j);
          s0 = fmadd(x, v128.load(br), s0); s1 = fmadd(x, v128.load(br, 16), s1);
          s2 = fmadd(x, v128.load(br, 32), s2); s3 = fmadd(x, v128.load(br, 48), s3);
          s4 = fmadd(x, v128.load(br, 64), s4); s5 = fmadd(x, v128.load(br, 80), s5);
          s6 = fmadd(x, v128.load(br, 96), s6); s7 = fmadd(x, v128.load(br, 112), s7);
        }
        const o = at(cr, j);
        put(o, s0, acc); put(o + 16, s1, acc); put(o + 32, s2, acc); put(o + 48, s3, acc);
        put(o + 64, s4, acc); put(o + 80, s5, acc); put(o + 96, s6, acc); put(o + 112, s7, acc);
      }
      for (; j + 4 <= n1; j += 4) {
        let s = f32x4.splat(0);
        for (let k = 0; k < K; k++) s = fmadd(v128.load32_splat(at2(ar, k, csA)), v128.load(at(b, k * rsB + j)), s);
        put(at(cr, j), s, acc);
      }
      for (; j < n1; j++) {
        let s: f32 = 0;
        for (let k = 0; k < K; k++) s += load<f32>(at2(ar, k, csA)) * load<f32>(at(b, k * rsB + j));
        store<f32>(at(cr, j), acc ? load<f32>(at(cr, j)) + s : s);
      }
    }
    return;
  }
  // Column-major B: four dot products at a time, partial sums reduced across lanes at the end.
  for (let i = 0; i < M; i++) {
    const ar = at2(a, i, rsA);
    const cr = at2(c, i, ldc);
    let j = n0;
    for (; j + 4 <= n1; j += 4) {
      const b0 = at2(b, j, csB), b1 = at2(b, j + 1, csB), b2 = at2(b, j + 2, csB), b3 = at2(b, j + 3, csB);
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const x = v128.load(at(ar, k));
        s0 = fmadd(x, v128.load(at(b0, k)), s0); s1 = fmadd(x, v128.load(at(b1, k)), s1);
        s2 = fmadd(x, v128.load(at(b2, k)), s2); s3 = fmadd(x, v128.load(at(b3, k)), s3);
      }
      // Lane sums of s0..s3 into one vector [sum s0, sum s1, sum s2, sum s3].
      const t0 = f32x4.add(tr0(s0, s1), tr1(s0, s1));
      const t1 = f32x4.add(tr0(s2, s3), tr1(s2, s3));
      let s = f32x4.add(lo2(t0, t1), hi2(t0, t1));
      for (; k < K; k++) {
        const x = f32x4.splat(load<f32>(at(ar, k)));
        const bk = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(at(b0, k))),
          1, load<f32>(at(b1, k))), 2, load<f32>(at(b2, k))), 3, load<f32>(at(b3, k)));
        s = fmadd(x, bk, s);
      }
      put(at(cr, j), s, acc);
    }
    for (; j < n1; j++) {
      const bj = at2(b, j, csB);
      let s: f32 = 0;
      for (let k = 0; k < K; k++) s += load<f32>(at(ar, k)) * load<f32>(at(bj, k));
      store<f32>(at(cr, j), acc ? load<f32>(at(cr, j)) + s : s);
    }
  }
}

/** Floats of packed A that fit in a thread's workspace past gemm_batched's B panel and edge tile. */
export function gemm_batched_max_a(): i32 {
  return MC * KC;
}

/**
 * Products [t0, t1) of a batch of small ones, C[t] = A[t]·B[t] (beta = 0), each whole on one thread:
 * attention's [b, h, t, d] products are too small to split, and one call per product cost more in
 * JavaScript than the arithmetic. Batch index t = (i0·nb1 + i1)·nb2 + i2 over at most three batch
 * dims; A and B take element strides per batch dim (0 for a broadcast one) and per matrix dim; C is
 * contiguous [batch, M, N]. With `inPlace` set, A is read in place when M is a multiple of 4 and a
 * stride is 1 (see microDirect; worth it when another core packed nothing for this one), else each
 * product's A is packed into `ws` past the B panel (at most gemm_batched_max_a floats).
 */
export function gemm_batched(M: i32, N: i32, K: i32, a: usize, ars: i32, acs: i32, b: usize, rs: i32, cs: i32,
                             c: usize, ws: usize, nb1: i32, nb2: i32, as0: i32, as1: i32, as2: i32,
                             bs0: i32, bs1: i32, bs2: i32, inPlace: i32, t0: i32, t1: i32): void {
  const panels = (N + NR - 1) / NR;
  const direct = inPlace != 0 && M % MR == 0 && (ars == 1 || acs == 1);
  const ap = ws + KC * NR * 4 + TILE_SCRATCH;
  for (let t = t0; t < t1; t++) {
    const i2 = t % nb2, r = t / nb2;
    const i1 = r % nb1, i0 = r / nb1;
    const pa = at(a, i0 * as0 + i1 * as1 + i2 * as2);
    const pb = at(b, i0 * bs0 + i1 * bs1 + i2 * bs2);
    const pc = at(c, t * M * N);
    if (K == 0) {
      memory.fill(pc, 0, <usize>(M * N) << 2);
      continue;
    }
    if (direct) {
      colsRange(M, N, K, pa, ars, acs, pb, rs, cs, pc, N, 0, ws, 0, panels, 0, K);
    } else {
      packA(M, K, pa, ars, acs, 0, 0, ap);
      colsRange(M, N, K, ap, 0, 0, pb, rs, cs, pc, N, 0, ws, 0, panels, 0, K);
    }
  }
}
