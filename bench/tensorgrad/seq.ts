// The "seq" section's workloads in tensorgrad (bench/lib/tasks.ts SEQ_WORKLOADS): one training step of
// an LSTM, a GRU or a transformer encoder on fixed random data, or one attention-shaped batched matmul,
// built from the workload's model spec. bench/peers/torch_bench.py builds the same in PyTorch.

import * as tg from "tensorgrad";
import { nn, optim } from "tensorgrad";
import type { SeqModel } from "../lib/tasks.js";

/** A module and the input it takes, with a head to 10 classes. */
function build(model: Exclude<SeqModel, { kind: "bmm" }>): { forward: (x: tg.Tensor) => tg.Tensor; params: nn.Parameter[]; x: tg.Tensor } {
  if (model.kind === "transformer") {
    const layer = new nn.TransformerEncoderLayer(model.d, model.heads, { dimFeedforward: model.ff, dropout: 0.1, batchFirst: true });
    const encoder = new nn.TransformerEncoder(layer, model.layers),
      head = new nn.Linear(model.d, 10);
    return {
      forward: (x) => head.forward(encoder.forward(x).mean(1)),
      params: [...encoder.parameters(), ...head.parameters()],
      x: tg.randn([model.batch, model.length, model.d]),
    };
  }
  const { input, hidden, steps } = model;
  const rnn = model.kind === "lstm" ? new nn.LSTM(input, hidden, { batchFirst: true }) : new nn.GRU(input, hidden, { batchFirst: true });
  const head = new nn.Linear(hidden, 10);
  return {
    forward: (x) => {
      const [out] = rnn instanceof nn.LSTM ? rnn.forward(x) : rnn.forward(x);
      return head.forward(out.slice(1, steps - 1, steps).squeeze(1));
    },
    params: [...rnn.parameters(), ...head.parameters()],
    x: tg.randn([model.batch, steps, input]),
  };
}

/** The call one turn times, built once per workload. */
export function seqCall(model: SeqModel): () => void {
  tg.manualSeed(0);
  if (model.kind === "bmm") {
    const q = tg.randn([...model.a]),
      k = tg.randn([...model.b]);
    return () => void tg.noGrad(() => q.matmul(k));
  }
  const { forward, params, x } = build(model);
  const y = tg.randint(0, 10, [x.shape[0]!]);
  const opt = new optim.Adam(params, { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    nn.functional.crossEntropy(forward(x), y).backward();
    opt.step();
  };
}
