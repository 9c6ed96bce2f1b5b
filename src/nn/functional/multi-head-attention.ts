// Multi-head attention as a function of its weights (torch.nn.functional.multi_head_attention_forward):
// input projections, per-head scaled dot-product attention with torch's mask conventions, and the
// output projection. nn.MultiheadAttention holds the weights and calls this.

import { markIntermediate } from "../../autograd/engine.js";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { isFloat } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { attend, causalMask, toAdditiveMask } from "./attention.js";
import { linear } from "./linear.js";
import { checkOptions } from "../../tensor/options.js";

/**
 * Masks and switches of multiHeadAttentionForward and MultiheadAttention.forward (torch's names,
 * camelCase).
 */
export interface MultiHeadAttentionOptions {
  /**
   * [N, S] (or [S] unbatched): keys to ignore, e.g. padding. bool: true = ignored; a float mask is
   * added to the scores, as torch.
   */
  keyPaddingMask?: Tensor | null;
  /**
   * [L, S] or [N·numHeads, L, S]: bool: true = query i may not attend to key j; a float mask (e.g.
   * 0 / -inf) is added to the scores, as torch.
   */
  attnMask?: Tensor | null;
  /** Return the attention weights too (default true); otherwise the second result is null. */
  needWeights?: boolean;
  /** Average the returned weights over heads ([N, L, S]; default true) or keep them ([N, H, L, S]). */
  averageAttnWeights?: boolean;
  /**
   * Causal attention (query i attends to keys j ≤ i). With an attnMask it is only a hint that the
   * mask is causal, as in torch; without one the causal mask is built (torch would raise).
   */
  isCausal?: boolean;
}

/**
 * The weights multiHeadAttentionForward applies (torch's multi_head_attention_forward arguments,
 * camelCase).
 */
export interface MultiHeadAttentionWeights {
  /** Parallel attention heads; must divide E. */
  numHeads: number;
  /** [3E, E], the q, k and v projections stacked; null when separate weights are given. */
  inProjWeight?: Tensor | null;
  /** The q, k and v biases stacked, shape [3E]. */
  inProjBias?: Tensor | null;
  /**
   * The query projection [E, E], used with kProjWeight and vProjWeight when inProjWeight is null
   * (key/value sizes other than E).
   */
  qProjWeight?: Tensor | null;
  /** The key projection [E, kdim] (with qProjWeight and vProjWeight, when inProjWeight is null). */
  kProjWeight?: Tensor | null;
  /** The value projection [E, vdim] (when inProjWeight is null). */
  vProjWeight?: Tensor | null;
  /** The output projection's weight [E, E]. */
  outProjWeight: Tensor;
  /** The output projection's bias [E] (null: none). */
  outProjBias?: Tensor | null;
  /** Dropout on the attention weights in training (default 0). */
  dropoutP?: number;
  /** Whether dropoutP is applied (default true, as torch's training argument). */
  training?: boolean;
}

/** @internal how the caller names itself in errors, and whether inputs are batch-first. */
export interface MhaCallSite {
  label: string;
  batchFirst: boolean;
}

