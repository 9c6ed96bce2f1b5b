// Whole LSTM and GRU time steps as primitives, for backends with the fused cells: the recurrent
// product, the cell, and a backward that gathers what is per sequence rather than per step. Every
// step reads its row block of the sequence's input projection xProj [T, N, G·H] in place, and writes
// its gate gradients into one [T, N, G·H] accumulator that the sequence's first step (the last whose
// backward runs) hands on as xProj's gradient, together with the recurrent weight's gradient as one
// product over every step. Slicing xProj per step instead made the backward pad and sum a copy of it
// at every level of a halving tree, and the weight's gradient was summed step by step.

import { definePrimitive, type Primitive } from "../../autograd/primitive.js";
import type { View } from "../../backend/backend.js";
import { kernelFor } from "../../backend/current.js";
import { Tensor } from "../../tensor/tensor.js";
import { broadcastView, emptyTensor, runKernel } from "../run-kernel.js";
import { linearPrim } from "./linear.js";

/** What the steps of one sequence share: saved per-step values, and the backward's accumulators. */
export interface SequenceState {
  /** Each step's state input h [N, H] (for the recurrent weight's gradient), by time index. */
  readonly h: View[];
  /**
   * Each step's saved intermediates (LSTM: gate pre-activations; GRU: W_h·h + b_h), by time index.
   * A step's backward frees its entry (null), so that they do not outlive the pass in wasm memory; a
   * second pass over a retained graph computes them again from the step's inputs, with the same kernels.
   */
  readonly saved: (Tensor | null)[];
  /** Gradient accumulators of the backward pass in progress (null between passes). */
  acc: Tensor | null;
  accH: Tensor | null;
  /** Processing index of the last step whose backward ran (they run in decreasing order within a pass). */
  lastS: number;
}

export function sequenceState(): SequenceState {
  return { h: [], saved: [], acc: null, accH: null, lastS: -1 };
}

export interface StepParams {
  /** Time index of this step, and its place in processing order (0: the first, run last backward). */
  t: number;
  s: number;
  seq: SequenceState;
}

/**
 * Starts the accumulators afresh when step s begins a new backward pass: within one pass steps run in
 * decreasing s, so a step at or after the last one seen means an earlier pass stopped before its
 * first step (an error in between) and left accumulators that its region has freed.
 */
function enter(seq: SequenceState, s: number): void {
  if (s >= seq.lastS) seq.acc = seq.accH = null;
  seq.lastS = s;
}

/** Row block t of [T, N, C] as an [N, C] view. */
function rowBlock(x: View, t: number): View {
  return {
    storage: x.storage,
    offset: x.offset + t * x.strides[0]!,
    shape: [x.shape[1]!, x.shape[2]!],
    strides: [x.strides[1]!, x.strides[2]!],
  };
}

/** w [R, C] read as wᵀ [C, R] (a view). */
function transposed(w: View): View {
  return { storage: w.storage, offset: w.offset, shape: [w.shape[1]!, w.shape[0]!], strides: [w.strides[1]!, w.strides[0]!] };
}

/** Copies src (contiguous [N, C]) into row block t of acc. */
function store(acc: Tensor, t: number, src: View): void {
  kernelFor("copy")(rowBlock(acc, t), [src], undefined);
}

/** The states h_t fed to every step, stacked [T·N, H] in time order, and the accumulator's rows flattened. */
function stackedStates(seq: SequenceState, N: number, H: number): Tensor {
  const T = seq.h.length;
  const out = emptyTensor([T, N, H], "float32", false);
  for (let t = 0; t < T; t++) store(out, t, seq.h[t]!);
  return out;
}

/** dW [G·H, H] = Σ_t d(gates_t)ᵀ · h_t: one product over the sequence. */
function weightGrad(acc: Tensor, seq: SequenceState, N: number, H: number): Tensor {
  const T = acc.shape[0],
    GH = acc.shape[2];
  const hs = stackedStates(seq, N, H);
  const flat: View = { storage: acc.storage, offset: acc.offset, shape: [GH, T * N], strides: [1, GH] };
  return runKernel("matmul", [GH, H], "float32", [flat, { storage: hs.storage, offset: 0, shape: [T * N, H], strides: [H, 1] }]);
}

