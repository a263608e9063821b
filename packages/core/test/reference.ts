import { seededRandom } from '../src/random.js';
// Float64 references, written for clarity, not speed: the ground truth every kernel is tested against.

export function softmax(x: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp((x[r * cols + c] - m) / temperature) / s;
  }
  return y;
}

export function logSoftmax(x: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
    const lse = Math.log(s);
    for (let c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - m) / temperature - lse;
  }
  return y;
}

export function softmaxBackward(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number, temperature = 1): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += y[r * cols + c] * dy[r * cols + c];
    for (let c = 0; c < cols; c++) dx[r * cols + c] = (y[r * cols + c] * (dy[r * cols + c] - s)) / temperature;
  }
  return dx;
}

export interface CrossEntropyRefOptions {
  temperature?: number;
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
  ignoreIndex?: number;
  weights?: ArrayLike<number>;
}

/** Float64 cross-entropy of x / T: PyTorch semantics, smoothing spread over the row's unmasked classes. */
export function crossEntropyLoss(x: ArrayLike<number>, rows: number, cols: number, target: Int32Array | ArrayLike<number>, o: CrossEntropyRefOptions = {}): { loss: number; rowLoss: Float64Array } {
  const T = o.temperature ?? 1, eps = o.labelSmoothing ?? 0, ignore = o.ignoreIndex ?? -100;
  const w = (j: number): number => (o.weights ? o.weights[j] : 1);
  const soft = !(target instanceof Int32Array);
  const logp = logSoftmax(x, rows, cols, T);
  const rowLoss = new Float64Array(rows);
  let den = 0;
  for (let r = 0; r < rows; r++) {
    const unmasked: number[] = [];
    for (let j = 0; j < cols; j++) if (x[r * cols + j] !== -Infinity) unmasked.push(j);
    let loss = 0;
    if (soft) {
      for (const j of unmasked) loss -= w(j) * ((1 - eps) * target[r * cols + j] + eps / unmasked.length) * logp[r * cols + j];
      den += 1;
    } else {
      const y = target[r];
      if (y === ignore) continue;
      loss = -(1 - eps) * w(y) * logp[r * cols + y];
      for (const j of unmasked) loss -= (eps / unmasked.length) * w(j) * logp[r * cols + j];
      den += w(y);
    }
    rowLoss[r] = loss;
  }
  const sum = rowLoss.reduce((a, b) => a + b, 0);
  const reduction = o.reduction ?? 'mean';
  return { loss: reduction === 'mean' ? sum / den : sum, rowLoss };
}

/** Analytic float64 dL/dx and dL/dT of the (reduced) cross-entropy; 'none' differentiates the sum of rows. */
export function crossEntropyGrad(x: ArrayLike<number>, rows: number, cols: number, target: Int32Array | ArrayLike<number>, o: CrossEntropyRefOptions = {}): { grad: Float64Array; dT: number } {
  const T = o.temperature ?? 1, eps = o.labelSmoothing ?? 0, ignore = o.ignoreIndex ?? -100;
  const w = (j: number): number => (o.weights ? o.weights[j] : 1);
  const soft = !(target instanceof Int32Array);
  const p = softmax(x, rows, cols, T);
  const grad = new Float64Array(rows * cols);
  let dT = 0, den = 0;
  for (let r = 0; r < rows; r++) {
    const unmasked: number[] = [];
    for (let j = 0; j < cols; j++) if (x[r * cols + j] !== -Infinity) unmasked.push(j);
    const tgt = new Float64Array(cols);
    let rowWeight = 1;
    if (soft) {
      for (const j of unmasked) tgt[j] = (1 - eps) * target[r * cols + j] + eps / unmasked.length;
      den += 1;
    } else {
      const y = target[r];
      if (y === ignore) continue;
      for (const j of unmasked) tgt[j] = eps / unmasked.length;
      tgt[y] += 1 - eps;
      rowWeight = w(y);
      den += rowWeight;
    }
    // Per row: L = Σ_j c_j·(lse − z_j) with c_j = coefficient of −log p_j.
    const coef = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      if (soft) coef[j] = w(j) * tgt[j];
      else coef[j] = j === target[r] ? (1 - eps) * w(j) + (eps / unmasked.length) * w(j) : (eps / unmasked.length) * w(j) * (x[r * cols + j] === -Infinity ? 0 : 1);
    }
    const q = coef.reduce((a, b) => a + b, 0);
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    for (const j of unmasked) {
      const gz = q * p[r * cols + j] - coef[j];
      grad[r * cols + j] = gz / T;
      dT -= (gz * (x[r * cols + j] - m)) / T / T;
    }
    void rowWeight;
  }
  const scale = (o.reduction ?? 'mean') === 'mean' ? 1 / den : 1;
  for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  return { grad, dT: dT * scale };
}

