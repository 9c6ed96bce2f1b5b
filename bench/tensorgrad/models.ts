// The benchmark's networks built with tensorgrad's public API, layer for layer the same as the
// PyTorch and TF.js versions in bench/peers/.

import { nn } from "tensorgrad";
import type { TaskKey } from "../lib/tasks.js";

export function buildModel(task: TaskKey): nn.Sequential {
  switch (task) {
    case "mlp-small":
      return new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    case "mlp-big":
      return new nn.Sequential(
        new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10),
      );
    case "cnn":
      return new nn.Sequential(
        new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(256, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
      );
  }
}
