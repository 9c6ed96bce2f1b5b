// ONNX recurrent ops (LSTM, GRU, RNN) run with tensorgrad ops, one time step at a time, so
// gradients reach the imported weights. Gate orders are ONNX's (LSTM i-o-f-c, GRU z-r-h), as the
// weights in the file are laid out.

import { linear } from "../nn/functional/linear.js";
import { stack } from "../ops/index.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OpImpl } from "./import-ops-math.js";
import { asFloat, asInts, need, type NodeCtx, type Value } from "./import-value.js";

export const RNN_OPS = new Map<string, OpImpl>();

type Inputs = readonly (Value | undefined)[];

interface Common {
  x: Tensor; // [T, B, I]
  hidden: number;
  dirs: ("forward" | "reverse")[];
  layout: number;
  w: Tensor; // [D, G·H, I]
  r: Tensor; // [D, G·H, H]
  b: Tensor | null; // [D, 2·G·H]
}

function common(cx: NodeCtx, ins: Inputs, gates: number, defaultActs: string[]): Common {
  const layout = cx.int("layout", 0);
  let x = asFloat(need(cx, ins, 0));
  if (x.ndim !== 3) cx.fail(`expected a 3-D input, got rank ${x.ndim}`);
  if (layout === 1) x = x.transpose(0, 1);
  const hidden = cx.int("hidden_size", 0);
  const direction = cx.string("direction", "forward");
  const dirs: Common["dirs"] =
    direction === "bidirectional"
      ? ["forward", "reverse"]
      : direction === "reverse"
        ? ["reverse"]
        : direction === "forward"
          ? ["forward"]
          : cx.fail(`direction "${direction}"`);
  const w = asFloat(need(cx, ins, 1));
  const r = asFloat(need(cx, ins, 2));
  const b = ins[3] ? asFloat(ins[3]) : null;
  const [T, B, I] = x.shape;
  const D = dirs.length;
  if (hidden < 1) cx.fail(`hidden_size ${hidden}`);
  const fits = (t: Tensor | null, shape: number[]) => t === null || (t.ndim === shape.length && t.shape.every((d, i) => d === shape[i]));
  if (!fits(w, [D, gates * hidden, I]) || !fits(r, [D, gates * hidden, hidden]) || !fits(b, [D, 2 * gates * hidden])) {
    cx.fail(
      `weights [${w.shape}], [${r.shape}]${b ? `, [${b.shape}]` : ""} do not fit ${D} direction(s), hidden size ${hidden} and input size ${I}`,
    );
  }
  if (ins[4] !== undefined) {
    const lens = asInts(cx, ins[4], "sequence_lens");
    if (lens.some((l) => l !== T)) cx.unsupported("sequence_lens shorter than the input");
  }
  for (const i of [5, 6]) {
    let s = ins[i] ? asFloat(ins[i]!) : null;
    if (s && layout === 1) s = s.transpose(0, 1);
    if (!fits(s, [D, B, hidden])) cx.fail(`initial state [${s!.shape}] does not fit [${D}, ${B}, ${hidden}]`);
  }
  const acts = cx.node.attributes.get("activations")?.strings;
  if (acts && acts.some((a, i) => a.toLowerCase() !== defaultActs[i % defaultActs.length].toLowerCase()))
    cx.unsupported(`activations ${acts.join(", ")}`);
  if (cx.has("clip")) cx.unsupported("clip");
  return { x, hidden, dirs, layout, w, r, b };
}

/** Direction `d`'s slice of a [D, ...] weight. */
const dir = (t: Tensor, d: number): Tensor => t.slice(0, d, d + 1).squeeze(0);
/** Gate `k` of `n`-wide chunks along the last dim. */
const gate = (t: Tensor, k: number, n: number): Tensor => t.slice(t.ndim - 1, k * n, (k + 1) * n);

/**
 * Runs each direction over time with `step(d, t, state)` (state[0] is the hidden state) and
 * assembles ONNX's outputs: Y [T, D, B, H] and the final states.
 */
function run(
  c: Common,
  init: (d: number) => Tensor[],
  step: (d: number, t: number, state: Tensor[]) => Tensor[],
): { y: Tensor; finals: Tensor[][] } {
  const T = c.x.shape[0];
  const ys: Tensor[] = [];
  const finals: Tensor[][] = [];
  c.dirs.forEach((direction, d) => {
    let state = init(d);
    const hs: Tensor[] = new Array(T);
    for (let s = 0; s < T; s++) {
      const t = direction === "forward" ? s : T - 1 - s;
      state = step(d, t, state);
      hs[t] = state[0];
    }
    ys.push(stack(hs, 0));
    finals.push(state);
  });
  return { y: stack(ys, 1), finals };
}

function outputs(c: Common, y: Tensor, finals: Tensor[][]): Tensor[] {
  const states = finals[0].map((_, k) =>
    stack(
      finals.map((f) => f[k]),
      0,
    ),
  ); // [D, B, H] each
  if (c.layout === 1) return [y.permute([2, 0, 1, 3]), ...states.map((s) => s.transpose(0, 1))];
  return [y, ...states];
}

