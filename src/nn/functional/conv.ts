// nn.functional's convolution and pooling (torch.nn.functional.conv2d, max_pool2d, ...): the same
// maths the Conv and Pool layers run, implemented once in ops/composite.

export {
  conv1d,
  conv2d,
  unfold,
  fold,
  type ConvOptions,
  type ConvPadding,
  type UnfoldOptions,
  type Ints,
} from "../../ops/composite/conv.js";
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from "../../ops/composite/pool.js";
