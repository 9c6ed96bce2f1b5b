// The benchmark's networks built with tensorgrad's public API, layer for layer the same as the
// PyTorch and TF.js versions in bench/peers/.

import { nn, type data, type optim, type Tensor } from "tensorgrad";
import type { TaskKey } from "../lib/tasks.js";

/**
 * The plain loop a user writes, zeroGrad, forward, cross-entropy, backward, step, over the loader's
 * batches (at most `maxBatches`). Returns how many ran and the last loss tensor (read it after
 * timing the loop).
 */
export function eagerEpoch(
  model: nn.Module,
  optimizer: optim.Optimizer,
  loader: data.DataLoader,
  maxBatches = Infinity,
): { batches: number; last: Tensor | null } {
  let batches = 0,
    last: Tensor | null = null;
  for (const [xb, yb] of loader) {
    optimizer.zeroGrad();
    last = nn.functional.crossEntropy(model.forward(xb), yb);
    last.backward();
    optimizer.step();
    if (++batches >= maxBatches) break;
  }
  return { batches, last };
}

export function buildModel(task: TaskKey): nn.Sequential {
  switch (task) {
    case "mlp-small":
      return new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    case "mlp-big":
      return new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10));
    case "cnn":
      return new nn.Sequential(
        new nn.Conv2d(1, 6, 5),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(6, 16, 5),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(256, 120),
        new nn.ReLU(),
        new nn.Linear(120, 84),
        new nn.ReLU(),
        new nn.Linear(84, 10),
      );
  }
}
