// The op table's cases and how each op is called in tensorgrad, with a checker that runs one case on
// the current backend and throws on the first mismatch. Free of Node built-ins: ops.test.ts runs it in
// Node and test/browser/page.ts in a browser page.

import * as tg from "tensorgrad";
import { Tensor } from "tensorgrad";

/**
 * nograd: a float input that takes no gradient (a loss's target). host: an input the op reads on the
 * host (maskedSelect's mask), given as a CPU tensor on a device backend, as a user would.
 */
export type Input = {
  shape?: number[];
  dtype?: string;
  values?: number[];
  noncontig?: boolean;
  number?: number;
  nograd?: boolean;
  host?: boolean;
};
export type Case = {
  id: string;
  op: string;
  args: Record<string, any>;
  inputs: Input[];
  output: { shape: number[]; dtype: string; values: number[] };
  gradOutput: number[] | null;
  grads: (number[] | null)[];
  /** false where inputs are infinite: finite differences cannot step off them. */
  gradcheck?: boolean;
};

const NON_FINITE = new Set(["Infinity", "-Infinity", "NaN"]);

/** fixtures/ops.json's text as cases, with the non-finite strings turned back into numbers. */
export function parseOpFixtures(text: string): { cases: Case[] } {
  return JSON.parse(text, (_key, value) => (NON_FINITE.has(value) ? Number(value) : value));
}