/**
 * Multi-head attention of query [L, N, E] over key [S, N, kdim] and value [S, N, vdim] (or [L, E] …
 * unbatched), returning [output [L, N, E], weights [N, L, S] (or [N, H, L, S]) | null]
 * (torch.nn.functional.multi_head_attention_forward).
 * @example const [out, w] = F.multiHeadAttentionForward(x, x, x, { numHeads: 2, inProjWeight, inProjBias, outProjWeight, outProjBias });
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: MultiHeadAttentionWeights & MultiHeadAttentionOptions,
): [Tensor, Tensor | null] {
  return mhaForward({ label: "multiHeadAttentionForward", batchFirst: false }, query, key, value, opts);
}

/** @internal multiHeadAttentionForward with the caller's name in errors and optional batch-first inputs. */
export function mhaForward(
  site: MhaCallSite,
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: MultiHeadAttentionWeights & MultiHeadAttentionOptions,
): [Tensor, Tensor | null] {
  checkOptions(site.label, opts, [
    "numHeads",
    "inProjWeight",
    "inProjBias",
    "qProjWeight",
    "kProjWeight",
    "vProjWeight",
    "outProjWeight",
    "outProjBias",
    "dropoutP",
    "training",
    "keyPaddingMask",
    "attnMask",
    "needWeights",
    "averageAttnWeights",
    "isCausal",
  ]);
  const {
    numHeads,
    inProjWeight = null,
    inProjBias = null,
    qProjWeight = null,
    kProjWeight = null,
    vProjWeight = null,
    outProjWeight,
    outProjBias = null,
    dropoutP = 0,
    training = true,
    keyPaddingMask = null,
    attnMask = null,
    needWeights = true,
    averageAttnWeights = true,
    isCausal = false,
  } = opts;
  const { label, batchFirst } = site;
  const E = outProjWeight.shape[0];
  const kdim = inProjWeight ? E : (kProjWeight?.shape[1] ?? E);
  const vdim = inProjWeight ? E : (vProjWeight?.shape[1] ?? E);
  if (!inProjWeight && !(qProjWeight && kProjWeight && vProjWeight)) {
    throw new ValueError(`${label}: give either inProjWeight or all of qProjWeight, kProjWeight and vProjWeight`);
  }
  if (!Number.isInteger(numHeads) || numHeads <= 0 || E % numHeads !== 0) {
    throw new ValueError(`${label}: embedDim ${E} must be divisible by numHeads ${numHeads}`);
  }
  const batched = checkInputs(site, query, key, value, E, kdim, vdim);

  // Work batched, in the inputs' own layout: [N, L, E] batch-first, else [L, N, E] (an unbatched
  // input as a batch of one). Batch-first stays so: transposing to time-major would make every
  // projection, and the residual sums around the layer, read strided copies.
  let q = query,
    k = key,
    v = value;
  if (!batched) {
    q = query.unsqueeze(1);
    k = key === query ? q : key.unsqueeze(1);
    v = value === key ? k : value.unsqueeze(1);
  }
  const bf = batched && batchFirst;
  const L = q.shape[bf ? 1 : 0]!,
    N = q.shape[bf ? 0 : 1]!;
  const S = k.shape[bf ? 1 : 0]!;
  const H = numHeads,
    hd = E / numHeads;
  const kpm = keyPaddingMask === null ? null : batched ? keyPaddingMask : keyPaddingMask.unsqueeze(0);
  checkMasks(site, kpm, attnMask, { batched, N, L, S, H });

  // Input projections: one matmul for self-attention, as torch's packed path.
  const bias = (i: number) => (inProjBias === null ? null : inProjBias.slice(0, i * E, (i + 1) * E));
  let qp: Tensor, kp: Tensor, vp: Tensor;
  if (inProjWeight !== null && q === k && k === v) {
    const proj = linear(q, inProjWeight, inProjBias);
    markIntermediate(proj); // read through views by the heads' products only
    [qp, kp, vp] = [0, 1, 2].map((i) => proj.slice(-1, i * E, (i + 1) * E));
  } else {
    const w = (i: number, separate: Tensor | null) => (inProjWeight !== null ? inProjWeight.slice(0, i * E, (i + 1) * E) : separate!);
    qp = linear(q, w(0, qProjWeight), bias(0));
    kp = linear(k, w(1, kProjWeight), bias(1));
    vp = linear(v, w(2, vProjWeight), bias(2));
  }
  // [N, seq, E] or [seq, N, E] → [N, H, seq, hd]
  const heads = (t: Tensor, len: number) =>
    bf ? t.reshape([N, len, H, hd]).permute([0, 2, 1, 3]) : t.reshape([len, N, H, hd]).permute([1, 2, 0, 3]);

  let mask: Tensor | null = null;
  if (attnMask !== null) {
    const m = toAdditiveMask(site.label, "attnMask", attnMask, "masked");
    mask = m.ndim === 3 ? m.reshape([N, H, L, S]) : m;
  } else if (isCausal) {
    mask = causalMask(L, S);
  }
  if (kpm !== null) {
    const m = toAdditiveMask(site.label, "keyPaddingMask", kpm, "masked").reshape([N, 1, 1, S]);
    mask = mask === null ? m : mask.add(m);
  }

  const [attnOut, weights] = attend(heads(qp, L), heads(kp, S), heads(vp, S), mask, 1 / Math.sqrt(hd), training ? dropoutP : 0);
  const merged = bf ? attnOut.permute([0, 2, 1, 3]).reshape([N, L, E]) : attnOut.permute([2, 0, 1, 3]).reshape([L, N, E]);
  // Read by the output projection's backward alone (merged may be a copy or a view of attnOut).
  markIntermediate(attnOut, merged);
  let out = linear(merged, outProjWeight, outProjBias);
  if (!batched) out = out.squeeze(1);
  if (!needWeights) {
    // The weights go to the product with the values alone (and its backward): not returned, they
    // are freed with the graph rather than copied out when the cache needs room.
    markIntermediate(weights);
    return [out, null];
  }
  let w = averageAttnWeights ? weights.mean(1) : weights;
  if (!batched) w = w.squeeze(0);
  return [out, w];
}

