// maskedSelect, PositionalEncoding and LBFGS on the WebGPU backend (Dawn, on SwiftShader where the
// machine has no GPU): a CPU mask selects from a GPU tensor, with its gradient, and a GPU mask is a
// typed error naming what to do instead; LBFGS.stepAsync follows torch's float32 trajectory (and
// the synchronous step names it).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { nn, optim } from "tensorgrad";
import { webgpuSkipReason } from "../helpers/webgpu.js";

const lbfgs = JSON.parse(readFileSync(new URL("../fixtures/lbfgs.json", import.meta.url), "utf8"));
const initial = tg.getBackend().name;
const reason = await webgpuSkipReason("WebGPU fidelity ops");

describe("fidelity ops on WebGPU", { skip: reason ?? false }, () => {
  before(() => tg.setBackend("webgpu"));
  after(() => tg.setBackend(initial));

  it("maskedSelect with a CPU mask: values and gradient", async () => {
    const x = tg.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    await tg.setBackend("js");
    const mask = tg.tensor([
      [true, false, true],
      [false, true, true],
    ]);
    await tg.setBackend("webgpu");
    const out = x.maskedSelect(mask);
    assert.deepEqual(Array.from(await out.data()), [1, 3, 5, 6]);
    out.backward(tg.tensor([1, 2, 3, 4]));
    assert.deepEqual(Array.from(await x.grad!.data()), [1, 0, 2, 0, 3, 4]);
  });

  it("maskedSelect with a GPU mask is an UnsupportedOpError", () => {
    const x = tg.tensor([1, 2, 3]);
    assert.throws(
      () => x.maskedSelect(x.gt(1.5)),
      (e: unknown) =>
        e instanceof tg.UnsupportedOpError && /maskedSelect: the mask lives on the "webgpu" backend/.test((e as Error).message),
    );
  });

  it("PositionalEncoding adds the same table as on the CPU", async () => {
    const m = new nn.PositionalEncoding(6, { dropout: 0, maxLen: 10 });
    const x = tg.zeros([4, 2, 6]);
    const got = Array.from(await m.forward(x).data());
    const want = Array.from(await nn.functional.sinusoidalPositionalEncoding(4, 6).unsqueeze(1).expand([4, 2, 6]).contiguous().data());
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `element ${i}: ${v} vs ${want[i]}`));
  });

  it("LBFGS: stepAsync follows torch's float32 trajectory; step names stepAsync", async () => {
    const c = lbfgs.cases.find((k: { id: string }) => k.id === "regression-float32");
    const d = c.data;
    const X = tg.tensor(d.X, { shape: [16, 3] });
    const y = tg.tensor(d.y, { shape: [16, 1] });
    const w = tg.tensor(d.w0, { shape: [1, 3], requiresGrad: true });
    const b = tg.tensor(d.b0, { requiresGrad: true });
    const opt = new optim.LBFGS([w, b], c.options);
    const closure = () => {
      opt.zeroGrad();
      const loss = X.matmul(w.T).add(b).sub(y).pow(2).mean();
      loss.backward();
      return loss;
    };
    assert.throws(
      () => opt.step(closure),
      (e: unknown) =>
        e instanceof tg.UnsupportedOpError &&
        /LBFGS\.step: a parameter lives on the "webgpu" backend.*stepAsync/.test((e as Error).message),
    );
    for (const [k, s] of c.trajectory.entries()) {
      const loss = await (await opt.stepAsync(closure))!.itemAsync();
      assert.ok(Math.abs(loss - s.loss) <= 1e-4 * Math.abs(s.loss) + 1e-5, `step ${k} loss ${loss} vs ${s.loss}`);
      const got = [...(await w.data()), ...(await b.data())];
      got.forEach((v, i) =>
        assert.ok(
          Math.abs(v - s.params.flat()[i]) <= 2e-4 * Math.abs(s.params.flat()[i]) + 2e-5,
          `step ${k} param ${i}: ${v} vs ${s.params.flat()[i]}`,
        ),
      );
    }
  });
});
