// Vanishing gradients, and two fixes. Backpropagation multiplies one factor per layer; in a deep
// net whose weights are too small those factors are < 1 and the gradient reaching the first
// layers shrinks towards zero, so they never learn. He (Kaiming) init scales each layer's weights
// by √(2 / fan_in) so a ReLU layer keeps the signal's size (Xavier/Glorot, √(2 / (fan_in +
// fan_out)), does the same for tanh); batch norm re-standardises every layer's output instead.
// Notice: with the small init the first layer's gradient is ~1e-16 with 12 layers and exactly 0
// with 20 (it underflows float32) — it cannot learn at all, and the forward signal has vanished
// too; with He init, Xavier+tanh, or batch norm it is 1e-2 or more.
//   npm run example -- vanishing-gradients [outDir] [--quick]

import * as tg from "tensorgrad";
import { data, nn } from "tensorgrad";
import { curvesChart, result, savePng, setup } from "./common.js";

const ctx = setup("vanishing-gradients");
const depth = ctx.size(20, 12),
  width = 64;
const { x, y } = data.synthetic.spirals({ n: 256, noise: 0.1, seed: 0 });

type Variant = { key: string; label: string; act: () => nn.Module; init: (w: tg.Tensor) => void; batchNorm: boolean };
const variants: Variant[] = [
  {
    key: "small_init",
    label: "ReLU, N(0, 0.01) init",
    act: () => new nn.ReLU(),
    init: (w) => void nn.init.normal(w, 0, 0.01),
    batchNorm: false,
  },
  {
    key: "he_init",
    label: "ReLU, He init",
    act: () => new nn.ReLU(),
    init: (w) => void nn.init.kaimingNormal(w, { nonlinearity: "relu" }),
    batchNorm: false,
  },
  {
    key: "xavier_tanh",
    label: "tanh, Xavier init",
    act: () => new nn.Tanh(),
    init: (w) => void nn.init.xavierNormal(w, { gain: nn.init.calculateGain("tanh") }),
    batchNorm: false,
  },
  {
    key: "batch_norm",
    label: "ReLU, N(0, 0.01) + BatchNorm",
    act: () => new nn.ReLU(),
    init: (w) => void nn.init.normal(w, 0, 0.01),
    batchNorm: true,
  },
];
const curves: [string, number[], number[]][] = [];
for (const v of variants) {
  tg.manualSeed(0);
  const linears: nn.Linear[] = [];
  const layers: nn.Module[] = [];
  for (let i = 0; i < depth; i++) {
    const lin = new nn.Linear(i === 0 ? 2 : width, width);
    v.init(lin.weight);
    nn.init.zeros(lin.bias!);
    linears.push(lin);
    layers.push(lin, ...(v.batchNorm ? [new nn.BatchNorm1d(width)] : []), v.act());
  }
  const head = new nn.Linear(width, 2);
  const model = new nn.Sequential(...layers, head);
  nn.functional.crossEntropy(model.forward(x), y).backward();
  // The size of each hidden layer's weight gradient, first layer to last.
  const norms = linears.map((l) => l.weight.grad!.norm().item());
  const show = (g: number): string => (g === 0 ? "0 (underflowed float32)" : g.toExponential(1));
  console.log(`${v.label.padEnd(30)} |grad| layer 1: ${show(norms[0])}, layer ${depth}: ${show(norms[depth - 1])}`);
  result(`first_layer_grad_${v.key}`, norms[0]);
  curves.push([v.label, norms.map((_, i) => i + 1), norms.map((n) => Math.log10(Math.max(n, 1e-30)))]);
}
savePng(
  ctx,
  "gradient-norms.png",
  curvesChart(curves, { title: `Gradient size per layer (${depth} layers)`, xLabel: "layer", yLabel: "log10 |dL/dW| (0 shown as -30)" }),
);
