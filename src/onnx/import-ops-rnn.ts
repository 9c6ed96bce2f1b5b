// ONNX recurrent ops (LSTM, GRU, RNN) run with tensorgrad ops, one time step at a time.

import type { OpImpl } from "./import-ops-math.js";

export const RNN_OPS = new Map<string, OpImpl>();