/** Frees a temporary that no tensor outside this module holds, without waiting for the collector. */
function drop(t: Tensor): void {
  t.storage.backend.release?.(t.storage);
}

/** Slab i of a contiguous [k, N, H] tensor as an [N, H] view. */
function slab(x: View, i: number): View {
  const N = x.shape[1]!,
    H = x.shape[2]!;
  return { storage: x.storage, offset: x.offset + i * N * H, shape: [N, H], strides: [H, 1] };
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

/** An LSTM step's gate pre-activations [N, 4H]: row block t of xProj plus h·W_hᵀ (h: the state's first slab). */
function lstmGates(xProj: View, state: View, w: View, t: number): Tensor {
  const N = state.shape[1]!,
    H = state.shape[2]!;
  const hh = runKernel("matmul", [N, 4 * H], "float32", [slab(state, 0), transposed(w)]);
  const gates = runKernel("add", [N, 4 * H], "float32", [rowBlock(xProj, t), hh]);
  drop(hh);
  return gates;
}

/** A GRU step's W_h·h + b_h [N, 3H]. */
function gruHidden(h: View, w: View, b: View | undefined): Tensor {
  const N = h.shape[0]!,
    G = w.shape[0]!;
  return b ? runKernel("linear", [N, G], "float32", [h, w, b]) : runKernel("matmul", [N, G], "float32", [h, transposed(w)]);
}

/**
 * One LSTM step: inputs [xProj [T, N, 4H] (W_i·x + b_i + b_h), state [2, N, H] = [h, c] (contiguous),
 * W_h [4H, H]] -> the next state [2, N, H] = [h', c']. The state travels as one tensor, so that its
 * gradient does too: the backward of a step hands the previous one [dh, dc] in one block, where
 * separate h and c views of the result cost a padded copy of each and their sum at every step.
 */
export const lstmStepPrim: Primitive<StepParams> = definePrimitive<StepParams>({
  name: "lstmStep",
  saves: "both",
  forward: ([xProj, state, w], { t, seq }) => {
    const N = state.shape[1],
      H = state.shape[2];
    const h = slab(state, 0);
    const gates = lstmGates(xProj, state, w, t);
    seq.h[t] = h;
    seq.saved[t] = gates;
    return runKernel("lstmCell", [2, N, H], "float32", [gates, slab(state, 1)]);
  },
  vjp: (d, { inputs: [xProj, state, w], output, params: { t, s, seq } }) => {
    const N = state.shape[1],
      H = state.shape[2],
      T = xProj.shape[0];
    enter(seq, s);
    const acc = (seq.acc ??= emptyTensor([T, N, 4 * H], "float32"));
    const dd = d.isContiguous ? d : runKernel("copy", d.shape, d.dtype, [d]);
    const gates = seq.saved[t] ?? lstmGates(xProj, state, w, t);
    const g = runKernel("lstmCellGrad", [5 * N * H], "float32", [gates, slab(state, 1), output, dd]);
    drop(gates);
    seq.saved[t] = null;
    const dGates: View = { storage: g.storage, offset: 0, shape: [N, 4 * H], strides: [4 * H, 1] };
    store(acc, t, dGates);
    let dState: Tensor | null = null;
    // The first step's state is zeros unless the caller gave one: then nothing needs its gradient.
    if (s !== 0 || state.requiresGrad) {
      dState = emptyTensor([2, N, H], "float32", false);
      kernelFor("matmul")(slab(dState, 0), [dGates, w], undefined);
      kernelFor("copy")(slab(dState, 1), [{ storage: g.storage, offset: 4 * N * H, shape: [N, H], strides: [H, 1] }], undefined);
    }
    if (s !== 0) return [null, dState, null];
    seq.acc = null;
    seq.lastS = -1;
    return [xProj.requiresGrad ? acc : null, dState, w.requiresGrad ? weightGrad(acc, seq, N, H) : null];
  },
});

/**
 * The h half of every LSTM step's state, [T, N, H] in time order: inputs the T states [2, N, H] by
 * time index. Its gradient reaches each state as [dh, 0] (views of one zero-filled block), which the
 * engine adds to what the next step hands back.
 */
export const lstmOutputsPrim: Primitive<undefined> = definePrimitive<undefined>({
  name: "lstmOutputs",
  saves: "none",
  forward: (states) => {
    const [, N, H] = states[0]!.shape;
    const out = emptyTensor([states.length, N, H], "float32", false);
    const copy = kernelFor("copy");
    for (let t = 0; t < states.length; t++) copy(slab(out, t), [slab(states[t]!, 0)], undefined);
    return out;
  },
  vjp: (g, { inputs: states }) => {
    const [T, N, H] = g.shape;
    const all = emptyTensor([T, 2, N, H], "float32");
    kernelFor("copy")({ storage: all.storage, offset: 0, shape: [T, N, H], strides: [2 * N * H, H, 1] }, [g], undefined);
    return states.map((st, t) => (st.requiresGrad ? new Tensor(all.storage, [2, N, H], [N * H, H, 1], t * 2 * N * H) : null));
  },
});

/**
 * One GRU step: inputs [xProj [T, N, 3H] (W_i·x + b_i), h [N, H], W_h [3H, H], b_h [3H]?] -> h' [N, H].
 */
export const gruStepPrim: Primitive<StepParams> = definePrimitive<StepParams>({
  name: "gruStep",
  saves: "inputs",
  forward: ([xProj, h, w, b], { t, seq }) => {
    const N = h.shape[0],
      H = h.shape[1];
    const hh = gruHidden(h, w, b);
    seq.h[t] = h;
    seq.saved[t] = hh;
    return runKernel("gruCell", [N, H], "float32", [rowBlock(xProj, t), hh, h]);
  },
  vjp: (d, { inputs: [xProj, h, w, b], params: { t, s, seq } }) => {
    const N = h.shape[0],
      H = h.shape[1],
      T = xProj.shape[0];
    enter(seq, s);
    const acc = (seq.acc ??= emptyTensor([T, N, 3 * H], "float32"));
    const accH = (seq.accH ??= emptyTensor([T, N, 3 * H], "float32"));
    const dd = d.isContiguous ? d : runKernel("copy", d.shape, d.dtype, [d]);
    const hh = seq.saved[t] ?? gruHidden(h, w, b);
    const g = runKernel("gruCellGrad", [7 * N * H], "float32", [rowBlock(xProj, t), hh, h, dd]);
    drop(hh);
    seq.saved[t] = null;
    const dHh: View = { storage: g.storage, offset: 3 * N * H, shape: [N, 3 * H], strides: [3 * H, 1] };
    store(acc, t, { storage: g.storage, offset: 0, shape: [N, 3 * H], strides: [3 * H, 1] });
    store(accH, t, dHh);
    const dDirect: View = { storage: g.storage, offset: 6 * N * H, shape: [N, H], strides: [H, 1] };
    const dh = runKernel("add", [N, H], "float32", [dDirect, runKernel("matmul", [N, H], "float32", [dHh, w])]);
    const grads: (Tensor | null)[] = [null, dh, null, null];
    if (s === 0) {
      seq.acc = seq.accH = null;
      seq.lastS = -1;
      grads[0] = xProj.requiresGrad ? acc : null;
      grads[2] = w.requiresGrad ? weightGrad(accH, seq, N, H) : null;
      grads[3] = b?.requiresGrad ? runKernel("sum", [3 * H], "float32", [transposedRows(accH)], { reduceSize: T * N }) : null;
    }
    return b ? grads : grads.slice(0, 3);
  },
});

/** acc [T, N, C] seen as [C, T·N] (rows to reduce last). */
function transposedRows(acc: Tensor): View {
  const C = acc.shape[2];
  return { storage: acc.storage, offset: acc.offset, shape: [C, acc.shape[0] * acc.shape[1]], strides: [1, C] };
}
