// The optim namespace (torch.optim): optimizers and optim.lrScheduler.
export {};
