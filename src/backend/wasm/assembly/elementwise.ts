// @ts-nocheck  (AssemblyScript, compiled by scripts/build-wasm.mjs; not part of the tsc program)
// Element-wise float32 kernels: unary ops on contiguous ranges, binary ops on a 2-D broadcast pattern
// (each operand either walks a row or repeats one value along it), and ternary `where`.
import { at, at2 } from "./simd";
import { vexp, vlog, vtanh, vsigmoid, verf, vsincos } from "./vmath";

// Op codes; src/backend/wasm/runtime.ts mirrors these numbers (test/unit/backend/wasm-op-codes.test.ts).
const NEG = 0, EXP = 1, LOG = 2, SQRT = 3, ABS = 4, SIGN = 5, SIN = 6, COS = 7, TANH = 8, SIGMOID = 9, RELU = 10, ERF = 11;
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAX = 5, MIN = 6, EQ = 7, GT = 8, LT = 9, GE = 10, LE = 11, NE = 12, RELUGRAD = 13;
// A comparison's code plus BOOL_OUT writes bool (int32 0/1) instead of float32 0/1.
const BOOL_OUT = 16;

@inline function one(): v128 { return f32x4.splat(1); }

// pow calls the host's Math.pow (an import every instance gets): AssemblyScript's own pow brings
// lookup tables as a data segment, which the shared-memory instances must not have, and pow is
// rare enough in training graphs that a vector version is not worth its accuracy work.
@external("env", "pow")
declare function hostPow(x: f64, y: f64): f64;

@inline function unaryOp(op: i32, x: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case EXP: return vexp(x);
    case LOG: return vlog(x);
    case SQRT: return f32x4.sqrt(x);
    case ABS: return f32x4.abs(x);
    case SIGN: {
      // (x > 0) - (x < 0), which is 0 for NaN as in torch.sign.
      return f32x4.sub(v128.and(f32x4.gt(x, f32x4.splat(0)), one()), v128.and(f32x4.lt(x, f32x4.splat(0)), one()));
    }
    case SIN: return vsincos(x, false);
    case COS: return vsincos(x, true);
    case TANH: return vtanh(x);
    case SIGMOID: return vsigmoid(x);
    // pmax(x, 0) = x < 0 ? 0 : x is one instruction and passes NaN through, as torch.relu does.
    case RELU: return f32x4.pmax(x, f32x4.splat(0));
    default: return verf(x);
  }
}

// Called with a literal op code from the switch in `unary`, so after inlining each loop is
// specialised and the switch in unaryOp folds away.
@inline function unaryLoop(op: i32, x: usize, y: usize, lo: i32, hi: i32): void {
  let i = lo;
  for (; i + 4 <= hi; i += 4) v128.store(at(y, i), unaryOp(op, v128.load(at(x, i))));
  if (i < hi) {
    // 1-3 leftovers: gather into one vector rather than reading past the end of x.
    let v = f32x4.splat(0);
    const r = hi - i;
    v = f32x4.replace_lane(v, 0, load<f32>(at(x, i)));
    if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(at(x, i + 1)));
    if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(at(x, i + 2)));
    v = unaryOp(op, v);
    store<f32>(at(y, i), f32x4.extract_lane(v, 0));
    if (r > 1) store<f32>(at(y, i + 1), f32x4.extract_lane(v, 1));
    if (r > 2) store<f32>(at(y, i + 2), f32x4.extract_lane(v, 2));
  }
}

/** y[i] = op(x[i]) for i in [lo, hi); x and y contiguous float32 (y may equal x). */
export function unary(op: i32, x: usize, y: usize, lo: i32, hi: i32): void {
  switch (op) {
    case NEG: unaryLoop(NEG, x, y, lo, hi); break;
    case EXP: unaryLoop(EXP, x, y, lo, hi); break;
    case LOG: unaryLoop(LOG, x, y, lo, hi); break;
    case SQRT: unaryLoop(SQRT, x, y, lo, hi); break;
    case ABS: unaryLoop(ABS, x, y, lo, hi); break;
    case SIGN: unaryLoop(SIGN, x, y, lo, hi); break;
    case SIN: unaryLoop(SIN, x, y, lo, hi); break;
    case COS: unaryLoop(COS, x, y, lo, hi); break;
    case TANH: unaryLoop(TANH, x, y, lo, hi); break;
    case SIGMOID: unaryLoop(SIGMOID, x, y, lo, hi); break;
    case RELU: unaryLoop(RELU, x, y, lo, hi); break;
    case ERF: unaryLoop(ERF, x, y, lo, hi); break;
  }
}

