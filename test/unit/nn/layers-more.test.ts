// The layers added after nn.json against PyTorch (fixtures/layers.json, made by
// fixtures/gen_layers.py): torch's state dict loaded into ours, the forward from one or more inputs,
// every input's and parameter's gradient under random upstream gradients, and the repr; on every
// backend.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, type Tensor } from "tensorgrad";
import { assertTensorClose } from "../../helpers/assert.js";
import { stateOf, toTensor, type LayerDesc, type TensorRecord } from "./nn-fixtures.js";

interface Case {
  id: string;
  desc: LayerDesc;
  call: "plain" | "hc" | "decoder";
  state: Record<string, TensorRecord>;
  repr: string;
  inputs: TensorRecord[];
  forwardOpts: Record<string, TensorRecord | string>;
  outputs: TensorRecord[];
  gradOutputs: TensorRecord[];
  inputGrads: (TensorRecord | null)[];
  paramGrads: Record<string, TensorRecord>;
}

const cases: Case[] = JSON.parse(readFileSync(new URL("../../fixtures/layers.json", import.meta.url), "utf8")).layers;
const tol = { rtol: 1e-4, atol: 3e-5 };

/** new nn[layer](...args, opts?), with descs nested in args and options built too. */
function build(desc: LayerDesc): nn.Module {
  const isDesc = (v: unknown): v is LayerDesc => typeof v === "object" && v !== null && "layer" in v;
  const Cls = (nn as unknown as Record<string, new (...args: unknown[]) => nn.Module>)[desc.layer];
  if (!Cls) throw new Error(`no nn.${desc.layer}`);
  const args = desc.args.map((a) => (isDesc(a) ? build(a) : a));
  const opts = desc.opts ? Object.fromEntries(Object.entries(desc.opts).map(([k, v]) => [k, isDesc(v) ? build(v) : v])) : undefined;
  // Layers whose only argument is an options object take it first.
  return new Cls(...args, ...(opts ? [opts] : []));
}

function forwardOptions(c: Case): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(c.forwardOpts).map(([k, v]) => {
      if (typeof v === "string") return [k, nn.generateSquareSubsequentMask(Number(v.split(":")[1]))];
      return [k, toTensor(v)];
    }),
  );
}

function flatten(out: unknown): Tensor[] {
  return out instanceof tg.Tensor ? [out] : (out as unknown[]).flatMap(flatten);
}

for (const backend of tg.listBackends()) {
  describe(`added layers match PyTorch (${backend})`, () => {
    for (const c of cases) {
      it(c.id, () => {
        const prev = tg.getBackend().name;
        tg.setBackend(backend);
        try {
          const layer = build(c.desc);
          layer.loadStateDict(stateOf(c.state));
          if (!c.repr.includes("NonDynamicallyQuantizableLinear")) assert.equal(layer.toString(), c.repr);
          const xs = c.inputs.map((r) => toTensor(r, { requiresGrad: true }));
          const f = layer as unknown as { forward(...a: unknown[]): unknown };
          const out =
            c.call === "hc"
              ? f.forward(xs[0], [xs[1], xs[2]])
              : c.call === "decoder"
                ? f.forward(xs[0], xs[1], forwardOptions(c))
                : f.forward(...xs);
          const outs = flatten(out);
          assert.equal(outs.length, c.outputs.length, "number of outputs");
          outs.forEach((o, i) => assertTensorClose(o, c.outputs[i].values, c.outputs[i].shape, { ...tol, what: `${c.id} output ${i}` }));
          tg.autograd.backward(outs, { gradTensors: c.gradOutputs.map((g) => toTensor(g)) });
          c.inputGrads.forEach((g, i) => {
            if (g) assertTensorClose(xs[i].grad!, g.values, g.shape, { ...tol, what: `${c.id} grad of input ${i}` });
          });
          const grads = Object.fromEntries(layer.namedParameters().map(([k, p]) => [k, p.grad]));
          assert.deepEqual(Object.keys(grads).sort(), Object.keys(c.paramGrads).sort(), `${c.id}: parameters with gradients`);
          for (const [k, rec] of Object.entries(c.paramGrads)) {
            assertTensorClose(grads[k]!, rec.values, rec.shape, { ...tol, what: `${c.id} grad of ${k}` });
          }
        } finally {
          tg.setBackend(prev);
        }
      });
    }
  });
}