// --- post-hoc temperature (Guo et al. 2017) and calibration metrics ---

/**
 * Σ over rows of NLL(T), dNLL/dT, d²NLL/dT², from the definitions in float64. Moments are taken of
 * d = x − x_y and ln Σ uses log1p of the non-max terms, so a saturated row (p_y → 1 at small T) keeps its
 * tiny derivatives instead of rounding them to 0. `gradAbs`/`hessAbs` are the scale of the terms the sums
 * cancel (Σ p·|d|), for tolerances.
 */
export function temperatureObjective(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, temperature: number): { nllSum: number; gradSum: number; hessSum: number; gradAbs: number; hessAbs: number } {
  let nllSum = 0, gradSum = 0, hessSum = 0, gradAbs = 0, hessAbs = 0;
  const T = temperature;
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, c) => x[r * cols + c]);
    const p = softmax(row, 1, cols, T);
    const xy = row[labels[r]];
    const top = row.indexOf(Math.max(...row));
    let rest = 0;
    for (let c = 0; c < cols; c++) if (c !== top) rest += Math.exp((row[c] - row[top]) / T);
    let meanD = 0, spread = 0;
    for (let c = 0; c < cols; c++) {
      if (p[c] === 0) continue;
      meanD += p[c] * (row[c] - xy);
      spread += p[c] * Math.abs(row[c] - xy);
    }
    // Variance is shift-invariant: centred on the row's top, not on x_y, so a far label does not cancel it away.
    let meanTop = 0;
    for (let c = 0; c < cols; c++) if (p[c] > 0) meanTop += p[c] * (row[c] - row[top]);
    let variance = 0;
    for (let c = 0; c < cols; c++) if (p[c] > 0) variance += p[c] * (row[c] - row[top] - meanTop) ** 2;
    nllSum += (row[top] - xy) / T + Math.log1p(rest);
    gradSum += -meanD / T ** 2;
    hessSum += variance / T ** 4 + (2 * meanD) / T ** 3;
    gradAbs += spread / T ** 2;
    hessAbs += variance / T ** 4 + (2 * spread) / T ** 3;
  }
  return { nllSum, gradSum, hessSum, gradAbs, hessAbs };
}

/** Mean NLL of softmax(x / T) at the labels. */
export function meanNll(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, temperature: number): number {
  return temperatureObjective(x, rows, cols, labels, temperature).nllSum / rows;
}

