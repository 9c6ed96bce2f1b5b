// The maths of RNN, LSTM and GRU as functions of their weights (torch's _VF.rnn_tanh / lstm / gru):
// one cell step per mode, and the multi-layer, bidirectional loop over time. Built from matmul,
// slice, sigmoid, tanh and cat, so autograd supplies every gradient (backprop through time).

import { cat, dropout as dropoutOp, stack } from "../../ops/index.js";
import { markIntermediate } from "../../autograd/engine.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { linear } from "../functional/linear.js";
import { fused, gruCell, lstmCell } from "../../ops/primitives/recurrent-cell.js";
import { gruStepPrim, lstmStepPrim, sequenceState } from "../../ops/primitives/recurrent-step.js";

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
  cfg: RecurrentConfig, x: Tensor, h0: Tensor | null, c0: Tensor | null, weights: readonly CellWeights[],
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
  mode: RecurrentMode, x: Tensor, w: CellWeights, h0: Tensor | null, c0: Tensor | null, reverse: boolean,
): { output: Tensor; h: Tensor; c: Tensor | null } {
  const [T, N] = x.shape;
  const H = w.wHh.shape[1];
  // The input projection of every time step in one matmul. For RNN and LSTM the hidden bias can be
  // folded in too; GRU keeps b_hn apart because torch applies r·(W_hn·h + b_hn).
  let xProj = linear(x, w.wIh, w.bIh);
  if (mode !== "GRU" && w.bHh) xProj = xProj.add(w.bHh);
  const states = [w.wHh, ...(h0 ? [h0] : []), ...(c0 ? [c0] : [])];
  if (xProj.dtype === "float32" && ((mode === "LSTM" && fused("lstmCell", states)) || (mode === "GRU" && fused("gruCell", states)))) {
    return fusedDirection(mode, xProj, w, h0, c0, reverse);
  }
  const steps = unbindFirst(xProj);
  const wHhT = w.wHh.T;
  let h = h0 ?? zeros([N, H], { dtype: x.dtype });
  let c = mode === "LSTM" ? c0 ?? zeros([N, H], { dtype: x.dtype }) : null;
  const outs = new Array<Tensor>(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xp = steps[t];
    if (mode === "LSTM") [h, c] = lstmStep(xp, h, c!, wHhT);
    else if (mode === "GRU") h = gruStep(xp, h, wHhT, w.bHh);
    else {
      const pre = xp.add(h.matmul(wHhT));
      h = mode === "RNN_TANH" ? pre.tanh() : pre.relu();
    }
    outs[t] = h;
  }
  return { output: stack(outs, 0), h, c };
}

/**
 * runDirection on a backend with fused cells: whole time steps as primitives that read xProj in place
 * and gather its gradient and the recurrent weight's over the sequence (see recurrent-step.ts).
 */
function fusedDirection(
  mode: "LSTM" | "GRU", xProj: Tensor, w: CellWeights, h0: Tensor | null, c0: Tensor | null, reverse: boolean,
): { output: Tensor; h: Tensor; c: Tensor | null } {
  const [T, N] = xProj.shape;
  const H = w.wHh.shape[1];
  const seq = sequenceState();
  // The kernels read states with contiguous columns.
  let h = h0 ? h0.contiguous() : zeros([N, H], { dtype: xProj.dtype });
  let c = mode === "LSTM" ? (c0 ? c0.contiguous() : zeros([N, H], { dtype: xProj.dtype })) : null;
  const outs = new Array<Tensor>(T);
  // xProj and every step's result but the last (whose h and c the caller gets) reach nothing but the
  // graph and the stacked output's copy: backward frees them with the graph.
  markIntermediate(xProj);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    if (mode === "LSTM") {
      const out = lstmStepPrim([xProj, h, c!, w.wHh], { t, s, seq });
      if (s < T - 1) markIntermediate(out);
      h = out.slice(0, 0, 1).squeeze(0);
      c = out.slice(0, 1, 2).squeeze(0);
    } else {
      h = gruStepPrim(w.bHh ? [xProj, h, w.wHh, w.bHh] : [xProj, h, w.wHh], { t, s, seq });
      if (s < T - 1) markIntermediate(h);
    }
    outs[t] = h;
  }
  return { output: stack(outs, 0), h, c };
}

/** c' = f·c + i·g, h' = o·tanh(c'), with gates i, f, g, o in that order (torch's layout). */
export function lstmStep(xp: Tensor, h: Tensor, c: Tensor, wHhT: Tensor): [Tensor, Tensor] {
  return lstmCell(xp.add(h.matmul(wHhT)), c);
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
