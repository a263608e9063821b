// Float64 references every contender is checked against before it is timed. The math is that of
// @tstar/core's test references (packages/core/test/reference.ts), copied here because benchmarks never
// import from a package's test folder, and written to run on the suite's largest cases in seconds
// (no per-row allocations). Hard labels, no masks: the suite's inputs are finite.

/** softmax(x / T) per row of a row-major [rows, cols] matrix. */
export function softmax(x: ArrayLike<number>, rows: number, cols: number, temperature: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[o + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += y[o + c] = Math.exp((x[o + c] - m) / temperature);
    for (let c = 0; c < cols; c++) y[o + c] /= s;
  }
  return y;
}

/** The row's max m and ln Σ e^((x − m)/T) for the row starting at o. */
function rowLse(x: ArrayLike<number>, o: number, cols: number, temperature: number): { m: number; lse: number } {
  let m = -Infinity;
  for (let c = 0; c < cols; c++) m = Math.max(m, x[o + c]);
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp((x[o + c] - m) / temperature);
  return { m, lse: Math.log(s) };
}

/** log softmax(x / T) per row: (x − m)/T − ln Σ e^((x − m)/T). */
export function logSoftmax(x: ArrayLike<number>, rows: number, cols: number, temperature: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const { m, lse } = rowLse(x, o, cols, temperature);
    for (let c = 0; c < cols; c++) y[o + c] = (x[o + c] - m) / temperature - lse;
  }
  return y;
}

/** Mean cross-entropy of softmax(x / T) at integer labels, and dL/dx = (p − onehot) / (T · rows). */
export function crossEntropy(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, temperature: number): { loss: number; grad: Float64Array } {
  const grad = softmax(x, rows, cols, temperature);
  for (let r = 0; r < rows; r++) grad[r * cols + labels[r]] -= 1;
  const scale = 1 / (temperature * rows);
  for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  return { loss: meanNll(x, rows, cols, labels, temperature), grad };
}

/** Inference BatchNorm: (x − μ)/√(σ² + ε)·γ + β per column of [n, m]. */
export function batchNorm(
  x: ArrayLike<number>, n: number, m: number,
  stats: { mean: ArrayLike<number>; variance: ArrayLike<number>; gamma: ArrayLike<number>; beta: ArrayLike<number>; epsilon: number },
): Float64Array {
  const y = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < m; j++) y[r * m + j] = ((x[r * m + j] - stats.mean[j]) / Math.sqrt(stats.variance[j] + stats.epsilon)) * stats.gamma[j] + stats.beta[j];
  }
  return y;
}

/** What one BatchNorm training step produces: forward output, gradients, updated running statistics. */
export interface BatchNormStep<A extends ArrayLike<number> = Float64Array> {
  y: A;
  dx: A;
  dGamma: A;
  dBeta: A;
  runningMean: A;
  runningVariance: A;
}

/**
 * One training step of BatchNorm on [n, m]: forward with the batch mean and biased variance, running
 * statistics updated PyTorch's way (unbiased variance, `momentum` weight on the batch), and the closed-form
 * backward of Σ dy ⊙ y.
 */
export function batchNormTrainStep(
  x: ArrayLike<number>, dy: ArrayLike<number>, n: number, m: number,
  p: { gamma: ArrayLike<number>; beta: ArrayLike<number>; runningMean: ArrayLike<number>; runningVariance: ArrayLike<number>; momentum: number; epsilon: number },
): BatchNormStep {
  const out: BatchNormStep = {
    y: new Float64Array(n * m), dx: new Float64Array(n * m), dGamma: new Float64Array(m), dBeta: new Float64Array(m),
    runningMean: new Float64Array(m), runningVariance: new Float64Array(m),
  };
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += x[r * m + j];
    const mean = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (x[r * m + j] - mean) ** 2;
    const variance = v / n;
    const inv = 1 / Math.sqrt(variance + p.epsilon);
    let dGamma = 0, dBeta = 0;
    for (let r = 0; r < n; r++) {
      const xh = (x[r * m + j] - mean) * inv;
      out.y[r * m + j] = xh * p.gamma[j] + p.beta[j];
      dBeta += dy[r * m + j];
      dGamma += dy[r * m + j] * xh;
    }
    for (let r = 0; r < n; r++) {
      const xh = (x[r * m + j] - mean) * inv;
      out.dx[r * m + j] = ((p.gamma[j] * inv) / n) * (n * dy[r * m + j] - dBeta - xh * dGamma);
    }
    out.dGamma[j] = dGamma;
    out.dBeta[j] = dBeta;
    out.runningMean[j] = (1 - p.momentum) * p.runningMean[j] + p.momentum * mean;
    out.runningVariance[j] = (1 - p.momentum) * p.runningVariance[j] + p.momentum * variance * (n / (n - 1));
  }
  return out;
}

/** Mean NLL of softmax(x / T) at the labels. */
export function meanNll(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, temperature: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const { m, lse } = rowLse(x, o, cols, temperature);
    total += lse - (x[o + labels[r]] - m) / temperature;
  }
  return total / rows;
}