export type Arg = Tensor | number;
const T = (a: Arg) => a as Tensor;
/** How each op of the table is called in tensorgrad. */
export const OPS: Record<string, (xs: Arg[], a: Record<string, any>) => Tensor> = {
  neg: ([x]) => T(x).neg(),
  exp: ([x]) => T(x).exp(),
  log: ([x]) => T(x).log(),
  sqrt: ([x]) => T(x).sqrt(),
  abs: ([x]) => T(x).abs(),
  sin: ([x]) => T(x).sin(),
  cos: ([x]) => T(x).cos(),
  tanh: ([x]) => T(x).tanh(),
  sigmoid: ([x]) => T(x).sigmoid(),
  relu: ([x]) => T(x).relu(),
  leakyRelu: ([x], a) => T(x).leakyRelu(a.slope),
  gelu: ([x], a) => T(x).gelu({ approximate: a.approximate }),
  elu: ([x], a) => T(x).elu(a.alpha),
  softplus: ([x]) => T(x).softplus(),
  silu: ([x]) => T(x).silu(),
  clamp: ([x], a) => T(x).clamp(a.min, a.max),
  add: ([x, y]) => tg.add(x, y),
  sub: ([x, y]) => tg.sub(x, y),
  mul: ([x, y]) => tg.mul(x, y),
  div: ([x, y]) => tg.div(x, y),
  pow: ([x, y]) => tg.pow(x, y),
  maximum: ([x, y]) => tg.maximum(x, y),
  minimum: ([x, y]) => tg.minimum(x, y),
  eq: ([x, y]) => tg.eq(x, y),
  gt: ([x, y]) => tg.gt(x, y),
  lt: ([x, y]) => tg.lt(x, y),
  ne: ([x, y]) => tg.ne(x, y),
  ge: ([x, y]) => tg.ge(x, y),
  le: ([x, y]) => tg.le(x, y),
  bool: ([x]) => T(x).bool(),
  logicalNot: ([x]) => tg.logicalNot(T(x)),
  logicalAnd: ([x, y]) => tg.logicalAnd(T(x), T(y)),
  logicalOr: ([x, y]) => tg.logicalOr(T(x), T(y)),
  logicalXor: ([x, y]) => tg.logicalXor(T(x), T(y)),
  sum: ([x], a) => T(x).sum(a.dim, a.keepdim),
  mean: ([x], a) => T(x).mean(a.dim, a.keepdim),
  max: ([x], a) => T(x).max(a.dim, a.keepdim),
  min: ([x], a) => T(x).min(a.dim, a.keepdim),
  argmax: ([x], a) => T(x).argmax(a.dim, a.keepdim),
  logsumexp: ([x], a) => T(x).logsumexp(a.dim, a.keepdim),
  var: ([x], a) => T(x).var(a.dim, a.keepdim),
  std: ([x], a) => T(x).std(a.dim, a.keepdim),
  matmul: ([x, y]) => T(x).matmul(T(y)),
  reshape: ([x], a) => T(x).reshape(a.shape),
  flatten: ([x], a) => T(x).flatten(a.startDim, a.endDim),
  squeeze: ([x], a) => T(x).squeeze(a.dim),
  unsqueeze: ([x], a) => T(x).unsqueeze(a.dim),
  transpose: ([x], a) => T(x).transpose(a.dim0, a.dim1),
  permute: ([x], a) => T(x).permute(a.dims),
  T: ([x]) => T(x).T,
  expand: ([x], a) => T(x).expand(a.shape),
  slice: ([x], a) => T(x).slice(a.dim, a.start, a.end, a.step),
  cat: (xs, a) => tg.cat(xs as Tensor[], a.dim),
  stack: (xs, a) => tg.stack(xs as Tensor[], a.dim),
  where: ([c, x, y]) => tg.where(T(c), x, y),
  gather: ([x, i], a) => T(x).gather(a.dim, T(i)),
  softmax: ([x], a) => T(x).softmax(a.dim),
  logSoftmax: ([x], a) => T(x).logSoftmax(a.dim),
  dropout: ([x], a) => T(x).dropout(a.p, a.training),
  clone: ([x]) => T(x).clone(),
  linear: ([x, w, b]) => tg.nn.functional.linear(T(x), T(w), b === undefined ? null : T(b)),
  floor: ([x]) => T(x).floor(),
  ceil: ([x]) => T(x).ceil(),
  trunc: ([x]) => T(x).trunc(),
  round: ([x]) => T(x).round(),
  frac: ([x]) => T(x).frac(),
  reciprocal: ([x]) => T(x).reciprocal(),
  rsqrt: ([x]) => T(x).rsqrt(),
  tan: ([x]) => T(x).tan(),
  asin: ([x]) => T(x).asin(),
  acos: ([x]) => T(x).acos(),
  atan: ([x]) => T(x).atan(),
  sinh: ([x]) => T(x).sinh(),
  cosh: ([x]) => T(x).cosh(),
  asinh: ([x]) => T(x).asinh(),
  atanh: ([x]) => T(x).atanh(),
  log2: ([x]) => T(x).log2(),
  log10: ([x]) => T(x).log10(),
  exp2: ([x]) => T(x).exp2(),
  logit: ([x], a) => T(x).logit(a.eps ?? null),
  remainder: ([x, y]) => tg.remainder(x, y),
  lerp: ([x, y, w]) => T(x).lerp(T(y), w),
  addcmul: ([x, y, z], a) => T(x).addcmul(T(y), T(z), { value: a.value }),
  isnan: ([x]) => T(x).isnan(),
  isinf: ([x]) => T(x).isinf(),
  isfinite: ([x]) => T(x).isfinite(),
  nanToNum: ([x], a) => T(x).nanToNum({ nan: a.nan, posinf: a.posinf, neginf: a.neginf }),
  amax: ([x], a) => T(x).amax(a.dim, a.keepdim),
  amin: ([x], a) => T(x).amin(a.dim, a.keepdim),
  outer: ([x, y]) => T(x).outer(T(y)),
  dot: ([x, y]) => T(x).dot(T(y)),
  mm: ([x, y]) => T(x).mm(T(y)),
  bmm: ([x, y]) => T(x).bmm(T(y)),
  mT: ([x]) => T(x).mT,
  diag: ([x], a) => T(x).diag(a.k),
  trace: ([x]) => T(x).trace(),
  tril: ([x], a) => T(x).tril(a.k),
  triu: ([x], a) => T(x).triu(a.k),
  repeat: ([x], a) => T(x).repeat(a.reps),
  tile: ([x], a) => T(x).tile(a.reps),
  split: ([x], a) => pieces(T(x).split(a.sizes, a.dim), a.dim),
  chunk: ([x], a) => pieces(T(x).chunk(a.chunks, a.dim), a.dim),
  unbind: ([x], a) =>
    tg.stack(
      T(x)
        .unbind(a.dim)
        .map((t, i) => t.mul(i + 1)),
      a.dim,
    ),
  narrow: ([x], a) => T(x).narrow(a.dim, a.start, a.length),
  indexSelect: ([x, i], a) => T(x).indexSelect(a.dim, T(i)),
  flip: ([x], a) => T(x).flip(a.dims),
  roll: ([x], a) => T(x).roll(a.shifts, a.dims),
  maskedFill: ([x, m], a) => T(x).maskedFill(T(m), a.value),
  hardtanh: ([x], a) => F.hardtanh(T(x), a.minVal, a.maxVal),
  relu6: ([x]) => F.relu6(T(x)),
  logSigmoid: ([x]) => F.logSigmoid(T(x)),
  softsign: ([x]) => F.softsign(T(x)),
  mish: ([x]) => F.mish(T(x)),
  hardswish: ([x]) => F.hardswish(T(x)),
  hardsigmoid: ([x]) => F.hardsigmoid(T(x)),
  selu: ([x]) => F.selu(T(x)),
  celu: ([x], a) => F.celu(T(x), a.alpha),
  softmin: ([x], a) => F.softmin(T(x), a.dim),
  glu: ([x], a) => F.glu(T(x), a.dim),
  prelu: ([x, w]) => F.prelu(T(x), T(w)),
  sort: ([x], a) => T(x).sort(a.dim, a.descending)[0],
  argsort: ([x], a) => T(x).argsort(a.dim, a.descending),
  topk: ([x], a) => T(x).topk(a.k, a.dim, a.largest)[0],
  cumsum: ([x], a) => T(x).cumsum(a.dim),
  any: ([x], a) => T(x).any(a.dim),
  all: ([x], a) => T(x).all(a.dim),
  lstm: (xs) => recurrent("LSTM", xs),
  gru: (xs) => recurrent("GRU", xs),
  lstmPacked: (xs, a) => recurrentPacked("LSTM", xs, a.lengths),
  gruPacked: (xs, a) => recurrentPacked("GRU", xs, a.lengths),
  halfRoundTrip: ([x]) => T(x).half().float(),
  bfloat16RoundTrip: ([x]) => T(x).bfloat16().float(),
  prod: ([x], a) => T(x).prod(a.dim, a.keepdim),
  cumprod: ([x], a) => T(x).cumprod(a.dim),
  einsum: (xs, a) => tg.einsum(a.equation, ...(xs as Tensor[])),
  normalize: ([x], a) => F.normalize(T(x), { p: a.p, dim: a.dim }),
  cosineSimilarity: ([x, y], a) => F.cosineSimilarity(T(x), T(y), { dim: a.dim }),
  pairwiseDistance: ([x, y], a) => F.pairwiseDistance(T(x), T(y), { p: a.p, keepdim: a.keepdim }),
  pad: ([x], a) => F.pad(T(x), a.pad, { mode: a.mode, value: a.value }),
  interpolate: ([x], a) => F.interpolate(T(x), { size: a.size, scaleFactor: a.scaleFactor, mode: a.mode, alignCorners: a.alignCorners }),
  pixelShuffle: ([x], a) => F.pixelShuffle(T(x), a.r),
  pixelUnshuffle: ([x], a) => F.pixelUnshuffle(T(x), a.r),
  groupNorm: ([x, w, b], a) =>
    F.groupNorm(T(x), a.groups, { weight: w === undefined ? null : T(w), bias: b === undefined ? null : T(b), eps: a.eps }),
  convTranspose2d: ([x, w, b], a) => F.convTranspose2d(T(x), T(w), b === undefined ? null : T(b), convTransposeOpts(a)),
  maxPool1d: ([x], a) =>
    F.maxPool1d(T(x), a.kernelSize, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode }),
  avgPool1d: ([x], a) =>
    F.avgPool1d(T(x), a.kernelSize, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad }),
  adaptiveAvgPool1d: ([x], a) => F.adaptiveAvgPool1d(T(x), a.outputSize),
  adaptiveMaxPool1d: ([x], a) => F.adaptiveMaxPool1d(T(x), a.outputSize),
  adaptiveMaxPool2d: ([x], a) => F.adaptiveMaxPool2d(T(x), a.outputSize),
  convTranspose1d: ([x, w, b], a) => F.convTranspose1d(T(x), T(w), b === undefined ? null : T(b), convTransposeOpts(a)),
  marginRankingLoss: ([x1, x2, y], a) => F.marginRankingLoss(T(x1), T(x2), T(y), a),
  cosineEmbeddingLoss: ([x1, x2, y], a) => F.cosineEmbeddingLoss(T(x1), T(x2), T(y), a),
  tripletMarginLoss: ([an, p, n], a) => F.tripletMarginLoss(T(an), T(p), T(n), a),
  hingeEmbeddingLoss: ([x, y], a) => F.hingeEmbeddingLoss(T(x), T(y), a),
  poissonNllLoss: ([x, y], a) => F.poissonNllLoss(T(x), T(y), a),
  softMarginLoss: ([x, y], a) => F.softMarginLoss(T(x), T(y), a),
  multiMarginLoss: ([x, y], a) => F.multiMarginLoss(T(x), T(y), a),
  multilabelSoftMarginLoss: ([x, y], a) => F.multilabelSoftMarginLoss(T(x), T(y), a),
  maskedSelect: ([x, m]) => T(x).maskedSelect(T(m)),
};
const convTransposeOpts = (a: Record<string, any>) => ({
  stride: a.stride,
  padding: a.padding,
  outputPadding: a.outputPadding,
  groups: a.groups,
  dilation: a.dilation,
});
const F = tg.nn.functional;

