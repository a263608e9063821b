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

/** log softmax(x / T) per row: (x − m)/T − ln Σ, the sum in float64. */
export function logSoftmaxPlain(x: Float32Array, rows: number, cols: number, temperature: number, out?: Float32Array): Float32Array {
  const y = out ?? new Float32Array(rows * cols);
  const invT = 1 / temperature;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const end = o + cols;
    let m = -Infinity;
    for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < end; i++) s += Math.exp((x[i] - m) * invT);
    const shift = m * invT + Math.log(s);
    for (let i = o; i < end; i++) y[i] = x[i] * invT - shift;
  }
  return y;
}

/** Mean cross-entropy of softmax(x / T) at integer labels, forward only: log-sum-exp per row. */
export function crossEntropyLossPlain(x: Float32Array, rows: number, cols: number, target: Int32Array, temperature: number): number {
  const invT = 1 / temperature;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const end = o + cols;
    let m = -Infinity;
    for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < end; i++) s += Math.exp((x[i] - m) * invT);
    loss += Math.log(s) - (x[o + target[r]] - m) * invT;
  }
  return loss / rows;
}

/**
 * One BatchNorm training step: batch statistics per column, forward, running statistics (PyTorch's
 * unbiased variance) and the closed-form backward of Σ dy ⊙ y. Column sums in float64.
 */
export function batchNormTrainStepPlain(
  x: Float32Array, dy: Float32Array, n: number, m: number,
  p: { gamma: Float32Array; beta: Float32Array; runningMean: Float32Array; runningVariance: Float32Array; momentum: number; epsilon: number },
): { y: Float32Array; dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array } {
  const mean = new Float64Array(m), sq = new Float64Array(m), dBeta64 = new Float64Array(m), dGamma64 = new Float64Array(m);
  // Row-major sweeps so every pass reads memory in order.
  for (let i = 0; i < n; i++) for (let j = 0, o = i * m; j < m; j++) mean[j] += x[o + j];
  for (let j = 0; j < m; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0, o = i * m; j < m; j++) sq[j] += (x[o + j] - mean[j]) ** 2;
  const inv = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const variance = sq[j] / n;
    inv[j] = 1 / Math.sqrt(variance + p.epsilon);
    p.runningMean[j] = (1 - p.momentum) * p.runningMean[j] + p.momentum * mean[j];
    p.runningVariance[j] = (1 - p.momentum) * p.runningVariance[j] + p.momentum * variance * (n / (n - 1));
  }
  const y = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0, o = i * m; j < m; j++) {
      const xh = (x[o + j] - mean[j]) * inv[j];
      y[o + j] = xh * p.gamma[j] + p.beta[j];
      dBeta64[j] += dy[o + j];
      dGamma64[j] += dy[o + j] * xh;
    }
  }
  const dx = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0, o = i * m; j < m; j++) {
      const xh = (x[o + j] - mean[j]) * inv[j];
      dx[o + j] = ((p.gamma[j] * inv[j]) / n) * (n * dy[o + j] - dBeta64[j] - xh * dGamma64[j]);
    }
  }
  return { y, dx, dGamma: Float32Array.from(dGamma64), dBeta: Float32Array.from(dBeta64) };
}

/** Mean NLL at T, one exp per logit (float64 sums). */
function meanNllPlain(x: Float32Array, rows: number, cols: number, labels: Int32Array, invT: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let i = o; i < o + cols; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < o + cols; i++) s += Math.exp((x[i] - m) * invT);
    total += Math.log(s) - (x[o + labels[r]] - m) * invT;
  }
  return total / rows;
}

/**
 * Post-hoc temperature without derivatives: golden-section search on ln T ∈ [ln 0.01, ln 100] down to a
 * 1e-6 bracket (the core's default tolerance), one full NLL pass per step (~35 passes).
 */
export function fitTemperaturePlain(x: Float32Array, rows: number, cols: number, labels: Int32Array): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(1e-2), b = Math.log(1e2);
  const f = (s: number): number => meanNllPlain(x, rows, cols, labels, Math.exp(-s));
  let c = b - ratio * (b - a), d = a + ratio * (b - a);
  let fc = f(c), fd = f(d);
  while (b - a > 1e-6) {
    if (fc < fd) {
      b = d; d = c; fd = fc;
      c = b - ratio * (b - a); fc = f(c);
    } else {
      a = c; c = d; fc = fd;
      d = a + ratio * (b - a); fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** Accuracy, NLL, Brier, ECE and MCE (equal-width bins) of softmax(x / T): one softmax pass per row. */
export function calibrationPlain(x: Float32Array, rows: number, cols: number, labels: Int32Array, temperature: number, binCount: number): { accuracy: number; nll: number; brier: number; ece: number; mce: number } {
  const count = new Float64Array(binCount), confSum = new Float64Array(binCount), hits = new Float64Array(binCount);
  const invT = 1 / temperature;
  let accuracy = 0, nll = 0, brier = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols, y = labels[r];
    let best = o;
    for (let i = o + 1; i < o + cols; i++) if (x[i] > x[best]) best = i;
    const m = x[best];
    let s = 0, sq = 0;
    for (let i = o; i < o + cols; i++) {
      const e = Math.exp((x[i] - m) * invT);
      s += e;
      sq += e * e;
    }
    const py = Math.exp((x[o + y] - m) * invT) / s;
    const conf = 1 / s;
    const hit = best - o === y ? 1 : 0;
    accuracy += hit;
    nll += Math.log(s) - (x[o + y] - m) * invT;
    brier += sq / (s * s) - 2 * py + 1;
    const b = Math.min(binCount - 1, Math.max(0, Math.ceil(conf * binCount) - 1));
    count[b]++;
    confSum[b] += conf;
    hits[b] += hit;
  }
  let ece = 0, mce = 0;
  for (let b = 0; b < binCount; b++) {
    if (!count[b]) continue;
    const gap = Math.abs(hits[b] / count[b] - confSum[b] / count[b]);
    ece += (count[b] / rows) * gap;
    mce = Math.max(mce, gap);
  }
  return { accuracy: accuracy / rows, nll: nll / rows, brier: brier / rows, ece, mce };
}