/** Golden-section search for the NLL-minimising T on ln T ∈ [ln lo, ln hi], to `tolerance` in ln T. */
export function fitTemperatureGolden(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, tolerance = 1e-9, lo = 1e-2, hi = 1e2): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lo), b = Math.log(hi);
  const f = (s: number): number => meanNll(x, rows, cols, labels, Math.exp(s));
  let c = b - ratio * (b - a), d = a + ratio * (b - a);
  let fc = f(c), fd = f(d);
  while (b - a > tolerance) {
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

/** The scalar calibration metrics the suite compares (the bins are checked through ECE and MCE). */
export interface Calibration {
  accuracy: number;
  nll: number;
  brier: number;
  ece: number;
  mce: number;
}

/**
 * Accuracy (first argmax), NLL, Brier, and ECE/MCE over `binCount` equal-width bins (lower, upper] (the
 * first also takes 0) of softmax(x / T). −ln p_y = log1p(Σ_{j≠y} e^((x_j − x_y)/T)) and 1 − p_y is summed
 * from the other classes, as the core's reference does, so confident rows keep their digits.
 */
export function calibrationMetrics(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, temperature: number, binCount: number): Calibration {
  const count = new Float64Array(binCount), confSum = new Float64Array(binCount), hits = new Float64Array(binCount);
  const p = softmax(x, rows, cols, temperature);
  let accuracy = 0, nll = 0, brier = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols, y = labels[r];
    let best = 0;
    for (let c = 1; c < cols; c++) if (x[o + c] > x[o + best]) best = c;
    const conf = p[o + best];
    const hit = best === y ? 1 : 0;
    accuracy += hit;
    let s = 0, miss = 0;
    for (let c = 0; c < cols; c++) {
      if (c === y) continue;
      s += Math.exp((x[o + c] - x[o + y]) / temperature);
      miss += p[o + c];
      brier += p[o + c] ** 2;
    }
    nll += Math.log1p(s);
    brier += miss ** 2;
    let b = Math.min(binCount - 1, Math.max(0, Math.ceil(conf * binCount) - 1));
    while (b > 0 && !(conf > b / binCount)) b--;
    while (b < binCount - 1 && conf > (b + 1) / binCount) b++;
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

/** Eigenvalues of a symmetric n × n matrix by classical Jacobi rotations, ascending. */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  const m = Float64Array.from(a);
  for (let iter = 0; iter < 100 * n * n; iter++) {
    let p = 0, q = 1, big = 0, total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        total += m[i * n + j] ** 2;
        if (j > i && Math.abs(m[i * n + j]) > big) { big = Math.abs(m[i * n + j]); p = i; q = j; }
      }
    }
    if (n < 2 || big * big <= 1e-32 * total) break;
    // Rotation angle that zeroes m[p][q]: tan 2φ = 2·m_pq / (m_qq − m_pp).
    const phi = 0.5 * Math.atan2(2 * m[p * n + q], m[q * n + q] - m[p * n + p]);
    const c = Math.cos(phi), s = Math.sin(phi);
    for (let r = 0; r < n; r++) {
      const rp = m[r * n + p], rq = m[r * n + q];
      m[r * n + p] = c * rp - s * rq;
      m[r * n + q] = s * rp + c * rq;
    }
    for (let r = 0; r < n; r++) {
      const pr = m[p * n + r], qr = m[q * n + r];
      m[p * n + r] = c * pr - s * qr;
      m[q * n + r] = s * pr + c * qr;
    }
  }
  return Float64Array.from({ length: n }, (_, i) => m[i * n + i]).sort();
}

/**
 * Cumulative spectral gradient (Branchaud-Charron et al. 2019) with every point of every class sampled
 * (so no sampler is involved): per point, the k nearest other points by (squared distance, index); Parzen
 * volume V = max(1e-4, Π_j 2·max_t |x_tj − x_j|); S_c ∝ Σ_points 1/(k·V) per neighbour's class, rows
 * normalised; W = 1 − Bray-Curtis(S_i, S_j); eigenvalues of L = D − W; CSG = Σ_i max_{l≤i} gap_l / (K − l).
 */
export function cumulativeSpectralGradient(x: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>, K: number, k: number): number {
  const S = new Float64Array(K * K);
  const bestDist = new Float64Array(k), bestIndex = new Int32Array(k);
  for (let self = 0; self < n; self++) {
    bestDist.fill(Infinity);
    bestIndex.fill(-1);
    for (let i = 0; i < n; i++) {
      if (i === self) continue;
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (x[i * d + j] - x[self * d + j]) ** 2;
      // Insert into the sorted k-best list; ties keep the lower index first (i grows).
      if (!(dist < bestDist[k - 1])) continue;
      let at = k - 1;
      while (at > 0 && dist < bestDist[at - 1]) {
        bestDist[at] = bestDist[at - 1];
        bestIndex[at] = bestIndex[at - 1];
        at--;
      }
      bestDist[at] = dist;
      bestIndex[at] = i;
    }
    let volume = 1;
    for (let j = 0; j < d; j++) {
      let extent = 0;
      for (let t = 0; t < k; t++) extent = Math.max(extent, Math.abs(x[bestIndex[t] * d + j] - x[self * d + j]));
      volume *= 2 * extent;
    }
    volume = Math.max(1e-4, volume);
    const c = labels[self];
    for (let t = 0; t < k; t++) S[c * K + labels[bestIndex[t]]] += 1 / k / volume;
  }
  for (let c = 0; c < K; c++) {
    let sum = 0;
    for (let j = 0; j < K; j++) sum += S[c * K + j];
    for (let j = 0; j < K; j++) S[c * K + j] /= sum;
  }
  const L = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      if (i === j) continue;
      let num = 0, den = 0;
      for (let t = 0; t < K; t++) { num += Math.abs(S[i * K + t] - S[j * K + t]); den += Math.abs(S[i * K + t] + S[j * K + t]); }
      const w = 1 - num / den;
      L[i * K + j] = -w;
      L[i * K + i] += w;
    }
  }
  const eigenvalues = symmetricEigenvalues(L, K);
  let best = -Infinity, csg = 0;
  for (let i = 0; i < K - 1; i++) {
    best = Math.max(best, (eigenvalues[i + 1] - eigenvalues[i]) / (K - i));
    csg += best;
  }
  return csg;
}
