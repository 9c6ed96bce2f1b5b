// The op table (op-table.json) run against PyTorch reference values (fixtures/ops.json, made by
// fixtures/gen_ops.py) and through gradcheck, on every registered backend. Non-finite numbers come
// as the strings "Infinity", "-Infinity" and "NaN" (JSON has no literal for them).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { Tensor } from "tensorgrad";
import { assertClose } from "../helpers/assert.js";

type Input = { shape?: number[]; dtype?: string; values?: number[]; noncontig?: boolean; number?: number };
type Case = {
  id: string; op: string; args: Record<string, any>;
  inputs: Input[];
  output: { shape: number[]; dtype: string; values: number[] };
  gradOutput: number[] | null;
  grads: (number[] | null)[];
  /** false where inputs are infinite: finite differences cannot step off them. */
  gradcheck?: boolean;
};

const NON_FINITE = new Set(["Infinity", "-Infinity", "NaN"]);
const fixtures: { cases: Case[] } = JSON.parse(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8"),
  (_key, value) => (NON_FINITE.has(value) ? Number(value) : value));

type Arg = Tensor | number;
const T = (a: Arg) => a as Tensor;
/** How each op of the table is called in tensorgrad. */
export const OPS: Record<string, (xs: Arg[], a: Record<string, any>) => Tensor> = {
  neg: ([x]) => T(x).neg(), exp: ([x]) => T(x).exp(), log: ([x]) => T(x).log(), sqrt: ([x]) => T(x).sqrt(),
  abs: ([x]) => T(x).abs(), sin: ([x]) => T(x).sin(), cos: ([x]) => T(x).cos(), tanh: ([x]) => T(x).tanh(),
  sigmoid: ([x]) => T(x).sigmoid(), relu: ([x]) => T(x).relu(),
  leakyRelu: ([x], a) => T(x).leakyRelu(a.slope), gelu: ([x], a) => T(x).gelu({ approximate: a.approximate }),
  elu: ([x], a) => T(x).elu(a.alpha), softplus: ([x]) => T(x).softplus(), silu: ([x]) => T(x).silu(),
  clamp: ([x], a) => T(x).clamp(a.min, a.max),
  add: ([x, y]) => tg.add(x, y), sub: ([x, y]) => tg.sub(x, y), mul: ([x, y]) => tg.mul(x, y),
  div: ([x, y]) => tg.div(x, y), pow: ([x, y]) => tg.pow(x, y), maximum: ([x, y]) => tg.maximum(x, y),
  minimum: ([x, y]) => tg.minimum(x, y), eq: ([x, y]) => tg.eq(x, y), gt: ([x, y]) => tg.gt(x, y), lt: ([x, y]) => tg.lt(x, y),
  sum: ([x], a) => T(x).sum(a.dim, a.keepdim), mean: ([x], a) => T(x).mean(a.dim, a.keepdim),
  max: ([x], a) => T(x).max(a.dim, a.keepdim), min: ([x], a) => T(x).min(a.dim, a.keepdim),
  argmax: ([x], a) => T(x).argmax(a.dim, a.keepdim), logsumexp: ([x], a) => T(x).logsumexp(a.dim, a.keepdim),
  var: ([x], a) => T(x).var(a.dim, a.keepdim), std: ([x], a) => T(x).std(a.dim, a.keepdim),
  matmul: ([x, y]) => T(x).matmul(T(y)),
  reshape: ([x], a) => T(x).reshape(a.shape), flatten: ([x], a) => T(x).flatten(a.startDim, a.endDim),
  squeeze: ([x], a) => T(x).squeeze(a.dim), unsqueeze: ([x], a) => T(x).unsqueeze(a.dim),
  transpose: ([x], a) => T(x).transpose(a.dim0, a.dim1), permute: ([x], a) => T(x).permute(a.dims),
  T: ([x]) => T(x).T, expand: ([x], a) => T(x).expand(a.shape),
  slice: ([x], a) => T(x).slice(a.dim, a.start, a.end, a.step),
  cat: (xs, a) => tg.cat(xs as Tensor[], a.dim), stack: (xs, a) => tg.stack(xs as Tensor[], a.dim),
  where: ([c, x, y]) => tg.where(T(c), x, y), gather: ([x, i], a) => T(x).gather(a.dim, T(i)),
  softmax: ([x], a) => T(x).softmax(a.dim), logSoftmax: ([x], a) => T(x).logSoftmax(a.dim),
  dropout: ([x], a) => T(x).dropout(a.p, a.training), clone: ([x]) => T(x).clone(),
  linear: ([x, w, b]) => tg.nn.functional.linear(T(x), T(w), b === undefined ? null : T(b)),
};

