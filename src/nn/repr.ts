// Formatting helpers for Module.extraRepr, so toString() prints values the way torch's repr does
// (Python floats, booleans and tuples): `BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, …)`.

/** A number as Python's repr of a float: 1.0, 0.1, 1e-05. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const abs = Math.abs(x);
  if (abs < 1e-4 || abs >= 1e16) {
    // Python pads the exponent to two digits: 1e-05, 1.5e+16.
    const [mant, exp] = x.toExponential().split("e");
    const sign = exp.startsWith("-") ? "-" : "+";
    return `${mant}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return String(x);
}

export function pyBool(b: boolean): string {
  return b ? "True" : "False";
}

/** A list as a Python tuple: (3,) or (2, 2). */
export function pyTuple(xs: readonly (number | string)[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
}
