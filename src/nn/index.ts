// The nn namespace (torch.nn): Module, layers, init, functional, losses, utils.
export {};