/** Golden-section search for the NLL-minimising T on ln T ∈ [ln lo, ln hi], to 1e-10 in ln T. */
export function fitTemperatureGolden(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, lo = 1e-2, hi = 1e2): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lo), b = Math.log(hi);
  const f = (s: number): number => meanNll(x, rows, cols, labels, Math.exp(s));
  let c = b - ratio * (b - a), d = a + ratio * (b - a);
  let fc = f(c), fd = f(d);
  while (b - a > 1e-10) {
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

/**
 * Accuracy, NLL, Brier, ECE, MCE and equal-width bins (lower, upper] from row probabilities p. With `logits`,
 * 1 − p_y is summed from the other classes and −ln p_y = log1p(Σ_{j≠y} e^{(x_j − x_y)/T}), so rows with
 * p_y ≈ 1 keep their digits.
 */
export function calibrationMetrics(p: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, binCount = 15, logits?: { x: ArrayLike<number>; temperature: number }): {
  accuracy: number; nll: number; brier: number; ece: number; mce: number;
  bins: { lower: number; upper: number; count: number; confidence: number; accuracy: number }[];
} {
  const bins = Array.from({ length: binCount }, (_, b) => ({ lower: b / binCount, upper: (b + 1) / binCount, count: 0, confSum: 0, hits: 0 }));
  let accuracy = 0, nll = 0, brier = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (p[r * cols + c] > p[r * cols + best]) best = c;
    const conf = p[r * cols + best];
    const hit = best === labels[r] ? 1 : 0;
    accuracy += hit / rows;
    if (logits) {
      const xy = logits.x[r * cols + labels[r]];
      let s = 0;
      for (let c = 0; c < cols; c++) if (c !== labels[r]) s += Math.exp((logits.x[r * cols + c] - xy) / logits.temperature);
      nll += Math.log1p(s) / rows;
    } else {
      nll -= Math.log(p[r * cols + labels[r]]) / rows;
    }
    let miss = 0;
    for (let c = 0; c < cols; c++) {
      if (c === labels[r]) continue;
      miss += p[r * cols + c];
      brier += p[r * cols + c] ** 2 / rows;
    }
    // Given probabilities, 1 − p_y is the definition (exact for f32 p_y); from logits, the others' mass is exact.
    brier += (logits ? miss : 1 - p[r * cols + labels[r]]) ** 2 / rows;
    const bin = bins.find((b, i) => (conf > b.lower || i === 0) && conf <= b.upper)!;
    bin.count++;
    bin.confSum += conf;
    bin.hits += hit;
  }
  let ece = 0, mce = 0;
  const out = bins.map((b) => {
    const confidence = b.count ? b.confSum / b.count : 0;
    const acc = b.count ? b.hits / b.count : 0;
    if (b.count) {
      ece += (b.count / rows) * Math.abs(acc - confidence);
      mce = Math.max(mce, Math.abs(acc - confidence));
    }
    return { lower: b.lower, upper: b.upper, count: b.count, confidence, accuracy: acc };
  });
  return { accuracy, nll, brier, ece, mce, bins: out };
}

/** Eigenvalues of a symmetric matrix by classical Jacobi (largest off-diagonal pivot each step), ascending. */
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

/** CSG steps 6–7 from W: eigenvalues of L = D − W (off-diagonal degrees) and Σ_i max_{l≤i} gap_l / (K − l). */
export function csgSpectrum(W: ArrayLike<number>, K: number): { csg: number; eigenvalues: Float64Array } {
  const L = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) if (j !== i) { L[i * K + j] = -W[i * K + j]; L[i * K + i] += W[i * K + j]; }
  }
  const eigenvalues = symmetricEigenvalues(L, K);
  let best = -Infinity, csg = 0;
  for (let i = 0; i < K - 1; i++) {
    best = Math.max(best, (eigenvalues[i + 1] - eigenvalues[i]) / (K - i));
    csg += best;
  }
  return { csg, eigenvalues };
}

/**
 * The whole CSG algorithm (Branchaud-Charron et al. 2019) in float64, literally as the authors' code does
 * it (V as a product floored at 1e-4, p / V, row sums, non-finite S entries set to 0), on given samples:
 * samples[c] lists the sampled point indices of class c. Neighbours: the k nearest other points by
 * (distance, index).
 */
export function csgReference(
  x: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>, K: number, samples: ArrayLike<number>[], k: number,
): { csg: number; eigenvalues: Float64Array; similarity: Float64Array; S: Float64Array } {
  const S = new Float64Array(K * K);
  for (let c = 0; c < K; c++) {
    for (let m = 0; m < samples[c].length; m++) {
      const self = samples[c][m];
      const order: { dist: number; index: number }[] = [];
      for (let i = 0; i < n; i++) {
        if (i === self) continue;
        let dist = 0;
        for (let j = 0; j < d; j++) dist += (x[i * d + j] - x[self * d + j]) ** 2;
        order.push({ dist, index: i });
      }
      order.sort((a, b) => a.dist - b.dist || a.index - b.index);
      const nbrs = order.slice(0, k).map((o) => o.index);
      let volume = 1;
      for (let j = 0; j < d; j++) {
        let extent = 0;
        for (const t of nbrs) extent = Math.max(extent, Math.abs(x[t * d + j] - x[self * d + j]));
        volume *= 2 * extent;
      }
      volume = Math.max(1e-4, volume);
      for (const t of nbrs) S[c * K + labels[t]] += 1 / k / volume;
    }
    let sum = 0;
    for (let j = 0; j < K; j++) sum += S[c * K + j];
    for (let j = 0; j < K; j++) S[c * K + j] /= sum;
  }
  for (let i = 0; i < S.length; i++) if (!Number.isFinite(S[i])) S[i] = 0;
  const similarity = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      let num = 0, den = 0;
      for (let t = 0; t < K; t++) { num += Math.abs(S[i * K + t] - S[j * K + t]); den += Math.abs(S[i * K + t] + S[j * K + t]); }
      similarity[i * K + j] = 1 - num / den;
    }
  }
  return { ...csgSpectrum(similarity, K), similarity, S };
}

