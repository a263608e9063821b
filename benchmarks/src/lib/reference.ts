// Error measures for checking every contender against the float64 references of @tstar/core's tests
// (packages/core/test/reference.ts, the same ground truth the core is tested against) before timing.

/**
 * Largest |got − ref| / max(|ref|, floor) over all entries, NaN or a length mismatch counting as
 * Infinity. `floorFraction` sets floor = floorFraction · max|ref| (never below 1e-30): 0 gives the
 * plain per-entry relative error (right for softmax, whose entries are all positive); signed outputs
 * that cross zero (a gradient, a centred BN output) use 1e-3, so entries near zero are judged on the
 * array's own scale instead of amplifying one f32 rounding of a cancellation into a large ratio.
 */
export function maxRelError(got: ArrayLike<number>, ref: ArrayLike<number>, floorFraction = 0): number {
  if (got.length !== ref.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  const floor = Math.max(scale * floorFraction, 1e-30);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(got[i] - ref[i]) / Math.max(Math.abs(ref[i]), floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

/** Relative error of one scalar. */
export function scalarRelError(got: number, ref: number): number {
  const e = Math.abs(got - ref) / Math.max(Math.abs(ref), Number.MIN_VALUE);
  return Number.isNaN(e) ? Infinity : e;
}
