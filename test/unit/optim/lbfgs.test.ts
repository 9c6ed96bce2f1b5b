// optim.LBFGS against torch.optim.LBFGS trajectories (fixtures/lbfgs.json, made by
// fixtures/gen_lbfgs.py): parameters, returned loss and evaluation counters after every step, with
// and without the strong-Wolfe line search, on both CPU backends and through stepAsync; the state dict against torch's
// state, resuming from it, checkpoints, and typed errors.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "tensorgrad";
import { io, nn, optim, type Tensor } from "tensorgrad";
import { assertClose } from "../../helpers/assert.js";

type Step = { loss: number; params: number[][]; funcEvals: number; nIter: number };
type TorchState = {
  func_evals: number;
  n_iter: number;
  t: number;
  H_diag: number;
  prev_loss: number;
  d: number[];
  prev_flat_grad: number[];
  old_dirs: number[][];
  old_stps: number[][];
  ro: number[];
};
interface Case {
  id: string;
  problem: "rosenbrock" | "regression";
  dtype: "float64" | "float32";
  options: optim.LBFGSOptions;
  data: { X: number[]; y: number[]; w0: number[]; b0: number[] } | null;
  trajectory: Step[];
  state: TorchState;
}
const cases: Case[] = JSON.parse(readFileSync(new URL("../../fixtures/lbfgs.json", import.meta.url), "utf8")).cases;
const flat = (t: Tensor): number[] => Array.from(t.toTypedArray(), Number);

/** The case's parameters and a closure for them, as gen_lbfgs.py builds them. */
function setup(c: Case): { params: Tensor[]; closure: (opt: optim.Optimizer<any>) => () => Tensor } {
  const dtype = c.dtype;
  if (c.problem === "rosenbrock") {
    const p = tg.tensor([-1.5, 2.0], { dtype, requiresGrad: true });
    return {
      params: [p],
      closure: (opt) => () => {
        opt.zeroGrad();
        const [x, y] = [p.slice(0, 0, 1), p.slice(0, 1, 2)];
        const loss = x
          .neg()
          .add(1)
          .pow(2)
          .add(y.sub(x.pow(2)).pow(2).mul(100))
          .sum();
        loss.backward();
        return loss;
      },
    };
  }
  const d = c.data!;
  const X = tg.tensor(d.X, { shape: [16, 3], dtype });
  const y = tg.tensor(d.y, { shape: [16, 1], dtype });
  const w = tg.tensor(d.w0, { shape: [1, 3], dtype, requiresGrad: true });
  const b = tg.tensor(d.b0, { dtype, requiresGrad: true });
  return {
    params: [w, b],
    closure: (opt) => () => {
      opt.zeroGrad();
      const loss = X.matmul(w.T).add(b).sub(y).pow(2).mean();
      loss.backward();
      return loss;
    },
  };
}

// float64 trajectories agree to rounding; float32 ones as float32 arithmetic allows.
const tol = (c: Case) => (c.dtype === "float64" ? { rtol: 1e-7, atol: 1e-9 } : { rtol: 2e-4, atol: 2e-5 });

for (const backend of tg.listBackends().filter((b) => b !== "webgpu")) {
  describe(`optim.LBFGS matches torch.optim.LBFGS (${backend})`, () => {
    for (const c of cases) {
      it(c.id, async () => {
        const prev = tg.getBackend().name;
        await tg.setBackend(backend);
        try {
          const { params, closure } = setup(c);
          const opt = new optim.LBFGS(params, c.options);
          const f = closure(opt);
          c.trajectory.forEach((s, k) => {
            const loss = opt.step(f)!;
            assertClose([loss.item()], [s.loss], { ...tol(c), what: `${c.id} step ${k} loss` });
            params.forEach((p, i) => assertClose(flat(p), s.params[i], { ...tol(c), what: `${c.id} step ${k} param ${i}` }));
            const st = opt.stateDict().state[0];
            assert.equal(st.func_evals, s.funcEvals, `${c.id} step ${k} func_evals`);
            assert.equal(st.n_iter, s.nIter, `${c.id} step ${k} n_iter`);
          });
        } finally {
          await tg.setBackend(prev);
        }
      });
    }
  });
}

