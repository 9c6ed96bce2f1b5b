// The recurrence over a PackedSequence (torch's _VF.lstm/gru/rnn with batch_sizes): at step t only
// the batchSizes[t] longest sequences are still going, so each step runs the cell on the first
// batchSizes[t] rows of the state. A sequence's final state is its state after its own last step;
// backwards in time a sequence starts at its own last step, from its initial state.

import { cat, dropout as dropoutOp } from "../../ops/index.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { splitRows } from "../packed-sequence.js";
import {
  cellSize,
  inputProjection,
  stepFunction,
  type CellWeights,
  type RecurrentConfig,
  type RecurrentMode,
} from "./recurrent-forward.js";

/**
 * Runs the stacked recurrence over packed `data` [Σ sizes, I] with batch sizes `sizes` (sorted,
 * longest first). `h0`/`c0` are [numLayers·D, N, ·] in that sorted order, or null for zeros. Returns
 * the last layer's packed output [Σ sizes, D·H] and the final states, rows in the sorted order.
 */
export function packedRecurrentForward(
  cfg: RecurrentConfig,
  data: Tensor,
  sizes: readonly number[],
  h0: Tensor | null,
  c0: Tensor | null,
  weights: readonly CellWeights[],
): { output: Tensor; hN: Tensor; cN: Tensor | null } {
  const D = cfg.bidirectional ? 2 : 1;
  const hFinal: Tensor[] = [];
  const cFinal: Tensor[] = [];
  let layerInput = data;
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    const outputs: Tensor[] = [];
    for (let dir = 0; dir < D; dir++) {
      const idx = layer * D + dir;
      const pick = (s: Tensor | null): Tensor | null => (s === null ? null : s.slice(0, idx, idx + 1).squeeze(0));
      const r = runPackedDirection(cfg.mode, layerInput, sizes, weights[idx]!, pick(h0), pick(c0), dir === 1);
      outputs.push(r.output);
      hFinal.push(r.h);
      if (r.c) cFinal.push(r.c);
    }
    layerInput = D === 1 ? outputs[0]! : cat(outputs, 1);
    if (cfg.training && cfg.dropout > 0 && layer < cfg.numLayers - 1) layerInput = dropoutOp(layerInput, cfg.dropout, true);
  }
  const stackStates = (xs: Tensor[]): Tensor =>
    cat(
      xs.map((s) => s.unsqueeze(0)),
      0,
    );
  return { output: layerInput, hN: stackStates(hFinal), cN: cfg.mode === "LSTM" ? stackStates(cFinal) : null };
}

function runPackedDirection(
  mode: RecurrentMode,
  data: Tensor,
  sizes: readonly number[],
  w: CellWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  reverse: boolean,
): { output: Tensor; h: Tensor; c: Tensor | null } {
  const T = sizes.length;
  const N = sizes[0]!;
  const steps = splitRows(inputProjection(mode, data, w), sizes);
  const step = stepFunction(mode, w);
  const hInit = h0 ?? zeros([N, w.wHh.shape[1]!], { dtype: data.dtype });
  const cInit = mode === "LSTM" ? (c0 ?? zeros([N, cellSize(w)], { dtype: data.dtype })) : null;
  const outs = new Array<Tensor>(T);
  const rows = (s: Tensor, from: number, to: number): Tensor => (from === 0 && to === s.shape[0] ? s : s.slice(0, from, to));
  if (!reverse) {
    // Rows whose sequences ended are set aside (in decreasing row order) and put back under the rest.
    let h = hInit;
    let c = cInit;
    const doneH: Tensor[] = [];
    const doneC: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const b = sizes[t]!;
      const n = h.shape[0]!;
      if (b < n) {
        doneH.push(rows(h, b, n));
        h = rows(h, 0, b);
        if (c) {
          doneC.push(rows(c, b, n));
          c = rows(c, 0, b);
        }
      }
      [h, c] = step(steps[t]!, h, c);
      outs[t] = h;
    }
    const finalH = doneH.length ? cat([h, ...doneH.reverse()], 0) : h;
    const finalC = c && doneC.length ? cat([c, ...doneC.reverse()], 0) : c;
    return { output: cat(outs, 0), h: finalH, c: finalC };
  }
  // Backwards: a sequence joins at its own last step, with its initial state.
  let n = sizes[T - 1]!;
  let h = rows(hInit, 0, n);
  let c = cInit ? rows(cInit, 0, n) : null;
  for (let t = T - 1; t >= 0; t--) {
    const b = sizes[t]!;
    if (b > n) {
      h = cat([h, rows(hInit, n, b)], 0);
      if (c) c = cat([c, rows(cInit!, n, b)], 0);
      n = b;
    }
    [h, c] = step(steps[t]!, h, c);
    outs[t] = h;
  }
  return { output: cat(outs, 0), h, c };
}
