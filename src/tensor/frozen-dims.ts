// The frozen arrays that tensors hold as `shape` and `strides`, shared between tensors with equal ones.
// A training step makes a few dozen tensors of the same handful of shapes; a fresh frozen copy each
// was garbage on every step, and on JavaScriptCore (Bun) each frozen array also carries a sparse
// storage map, so sharing them shortens the work of every engine's collector.

import { contiguousStrides } from "./shape.js";

interface Node {
  frozen: readonly number[] | undefined;
  next: Map<number, Node> | undefined;
  /** On the shapes trie: the row-major strides of this shape, once asked for. */
  contiguous: readonly number[] | undefined;
}

const shapes: Node = { frozen: undefined, next: undefined, contiguous: undefined };
const strides: Node = { frozen: undefined, next: undefined, contiguous: undefined };
// Beyond this many trie nodes (a program of ever new shapes), arrays are frozen copies again.
const MAX_NODES = 1 << 14;
let nodes = 0;

/** The trie node of `dims`, made on the way; null past MAX_NODES. */
function nodeOf(root: Node, dims: readonly number[]): Node | null {
  let node = root;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    let child = node.next?.get(d);
    if (child === undefined) {
      if (nodes >= MAX_NODES) return null;
      child = { frozen: undefined, next: undefined, contiguous: undefined };
      (node.next ??= new Map()).set(d, child);
      nodes++;
    }
    node = child;
  }
  return node;
}

function lookup(root: Node, dims: readonly number[]): readonly number[] {
  const node = nodeOf(root, dims);
  if (node === null) return Object.freeze(dims.slice());
  return (node.frozen ??= Object.freeze(dims.slice()));
}

/** The shared frozen shape [a], found without making an array once it exists. */
export function frozenShape1(a: number): readonly number[] {
  return shapes.next?.get(a)?.frozen ?? frozenShape([a]);
}

/** The shared frozen shape [a, b], found without making an array once it exists (matrix products' outputs). */
export function frozenShape2(a: number, b: number): readonly number[] {
  return shapes.next?.get(a)?.next?.get(b)?.frozen ?? frozenShape([a, b]);
}

/** The shared frozen strides [a, b], found without making an array once they exist (transposes, broadcasts). */
export function frozenStrides2(a: number, b: number): readonly number[] {
  return strides.next?.get(a)?.next?.get(b)?.frozen ?? frozenStrides([a, b]);
}

const ZERO_STRIDES: (readonly number[])[] = [];

/** Strides of all zeros for `ndim` dims (a 0-d tensor broadcast), frozen and shared. */
export function zeroStrides(ndim: number): readonly number[] {
  let z = ZERO_STRIDES[ndim];
  if (z === undefined) {
    z = frozenStrides(new Array<number>(ndim).fill(0));
    if (ndim < 64) ZERO_STRIDES[ndim] = z;
  }
  return z;
}

/** A frozen array equal to `shape`, shared with every tensor of that shape. */
export function frozenShape(shape: readonly number[]): readonly number[] {
  return lookup(shapes, shape);
}

/**
 * The row-major strides of `shape`, frozen and shared like frozenStrides' (a new contiguous tensor
 * would otherwise make an array only to find the shared one equal to it).
 */
export function frozenContiguousStrides(shape: readonly number[]): readonly number[] {
  const node = nodeOf(shapes, shape);
  if (node === null) return frozenStrides(contiguousStrides(shape));
  return (node.contiguous ??= frozenStrides(contiguousStrides(shape)));
}

/** A frozen array equal to `strides`, shared with every tensor of those strides. */
export function frozenStrides(s: readonly number[]): readonly number[] {
  return lookup(strides, s);
}
