// The "seq" section's workloads in tensorgrad (bench/lib/tasks.ts SEQ_WORKLOADS): one training step of
// an LSTM, a GRU or a transformer encoder on fixed random data, or one attention-shaped batched matmul.
// bench/peers/torch_bench.py builds the same in PyTorch.

import * as tg from "tensorgrad";
import { nn, optim } from "tensorgrad";
import type { SeqWorkload } from "../lib/tasks.js";

/** A module and the input it takes, with a head to 10 classes. */
function build(workload: Exclude<SeqWorkload, "bmm">): { forward: (x: tg.Tensor) => tg.Tensor; params: nn.Parameter[]; x: tg.Tensor } {
  if (workload === "transformer") {
    const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 256, dropout: 0.1, batchFirst: true });
    const encoder = new nn.TransformerEncoder(layer, 2),
      head = new nn.Linear(64, 10);
    return {
      forward: (x) => head.forward(encoder.forward(x).mean(1)),
      params: [...encoder.parameters(), ...head.parameters()],
      x: tg.randn([32, 32, 64]),
    };
  }
  const rnn = workload === "lstm" ? new nn.LSTM(32, 128, { batchFirst: true }) : new nn.GRU(32, 128, { batchFirst: true });
  const head = new nn.Linear(128, 10);
  return {
    forward: (x) => {
      const [out] = rnn instanceof nn.LSTM ? rnn.forward(x) : rnn.forward(x);
      return head.forward(out.slice(1, 19, 20).squeeze(1));
    },
    params: [...rnn.parameters(), ...head.parameters()],
    x: tg.randn([32, 20, 32]),
  };
}

/** The call one turn times, built once per workload. */
export function seqCall(workload: SeqWorkload): () => void {
  tg.manualSeed(0);
  if (workload === "bmm") {
    const q = tg.randn([32, 4, 32, 16]),
      k = tg.randn([32, 4, 16, 32]);
    return () => void tg.noGrad(() => q.matmul(k));
  }
  const { forward, params, x } = build(workload);
  const y = tg.randint(0, 10, [x.shape[0]!]);
  const opt = new optim.Adam(params, { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    nn.functional.crossEntropy(forward(x), y).backward();
    opt.step();
  };
}
