// nn.utils.rnn (torch.nn.utils.rnn): packing and padding of variable-length batches for RNN, LSTM
// and GRU. The implementations are in packed-sequence.ts.

export {
  PackedSequence,
  packPaddedSequence,
  padPackedSequence,
  padSequence,
  packSequence,
  unpadSequence,
  unpackSequence,
  type PackPaddedOptions,
  type PadPackedOptions,
  type PadSequenceOptions,
  type PackSequenceOptions,
} from "./packed-sequence.js";
