// Handwritten digits (the MNIST subset bundled with tensorgrad: 8,000 training and 2,000 test
// images of 28×28 pixels) with a multi-layer perceptron and with a convolutional network.
// The MLP sees 784 unrelated numbers; the CNN slides small shared 3×3 filters over the image, so
// it knows that neighbouring pixels belong together and that a stroke means the same anywhere.
// Notice: with a similar number of weights the CNN reaches a higher test accuracy; the confusion
// matrices show which digits each one mixes up (4 ↔ 9, 3 ↔ 5, 7 ↔ 9 are classics).
//   npm run example -- mnist [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn, optim, train } from "tensorgrad";
import { result, savePng, setup } from "./common.js";

const ctx = setup("mnist");
// Images as [N, 1, 28, 28] with pixel values in [0, 1]; the MLP flattens them itself.
const trainSet = data.mnist({ train: true, flatten: false, limit: ctx.size(8000, 1000) });
const testSet = data.mnist({ train: false, flatten: false, limit: ctx.size(2000, 500) });
const epochs = ctx.size(5, 4);
// The networks output logits (no softmax layer); the loss applies log-softmax itself, stably.
const LOSS = { name: "sparse_categorical_crossentropy", fromLogits: true } as const;

const models: [string, () => nn.Module][] = [
  ["mlp", () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 32), new nn.ReLU(), new nn.Linear(32, 10))],
  [
    "cnn",
    () =>
      new nn.Sequential(
        new nn.Conv2d(1, 8, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2), // 8 × 14 × 14
        new nn.Conv2d(8, 16, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2), // 16 × 7 × 7
        new nn.Flatten(),
        new nn.Linear(16 * 7 * 7, 32),
        new nn.ReLU(),
        new nn.Linear(32, 10),
      ),
  ],
];
for (const [name, make] of models) {
  tg.manualSeed(0);
  const model = make();
  const history = await train.fit(model, trainSet, {
    loss: LOSS,
    optimizer: new optim.Adam(model.parameters(), { lr: 0.002 }),
    epochs,
    batchSize: 32,
    metrics: ["accuracy"],
    verbose: 0,
    seed: 0,
  });
  const test = await train.evaluate(model, testSet, { loss: LOSS, metrics: ["accuracy"] });
  console.log(
    `${name.toUpperCase()}: ${model.numParameters()} parameters, train accuracy ${(history.accuracy.at(-1)! * 100).toFixed(1)} %, test accuracy ${(test.accuracy * 100).toFixed(1)} %`,
  );
  result(`${name}_parameters`, model.numParameters());
  result(`${name}_test_accuracy`, test.accuracy);
  const logits = train.predict(model, testSet.x);
  const confusion = train.confusionMatrix(logits, testSet.y, 10).toArray() as number[][];
  savePng(
    ctx,
    `confusion-${name}.png`,
    train.plot.confusionMatrixChart(confusion, { title: `${name.toUpperCase()}: test confusion matrix`, labels: [..."0123456789"] }),
  );
}