describe("added layers: typed errors and defaults", () => {
  const err = (cls: Function, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);
  it("reject bad construction and bad inputs, naming the layer", () => {
    assert.throws(() => new nn.GroupNorm(3, 4), err(tg.ValueError, /numChannels 4 must be divisible by numGroups 3/));
    assert.throws(
      () => new nn.GroupNorm(2, 4).forward(tg.ones([2, 6, 3])),
      err(tg.ShapeError, /GroupNorm\(2, 4\): expected input \[N, 4, \.\.\.\], got \[2, 6, 3\]/),
    );
    assert.throws(
      () => nn.functional.groupNorm(tg.ones([2, 6, 3]), 4),
      err(tg.ValueError, /groupNorm: numGroups must be a positive integer dividing the 6 channels/),
    );
    const up = new nn.ConvTranspose2d(3, 2, 2);
    assert.throws(
      () => up.forward(tg.ones([1, 4, 5, 5])),
      err(tg.ShapeError, /ConvTranspose2d\(3 → 2, kernel 2×2\): expected input \[N, 3, H, W\]/),
    );
    assert.throws(
      () => new nn.ConvTranspose2d(3, 2, 2, { stride: 2, outputPadding: 2 }).forward(tg.ones([1, 3, 2, 2])),
      err(tg.ValueError, /outputPadding 2 must be smaller than the stride 2/),
    );
    assert.throws(
      () => new nn.LSTMCell(3, 4).forward(tg.ones([2, 3]), [tg.ones([2, 5]), tg.ones([2, 4])]),
      err(tg.ShapeError, /LSTMCell: expected h \[2, 4\], got \[2, 5\]/),
    );
    assert.throws(() => new nn.GRUCell(3, 4).forward(tg.ones([2, 2])), err(tg.ShapeError, /GRUCell\(3, 4\): expected input \[N, 3\]/));
    assert.throws(
      () => new nn.RNNCell(3, 4, { nonlinearity: "sigmoid" as any }),
      err(tg.ValueError, /nonlinearity must be "tanh" or "relu"/),
    );
    assert.throws(
      () => new nn.Unflatten(1, [4, 4]).forward(tg.ones([2, 6])),
      err(tg.ShapeError, /dim 1 of \[2, 6\] \(size 6\) cannot be split into \(4, 4\)/),
    );
    assert.throws(
      () => new nn.TransformerDecoderLayer(8, 2).forward(tg.ones([3, 2, 8]), tg.ones([3, 2, 6])),
      err(tg.ShapeError, /expected memory \[L, N, 8\]/),
    );
    assert.throws(() => new nn.Upsample({ size: 4, scale: 2 } as any), err(tg.ValueError, /Upsample: unknown option "scale"/));
    assert.throws(() => new nn.ZeroPad2d([1, 2, 3]), err(tg.ValueError, /ZeroPad2d: padding must be an integer or 4 integers/));
    assert.throws(
      () => new nn.InstanceNorm2d(3, { trackRunningStats: true }),
      err(tg.ValueError, /InstanceNorm2d: trackRunningStats is not supported yet/),
    );
    assert.throws(
      () => new nn.InstanceNorm1d(3).forward(tg.ones([2, 4, 5])),
      err(tg.ShapeError, /InstanceNorm1d\(3\): expected input \[N, 3, L\]/),
    );
    assert.throws(
      () => new nn.Transformer(8, 2, { dimFeedforward: 16 }).forward(tg.ones([4, 2, 8]), tg.ones([3, 3, 8])),
      err(tg.ShapeError, /batch size of src \[4, 2, 8\] and tgt \[3, 3, 8\] must be equal/),
    );
  });

  it("state-dict keys and defaults are torch's", () => {
    assert.deepEqual(Object.keys(new nn.LSTMCell(3, 4).stateDict()), ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]);
    assert.deepEqual(new nn.ConvTranspose2d(4, 6, 3, { groups: 2 }).weight.shape, [4, 3, 3, 3]);
    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }), 2);
    const keys = Object.keys(dec.stateDict());
    assert.equal(keys.length, 2 * 18);
    assert.deepEqual(keys.slice(0, 5), [
      "layers.0.self_attn.in_proj_weight",
      "layers.0.self_attn.in_proj_bias",
      "layers.0.self_attn.out_proj.weight",
      "layers.0.self_attn.out_proj.bias",
      "layers.0.multihead_attn.in_proj_weight",
    ]);
    // nn.Transformer: encoder and decoder stacks with final norms; weight matrices Xavier-uniform.
    const t = new nn.Transformer(16, 4, { numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 32 });
    const tkeys = Object.keys(t.stateDict());
    assert.equal(tkeys.length, 12 + 2 + 18 + 2);
    assert.ok(tkeys.includes("encoder.norm.weight") && tkeys.includes("decoder.layers.0.multihead_attn.in_proj_weight"));
    const w = t.encoder.layers[0].linear1.weight; // [32, 16]: bound √(6/48)
    const bound = Math.sqrt(6 / 48);
    assert.ok((w.abs().max().item() as number) <= bound && (w.abs().max().item() as number) > 0.8 * bound);
    // Every cell parameter starts in U(-1/√H, 1/√H).
    for (const p of new nn.GRUCell(5, 16).parameters()) assert.ok((p.abs().max().item() as number) <= 0.25);
  });
});
