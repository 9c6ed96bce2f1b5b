// Whole LSTM and GRU sequences (one layer, one direction) as single primitives, for backends with the
// fused cells: the forward runs every time step's recurrent product and cell straight into the result,
// and the backward walks the steps in reverse in one vjp, with its buffers allocated once per pass.
// A primitive per step made the engine record, order and accumulate T nodes and allocate a dozen
// tensors each way per step, which at a batch of 32 and 128 hidden units cost as much as the maths.
// Every step reads its row block of the sequence's input projection xProj [T, N, G·H] in place, and
// the gate gradients of all steps gather in one [T, N, G·H] block that becomes xProj's gradient and,
// in one product, the recurrent weight's.

import { isGradEnabled } from "../../autograd/grad-mode.js";
import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import type { View } from "../../backend/backend.js";
import { kernelFor } from "../../backend/current.js";
import { Tensor } from "../../tensor/tensor.js";
import { broadcastView, emptyTensor, runKernel } from "../run-kernel.js";
import { linearPrim } from "./linear.js";

/** The GRU sequence's parameters: its direction, and what its forward saved for the backward. */
export interface SequenceParams {
  /** Walk from the last time step to the first. */
  readonly reverse: boolean;
  /**
   * Every step's W_h·h + b_h, [T, N, 3H] by time index, kept only when a graph is recorded. The
   * backward frees it, so that it does not outlive the pass in wasm memory; a second pass over a
   * retained graph computes it again from the saved states, with the same kernels.
   */
  saved: Tensor | null;
}

/** Row block t of a [T, N, C] view as an [N, C] view. */
function rowBlock(x: View, t: number): View {
  return {
    storage: x.storage,
    offset: x.offset + t * x.strides[0]!,
    shape: [x.shape[1]!, x.shape[2]!],
    strides: [x.strides[1]!, x.strides[2]!],
  };
}

/** Elements [from, from + rows·cols) of a contiguous tensor as a row-major [rows, cols] view. */
function flat(x: View, from: number, rows: number, cols: number): View {
  return { storage: x.storage, offset: x.offset + from, shape: [rows, cols], strides: [cols, 1] };
}

/** Elements [from, from + k·N·H) of a contiguous tensor as a row-major [k, N, H] view. */
function slabs(x: View, from: number, k: number, N: number, H: number): View {
  return { storage: x.storage, offset: x.offset + from, shape: [k, N, H], strides: [N * H, H, 1] };
}

/** w [R, C] read as wᵀ [C, R] (a view). */
function transposed(w: View): View {
  return { storage: w.storage, offset: w.offset, shape: [w.shape[1]!, w.shape[0]!], strides: [w.strides[1]!, w.strides[0]!] };
}

/** Frees a temporary that no tensor outside this module holds, without waiting for the collector. */
function drop(t: Tensor): void {
  t.storage.backend.release?.(t.storage);
}

/** `t` itself when contiguous, else a contiguous copy. */
const contiguous = (t: Tensor): Tensor => (t.isContiguous ? t : runKernel("copy", t.shape, t.dtype, [t]));

/** Time index of the step taken s-th, and of the one taken before it (-1: the initial state). */
const timeOf = (s: number, T: number, reverse: boolean): number => (reverse ? T - 1 - s : s);

/** Whether the primitive applied to `inputs` will record a graph node (then its forward keeps `saved`). */
const recording = (inputs: readonly Tensor[]): boolean => isGradEnabled() && inputs.some((t) => t.requiresGrad);

/**
 * The states h fed to every step, [T·N, H] in time order: `h0` [N, H] for the first step taken, the
 * h of the step before for the others, read from `hs` ([T, N, H] views with any leading stride).
 */