/** Float64 inference BatchNorm: (x − μ)/√(σ² + ε)·γ + β per column. */
export function batchNorm(x: ArrayLike<number>, n: number, m: number, mean: ArrayLike<number>, variance: ArrayLike<number>, gamma: ArrayLike<number> | undefined, beta: ArrayLike<number> | undefined, eps: number): Float64Array {
  const y = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < m; j++) y[r * m + j] = ((x[r * m + j] - mean[j]) / Math.sqrt(variance[j] + eps)) * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
  }
  return y;
}

/** Float64 batch statistics (mean, biased variance) per column. */
export function batchStats(x: ArrayLike<number>, n: number, m: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(m), variance = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += x[r * m + j];
    mean[j] = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (x[r * m + j] - mean[j]) ** 2;
    variance[j] = v / n;
  }
  return { mean, variance };
}

/** Float64 training-mode BN forward (batch statistics); the loss Σ dy ⊙ y is what the backward differentiates. */
export function batchNormTrainForward(x: ArrayLike<number>, n: number, m: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): Float64Array {
  const { mean, variance } = batchStats(x, n, m);
  return batchNorm(x, n, m, mean, variance, gamma, beta, eps);
}

/** Float64 closed-form BN backward. */
export function batchNormBackward(dy: ArrayLike<number>, x: ArrayLike<number>, n: number, m: number, gamma: ArrayLike<number>, eps: number): { dx: Float64Array; dGamma: Float64Array; dBeta: Float64Array } {
  const { mean, variance } = batchStats(x, n, m);
  const dx = new Float64Array(n * m), dGamma = new Float64Array(m), dBeta = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const inv = 1 / Math.sqrt(variance[j] + eps);
    for (let r = 0; r < n; r++) {
      const xh = (x[r * m + j] - mean[j]) * inv;
      dBeta[j] += dy[r * m + j];
      dGamma[j] += dy[r * m + j] * xh;
    }
    for (let r = 0; r < n; r++) {
      const xh = (x[r * m + j] - mean[j]) * inv;
      dx[r * m + j] = ((gamma[j] * inv) / n) * (n * dy[r * m + j] - dBeta[j] - xh * dGamma[j]);
    }
  }
  return { dx, dGamma, dBeta };
}

// --- calibration beyond the basics (issue 20): binning conventions, classwise, sigmoid heads, resampling ---

/** numpy.quantile(values, q) with method 'linear', on an ascending copy. */
export function npQuantile(values: ArrayLike<number>, q: number): number {
  const v = Array.from(values).sort((a, b) => a - b);
  const h = (v.length - 1) * q;
  const k = Math.floor(h), g = h - k;
  const a = v[k], b = v[Math.min(k + 1, v.length - 1)];
  return g < 0.5 ? a + (b - a) * g : b - (b - a) * (1 - g);
}

/** Equal-mass edges as netcal makes them: np.quantile at linspace(0, 1, B + 1), first edge 0, last 1. */
export function massEdges(conf: ArrayLike<number>, B: number): number[] {
  const e = Array.from({ length: B + 1 }, (_, b) => npQuantile(conf, b * (1 / B)));
  e[0] = 0;
  e[B] = 1;
  return e;
}

