// The wasm backend's fused recurrent steps (ops/primitives/recurrent-sequence.ts and recurrent-cell.ts)
// against the composed maths that backends without the optional cell kernels run: the same layer,
// weights, input and upstream gradient, once with the kernels hidden from the ops and once with them.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";
import { wasmBackend } from "../../../src/backend/wasm/index.js";

interface Case {
  mode: "LSTM" | "GRU";
  layers?: number;
  bidirectional?: boolean;
  batchFirst?: boolean;
  bias?: boolean;
  states?: boolean;
  partial?: boolean;
  first?: boolean;
  twice?: boolean;
  aborted?: boolean;
}

const CASES: Case[] = ["LSTM", "GRU"].flatMap(
  (mode) =>
    [
      { mode },
      { mode, layers: 2, bidirectional: true },
      { mode, batchFirst: true },
      { mode, bias: false },
      { mode, states: true },
      { mode, partial: true },
      { mode, first: true },
      { mode, layers: 2, bidirectional: true, first: true },
      { mode, twice: true },
      { mode, aborted: true },
    ] as Case[],
);

/** Runs case c with the fused kernels visible or hidden; returns output, final state and every gradient, flat. */
function run(c: Case, fusedOn: boolean): { values: number[][]; cellCalls: number } {
  const backend = wasmBackend as unknown as { kernel(name: string): unknown };
  const own = backend.kernel.bind(backend);
  let cellCalls = 0;
  backend.kernel = (name: string) => {
    if (!/Cell/.test(name)) return own(name);
    cellCalls++;
    return fusedOn ? own(name) : undefined;
  };
  try {
    tg.manualSeed(5);
    const opts = {
      numLayers: c.layers ?? 1,
      bidirectional: c.bidirectional ?? false,
      batchFirst: c.batchFirst ?? false,
      bias: c.bias ?? true,
    };
    const layer: nn.Module = c.mode === "LSTM" ? new nn.LSTM(3, 6, opts) : new nn.GRU(3, 6, opts);
    const D = (c.bidirectional ? 2 : 1) * (c.layers ?? 1);
    const x = tg.randn([5, 4, 3]).requiresGrad_(true);
    const h0 = tg.randn([D, 4, 6]).requiresGrad_(true),
      c0 = tg.randn([D, 4, 6]).requiresGrad_(true);
    const state = c.states ? (c.mode === "LSTM" ? [h0, c0] : h0) : undefined;
    const [out, final] = layer.forward(x, state as never) as [Tensor, Tensor | [Tensor, Tensor]];
    const last = Array.isArray(final) ? final[1] : final;
    const up = tg.randn(out.shape);
    const flat = (t: Tensor) => Array.from(t.toFloat32Array());
    const used = c.partial ? out.slice(0, 0, 2).mul(up.slice(0, 0, 2)) : out.mul(up);
    // first: only the first time step's output reaches the loss, so later steps get no gradient at all.
    const loss = c.first
      ? out
          .slice(0, 0, 1)
          .mul(up.slice(0, 0, 1))
          .sum()
      : used.sum().add(last.sum().mul(0.3));
    if (c.aborted) {
      // A pass stopped by an error after some steps' backward: the next pass must start afresh.
      const mid = out.slice(0, 2, 3);
      const hook = mid.registerHook(() => {
        throw new RangeError("stop");
      });
      const lossMid = loss.add(mid.sum());
      assert.throws(() => lossMid.backward(null, { retainGraph: true }), RangeError);
      hook.remove();
      for (const p of [x, ...layer.parameters()]) p.grad = null;
      lossMid.backward();
      const leaves = [x, ...layer.parameters()];
      return { values: [flat(out), flat(last), ...leaves.map((p) => flat(p.grad!))], cellCalls };
    }
    loss.backward(null, { retainGraph: c.twice === true });
    if (c.twice) loss.backward();
    // Another layer's step reuses the memory backward freed: what the caller holds must survive it.
    const other: nn.Module = c.mode === "LSTM" ? new nn.LSTM(3, 6, opts) : new nn.GRU(3, 6, opts);
    (other.forward(tg.randn([5, 4, 3]).requiresGrad_(true)) as [Tensor, unknown])[0].sum().backward();
    const firstState = Array.isArray(final) ? final[0] : final;
    const leaves = [x, ...layer.parameters(), ...(c.states ? (c.mode === "LSTM" ? [h0, c0] : [h0]) : [])];
    return { values: [flat(out), flat(last), flat(firstState), ...leaves.map((p) => flat(p.grad!))], cellCalls };
  } finally {
    delete (backend as { kernel?: unknown }).kernel;
  }
}

describe("fused recurrent steps equal the composed cells (wasm backend)", () => {
  for (const c of CASES) {
    it(JSON.stringify(c), () => {
      tg.setBackend("wasm");
      const composed = run(c, false),
        fused = run(c, true);
      assert.ok(fused.cellCalls > 0, "the fused path was asked for its kernels");
      assert.equal(fused.values.length, composed.values.length);
      fused.values.forEach((v, k) => {
        assert.equal(v.length, composed.values[k]!.length);
        v.forEach((a, i) =>
          assert.ok(
            Math.abs(a - composed.values[k]![i]!) <= 2e-6 + 2e-6 * Math.abs(a),
            `value ${k}[${i}]: ${a} vs ${composed.values[k]![i]}`,
          ),
        );
      });
    });
  }
});

type Layer = { forward(x: Tensor): [Tensor, Tensor | [Tensor, Tensor]] };

describe("fused recurrent layers under noGrad (wasm backend)", () => {
  // The sequence's buffers are freed as soon as no graph holds them: what the caller gets (output and
  // final states, a single step's included) must be copies that outlive other layers reusing that memory.
  for (const mode of ["LSTM", "GRU"] as const) {
    for (const T of [1, 4]) {
      it(`${mode}, ${T} step${T > 1 ? "s" : ""}: the results equal those of a recorded pass`, () => {
        tg.setBackend("wasm");
        tg.manualSeed(7);
        const make = () => (mode === "LSTM" ? new nn.LSTM(3, 5) : new nn.GRU(3, 5)) as unknown as Layer;
        const layer = make();
        const x = tg.randn([T, 2, 3]);
        const flatAll = ([out, state]: [Tensor, Tensor | [Tensor, Tensor]]) =>
          [out, ...(Array.isArray(state) ? state : [state])].map((t) => Array.from(t.toFloat32Array()));
        const recorded = flatAll(layer.forward(x));
        const held = tg.noGrad(() => layer.forward(x));
        // Other layers' sequences take the memory the evaluation freed.
        for (let i = 0; i < 3; i++) tg.noGrad(() => make().forward(tg.randn([T, 2, 3])));
        assert.deepEqual(flatAll(held), recorded);
      });
    }
  }
});
