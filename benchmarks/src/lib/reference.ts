// Float64 references every contender is checked against before it is timed. Written for clarity:
// they run once per case, outside the timed region.

/** softmax(x / T) row by row, in float64. */
export function softmaxRef(x: Float32Array, rows: number, cols: number, temperature: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[o + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += y[o + j] = Math.exp((x[o + j] - m) / temperature);
    for (let j = 0; j < cols; j++) y[o + j] /= s;
  }
  return y;
}

/** Mean cross-entropy of softmax(x / T) against hard labels, and its gradient w.r.t. the logits x. */
export function crossEntropyRef(
  x: Float32Array,
  rows: number,
  cols: number,
  target: Int32Array,
  temperature: number,
): { loss: number; grad: Float64Array } {
  const p = softmaxRef(x, rows, cols, temperature);
  const grad = new Float64Array(rows * cols);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    loss -= Math.log(p[o + target[r]]);
    // dL/dx = (p − onehot) / (T · rows): the 1/T comes from the chain rule through x / T.
    for (let j = 0; j < cols; j++) grad[o + j] = (p[o + j] - (j === target[r] ? 1 : 0)) / (temperature * rows);
  }
  return { loss: loss / rows, grad };
}

/** BatchNorm inference over [n, m]: (x − mean) / sqrt(variance + ε) · γ + β per column. */
export function batchNormRef(
  x: Float32Array,
  n: number,
  m: number,
  stats: { mean: Float32Array; variance: Float32Array; gamma: Float32Array; beta: Float32Array; epsilon: number },
): Float64Array {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      y[i * m + j] = ((x[i * m + j] - stats.mean[j]) / Math.sqrt(stats.variance[j] + stats.epsilon)) * stats.gamma[j] + stats.beta[j];
    }
  }
  return y;
}

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