/** The bin of c: (lower, upper] with the first bin taking everything at or below its upper edge, or [lower, upper) with the last taking the rest. */
export function binIndex(c: number, edges: readonly number[], lowerClosed: boolean): number {
  const B = edges.length - 1;
  if (lowerClosed) {
    for (let b = B - 1; b > 0; b--) if (c >= edges[b]) return b;
    return 0;
  }
  for (let b = 0; b < B - 1; b++) if (c <= edges[b + 1]) return b;
  return B - 1;
}

/** ECE, MCE, RMS, ACE and bins of weighted forecasts (weights default 1). */
export function binnedErrors(conf: ArrayLike<number>, correct: ArrayLike<number>, edges: readonly number[], lowerClosed = false, weights?: ArrayLike<number>): {
  ece: number; mce: number; rmsce: number; ace: number; counts: number[]; accuracy: number[]; confidence: number[];
} {
  const B = edges.length - 1;
  const n = new Array(B).fill(0), sc = new Array(B).fill(0), so = new Array(B).fill(0);
  let total = 0;
  for (let i = 0; i < conf.length; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    const b = binIndex(conf[i], edges, lowerClosed);
    n[b] += w;
    sc[b] += w * conf[i];
    so[b] += w * correct[i];
    total += w;
  }
  let ece = 0, mce = 0, sq = 0, gaps = 0, used = 0;
  const accuracy: number[] = [], confidence: number[] = [];
  for (let b = 0; b < B; b++) {
    accuracy.push(n[b] ? so[b] / n[b] : NaN);
    confidence.push(n[b] ? sc[b] / n[b] : NaN);
    if (!n[b]) continue;
    const gap = Math.abs(so[b] / n[b] - sc[b] / n[b]);
    ece += (n[b] / total) * gap;
    sq += (n[b] / total) * gap * gap;
    mce = Math.max(mce, gap);
    gaps += gap;
    used++;
  }
  return { ece, mce, rmsce: Math.sqrt(sq), ace: gaps / used, counts: n, accuracy, confidence };
}

/**
 * netcal's ECE / ACE / MCE for classification, transcribed from its algorithm (not its code): top-label
 * confidences (or, for 1-D binary input, P(y = 1) against y = 1), clipped to [eps, 1 − eps], binned by
 * numpy's histogram rule ([lower, upper), the last bin closed) over linspace or quantile edges.
 */
export function netcal(p: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, bins: number, equalIntervals: boolean, binaryPositive = false): { ece: number; ace: number; mce: number } {
  const eps = 2 ** -52;
  const conf: number[] = [], matched: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (binaryPositive) {
      conf.push(p[r * cols + 1]);
      matched.push(labels[r] === 1 ? 1 : 0);
      continue;
    }
    let best = 0;
    for (let c = 1; c < cols; c++) if (p[r * cols + c] > p[r * cols + best]) best = c;
    conf.push(p[r * cols + best]);
    matched.push(best === labels[r] ? 1 : 0);
  }
  const x = conf.map((c) => Math.min(1 - eps, Math.max(eps, c)));
  const edges = equalIntervals ? Array.from({ length: bins + 1 }, (_, b) => (b === bins ? 1 : b * (1 / bins))) : massEdges(x, bins);
  const e = binnedErrors(x, matched, edges, true);
  return { ece: e.ece, ace: e.ace, mce: e.mce };
}

/**
 * Per class j: ECE of p_j over equal-width bins against [y = j], and the Murphy parts from bin member lists
 * (reliability, resolution, uncertainty, within-bin variance minus twice the within-bin covariance).
 */
