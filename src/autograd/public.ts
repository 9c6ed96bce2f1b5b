// The tg.autograd namespace (torch.autograd): functional gradients, multi-output backward, checks.

export { grad, backward, type GradOptions, type AutogradBackwardOptions } from "./grad.js";
export { gradcheck, gradcheckAsync, gradgradcheck, type GradcheckOptions } from "./gradcheck.js";
export type { TensorHook, RemovableHandle } from "./hooks.js";
export type { BackwardOptions } from "./engine.js";
