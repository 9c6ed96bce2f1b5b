// The op table's cases and how each op is called in tensorgrad, with a checker that runs one case on
// the current backend and throws on the first mismatch. Free of Node built-ins: ops.test.ts runs it in
// Node and test/browser/page.ts in a browser page.

import * as tg from "tensorgrad";
import { Tensor } from "tensorgrad";

/**
 * nograd: a float input that takes no gradient (a loss's target). host: an input the op reads on the
 * host (maskedSelect's mask), given as a CPU tensor on a device backend, as a user would.
 */
export type Input = { shape?: number[]; dtype?: string; values?: number[]; noncontig?: boolean; number?: number; nograd?: boolean; host?: boolean };
export type Case = {
  id: string; op: string; args: Record<string, any>;
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
  neg: ([x]) => T(x).neg(), exp: ([x]) => T(x).exp(), log: ([x]) => T(x).log(), sqrt: ([x]) => T(x).sqrt(),
  abs: ([x]) => T(x).abs(), sin: ([x]) => T(x).sin(), cos: ([x]) => T(x).cos(), tanh: ([x]) => T(x).tanh(),
  sigmoid: ([x]) => T(x).sigmoid(), relu: ([x]) => T(x).relu(),
  leakyRelu: ([x], a) => T(x).leakyRelu(a.slope), gelu: ([x], a) => T(x).gelu({ approximate: a.approximate }),
  elu: ([x], a) => T(x).elu(a.alpha), softplus: ([x]) => T(x).softplus(), silu: ([x]) => T(x).silu(),
  clamp: ([x], a) => T(x).clamp(a.min, a.max),
  add: ([x, y]) => tg.add(x, y), sub: ([x, y]) => tg.sub(x, y), mul: ([x, y]) => tg.mul(x, y),
  div: ([x, y]) => tg.div(x, y), pow: ([x, y]) => tg.pow(x, y), maximum: ([x, y]) => tg.maximum(x, y),
  minimum: ([x, y]) => tg.minimum(x, y), eq: ([x, y]) => tg.eq(x, y), gt: ([x, y]) => tg.gt(x, y), lt: ([x, y]) => tg.lt(x, y),
  sum: ([x], a) => T(x).sum(a.dim, a.keepdim), mean: ([x], a) => T(x).mean(a.dim, a.keepdim),
  max: ([x], a) => T(x).max(a.dim, a.keepdim), min: ([x], a) => T(x).min(a.dim, a.keepdim),
  argmax: ([x], a) => T(x).argmax(a.dim, a.keepdim), logsumexp: ([x], a) => T(x).logsumexp(a.dim, a.keepdim),
  var: ([x], a) => T(x).var(a.dim, a.keepdim), std: ([x], a) => T(x).std(a.dim, a.keepdim),
  matmul: ([x, y]) => T(x).matmul(T(y)),
  reshape: ([x], a) => T(x).reshape(a.shape), flatten: ([x], a) => T(x).flatten(a.startDim, a.endDim),
  squeeze: ([x], a) => T(x).squeeze(a.dim), unsqueeze: ([x], a) => T(x).unsqueeze(a.dim),
  transpose: ([x], a) => T(x).transpose(a.dim0, a.dim1), permute: ([x], a) => T(x).permute(a.dims),
  T: ([x]) => T(x).T, expand: ([x], a) => T(x).expand(a.shape),
  slice: ([x], a) => T(x).slice(a.dim, a.start, a.end, a.step),
  cat: (xs, a) => tg.cat(xs as Tensor[], a.dim), stack: (xs, a) => tg.stack(xs as Tensor[], a.dim),
  where: ([c, x, y]) => tg.where(T(c), x, y), gather: ([x, i], a) => T(x).gather(a.dim, T(i)),
  softmax: ([x], a) => T(x).softmax(a.dim), logSoftmax: ([x], a) => T(x).logSoftmax(a.dim),
  dropout: ([x], a) => T(x).dropout(a.p, a.training), clone: ([x]) => T(x).clone(),
  linear: ([x, w, b]) => tg.nn.functional.linear(T(x), T(w), b === undefined ? null : T(b)),
  floor: ([x]) => T(x).floor(), ceil: ([x]) => T(x).ceil(), trunc: ([x]) => T(x).trunc(), round: ([x]) => T(x).round(),
  frac: ([x]) => T(x).frac(), reciprocal: ([x]) => T(x).reciprocal(), rsqrt: ([x]) => T(x).rsqrt(),
  tan: ([x]) => T(x).tan(), asin: ([x]) => T(x).asin(), acos: ([x]) => T(x).acos(), atan: ([x]) => T(x).atan(),
  sinh: ([x]) => T(x).sinh(), cosh: ([x]) => T(x).cosh(), asinh: ([x]) => T(x).asinh(), atanh: ([x]) => T(x).atanh(),
  log2: ([x]) => T(x).log2(), log10: ([x]) => T(x).log10(), exp2: ([x]) => T(x).exp2(),
  logit: ([x], a) => T(x).logit(a.eps ?? null), remainder: ([x, y]) => tg.remainder(x, y),
  lerp: ([x, y, w]) => T(x).lerp(T(y), w), addcmul: ([x, y, z], a) => T(x).addcmul(T(y), T(z), { value: a.value }),
  isnan: ([x]) => T(x).isnan(), isinf: ([x]) => T(x).isinf(), isfinite: ([x]) => T(x).isfinite(),
  nanToNum: ([x], a) => T(x).nanToNum({ nan: a.nan, posinf: a.posinf, neginf: a.neginf }),
  amax: ([x], a) => T(x).amax(a.dim, a.keepdim), amin: ([x], a) => T(x).amin(a.dim, a.keepdim),
  outer: ([x, y]) => T(x).outer(T(y)), dot: ([x, y]) => T(x).dot(T(y)), mm: ([x, y]) => T(x).mm(T(y)),
  bmm: ([x, y]) => T(x).bmm(T(y)), mT: ([x]) => T(x).mT, diag: ([x], a) => T(x).diag(a.k), trace: ([x]) => T(x).trace(),
  tril: ([x], a) => T(x).tril(a.k), triu: ([x], a) => T(x).triu(a.k),
  repeat: ([x], a) => T(x).repeat(a.reps), tile: ([x], a) => T(x).tile(a.reps),
  split: ([x], a) => pieces(T(x).split(a.sizes, a.dim), a.dim), chunk: ([x], a) => pieces(T(x).chunk(a.chunks, a.dim), a.dim),
  unbind: ([x], a) => tg.stack(T(x).unbind(a.dim).map((t, i) => t.mul(i + 1)), a.dim),
  narrow: ([x], a) => T(x).narrow(a.dim, a.start, a.length), indexSelect: ([x, i], a) => T(x).indexSelect(a.dim, T(i)),
  flip: ([x], a) => T(x).flip(a.dims), roll: ([x], a) => T(x).roll(a.shifts, a.dims),
  maskedFill: ([x, m], a) => T(x).maskedFill(T(m), a.value),
  hardtanh: ([x], a) => F.hardtanh(T(x), a.minVal, a.maxVal), relu6: ([x]) => F.relu6(T(x)),
  logSigmoid: ([x]) => F.logSigmoid(T(x)), softsign: ([x]) => F.softsign(T(x)), mish: ([x]) => F.mish(T(x)),
  hardswish: ([x]) => F.hardswish(T(x)), hardsigmoid: ([x]) => F.hardsigmoid(T(x)), selu: ([x]) => F.selu(T(x)),
  celu: ([x], a) => F.celu(T(x), a.alpha), softmin: ([x], a) => F.softmin(T(x), a.dim), glu: ([x], a) => F.glu(T(x), a.dim),
  prelu: ([x, w]) => F.prelu(T(x), T(w)),
  sort: ([x], a) => T(x).sort(a.dim, a.descending)[0], argsort: ([x], a) => T(x).argsort(a.dim, a.descending),
  topk: ([x], a) => T(x).topk(a.k, a.dim, a.largest)[0], cumsum: ([x], a) => T(x).cumsum(a.dim),
  any: ([x], a) => T(x).any(a.dim), all: ([x], a) => T(x).all(a.dim),
  lstm: (xs) => recurrent("LSTM", xs), gru: (xs) => recurrent("GRU", xs),
  lstmPacked: (xs, a) => recurrentPacked("LSTM", xs, a.lengths), gruPacked: (xs, a) => recurrentPacked("GRU", xs, a.lengths),
  halfRoundTrip: ([x]) => T(x).half().float(), bfloat16RoundTrip: ([x]) => T(x).bfloat16().float(),
  prod: ([x], a) => T(x).prod(a.dim, a.keepdim), cumprod: ([x], a) => T(x).cumprod(a.dim),
  einsum: (xs, a) => tg.einsum(a.equation, ...(xs as Tensor[])),
  normalize: ([x], a) => F.normalize(T(x), { p: a.p, dim: a.dim }),
  cosineSimilarity: ([x, y], a) => F.cosineSimilarity(T(x), T(y), { dim: a.dim }),
  pairwiseDistance: ([x, y], a) => F.pairwiseDistance(T(x), T(y), { p: a.p, keepdim: a.keepdim }),
  pad: ([x], a) => F.pad(T(x), a.pad, { mode: a.mode, value: a.value }),
  interpolate: ([x], a) => F.interpolate(T(x), { size: a.size, scaleFactor: a.scaleFactor, mode: a.mode, alignCorners: a.alignCorners }),
  pixelShuffle: ([x], a) => F.pixelShuffle(T(x), a.r), pixelUnshuffle: ([x], a) => F.pixelUnshuffle(T(x), a.r),
  groupNorm: ([x, w, b], a) => F.groupNorm(T(x), a.groups, { weight: w === undefined ? null : T(w), bias: b === undefined ? null : T(b), eps: a.eps }),
  convTranspose2d: ([x, w, b], a) => F.convTranspose2d(T(x), T(w), b === undefined ? null : T(b), convTransposeOpts(a)),
  maxPool1d: ([x], a) => F.maxPool1d(T(x), a.kernelSize, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode }),
  avgPool1d: ([x], a) => F.avgPool1d(T(x), a.kernelSize, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad }),
  adaptiveAvgPool1d: ([x], a) => F.adaptiveAvgPool1d(T(x), a.outputSize), adaptiveMaxPool1d: ([x], a) => F.adaptiveMaxPool1d(T(x), a.outputSize),
  adaptiveMaxPool2d: ([x], a) => F.adaptiveMaxPool2d(T(x), a.outputSize),
  convTranspose1d: ([x, w, b], a) => F.convTranspose1d(T(x), T(w), b === undefined ? null : T(b), convTransposeOpts(a)),
  marginRankingLoss: ([x1, x2, y], a) => F.marginRankingLoss(T(x1), T(x2), T(y), a),
  cosineEmbeddingLoss: ([x1, x2, y], a) => F.cosineEmbeddingLoss(T(x1), T(x2), T(y), a),
  tripletMarginLoss: ([an, p, n], a) => F.tripletMarginLoss(T(an), T(p), T(n), a),
  hingeEmbeddingLoss: ([x, y], a) => F.hingeEmbeddingLoss(T(x), T(y), a), poissonNllLoss: ([x, y], a) => F.poissonNllLoss(T(x), T(y), a),
  softMarginLoss: ([x, y], a) => F.softMarginLoss(T(x), T(y), a), multiMarginLoss: ([x, y], a) => F.multiMarginLoss(T(x), T(y), a),
  multilabelSoftMarginLoss: ([x, y], a) => F.multilabelSoftMarginLoss(T(x), T(y), a),
  maskedSelect: ([x, m]) => T(x).maskedSelect(T(m)),
};
const convTransposeOpts = (a: Record<string, any>) => ({ stride: a.stride, padding: a.padding, outputPadding: a.outputPadding, groups: a.groups, dilation: a.dilation });
const F = tg.nn.functional;