function previousStates(h0: View, hs: View, reverse: boolean): Tensor {
  const T = hs.shape[0]!,
    N = hs.shape[1]!,
    H = hs.shape[2]!;
  const out = emptyTensor([T, N, H], "float32", false);
  const copy = kernelFor("copy");
  const first = reverse ? T - 1 : 0;
  copy(flat(out, first * N * H, N, H), [h0], undefined);
  if (T > 1) {
    // Forward: rows 1.. take h_0..h_{T-2}; reverse: rows 0..T-2 take h_1..h_{T-1}.
    const rest: View = { storage: out.storage, offset: reverse ? 0 : N * H, shape: [T - 1, N, H], strides: [N * H, H, 1] };
    const from: View = {
      storage: hs.storage,
      offset: hs.offset + (reverse ? hs.strides[0]! : 0),
      shape: [T - 1, N, H],
      strides: hs.strides,
    };
    copy(rest, [from], undefined);
  }
  return out;
}

/** dW [G, H] = Σ_t d(gates_t)ᵀ · h_{t-1}: one product over the sequence (dGatesT [G, T·N], hPrev [T, N, H]). */
function weightGrad(dGatesT: View, hPrev: Tensor): Tensor {
  const [G, TN] = dGatesT.shape as [number, number];
  const H = hPrev.shape[2]!;
  return runKernel("matmul", [G, H], "float32", [dGatesT, flat(hPrev, 0, TN, H)]);
}

/**
 * An LSTM's input projection with both biases, [x [..., I], W_i [4H, I], b_i [4H], b_h [4H]] ->
 * (x·W_iᵀ + b_i) + b_h (rounded as linear then add). One primitive, so that the two biases, whose
 * gradients are the same sum, get it from one reduction, and the linear's result is freed at once.
 */
export const lstmInputPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "lstmInput",
  saves: "others",
  forward: ([x, w, bI, bH]) => {
    const shape = [...x.shape.slice(0, -1), w.shape[0]!];
    const lin = runKernel("linear", shape, "float32", [x, w, bI]);
    const out = runKernel("add", shape, "float32", [lin, broadcastView(bH, shape)]);
    drop(lin);
    return out;
  },
  vjp: (g, { inputs: [x, w, bI, bH], output }) => {
    const [dx, dw] = linearPrim.spec.vjp!(g, { inputs: [x, w], output, params: undefined });
    const db = bI.requiresGrad || bH.requiresGrad ? g.sum(g.shape.slice(0, -1).map((_, d) => d)) : null;
    return [dx, dw, bI.requiresGrad ? db : null, bH.requiresGrad ? db : null];
  },
});

/**
 * One direction of one LSTM layer: inputs [xProj [T, N, 4H] (W_i·x + b_i + b_h), state0 [2, N, H] =
 * [h0, c0] (contiguous), W_h [4H, H]] -> every step's state [T, 2, N, H] = [h_t, c_t] by time index.
 * The result is a view of every step's whole cell output [T, 7, N, H] (the state, then the
 * activations the backward reads), so nothing is saved beside it and a second backward pass over a
 * retained graph needs nothing computed again.
 */