/** Direction `d`'s initial state from input `i`, or zeros. */
function initialState(c: Common, ins: Inputs, i: number, d: number): Tensor {
  const v = ins[i];
  if (v === undefined) return zeros([c.x.shape[1], c.hidden]);
  let t = asFloat(v);
  if (c.layout === 1) t = t.transpose(0, 1);
  return dir(t, d);
}

/**
 * X·Wᵀ + Wb for every time step at once ([T, B, G·H]), plus the recurrent bias Rb when
 * `withRecurrentBias` — in the order tensorgrad's own recurrent layers compute it, so a model
 * exported by tensorgrad comes back bit for bit.
 */
function inputProjection(c: Common, d: number, gates: number, withRecurrentBias: boolean): Tensor {
  const b = c.b ? dir(c.b, d) : null;
  const p = linear(c.x, dir(c.w, d), b ? gate(b, 0, gates * c.hidden) : null);
  return b && withRecurrentBias ? p.add(gate(b, 1, gates * c.hidden)) : p;
}

const at = (p: Tensor, t: number): Tensor => p.slice(0, t, t + 1).squeeze(0);

RNN_OPS.set("LSTM", (cx, ins) => {
  const c = common(cx, ins, 4, ["Sigmoid", "Tanh", "Tanh"]);
  if (ins[7] !== undefined) cx.unsupported("peephole weights (P)");
  if (cx.int("input_forget", 0) !== 0) cx.unsupported("input_forget=1");
  const H = c.hidden;
  const proj = c.dirs.map((_, d) => inputProjection(c, d, 4, true));
  const rt = c.dirs.map((_, d) => dir(c.r, d).transpose(0, 1));
  const { y, finals } = run(
    c,
    (d) => [initialState(c, ins, 5, d), initialState(c, ins, 6, d)],
    (d, t, [h, cell]) => {
      const g = at(proj[d], t).add(h.matmul(rt[d]));
      const i = gate(g, 0, H).sigmoid(),
        o = gate(g, 1, H).sigmoid(),
        f = gate(g, 2, H).sigmoid(),
        cand = gate(g, 3, H).tanh();
      const next = f.mul(cell).add(i.mul(cand));
      return [o.mul(next.tanh()), next];
    },
  );
  return outputs(c, y, finals);
});

RNN_OPS.set("GRU", (cx, ins) => {
  const c = common(cx, ins, 3, ["Sigmoid", "Tanh"]);
  const H = c.hidden;
  const beforeReset = cx.int("linear_before_reset", 0) === 1;
  const proj = c.dirs.map((_, d) => inputProjection(c, d, 3, false));
  const rt = c.dirs.map((_, d) => dir(c.r, d).transpose(0, 1));
  const rb = c.dirs.map((_, d) => (c.b ? gate(dir(c.b, d), 1, 3 * H) : null));
  const { y, finals } = run(
    c,
    (d) => [initialState(c, ins, 5, d)],
    (d, t, [h]) => {
      const xp = at(proj[d], t);
      const rh = rb[d] ? h.matmul(rt[d]).add(rb[d]!) : h.matmul(rt[d]); // H·Rᵀ + Rb, all three gates
      const z = gate(xp, 0, H)
        .add(gate(rh, 0, H))
        .sigmoid();
      const r = gate(xp, 1, H)
        .add(gate(rh, 1, H))
        .sigmoid();
      let cand: Tensor;
      if (beforeReset)
        cand = gate(xp, 2, H)
          .add(r.mul(gate(rh, 2, H)))
          .tanh();
      else {
        const rhRec = r.mul(h).matmul(gate(rt[d], 2, H));
        cand = gate(xp, 2, H)
          .add(rhRec)
          .add(rb[d] ? gate(rb[d]!, 2, H) : 0)
          .tanh();
      }
      // (1 - z)·n + z·h, written n + z·(h - n) as tensorgrad's GRU computes it.
      return [cand.add(z.mul(h.sub(cand)))];
    },
  );
  return outputs(c, y, finals);
});

RNN_OPS.set("RNN", (cx, ins) => {
  const acts = cx.node.attributes.get("activations")?.strings;
  const relu = acts !== undefined && acts.every((a) => a.toLowerCase() === "relu");
  const c = common(cx, ins, 1, [relu ? "Relu" : "Tanh"]);
  const proj = c.dirs.map((_, d) => inputProjection(c, d, 1, true));
  const rt = c.dirs.map((_, d) => dir(c.r, d).transpose(0, 1));
  const { y, finals } = run(
    c,
    (d) => [initialState(c, ins, 5, d)],
    (d, t, [h]) => {
      const pre = at(proj[d], t).add(h.matmul(rt[d]));
      return [relu ? pre.relu() : pre.tanh()];
    },
  );
  return outputs(c, y, finals);
});