@inline function binaryOp(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    // max/min propagate NaN like torch.maximum/minimum.
    case MAX: return f32x4.max(a, b);
    case MIN: return f32x4.min(a, b);
    case EQ: return v128.and(f32x4.eq(a, b), one());
    case GT: return v128.and(f32x4.gt(a, b), one());
    case LT: return v128.and(f32x4.lt(a, b), one());
    case GE: return v128.and(f32x4.ge(a, b), one());
    case LE: return v128.and(f32x4.le(a, b), one());
    // b where a > 0, else +0 whatever b is (torch's threshold_backward); a NaN a counts as off.
    case RELUGRAD: return v128.and(f32x4.gt(a, f32x4.splat(0)), b);
    default: return v128.and(f32x4.ne(a, b), one());
  }
}

@inline function scalarOp(op: i32, a: f32, b: f32): f32 {
  if (op == POW) return <f32>hostPow(<f64>a, <f64>b);
  return f32x4.extract_lane(binaryOp(op, f32x4.splat(a), f32x4.splat(b)), 0);
}

/**
 * One row segment: y[j] = a[j*as] op b[j*bs] for j < n, with as, bs in {0, 1} (0 = the operand
 * repeats one value along the row).
 */
@inline function binarySegment(op: i32, a: usize, as: i32, b: usize, bs: i32, y: usize, n: i32): void {
  let j = 0;
  if (op != POW) {
    if (as == 1 && bs == 1) {
      for (; j + 4 <= n; j += 4) v128.store(at(y, j), binaryOp(op, v128.load(at(a, j)), v128.load(at(b, j))));
    } else if (as == 1) {
      const bv = v128.load32_splat(b);
      for (; j + 4 <= n; j += 4) v128.store(at(y, j), binaryOp(op, v128.load(at(a, j)), bv));
    } else if (bs == 1) {
      const av = v128.load32_splat(a);
      for (; j + 4 <= n; j += 4) v128.store(at(y, j), binaryOp(op, av, v128.load(at(b, j))));
    } else {
      const v = binaryOp(op, v128.load32_splat(a), v128.load32_splat(b));
      for (; j + 4 <= n; j += 4) v128.store(at(y, j), v);
    }
  }
  for (; j < n; j++) store<f32>(at(y, j), scalarOp(op, load<f32>(at(a, j * as)), load<f32>(at(b, j * bs))));
}

@inline function binaryLoop(op: i32, C: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32,
                            y: usize, lo: i32, hi: i32): void {
  if (C <= 0) return;
  let r = lo / C;
  let cc = lo - r * C;
  let e = lo;
  while (e < hi) {
    const n = min(C - cc, hi - e);
    binarySegment(op, at(a, r * aRow + cc * aCol), aCol, at(b, r * bRow + cc * bCol), bCol, at(y, e), n);
    e += n;
    r++;
    cc = 0;
  }
}

/**
 * y = a op b over elements [lo, hi) of a row-major [R, C] output, where a[r, c] = a[r*aRow + c*aCol]
 * with aCol in {0, 1} (likewise b). Covers same-shape (aRow = bRow = C, cols 1), bias rows
 * (bRow = 0), per-row scalars (bCol = 0) and plain scalars (bRow = bCol = 0).
 */