export const lstmSequencePrim: Primitive<{ reverse: boolean }> = definePrimitive<{ reverse: boolean }>({
  name: "lstmSequence",
  saves: "both",
  forward: ([xProj, state0, w], { reverse }) => {
    const T = xProj.shape[0],
      N = state0.shape[1],
      H = state0.shape[2],
      NH = N * H;
    const cells = emptyTensor([T, 7, N, H], "float32", false);
    const hh = emptyTensor([N, 4 * H], "float32", false);
    const matmul = kernelFor("matmul"),
      cell = kernelFor("lstmCell");
    const wT = transposed(w);
    for (let s = 0; s < T; s++) {
      const t = timeOf(s, T, reverse);
      // The state before this step: [h, c] from `from` in `prev`.
      const prev = s === 0 ? state0 : cells;
      const from = s === 0 ? 0 : timeOf(s - 1, T, reverse) * 7 * NH;
      matmul(hh, [flat(prev, from, N, H), wT], undefined);
      cell(slabs(cells, t * 7 * NH, 7, N, H), [rowBlock(xProj, t), hh, flat(prev, from + NH, N, H)], undefined);
    }
    drop(hh);
    return new Tensor(cells.storage, [T, 2, N, H], [7 * NH, NH, H, 1], 0);
  },
  vjp: (g, { inputs: [xProj, state0, w], output: out, params: { reverse } }) => {
    const T = xProj.shape[0],
      N = state0.shape[1],
      H = state0.shape[2],
      NH = N * H;
    const d = contiguous(g);
    // Every step's cell gradient, rows [d gates (4H), dc (H)]: the d gates columns are xProj's gradient.
    const acc = emptyTensor([T, N, 5 * H], "float32", false);
    // What the step just taken hands back for h (its dc is in its block of acc).
    const dh = emptyTensor([N, H], "float32", false);
    const matmul = kernelFor("matmul"),
      cellGrad = kernelFor("lstmCellGrad");
    const needState0 = state0.requiresGrad;
    const block = (t: number, from: number, cols: number): View => ({
      storage: acc.storage,
      offset: t * 5 * NH + from,
      shape: [N, cols],
      strides: [5 * H, 1],
    });
    for (let s = T - 1; s >= 0; s--) {
      const t = timeOf(s, T, reverse);
      const cAt = s === 0 ? NH : timeOf(s - 1, T, reverse) * 7 * NH + NH;
      const inputs = [slabs(out, t * 7 * NH, 7, N, H), flat(s === 0 ? state0 : out, cAt, N, H), slabs(d, t * 2 * NH, 2, N, H)];
      // The step's own output gradient, plus what the step after it handed back.
      if (s < T - 1) inputs.push(dh, block(timeOf(s + 1, T, reverse), 4 * H, H));
      cellGrad(block(t, 0, 5 * H), inputs, undefined);
      if (s > 0 || needState0) matmul(dh, [block(t, 0, 4 * H), w], undefined);
    }
    if (d !== g) drop(d);
    let dState0: Tensor | null = null;
    if (needState0) {
      dState0 = emptyTensor([2, N, H], "float32", false);
      const copy = kernelFor("copy");
      copy(flat(dState0, 0, N, H), [dh], undefined);
      copy(flat(dState0, NH, N, H), [block(timeOf(0, T, reverse), 4 * H, H)], undefined);
    }
    drop(dh);
    let dW: Tensor | null = null;
    if (w.requiresGrad) {
      const hs: View = { storage: out.storage, offset: out.offset, shape: [T, N, H], strides: [7 * NH, H, 1] };
      const hPrev = previousStates(flat(state0, 0, N, H), hs, reverse);
      dW = weightGrad({ storage: acc.storage, offset: 0, shape: [4 * H, T * N], strides: [1, 5 * H] }, hPrev);
      drop(hPrev);
    }
    const dXProj = xProj.requiresGrad ? new Tensor(acc.storage, [T, N, 4 * H], [5 * NH, 5 * H, 1], 0) : (drop(acc), null);
    return [dXProj, dState0, dW];
  },
});

/**
 * Every GRU step's W_h·h_{t-1} + b_h into `hh` [T, N, 3H], running the cell into `cells` [T, 4, N, H]
 * after each (run false: the states are already there, as when a second backward pass recomputes hh).
 */
function gruSteps(xProj: View, h0: View, w: View, b: View | undefined, cells: View, hh: Tensor, reverse: boolean, run: boolean): void {
  const T = xProj.shape[0]!,
    N = h0.shape[0]!,
    H = h0.shape[1]!,
    NH = N * H;
  const product = kernelFor(b ? "linear" : "matmul"),
    cell = kernelFor("gruCell");
  const wT = transposed(w);
  for (let s = 0; s < T; s++) {
    const t = timeOf(s, T, reverse);
    const h = s === 0 ? h0 : flat(cells, timeOf(s - 1, T, reverse) * 4 * NH, N, H);
    const hht = rowBlock(hh, t);
    if (b) product(hht, [h, w, b], undefined);
    else product(hht, [h, wT], undefined);
    if (run) cell(slabs(cells, t * 4 * NH, 4, N, H), [rowBlock(xProj, t), hht, h], undefined);
  }
}

