// Seeded work whose every number must come out the same on every JavaScript runtime: prints one JSON
// line with the backend in use, the per-epoch losses of the README's hand-written loop and of `fit`,
// SHA-256 digests of the trained weights and of transcendental functions over many inputs, for each
// backend, and a safetensors round trip through a file. Plain JavaScript over the built package
// (dist/), so Node, Bun and Deno run it as it is. Usage: <runtime> test/runtimes/train-digest.mjs DIR

import { createHash } from "node:crypto";
import { join } from "node:path";
import * as tg from "../../dist/src/index.js";

const { nn, optim, data, io, train } = tg;
const F = nn.functional;
const outDir = process.argv[2];

const sha = (t) => {
  const a = t.contiguous().toTypedArray();
  return createHash("sha256")
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest("hex");
};
const weights = (model) =>
  createHash("sha256")
    .update(
      Object.entries(model.stateDict())
        .map(([k, t]) => `${k}:${sha(t)}`)
        .join(","),
    )
    .digest("hex");

/** Elementwise functions the engines' Math libraries could round differently, forward and backward. */
function transcendentals() {
  tg.manualSeed(1);
  const x = tg.randn([4096]).mul(4).requiresGrad_(true);
  const y = [
    x.exp(),
    x.abs().add(1e-3).log(),
    x.tanh(),
    x.sigmoid(),
    x.gelu(),
    x.sin(),
    x.cos(),
    x.abs().pow(1.7),
    x.softplus(),
    x.softmax(0),
  ];
  tg.stack(y).sum().backward();
  return [...y.map(sha), sha(x.grad)].join("");
}

function handLoop(x, y) {
  tg.manualSeed(2);
  const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(64, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const losses = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    let total = 0;
    for (const [xb, yb] of new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true })) {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(xb), yb);
      loss.backward();
      opt.step();
      total += loss.item();
    }
    losses.push(total);
  }
  return { losses, weights: weights(model) };
}

async function fitRun(x, y) {
  tg.manualSeed(3);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 13 * 13, 10),
  );
  const history = await train.fit(
    model,
    { x: x.reshape([-1, 1, 28, 28]), y },
    {
      loss: { name: "sparse_categorical_crossentropy", fromLogits: true },
      optimizer: "adamw",
      epochs: 2,
      batchSize: 32,
      validationSplit: 0.2,
      metrics: ["accuracy"],
      verbose: 0,
    },
  );
  return { history: history.toJSON(), weights: weights(model) };
}

const { x, y } = data.mnist({ limit: 512 });
const result = { backend: tg.getBackend().name, flavor: tg.getBackend().flavor ?? null, backends: {} };
for (const name of tg.listBackends()) {
  tg.setBackend(name);
  result.backends[name] = {
    transcendentals: createHash("sha256").update(transcendentals()).digest("hex"),
    loop: handLoop(x, y),
    fit: await fitRun(x, y),
  };
}
tg.setBackend(result.backend);

const file = join(outDir, "weights.safetensors");
tg.manualSeed(4);
io.saveSafetensors(file, { w: tg.randn([3, 5]), i: tg.tensor([1, 2, 3], { dtype: "int32" }) }, { runtime: "any" });
const back = io.loadSafetensors(file);
result.safetensors = { metadata: back.metadata, w: sha(back.tensors.w), i: back.tensors.i.toArray() };
console.log(JSON.stringify(result));
