// The maths of RNN, LSTM and GRU as functions of their weights (torch's _VF.rnn_tanh / lstm / gru):
// one cell step per mode, and the multi-layer, bidirectional loop over time. Built from matmul,
// slice, sigmoid, tanh and cat, so autograd supplies every gradient (backprop through time).

import { cat, dropout as dropoutOp, stack } from "../../ops/index.js";
import { releaseIntermediates } from "../../autograd/engine.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { linear } from "../functional/linear.js";
import { fused, gruCell, lstmCell } from "../../ops/primitives/recurrent-cell.js";
import { gruSequencePrim, lstmInputPrim, lstmSequencePrim } from "../../ops/primitives/recurrent-sequence.js";

export type RecurrentMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** Gate blocks stacked in weight_ih/weight_hh: LSTM i, f, g, o; GRU r, z, n; plain RNN one. */
export const GATE_COUNT: Record<RecurrentMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** One layer-direction's parameters, laid out as torch's weight_ih_l{k}[_reverse] etc. */
export interface CellWeights {
  /** [gates·H, inputSize of this layer] */
  wIh: Tensor;
  /** [gates·H, H] */
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  /** LSTM with projSize only: [projSize, H], h = W_hr·(o·tanh(c)) (torch's weight_hr_l{k}). */
  wHr?: Tensor | null;
}

export interface RecurrentConfig {
  mode: RecurrentMode;
  numLayers: number;
  bidirectional: boolean;
  /** Dropout on every layer's output but the last, in training only. */
  dropout: number;
  training: boolean;
}

/**
 * Runs the stacked recurrence over a time-major batched input x [T, N, I]. `h0` (and `c0` for
 * LSTM) are [numLayers·D, N, H] or null for zeros; `weights[layer·D + direction]`. Returns the
 * last layer's output [T, N, D·H] and the final states [numLayers·D, N, H].
 */
export function recurrentForward(
  cfg: RecurrentConfig,
  x: Tensor,
  h0: Tensor | null,
  c0: Tensor | null,
  weights: readonly CellWeights[],
): { output: Tensor; hN: Tensor; cN: Tensor | null } {
  const D = cfg.bidirectional ? 2 : 1;
  const hFinal: Tensor[] = [];
  const cFinal: Tensor[] = [];
  let layerInput = x;
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    const outputs: Tensor[] = [];
    for (let dir = 0; dir < D; dir++) {
      const idx = layer * D + dir;
      const r = runDirection(cfg.mode, layerInput, weights[idx], pick(h0, idx), pick(c0, idx), dir === 1);
      outputs.push(r.output);
      hFinal.push(r.h);
      if (r.c) cFinal.push(r.c);
    }
    layerInput = D === 1 ? outputs[0] : cat(outputs, 2);
    if (cfg.training && cfg.dropout > 0 && layer < cfg.numLayers - 1) layerInput = dropoutOp(layerInput, cfg.dropout, true);
  }
  return { output: layerInput, hN: stack(hFinal, 0), cN: cfg.mode === "LSTM" ? stack(cFinal, 0) : null };
}

function pick(states: Tensor | null, idx: number): Tensor | null {
  return states === null ? null : states.slice(0, idx, idx + 1).squeeze(0);
}

/** One direction of one layer over all time steps; `reverse` walks from the last step to the first. */
function runDirection(
  mode: RecurrentMode,
  x: Tensor,
  w: CellWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  reverse: boolean,
): { output: Tensor; h: Tensor; c: Tensor | null } {
  const [T, N] = x.shape;
  // LSTM with projSize keeps h and c at different widths, which the fused steps do not take.
  const states = [w.wHh, ...(h0 ? [h0] : []), ...(c0 ? [c0] : [])];
  const fusable = (mode === "LSTM" && !w.wHr && fused("lstmCell", states)) || (mode === "GRU" && fused("gruCell", states));
  const float32 = [x, w.wIh, ...(w.bIh ? [w.bIh] : []), ...(w.bHh ? [w.bHh] : [])].every((t) => t.dtype === "float32");
  const xProj =
    mode === "LSTM" && fusable && float32 && w.bIh && w.bHh
      ? lstmInputPrim([x, w.wIh, w.bIh, w.bHh], undefined)
      : inputProjection(mode, x, w);
  if (xProj.dtype === "float32" && fusable) return fusedDirection(mode, xProj, w, h0, c0, reverse);
  const steps = unbindFirst(xProj);
  const step = stepFunction(mode, w);
  let h = h0 ?? zeros([N, w.wHh.shape[1]], { dtype: x.dtype });
  let c = mode === "LSTM" ? (c0 ?? zeros([N, cellSize(w)], { dtype: x.dtype })) : null;
  const outs = new Array<Tensor>(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    [h, c] = step(steps[t], h, c);
    outs[t] = h;
  }
  return { output: stack(outs, 0), h, c };
}

/** The LSTM cell state's width H (weight_hh is [4H, projSize or H]); for the other modes unused. */
export function cellSize(w: CellWeights): number {
  return w.wHh.shape[0] / 4;
}