export function classwise(p: ArrayLike<number>, rows: number, cols: number, outcome: (r: number, j: number) => number, B: number, lowerClosed = false): {
  ece: number; perClass: number[]; reliability: number; resolution: number; uncertainty: number; withinBin: number;
} {
  const edges = Array.from({ length: B + 1 }, (_, b) => b / B);
  const perClass: number[] = [];
  let reliability = 0, resolution = 0, uncertainty = 0, withinBin = 0;
  for (let j = 0; j < cols; j++) {
    const members: number[][] = Array.from({ length: B }, () => []);
    let base = 0;
    for (let r = 0; r < rows; r++) {
      members[binIndex(p[r * cols + j], edges, lowerClosed)].push(r);
      base += outcome(r, j) / rows;
    }
    let ece = 0;
    for (const m of members) {
      if (!m.length) continue;
      const f = m.reduce((s, r) => s + p[r * cols + j], 0) / m.length;
      const o = m.reduce((s, r) => s + outcome(r, j), 0) / m.length;
      ece += (m.length / rows) * Math.abs(o - f);
      reliability += (m.length / rows) * (f - o) ** 2;
      resolution += (m.length / rows) * (o - base) ** 2;
      for (const r of m) withinBin += ((p[r * cols + j] - f) ** 2 - 2 * (p[r * cols + j] - f) * (outcome(r, j) - o)) / rows;
    }
    perClass.push(ece);
    uncertainty += base * (1 - base);
  }
  return { ece: perClass.reduce((a, b) => a + b, 0) / cols, perClass, reliability, resolution, uncertainty, withinBin };
}

/** Sigmoid heads: per entry p = σ(z/T_c), NLL and Brier summed over a row's labels, top-label and positive forecasts. */
export function sigmoidMetrics(z: ArrayLike<number>, rows: number, cols: number, t: ArrayLike<number>, temperatures: readonly number[], probabilities = false): {
  p: number[]; nll: number; brier: number; accuracy: number; top: { conf: number[]; correct: number[] }; positive: { conf: number[]; correct: number[] };
} {
  const p: number[] = [];
  let nll = 0, brier = 0, hits = 0;
  const top = { conf: [] as number[], correct: [] as number[] }, positive = { conf: [] as number[], correct: [] as number[] };
  for (let i = 0; i < rows * cols; i++) {
    const T = temperatures[temperatures.length === 1 ? 0 : i % cols];
    const u = z[i] / T;
    const pi = probabilities ? z[i] : 1 / (1 + Math.exp(-u));
    p.push(pi);
    // BCE from the definition, with log1p(e^−|u|) so large |u| keep their digits.
    nll += probabilities ? -(t[i] ? Math.log(pi) : Math.log(1 - pi)) : Math.max(u, 0) - t[i] * u + Math.log1p(Math.exp(-Math.abs(u)));
    brier += (pi - t[i]) ** 2;
    const pred = pi > 0.5 ? 1 : 0;
    hits += pred === t[i] ? 1 : 0;
    top.conf.push(Math.max(pi, 1 - pi));
    top.correct.push(pred === t[i] ? 1 : 0);
    positive.conf.push(pi);
    positive.correct.push(t[i]);
  }
  return { p, nll: nll / rows, brier: brier / rows, accuracy: hits / (rows * cols), top, positive };
}

// The kernel's bootstrap draws must replay the core's one seeded stream (src/random.ts).
const mulberry = seededRandom;

/** Rows sorted by confidence, then outcome (incorrect first): the order the resampling draws index into. */
export function sortedRows(conf: ArrayLike<number>, correct: ArrayLike<number>): { conf: number[]; correct: number[] } {
  const idx = Array.from({ length: conf.length }, (_, i) => i).sort((a, b) => conf[a] - conf[b] || correct[a] - correct[b]);
  return { conf: idx.map((i) => conf[i]), correct: idx.map((i) => correct[i]) };
}

/**
 * Bootstrap ECEs: replicate r draws n indices into the sorted rows (blocks of 4096, then rows); equal-mass edges come from the
 * replicate's own multiset. Simulation: every sorted row once, outcome u < confidence.
 */
