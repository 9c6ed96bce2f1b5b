// The playground's data sets as train and test tensors: the synthetic sets drawn from the run's seed
// (80 % train, 20 % test) and the bundled digits.

import { data, type Tensor } from "tensorgrad";
import type { Settings } from "./settings.js";

export interface Problem {
  train: { x: Tensor; y: Tensor };
  test: { x: Tensor; y: Tensor };
  /** Input features and output units. */
  inputs: number;
  outputs: number;
  /** Classes, or 0 for regression (y float32 [n, 1]; else int32 class indices [n]). */
  classes: number;
  /** Where the 2-D sets' points lie, for the decision map. */
  range: [number, number];
}

function split(x: Tensor, y: Tensor): Pick<Problem, "train" | "test"> {
  const n = x.shape[0]!,
    cut = Math.round(n * 0.8);
  return { train: { x: x.slice(0, 0, cut), y: y.slice(0, 0, cut) }, test: { x: x.slice(0, cut, n), y: y.slice(0, cut, n) } };
}

export async function makeProblem(s: Settings): Promise<Problem> {
  const n = s.samples,
    noise = s.noise,
    seed = s.seed;
  switch (s.dataset) {
    case "spirals": {
      const { x, y } = data.synthetic.spirals({ n, noise: noise * 2, seed });
      return { ...split(x, y), inputs: 2, outputs: 2, classes: 2, range: [-1.2, 1.2] };
    }
    case "circles": {
      const { x, y } = data.synthetic.circles({ n, noise, seed });
      return { ...split(x, y), inputs: 2, outputs: 2, classes: 2, range: [-1.5, 1.5] };
    }
    case "xor": {
      const { x, y } = data.synthetic.xor({ n, noise: noise * 2, seed });
      return { ...split(x, y.reshape([n]).int()), inputs: 2, outputs: 2, classes: 2, range: [-0.8, 1.8] };
    }
    case "sine": {
      const { x, y } = data.synthetic.sine({ n, noise, seed });
      return { ...split(x, y), inputs: 1, outputs: 1, classes: 0, range: [-Math.PI, Math.PI] };
    }
    case "digits": {
      await data.loadMnist();
      const limit = Math.min(8000, Math.max(100, n));
      return {
        train: data.mnist({ train: true, limit }),
        test: data.mnist({ train: false, limit: Math.min(2000, Math.ceil(limit / 4)) }),
        inputs: 784,
        outputs: 10,
        classes: 10,
        range: [0, 1],
      };
    }
  }
}
