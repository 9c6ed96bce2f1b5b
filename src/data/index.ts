// The data namespace: datasets, DataLoader, MNIST / IDX / CSV loaders, synthetic sets.
export {};
