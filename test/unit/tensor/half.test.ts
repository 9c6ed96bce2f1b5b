// float16 and bfloat16 against PyTorch (fixtures/half.json, made by gen_half.py): the exact bit
// patterns of casts from float32 and float64 and of tensor(list, { dtype }) for rounding edge cases
// (ties to even, subnormals, underflow, overflow to inf, NaN, double rounding), 16-bit to 16-bit
// casts, safetensors bytes, the dtype rules of views, arithmetic, gradients and in-place ops; on the
// reference and wasm backends (WebGPU in test/webgpu/half.test.ts).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { DTypeError, io, nn, type Tensor } from "tensorgrad";

type Num = number | "nan" | "inf" | "-inf";
const fx: {
  values: Num[];
  float32Values: Num[];
  fromFloat32: Record<"float16" | "bfloat16", number[]>;
  fromFloat64: Record<"float16" | "bfloat16", number[]>;
  fromList: Record<"float16" | "bfloat16", number[]>;
  float16ToBfloat16: number[];
  bfloat16ToFloat16: number[];
  arith: { a: number[]; b: number[]; sumFloat32: number[]; sumTorchDtype: string; sumHalfBits: number[]; mulFloat32: number[] };
} = JSON.parse(readFileSync(new URL("../../fixtures/half.json", import.meta.url), "utf8"));

const num = (v: Num): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);

