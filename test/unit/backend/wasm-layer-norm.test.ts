// Layer norm on the wasm backend runs fused (ops/primitives/layer-norm.ts): its values and gradients
// are the composed maths' (the js backend's) to float32 rounding, second derivatives still work, and
// the composed path stays where the kernels do not apply (float64, ONNX export's trace).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { calls } from "../../helpers/wasm.js";

const F = tg.nn.functional;

/** y, dx, dw and db (null where absent) of layerNorm over the last `k` dims of `shape`, seeded. */
function run(
  backend: string,
  shape: number[],
  k: number,
  affine: { weight: boolean; bias: boolean },
  dtype: "float32" | "float64" = "float32",
) {
  tg.setBackend(backend);
  tg.manualSeed(5);
  const norm = shape.slice(shape.length - k);
  const x = tg.randn(shape, { dtype }).mul(3).add(1).requiresGrad_(true);
  const w = affine.weight ? tg.randn(norm, { dtype }).requiresGrad_(true) : null;
  const b = affine.bias ? tg.randn(norm, { dtype }).requiresGrad_(true) : null;
  const g = tg.randn(shape, { dtype });
  const y = F.layerNorm(x, norm, { weight: w, bias: b, eps: 1e-5 });
  y.backward(g);
  return [y, x.grad, w?.grad ?? null, b?.grad ?? null].map((t) =>
    t === null ? null : { shape: [...t.shape], values: Array.from(t.toFloat32Array()) },
  );
}

function close(a: ReturnType<typeof run>, b: ReturnType<typeof run>, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((u, k) => {
    const v = b[k]!;
    if (u === null || v === null) return assert.equal(u, v, `${what}: part ${k}`);
    assert.deepEqual(u.shape, v.shape);
    const scale = Math.max(1, ...u.values.map(Math.abs));
    u.values.forEach((e, i) => assert.ok(Math.abs(e - v.values[i]!) <= 2e-6 * scale, `${what}: part ${k}[${i}] ${e} vs ${v.values[i]}`));
  });
}

test("fused layer norm: values and gradients equal the composed maths' to float32 rounding", () => {
  try {
    for (const [shape, k] of [
      [[4, 7], 1],
      [[3, 5, 128], 1],
      [[1, 1], 1],
      [[2, 3, 10, 10], 2],
      [[64, 130], 1],
    ] as [number[], number][]) {
      for (const weight of [false, true])
        for (const bias of [false, true])
          close(run("wasm", shape, k, { weight, bias }), run("js", shape, k, { weight, bias }), `${shape} ${weight} ${bias}`);
    }
  } finally {
    tg.setBackend("js");
  }
});

test("fused layer norm: a constant row normalizes to 0 (its variance is 0) with the shift alone", () => {
  tg.setBackend("wasm");
  try {
    const y = F.layerNorm(tg.full([2, 5], 3), [5], { bias: tg.tensor([1, 2, 3, 4, 5]) });
    assert.deepEqual(y.toArray(), [
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
  } finally {
    tg.setBackend("js");
  }
});

test("the wasm backend runs layer norm as two kernels forward and two backward; float64 runs the composed maths", () => {
  tg.setBackend("wasm");
  try {
    const ln = new tg.nn.LayerNorm(16);
    const x = tg.randn([8, 16]).requiresGrad_(true);
    let y!: tg.Tensor;
    assert.deepEqual([calls("layerNormStats", () => (y = ln.forward(x))), calls("layerNorm", () => ln.forward(x))], [1, 1]);
    assert.deepEqual(
      [calls("layerNormGrad", () => y.sum().backward()), calls("reduceRows", () => ln.forward(x).sum().backward())],
      [1, 1], // the only row reduction left is the loss's sum
    );
    const x64 = tg.randn([8, 16], { dtype: "float64" });
    assert.equal(
      calls("layerNormStats", () => F.layerNorm(x64, [16])),
      0,
    );
  } finally {
    tg.setBackend("js");
  }
});

test("fused layer norm differentiates twice (createGraph): the same second derivatives as the composed maths", () => {
  const second = (backend: string): number[][] => {
    tg.setBackend(backend);
    tg.manualSeed(9);
    const x = tg.randn([3, 6]).requiresGrad_(true);
    const w = tg.randn([6]).requiresGrad_(true);
    const y = F.layerNorm(x, [6], { weight: w });
    const [gx] = tg.autograd.grad([y.mul(y).sum()], [x], { createGraph: true });
    gx!.pow(2).sum().backward();
    return [Array.from(x.grad!.toFloat32Array()), Array.from(w.grad!.toFloat32Array())];
  };
  try {
    const a = second("wasm"),
      b = second("js");
    a.forEach((v, k) =>
      v.forEach((e, i) => assert.ok(Math.abs(e - b[k]![i]!) <= 1e-4 * Math.max(1, Math.abs(b[k]![i]!)), `${k}[${i}] ${e} vs ${b[k]![i]}`)),
    );
  } finally {
    tg.setBackend("js");
  }
});