export function binary(op: i32, C: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32,
                       y: usize, lo: i32, hi: i32): void {
  switch (op) {
    case ADD: binaryLoop(ADD, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case SUB: binaryLoop(SUB, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case MUL: binaryLoop(MUL, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case DIV: binaryLoop(DIV, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case POW: binaryLoop(POW, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case MAX: binaryLoop(MAX, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case MIN: binaryLoop(MIN, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case EQ: binaryLoop(EQ, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case GT: binaryLoop(GT, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case LT: binaryLoop(LT, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case GE: binaryLoop(GE, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case LE: binaryLoop(LE, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case NE: binaryLoop(NE, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    case RELUGRAD: binaryLoop(RELUGRAD, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi); break;
    default:
      // A comparison writing bool: the float32 loop, then its 1.0/0.0 turned into int32 1/0 in place
      // (one short pass, where specialising every comparison again would grow the module).
      if (op >= BOOL_OUT) {
        binary(op - BOOL_OUT, C, a, aRow, aCol, b, bRow, bCol, y, lo, hi);
        toBool(y, lo, hi);
      }
  }
}

/** y[i] = <i32>y[i] for i in [lo, hi): float32 0.0/1.0 to int32 0/1. */
function toBool(y: usize, lo: i32, hi: i32): void {
  let i = lo;
  for (; i + 4 <= hi; i += 4) v128.store(at(y, i), i32x4.trunc_sat_f32x4_s(v128.load(at(y, i))));
  for (; i < hi; i++) store<i32>(at(y, i), <i32>load<f32>(at(y, i)));
}

/**
 * y = cond != 0 ? a : b over elements [lo, hi) of a row-major [R, C] output, each operand with the
 * same (row stride, col step in {0,1}) pattern as `binary`. cond is float32 or bool (int32 0/1): its
 * bits without the sign bit are zero exactly for ±0.0 and for false, so one test serves both.
 */
export function where(C: i32, cnd: usize, cRow: i32, cCol: i32, a: usize, aRow: i32, aCol: i32,
                      b: usize, bRow: i32, bCol: i32, y: usize, lo: i32, hi: i32): void {
  if (C <= 0) return;
  let r = lo / C;
  let cc = lo - r * C;
  let e = lo;
  const magnitude = i32x4.splat(0x7fffffff);
  while (e < hi) {
    const n = min(C - cc, hi - e);
    const cp = at(cnd, r * cRow + cc * cCol), ap = at(a, r * aRow + cc * aCol), bp = at(b, r * bRow + cc * bCol);
    const yp = at(y, e);
    let j = 0;
    if (cCol == 1 && aCol == 1 && bCol == 1) {
      for (; j + 4 <= n; j += 4) {
        const keepB = i32x4.eq(v128.and(v128.load(at(cp, j)), magnitude), i32x4.splat(0));
        v128.store(at(yp, j), v128.bitselect(v128.load(at(bp, j)), v128.load(at(ap, j)), keepB));
      }
    }
    for (; j < n; j++) {
      const keep = (load<i32>(at(cp, j * cCol)) & 0x7fffffff) != 0;
      store<f32>(at(yp, j), keep ? load<f32>(at(ap, j * aCol)) : load<f32>(at(bp, j * bCol)));
    }
    e += n;
    r++;
    cc = 0;
  }
}

/**
 * Strided copy between two rank-<=4 views of one shape d0..d3 (x's strides s0..s3, y's t0..t3, in
 * elements), over the elements [lo, hi) in row-major order of that shape. With y's strides row-major it
 * gathers a view into a contiguous buffer; with others it writes into a slice of a larger tensor (the
 * adjoint of slicing, cat). The innermost run is vectorised when y's is contiguous and x's is
 * contiguous or broadcast.
 */
export function copy4(x: usize, d0: i32, d1: i32, d2: i32, d3: i32, s0: i32, s1: i32, s2: i32, s3: i32,
                      y: usize, t0: i32, t1: i32, t2: i32, t3: i32, lo: i32, hi: i32): void {
  if (d3 <= 0) return;
  let e = lo;
  let row = lo / d3;
  let c = lo - row * d3;
  while (e < hi) {
    const i2 = row % d2, r1 = row / d2, i1 = r1 % d1, i0 = r1 / d1;
    const src = at(x, i0 * s0 + i1 * s1 + i2 * s2 + c * s3);
    const dst = at(y, i0 * t0 + i1 * t1 + i2 * t2 + c * t3);
    const n = min(d3 - c, hi - e);
    let j = 0;
    if (t3 == 1 && s3 == 1) {
      for (; j + 4 <= n; j += 4) v128.store(at(dst, j), v128.load(at(src, j)));
    } else if (t3 == 1 && s3 == 0) {
      const v = v128.load32_splat(src);
      for (; j + 4 <= n; j += 4) v128.store(at(dst, j), v);
    }
    for (; j < n; j++) store<f32>(at2(dst, j, t3), load<f32>(at2(src, j, s3)));
    e += n;
    row++;
    c = 0;
  }
}