/**
 * The input projection of every time step in one matmul. For RNN and LSTM the hidden bias can be
 * folded in too; GRU keeps b_hn apart because torch applies r·(W_hn·h + b_hn).
 */
export function inputProjection(mode: RecurrentMode, x: Tensor, w: CellWeights): Tensor {
  const xProj = linear(x, w.wIh, w.bIh);
  return mode !== "GRU" && w.bHh ? xProj.add(w.bHh) : xProj;
}

/** One time step given the projected input xp and the state (h, c): the new (h, c); c is null but for LSTM. */
export type RecurrentStep = (xp: Tensor, h: Tensor, c: Tensor | null) => [Tensor, Tensor | null];

/** The time step of `mode` with weights `w` (their transposes taken once for all steps). */
export function stepFunction(mode: RecurrentMode, w: CellWeights): RecurrentStep {
  const wHhT = w.wHh.T;
  if (mode === "LSTM") {
    const wHrT = w.wHr ? w.wHr.T : null;
    return (xp, h, c) => {
      const [h2, c2] = lstmStep(xp, h, c!, wHhT);
      return [wHrT ? h2.matmul(wHrT) : h2, c2];
    };
  }
  if (mode === "GRU") return (xp, h) => [gruStep(xp, h, wHhT, w.bHh), null];
  const relu = mode === "RNN_RELU";
  return (xp, h) => {
    const pre = xp.add(h.matmul(wHhT));
    return [relu ? pre.relu() : pre.tanh(), null];
  };
}

/**
 * runDirection on a backend with fused cells: the whole sequence as one primitive that reads xProj in
 * place and gathers its gradient and the recurrent weight's over the steps (see recurrent-sequence.ts).
 */
function fusedDirection(
  mode: "LSTM" | "GRU",
  xProj: Tensor,
  w: CellWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  reverse: boolean,
): { output: Tensor; h: Tensor; c: Tensor | null } {
  const [T, N] = xProj.shape;
  const H = w.wHh.shape[1];
  const last = reverse ? 0 : T - 1;
  if (mode === "LSTM") {
    // The state [h, c] as one contiguous [2, N, H] (what the kernels read).
    const state = h0 || c0 ? stack([h0 ?? zeros([N, H]), c0 ?? zeros([N, H])], 0) : zeros([2, N, H], { dtype: xProj.dtype });
    const states = lstmSequencePrim([xProj, state, w.wHh], { reverse });
    const final = states.slice(0, last, last + 1).squeeze(0);
    // Copies, even of contiguous views (clone, not contiguous): see below.
    const output = states.slice(1, 0, 1).squeeze(1).clone();
    const h = final.slice(0, 0, 1).squeeze(0).clone(),
      c = final.slice(0, 1, 2).squeeze(0).clone();
    // Every result is a copy: xProj and the steps' cell outputs (seven times the output's size) reach
    // nothing but the graph, and are freed with it (at once when none was recorded).
    releaseIntermediates(output, xProj, states);
    return { output, h, c };
  }
  // The kernels read states with contiguous columns.
  const state = h0 ? h0.contiguous() : zeros([N, H], { dtype: xProj.dtype });
  const hs = gruSequencePrim(w.bHh ? [xProj, state, w.wHh, w.bHh] : [xProj, state, w.wHh], { reverse, saved: null });
  // The output and the final state do not share memory (as torch's), nor hold the steps' buffer.
  const output = hs.clone(),
    h = hs
      .slice(0, last, last + 1)
      .squeeze(0)
      .clone();
  releaseIntermediates(output, xProj, hs);
  return { output, h, c: null };
}

/** c' = f·c + i·g, h' = o·tanh(c'), with gates i, f, g, o in that order (torch's layout). */
export function lstmStep(xp: Tensor, h: Tensor, c: Tensor, wHhT: Tensor): [Tensor, Tensor] {
  return lstmCell(xp, h.matmul(wHhT), c);
}

/** r, z = σ(…), n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)), h' = (1 - z)·n + z·h = n + z·(h - n). */
export function gruStep(xp: Tensor, h: Tensor, wHhT: Tensor, bHh: Tensor | null): Tensor {
  let hh = h.matmul(wHhT);
  if (bHh) hh = hh.add(bHh);
  return gruCell(xp, hh, h);
}

/**
 * Splits x along dim 0 into x[0], x[1], … by halving. Taking each step with its own slice would
 * make the backward pass pad T gradients to the full [T, …] size (O(T²) work); halving makes
 * every level of the tree cost one pass over the data, O(T log T) in all.
 */
export function unbindFirst(x: Tensor): Tensor[] {
  const out: Tensor[] = [];
  const split = (t: Tensor): void => {
    const n = t.shape[0];
    if (n === 1) {
      out.push(t.squeeze(0));
      return;
    }
    const mid = n >> 1;
    split(t.slice(0, 0, mid));
    split(t.slice(0, mid, n));
  };
  if (x.shape[0] > 0) split(x);
  return out;
}
