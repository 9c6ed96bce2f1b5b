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

test("layer norm's kernels take tensors on the JS heap (the fallback once wasm memory is exhausted) with the same maths", async () => {
  const { wasmBackend } = await import("../../../src/backend/wasm/index.js");
  const { HeapStorage } = await import("../../../src/backend/wasm/storage.js");
  tg.setBackend("wasm");
  try {
    const R = 5,
      C = 13;
    tg.manualSeed(3);
    const [x, w, b, g] = [tg.randn([R, C]).mul(2).add(1), tg.randn([C]), tg.randn([C]), tg.randn([R, C])];
    /** A contiguous view on the JS heap holding `t`'s values, after `pad` leading elements (a nonzero offset). */
    const onHeap = (t: tg.Tensor | number[], shape: number[], pad = 3) => {
      const values = Array.isArray(t) ? t : (Array.from(t.toFloat32Array()) as number[]);
      const s = new HeapStorage(wasmBackend, "float32", pad + values.length);
      (s.data as Float32Array).set(values, pad);
      const strides = shape.length === 2 ? [shape[1]!, 1] : [1];
      return { storage: s, offset: pad, shape, strides };
    };
    const read = (v: ReturnType<typeof onHeap>) =>
      Array.from((v.storage.data as Float32Array).subarray(v.offset, v.offset + v.shape.reduce((p, q) => p * q, 1)));
    const kernel = (name: string) =>
      wasmBackend.kernel(name as never) as unknown as (out: unknown, inputs: unknown[], params: unknown) => void;

    // The same on wasm memory, through the op's kernels.
    const stats = (await import("../../../src/ops/run-kernel.js")).runKernel("layerNormStats", [R, 2], "float32", [x], { eps: 1e-5 });
    const hStats = onHeap(Array(2 * R).fill(0), [R, 2]);
    kernel("layerNormStats")(hStats, [onHeap(x, [R, C])], { eps: 1e-5 });
    const near = (a: number[], e: number[], what: string) =>
      a.forEach((v, i) => assert.ok(Math.abs(v - e[i]!) <= 1e-6 * Math.max(1, Math.abs(e[i]!)), `${what}[${i}]: ${v} vs ${e[i]}`));
    near(read(hStats), Array.from(stats.toFloat32Array()), "stats");

    const y = F.layerNorm(x, [C], { weight: w, bias: b });
    const hy = onHeap(Array(R * C).fill(0), [R, C]);
    kernel("layerNorm")(hy, [onHeap(x, [R, C]), hStats, onHeap(w, [C]), onHeap(b, [C])], { weight: true, bias: true });
    near(read(hy), Array.from(y.toFloat32Array()), "y");

    const xr = x.clone().requiresGrad_(true),
      wr = w.clone().requiresGrad_(true),
      br = b.clone().requiresGrad_(true);
    F.layerNorm(xr, [C], { weight: wr, bias: br }).backward(g);
    const hdx = onHeap(Array(R * C).fill(0), [R, C]);
    kernel("layerNormGrad")(hdx, [onHeap(g, [R, C]), onHeap(x, [R, C]), hStats, onHeap(w, [C])], { weight: true });
    near(read(hdx), Array.from(xr.grad!.toFloat32Array()), "dx");
    const hpg = onHeap(Array(2 * C).fill(7), [2, C]);
    kernel("layerNormParamGrad")(hpg, [onHeap(g, [R, C]), onHeap(x, [R, C]), hStats], undefined);
    near(read(hpg), [...Array.from(wr.grad!.toFloat32Array()), ...Array.from(br.grad!.toFloat32Array())], "dw, db");
  } finally {
    tg.setBackend("js");
  }
});

test("fused layer norm: a strided scale and shift (every other element of a longer tensor) get their gradients", () => {
  const grads = (backend: string): number[][] => {
    tg.setBackend(backend);
    tg.manualSeed(4);
    const x = tg.randn([3, 4]);
    const wAll = tg.randn([8]).requiresGrad_(true),
      bAll = tg.randn([8]).requiresGrad_(true);
    F.layerNorm(x, [4], { weight: wAll.slice(0, 0, 8, 2), bias: bAll.slice(0, 1, 8, 2) })
      .mul(tg.randn([3, 4]))
      .sum()
      .backward();
    return [Array.from(wAll.grad!.toFloat32Array()), Array.from(bAll.grad!.toFloat32Array())];
  };
  try {
    const a = grads("wasm"),
      b = grads("js");
    // Only the elements used get a gradient: w's even ones, b's odd ones.
    assert.deepEqual(
      a.map((v) => v.map((e) => e !== 0)),
      [
        [true, false, true, false, true, false, true, false],
        [false, true, false, true, false, true, false, true],
      ],
    );
    a.forEach((v, k) => v.forEach((e, i) => assert.ok(Math.abs(e - b[k]![i]!) <= 1e-5, `${k}[${i}] ${e} vs ${b[k]![i]}`)));
  } finally {
    tg.setBackend("js");
  }
});
