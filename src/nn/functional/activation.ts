// Activation functions for nn.functional: the tensor ops themselves, re-exported under
// torch.nn.functional's names so `F.relu(x)` and `x.relu()` are the same maths.

export { relu, sigmoid, tanh, leakyRelu, gelu, elu, softplus, silu, softmax, logSoftmax } from "../../ops/index.js";
export { hardtanh, relu6, logSigmoid, softsign, mish, hardswish, hardsigmoid, selu, celu, softmin, glu, prelu } from "../../ops/index.js";
