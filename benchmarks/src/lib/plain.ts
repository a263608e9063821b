// The plain-JS contenders: what a careful user writes without a library. Typed arrays, one pass
// per step, float64 accumulators, results in a new Float32Array.

/** Row [o, end): writes e^((x − m)/T) to y and returns m and the f64 sum Σ e. */
function expRow(x: Float32Array, y: Float32Array, o: number, end: number, invT: number): { m: number; s: number } {
  let m = -Infinity;
  for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
  let s = 0;
  for (let i = o; i < end; i++) {
    const e = Math.exp((x[i] - m) * invT);
    y[i] = e;
    s += e;
  }
  return { m, s };
}

/** softmax(x / T) per row: max pass, exp-and-sum pass (f64 sum), scale pass. */
export function softmaxPlain(x: Float32Array, rows: number, cols: number, temperature: number, out?: Float32Array): Float32Array {
  const y = out ?? new Float32Array(rows * cols);
  const invT = 1 / temperature;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const end = o + cols;
    const { s } = expRow(x, y, o, end, invT);
    const inv = 1 / s;
    for (let i = o; i < end; i++) y[i] *= inv;
  }
  return y;
}

/** Mean cross-entropy of softmax(x / T) and dL/dx in one fused pass per row. */
export function crossEntropyPlain(
  x: Float32Array,
  rows: number,
  cols: number,
  target: Int32Array,
  temperature: number,
): { loss: number; grad: Float32Array } {
  const grad = new Float32Array(rows * cols);
  const invT = 1 / temperature;
  const g = 1 / (temperature * rows);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const end = o + cols;
    const { m, s } = expRow(x, grad, o, end, invT);
    const t = o + target[r];
    // −log p_t = log Σ e^((x−m)/T) − (x_t − m)/T
    loss += Math.log(s) - (x[t] - m) * invT;
    const scale = g / s;
    for (let i = o; i < end; i++) grad[i] *= scale;
    grad[t] -= g;
  }
  return { loss: loss / rows, grad };
}

/** BatchNorm inference: per-column scale and shift folded once, then one multiply-add per entry. */
export function batchNormPlain(
  x: Float32Array,
  n: number,
  m: number,
  stats: { mean: Float32Array; variance: Float32Array; gamma: Float32Array; beta: Float32Array; epsilon: number },
): Float32Array {
  const scale = new Float64Array(m);
  const shift = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    scale[j] = stats.gamma[j] / Math.sqrt(stats.variance[j] + stats.epsilon);
    shift[j] = stats.beta[j] - stats.mean[j] * scale[j];
  }
  const y = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let j = 0; j < m; j++) y[o + j] = x[o + j] * scale[j] + shift[j];
  }
  return y;
}