/** The value of 16-bit pattern `b` of `dtype`, decoded here independently of the library. */
function valueOf(dtype: "float16" | "bfloat16", b: number): number {
  if (dtype === "bfloat16") return new Float32Array(new Uint32Array([b << 16]).buffer)[0];
  const sign = b & 0x8000 ? -1 : 1,
    exp = (b >> 10) & 0x1f,
    frac = b & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Each element of `t` is exactly the value of torch's bit pattern (NaN as NaN, -0 as -0). */
function expectBits(t: Tensor, dtype: "float16" | "bfloat16", bits: number[], what: string): void {
  assert.equal(t.dtype, dtype, `${what}: dtype`);
  const got = Array.from(t.toTypedArray());
  assert.equal(got.length, bits.length);
  got.forEach((v, i) => {
    const want = valueOf(dtype, bits[i]);
    assert.ok(
      Object.is(v, want) || (Number.isNaN(v) && Number.isNaN(want)),
      `${what}[${i}] (${fx.values[i]}): got ${v}, torch 0x${bits[i].toString(16)} = ${want}`,
    );
  });
}

/** The 16-bit patterns saveSafetensors writes for `t` (its data section). */
function savedBits(t: Tensor): number[] {
  const bytes = io.saveSafetensors({ t });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  assert.equal(header.t.dtype, t.dtype === "float16" ? "F16" : "BF16");
  const view = new DataView(bytes.buffer, 8 + headerLen);
  return Array.from({ length: t.size }, (_, i) => view.getUint16(2 * i, true));
}

for (const backend of ["js", "wasm"]) {
  describe(`float16 / bfloat16 on the ${backend} backend`, () => {
    const initial = tg.getBackend().name;
    before(() => tg.setBackend(backend));
    after(() => tg.setBackend(initial));
    const values = fx.values.map(num);

    for (const dtype of ["float16", "bfloat16"] as const) {
      it(`${dtype}: casts from float32 give torch's bits`, () => {
        const src = tg.tensor(values);
        expectBits(src.to(dtype), dtype, fx.fromFloat32[dtype], "to");
        expectBits(dtype === "float16" ? src.half() : src.bfloat16(), dtype, fx.fromFloat32[dtype], "method");
      });
      it(`${dtype}: casts from float64 round to float32 first, as torch`, () => {
        expectBits(tg.tensor(values, { dtype: "float64" }).to(dtype), dtype, fx.fromFloat64[dtype], "from float64");
      });
      it(`${dtype}: tensor(list, { dtype }) and a typed array give torch.tensor(list, dtype)'s bits`, () => {
        expectBits(tg.tensor(values, { dtype }), dtype, fx.fromList[dtype], "tensor(list)");
        expectBits(tg.tensor(Float64Array.from(values), { dtype }), dtype, fx.fromList[dtype], "tensor(Float64Array)");
      });
      it(`${dtype}: saveSafetensors writes torch's bit patterns and loadSafetensors keeps the dtype`, () => {
        const t = tg.tensor(values).to(dtype);
        const bits = savedBits(t);
        // NaN is written as torch's canonical NaN; every other pattern is exactly torch's.
        bits.forEach((b, i) => assert.equal(b, fx.fromFloat32[dtype][i], `element ${i} (${fx.values[i]})`));
        const back = io.loadSafetensors(io.saveSafetensors({ t })).tensors.t;
        expectBits(back, dtype, fx.fromFloat32[dtype], "loaded");
      });
    }

    it("float16 → bfloat16 and back go through float32, as torch", () => {
      const src = tg.tensor(values);
      expectBits(src.half().bfloat16(), "bfloat16", fx.float16ToBfloat16, "f16→bf16");
      expectBits(src.bfloat16().half(), "float16", fx.bfloat16ToFloat16, "bf16→f16");
      expectBits(src.half().float().half(), "float16", fx.fromFloat32.float16, "f16→f32→f16 is exact");
      assert.equal(src.half().float().dtype, "float32");
      assert.equal(src.half().double().dtype, "float64");
    });

    it("views keep the dtype; copies (contiguous, clone, zerosLike) too; arithmetic returns float32", () => {
      const a = tg.tensor(
        fx.arith.a.map((b) => valueOf("float16", b)),
        { dtype: "float16" },
      );
      const b = tg.tensor(
        fx.arith.b.map((x) => valueOf("float16", x)),
        { dtype: "float16" },
      );
      assert.deepEqual(
        [a.reshape([2, 2]).dtype, a.reshape([2, 2]).T.dtype, a.slice(0, 1, 3).dtype, a.detach().dtype],
        ["float16", "float16", "float16", "float16"],
      );
      assert.deepEqual(
        [a.reshape([2, 2]).T.contiguous().dtype, a.clone().dtype, a.zerosLike().dtype, tg.zeros([2], { dtype: "bfloat16" }).dtype],
        ["float16", "float16", "float16", "bfloat16"],
      );
      // torch returns float16 (each result rounded); tensorgrad returns the float32 result (documented).
      assert.equal(fx.arith.sumTorchDtype, "torch.float16");
      const sum = a.add(b);
      assert.equal(sum.dtype, "float32");
      assert.deepEqual(Array.from(sum.toTypedArray()), fx.arith.sumFloat32.map(Math.fround));
      expectBits(sum.half(), "float16", fx.arith.sumHalfBits, "a + b rounded to float16 equals torch's a + b");
      assert.deepEqual(Array.from(a.mul(b).toTypedArray()), fx.arith.mulFloat32.map(Math.fround));
      assert.equal(a.add(1.5).dtype, "float32");
      assert.equal(a.add(tg.tensor([1, 2, 3, 4], { dtype: "float64" })).dtype, "float64");
    });

    it("a float16 leaf's gradient is float16 (rounded), accumulated in float16 as torch", () => {
      const w = tg.tensor([0.1, 1.7, -3.3], { dtype: "float16", requiresGrad: true });
      w.mul(w).sum().add(w.mul(3).sum()).backward();
      assert.equal(w.grad!.dtype, "float16");
      const wv = Array.from(w.toTypedArray());
      // 2w + 3, each contribution a float16 value, summed and rounded to float16.
      const f16 = (v: number) => tg.tensor([v]).half().item();
      assert.deepEqual(
        Array.from(w.grad!.toTypedArray()),
        wv.map((v) => f16(f16(2 * v) + 3)),
      );
    });

    it("in-place ops on a float16/bfloat16 tensor round the written values", () => {
      const t = tg.zeros([3], { dtype: "bfloat16" });
      t.add_(tg.tensor([1 + 2 ** -9, 0.1, 3]));
      assert.equal(t.dtype, "bfloat16");
      assert.deepEqual(Array.from(t.toTypedArray()), [1, tg.tensor([0.1]).bfloat16().item(), 3]);
      t.fill_(65537);
      assert.deepEqual(Array.from(t.toTypedArray()), [65536, 65536, 65536]);
      const h = tg.zeros([2], { dtype: "float16" });
      h.copy_(tg.tensor([70000, 1e-8]));
      assert.deepEqual(Array.from(h.toTypedArray()), [Infinity, 0]);
    });

    it("module.half() / bfloat16() / float() convert floating parameters and buffers; a half model's forward gives float32", () => {
      tg.manualSeed(1);
      const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
      const ref = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.dtype === "int32" ? v : v.half()]));
      m.half();
      const sd = m.stateDict();
      for (const [k, v] of Object.entries(sd)) {
        assert.equal(v.dtype, ref[k].dtype, k);
        assert.deepEqual(Array.from(v.toTypedArray()), Array.from(ref[k].toTypedArray()), k);
      }
      assert.equal(sd["1.num_batches_tracked"].dtype, "int32");
      assert.equal(m.eval().forward(tg.randn([4, 3]).half()).dtype, "float32");
      m.bfloat16();
      assert.equal(m.stateDict()["0.weight"].dtype, "bfloat16");
      m.float();
      assert.equal(m.stateDict()["0.weight"].dtype, "float32");
      assert.ok([...m.parameters()].every((p) => p.requiresGrad));
    });

    it("unknown dtypes are still DTypeErrors naming the ones there are", () => {
      assert.throws(
        () => tg.tensor([1], { dtype: "half" as never }),
        (e: Error) =>
          e instanceof DTypeError &&
          e.message === 'tensor: unknown dtype "half" (tensorgrad has "float32", "float64", "int32", "float16", "bfloat16", "bool")',
      );
    });
  });
}

describe("float16 / bfloat16: what is refused", () => {
  it("an optimizer refuses 16-bit parameters with a DTypeError naming the way", () => {
    const w = tg.zeros([2], { dtype: "float16", requiresGrad: true });
    assert.throws(
      () => new tg.optim.SGD([w], { lr: 0.1 }),
      (e: Error) =>
        e instanceof DTypeError && /parameter 0 has dtype float16; optimizers update float32 or float64 parameters/.test(e.message),
    );
  });
  it("module.half() refuses float64 state", () => {
    const m = new nn.Linear(2, 2);
    m.loadStateDict({ weight: tg.zeros([2, 2], { dtype: "float64" }), bias: tg.zeros([2], { dtype: "float64" }) });
    const d = new nn.Linear(2, 2);
    (d as unknown as { weight: Tensor }).weight = new nn.Parameter(tg.zeros([2, 2], { dtype: "float64" }));
    assert.throws(
      () => d.half(),
      (e: Error) => e instanceof DTypeError && /half: the module holds a float64 tensor/.test(e.message),
    );
  });
});
