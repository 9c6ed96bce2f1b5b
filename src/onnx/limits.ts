// Bounds on what an imported ONNX graph may make tensorgrad allocate.

/**
 * Elements one value may hold (1 GiB of float32). A file can ask for any shape (an Expand to a
 * billion rows is a view until the next op reads it), so every node's outputs are checked.
 */
export const MAX_VALUE_ELEMENTS = 2 ** 28;
