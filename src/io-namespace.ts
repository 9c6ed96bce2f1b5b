// The public io namespace: file formats from src/io, plus ONNX export and import, which live in
// src/onnx because they build and trace nn modules (a layer io itself stays below).

export * from "./io/index.js";
export * from "./onnx/index.js";