/**
 * One LSTM or GRU layer (time-major x [T, N, I]) on the case's weights, as gen_ops.py: the output
 * sequence, then the final cell state (LSTM) or hidden state (GRU), flattened. The layer's one cell
 * takes the case's tensors, so their gradients are the ones checked; backends with fused cells run
 * those (the layer calls them), the others the composed maths.
 */
function recurrent(mode: "LSTM" | "GRU", [x, wIh, wHh, bIh, bHh]: Arg[]): Tensor {
  const I = T(x).shape[2]!, H = T(wHh).shape[1]!;
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
  const I = T(x).shape[2]!, H = T(wHh).shape[1]!;
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
  return tg.cat(ts.map((t, i) => t.mul(i + 1)), dim);
}

/** Builds a fixture input; float tensors require grad unless they are `where`'s condition. */
export function build(inp: Input, wantGrad: boolean): Arg {
  if (inp.number !== undefined) return inp.number;
  const dtype = inp.dtype === "int32" || inp.dtype === "float64" ? inp.dtype : "float32";
  let t = tg.tensor(Float64Array.from(inp.values!), { shape: inp.shape!, dtype });
  if (inp.noncontig) t = t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (wantGrad && dtype !== "int32") t.requiresGrad = true;
  return t;
}

/** Closeness with torch-style tolerances, as test/helpers/assert.ts's assertClose, throwing an Error. */
function checkClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
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
