// The further activation modules print and key their state as PyTorch's (their maths is in the op
// table, test/conformance/op-table.json).

import { it } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn } from "tensorgrad";
import { fidelity } from "./fixtures.js";

it("Hardtanh … PReLU: repr and state-dict keys as torch's", () => {
  const acts = new nn.Sequential(
    new nn.Hardtanh(),
    new nn.ReLU6(),
    new nn.LogSigmoid(),
    new nn.Softsign(),
    new nn.Mish(),
    new nn.Hardswish(),
    new nn.Hardsigmoid(),
    new nn.SELU(),
    new nn.CELU(0.5),
    new nn.Softmin(1),
    new nn.GLU(),
    new nn.PReLU(3),
  );
  assert.equal(acts.toString(), fidelity.modules.activationsRepr);
  assert.deepEqual(
    Object.entries(acts.stateDict()).map(([k, v]) => [k, [...v.shape]]),
    fidelity.modules.activationsStateDict,
  );
  // PReLU's slopes are trained: one per channel.
  const p = new nn.PReLU(2);
  p.forward(tg.tensor([[[-1, 2]], [[-3, 4]]]).reshape([1, 2, 2]))
    .sum()
    .backward();
  assert.deepEqual(p.weight.grad!.toArray(), [-1, -3]); // the sum of each channel's negative inputs
});