/**
 * One LSTM or GRU layer (time-major x [T, N, I]) on the case's weights, as gen_ops.py: the output
 * sequence, then the final cell state (LSTM) or hidden state (GRU), flattened. The layer's one cell
 * takes the case's tensors, so their gradients are the ones checked; backends with fused cells run
 * those (the layer calls them), the others the composed maths.
 */
function recurrent(mode: "LSTM" | "GRU", [x, wIh, wHh, bIh, bHh]: Arg[]): Tensor {
  const I = T(x).shape[2]!,
    H = T(wHh).shape[1]!;
  const layer = mode === "LSTM" ? new tg.nn.LSTM(I, H) : new tg.nn.GRU(I, H);
  (layer as unknown as { cells: unknown[] }).cells[0] = { wIh, wHh, bIh, bHh };
  const [out, state] = layer instanceof tg.nn.LSTM ? layer.forward(T(x)) : layer.forward(T(x));
  const last = Array.isArray(state) ? state[1] : state;
  return tg.cat([out.reshape([-1]), last.reshape([-1])]);
}

/**
 * The same layer on a packed batch (lengths unsorted), as gen_ops.py: the padded output, then the
 * final cell or hidden state in the caller's order, flattened.
 */
function recurrentPacked(mode: "LSTM" | "GRU", [x, wIh, wHh, bIh, bHh]: Arg[], lengths: number[]): Tensor {
  const I = T(x).shape[2]!,
    H = T(wHh).shape[1]!;
  const layer = mode === "LSTM" ? new tg.nn.LSTM(I, H) : new tg.nn.GRU(I, H);
  (layer as unknown as { cells: unknown[] }).cells[0] = { wIh, wHh, bIh, bHh };
  const packed = tg.nn.utils.rnn.packPaddedSequence(T(x), lengths, { enforceSorted: false });
  const [out, state] = layer instanceof tg.nn.LSTM ? layer.forward(packed) : layer.forward(packed);
  const last = Array.isArray(state) ? state[1] : state;
  const [padded] = tg.nn.utils.rnn.padPackedSequence(out);
  return tg.cat([padded.reshape([-1]), last.reshape([-1])]);
}