/** Ranks, feature sizes, and matching sequence/batch sizes of query, key and value; returns whether batched. */
function checkInputs(site: MhaCallSite, query: Tensor, key: Tensor, value: Tensor, E: number, kdim: number, vdim: number): boolean {
  const { label, batchFirst } = site;
  if (query.ndim !== 2 && query.ndim !== 3) {
    const want = batchFirst ? `[N, L, ${E}]` : `[L, N, ${E}]`;
    throw new ShapeError(`${label}: expected query ${want} (or [L, ${E}] unbatched), got ${fmtShape(query.shape)}`);
  }
  const batched = query.ndim === 3;
  const seqLayout = (d: number | string) => (!batched ? `[S, ${d}]` : batchFirst ? `[N, S, ${d}]` : `[S, N, ${d}]`);
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new ShapeError(
      `${label}: for a ${batched ? "batched (3-D)" : "unbatched (2-D)"} query, key and value must be ${query.ndim}-D too, ` +
        `got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`,
    );
  }
  for (const [name, t] of [
    ["query", query],
    ["key", key],
    ["value", value],
  ] as const) {
    if (!isFloat(t.dtype)) throw new DTypeError(`${label}: ${name} must be floating point, got ${t.dtype}`);
  }
  const last = (t: Tensor) => t.shape[t.ndim - 1];
  if (last(query) !== E) {
    const want = !batched ? `[L, ${E}]` : batchFirst ? `[N, L, ${E}]` : `[L, N, ${E}]`;
    throw new ShapeError(`${label}: expected query ${want}, got ${fmtShape(query.shape)}`);
  }
  if (last(key) !== kdim) throw new ShapeError(`${label}: expected key ${seqLayout(kdim)}, got ${fmtShape(key.shape)}`);
  if (last(value) !== vdim) throw new ShapeError(`${label}: expected value ${seqLayout(vdim)}, got ${fmtShape(value.shape)}`);
  if (key.shape[0] !== value.shape[0] || (batched && key.shape[1] !== value.shape[1])) {
    throw new ShapeError(
      `${label}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must agree in sequence length${batched ? " and batch size" : ""}`,
    );
  }
  const batchDim = batchFirst ? 0 : 1;
  if (batched && key.shape[batchDim] !== query.shape[batchDim]) {
    throw new ShapeError(`${label}: query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)} have different batch sizes`);
  }
  return batched;
}

function checkMasks(
  { label }: MhaCallSite,
  kpm: Tensor | null,
  attnMask: Tensor | null,
  { batched, N, L, S, H }: { batched: boolean; N: number; L: number; S: number; H: number },
): void {
  if (kpm !== null && (kpm.ndim !== 2 || kpm.shape[0] !== N || kpm.shape[1] !== S)) {
    const want = batched ? `[N, S] = [${N}, ${S}]` : `[S] = [${S}]`;
    const got = batched ? kpm.shape : kpm.shape.slice(1);
    throw new ShapeError(`${label}: expected keyPaddingMask ${want}, got ${fmtShape(got)}`);
  }
  if (attnMask !== null) {
    const ok2 = attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S;
    const ok3 = attnMask.ndim === 3 && attnMask.shape[0] === N * H && attnMask.shape[1] === L && attnMask.shape[2] === S;
    if (!ok2 && !ok3) {
      const three = batched ? `[N·numHeads, L, S] = [${N * H}, ${L}, ${S}]` : `[numHeads, L, S] = [${H}, ${L}, ${S}]`;
      throw new ShapeError(`${label}: expected attnMask [L, S] = [${L}, ${S}] or ${three}, got ${fmtShape(attnMask.shape)}`);
    }
  }
}