export function resampledEces(conf: ArrayLike<number>, correct: ArrayLike<number>, B: number, equalMass: boolean, lowerClosed: boolean, replicates: number, seed: number, simulate: boolean): number[] {
  const s = sortedRows(conf, correct);
  const n = s.conf.length;
  const random = mulberry(seed);
  const fixed = equalMass ? massEdges(s.conf, B) : Array.from({ length: B + 1 }, (_, b) => b / B);
  const out: number[] = [];
  for (let r = 0; r < replicates; r++) {
    if (simulate) {
      const outcome = s.conf.map((c) => (random() < c ? 1 : 0));
      out.push(binnedErrors(s.conf, outcome, fixed, lowerClosed).ece);
      continue;
    }
    // n uniform draws in two stages: the block of 4096 rows each draw falls in, then the row within its block.
    const w = new Array(n).fill(0);
    const blocks = new Array(Math.ceil(n / 4096)).fill(0);
    for (let i = 0; i < n; i++) blocks[Math.floor(Math.floor(random() * n) / 4096)]++;
    blocks.forEach((k, b) => {
      const size = Math.min(4096, n - b * 4096);
      for (let j = 0; j < k; j++) w[b * 4096 + Math.floor(random() * size)]++;
    });
    const sample: number[] = [];
    w.forEach((k, i) => { for (let j = 0; j < k; j++) sample.push(s.conf[i]); });
    const edges = equalMass ? massEdges(sample, B) : fixed;
    out.push(binnedErrors(s.conf, s.correct, edges, lowerClosed, w).ece);
  }
  return out;
}

/** Risk–coverage by brute force: every distinct threshold τ answers the rows with confidence ≥ τ. */
export function riskCoverage(conf: ArrayLike<number>, correct: ArrayLike<number>): { aurc: number; optimal: number; thresholds: { threshold: number; coverage: number; accuracy: number }[] } {
  const n = conf.length;
  const distinct = [...new Set(Array.from(conf))].sort((a, b) => b - a);
  const thresholds = distinct.map((t) => {
    let k = 0, right = 0;
    for (let i = 0; i < n; i++) if (conf[i] >= t) { k++; right += correct[i]; }
    return { threshold: t, coverage: k / n, accuracy: right / k, count: k };
  });
  // AURC: each row contributes the risk of the smallest answering set that contains it.
  let aurc = 0;
  for (let i = 0; i < n; i++) {
    const at = thresholds.find((t) => t.threshold === conf[i])!;
    aurc += (1 - at.accuracy) / n;
  }
  let errors = 0;
  for (let i = 0; i < n; i++) errors += 1 - correct[i];
  let optimal = 0;
  for (let k = 1; k <= n; k++) optimal += Math.max(0, k - (n - errors)) / k / n;
  return { aurc, optimal, thresholds };
}

/** Vector scaling: NLL and gradient of softmax(w ⊙ x + b) summed over rows, in float64; −Inf logits are masks. */
export function vectorScaling(x: ArrayLike<number>, rows: number, cols: number, labels: ArrayLike<number>, w: readonly number[], b: readonly number[]): { nll: number; gw: number[]; gb: number[]; gwAbs: number[] } {
  let nll = 0;
  const gw = new Array(cols).fill(0), gb = new Array(cols).fill(0), gwAbs = new Array(cols).fill(0);
  for (let r = 0; r < rows; r++) {
    const u = Array.from({ length: cols }, (_, j) => (x[r * cols + j] === -Infinity ? -Infinity : w[j] * x[r * cols + j] + b[j]));
    const m = Math.max(...u);
    const s = u.reduce((a, v) => a + Math.exp(v - m), 0);
    nll += Math.log(s) - (u[labels[r]] - m);
    for (let j = 0; j < cols; j++) {
      if (u[j] === -Infinity) continue;
      const d = Math.exp(u[j] - m) / s - (j === labels[r] ? 1 : 0);
      gw[j] += d * x[r * cols + j];
      gb[j] += d;
      gwAbs[j] += Math.abs(d * x[r * cols + j]) + Math.abs(d);
    }
  }
  return { nll, gw, gb, gwAbs };
}

/** Platt: NLL of σ(a·z + b) against targets, gradient and Hessian, summed, in float64. */
export function platt(z: ArrayLike<number>, targets: ArrayLike<number>, a: number, b: number): { nll: number; grad: [number, number]; hessian: [number, number, number] } {
  let nll = 0, ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
  for (let i = 0; i < z.length; i++) {
    const u = a * z[i] + b;
    const p = 1 / (1 + Math.exp(-u));
    nll += Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))) - targets[i] * u;
    ga += (p - targets[i]) * z[i];
    gb += p - targets[i];
    haa += p * (1 - p) * z[i] * z[i];
    hab += p * (1 - p) * z[i];
    hbb += p * (1 - p);
  }
  return { nll, grad: [ga, gb], hessian: [haa, hab, hbb] };
}
