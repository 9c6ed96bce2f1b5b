// The io namespace: safetensors and checkpoints (the only code that touches the file system).
export {};