/**
 * One direction of one GRU layer: inputs [xProj [T, N, 3H] (W_i·x + b_i), h0 [N, H] (contiguous),
 * W_h [3H, H], b_h [3H]?] -> every step's h [T, N, H] by time index: a view of every step's whole
 * cell output [T, 4, N, H] (h, then the activations the backward reads).
 */
export const gruSequencePrim: Primitive<SequenceParams> = definePrimitive<SequenceParams>({
  name: "gruSequence",
  saves: "both",
  forward: (inputs, p) => {
    const [xProj, h0, w, b] = inputs;
    const T = xProj.shape[0],
      N = h0.shape[0],
      H = h0.shape[1],
      NH = N * H;
    const cells = emptyTensor([T, 4, N, H], "float32", false);
    const hh = emptyTensor([T, N, 3 * H], "float32", false);
    gruSteps(xProj, h0, w, b, cells, hh, p.reverse, true);
    if (recording(inputs)) p.saved = hh;
    else drop(hh);
    return new Tensor(cells.storage, [T, N, H], [4 * NH, H, 1], 0);
  },
  vjp: (g, { inputs: [xProj, h0, w, b], output: out, params: p }) => {
    const T = xProj.shape[0],
      N = h0.shape[0],
      H = h0.shape[1],
      NH = N * H;
    // Every step's cell output, as the forward wrote it.
    const cells: View = { storage: out.storage, offset: out.offset, shape: [T, 4, N, H], strides: [4 * NH, NH, H, 1] };
    let hh = p.saved;
    p.saved = null;
    if (hh === null) {
      hh = emptyTensor([T, N, 3 * H], "float32", false);
      gruSteps(xProj, h0, w, b, cells, hh, p.reverse, false);
    }
    const d = contiguous(g);
    // Every step's cell gradient, rows [d xp (3H), d hh (3H), direct part of dh (H)].
    const acc = emptyTensor([T, N, 7 * H], "float32", false);
    // The product part of what the step just taken hands back for h.
    const prod = emptyTensor([N, H], "float32", false);
    const matmul = kernelFor("matmul"),
      cellGrad = kernelFor("gruCellGrad");
    const needH0 = h0.requiresGrad;
    const block = (t: number, from: number, cols: number): View => ({
      storage: acc.storage,
      offset: t * 7 * NH + from,
      shape: [N, cols],
      strides: [7 * H, 1],
    });
    for (let s = T - 1; s >= 0; s--) {
      const t = timeOf(s, T, p.reverse);
      const h = s === 0 ? h0 : flat(cells, timeOf(s - 1, T, p.reverse) * 4 * NH, N, H);
      const inputs = [slabs(cells, t * 4 * NH, 4, N, H), rowBlock(hh, t), h, rowBlock(d, t)];
      // The step's own output gradient, plus what the step after it handed back.
      if (s < T - 1) inputs.push(block(timeOf(s + 1, T, p.reverse), 6 * H, H), prod);
      cellGrad(block(t, 0, 7 * H), inputs, undefined);
      if (s > 0 || needH0) matmul(prod, [block(t, 3 * H, 3 * H), w], undefined);
    }
    drop(hh);
    if (d !== g) drop(d);
    const dH0 = needH0 ? runKernel("add", [N, H], "float32", [block(timeOf(0, T, p.reverse), 6 * H, H), prod]) : null;
    drop(prod);
    // d hh of every step as [3H, T·N]: the recurrent weight's and bias's gradients.
    const dHhT: View = { storage: acc.storage, offset: 3 * H, shape: [3 * H, T * N], strides: [1, 7 * H] };
    let dW: Tensor | null = null;
    if (w.requiresGrad) {
      const hPrev = previousStates(h0, out, p.reverse);
      dW = weightGrad(dHhT, hPrev);
      drop(hPrev);
    }
    const db = b?.requiresGrad ? runKernel("sum", [3 * H], "float32", [dHhT], { reduceSize: T * N }) : null;
    const dXProj = xProj.requiresGrad ? new Tensor(acc.storage, [T, N, 3 * H], [7 * NH, 7 * H, 1], 0) : (drop(acc), null);
    const grads = [dXProj, dH0, dW];
    return b ? [...grads, db] : grads;
  },
});