/** split/chunk as one tensor, as gen_ops.py's pieces(): piece i times (i + 1), concatenated. */
function pieces(ts: Tensor[], dim: number): Tensor {
  return tg.cat(
    ts.map((t, i) => t.mul(i + 1)),
    dim,
  );
}

/** Builds a fixture input; float tensors require grad unless they are `where`'s condition. */
export function build(inp: Input, wantGrad: boolean): Arg {
  if (inp.number !== undefined) return inp.number;
  const dtype = inp.dtype === "int32" || inp.dtype === "float64" || inp.dtype === "bool" ? inp.dtype : "float32";
  let t = tg.tensor(Float64Array.from(inp.values!), { shape: inp.shape!, dtype });
  if (inp.noncontig) t = t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (wantGrad && dtype !== "int32" && dtype !== "bool") t.requiresGrad = true;
  return t;
}

/** Closeness with torch-style tolerances, as test/helpers/assert.ts's assertClose, throwing an Error. */
function checkClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)}, atol ${atol}, rtol ${rtol})`);
    }
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Runs case `c` on the current backend against PyTorch's values: output shape, dtype and values, and
 * (for differentiable ops) every input's gradient under the fixture's upstream gradient. Values are
 * read with `await data()`, so it runs on every backend, WebGPU included.
 */
export async function checkCase(c: Case): Promise<void> {
  const differentiable = c.gradOutput !== null;
  const inputs = c.inputs.map((inp, k) => build(inp, differentiable && !inp.nograd && !(c.op === "where" && k === 0)));
  for (const [k, inp] of c.inputs.entries()) if (inp.host) inputs[k] = await (inputs[k] as Tensor).cpu();
  const out = OPS[c.op]!(inputs, c.args);
  check(same(out.shape, c.output.shape), `${c.id}: output shape [${out.shape}], expected [${c.output.shape}]`);
  check(out.dtype === c.output.dtype, `${c.id}: output dtype ${out.dtype}, expected ${c.output.dtype}`);
  // float64 cases are held to float64 accuracy, not float32's.
  const [rtol, atol] = c.output.dtype === "float64" ? [1e-10, 1e-12] : [1e-4, 1e-5];
  checkClose(await out.data(), c.output.values, rtol, atol, `${c.id} output`);
  if (!differentiable) {
    check(out.requiresGrad === false, `${c.id}: non-differentiable output must not require grad`);
    return;
  }
  out.backward(tg.tensor(c.gradOutput!, { shape: c.output.shape, dtype: out.dtype }));
  for (const [k, g] of c.grads.entries()) {
    if (g === null) continue;
    const x = inputs[k] as Tensor;
    check(x.grad !== null, `${c.id}: input ${k} received no gradient`);
    check(same(x.grad!.shape, x.shape), `${c.id}: input ${k} grad shape [${x.grad!.shape}], expected [${x.shape}]`);
    checkClose(await x.grad!.data(), g, rtol, atol, `${c.id} grad of input ${k}`);
  }
}

/** Tolerances of a float32 gradcheck that the op table overrides for one ill-conditioned case, with the reason. */
export type Float32Override = { eps?: number; atol?: number; rtol?: number; why: string };

/**
 * The float32 gradcheck's settings. float32 keeps about 7 digits (unit roundoff u ≈ 6e-8): a central
 * difference (L(x+h) − L(x−h)) / 2h of the projected output L carries about u·|L|/h of rounding, a
 * few 1e-4 at h = 1e-3 for the table's outputs (up to ~6e-4 for the recurrent layers' 160 outputs),
 * while the truncation error h²·|f'''| / 6 is ~1e-7; the analytic gradient, itself float32, is off by
 * a few u per operation. atol 1e-3 and rtol 1e-2 sit above that noise yet below the error of a wrong
 * gradient: a fused kernel's gradient 5% off (one term of the LSTM cell's, or the cross-entropy
 * rows') fails them. A larger step would cut the rounding but reaches the kinks of max, abs and
 * pooling ties (1e-2 does, in maxPool1d and tripletMarginLoss).
 */
export const FLOAT32_GRADCHECK = { dtype: "float32", eps: 1e-3, atol: 1e-3, rtol: 1e-2 } as const;

/** op-table.json's float32 overrides by case id (the fixtures do not carry them). */
export function float32Overrides(tableText: string): Map<string, Float32Override> {
  const table = JSON.parse(tableText) as { cases: { id: string; float32Gradcheck?: Float32Override }[] };
  return new Map(table.cases.flatMap((c) => (c.float32Gradcheck ? [[c.id, c.float32Gradcheck] as const] : [])));
}

/** The float32 gradcheck's options for a case, with the table's override (if any) applied. */
export function float32Options(override?: Float32Override): tg.GradcheckOptions {
  const { eps = FLOAT32_GRADCHECK.eps, atol = FLOAT32_GRADCHECK.atol, rtol = FLOAT32_GRADCHECK.rtol } = override ?? {};
  return { dtype: "float32", eps, atol, rtol };
}

/** Why case `c` gets no gradcheck at all (not differentiable, or infinite inputs / a kink on purpose), else null. */
export function noGradcheck(c: Case): string | null {
  if (c.gradOutput === null) return "not differentiable";
  if (c.gradcheck === false) return "infinite inputs or a kink on purpose";
  return null;
}

/** Whether case `c` computes in float64 (an input or its output is float64). */
export const isFloat64Case = (c: Case): boolean => c.output.dtype === "float64" || c.inputs.some((i) => i.dtype === "float64");

/**
 * Runs case `c` through gradcheckAsync on the current backend: the analytic gradient from backward
 * and the numeric one from forward passes, both there. Float inputs are checked; `where`'s condition,
 * a loss's target and index inputs are held fixed.
 */
export async function gradcheckCase(c: Case, opts: tg.GradcheckOptions): Promise<void> {
  const inputs = c.inputs.map((inp, k) => build(inp, !inp.nograd && !(c.op === "where" && k === 0)));
  for (const [k, inp] of c.inputs.entries()) if (inp.host) inputs[k] = await (inputs[k] as Tensor).cpu();
  const tensors = inputs.filter((x): x is Tensor => x instanceof Tensor);
  const fn = (...ts: Tensor[]) => {
    let at = 0;
    return OPS[c.op]!(
      inputs.map((x) => (x instanceof Tensor ? ts[at++]! : x)),
      c.args,
    );
  };
  await tg.gradcheckAsync(fn, tensors, opts);
}

/**
 * Gradcheck-only cases for the fused paths the table reaches partly or not at all: the fused
 * cross-entropy rows (wasm and WebGPU kernels), attention (scaled dot-product and multi-head), the
 * LSTMCell/GRUCell layers (the cell primitives and their backward kernels) and the LSTM/GRU layers
 * from given initial states (the fused sequences' gradients into h0 and c0) and both ways
 * (bidirectional: the reverse sequence). Inputs are float32 values in [-1, 1) from a fixed
 * sequence, so every backend sees the same numbers.
 */
export type GradCase = {
  id: string;
  shapes: number[][];
  fn: (...ts: Tensor[]) => Tensor;
  /** Class labels passed after the float inputs as an int32 tensor on the CPU (unchecked), as a user's dataset gives them. */
  hostLabels?: number[];
};

const labels = (values: number[]) => tg.tensor(values, { dtype: "int32" });
/**
 * A recurrent cell layer whose parameters are the given tensors, so theirs are the gradients checked:
 * each becomes a Parameter in place (a new Parameter would be a separate leaf) and is assigned.
 */
function withWeights<M extends object>(cell: M, [wIh, wHh, bIh, bHh]: Tensor[]): M {
  const fields = cell as unknown as Record<string, Tensor>;
  for (const [name, w] of [
    ["weightIh", wIh],
    ["weightHh", wHh],
    ["biasIh", bIh],
    ["biasHh", bHh],
  ] as const) {
    fields[name] = Object.setPrototypeOf(w!, tg.nn.Parameter.prototype) as Tensor;
  }
  return cell;
}

export const GRAD_CASES: GradCase[] = [
  // WebGPU fuses the rows only for labels it can range-check, on the CPU; device labels take the
  // composed logSoftmax and gather there, as do transposed logits on wasm.
  { id: "crossEntropy/fused", shapes: [[6, 5]], hostLabels: [0, 4, 2, 2, 1, 3], fn: (x, t) => F.crossEntropy(x, t!) },
  { id: "crossEntropy/device-labels", shapes: [[6, 5]], fn: (x) => F.crossEntropy(x, labels([0, 4, 2, 2, 1, 3])) },
  {
    id: "crossEntropy/fused-transposed-sum",
    shapes: [[4, 7]],
    fn: (x) => F.crossEntropy(x.T, labels([3, 0, 1, 1, 2, 0, 3]), { reduction: "sum" }),
  },
  {
    id: "scaledDotProductAttention/causal",
    shapes: [
      [1, 2, 4, 3],
      [1, 2, 4, 3],
      [1, 2, 4, 2],
    ],
    fn: (q, k, v) => F.scaledDotProductAttention(q!, k!, v!, { isCausal: true }),
  },
  {
    id: "scaledDotProductAttention/bool-mask",
    shapes: [
      [2, 3, 4],
      [2, 5, 4],
      [2, 5, 3],
    ],
    fn: (q, k, v) =>
      F.scaledDotProductAttention(q!, k!, v!, {
        attnMask: tg.tensor([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1], { shape: [3, 5], dtype: "bool" }),
      }),
  },
  {
    id: "multiHeadAttentionForward",
    shapes: [[3, 2, 4], [5, 2, 4], [12, 4], [12], [4, 4], [4]],
    fn: (x, kv, wIn, bIn, wOut, bOut) =>
      F.multiHeadAttentionForward(x!, kv!, kv!, {
        numHeads: 2,
        inProjWeight: wIn,
        inProjBias: bIn,
        outProjWeight: wOut!,
        outProjBias: bOut,
        needWeights: false,
      })[0],
  },
  {
    id: "LSTMCell",
    shapes: [[3, 4], [3, 5], [3, 5], [20, 4], [20, 5], [20], [20]],
    fn: (x, h, c, ...w) => tg.cat(withWeights(new tg.nn.LSTMCell(4, 5), w).forward(x!, [h!, c!]), 1),
  },
  {
    id: "GRUCell",
    shapes: [[3, 4], [3, 5], [15, 4], [15, 5], [15], [15]],
    fn: (x, h, ...w) => withWeights(new tg.nn.GRUCell(4, 5), w).forward(x!, h!),
  },
  {
    id: "LSTM/initial-state",
    shapes: [[3, 2, 3], [1, 2, 4], [1, 2, 4], [16, 3], [16, 4], [16], [16]],
    fn: (x, h0, c0, wIh, wHh, bIh, bHh) => {
      const layer = new tg.nn.LSTM(3, 4);
      (layer as unknown as { cells: unknown[] }).cells[0] = { wIh, wHh, bIh, bHh };
      const [out, [h, c]] = layer.forward(x!, [h0!, c0!]);
      return tg.cat([out.reshape([-1]), h.reshape([-1]), c.reshape([-1])]);
    },
  },
  {
    id: "LSTM/bidirectional",
    shapes: [[3, 2, 3], [16, 3], [16, 4], [16], [16], [16, 3], [16, 4], [16], [16]],
    fn: (x, ...w) => {
      const layer = new tg.nn.LSTM(3, 4, { bidirectional: true });
      const cells = (layer as unknown as { cells: unknown[] }).cells;
      for (const d of [0, 1]) cells[d] = { wIh: w[4 * d], wHh: w[4 * d + 1], bIh: w[4 * d + 2], bHh: w[4 * d + 3] };
      const [out, [h, c]] = layer.forward(x!);
      return tg.cat([out.reshape([-1]), h.reshape([-1]), c.reshape([-1])]);
    },
  },
  {
    id: "GRU/bidirectional",
    shapes: [[3, 2, 3], [12, 3], [12, 4], [12], [12], [12, 3], [12, 4], [12], [12]],
    fn: (x, ...w) => {
      const layer = new tg.nn.GRU(3, 4, { bidirectional: true });
      const cells = (layer as unknown as { cells: unknown[] }).cells;
      for (const d of [0, 1]) cells[d] = { wIh: w[4 * d], wHh: w[4 * d + 1], bIh: w[4 * d + 2], bHh: w[4 * d + 3] };
      const [out, h] = layer.forward(x!);
      return tg.cat([out.reshape([-1]), h.reshape([-1])]);
    },
  },
  {
    id: "GRU/initial-state",
    shapes: [[3, 2, 3], [1, 2, 4], [12, 3], [12, 4], [12], [12]],
    fn: (x, h0, wIh, wHh, bIh, bHh) => {
      const layer = new tg.nn.GRU(3, 4);
      (layer as unknown as { cells: unknown[] }).cells[0] = { wIh, wHh, bIh, bHh };
      const [out, h] = layer.forward(x!, h0!);
      return tg.cat([out.reshape([-1]), h.reshape([-1])]);
    },
  },
];

/** Runs a gradcheck-only case on the current backend. */
export async function gradcheckGradCase(g: GradCase, opts: tg.GradcheckOptions): Promise<void> {
  // A fixed sequence (a Weyl sequence mod 1), not the seeded generator: the case must not depend on
  // what ran before it.
  let k = 0;
  const inputs = g.shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Float64Array.from({ length: n }, () => ((++k * 0.6180339887498949) % 1) * 2 - 1);
    return tg.tensor(values, { shape, dtype: "float32", requiresGrad: true });
  });
  if (g.hostLabels) inputs.push(await labels(g.hostLabels).cpu());
  await tg.gradcheckAsync(g.fn, inputs, opts);
}
