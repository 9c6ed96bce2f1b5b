// The train namespace (Keras-style): fit, evaluate, predict, callbacks, metrics, summary.
export {};
