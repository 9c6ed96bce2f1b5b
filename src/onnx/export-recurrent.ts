// RNN, LSTM and GRU layers as ONNX's recurrent ops, one node per layer, so batch size and sequence
// length stay dynamic. The weights stay the layer's own initializers (PyTorch's names); the graph
// reorders their gate blocks into ONNX's order (LSTM i-f-g-o → i-o-f-c, GRU r-z-n → z-r-h), which
// ONNX Runtime folds into constants once.

import { LSTM, GRU, RNN } from "../nn/layers/recurrent.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ExportContext } from "./export-primitives.js";
import type { LayerConverter } from "./export-layers.js";

type Recurrent = LSTM | GRU | RNN;

/** ONNX gate k comes from torch gate ORDER[k]. */
const GATE_ORDER = new Map<Function, number[]>([
  [LSTM, [0, 3, 1, 2]],
  [GRU, [1, 0, 2]],
  [RNN, [0]],
]);
const OP = new Map<Function, string>([
  [LSTM, "LSTM"],
  [GRU, "GRU"],
  [RNN, "RNN"],
]);

function param(m: Recurrent, name: string): Tensor | null {
  return m.namedParameters().find(([k]) => k === name)?.[1] ?? null;
}

/** `t` ([G·H, ...]) with its gate blocks in ONNX order, with a leading direction axis of 1. */
function reorder(cx: ExportContext, t: string, order: number[], h: number): string {
  const { b } = cx;
  const blocks = order.map((g) => b.node("Slice", [t, b.ints([g * h]), b.ints([(g + 1) * h]), b.ints([0])]));
  const joined = blocks.length === 1 ? blocks[0] : b.node("Concat", blocks, { axis: 0 });
  return b.node("Unsqueeze", [joined, b.ints([0])]);
}

function stackDirs(cx: ExportContext, parts: string[]): string {
  return parts.length === 1 ? parts[0] : cx.b.node("Concat", parts, { axis: 0 });
}

export const recurrent: LayerConverter = {
  // An unbatched sequence [T, I] (batchFirst does not apply to it, as in torch) runs as a batch of one.
  matches: (_m, x) => x.ndim === 3 || x.ndim === 2,
  emit: (cx, m: Recurrent, x, out, args) => {
    const { b } = cx;
    const order = GATE_ORDER.get(m.constructor)!;
    const H = m.hiddenSize;
    const dirs = m.bidirectional ? ["", "_reverse"] : [""];
    const D = dirs.length;
    const isLstm = m instanceof LSTM;
    const state = args[1] as Tensor | readonly [Tensor, Tensor] | null | undefined;
    const h0 = state == null ? null : isLstm ? (state as readonly [Tensor, Tensor])[0] : (state as Tensor);
    const c0 = state != null && isLstm ? (state as readonly [Tensor, Tensor])[1] : null;

    const unbatched = x.ndim === 2;
    const batchFirst = m.batchFirst && !unbatched;
    // Unbatched states are [L·D, H]: a batch axis of one goes in at 1 and comes out again at the end.
    const batch = (name: string) => (unbatched ? b.node("Unsqueeze", [name, b.ints([1])]) : name);
    const unbatch = (name: string, out: Tensor) =>
      void b.node(unbatched ? "Squeeze" : "Identity", unbatched ? [name, b.ints([1])] : [name], {}, out);
    let seq = batch(b.nameOf(x));
    if (batchFirst) seq = b.node("Transpose", [seq], { perm: [1, 0, 2] });
    const finalsH: string[] = [];
    const finalsC: string[] = [];
    for (let l = 0; l < m.numLayers; l++) {
      const name = (kind: string, dir: string) => param(m, `${kind}_l${l}${dir}`);
      const w = stackDirs(
        cx,
        dirs.map((d) => reorder(cx, b.nameOf(name("weight_ih", d)!), order, H)),
      );
      const r = stackDirs(
        cx,
        dirs.map((d) => reorder(cx, b.nameOf(name("weight_hh", d)!), order, H)),
      );
      const inputs = [seq, w, r];
      if (m.bias) {
        const bias = dirs.map((d) => {
          const bi = reorder(cx, b.nameOf(name("bias_ih", d)!), order, H);
          const bh = reorder(cx, b.nameOf(name("bias_hh", d)!), order, H);
          return b.node("Concat", [bi, bh], { axis: 1 });
        });
        inputs.push(stackDirs(cx, bias));
      } else inputs.push("");
      inputs.push(""); // sequence_lens: every sequence runs the full length
      const layerState = (t: Tensor | null) =>
        t === null ? "" : b.node("Slice", [batch(b.nameOf(t)), b.ints([l * D]), b.ints([(l + 1) * D]), b.ints([0])]);
      inputs.push(layerState(h0));
      if (isLstm) inputs.push(layerState(c0));
      while (inputs.at(-1) === "") inputs.pop();
      const attrs: Record<string, any> = { hidden_size: H, direction: m.bidirectional ? "bidirectional" : "forward" };
      if (m instanceof GRU) attrs.linear_before_reset = 1;
      if (m instanceof RNN) attrs.activations = { strings: Array(D).fill(m.nonlinearity === "relu" ? "Relu" : "Tanh") };
      const outs = b.multiNode(OP.get(m.constructor)!, inputs, isLstm ? 3 : 2, attrs);
      finalsH.push(outs[1]);
      if (isLstm) finalsC.push(outs[2]);
      // Y [T, D, B, H] → [T, B, D·H], the next layer's input.
      seq = b.node("Reshape", [b.node("Transpose", [outs[0]], { perm: [0, 2, 1, 3] }), b.ints([0, 0, D * H])]);
    }
    const [output, finals] = out as [Tensor, Tensor | [Tensor, Tensor]];
    unbatch(batchFirst ? b.node("Transpose", [seq], { perm: [1, 0, 2] }) : seq, output);
    const hN = isLstm ? (finals as [Tensor, Tensor])[0] : (finals as Tensor);
    unbatch(b.node("Concat", finalsH, { axis: 0 }), hN);
    if (isLstm) unbatch(b.node("Concat", finalsC, { axis: 0 }), (finals as [Tensor, Tensor])[1]);
  },
};