/** A module holding one parameter, for checkpoints. */
class Holder extends nn.Module {
  constructor(p: Tensor) {
    super();
    this.registerParameter("p", p);
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe("optim.LBFGS stepAsync", () => {
  it("follows the same trajectories with awaited reads", async () => {
    for (const c of cases) {
      const { params, closure } = setup(c);
      const opt = new optim.LBFGS(params, c.options);
      for (const [k, s] of c.trajectory.entries()) {
        const loss = (await opt.stepAsync(closure(opt)))!;
        assertClose([loss.item()], [s.loss], { ...tol(c), what: `${c.id} async step ${k} loss` });
        params.forEach((p, i) => assertClose(flat(p), s.params[i], { ...tol(c), what: `${c.id} async step ${k} param ${i}` }));
        assert.equal(opt.stateDict().state[0].func_evals, s.funcEvals);
      }
    }
  });
});

describe("optim.LBFGS state", () => {
  it("is torch's state, with the history stacked", () => {
    for (const c of cases.filter((k) => k.dtype === "float64")) {
      const { params, closure } = setup(c);
      const opt = new optim.LBFGS(params, c.options);
      for (const _ of c.trajectory) opt.step(closure(opt));
      const st = opt.stateDict().state[0];
      assert.deepEqual(opt.stateOf(params[0]).n_iter, st.n_iter);
      if (params.length > 1) assert.deepEqual(opt.stateOf(params[1]), {});
      const want = c.state;
      for (const key of ["func_evals", "n_iter"] as const) assert.equal(st[key], want[key], `${c.id} ${key}`);
      // Near the optimum the history holds differences of tiny gradients (ro their reciprocals), which
      // keep fewer digits than the trajectory.
      const o = { rtol: 1e-4, atol: 1e-6 };
      for (const key of ["t", "H_diag", "prev_loss"] as const)
        assertClose([st[key] as number], [want[key]], { ...o, what: `${c.id} ${key}` });
      assertClose(flat(st.d as Tensor), want.d, { ...o, what: `${c.id} d` });
      assertClose(flat(st.prev_flat_grad as Tensor), want.prev_flat_grad, { ...o, what: `${c.id} prev_flat_grad` });
      const k = want.old_dirs.length;
      assert.deepEqual([...(st.old_dirs as Tensor).shape], [k, want.d.length], `${c.id} old_dirs shape`);
      assertClose(flat(st.old_dirs as Tensor), want.old_dirs.flat(), { ...o, what: `${c.id} old_dirs` });
      assertClose(flat(st.old_stps as Tensor), want.old_stps.flat(), { ...o, what: `${c.id} old_stps` });
      assertClose(flat(st.ro as Tensor), want.ro, { ...o, what: `${c.id} ro` });
    }
  });

  it("resumes from a saved state (and through a checkpoint) on torch's trajectory", () => {
    const c = cases.find((k) => k.id === "rosenbrock-wolfe-short-history")!;
    const first = setup(c);
    const opt = new optim.LBFGS(first.params, c.options);
    for (let k = 0; k < 3; k++) opt.step(first.closure(opt));
    const model = new Holder(first.params[0]);
    const bytes = io.saveCheckpoint({ model, optimizer: opt });

    const second = setup(c);
    const model2 = new Holder(second.params[0]);
    const resumed = new optim.LBFGS(second.params, c.options);
    io.loadCheckpoint(bytes, { model: model2, optimizer: resumed });
    for (let k = 3; k < c.trajectory.length; k++) {
      resumed.step(second.closure(resumed));
      assertClose(flat(second.params[0]), c.trajectory[k].params[0], { ...tol(c), what: `resumed step ${k}` });
      assert.equal(resumed.stateDict().state[0].func_evals, c.trajectory[k].funcEvals);
    }
  });

  it("rejects a state of the wrong size, leaving the optimizer as it was", () => {
    const c = cases.find((k) => k.id === "regression-strong-wolfe")!;
    const { params, closure } = setup(c);
    const opt = new optim.LBFGS(params, c.options);
    opt.step(closure(opt));
    const good = opt.stateDict();
    const bad = { ...good, state: { 0: { ...good.state[0], d: tg.zeros([7], { dtype: "float64" }) } } };
    assert.throws(
      () => opt.loadStateDict(bad),
      (e: unknown) => e instanceof tg.ShapeError && /state\[0\]\.d must be a tensor of shape \[4\], got \[7\]/.test((e as Error).message),
    );
    assert.deepEqual(opt.stateDict().state[0].n_iter, good.state[0].n_iter);
  });
});

describe("optim.LBFGS errors", () => {
  const p = () => tg.tensor([1, 2], { requiresGrad: true });
  it("names the option and the value", () => {
    assert.throws(
      () => new optim.LBFGS([p()], { lineSearchFn: "backtracking" as never }),
      (e: unknown) =>
        e instanceof tg.ValueError && /invalid lineSearchFn "backtracking" \(expected null or "strong_wolfe"\)/.test((e as Error).message),
    );
    assert.throws(
      () => new optim.LBFGS([p()], { historySize: 0 }),
      (e: unknown) => e instanceof tg.ValueError && /historySize 0/.test((e as Error).message),
    );
    assert.throws(
      () => new optim.LBFGS([p()], { maxIter: 2.5 }),
      (e: unknown) => e instanceof tg.ValueError && /maxIter 2\.5/.test((e as Error).message),
    );
    assert.throws(
      () => new optim.LBFGS([p()], { tolerance: 1 } as never),
      (e: unknown) => e instanceof tg.ValueError && /unknown option "tolerance"/.test((e as Error).message),
    );
    assert.throws(
      () => new optim.LBFGS([{ params: [p()] }, { params: [p()], lr: 0.1 }]),
      (e: unknown) => e instanceof tg.ValueError && /2 parameter groups/.test((e as Error).message),
    );
  });
  it("needs a closure returning the loss", () => {
    const x = p();
    const opt = new optim.LBFGS([x]);
    assert.throws(
      () => opt.step(),
      (e: unknown) => e instanceof tg.ValueError && /a closure is required/.test((e as Error).message),
    );
    assert.throws(
      () =>
        opt.step(() => {
          opt.zeroGrad();
          const l = x.mul(x);
          l.sum().backward();
          return l;
        }),
      (e: unknown) =>
        e instanceof tg.ShapeError && /one-element tensor or a number, got a tensor of shape \[2\]/.test((e as Error).message),
    );
  });
  it("defaults to torch's: maxEval = floor(maxIter·5/4)", () => {
    const opt = new optim.LBFGS([p()], { maxIter: 7 });
    assert.deepEqual(
      { ...opt.paramGroups[0], params: undefined },
      {
        lr: 1,
        maxIter: 7,
        maxEval: 8,
        toleranceGrad: 1e-7,
        toleranceChange: 1e-9,
        historySize: 100,
        lineSearchFn: null,
        params: undefined,
      },
    );
  });
});