/** Builds a fixture input; float tensors require grad unless they are `where`'s condition. */
function build(inp: Input, wantGrad: boolean): Arg {
  if (inp.number !== undefined) return inp.number;
  const dtype = inp.dtype === "int32" || inp.dtype === "float64" ? inp.dtype : "float32";
  let t = tg.tensor(Float64Array.from(inp.values!), { shape: inp.shape!, dtype });
  if (inp.noncontig) t = t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (wantGrad && dtype !== "int32") t.requiresGrad = true;
  return t;
}

describe("op table vs PyTorch", () => {
  it("covers every op in the table", () => {
    const table = JSON.parse(readFileSync(new URL("./op-table.json", import.meta.url), "utf8"));
    assert.equal(fixtures.cases.length, table.cases.length);
    for (const c of table.cases) assert.ok(OPS[c.op], `no tensorgrad mapping for op ${c.op}`);
  });
  for (const backend of tg.listBackends()) {
    describe(`backend ${backend}`, () => {
      for (const c of fixtures.cases) {
        it(c.id, () => {
          tg.setBackend(backend);
          try {
            const differentiable = c.gradOutput !== null;
            const inputs = c.inputs.map((inp, k) => build(inp, differentiable && !(c.op === "where" && k === 0)));
            const out = OPS[c.op](inputs, c.args);
            assert.deepEqual([...out.shape], c.output.shape, "output shape");
            assert.equal(out.dtype, c.output.dtype, "output dtype");
            // float64 cases are held to float64 accuracy, not float32's.
            const tol = c.output.dtype === "float64" ? { rtol: 1e-10, atol: 1e-12 } : {};
            assertClose(out.toTypedArray(), c.output.values, { ...tol, what: `${c.id} output` });
            if (!differentiable) {
              assert.equal(out.requiresGrad, false, "non-differentiable output must not require grad");
              return;
            }
            out.backward(tg.tensor(c.gradOutput!, { shape: c.output.shape, dtype: out.dtype }));
            c.grads.forEach((g, k) => {
              if (g === null) return;
              const x = inputs[k] as Tensor;
              assert.ok(x.grad, `input ${k} received no gradient`);
              assert.deepEqual([...x.grad!.shape], [...x.shape], `input ${k} grad shape`);
              assertClose(x.grad!.toTypedArray(), g, { ...tol, what: `${c.id} grad of input ${k}` });
            });
          } finally {
            tg.setBackend("js");
          }
        });
      }
    });
  }
});

describe("op table gradcheck (float64 central differences)", () => {
  for (const c of fixtures.cases) {
    if (c.gradOutput === null || c.gradcheck === false) continue;
    it(c.id, () => {
      const inputs = c.inputs.map((inp, k) => build(inp, !(c.op === "where" && k === 0)));
      const tensors = inputs.filter((x): x is Tensor => x instanceof Tensor);
      const fn = (...ts: Tensor[]) => {
        let at = 0;
        return OPS[c.op](inputs.map((x) => (x instanceof Tensor ? ts[at++] : x)), c.args);
      };
      assert.equal(tg.gradcheck(fn, tensors), true);
    });
  }
});
