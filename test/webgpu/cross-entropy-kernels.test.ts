// crossEntropyRows and crossEntropyRowsGrad on WebGPU against the reference kernels: rows narrower
// and wider than a workgroup, transposed and offset logits, a broadcast upstream gradient, logits
// far from zero, and rows holding NaN or infinity.

import { describe, it, after } from "node:test";
import { createWebGpuBackend } from "../../src/backend/webgpu/index.js";
import { gpuDevice } from "../helpers/webgpu.js";
import { assertUlps, both, rng, runBoth, smallGridBackend, twin, uniform, view, type TwinView } from "../helpers/gpu-twin.js";

const device = await gpuDevice();

describe("WebGPU cross-entropy kernels", { skip: device === null }, () => {
  const be = createWebGpuBackend(device!);
  after(() => be.runtime.flush());
  const random = rng(11);

  const targets = (R: number, C: number, offset = 0) =>
    view(twin(be, "int32", [...Array(offset).fill(-1), ...Array.from({ length: R }, () => Math.floor(random() * C))]), [R], { offset });

  /**
   * Runs both kernels on logits `x` against targets `t` (upstream gradient `g`) and compares the
   * losses and gradients: the GPU sums exponentials in float32 where the reference uses float64,
   * and WGSL's exp is accurate to 3 + 2|x| float32 steps. Hence within `maxUlps` steps of the
   * reference or of its magnitude `scale` (small probabilities carry errors of about 20 steps of
   * their own size, far below one step of 1).
   */
  async function check(x: TwinView, t: TwinView, g: TwinView, { maxUlps = 4, scale = 1, on = be } = {}): Promise<void> {
    const [R, C] = x.shape as [number, number];
    const loss = twin(on, "float32", Array(R + 2).fill(7));
    runBoth(on, "crossEntropyRows", view(loss, [R], { offset: 1 }), [x, t], undefined);
    const [gpuLoss, refLoss] = await both(on, loss);
    assertUlps(gpuLoss, refLoss, maxUlps, `loss, ${C} classes`, scale);
    const grad = twin(on, "float32", Array(R * C + 3).fill(7));
    runBoth(on, "crossEntropyRowsGrad", view(grad, [R, C], { offset: 3 }), [x, t, g], undefined);
    const [gpuGrad, refGrad] = await both(on, grad);
    assertUlps(gpuGrad, refGrad, maxUlps, `gradient, ${C} classes`, scale);
  }

  const logits = (R: number, C: number, lo = -4, hi = 4) => view(twin(be, "float32", uniform(random, R * C, lo, hi)), [R, C]);
  const upstream = (R: number) => view(twin(be, "float32", uniform(random, R, 0.5, 2)), [R]);

  it("narrow rows (a thread each)", () => check(logits(9, 10), targets(9, 10, 2), upstream(9)));

  it("wide rows (a workgroup each, each thread summing several columns)", () => check(logits(3, 1000), targets(3, 1000), upstream(3)));

  for (const C of [130, 300])
    it(`transposed, offset logits and a broadcast (stride 0) gradient, ${C} classes`, async () => {
      const R = 7;
      const x = view(twin(be, "float32", uniform(random, R * C + 4, -4, 4)), [R, C], { offset: 4, strides: [1, R] });
      const g = view(twin(be, "float32", [0, 1 / R]), [R], { offset: 1, strides: [0] });
      await check(x, targets(R, C), g);
    });

  it("logits far from zero (the maximum is subtracted first)", async () => {
    await check(logits(6, 50, 9000, 9010), targets(6, 50), upstream(6), { scale: 16 });
    await check(logits(2, 400, -9010, -9000), targets(2, 400), upstream(2), { scale: 16 });
  });

  it("rows holding NaN or +∞ give NaN; -∞ entries give probability 0 (an infinite loss when targeted)", async () => {
    const values = [1, NaN, 2, 3, Infinity, 0, 1, 2, -Infinity, 0, 1, -Infinity, 0.5, -0.5, 0.25, 1];
    const t = view(twin(be, "int32", [0, 1, 0, 3]), [4]);
    await check(view(twin(be, "float32", values), [4, 4]), t, upstream(4));
  });

  it("more workgroups than one grid dimension holds", async () => {
    const small = smallGridBackend(device!, 4);
    for (const [R, C] of [
      [5 * 64 + 3, 5],
      [9, 300],
    ] as const) {
      const x = view(twin(small, "float32", uniform(random, R * C, -4, 4)), [R, C]);
      const t = view(
        twin(
          small,
          "int32",
          Array.from({ length: R }, (_, r) => r % C),
        ),
        [R],
      );
      await check(x, t, view(twin(small, "float32", uniform(random, R, 0.5, 2)), [R]), { on: small });
    }
  });
});
