// The data namespace (torch.utils.data and friends): datasets, DataLoader, randomSplit, the bundled
// MNIST digits, IDX and CSV loaders, and synthetic sets.

export { TensorDataset, Subset, collate, type Dataset, type Sample } from "./dataset.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { randomSplit, splitLengths, type RandomSplitOptions } from "./split.js";
export { RandomStream } from "./random-stream.js";
export { mnist, loadMnist, MNIST_SPLIT_SEED, type MnistOptions } from "./mnist.js";
export { readIdx, loadMnistIdx, type LoadMnistIdxOptions, type MnistIdxData } from "./idx.js";
export { loadCsv, type LoadCsvOptions, type CsvData, type ClassLabel } from "./csv.js";
export * as synthetic from "./synthetic.js";
